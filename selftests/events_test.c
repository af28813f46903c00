// SPDX-License-Identifier: GPL-2.0
/*
 * vmlab events: the records read() returns, read()/poll()/select() and
 * O_NONBLOCK, the stats against the stream, ring overflow and its LOST
 * record, and the kernel's TLB flushes on the instance's mms.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/time.h>

#include "kselftest_harness.h"
#include "vmlab_test.h"

#define PAGES	64U
#define REC	sizeof(struct vmlab_event)
#define FAULTS	VMLAB_EV_BIT(VMLAB_EV_FAULT)

FIXTURE(events) {
	struct vmlab_lab lab;
};

FIXTURE_SETUP(events)
{
	VMLAB_REQUIRE_MODULE();
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, PAGES, FAULTS, 0, 1024));
}

FIXTURE_TEARDOWN(events)
{
	vmlab_lab_close(&self->lab);
}

/* Change the event mask of @lab's mapped instance (allowed after mmap). */
static int set_mask(struct vmlab_lab *lab, __u64 mask)
{
	return vmlab_set_config(lab->fd, lab->pages * lab->ps, mask, 0, 1024);
}

/* ----------------------------------------------------------- the records */

TEST_F(events, fault_record_describes_its_fault)
{
	struct vmlab_event ev[2];
	__u64 t0, t1;

	t0 = vmlab_now_ns();
	vmlab_touch_write(vmlab_page(&self->lab, 3), 1, 1);
	t1 = vmlab_now_ns();
	ASSERT_EQ(1, vmlab_read_ready(self->lab.fd, ev, 2));

	EXPECT_EQ((__u32)VMLAB_EV_FAULT, ev[0].type);
	EXPECT_EQ(REC, ev[0].size);
	EXPECT_EQ((__u32)gettid(), ev[0].pid);
	EXPECT_EQ((__u32)getpid(), ev[0].tgid);
	EXPECT_GT((__u32)sysconf(_SC_NPROCESSORS_CONF), ev[0].cpu);
	EXPECT_EQ(0U, ev[0].reserved);
	EXPECT_LE(t0, ev[0].time_ns);
	EXPECT_GE(t1, ev[0].time_ns);
	EXPECT_EQ((__u64)(uintptr_t)vmlab_page(&self->lab, 3), ev[0].fault.addr);
	EXPECT_EQ(3ULL, ev[0].fault.pgoff);
	EXPECT_EQ((__u32)(VMLAB_ACC_WRITE | VMLAB_ACC_USER), ev[0].fault.access);
	EXPECT_EQ((__u32)VMLAB_FAULT_ZERO, ev[0].fault.kind);
	EXPECT_LT(0ULL, ev[0].fault.latency_ns);
	EXPECT_GE(t1 - t0, ev[0].fault.latency_ns);
	EXPECT_EQ(0U, ev[0].fault.depth);
	EXPECT_EQ(0U, ev[0].fault.reserved);
}

static void *write_page_0(void *arg)
{
	struct vmlab_lab *lab = arg;

	vmlab_touch_write(lab->map, 1, 1);
	return (void *)(uintptr_t)gettid();
}

TEST_F(events, fault_record_from_a_thread_carries_its_tid_and_the_tgid)
{
	struct vmlab_event ev[2];
	pthread_t thread;
	void *tid;

	ASSERT_EQ(0, pthread_create(&thread, NULL, write_page_0, &self->lab));
	ASSERT_EQ(0, pthread_join(thread, &tid));
	ASSERT_EQ(1, vmlab_read_ready(self->lab.fd, ev, 2));
	EXPECT_EQ((__u32)(uintptr_t)tid, ev[0].pid);
	EXPECT_NE((__u32)getpid(), ev[0].pid);
	EXPECT_EQ((__u32)getpid(), ev[0].tgid);
}

