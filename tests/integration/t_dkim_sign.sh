#!/bin/bash
# tests/integration/t_dkim_sign.sh - DKIM signing end to end: messages go through a real Postfix
# (smtpd_milters = hallmarkd) to smtp-sink; the public keys are served by a real NSD.
#
#   1. which mail is signed: an internal client (XCLIENT ADDR in 127.0.0.0/8 or ::1) and a client that
#      authenticated with SMTP AUTH (Postfix + Cyrus SASL, sasldb: hallmarkd sees {auth_authen})
#      get signatures when the From address is in the signing table; an external unauthenticated
#      client, a From that matches no entry, two From fields and no From field do not.  Each
#      decision, and each key used, is in hallmarkd's log under the message's queue id; no key
#      material is.
#   2. several signatures per message: rsa-sha256 + ed25519-sha256 for the customer's domain and
#      the vendor's own rsa-sha256, from the native table; rsa + ed25519 for another domain from
#      OpenDKIM KeyTable / refile: SigningTable files in the same configuration, and a KeyTable
#      key whose domain is "%" (d= is the From domain).
#   3. defaults: c=relaxed/relaxed, From oversigned, no l=, no x=; List-Unsubscribe and
#      List-Unsubscribe-Post both in h= (RFC 8058 section 4: one-click unsubscribe needs both
#      signed; the message is among those the other verifiers check in 6b).
#   4. keys are read at start and on SIGHUP only: a key file replaced on disk changes nothing
#      until SIGHUP; after SIGHUP (new selector, x= and an oversign list) the new key signs; a key
#      file broken (unparsable, or group-readable) before a SIGHUP fails the reload and the
#      previous keys go on signing; with on_bad_key = "skip" the same reload succeeds (hallmarkd
#      -n warns and exits 0) and the other keys sign.
#      trust_signing_table = true signs an external client's matching mail.
#   5. hallmarkd -n and start-up refuse a group-readable and an unparsable key, naming the file.
#   6. every signature on every delivered message is verified alone (the others removed) by
#      python3-dkim's dkimverify, Mail::DKIM and opendkim-testmsg (in a private network
#      namespace whose resolver is a second NSD with the same zones: tests/dkim/verify-interop.sh
#      --inner; a tampered copy must fail in each), and each signed message, sent again from
#      outside, by hallmarkd's own verifier.
#      Debian 12's Mail::DKIM has no ed25519-sha256: those are counted as n/a for it.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init dkim_sign
for t in openssl /usr/bin/dkimverify opendkim-testmsg perl unshare; do
	command -v "$t" >/dev/null 2>&1 || rig_skip "$t not found"
done
perl -MMail::DKIM::Verifier -e 1 2>/dev/null || rig_skip "Mail::DKIM not found (libmail-dkim-perl)"
unshare -rmn true 2>/dev/null || rig_skip "no user/network namespaces (unshare -rmn)"
command -v saslpasswd2 >/dev/null 2>&1 || [ -x /usr/sbin/saslpasswd2 ] ||
	rig_skip "saslpasswd2 not found (apt-get install sasl2-bin)"

K=$RIG_DIR/keys
Z=$RIG_DIR/zones
M=$RIG_DIR/msg
V=$RIG_DIR/interop	# verify-interop.sh --inner: zones/, signed/, fails
mkdir -p "$K" "$Z" "$M" "$V/signed"
chmod 700 "$K"

# ---- keys and zones --------------------------------------------------------------------------
# zone_add DOMAIN SELECTOR KEYFILE - publish the key's TXT record in DOMAIN's zone
zone_add() {
	local zf=$Z/$1.zone rec
	[ -f "$zf" ] || zone_head > "$zf"
	rec=$(dkim_txt "$3")
	zone_txt "$2._domainkey" "$rec" >> "$zf"
}

