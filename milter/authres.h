/*
 * authres.h - the Authentication-Results header (RFC 8601): collect the
 * results of one message, format the header, and recognise existing A-R
 * headers that claim our authserv-id (forgeries, removed last to first).
 *
 * authres_authserv_id() is a pure parser of untrusted header text (fuzzed).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_AUTHRES_H
#define HALLMARK_AUTHRES_H

#include <stddef.h>

struct ar_entry {
	char *method;		/* "spf", "dkim", "dmarc", ... */
	char *result;		/* "pass", "fail", ... */
	char *comment;		/* reason, without parentheses, or NULL */
	char *props;		/* "smtp.mailfrom=a@b header.d=..." or NULL */
};

struct ar_list {
	size_t n;
	struct ar_entry *v;
};

/* authres_add - append one result; strings copied; NULLs allowed for
 * comment and props.  The comment is hallmark's own words; untrusted
 * text in it must be put last, in double quotes: from the first quote on
 * it is reduced to a short excerpt that cannot read as a result
 * (authres_comment).  Properties are sanitised likewise (authres.c). */
void authres_add(struct ar_list *l, const char *method, const char *result,
    const char *comment, const char *props);
void authres_free(struct ar_list *l);

/* authres_comment - the comment text as it goes into the header: words
 * without ';', parentheses, backslashes or quotes; after the first
 * double quote an excerpt of at most 40 characters without ';', '=',
 * quotes, parentheses or control bytes.  NULL when nothing is left;
 * else the caller frees. */
char *authres_comment(const char *s);

/* authres_format - the header value (without "Authentication-Results:"),
 * folded for readability; "none" when the list is empty.  Caller frees. */
char *authres_format(const char *authserv_id, const struct ar_list *l);

/*
 * authres_authserv_id - extract the authserv-id of an A-R header value
 * (CFWS and comments skipped, RFC 8601 section 2.2) into out (lowercase).
 * Returns 0, or -1 when none can be found (then the header does not claim
 * our id).
 */
int authres_authserv_id(const char *value, char *out, size_t outlen);

/* authres_claims - does this A-R value claim authserv_id (case-insensitive) */
int authres_claims(const char *value, const char *authserv_id);

#endif
