/*
 * dkim_ver.c - one message through hallmark's own DKIM verifier (see
 * dkim_ver.h): signatures listed at the end of the headers, one body
 * digest per distinct (canonicalisation, hash, l=), keys and signature
 * checks at the end of the message, the facts for dkimpol_decide().
 *
 * Owns struct dkver: the header list (dkim_verhdr.c), the parsed
 * signatures (dkim_versig.c), the body digests (dkim_canon.c) and the key
 * references (dkim_verkey.h), all released by dkver_free.  No logging (the
 * module logs); thread-safe for distinct messages.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <opendkim/dkim.h> /* the DKIM_SIG* codes the policy reads */

#include "dkim_canon.h"
#include "dkim_ver.h"
#include "dkim_verhdr.h"
#include "dkim_verkey.h"
#include "dkim_versig.h"
#include "str.h"

#define DKVER_SIGS_MAX 64 /* the highest max_signatures */

/* one distinct body digest */
struct dkver_body {
	enum canon_alg alg;
	const EVP_MD *md;
	int64_t len; /* l=, -1: whole body */
	struct canon_body *cb;
	unsigned char digest[CANON_MD_MAX];
	unsigned int dlen;
	int ok;
	unsigned long long total; /* canonical length of the whole body */
};

/* what was found about one signature */
struct dkver_one {
	struct dkvs_sig *g;
	size_t field; /* its header field */
	int body;     /* its body digest, -1: none */
	int dup_tag;
	int huge; /* h= covers a header over DKIMPOL_LIB_HDR_MAX */
	struct dkvk_key *key;
	int sigerror;
	unsigned flags;
	int bhres;
};

struct dkver {
	long cap;
	long drift; /* seconds of tolerance for t= and x= */
	struct dkvh_list hdr;
	struct dkver_one sig[DKVER_SIGS_MAX];
	size_t nsig;
	unsigned ignored;
	struct dkver_body body[DKVER_SIGS_MAX];
	size_t nbody;
	int relaxed;	/* a signature canonicalises the body relaxed */
	size_t linelen; /* relaxed: bytes since the last line end */
	int body_cut;
	char *huge; /* the first header over DKIMPOL_LIB_HDR_MAX */
};

static unsigned long dkver_ndigests; /* body digests started (tests) */

/* dkver_digests - see dkim_ver.h */
unsigned long
dkver_digests(void)
{
	return __atomic_load_n(&dkver_ndigests, __ATOMIC_RELAXED);
}

/* dkver_new - see dkim_ver.h */
struct dkver *
dkver_new(long cap, long drift)
{
	struct dkver *v = xcalloc(1, sizeof(*v));

	v->drift = drift < 0 ? 0 : drift;
	v->cap = cap < 1 ? 1 : cap > DKVER_SIGS_MAX ? DKVER_SIGS_MAX : cap;
	return v;
}

/* dkver_header - see dkim_ver.h */
void
dkver_header(struct dkver *v, const char *name, const char *value, int leadspc)
{
	dkvh_add(&v->hdr, name, value, leadspc);
	if (v->huge == NULL &&
	    strlen(v->hdr.f[v->hdr.n - 1].line) > DKIMPOL_LIB_HDR_MAX)
		v->huge = xstrdup(name);
}

/* body_for - the digest a signature needs, shared when it exists */
static int
body_for(struct dkver *v, const struct dkvs_sig *g)
{
	struct dkver_body *b;

	for (size_t k = 0; k < v->nbody; k++) {
		b = &v->body[k];
		if (b->alg == g->bc && b->md == g->md && b->len == g->len)
			return (int)k;
	}
	b = &v->body[v->nbody];
	b->alg = g->bc;
	b->md = g->md;
	b->len = g->len;
	__atomic_fetch_add(&dkver_ndigests, 1, __ATOMIC_RELAXED);
	b->cb = canon_body_new_md(g->bc, g->md,
	    g->len < 0 ? CANON_NO_LIMIT : (unsigned long long)g->len);
	if (g->bc == CANON_RELAXED)
		v->relaxed = 1;
	return (int)v->nbody++;
}

