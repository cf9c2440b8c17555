# tests/lib/nsd.sh - a private, real NSD on 127.0.0.1 for shell tests.
#
# Sourced (". tests/lib/nsd.sh"), not run.  Functions:
#   nsd_available       0 when nsd, nsd-checkzone and dig are installed
#   nsd_start [ZONEDIR] start NSD serving every ZONEDIR/*.zone (default
#                       $top_srcdir/tests/zones); the zone origin is the
#                       file name without ".zone" (root.zone: ".").  Exports NSD_PORT (a
#                       free loopback port, UDP and TCP), NSD_PID and NSD_DIR
#                       (private config, pid, log).  Returns non-zero, with
#                       the reason on stderr, when a zone does not check
#                       (nsd-checkzone) or NSD does not answer.  With
#                       NSD_ALLOW_BROKEN=1 a zone that does not check is
#                       configured anyway: NSD then answers SERVFAIL for it.
#   nsd_stop            stop it and remove NSD_DIR (safe to call twice; put
#                       it in a trap)
#   nsd_start_resolver DIR ZONEDIR
#                       only inside a private network and mount namespace
#                       (unshare -rmn): loopback up, /etc/resolv.conf bound to
#                       DIR/resolv.conf (nameserver 127.0.0.1), NSD on
#                       127.0.0.1:53 serving ZONEDIR (NSD_DIR = DIR/nsd53), so
#                       that tools using the system resolver ask it.  Returns
#                       non-zero, NSD's messages on stdout, when it cannot.
#
# Several tests may run at once: each gets its own port and directory.
# NSD runs in the foreground (-d) as a child of the test, as the user who
# runs the test (username: ""), without chroot and without a zone database.

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE:-$0}")/../.." && pwd)}"

# nsd_available - are the tools there?
nsd_available() {
	command -v nsd >/dev/null 2>&1 || [ -x /usr/sbin/nsd ] || return 1
	command -v dig >/dev/null 2>&1 || return 1
	return 0
}

# nsd_bin NAME - path of an NSD tool (often in /usr/sbin, not in PATH)
nsd_bin() {
	if command -v "$1" >/dev/null 2>&1; then command -v "$1"
	else echo "/usr/sbin/$1"; fi
}

# nsd_free_port - a loopback port free for both UDP and TCP right now
nsd_free_port() {
	/usr/bin/python3 - <<'EOF'
import socket
while True:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", port))
    except OSError:
        u.close(); t.close(); continue
    print(port)
    break
EOF
}

# nsd_write_conf ZONEDIR - nsd.conf for NSD_PORT in NSD_DIR
nsd_write_conf() {
	_conf="$NSD_DIR/nsd.conf"
	cat >"$_conf" <<EOF
server:
	ip-address: 127.0.0.1
	port: $NSD_PORT
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$NSD_DIR"
	database: ""
	zonelistfile: "$NSD_DIR/zone.list"
	xfrdfile: "$NSD_DIR/xfrd.state"
	xfrdir: "$NSD_DIR"
	pidfile: "$NSD_DIR/nsd.pid"
	logfile: "$NSD_DIR/nsd.log"
	server-count: 1
	reuseport: no
	hide-version: yes
	verbosity: 1
remote-control:
	control-enable: no
EOF
	for _z in "$1"/*.zone; do
		[ -e "$_z" ] || continue
		_origin=$(basename "$_z" .zone)
		# root.zone is the root zone: every name no other zone serves
		# gets an authoritative NXDOMAIN, as on the internet (not a
		# REFUSED that a resolver turns into SERVFAIL)
		[ "$_origin" = root ] && _origin=.
		if ! "$(nsd_bin nsd-checkzone)" "$_origin" "$_z" \
		    >"$NSD_DIR/check.log" 2>&1 &&
		    [ "${NSD_ALLOW_BROKEN:-}" != 1 ]; then
			echo "nsd.sh: zone $_origin does not check:" >&2
			cat "$NSD_DIR/check.log" >&2
			return 1
		fi
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' \
		    "$_origin" "$(cd "$(dirname "$_z")" && pwd)/$(basename "$_z")" \
		    >>"$_conf"
	done
}

# nsd_wait_up - until NSD answers a query (any RCODE) or 10 s pass
nsd_wait_up() {
	_i=0
	while [ $_i -lt 100 ]; do
		kill -0 "$NSD_PID" 2>/dev/null || return 1
		if dig @127.0.0.1 -p "$NSD_PORT" +tries=1 +time=1 . SOA \
		    >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# nsd_start [ZONEDIR] - start NSD; see the top of this file
nsd_start() {
	_zonedir=${1:-$top_srcdir/tests/zones}
	NSD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hm-nsd.XXXXXX") || return 1
	for _try in 1 2 3 4 5; do
		NSD_PORT=$(nsd_free_port) || return 1
		nsd_write_conf "$_zonedir" || return 1
		"$(nsd_bin nsd)" -d -c "$NSD_DIR/nsd.conf" \
		    >>"$NSD_DIR/stderr.log" 2>&1 &
		NSD_PID=$!
		export NSD_PORT NSD_PID NSD_DIR
		if nsd_wait_up; then
			return 0
		fi
		kill "$NSD_PID" 2>/dev/null
		wait "$NSD_PID" 2>/dev/null
	done
	echo "nsd.sh: NSD did not start; its log:" >&2
	cat "$NSD_DIR/stderr.log" "$NSD_DIR/nsd.log" >&2 2>/dev/null
	return 1
}

# nsd_start_resolver DIR ZONEDIR - NSD as the system resolver (inside unshare -rmn)
nsd_start_resolver() {
	ip link set lo up || return 1
	echo "nameserver 127.0.0.1" >"$1/resolv.conf"
	mount --bind "$1/resolv.conf" /etc/resolv.conf || return 1
	NSD_DIR=$1/nsd53
	NSD_PORT=53
	mkdir -p "$NSD_DIR"
	nsd_write_conf "$2" || return 1
	"$(nsd_bin nsd)" -d -c "$NSD_DIR/nsd.conf" >"$NSD_DIR/stderr.log" 2>&1 &
	NSD_PID=$!
	nsd_wait_up || { cat "$NSD_DIR/stderr.log"; return 1; }
}

# nsd_stop - stop our NSD (TERM, then KILL after 5 s) and clean up
nsd_stop() {
	if [ -n "${NSD_PID:-}" ] && kill -0 "$NSD_PID" 2>/dev/null; then
		kill "$NSD_PID" 2>/dev/null
		_i=0
		while kill -0 "$NSD_PID" 2>/dev/null && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -9 "$NSD_PID" 2>/dev/null
		wait "$NSD_PID" 2>/dev/null
	fi
	NSD_PID=
	if [ -n "${NSD_DIR:-}" ] && [ -d "$NSD_DIR" ]; then
		rm -rf "$NSD_DIR"
	fi
	NSD_DIR=
}