# mkkey NAME rsa|ed25519 DOMAIN SELECTOR - K/NAME.pem (mode 0600), published in DNS
mkkey() {
	if [ "$2" = rsa ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/$1.pem" 2>/dev/null
	else
		openssl genpkey -algorithm ED25519 -out "$K/$1.pem" 2>/dev/null
	fi
	chmod 600 "$K/$1.pem"
	zone_add "$3" "$4" "$K/$1.pem"
}
# a root zone: names no other zone serves (the DMARC tree walk's _dmarc.example) get an
# authoritative NXDOMAIN, as on the internet, not a refusal (a DNS failure: DMARC temperror)
zone_head > "$Z/root.zone"
mkkey cust-rsa rsa customer.example r2026
mkkey cust-ed ed25519 customer.example e2026
mkkey vendor rsa vendor.example v1
mkkey lib-rsa rsa library.example l2026
mkkey lib-ed ed25519 library.example le2026
mkkey cust-ed-2027 ed25519 customer.example e2027	# the rotated key of step 4
mkkey any-rsa rsa shop.example p2026		# KeyTable domain "%": d= = From domain
cp -r "$Z" "$V/zones"

# OpenDKIM tables, as an OpenDKIM installation has them
printf '# KeyTable\nlib-rsa   library.example:l2026:%s\nlib-ed    library.example:le2026:%s\nany %%:p2026:%s\n' \
	"$K/lib-rsa.pem" "$K/lib-ed.pem" "$K/any-rsa.pem" > "$K/KeyTable"
printf '# SigningTable (refile)\n*@library.example lib-rsa\n*@library.example lib-ed\n*@shop.example any\n' \
	> "$K/SigningTable"

# sign_conf [ED_SELECTOR] [EXTRA] - the dkim_sign section (cust-ed uses K/cust-ed.pem)
sign_conf() {
	cat <<EOF
dkim_sign = {
  keys = (
    { name = "cust-rsa"; domain = "customer.example"; selector = "r2026";
      algorithm = "rsa-sha256"; key_file = "$K/cust-rsa.pem"; },
    { name = "cust-ed"; domain = "customer.example"; selector = "${1:-e2026}";
      algorithm = "ed25519-sha256"; key_file = "$K/cust-ed.pem"; },
    { name = "vendor"; domain = "vendor.example"; selector = "v1";
      key_file = "$K/vendor.pem"; }
  );
  signing_table = (
    { pattern = "customer.example"; keys = ["cust-rsa", "cust-ed", "vendor"]; },
    { pattern = "*.vendor.example"; keys = ["vendor"]; }
  );
  opendkim_keytable = "$K/KeyTable";
  opendkim_signingtable = "refile:$K/SigningTable";
  opendkim_multiple_signatures = true;
  ${2:-}
};
EOF
}

# ---- 5. key files that are refused ----------------------------------------------------------
HM_PORT=1	# hm_config needs one; -n opens no socket
mkdir -p "$RIG_DIR/hm"
ncheck() {	# ncheck WHAT KEYFILE ERE - hallmarkd -n on a config whose cust-rsa key is KEYFILE
	local conf=$RIG_DIR/hm/n.conf out rc=0
	hm_config "$(sign_conf | sed "s|$K/cust-rsa.pem|$2|")" > "$conf"
	out=$("$HALLMARKD" -n -c "$conf" 2>&1) || rc=$?
	[ "$rc" != 0 ] || fail "$1: hallmarkd -n accepted it: $out"
	text_match "$3" "$out" || fail "$1: hallmarkd -n said '$out', wanted /$3/"
	ok "$1: hallmarkd -n refuses it (rc $rc): $out"
}
cp "$K/cust-rsa.pem" "$K/open.pem"
chmod 640 "$K/open.pem"
ncheck "group-readable key" "$K/open.pem" "open\.pem.*(group or others)"
chmod 604 "$K/open.pem"
ncheck "other-readable key" "$K/open.pem" "open\.pem.*(group or others)"
printf -- '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n' > "$K/bad.pem"
chmod 600 "$K/bad.pem"
ncheck "unparsable key" "$K/bad.pem" "bad\.pem.*not a PEM private key"
ncheck "missing key" "$K/none.pem" "none\.pem"
hm_config "$(sign_conf)" > "$RIG_DIR/hm/n.conf"
out=$("$HALLMARKD" -n -c "$RIG_DIR/hm/n.conf" 2>&1) || fail "hallmarkd -n on the good config: $out"
ok "hallmarkd -n accepts the good configuration"
# start-up itself refuses the group-readable key: exit != 0, the reason on stderr
hm_config "$(sign_conf | sed "s|$K/cust-rsa.pem|$K/open.pem|")" > "$RIG_DIR/hm/bad.conf"
chmod 640 "$K/open.pem"
rc=0
out=$(timeout 20 "$HALLMARKD" -f -c "$RIG_DIR/hm/bad.conf" 2>&1) || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "hallmarkd started with a group-readable key (rc $rc)"
assert_match "open\.pem.*group or others" "$out" "hallmarkd refuses to start with a group-readable key"
NCHECK_OUT=$out
unset HM_PORT

# ---- start: NSD, hallmarkd, Postfix with SMTP AUTH --------------------------------------------
rig_dns "$Z"
hm_start "$(sign_conf)"
pf_sasl alice test.example secret-2026
pf_start

# mkmsg ID FROM [HEADER...] - a message file M/ID; FROM "" for none; HEADERs before the body
mkmsg() {
	local id=$1 from=$2 h
	shift 2
	{
		printf 'X-Test-Id: %s\r\n' "$id"
		[ -z "$from" ] || printf 'From: %s\r\n' "$from"
		for h in "$@"; do printf '%s\r\n' "$h"; done
		printf 'To: Someone <rcpt@example.net>\r\nSubject: test %s\r\n' "$id"
		printf 'Date: Mon, 23 Nov 2026 12:00:00 +0000\r\nMessage-ID: <%s@hallmark.test>\r\n' "$id"
		printf 'MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n'
		printf 'Hello,\r\n\r\nthis is message %s.  Trailing space here:  \r\n\r\n\r\n' "$id"
	} > "$M/$id"
}

SENT=0
# send ID [send_msg args] - send M/ID, wait for it, write the delivered copy to M/ID.out
send() {
	local id=$1
	shift
	send_msg --data "$M/$id" "$@"
	SENT=$(( SENT + 1 ))
	wait_delivered "$SENT" 30
	delivered_by "X-Test-Id: $id" > "$M/$id.out"
}

# sigs FILE - one line per DKIM-Signature: "d s a" (tags of the unfolded value)
sigs() {
	hdr_get DKIM-Signature "$1" | awk '{
		v = $0; gsub(/[ \t]/, "", v); n = split(v, t, ";"); d = s = a = ""
		for (i = 1; i <= n; i++) {
			if (t[i] ~ /^d=/) d = substr(t[i], 3)
			if (t[i] ~ /^s=/) s = substr(t[i], 3)
			if (t[i] ~ /^a=/) a = substr(t[i], 3)
		}
		print d " " s " " a }'
}

