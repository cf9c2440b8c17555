/*
 * authres.c - Authentication-Results (RFC 8601): the per-message list of
 * results, the header value hallmark adds, and the parser that finds the
 * authserv-id of an existing A-R header (to remove forgeries of ours).
 *
 * Pure: no I/O, no logging.  Every comment and property goes through one
 * sanitiser here, so that no caller can put into our header text that a
 * reader takes for a result of ours.  A comment is hallmark's own words
 * up to its first double quote; what follows is an excerpt of untrusted
 * text (callers quote what they did not write: a From field, a record).
 * Words keep printable ASCII but lose ';' (a reader that splits on it
 * would start a new result: ',' instead), parentheses ('[' and ']'
 * instead), backslashes and quotes, and the '=' of anything that reads
 * as a result or a property ("dmarc=", "header.from=": a method name of
 * RFC 8601's registry, or a name with a dot, becomes "dmarc " - words
 * may carry a name from DNS, e.g. an SPF mechanism); hallmark's own
 * "p=reject dis=none" stays.  The excerpt keeps only what cannot form a result or a property (no ';',
 * '=', quotes, parentheses, backslashes, control or 8-bit bytes) and at
 * most AR_EXCERPT_MAX characters.  Properties lose ';' and parentheses.
 * Method and result names are hallmark's own.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "str.h"

#define AR_EXCERPT_MAX 40  /* characters of untrusted text kept */
#define AR_COMMENT_MAX 200 /* characters of a whole comment */

/* key_char - a character of a method, ptype or property name */
static int
key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* reads_as_result - the name before an '=' (at the end of b) is a method
 * name or a ptype.property: the '=' would make it read as a result */
static int
reads_as_result(const struct str *b)
{
	static const char *const methods[] = { "arc", "auth", "bimi", "dkim",
		"dkim-adsp", "dkim-atps", "dmarc", "dnswl", "domainkeys",
		"iprev", "reason", "rrvs", "sender-id", "smime", "spf", "vbr",
		NULL };
	size_t start = b->len, i;

	while (start > 0 && key_char(b->s[start - 1]))
		start--;
	if (memchr(b->s + start, '.', b->len - start) != NULL ||
	    (b->len - start > 2 && str_ncasecmp(b->s + start, "x-", 2) == 0))
		return 1;
	for (i = 0; methods[i] != NULL; i++)
		if (strlen(methods[i]) == b->len - start &&
		    str_ncasecmp(b->s + start, methods[i], b->len - start) == 0)
			return 1;
	return 0;
}

/* word_char - c as it may stay in hallmark's own words, or 0 to drop */
static char
word_char(unsigned char c)
{
	if (c == '\r' || c == '\n' || c == '\t')
		return ' ';
	if (c < 0x20 || c >= 0x7f)
		return '?';
	if (c == ';')
		return ',';
	if (c == '(' || c == ')')
		return c == '(' ? '[' : ']';
	if (c == '\\' || c == '"')
		return 0;
	return (char)c;
}

/* excerpt_char - c as it may stay in an untrusted excerpt, or ' ' */
static char
excerpt_char(unsigned char c)
{
	if (c < 0x20 || c >= 0x7f || strchr(";=\"'()\\`", c) != NULL)
		return ' ';
	return (char)c;
}

/* add_excerpt - s (untrusted) into b: spaces collapsed, length-limited */
static void
add_excerpt(struct str *b, const char *s)
{
	size_t kept = 0;
	char c;

	for (; *s != '\0' && b->len < AR_COMMENT_MAX; s++) {
		c = excerpt_char((unsigned char)*s);
		if (c == ' ' && (b->len == 0 || b->s[b->len - 1] == ' '))
			continue;
		if (kept++ == AR_EXCERPT_MAX) {
			while (b->len > 0 && b->s[b->len - 1] == ' ')
				b->s[--b->len] = '\0';
			str_add(b, "...");
			return;
		}
		str_addc(b, c);
	}
}

