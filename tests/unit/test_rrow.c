/*
 * test_rrow.c - report/rrow.c: a row's canonical key round-trips through
 * rrow_unkey for every field (NULL and "" kept apart, newlines and
 * backslashes in text), keys differ whenever a field differs, keys that
 * rrow_key cannot have produced are refused, and the RFC 9990 names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rrow.h"
#include "str.h"

/* sample - a row using every field, with awkward text */
static void
sample(struct rrow *r)
{
	memset(r, 0, sizeof(*r));
	r->source_ip = xstrdup("2001:db8::7");
	r->header_from = xstrdup("univ.example");
	r->envelope_from = xstrdup("");
	r->envelope_to = NULL;
	r->disposition = RR_DISP_QUARANTINE;
	r->dkim_pass = 0;
	r->spf_pass = 1;
	r->nreason = 2;
	r->reason[0].type = RR_REASON_LOCAL_POLICY;
	r->reason[0].comment = xstrdup("by lms\\vendor\nline 2");
	r->reason[1].type = RR_REASON_TRUSTED_FORWARDER;
	r->ndkim = 2;
	r->dkim = xcalloc(2, sizeof(*r->dkim));
	r->dkim[0].domain = xstrdup("univ.example");
	r->dkim[0].selector = xstrdup("s1");
	r->dkim[0].result = RES_DKIM_FAIL;
	r->dkim[1].domain = xstrdup("vendor.example");
	r->dkim[1].selector = xstrdup("\\0");
	r->dkim[1].result = RES_DKIM_PASS;
	r->has_spf = 1;
	r->spf_domain = xstrdup("bounce.vendor.example");
	r->spf_result = RES_SPF_SOFTFAIL;
	r->count = 42;
}

static char *
key_of(const struct rrow *r, size_t *len)
{
	char *k;

	assert_int_equal(rrow_key(r, &k, len), 0);
	assert_int_equal(strlen(k), *len);
	return k;
}

static void
test_roundtrip(void **state)
{
	struct rrow a, b, c;
	char *k1, *k2;
	size_t n1, n2;

	(void)state;
	sample(&a);
	k1 = key_of(&a, &n1);
	assert_int_equal(rrow_unkey(k1, n1, &b), 0);
	assert_int_equal(b.count, 0);
	assert_null(b.envelope_to);
	assert_string_equal(b.envelope_from, "");
	assert_null(b.reason[1].comment);
	assert_string_equal(b.reason[0].comment, "by lms\\vendor\nline 2");
	assert_string_equal(b.dkim[1].selector, "\\0");
	assert_int_equal(b.spf_result, RES_SPF_SOFTFAIL);
	k2 = key_of(&b, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(k1, k2, n1);
	assert_int_equal(rrow_copy(&c, &a), 0);
	free(k2);
	k2 = key_of(&c, &n2);
	assert_memory_equal(k1, k2, n1);
	free(k1);
	free(k2);
	rrow_free(&a);
	rrow_free(&b);
	rrow_free(&c);
}

/* differs - changing one field changes the key */
static void
test_fields_matter(void **state)
{
	struct rrow a;
	char *k0, *k;
	size_t n0, n;

	(void)state;
	sample(&a);
	k0 = key_of(&a, &n0);
	a.count = 7; /* not part of the key */
	k = key_of(&a, &n);
	assert_memory_equal(k0, k, n0);
	free(k);
	free(a.envelope_from);
	a.envelope_from = NULL;
	k = key_of(&a, &n);
	assert_true(n != n0 || memcmp(k0, k, n) != 0);
	free(k);
	a.envelope_from = xstrdup("");
	a.dkim[0].result = RES_DKIM_PASS;
	k = key_of(&a, &n);
	assert_true(n != n0 || memcmp(k0, k, n) != 0);
	free(k);
	free(k0);
	rrow_free(&a);
}

static void
test_bad_keys(void **state)
{
	static const char *const bad[] = { "", "1.2.3.4\n", "a\nb\n\\0\n",
		"a\\x\nb\nc\n\\0\n0\n0\n0\n0\n0\n0\n\\0\n0\n" };
	struct rrow a, r;
	char *k;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rrow_unkey(bad[i], strlen(bad[i]), &r), -1);
	sample(&a);
	k = key_of(&a, &n);
	assert_int_equal(rrow_unkey(k, n - 1, &r), -1); /* truncated */
	k[n - 1] = 'x';
	assert_int_equal(rrow_unkey(k, n, &r), -1);
	free(k);
	rrow_free(&a);
}

static void
test_names(void **state)
{
	enum rr_disp d;
	enum rr_reason re;
	enum rr_pol p;

	(void)state;
	assert_string_equal(rr_disp_name(RR_DISP_PASS), "pass");
	assert_string_equal(rr_reason_name(RR_REASON_POLICY_TEST_MODE),
	    "policy_test_mode");
	assert_null(rr_pol_name(RR_POL_UNSET));
	assert_string_equal(rr_discovery_name(RR_DISC_PSL), "psl");
	assert_int_equal(rr_disp_parse("reject", &d), 0);
	assert_int_equal(d, RR_DISP_REJECT);
	assert_int_equal(rr_reason_parse("mailing_list", &re), 0);
	assert_int_equal(re, RR_REASON_MAILING_LIST);
	assert_int_equal(rr_pol_parse("pass", &p), -1);
	assert_int_equal(rr_reason_parse("forwarded", &re), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_fields_matter),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
