# tests/lib/common.sh - small helpers shared by the test scripts.
#
# Sourced (bash), not run: by the standalone scripts in tests/integration/ and
# tests/dkim/, and by tests/lib/postfix.sh (so by every rig test). Sourcing it
# starts nothing and installs no trap (work_dir does, when called). It reads
# CI and top_srcdir; it sets fails (bad), WORK (work_dir), FD_PID and
# FD_PORT (faultdns_start).
#
#   skip_test REASON      a prerequisite is missing: exit 77 (skip), or exit 1
#                         when CI=true (there a missing tool is a failure)
#   missing WHAT          skip_test "WHAT is missing"
#   ok MSG / bad MSG      report one check on stdout ("ok: MSG" / "FAIL: MSG");
#                         bad adds 1 to $fails (the caller sets fails=0 and
#                         decides the exit status from it).  postfix.sh
#                         replaces ok with its own (to stderr, via rig_log).
#   free_port             print a loopback TCP port that is free right now
#                         (the kernel picks it; tests/lib/postfix.sh has its
#                         own, rig_free_port, for the rig's servers)
#   work_dir NAME         make the private temp directory WORK
#                         (${TMPDIR:-/tmp}/hm-NAME.XXXXXX) and an EXIT trap
#                         that calls the script's cleanup function, when it
#                         defines one, then removes WORK; exits 1 on failure.
#                         (Not for rig tests: rig_init owns their trap.)
#   stop PID...           SIGTERM each PID (empty ones skipped), then reap it
#   wait_listening LOG PID
#                         until hallmarkd's LOG says "listening on" (true), or
#                         PID exits or 10 s pass (false)
#   faultdns_start DIR [ARG...]
#                         start tests/dns/faultdns ARG... on a free loopback
#                         port (its port file in DIR): FD_PID, FD_PORT set;
#                         false (and nothing left running) when it did not
#                         start in 5 s.  The caller stops FD_PID.
#   zone_head             print the top of a test zone file: $TTL, SOA, NS,
#                         ns A 127.0.0.1 (the origin comes from nsd.sh)
#   dkim_txt KEYFILE      print the DKIM key record "v=DKIM1; k=rsa|ed25519;
#                         p=..." of a PEM private key (openssl)
#   zone_txt OWNER TEXT   print a zone-file TXT line for OWNER with TEXT cut
#                         into 255-byte strings

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

# skip_test REASON - skip (77), or fail (1) under CI=true
skip_test() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL (CI=true, a prerequisite is missing): $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

# missing WHAT - a tool or file WHAT is missing: skip_test
missing() { skip_test "$1 is missing"; }

# ok MSG - report a passed check
ok() { echo "ok: $1"; }

# bad MSG - report a failed check and count it in $fails
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }

# free_port - print a loopback TCP port free right now
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# work_dir NAME - WORK = a new private temp directory, removed at exit
work_dir() {
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/hm-$1.XXXXXX") || exit 1
	trap common_exit EXIT
}

# common_exit - the EXIT trap of work_dir: the script's cleanup, then rm WORK
common_exit() {
	declare -F cleanup >/dev/null && cleanup
	[ -n "${WORK:-}" ] && rm -rf "$WORK"
}

# stop PID... - SIGTERM every (non-empty) PID, then wait for each
stop() {
	local p
	for p in "$@"; do [ -z "$p" ] || kill "$p" 2>/dev/null || :; done
	for p in "$@"; do [ -z "$p" ] || wait "$p" 2>/dev/null || :; done
}

# wait_listening LOG PID - until LOG has "listening on"; false if PID ends or after 10 s
wait_listening() {
	local i
	for i in $(seq 100); do
		grep -q "listening on" "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# faultdns_start DIR [ARG...] - tests/dns/faultdns in the background; FD_PID, FD_PORT
faultdns_start() {
	local dir=$1 i
	shift
	rm -f "$dir/faultdns.port"
	/usr/bin/python3 "$top_srcdir/tests/dns/faultdns" \
	    --port-file "$dir/faultdns.port" "$@" &
	FD_PID=$!
	for i in $(seq 50); do
		[ -s "$dir/faultdns.port" ] && break
		sleep 0.1
	done
	if [ ! -s "$dir/faultdns.port" ]; then
		stop "$FD_PID"
		FD_PID=
		return 1
	fi
	FD_PORT=$(cat "$dir/faultdns.port")
}

# zone_head - the first lines of a test zone file (SOA, NS)
zone_head() {
	printf '$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n'
}

# dkim_txt KEYFILE - the DKIM key record for the private key in KEYFILE
dkim_txt() {
	if openssl pkey -in "$1" -noout -text 2>/dev/null | grep -q ED25519; then
		# RFC 8463: the raw 32-byte key, the tail of the SubjectPublicKeyInfo
		printf 'v=DKIM1; k=ed25519; p=%s\n' \
		    "$(openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | base64 -w0)"
	else
		printf 'v=DKIM1; k=rsa; p=%s\n' \
		    "$(openssl pkey -in "$1" -pubout -outform DER | base64 -w0)"
	fi
}

# zone_txt OWNER TEXT - a TXT line, TEXT split into strings of at most 255 bytes
zone_txt() {
	local rec=$2
	printf '%s TXT' "$1"
	while [ -n "$rec" ]; do
		printf ' "%s"' "${rec:0:255}"
		rec=${rec:255}
	done
	echo
}
