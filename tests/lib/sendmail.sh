# tests/lib/sendmail.sh - integration rig: a real Sendmail in front of a hallmarkd, mail to smtp-sink.
#
# Sourced (bash) by tests/integration/t_sendmail.sh, after tests/lib/postfix.sh (whose rig_init,
# EXIT trap, hm_start, sink_start, free ports, rig_daemon_start, send_reply, sasl_db, header
# helpers and assertions it reuses; Postfix itself is not started, only its smtp-sink).
# Debian's sendmail-bin conflicts with postfix, so
# Sendmail is never installed: the .debs (sendmail-bin, sendmail-base, sendmail-cf and the two
# libraries the binary needs that Postfix does not pull in, liblockfile1 and libwrap0) are fetched
# with "apt-get download" into SM_DEBS (contrib/install-deps.sh does it; sm_fetch does it too when
# the cache is empty) and unpacked with dpkg-deb -x into RIG_DIR/sm/root. The binary runs from
# there with LD_LIBRARY_PATH pointing at the unpacked libraries; its setgid bit (group mail) is
# dropped in the private copy, since the loader ignores LD_LIBRARY_PATH in a set-id program.
#
# sm_start builds RIG_DIR/sm/sendmail.cf with m4 from the unpacked cf/ files and a test .mc that
# includes contrib/sendmail.mc itself (so the shipped INPUT_MAIL_FILTER line is what runs), with
# its inet:8891@127.0.0.1 rewritten to HM_PORT. Sendmail runs as root in the foreground
# (sendmail -bD -C cf), listening on 127.0.0.1:SM_PORT only, with a private queue, aliases,
# hosts file and service switch (no DNS: every name comes from the private hosts file), and it
# relays all mail to the smtp-sink ([127.0.0.1]:SINK_PORT, esmtp mailer) at once.
# DontBlameSendmail=TrustStickyBit: RIG_DIR is under /tmp (world-writable, sticky), and Sendmail
# refuses a map (the aliases database) in a world-writable directory path without it; everything
# in RIG_DIR itself is root-owned and not group- or world-writable, so nothing else is relaxed.
#
# The daemon runs in its own UTS namespace (host name mx.test.example, see sm_run) and mount
# namespace (sm_auth's SASL directory); nothing outside RIG_DIR and SM_DEBS is written.
#
# Use:  . tests/lib/postfix.sh; . tests/lib/sendmail.sh; rig_init NAME; sm_require; hm_start ..;
#       [sm_auth USER PASS;] sm_start; sm_send --from-ip 127.0.0.5 --data FILE; sm_wait_delivered TEXT;
#       sm_submit FILE SENDER (command-line submission); ...
# Needs: m4, dpkg-deb, unshare, the cached .debs (or apt-get to fetch them), for sm_auth
# saslpasswd2. Missing: skip (77) unless CI=true.

SM_DEBS=${SM_DEBS:-/var/cache/hallmark-test/sendmail}
SM_PKGS="sendmail-bin sendmail-base sendmail-cf liblockfile1 libwrap0"

# sm_fetch - make sure SM_DEBS holds one .deb of each SM_PKGS (apt-get download when missing)
sm_fetch() {
	local p missing=""
	for p in $SM_PKGS; do
		compgen -G "$SM_DEBS/${p}_*.deb" >/dev/null || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	rig_log "fetching$missing into $SM_DEBS"
	mkdir -p "$SM_DEBS" || return 1
	# shellcheck disable=SC2086
	(cd "$SM_DEBS" && apt-get -q -o APT::Sandbox::User=root download $missing) >> "$RIG_DIR/sm-fetch.log" 2>&1
}

# sm_require - skip unless m4, dpkg-deb and the Sendmail packages (cached or downloadable)
sm_require() {
	command -v m4 >/dev/null || rig_skip "m4 not found (apt-get install m4)"
	command -v dpkg-deb >/dev/null || rig_skip "dpkg-deb not found"
	unshare --uts --mount true 2>/dev/null || rig_skip "unshare --uts --mount does not work here"
	sm_fetch || rig_skip "Sendmail packages not in $SM_DEBS and apt-get download failed (see contrib/install-deps.sh)"
}

