/*
 * rsend.h - one run of `hallmark report send`: the state machine of the
 * reports over the store.
 *
 *   1. take the store's lock "report-send" (rdb_try_lock): on a fleet
 *      sharing one PostgreSQL, one host sends and the others find the
 *      lock held and stop; the report rows make one report per (day,
 *      domain) for the whole fleet
 *   2. for each closed UTC day (now >= the next midnight + send_delay)
 *      and policy domain with rows and a rua= but no report yet: build
 *      the parts and store them (rpart.h: state built, or skipped)
 *   3. deliver every part in state built or deferred (rdeliver.h)
 *   4. prune what the store keeps no longer (rprune.h: keep_days,
 *      keep_imported_days), in one transaction, still under the lock
 *
 * A dry run takes no lock and writes nothing (and prunes nothing): it builds in memory and
 * says what each new report and each stored one waiting (built,
 * deferred) would get.  A forced resend delivers one stored
 * part again, byte for byte, to every destination.
 *
 * Every report handled is reported as one line on out: "ID STATE NOTE".
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RSEND_H
#define HALLMARK_RSEND_H

#include <stdint.h>
#include <stdio.h>

#include "orgdomain.h"
#include "rdb.h"
#include "rdeliver.h"
#include "rpart.h"
#include "rprune.h"

#define RSEND_LOCK "report-send"

struct rsend_opts {
	struct rpart_opts part;
	struct rdeliver_opts dlv; /* dlv.now, dlv.dry_run used throughout */
	long send_delay;	  /* seconds after UTC midnight */
	long keep_days;		  /* rprune_opts.keep_days */
	long keep_imported_days;  /* rprune_opts.keep_imported_days */
	const char *domain;	  /* only this policy domain, or NULL */
	FILE *out;		  /* one line per report, or NULL */
};

struct rsend_stats {
	unsigned built, sent, deferred, failed, skipped, suppressed, errors;
	struct rprune_stats pruned; /* step 4 */
};

/* rsend_last_day - the last UTC day number closed at now (with delay) */
int64_t rsend_last_day(int64_t now, long delay);

/*
 * rsend_run - steps 1 to 4.  1 done (st counts what happened; errors
 * counts reports a store or build error stopped), 0 the lock is held
 * elsewhere (nothing done), -1 the store failed (err).
 */
int rsend_run(struct rdb *db, struct orgdom_ctx *oc, const struct rsend_opts *o,
    struct rsend_stats *st, char *err, size_t errlen);

/*
 * rsend_resend - deliver the stored part id again (force: to every
 * verified destination, no cap), under the lock.  1 done, 0 lock held,
 * -1 error or no such report (err).
 */
int
rsend_resend(struct rdb *db, struct orgdom_ctx *oc, const struct rsend_opts *o,
    const char *id, struct rsend_stats *st, char *err, size_t errlen);

#endif
