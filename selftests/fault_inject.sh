#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fault_inject.sh - run vmlab's allocation paths under failslab and
# fail_page_alloc (inside the test VM on the debug kernel, as root).
#
#   selftests/fault_inject.sh [--workload 'CMD [ARGS]'] [--modprobe]
#
# Loads vmlab (like run_tests.sh: $VMLAB_KO, default module/vmlab.ko), aims
# the kernel's fault injection at the module's code only - require-start and
# require-end span the module's core (its .text to .text + coresize), with a
# stack-trace depth of 32, so an allocation fails only when vmlab.ko is on
# the allocating stack - and runs the workload once per schedule:
#
#   first     the first allocation fails, once       (probability 100, times 1)
#   every     every allocation fails                 (probability 100, times 200)
#   half      one in two, at random                  (probability 50,  times 200)
#   tenth     one in ten, at random                  (probability 10,  times 200)
#
# for each of failslab (kmalloc, kmem_cache_alloc) and fail_page_alloc (any
# order, GFP_KERNEL and highmem included).  A run passes when the workload
# exits 0 (it saw only clean errors: ENOMEM from a system call, SIGBUS on a
# page access - see selftests/fault_workload.c) and no more errors than
# failures were injected (failures the kernel absorbs, such as kmemleak's
# metadata falling back to its pool, may show no error).  The injected count
# is the drop of the attribute's "times".  A baseline run without injection
# must see no error at all.  Finally vmlab must unload.  Splats (KASAN,
# lockdep, ...) and leaks (kmemleak scan at shutdown) fail the VM run itself
# (scripts/vm).
#
# The default workload is build/selftests/fault_workload; another one is any
# command (--workload) that exits 0 when every error it met was clean and may
# print "enomem=N sigbus=N" on its last line for the count check.  The last
# line of this script is "N passed, N failed[, N skipped]".

set -u

top=$(dirname "$(dirname "$(readlink -f "$0")")")
dbg=/sys/kernel/debug
workload="$top/build/selftests/fault_workload -n 20 -p 16"
modprobe=0

while [ $# -gt 0 ]; do
	case "$1" in
	--workload) workload=$2; shift 2 ;;
	--modprobe) modprobe=1; shift ;;
	*) echo "usage: $0 [--workload 'CMD [ARGS]'] [--modprobe]" >&2; exit 2 ;;
	esac
done

if [ "$(id -u)" != 0 ]; then
	echo "fault_inject: must run as root (use scripts/vm)" >&2
	exit 4
fi
for a in failslab fail_page_alloc; do
	if [ ! -d "$dbg/$a" ] || [ ! -e "$dbg/$a/require-start" ]; then
		echo "fault_inject: SKIP: no $dbg/$a with a stacktrace filter (not the debug kernel?)" >&2
		echo "0 passed, 0 failed, 1 skipped"
		exit 4
	fi
done

if [ $modprobe = 1 ]; then
	modprobe vmlab || { echo "fault_inject: SKIP: modprobe vmlab failed" >&2; exit 4; }
else
	ko=${VMLAB_KO:-$top/module/vmlab.ko}
	insmod "$ko" || { echo "fault_inject: SKIP: insmod $ko failed" >&2; exit 4; }
	echo "fault_inject: loaded $ko"
fi

# The module's core: its text sections come first, coresize covers them all.
start=
for s in /sys/module/vmlab/sections/.text*; do
	a=$(cat "$s")
	if [ -z "$start" ] || [ $((a)) -lt $((start)) ]; then
		start=$a
	fi
done
size=$(cat /sys/module/vmlab/coresize)
if [ -z "$start" ] || [ $((start)) = 0 ]; then
	echo "fault_inject: cannot read vmlab's text address" >&2
	rmmod vmlab
	exit 1
fi
end=$(printf '%#x' $((start + size)))
echo "fault_inject: failures aimed at vmlab.ko text $start-$end"

n=0 pass=0 fail=0 skip=0
result() { # ok|not ok|skip, description
	n=$((n + 1))
	case $1 in
	ok) pass=$((pass + 1)); echo "ok $n $2" ;;
	skip) skip=$((skip + 1)); echo "ok $n # SKIP $2" ;;
	*) fail=$((fail + 1)); echo "not ok $n $2" ;;
	esac
}

attr_off() {
	local d=$dbg/$1

	echo 0 >"$d/probability"
	echo 1 >"$d/interval"
	echo 1 >"$d/times"
	echo 0 >"$d/space"
	echo 0 >"$d/verbose"
}

attr_on() { # attr probability times
	local d=$dbg/$1

	attr_off "$1"
	echo N >"$d/task-filter"
	echo 32 >"$d/stacktrace-depth"
	echo "$start" >"$d/require-start"
	echo "$end" >"$d/require-end"
	echo 0 >"$d/reject-start"
	echo 0 >"$d/reject-end"
	echo N >"$d/ignore-gfp-wait"
	if [ "$1" = fail_page_alloc ]; then
		echo N >"$d/ignore-gfp-highmem"
		echo 0 >"$d/min-order"
	fi
	echo 1 >"$d/verbose"
	echo "$3" >"$d/times"
	echo "$2" >"$d/probability"
}

# Run the workload; sets $out (its output) and $rc.
run_workload() {
	out=$(timeout 300 $workload 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
}

count() { # name: the workload's last "name=N", or 0
	echo "$out" | tail -n 1 | sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" | grep . || echo 0
}

echo "TAP version 13"
echo "# baseline: $workload"
attr_off failslab
attr_off fail_page_alloc
run_workload
errors=$(( $(count enomem) + $(count sigbus) ))
if [ $rc = 0 ] && [ $errors = 0 ]; then
	result ok "baseline: no error without injection"
else
	result "not ok" "baseline: exit $rc, $errors errors without injection"
fi

schedules="first:100:1 every:100:200 half:50:200 tenth:10:200"
for attr in failslab fail_page_alloc; do
	for s in $schedules; do
		IFS=: read -r name prob times <<<"$s"
		echo "# $attr/$name: probability $prob, at most $times failures"
		attr_on $attr "$prob" "$times"
		run_workload
		left=$(cat "$dbg/$attr/times")
		attr_off $attr
		injected=$((times - left))
		errors=$(( $(count enomem) + $(count sigbus) ))
		what="$attr/$name: $injected injected, $errors errors seen"
		if [ $rc = 124 ]; then
			result "not ok" "$what: the workload timed out"
		elif [ $rc != 0 ]; then
			result "not ok" "$what: the workload exited $rc (an unclean error)"
		elif [ $errors -gt $injected ]; then
			result "not ok" "$what: more errors than injected failures"
		elif [ $injected = 0 ]; then
			result skip "$what: no allocation of vmlab's reached"
		else
			result ok "$what"
		fi
	done
done

if [ "$(cat /sys/module/vmlab/refcnt)" != 0 ]; then
	result "not ok" "vmlab still in use after the workloads"
elif rmmod vmlab; then
	result ok "vmlab unloads after the injected failures"
else
	result "not ok" "rmmod vmlab failed after the injected failures"
fi

echo "1..$n"
line="$pass passed, $fail failed"
[ $skip -gt 0 ] && line="$line, $skip skipped"
echo "$line"
[ $fail = 0 ]
