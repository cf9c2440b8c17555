/*
 * doctor_dmarc.c - the DMARC part of `hallmark doctor` (doctor.h): the
 * policy record for the From domain as the RFC 9989 tree walk finds it,
 * and as the RFC 7489 Public Suffix List way finds it when the two
 * differ; its tags; each rua/ruf destination outside the domain's
 * organisation checked for the authorisation record
 * <policy domain>._report._dmarc.<destination host> (RFC 9990 section 4;
 * a wildcard there answers like any record); and the outcome for the
 * message described (SPF result for --ip, the DKIM key found, the From
 * domain): "would pass by spf/dkim" or "would fail".
 *
 * Discovery and alignment are orgdomain.c's, the record parser is
 * dmarc_record.c's: the same code hallmarkd decides with.  The record's
 * text is fetched once more to show it and read its rua/ruf lists.
 * No logging; owns nothing past a call.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_record.h"
#include "doctor.h"
#include "orgdomain.h"
#include "str.h"

/* what the section works with */
struct dm {
	const struct doc_input *in;
	struct doc_section *s;
	struct orgdom_ctx oc;	  /* the mode hallmarkd uses */
	struct orgdom_policy pol; /* the policy found in that mode */
};

/* record_text - the v=DMARC1 TXT record at _dmarc.domain into out;
 * 0, or -1 when there is none (or several) */
static int
record_text(const struct doc_input *in, const char *domain, struct str *out)
{
	struct dns_result *res;
	char name[DNS_NAME_MAX + 16];
	size_t i, n = 0;

	snprintf(name, sizeof(name), "_dmarc.%s", domain);
	res = dns_lookup(in->resolver, name, DNS_T_TXT, in->budget);
	for (i = 0; res->status == DNS_OK && i < res->nrr; i++)
		if (dmarcrec_is_dmarc((const char *)res->rr[i].data,
			res->rr[i].len) &&
		    n++ == 0)
			str_addn(out, (const char *)res->rr[i].data,
			    res->rr[i].len);
	dns_result_free(res);
	return n == 1 ? 0 : -1;
}

/* walk_text - where a discovery found its record, in words */
static void
walk_text(const struct orgdom_policy *p, struct str *out)
{
	if (p->status == ORGDOM_OK)
		str_addf(out, "record at _dmarc.%s, organisational domain %s",
		    p->policy_domain, p->org);
	else if (p->status == ORGDOM_NONE)
		str_addf(out, "no record, organisational domain %s", p->org);
	else
		str_addf(out, "%s", p->why);
}

/* same_answer - do two discoveries agree (status, where, organisation) */
static int
same_answer(const struct orgdom_policy *a, const struct orgdom_policy *b)
{
	if (a->status != b->status)
		return 0;
	if (a->status == ORGDOM_OK)
		return strcmp(a->policy_domain, b->policy_domain) == 0 &&
		    strcmp(a->org, b->org) == 0;
	return a->status != ORGDOM_NONE || strcmp(a->org, b->org) == 0;
}

/* compare_psl - the other discovery mode, when its answer differs */
static void
compare_psl(struct dm *d)
{
	struct orgdom_ctx oc = d->oc;
	struct orgdom_policy other;
	struct str a, b;

	if (d->in->psl == NULL)
		return;
	oc.mode = d->oc.mode == ORGDOM_PSL ? ORGDOM_TREEWALK : ORGDOM_PSL;
	orgdom_policy(&oc, d->in->from_domain, &other);
	if (same_answer(&other, &d->pol))
		return;
	str_init(&a);
	str_init(&b);
	walk_text(d->oc.mode == ORGDOM_PSL ? &other : &d->pol, &a);
	walk_text(d->oc.mode == ORGDOM_PSL ? &d->pol : &other, &b);
	doc_add(d->s, DOC_WARN, "dmarc-psl-differs",
	    "the tree walk (RFC 9989) and the Public Suffix List (RFC 7489) "
	    "disagree; receivers of either kind exist\ntree walk: %s\nPSL: "
	    "%s\nhallmarkd uses %s (dmarc.org_domain)",
	    a.s, b.s, d->oc.mode == ORGDOM_PSL ? "the PSL" : "the tree walk");
	str_free(&a);
	str_free(&b);
}

/* policy_tags - p, sp, np, t, psd and alignment modes */
static void
policy_tags(struct dm *d)
{
	const struct dmarcrec *r = &d->pol.rec;
	const char *psd = "u";

	if (r->psd != DMARCREC_PSD_U)
		psd = r->psd == DMARCREC_PSD_Y ? "y" : "n";
	doc_add(d->s, DOC_INFO, "dmarc-policy",
	    "p=%s sp=%s np=%s t=%s psd=%s adkim=%s aspf=%s",
	    dmarcrec_policy_name(r->p),
	    r->sp ? dmarcrec_policy_name(r->sp) : "(p)",
	    r->np ? dmarcrec_policy_name(r->np) : "(sp)",
	    r->testing ? "y" : "n", psd, r->adkim_strict ? "s" : "r",
	    r->aspf_strict ? "s" : "r");
	if (r->testing)
		doc_add(d->s, DOC_WARN, "dmarc-testing",
		    "t=y: receivers apply the policy one step lower (reject as "
		    "quarantine, quarantine as none)");
	if (r->why[0] != '\0')
		doc_add(d->s, DOC_WARN, "dmarc-syntax", "ignored: %s", r->why);
}

