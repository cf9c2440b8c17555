#!/bin/bash
# tests/integration/t_dkim_spacing.sh - headers byte for byte (SMFIP_HDR_LEADSPC) and RSA keys
# published as PKCS#1, through a real Postfix (smtpd_milters = hallmarkd) with the keys served
# by a real NSD (tests/zones, plus one record added here).
#
#   1. Inbound: messages signed simple/simple by python3-dkim (key py-rsa of the DKIM corpus)
#      over headers whose spacing after the colon is not one space: "X:  v" (two spaces), "X:v"
#      (none), "X: \tv", "X:\tv", a folded value with runs of white space, and all of them in
#      one message.  Postfix gives hallmarkd the exact bytes (SMFIP_HDR_LEADSPC): each must
#      pass (tests/dkim/check-ar: result, header.d/s/i/a/b).  "From:" without a space still
#      gives DMARC its domain, and forged A-R headers with none or three spaces after the colon
#      are still removed.  A message signed by the same key
#      published as a PKCS#1 RSAPublicKey (p=MIIBCgKCAQEA..., selector py-rsa-pkcs1) passes.
#      (The DKIM corpus has the same cases signed by python3-dkim and Mail::DKIM:
#      spacing-*.eml and pkcs1-*.eml, through Postfix in t_dkim_verify.sh.)
#   2. Outbound: hallmarkd signs (simple/simple) a message with the same headers from an
#      internal client; what Postfix delivers must verify with python3-dkim, and the signed
#      headers must have left as they came in.
#   3. Without the flag (tests/tools/milterc.py --no-leadspc, straight to hallmarkd) today's
#      behaviour stays: one space after the colon is assumed, so a normally spaced header
#      passes and "X:v" fails; with the flag (milterc default) "X:v" passes.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

CORPUS=$top_srcdir/tests/dkim/corpus
CHECK_AR=$top_srcdir/tests/dkim/check-ar
MILTERC=$top_srcdir/tests/tools/milterc.py
ID=mx.test.example

rig_init dkim_spacing
[ -x /usr/bin/python3 ] || rig_skip "/usr/bin/python3 not found"
/usr/bin/python3 -c 'import dkim' 2>/dev/null || rig_skip "python3-dkim not found"
command -v openssl >/dev/null 2>&1 || rig_skip "openssl not found"

M=$RIG_DIR/msg
Z=$RIG_DIR/zones
K=$RIG_DIR/keys
mkdir -p "$M" "$Z" "$K"
chmod 700 "$K"
cp "$CORPUS/keys/py-rsa.pem" "$K/py-rsa.pem"
chmod 600 "$K/py-rsa.pem"

