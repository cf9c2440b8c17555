/*
 * summary.h - the one log line per message (info level): queue id,
 * client, envelope, every result once, action and reason.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_SUMMARY_H
#define HALLMARK_SUMMARY_H

#include "ctx.h"

/* summary_format - the line's text without the queue id; caller frees */
char *summary_format(const struct hm_msg *m);

/* summary_log - log it at info with the message's queue id */
void summary_log(const struct hm_msg *m);

#endif