/* authres_comment - see authres.h */
char *
authres_comment(const char *s)
{
	struct str b;
	char c;

	if (s == NULL || *s == '\0')
		return NULL;
	str_init(&b);
	for (; *s != '\0' && *s != '"' && b.len < AR_COMMENT_MAX; s++) {
		if ((c = word_char((unsigned char)*s)) == 0)
			continue;
		if (c == '=' && reads_as_result(&b))
			c = ' ';
		str_addc(&b, c);
	}
	if (*s == '"')
		add_excerpt(&b, s + 1);
	while (b.len > 0 && b.s[b.len - 1] == ' ')
		b.s[--b.len] = '\0';
	if (b.len == 0) {
		str_free(&b);
		return NULL;
	}
	return b.s;
}

/* clean - a property list or a name: printable ASCII; no ';' or
 * parentheses (they would end the result or open a comment that swallows
 * the rest of the header).  Values are built by the callers (quoted
 * where they need it: spf_prop_address). */
static char *
clean(const char *s)
{
	char *o, *p;

	if (s == NULL)
		return NULL;
	o = p = xmalloc(strlen(s) + 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		if (c < 0x20 || c >= 0x7f || strchr(";()", c) != NULL)
			c = '?';
		*p++ = (char)c;
	}
	*p = '\0';
	return o;
}

/* authres_add - append one result */
void
authres_add(struct ar_list *l, const char *method, const char *result,
    const char *comment, const char *props)
{
	struct ar_entry *e;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	e = &l->v[l->n++];
	e->method = clean(method);
	e->result = clean(result);
	e->comment = authres_comment(comment);
	e->props = props && *props ? clean(props) : NULL;
}

/* authres_free - free all entries */
void
authres_free(struct ar_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].method);
		free(l->v[i].result);
		free(l->v[i].comment);
		free(l->v[i].props);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* authres_format - "id;\n\tspf=pass (c) smtp.mailfrom=x;\n\tdkim=..." */
char *
authres_format(const char *authserv_id, const struct ar_list *l)
{
	struct str b;
	size_t i;

	str_init(&b);
	str_add(&b, authserv_id);
	if (l->n == 0) {
		str_add(&b, "; none");
		return b.s;
	}
	for (i = 0; i < l->n; i++) {
		const struct ar_entry *e = &l->v[i];

		str_addf(&b, ";\n\t%s=%s", e->method, e->result);
		if (e->comment != NULL)
			str_addf(&b, " (%s)", e->comment);
		if (e->props != NULL)
			str_addf(&b, " %s", e->props);
	}
	return b.s;
}

/* skip_cfws - white space and (nested (comments)); NULL if unterminated */
static const char *
skip_cfws(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (depth > 0 && *p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == '(') {
			depth++;
			continue;
		}
		if (*p == ')' && depth > 0) {
			depth--;
			continue;
		}
		if (depth > 0 || *p == ' ' || *p == '\t' || *p == '\r' ||
		    *p == '\n')
			continue;
		return p;
	}
	return depth > 0 ? NULL : p;
}

/* is_token_end - end of an RFC 2045 token in the authserv-id position */
static int
is_token_end(char c)
{
	return c == '\0' || c == ';' || c == '(' || c == ' ' || c == '\t' ||
	    c == '\r' || c == '\n' || c == '"';
}

/* authres_authserv_id - the first value after CFWS, lower-cased */
int
authres_authserv_id(const char *value, char *out, size_t outlen)
{
	const char *p = skip_cfws(value);
	size_t o = 0;

	if (p == NULL || *p == '\0' || *p == ';' || outlen == 0)
		return -1;
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\0')
				return -1;
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (o + 1 >= outlen)
				return -1;
			out[o++] = *p;
		}
	} else {
		for (; !is_token_end(*p); p++) {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	str_lower(out);
	return o > 0 ? 0 : -1;
}

/* authres_claims - the header's authserv-id equals ours */
int
authres_claims(const char *value, const char *authserv_id)
{
	char id[512];

	if (authres_authserv_id(value, id, sizeof(id)) < 0)
		return 0;
	return str_casecmp(id, authserv_id) == 0;
}
