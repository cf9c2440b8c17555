/*
 * rstate.h - the sender's rows of table report: one row per report part,
 * written when the part is built (state built, with its gzip bytes) and
 * updated on every attempt.  States:
 *
 *   built       stored, not yet submitted (or the run stopped before the
 *               outcome was recorded: the next run submits it, with the
 *               same bytes and Report-ID)
 *   deferred    to be tried again (DNS temporary failure, sendmail exit
 *               75, daily cap reached, local failure)
 *   sent        every destination has it (rcpts lists them)
 *   failed      sendmail refused it, or retries ran out
 *   suppressed  every destination is suppressed
 *   skipped     not to be sent: no authorised destination, no mailto:
 *               rua, no aligned pass with reports.skip_no_pass
 *
 * rcpts holds the addresses the part was handed to so far, separated by
 * spaces, so a retry does not send again to those that have it.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RSTATE_H
#define HALLMARK_RSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "rdb.h"

struct rstate {
	char *report_id;
	int64_t day;
	char *domain;
	int64_t part, nparts;
	char *filename;
	char *rcpts;	     /* or NULL */
	unsigned char *body; /* the gzip bytes (NULL when not loaded) */
	size_t bodylen;
	char *state;
	int64_t attempts;
	char *last_error; /* or NULL */
	int64_t created, updated;
};

/* rstate_free - release the strings and body; zero *r */
void rstate_free(struct rstate *r);

/* rstate_insert - a new row (all of *r); 0 or -1 */
int rstate_insert(struct rdb *db, const struct rstate *r);

/* rstate_get - the row of report_id (with body when with_body): 1 found,
 * 0 none, -1 error */
int rstate_get(struct rdb *db, const char *report_id, int with_body,
    struct rstate *out);

/* rstate_update - state, rcpts, last_error (NULL clears), attempts += inc,
 * updated = now; 0 or -1 */
int rstate_update(struct rdb *db, const char *report_id, const char *state,
    const char *rcpts, const char *last_error, int inc, int64_t now);

/* rstate_count - rows for (day, domain): their number, or -1 */
int64_t rstate_count(struct rdb *db, int64_t day, const char *domain);

/*
 * rstate_each - every row (without body) whose state is state (NULL: all),
 * ordered by day, domain, part; fn gets each (its strings valid during
 * the call) and stops the walk by returning non-zero.  0, the non-zero
 * value, or -1.
 */
int rstate_each(struct rdb *db, const char *state,
    int (*fn)(const struct rstate *r, void *arg), void *arg);

/* rstate_has_rcpt - 1 when addr is one of the space-separated rcpts */
int rstate_has_rcpt(const char *rcpts, const char *addr);

#endif
