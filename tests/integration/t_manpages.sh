#!/bin/bash
# tests/integration/t_manpages.sh - the man pages made by make (man/*.8,
# *.1, *.5 in the build tree) are clean mdoc and agree with the code:
#   - `mandoc -T lint -W warning` says nothing about hallmarkd(8),
#     hallmark(1) and hallmark.conf(5) (style notes are not reported), and
#     no @placeholder@ is left unsubstituted;
#   - hallmark.conf(5) describes every option `hallmarkd -n -v` prints (the
#     option tables), and nothing else: each is an ".It Cm PATH Pq Vt TYPE"
#     entry of the OPTIONS section with the tables' type (a custom option
#     may name its own), "Default: ..." equal to the tables' default,
#     "Range: MIN to MAX." for an int, "Values: a, b." for an enum, and a
#     "Reload:" line; each group is a ".Ss GROUP"; the options listed as
#     read at start only are those whose entry says "Reload: not applied";
#   - the examples of hallmark.conf(5) pass `hallmarkd -n` (its keygen
#     commands make the keys they use);
#   - every option of `hallmarkd --help` and `hallmark --help` ("-x,
#     --long") is an item of its page (".It Fl x ..., Fl -long").
# The checks are fed doctored copies to show they catch each fault.
# Exit 0 pass, 1 fail, 77 skip (no mandoc; a failure under CI=true).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
HM=$top_builddir/hallmarkd
TOOL=$top_builddir/hallmark
MAN=$top_builddir/man
fails=0
. "$top_srcdir/tests/lib/common.sh"	# ok, fail, missing, work_dir
command -v mandoc > /dev/null || missing "mandoc (Debian package mandoc)"
work_dir manpages

for p in hallmarkd.8 hallmark.1 hallmark.conf.5; do
	[ -s "$MAN/$p" ] || { fail "$MAN/$p was not made"; continue; }
done
[ "$fails" -eq 0 ] || exit 1

# lint PAGE - mandoc's messages at level warning and above; false if any
lint() {
	local out rc
	out=$(mandoc -T lint -W warning "$1" 2>&1)
	rc=$?
	[ -n "$out" ] && printf '%s\n' "$out"
	[ "$rc" -eq 0 ] && [ -z "$out" ]
}

for p in hallmarkd.8 hallmark.1 hallmark.conf.5; do
	if out=$(lint "$MAN/$p"); then
		ok "$p: mandoc -T lint -W warning is clean"
	else
		fail "$p: mandoc -T lint -W warning: $out"
	fi
	grep -n '@[a-z]*@' "$MAN/$p" > "$WORK/subst" &&
	    fail "$p: placeholders left: $(cat "$WORK/subst")" ||
	    ok "$p: paths substituted"
done
# the lint is not blind: a tag list without -width is a warning
sed '0,/^\.Bl -tag -width Ds$/s//.Bl -tag/' "$MAN/hallmark.1" > "$WORK/bad.1"
lint "$WORK/bad.1" > /dev/null && fail "a lint warning is not caught" ||
    ok "a lint warning is caught"

"$HM" -n -v > "$WORK/opts" 2> "$WORK/err" ||
    { fail "hallmarkd -n -v failed: $(cat "$WORK/err")"; exit 1; }

