#!/bin/bash
# tests/integration/t_dkim_verify.sh - DKIM verification end to end: every message of the
# interop corpus (tests/dkim/corpus: signed by python3-dkim and Mail::DKIM, plus a body-tampered
# and a header-tampered copy of each) goes through a real Postfix (smtpd_milters = hallmarkd) to
# smtp-sink; the keys are served by a real NSD from tests/zones/dkim.example.zone.
#
# tests/dkim/check-ar checks every delivered message: our Authentication-Results header has one
# dkim= entry per signature with the result and reason of tests/dkim/corpus/MANIFEST (no comment
# when it names no reason) and header.d/s/i/a/b equal to the signature's d=, s=, i= (or @d), a=
# and the first 8 characters of b=.
#
# Then the key lookup faults, with hallmarkd's DNS pointed at tests/dns/faultdns: a SERVFAIL and
# a timeout give temperror, NXDOMAIN, a TXT record that is not a key and an 8000-byte garbage
# record (over TCP) permerror; and a key NSD does not have (NXDOMAIN from a real server).
#
# Messages are sent over one SMTP session per phase (XCLIENT, then MAIL/RCPT/DATA per message),
# each with a unique X-Test-Id header on top (no signature covers it) to find it again.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

CORPUS=$top_srcdir/tests/dkim/corpus
CHECK_AR=$top_srcdir/tests/dkim/check-ar
FAULTDNS=$top_srcdir/tests/dns/faultdns
ID=mx.test.example

rig_init dkim_verify
[ -x /usr/bin/python3 ] || rig_skip "/usr/bin/python3 not found"
rig_dns
hm_start ''
pf_start
M=$RIG_DIR/msg
mkdir -p "$M"
SENT=0

# send_all MANIFEST - send every message of MANIFEST (files in $M) over one SMTP session
send_all() {
	local line f
	smtp_open 203.0.113.5 relay1.example || fail "SMTP session did not open"
	while IFS= read -r line; do
		case $line in '#'*|'') continue ;; esac
		f=${line%%$'\t'*}
		smtp_cmd "MAIL FROM:<sender@dkim.example>" 250 &&
			smtp_cmd "RCPT TO:<rcpt@hallmark.test>" 250 &&
			smtp_cmd DATA 354 || fail "$f: not accepted for delivery"
		sed 's/^\./../' "$M/$f" >&3
		smtp_cmd . 250 || fail "$f: end of data not accepted"
		SENT=$(( SENT + 1 ))
	done < "$1"
	smtp_cmd QUIT 221 || true
	smtp_close
}

# add_msg NAME - $M/NAME from stdin, with the X-Test-Id header on top
add_msg() { { printf 'X-Test-Id: t-%s\r\n' "$1"; cat; } > "$M/$1"; }

# check MANIFEST WHAT - check-ar over everything delivered so far
check() {
	/usr/bin/python3 "$CHECK_AR" --authserv-id "$ID" --manifest "$1" --msgs "$M" \
		$(sink_files) > "$M/check.out" 2>&1 || fail "$2" "$M/check.out"
	ok "$2: $(tail -n 1 "$M/check.out")"
}

# ---- 1. the corpus, and a key NSD does not have ------------------------------------------------
while IFS= read -r line; do
	case $line in '#'*|'') continue ;; esac
	f=${line%%$'\t'*}
	add_msg "$f" < "$CORPUS/$f"
done < "$CORPUS/MANIFEST"
grep -v '^#' "$CORPUS/MANIFEST" > "$M/MANIFEST"
sed 's/s=py-rsa;/s=nosuchkey;/' "$CORPUS/py-rsa-rr.eml" | add_msg nsd-nxdomain.eml
printf 'nsd-nxdomain.eml\tpermerror:nosuchkey:key not found\n' >> "$M/MANIFEST"
send_all "$M/MANIFEST"
rig_log "sent $SENT messages"
wait_delivered "$SENT" 120
check "$M/MANIFEST" "every corpus message and tampered copy: result, reason, header.d/s/i/a/b"

# ---- 2. key lookup faults: hallmarkd's DNS goes to faultdns ----------------------------------
/usr/bin/python3 "$FAULTDNS" --port-file "$RIG_DIR/fd.port" --log "$RIG_DIR/fd.log" &
FD_PID=$!
rig_on_exit "kill $FD_PID 2>/dev/null"
for _ in $(seq 50); do
	[ -s "$RIG_DIR/fd.port" ] && break
	sleep 0.1
done
[ -s "$RIG_DIR/fd.port" ] || fail "faultdns did not start"
hm_stop
NSD_PORT='' hm_start 'dns = { forwarders = ["127.0.0.1@'"$(cat "$RIG_DIR/fd.port")"'"];
	query_timeout_ms = 800; message_budget_ms = 3000; };'
pf_reload
: > "$M/FAULTS"
for c in servfail:temperror:'key lookup failed' timeout:temperror:'key lookup failed' \
	nxdomain:permerror:'key not found' ok:permerror:'bad key record' \
	hugetxt:permerror:'bad key record'; do
	IFS=: read -r sel want why <<< "$c"
	sed "s/s=py-rsa;/s=$sel;/" "$CORPUS/py-rsa-rr.eml" | add_msg "fault-$sel.eml"
	printf 'fault-%s.eml\t%s:%s:%s\n' "$sel" "$want" "$sel" "$why" >> "$M/FAULTS"
done
send_all "$M/FAULTS"
wait_delivered "$SENT" 60
check "$M/FAULTS" "key lookup faults: SERVFAIL and timeout temperror, the others permerror"
for sel in servfail timeout nxdomain ok hugetxt; do
	grep -q " $sel._domainkey.dkim.example TXT" "$RIG_DIR/fd.log" ||
		fail "no key lookup for s=$sel reached faultdns" "$RIG_DIR/fd.log"
done
ok "each key lookup reached faultdns"

rig_log "PASS"
