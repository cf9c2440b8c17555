#!/bin/bash
# tests/integration/t_reports.sh - DMARC aggregate report collection end to end: messages with
# known results go through a real Postfix (smtpd_milters = hallmarkd), the DMARC, SPF and DKIM
# records are served by a real NSD, and the rows hallmarkd writes are read back from its SQLite
# store with sqlite3.
#
# r1  Recorded, in memory only until a flush (flush_interval is an hour here): nothing in the
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
#     in hallmark_reports_dropped_total (metrics endpoint) and logged; the first row is written.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init reports
command -v sqlite3 >/dev/null || rig_skip "sqlite3 not found (apt-get install sqlite3)"
command -v curl >/dev/null || rig_skip "curl not found"
HM_SIGN=$top_builddir/tests/tools/hm-sign
[ -x "$HM_SIGN" ] || rig_skip "$HM_SIGN not built"

Z=$RIG_DIR/zones
M=$RIG_DIR/msg
DB=$RIG_DIR/store/reports.db
mkdir -p "$Z" "$M" "$RIG_DIR/store"
openssl genpkey -algorithm ED25519 -out "$M/key.pem" 2>/dev/null
chmod 600 "$M/key.pem"
zone_head > "$Z/root.zone"
{
	zone_head
	zone_txt @ "v=spf1 ip4:192.0.2.0/24 -all"
	zone_txt _dmarc "v=DMARC1; p=reject; rua=mailto:dmarc@univ.example; fo=1"
	zone_txt s1._domainkey "$(dkim_txt "$M/key.pem")"
} > "$Z/univ.example.zone"
{ zone_head; zone_txt @ "v=spf1 -all"; } > "$Z/norecord.example.zone"
rig_dns "$Z"

# conf [EXTRA] - the hallmarkd snippet: reports on, flushed only on request
conf() {
	printf 'metrics_listen = "%s";\n' "$METRICS_PORT"
	printf 'reports = { enable = true; store = "sqlite:%s"; flush_interval = 3600;\n' "$DB"
	printf '  org_name = "Test University"; email = "postmaster@mx.test.example";\n'
	printf '  receiver = "mx.test.example"; bounce = "dmarc-bounce@mx.test.example"; %s };\n' \
		"${1:-}"
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

SENT=0
# msg ID FROM [sign] - M/ID: a message From FROM, DKIM-signed (d=univ.example s=s1) with "sign"
msg() {
	msg_make "$M/$1.raw" "$1" "$2"
	if [ "${3:-}" = sign ]; then
		"$HM_SIGN" -k "$M/key.pem" -d univ.example -s s1 "$M/$1.raw" > "$M/$1"
	else
		cp "$M/$1.raw" "$M/$1"
	fi
}
# deliver ID ARGS... - send M/ID (send_msg ARGS), wait for its delivery
deliver() {
	local id=$1
	shift
	send_msg --data "$M/$id" "$@" || fail "$id: not accepted"
	SENT=$(( SENT + 1 ))
	wait_delivered "$SENT" || fail "$id: not delivered"
}
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

# The row keys (rrow.c: source_ip, header_from, envelope_from, envelope_to (\0: none),
# disposition (1 pass, 3 reject), dkim_pass, spf_pass, nreason, ndkim, (d, s, result 1 pass)...,
# has_spf, spf_domain, spf_result (2 pass, 3 fail)).
KEY_PASS='192.0.2.10|univ.example|univ.example|\0|1|1|1|0|1|univ.example|s1|1|1|univ.example|2|'
KEY_FAIL='203.0.113.5|univ.example|univ.example|\0|3|0|0|0|0|1|univ.example|3|'

# ---- r1: recorded, written on SIGHUP -----------------------------------------------------------
msg pass "Provost <provost@univ.example>" sign
msg fail "Provost <provost@univ.example>"
msg norec "Someone <a@norecord.example>"
for i in 1 2 3; do
	deliver pass --addr 192.0.2.10 --from bounce@univ.example
done
for i in 1 2; do
	send_msg --data "$M/fail" --addr 203.0.113.5 --from x@univ.example --expect 5 ||
		fail "fail: not rejected"
done
deliver norec --addr 203.0.113.5 --from x@norecord.example
deliver pass --addr 127.0.0.1 --from bounce@univ.example
deliver pass --addr 192.0.2.10 --from bounce@univ.example --to dmarc-bounce+x=example.net@mx.test.example
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
deliver pass --addr 192.0.2.10 --from bounce@univ.example
hm_stop
assert_eq 0 "$HM_RC" "r2: hallmarkd stopped cleanly"
wait_total 6
assert_eq "$(printf '4|%s\n2|%s' "$KEY_PASS" "$KEY_FAIL")" "$(rows)" "r2: SIGTERM added the 4th pass"

# ---- r3: a store that cannot be written keeps the rows for the next flush ------------------------
hm_start "$(conf)"
pf_reload
deliver pass --addr 192.0.2.10 --from bounce@univ.example
deliver pass --addr 192.0.2.10 --from bounce@univ.example
mark=$(wc -l < "$HM_LOG")
# hold the write lock past the 5 s busy timeout of the store
( printf 'BEGIN EXCLUSIVE;\n'; sleep 8; printf 'COMMIT;\n' ) | sqlite3 "$DB" &
LOCKER=$!
rig_on_exit "kill $LOCKER 2>/dev/null || true"
sleep 0.5
kill -HUP "$HM_PID"
for i in $(seq 120); do
	tail -n +"$(( mark + 1 ))" "$HM_LOG" | grep -q "reports: cannot write 1 row(s) (2 message(s))" && break
	sleep 0.1
done
tail -n +"$(( mark + 1 ))" "$HM_LOG" | grep -q "reports: cannot write 1 row(s) (2 message(s)).*kept in memory" ||
	fail "r3: the failed flush was not logged" "$HM_LOG"
ok "r3: the failed flush is logged, the rows kept"
wait "$LOCKER" || true
hup_flush 8
assert_eq "$(printf '6|%s\n2|%s' "$KEY_PASS" "$KEY_FAIL")" "$(rows)" "r3: the next flush wrote them"

# ---- r4: the max_rows cap is counted and logged, never silent ----------------------------------
hm_stop
hm_start "$(conf 'max_rows = 1;')"
pf_reload
deliver pass --addr 192.0.2.10 --from bounce@univ.example
send_msg --data "$M/fail" --addr 203.0.113.5 --from x@univ.example --expect 5 ||
	fail "fail: not rejected"
sleep 0.3
grep -q "reports: max_rows (1) reached: 1 message(s) not recorded" "$HM_LOG" ||
	fail "r4: the dropped message was not logged" "$HM_LOG"
metric=$(curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | grep '^hallmark_reports_dropped_total ')
assert_eq "hallmark_reports_dropped_total 1" "$metric" "r4: counted in the metric"
hup_flush 9
assert_eq "$(printf '7|%s\n2|%s' "$KEY_PASS" "$KEY_FAIL")" "$(rows)" "r4: the first row was written"
hm_stop
assert_eq 0 "$HM_RC" "hallmarkd stopped cleanly"
