#!/bin/bash
# tests/integration/t_outbound.sh - outbound mail through a real Postfix (smtpd_milters =
# hallmarkd) to smtp-sink, hallmarkd's DNS being tests/dns/faultdns, which logs every query.
#
#   1. a message from an internal client (XCLIENT ADDR 127.0.0.9) and one from a client that
#      authenticated with SMTP AUTH (Cyrus SASL, sasldb) are signed (the From matches the
#      signing table), get no Authentication-Results header, and cost no DNS query at all: no
#      SPF TXT, no _dmarc, no _domainkey lookup reaches faultdns.  The zone would have made
#      them fail (SPF "-all", DMARC p=reject: the old "dmarc=fail (... by internal network)").
#      A forged A-R header claiming hallmarkd's authserv-id is still removed from it.
#   2. inbound mail still gets its A-R: the signed message sent again from outside
#      (198.51.100.7) is verified (dkim=pass, spf=fail, dmarc=pass) and the lookups show in
#      faultdns's log.
#   3. authres_outbound = true (after SIGHUP) brings the old behaviour back: an internal
#      client's message is verified again (an SPF query is made) and carries an A-R header
#      saying SPF is not enforced for the internal network.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init outbound
command -v openssl >/dev/null 2>&1 || rig_skip "openssl not found"
command -v saslpasswd2 >/dev/null 2>&1 || [ -x /usr/sbin/saslpasswd2 ] ||
	rig_skip "saslpasswd2 not found (apt-get install sasl2-bin)"

K=$RIG_DIR/keys
M=$RIG_DIR/msg
mkdir -p "$K" "$M"
chmod 700 "$K"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/ok.pem" 2>/dev/null
chmod 600 "$K/ok.pem"
# faultdns: "ok.*" names answer TXT "v=spf1 -all", "_dmarc.ok.*" "v=DMARC1; p=reject" and
# "*._domainkey.*" the key record of K/ok.pem
rig_faultdns "$K/ok.pem"

# conf [EXTRA] - the configuration snippet: faultdns, signing for ok.example
conf() {
	cat <<CONF
dns = { forwarders = ["127.0.0.1@$FD_PORT"]; };
dkim_sign = {
  keys = ( { name = "ok"; domain = "ok.example"; selector = "s1";
             key_file = "$K/ok.pem"; } );
  signing_table = ( { pattern = "ok.example"; keys = ["ok"]; } );
};
${1:-}
CONF
}
hm_start "$(conf)"
pf_sasl alice test.example secret-2026
pf_start

# mkmsg ID - a message file M/ID from alice@ok.example
mkmsg() { msg_make "$M/$1" "$1" 'Alice <alice@ok.example>'; }

# send ID FILE [send_msg args] - send FILE, wait for it, delivered copy to M/ID.out; FD_NEW is
# what faultdns was asked meanwhile
send() {
	local id=$1 file=$2
	shift 2
	logs_mark
	send_msg --data "$file" "$@"
	delivered_new "$id"
}

# outbound ID - signed, no A-R, no DNS
outbound() {
	assert_hdr_count DKIM-Signature 1 "$M/$1.out"
	assert_match 'd=ok\.example' "$(hdr_get DKIM-Signature "$M/$1.out")" "$1: signed with d=ok.example"
	assert_unchecked "$1"
}

# ---- 1. outbound: internal and authenticated --------------------------------------------------
mkmsg internal
send internal "$M/internal" --addr 127.0.0.9 --from bounce@ok.example
outbound internal

mkmsg auth
send auth "$M/auth" --addr 198.51.100.7 --from bounce@ok.example \
	--auth PLAIN --auth-user alice@test.example --auth-password secret-2026
grep -q 'sasl_username=alice@test.example' "$PF_DIR/maillog" ||
	fail "Postfix did not log the SASL login" "$PF_DIR/maillog"
outbound auth

# a forged A-R claiming our authserv-id is still removed from outbound mail
{ printf 'Authentication-Results: mx.test.example; dmarc=pass header.from=ok.example\r\n'
  cat "$M/internal"; } | sed 's/^X-Test-Id: internal/X-Test-Id: forged/' > "$M/forged"
send forged "$M/forged" --addr 127.0.0.9 --from bounce@ok.example
outbound forged

# ---- 2. inbound: the signed message again, from outside ---------------------------------------
{ printf 'X-Test-Id: inbound\r\n'; grep -v '^X-Test-Id:' "$M/internal.out"; } > "$M/inbound"
send inbound "$M/inbound" --addr 198.51.100.7 --from bounce@ok.example
ar=$(hdr_get Authentication-Results "$M/inbound.out")
assert_hdr_count Authentication-Results 1 "$M/inbound.out"
assert_match 'dkim=pass header\.d=ok\.example header\.s=s1' "$ar" "inbound: dkim=pass"
assert_match 'spf=fail' "$ar" "inbound: spf=fail (the zone's -all)"
assert_match 'dmarc=pass' "$ar" "inbound: dmarc=pass (aligned DKIM)"
assert_match 'TXT' "$(printf '%s\n' "$FD_NEW" | grep -F ' ok.example TXT')" "inbound: SPF TXT query made"
assert_match '_dmarc\.ok\.example TXT' "$FD_NEW" "inbound: DMARC query made"
assert_match 's1\._domainkey\.ok\.example TXT' "$FD_NEW" "inbound: DKIM key query made"
rig_log "inbound: $(printf '%s\n' "$FD_NEW" | grep -c .) DNS queries; each outbound message: 0"

# ---- 3. authres_outbound = true: the old behaviour ---------------------------------------------
hm_reload "$(conf 'authres_outbound = true;')" || fail "reload (authres_outbound = true)" "$HM_LOG"
mkmsg internal2
send internal2 "$M/internal2" --addr 127.0.0.9 --from bounce@ok.two.example
assert_hdr_count DKIM-Signature 1 "$M/internal2.out"
assert_hdr_count Authentication-Results 1 "$M/internal2.out"
assert_match 'spf=fail .*not enforced: internal network' "$(hdr_get Authentication-Results "$M/internal2.out")" \
	"authres_outbound = true: A-R on internal mail, SPF not enforced"
assert_match ' ok\.two\.example TXT' "$FD_NEW" "authres_outbound = true: the SPF query is made"
ok "outbound mail: signed, no A-R, no DNS; inbound verified; authres_outbound restores the A-R"
