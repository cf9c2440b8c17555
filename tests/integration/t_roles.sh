#!/bin/bash
# tests/integration/t_roles.sh - site roles (mode) and skip lists through a real Postfix
# (smtpd_milters = hallmarkd) to smtp-sink, hallmarkd's DNS being tests/dns/faultdns, which logs
# every query.
#
#   0. `hallmarkd -n` refuses a bad mode, a skip_networks prefix with host bits and a
#      skip_senders / skip_recipients entry that is no address pattern.
#   1. mode = "sign": an internal client's message is signed, gets no A-R and costs no DNS
#      query; a message from outside is not signed, gets no A-R, costs no DNS query and is
#      accepted with one log line saying mode=sign.
#   2. mode = "verify": an internal client's message matching the signing table is not signed;
#      a message from outside is still verified (A-R, lookups).
#   3. skip_networks, skip_senders, skip_recipients (all recipients matching): no A-R, no
#      DNS query, no signature (also for an internal client), one log line naming the list; a message with one recipient outside
#      skip_recipients, and one from outside every list, are still checked.
#   4. local submission (Postfix sendmail, non_smtpd_milters): Postfix gives the client as
#      localhost / 127.0.0.1, an internal network by default: signed, no A-R, no DNS query
#      (no SPF check against 127.0.0.1).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init roles
command -v openssl >/dev/null 2>&1 || rig_skip "openssl not found"

K=$RIG_DIR/keys
M=$RIG_DIR/msg
mkdir -p "$K" "$M"
chmod 700 "$K"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/ok.pem" 2>/dev/null
chmod 600 "$K/ok.pem"

# ---- 0. hallmarkd -n -----------------------------------------------------------------------
# refused SNIPPET WHAT - hallmarkd -n fails on SNIPPET, naming the option
refused() {
	printf '%s\n' "$1" > "$RIG_DIR/bad.conf"
	if "$HALLMARKD" -n -c "$RIG_DIR/bad.conf" > "$RIG_DIR/bad.out" 2>&1; then
		fail "hallmarkd -n accepted $1"
	fi
	assert_match "$2" "$(cat "$RIG_DIR/bad.out")" "hallmarkd -n refuses: $1"
}
refused 'mode = "relay";' 'mode'
refused 'skip_networks = ["10.0.0.1/8"];' 'skip_networks.*10\.0\.0\.0/8'
refused 'skip_senders = ["a@*.example"];' 'skip_senders.*address pattern'
refused 'skip_recipients = ["not a domain"];' 'skip_recipients.*address pattern'
printf 'mode = "sign";\nskip_networks = ["192.0.2.0/24"];\nskip_senders = ["a@example.org", "example.com", "*.example.net"];\nskip_recipients = ["x.example"];\n' \
	> "$RIG_DIR/good.conf"
"$HALLMARKD" -n -c "$RIG_DIR/good.conf" > "$RIG_DIR/good.out" 2>&1 ||
	fail "hallmarkd -n refused good skip lists" "$RIG_DIR/good.out"
ok "hallmarkd -n checks mode and the skip lists"

# faultdns: "ok.*" names answer TXT "v=spf1 -all", "_dmarc.ok.*" "v=DMARC1; p=reject" and
# "*._domainkey.*" the key record of K/ok.pem
rig_faultdns "$K/ok.pem"

# conf [EXTRA] - the configuration snippet: faultdns, signing for ok.example, DMARC recorded
# only (the zone's p=reject would refuse the checked messages)
conf() {
	cat <<CONF
dns = { forwarders = ["127.0.0.1@$FD_PORT"]; };
dmarc = { report_only = true; on_temperror = "accept"; };
dkim_sign = {
  keys = ( { name = "ok"; domain = "ok.example"; selector = "s1";
             key_file = "$K/ok.pem"; } );
  signing_table = ( { pattern = "ok.example"; keys = ["ok"]; } );
};
${1:-}
CONF
}
hm_start "$(conf 'mode = "sign";')"
pf_start

# mkmsg ID - a message file M/ID from alice@ok.example
mkmsg() { msg_make "$M/$1" "$1" 'Alice <alice@ok.example>'; }

# send ID [send_msg args] - make and send message ID, wait for it, delivered copy to M/ID.out;
# FD_NEW is what faultdns was asked meanwhile, HM_NEW what hallmarkd logged
send() {
	local id=$1
	shift
	mkmsg "$id"
	logs_mark
	send_msg --data "$M/$id" "$@"
	delivered_new "$id"
}

