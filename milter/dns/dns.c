/*
 * dns.c - the back-end-independent part of the DNS layer (dns.h): results,
 * per-message budgets, deadlines and the submit/wait/cancel/lookup path on
 * top of a back end's struct dns_ops (dns_unbound.c, dns_static.c).
 *
 * A query's deadline is the earlier of "now + query timeout" and "now +
 * what is left of the message budget"; a query that reaches it completes
 * as DNS_TIMEOUT and is cancelled in the back end.  The budget counts
 * time with a query of the message outstanding (from submit to hand-over
 * or cancel), not the time between lookups.  Names that cannot be a
 * domain name complete at once as DNS_ERROR, without a packet.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_int.h"
#include "metrics.h"
#include "str.h"

static const char *const status_names[] = { "ok", "nodata", "nxdomain",
    "servfail", "timeout", "error" };

/* dns_status_name - short name for logs and comments */
const char *
dns_status_name(enum dns_status st)
{
	return (unsigned)st <= DNS_ERROR ? status_names[st] : "error";
}

/* dns_result_new - empty result */
struct dns_result *
dns_result_new(enum dns_status st, const char *why)
{
	struct dns_result *res = xcalloc(1, sizeof(*res));

	res->status = st;
	res->why = why ? xstrdup(why) : NULL;
	return res;
}

/* dns_result_add - append one record, copying data and adding a NUL */
void
dns_result_add(struct dns_result *res, int type, uint16_t pref,
    const void *data, size_t len)
{
	struct dns_rr *rr;

	res->rr = xrealloc(res->rr, (res->nrr + 1) * sizeof(*res->rr));
	rr = &res->rr[res->nrr++];
	rr->type = (uint16_t)type;
	rr->pref = pref;
	rr->len = len;
	rr->data = xmemdup0(data, len);
}

/* dns_result_free - free a result and its records */
void
dns_result_free(struct dns_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < res->nrr; i++)
		free(res->rr[i].data);
	free(res->rr);
	free(res->why);
	free(res);
}

/* dns_time_now - monotonic clock */
void
dns_time_now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

/* dns_time_add_ms - ts += ms */
void
dns_time_add_ms(struct timespec *ts, unsigned ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* dns_time_before - a < b */
int
dns_time_before(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec;
	return a->tv_nsec < b->tv_nsec;
}

/* ms_between - b - a in whole milliseconds (0 if b is before a) */
static uint64_t
ms_between(const struct timespec *a, const struct timespec *b)
{
	int64_t ns = ((int64_t)b->tv_sec - (int64_t)a->tv_sec) * 1000000000 +
	    (b->tv_nsec - a->tv_nsec);

	return ns > 0 ? (uint64_t)ns / 1000000 : 0;
}

/* dns_budget_init - a budget of ms of waiting (0: the resolver's default) */
void
dns_budget_init(struct dns_budget *b, const struct dns_resolver *r,
    unsigned ms)
{
	memset(b, 0, sizeof(*b));
	if (ms == 0 && r != NULL)
		ms = r->message_budget_ms;
	b->limit_ms = ms;
}

/* dns_budget_left_ms - the limit less the busy time so far */
unsigned
dns_budget_left_ms(const struct dns_budget *b)
{
	struct timespec zero = { 0, 0 }, now;
	uint64_t used;

	if (b == NULL || b->limit_ms == 0)
		return UINT32_MAX;
	used = ms_between(&zero, &b->spent);
	if (b->pending > 0) {
		dns_time_now(&now);
		used += ms_between(&b->busy_since, &now);
	}
	return used >= b->limit_ms ? 0 : b->limit_ms - (unsigned)used;
}

/* budget_start - a query of the budget is outstanding from *now */
static void
budget_start(struct dns_budget *b, const struct timespec *now)
{
	if (b->pending++ == 0)
		b->busy_since = *now;
}

/* budget_stop - an outstanding query of the budget is done */
static void
budget_stop(struct dns_budget *b)
{
	struct timespec now;

	if (b->pending == 0 || --b->pending > 0)
		return;
	dns_time_now(&now);
	b->spent.tv_sec += now.tv_sec - b->busy_since.tv_sec;
	b->spent.tv_nsec += now.tv_nsec - b->busy_since.tv_nsec;
	if (b->spent.tv_nsec < 0) {
		b->spent.tv_sec--;
		b->spent.tv_nsec += 1000000000L;
	} else if (b->spent.tv_nsec >= 1000000000L) {
		b->spent.tv_sec++;
		b->spent.tv_nsec -= 1000000000L;
	}
}

/* name_ok - a name we can ask for: labels 1..63, total <= 253, no NUL */
static int
name_ok(const char *name, size_t *lenp)
{
	size_t len = strlen(name), lab = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
		} else if (++lab > 63) {
			return 0;
		}
	}
	*lenp = len;
	return lab > 0;
}

