/*
 * test_cidr.c - prefix parsing and matching, IPv4, IPv6, v4-mapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "cidr.h"

static void
test_parse(void **state)
{
	struct cidr c;
	const char *why;

	assert_int_equal(cidr_parse("192.0.2.77/24", &c, &why), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix, 24);
	assert_int_equal(c.addr[3], 0);
	assert_int_equal(cidr_parse("2001:db8::1", &c, &why), 0);
	assert_int_equal(c.prefix, 128);
	assert_int_equal(cidr_parse("0.0.0.0/0", &c, &why), 0);
	assert_int_equal(cidr_parse("10.0.0.0/33", &c, &why), -1);
	assert_int_equal(cidr_parse("2001:db8::/129", &c, &why), -1);
	assert_int_equal(cidr_parse("10.0.0/8", &c, &why), -1);
	assert_int_equal(cidr_parse("/8", &c, &why), -1);
	assert_int_equal(cidr_parse("10.0.0.0/", &c, &why), -1);
	assert_int_equal(cidr_parse("example.org", &c, &why), -1);
}

static void
test_match(void **state)
{
	struct cidr_set set = { 0, NULL };
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	const char *why;

	assert_int_equal(cidr_set_add(&set, "203.0.113.0/25", &why), 0);
	assert_int_equal(cidr_set_add(&set, "2001:db8:1::/48", &why), 0);
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	inet_pton(AF_INET, "203.0.113.127", &s4.sin_addr);
	assert_true(cidr_match_sa(&set, (struct sockaddr *)&s4));
	inet_pton(AF_INET, "203.0.113.128", &s4.sin_addr);
	assert_false(cidr_match_sa(&set, (struct sockaddr *)&s4));
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:1:ffff::1", &s6.sin6_addr);
	assert_true(cidr_match_sa(&set, (struct sockaddr *)&s6));
	inet_pton(AF_INET6, "2001:db8:2::1", &s6.sin6_addr);
	assert_false(cidr_match_sa(&set, (struct sockaddr *)&s6));
	inet_pton(AF_INET6, "::ffff:203.0.113.5", &s6.sin6_addr);
	assert_true(cidr_match_sa(&set, (struct sockaddr *)&s6));
	cidr_set_free(&set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
