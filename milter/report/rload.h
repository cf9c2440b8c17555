/*
 * rload.h - reads what the collector stored for one (UTC day, policy
 * domain) back into the shapes of rrow.h, for the report builder and the
 * sender: the policy of the day (agg_policy) and the rows (agg_row,
 * rrow_unkey of each key, in key order so a rebuild gives the same
 * report), and lists the (day, domain) pairs that are due.
 *
 * Rows whose key does not parse are counted and left out (the caller
 * logs it); nothing else is lost.  One rdb connection, one thread.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RLOAD_H
#define HALLMARK_RLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "rdb.h"
#include "rrow.h"

struct rload_day {
	int64_t day;
	char *domain;
};

struct rload_rows {
	struct rrow *row;
	size_t n, cap;
	size_t bad; /* keys that did not parse */
};

/* rload_policy - the policy of (day, domain): 1 found (rua may be NULL),
 * 0 none, -1 error; free with rpolicy_free */
int rload_policy(struct rdb *db, int64_t day, const char *domain,
    struct rpolicy *out);

/* rload_rows - the rows of (day, domain) with count > 0; 0 or -1; free
 * with rload_rows_free */
int rload_rows(struct rdb *db, int64_t day, const char *domain,
    struct rload_rows *out);
void rload_rows_free(struct rload_rows *r);

/*
 * rload_due - the (day, domain) pairs with a rua= in agg_policy, day <=
 * last_day, no report row yet, and (domain == NULL or equal) into *out
 * (malloc'd array of *n); 0 or -1.  rload_due_free releases it.
 */
int rload_due(struct rdb *db, int64_t last_day, const char *domain,
    struct rload_day **out, size_t *n);
void rload_due_free(struct rload_day *d, size_t n);

/* rload_any_pass - 1 when a row has an aligned DKIM or SPF pass */
int rload_any_pass(const struct rload_rows *r);

#endif
