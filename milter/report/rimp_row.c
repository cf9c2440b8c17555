/*
 * rimp_row.c - one <record> of a report into a struct rrow (rimp_xml.h):
 * row (source_ip, count, policy_evaluated with its reasons), identifiers,
 * auth_results.  Rules in rimp_rec.c's contract.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "rimp_val.h"
#include "rimp_xml.h"
#include "str.h"

#define MAX_COUNT 2147483647ULL /* 2^31 - 1 */

/* want - required child element, or the error naming it */
static const xmlNode *
want(struct rx *x, const xmlNode *parent, const char *name, const char *path)
{
	const xmlNode *c = rx_child(x, parent, name);

	if (c == NULL)
		rx_fail(x, "%s: missing", path);
	return c;
}

/* enum_fail - free s, report that it is not a valid value of path */
static int
enum_fail(struct rx *x, const char *path, char *s)
{
	rx_fail(x, "%s: \"%.40s\" is not a valid value", path, s);
	free(s);
	return -1;
}

/* read_count - row/count in 1..2^31-1 */
static int
read_count(struct rx *x, const xmlNode *row, uint64_t *out)
{
	char *s;
	int rc = 0;

	if (rx_get(x, row, "count", "row/count", 1, &s) < 0)
		return -1;
	if (strspn(s, "0123456789") != strlen(s))
		rc = rx_fail(x, "row/count: \"%.40s\" is not a number", s);
	else if (rv_u64(s, MAX_COUNT, out) < 0 || *out == 0)
		rc = rx_fail(x, "row/count: %.40s is not in 1..2^31-1", s);
	free(s);
	return rc;
}

/* read_reason - one policy_evaluated/reason */
static int
read_reason(struct rx *x, const xmlNode *n, struct rrow *r)
{
	const char *path = "row/policy_evaluated/reason/type", *orig;
	char *type, *comment;
	struct rr_reason_ent *e;

	if (rx_get(x, n, "type", path, 1, &type) < 0)
		return -1;
	if (rx_get(x, n, "comment", "row/policy_evaluated/reason/comment", 0,
		&comment) < 0) {
		free(type);
		return -1;
	}
	e = &r->reason[r->nreason];
	if (rv_reason(type, &e->type, &orig) < 0) {
		free(comment);
		return enum_fail(x, path, type);
	}
	if (orig != NULL) {
		e->comment = comment != NULL && *comment != '\0' ?
		    xasprintf("%s: %s", orig, comment) :
		    xstrdup(orig);
		free(comment);
	} else {
		e->comment = comment;
	}
	r->nreason++;
	free(type);
	return 0;
}

/* read_evaluated - row/policy_evaluated */
static int
read_evaluated(struct rx *x, const xmlNode *row, struct rrow *r)
{
	const xmlNode *pe = want(x, row, "policy_evaluated",
			  "row/policy_evaluated"),
		      *c;
	char *s;

	if (pe == NULL)
		return -1;
	if (rx_get(x, pe, "disposition", "row/policy_evaluated/disposition", 1,
		&s) < 0)
		return -1;
	if (rv_disp(s, &r->disposition) < 0)
		return enum_fail(x, "row/policy_evaluated/disposition", s);
	free(s);
	if (rx_get(x, pe, "dkim", "row/policy_evaluated/dkim", 1, &s) < 0)
		return -1;
	if (rv_pass(s, &r->dkim_pass) < 0)
		return enum_fail(x, "row/policy_evaluated/dkim", s);
	free(s);
	if (rx_get(x, pe, "spf", "row/policy_evaluated/spf", 1, &s) < 0)
		return -1;
	if (rv_pass(s, &r->spf_pass) < 0)
		return enum_fail(x, "row/policy_evaluated/spf", s);
	free(s);
	for (c = pe->children; c != NULL; c = c->next)
		if (rx_is(x, c, "reason") && r->nreason < RR_MAX_REASONS &&
		    read_reason(x, c, r) < 0)
			return -1;
	return 0;
}

/* read_row - record/row */
static int
read_row(struct rx *x, const xmlNode *rec, struct rrow *r)
{
	const xmlNode *row = want(x, rec, "row", "row");
	char *s;

	if (row == NULL ||
	    rx_get(x, row, "source_ip", "row/source_ip", 1, &s) < 0)
		return -1;
	if ((r->source_ip = rv_ip(s)) == NULL) {
		rx_fail(x, "row/source_ip: \"%.60s\" is not an IP address", s);
		free(s);
		return -1;
	}
	free(s);
	if (read_count(x, row, &r->count) < 0)
		return -1;
	return read_evaluated(x, row, r);
}

