/*
 * testkey.c - check a published DKIM key against its private key file for
 * `hallmark testkey`; see testkey.h for the contract.
 *
 * Owns: the struct testkey_rec strings it allocates (testkey_rec_free)
 * and, for the caller, the EVP_PKEY returned by testkey_read_key.  The key
 * file is opened, read, parsed and wiped by keyfile.c, the same code
 * hallmarkd loads keys with.
 * DNS goes through dns.h only (the resolver the configuration describes).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dns.h"
#include "keyfile.h"
#include "keygen.h"
#include "str.h"
#include "b64.h"
#include "testkey.h"

/* is_wsp - folding white space inside a tag list */
static int
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* trim - [*b, *e) without surrounding white space */
static void
trim(const char **b, const char **e)
{
	while (*b < *e && is_wsp(**b))
		(*b)++;
	while (*e > *b && is_wsp((*e)[-1]))
		(*e)--;
}

/* valid_tag_name - ALPHA *(ALPHA / DIGIT / "_") */
static int
valid_tag_name(const char *b, const char *e)
{
	const char *p;

	if (b == e || !((*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z')))
		return 0;
	for (p = b; p < e; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

/* b64_value - p= text (white space allowed) into bytes; -1 if not base64 */
static int
b64_value(const char *b, const char *e, unsigned char **out, size_t *outlen)
{
	return b64_decode(b, (size_t)(e - b), out, outlen);
}

/* tag_slot - where a known tag's value goes; NULL for others (ignored) */
static char **
tag_slot(struct testkey_rec *r, const char *name, size_t n)
{
	if (n != 1)
		return NULL;
	switch (name[0]) {
	case 'v': return &r->v;
	case 'k': return &r->k;
	case 'h': return &r->h;
	case 's': return &r->s;
	case 't': return &r->t;
	default: return NULL;
	}
}

/* one_tag - one "name=value" of the list; index i, *have_p set for p= */
static int
one_tag(struct testkey_rec *r, const char *b, const char *e, int i,
    int *have_p, char *err, size_t errlen)
{
	const char *eq = memchr(b, '=', (size_t)(e - b));
	const char *nb = b, *ne = eq, *vb, *ve = e;
	char **slot;

	if (eq == NULL)
		return str_seterr(err, errlen,
		    "tag without '=' in the key record");
	trim(&nb, &ne);
	vb = eq + 1;
	trim(&vb, &ve);
	if (!valid_tag_name(nb, ne))
		return str_seterr(err, errlen,
		    "bad tag name in the key record");
	if (ne - nb == 1 && *nb == 'p') {
		if (*have_p)
			return str_seterr(err, errlen, "tag p= appears twice");
		*have_p = 1;
		if (b64_value(vb, ve, &r->p, &r->plen) < 0)
			return str_seterr(err, errlen, "p= is not base64");
		return 0;
	}
	slot = tag_slot(r, nb, (size_t)(ne - nb));
	if (slot == NULL)
		return 0;	/* unknown tags are ignored (RFC 6376 3.2) */
	if (*slot != NULL)
		return str_seterr(err, errlen, "tag %c= appears twice", *nb);
	if (*nb == 'v' && i != 0)
		return str_seterr(err, errlen, "v= is not the first tag");
	*slot = xstrndup(vb, (size_t)(ve - vb));
	return 0;
}

/* testkey_parse_record - tag list of a DKIM key record */
int
testkey_parse_record(const char *txt, size_t len, struct testkey_rec *r,
    char *err, size_t errlen)
{
	const char *p = txt, *end = txt + len, *semi, *b, *e;
	int i = 0, have_p = 0;

	memset(r, 0, sizeof(*r));
	if (memchr(txt, '\0', len) != NULL)
		return str_seterr(err, errlen, "NUL byte in the key record");
	while (p < end) {
		semi = memchr(p, ';', (size_t)(end - p));
		b = p;
		e = semi != NULL ? semi : end;
		p = semi != NULL ? semi + 1 : end;
		trim(&b, &e);
		if (b == e)
			continue;	/* empty, e.g. after a trailing ';' */
		if (one_tag(r, b, e, i++, &have_p, err, errlen) < 0)
			return -1;
	}
	if (r->v != NULL && strcmp(r->v, "DKIM1") != 0)
		return str_seterr(err, errlen, "v=%s is not DKIM1",
		    strlen(r->v) < 20 ? r->v : "(long)");
	if (!have_p)
		return str_seterr(err, errlen,
		    "no p= tag: not a DKIM key record");
	return 0;
}

/* testkey_rec_free - free the parsed strings */
void
testkey_rec_free(struct testkey_rec *r)
{
	free(r->v);
	free(r->k);
	free(r->h);
	free(r->s);
	free(r->t);
	free(r->p);
	memset(r, 0, sizeof(*r));
}

/* testkey_list_has - colon-separated list (white space allowed) has word */
int
testkey_list_has(const char *list, const char *word)
{
	const char *p = list, *b, *e;

	while (*p != '\0') {
		b = p;
		while (*p != '\0' && *p != ':')
			p++;
		e = p;
		trim(&b, &e);
		if ((size_t)(e - b) == strlen(word) &&
		    str_ncasecmp(b, word, (size_t)(e - b)) == 0)
			return 1;
		if (*p == ':')
			p++;
	}
	return 0;
}

/* testkey_flags_testing - t=y */
int
testkey_flags_testing(const struct testkey_rec *r)
{
	return r->t != NULL && testkey_list_has(r->t, "y");
}

/* testkey_public_key - the record's p= as a key of type t, or NULL */
EVP_PKEY *
testkey_public_key(const struct testkey_rec *r, enum keygen_type t)
{
	const unsigned char *q = r->p;
	EVP_PKEY *pk;

	if (t == KEYGEN_ED25519)
		return r->plen == 32 ? EVP_PKEY_new_raw_public_key(
		    EVP_PKEY_ED25519, NULL, r->p, 32) : NULL;
	/* RFC 6376: SubjectPublicKeyInfo; some publish bare RSAPublicKey */
	pk = d2i_PUBKEY(NULL, &q, (long)r->plen);
	if (pk != NULL && (q != r->p + r->plen || !EVP_PKEY_is_a(pk, "RSA"))) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	if (pk == NULL) {
		q = r->p;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)r->plen);
		if (pk != NULL && q != r->p + r->plen) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
	}
	return pk;
}

/* usable - record fit for email signatures with the key type; 0 or -1 */
static int
usable(const struct testkey_rec *r, enum keygen_type t, EVP_PKEY *priv,
    char *why, size_t whylen)
{
	const char *k = r->k != NULL ? r->k : "rsa";
	enum keygen_type kt;

	if (keygen_type_parse(k, &kt) < 0)
		return str_seterr(why, whylen,
		    "k=%s is not a key type hallmark "
		    "knows (rsa, ed25519)", strlen(k) < 20 ? k : "(long)");
	if (kt != t)
		return str_seterr(why, whylen,
		    "published k=%s, but the private "
		    "key is %s", keygen_k_tag(kt),
		    t == KEYGEN_RSA ? "RSA" : "Ed25519");
	if (r->plen == 0)
		return str_seterr(why, whylen, "the key is revoked (empty p=)");
	if (r->h != NULL && !testkey_list_has(r->h, "sha256"))
		return str_seterr(why, whylen, "h= does not allow sha256");
	if (r->s != NULL && !testkey_list_has(r->s, "*") &&
	    !testkey_list_has(r->s, "email"))
		return str_seterr(why, whylen, "s= does not allow email");
	if (t == KEYGEN_RSA && EVP_PKEY_get_bits(priv) < KEYGEN_RSA_MIN_BITS)
		return str_seterr(why, whylen, "RSA key of %d bits: verifiers "
		    "reject keys below %d (RFC 8301)", EVP_PKEY_get_bits(priv),
		    KEYGEN_RSA_MIN_BITS);
	return 0;
}

/* testkey_match - the record publishes priv's public key */
enum testkey_result
testkey_match(EVP_PKEY *priv, const struct testkey_rec *r, char *why,
    size_t whylen)
{
	enum keygen_type t;
	EVP_PKEY *pub;
	int eq;

	if (keygen_type_of(priv, &t) < 0) {
		str_seterr(why, whylen, "the private key is neither RSA nor "
		    "Ed25519");
		return TESTKEY_MISMATCH;
	}
	if (usable(r, t, priv, why, whylen) < 0)
		return TESTKEY_MISMATCH;
	pub = testkey_public_key(r, t);
	if (pub == NULL) {
		str_seterr(why, whylen, "p= is not a valid %s public key",
		    t == KEYGEN_RSA ? "RSA" : "Ed25519");
		return TESTKEY_MISMATCH;
	}
	eq = EVP_PKEY_eq(priv, pub);
	EVP_PKEY_free(pub);
	if (eq != 1) {
		str_seterr(why, whylen,
		    "the published public key is not the one "
		    "of this private key");
		return TESTKEY_MISMATCH;
	}
	if (t == KEYGEN_RSA)
		snprintf(why, whylen, "k=rsa, %d bits", EVP_PKEY_get_bits(priv));
	else
		snprintf(why, whylen, "k=ed25519");
	return TESTKEY_MATCH;
}

/* testkey_read_key - private key file, its mode reported, not judged */
EVP_PKEY *
testkey_read_key(const char *path, unsigned *mode, char *err, size_t errlen)
{
	const char *why = "?";
	EVP_PKEY *pk;
	int fd;

	fd = keyfile_open(path, mode, err, errlen);
	if (fd < 0)
		return NULL;
	pk = keyfile_read_fd(fd, &why);
	close(fd);
	if (pk == NULL)
		str_seterr(err, errlen, "%s: %s", path, why);
	return pk;
}

/* check_records - every TXT record at the name against priv */
static enum testkey_result
check_records(const struct dns_result *res, EVP_PKEY *priv, int *testing,
    char *why, size_t whylen)
{
	struct testkey_rec rec;
	char sub[256] = "";
	size_t i;

	for (i = 0; i < res->nrr; i++) {
		enum testkey_result m = TESTKEY_MISMATCH;

		if (testkey_parse_record((const char *)res->rr[i].data,
		    res->rr[i].len, &rec, sub, sizeof(sub)) == 0)
			m = testkey_match(priv, &rec, sub, sizeof(sub));
		if (m == TESTKEY_MATCH && testkey_flags_testing(&rec))
			*testing = 1;
		testkey_rec_free(&rec);
		if (m != TESTKEY_MATCH) {
			if (res->nrr > 1)
				str_seterr(why, whylen, "record %zu of %zu: %s",
				    i + 1, res->nrr, sub);
			else
				str_seterr(why, whylen, "%s", sub);
			return TESTKEY_MISMATCH;
		}
	}
	snprintf(why, whylen, "%s%s", sub, res->nrr > 1 ?
	    " (several records, all match)" : "");
	return TESTKEY_MATCH;
}

/* testkey_check - look up the key record and compare */
enum testkey_result
testkey_check(struct dns_resolver *r, const char *domain,
    const char *selector, EVP_PKEY *priv, int *testing, char *why,
    size_t whylen)
{
	char name[DNS_NAME_MAX + 64];
	struct dns_result *res;
	enum testkey_result rc;

	*testing = 0;
	snprintf(name, sizeof(name), "%s._domainkey.%s", selector, domain);
	res = dns_lookup(r, name, DNS_T_TXT, NULL);
	if (res->status == DNS_OK && res->nrr > 0) {
		rc = check_records(res, priv, testing, why, whylen);
	} else if (dns_is_void(res->status)) {
		str_seterr(why, whylen, "no key published: %s TXT: %s", name,
		    dns_status_name(res->status));
		rc = TESTKEY_MISMATCH;
	} else {
		str_seterr(why, whylen, "DNS lookup of %s TXT failed: %s%s%s",
		    name, dns_status_name(res->status),
		    res->why != NULL ? ": " : "",
		    res->why != NULL ? res->why : "");
		rc = TESTKEY_TEMPFAIL;
	}
	dns_result_free(res);
	return rc;
}
