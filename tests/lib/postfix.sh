# tests/lib/postfix.sh - integration rig: a real Postfix in front of a hallmarkd, mail to smtp-sink.
#
# Sourced (bash) by tests/integration/t_*.sh. It owns one private temp directory per test
# (RIG_DIR) holding everything it starts: a hallmarkd (config, log, pid file), a Postfix instance
# (own config, queue and data directories, log file; smtpd on 127.0.0.1:PF_PORT, XCLIENT allowed
# from 127.0.0.0/8, smtpd_milters = the hallmarkd, milter_default_action = tempfail) relaying
# every message to an smtp-sink (127.0.0.1:SINK_PORT) that dumps each delivered message to a file.
# Nothing is written outside RIG_DIR: the system Postfix (/etc/postfix, port 25) is neither used
# nor changed. The instance is driven with "postfix -c DIR" (and pf_postconf, pf_postqueue,
# pf_postcat with -c): run by root, Postfix trusts -c without alternate_config_directories in
# /etc/postfix/main.cf, which need not even exist. The queue is laid out by pf_make_queue.
# Ports are picked at random from 20000-32767 (below Linux's ephemeral range) and checked free, so
# tests can run in parallel. rig_init installs an EXIT trap: everything is stopped however the test
# ends; on failure the logs are printed and RIG_DIR is kept when HM_KEEP=1.
#
# Use:  . "$top_srcdir/tests/lib/postfix.sh"; rig_init NAME; hm_start 'snippet'; pf_start;
#       send_msg --addr 203.0.113.5 --data FILE; wait_delivered 1; delivered_last > out; assert_...
# (rig_dns before hm_start starts tests/lib/nsd.sh's NSD and points hallmarkd's DNS at it.)
# (rig_faultdns KEYFILE before hm_start starts faultdns instead, logging its queries; pf_sasl before
# pf_start turns SMTP AUTH on. msg_make writes a small test message; logs_mark before a send and
# delivered_new ID after it give the delivered copy and the DNS queries and log lines it caused,
# assert_unchecked ID checks it got no A-R and cost no DNS query.)
# (Shared with tests/lib/sendmail.sh: rig_daemon_start, the tries of a daemon start on a free
# port; send_reply, reading swaks's reply; sasl_db, a Cyrus SASL configuration and sasldb.)
# Needs: root, postfix, smtp-sink, swaks, ss, and for hm_start the built hallmarkd. When one is
# missing the test is skipped (exit 77), unless CI=true: then it fails (exit 1).
# It sources tests/lib/common.sh (faultdns_start, stop, zone_txt, and the assertions ok, fail,
# check, assert_*): they report through rig_log, and a rig test ends at its first failed check
# (CHECK_STOP=1).

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"
HALLMARKD=${HALLMARKD:-$top_builddir/hallmarkd}
PF_SBIN=/usr/sbin
RIG_PORTS=""
RIG_FAILED=0
RIG_CLEANUPS=""

# rig_log - a progress line on stderr (lands in the test's .log file)
rig_log() { printf '%s [%ss]: %s\n' "${RIG_NAME:-rig}" "$SECONDS" "$*" >&2; }

# rig_skip - a missing prerequisite: skip (77), or fail (1) in CI (common.sh's skip_test)
rig_skip() { skip_test "${RIG_NAME:-rig}: $*" >&2; }

# rig_require - skip unless root and the rig's programs are present
rig_require() {
	[ "$(id -u)" = 0 ] || rig_skip "not root (Postfix needs it)"
	local p
	for p in "$PF_SBIN/postfix" "$PF_SBIN/postconf" "$PF_SBIN/smtp-sink"; do
		[ -x "$p" ] || rig_skip "$p not found (apt-get install postfix)"
	done
	command -v swaks >/dev/null || rig_skip "swaks not found (apt-get install swaks)"
	command -v ss >/dev/null || rig_skip "ss not found (apt-get install iproute2)"
	getent passwd postfix >/dev/null || rig_skip "no postfix user (apt-get install postfix)"
	getent group postdrop >/dev/null || rig_skip "no postdrop group (apt-get install postfix)"
}

# rig_init NAME - check prerequisites, make RIG_DIR, install the cleanup trap
rig_init() {
	RIG_NAME=$1
	rig_require
	RIG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hallmark-$RIG_NAME.XXXXXX")
	chmod 755 "$RIG_DIR"	# the postfix user must reach its queue and the sink its dump dir
	trap 'rig_exit $?' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	rig_log "temp dir $RIG_DIR"
}

# rig_on_exit CMD - run CMD (e.g. nsd_stop) when the test ends, before the rig's own cleanup
rig_on_exit() { RIG_CLEANUPS="$1; $RIG_CLEANUPS"; }

