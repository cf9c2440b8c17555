/*
 * test_dmarc_record.c - unit tests for dmarc_record.c: the tags of RFC
 * 9989, the removed ones, and the bad records of issue 6 (garbage,
 * duplicated tags, v= not first, huge records, many TXT strings, several
 * records at one name).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dmarc_record.h"

/* parse - a C string */
static enum dmarcrec_status
parse(const char *s, struct dmarcrec *r)
{
	return dmarcrec_parse(s, strlen(s), r);
}

static void
test_full_record(void **state)
{
	struct dmarcrec r;

	(void)state;
	assert_int_equal(parse("v=DMARC1; p=reject; sp=quarantine; np=none; "
	    "adkim=s; aspf=s; psd=n; t=y; rua=mailto:d@example.org; "
	    "ruf=mailto:f@example.org; fo=0:d", &r), DMARCREC_OK);
	assert_int_equal(r.p, DMARCREC_P_REJECT);
	assert_int_equal(r.sp, DMARCREC_P_QUARANTINE);
	assert_int_equal(r.np, DMARCREC_P_NONE);
	assert_true(r.adkim_strict);
	assert_true(r.aspf_strict);
	assert_int_equal(r.psd, DMARCREC_PSD_N);
	assert_true(r.testing);
	assert_true(r.has_rua);
	assert_true(r.has_ruf);
	assert_string_equal(r.why, "");
}

static void
test_defaults(void **state)
{
	struct dmarcrec r;

	(void)state;
	assert_int_equal(parse("v=DMARC1", &r), DMARCREC_OK);
	assert_int_equal(r.p, DMARCREC_P_NONE);	/* absent p = none */
	assert_int_equal(r.sp, DMARCREC_P_UNSET);
	assert_int_equal(r.np, DMARCREC_P_UNSET);
	assert_int_equal(r.psd, DMARCREC_PSD_U);
	assert_false(r.adkim_strict);
	assert_false(r.aspf_strict);
	assert_false(r.testing);
	assert_int_equal(r.pct, 100);
	assert_int_equal(parse("  v = DMARC1 ;p = Reject ; ", &r), DMARCREC_OK);
	assert_int_equal(r.p, DMARCREC_P_REJECT);
}

static void
test_not_dmarc(void **state)
{
	struct dmarcrec r;

	(void)state;
	assert_int_equal(parse("p=reject; v=DMARC1", &r), DMARCREC_NOT_DMARC);
	assert_int_equal(parse("v=spf1 -all", &r), DMARCREC_NOT_DMARC);
	assert_int_equal(parse("v=dmarc1; p=reject", &r), DMARCREC_NOT_DMARC);
	assert_int_equal(parse("v=DMARC10; p=reject", &r), DMARCREC_NOT_DMARC);
	assert_int_equal(parse("", &r), DMARCREC_NOT_DMARC);
	assert_int_equal(parse("v=DMARC1p=reject", &r), DMARCREC_NOT_DMARC);
}

static void
test_garbage(void **state)
{
	struct dmarcrec r;

	(void)state;
	assert_int_equal(parse("v=DMARC1; garbage; p=reject", &r),
	    DMARCREC_INVALID);
	assert_non_null(strstr(r.why, "garbage"));
	assert_int_equal(parse("v=DMARC1; p@=reject", &r), DMARCREC_INVALID);
	assert_int_equal(parse("v=DMARC1; =reject", &r), DMARCREC_INVALID);
	assert_int_equal(dmarcrec_parse("v=DMARC1; p=re\0ject", 19, &r),
	    DMARCREC_INVALID);
	assert_int_equal(parse("v=DMARC1; p=reject\x01", &r), DMARCREC_INVALID);
	assert_int_equal(parse("v=DMARC1; p=r\xc3\xa9ject", &r),
	    DMARCREC_INVALID);
}

