#!/bin/bash
# tests/integration/t_unit.sh - contrib/hallmarkd.service, as make builds
# it from contrib/hallmarkd.service.in: the real paths (HM_SBINDIR,
# HM_SYSCONFDIR, HM_DOCDIR from make check; the same configuration file
# `hallmarkd --help` names as its default), nothing left unsubstituted;
# logging under it (SyslogIdentifier=hallmarkd, SyslogFacility=mail, and
# hallmarkd writes "<N>" level prefixes, not its own time stamps, when its
# stderr is the journal stream JOURNAL_STREAM names); the sandboxing
# options are all there (NoNewPrivileges, ProtectSystem=strict, PrivateTmp,
# ProtectHome, PrivateDevices, RestrictAddressFamilies without AF_PACKET /
# AF_NETLINK, a CapabilityBoundingSet of exactly the four capabilities the
# start-up needs, a SystemCallFilter, UMask, ...), `systemd-analyze
# verify` accepts the unit (pointed at the built hallmarkd and a
# configuration that `hallmarkd -n` accepts), and `systemd-analyze
# security --offline` rates its exposure at most 4.5 of 10.
# Exit 0 pass, 1 fail, 77 skip (systemd-analyze missing, CI not "true").
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
UNIT=$top_builddir/contrib/hallmarkd.service
BUILD=$(cd "$top_builddir" && pwd)
fails=0
. "$top_srcdir/tests/lib/common.sh"	# ok, fail
[ -f "$UNIT" ] || { echo "FAIL: $UNIT was not made (make builds it)"; exit 1; }

# paths: substituted, and the ones make was given
if grep -n '@[a-z]*@' "$UNIT"; then fail "unsubstituted @...@ left in the unit"; else ok "no @...@ left"; fi
SBIN=${HM_SBINDIR:-/usr/local/sbin} ETC=${HM_SYSCONFDIR:-/usr/local/etc}
DOC=${HM_DOCDIR:-/usr/local/share/doc/hallmark}
CONF=$ETC/hallmark/hallmark.conf
for want in "ExecStart=$SBIN/hallmarkd -f -c $CONF" \
    "ExecStartPre=$SBIN/hallmarkd -n -c $CONF" \
    "Documentation=file://$DOC/README.md" "ReadOnlyPaths=$ETC/hallmark" \
    SyslogIdentifier=hallmarkd SyslogFacility=mail; do
	if grep -qxF -- "$want" "$UNIT"; then ok "$want"; else fail "$want missing"; fi
done
help=$("$BUILD/hallmarkd" --help 2>&1)
grep -qF "(default $CONF" <<<"$help" &&
    ok "hallmarkd --help names the unit's configuration file as its default" ||
    fail "hallmarkd --help does not name $CONF: $help"

# logging to the journal: "<N>" level prefixes, no time stamp of our own
LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/hm-unitlog.XXXXXX") || exit 1
printf 'no_such_option = 1;\n' >"$LOGDIR/bad.conf"
: >"$LOGDIR/err"
js=$(stat -c '%d:%i' "$LOGDIR/err")
JOURNAL_STREAM=$js "$BUILD/hallmarkd" -f -c "$LOGDIR/bad.conf" 2>>"$LOGDIR/err"
grep -q '^<3>.*bad.conf:1: .*no_such_option' "$LOGDIR/err" &&
    ok "journal stream: an error is '<3>text'" ||
    fail "journal stream: $(cat "$LOGDIR/err")"
"$BUILD/hallmarkd" -f -c "$LOGDIR/bad.conf" 2>"$LOGDIR/plain"
grep -q '^[0-9-]*T[0-9:.]*Z hallmarkd\[[0-9]*\]: error: ' "$LOGDIR/plain" &&
    ok "stderr that is not the journal keeps time stamps" ||
    fail "plain stderr: $(cat "$LOGDIR/plain")"
rm -rf "$LOGDIR"

for want in NoNewPrivileges=true ProtectSystem=strict ProtectHome=true \
    PrivateTmp=true PrivateDevices=true ProtectKernelTunables=true \
    ProtectKernelModules=true ProtectKernelLogs=true \
    ProtectControlGroups=true RestrictNamespaces=true RestrictRealtime=true \
    RestrictSUIDSGID=true LockPersonality=true MemoryDenyWriteExecute=true \
    SystemCallArchitectures=native 'SystemCallFilter=@system-service' \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
    'CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_CHOWN CAP_NET_BIND_SERVICE' \
    UMask=0027 'ExecReload=/bin/kill -HUP $MAINPID'; do
	if grep -qxF -- "$want" "$UNIT"; then ok "$want"; else fail "$want missing"; fi
done

if ! command -v systemd-analyze >/dev/null; then
	[ "${CI:-}" = true ] && { echo "FAIL: systemd-analyze missing (CI=true)"; exit 1; }
	echo "SKIP: systemd-analyze missing (the option checks above passed: $fails failed)"
	[ "$fails" -eq 0 ] && exit 77 || exit 1
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hm-unit.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
: >"$WORK/hallmark.conf"
sed -e "s#$SBIN/hallmarkd#$BUILD/hallmarkd#g" \
    -e "s#$CONF#$WORK/hallmark.conf#g" \
    "$UNIT" >"$WORK/hallmarkd.service"
if out=$(systemd-analyze verify "$WORK/hallmarkd.service" 2>&1) && [ -z "$out" ]; then
	ok "systemd-analyze verify: no complaint"
else
	fail "systemd-analyze verify: $out"
fi
exp=$(systemd-analyze security --offline=yes "$WORK/hallmarkd.service" 2>&1 |
    sed -n 's/.*Overall exposure level for hallmarkd.service: \([0-9.]*\).*/\1/p')
if [ -n "$exp" ] && awk -v e="$exp" 'BEGIN { exit !(e <= 4.5) }'; then
	ok "systemd-analyze security: exposure $exp (at most 4.5)"
else
	fail "systemd-analyze security: exposure '${exp:-?}', want at most 4.5"
fi
[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "unit checks passed"
