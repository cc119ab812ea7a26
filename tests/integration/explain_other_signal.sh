#!/bin/sh
# Issue 25 item 4: a systemd-coredump record of a death by another signal than SIGSYS, whose top frame
# is a C library syscall wrapper (a SIGSEGV while in read or epoll_wait), crashed explain (it printed
# the wrapper's syscall as inferred through a fix line that a non-seccomp death does not get) and so
# ended the run. In every form systemd writes it (journal JSON, export, coredumpctl info): the record
# is reported as not a seccomp death with its signal named and its frame shown, nothing is inferred,
# and the SIGSYS record after it is still explained.
set -u
: "${HARDEN:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v python3 >/dev/null || { echo "SKIP: python3 is missing" >&2; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

msg() { # $1 pid, $2 comm, $3 top function, as a JSON string body
	printf 'Process %s (%s) of user 0 dumped core.\\n\\nStack trace of thread %s:\\n#0  0x00007f3c1a51051b %s (libc.so.6 + 0x11051b)\\n#1  0x000055d0aa001234 n/a (%s + 0x1234)\\n' "$1" "$2" "$1" "$3" "$2"
}
{
	printf '{"__REALTIME_TIMESTAMP":"1764331200000000","COREDUMP_PID":"4242","COREDUMP_SIGNAL":"11","COREDUMP_SIGNAL_NAME":"SIGSEGV","COREDUMP_COMM":"srv","COREDUMP_EXE":"/usr/bin/srv","MESSAGE":"%s"}\n' "$(msg 4242 srv read)"
	printf '{"__REALTIME_TIMESTAMP":"1764331250000000","COREDUMP_PID":"4244","COREDUMP_SIGNAL":"7","COREDUMP_SIGNAL_NAME":"SIGBUS","COREDUMP_COMM":"ev","COREDUMP_EXE":"/usr/bin/ev","MESSAGE":"%s"}\n' "$(msg 4244 ev epoll_wait)"
	printf '{"__REALTIME_TIMESTAMP":"1764331300000000","COREDUMP_PID":"4243","COREDUMP_SIGNAL":"31","COREDUMP_SIGNAL_NAME":"SIGSYS","COREDUMP_COMM":"sed","COREDUMP_EXE":"/usr/bin/sed","MESSAGE":"%s"}\n' "$(msg 4243 sed fchown)"
} >"$T/j.json"
# export: the same records, MESSAGE as a binary field (it holds newlines), as journalctl writes it
python3 - "$T/j.json" "$T/j.export" <<'PY' || fail "python3 could not write the export form"
import json, struct, sys
out = open(sys.argv[2], "wb")
for line in open(sys.argv[1]):
    for k, v in json.loads(line).items():
        b = v.encode()
        out.write(k.encode() + b"\n" + struct.pack("<Q", len(b)) + b + b"\n" if b"\n" in b else k.encode() + b"=" + b + b"\n")
    out.write(b"\n")
PY
cat >"$T/info.txt" <<'EOF2'
           PID: 4242 (srv)
        Signal: 11 (SEGV)
    Executable: /usr/bin/srv
       Message: Process 4242 (srv) of user 0 dumped core.
                
                Stack trace of thread 4242:
                #0  0x00007f3c1a51051b read (libc.so.6 + 0x11051b)
                #1  0x000055d0aa001234 n/a (srv + 0x1234)

           PID: 4244 (ev)
        Signal: 7 (BUS)
    Executable: /usr/bin/ev
       Message: Process 4244 (ev) of user 0 dumped core.
                
                Stack trace of thread 4244:
                #0  0x00007f3c1a51051b epoll_wait (libc.so.6 + 0x11051b)

           PID: 4243 (sed)
        Signal: 31 (SYS)
    Executable: /usr/bin/sed
       Message: Process 4243 (sed) of user 0 dumped core.
                
                Stack trace of thread 4243:
                #0  0x00007f3c1a51051b fchown (libc.so.6 + 0x11051b)
EOF2

for f in j.json j.export info.txt; do
	"$HARDEN" explain "$T/$f" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -eq 0 ] || fail "$f: exit $rc (a SIGSYS record is explained: 0): $(cat "$T/err")"
	grep -q '^srv\[4242\] /usr/bin/srv: not a seccomp death$' "$T/out" || fail "$f: srv: $(cat "$T/out")"
	grep -q 'why:        killed by signal 11 (SEGV), not SIGSYS' "$T/out" || fail "$f: SIGSEGV not named"
	grep -q 'top frame:  read (libc.so.6 + 0x11051b)' "$T/out" || fail "$f: read's frame"
	grep -q '^ev\[4244\] /usr/bin/ev: not a seccomp death$' "$T/out" || fail "$f: ev: $(cat "$T/out")"
	grep -q 'killed by signal 7 (BUS), not SIGSYS' "$T/out" || fail "$f: SIGBUS not named"
	grep -q 'top frame:  epoll_wait (libc.so.6' "$T/out" || fail "$f: epoll_wait's frame"
	# the record after them: explained
	grep -q 'syscall:    fchown (inferred from the stack frame fchown' "$T/out" || fail "$f: the SIGSYS record after"
	[ "$(grep -c 'fix:' "$T/out")" = 1 ] || fail "$f: a fix offered for a non-seccomp death: $(cat "$T/out")"
	"$HARDEN" explain --json "$T/$f" >"$T/j" || fail "$f --json: exit $?"
	python3 - "$T/j" <<'PY' || fail "$f --json: $(cat "$T/j")"
import json, sys
v = json.load(open(sys.argv[1]))["violations"]
assert [x["verdict"] for x in v] == ["not-seccomp", "not-seccomp", "sigsys"], v
for x in v[:2]:
    assert x["inferred"] is False and x["candidates"] == [] and x["fix"]["narrowest"] is None, x
assert [x["frame"]["function"] for x in v] == ["read", "epoll_wait", "fchown"]
assert [x["signal"] for x in v] == [11, 7, 31]
assert v[2]["candidates"] == ["fchown"]
PY
done
# alone on stdin: nothing explained (exit 1), no crash
head -1 "$T/j.json" | "$HARDEN" explain - >"$T/out"
[ $? -eq 1 ] || fail "one SIGSEGV record: exit 1 expected"
grep -q 'not a seccomp death' "$T/out" || fail "stdin: $(cat "$T/out")"
exit 0
