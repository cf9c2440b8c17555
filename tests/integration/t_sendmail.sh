#!/bin/bash
# tests/integration/t_sendmail.sh - hallmark behind a real Sendmail, configured with the shipped
# contrib/sendmail.mc snippet (tests/lib/sendmail.sh: Sendmail unpacked from Debian's .debs into a
# private tree, never installed), relaying to smtp-sink; DNS from a private NSD.
#
# Sendmail has no XCLIENT: the client address hallmarkd sees is the local address swaks binds to.
# internal_networks = 127.0.0.1 only, so mail from 127.0.0.5 is judged as external and mail from
# 127.0.0.1 is internal (signed, not judged).
#   accept      SPF and DMARC pass (p=reject domain): delivered with hallmark's A-R; a forged A-R
#               naming hallmark's authserv-id is removed, another server's A-R is kept.
#   reject      DMARC fail, p=reject: 550 to DATA, nothing delivered.
#   quarantine  DMARC fail, p=quarantine: accepted (250), held by Sendmail with the quarantine
#               reason (mailq -qQ lists it; its queue file is hf*, with a "q" reason line), not
#               delivered; released with sendmail -qQ -qI<id> -Q, a queue run delivers it.
#   sign        From 127.0.0.1 (internal): delivered DKIM-signed, no A-R (outbound mail);
#               python3-dkim verifies the signature against the key in NSD, and rejects a copy
#               with one body byte changed.
#   local       Submitted with sendmail -t (the submission program, as Debian's submit.cf, relays it
#               to the daemon from 127.0.0.1): signed and verified.
#   auth        From 127.0.0.5 after SMTP AUTH (Sendmail + Cyrus SASL, private sasldb): signed and
#               verified too; the same message without AUTH is not signed.
#   down        hallmarkd stopped: F=T in the snippet makes Sendmail answer 4xx (nothing queued).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"
. "$top_srcdir/tests/lib/sendmail.sh"

rig_init sendmail
sm_require
command -v openssl >/dev/null || rig_skip "openssl not found"
/usr/bin/python3 -c 'import dkim' 2>/dev/null || rig_skip "python3-dkim not found (/usr/bin/python3)"

Z=$RIG_DIR/zones
K=$RIG_DIR/keys
M=$RIG_DIR/msg
mkdir -p "$Z" "$K" "$M"
chmod 700 "$K"

# ---- zones and key ----------------------------------------------------------------------------
# the root zone: names no zone here serves (the DMARC tree walk's _dmarc.example, the HELO's
# example.org) get an authoritative NXDOMAIN, not a refusal (a DNS failure)
cp "$top_srcdir/tests/zones/root.zone" "$Z/root.zone"
{
	zone_head
	printf '@ TXT "v=spf1 ip4:127.0.0.5 -all"\n_dmarc TXT "v=DMARC1; p=reject"\n'
	printf 'rej TXT "v=spf1 ip4:192.0.2.1 -all"\n_dmarc.rej TXT "v=DMARC1; p=reject"\n'
	printf 'q TXT "v=spf1 ip4:192.0.2.1 -all"\n_dmarc.q TXT "v=DMARC1; p=quarantine"\n'
} > "$Z/sm.example.zone"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/sign.pem" 2>/dev/null
chmod 600 "$K/sign.pem"
{
	zone_head
	printf '@ TXT "v=spf1 ip4:127.0.0.1 -all"\n_dmarc TXT "v=DMARC1; p=none"\n'
	zone_txt "s2026._domainkey" "$(dkim_txt "$K/sign.pem")"
} > "$Z/sign.example.zone"

# ---- start: NSD, hallmarkd, smtp-sink, Sendmail -------------------------------------------------
rig_dns "$Z"
hm_start 'internal_networks = ["127.0.0.1"];
dkim_sign = {
  keys = ( { name = "sign"; domain = "sign.example"; selector = "s2026"; key_file = "'"$K"'/sign.pem"; } );
  signing_table = ( { pattern = "sign.example"; keys = ["sign"]; } );
};'
sm_auth alice secret-2026
sm_start || fail "Sendmail did not start" "$RIG_DIR/sm/sendmail.log"
assert_file_match '^Xhallmark, S=inet:'"$HM_PORT"'@127\.0\.0\.1, ' "$RIG_DIR/sm/sendmail.cf" \
	"sendmail.cf has contrib/sendmail.mc's filter (X) line, the socket set to hallmarkd's port"

# mkmsg ID FROM [HEADER...] - a message file M/ID with From FROM and X-Test-Id ID
mkmsg() {
	local id=$1 from=$2 h
	shift 2
	{
		for h in "$@"; do printf '%s\r\n' "$h"; done
		printf 'From: %s\r\nTo: rcpt@example.net\r\nSubject: sendmail %s\r\n' "$from" "$id"
		printf 'Date: Wed, 02 Dec 2026 12:00:00 +0000\r\nMessage-ID: <%s@t-sendmail.test>\r\n' "$id"
		printf 'X-Test-Id: %s\r\n\r\nThis is message %s.\r\n' "$id" "$id"
	} > "$M/$id"
}
NDELIV=0

