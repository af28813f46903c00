#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh - run vmlab's selftests (inside the test VM, as root).
#
#   selftests/run_tests.sh [--modprobe] [TEST_PROGRAM...]
#
# Loads the module (build tree's module/vmlab.ko, or with --modprobe the
# installed one), runs every test program (default: build/selftests/*), unloads
# it and prints "N passed, N failed[, N skipped]" as its last line.  Exits 0
# when nothing failed, 1 otherwise, 4 (kselftest's skip) when vmlab cannot be
# loaded at all.  With VMLAB_TIMEOUT_SCALE=N (the debug kernel's runs) every
# test's timeout is N times its own (selftests/timeout_scale.c).

set -u

top=$(dirname "$(dirname "$(readlink -f "$0")")")
modprobe=0
if [ "${1:-}" = --modprobe ]; then
	modprobe=1
	shift
fi

if [ "$(id -u)" != 0 ]; then
	echo "run_tests: must run as root (use scripts/vm)" >&2
	exit 4
fi

preload=
if [ "${VMLAB_TIMEOUT_SCALE:-1}" != 1 ]; then
	preload=$top/build/selftests/timeout_scale.so
	[ -f "$preload" ] || { echo "run_tests: $preload not built" >&2; exit 1; }
	echo "run_tests: test timeouts x$VMLAB_TIMEOUT_SCALE"
fi

if [ $modprobe = 1 ]; then
	unset VMLAB_KO
	if ! modprobe vmlab; then
		echo "run_tests: SKIP: modprobe vmlab failed" >&2
		exit 4
	fi
	echo "run_tests: loaded $(modinfo -n vmlab) with modprobe"
else
	export VMLAB_KO=${VMLAB_KO:-$top/module/vmlab.ko}
	if ! insmod "$VMLAB_KO"; then
		echo "run_tests: SKIP: insmod $VMLAB_KO failed" >&2
		exit 4
	fi
	echo "run_tests: loaded $VMLAB_KO"
fi

if [ $# -gt 0 ]; then
	progs=("$@")
else
	progs=("$top"/build/selftests/*_test)
fi

pass=0 fail=0 skip=0
for p in "${progs[@]}"; do
	name=$(basename "$p")
	out=$(mktemp)
	echo "run_tests: ---- $name"
	t0=$(date +%s)
	env ${preload:+LD_PRELOAD="$preload"} "$p" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	echo "run_tests: ---- $name took $(( $(date +%s) - t0 )) s"
	totals=$(sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\) xfail:[0-9]* xpass:[0-9]* skip:\([0-9]*\) error:\([0-9]*\).*/\1 \2 \3 \4/p' "$out")
	rm -f "$out"
	if [ -z "$totals" ]; then
		echo "run_tests: $name exited $rc without a TAP summary"
		fail=$((fail + 1))
		continue
	fi
	read -r p_ f_ s_ e_ <<<"$totals"
	pass=$((pass + p_)) fail=$((fail + f_ + e_)) skip=$((skip + s_))
	if [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ $((f_ + e_)) = 0 ]; then
		echo "run_tests: $name exited $rc"
		fail=$((fail + 1))
	fi
done

if [ -d /sys/module/vmlab ] && ! rmmod vmlab; then
	echo "run_tests: rmmod vmlab failed after the tests"
	fail=$((fail + 1))
fi

line="$pass passed, $fail failed"
[ $skip -gt 0 ] && line="$line, $skip skipped"
echo "$line"
[ $fail = 0 ]
