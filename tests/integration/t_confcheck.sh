#!/bin/bash
# tests/integration/t_confcheck.sh - hallmarkd -n catches what start-up would fail on (or run
# wrongly with), naming file:line, the setting's path and the value; start-up refuses the same
# files with the same message (one parser); and authserv_id: with a valid id a forged A-R
# claiming it is stripped (milterc.py speaks the milter protocol to a running hallmarkd), the
# invalid "mx univ;example" (whose forgery would survive) is refused.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init confcheck
[ -x "$HALLMARKD" ] || rig_skip "$HALLMARKD not built"
T=$RIG_DIR/t
mkdir -p "$T"
longpath=/tmp/$(printf 'a%.0s' $(seq 1 110))

# refuse NAME LINE ERE TEXT - TEXT as NAME.conf: -n exits non-zero with "NAME.conf:LINE: " + ERE
refuse() {
	local f=$T/$1.conf rc=0 out
	printf '%s' "$4" > "$f"
	out=$("$HALLMARKD" -n -c "$f" 2>&1) || rc=$?
	[ "$rc" != 0 ] || fail "-n accepted $1: $out" "$f"
	assert_match "^$f:$2: $3" "$out" "-n refuses $1 (rc $rc)"
	NOUT=$out
}
# socket, ports, unix paths
refuse socket_type 2 'socket: "tcp:8891@127.0.0.1": not a milter socket' '# comment
socket = "tcp:8891@127.0.0.1";
'
refuse socket_port 1 'socket: "inet:99999@127.0.0.1": the port is not a number from 1 to 65535' \
	'socket = "inet:99999@127.0.0.1";'
refuse socket_port0 1 'socket: "inet:0@127.0.0.1": the port' 'socket = "inet:0@127.0.0.1";'
refuse socket_family 1 'socket: "inet6:8891@127.0.0.1": an IPv4 address needs inet:' \
	'socket = "inet6:8891@127.0.0.1";'
refuse socket_empty 1 'socket: "unix:": empty unix socket path' 'socket = "unix:";'
refuse socket_long 1 'socket: "unix:/tmp/a+": unix socket path of 115 bytes; at most 107 fit' \
	"socket = \"unix:$longpath\";"
refuse socket_nodir 1 'socket: "unix:/nonexistent-hm/milter": directory /nonexistent-hm' \
	'socket = "unix:/nonexistent-hm/milter";'
: > "$T/plain-file"	# libmilter cannot bind over a file that is not a socket
refuse socket_notsock 1 "socket: \"unix:$T/plain-file\": exists and is not a socket" \
	"socket = \"unix:$T/plain-file\";"
refuse socket_mode 2 'socket_mode: "0999": not a mode' 'socket = "unix:/tmp/hm.sock";
socket_mode = "0999";
'
refuse socket_group 1 'socket_group: "hm-no-such-group-4711": no such group' \
	'socket_group = "hm-no-such-group-4711";'
mkdir -p "$T/piddir"
refuse pidfile_dir 1 "pidfile: \"$T/piddir\": exists and is not a regular file" "pidfile = \"$T/piddir\";"
# user, pid file, trust anchor, facility
refuse user 1 'user: "hm-no-such-user-4711": no such user' 'user = "hm-no-such-user-4711";'
refuse pidfile 1 'pidfile: "/nonexistent-hm/hallmarkd.pid": directory /nonexistent-hm' \
	'pidfile = "/nonexistent-hm/hallmarkd.pid";'
refuse trust_anchor 3 'dns.trust_anchor_file: "/nonexistent-hm/root.key": cannot read' 'dns = {
  resolv_conf = true;
  trust_anchor_file = "/nonexistent-hm/root.key";
};
'
printf 'garbage here\n' > "$T/bad-root.key"
refuse trust_anchor_bad 1 "dns.trust_anchor_file: \"$T/bad-root.key\": libunbound cannot load it" \
	"dns = { trust_anchor_file = \"$T/bad-root.key\"; };"
assert_match 'unbound: parse error in .*bad-root\.key:[0-9]' "$NOUT" "-n shows libunbound's parse error with its line"
refuse facility 1 'log.facility: "mial": unknown syslog facility' 'log = { facility = "mial"; };'
# forwarders
refuse fwd_port 2 'dns.forwarders.\[1\]: "127.0.0.1@99999": the port' 'dns = { forwarders = ["127.0.0.1@53",
  "127.0.0.1@99999"]; };
'
refuse fwd_name 1 'dns.forwarders.\[0\]: "dns.example.net": not an IP address' \
	'dns = { forwarders = ["dns.example.net"]; };'
# authserv_id, CIDR host bits, patterns
refuse authserv_id 1 'authserv_id: "mx univ;example": not an RFC 8601 authserv-id' \
	'authserv_id = "mx univ;example";'
refuse cidr 1 'internal_networks.\[0\]: "10.0.0.1/8": host bits set after /8: the network is 10\.0\.0\.0/8' \
	'internal_networks = ["10.0.0.1/8"];'
refuse trusted_ids 1 'trusted_authserv_ids.\[1\]: "gw;bad": not an RFC 8601 authserv-id' \
	'trusted_authserv_ids = ["gw.univ.example", "gw;bad"];'
refuse trusted_relays 1 'trusted_relays.\[0\]: "192.0.2.1/24": host bits set after /24' \
	'trusted_relays = ["192.0.2.1/24"];'