/* query_new - allocate and fill the common part; the deadline is the
 * query timeout or what is left of the budget, the earlier */
static struct dns_query *
query_new(struct dns_resolver *r, int rrtype, struct dns_budget *budget,
    const struct timespec *now)
{
	struct dns_query *q = xcalloc(1, sizeof(*q));
	unsigned ms = r->query_timeout_ms, left;

	q->r = r;
	q->rrtype = rrtype;
	q->budget = budget;
	if (budget != NULL && (left = dns_budget_left_ms(budget)) < ms)
		ms = left;
	q->deadline = *now;
	q->start = *now;
	dns_time_add_ms(&q->deadline, ms);
	return q;
}

/* budget_spent - the budget has no time left: the answer may still come
 * from the back end's cache (costs no waiting), else DNS_TIMEOUT */
static void
budget_spent(struct dns_resolver *r, struct dns_query *q)
{
	if (r->ops->cached != NULL)
		q->result = r->ops->cached(r, q);
	if (q->result == NULL)
		q->result = dns_result_new(DNS_TIMEOUT,
		    "message DNS time budget spent");
}

/* dns_submit - start a query; failures complete at once */
struct dns_query *
dns_submit(struct dns_resolver *r, const char *name, int rrtype,
    struct dns_budget *budget)
{
	struct dns_query *q;
	struct timespec now;
	size_t len;

	dns_time_now(&now);
	q = query_new(r, rrtype, budget, &now);

	if (!name_ok(name, &len)) {
		q->result = dns_result_new(DNS_ERROR, "invalid domain name");
		return q;
	}
	memcpy(q->name, name, len);
	q->name[len] = '\0';
	if (budget != NULL && dns_budget_left_ms(budget) == 0) {
		budget_spent(r, q);
		return q;
	}
	if (budget != NULL)
		budget->queries++;
	r->ops->submit(r, q);
	if (budget != NULL && q->result == NULL) {
		budget_start(budget, &now);
		q->busy = 1;
	}
	return q;
}

/* hand_over - give the result to the caller, count voids, free q */
static void
hand_over(struct dns_query *q, struct dns_result **out)
{
	struct timespec now;

	if (q->busy)
		budget_stop(q->budget);
	if (q->budget != NULL && dns_is_void(q->result->status))
		q->budget->voids++;
	dns_time_now(&now);
	metrics_dns(q->rrtype, dns_status_name(q->result->status),
	    (unsigned long)((now.tv_sec - q->start.tv_sec) * 1000000L +
		(now.tv_nsec - q->start.tv_nsec) / 1000));
	*out = q->result;
	free(q);
}

/* dns_wait - wait until the query completes, its deadline, or *until */
int
dns_wait(struct dns_query *q, const struct timespec *until,
    struct dns_result **out)
{
	struct timespec eff = q->deadline, now;

	if (q->result == NULL) {
		if (until != NULL && dns_time_before(until, &eff))
			eff = *until;
		if (!q->r->ops->wait(q->r, q, &eff)) {
			dns_time_now(&now);
			if (dns_time_before(&now, &q->deadline))
				return 0;
			q->r->ops->cancel(q->r, q);
			/* an answer may have won the race with cancel */
			if (q->result == NULL)
				q->result = dns_result_new(DNS_TIMEOUT,
				    "no answer before the deadline");
		}
	}
	hand_over(q, out);
	return 1;
}

/* dns_cancel - abandon a query */
void
dns_cancel(struct dns_query *q)
{
	if (q == NULL)
		return;
	if (q->result == NULL)
		q->r->ops->cancel(q->r, q);
	if (q->busy)
		budget_stop(q->budget);
	dns_result_free(q->result);
	free(q);
}

/* dns_lookup - submit and wait for the result */
struct dns_result *
dns_lookup(struct dns_resolver *r, const char *name, int rrtype,
    struct dns_budget *budget)
{
	struct dns_result *res = NULL;
	struct dns_query *q = dns_submit(r, name, rrtype, budget);

	while (!dns_wait(q, NULL, &res))
		;
	return res;
}

/* dns_resolver_free - release a resolver of any kind */
void
dns_resolver_free(struct dns_resolver *r)
{
	if (r != NULL)
		r->ops->free(r);
}
