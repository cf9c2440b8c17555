/*
 * report_prune.c - `hallmark report prune`: the retention of the report
 * store (rprune.h) on its own, as `hallmark report send` does at the end
 * of each run.
 *
 *   hallmark report prune [-c CONFIG] [--store URL] [--dry-run]
 *                         [--now SECONDS]
 *
 * Uses reports.keep_days, keep_imported_days and send_delay.  Takes the
 * lock of the sender ("report-send"): when another host holds it,
 * nothing is done (exit 0).  --dry-run takes no lock and deletes
 * nothing: it counts what would go.  Prints one line per table on stdout
 * ("TABLE ROWS"), a summary on stderr.  Exit 0 done, 1 on a store error
 * (nothing deleted), 2 on usage or configuration errors.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "conf_table.h"
#include "report.h"
#include "report_cli.h"
#include "report_send.h"
#include "rsend.h"
#include "str.h"

struct prune_args {
	struct rcli c;
	int dry_run;
	int64_t now;
};

static const struct option prune_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "store", required_argument, NULL, 'S' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "now", required_argument, NULL, 'N' },
	{ NULL, 0, NULL, 0 },
};

/* parse - the options; 0 or an exit status */
static int
parse(int argc, char **argv, struct prune_args *a)
{
	uint64_t v;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+c:n", prune_opts, NULL)) != -1) {
		if (ch == 'c')
			a->c.config = optarg;
		else if (ch == 'S')
			a->c.store = optarg;
		else if (ch == 'n')
			a->dry_run = 1;
		else if (ch == 'N' &&
		    str_parse_u64(optarg, strlen(optarg), INT64_MAX, &v) == 0)
			a->now = (int64_t)v;
		else
			return rcli_usage("prune",
			    "unknown option, missing or bad value: %s",
			    argv[optind - 1]);
	}
	if (optind != argc)
		return rcli_usage("prune", "unexpected argument \"%s\"",
		    argv[optind]);
	return 0;
}

/* report_prune_say - see report_send.h */
void
report_prune_say(const char *verb, const struct rprune_stats *st, int dry)
{
	fprintf(stderr,
	    "hallmark report %s: %s %lld rows: %lld agg_row, %lld "
	    "agg_policy, %lld report, %lld suppress, %lld imp_report, %lld "
	    "imp_row\n",
	    verb, dry ? "would prune" : "pruned", (long long)rprune_total(st),
	    (long long)st->agg_row, (long long)st->agg_policy,
	    (long long)st->report, (long long)st->suppress,
	    (long long)st->imp_report, (long long)st->imp_row);
}

/* print - one line per table on stdout */
static void
print(const struct rprune_stats *st)
{
	printf("agg_row %lld\nagg_policy %lld\nreport %lld\nsuppress %lld\n"
	       "imp_report %lld\nimp_row %lld\n",
	    (long long)st->agg_row, (long long)st->agg_policy,
	    (long long)st->report, (long long)st->suppress,
	    (long long)st->imp_report, (long long)st->imp_row);
	fflush(stdout);
}

/* run - prune the open store */
static int
run(struct prune_args *a)
{
	const struct conf_reports *r = &a->c.conf->reports;
	struct rprune_opts o = { .now = a->now,
		.send_delay = r->send_delay,
		.keep_days = r->keep_days,
		.keep_imported_days = r->keep_imported_days,
		.dry_run = a->dry_run };
	struct rprune_stats st;
	int rc = a->dry_run ? 1 : rdb_try_lock(a->c.db, RSEND_LOCK);

	if (rc == 0) {
		fprintf(stderr,
		    "hallmark report prune: the store is locked by "
		    "another sender (lock \"%s\"): nothing done\n",
		    RSEND_LOCK);
		return REPORT_EXIT_OK;
	}
	if (rc > 0)
		rc = rprune_run(a->c.db, &o, &st);
	if (!a->dry_run)
		rdb_unlock(a->c.db, RSEND_LOCK);
	if (rc < 0) {
		rcli_err("prune", "%s", rdb_error(a->c.db));
		return REPORT_EXIT_FAIL;
	}
	print(&st);
	report_prune_say("prune", &st, a->dry_run);
	return REPORT_EXIT_OK;
}

/* report_prune - see report_send.h */
int
report_prune(int argc, char **argv)
{
	struct prune_args a = { .c = { .verb = "prune" } };
	int rc;

	if ((rc = parse(argc, argv, &a)) != 0)
		return rc;
	if (a.now == 0)
		a.now = (int64_t)time(NULL);
	if ((rc = rcli_load(&a.c, 0)) == 0 && (rc = rcli_store(&a.c)) == 0)
		rc = run(&a);
	rcli_close(&a.c);
	return rc;
}
