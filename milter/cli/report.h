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
 * report_store_url_with - the store a verb uses: store (its --store
 * option) when not NULL, else reports.store of the configuration file
 * config (its -c option; NULL: the default file when it exists), else
 * REPORT_STORE_DEFAULT.  Allocated; NULL after an error printed on stderr
 * ("hallmark report VERB: ...": a configuration that does not load).
 * report_store_url - the same with the default configuration file.
 */
char *
report_store_url_with(const char *verb, const char *store, const char *config);
char *report_store_url(const char *verb, const char *store);

/*
 * report_open_with - rdb_open of report_store_url_with; NULL after an
 * error printed on stderr.  Run as root with a configuration naming
 * `user` (read for it even when store is given), an SQLite store that
 * does not exist yet is created owned by that user (0640), so that
 * hallmarkd, running as that user, can write what the tool created.  The
 * process keeps its own privileges.  report_open - the same with the
 * default configuration file.
 */
struct rdb *
report_open_with(const char *verb, const char *store, const char *config);
struct rdb *report_open(const char *verb, const char *store);

/* report_import - hallmark report import (report_import.c) */
int report_import(int argc, char **argv);

#endif