/* get_domain - a domain child: required or not, "" allowed if empty_ok */
static int
get_domain(struct rx *x, const xmlNode *p, const char *name, const char *path,
    int required, int empty_ok, char **out)
{
	char *s, *at;

	if (rx_get(x, p, name, path, required && !empty_ok, &s) < 0)
		return -1;
	if (s == NULL && required)
		return rx_fail(x, "%s: missing", path);
	if (s != NULL && (at = strrchr(s, '@')) != NULL)
		memmove(s, at + 1, strlen(at + 1) + 1);
	if (s != NULL && *s != '\0' && rv_domain(s) < 0)
		return enum_fail(x, path, s);
	*out = s;
	return 0;
}

/* read_ids - record/identifiers */
static int
read_ids(struct rx *x, const xmlNode *rec, struct rrow *r)
{
	const xmlNode *id = want(x, rec, "identifiers", "identifiers");

	if (id == NULL ||
	    get_domain(x, id, "header_from", "identifiers/header_from", 1, 0,
		&r->header_from) < 0 ||
	    get_domain(x, id, "envelope_from", "identifiers/envelope_from", 0,
		1, &r->envelope_from) < 0 ||
	    get_domain(x, id, "envelope_to", "identifiers/envelope_to", 0, 1,
		&r->envelope_to) < 0)
		return -1;
	/* absent (RFC 7489 made it optional) reads as the null sender's "" */
	if (r->envelope_from == NULL)
		r->envelope_from = xstrdup("");
	return 0;
}

/* read_dkim - one auth_results/dkim, appended to r */
static int
read_dkim(struct rx *x, const xmlNode *n, struct rrow *r)
{
	struct rr_dkim *d;
	char *s;

	if (r->ndkim >= RR_MAX_DKIM)
		return 0;
	if ((r->ndkim & (r->ndkim - 1)) == 0)
		r->dkim = xrealloc(r->dkim,
		    (r->ndkim ? r->ndkim * 2 : 1) * sizeof(*r->dkim));
	d = &r->dkim[r->ndkim++];
	memset(d, 0, sizeof(*d));
	if (get_domain(x, n, "domain", "auth_results/dkim/domain", 1, 1,
		&d->domain) < 0 ||
	    rx_get(x, n, "selector", "auth_results/dkim/selector", 0,
		&d->selector) < 0 ||
	    rx_get(x, n, "result", "auth_results/dkim/result", 1, &s) < 0)
		return -1;
	if (rv_dkim(s, &d->result) < 0)
		return enum_fail(x, "auth_results/dkim/result", s);
	free(s);
	return 0;
}

/* read_spf - one auth_results/spf; kept when it is the first mfrom */
static int
read_spf(struct rx *x, const xmlNode *n, struct rrow *r)
{
	char *dom, *scope, *res;
	enum res_spf v;
	int rc = 0;

	if (get_domain(x, n, "domain", "auth_results/spf/domain", 1, 1, &dom) <
	    0)
		return -1;
	scope = res = NULL;
	if (rx_get(x, n, "scope", "auth_results/spf/scope", 0, &scope) < 0 ||
	    rx_get(x, n, "result", "auth_results/spf/result", 1, &res) < 0)
		rc = -1;
	else if (scope != NULL && str_casecmp(scope, "mfrom") != 0 &&
	    str_casecmp(scope, "helo") != 0)
		rc = rx_fail(x,
		    "auth_results/spf/scope: \"%.40s\" is not a "
		    "valid value",
		    scope);
	else if (rv_spf(res, &v) < 0)
		rc = rx_fail(x,
		    "auth_results/spf/result: \"%.40s\" is not a "
		    "valid value",
		    res);
	else if (!r->has_spf &&
	    (scope == NULL || str_casecmp(scope, "mfrom") == 0)) {
		r->has_spf = 1;
		r->spf_domain = dom;
		r->spf_result = v;
		dom = NULL;
	}
	free(dom);
	free(scope);
	free(res);
	return rc;
}

/* read_auth - record/auth_results */
static int
read_auth(struct rx *x, const xmlNode *rec, struct rrow *r)
{
	const xmlNode *ar = want(x, rec, "auth_results", "auth_results"), *c;

	if (ar == NULL)
		return -1;
	for (c = ar->children; c != NULL; c = c->next) {
		if (rx_is(x, c, "dkim") && read_dkim(x, c, r) < 0)
			return -1;
		if (rx_is(x, c, "spf") && read_spf(x, c, r) < 0)
			return -1;
	}
	return 0;
}

int
rx_record(struct rx *x, const xmlNode *rec)
{
	struct rimp_report *rep = x->rep;
	struct rrow r;

	memset(&r, 0, sizeof(r));
	if (read_row(x, rec, &r) < 0 || read_ids(x, rec, &r) < 0 ||
	    read_auth(x, rec, &r) < 0) {
		rrow_free(&r);
		return -1;
	}
	if ((rep->nrows & (rep->nrows - 1)) == 0)
		rep->rows = xrealloc(rep->rows,
		    (rep->nrows ? rep->nrows * 2 : 1) * sizeof(*rep->rows));
	rep->rows[rep->nrows++] = r;
	return 0;
}
