#!/bin/bash
# tests/integration/t_privdrop.sh - least privilege: hallmarkd started as
# root with `user = "nobody"` opens its socket, then runs as nobody (every
# thread: real, effective, saved and file-system ids, no supplementary
# groups but the user's, no capabilities) and still serves milter
# connections; a unix socket is handed to the user; an unknown user stops
# start-up; configuration and key files are read as the user: a signing
# key only root can read stops the start and `hallmarkd -n` (the error
# names the key and the user), a key owned by the user loads and reloads.
# With the systemd unit's capabilities (setpriv; root without
# CAP_DAC_OVERRIDE): -n, start (its pid file in a directory only root can
# write), SIGHUP with a rotated key, SIGHUP with a broken key; a unix socket made under UMask=0027 with socket_group =
# "postfix" is mode 660, user postfix (a member) connects, a user outside
# the group is refused.  hallmarkd started directly as an unprivileged
# user (setpriv) serves on a high port.  Milter traffic comes from
# tests/tools/milterc.py.
#
# The root part needs root; without it (and CI not "true") only the
# unprivileged part runs.  Exit 0 pass, 1 fail, 77 skip (a tool missing
# and CI not "true").  Private temp dir and ports; stops what it starts.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"

need_hallmarkd
RUNAS=nobody
fails=0
PIDS=

# cleanup - stop every hallmarkd started (work_dir's EXIT trap calls it)
# shellcheck disable=SC2086
cleanup() { stop $PIDS; }

# write_conf NAME SOCKET [USER] - a configuration file readable by anyone
write_conf() {
	{
		echo "socket = \"$2\";"
		echo 'authserv_id = "mx.privdrop.test";'
		[ -n "${3:-}" ] && echo "user = \"$3\";"
		echo 'log = { syslog = false; level = "info"; };'
		# no DNS server here (port 9 drops every query): the DMARC
		# lookup is a temperror, which this test about privileges
		# accepts instead of the default tempfail
		echo 'dns = { forwarders = ["127.0.0.1@9"]; query_timeout_ms = 200; };'
		echo 'dmarc = { on_temperror = "accept"; };'
	} >"$WORK/$1.conf"
	chmod 644 "$WORK/$1.conf"
}

# start NAME CMD... - start hallmarkd in the background; HM_PID set; waits
# until it logs that it listens (or exits)
start() {
	_name=$1
	shift
	"$@" -f -c "$WORK/$_name.conf" 2>"$WORK/$_name.log" &
	HM_PID=$!
	PIDS="$PIDS $HM_PID"
	wait_listening "$WORK/$_name.log" "$HM_PID"
}

