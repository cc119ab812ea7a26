#!/bin/sh
# harden apply against systemd 252 as PID 1 of the container the suite boots (container-common.sh): nginx
# (127.0.0.1 of the container's own netns) as a unit, and
#  1. a drop-in it survives: kept, the exposure lower after than before, nginx serves, the record says kept;
#  2. a drop-in that kills nginx's master with SIGSYS at start (SystemCallFilter=~@chown, no
#     SystemCallErrorNumber=): rolled back to the drop-in of step 1, nginx serves again, and the report
#     names the death and (from the core the container's systemd-coredump keeps) chown and its fix;
#  3. a drop-in whose ProtectSystem=strict breaks the writes nginx needs: rolled back, the journal shown,
#     and (the unit followed by eBPF from before its start) each write it made fail named with
#     ProtectSystem=strict and its fix (ReadWritePaths=), in --json's enforce_denied and in the text;
#  4. --undo after step 1's kept apply: the state before it (no drop-in) is back;
#  5. harden killed in the middle of the watch: the next --undo finds the record and restores;
#  6. the shadow stage (step 1 runs it too: a fitting drop-in, nothing reported): a drop-in too tight for
#     the workload (accept4 denied, ProtectSystem=strict without ReadWritePaths= for nginx's files):
#     --shadow-only names accept4 and nginx's error log with their fixes, exits 1 and changes nothing;
#     --shadow-only --fold=FILE writes a folded drop-in (exit 0: it denies nothing seen); apply --fold
#     folds, enforces and keeps it, and nginx serves;
#  7. a unit systemd does not know, a template, and no systemd at all (the host): exit 2, nothing changed.
# The shadow stage runs inside the container (in_ct, as apply does: the container has no user namespace,
# so root there holds the host's capabilities and bpf() works; its /sys has the kernel's BTF; the unit's
# ControlGroup is found under the container's own cgroup2 mount, whose directory is the same cgroup, by
# inode, as the host sees). Its workload reloads nginx (ExecReload=: the master reopens its logs and
# makes its temp directories again, new workers start) and sends requests: an already running nginx
# opens no file on a request.
# For step 2 only (a few seconds), kernel.core_pattern and /run/systemd/coredump are pointed at the
# container's systemd-coredump, machine-wide, and restored on every exit path.
set -u
: "${HARDEN:?}"
. "${SRCDIR:-.}/tests/integration/container-common.sh"
COREDUMP=/lib/systemd/systemd-coredump
UNIT=hd-apply-nginx.service
ct_preflight curl python3
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "skip: nginx is not installed (scripts/install-deps: nginx-light)"; exit 77; }
[ -x "$COREDUMP" ] || { echo "skip: $COREDUMP is missing (scripts/install-deps: systemd-coredump)"; exit 77; }
[ -e /run/systemd/coredump ] || [ -L /run/systemd/coredump ] &&
	{ echo "skip: /run/systemd/coredump exists (the host's own core collector); not taking it over"; exit 77; }

T0=$(date +%s)
# N: nginx's files, seen by the container through its overlay's lower layer (not /tmp: its own tmpfs)
N=$(mktemp -d /var/tmp/harden-apply.XXXXXX)
SD=$(mktemp -d)
chmod 755 "$N"
# harden itself, where the container sees it (a build under /tmp would be under the container's own /tmp)
cp "$HARDEN" "$N/harden" || { echo "FAIL: cannot copy $HARDEN"; exit 1; }
HC=$N/harden
CP_SAVED=$(cat /proc/sys/kernel/core_pattern)
WINDOW=
fail=0
bad() { echo "FAIL: $*"; fail=1; }
close_window() {
	[ -n "$WINDOW" ] && printf '%s\n' "$CP_SAVED" >/proc/sys/kernel/core_pattern
	[ -L /run/systemd/coredump ] && [ "$(readlink /run/systemd/coredump)" = "$R/run/systemd/coredump" ] &&
		rm -f /run/systemd/coredump
	WINDOW=
}
cleanup() {
	close_window
	ct_teardown
	[ "$(cat /proc/sys/kernel/core_pattern)" = "$CP_SAVED" ] || echo "warning: core_pattern is not restored"
	rm -rf "${N:?}" "${SD:?}"
	echo "wall time: $(($(date +%s) - T0))s"
}
trap 'cleanup' EXIT
trap 'exit 1' INT TERM

