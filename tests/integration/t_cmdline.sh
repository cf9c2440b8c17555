#!/bin/bash
# tests/integration/t_cmdline.sh - the command lines of hallmarkd and
# hallmark: --help and -h print the usage on stdout and exit 0, --version
# and -V print the version and exit 0, an unknown option is a usage error
# (exit 2); -V names the versions of the libraries the program actually
# runs with: libmilter, libopendkim, OpenSSL and libunbound as those
# libraries report them at run time, checked against the shared object ldd
# resolves and the Debian package that holds it (libmilter: the API version
# in its file name); libconfig's line is the compile-time version and says
# so.  README names the default configuration file as
# $(sysconfdir)/hallmark/hallmark.conf and says where `hallmark` goes.
# Exit 0 pass, 1 fail, 77 skip (ldd or dpkg missing, CI not "true").
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"
BUILD=$(cd "$top_builddir" && pwd)
fails=0
version=$(sed -n 's/^AC_INIT(\[hallmark\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")

# run_ok DESC WANT_RC ERE CMD... - CMD exits WANT_RC and its stdout matches ERE
run_ok() {
	local desc=$1 want=$2 ere=$3 out rc=0
	shift 3
	out=$("$@" 2>/dev/null) || rc=$?
	if [ "$rc" = "$want" ] && grep -Eq -- "$ere" <<<"$out"; then
		ok "$desc"
	else
		fail "$desc: exit $rc, output: $(head -3 <<<"$out")"
	fi
}

# lib_version PROG SONAME-ERE - the upstream version of the Debian package
# holding the shared object PROG is linked with
lib_version() {
	local so pkg
	so=$(ldd "$1" | awk -v re="$2" '$1 ~ re {print $3; exit}')
	[ -n "$so" ] || return 1
	so=$(readlink -f "$so")
	pkg=$(dpkg -S "$so" 2>/dev/null || dpkg -S "/usr${so#/usr}" 2>/dev/null)
	pkg=$(head -1 <<<"$pkg" | cut -d: -f1-2)
	[ -n "$pkg" ] || return 1
	dpkg-query -W -f='${Version}' "$pkg" | sed 's/^[0-9]*://; s/[-~+].*//'
}

command -v ldd >/dev/null && command -v dpkg-query >/dev/null ||
    missing "ldd or dpkg-query"

for prog in hallmarkd hallmark; do
	P=$BUILD/$prog
	[ -x "$P" ] || missing "$P (run make first)"
	run_ok "$prog --help" 0 '(usage|SYNOPSIS)' "$P" --help
	run_ok "$prog -h" 0 '(usage|SYNOPSIS)' "$P" -h
	run_ok "$prog --version" 0 "^$prog $version\$" "$P" --version
	run_ok "$prog -V" 0 "^$prog $version\$" "$P" -V
	out=$("$P" -V 2>&1)
	so=$(ldd "$P" | awk '$1 ~ /^libmilter\.so/ {print $3; exit}')
	if [ -n "$so" ]; then	# configure --with-libmilter
		want=$(readlink -f "$so" | sed -n 's/.*libmilter\.so\.\([0-9.]*\)$/\1/p')
		grep -qx "libmilter $want" <<<"$out" &&
		    ok "$prog -V: libmilter $want (the API version of $(basename "$(readlink -f "$so")"))" ||
		    fail "$prog -V: no 'libmilter $want' line: $out"
	else	# hallmark's own engine
		grep -qx "milter engine: hallmark's own (milter protocol 6, libmilter API 1.0.1)" <<<"$out" &&
		    ok "$prog -V: hallmark's own milter engine, protocol 6" ||
		    fail "$prog -V: no 'milter engine' line: $out"
	fi
	for lib in 'libopendkim:^libopendkim\.so' 'OpenSSL:^libcrypto\.so' \
	    'libunbound:^libunbound\.so'; do
		name=${lib%%:*}
		want=$(lib_version "$P" "${lib#*:}") || { fail "$prog: no package for $name"; continue; }
		grep -Eq "^$name ${want//./\\.}( |$)" <<<"$out" &&
		    ok "$prog -V: $name $want, the package's version" ||
		    fail "$prog -V: no '$name $want' line: $out"
	done
	want=$(lib_version "$P" '^libconfig\.so')
	grep -Eq "^libconfig ${want//./\\.}[.0-9]* \(compile-time" <<<"$out" &&
	    ok "$prog -V: libconfig $want, marked compile-time" ||
	    fail "$prog -V: libconfig line: $out"
done
rc=0; "$BUILD/hallmarkd" --no-such-option >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] && ok "hallmarkd --no-such-option: exit 2" || fail "hallmarkd --no-such-option: exit $rc"

grep -qF '$(sysconfdir)/hallmark/hallmark.conf' "$top_srcdir/README.md" &&
    ok "README names \$(sysconfdir)/hallmark/hallmark.conf" ||
    fail "README does not name \$(sysconfdir)/hallmark/hallmark.conf"
grep -qF '$(bindir)/hallmark' "$top_srcdir/README.md" &&
    ok "README says where hallmark is installed (\$(bindir))" ||
    fail "README does not say where hallmark is installed"

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "command line checks passed"
