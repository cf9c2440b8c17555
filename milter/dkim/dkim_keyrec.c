/*
 * dkim_keyrec.c - a DKIM key record whose RSA p= is a PKCS#1 RSAPublicKey
 * rewritten with p= as a SubjectPublicKeyInfo, the form libopendkim reads
 * (dkim_keyrec.h).
 *
 * Owns nothing beyond each call; the rewritten record belongs to the
 * caller.  The tag-list is read as RFC 6376 section 3.2 has it (tags
 * separated by ';', white space around names and values, FWS inside the
 * base64); a record this code does not understand is left as it is, for
 * libopendkim to judge.  OpenSSL errors raised by the decoding attempts are
 * cleared from the calling thread's error queue.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim_keyrec.h"
#include "str.h"

/* the value of one tag in the record: [b, e) */
struct span {
	const unsigned char *b, *e;
};

/* is_fws - white space allowed around tags and inside base64 */
static int
is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* trim - drop white space at both ends of [b, e) */
static void
trim(const unsigned char **b, const unsigned char **e)
{
	while (*b < *e && is_fws(**b))
		(*b)++;
	while (*e > *b && is_fws((*e)[-1]))
		(*e)--;
}

/* tag_find - the value of tag name (one character); 0, 1 found, -1 when
 * it occurs twice (the record is invalid: libopendkim's to judge) */
static int
tag_find(const unsigned char *rec, size_t len, char name, struct span *v)
{
	const unsigned char *p = rec, *end = rec + len;
	int found = 0;

	while (p < end) {
		const unsigned char *semi = memchr(p, ';', (size_t)(end - p));
		const unsigned char *te = semi != NULL ? semi : end;
		const unsigned char *eq = memchr(p, '=', (size_t)(te - p));
		const unsigned char *nb = p, *ne = eq;

		p = semi != NULL ? semi + 1 : end;
		if (eq == NULL)
			continue;
		trim(&nb, &ne);
		if (ne - nb != 1 || *nb != (unsigned char)name)
			continue;
		if (found++)
			return -1;
		v->b = eq + 1;
		v->e = te;
		trim(&v->b, &v->e);
	}
	return found;
}

/* b64_decode - base64 with FWS into bytes; NULL if not base64 */
static unsigned char *
b64_decode(const struct span *v, size_t *outlen)
{
	size_t n = 0, pad = 0, cap = (size_t)(v->e - v->b) + 1;
	char *clean = xmalloc(cap);
	unsigned char *out = NULL;
	int len;

	for (const unsigned char *p = v->b; p < v->e; p++) {
		if (is_fws(*p))
			continue;
		if (*p == '=')
			pad++;
		else if (pad > 0 ||
		    !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '+' || *p == '/'))
			goto done;
		clean[n++] = (char)*p;
	}
	if (n == 0 || n % 4 != 0 || pad > 2)
		goto done;
	out = xmalloc(n / 4 * 3 + 1);
	len = EVP_DecodeBlock(out, (unsigned char *)clean, (int)n);
	if (len < 0 || (size_t)len < pad) {
		free(out);
		out = NULL;
		goto done;
	}
	*outlen = (size_t)len - pad;
done:
	free(clean);
	return out;
}

/* pkcs1_to_spki - DER SubjectPublicKeyInfo of a DER PKCS#1 RSAPublicKey
 * that is not itself a SubjectPublicKeyInfo; NULL otherwise */
static unsigned char *
pkcs1_to_spki(const unsigned char *der, size_t n, int *spkilen)
{
	const unsigned char *q = der;
	unsigned char *spki = NULL;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &q, (long)n);

	if (pk != NULL) {
		EVP_PKEY_free(pk); /* already what libopendkim reads */
		return NULL;
	}
	q = der;
	pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)n);
	if (pk != NULL && q == der + n)
		*spkilen = i2d_PUBKEY(pk, &spki);
	EVP_PKEY_free(pk);
	if (spki != NULL && *spkilen <= 0) {
		OPENSSL_free(spki);
		spki = NULL;
	}
	return spki;
}

/* splice - rec with [v.b, v.e) replaced by the base64 of der */
static unsigned char *
splice(const unsigned char *rec, size_t len, const struct span *v,
    const unsigned char *der, int dlen, size_t *outlen)
{
	size_t head = (size_t)(v->b - rec), tail = len - (size_t)(v->e - rec);
	size_t blen = 4 * (((size_t)dlen + 2) / 3);
	unsigned char *out = xmalloc(head + blen + tail + 1);

	memcpy(out, rec, head);
	EVP_EncodeBlock(out + head, der, dlen);
	memcpy(out + head + blen, v->e, tail);
	out[head + blen + tail] = '\0';
	*outlen = head + blen + tail;
	return out;
}

/* dkimk_pkcs1_fix - p= as a SubjectPublicKeyInfo when it is PKCS#1 */
int
dkimk_pkcs1_fix(const unsigned char *rec, size_t len, unsigned char **out,
    size_t *outlen)
{
	struct span p = { NULL, NULL }, k = { NULL, NULL };
	unsigned char *der, *spki = NULL;
	size_t dn = 0;
	int sl = 0, kf;

	*out = NULL;
	*outlen = 0;
	if (memchr(rec, '\0', len) != NULL || tag_find(rec, len, 'p', &p) != 1)
		return 0;
	kf = tag_find(rec, len, 'k', &k);
	if (kf < 0 ||
	    (kf == 1 &&
		!(k.e - k.b == 3 &&
		    str_ncasecmp((const char *)k.b, "rsa", 3) == 0)))
		return 0;
	der = b64_decode(&p, &dn);
	if (der != NULL)
		spki = pkcs1_to_spki(der, dn, &sl);
	free(der);
	ERR_clear_error();
	if (spki == NULL)
		return 0;
	*out = splice(rec, len, &p, spki, sl, outlen);
	OPENSSL_free(spki);
	return 1;
}
