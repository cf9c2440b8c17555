/*
 * rsubmit.h - hands a composed report mail to the local MTA:
 * SENDMAIL -oi -f SENDER -- RCPT... with the message on standard input,
 * by fork and exec (no shell).  Queueing, retries and TLS are the MTA's.
 *
 * Outcome by exit status: 0 sent; 75 (EX_TEMPFAIL) deferred; any other
 * status or a signal failed, with the program's standard error (the first
 * RSUBMIT_ERR_MAX bytes) as the reason.  A local failure to run it (no
 * such program, fork or pipe error) and a program that has not finished
 * within the timeout (killed) are deferred: the report is tried again on
 * the next run, never dropped because of the local system.
 *
 * Not thread-safe with respect to other fork()s of the process (the tool
 * is single-threaded when it submits); SIGPIPE is ignored while writing.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RSUBMIT_H
#define HALLMARK_RSUBMIT_H

#include <stddef.h>

#define RSUBMIT_ERR_MAX 512 /* bytes of the program's stderr kept */

enum rsubmit_result { RSUBMIT_SENT = 0, RSUBMIT_DEFERRED, RSUBMIT_FAILED };

/*
 * rsubmit - run sendmail_path with -oi -f sender -- rcpts[0..nrcpt) and
 * write msg[0..len) to it; wait at most timeout_s seconds (0: 300).
 * why gets the reason for anything but SENT ("" for SENT).
 */
enum rsubmit_result rsubmit(const char *sendmail_path, const char *sender,
    const char *const *rcpts, size_t nrcpt, const void *msg, size_t len,
    unsigned timeout_s, char *why, size_t whylen);

const char *rsubmit_result_name(enum rsubmit_result r);

#endif
