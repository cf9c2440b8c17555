#!/bin/bash
# tests/dkim/verify-interop.sh - hallmark's DKIM signatures checked by three
# other implementations: python3-dkim (dkimverify), Mail::DKIM (Perl) and
# libopendkim (opendkim-testmsg).  With --inner DIR (what t_dkim_sign.sh
# uses, inside its own unshare -rmn) it verifies DIR/signed/*.eml, one
# signature each, with keys from DIR/zones, and writes the failure count
# to DIR/fails.
#
# Signs every tests/dkim/msgs/*.eml with tests/tools/hm-sign using an
# rsa-2048 and an ed25519 key and each canonicalisation, publishes the keys
# in a zone served by a real NSD, and runs the three verifiers.  They use
# the system resolver, so they run in a private network and mount namespace
# (unshare) where NSD answers on 127.0.0.1:53 and /etc/resolv.conf points
# there; nothing outside the namespace is touched.
#
# Exit 0 when every verifier passes every signature, 77 (skip) when a tool
# or namespaces are missing (with CI=true that is a failure), 1 otherwise.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
HM_SIGN=${HM_SIGN:-$top_builddir/tests/tools/hm-sign}
HALLMARK=${HALLMARK:-$top_builddir/hallmark}
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/nsd.sh"

if [ "${1:-}" = "--inner" ]; then
	# inside the namespace: $2 = work directory
	W=$2
	nsd_start_resolver "$W" "$W/zones" || exit 1
	fails=0
	ed_perl=no
	perl -MMail::DKIM::Algorithm::ed25519_sha256 -e 1 2>/dev/null && ed_perl=yes
	# one process per verifier for all messages (interpreter start-up
	# dominates otherwise): "name result" lines; python3-dkim verifies
	# exactly as its dkimverify command (DKIM(message).verify(0))
	/usr/bin/python3 - "$W"/signed/*.eml >"$W/r-py" 2>&1 <<'PY'
import os, sys, dkim
for f in sys.argv[1:]:
    try:
        ok = dkim.DKIM(open(f, "rb").read()).verify(0)
        r = "pass" if ok else "FAIL(signature verification failed)"
    except Exception as e:
        r = "FAIL(%s)" % str(e).replace(" ", "_")
    print(os.path.basename(f), r)
PY
	perl -MMail::DKIM::Verifier -e '
		for my $f (@ARGV) {
			my $d = Mail::DKIM::Verifier->new;
			open(my $fh, "<", $f) or die "$f: $!";
			# SMTP ends every message with CRLF: supply a missing one
			while (<$fh>) { s/\r?\n?\z/\r\n/; $d->PRINT($_); }
			$d->CLOSE;
			(my $b = $f) =~ s{.*/}{};
			my $r = $d->result eq "pass" ? "pass" : "FAIL(" . $d->result_detail . ")";
			$r =~ s/ /_/g;
			print "$b $r\n";
		}' "$W"/signed/*.eml >"$W/r-perl" 2>&1
	declare -A py pl
	while read -r b r; do py[$b]=$r; done <"$W/r-py"
	while read -r b r; do pl[$b]=$r; done <"$W/r-perl"
	for m in "$W"/signed/*.eml; do
		b=$(basename "$m")
		r1=${py[$b]:-FAIL(no result)}
		r2=${pl[$b]:-FAIL(no result)}
		if [ "$r2" != pass ] && [ "$ed_perl" = no ] && [ "${b#*-ed25519-}" != "$b" ]; then
			r2=n/a	# this Mail::DKIM has no ed25519-sha256
		fi
		if out=$(opendkim-testmsg <"$m" 2>&1) && [ -z "$out" ]; then
			r3=pass
		else
			r3="FAIL($out)"
		fi
		printf '%-40s dkimverify=%s mail-dkim=%s opendkim=%s\n' \
		    "$b" "$r1" "$r2" "$r3"
		case "$r1$r2$r3" in passpasspass|passn/apass) ;;
		*) fails=$((fails + 1)) ;; esac
	done
	nsd_stop
	echo "$fails" >"$W/fails"
	exit 0
fi

for t in /usr/bin/dkimverify opendkim-testmsg perl unshare; do
	command -v "$t" >/dev/null 2>&1 || missing "$t"
done
perl -MMail::DKIM::Verifier -e 1 2>/dev/null || missing "Mail::DKIM (libmail-dkim-perl)"
nsd_available || missing "nsd or dig"
unshare -rmn true 2>/dev/null || skip_test "no user namespaces (unshare -rmn)"
[ -x "$HM_SIGN" ] || { echo "no $HM_SIGN (make check builds it)"; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/hm-interop.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/zones" "$W/signed" "$W/keys"
umask 077

# keys: hallmark keygen when built (it prints the TXT record), else openssl
zone=$W/zones/example.com.zone
zone_head >"$zone"
for kt in rsa ed25519; do
	key=$W/keys/$kt.pem
	if [ -x "$HALLMARK" ]; then
		"$HALLMARK" keygen --domain example.com --selector "sel-$kt" \
		    --type "$kt" --out "$key" >"$W/keys/$kt.txt" || exit 1
		# the printed record: "sel._domainkey.example.com. IN TXT (...)"
		cat "$W/keys/$kt.txt" >>"$zone"
	else
		if [ $kt = rsa ]; then
			openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
			    -out "$key" 2>/dev/null || exit 1
		else
			openssl genpkey -algorithm ED25519 -out "$key" 2>/dev/null || exit 1
		fi
		zone_txt "sel-$kt._domainkey" "$(dkim_txt "$key")" >>"$zone"
	fi
done

n=0
for m in "$top_srcdir"/tests/dkim/msgs/*.eml; do
	for kt in rsa ed25519; do
		for c in relaxed/relaxed simple/simple relaxed/simple simple/relaxed; do
			out=$W/signed/$(basename "$m" .eml)-$kt-${c%/*}-${c#*/}.eml
			"$HM_SIGN" -k "$W/keys/$kt.pem" -d example.com -s "sel-$kt" \
			    -c "$c" "$m" >"$out" || exit 1
			n=$((n + 1))
		done
	done
done

unshare -rmn "$0" --inner "$W" || { echo "namespace run failed"; exit 1; }
fails=$(cat "$W/fails" 2>/dev/null || echo 1)
echo "$n signed messages, $fails with a failed verification"
[ "$fails" -eq 0 ]
