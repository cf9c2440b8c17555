/*
 * rxml.c - the XML document of one DMARC aggregate report part
 * (rxml_build, rxml.h): RFC 9990 (namespace
 * urn:ietf:params:xml:ns:dmarc-2.0) or, for old readers, the form of
 * RFC 7489 Appendix C.  Elements are written in the order of each
 * schema; every text goes through rxml_text (rxml_text.c).
 *
 * RFC 9990 form:
 *   version 1.0; report_metadata (org_name, email, extra_contact_info
 *   when set, report_id, date_range, error when set, generator);
 *   policy_published (domain, p, sp and np only when published, adkim,
 *   aspf, discovery_method, fo ("0" when not published: the default),
 *   testing y|n; no pct); per row with count > 0 one record: row
 *   (source_ip (canonical text; no address: 0.0.0.0, see rxml_ip),
 *   count, policy_evaluated: disposition, dkim, spf,
 *   reason*), identifiers (header_from, envelope_from, envelope_to when
 *   recorded), auth_results (dkim* as recorded, at most RR_MAX_DKIM;
 *   spf with scope mfrom when recorded).
 * RFC 7489 form: no namespace; version 1.0 (the Appendix C schema
 *   requires it); no generator; policy_published with adkim, aspf, p,
 *   sp (= p when not published, RFC 7489 section 6.3), pct (100, or 0
 *   under t=y: DMARCbis defines t=y as what pct=0 did), fo; no np,
 *   testing, discovery_method; disposition "pass" written "none" (RFC
 *   7489 has no "pass"); reason policy_test_mode written sampled_out
 *   (pct sampling is what t=y replaced); an spf element always (the
 *   schema requires one): when none was recorded, result none for the
 *   MAIL FROM domain (header_from for a null path).
 *
 * envelope_from: "" (a null reverse-path) is written as an empty
 * element in both forms: RFC 9990 (the "identifiers" element) says it
 * MAY exist but be empty for a null reverse-path, and RFC 7489's schema
 * requires the element; it tells the domain owner the path was null,
 * not unrecorded.
 * NULL (not recorded) is left out of RFC 9990 and written empty in RFC
 * 7489.
 *
 * Reasons: the collector records why a disposition differs from the
 * policy.  RFC 9990 requires a reason when alignment failed (DMARC
 * fail) and the applied disposition differs from the published policy
 * (p for the policy domain itself, sp for its subdomains, np also
 * accepted for a subdomain since the builder cannot know whether the
 * name existed).  When such a row carries no reason the builder adds
 * one: policy_test_mode when the record had t=y and the disposition is
 * milder than the policy, otherwise "other" with the comment "local
 * decision of the receiver (no reason recorded)".
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "rxml.h"
#include "rxml_int.h"

#define NS_9990 "urn:ietf:params:xml:ns:dmarc-2.0"
#define NOREASON "local decision of the receiver (no reason recorded)"
#define TESTMODE "policy test mode (t=y in the DMARC Policy Record)"

/* the document being written */
struct xw {
	struct str *out;
	enum rxml_format fmt;
	int depth;
};

static void
indent(struct xw *w)
{
	int i;

	for (i = 0; i < w->depth; i++)
		str_add(w->out, "  ");
}

/* open_el / close_el - a start or end tag on its own line */
static void
open_el(struct xw *w, const char *name)
{
	indent(w);
	str_addf(w->out, "<%s>\n", name);
	w->depth++;
}

static void
close_el(struct xw *w, const char *name)
{
	w->depth--;
	indent(w);
	str_addf(w->out, "</%s>\n", name);
}

/* leaf - <name>text</name>, the text escaped (NULL = empty) */
static void
leaf(struct xw *w, const char *name, const char *text)
{
	indent(w);
	str_addf(w->out, "<%s>", name);
	rxml_text(w->out, text);
	str_addf(w->out, "</%s>\n", name);
}

static void
leaf_num(struct xw *w, const char *name, int64_t v)
{
	indent(w);
	str_addf(w->out, "<%s>%" PRId64 "</%s>\n", name, v, name);
}

static void
leaf_u64(struct xw *w, const char *name, uint64_t v)
{
	indent(w);
	str_addf(w->out, "<%s>%" PRIu64 "</%s>\n", name, v, name);
}

/* pol_rank - strictness of a policy or disposition: none 0 .. reject 2 */
static int
pol_rank(enum rr_pol p)
{
	return p == RR_POL_QUARANTINE ? 1 : p == RR_POL_REJECT ? 2 : 0;
}

static int
disp_rank(enum rr_disp d)
{
	return d == RR_DISP_QUARANTINE ? 1 : d == RR_DISP_REJECT ? 2 : 0;
}

/* pol_text - the published value as written; an unset p counts as none */
static const char *
pol_text(enum rr_pol p)
{
	const char *s = rr_pol_name(p);

	return s != NULL ? s : "none";
}

