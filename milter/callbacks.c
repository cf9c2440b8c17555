/*
 * callbacks.c - the xxfi_* callbacks: thin glue between libmilter and the
 * modules.  Each callback moves what the MTA sent into the contexts
 * (ctx.h), calls the modules' hooks in order (module.h), and maps the
 * outcome to SMFIS_*; at end of message it removes forged
 * Authentication-Results headers (last to first), inserts ours at index 0
 * (none on outbound, mode "sign" or skipped mail: ctx_msg_verify) with the headers modules
 * queued below it, applies the verdict, records the message for DMARC
 * aggregate reports (rcollect.c: in memory, never the store) and writes
 * the one log line per message (summary.c).  No policy is decided here.
 *
 * Macros: negotiation asks for the queue id {i} at every step from MAIL
 * FROM on (and {auth_authen} at MAIL FROM), and takes it as soon as the
 * MTA has one (Postfix: from RCPT TO or DATA on, never at MAIL FROM);
 * lines about the message written before are logged then (msglog.c).
 *
 * The modules' envfrom hooks run once the recipients are known (msg_begin,
 * at the first header), after the skip lists decided: all replies wait
 * for end of message anyway.
 *
 * Every path that ends a message (eom, abort, close, a new MAIL FROM)
 * goes through ctx_msg_free(), and close through ctx_conn_free().
 *
 * Replies: the verdict is given at end of message only, so negotiation
 * asks the MTA not to wait for a reply after HELO, MAIL, RCPT, each
 * header, end of headers and each body chunk (SMFIP_NR_*; libmilter fakes
 * them for an MTA without the feature) and not to send DATA or unknown
 * commands at all.  Those callbacks return SMFIS_NOREPLY on every path: a
 * module that wants to answer earlier must take its step out of NR_STEPS.
 * Without this, each header is a round trip between two processes, and
 * the thread wake-ups cost more CPU than the message's checks.
 *
 * Header bytes: without SMFIP_HDR_LEADSPC the MTA removes one space after
 * each header's colon and adds one to every header we insert, so the
 * exact header cannot be known (DKIM's simple canonicalisation needs it).
 * When the MTA offers the flag (Postfix 2.6, Sendmail 8.14 and later) it
 * is taken: values arrive byte for byte (conn->hdr_leadspc) and the
 * headers we insert carry their own leading space.  The flag is
 * negotiated before xxfi_connect creates our context, so until then the
 * private pointer holds a marker (leadspc_mark) instead.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "callbacks.h"
#include "conf.h"
#include "conf_table.h"
#include "ctx.h"
#include "log.h"
#include "metrics.h"
#include "module.h"
#include "msglog.h"
#include "rcollect.h"
#include "str.h"
#include "summary.h"

/* steps whose callbacks never decide: the MTA need not wait for them */
#define NR_STEPS (SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT |	\
	SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)
/* steps we have no callback for */
#define NO_STEPS (SMFIP_NODATA | SMFIP_NOUNKNOWN)
#define ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)

#define HOOK_EACH(m, hook, ...) \
	do { \
		const struct hm_module *const *o_ = module_order(); \
		size_t i_; \
		for (i_ = 0; o_[i_] != NULL; i_++) \
			if (o_[i_]->hook != NULL && \
			    module_applies(o_[i_], m) && \
			    o_[i_]->hook(__VA_ARGS__) != HM_OK) \
				hook_failed((m), o_[i_]->name, #hook); \
	} while (0)

static unsigned inflight;
static int draining;
static char leadspc_mark; /* priv between negotiate and connect */

/* cb_inflight - messages in progress */
unsigned
cb_inflight(void)
{
	return __atomic_load_n(&inflight, __ATOMIC_SEQ_CST);
}

/* cb_set_draining - refuse new connections while stopping */
void
cb_set_draining(int on)
{
	__atomic_store_n(&draining, on, __ATOMIC_SEQ_CST);
}

/* conn_of - our context of a libmilter context */
static struct hm_conn *
conn_of(SMFICTX *ctx)
{
	void *p = smfi_getpriv(ctx);

	return p == &leadspc_mark ? NULL : p;
}

/* hook_failed - a module failed on this message: remember and log
 * (connection-level hooks: module_conn_hooks) */
static void
hook_failed(struct hm_msg *m, const char *mod, const char *hook)
{
	m->internal_error = 1;
	log_qid(LOG_LVL_WARN, m->qid, "%s: internal error in %s hook", mod,
	    hook);
}

/* update_qid - take the queue id from {i} once the MTA has one, and log
 * the lines kept until then */
static void
update_qid(SMFICTX *ctx, struct hm_msg *m)
{
	const char *qid = smfi_getsymval(ctx, "i");

	if (m != NULL && qid != NULL && *qid != '\0') {
		log_printable(m->qid, sizeof(m->qid), qid, strlen(qid));
		msglog_flush(m); /* lines kept until now */
	}
}

/* set_addr - copy the client address and classify it */
static void
set_addr(struct hm_conn *c, const struct sockaddr *sa)
{
	const void *a = NULL;

	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		memcpy(&c->addr, sa, sizeof(struct sockaddr_in));
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&c->addr, sa, sizeof(struct sockaddr_in6));
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	}
	if (a == NULL)
		return;
	c->has_addr = 1;
	inet_ntop(sa->sa_family, a, c->addrstr, sizeof(c->addrstr));
	c->internal = cidr_match_sa(&c->conf->internal_networks, sa);
	c->skip_net = cidr_match_sa(&c->conf->skip_networks, sa);
	c->relay = cidr_match_sa(&c->conf->trusted_relays, sa);
}

