#!/bin/bash
# tests/integration/t_mproto_bad.sh - malformed milter frames against the
# milter engines (tests/tools/milter-bad.py): a macro packet with an odd
# number of strings (libmilter's smfi_getsymval reads past its macro array
# then and hallmarkd crashes), a macro packet not NUL-terminated, frame
# lengths 0, 4 GB and over 64 KB for a small command, an unknown command,
# headers with an empty name or without NUL, MAIL and HELO without NUL, a
# body chunk out of order, data on commands that carry none.
#
# Checks with hallmark's own engine (this build): each bad connection is
# closed within 3 s, a log line names the client and what was wrong, and
# a normal message on another connection, sent after each, gets its
# verdict; hallmarkd still runs at the end.
# With HM_LIBMILTER_BUILD (a build directory configured --with-libmilter):
# the same frames, the odd macro packet last; hallmarkd must survive every
# other one (each still followed by a verdict for a normal message); what
# the odd macro packet does to it is reported (README: what the libmilter
# build cannot guard).
#
# Exit 0 pass, 1 fail, 77 skip.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"

need_hallmarkd
BAD=$top_srcdir/tests/tools/milter-bad.py
fails=0
HM_PID=

cleanup() { stop "$HM_PID"; }

# start BIN - hallmarkd BIN on a fresh port (SOCK), no DNS needed
start() {
	HALLMARKD=$1
	PORT=$(free_port)
	SOCK="inet:$PORT@127.0.0.1"
	hm_run <<EOC
socket = "$SOCK";
authserv_id = "mx.bad.test";
log = { syslog = false; level = "info"; };
dns = { forwarders = ["127.0.0.1@9"]; query_timeout_ms = 200; };
dmarc = { on_temperror = "accept"; };
EOC
}

# good - a normal message gets a verdict
good() {
	printf 'From: a@example.org\nSubject: after\n\nbody\n' |
	    /usr/bin/python3 "$MILTERC" "$SOCK" send - 2>&1 | head -1
}

work_dir mprotobad
start "$top_builddir/hallmarkd"
for c in $(/usr/bin/python3 "$BAD" list); do
	got=$(/usr/bin/python3 "$BAD" "$SOCK" "$c" 2>&1)
	check "own engine: $c: connection closed" [ "$got" = closed ]
	check "own engine: $c: the next message gets a verdict" \
	    text_match '^verdict=' "$(good)"
done
sleep 0.2
check "own engine: still running" kill -0 "$HM_PID"
n=$(grep -c 'milter protocol error from 127\.0\.0\.1:[0-9]*: ' "$WORK/hallmarkd.log")
check "own engine: a log line per bad frame (got $n)" [ "$n" -ge 13 ]
check "own engine: the odd macro packet is named" \
    grep -q "macro packet with an odd number of strings" "$WORK/hallmarkd.log"
check "own engine: the 64 KB limit is named" \
    grep -q "frame longer than 64 KB" "$WORK/hallmarkd.log"
stop "$HM_PID"
HM_PID=

if [ -n "${HM_LIBMILTER_BUILD:-}" ]; then
	start "$HM_LIBMILTER_BUILD/hallmarkd"
	for c in $(/usr/bin/python3 "$BAD" list | grep -v '^odd-macro$') \
	    odd-macro; do
		got=$(/usr/bin/python3 "$BAD" "$SOCK" "$c" 2>&1)
		if [ "$c" = odd-macro ]; then
			sleep 0.5
			if kill -0 "$HM_PID" 2>/dev/null; then
				echo "libmilter: odd-macro: $got; hallmarkd survived this time"
			else
				echo "libmilter: odd-macro: hallmarkd died (libmilter reads past its macro array; README)"
			fi
			continue
		fi
		echo "libmilter: $c: $got"
		check "libmilter: $c: the next message gets a verdict" \
		    text_match '^verdict=' "$(good)"
	done
fi
[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
exit 0