# unchecked ID LOGWORD - no A-R, no DNS, one info line with LOGWORD
unchecked() {
	assert_unchecked "$1"
	assert_eq 1 "$(printf '%s\n' "$HM_NEW" | grep -c -- "$2")" "$1: one log line with $2"
}

# skipped ID LIST - unchecked, unsigned, and that line (naming LIST) is all hallmarkd logged
skipped() {
	unchecked "$1" "skipped=$2"
	assert_hdr_count DKIM-Signature 0 "$M/$1.out"
	assert_eq 1 "$(printf '%s\n' "$HM_NEW" | grep -c .)" "$1: nothing else logged"
}

# checked ID - A-R and the SPF lookup made
checked() {
	assert_hdr_count Authentication-Results 1 "$M/$1.out"
	assert_match ' ok\.example TXT' "$FD_NEW" "$1: SPF query made"
}

# ---- 1. mode = "sign" -------------------------------------------------------------------------
send sign-internal --addr 127.0.0.9 --from bounce@ok.example
assert_hdr_count DKIM-Signature 1 "$M/sign-internal.out"
unchecked sign-internal 'mode=sign .*signed=ok\.example/s1'
send sign-inbound --addr 198.51.100.7 --from bounce@ok.example
assert_hdr_count DKIM-Signature 0 "$M/sign-inbound.out"
unchecked sign-inbound 'mode=sign .*action=accept'
ok "mode = sign: trusted mail signed, inbound mail untouched; no A-R, no DNS"

# ---- 2. mode = "verify" -----------------------------------------------------------------------
hm_reload "$(conf 'mode = "verify";')" || fail "reload (mode = verify)" "$HM_LOG"
send verify-internal --addr 127.0.0.9 --from bounce@ok.example
assert_hdr_count DKIM-Signature 0 "$M/verify-internal.out"
send verify-inbound --addr 198.51.100.7 --from bounce@ok.example
checked verify-inbound
ok "mode = verify: nothing signed, inbound mail verified"

# ---- 3. skip lists ----------------------------------------------------------------------------
hm_reload "$(conf 'skip_networks = ["198.51.100.64/26", "127.0.0.10"];
skip_senders = ["*.skip.example", "solo@ok.example"];
skip_recipients = ["quiet@example.net", "skip.example.net"];')" || fail "reload (skip lists)" "$HM_LOG"
send skip-net --addr 198.51.100.70 --from bounce@ok.example
skipped skip-net skip_networks
send skip-net-internal --addr 127.0.0.10 --from bounce@ok.example
skipped skip-net-internal skip_networks	# internal too, yet not signed: ignored entirely
send skip-sender --addr 198.51.100.7 --from bounce@b.skip.example
skipped skip-sender 'skip_senders "\*\.skip\.example"'
send skip-sender2 --addr 198.51.100.7 --from solo@ok.example
skipped skip-sender2 'skip_senders "solo@ok\.example"'
send skip-rcpt --addr 198.51.100.7 --from bounce@ok.example --to quiet@example.net,a@skip.example.net
skipped skip-rcpt skip_recipients
assert_match 'rcpts=2' "$HM_NEW" "skip-rcpt: both recipients seen"
send skip-rcpt-partial --addr 198.51.100.7 --from bounce@ok.example --to quiet@example.net,rcpt@example.net
checked skip-rcpt-partial
assert_no_match 'skipped=' "$HM_NEW" "one recipient outside skip_recipients: not skipped"
send not-skipped --addr 198.51.100.7 --from bounce@ok.example
checked not-skipped
ok "skip lists: matching mail untouched with one log line; the rest checked"

# ---- 4. local submission ----------------------------------------------------------------------
pf_postconf "non_smtpd_milters = inet:127.0.0.1:$HM_PORT"
mkmsg local
logs_mark
"$PF_SBIN/sendmail" -C "$PF_DIR/etc" -f bounce@ok.example rcpt@example.net < "$M/local" ||
	fail "sendmail (local submission) failed"
delivered_new local 60
assert_hdr_count DKIM-Signature 1 "$M/local.out"
assert_match 'client=127\.0\.0\.1' "$HM_NEW" "local submission: Postfix names 127.0.0.1"
unchecked local 'signed=ok\.example/s1'
ok "local submission: internal (127.0.0.1), signed, no A-R, no DNS"
