#!/bin/bash
# tests/integration/t_reload.sh - reload under load: while
# tests/tools/smtpload.py keeps messages flowing through a real Postfix
# (smtpd_milters = hallmarkd; half of them from an internal client and
# signed with a dkim_sign key, half from outside and verified), hallmarkd
# gets SIGHUP five times:
#   1. a good new configuration (another authserv_id)   -> reloaded
#   2. a broken configuration (syntax error)            -> reload failed,
#      logged with file:line, the old configuration stays
#   3. the signing key replaced by a new one            -> reloaded, new
#      messages signed with the new key
#   4. the key file made readable by others             -> refused, the
#      old key stays
#   5. a good configuration again                       -> reloaded
# Checks: every message was accepted (250) and delivered, none tempfailed
# or rejected (counted: sent = delivered); hallmarkd logged one accept
# verdict per message; every message from the internal client carries a
# DKIM-Signature that verifies (python3-dkim) with the old or the new key,
# both keys were used, and the last message was signed with the new one;
# Postfix logged no milter error; the load was still running after the
# last reload (smtpload goes on past its count until told to stop, so a
# slow machine cannot end it early).  DNS comes from tests/dns/faultdns
# (names are NXDOMAIN).  At least HM_RELOAD_N (default 200) messages.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

N=${HM_RELOAD_N:-200}
LOAD=$top_srcdir/tests/tools/smtpload.py
D=rl$$.fault.test

rig_init reload
[ -x /usr/bin/python3 ] || rig_skip "/usr/bin/python3 not found"
/usr/bin/python3 -c 'import dkim' 2>/dev/null || rig_skip "python3-dkim not found"
command -v openssl >/dev/null || rig_skip "openssl not found"

faultdns_start "$RIG_DIR" || fail "faultdns did not start"
rig_on_exit 'stop $FD_PID'
DNS_PORT=$FD_PORT

# two RSA keys; hallmarkd reads $K (mode 0600)
K=$RIG_DIR/keys/sign.pem
mkdir -p "$RIG_DIR/keys"
for k in old new; do
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 \
	    -out "$RIG_DIR/keys/$k.pem" 2>/dev/null || fail "openssl genpkey"
	openssl pkey -in "$RIG_DIR/keys/$k.pem" -pubout -outform DER 2>/dev/null |
	    base64 -w0 >"$RIG_DIR/keys/$k.pub"
done
install -m 600 "$RIG_DIR/keys/old.pem" "$K"

# conf AUTHSERV-ID [EXTRA] - the configuration snippet
conf() {
	cat <<EOC
authserv_id = "$1";
internal_networks = ["10.0.0.0/8"];
dns = { forwarders = ["127.0.0.1@$DNS_PORT"]; query_timeout_ms = 1000; };
dmarc = { on_temperror = "tempfail"; };
dkim_sign = {
  keys = ( { name = "k"; domain = "sign.$D"; selector = "s1";
             algorithm = "rsa-sha256"; key_file = "$K"; } );
  signing_table = ( { pattern = "sign.$D"; keys = ["k"]; } );
};
${2:-}
EOC
}

hm_start "$(conf mx.test.example)"
pf_start

# the load: internal (signed) and external (verified) messages, spread out
rig_log "sending at least $N messages, 6 at a time, while reloading"
SMTPLOAD_PAUSE_MS=120 SMTPLOAD_UNTIL_FILE=$RIG_DIR/load.stop \
    /usr/bin/python3 "$LOAD" "$PF_PORT" "$N" 6 \
    "internal,10.0.0.5,s@sign.$D,a@sign.$D" \
    "external,192.0.2.10,s@nxdomain.s.$D,a@nxdomain.f.$D" \
    >"$RIG_DIR/load.out" 2>&1 &
LOAD_PID=$!
rig_on_exit 'kill $LOAD_PID 2>/dev/null'
sleep 1.5

hm_reload "$(conf mx2.test.example)" || fail "1. good configuration: not reloaded" "$HM_LOG"
ok "1. good configuration reloaded under load"
sleep 1

mark=$(wc -l <"$HM_LOG")
hm_reload "$(conf mx3.test.example 'this is not = libconfig')" &&
    fail "2. broken configuration: reported as reloaded" "$HM_LOG"
