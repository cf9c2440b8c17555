/*
 * vendor.c - vendor entries that follow the vendor's own DNS: the SPF
 * rule of dmarc.vendors, and the order in which an entry's rules are
 * tried.
 *
 * SYNOPSIS
 *	vendor_match(), vendor_spf_sender()
 *
 * DESCRIPTION
 *	First every entry's rules that need no DNS (allowlist.c: networks,
 *	then DKIM domains), so a cheap match anywhere in the list spares
 *	the lookups; then, when the caller allows it, the SPF rule of each
 *	covering entry in list order: check_host(client IP, D,
 *	"postmaster@D") by spf_eval.c, as a receiver would check mail from
 *	the vendor's own bounce domain D, with the client's HELO name for
 *	%{h}.  pass matches; any other definite result does not; temperror
 *	and permerror do not either, and are noted for the log ("vendor
 *	lms: spf:_spf.lms.example: temperror (...)"): the vendor's DNS
 *	failing costs the vendor its override, never the message a DMARC
 *	temperror.
 *
 *	Memory: none kept; the SPF answers are freed here.
 *	Errors: none returned; see hit->note.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "spf_eval.h"
#include "str.h"
#include "vendor.h"

/* vendor_spf_sender - see vendor.h */
void
vendor_spf_sender(const char *d, char *buf, size_t n)
{
	snprintf(buf, n, "postmaster@%s", d);
}

/* spf_request_of - the evaluator's request for the query's client; -1
 * when there is no usable client address */
static int
spf_request_of(const struct vendor_query *q, struct spf_request *req)
{
	const struct sockaddr *sa = q->msg.client;

	memset(req, 0, sizeof(*req));
	if (sa == NULL || q->resolver == NULL)
		return -1;
	if (sa->sa_family == AF_INET)
		spf_eval_set_ip(req, AF_INET,
		    &((const struct sockaddr_in *)sa)->sin_addr);
	else if (sa->sa_family == AF_INET6)
		spf_eval_set_ip(req, AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr);
	else
		return -1;
	req->resolver = q->resolver;
	req->budget = q->budget;
	req->helo = q->helo;
	req->receiver = q->receiver;
	return 0;
}

/* note_failure - add "vendor N: spf:D: RESULT (REASON)" to the note */
static void
note_failure(struct vendor_hit *hit, const struct allow_vendor *v,
    const struct spf_answer *a)
{
	size_t len = strlen(hit->note);

	snprintf(hit->note + len, sizeof(hit->note) - len,
	    "%svendor %s: spf:%s: %s (%s)", len ? "; " : "", v->name, v->spf,
	    res_spf_name(a->result), a->reason);
}

/* spf_rule - 1 when v's SPF record passes the client */
static int
spf_rule(const struct spf_request *req, const struct allow_vendor *v,
    struct vendor_hit *hit)
{
	char sender[SPF_IDENTITY_MAX];
	struct spf_answer a;
	int pass;

	vendor_spf_sender(v->spf, sender, sizeof(sender));
	memset(&a, 0, sizeof(a));
	spf_eval_check(req, sender, &a);
	hit->spf_checks++;
	pass = a.result == RES_SPF_PASS;
	if (a.result == RES_SPF_TEMPERROR || a.result == RES_SPF_PERMERROR)
		note_failure(hit, v, &a);
	spf_answer_free(&a);
	return pass;
}

/* vendor_match - see vendor.h */
void
vendor_match(const struct vendor_query *q, struct vendor_hit *hit)
{
	struct spf_request req;
	size_t i;

	memset(hit, 0, sizeof(*hit));
	hit->v = allow_match_static(q->list, &q->msg, hit->via,
	    sizeof(hit->via));
	if (hit->v != NULL || !q->use_spf || q->list == NULL ||
	    spf_request_of(q, &req) < 0)
		return;
	for (i = 0; i < q->list->n; i++) {
		const struct allow_vendor *v = &q->list->v[i];
		if (v->spf == NULL || !allow_covers(v, &q->msg))
			continue;
		if (spf_rule(&req, v, hit)) {
			hit->v = v;
			snprintf(hit->via, sizeof(hit->via), "spf:%s", v->spf);
			return;
		}
	}
}
