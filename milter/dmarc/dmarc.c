/*
 * dmarc.c - the DMARC module: From rules, policy discovery, SPF and DKIM
 * identifier alignment, verdict and Authentication-Results entry.
 *
 * SYNOPSIS
 *	dmarc_module (hook: eom; requires spf, dkimv), dmarc_conf_opts[],
 *	dmarc_conf_check(), dmarc_align()
 *
 * DESCRIPTION
 *	eom: the From field as ctx.c parsed it once for every module
 *	(ctx_msg_from, lib/mailaddr.c): exactly one field with exactly one
 *	address is evaluated;
 *	anything else (none, several fields, several addresses, no domain,
 *	unparseable) gets dmarc=permerror, a log line and from_action
 *	(default reject, RFC 7489 6.6.1).  Then policy discovery
 *	(orgdomain.c); without a record DMARC does not apply (dmarc=none).
 *	Alignment: SPF (MAIL FROM domain, RFC5321.MailFrom or the HELO name
 *	for a null path as SPF checked it) and each DKIM signature's d=,
 *	strict or relaxed per aspf/adkim.  Pass if any passing identifier
 *	aligns.  If none does, a temperror of SPF or DKIM whose identifier
 *	would align (or a failed lookup that leaves open whether a passing
 *	identifier aligns) makes DMARC temperror, never fail.  A failed
 *	lookup that cannot change the result does not: an identifier equal
 *	to the Author Domain aligns under any record, and orgdom_relaxed()
 *	knows when the Organizational Domains are equal (or differ)
 *	whatever the failed names hold.
 *	Behind a gateway: when the SMTP client is in trusted_relays and
 *	nothing of ours aligns, the SPF and DKIM passes in the
 *	Authentication-Results headers of trusted_authserv_ids that the hop
 *	before us added (gateway.h: above the first Received header not
 *	our MTA's) are tried too; one that aligns is a pass,
 *	said in the comment ("dkim from trusted authserv-id ID").
 *	The applicable policy is p (record at the Author Domain) or sp/np
 *	(inherited; np when the Author Domain is NXDOMAIN).  policy.c turns
 *	all this and the overrides into a verdict.
 *
 *	Memory: no per-message state; results go to the message (msg->dmarc,
 *	the A-R list, the verdict).
 *	Thread safety: state is per message; configuration is read-only.
 *	Errors: DNS failures are DMARC temperror; nothing here returns
 *	HM_ERROR except on a broken invariant.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist.h"
#include "conf_check.h"
#include "conf_table.h"
#include "dmarc.h"
#include "gateway.h"
#include "log.h"
#include "mailaddr.h"
#include "metrics.h"
#include "orgdomain.h"
#include "policy.h"
#include "str.h"
#include "vendor.h"

#define DEFAULT_PSL "/usr/share/publicsuffix/public_suffix_list.dat"

/* what eom works with */
struct eval {
	struct hm_msg *m;
	const struct conf_dmarc *cf;
	struct orgdom_ctx oc;
	const char *author;
	struct orgdom_policy pol;
	enum res_dmarc result;
	const char *aligned_by;		/* "spf" / "dkim" on pass */
	int spf_aligned, dkim_aligned;	/* an aligned pass of each */
	char why[256];			/* A-R comment and log: the reason */
	const char *note;		/* log only: a record ignored on the way */
};

/* ---- configuration ------------------------------------------------ */

static const char *const mode_names[] = { "treewalk", "psl", NULL };
static const char *const qby_names[] = { "hold", "header", NULL };

/* psl_parse - CT_CUSTOM psl_file: the path (loaded by the check) */
static int
psl_parse(const config_setting_t *s, void *field, struct conf_err *e)
{
	struct dmarc_psl *p = field;

	if (s != NULL && config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_err_set(e, s, "expected a string");
		return -1;
	}
	p->file = xstrdup(s != NULL ? config_setting_get_string(s) :
	    DEFAULT_PSL);
	p->ctx = NULL;
	return 0;
}

/* psl_free_field - CT_CUSTOM free: the list and the path */
static void
psl_free_field(void *field)
{
	struct dmarc_psl *p = field;

	orgdom_psl_free(p->ctx);
	free(p->file);
	p->ctx = NULL;
	p->file = NULL;
}

