#!/bin/bash
# tests/integration/t_dns_isolation.sh - names whose DNS never answers must
# not make lookups of healthy names fail (hallmark's DNS layer on
# libunbound, through tests/tools/hm-dnsq --burst, forwarding to
# tests/dns/faultdns, which drops every query for "timeout.*" and answers
# "ok.*" at once).  Every name is unique, so nothing comes from a cache.
#
#   burst       60 lookups of dead names at once (more than libunbound's
#               16 outgoing ports), a healthy lookup every 100 ms for 8 s:
#               every healthy one answered
#   sustained   20 threads looking up one dead name after another for 6 s
#               (an attacker's concurrent connections), healthy lookups
#               every 100 ms for 8 s: every one answered
#   TCP only    20 lookups at once of names whose server keeps the TCP
#               connection but never answers (faultdns "silent"), healthy
#               lookups every 100 ms for 6 s: every one answered
#   in a row    4 dead lookups one after another (a message with a dead
#               HELO, MAIL FROM and DKIM domains), then healthy lookups:
#               answered (the forwarder is not marked down)
#
# The query timeout is hallmark's default, 5000 ms.  Takes some 50 s.
# Exit 0 pass, 1 fail, 77 skip (only when a tool is missing and CI is not
# "true").  Private temp dir and port; stops what it starts.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"

DNSQ=$top_builddir/tests/tools/hm-dnsq
fails=0
FD_PID=
RUN=$$

# cleanup - stop what this test started (work_dir's EXIT trap calls it)
cleanup() { stop "$FD_PID"; }

# dnsq ARGS... - hm-dnsq against faultdns, hallmark's default timeout
dnsq() { "$DNSQ" -s "127.0.0.1@$PORT" -t 5000 "$@"; }

# check_burst DESC OUTFILE [S] - every probe of a --burst run of S
# seconds (8) answered, and promptly: at least a quarter of the 10 a
# second a 100 ms pace allows (healthy lookups stuck behind dead ones take
# seconds each)
check_burst() {
	_sum=$(grep '^burst: ' "$2")
	_bad=$(grep '^probe ' "$2" | grep -vc ' ok ')
	_n=$(grep -c '^probe ' "$2")
	_s=${3:-8}
	if [ "$_n" -ge $((_s * 10 / 4)) ] && [ "$_bad" = 0 ]; then
		ok "$1: all $_n healthy lookups answered ($_sum)"
	elif [ "$_bad" = 0 ]; then
		bad "$1: only $_n healthy lookups in $_s s, slowest: $(grep '^probe ' "$2" | sort -t= -k2 -n | tail -1)"
	else
		bad "$1: $_bad of $_n healthy lookups failed ($_sum)"
		grep '^probe ' "$2" | grep -v ' ok ' | head -5
	fi
}

[ -x "$DNSQ" ] || missing "tests/tools/hm-dnsq (run make check)"
[ -x /usr/bin/python3 ] || missing /usr/bin/python3

work_dir dnsiso
faultdns_start "$WORK" || { echo "FAIL: faultdns did not start"; exit 1; }
PORT=$FD_PORT
D=$RUN.iso.test

dnsq --burst 60x8 "timeout.%u.b.$D" TXT "ok.%u.b.$D" TXT >"$WORK/burst" 2>&1
check_burst "burst of 60 dead lookups" "$WORK/burst"

dnsq --burst 20x8 --sustain 6000 "timeout.%u.s.$D" TXT "ok.%u.s.$D" TXT \
    >"$WORK/sustained" 2>&1
check_burst "20 threads of dead lookups for 6 s" "$WORK/sustained"

dnsq -T --burst 20x6 "silent.%u.t.$D" TXT "ok.%u.t.$D" TXT >"$WORK/tcp" 2>&1
check_burst "TCP only, 20 dead lookups at once" "$WORK/tcp" 6

out=$({ for i in 1 2 3 4; do echo "timeout.$i.r.$D TXT"; done
	for i in 1 2 3; do echo "ok.$i.r.$D TXT"; done; } |
    dnsq -i 2>/dev/null | grep -E '^[a-z]+ rcode=' | cut -d' ' -f1 | tr '\n' ' ')
if [ "$out" = "timeout timeout timeout timeout ok ok ok " ]; then
	ok "4 dead lookups in a row, then healthy ones answered ($out)"
else
	bad "4 dead lookups in a row, then: want 4 timeout and 3 ok, got '$out'"
fi

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all DNS isolation checks passed"
exit 0
