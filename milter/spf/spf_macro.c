/*
 * spf_macro.c - SPF macro syntax check and expansion (RFC 7208 section 7).
 *
 * Owns nothing; writes into the caller's struct str.  Pure apart from the
 * %{p} callback; thread-safe.  Errors: -1 syntax, -2 output too long.
 *
 * Bounds (the libspf2 CVE classes): a digit transformer is read with
 * saturation at SPF_MACRO_PARTS_MAX, a value is split into at most
 * SPF_MACRO_PARTS_MAX parts, and every append checks SPF_MACRO_OUT_MAX
 * before writing.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "spf_macro.h"

#define SPF_MACRO_PARTS_MAX 128

struct mparse {
	char letter;		/* lower case */
	int upper;		/* URL-escape */
	unsigned digits;	/* 0 = all */
	int reverse;
	char delims[8];		/* NUL-terminated set, "" = "." */
	size_t len;		/* bytes consumed from '%' to '}' */
};

/* is_delim - RFC 7208 delimiter characters */
static int
is_delim(char c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' ||
	    c == '_' || c == '=';
}

/* letter_ok - macro letter valid in this context */
static int
letter_ok(char l, int exp)
{
	if (strchr("slodiphv", l) != NULL)
		return 1;
	return exp && strchr("crt", l) != NULL;
}

/* parse_expand - parse "%{...}" at s (n bytes left); -1 if malformed */
static int
parse_expand(const char *s, size_t n, int exp, struct mparse *m)
{
	size_t i = 2, nd = 0;
	char c;

	memset(m, 0, sizeof(*m));
	if (n < 4 || s[0] != '%' || s[1] != '{')
		return -1;
	c = s[i++];
	m->upper = (c >= 'A' && c <= 'Z');
	m->letter = m->upper ? (char)(c - 'A' + 'a') : c;
	if (!letter_ok(m->letter, exp))
		return -1;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		m->digits = m->digits * 10 + (unsigned)(s[i] - '0');
		if (m->digits > SPF_MACRO_PARTS_MAX)
			m->digits = SPF_MACRO_PARTS_MAX;
		i++;
		nd++;
	}
	if (nd > 0 && m->digits == 0)
		return -1;		/* section 7.3: must be nonzero */
	if (i < n && (s[i] == 'r' || s[i] == 'R')) {
		m->reverse = 1;
		i++;
	}
	while (i < n && is_delim(s[i])) {
		if (strchr(m->delims, s[i]) == NULL &&
		    strlen(m->delims) < sizeof(m->delims) - 1)
			m->delims[strlen(m->delims)] = s[i];
		i++;
	}
	if (i >= n || s[i] != '}')
		return -1;
	m->len = i + 1;
	return 0;
}

/* literal_ok - macro-literal (or SP inside an explain-string) */
static int
literal_ok(unsigned char c, int exp)
{
	if (c >= 0x21 && c <= 0x7e && c != '%')
		return 1;
	return exp && c == ' ';
}

/* spf_macro_check - validate a macro-string without expanding it */
int
spf_macro_check(const char *s, size_t n, int exp)
{
	struct mparse m;
	size_t i = 0;

	while (i < n) {
		if (s[i] != '%') {
			if (!literal_ok((unsigned char)s[i], exp))
				return -1;
			i++;
			continue;
		}
		if (i + 1 < n && (s[i + 1] == '%' || s[i + 1] == '_' ||
		    s[i + 1] == '-')) {
			i += 2;
			continue;
		}
		if (parse_expand(s + i, n - i, exp, &m) < 0)
			return -1;
		i += m.len;
	}
	return 0;
}

/* put - bounded append */
static int
put(struct str *out, const char *p, size_t n)
{
	if (out->len + n > SPF_MACRO_OUT_MAX)
		return -2;
	str_addn(out, p, n);
	return 0;
}

/* spf_macro_ip_dotted - %{i} form of an address */
void
spf_macro_ip_dotted(int family, const uint8_t *ip, struct str *out)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	if (family == AF_INET) {
		str_addf(out, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
		return;
	}
	for (i = 0; i < 16; i++) {
		if (i > 0)
			str_addc(out, '.');
		str_addc(out, hex[ip[i] >> 4]);
		str_addc(out, '.');
		str_addc(out, hex[ip[i] & 15]);
	}
}

