#!/bin/bash
# tests/integration/t_vendors.sh - vendor entries that follow the vendor's DNS (dmarc.vendors
# spf = ...) through a real Postfix (smtpd_milters = hallmarkd) to smtp-sink, hallmarkd's DNS
# being tests/dns/faultdns, which logs every query. The institution is univ.test
# (_dmarc.ok.univ.test: p=reject); mail from ok.relay.test fails SPF ("v=spf1 -all"), so
# DMARC fails unless a vendor entry covers it. Entries, in order:
#   lms            spf = "_spf.spfpass.lms.test" ("v=spf1 +all", TTL 0), for the physics
#                  department only (recipient_domains)
#   slow-vendor    spf = "_spf.timeout.slow.test" (never answered)
#   cached-vendor  spf = "_spf.ttl300.cached.test" ("v=spf1 -all", TTL 300)
# The SMTP cases (the cases under tests/cases/dmarc-vendor-rule-* cover NSD-served records):
#   0. `hallmarkd -n` refuses an entry without networks, spf or dkim_domains, at its file:line.
#   1. a message for physics only: the lms record passes the client: accepted, the override
#      "by lms via spf:_spf.spfpass.lms.test" in A-R and the summary line; no other vendor
#      record is asked.
#   2. physics and chemistry recipients together: lms does not apply (one message, one
#      verdict); slow-vendor's record times out, cached-vendor's does not pass: 550 (DMARC
#      reject, no 451 temperror caused by the vendor lookup), the log says the lookup failed.
#   3. the same again: cached-vendor's record (TTL 300) comes from the cache, no query.
#   4. physics only again: lms's record (TTL 0) is asked again.
#   5. mail that passes DMARC (aligned SPF) asks no vendor record at all.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init vendors
command -v openssl >/dev/null 2>&1 || rig_skip "openssl not found"
K=$RIG_DIR/keys
M=$RIG_DIR/msg
mkdir -p "$K" "$M"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/ok.pem" 2>/dev/null

# ---- 0. hallmarkd -n -----------------------------------------------------------------------
printf 'dmarc = {\n  vendors = (\n    { name = "lms"; domains = ["univ.test"];\n' > "$RIG_DIR/bad.conf"
printf '      recipient_domains = ["physics.univ.test"]; }\n  );\n};\n' >> "$RIG_DIR/bad.conf"
if "$HALLMARKD" -n -c "$RIG_DIR/bad.conf" > "$RIG_DIR/bad.out" 2>&1; then
	fail "hallmarkd -n accepted a vendor without networks, spf or dkim_domains"
fi
assert_match "^$RIG_DIR/bad.conf:3: dmarc\.vendors\.\[0\]: vendor \"lms\": say which mail is the vendor's: networks, spf or dkim_domains" \
	"$(cat "$RIG_DIR/bad.out")" "hallmarkd -n: the entry without a rule, at its line"
printf 'dmarc = { vendors = ( { name = "lms"; spf = "_spf.lms.test"; domains = ["univ.test"]; } ); };\n' \
	> "$RIG_DIR/good.conf"
"$HALLMARKD" -n -c "$RIG_DIR/good.conf" > "$RIG_DIR/good.out" 2>&1 ||
	fail "hallmarkd -n refused an entry with spf and no networks" "$RIG_DIR/good.out"
ok "hallmarkd -n: networks optional with spf; an entry with no rule refused at file:line"

rig_faultdns "$K/ok.pem"
hm_start "$(cat <<CONF
dns = { forwarders = ["127.0.0.1@$FD_PORT"]; query_timeout_ms = 1000; };
dmarc = { vendors = (
  { name = "lms"; spf = "_spf.spfpass.lms.test"; domains = ["*.univ.test"];
    recipient_domains = ["physics.univ.test"]; },
  { name = "slow-vendor"; spf = "_spf.timeout.slow.test"; domains = ["*.univ.test"]; },
  { name = "cached-vendor"; spf = "_spf.ttl300.cached.test"; domains = ["*.univ.test"]; }
); };
CONF
)"
pf_start

