/*
 * rflush.h - the flusher: the thread of hallmarkd that writes the
 * in-memory aggregation (ragg.h) to the report store (rdb.h) every
 * reports.flush_interval seconds, when asked (SIGHUP) and at shutdown,
 * in one transaction of additive upserts.  Milter threads never touch
 * the store.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RFLUSH_H
#define HALLMARK_RFLUSH_H

#include <stddef.h>

#include "ragg.h"
#include "rdb.h"

/* rflush_start - start the thread (call with HUP/TERM/INT blocked, after
 * the privilege drop: the store is opened as the run-as user); 0 or -1 */
int rflush_start(void);

/* rflush_kick - write now (SIGHUP); returns at once */
void rflush_kick(void);

/* rflush_stop - a last write, then the thread ends; waits at most
 * wait_s seconds for it (a store that hangs does not stop shutdown:
 * the rows not written are then logged as lost) */
void rflush_stop(unsigned wait_s);

/*
 * rflush_write - the rows and policies of batch into db in one
 * transaction: agg_row counts are added to, agg_policy keeps the one
 * seen last.  0, or -1 with err set and the transaction rolled back.
 */
int rflush_write(struct rdb *db, const struct ragg *batch, char *err,
    size_t errlen);

#endif