#define D(m) offsetof(struct conf_dmarc, m)
/* option table rows stay as written (see .clang-format) */
/* clang-format off */
#define ACT(n, member, d, text) \
	{ .name = n, .type = CT_ENUM, .off = D(member), .def = d, \
	  .enums = verdict_action_names, .doc = text }

const struct conf_opt dmarc_conf_opts[] = {
	{ .name = "enable", .type = CT_BOOL, .off = D(enable), .def = "true",
	  .doc = "evaluate DMARC on inbound mail" },
	{ .name = "org_domain", .type = CT_ENUM, .off = D(org_domain),
	  .def = "treewalk", .enums = mode_names,
	  .doc = "treewalk (RFC 9989) or psl (RFC 7489, Public Suffix List, "
	    "pct)" },
	{ .name = "psl_file", .type = CT_CUSTOM, .off = D(psl),
	  .def = DEFAULT_PSL, .parse = psl_parse, .free = psl_free_field,
	  .doc = "Public Suffix List for psl mode" },
	ACT("from_action", from_action, "reject",
	    "no From, several From fields or addresses, or an unusable one"),
	ACT("on_reject", on_reject, "reject", "DMARC fail under p=reject"),
	ACT("on_quarantine", on_quarantine, "quarantine",
	    "DMARC fail under p=quarantine"),
	ACT("on_none", on_none, "accept", "DMARC fail under p=none"),
	ACT("on_temperror", on_temperror, "tempfail",
	    "DNS failure during DMARC evaluation"),
	ACT("on_permerror", on_permerror, "accept",
	    "unusable DMARC record"),
	{ .name = "quarantine_by", .type = CT_ENUM, .off = D(quarantine_by),
	  .def = "hold", .enums = qby_names,
	  .doc = "hold (MTA quarantine) or header (accept, add "
	    "quarantine_header)" },
	{ .name = "quarantine_header", .type = CT_STRING,
	  .off = D(quarantine_header), .def = "X-Hallmark-Quarantine",
	  .valid = conf_check_header_name,
	  .doc = "header added when quarantine_by = \"header\"" },
	{ .name = "report_only", .type = CT_BOOL, .off = D(report_only),
	  .def = "false", .doc = "evaluate and record, never reject or hold" },
	{ .name = "monitor_domains", .type = CT_STRLIST,
	  .off = D(monitor_domains), .valid = conf_check_domain_pattern,
	  .doc = "Author Domains whose policy is never enforced (\"*.x\": "
	    "subdomains)" },
	{ .name = "vendors", .type = CT_CUSTOM, .off = D(vendors),
	  .parse = allow_conf_parse, .free = allow_conf_free,
	  .doc = "vendor entries: ( { name; networks; spf; dkim_domains; "
	    "domains; recipient_domains; reason; } )" },
	CONF_END
};
/* clang-format on */

/* dmarc_conf_check - see dmarc.h */
int
dmarc_conf_check(void *section, const char *conf_file,
    const config_setting_t *s, struct conf_err *e)
{
	struct conf_dmarc *d = section;

	if (d->org_domain != ORGDOM_PSL || d->psl.ctx != NULL)
		return 0;
	d->psl.ctx = orgdom_psl_load(d->psl.file);
	if (d->psl.ctx == NULL) {
		const config_setting_t *m = s ?
		    config_setting_get_member(s, "psl_file") :
		    NULL;

		conf_err_set(e, m ? m : s,
		    "%s\"%s\": cannot load the Public "
		    "Suffix List (Debian: apt-get install publicsuffix)",
		    m ? "" : "psl_file ", d->psl.file);
		return -1;
	}
	return 0;
}

/* ---- hooks -------------------------------------------------------- */

/* dmarc_align - see dmarc.h */
int
dmarc_align(const char *author, const char *author_org, const char *id,
    const char *id_org, int strict)
{
	if (author == NULL || id == NULL)
		return 0;
	if (str_casecmp(author, id) == 0)
		return 1;
	if (strict || author_org == NULL || id_org == NULL)
		return 0;
	return str_casecmp(author_org, id_org) == 0;
}

/* under_org - id is org or a subdomain of it (a cheap necessary test) */
static int
under_org(const char *id, const char *org)
{
	size_t il = strlen(id), ol = strlen(org);

	if (il == ol)
		return str_casecmp(id, org) == 0;
	return il > ol && id[il - ol - 1] == '.' &&
	    str_casecmp(id + il - ol, org) == 0;
}

