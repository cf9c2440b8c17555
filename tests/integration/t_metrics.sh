#!/bin/bash
# tests/integration/t_metrics.sh - the Prometheus endpoint (metrics_listen) of a hallmarkd behind
# a real Postfix, its DNS being tests/dns/faultdns ("ok.*": SPF "-all", DMARC p=reject).
#
#   1. the scrape is HTTP/1.0 200 text/plain; version=0.0.4 and passes tests/tools/promparse.py,
#      a strict parser of the text format (shown to refuse doctored copies first), and
#      `promtool check metrics` when promtool (Debian package prometheus) is installed;
#   2. three messages move the counters by exactly what they did: an internal client's message
#      (accepted, signed rsa-sha256, no results), an unsigned message from outside From
#      ok.example (spf=fail, dkim=none, dmarc=fail: rejected), and the signed one sent again from
#      outside (spf=fail, dkim=pass, dmarc=pass: accepted); DNS queries counted by type equal
#      the latency histogram's count; in-flight back to 0;
#   3. a malformed request gets 400, an oversized one 400, another path 404, a silent client is
#      dropped, and the daemon still delivers mail and answers the next scrape; a DMARC failure
#      from the allow-listed relay (dmarc.vendors) counts one override by reason and list name.
#   4. a broken key skipped at a reload (on_bad_key = "skip"), and one failing a reload, each
#      count one key load error;
#   5. a transaction abandoned with RSET counts one aborted message, no other protocol error.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init metrics
command -v openssl >/dev/null 2>&1 || rig_skip "openssl not found"
PARSE="python3 $top_srcdir/tests/tools/promparse.py"
# promtool (Debian package prometheus) checks the scrapes too when installed
PROMTOOL=$(command -v promtool || true)
rig_log "promtool: ${PROMTOOL:-not installed (only promparse.py checks the format)}"
K=$RIG_DIR/keys
M=$RIG_DIR/msg
mkdir -p "$K" "$M"
chmod 700 "$K"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/ok.pem" 2>/dev/null
chmod 600 "$K/ok.pem"
faultdns_start "$RIG_DIR" --dkim-key "$(dkim_txt "$K/ok.pem")" || fail "faultdns did not start"
rig_on_exit 'stop "$FD_PID"'

