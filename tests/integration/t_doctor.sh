#!/bin/bash
# tests/integration/t_doctor.sh - `hallmark doctor` against a real NSD on
# loopback serving tests/data/doctor/zones, and against tests/dns/faultdns.
#
# Each scenario runs the tool (its resolver pointed at the server through
# dns.forwarders in a hallmark.conf) and compares its standard output byte
# for byte with tests/data/doctor/NAME.out, and its exit status:
#   good      include chain to the vendor's SPF, DKIM key found at a common
#             selector, rua inside / authorised / authorised by a wildcard,
#             forward-confirmed reverse DNS, unsubscribe headers signed:
#             exit 0; also as JSON (good-json, checked to parse)
#   near      8 DNS-querying SPF terms, 4 through two includes (the cost of
#             each shown): warned, exit 0
#   over      11 terms: the IP passes (listed first) but the record fails
#   voids     3 void lookups: permerror
#   ptr       ptr, +all, a void lookup; no DKIM key at any common selector,
#             no DMARC record; reverse DNS not forward-confirmed
#   weak      RSA 1024 (warn) and 512 (FAIL), t=y, revoked, PKCS#1, a
#             selector without a key; rua not authorised; ?all under
#             p=reject; ruf to a host that authorises another domain only
#   univ      tree walk (psd=n) and PSL find different records: the From
#             domain's organisation is not the sending domain's: would fail
#   nounsub   a configuration whose sign_headers lack List-Unsubscribe-Post
#   servfail  every lookup SERVFAIL (faultdns): exit 2
# and a server that never answers: exit 2 within the DNS budget.
# Then the usage errors (exit 3), and that every text report fits 80
# columns.  HM_DOCTOR_REGEN=1 rewrites the golden files instead (review
# the diff before committing it).
#
# Exit 0 pass, 77 skip (a tool missing; with CI=true that is a failure),
# 1 fail.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
HALLMARK=${HALLMARK:-$top_builddir/hallmark}
DATA=$top_srcdir/tests/data/doctor
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/nsd.sh"

nsd_available || missing "nsd or dig (Debian: nsd, dnsutils)"
[ -x "$HALLMARK" ] || { echo "no $HALLMARK"; exit 1; }
cleanup() {
	nsd_stop
	stop "${FD_PID:-}"
}
work_dir doctor
fails=0

nsd_start "$DATA/zones" || { echo "FAIL: NSD did not start"; exit 1; }
faultdns_start "$WORK" || { echo "FAIL: faultdns did not start"; exit 1; }
printf 'dns = { forwarders = ["127.0.0.1@%s"]; query_timeout_ms = 3000; };\n' \
    "$NSD_PORT" >"$WORK/nsd.conf"
cp "$WORK/nsd.conf" "$WORK/nounsub.conf"
printf 'dkim_sign = { sign_headers = ["from", "to", "subject", "date", "list-unsubscribe"]; };\n' \
    >>"$WORK/nounsub.conf"
printf 'dns = { forwarders = ["127.0.0.1@%s"]; query_timeout_ms = 1000; };\n' \
    "$FD_PORT" >"$WORK/fault.conf"

# scenario NAME EXIT CONF ARGS... - run doctor, compare with NAME.out
scenario() {
	_name=$1 _want=$2 _conf=$3
	shift 3
	"$HALLMARK" doctor "$@" -c "$WORK/$_conf.conf" >"$WORK/$_name.out" \
	    2>"$WORK/$_name.err"
	_rc=$?
	if [ "${HM_DOCTOR_REGEN:-}" = 1 ]; then
		cp "$WORK/$_name.out" "$DATA/$_name.out"
	fi
	assert_eq "$_want" "$_rc" "$_name: exit status" "$WORK/$_name.err"
	if cmp -s "$DATA/$_name.out" "$WORK/$_name.out"; then
		ok "$_name: output as in tests/data/doctor/$_name.out"
	else
		fail "$_name: output differs from the golden file"
		diff -u "$DATA/$_name.out" "$WORK/$_name.out" | head -40
	fi
}

scenario good 0 nsd -d good.example --ip 192.0.2.10 --from alerts@good.example
scenario good-json 0 nsd -d good.example --ip 192.0.2.10 \
    --from alerts@good.example --format json
scenario near 0 nsd -d near.example --ip 192.0.2.10 -s s1
scenario over 1 nsd -d over.example --ip 192.0.2.10 -s s1
scenario voids 1 nsd -d voids.example --ip 192.0.2.10 -s s1
scenario ptr 1 nsd -d ptr.example --ip 192.0.2.20
scenario weak 1 nsd --domain weak.example --ip 192.0.2.10 --selector r1024 \
    -s r512 -s test -s gone -s pk1 -s nosuch
scenario univ 1 nsd -d univ.example --ip 192.0.2.10 \
    --from alerts@news.dept.univ.example -s s1
