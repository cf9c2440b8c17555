/*
 * rcollect.c - one message's row for DMARC aggregate reports
 * (rcollect.h).
 *
 * SYNOPSIS
 *	rcollect_msg(), rcollect_row()
 *
 * DESCRIPTION
 *	Called by callbacks.c at end of message once the verdict is known.
 *	Recorded: a message for which DMARC found a policy record
 *	(dmarc_report_of), from a client that is not trusted (internal
 *	networks and authenticated clients send our own mail), whose
 *	verdict is not tempfail (the sender tries again: that attempt is
 *	recorded), and not addressed only to reports.exclude_recipients
 *	(counted per recipient by ctx_msg_rcpt).
 *
 *	The row: source IP (behind a trusted relay, the client its
 *	Received header recorded, as SPF checked it), header_from (the Author Domain), envelope_from
 *	(the MAIL FROM domain, "" for a null path), the disposition DMARC
 *	applied, the aligned DKIM and SPF passes, the override reasons in
 *	RFC 9990's vocabulary (allowlist.h reasons it lacks: forwarded ->
 *	trusted_forwarder, sampled_out -> other, each with a comment
 *	saying so; the comment names who overrode, and for a vendor entry
 *	the rule that matched: "lms via spf:_spf.lms.example"), at most RR_MAX_DKIM DKIM results with a d= (aligned
 *	passes first, then other passes, then the rest, each in message
 *	order), the SPF MAIL FROM result.  Domains are lower case, so rows
 *	of the same sender add up whatever case it writes.
 *
 *	Thread-safe: reads the message and the held configuration; the
 *	aggregation has its own lock.  No I/O; allocates the row's strings
 *	and frees them before returning.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "conf_table.h"
#include "dmarc.h"
#include "gateway.h"
#include "mailaddr.h"
#include "ragg.h"
#include "rcollect.h"
#include "str.h"

/* lower_dup - a lower-case copy of s ("" for NULL) */
static char *
lower_dup(const char *s)
{
	char *d = xstrdup(s != NULL ? s : "");

	str_lower(d);
	return d;
}

/* disp_of - policy.h's applied disposition in the report vocabulary */
static enum rr_disp
disp_of(enum policy_dis d)
{
	switch (d) {
	case POLICY_DIS_PASS:
		return RR_DISP_PASS;
	case POLICY_DIS_QUARANTINE:
		return RR_DISP_QUARANTINE;
	case POLICY_DIS_REJECT:
		return RR_DISP_REJECT;
	default:
		return RR_DISP_NONE;
	}
}

/* pol_of - a record's p / sp / np in the report vocabulary */
static enum rr_pol
pol_of(enum dmarcrec_policy p)
{
	switch (p) {
	case DMARCREC_P_NONE:
		return RR_POL_NONE;
	case DMARCREC_P_QUARANTINE:
		return RR_POL_QUARANTINE;
	case DMARCREC_P_REJECT:
		return RR_POL_REJECT;
	default:
		return RR_POL_UNSET;
	}
}

/* add_reason - one override reason with its comment (may be NULL) */
static void
add_reason(struct rrow *r, enum rr_reason t, const char *comment)
{
	if (r->nreason >= RR_MAX_REASONS)
		return;
	r->reason[r->nreason].type = t;
	r->reason[r->nreason].comment = comment ? xstrdup(comment) : NULL;
	r->nreason++;
}

/* add_override - an allowlist.h reason as RFC 9990 has it: the two it
 * lacks become the nearest, the comment naming the original */