/* letter_value - the raw value of a macro letter */
static void
letter_value(const struct spf_macro_ctx *ctx, char l, struct str *v)
{
	char buf[INET6_ADDRSTRLEN];
	const char *p = NULL;

	switch (l) {
	case 's': p = ctx->sender; break;
	case 'l': p = ctx->local; break;
	case 'o': p = ctx->sender_dom; break;
	case 'd': p = ctx->domain; break;
	case 'h': p = ctx->helo; break;
	case 'r': p = ctx->receiver ? ctx->receiver : "unknown"; break;
	case 'v': p = ctx->family == AF_INET ? "in-addr" : "ip6"; break;
	case 'i': spf_macro_ip_dotted(ctx->family, ctx->ip, v); return;
	case 'p':
		p = ctx->ptr_name ? ctx->ptr_name(ctx->ptr_arg) : NULL;
		if (p == NULL)
			p = "unknown";
		break;
	case 't': str_addf(v, "%lld", (long long)ctx->now); return;
	case 'c':
		if (inet_ntop(ctx->family, ctx->ip, buf, sizeof(buf)) != NULL)
			p = buf;
		break;
	}
	/* values from outside are bounded before they are transformed */
	if (p != NULL)
		str_addn(v, p, strnlen(p, SPF_MACRO_OUT_MAX));
}

/* transform - split on delimiters, reverse, keep the rightmost parts */
static int
transform(const struct mparse *m, const struct str *v, struct str *res)
{
	const char *part[SPF_MACRO_PARTS_MAX];
	size_t plen[SPF_MACRO_PARTS_MAX];
	const char *dl = m->delims[0] ? m->delims : ".";
	size_t np = 0, i, start = 0, first;

	for (i = 0; i <= v->len; i++) {
		if (i < v->len && strchr(dl, v->s[i]) == NULL)
			continue;
		if (np == SPF_MACRO_PARTS_MAX) {
			/* too many parts: merge the rest into the last one */
			plen[np - 1] = v->len - (size_t)(part[np - 1] - v->s);
			break;
		}
		part[np] = v->s + start;
		plen[np++] = i - start;
		start = i + 1;
	}
	if (m->reverse) {
		for (i = 0; i < np / 2; i++) {
			const char *tp = part[i];
			size_t tl = plen[i];
			part[i] = part[np - 1 - i];
			plen[i] = plen[np - 1 - i];
			part[np - 1 - i] = tp;
			plen[np - 1 - i] = tl;
		}
	}
	first = (m->digits > 0 && m->digits < np) ? np - m->digits : 0;
	for (i = first; i < np; i++) {
		if (i > first && put(res, ".", 1) < 0)
			return -2;
		if (put(res, part[i], plen[i]) < 0)
			return -2;
	}
	return 0;
}

/* url_escape - section 7.3: upper-case macro letters are URL-escaped */
static int
url_escape(const struct str *in, struct str *out)
{
	char e[4];
	size_t i;

	for (i = 0; i < in->len; i++) {
		unsigned char c = (unsigned char)in->s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
			if (put(out, (const char *)&c, 1) < 0)
				return -2;
			continue;
		}
		snprintf(e, sizeof(e), "%%%02X", c);
		if (put(out, e, 3) < 0)
			return -2;
	}
	return 0;
}

/* expand_one - one %{...} */
static int
expand_one(const struct spf_macro_ctx *ctx, const struct mparse *m,
    struct str *out)
{
	struct str v, t;
	int rc;

	str_init(&v);
	str_init(&t);
	letter_value(ctx, m->letter, &v);
	rc = transform(m, &v, &t);
	if (rc == 0 && m->upper)
		rc = url_escape(&t, out);
	else if (rc == 0)
		rc = put(out, t.s, t.len);
	str_free(&v);
	str_free(&t);
	return rc;
}

/* spf_macro_expand - expand a macro-string */
int
spf_macro_expand(const struct spf_macro_ctx *ctx, const char *s, size_t n,
    int exp, struct str *out)
{
	struct mparse m;
	size_t i = 0;
	int rc;

	if (spf_macro_check(s, n, exp) < 0)
		return -1;
	while (i < n) {
		if (s[i] != '%') {
			if (put(out, s + i, 1) < 0)
				return -2;
			i++;
			continue;
		}
		if (s[i + 1] == '%' || s[i + 1] == '_' || s[i + 1] == '-') {
			const char *r = s[i + 1] == '%' ? "%" :
			    s[i + 1] == '_' ? " " : "%20";
			if (put(out, r, strlen(r)) < 0)
				return -2;
			i += 2;
			continue;
		}
		(void)parse_expand(s + i, n - i, exp, &m);
		if ((rc = expand_one(ctx, &m, out)) < 0)
			return rc;
		i += m.len;
	}
	return 0;
}

/* spf_macro_domain - expand a domain-spec into a query name */
int
spf_macro_domain(const struct spf_macro_ctx *ctx, const char *spec,
    struct str *out)
{
	struct str e;
	const char *p;
	int rc;

	str_init(&e);
	rc = spf_macro_expand(ctx, spec, strlen(spec), 0, &e);
	if (rc < 0) {
		str_free(&e);
		return rc;
	}
	if (e.len > 0 && e.s[e.len - 1] == '.')
		e.s[--e.len] = '\0';
	p = e.s;
	while (strlen(p) > SPF_DOMAIN_MAX) {
		const char *dot = strchr(p, '.');
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	str_add(out, p);
	str_free(&e);
	return 0;
}
