/*
 * logcap.h - unit-test helper: capture what hallmark logs (log.c writes
 * to standard error) to read it back, and read a whole stream.
 *
 * log_capture() points stderr at a temporary file; log_captured() puts
 * stderr back and returns the text written meanwhile (caller frees), also
 * copied to stderr so that it stays in the test's log.  One capture at a
 * time; failures fail the running cmocka test.  Test code only.
 */
#ifndef HALLMARK_LOGCAP_H
#define HALLMARK_LOGCAP_H

#include <stddef.h>
#include <stdio.h>

/* read_stream - the rest of f; *len set (caller frees) */
char *read_stream(FILE *f, size_t *len);
/* log_capture - send the log (stderr) to a temporary file */
void log_capture(void);
/* log_captured - restore stderr; the captured log, also copied to stderr */
char *log_captured(void);

#endif
