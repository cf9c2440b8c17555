/*
 * dkim_verkey.c - a DKIM key record parsed and its key decoded (see
 * dkim_verkey.h): tag-list of RFC 6376 section 3.2, tags v=, h=, k=, s=,
 * t=, p= of section 3.6.1; RSA keys as SubjectPublicKeyInfo or PKCS#1
 * RSAPublicKey, ed25519 keys raw (RFC 8463 section 4.2).
 *
 * Owns the struct dkvk_key it returns.  Pure apart from OpenSSL, whose
 * error queue is cleared after a failed decoding.  Thread-safe.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <opendkim/dkim.h> /* the DKIM_SIGERROR_* codes */

#include "b64.h"
#include "dkim_verkey.h"
#include "str.h"

/* a tag value inside the record */
struct span {
	const unsigned char *p;
	size_t n;
	int set;
};

/* tag slots of a key record */
struct ktags {
	struct span v, h, k, s, t, p;
};

/* is_fws - white space around tags and values */
static int
is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* trim - [*b, *e) without white space at either end */
static void
trim(const unsigned char **b, const unsigned char **e)
{
	while (*b < *e && is_fws(**b))
		(*b)++;
	while (*e > *b && is_fws((*e)[-1]))
		(*e)--;
}

/* slot - the span for tag name c; NULL for tags not read */
static struct span *
slot(struct ktags *t, const unsigned char *n, size_t nl)
{
	if (nl != 1)
		return NULL;
	switch (n[0]) {
	case 'v':
		return &t->v;
	case 'h':
		return &t->h;
	case 'k':
		return &t->k;
	case 's':
		return &t->s;
	case 't':
		return &t->t;
	case 'p':
		return &t->p;
	default:
		return NULL;
	}
}

/* tag_put - the value [v, e) of tag [n, ne), trailing space trimmed */
static void
tag_put(struct ktags *t, const unsigned char *n, const unsigned char *ne,
    const unsigned char *v, const unsigned char *e)
{
	struct span *to = slot(t, n, (size_t)(ne - n));

	while (e > v && is_fws(e[-1]))
		e--;
	if (to != NULL) {
		to->p = v;
		to->n = (size_t)(e - v);
		to->set = 1;
	}
}

/*
 * split - the tags of rec, read as the reference verifier reads them: a
 * name starts with a letter or digit and ends at '=', a value at ';';
 * 0, or -1 when the record breaks these rules anywhere (a byte outside
 * printable US-ASCII and white space, a tag-spec without '=', an empty
 * one): the record is then not a key record (RFC 6376 section 3.6.1)
 */
static int
split(const unsigned char *rec, size_t len, struct ktags *t)
{
	const unsigned char *p = rec, *end = rec + len, *n = NULL, *ne = NULL;
	const unsigned char *v = NULL;
	int state = 0, spaced = 0;

	for (; p < end; p++) {
		unsigned char c = *p;

		if (c >= 0x80 || (!isprint(c) && !isspace(c)))
			return -1;
		if (state == 0 && !isspace(c)) {
			if (!isalnum(c))
				return -1;
			n = p;
			state = 1;
			spaced = 0;
		} else if (state == 1 && isspace(c)) {
			ne = spaced ? ne : p;
			spaced = 1;
		} else if (state == 1 && c == '=') {
			ne = spaced ? ne : p;
			state = 2;
		} else if (state == 1 && (c == ';' || spaced)) {
			return -1;
		} else if (state == 2 && !isspace(c)) {
			v = p;
			state = c == ';' ? 0 : 3;
			if (c == ';')
				tag_put(t, n, ne, p, p);
		} else if (state == 3 && c == ';') {
			tag_put(t, n, ne, v, p);
			state = 0;
		}
	}
	if (state == 1)
		return -1;
	if (state == 3)
		tag_put(t, n, ne, v, p);
	else if (state == 2)
		tag_put(t, n, ne, p, p);
	return 0;
}