# sm_unpack - unpack the .debs into SM_ROOT; SM_BIN is the private sendmail binary
sm_unpack() {
	SM_ROOT=$RIG_DIR/sm/root
	mkdir -p "$SM_ROOT"
	local p
	for p in $SM_PKGS; do
		dpkg-deb -x "$(ls "$SM_DEBS/${p}"_*.deb | tail -n 1)" "$SM_ROOT" || return 1
	done
	SM_BIN=$SM_ROOT/usr/libexec/sendmail/sendmail
	SM_CF_DIR=$SM_ROOT/usr/share/sendmail/cf
	chmod g-s "$SM_BIN"
	[ -x "$SM_BIN" ] && [ -f "$SM_CF_DIR/m4/cf.m4" ]
}

# sm_run ARGS - the private sendmail binary with its libraries, in its own UTS namespace whose
# host name is mx.test.example: Sendmail wants a qualified host name before it reads its
# configuration, and sleeps 60 s ("My unqualified host name ... unknown; sleeping for retry")
# when the machine's name has no dot and does not resolve to one
# (unshare and sh exec: the process id stays the one of sendmail itself)
SM_HOSTNAME_EXEC='hostname mx.test.example && exec "$0" "$@"'
# the daemon also gets a private mount namespace: with sm_auth, the Cyrus SASL configuration
# directory it reads (/usr/lib/sasl2/Sendmail.conf; the earlier candidates /etc/sasl2 and
# /etc/sasl do not exist on Debian without a SASL server) is RIG_DIR/sm/sasl2, bind-mounted over
# /usr/lib/sasl2 for this process only
SM_DAEMON_EXEC='hostname mx.test.example &&
	{ [ -z "$SM_SASL_DIR" ] || mount --bind "$SM_SASL_DIR" /usr/lib/sasl2; } && exec "$0" "$@"'
sm_run() {
	LD_LIBRARY_PATH=$SM_ROOT/usr/lib/x86_64-linux-gnu unshare --uts sh -c "$SM_HOSTNAME_EXEC" "$SM_BIN" "$@"
}

# sm_mc - the test .mc: paths and relaying, a test's SM_MC_EXTRA, then contrib/sendmail.mc as
# shipped (milter port rewritten to HM_PORT)
sm_mc() {
	local d=$RIG_DIR/sm
	cat <<EOF
divert(-1)
# private test instance: generated by tests/lib/sendmail.sh
divert(0)dnl
include(\`$SM_CF_DIR/m4/cf.m4')dnl
VERSIONID(\`hallmark test')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.test.example')dnl
define(\`confCF_VERSION', \`hallmark-test')dnl
define(\`QUEUE_DIR', \`$d/queue')dnl
define(\`ALIAS_FILE', \`$d/aliases')dnl
define(\`STATUS_FILE', \`$d/statistics')dnl
define(\`confPID_FILE', \`$d/sendmail.pid')dnl
define(\`confHOSTS_FILE', \`$d/hosts')dnl
define(\`confSERVICE_SWITCH_FILE', \`$d/service.switch')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confLOG_LEVEL', \`14')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confMIN_QUEUE_AGE', \`0s')dnl
define(\`SMART_HOST', \`esmtp:[127.0.0.1]')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
define(\`confCON_EXPENSIVE', \`False')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
DAEMON_OPTIONS(\`Family=inet, Addr=127.0.0.1, Port=$SM_PORT, Name=MTA')dnl
RELAY_DOMAIN(\`127')dnl
EOF
	printf '%s' "${SM_MC_EXTRA:-}"
	sed "s/inet:8891@127\.0\.0\.1/inet:$HM_PORT@127.0.0.1/" "$top_srcdir/contrib/sendmail.mc"
	printf 'MAILER(`local'"'"')dnl\nMAILER(`smtp'"'"')dnl\n'
}

# sm_files - the private queue, aliases, hosts file and service switch
sm_files() {
	local d=$RIG_DIR/sm
	mkdir -p "$d/queue"
	chmod 700 "$d/queue"
	printf 'postmaster: root\nMAILER-DAEMON: postmaster\n' > "$d/aliases"
	printf '127.0.0.1 mx.test.example localhost\n' > "$d/hosts"
	printf 'hosts files\naliases files\n' > "$d/service.switch"
	: > "$d/statistics"
	chmod 644 "$d/aliases" "$d/hosts" "$d/service.switch"
	chmod 600 "$d/statistics"
}

