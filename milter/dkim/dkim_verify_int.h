/*
 * dkim_verify_int.h - inside the DKIM verification module: the two
 * verifiers behind the module's hooks (hallmark's own, dkim_verify_own.c,
 * and the libopendkim reference, dkim_verify_ref.c) and what they share to
 * turn facts into results, A-R entries and log lines (dkim_verify.c).
 *
 * An engine's per-message state lives in the module's block
 * msg->mod[MOD_DKIMV] of DKIMV_MSG_SIZE bytes (zeroed by ctx.c).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DKIM_VERIFY_INT_H
#define HALLMARK_DKIM_VERIFY_INT_H

#include <time.h>

#include "ctx.h"
#include "dkim_policy.h"
#include "module.h"

#define DKIMV_MSG_SIZE 512
/* an engine's state fits below DKIMV_STATE_MAX; the module notes which
 * engine a message started with after it */
#define DKIMV_STATE_MAX (DKIMV_MSG_SIZE - 16)

/* the hooks of one verifier (as struct hm_module's) */
struct dkimv_engine {
	int (*init)(struct conf *c, struct conf_err *e);
	int (*header)(struct hm_msg *m, const struct hm_header *h);
	int (*eoh)(struct hm_msg *m);
	int (*body)(struct hm_msg *m, const unsigned char *p, size_t n);
	int (*eom)(struct hm_msg *m);
	void (*msg_free)(struct hm_msg *m);
};

extern const struct dkimv_engine dkimv_ref_engine;
extern const struct dkimv_engine dkimv_own_engine;

/* tag values of one signature (allocated; d, s, i, a go to the result) */
struct dkimv_tags {
	char *d, *s, *i, *a, *b;
};

/* dkimv_result - the result of one signature from its facts: a
 * ctx_dkim_add() entry taking d, s, i, a of t, an A-R entry, a log line */
void dkimv_result(struct hm_msg *m, const struct dkimpol_facts *f,
    struct dkimv_tags *t, time_t now);
/* dkimv_plain - a result without signature details (none, errors) */
void dkimv_plain(struct hm_msg *m, enum res_dkim res, const char *why);

#endif
