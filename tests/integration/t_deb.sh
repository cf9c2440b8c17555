#!/bin/bash
# tests/integration/t_deb.sh - the Debian package (contrib/debian/, make
# deb): builds it (DEB_BUILD_OPTIONS="nocheck parallel=2"), installs it
# with dpkg -i on this machine, then checks: hallmarkd in /usr/sbin and
# hallmark in /usr/bin run (hallmarkd -V, hallmark with no command),
# `hallmarkd -n` accepts the installed /etc/hallmark/hallmark.conf (a
# conffile, the same as conf/hallmark.conf) and is its default file, the
# man pages name /etc, the system user hallmark (home /var/lib/hallmark,
# which it owns), the unit /lib/systemd/system/hallmarkd.service with
# ExecStart=/usr/sbin/hallmarkd, enabled but not started, the report
# sender's hallmark-report.service and its timer (enabled); then dpkg --purge
# and that nothing is left (binaries, man pages, unit, its enablement
# link, /etc/hallmark, /var/lib/hallmark with a state file in it); before
# that, a reinstall keeps an edited conffile and the user.  The
# user stays after purge (Debian policy); this test removes it when the
# test created it.  A hallmark installed by `make install` under
# /usr/local is left untouched (checked).  The EXIT trap purges the
# package whatever happens.
# Exit 0 pass, 1 fail, 77 skip (dpkg-buildpackage or dh missing, not
# root, or a hallmark package already installed; CI=true: 1 instead).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
BUILD=$(cd "$top_builddir" && pwd)
fails=0
. "$top_srcdir/tests/lib/common.sh"	# ok, fail, skip_test, work_dir
command -v dpkg-buildpackage >/dev/null || missing dpkg-buildpackage
command -v dh >/dev/null || missing "dh (debhelper)"
[ "$(id -u)" = 0 ] || skip_test "dpkg -i needs root"
if dpkg-query -W -f '${Status}' hallmark 2>/dev/null | grep -q ' installed$'; then
	skip_test "a hallmark package is already installed: not touching it"
fi

user_before=no
getent passwd hallmark >/dev/null && user_before=yes
# what make install put under /usr/local (if anything): must not change
local_sum() {
	local f
	for f in /usr/local/sbin/hallmarkd /usr/local/bin/hallmark \
	    /usr/local/etc/hallmark/hallmark.conf; do
		[ -e "$f" ] && md5sum "$f"
	done
	return 0
}
LOCAL_BEFORE=$(local_sum)

cleanup() {
	if dpkg-query -W -f '${Status}' hallmark 2>/dev/null |
	    grep -qv '^unknown ok not-installed$'; then
		dpkg --purge hallmark >"$WORK/purge-trap.log" 2>&1 ||
		    cat "$WORK/purge-trap.log"
	fi
	if [ "$user_before" = no ] && getent passwd hallmark >/dev/null; then
		deluser --quiet --system hallmark >/dev/null 2>&1 || true
		getent group hallmark >/dev/null &&
		    delgroup --quiet --system hallmark >/dev/null 2>&1
	fi
	return 0
}
work_dir deb

# ---- build --------------------------------------------------------------
VERSION=$(sed -n 's/^PACKAGE_VERSION = //p' "$BUILD/Makefile")
start=$(date +%s)
(unset MAKEFLAGS MFLAGS MAKELEVEL
 DEB_BUILD_OPTIONS="nocheck parallel=2" make -C "$BUILD" deb \
    DEB_DIR="$WORK/build" DEB_OUT="$WORK") >"$WORK/build.log" 2>&1
rc=$?
echo "make deb: exit $rc in $(($(date +%s) - start)) s"
DEB=$(ls "$WORK"/hallmark_"$VERSION"-*_*.deb 2>/dev/null | head -n 1)
if [ "$rc" != 0 ] || [ -z "$DEB" ]; then
	tail -n 40 "$WORK/build.log"
	echo "FAIL: make deb did not make hallmark_$VERSION-*.deb"
	exit 1
fi
ok "make deb: $(basename "$DEB")"
[ "$(dpkg-deb -f "$DEB" Package)" = hallmark ] && ok "package name" ||
    fail "package name $(dpkg-deb -f "$DEB" Package)"

# ---- install ------------------------------------------------------------
if ! dpkg -i "$DEB" >"$WORK/install.log" 2>&1; then
	cat "$WORK/install.log"
	echo "FAIL: dpkg -i $DEB"
	exit 1
fi
ok "dpkg -i"

for f in /usr/sbin/hallmarkd /usr/bin/hallmark; do
	[ -x "$f" ] && ok "$f installed" || fail "$f missing"
done
v=$(/usr/sbin/hallmarkd -V 2>&1)
grep -qF "$VERSION" <<<"$v" && ok "hallmarkd -V: $(head -n 1 <<<"$v")" ||
    fail "hallmarkd -V: $v"
/usr/bin/hallmark >"$WORK/tool.out" 2>&1
grep -q keygen "$WORK/tool.out" && ok "hallmark (no command) lists keygen" ||
    fail "hallmark: $(cat "$WORK/tool.out")"

CONF=/etc/hallmark/hallmark.conf
cmp -s "$CONF" "$top_srcdir/conf/hallmark.conf" &&
    ok "$CONF is conf/hallmark.conf" || fail "$CONF differs from conf/hallmark.conf"
dpkg-query -W -f '${Conffiles}\n' hallmark | grep -q "^ $CONF " &&
    ok "$CONF is a conffile" || fail "$CONF is not a conffile"
out=$(/usr/sbin/hallmarkd -n -c "$CONF" 2>&1) &&
    ok "hallmarkd -n -c $CONF" || fail "hallmarkd -n -c $CONF: $out"