/* tld - the last label of d */
static const char *
tld(const char *d)
{
	const char *dot = strrchr(d, '.');

	return dot != NULL && dot[1] != '\0' ? dot + 1 : d;
}

/* aligned - 1 aligned, 0 not, -1 unknown: a failed lookup leaves the
 * Organizational Domains open and they could be equal or not */
static int
aligned(struct eval *ev, const char *id, int strict)
{
	char low[ORGDOM_NAME_MAX + 1];

	if (id == NULL || *id == '\0')
		return 0;
	if (strict || str_casecmp(id, ev->author) == 0)
		return dmarc_align(ev->author, NULL, id, NULL, 1);
	if (!under_org(id, ev->pol.org_open ? tld(ev->author) : ev->pol.org))
		return 0;
	snprintf(low, sizeof(low), "%s", id);
	str_lower(low);
	return orgdom_relaxed(&ev->oc, &ev->pol, low);
}

/* spf_domain - the SPF-authenticated identifier's domain, or NULL */
static const char *
spf_domain(const struct hm_msg *m, char *buf, size_t n)
{
	if (m->spf_mfrom.domain != NULL && *m->spf_mfrom.domain != '\0')
		return m->spf_mfrom.domain;
	if (addr_path_domain(m->envfrom, buf, n) == 0)
		return buf;
	return NULL;
}

/* exact_pass - "spf" / "dkim" when a passing identifier is the Author
 * Domain itself (aligned under any record), else NULL */
static const char *
exact_pass(struct eval *ev)
{
	char buf[ORGDOM_NAME_MAX + 1];
	const char *d;
	size_t i;

	for (i = 0; i < ev->m->ndkim; i++)
		if (ev->m->dkim[i].result == RES_DKIM_PASS &&
		    ev->m->dkim[i].d != NULL &&
		    str_casecmp(ev->m->dkim[i].d, ev->author) == 0)
			return "dkim";
	if (ev->m->spf_mfrom.evaluated &&
	    ev->m->spf_mfrom.result == RES_SPF_PASS &&
	    (d = spf_domain(ev->m, buf, sizeof(buf))) != NULL &&
	    str_casecmp(d, ev->author) == 0)
		return "spf";
	return NULL;
}

/* check_spf - 1 pass aligned, 0 no, -1 a temperror that could align */
static int
check_spf(struct eval *ev)
{
	const struct res_spf_check *s = &ev->m->spf_mfrom;
	char buf[ORGDOM_NAME_MAX + 1];
	const char *d;
	int a;

	if (!s->evaluated || (s->result != RES_SPF_PASS &&
	    s->result != RES_SPF_TEMPERROR))
		return 0;
	if ((d = spf_domain(ev->m, buf, sizeof(buf))) == NULL)
		return 0;
	a = aligned(ev, d, ev->pol.rec.aspf_strict);
	if (s->result == RES_SPF_TEMPERROR)
		return a != 0 ? -1 : 0;
	return a;
}

/* check_dkim - 1 a passing d= aligns, -1 a temperror that could, 0 no */
static int
check_dkim(struct eval *ev)
{
	size_t i;
	int temp = 0, a;

	for (i = 0; i < ev->m->ndkim; i++) {
		const struct res_dkim_sig *s = &ev->m->dkim[i];
		if (s->result != RES_DKIM_PASS &&
		    s->result != RES_DKIM_TEMPERROR)
			continue;
		a = aligned(ev, s->d, ev->pol.rec.adkim_strict);
		if (s->result == RES_DKIM_PASS && a == 1)
			return 1;
		if (a != 0)
			temp = 1;
	}
	return temp ? -1 : 0;
}

/* trusted_id - id is one of trusted_authserv_ids */
static int
trusted_id(const struct conf *c, const char *id)
{
	char *const *p;

	for (p = c->trusted_authserv_ids; p != NULL && *p != NULL; p++)
		if (str_casecmp(*p, id) == 0)
			return 1;
	return 0;
}

