#!/bin/sh
# harden learn's command line: usage errors, hostile profiles, merge, --from-profile, --json, --pid.
set -u
: "${HARDEN:?}"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
expect_rc() { # RC DESCRIPTION CMD...
	want=$1 what=$2
	shift 2
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
	[ $rc -eq "$want" ] || { bad "$what: exit $rc, want $want"; cat "$W/err"; }
}

expect_rc 0 "--help" "$HARDEN" learn --help
grep -q -- '--from-profile' "$W/out" || bad "--help does not document --from-profile"
expect_rc 2 "no mode" "$HARDEN" learn
expect_rc 2 "unknown option" "$HARDEN" learn --frobnicate -- true
expect_rc 2 "bad backend" "$HARDEN" learn --backend=dtrace -- true
expect_rc 2 "bad pid" "$HARDEN" learn --pid=abc
expect_rc 2 "two modes" "$HARDEN" learn --pid=1 -- true
expect_rc 1 "command not found" "$HARDEN" learn --backend=ptrace -o /dev/null -- /nonexistent/cmd
grep -q 'cannot run /nonexistent/cmd' "$W/err" || bad "exec failure not explained"
expect_rc 1 "failing command" "$HARDEN" learn --backend=ptrace -o /dev/null -- false
grep -q 'exited with status 1' "$W/err" || bad "command status not reported"

# The command runs with the CPU affinity harden was started with (the ptrace tracer keeps itself on one
# CPU, the command must not inherit that), both with every CPU and with a subset.
aff='import os; print(sorted(os.sched_getaffinity(0)))'
backends=ptrace
"$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>/dev/null && backends="$backends ebpf"
for cpus in "" 0; do
	for be in $backends; do
		if [ -n "$cpus" ]; then
			want=$(taskset -c "$cpus" python3 -c "$aff")
			got=$(taskset -c "$cpus" "$HARDEN" learn --backend=$be -o /dev/null -- python3 -c "$aff" 2>/dev/null)
		else
			want=$(python3 -c "$aff")
			got=$("$HARDEN" learn --backend=$be -o /dev/null -- python3 -c "$aff" 2>/dev/null)
		fi
		[ "$got" = "$want" ] || bad "$be: the command's CPU affinity is $got, not $want (cpus '${cpus:-all}')"
	done
done

# a profile, then suggestions from it
"$HARDEN" learn --backend=ptrace -o "$W/a.conf" --profile-out "$W/a.json" -- ls / >/dev/null 2>&1 || bad "learn ls"
expect_rc 0 "--from-profile" "$HARDEN" learn --from-profile "$W/a.json" -o "$W/b.conf"
[ "$(grep -v '^#' "$W/a.conf")" = "$(grep -v '^#' "$W/b.conf")" ] ||
	bad "--from-profile gives other settings than the run that made the profile"
