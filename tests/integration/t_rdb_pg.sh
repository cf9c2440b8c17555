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
	ok "test_rdb on PostgreSQL: $(grep -c '^\[       OK \]' "$WORK/unit.log") cases pass, $(grep '^\[  SKIPPED \] test_' "$WORK/unit.log" | sort -u | wc -l) SQLite-only skipped"
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

# 4. a server restart under an open connection (tests/tools/hm-rdb reading
# statements from a fifo): the first statement after it fails with the
# server's reason, the next one reconnects
mkfifo "$WORK/in"
"$HM_RDB" "pg:$HM_PG_URL" - <"$WORK/in" >"$WORK/rdb.out" 2>&1 &
rdb_pid=$!
exec 3>"$WORK/in"
echo "SELECT 1" >&3
for i in $(seq 50); do grep -q '^ok' "$WORK/rdb.out" && break; sleep 0.1; done
pg_restart || fail "pg_ctl restart" "$PG_DIR/server.log"
echo "SELECT 2" >&3
echo "SELECT 3" >&3
exec 3>&-
for i in $(seq 100); do kill -0 "$rdb_pid" 2>/dev/null || break; sleep 0.1; done
kill "$rdb_pid" 2>/dev/null && fail "hm-rdb did not end"
wait "$rdb_pid"
assert_eq "1 ok 0" "$(sed -n '1,2p' "$WORK/rdb.out" | tr '\n' ' ' | sed 's/ $//')" \
    "a statement before the restart" "$WORK/rdb.out"
assert_match '^error: postgresql: .*(terminat|closed the connection)' \
    "$(sed -n 3p "$WORK/rdb.out")" "the first after it: the server's reason" \
    "$WORK/rdb.out"
assert_eq "3 ok 0" "$(sed -n '4,5p' "$WORK/rdb.out" | tr '\n' ' ' | sed 's/ $//')" \
    "the next one reconnects" "$WORK/rdb.out"

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