/* gw_aligned - "dkim" / "spf" when a pass in a gateway's A-R aligns */
static const char *
gw_aligned(struct eval *ev, const struct gw_ar *a)
{
	const char *d;
	size_t k;

	for (k = 0; k < a->ndkim; k++)
		if (aligned(ev, a->dkim_d[k], ev->pol.rec.adkim_strict) == 1)
			return "dkim";
	if (!a->spf_pass)
		return NULL;
	d = strrchr(a->mailfrom, '@');
	d = d != NULL ? d + 1 : a->mailfrom;
	if (*d != '\0' && aligned(ev, d, ev->pol.rec.aspf_strict) == 1)
		return "spf";
	return NULL;
}

/* gateway_pass - 1 when a trusted relay's trusted A-R has an aligned
 * pass (aligned_by and why set), else 0 */
static int
gateway_pass(struct eval *ev)
{
	const struct hm_msg *m = ev->m;
	struct gw_ar a;
	const char *by;
	size_t i, end;

	if (!m->conn->relay || m->conf->trusted_authserv_ids == NULL)
		return 0;
	end = gw_hop_end(m->hdr, m->nhdr, m->conn->addrstr);
	for (i = 0; i < end; i++) {
		if (str_casecmp(m->hdr[i].name, "Authentication-Results") !=
			0 ||
		    gw_ar_parse(m->hdr[i].value, &a) < 0 ||
		    !trusted_id(m->conf, a.authserv_id) ||
		    (by = gw_aligned(ev, &a)) == NULL)
			continue;
		ev->aligned_by = by;
		snprintf(ev->why, sizeof(ev->why),
		    "%s from trusted authserv-id %.200s", by, a.authserv_id);
		return 1;
	}
	return 0;
}

/* evaluate - the DMARC result once a policy record applies */
static void
evaluate(struct eval *ev)
{
	int spf = check_spf(ev), dkim = check_dkim(ev);

	ev->spf_aligned = spf == 1;
	ev->dkim_aligned = dkim == 1;
	if (spf == 1 || dkim == 1) {
		ev->result = RES_DMARC_PASS;
		ev->aligned_by = dkim == 1 ? "dkim" : "spf";
	} else if (gateway_pass(ev)) {
		ev->result = RES_DMARC_PASS;
		ev->spf_aligned = strcmp(ev->aligned_by, "spf") == 0;
		ev->dkim_aligned = !ev->spf_aligned;
	} else if (spf < 0 || dkim < 0) {
		ev->result = RES_DMARC_TEMPERROR;
		if (ev->pol.org_open)
			snprintf(ev->why, sizeof(ev->why),
			    "whether %s aligns "
			    "is open: %s",
			    dkim < 0 ? "DKIM" : "SPF", ev->pol.why);
		else
			snprintf(ev->why, sizeof(ev->why),
			    "an aligned %s "
			    "identifier had a temporary error",
			    dkim < 0 ? "DKIM" : "SPF");
	} else {
		ev->result = RES_DMARC_FAIL;
	}
}

/* requested - p, or sp / np for a domain that inherits the record */
static enum dmarcrec_policy
requested(struct eval *ev)
{
	const struct dmarcrec *r = &ev->pol.rec;
	struct dns_result *res;
	int nx;

	if (ev->pol.from_author)
		return r->p;
	if (r->np != DMARCREC_P_UNSET && ev->result == RES_DMARC_FAIL) {
		res = dns_lookup(ev->oc.resolver, ev->author, DNS_T_A,
		    ev->oc.budget);
		nx = res->status == DNS_NXDOMAIN;
		dns_result_free(res);
		if (nx)
			return r->np;
	}
	return r->sp != DMARCREC_P_UNSET ? r->sp : r->p;
}

/* add_ar - dmarc=... (p=... dis=...) header.from=... policy.dmarc=... */
static void
add_ar(struct eval *ev, enum dmarcrec_policy req, const struct policy_out *o)
{
	struct str c, p;

	str_init(&c);
	str_init(&p);
	if (ev->result == RES_DMARC_NONE || ev->pol.status != ORGDOM_OK) {
		if (ev->why[0] != '\0')
			str_add(&c, ev->why);
	} else {
		str_addf(&c, "p=%s dis=%s", dmarcrec_policy_name(req),
		    policy_dis_name(o->applied));
		if (o->overridden)
			str_addf(&c, " override=%s by %s%s%s",
			    allow_reason_name(o->reason), o->by,
			    o->via != NULL ? " via " : "",
			    o->via != NULL ? o->via : "");
		if (o->local != NULL)
			str_addf(&c, " override=%s by %s",
			    allow_reason_name(ALLOW_R_LOCAL_POLICY), o->local);
		if (ev->why[0] != '\0')
			str_addf(&c, " %s", ev->why);
	}
	str_addf(&p, "header.from=%s", ev->author);
	if (ev->pol.status == ORGDOM_OK)
		str_addf(&p, " policy.dmarc=%s", dmarcrec_policy_name(req));
	authres_add(&ev->m->ar, "dmarc", res_dmarc_name(ev->result),
	    c.len ? c.s : NULL, p.s);
	str_free(&c);
	str_free(&p);
}

