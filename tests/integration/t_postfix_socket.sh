#!/bin/bash
# tests/integration/t_postfix_socket.sh - the deployment README "Running as
# a service" and contrib/postfix-main.cf describe, end to end: hallmarkd
# started as root with the systemd unit's capabilities and umask (its
# CapabilityBoundingSet= through setpriv, its UMask=), user = "nobody",
# its socket in Postfix's queue directory
# (spool/hallmark/, a directory root:postfix 0750) with socket_group =
# "postfix"; a Postfix whose smtpd runs chrooted in that queue directory
# (master.cf chroot = y) reaches it as smtpd_milters =
# unix:hallmark/hallmarkd.sock, and the message is delivered with
# hallmarkd's Authentication-Results.  Real Postfix (tests/lib/postfix.sh).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init pfsock
[ -x "$HALLMARKD" ] || rig_skip "$HALLMARKD not built"
command -v setpriv >/dev/null || rig_skip "setpriv (util-linux) not found"
getent passwd nobody >/dev/null || rig_skip "no user nobody"

# the queue directory and the socket directory in it, made before Postfix
SPOOL=$RIG_DIR/pf/spool
mkdir -p "$SPOOL/hallmark" "$RIG_DIR/hm"
chmod 755 "$RIG_DIR/pf" "$SPOOL"
chown root:postfix "$SPOOL/hallmark"
chmod 750 "$SPOOL/hallmark"
SOCK=$SPOOL/hallmark/hallmarkd.sock

HM_CONF=$RIG_DIR/hm/hallmark.conf
HM_LOG=$RIG_DIR/hm/hallmarkd.log
cat > "$HM_CONF" <<EOC
socket = "unix:$SOCK";
socket_group = "postfix";
user = "nobody";
authserv_id = "mx.chroot.test";
log = { syslog = false; level = "info"; };
dns = { forwarders = ["127.0.0.1@9"]; query_timeout_ms = 200; };
dmarc = { on_temperror = "accept"; };
EOC
chmod 644 "$HM_CONF"
# the unit's capabilities and umask, read from the unit
UNIT_IN=$top_srcdir/contrib/hallmarkd.service.in
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT_IN" |
    tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_\(.*\)/+\1/p' | paste -sd, -)
mask=$(sed -n 's/^UMask=//p' "$UNIT_IN")
[ -n "$caps" ] && [ -n "$mask" ] || fail "no CapabilityBoundingSet= or UMask= in $UNIT_IN"
# shellcheck disable=SC2086
(umask "$mask" && exec setpriv --bounding-set=-all,$caps --inh-caps=-all -- \
    "$HALLMARKD" -f -c "$HM_CONF") >> "$HM_LOG" 2>&1 &
HM_PID=$!
wait_listening "$HM_LOG" "$HM_PID" || fail "hallmarkd did not start" "$HM_LOG"
assert_eq "660 nobody postfix" "$(stat -c '%a %U %G' "$SOCK")" \
    "the socket is mode 660, nobody:postfix (under UMask=0027)"

# smtpd chrooted in the queue directory; the milter named relative to it
eval "$(declare -f pf_master_cf | sed 's/inet n - n - - smtpd/inet n - y - - smtpd/')"
pf_postconf "smtpd_milters = unix:hallmark/hallmarkd.sock"
pf_start
printf 'From: a@example.org\nTo: b@example.net\nSubject: chroot\nX-Test-Id: t-chroot\n\nbody\n' \
    > "$RIG_DIR/msg"
send_msg --addr 203.0.113.9 --data "$RIG_DIR/msg"
wait_delivered 1
delivered_by "X-Test-Id: t-chroot" > "$RIG_DIR/out"
assert_hdr_count Authentication-Results 1 "$RIG_DIR/out"
assert_match "^mx.chroot.test *;" "$(hdr_get Authentication-Results "$RIG_DIR/out")" \
    "through the chrooted smtpd and unix:hallmark/hallmarkd.sock: A-R by hallmarkd"
root=""
for p in $(pgrep -x smtpd); do
	grep -q "127.0.0.1:$PF_PORT" "/proc/$p/cmdline" 2>/dev/null || continue
	root=$(readlink "/proc/$p/root")
done
assert_eq "$SPOOL" "$root" "smtpd ran chrooted in the queue directory"
rig_log "PASS"