# ids_are PID UID GID DESC - every thread runs as UID/GID, no capabilities
ids_are() {
	_pid=$1 _uid=$2 _gid=$3 _desc=$4 _bad=
	for st in /proc/"$_pid"/task/*/status; do
		u=$(awk '/^Uid:/ {print $2,$3,$4,$5}' "$st")
		g=$(awk '/^Gid:/ {print $2,$3,$4,$5}' "$st")
		grp=$(awk '/^Groups:/ {$1=""; print}' "$st" | tr -s ' ' | sed 's/^ //; s/ $//')
		cap=$(awk '/^CapEff:/ {print $2}' "$st")
		[ "$u" = "$_uid $_uid $_uid $_uid" ] || _bad="$_bad uid($u)"
		[ "$g" = "$_gid $_gid $_gid $_gid" ] || _bad="$_bad gid($g)"
		[ -z "$grp" ] || [ "$grp" = "$_gid" ] || _bad="$_bad groups($grp)"
		[ "$cap" = 0000000000000000 ] || _bad="$_bad caps($cap)"
	done
	n=$(ls /proc/"$_pid"/task | wc -l)
	if [ -z "$_bad" ]; then
		ok "$_desc: $n threads run as uid $_uid gid $_gid, no capabilities"
	else
		fail "$_desc:$_bad"
	fi
}

# serves SOCKET DESC - a message gets a verdict and our A-R header
serves() {
	# shellcheck disable=SC2086
	_out=$(printf 'From: a@example.org\nSubject: privdrop\n\nbody\n' |
	    ${CLIENT:-} /usr/bin/python3 "$MILTERC" "$1" send - 2>&1)
	if grep -q '^verdict=accept' <<<"$_out" &&
	    grep -q 'Authentication-Results: mx.privdrop.test' <<<"$_out"; then
		ok "$2: a message got a verdict and an A-R header"
	else
		fail "$2: $_out"
	fi
}

# sign_conf NAME KEYFILE SELECTOR - add a signing key for example.org
sign_conf() {
	cat >>"$WORK/$1.conf" <<EOC
dkim_sign = {
  keys = ( { name = "k"; domain = "example.org"; selector = "$3";
             key_file = "$2"; } );
  signing_table = ( { pattern = "example.org"; keys = ["k"]; } );
};
EOC
}

# signs SOCKET SELECTOR DESC - a message from an internal client is signed
# with s=SELECTOR
signs() {
	_out=$(printf 'From: a@example.org\nSubject: privdrop\n\nbody\n' |
	    /usr/bin/python3 "$MILTERC" "$1" send --ip 127.0.0.1 - 2>&1)
	if grep -q "DKIM-Signature:" <<<"$_out" &&
	    grep -Eq "(^|[[:space:];])s=$2;" <<<"$_out"; then
		ok "$3: signed with s=$2"
	else
		fail "$3: not signed with s=$2: $_out"
	fi
}

# unit_setpriv - the setpriv command that gives root the capabilities
# the systemd unit leaves it (its CapabilityBoundingSet=), nothing more
UNIT_IN=$top_srcdir/contrib/hallmarkd.service.in
unit_setpriv() {
	local caps
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT_IN" |
	    tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_\(.*\)/+\1/p' | paste -sd, -)
	[ -n "$caps" ] || return 1
	echo "setpriv --bounding-set=-all,$caps --inh-caps=-all --"
}

# hup_done LOG N - SIGHUP $HM_PID, wait for the Nth reload outcome in LOG
hup_done() {
	kill -HUP "$HM_PID"
	for _ in $(seq 50); do
		[ "$(grep -Ec "reload failed|configuration reloaded" "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

id "$RUNAS" >/dev/null 2>&1 || missing "user $RUNAS"
UID_RUNAS=$(id -u "$RUNAS")
GID_RUNAS=$(id -g "$RUNAS")
work_dir privdrop
chmod 755 "$WORK"

if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 || missing "setpriv (util-linux)"

	# 1. root -> nobody on an inet socket
	port=$(free_port)
	write_conf root "inet:$port@127.0.0.1" "$RUNAS"
	if start root "$HALLMARKD"; then
		ok "started as root with user = \"$RUNAS\""
		grep -q "running as user $RUNAS" "$WORK/root.log" &&
		    ok "it logs the switch to $RUNAS" || fail "no 'running as user' log line"
		ids_are "$HM_PID" "$UID_RUNAS" "$GID_RUNAS" "root -> $RUNAS"
		serves "inet:$port@127.0.0.1" "after the drop"
		ids_are "$HM_PID" "$UID_RUNAS" "$GID_RUNAS" "after a message"
		stop "$HM_PID"
	else
		fail "hallmarkd did not start as root: $(tail -3 "$WORK/root.log")"
	fi

	# 2. root -> nobody on a unix socket: the socket is given to the user
	mkdir -p "$WORK/sock" && chmod 755 "$WORK/sock"
	write_conf unix "unix:$WORK/sock/milter" "$RUNAS"
	if start unix "$HALLMARKD"; then
		owner=$(stat -c %U "$WORK/sock/milter" 2>/dev/null)
		[ "$owner" = "$RUNAS" ] && ok "unix socket owned by $RUNAS" ||
		    fail "unix socket owned by '${owner:-?}', not $RUNAS"
		st=$(stat -c '%a %G' "$WORK/sock/milter" 2>/dev/null)
		[ "$st" = "660 $(id -gn "$RUNAS")" ] &&
		    ok "unix socket: default socket_mode 660, the user's group" ||
		    fail "unix socket: '$st', want 660 and group $(id -gn "$RUNAS")"
		ids_are "$HM_PID" "$UID_RUNAS" "$GID_RUNAS" "unix socket"
		serves "unix:$WORK/sock/milter" "unix socket"
		stop "$HM_PID"
	else
		fail "hallmarkd did not start on a unix socket: $(tail -3 "$WORK/unix.log")"
	fi

	# 3. an unknown user: start-up fails, nothing keeps running as root
	write_conf nouser "inet:$(free_port)@127.0.0.1" "hm-no-such-user-$$"
	timeout 20 "$HALLMARKD" -f -c "$WORK/nouser.conf" 2>"$WORK/nouser.log"
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
	    grep -q "no such user" "$WORK/nouser.log"; then
		ok "unknown user: start-up refused (exit $rc)"
	else
		fail "unknown user: exit $rc, log: $(tail -2 "$WORK/nouser.log")"
	fi

	# 3b. key files are read as the user, at start as on SIGHUP: a key
	# only root can read stops the start (the error names the key and
	# the user); given to the user, it loads and a SIGHUP reloads.
	command -v openssl >/dev/null || missing openssl
	openssl genpkey -algorithm ed25519 -out "$WORK/k.pem" 2>/dev/null &&
	    chmod 600 "$WORK/k.pem" || fail "openssl genpkey ed25519"
	port=$(free_port)
	write_conf key "inet:$port@127.0.0.1" "$RUNAS"
	sign_conf key "$WORK/k.pem" s
	chown root "$WORK/k.pem"
	timeout 20 "$HALLMARKD" -f -c "$WORK/key.conf" 2>"$WORK/key-root.log"
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
	    grep -q "k.pem.*as user $RUNAS" "$WORK/key-root.log"; then
		ok "root-only key: start refused (exit $rc), the error names the key and user $RUNAS"
	else
		fail "root-only key: exit $rc: $(tail -2 "$WORK/key-root.log")"
	fi
	rc=0; out=$("$HALLMARKD" -n -c "$WORK/key.conf" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] && grep -q "as user $RUNAS" <<<"$out" &&
	    ok "root-only key: hallmarkd -n refuses it too" ||
	    fail "root-only key: hallmarkd -n exit $rc: $out"
	chown "$RUNAS" "$WORK/k.pem"
	if start key "$HALLMARKD"; then
		hup_done "$WORK/key.log" 1
		grep -q "configuration reloaded" "$WORK/key.log" &&
		    ok "key owned by $RUNAS: loads, SIGHUP reloads" ||
		    fail "key owned by $RUNAS: $(tail -3 "$WORK/key.log")"
		serves "inet:$port@127.0.0.1" "key owned by $RUNAS, after SIGHUP"
		stop "$HM_PID"
	else
		fail "key owned by $RUNAS: no start: $(tail -3 "$WORK/key.log")"
	fi

	# 3c. the systemd unit's capabilities (the CapabilityBoundingSet= of
	# contrib/hallmarkd.service.in, today CAP_SETUID CAP_SETGID CAP_CHOWN
	# CAP_NET_BIND_SERVICE: root without CAP_DAC_OVERRIDE), keys owned
	# by the user, mode 0600: -n, start, SIGHUP with a rotated key (new
	# selector), SIGHUP with a broken key (refused, the rotated key goes
	# on signing).  A unix socket under the unit's UMask= (0027) gets
	# socket_mode 0660 and socket_group: a non-root member of the group
	# connects, others are refused.
	UNITCAPS=$(unit_setpriv) || fail "no CapabilityBoundingSet= in $UNIT_IN"
	openssl genpkey -algorithm ed25519 -out "$WORK/k2.pem" 2>/dev/null &&
	    chmod 600 "$WORK/k2.pem" && chown "$RUNAS" "$WORK/k2.pem" ||
	    fail "openssl genpkey ed25519 (k2)"
	port=$(free_port)
	mkdir -p "$WORK/run" && chmod 755 "$WORK/run"	# root's, as /run/hallmark
	write_conf unitcaps "inet:$port@127.0.0.1" "$RUNAS"
	echo "pidfile = \"$WORK/run/hallmarkd.pid\";" >>"$WORK/unitcaps.conf"
	sign_conf unitcaps "$WORK/k.pem" s1
	rc=0; out=$($UNITCAPS "$HALLMARKD" -n -c "$WORK/unitcaps.conf" 2>&1) || rc=$?
	[ "$rc" -eq 0 ] && ok "unit capabilities: hallmarkd -n accepts keys owned by $RUNAS" ||
	    fail "unit capabilities: hallmarkd -n exit $rc: $out"
	# shellcheck disable=SC2086
	if start unitcaps $UNITCAPS "$HALLMARKD"; then
		ok "unit capabilities: started with a key owned by $RUNAS, mode 0600"
		[ "$(cat "$WORK/run/hallmarkd.pid" 2>/dev/null)" = "$HM_PID" ] &&
		    ok "unit capabilities: pid file written in a directory only root can write" ||
		    fail "unit capabilities: pid file: '$(cat "$WORK/run/hallmarkd.pid" 2>&1)'"
		signs "inet:$port@127.0.0.1" s1 "unit capabilities, at start"
		write_conf unitcaps "inet:$port@127.0.0.1" "$RUNAS"
		echo "pidfile = \"$WORK/run/hallmarkd.pid\";" >>"$WORK/unitcaps.conf"
		sign_conf unitcaps "$WORK/k2.pem" s2
		hup_done "$WORK/unitcaps.log" 1
		grep -q "configuration reloaded" "$WORK/unitcaps.log" &&
		    ok "unit capabilities: SIGHUP with a rotated key reloads" ||
		    fail "unit capabilities: rotated key: $(tail -3 "$WORK/unitcaps.log")"
		signs "inet:$port@127.0.0.1" s2 "unit capabilities, rotated key"
		echo "not a key" >"$WORK/k2.pem"
		hup_done "$WORK/unitcaps.log" 2
		grep -q "reload failed" "$WORK/unitcaps.log" &&
		    ok "unit capabilities: SIGHUP with a broken key is refused" ||
		    fail "unit capabilities: broken key: $(tail -3 "$WORK/unitcaps.log")"
		signs "inet:$port@127.0.0.1" s2 "unit capabilities, after the broken key"
		stop "$HM_PID"
	else
		fail "unit capabilities: no start: $(tail -3 "$WORK/unitcaps.log")"
	fi

	if getent group postfix >/dev/null && id postfix >/dev/null 2>&1; then
		mkdir -p "$WORK/spool" && chmod 755 "$WORK/spool"
		write_conf sockgrp "unix:$WORK/spool/hallmarkd.sock" "$RUNAS"
		echo 'socket_group = "postfix";' >>"$WORK/sockgrp.conf"
		oldmask=$(umask)
		umask "$(sed -n 's/^UMask=//p' "$UNIT_IN")"
		# shellcheck disable=SC2086
		start sockgrp $UNITCAPS "$HALLMARKD"
		rc=$?
		umask "$oldmask"
		if [ "$rc" -eq 0 ]; then
			st=$(stat -c '%a %U %G' "$WORK/spool/hallmarkd.sock")
			[ "$st" = "660 $RUNAS postfix" ] &&
			    ok "unix socket under UMask=0027: mode 660, $RUNAS:postfix" ||
			    fail "unix socket: '$st', want '660 $RUNAS postfix'"
			cp "$MILTERC" "$WORK/milterc.py" && chmod 644 "$WORK/milterc.py"
			MILTERC=$WORK/milterc.py
			CLIENT="setpriv --reuid=postfix --regid=postfix --init-groups --" \
			    serves "unix:$WORK/spool/hallmarkd.sock" "user postfix (group postfix member)"
			out=$(printf 'From: a@example.org\n\nx\n' | setpriv --reuid=64999 \
			    --regid=64999 --clear-groups -- /usr/bin/python3 "$MILTERC" \
			    "unix:$WORK/spool/hallmarkd.sock" send - 2>&1)
			grep -q "Permission denied" <<<"$out" &&
			    ok "a user outside group postfix cannot connect" ||
			    fail "a user outside group postfix: $out"
			MILTERC=$top_srcdir/tests/tools/milterc.py
			stop "$HM_PID"
		else
			fail "socket_group: no start: $(tail -3 "$WORK/sockgrp.log")"
		fi
	else
		echo "note: no user/group postfix: the socket_group check is left out"
	fi
	UNPRIV="setpriv --reuid=$RUNAS --regid=$GID_RUNAS --clear-groups --"
else
	if [ "${CI:-}" = true ]; then
		echo "FAIL: the root part needs root (CI=true)"
		fails=$((fails + 1))
	else
		echo "note: not root: only the unprivileged part runs"
	fi
	UNPRIV=
	UID_RUNAS=$(id -u)
	GID_RUNAS=$(id -g)
fi

# 4. started directly as an unprivileged user, high port
port=$(free_port)
write_conf unpriv "inet:$port@127.0.0.1"
# shellcheck disable=SC2086
if start unpriv $UNPRIV "$HALLMARKD"; then
	ok "started unprivileged on port $port"
	if [ -n "$UNPRIV" ]; then
		ids_are "$HM_PID" "$UID_RUNAS" "$GID_RUNAS" "unprivileged start"
	fi
	serves "inet:$port@127.0.0.1" "unprivileged"
	stop "$HM_PID"
else
	fail "hallmarkd did not start unprivileged: $(tail -3 "$WORK/unpriv.log")"
fi

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all privilege checks passed"
exit 0