# conf_compare OPTS PAGE - one line per disagreement between the option
# tables (hallmarkd -n -v) and hallmark.conf(5)
conf_compare() {
	awk -F '\t' '
	FNR == NR {
		if ($0 ~ /^#/ || NF < 5)
			next
		if ($2 == "group") {
			group[$1] = 1
			next
		}
		opt[$1] = 1; order[++nopt] = $1
		type[$1] = $2; def[$1] = $3; bounds[$1] = $4
		next
	}
	/^\.Sh / { inopts = ($0 == ".Sh OPTIONS"); field = ""; next }
	!inopts { next }
	/^\.Ss / {
		split(substr($0, 5), w, " ")
		if (w[1] != "Top-level")
			ss[w[1]] = 1
		field = ""
		next
	}
	/^\.It Cm / {
		cur = $0
		sub(/^\.It Cm /, "", cur)
		t = cur
		sub(/ .*/, "", cur)
		if (t !~ / Pq Vt /)
			print cur ": no \"Pq Vt TYPE\" on its .It line"
		sub(/^[^ ]* Pq Vt /, "", t)
		if (cur in seen)
			print cur ": described twice"
		seen[cur] = 1; mtype[cur] = t
		field = ""
		next
	}
	/^\.It / { cur = ""; field = ""; next }
	cur == "" { next }
	field == "" && /^(Default|Range|Values|Reload): / {
		field = $0
		sub(/:.*/, "", field)
		val = $0
		sub(/^[A-Za-z]*: /, "", val)
	}
	field != "" && !/^(Default|Range|Values|Reload): / { val = val " " $0 }
	field != "" && /\.$/ {
		sub(/\.$/, "", val)
		if (field in got && got[field] == cur)
			print cur ": " field " given twice"
		got[field] = cur
		text[cur, field] = val
		has[cur, field] = 1
		field = ""
	}
	function squeeze(s) {
		gsub(/[ \t"\[\]]/, "", s)
		return s
	}
	END {
		for (k = 1; k <= nopt; k++) {
			p = order[k]
			if (!(p in seen)) {
				print "hallmark.conf(5) lacks " p
				continue
			}
			if (type[p] != "custom" && mtype[p] != type[p])
				print p ": type " type[p] " in the tables, " \
				    mtype[p] " in hallmark.conf(5)"
			if (!has[p, "Default"])
				print p ": no Default: line"
			else if (def[p] != "-" && \
			    squeeze(text[p, "Default"]) != squeeze(def[p]))
				print p ": default " def[p] " in the tables, " \
				    text[p, "Default"] " in hallmark.conf(5)"
			if (!has[p, "Reload"])
				print p ": no Reload: line"
			if (type[p] == "int") {
				r = text[p, "Range"]
				sub(/ to /, "..", r)
				if (r != bounds[p])
					print p ": bounds " bounds[p] \
					    " in the tables, Range: " \
					    text[p, "Range"] " in hallmark.conf(5)"
			}
			if (type[p] == "enum") {
				v = text[p, "Values"]
				gsub(/, /, "|", v)
				if (v != bounds[p])
					print p ": values " bounds[p] \
					    " in the tables, Values: " \
					    text[p, "Values"] " in hallmark.conf(5)"
			}
		}
		for (p in seen)
			if (!(p in opt))
				print "hallmark.conf(5) describes " p \
				    ", not an option of the tables"
		for (g in group)
			if (!(g in ss))
				print "hallmark.conf(5) has no .Ss " g
		for (g in ss)
			if (!(g in group))
				print "hallmark.conf(5) .Ss " g " is not a group"
	}' "$1" "$2" | sort
}

# start_only PAGE - the options the "Reload" subsection lists as read at
# start only (between "all do except" and "which are read at start only"), and those whose entry says "Reload: not applied", as two
# sorted lines
start_only() {
	awk '/all do except$/ { r = 1; next }
	    r && /^which are read at start only/ { r = 0 }
	    r && /^\.Cm / { split($0, w, " "); listed = listed " " w[2] }
	    /^\.It Cm / { split($0, w, " "); cur = w[3] }
	    /^Reload: not applied/ { entry = entry " " cur }
	    END { print listed; print entry }' "$1" |
	while read -r line; do
		printf '%s\n' $line | sort | tr '\n' ' '
		echo
	done
}

n=$(awk -F '\t' '!/^#/ && NF == 5 && $2 != "group"' "$WORK/opts" | wc -l)
out=$(conf_compare "$WORK/opts" "$MAN/hallmark.conf.5")
if [ -z "$out" ]; then
	ok "hallmark.conf(5) describes the $n options of the tables: types, defaults, bounds"
else
	fail "hallmark.conf(5) and the option tables disagree:"
	printf '%s\n' "$out"
fi
so=$(start_only "$MAN/hallmark.conf.5")
if [ "$(sed -n 1p <<< "$so")" = "$(sed -n 2p <<< "$so")" ] &&
    grep -q milter_timeout <<< "$so"; then
	ok "read at start only, in both places: $(sed -n 1p <<< "$so")"
else
	fail "the Reload list and the entries disagree: $so"
fi

# the comparison is not blind
expect() {	# expect FILE PATTERN WHAT
	conf_compare "$WORK/opts" "$1" | grep -q -- "$2" &&
	    ok "$3 is caught" || fail "$3 is not caught"
}
C5=$MAN/hallmark.conf.5
awk '/^\.It Cm dns\.tcp_only / { skip = 1; next }
    skip && /^\.(It|El)/ { skip = 0 } !skip' "$C5" > "$WORK/missing.5"
expect "$WORK/missing.5" "lacks dns.tcp_only" "an option left out"
sed 's/^\.It Cm dns\.tcp_only /.It Cm dns.udp_only /' "$C5" > "$WORK/unknown.5"
expect "$WORK/unknown.5" "describes dns.udp_only, not an option" "an unknown option"
sed '/^\.It Cm dns\.query_timeout_ms /,/^Reload/s/^Default: 5000\./Default: 3000./' \
    "$C5" > "$WORK/default.5"
expect "$WORK/default.5" "dns.query_timeout_ms: default 5000" "a wrong default"
sed '/^\.It Cm dns\.query_timeout_ms /,/^Reload/s/^Range: 50 to 60000\./Range: 1 to 60000./' \
    "$C5" > "$WORK/range.5"
expect "$WORK/range.5" "dns.query_timeout_ms: bounds 50..60000" "a wrong range"
sed '/^\.It Cm log\.level /,/^Reload/s/^Values: .*/Values: error, info./' \
    "$C5" > "$WORK/values.5"
expect "$WORK/values.5" "log.level: values" "a wrong list of values"
sed 's/^\.It Cm dns\.tcp_only Pq Vt bool/.It Cm dns.tcp_only Pq Vt int/' \
    "$C5" > "$WORK/type.5"
expect "$WORK/type.5" "dns.tcp_only: type bool" "a wrong type"
sed 's/^\.Ss dkim_verify$/.Ss dkim_check/' "$C5" > "$WORK/group.5"
expect "$WORK/group.5" "no .Ss dkim_verify" "a group left out"
sed '/^\.It Cm socket_mode /,/^Reload/s/^Reload: not applied.*/Reload: applied./' \
    "$C5" > "$WORK/reload.5"
so=$(start_only "$WORK/reload.5")
[ "$(sed -n 1p <<< "$so")" != "$(sed -n 2p <<< "$so")" ] &&
    ok "a Reload line against the list is caught" ||
    fail "a Reload line against the list is not caught"

# the EXAMPLES of hallmark.conf(5) are configurations hallmarkd -n accepts:
# blocks 1, 2 and 4 are hallmark.conf files, 3 the keygen commands, 5 and 6
# the OpenDKIM KeyTable and SigningTable.  The user, the socket directory,
# the group and /etc/opendkim are replaced by what exists here; the keys
# are made by the commands of block 3.
awk -v dir="$WORK/ex" '/^\.Sh EXAMPLES/ { e = 1 }
    e && /^\.Sh / && !/EXAMPLES/ { e = 0 }
    e && /^\.Bd -literal/ { n++; f = 1; next }
    e && /^\.Ed/ { f = 0 }
    f { gsub(/\\e/, "\\"); print > (dir n) }' "$C5"
mkdir -p "$WORK/keys" "$WORK/od/keys"
sed -e "s|^hallmark keygen|'$TOOL' keygen|; s|[^ ]*/hallmark/keys|$WORK/keys|g" \
    -e '/^chown/d' "$WORK/ex3" > "$WORK/keygen.sh"
if grep -q "keygen -d example.org -s s2026" "$WORK/keygen.sh" &&
    bash -e "$WORK/keygen.sh" > "$WORK/keygen.out" 2>&1; then
	ok "the keygen example makes its keys"
else
	fail "the keygen example fails: $(cat "$WORK/keygen.out" "$WORK/keygen.sh")"
fi
for k in cust.rsa:rsa cust.ed:ed25519; do
	"$TOOL" keygen -d customer.example -s x -t "${k#*:}" \
	    -o "$WORK/od/keys/${k%%:*}" > /dev/null
done
sed "s|/etc/opendkim|$WORK/od|g" "$WORK/ex5" > "$WORK/od/KeyTable"
cp "$WORK/ex6" "$WORK/od/SigningTable"
for i in 1 2 4; do
	sed -e 's/^user = "hallmark";/user = "root";/' \
	    -e "s|/var/spool/postfix/hallmark/|$WORK/|" \
	    -e "s|\"postfix\"|\"$(id -gn 0)\"|" \
	    -e "s|/etc/opendkim|$WORK/od|g" "$WORK/ex$i" > "$WORK/ex$i.conf"
	if "$HM" -n -c "$WORK/ex$i.conf" > "$WORK/n.out" 2>&1; then
		ok "example $i: hallmarkd -n accepts it"
	else
		fail "example $i: $(cat "$WORK/n.out")"
	fi
done

# cmdline_compare HELP PAGE - every "-x, --long" of the help text is an
# .It item of the page naming both; prints what is missing
cmdline_compare() {
	grep -oE '^ +-[A-Za-z], --[a-z-]+' "$1" | while read -r s l; do
		s=${s%,}
		grep -qE "^\.It Fl ${s#-}( .*)?, Fl -${l#--}( |$)" "$2" ||
		    echo "$s, $l"
	done
}
"$HM" --help > "$WORK/hd.help"
"$TOOL" --help > "$WORK/h.help"
for pair in "hd.help hallmarkd.8" "h.help hallmark.1"; do
	set -- $pair
	k=$(grep -cE '^ +-[A-Za-z], --' "$WORK/$1")
	out=$(cmdline_compare "$WORK/$1" "$MAN/$2")
	if [ "$k" -ge 6 ] && [ -z "$out" ]; then
		ok "$2: the $k options of --help"
	else
		fail "$2 lacks options of --help ($k found): $out"
	fi
done
sed 's/^\.It Fl n , Fl -check$/.It Fl n/' "$MAN/hallmarkd.8" > "$WORK/nocheck.8"
cmdline_compare "$WORK/hd.help" "$WORK/nocheck.8" | grep -q -- '-n, --check' &&
    ok "an option left out of hallmarkd(8) is caught" ||
    fail "an option left out of hallmarkd(8) is not caught"

[ "$fails" -eq 0 ]
