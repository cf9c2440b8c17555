/*
 * dkim_verhdr.c - header fields, header hash and signature check of
 * hallmark's own DKIM verifier (see dkim_verhdr.h).
 *
 * Owns the field copies in struct dkvh_list.  No I/O, no logging; OpenSSL
 * errors of a failed check are cleared from the thread's queue.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <opendkim/dkim.h> /* the DKIM_SIGN_* codes */

#include "dkim_canon.h"
#include "dkim_verhdr.h"
#include "str.h"

/* add_crlf - append v with bare LF line ends made CRLF */
static void
add_crlf(struct str *b, const char *v)
{
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '\n' && (p == v || p[-1] != '\r'))
			str_addc(b, '\r');
		str_addc(b, *p);
	}
}

/* dkvh_add - see dkim_verhdr.h */
void
dkvh_add(struct dkvh_list *l, const char *name, const char *value, int leadspc)
{
	struct str line;
	const char *v = value != NULL ? value : "";

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->f = xrealloc(l->f, l->cap * sizeof(*l->f));
	}
	str_init(&line);
	str_add(&line, name);
	if (leadspc || v[0] == ' ' || v[0] == '\t')
		str_addc(&line, ':');
	else
		str_add(&line, ": ");
	add_crlf(&line, v);
	l->f[l->n].namelen = strlen(name);
	l->f[l->n].line = str_steal(&line);
	str_free(&line);
	l->n++;
}

/* dkvh_value - see dkim_verhdr.h */
const char *
dkvh_value(const struct dkvh_list *l, size_t k)
{
	return l->f[k].line + l->f[k].namelen + 1;
}

/* dkvh_is - see dkim_verhdr.h */
int
dkvh_is(const struct dkvh_list *l, size_t k, const char *name)
{
	size_t n = strlen(name);

	return l->f[k].namelen == n && str_ncasecmp(l->f[k].line, name, n) == 0;
}

/* canon_field - field k canonicalised by alg (no final CRLF) onto out;
 * value_override replaces its value when not NULL */
static void
canon_field(const struct dkvh_list *l, size_t k, enum canon_alg alg,
    const char *value_override, struct str *out)
{
	const struct dkvh_field *f = &l->f[k];
	const char *v = value_override ? value_override : dkvh_value(l, k);
	char *name = xstrndup(f->line, f->namelen);

	if (alg == CANON_SIMPLE) {
		str_addn(out, f->line, f->namelen + 1);
		str_add(out, v);
	} else {
		canon_header_exact(CANON_RELAXED, name, v, out);
		out->len -= 2; /* the CRLF */
		out->s[out->len] = '\0';
	}
	free(name);
}

/* pick - the bottom-most field named [n, n+len) not used yet; or -1 */
static long
pick(const struct dkvh_list *l, const char *n, size_t len, unsigned char *used)
{
	for (size_t k = l->n; k-- > 0;) {
		if (used[k] || l->f[k].namelen != len ||
		    str_ncasecmp(l->f[k].line, n, len) != 0)
			continue;
		used[k] = 1;
		return (long)k;
	}
	return -1;
}

/* is_fws - white space in h= */
static int
is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* hdr_data - the data the header hash covers, into out */
static void
hdr_data(const struct dkvh_list *l, size_t self, const struct dkvs_sig *g,
    struct str *out)
{
	unsigned char *used = xcalloc(l->n + 1, 1);
	const char *p = g->h;
	struct str sv;

	while (p != NULL && *p != '\0') {
		const char *e = strchr(p, ':'), *s = p, *t;
		long k;

		t = e != NULL ? e : p + strlen(p);
		while (s < t && is_fws(*s))
			s++;
		while (t > s && is_fws(t[-1]))
			t--;
		if (t > s && (k = pick(l, s, (size_t)(t - s), used)) >= 0) {
			canon_field(l, (size_t)k, g->hc, NULL, out);
			str_add(out, "\r\n");
		}
		p = e != NULL ? e + 1 : NULL;
	}
	str_init(&sv);
	dkvs_strip_b(dkvh_value(l, self), &sv);
	canon_field(l, self, g->hc, sv.s != NULL ? sv.s : "", out);
	str_free(&sv);
	free(used);
}

/* check - b= against data with key pk */
static int
check(const struct dkvs_sig *g, EVP_PKEY *pk, const unsigned char *data,
    size_t n)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	int ok = 0;

	if (ctx == NULL)
		return 0;
	if (g->alg == DKIM_SIGN_ED25519SHA256) {
		if (EVP_Digest(data, n, h, &hl, EVP_sha256(), NULL) == 1 &&
		    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1)
			ok = EVP_DigestVerify(ctx, g->bsig, g->bsiglen, h,
				 hl) == 1;
	} else if (EVP_DigestVerifyInit(ctx, NULL, g->md, NULL, pk) == 1) {
		ok = EVP_DigestVerify(ctx, g->bsig, g->bsiglen, data, n) == 1;
	}
	EVP_MD_CTX_free(ctx);
	if (!ok)
		ERR_clear_error();
	return ok;
}

/* dkvh_verify - see dkim_verhdr.h */
int
dkvh_verify(const struct dkvh_list *l, size_t self, const struct dkvs_sig *g,
    EVP_PKEY *pk)
{
	struct str data;
	int ok;

	if (pk == NULL || g->md == NULL || g->bsig == NULL)
		return 0;
	str_init(&data);
	hdr_data(l, self, g, &data);
	ok = check(g, pk, (const unsigned char *)data.s, data.len);
	str_free(&data);
	return ok;
}

/* dkvh_free - see dkim_verhdr.h */
void
dkvh_free(struct dkvh_list *l)
{
	for (size_t k = 0; k < l->n; k++)
		free(l->f[k].line);
	free(l->f);
	memset(l, 0, sizeof(*l));
}
