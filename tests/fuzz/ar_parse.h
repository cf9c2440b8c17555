/*
 * ar_parse.h - a parser of Authentication-Results header values (RFC 8601
 * section 2.2), written for the tests and independent of milter/authres.c:
 * the authserv-id, the optional version, then "none" or the resinfo list
 * (method[/version]=result, an optional reason=, ptype.property=pvalue
 * properties), with comments (nested, quoted-pairs) and folding white
 * space wherever CFWS is allowed.  The fuzz target and the unit tests use
 * it to check that what hallmark writes reads back as exactly the results
 * hallmark decided, whatever untrusted text went into its comments.
 *
 * One leniency, for what real headers carry: a pvalue is any run of token
 * characters and atext, '.', '@' and ':' (a dot-atom local-part holds
 * '=' and '/'; base64 header.b prefixes '/'; IPv6 addresses ':').
 *
 * Header-only (static functions); pure; no allocation.
 */
#ifndef HALLMARK_AR_PARSE_H
#define HALLMARK_AR_PARSE_H

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#define ARP_MAX 16

struct arp_res {
	char method[32];
	char result[32];
	unsigned nprops;
};

struct arp {
	char id[256];
	int none; /* "; none" */
	size_t n;
	struct arp_res r[ARP_MAX];
	const char *err; /* where parsing stopped, on error */
};

/* arp_cfws - skip folding white space and nested comments; NULL if a
 * comment is not closed */
static const char *
arp_cfws(const char *p)
{
	int depth = 0;

	for (;; p++) {
		if (*p == '\0')
			return depth == 0 ? p : NULL;
		if (depth > 0 && *p == '\\') {
			if (p[1] == '\0')
				return NULL;
			p++;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')') {
			if (depth == 0)
				return p;
			depth--;
		} else if (depth == 0 && *p != ' ' && *p != '\t' &&
		    *p != '\r' && *p != '\n') {
			return p;
		}
	}
}