# ---- nginx and its unit ----
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$N/www" "$N/tmp"
echo hello >"$N/www/index.html"
cat >"$N/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log notice;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $N/tmp/body;
	proxy_temp_path $N/tmp/proxy;
	fastcgi_temp_path $N/tmp/fastcgi;
	uwsgi_temp_path $N/tmp/uwsgi;
	scgi_temp_path $N/tmp/scgi;
	server { listen 127.0.0.1:$PORT; root $N/www; }
}
EOF
cat >"$N/$UNIT" <<EOF
[Unit]
Description=nginx for harden apply's test
[Service]
ExecStart=$NGINX -p $N -c $N/nginx.conf -e $N/error.log
ExecReload=/bin/kill -HUP \$MAINPID
KillSignal=SIGQUIT
EOF
# the workload: 5 requests, all must answer 200
cat >"$N/work.sh" <<EOF
i=0
while [ \$i -lt 5 ]; do
	[ "\$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/index.html)" = 200 ] || exit 1
	i=\$((i + 1))
done
EOF
# 1: what nginx needs; 2: kills its master (it chowns its temp directories); 3: its files read-only
printf '[Service]\nSystemCallFilter=@system-service\nSystemCallErrorNumber=EPERM\nSystemCallArchitectures=native\nNoNewPrivileges=yes\nProtectSystem=full\nProtectHome=yes\nRestrictNamespaces=yes\n' >"$N/good.conf"
printf '[Service]\nSystemCallFilter=~@chown\nSystemCallErrorNumber=\n' >"$N/kills.conf"
printf '[Service]\nProtectSystem=strict\n' >"$N/strict.conf"
# 7: too tight for the workload: accept4 taken out of the filter, nginx's directory read-only
printf '[Service]\nSystemCallFilter=@system-service\nSystemCallFilter=~accept4\nSystemCallErrorNumber=EPERM\nProtectSystem=strict\n' >"$N/tight.conf"
# the workload of the shadow stage and the watch: a reload, then the requests
WL="systemctl reload $UNIT && sleep 1 && sh $N/work.sh"

