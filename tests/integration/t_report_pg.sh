#!/bin/bash
# tests/integration/t_report_pg.sh - the report state machine of `hallmark report send` on a
# real, private PostgreSQL (tests/lib/pg.sh): every case of tests/unit/test_rsend (sent,
# skipped, deferred then sent, failed, given up, suppressed, daily cap, skip_no_pass, open day,
# the lock held by another connection (pg advisory lock: another MTA of the fleet), dry run,
# byte-identical resend, parts, VERP, size limit, pruning at the end of a run), and every case of
# tests/unit/test_rprune (retention), each in its own schema, given "pg:$HM_PG_URL".
# Exit 0 pass, 77 skip (PostgreSQL or cmocka missing; with CI=true a failure), 1 fail.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/pg.sh"
TEST_RSEND=$top_builddir/tests/unit/test_rsend
TEST_RPRUNE=$top_builddir/tests/unit/test_rprune
pg_need
[ -x "$TEST_RSEND" ] || missing "tests/unit/test_rsend (cmocka)"
[ -x "$TEST_RPRUNE" ] || missing "tests/unit/test_rprune (cmocka)"
fails=0
cleanup() { pg_stop; }
work_dir report-pg
pg_start "$WORK" || { echo "FAIL: pg_start"; exit 1; }
if "$TEST_RSEND" "pg:$HM_PG_URL" >"$WORK/unit.log" 2>&1; then
	ok "test_rsend on PostgreSQL: $(grep -c '^\[       OK \]' "$WORK/unit.log") cases pass"
else
	fail "test_rsend on PostgreSQL" "$WORK/unit.log"
fi
if "$TEST_RPRUNE" "pg:$HM_PG_URL" >"$WORK/prune.log" 2>&1; then
	ok "test_rprune on PostgreSQL: $(grep -c '^\[       OK \]' "$WORK/prune.log") cases pass"
else
	fail "test_rprune on PostgreSQL" "$WORK/prune.log"
fi
[ "$fails" = 0 ]
