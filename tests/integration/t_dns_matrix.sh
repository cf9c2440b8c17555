#!/bin/bash
# tests/integration/t_dns_matrix.sh - the DNS fault matrix through the
# whole milter: hallmarkd resolves through tests/dns/faultdns, and for each
# of the three lookups (SPF record of the MAIL FROM domain, DKIM key,
# DMARC record) crossed with each fault (timeout, SERVFAIL, truncated
# with and without a TCP answer, malformed and garbage replies, a record
# of the wrong type, a huge TXT, an answer just under and just over the
# query timeout, NXDOMAIN) one message goes through tests/tools/milterc.py.
# Each must give its defined result in Authentication-Results and the
# configured verdict:
#   spf.on_temperror = "tempfail"   (SPF alone otherwise accepts)
#   dmarc.on_temperror = "tempfail", p=reject -> "reject" (defaults)
# and a message whose three lookups all time out must get its verdict
# within the per-message DNS budget, while a message whose body arrives
# slowly (over twice the budget) gets its normal verdict: the budget
# counts time waiting for DNS, not the SMTP transaction; and an SPF
# record of 5.6 KB (23 strings, over TCP) evaluates normally.
#
# Only the faulted lookup fails in each row: the other names are
# NXDOMAIN (tests/dns/faultdns picks the answer by the first label that
# does not start with "_"; its "ok" answers are "v=spf1 -all", the DKIM
# key made here, "v=DMARC1; p=reject").  Table-driven: one line per case.
#
# Exit 0 pass, 1 fail, 77 skip (a tool missing and CI not "true").
# Private temp dir and ports; stops what it starts.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"

need_hallmarkd
QT=1000			# query timeout (ms)
BUDGET=1500		# per-message DNS budget (ms)
SLACK=1500		# scheduling slack on a loaded machine (ms)
fails=0
FD_PID=
HM_PID=
D=m$$.fault.test	# unique per run: nothing comes from a cache

# cleanup - stop what this test started (work_dir's EXIT trap calls it)
cleanup() { stop "$HM_PID" "$FD_PID"; }

/usr/bin/python3 -c 'import dkim' 2>/dev/null || missing python3-dkim
command -v openssl >/dev/null || missing openssl

work_dir dnsmatrix

# a DKIM key pair: the private key signs here, faultdns serves the public
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 \
    -out "$WORK/k.pem" 2>/dev/null || { echo "FAIL: openssl genpkey"; exit 1; }

faultdns_start "$WORK" --log "$WORK/queries.log" \
    --dkim-key "$(dkim_txt "$WORK/k.pem")" ||
    { echo "FAIL: faultdns did not start"; exit 1; }
DNS_PORT=$FD_PORT

HM_PORT=$(free_port)
SOCK="inet:$HM_PORT@127.0.0.1"
hm_run <<EOC
socket = "$SOCK";
authserv_id = "mx.matrix.test";
log = { syslog = false; level = "info"; };
dns = { forwarders = ["127.0.0.1@$DNS_PORT"]; query_timeout_ms = $QT;
        message_budget_ms = $BUDGET; };
spf = { on_temperror = "tempfail"; };
dmarc = { on_temperror = "tempfail"; on_reject = "reject"; };
EOC

# msg I FROMDOMAIN [DKIM-SELECTOR] - message file I (signed by
# d=FROMDOMAIN, s=SELECTOR when a selector is given); prints its path
msg() {
	local f=$WORK/msg.$1
	printf 'From: Author <a@%s>\r\nTo: r@example.net\r\nSubject: row %s\r\nMessage-ID: <%s@x>\r\n\r\nHello.\r\n' \
	    "$2" "$1" "$1" >"$f"
	if [ -n "${3:-}" ]; then
		/usr/bin/python3 - "$f" "$3" "$2" "$WORK/k.pem" <<'EOP' || return 1
import sys, dkim
f, sel, dom, key = sys.argv[1:]
m = open(f, "rb").read()
sig = dkim.sign(m, sel.encode(), dom.encode(), open(key, "rb").read(),
                include_headers=[b"from", b"to", b"subject", b"message-id"])
open(f, "wb").write(sig + m)
EOP
	fi
	echo "$f"
}

