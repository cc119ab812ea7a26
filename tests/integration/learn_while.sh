#!/bin/sh
# harden learn --while WORKLOAD -- DAEMON: the faults a service run can meet, each with its message, no
# process left running and no drop-in half-written (or, where nothing was learned, none at all).
set -u
: "${HARDEN:?}"
W=$(mktemp -d)
# the daemons below sleep for an odd number of seconds, so that leftovers are found by that argument only
leftovers() { pgrep -f "sleep 7${1}3" >/dev/null; }
trap 'rm -rf "$W"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
learn() { timeout 60 "$HARDEN" learn -o "$W/d.conf" "$@" >"$W/out" 2>"$W/err"; }

# a failing workload is a finding, and the drop-in is still written
learn --ready-after=0.2 --while 'exit 4' -- sleep 713
[ $? = 1 ] || bad "failing workload: rc not 1"
grep -q 'the workload exited with status 4: a finding (the drop-in is still written' "$W/err" || bad "failing workload: no message: $(cat "$W/err")"
grep -q '^SystemCallFilter=' "$W/d.conf" || bad "failing workload: no drop-in"
leftovers 1 && bad "failing workload: the daemon is still running"

# a daemon that exits at once: the workload is not run, and the old drop-in stays as it was
echo keep >"$W/d.conf"
learn --ready-after=5 --while "touch $W/ran" -- sh -c 'exit 3'
[ $? = 1 ] || bad "early exit: rc not 1"
grep -q 'the daemon exited with status 3 before it was up: the workload was not run; no drop-in written' "$W/err" ||
	bad "early exit: no message: $(cat "$W/err")"
[ -e "$W/ran" ] && bad "early exit: the workload ran"
[ "$(cat "$W/d.conf")" = keep ] || bad "early exit: the drop-in was touched"

# a daemon that cannot be executed
printf 'not a program\n' >"$W/noexec"
learn --while "touch $W/ran" -- "$W/noexec"
[ $? = 1 ] || bad "not executable: rc not 1"
grep -q "cannot run $W/noexec: Permission denied" "$W/err" || bad "not executable: no message: $(cat "$W/err")"
[ -e "$W/ran" ] && bad "not executable: the workload ran"
[ "$(cat "$W/d.conf")" = keep ] || bad "not executable: the drop-in was touched"
ls "$W" | grep -q 'd.conf.' && bad "a temporary drop-in was left behind"

# a daemon (and its child) that ignore SIGTERM: SIGKILL after --stop-timeout, said so, nothing left
start=$(date +%s)
learn --ready-after=0.2 --stop-timeout=1 --while true -- sh -c 'trap "" TERM; sleep 723 & wait; wait'
[ $? = 1 ] || bad "ignores TERM: rc not 1"
grep -q 'the daemon ignored TERM for 1.0 s: killed with SIGKILL' "$W/err" || bad "ignores TERM: no message: $(cat "$W/err")"
[ $(($(date +%s) - start)) -lt 20 ] || bad "ignores TERM: took too long"
leftovers 2 && bad "ignores TERM: a process is still running"

# harden itself killed mid-run (both backends if eBPF runs here): no daemon left
backends=ptrace
"$HARDEN" learn --backend=ebpf -o /dev/null -- true 2>/dev/null && backends="$backends ebpf"
for be in $backends; do
	"$HARDEN" learn --backend=$be -o "$W/k.conf" --ready-after=0.2 --while 'sleep 733' -- sh -c 'sleep 743 & sleep 753' \
		>/dev/null 2>&1 &
	hp=$!
	# the workload itself, not harden (whose command line holds the same words)
	for i in $(seq 1 40); do pgrep -f '^sleep 733$' >/dev/null && break; sleep 0.5; done
	pgrep -f '^sleep 733$' >/dev/null || bad "$be: the workload never started"
	kill -KILL $hp
	wait $hp 2>/dev/null
	for i in $(seq 1 40); do leftovers '[345]' || break; sleep 0.5; done
	leftovers '[345]' && bad "$be: harden killed: a process is still running: $(pgrep -af 'sleep 7[345]3')"
	[ -e "$W/k.conf" ] && bad "$be: harden killed: a drop-in was written"
done

# a unit with no ExecStart=, or one whose program is not there: said so with the file, nothing run, and
# the old drop-in stays as it was
echo keep >"$W/d.conf"
printf '[Service]\nUser=nobody\n' >"$W/none.service"
printf '[Service]\nExecStart=%s/missing-daemon\n' "$W" >"$W/gone.service"
for u in none gone; do
	learn --unit "$W/$u.service" --while "touch $W/ran"
	[ $? = 1 ] || bad "$u.service: rc not 1"
	case $u in
	none) grep -q 'no ExecStart=' "$W/err" || bad "no ExecStart=: no message: $(cat "$W/err")" ;;
	gone) grep -q "$u.service:2: error: ExecStart=: $W/missing-daemon: no such file" "$W/err" ||
		bad "missing ExecStart= program: no file:line message: $(cat "$W/err")" ;;
	esac
	grep -q "$u.service: cannot start its service (see above); nothing run, no drop-in written" "$W/err" ||
		bad "$u.service: no closing message: $(cat "$W/err")"
	[ -e "$W/ran" ] && bad "$u.service: the workload ran"
	[ "$(cat "$W/d.conf")" = keep ] || bad "$u.service: the drop-in was touched"
done

# --unit FILE without a daemon: ExecStart=, User=, WorkingDirectory=, Environment=, KillSignal= as systemd
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$W" && mkdir "$W/www" && chmod 777 "$W/www" # User=nobody must reach it
	cat >"$W/d.service" <<EOF
