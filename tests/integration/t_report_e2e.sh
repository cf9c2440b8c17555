#!/bin/bash
# tests/integration/t_report_e2e.sh - DMARC aggregate reports end to end: collected by hallmarkd
# from messages that went through a real Postfix, built, verified and mailed by
# `hallmark report send` through the same Postfix, read back from the delivered mail.
#
# A real NSD serves the policy domains' SPF and DMARC records (p=none, rua= to other hosts) and the
# report receivers' _report._dmarc records; hallmarkd (reports on, SQLite store; non_smtpd_milters
# too, so the report mail it signs on the way out) gets 13 messages from outside with known SPF
# results, and writes their rows on SIGHUP.  Then, with --now a day later:
#   e1  SERVFAIL: `send --domain servfail.example` with faultdns as the resolver (its
#       servfail.example._report._dmarc.rcv.example query answers SERVFAIL): deferred, nothing
#       mailed, never sent on a guess.
#   e2  `send` with NSD: authorised (auth.example._report._dmarc.rcv.example), wildcard
#       (*._report._dmarc.wildrcv.example), override to the same host (mailed to the record's
#       address instead), at the policy domain (own.example), and the deferred one now sent;
#       override to another host and no record: skipped with the reason; each state in the store.
#   e3  every report mail: From reports.from, Auto-Submitted, the RFC 9990 Subject with its
#       Report-ID, one application/gzip attachment; read with a namespace-aware reader
#       (tests/tools/report-read.py): for each domain, the sum of count per (source IP,
#       header_from, DKIM and SPF results, disposition) is what was sent; each report validates
#       with xmllint against the shared RFC 9990 schema.
#   e4  the report passes DMARC at a second hallmarkd (mode verify, fed over the milter
#       protocol by tests/tools/milterc.py): hallmarkd signed it for reporter.example on the way out.
#   e5  `send --resend ID`: a second mail whose attachment is byte-identical (same file name, same
#       Report-ID); a new run builds nothing and mails nothing.
#   e6  list (80 columns, --json), show (metadata and XML), dry run, suppress --bounce with a DSN,
#       suppress by hand and remove.
# Bounces (reports.verp): the report to bounced.example meets Postfix's error transport; its DSN
# goes to the VERP address of reports.bounce, whose pipe transport runs `hallmark report suppress
# --bounce --verp ${recipient}`: the destination ends up in table suppress.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init report_e2e
command -v sqlite3 >/dev/null || rig_skip "sqlite3 not found (apt-get install sqlite3)"
[ -x /usr/bin/python3 ] || rig_skip "/usr/bin/python3 not found"
HALLMARK=$top_builddir/hallmark
[ -x "$HALLMARK" ] || rig_skip "$HALLMARK not built"
READ="/usr/bin/python3 $top_srcdir/tests/tools/report-read.py"
MILTERC="/usr/bin/python3 $top_srcdir/tests/tools/milterc.py"
K=$RIG_DIR/keys
Z=$RIG_DIR/zones
M=$RIG_DIR/msg
DB=$RIG_DIR/store/reports.db
mkdir -p "$K" "$Z" "$M" "$RIG_DIR/store"
chmod 700 "$K"

