/*
 * dkim_verhdr.h - the header side of hallmark's own DKIM verifier: the
 * message's header fields kept as received, the header hash of one
 * signature (RFC 6376 section 3.7: the fields h= names, picked from the
 * bottom up as section 5.4.2 says, then the DKIM-Signature itself without
 * its b= value and final CRLF), and the signature checked against it with
 * OpenSSL EVP_DigestVerify (RSA PKCS#1 v1.5; ed25519 over the SHA-256 of
 * the header data, RFC 8463 section 3).
 *
 * Owns the list's copies of the fields (dkvh_free).  Pure apart from
 * OpenSSL; one list per message, not shared between threads.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DKIM_VERHDR_H
#define HALLMARK_DKIM_VERHDR_H

#include <stddef.h>

#include <openssl/evp.h>

#include "dkim_versig.h"

/* one header field: "Name:value" with CRLF line ends, no final CRLF */
struct dkvh_field {
	char *line;
	size_t namelen; /* bytes of the name */
};

struct dkvh_list {
	struct dkvh_field *f;
	size_t n, cap;
};

/* dkvh_add - keep a field; leadspc: value is exactly the text after the
 * colon (else a value not starting with white space gets ": ", the
 * space the milter protocol strips) */
void
dkvh_add(struct dkvh_list *l, const char *name, const char *value, int leadspc);
/* dkvh_value - the text after the colon of field k */
const char *dkvh_value(const struct dkvh_list *l, size_t k);
/* dkvh_is - field k is named name (case-insensitive) */
int dkvh_is(const struct dkvh_list *l, size_t k, const char *name);
/*
 * dkvh_verify - the header hash of signature g, whose own field is number
 * self, checked against g's b= with key pk: 1 when the signature matches,
 * 0 when not (or the key cannot be used)
 */
int dkvh_verify(const struct dkvh_list *l, size_t self,
    const struct dkvs_sig *g, EVP_PKEY *pk);
void dkvh_free(struct dkvh_list *l);

#endif
