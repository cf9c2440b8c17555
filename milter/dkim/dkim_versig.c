/*
 * dkim_versig.c - parse and check one DKIM-Signature field for hallmark's
 * own verifier (see dkim_versig.h): tag-list (RFC 6376 section 3.2), the
 * tags of section 3.5, and the checks of section 6.1.1 that need no key.
 *
 * Owns the struct dkvs_sig it returns and its strings.  Pure; thread-safe.
 * Every input gets a struct; errors are DKIM_SIGERROR_* codes.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h> /* the DKIM_SIGERROR_* / DKIM_SIGN_* codes */

#include "b64.h"
#include "dkim_versig.h"
#include "str.h"

#define DKVS_L_MAX ((uint64_t)1 << 53)

/* is_fws - white space that may surround tags and values */
static int
is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* trim - [*s, *e) without white space at either end */
static void
trim(const char **s, const char **e)
{
	while (*s < *e && is_fws(**s))
		(*s)++;
	while (*e > *s && is_fws((*e)[-1]))
		(*e)--;
}

/* slot - where the value of tag name goes; NULL for other tags */
static char **
slot(struct dkvs_sig *g, const char *n, size_t nl)
{
	static const char names[] = "v\0a\0b\0c\0d\0h\0i\0l\0q\0s\0t\0x";
	char **slots[] = { &g->v, &g->a, &g->b, &g->c, &g->d, &g->h, &g->i,
		&g->l, &g->q, &g->s, &g->t, &g->x };

	if (nl == 2 && n[0] == 'b' && n[1] == 'h')
		return &g->bh;
	if (nl != 1)
		return NULL;
	for (size_t k = 0; k < sizeof(slots) / sizeof(slots[0]); k++)
		if (names[2 * k] == n[0])
			return slots[k];
	return NULL;
}

/* tag_set - store one tag's value [v, e), trailing white space trimmed */
static void
tag_set(struct dkvs_sig *g, const char *n, size_t nl, const char *v,
    const char *e)
{
	char **to = slot(g, n, nl);

	while (e > v && is_fws(e[-1]))
		e--;
	if (to != NULL) {
		free(*to);
		*to = xstrndup(v, (size_t)(e - v));
	}
}

/* tag_char_ok - a byte a tag-list may hold: printable US-ASCII or white
 * space (RFC 6376 section 3.2) */
static int
tag_char_ok(unsigned char c)
{
	return c < 0x80 && (isprint(c) || isspace(c));
}

/*
 * tags - read the tag-list as the reference verifier does: a tag name
 * starts with a letter or digit and ends at '=' (white space before the
 * '=' only); a value ends at ';' or the end.  Reading stops at the first
 * byte that breaks these rules (a byte outside US-ASCII, a tag-spec
 * without '=', an empty tag-spec): RFC 6376 section 3.2 makes the list
 * invalid, and the tags read until then decide how the signature fails.
 */
static void
tags(struct dkvs_sig *g, const char *p)
{
	const char *n = NULL, *ne = NULL, *v = NULL;
	int state = 0, spaced = 0;

	for (; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (!tag_char_ok(c))
			return;
		if (state == 0 && !isspace(c)) {
			if (!isalnum(c))
				return;
			n = p;
			state = 1;
			spaced = 0;
		} else if (state == 1 && isspace(c)) {
			if (!spaced)
				ne = p;
			spaced = 1;
		} else if (state == 1 && c == '=') {
			ne = spaced ? ne : p;
			state = 2;
		} else if (state == 1 && (c == ';' || spaced)) {
			return;
		} else if (state == 2 && !isspace(c)) {
			v = p;
			state = c == ';' ? 0 : 3;
			if (c == ';')
				tag_set(g, n, (size_t)(ne - n), p, p);
		} else if (state == 3 && c == ';') {
			tag_set(g, n, (size_t)(ne - n), v, p);
			state = 0;
		}
	}
	if (state == 3)
		tag_set(g, n, (size_t)(ne - n), v, p);
	else if (state == 2)
		tag_set(g, n, (size_t)(ne - n), p, p);
}