/* huge_covered - h= names a header that was over the limit */
static int
huge_covered(const struct dkver *v, const char *h)
{
	for (size_t k = 0; v->huge != NULL && k < v->hdr.n; k++)
		if (strlen(v->hdr.f[k].line) > DKIMPOL_LIB_HDR_MAX) {
			char *n = xstrndup(v->hdr.f[k].line,
			    v->hdr.f[k].namelen);
			int r = dkimpol_h_has(h, n);

			free(n);
			if (r)
				return 1;
		}
	return 0;
}

/* dkver_eoh - see dkim_ver.h */
void
dkver_eoh(struct dkver *v)
{
	for (size_t k = 0; k < v->hdr.n; k++) {
		struct dkver_one *o;

		if (!dkvh_is(&v->hdr, k, "DKIM-Signature"))
			continue;
		if (v->nsig == (size_t)v->cap) {
			v->ignored++;
			continue;
		}
		o = &v->sig[v->nsig++];
		o->field = k;
		o->g = dkvs_parse(dkvh_value(&v->hdr, k));
		o->dup_tag = dkimpol_dup_tag(o->g->raw);
		o->huge = huge_covered(v, o->g->h);
		o->sigerror = o->g->sigerror;
		o->bhres = DKIM_SIGBH_UNTESTED;
		o->body = o->sigerror == 0 && o->g->md != NULL ?
		    body_for(v, o->g) :
		    -1;
	}
}

/* line_run - the longest run without CR or LF p[0..n) reaches */
static size_t
line_run(struct dkver *v, const unsigned char *p, size_t n)
{
	size_t max = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r' || p[i] == '\n')
			v->linelen = 0;
		else if (++v->linelen > max)
			max = v->linelen;
	}
	return max;
}

/* dkver_body - see dkim_ver.h */
void
dkver_body(struct dkver *v, const unsigned char *p, size_t n)
{
	if (v->body_cut || n == 0)
		return;
	if (v->relaxed && line_run(v, p, n) > DKVER_LINE_MAX) {
		v->body_cut = 1;
		return;
	}
	for (size_t k = 0; k < v->nbody; k++)
		canon_body_update(v->body[k].cb, p, n);
}

/* bodies_final - finish every digest */
static void
bodies_final(struct dkver *v)
{
	for (size_t k = 0; k < v->nbody; k++) {
		struct dkver_body *b = &v->body[k];

		b->ok = canon_body_final_md(b->cb, b->digest, &b->dlen) == 0;
		b->total = canon_body_length(b->cb);
	}
}

/* key_check - the key against the signature: 0 or a sigerror */
static int
key_check(const struct dkver_one *o, const struct dkvk_key *key)
{
	unsigned want = o->g->alg == DKIM_SIGN_RSASHA1 ? DKVK_H_SHA1 :
							 DKVK_H_SHA256;

	if (key->err != 0)
		return key->err;
	if (key->hashes != 0 && (key->hashes & want) == 0)
		return DKIM_SIGERROR_KEYHASHMISMATCH;
	if (key->nosub && o->g->i != NULL) {
		const char *at = strrchr(o->g->i, '@');

		if (at != NULL && str_casecmp(at + 1, o->g->d) != 0)
			return DKIM_SIGERROR_SUBDOMAIN;
	}
	return 0;
}

/* time_error - x= passed or t= in the future (RFC 6376 section 3.5),
 * checked before the key is fetched: 0 or a sigerror */
static int
time_error(const struct dkver *v, const struct dkvs_sig *g, time_t now)
{
	uint64_t t, x, n = now < 0 ? 0 : (uint64_t)now;

	if (g->x != NULL &&
	    str_parse_u64(g->x, strlen(g->x), UINT64_MAX / 2, &x) == 0 &&
	    x + (uint64_t)v->drift < n)
		return DKIM_SIGERROR_EXPIRED;
	if (g->t != NULL &&
	    str_parse_u64(g->t, strlen(g->t), UINT64_MAX / 2, &t) == 0 &&
	    t > n + (uint64_t)v->drift)
		return DKIM_SIGERROR_FUTURE;
	return 0;
}

/* sig_check - key, body hash and signature of one signature */
static void
sig_check(struct dkver *v, struct dkver_one *o, struct dns_resolver *r,
    struct dns_budget *budget)
{
	const struct dkver_body *b;

