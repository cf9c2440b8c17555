#!/bin/bash
# tests/integration/t_doctor_rig.sh - `hallmark doctor` predicts what hallmarkd decides.
#
# A real Postfix (smtpd_milters = hallmarkd) and a real NSD serving tests/data/doctor/zones plus
# a key made here (selector "rig") for good.example, univ.example and voids.example.  For each
# case the doctor is asked (--format json) about DOMAIN, IP, --selector rig and a From address;
# then the mail it describes is sent through Postfix: XCLIENT ADDR = IP, MAIL FROM
# postmaster@DOMAIN, that From, signed d=DOMAIN s=rig by tests/tools/hm-sign (or not signed when
# the case says so).  The SPF result the doctor gives for IP must be the one in hallmarkd's
# Authentication-Results, and the DMARC outcome the same: "would pass" = dmarc=pass, "would
# fail" under p=reject = a 550 reply, no DMARC record = dmarc=none.
#   good    SPF pass through the vendor's include, DKIM aligned: pass
#   univ    tree walk: news.dept.univ.example is its own organisation: rejected
#   voids   SPF permerror (3 void lookups), DMARC passes by DKIM
#   weak    not listed (?all: neutral), not signed, p=reject: rejected
#   ptr     +all: SPF pass; no DMARC record: none
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

HALLMARK=${HALLMARK:-$top_builddir/hallmark}
HM_SIGN=${HM_SIGN:-$top_builddir/tests/tools/hm-sign}
rig_init doctor_rig
[ -x "$HALLMARK" ] || rig_skip "$HALLMARK not built"
[ -x "$HM_SIGN" ] || rig_skip "$HM_SIGN not built (make check builds it)"

Z=$RIG_DIR/zones
M=$RIG_DIR/msg
mkdir -p "$Z" "$M"
cp "$top_srcdir"/tests/data/doctor/zones/*.zone "$Z/"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$RIG_DIR/rig.pem" \
	2>/dev/null
chmod 600 "$RIG_DIR/rig.pem"
for d in good.example univ.example voids.example; do
	zone_txt rig._domainkey "$(dkim_txt "$RIG_DIR/rig.pem")" >> "$Z/$d.zone"
done
rig_dns "$Z"
hm_start ''
pf_start
printf 'dns = { forwarders = ["127.0.0.1@%s"]; };\n' "$NSD_PORT" > "$RIG_DIR/doctor.conf"
SENT=0

# prediction JSON - "SPF DMARC" from the doctor's JSON report: the SPF result for --ip, and
# pass / fail / none / unknown for DMARC
prediction() {
	/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["code"]: x for s in d["sections"] for x in s["findings"]}
spf = f["spf-result"]["text"].rsplit(": ", 1)[1]
r = f.get("dmarc-result")
dmarc = "none" if r is None else {"ok": "pass", "fail": "fail"}.get(r["level"], "unknown")
print(spf, dmarc)' "$1"
}

# case NAME DOMAIN IP FROM signed|unsigned - ask the doctor, send the mail, compare
case_() {
	local name=$1 dom=$2 ip=$3 from=$4 sign=$5 want spf dmarc ar expect=2
	"$HALLMARK" doctor -d "$dom" --ip "$ip" -s rig --from "$from" -F json \
		-c "$RIG_DIR/doctor.conf" > "$M/$name.json" || true
	want=$(prediction "$M/$name.json")
	spf=${want% *}
	dmarc=${want#* }
	msg_make "$M/$name.eml" "$name" "$from"
	if [ "$sign" = signed ]; then
		"$HM_SIGN" -k "$RIG_DIR/rig.pem" -d "$dom" -s rig "$M/$name.eml" > "$M/$name.signed"
	else
		cp "$M/$name.eml" "$M/$name.signed"
	fi
	[ "$dmarc" = fail ] && expect=5
	send_msg --addr "$ip" --helo "mail.$dom" --from "postmaster@$dom" --data "$M/$name.signed" \
		--expect "$expect"
	if [ "$expect" = 5 ]; then
		ok "$name: doctor said DMARC would fail; hallmarkd refused it: $SEND_REPLY"
		return 0
	fi
	SENT=$(( SENT + 1 ))
	wait_delivered "$SENT"
	delivered_by "X-Test-Id: $name" > "$M/$name.out"
	ar=$(tr -d '\r' < "$M/$name.out" | awk 'tolower($0) ~ /^authentication-results:/ {
		h = $0; f = 1; next } f && /^[ \t]/ { h = h " " $0; next } f { print h; exit }')
	assert_match "spf=$spf[ ;]" "$ar" "$name: doctor said SPF $spf; so does hallmarkd" "$M/$name.out"
	assert_match "dmarc=$dmarc[ ;]" "$ar" "$name: doctor said DMARC $dmarc; so does hallmarkd" \
		"$M/$name.out"
}

case_ good good.example 192.0.2.10 alerts@good.example signed
case_ univ univ.example 192.0.2.10 alerts@news.dept.univ.example signed
case_ voids voids.example 192.0.2.10 alerts@voids.example signed
case_ weak weak.example 192.0.2.99 alerts@weak.example unsigned
case_ ptr ptr.example 192.0.2.20 alerts@ptr.example unsigned
# the predictions themselves: each case above must have exercised another outcome
for p in "good:pass pass" "univ:pass fail" "voids:permerror pass" "weak:neutral fail" \
    "ptr:pass none"; do
	assert_eq "${p#*:}" "$(prediction "$M/${p%%:*}.json")" "doctor's prediction for ${p%%:*}"
done
rig_log "PASS"
