/*
 * b64.c - base64 encoding and decoding (b64.h).  White space is skipped
 * on input because DKIM folds b=, bh= and p= values; nothing else is
 * tolerated.  Pure.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "str.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* value - the 6-bit value of a base64 letter, or -1 */
static int
value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	return c == '/' ? 63 : -1;
}

/* is_space - white space a folded value may hold */
static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

/* b64_encode - see b64.h */
char *
b64_encode(const unsigned char *p, size_t n)
{
	char *o = xmalloc(4 * ((n + 2) / 3) + 1), *q = o;
	unsigned long v;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 |
		    p[i + 2];
		*q++ = alphabet[v >> 18 & 63];
		*q++ = alphabet[v >> 12 & 63];
		*q++ = alphabet[v >> 6 & 63];
		*q++ = alphabet[v & 63];
	}
	if (i < n) {
		v = (unsigned long)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)p[i + 1] << 8;
		*q++ = alphabet[v >> 18 & 63];
		*q++ = alphabet[v >> 12 & 63];
		*q++ = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		*q++ = '=';
	}
	*q = '\0';
	return o;
}

/* scan - the letters of s[0..len) without white space into clean (may
 * be NULL); their count, or -1 when s is not base64; *pad: '=' seen */
static long
scan(const char *s, size_t len, char *clean, size_t *pad)
{
	size_t i, n = 0;

	*pad = 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_space(c))
			continue;
		if (c == '=')
			(*pad)++;
		else if (*pad > 0 || value(c) < 0)
			return -1;
		if (clean != NULL)
			clean[n] = (char)c;
		n++;
	}
	return *pad <= 2 ? (long)n : -1;
}

/* b64_valid - see b64.h */
int
b64_valid(const char *s, size_t len)
{
	size_t pad;

	return scan(s, len, NULL, &pad) >= 0;
}

/* b64_decode - see b64.h */
int
b64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	char *clean = xmalloc(len + 1);
	size_t pad, i, o = 0;
	long n = scan(s, len, clean, &pad);
	unsigned long v;

	*out = NULL;
	*outlen = 0;
	if (n <= 0 || n % 4 != 0) {
		free(clean);
		return n == 0 ? 0 : -1;
	}
	*out = xmalloc((size_t)n / 4 * 3);
	for (i = 0; i < (size_t)n; i += 4) {
		v = 0;
		for (int k = 0; k < 4; k++)
			v = v << 6 |
			    (unsigned long)(clean[i + k] == '=' ?
				    0 :
				    value((unsigned char)clean[i + k]));
		(*out)[o++] = (unsigned char)(v >> 16);
		(*out)[o++] = (unsigned char)(v >> 8);
		(*out)[o++] = (unsigned char)v;
	}
	*outlen = o - pad;
	free(clean);
	return 0;
}
