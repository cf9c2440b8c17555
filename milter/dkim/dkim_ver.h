/*
 * dkim_ver.h - hallmark's own DKIM verifier for one message (RFC 6376
 * section 6, RFC 8301, RFC 8463): headers kept as received, each distinct
 * (body canonicalisation, hash, l=) canonicalised and hashed once however
 * many signatures share it, keys from DNS through the decoded-key cache
 * (dkim_verkey.h), signatures checked with OpenSSL EVP_DigestVerify.
 *
 * The verifier finds the facts about each signature (struct
 * dkimpol_facts, with the DKIM_SIGERROR_* / DKIM_SIGFLAG_* codes of
 * <opendkim/dkim.h>); the result and its reason are dkimpol_decide()'s,
 * as for the libopendkim reference, so both verifiers are judged by the
 * same policy.  The limits the reference has are kept so the two agree:
 * a signed header over DKIMPOL_LIB_HDR_MAX, a relaxed body line over
 * DKVER_LINE_MAX, a key answer over DKVK_REPLY_MAX.
 *
 * Ownership: struct dkver and what it points to, freed by dkver_free.  One
 * message, one thread at a time; different messages may be verified in
 * parallel (the key cache is shared and locked).  Memory does not grow
 * with the body (it is hashed as it comes).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DKIM_VER_H
#define HALLMARK_DKIM_VER_H

#include <stddef.h>

#include "dkim_policy.h"
#include "dns.h"

/* longest body line (bytes without CR or LF) under relaxed body
 * canonicalisation that the reference verifier handles */
#define DKVER_LINE_MAX (1024 * 1024)

struct dkver;
struct dkvs_sig;

/* dkver_new - verify at most cap signatures (later ones are counted and
 * not evaluated); drift: seconds of tolerance for t= and x= */
struct dkver *dkver_new(long cap, long drift);
/* dkver_header - one header field; leadspc: value is exactly the text
 * after the colon (else a space the MTA stripped is put back) */
void
dkver_header(struct dkver *v, const char *name, const char *value, int leadspc);
/* dkver_eoh - end of headers: the signatures are parsed, the body hashes
 * they need started */
void dkver_eoh(struct dkver *v);
/* dkver_body - a body chunk */
void dkver_body(struct dkver *v, const unsigned char *p, size_t n);
/* dkver_eom - end of message: keys fetched through r and budget, every
 * signature checked */
void
dkver_eom(struct dkver *v, struct dns_resolver *r, struct dns_budget *budget);

/* after dkver_eoh: signatures evaluated, and those beyond the cap */
size_t dkver_nsigs(const struct dkver *v);
unsigned dkver_ignored(const struct dkver *v);
/* the parsed signature k (its tag values) */
const struct dkvs_sig *dkver_sig(const struct dkver *v, size_t k);
/* dkver_facts - after dkver_eom: the facts about signature k; the strings
 * point into v */
void dkver_facts(const struct dkver *v, size_t k, struct dkimpol_facts *f);
/* dkver_body_cut - a relaxed body line over DKVER_LINE_MAX was met */
int dkver_body_cut(const struct dkver *v);
/* dkver_huge - a header over DKIMPOL_LIB_HDR_MAX was met: its name, or
 * NULL (the first such header) */
const char *dkver_huge(const struct dkver *v);

void dkver_free(struct dkver *v);

/* dkver_digests - body digests started by the process so far (tests,
 * bench: one per distinct (canonicalisation, hash, l=) of a message) */
unsigned long dkver_digests(void);

#endif
