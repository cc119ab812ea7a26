#!/bin/sh
# A real daemon learned while its own clients drive it: redis-server (127.0.0.1 only, run as root from a
# config file in a temporary directory) is learned from a SMOKE workload (one PING) and from a FULL one
# (redis-benchmark with all its default tests, then BGSAVE, CONFIG REWRITE and BGREWRITEAOF through
# redis-cli); the FULL drop-in is also widened (--widen=static). Each drop-in is tried with FULL under
# harden run --unit (daemon-common.sh): the SMOKE one must break on what a PING never does (the forked
# child that writes the snapshot, rewriting the config file) and its report must name each such call and
# a fix; the FULL one may block only calls it names under "Not sure of" and fails nothing, the widened
# one blocks nothing and fails nothing. Prints the table.
# KEEP=1 keeps the temporary directory and says where.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "skip: needs root (harden learn's eBPF backend; the daemon tests run as root)"; exit 77; }
for t in redis-server redis-cli redis-benchmark; do
	command -v $t >/dev/null || { echo "skip: $t is not installed (scripts/install-deps: redis-server redis-tools)"; exit 77; }
done
. "${SRCDIR:-.}/tests/integration/daemon-common.sh"
T=$(mktemp -d)
cleanup() {
	[ -s "$T/redis.pid" ] && kill -KILL "$(cat "$T/redis.pid")" 2>/dev/null
	dmn_cleanup
	[ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# the pristine config: every run starts from it, since CONFIG REWRITE changes the file
cat >"$T/redis.conf.orig" <<EOF
bind 127.0.0.1
port $PORT
protected-mode yes
daemonize no
supervised no
pidfile $T/redis.pid
dir $T
logfile $T/redis.log
dbfilename dump.rdb
save ""
appendonly no
appendfilename appendonly.aof
appenddirname aof
EOF
DAEMON="$(command -v redis-server) $T/redis.conf"
CLI="timeout 20 redis-cli -h 127.0.0.1 -p $PORT"

daemon_ready() { [ "$($CLI PING 2>/dev/null)" = PONG ]; }
daemon_stop() { $CLI SHUTDOWN NOSAVE >/dev/null 2>&1 || { [ -s "$T/redis.pid" ] && kill -TERM "$(cat "$T/redis.pid")"; }; }
daemon_reset() { cp "$T/redis.conf.orig" "$T/redis.conf"; rm -rf "$T/redis.pid" "$T/dump.rdb" "$T/aof"; }
# the FULL script prints one "FAILED: ..." line per step that failed; redis-benchmark's errors count too
workload_failures() {
	n=$(grep -c -e '^FAILED' -e '^Error' -e 'ERR' "$1")
	echo "$n"
}

cat >"$T/smoke.sh" <<EOF
test "\$($CLI PING)" = PONG
EOF
cat >"$T/full.sh" <<EOF
failed() { echo "FAILED: \$*"; }
info() { $CLI INFO persistence | tr -d '\r' | sed -n "s/^\$1://p"; }
# all of redis-benchmark's default tests (PING, SET, GET, INCR, LPUSH ... MSET), bounded in count and time
timeout 120 redis-benchmark -h 127.0.0.1 -p $PORT -q -n 2000 -c 10 -P 1 2>&1 || failed "redis-benchmark rc \$?"
# a snapshot: the server forks a child that writes temp-PID.rdb and renames it to dump.rdb
test "\$($CLI BGSAVE)" = "Background saving started" || failed "BGSAVE not started"
i=0
while [ "\$(info rdb_bgsave_in_progress)" != 0 ] && [ \$i -lt 100 ]; do i=\$((i + 1)); sleep 0.1; done
test "\$(info rdb_last_bgsave_status)" = ok || failed "BGSAVE: rdb_last_bgsave_status \$(info rdb_last_bgsave_status)"
test -s $T/dump.rdb || failed "BGSAVE: no dump.rdb"
# the server rewrites its own config file (write a temp file, fsync, rename)
$CLI CONFIG SET maxmemory-policy allkeys-lru >/dev/null || failed "CONFIG SET"
test "\$($CLI CONFIG REWRITE)" = OK || failed "CONFIG REWRITE"
grep -q '^maxmemory-policy allkeys-lru' $T/redis.conf || failed "CONFIG REWRITE: redis.conf unchanged"
# an append-only file rewritten in the background (another forked child, a manifest in aof/)
test "\$($CLI BGREWRITEAOF)" = "Background append only file rewriting started" || failed "BGREWRITEAOF not started"
i=0
while [ "\$(info aof_rewrite_in_progress)" != 0 ] && [ \$i -lt 100 ]; do i=\$((i + 1)); sleep 0.1; done
test "\$(info aof_last_bgrewrite_status)" = ok || failed "BGREWRITEAOF: aof_last_bgrewrite_status \$(info aof_last_bgrewrite_status)"
test "\$($CLI DBSIZE)" -gt 0 || failed "DBSIZE: the benchmark's keys are gone"
exit 0
EOF

daemon_reset
dmn_prove rename "BGSAVE's child renames temp-PID.rdb to dump.rdb"
exit $fail