	if (o->huge)
		return;
	/* the order of the reference: v= and s=, times, the other tags,
	 * key, base64 */
	if (o->g->v != NULL && strcmp(o->g->v, "1") == 0 && o->g->s != NULL &&
	    *o->g->s != '\0' && time_error(v, o->g, time(NULL)) != 0)
		o->sigerror = time_error(v, o->g, time(NULL));
	/* l= beyond the body: a malformed signature, as in the reference */
	if (o->sigerror == 0 && o->g->len >= 0 && o->body >= 0 &&
	    (unsigned long long)o->g->len > v->body[o->body].total)
		o->sigerror = DKIM_SIGERROR_TOOLARGE_L;
	if (o->sigerror != 0)
		return;
	o->sigerror = dkvk_lookup(r, budget, o->g->s, o->g->d, &o->key);
	if (o->sigerror == 0 && o->key != NULL)
		o->sigerror = key_check(o, o->key);
	if (o->sigerror == 0)
		o->sigerror = o->g->b64err;
	if (o->key != NULL && o->key->testing)
		o->flags |= DKIM_SIGFLAG_TESTKEY;
	if (o->sigerror != 0)
		return;
	o->flags |= DKIM_SIGFLAG_PROCESSED | DKIM_SIGFLAG_KEYLOADED;
	if (!dkvh_verify(&v->hdr, o->field, o->g, o->key->pk)) {
		/* both wrong: "signature mismatch", as the reference says
		 * (the body hash is compared only under a valid signature) */
		o->sigerror = DKIM_SIGERROR_BADSIG;
		return;
	}
	o->flags |= DKIM_SIGFLAG_PASSED;
	b = &v->body[o->body];
	o->bhres = b->ok && b->dlen == o->g->bhashlen &&
		memcmp(b->digest, o->g->bhash, b->dlen) == 0 ?
	    DKIM_SIGBH_MATCH :
	    DKIM_SIGBH_MISMATCH;
}

/* dkver_eom - see dkim_ver.h */
void
dkver_eom(struct dkver *v, struct dns_resolver *r, struct dns_budget *budget)
{
	bodies_final(v);
	for (size_t k = 0; k < v->nsig; k++)
		sig_check(v, &v->sig[k], r, budget);
}

size_t
dkver_nsigs(const struct dkver *v)
{
	return v->nsig;
}

unsigned
dkver_ignored(const struct dkver *v)
{
	return v->ignored;
}

const struct dkvs_sig *
dkver_sig(const struct dkver *v, size_t k)
{
	return v->sig[k].g;
}

int
dkver_body_cut(const struct dkver *v)
{
	return v->body_cut;
}

const char *
dkver_huge(const struct dkver *v)
{
	return v->huge;
}

/* dkver_facts - see dkim_ver.h */
void
dkver_facts(const struct dkver *v, size_t k, struct dkimpol_facts *f)
{
	const struct dkver_one *o = &v->sig[k];
	const struct dkvs_sig *g = o->g;

	memset(f, 0, sizeof(*f));
	f->sigerror = o->sigerror;
	f->dup_tag = o->dup_tag;
	f->msglen = f->signlen = -1;
	f->body_cut = v->body_cut;

	f->flags = o->flags;
	f->bhres = o->bhres;
	/* a= missing or unknown: the reference reports rsa-sha1 (its zero
	 * value) and the error, so the signature fails on what else it
	 * lacks first, as there */
	f->alg = g->alg == DKIM_SIGN_UNKNOWN ? DKIM_SIGN_RSASHA1 : g->alg;
	f->keybits = o->key != NULL ? o->key->bits : 0;
	f->d = g->d;
	f->i = g->i;
	f->h = g->h;
	f->t = g->t;
	f->x = g->x;
	f->b = g->b;
	f->bh = g->bh;
	f->signlen = g->len;
	f->msglen = o->body >= 0 && g->len >= 0 ?
	    (ssize_t)v->body[o->body].total :
	    -1;
	f->huge_signed = o->huge;
	f->key_k = o->key != NULL ? o->key->k : NULL;
	f->key_oversized = o->key != NULL && o->key->oversized;
}

/* dkver_free - see dkim_ver.h */
void
dkver_free(struct dkver *v)
{
	if (v == NULL)
		return;
	for (size_t k = 0; k < v->nsig; k++) {
		dkvs_free(v->sig[k].g);
		dkvk_unref(v->sig[k].key);
	}
	for (size_t k = 0; k < v->nbody; k++)
		canon_body_free(v->body[k].cb);
	dkvh_free(&v->hdr);
	free(v->huge);
	free(v);
}
