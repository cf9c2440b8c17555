/*
 * summary.c - the one log line per message at info level: what an admin
 * greps for.
 *
 * SYNOPSIS
 *	summary_format(), summary_log()
 *
 * DESCRIPTION
 *	"QID: client=ADDR [host=NAME] helo=H from=<F> rcpts=N size=B [auth=U]
 *	[skipped=LIST | mode=sign] RESULTS [signed=D/S,...] action=A [by=MODULE reason="TEXT"]".
 *	RESULTS are the Authentication-Results entries in header order,
 *	each once, as "method=result (comment) properties"; a method with
 *	several entries is numbered (dkim.1=pass ... dkim.2=fail ...).
 *	skipped= names the skip list that matched (nothing was checked or
 *	signed); mode=sign says no message is verified.  signed= lists the DKIM signatures added (d=/s= of each).  The reason
 *	is the reply text or quarantine reason of the verdict.  The modules
 *	log their details at debug level; warnings stay warnings.
 *
 *	Text from outside (host and HELO names, addresses, the login, the
 *	reason) is masked with log_printable(); A-R comments and properties
 *	are already sanitised by authres.c.  Double quotes in the reason
 *	become single quotes, so reason="..." ends where it seems to.
 *
 *	summary_log() also counts the message in the metrics (action,
 *	results, signatures by algorithm).
 *
 *	Pure but for summary_log(); thread-safe (per-message data only).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_table.h"
#include "log.h"
#include "metrics.h"
#include "str.h"
#include "summary.h"

/* add_masked - " key=<text>" style: pre, masked text, post */
static void
add_masked(struct str *b, const char *pre, const char *s, const char *post)
{
	char buf[512];

	str_addf(b, "%s%s%s", pre, LOG_P(buf, s), post);
}

/* method_count - entries of l with this method */
static size_t
method_count(const struct ar_list *l, const char *method)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += strcmp(l->v[i].method, method) == 0;
	return n;
}

/* add_results - every A-R entry once, duplicates numbered */
static void
add_results(struct str *b, const struct ar_list *l)
{
	size_t i, j, k;

	for (i = 0; i < l->n; i++) {
		const struct ar_entry *e = &l->v[i];

		str_addf(b, " %s", e->method);
		if (method_count(l, e->method) > 1) {
			for (j = k = 0; j <= i; j++)
				k += strcmp(l->v[j].method, e->method) == 0;
			str_addf(b, ".%zu", k);
		}
		str_addf(b, "=%s", e->result);
		if (e->comment != NULL)
			str_addf(b, " (%s)", e->comment);
		if (e->props != NULL)
			str_addf(b, " %s", e->props);
	}
}

/* tag - the value of tag t in a DKIM-Signature we built, into out */
static void
tag(const char *v, const char *t, char *out, size_t n)
{
	size_t tl = strlen(t), l;
	const char *p;

	out[0] = '\0';
	for (p = v; p != NULL; p = strchr(p, ';')) {
		p += *p == ';';
		p += strspn(p, " \t\r\n");
		if (strncmp(p, t, tl) == 0 && p[tl] == '=') {
			l = strcspn(p + tl + 1, ";");
			snprintf(out, n, "%.*s", (int)l, p + tl + 1);
			return;
		}
	}
}

/* add_signed - " signed=d/s,d/s" for the signatures added */
static void
add_signed(struct str *b, const struct hm_msg *m)
{
	char d[256], s[128], buf[400];
	size_t i;
	int first = 1;

	for (i = 0; i < m->nadd; i++) {
		if (str_casecmp(m->add[i].name, "DKIM-Signature") != 0)
			continue;
		tag(m->add[i].value, "d", d, sizeof(d));
		tag(m->add[i].value, "s", s, sizeof(s));
		snprintf(buf, sizeof(buf), "%s/%s", d, s);
		add_masked(b, first ? " signed=" : ",", buf, "");
		first = 0;
	}
}

/* add_action - " action=A by=M reason="T"" */
static void
add_action(struct str *b, const struct verdict *v)
{
	char t[300], *p;

	str_addf(b, " action=%s", verdict_action_name(v->action));
	if (v->by != NULL)
		add_masked(b, " by=", v->by, "");
	if (v->action != VERDICT_ACCEPT && v->text != NULL) {
		LOG_P(t, v->text);
		for (p = t; *p != '\0'; p++)
			if (*p == '"')
				*p = '\'';
		str_addf(b, " reason=\"%s\"", t);
	}
}

/* summary_format - see summary.h */
char *
summary_format(const struct hm_msg *m)
{
	const struct hm_conn *c = m->conn;
	struct str b;

	str_init(&b);
	str_addf(&b, "client=%s", c->has_addr ? c->addrstr : "unknown");
	/* the MTA gives "[addr]" for a client without a name */
	if (c->hostname != NULL && c->hostname[0] != '[')
		add_masked(&b, " host=", c->hostname, "");
	add_masked(&b, " helo=", c->helo ? c->helo : "", "");
	add_masked(&b, " from=<", m->envfrom, ">");
	str_addf(&b, " rcpts=%u size=%llu", m->nrcpt, m->bodybytes);
	if (m->auth_authen != NULL)
		add_masked(&b, " auth=", m->auth_authen, "");
	if (m->skip != NULL)
		str_addf(&b, " skipped=%s", m->skip);
	else if (m->conf != NULL && m->conf->mode == CONF_MODE_SIGN)
		str_add(&b, " mode=sign");
	add_results(&b, &m->ar);
	add_signed(&b, m);
	add_action(&b, &m->verdict);
	return str_steal(&b);
}

/* count - the message's action, results and signatures in the metrics
 * (labels outside the fixed vocabularies are not counted) */
static void
count(const struct hm_msg *m)
{
	char a[64];
	size_t i;

	(void)metrics_inc(M_MSG_ACTION, verdict_action_name(m->verdict.action),
	    NULL);
	for (i = 0; i < m->ar.n; i++)
		(void)metrics_inc(M_RESULT, m->ar.v[i].method,
		    m->ar.v[i].result);
	for (i = 0; i < m->nadd; i++) {
		if (str_casecmp(m->add[i].name, "DKIM-Signature") != 0)
			continue;
		tag(m->add[i].value, "a", a, sizeof(a));
		if (metrics_inc(M_SIGNATURE, a, NULL) < 0)
			(void)metrics_inc(M_SIGNATURE, "other", NULL);
	}
}

/* summary_log - see summary.h */
void
summary_log(const struct hm_msg *m)
{
	char *s = summary_format(m);

	count(m);

	log_qid(LOG_LVL_INFO, m->qid, "%s", s);
	free(s);
}
