# tests/lib/reports.sh - what the report collection tests (t_reports.sh, t_reports_pg.sh) share,
# on top of tests/lib/postfix.sh (sourced first, rig_init done).
#
#   rep_setup             an ed25519 DKIM key (M/key.pem) and zones served by NSD (rig_dns):
#                         univ.example (SPF ip4:192.0.2.0/24 -all, DMARC p=reject with rua and
#                         fo=1, the key at s1._domainkey) and norecord.example (SPF, no DMARC)
#   rep_conf STORE [EXTRA] the reports section for STORE, flushed only on request (an hour's
#                         interval; REP_INTERVAL sets another), our bounce address
#                         dmarc-bounce@mx.test.example, EXTRA inside
#   rep_msg ID FROM [sign] M/ID: a message From FROM, DKIM-signed d=univ.example s=s1 with "sign"
#   rep_deliver ID ARGS... send M/ID (send_msg ARGS), wait for its delivery (SENT counts them)
#   KEY_PASS, KEY_FAIL    the row keys (rowkey's lines joined with "|") of a message from
#                         192.0.2.10 passing SPF and DKIM, and of one from 203.0.113.5 failing
#                         SPF, unsigned, rejected
# Needs tests/tools/hm-sign (skips without it).

HM_SIGN=$top_builddir/tests/tools/hm-sign
Z=$RIG_DIR/zones
M=$RIG_DIR/msg
SENT=0

# The row keys (rrow.c: source_ip, header_from, envelope_from, envelope_to (\0: none),
# disposition (1 pass, 3 reject), dkim_pass, spf_pass, nreason, ndkim, (d, s, result 1 pass)...,
# has_spf, spf_domain, spf_result (2 pass, 3 fail)).
KEY_PASS='192.0.2.10|univ.example|univ.example|\0|1|1|1|0|1|univ.example|s1|1|1|univ.example|2|'
KEY_FAIL='203.0.113.5|univ.example|univ.example|\0|3|0|0|0|0|1|univ.example|3|'

rep_setup() {
	[ -x "$HM_SIGN" ] || rig_skip "$HM_SIGN not built"
	mkdir -p "$Z" "$M"
	openssl genpkey -algorithm ED25519 -out "$M/key.pem" 2>/dev/null
	chmod 600 "$M/key.pem"
	zone_head > "$Z/root.zone"
	{
		zone_head
		zone_txt @ "v=spf1 ip4:192.0.2.0/24 -all"
		zone_txt _dmarc "v=DMARC1; p=reject; rua=mailto:dmarc@univ.example; fo=1"
		zone_txt s1._domainkey "$(dkim_txt "$M/key.pem")"
	} > "$Z/univ.example.zone"
	{ zone_head; zone_txt @ "v=spf1 -all"; } > "$Z/norecord.example.zone"
	rig_dns "$Z"
}

rep_conf() {
	printf 'reports = { enable = true; store = "%s"; flush_interval = %s;\n' "$1" \
		"${REP_INTERVAL:-3600}"
	printf '  org_name = "Test University"; email = "postmaster@mx.test.example";\n'
	printf '  receiver = "mx.test.example"; bounce = "dmarc-bounce@mx.test.example"; %s };\n' \
		"${2:-}"
}

rep_msg() {
	msg_make "$M/$1.raw" "$1" "$2"
	if [ "${3:-}" = sign ]; then
		"$HM_SIGN" -k "$M/key.pem" -d univ.example -s s1 "$M/$1.raw" > "$M/$1"
	else
		cp "$M/$1.raw" "$M/$1"
	fi
}

rep_deliver() {
	local id=$1
	shift
	send_msg --data "$M/$id" "$@" || fail "$id: not accepted"
	SENT=$(( SENT + 1 ))
	wait_delivered "$SENT" || fail "$id: not delivered"
}