static void
add_override(struct rrow *r, enum allow_reason why, const char *by)
{
	char c[420];

	by = by != NULL ? by : "";
	switch (why) {
	case ALLOW_R_FORWARDED:
		snprintf(c, sizeof(c), "forwarded: %s", by);
		add_reason(r, RR_REASON_TRUSTED_FORWARDER, c);
		return;
	case ALLOW_R_SAMPLED_OUT:
		snprintf(c, sizeof(c), "sampled_out: %s", by);
		add_reason(r, RR_REASON_OTHER, c);
		return;
	case ALLOW_R_TRUSTED_FORWARDER:
		add_reason(r, RR_REASON_TRUSTED_FORWARDER, by);
		return;
	case ALLOW_R_MAILING_LIST:
		add_reason(r, RR_REASON_MAILING_LIST, by);
		return;
	case ALLOW_R_POLICY_TEST_MODE:
		add_reason(r, RR_REASON_POLICY_TEST_MODE, by);
		return;
	case ALLOW_R_OTHER:
		add_reason(r, RR_REASON_OTHER, by);
		return;
	default:
		add_reason(r, RR_REASON_LOCAL_POLICY, by);
		return;
	}
}

/* dkim_aligned - d= aligns with the Author Domain (relaxed: the same
 * Organizational Domain as DMARC found it); an ordering hint only */
static int
dkim_aligned(const struct dmarc_report *d, const char *dom)
{
	size_t dl = strlen(dom), ol = strlen(d->org);

	if (str_casecmp(dom, d->author) == 0)
		return 1;
	if (d->rec.adkim_strict || ol == 0)
		return 0;
	return dl == ol ? str_casecmp(dom, d->org) == 0 :
			  dl > ol && dom[dl - ol - 1] == '.' &&
		str_casecmp(dom + dl - ol, d->org) == 0;
}

/* dkim_rank - 0 aligned pass, 1 other pass, 2 the rest */
static int
dkim_rank(const struct dmarc_report *d, const struct res_dkim_sig *s)
{
	if (s->result != RES_DKIM_PASS)
		return 2;
	return dkim_aligned(d, s->d) ? 0 : 1;
}

/* add_dkim - the DKIM results with a d=, RFC 9990 order, at most
 * RR_MAX_DKIM */
static void
add_dkim(struct rrow *r, const struct hm_msg *m, const struct dmarc_report *d)
{
	size_t i;
	int rank;

	if (m->ndkim == 0)
		return;
	r->dkim = xcalloc(m->ndkim < RR_MAX_DKIM ? m->ndkim : RR_MAX_DKIM,
	    sizeof(*r->dkim));
	for (rank = 0; rank < 3; rank++)
		for (i = 0; i < m->ndkim && r->ndkim < RR_MAX_DKIM; i++) {
			const struct res_dkim_sig *s = &m->dkim[i];
			if (s->d == NULL || *s->d == '\0' ||
			    dkim_rank(d, s) != rank)
				continue;
			r->dkim[r->ndkim].domain = lower_dup(s->d);
			r->dkim[r->ndkim].selector = xstrdup(s->s ? s->s : "");
			r->dkim[r->ndkim].result = s->result;
			r->ndkim++;
		}
}

/* add_spf - the SPF MAIL FROM result, when SPF ran */
static void
add_spf(struct rrow *r, const struct hm_msg *m)
{
	const struct res_spf_check *s = &m->spf_mfrom;

	if (!s->evaluated || s->domain == NULL || *s->domain == '\0')
		return;
	r->has_spf = 1;
	r->spf_domain = lower_dup(s->domain);
	r->spf_result = s->result;
}

/* is_ip - s is an IPv4 or IPv6 address */
static int
is_ip(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* source_ip - the SMTP client, or behind a trusted relay the first
 * untrusted hop its Received header recorded (the address SPF checked:
 * spf.c spf_eoh), into buf */
static void
source_ip(const struct hm_msg *m, char *buf, size_t n)
{
	char helo[256];
	size_t end;

	if (m->conn->relay) {
		end = gw_hop_end(m->hdr, m->nhdr, m->conn->addrstr);
		if (gw_origin(m->hdr, m->nhdr, end, &m->conf->trusted_relays,
			buf, n, helo, sizeof(helo)) == 0 &&
		    is_ip(buf))
			return;
	}
	snprintf(buf, n, "%s", m->conn->addrstr);
}

/* override_by - who overrode: the source, and for a vendor entry the
 * rule that matched ("lms via spf:_spf.lms.example") */
static const char *
override_by(const struct dmarc_report *d, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s", d->by != NULL ? d->by : "",
	    d->via[0] != '\0' ? " via " : "", d->via);
	return buf;
}

