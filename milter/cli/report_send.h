/*
 * report_send.h - the sending verbs of `hallmark report` (rows of the
 * verb table in report.c):
 *
 *   send      report_send.c      build, verify, mail (rsend.h)
 *   list      report_list.c      the reports and their states
 *   show      report_list.c      one report: metadata and its XML
 *   suppress  report_suppress.c  suppression entries, bounces
 *   prune     report_prune.c     retention: delete what is kept no longer
 *
 * Each is called with argv[0] = the verb and returns the tool's exit
 * status (REPORT_EXIT_*; suppress --bounce: 75 on a store failure, for
 * an MTA's pipe transport to retry).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_REPORT_SEND_H
#define HALLMARK_REPORT_SEND_H

#include "rprune.h"

int report_send(int argc, char **argv);
int report_list(int argc, char **argv);
int report_show(int argc, char **argv);
int report_suppress(int argc, char **argv);
int report_prune(int argc, char **argv);

/* report_prune_say - "hallmark report VERB: pruned N rows (per table)"
 * on stderr ("would prune" when dry) */
void report_prune_say(const char *verb, const struct rprune_stats *st, int dry);

#endif
