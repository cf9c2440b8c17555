#!/bin/bash
# tests/integration/t_senders.sh - `hallmark senders` on a SQLite store seeded with the sqlite3
# tool (rows keyed by tests/tools/hm-rowkey, i.e. rrow_key) and a real NSD serving the reverse
# DNS of the relays and the vendors' SPF records. The example (the README walk-through):
# univ.example, p=none, and who sends as it over 30 days up to 2026-11-30:
#   lms-vendor     spf = "_spf.lms.example": two relays the record lists (PTR out1/out2),
#                  signing with d=univ.example: passes; also reported by "Example Mail"
#   survey-vendor  dkim_domains = ["surveys.example"]: signs as itself and as univ.example
#   payroll        networks = ["192.0.2.128/26"]: SPF-aligned through univ.example's record
#   newsletter     spf = "_spf.vendor.example": relay 198.51.100.7 (mailer.vendor.example)
#                  sends as univ.example without a signature, fails SPF: the failing vendor;
#                  hallmarkd overrode it locally (local_policy, the row's comment as hallmarkd
#                  writes it), Example Mail rejected it
#   univ.example   the institution's own MTA, by its forward-confirmed reverse DNS name
#   203.0.113.66   no reverse DNS, never passes; 203.0.113.99: a PTR that does not resolve
#                  back (mail.bigbank.example): shown by address
# Left out: a row of another domain, a row before the period, an imported report of an older
# period. Checked: the table, JSON and CSV outputs byte for byte (tests/golden/senders.*), the
# exit statuses of usage and store errors; the same table from the same rows in PostgreSQL.
#
# Exit 0 pass, 77 skip (hallmark, sqlite3 or NSD missing; with CI=true a failure), 1 fail.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/nsd.sh"
. "$top_srcdir/tests/lib/pg.sh"
HALLMARK=${HALLMARK:-$top_builddir/hallmark}
ROWKEY=$top_builddir/tests/tools/hm-rowkey
GOLDEN=$top_srcdir/tests/golden
[ -x "$HALLMARK" ] || missing "hallmark (build it)"
[ -x "$ROWKEY" ] || missing "tests/tools/hm-rowkey (make check builds it)"
command -v sqlite3 >/dev/null || missing "sqlite3 (apt-get install sqlite3)"
nsd_available || missing "NSD or dig (apt-get install nsd dnsutils)"
fails=0
work_dir senders
cleanup() { nsd_stop; pg_stop; }

# ---- the DNS ------------------------------------------------------------------------------
mkdir -p "$WORK/zones"
{
	zone_head
	cat <<'ZONE'
univ.example. TXT "v=spf1 ip4:192.0.2.25 ip4:192.0.2.128/26 -all"
_dmarc.univ.example. TXT "v=DMARC1; p=none; rua=mailto:dmarc@univ.example"
mail.univ.example. A 192.0.2.25
25.2.0.192.in-addr.arpa. PTR mail.univ.example.
_spf.lms.example. TXT "v=spf1 ip4:198.51.100.128/25 -all"
_dmarc.lms.example. TXT "v=DMARC1; p=none"
out1.lms.example. A 198.51.100.140
out2.lms.example. A 198.51.100.141
140.100.51.198.in-addr.arpa. PTR out1.lms.example.
141.100.51.198.in-addr.arpa. PTR out2.lms.example.
_dmarc.surveys.example. TXT "v=DMARC1; p=reject"
mta.surveys.example. A 203.0.113.10
10.113.0.203.in-addr.arpa. PTR mta.surveys.example.
pay.payroll.example. A 192.0.2.130
130.2.0.192.in-addr.arpa. PTR pay.payroll.example.
_spf.vendor.example. TXT "v=spf1 ip4:198.51.100.0/26 -all"
_dmarc.vendor.example. TXT "v=DMARC1; p=none"
mailer.vendor.example. A 198.51.100.7
7.100.51.198.in-addr.arpa. PTR mailer.vendor.example.
99.113.0.203.in-addr.arpa. PTR mail.bigbank.example.
mail.bigbank.example. A 192.0.2.200
ZONE
} | sed 's/^ns A/ns A/' > "$WORK/zones/root.zone"
nsd_start "$WORK/zones" || fail "NSD did not start"
[ "$fails" = 0 ] || exit 1

