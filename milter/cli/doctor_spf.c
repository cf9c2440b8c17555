/*
 * doctor_spf.c - the SPF part of `hallmark doctor` (doctor.h): the
 * domain's record, the result for --ip with the include/redirect chain
 * that decided it, and the record's cost: DNS-querying terms against the
 * limit of 10 and void lookups against 2 (RFC 7208 4.6.4), ptr and +all.
 *
 * Both answers come from hallmark's own evaluator (spf_eval.h) with an
 * observer that records the evaluation as a tree of check_host() calls.
 * The cost is measured by a second evaluation for an address no record
 * lists (255.255.255.255), which runs every term: what a receiver pays
 * for a sender the record does not match early (a ptr term's void PTR
 * lookup is the probe's own, not counted).  The identity checked is
 * postmaster@DOMAIN.  Owns its trees (freed before return); no logging.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "spf_eval.h"
#include "spf_record.h"
#include "str.h"

/* the address no SPF record is expected to list (RFC 919 broadcast) */
#define PROBE_IP "255.255.255.255"
#define NEAR_LIMIT 8
#define MAX_STACK (SPF_MAX_DNS_MECHS + 4)

/* one check_host() call seen by the observer */
struct node {
	char *domain;
	char *record; /* NULL: no usable record */
	char *match;  /* the directive that matched, or NULL */
	enum spf_mech match_mech;
	char *redirect; /* redirect= followed, or NULL */
	enum res_spf result;
	int last_child; /* index of the last call it made, or -1 */
	int depth;
	unsigned mechs0, mechs1; /* DNS-querying terms at its start, end */
};

struct trace {
	struct node *n;
	size_t nn, cap;
	int stack[MAX_STACK]; /* node index per depth */
	int sp;
	struct str voids;    /* names of void lookups, ", "-separated */
	unsigned ptr_voids;  /* void PTR queries of ptr terms */
	struct str warn_ptr; /* domains whose records use ptr */
	struct str warn_all; /* domains whose records have +all */
	int all_qual;	     /* depth 0 "all": enum res_spf, or -1 */
};

/* add_name - append name to a ", "-separated list */
static void
add_name(struct str *l, const char *name)
{
	if (l->len > 0)
		str_add(l, ", ");
	str_add(l, name);
}

/* node_at - the node of the call the event is about, made when new */
static struct node *
node_at(struct trace *t, const struct spf_trace_event *ev)
{
	int depth = ev->depth;
	struct node *n;

	if (t->sp <= depth) {
		if (t->nn == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 8;
			t->n = xrealloc(t->n, t->cap * sizeof(*t->n));
		}
		n = &t->n[t->nn];
		memset(n, 0, sizeof(*n));
		n->domain = xstrdup(ev->domain);
		n->last_child = -1;
		n->depth = depth;
		n->mechs0 = ev->dns_mechs;
		if (depth > 0)
			t->n[t->stack[depth - 1]].last_child = (int)t->nn;
		t->stack[depth] = (int)t->nn++;
		t->sp = depth + 1;
	}
	return &t->n[t->stack[depth]];
}

/* scan_record - the warnings a record's terms give */
static void
scan_record(struct trace *t, const struct spf_trace_event *ev)
{
	size_t i;
	int ptr = 0;

	for (i = 0; i < ev->rec->nterm; i++) {
		const struct spf_term *term = &ev->rec->term[i];

		if (term->mech == SPF_M_PTR)
			ptr = 1;
		if (term->mech != SPF_M_ALL)
			continue;
		if (ev->depth == 0)
			t->all_qual = (int)term->qual;
		if (term->qual == RES_SPF_PASS)
			add_name(&t->warn_all, ev->domain);
	}
	if (ptr)
		add_name(&t->warn_ptr, ev->domain);
}

/* on_event - the observer */
static void
on_event(void *arg, const struct spf_trace_event *ev)
{
	struct trace *t = arg;
	struct node *n;

	if (ev->kind == SPF_TRACE_LOOKUP || ev->depth >= MAX_STACK)
		return;
	if (ev->kind == SPF_TRACE_VOID) {
		/* spf_eval names a ptr term's void PTR query "PTR" */
		if (strcmp(ev->name, "PTR") == 0)
			t->ptr_voids++;
		else
			add_name(&t->voids, ev->name);
		return;
	}
	n = node_at(t, ev);
	switch (ev->kind) {
	case SPF_TRACE_RECORD:
		free(n->record);
		n->record = doc_oneline(ev->text);
		scan_record(t, ev);
		break;
	case SPF_TRACE_MATCH:
		n->match = doc_oneline(ev->term->text);
		n->match_mech = ev->term->mech;
		break;
	case SPF_TRACE_REDIRECT:
		n->redirect = xstrdup(ev->name);
		break;
	default:
		n->result = ev->result;
		n->mechs1 = ev->dns_mechs;
		t->sp = ev->depth;
		break;
	}
}

