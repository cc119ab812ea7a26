#!/bin/sh
# learn --backend=ptrace: a traced program that attaches to harden (PTRACE_ATTACH or PTRACE_SEIZE) would
# stop its own tracer, and both would hang until SIGKILL. The attach must fail (EPERM), and the run end
# by itself, well within the bound below; also with the pid's bit 32 set (the kernel reads a pid_t), and
# for learn --while's companion (stopped, it would hang the run too).
set -u
: "${HARDEN:?}" "${TESTPROGS:?}"
P=$TESTPROGS/attach_tracer
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
for req in attach seize; do
	for how in tracer high; do
		arg=; [ $how = high ] && arg=high
		timeout -s KILL 30 "$HARDEN" learn --backend=ptrace -o "$W/d.conf" -- "$P" $req $arg >"$W/out" 2>"$W/err"
		rc=$?
		[ $rc = 137 ] && bad "$req $how: harden hung (killed after 30 s)"
		[ $rc = 0 ] || bad "$req $how: rc $rc: $(cat "$W/out" "$W/err")"
		grep -q ': refused: Operation not permitted$' "$W/out" || bad "$req $how: the attach was not refused: $(cat "$W/out")"
	done
	timeout -s KILL 30 "$HARDEN" learn --backend=ptrace -o "$W/d.conf" --ready-after=0.5 --stop-timeout=2 \
		--while true -- "$P" $req companion >"$W/out" 2>"$W/err"
	rc=$?
	[ $rc = 137 ] && bad "$req companion: harden hung (killed after 30 s)"
	[ $rc = 0 ] || bad "$req companion: rc $rc: $(cat "$W/out" "$W/err")"
	grep -q ': refused: Operation not permitted$' "$W/out" || bad "$req companion: the attach was not refused: $(cat "$W/out")"
	grep -q ATTACHED "$W/out" && bad "$req companion: attached: $(cat "$W/out")"
done
exit $fail
