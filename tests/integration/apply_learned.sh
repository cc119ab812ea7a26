#!/bin/sh
# The proof of harden apply with LEARNED drop-ins (issue 28), against systemd 252 as PID 1 of the
# container the suite boots (container-common.sh). nginx's unit file is learned on the host with
# `harden learn --unit` (as systemd_container.sh does: the same unit file, at the same path on the host and
# in the container) from two workloads, modelled on learn_daemon_nginx.sh's:
#   SMOKE: one request;
#   FULL:  requests of several kinds (200s, a 404, a HEAD, a large file, a page in a user's public_html
#          under /home), log rotation the way logrotate
#          does it for nginx (the log moved away, USR1: the master reopens the logs and chowns the new ones
#          to the workers' user) and a reload (HUP: new workers).
# Then, in the container, with FULL as the workload of both the shadow stage and the watch:
#  1. the FULL drop-in: the shadow stage reports nothing, the enforce stage keeps it, the exposure goes
#     down, nginx serves;
#  2. the SMOKE drop-in, --shadow-only: names each call (chown: what the rotation does and SMOKE never did),
#     capability (CAP_CHOWN, and CAP_DAC_OVERRIDE: the master reopens logs the rotation gave to the
#     workers' user) and path (the page under /home its ProtectHome=yes hides) it would deny, each with a
#     fix; exit 1, nothing changed;
#  3. the SMOKE drop-in enforced as it is (--no-shadow): nginx's master cannot open its error log, which
#     FULL's rotations chowned to the workers' user, without CAP_DAC_OVERRIDE: rolled back, nginx serves
#     again, and the enforce stage (eBPF on the kernel's capability checks) names the capability and the
#     setting, with the fix;
#  4. apply --fold of the SMOKE drop-in: the folded drop-in denies nothing seen, is enforced and kept,
#     nginx serves (and the folded drop-in holds the fixes).
# Nothing machine-wide is changed (no core window): only the container, its cgroup and our directories,
# removed on every exit path. KEEP=1 keeps the work directories and says where.
set -u
: "${HARDEN:?}"
. "${SRCDIR:-.}/tests/integration/container-common.sh"
UNIT=hd-learned-nginx.service
ct_preflight curl python3
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "skip: nginx is not installed (scripts/install-deps: nginx-light)"; exit 77; }

T0=$(date +%s)
# N: nginx's files, at the same path on the host (learn) and in the container (through its overlay's lower
# layer; not under /tmp, which the container covers with its own tmpfs)
N=$(mktemp -d /var/tmp/harden-learned.XXXXXX)
# a user's public_html under /home, served at /~hd/: FULL asks for a page there, SMOKE does not (its
# drop-in hides /home: ProtectHome=yes)
[ -d /home ] || { echo "skip: no /home (FULL serves a page from a home directory)"; exit 77; }
H=$(mktemp -d /home/harden-learned.XXXXXX)
SD=$(mktemp -d)
chmod 755 "$N" "$H" # the workers (nobody) read under them
# harden itself, where the container sees it (a build under /tmp would be under the container's own /tmp)
cp "$HARDEN" "$N/harden" || { echo "FAIL: cannot copy $HARDEN"; exit 1; }
HC=$N/harden
fail=0
bad() { echo "FAIL: $*"; fail=1; }
since() { echo "$(($(date +%s) - T0))s"; }
cleanup() {
	# a learning run's nginx (host) is stopped by learn itself; one left by a killed learn, by its pid file
	[ -s "$N/nginx.pid" ] && [ -z "$L" ] && kill -KILL "$(cat "$N/nginx.pid")" 2>/dev/null
	ct_teardown
	if [ -n "${KEEP:-}" ]; then echo "kept $N $H $SD"; else rm -rf "${N:?}" "${H:?}" "${SD:?}"; fi
	echo "wall time: $(since)"
}
trap 'cleanup' EXIT
trap 'exit 1' INT TERM