/* policy_conf_of - the policy.c view of the configuration */
static void
policy_conf_of(const struct conf_dmarc *cf, struct policy_conf *pc)
{
	policy_conf_defaults(pc);
	pc->on_reject = cf->on_reject;
	pc->on_quarantine = cf->on_quarantine;
	pc->on_none = cf->on_none;
	pc->on_temperror = cf->on_temperror;
	pc->on_permerror = cf->on_permerror;
	pc->quarantine_by = cf->quarantine_by;
	pc->report_only = cf->report_only;
	pc->honour_pct = cf->org_domain == ORGDOM_PSL;
}

/* log_decision - the details at debug (the summary line has the rest);
 * the overrides are counted in the metrics */
static void
log_decision(const struct eval *ev, enum dmarcrec_policy req,
    const struct policy_out *o)
{
	if (o->overridden)
		metrics_override(allow_reason_name(o->reason), o->by);
	if (o->local != NULL)
		metrics_override(allow_reason_name(ALLOW_R_LOCAL_POLICY),
		    o->local);
	log_qid(LOG_LVL_DEBUG, ev->m->qid,
	    "dmarc=%s header.from=%s "
	    "policy_domain=%s org=%s%s p=%s dis=%s%s%s%s%s%s%s%s%s action=%s%s%s%s%s",
	    res_dmarc_name(ev->result), ev->author,
	    ev->pol.policy_domain[0] ? ev->pol.policy_domain : "-",
	    ev->pol.org[0] ? ev->pol.org : "-",
	    ev->pol.org_open ? "(open)" : "",
	    req == DMARCREC_P_UNSET ? "-" : dmarcrec_policy_name(req),
	    policy_dis_name(o->applied), o->overridden ? " override=" : "",
	    o->overridden ? allow_reason_name(o->reason) : "",
	    o->overridden ? " by=" : "", o->overridden ? o->by : "",
	    o->via != NULL ? " via=" : "", o->via != NULL ? o->via : "",
	    o->local != NULL ? " override=local_policy by=" : "",
	    o->local != NULL ? o->local : "", verdict_action_name(o->action),
	    ev->why[0] ? " reason=" : "", ev->why,
	    ev->note != NULL ? " note=" : "", ev->note != NULL ? ev->note : "");
}

/* keep_report - what aggregate reports need of the decision, in the
 * message (only when a policy record applied) */
static void
keep_report(const struct eval *ev, const struct policy_out *o)
{
	struct dmarc_report *r = ev->m->mod[MOD_DMARC];

	if (r == NULL || ev->pol.status != ORGDOM_OK)
		return;
	r->have = 1;
	snprintf(r->author, sizeof(r->author), "%s", ev->author);
	memcpy(r->policy_domain, ev->pol.policy_domain,
	    sizeof(r->policy_domain));
	memcpy(r->org, ev->pol.org, sizeof(r->org));
	r->rec = ev->pol.rec;
	r->psl = ev->cf->org_domain == ORGDOM_PSL;
	r->result = ev->result;
	r->applied = o->applied;
	r->dkim_aligned = ev->dkim_aligned;
	r->spf_aligned = ev->spf_aligned;
	r->overridden = o->overridden;
	r->reason = o->reason;
	r->by = o->by;
	snprintf(r->via, sizeof(r->via), "%s", o->via != NULL ? o->via : "");
	r->local = o->local;
}

/* dmarc_report_of - see dmarc.h */
const struct dmarc_report *
dmarc_report_of(const struct hm_msg *m)
{
	const struct dmarc_report *r = m->mod[MOD_DMARC];

	return r != NULL && r->have ? r : NULL;
}

/* vendor_of - the vendor entry a failing (or temperror) message is
 * from.  The SPF rule's lookups run only for a fail whose disposition
 * the override would change and that no other override covers: passing
 * mail costs nothing.  A vendor lookup that failed is logged. */
