/*
 * rprune.h - retention of the report store: the rows nothing needs any
 * more are deleted, so the store does not grow forever.
 *
 *   agg_row, agg_policy  days older than keep_days (UTC day numbers
 *                        below today - keep_days) and closed (before the
 *                        last day rsend_last_day calls closed), whose
 *                        report is final or never to be made
 *   report               the parts of those days, with their bytes
 *   suppress             entries whose until_time has passed
 *   imp_report, imp_row  imported reports whose period ended more than
 *                        keep_imported_days ago (`hallmark senders
 *                        --since` reads them)
 *
 * A (day, policy domain) is kept, all its rows and report parts, while
 * one of its parts is not final (built, deferred: final are sent,
 * skipped, suppressed, failed) or was updated since midnight UTC (the
 * daily cap counts today's mails from table report), or while it has a
 * rua= and no report yet (a report still to build).  keep_days / keep_imported_days 0: those
 * tables are never pruned.
 *
 * rprune_run runs in one transaction and takes no lock: the caller holds
 * RSEND_LOCK ("report-send") so no sender builds or delivers meanwhile.
 * A dry run counts what would go and writes nothing.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RPRUNE_H
#define HALLMARK_RPRUNE_H

#include <stdint.h>

#include "rdb.h"

struct rprune_opts {
	int64_t now;		 /* seconds since the epoch */
	long send_delay;	 /* reports.send_delay: which days are closed */
	long keep_days;		 /* reports.keep_days, 0: keep */
	long keep_imported_days; /* reports.keep_imported_days, 0: keep */
	int dry_run;		 /* count, delete nothing */
};

/* rows deleted (or, in a dry run, that would be), per table */
struct rprune_stats {
	int64_t agg_row, agg_policy, report, suppress, imp_report, imp_row;
};

/* rprune_run - prune (see above); 0, or -1 (rdb_error, nothing deleted) */
int rprune_run(struct rdb *db, const struct rprune_opts *o,
    struct rprune_stats *st);

/* rprune_total - the rows of st together */
int64_t rprune_total(const struct rprune_stats *st);

#endif
