#!/bin/sh
# harden syscall-filter --systemd=252 against the installed systemd-analyze 252 (the oracle): stdout,
# stderr and exit status must be byte-identical for the full listing, -q, every group alone, several
# groups, unknown groups; with tracefs mounted, unmounted, and with crafted available_events files
# (each in a private mount namespace, so the host is never changed).
set -u
: "${HARDEN:?}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

command -v systemd-analyze >/dev/null || { echo "skip: systemd-analyze is not installed" >&2; exit 77; }
case $(systemd-analyze --version | head -1) in
"systemd 252 "*) ;;
*) echo "skip: the installed systemd is not 252: $(systemd-analyze --version | head -1)" >&2; exit 77 ;;
esac

fails=0 checks=0
RUNAS="" # a command prefix for both programs (setpriv: run as nobody)
# compare LABEL ARGS...: run both, compare stdout, stderr and exit status byte for byte
compare() {
	label=$1; shift
	checks=$((checks + 1))
	# shellcheck disable=SC2086
	$RUNAS systemd-analyze syscall-filter "$@" >"$TMP/o.out" 2>"$TMP/o.err"; ors=$?
	# shellcheck disable=SC2086
	$RUNAS "$HARDEN" syscall-filter --systemd=252 "$@" >"$TMP/h.out" 2>"$TMP/h.err"; hrs=$?
	if ! cmp -s "$TMP/o.out" "$TMP/h.out" || ! cmp -s "$TMP/o.err" "$TMP/h.err" || [ "$ors" != "$hrs" ]; then
		fails=$((fails + 1))
		echo "FAIL [$label] syscall-filter $*: exit systemd=$ors harden=$hrs" >&2
		diff "$TMP/o.out" "$TMP/h.out" | head -10 >&2
		diff "$TMP/o.err" "$TMP/h.err" | head -5 >&2
	fi
}

# the group names come from the oracle, so a group harden lacks shows up as a failure
groups=$(systemd-analyze syscall-filter -q | sed -n 's/^\(@[a-z-]*\)$/\1/p')
[ "$(echo "$groups" | wc -l)" -ge 20 ] || { echo "FAIL: could not read the oracle's group list" >&2; exit 1; }

basic() { # $1 = label for the tracefs state
	compare "$1" 
	compare "$1" -q
	compare "$1" --quiet
	compare "$1" --no-pager
	for g in $groups; do compare "$1" "$g"; done
	# shellcheck disable=SC2086
	compare "$1" $groups
	compare "$1" @chown @clock @chown
	compare "$1" -q @privileged @system-service
	compare "$1" @nope
	compare "$1" @sandbox
	compare "$1" @chown @nope @clock
	compare "$1" @nope @chown
	compare "$1" @CHOWN
	compare "$1" @
	compare_tty "$1"
	compare_tty "$1" -q
	compare_tty "$1" @system-service @nope
}

# compare_tty LABEL ARGS...: the same on a pseudo-terminal (script(1)): systemd's colours and its
# "\r\n"-terminated, coloured stderr lines. TERM is fixed so the escapes are predictable.
compare_tty() {
	command -v script >/dev/null || return 0
	label=$1; shift
	checks=$((checks + 1))
	TERM=xterm script -qec "systemd-analyze syscall-filter --no-pager $*" /dev/null >"$TMP/o.tty" 2>&1
	TERM=xterm script -qec "$HARDEN syscall-filter --systemd=252 --no-pager $*" /dev/null >"$TMP/h.tty" 2>&1
	if ! cmp -s "$TMP/o.tty" "$TMP/h.tty"; then
		fails=$((fails + 1))
		echo "FAIL [$label, tty] syscall-filter $*" >&2
		cmp "$TMP/o.tty" "$TMP/h.tty" >&2
	fi
}

# fake EVENTS_FILE LABEL: an available_events file with the given content on a tmpfs tracefs stand-in
fake() {
	umount /sys/kernel/tracing 2>/dev/null
	mount -t tmpfs harden-test /sys/kernel/tracing || { echo "FAIL: mount tmpfs" >&2; fails=$((fails + 1)); return; }
	cp "$1" /sys/kernel/tracing/available_events
	compare "$2"
	compare "$2" -q
	umount /sys/kernel/tracing
}

inner() {
	# 1. tracefs mounted
	mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing ||
		{ echo "FAIL: cannot mount tracefs in the private namespace" >&2; exit 1; }
	[ -r /sys/kernel/tracing/available_events ] || { echo "skip: this kernel has no tracing events" >&2; exit 77; }
	basic mounted
	# as nobody: tracefs is root-only, so both fail to open it (systemd reports the last path's error)
	if command -v setpriv >/dev/null && [ -x "$HARDEN" ] && setpriv --reuid=65534 --regid=65534 --clear-groups "$HARDEN" --version >/dev/null 2>&1; then
		RUNAS="setpriv --reuid=65534 --regid=65534 --clear-groups"
		compare nobody
		compare nobody -q
		RUNAS=""
	fi
	# 2. tracefs not mounted anywhere: systemd's stderr notice and the blank line before it
	umount /sys/kernel/tracing
	if mountpoint -q /sys/kernel/debug 2>/dev/null; then umount -l /sys/kernel/debug; fi
	basic unmounted
	# 3. crafted files: line ends \r, \r\n, NUL and a missing final newline; duplicates; systemd's
	# hidden internal names; an empty name; a line just under and one at systemd's 1 MiB line limit;
	# a directory instead of the file (a read error)
	printf 'syscalls:sys_enter_zzz\rsyscalls:sys_enter_aaa\r\nsyscalls:sys_enter_aaa\nsyscalls:sys_enter_b\0syscalls:sys_enter_newuname\nsyscalls:sys_enter_sysctl\nsyscalls:sys_enter_newstat\nsyscalls:sys_enter_chown\nsyscalls:sys_exit_x\n syscalls:sys_enter_indented\nsyscalls:sys_enter_\nsyscalls:sys_enter_trailing \nsyscalls:sys_enter_landlock_add_rule\nsyscalls:sys_enter_last' >"$TMP/ev1"
	fake "$TMP/ev1" crafted
	: >"$TMP/ev2"
	fake "$TMP/ev2" empty
	for len in 1048575 1048576; do
		{ echo syscalls:sys_enter_short; printf 'syscalls:sys_enter_'; head -c $((len - 19)) /dev/zero | tr '\0' x; echo; } >"$TMP/ev3"
		fake "$TMP/ev3" "line-$len"
	done
	mount -t tmpfs harden-test /sys/kernel/tracing && mkdir /sys/kernel/tracing/available_events &&
		compare directory && umount /sys/kernel/tracing
	echo "oracle: $checks comparisons, $fails failed" >&2
	[ "$fails" -eq 0 ]
}

case ${1:-} in
--inner) inner; exit $? ;;
esac

# Without a private mount namespace: compare in whatever state the host is in, skip the rest.
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	basic host
	echo "oracle: $checks comparisons, $fails failed" >&2
	echo "note: skipped the tracefs mounted/unmounted/crafted half: unshare -m is not possible here (needs root)" >&2
	[ "$fails" -eq 0 ]
	exit $?
fi
unshare -m --propagation private sh "$0" --inner
