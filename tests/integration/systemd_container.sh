#!/bin/sh
# The loop closed under systemd itself: systemd 252 boots as PID 1 of a hand-made container (the recipe
# of tests/systemd/: unshare --pid --mount --uts --ipc --net --cgroup, an overlay of / with a tmpfs upper,
# a private cgroup2 -- here rooted in a cgroup of our own, so the container's units are one directory
# of the host's cgroup2 that we remove at the end). In it:
#  1. nginx (127.0.0.1 of the container's own netns) runs as a systemd unit with the drop-in that
#     `harden learn --unit` wrote on the host for the same unit file, installed under
#     /etc/systemd/system/UNIT.service.d/;
#  2. `systemctl show` of every setting `harden show --systemd=252 --unit` prints must equal it;
#  3. the workload (curl) works under the drop-in, and the kernel really holds the filter (Seccomp: 2);
#  4. `harden learn --cgroup` on the unit's cgroup (seen from the host) while the workload runs writes a
#     drop-in that allows what the workload needed (@network-io / accept4);
#  5. `systemctl stop` runs ExecStop= (nginx -s quit) under the learned drop-in, and succeeds;
#     then a too-tight drop-in (SystemCallFilter=~@chown, SystemCallErrorNumber= reset to kill) kills nginx's
#     master with SIGSYS at start (it chowns its temp directories to the workers' user); the
#     container's systemd-coredump stores the core; `coredumpctl dump`, `coredumpctl info` and
#     `journalctl -o export` (run inside the container) each fed to `harden explain --unit` must name
#     chown and a SystemCallFilter= fix.
# The kernel runs a piped core_pattern in the host's namespaces, so for step 5 only (a few seconds)
# kernel.core_pattern and /run/systemd/coredump are pointed at the container's systemd-coredump,
# machine-wide; both are restored on every exit path (trap), as is everything else this starts.
# KEEP=1 keeps the work directories and says where.
set -u
: "${HARDEN:?}"
. "${SRCDIR:-.}/tests/integration/container-common.sh"
COREDUMP=/lib/systemd/systemd-coredump
UNIT=sdt-nginx.service
ct_preflight curl python3
[ -x "$COREDUMP" ] || { echo "skip: $COREDUMP is missing (scripts/install-deps: systemd-coredump)"; exit 77; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "skip: nginx is not installed (scripts/install-deps: nginx-light)"; exit 77; }
# a real socket there is the host's own systemd-coredump: never replace it, even for seconds
[ -e /run/systemd/coredump ] || [ -L /run/systemd/coredump ] &&
	{ echo "skip: /run/systemd/coredump exists (the host's own core collector); not taking it over"; exit 77; }

T0=$(date +%s)
# N: nginx's files, at the same path on the host (learn) and in the container: not under /tmp, which
# the container covers with its own tmpfs; the container sees it through the overlay's lower layer
N=$(mktemp -d /var/tmp/harden-sdt.XXXXXX)
SD=$(mktemp -d) # the overlay's mount points (mounted in the container's namespace only)
chmod 755 "$N"  # the workers (nobody) read under it
# named as a slice: systemd-coredump (run by the kernel in the host's namespaces) reads the unit from the
# host's view of the cgroup path and skips leading *.slice components, so COREDUMP_UNIT= is the unit
CG=$CG2/harden-sdt-$$.slice
CP_SAVED=$(cat /proc/sys/kernel/core_pattern)
LEARN= WINDOW=
fail=0
bad() { echo "FAIL: $*"; fail=1; }
since() { echo "$(($(date +%s) - T0))s"; }

close_window() {
	# only what we changed: the pattern while the window is open, the symlink if it is ours
	[ -n "$WINDOW" ] && printf '%s\n' "$CP_SAVED" >/proc/sys/kernel/core_pattern
	[ -L /run/systemd/coredump ] && [ "$(readlink /run/systemd/coredump)" = "/proc/$L/root/run/systemd/coredump" ] &&
		rm -f /run/systemd/coredump
	WINDOW=
}
cleanup() {
	close_window
	[ -n "$LEARN" ] && kill -KILL "$LEARN" 2>/dev/null && wait "$LEARN" 2>/dev/null
	ct_teardown
	[ "$(cat /proc/sys/kernel/core_pattern)" = "$CP_SAVED" ] || echo "warning: core_pattern is not restored"
	if [ -n "${KEEP:-}" ]; then echo "kept $N $SD"; else rm -rf "${N:?}" "${SD:?}"; fi
	echo "wall time: $(since)"
}
trap 'cleanup' EXIT
trap 'exit 1' INT TERM

