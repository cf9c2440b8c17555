/*
 * test_ragg.c - report/ragg.c: rows add up per (UTC day, policy domain,
 * row), the last policy per (day, domain) is kept, the max_rows cap
 * refuses new rows (never existing ones) and counts them as dropped,
 * a batch taken out and given back adds up again, concurrent adds from
 * many threads lose nothing, and the memory of 100,000 distinct rows
 * (printed: tests/bench/RESULTS.md quotes it), and the CPU time of
 * recording one message.
 */
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"
#include "ragg.h"
#include "str.h"

#define DAY RAGG_DAY_SECONDS
#define T0 ((time_t)20000 * DAY + 3600) /* some UTC day, 01:00 */

/* row_of - a row of a typical message from ip */
static void
row_of(struct rrow *r, const char *ip, int dkim_pass)
{
	memset(r, 0, sizeof(*r));
	r->source_ip = xstrdup(ip);
	r->header_from = xstrdup("univ.example");
	r->envelope_from = xstrdup("bounce.vendor.example");
	r->disposition = dkim_pass ? RR_DISP_PASS : RR_DISP_QUARANTINE;
	r->dkim_pass = dkim_pass;
	r->ndkim = 1;
	r->dkim = xcalloc(1, sizeof(*r->dkim));
	r->dkim[0].domain = xstrdup("univ.example");
	r->dkim[0].selector = xstrdup("s2026");
	r->dkim[0].result = dkim_pass ? RES_DKIM_PASS : RES_DKIM_FAIL;
	r->has_spf = 1;
	r->spf_domain = xstrdup("bounce.vendor.example");
	r->spf_result = RES_SPF_PASS;
}

/* pol_of - a policy of domain with p */
static void
pol_of(struct rpolicy *p, const char *domain, enum rr_pol pol)
{
	memset(p, 0, sizeof(*p));
	p->domain = xstrdup(domain);
	p->p = pol;
	p->sp = RR_POL_UNSET;
	p->np = RR_POL_UNSET;
	p->adkim = 'r';
	p->aspf = 'r';
	p->rua = xstrdup("mailto:dmarc@univ.example");
}

/* put - a key string into a table */
static enum ragg_rc
put(struct ragg *a, int64_t day, const char *domain, const char *key,
    uint64_t n, size_t max)
{
	char *k = xstrdup(key);
	int taken;
	enum ragg_rc rc = ragg_put(a, day, domain, k, strlen(k), n, max,
	    &taken);

	if (!taken)
		free(k);
	return rc;
}

struct found {
	int64_t day;
	const char *domain, *key;
	uint64_t count;
	int hits;
};

static int
find_cb(int64_t day, const char *domain, const char *key, size_t keylen,
    uint64_t count, void *arg)
{
	struct found *f = arg;

	if (day == f->day && strcmp(domain, f->domain) == 0 &&
	    keylen == strlen(f->key) && memcmp(key, f->key, keylen) == 0) {
		f->count = count;
		f->hits++;
	}
	return 0;
}

/* count_of - the count of one row of a, 0 when absent */
static uint64_t
count_of(const struct ragg *a, int64_t day, const char *domain, const char *key)
{
	struct found f = { day, domain, key, 0, 0 };

	ragg_each_row(a, find_cb, &f);
	assert_true(f.hits <= 1);
	return f.count;
}

static void
test_rows_add_up(void **state)
{
	struct ragg *a = ragg_new();

	(void)state;
	assert_int_equal(put(a, 1, "univ.example", "k1", 1, 10), RAGG_NEW);
	assert_int_equal(put(a, 1, "univ.example", "k1", 1, 10), RAGG_COUNTED);
	assert_int_equal(put(a, 1, "univ.example", "k1", 3, 10), RAGG_COUNTED);
	assert_int_equal(put(a, 2, "univ.example", "k1", 1, 10), RAGG_NEW);
	assert_int_equal(put(a, 1, "other.example", "k1", 1, 10), RAGG_NEW);
	assert_int_equal(put(a, 1, "univ.example", "k2", 1, 10), RAGG_NEW);
	assert_int_equal(ragg_rows(a), 4);
	assert_int_equal(ragg_messages(a), 8);
	assert_int_equal(count_of(a, 1, "univ.example", "k1"), 5);
	assert_int_equal(count_of(a, 2, "univ.example", "k1"), 1);
	assert_int_equal(count_of(a, 1, "other.example", "k1"), 1);
	assert_int_equal(count_of(a, 3, "univ.example", "k1"), 0);
	ragg_free(a);
}

