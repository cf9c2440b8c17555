#!/bin/bash
# tests/integration/t_keygen.sh - `hallmark keygen` and `hallmark testkey`
# end to end, against a real NSD on loopback and two other implementations.
#
#   1. keygen makes an rsa-2048 and an ed25519 key: files mode 0600, no
#      overwrite without --force, bad arguments exit 2; its standard output
#      goes unchanged into a zone file that nsd-checkzone must accept (so
#      the 255-byte string split and the syntax are checked by NSD).
#   2. hallmark testkey, resolving through NSD (dns.forwarders), passes for
#      both keys and fails (exit 1) for a mismatched key, a key of the
#      other type, a revoked key and a missing record; exit 3 when the DNS
#      server does not answer; a warning for a key file others can read.
#   3. opendkim-testkey passes for the RSA key, for the ed25519 record
#      (libopendkim 2.11 cannot compare Ed25519 private keys: see below),
#      and fails for the mismatched and the revoked key; it is pointed at the NSD port through its configuration file
#      (ResolverConfiguration: a libunbound configuration with a
#      forward-zone to 127.0.0.1@PORT).
#   4. messages signed by tests/tools/hm-sign with the new keys verify in
#      python3-dkim's dkimverify and in opendkim-testmsg; one signed with
#      the mismatched key fails in both.  They only use the system resolver, so that step runs in a
#      private network and mount namespace (unshare) where a second NSD
#      answers on 127.0.0.1:53 and /etc/resolv.conf points there.
#
# Exit 0 pass, 77 skip (a tool missing; with CI=true that is a failure),
# 1 fail.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
HALLMARK=${HALLMARK:-$top_builddir/hallmark}
HM_SIGN=${HM_SIGN:-$top_builddir/tests/tools/hm-sign}
D=kg.example
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/nsd.sh"

# inner - inside the namespace: NSD on port 53, dkimverify each message;
# $2 = work directory; prints "NAME pass|fail" lines
if [ "${1:-}" = "--inner" ]; then
	W=$2
	nsd_start_resolver "$W" "$W/zones" || exit 1
	for m in "$W"/signed/*.eml; do
		if /usr/bin/python3 /usr/bin/dkimverify <"$m" >"$m.out" 2>&1
		then echo "dkimverify $(basename "$m") pass"
		else echo "dkimverify $(basename "$m") fail"; fi
		if out=$(opendkim-testmsg <"$m" 2>&1) && [ -z "$out" ]
		then echo "opendkim-testmsg $(basename "$m") pass"
		else echo "opendkim-testmsg $(basename "$m") fail"; fi
	done
	nsd_stop
	exit 0
fi

for t in opendkim-testkey opendkim-testmsg /usr/bin/dkimverify unshare nsd-checkzone; do
	command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] ||
	    missing "$t"
done
nsd_available || missing "nsd or dig"
unshare -rmn true 2>/dev/null || skip_test "no user namespaces (unshare -rmn)"
[ -x "$HALLMARK" ] || { echo "no $HALLMARK"; exit 1; }
[ -x "$HM_SIGN" ] || { echo "no $HM_SIGN (make check builds it)"; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/hm-keygen.XXXXXX") && W=$(cd "$W" && pwd -P) || exit 1
trap 'nsd_stop; rm -rf "$W"' EXIT
mkdir -p "$W/zones" "$W/keys" "$W/signed"
fails=0
# expect RC CMD... - run, compare the exit status; output in $W/out
expect() {
	_want=$1
	shift
	"$@" >"$W/out" 2>&1
	_rc=$?
	if [ "$_rc" -eq "$_want" ]; then ok "exit $_rc: ${*//$W\//}"
	else fail "exit $_rc (want $_want): $*"; sed 's/^/    /' "$W/out"; fi
}

# ---- 1. keygen -------------------------------------------------------
zone=$W/zones/$D.zone
zone_head >"$zone"
umask 022	# keygen must not depend on the caller's umask
"$HALLMARK" keygen --domain "$D" --selector rsa1 --type rsa --bits 2048 \
    --output "$W/keys/rsa.pem" >"$W/rsa.out" || fail "keygen rsa"
"$HALLMARK" keygen -d "$D" -s ed1 -t ed25519 -D "$W/keys" >"$W/ed.out" ||
    fail "keygen ed25519"
