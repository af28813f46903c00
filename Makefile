# SPDX-License-Identifier: GPL-2.0
#
# vmlab - a virtual-memory laboratory on real page tables.
#
#   make deps      install build and test dependencies (Debian 12, root)
#   make           build vmlab.ko, the vmlab tool and the selftests
#   make check     deps + build + lint + install test + the whole suite in
#                  the test VM, on each kernel leg
#   make check-host  the tests that need no module (the simulator's), on
#                  the host, in a second; make check runs them first
#   make lint      checkpatch on module/, include/, bpf/; shellcheck on every
#                  script; man pages; the docs' links, targets and options
#   make demo      boot the test VM and run a paging experiment
#   make install   the tool, man pages, bash completion, the BPF object
#                  (DESTDIR, PREFIX=/usr/local); make uninstall removes them
#   make install-dkms   module sources to /usr/src, built and installed by
#                  DKMS for KVER; make uninstall-dkms removes them
#   make debug-kernel   build (once, cached) the debug test kernel of
#                       DEBUG_BASE=6.1 (default) or 6.12
#   make debug-module   vmlab.ko for it, in build/debug-module/DEBUG_BASE
#   make check-debug    the whole suite and fault injection on both debug
#                       kernels (KERNELS="6.12": one)
#   make fuzz [SECONDS=N] [SEED=S] [DEBUG=1|6.1|6.12] [FUZZ_ARGS=...]
#                  the fuzzer in the test VM for N seconds (default 600),
#                  seeds S, S+1, ... (default: the time); DEBUG: on a debug
#                  kernel (1: 6.1's)
#
# KVER selects the kernel (default: newest installed with headers); KDIR
# overrides its build tree.  The default build tree is the headers' own, or
# for Debian's 6.1 one made from them that gives the module BTF
# (scripts/kdir-btf, cached; found once per make, when first needed).
# KERNEL=6.1|6.12|newest|debug-6.1|debug-6.12 builds the module for a leg
# of scripts/kernels instead (fetched into the cache on first use): 6.1 in
# module/ as without it, 6.12 and newest in build/kernels/LEG/module/ (newest
# inside the sid build root), debug-BASE as 'make debug-module DEBUG_BASE=BASE'
# ("debug" is debug-6.1).  The tool and the selftests are userspace, built
# for the host whatever KERNEL is.
#
#   make check KERNELS="6.1 6.12 newest"   the suite on each leg (default: all)

SHELL	:= /bin/bash
KERNEL	?=
ifneq ($(filter-out 6.1 6.12 newest debug debug-6.1 debug-6.12,$(KERNEL)),)
$(error KERNEL=$(KERNEL): use 6.1, 6.12, newest, debug-6.1 or debug-6.12)
endif
ifeq ($(KERNEL),debug)
override KERNEL := debug-6.1
endif
ifneq ($(filter debug-%,$(KERNEL)),)
DEBUG_BASE := $(KERNEL:debug-%=%)
endif
DEBUG_BASE ?= 6.1
ifneq ($(filter-out 6.1 6.12,$(DEBUG_BASE)),)
$(error DEBUG_BASE=$(DEBUG_BASE): use 6.1 or 6.12)
endif
ifeq ($(KERNEL),6.1)
KVER	:= $(shell ./scripts/kernels --release 6.1)
endif
KVER	?= $(shell . ./scripts/kver.sh && vmlab_kver)
KDIR	?= $(eval KDIR := $$(shell ./scripts/kdir-btf $(KVER)))$(KDIR)
B	:= build
SRC	:= $(B)/src

CC	?= gcc
CFLAGS	?= -O2 -g
CFLAGS	+= -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE
CPPFLAGS += -Iinclude/uapi -Iuserspace -DVMLAB_VERSION='"$(VERSION)"'
VERSION	:= $(shell cat VERSION)

