#!/bin/bash
# tests/tools/t_check_style.sh - tests/tools/check-style over hallmark's own
# milter/ tree passes (with tests/tools/style-allow), and the checker is not
# blind: on a scratch tree it rejects each kind of fault (a file without
# its contract comment or its licence line, a banned function, a function over 60 lines, a
# file over 800 lines, a lower layer including a higher one, a pure header
# including a module header or <libconfig.h>), accepts the same text once
# it is correct (banned names in comments and strings are not calls), and
# handles the allow-list (an entry silences exactly its fault; an entry
# without a reason is an error; an unused entry is reported as stale).
# Exit 0 pass, 1 fail.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
CHECK=$top_srcdir/tests/tools/check-style
fails=0
. "$top_srcdir/tests/lib/common.sh"	# ok, fail, work_dir
work_dir check-style

# the real tree
if out=$("$CHECK" "$top_srcdir" 2>&1); then
	ok "milter/ passes check-style"
else
	fail "milter/ fails check-style:"
	printf '%s\n' "$out"
fi

# scratch tree: ROOT/milter with one good file per layer
R=$WORK/root
mkdir -p "$R/milter/lib" "$R/milter/spf" "$R/milter/dkim"
good_c() {	# good_c PATH [BODY-LINES] - a correct .c file
	local name
	name=$(basename "$1")
	{
		printf '/*\n * %s - a test unit: owns nothing at all.\n *\n' "$name"
		printf ' * SPDX-License-Identifier: BSD-2-Clause\n */\n'
		printf '#include <string.h>\n\n'
		printf '/* f - copy, the safe way; strcpy(a, b) in a comment is fine */\n'
		printf 'int\nf(char *d, size_t n)\n{\n'
		printf '\tconst char *s = "strcpy(x, y) in a string is fine";\n'
		for _ in $(seq "${2:-3}"); do printf '\t(void)n;\n'; done
		printf '\treturn snprintf(d, n, "%%s", s);\n}\n'
	} > "$1"
}
good_c "$R/milter/lib/str.c"
SPDX='SPDX-License-Identifier: BSD-2-Clause'
printf '/* str.h - a test header: owns the string type. %s */\n' "$SPDX" \
    > "$R/milter/lib/str.h"
printf '/*\n * spf.h - a test module header: owns the check.\n * %s\n */\n#include "str.h"\n' \
    "$SPDX" > "$R/milter/spf/spf.h"
printf '/*\n * dkim_policy.h - a test pure header: owns a decision.\n * %s\n */\n#include "str.h"\n' \
    "$SPDX" > "$R/milter/dkim/dkim_policy.h"
: > "$WORK/empty"

# expect_fail WHAT PATTERN - check-style on R fails, saying PATTERN
expect_fail() {
	local out
	if out=$("$CHECK" -a "${ALLOW:-$WORK/empty}" "$R" 2>&1); then
		fail "$1: check-style passed"
	elif grep -q -- "$2" <<<"$out"; then
		ok "$1: $(grep -m1 -- "$2" <<<"$out")"
	else
		fail "$1: check-style failed without \"$2\": $out"
	fi
}
expect_pass() {
	local out
	if out=$("$CHECK" -a "${ALLOW:-$WORK/empty}" "$R" 2>&1); then
		ok "$1"
	else
		fail "$1: $out"
	fi
}

expect_pass "a correct scratch tree passes"

# no contract comment, then a comment naming another file
good_c "$R/milter/lib/bad.c"
sed -i '1,3d' "$R/milter/lib/bad.c"
expect_fail "no contract comment" "milter/lib/bad.c:1: contract:"
good_c "$R/milter/lib/bad.c"
sed -i 's/ \* bad\.c - / * other.c - /' "$R/milter/lib/bad.c"
expect_fail "contract comment naming another file" "bad.c:1: contract:"
good_c "$R/milter/lib/bad.c"
expect_pass "bad.c with its contract comment passes"

# the licence line: missing, or outside the opening comment
good_c "$R/milter/lib/bad.c"
sed -i '/SPDX-License-Identifier/d' "$R/milter/lib/bad.c"
expect_fail "no licence line" "bad.c:1: licence:"
printf '/* SPDX-License-Identifier: BSD-2-Clause */\n' >> "$R/milter/lib/bad.c"
expect_fail "licence line outside the opening comment" "bad.c:1: licence:"
good_c "$R/milter/lib/bad.c"

# banned functions, one per run
for fn in strcpy strcat strncpy sprintf vsprintf gets strtok atoi atol \
    strerror gmtime localtime; do
	good_c "$R/milter/lib/bad.c"
	sed -i "s/^\\treturn snprintf/\\t(void)$fn (d);\\n&/" "$R/milter/lib/bad.c"
	expect_fail "$fn" "bad.c:[0-9]*: banned: $fn()"
done
good_c "$R/milter/lib/bad.c"
sed -i 's/^\treturn snprintf/\t(void)my_strcpy(d); (void)s.atoi(d);\n&/' \
    "$R/milter/lib/bad.c"
expect_pass "my_strcpy() and s.atoi() are not banned calls"

# size budgets
good_c "$R/milter/lib/bad.c" 56		# 60 lines from { to }
expect_pass "a 60-line function passes"
good_c "$R/milter/lib/bad.c" 57
expect_fail "a 61-line function" "bad.c:[0-9]*: fn-size: f() is 61 lines"
good_c "$R/milter/lib/bad.c" 800
expect_fail "a file over 800 lines" "bad.c:814: file-size: 814 lines"
good_c "$R/milter/lib/bad.c"

# include direction and pure headers
printf '#include "spf.h"\n' >> "$R/milter/lib/bad.c"
expect_fail "lib includes spf" "bad.c:[0-9]*: include: layer 0 includes milter/spf/spf.h"
good_c "$R/milter/lib/bad.c"
printf '#include "spf.h"\n' >> "$R/milter/dkim/dkim_policy.h"
expect_fail "pure header includes a module header" \
    "dkim_policy.h:[0-9]*: pure: pure header includes spf.h"

# the allow-list: the entry silences that fault only
printf 'pure milter/dkim/dkim_policy.h:spf.h a reason\n' > "$WORK/allow"
ALLOW=$WORK/allow expect_pass "an allow-list entry with a reason"
printf '#include <libconfig.h>\n' >> "$R/milter/dkim/dkim_policy.h"
ALLOW=$WORK/allow expect_fail "pure header includes libconfig" \
    "pure: pure header includes <libconfig.h>"
printf 'pure milter/dkim/dkim_policy.h:spf.h\n' > "$WORK/allow"
ALLOW=$WORK/allow expect_fail "an allow-list entry without a reason" \
    "allow-list entry without a reason"
sed -i '$d' "$R/milter/dkim/dkim_policy.h"
sed -i '$d' "$R/milter/dkim/dkim_policy.h"
printf 'pure milter/dkim/dkim_policy.h:spf.h a reason\n' > "$WORK/allow"
if out=$("$CHECK" -a "$WORK/allow" "$R" 2>&1) &&
    grep -q "stale allow-list entry" <<<"$out"; then
	ok "an unused entry is reported as stale"
else
	fail "stale entry: $out"
fi

[ "$fails" -eq 0 ]
