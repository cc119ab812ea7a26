#!/bin/sh
# learn -- CMD where CMD exits while what it started runs on: that is followed until it is gone, as the
# ptrace backend follows every tracee, so its later calls are in the profile (eBPF stopped recording when
# CMD exited: exit 0, the calls silently missing). A stop request (TERM to harden) then ends it, and what
# ignores that is said to be unfollowed.
set -u
: "${HARDEN:?}"
W=$(mktemp -d)
cleanup() { for p in $(pgrep -f '^sleep 85[12]$'); do kill -KILL "$p"; done; rm -rf "$W"; }
trap cleanup EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
backends=ptrace
"$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>/dev/null && backends="$backends ebpf" ||
	echo "note: eBPF learning does not run here: ptrace only"
for be in $backends; do
	rm -f "$W/fifo" "$W/p.json"
	# mkfifo: mknodat, a call neither sh nor sleep makes
	timeout -s KILL 60 "$HARDEN" learn --backend=$be -o "$W/d.conf" --profile-out "$W/p.json" -- \
		sh -c "(sleep 1; exec mkfifo $W/fifo) & exit 0" >"$W/out" 2>"$W/err"
	rc=$?
	[ $rc = 0 ] || bad "$be: rc $rc: $(cat "$W/err")"
	[ -p "$W/fifo" ] || bad "$be: the background job did not run (or learn did not wait for it)"
	grep -q '"mknodat"' "$W/p.json" || bad "$be: the background job's call (mknodat) is not in the profile"
done
for be in $backends; do
	# TERM to harden once the command has exited: its background job gets TERM too, and learning ends
	"$HARDEN" learn --backend=$be -o "$W/d.conf" -- sh -c 'sleep 851 & exit 0' >"$W/out" 2>"$W/err" &
	hp=$!
	for i in $(seq 1 100); do pgrep -f '^sleep 851$' >/dev/null && break; sleep 0.1; done
	sleep 0.5
	kill -TERM $hp
	start=$(date +%s)
	for i in $(seq 1 100); do kill -0 $hp 2>/dev/null || break; sleep 0.1; done
	kill -0 $hp 2>/dev/null && { bad "$be stopped: learn still runs 10 s after TERM"; kill -KILL $hp; }
	wait $hp
	rc=$?
	[ $rc = 0 ] || bad "$be stopped: rc $rc: $(cat "$W/err")"
	pgrep -f '^sleep 851$' >/dev/null && bad "$be stopped: the background job was not ended"
done
if echo "$backends" | grep -q ebpf; then
	# one that ignores TERM is left running after 5 s: said so, and a finding
	"$HARDEN" learn --backend=ebpf -o "$W/d.conf" -- sh -c 'trap "" TERM; sleep 852 & exit 0' >"$W/out" 2>"$W/err" &
	hp=$!
	for i in $(seq 1 100); do pgrep -f '^sleep 852$' >/dev/null && break; sleep 0.1; done
	sleep 0.5
	kill -TERM $hp
	wait $hp
	rc=$?
	[ $rc = 1 ] || bad "ignores TERM: rc $rc, not 1: $(cat "$W/err")"
	grep -q 'warning: 1 process the command left running did not end when learning was stopped' "$W/err" ||
		bad "ignores TERM: not said: $(cat "$W/err")"
fi
exit $fail