/* ask_macros - the macros read, at each step (where the MTA can be told) */
static void
ask_macros(SMFICTX *ctx)
{
	static const struct {
		int stage;
		char *list;
	} want[] = {
		{ SMFIM_ENVFROM, "i {auth_authen}" },
		{ SMFIM_ENVRCPT, "i" },
		{ SMFIM_EOH, "i" },
		{ SMFIM_EOM, "i" },
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (smfi_setsymlist(ctx, want[i].stage, want[i].list) !=
		    MI_SUCCESS)
			log_debug("the MTA cannot be asked for macros \"%s\"",
			    want[i].list);
}

/* cb_negotiate - our actions; no replies or no commands for the steps
 * above, as far as the MTA offers them (libmilter fakes the NR ones);
 * header values byte for byte when the MTA offers that */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)f0;
	(void)f2;
	(void)f3;
	*pf0 = ACTIONS;
	*pf1 = NR_STEPS | (f1 & NO_STEPS);
	*pf2 = 0;
	*pf3 = 0;
	ask_macros(ctx);
	if ((f1 & SMFIP_HDR_LEADSPC) != 0) {
		*pf1 |= SMFIP_HDR_LEADSPC;
		smfi_setpriv(ctx, &leadspc_mark);
	}
	return SMFIS_CONTINUE;
}

/* cb_connect - new connection: context, client address, module hooks */
static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct conf *conf;
	struct hm_conn *c;
	int leadspc = smfi_getpriv(ctx) == &leadspc_mark;

	if (__atomic_load_n(&draining, __ATOMIC_SEQ_CST)) {
		smfi_setreply(ctx, "421", "4.3.2", "hallmark is shutting down");
		return SMFIS_TEMPFAIL;
	}
	conf = conf_current();
	c = ctx_conn_new(conf);
	conf_release(conf);
	c->hdr_leadspc = leadspc;
	c->hostname = xstrdup(hostname ? hostname : "unknown");
	set_addr(c, (const struct sockaddr *)hostaddr);
	smfi_setpriv(ctx, c);
	module_conn_hooks(module_order(), c, 0);
	return SMFIS_CONTINUE;
}

/* cb_helo - remember the HELO name */
static sfsistat
cb_helo(SMFICTX *ctx, char *helohost)
{
	struct hm_conn *c = conn_of(ctx);

	if (c == NULL)
		return SMFIS_NOREPLY;
	free(c->helo);
	c->helo = xstrdup(helohost ? helohost : "");
	module_conn_hooks(module_order(), c, 1);
	return SMFIS_NOREPLY;
}

/* strip_path - "<a@b>" -> "a@b" (ESMTP parameters are separate argv) */
static char *
strip_path(const char *p)
{
	size_t n;

	if (p == NULL)
		return xstrdup("");
	n = strlen(p);
	if (n >= 2 && p[0] == '<' && p[n - 1] == '>')
		return xstrndup(p + 1, n - 2);
	return xstrdup(p);
}

/* msg_end - the message is over, however it ended */
static void
msg_end(struct hm_conn *c)
{
	if (c->msg == NULL)
		return;
	ctx_msg_free(c->msg);
	__atomic_sub_fetch(&inflight, 1, __ATOMIC_SEQ_CST);
}

/* out_of_order - a message command came without a message (no MAIL
 * FROM, or after its end): counted, then ignored with reply rc */
static sfsistat
out_of_order(sfsistat rc)
{
	(void)metrics_inc(M_PROTO_ERROR, "out_of_order", NULL);
	return rc;
}

