#!/bin/sh
# compare.sh - the RFC 7208 suite through hallmark's evaluator and through
# libspf2 (make spf-compare): the figures quoted in the README.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hm-spfcmp.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$top_srcdir/tests/spf/rfc7208-convert.py" \
    "$top_srcdir/tests/spf/rfc7208-tests.yml" > "$tmp/suite.txt" || exit 1
echo "cases in the suite: $(grep -c '^test ' "$tmp/suite.txt")"
printf 'hallmark (spf_eval.c): '
"$top_builddir/tests/spf/spf-suite" "$tmp/suite.txt" | tail -n 1
"$top_builddir/tests/spf/spf-suite-libspf2" "$tmp/suite.txt" 2>/dev/null
