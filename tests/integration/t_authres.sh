#!/bin/bash
# tests/integration/t_authres.sh - the Authentication-Results header, end to end through a real
# Postfix (smtpd_milters = hallmarkd) to smtp-sink, clients presented with XCLIENT.
#
# Checks: exactly one A-R with our authserv-id is added, as the very first header of the delivered
# message; every forged A-R claiming our authserv-id is removed (differently cased, commented,
# folded, several of them interleaved with others), foreign A-R headers are kept in their order;
# a message with the bare minimum of headers and a message with no header at all get the header
# too; the XCLIENT client address (IPv4 and IPv6) is what the milter sees.
#
# Where index 0 lands: Postfix does not show its own Received: header to milters (the milter's
# first header is the client's first one), yet a header inserted at index 0 is put above that
# Received: header. So "the very top" is literally header #1 of the delivered message.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init authres
rig_dns
hm_start ''
pf_start

ID=mx.test.example
M=$RIG_DIR/msg
mkdir -p "$M"

# our_id_ar FILE - print the A-R headers of FILE whose authserv-id is ours (comments stripped,
# case-insensitive): the value up to the first ";" with (comments) removed, compared to $ID
our_id_ar() {
	hdr_get Authentication-Results "$1" | awk -v id="$ID" '{
		v = $0; sub(/;.*/, "", v)
		while (match(v, /\([^()]*\)/)) v = substr(v, 1, RSTART - 1) " " substr(v, RSTART + RLENGTH)
		gsub(/[ \t]+/, "", v)
		if (tolower(v) == tolower(id)) print $0
	}'
}

# ---- 1. a plain message: one A-R, on top, with our authserv-id --------------------------------
cat > "$M/plain" <<'EOF'
From: Alice <alice@example.org>
To: Bob <bob@example.net>
Subject: plain
Date: Mon, 23 Nov 2026 10:00:00 +0000
Message-ID: <plain.1@example.org>
X-Test-Id: t-plain

Hello.
EOF
send_msg --addr 203.0.113.5 --helo mail.example.org --data "$M/plain"
wait_delivered 1
delivered_by t-plain > "$M/plain.out"
assert_hdr_count Authentication-Results 1 "$M/plain.out"
assert_eq Authentication-Results "$(hdr_at 1 "$M/plain.out")" "A-R is the first delivered header" "$M/plain.out"
assert_eq Received "$(hdr_at 2 "$M/plain.out")" "Postfix's Received: follows it" "$M/plain.out"
ar=$(hdr_get Authentication-Results "$M/plain.out")
assert_match "^$ID *;" "$ar" "A-R starts with our authserv-id"
assert_eq 1 "$(our_id_ar "$M/plain.out" | wc -l)" "one A-R claims our id" "$M/plain.out"
assert_file_match '^Hello\.' "$M/plain.out" "body intact"

# ---- 2. forgeries removed, foreign ones kept -----------------------------------------------------
# Four forgeries (plain, other case, comment before the id, folded with the id on the
# continuation line) interleaved with three foreign A-Rs (one whose id merely starts with ours,
# one whose id ends with ours) and one look-alike header name.
printf '%s\n' \
	'Authentication-Results: mx.test.example; spf=pass smtp.mailfrom=forged-1.example' \
	'From: Mallory <mallory@example.org>' \
	'Authentication-Results: other.example; spf=fail smtp.mailfrom=foreign-1.example' \
	'authentication-results: MX.Test.EXAMPLE; dkim=pass header.d=forged-2.example' \
	'To: Bob <bob@example.net>' \
	'Authentication-Results: mx.test.example.evil.example; dmarc=pass header.from=foreign-2.example' \
	'Authentication-Results: (looks trusted) mx.test.example (really);' \
	'  dkim=pass header.d=forged-3.example' \
	'Subject: forged' \
	'Authentication-Results:' \
	'	mx.test.example;' \
	'	dmarc=pass header.from=forged-4.example' \
	'Authentication-Results: evil-mx.test.example; spf=pass smtp.mailfrom=foreign-3.example' \
	'X-Authentication-Results: mx.test.example; spf=pass smtp.mailfrom=lookalike.example' \
	'X-Test-Id: t-forged' \
	'' \
	'Body of the forged message.' > "$M/forged"
