/*
 * test_mailaddr.c - unit tests for mailaddr.c: From header parsing (good
 * forms, the bad inputs of issue 6) and RFC 5321 path domains.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mailaddr.h"

/* from - parse a C string */
static struct addr_from
from(const char *v)
{
	struct addr_from a;

	addr_from_parse(v, strlen(v), &a);
	return a;
}

/* check_ok - v parses to exactly one mailbox in domain dom */
static void
check_ok(const char *v, const char *dom)
{
	struct addr_from a = from(v);

	if (a.status != ADDR_OK)
		fail_msg("'%s': %s (%s)", v, addr_status_name(a.status),
		    a.why ? a.why : "");
	assert_string_equal(a.domain, dom);
	assert_int_equal(a.nmailbox, 1);
}

/* check_st - v parses to status st */
static void
check_st(const char *v, enum addr_status st)
{
	struct addr_from a = from(v);

	if (a.status != st)
		fail_msg("'%s': got %s, want %s", v, addr_status_name(a.status),
		    addr_status_name(st));
	if (st != ADDR_OK)
		assert_non_null(a.why);
}

static void
test_simple_forms(void **state)
{
	(void)state;
	check_ok("user@example.org", "example.org");
	check_ok(" <user@Example.ORG> ", "example.org");
	check_ok("John Doe <john@example.org>", "example.org");
	check_ok("\"Doe, John\" <john@example.org>", "example.org");
	check_ok("\"a@evil.example\" <john@example.org>", "example.org");
	check_ok("\"john doe\"@example.org", "example.org");
	check_ok("john@example.org.", "example.org");
}

static void
test_comments_and_folding(void **state)
{
	(void)state;
	check_ok("john@example.org (John (the) Doe)", "example.org");
	check_ok("(comment, with <brackets> and @) john@example.org",
	    "example.org");
	check_ok("John\r\n Doe\r\n\t<john@example.org>", "example.org");
	check_ok("john (x) @ (y) example.org", "example.org");
	check_st("John \\(not\\) <john@example.org>", ADDR_UNPARSEABLE);
}

static void
test_encoded_words(void **state)
{
	(void)state;
	check_ok("=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <jm@example.de>",
	    "example.de");
	check_ok("=?utf-8?B?SsO2cmc=?= <jm@example.de>", "example.de");
	/* an encoded word with '@' unquoted: the phrase has a special */
	check_st("=?utf-8?q?paypal@paypal.com?= <x@evil.example>",
	    ADDR_UNPARSEABLE);
}

static void
test_groups(void **state)
{
	(void)state;
	check_st("undisclosed-recipients:;", ADDR_NONE);
	check_ok("Team: one@example.org;", "example.org");
	check_st("Team: one@example.org, two@example.net;", ADDR_SEVERAL);
	check_st("Team: one@example.org", ADDR_UNPARSEABLE);
	check_st("Team: ;, x@example.org", ADDR_OK);
}

static void
test_several(void **state)
{
	struct addr_from a;

	(void)state;
	a = from("a@example.org, b@example.net");
	assert_int_equal(a.status, ADDR_SEVERAL);
	assert_int_equal(a.nmailbox, 2);
	assert_false(a.same_domain);
	assert_string_equal(a.domain, "example.org");
	a = from("a@example.org, B <b@EXAMPLE.org>");
	assert_int_equal(a.status, ADDR_SEVERAL);
	assert_true(a.same_domain);
}

static void
test_no_domain(void **state)
{
	(void)state;
	check_st("", ADDR_NONE);
	check_st("   (only a comment)  ", ADDR_NONE);
	check_st("john", ADDR_NODOMAIN);
	check_st("John Doe <john>", ADDR_NODOMAIN);
	check_st("<>", ADDR_NODOMAIN);
	check_st("john@[192.0.2.1]", ADDR_NODOMAIN);
	check_st("john@exa mple.org", ADDR_UNPARSEABLE);
	check_st("john@-", ADDR_OK);	/* LDH: accepted, DNS decides */
	check_st("john@a..b", ADDR_NODOMAIN);
}

static void
test_unparseable(void **state)
{
	(void)state;
	check_st("a@evil.example <john@example.org>", ADDR_UNPARSEABLE);
	check_st("John <john@example.org", ADDR_UNPARSEABLE);
	check_st("\"unterminated <john@example.org>", ADDR_UNPARSEABLE);
	check_st("john@example.org (unterminated", ADDR_UNPARSEABLE);
	check_st("john@", ADDR_UNPARSEABLE);
	check_st("@example.org", ADDR_UNPARSEABLE);
	check_st("Re: hi <john@example.org>", ADDR_UNPARSEABLE);
	check_st("john@example.org garbage", ADDR_UNPARSEABLE);
	check_st("jo\x01hn@example.org", ADDR_UNPARSEABLE);
	check_st("<john@example.org> <x@y.example>", ADDR_UNPARSEABLE);
}

