/*
 * dkim_action.c - optional actions on unsigned mail without DMARC:
 * dkim_verify.must_sign_domains and dkim_verify.on_unsigned (as
 * OpenDKIM's MustBeSigned / On-* settings).
 *
 * SYNOPSIS
 *	dkima_listed(), dkima_signed(), dkima_apply()
 *
 * DESCRIPTION
 *	A message whose RFC5322.From domain is listed (exactly, or "*.x":
 *	a subdomain of x) and that carries no DKIM signature with result
 *	pass and d= equal to that From domain (case-insensitive; not relaxed
 *	alignment, as OpenDKIM) gets on_unsigned: accept (the default: only
 *	the A-R comment and the log say so), quarantine (MTA hold) or
 *	reject (550 5.7.1).  A message without one usable From address is
 *	left to DMARC's from_action.  dkima_listed and dkima_signed are
 *	pure; dkima_apply proposes the verdict (verdict_propose, by "dkim"),
 *	adds the reason to this message's dkim A-R comments from ar_first
 *	on, and logs it.  The From domain is lower-case A-labels
 *	(mailaddr.c), so it is safe in a comment.  As with DMARC, mail from
 *	an internal network or an authenticated client (when it is verified
 *	at all: authres_outbound) is never quarantined or rejected: the
 *	comment says "not enforced".
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "ctx.h"
#include "dkim_action.h"
#include "dkim_policy.h"
#include "log.h"
#include "str.h"
#include "verdict.h"

/* the names of enum dkima_action, for the option table */
const char *const dkima_action_names[] = { "accept", "quarantine", "reject",
	NULL };

/* dkima_listed - see dkim_action.h */
int
dkima_listed(char *const *pats, const char *dom)
{
	size_t dl = strlen(dom);

	for (; pats != NULL && *pats != NULL; pats++) {
		const char *p = *pats;

		if (p[0] == '*' && p[1] == '.') {
			size_t sl = strlen(p + 1); /* ".x" */

			if (dl > sl && str_casecmp(dom + dl - sl, p + 1) == 0)
				return 1;
		} else if (str_casecmp(dom, p) == 0) {
			return 1;
		}
	}
	return 0;
}

/* dkima_signed - see dkim_action.h */
int
dkima_signed(const struct res_dkim_sig *v, size_t n, const char *dom)
{
	for (size_t k = 0; k < n; k++)
		if (v[k].result == RES_DKIM_PASS && v[k].d != NULL &&
		    str_casecmp(v[k].d, dom) == 0)
			return 1;
	return 0;
}

/* comment_add - append why to the comments of the dkim A-R entries */
static void
comment_add(struct ar_list *ar, size_t first, const char *why)
{
	for (size_t k = first; k < ar->n; k++) {
		struct ar_entry *e = &ar->v[k];
		char *c;

		if (strcmp(e->method, "dkim") != 0)
			continue;
		c = e->comment != NULL ? xasprintf("%s, %s", e->comment, why) :
					 xstrdup(why);
		free(e->comment);
		e->comment = c;
	}
}

/* to_verdict - enum dkima_action to the verdict scale */
static enum verdict_action
to_verdict(int a)
{
	if (a == DKIMA_REJECT)
		return VERDICT_REJECT;
	return a == DKIMA_QUARANTINE ? VERDICT_QUARANTINE : VERDICT_ACCEPT;
}

/* dkima_apply - see dkim_action.h */
void
dkima_apply(struct hm_msg *m, const struct conf_dkim_verify *cf,
    size_t ar_first)
{
	const struct hm_from *f;
	const char *trusted;
	enum verdict_action act;
	char why[320], text[640];

	if (cf->must_sign_domains == NULL || cf->must_sign_domains[0] == NULL)
		return;
	f = ctx_msg_from(m);
	if (f->nfield != 1 || !f->parsed || f->a.status != ADDR_OK ||
	    !dkima_listed(cf->must_sign_domains, f->a.domain) ||
	    dkima_signed(m->dkim, m->ndkim, f->a.domain))
		return;
	act = to_verdict(cf->on_unsigned);
	trusted = ctx_msg_trusted_by(m);
	if (trusted != NULL)
		act = VERDICT_ACCEPT;
	snprintf(why, sizeof(why), "must_sign: no valid signature by %s%s%s",
	    f->a.domain, trusted != NULL ? ", not enforced for " : "",
	    trusted != NULL ? trusted : "");
	comment_add(&m->ar, ar_first, why);
	log_qid(LOG_LVL_INFO, m->qid,
	    "dkim: From domain %s must be signed "
	    "and has no valid signature with d=%s: action=%s",
	    f->a.domain, f->a.domain, verdict_action_name(act));
	if (act == VERDICT_ACCEPT)
		return;
	snprintf(text, sizeof(text),
	    "%sFrom domain %s requires a valid DKIM "
	    "signature by %s",
	    act == VERDICT_REJECT ? "Message rejected: " : "", f->a.domain,
	    f->a.domain);
	verdict_propose(&m->verdict, act, "dkim", "550", "5.7.1", text);
}