static void
test_duplicates(void **state)
{
	struct dmarcrec r;

	(void)state;
	assert_int_equal(parse("v=DMARC1; p=none; p=reject", &r),
	    DMARCREC_INVALID);
	assert_non_null(strstr(r.why, "duplicate tag p="));
	assert_int_equal(parse("v=DMARC1; v=DMARC1; p=reject", &r),
	    DMARCREC_INVALID);
	assert_int_equal(parse("v=DMARC1; P=none; p=reject", &r),
	    DMARCREC_INVALID);
	/* unknown tags may repeat: they are ignored */
	assert_int_equal(parse("v=DMARC1; x=1; x=2; p=reject", &r), DMARCREC_OK);
}

static void
test_bad_policy(void **state)
{
	struct dmarcrec r;

	(void)state;
	/* invalid p and no rua: no DMARC processing (permerror) */
	assert_int_equal(parse("v=DMARC1; p=block", &r), DMARCREC_INVALID);
	assert_non_null(strstr(r.why, "p="));
	assert_int_equal(parse("v=DMARC1; p=reject; sp=nope", &r),
	    DMARCREC_INVALID);
	assert_int_equal(parse("v=DMARC1; p=", &r), DMARCREC_INVALID);
	/* with a valid rua: p=none */
	assert_int_equal(parse("v=DMARC1; p=block; rua=mailto:a@example.org",
	    &r), DMARCREC_OK);
	assert_int_equal(r.p, DMARCREC_P_NONE);
	assert_true(r.p_from_rua);
	assert_int_equal(parse("v=DMARC1; p=block; rua=not a uri", &r),
	    DMARCREC_INVALID);
	assert_int_equal(parse("v=DMARC1; np=x; rua=bad, mailto:a@b.example!10m",
	    &r), DMARCREC_OK);
	assert_int_equal(r.np, DMARCREC_P_UNSET);
}

static void
test_bad_values_defaulted(void **state)
{
	struct dmarcrec r;

	(void)state;
	assert_int_equal(parse("v=DMARC1; p=reject; adkim=x; aspf=strict; "
	    "t=maybe; psd=q; fo=2", &r), DMARCREC_OK);
	assert_int_equal(r.p, DMARCREC_P_REJECT);
	assert_false(r.adkim_strict);
	assert_false(r.aspf_strict);
	assert_false(r.testing);
	assert_int_equal(r.psd, DMARCREC_PSD_U);
	assert_non_null(strstr(r.why, "adkim"));
}

static void
test_removed_tags(void **state)
{
	struct dmarcrec r;

	(void)state;
	assert_int_equal(parse("v=DMARC1; p=quarantine; pct=20; rf=afrf; "
	    "ri=86400", &r), DMARCREC_OK);
	assert_int_equal(r.p, DMARCREC_P_QUARANTINE);
	assert_int_equal(r.pct, 20);	/* kept for RFC 7489 mode only */
	assert_int_equal(parse("v=DMARC1; p=reject; pct=101", &r), DMARCREC_OK);
	assert_int_equal(r.pct, 100);
	assert_int_equal(parse("v=DMARC1; p=reject; pct=-1", &r), DMARCREC_OK);
	assert_int_equal(r.pct, 100);
	assert_int_equal(parse("v=DMARC1; p=reject; pct=0", &r), DMARCREC_OK);
	assert_int_equal(r.pct, 0);
}

