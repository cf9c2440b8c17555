# tests/lib/common.sh - small helpers shared by the test scripts.
#
# Sourced (bash), not run: by the standalone scripts in tests/integration/ and
# tests/dkim/, and by tests/lib/postfix.sh (so by every rig test). Sourcing it
# starts nothing and installs no trap (work_dir does, when called). It reads
# CI, top_srcdir and CHECK_STOP; it sets fails (fail), WORK (work_dir), FD_PID and
# FD_PORT (faultdns_start).
#
#   skip_test REASON      a prerequisite is missing: exit 77 (skip), or exit 1
#                         when CI=true (there a missing tool is a failure)
#   missing WHAT          skip_test "WHAT is missing"
#   The one assertion vocabulary of the shell tests (the rig's too):
#   ok MSG                report a passed check ("ok: MSG")
#   fail MSG [FILE]       report a failed check ("FAIL: MSG", then FILE's
#                         content when given), add 1 to $fails; then exit 1
#                         when CHECK_STOP=1 (the rig sets it: a rig test ends
#                         at its first failure), else go on (the script sets
#                         fails=0 and decides its exit status from it)
#   check WHAT CMD...     run CMD: ok WHAT when it succeeds, fail WHAT if not
#   assert_eq WANT GOT WHAT [FILE]
#   assert_match ERE TEXT WHAT [FILE]     a line of TEXT matches ERE
#   assert_no_match ERE TEXT WHAT [FILE]
#   assert_file_match ERE FILE WHAT       a line of FILE matches ERE
#   text_match ERE TEXT   true when a line of TEXT matches ERE (no fork for
#                         one-line TEXT)
#   report LINE           where ok and fail write: stdout (postfix.sh sends
#                         it to stderr, prefixed, via rig_log)
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
#   need_hallmarkd        HALLMARKD (top_builddir's hallmarkd) and MILTERC
#                         (tests/tools/milterc.py) set; missing unless
#                         hallmarkd is built and /usr/bin/python3 exists
#   need_dnsq             DNSQ (tests/tools/hm-dnsq) set; missing unless it is
#                         built and /usr/bin/python3 (for faultdns) exists
#   hm_run                stdin: a hallmark.conf, written to WORK/h.conf;
#                         start HALLMARKD -f on it (stderr to
#                         WORK/hallmarkd.log, HM_PID set) and wait_listening;
#                         when it does not listen: "FAIL", its log, exit 1
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

# report LINE - one line of a test's findings (postfix.sh redefines it)
report() { echo "$*"; }

# ok MSG - report a passed check
ok() { report "ok: $*"; }

# fail MSG [FILE] - report a failed check (with FILE's content), count it in
# $fails; exit 1 when CHECK_STOP=1
fail() {
	report "FAIL: $1"
	if [ -n "${2:-}" ] && [ -f "$2" ]; then
		printf -- '----- %s -----\n' "$2" >&2
		sed 's/^/    /' "$2" >&2
	fi
	fails=$(( ${fails:-0} + 1 ))
	[ "${CHECK_STOP:-0}" = 1 ] && exit 1
	return 0
}

# check WHAT CMD... - ok WHAT when CMD succeeds, else fail WHAT
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# text_match ERE TEXT - does a line of TEXT match ERE (no fork for one-line TEXT)
text_match() {
	case $2 in
	*$'\n'*) printf '%s\n' "$2" | grep -Eq -- "$1" ;;
	*) [[ $2 =~ $1 ]] ;;
	esac
}

# assert_eq WANT GOT WHAT [FILE]
assert_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else fail "$3: wanted '$1', got '$2'" "${4:-}"; fi
}

# assert_match ERE TEXT WHAT [FILE] - a line of TEXT matches the extended regex ERE
assert_match() {
	if text_match "$1" "$2"; then ok "$3"; else fail "$3: '$2' does not match /$1/" "${4:-}"; fi
}

# assert_no_match ERE TEXT WHAT [FILE]
assert_no_match() {
	if text_match "$1" "$2"; then fail "$3: '$2' matches /$1/" "${4:-}"; else ok "$3"; fi
}

# assert_file_match ERE FILE WHAT - some line of FILE matches ERE
assert_file_match() {
	if grep -Eq -- "$1" "$2"; then ok "$3"; else fail "$3: no line matches /$1/" "$2"; fi
}

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

# need_hallmarkd - HALLMARKD, MILTERC; skip unless hallmarkd and /usr/bin/python3 are there
need_hallmarkd() {
	HALLMARKD=$top_builddir/hallmarkd
	MILTERC=$top_srcdir/tests/tools/milterc.py
	[ -x "$HALLMARKD" ] || missing "hallmarkd (run make first)"
	[ -x /usr/bin/python3 ] || missing /usr/bin/python3
}

# need_dnsq - DNSQ; skip unless hm-dnsq is built and /usr/bin/python3 (faultdns) is there
need_dnsq() {
	DNSQ=$top_builddir/tests/tools/hm-dnsq
	[ -x "$DNSQ" ] || missing "tests/tools/hm-dnsq (run make check)"
	[ -x /usr/bin/python3 ] || missing /usr/bin/python3
}

# hm_run - stdin to WORK/h.conf, HALLMARKD -f on it (HM_PID); exit 1 unless it listens
hm_run() {
	cat >"$WORK/h.conf"
	"$HALLMARKD" -f -c "$WORK/h.conf" 2>"$WORK/hallmarkd.log" &
	HM_PID=$!
	wait_listening "$WORK/hallmarkd.log" "$HM_PID" ||
	    { echo "FAIL: hallmarkd did not start"; cat "$WORK/hallmarkd.log"; exit 1; }
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