TEST_F(events, sequence_numbers_are_consecutive)
{
	struct vmlab_event ev[PAGES + 1];
	size_t i;

	vmlab_touch_read(self->lab.map, PAGES);
	ASSERT_EQ(PAGES, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	for (i = 1; i < PAGES; i++)
		EXPECT_EQ(ev[0].seq + i, ev[i].seq);
}

TEST_F(events, record_timestamps_never_go_back)
{
	struct vmlab_event ev[PAGES + 1];
	size_t i;

	vmlab_touch_read(self->lab.map, PAGES);
	vmlab_touch_write(self->lab.map, PAGES, 1);
	ASSERT_EQ(PAGES, vmlab_read_ready(self->lab.fd, ev, PAGES));
	for (i = 1; i < PAGES; i++)
		EXPECT_LE(ev[i - 1].time_ns, ev[i].time_ns);
}

TEST_F(events, fault_record_cpu_is_the_cpu_that_faulted)
{
	int cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
	struct vmlab_event ev[4];

	ASSERT_EQ(0, vmlab_pin_cpu(cpu));
	vmlab_touch_read(self->lab.map, 2);
	ASSERT_EQ(2, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	EXPECT_EQ((__u32)cpu, ev[0].cpu);
	EXPECT_EQ((__u32)cpu, ev[1].cpu);
}

TEST_F(events, fault_record_pgoff_counts_from_the_start_of_the_instance)
{
	struct vmlab_event ev[5];
	char *map = vmlab_mmap(self->lab.fd, 4, 10);
	size_t i;

	ASSERT_NE(MAP_FAILED, map);
	vmlab_touch_read(map, 4);
	ASSERT_EQ(4, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	for (i = 0; i < 4; i++) {
		EXPECT_EQ((__u64)(uintptr_t)(map + i * self->lab.ps),
			  ev[i].fault.addr);
		EXPECT_EQ(10 + i, ev[i].fault.pgoff);
	}
	munmap(map, 4 * self->lab.ps);
}

TEST_F(events, kernel_access_on_behalf_of_a_syscall_is_logged_without_user_bit)
{
	struct vmlab_event ev[3];
	int pipefd[2];

	ASSERT_EQ(0, pipe(pipefd));
	/* the kernel reads page 0 (copy_from_user) and writes page 1 */
	ASSERT_EQ(1, write(pipefd[1], vmlab_page(&self->lab, 0), 1));
	ASSERT_EQ(1, read(pipefd[0], vmlab_page(&self->lab, 1), 1));
	close(pipefd[0]);
	close(pipefd[1]);

	ASSERT_EQ(2, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	EXPECT_EQ((__u64)(uintptr_t)vmlab_page(&self->lab, 0), ev[0].fault.addr);
	EXPECT_EQ((__u32)VMLAB_ACC_READ, ev[0].fault.access);
	EXPECT_EQ((__u64)(uintptr_t)vmlab_page(&self->lab, 1), ev[1].fault.addr);
	EXPECT_EQ((__u32)VMLAB_ACC_WRITE, ev[1].fault.access);
}

/* ---------------------------------------------------------------- read() */

TEST_F(events, read_returns_whole_records_only)
{
	struct vmlab_event ev[2];

	vmlab_touch_read(self->lab.map, 2);
	EXPECT_EQ((ssize_t)REC, read(self->lab.fd, ev, REC + REC / 2));
	EXPECT_EQ((ssize_t)REC, read(self->lab.fd, ev, 2 * REC - 1));
	EXPECT_EQ(0, vmlab_read_ready(self->lab.fd, ev, 2));
}

TEST_F(events, read_into_a_buffer_smaller_than_a_record_fails_einval)
{
	struct vmlab_event ev[2];

	vmlab_touch_read(self->lab.map, 1);
	EXPECT_EQ(-1, read(self->lab.fd, ev, REC - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(self->lab.fd, ev, 1));
	EXPECT_EQ(EINVAL, errno);
	/* and the record waits for a proper read */
	EXPECT_EQ(1, vmlab_read_ready(self->lab.fd, ev, 2));
}

TEST_F(events, read_returns_as_many_records_as_fit_oldest_first)
{
	struct vmlab_event ev[10];

	vmlab_touch_read(self->lab.map, 10);
	ASSERT_EQ((ssize_t)(4 * REC), read(self->lab.fd, ev, 4 * REC));
	EXPECT_EQ(0ULL, ev[0].fault.pgoff);
	EXPECT_EQ(3ULL, ev[3].fault.pgoff);
	ASSERT_EQ((ssize_t)(6 * REC), read(self->lab.fd, ev, sizeof(ev)));
	EXPECT_EQ(4ULL, ev[0].fault.pgoff);
	EXPECT_EQ(9ULL, ev[5].fault.pgoff);
}

TEST_F(events, nonblocking_read_without_records_fails_eagain)
{
	struct vmlab_event ev;
	int fl = fcntl(self->lab.fd, F_GETFL);

	ASSERT_EQ(0, fcntl(self->lab.fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-1, read(self->lab.fd, &ev, REC));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(events, open_with_o_nonblock_gives_nonblocking_reads)
{
	struct vmlab_event ev;
	int fd = vmlab_open(O_NONBLOCK);
	char *map;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vmlab_set_config(fd, self->lab.ps, FAULTS, 0, 1024));
	map = vmlab_mmap(fd, 1, 0);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_EQ(-1, read(fd, &ev, REC));
	EXPECT_EQ(EAGAIN, errno);
	vmlab_touch_read(map, 1);
	EXPECT_EQ((ssize_t)REC, read(fd, &ev, REC));
	munmap(map, self->lab.ps);
	close(fd);
}

struct late_touch {
	struct vmlab_lab *lab;
	size_t page;
};

/* Touch a page 200 ms from now, while the test thread waits. */
static void *touch_later(void *arg)
{
	struct late_touch *t = arg;

	usleep(200 * 1000);
	vmlab_touch_write(vmlab_page(t->lab, t->page), 1, 1);
	return NULL;
}

TEST_F(events, blocking_read_waits_for_a_fault)
{
	struct late_touch t = { &self->lab, 5 };
	struct vmlab_event ev[4];
	pthread_t thread;

	ASSERT_EQ(0, pthread_create(&thread, NULL, touch_later, &t));
	EXPECT_EQ((ssize_t)REC, read(self->lab.fd, ev, sizeof(ev)));
	EXPECT_EQ(5ULL, ev[0].fault.pgoff);
	ASSERT_EQ(0, pthread_join(thread, NULL));
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST_F(events, blocking_read_interrupted_by_a_signal_fails_eintr)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { .it_value = { .tv_usec = 200 * 1000 } };
	struct vmlab_event ev;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-1, read(self->lab.fd, &ev, REC));
	EXPECT_EQ(EINTR, errno);
}

TEST_F(events, read_into_a_bad_buffer_fails_efault_and_keeps_the_record)
{
	struct vmlab_event ev[2];
	void *volatile bad = NULL;

	vmlab_touch_read(self->lab.map, 1);
	EXPECT_EQ(-1, read(self->lab.fd, bad, REC));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(1, vmlab_read_ready(self->lab.fd, ev, 2));
	EXPECT_EQ(0ULL, ev[0].fault.pgoff);
}

TEST_F(events, read_stops_where_the_buffer_goes_bad_and_keeps_the_rest)
{
	size_t ps = self->lab.ps;
	struct vmlab_event ev[4];
	char *buf;

	/* one record fits before a PROT_NONE page */
	buf = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, mprotect(buf + ps, ps, PROT_NONE));
	vmlab_touch_read(self->lab.map, 3);
	EXPECT_EQ((ssize_t)REC, read(self->lab.fd, buf + ps - REC, 3 * REC));
	EXPECT_EQ(0ULL, ((struct vmlab_event *)(buf + ps - REC))->fault.pgoff);
	ASSERT_EQ(2, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
	EXPECT_EQ(1ULL, ev[0].fault.pgoff);
	EXPECT_EQ(2ULL, ev[1].fault.pgoff);
	munmap(buf, 2 * ps);
}

TEST_F(events, reading_records_into_the_instances_own_mapping_logs_that_fault)
{
	struct vmlab_event *mine = (struct vmlab_event *)self->lab.map;
	struct vmlab_event ev[4];

	vmlab_touch_read(vmlab_page(&self->lab, 1), 1);
	/* copy_to_user() faults page 0 in while read() holds the record */
	ASSERT_EQ((ssize_t)(2 * REC), read(self->lab.fd, mine, 2 * REC));
	EXPECT_EQ(1ULL, mine[0].fault.pgoff);
	EXPECT_EQ(0ULL, mine[1].fault.pgoff);
	EXPECT_EQ((__u32)VMLAB_FAULT_ZERO, mine[1].fault.kind);
	EXPECT_EQ((__u32)VMLAB_ACC_WRITE, mine[1].fault.access);
	EXPECT_EQ(0, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
}

/* ------------------------------------------------------- poll(), select() */

static short poll_now(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDNORM };
	int n = poll(&p, 1, timeout_ms);

	return n < 0 ? -1 : n ? p.revents : 0;
}

TEST_F(events, poll_reports_pollin_only_while_a_record_is_ready)
{
	EXPECT_EQ(0, poll_now(self->lab.fd, 0));
	vmlab_touch_read(self->lab.map, 2);
	EXPECT_EQ(POLLIN | POLLRDNORM, poll_now(self->lab.fd, 0));
	ASSERT_EQ(2, vmlab_discard(self->lab.fd));
	EXPECT_EQ(0, poll_now(self->lab.fd, 0));
}

TEST_F(events, poll_wakes_when_a_fault_arrives)
{
	struct late_touch t = { &self->lab, 7 };
	pthread_t thread;

	ASSERT_EQ(0, pthread_create(&thread, NULL, touch_later, &t));
	EXPECT_EQ(POLLIN | POLLRDNORM, poll_now(self->lab.fd, 10000));
	ASSERT_EQ(0, pthread_join(thread, NULL));
}

TEST_F(events, select_reports_a_ready_record)
{
	struct timeval zero = { 0 };
	fd_set rd;

	FD_ZERO(&rd);
	FD_SET(self->lab.fd, &rd);
	EXPECT_EQ(0, select(self->lab.fd + 1, &rd, NULL, NULL, &zero));
	vmlab_touch_read(self->lab.map, 1);
	FD_ZERO(&rd);
	FD_SET(self->lab.fd, &rd);
	EXPECT_EQ(1, select(self->lab.fd + 1, &rd, NULL, NULL, &zero));
	EXPECT_TRUE(FD_ISSET(self->lab.fd, &rd));
}

/* ------------------------------------------------------ stats vs stream */

/* Expect @st to count exactly the records of the settled stream @t. */
#define EXPECT_STATS_MATCH(st, t) do {					\
		EXPECT_EQ(0U, (t).malformed);				\
		EXPECT_EQ((t).faults, (st).faults);			\
		EXPECT_EQ((t).kind[VMLAB_FAULT_ZERO], (st).faults_zero); \
		EXPECT_EQ((t).kind[VMLAB_FAULT_MINOR], (st).faults_minor); \
		EXPECT_EQ((t).kind[VMLAB_FAULT_UPGRADE], (st).faults_upgrade); \
		EXPECT_EQ((t).tlb_origin[VMLAB_TLB_ORIGIN_MODULE], (st).tlb_module); \
		EXPECT_EQ((t).tlb_origin[VMLAB_TLB_ORIGIN_KERNEL], (st).tlb_kernel); \
		EXPECT_EQ((t).records - (t).lost_records + (t).lost, (st).events); \
		EXPECT_EQ((t).lost, (st).events_dropped);		\
	} while (0)

TEST_F(events, stats_equal_the_event_stream)
{
	struct vmlab_event ev[1024];
	struct vmlab_stats st;
	struct vmlab_tally t;
	size_t n;

	ASSERT_EQ(0, set_mask(&self->lab, VMLAB_EV_ALL));
	vmlab_touch_read(self->lab.map, 32);			/* 32 zero */
	vmlab_touch_write(self->lab.map, PAGES, 1);		/* 32 upgrade, 32 zero */
	ASSERT_EQ(0, madvise(self->lab.map, 16 * self->lab.ps, MADV_DONTNEED));
	vmlab_touch_read(self->lab.map, 16);			/* 16 minor */
	vmlab_touch_write(self->lab.map, 8, 2);			/* 8 upgrade */

	ASSERT_EQ(0, vmlab_drain_settled(self->lab.fd, ev, ARRAY_SIZE(ev), &n,
					 &st));
	vmlab_tally(ev, n, &t);
	EXPECT_STATS_MATCH(st, t);
	EXPECT_EQ(64U, t.kind[VMLAB_FAULT_ZERO]);
	EXPECT_EQ(16U, t.kind[VMLAB_FAULT_MINOR]);
	EXPECT_EQ(40U, t.kind[VMLAB_FAULT_UPGRADE]);
	EXPECT_LE(1U, t.tlb_origin[VMLAB_TLB_ORIGIN_KERNEL]);
	EXPECT_EQ(0U, t.lost_records);
}

TEST_F(events, events_off_counts_faults_but_logs_no_record)
{
	struct vmlab_event ev[PAGES];
	struct vmlab_stats st;

	ASSERT_EQ(0, set_mask(&self->lab, 0));
	vmlab_touch_read(self->lab.map, PAGES);
	EXPECT_FAULTS(self->lab.fd, PAGES, 0, 0);
	ASSERT_EQ(0, vmlab_get_stats(self->lab.fd, &st));
	EXPECT_EQ(0ULL, st.events);
	EXPECT_EQ(0, vmlab_read_ready(self->lab.fd, ev, ARRAY_SIZE(ev)));
}

TEST_F(events, reset_stats_zeroes_every_counter_but_pages_resident)
{
	ASSERT_EQ(0, set_mask(&self->lab, VMLAB_EV_ALL));
	vmlab_touch_read(self->lab.map, PAGES);
	vmlab_touch_write(self->lab.map, PAGES, 1);
	ASSERT_EQ(0, madvise(self->lab.map, PAGES * self->lab.ps,
			     MADV_DONTNEED));
	ASSERT_EQ(0, vmlab_reset_stats(self->lab.fd));
	EXPECT_STATS(self->lab.fd, STAT(faults, 0ULL), STAT(faults_zero, 0ULL),
		     STAT(faults_minor, 0ULL), STAT(faults_upgrade, 0ULL),
		     STAT(fault_errors, 0ULL), STAT(pages_allocated, 0ULL),
		     STAT(tlb_module, 0ULL), STAT(tlb_kernel, 0ULL),
		     STAT(events, 0ULL), STAT(events_dropped, 0ULL),
		     STAT(pages_resident, (__u64)PAGES));
}

/* ------------------------------------------------------------- overflow */

#define RING	16U
#define EXTRA	7U

FIXTURE(overflow) {
	struct vmlab_lab lab;
	struct vmlab_event ev[2 * RING];
};

FIXTURE_SETUP(overflow)
{
	VMLAB_REQUIRE_MODULE();
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, PAGES, FAULTS, 0, RING));
}

FIXTURE_TEARDOWN(overflow)
{
	vmlab_lab_close(&self->lab);
}

TEST_F(overflow, overflow_is_counted_exactly_in_the_stats)
{
	vmlab_touch_read(self->lab.map, RING + EXTRA);
	EXPECT_STATS(self->lab.fd, STAT(events, (__u64)(RING + EXTRA)),
		     STAT(events_dropped, (__u64)EXTRA),
		     STAT(faults_zero, (__u64)(RING + EXTRA)));
}

TEST_F(overflow, full_ring_is_read_then_one_lost_record_with_the_exact_count)
{
	struct vmlab_event *ev = self->ev;
	size_t i;

	vmlab_touch_read(self->lab.map, RING + EXTRA);
	ASSERT_EQ(RING + 1, vmlab_read_ready(self->lab.fd, ev, 2 * RING));
	/* the oldest records are kept, the newest dropped */
	for (i = 0; i < RING; i++) {
		EXPECT_EQ((__u32)VMLAB_EV_FAULT, ev[i].type);
		EXPECT_EQ((__u64)i, ev[i].fault.pgoff);
		EXPECT_EQ(ev[0].seq + i, ev[i].seq);
	}
	EXPECT_EQ((__u32)VMLAB_EV_LOST, ev[RING].type);
	EXPECT_EQ(REC, ev[RING].size);
	EXPECT_EQ((__u64)EXTRA, ev[RING].lost.count);
	EXPECT_EQ(ev[0].seq + RING, ev[RING].lost.first_seq);
}

TEST_F(overflow, records_after_a_loss_continue_past_the_gap_in_seq)
{
	struct vmlab_event *ev = self->ev;
	__u64 first;

	vmlab_touch_read(self->lab.map, RING + EXTRA);
	ASSERT_EQ(RING + 1, vmlab_read_ready(self->lab.fd, ev, 2 * RING));
	first = ev[0].seq;
	vmlab_touch_read(vmlab_page(&self->lab, RING + EXTRA), 1);
	ASSERT_EQ(1, vmlab_read_ready(self->lab.fd, ev, 2 * RING));
	EXPECT_EQ((__u32)VMLAB_EV_FAULT, ev[0].type);
	EXPECT_EQ(first + RING + EXTRA, ev[0].seq);
	EXPECT_EQ((__u64)(RING + EXTRA), ev[0].fault.pgoff);
}

TEST_F(overflow, lost_record_sits_at_the_gap_before_newer_records)
{
	struct vmlab_event *ev = self->ev;
	__u64 first;
	size_t i;

	vmlab_touch_read(self->lab.map, RING + EXTRA);
	/* read half the ring: room again, but the gap comes first */
	ASSERT_EQ(RING / 2, vmlab_read_ready(self->lab.fd, ev, RING / 2));
	first = ev[0].seq;
	vmlab_touch_read(vmlab_page(&self->lab, RING + EXTRA), 2);

	ASSERT_EQ(RING / 2 + 3, vmlab_read_ready(self->lab.fd, ev, 2 * RING));
	for (i = 0; i < RING / 2; i++)
		EXPECT_EQ(first + RING / 2 + i, ev[i].seq);
	EXPECT_EQ((__u32)VMLAB_EV_LOST, ev[RING / 2].type);
	EXPECT_EQ((__u64)EXTRA, ev[RING / 2].lost.count);
	EXPECT_EQ(first + RING, ev[RING / 2].lost.first_seq);
	EXPECT_EQ((__u32)VMLAB_EV_FAULT, ev[RING / 2 + 1].type);
	EXPECT_EQ(first + RING + EXTRA, ev[RING / 2 + 1].seq);
	EXPECT_EQ(first + RING + EXTRA + 1, ev[RING / 2 + 2].seq);
}

TEST_F(overflow, stats_equal_the_stream_after_overflow)
{
	struct vmlab_stats st;
	struct vmlab_tally t;
	size_t n;

	vmlab_touch_read(self->lab.map, RING + EXTRA);
	ASSERT_EQ(0, vmlab_drain_settled(self->lab.fd, self->ev, 2 * RING, &n,
					 &st));
	vmlab_tally(self->ev, n, &t);
	EXPECT_EQ(1U, t.lost_records);
	EXPECT_EQ((__u64)EXTRA, t.lost);
	EXPECT_EQ((__u64)(RING + EXTRA), st.events);
	EXPECT_EQ((__u64)EXTRA, st.events_dropped);
	/* the faults count all 23 even though 7 records were dropped */
	EXPECT_EQ((__u64)(RING + EXTRA), st.faults);
	EXPECT_EQ((size_t)RING, t.faults);
}

TEST_F(overflow, lost_record_is_put_in_the_ring_when_records_follow_the_gap)
{
	struct vmlab_event *ev = self->ev;
	__u64 first;

	vmlab_touch_read(self->lab.map, RING + EXTRA);
	/* take exactly the ring's records: the gap is not read yet */
	ASSERT_EQ((ssize_t)(RING * REC), read(self->lab.fd, ev, RING * REC));
	first = ev[0].seq;
	vmlab_touch_read(vmlab_page(&self->lab, RING + EXTRA), 1);

	ASSERT_EQ(2, vmlab_read_ready(self->lab.fd, ev, 2 * RING));
	EXPECT_EQ((__u32)VMLAB_EV_LOST, ev[0].type);
	EXPECT_EQ((__u64)EXTRA, ev[0].lost.count);
	EXPECT_EQ(first + RING, ev[0].lost.first_seq);
	EXPECT_EQ((__u32)VMLAB_EV_FAULT, ev[1].type);
	EXPECT_EQ(first + RING + EXTRA, ev[1].seq);
}

TEST(one_record_ring_counts_every_record)
{
	struct vmlab_event ev[8];
	struct vmlab_stats st;
	struct vmlab_lab lab;

	ASSERT_EQ(0, vmlab_ensure_loaded());
	ASSERT_EQ(0, vmlab_lab_open(&lab, PAGES, FAULTS, 0, 1));
	vmlab_touch_read(lab.map, 5);
	ASSERT_EQ(0, vmlab_get_stats(lab.fd, &st));
	EXPECT_EQ(5ULL, st.events);
	EXPECT_EQ(4ULL, st.events_dropped);
	ASSERT_EQ(2, vmlab_read_ready(lab.fd, ev, ARRAY_SIZE(ev)));
	EXPECT_EQ((__u32)VMLAB_EV_FAULT, ev[0].type);
	EXPECT_EQ((__u32)VMLAB_EV_LOST, ev[1].type);
	EXPECT_EQ(4ULL, ev[1].lost.count);
	EXPECT_EQ(ev[0].seq + 1, ev[1].lost.first_seq);
	vmlab_lab_close(&lab);
}

/* ------------------------------------------------------------ TLB flushes */

/*
 * The kernel's flushes of one mm from the CPU that changed it have reason
 * LOCAL_MM_SHOOTDOWN and count the pages, or FLUSH_ALL above x86's
 * tlb_single_page_flush_ceiling.  Flushes of other CPUs (REMOTE_*) depend on
 * where the mm ran before, so only the local one is counted exactly.
 */
FIXTURE(tlb) {
	struct vmlab_lab lab;
	struct vmlab_event ev[256];
	size_t n;
	struct vmlab_stats st;
};

FIXTURE_SETUP(tlb)
{
	VMLAB_REQUIRE_MODULE();
	ASSERT_EQ(0, vmlab_pin_cpu(0));
	ASSERT_EQ(0, vmlab_lab_open(&self->lab, PAGES, VMLAB_EV_ALL, 0, 1024));
	/*
	 * zap_pte_range() flushes dirty pages once per page table: keep them
	 * all in one, for one flush.
	 */
	munmap(self->lab.map, PAGES * self->lab.ps);
	self->lab.map = vmlab_mmap_pmd_aligned(self->lab.fd, PAGES, 0);
	ASSERT_NE(MAP_FAILED, self->lab.map);
}

FIXTURE_TEARDOWN(tlb)
{
	vmlab_lab_close(&self->lab);
}

/* Records of the kernel's flushes with @reason among @ev. */
static size_t kernel_flushes(const struct vmlab_event *ev, size_t n,
			     unsigned int reason, const struct vmlab_event **last)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++) {
		if (ev[i].type != VMLAB_EV_TLB ||
		    ev[i].tlb.origin != VMLAB_TLB_ORIGIN_KERNEL ||
		    ev[i].tlb.reason != reason)
			continue;
		c++;
		if (last)
			*last = &ev[i];
	}
	return c;
}

