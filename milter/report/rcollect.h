/*
 * rcollect.h - what hallmarkd records of a message for DMARC aggregate
 * reports: at end of message, after the verdict, the DMARC module's
 * decision (dmarc_report_of) and the SPF and DKIM results of the
 * message become one row (struct rrow) and the policy record (struct
 * rpolicy), added to the in-memory aggregation (ragg_add).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RCOLLECT_H
#define HALLMARK_RCOLLECT_H

#include <time.h>

#include "ctx.h"
#include "rrow.h"

/* what became of a message (for the log and the tests) */
enum rcollect_rc {
	RCOLLECT_RECORDED = 0,
	RCOLLECT_OFF,	    /* reports.enable is false */
	RCOLLECT_NO_POLICY, /* no DMARC Policy Record applied */
	RCOLLECT_SKIPPED,   /* trusted client, tempfail, excluded rcpts,
			    * no client address */
	RCOLLECT_DROPPED    /* max_rows reached (counted, logged) */
};

/*
 * rcollect_msg - record message m (end of message, after the verdict);
 * never touches the store, never blocks beyond the aggregation's mutex.
 */
enum rcollect_rc rcollect_msg(struct hm_msg *m);

/*
 * rcollect_row - the row and policy of m (no checks of whether m is to
 * be recorded): 0, or -1 when DMARC applied no record.  The caller frees
 * them with rrow_free / rpolicy_free.
 */
int rcollect_row(const struct hm_msg *m, struct rrow *r, struct rpolicy *p);

#endif
