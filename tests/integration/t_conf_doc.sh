#!/bin/bash
# tests/integration/t_conf_doc.sh - the option tables and conf/hallmark.conf
# agree, read from the outside: `hallmarkd -n -v` prints every option of
# the tables (path, type, default, bounds, doc), and for each one
# conf/hallmark.conf has a setting at that group path whose value is the
# default (lists compared element by element; options without a default
# may show an example); every option has a doc; every setting the file
# shows names an option of the tables.  Also: -v without -n is a usage
# error, and the checker catches a wrong default and an undocumented option
# (fed a doctored copy of the file).
# Exit 0 pass, 1 fail.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
HM=$top_builddir/hallmarkd
CONF=$top_srcdir/conf/hallmark.conf
fails=0
. "$top_srcdir/tests/lib/common.sh"	# ok, bad, work_dir
work_dir conf-doc

[ -x "$HM" ] || { fail "no $HM"; exit 1; }
if ! "$HM" -n -v -c "$CONF" > "$WORK/opts" 2> "$WORK/err"; then
	fail "hallmarkd -n -v -c conf/hallmark.conf failed: $(cat "$WORK/err")"
	exit 1
fi
n=$(awk -F '\t' '!/^#/ && NF == 5' "$WORK/opts" | wc -l)
grep -q 'configuration OK' "$WORK/opts" && ok "-n -v prints $n options and checks the file" ||
    fail "-n -v did not check the file"

# compare OPTS CONFFILE - print one line per disagreement
compare() {
	awk -F '\t' '
	FNR == NR {
		if ($0 ~ /^#/ || NF < 5)
			next
		nopt++
		path[nopt] = $1; type[nopt] = $2; def[nopt] = $3; doc[nopt] = $5
		leaf = $1
		sub(/.*\./, "", leaf)
		isleaf[leaf] = 1
		next
	}
	{ line[++nl] = $0 }
	# setting_at - the index of the first line at or after from that sets
	# name ("name =" after indentation and "#"), or 0
	function setting_at(name, from,   i, s) {
		for (i = from; i <= nl; i++) {
			s = line[i]
			sub(/^[ \t#]*/, "", s)
			if (index(s, name " =") == 1)
				return i
		}
		return 0
	}
	# value - the value written on line i, quotes and brackets removed,
	# list elements joined with ","
	function value(i,   s, t) {
		s = line[i]
		sub(/^[^=]*=[ \t]*/, "", s)
		while (s !~ /;/ && i < nl) {	# a list over several lines
			t = line[++i]
			sub(/^[ \t#]*/, "", t)
			s = s " " t
		}
		sub(/;.*/, "", s)
		sub(/[ \t]+$/, "", s)
		if (s ~ /^\[/) {
			gsub(/[\[\]" \t]/, "", s)
			return s
		}
		gsub(/^"|"$/, "", s)
		return s
	}
	END {
		for (k = 1; k <= nopt; k++) {
			if (doc[k] == "")
				print path[k] ": no doc in the option table"
			n = split(path[k], comp, ".")
			at = 1
			for (c = 1; c <= n && at; c++)
				at = setting_at(comp[c], at)
			if (!at) {
				print "conf/hallmark.conf lacks " path[k]
				continue
			}
			if (type[k] == "group" || def[k] == "-")
				continue
			if (value(at) != def[k])
				print path[k] ": default " def[k] " in the table, " \
				    value(at) " in conf/hallmark.conf (line " at ")"
		}
		for (i = 1; i <= nl; i++) {
			s = line[i]
			if (inlist) {		# inside the ( ... ) of a custom option
				if (s ~ /^#?[ \t]*\);/)
					inlist = 0
				continue
			}
			if (s !~ /^#?[ \t]*[a-z_0-9]+ = /)
				continue
			if (s ~ /= \($/)
				inlist = 1
			sub(/^#?[ \t]*/, "", s)
			sub(/ = .*/, "", s)
			if (!(s in isleaf))
				print "conf/hallmark.conf line " i ": " s \
				    " is not an option of the tables"
		}
	}' "$1" "$2"
}

out=$(compare "$WORK/opts" "$CONF")
if [ -z "$out" ]; then
	ok "conf/hallmark.conf shows all $n options with the tables' defaults"
else
	fail "conf/hallmark.conf and the option tables disagree:"
	printf '%s\n' "$out"
fi

# the check is not blind: a wrong default, a missing option, an unknown one
sed 's/^# max_header_bytes = 1048576;/# max_header_bytes = 1048577;/' "$CONF" \
    > "$WORK/wrong.conf"
compare "$WORK/opts" "$WORK/wrong.conf" | grep -q "max_header_bytes: default 1048576" &&
    ok "a wrong default is caught" || fail "a wrong default is not caught"
grep -v 'tcp_only = ' "$CONF" > "$WORK/missing.conf"
compare "$WORK/opts" "$WORK/missing.conf" | grep -q "lacks dns.tcp_only" &&
    ok "a missing option is caught" || fail "a missing option is not caught"
printf '# no_such_option = 1;\n' | cat "$CONF" - > "$WORK/unknown.conf"
compare "$WORK/opts" "$WORK/unknown.conf" | grep -q "no_such_option is not an option" &&
    ok "an unknown option is caught" || fail "an unknown option is not caught"

# every line has five fields; ints have bounds, enums their names
awk -F '\t' '!/^#/ && NF == 5 && $2 == "int" && $4 !~ /^-?[0-9]+\.\.[0-9]+$/ { print }
    !/^#/ && NF == 5 && $2 == "enum" && $4 !~ /\|/ { print }
    !/^#/ && !/configuration OK/ && NF != 5 { print }' "$WORK/opts" > "$WORK/badlines"
[ -s "$WORK/badlines" ] && fail "malformed lines: $(cat "$WORK/badlines")" ||
    ok "every line: path, type, default, bounds, doc"
grep -q "^dns.query_timeout_ms	int	5000	50..60000	" "$WORK/opts" &&
    ok "dns.query_timeout_ms int 5000 50..60000" || fail "dns.query_timeout_ms line"

"$HM" -v > /dev/null 2>&1
[ $? -eq 2 ] && ok "-v without -n: usage error" || fail "-v without -n accepted"

[ "$fails" -eq 0 ]