refuse monitor 1 'dmarc.monitor_domains.\[0\]: "\*univ.example": not a domain pattern' \
	'dmarc = { monitor_domains = ["*univ.example"]; };'
refuse vendor_dom 3 'dmarc.vendors.\[0\].domains.\[1\]: vendor "v": "bad domain": not a domain pattern' \
	'dmarc = { vendors = ( { name = "v";
  networks = ["192.0.2.0/24"];
  domains = ["ok.example", "bad domain"]; } ); };
'
refuse sign_pattern 2 'dkim_sign.signing_table.\[0\].pattern: "\*univ.example": can never match' \
	'dkim_sign = { signing_table = (
  { pattern = "*univ.example"; keys = ["k"]; } ); };
'
refuse selector 4 'dkim_sign.keys.\[1\].selector: "bad sel": not a selector' 'dkim_sign = { keys = (
  { name = "a"; domain = "example.org"; selector = "s1"; key_file = "/k"; },
  { name = "b"; domain = "example.org";
    selector = "bad sel"; key_file = "/k"; } ); };
'
refuse key_file 2 'dkim_sign.keys.\[0\]: key file /nonexistent-hm/k.pem: cannot open' 'dkim_sign = { keys = (
  { name = "k"; domain = "example.org"; selector = "s"; key_file = "/nonexistent-hm/k.pem"; } );
  signing_table = ( { pattern = "example.org"; keys = ["k"]; } ); };
'
refuse group_option 2 'dmarc.on_rejct: unknown option' 'dmarc = {
  on_rejct = "reject";
};
'
refuse group_enum 1 'dmarc.on_reject: "rejct": expected' 'dmarc = { on_reject = "rejct"; };'
refuse sign_headers 2 'dkim_sign.sign_headers: must contain "from"' 'dkim_sign = {
  sign_headers = ["subject", "date", "to"];
};
'

# ---- start-up refuses the same files, with the same message ---------------------------------------
for name in socket_type socket_port socket_notsock pidfile user facility authserv_id cidr; do
	rc=0
	"$HALLMARKD" -n -c "$T/$name.conf" > "$T/$name.n" 2>&1 || true
	timeout 20 "$HALLMARKD" -f -c "$T/$name.conf" > "$T/$name.start" 2>&1 || rc=$?
	[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "start-up with $name.conf: exit $rc" "$T/$name.start"
	grep -qF -- "$(cat "$T/$name.n")" "$T/$name.start" ||
		fail "start-up with $name.conf: not the message of -n ($(cat "$T/$name.n"))" "$T/$name.start"
	assert_no_match 'listening on' "$(cat "$T/$name.start")" "start-up refuses $name.conf as -n does (exit $rc)"
done

# ---- what is accepted: the sample file, and edge values ---------------------------------------------
d=$T/run
mkdir -p "$d"
TA=/usr/share/dns/root.key	# Debian dns-root-data; else none
[ -r "$TA" ] || TA=""
printf 'socket = "unix:%s/milter";\npidfile = "%s/hallmarkd.pid";\nuser = "root";
log = { facility = "local3"; };
authserv_id = "mx-1.univ.example";
internal_networks = ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"];
dns = { forwarders = ["127.0.0.1", "::1@5353"]; trust_anchor_file = "%s"; };
dmarc = { monitor_domains = ["univ.example", "*.univ.example"]; };
dkim_sign = { sign_headers = ["From", "subject"]; };\n' "$d" "$d" "$TA" > "$T/edge.conf"
out=$("$HALLMARKD" -n -c "$T/edge.conf" 2>&1) || fail "-n refused the edge values: $out" "$T/edge.conf"
ok "-n accepts valid edge values ($out)"
out=$("$HALLMARKD" -n -c "$top_srcdir/conf/hallmark.conf" 2>&1) ||
	fail "-n refused conf/hallmark.conf: $out"
ok "-n accepts conf/hallmark.conf"

# ---- authserv_id: a valid id's forgery is stripped --------------------------------------------------
ID=mx.univ.example
hm_start "authserv_id = \"$ID\";
dns = { forwarders = [\"127.0.0.1@9\"]; query_timeout_ms = 200; };
dmarc = { on_temperror = \"accept\"; };"
printf 'Authentication-Results: %s; dkim=pass header.d=bank.example\r\nAuthentication-Results: other.example; spf=pass\r\nFrom: a@bank.example\r\nTo: b@univ.example\r\nSubject: forged\r\n\r\nbody\r\n' \
	"$ID" > "$T/forged.eml"
out=$(/usr/bin/python3 "$top_srcdir/tests/tools/milterc.py" "inet:$HM_PORT@127.0.0.1" send \
	--ip 203.0.113.9 "$T/forged.eml") || fail "milterc: $out"
assert_match '^chgheader 1 Authentication-Results: *$' "$out" "valid authserv_id $ID: the forged A-R claiming it is removed"
assert_no_match 'chgheader 2 Authentication-Results' "$out" "the foreign A-R (other.example) is kept"
assert_match "insheader 0 Authentication-Results: $ID;" "$out" "our own A-R is added"

if grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer' "$HM_LOG" "$T"/*.start; then
	fail "sanitizer report" "$HM_LOG"
fi
rig_log "PASS"
