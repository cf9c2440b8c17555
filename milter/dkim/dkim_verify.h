/*
 * dkim_verify.h - DKIM verification (RFC 6376, RFC 8301, RFC 8463): the
 * hm_module "dkimv", its configuration section dkim_verify { }, and the pure
 * decision function that turns what libopendkim found out about one
 * signature into an RFC 8601 result with a reason.
 *
 * The decision itself is in dkim_policy.c (pure).
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


#endif
