#!/bin/sh
# harden run --unit FILE --while WORKLOAD (no command): the unit's own service is started the way learn
# --unit starts it (one code path: User=, RuntimeDirectory=, ExecStartPre=, ...), each command that
# systemd runs under the sandbox runs under the unit's sandbox with its drop-ins ("+" ones do not), the
# workload runs, the service is stopped, and the exit status says whether the workload passed with
# nothing killed or denied (0) or not (1), each stopped call named with its fix.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: User= needs root"; exit 77; }
# As root the commands run as nobody, who must reach the files: /tmp, not a private $TMPDIR.
W=$(mktemp -d /tmp/harden-run-while.XXXXXX)
trap 'rm -rf "$W"; pkill -f "sleep 7419" 2>/dev/null' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
chmod 755 "$W"
mkdir "$W/www" && chmod 777 "$W/www"
touch "$W/www/f" && chmod 666 "$W/www/f"

# the service: records who it runs as and whether its runtime directory is there, then serves; with
# "chown" as its argument it tries to chown a file every 0.1 s (and carries on when that fails)
{
	echo '#!/bin/sh'
	echo "id -un >$W/www/user"
	echo "pwd >$W/www/pwd"
	echo '[ -d "$RUNTIME_DIRECTORY" ] && echo yes >'"$W/www/rundir"
	echo 'if [ "$1" = chown ]; then'
	echo "	while :; do chown nobody $W/www/f 2>/dev/null; touch $W/www/tried; sleep 0.1; done"
	echo 'fi'
	echo 'exec sleep 7419'
} >"$W/svc.sh"
chmod 755 "$W/svc.sh"
unit() { # NAME ARG [extra lines...]
	n=$1 a=$2
	shift 2
	{
		echo '[Service]'
		echo 'User=nobody'
		echo "RuntimeDirectory=hd-run-while-$$"
		echo "ExecStartPre=/bin/touch $W/www/pre"
		echo "ExecStart=$W/svc.sh $a"
		echo 'SystemCallFilter=@system-service'
		echo 'SystemCallErrorNumber=EPERM'
		for l in "$@"; do echo "$l"; done
	} >"$W/$n.service"
}

# 1. a unit whose sandbox holds: 0; the service ran as nobody with its runtime directory
unit ok plain
"$HARDEN" run --unit "$W/ok.service" --while 'sleep 0.3' --ready-after=0.3 >"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 0 ] || bad "a unit that holds: exit $rc: $(cat "$W/err")"
grep -q 'the workload passed and nothing was stopped; 0 kills, 0 denied calls' "$W/err" || bad "no verdict: $(cat "$W/err")"
[ "$(cat "$W/www/user" 2>/dev/null)" = nobody ] || bad "the service did not run as User=nobody"
[ "$(cat "$W/www/rundir" 2>/dev/null)" = yes ] || bad "RuntimeDirectory= was not made"
[ "$(cat "$W/www/pwd" 2>/dev/null)" = / ] || bad "without WorkingDirectory= the service does not start in / (as systemd starts it): $(cat "$W/www/pwd")"
[ -e "$W/www/pre" ] || bad "ExecStartPre= did not run"
[ -e "/run/hd-run-while-$$" ] && bad "the runtime directory was left"
pgrep -f 'sleep 7419' >/dev/null && bad "the service was left running"

# 2. a drop-in that denies what the service does: 1, each denied call named once with its fix; the
# drop-in of UNIT.service.d/ is read by the commands' sandbox
unit chown chown
mkdir "$W/chown.service.d" && printf '[Service]\nSystemCallFilter=~@chown\n' >"$W/chown.service.d/deny.conf"
chmod -R a+rX "$W/chown.service.d"
# the workload waits (bounded) until the service has tried its chown: a loaded machine is slow to get there
"$HARDEN" run --unit "$W/chown.service" --while "i=0; until [ -e $W/www/tried ] || [ \$i -ge 100 ]; do i=\$((i+1)); sleep 0.1; done; sleep 0.3" \
	--ready-after=0.3 >"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 1 ] || bad "denied calls: exit $rc, want 1: $(cat "$W/err")"
grep -q '^- fchownat: [0-9]* calls\? denied, first fchownat .* by SystemCallFilter= (errno EPERM)' "$W/err" ||
	bad "the denied call is not named: $(cat "$W/err")"
grep -q '^  fix: SystemCallFilter=fchownat$' "$W/err" || bad "no fix for the denied call: $(cat "$W/err")"
grep -q 'the workload passed, but the sandbox stopped calls; 0 kills, 1 denied call' "$W/err" ||
	bad "no verdict for the denied call: $(cat "$W/err")"

# 3. the same call from a "+" ExecStartPre=: no sandbox under systemd, none here
unit plus plain "ExecStartPre=+/bin/chown nobody $W/www/f" 'SystemCallFilter=~@chown'
"$HARDEN" run --unit "$W/plus.service" --while 'sleep 0.3' --ready-after=0.3 >"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 0 ] || bad "a \"+\" ExecStartPre= was sandboxed: exit $rc: $(cat "$W/err")"

# 3b. a call answered ENOSYS that glibc falls back from (a thread's clone3 under RestrictNamespaces=, as
# systemd answers it): named as a fallback, no denial, 0
unit ns plain "ExecStartPre=/usr/bin/python3 -c 'import threading; t = threading.Thread(target=int); t.start(); t.join()'" \
	'RestrictNamespaces=yes'
"$HARDEN" run --unit "$W/ns.service" --while 'sleep 0.3' --ready-after=0.3 >"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 0 ] || bad "an ENOSYS fallback counted as a denial: exit $rc: $(cat "$W/err")"
grep -q '^  fallback: ENOSYS makes glibc retry with clone' "$W/err" || bad "clone3's fallback is not named: $(cat "$W/err")"
grep -q 'the workload passed and nothing was stopped; 0 kills, 0 denied calls (and a call answered ENOSYS' "$W/err" ||
	bad "no verdict for the fallback: $(cat "$W/err")"

# 4. a filter that kills the service: 1, the kill named, the workload not run
unit kill plain 'SystemCallFilter=~nanosleep clock_nanosleep:kill'
"$HARDEN" run --json --unit "$W/kill.service" --while "touch $W/www/workload-ran" --ready-after=0.3 >"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 1 ] || bad "a killed service: exit $rc, want 1: $(cat "$W/err")"
grep -q 'blocked clock_nanosleep .*: killed' "$W/err" || bad "the kill is not named: $(cat "$W/err")"
tail -1 "$W/err" | python3 -c 'import json,sys; o=json.loads(sys.stdin.read()); assert o["killed"]==1 and not o["passed"] and not o["workload_ran"], o' ||
	bad "--json verdict: $(tail -1 "$W/err")"
[ -e "$W/www/workload-ran" ] && bad "the workload ran although the service never came up"

# 5. a failing workload: 1; usage errors: 2
unit ok2 plain
"$HARDEN" run --unit "$W/ok2.service" --while 'exit 3' --ready-after=0.3 >"$W/out" 2>"$W/err"
[ $? = 1 ] && grep -q 'the workload failed' "$W/err" || bad "a failing workload: $(cat "$W/err")"
"$HARDEN" run --while true -- true >/dev/null 2>&1
[ $? = 2 ] || bad "--while without --unit is not a usage error"
"$HARDEN" run --unit "$W/ok2.service" --while true -- true >/dev/null 2>&1
[ $? = 2 ] || bad "--while with a command is not a usage error"
exit $fail
