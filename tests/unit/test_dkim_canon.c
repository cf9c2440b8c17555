/*
 * test_dkim_canon.c - unit tests of dkim_canon.c: RFC 6376 section 3.4.6
 * examples, chunk boundaries (every split point, byte by byte), empty
 * bodies, trailing empty lines, bare LF and bare CR, known digests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "dkim_canon.h"
#include "str.h"

/* body_canon - canonical body of (p, n) fed in chunks of size step (0 =
 * all at once); returns an allocated string, *dig gets the digest */
static char *
body_canon(enum canon_alg a, const char *p, size_t n, size_t step,
    unsigned char *dig)
{
	struct canon_body *cb = canon_body_new(a);
	struct str copy;
	size_t off;

	str_init(&copy);
	canon_body_capture(cb, &copy);
	if (step == 0)
		step = n ? n : 1;
	for (off = 0; off < n; off += step)
		canon_body_update(cb, (const unsigned char *)p + off,
		    n - off < step ? n - off : step);
	assert_int_equal(canon_body_final(cb, dig), 0);
	assert_int_equal(canon_body_length(cb), copy.len);
	canon_body_free(cb);
	{
		char *r = xstrdup(copy.s);

		str_free(&copy);
		return r;
	}
}

/* check_body - whole, byte-by-byte and every two-chunk split agree */
static void
check_body(enum canon_alg a, const char *in, const char *want)
{
	unsigned char d0[32], d1[32], want_d[32];
	size_t n = strlen(in), k;
	unsigned int dl;
	char *s;

	s = body_canon(a, in, n, 0, d0);
	assert_string_equal(s, want);
	free(s);
	EVP_Digest(want, strlen(want), want_d, &dl, EVP_sha256(), NULL);
	assert_memory_equal(d0, want_d, 32);
	s = body_canon(a, in, n, 1, d1);
	assert_string_equal(s, want);
	assert_memory_equal(d0, d1, 32);
	free(s);
	for (k = 1; k < n; k++) {
		struct canon_body *cb = canon_body_new(a);

		canon_body_update(cb, (const unsigned char *)in, k);
		canon_body_update(cb, (const unsigned char *)in + k, n - k);
		assert_int_equal(canon_body_final(cb, d1), 0);
		assert_memory_equal(d0, d1, 32);
		canon_body_free(cb);
	}
}

static void
test_rfc_example_headers(void **state)
{
	struct str o;

	(void)state;
	str_init(&o);
	canon_header(CANON_RELAXED, "A", " X", &o);
	canon_header(CANON_RELAXED, "B ", " Y\t\r\n\tZ  ", &o);
	assert_string_equal(o.s, "a:X\r\nb:Y Z\r\n");
	str_reset(&o);
	canon_header(CANON_SIMPLE, "A", " X", &o);
	canon_header(CANON_SIMPLE, "B ", " Y\t\r\n\tZ  ", &o);
	assert_string_equal(o.s, "A: X\r\nB : Y\t\r\n\tZ  \r\n");
	str_free(&o);
}

static void
test_header_milter_forms(void **state)
{
	struct str o;

	(void)state;
	str_init(&o);
	/* leading space stripped by the milter protocol, bare LF folding */
	canon_header(CANON_SIMPLE, "Subject", "hello\n\tworld", &o);
	assert_string_equal(o.s, "Subject: hello\r\n\tworld\r\n");
	str_reset(&o);
	canon_header(CANON_RELAXED, "SUBJECT", "  hello \n\t world  ", &o);
	assert_string_equal(o.s, "subject:hello world\r\n");
	str_reset(&o);
	canon_header(CANON_RELAXED, "X-Empty", "", &o);
	assert_string_equal(o.s, "x-empty:\r\n");
	str_reset(&o);
	canon_header(CANON_SIMPLE, "X-Empty", "", &o);
	assert_string_equal(o.s, "X-Empty:\r\n");
	str_reset(&o);
	canon_header_nocrlf(CANON_RELAXED, "DKIM-Signature",
	    " v=1;\r\n\tb=", &o);
	assert_string_equal(o.s, "dkim-signature:v=1; b=");
	str_free(&o);
}