cat > "$WORK/hallmark.conf" <<CONF
dns = { forwarders = ["127.0.0.1@$NSD_PORT"]; };
dmarc = { vendors = (
  { name = "lms-vendor"; spf = "_spf.lms.example"; domains = ["univ.example"]; },
  { name = "survey-vendor"; dkim_domains = ["surveys.example"]; domains = ["univ.example"]; },
  { name = "payroll"; networks = ["192.0.2.128/26"]; domains = ["univ.example"]; },
  { name = "newsletter"; spf = "_spf.vendor.example"; domains = ["univ.example"]; }
); };
CONF

# ---- the store ------------------------------------------------------------------------------
DB=$WORK/reports.db
"$HALLMARK" report check --store "sqlite:$DB" > "$WORK/check.out" 2>&1 ||
	fail "report check made no store" "$WORK/check.out"

# row DAY COUNT FIELD... - a row hallmarkd recorded for univ.example
row() { "$ROWKEY" --day "$1" --domain univ.example --count "$2" "${@:3}"; }
# imp REPORT COUNT FIELD... - a row of an imported report of Example Mail
imp() { "$ROWKEY" --imp "example-mail.example/$1" --count "$2" "${@:3}"; }
LMS=(from=univ.example mfrom=bounce.lms.example disp=pass dkim_aligned=1
	dkim=univ.example/lms/pass dkim=lms.example/lms2026/pass spf=bounce.lms.example/pass)
NEWS=(ip=198.51.100.7 from=univ.example mfrom=univ.example spf=univ.example/fail)
SPOOF=(from=univ.example mfrom=univ.example disp=reject spf=univ.example/fail)
{
	row 20780 900 ip=198.51.100.140 "${LMS[@]}"
	row 20785 300 ip=198.51.100.141 "${LMS[@]}"
	row 20781 150 ip=203.0.113.10 from=univ.example mfrom=surveys.example disp=pass \
		dkim_aligned=1 dkim=univ.example/survey1/pass dkim=surveys.example/s1/pass \
		spf=surveys.example/pass
	row 20770 40 ip=192.0.2.130 from=univ.example mfrom=univ.example disp=pass spf_aligned=1 \
		spf=univ.example/pass
	row 20786 2000 ip=192.0.2.25 from=univ.example mfrom=univ.example disp=pass spf_aligned=1 \
		dkim_aligned=1 dkim=univ.example/s2026/pass spf=univ.example/pass
	row 20784 60 "${NEWS[@]}" disp=none \
		"reason=local_policy/newsletter via spf:_spf.vendor.example"
	row 20779 7 ip=203.0.113.66 "${SPOOF[@]}"
	row 20783 2 ip=203.0.113.99 "${SPOOF[@]}"
	# not counted: before the period, another domain
	row 20700 999 "${NEWS[@]}" disp=reject
	"$ROWKEY" --day 20780 --domain other.example --count 5 ip=192.0.2.1 from=other.example
	imp r1 500 ip=198.51.100.140 "${LMS[@]}"
	imp r1 25 "${NEWS[@]}" disp=reject
	imp r1 11 ip=203.0.113.66 "${SPOOF[@]}"
	imp r0 777 "${NEWS[@]}" disp=reject
	echo "INSERT INTO imp_report VALUES ('example-mail.example', 'r1', 'Example Mail',
	    'noreply-dmarc@example-mail.example', $((20785 * 86400)), $((20786 * 86400 - 1)),
	    'univ.example', 'none', NULL, NULL, 'r', 'r', 0, 'rfc7489', $((20787 * 86400)));"
	echo "INSERT INTO imp_report VALUES ('example-mail.example', 'r0', 'Example Mail',
	    'noreply-dmarc@example-mail.example', $((20700 * 86400)), $((20701 * 86400 - 1)),
	    'univ.example', 'none', NULL, NULL, 'r', 'r', 0, 'rfc7489', $((20702 * 86400)));"
} > "$WORK/seed.sql"
sqlite3 "$DB" < "$WORK/seed.sql" || fail "seeding the store" "$WORK/seed.sql"

