/*
 * mp_conn.h - one MTA connection of hallmark's milter engine, served by
 * a thread of its own (mp_conn.c), and the registry the listener uses
 * to stop them all (mp_main.c).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_MP_CONN_H
#define HALLMARK_MP_CONN_H

#include <stddef.h>

#include "mp_api.h"

/* mp_conn_start - serve fd in a new thread; -1 when no thread could be
 * started (fd is closed then) */
int
mp_conn_start(int fd, const struct smfiDesc *d, int timeout, size_t max_frame);
/* mp_conn_stop_all - end every connection (shutdown of its socket) and
 * wait up to `seconds` for their threads; the number still running */
unsigned mp_conn_stop_all(int seconds);
/* mp_conn_budget_set - bytes of frames over 64 KB all connections may
 * hold at once */
void mp_conn_budget_set(size_t bytes);

#endif