grep -q '^SystemCallFilter=.*getdents64' "$W/a.conf" || bad "ls profile lacks getdents64"
grep -q '^# .*getdents64 ×' "$W/a.conf" || bad "no comment with the evidence"
tail -1 "$W/a.conf" | grep -qE '^# Exposure .*: [0-9]+\.[0-9] -> [0-9]+\.[0-9] ' || bad "no score line at the end"
# the score line agrees with the oracle: systemd-analyze 252 on the same unit text
if command -v systemd-analyze >/dev/null; then
	"$HARDEN" learn --systemd=252 --from-profile "$W/a.json" -o "$W/c.conf"
	mkdir -p "$W/u"
	printf '[Service]\nExecStart=/bin/true\n' >"$W/u/learned.service"
	{ cat "$W/u/learned.service"; grep -v '^[#[]' "$W/c.conf" | grep .; } >"$W/u/after.service"
	b=$(systemd-analyze security --offline=true "$W/u/learned.service" 2>/dev/null | sed -n 's/.*exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	a=$(systemd-analyze security --offline=true "$W/u/after.service" 2>/dev/null | sed -n 's/.*exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	tail -1 "$W/c.conf" | grep -q ": $b -> $a " || bad "score line '$(tail -1 "$W/c.conf")' is not systemd-analyze's $b -> $a"
fi
expect_rc 0 "--json" "$HARDEN" learn --from-profile "$W/a.json" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["profile"]["harden_profile"]==1 and d["settings"]' "$W/out" ||
	bad "--json output is not the documented JSON"

# merge is a union, idempotent
expect_rc 0 "merge" "$HARDEN" learn --merge "$W/a.json" "$W/a.json" -o "$W/m.conf" --profile-out "$W/m.json"
[ "$(grep -v '^#' "$W/a.conf")" = "$(grep -v '^#' "$W/m.conf")" ] || bad "merging a profile with itself changes the drop-in"
python3 - "$W/a.json" "$W/m.json" <<'PY' || bad "merged counts are not the sum"
import json, sys
a, m = (json.load(open(p)) for p in sys.argv[1:])
for k, v in a["syscalls"]["x86-64"].items():
    assert m["syscalls"]["x86-64"][k] == 2 * v, k
PY

# hostile profiles: clear errors naming the file, exit 2, never a crash
i=0
while IFS= read -r doc; do
	i=$((i + 1))
	printf '%s' "$doc" >"$W/h$i.json"
	expect_rc 2 "hostile profile $i ($doc)" "$HARDEN" learn --from-profile "$W/h$i.json"
	grep -q "h$i.json" "$W/err" || bad "hostile profile $i: error does not name the file"
done <<'EOF2'
{
[]
{"harden_profile": 2}
{"syscalls": {}}
{"harden_profile": 1, "syscalls": {"sparc": {"read": 1}}}
{"harden_profile": 1, "syscalls": {"x86-64": {"read": -1}}}
{"harden_profile": 1, "syscalls": {"x86-64": {"read": 1.5}}}
{"harden_profile": 1, "syscalls": {"x86-64": {"READ;rm": 1}}}
{"harden_profile": 1, "socket_families": ["AF_NOPE"]}
{"harden_profile": 1, "paths_written": ["relative/path"]}
{"harden_profile": 1, "suid_sgid_modes": ["99999"]}
{"harden_profile": 1, "typo_key": 1}
{"harden_profile": 1} trailing
{"harden_profile": 1, "cap_effective": "0xZZ"}
EOF2
expect_rc 2 "missing profile" "$HARDEN" learn --from-profile "$W/nope.json"

# --pid: attach to a running shell loop, learn until --duration
sh -c 'while :; do cat /etc/hostname >/dev/null; sleep 0.05; done' &
loop=$!
expect_rc 0 "--pid" "$HARDEN" learn --backend=ptrace --pid=$loop --duration=1 --profile-out "$W/pid.json" -o "$W/pid.conf"
kill $loop
wait $loop 2>/dev/null
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["syscalls"]["x86-64"]; assert "wait4" in s and "clone" in s or "clone3" in s or "fork" in s or "vfork" in s, s' "$W/pid.json" ||
	bad "--pid did not see the loop's forks"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["syscalls"]["x86-64"]; assert "openat" in s, s' "$W/pid.json" ||
	bad "--pid did not follow the children (no openat from cat)"

# eBPF: --pid and --cgroup (a cgroup v2 directory), when the backend can run here
if "$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>/dev/null; then
	sh -c 'while :; do cat /etc/hostname >/dev/null; sleep 0.05; done' &
	loop=$!
	expect_rc 0 "ebpf --pid" "$HARDEN" learn --backend=ebpf --pid=$loop --duration=1 --profile-out "$W/epid.json" -o /dev/null
	kill $loop
	wait $loop 2>/dev/null
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["syscalls"]["x86-64"]; assert "openat" in s and "wait4" in s, s' "$W/epid.json" ||
		bad "ebpf --pid did not follow the loop and its children"
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	mounted_cg2=
	# a host on cgroup v1 only (as CI's may be): the unified hierarchy can still be mounted beside it
	if [ -z "$cg2" ] && [ "$(id -u)" = 0 ] && mkdir -p "$W/cg2" && mount -t cgroup2 none "$W/cg2" 2>/dev/null; then
		cg2=$W/cg2 mounted_cg2=1
	fi
	if [ -n "$cg2" ] && mkdir "$cg2/harden-learn-$$" 2>/dev/null; then
		sh -c "echo \$\$ >$cg2/harden-learn-$$/cgroup.procs; while :; do cat /etc/hostname >/dev/null; sleep 0.05; done" &
		loop=$!
		sleep 0.3
		expect_rc 0 "ebpf --cgroup" "$HARDEN" learn --cgroup="$cg2/harden-learn-$$" --duration=1 --profile-out "$W/cg.json" -o /dev/null
		grep -q 'backend ebpf' "$W/err" || bad "--cgroup did not say it used eBPF"
		kill $loop
		wait $loop 2>/dev/null
		python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["syscalls"]["x86-64"]; assert "openat" in s, s' "$W/cg.json" ||
			bad "--cgroup saw nothing of the processes in the cgroup"
		# what ran before the session (the shell) and during it (cat) are both executables of the profile
		python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["executables"]; assert any(x.endswith("/cat") for x in e) and any(x.endswith("sh") for x in e), e' "$W/cg.json" ||
			bad "--cgroup: the executables miss the process already there or the one started: $(grep -A4 executables "$W/cg.json" | tr -d '\n ')"
		for i in 1 2 3 4 5; do rmdir "$cg2/harden-learn-$$" 2>/dev/null && break; sleep 0.3; done
		[ -z "$mounted_cg2" ] || umount "$cg2"
	else
		echo "note: no writable cgroup v2 hierarchy: --cgroup not tested"
	fi
	expect_rc 1 "--cgroup with ptrace" "$HARDEN" learn --backend=ptrace --cgroup=/nonexistent --duration=1
else
	echo "note: eBPF backend not usable here: --pid/--cgroup with eBPF not tested"
fi
exit $fail
