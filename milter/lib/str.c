/*
 * str.c - allocation that never returns NULL, the growable string, safe
 * number parsing and ASCII helpers.  See str.h for the contract.
 *
 * Thread-safe: no shared state.  Allocation failure aborts the process
 * after writing one line to stderr (see str.h for why).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

/* oom - report and abort: nothing sensible can continue */
static void
oom(size_t n)
{
	fprintf(stderr, "hallmark: out of memory (%zu bytes)\n", n);
	abort();
}

/* xmalloc - malloc or die */
void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

/* xcalloc - calloc or die */
void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		oom(nmemb * size);
	return p;
}

/* xrealloc - realloc or die */
void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

/* xmemdup0 - n bytes and a NUL, or die */
void *
xmemdup0(const void *p, size_t n)
{
	unsigned char *q;

	if (n == SIZE_MAX)
		oom(n);
	q = xmalloc(n + 1);
	if (n > 0)
		memcpy(q, p, n);
	q[n] = '\0';
	return q;
}

/* xstrdup - strdup or die */
char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* xstrndup - copy at most n bytes, NUL-terminate */
char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* xasprintf - formatted allocation */
char *
xasprintf(const char *fmt, ...)
{
	struct str b;
	va_list ap;

	str_init(&b);
	va_start(ap, fmt);
	str_vaddf(&b, fmt, ap);
	va_end(ap);
	return b.s;
}

/* str_init - empty string with a small buffer */
void
str_init(struct str *b)
{
	b->cap = 64;
	b->len = 0;
	b->s = xmalloc(b->cap);
	b->s[0] = '\0';
}

/* str_free - release the buffer */
void
str_free(struct str *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

/* str_reset - empty, keep the buffer */
void
str_reset(struct str *b)
{
	b->len = 0;
	if (b->s != NULL)
		b->s[0] = '\0';
}

/* grow - make room for n more bytes plus the NUL */
static void
grow(struct str *b, size_t n)
{
	size_t need;

	if (n > SIZE_MAX / 2 - b->len)
		oom(n);
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	if (b->cap == 0)	/* emptied by str_steal or str_free */
		b->cap = 64;
	while (b->cap < need)
		b->cap *= 2;
	b->s = xrealloc(b->s, b->cap);
}

/* str_addn - append n bytes */
void
str_addn(struct str *b, const char *p, size_t n)
{
	grow(b, n);
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* str_add - append a C string */
void
str_add(struct str *b, const char *p)
{
	str_addn(b, p, strlen(p));
}

/* str_addc - append one byte */
void
str_addc(struct str *b, char c)
{
	str_addn(b, &c, 1);
}

/* str_vaddf - append formatted text */
void
str_vaddf(struct str *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	if (b->s == NULL)
		grow(b, 0);
	va_copy(ap2, ap);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		grow(b, (size_t)n);
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

/* str_addf - append formatted text */
void
str_addf(struct str *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	str_vaddf(b, fmt, ap);
	va_end(ap);
}

/* str_steal - hand the buffer to the caller; b keeps no buffer (str_free
 * on it is a no-op, appending starts a new one) */
char *
str_steal(struct str *b)
{
	char *s = b->s != NULL ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

/* str_parse_u64 - strict decimal: digits only, no sign, no overflow */
int
str_parse_u64(const char *p, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d;

		if (p[i] < '0' || p[i] > '9')
			return -1;
		d = (unsigned)(p[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* lc - ASCII lower case */
static int
lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* str_casecmp - ASCII case-insensitive compare */
int
str_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int d = lc((unsigned char)*a) - lc((unsigned char)*b);

		if (d != 0 || *a == '\0')
			return d;
	}
}

/* str_ncasecmp - bounded ASCII case-insensitive compare */
int
str_ncasecmp(const char *a, const char *b, size_t n)
{
	for (; n > 0; n--, a++, b++) {
		int d = lc((unsigned char)*a) - lc((unsigned char)*b);

		if (d != 0 || *a == '\0')
			return d;
	}
	return 0;
}

/* str_lower - ASCII lower-case in place */
void
str_lower(char *s)
{
	for (; *s; s++)
		*s = (char)lc((unsigned char)*s);
}

/* is_ws - SP, HTAB, CR, LF */
static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* str_strip - trim white space at both ends, in place */
char *
str_strip(char *s)
{
	size_t n;

	while (is_ws(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_ws(s[n - 1]))
		s[--n] = '\0';
	return s;
}

void
str_add_json(struct str *b, const char *s)
{
	str_addc(b, '"');
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			str_addf(b, "\\%c", ch);
		else if (ch == '\n')
			str_add(b, "\\n");
		else if (ch < 0x20 || ch == 0x7f)
			str_addf(b, "\\u%04x", ch);
		else
			str_addc(b, (char)ch);
	}
	str_addc(b, '"');
}

/* str_wipe_free - wipe then free */
void
str_wipe_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	explicit_bzero(p, n);
	free(p);
}

/* str_seterr - format into err; -1 */
int
str_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}
