#!/bin/sh
# learn --unit with Type=forking: PIDFile= is written by the daemon, which may run as any user. A number
# in it that names another process (here a `sleep` of the test's, root's) must never be signalled by
# harden (which runs as root): it is refused, said so, and the learn fails with no drop-in, as systemd
# fails such a start. A PIDFile= naming the daemon's own process is still followed.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "skip: needs root (User=nobody)"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "skip: no user nobody"; exit 77; }
W=$(mktemp -d)
victim=
cleanup() { [ -n "$victim" ] && kill "$victim" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
chmod 755 "$W"
mkdir "$W/run" && chown nobody "$W/run" # the daemon's own runtime directory, as RuntimeDirectory= gives

# the process the daemon points at: not the service's (started here, by root)
sleep 797 &
victim=$!
cat >"$W/forkd" <<EOF2
#!/bin/sh
# a daemon left running (so the service is up), and someone else's pid in the PID file
sleep 791 </dev/null >/dev/null 2>&1 &
echo "\$VICTIM" >$W/run/d.pid
EOF2
chmod 755 "$W/forkd"
for backend in ptrace ebpf; do
	if [ $backend = ebpf ] && ! "$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>/dev/null; then
		echo "note: eBPF learning does not run here: ptrace only"
		continue
	fi
	printf '[Service]\nType=forking\nUser=nobody\nEnvironment=VICTIM=%s\nPIDFile=%s/run/d.pid\nExecStart=%s/forkd\n' \
		"$victim" "$W" "$W" >"$W/d.service"
	echo keep >"$W/d.conf"
	rm -f "$W/run/d.pid" "$W/ran"
	timeout 60 "$HARDEN" learn --backend=$backend -o "$W/d.conf" --unit "$W/d.service" --ready-after=0.5 \
		--stop-timeout=2 --while "touch $W/ran" >"$W/out" 2>"$W/err"
	rc=$?
	kill -0 "$victim" 2>/dev/null || bad "$backend: the unrelated process named by PIDFile= was killed"
	[ $rc = 1 ] || bad "$backend: rc $rc, not 1: $(cat "$W/err")"
	grep -q "PIDFile=$W/run/d.pid names PID $victim, which is not a process of the service: refused" "$W/err" ||
		bad "$backend: no refusal said: $(cat "$W/err")"
	grep -q "; the file .*owned by uid $(id -u nobody), so another user than root could have written it" "$W/err" ||
		bad "$backend: the unsafe file not explained: $(cat "$W/err")"
	[ -e "$W/ran" ] && bad "$backend: the workload ran"
	[ "$(cat "$W/d.conf")" = keep ] || bad "$backend: a drop-in was written"
	pgrep -f '^sleep 791$' >/dev/null && bad "$backend: the daemon's own process is still running"
	for p in $(pgrep -f '^sleep 791$'); do kill -KILL "$p"; done
	[ -n "$victim" ] && kill -0 "$victim" 2>/dev/null || { sleep 797 & victim=$!; }
done

# the daemon's own pid in the same unsafe file: accepted, the daemon stopped through it
cat >"$W/forkd" <<EOF2
#!/bin/sh
sh -c 'echo \$\$ >$W/run/d.pid; exec sleep 793' </dev/null >/dev/null 2>&1 &
EOF2
printf '[Service]\nType=forking\nUser=nobody\nPIDFile=%s/run/d.pid\nExecStart=%s/forkd\n' "$W" "$W" >"$W/d.service"
rm -f "$W/run/d.pid"
timeout 60 "$HARDEN" learn -o "$W/d.conf" --unit "$W/d.service" --ready-after=0.5 --stop-timeout=2 \
	--while "kill -0 \$(cat $W/run/d.pid)" >"$W/out" 2>"$W/err"
rc=$?
[ $rc = 0 ] || bad "own pid: rc $rc, not 0: $(cat "$W/err")"
grep -q refused "$W/err" && bad "own pid: refused: $(cat "$W/err")"
grep -q '^SystemCallFilter=' "$W/d.conf" || bad "own pid: no drop-in"
pgrep -f '^sleep 793$' >/dev/null && bad "own pid: the daemon is still running"
kill -0 "$victim" 2>/dev/null || bad "own pid: the unrelated process was killed"
exit $fail