/* Touch @pages pages, forget their records, madvise them away, drain. */
#define DONTNEED_AND_DRAIN(self, touched, advised) do {			\
		vmlab_touch_write((self)->lab.map, touched, 1);		\
		ASSERT_LE(0, vmlab_discard((self)->lab.fd));		\
		ASSERT_EQ(0, vmlab_reset_stats((self)->lab.fd));	\
		ASSERT_EQ(0, madvise((self)->lab.map,			\
				     (advised) * (self)->lab.ps,	\
				     MADV_DONTNEED));			\
		ASSERT_EQ(0, vmlab_drain_settled((self)->lab.fd, (self)->ev, \
						 ARRAY_SIZE((self)->ev), \
						 &(self)->n, &(self)->st)); \
	} while (0)

TEST_F(tlb, madvise_dontneed_of_resident_pages_logs_one_local_flush_of_them)
{
	const struct vmlab_event *e = NULL;

	DONTNEED_AND_DRAIN(self, 4, 4);
	ASSERT_EQ(1U, kernel_flushes(self->ev, self->n,
				     VMLAB_TLB_LOCAL_MM_SHOOTDOWN, &e));
	EXPECT_EQ(4ULL, e->tlb.pages);
	EXPECT_EQ(0ULL, e->tlb.start);
	EXPECT_EQ(0U, e->cpu);
	EXPECT_EQ((__u32)getpid(), e->tgid);
}

