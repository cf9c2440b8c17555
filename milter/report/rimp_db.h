/*
 * rimp_db.h - imported DMARC aggregate reports in the report store
 * (rdb.h, tables imp_report and imp_row of schema v1): writing one report
 * (`hallmark report import`) and reading the rows back (`hallmark
 * senders`).
 *
 * Identity: (reporter, report_id), reporter = rimp_reporter() (the domain
 * of the report's email address).  A report already stored is a
 * duplicate and adds nothing, so importing the same mailbox twice
 * changes nothing.  Each report is written in one transaction: all its
 * rows or none.  Records of one report with equal keys (rrow_key) are
 * added into one imp_row.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RIMP_DB_H
#define HALLMARK_RIMP_DB_H

#include <stddef.h>
#include <stdint.h>

#include "rdb.h"
#include "rimp.h"

enum rimp_stored { RIMP_DUPLICATE = 0, RIMP_STORED = 1 };

/*
 * rimp_store - write report r (read at time now): RIMP_STORED,
 * RIMP_DUPLICATE (nothing written), or -1 with err (the transaction
 * rolled back: nothing written).
 */
int rimp_store(struct rdb *db, const struct rimp_report *r, int64_t now,
    char *err, size_t errlen);

/* one imported row, as rimp_rows hands it over (valid during the call) */
struct rimp_seen {
	const char *reporter; /* e.g. "google.com" */
	const char *org_name; /* as the report gave it */
	const char *report_id;
	const char *domain;	/* policy_published/domain */
	int64_t begin, end;	/* the report's date_range */
	const struct rrow *row; /* row->count: messages */
};

/* rimp_row_fn - 0 to go on, a positive value to stop (rimp_rows returns
 * it) */
typedef int (*rimp_row_fn)(const struct rimp_seen *s, void *arg);

/*
 * rimp_rows - every imported row of reports on policy domain (NULL: all
 * domains) whose date range ends at or after since, oldest report first:
 * 0, fn's non-zero value, or -1 with err.
 */
int rimp_rows(struct rdb *db, const char *domain, int64_t since, rimp_row_fn fn,
    void *arg, char *err, size_t errlen);

#endif