# ---- 0. the parser refuses what the format forbids --------------------------------------------
good='# HELP a_total A.
# TYPE a_total counter
a_total{x="1"} 3
# TYPE h histogram
h_bucket{le="1"} 1
h_bucket{le="+Inf"} 2
h_sum 3.5
h_count 2
'
printf '%s' "$good" | $PARSE > /dev/null || fail "promparse refuses a valid exposition"
bad_case() {	# NAME TEXT - promparse must refuse TEXT
	if printf '%s' "$2" | $PARSE > /dev/null 2>&1; then fail "promparse accepts: $1"; fi
}
bad_case "no TYPE" 'b_total 1
'
bad_case "duplicate series" "$good"'a_total{x="1"} 3
'
bad_case "TYPE after samples" "${good/\# TYPE a_total counter
a_total\{x=\"1\"\} 3/a_total\{x=\"1\"\} 3
\# TYPE a_total counter}"
bad_case "unquoted label" "${good/x=\"1\"/x=1}"
bad_case "bad escape" "${good/x=\"1\"/x=\"\\q\"}"
bad_case "non-cumulative buckets" "${good/h_bucket\{le=\"+Inf\"\} 2/h_bucket\{le=\"+Inf\"\} 0}"
bad_case "+Inf != count" "${good/h_count 2/h_count 5}"
bad_case "bad value" "${good/a_total\{x=\"1\"\} 3/a_total\{x=\"1\"\} three}"
bad_case "negative counter" "${good/a_total\{x=\"1\"\} 3/a_total\{x=\"1\"\} -3}"
bad_case "no final newline" "${good%$'\n'}"

# ---- 0b. hallmarkd -n checks metrics_listen --------------------------------------------------
for v in '""' '"9891"' '"127.0.0.1:9891"' '"[::1]:9891"'; do
	printf 'metrics_listen = %s;\n' "$v" > "$RIG_DIR/listen.conf"
	"$HALLMARKD" -n -c "$RIG_DIR/listen.conf" > "$RIG_DIR/listen.out" 2>&1 ||
		fail "hallmarkd -n refuses metrics_listen = $v" "$RIG_DIR/listen.out"
done
for v in '"::1:9891"' '"localhost:9891"' '"127.0.0.1:0"' '"127.0.0.1:65536"' '"abc"' '":9891"'; do
	printf 'metrics_listen = %s;\n' "$v" > "$RIG_DIR/listen.conf"
	if "$HALLMARKD" -n -c "$RIG_DIR/listen.conf" > "$RIG_DIR/listen.out" 2>&1; then
		fail "hallmarkd -n accepts metrics_listen = $v"
	fi
	assert_file_match 'listen.conf:1: metrics_listen: ' "$RIG_DIR/listen.out" "metrics_listen = $v: error with file:line"
done

# ---- start: hallmarkd with the endpoint, Postfix --------------------------------------------
rig_free_port MPORT
# conf [KEYS [TABLE-KEYS [EXTRA]]] - the configuration: faultdns, the endpoint, a vendor
# allow-list, signing for ok.example
conf() {
	echo "dns = { forwarders = [\"127.0.0.1@$FD_PORT\"]; };
metrics_listen = \"$MPORT\";
dmarc = { vendors = ( { name = \"survey-vendor\"; networks = [\"203.0.113.0/24\"];
                       domains = [\"ok.example\"]; reason = \"trusted_forwarder\"; } ); };
dkim_sign = {
  keys = ( { name = \"ok\"; domain = \"ok.example\"; selector = \"s1\";
             key_file = \"$K/ok.pem\"; } ${1:-} );
  signing_table = ( { pattern = \"ok.example\"; keys = [\"ok\"${2:-}]; } );
  ${3:-}
};"
}
hm_start "$(conf)"
wait_listen "$MPORT" 5 "$HM_PID" || fail "metrics endpoint not listening on 127.0.0.1:$MPORT" "$HM_LOG"
pf_start

# http REQUEST - send REQUEST raw to the endpoint, print the whole reply
http() {
	python3 - "$MPORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode('latin-1'))
out = b''
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode('latin-1'))
PY
}

N=0
# scrape - the parsed series into $RIG_DIR/scrape.N (N incremented)
scrape() {
	local raw
	N=$(( N + 1 ))
	raw=$RIG_DIR/raw.$N
	http $'GET /metrics HTTP/1.0\r\n\r\n' > "$raw"
	head -n 1 "$raw" | grep -q '^HTTP/1.0 200 ' || fail "scrape $N: not 200" "$raw"
	grep -qi '^Content-Type: text/plain; version=0.0.4' "$raw" || fail "scrape $N: content type" "$raw"
	sed '1,/^\r$/d' "$raw" > "$raw.body"
	$PARSE "$raw.body" > "$RIG_DIR/scrape.$N" 2> "$RIG_DIR/parse.$N" ||
		fail "scrape $N: $(cat "$RIG_DIR/parse.$N")" "$raw.body"
	if [ -n "$PROMTOOL" ]; then
		promtool check metrics < "$raw.body" > "$RIG_DIR/promtool.$N" 2>&1 ||
			fail "scrape $N: promtool check metrics" "$RIG_DIR/promtool.$N"
	fi
}
# val N SERIES - its value in scrape N (0 when absent: the test then fails on the delta)
val() { awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print "absent" }' "$RIG_DIR/scrape.$1"; }
# delta SERIES WANT - the series moved by WANT between scrape 1 and scrape 2
delta() {
	local a b
	a=$(val 1 "$1") b=$(val 2 "$1")
	[ "$a" != absent ] && [ "$b" != absent ] || fail "series $1 absent"
	assert_eq "$2" "$(( ${b%.*} - ${a%.*} ))" "$1 moved by $2"
}
# sum N PREFIX - the sum of every series starting with PREFIX in scrape N
sum() { awk -v p="$2" 'index($1, p) == 1 { s += $2 } END { print s + 0 }' "$RIG_DIR/scrape.$1"; }

# ---- 1. the first scrape ------------------------------------------------------------------------
scrape
VERSION=$("$HALLMARKD" --version | awk 'NR == 1 { print $2 }')
assert_eq 1 "$(val 1 "hallmark_build_info{version=\"$VERSION\"}")" "build info with the version"
assert_eq 0 "$(val 1 hallmark_messages_in_flight)" "nothing in flight at start"

# ---- 2. three messages ------------------------------------------------------------------------
mkmsg() {
	{
		printf 'X-Test-Id: %s\r\nFrom: Alice <alice@ok.example>\r\n' "$1"
		printf 'To: Someone <rcpt@example.net>\r\nSubject: test %s\r\n' "$1"
		printf 'Date: Mon, 23 Nov 2026 12:00:00 +0000\r\nMessage-ID: <%s@hallmark.test>\r\n' "$1"
		printf '\r\nHello from %s.\r\n' "$1"
	} > "$M/$1"
}
SENT=0
mkmsg internal
send_msg --data "$M/internal" --addr 127.0.0.9 --from bounce@ok.example
SENT=$(( SENT + 1 )); wait_delivered "$SENT" 30
delivered_by "X-Test-Id: internal" > "$M/internal.out"
assert_hdr_count DKIM-Signature 1 "$M/internal.out"

mkmsg unsigned
send_msg --data "$M/unsigned" --addr 198.51.100.7 --from bounce@ok.example --expect 5 ||
	fail "the unsigned message from outside was not rejected" "$HM_LOG"

{ printf 'X-Test-Id: inbound\r\n'; grep -v '^X-Test-Id:' "$M/internal.out"; } > "$M/inbound"
send_msg --data "$M/inbound" --addr 198.51.100.7 --from bounce@ok.example
SENT=$(( SENT + 1 )); wait_delivered "$SENT" 30
scrape

delta 'hallmark_messages_total{action="accept"}' 2
delta 'hallmark_messages_total{action="reject"}' 1
delta 'hallmark_messages_total{action="quarantine"}' 0
delta 'hallmark_messages_total{action="tempfail"}' 0
delta 'hallmark_signatures_total{algorithm="rsa-sha256"}' 1
delta 'hallmark_signatures_total{algorithm="ed25519-sha256"}' 0
delta 'hallmark_results_total{method="spf",result="fail"}' 2
delta 'hallmark_results_total{method="dkim",result="pass"}' 1
delta 'hallmark_results_total{method="dkim",result="none"}' 1
delta 'hallmark_results_total{method="dmarc",result="pass"}' 1
delta 'hallmark_results_total{method="dmarc",result="fail"}' 1
assert_eq 6 "$(( $(sum 2 hallmark_results_total) - $(sum 1 hallmark_results_total) ))" \
	"no other result counted (2 inbound messages x 3 methods)"
q=$(( $(sum 2 hallmark_dns_queries_total) - $(sum 1 hallmark_dns_queries_total) ))
h=$(( $(val 2 hallmark_dns_query_duration_seconds_count) - $(val 1 hallmark_dns_query_duration_seconds_count) ))
[ "$q" -gt 0 ] || fail "no DNS query counted for two inbound messages"
assert_eq "$q" "$h" "every DNS query counted once in the latency histogram"
[ "$(( $(sum 2 'hallmark_dns_queries_total{type="TXT"') - $(sum 1 'hallmark_dns_queries_total{type="TXT"') ))" -ge 4 ] ||
	fail "fewer than 4 TXT queries counted (SPF and _dmarc of two messages)"
assert_eq 0 "$(val 2 hallmark_messages_in_flight)" "nothing in flight after the messages"
rig_log "3 messages: $q DNS queries, $(( $(val 2 hallmark_dns_cache_hits_total) - $(val 1 hallmark_dns_cache_hits_total) )) cache hits"

# ---- 3. bad requests ------------------------------------------------------------------------------
assert_match '^HTTP/1.0 400 ' "$(http $'BLAH\r\n\r\n' | head -n 1)" "malformed request: 400"
assert_match '^HTTP/1.0 400 ' "$(http "GET /$(head -c 5000 /dev/zero | tr '\0' a) HTTP/1.0"$'\r\n\r\n' | head -n 1)" \
	"oversized request: 400"
assert_match '^HTTP/1.0 404 ' "$(http $'GET /other HTTP/1.0\r\n\r\n' | head -n 1)" "another path: 404"
assert_match '^HTTP/1.0 400 ' "$(http $'POST /metrics HTTP/1.0\r\n\r\n' | head -n 1)" "POST: 400"
SECONDS_BEFORE=$SECONDS
assert_match '^HTTP/1.0 400 ' "$(http 'GET /metr' | head -n 1)" "a client that stops mid-request: 400"
[ $(( SECONDS - SECONDS_BEFORE )) -le 5 ] || fail "a silent client held the endpoint for more than 5 s"
# a client trickling its request a byte at a time is cut off after 2 s in all
SECONDS_BEFORE=$SECONDS
reply=$(python3 - "$MPORT" <<'PY'
import select, socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=20)
for c in b'GET /metrics HTTP/1.0':
    s.send(bytes([c]))
    if select.select([s], [], [], 0.5)[0]:
        break	# the reply came: stop sending
out = b''
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        out += b
except OSError:
    pass
sys.stdout.write(out.decode('latin-1'))
PY
)
assert_match '^HTTP/1.0 400 ' "$reply" "a trickling client: 400"
[ $(( SECONDS - SECONDS_BEFORE )) -le 5 ] || fail "the trickling client was not cut off after 2 s"
kill -0 "$HM_PID" || fail "hallmarkd died after bad requests" "$HM_LOG"
mkmsg after
send_msg --data "$M/after" --addr 127.0.0.9 --from bounce@ok.example
SENT=$(( SENT + 1 )); wait_delivered "$SENT" 30
mkmsg vendor
send_msg --data "$M/vendor" --addr 203.0.113.5 --from bounce@ok.example
SENT=$(( SENT + 1 )); wait_delivered "$SENT" 30
scrape
assert_eq 4 "$(( $(val 3 'hallmark_messages_total{action="accept"}') - $(val 1 'hallmark_messages_total{action="accept"}') ))" \
	"after the bad requests: mail still flows and is counted"
assert_eq absent "$(val 2 'hallmark_dmarc_overrides_total{reason="trusted_forwarder",by="survey-vendor"}')" \
	"no override before the vendor's message"
assert_eq 1 "$(val 3 'hallmark_dmarc_overrides_total{reason="trusted_forwarder",by="survey-vendor"}')" \
	"the allow-listed relay's DMARC failure: one override by reason and list name"

# ---- 4. key load errors: a broken key skipped, then one failing a reload -----------------------
printf 'garbage\n' > "$K/broken.pem"
chmod 600 "$K/broken.pem"
BROKEN=', { name = "broken"; domain = "ok.example"; selector = "s2"; key_file = "'"$K"'/broken.pem"; }'
hm_reload "$(conf "$BROKEN" ', "broken"' 'on_bad_key = "skip";')" ||
	fail "reload with a broken key under on_bad_key = skip" "$HM_LOG"
scrape
assert_eq 1 "$(( $(val 4 hallmark_key_load_errors_total) - $(val 3 hallmark_key_load_errors_total) ))" \
	"a key skipped (on_bad_key = skip): one key load error"
if hm_reload "$(conf "$BROKEN" ', "broken"')"; then
	fail "a reload with a broken key (on_bad_key = fail) succeeded" "$HM_LOG"
fi
scrape
assert_eq 1 "$(( $(val 5 hallmark_key_load_errors_total) - $(val 4 hallmark_key_load_errors_total) ))" \
	"a reload refused for a broken key: one key load error"
kill -0 "$HM_PID" || fail "hallmarkd died on the refused reload" "$HM_LOG"

# ---- 5. a transaction the client abandons (RSET after RCPT): Postfix aborts it in the milter ----
smtp_open 198.51.100.7 || fail "SMTP session" "$PF_DIR/maillog"
smtp_cmd 'MAIL FROM:<bounce@ok.example>' 250 && smtp_cmd 'RCPT TO:<rcpt@example.net>' 250 &&
	smtp_cmd 'RSET' 250 && smtp_cmd 'QUIT' 221 || fail "SMTP MAIL, RCPT, RSET, QUIT" "$PF_DIR/maillog"
smtp_close
for i in $(seq 1 50); do
	scrape
	[ "$(val $N 'hallmark_milter_protocol_errors_total{kind="aborted"}')" = 1 ] && break
	sleep 0.1
done
assert_eq 1 "$(val $N 'hallmark_milter_protocol_errors_total{kind="aborted"}')" "RSET: one aborted message"
assert_eq 0 "$(val $N 'hallmark_milter_protocol_errors_total{kind="closed_mid_message"}')" \
	"no connection closed mid-message"
assert_eq 0 "$(val $N 'hallmark_milter_protocol_errors_total{kind="out_of_order"}')" "no command out of order"
assert_eq 0 "$(val $N hallmark_messages_in_flight)" "the aborted message is not in flight"
ok "metrics: strict text format, exact counter moves for accept/reject/sign, 400/404 for bad requests"