/* alg_set - a= to DKIM_SIGN_* and its hash */
static void
alg_set(struct dkvs_sig *g)
{
	g->alg = DKIM_SIGN_UNKNOWN;
	if (g->a == NULL)
		return;
	if (str_casecmp(g->a, "rsa-sha256") == 0) {
		g->alg = DKIM_SIGN_RSASHA256;
		g->md = EVP_sha256();
	} else if (str_casecmp(g->a, "rsa-sha1") == 0) {
		g->alg = DKIM_SIGN_RSASHA1;
		g->md = EVP_sha1();
	} else if (str_casecmp(g->a, "ed25519-sha256") == 0) {
		g->alg = DKIM_SIGN_ED25519SHA256;
		g->md = EVP_sha256();
	}
}

/* canons - c= ("h" or "h/b", default simple/simple); 0 or a sigerror */
static int
canons(struct dkvs_sig *g)
{
	char *slash;
	int r = 0;

	g->hc = g->bc = CANON_SIMPLE;
	if (g->c == NULL)
		return 0;
	slash = strchr(g->c, '/');
	if (slash != NULL)
		*slash = '\0';
	if (canon_parse(g->c, &g->hc) < 0)
		r = DKIM_SIGERROR_INVALID_HC;
	else if (slash != NULL && canon_parse(slash + 1, &g->bc) < 0)
		r = DKIM_SIGERROR_INVALID_BC;
	if (slash != NULL)
		*slash = '/';
	return r;
}

/* query_ok - q= lists dns/txt (RFC 6376 section 3.5), or is absent */
static int
query_ok(const char *q)
{
	struct str one;
	int ok = 0;

	if (q == NULL)
		return 1;
	str_init(&one);
	for (const char *p = q;; p++) {
		if (*p == ':' || *p == '\0') {
			char *t = str_strip(one.s != NULL ? one.s : (char *)"");
			if (str_casecmp(t, "dns/txt") == 0 ||
			    str_casecmp(t, "dns") == 0)
				ok = 1;
			str_reset(&one);
			if (*p == '\0')
				break;
			continue;
		}
		str_addc(&one, *p);
	}
	str_free(&one);
	return ok;
}

/* length - l= as a number; 0 or -1 */
static int
length(struct dkvs_sig *g)
{
	uint64_t v;

	g->len = -1;
	if (g->l == NULL)
		return 0;
	if (str_parse_u64(g->l, strlen(g->l), DKVS_L_MAX, &v) < 0)
		return -1;
	g->len = (int64_t)v;
	return 0;
}

/* b64_lenient - v decoded as the reference decodes it: base64 letters
 * (white space skipped), an incomplete last group of letters ignored;
 * 0, or -1 when v holds other bytes */
static int
b64_lenient(const char *v, unsigned char **out, size_t *n)
{
	struct str clean;
	int r;

	if (!b64_valid(v, strlen(v)))
		return -1;
	str_init(&clean);
	for (const char *p = v; *p != '\0'; p++)
		if (!isspace((unsigned char)*p))
			str_addc(&clean, *p);
	r = b64_decode(clean.s != NULL ? clean.s : "", clean.len / 4 * 4, out,
	    n);
	str_free(&clean);
	return r;
}

/* b64_tag - decode a base64 tag value; 0, or err (absent/empty); a
 * value that is not base64 is noted in *late, reported after the key is
 * fetched (as the reference does) */
static int
b64_tag(const char *v, unsigned char **out, size_t *n, const int err[3],
    int *late)
{
	if (v == NULL)
		return err[0];
	if (*v == '\0')
		return err[1];
	if ((b64_lenient(v, out, n) < 0 || *n == 0) && *late == 0)
		*late = err[2];
	return 0;
}

