/*
 * dkim_verify_own.c - the "dkimv" module's hooks for hallmark's own
 * verifier (dkim_ver.h): one struct dkver per message, headers and body
 * passed on as they come, every signature turned into a result at eom.
 *
 * Owns struct dkimv_own in msg->mod[MOD_DKIMV] (the block is ctx.c's) and
 * the struct dkver it points to, freed by the msg_free hook however the
 * message ended.  Logs what the reference verifier logs for the same
 * input: oversized signatures, headers too long, body lines too long.
 * Thread safety: per-message state; the key cache is shared and locked.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_table.h"
#include "ctx.h"
#include "dkim_ver.h"
#include "dkim_verify.h"
#include "dkim_verify_int.h"
#include "dkim_versig.h"
#include "log.h"
#include "str.h"

/* per-message state in msg->mod[MOD_DKIMV] */
struct dkimv_own {
	struct dkver *v;    /* NULL until the first header */
	unsigned oversized; /* DKIM-Signature fields not passed on */
	int eoh_done;
	int cut_logged;
};

_Static_assert(sizeof(struct dkimv_own) <= DKIMV_STATE_MAX,
    "the verifier's state fits the module's block");

/* own_get - the message's state, its verifier started */
static struct dkimv_own *
own_get(struct hm_msg *m)
{
	struct dkimv_own *st = m->mod[MOD_DKIMV];

	if (st->v == NULL)
		st->v = dkver_new(m->conf->dkim_verify.max_signatures,
		    m->conf->dkim_verify.clock_drift);
	return st;
}

/* own_header - keep one header field */
static int
own_header(struct hm_msg *m, const struct hm_header *h)
{
	struct dkimv_own *st = own_get(m);
	const char *v = h->value != NULL ? h->value : "";
	const char *prev = dkver_huge(st->v);
	char nb[80];

	if (str_casecmp(h->name, "DKIM-Signature") == 0 &&
	    strlen(v) > (size_t)m->conf->dkim_verify.max_signature_bytes) {
		st->oversized++;
		log_qid(LOG_LVL_WARN, m->qid,
		    "dkim: DKIM-Signature of %zu "
		    "bytes not evaluated",
		    strlen(v));
		return HM_OK;
	}
	dkver_header(st->v, h->name, v, m->conn->hdr_leadspc);
	if (prev == NULL && dkver_huge(st->v) != NULL)
		log_qid(LOG_LVL_WARN, m->qid,
		    "dkim: header %s over %d bytes: "
		    "signatures covering it get permerror",
		    LOG_P(nb, h->name), DKIMPOL_LIB_HDR_MAX);
	return HM_OK;
}

/* own_eoh - list the signatures */
static int
own_eoh(struct hm_msg *m)
{
	struct dkimv_own *st = own_get(m);

	if (!st->eoh_done)
		dkver_eoh(st->v);
	st->eoh_done = 1;
	return HM_OK;
}

/* own_body - one body chunk, hashed at once */
static int
own_body(struct hm_msg *m, const unsigned char *p, size_t n)
{
	struct dkimv_own *st = own_get(m);

	(void)own_eoh(m);
	dkver_body(st->v, p, n);
	if (dkver_body_cut(st->v) && !st->cut_logged) {
		st->cut_logged = 1;
		log_qid(LOG_LVL_WARN, m->qid,
		    "dkim: body line over %d bytes: "
		    "signatures not verified (permerror)",
		    DKVER_LINE_MAX);
	}
	return HM_OK;
}

/* tags_of - the tag values of signature k, copied */
static void
tags_of(const struct dkvs_sig *g, struct dkimv_tags *t)
{
	t->d = g->d != NULL ? xstrdup(g->d) : NULL;
	t->s = g->s != NULL ? xstrdup(g->s) : NULL;
	t->i = g->i != NULL ? xstrdup(g->i) : NULL;
	t->a = g->a != NULL ? xstrdup(g->a) : NULL;
	t->b = g->b;
}

/* own_sigs - a result for every signature, neutral for those not
 * evaluated */
static void
own_sigs(struct hm_msg *m, struct dkimv_own *st)
{
	time_t now = time(NULL);
	char why[80];

	for (size_t k = 0; k < dkver_nsigs(st->v); k++) {
		struct dkimpol_facts f;
		struct dkimv_tags t;

		dkver_facts(st->v, k, &f);
		tags_of(dkver_sig(st->v, k), &t);
		dkimv_result(m, &f, &t, now);
	}
	if (dkver_ignored(st->v) > 0) {
		snprintf(why, sizeof(why), "%u more signatures not evaluated",
		    dkver_ignored(st->v));
		dkimv_plain(m, RES_DKIM_NEUTRAL, why);
	}
}

/* own_eom - verify, record the results */
static int
own_eom(struct hm_msg *m)
{
	struct dkimv_own *st;
	char why[80];

	(void)own_eoh(m);
	st = own_get(m);
	if (st->oversized > 0) {
		snprintf(why, sizeof(why),
		    "%u oversized signatures not "
		    "evaluated",
		    st->oversized);
		dkimv_plain(m, RES_DKIM_PERMERROR, why);
	}
	if (dkver_nsigs(st->v) > 0 || dkver_ignored(st->v) > 0) {
		dkver_eom(st->v, m->conf->resolver, &m->budget);
		own_sigs(m, st);
	} else if (st->oversized == 0) {
		dkimv_plain(m, RES_DKIM_NONE, NULL);
	}
	dkver_free(st->v);
	st->v = NULL;
	st->eoh_done = 0;
	return HM_OK;
}

/* own_msg_free - the verifier, however the message ended */
static void
own_msg_free(struct hm_msg *m)
{
	struct dkimv_own *st = m->mod[MOD_DKIMV];

	dkver_free(st->v);
	st->v = NULL;
}

/* own_init - nothing to start */
static int
own_init(struct conf *c, struct conf_err *e)
{
	(void)c;
	(void)e;
	return 0;
}

const struct dkimv_engine dkimv_own_engine = {
	.init = own_init,
	.header = own_header,
	.eoh = own_eoh,
	.body = own_body,
	.eom = own_eom,
	.msg_free = own_msg_free,
};
