/*
 * dkim_versig.h - the DKIM-Signature header field of hallmark's own
 * verifier (RFC 6376 section 3.5): the tag-list parsed into the values the
 * verifier and the policy (dkim_policy.h) need, and the checks a verifier
 * makes on the field before looking up a key (v=1, a=, c=, q=dns/txt,
 * d=, s=, h=, b=, bh=, l=), each failure given as the DKIM_SIGERROR_*
 * code of <opendkim/dkim.h> so that the decision (dkimpol_decide) and the
 * reasons it gives are the same whichever verifier found the facts.
 *
 * Pure: no I/O, no logging, no global state; safe from any thread.  A
 * struct dkvs_sig owns its strings (dkvs_free).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DKIM_VERSIG_H
#define HALLMARK_DKIM_VERSIG_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "dkim_canon.h"

/* one parsed DKIM-Signature */
struct dkvs_sig {
	char *raw; /* the field value as received */
	/* tag values as written (white space around them trimmed), NULL
	 * when absent; the last value wins when a tag repeats */
	char *v, *a, *b, *bh, *c, *d, *h, *i, *l, *q, *s, *t, *x;
	int sigerror;	       /* DKIM_SIGERROR_* (0: none found) */
	int b64err;	       /* CORRUPT_B / CORRUPT_BH, found after the
				* key is fetched (as the reference does) */
	int alg;	       /* DKIM_SIGN_* */
	const EVP_MD *md;      /* the hash of a=, NULL when unknown */
	enum canon_alg hc, bc; /* c= */
	int64_t len;	       /* l=, -1 when absent */
	unsigned char *bsig;   /* b= decoded */
	size_t bsiglen;
	unsigned char *bhash; /* bh= decoded */
	size_t bhashlen;
};

/* dkvs_parse - parse the value of a DKIM-Signature header field into a
 * new struct; never NULL; problems are in ->sigerror */
struct dkvs_sig *dkvs_parse(const char *value);
/* dkvs_free - free a signature; NULL allowed */
void dkvs_free(struct dkvs_sig *s);

/* dkvs_is_name - s is a domain name as RFC 6376 section 3.5 has d= and
 * s=: labels of letters, digits and hyphens (underscores too, which real
 * selectors use), none empty, none over 63 bytes, at most 253 in all */
int dkvs_is_name(const char *s);

/* dkvs_strip_b - value with the b= tag's value removed (RFC 6376 section
 * 3.7: everything else, white space included, stays); appended to out */
void dkvs_strip_b(const char *value, struct str *out);

#endif