static void
test_nul_byte(void **state)
{
	struct addr_from a;

	(void)state;
	addr_from_parse("a@example.org\0b@evil.example", 27, &a);
	assert_int_equal(a.status, ADDR_UNPARSEABLE);
}

static void
test_idn(void **state)
{
	(void)state;
	check_ok("j@b\xc3\xbc" "cher.example", "xn--bcher-kva.example");
	check_ok("=?utf-8?q?x?= <j@XN--BCHER-KVA.example>",
	    "xn--bcher-kva.example");
	check_ok("\xc3\xa9l\xc3\xa8ve@\xc3\xa9" "cole.example",
	    "xn--cole-9oa.example");
	check_st("j@\xff\xfe.example", ADDR_NODOMAIN);
}

static void
test_route_and_obs(void **state)
{
	(void)state;
	check_ok("<@relay.example,@r2.example:john@example.org>",
	    "example.org");
	check_ok(", , john@example.org", "example.org");
}

static void
test_huge_and_deep(void **state)
{
	size_t n = 200000, i;
	char *v = malloc(n + 1);
	struct addr_from a;

	(void)state;
	for (i = 0; i < n; i++)
		v[i] = "a@b.c,"[i % 6];
	v[n] = '\0';
	addr_from_parse(v, n, &a);
	assert_int_equal(a.status, ADDR_UNPARSEABLE);	/* too many tokens */
	for (i = 0; i < n; i++)
		v[i] = '(';
	addr_from_parse(v, n, &a);
	assert_int_equal(a.status, ADDR_UNPARSEABLE);
	memset(v, 'x', n);
	memcpy(v + n - 12, "@example.org", 12);
	addr_from_parse(v, n, &a);
	assert_int_equal(a.status, ADDR_OK);
	free(v);
	check_st("john@a123456789a123456789a123456789a123456789a123456789"
	    "a123456789a123.example", ADDR_NODOMAIN);	/* label > 63 */
}

/* the local part as written (the signer's signing-table key) */
static void
test_local_part(void **state)
{
	static const char *const v[][2] = {
		{ "User@Example.ORG", "User" },
		{ "Joe <j.doe@example.org>", "j.doe" },
		{ "\"john doe\"@example.org", "\"john doe\"" },
		{ "(c) joe (x) @example.org", "joe" },
		{ "<@route.example:joe@example.org>", "joe" },
	};
	struct addr_from a;
	char big[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		a = from(v[i][0]);
		assert_int_equal(a.status, ADDR_OK);
		assert_string_equal(a.local, v[i][1]);
	}
	memset(big, 'a', 300);
	snprintf(big + 300, sizeof(big) - 300, "@example.org");
	a = from(big);
	assert_int_equal(a.status, ADDR_OK); /* DMARC still reads it */
	assert_string_equal(a.local, "");    /* too long to keep */
	a = from("a@x.example, b@y.example");
	assert_int_equal(a.status, ADDR_SEVERAL);
	assert_string_equal(a.local, "a");
}

static void
test_path_domain(void **state)
{
	char d[ADDR_DOMAIN_MAX + 1];

	(void)state;
	assert_int_equal(addr_path_domain("bounce@Mail.Example.ORG", d,
	    sizeof(d)), 0);
	assert_string_equal(d, "mail.example.org");
	assert_int_equal(addr_path_domain("<x@example.org>", d, sizeof(d)), 0);
	assert_string_equal(d, "example.org");
	assert_int_equal(addr_path_domain("\"a@b\"@example.net", d,
	    sizeof(d)), 0);
	assert_string_equal(d, "example.net");
	assert_int_equal(addr_path_domain("", d, sizeof(d)), -1);
	assert_int_equal(addr_path_domain("<>", d, sizeof(d)), -1);
	assert_int_equal(addr_path_domain("postmaster", d, sizeof(d)), -1);
	assert_int_equal(addr_path_domain("x@", d, sizeof(d)), -1);
	assert_int_equal(addr_path_domain(NULL, d, sizeof(d)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_forms),
		cmocka_unit_test(test_local_part),
		cmocka_unit_test(test_comments_and_folding),
		cmocka_unit_test(test_encoded_words),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_several),
		cmocka_unit_test(test_no_domain),
		cmocka_unit_test(test_unparseable),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_idn),
		cmocka_unit_test(test_route_and_obs),
		cmocka_unit_test(test_huge_and_deep),
		cmocka_unit_test(test_path_domain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