/* trace_free - the tree and the lists */
static void
trace_free(struct trace *t)
{
	size_t i;

	for (i = 0; i < t->nn; i++) {
		free(t->n[i].domain);
		free(t->n[i].record);
		free(t->n[i].match);
		free(t->n[i].redirect);
	}
	free(t->n);
	str_free(&t->voids);
	str_free(&t->warn_ptr);
	str_free(&t->warn_all);
}

/* evaluate - check postmaster@domain from ip with the observer on */
static int
evaluate(const struct doc_input *in, const char *ip, struct trace *t,
    struct spf_answer *ans)
{
	struct spf_request req;
	char *mailfrom;

	memset(&req, 0, sizeof(req));
	memset(t, 0, sizeof(*t));
	t->all_qual = -1;
	str_init(&t->voids);
	str_init(&t->warn_ptr);
	str_init(&t->warn_all);
	if (spf_eval_parse_ip(&req, ip) < 0)
		return -1;
	req.resolver = in->resolver;
	req.budget = in->budget;
	req.helo = in->domain;
	req.now = 1; /* %{t}: the output must not depend on the time */
	req.trace = on_event;
	req.trace_arg = t;
	mailfrom = xasprintf("postmaster@%s", in->domain);
	spf_eval_check(&req, mailfrom, ans);
	free(mailfrom);
	return 0;
}

/* chain_step - one line of the chain for node n; the next node or -1 */
static int
chain_step(const struct node *n, struct str *out)
{
	str_addf(out, "\n%s: ", n->domain);
	if (n->match != NULL && n->match_mech == SPF_M_INCLUDE &&
	    n->last_child >= 0) {
		str_add(out, n->match);
		return n->last_child;
	}
	if (n->match != NULL) {
		str_addf(out, "%s (%s)", n->match, res_spf_name(n->result));
		return -1;
	}
	if (n->redirect != NULL && n->last_child >= 0) {
		str_addf(out, "redirect=%s", n->redirect);
		return n->last_child;
	}
	if (n->record == NULL)
		str_addf(out, "no usable SPF record (%s)",
		    res_spf_name(n->result));
	else
		str_addf(out, "no term matched (%s)", res_spf_name(n->result));
	return -1;
}

/* chain - the calls that decided the result, from the domain down */
static void
chain(const struct trace *t, struct str *out)
{
	int i = 0, steps = 0;

	while (i >= 0 && (size_t)i < t->nn && steps++ < MAX_STACK)
		i = chain_step(&t->n[i], out);
}

/* result_level - how a result for the sending address is judged */
static enum doc_level
result_level(enum res_spf r)
{
	if (r == RES_SPF_PASS)
		return DOC_OK;
	return r == RES_SPF_TEMPERROR ? DOC_UNKNOWN : DOC_FAIL;
}

/* report_ip - the result for --ip and its chain */
static void
report_ip(const struct doc_input *in, struct doc_section *s,
    struct doc_findings *f)
{
	struct spf_answer ans;
	struct trace t;
	struct str ch;

	if (evaluate(in, in->ip, &t, &ans) < 0) {
		doc_add(s, DOC_FAIL, "spf-ip", "%s: not an IP address", in->ip);
		trace_free(&t);
		return;
	}
	str_init(&ch);
	chain(&t, &ch);
	if ((ans.result == RES_SPF_PERMERROR ||
		ans.result == RES_SPF_TEMPERROR) &&
	    ans.reason[0] != '\0')
		str_addf(&ch, "\nreason: %s", ans.reason); /* the chain can't */
	doc_add(s, result_level(ans.result), "spf-result", "%s for %s: %s%s",
	    in->ip, in->domain, res_spf_name(ans.result), ch.s);
	f->spf = ans.result;
	f->spf_checked = 1;
	str_free(&ch);
	spf_answer_free(&ans);
	trace_free(&t);
}

