#!/bin/bash
# tests/integration/t_cases.sh - the message cases of tests/cases/ (format: tests/cases/README)
# through a real Postfix (smtpd_milters = hallmarkd) and a real NSD; tests/cases/run-inproc
# replays the same cases in process.
#
# One NSD serves the zone data of every case at once: a root zone holding all their records (so
# any other name gets an authoritative NXDOMAIN, as the static zone of run-inproc answers), and
# for each name marked SERVFAIL a zone that does not load (NSD answers SERVFAIL for it and the
# names below it). One Postfix and one hallmarkd serve every case: the cases are sorted by their
# configuration snippet, and hallmarkd is reloaded (same port) when the snippet changes. Postfix
# passes each message as sent (no header rewriting, no missing headers added) and takes the
# client's address, HELO and SMTP AUTH login from XCLIENT.
#
# Each case is sent in turn (its log lines are those hallmarkd wrote until the reply); the
# deliveries are awaited once, at the end, and each case is then checked: the verdict (reply
# code; hold: Postfix logged milter-hold for its queue id and it sits in the hold queue; accept:
# delivered, not held), its reply, A-R, header and log expectations. Every case is reported (ok or
# FAIL lines); the test fails when one did.
#
# Usage: t_cases.sh [CASEDIR...] (default: every directory of tests/cases with a case file).
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

rig_init cases
CHECK_STOP=0	# report every case; the exit status comes from $fails
fails=0
W=$RIG_DIR/cases
mkdir -p "$W"

# ---- reading cases ------------------------------------------------------------------------------

# case_path VAL - REPLY = a path of the case file (relative to the case directory, or
# absolute), without . and .. components (no fork: it runs for every line of every case)
case_path() {
	local IFS=/ p
	local -a out=()
	case $1 in /*) set -- "$1" ;; *) set -- "$C_DIR/$1" ;; esac
	for p in $1; do
		case $p in
		''|.) ;;
		..) [ "${#out[@]}" = 0 ] || unset 'out[${#out[@]}-1]' ;;
		*) out+=("$p") ;;
		esac
	done
	REPLY="/${out[*]}"
}

# case_read DIR - the C_* variables from DIR/case; false (reported) on a line not understood
case_read() {
	local line key val
	C_DIR=$1 C_NAME=${1##*/} C_CONF="" C_CLIENT="" C_HELO="" C_FROM="" C_AUTH="" C_VERDICT=""
	C_RCPT=rcpt@example.net
	C_ZONES=() C_EXPECT=()
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in ''|'#'*) continue ;; esac
		key=${line%% *} val=${line#* }
		case $key in
		conf) case_path "$val"; C_CONF=$REPLY ;;
		zone) case_path "$val"; C_ZONES+=("$REPLY") ;;
		client) C_CLIENT=$val ;;
		helo) C_HELO=$val ;;
		from) C_FROM=$val ;;
		rcpt) C_RCPT=$val ;;
		auth) C_AUTH=$val ;;
		verdict) C_VERDICT=$val
			case $val in accept|reject|tempfail|hold) ;;
			*) fail "$C_NAME: case: verdict '$val' is not accept, reject, tempfail or hold"
			   return 1 ;;
			esac ;;
		reply|ar|header|log|'!reply'|'!ar'|'!header'|'!log') C_EXPECT+=("$line") ;;
		*) fail "$C_NAME: case: line '$key ...' is not understood"; return 1 ;;
		esac
	done < "$1/case"
	[ -f "$1/zone" ] && C_ZONES+=("$1/zone")
	if [ -z "$C_CLIENT" ] || [ -z "$C_FROM" ] || [ -z "$C_VERDICT" ]; then
		fail "$C_NAME: case: client, from and verdict are needed"
		return 1
	fi
	return 0
}

# ---- the DNS: every case's zone data in one NSD -------------------------------------------------

