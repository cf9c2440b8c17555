#!/bin/bash
# tests/integration/t_daemon.sh - hallmarkd as a daemon: command line, configuration errors,
# socket in use, SIGHUP reload (good and broken file), clients that vanish mid-message, SIGTERM.
# Mail goes through a real Postfix (smtpd_milters = hallmarkd) to smtp-sink; see tests/lib/postfix.sh.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init daemon
[ -x "$HALLMARKD" ] || rig_skip "$HALLMARKD not built"
T=$RIG_DIR/t
mkdir -p "$T"

# ---- -V ------------------------------------------------------------------------------------------
version=$(sed -n 's/^AC_INIT(\[hallmark\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
rc=0; out=$("$HALLMARKD" -V 2>&1) || rc=$?
assert_eq 0 "$rc" "hallmarkd -V exits 0"
assert_match "hallmarkd.* $version\$" "$out" "hallmarkd -V prints version $version"

# ---- -n: good and bad files ----------------------------------------------------------------------
# check_conf NAME WANT_RC WANT_LINE TEXT: write TEXT to NAME.conf, run -n, check rc and file:LINE:
check_conf() {
	local f=$T/$1.conf rc=0 out
	printf '%s' "$4" > "$f"
	out=$("$HALLMARKD" -n -c "$f" 2>&1) || rc=$?
	if [ "$2" = 0 ]; then
		assert_eq 0 "$rc" "-n on $1 exits 0 ($out)"
		return 0
	fi
	[ "$rc" != 0 ] || fail "-n on $1: exit 0, wanted an error at line $3 (output: $out)" "$f"
	assert_match "^$f:$3: " "$out" "-n on $1: exits $rc, reports $1.conf:$3"
}
check_conf empty 0 - ''
check_conf good 0 - 'authserv_id = "mx.test.example";
log = { syslog = false; level = "debug"; };
dns = { forwarders = ["127.0.0.1@5353"]; query_timeout_ms = 2000; };
'
check_conf unknown 1 4 'authserv_id = "mx.test.example";
log = { syslog = false; };

no_such_option = 1;
'
check_conf unknown_in_group 1 3 'log = {
  syslog = false;
  colour = "red";
};
'
check_conf wrongtype 1 2 '# comment
authserv_id = 42;
'
check_conf wrongtype_in_group 1 3 'dns = {
  forwarders = [];
  query_timeout_ms = "soon";
};
'
check_conf syntax 1 3 'authserv_id = "mx.test.example";
log = { syslog = false; };
socket = ;
'
rc=0; out=$("$HALLMARKD" -n -c "$T/does-not-exist.conf" 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "-n on a missing file exits 0"
assert_match 'does-not-exist\.conf' "$out" "-n on a missing file names it (exit $rc)"

# ---- start it with Postfix in front ---------------------------------------------------------------
rig_dns
hm_start ''
pf_start
M=$RIG_DIR/msg
mkdir -p "$M"
# msg ID: write a small message with X-Test-Id ID to $M/ID
msg() { printf 'From: a@example.org\nTo: b@example.net\nSubject: %s\nX-Test-Id: %s\n\nbody %s\n' \
	"$1" "$1" "$1" > "$M/$1"; }
# through ID N AUTHSERV: send message ID, wait for N deliveries, check its A-R claims AUTHSERV
through() {
	msg "$1"
	send_msg --addr 203.0.113.9 --data "$M/$1"
	wait_delivered "$2"
	delivered_by "X-Test-Id: $1" > "$M/$1.out"
	assert_hdr_count Authentication-Results 1 "$M/$1.out"
	assert_match "^$3 *;" "$(hdr_get Authentication-Results "$M/$1.out")" "$1: A-R by $3"
}
through t-first 1 mx.test.example
[ -s "$RIG_DIR/hm/hallmarkd.pid" ] || fail "no pid file $RIG_DIR/hm/hallmarkd.pid"
assert_eq "$HM_PID" "$(tr -d ' \n' < "$RIG_DIR/hm/hallmarkd.pid")" "pid file holds the daemon's pid"

# ---- socket in use -------------------------------------------------------------------------------
sed "s|hallmarkd.pid|second.pid|" "$HM_CONF" > "$T/second.conf"
rc=0
timeout 20 "$HALLMARKD" -f -c "$T/second.conf" > "$T/second.log" 2>&1 || rc=$?
[ "$rc" != 124 ] || fail "a second daemon on a used socket did not exit in 20 s" "$T/second.log"
[ "$rc" != 0 ] || fail "a second daemon on a used socket exited 0" "$T/second.log"
assert_file_match "$HM_PORT" "$T/second.log" "socket in use: exit $rc, the error names the socket"
[ ! -e "$RIG_DIR/hm/second.pid" ] || fail "the failed daemon left its pid file"
kill -0 "$HM_PID" 2>/dev/null || fail "the first daemon died"
through t-after-inuse 2 mx.test.example

# ---- SIGHUP with a new valid configuration ---------------------------------------------------------
# wait_log ERE SECONDS: wait until hallmarkd's log has a new line matching ERE (after line $LOGMARK)
wait_log() {
	local n=$(( $2 * 10 ))
	while ! tail -n +"$(( LOGMARK + 1 ))" "$HM_LOG" | grep -Eq -- "$1"; do
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
		n=$(( n - 1 ))
	done
}
LOGMARK=$(wc -l < "$HM_LOG")
hm_config 'authserv_id = "mx2.test.example";' > "$HM_CONF"
kill -HUP "$HM_PID"
wait_log 'reloaded' 10 || fail "no 'reloaded' logged after SIGHUP" "$HM_LOG"
kill -0 "$HM_PID" 2>/dev/null || fail "hallmarkd died on SIGHUP" "$HM_LOG"
ok "SIGHUP: reload logged, daemon alive"
through t-reloaded 3 mx2.test.example

# ---- SIGHUP with a broken configuration --------------------------------------------------------------
LOGMARK=$(wc -l < "$HM_LOG")
{ hm_config 'authserv_id = "mx3.test.example";'; printf 'no_such_option = 1;\n'; } > "$HM_CONF"
badline=$(grep -n no_such_option "$HM_CONF" | cut -d: -f1)
kill -HUP "$HM_PID"
wait_log "$HM_CONF:$badline:" 10 || fail "SIGHUP on a broken file: no '$HM_CONF:$badline:' error logged" "$HM_LOG"
ok "SIGHUP on a broken file: the error is logged with its line"
sleep 0.5
kill -0 "$HM_PID" 2>/dev/null || fail "hallmarkd died on SIGHUP with a broken file" "$HM_LOG"
through t-broken-reload 4 mx2.test.example

# ---- clients that disconnect mid-message ---------------------------------------------------------------
# smtp_abort STAGE: a raw SMTP session through Postfix that hangs up during DATA, after STAGE
# (headers: part of the header block; body: headers and part of the body)
smtp_abort() {
	smtp_open 198.51.100.66 abort.example.org
	smtp_cmd 'MAIL FROM:<abort@example.org>' 250
	smtp_cmd 'RCPT TO:<rcpt@example.net>' 250
	smtp_cmd 'DATA' 354
	smtp_raw $'From: abort@example.org\r\nSubject: never ends\r\nX-Test-Id: t-abort\r\n'
	smtp_raw $'Authentication-Results: mx.test.example; spf=pass\r\n'
	if [ "$1" = body ]; then
		smtp_raw $'\r\nfirst line of the body\r\n'
		head -c 100000 /dev/zero | tr '\0' 'x' | fold -w 76 | sed 's/$/\r/' >&3
	fi
	sleep 0.5
	smtp_close
}
smtp_abort headers
smtp_abort body
sleep 1

# milter_abort: speak the milter protocol to hallmarkd directly and hang up at every stage
milter_abort() {
	/usr/bin/python3 - "$HM_PORT" <<'EOF'
import socket, struct, sys
port = int(sys.argv[1])
def pkt(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data
steps = [
    pkt(b"O", struct.pack(">III", 6, 0x1ff, 0)),
    pkt(b"C", b"client.example\0" + b"4" + struct.pack(">H", 4567) + b"192.0.2.99\0"),
    pkt(b"H", b"client.example\0"),
    pkt(b"M", b"<a@example.org>\0"),
    pkt(b"R", b"<b@example.net>\0"),
    pkt(b"L", b"From\0a@example.org\0"),
    pkt(b"L", b"Authentication-Results\0mx.test.example; spf=pass\0"),
    pkt(b"N"),
    pkt(b"B", b"half a body"),
]
for stop in range(len(steps) + 1):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    for p in steps[:stop]:
        s.sendall(p)
    if stop == len(steps):
        s.sendall(b"\x00\x00\x00\x05garbage-garbage")   # a packet cut short, then junk
    s.close()
# a length that promises far more than is sent
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(steps[0] + struct.pack(">I", 0x7ffffff0) + b"L")
s.close()
EOF
}
milter_abort
sleep 1
kill -0 "$HM_PID" 2>/dev/null || fail "hallmarkd died after clients vanished mid-message" "$HM_LOG"
ok "hallmarkd alive after SMTP and milter clients hung up mid-message"
if sink_files | xargs -r grep -l t-abort | grep -q .; then
	fail "a message whose client hung up mid-DATA was delivered"
fi
through t-after-abort 5 mx2.test.example

# ---- SIGTERM, with a message in flight: it is finished, then the daemon exits -----------------------
smtp_open 203.0.113.10 inflight.example.org
smtp_cmd 'MAIL FROM:<inflight@example.org>' 250
smtp_cmd 'RCPT TO:<rcpt@example.net>' 250
smtp_cmd 'DATA' 354
smtp_raw $'From: inflight@example.org\r\nSubject: in flight\r\nX-Test-Id: t-inflight\r\n\r\nfirst half\r\n'
sleep 0.5
pid=$HM_PID
start=$(date +%s%N)
kill -TERM "$pid"
sleep 0.5
smtp_raw $'second half\r\n'
smtp_cmd '.' 250 || fail "SIGTERM with a message in flight: end of DATA answered '$SMTP_REPLY'"
ok "SIGTERM with a message in flight: '$SMTP_REPLY'"
smtp_cmd 'QUIT' || true
smtp_close
n=150
while kill -0 "$pid" 2>/dev/null && ps -p "$pid" -o stat= | grep -qv Z; do
	[ "$n" -gt 0 ] || fail "hallmarkd still running 15 s after SIGTERM" "$HM_LOG"
	sleep 0.1
	n=$(( n - 1 ))
done
rc=0; wait "$pid" || rc=$?
HM_PID=""
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq 0 "$rc" "SIGTERM: exit status 0 (stopped in $ms ms)"
wait_delivered 6
delivered_by t-inflight > "$M/t-inflight.out"
assert_hdr_count Authentication-Results 1 "$M/t-inflight.out"
assert_file_match '^second half' "$M/t-inflight.out" "SIGTERM: the in-flight message was finished and delivered whole"
[ ! -e "$RIG_DIR/hm/hallmarkd.pid" ] || fail "SIGTERM: pid file left behind"
ok "SIGTERM: pid file removed"

# ---- milter gone: Postfix tempfails (milter_default_action = tempfail), nothing is lost ------------
msg t-no-milter
send_msg --addr 203.0.113.9 --data "$M/t-no-milter" --expect 4
ok "no milter: Postfix answered '$SEND_REPLY'"
sleep 1
assert_eq 6 "$(sent_count)" "nothing delivered without the milter"

if grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer' "$HM_LOG"; then
	fail "sanitizer report in the daemon's log" "$HM_LOG"
fi

rig_log "PASS"
