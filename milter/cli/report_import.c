/*
 * report_import.c - `hallmark report import [--store URL] [-c CONFIG]
 * [--pipe] [FILE|DIR|-]...`: the DMARC aggregate reports other receivers
 * sent to the institution's rua mailbox, into the report store (rimp.h
 * reads, rimp_db.h stores).  The store: --store, else reports.store of
 * CONFIG (default the installed hallmark.conf when it exists, else the
 * built-in default), the store hallmarkd and `hallmark senders` use.
 *
 * Output: one line per report found, on stdout:
 *   stored: REPORTER REPORT_ID (DOMAIN, DATE, N records, M messages) WHERE
 *   duplicate: REPORTER REPORT_ID WHERE
 *   rejected: WHERE: WHY
 * then "imported: S stored, D duplicate, R rejected".  Text that came
 * from a report or a message is made printable first.
 *
 * Exit status: 0 every report found stored or already there, nothing
 * rejected; 1 something rejected or unreadable, or the store failed;
 * 2 usage or configuration error.
 *
 * --pipe (a Postfix pipe(8) transport; standard input is one message):
 * lines go to syslog (facility mail) instead, and the exit status speaks
 * to the MTA (sysexits): 0 when the message was read, whatever became of
 * its reports (a broken report bounced would go back to the reporter's
 * automatic sender, who cannot act on it, and come back the next day:
 * the admin reads the rejection in the mail log instead); 75
 * (EX_TEMPFAIL: the MTA keeps the message and retries) when the store
 * (or the configuration naming it) cannot be opened or written, which is
 * ours to fix and temporary.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "rdb.h"
#include "report.h"
#include "rimp.h"
#include "rimp_db.h"
#include "str.h"

#define EX_TEMPFAIL 75

/* one run of the verb */
struct imp {
	struct rdb *db;
	int pipe; /* --pipe: syslog, sysexits */
	int64_t now;
	unsigned stored, dup, rejected;
	int store_failed;
};

/* say - one result line: stdout, or syslog under --pipe */
static void __attribute__((format(printf, 3, 4)))
say(const struct imp *m, enum log_level lvl, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (m->pipe)
		log_msg(lvl, "%s", line);
	else
		printf("%s\n", line);
}

/* printable - s made safe for a terminal or a log line */
static const char *
printable(char *buf, size_t len, const char *s)
{
	return log_printable(buf, len, s != NULL ? s : "", s ? strlen(s) : 0);
}

static void
on_bad(void *arg, const char *where, const char *why)
{
	struct imp *m = arg;
	char w[300], y[300];

	m->rejected++;
	say(m, LOG_LVL_WARN, "rejected: %s: %s", printable(w, sizeof(w), where),
	    printable(y, sizeof(y), why));
}

/* messages - the messages of all rows */
static uint64_t
messages(const struct rimp_report *r)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < r->nrows; i++)
		n += r->rows[i].count;
	return n;
}

/* said_stored - the line for a report stored or already there */
static void
said_stored(struct imp *m, int rc, const struct rimp_report *r,
    const char *where)
{
	char who[300], id[300], w[300], dom[300], day[32];
	char *reporter = rimp_reporter(r);
	time_t t = (time_t)r->begin;
	struct tm tm;

	printable(who, sizeof(who), reporter);
	printable(id, sizeof(id), r->report_id);
	printable(w, sizeof(w), where);
	printable(dom, sizeof(dom), r->policy.domain);
	free(reporter);
	if (rc == RIMP_DUPLICATE) {
		m->dup++;
		say(m, LOG_LVL_INFO, "duplicate: %s %s %s", who, id, w);
		return;
	}
	m->stored++;
	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	say(m, LOG_LVL_INFO,
	    "stored: %s %s (%s, %s, %zu record%s, %llu message%s) %s", who, id,
	    dom, day, r->nrows, r->nrows == 1 ? "" : "s",
	    (unsigned long long)messages(r), messages(r) == 1 ? "" : "s", w);
}

