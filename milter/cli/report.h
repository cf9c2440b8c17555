/*
 * report.h - `hallmark report VERB`: the commands of DMARC aggregate
 * reporting (report.c dispatches; one file per verb or concern:
 * report.c check, report_send.c, report_import.c, ...).
 *
 * A verb is a row of the table in report.c: its name, a one-line summary
 * (for `hallmark report --help`) and its function, called with argv[0] =
 * the verb; it parses its own options and returns the exit status of the
 * tool (0 done, 1 failed, 2 usage or configuration error: REPORT_EXIT_*).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_REPORT_H
#define HALLMARK_REPORT_H

#include "rdb.h"

#define REPORT_EXIT_OK 0
#define REPORT_EXIT_FAIL 1
#define REPORT_EXIT_USAGE 2

/* the store when neither --store nor the configuration names one */
#define REPORT_STORE_DEFAULT "sqlite:/var/lib/hallmark/reports.db"

/* report_main - hallmark report ...: argv[0] is "report" */
int report_main(int argc, char **argv);

/*
 * report_store_url - the store a verb uses: store (its --store option)
 * when not NULL, else REPORT_STORE_DEFAULT.  Allocated; NULL after an
 * error printed on stderr ("hallmark report VERB: ...").
 */
char *report_store_url(const char *verb, const char *store);

/* report_open - rdb_open of report_store_url; NULL after an error printed
 * on stderr */
struct rdb *report_open(const char *verb, const char *store);

/* report_url_display - url with any password replaced by "***"
 * (postgresql://user:PASSWORD@..., password=... in a conninfo);
 * allocated */
char *report_url_display(const char *url);

#endif
