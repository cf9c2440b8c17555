#!/bin/bash
# tests/integration/t_dns_faults.sh - hallmark's DNS layer (dns.h on
# libunbound, through tests/tools/hm-dnsq) against tests/dns/faultdns, a
# fault-injecting responder on loopback.
#
# Each fault must give its defined status:
#   no answer, wrong query ID, answer after the timeout   -> TIMEOUT, at the
#                                      configured query timeout (bounded)
#   SERVFAIL, REFUSED, TC=1 without a TCP answer, a malformed or garbage
#   reply                                                 -> SERVFAIL
#   a record of the wrong type                            -> NODATA
#   TC=1 then a TCP answer, an 8000-byte TXT via TCP, an answer just
#   under the timeout                                     -> OK
#   a name that is not a valid query name                 -> ERROR (local)
# A failed dispatcher is restarted (lookups work again).  And the
# per-message budget (-b) must bound the time of several lookups
# (time waiting for DNS; a cached answer costs none, even when it is spent).
#
# Exit 0 pass, 1 fail, 77 skip (only when a tool is missing and CI is not
# "true").  Private temp dir and port; stops what it starts.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"

need_dnsq
T=1500			# query timeout (ms) used throughout
fails=0
FD_PID=
RUN=$$			# makes every query name unique (no cache hits)

# cleanup - stop what this test started (work_dir's EXIT trap calls it)
cleanup() { stop "$FD_PID"; }

# now_ms - monotonic-enough wall clock in ms
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# q ARGS... - hm-dnsq against faultdns with the query timeout T
q() {
	"$DNSQ" -s "127.0.0.1@$PORT" -t "$T" "$@" 2>>"$WORK/why.log"
}

# ms_of LINE - the ms= field of a status line, as an integer
ms_of() { sed -n 's/.* ms=\([0-9]*\).*/\1/p' <<<"$1"; }

# expect DESC STATUS MIN MAX ARGS... - first status line must start with
# STATUS and its elapsed time be within [MIN, MAX] ms
expect() {
	_desc=$1 _want=$2 _min=$3 _max=$4
	shift 4
	_out=$(q "$@")
	_st=$(head -1 <<<"$_out")
	_ms=$(ms_of "$_st")
	case $_st in
	"$_want "*)
		if [ -n "$_ms" ] && [ "$_ms" -ge "$_min" ] && [ "$_ms" -le "$_max" ]; then
			ok "$_desc: $_want in ${_ms} ms"
		else
			fail "$_desc: $_want but in ${_ms:-?} ms, not $_min..$_max"
		fi ;;
	*)	fail "$_desc: want $_want, got: $_out" ;;
	esac
	LAST=$_out
}

work_dir dnsfault
faultdns_start "$WORK" --log "$WORK/queries.log" ||
    { echo "FAIL: faultdns did not start"; exit 1; }
PORT=$FD_PORT
D=$RUN.fault.test
HI=$((T + 1000))	# a timeout ends by then (scheduling slack)

expect "plain answer" ok 0 $T ok.$D TXT
expect "NXDOMAIN" nxdomain 0 $T nxdomain.$D TXT
expect "NODATA" nodata 0 $T nodata.$D TXT
expect "SERVFAIL" servfail 0 $T servfail.$D TXT
expect "REFUSED is a server failure" servfail 0 $T refused.$D TXT
expect "no answer: TIMEOUT at the query timeout" timeout $((T - 50)) $HI timeout.$D TXT
expect "wrong query ID: ignored, TIMEOUT" timeout $((T - 50)) $HI wrongid.$D A
expect "answer just over the timeout: TIMEOUT" timeout $((T - 50)) $HI \
    slow-$((T + 400)).$D TXT
# (an OK status proves the answer came before the deadline; the elapsed
# time may pass it on a loaded machine, scheduling after the answer)
expect "answer just under the timeout: OK" ok 0 $HI slow-$((T - 300)).$D TXT
expect "TC=1 and no TCP answer: SERVFAIL" servfail 0 $HI tc-notcp.$D TXT
expect "TC=1 then TCP answer: OK" ok 0 $T tc-tcp.$D TXT
grep -q "^tcp tc-tcp.$D TXT" "$WORK/queries.log" &&
    ok "the truncated answer was retried over TCP" ||
    fail "no TCP retry seen for tc-tcp"
expect "huge TXT (8000 bytes via TCP)" ok 0 $T hugetxt.$D TXT
grep -q "^TXT len=8000 00x" <<<"$LAST" && ok "huge TXT complete, 8000 bytes" ||
    fail "huge TXT content: $(cut -c1-80 <<<"$LAST")"
expect "huge TXT, TCP only" ok 0 $T -T hugetxt.t2.$D TXT
expect "TC=1 and no TCP answer, TCP only: SERVFAIL" servfail 0 $HI -T \
    tc-notcp.t2.$D TXT
