#!/bin/sh
# harden killed outright (SIGKILL: no handler runs) while the command runs: `harden run` and `harden learn
# -- CMD` (each backend that runs here) must not leave the command's processes running: its own, a
# background job, an orphan (a subshell's child, re-parented) and one in a session of its own (setsid).
# The warden ends them; here within a few seconds.
set -u
: "${HARDEN:?}"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# each mode's processes sleep for their own number of seconds: N1..N4
running() { pgrep -f "^sleep $1[1234]\$"; }
cleanup() { for p in $(pgrep -f '^sleep 8[123][1234]$'); do kill -KILL "$p"; done; }
trap cleanup EXIT
modes="run ptrace"
"$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>/dev/null && modes="$modes ebpf" ||
	echo "note: eBPF learning does not run here: not tested"
n=81
for mode in $modes; do
	cmd="sleep ${n}1 & (sleep ${n}2 &); setsid sleep ${n}3 & sleep ${n}4"
	case $mode in
	run) "$HARDEN" run -p SystemCallFilter=@system-service -- sh -c "$cmd" >/dev/null 2>&1 & ;;
	*) "$HARDEN" learn --backend=$mode -o /dev/null -- sh -c "$cmd" >/dev/null 2>&1 & ;;
	esac
	hp=$!
	for i in $(seq 1 100); do [ "$(running $n | wc -l)" = 4 ] && break; sleep 0.1; done
	[ "$(running $n | wc -l)" = 4 ] || bad "$mode: the command's 4 processes never ran: $(running $n)"
	sleep 1 # the warden looks every 50 ms: a loaded machine gets 20 chances
	kill -KILL $hp
	wait $hp 2>/dev/null
	for i in $(seq 1 50); do running $n >/dev/null || break; sleep 0.1; done
	left=$(running $n | tr '\n' ' ')
	[ -z "$left" ] || bad "$mode: harden was killed and the command's processes still run 5 s later: $left"
	n=$((n + 1))
done
exit $fail