ED=$W/keys/ed1._domainkey.$D.pem
for f in "$W/keys/rsa.pem" "$ED"; do
	m=$(stat -c %a "$f" 2>/dev/null)
	[ "$m" = 600 ] && ok "mode 0600: ${f##*/}" || fail "mode $m: $f"
done
openssl pkey -in "$W/keys/rsa.pem" -noout -text 2>/dev/null |
    grep -q 'Private-Key: (2048 bit' && ok "rsa-2048 key" || fail "not rsa-2048"
grep -q 'k=ed25519; p=' "$W/ed.out" && ok "ed25519 record" || fail "ed record"
# the raw 32-byte key (RFC 8463) is the tail of the SubjectPublicKeyInfo
raw=$(openssl pkey -in "$ED" -pubout -outform DER | tail -c 32 | base64 -w0)
grep -qF "p=$raw\"" "$W/ed.out" && ok "ed25519 p= is the raw key" ||
    fail "ed25519 p= is not the raw public key"
grep -q "key_file = \"$W/keys/rsa.pem\"" "$W/rsa.out" &&
    ok "key-table entry" || fail "no key-table entry in the output"
# no quoted string longer than 255 bytes, and at least two for rsa-2048
sed -n '/ IN TXT (/,/)/p' "$W/rsa.out" | grep -o '"[^"]*"' >"$W/strings"
n=$(wc -l <"$W/strings")
long=$(awk 'length($0) > 257' "$W/strings" | wc -l)
[ "$(tr -d '"\n' <"$W/strings" | head -c 18)" = "v=DKIM1; k=rsa; p=" ] ||
    fail "rsa record does not start with v=DKIM1; k=rsa; p="
[ "$(awk 'length($0) == 257' "$W/strings" | wc -l)" -eq $((n - 1)) ] ||
    fail "every string but the last should be 255 bytes long"
[ "$n" -ge 2 ] && [ "$long" -eq 0 ] && ok "rsa record split in $n strings" ||
    fail "rsa record strings: $n, $long too long"
cat "$W/rsa.out" "$W/ed.out" >>"$zone"
# a key whose record is revoked, a key never published, a third key type mix
"$HALLMARK" keygen -d "$D" -s gone -t ed25519 -o "$W/keys/gone.pem" \
    >/dev/null || fail "keygen gone"
echo "gone._domainkey IN TXT \"v=DKIM1; k=ed25519; p=\"" >>"$zone"
"$HALLMARK" keygen -d "$D" -s rsa1 -o "$W/keys/other.pem" >/dev/null ||
    fail "keygen other"
sum=$(sha256sum <"$W/keys/rsa.pem")
expect 2 "$HALLMARK" keygen -d "$D" -s rsa1 -o "$W/keys/rsa.pem"
grep -q 'not overwritten' "$W/out" || fail "no refusal message"
[ "$(sha256sum <"$W/keys/rsa.pem")" = "$sum" ] && ok "rsa.pem unchanged" ||
    fail "rsa.pem was overwritten"
expect 2 "$HALLMARK" keygen -d "$D" -s x -t rsa --bits 512 -o "$W/keys/x.pem"
[ ! -e "$W/keys/x.pem" ] || fail "512-bit key written"
expect 2 "$HALLMARK" keygen -d "$D" -s x -t dsa
expect 2 "$HALLMARK" keygen -d "bad domain" -s x
expect 2 "$HALLMARK" keygen -s x
expect 2 "$HALLMARK" testkey -d "$D" -s rsa1
if "$(nsd_bin nsd-checkzone)" "$D" "$zone" >"$W/out" 2>&1; then
	ok "nsd-checkzone accepts the keygen output"
else
	fail "nsd-checkzone"; cat "$W/out"; cat "$zone"
fi

# ---- 2. hallmark testkey through NSD ----------------------------------
nsd_start "$W/zones" || { echo "NSD did not start"; exit 1; }
conf=$W/hallmark.conf
printf 'dns = { forwarders = ["127.0.0.1@%s"]; query_timeout_ms = 2000; };\n' \
    "$NSD_PORT" >"$conf"
expect 0 "$HALLMARK" testkey -d "$D" -s rsa1 -k "$W/keys/rsa.pem" -c "$conf"
grep -q 'key OK' "$W/out" || fail "no 'key OK'"
expect 0 "$HALLMARK" testkey --domain "$D" --selector ed1 --key "$ED" \
    --config "$conf"
expect 1 "$HALLMARK" testkey -d "$D" -s rsa1 -k "$W/keys/other.pem" -c "$conf"
grep -q 'not the one of this private key' "$W/out" || fail "mismatch reason"
expect 1 "$HALLMARK" testkey -d "$D" -s ed1 -k "$W/keys/rsa.pem" -c "$conf"
grep -q 'k=ed25519, but the private key is RSA' "$W/out" || fail "type reason"
expect 1 "$HALLMARK" testkey -d "$D" -s gone -k "$W/keys/gone.pem" -c "$conf"
grep -q 'revoked' "$W/out" || fail "revoked reason"
expect 1 "$HALLMARK" testkey -d "$D" -s nosuch -k "$ED" -c "$conf"
grep -q 'no key published' "$W/out" || fail "not-found reason"
cp "$ED" "$W/keys/open.pem" && chmod 644 "$W/keys/open.pem"
expect 0 "$HALLMARK" testkey -d "$D" -s ed1 -k "$W/keys/open.pem" -c "$conf"
grep -q 'warning: .*open.pem has mode 0644' "$W/out" && ok "mode warning" ||
    fail "no warning for a mode-0644 key"
# a forwarder that does not answer: a temporary failure
dead=$(nsd_free_port)
printf 'dns = { forwarders = ["127.0.0.1@%s"]; query_timeout_ms = 300; };\n' \
    "$dead" >"$W/dead.conf"
expect 3 "$HALLMARK" testkey -d "$D" -s rsa1 -k "$W/keys/rsa.pem" \
    -c "$W/dead.conf"

# ---- 3. opendkim-testkey against the same NSD --------------------------
printf 'server:\n\tdo-not-query-localhost: no\nforward-zone:\n\tname: "."\n\tforward-addr: 127.0.0.1@%s\n' \
    "$NSD_PORT" >"$W/unbound.conf"
echo "ResolverConfiguration $W/unbound.conf" >"$W/opendkim.conf"
OT="opendkim-testkey -x $W/opendkim.conf -vvv -d $D"
expect 0 $OT -s rsa1 -k "$W/keys/rsa.pem"
grep -q 'key OK' "$W/out" || fail "opendkim-testkey did not say key OK (rsa)"
# libopendkim 2.11's dkim_test_key() reads every private key as RSA
# (EVP_PKEY_get1_RSA: "expecting an rsa key"), so it cannot compare an
# Ed25519 pair; without -k it still fetches and parses the ed25519 record
# (and opendkim-testmsg verifies an ed25519 signature with it in step 4)
$OT -s ed1 -k "$ED" >"$W/out" 2>&1
if grep -q 'key OK' "$W/out"; then ok "opendkim-testkey: ed25519 key OK"
elif grep -q 'expecting an rsa key' "$W/out"; then
	echo "note opendkim-testkey cannot compare Ed25519 private keys"
else fail "opendkim-testkey ed25519"; cat "$W/out"; fi
expect 0 $OT -s ed1
grep -q 'key OK' "$W/out" || fail "opendkim-testkey: ed25519 record not OK"
expect 69 $OT -s gone	# revoked: EX_UNAVAILABLE
expect 65 $OT -s rsa1 -k "$W/keys/other.pem"	# EX_DATAERR
grep -q 'keys do not match' "$W/out" ||
    { fail "opendkim-testkey: no mismatch message"; cat "$W/out"; }
nsd_stop

# ---- 4. signed messages verified by dkimverify -------------------------
msg=$top_srcdir/tests/dkim/msgs/01-plain.eml
"$HM_SIGN" -k "$W/keys/rsa.pem" -d "$D" -s rsa1 "$msg" >"$W/signed/rsa.eml" &&
"$HM_SIGN" -k "$ED" -d "$D" -s ed1 "$msg" >"$W/signed/ed.eml" &&
"$HM_SIGN" -k "$W/keys/other.pem" -d "$D" -s rsa1 "$msg" \
    >"$W/signed/mismatch.eml" || fail "hm-sign"
unshare -rmn "$0" --inner "$W" >"$W/verify.out" 2>&1 ||
    { fail "namespace run"; cat "$W/verify.out"; }
for v in dkimverify opendkim-testmsg; do
	for r in "rsa.eml pass" "ed.eml pass" "mismatch.eml fail"; do
		grep -qx "$v $r" "$W/verify.out" && ok "$v $r" ||
		    { fail "want: $v $r"; cat "$W/verify.out"; }
	done
done

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