# zone_to_nsd FILE DIR - append FILE's records (static-zone format) to DIR/root.zone; a SERVFAIL
# marker becomes DIR/NAME.zone, a zone that does not load
zone_to_nsd() {
	awk -v dir="$2" '
	/^[ \t]*(#|;|$)/ { next }
	{
		name = $1; type = toupper($2)
		data = $0; sub(/^[ \t]*[^ \t]+[ \t]+[^ \t]+[ \t]*/, "", data)
		if (type == "SERVFAIL") { print "not a zone" > (dir "/" name ".zone"); next }
		if (type == "TIMEOUT" || type == "ERROR") {
			print "t_cases: " FILENAME ": " type " markers only work in process" > "/dev/stderr"
			exit 1
		}
		if (type == "CNAME" || type == "PTR") data = data "."
		if (type == "MX") data = data "."
		print name ". IN " type " " data >> (dir "/root.zone")
	}' "$1"
}

# ---- one case through Postfix --------------------------------------------------------------------

# case_send - send the case's message; keep its reply, queue id and log lines in W/NAME.*
case_send() {
	local expect=2 mark qid
	local -a extra=()
	case $C_VERDICT in reject) expect=5 ;; tempfail) expect=4 ;; esac
	[ -n "$C_AUTH" ] && extra+=(--xclient-login "$C_AUTH")
	[ -n "$C_HELO" ] && extra+=(--helo "$C_HELO")
	mark=$(wc -l < "$HM_LOG")
	send_msg --addr "$C_CLIENT" --from "$C_FROM" --to "$C_RCPT" --data "$C_DIR/message" \
		"${extra[@]}" --expect "$expect" ||
		fail "$C_NAME: verdict: wanted $C_VERDICT, got the reply '$SEND_REPLY'"
	tail -n "+$((mark + 1))" "$HM_LOG" > "$W/$C_NAME.log"
	printf '%s\n' "$SEND_REPLY" > "$W/$C_NAME.reply"
	qid=""
	[[ $SEND_REPLY =~ queued\ as\ ([0-9A-Za-z]+) ]] && qid=${BASH_REMATCH[1]}
	printf '%s\n' "$qid" > "$W/$C_NAME.qid"
	[ "$C_VERDICT" != accept ] || [ -z "$qid" ] || NACCEPT=$((NACCEPT + 1))
}

# held QID - Postfix logged milter-hold for QID (within 5 s) and it is in the hold queue
held() {
	local n=50
	until grep -q " $1: milter-hold: " "$PF_DIR/maillog"; do
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
		n=$((n - 1))
	done
	[ -f "$PF_DIR/spool/hold/$1" ]
}

# case_message QID - W/NAME.msg: the message as delivered (accept) or as held (hold); false if none
case_message() {
	local f
	if [ "$C_VERDICT" = hold ]; then
		held "$1" || { fail "$C_NAME: verdict: wanted hold, $1 is not held"; return 1; }
		pf_postcat -hq "$1" > "$W/$C_NAME.msg" 2>/dev/null
		return 0
	fi
	if grep -q " $1: milter-hold: " "$PF_DIR/maillog"; then
		fail "$C_NAME: verdict: wanted accept, $1 was held"
		return 1
	fi
	f=$(grep -lE " id $1([; ]|$)" $(sink_files) 2>/dev/null | head -n 1)
	[ -n "$f" ] || { fail "$C_NAME: verdict: wanted accept, $1 was not delivered"; return 1; }
	sink_strip < "$f" > "$W/$C_NAME.msg"
}