[Service]
ExecStart=/bin/sh -c 'trap "echo got INT >$W/www/sig; exit 0" INT; sleep 773; :'
User=nobody
WorkingDirectory=$W/www
Environment="GREETING=hello world" A=1
KillSignal=SIGINT
EOF
	learn --unit "$W/d.service" --ready-after=0.3 --stop-timeout=3 --while \
		"p=\$(pgrep -xf 'sleep 773'); readlink /proc/\$p/cwd; stat -c %U /proc/\$p; tr '\\0' '\\n' </proc/\$p/environ"
	[ $? = 0 ] || bad "--unit: rc not 0: $(cat "$W/err")"
	grep -qx "$W/www" "$W/out" || bad "--unit: WorkingDirectory= not applied: $(cat "$W/out")"
	grep -qx nobody "$W/out" || bad "--unit: User= not applied"
	grep -qx 'GREETING=hello world' "$W/out" && grep -qx A=1 "$W/out" || bad "--unit: Environment= not applied"
	grep -qx 'HOME=/nonexistent' "$W/out" || bad "--unit: HOME is not User='s"
	grep -q '^HARDEN=' "$W/out" && bad "--unit: harden's own environment leaked"
	[ "$(cat "$W/www/sig" 2>/dev/null)" = "got INT" ] || bad "--unit: KillSignal=SIGINT not sent"
	leftovers 7 && bad "--unit: a process is still running"
	printf '[Service]\nExecStart=%s\n' "$W/noexec" >"$W/bad.service"
	learn --unit "$W/bad.service" --while "touch $W/ran"
	[ $? = 1 ] || bad "--unit not executable: rc not 1"
	grep -q "bad.service:2: error: ExecStart=: $W/noexec: not an executable file" "$W/err" ||
		bad "--unit not executable: $(cat "$W/err")"
	[ -e "$W/ran" ] && bad "--unit not executable: the workload ran"
	# Type=forking: the main process exits, the daemon it left (setsid) is stopped all the same
	cat >"$W/forkd" <<EOF
#!/bin/sh
setsid sh -c 'echo \$\$ >$W/f.pid; exec sleep 783' </dev/null >/dev/null 2>&1 &
EOF
	chmod +x "$W/forkd"
	printf '[Service]\nType=forking\nPIDFile=%s/f.pid\nExecStart=%s/forkd\n' "$W" "$W" >"$W/f.service"
	learn --unit "$W/f.service" --ready-after=0.3 --while "kill -0 \$(cat $W/f.pid)"
	[ $? = 0 ] || bad "Type=forking: rc not 0: $(cat "$W/err")"
	leftovers 8 && bad "Type=forking: the forked daemon is still running"
	# KillMode=mixed: KillSignal= to the main process alone, which stops its child itself (as nginx's master
	# does its workers): that kill() is seen; the child, told by the master, records who signalled it
	cat >"$W/master.py" <<EOF
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
child = os.fork()
if child == 0:
    info = signal.sigwaitinfo([signal.SIGTERM])
    open("$W/sender", "w").write(str(info.si_pid))
    os._exit(0)
open("$W/master", "w").write(str(os.getpid()))
signal.sigwaitinfo([signal.SIGTERM])
if sys.argv[1] == "relay":
    os.kill(child, signal.SIGTERM)
os.waitpid(child, 0)
EOF
	for mode in mixed control-group; do
		rm -f "$W/sender" "$W/master"
		# under control-group the master only waits: had it relayed the signal too, which TERM the child
		# took first (harden's or the master's) would be a race
		[ $mode = mixed ] && how=relay || how=wait
		printf '[Service]\nExecStart=%s %s/master.py %s\nKillMode=%s\n' "$(command -v python3)" "$W" $how $mode >"$W/m.service"
		learn --unit "$W/m.service" --ready-after=0.5 --stop-timeout=5 --profile-out="$W/m.json" \
			--while "until [ -s $W/master ]; do sleep 0.1; done"
		[ $? = 0 ] || bad "KillMode=$mode: rc not 0: $(cat "$W/err")"
		case $mode in
		mixed)
			[ "$(cat "$W/sender" 2>/dev/null)" = "$(cat "$W/master" 2>/dev/null)" ] ||
				bad "KillMode=mixed: the child was not stopped by the main process (sender $(cat "$W/sender" 2>/dev/null))"
			grep -q '"kill"' "$W/m.json" || bad "KillMode=mixed: the main process's kill() was not observed"
			grep -q 'SIGKILL' "$W/err" && bad "KillMode=mixed: a SIGKILL was reported: $(cat "$W/err")" ;;
		control-group)
			[ -s "$W/sender" ] && [ "$(cat "$W/sender")" != "$(cat "$W/master")" ] ||
				bad "KillMode=control-group: the child was not signalled with the rest" ;;
		esac
	done
	# an empty KillMode= is the default again, as in systemd: not an error
	printf '[Service]\nExecStart=/bin/sleep 793\nKillMode=mixed\nKillMode=\n' >"$W/ke.service"
	learn --unit "$W/ke.service" --ready-after=0.2 --while true
	[ $? = 0 ] || bad "empty KillMode=: rc not 0: $(cat "$W/err")"
	leftovers 9 && bad "empty KillMode=: a process is still running"
	printf '[Service]\nExecStart=/bin/true\nKillMode=everything\n' >"$W/km.service"
	learn --unit "$W/km.service" --while true
	[ $? = 1 ] && grep -q 'km.service:3: error: KillMode=everything: not one of' "$W/err" ||
		bad "KillMode=everything: no file:line error: $(cat "$W/err")"
else
	echo "note: the --unit checks (User=) need root: not run"
fi
exit $fail