static void
test_cap(void **state)
{
	struct ragg *a = ragg_new();

	(void)state;
	assert_int_equal(put(a, 1, "d.example", "a", 1, 2), RAGG_NEW);
	assert_int_equal(put(a, 1, "d.example", "b", 1, 2), RAGG_NEW);
	assert_int_equal(put(a, 1, "d.example", "c", 1, 2), RAGG_FULL);
	/* a row that exists still counts when the table is full */
	assert_int_equal(put(a, 1, "d.example", "a", 1, 2), RAGG_COUNTED);
	assert_int_equal(ragg_rows(a), 2);
	assert_int_equal(ragg_messages(a), 3);
	ragg_free(a);
}

struct polseen {
	enum rr_pol p;
	int64_t seen;
	int n;
};

static int
pol_cb(int64_t day, const char *domain, const struct rpolicy *p, int64_t seen,
    void *arg)
{
	struct polseen *s = arg;

	(void)day;
	(void)domain;
	s->p = p->p;
	s->seen = seen;
	s->n++;
	return 0;
}

static void
test_policy_last_seen(void **state)
{
	struct ragg *a = ragg_new();
	struct rpolicy p1, p2;
	struct polseen s = { 0 };
	size_t bytes;

	(void)state;
	pol_of(&p1, "univ.example", RR_POL_NONE);
	pol_of(&p2, "univ.example", RR_POL_REJECT);
	ragg_put_policy(a, 1, "univ.example", &p1, 100);
	ragg_put_policy(a, 1, "univ.example", &p2, 200);
	ragg_put_policy(a, 1, "univ.example", &p1, 150); /* older: ignored */
	ragg_each_policy(a, pol_cb, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.p, RR_POL_REJECT);
	assert_int_equal(s.seen, 200);
	/* the same policy again: only seen moves, nothing is allocated */
	bytes = ragg_bytes(a);
	ragg_put_policy(a, 1, "univ.example", &p2, 300);
	assert_int_equal(ragg_bytes(a), bytes);
	s.n = 0;
	ragg_each_policy(a, pol_cb, &s);
	assert_int_equal(s.seen, 300);
	ragg_put_policy(a, 2, "univ.example", &p1, 400);
	s.n = 0;
	ragg_each_policy(a, pol_cb, &s);
	assert_int_equal(s.n, 2);
	rpolicy_free(&p1);
	rpolicy_free(&p2);
	ragg_free(a);
}

static void
test_merge(void **state)
{
	struct ragg *a = ragg_new(), *b = ragg_new();
	uint64_t lost, y, z;

	(void)state;
	put(a, 1, "d.example", "x", 2, 10);
	put(b, 1, "d.example", "x", 3, 10);
	put(b, 1, "d.example", "y", 4, 10);
	put(b, 1, "d.example", "z", 5, 10);
	/* room for one more row: x adds up, one of y and z fits, the
	 * other's messages are returned as lost (iteration order is the
	 * table's) */
	lost = ragg_merge(a, b, 2);
	assert_int_equal(count_of(a, 1, "d.example", "x"), 5);
	y = count_of(a, 1, "d.example", "y");
	z = count_of(a, 1, "d.example", "z");
	assert_true((y == 4 && z == 0 && lost == 5) ||
	    (y == 0 && z == 5 && lost == 4));
	assert_int_equal(ragg_rows(a), 2);
	ragg_free(a);
	ragg_free(b);
}

/* key_count - the count the global table's batch has for row r */
static uint64_t
key_count(const struct ragg *t, int64_t day, const char *domain,
    const struct rrow *r)
{
	char *k;
	size_t n;
	uint64_t c;

	assert_int_equal(rrow_key(r, &k, &n), 0);
	c = count_of(t, day, domain, k);
	free(k);
	return c;
}

static void
test_global_add_take_give_back(void **state)
{
	struct rrow r1, r2, r3;
	struct rpolicy p;
	struct ragg *t;
	uint64_t dropped;

	(void)state;
	ragg_free(ragg_take());
	row_of(&r1, "192.0.2.1", 1);
	row_of(&r2, "192.0.2.2", 0);
	row_of(&r3, "192.0.2.3", 0);
	pol_of(&p, "univ.example", RR_POL_QUARANTINE);
	assert_int_equal(ragg_add(&r1, &p, T0, 2), RAGG_NEW);
	assert_int_equal(ragg_add(&r1, &p, T0 + 60, 2), RAGG_COUNTED);
	assert_int_equal(ragg_add(&r2, &p, T0, 2), RAGG_NEW);
	dropped = ragg_dropped();
	assert_int_equal(ragg_add(&r3, &p, T0, 2), RAGG_FULL);
	assert_int_equal(ragg_dropped(), dropped + 1);
	/* the next UTC day is another row, but the cap counts all rows */
	assert_int_equal(ragg_add(&r1, &p, T0 + DAY, 3), RAGG_NEW);
	t = ragg_take();
	assert_int_equal(ragg_rows(t), 3);
	assert_int_equal(key_count(t, T0 / DAY, "univ.example", &r1), 2);
	assert_int_equal(key_count(t, T0 / DAY + 1, "univ.example", &r1), 1);
	/* taken: the live table is empty; given back, it adds up again */
	assert_int_equal(ragg_add(&r1, &p, T0, 10), RAGG_NEW);
	ragg_give_back(t, 10);
	t = ragg_take();
	assert_int_equal(key_count(t, T0 / DAY, "univ.example", &r1), 3);
	assert_int_equal(key_count(t, T0 / DAY, "univ.example", &r2), 1);
	ragg_free(t);
	/* a row without a policy domain is refused */
	free(p.domain);
	p.domain = NULL;
	assert_int_equal(ragg_add(&r1, &p, T0, 10), -1);
	rrow_free(&r1);
	rrow_free(&r2);
	rrow_free(&r3);
	rpolicy_free(&p);
}

