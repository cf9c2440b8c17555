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
#   in a row    4 dead lookups one after another (a message with a dead
#               HELO, MAIL FROM and DKIM domains), then healthy lookups:
#               answered (the forwarder is not marked down)
#   messages    through hallmarkd (tests/tools/milterc.py): 40 messages at
#               once whose HELO, MAIL FROM and From domains never answer,
#               while a healthy message goes every 300 ms: each healthy
#               one gets its verdict (DMARC p=reject), not a tempfail
#
# Not checked: with dns.tcp_only, a burst of queries the forwarder keeps
# unanswered on its TCP connections (faultdns "silent") can still make
# healthy lookups get SERVFAIL for a second or two (seen in some runs,
# not in others; README "DNS").
#
# The query timeout is hallmark's default, 5000 ms.  Takes some 65 s.
# Exit 0 pass, 1 fail, 77 skip (only when a tool is missing and CI is not
# "true").  Private temp dir and port; stops what it starts.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"

need_dnsq
need_hallmarkd
fails=0
FD_PID=
HM_PID=
RUN=$$

# cleanup - stop what this test started (work_dir's EXIT trap calls it)
cleanup() { stop "$HM_PID" "$FD_PID"; }

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
		fail "$1: only $_n healthy lookups in $_s s, slowest: $(grep '^probe ' "$2" | sort -t= -k2 -n | tail -1)"
	else
		fail "$1: $_bad of $_n healthy lookups failed ($_sum)"
		grep '^probe ' "$2" | grep -v ' ok ' | head -5
	fi
}

work_dir dnsiso
faultdns_start "$WORK" || { echo "FAIL: faultdns did not start"; exit 1; }
PORT=$FD_PORT
D=$RUN.iso.test

dnsq --burst 60x8 "timeout.%u.b.$D" TXT "ok.%u.b.$D" TXT >"$WORK/burst" 2>&1
check_burst "burst of 60 dead lookups" "$WORK/burst"

dnsq --burst 20x8 --sustain 6000 "timeout.%u.s.$D" TXT "ok.%u.s.$D" TXT \
    >"$WORK/sustained" 2>&1
check_burst "20 threads of dead lookups for 6 s" "$WORK/sustained"

out=$({ for i in 1 2 3 4; do echo "timeout.$i.r.$D TXT"; done
	for i in 1 2 3; do echo "ok.$i.r.$D TXT"; done; } |
    dnsq -i 2>/dev/null | grep -E '^[a-z]+ rcode=' | cut -d' ' -f1 | tr '\n' ' ')
if [ "$out" = "timeout timeout timeout timeout ok ok ok " ]; then
	ok "4 dead lookups in a row, then healthy ones answered ($out)"
else
	fail "4 dead lookups in a row, then: want 4 timeout and 3 ok, got '$out'"
fi

# ---- messages through hallmarkd ------------------------------------------
# 40 messages at once from dead domains (HELO, MAIL FROM and From never
# answer) while a message from a healthy domain goes every 300 ms: each
# healthy one gets its answers (SPF "v=spf1 -all" fails, DMARC p=reject:
# rejected), never a temporary failure
HM_PORT=$(free_port)
SOCK="inet:$HM_PORT@127.0.0.1"
hm_run <<EOC
socket = "$SOCK";
authserv_id = "mx.iso.test";
log = { syslog = false; level = "info"; };
dns = { forwarders = ["127.0.0.1@$PORT"]; };
EOC

# send NAME KIND - one message whose HELO, MAIL FROM and From domains are
# of faultdns KIND (ok: SPF "v=spf1 -all", DMARC p=reject)
send() {
	printf 'From: a@%s.f%s.%s\r\nTo: r@example.net\r\nSubject: x\r\n\r\nHello.\r\n' \
	    "$2" "$1" "$D" >"$WORK/msg.$1"
	/usr/bin/python3 "$MILTERC" "$SOCK" send --helo "$2.h$1.$D" \
	    --from "s@$2.s$1.$D" "$WORK/msg.$1" >"$WORK/out.$1" 2>&1
}

DEAD=
for i in $(seq 40); do
	send "d$i" timeout &
	DEAD="$DEAD $!"
done
n=0
while [ $n -lt 30 ]; do
	n=$((n + 1))
	send "g$n" ok
	sleep 0.3
done
# shellcheck disable=SC2086
wait $DEAD
good=0
for i in $(seq $n); do
	if grep -q 'verdict=reject' "$WORK/out.g$i"; then
		good=$((good + 1))
	else
		fail "healthy message $i during the dead ones: $(cat "$WORK/out.g$i")"
	fi
done
[ "$good" = "$n" ] &&
    ok "all $n healthy messages got their DMARC reject while 40 messages from dead domains ran"
dead=$(cat "$WORK"/out.d* | grep -c 'verdict=')
[ "$dead" = 40 ] && ok "the 40 messages from dead domains got a verdict too" ||
    fail "only $dead of the 40 messages from dead domains got a verdict"

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all DNS isolation checks passed"
exit 0