# ---- the outputs, byte for byte ---------------------------------------------------------------
# senders FORMAT - run hallmark senders for the example; OUT, ERR, RC
senders() {
	"$HALLMARK" senders --domain univ.example --since 30d --until 2026-11-30 \
		--store "sqlite:$DB" -c "$WORK/hallmark.conf" --format "$1" \
		> "$WORK/out.$1" 2> "$WORK/err.$1"
	RC=$?
}
for f in table json csv; do
	senders "$f"
	assert_eq 0 "$RC" "senders --format $f exits 0" "$WORK/err.$f"
	if cmp -s "$GOLDEN/senders.$f" "$WORK/out.$f"; then
		ok "senders --format $f: as tests/golden/senders.$f"
	else
		fail "senders --format $f differs from tests/golden/senders.$f"
		diff -u "$GOLDEN/senders.$f" "$WORK/out.$f" >&2
	fi
	[ -s "$WORK/err.$f" ] && fail "senders --format $f wrote to stderr" "$WORK/err.$f"
done
assert_eq 0 "$(awk 'length > 80' "$WORK/out.table" | wc -l)" "the table fits 80 columns"
if command -v jq >/dev/null; then
	jq -e '.services | length == 7' "$WORK/out.json" > /dev/null ||
		fail "the JSON does not parse or has not 7 services"
fi

# ---- the same store on PostgreSQL (tests/lib/pg.sh), when its server is installed ----------
if pg_available; then
	if pg_start "$WORK" && "$HALLMARK" report check --store "pg:$HM_PG_URL" >/dev/null 2>&1 &&
		pg_psql "$(cat "$WORK/seed.sql")" >/dev/null; then
		"$HALLMARK" senders --domain univ.example --since 30d --until 2026-11-30 \
			--store "pg:$HM_PG_URL" -c "$WORK/hallmark.conf" > "$WORK/out.pg" 2>&1
		assert_eq 0 "$?" "senders on PostgreSQL exits 0" "$WORK/out.pg"
		if cmp -s "$GOLDEN/senders.table" "$WORK/out.pg"; then
			ok "senders on PostgreSQL: the same table"
		else
			fail "senders on PostgreSQL differs"
			diff -u "$GOLDEN/senders.table" "$WORK/out.pg" >&2
		fi
	else
		fail "PostgreSQL: no server or the seed did not load"
	fi
else
	report "skip: PostgreSQL is not installed: the PostgreSQL run is left out"
fi

# ---- errors -----------------------------------------------------------------------------------
# st WANT WHAT ARGS... - hallmark senders ARGS exits WANT
st() {
	local want=$1 what=$2 rc
	shift 2
	"$HALLMARK" senders "$@" > "$WORK/st.out" 2>&1
	rc=$?
	assert_eq "$want" "$rc" "$what" "$WORK/st.out"
}
st 2 "no --domain: 2" --store "$DB" -c "$WORK/hallmark.conf"
st 2 "a bad --format: 2" --domain univ.example --format xml -c "$WORK/hallmark.conf"
st 2 "a bad --since: 2" --domain univ.example --since yesterday -c "$WORK/hallmark.conf"
st 2 "a bad --domain: 2" --domain 'univ example' -c "$WORK/hallmark.conf"
st 1 "a store that cannot be made: 1" --domain univ.example --store "$WORK/no/such/dir/r.db" \
	-c "$WORK/hallmark.conf"
st 0 "a domain with no mail: 0" --domain nobody.example --store "$DB" --until 2026-11-30 \
	-c "$WORK/hallmark.conf"
assert_match '^readiness: no mail as nobody\.example in this period' "$(cat "$WORK/st.out")" \
	"a domain with no mail says so"

[ "$fails" = 0 ] || exit 1
