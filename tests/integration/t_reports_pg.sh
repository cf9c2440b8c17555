#!/bin/bash
# tests/integration/t_reports_pg.sh - two hallmarkd writing DMARC report rows into one private
# PostgreSQL (tests/lib/pg.sh), as two MX hosts of one site do: the counts in the store are the
# sum of what each recorded.
#
# p1  test_rflush's cases (the flush transaction: additive counts, the policy seen last, a
#     failed write rolled back) on PostgreSQL.
# p2  hallmarkd A alone behind Postfix records 3 passing messages; then B starts and Postfix
#     runs every message through both (smtpd_milters = A, B): 2 more passes, each recorded by
#     A and by B, and 2 fails that A rejects (Postfix then does not ask B: recorded once).
#     Both are stopped at once (SIGTERM: each writes its rows, concurrently, into the same
#     rows): 3 + 2x2 = 7 passes, 2 fails, one policy row.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init reports_pg
. "$top_srcdir/tests/lib/pg.sh"
pg_need
. "$top_srcdir/tests/lib/reports.sh"
TEST_RFLUSH=$top_builddir/tests/unit/test_rflush
[ -x "$TEST_RFLUSH" ] || rig_skip "tests/unit/test_rflush not built (cmocka)"
rep_setup
pg_start "$RIG_DIR" || fail "PostgreSQL did not start"
rig_on_exit pg_stop
STORE="pg:$HM_PG_URL"

# ---- p1 ------------------------------------------------------------------------------------------
if HM_PG_URL=$HM_PG_URL "$TEST_RFLUSH" > "$RIG_DIR/rflush.log" 2>&1; then
	ok "p1: test_rflush on PostgreSQL: $(grep -c '^\[       OK \]' "$RIG_DIR/rflush.log") cases pass"
else
	fail "p1: test_rflush on PostgreSQL" "$RIG_DIR/rflush.log"
fi
pg_psql "DELETE FROM agg_row; DELETE FROM agg_policy" > /dev/null

# rows - "count|rowkey" per agg_row row (rowkey's lines joined with "|"), sorted
rows() {
	pg_psql "SELECT count || '|' || replace(rowkey, chr(10), '|') FROM agg_row ORDER BY rowkey"
}

# ---- p2 ------------------------------------------------------------------------------------------
hm_start "$(rep_conf "$STORE")"
A_PID=$HM_PID
A_PORT=$HM_PORT
pf_start
rep_msg pass "Provost <provost@univ.example>" sign
rep_msg fail "Provost <provost@univ.example>"
for i in 1 2 3; do
	rep_deliver pass --addr 192.0.2.10 --from bounce@univ.example
done

# B: a second hallmarkd, its own port, pid file and log
mkdir -p "$RIG_DIR/hm2"
rig_free_port B_PORT
HM_PORT=$B_PORT hm_config "$(rep_conf "$STORE")" |
	sed "s#$RIG_DIR/hm/hallmarkd.pid#$RIG_DIR/hm2/hallmarkd.pid#" > "$RIG_DIR/hm2/hallmark.conf"
"$HALLMARKD" -f -c "$RIG_DIR/hm2/hallmark.conf" >> "$RIG_DIR/hm2/hallmarkd.log" 2>&1 &
B_PID=$!
rig_on_exit "kill $B_PID 2>/dev/null || true"
wait_listen "$B_PORT" 10 "$B_PID" || fail "hallmarkd B did not start" "$RIG_DIR/hm2/hallmarkd.log"
pf_postconf "smtpd_milters = inet:127.0.0.1:$A_PORT, inet:127.0.0.1:$B_PORT"
for i in 1 2; do
	rep_deliver pass --addr 192.0.2.10 --from bounce@univ.example
	send_msg --data "$M/fail" --addr 203.0.113.5 --from x@univ.example --expect 5 ||
		fail "fail: not rejected"
done
assert_eq 0 "$(pg_psql 'SELECT COUNT(*) FROM agg_row')" "p2: nothing written before the flushes"
grep -q "dmarc=pass" "$RIG_DIR/hm2/hallmarkd.log" || fail "p2: B saw no message" "$RIG_DIR/hm2/hallmarkd.log"

kill -TERM "$A_PID" "$B_PID"
wait "$B_PID" && brc=0 || brc=$?
HM_TERM_SENT=1
hm_stop
assert_eq "0 0" "$HM_RC $brc" "p2: both stopped cleanly"
# a sanitizer build: B's log is checked as hm_stop checks A's
if grep -qE 'ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|runtime error:' \
	"$RIG_DIR/hm2/hallmarkd.log"; then
	fail "p2: sanitizer report in hallmarkd B's log" "$RIG_DIR/hm2/hallmarkd.log"
fi
assert_eq "$(printf '7|%s\n2|%s' "$KEY_PASS" "$KEY_FAIL")" "$(rows)" \
	"p2: the counts of A and B add up (3 + 2x2 passes, 2 fails)"
assert_eq "1 reject mailto:dmarc@univ.example" \
	"$(pg_psql "SELECT COUNT(*) || ' ' || MAX(p) || ' ' || MAX(rua) FROM agg_policy")" \
	"p2: one policy row for the day"
