#!/bin/bash
# tests/integration/t_mproto_diff.sh - differential test of the milter
# engines: milter sessions recorded from the real Postfix rig
# (tests/data/milter-sessions/*.txt, through tests/tools/milter-record.py
# between Postfix and hallmarkd) are replayed against hallmarkd built with
# hallmark's own engine (this build) and, when HM_LIBMILTER_BUILD names a
# build directory configured --with-libmilter, against that hallmarkd too.
#
# Checks: each replay gets a complete reply stream; the streams of the two
# engines are identical byte for byte; the reply commands (one letter per
# frame: O, c, m, i, y, q...) are those of the recording.  The sessions
# cover: a DMARC reject with its 550 text, a quarantine, a tempfail on a
# DNS failure, an accepted message whose forged Authentication-Results is
# removed, an aborted transaction (RSET) then two messages on one
# connection; and session-qnc.txt, not from Postfix (which never sends
# QUIT_NC): two SMTP sessions on one milter connection.
#
# HM_RECORD=1 records the sessions again through Postfix into
# tests/data/milter-sessions (DNS: tests/dns/faultdns, as for the replay;
# no message carries a DKIM signature, so the generated key does not
# matter).
#
# Exit 0 pass, 1 fail, 77 skip (Postfix or a tool missing, CI not "true").
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/postfix.sh"

REC=$top_srcdir/tests/tools/milter-record.py
SESS=$top_srcdir/tests/data/milter-sessions
rig_init mproto_diff
command -v openssl >/dev/null 2>&1 || rig_skip "openssl not found"
K=$RIG_DIR/keys
M=$RIG_DIR/msg
mkdir -p "$K" "$M"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$K/k.pem" 2>/dev/null
rig_faultdns "$K/k.pem"
CONF="dns = { forwarders = [\"127.0.0.1@$FD_PORT\"]; };"

# mkmsg FILE FROM [HEADER] - a small message
mkmsg() {
	{
		printf 'From: %s\r\nTo: r@example.net\r\nSubject: diff\r\n' "$2"
		printf 'Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n'
		printf 'Message-ID: <%s@hallmark.test>\r\n' "$(basename "$1")"
		[ -n "${3:-}" ] && printf '%s\r\n' "$3"
		printf '\r\nbody of %s\r\n' "$(basename "$1")"
	} > "$1"
}

# rec_start DIR - the recording proxy in front of HM_PORT into DIR (REC_PORT)
rec_start() {
	mkdir -p "$1"
	rm -f "$1.port"
	/usr/bin/python3 "$REC" record 0 "$HM_PORT" "$1" "$1.port" &
	REC_PID=$!
	for _ in $(seq 50); do [ -s "$1.port" ] && break; sleep 0.1; done
	REC_PORT=$(cat "$1.port")
}
rig_on_exit 'stop "${REC_PID:-}"'

# record - the sessions through Postfix, into SESS
record() {
	local real
	hm_start "$CONF" || fail "hallmarkd did not start"
	real=$HM_PORT
	rec_start "$RIG_DIR/rec"
	HM_PORT=$REC_PORT pf_start || fail "postfix did not start"
	HM_PORT=$real
	mkmsg "$M/reject" 'A <a@ok.diff.example>'
	send_msg --from b@ok.diff.example --data "$M/reject" --expect 5
	mkmsg "$M/quar" 'A <a@quar.diff.example>'
	send_msg --from b@quar.diff.example --data "$M/quar"
	mkmsg "$M/tempfail" 'A <a@servfail.diff.example>'
	send_msg --from b@servfail.diff.example --data "$M/tempfail" --expect 4
	mkmsg "$M/forged" 'A <a@spfpass.diff.example>' \
	    'Authentication-Results: mx.test.example; spf=pass smtp.mailfrom=x'
	send_msg --from b@spfpass.diff.example --data "$M/forged"
	smtp_open 192.0.2.20 two.diff.example || fail "smtp session"
	smtp_cmd 'MAIL FROM:<b@spfpass.diff.example>' 250 &&
	    smtp_cmd 'RCPT TO:<r@example.net>' 250 && smtp_cmd 'RSET' 250 ||
	    fail "smtp: rset"
	for i in 1 2; do
		smtp_cmd 'MAIL FROM:<b@spfpass.diff.example>' 250 &&
		    smtp_cmd 'RCPT TO:<r@example.net>' 250 &&
		    smtp_cmd 'DATA' 354 || fail "smtp: message $i"
		mkmsg "$M/two$i" 'A <a@spfpass.diff.example>'
		smtp_raw "$(cat "$M/two$i")"
		smtp_cmd $'\r\n.' 250 || fail "smtp: end of message $i"
	done
	smtp_cmd 'QUIT' 221
	smtp_close
	sleep 1
	pf_stop
	sleep 1
	stop "$REC_PID"
	REC_PID=
	mkdir -p "$SESS"
	rm -f "$SESS"/session-*.txt
	cp "$RIG_DIR"/rec/session-*.txt "$SESS"/
	/usr/bin/python3 "$REC" quitnc "$HM_PORT" "$SESS/session-qnc.txt" ||
		fail "the QUIT_NC session"
	hm_stop
	rig_log "recorded $(ls "$SESS" | wc -l) sessions into $SESS"
}