static void
on_doc(void *arg, const char *where, const unsigned char *xml, size_t len)
{
	struct imp *m = arg;
	struct rimp_report r;
	char err[512], w[300];
	int rc;

	if (rimp_xml_parse(xml, len, m->now, &r, err, sizeof(err)) < 0) {
		on_bad(m, where, err);
		return;
	}
	if (m->store_failed) {
		rc = -1;
		snprintf(err, sizeof(err), "not stored after a store error");
	} else {
		rc = rimp_store(m->db, &r, m->now, err, sizeof(err));
	}
	if (rc < 0) {
		m->store_failed = 1;
		m->rejected++;
		say(m, LOG_LVL_ERR, "store error: %s: %s",
		    printable(w, sizeof(w), where), err);
	} else {
		said_stored(m, rc, &r, where);
	}
	rimp_report_free(&r);
}

static const struct option import_opts[] = {
	{ "store", required_argument, NULL, 'S' },
	{ "config", required_argument, NULL, 'c' },
	{ "pipe", no_argument, NULL, 'P' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* parse - options into *store, *config, m->pipe; -1: exit with *rc */
static int
parse(int argc, char **argv, const char **store, const char **config,
    struct imp *m, int *rc)
{
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+hc:", import_opts, NULL)) !=
	    -1) {
		if (ch == 'S') {
			*store = optarg;
		} else if (ch == 'c') {
			*config = optarg;
		} else if (ch == 'P') {
			m->pipe = 1;
		} else if (ch == 'h') {
			report_main(2, (char *[]){ "report", "--help", NULL });
			*rc = 0;
			return -1;
		} else {
			fprintf(stderr,
			    "hallmark report import: unknown option "
			    "or missing value: %s\n",
			    argv[optind - 1]);
			*rc = REPORT_EXIT_USAGE;
			return -1;
		}
	}
	if (optind == argc && !m->pipe) {
		fprintf(stderr,
		    "hallmark report import: name a FILE, DIR, or "
		    "- for standard input\n");
		*rc = REPORT_EXIT_USAGE;
		return -1;
	}
	return 0;
}

/* run - every input; 0, or -1 when one could not be read at all */
static int
run(struct imp *m, int n, char **paths)
{
	struct rimp_sink sink = { .doc = on_doc, .bad = on_bad, .arg = m };
	char err[512], w[600];
	int i, rc = 0;

	if (n == 0)
		return rimp_source("-", &sink, err, sizeof(err));
	for (i = 0; i < n; i++) {
		if (rimp_source(paths[i], &sink, err, sizeof(err)) < 0) {
			say(m, LOG_LVL_ERR, "unreadable: %s",
			    printable(w, sizeof(w), err));
			rc = -1;
		}
	}
	return rc;
}

/* open_store - --store, else reports.store of the configuration (run
 * as root, a new SQLite store is given to its user: report_open_with);
 * NULL after an error printed, *cfg_bad set when the configuration did
 * not load */
static struct rdb *
open_store(const char *store, const char *config, int *cfg_bad)
{
	char *url = report_store_url_with("import", store, config);

	*cfg_bad = url == NULL;
	if (url == NULL)
		return NULL;
	free(url);
	return report_open_with("import", store, config);
}

int
report_import(int argc, char **argv)
{
	struct imp m = { .now = (int64_t)time(NULL) };
	const char *store = NULL, *config = NULL;
	int rc = 0, cfg_bad;

	if (parse(argc, argv, &store, &config, &m, &rc) < 0)
		return rc;
	if (m.pipe)
		log_init("hallmark", 1, "mail", LOG_LVL_INFO);
	if ((m.db = open_store(store, config, &cfg_bad)) == NULL)
		return m.pipe ? EX_TEMPFAIL :
		    cfg_bad   ? REPORT_EXIT_USAGE :
				REPORT_EXIT_FAIL;
	rc = run(&m, argc - optind, argv + optind);
	say(&m, LOG_LVL_INFO, "imported: %u stored, %u duplicate, %u rejected",
	    m.stored, m.dup, m.rejected);
	rdb_close(m.db);
	if (m.pipe)
		return m.store_failed || rc < 0 ? EX_TEMPFAIL : 0;
	if (fflush(stdout) != 0)
		return REPORT_EXIT_FAIL;
	return rc < 0 || m.rejected > 0 ? REPORT_EXIT_FAIL : REPORT_EXIT_OK;
}