/* cb_envfrom - a new message */
static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct hm_conn *c = conn_of(ctx);
	const char *auth;
	struct hm_msg *m;

	if (c == NULL)
		return SMFIS_NOREPLY;
	msg_end(c);
	m = ctx_msg_new(c);
	__atomic_add_fetch(&inflight, 1, __ATOMIC_SEQ_CST);
	m->envfrom = strip_path(argv ? argv[0] : NULL);
	auth = smfi_getsymval(ctx, "{auth_authen}");
	if (auth != NULL && *auth != '\0')
		m->auth_authen = xstrdup(auth);
	update_qid(ctx, m);
	return SMFIS_NOREPLY;
}

/* msg_begin - once the recipients are known (the first header, or end
 * of headers): the skip lists decide (ctx_msg_decide), then the modules'
 * envfrom hooks run; SPF's lookups wait until here, so a message a skip
 * list matches costs none */
static void
msg_begin(struct hm_msg *m)
{
	if (m->decided)
		return;
	(void)ctx_msg_decide(m);
	HOOK_EACH(m, envfrom, m);
}

/* cb_envrcpt - count and match recipients; the queue id may be known */
static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct hm_conn *c = conn_of(ctx);
	char *rcpt;

	if (c != NULL && c->msg != NULL) {
		rcpt = strip_path(argv ? argv[0] : NULL);
		ctx_msg_rcpt(c->msg, rcpt);
		free(rcpt);
		update_qid(ctx, c->msg);
	}
	return SMFIS_NOREPLY;
}

/* note_authres - remember A-R headers that claim our authserv-id */
static void
note_authres(struct hm_msg *m, const char *name, const char *value)
{
	if (str_casecmp(name, "Authentication-Results") != 0)
		return;
	m->nar++;
	if (!authres_claims(value, m->conf->authserv_id))
		return;
	m->forged = xrealloc(m->forged, (m->nforged + 1) * sizeof(unsigned));
	m->forged[m->nforged++] = m->nar;
}

/* cb_header - store the header and hand it to the modules */
static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct hm_conn *c = conn_of(ctx);
	struct hm_header h;
	struct hm_msg *m;

	if (c == NULL || (m = c->msg) == NULL || name == NULL)
		return out_of_order(SMFIS_NOREPLY);
	value = value ? value : "";
	msg_begin(m);
	note_authres(m, name, value);
	if (ctx_msg_header(m, name, value) < 0 && !m->hdr_truncated) {
		m->hdr_truncated = 1;
		log_qid(LOG_LVL_WARN, m->qid, "header block over %ld bytes: "
		    "further headers are checked but not kept",
		    m->conf->max_header_bytes);
	}
	h.name = name;
	h.value = value;
	HOOK_EACH(m, header, m, &h);
	return SMFIS_NOREPLY;
}

/* cb_eoh - end of headers */
static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct hm_conn *c = conn_of(ctx);

	if (c != NULL && c->msg != NULL) {
		update_qid(ctx, c->msg);
		msg_begin(c->msg);
		HOOK_EACH(c->msg, eoh, c->msg);
	}
	return SMFIS_NOREPLY;
}

/* cb_body - a body chunk, streamed to the modules, never kept here */
static sfsistat
cb_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	struct hm_conn *c = conn_of(ctx);

	if (c == NULL || c->msg == NULL)
		return out_of_order(SMFIS_NOREPLY);
	c->msg->bodybytes += n;
	msg_begin(c->msg);
	HOOK_EACH(c->msg, body, c->msg, p, n);
	return SMFIS_NOREPLY;
}

/* ins_top - insert "name: value" at the top; with SMFIP_HDR_LEADSPC the
 * space after the colon is ours to send */
static int
ins_top(SMFICTX *ctx, const struct hm_msg *m, const char *name,
    const char *value)
{
	char *v = m->conn->hdr_leadspc ? xasprintf(" %s", value) : NULL;
	int rc = smfi_insheader(ctx, 0, (char *)name,
	    v != NULL ? v : (char *)value);

	free(v);
	return rc == MI_SUCCESS ? 0 : -1;
}

/* edit_headers - remove forgeries (last first), insert ours at the top */
static int
edit_headers(SMFICTX *ctx, struct hm_msg *m)
{
	char *ar;
	size_t i;
	int rc = 0;

	for (i = m->nforged; i > 0; i--) {
		if (smfi_chgheader(ctx, "Authentication-Results",
		    (int)m->forged[i - 1], NULL) != MI_SUCCESS)
			rc = -1;
	}
	for (i = m->nadd; i > 0; i--) {
		if (ins_top(ctx, m, m->add[i - 1].name, m->add[i - 1].value) <
		    0)
			rc = -1;
	}
	if (!ctx_msg_verify(m))
		return rc; /* outbound, mode sign or skipped: no A-R */
	ar = authres_format(m->conf->authserv_id, &m->ar);
	if (ins_top(ctx, m, "Authentication-Results", ar) < 0)
		rc = -1;
	free(ar);
	return rc;
}