expect "empty label: local ERROR, nothing sent" error 0 100 bad..$D TXT
long=$(printf 'a%.0s' $(seq 60)).$(printf 'b%.0s' $(seq 60)).$(printf 'c%.0s' $(seq 60)).$(printf 'd%.0s' $(seq 60)).$D
expect "name over 253 bytes: local ERROR" error 0 100 "$long" TXT
expect "malformed reply: SERVFAIL" servfail 0 $HI malformed.$D TXT
expect "garbage reply: SERVFAIL" servfail 0 $HI garbage.$D TXT
expect "A record for a TXT question: NODATA" nodata 0 $T wrongtype.$D TXT
expect "TXT record for an A question: NODATA" nodata 0 $T wrongtype.$D A
expect "TXT record for an MX question: NODATA" nodata 0 $T wrongtype.$D MX

# per-message budget: 3 answers of 700 ms under a 1800 ms budget -> the
# third times out when the budget ends, not at its own query timeout
out=$(q -b 1800 slow-700.b1.$D TXT slow-700.b2.$D TXT slow-700.b3.$D TXT)
st=$(grep -E '^(ok|timeout|servfail|nodata|nxdomain|error) ' <<<"$out" | cut -d' ' -f1 | tr '\n' ' ')
if [ "$st" = "ok ok timeout " ]; then
	ok "budget: two answers then TIMEOUT ($st)"
else
	fail "budget: want 'ok ok timeout', got '$st'"
fi
third=$(ms_of "$(grep '^timeout ' <<<"$out" | head -1)")
if [ -n "$third" ] && [ "$third" -le 1000 ]; then	# own timeout: 1500
	ok "budget: the third lookup got only the rest of the budget (${third} ms)"
else
	fail "budget: the third lookup took ${third:-?} ms (budget rest ~400)"
fi

# a spent budget still gets answers that are in the cache (they cost no
# waiting): an answer with a TTL, then a timeout that spends the 1000 ms
# budget, then the same name again
out=$(q -c 64 -b 1000 ttl300.k1.$D TXT timeout.k2.$D TXT ttl300.k1.$D TXT)
st=$(grep -E '^(ok|timeout|servfail|nodata|nxdomain|error) ' <<<"$out" | cut -d' ' -f1 | tr '\n' ' ')
if [ "$st" = "ok timeout ok " ]; then
	ok "budget spent: a cached answer is still given ($st)"
else
	fail "budget spent: want 'ok timeout ok', got '$st'"
fi

# four unanswered queries under a 2500 ms budget: all TIMEOUT, 2.5 s in
# all, not 4 x 1.5 s.  The sum of the times hm-dnsq measured itself is
# checked; the process's wall clock (start-up under the sanitizers on a
# loaded machine is slow, and is not the resolver's) is only printed.
t0=$(now_ms)
out=$(q -b 2500 timeout.c1.$D TXT timeout.c2.$D TXT timeout.c3.$D TXT timeout.c4.$D TXT)
el=$(($(now_ms) - t0))
n=$(grep -c '^timeout ' <<<"$out")
sum=0
while read -r line; do
	sum=$((sum + $(ms_of "$line")))
done < <(grep '^timeout ' <<<"$out")
if [ "$n" = 4 ] && [ "$sum" -ge 2400 ] && [ "$sum" -le 2900 ]; then
	ok "budget: 4 timeouts in ${sum} ms (budget 2500, query timeout $T; process ${el} ms)"
else
	fail "budget: $n timeouts in ${sum} ms, process ${el} ms (want 4 in 2400..2900)"
fi

# the dispatcher fails (the result pipe of libunbound breaks for real:
# hm-dnsq's "!break"): the query in flight fails at once, the dispatcher
# restarts with a new context, lookups work again; twice, counted
: >"$WORK/why.log"
out=$(printf '%s\n' "ok.d1.$D TXT" '!break' "ok.d2.$D TXT" "ok.d3.$D TXT" \
    '!break' "ok.d4.$D TXT" "ok.d5.$D TXT" "ok.d6.$D TXT" | q -i |
    grep -E '^([a-z]+ rcode=|break )' | sed 's/ rcode=.*//' | tr '\n' ' ')
if [ "$out" = "ok break ok servfail ok break ok servfail ok ok " ]; then
	ok "dispatcher failure: the query in flight fails, then lookups work ($out)"
else
	fail "dispatcher failure: want 'ok break ok servfail ok break ok servfail ok ok', got '$out'"
fi
if grep -q 'dispatcher failed (ub_process: .*restart 1; 1 pending' "$WORK/why.log" &&
    grep -q 'dispatcher failed (ub_process: .*restart 2; 1 pending' "$WORK/why.log"; then
	ok "dispatcher restarts logged and counted"
else
	fail "dispatcher restarts not logged: $(cat "$WORK/why.log")"
fi

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed; why.log:"
	cat "$WORK/why.log"
	exit 1
fi
echo "all DNS fault checks passed"
exit 0