/* arp_tspecial - RFC 2045 tspecials */
static int
arp_tspecial(char c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* arp_tokch - a token character */
static int
arp_tokch(char c)
{
	return c > ' ' && c < 0x7f && !arp_tspecial(c);
}

/* arp_keyword - ldh-str into out (may be NULL); end, or NULL */
static const char *
arp_keyword(const char *p, char *out, size_t n)
{
	size_t i = 0;

	if (!isalnum((unsigned char)*p))
		return NULL;
	while (isalnum((unsigned char)p[i]) || p[i] == '-') {
		if (out != NULL && i + 1 < n)
			out[i] = (char)tolower((unsigned char)p[i]);
		i++;
	}
	if (p[i - 1] == '-')
		return NULL;
	if (out != NULL)
		out[i < n ? i : n - 1] = '\0';
	return p + i;
}

/* arp_quoted - a quoted-string at p; end, or NULL */
static const char *
arp_quoted(const char *p)
{
	if (*p != '"')
		return NULL;
	for (p++; *p != '"'; p++) {
		if (*p == '\0' || *p == '\r' || *p == '\n')
			return NULL;
		if (*p == '\\' && *++p == '\0')
			return NULL;
	}
	return p + 1;
}

/* arp_value - token or quoted-string; end, or NULL */
static const char *
arp_value(const char *p, char *out, size_t n)
{
	const char *s = p;

	if (*p == '"')
		p = arp_quoted(p);
	else
		while (arp_tokch(*p))
			p++;
	if (p == NULL || p == s)
		return NULL;
	if (out != NULL && n > 0) {
		size_t l = (size_t)(p - s) < n - 1 ? (size_t)(p - s) : n - 1;
		memcpy(out, s, l);
		out[l] = '\0';
	}
	return p;
}

/* arp_atext - RFC 5322 atext, '.', '@' (a local-part@domain) or, for
 * what real headers carry, ':' */
static int
arp_atext(char c)
{
	return isalnum((unsigned char)c) ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.@:", c) != NULL);
}

/* arp_pvalue - value, or [local-part] "@" domain (leniently) */
static const char *
arp_pvalue(const char *p)
{
	const char *s = p;

	if (*p == '"') {
		if ((p = arp_quoted(p)) == NULL)
			return NULL;
		if (*p != '@')
			return p;
	}
	while (arp_tokch(*p) || arp_atext(*p))
		p++;
	return p == s ? NULL : p;
}

/* arp_expect - CFWS then the character c; the position after, or NULL */
static const char *
arp_expect(const char *p, char c)
{
	if ((p = arp_cfws(p)) == NULL || *p != c)
		return NULL;
	return p + 1;
}

/* arp_prop - ptype.property=pvalue, or reason=value; end, or NULL */
static const char *
arp_prop(const char *p, int *is_reason)
{
	char kw[32];

	if ((p = arp_keyword(p, kw, sizeof(kw))) == NULL)
		return NULL;
	*is_reason = strcmp(kw, "reason") == 0;
	if (*is_reason) {
		if ((p = arp_expect(p, '=')) == NULL ||
		    (p = arp_cfws(p)) == NULL)
			return NULL;
		return arp_value(p, NULL, 0);
	}
	if ((p = arp_expect(p, '.')) == NULL || (p = arp_cfws(p)) == NULL ||
	    (p = arp_keyword(p, NULL, 0)) == NULL ||
	    (p = arp_expect(p, '=')) == NULL || (p = arp_cfws(p)) == NULL)
		return NULL;
	return arp_pvalue(p);
}

/* arp_resinfo - method[/version]=result [reason] *prop, after the ';' */
static const char *
arp_resinfo(const char *p, struct arp_res *r)
{
	int is_reason, seen_prop = 0;
	const char *q;

	memset(r, 0, sizeof(*r));
	if ((p = arp_cfws(p)) == NULL ||
	    (p = arp_keyword(p, r->method, sizeof(r->method))) == NULL)
		return NULL;
	if ((q = arp_expect(p, '/')) != NULL) {
		if ((q = arp_cfws(q)) == NULL || !isdigit((unsigned char)*q))
			return NULL;
		while (isdigit((unsigned char)*q))
			q++;
		p = q;
	}
	if ((p = arp_expect(p, '=')) == NULL || (p = arp_cfws(p)) == NULL ||
	    (p = arp_keyword(p, r->result, sizeof(r->result))) == NULL)
		return NULL;
	for (;;) {
		if ((q = arp_cfws(p)) == NULL)
			return NULL;
		if (*q == ';' || *q == '\0')
			return q;
		if (q == p)
			return NULL; /* white space between properties */
		if ((p = arp_prop(q, &is_reason)) == NULL)
			return NULL;
		if (is_reason && seen_prop)
			return NULL; /* reason comes before properties */
		seen_prop |= !is_reason;
		r->nprops += !is_reason;
	}
}

/* arp_parse - parse a whole header value; 0, or -1 (a->err set) */
static int
arp_parse(const char *v, struct arp *a)
{
	const char *p, *q;

	memset(a, 0, sizeof(*a));
	a->err = v;
	if ((p = arp_cfws(v)) == NULL ||
	    (p = arp_value(p, a->id, sizeof(a->id))) == NULL)
		return -1;
	if ((q = arp_cfws(p)) != NULL && q != p && isdigit((unsigned char)*q))
		for (p = q; isdigit((unsigned char)*p); p++)
			;
	for (;;) {
		a->err = p;
		if ((p = arp_cfws(p)) == NULL)
			return -1;
		if (*p == '\0')
			return a->n > 0 || a->none ? 0 : -1;
		if (*p != ';' || a->none)
			return -1;
		q = arp_cfws(p + 1);
		if (q != NULL && a->n == 0 && strncmp(q, "none", 4) == 0 &&
		    (q = arp_cfws(q + 4)) != NULL && *q == '\0') {
			a->none = 1;
			p = q;
			continue;
		}
		if (a->n == ARP_MAX ||
		    (p = arp_resinfo(p + 1, &a->r[a->n])) == NULL)
			return -1;
		a->n++;
	}
}

#endif