static char
align_char(char c)
{
	return c == 's' ? 's' : 'r';
}

static void
metadata(struct xw *w, const struct rxml_meta *m, const char *report_id)
{
	open_el(w, "report_metadata");
	leaf(w, "org_name", m->org_name);
	leaf(w, "email", m->email);
	if (m->extra_contact_info != NULL)
		leaf(w, "extra_contact_info", m->extra_contact_info);
	leaf(w, "report_id", report_id);
	open_el(w, "date_range");
	leaf_num(w, "begin", m->begin);
	leaf_num(w, "end", m->end);
	close_el(w, "date_range");
	if (m->error != NULL)
		leaf(w, "error", m->error);
	if (w->fmt == RXML_RFC9990 && m->generator != NULL)
		leaf(w, "generator", m->generator);
	close_el(w, "report_metadata");
}

static void
policy_9990(struct xw *w, const struct rpolicy *pol)
{
	char a[2] = { 0, 0 };

	leaf(w, "p", pol_text(pol->p));
	if (rr_pol_name(pol->sp) != NULL)
		leaf(w, "sp", rr_pol_name(pol->sp));
	if (rr_pol_name(pol->np) != NULL)
		leaf(w, "np", rr_pol_name(pol->np));
	a[0] = align_char(pol->adkim);
	leaf(w, "adkim", a);
	a[0] = align_char(pol->aspf);
	leaf(w, "aspf", a);
	leaf(w, "discovery_method", rr_discovery_name(pol->discovery));
	leaf(w, "fo", pol->fo != NULL ? pol->fo : "0");
	leaf(w, "testing", pol->testing ? "y" : "n");
}

static void
policy_7489(struct xw *w, const struct rpolicy *pol)
{
	char a[2] = { 0, 0 };
	enum rr_pol sp = rr_pol_name(pol->sp) != NULL ? pol->sp : pol->p;

	a[0] = align_char(pol->adkim);
	leaf(w, "adkim", a);
	a[0] = align_char(pol->aspf);
	leaf(w, "aspf", a);
	leaf(w, "p", pol_text(pol->p));
	leaf(w, "sp", pol_text(sp));
	leaf_num(w, "pct", pol->testing ? 0 : 100);
	leaf(w, "fo", pol->fo != NULL ? pol->fo : "0");
}

static void
policy(struct xw *w, const struct rpolicy *pol)
{
	open_el(w, "policy_published");
	leaf(w, "domain", pol->domain);
	if (w->fmt == RXML_RFC7489)
		policy_7489(w, pol);
	else
		policy_9990(w, pol);
	close_el(w, "policy_published");
}

/* is_policy_domain - the row's From domain is the policy domain itself */
static int
is_policy_domain(const struct rpolicy *pol, const struct rrow *r)
{
	return r->header_from == NULL ||
	    str_casecmp(r->header_from, pol->domain) == 0;
}

/*
 * follows_policy - the disposition is what the published policy asks
 * for this row's domain (p; for a subdomain sp, or p when sp is not
 * published, or np)
 */
static int
follows_policy(const struct rpolicy *pol, const struct rrow *r)
{
	int d = disp_rank(r->disposition);

	if (is_policy_domain(pol, r))
		return d == pol_rank(pol->p);
	if (rr_pol_name(pol->np) != NULL && d == pol_rank(pol->np))
		return 1;
	if (rr_pol_name(pol->sp) != NULL)
		return d == pol_rank(pol->sp);
	return d == pol_rank(pol->p);
}

/* needs_reason - RFC 9990: DMARC failed and the policy was not applied */
static int
needs_reason(const struct rpolicy *pol, const struct rrow *r)
{
	return !r->dkim_pass && !r->spf_pass && !follows_policy(pol, r);
}

/* milder - the disposition is less strict than the policy (t=y) */
static int
milder(const struct rpolicy *pol, const struct rrow *r)
{
	enum rr_pol p = pol->p;

	if (!is_policy_domain(pol, r) && rr_pol_name(pol->sp) != NULL)
		p = pol->sp;
	return disp_rank(r->disposition) < pol_rank(p);
}

/* reason_name - the type as the format knows it */
static const char *
reason_name(enum rxml_format fmt, enum rr_reason t)
{
	if (fmt == RXML_RFC7489 && t == RR_REASON_POLICY_TEST_MODE)
		return "sampled_out";
	return rr_reason_name(t);
}

static void
reason(struct xw *w, enum rr_reason t, const char *comment)
{
	open_el(w, "reason");
	leaf(w, "type", reason_name(w->fmt, t));
	if (comment != NULL)
		leaf(w, "comment", comment);
	close_el(w, "reason");
}