/* report_record - the domain's record, or why there is none */
static void
report_record(const struct doc_input *in, const struct trace *t,
    const struct spf_answer *ans, struct doc_section *s)
{
	if (t->nn > 0 && t->n[0].record != NULL) {
		doc_add(s, DOC_INFO, "spf-record", "record: %s",
		    t->n[0].record);
		return;
	}
	if (ans->result == RES_SPF_TEMPERROR)
		doc_add(s, DOC_UNKNOWN, "spf-record", "no answer: %s",
		    ans->reason);
	else if (ans->result == RES_SPF_NONE)
		doc_add(s, DOC_FAIL, "spf-record",
		    "no SPF record at %s: receivers see SPF none", in->domain);
	else
		doc_add(s, DOC_FAIL, "spf-record", "%s", ans->reason);
}

/* costs - what each include or redirect of the domain's own record
 * costs, nested ones included: a detail line, or nothing */
static void
costs(const struct trace *t, struct str *out)
{
	size_t i, n = 0;

	for (i = 0; i < t->nn; i++) {
		if (t->n[i].depth != 1)
			continue;
		str_addf(out, "%s%s %u",
		    n++ ? ", " : "\nof which: ", t->n[i].domain,
		    t->n[i].mechs1 - t->n[i].mechs0 + 1);
	}
}

/* report_lookups - DNS-querying terms of a full run against the limit */
static void
report_lookups(const struct trace *t, const struct spf_answer *ans,
    struct doc_section *s)
{
	unsigned m = ans->dns_mechs;
	struct str c;

	str_init(&c);
	costs(t, &c);
	if (m > SPF_MAX_DNS_MECHS)
		doc_add(s, DOC_FAIL, "spf-lookups",
		    "DNS lookups: more than %d: permerror for every address "
		    "not matched before the limit%s",
		    SPF_MAX_DNS_MECHS, c.s);
	else if (m >= NEAR_LIMIT)
		doc_add(s, DOC_WARN, "spf-lookups",
		    "DNS lookups: %u of %d: close to the limit (permerror "
		    "beyond it)%s",
		    m, SPF_MAX_DNS_MECHS, c.s);
	else
		doc_add(s, DOC_OK, "spf-lookups", "DNS lookups: %u of %d%s", m,
		    SPF_MAX_DNS_MECHS, c.s);
	str_free(&c);
}

/* report_voids - void lookups of a full run against the limit; the
 * probe address has no PTR record, so a ptr term's void is its own and
 * not counted */
static void
report_voids(const struct trace *t, const struct spf_answer *ans,
    struct doc_section *s)
{
	unsigned v = ans->voids - t->ptr_voids;

	if (v > SPF_MAX_VOIDS)
		doc_add(s, DOC_FAIL, "spf-voids",
		    "void lookups: more than %d (permerror)\nno such name: %s",
		    SPF_MAX_VOIDS, t->voids.s);
	else if (v > 0)
		doc_add(s, DOC_WARN, "spf-voids",
		    "void lookups: %u of %d\nno such name: %s", v,
		    SPF_MAX_VOIDS, t->voids.s);
	else
		doc_add(s, DOC_OK, "spf-voids", "void lookups: 0 of %d",
		    SPF_MAX_VOIDS);
}

/* report_terms - ptr and +all anywhere in the records evaluated */
static void
report_terms(const struct trace *t, struct doc_section *s)
{
	if (t->warn_ptr.len > 0)
		doc_add(s, DOC_WARN, "spf-ptr",
		    "ptr in the record of %s: slow and unreliable, RFC 7208 "
		    "5.5 says not to use it",
		    t->warn_ptr.s);
	if (t->warn_all.len > 0)
		doc_add(s, DOC_WARN, "spf-plus-all",
		    "+all in the record of %s: every address on the internet "
		    "passes",
		    t->warn_all.s);
}

/* doctor_spf - the SPF section */
void
doctor_spf(const struct doc_input *in, struct doc_report *r,
    struct doc_findings *f)
{
	struct doc_section *s;
	struct spf_answer ans;
	struct trace t;
	char *title = xasprintf("SPF (%s)", in->domain);

	s = doc_section(r, title);
	free(title);
	f->spf = RES_SPF_NONE;
	(void)evaluate(in, PROBE_IP, &t, &ans);
	report_record(in, &t, &ans, s);
	f->spf_all_qual = t.all_qual;
	if (in->ip != NULL)
		report_ip(in, s, f);
	else
		doc_add(s, DOC_INFO, "spf-result",
		    "no --ip: the result for a sending address is not checked");
	if (ans.result != RES_SPF_TEMPERROR && ans.result != RES_SPF_NONE) {
		report_lookups(&t, &ans, s);
		report_voids(&t, &ans, s);
	}
	report_terms(&t, s);
	spf_answer_free(&ans);
	trace_free(&t);
}
