#!/bin/bash
# tests/integration/t_spf.sh - SPF end to end: a real Postfix (smtpd_milters = hallmarkd) with
# hallmarkd's DNS served by a real NSD (tests/zones/spf.example.zone) and mail to smtp-sink.
#
# Checks, in the delivered message's Authentication-Results header: spf=pass, spf=fail (with the
# exp= explanation in the log), spf=softfail, spf=none, spf=temperror (the DNS server made to time
# out: a UDP proxy in front of NSD drops every query for names under timeout.spf.example), the
# null reverse-path judged on postmaster@HELO (smtp.helo=).  Then, after a SIGHUP reload with
# spf { on_fail = "reject"; }, a fail is refused with 550 5.7.23 and the explanation, while an
# SPF pass is still delivered.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init spf
rig_dns
ID=mx.test.example
Z=spf.example
M=$RIG_DIR/msg
mkdir -p "$M"

# ---- a DNS proxy that drops the queries for timeout.spf.example -------------------------------
/usr/bin/python3 -u - "$NSD_PORT" > "$RIG_DIR/proxy.port" 2> "$RIG_DIR/proxy.log" <<'EOF' &
import socket, sys, threading
up = ("127.0.0.1", int(sys.argv[1]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)

def qname(p):
    i, labels = 12, []
    while i < len(p) and p[i] != 0 and len(labels) < 128:
        labels.append(p[i + 1:i + 1 + p[i]].decode("ascii", "replace").lower())
        i += 1 + p[i]
    return labels

def relay(p, peer):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(3)
    try:
        u.sendto(p, up)
        s.sendto(u.recvfrom(65535)[0], peer)
    except OSError:
        pass
    finally:
        u.close()

while True:
    p, peer = s.recvfrom(65535)
    if "timeout" in qname(p):
        print("dropped", ".".join(qname(p)), file=sys.stderr, flush=True)
        continue
    threading.Thread(target=relay, args=(p, peer), daemon=True).start()
EOF
PROXY_PID=$!
rig_on_exit 'kill $PROXY_PID 2>/dev/null'
for _i in $(seq 50); do [ -s "$RIG_DIR/proxy.port" ] && break; sleep 0.1; done
PROXY_PORT=$(head -n 1 "$RIG_DIR/proxy.port")
[ -n "$PROXY_PORT" ] || fail "the DNS proxy did not start" "$RIG_DIR/proxy.log"

# hallmarkd asks the proxy (not NSD directly); a short query timeout keeps the test quick.
# DMARC is off: this test is about SPF (the From domains here have no DMARC zones; DMARC's use of
# the SPF result is the dmarc-* cases' business, tests/cases)
SPF_CONF="dns = { forwarders = [\"127.0.0.1@$PROXY_PORT\"]; query_timeout_ms = 1500; };
dmarc = { enable = false; };"
NSD_PORT= hm_start "$SPF_CONF"
pf_start

# msg ID - a small message with a unique id header
msg() {
	cat > "$M/$1" <<EOF
From: Alice <alice@example.org>
To: Bob <bob@example.net>
Subject: spf $1
Date: Mon, 23 Nov 2026 10:00:00 +0000
Message-ID: <$1@example.org>
X-Test-Id: $1

Hello.
EOF
	echo "$M/$1"
}

# spf_ar ID - the spf part of our A-R header in the delivered message with X-Test-Id ID
spf_ar() {
	delivered_by "X-Test-Id: $1" > "$M/$1.out"
	hdr_get Authentication-Results "$M/$1.out" | tr -s ' \t\r\n' ' ' |
	    grep -o 'spf=[a-z]*[^;]*' | head -n 1 | sed 's/ *$//'
}

# through ID ADDR HELO FROM RESULT PROP - send, wait, check "spf=RESULT (...) PROP"
N=0
through() {
	N=$(( N + 1 ))
	send_msg --addr "$2" --helo "$3" --from "$4" --data "$(msg "$1")"
	wait_delivered "$N"
	local ar
	ar=$(spf_ar "$1")
	assert_match "^spf=$5 \\(.*\\) $6\$" "$ar" "$1: spf=$5 $6" "$M/$1.out"
}

through t-pass 192.0.2.10 mail.$Z user@pass.$Z pass "smtp.mailfrom=user@pass.$Z"
through t-fail 203.0.113.5 mail.$Z user@fail.$Z fail "smtp.mailfrom=user@fail.$Z"
through t-softfail 203.0.113.5 mail.$Z user@softfail.$Z softfail "smtp.mailfrom=user@softfail.$Z"
# no SPF record for the MAIL FROM domain nor for the HELO name: the HELO result is shown
through t-none 203.0.113.5 none.$Z user@none.$Z none "smtp.helo=none.$Z"
# null reverse-path: postmaster@HELO decides
through t-null 192.0.2.10 mail.$Z '<>' pass "smtp.helo=mail.$Z"
# IPv6 client: not in pass.spf.example's ip4 list
through t-ipv6 2001:db8::25 mail.$Z user@pass.$Z fail "smtp.mailfrom=user@pass.$Z"
assert_file_match 'spf: mailfrom=user@fail.spf.example result=fail' "$HM_LOG" "fail logged"
# the DNS server times out for the SPF record: temperror (last: the forwarder is marked slow)
through t-temperror 192.0.2.10 mail.$Z user@x.timeout.$Z temperror \
    "smtp.mailfrom=user@x.timeout.$Z"
assert_file_match 'dropped x\.timeout\.spf\.example' "$RIG_DIR/proxy.log" "the proxy dropped the query"

# ---- a configured fail reject -----------------------------------------------------------------
LOGMARK=$(wc -l < "$HM_LOG")
NSD_PORT= hm_config "$SPF_CONF spf = { on_fail = \"reject\"; };" > "$HM_CONF"
kill -HUP "$HM_PID"
for _i in $(seq 100); do
	tail -n +"$(( LOGMARK + 1 ))" "$HM_LOG" | grep -q reload && break
	sleep 0.1
done
tail -n +"$(( LOGMARK + 1 ))" "$HM_LOG" | grep -q reload || fail "no reload after SIGHUP" "$HM_LOG"
# send_msg reads only "<~"/"<-"/"<*" reply lines; swaks marks an error reply to DATA "<**",
# so the reply is taken from the transcript here
send_msg --addr 203.0.113.5 --helo mail.$Z --from user@fail.$Z --data "$(msg t-reject)" \
    --expect 5 >/dev/null 2>&1 || true
reply=$(awk '/^ -> \.$/ {d=1; next} d && /^<[-~*]+ / {print; exit}' "$SEND_LOG" | sed 's/^<[-~*]* *//')
assert_match '^550 5\.7\.23 .*203\.0\.113\.5 is not a mail server of fail\.spf\.example' \
    "$reply" "fail rejected with 550 5.7.23 and the explanation" "$SEND_LOG"
through t-pass-after 192.0.2.10 mail.$Z user@pass.$Z pass "smtp.mailfrom=user@pass.$Z"
ok "SPF through Postfix: pass, fail, softfail, none, null sender, IPv6, temperror, reject"
