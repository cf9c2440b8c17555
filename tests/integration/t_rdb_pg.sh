#!/bin/bash
# tests/integration/t_rdb_pg.sh - the report store (milter/report/rdb*.c) on
# a real, private PostgreSQL (tests/lib/pg.sh), with the same cases as on
# SQLite: tests/unit/test_rdb given "pg:$HM_PG_URL" runs each case in its
# own empty schema (types, NULL, bytes with NULs, upserts, changes,
# transactions, advisory locks between connections and between processes
# (one gets 0; a process ending with the lock frees it), four processes
# opening an empty store at once (the schema made once), a newer schema
# refused, error texts).  Then, from outside: the tables and types psql
# sees (BYTES became bytea), one schema_version row, `hallmark report
# check` on the store, a server restart under an open connection, and the
# error of a server that is gone.
#
# Exit 0 pass, 77 skip (PostgreSQL or cmocka missing; with CI=true that is
# a failure), 1 fail.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pg.sh"
TEST_RDB=$top_builddir/tests/unit/test_rdb
HALLMARK=${HALLMARK:-$top_builddir/hallmark}
HM_RDB=$top_builddir/tests/tools/hm-rdb

pg_need
[ -x "$TEST_RDB" ] || missing "tests/unit/test_rdb (cmocka)"
[ -x "$HM_RDB" ] || missing "tests/tools/hm-rdb (make check builds it)"
fails=0
cleanup() { pg_stop; }
work_dir rdb-pg
t0=$(date +%s.%N)
pg_start "$WORK" || { echo "FAIL: pg_start"; exit 1; }
t1=$(date +%s.%N)
echo "# PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}') up in $(echo "$t1 - $t0" | bc) s as $PG_USER"

# 1. every case of test_rdb, on PostgreSQL
if "$TEST_RDB" "pg:$HM_PG_URL" >"$WORK/unit.log" 2>&1; then
	ok "test_rdb on PostgreSQL: $(grep -c '^\[       OK \]' "$WORK/unit.log") cases pass"
else
	fail "test_rdb on PostgreSQL" "$WORK/unit.log"
fi

