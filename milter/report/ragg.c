/*
 * ragg.c - the in-memory aggregation of report rows (ragg.h).
 *
 * SYNOPSIS
 *	ragg_new(), ragg_free(), ragg_put(), ragg_put_policy(), ragg_rows(),
 *	ragg_messages(), ragg_bytes(), ragg_each_row(), ragg_each_policy(),
 *	ragg_merge(); ragg_add(), ragg_take(), ragg_give_back(),
 *	ragg_dropped()
 *
 * DESCRIPTION
 *	A table is two chained hash tables: rows keyed by (day, policy
 *	domain, rrow_key string) holding a count, and policies keyed by
 *	(day, policy domain) holding a struct rpolicy and when it was seen.
 *	Bucket arrays double when the entries outnumber the buckets, so a
 *	lookup stays one or two string compares.  A row is one allocation
 *	(its domain inline) plus its key, which the table takes over from
 *	the caller (no copy on the hot path).
 *
 *	The process's table: one mutex, held for a lookup and, for a new
 *	row or a changed policy, the insert; the key is built before and
 *	freed after.  ragg_take swaps in an empty table, so the flusher
 *	never holds the lock while it talks to the store.  Messages
 *	refused for the cap are counted (ragg_dropped, the metric
 *	hallmark_reports_dropped_total) and logged at most once a minute.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "ragg.h"
#include "str.h"

#define MIN_BUCKETS 64
#define DROP_LOG_SECONDS 60

struct row {
	struct row *next;
	uint64_t hash;
	int64_t day;
	uint64_t count;
	char *key;
	size_t keylen;
	char domain[]; /* NUL-terminated */
};

struct pol {
	struct pol *next;
	uint64_t hash;
	int64_t day;
	int64_t seen;
	struct rpolicy p;
	char domain[];
};

struct ragg {
	struct row **rb;
	size_t nrb, nrows;
	struct pol **pb;
	size_t npb, npols;
	uint64_t msgs;
	size_t bytes; /* rows, keys, policies, bucket arrays */
};

/* ---- hashing ------------------------------------------------------ */

/* fnv - FNV-1a over n bytes, continuing from h */
static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* hash_dd - the hash of (day, domain) */
static uint64_t
hash_dd(int64_t day, const char *domain)
{
	uint64_t h = fnv(14695981039346656037ULL, &day, sizeof(day));

	return fnv(h, domain, strlen(domain) + 1);
}

/* ---- table -------------------------------------------------------- */

/* ragg_new - see ragg.h */
struct ragg *
ragg_new(void)
{
	return xcalloc(1, sizeof(struct ragg));
}

/* free_rows / free_pols - every entry of the bucket arrays */
static void
free_rows(struct ragg *a)
{
	struct row *r, *next;
	size_t i;

	for (i = 0; i < a->nrb; i++)
		for (r = a->rb[i]; r != NULL; r = next) {
			next = r->next;
			free(r->key);
			free(r);
		}
	free(a->rb);
}

static void
free_pols(struct ragg *a)
{
	struct pol *p, *next;
	size_t i;

	for (i = 0; i < a->npb; i++)
		for (p = a->pb[i]; p != NULL; p = next) {
			next = p->next;
			rpolicy_free(&p->p);
			free(p);
		}
	free(a->pb);
}

/* ragg_free - see ragg.h */
void
ragg_free(struct ragg *a)
{
	if (a == NULL)
		return;
	free_rows(a);
	free_pols(a);
	free(a);
}

/* grow_rows - double the row buckets when rows outnumber them */
static void
grow_rows(struct ragg *a)
{
	size_t nb = a->nrb ? a->nrb * 2 : MIN_BUCKETS, i;
	struct row **b, *r, *next;

	if (a->nrows < a->nrb)
		return;
	b = xcalloc(nb, sizeof(*b));
	for (i = 0; i < a->nrb; i++)
		for (r = a->rb[i]; r != NULL; r = next) {
			next = r->next;
			r->next = b[r->hash & (nb - 1)];
			b[r->hash & (nb - 1)] = r;
		}
	free(a->rb);
	a->bytes += (nb - a->nrb) * sizeof(*b);
	a->rb = b;
	a->nrb = nb;
}