# rig_exit RC - trap: on failure show the logs; stop everything; remove RIG_DIR
rig_exit() {
	local rc=$1
	set +e
	trap - EXIT INT TERM HUP
	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		RIG_FAILED=1
		rig_dump_logs
	fi
	# hallmarkd takes a few seconds to stop (libmilter's listener poll): signal it first, stop
	# Postfix meanwhile, then wait for it
	[ -n "${HM_PID:-}" ] && kill -TERM "$HM_PID" 2>/dev/null && HM_TERM_SENT=1
	pf_stop
	hm_stop
	[ -n "$RIG_CLEANUPS" ] && eval "$RIG_CLEANUPS"
	if [ "${RIG_SANITIZER:-0}" = 1 ] && { [ "$rc" = 0 ] || [ "$rc" = 77 ]; }; then
		rc=1
		RIG_FAILED=1
	fi
	if [ -n "${RIG_DIR:-}" ] && [ -d "$RIG_DIR" ]; then
		if [ "$RIG_FAILED" = 1 ] && [ "${HM_KEEP:-0}" = 1 ]; then
			rig_log "kept $RIG_DIR"
		else
			rm -rf "$RIG_DIR"
		fi
	fi
	exit "$rc"
}

# rig_dump_logs - print the tail of every log the rig keeps (after a failure)
rig_dump_logs() {
	local f
	for f in "$RIG_DIR"/hm/hallmarkd.log "$RIG_DIR"/pf/maillog "$RIG_DIR"/sink/sink.log; do
		[ -s "$f" ] || continue
		printf '\n----- %s (last 40 lines) -----\n' "$f" >&2
		tail -n 40 "$f" >&2
	done
}

# port_free PORT - true when nothing listens on 127.0.0.1:PORT (TCP)
port_free() { [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

# rig_free_port VAR - set VAR to a free loopback TCP port not handed out before in this test
rig_free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 12768 ))
		case " $RIG_PORTS " in *" $p "*) continue ;; esac
		if port_free "$p"; then
			RIG_PORTS="$RIG_PORTS $p"
			printf -v "$1" '%s' "$p"
			return 0
		fi
	done
	rig_log "no free port found"
	return 1
}

# wait_listen PORT SECONDS [PID] - wait until 127.0.0.1:PORT listens; fail early if PID died
wait_listen() {
	local port=$1 n=$(( $2 * 10 )) pid=${3:-}
	while [ "$n" -gt 0 ]; do
		port_free "$port" || return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
		n=$(( n - 1 ))
	done
	return 1
}

# wait_pid_gone PID SECONDS - wait until process PID has exited; false on timeout
wait_pid_gone() {
	local pid=$1 n=$(( $2 * 10 ))
	while kill -0 "$pid" 2>/dev/null; do
		[ "$n" -gt 0 ] || return 1
		# reap it when it is our child (a zombie still answers kill -0)
		if ! ps -p "$pid" -o stat= 2>/dev/null | grep -qv Z; then
			wait "$pid" 2>/dev/null
			return 0
		fi
		sleep 0.1
		n=$(( n - 1 ))
	done
	return 0
}

# ---- hallmarkd ---------------------------------------------------------------

# hm_config [SNIPPET] - print a hallmarkd config for the current HM_PORT plus SNIPPET.
# Defaults, each left out when SNIPPET sets it itself: authserv_id = "mx.test.example";
# log = { syslog = false; level = "debug"; } (stderr, into HM_LOG); dns = { forwarders =
# ["127.0.0.1@$NSD_PORT"]; } when NSD runs (a SNIPPET with its own dns group must name it).
# Nothing else: every other option has the product's default, and a test that wants another
# value says so in SNIPPET.
hm_config() {
	local snippet=${1:-}
	printf 'socket = "inet:%s@127.0.0.1";\n' "$HM_PORT"
	printf 'pidfile = "%s";\n' "$RIG_DIR/hm/hallmarkd.pid"
	[[ $snippet =~ (^|[^_a-z])log[[:space:]]*[=:] ]] ||
		printf 'log = { syslog = false; level = "debug"; };\n'
	[[ $snippet =~ authserv_id[[:space:]]*[=:] ]] ||
		printf 'authserv_id = "mx.test.example";\n'
	if [ -n "${NSD_PORT:-}" ] && ! [[ $snippet =~ (^|[^_a-z])dns[[:space:]]*[=:] ]]; then
		printf 'dns = { forwarders = ["127.0.0.1@%s"]; };\n' "$NSD_PORT"
	fi
	[ -n "$snippet" ] && printf '%s\n' "$snippet"
	return 0
}

