/*
 * callbacks.h - the libmilter callbacks (struct smfiDesc) and the counters
 * the daemon needs to drain in-flight messages on SIGTERM.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_CALLBACKS_H
#define HALLMARK_CALLBACKS_H

#include "milter_api.h"

/* cb_desc - filled struct smfiDesc for smfi_register() */
struct smfiDesc *cb_desc(void);
/* cb_inflight - messages between MAIL FROM and their end, right now */
unsigned cb_inflight(void);
/* cb_set_draining - when set, new connections are told to try later */
void cb_set_draining(int on);

#endif
