#!/bin/bash
# tests/integration/t_verdict.sh - what hallmark decides, writes and logs about a message, through
# a real Postfix (smtpd_milters = hallmarkd) with hallmarkd's DNS on tests/dns/faultdns (default
# DMARC actions: a temperror is 451).
#
# v1  The Author Domain spfpass.servfail.test publishes p=reject; its parent's _dmarc lookup
#     (asked only to find the Organizational Domain) is SERVFAIL. SPF passes for the Author
#     Domain itself: dmarc=pass, delivered (not 451).
# v2  Same From, SPF passes for spfpass.other.test (no Organizational Domain in common whatever
#     the parent holds): dmarc=fail, 550 5.7.1 (not 451).
# v3  From: "Dear " ) ; dmarc=pass header.from=x.example ; x=(" <b@x.example> (malformed) with
#     from_action = accept: delivered; the A-R reads (python3-authres) as exactly spf, dkim,
#     dmarc=permerror; no "dmarc=pass" and no ';' inside its comments.
# The log: for each message exactly one info line, carrying the queue id Postfix logged for it,
# client, HELO, envelope, each result once, action (and by= and reason= when refused); the debug
# SPF line of the message, written at MAIL FROM when Postfix has no queue id yet, carries that
# queue id too, not NOQUEUE.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init verdict
/usr/bin/python3 -c 'import authres' 2>/dev/null || rig_skip "python3-authres is missing"
faultdns_start "$RIG_DIR" --log "$RIG_DIR/fd.log" || fail "faultdns did not start"
rig_on_exit 'stop $FD_PID'
NSD_PORT='' hm_start 'dns = { forwarders = ["127.0.0.1@'"$FD_PORT"'"];
	query_timeout_ms = 800; message_budget_ms = 5000; };
dmarc = { from_action = "accept"; };'
# header rewriting off: the From reaches hallmarkd as sent
PF_EXTRA='local_header_rewrite_clients =
'
pf_start

M=$RIG_DIR/msg
mkdir -p "$M"
NDELIV=0

# mkmsg ID FROM - a message with From FROM, Message-ID <ID@t-verdict.test>, X-Test-Id ID
mkmsg() {
	{
		printf 'From: %s\nTo: rcpt@example.net\nSubject: %s\n' "$2" "$1"
		printf 'Date: Mon, 23 Nov 2026 11:00:00 +0000\nMessage-ID: <%s@t-verdict.test>\n' "$1"
		printf 'X-Test-Id: %s\n\nbody of %s\n' "$1" "$1"
	} > "$M/$1"
}

# delivered_ok ID - wait for one more delivery; $M/ID.out, its A-R in $AR
delivered_ok() {
	NDELIV=$(( NDELIV + 1 ))
	wait_delivered "$NDELIV" || fail "$1: not delivered"
	delivered_by "X-Test-Id: $1" > "$M/$1.out"
	assert_hdr_count Authentication-Results 1 "$M/$1.out"
	AR=$(hdr_get Authentication-Results "$M/$1.out")
}

# qid ID - the queue id Postfix logged for message ID
qid() {
	awk -v m="message-id=<$1@t-verdict.test>" 'index($0, m) { sub(/:$/, "", $6); print $6; exit }' \
		"$PF_DIR/maillog"
}

# summary ID ERE... - message ID has exactly one info line in hallmarkd's log, with its queue id,
# matching every ERE; each result method appears once (the line is left in $LINE)
summary() {
	local id=$1 q n re m
	shift
	q=$(qid "$id")
	[ -n "$q" ] || fail "$id: no queue id in the Postfix log" "$PF_DIR/maillog"
	n=$(grep -c " info: $q: " "$HM_LOG" || true)
	assert_eq 1 "$n" "$id: one info line for queue id $q" "$HM_LOG"
	LINE=$(grep " info: $q: " "$HM_LOG")
	for re in "$@"; do
		assert_match "$re" "$LINE" "$id: info line has /$re/"
	done
	for m in spf dkim dmarc; do
		n=$(grep -o " $m=" <<< "$LINE" | wc -l)
		assert_eq 1 "$n" "$id: $m= once in the info line"
	done
	grep -q " debug: $q: spf: mailfrom=" "$HM_LOG" ||
		fail "$id: no debug SPF line with the queue id $q" "$HM_LOG"
	ok "$id: the SPF line carries the queue id"
}

