#!/bin/bash
# tests/integration/t_dmarc.sh - DMARC end to end through a real Postfix (smtpd_milters =
# hallmarkd) and a real NSD serving tests/zones/{example.edu,vendor.example,univ.example,
# ac.example}.zone, clients presented with XCLIENT, mail delivered to smtp-sink.
#
# Scenarios (issue 6): a vendor relay listed in the institution's SPF through include: (spf pass,
# dmarc pass); the vendor's own domain as MAIL FROM with the institution's From under p=reject
# (550 5.7.1); the same from a relay in the named allow-list (accepted, override in A-R); an
# existing subdomain under sp=quarantine (held); a non-existent subdomain under np=reject (550);
# t=y (reject lowered to quarantine: held); p=none (delivered, dmarc=fail); a policy found only by
# the tree walk, two labels up (550; accepted in PSL mode); a public suffix domain's psd=y policy
# (550); a record in many TXT strings (550) and a huge one (held); a spoofer with no signature
# under p=reject (550) and under p=quarantine (held, seen with postqueue -j and postcat); two From
# headers (550); a record with garbage (permerror, delivered); an internal client (not rejected,
# override recorded).
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
for apex in edu example; do
	printf '$ORIGIN %s.\n$TTL 300\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n@ IN NS ns.%s.\nns IN A 127.0.0.1\n' \
		"$apex" "$apex" "$apex" "$apex" > "$Z/$apex.zone"
done
rig_dns "$Z"

VENDORS='dmarc = { vendors = ( { name = "survey-vendor"; networks = ["198.51.100.0/25", "2001:db8:5::/48"];
  domains = ["surveys.example.edu"]; reason = "trusted_forwarder"; } ); };'
hm_start "$VENDORS"
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

# held ID - message ID sits in the hold queue (postqueue -j), postcat shows it
held() {
	local n=50 qid=""
	while [ "$n" -gt 0 ]; do
		qid=$(pf_postqueue -j 2>/dev/null | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    q = json.loads(line)
    if q.get("queue_name") == "hold":
        print(q["queue_id"])' | while read -r id; do
			pf_postcat -q "$id" 2>/dev/null | grep -q "X-Test-Id: $1" && echo "$id"
		done | head -n 1)
		[ -n "$qid" ] && break
		sleep 0.1
		n=$(( n - 1 ))
	done
	[ -n "$qid" ] || fail "$1: not in the hold queue" "$PF_DIR/maillog"
	ok "$1: held as $qid (postqueue -j: hold)"
	pf_postcat -q "$qid" > "$M/$1.held"
	assert_file_match "X-Test-Id: $1" "$M/$1.held" "$1: postcat shows the held message"
}

# ---- 1. vendor relay in the institution's SPF through include: --------------------------------
mkmsg s1 'Provost <provost@surveys.example.edu>'
send_msg --addr 203.0.113.10 --helo relay.vendor.example --from bounce@surveys.example.edu \
	--data "$M/s1"
delivered_ok s1
assert_match 'spf=pass' "$AR" "s1: spf=pass"
assert_match 'dmarc=pass \(p=reject dis=none\) header\.from=surveys\.example\.edu' "$AR" "s1: dmarc=pass"
assert_match 'policy\.dmarc=reject' "$AR" "s1: policy.dmarc=reject"

# ---- 2. the vendor's own domain as MAIL FROM, institution's From, p=reject: 550 ----------------
mkmsg s2 'provost@surveys.example.edu'
send_msg --addr 198.51.100.200 --helo relay.vendor.example --from bounce@vendor.example \
	--data "$M/s2" --expect 5
rejected s2 surveys.example.edu

# ---- 3. the same from a relay in the named allow-list: accepted, override recorded -----------
mkmsg s3 'provost@surveys.example.edu'
send_msg --addr 198.51.100.20 --helo relay.vendor.example --from bounce@vendor.example \
	--data "$M/s3"
delivered_ok s3
assert_match 'dmarc=fail \(p=reject dis=none override=trusted_forwarder by survey-vendor\)' "$AR" \
	"s3: override recorded in A-R"
grep -q 'override=trusted_forwarder by=survey-vendor' "$HM_LOG" || fail "s3: override not logged" "$HM_LOG"
ok "s3: override logged"

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
assert_match 'override=local_policy by trusted client' "$AR" "s14: internal client not rejected"

# ---- 14. RFC 7489 mode: the walk-only policy is not found -------------------------------------------
hm_stop
hm_start "dmarc = { org_domain = \"psl\"; };"
pf_reload
sleep 1
mkmsg s15 'x@x.mail.cs.univ.example'
send_msg --addr 192.0.2.66 --helo spoof.example.net --from x@x.mail.cs.univ.example --data "$M/s15"
delivered_ok s15
assert_match 'dmarc=none' "$AR" "s15: PSL mode finds no policy for x.mail.cs.univ.example"

rig_log "PASS"
