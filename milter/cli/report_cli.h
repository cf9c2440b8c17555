/*
 * report_cli.h - what the sending verbs of `hallmark report` share
 * (send, list, show, suppress): the configuration (-c CONFIG, else
 * HM_SYSCONFDIR/hallmark/hallmark.conf when it exists, else the built-in
 * defaults) and the store (--store URL, else reports.store).
 *
 * Errors are printed on stderr as "hallmark report VERB: ..."; the
 * functions return a tool exit status (REPORT_EXIT_*).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_REPORT_CLI_H
#define HALLMARK_REPORT_CLI_H

#include <stdio.h>

#include "rdb.h"

struct conf;

struct rcli {
	const char *verb;
	const char *config; /* -c, or NULL */
	const char *store;  /* --store, or NULL */
	struct conf *conf;
	struct rdb *db;
};

/*
 * rcli_open - load the configuration (with its run-time resources, the
 * resolver included, when runtime is set) and open the store.  0, or an
 * exit status after an error was printed (everything released).
 */
int rcli_open(struct rcli *c, int runtime);
void rcli_close(struct rcli *c);

/* rcli_load, rcli_store - the two halves of rcli_open (a verb that
 * decides on the configuration before it touches the store); rcli_close
 * releases what was made */
int rcli_load(struct rcli *c, int runtime);
int rcli_store(struct rcli *c);

/* rcli_err - "hallmark report VERB: " and the message on stderr */
void rcli_err(const char *verb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* rcli_usage - rcli_err, a hint, and REPORT_EXIT_USAGE */
int rcli_usage(const char *verb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* rcli_json_str - s as a JSON string (quoted, escaped) on f */
void rcli_json_str(FILE *f, const char *s);

/* rcli_day - "YYYY-MM-DD" of a UTC day number into buf */
void rcli_day(long long day, char *buf, size_t len);

#endif