out=$(/usr/sbin/hallmarkd -n 2>&1) && ok "hallmarkd -n (default file)" ||
    fail "hallmarkd -n: $out"
/usr/sbin/hallmarkd --help 2>&1 | grep -qF "(default $CONF" &&
    ok "hallmarkd's default file is $CONF" || fail "hallmarkd --help names another file"

for m in man8/hallmarkd.8 man1/hallmark.1 man5/hallmark.conf.5; do
	[ -f "/usr/share/man/$m.gz" ] && ok "man page $m" || fail "$m.gz missing"
done
zcat /usr/share/man/man8/hallmarkd.8.gz 2>/dev/null | grep -qF "$CONF" &&
    ok "hallmarkd(8) names $CONF" || fail "hallmarkd(8) does not name $CONF"
[ -f /usr/share/doc/hallmark/README.md.gz ] || [ -f /usr/share/doc/hallmark/README.md ] &&
    ok "README in /usr/share/doc/hallmark" || fail "README not installed"
[ -f /usr/share/doc/hallmark/copyright ] && ok "copyright" || fail "no copyright file"
[ -f /usr/share/doc/hallmark/examples/postfix-main.cf ] && ok "examples" ||
    fail "no examples in /usr/share/doc/hallmark/examples"

pw=$(getent passwd hallmark)
if [ -n "$pw" ]; then
	ok "user hallmark: $pw"
	[ "$(cut -d: -f6 <<<"$pw")" = /var/lib/hallmark ] && ok "home /var/lib/hallmark" ||
	    fail "home is not /var/lib/hallmark"
	getent group hallmark >/dev/null && ok "group hallmark" || fail "no group hallmark"
else
	fail "user hallmark not created"
fi
[ "$(stat -c %U:%G /var/lib/hallmark 2>/dev/null)" = hallmark:hallmark ] &&
    ok "/var/lib/hallmark owned by hallmark" ||
    fail "/var/lib/hallmark: $(stat -c %U:%G /var/lib/hallmark 2>&1)"

UNIT=/lib/systemd/system/hallmarkd.service
WANTS=/etc/systemd/system/multi-user.target.wants/hallmarkd.service
if [ -f "$UNIT" ]; then
	for want in "ExecStart=/usr/sbin/hallmarkd -f -c $CONF" \
	    "ExecStartPre=/usr/sbin/hallmarkd -n -c $CONF"; do
		grep -qxF -- "$want" "$UNIT" && ok "unit: $want" || fail "unit: $want missing"
	done
	grep -n '@[a-z]*@\|/usr/local' "$UNIT" && fail "unit has unsubstituted or /usr/local paths"
else
	fail "$UNIT missing"
fi
[ -L "$WANTS" ] && ok "unit enabled ($WANTS)" || fail "unit not enabled"
# the report sender: its service (a oneshot of hallmark report send) and the hourly timer, enabled
RSVC=/lib/systemd/system/hallmark-report.service
RTIMER=/lib/systemd/system/hallmark-report.timer
RWANTS=/etc/systemd/system/timers.target.wants/hallmark-report.timer
grep -qxF -- "ExecStart=/usr/bin/hallmark report send -c $CONF" "$RSVC" 2>/dev/null &&
    ok "report service: ExecStart=/usr/bin/hallmark report send -c $CONF" ||
    fail "$RSVC missing or without its ExecStart"
[ -f "$RTIMER" ] && ok "report timer installed" || fail "$RTIMER missing"
[ -L "$RWANTS" ] && ok "report timer enabled ($RWANTS)" || fail "report timer not enabled"
pgrep -f '^/usr/sbin/hallmarkd' >/dev/null && fail "hallmarkd was started" ||
    ok "hallmarkd not started"

# ---- reinstall: the admin's edit of the conffile stays, the user too -----
uid=$(id -u hallmark 2>/dev/null)
echo '# local edit' >>"$CONF"
if dpkg -i "$DEB" >"$WORK/reinstall.log" 2>&1 </dev/null; then
	ok "dpkg -i again (reinstall)"
else
	cat "$WORK/reinstall.log"; fail "dpkg -i again"
fi
grep -qx '# local edit' "$CONF" && ok "reinstall keeps the edited $CONF" ||
    fail "reinstall replaced the edited $CONF"
[ "$(id -u hallmark 2>/dev/null)" = "$uid" ] && ok "reinstall keeps user hallmark" ||
    fail "user hallmark changed on reinstall"

# ---- purge --------------------------------------------------------------
echo state >/var/lib/hallmark/state-file
if dpkg --purge hallmark >"$WORK/purge.log" 2>&1; then
	ok "dpkg --purge hallmark"
else
	cat "$WORK/purge.log"; fail "dpkg --purge hallmark"
fi
dpkg-query -W -f '${Status}' hallmark 2>/dev/null | grep -q ' installed$' &&
    fail "still installed after purge"
for f in /usr/sbin/hallmarkd /usr/bin/hallmark /etc/hallmark /var/lib/hallmark \
    "$UNIT" "$WANTS" "$RSVC" "$RTIMER" "$RWANTS" /usr/share/man/man8/hallmarkd.8.gz \
    /usr/share/doc/hallmark; do
	[ -e "$f" ] || [ -L "$f" ] && fail "$f left after purge"
done
[ "$fails" = 0 ] && ok "nothing left after purge (the user hallmark stays)"
getent passwd hallmark >/dev/null && ok "user hallmark kept after purge (Debian policy)" ||
    fail "user hallmark removed by purge"
[ "$(local_sum)" = "$LOCAL_BEFORE" ] && ok "/usr/local install untouched" ||
    fail "/usr/local install changed"

[ "$fails" = 0 ] && { echo "PASS: t_deb"; exit 0; }
echo "FAIL: t_deb ($fails)"; exit 1
