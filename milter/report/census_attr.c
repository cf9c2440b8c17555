/*
 * census_attr.c - which sending service each source address of a census
 * is (census_attribute, census.h).
 *
 * SYNOPSIS
 *	census_attribute()
 *
 * DESCRIPTION
 *	In this order, the cheap rules over every vendor entry first:
 *	  1. a vendor entry of dmarc.vendors whose networks hold the address
 *	     (via "network:P");
 *	  2. one whose dkim_domains hold the d= of a passing DKIM signature
 *	     on a row from the address (via "dkim:D");
 *	  3. one whose SPF record passes the address: check_host(IP, D,
 *	     "postmaster@D") by spf_eval.c, as hallmarkd's vendor rule
 *	     (vendor.h) evaluates it (via "spf:D");
 *	  4. the Organizational Domain (orgdomain.h, the configured
 *	     dmarc.org_domain way) of the address's reverse-DNS name, when
 *	     that name resolves back to the address (forward-confirmed: a
 *	     PTR record alone is whatever the address's owner wrote);
 *	  5. the address itself.
 *	The confirmed reverse name is kept for every address (the advice
 *	names relays by it).  The lookups of CENSUS_THREADS addresses run
 *	at once, one thread each (the resolver is shared by threads); the
 *	services are then made in address order, so the outcome does not
 *	depend on which thread finished first.  DNS failures make a step not match; they are
 *	never fatal.  All lookups go through the DNS layer and its cache.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "census.h"
#include "orgdomain.h"
#include "spf_eval.h"
#include "str.h"
#include "vendor.h"

/* sources attributed at once (each a thread doing its lookups in turn) */
#define CENSUS_THREADS 8

/* what the lookups found for one source */
struct found {
	const struct allow_vendor *v;
	char via[ALLOW_VIA_MAX];
	char *org; /* CS_RDNS: the Organizational Domain of ptr */
};

/* the work shared by the threads */
struct work {
	const struct census *c;
	const struct census_dns *d;
	struct found *f;
	char **ptr; /* per source: the confirmed reverse name */
	size_t next;
	pthread_mutex_t lock;
};

/* sockaddr_of - the address text as a sockaddr; -1 when it is none */
static int
sockaddr_of(const char *ip, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}

/* by_network - step 1 */
static const struct allow_vendor *
by_network(const struct census_dns *d, const struct sockaddr *sa, char *via,
    size_t n)
{
	size_t i;

	for (i = 0; d->vendors != NULL && i < d->vendors->n; i++)
		if (allow_by_network(&d->vendors->v[i], sa, via, n))
			return &d->vendors->v[i];
	return NULL;
}

/* row_dkim - a passing d= of a row from source src in list; into via */
static int
row_dkim(const struct census *c, size_t src, char *const *list, char *via,
    size_t n)
{
	size_t i, k;
	char low[DNS_NAME_MAX + 1];

	for (i = 0; i < c->nrow; i++) {
		const struct rrow *r = &c->row[i].r;
		if (c->row[i].src != src)
			continue;
		for (k = 0; k < r->ndkim; k++) {
			if (r->dkim[k].result != RES_DKIM_PASS ||
			    r->dkim[k].domain == NULL)
				continue;
			snprintf(low, sizeof(low), "%s", r->dkim[k].domain);
			str_lower(low);
			if (allow_domain_match(list, low)) {
				snprintf(via, n, "dkim:%s", low);
				return 1;
			}
		}
	}
	return 0;
}

/* by_dkim - step 2 */
static const struct allow_vendor *
by_dkim(const struct census *c, const struct census_dns *d, size_t src,
    char *via, size_t n)
{
	size_t i;

	for (i = 0; d->vendors != NULL && i < d->vendors->n; i++)
		if (row_dkim(c, src, d->vendors->v[i].dkim_domains, via, n))
			return &d->vendors->v[i];
	return NULL;
}

/* spf_passes - the vendor's SPF record passes ip */
static int
spf_passes(const struct census_dns *d, const char *ip, const char *spf)
{
	struct spf_request req;
	struct spf_answer a;
	char sender[SPF_IDENTITY_MAX];
	int pass;

	memset(&req, 0, sizeof(req));
	if (spf_eval_parse_ip(&req, ip) < 0)
		return 0;
	req.resolver = d->resolver;
	req.receiver = d->receiver;
	vendor_spf_sender(spf, sender, sizeof(sender));
	memset(&a, 0, sizeof(a));
	spf_eval_check(&req, sender, &a);
	pass = a.result == RES_SPF_PASS;
	spf_answer_free(&a);
	return pass;
}

/* by_spf - step 3 */
static const struct allow_vendor *
by_spf(const struct census_dns *d, const char *ip, char *via, size_t n)
{
	size_t i;

	for (i = 0;
	     d->resolver != NULL && d->vendors != NULL && i < d->vendors->n;
	     i++) {
		const struct allow_vendor *v = &d->vendors->v[i];
		if (v->spf != NULL && spf_passes(d, ip, v->spf)) {
			snprintf(via, n, "spf:%s", v->spf);
			return v;
		}
	}
	return NULL;
}