# case_expect LINE - one [!]reply/ar/header/log expectation of the case (!: no line may match);
# false when it does not hold
case_expect() {
	local key=${1%% *} re=${1#* } text neg=0 got=0 how="does not match"
	case $key in '!'*) neg=1 key=${key#!} how=matches ;; esac
	case $key in
	reply) text=$(cat "$W/$C_NAME.reply") ;;
	ar) text=$(hdr_get Authentication-Results "$W/$C_NAME.msg" 2>/dev/null) ;;
	header) text=$(msg_headers < "$W/$C_NAME.msg" 2>/dev/null) ;;
	log) grep -Eq -- "$re" "$W/$C_NAME.log" && got=1
	     [ "$got" != "$neg" ] && return 0
	     fail "$C_NAME: $1: $how" "$W/$C_NAME.log"; return 1 ;;
	esac
	text_match "$re" "$text" && got=1
	[ "$got" != "$neg" ] && return 0
	fail "$C_NAME: $1: $how: '$text'"
	return 1
}

# case_check - the verdict and every expectation of the case read last
case_check() {
	local qid before=$fails x
	qid=$(cat "$W/$C_NAME.qid")
	: > "$W/$C_NAME.msg"
	case $C_VERDICT in
	accept|hold) if [ -n "$qid" ]; then case_message "$qid" || :; fi ;;
	esac
	for x in "${C_EXPECT[@]}"; do
		case_expect "$x" || :
	done
	[ "$fails" = "$before" ] && ok "$C_NAME"
	return 0
}

# ---- the run ------------------------------------------------------------------------------------

declare -a DIRS=()
if [ $# -gt 0 ]; then
	for d in "$@"; do DIRS+=("$(realpath -m "$d")"); done
else
	for d in "$top_srcdir"/tests/cases/*/; do
		[ -f "$d/case" ] && DIRS+=("${d%/}")
	done
fi
[ "${#DIRS[@]}" -gt 0 ] || fail "no cases found"

# the cases sorted by configuration snippet ("SNIPPET|DIR" lines: a tab, IFS white space, would
# drop an empty SNIPPET); the zone files they use
Z=$RIG_DIR/zones
mkdir -p "$Z"
zone_head > "$Z/root.zone"
declare -A ZSEEN=()
ORDER=$W/order
: > "$ORDER"
for d in "${DIRS[@]}"; do
	case_read "$d" || continue
	printf '%s|%s\n' "$C_CONF" "$d" >> "$ORDER"
	for z in "${C_ZONES[@]}"; do
		[ -n "${ZSEEN[$z]:-}" ] && continue
		ZSEEN[$z]=1
		zone_to_nsd "$z" "$Z" || fail "zone data $z"
	done
done
[ "$fails" = 0 ] || exit 1
sort -o "$ORDER" "$ORDER"
NSD_ALLOW_BROKEN=1 rig_dns "$Z" || fail "NSD did not start"
[ "$fails" = 0 ] || exit 1

NACCEPT=0
CONF=unset
while IFS='|' read -r conf d <&4; do
	case_read "$d"
	if [ "$CONF" = unset ]; then
		hm_start "$(cat ${conf:+"$conf"} /dev/null)" || { fail "hallmarkd did not start"; exit 1; }
		# SMTP AUTH on, so that XCLIENT LOGIN= makes an authenticated client ({auth_authen});
		# no header rewriting: the message as sent (a missing From stays missing)
		pf_postconf 'smtpd_sasl_auth_enable = yes' 'local_header_rewrite_clients =' \
			'always_add_missing_headers = no'
		pf_start || { fail "Postfix did not start"; exit 1; }
	elif [ "$conf" != "$CONF" ]; then
		hm_reload "$(cat ${conf:+"$conf"} /dev/null)" ||
			{ fail "reload with ${conf:-no snippet}" "$HM_LOG"; exit 1; }
	fi
	CONF=$conf
	case_send
done 4< "$ORDER"

rig_log "${#DIRS[@]} case(s) sent, $NACCEPT to be delivered"
wait_delivered "$NACCEPT" || fail "not every accepted message was delivered"
while IFS='|' read -r conf d <&4; do
	case_read "$d"
	case_check
done 4< "$ORDER"

rig_log "${#DIRS[@]} case(s), $fails failure(s)"
[ "$fails" = 0 ] || exit 1
rig_log "PASS"
