#!/bin/bash
# tests/integration/t_milter_stall.sh - a client stalled in the middle of
# a milter command must not stall the others (milter_timeout).
#
# libmilter serves sessions from a pool of worker threads; a worker that
# has started reading a command waits for the rest of it.  Two connections
# that stop in the middle of their first frame hold the workers, and a
# complete session opened after them waits until they time out: without
# smfi_settimeout that was libmilter's 7,210 s.  With milter_timeout = 3
# the complete session must get its verdict within 25 s, three times in a
# row (tests/tools/milterc.py stall).  A session idle between commands for
# longer than milter_timeout must still be served (the timeout bounds a
# command in progress, not the MTA's pauses between commands).
#
# Exit 0 pass, 1 fail, 77 skip (a tool missing and CI not "true").
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"

need_hallmarkd
fails=0
HM_PID=

# cleanup - stop what this test started (work_dir's EXIT trap calls it)
cleanup() { stop "$HM_PID"; }

work_dir milterstall
PORT=$(free_port)
SOCK="inet:$PORT@127.0.0.1"
hm_run <<EOC
socket = "$SOCK";
authserv_id = "mx.stall.test";
milter_timeout = 3;
log = { syslog = false; level = "info"; };
dns = { forwarders = ["127.0.0.1@9"]; query_timeout_ms = 200; };
dmarc = { on_temperror = "accept"; };
EOC

for run in 1 2 3; do
	out=$(/usr/bin/python3 "$MILTERC" "$SOCK" stall --stalled 2 --wait 25)
	v=$(echo "$out" | sed -n 's/^verdict=//p')
	ms=$(echo "$out" | sed -n 's/^ms=//p')
	if [ "$v" = accept ]; then
		ok "run $run: complete session behind 2 stalled ones: $v in $ms ms"
	else
		fail "run $run: complete session behind 2 stalled ones: $v after $ms ms"
	fi
done

# a pause between commands longer than milter_timeout is not a stall
v=$(/usr/bin/python3 - "$MILTERC" "$SOCK" <<'EOP'
import sys, time, importlib.util
spec = importlib.util.spec_from_file_location("milterc", sys.argv[1])
mc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mc)
m = mc.Milter(sys.argv[2], 30)
m.negotiate(), m.connect(), m.helo()
time.sleep(5)
print(mc.transaction(m, mc.SAMPLE_HEADERS, mc.SAMPLE_BODY))
m.quit(), m.close()
EOP
)
[ "$v" = accept ] && ok "5 s pause after HELO (milter_timeout 3 s): $v" ||
    fail "5 s pause after HELO (milter_timeout 3 s): $v"

kill -0 "$HM_PID" 2>/dev/null && ok "hallmarkd still running" ||
    fail "hallmarkd died"
grep -Eq "AddressSanitizer|runtime error" "$WORK/hallmarkd.log" &&
    fail "sanitizer report in the log: $(grep -Em3 'AddressSanitizer|runtime error' "$WORK/hallmarkd.log")"

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all milter stall checks passed"
exit 0
