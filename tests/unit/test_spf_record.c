/*
 * test_spf_record.c - the SPF record parser: valid records and their
 * terms, and records with syntax errors anywhere (each must be rejected
 * as a whole: permerror), overlong records, control and 8-bit bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "spf_record.h"
#include "str.h"

/* parse - parse a C string; returns parse's return value */
static int
parse(const char *txt, struct spf_record *rec)
{
	char why[128];

	return spf_record_parse(txt, strlen(txt), rec, why, sizeof(why));
}

static void
test_is_spf(void **state)
{
	(void)state;
	assert_true(spf_record_is_spf("v=spf1", 6));
	assert_true(spf_record_is_spf("V=SpF1 -all", 11));
	assert_false(spf_record_is_spf("v=spf10", 7));
	assert_false(spf_record_is_spf("v=spf1-all", 10));
	assert_false(spf_record_is_spf("v=spf", 5));
	assert_false(spf_record_is_spf("", 0));
	assert_false(spf_record_is_spf("spf2.0/pra -all", 15));
}

static void
test_valid(void **state)
{
	struct spf_record rec;

	(void)state;
	assert_int_equal(parse("v=spf1 +a:%{d}/24//64 ~mx ?ptr:example.org "
	    "-ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{ir}.bl.example.org "
	    "include:_spf.example.net redirect=_spf.example.com "
	    "exp=why.%{d} x-unknown=%{l} -all  ", &rec), 0);
	assert_int_equal(rec.nterm, 8);
	assert_int_equal(rec.term[0].mech, SPF_M_A);
	assert_int_equal(rec.term[0].qual, RES_SPF_PASS);
	assert_string_equal(rec.term[0].domain, "%{d}");
	assert_int_equal(rec.term[0].cidr4, 24);
	assert_int_equal(rec.term[0].cidr6, 64);
	assert_int_equal(rec.term[1].qual, RES_SPF_SOFTFAIL);
	assert_null(rec.term[1].domain);
	assert_int_equal(rec.term[2].qual, RES_SPF_NEUTRAL);
	assert_int_equal(rec.term[3].qual, RES_SPF_FAIL);
	assert_int_equal(rec.term[3].addr[0], 192);
	assert_int_equal(rec.term[3].cidr4, 24);
	assert_int_equal(rec.term[4].cidr6, 32);
	assert_int_equal(rec.term[7].mech, SPF_M_ALL);
	assert_string_equal(rec.redirect, "_spf.example.com");
	assert_string_equal(rec.exp, "why.%{d}");
	spf_record_free(&rec);
	/* /0 prefixes and modifier names with - _ . are valid */
	assert_int_equal(parse("v=spf1 a/0 mx//0 ip4:0.0.0.0/0 "
	    "moo.cow-far_out=man:dog/cat", &rec), 0);
	spf_record_free(&rec);
	assert_int_equal(parse("v=spf1", &rec), 0);
	assert_int_equal(rec.nterm, 0);
	spf_record_free(&rec);
}

static void
test_errors(void **state)
{
	static const char *const bad[] = {
		"v=spf1 -all moo", "v=spf1 moo.cow/x=y", "v=spf1 =all",
		"v=spf1 1up=foo", "v=spf1 redirect:example.com",
		"v=spf1 a:foo-bar", "v=spf1 a:abc.123", "v=spf1 a:museum",
		"v=spf1 a:museum.", "v=spf1 a:example.-com", "v=spf1 a:",
		"v=spf1 a/33", "v=spf1 a//129", "v=spf1 a/24/64",
		"v=spf1 a/024", "v=spf1 mx:example.com:8080",
		"v=spf1 ptr/0", "v=spf1 ptr:", "v=spf1 include",
		"v=spf1 include:", "v=spf1 include:a.example.com/24",
		"v=spf1 exists", "v=spf1 exists:a.example.com/24",
		"v=spf1 ip4", "v=spf1 ip4:1.2.3", "v=spf1 ip4:1.2.3.4:25",
		"v=spf1 ip4:01.2.3.4", "v=spf1 ip4:1.2.3.4//32",
		"v=spf1 ip4:256.1.1.1", "v=spf1 ip4:1.2.3.4/33",
		"v=spf1 ip6", "v=spf1 ip6::CAFE::BABE", "v=spf1 ip6:::1/129",
		"v=spf1 ip6:::1//33", "v=spf1 -all.", "v=spf1 -all:x",
		"v=spf1 -all/8", "v=spf1 exp=", "v=spf1 redirect=",
		"v=spf1 exp=a.example.com exp=b.example.com",
		"v=spf1 redirect=a.example.com redirect=a.example.com",
		"v=spf1 foo=%abc", "v=spf1 exists:%(ir).example.com",
		"v=spf1 a:%{a}.example.com", "v=spf1 exp=%{r}.example.com",
		"v=spf1 a:foo.example.com\r-all", "v=spf1 a\tmx",
		"v=spf1 \x80" "a", "v=spf1 a:\xef\xbb\xbf" "x.example.com",
		"v=spf1 ip4:192.0.2.5\n include:x.example.com",
		"v=spf1 +-all", "v=spf1 all:", "v=spf1 a:%",
	};
	struct spf_record rec;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &rec) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(rec.nterm, 0);
		assert_null(rec.redirect);
	}
	/* an embedded NUL */
	assert_int_equal(spf_record_parse("v=spf1 a:x.example.com\0 -all", 28,
	    &rec, (char[64]){0}, 64), -1);
}

static void
test_limits(void **state)
{
	struct spf_record rec;
	char why[128];
	struct str b;
	size_t i;

	(void)state;
	/* a long record within both limits parses */
	str_init(&b);
	str_add(&b, "v=spf1");
	while (b.len + 14 <= SPF_RECORD_MAX)
		str_add(&b, " ip4:192.0.2.1");
	assert_int_equal(spf_record_parse(b.s, b.len, &rec, why, sizeof(why)),
	    0);
	assert_int_equal(rec.nterm, (SPF_RECORD_MAX - 6) / 14);
	spf_record_free(&rec);
	/* one term more is over the length limit */
	str_add(&b, " ip4:192.0.2.1");
	assert_int_equal(spf_record_parse(b.s, b.len, &rec, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "record too long");
	/* as many terms as fit: one-letter terms up to the length limit */
	str_reset(&b);
	str_add(&b, "v=spf1");
	for (i = 0; b.len + 2 <= SPF_RECORD_MAX; i++)
		str_add(&b, " a");
	assert_int_equal(spf_record_parse(b.s, b.len, &rec, why, sizeof(why)),
	    0);
	assert_int_equal(rec.nterm, i);
	assert_true(rec.nterm > 32000);
	spf_record_free(&rec);
	/* a ~5 KB record (what DNS carries in 20 strings over TCP) */
	str_reset(&b);
	str_add(&b, "v=spf1");
	for (i = 0; i < 340; i++)
		str_addf(&b, " ip4:198.51.%zu.%zu", i / 250, i % 250);
	str_add(&b, " -all");
	assert_true(b.len > 5000);
	assert_int_equal(spf_record_parse(b.s, b.len, &rec, why, sizeof(why)),
	    0);
	assert_int_equal(rec.nterm, 341);
	spf_record_free(&rec);
	str_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_spf),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
