/*
 * test_dns_cache.c - the DNS answer cache: hits are deep copies, names are
 * case-insensitive and types apart, entries expire at their TTL (capped),
 * failures are never kept, and the entry count and byte budget hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dns_cache.h"
#include "dns_int.h"

/* txt_result - a DNS_OK answer with one TXT record */
static struct dns_result *
txt_result(const char *txt)
{
	struct dns_result *r = dns_result_new(DNS_OK, NULL);

	dns_result_add(r, DNS_T_TXT, 0, txt, strlen(txt));
	r->secure = 1;
	return r;
}

/* a hit is an equal, independent copy; the key ignores case, not type */
static void
test_hit_copy(void **state)
{
	struct dns_cache *c = dns_cache_new(64, 65536);
	struct dns_result *r = txt_result("v=spf1 -all"), *g, *g2;

	assert_null(dns_cache_get(c, "example.org", DNS_T_TXT, 100));
	dns_cache_put(c, "Example.ORG", DNS_T_TXT, r, 300, 100);
	dns_result_free(r);
	g = dns_cache_get(c, "example.org", DNS_T_TXT, 101);
	assert_non_null(g);
	assert_int_equal(g->status, DNS_OK);
	assert_int_equal(g->secure, 1);
	assert_int_equal(g->nrr, 1);
	assert_int_equal(g->rr[0].len, 11);
	assert_string_equal((char *)g->rr[0].data, "v=spf1 -all");
	g->rr[0].data[0] = 'X';		/* the copy is the caller's */
	g2 = dns_cache_get(c, "EXAMPLE.org", DNS_T_TXT, 102);
	assert_non_null(g2);
	assert_string_equal((char *)g2->rr[0].data, "v=spf1 -all");
	assert_null(dns_cache_get(c, "example.org", DNS_T_MX, 102));
	assert_null(dns_cache_get(c, "www.example.org", DNS_T_TXT, 102));
	dns_result_free(g);
	dns_result_free(g2);
	dns_cache_free(c);
}

/* an entry lives exactly ttl seconds, at most DNS_CACHE_MAX_TTL (3600) */
static void
test_expiry(void **state)
{
	struct dns_cache *c = dns_cache_new(64, 65536);
	struct dns_result *r = txt_result("k"), *g;

	dns_cache_put(c, "a.example", DNS_T_TXT, r, 10, 1000);
	g = dns_cache_get(c, "a.example", DNS_T_TXT, 1009);
	assert_non_null(g);
	dns_result_free(g);
	assert_null(dns_cache_get(c, "a.example", DNS_T_TXT, 1010));
	assert_int_equal(dns_cache_count(c), 0);	/* dropped on sight */
	dns_cache_put(c, "b.example", DNS_T_TXT, r, 604800, 1000);
	g = dns_cache_get(c, "b.example", DNS_T_TXT, 4599);
	assert_non_null(g);
	dns_result_free(g);
	assert_null(dns_cache_get(c, "b.example", DNS_T_TXT, 4600));
	dns_result_free(r);
	dns_cache_free(c);
}

/* NODATA and NXDOMAIN are kept; failures and ttl 0 never */
static void
test_what_is_kept(void **state)
{
	struct dns_cache *c = dns_cache_new(64, 65536);
	enum dns_status st[] = { DNS_NODATA, DNS_NXDOMAIN, DNS_SERVFAIL,
	    DNS_TIMEOUT, DNS_ERROR };
	int kept[] = { 1, 1, 0, 0, 0 };
	struct dns_result *r, *g;
	char name[32];
	size_t i;

	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		snprintf(name, sizeof(name), "n%zu.example", i);
		r = dns_result_new(st[i], "why");
		dns_cache_put(c, name, DNS_T_A, r, 60, 0);
		dns_result_free(r);
		g = dns_cache_get(c, name, DNS_T_A, 1);
		assert_int_equal(g != NULL, kept[i]);
		if (g != NULL) {
			assert_int_equal(g->status, st[i]);
			assert_string_equal(g->why, "why");
		}
		dns_result_free(g);
	}
	r = txt_result("x");
	dns_cache_put(c, "zero.example", DNS_T_TXT, r, 0, 0);
	assert_null(dns_cache_get(c, "zero.example", DNS_T_TXT, 0));
	dns_cache_put(c, "z.example", DNS_T_TXT, NULL, 60, 0);	/* ignored */
	dns_result_free(r);
	dns_cache_free(c);
}

/* a put for the same key replaces the old answer */
static void
test_replace(void **state)
{
	struct dns_cache *c = dns_cache_new(64, 65536);
	struct dns_result *r1 = txt_result("old"), *r2 = txt_result("new"), *g;

	dns_cache_put(c, "k.example", DNS_T_TXT, r1, 60, 0);
	dns_cache_put(c, "k.example", DNS_T_TXT, r2, 60, 1);
	assert_int_equal(dns_cache_count(c), 1);
	g = dns_cache_get(c, "k.example", DNS_T_TXT, 2);
	assert_string_equal((char *)g->rr[0].data, "new");
	dns_result_free(g);
	dns_result_free(r1);
	dns_result_free(r2);
	dns_cache_free(c);
}

/* 10000 names into a 64-entry cache: never more than 64 held, and the
 * last one put is there */
static void
test_entry_bound(void **state)
{
	struct dns_cache *c = dns_cache_new(64, 1 << 20);
	struct dns_result *r = txt_result("v=DKIM1; p=abc"), *g;
	char name[32];
	int i;

	for (i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "h%d.example", i);
		dns_cache_put(c, name, DNS_T_TXT, r, 60 + i % 7, 0);
		assert_true(dns_cache_count(c) <= 64);
	}
	g = dns_cache_get(c, name, DNS_T_TXT, 1);
	assert_non_null(g);
	dns_result_free(g);
	dns_result_free(r);
	dns_cache_free(c);
}

/* the byte budget: an answer larger than it is not kept; a cache of 0
 * entries keeps nothing */
static void
test_byte_bound(void **state)
{
	struct dns_cache *c = dns_cache_new(64, 512);
	struct dns_result *r = dns_result_new(DNS_OK, NULL), *s, *g;
	char big[600];

	memset(big, 'a', sizeof(big));
	dns_result_add(r, DNS_T_TXT, 0, big, sizeof(big));
	dns_cache_put(c, "big.example", DNS_T_TXT, r, 60, 0);
	assert_null(dns_cache_get(c, "big.example", DNS_T_TXT, 1));
	assert_int_equal(dns_cache_count(c), 0);
	s = txt_result("small");
	dns_cache_put(c, "small.example", DNS_T_TXT, s, 60, 0);
	g = dns_cache_get(c, "small.example", DNS_T_TXT, 1);
	assert_non_null(g);
	dns_result_free(g);
	dns_cache_free(c);
	c = dns_cache_new(0, 1 << 20);
	dns_cache_put(c, "small.example", DNS_T_TXT, s, 60, 0);
	assert_null(dns_cache_get(c, "small.example", DNS_T_TXT, 1));
	dns_cache_free(c);
	dns_result_free(r);
	dns_result_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_copy),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_what_is_kept),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_entry_bound),
		cmocka_unit_test(test_byte_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
