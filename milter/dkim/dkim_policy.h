/*
 * dkim_policy.h - hallmark's DKIM verification policy: the pure decision
 * that turns what libopendkim found out about one signature into an RFC
 * 8601 result with a reason.  libopendkim 2.11 checks the cryptography;
 * the rules it does not enforce are applied here: RFC 8301 (rsa-sha1, RSA
 * key size; ed25519 keys, reported as 0 bits, are exempt), i= within d=,
 * From in h=, t= and x=, l= followed by unsigned content, testing keys.
 *
 * No I/O, no logging, no allocation: unit-tested and fuzzable.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DKIM_POLICY_H
#define HALLMARK_DKIM_POLICY_H

#include <sys/types.h>
#include <time.h>

#include "results.h"

enum dkimv_sha1 { DKIMV_SHA1_FAIL = 0, DKIMV_SHA1_NEUTRAL };
enum dkimv_blen { DKIMV_L_ACCEPT = 0, DKIMV_L_POLICY };

/* the dkim_verify { } section (conf/hallmark.conf documents it; the
 * option table is the module's, dkim_verify.c): plain data, the policy's
 * input */
struct conf_dkim_verify {
	int enable;
	long max_signatures;	  /* evaluated per message; more: neutral */
	long min_rsa_bits;	  /* smaller RSA keys fail */
	int rsa_sha1;		  /* enum dkimv_sha1 */
	int body_length;	  /* enum dkimv_blen */
	long clock_drift;	  /* seconds of tolerance for t= and x= */
	long max_signature_bytes; /* longer DKIM-Signature: permerror */
	char **must_sign_domains; /* From domains that must be signed */
	int on_unsigned;	  /* enum dkima_action (dkim_action.h) */
};

/* what libopendkim found out about one signature: the input of the policy */
struct dkimpol_facts {
	int sigerror;		/* DKIM_SIGERROR_* */
	const char *liberr;	/* libopendkim's text for sigerror, or NULL */
	unsigned flags;		/* DKIM_SIGFLAG_* */
	int bhres;		/* DKIM_SIGBH_* */
	int alg;		/* DKIM_SIGN_* */
	unsigned keybits;	/* RSA modulus bits (0 for ed25519) */
	const char *d, *i, *h;	/* tag values as written, or NULL */
	const char *t, *x;	/* tag values as written, or NULL */
	const char *b, *bh;	/* tag values as written, or NULL */
	ssize_t msglen;		/* canonicalised body length */
	ssize_t signlen;	/* l= value, -1 when absent */
	int huge_signed;	/* h= names a header libopendkim cannot
				 * canonicalise (over DKIMPOL_LIB_HDR_MAX) */
	const char *key_k;	/* key type of the key record ("rsa" when
				 * k= is absent); NULL: no key record */
	int dup_tag;		/* a tag name occurs twice: the tag-list is
				 * invalid (RFC 6376 section 3.2);
				 * libopendkim keeps the last value */
	int key_oversized;	/* the key record was too large to read
				 * (dkiml_key_oversized) */
	int body_cut;		/* a body line too long to pass on: the
				 * body was not verified */
};

/* longest header line ("Name: value", CRLF line ends, no final CRLF) that
 * libopendkim 2.11 canonicalises correctly; longer ones break the
 * signatures that cover them */
#define DKIMPOL_LIB_HDR_MAX 65535

/*
 * dkimpol_decide - the RFC 8601 result for one signature under policy cf at
 * time now; a short reason (for the A-R comment) is written to why (empty
 * when the signature passes cleanly).  Pure: no I/O, no logging.
 */
enum res_dkim dkimpol_decide(const struct dkimpol_facts *f,
    const struct conf_dkim_verify *cf, time_t now, char *why, size_t whylen);

/* dkimpol_i_within_d - the domain of i= is d= or a subdomain of it */
int dkimpol_i_within_d(const char *i, const char *d);
/* dkimpol_h_has - the h= list names header name (case-insensitive) */
int dkimpol_h_has(const char *h, const char *name);
/* dkimpol_dup_tag - the tag-list (a DKIM-Signature value) names a tag
 * twice; only the first DKIMPOL_TAGS_MAX tags are compared */
int dkimpol_dup_tag(const char *taglist);

#define DKIMPOL_TAGS_MAX 64

#endif
