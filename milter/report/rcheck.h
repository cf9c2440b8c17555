/*
 * rcheck.h - hallmarkd -n: the report store checked as the daemon will
 * open it (rcheck.c).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RCHECK_H
#define HALLMARK_RCHECK_H

struct conf;

/*
 * rcheck_store - with reports.enable: open reports.store in a child
 * process running as the configuration's user (creating or upgrading the
 * schema), print the outcome (stdout: OK; stderr: the reason); 0 OK or
 * reports disabled, -1 not
 */
int rcheck_store(const struct conf *c);

#endif