# qid ID - Postfix's queue id of message ID (its cleanup logs the Message-ID)
qid() {
	awk -v m="message-id=<$1@hallmark.test>" 'index($0, m) { sub(/:$/, "", $6); print $6; exit }' \
		"$PF_DIR/maillog"
}

# hmlog ID - hallmarkd's log lines about message ID
hmlog() {
	local q
	q=$(qid "$1")
	[ -n "$q" ] || fail "no queue id for $1 in the Postfix log" "$PF_DIR/maillog"
	grep -F "$q: " "$HM_LOG" || true
}

# expect_sigs ID "d s a"... - message ID carries exactly these signatures, in this order, and
# hallmarkd logged one "signed with key" line for each
expect_sigs() {
	local id=$1 want got
	shift
	want=$(printf '%s\n' "$@")
	got=$(sigs "$M/$id.out")
	assert_eq "$want" "$got" "$id: signatures" "$M/$id.out"
	local l
	l=$(hmlog "$id" | grep -c 'dkim-sign: signed with key') || true
	assert_eq "$#" "$l" "$id: one log line per signature"
	KEEP_FOR_VERIFY="$KEEP_FOR_VERIFY $id"
}

# expect_unsigned ID ERE - no signature; hallmarkd logged "not signed: <ERE>"
expect_unsigned() {
	assert_hdr_count DKIM-Signature 0 "$M/$1.out"
	assert_match "dkim-sign: not signed: $2" "$(hmlog "$1")" "$1: not signed, reason logged"
}
KEEP_FOR_VERIFY=""

