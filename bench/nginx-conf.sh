# SPDX-License-Identifier: MIT
# Sourced by bench/daemon.sh and bench/paired.sh: an nginx configuration for a benchmark, to standard
# output. Everything nginx writes stays under DIR (pid file, error log, temporary files), it listens on
# 127.0.0.1 only, and nothing is logged per request.
# usage: nginx_conf DIR WORKERS PORT ROOT [SERVER-EXTRA]
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