/* reply_text - a reply text libmilter accepts: printable, '%' doubled */
static char *
reply_text(const char *t)
{
	struct str b;
	char *out;

	str_init(&b);
	for (; t != NULL && *t; t++) {
		unsigned char ch = (unsigned char)*t;

		if (ch == '%')
			str_add(&b, "%%");
		else
			str_addc(&b, (ch < 0x20 || ch >= 0x7f) ? '?' : *t);
	}
	out = str_steal(&b);
	return out;
}

/* set_reply - smfi_setreply with defaults for the action */
static void
set_reply(SMFICTX *ctx, const struct verdict *v, const char *rc,
    const char *xc, const char *text)
{
	char *t = reply_text(v->text ? v->text : text);

	if (smfi_setreply(ctx, (char *)(v->rcode ? v->rcode : rc),
	    (char *)(v->xcode ? v->xcode : xc), t) != MI_SUCCESS)
		log_warn("cannot set SMTP reply %s %s %s", rc, xc, t);
	free(t);
}

/* apply_verdict - the final action as SMFIS_* */
static sfsistat
apply_verdict(SMFICTX *ctx, struct hm_msg *m)
{
	struct verdict *v = &m->verdict;
	char *t;

	switch (v->action) {
	case VERDICT_REJECT:
		set_reply(ctx, v, "550", "5.7.1", "message rejected");
		return SMFIS_REJECT;
	case VERDICT_TEMPFAIL:
		set_reply(ctx, v, "451", "4.7.1", "try again later");
		return SMFIS_TEMPFAIL;
	case VERDICT_QUARANTINE:
		t = reply_text(v->text ? v->text : "hallmark quarantine");
		if (smfi_quarantine(ctx, t) != MI_SUCCESS)
			log_qid(LOG_LVL_WARN, m->qid, "quarantine failed");
		free(t);
		return SMFIS_CONTINUE;
	default:
		return SMFIS_CONTINUE;
	}
}

/* cb_eom - results, header edits, verdict */
static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct hm_conn *c = conn_of(ctx);
	struct hm_msg *m;
	sfsistat rc;

	if (c == NULL || (m = c->msg) == NULL)
		return out_of_order(SMFIS_CONTINUE);
	update_qid(ctx, m);
	msg_begin(m);
	HOOK_EACH(m, eom, m);
	if (m->internal_error)
		verdict_propose(&m->verdict, m->conf->on_internal_error,
		    "internal-error", "451", "4.3.0",
		    "temporary local problem, try again later");
	if (m->verdict.action != VERDICT_REJECT &&
	    m->verdict.action != VERDICT_TEMPFAIL && edit_headers(ctx, m) < 0)
		log_qid(LOG_LVL_WARN, m->qid, "header changes failed: the "
		    "MTA refused them or closed the connection");
	rc = apply_verdict(ctx, m);
	(void)rcollect_msg(m); /* DMARC aggregate reports: in memory */
	summary_log(m);
	msg_end(c);
	return rc;
}

/* cb_abort - the MTA abandoned the message */
static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct hm_conn *c = conn_of(ctx);

	if (c != NULL && c->msg != NULL)
		(void)metrics_inc(M_PROTO_ERROR, "aborted", NULL);
	if (c != NULL)
		msg_end(c);
	return SMFIS_CONTINUE;
}

/* cb_close - end of connection: free everything */
static sfsistat
cb_close(SMFICTX *ctx)
{
	struct hm_conn *c = conn_of(ctx);

	smfi_setpriv(ctx, NULL); /* also a marker never connected */
	if (c == NULL)
		return SMFIS_CONTINUE;
	if (c->msg != NULL)
		(void)metrics_inc(M_PROTO_ERROR, "closed_mid_message", NULL);
	msg_end(c);
	ctx_conn_free(c);
	return SMFIS_CONTINUE;
}

/* cb_desc - the registration record */
struct smfiDesc *
cb_desc(void)
{
	static struct smfiDesc desc = {
		"hallmark", SMFI_VERSION, ACTIONS,
		cb_connect, cb_helo, cb_envfrom, cb_envrcpt, cb_header,
		cb_eoh, cb_body, cb_eom, cb_abort, cb_close,
		NULL, NULL, cb_negotiate
	};

	return &desc;
}