static void
test_huge_and_split(void **state)
{
	struct dmarcrec r;
	size_t n = 65000, i;
	char *s = malloc(n + 1);
	const char *pieces[] = { "v=DM", "ARC1; p=rej", "ect; ", "sp=n", "one" };
	char joined[64];
	size_t off = 0;

	(void)state;
	memcpy(s, "v=DMARC1; p=reject; ", 20);
	for (i = 20; i < n; i++)
		s[i] = "x=yyyyy;"[(i - 20) % 8];	/* many unknown tags */
	s[n] = '\0';
	assert_int_equal(dmarcrec_parse(s, n, &r), DMARCREC_OK);
	assert_int_equal(r.p, DMARCREC_P_REJECT);
	s[30] = '\x7f';
	assert_int_equal(dmarcrec_parse(s, n, &r), DMARCREC_INVALID);
	free(s);
	/* a TXT record in many strings: the DNS layer concatenates them */
	for (i = 0; i < 5; i++) {
		memcpy(joined + off, pieces[i], strlen(pieces[i]));
		off += strlen(pieces[i]);
	}
	joined[off] = '\0';
	assert_int_equal(parse(joined, &r), DMARCREC_OK);
	assert_int_equal(r.p, DMARCREC_P_REJECT);
	assert_int_equal(r.sp, DMARCREC_P_NONE);
}

static void
test_select(void **state)
{
	struct dmarcrec r;
	size_t nd;
	const char *one[] = { "v=spf1 -all", "v=DMARC1; p=reject", "hello" };
	const char *two[] = { "v=DMARC1; p=reject", "v=DMARC1; p=none" };
	const char *bad[] = { "v=DMARC1; p=reject; p=none", "other" };
	size_t l1[] = { 11, 18, 5 }, l2[] = { 18, 16 }, l3[] = { 26, 5 };

	(void)state;
	assert_int_equal(dmarcrec_select(one, l1, 3, &r, &nd), DMARCREC_OK);
	assert_int_equal(nd, 1);
	assert_int_equal(r.p, DMARCREC_P_REJECT);
	assert_int_equal(dmarcrec_select(two, l2, 2, &r, &nd),
	    DMARCREC_NOT_DMARC);
	assert_int_equal(nd, 2);
	assert_non_null(strstr(r.why, "several"));
	assert_int_equal(dmarcrec_select(bad, l3, 2, &r, &nd), DMARCREC_INVALID);
	assert_int_equal(dmarcrec_select(NULL, NULL, 0, &r, &nd),
	    DMARCREC_NOT_DMARC);
	assert_int_equal(nd, 0);
}

/* rua= and fo= are kept as published, for aggregate reports */
static void
test_rua_fo_text(void **state)
{
	struct dmarcrec r;
	char big[2400], rec[2600];
	size_t i, n = 0;

	(void)state;
	assert_int_equal(parse("v=DMARC1; p=none; rua = mailto:a@example.org "
			       ", mailto:b@example.net!10m ; fo = 0 : d",
			     &r),
	    DMARCREC_OK);
	assert_string_equal(r.rua,
	    "mailto:a@example.org,mailto:b@example.net!10m");
	assert_false(r.rua_cut);
	assert_string_equal(r.fo, "0:d");
	/* none, or no valid URI / a bad fo: nothing kept */
	assert_int_equal(parse("v=DMARC1; p=none", &r), DMARCREC_OK);
	assert_string_equal(r.rua, "");
	assert_string_equal(r.fo, "");
	assert_int_equal(parse("v=DMARC1; p=none; rua=nope; fo=x", &r),
	    DMARCREC_OK);
	assert_false(r.has_rua);
	assert_string_equal(r.rua, "");
	assert_string_equal(r.fo, "");
	/* a list too long for the buffer keeps the URIs that fit whole */
	for (i = 0; i < 60; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n,
		    "%smailto:reports-%02zu@example.org", i ? "," : "", i);
	snprintf(rec, sizeof(rec), "v=DMARC1; p=none; rua=%s", big);
	assert_int_equal(parse(rec, &r), DMARCREC_OK);
	assert_true(r.rua_cut);
	assert_true(strlen(r.rua) <= DMARCREC_RUA_MAX);
	assert_int_equal(strncmp(r.rua, big, strlen(r.rua)), 0);
	assert_int_equal(big[strlen(r.rua)], ',');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_record),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_not_dmarc),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_bad_policy),
		cmocka_unit_test(test_bad_values_defaulted),
		cmocka_unit_test(test_removed_tags),
		cmocka_unit_test(test_huge_and_split),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_rua_fo_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
