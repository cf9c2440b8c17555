/*
 * dkim_verify.c - the DKIM verification module "dkimv": its configuration
 * section dkim_verify { }, the module's hooks handing each message to a
 * verifier (hallmark's own, dkim_verify_own.c; or, when dkimv_reference
 * is set, the libopendkim reference, dkim_verify_ref.c), and what both
 * share: one result per signature from dkimpol_decide(), its A-R entry and
 * log line, and the must-sign action (dkim_action.c) at the end.
 *
 * SYNOPSIS
 *	extern const struct hm_module dkimv_module;
 *	extern const struct conf_opt dkimv_conf_opts[];
 *	extern int dkimv_reference;
 *
 * DESCRIPTION
 *	The module owns the DKIM results it records (msg->dkim), freed by
 *	msg_free however the transaction ended; the verifier owns its state
 *	in msg->mod[MOD_DKIMV].  Thread safety: per-message state only.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h> /* DKIM_SIGFLAG_TESTKEY */

#include "authres.h"
#include "conf_check.h"
#include "conf_table.h"
#include "ctx.h"
#include "dkim_action.h"
#include "dkim_policy.h"
#include "dkim_verify.h"
#include "dkim_verify_int.h"
#include "log.h"
#include "str.h"

int dkimv_reference;

static const char *const dkimv_sha1_names[] = { "fail", "neutral", NULL };
static const char *const dkimv_blen_names[] = { "accept", "policy", NULL };

#define OFF(f) offsetof(struct conf_dkim_verify, f)
/* option table rows stay as written (see .clang-format) */
/* clang-format off */
const struct conf_opt dkimv_conf_opts[] = {
	{ .name = "enable", .type = CT_BOOL, .off = OFF(enable), .def = "true",
	  .doc = "verify DKIM signatures of incoming messages" },
	{ .name = "max_signatures", .type = CT_INT, .off = OFF(max_signatures),
	  .def = "8", .min = 1, .max = 64,
	  .doc = "signatures evaluated per message; further ones get "
	    "neutral" },
	{ .name = "min_rsa_bits", .type = CT_INT, .off = OFF(min_rsa_bits),
	  .def = "1024", .min = 512, .max = 16384,
	  .doc = "RSA keys with fewer bits fail" },
	{ .name = "rsa_sha1", .type = CT_ENUM, .off = OFF(rsa_sha1),
	  .def = "fail", .enums = dkimv_sha1_names,
	  .doc = "result for valid rsa-sha1 signatures (RFC 8301): "
	    "fail|neutral" },
	{ .name = "body_length", .type = CT_ENUM, .off = OFF(body_length),
	  .def = "accept", .enums = dkimv_blen_names,
	  .doc = "l= with unsigned body content after it: accept|policy" },
	{ .name = "clock_drift", .type = CT_INT, .off = OFF(clock_drift),
	  .def = "300", .max = 86400,
	  .doc = "seconds of tolerance when checking t= and x=" },
	{ .name = "max_signature_bytes", .type = CT_INT,
	  .off = OFF(max_signature_bytes), .def = "65536", .min = 1024,
	  .max = 1048576,
	  .doc = "a longer DKIM-Signature header is not parsed: permerror" },
	{ .name = "must_sign_domains", .type = CT_STRLIST,
	  .off = OFF(must_sign_domains), .valid = conf_check_domain_pattern,
	  .doc = "From domains (\"*.x\": subdomains) whose mail needs a "
	    "valid signature with d= the From domain" },
	{ .name = "on_unsigned", .type = CT_ENUM, .off = OFF(on_unsigned),
	  .def = "accept", .enums = dkima_action_names,
	  .doc = "mail from a must_sign_domains domain without that "
	    "signature: accept|quarantine|reject" },
	CONF_END
};
/* clang-format on */
#undef OFF

/* prop_safe - v can go into an A-R property value unquoted */
static int
prop_safe(const char *v)
{
	if (v == NULL || *v == '\0')
		return 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f || strchr("()<>[]:;\\\",", *p))
			return 0;
	}
	return 1;
}

/* b8_copy - the first 8 characters of b=, folding white space skipped */
static void
b8_copy(char out[9], const char *b)
{
	size_t n = 0;

	for (; b != NULL && *b != '\0' && n < 8; b++) {
		if (!isspace((unsigned char)*b))
			out[n++] = *b;
	}
	out[n] = '\0';
}

/* sig_props - "header.d=... header.s=... header.i=... header.a=...
 * header.b=..." from the values that are safe to print */
