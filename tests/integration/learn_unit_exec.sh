#!/bin/sh
# harden learn --unit FILE --while: the unit is started as systemd starts it: EnvironmentFile= (quoted
# values, "-" for a missing file, overriding Environment=), $VAR/${VAR}/$$ in ExecStart=, ExecStartPre=
# (each in order, as the unit's user, observed; "+" unobserved; "-" failure ignored; a failing one stops
# the learn) and ExecStop= (with $MAINPID, before the signal; observed, "+" not). On both backends.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: User= needs root"; exit 77; }
W=$(mktemp -d)
# the daemons sleep for an odd number of seconds, so that leftovers are found by that argument only
leftovers() { pgrep -f "sleep 7${1}5" >/dev/null; }
# the service's main process, if a failed run left it: by its recorded pid
trap 'p=$(cat "$W/www/pid" 2>/dev/null) && kill "$p" 2>/dev/null; rm -rf "$W"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
chmod 755 "$W" && mkdir "$W/www" && chmod 777 "$W/www" # User=nobody must reach it

# the environment file: a comment, a double-quoted value with an escaped quote and two spaces, a
# continued line, a value that overrides Environment=
cat >"$W/env" <<'EOF'
# the greeting
; another comment
MSG="hello  \"quoted\" world"
WORDS=alpha \
beta
OVER=from-file
EOF
cat >"$W/main.sh" <<EOF
#!/bin/sh
# needs what ExecStartPre= made; records its arguments, one per line
[ -e $W/www/link ] || exit 9
for a in "\$@"; do printf '%s\n' "\$a"; done >$W/www/args
echo "\$OVER" >$W/www/over
exec sleep \$1
EOF
chmod 755 "$W/main.sh"
mkunit() { # $1: the sleep's number, $2: the backend's number
	cat >"$W/u.service" <<EOF
[Service]
User=nobody
WorkingDirectory=$W/www
Environment=OVER=from-unit WORDS=none
EnvironmentFile=$W/env
EnvironmentFile=-$W/no-such.env
ExecStartPre=/bin/sh -c 'id -un >preuser; echo made >prefile'
ExecStartPre=/bin/ln -s $W/www/prefile $W/www/link
ExecStartPre=-/bin/false
ExecStartPre=/bin/sh -c 'sleep 79${2}7 & :'
ExecStartPre=@/bin/sh given-name -c 'echo \$0 >argv0'
ExecStartPre=+/bin/sh -c 'id -un >$W/www/plususer; mkfifo $W/www/fifo'
ExecStart=$W/main.sh $1 \${MSG} \$WORDS cost=\$\$5 \$UNSET end
ExecStop=/bin/sh -c 'kill -0 \$MAINPID && echo "\$MAINPID \$(id -un)" >$W/www/stopmark && sync'
ExecStop=+/bin/sh -c 'mkfifo $W/www/fifo2'
EOF
}

backends=ptrace
if "$HARDEN" learn --backend=ebpf -o /dev/null -- true >/dev/null 2>"$W/probe"; then
	backends="ptrace ebpf"
else
	echo "note: the eBPF backend cannot run here ($(tail -1 "$W/probe")): ptrace only"
