/*
 * orgdomain.c - DMARC policy discovery and Organizational Domain: the RFC
 * 9989 DNS Tree Walk, or RFC 7489 with the Public Suffix List.
 *
 * SYNOPSIS
 *	orgdom_policy(), orgdom_org(), orgdom_next_target(),
 *	orgdom_psl_load(), orgdom_psl_free()
 *
 * DESCRIPTION
 *	Tree Walk (RFC 9989 4.10): query _dmarc.<d>; then cut the name to
 *	7 labels when it has 8 or more (else drop one label), and drop one
 *	label per query after that, so a walk makes at most 8 queries.  At
 *	each name the TXT records not starting with v=DMARC1 are dropped,
 *	and several DMARC records at one name are all dropped.  The walk
 *	stops at a record with psd=y or psd=n.  The Organizational Domain
 *	(4.10.2) is the psd=n name, or the name one label below a psd=y
 *	name that is not the start, or else the shortest name with a
 *	record, or else the start.  The policy (4.10.1) is the author
 *	domain's own record, else the Organizational Domain's, else the
 *	Public Suffix Domain's (psd=y).
 *
 *	PSL mode (RFC 7489 6.6.3): _dmarc.<author>, else _dmarc.<org> where
 *	org is the registrable domain from the PSL; psd= is not used.
 *
 *	Errors: SERVFAIL, timeout or a local DNS error at a queried name
 *	make the result ORGDOM_TEMPERROR (never "no policy": a DNS hiccup
 *	must not turn a protected domain into an unprotected one), except
 *	when the author domain's own record was found before: the policy is
 *	then known and only the Organizational Domain is open (org_open).
 *	orgdom_relaxed() then tries every content the failed names could
 *	have (nothing; a psd=y, psd=n or last record at each of them) and
 *	answers "unknown" only when the alignment differs between them.  A DMARC
 *	record that is unusable (see dmarc_record.c) where it would apply
 *	gives ORGDOM_PERMERROR; elsewhere in a walk it counts as absent.
 *	Memory: none kept; results are in caller-provided structs.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libpsl.h>

#include "orgdomain.h"
#include "str.h"

enum q_result { Q_NONE, Q_RECORD, Q_INVALID, Q_TEMP };

struct found {
	const char *domain;		/* points into the walked name */
	struct dmarcrec rec;
};

struct walk {
	size_t n;
	struct found f[ORGDOM_MAX_QUERIES];
	int own;			/* f[0] is the start's own record */
	int own_invalid;		/* the start has an unusable record */
	int invalid_seen;		/* an unusable DMARC record was seen */
	char bad[200];			/* first problem seen (for the log) */
	char temp[200];			/* temporary failure */
	const char *failed;		/* the name whose lookup failed */
};

