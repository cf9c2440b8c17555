#!/bin/bash
# tests/integration/t_report_prune.sh - `hallmark report prune` on a real
# SQLite store (the cases of the retention itself are in
# tests/unit/test_rprune, on SQLite and, by t_report_pg.sh, PostgreSQL):
#   1. a store with an old day whose report was sent, an old day with a
#      deferred part, an expired and a permanent suppression, an old and a
#      recent imported report; --dry-run counts them and deletes nothing
#   2. prune deletes the sent day, the expired entry and the old import,
#      keeps the deferred day, the permanent entry and the recent import;
#      a second run deletes nothing
#   3. -c CONFIG with reports.keep_days = 0 and keep_imported_days = 0
#      deletes no day and no import (an expired entry still goes)
#   4. usage errors exit 2
#
# Exit 0 pass, 77 skip (hallmark or sqlite3 missing; with CI=true that is a
# failure), 1 fail.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"
HALLMARK=${HALLMARK:-$top_builddir/hallmark}
[ -x "$HALLMARK" ] || missing "hallmark (build it)"
command -v sqlite3 >/dev/null || missing "sqlite3 (apt-get install sqlite3)"
fails=0
work_dir report-prune

# run ARGS... - hallmark report ARGS: $out (stdout), $err, $rc
run() {
	"$HALLMARK" report "$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	out=$(cat "$WORK/out")
	err=$(cat "$WORK/err")
}
# q SQL - one value from the store
q() { sqlite3 "$db" "$1"; }

today=20424
now=$((today * 86400 + 3 * 3600))
db=$WORK/reports.db
# seed - the rows of case 1
seed() {
	q "DELETE FROM agg_row; DELETE FROM agg_policy; DELETE FROM report;
	    DELETE FROM suppress; DELETE FROM imp_report; DELETE FROM imp_row;"
	for d in a.example b.example; do
		q "INSERT INTO agg_row VALUES (20300, '$d', 'k1', 3);
		    INSERT INTO agg_policy (day, domain, record_domain, p, rua, seen)
		    VALUES (20300, '$d', '$d', 'none', 'mailto:r@$d', 0);"
	done
	q "INSERT INTO report VALUES ('id-a', 20300, 'a.example', 1, 1, 'a.xml.gz',
	    'r@a.example', X'1f8b0800', 'sent', 1, NULL, 0, 0);
	  INSERT INTO report VALUES ('id-b', 20300, 'b.example', 1, 1, 'b.xml.gz',
	    NULL, X'1f8b0800', 'deferred', 2, 'timeout', 0, 0);
	  INSERT INTO suppress VALUES ('old@x.example', $((now - 10)), 'bounce', 0);
	  INSERT INTO suppress VALUES ('@y.example', NULL, 'by hand', 0);
	  INSERT INTO imp_report (reporter, report_id, begin_time, end_time,
	    domain, imported) VALUES ('rep.example', 'old', 0,
	    $((now - 401 * 86400)), 'a.example', 0),
	    ('rep.example', 'new', 0, $((now - 10 * 86400)), 'a.example', 0);
	  INSERT INTO imp_row VALUES ('rep.example', 'old', 'k1', 5),
	    ('rep.example', 'new', 'k1', 6);"
}

run check --store "sqlite:$db"
assert_eq 0 "$rc" "report check makes the store" "$WORK/err"
seed

# 1. dry run
run prune --store "sqlite:$db" --now "$now" --dry-run
assert_eq 0 "$rc" "prune --dry-run exits 0" "$WORK/err"
assert_eq "agg_row 1
agg_policy 1
report 1
suppress 1
imp_report 1
imp_row 1" "$out" "prune --dry-run counts one row per table"
assert_match 'would prune 6 rows' "$err" "the dry run's summary"
assert_eq 2 "$(q 'SELECT COUNT(*) FROM report')" "the dry run deletes nothing"

# 2. prune
run prune --store "sqlite:$db" --now "$now"
assert_eq 0 "$rc" "prune exits 0" "$WORK/err"
assert_match '^hallmark report prune: pruned 6 rows: 1 agg_row, 1 agg_policy, 1 report' "$err" "the summary"
assert_eq "id-b" "$(q 'SELECT report_id FROM report')" "the deferred part stays, the sent one goes"
assert_eq "b.example" "$(q 'SELECT domain FROM agg_row')" "the deferred day's rows stay"
assert_eq "b.example" "$(q 'SELECT domain FROM agg_policy')" "the deferred day's policy stays"
assert_eq "@y.example" "$(q 'SELECT address FROM suppress')" "the permanent entry stays"
assert_eq "new" "$(q 'SELECT report_id FROM imp_report')" "the recent import stays"
assert_eq "new" "$(q 'SELECT report_id FROM imp_row')" "its rows stay"
run prune --store "sqlite:$db" --now "$now"
assert_match 'pruned 0 rows' "$err" "a second run deletes nothing"

# 3. keep_days = 0, keep_imported_days = 0
seed
cat > "$WORK/h.conf" <<EOC
reports = {
  store = "sqlite:$db";
  keep_days = 0;
  keep_imported_days = 0;
};
EOC
run prune -c "$WORK/h.conf" --now "$now"
assert_eq 0 "$rc" "prune -c exits 0" "$WORK/err"
assert_eq 2 "$(q 'SELECT COUNT(*) FROM report')" "keep_days = 0: no day pruned"
assert_eq 2 "$(q 'SELECT COUNT(*) FROM imp_report')" "keep_imported_days = 0: no import pruned"
assert_eq 1 "$(q 'SELECT COUNT(*) FROM suppress')" "the expired entry still goes"

# 4. usage
run prune --store "sqlite:$db" --bogus
assert_eq 2 "$rc" "an unknown option: exit 2"
run prune --store "sqlite:$db" --now soon
assert_eq 2 "$rc" "a bad --now: exit 2"
run prune --store "sqlite:$db" extra
assert_eq 2 "$rc" "an argument: exit 2"

[ "$fails" = 0 ] || exit 1
