/*
 * dkim_canon.h - DKIM canonicalisation (RFC 6376 section 3.4), simple and
 * relaxed, for header fields and for a streamed body feeding a SHA-256
 * digest.
 *
 * Pure: bytes in, canonical bytes or a digest out; no I/O, no logging, no
 * global state.  Safe from any thread on distinct objects.  The body
 * canonicaliser accepts the body in chunks of any size (even one byte),
 * normalises bare LF to CRLF as the milter may hand either, and defers
 * trailing empty lines across chunk boundaries.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DKIM_CANON_H
#define HALLMARK_DKIM_CANON_H

#include <stddef.h>

#include <openssl/evp.h>

#include "str.h"

enum canon_alg {
	CANON_SIMPLE = 0,
	CANON_RELAXED = 1
};

#define CANON_DIGEST_LEN 32		/* SHA-256 */

/* canon_name - "simple" / "relaxed" */
const char *canon_name(enum canon_alg a);
/* canon_parse - "simple" / "relaxed" (case-insensitive) to *out; 0 or -1 */
int canon_parse(const char *s, enum canon_alg *out);

/*
 * canon_header - append the canonical form of one header field, including
 * its terminating CRLF, to out.  name is the field name, value the text
 * after the colon as the MTA handed it (folded with CRLF or bare LF).
 * For simple canonicalisation a value that does not begin with white
 * space is taken to have lost its single leading space (the milter
 * protocol strips it), so "Name: value" is reconstructed.
 */
void canon_header(enum canon_alg alg, const char *name, const char *value,
    struct str *out);

/* canon_header_exact - like canon_header, for a value known to be exactly
 * the text after the colon (milter SMFIP_HDR_LEADSPC, or a file): no
 * space is reconstructed */
void canon_header_exact(enum canon_alg alg, const char *name,
    const char *value, struct str *out);

/* canon_header_nocrlf - the same without the final CRLF (for the
 * DKIM-Signature header itself, RFC 6376 section 3.7) */
void canon_header_nocrlf(enum canon_alg alg, const char *name,
    const char *value, struct str *out);

struct canon_body;

/* canon_body_new - start a body digest; never NULL (aborts on OOM) */
struct canon_body *canon_body_new(enum canon_alg alg);
#define CANON_NO_LIMIT (~0ULL)
#define CANON_MD_MAX 64 /* longest digest (EVP_MAX_MD_SIZE) */

/* canon_body_new_md - a body digest with md (SHA-1, SHA-256) over the
 * first limit canonical bytes (CANON_NO_LIMIT: all; l= of RFC 6376
 * section 3.5); canon_body_length still counts every byte */
struct canon_body *canon_body_new_md(enum canon_alg alg, const EVP_MD *md,
    unsigned long long limit);
/* canon_body_final_md - finish; writes the digest and its length *len
 * (at most CANON_MD_MAX); 0, or -1 on a crypto library failure */
int canon_body_final_md(struct canon_body *cb, unsigned char *digest,
    unsigned int *len);
/* canon_body_capture - also append the canonical bytes to copy (tests) */
void canon_body_capture(struct canon_body *cb, struct str *copy);
/* canon_body_update - feed n bytes of body */
void canon_body_update(struct canon_body *cb, const unsigned char *p,
    size_t n);
/* canon_body_final - finish; writes CANON_DIGEST_LEN bytes; 0, or -1 on a
 * crypto library failure.  Feeding after final is not allowed. */
int canon_body_final(struct canon_body *cb, unsigned char *digest);
/* canon_body_length - canonical bytes produced so far */
unsigned long long canon_body_length(const struct canon_body *cb);
enum canon_alg canon_body_alg(const struct canon_body *cb);
void canon_body_free(struct canon_body *cb);

#endif
