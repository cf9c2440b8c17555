/*
 * msglog.h - log lines about one message that carry its queue id even
 * when they are written before the MTA has one (Postfix gives milters
 * the queue id from RCPT TO or DATA on, not at MAIL FROM).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_MSGLOG_H
#define HALLMARK_MSGLOG_H

#include "ctx.h"
#include "log.h"

/* msglog - a line about m: logged now under its queue id, or, while the
 * MTA has given none, kept (up to a bound) until msglog_flush() */
void msglog(struct hm_msg *m, enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* msglog_flush - log the kept lines under m->qid (the queue id once the
 * MTA has given one, else NOQUEUE) and forget them */
void msglog_flush(struct hm_msg *m);

#endif
