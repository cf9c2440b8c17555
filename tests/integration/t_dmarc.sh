#!/bin/bash
# tests/integration/t_dmarc.sh - DMARC end to end through a real Postfix (smtpd_milters =
# hallmarkd) and a real NSD serving tests/zones/{example.edu,vendor.example,univ.example,
# ac.example}.zone, clients presented with XCLIENT, mail delivered to smtp-sink.
#
# Scenarios (issue 6), default configuration (tree walk, enforcing): a vendor relay listed in the
# institution's SPF through include: (spf pass, dmarc pass); the vendor's own domain as MAIL FROM
# and its own DKIM signature with the institution's From under p=reject (550 5.7.1); the same from
# a relay in the named allow-list (accepted, trusted_forwarder in A-R and log); the vendor signing
# as the institution (DKIM aligned: pass); an existing subdomain under sp=quarantine (held); a
# non-existent subdomain under np=reject (550); t=y (reject lowered to quarantine: held,
# policy_test_mode); p=none (delivered, dmarc=fail); a policy found only by the tree walk, two
# labels up (550); a public suffix domain's psd=y policy (550); a record in many TXT strings (550)
# and a huge one (held); a spoofer with no signature under p=reject (550) and under p=quarantine
# (held, seen with postqueue -j and postcat); two From headers, no From, two addresses in one
# From, an unparseable From, one without a domain (550, logged); From fields with a comment and an
# encoded word, with an IDN domain (evaluated: 550); records with garbage or a duplicated tag
# (permerror, delivered), with v= not first (no record: the parent's policy); two records at one
# name (both discarded, logged); a record 9 labels down (skipped by the label limit); a DNS
# failure on the DMARC lookup, an aligned SPF temperror, an aligned DKIM temperror (451 4.7.1,
# never 550); an internal client, an authenticated client (XCLIENT LOGIN), a monitor-only domain
# (delivered, local_policy in A-R and log); a PSL private suffix (github.io), a psd=y policy at a
# PSL suffix (ac.uk), pct=0 (all 550 in the tree walk).
# Reloaded in RFC 7489 (PSL) mode: the walk-only policy, github.io and ac.uk give dmarc=none,
# pct=0 samples reject out to quarantine (held, sampled_out), t=y is not used (550).
# Reloaded with configured actions: on_temperror = accept (delivered, dmarc=temperror),
# from_action = quarantine and quarantine_by = header (X-Hallmark-Quarantine), on_reject =
# quarantine. Reloaded report-only: nothing rejected or held, all recorded.
#
# The walk goes up to _dmarc.edu and _dmarc.example: the test serves empty apex zones for them
# from a private zone directory, so those answers are NXDOMAIN and not a refusal.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init dmarc

# private zone directory: our zones plus empty "edu" and "example" apexes
Z=$RIG_DIR/zones
mkdir -p "$Z"
for z in example.edu vendor.example univ.example ac.example; do
	cp "$top_srcdir/tests/zones/$z.zone" "$Z/"