# ---- zones -------------------------------------------------------------------------------------
openssl genpkey -algorithm ED25519 -out "$K/rep.pem" 2>/dev/null
chmod 600 "$K/rep.pem"
zone_head > "$Z/root.zone"
{
	zone_head
	zone_txt @ "v=spf1 -all"
	zone_txt _dmarc "v=DMARC1; p=reject"
	zone_txt s1._domainkey "$(dkim_txt "$K/rep.pem")"
} > "$Z/reporter.example.zone"
# policy DOMAIN RUA - a sender domain: SPF 192.0.2.0/24, DMARC p=none with that rua
policy() {
	{ zone_head; zone_txt @ "v=spf1 ip4:192.0.2.0/24 -all"
	  zone_txt _dmarc "v=DMARC1; p=none; rua=$2"; } > "$Z/$1.zone"
}
policy auth.example "mailto:dmarc@rcv.example"
policy wild.example "mailto:dmarc@wildrcv.example"
policy ovr.example "mailto:old@rcv.example"
policy away.example "mailto:dmarc@rcv.example"
policy missing.example "mailto:dmarc@rcv.example"
policy servfail.example "mailto:dmarc@rcv.example"
policy own.example "mailto:dmarc@own.example"
policy bounced.example "mailto:dmarc@bounced.example"
{
	zone_head
	zone_txt _dmarc "v=DMARC1; p=none"
	zone_txt auth.example._report._dmarc "v=DMARC1"
	zone_txt ovr.example._report._dmarc "v=DMARC1; rua=mailto:new@rcv.example"
	zone_txt away.example._report._dmarc "v=DMARC1; rua=mailto:dmarc@elsewhere.example"
	zone_txt servfail.example._report._dmarc "v=DMARC1"
} > "$Z/rcv.example.zone"
{ zone_head; zone_txt '*._report._dmarc' "v=DMARC1"; } > "$Z/wildrcv.example.zone"
rig_dns "$Z"

# ---- hallmarkd with reports, Postfix with it for SMTP and local submission -----------------------
cat > "$RIG_DIR/pf-sendmail" <<EOF
#!/bin/sh
exec /usr/sbin/sendmail -C "$RIG_DIR/pf/etc" "\$@"
EOF
chmod 755 "$RIG_DIR/pf-sendmail"
hm_start "$(cat <<CONF
reports = { enable = true; store = "sqlite:$DB"; flush_interval = 3600;
  org_name = "Test Receiver"; email = "postmaster@reporter.example";
  receiver = "mx.test.example"; from = "dmarc-reports@reporter.example";
  bounce = "dmarc-bounce@reporter.example"; sendmail = "$RIG_DIR/pf-sendmail";
  verp = true; };
dkim_sign = {
  keys = ( { name = "rep"; domain = "reporter.example"; selector = "s1";
             key_file = "$K/rep.pem"; } );
  signing_table = ( { pattern = "reporter.example"; keys = ["rep"]; } );
};
CONF
)"
pf_postconf "non_smtpd_milters = inet:127.0.0.1:$HM_PORT"
pf_start
# bounces: mail to bounced.example fails (Postfix's error transport), the DSN goes to the VERP
# address dmarc-bounce+dmarc=bounced.example@reporter.example, which a pipe transport hands to
# `hallmark report suppress --bounce --verp ${recipient}`, run as nobody (pipe runs no command as
# root): the store, the configuration and the key it names are made readable for it
pf_stop_master
printf 'dmarc-bounce@reporter.example hmbounce:\nbounced.example error:mailbox unavailable\n' \
	> "$PF_DIR/etc/transport"
# (no static: map beside it: static: matches the full address before the domain is looked up)
"$PF_SBIN/postconf" -c "$PF_DIR/etc" -e "recipient_delimiter = +" \
	"transport_maps = texthash:$PF_DIR/etc/transport" "relay_transport = smtp:[127.0.0.1]:$SINK_PORT"
# its configuration: hallmarkd's without the pid file (which nobody may not write)
grep -v '^pidfile' "$HM_CONF" > "$RIG_DIR/pipe.conf"
printf 'hmbounce unix - n n - - pipe user=nobody argv=%s report suppress -c %s --bounce --verp ${recipient}\n' \
	"$HALLMARK" "$RIG_DIR/pipe.conf" >> "$PF_DIR/etc/master.cf"
"$PF_SBIN/postfix" -c "$PF_DIR/etc" start >> "$PF_DIR/start.log" 2>&1 || fail "postfix restart"
PF_STARTED=1
wait_listen "$PF_PORT" 15 || fail "postfix did not come back on $PF_PORT"
chown nobody "$RIG_DIR/store" "$K/rep.pem"
chmod 711 "$K"
chmod 644 "$RIG_DIR/pipe.conf"

