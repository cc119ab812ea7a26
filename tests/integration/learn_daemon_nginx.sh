#!/bin/sh
# A real daemon learned while a client drives it: nginx (master + 2 workers, 127.0.0.1 only) is learned
# from a SMOKE workload (one request) and from a FULL one (ab, a 404, a HEAD, a large file, log rotation by
# SIGUSR1, a reload by SIGHUP); the FULL drop-in is also widened (--widen=static). Each drop-in is tried
# with FULL under harden run --unit (daemon-common.sh): the SMOKE one must break on what SMOKE never did
# (rotation chowns the new logs to the workers' user) and its report must name each such call and a fix;
# the FULL one may block only calls it names under "Not sure of", and fail no request; the widened one
# must block nothing and fail nothing. Prints the table.
# KEEP=1 keeps the temporary directory (configs, drop-ins, logs) and says where.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "skip: needs root (nginx's master runs as root, its workers as nobody)"; exit 77; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "skip: nginx is not installed (scripts/install-deps: nginx-light)"; exit 77; }
for t in curl ab; do
	command -v $t >/dev/null || { echo "skip: $t is not installed (scripts/install-deps)"; exit 77; }
done
. "${SRCDIR:-.}/tests/integration/daemon-common.sh"
T=$(mktemp -d)
chmod 755 "$T" # the workers (nobody) read the files under it
cleanup() {
	# nginx is stopped by pid only: the master's (pid file), then the harden run that holds it
	[ -s "$T/nginx.pid" ] && kill -KILL "$(cat "$T/nginx.pid")" 2>/dev/null
	dmn_cleanup
	[ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$T/www" "$T/tmp"
echo hello >"$T/www/index.html"
head -c 4000000 /dev/urandom >"$T/www/big.bin"
cat >"$T/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $T/nginx.pid;
error_log $T/error.log;
events { worker_connections 128; }
http {
	access_log $T/access.log;
	client_body_temp_path $T/tmp/body;
	proxy_temp_path $T/tmp/proxy;
	fastcgi_temp_path $T/tmp/fastcgi;
	uwsgi_temp_path $T/tmp/uwsgi;
	scgi_temp_path $T/tmp/scgi;
	server {
		listen 127.0.0.1:$PORT;
		root $T/www;
	}
}
EOF
DAEMON="$NGINX -p $T -c $T/nginx.conf -e $T/error.log"
URL=http://127.0.0.1:$PORT
$DAEMON -t >/dev/null 2>&1 || { echo "FAIL: nginx -t refuses the test config"; exit 1; }

daemon_ready() { [ -s "$T/nginx.pid" ] && curl -s --max-time 2 -o /dev/null "$URL/"; }
daemon_stop() { [ -s "$T/nginx.pid" ] && kill -TERM "$(cat "$T/nginx.pid")"; }
daemon_reset() { rm -f "$T/nginx.pid" "$T/access.log.1"; }
# ab's failed and non-2xx requests (each failed step of the script counts once more: dmn_try)
workload_failures() {
	f=$(sed -n 's/^Failed requests: *//p' "$1")
	n=$(sed -n 's/^Non-2xx responses: *//p' "$1")
	echo $((${f:-1} + ${n:-0}))
}

# the workloads; every step bounded in time
cat >"$T/smoke.sh" <<EOF
curl -sf --max-time 10 -o /dev/null $URL/index.html
EOF
cat >"$T/full.sh" <<EOF
set -e
timeout 120 ab -q -n 2000 -c 10 -s 10 $URL/index.html
test "\$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' $URL/no-such-page)" = 404
curl -sfI --max-time 10 $URL/index.html >/dev/null
curl -sf --max-time 20 -o $T/got.bin $URL/big.bin
cmp -s $T/got.bin $T/www/big.bin
# log rotation the way logrotate does it for nginx: move the log away, USR1 makes the master reopen
# the logs (and chown them to the workers' user), the workers follow
mv $T/access.log $T/access.log.1
kill -USR1 \$(cat $T/nginx.pid)
sleep 1
curl -sf --max-time 10 -o /dev/null $URL/index.html
sleep 0.5
test -s $T/access.log || { echo "log rotation failed: nothing was logged to the new access.log"; exit 1; }
kill -HUP \$(cat $T/nginx.pid) # reload: the master re-reads the config and starts new workers
sleep 1
curl -sf --max-time 10 -o /dev/null $URL/index.html
EOF

daemon_reset
dmn_prove chown "log rotation: the master chowns the new logs"
exit $fail