# hm_start [SNIPPET] - start hallmarkd -f on a free port (HM_PORT, HM_PID, HM_CONF, HM_LOG); it
# must listen within 10 s (HM_START_WAIT: more under valgrind, see tests/valgrind/run.sh)
hm_start() {
	[ -x "$HALLMARKD" ] || rig_skip "$HALLMARKD not built"
	mkdir -p "$RIG_DIR/hm"
	HM_CONF=$RIG_DIR/hm/hallmark.conf
	HM_LOG=$RIG_DIR/hm/hallmarkd.log
	HM_SNIPPET=${1:-}
	rig_daemon_start hallmarkd HM_PORT HM_PID "${HM_START_WAIT:-10}" "$HM_LOG" hm_launch || return 1
	rig_log "hallmarkd pid $HM_PID on 127.0.0.1:$HM_PORT"
}

# hm_launch - hm_start's try: HM_CONF for HM_PORT and HM_SNIPPET, hallmarkd started (HM_PID)
hm_launch() {
	hm_config "$HM_SNIPPET" > "$HM_CONF"
	"$HALLMARKD" -f -c "$HM_CONF" >> "$HM_LOG" 2>&1 &
	HM_PID=$!
}

# rig_daemon_start NAME PORTVAR PIDVAR SECONDS LOG LAUNCH - start a daemon listening on a free
# port, up to 3 tries (a port taken between the check and the daemon's bind: another one). Each
# try sets PORTVAR (rig_free_port) and calls LAUNCH, which writes what the daemon needs, starts
# it in the background and sets PIDVAR to its pid (LAUNCH failing: a setup error, return 1 at
# once); the daemon must listen within SECONDS, else it is killed (SIGKILL), PIDVAR emptied and
# the next try made. After the third the last 20 lines of LOG are shown and it returns 1.
rig_daemon_start() {
	local name=$1 portvar=$2 pidvar=$3 secs=$4 log=$5 launch=$6 try
	for try in 1 2 3; do
		rig_free_port "$portvar"
		"$launch" || return 1
		if wait_listen "${!portvar}" "$secs" "${!pidvar}"; then
			return 0
		fi
		rig_log "$name did not come up on port ${!portvar} (try $try)"
		kill -KILL "${!pidvar}" 2>/dev/null
		wait "${!pidvar}" 2>/dev/null
		printf -v "$pidvar" '%s' ""
	done
	tail -n 20 "$log" >&2
	return 1
}

# hm_stop - SIGTERM the hallmarkd we started, SIGKILL after 10 s (HM_STOP_WAIT); sets HM_RC to its
# exit status
hm_stop() {
	[ -n "${HM_PID:-}" ] || return 0
	HM_RC=""
	[ "${HM_TERM_SENT:-0}" = 1 ] || kill -TERM "$HM_PID" 2>/dev/null
	HM_TERM_SENT=0
	if kill -0 "$HM_PID" 2>/dev/null; then
		local n=$(( ${HM_STOP_WAIT:-10} * 10 ))
		while kill -0 "$HM_PID" 2>/dev/null && [ "$n" -gt 0 ] && \
			ps -p "$HM_PID" -o stat= 2>/dev/null | grep -qv Z; do
			sleep 0.1
			n=$(( n - 1 ))
		done
		if [ "$n" = 0 ]; then
			rig_log "hallmarkd $HM_PID did not stop in ${HM_STOP_WAIT:-10} s: SIGKILL"
			kill -KILL "$HM_PID" 2>/dev/null
		fi
	fi
	wait "$HM_PID" 2>/dev/null && HM_RC=0 || HM_RC=$?
	HM_PID=""
	hm_sanitizer_check
	return 0
}

# hm_sanitizer_check - in a sanitizer build, a report in hallmarkd's log (an ASan error, a leak
# at exit, a UBSan runtime error, a ThreadSanitizer warning) fails the test even when every check passed: rig_exit turns
# RIG_SANITIZER=1 into exit 1
hm_sanitizer_check() {
	[ -s "${HM_LOG:-}" ] || return 0
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|runtime error:' "$HM_LOG"; then
		RIG_SANITIZER=1
		rig_log "FAIL: sanitizer report in hallmarkd's log:"
		grep -E -A30 'ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|runtime error:' "$HM_LOG" | head -60 >&2
	fi
}