/* grow_pols - the same for the policies */
static void
grow_pols(struct ragg *a)
{
	size_t nb = a->npb ? a->npb * 2 : MIN_BUCKETS, i;
	struct pol **b, *p, *next;

	if (a->npols < a->npb)
		return;
	b = xcalloc(nb, sizeof(*b));
	for (i = 0; i < a->npb; i++)
		for (p = a->pb[i]; p != NULL; p = next) {
			next = p->next;
			p->next = b[p->hash & (nb - 1)];
			b[p->hash & (nb - 1)] = p;
		}
	free(a->pb);
	a->bytes += (nb - a->npb) * sizeof(*b);
	a->pb = b;
	a->npb = nb;
}

/* find_row - the row of (day, domain, key) with hash h, or NULL */
static struct row *
find_row(const struct ragg *a, uint64_t h, int64_t day, const char *domain,
    const char *key, size_t keylen)
{
	struct row *r;

	if (a->nrb == 0)
		return NULL;
	for (r = a->rb[h & (a->nrb - 1)]; r != NULL; r = r->next)
		if (r->hash == h && r->day == day && r->keylen == keylen &&
		    memcmp(r->key, key, keylen) == 0 &&
		    strcmp(r->domain, domain) == 0)
			return r;
	return NULL;
}

/* new_row - insert a row (taking key over) */
static void
new_row(struct ragg *a, uint64_t h, int64_t day, const char *domain, char *key,
    size_t keylen, uint64_t count)
{
	size_t dl = strlen(domain) + 1;
	struct row *r = xmalloc(sizeof(*r) + dl);

	grow_rows(a);
	r->hash = h;
	r->day = day;
	r->count = count;
	r->key = key;
	r->keylen = keylen;
	memcpy(r->domain, domain, dl);
	r->next = a->rb[h & (a->nrb - 1)];
	a->rb[h & (a->nrb - 1)] = r;
	a->nrows++;
	a->bytes += sizeof(*r) + dl + keylen + 1;
}

/* ragg_put - see ragg.h */
enum ragg_rc
ragg_put(struct ragg *a, int64_t day, const char *domain, char *rowkey,
    size_t keylen, uint64_t count, size_t max_rows, int *taken)
{
	uint64_t h = fnv(hash_dd(day, domain), rowkey, keylen);
	struct row *r = find_row(a, h, day, domain, rowkey, keylen);

	*taken = 0;
	if (r != NULL) {
		r->count += count;
		a->msgs += count;
		return RAGG_COUNTED;
	}
	if (a->nrows >= max_rows)
		return RAGG_FULL;
	new_row(a, h, day, domain, rowkey, keylen, count);
	a->msgs += count;
	*taken = 1;
	return RAGG_NEW;
}

/* ---- policies ----------------------------------------------------- */

/* str_eq - equal strings, NULL equal to NULL only */
static int
str_eq(const char *x, const char *y)
{
	if (x == NULL || y == NULL)
		return x == y;
	return strcmp(x, y) == 0;
}

/* pol_eq - the same published policy */
static int
pol_eq(const struct rpolicy *x, const struct rpolicy *y)
{
	return x->p == y->p && x->sp == y->sp && x->np == y->np &&
	    x->adkim == y->adkim && x->aspf == y->aspf &&
	    x->testing == y->testing && x->discovery == y->discovery &&
	    str_eq(x->domain, y->domain) && str_eq(x->fo, y->fo) &&
	    str_eq(x->rua, y->rua);
}

/* dup_or_null - a copy of s, or NULL */
static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* pol_len - the bytes of a policy's strings */
static size_t
pol_len(const struct rpolicy *p)
{
	return (p->domain ? strlen(p->domain) + 1 : 0) +
	    (p->fo ? strlen(p->fo) + 1 : 0) + (p->rua ? strlen(p->rua) + 1 : 0);
}