# ---- nginx, its unit, and the drop-in learned on the host for that unit ----
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
mkdir -p "$N/www" "$N/tmp" "$N/u/$UNIT.d"
echo hello >"$N/www/index.html"
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
	}
}
EOF
cat >"$N/u/$UNIT" <<EOF
[Unit]
Description=nginx for harden's systemd container test
[Service]
Type=simple
ExecStart=$NGINX -p $N -c $N/nginx.conf -e $N/error.log
ExecStop=$NGINX -p $N -c $N/nginx.conf -e $N/error.log -s quit
KillSignal=SIGQUIT
EOF
"$NGINX" -p "$N" -c "$N/nginx.conf" -e "$N/error.log" -t >/dev/null 2>&1 ||
	{ echo "FAIL: nginx -t refuses the test config"; exit 1; }
# nginx -t already made its temp directories and chowned them to the workers' user: without them the
# learning run would not see the chown a first start does (and the container's nginx does)
rm -rf "${N:?}/tmp"/* "$N/error.log"
# the workload: N requests, each must answer 200; prints how many failed
cat >"$N/work.sh" <<EOF
n=\${1:-5} f=0 i=0
while [ \$i -lt \$n ]; do
	c=\$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' $URL/index.html)
	[ "\$c" = 200 ] || f=\$((f + 1))
	i=\$((i + 1))
done
echo \$f
EOF
timeout 120 "$HARDEN" learn -o "$N/u/$UNIT.d/harden.conf" --unit "$N/u/$UNIT" --while "sh $N/work.sh 3 | grep -qx 0" \
	>"$N/learn-host.out" 2>"$N/learn-host.err" ||
	{ echo "FAIL: harden learn --unit on the host: rc $?: $(tail -5 "$N/learn-host.err")"; exit 1; }
grep -q '^SystemCallFilter=' "$N/u/$UNIT.d/harden.conf" || { echo "FAIL: the learned drop-in has no SystemCallFilter="; exit 1; }
rm -f "$N/access.log" "$N/error.log" "$N/nginx.pid"
rm -rf "${N:?}/tmp"/*
echo "learned on the host ($(since)): $(grep -c '^[A-Z]' "$N/u/$UNIT.d/harden.conf") settings in $N/u/$UNIT.d/harden.conf"

# ---- boot the container, in a cgroup of our own ----
ct_boot "$SD" "$CG"
echo "container booted ($(since)): systemd is PID 1 (host pid $L), state $ct_state"

# ---- 1. the unit with the learned drop-in ----
cp "$N/u/$UNIT" "$R/etc/systemd/system/$UNIT"
mkdir -p "$R/etc/systemd/system/$UNIT.d"
cp "$N/u/$UNIT.d/harden.conf" "$R/etc/systemd/system/$UNIT.d/harden.conf"
in_ct systemctl daemon-reload || bad "daemon-reload in the container failed"
in_ct systemctl start "$UNIT" || bad "systemctl start $UNIT: $(in_ct systemctl --no-pager status "$UNIT" 2>&1 | tail -5)"
up=0 i=0
while [ $i -lt 50 ]; do
	in_net curl -s --max-time 2 -o /dev/null "$URL/" && { up=1; break; }
	sleep 0.2
	i=$((i + 1))
done
[ $up = 1 ] || bad "nginx under systemd never answered on $URL: $(in_ct journalctl --no-pager -u "$UNIT" 2>&1 | tail -5)"

# ---- 2. systemctl show = harden show, for every setting harden show prints ----
"$HARDEN" show --systemd=252 --unit "$N/u/$UNIT" >"$N/harden-show.txt" 2>"$N/harden-show.err" ||
	bad "harden show: rc $?: $(cat "$N/harden-show.err")"
set --
for k in $(sed -n 's/=.*//p' "$N/harden-show.txt"); do set -- "$@" -p "$k"; done
in_ct systemctl show "$UNIT" "$@" >"$N/systemctl-show.txt" || bad "systemctl show failed"
# list settings compare as sets (systemctl prints the filter in hash order, harden sorted), keeping the
# leading '~' (deny list) apart; every other setting as it is
python3 - "$N/systemctl-show.txt" "$N/harden-show.txt" <<'EOF' || fail=1
import sys
SETS = {"SystemCallFilter", "SystemCallLog", "SystemCallArchitectures", "RestrictAddressFamilies",
        "RestrictNamespaces"}
