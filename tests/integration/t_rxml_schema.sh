#!/bin/bash
# tests/integration/t_rxml_schema.sh - every DMARC aggregate report the
# builder (milter/report/rxml*.c) writes is valid against its schema,
# checked by xmllint --schema (libxml2-utils):
#   - the RFC 9990 form against the working group's final schema,
#     tests/data/rfc9990-aggregate-report.xsd, an unmodified copy of
#     ../shared/dmarc/rfc9990-aggregate-report.xsd (tests/data/
#     rfc9990-aggregate-report.NOTICE), so that the test runs from any
#     clone or tarball.  When the shared/ directory is found (beside the
#     source tree, beside the repository of which the tree is a worktree
#     or a clone, or in $HM_SHARED_DIR), the copies (schema and example
#     report) must be byte for byte the same as its files, or the test
#     FAILS;
#   - the RFC 7489 form against tests/data/rfc7489-aggregate-report.xsd,
#     RFC 7489 Appendix C made to compile: its targetNamespace removed
#     (with a target namespace and no default namespace the schema's own
#     type references resolve to no namespace and xmllint refuses it;
#     RFC 7489 reports carry no namespace) and the IPAddress pattern,
#     wrapped over three lines by the RFC's layout, joined (see the
#     file's header);
#   - the reports: tests/tools/hm-rxml writes cases with IPv4, IPv6 (also
#     IPv4-mapped and an unparsable address), an empty envelope_from,
#     100 DKIM results, reasons and metadata of hostile text (markup,
#     entities, controls, CR, invalid UTF-8), sp/np/t=y/psl policies, and
#     600 rows split into parts under a 4 KiB gzip cap, in both forms.
# Sanity checks first: the shared example report validates against the
# RFC 9990 schema, and the validation is shown to refuse reports of the
# wrong form and a doctored one (element order), so it cannot pass
# vacuously.  Then content: 100 dkim elements, the empty envelope_from,
# the root's namespace, and Σcount over the parts of the split report =
# Σcount of its rows.  Last, the parts' gzip files (named by
# rxml_filename): gzip(1), not zlib, reads them as the parts; the header
# has no time and no name; a second run writes every file byte for byte
# the same.
# Exit 0 pass, 1 fail, 77 skip (no xmllint; a failure under CI=true).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
fails=0
. "$top_srcdir/tests/lib/common.sh" # ok, fail, missing, work_dir
command -v xmllint >/dev/null || missing "xmllint (Debian package libxml2-utils)"
GEN=$top_builddir/tests/tools/hm-rxml
[ -x "$GEN" ] || { fail "$GEN is not built"; exit 1; }
XSD7489=$top_srcdir/tests/data/rfc7489-aggregate-report.xsd
work_dir rxml

# shared_dir - the shared/ directory beside the source tree: directly,
# or beside the repository of which the tree is a worktree or a clone
# (also a clone of a worktree: beside the repository of that worktree)
shared_dir() {
	local c common origin ocommon
	common=$(git -C "$top_srcdir" rev-parse --path-format=absolute \
	    --git-common-dir 2>/dev/null) || common=
	origin=$(git -C "$top_srcdir" config remote.origin.url 2>/dev/null) ||
	    origin=
	ocommon=
	[ -n "$origin" ] && [ -d "$origin" ] &&
	    ocommon=$(git -C "$origin" rev-parse --path-format=absolute \
	    --git-common-dir 2>/dev/null)
	for c in "${HM_SHARED_DIR:-}" "$top_srcdir/../shared" \
	    "${common:+$(dirname "$common")/../shared}" \
	    "${origin:+$origin/../shared}" \
	    "${ocommon:+$(dirname "$ocommon")/../shared}"; do
		[ -n "$c" ] && [ -r "$c/dmarc/rfc9990-aggregate-report.xsd" ] &&
		    { (cd "$c" && pwd); return 0; }
	done
	return 1
}
XSD9990=$top_srcdir/tests/data/rfc9990-aggregate-report.xsd
SAMPLE9990=$top_srcdir/tests/data/rfc9990-sample-report.xml
[ -r "$XSD9990" ] && [ -r "$SAMPLE9990" ] ||
    { fail "$XSD9990 or $SAMPLE9990 is missing"; exit 1; }
if SHARED=$(shared_dir); then
	for f in rfc9990-aggregate-report.xsd rfc9990-sample-report.xml; do
		cmp -s "$top_srcdir/tests/data/$f" "$SHARED/dmarc/$f" &&
		    ok "tests/data/$f is the same as $SHARED/dmarc/$f" ||
		    fail "tests/data/$f differs from $SHARED/dmarc/$f: the copy must be the working group's file as it is"
	done
else
	ok "RFC 9990 schema: $XSD9990 (no shared/ directory here to compare it with)"
fi

# valid XSD FILE - xmllint --schema accepts FILE (its messages kept)
valid() {
	xmllint --noout --nonet --schema "$1" "$2" >"$WORK/lint.out" 2>&1
}

# ---- sanity: the schemas compile, the example validates, bad input fails
check "the working group's example report validates against the RFC 9990 schema" \
    valid "$XSD9990" "$SAMPLE9990"