# hm_reload [SNIPPET] - rewrite the config (same port) with SNIPPET, SIGHUP, wait for the outcome:
# 0 when hallmarkd logged "reloaded", 1 when it logged "reload failed" or nothing within 10 s
hm_reload() {
	local mark n=100
	mark=$(wc -l < "$HM_LOG")
	hm_config "${1:-}" > "$HM_CONF"
	kill -HUP "$HM_PID"
	while [ "$n" -gt 0 ]; do
		case $(tail -n +"$(( mark + 1 ))" "$HM_LOG") in
		*"reload failed"*) return 1 ;;
		*reloaded*) return 0 ;;
		esac
		sleep 0.1
		n=$(( n - 1 ))
	done
	rig_log "hm_reload: no outcome logged in 10 s"
	return 1
}

# ---- smtp-sink ---------------------------------------------------------------

# sink_start - smtp-sink on SINK_PORT dumping each message into $RIG_DIR/sink/msg/
sink_start() {
	SINK_DIR=$RIG_DIR/sink/msg
	mkdir -p "$SINK_DIR"
	chown postfix "$SINK_DIR"
	local try
	for try in 1 2 3; do
		rig_free_port SINK_PORT
		# -u: drop to postfix after bind; -d: one dump file per transaction
		"$PF_SBIN/smtp-sink" -u postfix -h sink.test.example -d "$SINK_DIR/%H%M%S." \
			"127.0.0.1:$SINK_PORT" 64 >> "$RIG_DIR/sink/sink.log" 2>&1 &
		SINK_PID=$!
		wait_listen "$SINK_PORT" 10 "$SINK_PID" && return 0
		kill -KILL "$SINK_PID" 2>/dev/null
		wait "$SINK_PID" 2>/dev/null
		SINK_PID=""
	done
	rig_log "smtp-sink did not start"
	return 1
}

# sink_stop - stop the smtp-sink we started
sink_stop() {
	[ -n "${SINK_PID:-}" ] || return 0
	kill -TERM "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	SINK_PID=""
	return 0
}

# ---- Postfix -----------------------------------------------------------------