/* reverse_name - the in-addr.arpa / ip6.arpa name of sa into buf */
static void
reverse_name(const struct sockaddr *sa, char *buf, size_t n)
{
	const uint8_t *a;
	size_t i, o = 0;

	if (sa->sa_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)
			->sin_addr;
		snprintf(buf, n, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1],
		    a[0]);
		return;
	}
	a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	for (i = 16; i > 0 && o + 4 < n; i--)
		o += (size_t)snprintf(buf + o, n - o, "%x.%x.", a[i - 1] & 15,
		    a[i - 1] >> 4);
	snprintf(buf + o, n - o, "ip6.arpa");
}

/* confirms - name has an address record equal to sa's address */
static int
confirms(const struct census_dns *d, const char *name,
    const struct sockaddr *sa)
{
	int v4 = sa->sa_family == AF_INET;
	const void *want = v4 ?
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	struct dns_result *r = dns_lookup(d->resolver, name,
	    v4 ? DNS_T_A : DNS_T_AAAA, NULL);
	size_t i;
	int ok = 0;

	for (i = 0; r->status == DNS_OK && i < r->nrr && !ok; i++)
		ok = r->rr[i].len == (v4 ? 4u : 16u) &&
		    memcmp(r->rr[i].data, want, r->rr[i].len) == 0;
	dns_result_free(r);
	return ok;
}

/* rdns - the forward-confirmed reverse name of sa (lower case, malloc'd),
 * or NULL */
static char *
rdns(const struct census_dns *d, const struct sockaddr *sa)
{
	char rev[80], *name = NULL;
	struct dns_result *r;
	size_t i;

	if (d->resolver == NULL)
		return NULL;
	reverse_name(sa, rev, sizeof(rev));
	r = dns_lookup(d->resolver, rev, DNS_T_PTR, NULL);
	for (i = 0; r->status == DNS_OK && i < r->nrr && name == NULL; i++)
		if (confirms(d, (const char *)r->rr[i].data, sa)) {
			name = xstrdup((const char *)r->rr[i].data);
			str_lower(name);
		}
	dns_result_free(r);
	return name;
}

/* org_of - the Organizational Domain of a reverse name; name on failure */
static char *
org_of(const struct census_dns *d, const char *name)
{
	struct orgdom_ctx oc;
	char org[ORGDOM_NAME_MAX + 1];

	memset(&oc, 0, sizeof(oc));
	oc.mode = (enum orgdom_mode)d->orgdom_mode;
	oc.psl = d->psl;
	oc.resolver = d->resolver;
	if (orgdom_org(&oc, name, org, sizeof(org)) < 0 || org[0] == '\0')
		return xstrdup(name);
	return xstrdup(org);
}

/* look_one - the lookups of steps 1 to 4 for source i */
static void
look_one(const struct census *c, const struct census_dns *d, size_t i,
    struct found *f, char **ptr)
{
	struct sockaddr_storage ss;
	const struct sockaddr *sa = (const struct sockaddr *)&ss;

	if (sockaddr_of(c->src[i].ip, &ss) < 0)
		return;
	*ptr = rdns(d, sa);
	if ((f->v = by_network(d, sa, f->via, sizeof(f->via))) == NULL &&
	    (f->v = by_dkim(c, d, i, f->via, sizeof(f->via))) == NULL)
		f->v = by_spf(d, c->src[i].ip, f->via, sizeof(f->via));
	if (f->v == NULL && *ptr != NULL)
		f->org = org_of(d, *ptr);
}

/* worker - take sources one at a time until none is left */
static void *
worker(void *arg)
{
	struct work *w = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		i = w->next++;
		pthread_mutex_unlock(&w->lock);
		if (i >= w->c->nsrc)
			return NULL;
		look_one(w->c, w->d, i, &w->f[i], &w->ptr[i]);
	}
}

/* look_all - look_one for every source, CENSUS_THREADS at once (the
 * resolver is shared by threads; each source is one thread's) */
static void
look_all(struct work *w)
{
	pthread_t t[CENSUS_THREADS];
	size_t n = 0, k;

	pthread_mutex_init(&w->lock, NULL);
	while (n < CENSUS_THREADS && n < w->c->nsrc &&
	    pthread_create(&t[n], NULL, worker, w) == 0)
		n++;
	worker(w); /* also here: no thread at all still gets it done */
	for (k = 0; k < n; k++)
		pthread_join(t[k], NULL);
	pthread_mutex_destroy(&w->lock);
}

/* census_attribute - see census.h */
void
census_attribute(struct census *c, const struct census_dns *d)
{
	struct work w;
	size_t i;

	memset(&w, 0, sizeof(w));
	w.c = c;
	w.d = d;
	w.f = xcalloc(c->nsrc + 1, sizeof(*w.f));
	w.ptr = xcalloc(c->nsrc + 1, sizeof(char *));
	look_all(&w);
	for (i = 0; i < c->nsrc; i++) {
		struct cs_src *s = &c->src[i];
		s->ptr = w.ptr[i];
		if (w.f[i].v != NULL)
			s->service = census_service(c, CS_VENDOR,
			    w.f[i].v->name, w.f[i].via, w.f[i].v);
		else if (w.f[i].org != NULL)
			s->service = census_service(c, CS_RDNS, w.f[i].org,
			    NULL, NULL);
		else
			s->service = census_service(c, CS_IP, s->ip, NULL,
			    NULL);
		free(w.f[i].org);
	}
	free(w.f);
	free(w.ptr);
}
