#!/bin/bash
# tests/integration/t_senders_collect.sh - `hallmark senders` on what hallmarkd itself recorded:
# messages go through a real Postfix (smtpd_milters = hallmarkd, reports enabled into a SQLite
# store), the DNS is a real NSD (univ.example p=reject, the vendor's SPF record, the relays'
# reverse names), hallmarkd writes its rows on SIGHUP, then `hallmark senders` reads the store
# named by the same configuration (no --store).
#   own MTA       2 messages from 192.0.2.25 (mail.univ.example), SPF aligned: DMARC pass
#   lms-vendor    3 messages from 198.51.100.140 (out1.lms.example) with the vendor's own bounce
#                 domain: DMARC fails, hallmarkd's vendor entry (spf = "_spf.lms.example")
#                 overrides it; the row's override comment names the rule
#   a forger      1 message from 203.0.113.5: SPF fails, rejected (550)
# Checked: the rows' override comment; the census (JSON): the three services, how each was
# attributed, the advice for the vendor and the readiness verdict; the table fits 80 columns.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init senders-collect
command -v sqlite3 >/dev/null || rig_skip "sqlite3 not found (apt-get install sqlite3)"
command -v jq >/dev/null || rig_skip "jq not found (apt-get install jq)"
. "$top_srcdir/tests/lib/reports.sh"
HALLMARK=${HALLMARK:-$top_builddir/hallmark}
DB=$RIG_DIR/store/reports.db
mkdir -p "$RIG_DIR/store"
rep_setup
# the vendor's SPF record and the relays' reverse names (in the zones rep_setup wrote); NSD
# restarted on them
{
	printf '_spf.lms.example. TXT "v=spf1 ip4:198.51.100.128/25 -all"\n'
	printf 'lms.example. TXT "v=spf1 include:_spf.lms.example -all"\n'
	printf '_dmarc.lms.example. TXT "v=DMARC1; p=none"\n'
	printf 'out1.lms.example. A 198.51.100.140\n'
	printf '140.100.51.198.in-addr.arpa. PTR out1.lms.example.\n'
	printf '25.2.0.192.in-addr.arpa. PTR mail.univ.example.\n'
} >> "$Z/root.zone"
printf 'mail A 192.0.2.25\n' >> "$Z/univ.example.zone"
nsd_stop || :
rig_dns "$Z"

hm_start "$(rep_conf "sqlite:$DB")
dmarc = { vendors = ( { name = \"lms-vendor\"; spf = \"_spf.lms.example\";
  domains = [\"univ.example\"]; } ); };"
pf_start

for i in 1 2; do
	rep_msg own$i 'Registrar <registrar@univ.example>'
	rep_deliver own$i --addr 192.0.2.25 --helo mail.univ.example --from bounce@univ.example
done
for i in 1 2 3; do
	rep_msg lms$i 'Courses <courses@univ.example>'
	rep_deliver lms$i --addr 198.51.100.140 --helo out1.lms.example --from bounce@lms.example
done
rep_msg forged 'Registrar <registrar@univ.example>'
send_msg --addr 203.0.113.5 --helo forger.example --from x@univ.example --data "$M/forged" \
	--expect 5 || fail "forged: not rejected"

# flush: SIGHUP, until the store holds the 6 messages
kill -HUP "$HM_PID"
n=0
until [ "$(sqlite3 "$DB" 'SELECT coalesce(sum(count), 0) FROM agg_row' 2>/dev/null)" = 6 ]; do
	[ "$n" -lt 100 ] || { fail "the store does not hold 6 messages"; exit 1; }
	sleep 0.1
	n=$((n + 1))
done
assert_match 'lms-vendor via spf:_spf\.lms\.example' \
	"$(sqlite3 "$DB" "SELECT replace(rowkey, char(10), '|') FROM agg_row")" \
	"the row's override comment names the vendor's rule"

"$HALLMARK" senders --domain univ.example -c "$HM_CONF" --format json > "$M/out.json" \
	2> "$M/err" || fail "senders --format json" "$M/err"
J=$M/out.json
# jqv FILTER - jq -r on the census
jqv() { jq -r "$1" "$J"; }
assert_eq 6 "$(jqv .messages)" "six messages"
assert_eq "lms-vendor vendor 3 0|univ.example rdns 2 2|203.0.113.5 ip 1 0" \
	"$(jqv '[.services[] | "\(.service) \(.kind) \(.messages) \(.dmarc_pass)"] | join("|")')" \
	"the services (most mail first), kinds, messages, DMARC passes"
assert_eq "spf:_spf.lms.example" "$(jqv '.services[0].via')" "the vendor, by its SPF record"
assert_eq "out1.lms.example" "$(jqv '.services[0].sources[0].ptr')" "the relay's name"
assert_eq 3 "$(jqv '.services[0].disposition.none')" "the vendor's mail delivered (override)"
assert_match '^relay 198\.51\.100\.140 \(out1\.lms\.example\) passes SPF only for another envelope domain: use a bounce address under univ\.example or have it sign with d=univ\.example$' \
	"$(jqv '.services[0].fixes[0]')" "what the vendor should change"
assert_eq 1 "$(jqv '.services[2].disposition.reject')" "the forger rejected"
assert_eq "not ready: p=quarantine and p=reject would lose mail of lms-vendor (3 of 3 failing); 1 more message from sources that never pass" \
	"$(jqv .readiness.text)" "the readiness verdict"
"$HALLMARK" senders --domain univ.example -c "$HM_CONF" > "$M/out.table" 2>&1 ||
	fail "senders (table)" "$M/out.table"
assert_eq 0 "$(awk 'length > 80' "$M/out.table" | wc -l)" "the table fits 80 columns"
ok "hallmark senders on hallmarkd's own rows"
