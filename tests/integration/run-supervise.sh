#!/bin/sh
# Supervision: threads and child processes are reported, signals are forwarded, --audit continues.
. "$(dirname "$0")/run-common.sh"
P=$HDPROBE

run_h 159 "" 'blocked getppid \(nr 110, x86-64\) in pid [0-9]+ thread [0-9]+ \(hdprobe' -- -p SystemCallFilter=~getppid -- "$P" thread-getppid
# a child killed: the command itself goes on (its own status), the report names the child
run_h 0 '^ok$' 'blocked getppid .*in pid [0-9]+ \(hdprobe' -- -p SystemCallFilter=~getppid -- "$P" child-getppid
# --audit: both threads and children run to completion and are counted
run_h 0 '^ok$' 'getppid: 1 call' -- --audit -p SystemCallFilter=~getppid -- "$P" thread-getppid
run_h 0 'ok' 'getppid: 1 call' -- --audit -p SystemCallFilter=~getppid -- "$P" child-getppid
run_h 0 '^ok$' 'gettid: 3 calls, first gettid \(nr 186, x86-64\) in pid [0-9]+ \(hdprobe' -- --audit -p SystemCallFilter=~gettid -- sh -c "$P gettid >/dev/null; $P gettid >/dev/null; $P gettid"
run_h 0 '' 'no call would have been blocked' -- --audit -p SystemCallFilter=@system-service -- true
# the killed process dies of SIGSYS, as under the kernel's own kill
run_h 0 '^159$' '' -- -p SystemCallFilter=~gettid -p SystemCallArchitectures=native -- sh -c "$P gettid; echo \$((\$? + 0))"
# (sh reports a child killed by signal N as 128+N; 159 = SIGSYS, as under the kernel's own kill)

# harden inside harden (the outer denies acct, which neither harden nor ASan uses): the kernel allows one listener, so the inner one enforces unexplained (never silently open)
run_h 159 "" 'cannot be explained' -- -p SystemCallFilter=~acct -- "$HARDEN" run -p SystemCallFilter=~gettid -- "$P" gettid
run_h 1 '^errno 1 EPERM$' 'cannot be explained' -- -p SystemCallFilter=~acct -- "$HARDEN" run -p SystemCallFilter=~gettid:EPERM -- "$P" gettid
run_h 125 "" 'needs its own' -- -p SystemCallFilter=~acct -- "$HARDEN" run --audit -p SystemCallFilter=~gettid -- "$P" gettid
# allowed calls behave exactly as without harden: a real program's output is byte-identical
if command -v tar >/dev/null 2>&1 && command -v sha256sum >/dev/null 2>&1; then
	a=$(tar cf - -C "$SRCDIR" src | sha256sum)
	b=$("$HARDEN" run -p SystemCallFilter=@system-service -p RestrictAddressFamilies=AF_UNIX -p MemoryDenyWriteExecute=yes \
		-p RestrictNamespaces=yes -p LockPersonality=yes -- tar cf - -C "$SRCDIR" src | sha256sum)
	[ "$a" = "$b" ] || fail "tar output differs under harden: $a vs $b"
fi
# signals: TERM sent to harden reaches the command (exit 128+15)
"$HARDEN" run -p SystemCallFilter=@system-service -- sleep 30 &
hp=$!
sleep 1
kill -TERM "$hp"
wait "$hp"
rc=$?
[ "$rc" = 143 ] || fail "TERM forwarding: exit $rc, want 143"
# --print-bpf disassembles, --export-bpf writes whole sock_filter records
run_h 0 'if \(\$syscall == 39\)' "" -- -p SystemCallFilter=~getpid --print-bpf
"$HARDEN" run -p SystemCallFilter=~getpid --export-bpf "$T/p.bpf" || fail "export"
sz=$(wc -c <"$T/p.bpf")
[ "$sz" -gt 0 ] && [ $((sz % 8)) = 0 ] || fail "exported program size $sz is not a multiple of 8"
finish