TEST_F(tlb, madvise_dontneed_beyond_the_flush_ceiling_logs_a_full_flush)
{
	long ceiling = vmlab_read_long(
		"/sys/kernel/debug/x86/tlb_single_page_flush_ceiling");
	const struct vmlab_event *e = NULL;

	ASSERT_LT(0, ceiling);
	ASSERT_GE((long)PAGES, ceiling + 1);
	DONTNEED_AND_DRAIN(self, (size_t)ceiling + 1, PAGES);
	ASSERT_EQ(1U, kernel_flushes(self->ev, self->n,
				     VMLAB_TLB_LOCAL_MM_SHOOTDOWN, &e));
	EXPECT_EQ(VMLAB_TLB_FLUSH_ALL, e->tlb.pages);
}

TEST_F(tlb, madvise_dontneed_of_untouched_pages_logs_no_flush)
{
	DONTNEED_AND_DRAIN(self, 0, PAGES);
	EXPECT_EQ(0U, kernel_flushes(self->ev, self->n,
				     VMLAB_TLB_LOCAL_MM_SHOOTDOWN, NULL));
	EXPECT_EQ(0U, kernel_flushes(self->ev, self->n,
				     VMLAB_TLB_REMOTE_SEND_IPI, NULL));
}

TEST_F(tlb, tlb_stats_equal_the_tlb_records)
{
	struct vmlab_tally t;

	DONTNEED_AND_DRAIN(self, PAGES, PAGES);
	vmlab_tally(self->ev, self->n, &t);
	EXPECT_STATS_MATCH(self->st, t);
	EXPECT_LE(1U, t.tlb_origin[VMLAB_TLB_ORIGIN_KERNEL]);
	/* the module unmaps nothing of its own without eviction */
	EXPECT_EQ(0U, t.tlb_origin[VMLAB_TLB_ORIGIN_MODULE]);
}