# results I MAILFROM - "spf=X dkim=Y dmarc=Z verdict=V" for row I: the
# results from hallmarkd's summary log line of the message from MAILFROM
# (a rejected or tempfailed message gets no A-R header to read them
# from), the verdict from milterc's output
results() {
	local v
	v=$(sed -n 's/^verdict=//p' "$WORK/out.$1")
	awk -v f="from=<$2>" -v v="$v" 'index($0, f) && / action=/ {
		for (i = 1; i <= NF; i++)
			if ($i ~ /^(spf|dkim|dmarc)=/) out = out $i " "
	} END { print out "verdict=" v }' "$WORK/hallmarkd.log"
}

# send I FILE MAILFROM [PACE] - milterc one message, HELO name NXDOMAIN
# (its body spread over PACE ms when given); its output to $WORK/out.I
# (with "ms=N", connect to verdict)
send() {
	/usr/bin/python3 "$MILTERC" "$SOCK" send --time --from "$3" \
	    --pace "${4:-0}" --helo "nxdomain.h$1.$D" "$2" >"$WORK/out.$1" 2>&1
}

# row I LOOKUP FAULT - send message I with only LOOKUP (spf, dkim, dmarc)
# faulted with FAULT (a faultdns kind)
row() {
	local i=$1 look=$2 fault=$3
	local mfrom=s@nxdomain.s$i.$D from=nxdomain.f$i.$D sel="" f
	case $look in
	spf) mfrom=s@$fault.s$i.$D ;;
	dkim) from=ok.k$i.$D sel=$fault ;;
	dmarc) from=$fault.f$i.$D ;;
	esac
	f=$(msg "$i" "$from" "$sel") || { echo "could not sign" >"$WORK/out.$i"; return; }
	send "$i" "$f" "$mfrom"
	echo "$mfrom" >"$WORK/from.$i"
}

# check_row I LOOKUP FAULT WANT VERDICT - row I gave LOOKUP=WANT and VERDICT
check_row() {
	local got
	got=$(results "$1" "$(<"$WORK/from.$1")")
	case " $got " in
	*" $2=$4 "*"verdict=$5 ") ok "$2 $3: $got ($(sed -n 's/^ms=//p' "$WORK/out.$1") ms)" ;;
	*) fail "$2 $3: want $2=$4 verdict=$5, got: $got; $(cat "$WORK/out.$1")"
	   echo "  its log lines and DNS queries:"
	   grep -E "[.][a-z]$1[.]$D" "$WORK/hallmarkd.log" "$WORK/queries.log" |
	       sed 's/^/  /' ;;
	esac
}

U=$((QT - 400)) O=$((QT + 400))	# just under / just over the timeout
# lookup  fault       result      verdict
cat >"$WORK/table" <<EOT
spf     ok          fail        accept
spf     timeout     temperror   tempfail
spf     servfail    temperror   tempfail
spf     tc-notcp    temperror   tempfail
spf     tc-tcp      fail        accept
spf     malformed   temperror   tempfail
spf     garbage     temperror   tempfail
spf     wrongtype   none        accept
spf     hugetxt     none        accept
spf     nxdomain    none        accept
spf     slow-$U     fail        accept
spf     slow-$O     temperror   tempfail
dkim    ok          pass        accept
dkim    timeout     temperror   tempfail
dkim    servfail    temperror   tempfail
dkim    tc-notcp    temperror   tempfail
dkim    tc-tcp      pass        accept
dkim    malformed   temperror   tempfail
dkim    garbage     temperror   tempfail
dkim    wrongtype   permerror   reject
dkim    hugetxt     permerror   reject
dkim    nxdomain    permerror   reject
dkim    slow-$U     pass        accept
dkim    slow-$O     temperror   tempfail
dmarc   ok          fail        reject
dmarc   timeout     temperror   tempfail
dmarc   servfail    temperror   tempfail
dmarc   tc-notcp    temperror   tempfail
dmarc   tc-tcp      fail        reject
dmarc   malformed   temperror   tempfail
dmarc   garbage     temperror   tempfail
dmarc   wrongtype   none        accept
dmarc   hugetxt     none        accept
dmarc   nxdomain    none        accept
dmarc   slow-$U     fail        reject
dmarc   slow-$O     temperror   tempfail
EOT

