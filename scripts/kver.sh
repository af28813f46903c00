# SPDX-License-Identifier: GPL-2.0
# Sourced by scripts: the kernel vmlab builds for and boots.
#
# vmlab_kver: $KVER if set, else the newest installed kernel that has both an
# image in /boot and a build tree (headers) in /lib/modules.

vmlab_kver() {
	local d v best

	if [ -n "${KVER:-}" ]; then
		echo "$KVER"
		return 0
	fi
	best=$(for d in /lib/modules/*/build; do
		[ -e "$d/Makefile" ] || continue
		v=$(basename "$(dirname "$d")")
		[ -f "/boot/vmlinuz-$v" ] && echo "$v"
	done | sort -V | tail -n 1)
	[ -n "$best" ] || return 1
	echo "$best"
}