tail -n +"$((mark + 1))" "$HM_LOG" | grep -q "$HM_CONF:[0-9]" ||
    fail "2. broken configuration: no file:line error logged" "$HM_LOG"
ok "2. broken configuration refused (file:line logged), old one kept"
sleep 1

install -m 600 "$RIG_DIR/keys/new.pem" "$K"
hm_reload "$(conf mx2.test.example)" || fail "3. new key: not reloaded" "$HM_LOG"
ok "3. new signing key reloaded"
sleep 1

chmod 644 "$K"
mark=$(wc -l <"$HM_LOG")
hm_reload "$(conf mx2.test.example)" && fail "4. key readable by others: reloaded" "$HM_LOG"
tail -n +"$((mark + 1))" "$HM_LOG" | grep -q "refused" ||
    fail "4. key readable by others: no refusal logged" "$HM_LOG"
chmod 600 "$K"
ok "4. key file readable by others refused, previous key kept"
sleep 1

hm_reload "$(conf mx.test.example)" || fail "5. good configuration: not reloaded" "$HM_LOG"
ok "5. good configuration reloaded"
kill -0 "$LOAD_PID" 2>/dev/null || fail "the load ended before the last reload" "$RIG_DIR/load.out"
sleep 1
: >"$RIG_DIR/load.stop"
ok "messages were still flowing after the last reload"

wait "$LOAD_PID" || fail "smtpload reported errors" "$RIG_DIR/load.out"
summary=$(tail -n 1 "$RIG_DIR/load.out")
rig_log "clients: $summary"
N=$(sed -n 's/^sent=\([0-9]*\) .*/\1/p' <<<"$summary")
assert_eq "sent=$N 2xx=$N 4xx=0 5xx=0 dropped=0 error=0" "$summary" "every message accepted"
wait_delivered "$N" 60 || fail "not every message was delivered" "$PF_DIR/maillog"
assert_eq "$N" "$(sent_count)" "delivered = sent"
assert_eq "$N $N" "$(grep -c ' rcpts=.* action=' "$HM_LOG") $(grep -c ' rcpts=.* action=accept' "$HM_LOG")" \
    "hallmarkd: one verdict per message, all accept"
assert_eq 0 "$(grep -Ec 'milter.*(unavailable|timeout|error)|warning: milter' "$PF_DIR/maillog" || true)" \
    "Postfix logged no milter error"
assert_eq 2 "$(grep -c 'reload failed' "$HM_LOG")" "two reloads refused"
kill -0 "$HM_PID" 2>/dev/null || fail "hallmarkd died" "$HM_LOG"

# every internal message signed, verifying with the old or the new key
sink_files >"$RIG_DIR/files"
/usr/bin/python3 - "$RIG_DIR/files" "$RIG_DIR/keys/old.pub" "$RIG_DIR/keys/new.pub" \
    >"$RIG_DIR/verify.out" <<'EOP' || fail "DKIM check of the delivered messages" "$RIG_DIR/verify.out"
import sys, dkim
files, oldp, newp = sys.argv[1:]
keys = {k: b"v=DKIM1; k=rsa; p=" + open(p, "rb").read().strip()
        for k, p in (("old", oldp), ("new", newp))}
n = {"old": 0, "new": 0, "unsigned": 0, "bad": 0, "external": 0}
last = None
for f in open(files).read().split():
    m = open(f, "rb").read()
    if b"X-Load-Id: internal-" not in m:
        n["external"] += 1
        continue
    if b"DKIM-Signature:" not in m:
        n["unsigned"] += 1
        last = "unsigned"
        continue
    for k in ("old", "new"):
        if dkim.verify(m, dnsfunc=lambda name, timeout=5, k=k: keys[k]):
            n[k] += 1
            last = k
            break
    else:
        n["bad"] += 1
        last = "bad"
print(" ".join("%s=%d" % kv for kv in n.items()), "last=%s" % last)
EOP
v=$(cat "$RIG_DIR/verify.out")
rig_log "DKIM: $v"
assert_match "^old=[1-9][0-9]* new=[1-9][0-9]* unsigned=0 bad=0 external=$((N / 2)) last=new$" "$v" \
    "internal messages all signed, old key then new key, none unsigned or bad"