fi
n=0
for be in $backends; do
	n=$((n + 1))
	rm -f "$W/www/"*
	mkunit "7${n}5" "$n"
	timeout 120 "$HARDEN" learn --backend="$be" --unit "$W/u.service" --ready-after=0.5 --stop-timeout=5 \
		--profile-out "$W/p.json" -o "$W/d.conf" --while "pgrep -xf 'sleep 7${n}5' >$W/www/pid" \
		>"$W/out" 2>"$W/err"
	[ $? = 0 ] || bad "$be: rc not 0: $(cat "$W/err")"
	printf '%s\n' 7${n}5 'hello  "quoted" world' alpha beta 'cost=$5' end >"$W/want"
	cmp -s "$W/want" "$W/www/args" || bad "$be: ExecStart= arguments: $(cat "$W/www/args" 2>&1)"
	[ "$(cat "$W/www/over" 2>&1)" = from-file ] || bad "$be: EnvironmentFile= does not override Environment="
	[ "$(cat "$W/www/preuser" 2>&1)" = nobody ] || bad "$be: ExecStartPre= not run as User="
	[ "$(cat "$W/www/argv0" 2>&1)" = given-name ] || bad "$be: ExecStartPre=@: argv[0] is not the given name"
	[ "$(cat "$W/www/plususer" 2>&1)" = root ] || bad "$be: ExecStartPre=+ not run as root"
	grep -q 'ExecStartPre=-/bin/false exited with status 1: ignored' "$W/err" || bad "$be: no note on -/bin/false"
	grep -q 'ExecStartPre=+/bin/sh runs without the sandbox' "$W/err" || bad "$be: no note on +"
	[ "$(cat "$W/www/stopmark" 2>&1)" = "$(cat "$W/www/pid") nobody" ] ||
		bad "$be: ExecStop= not run with MAINPID while the service ran: $(cat "$W/www/stopmark" 2>&1)"
	grep -q 'ExecStop= ran (2 commands)' "$W/err" || bad "$be: ExecStop= not reported"
	[ -p "$W/www/fifo2" ] || bad "$be: ExecStop=+ did not run"
	# ExecStop= runs under the service's filter (systemd): its calls are learned, sync() only it makes;
	# the "+" one's are not (mknodat, checked below)
	grep -q '"sync"' "$W/p.json" || bad "$be: ExecStop='s sync is not in the profile"
	grep -q '"ExecStop=/bin/sh -c' "$W/p.json" || bad "$be: the profile does not name the ExecStop= it came from"
	# symlinkat is made only by the ln of ExecStartPre=: learned; mknodat only by the "+" one: not
	grep -q '"symlinkat"' "$W/p.json" || bad "$be: ExecStartPre='s symlinkat is not in the profile"
	grep -Eq '^SystemCallFilter=.*(symlinkat|@file-system)' "$W/d.conf" || bad "$be: symlinkat is not in the drop-in"
	grep -Eq '"mknodat?"' "$W/p.json" && bad "$be: the \"+\" ExecStartPre='s mknodat was learned"
	leftovers "$n" && bad "$be: a process is still running"
	grep -q 'ExecStartPre=/bin/sh left processes running in its process group: ended' "$W/err" ||
		bad "$be: no note on what an ExecStartPre= left running"
	pgrep -f "sleep 79${n}7" >/dev/null && bad "$be: what an ExecStartPre= left running is still there"
done

# a failing ExecStartPre= stops the learn: no ExecStart=, no workload, the old drop-in stays
echo keep >"$W/d.conf"
printf '[Service]\nExecStartPre=/bin/true\nExecStartPre=/bin/sh -c "exit 3"\nExecStart=/bin/sh -c "touch %s/started; exec sleep 795"\n' \
	"$W" >"$W/f.service"
timeout 60 "$HARDEN" learn --unit "$W/f.service" --ready-after=0.3 -o "$W/d.conf" --while "touch $W/ran" >"$W/out" 2>"$W/err"
[ $? = 1 ] || bad "failing ExecStartPre: rc not 1"
grep -q "f.service:3: error: ExecStartPre=/bin/sh exited with status 3: the service would not start" "$W/err" ||
	bad "failing ExecStartPre: message: $(cat "$W/err")"
[ -e "$W/started" ] || [ -e "$W/ran" ] && bad "failing ExecStartPre: the service or the workload ran"
[ "$(cat "$W/d.conf")" = keep ] || bad "failing ExecStartPre: the drop-in was touched"

# a failing ExecStop=: a finding (exit 1), the drop-in still written, the service stopped by the signal
printf '[Service]\nExecStart=/bin/sleep 785\nExecStop=/bin/false\n' >"$W/s.service"
rm -f "$W/d.conf"
timeout 60 "$HARDEN" learn --unit "$W/s.service" --ready-after=0.3 -o "$W/d.conf" --while true >"$W/out" 2>"$W/err"
[ $? = 1 ] || bad "failing ExecStop: rc not 1"
grep -q "s.service:3: ExecStop=/bin/false exited with status 1: a finding" "$W/err" || bad "failing ExecStop: $(cat "$W/err")"
grep -q '^SystemCallFilter=' "$W/d.conf" || bad "failing ExecStop: no drop-in"
leftovers 8 && bad "failing ExecStop: the service is still running"

