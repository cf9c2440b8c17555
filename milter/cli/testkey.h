/*
 * testkey.h - `hallmark testkey`: does the DKIM key published at
 * SELECTOR._domainkey.DOMAIN match a private key file?  (In the spirit of
 * opendkim-testkey.)
 *
 * Three steps, kept apart so that the decisions are testable without DNS:
 *   testkey_read_key      read and parse the private key file, and report
 *                         (not refuse) a mode open to group or others
 *   testkey_parse_record  the TXT record's tag list (RFC 6376 3.6.1), pure
 *   testkey_match         record against private key, pure
 *   testkey_check         the lookup through hallmark's DNS layer (dns.h)
 *                         and the verdict for every record found
 *
 * No function here logs or prints; reasons come back in buffers and never
 * contain key material.  Thread-safe (no shared state).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_TESTKEY_H
#define HALLMARK_TESTKEY_H

#include <stddef.h>

#include <openssl/evp.h>

#include "dns.h"
#include "keygen.h"

/* testkey_check outcomes; the values are `hallmark testkey` exit codes */
enum testkey_result {
	TESTKEY_MATCH = 0,	/* published key equals the private key */
	TESTKEY_MISMATCH = 1,	/* different, unusable, revoked or missing */
	TESTKEY_TEMPFAIL = 3	/* DNS temporary failure: try again */
};

/* a parsed DKIM key record; strings are allocated, NULL when absent */
struct testkey_rec {
	char *v;		/* v= (must be "DKIM1" when present) */
	char *k;		/* k= (default "rsa") */
	char *h;		/* h= hash list, or NULL (all) */
	char *s;		/* s= service list, or NULL ("*") */
	char *t;		/* t= flags, or NULL */
	unsigned char *p;	/* p= decoded; NULL with plen 0 = revoked */
	size_t plen;
};

/*
 * testkey_parse_record - parse a key record's text (len bytes, may hold
 * NULs, which are errors).  0, or -1 and a reason in err (syntax, v= not
 * first or not DKIM1, duplicate tag, no p=, p= not base64).  Free with
 * testkey_rec_free (also after a failure).
 */
int testkey_parse_record(const char *txt, size_t len, struct testkey_rec *r,
    char *err, size_t errlen);
void testkey_rec_free(struct testkey_rec *r);

/*
 * testkey_match - TESTKEY_MATCH when the record publishes the public half
 * of priv for use with email signatures, else TESTKEY_MISMATCH with the
 * reason in why (key types differ, keys differ, revoked, h= without
 * sha256, s= without email, p= not a key of type k=).
 */
enum testkey_result testkey_match(EVP_PKEY *priv,
    const struct testkey_rec *r, char *why, size_t whylen);

/* testkey_list_has - a colon-separated tag value (h=, s=, t=) holds word
 * (ASCII case-insensitive, white space around items allowed) */
int testkey_list_has(const char *list, const char *word);

/*
 * testkey_public_key - the record's p= as a public key of type t (for
 * RSA: a SubjectPublicKeyInfo, or the bare PKCS#1 RSAPublicKey some
 * publish), or NULL when it is neither.  Free with EVP_PKEY_free.
 */
EVP_PKEY *testkey_public_key(const struct testkey_rec *r, enum keygen_type t);

/* testkey_flags_testing - t= contains the flag y (testing mode) */
int testkey_flags_testing(const struct testkey_rec *r);

/*
 * testkey_read_key - read and parse a PEM private key file.  *mode gets
 * the file's permission bits, so the caller can warn when group or others
 * have access (hallmarkd refuses such a key).  NULL and err on failure.
 */
EVP_PKEY *testkey_read_key(const char *path, unsigned *mode, char *err,
    size_t errlen);

/*
 * testkey_check - look up SELECTOR._domainkey.DOMAIN TXT with resolver r
 * and match every record found against priv (RFC 6376 3.6.2.2: with
 * several records a verifier may use any one, so all must match).  The
 * reason, or on a match a short description of the record, goes into
 * why; *testing is set when a matching record has t=y.
 */
enum testkey_result testkey_check(struct dns_resolver *r,
    const char *domain, const char *selector, EVP_PKEY *priv,
    int *testing, char *why, size_t whylen);

#endif