static void
reasons(struct xw *w, const struct rpolicy *pol, const struct rrow *r)
{
	size_t i, n = r->nreason < RR_MAX_REASONS ? r->nreason : RR_MAX_REASONS;

	for (i = 0; i < n; i++)
		reason(w, r->reason[i].type, r->reason[i].comment);
	if (n > 0 || !needs_reason(pol, r))
		return;
	if (pol->testing && milder(pol, r))
		reason(w, RR_REASON_POLICY_TEST_MODE, TESTMODE);
	else
		reason(w, RR_REASON_OTHER, NOREASON);
}

static void
row(struct xw *w, const struct rpolicy *pol, const struct rrow *r)
{
	struct str ip;
	enum rr_disp d = r->disposition;

	if (w->fmt == RXML_RFC7489 && d == RR_DISP_PASS)
		d = RR_DISP_NONE;
	str_init(&ip);
	rxml_ip(&ip, r->source_ip, w->fmt == RXML_RFC7489);
	open_el(w, "row");
	leaf(w, "source_ip", ip.s);
	leaf_u64(w, "count", r->count);
	open_el(w, "policy_evaluated");
	leaf(w, "disposition", rr_disp_name(d));
	leaf(w, "dkim", r->dkim_pass ? "pass" : "fail");
	leaf(w, "spf", r->spf_pass ? "pass" : "fail");
	reasons(w, pol, r);
	close_el(w, "policy_evaluated");
	close_el(w, "row");
	str_free(&ip);
}

static void
identifiers(struct xw *w, const struct rrow *r)
{
	open_el(w, "identifiers");
	leaf(w, "header_from", r->header_from);
	if (r->envelope_from != NULL || w->fmt == RXML_RFC7489)
		leaf(w, "envelope_from", r->envelope_from);
	if (r->envelope_to != NULL)
		leaf(w, "envelope_to", r->envelope_to);
	close_el(w, "identifiers");
}

static void
spf(struct xw *w, const char *domain, enum res_spf result)
{
	open_el(w, "spf");
	leaf(w, "domain", domain);
	leaf(w, "scope", "mfrom");
	leaf(w, "result", res_spf_name(result));
	close_el(w, "spf");
}

/* spf_fallback - RFC 7489 needs an spf element: the domain it is about */
static const char *
spf_fallback(const struct rrow *r)
{
	if (r->envelope_from != NULL && r->envelope_from[0] != '\0')
		return r->envelope_from;
	return r->header_from;
}

static void
auth_results(struct xw *w, const struct rrow *r)
{
	size_t i, n = r->dkim != NULL ? r->ndkim : 0;

	if (n > RR_MAX_DKIM)
		n = RR_MAX_DKIM;
	open_el(w, "auth_results");
	for (i = 0; i < n; i++) {
		open_el(w, "dkim");
		leaf(w, "domain", r->dkim[i].domain);
		leaf(w, "selector", r->dkim[i].selector);
		leaf(w, "result", res_dkim_name(r->dkim[i].result));
		close_el(w, "dkim");
	}
	if (r->has_spf)
		spf(w, r->spf_domain, r->spf_result);
	else if (w->fmt == RXML_RFC7489)
		spf(w, spf_fallback(r), RES_SPF_NONE);
	close_el(w, "auth_results");
}

static void
record(struct xw *w, const struct rpolicy *pol, const struct rrow *r)
{
	open_el(w, "record");
	row(w, pol, r);
	identifiers(w, r);
	auth_results(w, r);
	close_el(w, "record");
}

/* check_input - what a valid report needs; 0 or -1 with err */
static int
check_input(const struct rxml_meta *m, const char *report_id,
    const struct rpolicy *pol, const struct rrow *rows, size_t nrows, char *err,
    size_t errlen)
{
	size_t i;

	if (m == NULL || report_id == NULL)
		return str_seterr(err, errlen, "no report metadata or id");
	if (pol == NULL || pol->domain == NULL || pol->domain[0] == '\0')
		return str_seterr(err, errlen, "no policy domain");
	for (i = 0; i < nrows; i++)
		if (rows[i].count > 0)
			return 0;
	return str_seterr(err, errlen,
	    "no rows with messages: a report needs at least one record");
}

int
rxml_build(enum rxml_format fmt, const struct rxml_meta *m,
    const char *report_id, const struct rpolicy *pol, const struct rrow *rows,
    size_t nrows, struct str *out, char *err, size_t errlen)
{
	struct xw w = { .out = out, .fmt = fmt, .depth = 1 };
	size_t i;

	if (check_input(m, report_id, pol, rows, nrows, err, errlen) < 0)
		return -1;
	str_add(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	if (fmt == RXML_RFC7489)
		str_add(out, "<feedback>\n");
	else
		str_add(out, "<feedback xmlns=\"" NS_9990 "\">\n");
	leaf(&w, "version", "1.0");
	metadata(&w, m, report_id);
	policy(&w, pol);
	for (i = 0; i < nrows; i++)
		if (rows[i].count > 0)
			record(&w, pol, &rows[i]);
	str_add(out, "</feedback>\n");
	return 0;
}
