#!/bin/bash
# tests/integration/t_miltergen.sh - the benchmark's load generator
# (tests/bench/miltergen) against a real OpenDKIM, so that it cannot rot.
#
# Checks: OpenDKIM signing on inet: 20 messages, 2 connections, reconnect
# every 3 messages, two senders of which one is signed: the verdict and
# header-change counts must be exact (20 accepted, 10 inserted headers), the
# milter's CPU and RSS must be read; the same over a unix socket, and paced
# (--rate 20: 10 messages take at least 0.45 s); a peer that
# replies garbage, one that closes, one that never answers and a refused
# port each give errors and exit status 1 or 2 quickly, never a hang.
#
# Exit 0 pass, 1 fail, 77 skip (opendkim or openssl missing and CI is not
# "true").  Private temp dir and ports; stops what it starts.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"	# ok, fail
MG=$top_builddir/tests/bench/miltergen
fails=0
WORK=
PIDS=

say() { printf 't_miltergen: %s\n' "$*"; }

cleanup() {
	local p
	for p in $PIDS; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT

for t in opendkim openssl ss; do
	if ! command -v "$t" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$t" ]; then
		[ "${CI:-}" = true ] && { say "FAIL: $t missing"; exit 1; }
		say "SKIP: $t missing"
		exit 77
	fi
done
[ -x "$MG" ] || { say "FAIL: $MG not built"; exit 1; }
PATH=$PATH:/usr/sbin

WORK=$(mktemp -d "${TMPDIR:-/tmp}/t_miltergen.XXXXXX") || exit 1

# free_port - a loopback TCP port free right now
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# kv KEY LINE - a value from a miltergen --kv line
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# expect NAME LINE KEY=VALUE... - exact counts
expect() {
	local name=$1 line=$2 pair got
	shift 2
	for pair in "$@"; do
		got=$(kv "${pair%%=*}" "$line")
		[ "$got" = "${pair#*=}" ] ||
		    fail "$name: ${pair%%=*} is '$got', want '${pair#*=}' ($line)"
	done
}

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$WORK/key.pem" 2>/dev/null || { fail "openssl genpkey"; exit 1; }
chmod 600 "$WORK/key.pem"
for d in bench.example other.example; do
	cat >"$WORK/$d.eml" <<-EOF
	From: Sender <sender@$d>
	To: rcpt@rcpt.example
	Subject: miltergen smoke test,
	 folded
	Date: Mon, 23 Nov 2026 10:00:00 +0000
	Message-ID: <smoke@$d>

	Hello.
	EOF
done

# start_opendkim SOCKSPEC - a signing OpenDKIM for bench.example; sets ODPID
start_opendkim() {
	local i=0 p dir=$WORK/od.$RANDOM
	mkdir -p "$dir"
	cat >"$dir/opendkim.conf" <<-EOF
	Syslog no
	Mode s
	Domain bench.example
	Selector smoke
	KeyFile $WORK/key.pem
	RequireSafeKeys no
	InternalHosts 192.0.2.0/24
	PidFile $dir/pid
	EOF
	opendkim -f -x "$dir/opendkim.conf" -p "$1" >"$dir/log" 2>&1 &
	ODPID=$!
	PIDS="$PIDS $ODPID"
	while [ $i -lt 100 ]; do
		kill -0 "$ODPID" 2>/dev/null || break
		case $1 in
		inet:*) p=${1#inet:}
			ss -ltnH "sport = :${p%@*}" 2>/dev/null |
			    grep -q . && return 0 ;;
		local:*) [ -S "${1#local:}" ] && return 0 ;;
		esac
		sleep 0.1
		i=$((i + 1))
	done
	say "opendkim did not start: $(cat "$dir/log")"
	return 1
}