# the rows run PAR at a time (each has its own names), then are checked.
# A tc-notcp row runs alone: faultdns closes the TCP connection its query
# came on, and libunbound pipelines concurrent TCP queries to one server
# on one connection, so a tc-tcp or hugetxt query sent at the same moment
# would fail with it (a fault of the connection, not of that row's name).
PAR=6
N=0
PIDS=
while read -r look fault _; do
	N=$((N + 1))
	if [ "$fault" = tc-notcp ]; then
		# shellcheck disable=SC2086
		[ -z "$PIDS" ] || wait $PIDS
		PIDS=
		row "$N" "$look" "$fault"
		continue
	fi
	row "$N" "$look" "$fault" &
	PIDS="$PIDS $!"
	if [ $((N % PAR)) -eq 0 ]; then wait $PIDS; PIDS=; fi
done <"$WORK/table"
# shellcheck disable=SC2086
[ -z "$PIDS" ] || wait $PIDS
N=0
while read -r look fault want verdict; do
	N=$((N + 1))
	check_row "$N" "$look" "$fault" "$want" "$verdict"
done <"$WORK/table"

# the budget: all three lookups of one message time out; the verdict must
# come within the budget (plus slack for start-up and scheduling), not at
# 3 x the query timeout plus the DMARC tree walk
i=$((N + 1))
f=$(msg "$i" "timeout.f$i.$D" timeout)
send "$i" "$f" "s@timeout.s$i.$D"
got=$(results "$i" "s@timeout.s$i.$D")
el=$(sed -n 's/^ms=//p' "$WORK/out.$i")
# unbounded, it would take 4 x QT (HELO, MAIL FROM, key, DMARC record)
if [ "$got" = "spf=temperror dkim=temperror dmarc=temperror verdict=tempfail" ] &&
    [ "${el:-99999}" -le $((BUDGET + SLACK)) ] &&
    [ $((4 * QT)) -gt $((BUDGET + SLACK)) ]; then
	ok "every lookup times out: $got in ${el} ms (budget $BUDGET ms, 4 queries x $QT ms)"
else
	fail "every lookup times out: got '$got' in ${el} ms (budget $BUDGET ms); $(cat "$WORK/out.$i")"
fi

# a slow client: the body arrives over twice the budget.  The budget
# counts time waiting for DNS, not the SMTP transaction, so the key and
# DMARC lookups at end of message still have their time: a normal verdict
i=$((N + 2))
f=$(msg "$i" "ok.f$i.$D" ok)
send "$i" "$f" "s@nxdomain.s$i.$D" $((2 * BUDGET))
got=$(results "$i" "s@nxdomain.s$i.$D")
el=$(sed -n 's/^ms=//p' "$WORK/out.$i")
if [ "$got" = "spf=none dkim=pass dmarc=pass verdict=accept" ] &&
    [ "${el:-0}" -ge $((2 * BUDGET)) ]; then
	ok "body over $((2 * BUDGET)) ms (budget $BUDGET ms): $got in ${el} ms"
else
	fail "body over $((2 * BUDGET)) ms (budget $BUDGET ms): want spf=none dkim=pass dmarc=pass verdict=accept, got '$got' in ${el:-?} ms; $(cat "$WORK/out.$i")"
fi

# an SPF record of 5.6 KB (23 strings; over TCP) is evaluated like any
# other: RFC 7208 sets no size limit, DNS carries up to 64 KB
i=$((N + 3))
f=$(msg "$i" "nxdomain.f$i.$D")
send "$i" "$f" "s@bigspf.s$i.$D"
got=$(results "$i" "s@bigspf.s$i.$D")
if [ "$got" = "spf=pass dkim=none dmarc=none verdict=accept" ]; then
	ok "SPF record of 5.6 KB: $got"
else
	fail "SPF record of 5.6 KB: want spf=pass dkim=none dmarc=none verdict=accept, got '$got'"
	grep -E "bigspf[.]s$i[.]" "$WORK/hallmarkd.log" | sed 's/^/  /'
fi

if kill -0 "$HM_PID" 2>/dev/null; then
	ok "hallmarkd still running"
else
	fail "hallmarkd died"
fi
grep -Eq "AddressSanitizer|runtime error" "$WORK/hallmarkd.log" &&
    fail "sanitizer report: $(grep -Em3 'AddressSanitizer|runtime error' "$WORK/hallmarkd.log")"

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed; hallmarkd log (last 40 lines):"
	tail -n 40 "$WORK/hallmarkd.log"
	exit 1
fi
echo "all $((N + 3)) DNS fault matrix messages gave their defined result and verdict"
exit 0