def read(p):
    d = {}
    for line in open(p):
        k, sep, v = line.rstrip("\n").partition("=")
        if sep:
            d[k] = v
    return d
sd, hd = read(sys.argv[1]), read(sys.argv[2])
def norm(k, v):
    if k not in SETS:
        return v
    neg = v.startswith("~")
    return (neg, frozenset((v[1:] if neg else v).split()))
bad = 0
for k, hv in hd.items():
    if k not in sd:
        print(f"FAIL: {k}: systemctl show does not print it (harden show: {hv[:200]})")
        bad = 1
        continue
    a, b = norm(k, sd[k]), norm(k, hv)
    if a == b:
        print(f"equal: {k} ({len(a[1])} entries)" if k in SETS else f"equal: {k}={hv}")
        continue
    # (an allow list's NAME:ENOSYS entries were a difference once: systemd 252's property leaves
    # denied calls out, and harden show now does too; the kernel still answers them with ENOSYS)
    bad = 1
    if k in SETS and a[0] == b[0]:
        print(f"FAIL: {k} differs: only systemctl: {' '.join(sorted(a[1] - b[1]))}; "
              f"only harden: {' '.join(sorted(b[1] - a[1]))}")
    else:
        print(f"FAIL: {k} differs: systemctl show: {sd[k][:300]} | harden show: {hv[:300]}")
print(f"{len(hd)} settings compared, {'all equal' if not bad else 'DIFFERENCES'}")
sys.exit(bad)
EOF

# ---- 3. the workload under the drop-in, the filter really in the kernel ----
MAIN=$(in_ct systemctl show -P MainPID "$UNIT")
# MainPID is the container's pid: its /proc is the one under the container's root
sc=$(sed -n 's/^Seccomp:[[:space:]]*//p' "$R/proc/$MAIN/status" 2>/dev/null)
[ "$sc" = 2 ] || bad "nginx's master (pid $MAIN in the container) is not under a seccomp filter: Seccomp: '${sc:-?}'"
failed=$(in_net sh "$N/work.sh" 20)
[ "$failed" = 0 ] || bad "workload under the learned drop-in: ${failed:-all} of 20 requests failed"
echo "workload under the drop-in ($(since)): 20 requests, ${failed:-?} failed; master Seccomp: ${sc:-?}"

# ---- 4. harden learn --cgroup on the systemd-started unit ----
UCG=$CG/system.slice/$UNIT # the container's cgroup root is $CG
[ -d "$UCG" ] || bad "the unit's cgroup is not at $UCG: $(cat "$R/proc/$MAIN/cgroup" 2>/dev/null)"
timeout 60 "$HARDEN" learn --cgroup "$UCG" --duration 30 -o "$N/cgroup.conf" >"$N/learn-cg.out" 2>"$N/learn-cg.err" &
LEARN=$!
sleep 2 # attaching the eBPF programs; what runs before it is not seen, so the workload waits
failed=$(in_net sh "$N/work.sh" 10)
[ "$failed" = 0 ] || bad "workload while learn --cgroup watched: ${failed:-all} of 10 requests failed"
kill -INT "$LEARN" 2>/dev/null
wait "$LEARN"
rc=$?
LEARN=
[ $rc = 0 ] || bad "harden learn --cgroup $UCG: rc $rc: $(tail -5 "$N/learn-cg.err")"
if [ -s "$N/cgroup.conf" ]; then
	grep -Eq '^SystemCallFilter=.*(@network-io|accept4)' "$N/cgroup.conf" ||
		bad "the drop-in learned from the cgroup does not allow accept4 (@network-io): $(grep '^SystemCallFilter=' "$N/cgroup.conf")"
	echo "learn --cgroup ($(since)): $(grep '^SystemCallFilter=' "$N/cgroup.conf" | head -2 | tr '\n' ' ')"
else
	bad "learn --cgroup wrote no drop-in ($(tail -3 "$N/learn-cg.err"))"
fi

