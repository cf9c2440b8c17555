/*
 * module.h - the interface between the milter callbacks and the checks.
 *
 * Each check (SPF, DKIM verify, DKIM sign, DMARC, ...) is a struct
 * hm_module: a set of optional hooks called by callbacks.c in the order of
 * hm_modules[] (module.c).  Hooks see only hallmark's contexts, never
 * libmilter: they read the connection/message, record results
 * (msg->spf_mfrom, ctx_dkim_add(), authres_add(&msg->ar, ...)), queue
 * headers (ctx_msg_addhdr) and propose verdicts (verdict_propose).  So a
 * module is testable without an MTA.
 *
 * Hooks return HM_OK, or HM_ERROR for an internal failure (the message
 * then gets the configured on_internal_error action and a log line).
 * A module must free everything it put in mod[] in its *_free hook, which
 * is called exactly once per context, however the transaction ended.
 */
#ifndef HALLMARK_MODULE_H
#define HALLMARK_MODULE_H

#include <stddef.h>

#include "ctx.h"

#define HM_OK     0
#define HM_ERROR -1

/* slots in conn->mod[] and msg->mod[] */
enum hm_mod_slot {
	MOD_SPF = 0,
	MOD_DKIMV,
	MOD_DMARC,
	MOD_DKIMS,
	MOD_SLOTS
};

struct hm_module {
	const char *name;
	int (*conn)(struct hm_conn *c);		/* client address known */
	int (*helo)(struct hm_conn *c);		/* c->helo set */
	void (*conn_free)(struct hm_conn *c);
	int (*envfrom)(struct hm_msg *m);	/* m->envfrom set */
	int (*header)(struct hm_msg *m, const struct hm_header *h);
	int (*eoh)(struct hm_msg *m);
	int (*body)(struct hm_msg *m, const unsigned char *p, size_t n);
	int (*eom)(struct hm_msg *m);		/* results, verdict */
	void (*msg_free)(struct hm_msg *m);
};

/* NULL-terminated, in calling order */
extern const struct hm_module *const hm_modules[];

#endif
