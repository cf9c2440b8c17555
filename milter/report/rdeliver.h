/*
 * rdeliver.h - one stored report part (rstate.h, with its body) to its
 * destinations: the day's rua= (rload.h), destination verification
 * (rdest.h), size limits, suppression (rsupp.h), the daily cap (rcap.h),
 * the mail (rmail.h) handed to sendmail once per recipient (rsubmit.h),
 * and the new state recorded in the store.
 *
 * Outcome (the state written):
 *   sent        every usable destination has the part now
 *   deferred    a DNS temporary failure, a sendmail exit 75 or a local
 *               failure, or the daily cap: tried again by the next run
 *               (until reports.retry_days after it was built: failed)
 *   failed      sendmail refused it (status other than 0 and 75)
 *   suppressed  every authorised destination is suppressed
 *   skipped     no mailto: rua, no authorised destination, every one
 *               over its size limit
 * The recipients handed over so far are kept in rcpts; a retry sends only
 * to the others (a forced resend to all).  Nothing is written in a dry
 * run; what would happen is reported the same way.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RDELIVER_H
#define HALLMARK_RDELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "orgdomain.h"
#include "rcap.h"
#include "rdb.h"
#include "rstate.h"

struct rdeliver_opts {
	const char *sendmail;  /* path of the sendmail program */
	const char *from;      /* From: mailbox */
	const char *from_name; /* its display name, or NULL */
	const char *bounce;    /* envelope sender */
	int verp;	       /* envelope sender bounce+rcpt=domain@... */
	const char *receiver;  /* Submitter */
	char **suppress;       /* static suppression patterns, or NULL */
	long daily_cap;	       /* reports per address and day, 0: none */
	long retry_days;       /* deferred longer than that: failed */
	unsigned timeout_s;    /* per sendmail run */
	int dry_run;
	int force; /* resend: every destination, no cap */
	int64_t now;
};

struct rdeliver_result {
	char state[16];	 /* the state written (or that would be) */
	char note[1024]; /* destinations and reasons, one line */
	unsigned nsent;	 /* recipients handed over in this run */
};

/*
 * rdeliver - deliver r (body loaded) as above; oc resolves (its resolver
 * and Organizational Domain mode); cap counts today's mail.  0, or -1 on
 * a store error (err; the row is left as it was).
 */
int rdeliver(struct rdb *db, struct orgdom_ctx *oc,
    const struct rdeliver_opts *o, struct rcap *cap, const struct rstate *r,
    struct rdeliver_result *res, char *err, size_t errlen);

#endif