/* pol_set - dst becomes a deep copy of src */
static void
pol_set(struct ragg *a, struct rpolicy *dst, const struct rpolicy *src)
{
	a->bytes -= pol_len(dst);
	rpolicy_free(dst);
	*dst = *src;
	dst->domain = dup_or_null(src->domain);
	dst->fo = dup_or_null(src->fo);
	dst->rua = dup_or_null(src->rua);
	a->bytes += pol_len(dst);
}

/* find_pol - the policy of (day, domain) with hash h, or NULL */
static struct pol *
find_pol(const struct ragg *a, uint64_t h, int64_t day, const char *domain)
{
	struct pol *p;

	if (a->npb == 0)
		return NULL;
	for (p = a->pb[h & (a->npb - 1)]; p != NULL; p = p->next)
		if (p->hash == h && p->day == day &&
		    strcmp(p->domain, domain) == 0)
			return p;
	return NULL;
}

/* new_pol - an empty policy entry for (day, domain) */
static struct pol *
new_pol(struct ragg *a, uint64_t h, int64_t day, const char *domain)
{
	size_t dl = strlen(domain) + 1;
	struct pol *p = xcalloc(1, sizeof(*p) + dl);

	grow_pols(a);
	p->hash = h;
	p->day = day;
	memcpy(p->domain, domain, dl);
	p->next = a->pb[h & (a->npb - 1)];
	a->pb[h & (a->npb - 1)] = p;
	a->npols++;
	a->bytes += sizeof(*p) + dl;
	return p;
}

/* ragg_put_policy - see ragg.h */
void
ragg_put_policy(struct ragg *a, int64_t day, const char *domain,
    const struct rpolicy *p, int64_t seen)
{
	uint64_t h = hash_dd(day, domain);
	struct pol *e = find_pol(a, h, day, domain);

	if (e == NULL)
		e = new_pol(a, h, day, domain);
	else if (e->seen > seen)
		return;
	e->seen = seen;
	if (e->p.domain == NULL || !pol_eq(&e->p, p))
		pol_set(a, &e->p, p);
}

/* ---- reading ------------------------------------------------------ */

size_t
ragg_rows(const struct ragg *a)
{
	return a->nrows;
}

uint64_t
ragg_messages(const struct ragg *a)
{
	return a->msgs;
}

size_t
ragg_bytes(const struct ragg *a)
{
	return sizeof(*a) + a->bytes;
}

/* ragg_each_row - see ragg.h */
int
ragg_each_row(const struct ragg *a, ragg_row_fn fn, void *arg)
{
	const struct row *r;
	size_t i;
	int rc;

	for (i = 0; i < a->nrb; i++)
		for (r = a->rb[i]; r != NULL; r = r->next)
			if ((rc = fn(r->day, r->domain, r->key, r->keylen,
				 r->count, arg)) != 0)
				return rc;
	return 0;
}

/* ragg_each_policy - see ragg.h */
int
ragg_each_policy(const struct ragg *a, ragg_pol_fn fn, void *arg)
{
	const struct pol *p;
	size_t i;
	int rc;

	for (i = 0; i < a->npb; i++)
		for (p = a->pb[i]; p != NULL; p = p->next)
			if ((rc = fn(p->day, p->domain, &p->p, p->seen, arg)) !=
			    0)
				return rc;
	return 0;
}

struct merge {
	struct ragg *dst;
	size_t max_rows;
	uint64_t lost;
};

/* merge_row / merge_pol - ragg_each callbacks of ragg_merge */
static int
merge_row(int64_t day, const char *domain, const char *key, size_t keylen,
    uint64_t count, void *arg)
{
	struct merge *m = arg;
	char *k = xmemdup0(key, keylen);
	int taken;

	if (ragg_put(m->dst, day, domain, k, keylen, count, m->max_rows,
		&taken) == RAGG_FULL)
		m->lost += count;
	if (!taken)
		free(k);
	return 0;
}