scenario nounsub 1 nounsub -d good.example --ip 192.0.2.10 -s s1
scenario servfail 2 fault -d servfail.example -s servfail

# a server that never answers: the run's lookups share one budget
# (dns.message_budget_ms, 2.5 s), so it ends after about that long with
# exit 2, where one query timeout (2 s) per lookup would take 8 s or more
printf 'dns = { forwarders = ["127.0.0.1@%s"]; query_timeout_ms = 2000; message_budget_ms = 2500; };\n' \
    "$FD_PORT" >"$WORK/dead.conf"
t0=$(date +%s%N)
"$HALLMARK" doctor -d timeout.example -s timeout -c "$WORK/dead.conf" \
    >"$WORK/dead.txt" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
assert_eq 2 "$rc" "no answer at all: exit 2" "$WORK/dead.txt"
if [ "$ms" -lt 5000 ]; then ok "no answer at all: done in $ms ms (budget 2500)"
else fail "no answer at all: $ms ms, the DNS budget is not applied"; fi

# what each scenario is there for (so that a golden file rewritten with
# HM_DOCTOR_REGEN=1 cannot quietly lose it)
# has NAME LEVEL TEXT - a finding of that level containing TEXT
has() {
	if grep -F -- "$3" "$WORK/$1.out" | grep -q "^  $2 "; then
		ok "$1: $2 $3"
	else
		fail "$1: no '$2 ... $3'" "$WORK/$1.out"
	fi
}
has good ok "192.0.2.10 for good.example: pass"
if grep -qx '        good.example: include:_spf.vendor.example' "$WORK/good.out" &&
    grep -qx '        _spf.vendor.example: ip4:192.0.2.0/25 (pass)' "$WORK/good.out"
then ok "good: the include chain that decided"
else fail "good: no include chain" "$WORK/good.out"; fi
has good ok "s1: rsa, 2048 bits"
has good ok "rua mailto:dmarc@vendor.example: authorised by"
has good ok "rua mailto:agg@reports.example: authorised by"
has good ok "would pass by spf and dkim"
has good ok "reverse DNS: 192.0.2.10 is mail.vendor.example"
has near warn "DNS lookups: 8 of 10: close to the limit"
grep -qx '        of which: _spf.vendor.example 1, _spf.near.example 3' \
    "$WORK/near.out" && ok "near: what each include costs" ||
    fail "near: no cost per include" "$WORK/near.out"
has over FAIL "DNS lookups: more than 10"
has voids FAIL "void lookups: more than 2"
has ptr warn "ptr in the record of ptr.example"
has ptr warn "+all in the record of ptr.example"
has ptr warn "void lookups: 1 of 2"
has ptr FAIL "no key at any common selector"
has ptr FAIL "no DMARC record for ptr.example"
has ptr FAIL "reverse DNS: 192.0.2.20 is nomatch.vendor.example, but"
has weak warn "r1024: rsa, 1024 bits"
has weak FAIL "r512: rsa, 512 bits"
has weak warn "test: t=y"
has weak FAIL "gone: the key is revoked"
has weak warn "pk1: p= is a PKCS#1 RSAPublicKey"
has weak FAIL "nosuch: no key at"
has weak warn "rua mailto:d@nowhere.example: not authorised"
has weak warn "ruf mailto:forensic@vendor.example: not authorised"
has weak warn "ends with ?all"
has univ warn "the tree walk (RFC 9989) and the Public Suffix List"
has univ FAIL "would fail: p=reject applies"
has nounsub FAIL "lacks"
has servfail "?" "lookup of servfail._domainkey.servfail.example TXT failed"

if /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["result"] == "pass" and len(d["sections"]) == 4' \
    "$WORK/good-json.out" 2>"$WORK/json.err"; then
	ok "good-json: valid JSON, result pass, 4 sections"
else
	fail "good-json: not the JSON expected" "$WORK/json.err"
fi
for f in "$WORK"/*.out; do
	case $f in *json*) continue ;; esac
	awk 'length($0) > 80 { print FILENAME ": " $0 }' "$f"
done >"$WORK/long"
if [ -s "$WORK/long" ]; then fail "lines over 80 columns" "$WORK/long"
else ok "every text report fits 80 columns"; fi

# usage errors: exit 3, a message on stderr, nothing on stdout
usage() {
	"$HALLMARK" doctor "$@" -c "$WORK/nsd.conf" >"$WORK/u.out" 2>"$WORK/u.err"
	_rc=$?
	if [ "$_rc" = 3 ] && [ ! -s "$WORK/u.out" ] && [ -s "$WORK/u.err" ]; then
		ok "usage error, exit 3: $*"
	else
		fail "want exit 3 and a message for: $* (exit $_rc)" "$WORK/u.err"
	fi
}
usage --ip 192.0.2.10
usage -d "bad domain"
usage -d good.example --ip 192.0.2.300
usage -d good.example --format xml
usage -d good.example --from nobody
usage -d good.example extra

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