# 2. the public schema as psql sees it (test_rdb opened the base URL)
cols=$(pg_psql "SELECT table_name || '.' || column_name || ':' || data_type
    FROM information_schema.columns WHERE table_schema = 'public'
    AND column_name IN ('body', 'count', 'rowkey') ORDER BY 1")
assert_eq "agg_row.count:bigint
agg_row.rowkey:text
imp_row.count:bigint
imp_row.rowkey:text
report.body:bytea" "$cols" "BYTES is bytea, BIGINT bigint"
assert_eq "1" "$(pg_psql 'SELECT count(*) FROM schema_version')" \
    "one schema_version row"
assert_eq "1" "$(pg_psql 'SELECT version FROM schema_version')" \
    "schema version 1"

# 3. hallmark report check on it
pg_psql "INSERT INTO agg_row VALUES (20424, 'example.org', 'k1', 3)" >/dev/null
if out=$("$HALLMARK" report check --store "pg:$HM_PG_URL" 2>&1); then
	ok "hallmark report check: exit 0"
else
	fail "hallmark report check: exit $?: $out"
fi
assert_match '^backend: postgresql$' "$out" "report check: backend postgresql"
assert_match '^schema version: 1 \(this hallmark: 1\)$' "$out" \
    "report check: schema version"
assert_match '^    agg_row +1$' "$out" "report check: rows counted"

# the URI forms reach the same database
for u in "postgresql:///hallmark?host=$PG_DIR&user=$PG_USER" \
    "POSTGRES://$PG_USER@/hallmark?host=$PG_DIR"; do
	assert_eq 1 "$("$HM_RDB" "$u" "SELECT count(*) FROM agg_row" 2>&1)" \
	    "the store through ${u%%:*}://"
done

# session OUT LINE... - tests/tools/hm-rdb on the store, reading the LINEs
# (statements, or !begin !commit !rollback !lock NAME !unlock NAME) from a
# fifo, its answers in OUT; the line @restart waits until every line so
# far is answered, then restarts the server.  Waits for hm-rdb to end.
session() {
	local out=$1 l i n=0 pid
	shift
	rm -f "$WORK/in"
	mkfifo "$WORK/in"
	"$HM_RDB" "pg:$HM_PG_URL" - <"$WORK/in" >"$out" 2>&1 &
	pid=$!
	exec 3>"$WORK/in"
	for l in "$@"; do
		if [ "$l" != @restart ]; then
			echo "$l" >&3
			n=$((n + 1))
			continue
		fi
		for i in $(seq 50); do
			[ "$(grep -cE '^(ok|error|lock)' "$out")" -ge "$n" ] && break
			sleep 0.1
		done
		pg_restart || fail "pg_ctl restart" "$PG_DIR/server.log"
	done
	exec 3>&-
	for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill "$pid" 2>/dev/null && fail "hm-rdb did not end"
	wait "$pid"
}
# lines OUT FROM TO - lines FROM..TO of OUT on one line
lines() { sed -n "$2,$3p" "$1" | tr '\n' ' ' | sed 's/ $//'; }

# 4. a server restart under an open connection: the first statement after
# it fails with the server's reason, the next one reconnects
session "$WORK/rdb.out" "SELECT 1" @restart "SELECT 2" "SELECT 3"
assert_eq "1 ok 0" "$(lines "$WORK/rdb.out" 1 2)" \
    "a statement before the restart" "$WORK/rdb.out"
assert_match '^error: postgresql: .*(terminat|closed the connection)' \
    "$(lines "$WORK/rdb.out" 3 3)" "the first after it: the server's reason" \
    "$WORK/rdb.out"
assert_eq "3 ok 0" "$(lines "$WORK/rdb.out" 4 5)" \
    "the next one reconnects" "$WORK/rdb.out"
# ... with a lock and a transaction open: the transaction is not
# committed, the lock is known gone (taken again after the reconnection),
# and closing releases it (a later session takes it)
session "$WORK/rdb2.out" "!lock flush" "!begin" "SELECT 1" @restart \
    "SELECT 2" "!commit" "!lock flush"
assert_eq "lock 1 ok 1 ok 0" "$(lines "$WORK/rdb2.out" 1 4)" \
    "lock and transaction before the restart" "$WORK/rdb2.out"
assert_match '^error: postgresql: not committed, rolled back' \
    "$(lines "$WORK/rdb2.out" 6 6)" "after it: the transaction is not committed" \
    "$WORK/rdb2.out"
assert_eq "lock 1" "$(lines "$WORK/rdb2.out" 7 7)" \
    "the lock is taken again on the new connection" "$WORK/rdb2.out"
session "$WORK/rdb3.out" "!lock flush"
assert_eq "lock 1" "$(lines "$WORK/rdb3.out" 1 1)" \
    "closing released it" "$WORK/rdb3.out"
# ... and unlocking on a connection known broken: nothing to release, no
# reconnection for it
session "$WORK/rdb4.out" "!lock send" @restart "SELECT 2" "!unlock send" \
    "!lock send"
assert_eq "lock 1" "$(lines "$WORK/rdb4.out" 1 1)" "lock before the restart" \
    "$WORK/rdb4.out"
assert_eq "ok lock 1" "$(lines "$WORK/rdb4.out" 3 4)" \
    "unlock on the broken connection, lock on the new one" "$WORK/rdb4.out"

# 5. a server that is gone: a clear error, no hang
url="pg:$HM_PG_URL"
pg_stop
if out=$(timeout 20 "$TEST_RDB" "$url" 2>&1); then
	fail "test_rdb against a stopped server succeeded"
else
	assert_match 'postgresql: cannot connect: .*No such file or directory' \
	    "$out" "stopped server: \"cannot connect\" with libpq's reason"
fi
assert_eq "" "$(pgrep -f "$WORK/pg/data" || :)" "no postmaster left"

[ "$fails" = 0 ] || exit 1