/* dkvs_is_name - see dkim_versig.h */
int
dkvs_is_name(const char *s)
{
	size_t lab = 0, n = strlen(s);

	if (n == 0 || n > 253)
		return 0;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-' ||
		    *p == '_') {
			if (++lab > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return lab > 0;
}

/* check - the first thing wrong with the field, in the order of RFC
 * 6376 section 3.5's tag list; 0 when nothing is */
static int
check(struct dkvs_sig *g)
{
	static const int berr[3] = { DKIM_SIGERROR_MISSING_B,
		DKIM_SIGERROR_EMPTY_B, DKIM_SIGERROR_CORRUPT_B };
	static const int bherr[3] = { DKIM_SIGERROR_MISSING_BH,
		DKIM_SIGERROR_EMPTY_BH, DKIM_SIGERROR_CORRUPT_BH };
	int e;

	if (g->v == NULL)
		return DKIM_SIGERROR_MISSING_V;
	if (strcmp(g->v, "1") != 0)
		return DKIM_SIGERROR_VERSION;
	if (g->a == NULL)
		return DKIM_SIGERROR_MISSING_A;
	if (g->alg == DKIM_SIGN_UNKNOWN)
		return DKIM_SIGERROR_INVALID_A;
	if ((e = b64_tag(g->b, &g->bsig, &g->bsiglen, berr, &g->b64err)) != 0)
		return e;
	if ((e = b64_tag(g->bh, &g->bhash, &g->bhashlen, bherr, &g->b64err)) !=
	    0)
		return e;
	if ((e = canons(g)) != 0)
		return e;
	if (g->d == NULL)
		return DKIM_SIGERROR_MISSING_D;
	if (*g->d == '\0')
		return DKIM_SIGERROR_EMPTY_D;
	if (g->h == NULL)
		return DKIM_SIGERROR_MISSING_H;
	if (*g->h == '\0')
		return DKIM_SIGERROR_EMPTY_H;
	if (length(g) < 0)
		return DKIM_SIGERROR_INVALID_L;
	if (!query_ok(g->q))
		return DKIM_SIGERROR_INVALID_Q;
	if (g->s == NULL)
		return DKIM_SIGERROR_MISSING_S;
	if (*g->s == '\0')
		return DKIM_SIGERROR_EMPTY_S;
	if (!dkvs_is_name(g->d) || !dkvs_is_name(g->s))
		return DKIM_SIGERROR_EMPTY_D; /* as good as none: malformed */
	return 0;
}

/* dkvs_parse - see dkim_versig.h */
struct dkvs_sig *
dkvs_parse(const char *value)
{
	struct dkvs_sig *g = xcalloc(1, sizeof(*g));

	g->raw = xstrdup(value != NULL ? value : "");
	g->len = -1;
	tags(g, g->raw);
	alg_set(g);
	g->sigerror = check(g);
	return g;
}

/* dkvs_free - see dkim_versig.h */
void
dkvs_free(struct dkvs_sig *g)
{
	if (g == NULL)
		return;
	char *all[] = { g->v, g->a, g->b, g->bh, g->c, g->d, g->h, g->i, g->l,
		g->q, g->s, g->t, g->x, g->raw };

	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
		free(all[k]);
	free(g->bsig);
	free(g->bhash);
	free(g);
}

/* dkvs_strip_b - see dkim_versig.h: the value of the tag named exactly
 * "b" is dropped, everything else kept byte for byte */
void
dkvs_strip_b(const char *value, struct str *out)
{
	const char *p = value;

	while (*p != '\0') {
		const char *e = strchr(p, ';'), *eq, *ns, *ne;

		if (e == NULL)
			e = p + strlen(p);
		eq = memchr(p, '=', (size_t)(e - p));
		ns = p;
		ne = eq != NULL ? eq : e;
		trim(&ns, &ne);
		if (eq != NULL && ne - ns == 1 && *ns == 'b')
			str_addn(out, p, (size_t)(eq + 1 - p));
		else
			str_addn(out, p, (size_t)(e - p));
		if (*e == ';')
			str_addc(out, ';');
		p = *e == ';' ? e + 1 : e;
	}
}