# sm_start - unpack, build sendmail.cf, start sendmail -bD on 127.0.0.1:SM_PORT (exports SM_PORT,
# SM_PID; needs hm_start first); the smtp-sink is started too
sm_start() {
	local d=$RIG_DIR/sm
	mkdir -p "$d"
	sm_unpack || { rig_log "unpacking the Sendmail packages failed"; return 1; }
	sink_start || return 1
	sm_files
	SM_LOG=$d/sendmail.log
	rig_daemon_start sendmail SM_PORT SM_PID 15 "$SM_LOG" sm_launch || return 1
	rig_on_exit sm_stop
	rig_log "sendmail pid $SM_PID on 127.0.0.1:$SM_PORT, smtp-sink on $SINK_PORT, milter $HM_PORT"
}

# sm_launch - sm_start's try (postfix.sh's rig_daemon_start): sendmail.cf for SM_PORT, the
# aliases database, the daemon started (SM_PID)
sm_launch() {
	local d=$RIG_DIR/sm
	sm_mc > "$d/test.mc"
	m4 "$d/test.mc" > "$d/sendmail.cf" 2> "$d/m4.err" ||
		{ rig_log "m4 failed"; cat "$d/m4.err" >&2; return 1; }
	chmod 644 "$d/sendmail.cf"
	sm_run -C "$d/sendmail.cf" -bi >> "$SM_LOG" 2>&1 ||
		{ rig_log "newaliases failed"; tail -n 20 "$SM_LOG" >&2; return 1; }
	# -bD: daemon in the foreground (its log goes to syslog, under the name -L gives it)
	# (sm_run inline, not called: a function run with & is a subshell, $! would be its pid)
	SM_SASL_DIR=${SM_SASL_DIR:-} LD_LIBRARY_PATH=$SM_ROOT/usr/lib/x86_64-linux-gnu \
		unshare --uts --mount sh -c "$SM_DAEMON_EXEC" \
		"$SM_BIN" -C "$d/sendmail.cf" -bD -L sm-hallmark-test >> "$SM_LOG" 2>&1 &
	SM_PID=$!
}

# sm_stop - stop the Sendmail daemon we started (and its delivery children); after a failure,
# show its output and queue (Sendmail logs to syslog only)
sm_stop() {
	[ -n "${SM_PID:-}" ] || return 0
	if [ "${RIG_FAILED:-0}" = 1 ]; then
		printf '\n----- %s (last 20 lines), queue -----\n' "$SM_LOG" >&2
		tail -n 20 "$SM_LOG" >&2
		ls -l "$RIG_DIR/sm/queue" >&2
	fi
	kill -TERM "$SM_PID" 2>/dev/null
	wait_pid_gone "$SM_PID" 10 || kill -KILL "$SM_PID" 2>/dev/null
	wait "$SM_PID" 2>/dev/null
	SM_PID=""
	return 0
}