# ---- 1 + 2. which mail is signed, with which keys ---------------------------------------------
mkmsg internal '"Alice Customer" <alice@customer.example>'
send internal --addr 127.0.0.9
expect_sigs internal "customer.example r2026 rsa-sha256" "customer.example e2026 ed25519-sha256" \
	"vendor.example v1 rsa-sha256"
l=$(hmlog internal)
assert_match 'signed with key cust-rsa \(d=customer\.example s=r2026 a=rsa-sha256\) for From alice@customer\.example, signing table entry "customer\.example"' \
	"$l" "internal: key, d=, s=, a=, From and table entry logged"
assert_match 'key vendor: d=vendor\.example does not align with the From domain' "$l" \
	"internal: the vendor's non-aligned key is logged"

mkmsg auth 'bob@news.vendor.example'
send auth --addr 198.51.100.7 --auth PLAIN --auth-user alice@test.example --auth-password secret-2026
grep -q 'sasl_username=alice@test.example' "$PF_DIR/maillog" ||
	fail "Postfix did not log the SASL login" "$PF_DIR/maillog"
ok "auth: Postfix authenticated alice@test.example (SASL PLAIN)"
expect_sigs auth "vendor.example v1 rsa-sha256"

mkmsg opendkim 'Library <noreply@library.example>'
send opendkim --addr 127.0.0.9
expect_sigs opendkim "library.example l2026 rsa-sha256" "library.example le2026 ed25519-sha256"
assert_match 'signed with key lib-ed \(d=library\.example s=le2026 a=ed25519-sha256\)' \
	"$(hmlog opendkim)" "opendkim: OpenDKIM-table key logged"

mkmsg percent 'Shop <orders@shop.example>'
send percent --addr 127.0.0.9
expect_sigs percent "shop.example p2026 rsa-sha256"
assert_match 'signed with key any \(d=shop\.example s=p2026 a=rsa-sha256\)' "$(hmlog percent)" \
	"percent: KeyTable domain % signs as the From domain"

mkmsg external 'alice@customer.example'
send external --addr 198.51.100.7
expect_unsigned external 'client neither internal nor authenticated'

mkmsg nomatch 'carol@unlisted.example'
send nomatch --addr 127.0.0.9
expect_unsigned nomatch 'no signing table entry matches From carol@unlisted\.example'

mkmsg twofrom 'alice@customer.example' 'From: mallory@customer.example'
send twofrom --addr 127.0.0.9
expect_unsigned twofrom 'message has 2 From fields'

# no From at all: Postfix's cleanup adds one (the envelope sender) before the milter sees the
# header block, so this case goes straight to hallmarkd with the test milter client
mkmsg nofrom ''
mark=$(wc -l < "$HM_LOG")
out=$(/usr/bin/python3 "$top_srcdir/tests/tools/milterc.py" "inet:$HM_PORT@127.0.0.1" send \
	--ip 127.0.0.9 "$M/nofrom") || fail "milterc: $out"
assert_match '^verdict=accept' "$out" "nofrom: accepted"
assert_no_match 'DKIM-Signature' "$out" "nofrom: no DKIM-Signature added"
sleep 0.2
assert_match 'dkim-sign: not signed: message has 0 From fields' "$(tail -n +"$(( mark + 1 ))" "$HM_LOG")" \
	"nofrom: not signed, reason logged"

# a header block over max_header_bytes (default 1 MB): the headers beyond are checked but not
# kept, so the message is accepted (not given on_internal_error, default tempfail) and not
# signed (conf_table.c's doc said on_internal_error until it was compared with the code)
mkmsg bighdr 'alice@customer.example'
awk 'NR == 1 { print; pad = sprintf("%999s", ""); gsub(/ /, "x", pad)
	for (i = 0; i < 1100; i++) printf "X-Pad-%d: %s\r\n", i, pad; next } { print }' \
	"$M/bighdr" > "$M/bighdr.tmp" && mv "$M/bighdr.tmp" "$M/bighdr"
mark=$(wc -l < "$HM_LOG")
out=$(/usr/bin/python3 "$top_srcdir/tests/tools/milterc.py" "inet:$HM_PORT@127.0.0.1" send \
	--ip 127.0.0.9 "$M/bighdr") || fail "milterc: $out"