/* is_space - white space around tags and values */
static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* tag_value - the value of tag name in a DMARC record, or NULL */
static char *
tag_value(const char *rec, const char *name)
{
	const char *p = rec, *semi, *eq, *b, *e;

	for (; *p != '\0'; p = *semi ? semi + 1 : semi) {
		semi = p + strcspn(p, ";");
		eq = memchr(p, '=', (size_t)(semi - p));
		if (eq == NULL)
			continue;
		for (b = p; b < eq && is_space(*b); b++)
			;
		for (e = eq; e > b && is_space(e[-1]); e--)
			;
		if ((size_t)(e - b) != strlen(name) ||
		    str_ncasecmp(b, name, (size_t)(e - b)) != 0)
			continue;
		for (b = eq + 1; b < semi && is_space(*b); b++)
			;
		for (e = semi; e > b && is_space(e[-1]); e--)
			;
		return xstrndup(b, (size_t)(e - b));
	}
	return NULL;
}

/* dest_check - is a report destination outside the organisation
 * authorised?  host is the mailbox's domain */
static void
dest_check(struct dm *d, const char *tag, const char *uri, const char *host)
{
	char org[ORGDOM_NAME_MAX + 1], name[2 * DNS_NAME_MAX + 32];
	struct dns_result *res;
	size_t i;
	int ok = 0;

	if (orgdom_org(&d->oc, host, org, sizeof(org)) == 0 &&
	    str_casecmp(org, d->pol.org) == 0) {
		doc_add(d->s, DOC_OK, "dmarc-dest",
		    "%s %s: inside the organisation", tag, uri);
		return;
	}
	snprintf(name, sizeof(name), "%s._report._dmarc.%s",
	    d->pol.policy_domain, host);
	res = dns_lookup(d->in->resolver, name, DNS_T_TXT, d->in->budget);
	for (i = 0; res->status == DNS_OK && i < res->nrr; i++)
		ok |= dmarcrec_is_dmarc((const char *)res->rr[i].data,
		    res->rr[i].len);
	if (ok)
		doc_add(d->s, DOC_OK, "dmarc-dest", "%s %s: authorised by %s",
		    tag, uri, name);
	else if (dns_is_temp(res->status))
		doc_add(d->s, DOC_WARN, "dmarc-dest",
		    "%s %s: could not check %s TXT (%s)", tag, uri, name,
		    dns_status_name(res->status));
	else
		doc_add(d->s, DOC_WARN, "dmarc-dest",
		    "%s %s: not authorised: receivers send no reports there "
		    "(RFC 9990 section 4)\n%s must publish %s TXT \"v=DMARC1\"",
		    tag, uri, host, name);
	dns_result_free(res);
}

/* one_uri - one destination of a rua/ruf list */
static void
one_uri(struct dm *d, const char *tag, char *uri)
{
	char *at, *bang;

	uri = str_strip(uri);
	if (str_ncasecmp(uri, "mailto:", 7) != 0 ||
	    (at = strrchr(uri, '@')) == NULL || at[1] == '\0') {
		doc_add(d->s, DOC_WARN, "dmarc-dest",
		    "%s %s: not a mailto: address; receivers ignore it", tag,
		    uri);
		return;
	}
	if ((bang = strchr(at, '!')) != NULL)
		*bang = '\0'; /* a size limit, mailto:x@y!10m */
	str_lower(at + 1);
	dest_check(d, tag, uri, at + 1);
}

/* destinations - every URI of rua= and ruf= */
static void
destinations(struct dm *d, const char *rec)
{
	static const char *const tags[] = { "rua", "ruf" };
	char *v, *p, *comma;
	size_t t;

	for (t = 0; t < 2; t++) {
		if ((v = tag_value(rec, tags[t])) == NULL) {
			if (t == 0)
				doc_add(d->s, DOC_INFO, "dmarc-dest",
				    "no rua=: the domain gets no aggregate "
				    "reports");
			continue;
		}
		for (p = v; p != NULL; p = comma) {
			if ((comma = strchr(p, ',')) != NULL)
				*comma++ = '\0';
			one_uri(d, tags[t], p);
		}
		free(v);
	}
}

/* found - the record, its tags and destinations */
static void
found(struct dm *d, struct doc_findings *f)
{
	struct str text;
	char *line;

	str_init(&text);
	if (record_text(d->in, d->pol.policy_domain, &text) < 0)
		str_add(&text, "(record changed while looked up)");
	line = doc_oneline(text.s);
	doc_add(d->s, DOC_INFO, "dmarc-record", "_dmarc.%s: %s",
	    d->pol.policy_domain, line);
	policy_tags(d);
	destinations(d, line);
	free(line);
	str_free(&text);
	f->dmarc_found = 1;
	f->dmarc_p = (int)d->pol.rec.p;
	if (f->spf_all_qual == (int)RES_SPF_NEUTRAL &&
	    d->pol.rec.p == DMARCREC_P_REJECT)
		doc_add(d->s, DOC_WARN, "spf-neutral-all",
		    "p=reject, but the SPF record of %s ends with ?all: it "
		    "says nothing about other hosts (use -all or ~all)",
		    d->in->domain);
}