# sm_submit_cf - RIG_DIR/sm/submit.cf: the mail submission program's configuration (cf/submit.mc's
# FEATURE(msp), as Debian's /etc/mail/submit.cf) relaying to the daemon on [127.0.0.1]:SM_PORT.
# A submission program must not run as root: RunAsUser=daemon, owner of its queue clientmqueue.
sm_submit_cf() {
	local d=$RIG_DIR/sm
	mkdir -p "$d/clientmqueue"
	chown daemon:daemon "$d/clientmqueue"
	chmod 770 "$d/clientmqueue"
	cat > "$d/submit.mc" <<EOF
divert(0)dnl
include(\`$SM_CF_DIR/m4/cf.m4')dnl
define(\`confCF_VERSION', \`Submit')dnl
define(\`__OSTYPE__', \`')dnl
define(\`confTIME_ZONE', \`USE_TZ')dnl
define(\`confDONT_INIT_GROUPS', \`True')dnl
define(\`confRUN_AS_USER', \`daemon')dnl
define(\`MSP_QUEUE_DIR', \`$d/clientmqueue')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $SM_PORT')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confHOSTS_FILE', \`$d/hosts')dnl
define(\`confSERVICE_SWITCH_FILE', \`$d/service.switch')dnl
define(\`confDOMAIN_NAME', \`mx.test.example')dnl
FEATURE(\`msp', \`[127.0.0.1]')dnl
EOF
	m4 "$d/submit.mc" > "$d/submit.cf"
}

# sm_submit FILE SENDER - submit FILE on the command line (sendmail -t -f SENDER with submit.cf,
# delivery mode interactive: it returns once the daemon accepted it); transcript in SEND_LOG
sm_submit() {
	[ -f "$RIG_DIR/sm/submit.cf" ] || sm_submit_cf || return 1
	SEND_N=$(( SEND_N + 1 ))
	SEND_LOG=$RIG_DIR/submit.$SEND_N.log
	sm_run -C "$RIG_DIR/sm/submit.cf" -odi -v -t -f "$2" < "$1" > "$SEND_LOG" 2>&1 || {
		rig_log "sm_submit #$SEND_N: sendmail -t failed"
		sed 's/^/    /' "$SEND_LOG" >&2
		return 1
	}
}

# sm_auth USER PASSWORD - before sm_start: offer SMTP AUTH (PLAIN, LOGIN) checked against a
# private sasldb holding USER (realm test.example), so that a client can authenticate
sm_auth() {
	local d=$RIG_DIR/sm
	PATH=$PATH:/usr/sbin command -v saslpasswd2 >/dev/null ||
		rig_skip "saslpasswd2 not found (apt-get install sasl2-bin)"
	[ -d /usr/lib/sasl2 ] || rig_skip "/usr/lib/sasl2 not found (libsasl2-2)"
	mkdir -p "$d/sasl2"
	SM_SASL_DIR=$d/sasl2
	sasl_db "$SM_SASL_DIR/Sendmail.conf" "$d/sasldb2" "$1" test.example "$2"
	chmod 600 "$d/sasldb2"
	SM_MC_EXTRA="${SM_MC_EXTRA:-}define(\`confAUTH_MECHANISMS', \`PLAIN LOGIN')dnl
TRUST_AUTH_MECH(\`PLAIN LOGIN')dnl
"
}

# sm_mailq ARGS - the private instance's mailq (e.g. -qQ: the quarantined messages)
sm_mailq() { sm_run -C "$RIG_DIR/sm/sendmail.cf" -bp "$@"; }

# sm_send [--from-ip IP] [--from A] [--to A] [--data FILE] [--expect CODE] [swaks options] - one
# message to Sendmail from the local address IP (default 127.0.0.5); like send_msg otherwise
sm_send() {
	local ip=127.0.0.5 from=sender@example.org to=rcpt@example.net data="" expect=2
	local -a extra=()
	while [ $# -gt 0 ]; do
		case $1 in
		--from-ip) ip=$2; shift 2 ;;
		--from) from=$2; shift 2 ;;
		--to) to=$2; shift 2 ;;
		--data) data=$2; shift 2 ;;
		--expect) expect=$2; shift 2 ;;
		*) extra+=("$1"); shift ;;
		esac
	done
	SEND_N=$(( SEND_N + 1 ))
	SEND_LOG=$RIG_DIR/swaks.$SEND_N.log
	local -a args=(--server "127.0.0.1:$SM_PORT" --local-interface "$ip" --timeout 60
		--helo client.example.org --from "$from" --to "$to")
	[ -n "$data" ] && args+=(--data "@$data")
	local rc=0
	swaks "${args[@]}" "${extra[@]}" > "$SEND_LOG" 2>&1 || rc=$?
	send_reply sm_send "$expect" "$rc"
}

# sm_wait_delivered TEXT [SECONDS] - wait until a message containing TEXT (e.g. "X-Test-Id: a")
# is in the sink and Sendmail's queue holds no message waiting for delivery (no qf* file:
# Sendmail removes it once the sink accepted the message; quarantined ones are hf*)
sm_wait_delivered() {
	local n=$(( ${2:-20} * 10 ))
	local -a qf
	while :; do
		qf=("$RIG_DIR"/sm/queue/qf*)
		if [ ! -e "${qf[0]}" ] && grep -qlF -- "$1" "$SINK_DIR"/* 2>/dev/null; then
			return 0
		fi
		if [ "$n" -le 0 ]; then
			rig_log "sm_wait_delivered: '$1' not delivered in ${2:-20} s; the queue:"
			sm_mailq >&2
			return 1
		fi
		sleep 0.1
		n=$(( n - 1 ))
	done
}
