/*
 * ctx.c - lifecycles of the per-connection and per-message contexts
 * (ctx.h).  ctx_msg_free() and ctx_conn_free() are the only places their
 * memory is released; they call every module's free hook exactly once, so
 * an abort or a disconnect at any callback leaks nothing.  Module state is
 * allocated and freed here by the sizes the modules declare (module.h):
 * nothing here knows what a module keeps.
 *
 * Thread safety: a context is used by the one libmilter thread serving
 * its connection at a time.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrpat.h"
#include "conf.h"
#include "conf_table.h"
#include "ctx.h"
#include "log.h"
#include "metrics.h"
#include "msglog.h"
#include "module.h"
#include "str.h"

/* states_new - zeroed blocks of the sizes the modules ask for */
static void
states_new(void **mod, int per_msg)
{
	size_t i, n;

	for (i = 0; i < MOD_SLOTS; i++) {
		n = per_msg ? hm_modules[i]->msg_size :
			      hm_modules[i]->conn_size;
		mod[i] = n > 0 ? xcalloc(1, n) : NULL;
	}
}

/* states_free - the blocks states_new made */
static void
states_free(void **mod)
{
	size_t i;

	for (i = 0; i < MOD_SLOTS; i++) {
		free(mod[i]);
		mod[i] = NULL;
	}
}

/* ctx_conn_new - a connection holding a reference to conf */
struct hm_conn *
ctx_conn_new(struct conf *conf)
{
	struct hm_conn *c = xcalloc(1, sizeof(*c));

	c->conf = conf_hold(conf);
	snprintf(c->addrstr, sizeof(c->addrstr), "unknown");
	states_new(c->mod, 0);
	return c;
}

/* ctx_conn_free - end the message if any, module hooks, release conf */
void
ctx_conn_free(struct hm_conn *c)
{
	size_t i;

	if (c == NULL)
		return;
	ctx_msg_free(c->msg);
	for (i = 0; i < MOD_SLOTS; i++)
		if (hm_modules[i]->conn_free != NULL)
			hm_modules[i]->conn_free(c);
	states_free(c->mod);
	free(c->hostname);
	free(c->helo);
	conf_release(c->conf);
	free(c);
}

/* ctx_msg_new - start a message on connection c */
struct hm_msg *
ctx_msg_new(struct hm_conn *c)
{
	struct hm_msg *m = xcalloc(1, sizeof(*m));

	ctx_msg_free(c->msg);
	m->conn = c;
	m->conf = c->conf;
	snprintf(m->qid, sizeof(m->qid), "NOQUEUE");
	dns_budget_init(&m->budget, c->conf->resolver, 0);
	m->internal_error = c->hook_error;
	states_new(m->mod, 1);
	c->msg = m;
	c->nmsgs++;
	metrics_inflight(1);
	return m;
}

/* headers_free - the stored and the queued headers */
static void
headers_free(struct hm_msg *m)
{
	size_t i;

	for (i = 0; i < m->nhdr; i++) {
		free(m->hdr[i].name);
		free(m->hdr[i].value);
	}
	free(m->hdr);
	for (i = 0; i < m->nadd; i++) {
		free(m->add[i].name);
		free(m->add[i].value);
	}
	free(m->add);
}

/* ctx_msg_free - module hooks, then everything the message owns */
void
ctx_msg_free(struct hm_msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	msglog_flush(m);
	metrics_inflight(-1);
	for (i = 0; i < MOD_SLOTS; i++)
		if (hm_modules[i]->msg_free != NULL)
			hm_modules[i]->msg_free(m);
	states_free(m->mod);
	free(m->envfrom);
	free(m->auth_authen);
	free(m->forged);
	for (i = 0; i < m->nrcpt_domains; i++)
		free(m->rcpt_domains[i]);
	free(m->rcpt_domains);
	headers_free(m);
	free(m->from.value);
	authres_free(&m->ar);
	verdict_free(&m->verdict);
	if (m->conn != NULL && m->conn->msg == m)
		m->conn->msg = NULL;
	free(m);
}

/* ctx_msg_header - keep a header, within max_header_bytes */
int
ctx_msg_header(struct hm_msg *m, const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 4;

	if (str_casecmp(name, "From") == 0 && m->from.nfield++ == 0)
		m->from.value = xstrdup(value);
	if (m->hdrbytes + n > (size_t)m->conf->max_header_bytes)
		return -1;
	m->hdrbytes += n;
	if (m->nhdr == m->hdrcap) {
		m->hdrcap = m->hdrcap ? m->hdrcap * 2 : 32;
		m->hdr = xrealloc(m->hdr, m->hdrcap * sizeof(*m->hdr));
	}
	m->hdr[m->nhdr].name = xstrdup(name);
	m->hdr[m->nhdr].value = xstrdup(value);
	m->nhdr++;
	return 0;
}