/* not_found - no usable record, or the lookup failed */
static void
not_found(struct dm *d, struct doc_findings *f)
{
	if (d->pol.status == ORGDOM_TEMPERROR) {
		f->dmarc_unknown = 1;
		doc_add(d->s, DOC_UNKNOWN, "dmarc-record", "%s", d->pol.why);
	} else if (d->pol.status == ORGDOM_NONE) {
		doc_add(d->s, DOC_FAIL, "dmarc-record",
		    "no DMARC record for %s (nor at its organisational domain "
		    "%s): bulk senders need at least p=none",
		    d->in->from_domain, d->pol.org);
	} else {
		doc_add(d->s, DOC_FAIL, "dmarc-record", "unusable record: %s",
		    d->pol.why);
	}
}

/* align - identifier id aligned with the From domain: 1, 0, -1 unknown */
static int
align(struct dm *d, const char *id, int strict)
{
	if (strict)
		return str_casecmp(id, d->in->from_domain) == 0;
	return orgdom_relaxed(&d->oc, &d->pol, id);
}

/* align_word - an alignment outcome in words */
static const char *
align_word(int a)
{
	if (a < 0)
		return "alignment unknown";
	return a > 0 ? "aligned" : "not aligned with the From domain";
}

/* spf_part - SPF's share in the outcome, and a line about it */
static int
spf_part(struct dm *d, const struct doc_findings *f, struct str *why)
{
	int a;

	if (!f->spf_checked) {
		str_add(why, "\nSPF: not checked (no --ip)");
		return 0;
	}
	if (f->spf != RES_SPF_PASS) {
		str_addf(why, "\nSPF: %s", res_spf_name(f->spf));
		return f->spf == RES_SPF_TEMPERROR ? -1 : 0;
	}
	a = align(d, d->in->domain, d->pol.rec.aspf_strict);
	str_addf(why, "\nSPF: pass for %s, %s", d->in->domain, align_word(a));
	return a;
}

/* dkim_part - DKIM's share: a usable key for d=DOMAIN, aligned */
static int
dkim_part(struct dm *d, const struct doc_findings *f, struct str *why)
{
	int a;

	if (!f->dkim_usable) {
		str_addf(why, "\nDKIM: no usable key for d=%s", d->in->domain);
		return f->dkim_unknown ? -1 : 0;
	}
	a = align(d, d->in->domain, d->pol.rec.adkim_strict);
	str_addf(why, "\nDKIM: key %s for d=%s, %s", f->dkim_selector,
	    d->in->domain, align_word(a));
	return a;
}

/* outcome - would a message as described pass DMARC? */
static void
outcome(struct dm *d, struct doc_findings *f)
{
	struct str why;
	int spf, dkim;
	enum dmarcrec_policy p = d->pol.rec.p;

	if (str_casecmp(d->in->from_domain, d->pol.policy_domain) != 0 &&
	    d->pol.rec.sp != DMARCREC_P_UNSET)
		p = d->pol.rec.sp;
	str_init(&why);
	spf = spf_part(d, f, &why);
	dkim = dkim_part(d, f, &why);
	f->dmarc_aligned = 0;
	if (spf > 0 || dkim > 0)
		f->dmarc_aligned = 1;
	else if (spf < 0 || dkim < 0)
		f->dmarc_aligned = -1;
	if (f->dmarc_aligned > 0)
		doc_add(d->s, DOC_OK, "dmarc-result", "would pass by %s%s",
		    spf <= 0	 ? "dkim" :
			dkim > 0 ? "spf and dkim" :
				   "spf",
		    why.s);
	else if (f->dmarc_aligned < 0)
		doc_add(d->s, DOC_UNKNOWN, "dmarc-result",
		    "cannot tell (a lookup failed)%s", why.s);
	else
		doc_add(d->s, DOC_FAIL, "dmarc-result",
		    "would fail: p=%s applies%s", dmarcrec_policy_name(p),
		    why.s);
	str_free(&why);
}

/* doctor_dmarc - the DMARC section */
void
doctor_dmarc(const struct doc_input *in, struct doc_report *r,
    struct doc_findings *f)
{
	struct dm d;
	char *title;

	memset(&d, 0, sizeof(d));
	d.in = in;
	title = xasprintf("DMARC (From: %s)", in->from_domain);
	d.s = doc_section(r, title);
	free(title);
	d.oc.mode = in->org_mode;
	d.oc.psl = in->psl;
	d.oc.resolver = in->resolver;
	d.oc.budget = in->budget;
	orgdom_policy(&d.oc, in->from_domain, &d.pol);
	if (d.pol.status == ORGDOM_OK)
		found(&d, f);
	else
		not_found(&d, f);
	compare_psl(&d);
	if (d.pol.status == ORGDOM_OK)
		outcome(&d, f);
}