# 1. inet socket, two connections, reconnect every 3 messages
port=$(free_port)
if start_opendkim "inet:$port@127.0.0.1"; then
	out=$(timeout 60 "$MG" --socket "inet:$port@127.0.0.1" --messages 20 \
	    --concurrency 2 --reuse 3 --pid "$ODPID" --kv \
	    "$WORK/bench.example.eml" "$WORK/other.example.eml")
	rc=$?
	[ $rc = 0 ] || fail "inet run: exit $rc ($out)"
	expect inet "$out" messages=20 errors=0 accept=20 reject=0 \
	    tempfail=0 inshdr=10 addhdr=0 chghdr=0
	cpu=$(kv cpu_us_per_msg "$out")
	case $cpu in ""|-*) fail "inet: no CPU figure ($out)" ;; esac
	hwm=$(kv hwm_kib "$out")
	[ "${hwm:-0}" -gt 0 ] 2>/dev/null || fail "inet: no VmHWM ($out)"
	# human-readable output too
	"$MG" --socket "inet:$port@127.0.0.1" --messages 3 \
	    "$WORK/bench.example.eml" | grep -q '^insert header 3$' ||
	    fail "inet: human output lacks 'insert header 3'"
else
	fail "opendkim (inet) did not start"
fi

# 2. unix socket, messages by seconds
if start_opendkim "local:$WORK/od.sock"; then
	out=$(timeout 60 "$MG" --socket "unix:$WORK/od.sock" --seconds 0.5 \
	    --concurrency 2 --kv "$WORK/bench.example.eml")
	rc=$?
	[ $rc = 0 ] || fail "unix run: exit $rc ($out)"
	n=$(kv messages "$out")
	[ "${n:-0}" -gt 0 ] 2>/dev/null || fail "unix: no messages ($out)"
	expect unix "$out" errors=0 "accept=$n" "inshdr=$n"
	# paced: 10 messages at 20/s take at least 0.45 s (message i starts
	# at i/20 s), however fast the milter is
	out=$(timeout 60 "$MG" --socket "unix:$WORK/od.sock" --messages 10 \
	    --rate 20 --concurrency 2 --kv "$WORK/bench.example.eml")
	expect paced "$out" messages=10 errors=0 accept=10
	secs=$(kv seconds "$out")
	awk -v s="${secs:-0}" 'BEGIN { exit !(s >= 0.45) }' ||
	    fail "paced: 10 messages at 20/s took ${secs:-?} s ($out)"
else
	fail "opendkim (unix) did not start"
fi

# 3. broken peers: errors, never a hang
cat >"$WORK/peer.py" <<'EOF'
import socket, sys, threading, time
mode = sys.argv[1]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
def serve(c):
    try:
        c.recv(100)
        if mode == "garbage":
            c.sendall(b"\xff\xff\xff\xffnonsense")
        elif mode == "silent":
            time.sleep(30)
    finally:
        c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
for mode in garbage close silent; do
	/usr/bin/python3 -u "$WORK/peer.py" $mode >"$WORK/$mode.port" &
	PIDS="$PIDS $!"
	i=0
	while [ ! -s "$WORK/$mode.port" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	port=$(cat "$WORK/$mode.port")
	start=$(date +%s)
	out=$(timeout 30 "$MG" --socket "inet:$port@127.0.0.1" --messages 5 \
	    --concurrency 2 --timeout 1 --kv "$WORK/bench.example.eml")
	rc=$?
	case $rc in
	1|2) ;;
	124) fail "$mode: miltergen hung" ;;
	*) fail "$mode: exit $rc, want 1 or 2 ($out)" ;;
	esac
	[ "$(kv messages "$out")" = 0 ] || fail "$mode: verdicts from a broken peer ($out)"
	[ "$(kv errors "$out")" -gt 0 ] 2>/dev/null || fail "$mode: no errors counted ($out)"
	[ $(($(date +%s) - start)) -le 15 ] || fail "$mode: took too long"
done
expect garbage "$(cd "$WORK" && timeout 30 "$MG" --socket "inet:$(cat garbage.port)@127.0.0.1" --messages 1 --kv bench.example.eml)" err_proto=1 errors=1
port=$(free_port)
out=$(timeout 30 "$MG" --socket "inet:$port@127.0.0.1" --messages 4 --kv \
    "$WORK/bench.example.eml")
[ $? = 2 ] || fail "refused port: want exit 2 ($out)"

if [ $fails -gt 0 ]; then
	say "$fails failure(s)"
	exit 1
fi
say "all passed"
exit 0