# ---- nginx, its unit, the workloads ----
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
mkdir -p "$N/www" "$N/tmp" "$N/u"
echo hello >"$N/www/index.html"
mkdir -p "$H/public_html" && chmod 755 "$H/public_html"
echo home >"$H/public_html/page.html"
head -c 2000000 /dev/urandom >"$N/www/big.bin"
cat >"$N/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $N/nginx.pid;
error_log $N/error.log notice;
events { worker_connections 128; }
http {
	access_log $N/access.log;
	client_body_temp_path $N/tmp/body;
	proxy_temp_path $N/tmp/proxy;
	fastcgi_temp_path $N/tmp/fastcgi;
	uwsgi_temp_path $N/tmp/uwsgi;
	scgi_temp_path $N/tmp/scgi;
	server {
		listen 127.0.0.1:$PORT;
		root $N/www;
		location /~hd/ { alias $H/public_html/; }
	}
}
EOF
cat >"$N/u/$UNIT" <<EOF
[Unit]
Description=nginx for harden apply's learned drop-ins
[Service]
Type=simple
ExecStart=$NGINX -p $N -c $N/nginx.conf -e $N/error.log
KillSignal=SIGQUIT
EOF
# nginx -t makes its temp directories and chowns them to the workers' user: a start finds them so (on the
# host and, through the overlay, in the container), and chown is left to the rotation (FULL's alone)
"$NGINX" -p "$N" -c "$N/nginx.conf" -e "$N/error.log" -t >/dev/null 2>&1 ||
	{ echo "FAIL: nginx -t refuses the test config"; exit 1; }
# every step bounded in time; a failed step fails the workload
cat >"$N/smoke.sh" <<EOF
curl -sf --max-time 10 -o /dev/null $URL/index.html
EOF
cat >"$N/full.sh" <<EOF
set -e
i=0
while [ \$i -lt 20 ]; do curl -sf --max-time 5 -o /dev/null $URL/index.html; i=\$((i + 1)); done
test "\$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' $URL/no-such-page)" = 404
curl -sfI --max-time 5 $URL/index.html >/dev/null
test "\$(curl -sf --max-time 5 $URL/~hd/page.html)" = home
curl -sf --max-time 10 -o $N/got.bin $URL/big.bin
cmp -s $N/got.bin $N/www/big.bin
# log rotation as logrotate does it for nginx
mv $N/access.log $N/access.log.1
kill -USR1 \$(cat $N/nginx.pid)
sleep 0.5
curl -sf --max-time 5 -o /dev/null $URL/index.html
sleep 0.3
test -s $N/access.log || { echo "log rotation failed: nothing was logged to the new access.log"; exit 1; }
# a reload: the master reads the config again and starts new workers
kill -HUP \$(cat $N/nginx.pid)
sleep 0.5
curl -sf --max-time 5 -o /dev/null $URL/index.html
EOF

# ---- the drop-ins, learned on the host for the same unit file ----
learn() { # LABEL: $N/LABEL.conf from $N/LABEL.sh
	timeout 120 "$HARDEN" learn -o "$N/$1.conf" --unit "$N/u/$UNIT" --while "sh $N/$1.sh >$N/learn-$1.work 2>&1" \
		>"$N/learn-$1.out" 2>"$N/learn-$1.err" ||
		{ echo "FAIL: harden learn --unit ($1) on the host: rc $?: $(tail -5 "$N/learn-$1.err"); workload: $(tail -3 "$N/learn-$1.work")"; exit 1; }
	grep -q '^SystemCallFilter=' "$N/$1.conf" || { echo "FAIL: the $1 drop-in has no SystemCallFilter="; exit 1; }
	rm -f "$N/nginx.pid"
	echo "learned $1 on the host ($(since)): $(grep -c '^[A-Z]' "$N/$1.conf") settings"
}
learn smoke
learn full
grep -q 'chown' "$N/full.conf" || bad "the FULL drop-in does not allow chown (the rotation's): $(grep '^SystemCallFilter=' "$N/full.conf")"

