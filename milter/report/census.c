/*
 * census.c - the census of a domain's senders (census.h): rows in,
 * services with their figures, advice and the readiness verdict out.
 *
 * SYNOPSIS
 *	census_init(), census_add(), census_service(), census_under(),
 *	census_finish(), census_free(), census_pct()
 *
 * DESCRIPTION
 *	Rows are kept as read (one per reporter and row key) and summed per
 *	source address at census_add.  After census_attribute gave every
 *	source a service, census_finish sums the services: volume, SPF
 *	results (pass) and SPF alignment (policy_evaluated), DKIM likewise
 *	(a message with any passing signature counts as DKIM pass), DMARC
 *	pass (aligned SPF or DKIM), dispositions, the override reasons the
 *	rows carry (a receiver, hallmarkd itself included, let failing mail
 *	through), the DKIM d=/s= pairs, the reporters; then the advice (census_fix.c) and the verdict: a
 *	service that sends failing mail and is either a vendor entry or
 *	also sends passing mail would lose mail under p=quarantine (spam
 *	folder) and p=reject (refused); sources that never pass are counted
 *	apart (spoofing, or senders nobody set up).
 *
 *	Pure: no I/O.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "census.h"
#include "census_fix.h"
#include "str.h"

/* census_init - see census.h */
void
census_init(struct census *c, const char *domain, int64_t first_day,
    int64_t last_day)
{
	memset(c, 0, sizeof(*c));
	c->domain = xstrdup(domain);
	str_lower(c->domain);
	c->first_day = first_day;
	c->last_day = last_day;
	c->reporters = xcalloc(1, sizeof(char *));
}

/* census_pct - see census.h */
unsigned
census_pct(uint64_t n, uint64_t d)
{
	return d == 0 ? 0 : (unsigned)(n * 100 / d);
}

/* census_under - see census.h */
int
census_under(const char *d, const char *domain)
{
	size_t dl, ol;

	if (d == NULL || domain == NULL)
		return 0;
	dl = strlen(d);
	ol = strlen(domain);
	if (dl == ol)
		return str_casecmp(d, domain) == 0;
	return dl > ol && d[dl - ol - 1] == '.' &&
	    str_casecmp(d + dl - ol, domain) == 0;
}

/* src_of - the source entry of ip, made on first use */
static size_t
src_of(struct census *c, const char *ip)
{
	size_t i;

	for (i = 0; i < c->nsrc; i++)
		if (strcmp(c->src[i].ip, ip) == 0)
			return i;
	c->src = xrealloc(c->src, (c->nsrc + 1) * sizeof(*c->src));
	memset(&c->src[c->nsrc], 0, sizeof(*c->src));
	c->src[c->nsrc].ip = xstrdup(ip);
	return c->nsrc++;
}

/* any_dkim_pass - a passing DKIM signature of any d= */
static int
any_dkim_pass(const struct rrow *r)
{
	size_t i;

	for (i = 0; i < r->ndkim; i++)
		if (r->dkim[i].result == RES_DKIM_PASS)
			return 1;
	return 0;
}

/* spf_checked - the domain SPF checked: auth_results, else the envelope */
static const char *
spf_checked(const struct rrow *r)
{
	if (r->has_spf && r->spf_domain != NULL && *r->spf_domain != '\0')
		return r->spf_domain;
	return r->envelope_from;
}

/* census_add - see census.h */
void
census_add(struct census *c, const struct rrow *r, const char *reporter)
{
	struct cs_row *row;
	struct cs_src *s;

	c->row = xrealloc(c->row, (c->nrow + 1) * sizeof(*c->row));
	row = &c->row[c->nrow++];
	rrow_copy(&row->r, r);
	row->reporter = xstrdup(reporter);
	row->src = src_of(c, r->source_ip != NULL ? r->source_ip : "?");
	s = &c->src[row->src];
	s->count += r->count;
	if (r->dkim_pass || r->spf_pass)
		s->dmarc_ok += r->count;
	if (!r->has_spf || r->spf_result != RES_SPF_PASS)
		s->spf_fail += r->count;
	if (census_under(spf_checked(r), c->domain))
		s->spf_own += r->count;
	if (any_dkim_pass(r))
		s->dkim_pass += r->count;
	c->total += r->count;
}

/* via_add - one more rule that attributed a source to s ("a, b") */
static void
via_add(struct cs_service *s, const char *via)
{
	char *t;
	size_t n;

	if (via == NULL || s->via == NULL)
		return;
	n = strlen(via);
	for (t = s->via; (t = strstr(t, via)) != NULL; t++)
		if ((t == s->via || t[-1] == ' ') &&
		    (t[n] == '\0' || t[n] == ','))
			return;
	t = xasprintf("%s, %s", s->via, via);
	free(s->via);
	s->via = t;
}