# ---- v1, v2: the parent of the Author Domain fails (issue 11.10) ----------------------------------
mkmsg v1 'Registrar <registrar@spfpass.servfail.test>'
send_msg --addr 192.0.2.31 --helo mail.spfpass.servfail.test --from bounce@spfpass.servfail.test \
	--data "$M/v1" || fail "v1: not accepted (a temperror?)"
delivered_ok v1
assert_match 'dmarc=pass \(p=reject dis=pass\) header\.from=spfpass\.servfail\.test' "$AR" \
	"v1: identical identifiers: dmarc=pass despite the parent's SERVFAIL"
grep -q '_dmarc.servfail.test TXT' "$RIG_DIR/fd.log" || fail "v1: the parent was not asked" \
	"$RIG_DIR/fd.log"
ok "v1: the parent's lookup reached faultdns"

mkmsg v2 'Registrar <registrar@spfpass.servfail.test>'
send_msg --addr 192.0.2.32 --helo mail.spfpass.other.test --from bounce@spfpass.other.test \
	--data "$M/v2" --expect 5 || fail "v2: not refused with 5xx"
assert_match '^550[ -]5\.7\.1 .*DMARC' "$SEND_REPLY" "v2: unaligned whatever the parent holds: 550"

# ---- v3: attacker text in the A-R comment (issue 11.12) ---------------------------------------
mkmsg v3 '"Dear " ) ; dmarc=pass header.from=x.example ; x=(" <b@x.example>'
send_msg --addr 192.0.2.33 --helo mail.spfpass.other.test --from bounce@spfpass.other.test \
	--data "$M/v3" || fail "v3: not accepted"
delivered_ok v3
got=$(/usr/bin/python3 -c '
import sys, authres
h = authres.AuthenticationResultsHeader.parse("Authentication-Results: " + sys.argv[1])
print(h.authserv_id, " ".join("%s=%s" % (r.method, r.result) for r in h.results))' "$AR") ||
	fail "v3: python3-authres cannot parse the A-R: $AR"
assert_eq "mx.test.example spf=pass dkim=none dmarc=permerror" "$got" \
	"v3: the A-R reads as hallmark's three results"
assert_no_match 'dmarc=pass' "$AR" "v3: no forged dmarc=pass in the A-R"
assert_eq 3 "$(tr -cd ';' <<< "$AR" | wc -c)" "v3: no ';' but between results"
assert_match 'dmarc=permerror \(unparseable: [^();=]*Dear dmarc pass header\.from x\.example[^();=]*\)' \
	"$AR" "v3: the comment is a clean excerpt"

# ---- the log (issue 11.17) -------------------------------------------------------------------------
summary v1 'client=192\.0\.2\.31 helo=mail\.spfpass\.servfail\.test ' \
	'from=<bounce@spfpass\.servfail\.test> rcpts=1 size=[0-9]+ ' \
	' spf=pass .* dkim=none dmarc=pass \(p=reject dis=pass\) .*action=accept$'
summary v2 'client=192\.0\.2\.32 ' 'from=<bounce@spfpass\.other\.test> ' \
	' dmarc=fail \(p=reject dis=reject\) .*action=reject by=dmarc reason="Message rejected: DMARC'
summary v3 'client=192\.0\.2\.33 ' ' dmarc=permerror \(unparseable' 'action=accept$'
assert_no_match 'NOQUEUE: spf' "$(cat "$HM_LOG")" "no SPF line without a queue id"
rig_log "all verdict checks passed"
