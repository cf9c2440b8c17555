/*
 * test_b64.c - lib/b64.c, the one base64 helper: RFC 4648 section 10 test
 * vectors both ways, folded input (DKIM's b=, bh=, p=), and every kind of
 * text that is not base64 refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "b64.h"

static const char *const vec[][2] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

/* decodes_to - s decodes to the text want */
static void
decodes_to(const char *s, const char *want)
{
	unsigned char *out;
	size_t n;

	assert_int_equal(b64_decode(s, strlen(s), &out, &n), 0);
	assert_int_equal(n, strlen(want));
	if (n > 0)
		assert_memory_equal(out, want, n);
	free(out);
}

static void
test_vectors(void **state)
{
	size_t i;
	char *e;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		e = b64_encode((const unsigned char *)vec[i][0],
		    strlen(vec[i][0]));
		assert_string_equal(e, vec[i][1]);
		free(e);
		decodes_to(vec[i][1], vec[i][0]);
		assert_true(b64_valid(vec[i][1], strlen(vec[i][1])));
	}
}

static void
test_folded_and_binary(void **state)
{
	unsigned char bin[256], *out;
	size_t i, n;
	char *e;

	decodes_to(" Zm9v\r\n\tYmFy ", "foobar");
	decodes_to("Zm9v Yg = =", "foob");
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(255 - i);
	e = b64_encode(bin, sizeof(bin));
	assert_int_equal(b64_decode(e, strlen(e), &out, &n), 0);
	assert_int_equal(n, sizeof(bin));
	assert_memory_equal(out, bin, n);
	free(out);
	free(e);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = { "Zm9", "Zm9v!", "Zg=a",
		"Z===", "Zm-v", "Zm_v", "Zg==Zg==", "\xc3\xa9Zm9", NULL };
	unsigned char *out;
	size_t i, n;

	for (i = 0; bad[i] != NULL; i++) {
		if (b64_decode(bad[i], strlen(bad[i]), &out, &n) != -1)
			fail_msg("decoded: %s", bad[i]);
		assert_null(out);
	}
	/* b64_valid checks letters and padding, not the length */
	assert_true(b64_valid("Zm9", 3));
	assert_false(b64_valid("Zm9v!", 5));
	assert_false(b64_valid("Zg=a", 4));
	assert_false(b64_valid("Z===", 4));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_folded_and_binary),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