/* census_service - see census.h */
size_t
census_service(struct census *c, enum cs_kind kind, const char *name,
    const char *via, const struct allow_vendor *v)
{
	struct cs_service *s;
	size_t i;

	for (i = 0; i < c->nsvc; i++)
		if (c->svc[i].kind == kind &&
		    strcmp(c->svc[i].name, name) == 0) {
			via_add(&c->svc[i], via);
			return i;
		}
	c->svc = xrealloc(c->svc, (c->nsvc + 1) * sizeof(*c->svc));
	s = &c->svc[c->nsvc];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->kind = kind;
	s->via = via != NULL ? xstrdup(via) : NULL;
	s->vendor = v;
	s->reporters = xcalloc(1, sizeof(char *));
	s->fixes = xcalloc(1, sizeof(char *));
	return c->nsvc++;
}

/* strset_add - add s to the sorted NULL-terminated set *l once */
static void
strset_add(char ***l, const char *s)
{
	size_t n = 0, at;

	while ((*l)[n] != NULL)
		n++;
	for (at = 0; at < n; at++) {
		int d = strcmp((*l)[at], s);
		if (d == 0)
			return;
		if (d > 0)
			break;
	}
	*l = xrealloc(*l, (n + 2) * sizeof(char *));
	memmove(&(*l)[at + 1], &(*l)[at], (n - at + 1) * sizeof(char *));
	(*l)[at] = xstrdup(s);
}

/* sel_add - count a DKIM d=/s= result for service s */
static void
sel_add(struct cs_service *s, const struct rr_dkim *k, uint64_t n)
{
	const char *d = k->domain ? k->domain : "",
		   *sel = k->selector ? k->selector : "";
	size_t i;

	for (i = 0; i < s->nsel; i++)
		if (strcmp(s->sel[i].d, d) == 0 &&
		    strcmp(s->sel[i].s, sel) == 0)
			break;
	if (i == s->nsel) {
		s->sel = xrealloc(s->sel, (s->nsel + 1) * sizeof(*s->sel));
		memset(&s->sel[i], 0, sizeof(*s->sel));
		s->sel[i].d = xstrdup(d);
		s->sel[i].s = xstrdup(sel);
		s->nsel++;
	}
	if (k->result == RES_DKIM_PASS)
		s->sel[i].pass += n;
	else
		s->sel[i].fail += n;
}

/* ovr_add - count an override reason for service s */
static void
ovr_add(struct cs_service *s, const struct rr_reason_ent *e, uint64_t n)
{
	const char *t = rr_reason_name(e->type),
		   *cm = e->comment ? e->comment : "";
	size_t i;

	for (i = 0; i < s->novr; i++)
		if (strcmp(s->ovr[i].type, t) == 0 &&
		    strcmp(s->ovr[i].comment, cm) == 0)
			break;
	if (i == s->novr) {
		s->ovr = xrealloc(s->ovr, (s->novr + 1) * sizeof(*s->ovr));
		s->ovr[i].type = xstrdup(t);
		s->ovr[i].comment = xstrdup(cm);
		s->ovr[i].count = 0;
		s->novr++;
	}
	s->ovr[i].count += n;
}

/* sum_row - one row into its service */
static void
sum_row(struct census *c, const struct cs_row *row)
{
	const struct rrow *r = &row->r;
	struct cs_service *s = &c->svc[c->src[row->src].service];
	size_t i;

	s->count += r->count;
	if (r->has_spf && r->spf_result == RES_SPF_PASS)
		s->spf_pass += r->count;
	if (r->spf_pass)
		s->spf_aligned += r->count;
	if (any_dkim_pass(r))
		s->dkim_pass += r->count;
	if (r->dkim_pass)
		s->dkim_aligned += r->count;
	if (r->dkim_pass || r->spf_pass)
		s->dmarc_pass += r->count;
	s->disp[(unsigned)r->disposition <= RR_DISP_REJECT ? r->disposition :
							     RR_DISP_NONE] +=
	    r->count;
	for (i = 0; i < r->ndkim; i++)
		sel_add(s, &r->dkim[i], r->count);
	for (i = 0; i < r->nreason; i++)
		ovr_add(s, &r->reason[i], r->count);
	strset_add(&s->reporters, row->reporter);
	strset_add(&c->reporters, row->reporter);
}

/* the census being sorted (qsort has no argument) */
static const struct census *sorting;

/* by_src - sources: most mail first, then by address */
static int
by_src(const void *a, const void *b)
{
	const struct cs_src *x = &sorting->src[*(const size_t *)a],
			    *y = &sorting->src[*(const size_t *)b];

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->ip, y->ip);
}