done
cp "$top_srcdir"/tests/zones/dmarc/*.zone "$Z/"
for apex in edu example io; do
	printf '$ORIGIN %s.\n$TTL 300\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n@ IN NS ns.%s.\nns IN A 127.0.0.1\n' \
		"$apex" "$apex" "$apex" "$apex" > "$Z/$apex.zone"
done
# DKIM keys made here: the vendor signs as itself (sel1._domainkey.vendor.example) and, in s18, as
# the institution (sel1._domainkey.surveys.example.edu)
openssl genrsa -out "$RIG_DIR/dkim.key" 2048 2>/dev/null || fail "openssl genrsa"
DKIM_P=$(openssl rsa -in "$RIG_DIR/dkim.key" -pubout -outform DER 2>/dev/null | base64 -w0)
DKIM_TXT="\"v=DKIM1; k=rsa; p=${DKIM_P:0:200}\" \"${DKIM_P:200}\""
printf 'sel1._domainkey IN TXT %s\n' "$DKIM_TXT" >> "$Z/vendor.example.zone"
printf 'sel1._domainkey.surveys IN TXT %s\n' "$DKIM_TXT" >> "$Z/example.edu.zone"
rig_dns "$Z"

VENDORS='dmarc = { vendors = ( { name = "survey-vendor"; networks = ["198.51.100.0/25", "2001:db8:5::/48"];
  domains = ["surveys.example.edu"]; reason = "trusted_forwarder"; } );
  monitor_domains = ["watch.example.edu"];'
# authres_outbound = true: steps 14 and 17 check DMARC's local_policy override for an internal and
# an authenticated client in the A-R header, which outbound mail only gets with it (t_outbound.sh
# has the default: no verification, no A-R)
hm_start "authres_outbound = true;
$VENDORS };"
# SMTP AUTH on, so that XCLIENT LOGIN= makes an authenticated client ({auth_authen})
# Header rewriting off: Postfix would otherwise fill in a missing From: from the envelope
pf_postconf 'smtpd_sasl_auth_enable = yes' 'local_header_rewrite_clients =' \
	'always_add_missing_headers = no'
pf_start

M=$RIG_DIR/msg
mkdir -p "$M"
NDELIV=0

# mkmsg ID FROM... - a message with X-Test-Id ID and one From header per FROM argument
mkmsg() {
	local id=$1 f
	shift
	{
		for f in "$@"; do printf 'From: %s\n' "$f"; done
		printf 'To: rcpt@example.net\nSubject: %s\nDate: Mon, 23 Nov 2026 11:00:00 +0000\n' "$id"
		printf 'Message-ID: <%s@t-dmarc.test>\nX-Test-Id: %s\n\nbody of %s\n' "$id" "$id" "$id"
	} > "$M/$id"
}

# dkim_sign ID DOMAIN - sign message ID (CRLF) with d=DOMAIN s=sel1 (python3-dkim)
dkim_sign() {
	/usr/bin/python3 - "$M/$1" "$2" "$RIG_DIR/dkim.key" <<'PY' || fail "dkim_sign $1"
import sys, dkim
path, domain, key = sys.argv[1:]
msg = open(path, 'rb').read().replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
sig = dkim.sign(msg, b'sel1', domain.encode(), open(key, 'rb').read(),
                include_headers=[b'from', b'to', b'subject', b'date', b'message-id'])
open(path, 'wb').write(sig + msg)
PY
}

# delivered_ok ID - wait for one more delivery, put message ID in $M/ID.out, echo its A-R
delivered_ok() {
	NDELIV=$(( NDELIV + 1 ))
	wait_delivered "$NDELIV"
	delivered_by "X-Test-Id: $1" > "$M/$1.out"
	assert_hdr_count Authentication-Results 1 "$M/$1.out"
	AR=$(hdr_get Authentication-Results "$M/$1.out")
}

# rejected ID DOMAIN - the DATA reply was 550 5.7.1 naming DOMAIN and DMARC
rejected() {
	assert_match '^550[ -]5\.7\.1 ' "$SEND_REPLY" "$1: 550 5.7.1"
	assert_match "DMARC" "$SEND_REPLY" "$1: reply says DMARC"
	assert_match "$2" "$SEND_REPLY" "$1: reply names $2"
}

# held ID - message ID sits in the hold queue: Postfix logged milter-hold for its queue id,
# postqueue -j lists that id in the "hold" queue, postcat shows it
held() {
	local n=100 qid="" inq
	while [ "$n" -gt 0 ]; do
		qid=$(awk -v mid="message-id=<$1@t-dmarc.test>" '
			index($0, mid) { q = $6; sub(":", "", q) }
			q != "" && index($0, q ": milter-hold: ") { print q; exit }' "$PF_DIR/maillog")
		[ -n "$qid" ] && break
		sleep 0.1
		n=$(( n - 1 ))
	done
	[ -n "$qid" ] || fail "$1: Postfix logged no milter-hold" "$PF_DIR/maillog"
	inq=$(pf_postqueue -j | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    q = json.loads(line)
    if q.get("queue_id") == sys.argv[1]:
        print(q.get("queue_name"))' "$qid")
	assert_eq hold "$inq" "$1: $qid in the hold queue (postqueue -j)"
	pf_postcat -q "$qid" > "$M/$1.held"
	assert_file_match "X-Test-Id: $1" "$M/$1.held" "$1: postcat shows the held message"
}

# ---- 1. vendor relay in the institution's SPF through include: --------------------------------
mkmsg s1 'Provost <provost@surveys.example.edu>'
send_msg --addr 203.0.113.10 --helo relay.vendor.example --from bounce@surveys.example.edu \
	--data "$M/s1"
delivered_ok s1
assert_match 'spf=pass' "$AR" "s1: spf=pass"
assert_match 'dmarc=pass \(p=reject dis=pass\) header\.from=surveys\.example\.edu' "$AR" "s1: dmarc=pass"
assert_match 'policy\.dmarc=reject' "$AR" "s1: policy.dmarc=reject"

# ---- 2. the vendor's own domain as MAIL FROM, institution's From, p=reject: 550 ----------------
mkmsg s2 'provost@surveys.example.edu'
dkim_sign s2 vendor.example
send_msg --addr 198.51.100.200 --helo relay.vendor.example --from bounce@vendor.example \
	--data "$M/s2" --expect 5
rejected s2 surveys.example.edu
grep -Eq 'client=198\.51\.100\.200 .*spf=pass.* dkim=pass.* dmarc=fail.*action=reject' "$HM_LOG" ||
	fail "s2: summary line should show spf=pass dkim=pass (unaligned) dmarc=fail" "$HM_LOG"
ok "s2: the vendor's own valid signature and SPF pass do not align: rejected"

# ---- 3. the same from a relay in the named allow-list: accepted, override recorded -----------
mkmsg s3 'provost@surveys.example.edu'
dkim_sign s3 vendor.example
send_msg --addr 198.51.100.20 --helo relay.vendor.example --from bounce@vendor.example \
	--data "$M/s3"
delivered_ok s3
assert_match 'dmarc=fail \(p=reject dis=none override=trusted_forwarder by survey-vendor\)' "$AR" \
	"s3: override recorded in A-R"
assert_match 'dkim=pass' "$AR" "s3: dkim=pass (vendor.example)"
grep -q 'override=trusted_forwarder by=survey-vendor' "$HM_LOG" || fail "s3: override not logged" "$HM_LOG"
ok "s3: override logged"

# ---- 3b. the vendor signs as the institution (d=surveys.example.edu): DKIM alignment passes ----
mkmsg s18 'provost@surveys.example.edu'
dkim_sign s18 surveys.example.edu
send_msg --addr 198.51.100.200 --helo relay.vendor.example --from bounce@vendor.example \
	--data "$M/s18"
delivered_ok s18
assert_match 'spf=pass' "$AR" "s18: spf=pass (unaligned)"
assert_match 'dkim=pass' "$AR" "s18: dkim=pass"
assert_match 'header\.d=surveys\.example\.edu' "$AR" "s18: header.d=surveys.example.edu"
assert_match 'dmarc=pass \(p=reject dis=pass\)' "$AR" "s18: dmarc=pass by DKIM; spf, dkim, dmarc in one A-R"

# ---- 4. existing subdomain under sp=quarantine: held ---------------------------------------------
mkmsg s4 'x@dept.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@dept.example.edu --data "$M/s4"
held s4

# ---- 5. non-existent subdomain under np=reject: 550 -----------------------------------------------
mkmsg s5 'x@nosuch.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@nosuch.example.edu --data "$M/s5" \
	--expect 5
rejected s5 nosuch.example.edu

# ---- 6. t=y: p=reject lowered to quarantine -------------------------------------------------------
mkmsg s6 'x@pilot.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@pilot.example.edu --data "$M/s6"
held s6
grep -q 'header.from=pilot.example.edu.*dis=quarantine override=policy_test_mode' "$HM_LOG" ||
	fail "s6: t=y not logged" "$HM_LOG"
ok "s6: t=y logged as policy_test_mode"

# ---- 7. p=none: delivered, dmarc=fail recorded ------------------------------------------------------
mkmsg s7 'x@alumni.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@alumni.example.edu --data "$M/s7"
delivered_ok s7
assert_match 'dmarc=fail \(p=none dis=none\) header\.from=alumni\.example\.edu' "$AR" "s7: p=none"

# ---- 8. policy found only by the tree walk, two labels up ---------------------------------------
mkmsg s8 'x@x.mail.cs.univ.example'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@x.mail.cs.univ.example \
	--data "$M/s8" --expect 5
rejected s8 x.mail.cs.univ.example

# ---- 9. public suffix domain policy (psd=y) ---------------------------------------------------------
mkmsg s9 'dean@college.ac.example'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from dean@college.ac.example \
	--data "$M/s9" --expect 5
rejected s9 college.ac.example

# ---- 10. spoofer, unlisted IP, no signature, p=reject: 550 -----------------------------------------
mkmsg s10 'President <president@example.edu>'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from president@example.edu \
	--data "$M/s10" --expect 5
rejected s10 'example\.edu'

# ---- 11. spoofer under p=quarantine: held ----------------------------------------------------------
mkmsg s11 'editor@news.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from editor@news.example.edu --data "$M/s11"
held s11

# ---- 12. bad input: two From headers (550), a record with garbage (permerror, delivered) --------
mkmsg s12 'a@example.edu' 'b@vendor.example'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from a@example.edu --data "$M/s12" --expect 5
assert_match '^550[ -]5\.7\.1 ' "$SEND_REPLY" "s12: two From headers: 550 5.7.1"
grep -q 'From header: 2 From headers' "$HM_LOG" || fail "s12: not logged" "$HM_LOG"
ok "s12: logged"
mkmsg s13 'x@broken.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@broken.example.edu --data "$M/s13"
delivered_ok s13
assert_match 'dmarc=permerror' "$AR" "s13: garbage record: dmarc=permerror"

# ---- 12b. a record split in many strings (550), a huge record (held) -------------------------------
mkmsg s16 'x@split.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@split.example.edu --data "$M/s16" \
	--expect 5
rejected s16 split.example.edu
mkmsg s17 'x@huge.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@huge.example.edu --data "$M/s17"
held s17

# ---- 13. internal client: not rejected, override recorded ------------------------------------------
mkmsg s14 'president@example.edu'
send_msg --addr 127.0.0.7 --helo internal.example.edu --from president@example.edu --data "$M/s14"
delivered_ok s14
assert_match 'dmarc=fail \(p=reject dis=none override=local_policy by internal network\)' "$AR" \
	"s14: internal client not rejected, override in A-R"


# ---- 15. DNS temperror: on the DMARC lookup, and in an SPF or DKIM check that could align ------
# (the test NSD refuses unreachable.example.net: a DNS failure). Never 550: 451 4.7.1 by default.
tempfailed() {
	assert_match '^451[ -]4\.7\.1 ' "$SEND_REPLY" "$1: 451 4.7.1"
	assert_match "DMARC" "$SEND_REPLY" "$1: reply says DMARC"
	assert_match "$2" "$SEND_REPLY" "$1: reply names $2"
}
mkmsg s19 'x@unreachable.example.net'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@unreachable.example.net \
	--data "$M/s19" --expect 4
tempfailed s19 unreachable.example.net
mkmsg s20 'president@example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from bounce@tmpspf.example.edu \
	--data "$M/s20" --expect 4
tempfailed s20 'example\.edu'
grep -q 'dmarc=temperror header.from=example.edu .*aligned SPF identifier' "$HM_LOG" ||
	fail "s20: SPF temperror (tmpspf.example.edu, aligned) should make DMARC temperror" "$HM_LOG"
ok "s20: an aligned SPF temperror is DMARC temperror, not fail"
mkmsg s21 'president@example.edu'
dkim_sign s21 tmpdkim.example.edu
send_msg --addr 192.0.2.66 --helo spoof.example.net --from president@example.edu \
	--data "$M/s21" --expect 4
tempfailed s21 'example\.edu'
grep -q 'dmarc=temperror header.from=example.edu .*aligned DKIM identifier' "$HM_LOG" ||
	fail "s21: DKIM temperror (d=tmpdkim.example.edu, aligned) should make DMARC temperror" "$HM_LOG"
ok "s21: an aligned DKIM temperror is DMARC temperror, not fail"

# ---- 16. From header: none, two addresses in one, unparseable: from_action (reject), logged -----
printf 'To: rcpt@example.net\nSubject: s22\nMessage-ID: <s22@t-dmarc.test>\nX-Test-Id: s22\n\nno From\n' \
	> "$M/s22"
send_msg --addr 192.0.2.66 --helo spoof.example.net --from a@example.edu --data "$M/s22" --expect 5
assert_match '^550[ -]5\.7\.1 .*From header' "$SEND_REPLY" "s22: no From: 550 5.7.1"
mkmsg s23 'a@example.edu, b@vendor.example'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from a@example.edu --data "$M/s23" --expect 5
assert_match '^550[ -]5\.7\.1 .*From header' "$SEND_REPLY" "s23: two addresses in From: 550 5.7.1"
mkmsg s24 'Dean <dean@@example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from a@example.edu --data "$M/s24" --expect 5
assert_match '^550[ -]5\.7\.1 .*From header' "$SEND_REPLY" "s24: unparseable From: 550 5.7.1"
for w in 'no From header action=reject' 'several.*action=reject' 'dean@@example.edu.*action=reject'; do
	grep -Eq "dmarc: From header: .*$w" "$HM_LOG" || fail "From problem not logged: $w" "$HM_LOG"
done
ok "s22-s24: From problems logged with their action"
# From fields that parse: a comment and an encoded word (evaluated: 550), an IDN domain (its
# A-label: np=reject, 550); one without a domain (from_action: 550)
mkmsg s40 '=?UTF-8?B?UHLDpHNpZGVudA==?= (office) <president@example.edu>'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from a@example.edu --data "$M/s40" --expect 5
rejected s40 'for example\.edu'
mkmsg s41 "x@b$(printf '\xc3\xbc')cher.example.edu"
send_msg --addr 192.0.2.66 --helo spoof.example.net --from a@example.edu --data "$M/s41" --expect 5
rejected s41 'xn--bcher-kva\.example\.edu'
mkmsg s42 'Undisclosed <john>'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from a@example.edu --data "$M/s42" --expect 5
assert_match '^550[ -]5\.7\.1 .*From header' "$SEND_REPLY" "s42: From without a domain: 550 5.7.1"
# records: a duplicated tag (permerror, delivered, logged), v= not first (no record there: the
# walk finds example.edu, sp=quarantine: held)
mkmsg s43 'x@dup.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@dup.example.edu --data "$M/s43"
delivered_ok s43
assert_match 'dmarc=permerror .*duplicate tag p=' "$AR" "s43: duplicated tag: permerror with the reason"
grep -q 'dmarc=permerror header.from=dup.example.edu .*duplicate tag p=' "$HM_LOG" ||
	fail "s43: not logged" "$HM_LOG"
mkmsg s44 'x@vlate.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@vlate.example.edu --data "$M/s44"
held s44
grep -q 'header.from=vlate.example.edu policy_domain=example.edu .*p=quarantine' "$HM_LOG" ||
	fail "s44: v= not first should not be a record" "$HM_LOG"
ok "s44: v= not first: not a DMARC record, example.edu's sp=quarantine applies"

# ---- 17. an authenticated client (XCLIENT LOGIN) and a monitor-only domain: not enforced -------
mkmsg s25 'president@example.edu'
send_msg --addr 192.0.2.66 --helo laptop.example.net --from president@example.edu \
	--xclient-login president --data "$M/s25"
delivered_ok s25
assert_match 'dmarc=fail \(p=reject dis=none override=local_policy by authenticated client\)' "$AR" \
	"s25: authenticated client not rejected, override in A-R"
grep -q 'header.from=example.edu .*override=local_policy by=authenticated client action=accept' \
	"$HM_LOG" || fail "s25: override not logged" "$HM_LOG"
mkmsg s26 'x@watch.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@watch.example.edu --data "$M/s26"
delivered_ok s26
assert_match 'dmarc=fail \(p=reject dis=none override=local_policy by monitor-only domain\)' "$AR" \
	"s26: monitor-only domain, override in A-R"
grep -q 'header.from=watch.example.edu .*override=local_policy by=monitor-only domain action=accept' \
	"$HM_LOG" || fail "s26: override not logged" "$HM_LOG"
ok "s26: override logged"

# ---- 18. where the tree walk and the PSL mode differ (tree walk here; PSL mode in 19) -----------
# a PSL private suffix publishing a plain policy; a psd=y policy at a PSL suffix; pct=0; t=y
mkmsg s27 'x@someone.github.io'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@someone.github.io --data "$M/s27" \
	--expect 5
rejected s27 someone.github.io
grep -q 'header.from=someone.github.io policy_domain=github.io org=github.io' "$HM_LOG" ||
	fail "s27: tree walk should take github.io as the Organizational Domain" "$HM_LOG"
mkmsg s28 'registrar@college.ac.uk'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from registrar@college.ac.uk \
	--data "$M/s28" --expect 5
rejected s28 college.ac.uk
mkmsg s29 'x@sample.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@sample.example.edu --data "$M/s29" \
	--expect 5
rejected s29 sample.example.edu

# the label limit: a record 9 labels down is skipped by the walk (cut to 7 labels after the
# first query), so example.edu's np=reject applies, not that record's p=none
mkmsg s46 'x@a.b.c.d.e.f.g.h.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@a.b.c.d.e.f.g.h.example.edu \
	--data "$M/s46" --expect 5
rejected s46 'a\.b\.c\.d\.e\.f\.g\.h\.example\.edu'
grep -q 'header.from=a.b.c.d.e.f.g.h.example.edu policy_domain=example.edu .*p=reject' "$HM_LOG" ||
	fail "s46: the walk should skip _dmarc.b.c.d.e.f.g.h.example.edu" "$HM_LOG"
ok "s46: label limit: the 9-label record is not asked"
# two DMARC records at one name: both discarded (logged), the walk goes on to example.edu
mkmsg s45 'x@twice.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@twice.example.edu --data "$M/s45"
held s45
grep -q 'header.from=twice.example.edu policy_domain=example.edu .*note=_dmarc.twice.example.edu: several DMARC records, all discarded' \
	"$HM_LOG" || fail "s45: several records not discarded or not logged" "$HM_LOG"
ok "s45: two records at one name discarded, logged; example.edu's sp=quarantine applies"

# ---- 19. RFC 7489 mode (reloaded, same port) -------------------------------------------------------
hm_reload "dmarc = { org_domain = \"psl\"; };" || fail "reload to PSL mode" "$HM_LOG"
mkmsg s15 'x@x.mail.cs.univ.example'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@x.mail.cs.univ.example --data "$M/s15"
delivered_ok s15
assert_match 'dmarc=none' "$AR" "s15: PSL mode finds no policy for x.mail.cs.univ.example"
mkmsg s30 'x@someone.github.io'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@someone.github.io --data "$M/s30"
delivered_ok s30
assert_match 'dmarc=none' "$AR" "s30: PSL mode: someone.github.io is its own org domain, no policy"
mkmsg s31 'registrar@college.ac.uk'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from registrar@college.ac.uk --data "$M/s31"
delivered_ok s31
assert_match 'dmarc=none' "$AR" "s31: PSL mode does not use the psd=y policy of ac.uk"
mkmsg s32 'x@sample.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@sample.example.edu --data "$M/s32"
held s32
grep -q 'header.from=sample.example.edu .*dis=quarantine override=sampled_out by=pct' "$HM_LOG" ||
	fail "s32: pct=0 should sample the message out (one level lower)" "$HM_LOG"
ok "s32: pct honoured in PSL mode: reject sampled out to quarantine"
mkmsg s33 'x@pilot.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@pilot.example.edu --data "$M/s33" \
	--expect 5
rejected s33 pilot.example.edu

# ---- 20. configured actions: temperror accepted, quarantine by header, reject -> quarantine -----
hm_reload 'dmarc = { on_temperror = "accept"; from_action = "quarantine"; quarantine_by = "header";
  on_reject = "quarantine"; };' || fail "reload with configured actions" "$HM_LOG"
mkmsg s34 'x@unreachable.example.net'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@unreachable.example.net --data "$M/s34"
delivered_ok s34
assert_match 'dmarc=temperror' "$AR" "s34: on_temperror = accept: delivered, dmarc=temperror"
printf 'To: rcpt@example.net\nSubject: s35\nMessage-ID: <s35@t-dmarc.test>\nX-Test-Id: s35\n\nno From\n' \
	> "$M/s35"
send_msg --addr 192.0.2.66 --helo spoof.example.net --from a@example.edu --data "$M/s35"
delivered_ok s35
assert_match 'From header' "$(hdr_get X-Hallmark-Quarantine "$M/s35.out")" \
	"s35: from_action = quarantine by header: X-Hallmark-Quarantine added"
mkmsg s36 'editor@news.example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from editor@news.example.edu --data "$M/s36"
delivered_ok s36
assert_match 'DMARC .*news\.example\.edu' "$(hdr_get X-Hallmark-Quarantine "$M/s36.out")" \
	"s36: p=quarantine by header: delivered with X-Hallmark-Quarantine"
mkmsg s37 'president@example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from president@example.edu --data "$M/s37"
delivered_ok s37
assert_match 'dmarc=fail \(p=reject dis=quarantine override=local_policy by on_reject\)' "$AR" "s37: A-R says what was done"
assert_match 'DMARC .*example\.edu' "$(hdr_get X-Hallmark-Quarantine "$M/s37.out")" \
	"s37: on_reject = quarantine: quarantined (by header), not rejected"

# ---- 21. report-only: evaluated and recorded, never rejected --------------------------------------
hm_reload 'dmarc = { report_only = true; };' || fail "reload to report-only" "$HM_LOG"
mkmsg s38 'president@example.edu'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from president@example.edu --data "$M/s38"
delivered_ok s38
assert_match 'dmarc=fail \(p=reject dis=none override=local_policy by report_only\)' "$AR" "s38: report-only: delivered"
mkmsg s39 'a@example.edu' 'b@vendor.example'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from a@example.edu --data "$M/s39"
delivered_ok s39
grep -q 'From header: 2 From headers action=accept (report-only)' "$HM_LOG" ||
	fail "s39: report-only From problem not logged" "$HM_LOG"
ok "s39: report-only: two From headers delivered, logged"
assert_eq 0 "$(find "$PF_DIR/spool/hold" -type f -newer "$M/s37" | wc -l)" "report-only holds nothing"

rig_log "PASS"