/* fill_row - the row of m */
static void
fill_row(struct rrow *r, const struct hm_msg *m, const struct dmarc_report *d)
{
	char dom[ADDR_DOMAIN_MAX + 1], ip[64], by[400];

	memset(r, 0, sizeof(*r));
	source_ip(m, ip, sizeof(ip));
	r->source_ip = xstrdup(ip);
	r->header_from = lower_dup(d->author);
	if (m->envfrom == NULL || *m->envfrom == '\0' ||
	    addr_path_domain(m->envfrom, dom, sizeof(dom)) < 0)
		dom[0] = '\0';
	r->envelope_from = xstrdup(dom);
	r->disposition = disp_of(d->applied);
	r->dkim_pass = d->dkim_aligned;
	r->spf_pass = d->spf_aligned;
	if (d->overridden)
		add_override(r, d->reason, override_by(d, by, sizeof(by)));
	if (d->local != NULL)
		add_reason(r, RR_REASON_LOCAL_POLICY, d->local);
	add_dkim(r, m, d);
	add_spf(r, m);
	r->count = 1;
}

/* fill_policy - the policy record of m */
static void
fill_policy(struct rpolicy *p, const struct dmarc_report *d)
{
	memset(p, 0, sizeof(*p));
	p->domain = lower_dup(d->policy_domain);
	p->p = pol_of(d->rec.p);
	p->sp = pol_of(d->rec.sp);
	p->np = pol_of(d->rec.np);
	p->adkim = d->rec.adkim_strict ? 's' : 'r';
	p->aspf = d->rec.aspf_strict ? 's' : 'r';
	p->fo = d->rec.fo[0] != '\0' ? xstrdup(d->rec.fo) : NULL;
	p->testing = d->rec.testing;
	p->discovery = d->psl ? RR_DISC_PSL : RR_DISC_TREEWALK;
	p->rua = d->rec.rua[0] != '\0' ? xstrdup(d->rec.rua) : NULL;
}

/* rcollect_row - see rcollect.h */
int
rcollect_row(const struct hm_msg *m, struct rrow *r, struct rpolicy *p)
{
	const struct dmarc_report *d = dmarc_report_of(m);

	if (d == NULL)
		return -1;
	fill_row(r, m, d);
	fill_policy(p, d);
	return 0;
}

/* skipped - a message with a record that is still not recorded */
static int
skipped(const struct hm_msg *m)
{
	return ctx_msg_trusted(m) || !m->conn->has_addr ||
	    m->verdict.action == VERDICT_TEMPFAIL ||
	    (m->nrcpt > 0 && m->nrcpt_noreport == m->nrcpt);
}

/* rcollect_msg - see rcollect.h */
enum rcollect_rc
rcollect_msg(struct hm_msg *m)
{
	const struct conf_reports *rc = &m->conf->reports;
	struct rpolicy p;
	struct rrow r;
	int added;

	if (!rc->enable)
		return RCOLLECT_OFF;
	if (dmarc_report_of(m) == NULL)
		return RCOLLECT_NO_POLICY;
	if (skipped(m))
		return RCOLLECT_SKIPPED;
	(void)rcollect_row(m, &r, &p);
	added = ragg_add(&r, &p, time(NULL), (size_t)rc->max_rows);
	rrow_free(&r);
	rpolicy_free(&p);
	return added == RAGG_FULL ? RCOLLECT_DROPPED : RCOLLECT_RECORDED;
}