/* by_sel - DKIM pairs: most mail first, then d=, s= */
static int
by_sel(const void *a, const void *b)
{
	const struct cs_sel *x = a, *y = b;
	int d;

	if (x->pass + x->fail != y->pass + y->fail)
		return x->pass + x->fail > y->pass + y->fail ? -1 : 1;
	d = strcmp(x->d, y->d);
	return d != 0 ? d : strcmp(x->s, y->s);
}

/* by_svc - services: most mail first, then by name */
static int
by_svc(const void *a, const void *b)
{
	const struct cs_service *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* sources - each service's source list, sorted */
static void
sources(struct census *c)
{
	size_t i, k;

	sorting = c;
	for (i = 0; i < c->nsrc; i++) {
		struct cs_service *s = &c->svc[c->src[i].service];
		s->src = xrealloc(s->src, (s->nsrc + 1) * sizeof(size_t));
		s->src[s->nsrc++] = i;
	}
	for (k = 0; k < c->nsvc; k++) {
		if (c->svc[k].nsrc > 1)
			qsort(c->svc[k].src, c->svc[k].nsrc, sizeof(size_t),
			    by_src);
		if (c->svc[k].nsel > 1)
			qsort(c->svc[k].sel, c->svc[k].nsel,
			    sizeof(struct cs_sel), by_sel);
	}
}

/* reorder - sort the services; the sources follow their new indexes */
static void
reorder(struct census *c)
{
	size_t i, k, *pos;
	struct cs_service *old;

	if (c->nsvc < 2)
		return;
	pos = xcalloc(c->nsvc, sizeof(size_t));
	old = xmemdup0(c->svc, c->nsvc * sizeof(*c->svc));
	qsort(c->svc, c->nsvc, sizeof(*c->svc), by_svc);
	for (i = 0; i < c->nsvc; i++)
		for (k = 0; k < c->nsvc; k++)
			if (old[i].name == c->svc[k].name)
				pos[i] = k;
	for (i = 0; i < c->nsrc; i++)
		c->src[i].service = pos[c->src[i].service];
	free(old);
	free(pos);
}

/* verdict - who would lose mail under p=quarantine / p=reject */
static void
verdict(struct census *c)
{
	struct str v;
	size_t i;

	for (i = 0; i < c->nsvc; i++) {
		const struct cs_service *s = &c->svc[i];
		if (s->dmarc_pass == s->count)
			continue;
		if (s->kind == CS_VENDOR || s->dmarc_pass > 0) {
			c->lose = xrealloc(c->lose,
			    (c->nlose + 1) * sizeof(size_t));
			c->lose[c->nlose++] = i;
		} else {
			c->other_fail++;
			c->other_fail_msgs += s->count - s->dmarc_pass;
		}
	}
	str_init(&v);
	census_verdict_text(c, &v);
	snprintf(c->verdict, sizeof(c->verdict), "%s", v.s ? v.s : "");
	str_free(&v);
}

/* census_finish - see census.h */
void
census_finish(struct census *c)
{
	size_t i;

	for (i = 0; i < c->nrow; i++)
		sum_row(c, &c->row[i]);
	reorder(c);
	sources(c);
	for (i = 0; i < c->nsvc; i++)
		census_fixes(c, &c->svc[i]);
	verdict(c);
}

/* strlist_free - a NULL-terminated list and its strings */
static void
strlist_free(char **l)
{
	size_t i;

	for (i = 0; l != NULL && l[i] != NULL; i++)
		free(l[i]);
	free(l);
}

/* service_free - one service's memory */
static void
service_free(struct cs_service *s)
{
	size_t i;

	free(s->name);
	free(s->via);
	free(s->src);
	for (i = 0; i < s->nsel; i++) {
		free(s->sel[i].d);
		free(s->sel[i].s);
	}
	free(s->sel);
	for (i = 0; i < s->novr; i++) {
		free(s->ovr[i].type);
		free(s->ovr[i].comment);
	}
	free(s->ovr);
	strlist_free(s->reporters);
	strlist_free(s->fixes);
}

/* census_free - see census.h */
void
census_free(struct census *c)
{
	size_t i;

	for (i = 0; i < c->nrow; i++) {
		rrow_free(&c->row[i].r);
		free(c->row[i].reporter);
	}
	for (i = 0; i < c->nsrc; i++) {
		free(c->src[i].ip);
		free(c->src[i].ptr);
	}
	for (i = 0; i < c->nsvc; i++)
		service_free(&c->svc[i]);
	free(c->row);
	free(c->src);
	free(c->svc);
	free(c->lose);
	free(c->domain);
	strlist_free(c->reporters);
	memset(c, 0, sizeof(*c));
}