static void
vendor_of(const struct eval *ev, const struct policy_input *in,
    struct vendor_hit *hit)
{
	struct hm_msg *m = ev->m;
	struct vendor_query q;
	char buf[sizeof(hit->note)];

	memset(hit, 0, sizeof(*hit));
	if (ev->result != RES_DMARC_FAIL && ev->result != RES_DMARC_TEMPERROR)
		return;
	memset(&q, 0, sizeof(q));
	q.list = &ev->cf->vendors;
	q.msg.client = m->conn->has_addr ?
	    (const struct sockaddr *)&m->conn->addr :
	    NULL;
	q.msg.author = ev->author;
	q.msg.rcpt_domains = m->rcpt_domains;
	q.msg.dkim = m->dkim;
	q.msg.ndkim = m->ndkim;
	q.helo = m->conn->helo;
	q.receiver = m->conf->authserv_id;
	q.resolver = m->conf->resolver;
	q.budget = &m->budget;
	q.use_spf = ev->result == RES_DMARC_FAIL && !in->trusted_client &&
	    !in->monitor_only &&
	    (in->requested == DMARCREC_P_QUARANTINE ||
		in->requested == DMARCREC_P_REJECT);
	vendor_match(&q, hit);
	if (hit->v == NULL && hit->note[0] != '\0')
		log_qid(LOG_LVL_WARN, m->qid,
		    "dmarc: header.from=%s: no vendor override, "
		    "the vendor lookup failed: %s",
		    ev->author, LOG_P(buf, hit->note));
}

/* policy_input_of - the policy.c view of the evaluated message, the
 * vendor entry aside */
static void
policy_input_of(const struct eval *ev, enum dmarcrec_policy req,
    struct policy_input *in)
{
	memset(in, 0, sizeof(*in));
	in->result = ev->result;
	in->domain = ev->author;
	in->requested = req;
	in->testing = ev->cf->org_domain == ORGDOM_TREEWALK &&
	    ev->pol.rec.testing;
	in->pct = ev->pol.rec.pct;
	in->rnd = arc4random_uniform(100);
	in->trusted_by = ctx_msg_trusted_by(ev->m);
	in->trusted_client = in->trusted_by != NULL;
	in->monitor_only = allow_domain_match(ev->cf->monitor_domains,
			       ev->author) ||
	    allow_domain_match(ev->cf->monitor_domains, ev->pol.policy_domain);
}

/* decide - verdict, header, A-R and log line for an evaluated message */
static void
decide(struct eval *ev)
{
	struct hm_msg *m = ev->m;
	struct policy_conf pc;
	struct policy_input in;
	struct policy_out o;
	struct vendor_hit hit;
	enum dmarcrec_policy req = ev->pol.status == ORGDOM_OK ?
	    requested(ev) : DMARCREC_P_UNSET;

	policy_input_of(ev, req, &in);
	vendor_of(ev, &in, &hit);
	in.vendor = hit.v;
	in.vendor_via = hit.v != NULL ? hit.via : NULL;
	policy_conf_of(ev->cf, &pc);
	policy_decide(&pc, &in, &o);
	add_ar(ev, req, &o);
	keep_report(ev, &o);
	if (o.action != VERDICT_ACCEPT)
		verdict_propose(&m->verdict, o.action, "dmarc", o.rcode,
		    o.xcode, o.text);
	if (o.add_header)
		ctx_msg_addhdr(m, ev->cf->quarantine_header, o.text);
	log_decision(ev, req, &o);
}

