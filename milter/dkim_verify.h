/*
 * dkim_verify.h - DKIM verification (RFC 6376, RFC 8301, RFC 8463): the
 * hm_module "dkimv", its configuration section dkim_verify { }, and the pure
 * decision function that turns what libopendkim found out about one
 * signature into an RFC 8601 result with a reason.
 *
 * Per message the module keeps one libopendkim verify handle (msg->mod
 * [MOD_DKIMV]), feeds it headers and body as the milter receives them (the
 * body is streamed, never buffered), and at eom evaluates every signature
 * up to max_signatures: one ctx_dkim_add() result and one A-R entry each.
 * Everything is freed in the msg_free hook.
 */
#ifndef HALLMARK_DKIM_VERIFY_H
#define HALLMARK_DKIM_VERIFY_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "module.h"
#include "results.h"

enum dkimv_sha1 { DKIMV_SHA1_FAIL = 0, DKIMV_SHA1_NEUTRAL };
enum dkimv_blen { DKIMV_L_ACCEPT = 0, DKIMV_L_POLICY };

/* the dkim_verify { } section (conf/hallmark.conf documents it) */
struct conf_dkim_verify {
	int enable;
	long max_signatures;	/* evaluated per message; more: neutral */
	long min_rsa_bits;	/* smaller RSA keys fail */
	int rsa_sha1;		/* enum dkimv_sha1 */
	int body_length;	/* enum dkimv_blen */
	long clock_drift;	/* seconds of tolerance for t= and x= */
	long max_signature_bytes; /* longer DKIM-Signature: permerror */
};

extern const struct conf_opt dkimv_conf_opts[];
extern const struct hm_module dkimv_module;

/* what libopendkim found out about one signature: the input of the policy */
struct dkimv_facts {
	int sigerror;		/* DKIM_SIGERROR_* */
	const char *liberr;	/* libopendkim's text for sigerror, or NULL */
	unsigned flags;		/* DKIM_SIGFLAG_* */
	int bh;			/* DKIM_SIGBH_* */
	int alg;		/* DKIM_SIGN_* */
	unsigned keybits;	/* RSA modulus bits (0 for ed25519) */
	const char *d, *i, *h;	/* tag values as written, or NULL */
	const char *t, *x;	/* tag values as written, or NULL */
	ssize_t msglen;		/* canonicalised body length */
	ssize_t signlen;	/* l= value, -1 when absent */
};

/*
 * dkimv_decide - the RFC 8601 result for one signature under policy cf at
 * time now; a short reason (for the A-R comment) is written to why (empty
 * when the signature passes cleanly).  Pure: no I/O, no logging.
 */
enum res_dkim dkimv_decide(const struct dkimv_facts *f,
    const struct conf_dkim_verify *cf, time_t now, char *why, size_t whylen);

/* dkimv_i_within_d - the domain of i= is d= or a subdomain of it */
int dkimv_i_within_d(const char *i, const char *d);
/* dkimv_h_has_from - the h= list names From */
int dkimv_h_has_from(const char *h);

#endif
