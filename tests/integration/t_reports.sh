#!/bin/bash
# tests/integration/t_reports.sh - DMARC aggregate report collection end to end: messages with
# known results go through a real Postfix (smtpd_milters = hallmarkd), the DMARC, SPF and DKIM
# records are served by a real NSD, and the rows hallmarkd writes are read back from its SQLite
# store with sqlite3.
#
# r1  At start the log says reports are collected, and the store is opened (so a store that
#     cannot be is said at once).  Recorded, in memory only until a flush (flush_interval is an hour here): nothing in the
#     store after the messages; SIGHUP writes them: one row per (day, policy domain, row) with
#     its count (3 DKIM+SPF passes from 192.0.2.10, 2 SPF fails from 203.0.113.5 that Postfix
#     rejected) and the day's policy (p, rua, fo, adkim, discovery).  Not recorded: a From
#     domain without a DMARC record, an internal client's mail, mail to our bounce address
#     (with a VERP extension).
# r2  SIGTERM writes what came since: the pass row's count goes up; a second SIGHUP with
#     nothing new adds nothing (counts are added, never written twice).
# r3  A store that cannot be written (another process holds its write lock past the busy
#     timeout): the flush fails, says so in the log, keeps the rows; the next flush (SIGHUP)
#     writes them, counts intact.
# r0  reports.enable without the reporter identity: hallmarkd -n (and start-up) refuse it,
#     naming what is missing.
# r4  The max_rows cap: with max_rows = 1 a second distinct row is not recorded: it is counted
#     in hallmark_reports_dropped_total (metrics endpoint) and logged; the next flush writes the
#     first row only.  (No periodic flush meanwhile: one between the two messages would empty
#     the table and let the second row in.)  Then the periodic flush (flush_interval = 1) writes
#     a row with no signal.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init reports
command -v sqlite3 >/dev/null || rig_skip "sqlite3 not found (apt-get install sqlite3)"
command -v curl >/dev/null || rig_skip "curl not found"
. "$top_srcdir/tests/lib/reports.sh"
DB=$RIG_DIR/store/reports.db
mkdir -p "$RIG_DIR/store"
rep_setup

# conf [EXTRA] - the hallmarkd snippet: the metrics endpoint, reports into DB
conf() {
	printf 'metrics_listen = "%s";\n' "$METRICS_PORT"
	rep_conf "sqlite:$DB" "${1:-}"
}
# ---- r0: the reporter identity is required -------------------------------------------------------
printf 'reports = { enable = true; org_name = "X"; receiver = "mx.test.example"; };\n' > "$M/bad.conf"
if "$HALLMARKD" -n -c "$M/bad.conf" > "$M/bad.out" 2>&1; then
	fail "r0: hallmarkd -n accepted reports without email"
fi
assert_match "reports.enable: true, but reports.email is not set" "$(cat "$M/bad.out")" \
	"r0: hallmarkd -n names the missing option"

rig_free_port METRICS_PORT
hm_start "$(conf)"
pf_start

# rows - "count|rowkey" per agg_row row (rowkey's lines joined with "|"), sorted
rows() {
	sqlite3 -separator '|' "$DB" \
		"SELECT count, replace(rowkey, char(10), '|') FROM agg_row ORDER BY rowkey" 2>&1
}
# hup_flush N - SIGHUP; wait until the store holds N messages in all
hup_flush() {
	kill -HUP "$HM_PID"
	wait_total "$1"
}
# wait_total N - wait (10 s) until SUM(count) is N
wait_total() {
	local i got=""
	for i in $(seq 100); do
		got=$(sqlite3 "$DB" "SELECT COALESCE(SUM(count), 0) FROM agg_row" 2>/dev/null || true)
		[ "$got" = "$1" ] && return 0
		sleep 0.1
	done
	fail "the store holds ${got:-nothing} messages, not $1" "$HM_LOG"
}

# ---- r1: recorded, written on SIGHUP -----------------------------------------------------------
for i in $(seq 50); do
	grep -q "reports: store sqlite:$DB open" "$HM_LOG" && break
	sleep 0.1
done
grep -q "reports: collecting DMARC aggregate report data, written to sqlite:$DB every 3600 s" \
	"$HM_LOG" && grep -q "reports: store sqlite:$DB open" "$HM_LOG" ||
	fail "r1: the start did not say it collects, or did not open the store" "$HM_LOG"
ok "r1: the start says what is collected where, and opens the store"
rep_msg pass "Provost <provost@univ.example>" sign
rep_msg fail "Provost <provost@univ.example>"
rep_msg norec "Someone <a@norecord.example>"
for i in 1 2 3; do
	rep_deliver pass --addr 192.0.2.10 --from bounce@univ.example
done
for i in 1 2; do
	send_msg --data "$M/fail" --addr 203.0.113.5 --from x@univ.example --expect 5 ||
		fail "fail: not rejected"
done
rep_deliver norec --addr 203.0.113.5 --from x@norecord.example
rep_deliver pass --addr 127.0.0.1 --from bounce@univ.example
rep_deliver pass --addr 192.0.2.10 --from bounce@univ.example --to dmarc-bounce+x=example.net@mx.test.example
sleep 0.5
assert_eq 0 "$( [ -f "$DB" ] && sqlite3 "$DB" 'SELECT COUNT(*) FROM agg_row' || echo 0)" \
	"r1: nothing in the store before a flush"