# ExecReload= is not run: said, since systemd would run it under the drop-in on `systemctl reload`
printf '[Service]\nExecStart=/bin/sleep 786\nExecReload=/bin/kill -HUP $MAINPID\n' >"$W/r.service"
timeout 60 "$HARDEN" learn --unit "$W/r.service" --ready-after=0.3 -o "$W/d.conf" --while true >"$W/out" 2>"$W/err"
[ $? = 0 ] || bad "ExecReload: rc not 0: $(cat "$W/err")"
grep -q 'note: .*r.service: ExecReload= is not run, so its calls are not learned' "$W/err" || bad "ExecReload: no note: $(cat "$W/err")"
# --reload: ExecReload= runs once the service is up, observed; the daemon's own reload path is learned too
printf '#!/bin/sh\ntrap "mkfifo %s/www/reloaded" HUP\nwhile :; do sleep 0.1; done\n' "$W" >"$W/hup.sh"
chmod 755 "$W/hup.sh"
printf '[Service]\nExecStart=%s/hup.sh\nExecReload=/bin/kill -HUP $MAINPID\n' "$W" >"$W/r.service"
rm -f "$W/www/reloaded"
timeout 60 "$HARDEN" learn --unit "$W/r.service" --reload --ready-after=0.3 --profile-out "$W/rl.json" -o "$W/d.conf" \
	--while "test -p $W/www/reloaded" >"$W/out" 2>"$W/err"
[ $? = 0 ] || bad "--reload: rc not 0 (the workload checks the reload happened first): $(cat "$W/err")"
grep -q 'ExecReload= ran (1 command) once the service was up' "$W/err" || bad "--reload: not said: $(cat "$W/err")"
grep -q 'ExecReload= is not run' "$W/err" && bad "--reload: still said not to run"
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); s=p["syscalls"]["x86-64"]; assert "kill" in s and "mknodat" in s, sorted(s)' "$W/rl.json" ||
	bad "--reload: the reload's calls (kill from ExecReload=, mknodat from the daemon's handler) are not learned"
pkill -f "$W/hup.sh" 2>/dev/null
echo keep >"$W/d.conf"

# a "+" ExecReload= runs with no sandbox under systemd: nothing of it is missing from the drop-in
printf '[Service]\nExecStart=/bin/sleep 786\nExecReload=+/bin/kill -HUP $MAINPID\n' >"$W/r.service"
timeout 60 "$HARDEN" learn --unit "$W/r.service" --ready-after=0.3 -o "$W/d.conf" --while true >"$W/out" 2>"$W/err"
grep -q 'ExecReload= is not run' "$W/err" && bad "ExecReload=+: said to run under the filter: $(cat "$W/err")"
echo keep >"$W/d.conf"

# a bad environment file (not UTF-8) and a missing one without "-": refused naming the file and line
printf 'A=1\nB=\377\n' >"$W/bad.env"
printf '[Service]\nEnvironmentFile=%s/bad.env\nExecStart=/bin/sleep 795\n' "$W" >"$W/e.service"
timeout 60 "$HARDEN" learn --unit "$W/e.service" --ready-after=0.3 -o "$W/d.conf" --while "touch $W/ran" >"$W/out" 2>"$W/err"
[ $? = 1 ] || bad "bad EnvironmentFile: rc not 1"
grep -q "$W/bad.env:2: error: EnvironmentFile=: not valid UTF-8" "$W/err" || bad "bad EnvironmentFile: $(cat "$W/err")"
printf '[Service]\nEnvironmentFile=%s/none.env\nExecStart=/bin/sleep 795\n' "$W" >"$W/m.service"
timeout 60 "$HARDEN" learn --unit "$W/m.service" --ready-after=0.3 -o "$W/d.conf" --while "touch $W/ran" >"$W/out" 2>"$W/err"
[ $? = 1 ] || bad "missing EnvironmentFile: rc not 1"
grep -q "m.service:2: EnvironmentFile=$W/none.env: no such file" "$W/err" || bad "missing EnvironmentFile: $(cat "$W/err")"
[ -e "$W/ran" ] && bad "bad EnvironmentFile: the workload ran"
[ "$(cat "$W/d.conf")" = keep ] || bad "bad EnvironmentFile: the drop-in was touched"
leftovers 9 && bad "a process is still running"
exit $fail
