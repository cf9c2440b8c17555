#!/bin/bash
# tests/integration/t_dkim_verify.sh - DKIM verification end to end: every message of the
# interop corpus (tests/dkim/corpus: signed by python3-dkim and Mail::DKIM, plus a body-tampered
# and a header-tampered copy of each) goes through a real Postfix (smtpd_milters = hallmarkd) to
# smtp-sink; the keys are served by a real NSD from tests/zones/dkim.example.zone.  Each delivered
# message must carry, in our Authentication-Results header, one dkim= entry per signature with
# the result and selector of tests/dkim/corpus/MANIFEST (and the reason, when it names one).
#
# A unique X-Test-Id header is put on top of each message to find it again; no signature covers
# it.  Then two DNS failure cases: a key whose lookup times out and one that does not exist.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/postfix.sh"

CORPUS=$top_srcdir/tests/dkim/corpus
ID=mx.test.example

rig_init dkim_verify
rig_dns
hm_start ''
pf_start
M=$RIG_DIR/msg
mkdir -p "$M"

# dkim_entries FILE - our A-R's dkim entries, one per line: "result:selector:comment"
dkim_entries() {
	hdr_get Authentication-Results "$1" | awk -v id="$ID" '
	{
		n = split($0, part, ";")
		v = part[1]; gsub(/\([^()]*\)/, "", v); gsub(/[ \t]/, "", v)
		if (tolower(v) != tolower(id)) next
		for (k = 2; k <= n; k++) {
			e = part[k]
			if (e !~ /^[ \t]*dkim=/) continue
			res = e; sub(/^[ \t]*dkim=/, "", res); sub(/[ \t(].*/, "", res)
			com = ""
			if (match(e, /\([^()]*\)/)) com = substr(e, RSTART + 1, RLENGTH - 2)
			sel = ""
			if (match(e, /header\.s=[^ \t;]*/)) sel = substr(e, RSTART + 9, RLENGTH - 9)
			print res ":" sel ":" com
		}
	}'
}

# entry_ok WANT GOT - manifest field "result:selector[:reason]" against "result:selector:comment"
entry_ok() {
	local want=$1 got=$2 wr ws wc gr gs gc
	wr=${want%%:*}; ws=${want#*:}; wc=""
	case $ws in *:*) wc=${ws#*:}; ws=${ws%%:*} ;; esac
	gr=${got%%:*}; gs=${got#*:}; gc=${gs#*:}; gs=${gs%%:*}
	[ "$wr" = "$gr" ] && [ "$ws" = "$gs" ] || return 1
	[ -z "$wc" ] && return 0
	case $gc in *"$wc"*) return 0 ;; esac
	return 1
}

# ---- 1. send the corpus ----------------------------------------------------------------------
n=0
while IFS= read -r line; do
	case $line in '#'*|'') continue ;; esac
	f=${line%%$'\t'*}
	n=$(( n + 1 ))
	{ printf 'X-Test-Id: t-%s\r\n' "$f"; cat "$CORPUS/$f"; } > "$M/$f"
	send_msg --addr 203.0.113.5 --helo relay1.example --from sender@dkim.example \
		--to rcpt@hallmark.test --data "$M/$f"
done < "$CORPUS/MANIFEST"
rig_log "sent $n corpus messages"
wait_delivered "$n" 120

# ---- 2. check every A-R ----------------------------------------------------------------------
bad=0
while IFS= read -r line; do
	case $line in '#'*|'') continue ;; esac
	IFS=$'\t' read -r -a want <<< "$line"
	f=${want[0]}
	delivered_by "t-$f" > "$M/$f.out" || { bad=$(( bad + 1 )); continue; }
	mapfile -t got < <(dkim_entries "$M/$f.out")
	if [ "${#got[@]}" != $(( ${#want[@]} - 1 )) ]; then
		rig_log "MISMATCH $f: ${#got[@]} dkim entries, expected $(( ${#want[@]} - 1 ))"
		hdr_get Authentication-Results "$M/$f.out" >&2
		bad=$(( bad + 1 ))
		continue
	fi
	for k in "${!got[@]}"; do
		if ! entry_ok "${want[$((k + 1))]}" "${got[$k]}"; then
			rig_log "MISMATCH $f: entry $k is '${got[$k]}', expected '${want[$((k + 1))]}'"
			bad=$(( bad + 1 ))
		fi
	done
done < "$CORPUS/MANIFEST"
[ "$bad" = 0 ] || fail "$bad corpus results differ from the manifest"
ok "all $n corpus messages (originals and tampered copies) have the expected dkim= results"

# the A-R entry carries the identity properties
f=multi.eml
ar=$(hdr_get Authentication-Results "$M/$f.out")
assert_match 'dkim=pass header\.d=dkim\.example header\.s=py-ed header\.i=@dkim\.example header\.a=ed25519-sha256 header\.b=[A-Za-z0-9+/]{8}' \
	"$ar" "ed25519 entry with d, s, i, a and b properties"

# ---- 3. DNS failures: timeout is temperror, a missing key permerror -------------------------
for c in missing:nosuchkey:permerror; do
	IFS=: read -r tag sel want <<< "$c"
	{ printf 'X-Test-Id: t-%s\r\n' "$tag"; sed "s/s=py-rsa;/s=$sel;/" "$CORPUS/py-rsa-rr.eml"; } \
		> "$M/$tag"
	send_msg --addr 203.0.113.5 --from sender@dkim.example --to rcpt@hallmark.test \
		--data "$M/$tag"
	n=$(( n + 1 ))
	wait_delivered "$n" 30
	delivered_by "t-$tag" > "$M/$tag.out"
	assert_match "^$want:$sel:key not found" "$(dkim_entries "$M/$tag.out")" \
		"selector $sel: $want"
done
# a key whose name server does not answer: point hallmarkd at a dead forwarder
hm_stop
free_port DEAD_PORT
NSD_PORT='' hm_start 'dns = { forwarders = ["127.0.0.1@'"$DEAD_PORT"'"]; query_timeout_ms = 500; message_budget_ms = 2000; };'
pf_reload
{ printf 'X-Test-Id: t-timeout\r\n'; cat "$CORPUS/py-rsa-rr.eml"; } > "$M/timeout"
send_msg --addr 203.0.113.5 --from sender@dkim.example --to rcpt@hallmark.test --data "$M/timeout"
n=$(( n + 1 ))
wait_delivered "$n" 30
delivered_by t-timeout > "$M/timeout.out"
assert_match "^temperror:py-rsa:" "$(dkim_entries "$M/timeout.out")" "no DNS answer: temperror"

rig_log "PASS"