# pf_master_cf - the private master.cf: only what relaying to smtp-sink needs, no chroot
pf_master_cf() {
	cat <<EOF
# private test instance: generated by tests/lib/postfix.sh
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# pf_main_cf - the private main.cf (plus what pf_postconf added)
pf_main_cf() {
	local milters=""
	[ -n "${HM_PORT:-}" ] && milters="inet:127.0.0.1:$HM_PORT"
	cat <<EOF
# private test instance: generated by tests/lib/postfix.sh
compatibility_level = 3.6
# everything in RIG_DIR; logging to a file (the prefix list must allow it)
queue_directory = $PF_DIR/spool
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-hallmark-test
maillog_file = $PF_DIR/maillog
maillog_file_prefixes = $PF_DIR
# no DNS anywhere: no local delivery, every domain relayed to smtp-sink by IP
myhostname = mx.test.example
mydomain = test.example
myorigin = \$myhostname
mydestination =
inet_interfaces = loopback-only
# XCLIENT takes IPv6 addresses only when IPv6 is on
inet_protocols = ipv4, ipv6
mynetworks = 127.0.0.0/8
relay_domains = static:ALL
transport_maps = static:smtp:[127.0.0.1]:$SINK_PORT
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
# tests connect from loopback and present any client with XCLIENT
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_client_restrictions =
smtpd_helo_restrictions =
smtpd_sender_restrictions =
smtpd_milters = $milters
milter_default_action = tempfail
milter_protocol = 6
milter_connect_timeout = 10s
milter_command_timeout = 30s
milter_content_timeout = 60s
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
message_size_limit = 20480000
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connect_timeout = 5s
EOF
	printf '%s' "${PF_EXTRA:-}"
}

# pf_make_queue - create the queue directory as postfix-files lays it out, plus "quick-start":
# "postfix start" then skips its integrity checks (post-install create-missing and friends take
# ~5 s on a busy machine). "postfix set-permissions" is not used: it re-chowns system files.
pf_make_queue() {
	local q=$PF_DIR/spool
	local -a own=("$q/active" "$q/bounce" "$q/corrupt" "$q/defer" "$q/deferred" "$q/flush" \
		"$q/hold" "$q/incoming" "$q/private" "$q/saved" "$q/trace")
	mkdir -p "$q/pid" "$q/maildrop" "$q/public" "${own[@]}"
	chown postfix:root "${own[@]}"
	chmod 700 "${own[@]}"
	chown postfix:postdrop "$q/maildrop" "$q/public"
	chmod 730 "$q/maildrop"
	chmod 710 "$q/public"
	: > "$q/quick-start"
}

# pf_start - start the private Postfix (needs hm_start first for the milter; exports PF_PORT)
pf_start() {
	PF_DIR=$RIG_DIR/pf
	mkdir -p "$PF_DIR/etc" "$PF_DIR/spool" "$PF_DIR/data"
	chown postfix "$PF_DIR/data"
	sink_start
	pf_main_cf > "$PF_DIR/etc/main.cf"
	: > "$PF_DIR/maillog"
	local try
	for try in 1 2 3; do
		# a port taken between the check and master's bind: try another one
		rig_free_port PF_PORT
		export PF_PORT
		pf_master_cf > "$PF_DIR/etc/master.cf"
		pf_make_queue
		if "$PF_SBIN/postfix" -c "$PF_DIR/etc" start >> "$PF_DIR/start.log" 2>&1; then
			PF_STARTED=1
			if wait_listen "$PF_PORT" 15; then
				rig_log "postfix on 127.0.0.1:$PF_PORT, smtp-sink on $SINK_PORT, milter ${HM_PORT:-none}"
				return 0
			fi
			pf_stop_master
		fi
		rig_log "postfix did not start on port $PF_PORT (try $try)"
	done
	tail -n 20 "$PF_DIR/start.log" "$PF_DIR/maillog" >&2
	return 1
}

# pf_stop - stop the private Postfix and the smtp-sink (wait for master to exit)
pf_stop() {
	pf_stop_master
	sink_stop
	return 0
}

# pf_stop_master - stop the private Postfix's master (and so all its processes)
pf_stop_master() {
	if [ "${PF_STARTED:-0}" = 1 ]; then
		local pidf=$PF_DIR/spool/pid/master.pid pid=""
		[ -s "$pidf" ] && pid=$(tr -d ' \n' < "$pidf")
		"$PF_SBIN/postfix" -c "$PF_DIR/etc" stop >> "$PF_DIR/start.log" 2>&1
		if [ -n "$pid" ] && ! wait_pid_gone "$pid" 10; then
			"$PF_SBIN/postfix" -c "$PF_DIR/etc" abort >> "$PF_DIR/start.log" 2>&1
			wait_pid_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null
		fi
		PF_STARTED=0
	fi
	return 0
}

# pf_queue_count - number of messages in the private queue (incoming, active, deferred, hold)
pf_queue_count() {
	find "$PF_DIR/spool/incoming" "$PF_DIR/spool/active" "$PF_DIR/spool/deferred" \
		"$PF_DIR/spool/hold" -type f 2>/dev/null | wc -l
}

# pf_reload - rewrite main.cf (e.g. after hm_start gave a new HM_PORT) and make Postfix re-read it
# The smtpd processes that were already running may accept one more connection with the old
# settings (e.g. the port of a hallmarkd that was restarted) before they notice the reload: wait
# for them to go (they are idle between a test's sessions), and stop any still there after 5 s.
pf_reload() {
	local master="" old="" pid
	[ -s "$PF_DIR/spool/pid/master.pid" ] && master=$(tr -d ' \n' < "$PF_DIR/spool/pid/master.pid")
	[ -n "$master" ] && old=$(pgrep -P "$master" -x smtpd 2>/dev/null)
	pf_main_cf > "$PF_DIR/etc/main.cf"
	"$PF_SBIN/postfix" -c "$PF_DIR/etc" reload >> "$PF_DIR/start.log" 2>&1
	for pid in $old; do
		wait_pid_gone "$pid" 5 || kill -TERM "$pid" 2>/dev/null
	done
	return 0
}

# pf_postconf 'name = value'... - set main.cf parameters of the private instance (kept across
# pf_reload) and reload Postfix; before pf_start, they are used by it
pf_postconf() {
	local kv
	for kv in "$@"; do
		PF_EXTRA="${PF_EXTRA:-}$kv"$'\n'
	done
	[ "${PF_STARTED:-0}" = 1 ] || return 0
	"$PF_SBIN/postconf" -c "$PF_DIR/etc" -e "$@"
	"$PF_SBIN/postfix" -c "$PF_DIR/etc" reload >> "$PF_DIR/start.log" 2>&1
	sleep 0.5
}

# pf_postqueue ARGS, pf_postcat ARGS - the queue tools on the private instance (as root, Postfix
# trusts -c DIR: no alternate_config_directories needed in /etc/postfix/main.cf)
pf_postqueue() { "$PF_SBIN/postqueue" -c "$PF_DIR/etc" "$@"; }
pf_postcat() { "$PF_SBIN/postcat" -c "$PF_DIR/etc" "$@"; }

# ---- sending and reading back ------------------------------------------------

SEND_N=0
# send_msg [--addr IP] [--helo NAME] [--name PTR] [--from A] [--to A] [--data FILE] [--expect CODE]
#          [other swaks options, e.g. --header 'X-A: b' --body 'text' instead of --data]
# Sends one message through Postfix with XCLIENT ADDR/HELO/NAME (IPv6 addresses get the IPV6:
# prefix; NAME defaults to [UNAVAILABLE], i.e. no reverse name).
# Returns 0 when the message was accepted (250); with --expect 4 or 5 when the first error reply
# (or the DATA reply) starts with that. The reply is in $SEND_REPLY, the transcript in $SEND_LOG.
send_msg() {
	local addr=192.0.2.10 helo=mail.example.org from=sender@example.org to=rcpt@example.net
	local data="" expect=2 xaddr name="[UNAVAILABLE]"
	local -a extra=()
	while [ $# -gt 0 ]; do
		case $1 in
		--addr) addr=$2; shift 2 ;;
		--helo) helo=$2; shift 2 ;;
		--name) name=$2; shift 2 ;;
		--from) from=$2; shift 2 ;;
		--to) to=$2; shift 2 ;;
		--data) data=$2; shift 2 ;;
		--expect) expect=$2; shift 2 ;;
		*) extra+=("$1"); shift ;;
		esac
	done
	case $addr in *:*) xaddr="IPV6:$addr" ;; *) xaddr=$addr ;; esac
	SEND_N=$(( SEND_N + 1 ))
	SEND_LOG=$RIG_DIR/swaks.$SEND_N.log
	local -a args=(--server "127.0.0.1:$PF_PORT" --timeout 60
		--xclient-addr "$xaddr" --xclient-helo "$helo" --xclient-name "$name"
		--helo "$helo" --from "$from" --to "$to")
	[ -n "$data" ] && args+=(--data "@$data")
	local rc=0
	swaks "${args[@]}" "${extra[@]}" > "$SEND_LOG" 2>&1 || rc=$?
	send_reply send_msg "$expect" "$rc"
}