# the test zones (dkim.example has the py-rsa key once more as a PKCS#1 RSAPublicKey,
# selector py-rsa-pkcs1), and a DMARC record for dkim.example
cp "$top_srcdir"/tests/zones/*.zone "$Z/"
grep -q '^py-rsa-pkcs1._domainkey IN TXT "v=DKIM1; k=rsa; p=MIIBCgKCAQEA' "$Z/dkim.example.zone" ||
	fail "tests/zones/dkim.example.zone has no PKCS#1 key py-rsa-pkcs1"
zone_txt _dmarc "v=DMARC1; p=reject" >> "$Z/dkim.example.zone"
rig_dns "$Z"

hm_start "dkim_sign = {
  keys = ( { name = \"py\"; domain = \"dkim.example\"; selector = \"py-rsa\";
             key_file = \"$K/py-rsa.pem\"; } );
  signing_table = ( { pattern = \"dkim.example\"; keys = [\"py\"]; } );
  canonicalization = \"simple/simple\";
  sign_headers = [\"from\", \"to\", \"subject\", \"date\", \"message-id\", \"x-two\",
                  \"x-none\", \"x-tab\", \"x-tabonly\", \"x-fold\"];
};"
pf_start

# ---- the messages ------------------------------------------------------------------------------
/usr/bin/python3 - "$K/py-rsa.pem" "$M" <<'PY'
import os, sys
import dkim
key = open(sys.argv[1], "rb").read()
out = sys.argv[2]
SPACED = {
    "two": b"X-Two:  two spaces after the colon",
    "none": b"X-None:no space after the colon",
    "tab": b"X-Tab: \ta space and a tab",
    "tabonly": b"X-Tabonly:\ta tab alone",
    "fold": b"X-Fold:   three spaces, then\r\n \t folded  with runs\r\n\tof white space",
}
BASE = [b"from", b"to", b"subject", b"date", b"message-id"]

def message(name, extra, frm=b"From: Sender <sender@dkim.example>"):
    return (frm + b"\r\nTo: rcpt@hallmark.test\r\n"
            b"Subject: spacing " + name.encode() + b"\r\n"
            b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <" + name.encode() + b"@dkim.example>\r\n" +
            b"".join(h + b"\r\n" for h in extra) +
            b"\r\nbody line\r\n")

def write(fname, data):
    with open(os.path.join(out, fname), "wb") as fh:
        fh.write(b"X-Test-Id: t-" + fname.encode() + b"\r\n" + data)

manifest = []
cases = dict((k, [v]) for k, v in SPACED.items())
cases["all"] = list(SPACED.values())
cases["std"] = [b"X-Two: one space, as usual"]
for name, hdrs in sorted(cases.items()):
    m = message("in-" + name, hdrs)
    names = BASE + [h.split(b":")[0].lower() for h in hdrs]
    sig = dkim.sign(m, b"py-rsa", b"dkim.example", key,
                    canonicalize=(b"simple", b"simple"), include_headers=names)
    write("in-%s.eml" % name, sig + m)
    manifest.append("in-%s.eml\tpass:py-rsa" % name)
# From without a space (DMARC reads it), forged A-R headers of our
# authserv-id with none and with three (removed: check-ar wants one A-R)
m = message("in-oddfrom", [b"Authentication-Results:mx.test.example; dkim=pass",
                           b"Authentication-Results:   mx.test.example; spf=pass"],
            b"From:Sender <sender@dkim.example>")
sig = dkim.sign(m, b"py-rsa", b"dkim.example", key,
                canonicalize=(b"simple", b"simple"), include_headers=BASE)
write("in-oddfrom.eml", sig + m)
manifest.append("in-oddfrom.eml\tpass:py-rsa")
m = message("in-pkcs1", [])
sig = dkim.sign(m, b"py-rsa-pkcs1", b"dkim.example", key,
                canonicalize=(b"relaxed", b"simple"), include_headers=BASE)
write("in-pkcs1.eml", sig + m)
manifest.append("in-pkcs1.eml\tpass:py-rsa-pkcs1")
with open(os.path.join(out, "MANIFEST"), "w") as fh:
    fh.write("\n".join(manifest) + "\n")
write("out-all.eml", message("out-all", list(SPACED.values())))
PY

SENT=0
# send_file ADDR FILE... - each FILE over one SMTP session from client ADDR
send_file() {
	local addr=$1 f
	shift
	smtp_open "$addr" relay1.example || fail "SMTP session did not open"
	for f in "$@"; do
		smtp_cmd "MAIL FROM:<sender@dkim.example>" 250 &&
			smtp_cmd "RCPT TO:<rcpt@hallmark.test>" 250 &&
			smtp_cmd DATA 354 || fail "$f: not accepted for delivery"
		sed 's/^\./../' "$f" >&3
		smtp_cmd . 250 || fail "$f: end of data not accepted"
		SENT=$(( SENT + 1 ))
	done
	smtp_cmd QUIT 221 || true
	smtp_close
}

# ---- 1. inbound -------------------------------------------------------------------------------
files=()
while IFS=$'\t' read -r f _; do files+=("$M/$f"); done < "$M/MANIFEST"
send_file 203.0.113.5 "${files[@]}"
wait_delivered "$SENT" 60
/usr/bin/python3 "$CHECK_AR" --authserv-id "$ID" --manifest "$M/MANIFEST" --msgs "$M" \
	$(sink_files) > "$M/check.out" 2>&1 ||
	fail "inbound signatures over exact header bytes, and a PKCS#1 key" "$M/check.out"
ok "inbound: simple/simple over every spacing, and a PKCS#1 key: $(tail -n 1 "$M/check.out")"
f=$(grep -l 'X-Test-Id: t-in-oddfrom.eml' $(sink_files)) || fail "in-oddfrom.eml not delivered"
sink_strip < "$f" > "$M/in-oddfrom.delivered"
assert_hdr_count Authentication-Results 1 "$M/in-oddfrom.delivered"
text_match 'dmarc=pass[^;]*header[.]from=dkim[.]example' \
	"$(hdr_get Authentication-Results "$M/in-oddfrom.delivered")" ||
	fail "From:Sender <...> without a space: no dmarc=pass" "$M/in-oddfrom.delivered"
ok "From without a space after the colon: dmarc=pass; forged A-R with 0 and 3 spaces removed"

# ---- 2. outbound: hallmarkd's signature over the same headers ---------------------------------
send_file 127.0.0.1 "$M/out-all.eml"
wait_delivered "$SENT" 30
f=$(grep -l 'X-Test-Id: t-out-all.eml' $(sink_files)) || fail "out-all.eml not delivered"
sink_strip < "$f" > "$M/out-all.delivered"
text_match 'c=simple/simple' "$(hdr_get DKIM-Signature "$M/out-all.delivered")" ||
	fail "out-all: no simple/simple signature by hallmarkd" "$M/out-all.delivered"
/usr/bin/python3 - "$M/out-all.delivered" "$M/out-all.eml" "$(dkim_txt "$K/py-rsa.pem")" <<'PY' ||
import sys
import dkim
got = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
sent = open(sys.argv[2], "rb").read()
rec = sys.argv[3].encode()
for h in (b"X-Two:", b"X-None:", b"X-Tab:", b"X-Tabonly:", b"X-Fold:"):
    i = sent.index(b"\r\n" + h)
    line = sent[i:sent.index(b"\r\n", i + 2)]
    if h == b"X-Fold:":
        line = sent[i:sent.index(b"\r\n\r\n")]
    if line not in got:
        sys.exit("header %r did not leave as it came in" % h)
if not dkim.verify(got, dnsfunc=lambda name, timeout=5: rec):
    sys.exit("python3-dkim: hallmarkd's signature does not verify")
print("python3-dkim verifies hallmarkd's simple/simple signature")
PY
	fail "out-all: hallmarkd's signature after Postfix" "$M/out-all.delivered"
ok "outbound: hallmarkd's simple/simple signature over every spacing verifies at python3-dkim"

# ---- 3. with and without the flag, straight to hallmarkd ------------------------------------
# mc_dkim FILE [--no-leadspc] - the dkim= result hallmarkd logs for FILE sent over milterc (its
# output in $M/mc.out); from the log, as the verdict may be a DMARC reject without A-R
mc_dkim() {
	local mark
	mark=$(wc -l < "$HM_LOG")
	/usr/bin/python3 "$MILTERC" "inet:$HM_PORT@127.0.0.1" send --ip 203.0.113.5 ${2:-} "$1" \
		> "$M/mc.out" 2>&1 || true
	tail -n +"$(( mark + 1 ))" "$HM_LOG" | grep -o ': dkim=[a-z]* header[.]d=' |
		sed 's/^: \(dkim=[a-z]*\).*/\1/' | head -n 1
}

# mc_case FILE FLAG WANT - milterc with FLAG ("" or --no-leadspc) must give WANT
mc_case() {
	local got
	got=$(mc_dkim "$M/$1" "$2")
	assert_eq "$3" "$got" "milterc ${2:-(flag offered)} $1: dkim= result" "$M/mc.out"
}
mc_case in-std.eml "" dkim=pass
mc_case in-none.eml "" dkim=pass
mc_case in-std.eml --no-leadspc dkim=pass
mc_case in-none.eml --no-leadspc dkim=fail

rig_log "PASS"
