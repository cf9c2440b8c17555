#!/bin/bash
# tests/integration/t_report_unit.sh - the report sender's systemd units: contrib/hallmark-report.service
# as make builds it from contrib/hallmark-report.service.in (the real paths, a oneshot run of
# `hallmark report send` as the hallmark user, privileges Postfix's setgid postdrop needs) and
# contrib/hallmark-report.timer (hourly, persistent); `systemd-analyze verify` on both (paths
# pointed at the build); and the run the timer makes with reports.enable = false: exit 0, nothing
# to do, no store touched.
# Exit 0 pass, 1 fail, 77 skip (systemd-analyze missing, CI not "true").
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SVC=$top_builddir/contrib/hallmark-report.service
TIMER=$top_srcdir/contrib/hallmark-report.timer
BUILD=$(cd "$top_builddir" && pwd)
fails=0
. "$top_srcdir/tests/lib/common.sh"	# ok, fail
[ -f "$SVC" ] || { echo "FAIL: $SVC was not made (make builds it)"; exit 1; }

if grep -n '@[a-z]*@' "$SVC"; then fail "unsubstituted @...@ left in the service"; else ok "no @...@ left"; fi
BIN=${HM_BINDIR:-/usr/local/bin} ETC=${HM_SYSCONFDIR:-/usr/local/etc}
CONF=$ETC/hallmark/hallmark.conf
for want in "ExecStart=$BIN/hallmark report send -c $CONF" Type=oneshot User=hallmark \
    Group=hallmark SyslogIdentifier=hallmark-report NoNewPrivileges=false UMask=0027; do
	if grep -qxF -- "$want" "$SVC"; then ok "service: $want"; else fail "service: $want missing"; fi
done
for want in 'OnCalendar=*-*-* *:07:00' Persistent=true WantedBy=timers.target; do
	if grep -qxF -- "$want" "$TIMER"; then ok "timer: $want"; else fail "timer: $want missing"; fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hm-runit.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
printf 'reports = { store = "sqlite:%s/never.db"; };\n' "$WORK" > "$WORK/hallmark.conf"
out=$("$BUILD/hallmark" report send -c "$WORK/hallmark.conf" 2>&1)
rc=$?
[ "$rc" = 0 ] && ok "reports.enable = false: send exits 0" || fail "send exited $rc: $out"
case $out in *"not enabled"*) ok "it says reports are not enabled" ;;
*) fail "no word about reports.enable: $out" ;; esac
[ ! -e "$WORK/never.db" ] && ok "the store was not touched" || fail "the store was created"

if ! command -v systemd-analyze >/dev/null; then
	[ "${CI:-}" = true ] && { echo "FAIL: systemd-analyze missing (CI=true)"; exit 1; }
	echo "SKIP: systemd-analyze missing (the checks above passed: $fails failed)"
	[ "$fails" -eq 0 ] && exit 77 || exit 1
fi
sed -e "s#$BIN/hallmark#$BUILD/hallmark#g" -e "s#$CONF#$WORK/hallmark.conf#g" \
    "$SVC" > "$WORK/hallmark-report.service"
cp "$TIMER" "$WORK/hallmark-report.timer"
if out=$(cd "$WORK" && systemd-analyze verify "$WORK/hallmark-report.service" \
    "$WORK/hallmark-report.timer" 2>&1) && [ -z "$out" ]; then
	ok "systemd-analyze verify: no complaint"
else
	fail "systemd-analyze verify: $out"
fi
[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "report unit checks passed"