assert_match '^verdict=accept' "$out" "bighdr: a 1.1 MB header block is accepted"
assert_no_match 'DKIM-Signature' "$out" "bighdr: not signed"
sleep 0.2
l=$(tail -n +"$(( mark + 1 ))" "$HM_LOG")
assert_match 'header block over 1048576 bytes: further headers are checked but not kept' "$l" \
	"bighdr: the limit logged"
assert_match 'dkim-sign: not signed: header block too large to keep' "$l" "bighdr: not signed, reason logged"

# hcount SIG NAME - how often NAME is in SIG's h= list (case-insensitive)
hcount() {
	printf '%s' "$1" | tr -d ' \t' | tr ';' '\n' | sed -n 's/^h=//p' | tr ':' '\n' | grep -ci "^$2\$" || true
}

# ---- 3. defaults: relaxed/relaxed, From oversigned, no l=, no x= ------------------------------
sig=$(hdr_get DKIM-Signature "$M/internal.out" | head -n 1 | tr -d ' \t')
assert_match '(^|;)c=relaxed/relaxed;' "$sig" "default c=relaxed/relaxed"
assert_eq "2 1" "$(hcount "$sig" from) $(hcount "$sig" subject)" "From oversigned by default, Subject not (h=)"
assert_no_match '(^|;)l=' "$sig" "no l= by default"
assert_no_match '(^|;)x=' "$sig" "no x= by default"
mkmsg unsub 'alice@customer.example' 'List-Unsubscribe: <https://customer.example/u/4711>, <mailto:u@customer.example>' \
	'List-Unsubscribe-Post: List-Unsubscribe=One-Click'
send unsub --addr 127.0.0.9
expect_sigs unsub "customer.example r2026 rsa-sha256" "customer.example e2026 ed25519-sha256" \
	"vendor.example v1 rsa-sha256"
while read -r sig; do
	sig=$(printf '%s' "$sig" | tr -d ' \t')
	assert_eq "1 1" "$(hcount "$sig" list-unsubscribe) $(hcount "$sig" list-unsubscribe-post)" \
		"unsub: List-Unsubscribe and List-Unsubscribe-Post in h= ($(printf '%s' "$sig" | grep -o 's=[^;]*'))"
done < <(hdr_get DKIM-Signature "$M/unsub.out")

# ---- 4. keys are read at start and on SIGHUP only ---------------------------------------------
cp "$K/cust-ed.pem" "$K/cust-ed-2026.pem"
cat "$K/cust-ed-2027.pem" > "$K/cust-ed.pem"	# same file, new key: no effect before SIGHUP
mkmsg before-hup 'alice@customer.example'
send before-hup --addr ::1		# the other default internal network
expect_sigs before-hup "customer.example r2026 rsa-sha256" "customer.example e2026 ed25519-sha256" \
	"vendor.example v1 rsa-sha256"	# e2026 still verifies below: the old key signed it
hm_reload "$(sign_conf e2027 'signature_ttl = 86400; oversign_headers = ["from", "subject", "to"];')" ||
	fail "reload with the rotated key failed" "$HM_LOG"
mkmsg after-hup 'alice@customer.example'
send after-hup --addr 127.0.0.9
expect_sigs after-hup "customer.example r2026 rsa-sha256" "customer.example e2027 ed25519-sha256" \
	"vendor.example v1 rsa-sha256"
sig=$(hdr_get DKIM-Signature "$M/after-hup.out" | head -n 1 | tr -d ' \t')
t=$(printf '%s' "$sig" | grep -o '\(^\|;\)t=[0-9]*' | grep -o '[0-9]*$')
x=$(printf '%s' "$sig" | grep -o '\(^\|;\)x=[0-9]*' | grep -o '[0-9]*$')
assert_eq "$(( t + 86400 ))" "${x:-none}" "signature_ttl = 86400: x= is t= + 86400"
assert_eq "2 2 2 1" "$(hcount "$sig" from) $(hcount "$sig" subject) $(hcount "$sig" to) $(hcount "$sig" date)" \
	"oversign_headers: from, subject and to signed once more than present, date not"

printf 'garbage\n' > "$K/cust-ed.pem"			# broken on disk, then SIGHUP
if hm_reload "$(sign_conf e2027)"; then
	fail "reload with an unparsable key succeeded" "$HM_LOG"