hup_flush 5
assert_eq "$(printf '3|%s\n2|%s' "$KEY_PASS" "$KEY_FAIL")" "$(rows)" \
	"r1: SIGHUP wrote 3 passes and 2 rejected fails, nothing else"
pol=$(sqlite3 -separator ' ' "$DB" "SELECT day, domain, record_domain, p, COALESCE(sp, '-'),
	COALESCE(np, '-'), adkim, aspf, fo, testing, discovery, rua FROM agg_policy")
assert_eq "$(( $(date -u +%s) / 86400 )) univ.example univ.example reject - - r r 1 0 treewalk mailto:dmarc@univ.example" \
	"$pol" "r1: the day's policy"
assert_eq 5 "$(sqlite3 "$DB" 'SELECT SUM(count) FROM agg_row')" "r1: 5 messages in all"

# ---- r2: SIGTERM writes the rest; nothing is written twice -------------------------------------
kill -HUP "$HM_PID"
sleep 1
assert_eq 5 "$(sqlite3 "$DB" 'SELECT SUM(count) FROM agg_row')" "r2: a flush with nothing new adds nothing"
rep_deliver pass --addr 192.0.2.10 --from bounce@univ.example
hm_stop
assert_eq 0 "$HM_RC" "r2: hallmarkd stopped cleanly"
wait_total 6
assert_eq "$(printf '4|%s\n2|%s' "$KEY_PASS" "$KEY_FAIL")" "$(rows)" "r2: SIGTERM added the 4th pass"

# ---- r3: a store that cannot be written keeps the rows for the next flush ------------------------
hm_start "$(conf)"
pf_reload
rep_deliver pass --addr 192.0.2.10 --from bounce@univ.example
rep_deliver pass --addr 192.0.2.10 --from bounce@univ.example
mark=$(wc -l < "$HM_LOG")
# hold the write lock past the 5 s busy timeout of the store: from before the SIGHUP until the
# failed flush is logged, however slow the machine (a line on the fifo, fd 4, releases it; the
# locker gives up by itself after 60 s should the test end without releasing it)
mkfifo "$RIG_DIR/unlock"
exec 4<>"$RIG_DIR/unlock"
rig_on_exit "{ echo >&4; } 2>/dev/null || true"
( exec 3<"$RIG_DIR/unlock" 4>&-; printf 'BEGIN EXCLUSIVE;\n'; read -r -t 60 -u 3 _ || true
	printf 'COMMIT;\n' ) | sqlite3 "$DB" &
LOCKER=$!
rig_on_exit "kill $LOCKER 2>/dev/null || true"
# locked: another writer is refused at once
for i in $(seq 300); do
	sqlite3 "$DB" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1 || break
	sleep 0.1
done
sqlite3 "$DB" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1 && fail "r3: the store could not be locked"
kill -HUP "$HM_PID"
for i in $(seq 600); do
	tail -n +"$(( mark + 1 ))" "$HM_LOG" | grep -q "reports: cannot write 1 row(s) (2 message(s))" && break
	sleep 0.1
done
tail -n +"$(( mark + 1 ))" "$HM_LOG" | grep -q "reports: cannot write 1 row(s) (2 message(s)).*kept in memory" ||
	fail "r3: the failed flush was not logged" "$HM_LOG"
ok "r3: the failed flush is logged, the rows kept"
echo >&4
exec 4>&-
wait "$LOCKER" || true
hup_flush 8
assert_eq "$(printf '6|%s\n2|%s' "$KEY_PASS" "$KEY_FAIL")" "$(rows)" "r3: the next flush wrote them"

# ---- r4: the max_rows cap is counted and logged, never silent ----------------------------------
hm_stop
hm_start "$(conf 'max_rows = 1;')"
pf_reload
rep_deliver pass --addr 192.0.2.10 --from bounce@univ.example
send_msg --data "$M/fail" --addr 203.0.113.5 --from x@univ.example --expect 5 ||
	fail "fail: not rejected"
sleep 0.3
grep -q "reports: max_rows (1) reached: 1 message(s) not recorded" "$HM_LOG" ||
	fail "r4: the dropped message was not logged" "$HM_LOG"
metric=$(curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | grep '^hallmark_reports_dropped_total ')
assert_eq "hallmark_reports_dropped_total 1" "$metric" "r4: counted in the metric"
hup_flush 9
assert_eq "$(printf '7|%s\n2|%s' "$KEY_PASS" "$KEY_FAIL")" "$(rows)" \
	"r4: the flush wrote the first row, not the dropped one"
hm_stop
hm_start "$(REP_INTERVAL=1 conf 'max_rows = 1;')"
pf_reload
rep_deliver pass --addr 192.0.2.10 --from bounce@univ.example
wait_total 10
assert_eq "$(printf '8|%s\n2|%s' "$KEY_PASS" "$KEY_FAIL")" "$(rows)" \
	"r4: the row was written by the periodic flush"
hm_stop
assert_eq 0 "$HM_RC" "hallmarkd stopped cleanly"