/* from_problem - none / several / unusable From: log, A-R, from_action */
static void
from_problem(struct hm_msg *m, const struct conf_dmarc *cf, const char *why)
{
	char t[256];
	const char *note = "";
	enum verdict_action act = (enum verdict_action)cf->from_action;
	const char *trusted = ctx_msg_trusted_by(m);
	char tnote[64];

	if (trusted != NULL) {
		act = VERDICT_ACCEPT;
		snprintf(tnote, sizeof(tnote), " (%s, not enforced)", trusted);
		note = tnote;
	} else if (cf->report_only && act != VERDICT_ACCEPT) {
		act = VERDICT_ACCEPT;
		note = " (report-only)";
	}
	m->dmarc = RES_DMARC_PERMERROR;
	authres_add(&m->ar, "dmarc", "permerror", why, NULL);
	snprintf(t, sizeof(t), "%sthe From header must hold exactly one "
	    "address (%s)", act == VERDICT_REJECT ? "Message rejected: " : "",
	    why);
	if (act == VERDICT_QUARANTINE && cf->quarantine_by == POLICY_Q_HEADER) {
		ctx_msg_addhdr(m, cf->quarantine_header, t);
		act = VERDICT_ACCEPT;
		note = " (quarantine header)";
	}
	log_qid(LOG_LVL_WARN, m->qid, "dmarc: From header: %s action=%s%s",
	    why, verdict_action_name(act), note);
	if (act != VERDICT_ACCEPT)
		verdict_propose(&m->verdict, act, "dmarc",
		    act == VERDICT_TEMPFAIL ? "451" : "550",
		    act == VERDICT_TEMPFAIL ? "4.7.1" : "5.7.1", t);
}

/* author_domain - the one Author Domain into buf, or NULL (handled) */
static const char *
author_domain(struct hm_msg *m, const struct conf_dmarc *cf, char *buf,
    size_t n)
{
	const struct hm_from *f = ctx_msg_from(m);
	char why[160], pv[128];

	if (f->nfield == 0) {
		from_problem(m, cf, "no From header");
		return NULL;
	}
	if (f->nfield > 1) {
		snprintf(why, sizeof(why), "%u From headers", f->nfield);
		from_problem(m, cf, why);
		return NULL;
	}
	if (f->a.status != ADDR_OK) {
		LOG_P(pv, f->value);
		snprintf(why, sizeof(why), "%s: %s: \"%s\"",
		    addr_status_name(f->a.status), f->a.why ? f->a.why : "",
		    pv);
		from_problem(m, cf, why);
		return NULL;
	}
	snprintf(buf, n, "%s", f->a.domain);
	return buf;
}

/* temp_policy - the walk failed before the author's own record: some
 * record applies whatever the failed name holds (record_sure) and the
 * Author Domain itself passes: pass; else temperror */
static void
temp_policy(struct eval *ev)
{
	if (ev->pol.record_sure && (ev->aligned_by = exact_pass(ev)) != NULL) {
		ev->result = RES_DMARC_PASS;
		ev->note = ev->pol.why;
		return;
	}
	ev->result = RES_DMARC_TEMPERROR;
	snprintf(ev->why, sizeof(ev->why), "%s", ev->pol.why);
}

/* dmarc_eom - evaluate, decide, record */
static int
dmarc_eom(struct hm_msg *m)
{
	const struct conf_dmarc *cf = &m->conf->dmarc;
	char author[ADDR_DOMAIN_MAX + 1];
	struct eval ev;

	if (!cf->enable || m->conf->resolver == NULL)
		return HM_OK;
	if (author_domain(m, cf, author, sizeof(author)) == NULL)
		return HM_OK;
	memset(&ev, 0, sizeof(ev));
	ev.m = m;
	ev.cf = cf;
	ev.author = author;
	ev.oc.mode = (enum orgdom_mode)cf->org_domain;
	ev.oc.psl = cf->psl.ctx;
	ev.oc.resolver = m->conf->resolver;
	ev.oc.budget = &m->budget;
	switch (orgdom_policy(&ev.oc, author, &ev.pol)) {
	case ORGDOM_OK:
		evaluate(&ev);
		if (ev.pol.why[0] != '\0')
			ev.note = ev.pol.why;
		break;
	case ORGDOM_NONE:
		ev.result = RES_DMARC_NONE;
		if (ev.pol.why[0] != '\0')
			ev.note = ev.pol.why;
		break;
	case ORGDOM_TEMPERROR:
		temp_policy(&ev);
		break;
	case ORGDOM_PERMERROR:
		ev.result = RES_DMARC_PERMERROR;
		snprintf(ev.why, sizeof(ev.why), "%s", ev.pol.why);
		break;
	}
	m->dmarc = ev.result;
	decide(&ev);
	return HM_OK;
}

static const char *const dmarc_requires[] = { "spf", "dkimv", NULL };

const struct hm_module dmarc_module = {
	.name = "dmarc",
	.inbound_only = 1,
	.requires = dmarc_requires,
	.msg_size = sizeof(struct dmarc_report),
	.eom = dmarc_eom,
};
