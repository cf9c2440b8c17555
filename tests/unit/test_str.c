/*
 * test_str.c - the dynamic string, safe number parsing, ASCII helpers and
 * log_printable() masking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "log.h"
#include "str.h"

static void
test_str_grows(void **state)
{
	struct str b;
	int i;

	str_init(&b);
	for (i = 0; i < 1000; i++)
		str_addf(&b, "%d,", i % 10);
	assert_int_equal(b.len, 2000);
	assert_int_equal(strlen(b.s), 2000);
	str_reset(&b);
	assert_string_equal(b.s, "");
	str_addn(&b, "abc\0def", 7);
	assert_int_equal(b.len, 7);
	str_free(&b);
}

/* str_steal hands the buffer over and keeps none: nothing to free after it
 * (the sanitizer build reports a leak otherwise), and b can be reused */
static void
test_str_steal(void **state)
{
	struct str b;
	char *s1, *s2, *s3;

	str_init(&b);
	str_add(&b, "first");
	s1 = str_steal(&b);
	assert_string_equal(s1, "first");
	assert_null(b.s);
	str_reset(&b);
	str_addf(&b, "%s-%d", "second", 2);
	s2 = str_steal(&b);
	assert_string_equal(s2, "second-2");
	s3 = str_steal(&b);	/* nothing added: an empty string */
	assert_string_equal(s3, "");
	str_free(&b);
	free(s1);
	free(s2);
	free(s3);
}

/* xmemdup0 copies bytes, NULs included, and ends them with one;
 * str_seterr formats into the buffer it is given and always says -1 */
static void
test_memdup_seterr(void **state)
{
	unsigned char *p = xmemdup0("a\0b", 3);
	char err[16];
	char *e;

	assert_memory_equal(p, "a\0b\0", 4);
	free(p);
	p = xmemdup0(NULL, 0);
	assert_int_equal(p[0], '\0');
	free(p);
	assert_int_equal(str_seterr(err, sizeof(err), "%s=%d", "x", 42), -1);
	assert_string_equal(err, "x=42");
	assert_int_equal(str_seterr(err, 4, "%s", "truncated"), -1);
	assert_string_equal(err, "tru");
	assert_int_equal(str_seterr(NULL, 0, "%s", "nowhere"), -1);
	e = err;
	assert_int_equal(str_seterr(e, 0, "%s", "untouched"), -1);
	assert_string_equal(err, "tru");
}

static void
test_parse_u64(void **state)
{
	uint64_t v;

	assert_int_equal(str_parse_u64("123", 3, 1000, &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(str_parse_u64("1001", 4, 1000, &v), -1);
	assert_int_equal(str_parse_u64("", 0, 1000, &v), -1);
	assert_int_equal(str_parse_u64("-1", 2, 1000, &v), -1);
	assert_int_equal(str_parse_u64("12a", 3, 1000, &v), -1);
	assert_int_equal(str_parse_u64("99999999999999999999999", 23,
	    UINT64_MAX, &v), -1);
	assert_int_equal(str_parse_u64("18446744073709551615", 20,
	    UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void
test_case_and_strip(void **state)
{
	char s[] = "  \tMiXeD\r\n";

	assert_int_equal(str_casecmp("ABC", "abc"), 0);
	assert_true(str_casecmp("abc", "abd") < 0);
	assert_int_equal(str_ncasecmp("ABCx", "abcy", 3), 0);
	assert_string_equal(str_strip(s), "MiXeD");
	str_lower(s);
	assert_string_equal(str_strip(s), "mixed");
}

static void
test_printable(void **state)
{
	char out[16];

	log_printable(out, sizeof(out), "ab\r\nc\x80", 6);
	assert_string_equal(out, "ab??c?");
	log_printable(out, sizeof(out), "0123456789abcdefghij", 20);
	assert_int_equal(strlen(out), 15);
	assert_string_equal(out + 12, "...");
}

/* str_add_json - the one JSON string writer of the tool's outputs */
static void
test_json(void **state)
{
	struct str b;

	(void)state;
	str_init(&b);
	str_add_json(&b, "a\"b\\c\nd\te\x7f\xc3\xa9");
	assert_string_equal(b.s, "\"a\\\"b\\\\c\\nd\\u0009e\\u007f\xc3\xa9\"");
	str_reset(&b);
	str_add_json(&b, NULL);
	assert_string_equal(b.s, "\"\"");
	str_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str_grows),
		cmocka_unit_test(test_str_steal),
		cmocka_unit_test(test_memdup_seterr),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_case_and_strip),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
