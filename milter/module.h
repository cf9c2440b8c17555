/*
 * module.h - the interface between the milter callbacks and the checks.
 *
 * Each check (SPF, DKIM verify, DMARC, DKIM sign) is a struct hm_module:
 * a name, the modules whose results it reads (requires), the size of its
 * per-connection and per-message state, and optional hooks.  Hooks see
 * only hallmark's contexts, never libmilter: they read the
 * connection/message, record results (msg->spf_mfrom, ctx_dkim_add(),
 * authres_add(&msg->ar, ...)), queue headers (ctx_msg_addhdr) and propose
 * verdicts (verdict_propose).  So a module is testable without an MTA.
 *
 * State: ctx.c allocates conn_size / msg_size zeroed bytes in
 * conn->mod[slot] / msg->mod[slot] when the context starts and frees them
 * when it ends; it knows no module.  A module whose state points to more
 * memory releases that (and only that) in its conn_free / msg_free hook,
 * called exactly once per context, however the transaction ended, before
 * the block itself is freed.  Results a module records in the message
 * (SPF results, DKIM results) are released by the same module's msg_free.
 *
 * Order: callbacks.c calls hooks in module_order(): every module after
 * the modules it requires (DMARC after SPF and DKIM verify), otherwise in
 * registry order.  module_start() computes it once at start and refuses a
 * required module that is missing or a cycle.
 *
 * Configuration: init runs for every loaded snapshot (at start and at
 * each reload, runtime.c) after the resolver is built, in the main
 * thread; fini when the snapshot is released, in whichever thread drops
 * its last reference (a milter thread closing the last connection that
 * held it).  init returns 0 or -1 with *e set.
 *
 * Outbound mail (a trusted client, authres_outbound = false: see
 * ctx_msg_outbound) and every message when mode = "sign" skip the
 * message hooks of inbound_only modules (SPF, DKIM verify, DMARC): no
 * lookups, no results, no A-R header (ctx_msg_verify).  mode = "verify"
 * skips the signer modules (ctx_msg_may_sign).  A message a skip list
 * matches (ctx_msg_decide) runs no message hook at all.
 *
 * Hooks return HM_OK, or HM_ERROR for an internal failure: the message
 * gets the configured on_internal_error action and a log line.  A
 * connection-level hook (conn, helo) that fails is logged at once and
 * every later message on that connection gets on_internal_error.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_MODULE_H
#define HALLMARK_MODULE_H

#include <stddef.h>

#include "ctx.h"

#define HM_OK     0
#define HM_ERROR -1

/* slots in hm_modules[], conn->mod[] and msg->mod[] */
enum hm_mod_slot {
	MOD_SPF = 0,
	MOD_DKIMV,
	MOD_DMARC,
	MOD_DKIMS,
	MOD_SLOTS
};

struct conf;
struct conf_err;

struct hm_module {
	const char *name;
	const char *const *requires; /* NULL-terminated names, or NULL */
	size_t conn_size;	     /* bytes of conn->mod[slot], or 0 */
	size_t msg_size;	     /* bytes of msg->mod[slot], or 0 */
	int inbound_only;	     /* a check of received mail: its
					 * message hooks are skipped for
					 * outbound mail (ctx_msg_outbound) */
	int signer;		     /* adds signatures: skipped when mode
					 * is "verify" (ctx_msg_may_sign) */
	int (*init)(struct conf *c, struct conf_err *e);
	void (*fini)(struct conf *c);
	int (*conn)(struct hm_conn *c);		/* client address known */
	int (*helo)(struct hm_conn *c);		/* c->helo set */
	void (*conn_free)(struct hm_conn *c);
	int (*envfrom)(struct hm_msg *m); /* m->envfrom and the recipients
						 * known: runs at the first
						 * header (callbacks.c) */
	int (*header)(struct hm_msg *m, const struct hm_header *h);
	int (*eoh)(struct hm_msg *m);
	int (*body)(struct hm_msg *m, const unsigned char *p, size_t n);
	int (*eom)(struct hm_msg *m);		/* results, verdict */
	void (*msg_free)(struct hm_msg *m);
};

/* the registry, indexed by slot (module.c) */
extern const struct hm_module *const hm_modules[MOD_SLOTS];

/*
 * module_sort - order the n modules of reg so that each comes after the
 * modules it requires (ties: registry order) into out[n].  Returns 0, or
 * -1 with err naming a required module that is not in reg, or the
 * modules of a cycle.
 */
int module_sort(const struct hm_module *const *reg, size_t n,
    const struct hm_module **out, char *err, size_t errlen);

/* module_start - sort hm_modules once (at start); 0 or -1 with err */
int module_start(char *err, size_t errlen);
/* module_order - the calling order, NULL-terminated (module_start first) */
const struct hm_module *const *module_order(void);

/* module_applies - mod's message hooks run on m (see inbound_only) */
int module_applies(const struct hm_module *mod, const struct hm_msg *m);

/* module_conn_hooks - run the conn (helo == 0) or helo hooks of list
 * (NULL-terminated) on c; a failure is logged and remembered in c */
void module_conn_hooks(const struct hm_module *const *list, struct hm_conn *c,
    int helo);

#endif