send_msg --addr 198.51.100.7 --helo mx.example.org --data "$M/forged"
wait_delivered 2
delivered_by t-forged > "$M/forged.out"
assert_eq Authentication-Results "$(hdr_at 1 "$M/forged.out")" "A-R is the first header" "$M/forged.out"
assert_match "^$ID *;" "$(hdr_get Authentication-Results "$M/forged.out" | head -n 1)" \
	"the first A-R is ours"
assert_eq 1 "$(our_id_ar "$M/forged.out" | wc -l)" "exactly one A-R claims our id" "$M/forged.out"
for n in 1 2 3 4; do
	if grep -q "forged-$n\.example" "$M/forged.out"; then
		fail "forged A-R #$n (forged-$n.example) was not removed" "$M/forged.out"
	fi
done
ok "the 4 forged A-R headers are gone"
assert_hdr_count Authentication-Results 4 "$M/forged.out"
got=$(hdr_get Authentication-Results "$M/forged.out" | sed -n '2,$p' |
	sed -n 's/.*=\(foreign-[0-9]\)\.example.*/\1/p' | tr '\n' ' ')
assert_eq "foreign-1 foreign-2 foreign-3 " "$got" "foreign A-Rs kept, in order" "$M/forged.out"
assert_hdr_count X-Authentication-Results 1 "$M/forged.out"
got=$(msg_headers < "$M/forged.out" | sed 's/:.*//' | grep -v -i '^authentication-results$' | tr '\n' ' ')
assert_match '^Received From To Subject X-Authentication-Results X-Test-Id ' "$got" \
	"the other headers are untouched, in order"
assert_file_match '^Body of the forged message\.' "$M/forged.out" "body intact"

# ---- 3. the bare minimum, and no header at all ---------------------------------------------------
printf 'From: min@example.org\n\nminimal t-minimal\n' > "$M/minimal"
send_msg --addr 192.0.2.44 --data "$M/minimal"
wait_delivered 3
delivered_by t-minimal > "$M/minimal.out"
assert_hdr_count Authentication-Results 1 "$M/minimal.out"
assert_eq Authentication-Results "$(hdr_at 1 "$M/minimal.out")" "minimal: A-R on top" "$M/minimal.out"

printf '\nno header at all t-noheader\n' > "$M/noheader"
send_msg --addr 192.0.2.45 --data "$M/noheader"
wait_delivered 4
delivered_by t-noheader > "$M/noheader.out"
assert_hdr_count Authentication-Results 1 "$M/noheader.out"
assert_eq Authentication-Results "$(hdr_at 1 "$M/noheader.out")" "no header: A-R on top" "$M/noheader.out"

# ---- 4. the XCLIENT client reaches the milter (IPv4 and IPv6) ------------------------------------
printf 'From: v4@example.org\nSubject: v4\nX-Test-Id: t-v4\n\nv4\n' > "$M/v4"
printf 'From: v6@example.org\nSubject: v6\nX-Test-Id: t-v6\n\nv6\n' > "$M/v6"
send_msg --addr 203.0.113.77 --helo v4.example.org --data "$M/v4"
send_msg --addr 2001:db8:77::1 --helo v6.example.org --data "$M/v6"
wait_delivered 6
delivered_by t-v4 > "$M/v4.out"
delivered_by t-v6 > "$M/v6.out"
assert_match '\[203\.0\.113\.77\]' "$(hdr_get Received "$M/v4.out")" "Postfix saw the IPv4 client"
assert_match '\[IPv6:2001:db8:77::1\]' "$(hdr_get Received "$M/v6.out")" "Postfix saw the IPv6 client"
assert_hdr_count Authentication-Results 1 "$M/v4.out"
assert_hdr_count Authentication-Results 1 "$M/v6.out"
assert_file_match '203\.0\.113\.77' "$HM_LOG" "hallmarkd logged the IPv4 client"
assert_file_match '2001:db8:77::1' "$HM_LOG" "hallmarkd logged the IPv6 client"

rig_log "PASS"