# send_reply WHO EXPECT RC - after swaks (exit status RC) wrote SEND_LOG: SEND_REPLY = the first
# error reply it met ("<**"), else the reply to the end of DATA; 0 when it starts with EXPECT,
# else the reply and the transcript are shown (as WHO #SEND_N) and 1 returned
send_reply() {
	local reply
	reply=$(awk '/^<\*\* [0-9]/ {print; exit}
		/^ -> \.$/ {d=1; next} d && /^<[~*-] / {print; exit}' "$SEND_LOG" | sed 's/^<[~*-]* *//')
	SEND_REPLY=$reply
	case $reply in
	"$2"*) return 0 ;;
	esac
	rig_log "$1 #$SEND_N: wanted a ${2}xx reply to DATA, got '${reply:-none}' (swaks rc $3)"
	sed 's/^/    /' "$SEND_LOG" >&2
	return 1
}

# sink_files - the delivered dump files, oldest first
sink_files() {
	local f
	for f in $(ls -1tr "$SINK_DIR" 2>/dev/null); do
		printf '%s\n' "$SINK_DIR/$f"
	done
}

# sent_count - number of deliveries to smtp-sink that Postfix logged as sent
sent_count() {
	grep -c ' status=sent ' "$PF_DIR/maillog" 2>/dev/null || true
}