fi
assert_file_match "cust-ed\.pem.*not a PEM private key" "$HM_LOG" "broken key on SIGHUP: error logged"
mkmsg broken-hup 'alice@customer.example'
send broken-hup --addr 127.0.0.9
expect_sigs broken-hup "customer.example r2026 rsa-sha256" "customer.example e2027 ed25519-sha256" \
	"vendor.example v1 rsa-sha256"
sig=$(hdr_get DKIM-Signature "$M/broken-hup.out" | head -n 1)
assert_match 'x=' "$sig" "broken key on SIGHUP: the previous configuration (x=) still in force"

cat "$K/cust-ed-2027.pem" > "$K/cust-ed.pem"
chmod 640 "$K/cust-ed.pem"				# group-readable, then SIGHUP
if hm_reload "$(sign_conf e2027)"; then
	fail "reload with a group-readable key succeeded" "$HM_LOG"
fi
assert_file_match "cust-ed\.pem: mode 0640 gives access to group or others" "$HM_LOG" \
	"group-readable key on SIGHUP: reload refused, error logged"
chmod 600 "$K/cust-ed.pem"
# on_bad_key = "skip": the same unparsable key; -n warns and accepts, the reload succeeds, the
# other keys sign
printf 'garbage\n' > "$K/cust-ed.pem"
hm_config "$(sign_conf e2027 'on_bad_key = "skip";')" > "$RIG_DIR/hm/skip.conf"
out=$("$HALLMARKD" -n -c "$RIG_DIR/hm/skip.conf" 2>&1) ||
	fail "hallmarkd -n refused a bad key under on_bad_key = skip: $out"
assert_match 'warning: .*key "cust-ed": key file [^ ]*cust-ed\.pem: not a PEM private key.*key skipped' \
	"$out" "on_bad_key = skip: hallmarkd -n exits 0 and warns, naming the key and its file"
hm_reload "$(sign_conf e2027 'on_bad_key = "skip";')" ||
	fail "reload with one unparsable key under on_bad_key = skip failed" "$HM_LOG"
assert_file_match 'dkim_sign: 1 of [0-9]+ keys skipped' "$HM_LOG" "on_bad_key = skip: the count is logged"
mkmsg skip-hup 'alice@customer.example'
send skip-hup --addr 127.0.0.9
expect_sigs skip-hup "customer.example r2026 rsa-sha256" "vendor.example v1 rsa-sha256"
cat "$K/cust-ed-2027.pem" > "$K/cust-ed.pem"
hm_reload "$(sign_conf e2027 'trust_signing_table = true;')" || fail "reload (trust_signing_table)" "$HM_LOG"
mkmsg trusted-table 'alice@customer.example'
send trusted-table --addr 198.51.100.7
expect_sigs trusted-table "customer.example r2026 rsa-sha256" "customer.example e2027 ed25519-sha256" \
	"vendor.example v1 rsa-sha256"

