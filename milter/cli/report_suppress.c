/*
 * report_suppress.c - `hallmark report suppress`: destinations that get
 * no report (table suppress, rsupp.h).
 *
 *   hallmark report suppress ADDRESS [--days N] [--reason TEXT]
 *   hallmark report suppress --remove ADDRESS
 *   hallmark report suppress --list
 *   hallmark report suppress --bounce [--verp RECIPIENT] [--days N]
 *   (each also takes -c CONFIG and --store URL)
 *
 * ADDRESS is a mailbox or "@domain"; --days 0 (the default by hand) is
 * for good.  --bounce reads a bounce (a DSN, RFC 3464) on standard input
 * and suppresses the recipients it reports failed for
 * reports.bounce_suppress_days (--days overrides); with --verp (the
 * recipient address the bounce was delivered to, a VERP form of
 * reports.bounce, e.g. Postfix pipe's ${recipient}) it suppresses the
 * report destination that address names, when the bounce reports a
 * failure or is no DSN at all.  Meant for an MTA's pipe transport: exit
 * 0 when done (also when there was nothing to suppress), 75 when the
 * store failed (the MTA retries), 2 on usage errors.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "conf_table.h"
#include "report.h"
#include "report_cli.h"
#include "report_send.h"
#include "rsupp.h"
#include "str.h"

#define EXIT_TEMPFAIL 75
#define BOUNCE_MAX (10u * 1024 * 1024) /* bytes of a bounce read */
#define MAX_FAILED 32
#define DAY_SECONDS 86400

enum supp_mode { SUPP_ADD = 0, SUPP_REMOVE, SUPP_LIST, SUPP_BOUNCE };

struct supp_args {
	struct rcli c;
	enum supp_mode mode;
	long days; /* -1: not given */
	const char *reason, *verp, *addr;
};

static const struct option supp_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "store", required_argument, NULL, 'S' },
	{ "days", required_argument, NULL, 'd' },
	{ "reason", required_argument, NULL, 'r' },
	{ "remove", no_argument, NULL, 'R' },
	{ "list", no_argument, NULL, 'l' },
	{ "bounce", no_argument, NULL, 'b' },
	{ "verp", required_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

/* set_opt - one option; 0 or an exit status */
static int
set_opt(int ch, const char *arg, struct supp_args *a)
{
	uint64_t v;

	switch (ch) {
	case 'c':
		a->c.config = arg;
		return 0;
	case 'S':
		a->c.store = arg;
		return 0;
	case 'r':
		a->reason = arg;
		return 0;
	case 'v':
		a->verp = arg;
		return 0;
	case 'R':
		a->mode = SUPP_REMOVE;
		return 0;
	case 'l':
		a->mode = SUPP_LIST;
		return 0;
	case 'b':
		a->mode = SUPP_BOUNCE;
		return 0;
	case 'd':
		if (str_parse_u64(arg, strlen(arg), 36500, &v) < 0)
			return rcli_usage("suppress", "--days %s: 0 to 36500",
			    arg);
		a->days = (long)v;
		return 0;
	default:
		return rcli_usage("suppress",
		    "unknown option or missing "
		    "value");
	}
}

/* parse - options and the ADDRESS operand; 0 or an exit status */
static int
parse(int argc, char **argv, struct supp_args *a)
{
	int ch, rc, want;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "c:", supp_opts, NULL)) != -1)
		if ((rc = set_opt(ch, optarg, a)) != 0)
			return rc;
	want = a->mode == SUPP_ADD || a->mode == SUPP_REMOVE;
	if (argc - optind != want)
		return rcli_usage("suppress",
		    want ? "one ADDRESS is needed" :
			   "unexpected argument \"%s\"",
		    argv[optind]);
	if (a->verp != NULL && a->mode != SUPP_BOUNCE)
		return rcli_usage("suppress", "--verp goes with --bounce");
	a->addr = want ? argv[optind] : NULL;
	if (a->addr != NULL && !rsupp_valid(a->addr))
		return rcli_usage("suppress",
		    "\"%s\" is not an address "
		    "local@domain or @domain",
		    a->addr);
	return 0;
}

/* until_of - the expiry for days (0: permanent) */
static int64_t
until_of(long days)
{
	return days > 0 ? (int64_t)time(NULL) + (int64_t)days * DAY_SECONDS : 0;
}

/* add_one - suppress addr; 0 or -1 (printed) */
static int
add_one(struct supp_args *a, const char *addr, long days, const char *why)
{
	if (rsupp_add(a->c.db, addr, until_of(days), why, time(NULL)) < 0) {
		rcli_err("suppress", "%s: %s", addr, rdb_error(a->c.db));
		return -1;
	}
	if (days > 0)
		printf("suppressed %s for %ld days (%s)\n", addr, days, why);
	else
		printf("suppressed %s permanently (%s)\n", addr, why);
	return 0;
}