# wait_delivered N [SECONDS] - wait until N messages have been delivered to smtp-sink (default 20 s)
wait_delivered() {
	local want=$1 n=$(( ${2:-20} * 10 )) got files
	local -a all
	while :; do
		got=$(sent_count)
		all=("$SINK_DIR"/*)
		files=${#all[@]}
		[ -e "${all[0]}" ] || files=0
		[ "$got" -ge "$want" ] && [ "$files" -ge "$want" ] && return 0
		if [ "$n" -le 0 ]; then
			rig_log "wait_delivered: wanted $want delivered, Postfix logged $got sent, sink has $files"
			grep -E 'status=|milter|reject|warning|fatal' "$PF_DIR/maillog" | tail -n 20 >&2
			return 1
		fi
		sleep 0.1
		n=$(( n - 1 ))
	done
}

# sink_strip - stdin: an smtp-sink dump; stdout: the message as Postfix delivered it
# (drops smtp-sink's X-Client-*, X-*-Args records and its own three-line Received: header)
sink_strip() {
	awk '
	!done && /^X-(Client-Addr|Client-Proto|Helo-Args|Mail-Args|Rcpt-Args): / { next }
	!done && !inrcv && /^Received: / { inrcv = 1; next }
	inrcv && /^[ \t]/ { next }
	{ inrcv = 0; done = 1; print }
	'
}

# delivered N - print the N-th delivered message (1 = oldest)
delivered() {
	local f
	f=$(sink_files | sed -n "${1}p")
	[ -n "$f" ] || { rig_log "delivered: no message #$1"; return 1; }
	sink_strip < "$f"
}

# delivered_last - print the most recently delivered message
delivered_last() {
	local f
	f=$(sink_files | tail -n 1)
	[ -n "$f" ] || { rig_log "delivered_last: nothing delivered"; return 1; }
	sink_strip < "$f"
}

# The header helpers are one awk each (forks are slow on a loaded machine). RIG_UNFOLD collects
# the header block of a message, unfolded, CRs dropped, into h[1..nh]; then its END code runs.
RIG_UNFOLD='
{ sub(/\r$/, "") }
/^$/ { exit }
/^[ \t]/ { if (nh) { l = $0; sub(/^[ \t]+/, "", l); h[nh] = h[nh] " " l }; next }
{ h[++nh] = $0 }
function isname(x, n) { return tolower(substr(x, 1, length(n) + 1)) == tolower(n) ":" }
'

# msg_headers - stdin: a message; stdout: its header block, one unfolded header per line
msg_headers() {
	awk "$RIG_UNFOLD"' END { for (i = 1; i <= nh; i++) print h[i] }'
}

# hdr_count NAME FILE - how many NAME: headers (case-insensitive) the message in FILE has
hdr_count() {
	awk -v n="$1" "$RIG_UNFOLD"' END { for (i = 1; i <= nh; i++) c += isname(h[i], n); print c + 0 }' "$2"
}

# hdr_get NAME FILE - print every NAME: header of FILE, unfolded, value only, in order
hdr_get() {
	awk -v n="$1" "$RIG_UNFOLD"' END { for (i = 1; i <= nh; i++) if (isname(h[i], n)) {
		v = substr(h[i], length(n) + 2); sub(/^[ \t]+/, "", v); print v } }' "$2"
}

# hdr_at I FILE - print the name of the I-th header (1 = top) of FILE
hdr_at() {
	awk -v i="$1" "$RIG_UNFOLD"' END { v = h[i]; sub(/:.*/, "", v); print v }' "$2"
}

# ---- assertions: common.sh's (ok, fail, check, assert_*), ended at the first failure ----------
CHECK_STOP=1

# report LINE - common.sh's ok and fail write through rig_log (stderr, prefixed)
report() { rig_log "$*"; }

# assert_hdr_count NAME N FILE
assert_hdr_count() {
	local got
	got=$(hdr_count "$1" "$3")
	if [ "$got" = "$2" ]; then
		ok "$2 $1 header(s)"
	else
		fail "$1: headers: wanted $2, got $got" "$3"
	fi
}

# delivered_by TEXT - print the (newest) delivered message that contains TEXT (e.g. a unique id)
delivered_by() {
	local f
	f=$(grep -lF -- "$1" $(sink_files) 2>/dev/null | tail -n 1)
	[ -n "$f" ] || { rig_log "delivered_by: no delivered message contains '$1'"; return 1; }
	sink_strip < "$f"
}

# rig_dns - start the private NSD of tests/lib/nsd.sh (exports NSD_PORT; stopped at exit).
# Call before hm_start so that hallmarkd's DNS goes to it. NSD missing: skip (fail in CI).
rig_dns() {
	[ -f "$top_srcdir/tests/lib/nsd.sh" ] || rig_skip "tests/lib/nsd.sh not found"
	. "$top_srcdir/tests/lib/nsd.sh"
	nsd_available || rig_skip "NSD or dig not found (apt-get install nsd dnsutils)"
	rig_on_exit nsd_stop
	nsd_start "$@" || { rig_log "NSD did not start"; return 1; }
	rig_log "NSD on 127.0.0.1:$NSD_PORT"
}

# rig_faultdns KEYFILE - tests/dns/faultdns (common.sh's faultdns_start; FD_PORT, stopped at exit)
# logging every query to FD_LOG (RIG_DIR/faultdns.log): "ok.*" names answer TXT "v=spf1 -all",
# "_dmarc.ok.*" "v=DMARC1; p=reject" and "*._domainkey.*" the key record of the private key KEYFILE
rig_faultdns() {
	FD_LOG=$RIG_DIR/faultdns.log
	: > "$FD_LOG"
	faultdns_start "$RIG_DIR" --log "$FD_LOG" --dkim-key "$(dkim_txt "$1")" ||
		fail "faultdns did not start"
	rig_on_exit 'stop "$FD_PID"'
}

# pf_sasl USER REALM PASS - SMTP AUTH for the instance (before pf_start): Cyrus SASL (PLAIN,
# LOGIN) with a private sasldb, RIG_DIR/pf/sasldb2, holding USER@REALM with password PASS
pf_sasl() {
	mkdir -p "$RIG_DIR/pf/etc/sasl"
	sasl_db "$RIG_DIR/pf/etc/sasl/smtpd.conf" "$RIG_DIR/pf/sasldb2" "$@"
	chown postfix "$RIG_DIR/pf/sasldb2"
	pf_postconf 'smtpd_sasl_auth_enable = yes' 'smtpd_sasl_type = cyrus' 'smtpd_sasl_path = smtpd' \
		"cyrus_sasl_config_path = $RIG_DIR/pf/etc/sasl" 'smtpd_sasl_security_options = noanonymous'
}

