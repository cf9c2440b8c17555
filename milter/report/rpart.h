/*
 * rpart.h - builds the report of one (UTC day, policy domain) from the
 * store and keeps it there: the rows and policy (rload.h) through the
 * builder (rxml.h) into parts whose gzip is under the size cap, each
 * stored in table report (rstate.h) with state built, in one
 * transaction, before anything is submitted.  From then on the stored
 * bytes are what is sent, every time: a resend is byte-identical.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RPART_H
#define HALLMARK_RPART_H

#include <stddef.h>
#include <stdint.h>

#include "rdb.h"
#include "rxml.h"
#include "str.h"

struct rpart_opts {
	enum rxml_format format;
	const char *org_name, *email, *extra_contact, *receiver, *generator;
	size_t max_bytes; /* gzip size cap of a part */
	int skip_no_pass; /* no aligned pass: stored as skipped */
	int64_t now;
};

/* one built part, in memory */
struct rpart {
	char *report_id;
	char *filename;
	struct str gz;
	size_t xml_bytes;
};

struct rpart_set {
	struct rpart *p;
	unsigned n;
	size_t rows;	 /* records in all parts */
	uint64_t count;	 /* messages in all parts */
	size_t bad_keys; /* stored rows that could not be read */
	int no_pass;	 /* no row has an aligned pass */
	char *rua;	 /* the day's rua= */
};

/*
 * rpart_make - the parts of (day, domain) in memory: 1 built, 0 nothing
 * to build (no policy or no rows), -1 error (err).  rpart_set_free
 * releases them.
 */
int rpart_make(struct rdb *db, const struct rpart_opts *o, int64_t day,
    const char *domain, struct rpart_set *out, char *err, size_t errlen);
void rpart_set_free(struct rpart_set *s);

/*
 * rpart_store - rpart_make, then insert every part into table report in
 * one transaction: state built, or skipped (with the reason) when
 * skip_no_pass applies.  1 stored, 0 nothing to build, -1 error (err;
 * nothing stored).
 */
int rpart_store(struct rdb *db, const struct rpart_opts *o, int64_t day,
    const char *domain, struct rpart_set *out, char *err, size_t errlen);

#endif
