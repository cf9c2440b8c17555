/*
 * fuzz_dkim_canon.c - fuzz target: DKIM canonicalisation (dkim_canon.c,
 * used by the signer): header fields, simple and relaxed, and the body
 * digest, streamed in fuzzer-chosen chunks.
 *
 * Input: byte 0 selects the algorithms (bit 0 header relaxed, bit 1 body
 * relaxed), bytes 1-4 the chunk sizes, then text: a header block
 * ("Name: value" lines, folded lines continue a field), a line "%%", the
 * body (bytes as the MTA hands them, CRLF or bare LF).
 *
 * Invariants (RFC 6376 3.4): every header form ends in CRLF and has no
 * other bare line end; relaxed has a lower-case name, no white space run
 * or trailing white space, and relaxing twice changes nothing.  The body
 * digest and the canonical bytes do not depend on how the body is
 * chunked; the digest is the SHA-256 of those bytes; the bytes are whole
 * CRLF lines without trailing empty lines (simple: an empty body is one
 * CRLF; relaxed: no white space before a line end or twice in a row).
 */
#include <openssl/evp.h>

#include "dkim_canon.h"
#include "fuzz.h"
#include "fuzz_msg.h"
#include "str.h"

#define NCTL 5

/* lines_ok - every LF follows a CR; ends with CRLF unless empty */
static int
lines_ok(const char *s, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (s[k] == '\n' && (k == 0 || s[k - 1] != '\r'))
			return 0;
	return n == 0 || (n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n');
}

/* check_relaxed_hdr - the relaxed form of one field */
static void
check_relaxed_hdr(const struct str *o)
{
	const char *colon = memchr(o->s, ':', o->len), *p;
	struct str again;

	FUZZ_CHECK(colon != NULL);
	for (p = o->s; p < colon; p++)
		FUZZ_CHECK(!(*p >= 'A' && *p <= 'Z') && *p != ' ' &&
		    *p != '\t');
	for (p = colon + 1; p < o->s + o->len - 2; p++) {
		FUZZ_CHECK(*p != '\t' && *p != '\n');
		FUZZ_CHECK(!(*p == ' ' && (p == colon + 1 || p[1] == ' ' ||
		    p + 1 == o->s + o->len - 2)));
	}
	/* relaxing the relaxed form again changes nothing */
	str_init(&again);
	{
		char *copy = xstrndup(o->s, o->len - 2);

		copy[colon - o->s] = '\0';
		canon_header(CANON_RELAXED, copy, copy + (colon - o->s) + 1,
		    &again);
		free(copy);
	}
	FUZZ_CHECK(again.len == o->len && memcmp(again.s, o->s, o->len) == 0);
	str_free(&again);
}

/* one_header - canonicalise one field both ways and check */
static void
one_header(char *name, char *value, void *arg)
{
	enum canon_alg alg = *(const enum canon_alg *)arg;
	struct str a, b;

	str_init(&a);
	str_init(&b);
	canon_header(alg, name, value, &a);
	canon_header_nocrlf(alg, name, value, &b);
	str_add(&b, "\r\n");
	FUZZ_CHECK(a.len == b.len && memcmp(a.s, b.s, a.len) == 0);
	FUZZ_CHECK(a.len >= 2 && lines_ok(a.s, a.len));
	if (alg == CANON_RELAXED && strchr(name, '\r') == NULL)
		check_relaxed_hdr(&a);
	str_reset(&a);
	canon_header_exact(alg, name, value, &a);
	FUZZ_CHECK(a.len >= 2 && lines_ok(a.s, a.len));
	str_free(&a);
	str_free(&b);
}

/* digest - the body in chunks of the sizes in ctl (0: all at once) */
static void
digest(enum canon_alg alg, const unsigned char *p, size_t n,
    const uint8_t *ctl, unsigned char *dg, struct str *copy)
{
	struct canon_body *cb = canon_body_new(alg);
	size_t off = 0, k = 0, c;

	canon_body_capture(cb, copy);
	while (off < n) {
		c = ctl != NULL ? (size_t)ctl[k++ % 4] + 1 : n - off;
		if (c > n - off)
			c = n - off;
		canon_body_update(cb, p + off, c);
		off += c;
	}
	FUZZ_CHECK(canon_body_final(cb, dg) == 0);
	FUZZ_CHECK(canon_body_length(cb) == copy->len);
	FUZZ_CHECK(canon_body_alg(cb) == alg);
	canon_body_free(cb);
}

/* check_body - chunking-independence and the shape of the canonical body */
static void
check_body(enum canon_alg alg, const unsigned char *p, size_t n,
    const uint8_t *ctl)
{
	unsigned char d1[CANON_DIGEST_LEN], d2[CANON_DIGEST_LEN];
	unsigned char d3[EVP_MAX_MD_SIZE];
	unsigned int l3 = 0;
	struct str c1, c2;

	str_init(&c1);
	str_init(&c2);
	digest(alg, p, n, NULL, d1, &c1);
	digest(alg, p, n, ctl, d2, &c2);
	FUZZ_CHECK(memcmp(d1, d2, sizeof(d1)) == 0);
	FUZZ_CHECK(c1.len == c2.len && memcmp(c1.s, c2.s, c1.len) == 0);
	FUZZ_CHECK(EVP_Digest(c1.s, c1.len, d3, &l3, EVP_sha256(), NULL) == 1);
	FUZZ_CHECK(l3 == CANON_DIGEST_LEN && memcmp(d1, d3, l3) == 0);
	FUZZ_CHECK(lines_ok(c1.s, c1.len));
	if (alg == CANON_SIMPLE)
		FUZZ_CHECK(c1.len >= 2);
	if (c1.len >= 4)
		FUZZ_CHECK(memcmp(c1.s + c1.len - 4, "\r\n\r\n", 4) != 0);
	for (size_t k = 0; alg == CANON_RELAXED && k < c1.len; k++) {
		FUZZ_CHECK(c1.s[k] != '\t');
		if (c1.s[k] == ' ' && k + 2 < c1.len)
			FUZZ_CHECK(c1.s[k + 1] != ' ' && !(c1.s[k + 1] ==
			    '\r' && c1.s[k + 2] == '\n'));
	}
	str_free(&c1);
	str_free(&c2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum canon_alg halg, balg;
	char *s, *p, *hdrs;
	const uint8_t *body;
	size_t blen;

	if (size < NCTL || size > 65536)
		return 0;
	halg = (data[0] & 1) ? CANON_RELAXED : CANON_SIMPLE;
	balg = (data[0] & 2) ? CANON_RELAXED : CANON_SIMPLE;
	s = p = fuzz_cstr(data + NCTL, size - NCTL);
	hdrs = fuzz_cut(&p, 1);
	fuzz_headers(hdrs, one_header, &halg);
	/* the body as bytes (NULs included), after the "%%" line */
	body = p != NULL ? data + NCTL + (size_t)(p - s) : data + size;
	blen = (size_t)(data + size - body);
	check_body(balg, body, blen, data + 1);
	free(s);
	return 0;
}
