#!/bin/bash
# tests/integration/t_nolost.sh - no message is lost: a real Postfix
# (tests/lib/postfix.sh, smtpd_milters = hallmarkd) takes N concurrent
# transactions from tests/tools/smtpload.py, a mix of messages that must be
# delivered, rejected (DMARC p=reject, 550), tempfailed (DNS SERVFAIL on
# the DMARC lookup, 451) and held (p=quarantine: Postfix's hold queue),
# and clients that hang up in the middle of DATA.  DNS comes from
# tests/dns/faultdns.
#
# Counted three ways, all must agree:
#   the clients:   2xx + 4xx + 5xx + dropped = sent, no other outcome
#   Postfix:       delivered (status=sent) + held (hold queue) = 2xx,
#                  milter-reject 5.x.x = 5xx, 4.x.x = 4xx, lost connection
#                  after DATA = dropped; nothing else left in the queue
#   hallmarkd:     one summary line with an explicit verdict (accept,
#                  reject, tempfail, quarantine) per message that reached
#                  end of data, i.e. sent - dropped, split the same way
# HM_NOLOST_N (default 150) sets N.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

N=${HM_NOLOST_N:-150}
LOAD=$top_srcdir/tests/tools/smtpload.py
D=nl$$.fault.test

rig_init nolost
[ -x /usr/bin/python3 ] || rig_skip "/usr/bin/python3 not found"

# faultdns on a free port, stopped at exit
faultdns_start "$RIG_DIR" || fail "faultdns did not start"
rig_on_exit 'stop $FD_PID'

hm_start "dns = { forwarders = [\"127.0.0.1@$FD_PORT\"]; query_timeout_ms = 1000; };
dmarc = { on_temperror = \"tempfail\"; quarantine_by = \"hold\"; };"
pf_start

# kind,client,MAIL FROM,From: - round robin over N transactions
rig_log "sending $N transactions, 15 at a time"
/usr/bin/python3 "$LOAD" "$PF_PORT" "$N" 15 \
    "accept,192.0.2.10,s@nxdomain.s.$D,a@nxdomain.fa.$D" \
    "reject,192.0.2.11,s@nxdomain.s.$D,a@ok.fr.$D" \
    "tempfail,192.0.2.12,s@nxdomain.s.$D,a@servfail.ft.$D" \
    "hold,192.0.2.13,s@nxdomain.s.$D,a@quar.fq.$D" \
    "drop,192.0.2.14,s@nxdomain.s.$D,a@nxdomain.fd.$D,drop" \
    >"$RIG_DIR/load.out" || fail "smtpload reported errors" "$RIG_DIR/load.out"
summary=$(tail -n 1 "$RIG_DIR/load.out")
rig_log "clients: $summary"

# per kind: how many, and did each get its expected reply
count_kind() { awk -v k="$1" -v r="$2" '$2 == k && $3 ~ r' "$RIG_DIR/load.out" | wc -l; }
total_kind() { awk -v k="$1" '$2 == k' "$RIG_DIR/load.out" | wc -l; }
for kr in accept:^250$ reject:^5 tempfail:^4 hold:^250$ drop:^dropped$; do
	k=${kr%%:*} r=${kr#*:}
	assert_eq "$(total_kind "$k")" "$(count_kind "$k" "$r")" "every '$k' transaction got ${r//[\^\$]/}"
done
n_acc=$(total_kind accept) n_rej=$(total_kind reject) n_tmp=$(total_kind tempfail)
n_hold=$(total_kind hold) n_drop=$(total_kind drop)
assert_eq "sent=$N 2xx=$((n_acc + n_hold)) 4xx=$n_tmp 5xx=$n_rej dropped=$n_drop error=0" \
    "$summary" "client tally"

# Postfix's view
wait_delivered "$n_acc" 60 || fail "not every accepted message was delivered" "$PF_DIR/maillog"
sleep 1
held=$(find "$PF_DIR/spool/hold" -type f | wc -l)
left=$(find "$PF_DIR/spool/incoming" "$PF_DIR/spool/active" "$PF_DIR/spool/deferred" -type f | wc -l)
p_sent=$(sent_count)
p_rej=$(grep -c 'milter-reject: END-OF-MESSAGE .*: 5\.' "$PF_DIR/maillog" || true)
p_tmp=$(grep -c 'milter-reject: END-OF-MESSAGE .*: 4\.' "$PF_DIR/maillog" || true)
p_hold=$(grep -c 'milter-hold: END-OF-MESSAGE' "$PF_DIR/maillog" || true)
p_lost=$(grep -c 'lost connection after DATA' "$PF_DIR/maillog" || true)
assert_eq "$n_acc $n_hold $n_hold $n_rej $n_tmp $n_drop 0" \
    "$p_sent $held $p_hold $p_rej $p_tmp $p_lost $left" \
    "Postfix: delivered, held (queue), held (log), rejected, tempfailed, lost mid-DATA, left in queue"

# hallmarkd's view: one explicit verdict per message that reached its end
h_all=$(grep -c ' rcpts=.* action=' "$HM_LOG" || true)
h_split=$(for a in accept reject tempfail quarantine; do
	grep -c " rcpts=.* action=$a\( \|$\)" "$HM_LOG" || true
done | tr '\n' ' ')
assert_eq "$((N - n_drop)) $n_acc $n_rej $n_tmp $n_hold " "$h_all $h_split" \
    "hallmarkd: verdicts (all, accept, reject, tempfail, quarantine)"
kill -0 "$HM_PID" 2>/dev/null || fail "hallmarkd died" "$HM_LOG"

rig_log "counted: delivered $p_sent + rejected $p_rej + tempfailed $p_tmp + held $held + dropped by the client $p_lost = $((p_sent + p_rej + p_tmp + held + p_lost)) of $N sent; lost 0"
assert_eq "$N" "$((p_sent + p_rej + p_tmp + held + p_lost))" "no message lost"