# ---- key material never in the log ------------------------------------------------------------
# every base64 line of every key file, as a 24-character fixed string
grep -hv -e '^-----' -e '^$' "$K"/*.pem | cut -c1-24 > "$RIG_DIR/keylines"
leaks=$( { cat "$HM_LOG" "$PF_DIR/maillog"; printf '%s\n' "$NCHECK_OUT"; } |
	grep -cF -f "$RIG_DIR/keylines") || true
assert_eq 0 "$leaks" "no private key line (24-character prefix) in hallmarkd's or Postfix's log"
assert_no_match 'PRIVATE KEY' "$(cat "$HM_LOG")" "no PEM armour in hallmarkd's log"

# ---- 6a. hallmark's own verifier: each signed message sent again from outside ----------------
hm_reload "$(sign_conf e2027)" || fail "reload (trust_signing_table off again)" "$HM_LOG"
nsig=0
pids=""
for id in $KEEP_FOR_VERIFY; do	# all at once (swaks start-up dominates otherwise)
	{ printf 'X-Again-Id: again-%s\r\n' "$id"; cat "$M/$id.out"; } > "$M/again-$id"
	swaks --server "127.0.0.1:$PF_PORT" --timeout 60 --xclient-addr 203.0.113.9 \
		--xclient-helo relay.example --xclient-name '[UNAVAILABLE]' --helo relay.example \
		--from sender@example.org --to rcpt@example.net --data "@$M/again-$id" \
		> "$RIG_DIR/swaks.again-$id.log" 2>&1 &
	pids="$pids $!"
	SENT=$(( SENT + 1 ))
done
for p in $pids; do
	wait "$p" || fail "sending a signed message again failed" "$(ls "$RIG_DIR"/swaks.again-*.log | head -n 1)"
done
wait_delivered "$SENT" 60
for id in $KEEP_FOR_VERIFY; do
	delivered_by "X-Again-Id: again-$id" > "$M/again-$id.out"
	ar=$(hdr_get Authentication-Results "$M/again-$id.out")
	while read -r d s a; do
		text_match "dkim=pass header\.d=$d header\.s=$s( header\.i=[^ ;]*)? header\.a=$a" "$ar" ||
			fail "$id: hallmarkd's verifier: no dkim=pass for d=$d s=$s: $ar" "$M/again-$id.out"
		nsig=$(( nsig + 1 ))
	done < <(sigs "$M/$id.out")
	[ "$(hdr_count DKIM-Signature "$M/again-$id.out")" = "$(sigs "$M/$id.out" | wc -l)" ] ||
		fail "$id: signed again on the second pass" "$M/again-$id.out"
done
ok "hallmarkd's own verifier: $nsig/$nsig signatures pass"

# ---- 6b. three other implementations, one signature at a time --------------------------------
# split ID - one file per DKIM-Signature of M/ID.out into V/signed, the other signatures removed
split_sigs() {
	local id=$1 n i
	n=$(hdr_count DKIM-Signature "$M/$id.out")
	for i in $(seq 1 "$n"); do
		local tag
		tag=$(sigs "$M/$id.out" | sed -n "${i}p" | awk '{ print $3 "-" $2 }')
		awk -v keep="$i" '
		!body && /^$|^\r$/ { body = 1 }
		!body && /^[^ \t]/ { isdk = tolower(substr($0, 1, 15)) == "dkim-signature:"; if (isdk) k++ }
		body || !isdk || k == keep { print }' "$M/$id.out" > "$V/signed/$id-$tag.eml"
	done
}
# (the messages before and after each SIGHUP were checked by hallmarkd above; these cover every
# key, both tables, the authenticated client, x= and the oversign list)
for id in internal auth opendkim percent unsub after-hup; do
	split_sigs "$id"
done
nfiles=$(ls "$V/signed" | wc -l)
# control: a copy with one body byte changed must fail in all three
sed 's/this is message internal/this is message internaL/' "$V/signed/internal-rsa-sha256-r2026.eml" \
	> "$V/signed/tampered-rsa-sha256-r2026.eml"
unshare -rmn bash "$top_srcdir/tests/dkim/verify-interop.sh" --inner "$V" > "$V/report" 2>&1 ||
	fail "the namespace run failed" "$V/report"
sed 's/^/    /' "$V/report" >&2
fails=$(cat "$V/fails" 2>/dev/null || echo 0)
assert_match '^tampered-[^ ]* +dkimverify=FAIL.* mail-dkim=FAIL.* opendkim=FAIL' "$(cat "$V/report")" \
	"control: the tampered copy fails in all three verifiers"
assert_eq 1 "$fails" "dkimverify, Mail::DKIM and opendkim-testmsg pass every signature (all but the control)" \
	"$V/report"
p1=$(grep -c 'dkimverify=pass' "$V/report") || true
p2=$(grep -c 'mail-dkim=pass' "$V/report") || true
na=$(grep -c 'mail-dkim=n/a' "$V/report") || true
p3=$(grep -c 'opendkim=pass' "$V/report") || true
rig_log "figures: $nfiles signatures: dkimverify $p1 pass, Mail::DKIM $p2 pass + $na n/a (ed25519), opendkim-testmsg $p3 pass; own verifier $nsig pass"
[ "$p1" = "$nfiles" ] && [ "$p3" = "$nfiles" ] && [ $(( p2 + na )) = "$nfiles" ] ||
	fail "verifier counts do not add up" "$V/report"
rig_log "PASS"
