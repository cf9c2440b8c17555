/*
 * dkim_verkey.h - DKIM key records (RFC 6376 section 3.6.1) for hallmark's
 * own verifier: the record parsed and its key decoded once (dkvk_parse),
 * the decoded keys cached with the DNS answer they came from
 * (dkvk_lookup), and the checks of a key against one signature.
 *
 * A key is immutable once built and reference-counted; dkvk_lookup hands
 * out a reference (dkvk_unref).  The cache is keyed by the record's name
 * (selector._domainkey.domain) and the record's bytes: the DNS layer keeps
 * the answer for its TTL, and a changed record is a different entry, so a
 * cached key never outlives the answer it was decoded from.  The cache
 * holds at most DKVK_CACHE_MAX keys (the oldest go first); it is
 * thread-safe (one mutex, held only to find or insert an entry, never
 * during DNS or decoding).
 *
 * Errors are DKIM_SIGERROR_* codes of <opendkim/dkim.h>, as
 * dkimpol_decide() reads them.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DKIM_VERKEY_H
#define HALLMARK_DKIM_VERKEY_H

#include <stddef.h>

#include <openssl/evp.h>

#include "dns.h"

#define DKVK_CACHE_MAX 1024
/* the largest key answer libopendkim 2.11 reads (its reply buffer): a
 * longer record is a malformed key (RFC 6376 section 6.1.2) for both
 * verifiers */
#define DKVK_REPLY_MAX 8192

#define DKVK_H_SHA1 1u
#define DKVK_H_SHA256 2u

struct dkvk_key {
	int err;       /* DKIM_SIGERROR_* of the record (0: usable) */
	int oversized; /* the answer was over DKVK_REPLY_MAX */
	EVP_PKEY *pk;  /* the decoded p=, or NULL */
	unsigned bits; /* RSA modulus bits; 0 for ed25519 */
	char *k;       /* k= ("rsa" when absent) if p= is present, else NULL */
	int testing;   /* t=y */
	int nosub;     /* t=s */
	unsigned hashes; /* h=: DKVK_H_* bits; 0 when h= is absent */
	/* private to the cache */
	unsigned refs;
	char *qname;
	unsigned char *rec;
	size_t reclen;
};

/* dkvk_parse - a key record (the TXT strings joined) into a new key with
 * refs 1; never NULL; problems in ->err.  Pure apart from OpenSSL. */
struct dkvk_key *dkvk_parse(const unsigned char *rec, size_t len);

/*
 * dkvk_lookup - the key of selector s in domain d, through the DNS layer
 * (r, budget) and the cache.  Returns 0 and a reference in *key, or a
 * DKIM_SIGERROR_* code: KEYFAIL (DNS failed: temperror), NOKEY (no
 * record), MULTIREPLY (several records), DNSSYNTAX (the name is not a
 * name).  *key may be set with an error too (the key's ->err and
 * ->oversized say what is wrong with the record).
 */
int dkvk_lookup(struct dns_resolver *r, struct dns_budget *budget,
    const char *s, const char *d, struct dkvk_key **key);

/* dkvk_ref / dkvk_unref - take / drop a reference (NULL allowed) */
struct dkvk_key *dkvk_ref(struct dkvk_key *k);
void dkvk_unref(struct dkvk_key *k);

/* dkvk_cache_stats - keys decoded and cache hits since start (tests,
 * bench) */
void dkvk_cache_stats(unsigned long *decoded, unsigned long *hits);
/* dkvk_cache_clear - drop every cached key (tests) */
void dkvk_cache_clear(void);

#endif
