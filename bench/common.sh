# SPDX-License-Identifier: MIT
# Sourced by bench/daemon.sh and bench/paired.sh: what both benches do alike.

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# the median of the numbers on standard input (of an even count, the lower middle), or "-"
median() { sort -n | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]; else print "-"}'; }

# nginx DIR WORKERS PORT ROOT [SERVER-EXTRA]: a configuration, to standard output. Everything nginx writes
# stays under DIR (pid file, error log, temporary files), it listens on 127.0.0.1 only, and nothing is
# logged per request.
nginx_conf() {
	cat <<EOC
daemon off;
worker_processes $2;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $1/tmp/body;
	proxy_temp_path $1/tmp/proxy;
	fastcgi_temp_path $1/tmp/fastcgi;
	uwsgi_temp_path $1/tmp/uwsgi;
	scgi_temp_path $1/tmp/scgi;
	server { listen 127.0.0.1:$3; root $4; ${5:-} }
}
EOC
}
# FILE (ab's output): ab counts failed requests (connect, receive, length, exceptions) and non-2xx answers
# apart
nginx_failed() { awk '/^Failed requests:/ {n += $3} /^Non-2xx responses:/ {n += $3} END {print n + 0}' "$1"; }
# FILE (redis-benchmark's output): error replies and lost connections are lines of their own
redis_failed() { tr '\r' '\n' <"$1" | grep -ciE 'error|ERR |closed'; }