"$GEN" "$WORK" >"$WORK/files" 2>"$WORK/gen.err" || { fail "hm-rxml failed" "$WORK/gen.err"; exit 1; }
n9990=$(grep -c -- '-rfc9990' "$WORK/files")
n7489=$(grep -c -- '-rfc7489' "$WORK/files")
[ "$n9990" -ge 8 ] && [ "$n7489" -ge 8 ] &&
    ok "hm-rxml wrote $n9990 RFC 9990 and $n7489 RFC 7489 reports" ||
    fail "hm-rxml wrote too few reports ($n9990, $n7489)" "$WORK/files"

valid "$XSD9990" "$WORK/basic-rfc7489.xml" &&
    fail "an RFC 7489 report passes the RFC 9990 schema" ||
    ok "the RFC 9990 schema refuses an RFC 7489 report"
valid "$XSD7489" "$WORK/basic-rfc9990.xml" &&
    fail "an RFC 9990 report passes the RFC 7489 schema" ||
    ok "the RFC 7489 schema refuses an RFC 9990 report"
# policy_evaluated is a sequence: spf before dkim is invalid in both
for f in 9990 7489; do
	x=XSD$f
	sed -e 's|<dkim>pass</dkim>|<DKIM/>|; s|<spf>pass</spf>|<dkim>pass</dkim>|; s|<DKIM/>|<spf>pass</spf>|' \
	    "$WORK/basic-rfc$f.xml" >"$WORK/doctored-$f.xml"
	valid "${!x}" "$WORK/doctored-$f.xml" &&
	    fail "RFC $f: a report with spf before dkim passes" ||
	    ok "RFC $f: the schema refuses spf before dkim in policy_evaluated"
done

# ---- every report the builder wrote
while read -r file; do
	case $file in
	*.gz) continue ;;
	*-rfc9990*) xsd=$XSD9990 ;;
	*) xsd=$XSD7489 ;;
	esac
	if valid "$xsd" "$file"; then
		ok "$(basename "$file") validates"
	else
		fail "$(basename "$file") does not validate" "$WORK/lint.out"
		sed 's/^/    /' "$file" | head -80 >&2
	fi
done <"$WORK/files"

# ---- content
# xq FILE XPATH - the value of an XPath expression over FILE
xq() { xmllint --nonet --xpath "$2" "$1" 2>/dev/null; }
assert_eq 100 "$(xq "$WORK/dkim100-rfc9990.xml" "count(//*[local-name()='auth_results']/*[local-name()='dkim'])")" \
    "RFC 9990: 100 DKIM results written"
assert_eq 100 "$(xq "$WORK/dkim100-rfc7489.xml" "count(//auth_results/dkim)")" \
    "RFC 7489: 100 DKIM results written"
assert_eq urn:ietf:params:xml:ns:dmarc-2.0 "$(xq "$WORK/basic-rfc9990.xml" "namespace-uri(/*)")" \
    "RFC 9990: feedback in the dmarc-2.0 namespace"
assert_eq "" "$(xq "$WORK/basic-rfc7489.xml" "namespace-uri(/*)")" \
    "RFC 7489: feedback without a namespace"
assert_eq "1:0" "$(xq "$WORK/nullpath-rfc9990.xml" \
    "concat(count(//*[local-name()='envelope_from']), ':', string-length(//*[local-name()='envelope_from']))")" \
    "RFC 9990: a null reverse-path is an empty envelope_from"
for f in 9990 7489; do
	sum=0 parts=0
	for p in "$WORK"/split-rfc$f-part*.xml; do
		s=$(xq "$p" "sum(//*[local-name()='count'])")
		sum=$((sum + s)) parts=$((parts + 1))
	done
	[ "$parts" -ge 2 ] && ok "RFC $f: 600 rows in $parts parts" || fail "RFC $f: $parts parts"
	assert_eq 180300 "$sum" "RFC $f: the counts of all parts add up to the rows'"
done

# ---- the gzip files: gzip(1) reads them as the parts, their header has
# no time and no name, and a second run writes the same bytes
mkdir "$WORK/again"
"$GEN" "$WORK/again" >/dev/null 2>"$WORK/gen.err" || fail "hm-rxml failed again" "$WORK/gen.err"
for f in 9990 7489; do
	n=0 bad=0
	for gz in "$WORK"/rfc$f-receiver.example\!univ.example\!1764633600\!1764719999\!*.xml.gz; do
		[ -f "$gz" ] || continue
		n=$((n + 1))
		part=${gz%.xml.gz}
		part=${part##*!}
		gzip -dc "$gz" | cmp -s - "$WORK/split-rfc$f-part$part.xml" || bad=$((bad + 1))
		head=$(od -An -tx1 -N10 "$gz" | tr -d ' \n')
		[ "$head" = 1f8b08000000000002ff ] || bad=$((bad + 1))
	done
	[ "$n" -ge 2 ] && [ "$bad" -eq 0 ] &&
	    ok "RFC $f: the $n parts' gzip files are read by gzip(1) as the parts; no time, no name, OS 255" ||
	    fail "RFC $f: $n gzip files, $bad wrong"
done
same=0 differ=0
while read -r file; do
	if cmp -s "$file" "$WORK/again/$(basename "$file")"; then
		same=$((same + 1))
	else
		differ=$((differ + 1))
	fi
done <"$WORK/files"
[ "$differ" -eq 0 ] && ok "a second run wrote the same $same files byte for byte" ||
    fail "$differ of $((same + differ)) files differ between two runs"

[ "$fails" -eq 0 ]