# ---- accept, and the forged A-R removed ---------------------------------------------------------
mkmsg accept 'Alice <alice@sm.example>' \
	'Authentication-Results: mx.test.example; dmarc=pass (forged) header.from=sm.example' \
	'Authentication-Results: other.example; spf=pass smtp.mailfrom=sm.example'
sm_send --from alice@sm.example --data "$M/accept" || fail "accept: not accepted"
NDELIV=$(( NDELIV + 1 ))
sm_wait_delivered "X-Test-Id: accept" || fail "accept: not delivered"
delivered_by "X-Test-Id: accept" > "$M/accept.out"
assert_hdr_count Authentication-Results 2 "$M/accept.out"
ar=$(hdr_get Authentication-Results "$M/accept.out")
assert_no_match 'forged' "$ar" "accept: the forged A-R (authserv-id mx.test.example) is removed"
assert_match '^other\.example; spf=pass' "$ar" "accept: another server's A-R is kept"
assert_match '^mx\.test\.example; spf=pass .*smtp\.mailfrom=alice@sm\.example' "$ar" "accept: hallmark's A-R, spf=pass"
assert_match '^mx\.test\.example;.* dmarc=pass .*header\.from=sm\.example' "$ar" "accept: hallmark's A-R, dmarc=pass"
assert_eq Authentication-Results "$(hdr_at 1 "$M/accept.out")" \
	"accept: hallmark's A-R is the top header (above Sendmail's Received)" "$M/accept.out"
assert_match "^mx\\.test\\.example;" "$(hdr_get Authentication-Results "$M/accept.out" | head -n 1)" \
	"accept: the top A-R is hallmark's"
assert_file_match 'client=127\.0\.0\.5 .*action=accept' "$HM_LOG" "accept: hallmarkd logged client 127.0.0.5, accept"

# ---- reject --------------------------------------------------------------------------------------
mkmsg reject 'Mallory <ceo@rej.sm.example>'
sm_send --from ceo@rej.sm.example --data "$M/reject" --expect 5 || fail "reject: not refused"
assert_match '^550' "$SEND_REPLY" "reject: 550 to DATA ($SEND_REPLY)"

# ---- quarantine ----------------------------------------------------------------------------------
mkmsg quarantine 'Eve <eve@q.sm.example>'
sm_send --from eve@q.sm.example --data "$M/quarantine" || fail "quarantine: not accepted"
q=$(sm_mailq -qQ 2>&1) || true
assert_match 'QUARANTINE: DMARC authentication failed for q\.sm\.example' "$q" \
	"quarantine: mailq -qQ lists it with hallmark's reason"
qid=$(printf '%s\n' "$q" | awk '/<eve@q\.sm\.example>/ { print $1; exit }')
[ -n "$qid" ] || fail "quarantine: no queue id in mailq -qQ: $q"
hf=$RIG_DIR/sm/queue/hf$qid
[ -f "$hf" ] || fail "quarantine: no quarantined queue file $hf"
assert_file_match '^qDMARC authentication failed for q\.sm\.example' "$hf" \
	"quarantine: the queue file hf$qid carries the reason"
assert_file_match "$qid: client=127\\.0\\.0\\.5 .*action=quarantine" "$HM_LOG" \
	"quarantine: hallmarkd logged Sendmail's queue id $qid with action=quarantine"
# released by the administrator (README "Sendmail"): unquarantined, then delivered by a queue run
sm_run -C "$RIG_DIR/sm/sendmail.cf" -qQ -qI"$qid" -Q >> "$SM_LOG" 2>&1 || fail "quarantine: sendmail -Q failed" "$SM_LOG"
[ -f "$RIG_DIR/sm/queue/qf$qid" ] && [ ! -e "$hf" ] || fail "quarantine: -Q did not turn hf$qid into qf$qid"
sm_run -C "$RIG_DIR/sm/sendmail.cf" -qI"$qid" >> "$SM_LOG" 2>&1 || fail "quarantine: queue run failed" "$SM_LOG"
sm_wait_delivered "X-Test-Id: quarantine" || fail "quarantine: not delivered once released"
NDELIV=$(( NDELIV + 1 ))
ok "quarantine: released with sendmail -qQ -qI$qid -Q and delivered by a queue run"

# ---- DKIM signing of an internal client's message ------------------------------------------------
mkmsg sign 'Bob <bob@sign.example>'
sm_send --from-ip 127.0.0.1 --from bob@sign.example --data "$M/sign" || fail "sign: not accepted"
NDELIV=$(( NDELIV + 1 ))
sm_wait_delivered "X-Test-Id: sign" || fail "sign: not delivered"
delivered_by "X-Test-Id: sign" > "$M/sign.out"
assert_hdr_count DKIM-Signature 1 "$M/sign.out"
assert_hdr_count Authentication-Results 0 "$M/sign.out"	# outbound: no A-R by default
assert_match 'd=sign\.example;.*s=s2026;' "$(hdr_get DKIM-Signature "$M/sign.out" | tr -d ' \t')" \
	"sign: d=sign.example s=s2026"
