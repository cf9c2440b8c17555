/*
 * ublog.h - libunbound's own log lines, brought into hallmark's log.
 *
 * libunbound writes its errors ("[1795444468] libunbound[4270:0] error:
 * parse error in ...") to a stdio stream of its own, standard error by
 * default: a daemon logging to syslog would lose them, and in the
 * foreground they break the log format.  ublog_stream() is a stream whose
 * lines go to log.c instead ("unbound: parse error in ..."), masked with
 * log_printable(); give it to each ub_ctx with ub_ctx_debugout().
 *
 * ublog_parse() is the pure part: one line of libunbound's in, the level
 * and the text to log out.  The stream is created once, lives as long as
 * the process, and is safe for any thread (stdio's own lock).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_UBLOG_H
#define HALLMARK_UBLOG_H

#include <stddef.h>
#include <stdio.h>

#include "log.h"

/* ublog_stream - the shared stream; NULL if it cannot be made */
FILE *ublog_stream(void);

/*
 * ublog_parse - line (len bytes, no newline) without libunbound's "[time]
 * ident[pid:tid] " prefix: text and textlen the rest, lvl from its
 * "error:" / "warning:" / "notice:" / "info:" word (errors and warnings
 * are warnings here: hallmark goes on; anything else is debug).
 */
void ublog_parse(const char *line, size_t len, enum log_level *lvl,
    const char **text, size_t *textlen);

#endif
