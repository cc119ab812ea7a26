#!/bin/sh
# A real daemon learned while its own clients drive it: PostgreSQL 15 (a cluster made by initdb in a
# temporary directory, 127.0.0.1 and a unix socket there only, run as the postgres user through setpriv,
# since it refuses root) is learned from a SMOKE workload (one `select 1`) and from a FULL one (pgbench -i,
# a pgbench run, psql with DDL, COPY and an index, CHECKPOINT, a reload by SIGHUP and pg_reload_conf());
# the FULL drop-in is also widened (--widen=static). Each drop-in is tried with FULL under harden run
# --unit (daemon-common.sh): the SMOKE one must break on what a `select 1` never does (the checkpointer
# writes data files back with sync_file_range) and its report must name each such call and a fix; the FULL one may block
# only calls it names under "Not sure of" and fails nothing, the widened one blocks nothing and fails
# nothing. Prints the table. KEEP=1 keeps the temporary directory and says where.
set -u
: "${HARDEN:?}"
[ "$(id -u)" = 0 ] || { echo "skip: needs root (to start PostgreSQL as its own user under harden)"; exit 77; }
PGBIN=/usr/lib/postgresql/15/bin
for t in $PGBIN/postgres $PGBIN/initdb $PGBIN/pgbench /usr/bin/psql /usr/bin/setpriv; do
	[ -x $t ] || { echo "skip: $t is not installed (scripts/install-deps: postgresql-15 postgresql-client-15)"; exit 77; }
done
id postgres >/dev/null 2>&1 || { echo "skip: no postgres user (the postgresql-15 package makes it)"; exit 77; }
. "${SRCDIR:-.}/tests/integration/daemon-common.sh"
T=$(mktemp -d)
chmod 755 "$T"
mkdir "$T/data" "$T/sock" && chown postgres:postgres "$T/data" "$T/sock" && chmod 700 "$T/data"
pm_pid() { head -1 "$T/data/postmaster.pid" 2>/dev/null; }
cleanup() {
	p=$(pm_pid)
	[ -n "$p" ] && kill -QUIT "$p" 2>/dev/null # immediate shutdown: the backends follow the postmaster
	dmn_cleanup
	[ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
AS_PG="setpriv --reuid=postgres --regid=postgres --init-groups"
$AS_PG $PGBIN/initdb -D "$T/data" -A trust -U postgres --no-sync >"$T/initdb.log" 2>&1 ||
	{ echo "FAIL: initdb: $(tail -3 "$T/initdb.log")"; exit 1; }
DAEMON="$AS_PG $PGBIN/postgres -D $T/data -k $T/sock -c listen_addresses=127.0.0.1 -p $PORT -c logging_collector=off"
PSQL="timeout 60 psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PORT -U postgres"

# every start from the same fresh cluster, so that each run meets the state the learning run met
# (tables dropped by a previous run's pgbench -i, autovacuum's backlog: paths a fresh cluster never takes)
cp -a "$T/data" "$T/data.orig"
daemon_reset() { rm -rf "$T/data" && cp -a "$T/data.orig" "$T/data" && rm -f "$T/sock/t.copy"; }
daemon_ready() { timeout 5 $PGBIN/pg_isready -q -h 127.0.0.1 -p "$PORT" -U postgres; }
# fast shutdown (SIGINT): active sessions are ended, the postmaster writes a shutdown checkpoint
daemon_stop() { p=$(pm_pid) && [ -n "$p" ] && kill -INT "$p"; }
# every failed step prints FAILED; pgbench's failed transactions count one each
workload_failures() {
	n=$(grep -c '^FAILED' "$1")
	f=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$1" | head -1)
	echo $((n + ${f:-0}))
}

# Both workloads first wait until the server accepts queries. learn starts a --while workload once the
# daemon listens, and the postmaster listens before its startup process has replayed the last checkpoint:
# until then a connection is refused with "the database system is starting up". On a loaded machine that
# can last long enough to fail the first steps (pgbench -i), and a drop-in learned so lacks what they do.
cat >"$T/ready.sh" <<EOF
i=0
until $PGBIN/pg_isready -q -h 127.0.0.1 -p $PORT -U postgres; do
	i=\$((i + 1))
	[ \$i -lt 300 ] || { echo "FAILED: the server did not accept queries within 30 s"; exit 1; }
	sleep 0.1
done
EOF
cat >"$T/smoke.sh" <<EOF
sh $T/ready.sh || exit 1
test "\$($PSQL -At -c 'select 1')" = 1
EOF
cat >"$T/full.sh" <<EOF
sh $T/ready.sh || exit 0
failed() { echo "FAILED: \$*"; }
PGB="timeout 120 $PGBIN/pgbench -h 127.0.0.1 -p $PORT -U postgres"
\$PGB -i -s 1 -q postgres 2>&1 || failed "pgbench -i"
\$PGB -c 4 -j 2 -t 200 -n postgres 2>&1 || failed "pgbench run"
$PSQL postgres <<SQL || failed "psql DDL, COPY, index"
DROP TABLE IF EXISTS t, t2;
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
COPY t TO '$T/sock/t.copy';
CREATE TABLE t2 (LIKE t);
COPY t2 FROM '$T/sock/t.copy';
CREATE INDEX ON t2 (v);
ANALYZE t2;
DROP TABLE t;
SQL
test "\$($PSQL -At -c 'select count(*) from t2' postgres)" = 20000 || failed "select after COPY"
$PSQL -c CHECKPOINT postgres || failed CHECKPOINT
# a reload two ways: SIGHUP to the postmaster, then pg_reload_conf(); a query after each
kill -HUP \$(head -1 $T/data/postmaster.pid) || failed "SIGHUP"
sleep 1
test "\$($PSQL -At -c 'select count(*) from pgbench_branches' postgres)" = 1 || failed "query after SIGHUP"
test "\$($PSQL -At -c 'select pg_reload_conf()' postgres)" = t || failed "pg_reload_conf()"
$PSQL -c 'DROP TABLE t2' postgres || failed "DROP TABLE"
exit 0
EOF

dmn_prove sync_file_range "the checkpointer's writeback of the data files it writes"
exit $fail
