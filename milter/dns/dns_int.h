/*
 * dns_int.h - what the DNS back ends (dns_unbound.c, dns_static.c) share with
 * dns.c.  Not for callers outside the DNS layer.
 *
 * A back end fills a struct dns_ops; dns.c owns budgets, deadlines and the
 * generic submit/wait/lookup path on top of it.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DNS_INT_H
#define HALLMARK_DNS_INT_H

#include "dns.h"

struct dns_ops {
	/* start a query; q->deadline is already set.  Must not block. */
	void (*submit)(struct dns_resolver *r, struct dns_query *q);
	/* wait until q completes or *until (absolute, monotonic) passes;
	 * returns 1 when complete (q->result set) */
	int (*wait)(struct dns_resolver *r, struct dns_query *q,
	    const struct timespec *until);
	/* abandon q (the back end must not touch q afterwards) */
	void (*cancel)(struct dns_resolver *r, struct dns_query *q);
	void (*free)(struct dns_resolver *r);
	/* optional: an answer the back end holds without asking (its cache),
	 * or NULL; used when the message budget is spent */
	struct dns_result *(*cached)(struct dns_resolver *r,
	    const struct dns_query *q);
};

struct dns_resolver {
	const struct dns_ops *ops;
	unsigned query_timeout_ms;
	unsigned message_budget_ms;
};

struct dns_query {
	struct dns_resolver *r;
	char name[DNS_NAME_MAX + 2];
	int rrtype;
	struct timespec deadline;
	struct dns_budget *budget;
	struct dns_result *result;	/* set by the back end when done */
	int busy;			/* counted as outstanding in budget */
	struct timespec start;		/* submitted (for the metrics) */
	void *priv;			/* back end's own state */
};

/* dns_result_new - an empty result with status st (never NULL) */
struct dns_result *dns_result_new(enum dns_status st, const char *why);
/* dns_result_add - append one record (data copied, NUL appended) */
void dns_result_add(struct dns_result *res, int type, uint16_t pref,
    const void *data, size_t len);

/* dns_unbound_test_break - tests only: make the libunbound back end's
 * dispatcher fail for real with the next answer (dns_unbound.c); 0 or -1 */
int dns_unbound_test_break(struct dns_resolver *r);

/* dns_time_add_ms / dns_time_before - monotonic time helpers */
void dns_time_now(struct timespec *ts);
void dns_time_add_ms(struct timespec *ts, unsigned ms);
int dns_time_before(const struct timespec *a, const struct timespec *b);

#endif
