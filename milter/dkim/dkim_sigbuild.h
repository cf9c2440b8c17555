/*
 * dkim_sigbuild.h - hallmark's DKIM signer (RFC 6376, RFC 8463) on OpenSSL 3:
 * given the message headers, the body hash and a loaded key, build one
 * DKIM-Signature header value.
 *
 * rsa-sha256 signs the canonicalised header data with EVP_DigestSign over
 * SHA-256; ed25519-sha256 signs the SHA-256 hash of that data with pure
 * Ed25519 (RFC 8463 section 3).  Keys are EVP_PKEY objects loaded once
 * (keytable.c) and only read here, so any number of threads may sign with
 * the same key at once.
 *
 * Output format (tag order, folding at 75 columns after "DKIM-Signature: ",
 * h= broken at colons, b= on its own lines) is the one libopendkim 2.11
 * produces, so signatures compare byte for byte in the unit test.
 *
 * Pure apart from the crypto library: no I/O, no logging.  Errors: NULL
 * with a reason in err (never key material).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DKIM_SIGBUILD_H
#define HALLMARK_DKIM_SIGBUILD_H

#include <stddef.h>
#include <time.h>

#include "dkim_canon.h"
#include "hdr.h"
#include "keytable.h"

#define DKIMS_HDR_NAME "DKIM-Signature"

struct dkims_opts {
	enum canon_alg hcanon;		/* header canonicalisation */
	enum canon_alg bcanon;		/* body canonicalisation */
	char *const *sign_headers;	/* names signed when present; NULL-ended */
	char *const *oversign;		/* names signed once more than present */
	time_t t;			/* t= */
	long expire;			/* > 0: x= t + expire */
	const char *eol;		/* folding line end: "\r\n" or "\n" */
	int values_exact;		/* header values are the verbatim text
					 * after the colon (see dkim_canon.h) */
};

/* dkims_default_headers - the built-in signed header list (NULL-ended) */
extern const char *const dkims_default_headers[];

/*
 * dkims_sign - the DKIM-Signature value (without the field name and
 * colon) for the headers hdr[0..nhdr), in message order, and the body
 * hash bh (CANON_DIGEST_LEN bytes, body canonicalised with o->bcanon).
 * Returns an allocated string, or NULL and err.
 */
char *dkims_sign(const struct keytab_key *k, const struct dkims_opts *o,
    const struct hm_header *hdr, size_t nhdr, const unsigned char *bh,
    char *err, size_t errlen);

/* dkims_header_list - the h= names for these headers (pure; tests) */
char *dkims_header_list(const struct dkims_opts *o,
    const struct hm_header *hdr, size_t nhdr);

#endif
