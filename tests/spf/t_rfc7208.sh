#!/bin/sh
# t_rfc7208.sh - run the RFC 7208 test suite (tests/spf/rfc7208-tests.yml,
# an unmodified copy of the suite written by the SPF authors) through
# hallmark's SPF evaluator and print "N passed, N failed".
# Fails unless every one of the suite's cases passes.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
yml="$top_srcdir/tests/spf/rfc7208-tests.yml"
shared="$top_srcdir/../shared/spf/rfc7208-tests.yml"

# the copy must be the suite as published (when the shared copy is here)
if [ -r "$shared" ] && ! cmp -s "$yml" "$shared"; then
	echo "tests/spf/rfc7208-tests.yml differs from $shared" >&2
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hm-rfc7208.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$top_srcdir/tests/spf/rfc7208-convert.py" "$yml" \
    > "$tmp/suite.txt" || exit 1
cases=$(grep -c '^test ' "$tmp/suite.txt")
out=$("$top_builddir/tests/spf/spf-suite" "$tmp/suite.txt")
rc=$?
echo "$out"
echo "($cases cases in the suite)"
last=$(echo "$out" | tail -n 1)
[ "$rc" -eq 0 ] && [ "$last" = "$cases passed, 0 failed" ]