static char *
sig_props(const struct res_dkim_sig *r)
{
	struct str p;
	char *idef = NULL, *out;
	const char *i = r->i;

	str_init(&p);
	if (prop_safe(r->d))
		str_addf(&p, "header.d=%s", r->d);
	if (prop_safe(r->s))
		str_addf(&p, "%sheader.s=%s", p.len ? " " : "", r->s);
	if (i == NULL && r->d != NULL)
		i = idef = xasprintf("@%s", r->d);
	if (prop_safe(i))
		str_addf(&p, "%sheader.i=%s", p.len ? " " : "", i);
	if (prop_safe(r->a))
		str_addf(&p, "%sheader.a=%s", p.len ? " " : "", r->a);
	if (prop_safe(r->b8))
		str_addf(&p, "%sheader.b=%s", p.len ? " " : "", r->b8);
	free(idef);
	out = str_steal(&p);
	return out;
}


/* dkimv_plain - see dkim_verify_int.h */
void
dkimv_plain(struct hm_msg *m, enum res_dkim res, const char *why)
{
	struct res_dkim_sig *r;

	if (res != RES_DKIM_NONE) {
		r = ctx_dkim_add(m);
		r->result = res;
		r->reason = why != NULL ? xstrdup(why) : NULL;
	}
	authres_add(&m->ar, "dkim", res_dkim_name(res), why, NULL);
	log_qid(LOG_LVL_DEBUG, m->qid, "dkim=%s%s%s%s", res_dkim_name(res),
	    why ? " (" : "", why ? why : "", why ? ")" : "");
}

/* dkimv_result - see dkim_verify_int.h */
void
dkimv_result(struct hm_msg *m, const struct dkimpol_facts *f,
    struct dkimv_tags *t, time_t now)
{
	struct res_dkim_sig *r = ctx_dkim_add(m);
	char why[160], lb[200], *props;

	r->d = t->d;
	r->s = t->s;
	r->i = t->i;
	r->a = t->a;
	t->d = t->s = t->i = t->a = NULL;
	b8_copy(r->b8, t->b);
	r->testing = (f->flags & DKIM_SIGFLAG_TESTKEY) != 0;
	r->result = dkimpol_decide(f, &m->conf->dkim_verify, now, why,
	    sizeof(why));
	r->reason = why[0] != '\0' ? xstrdup(why) : NULL;
	props = sig_props(r);
	authres_add(&m->ar, "dkim", res_dkim_name(r->result), r->reason, props);
	log_qid(LOG_LVL_DEBUG, m->qid, "dkim=%s %s%s%s%s",
	    res_dkim_name(r->result), LOG_P(lb, props), r->reason ? " (" : "",
	    r->reason ? r->reason : "", r->reason ? ")" : "");
	free(props);
}

/* engine - the verifier of message m: chosen when it starts (by
 * dkimv_reference) and kept until it ends; m may be NULL (a configuration
 * load) */
static const struct dkimv_engine *
engine(struct hm_msg *m)
{
	unsigned char *which;

	if (m == NULL || m->mod[MOD_DKIMV] == NULL)
		return dkimv_reference ? &dkimv_ref_engine : &dkimv_own_engine;
	which = (unsigned char *)m->mod[MOD_DKIMV] + DKIMV_STATE_MAX;
	if (*which == 0)
		*which = dkimv_reference ? 2 : 1;
	return *which == 2 ? &dkimv_ref_engine : &dkimv_own_engine;
}

static int
dkimv_header(struct hm_msg *m, const struct hm_header *h)
{
	if (!m->conf->dkim_verify.enable)
		return HM_OK;
	return engine(m)->header(m, h);
}

static int
dkimv_eoh(struct hm_msg *m)
{
	if (!m->conf->dkim_verify.enable)
		return HM_OK;
	return engine(m)->eoh(m);
}

static int
dkimv_body(struct hm_msg *m, const unsigned char *p, size_t n)
{
	if (!m->conf->dkim_verify.enable)
		return HM_OK;
	return engine(m)->body(m, p, n);
}

/* dkimv_eom - the verifier's results, then the must-sign action */
static int
dkimv_eom(struct hm_msg *m)
{
	size_t ar_first = m->ar.n;

	if (!m->conf->dkim_verify.enable)
		return HM_OK;
	(void)engine(m)->eom(m);
	dkima_apply(m, &m->conf->dkim_verify, ar_first);
	return HM_OK;
}

/* dkimv_msg_free - the verifier's state and the results, however the
 * message ended (safe to call twice) */
static void
dkimv_msg_free(struct hm_msg *m)
{
	res_dkim_free(&m->dkim, &m->ndkim);
	if (m->mod[MOD_DKIMV] != NULL)
		engine(m)->msg_free(m);
}

/* dkimv_init - a configuration is loaded: the verifier can start */
static int
dkimv_init(struct conf *c, struct conf_err *e)
{
	if (!c->dkim_verify.enable)
		return 0;
	return engine(NULL)->init(c, e);
}

const struct hm_module dkimv_module = {
	.name = "dkimv",
	.inbound_only = 1,
	.msg_size = DKIMV_MSG_SIZE,
	.init = dkimv_init,
	.header = dkimv_header,
	.eoh = dkimv_eoh,
	.body = dkimv_body,
	.eom = dkimv_eom,
	.msg_free = dkimv_msg_free,
};
