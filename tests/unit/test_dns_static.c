/*
 * test_dns_static.c - the in-memory zone and the generic DNS layer paths:
 * result classes kept apart, void counting, budgets, invalid names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns.h"

static const char zone[] =
    "# test zone\n"
    "example.org TXT \"v=spf1 \" \"-all\"\n"
    "example.org A 192.0.2.1\n"
    "example.org MX 10 mx.example.org\n"
    "Mixed.Example.ORG. AAAA 2001:db8::1\n"
    "alias.example.org CNAME example.org\n"
    "slow.example.org TIMEOUT\n"
    "broken.example.org SERVFAIL\n"
    "esc.example.org TXT \"a\\\"b\\\\c\\065\"\n";

static void
test_classes(void **state)
{
	char err[128];
	struct dns_resolver *r = dns_static_new(zone, err, sizeof(err));
	struct dns_budget b;
	struct dns_result *res;

	assert_non_null(r);
	dns_budget_init(&b, r, 0);
	res = dns_lookup(r, "EXAMPLE.org.", DNS_T_TXT, &b);
	assert_int_equal(res->status, DNS_OK);
	assert_int_equal(res->nrr, 1);
	assert_string_equal((char *)res->rr[0].data, "v=spf1 -all");
	dns_result_free(res);
	res = dns_lookup(r, "example.org", DNS_T_AAAA, &b);
	assert_int_equal(res->status, DNS_NODATA);
	dns_result_free(res);
	res = dns_lookup(r, "nope.example.org", DNS_T_A, &b);
	assert_int_equal(res->status, DNS_NXDOMAIN);
	dns_result_free(res);
	assert_int_equal(b.voids, 2);
	res = dns_lookup(r, "slow.example.org", DNS_T_A, &b);
	assert_int_equal(res->status, DNS_TIMEOUT);
	dns_result_free(res);
	res = dns_lookup(r, "broken.example.org", DNS_T_TXT, &b);
	assert_int_equal(res->status, DNS_SERVFAIL);
	dns_result_free(res);
	res = dns_lookup(r, "alias.example.org", DNS_T_A, &b);
	assert_int_equal(res->status, DNS_OK);
	assert_int_equal(res->rr[0].len, 4);
	dns_result_free(res);
	res = dns_lookup(r, "mixed.example.org", DNS_T_AAAA, &b);
	assert_int_equal(res->status, DNS_OK);
	dns_result_free(res);
	res = dns_lookup(r, "example.org", DNS_T_MX, &b);
	assert_int_equal(res->rr[0].pref, 10);
	assert_string_equal((char *)res->rr[0].data, "mx.example.org");
	dns_result_free(res);
	res = dns_lookup(r, "esc.example.org", DNS_T_TXT, &b);
	assert_string_equal((char *)res->rr[0].data, "a\"b\\cA");
	dns_result_free(res);
	assert_int_equal(b.queries, 9);
	dns_resolver_free(r);
}

static void
test_bad_names(void **state)
{
	char err[128], big[300];
	struct dns_resolver *r = dns_static_new("", err, sizeof(err));
	struct dns_result *res;

	res = dns_lookup(r, "a..b", DNS_T_A, NULL);
	assert_int_equal(res->status, DNS_ERROR);
	dns_result_free(res);
	res = dns_lookup(r, "", DNS_T_A, NULL);
	assert_int_equal(res->status, DNS_ERROR);
	dns_result_free(res);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	res = dns_lookup(r, big, DNS_T_A, NULL);
	assert_int_equal(res->status, DNS_ERROR);
	dns_result_free(res);
	memset(big, 'a', 64);
	memcpy(big + 64, ".org", 5);
	res = dns_lookup(r, big, DNS_T_A, NULL);
	assert_int_equal(res->status, DNS_ERROR);
	dns_result_free(res);
	dns_resolver_free(r);
}

static void
test_budget_spent(void **state)
{
	char err[128];
	struct dns_resolver *r = dns_static_new("a.org A 192.0.2.1\n", err,
	    sizeof(err));
	struct dns_budget b;
	struct dns_result *res;

	dns_budget_init(&b, r, 1);
	b.spent.tv_sec = 10; /* ten seconds waited for DNS already */
	res = dns_lookup(r, "a.org", DNS_T_A, &b);
	assert_int_equal(res->status, DNS_TIMEOUT);
	dns_result_free(res);
	dns_resolver_free(r);
}

static void
test_syntax_error(void **state)
{
	char err[128];

	assert_null(dns_static_new("a.org TXT unquoted\n", err, sizeof(err)));
	assert_null(dns_static_new("a.org A 999.1.1.1\n", err, sizeof(err)));
	assert_null(dns_static_new("a.org\n", err, sizeof(err)));
	assert_non_null(strstr(err, "line"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_budget_spent),
		cmocka_unit_test(test_syntax_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