# send_n N IP DOMAIN - N messages from IP with From and MAIL FROM at DOMAIN
send_n() {
	local i id
	for i in $(seq "$1"); do
		id="$3-$2-$i"
		msg_make "$M/$id" "$id" "Sender <news@$3>"
		send_msg --addr "$2" --from "news@$3" --data "$M/$id" || fail "$id: not accepted"
		SENT=$(( ${SENT:-0} + 1 ))
	done
}
send_n 3 192.0.2.10 auth.example
send_n 2 203.0.113.5 auth.example
send_n 2 192.0.2.10 wild.example
send_n 1 192.0.2.10 ovr.example
send_n 1 192.0.2.10 away.example
send_n 1 192.0.2.10 missing.example
send_n 1 192.0.2.10 servfail.example
send_n 1 203.0.113.5 own.example
send_n 1 192.0.2.10 bounced.example
wait_delivered "$SENT" || fail "the 13 messages were not delivered"
kill -HUP "$HM_PID"
for i in $(seq 100); do
	got=$(sqlite3 "$DB" "SELECT COALESCE(SUM(count), 0) FROM agg_row" 2>/dev/null || true)
	[ "$got" = 13 ] && break
	sleep 0.1
done
assert_eq 13 "$got" "13 messages recorded in the store after SIGHUP"
chown nobody "$RIG_DIR/store"/*

NOW=$(( $(date +%s) + 86400 + 7260 ))
DAY=$(( $(date +%s) / 86400 ))
# state DOMAIN - the state of DOMAIN's report in the store
state() { sqlite3 "$DB" "SELECT state FROM report WHERE domain = '$1' ORDER BY part LIMIT 1"; }
# field DOMAIN COLUMN
field() { sqlite3 "$DB" "SELECT $2 FROM report WHERE domain = '$1' ORDER BY part LIMIT 1"; }

# ---- e1: SERVFAIL defers ----------------------------------------------------------------------
rig_faultdns "$K/rep.pem"
sed "s/127\.0\.0\.1@$NSD_PORT/127.0.0.1@$FD_PORT/" "$HM_CONF" > "$M/fault.conf"
grep -q "@$FD_PORT" "$M/fault.conf" || fail "fault.conf does not use faultdns"
rc=0
"$HALLMARK" report send -c "$M/fault.conf" --domain servfail.example --now "$NOW" \
	> "$M/e1.out" 2> "$M/e1.err" || rc=$?
assert_eq 0 "$rc" "e1: send exits 0 with a deferred report"
assert_eq deferred "$(state servfail.example)" "e1: servfail.example deferred"
assert_match 'servfail' "$(field servfail.example last_error)" "e1: the reason names SERVFAIL"
assert_match 'servfail\.example\._report\._dmarc\.rcv\.example' "$(cat "$FD_LOG")" \
	"e1: the _report._dmarc name was asked"
assert_eq 1 "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM report')" "e1: only that domain built"
sleep 1
assert_eq "$SENT" "$(sink_files | wc -l)" "e1: nothing mailed"

# ---- e2: the run with NSD -----------------------------------------------------------------------
rc=0
"$HALLMARK" report send -c "$HM_CONF" --now "$NOW" > "$M/e2.out" 2> "$M/e2.err" || rc=$?
cat "$M/e2.out" "$M/e2.err" >&2
assert_eq 0 "$rc" "e2: send exits 0"
for d in auth wild ovr own servfail; do
	assert_eq sent "$(state $d.example)" "e2: $d.example sent"
done
assert_eq "dmarc@rcv.example" "$(field auth.example rcpts)" "e2: authorised destination"
assert_eq "dmarc@wildrcv.example" "$(field wild.example rcpts)" "e2: wildcard authorisation"
assert_eq "new@rcv.example" "$(field ovr.example rcpts)" "e2: override to the same host"
assert_eq "dmarc@own.example" "$(field own.example rcpts)" "e2: at the policy domain"
assert_eq 2 "$(field servfail.example attempts)" "e2: the deferred report sent on its retry"
assert_eq skipped "$(state away.example)" "e2: override to another host: not sent"
assert_match 'another host' "$(field away.example last_error)" "e2: away.example's reason"
assert_eq skipped "$(state missing.example)" "e2: no _report._dmarc record: not sent"
assert_match 'not authorised' "$(field missing.example last_error)" "e2: missing.example's reason"
assert_eq sent "$(state bounced.example)" "e2: bounced.example handed to Postfix"
SENT=$(( SENT + 5 ))
wait_delivered "$SENT" 60 || fail "e2: the 5 report mails were not delivered"
assert_match '^X-Mail-Args: <dmarc-bounce\+dmarc=rcv\.example@reporter\.example>' "$(cat $(sink_files))" \
	"e2: VERP envelope sender (reports.verp)"
# the report to bounced.example bounced: Postfix's DSN went to the VERP address, the pipe
# transport ran hallmark report suppress --bounce --verp
for i in $(seq 300); do
	got=$(sqlite3 "$DB" "SELECT reason FROM suppress WHERE address = 'dmarc@bounced.example'")
	[ -n "$got" ] && break
	sleep 0.1
done
assert_eq bounce "$got" "e2: a bounce through Postfix's pipe transport suppressed dmarc@bounced.example"
assert_match 'hmbounce.*status=sent' "$(cat "$PF_DIR/maillog")" "e2: the pipe transport took the DSN"

# ---- e3: the mails and their reports ----------------------------------------------------------
# report_mail DOMAIN - the delivered report mail of DOMAIN into M/DOMAIN.mail
report_mail() {
	local id
	id=$(field "$1" report_id)
	delivered_by "Report-ID: <$id>" > "$M/$1.mail" || fail "e3: no mail for $1"
}
# rows_of DOMAIN - the reader's rows of DOMAIN's report
rows_of() { $READ "$M/$1.mail" | sed -n 's/^row //p'; }
for d in auth wild ovr own servfail; do
	report_mail $d.example
	$READ "$M/$d.example.mail" > "$M/$d.read" || fail "e3: $d.example: attachment unreadable"
	f=$M/$d.example.mail
	assert_hdr_count Auto-Submitted 1 "$f"
	assert_eq "auto-generated" "$(hdr_get Auto-Submitted "$f")" "e3: $d: Auto-Submitted"
	assert_match '<dmarc-reports@reporter\.example>' "$(hdr_get From "$f")" "e3: $d: From"
	id=$(field $d.example report_id)
	assert_match "^subject Report Domain: $d\.example Submitter: mx\.test\.example Report-ID: <$id>\$" \
		"$(grep '^subject' "$M/$d.read")" "e3: $d: RFC 9990 Subject"
	assert_eq "report_id $id" "$(grep '^report_id' "$M/$d.read")" "e3: $d: Report-ID in the XML"
	assert_eq "filename $(field $d.example filename)" "$(grep '^filename' "$M/$d.read")" \
		"e3: $d: attachment file name"
	assert_match "^filename mx\.test\.example!$d\.example![0-9]+![0-9]+\.xml\.gz\$" \
		"$(grep '^filename' "$M/$d.read")" "e3: $d: RFC 9990 file name"
	assert_eq "date_range $(( DAY * 86400 )) $(( DAY * 86400 + 86399 ))" \
		"$(grep '^date_range' "$M/$d.read")" "e3: $d: the UTC day"
done
assert_eq "192.0.2.10 auth.example dkim=fail spf=pass disposition=pass 3
203.0.113.5 auth.example dkim=fail spf=fail disposition=none 2" "$(rows_of auth.example)" \
	"e3: auth.example: counts per source, From and results"
assert_eq "192.0.2.10 wild.example dkim=fail spf=pass disposition=pass 2" \
	"$(rows_of wild.example)" "e3: wild.example's counts"
assert_eq "192.0.2.10 ovr.example dkim=fail spf=pass disposition=pass 1" \
	"$(rows_of ovr.example)" "e3: ovr.example's counts"
assert_eq "203.0.113.5 own.example dkim=fail spf=fail disposition=none 1" \
	"$(rows_of own.example)" "e3: own.example's counts"
assert_eq "192.0.2.10 servfail.example dkim=fail spf=pass disposition=pass 1" \
	"$(rows_of servfail.example)" "e3: servfail.example's counts"
assert_match 'To: <new@rcv\.example>' "$(cat "$M/ovr.example.mail")" "e3: ovr mailed to the override"
# the reports as mailed validate against the working group's RFC 9990 schema (the shared/
# directory beside the source tree or its repository, or HM_SHARED_DIR; t_rxml_schema.sh needs it)
common=$(git -C "$top_srcdir" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) || common=
XSD=""
for c in "${HM_SHARED_DIR:-}" "$top_srcdir/../shared" "${common:+$(dirname "$common")/../shared}"; do
	[ -n "$c" ] && [ -r "$c/dmarc/rfc9990-aggregate-report.xsd" ] &&
		{ XSD=$c/dmarc/rfc9990-aggregate-report.xsd; break; }
done
if [ -n "$XSD" ] && command -v xmllint >/dev/null; then
	for d in auth wild ovr own servfail; do
		$READ "$M/$d.example.mail" --gz "$M/$d.gz" > /dev/null
		gzip -dc < "$M/$d.gz" > "$M/$d.xml"
		xmllint --noout --nonet --schema "$XSD" "$M/$d.xml" > "$M/$d.lint" 2>&1 ||
			fail "e3: $d.example's report does not validate" "$M/$d.lint"
	done
	ok "e3: every mailed report validates against $XSD"
else
	rig_log "note: RFC 9990 schema or xmllint not found: the mailed reports were not validated"
fi

# ---- e4: DMARC pass at a second hallmarkd ---------------------------------------------------------
rig_free_port HM2_PORT
mkdir -p "$RIG_DIR/hm2"
cat > "$RIG_DIR/hm2/h.conf" <<CONF
socket = "inet:$HM2_PORT@127.0.0.1";
pidfile = "$RIG_DIR/hm2/pid";
authserv_id = "verify.test.example";
mode = "verify";
log = { syslog = false; level = "debug"; };
dns = { forwarders = ["127.0.0.1@$NSD_PORT"]; };
CONF
"$HALLMARKD" -f -c "$RIG_DIR/hm2/h.conf" >> "$RIG_DIR/hm2/log" 2>&1 &
HM2_PID=$!
rig_on_exit 'kill -TERM "$HM2_PID" 2>/dev/null; wait "$HM2_PID" 2>/dev/null'
wait_listen "$HM2_PORT" 10 "$HM2_PID" || fail "the second hallmarkd did not start" "$RIG_DIR/hm2/log"
$MILTERC "inet:$HM2_PORT@127.0.0.1" send --ip 198.51.100.20 --helo mx.reporter.example \
	--from dmarc-bounce@reporter.example --rcpt dmarc@rcv.example "$M/auth.example.mail" \
	> "$M/e4.out" 2>&1 || fail "e4: milterc" "$M/e4.out"
assert_match 'insheader 0 Authentication-Results: verify\.test\.example;' "$(cat "$M/e4.out")" \
	"e4: the second hallmarkd's Authentication-Results"
assert_match 'dkim=pass header\.d=reporter\.example header\.s=s1' "$(cat "$M/e4.out")" \
	"e4: the report's DKIM signature (reporter.example) verifies"
assert_match 'dmarc=pass[^;]*header\.from=reporter\.example' "$(cat "$M/e4.out")" \
	"e4: the report passes DMARC"

# ---- e5: forced resend, byte-identical -------------------------------------------------------------
AUTH_ID=$(field auth.example report_id)
$READ "$M/auth.example.mail" --gz "$M/first.gz" > /dev/null
mv "$M/auth.example.mail" "$M/auth.first.mail"
rc=0
"$HALLMARK" report send -c "$HM_CONF" --resend "$AUTH_ID" --now $(( NOW + 600 )) > "$M/e5.out" \
	2>&1 || rc=$?
assert_eq 0 "$rc" "e5: resend exits 0"
SENT=$(( SENT + 1 ))
wait_delivered "$SENT" 60 || fail "e5: the resent mail was not delivered"
f=$(grep -lF -- "Report-ID: <$AUTH_ID>" $(sink_files) | tail -n 1)
sink_strip < "$f" > "$M/auth.second.mail"
cmp -s "$M/auth.first.mail" "$M/auth.second.mail" && fail "e5: the resend is the same file"
$READ "$M/auth.second.mail" --gz "$M/second.gz" > "$M/second.read"
cmp "$M/first.gz" "$M/second.gz" || fail "e5: the resent attachment differs"
ok "e5: the resent attachment is byte-identical"
assert_eq "$(grep -E '^(subject|filename|report_id)' "$M/auth.read")" \
	"$(grep -E '^(subject|filename|report_id)' "$M/second.read")" "e5: same Subject, file name, Report-ID"
rc=0
"$HALLMARK" report send -c "$HM_CONF" --now $(( NOW + 900 )) > "$M/e5b.out" 2>&1 || rc=$?
assert_match '0 built, 0 sent' "$(cat "$M/e5b.out")" "e5: a new run builds and mails nothing"
sleep 1
assert_eq "$SENT" "$(sink_files | wc -l)" "e5: nothing more mailed"

# ---- e6: list, show, dry run, bounces --------------------------------------------------------------
"$HALLMARK" report list -c "$HM_CONF" > "$M/list.out"
assert_eq 0 "$(awk 'length > 80' "$M/list.out" | wc -l)" "e6: list fits 80 columns"
assert_match 'away\.example +1/1  skipped' "$(cat "$M/list.out")" "e6: list shows the states"
assert_eq "8 reports: 6 sent, 2 skipped" "$(tail -n 1 "$M/list.out")" "e6: list counts the states"
"$HALLMARK" report list -c "$HM_CONF" --json > "$M/list.json"
/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]));
assert len(r) == 8 and sorted(x["state"] for x in r).count("sent") == 6, r' "$M/list.json" ||
	fail "e6: list --json"
ok "e6: list --json: 8 reports, 6 sent"
"$HALLMARK" report show -c "$HM_CONF" "$AUTH_ID" > "$M/show.out"
assert_match 'state: sent' "$(cat "$M/show.out")" "e6: show: state"
assert_match 'xmlns="urn:ietf:params:xml:ns:dmarc-2\.0"' "$(cat "$M/show.out")" "e6: show: the XML"
rc=0
"$HALLMARK" report send -c "$HM_CONF" --dry-run --now $(( NOW + 86400 )) > "$M/dry.out" 2>&1 || rc=$?
assert_match 'dry run, nothing written' "$(cat "$M/dry.out")" "e6: dry run"
printf 'Content-Type: message/delivery-status\n\nReporting-MTA: dns; rcv.example\n\n%s\n%s\n' \
	'Final-Recipient: rfc822; new@rcv.example' 'Action: failed' > "$M/dsn"
"$HALLMARK" report suppress -c "$HM_CONF" --bounce < "$M/dsn" > "$M/supp.out" ||
	fail "e6: suppress --bounce" "$M/supp.out"
assert_match 'new@rcv\.example +until' "$("$HALLMARK" report suppress -c "$HM_CONF" --list)" \
	"e6: the bounced destination is suppressed for reports.bounce_suppress_days"
"$HALLMARK" report suppress dmarc@wildrcv.example -c "$HM_CONF" --days 2 --reason "asked us" \
	> "$M/supp2.out" || fail "e6: suppress by hand" "$M/supp2.out"
assert_match 'dmarc@wildrcv\.example +until .* asked us' \
	"$("$HALLMARK" report suppress -c "$HM_CONF" --list)" "e6: suppressed by hand for 2 days"
"$HALLMARK" report suppress -c "$HM_CONF" --remove dmarc@wildrcv.example > "$M/supp3.out"
assert_no_match 'wildrcv' "$("$HALLMARK" report suppress -c "$HM_CONF" --list)" "e6: removed"
ok "reports collected, built, verified, mailed, read back, verified and resent"