/* ctx_msg_addhdr - queue a header for the top of the message */
void
ctx_msg_addhdr(struct hm_msg *m, const char *name, const char *value)
{
	m->add = xrealloc(m->add, (m->nadd + 1) * sizeof(*m->add));
	m->add[m->nadd].name = xstrdup(name);
	m->add[m->nadd].value = xstrdup(value);
	m->nadd++;
}

/* ctx_msg_trusted_by - the one trusted-client rule: internal network or
 * SMTP-authenticated sender */
const char *
ctx_msg_trusted_by(const struct hm_msg *m)
{
	if (m->conn->internal)
		return "internal network";
	if (m->auth_authen != NULL && *m->auth_authen != '\0')
		return "authenticated client";
	return NULL;
}

/* ctx_msg_trusted - see ctx.h */
int
ctx_msg_trusted(const struct hm_msg *m)
{
	return ctx_msg_trusted_by(m) != NULL;
}

/* ctx_msg_outbound - see ctx.h */
int
ctx_msg_outbound(const struct hm_msg *m)
{
	return !m->conf->authres_outbound && ctx_msg_trusted(m);
}

/* rcpt_domain - keep the domain of rcpt in m->rcpt_domains once: lower
 * case, without a final dot; "" for an address without one, and for
 * every domain past CTX_RCPT_DOMAINS_MAX */
static void
rcpt_domain(struct hm_msg *m, const char *rcpt)
{
	const char *at = strrchr(rcpt, '@');
	char d[256];
	size_t i, n;

	snprintf(d, sizeof(d), "%s", at != NULL ? at + 1 : "");
	n = strlen(d);
	if (n > 0 && d[n - 1] == '.')
		d[n - 1] = '\0';
	str_lower(d);
	if (m->nrcpt_domains >= CTX_RCPT_DOMAINS_MAX)
		d[0] = '\0';
	for (i = 0; i < m->nrcpt_domains; i++)
		if (strcmp(m->rcpt_domains[i], d) == 0)
			return;
	m->rcpt_domains = xrealloc(m->rcpt_domains,
	    (m->nrcpt_domains + 2) * sizeof(char *));
	m->rcpt_domains[m->nrcpt_domains++] = xstrdup(d);
	m->rcpt_domains[m->nrcpt_domains] = NULL;
}

/* ctx_msg_rcpt - see ctx.h */
void
ctx_msg_rcpt(struct hm_msg *m, const char *rcpt)
{
	m->nrcpt++;
	rcpt_domain(m, rcpt);
	if (addrpat_list_match(m->conf->skip_recipients, rcpt) != NULL)
		m->nrcpt_skip++;
	if (m->conf->reports.enable && rconf_excluded(&m->conf->reports, rcpt))
		m->nrcpt_noreport++;
}

/* ctx_msg_decide - see ctx.h */
const char *
ctx_msg_decide(struct hm_msg *m)
{
	const char *pat;
	char buf[260];

	if (m->decided)
		return m->skip;
	m->decided = 1;
	if (m->conn->skip_net)
		snprintf(m->skipbuf, sizeof(m->skipbuf), "skip_networks");
	else if ((pat = addrpat_list_match(m->conf->skip_senders,
		      m->envfrom)) != NULL)
		snprintf(m->skipbuf, sizeof(m->skipbuf), "skip_senders \"%s\"",
		    LOG_P(buf, pat));
	else if (m->nrcpt > 0 && m->nrcpt_skip == m->nrcpt)
		snprintf(m->skipbuf, sizeof(m->skipbuf), "skip_recipients");
	else
		return NULL;
	m->skip = m->skipbuf;
	return m->skip;
}

/* ctx_msg_verify - see ctx.h */
int
ctx_msg_verify(const struct hm_msg *m)
{
	return m->skip == NULL && m->conf->mode != CONF_MODE_SIGN &&
	    !ctx_msg_outbound(m);
}

/* ctx_msg_may_sign - see ctx.h */
int
ctx_msg_may_sign(const struct hm_msg *m)
{
	return m->skip == NULL && m->conf->mode != CONF_MODE_VERIFY;
}

/* ctx_msg_from - the From field, parsed on the first call */
const struct hm_from *
ctx_msg_from(struct hm_msg *m)
{
	struct hm_from *f = &m->from;

	if (!f->parsed && f->value != NULL) {
		addr_from_parse(f->value, strlen(f->value), &f->a);
		f->parsed = 1;
	}
	return f;
}

/* ctx_dkim_add - a new, zeroed DKIM result slot (results.c) */
struct res_dkim_sig *
ctx_dkim_add(struct hm_msg *m)
{
	return res_dkim_add(&m->dkim, &m->ndkim);
}
