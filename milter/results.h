/*
 * results.h - the authentication results one module hands to the next
 * (SPF and DKIM to DMARC, all of them to the Authentication-Results
 * header and the verdict).  Plain data, kept in the message (struct
 * hm_msg) and released by the module that records it (SPF results by the
 * SPF module's msg_free hook, DKIM results by DKIM verify's) with the
 * helpers below.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RESULTS_H
#define HALLMARK_RESULTS_H

#include <stddef.h>

/* RFC 7208 section 2.6 results; RES_SPF_NONE also = "not evaluated" */
enum res_spf {
	RES_SPF_NONE = 0,
	RES_SPF_NEUTRAL,
	RES_SPF_PASS,
	RES_SPF_FAIL,
	RES_SPF_SOFTFAIL,
	RES_SPF_TEMPERROR,
	RES_SPF_PERMERROR
};

struct res_spf_check {
	int evaluated;		/* 0: check not run */
	enum res_spf result;
	char *identity;		/* "user@domain" or the HELO name */
	char *domain;		/* the domain whose record was checked */
	char *reason;		/* human text for the A-R comment, or NULL */
	char *explanation;	/* exp= text after macro expansion, or NULL */
};

/* RFC 8601 DKIM results */
enum res_dkim {
	RES_DKIM_NONE = 0,
	RES_DKIM_PASS,
	RES_DKIM_FAIL,
	RES_DKIM_NEUTRAL,
	RES_DKIM_POLICY,
	RES_DKIM_TEMPERROR,
	RES_DKIM_PERMERROR
};

struct res_dkim_sig {
	enum res_dkim result;
	char *d;		/* signing domain (d=), or NULL if unparsable */
	char *s;		/* selector */
	char *i;		/* agent or user identifier (i=), or NULL */
	char *a;		/* algorithm as written */
	char b8[9];		/* first 8 characters of b= */
	int testing;		/* key has t=y */
	char *reason;		/* why it did not pass, or NULL */
};

/* RFC 9989 / 7489 DMARC results */
enum res_dmarc {
	RES_DMARC_NONE = 0,
	RES_DMARC_PASS,
	RES_DMARC_FAIL,
	RES_DMARC_TEMPERROR,
	RES_DMARC_PERMERROR
};

/* res_spf_clear - free an SPF result's strings, zero it */
void res_spf_clear(struct res_spf_check *r);
/* res_dkim_add - append a zeroed DKIM result to *v (*n of them) */
struct res_dkim_sig *res_dkim_add(struct res_dkim_sig **v, size_t *n);
/* res_dkim_free - free the *n DKIM results of *v; *v = NULL, *n = 0 */
void res_dkim_free(struct res_dkim_sig **v, size_t *n);

const char *res_spf_name(enum res_spf r);
const char *res_dkim_name(enum res_dkim r);
const char *res_dmarc_name(enum res_dmarc r);

#endif
