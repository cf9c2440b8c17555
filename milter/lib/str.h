/*
 * str.h - allocation that never returns NULL, a bounded dynamic string, and
 * safe number parsing: the replacements for the banned libc functions
 * (strcpy, strcat, sprintf, atoi, strtok, ...).
 *
 * x*alloc() abort the process with a message when memory is exhausted (a
 * milter that cannot allocate cannot give a verdict either; libmilter's
 * MTA side then applies its default action).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_STR_H
#define HALLMARK_STR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xmemdup0 - copy of n bytes (NULs allowed) with a NUL added after them */
void *xmemdup0(const void *p, size_t n);
char *xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* growable NUL-terminated string; s is never NULL after str_init */
struct str {
	char *s;
	size_t len;
	size_t cap;
};

void str_init(struct str *b);
void str_free(struct str *b);
void str_reset(struct str *b);			/* len = 0, keep memory */
void str_addn(struct str *b, const char *p, size_t n);
void str_add(struct str *b, const char *p);
void str_addc(struct str *b, char c);
void str_addf(struct str *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void str_vaddf(struct str *b, const char *fmt, va_list ap);
char *str_steal(struct str *b);			/* hand over s; b left empty, no buffer */

/* str_add_json - s as a JSON string literal, quotes included (NULL: ""):
 * '"' and '\\' escaped, newline as \n, other control characters and DEL
 * as \u00XX; other bytes as they are */
void str_add_json(struct str *b, const char *s);

/* str_parse_u64 - whole string [p, p+n) is a decimal number <= max */
int str_parse_u64(const char *p, size_t n, uint64_t max, uint64_t *out);

/* ASCII-only helpers, independent of locale */
int str_casecmp(const char *a, const char *b);
int str_ncasecmp(const char *a, const char *b, size_t n);
void str_lower(char *s);
/* str_strip - trim ASCII white space (SP, HTAB, CR, LF) both ends, in place */
char *str_strip(char *s);

/* str_seterr - format a message into err (if err is not NULL and errlen
 * > 0); always returns -1, so that "return str_seterr(...)" reports a
 * failure in one line.  %m works (errno is read before anything changes it) */
int str_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* str_wipe - overwrite secret memory (not optimised away) and free it */
void str_wipe_free(void *p, size_t n);

#endif