#define NTHREADS 8
#define PER_THREAD 5000

static void *
adder(void *arg)
{
	struct rpolicy p;
	struct rrow r;
	char ip[32];
	int i, id = *(int *)arg;

	pol_of(&p, "univ.example", RR_POL_REJECT);
	for (i = 0; i < PER_THREAD; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", (i + id) % 50);
		row_of(&r, ip, i % 2);
		ragg_add(&r, &p, T0, 100000);
		rrow_free(&r);
	}
	rpolicy_free(&p);
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t t[NTHREADS];
	int id[NTHREADS], i;
	struct ragg *a;
	uint64_t got = 0;

	(void)state;
	ragg_free(ragg_take());
	for (i = 0; i < NTHREADS; i++) {
		id[i] = i;
		assert_int_equal(pthread_create(&t[i], NULL, adder, &id[i]), 0);
	}
	/* the flusher takes batches while the others add */
	for (i = 0; i < 20; i++) {
		a = ragg_take();
		got += ragg_messages(a);
		ragg_free(a);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	a = ragg_take();
	got += ragg_messages(a);
	assert_true(ragg_rows(a) <= 100);
	ragg_free(a);
	assert_int_equal(got, (uint64_t)NTHREADS * PER_THREAD);
}

#define MEM_ROWS 100000

/* memory of 100,000 distinct rows of one day (distinct source IPs),
 * as the table counts it and as malloc sees it */
static void
test_memory_100k(void **state)
{
	struct mallinfo2 before, after;
	struct rpolicy p;
	struct rrow r;
	struct ragg *a;
	char ip[32];
	size_t heap;
	int i;

	(void)state;
	ragg_free(ragg_take());
	pol_of(&p, "univ.example", RR_POL_REJECT);
	before = mallinfo2();
	for (i = 0; i < MEM_ROWS; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
		    i & 255);
		row_of(&r, ip, 1);
		assert_int_equal(ragg_add(&r, &p, T0, MEM_ROWS), RAGG_NEW);
		rrow_free(&r);
	}
	after = mallinfo2();
	a = ragg_take();
	heap = after.uordblks - before.uordblks;
	printf("ragg: %d distinct rows: table %zu bytes (%zu per row), heap "
	       "%zu bytes (%zu per row)\n",
	    MEM_ROWS, ragg_bytes(a), ragg_bytes(a) / MEM_ROWS, heap,
	    heap / MEM_ROWS);
	assert_int_equal(ragg_rows(a), MEM_ROWS);
	assert_true(heap / MEM_ROWS < 512);
	ragg_free(a);
	rpolicy_free(&p);
}

#define COST_N 200000

/* the CPU time of recording one message of a typical row (the row
 * built, keyed, added; printed: tests/bench/RESULTS.md quotes it); a
 * gross bound only, the machine may be busy */
static void
test_cost_per_message(void **state)
{
	struct timespec a, b;
	struct rpolicy p;
	struct rrow r;
	double us;
	int i;

	(void)state;
	ragg_free(ragg_take());
	pol_of(&p, "univ.example", RR_POL_REJECT);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (i = 0; i < COST_N; i++) {
		row_of(&r, "192.0.2.25", i % 4 != 0);
		ragg_add(&r, &p, T0, 100000);
		rrow_free(&r);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	us = ((double)(b.tv_sec - a.tv_sec) * 1e9 +
		 (double)(b.tv_nsec - a.tv_nsec)) /
	    COST_N / 1000.0;
	printf("ragg: recording one message: %.2f us CPU (row built, keyed, "
	       "added; %d messages)\n",
	    us, COST_N);
	assert_true(us < 50.0);
	ragg_free(ragg_take());
	rpolicy_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_add_up),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_policy_last_seen),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_global_add_take_give_back),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_memory_100k),
		cmocka_unit_test(test_cost_per_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