ct_boot "$SD" "$CG2/harden-apply-$$.slice"
echo "booted: $ct_state"
serves() { in_net sh "$N/work.sh"; }
apply() { # ARGS...: harden apply in the container, --json; its output in $N/out, stderr $N/err, status $rc
	in_ct "$HC" apply --json "$@" >"$N/out" 2>"$N/err"
	rc=$?
}
field() { python3 -c 'import json, sys; v = json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$N/out" "$1"; }
# shadow KEY: the shadow stage's KEY (would_deny: one line per finding, "kind what fix...")
shadow() {
	python3 -c '
import json, sys
s = json.load(open(sys.argv[1])).get("shadow") or {}
v = s.get(sys.argv[2])
if isinstance(v, list):
    for f in v:
        print(" ".join([f["kind"], f["what"]] + f["fix"]) if isinstance(f, dict) else f)
else:
    print("" if v is None else v)' "$N/out" "$1"
}
in_ct cp "$N/$UNIT" /etc/systemd/system/ && in_ct systemctl daemon-reload && in_ct systemctl start "$UNIT" ||
	{ echo "FAIL: the unit does not start: $(in_ct systemctl status --no-pager "$UNIT" | tail -5)"; exit 1; }
serves || bad "nginx does not serve before any apply"

# 1. kept, after a shadow stage that found nothing
apply --watch 1 --while "$WL" "$UNIT" "$N/good.conf"
[ "$rc" = 0 ] && [ "$(field outcome)" = kept ] || bad "1: a drop-in nginx survives was not kept (rc $rc): $(cat "$N/out" "$N/err")"
[ "$(shadow events)" -gt 0 ] 2>/dev/null || bad "1: the shadow stage saw no call of nginx: $(cat "$N/out" "$N/err")"
[ -z "$(shadow would_deny)" ] || bad "1: the shadow stage reports denials of a fitting drop-in: $(shadow would_deny)"
echo "1: shadow: $(shadow events) calls in $(shadow seconds) s, nothing denied"
in_ct cmp -s /etc/systemd/system/$UNIT.d/zz-harden.conf "$N/good.conf" || bad "1: the drop-in is not in place"
b=$(field exposure_before) a=$(field exposure_after)
python3 -c "import sys; sys.exit(0 if float('$a') < float('$b') else 1)" 2>/dev/null ||
	bad "1: the exposure did not go down: '$b' -> '$a'"
echo "1: kept, exposure $b -> $a"
[ "$(in_ct systemctl show -p SystemCallErrorNumber --value "$UNIT")" = 1 ] || bad "1: systemd does not hold the drop-in"
serves || bad "1: nginx does not serve under the kept drop-in"
in_ct grep -q '"state": *"kept"' "/var/lib/harden/apply/$UNIT.json" || bad "1: the record does not say kept"

# 2. killed by SIGSYS at start: rolled back to step 1's drop-in, the death explained
rm -rf "${R:?}${N:?}/tmp"/* # the master makes (and chowns) its temp directories again (in the container's view)
ln -s "$R/run/systemd/coredump" /run/systemd/coredump && WINDOW=1 &&
	echo "|$COREDUMP %P %u %g %s %t 9223372036854775808 %h %d" >/proc/sys/kernel/core_pattern ||
	bad "could not point the kernel's cores at the container"
apply --no-shadow --watch 3 "$UNIT" "$N/kills.conf"
close_window
[ "$rc" = 1 ] && [ "$(field outcome)" = rolled-back ] || bad "2: a killing drop-in was not rolled back (rc $rc): $(cat "$N/out" "$N/err")"
reason=$(field reason) explained=$(field explained)
case $reason in *'signal 31'*) ;; *) bad "2: the reason does not name SIGSYS: $reason" ;; esac
case $explained in
*chown*)
	case $explained in *SystemCallFilter=*chown*) ;; *) bad "2: the explanation has no fix: $explained" ;; esac
	echo "2: rolled back: $reason; explained: $(echo "$explained" | grep -m1 'SystemCallFilter=')"
	;;
*) bad "2: the SIGSYS core was not explained: $explained $(cat "$N/err")" ;;
esac
in_ct cmp -s /etc/systemd/system/$UNIT.d/zz-harden.conf "$N/good.conf" || bad "2: step 1's drop-in is not back"
serves || bad "2: nginx does not serve after the rollback"

# 3. ProtectSystem=strict: nginx cannot write its pid file and logs (under /var): rolled back
apply --no-shadow --watch 2 --name zz-strict.conf "$UNIT" "$N/strict.conf"
[ "$rc" = 1 ] && [ "$(field outcome)" = rolled-back ] || bad "3: ProtectSystem=strict was not rolled back (rc $rc): $(cat "$N/out")"
in_ct test -e "/etc/systemd/system/$UNIT.d/zz-strict.conf" && bad "3: the strict drop-in was left in place"
grep -q 'Read-only file system' "$N/out" || bad "3: the journal does not show the EROFS: $(cat "$N/out")"
echo "3: rolled back: $(field reason)"
serves || bad "3: nginx does not serve after the rollback"
# enforce_denied: "call path errno_name setting fix..." per line
denied=$(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1])).get("enforce_denied") or []:
    print(" ".join([e["call"], e["path"], e["errno_name"], e["setting"]] + e["fix"]))' "$N/out")
[ "$(field enforce_observed)" = True ] || bad "3: the enforce stage did not follow the unit: $(field enforce_unobserved)"
echo "$denied" | grep -Eq "^open(at)? $N/[^ ]+ EROFS ProtectSystem=strict ReadWritePaths=$N\$" ||
	bad "3: the EROFS write and its fix are not named: '$denied' $(cat "$N/err")"
case $(field reason) in *'ProtectSystem=strict made'*) ;; *) bad "3: the reason does not name the setting: $(field reason)" ;; esac
echo "3: the enforce stage saw:"
echo "$denied" | sed 's/^/     /'
# the text report says the same
in_ct "$HC" apply --no-shadow --watch 2 --name zz-strict.conf "$UNIT" "$N/strict.conf" >"$N/text" 2>&1
grep -q "^- open.* $N/.*: EROFS (Read-only file system), .*by ProtectSystem=strict\$" "$N/text" &&
	grep -q "^  fix: ReadWritePaths=$N\$" "$N/text" || bad "3: the text report does not name the setting: $(cat "$N/text")"
grep -A3 'because of the drop-in' "$N/text" | sed 's/^/   | /'
serves || bad "3: nginx does not serve after the second rollback"

# 4. --undo of step 1 (step 2's rollback left its record rolled back: undo the step-1 state by hand
# first: apply it again, then undo)
apply --no-shadow --watch 1 "$UNIT" "$N/good.conf"
[ "$rc" = 0 ] || bad "4: re-apply: rc $rc: $(cat "$N/out" "$N/err")"
apply --undo "$UNIT"
[ "$rc" = 0 ] && [ "$(field outcome)" = undone ] || bad "4: --undo (rc $rc): $(cat "$N/out" "$N/err")"
# the state before that apply had step 1's drop-in (step 2 put it back): it is there again
in_ct cmp -s /etc/systemd/system/$UNIT.d/zz-harden.conf "$N/good.conf" || bad "4: --undo did not restore the earlier drop-in"
apply --undo "$UNIT"
[ "$rc" = 1 ] && [ "$(field outcome)" = nothing-to-undo ] || bad "4: a second --undo: rc $rc: $(cat "$N/out")"
serves || bad "4: nginx does not serve after --undo"

# 5. harden killed during the watch: the record says applying; --undo restores and says so
in_ct rm -f "/etc/systemd/system/$UNIT.d/zz-harden.conf"
in_ct systemctl daemon-reload
in_ct "$HC" apply --watch 60 --no-shadow "$UNIT" "$N/good.conf" >/dev/null 2>&1 &
killed=$!
i=0
until in_ct grep -q '"state": *"applying"' "/var/lib/harden/apply/$UNIT.json" 2>/dev/null &&
	in_ct test -e "/etc/systemd/system/$UNIT.d/zz-harden.conf"; do
	i=$((i + 1))
	[ $i -ge 100 ] && break
	sleep 0.1
done
sleep 0.5
in_ct pkill -KILL -f "apply --watch 60" || bad "5: no harden apply to kill"
wait "$killed"
apply --undo "$UNIT"
[ "$rc" = 0 ] && [ "$(field recovered)" = True ] || bad "5: --undo after a killed apply: rc $rc: $(cat "$N/out" "$N/err")"
in_ct test -e "/etc/systemd/system/$UNIT.d/zz-harden.conf" && bad "5: the interrupted apply's drop-in is still there"
serves || bad "5: nginx does not serve after the recovery"

# 6. the shadow stage against a drop-in too tight for the workload (no drop-in of ours in place now)
pid_before=$(in_ct systemctl show -p MainPID --value "$UNIT")
rec_before=$(in_ct cat "/var/lib/harden/apply/$UNIT.json" 2>/dev/null | sha256sum)
apply --shadow-only --while "$WL" "$UNIT" "$N/tight.conf"
[ "$rc" = 1 ] && [ "$(field outcome)" = would-deny ] || bad "6: --shadow-only of a too tight drop-in: rc $rc: $(cat "$N/out" "$N/err")"
denied=$(shadow would_deny)
echo "$denied" | grep -q '^syscall accept4 SystemCallFilter=accept4$' || bad "6: accept4 and its fix are not named: $denied $(cat "$N/err")"
# the master's reopen of error.log (O_CREAT: the directory is what must be writable)
echo "$denied" | grep -Eq "^write $N(/error\.log)? ReadWritePaths=$N\$" || bad "6: the error log's write and its fix are not named: $denied"
echo "6: --shadow-only would deny:"
echo "$denied" | sed 's/^/     /'
in_ct test -e "/etc/systemd/system/$UNIT.d/zz-harden.conf" && bad "6: --shadow-only wrote the drop-in"
[ "$(in_ct systemctl show -p MainPID --value "$UNIT")" = "$pid_before" ] || bad "6: --shadow-only restarted the unit"
[ "$(in_ct cat "/var/lib/harden/apply/$UNIT.json" 2>/dev/null | sha256sum)" = "$rec_before" ] || bad "6: --shadow-only changed the record"
# without --shadow-only: the apply stops at the shadow stage, exit 1, nothing written or restarted
apply --while "$WL" "$UNIT" "$N/tight.conf"
[ "$rc" = 1 ] && [ "$(field outcome)" = would-deny ] || bad "6: apply of a too tight drop-in went past the shadow stage: rc $rc: $(cat "$N/out" "$N/err")"
in_ct test -e "/etc/systemd/system/$UNIT.d/zz-harden.conf" && bad "6: the shadow stage's stop left the drop-in"
[ "$(in_ct systemctl show -p MainPID --value "$UNIT")" = "$pid_before" ] || bad "6: the shadow stage's stop restarted the unit"
# eBPF refused (root without CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN): said, exit 2, nothing changed
if command -v setpriv >/dev/null; then
	in_ct setpriv --inh-caps=-bpf,-perfmon,-sys_admin --bounding-set=-bpf,-perfmon,-sys_admin \
		"$HC" apply --shadow-only --watch 1 "$UNIT" "$N/tight.conf" >"$N/out" 2>"$N/err"
	rc=$?
	[ "$rc" = 2 ] && grep -q 'eBPF' "$N/err" || bad "6: the shadow stage without eBPF: rc $rc: $(cat "$N/out" "$N/err")"
	echo "6: without CAP_BPF: $(tail -1 "$N/err")"
	# the enforce stage goes on without eBPF (with the journal only), and says so once
	in_ct setpriv --inh-caps=-bpf,-perfmon,-sys_admin --bounding-set=-bpf,-perfmon,-sys_admin \
		"$HC" apply --no-shadow --watch 1 "$UNIT" "$N/good.conf" >"$N/out" 2>"$N/err"
	rc=$?
	[ "$rc" = 0 ] && [ "$(grep -c 'enforce stage does not follow' "$N/err")" = 1 ] && grep -q 'eBPF' "$N/err" ||
		bad "6: the enforce stage without eBPF: rc $rc: $(cat "$N/out" "$N/err")"
	echo "6: enforce without CAP_BPF: $(grep 'enforce stage' "$N/err")"
	apply --undo "$UNIT"
	[ "$rc" = 0 ] || bad "6: --undo after the apply without eBPF: rc $rc: $(cat "$N/out" "$N/err")"
fi
# the text report names the same
in_ct "$HC" apply --shadow-only --while "$WL" "$UNIT" "$N/tight.conf" >"$N/text" 2>&1
grep -q 'syscall accept4 (nr [0-9]*, x86-64)' "$N/text" && grep -q 'fix: SystemCallFilter=accept4' "$N/text" &&
	grep -q "fix: ReadWritePaths=$N\$" "$N/text" || bad "6: the text report: $(cat "$N/text")"
sed 's/^/   | /' "$N/text"
# --fold=FILE: the folded drop-in, judged again: it denies nothing seen (exit 0)
apply --shadow-only --fold="$N/folded.conf" --while "$WL" "$UNIT" "$N/tight.conf"
[ "$rc" = 0 ] && [ "$(field outcome)" = clean ] || bad "6: --shadow-only --fold=FILE: rc $rc: $(cat "$N/out" "$N/err")"
# (written in the container: under the overlay's upper layer, not in the host's $N)
in_ct grep -qx 'SystemCallFilter=accept4' "$N/folded.conf" && in_ct grep -qx "ReadWritePaths=$N" "$N/folded.conf" ||
	bad "6: the folded drop-in lacks the fixes: $(in_ct cat "$N/folded.conf" 2>&1)"
in_ct test -e "/etc/systemd/system/$UNIT.d/zz-harden.conf" && bad "6: --shadow-only --fold wrote the drop-in"
# apply --fold: folded, enforced, kept; nginx serves under it
apply --fold --watch 2 --while "$WL" "$UNIT" "$N/tight.conf"
[ "$rc" = 0 ] && [ "$(field outcome)" = kept ] || bad "6: apply --fold was not kept (rc $rc): $(cat "$N/out" "$N/err")"
in_ct grep -qx 'SystemCallFilter=accept4' "/etc/systemd/system/$UNIT.d/zz-harden.conf" || bad "6: the applied drop-in is not the folded one"
[ "$(in_ct systemctl show -p ProtectSystem --value "$UNIT")" = strict ] || bad "6: systemd does not hold the folded drop-in"
serves || bad "6: nginx does not serve under the folded drop-in"
echo "6: apply --fold kept: $(shadow fold_lines | tr '\n' ' ')"
apply --undo "$UNIT"
[ "$rc" = 0 ] || bad "6: --undo of the folded drop-in: rc $rc"

# 7. nothing to talk to, or nothing systemd knows: 2, and nothing changed
apply --watch 0 no-such-unit-hd.service "$N/good.conf"
[ "$rc" = 2 ] || bad "7: an unknown unit: rc $rc: $(cat "$N/err")"
# the static gate: a drop-in systemd 252 cannot install (an allow list whose ~fsync:EPERM is the list's own
# default action: libseccomp refuses the rule, the service does not start) is refused before anything
# changes (harden check's certain break), unless --force
printf '[Service]\nSystemCallFilter=@system-service\nSystemCallFilter=~fsync:EPERM\nSystemCallErrorNumber=EPERM\n' >"$N/arch.conf"
pid0=$(in_ct systemctl show -p MainPID --value "$UNIT")
apply --watch 0 --name zz-arch.conf "$UNIT" "$N/arch.conf"
[ "$rc" = 1 ] && [ "$(field outcome)" = refused ] || bad "7: the static gate let a killed ABI through (rc $rc): $(cat "$N/out")"
case $(field reason) in *'certain break'*fsync*) ;; *) bad "7: the refusal does not name the break: $(field reason)" ;; esac
in_ct test -e "/etc/systemd/system/$UNIT.d/zz-arch.conf" && bad "7: the refused drop-in was written"
[ "$(in_ct systemctl show -p MainPID --value "$UNIT")" = "$pid0" ] || bad "7: the unit was restarted by a refused apply"
echo "7: static gate: $(field reason)"
# a unit its owner stopped is not started by an apply
in_ct systemctl stop "$UNIT"
apply --watch 0 --no-shadow "$UNIT" "$N/good.conf"
[ "$rc" = 2 ] && grep -q 'is inactive' "$N/err" || bad "7: a stopped unit: rc $rc: $(cat "$N/err")"
[ "$(in_ct systemctl is-active "$UNIT")" = inactive ] || bad "7: the stopped unit was started"
apply --watch 0 getty@.service "$N/good.conf"
[ "$rc" = 2 ] || bad "7: a template: rc $rc"
"$HARDEN" apply --watch 0 "$UNIT" "$N/good.conf" >"$N/out" 2>"$N/err"
rc=$?
if [ -d /run/systemd/system ]; then
	echo "note: the host runs systemd: 'no systemd' is not checked here"
else
	[ "$rc" = 2 ] && grep -q 'no systemd runs here' "$N/err" || bad "7: no systemd: rc $rc: $(cat "$N/err")"
fi
exit $fail
