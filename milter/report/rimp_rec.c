/*
 * rimp_rec.c - the element readers of the report importer's XML reader
 * (rimp_xml.h): report_metadata, policy_published and one record, each
 * value checked (rimp_val.h) and the first bad one named in the error:
 * "record 3: row/count: 4294967296 is not in 1..2^31-1".
 *
 * Dates: begin <= end, end at most a day ahead of now, end - begin at
 * most RIMP_MAX_SPAN.  Counts: 1 .. 2^31-1.  A record's row, identifiers
 * and auth_results are required, as both schemas require them; of
 * several auth_results/spf the first with scope mfrom (or no scope) is
 * kept (struct rrow has one, scope mfrom); DKIM results past RR_MAX_DKIM
 * and reasons past RR_MAX_REASONS are dropped.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "rimp_val.h"
#include "rimp_xml.h"
#include "str.h"

#define MAX_TIME 253402300799ULL /* 9999-12-31T23:59:59Z */

/* get_num - required number child name of parent in [min, max] */
static int
get_num(struct rx *x, const xmlNode *parent, const char *name, const char *path,
    uint64_t min, uint64_t max, uint64_t *out)
{
	char *s;
	int rc = 0;

	if (rx_get(x, parent, name, path, 1, &s) < 0)
		return -1;
	if (rv_u64(s, UINT64_MAX, out) < 0)
		rc = rx_fail(x, "%s: \"%.40s\" is not a number", path, s);
	else if (*out < min || *out > max)
		rc = rx_fail(x, "%s: %.40s is not in %llu..%llu", path, s,
		    (unsigned long long)min, (unsigned long long)max);
	free(s);
	return rc;
}

/* check_dates - the date range is sane */
static int
check_dates(struct rx *x, uint64_t begin, uint64_t end)
{
	if (begin > end)
		return rx_fail(x,
		    "report_metadata/date_range: begin %llu is "
		    "after end %llu",
		    (unsigned long long)begin, (unsigned long long)end);
	if (end > (uint64_t)x->now + 86400)
		return rx_fail(x,
		    "report_metadata/date_range: end %llu is in "
		    "the future",
		    (unsigned long long)end);
	if (end - begin > RIMP_MAX_SPAN)
		return rx_fail(x,
		    "report_metadata/date_range: spans more than "
		    "%d days",
		    RIMP_MAX_SPAN / 86400);
	return 0;
}

int
rx_metadata(struct rx *x, const xmlNode *m)
{
	const xmlNode *dr;
	uint64_t begin, end;

	if (rx_get(x, m, "org_name", "report_metadata/org_name", 1,
		&x->rep->org_name) < 0 ||
	    rx_get(x, m, "email", "report_metadata/email", 1, &x->rep->email) <
		0 ||
	    rx_get(x, m, "report_id", "report_metadata/report_id", 1,
		&x->rep->report_id) < 0)
		return -1;
	if ((dr = rx_child(x, m, "date_range")) == NULL)
		return rx_fail(x, "report_metadata/date_range: missing");
	if (get_num(x, dr, "begin", "report_metadata/date_range/begin", 0,
		MAX_TIME, &begin) < 0 ||
	    get_num(x, dr, "end", "report_metadata/date_range/end", 0, MAX_TIME,
		&end) < 0 ||
	    check_dates(x, begin, end) < 0)
		return -1;
	x->rep->begin = (int64_t)begin;
	x->rep->end = (int64_t)end;
	return 0;
}

/* bad_value - the error for a value outside its enumeration */
static int
bad_value(struct rx *x, const char *path, const char *s)
{
	return rx_fail(x, "%s: \"%.40s\" is not a valid value", path, s);
}

/* get_pol - optional p/sp/np into *out (RR_POL_UNSET when absent) */
static int
get_pol(struct rx *x, const xmlNode *pp, const char *name, int required,
    enum rr_pol *out)
{
	char path[64], *s;
	int rc = 0;

	snprintf(path, sizeof(path), "policy_published/%s", name);
	*out = RR_POL_UNSET;
	if (rx_get(x, pp, name, path, required, &s) < 0)
		return -1;
	if (s != NULL && rv_pol(s, out) < 0)
		rc = bad_value(x, path, s);
	free(s);
	return rc;
}

/* get_opt - optional child through an enum checker; 0 or -1 */
#define GET_OPT(x, pp, name, check, out) \
	do { \
		char *s_; \
		int rc_ = 0; \
		if (rx_get((x), (pp), name, "policy_published/" name, 0, \
			&s_) < 0) \
			return -1; \
		if (s_ != NULL && *s_ != '\0' && check(s_, (out)) < 0) \
			rc_ = bad_value((x), "policy_published/" name, s_); \
		free(s_); \
		if (rc_ < 0) \
			return -1; \
	} while (0)

/* policy_rest - the optional parts of policy_published */
static int
policy_rest(struct rx *x, const xmlNode *pp, struct rpolicy *p)
{
	char *s;

	p->adkim = p->aspf = 'r';
	GET_OPT(x, pp, "adkim", rv_align, &p->adkim);
	GET_OPT(x, pp, "aspf", rv_align, &p->aspf);
	GET_OPT(x, pp, "testing", rv_testing, &p->testing);
	GET_OPT(x, pp, "discovery_method", rv_discovery, &p->discovery);
	x->rep->pct = 100;
	if (rx_child(x, pp, "pct") != NULL &&
	    get_num(x, pp, "pct", "policy_published/pct", 0, 100,
		&x->rep->pct) < 0)
		return -1;
	if (rx_get(x, pp, "fo", "policy_published/fo", 0, &s) < 0)
		return -1;
	p->fo = s;
	return 0;
}

int
rx_policy(struct rx *x, const xmlNode *pp)
{
	struct rpolicy *p = &x->rep->policy;

	if (rx_get(x, pp, "domain", "policy_published/domain", 1, &p->domain) <
	    0)
		return -1;
	if (rv_domain(p->domain) < 0)
		return bad_value(x, "policy_published/domain", p->domain);
	if (get_pol(x, pp, "p", 1, &p->p) < 0 ||
	    get_pol(x, pp, "sp", 0, &p->sp) < 0 ||
	    get_pol(x, pp, "np", 0, &p->np) < 0)
		return -1;
	return policy_rest(x, pp, p);
}