# ---- the container ----
ct_boot "$SD" "$CG2/harden-learned-$$.slice"
echo "container booted ($(since)): state $ct_state"
serves() { in_net sh -c "curl -sf --max-time 5 -o /dev/null $URL/index.html"; }
apply() { # ARGS...: harden apply in the container, --json; its output in $N/out, stderr $N/err, status $rc
	in_ct "$HC" apply --json "$@" >"$N/out" 2>"$N/err"
	rc=$?
}
field() { python3 -c 'import json, sys; v = json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$N/out" "$1"; }
# shadow KEY: the shadow stage's KEY (would_deny, after_fold: one line per finding, "kind what fix...")
shadow() {
	python3 -c '
import json, sys
s = json.load(open(sys.argv[1])).get("shadow") or {}
v = s.get(sys.argv[2])
if isinstance(v, list):
    for f in v:
        print(" ".join([f["kind"], f["what"]] + f["fix"] + ([f["remove"]] if f.get("remove") else [])) if isinstance(f, dict) else f)
else:
    print("" if v is None else v)' "$N/out" "$1"
}
# what the enforce stage saw fail under the drop-in: calls a file-system setting failed, capabilities refused
enforce_failed() {
	python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
for e in o.get("enforce_denied") or []:
    print(e["call"], e["path"], e["errno_name"], e["setting"])
for e in o.get("enforce_caps_refused") or []:
    print(e["capability"], e["evidence"])' "$N/out"
}
# the workload of the shadow stage and of the watch: FULL, in the container
WL="sh $N/full.sh >$N/apply.work 2>&1"
in_ct cp "$N/u/$UNIT" /etc/systemd/system/ && in_ct systemctl daemon-reload && in_ct systemctl start "$UNIT" ||
	{ echo "FAIL: the unit does not start: $(in_ct systemctl status --no-pager "$UNIT" | tail -5)"; exit 1; }
i=0
until serves || [ $i -ge 25 ]; do sleep 0.2; i=$((i + 1)); done
serves || bad "nginx does not serve before any apply"

# 1. the FULL drop-in: nothing in the shadow, kept, exposure down, serves
apply --watch 1 --while "$WL" "$UNIT" "$N/full.conf"
[ "$rc" = 0 ] && [ "$(field outcome)" = kept ] ||
	bad "1: the FULL drop-in was not kept (rc $rc): $(cat "$N/out" "$N/err"); workload: $(in_ct tail -3 "$N/apply.work")"
[ "$(shadow events)" -gt 0 ] 2>/dev/null || bad "1: the shadow stage saw no call of nginx: $(cat "$N/err")"
[ -z "$(shadow would_deny)" ] || bad "1: the shadow stage reports denials of the FULL drop-in: $(shadow would_deny)"
b=$(field exposure_before) a=$(field exposure_after)
python3 -c "import sys; sys.exit(0 if float('$a') < float('$b') else 1)" 2>/dev/null ||
	bad "1: the exposure did not go down: '$b' -> '$a'"
in_ct cmp -s "/etc/systemd/system/$UNIT.d/zz-harden.conf" "$N/full.conf" || bad "1: the FULL drop-in is not in place"
[ "$(in_ct systemctl show -p SystemCallFilter --value "$UNIT")" != "" ] || bad "1: systemd does not hold the filter"
[ "$(field enforce_observed)" = True ] || bad "1: the enforce stage did not follow the unit: $(field enforce_unobserved)"
[ -z "$(enforce_failed)" ] || bad "1: the enforce stage saw calls fail under the FULL drop-in: $(enforce_failed)"
serves || bad "1: nginx does not serve under the FULL drop-in"
echo "1 ($(since)): FULL: shadow $(shadow events) calls in $(shadow seconds) s, nothing denied; kept, exposure $b -> $a; nginx serves"
apply --undo "$UNIT"
[ "$rc" = 0 ] || bad "1: --undo of the FULL drop-in: rc $rc: $(cat "$N/out" "$N/err")"

# 2. the SMOKE drop-in under FULL, shadow only: each call and path named with its fix, nothing changed
pid_before=$(in_ct systemctl show -p MainPID --value "$UNIT")
apply --shadow-only --while "$WL" "$UNIT" "$N/smoke.conf"
[ "$rc" = 1 ] && [ "$(field outcome)" = would-deny ] ||
	bad "2: --shadow-only of the SMOKE drop-in under FULL: rc $rc: $(cat "$N/out" "$N/err")"
denied=$(shadow would_deny)
echo "$denied" | grep -Eq '^syscall (chown|fchown|fchownat|lchown) SystemCallFilter=' ||
	bad "2: the rotation's chown and its fix are not named: '$denied'"
echo "$denied" | grep -qx 'capability CAP_CHOWN CapabilityBoundingSet=CAP_CHOWN' ||
	bad "2: the rotation's CAP_CHOWN and its fix are not named: '$denied'"
echo "$denied" | grep -Eq "^read $H/public_html(/page\.html)? ProtectHome=read-only\$" ||
	bad "2: the page under /home and its fix are not named: '$denied'"
# every finding has a fix (a line, or an assignment to take out)
echo "$denied" | awk 'NF < 3 { print; bad = 1 } END { exit bad }' >/dev/null || bad "2: a finding without a fix: '$denied'"
in_ct test -e "/etc/systemd/system/$UNIT.d/zz-harden.conf" && bad "2: --shadow-only wrote the drop-in"
[ "$(in_ct systemctl show -p MainPID --value "$UNIT")" = "$pid_before" ] || bad "2: --shadow-only restarted the unit"
echo "2 ($(since)): SMOKE under FULL would deny:"
echo "$denied" | sed 's/^/     /'
# the text report: each finding with its fix
in_ct "$HC" apply --shadow-only --while "$WL" "$UNIT" "$N/smoke.conf" >"$N/text" 2>&1
grep -Eq '^- syscall (chown|fchown|fchownat|lchown) \(nr [0-9]+, x86-64\)' "$N/text" && grep -q '^  fix: SystemCallFilter=' "$N/text" ||
	bad "2: the text report: $(cat "$N/text")"
grep -v '^harden apply: static gate' "$N/text" | sed 's/^/   | /'

# 3. the SMOKE drop-in enforced without the shadow stage: rolled back, the refused capability named
apply --no-shadow --watch 2 --while "$WL" "$UNIT" "$N/smoke.conf"
[ "$rc" = 1 ] && [ "$(field outcome)" = rolled-back ] ||
	bad "3: the SMOKE drop-in under FULL was not rolled back (rc $rc): $(cat "$N/out" "$N/err")"
refused=$(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1])).get("enforce_caps_refused") or []:
    print(" ".join([e["capability"], e["setting"]] + e["fix"]))' "$N/out")