TOOL_SRCS	:= $(wildcard userspace/*.c)
TOOL_HDRS	:= $(wildcard userspace/*.h) include/uapi/linux/vmlab.h VERSION
TEST_SRCS	:= $(wildcard selftests/*_test.c)
TEST_PROGS	:= $(patsubst selftests/%.c,$(B)/selftests/%,$(TEST_SRCS))
TEST_HDRS	:= $(wildcard selftests/*.h) include/uapi/linux/vmlab.h VERSION

BPF_CLANG	?= clang
BPFTOOL		?= bpftool
BPF_STRIP	?= llvm-strip
BPF_CFLAGS	:= -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror
BPF_VMLINUZ	?= /boot/vmlinuz-$(KVER)
BPF_OBJ		:= $(B)/bpf/vmlab.bpf.o
BPF_SKEL	:= $(B)/vmlab.skel.h
BPF_VMLINUX_H	:= $(B)/bpf/$(KVER)/vmlinux.h

.PHONY: all module tool selftests deps check check-host demo checkpatch lint clean help
.PHONY: debug-kernel debug-module check-debug fuzz
.PHONY: install uninstall install-dkms uninstall-dkms

all: module tool selftests

help:
	@sed -n 's/^#   //p' Makefile

# A copy of the module's sources (nothing built) in $(1): kbuild up to 6.12
# cannot put an external module's objects outside its source directory.
define stage_module
	rm -rf $(1)
	mkdir -p $(1)
	tar -c --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='*.cmd' --exclude='*.a' \
		--exclude='*.d' --exclude=modules.order --exclude=Module.symvers \
		Kbuild VERSION module include | tar -x -C $(1)
endef

ifeq ($(filter 6.12 newest debug-%,$(KERNEL)),)
module:
	@[ -n "$(KDIR)" ] || { echo "make: no build tree for $(KVER)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
else ifneq ($(filter debug-%,$(KERNEL)),)
module: debug-module
else
KMOD	:= $(B)/kernels/$(KERNEL)
module:
	$(call stage_module,$(KMOD))
	./scripts/kernels --release $(KERNEL) >$(KMOD)/kernelrelease
	./scripts/kernels --make $(KERNEL) $(CURDIR)/$(KMOD)
endif

tool: $(B)/vmlab

# libbpf 1.4 from bookworm-backports (scripts/kernels --libbpf), linked
# statically: Debian 12's 1.1 finds no struct_ops type in a module's BTF,
# which BPF policies (vmlab_policy_ops) need.  Found once per make.
LIBBPF_DIR	= $(eval LIBBPF_DIR := $$(shell ./scripts/kernels --libbpf))$(LIBBPF_DIR)
LIBBPF_A	= $(LIBBPF_DIR)/usr/lib/x86_64-linux-gnu/libbpf.a

$(B)/vmlab: $(TOOL_SRCS) $(TOOL_HDRS) $(BPF_SKEL) bpf/vmlab_trace.h
	@mkdir -p $(@D)
	@[ -f "$(LIBBPF_A)" ] || { echo "make: no libbpf 1.4 (scripts/kernels --libbpf)" >&2; exit 1; }
	$(CC) $(CPPFLAGS) -I$(LIBBPF_DIR)/usr/include -I$(B) -Ibpf $(CFLAGS) -o $@ \
		$(TOOL_SRCS) -lm $(LIBBPF_A) -lelf -lz

# ------------------------------------------------------------------- BPF
#
# bpf/vmlab.bpf.c is compiled against a vmlinux.h dumped from the test
# kernel's BTF: Debian's vmlinuz carries .BTF once extract-vmlinux (from the
# linux-source tarball, never copied into git) has unpacked it.  The object
# is build/bpf/vmlab.bpf.o; the tool embeds it through the skeleton.

.PHONY: bpf
bpf: $(BPF_OBJ) $(BPF_SKEL)

$(B)/bpf/extract-vmlinux:
	@mkdir -p $(@D)
	tar -xOf $$(ls /usr/src/linux-source-6.1.tar.* | head -n 1) \
		linux-source-6.1/scripts/extract-vmlinux >$@.tmp
	chmod +x $@.tmp
	mv $@.tmp $@

$(BPF_VMLINUX_H): $(BPF_VMLINUZ) $(B)/bpf/extract-vmlinux
	@mkdir -p $(@D)
	$(B)/bpf/extract-vmlinux $< >$(@D)/vmlinux
	$(BPFTOOL) btf dump file $(@D)/vmlinux format c >$@.tmp
	rm -f $(@D)/vmlinux
	mv $@.tmp $@

$(BPF_OBJ): bpf/vmlab.bpf.c bpf/vmlab_trace.h include/uapi/linux/vmlab.h $(BPF_VMLINUX_H)
	@mkdir -p $(@D)
	$(BPF_CLANG) $(BPF_CFLAGS) -I$(dir $(BPF_VMLINUX_H)) -Ibpf -Iinclude/uapi \
		-c $< -o $@.tmp
	$(BPF_STRIP) -g $@.tmp	# DWARF out, BTF kept
	mv $@.tmp $@

$(BPF_SKEL): $(BPF_OBJ)
	$(BPFTOOL) gen skeleton $< name vmlab >$@.tmp
	mv $@.tmp $@

# Replacement policies written in BPF (bpf/policies/): no vmlinux.h, only
# the uapi header; loaded by 'vmlab run --policy bpf:FILE' or bpftool.
POLICY_SRCS	:= $(wildcard bpf/policies/*.bpf.c)
POLICY_OBJS	:= $(patsubst bpf/policies/%.bpf.c,$(B)/bpf/policies/%.bpf.o,$(POLICY_SRCS))

.PHONY: policies
policies: $(POLICY_OBJS)
tool: policies

# a policy object: the uapi header and vmlab_policy.h, DWARF out, BTF kept
define bpf_policy_obj
	@mkdir -p $(@D)
	$(BPF_CLANG) $(BPF_CFLAGS) -I/usr/include/$(shell $(CC) -dumpmachine) \
		-Ibpf/policies -Iinclude/uapi -c $< -o $@.tmp
	$(BPF_STRIP) -g $@.tmp
	mv $@.tmp $@
endef

$(B)/bpf/policies/%.bpf.o: bpf/policies/%.bpf.c bpf/policies/vmlab_policy.h \
	include/uapi/linux/vmlab.h
	$(bpf_policy_obj)

selftests: $(TEST_PROGS) $(B)/bpftool

# bpftool 7.5 from bookworm-backports (autoattach), fetched into the cache and
# copied where the test VM sees it; Debian 12's own bpftool is 7.1
$(B)/bpftool:
	@mkdir -p $(@D)
	cp "$$(./scripts/kernels --bpftool)" $@.tmp
	mv $@.tmp $@

$(B)/selftests/%: selftests/%.c $(TEST_HDRS) $(SRC)/.stamp
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -I$(SRC)/tools/testing/selftests $(CFLAGS) -o $@ \
		$(filter %.c,$^) -lpthread -lm $(TEST_LIBS)

# the fuzzer (not a *_test: fuzz_test runs it, and so does make fuzz)
FUZZ	:= $(B)/selftests/fuzz
selftests: $(FUZZ)
$(B)/selftests/fuzz_test: | $(FUZZ)

# tests that compare the kernel with the reference simulator link it in
$(B)/selftests/evict_test: userspace/sim.c userspace/sim.h userspace/sim_lists.c \
	userspace/sim_lists.h
$(B)/selftests/sim_test: userspace/sim.c userspace/sim.h userspace/sim_lists.c \
	userspace/sim_lists.h userspace/tracefile.c userspace/tracefile.h
# the BPF policy test loads policies with libbpf 1.4, as the tool does, and
# its own bad ones
TEST_POLICIES	:= $(B)/selftests/bad_policies.bpf.o
selftests: $(TEST_POLICIES)
$(B)/selftests/bpf_policy_test: userspace/sim.c userspace/sim.h \
	userspace/sim_lists.c userspace/sim_lists.h | $(TEST_POLICIES) policies $(B)/vmlab
$(B)/selftests/bpf_policy_test: TEST_LIBS = $(LIBBPF_A) -lelf -lz
$(B)/selftests/bpf_policy_test: CPPFLAGS += -I$(LIBBPF_DIR)/usr/include

$(B)/selftests/%.bpf.o: selftests/%.bpf.c bpf/policies/vmlab_policy.h \
	include/uapi/linux/vmlab.h
	$(bpf_policy_obj)

# the page-table test builds the tool's layouts
$(B)/selftests/pt_test: userspace/ptlayout.c userspace/ptlayout.h

# the BPF tests read the records' layout, the tool's names, and run the tool
$(B)/selftests/trace_bpf_test: bpf/vmlab_trace.h userspace/names.c \
	userspace/names.h userspace/tracer.c userspace/tracer.h | $(B)/vmlab

$(SRC)/.stamp:
	./scripts/deps

deps:
	./scripts/deps

checkpatch: $(SRC)/.stamp
	perl $(SRC)/scripts/checkpatch.pl --no-tree --strict --terse \
		--show-types \
		-f $(filter-out %.mod.c,$(wildcard module/*.[ch]))

lint: $(SRC)/.stamp tool
	./scripts/lint

# tests that need no module or VM: run on the host before the VM boots
HOST_TESTS	:= $(B)/selftests/sim_test $(B)/selftests/plot_test

check-host: $(HOST_TESTS)
	@for t in $(HOST_TESTS); do $$t || exit 1; done

check:
	./scripts/check $(if $(KERNELS),--kernels "$(KERNELS)")

demo:
	./scripts/demo

# The debug kernels (scripts/debug-kernel) are cached outside the tree.
# Their vmlab.ko is built in a copy of the module's sources, so the stock
# build in module/ stays as it is (6.1's kbuild cannot put an external
# module's objects elsewhere).
DEBUG_MOD	:= $(B)/debug-module/$(DEBUG_BASE)
FAULT_INJECT	:= $(B)/selftests/fault_inject
TIMEOUT_SCALE	:= $(B)/selftests/timeout_scale.so

debug-kernel:
	./scripts/debug-kernel --base $(DEBUG_BASE) >/dev/null

debug-module: debug-kernel
	$(call stage_module,$(DEBUG_MOD))
	$(MAKE) -C $$(./scripts/debug-kernel --base $(DEBUG_BASE) --kdir) \
		M=$(CURDIR)/$(DEBUG_MOD) modules

# fault injection (not a *_test: check-debug runs it in a VM of its own),
# and the preload that stretches test timeouts on the debug kernel
selftests: $(FAULT_INJECT) $(TIMEOUT_SCALE)

$(TIMEOUT_SCALE): selftests/timeout_scale.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -shared -fPIC -o $@ $< -ldl

check-debug:
	./scripts/check --debug $(if $(KERNELS),--kernels "$(KERNELS)")

SECONDS	?= 600
SEED	?= $(shell date +%s)

FUZZ_BASE	:= $(if $(filter 1,$(DEBUG)),6.1,$(DEBUG))

fuzz:
	$(MAKE) $(if $(DEBUG),tool selftests debug-module DEBUG_BASE=$(FUZZ_BASE),all)
	./scripts/fuzz $(if $(DEBUG),--debug $(FUZZ_BASE)) --seconds $(SECONDS) --seed $(SEED) \
		-- $(FUZZ_ARGS)

# ---------------------------------------------------------------- install
#
# As packagers expect: DESTDIR is prepended to every path, PREFIX is where
# the files live once installed.  The tool embeds its BPF object (the
# skeleton); the object is installed too, for bpftool ... autoattach, and
# so are the example policies, for vmlab run --policy bpf:FILE.

PREFIX		?= /usr/local
BINDIR		:= $(PREFIX)/bin
MANDIR		:= $(PREFIX)/share/man
LIBDIR		:= $(PREFIX)/lib/vmlab
DOCDIR		:= $(PREFIX)/share/doc/vmlab
BASHCOMPDIR	:= $(PREFIX)/share/bash-completion/completions
DOCS		:= README.md $(wildcard docs/*.md)

install: $(B)/vmlab $(BPF_OBJ) $(POLICY_OBJS)
	install -D -m 0755 $(B)/vmlab $(DESTDIR)$(BINDIR)/vmlab
	install -D -m 0644 $(BPF_OBJ) $(DESTDIR)$(LIBDIR)/vmlab.bpf.o
	install -d $(DESTDIR)$(LIBDIR)/policies
	install -m 0644 $(POLICY_OBJS) $(DESTDIR)$(LIBDIR)/policies/
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man4
	sed 's/@VERSION@/$(VERSION)/; s,@LIBDIR@,$(LIBDIR),' man/vmlab.1 >$(DESTDIR)$(MANDIR)/man1/vmlab.1
	sed 's/@VERSION@/$(VERSION)/' man/vmlab.4 >$(DESTDIR)$(MANDIR)/man4/vmlab.4
	chmod 0644 $(DESTDIR)$(MANDIR)/man1/vmlab.1 $(DESTDIR)$(MANDIR)/man4/vmlab.4
	install -D -m 0644 completion/vmlab.bash $(DESTDIR)$(BASHCOMPDIR)/vmlab
	install -d $(DESTDIR)$(DOCDIR)/docs
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(wildcard docs/*.md) $(DESTDIR)$(DOCDIR)/docs/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vmlab $(DESTDIR)$(LIBDIR)/vmlab.bpf.o \
		$(DESTDIR)$(MANDIR)/man1/vmlab.1 $(DESTDIR)$(MANDIR)/man4/vmlab.4 \
		$(DESTDIR)$(BASHCOMPDIR)/vmlab
	rm -rf $(DESTDIR)$(DOCDIR) $(DESTDIR)$(LIBDIR)/policies
	-rmdir $(DESTDIR)$(LIBDIR) 2>/dev/null

install-dkms:
	@[ -z "$(DESTDIR)" ] || { echo "make: install-dkms installs into the system's DKMS; DESTDIR is not for it" >&2; exit 1; }
	ver=$$(./scripts/dkms-stage) && \
	dkms add -m vmlab -v $$ver && \
	dkms install -m vmlab -v $$ver -k $(KVER) --force

uninstall-dkms:
	-dkms remove -m vmlab -v $(VERSION) --all
	rm -rf /usr/src/vmlab-$(VERSION)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(B)