/* say - format a (possibly truncated) reason or name into dst */
static void __attribute__((format(printf, 3, 4)))
say(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

/* orgdom_nlabels - see orgdomain.h */
size_t
orgdom_nlabels(const char *d)
{
	size_t n = 0;

	if (d == NULL || *d == '\0')
		return 0;
	for (n = 1; *d != '\0'; d++)
		if (*d == '.' && d[1] != '\0')
			n++;
	return n;
}

/* drop_labels - pointer past the first k labels of d */
static const char *
drop_labels(const char *d, size_t k)
{
	while (k-- > 0) {
		const char *dot = strchr(d, '.');
		if (dot == NULL)
			return NULL;
		d = dot + 1;
	}
	return *d != '\0' ? d : NULL;
}

/* orgdom_next_target - see orgdomain.h */
const char *
orgdom_next_target(const char *d)
{
	size_t x = orgdom_nlabels(d);

	if (x <= 1)
		return NULL;
	if (x >= 8)
		return drop_labels(d, x - 7);
	return drop_labels(d, 1);
}

/* query - _dmarc.<d> TXT, with record choice */
static enum q_result
query(struct orgdom_ctx *c, const char *d, struct dmarcrec *rec, char *why,
    size_t whylen)
{
	char name[DNS_NAME_MAX + 16];
	struct dns_result *res;
	const char *txt[32];
	size_t len[32], i, nd;
	enum dmarcrec_status st;

	if ((size_t)snprintf(name, sizeof(name), "_dmarc.%s", d) >
	    DNS_NAME_MAX)
		return Q_NONE;		/* such a name cannot exist */
	c->queries++;
	res = dns_lookup(c->resolver, name, DNS_T_TXT, c->budget);
	if (res->status != DNS_OK) {
		enum dns_status s = res->status;
		if (!dns_is_void(s))
			say(why, whylen, "DNS %s for %s", dns_status_name(s),
			    name);
		dns_result_free(res);
		return dns_is_void(s) ? Q_NONE : Q_TEMP;
	}
	for (i = 0; i < res->nrr && i < 32; i++) {
		txt[i] = (const char *)res->rr[i].data;
		len[i] = res->rr[i].len;
	}
	st = dmarcrec_select(txt, len, i, rec, &nd);
	dns_result_free(res);
	if (st == DMARCREC_OK)
		return Q_RECORD;
	if (st == DMARCREC_INVALID) {
		say(why, whylen, "%s: %s", name, rec->why);
		return Q_INVALID;
	}
	if (nd > 1)
		say(why, whylen, "%s: %s", name, rec->why);
	return Q_NONE;
}

/* walk - the Tree Walk from d, d itself included (at most 8 queries) */
static int
walk(struct orgdom_ctx *c, const char *d, struct walk *w)
{
	const char *t = d;
	char why[200];
	unsigned nq;

	memset(w, 0, sizeof(*w));
	for (nq = 0; t != NULL && nq < ORGDOM_MAX_QUERIES;
	    nq++, t = orgdom_next_target(t)) {
		struct found *f = &w->f[w->n];
		why[0] = '\0';
		switch (query(c, t, &f->rec, why, sizeof(why))) {
		case Q_TEMP:
			say(w->temp, sizeof(w->temp), "%s", why);
			w->failed = t;
			return -1;
		case Q_INVALID:
			w->invalid_seen = 1;
			if (w->bad[0] == '\0')
				say(w->bad, sizeof(w->bad), "%s", why);
			if (t == d)
				w->own_invalid = 1;
			continue;
		case Q_NONE:
			if (why[0] != '\0' && w->bad[0] == '\0')
				say(w->bad, sizeof(w->bad), "%s", why);
			continue;
		case Q_RECORD:
			break;
		}
		f->domain = t;
		if (t == d)
			w->own = 1;
		w->n++;
		if (f->rec.psd != DMARCREC_PSD_U)
			break;
	}
	return 0;
}

/* walk_org - Organizational Domain of start from its walk (4.10.2) */
static const char *
walk_org(const char *start, const struct walk *w)
{
	const struct found *last;

	if (w->n == 0)
		return start;
	last = &w->f[w->n - 1];
	if (last->rec.psd == DMARCREC_PSD_Y && last->domain != start) {
		size_t k = orgdom_nlabels(start) -
		    orgdom_nlabels(last->domain) - 1;
		return drop_labels(start, k);
	}
	return last->domain;	/* psd=n, or the fewest labels */
}

/* copy - bounded copy of a name */
static void
copy(char *dst, size_t n, const char *src)
{
	say(dst, n, "%s", src != NULL ? src : "");
}

/* policy_from_walk - choose the record that applies (4.10.1) */
static void
policy_from_walk(const char *author, const struct walk *w,
    struct orgdom_policy *out)
{
	const char *org = walk_org(author, w);
	size_t i;

	copy(out->org, sizeof(out->org), org);
	if (w->own) {
		out->from_author = 1;
		out->rec = w->f[0].rec;
		copy(out->policy_domain, sizeof(out->policy_domain), author);
		out->status = ORGDOM_OK;
		return;
	}
	for (i = 0; i < w->n; i++)
		if (strcmp(w->f[i].domain, org) == 0)
			break;
	if (i == w->n && w->n > 0 &&
	    w->f[w->n - 1].rec.psd == DMARCREC_PSD_Y) {
		i = w->n - 1;
		out->from_psd = 1;
	}
	if (i < w->n) {
		out->rec = w->f[i].rec;
		copy(out->policy_domain, sizeof(out->policy_domain),
		    w->f[i].domain);
		out->status = ORGDOM_OK;
	} else {
		out->status = w->invalid_seen ? ORGDOM_PERMERROR : ORGDOM_NONE;
	}
}

/* psl_org - registrable domain, or d itself */
static const char *
psl_org(const struct orgdom_ctx *c, const char *d)
{
	const char *r = NULL;

	if (c->psl != NULL)
		r = psl_registrable_domain((const psl_ctx_t *)c->psl, d);
	return r != NULL ? r : d;
}

/* policy_psl - RFC 7489 6.6.3 */
static void
policy_psl(struct orgdom_ctx *c, const char *author,
    struct orgdom_policy *out)
{
	const char *org = psl_org(c, author);
	char why[200] = "";
	enum q_result q;

	copy(out->org, sizeof(out->org), org);
	q = query(c, author, &out->rec, why, sizeof(why));
	if (q == Q_NONE && strcmp(org, author) != 0)
		q = query(c, org, &out->rec, why, sizeof(why));
	else if (q != Q_NONE)
		out->from_author = 1;
	copy(out->policy_domain, sizeof(out->policy_domain),
	    out->from_author ? author : org);
	copy(out->why, sizeof(out->why), why);
	switch (q) {
	case Q_RECORD: out->status = ORGDOM_OK; break;
	case Q_INVALID: out->status = ORGDOM_PERMERROR; break;
	case Q_TEMP: out->status = ORGDOM_TEMPERROR; break;
	case Q_NONE: out->status = ORGDOM_NONE; break;
	}
}

/* info_of - what the walk from start tells about its org */
static void
info_of(const char *start, const struct walk *w, struct orgdom_walkinfo *wi)
{
	copy(wi->start, sizeof(wi->start), start);
	wi->failed = w->failed != NULL;
	wi->failed_labels = w->failed != NULL ? orgdom_nlabels(w->failed) : 0;
	wi->org_labels = orgdom_nlabels(walk_org(start, w));
}

/* orgdom_policy - see orgdomain.h */
enum orgdom_status
orgdom_policy(struct orgdom_ctx *c, const char *author,
    struct orgdom_policy *out)
{
	struct walk w;

	memset(out, 0, sizeof(*out));
	if (c->mode == ORGDOM_PSL) {
		policy_psl(c, author, out);
		return out->status;
	}
	if (walk(c, author, &w) != 0 && !w.own && !w.own_invalid) {
		out->status = ORGDOM_TEMPERROR;
		out->record_sure = w.n > 0;
		copy(out->why, sizeof(out->why), w.temp);
		return out->status;
	}
	info_of(author, &w, &out->wi);
	out->org_open = w.failed != NULL;
	if (w.own_invalid) {
		out->status = ORGDOM_PERMERROR;
		copy(out->policy_domain, sizeof(out->policy_domain), author);
		copy(out->org, sizeof(out->org), walk_org(author, &w));
	} else {
		policy_from_walk(author, &w, out);
	}
	copy(out->why, sizeof(out->why), w.failed != NULL ? w.temp : w.bad);
	return out->status;
}

/* orgdom_org - see orgdomain.h */
int
orgdom_org(struct orgdom_ctx *c, const char *domain, char *out,
    size_t outlen)
{
	struct walk w;

	if (c->mode == ORGDOM_PSL) {
		copy(out, outlen, psl_org(c, domain));
		return 0;
	}
	if (walk(c, domain, &w) != 0)
		return -1;
	copy(out, outlen, walk_org(domain, &w));
	return 0;
}

/* nscen - how many contents of the failed names there are to try */
static size_t
nscen(const struct orgdom_walkinfo *wi)
{
	return wi->failed ? 1 + 2 * wi->failed_labels : 1;
}

/* scen_org - labels of the org under content s: 0 nothing at or above
 * the failed name; 2q-1 a psd=y record at the q-label suffix; 2q a psd=n
 * record there, or the last record of the walk there */
static size_t
scen_org(const struct orgdom_walkinfo *wi, size_t s)
{
	size_t q = (s + 1) / 2;

	if (s == 0 || !wi->failed)
		return wi->org_labels;
	if (s % 2 == 1 && q < orgdom_nlabels(wi->start))
		return q + 1; /* one label below the PSD */
	return q;
}

/* suffix - the last k labels of d */
static const char *
suffix(const char *d, size_t k)
{
	size_t n = orgdom_nlabels(d);

	return k >= n ? d : drop_labels(d, n - k);
}

/* same_org - the orgs of a under content sa and b under sb are equal */
static int
same_org(const struct orgdom_walkinfo *a, size_t sa,
    const struct orgdom_walkinfo *b, size_t sb)
{
	size_t ka = scen_org(a, sa), kb = scen_org(b, sb);

	return ka == kb &&
	    str_casecmp(suffix(a->start, ka), suffix(b->start, kb)) == 0;
}

/* compare - 1 same org whatever the failed names hold, 0 different
 * whatever, -1 it depends.  Walks that failed at the same name see the
 * same content there; others are tried in every combination. */
static int
compare(const struct orgdom_walkinfo *a, const struct orgdom_walkinfo *b)
{
	int joint, seen[2] = { 0, 0 };
	size_t sa, sb, end;

	joint = a->failed && b->failed &&
	    a->failed_labels == b->failed_labels &&
	    str_casecmp(suffix(a->start, a->failed_labels),
		suffix(b->start, b->failed_labels)) == 0;
	for (sa = 0; sa < nscen(a); sa++) {
		end = joint ? sa + 1 : nscen(b);
		for (sb = joint ? sa : 0; sb < end; sb++)
			seen[same_org(a, sa, b, sb)] = 1;
	}
	return seen[0] && seen[1] ? -1 : seen[1];
}

/* orgdom_relaxed - see orgdomain.h */
int
orgdom_relaxed(struct orgdom_ctx *c, const struct orgdom_policy *ap,
    const char *id)
{
	struct orgdom_walkinfo iw;
	struct walk w;

	if (c->mode == ORGDOM_PSL)
		return str_casecmp(ap->org, psl_org(c, id)) == 0;
	(void)walk(c, id, &w);
	info_of(id, &w, &iw);
	return compare(&ap->wi, &iw);
}

/* orgdom_psl_load - see orgdomain.h */
struct psl_ctx_st *
orgdom_psl_load(const char *file)
{
	if (file == NULL || *file == '\0')
		return (struct psl_ctx_st *)psl_builtin();
	return psl_load_file(file);
}

/* orgdom_psl_free - built-in lists are static in libpsl */
void
orgdom_psl_free(struct psl_ctx_st *p)
{
	if (p != NULL && p != psl_builtin())
		psl_free(p);
}