echo "$refused" | grep -qx 'CAP_DAC_OVERRIDE CapabilityBoundingSet CapabilityBoundingSet=CAP_DAC_OVERRIDE' ||
	bad "3: the refused CAP_DAC_OVERRIDE is not named: '$refused' $(cat "$N/out" "$N/err")"
case $(field reason) in *CapabilityBoundingSet*CAP_DAC_OVERRIDE*) ;; *) bad "3: the reason does not name the setting: $(field reason)" ;; esac
in_ct test -e "/etc/systemd/system/$UNIT.d/zz-harden.conf" && bad "3: the SMOKE drop-in was left in place"
serves || bad "3: nginx does not serve after the rollback"
echo "3 ($(since)): SMOKE enforced: rolled back: $(field reason)"

# 4. apply --fold of the SMOKE drop-in: folded, enforced cleanly, kept
apply --fold --watch 1 --while "$WL" "$UNIT" "$N/smoke.conf"
[ "$rc" = 0 ] && [ "$(field outcome)" = kept ] ||
	bad "4: apply --fold of the SMOKE drop-in was not kept (rc $rc): $(cat "$N/out" "$N/err"); workload: $(in_ct tail -3 "$N/apply.work")"
[ -z "$(shadow after_fold)" ] || bad "4: the folded drop-in still denies: $(shadow after_fold)"
folded=$(shadow fold_lines)
[ -n "$folded" ] || bad "4: --fold added no line"
echo "$folded" | while read -r line; do
	in_ct grep -qxF "$line" "/etc/systemd/system/$UNIT.d/zz-harden.conf" || echo "FAIL: 4: the applied drop-in lacks $line"
done | grep . && fail=1
[ -z "$(enforce_failed)" ] || bad "4: the enforce stage saw calls fail under the folded drop-in: $(enforce_failed)"
serves || bad "4: nginx does not serve under the folded SMOKE drop-in"
echo "4 ($(since)): SMOKE --fold kept (exposure $(field exposure_before) -> $(field exposure_after)), lines added: $(echo "$folded" | tr '\n' ' ')"
apply --undo "$UNIT"
[ "$rc" = 0 ] || bad "4: --undo of the folded drop-in: rc $rc"
exit $fail
