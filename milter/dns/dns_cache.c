/*
 * dns_cache.c - the answer cache of the DNS layer (dns_cache.h): a
 * set-associative table of deep-copied final answers with expiry times.
 *
 * SYNOPSIS
 *	dns_cache_new, dns_cache_free, dns_cache_get, dns_cache_put,
 *	dns_cache_count
 *
 * DESCRIPTION
 *	nsets sets (a power of two) of DNS_CACHE_WAYS slots; (lower-cased
 *	name, type) hashes (FNV-1a) to one set.  get copies a fresh entry out;
 *	put replaces, in this order, the same key, an empty slot, an expired
 *	slot, else the slot that expires first.  "bytes" counts what the
 *	entries hold (names, record data, texts); a put that would pass the
 *	budget after its replacement is dropped.  TTLs are capped at
 *	DNS_CACHE_MAX_TTL, so a changed record is seen within the hour even if
 *	its TTL is a week.
 *
 *	The cache owns every entry and its copies; one mutex guards it all.
 *	No I/O, no logging.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_cache.h"
#include "dns_int.h"
#include "str.h"

#define DNS_CACHE_MAX_TTL 3600

struct entry {
	char *name;			/* lower case; NULL: empty slot */
	int rrtype;
	time_t expires;
	size_t bytes;			/* counted in c->bytes */
	struct dns_result *res;
};

struct dns_cache {
	pthread_mutex_t mu;
	size_t nsets;			/* power of two; 0: keep nothing */
	size_t max_bytes, bytes, count;
	struct entry *slots;		/* nsets * DNS_CACHE_WAYS */
};

/* dns_cache_new - an empty cache of about max_entries entries */
struct dns_cache *
dns_cache_new(size_t max_entries, size_t max_bytes)
{
	struct dns_cache *c = xcalloc(1, sizeof(*c));
	size_t want = max_entries / DNS_CACHE_WAYS;

	pthread_mutex_init(&c->mu, NULL);
	c->max_bytes = max_bytes;
	if (max_entries == 0)
		return c;
	c->nsets = 1;
	while (c->nsets < want && c->nsets < ((size_t)1 << 24))
		c->nsets <<= 1;
	c->slots = xcalloc(c->nsets * DNS_CACHE_WAYS, sizeof(*c->slots));
	return c;
}

/* slot_clear - empty one slot (caller holds mu) */
static void
slot_clear(struct dns_cache *c, struct entry *e)
{
	if (e->name == NULL)
		return;
	c->bytes -= e->bytes;
	c->count--;
	free(e->name);
	dns_result_free(e->res);
	memset(e, 0, sizeof(*e));
}

/* dns_cache_free - release everything */
void
dns_cache_free(struct dns_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsets * DNS_CACHE_WAYS; i++)
		slot_clear(c, &c->slots[i]);
	free(c->slots);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* key_lower - name in lower case into buf; 0, or -1 if it does not fit */
static int
key_lower(const char *name, char *buf, size_t size)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++) {
		if (i + 1 >= size)
			return -1;
		buf[i] = (name[i] >= 'A' && name[i] <= 'Z') ?
		    (char)(name[i] - 'A' + 'a') : name[i];
	}
	buf[i] = '\0';
	return 0;
}

/* set_of - the first slot of the set for (key, type) */
static struct entry *
set_of(struct dns_cache *c, const char *key, int rrtype)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;

	for (p = (const unsigned char *)key; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	h = (h ^ (uint32_t)rrtype) * 16777619u;
	return &c->slots[(h & (c->nsets - 1)) * DNS_CACHE_WAYS];
}

/* result_copy - a deep copy of res */
static struct dns_result *
result_copy(const struct dns_result *res)
{
	struct dns_result *n = dns_result_new(res->status, res->why);
	size_t i;

	n->secure = res->secure;
	n->rcode = res->rcode;
	for (i = 0; i < res->nrr; i++)
		dns_result_add(n, res->rr[i].type, res->rr[i].pref,
		    res->rr[i].data, res->rr[i].len);
	return n;
}

/* result_bytes - what a copy of res and its key hold */
static size_t
result_bytes(const struct dns_result *res, const char *key)
{
	size_t n = sizeof(*res) + strlen(key) + 1, i;

	if (res->why != NULL)
		n += strlen(res->why) + 1;
	for (i = 0; i < res->nrr; i++)
		n += sizeof(res->rr[i]) + res->rr[i].len + 1;
	return n;
}

/* dns_cache_get - a copy of a fresh entry, or NULL */
struct dns_result *
dns_cache_get(struct dns_cache *c, const char *name, int rrtype, time_t now)
{
	char key[DNS_NAME_MAX + 2];
	struct dns_result *out = NULL;
	struct entry *set;
	int i;

	if (c == NULL || c->nsets == 0 ||
	    key_lower(name, key, sizeof(key)) < 0)
		return NULL;
	pthread_mutex_lock(&c->mu);
	set = set_of(c, key, rrtype);
	for (i = 0; i < DNS_CACHE_WAYS; i++) {
		if (set[i].name != NULL && set[i].rrtype == rrtype &&
		    strcmp(set[i].name, key) == 0) {
			if (now < set[i].expires)
				out = result_copy(set[i].res);
			else
				slot_clear(c, &set[i]);
			break;
		}
	}
	pthread_mutex_unlock(&c->mu);
	return out;
}

/* victim - the slot a put for key uses (caller holds mu) */
static struct entry *
victim(struct entry *set, const char *key, int rrtype, time_t now)
{
	struct entry *v = NULL;
	int i;

	for (i = 0; i < DNS_CACHE_WAYS; i++)
		if (set[i].name != NULL && set[i].rrtype == rrtype &&
		    strcmp(set[i].name, key) == 0)
			return &set[i];
	for (i = 0; i < DNS_CACHE_WAYS; i++) {
		if (set[i].name == NULL || set[i].expires <= now)
			return &set[i];
		if (v == NULL || set[i].expires < v->expires)
			v = &set[i];
	}
	return v;
}

/* cacheable - a final answer worth keeping */
static int
cacheable(const struct dns_result *res, unsigned ttl)
{
	return res != NULL && ttl > 0 && (res->status == DNS_OK ||
	    res->status == DNS_NODATA || res->status == DNS_NXDOMAIN);
}

/* dns_cache_put - keep a copy of a final answer for ttl seconds */
void
dns_cache_put(struct dns_cache *c, const char *name, int rrtype,
    const struct dns_result *res, unsigned ttl, time_t now)
{
	char key[DNS_NAME_MAX + 2];
	struct entry *e;
	size_t need;

	if (c == NULL || c->nsets == 0 || !cacheable(res, ttl) ||
	    key_lower(name, key, sizeof(key)) < 0)
		return;
	need = result_bytes(res, key);
	if (ttl > DNS_CACHE_MAX_TTL)
		ttl = DNS_CACHE_MAX_TTL;
	pthread_mutex_lock(&c->mu);
	e = victim(set_of(c, key, rrtype), key, rrtype, now);
	slot_clear(c, e);
	if (c->bytes + need <= c->max_bytes) {
		e->name = xstrdup(key);
		e->rrtype = rrtype;
		e->expires = now + (time_t)ttl;
		e->bytes = need;
		e->res = result_copy(res);
		c->bytes += need;
		c->count++;
	}
	pthread_mutex_unlock(&c->mu);
}

/* dns_cache_count - entries held */
size_t
dns_cache_count(struct dns_cache *c)
{
	size_t n;

	pthread_mutex_lock(&c->mu);
	n = c->count;
	pthread_mutex_unlock(&c->mu);
	return n;
}