static int
merge_pol(int64_t day, const char *domain, const struct rpolicy *p,
    int64_t seen, void *arg)
{
	struct merge *m = arg;

	ragg_put_policy(m->dst, day, domain, p, seen);
	return 0;
}

/* ragg_merge - see ragg.h */
uint64_t
ragg_merge(struct ragg *dst, const struct ragg *src, size_t max_rows)
{
	struct merge m = { dst, max_rows, 0 };

	(void)ragg_each_row(src, merge_row, &m);
	(void)ragg_each_policy(src, merge_pol, &m);
	return m.lost;
}

/* ---- the process's table ------------------------------------------ */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ragg *g_tab; /* under g_lock */
static time_t g_last_log;  /* under g_lock */
static _Atomic uint64_t g_dropped;

/* drop_due - count n dropped messages; 1 when a log line is due (under
 * g_lock) */
static int
drop_due(uint64_t n, time_t now)
{
	atomic_fetch_add_explicit(&g_dropped, n, memory_order_relaxed);
	if (g_last_log != 0 && now - g_last_log < DROP_LOG_SECONDS)
		return 0;
	g_last_log = now;
	return 1;
}

/* drop_note - the metric, and the log line when due (lock not held) */
static void
drop_note(uint64_t n, size_t max_rows, int log_now)
{
	metrics_add(M_REPORT_DROPPED, NULL, NULL, n);
	if (log_now)
		log_warn(
		    "reports: max_rows (%zu) reached: %llu message(s) not "
		    "recorded (%llu since start; raise reports.max_rows or "
		    "lower reports.flush_interval)",
		    max_rows, (unsigned long long)n,
		    (unsigned long long)ragg_dropped());
}

/* ragg_add - see ragg.h */
int
ragg_add(const struct rrow *r, const struct rpolicy *p, time_t now,
    size_t max_rows)
{
	int64_t day = (int64_t)now / RAGG_DAY_SECONDS;
	enum ragg_rc rc;
	size_t len;
	char *key;
	int taken, log_now = 0;

	if (p == NULL || p->domain == NULL || rrow_key(r, &key, &len) < 0)
		return -1;
	pthread_mutex_lock(&g_lock);
	if (g_tab == NULL)
		g_tab = ragg_new();
	rc = ragg_put(g_tab, day, p->domain, key, len, 1, max_rows, &taken);
	if (rc != RAGG_FULL)
		ragg_put_policy(g_tab, day, p->domain, p, (int64_t)now);
	else
		log_now = drop_due(1, now);
	pthread_mutex_unlock(&g_lock);
	if (!taken)
		free(key);
	if (rc == RAGG_FULL)
		drop_note(1, max_rows, log_now);
	else
		metrics_add(M_REPORT_RECORDED, NULL, NULL, 1);
	return (int)rc;
}

/* ragg_take - see ragg.h */
struct ragg *
ragg_take(void)
{
	struct ragg *fresh = ragg_new(), *t;

	pthread_mutex_lock(&g_lock);
	t = g_tab;
	g_tab = fresh;
	pthread_mutex_unlock(&g_lock);
	return t != NULL ? t : ragg_new();
}

/* ragg_give_back - see ragg.h */
void
ragg_give_back(struct ragg *batch, size_t max_rows)
{
	uint64_t lost;
	int log_now = 0;

	pthread_mutex_lock(&g_lock);
	if (g_tab == NULL)
		g_tab = ragg_new();
	lost = ragg_merge(g_tab, batch, max_rows);
	if (lost > 0)
		log_now = drop_due(lost, time(NULL));
	pthread_mutex_unlock(&g_lock);
	ragg_free(batch);
	if (lost > 0)
		drop_note(lost, max_rows, log_now);
}

/* ragg_dropped - see ragg.h */
uint64_t
ragg_dropped(void)
{
	return atomic_load_explicit(&g_dropped, memory_order_relaxed);
}