static void
test_rfc_example_body(void **state)
{
	(void)state;
	check_body(CANON_RELAXED, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n");
	check_body(CANON_SIMPLE, " C \r\nD \t E\r\n\r\n\r\n",
	    " C \r\nD \t E\r\n");
}

static void
test_empty_body(void **state)
{
	unsigned char d[32];
	char *s;

	(void)state;
	check_body(CANON_SIMPLE, "", "\r\n");
	check_body(CANON_RELAXED, "", "");
	check_body(CANON_SIMPLE, "\r\n\r\n", "\r\n");
	check_body(CANON_RELAXED, "\r\n \r\n\t\r\n", "");
	/* the well-known digests of the empty bodies */
	s = body_canon(CANON_SIMPLE, "", 0, 0, d);
	free(s);
	{
		unsigned char b64[64];

		EVP_EncodeBlock(b64, d, 32);
		assert_string_equal((char *)b64,
		    "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
		s = body_canon(CANON_RELAXED, "", 0, 0, d);
		free(s);
		EVP_EncodeBlock(b64, d, 32);
		assert_string_equal((char *)b64,
		    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	}
}

static void
test_trailing_lines(void **state)
{
	(void)state;
	check_body(CANON_SIMPLE, "a\r\n\r\n\r\n", "a\r\n");
	check_body(CANON_SIMPLE, "a\r\n\r\nb\r\n\r\n", "a\r\n\r\nb\r\n");
	check_body(CANON_RELAXED, "a \r\n  \r\n\t\r\n", "a\r\n");
	check_body(CANON_RELAXED, "a\r\n \r\nb", "a\r\n\r\nb\r\n");
	/* simple keeps white-space-only lines: they are not empty */
	check_body(CANON_SIMPLE, "a\r\n \r\n\r\n", "a\r\n \r\n");
}

static void
test_line_ends(void **state)
{
	(void)state;
	check_body(CANON_SIMPLE, "a\nb\n\n", "a\r\nb\r\n");
	check_body(CANON_RELAXED, "a  b\n\t c \n", "a b\r\n c\r\n");
	check_body(CANON_SIMPLE, "no newline", "no newline\r\n");
	check_body(CANON_RELAXED, "no newline   ", "no newline\r\n");
	/* a bare CR is data, also at the very end */
	check_body(CANON_SIMPLE, "a\rb\r\n", "a\rb\r\n");
	check_body(CANON_SIMPLE, "a\r", "a\r\r\n");
	check_body(CANON_SIMPLE, "\r\r\n", "\r\r\n");
	check_body(CANON_RELAXED, "a \r b\r\n", "a \r b\r\n");
}

static void
test_large_body(void **state)
{
	char *big = malloc(100000), *want = malloc(200000);
	size_t i, w = 0;

	(void)state;
	for (i = 0; i < 100000; i++) {
		big[i] = (i % 61 == 60) ? '\n' : (char)('a' + i % 26);
		if (big[i] == '\n')
			want[w++] = '\r';
		want[w++] = big[i];
	}
	big[99999] = '\0';
	w = 0;
	for (i = 0; i < 99999; i++) {
		if (big[i] == '\n')
			want[w++] = '\r';
		want[w++] = big[i];
	}
	want[w++] = '\r';
	want[w++] = '\n';
	want[w] = '\0';
	{
		unsigned char d0[32], d1[32];
		char *s0 = body_canon(CANON_SIMPLE, big, 99999, 0, d0);
		char *s1 = body_canon(CANON_SIMPLE, big, 99999, 4093, d1);

		assert_string_equal(s0, want);
		assert_memory_equal(d0, d1, 32);
		free(s0);
		free(s1);
	}
	free(big);
	free(want);
}

static void
test_parse(void **state)
{
	enum canon_alg a;

	(void)state;
	assert_int_equal(canon_parse("Relaxed", &a), 0);
	assert_int_equal(a, CANON_RELAXED);
	assert_int_equal(canon_parse("simple", &a), 0);
	assert_int_equal(a, CANON_SIMPLE);
	assert_int_equal(canon_parse("nofws", &a), -1);
	assert_string_equal(canon_name(CANON_RELAXED), "relaxed");
}

/* test_long_line - 16 MB without a line break, fed in 64 KB chunks: the
 * digest is that of the bytes and one CRLF, in both algorithms, and the
 * canonicaliser holds nothing but its fixed-size state */
static void
test_long_line(void **state)
{
	static unsigned char chunk[65536];
	const size_t total = 16UL * 1024 * 1024;
	unsigned char got[CANON_DIGEST_LEN], want[CANON_DIGEST_LEN];
	unsigned int wl = 0;

	(void)state;
	memset(chunk, 'z', sizeof(chunk));
	for (int a = CANON_SIMPLE; a <= CANON_RELAXED; a++) {
		struct canon_body *cb = canon_body_new((enum canon_alg)a);
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
		for (size_t k = 0; k < total; k += sizeof(chunk)) {
			canon_body_update(cb, chunk, sizeof(chunk));
			EVP_DigestUpdate(md, chunk, sizeof(chunk));
		}
		EVP_DigestUpdate(md, "\r\n", 2);
		assert_int_equal(canon_body_final(cb, got), 0);
		assert_int_equal(EVP_DigestFinal_ex(md, want, &wl), 1);
		assert_memory_equal(got, want, sizeof(got));
		assert_int_equal(canon_body_length(cb), total + 2);
		canon_body_free(cb);
		EVP_MD_CTX_free(md);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_example_headers),
		cmocka_unit_test(test_header_milter_forms),
		cmocka_unit_test(test_rfc_example_body),
		cmocka_unit_test(test_empty_body),
		cmocka_unit_test(test_trailing_lines),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_large_body),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