/* print_row - --list: one entry */
static int
print_row(const struct rdb_val *col, size_t ncol, void *arg)
{
	char until[40] = "permanent";
	struct tm tm;
	time_t t;

	(void)arg;
	if (col[1].type == RDB_INT) {
		t = (time_t)col[1].i;
		gmtime_r(&t, &tm);
		strftime(until, sizeof(until), "until %Y-%m-%d %H:%M", &tm);
	}
	printf("%-40s %-22s %s\n", col[0].type == RDB_TEXT ? col[0].s : "",
	    until, col[2].type == RDB_TEXT ? col[2].s : "");
	return 0;
}

/* read_stdin - the bounce, at most BOUNCE_MAX bytes */
static void
read_stdin(struct str *s)
{
	char buf[8192];
	size_t n;

	while (s->len < BOUNCE_MAX &&
	    (n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		str_addn(s, buf, n);
}

/* bounce_verp - the destination the VERP address names, into out */
static int
bounce_verp(struct supp_args *a, char *out, size_t outlen)
{
	const struct conf_reports *r = &a->c.conf->reports;
	const char *b = r->bounce != NULL ? r->bounce : r->from;

	if (b != NULL && rsupp_verp_decode(b, a->verp, "+-", out, outlen) == 0)
		return 0;
	rcli_err("suppress",
	    "--verp %s is not a VERP form of reports.bounce "
	    "(%s): nothing suppressed",
	    a->verp, b ? b : "not set");
	return -1;
}

/* do_bounce - --bounce; an exit status */
static int
do_bounce(struct supp_args *a)
{
	char failed[MAX_FAILED][RSUPP_ADDR_MAX + 1], dest[RSUPP_ADDR_MAX + 1];
	long days = a->days >= 0 ? a->days :
				   a->c.conf->reports.bounce_suppress_days;
	struct str in;
	size_t n, i;
	int rc = 0, dsn;

	str_init(&in);
	read_stdin(&in);
	n = rsupp_dsn_failed(in.s ? in.s : "", in.len, failed, MAX_FAILED);
	dsn = in.s != NULL && strstr(in.s, "\nAction:") != NULL;
	str_free(&in);
	if (a->verp != NULL) {
		if (bounce_verp(a, dest, sizeof(dest)) < 0)
			return 0;
		if (n > 0 || !dsn)
			return add_one(a, dest, days, "bounce") < 0 ?
			    EXIT_TEMPFAIL :
			    0;
		printf("no failed recipient in the bounce: nothing "
		       "suppressed\n");
		return 0;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = add_one(a, failed[i], days, "bounce");
	if (n == 0)
		printf("no failed recipient in the bounce: nothing "
		       "suppressed\n");
	return rc < 0 ? EXIT_TEMPFAIL : 0;
}

/* dispatch - the mode on an open store; an exit status */
static int
dispatch(struct supp_args *a)
{
	int rc;

	switch (a->mode) {
	case SUPP_ADD:
		return add_one(a, a->addr, a->days > 0 ? a->days : 0,
			   a->reason ? a->reason : "by hand") < 0 ?
		    REPORT_EXIT_FAIL :
		    0;
	case SUPP_REMOVE:
		rc = rsupp_del(a->c.db, a->addr);
		if (rc < 0)
			rcli_err("suppress", "%s", rdb_error(a->c.db));
		else
			printf("%s %s\n", a->addr,
			    rc ? "removed" : "was not suppressed");
		return rc < 0 ? REPORT_EXIT_FAIL : 0;
	case SUPP_LIST:
		rc = rdb_query(a->c.db,
		    "SELECT address, until_time, reason "
		    "FROM suppress ORDER BY address",
		    NULL, 0, print_row, NULL);
		if (rc < 0)
			rcli_err("suppress", "%s", rdb_error(a->c.db));
		return rc < 0 ? REPORT_EXIT_FAIL : 0;
	default:
		return do_bounce(a);
	}
}

/* report_suppress - see report_send.h */
int
report_suppress(int argc, char **argv)
{
	struct supp_args a = { .c = { .verb = "suppress" }, .days = -1 };
	int rc;

	if ((rc = parse(argc, argv, &a)) != 0)
		return rc;
	if ((rc = rcli_open(&a.c, 0)) != 0)
		return a.mode == SUPP_BOUNCE && rc == REPORT_EXIT_FAIL ?
		    EXIT_TEMPFAIL :
		    rc;
	rc = dispatch(&a);
	rcli_close(&a.c);
	if (fflush(stdout) != 0 && rc == 0)
		rc = REPORT_EXIT_FAIL;
	return rc;
}