/* has_word - the colon-separated list v names w (case-insensitive) */
static int
has_word(const struct span *v, const char *w)
{
	const unsigned char *p = v->p, *end = v->p + v->n;
	size_t wl = strlen(w);

	for (;;) {
		const unsigned char *e = memchr(p, ':', (size_t)(end - p));
		const unsigned char *s = p, *f;

		if (e == NULL)
			e = end;
		f = e;
		trim(&s, &f);
		if ((size_t)(f - s) == wl &&
		    str_ncasecmp((const char *)s, w, wl) == 0)
			return 1;
		if (e == end)
			return 0;
		p = e + 1;
	}
}

/* rsa_decode - an RSA public key from DER: SubjectPublicKeyInfo, else
 * PKCS#1 RSAPublicKey; the whole input must be the key */
static EVP_PKEY *
rsa_decode(const unsigned char *der, size_t n)
{
	const unsigned char *q = der;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &q, (long)n);

	if (pk != NULL && EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	if (pk == NULL) {
		q = der;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)n);
	}
	if (pk != NULL && q != der + n) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	return pk;
}

/* key_decode - p= decoded for k=; 0 or a sigerror */
static int
key_decode(struct dkvk_key *key, const struct span *p)
{
	unsigned char *der = NULL;
	size_t n = 0;

	if (b64_decode((const char *)p->p, p->n, &der, &n) < 0 || n == 0) {
		free(der);
		return DKIM_SIGERROR_KEYDECODE;
	}
	if (str_casecmp(key->k, "ed25519") == 0)
		key->pk = n == 32 ?
		    EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der,
			n) :
		    NULL;
	else if (str_casecmp(key->k, "rsa") == 0)
		key->pk = rsa_decode(der, n);
	free(der);
	if (key->pk == NULL) {
		ERR_clear_error();
		return DKIM_SIGERROR_KEYDECODE;
	}
	if (EVP_PKEY_get_base_id(key->pk) == EVP_PKEY_RSA)
		key->bits = (unsigned)EVP_PKEY_get_bits(key->pk);
	return 0;
}

/* flags - t= (y: testing, s: no subdomains) and h= */
static void
flags(struct dkvk_key *key, const struct ktags *t)
{
	if (t->t.set) {
		key->testing = has_word(&t->t, "y");
		key->nosub = has_word(&t->t, "s");
	}
	if (t->h.set) {
		key->hashes |= has_word(&t->h, "sha1") ? DKVK_H_SHA1 : 0;
		key->hashes |= has_word(&t->h, "sha256") ? DKVK_H_SHA256 : 0;
	}
}

/* check - the record's own errors, in the order a verifier meets them */
static int
check(struct dkvk_key *key, const struct ktags *t)
{
	if (t->v.set && (t->v.n != 5 || memcmp(t->v.p, "DKIM1", 5) != 0))
		return DKIM_SIGERROR_KEYVERSION;
	if (t->h.set && key->hashes == 0)
		return DKIM_SIGERROR_KEYUNKNOWNHASH;
	if (t->s.set && !has_word(&t->s, "email") && !has_word(&t->s, "*"))
		return DKIM_SIGERROR_NOTEMAILKEY;
	if (!t->p.set)
		return DKIM_SIGERROR_KEYDECODE;
	if (t->p.n == 0)
		return DKIM_SIGERROR_KEYREVOKED;
	return key_decode(key, &t->p);
}

/* dkvk_parse - see dkim_verkey.h */
struct dkvk_key *
dkvk_parse(const unsigned char *rec, size_t len)
{
	struct dkvk_key *key = xcalloc(1, sizeof(*key));
	struct ktags t;

	memset(&t, 0, sizeof(t));
	key->refs = 1;
	if (split(rec, len, &t) < 0) {
		key->err = DKIM_SIGERROR_DNSSYNTAX;
		return key;
	}
	if (t.p.set)
		key->k = t.k.set ? xstrndup((const char *)t.k.p, t.k.n) :
				   xstrdup("rsa");
	flags(key, &t);
	key->err = check(key, &t);
	return key;
}
