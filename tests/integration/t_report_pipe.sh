#!/bin/bash
# tests/integration/t_report_pipe.sh - reports delivered by a real Postfix
# to `hallmark report import --pipe` through a pipe(8) transport, as
# contrib/postfix/report-import.cf sets it up: the rua address is routed
# to the transport, which runs the tool as an unprivileged user.
#   1. a report mailed to the rua address is stored; the same message
#      again is delivered and adds nothing;
#   2. a message whose report is broken (a count over 2^31) is delivered
#      (status=sent), not bounced, and nothing of it is stored;
#   3. a store the transport's user cannot write: the tool exits 75, the
#      message is deferred (kept in the queue); once the store is
#      writable again, a queue flush delivers and stores it.
#
# Exit 0 pass, 77 skip (no Postfix, swaks, root, sqlite3), 1 fail.
[ -n "${BASH_VERSION:-}" ] || exec /bin/bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/postfix.sh"
CHECK_STOP=1
rig_init report-pipe
command -v sqlite3 >/dev/null || rig_skip "sqlite3 not found"
USER_=nobody

# the tool where the transport's user can run it; its store directory
install -d -m 0755 "$RIG_DIR/bin"
install -m 0755 "$top_builddir/hallmark" "$RIG_DIR/bin/hallmark"
install -d -o "$USER_" -m 0755 "$RIG_DIR/store"
STORE=$RIG_DIR/store/r.db

# report_msg FILE ID COUNT - a report message with a gzip attachment
report_msg() {
	python3 - "$1" "$2" "$3" "$top_srcdir/tests/rimport/google-rfc7489.xml" <<'EOF'
import base64, gzip, sys
out, rid, count, src = sys.argv[1:5]
d = open(src).read().replace('16154736208419127330', rid)
d = d.replace('<count>12</count>', '<count>%s</count>' % count)
b = base64.encodebytes(gzip.compress(d.encode(), mtime=0)).decode()
open(out, 'w').write(
    'From: noreply-dmarc-support@google.com\nTo: dmarc@univ.example\n'
    'Subject: Report domain: univ.example Submitter: google.com Report-ID: %s\n'
    'MIME-Version: 1.0\nContent-Type: application/gzip; '
    'name="google.com!univ.example!1795996800!1796083199.xml.gz"\n'
    'Content-Transfer-Encoding: base64\n\n%s' % (rid, b))
EOF
}

pf_start || exit 1
cat >> "$PF_DIR/etc/master.cf" <<EOF
dmarcimport unix  -       n       n       -       2       pipe
  user=$USER_ argv=$RIG_DIR/bin/hallmark report import --pipe --store sqlite:$STORE
EOF
pf_postconf "transport_maps = inline:{ dmarc@univ.example=dmarcimport: }, static:smtp:[127.0.0.1]:$SINK_PORT" \
    "dmarcimport_destination_recipient_limit = 1"

# wait_log ERE - until the Postfix log has a line matching ERE (20 s)
wait_log() {
	local i
	for i in $(seq 200); do
		grep -Eq -- "$1" "$PF_DIR/maillog" && return 0
		sleep 0.1
	done
	return 1
}

reports() { sqlite3 "$STORE" "SELECT count(*) FROM imp_report" 2>/dev/null || echo 0; }

# 1. stored, then a duplicate
report_msg "$RIG_DIR/m1.eml" pipe-1 12
send_msg --from noreply-dmarc-support@google.com --to dmarc@univ.example \
    --data "$RIG_DIR/m1.eml" || fail "report message not accepted"
wait_log 'to=<dmarc@univ.example>.*relay=dmarcimport.*status=sent' ||
    fail "report message not delivered by the pipe transport" "$PF_DIR/maillog"
assert_eq 1 "$(reports)" "report stored by the pipe transport"
assert_eq "google.com|pipe-1|univ.example" \
    "$(sqlite3 "$STORE" 'SELECT reporter, report_id, domain FROM imp_report')" \
    "reporter, id and domain as in the report"
send_msg --from noreply-dmarc-support@google.com --to dmarc@univ.example \
    --data "$RIG_DIR/m1.eml" || fail "second copy not accepted"
for i in $(seq 200); do
	[ "$(grep -c 'relay=dmarcimport.*status=sent' "$PF_DIR/maillog")" -ge 2 ] && break
	sleep 0.1
done
assert_eq 2 "$(grep -c 'relay=dmarcimport.*status=sent' "$PF_DIR/maillog")" \
    "the second copy delivered too"
assert_eq 1 "$(reports)" "the second copy adds nothing"

# 2. a broken report: delivered, not bounced, nothing stored
report_msg "$RIG_DIR/m2.eml" pipe-bad 2147483648
send_msg --from noreply-dmarc-support@google.com --to dmarc@univ.example \
    --data "$RIG_DIR/m2.eml" || fail "broken report not accepted"
for i in $(seq 200); do
	[ "$(grep -c 'relay=dmarcimport.*status=sent' "$PF_DIR/maillog")" -ge 3 ] && break
	sleep 0.1
done
assert_eq 3 "$(grep -c 'relay=dmarcimport.*status=sent' "$PF_DIR/maillog")" \
    "broken report: delivered (exit 0), not bounced"
assert_eq 0 "$(grep -c 'status=bounced' "$PF_DIR/maillog")" "no bounce"
assert_eq 0 "$(sqlite3 "$STORE" "SELECT count(*) FROM imp_report WHERE report_id = 'pipe-bad'")" \
    "nothing of the broken report stored"

# 3. a store the transport cannot write: deferred, then delivered
chown root "$STORE" "$RIG_DIR/store"
chmod 0600 "$STORE"
chmod 0755 "$RIG_DIR/store"
rm -f "$STORE-wal" "$STORE-shm"
report_msg "$RIG_DIR/m3.eml" pipe-3 5
send_msg --from noreply-dmarc-support@google.com --to dmarc@univ.example \
    --data "$RIG_DIR/m3.eml" || fail "third report not accepted"
wait_log 'relay=dmarcimport.*status=deferred' ||
    fail "store not writable: not deferred" "$PF_DIR/maillog"
ok "store not writable: exit 75, the message deferred"
# (the messages delivered before leave the queue a moment after their
# status=sent line)
for i in $(seq 100); do
	[ "$(pf_queue_count)" = 1 ] && break
	sleep 0.1
done
assert_eq 1 "$(pf_queue_count)" "the message kept in the queue"
chown "$USER_" "$STORE" "$RIG_DIR/store"
pf_postqueue -f
for i in $(seq 200); do
	[ "$(reports)" = 2 ] && break
	sleep 0.1
done
assert_eq 2 "$(reports)" "store writable again: the deferred report stored"
exit 0
