#!/bin/sh
# examples/ansible/ against systemd 252 as PID 1 of the suite's container (container-common.sh), with
# ansible-core from Debian. The inventory has two hosts, ct1 and ct2, both that container (reached with
# nsenter from a local connection: the container has no network path from here), nginx a unit in it:
#  1. rollout.yml with a drop-in nginx survives: kept on ct1, then on ct2, one at a time;
#  2. rollout.yml with a drop-in that kills nginx (SIGSYS at start): rolled back on ct1, the play fails,
#     and ct2 is never touched (serial: 1, the first rollback stops the rollout); nginx serves;
#  3. security.yml: one table with the unit's exposure from each host.
set -u
: "${HARDEN:?}"
. "${SRCDIR:?}/tests/integration/container-common.sh"
UNIT=hd-ansible-nginx.service
ct_preflight curl python3 ansible-playbook
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "skip: nginx is not installed (scripts/install-deps: nginx-light)"; exit 77; }
T0=$(date +%s)
N=$(mktemp -d /var/tmp/harden-ansible.XXXXXX) # seen by the container through its overlay's lower layer
SD=$(mktemp -d)
chmod 755 "$N"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
cleanup() {
	ct_teardown
	rm -rf "${N:?}" "${SD:?}"
	echo "wall time: $(($(date +%s) - T0))s"
}
trap 'cleanup' EXIT
trap 'exit 1' INT TERM

cp "$HARDEN" "$N/harden" || { echo "FAIL: cannot copy $HARDEN"; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$N/www" "$N/tmp"
echo hello >"$N/www/index.html"
cat >"$N/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log;
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
printf '[Service]\nExecStart=%s -p %s -c %s/nginx.conf -e %s/error.log\nKillSignal=SIGQUIT\n' "$NGINX" "$N" "$N" "$N" >"$N/$UNIT"
printf '[Service]\nSystemCallFilter=@system-service\nSystemCallErrorNumber=EPERM\nNoNewPrivileges=yes\nProtectSystem=full\n' >"$N/good.conf"
printf '[Service]\nSystemCallFilter=~@chown\nSystemCallErrorNumber=\n' >"$N/kills.conf"

ct_boot "$SD" "$CG2/harden-ansible-$$.slice"
in_ct cp "$N/$UNIT" /etc/systemd/system/ && in_ct systemctl daemon-reload && in_ct systemctl start "$UNIT" ||
	{ echo "FAIL: the unit does not start"; exit 1; }
serves() { in_net curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/" | grep -qx 200; }
i=0
until serves; do i=$((i + 1)); [ $i -ge 50 ] && break; sleep 0.1; done

# the inventory: two hosts, both the container
cat >"$N/hosts" <<EOF
[harden]
ct1
ct2
[harden:vars]
ansible_connection=local
ansible_python_interpreter=/usr/bin/python3
harden_command=nsenter -t $L -a $N/harden
EOF
play() { # PLAYBOOK ARGS...: its output in $N/play.out, status $rc
	pb=$1
	shift
	ANSIBLE_NOCOLOR=1 ANSIBLE_HOST_KEY_CHECKING=0 ANSIBLE_LOCAL_TEMP="$N/ansible-tmp" ANSIBLE_REMOTE_TEMP="$N/ansible-tmp" \
		timeout 240 ansible-playbook -i "$N/hosts" "$SRCDIR/examples/ansible/$pb" "$@" >"$N/play.out" 2>&1
	rc=$?
}

# 1. kept on both, one at a time
play rollout.yml -e harden_unit=$UNIT -e harden_dropin=$N/good.conf -e harden_copy=false -e harden_watch=1
[ "$rc" = 0 ] || bad "1: the rollout of a good drop-in failed (rc $rc): $(tail -15 "$N/play.out")"
n=$(grep -c "$UNIT on ct[12]: kept" "$N/play.out")
[ "$n" = 2 ] || bad "1: not kept on both hosts ($n): $(grep -E 'msg|fatal' "$N/play.out" | head -5)"
# serial: 1 -- ct1's play ran to its end before ct2's began
awk '/ct1: kept/{a=NR} /ok: \[ct2\]|changed: \[ct2\]/{if(!b)b=NR} END{exit !(a && b && a < b)}' "$N/play.out" ||
	bad "1: the hosts were not done one at a time"
serves || bad "1: nginx does not serve"
echo "1: kept on ct1, then ct2"

# 2. rolled back on ct1; ct2 never touched
rm -rf "${N:?}/tmp"/* # nginx makes (and chowns) its temp directories again at start
in_ct sh -c "rm -rf $N/tmp/*"
play rollout.yml -e harden_unit=$UNIT -e harden_dropin=$N/kills.conf -e harden_copy=false -e harden_watch=2
[ "$rc" != 0 ] || bad "2: the rollout of a killing drop-in succeeded"
grep -q "$UNIT on ct1: ROLLED BACK: .*signal 31" "$N/play.out" || bad "2: ct1 did not report the rollback: $(grep -E 'msg|fatal' "$N/play.out" | head -5)"
grep -qE '(ok|changed|fatal|failed): \[ct2\]' "$N/play.out" && bad "2: ct2 was touched after ct1 rolled back: $(grep 'ct2' "$N/play.out" | head -3)"
in_ct cmp -s "/etc/systemd/system/$UNIT.d/zz-harden.conf" "$N/good.conf" || bad "2: the good drop-in is not back"
i=0
until serves; do i=$((i + 1)); [ $i -ge 50 ] && break; sleep 0.1; done
serves || bad "2: nginx does not serve after the rollback"
echo "2: rolled back on ct1, ct2 untouched"

# 3. one table of every host's scores
play security.yml -e "{\"harden_units\": [\"/etc/systemd/system/$UNIT\"]}" -e harden_table=$N/table.tsv
[ "$rc" = 0 ] || bad "3: security.yml failed (rc $rc): $(tail -15 "$N/play.out")"
grep -qE "^ct1	$UNIT	[0-9.]+$" "$N/table.tsv" && grep -qE "^ct2	$UNIT	[0-9.]+$" "$N/table.tsv" ||
	bad "3: the table lacks a host: $(cat "$N/table.tsv" 2>&1)"
echo "3: the table:"
cat "$N/table.tsv"
exit $fail
