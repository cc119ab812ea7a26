#!/bin/sh
# harden learn --unit FILE --while: what systemd sets up before ExecStart= (issue: Debian's ssh.service
# would not learn, "Missing privilege separation directory: /run/sshd"). RuntimeDirectory= and its kin
# are made with their modes and User= as owner (ConfigurationDirectory= stays root's), named in
# $RUNTIME_DIRECTORY and friends; the runtime one is removed at the end unless
# RuntimeDirectoryPreserve=yes; TimeoutStopSec= bounds the stop of a daemon that ignores SIGTERM.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: User= and /run need root"; exit 77; }
W=$(mktemp -d)
# a name of this run's own under /run, /var/lib, ...: never empty (the cleanup removes it)
name=hd-dirs-$$
: "${name:?}"
cleanup() {
	rm -rf "$W"
	for base in /run /var/lib /var/cache /var/log /etc; do
		rm -rf "${base:?}/${name:?}"
	done
}
trap cleanup EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
chmod 755 "$W"
# the service: records what it finds, then serves until stopped (ignoring TERM when its argument says so)
{
	echo '#!/bin/sh'
	echo '[ "$1" = stubborn ] && trap "" TERM'
	echo "seen=/var/lib/$name/sub/seen"
	echo '{ echo "RUNTIME_DIRECTORY=$RUNTIME_DIRECTORY"; echo "STATE_DIRECTORY=$STATE_DIRECTORY"'
	echo '  echo "LOGS_DIRECTORY=$LOGS_DIRECTORY"; echo "CONFIGURATION_DIRECTORY=$CONFIGURATION_DIRECTORY"'
	echo '  echo "pwd=$(pwd)"'
	echo "  stat -c '%n %a %U' /run/$name /var/lib/$name/sub /var/log/$name /etc/$name; } >\"\$seen\""
	echo "touch /run/$name/sock"
	echo 'exec sleep 7317'
} >"$W/main.sh"
chmod 755 "$W/main.sh"
{
	echo '[Service]'
	echo 'User=nobody'
	echo "ExecStartPre=/bin/test -d /run/$name"
	echo "ExecStart=$W/main.sh \${MODE}"
	echo 'Environment=MODE=plain'
	echo "RuntimeDirectory=$name"
	echo 'RuntimeDirectoryMode=0750'
	echo "StateDirectory=$name/sub"
	echo "LogsDirectory=$name"
	echo "ConfigurationDirectory=$name"
	echo "WorkingDirectory=/var/lib/$name/sub"
} >"$W/d.service"
"$HARDEN" learn --unit "$W/d.service" --while 'sleep 0.3' -o "$W/d.conf" >"$W/out" 2>"$W/err" ||
	bad "learn exited $?: $(tail -5 "$W/err")"
seen=/var/lib/$name/sub/seen
if [ -f "$seen" ]; then
	grep -qx "RUNTIME_DIRECTORY=/run/$name" "$seen" || bad "RUNTIME_DIRECTORY: $(cat "$seen")"
	grep -qx "STATE_DIRECTORY=/var/lib/$name/sub" "$seen" || bad "STATE_DIRECTORY: $(cat "$seen")"
	grep -qx "LOGS_DIRECTORY=/var/log/$name" "$seen" || bad "LOGS_DIRECTORY: $(cat "$seen")"
	grep -qx "CONFIGURATION_DIRECTORY=/etc/$name" "$seen" || bad "CONFIGURATION_DIRECTORY: $(cat "$seen")"
	grep -qx "pwd=/var/lib/$name/sub" "$seen" || bad "WorkingDirectory= inside StateDirectory=: $(cat "$seen")"
	grep -qx "/run/$name 750 nobody" "$seen" || bad "the runtime directory's mode or owner: $(cat "$seen")"
	grep -qx "/var/lib/$name/sub 755 nobody" "$seen" || bad "the state directory's mode or owner: $(cat "$seen")"
	grep -qx "/etc/$name 755 root" "$seen" || bad "the configuration directory is not root's: $(cat "$seen")"
else
	bad "the service did not run: $(tail -5 "$W/err")"
fi
[ "$(stat -c '%U' "/var/lib/$name")" = root ] || bad "a parent the state directory needed is not root's"
[ -e "/run/$name" ] && bad "the runtime directory was left after the stop"
[ -d "/var/lib/$name/sub" ] || bad "the state directory was removed"
grep -q '^SystemCallFilter=' "$W/d.conf" || bad "no drop-in: $(tail -5 "$W/err")"

# an entry systemd refuses (absolute, "..") stops the start with FILE:LINE, before anything runs
printf '[Service]\nExecStart=/bin/true\nStateDirectory=/abs\n' >"$W/bad.service"
"$HARDEN" learn --unit "$W/bad.service" --while true -o "$W/bad.conf" >"$W/out" 2>"$W/err"
[ $? != 0 ] && grep -q "bad.service:3: error: StateDirectory=/abs: the entry must be a relative path" "$W/err" ||
	bad "StateDirectory=/abs: not refused naming file:line: $(cat "$W/err")"
[ -e "$W/bad.conf" ] && bad "StateDirectory=/abs: a drop-in was written"

# RuntimeDirectoryPreserve=yes keeps it; TimeoutStopSec= bounds a daemon that ignores TERM
sed -i -e 's/^Environment=MODE=plain/Environment=MODE=stubborn/' "$W/d.service"
printf 'RuntimeDirectoryPreserve=yes\nTimeoutStopSec=1500ms\n' >>"$W/d.service"
start=$(date +%s)
"$HARDEN" learn --unit "$W/d.service" --while 'sleep 0.3' -o "$W/d2.conf" >"$W/out" 2>"$W/err2"
took=$(($(date +%s) - start))
[ -d "/run/$name" ] || bad "RuntimeDirectoryPreserve=yes: the runtime directory was removed"
[ "$took" -lt 8 ] || bad "TimeoutStopSec=1500ms: the stop took ${took}s (learn's default is 10 s)"
grep -q 'SIGKILL' "$W/err2" || bad "the daemon that ignored TERM is not said to have been killed: $(tail -3 "$W/err2")"
if pgrep -f 'sleep 7317' >/dev/null; then
	bad "the daemon was left running"
	pkill -f 'sleep 7317'
fi
exit $fail
