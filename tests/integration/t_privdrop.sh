#!/bin/bash
# tests/integration/t_privdrop.sh - least privilege: hallmarkd started as
# root with `user = "nobody"` opens its socket, then runs as nobody (every
# thread: real, effective, saved and file-system ids, no supplementary
# groups but the user's, no capabilities) and still serves milter
# connections; a unix socket is handed to the user; an unknown user stops
# start-up; a signing key only root can read is loaded, with a start-up
# warning that a SIGHUP (read as the user) will fail, and it does; and
# hallmarkd started directly as an unprivileged user (setpriv) serves on a
# high port.  Milter traffic comes from tests/tools/milterc.py.
#
# The root part needs root; without it (and CI not "true") only the
# unprivileged part runs.  Exit 0 pass, 1 fail, 77 skip (a tool missing
# and CI not "true").  Private temp dir and ports; stops what it starts.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"

HALLMARKD=$top_builddir/hallmarkd
MILTERC=$top_srcdir/tests/tools/milterc.py
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
		bad "$_desc:$_bad"
	fi
}

# serves SOCKET DESC - a message gets a verdict and our A-R header
serves() {
	_out=$(printf 'From: a@example.org\nSubject: privdrop\n\nbody\n' |
	    /usr/bin/python3 "$MILTERC" "$1" send - 2>&1)
	if grep -q '^verdict=accept' <<<"$_out" &&
	    grep -q 'Authentication-Results: mx.privdrop.test' <<<"$_out"; then
		ok "$2: a message got a verdict and an A-R header"
	else
		bad "$2: $_out"
	fi
}

[ -x "$HALLMARKD" ] || missing "hallmarkd (run make first)"
[ -x /usr/bin/python3 ] || missing /usr/bin/python3
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
		    ok "it logs the switch to $RUNAS" || bad "no 'running as user' log line"
		ids_are "$HM_PID" "$UID_RUNAS" "$GID_RUNAS" "root -> $RUNAS"
		serves "inet:$port@127.0.0.1" "after the drop"
		ids_are "$HM_PID" "$UID_RUNAS" "$GID_RUNAS" "after a message"
		stop "$HM_PID"
	else
		bad "hallmarkd did not start as root: $(tail -3 "$WORK/root.log")"
	fi

	# 2. root -> nobody on a unix socket: the socket is given to the user
	mkdir -p "$WORK/sock" && chmod 755 "$WORK/sock"
	write_conf unix "unix:$WORK/sock/milter" "$RUNAS"
	if start unix "$HALLMARKD"; then
		owner=$(stat -c %U "$WORK/sock/milter" 2>/dev/null)
		[ "$owner" = "$RUNAS" ] && ok "unix socket owned by $RUNAS" ||
		    bad "unix socket owned by '${owner:-?}', not $RUNAS"
		ids_are "$HM_PID" "$UID_RUNAS" "$GID_RUNAS" "unix socket"
		serves "unix:$WORK/sock/milter" "unix socket"
		stop "$HM_PID"
	else
		bad "hallmarkd did not start on a unix socket: $(tail -3 "$WORK/unix.log")"
	fi

	# 3. an unknown user: start-up fails, nothing keeps running as root
	write_conf nouser "inet:$(free_port)@127.0.0.1" "hm-no-such-user-$$"
	timeout 20 "$HALLMARKD" -f -c "$WORK/nouser.conf" 2>"$WORK/nouser.log"
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
	    grep -q "no such user" "$WORK/nouser.log"; then
		ok "unknown user: start-up refused (exit $rc)"
	else
		bad "unknown user: exit $rc, log: $(tail -2 "$WORK/nouser.log")"
	fi

	# 3b. a signing key only root can read: it loads at start, but a
	# SIGHUP (read as the user) cannot; hallmarkd says so at start-up,
	# and the reload keeps the old configuration.  Given to the user,
	# no warning and the reload works.
	command -v openssl >/dev/null || missing openssl
	openssl genpkey -algorithm ed25519 -out "$WORK/k.pem" 2>/dev/null &&
	    chmod 600 "$WORK/k.pem" || bad "openssl genpkey ed25519"
	port=$(free_port)
	write_conf key "inet:$port@127.0.0.1" "$RUNAS"
	cat >>"$WORK/key.conf" <<EOC
dkim_sign = {
  keys = ( { name = "k"; domain = "example.org"; selector = "s";
             key_file = "$WORK/k.pem"; } );
  signing_table = ( { pattern = "example.org"; keys = ["k"]; } );
};
EOC
	for owner in root "$RUNAS"; do
		chown "$owner" "$WORK/k.pem"
		: >"$WORK/key.log"
		if ! start key "$HALLMARKD"; then
			bad "key owned by $owner: no start: $(tail -3 "$WORK/key.log")"
			continue
		fi
		warned=$(grep -c "SIGHUP reload will fail" "$WORK/key.log")
		kill -HUP "$HM_PID"
		for _ in $(seq 50); do
			grep -Eq "reload failed|configuration reloaded" \
			    "$WORK/key.log" && break
			sleep 0.1
		done
		if [ "$owner" = root ]; then
			[ "$warned" -ge 1 ] && grep -q "as user $RUNAS, .*k.pem" "$WORK/key.log" &&
			    ok "root-only key: start-up warns that a reload will fail" ||
			    bad "root-only key: no start-up warning: $(tail -3 "$WORK/key.log")"
			grep -q "reload failed" "$WORK/key.log" &&
			    ok "root-only key: SIGHUP fails, old configuration kept" ||
			    bad "root-only key: SIGHUP did not fail: $(tail -3 "$WORK/key.log")"
		else
			[ "$warned" -eq 0 ] && grep -q "configuration reloaded" "$WORK/key.log" &&
			    ok "key owned by $RUNAS: no warning, SIGHUP reloads" ||
			    bad "key owned by $RUNAS: $(tail -3 "$WORK/key.log")"
		fi
		serves "inet:$port@127.0.0.1" "key owned by $owner, after SIGHUP"
		stop "$HM_PID"
	done
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
	bad "hallmarkd did not start unprivileged: $(tail -3 "$WORK/unpriv.log")"
fi

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all privilege checks passed"
exit 0