# ---- 5. too tight: SIGSYS, systemd-coredump, harden explain ----
cat >"$N/u/$UNIT.d/zz-tight.conf" <<EOF
[Service]
SystemCallFilter=~@chown
SystemCallErrorNumber=
EOF
# systemd runs ExecStop= under the unit's filter too: `nginx -s quit` must succeed under the learned
# drop-in (learn --unit ran it, observed, to stop the learning run), and the unit end as a success
n0=$(in_ct sh -c "wc -l <'$N/error.log'") # the log's lines so far: what this stop logs comes after
in_ct systemctl stop "$UNIT"
res=$(in_ct systemctl show "$UNIT" -p Result | tr '\n' ' ')
echo "stopped under the learned drop-in: $res"
case $res in *Result=success*) ;; *) bad "ExecStop= (nginx -s quit) failed under the learned drop-in: $res" ;; esac
# the master logs who sent it SIGQUIT (error_log at notice): nginx -s quit must be among them (systemd's
# KillSignal=, from pid 1, may follow it to what is still running once ExecStop= has returned)
from=$(in_ct tail -n +$((${n0:-0} + 1)) "$N/error.log" | sed -n 's/.*signal 3 (SIGQUIT) received from \([0-9]*\).*/\1/p' | grep -vx 1 | tail -1)
[ -n "$from" ] ||
	bad "the master's SIGQUIT did not come from ExecStop= (nginx -s quit): $(in_ct grep 'signal 3' "$N/error.log")"
grep -q 'ExecStop= ran (1 command)' "$N/learn-host.err" || bad "learn --unit did not run ExecStop=: $(tail -3 "$N/learn-host.err")"
cp "$N/u/$UNIT.d/zz-tight.conf" "$R/etc/systemd/system/$UNIT.d/zz-tight.conf"
rm -rf "${R:?}${N:?}/tmp"/* # a fresh start: the master makes and chowns its temp directories again
in_ct systemctl daemon-reload
in_ct systemctl reset-failed "$UNIT" 2>/dev/null
# the machine-wide window: from here to close_window (a few seconds)
ln -s "$R/run/systemd/coredump" /run/systemd/coredump && WINDOW=1 &&
	echo "|$COREDUMP %P %u %g %s %t 9223372036854775808 %h %d" >/proc/sys/kernel/core_pattern ||
	bad "could not point the kernel's cores at the container"
in_ct systemctl start "$UNIT" 2>/dev/null # it dies at once: start may or may not see it alive
got=0 i=0
while [ $i -lt 50 ]; do # up to 10 s for systemd-coredump to store the core and log it
	in_ct coredumpctl -q list COREDUMP_UNIT="$UNIT" >/dev/null 2>&1 && { got=1; break; }
	sleep 0.2
	i=$((i + 1))
done
close_window
echo "core window closed ($(since)); core_pattern: $(cat /proc/sys/kernel/core_pattern)"
res=$(in_ct systemctl show "$UNIT" -p Result -p ExecMainCode -p ExecMainStatus | tr '\n' ' ')
echo "under the too-tight drop-in: $res"
case $res in *Result=core-dump*ExecMainStatus=31*) ;; *) bad "nginx did not die of SIGSYS with a core: $res" ;; esac
if [ $got = 1 ]; then
	in_ct coredumpctl --no-pager info COREDUMP_UNIT="$UNIT" >"$N/info.txt" 2>&1 || bad "coredumpctl info failed"
	in_ct coredumpctl -q dump COREDUMP_UNIT="$UNIT" >"$N/core" 2>"$N/dump.err" || bad "coredumpctl dump failed: $(cat "$N/dump.err")"
	in_ct journalctl --no-pager -o export COREDUMP_UNIT="$UNIT" >"$N/journal.export" 2>&1 || bad "journalctl -o export failed"
	for ev in core info.txt journal.export; do
		"$HARDEN" explain --unit "$N/u/$UNIT" "$N/$ev" >"$N/explain-$ev.txt" 2>&1
		rc=$?
		[ $rc = 0 ] || bad "harden explain $ev: rc $rc: $(tail -3 "$N/explain-$ev.txt")"
		grep -qw chown "$N/explain-$ev.txt" || bad "harden explain $ev does not name chown: $(head -5 "$N/explain-$ev.txt")"
		grep -q 'SystemCallFilter=' "$N/explain-$ev.txt" || bad "harden explain $ev names no SystemCallFilter= fix"
		echo "explain $ev: $(grep -m1 -w chown "$N/explain-$ev.txt") | $(grep -m1 'SystemCallFilter=' "$N/explain-$ev.txt")"
	done
else
	bad "systemd-coredump stored no core for $UNIT: $(in_ct journalctl --no-pager -n 10 2>&1 | tail -10)"
fi
exit $fail
