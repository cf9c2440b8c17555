/*
 * log.h - hallmark's one logging vocabulary.
 *
 *   log_err    something failed; at start-up the caller then exits
 *   log_warn   a problem with one message or one lookup; work goes on
 *   log_notice / log_info   normal events (one line per message at info)
 *   log_debug  details for developers
 *
 * Sinks: syslog (facility from configuration) or stderr with a time stamp
 * (systemd's journal: "<N>" level prefixes instead).
 * Messages are dropped below the configured level.  Thread-safe.
 *
 * Text that came from outside (HELO, addresses, header values) must go
 * through log_printable() before it is logged, so that control characters
 * and 8-bit bytes cannot forge log lines.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_LOG_H
#define HALLMARK_LOG_H

#include <stddef.h>

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7
};

/* log_facility_ok - 1 when name is a syslog facility log_init accepts */
int log_facility_ok(const char *name);
/* log_init - to_syslog 0: stderr; facility is a syslog facility name */
int log_init(const char *ident, int to_syslog, const char *facility,
    enum log_level level);
/* log_set_stderr_copy - 1: while logging to syslog, also write warnings
 * and errors to stderr (a start in the background, until it is done) */
void log_set_stderr_copy(int on);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* log_level_parse - "error", "warning", "notice", "info", "debug"; -1 if bad */
int log_level_parse(const char *name);

void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* log_qid - a line about one message: "QID: text" */
void log_qid(enum log_level lvl, const char *qid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * log_printable - copy at most srclen bytes of src into dst (size dstlen,
 * always NUL-terminated), replacing control characters, DEL and bytes >=
 * 0x80 with '?', and truncating with "..." when too long.  Returns dst.
 */
char *log_printable(char *dst, size_t dstlen, const char *src, size_t srclen);

/* LOG_P - convenience: printable copy of a C string into a stack buffer */
#define LOG_P(buf, s) \
	log_printable((buf), sizeof(buf), (s) ? (s) : "", (s) ? strlen(s) : 0)

#endif