TEST_F(tlb, tlb_records_masked_off_are_not_logged)
{
	ASSERT_EQ(0, set_mask(&self->lab, FAULTS));
	DONTNEED_AND_DRAIN(self, 4, 4);
	EXPECT_EQ(0U, vmlab_count(self->ev, self->n, VMLAB_EV_TLB, 0));
}

TEST_F(tlb, fault_records_masked_off_leave_only_tlb_records)
{
	ssize_t n;

	ASSERT_EQ(0, set_mask(&self->lab, VMLAB_EV_BIT(VMLAB_EV_TLB)));
	vmlab_touch_write(self->lab.map, 4, 1);
	n = vmlab_read_ready(self->lab.fd, self->ev, ARRAY_SIZE(self->ev));
	ASSERT_LE(0, n);
	EXPECT_EQ(0U, vmlab_count(self->ev, n, VMLAB_EV_FAULT, 0));
	DONTNEED_AND_DRAIN(self, 4, 4);
	EXPECT_EQ(0U, vmlab_count(self->ev, self->n, VMLAB_EV_FAULT, 0));
	EXPECT_EQ(1U, kernel_flushes(self->ev, self->n,
				     VMLAB_TLB_LOCAL_MM_SHOOTDOWN, NULL));
}

/* Ping-pong over two pipes with the parent, on CPU 0 like it. */
static int ping_pong(void *arg)
{
	int *p = arg, i;
	char c;

	CHILD_CHECK(vmlab_pin_cpu(0) == 0);
	for (i = 0; i < 100; i++) {
		CHILD_CHECK(read(p[0], &c, 1) == 1);
		CHILD_CHECK(write(p[3], &c, 1) == 1);
	}
	return 0;
}

TEST_F(tlb, context_switch_flushes_are_not_logged)
{
	int p[4], i;
	pid_t pid;
	char c = 0;

	vmlab_touch_write(self->lab.map, PAGES, 1);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(p + 2));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(ping_pong(p));
	/* 200 switches between two mms that both map the instance */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(1, write(p[1], &c, 1));
		ASSERT_EQ(1, read(p[2], &c, 1));
	}
	ASSERT_EQ(0, vmlab_wait(pid));
	ASSERT_EQ(0, vmlab_drain_settled(self->lab.fd, self->ev,
					 ARRAY_SIZE(self->ev), &self->n,
					 &self->st));
	EXPECT_EQ(0U, kernel_flushes(self->ev, self->n,
				     VMLAB_TLB_ON_TASK_SWITCH, NULL));
}

VMLAB_HARNESS_MAIN