sed 's/This is message sign\./This is message sigN./' "$M/sign.out" > "$M/sign.tampered"

# dkimpy ID - python3-dkim's verdict on M/ID, the key fetched from the private NSD with dig
dkimpy() {
	/usr/bin/python3 - "$NSD_PORT" "$M/$1" <<'EOF'
import shlex, subprocess, sys
import dkim

port, path = sys.argv[1], sys.argv[2]

def txt(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    out = subprocess.run(["dig", "+short", "-p", port, "@127.0.0.1", name.rstrip("."), "TXT"],
                         capture_output=True, text=True, timeout=timeout).stdout
    return "".join(s for line in out.splitlines() for s in shlex.split(line)).encode() or None

with open(path, "rb") as f:
    print("pass" if dkim.verify(f.read(), dnsfunc=txt) else "fail")
EOF
}
assert_eq pass "$(dkimpy sign.out)" "sign: python3-dkim verifies the signature"
assert_eq fail "$(dkimpy sign.tampered)" "sign: python3-dkim fails a copy with one body byte changed"

# nothing else came out: the rejected message was not delivered
assert_eq "$NDELIV" "$(find "$SINK_DIR" -type f | wc -l)" "only the accepted, released, signed and unsigned messages delivered (not the rejected one)"
# ---- DKIM signing of a message submitted on the command line ------------------------------------
# sendmail -t with a submit.cf as Debian's: relayed by SMTP to the daemon from 127.0.0.1 (internal)
mkmsg local 'Bob <bob@sign.example>'
sm_submit "$M/local" bob@sign.example || fail "local: sendmail -t failed"
assert_file_match 'Sent \(.*Message accepted for delivery\)' "$SEND_LOG" "local: the submission program handed it over"
sm_wait_delivered "X-Test-Id: local" || fail "local: not delivered"
NDELIV=$(( NDELIV + 1 ))
delivered_by "X-Test-Id: local" > "$M/local.out"
assert_hdr_count DKIM-Signature 1 "$M/local.out"
assert_hdr_count Authentication-Results 0 "$M/local.out"	# outbound: no A-R by default
assert_eq pass "$(dkimpy local.out)" "local: python3-dkim verifies the signature"

# ---- DKIM signing of an authenticated client's message ---------------------------------------
# from 127.0.0.5 (external) after SMTP AUTH: signed because hallmarkd got {auth_authen}
mkmsg auth 'Bob <bob@sign.example>'
sm_send --from bob@sign.example --data "$M/auth" --auth PLAIN --auth-user alice@test.example \
	--auth-password secret-2026 || fail "auth: not accepted"
assert_file_match '^<.* 235 ' "$SEND_LOG" "auth: Sendmail accepted the SMTP AUTH login"
sm_wait_delivered "X-Test-Id: auth" || fail "auth: not delivered"
NDELIV=$(( NDELIV + 1 ))
delivered_by "X-Test-Id: auth" > "$M/auth.out"
assert_hdr_count DKIM-Signature 1 "$M/auth.out"
assert_hdr_count Authentication-Results 0 "$M/auth.out"	# outbound: no A-R by default
assert_eq pass "$(dkimpy auth.out)" "auth: python3-dkim verifies the signature"
assert_file_match 'client=127\.0\.0\.5 .*from=<bob@sign\.example>.*signed=sign\.example/s2026' "$HM_LOG" \
	"auth: hallmarkd signed the external but authenticated client's message"
mkmsg noauth 'Bob <bob@sign.example>'
sm_send --from bob@sign.example --data "$M/noauth" || fail "noauth: not accepted"
sm_wait_delivered "X-Test-Id: noauth" || fail "noauth: not delivered"
NDELIV=$(( NDELIV + 1 ))
delivered_by "X-Test-Id: noauth" > "$M/noauth.out"
assert_hdr_count DKIM-Signature 0 "$M/noauth.out"

# F=T (contrib/sendmail.mc): with hallmarkd gone, Sendmail tempfails rather than accept unchecked
hm_stop
mkmsg down 'Alice <alice@sm.example>'
sm_send --from alice@sm.example --data "$M/down" --expect 4 || fail "down: not tempfailed"
ok "down: hallmarkd stopped: $SEND_REPLY"
[ -z "$(find "$SINK_DIR" "$RIG_DIR"/sm/queue -type f -exec grep -lF 'X-Test-Id: down' {} +)" ] ||
	fail "down: the message was queued or delivered"
ok "down: nothing queued or delivered"
rig_log "PASS"