# send ID FROM-ADDR MAILFROM TO [send_msg args] - message ID sent; accepted ones are awaited
# (M/ID.out); FD_NEW / HM_NEW: what faultdns was asked and hallmarkd logged meanwhile
send() {
	local id=$1 from=$2 mailfrom=$3 to=$4
	shift 4
	msg_make "$M/$id" "$id" "$from"
	logs_mark
	if [ "${1:-}" = --expect ]; then
		send_msg --addr 198.51.100.7 --helo out.relay.test --from "$mailfrom" --to "$to" \
			--data "$M/$id" "$@" || fail "$id: wanted a $2xx reply, got '$SEND_REPLY'"
		sleep 0.3
		FD_NEW=$(tail -n +"$((LOGS_FD_MARK + 1))" "$FD_LOG")
		HM_NEW=$(tail -n +"$((LOGS_HM_MARK + 1))" "$HM_LOG")
		return 0
	fi
	send_msg --addr 198.51.100.7 --helo out.relay.test --from "$mailfrom" --to "$to" \
		--data "$M/$id" || fail "$id: not accepted: '$SEND_REPLY'"
	delivered_new "$id"
}

# asked NAME / not_asked NAME - faultdns was (not) asked for NAME TXT meanwhile
asked() { assert_match " $1 TXT" "$FD_NEW" "$2: $1 asked"; }
not_asked() { assert_no_match " $1 TXT" "$FD_NEW" "$2: $1 not asked"; }

# ---- 1. the vendor's record passes the client -------------------------------------------------
send physics 'Courses <courses@ok.univ.test>' bounce@ok.relay.test student@physics.univ.test
AR=$(hdr_get Authentication-Results "$M/physics.out" | tr -s ' \t\r\n' ' ')
assert_match 'dmarc=fail \(p=reject dis=none override=local_policy by lms via spf:_spf\.spfpass\.lms\.test\) header\.from=ok\.univ\.test' \
	"$AR" "physics: the override names the vendor and its rule"
assert_match 'info: .* dmarc=fail \(p=reject dis=none override=local_policy by lms via spf:_spf\.spfpass\.lms\.test\).* action=accept' \
	"$HM_NEW" "physics: the summary line names the rule"
asked _spf.spfpass.lms.test physics
not_asked _spf.timeout.slow.test physics
not_asked _spf.ttl300.cached.test physics
ok "spf rule: the vendor's own SPF record passes its relay; the override says so"

# ---- 2. mixed recipients, a vendor record that times out --------------------------------------
send mixed 'Courses <courses@ok.univ.test>' bounce@ok.relay.test \
	student@physics.univ.test,prof@chemistry.univ.test --expect 5
assert_match '^550[ -]5\.7\.1 .*DMARC.*ok\.univ\.test' "$SEND_REPLY" "mixed: DMARC reject, not a 451"
not_asked _spf.spfpass.lms.test mixed
asked _spf.timeout.slow.test mixed
asked _spf.ttl300.cached.test mixed
assert_match 'warning: .*no vendor override, the vendor lookup failed: vendor slow-vendor: spf:_spf\.timeout\.slow\.test: temperror' \
	"$HM_NEW" "mixed: the failed vendor lookup is logged"
assert_match 'rcpts=2 .*dmarc=fail \(p=reject dis=reject\).* action=reject' "$HM_NEW" \
	"mixed: DMARC stays fail (no temperror)"
assert_no_match 'override=' "$HM_NEW" "mixed: no override"
ok "recipients of two departments: no override; a vendor record timing out: no override, no temperror"

# ---- 3. the cache: a record with a TTL of 300 s is not asked again ---------------------------
send mixed2 'Courses <courses@ok.univ.test>' bounce@ok.relay.test \
	student@physics.univ.test,prof@chemistry.univ.test --expect 5
not_asked _spf.ttl300.cached.test mixed2
assert_match '^550[ -]5\.7\.1 ' "$SEND_REPLY" "mixed2: rejected again"
ok "vendor records are cached through the DNS layer (TTL 300: no second query)"

# ---- 4. TTL 0: asked again ---------------------------------------------------------------------
send physics2 'Courses <courses@ok.univ.test>' bounce@ok.relay.test student@physics.univ.test
asked _spf.spfpass.lms.test physics2
assert_match 'by lms via spf:_spf\.spfpass\.lms\.test' "$HM_NEW" "physics2: the override again"
ok "a vendor record with TTL 0 is asked again (the TTL is respected)"

# ---- 5. passing mail costs no vendor lookup ----------------------------------------------------
send passing 'News <news@spfpass.univ.test>' bounce@spfpass.univ.test student@physics.univ.test
assert_match 'dmarc=pass' "$HM_NEW" "passing: DMARC passes (aligned SPF)"
not_asked _spf.spfpass.lms.test passing
not_asked _spf.timeout.slow.test passing
not_asked _spf.ttl300.cached.test passing
ok "mail passing DMARC asks no vendor record"
