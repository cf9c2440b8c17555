#!/bin/bash
# tests/integration/t_gateway.sh - behind a gateway: a real Postfix (smtpd_milters = hallmarkd)
# whose client is a campus front end or a cloud filter.  Sections 1-3 simulate the gateway
# with XCLIENT ADDR (one Postfix): the message carries what a real gateway (Postfix + a milter)
# writes, its Authentication-Results header above its own Received header.  hallmarkd's DNS
# is tests/dns/faultdns: ok.example has SPF "-all" and DMARC p=reject, and the message is
# not signed, so hallmarkd's own results never align and DMARC rejects it unless the
# gateway's results count.
#
#   1. from a client in trusted_relays, an A-R of a trusted authserv-id saying
#      dkim=pass header.d=ok.example (resp. spf=pass smtp.mailfrom=...@ok.example) makes
#      dmarc=pass, the comment and the log line say "dkim (spf) from trusted authserv-id",
#      the gateway's A-R is kept.
#   2. each of these is rejected by DMARC (550): the same message from a client that is not a
#      trusted relay; an authserv-id that is not trusted; the trusted A-R below the gateway's
#      Received (an earlier hop wrote it, or the sender did); a malformed trusted A-R.
#   3. from a trusted relay, SPF checks the address the first untrusted hop's Received header
#      records (past further trusted relays), said in the comment and the log line; from
#      another client, the client.
#   4. a two-hop chain: a second Postfix with its own hallmarkd (authserv-id gw.univ.example)
#      is the gateway and relays to ours (client 127.0.0.1, made a trusted relay): SPF checks
#      the client the gateway recorded; with our SPF off, DMARC p=reject passes by the
#      gateway's real A-R ("spf from trusted authserv-id"); without trusted_relays the same
#      message is refused at our hop (the gateway logs the 550 5.7.1).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init gateway
M=$RIG_DIR/msg
FD_LOG=$RIG_DIR/faultdns.log
mkdir -p "$M"
: > "$FD_LOG"
faultdns_start "$RIG_DIR" --log "$FD_LOG" || fail "faultdns did not start"
rig_on_exit 'stop "$FD_PID"'
hm_start "dns = { forwarders = [\"127.0.0.1@$FD_PORT\"]; };
trusted_relays = [\"192.0.2.0/28\"];
trusted_authserv_ids = [\"gw.univ.example\"];"
pf_start

GW_RCVD='Received: from mail.sender.example (mail.sender.example [198.51.100.7])\r\n\tby gw.univ.example (Postfix) with ESMTPS id 4Gw1Xy; Wed, 2 Dec 2026 10:00:00 +0000\r\n'
OLD_RCVD='Received: from [10.1.2.3] (unknown [10.1.2.3])\r\n\tby mail.sender.example (Postfix) with ESMTPSA id 9Ab; Wed, 2 Dec 2026 09:59:58 +0000\r\n'

# mkmsg ID ABOVE BELOW - a message from alice@ok.example: ABOVE, the gateway's Received, BELOW
mkmsg() {
	{
		printf '%b' "$2"
		printf '%b' "$GW_RCVD"
		printf '%b' "$3"
		printf '%b' "$OLD_RCVD"
		printf 'X-Test-Id: %s\r\nFrom: Alice <alice@ok.example>\r\n' "$1"
		printf 'To: Someone <rcpt@example.net>\r\nSubject: test %s\r\n' "$1"
		printf 'Date: Wed, 2 Dec 2026 09:59:57 +0000\r\nMessage-ID: <%s@hallmark.test>\r\n' "$1"
		printf '\r\nHello from %s.\r\n' "$1"
	} > "$M/$1"
}

DKIM_AR='Authentication-Results: gw.univ.example;\r\n\tdkim=pass (2048-bit key) header.d=ok.example header.s=s1 header.b=AbCd1234;\r\n\tspf=fail smtp.mailfrom=alice@ok.example\r\n'
SPF_AR='Authentication-Results: GW.univ.example 1; spf=pass (sender IP is 198.51.100.7)\r\n\tsmtp.mailfrom=alice@ok.example; dkim=none\r\n'

# accepted ID ADDR WHAT - sent from ADDR, delivered, dmarc=pass by WHAT from the trusted id
accepted() {
	local want=$(( $(sent_count) + 1 ))
	send_msg --data "$M/$1" --addr "$2" --from alice@ok.example
	wait_delivered "$want" 30
	delivered_by "X-Test-Id: $1" > "$M/$1.out"
	ar=$(hdr_get Authentication-Results "$M/$1.out" | sed -n 1p)
	assert_match '^ *mx\.test\.example' "$ar" "$1: our A-R on top"
	assert_match "dmarc=pass \\(p=reject dis=pass $3 from trusted authserv-id gw\\.univ\\.example\\)" \
		"$ar" "$1: dmarc=pass by $3 from the gateway"
	assert_match 'spf=fail' "$ar" "$1: our own SPF result stays (the gateway's address fails)"
	assert_hdr_count Authentication-Results 2 "$M/$1.out"
	assert_match '^ *(gw\.univ\.example|GW\.univ\.example 1);' "$(hdr_get Authentication-Results "$M/$1.out" | sed -n 2p)" \
		"$1: the gateway's A-R is kept"
	assert_file_match "dmarc=pass \\(p=reject dis=pass $3 from trusted authserv-id gw\\.univ\\.example\\)" \
		"$HM_LOG" "$1: the log line says so"
}

# rejected ID ADDR WHY - sent from ADDR, refused by DMARC
rejected() {
	send_msg --data "$M/$1" --addr "$2" --from alice@ok.example --expect 5 ||
		fail "$1: not refused with 5xx ($3)" "$HM_LOG"
}

# ---- 1. trusted relay, trusted authserv-id, added by the hop before us ------------------------
mkmsg dkim "$DKIM_AR" ''
accepted dkim 192.0.2.1 dkim
mkmsg spf "$SPF_AR" ''
accepted spf 192.0.2.14 spf

# ---- 2. not used ----------------------------------------------------------------------------
rejected dkim 198.51.100.7 "client is not a trusted relay"
mkmsg untrusted "$(printf '%s' "$DKIM_AR" | sed 's/gw\.univ\.example/gw.other.example/')" ''
rejected untrusted 192.0.2.1 "authserv-id not trusted"
mkmsg below '' "$DKIM_AR"
rejected below 192.0.2.1 "trusted A-R below the gateway's Received"
mkmsg malformed 'Authentication-Results: gw.univ.example; dkim=pass (unterminated header.d=ok.example\r\n' ''
rejected malformed 192.0.2.1 "malformed A-R"

# ---- 3. SPF of the first untrusted hop (trusted_relays) ---------------------------------------
# faultdns's "bigspf" names: an SPF record allowing 198.51.0.0-198.51.1.89 and 192.0.2.10, "-all"
# mkspf ID RECEIVED... - a message from bob@bigspf.example under these Received headers
mkspf() {
	local id=$1
	shift
	{
		for r in "$@"; do printf '%b' "$r"; done
		printf 'X-Test-Id: %s\r\nFrom: Bob <bob@bigspf.example>\r\n' "$id"
		printf 'To: Someone <rcpt@example.net>\r\nSubject: test %s\r\n' "$id"
		printf 'Date: Wed, 2 Dec 2026 09:59:57 +0000\r\nMessage-ID: <%s@hallmark.test>\r\n' "$id"
		printf '\r\nHello from %s.\r\n' "$id"
	} > "$M/$id"
}
# spf_ar ID ADDR - sent from ADDR, delivered; print our A-R
# (run in $(...): the count of deliveries to wait for is taken from Postfix's log)
spf_ar() {
	local want=$(( $(sent_count) + 1 ))
	send_msg --data "$M/$1" --addr "$2" --from bob@bigspf.example
	wait_delivered "$want" 30
	delivered_by "X-Test-Id: $1" > "$M/$1.out"
	hdr_get Authentication-Results "$M/$1.out" | sed -n 1p
}
R_ORIGIN='Received: from mail.bigspf.example (mail.bigspf.example [198.51.0.7])\r\n\tby gw.univ.example (Postfix) with ESMTPS id 5Gw; Wed, 2 Dec 2026 10:00:00 +0000\r\n'
R_INNER='Received: from gw.univ.example (gw.univ.example [192.0.2.5])\r\n\tby gw2.univ.example (Postfix) with ESMTP id 6Gw; Wed, 2 Dec 2026 10:00:01 +0000\r\n'
R_OTHER='Received: from mail.other.example (mail.other.example [203.0.113.9])\r\n\tby gw.univ.example (Postfix) with ESMTPS id 7Gw; Wed, 2 Dec 2026 10:00:00 +0000\r\n'

mkspf spf1 "$R_ORIGIN"
ar=$(spf_ar spf1 192.0.2.1)
assert_match 'spf=pass \(via trusted relay 192\.0\.2\.1: client 198\.51\.0\.7, ' "$ar" \
	"spf1: SPF checks the address the gateway recorded"
assert_file_match 'spf=pass \(via trusted relay 192\.0\.2\.1: client 198\.51\.0\.7, ' "$HM_LOG" \
	"spf1: the log line says so"
mkspf spf2 "$R_INNER" "$R_ORIGIN"
ar=$(spf_ar spf2 192.0.2.1)
assert_match 'spf=pass \(via trusted relay 192\.0\.2\.1: client 198\.51\.0\.7, ' "$ar" \
	"spf2: past two trusted relays to the first untrusted hop"
mkspf spf3 "$R_OTHER"
ar=$(spf_ar spf3 192.0.2.1)
assert_match 'spf=fail \(via trusted relay 192\.0\.2\.1: client 203\.0\.113\.9, ' "$ar" \
	"spf3: an address the record does not allow fails"
mkspf spf4 "$R_ORIGIN"
ar=$(spf_ar spf4 198.51.100.7)
assert_match 'spf=fail \(bigspf' "$ar" "spf4: from a client that is not a relay, the client is checked"
assert_no_match 'via trusted' "$ar" "spf4: and no relay is named"

# ---- 4. a two-hop chain: a real gateway (a second Postfix with its own hallmarkd, authserv-id
# gw.univ.example, in RIG_DIR/gw) relays to our Postfix, whose client is then 127.0.0.1 ------
RIG_VARS="HM_PORT HM_PID HM_CONF HM_LOG PF_DIR PF_PORT PF_STARTED SINK_PID SINK_PORT SINK_DIR RIG_DIR PF_EXTRA"
# swap - exchange the rig's variables of the two instances (GW_* <-> the current ones)
swap() {
	local v t
	for v in $RIG_VARS; do
		eval "t=\${$v:-}; $v=\${GW_$v:-}; GW_$v=\$t"
	done
}
MX_PF_PORT=$PF_PORT
swap
RIG_DIR=$GW_RIG_DIR/gw
mkdir -p "$RIG_DIR"
chmod 755 "$RIG_DIR"
hm_start "dns = { forwarders = [\"127.0.0.1@$FD_PORT\"]; };
authserv_id = \"gw.univ.example\";" || fail "gateway hallmarkd did not start"
PF_EXTRA="myhostname = gw.univ.example
transport_maps = static:smtp:[127.0.0.1]:$MX_PF_PORT
"
pf_start || fail "gateway postfix did not start"
swap
rig_on_exit 'swap; pf_stop; hm_stop; swap'
hm_reload "dns = { forwarders = [\"127.0.0.1@$FD_PORT\"]; };
internal_networks = [\"::1\"];
trusted_relays = [\"192.0.2.0/28\", \"127.0.0.1\"];
trusted_authserv_ids = [\"gw.univ.example\"];" || fail "reload: the gateway is a trusted relay"

# chain ID ADDR FROM - send M/ID to the gateway from ADDR; delivered by ours; print our A-R
chain() {
	local want=$(( $(sent_count) + 1 ))
	swap
	send_msg --data "$M/$1" --addr "$2" --from "$3"
	swap
	wait_delivered "$want" 30
	delivered_by "X-Test-Id: $1" > "$M/$1.out"
	hdr_get Authentication-Results "$M/$1.out" | sed -n 1p
}
mkspf chain1
ar=$(chain chain1 198.51.0.7 bob@bigspf.example)
assert_match 'spf=pass \(via trusted relay 127\.0\.0\.1: client 198\.51\.0\.7, ' "$ar" \
	"chain1: SPF checks the client the gateway Postfix recorded"
assert_match '^ *gw\.univ\.example' "$(hdr_get Authentication-Results "$M/chain1.out" | sed -n 2p)" \
	"chain1: the gateway's A-R is kept"

# our SPF off: DMARC of spfpass.example (p=reject) passes only by the gateway's spf=pass
hm_reload "dns = { forwarders = [\"127.0.0.1@$FD_PORT\"]; };
internal_networks = [\"::1\"];
trusted_relays = [\"127.0.0.1\"];
trusted_authserv_ids = [\"gw.univ.example\"];
spf = { enable = false; };" || fail "reload: SPF off"
mkspf chain2
sed -i 's/bob@bigspf\.example/bob@spfpass.example/' "$M/chain2"
ar=$(chain chain2 198.51.100.7 bob@spfpass.example)
assert_match 'dmarc=pass \(p=reject dis=pass spf from trusted authserv-id gw\.univ\.example\)' "$ar" \
	"chain2: dmarc=pass by the gateway's own A-R"
hm_reload "dns = { forwarders = [\"127.0.0.1@$FD_PORT\"]; };
internal_networks = [\"::1\"];
spf = { enable = false; };" || fail "reload: no trusted relay"
mkspf chain3
sed -i 's/bob@bigspf\.example/bob@spfpass.example/' "$M/chain3"
swap
send_msg --data "$M/chain3" --addr 198.51.100.7 --from bob@spfpass.example
swap
for _ in $(seq 100); do
	grep -q 'status=bounced .*said: 550 5\.7\.1' "$GW_PF_DIR/maillog" && break
	sleep 0.1
done
assert_file_match 'status=bounced .*said: 550 5\.7\.1 .*DMARC' "$GW_PF_DIR/maillog" \
	"chain3: without trusted_relays the same message is rejected by DMARC at our hop"
ok "behind a gateway: a trusted relay's trusted A-R counts for DMARC, nothing else does; SPF checks the first untrusted hop"
