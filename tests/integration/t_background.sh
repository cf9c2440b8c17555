#!/bin/bash
# tests/integration/t_background.sh - hallmarkd started in the background
# (no -f) reports how its start went: the starting command exits 0 only
# once the daemon listens (a connection right after it returns is served),
# and with a non-zero status and the reason on stderr when the start fails
# after the fork (a port already in use, with log.syslog on or off; a pid
# file that cannot be written, or that is a symbolic link).  A relative -c path is made absolute before
# the daemon changes to /: the start succeeds and a SIGHUP rereads the same
# file.  (The configuration check before the fork now refuses the two pid
# files itself; the port in use is the failure only the child can meet.)  Milter traffic comes from tests/tools/milterc.py.
# Exit 0 pass, 1 fail, 77 skip.  Private temp dir and ports; stops what it
# starts.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"

HALLMARKD=$(cd "$top_builddir" && pwd)/hallmarkd
MILTERC=$top_srcdir/tests/tools/milterc.py
fails=0
PIDS=

# cleanup - stop the daemons this test started (by their pid files)
cleanup() {
	local f p
	for f in "$WORK"/*.pid; do
		[ -s "$f" ] || continue
		p=$(cat "$f")
		kill "$p" 2>/dev/null || :
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
}

# write_conf FILE PORT ID [SYSLOG [PIDFILE]] - a configuration
write_conf() {
	{
		echo "socket = \"inet:$2@127.0.0.1\";"
		echo "authserv_id = \"$3\";"
		echo "pidfile = \"${5:-$WORK/hm.pid}\";"
		echo "log = { syslog = ${4:-false}; };"
		echo 'dns = { forwarders = ["127.0.0.1@9"]; query_timeout_ms = 200; };'
		echo 'dmarc = { on_temperror = "accept"; };'
	} >"$1"
}

# ar_id PORT - the authserv-id of the A-R header hallmarkd adds (or "none")
ar_id() {
	printf 'From: a@example.org\nSubject: bg\n\nbody\n' |
	    /usr/bin/python3 "$MILTERC" "inet:$1@127.0.0.1" send - 2>&1 |
	    sed -n 's/.*Authentication-Results: \([^ ;]*\).*/\1/p' | head -1 |
	    grep . || echo none
}

[ -x "$HALLMARKD" ] || missing "hallmarkd (run make first)"
[ -x /usr/bin/python3 ] || missing /usr/bin/python3
work_dir background

# 1. a relative -c path, started from the configuration's directory
port=$(free_port)
mkdir -p "$WORK/etc"
write_conf "$WORK/etc/rel.conf" "$port" mx1.bg.test
rc=0
(cd "$WORK/etc" && timeout 30 "$HALLMARKD" -c rel.conf) 2>"$WORK/rel.err" || rc=$?
got=$(ar_id "$port")
if [ "$rc" = 0 ] && [ "$got" = mx1.bg.test ]; then
	ok "relative -c: exit 0, and a connection right after is served"
else
	fail "relative -c: exit $rc, A-R by '$got': $(tail -2 "$WORK/rel.err")"
fi
pid=$(cat "$WORK/hm.pid" 2>/dev/null)
write_conf "$WORK/etc/rel.conf" "$port" mx2.bg.test
[ -n "$pid" ] && kill -HUP "$pid" 2>/dev/null
for _ in $(seq 50); do
	[ "$(ar_id "$port")" = mx2.bg.test ] && break
	sleep 0.1
done
got=$(ar_id "$port")
[ "$got" = mx2.bg.test ] && ok "relative -c: SIGHUP rereads the same file" ||
    fail "relative -c: after SIGHUP the A-R is by '$got', not mx2.bg.test"

# 2. the port is in use: the second start fails, on stderr, non-zero
for syslog in false true; do
	write_conf "$WORK/inuse-$syslog.conf" "$port" mx3.bg.test "$syslog" \
	    "$WORK/inuse-$syslog.pid"
	rc=0
	timeout 30 "$HALLMARKD" -c "$WORK/inuse-$syslog.conf" \
	    2>"$WORK/inuse-$syslog.err" || rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 124 ] &&
	    grep -q "cannot listen" "$WORK/inuse-$syslog.err" &&
	    grep -q "$port" "$WORK/inuse-$syslog.err"; then
		ok "port in use (log.syslog = $syslog): exit $rc, stderr names the port"
	else
		fail "port in use (log.syslog = $syslog): exit $rc, stderr: $(tail -2 "$WORK/inuse-$syslog.err")"
	fi
	[ ! -s "$WORK/inuse-$syslog.pid" ] || fail "port in use: a pid file was written"
done
[ "$(ar_id "$port")" = mx2.bg.test ] && ok "the first daemon still serves" ||
    fail "the first daemon stopped serving"

# 3. a pid file in a directory that does not exist: fails after the fork
port2=$(free_port)
write_conf "$WORK/nopid.conf" "$port2" mx4.bg.test false "$WORK/no/such/dir/hm.pid"
rc=0
timeout 30 "$HALLMARKD" -c "$WORK/nopid.conf" 2>"$WORK/nopid.err" || rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -Eq "pid ?file" "$WORK/nopid.err"; then
	ok "unwritable pid file: exit $rc, stderr says so"
else
	fail "unwritable pid file: exit $rc, stderr: $(tail -2 "$WORK/nopid.err")"
fi
if ss -ltn 2>/dev/null | grep -q "127.0.0.1:$port2 "; then
	fail "unwritable pid file: something still listens on $port2"
fi

# 4. a pid file that is a symbolic link: refused, the target untouched
ln -s "$WORK/target" "$WORK/link.pid"
write_conf "$WORK/link.conf" "$(free_port)" mx5.bg.test false "$WORK/link.pid"
rc=0
timeout 30 "$HALLMARKD" -c "$WORK/link.conf" 2>"$WORK/link.err" || rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -Eq "pid ?file" "$WORK/link.err" &&
    [ ! -e "$WORK/target" ]; then
	ok "a pid file that is a symbolic link: refused (exit $rc), nothing written"
else
	fail "symbolic link pid file: exit $rc, target $(ls "$WORK/target" 2>&1): $(tail -2 "$WORK/link.err")"
fi

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all background start checks passed"
exit 0