# sasl_db CONF DB USER REALM PASS - a Cyrus SASL server configuration CONF (PLAIN, LOGIN, checked
# against the sasldb DB) and DB holding USER@REALM with password PASS
sasl_db() {
	printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: %s\n' \
		"$2" > "$1"
	printf '%s\n' "$5" | PATH=$PATH:/usr/sbin saslpasswd2 -p -f "$2" -u "$4" -c "$3"
}

# msg_make FILE ID FROM - a small message to FILE: X-Test-Id: ID, From: FROM, To, Subject, Date,
# Message-ID (<ID@hallmark.test>), a one-line body
msg_make() {
	{
		printf 'X-Test-Id: %s\r\nFrom: %s\r\n' "$2" "$3"
		printf 'To: Someone <rcpt@example.net>\r\nSubject: test %s\r\n' "$2"
		printf 'Date: Mon, 23 Nov 2026 12:00:00 +0000\r\nMessage-ID: <%s@hallmark.test>\r\n' "$2"
		printf '\r\nHello from %s.\r\n' "$2"
	} > "$1"
}

# logs_mark - remember where FD_LOG (rig_faultdns) and HM_LOG end, for delivered_new
logs_mark() {
	LOGS_FD_MARK=$(wc -l < "$FD_LOG")
	LOGS_HM_MARK=$(wc -l < "$HM_LOG")
}

# delivered_new ID [SECONDS] - one more message was sent (SENT counts them): wait up to SECONDS
# (30) for it, its delivered copy (the one containing "X-Test-Id: ID") to M/ID.out (M: the test's
# message directory); FD_NEW = what faultdns was asked since logs_mark, HM_NEW = what hallmarkd
# logged since (read 0.2 s after the delivery: the summary line follows the reply)
delivered_new() {
	SENT=$(( ${SENT:-0} + 1 ))
	wait_delivered "$SENT" "${2:-30}"
	delivered_by "X-Test-Id: $1" > "$M/$1.out"
	FD_NEW=$(tail -n +"$(( LOGS_FD_MARK + 1 ))" "$FD_LOG")
	sleep 0.2
	HM_NEW=$(tail -n +"$(( LOGS_HM_MARK + 1 ))" "$HM_LOG")
}

# assert_unchecked ID - the delivered M/ID.out has no Authentication-Results header and FD_NEW is
# empty: the message cost no DNS query (no SPF, DKIM or DMARC lookup)
assert_unchecked() {
	assert_hdr_count Authentication-Results 0 "$M/$1.out"
	assert_eq "" "$FD_NEW" "$1: no DNS query (SPF, DKIM, DMARC)"
}

# ---- a raw SMTP session (fd 3) for what swaks cannot do: hang up mid-DATA, pause, interleave -----

# smtp_open ADDR [HELO] - connect to Postfix, read the greeting, EHLO, XCLIENT ADDR/HELO, EHLO
smtp_open() {
	local addr=$1 helo=${2:-raw.example.org}
	case $addr in *:*) addr="IPV6:$addr" ;; esac
	exec 3<>"/dev/tcp/127.0.0.1/$PF_PORT"
	smtp_cmd '' 220 && smtp_cmd "EHLO $helo" 250 &&
		smtp_cmd "XCLIENT ADDR=$addr HELO=$helo" 220 && smtp_cmd "EHLO $helo" 250
}

# smtp_cmd LINE [CODE] - send LINE (none when empty), read the reply into SMTP_REPLY (last line);
# false when it does not start with CODE (when given) or when nothing came in 30 s
smtp_cmd() {
	local line
	[ -z "$1" ] || printf '%s\r\n' "$1" >&3
	SMTP_REPLY=""
	while IFS= read -r -t 30 line <&3; do
		line=${line%$'\r'}
		case $line in [0-9][0-9][0-9]-*) continue ;; esac
		SMTP_REPLY=$line
		case $line in "${2:-}"*) return 0 ;; esac
		rig_log "smtp: '$1' got '$line', wanted ${2:-}"
		return 1
	done
	rig_log "smtp: '$1': no reply"
	return 1
}

# smtp_raw TEXT - write TEXT as is (use \r\n line ends) into the session
smtp_raw() { printf '%s' "$1" >&3; }

# smtp_close - hang up (no QUIT)
smtp_close() { exec 3>&-; }