# rec_wait DIR - the proxy wrote the session of the connection that ended
rec_wait() {
	for _ in $(seq 50); do [ -s "$1/session-1.txt" ] && break; sleep 0.1; done
}

# miltergen_steps - the benchmark's client must send what Postfix sends:
# one message per connection as the recorded single message, two on one
# connection as the recorded connection with two (after its RSET)
miltergen_steps() {
	local mg=$top_builddir/tests/bench/miltergen want got
	[ -x "$mg" ] || { fail "$mg not built"; return; }
	HALLMARKD=$top_builddir/hallmarkd
	hm_start "$CONF" || { fail "hallmarkd did not start"; return; }
	printf 'From: a@spfpass.diff.example\r\nTo: r@example.net\r\nSubject: mg\r\n\r\nbody\r\n' \
	    > "$M/mg.eml"
	rec_start "$RIG_DIR/mg1"
	"$mg" --socket "inet:$REC_PORT@127.0.0.1" --messages 1 "$M/mg.eml" >/dev/null ||
		fail "miltergen: one message"
	rec_wait "$RIG_DIR/mg1"
	stop "$REC_PID"
	rec_start "$RIG_DIR/mg2"
	"$mg" --socket "inet:$REC_PORT@127.0.0.1" --messages 2 --reuse 2 "$M/mg.eml" >/dev/null ||
		fail "miltergen: two messages"
	rec_wait "$RIG_DIR/mg2"
	stop "$REC_PID"
	REC_PID=
	hm_stop
	want=$(/usr/bin/python3 "$REC" steps "$SESS/session-8.txt")
	got=$(/usr/bin/python3 "$REC" steps "$RIG_DIR"/mg1/session-1.txt)
	assert_eq "$want" "$got" "miltergen sends one message as Postfix does"
	want=$(/usr/bin/python3 "$REC" steps "$SESS/session-10.txt")
	want=${want#DM M DR R A }
	got=$(/usr/bin/python3 "$REC" steps "$RIG_DIR"/mg2/session-1.txt)
	assert_eq "$want" "$got" "miltergen sends two messages on a connection as Postfix does"
}

# replay_all BIN TAG - every session against hallmarkd BIN, streams to RIG_DIR/TAG/
replay_all() {
	local f out
	HALLMARKD=$1
	mkdir -p "$RIG_DIR/$2"
	hm_start "$CONF" || { fail "$2: hallmarkd did not start"; return; }
	for f in "$SESS"/session-*.txt; do
		out=$RIG_DIR/$2/$(basename "$f")
		/usr/bin/python3 "$REC" replay "$HM_PORT" "$f" > "$out" ||
			fail "$2: $(basename "$f"): the replay did not complete"
	done
	hm_stop
}

[ "${HM_RECORD:-0}" = 1 ] && record
ls "$SESS"/session-*.txt >/dev/null 2>&1 || fail "no recorded sessions in $SESS"

replay_all "$top_builddir/hallmarkd" own
if [ -n "${HM_LIBMILTER_BUILD:-}" ]; then
	[ -x "$HM_LIBMILTER_BUILD/hallmarkd" ] ||
		fail "HM_LIBMILTER_BUILD=$HM_LIBMILTER_BUILD: no hallmarkd"
	replay_all "$HM_LIBMILTER_BUILD/hallmarkd" libmilter
fi

miltergen_steps

for f in "$SESS"/session-*.txt; do
	b=$(basename "$f")
	recorded=$(sed -n 's/^< //p' "$f" | tr -d '\n')
	want=$(/usr/bin/python3 "$REC" commands "$recorded")
	got=$(/usr/bin/python3 "$REC" commands "$(cat "$RIG_DIR/own/$b")")
	assert_eq "$want" "$got" "$b: own engine replies as recorded ($want)"
	if [ -n "${HM_LIBMILTER_BUILD:-}" ]; then
		cmp -s "$RIG_DIR/own/$b" "$RIG_DIR/libmilter/$b" &&
			ok "$b: both engines reply byte for byte the same" ||
			fail "$b: the engines' replies differ: own $(cat "$RIG_DIR/own/$b") libmilter $(cat "$RIG_DIR/libmilter/$b")"
	fi
done
exit 0
