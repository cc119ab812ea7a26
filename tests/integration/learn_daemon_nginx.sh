#!/bin/sh
# A real daemon learned while a client drives it: nginx (master + 2 workers, 127.0.0.1 only) is learned
# with a SMOKE workload (one request), tried under that drop-in with --audit on a FULL workload (ab, a 404,
# a HEAD, a large file, a reload by SIGHUP), then learned from FULL and run enforcing under the new drop-in:
# there FULL must have 0 failed requests and 0 blocked calls. Prints workload -> blocked calls, failures.
# KEEP=1 keeps the temporary directory (configs, drop-ins, logs) and says where.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "skip: needs root (nginx's master runs as root, its workers as nobody)"; exit 77; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "skip: nginx is not installed (scripts/install-deps: nginx-light)"; exit 77; }
for t in curl ab; do
	command -v $t >/dev/null || { echo "skip: $t is not installed (scripts/install-deps)"; exit 77; }
done
T=$(mktemp -d)
chmod 755 "$T" # the workers (nobody) read the files under it
RUNPID=
cleanup() {
	# nginx is stopped by pid only: the master's (pid file), then the harden run that holds it
	[ -s "$T/nginx.pid" ] && kill -KILL "$(cat "$T/nginx.pid")" 2>/dev/null
	[ -n "$RUNPID" ] && kill -KILL "$RUNPID" 2>/dev/null
	[ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }

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
NGX="$NGINX -p $T -c $T/nginx.conf -e $T/error.log"
URL=http://127.0.0.1:$PORT
"$NGINX" -t -p "$T" -c "$T/nginx.conf" -e "$T/error.log" >/dev/null 2>&1 || { echo "FAIL: nginx -t refuses the test config"; exit 1; }

# the workloads: stdout is ab's report (for its "Failed requests:" line); every step bounded in time
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
kill -HUP \$(cat $T/nginx.pid) # reload: the master re-reads the config and starts new workers
sleep 1
curl -sf --max-time 10 -o /dev/null $URL/index.html
EOF

# learn: harden learn --while WORKLOAD -- nginx ...
learn() { # $1 workload, $2 drop-in
	timeout 300 "$HARDEN" learn -o "$2" --while "sh $T/$1.sh" -- $NGX >"$T/learn-$1.out" 2>"$T/learn-$1.err" ||
		bad "learn $1: rc $?: $(cat "$T/learn-$1.err")"
	grep -q '^SystemCallFilter=' "$2" || bad "learn $1: no SystemCallFilter= in the drop-in"
}
# run: nginx under harden run with the drop-in's lines as -p (--audit if $3), FULL workload, then stop
runfull() { # $1 drop-in, $2 label, $3 --audit or ""
	rm -f "$T/nginx.pid" "$T/ab.out"
	set -f
	set -- "$1" "$2" "${3:-}"
	dropin=$1 label=$2 audit=$3
	set --
	for l in $(grep -v '^[#[]' "$dropin" | grep . | tac | tr ' ' '\001'); do
		set -- -p "$(printf '%s' "$l" | tr '\001' ' ')" "$@"
	done
	set +f
	timeout 300 "$HARDEN" run $audit "$@" -- $NGX 2>"$T/run.err" &
	RUNPID=$!
	i=0
	until [ -s "$T/nginx.pid" ] && curl -s --max-time 2 -o /dev/null "$URL/"; do
		i=$((i + 1))
		[ $i -lt 100 ] && kill -0 $RUNPID 2>/dev/null || break
		sleep 0.1
	done
	sh "$T/full.sh" >"$T/ab.out" 2>&1 || bad "$label: the FULL workload failed: $(tail -3 "$T/ab.out")"
	[ -s "$T/nginx.pid" ] && kill -TERM "$(cat "$T/nginx.pid")"
	i=0
	while kill -0 $RUNPID 2>/dev/null && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
	kill -0 $RUNPID 2>/dev/null && { bad "$label: nginx did not stop on TERM"; kill -KILL $RUNPID; }
	wait $RUNPID 2>/dev/null
	RUNPID=
	failed=$(sed -n 's/^Failed requests: *//p' "$T/ab.out")
	# --audit: one "- NAME:" entry per call the filter would have blocked; enforcing: "blocked NAME" lines
	if [ -n "$audit" ]; then
		blocked=$(grep -c '^- ' "$T/run.err")
		names=$(sed -n 's/^- \([a-z0-9_]*\):.*/\1/p' "$T/run.err" | tr '\n' ' ')
	else
		blocked=$(grep -c 'blocked ' "$T/run.err")
		names=$(sed -n 's/.*blocked \([a-z0-9_]*\) .*/\1/p' "$T/run.err" | sort -u | tr '\n' ' ')
		# the drop-in's SystemCallErrorNumber=EPERM makes a blocked call fail quietly: nginx logs it
		eperm=$(grep -c 'Operation not permitted' "$T/error.log" 2>/dev/null)
		blocked=$((blocked + eperm))
	fi
	printf '%-34s %-10s %-8s %s\n' "$label" "$blocked" "${failed:-?}" "$names" >>"$T/table"
}

learn smoke "$T/smoke.conf"
runfull "$T/smoke.conf" "smoke-learned, FULL, --audit" --audit
smoke_blocked=$blocked
learn full "$T/full.conf"
runfull "$T/full.conf" "full-learned, FULL, enforcing"
[ "$failed" = 0 ] || bad "full-learned: Failed requests: ${failed:-none reported} (want 0)"
[ "$blocked" = 0 ] || bad "full-learned: $blocked blocked calls (want 0): $names"
[ "$smoke_blocked" -gt 0 ] ||
	echo "note: the SMOKE drop-in blocked nothing of FULL: the workloads did not differ in their calls"

echo "workload -> under drop-in              blocked    failed   calls"
cat "$T/table"
for w in smoke full; do
	printf 'learned from %-5s %s\n' $w "$(grep -h '^# Exposure' "$T/$w.conf" | sed 's/^# //')"
done
exit $fail
