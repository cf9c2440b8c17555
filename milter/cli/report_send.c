/*
 * report_send.c - `hallmark report send`: one run of the report state
 * machine (rsend.h) with the options of the reports { } section.
 *
 *   hallmark report send [-c CONFIG] [--store URL] [--dry-run]
 *                        [--domain DOMAIN] [--resend ID] [--now SECONDS]
 *
 * Needs reports.org_name, email, receiver and from (bounce defaults to
 * from).  One line per report on stdout ("ID STATE NOTE"), a summary on
 * stderr.  Exit 0 when the run finished (deferred reports are normal:
 * the next run retries them) or the lock is held by another host; 1 when
 * a report failed or could not be handled; 2 on usage or configuration
 * errors.  At the end of a run (not a dry run) the store is pruned
 * (rprune.h) and what went is counted on stderr.  --now pretends the
 * time is SECONDS since the epoch (to send a day before its time, or
 * tests).
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

#define SENDMAIL_TIMEOUT 300

struct send_args {
	struct rcli c;
	int dry_run;
	const char *domain, *resend;
	int64_t now;
};

static const struct option send_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "store", required_argument, NULL, 'S' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "domain", required_argument, NULL, 'd' },
	{ "resend", required_argument, NULL, 'r' },
	{ "now", required_argument, NULL, 'N' },
	{ NULL, 0, NULL, 0 },
};

/* parse - the options; 0 or an exit status */
static int
parse(int argc, char **argv, struct send_args *a)
{
	uint64_t v;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+c:n", send_opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->c.config = optarg;
			break;
		case 'S':
			a->c.store = optarg;
			break;
		case 'n':
			a->dry_run = 1;
			break;
		case 'd':
			a->domain = optarg;
			break;
		case 'r':
			a->resend = optarg;
			break;
		case 'N':
			if (str_parse_u64(optarg, strlen(optarg), INT64_MAX,
				&v) < 0)
				return rcli_usage("send",
				    "--now %s: not a "
				    "number of seconds",
				    optarg);
			a->now = (int64_t)v;
			break;
		default:
			return rcli_usage("send",
			    "unknown option or missing "
			    "value: %s",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return rcli_usage("send", "unexpected argument \"%s\"",
		    argv[optind]);
	return 0;
}

/* identity - the options sending cannot do without */
static int
identity(const struct conf_reports *r)
{
	const char *m = r->org_name == NULL ? "org_name" :
	    r->email == NULL		    ? "email" :
	    r->receiver == NULL		    ? "receiver" :
	    r->from == NULL		    ? "from" :
					      NULL;

	if (m == NULL)
		return 0;
	rcli_err("send",
	    "reports.%s is not set (sending needs org_name, "
	    "email, receiver and from)",
	    m);
	return REPORT_EXIT_USAGE;
}

/* fill - rsend options from the configuration */
static void
fill(const struct send_args *a, const struct conf_reports *r,
    struct rsend_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->part.format = r->format == 1 ? RXML_RFC7489 : RXML_RFC9990;
	o->part.org_name = r->org_name;
	o->part.email = r->email;
	o->part.receiver = r->receiver;
	o->part.generator = PACKAGE_NAME " " PACKAGE_VERSION;
	o->part.max_bytes = (size_t)r->max_report_bytes;
	o->part.skip_no_pass = r->skip_no_pass;
	o->part.now = a->now;
	o->dlv.sendmail = r->sendmail;
	o->dlv.from = r->from;
	o->dlv.from_name = r->org_name;
	o->dlv.bounce = r->bounce != NULL ? r->bounce : r->from;
	o->dlv.verp = r->verp;
	o->dlv.receiver = r->receiver;
	o->dlv.suppress = r->suppress;
	o->dlv.daily_cap = r->daily_cap;
	o->dlv.retry_days = r->retry_days;
	o->dlv.timeout_s = SENDMAIL_TIMEOUT;
	o->dlv.dry_run = a->dry_run;
	o->dlv.now = a->now;
	o->send_delay = r->send_delay;
	o->keep_days = r->keep_days;
	o->keep_imported_days = r->keep_imported_days;
	o->domain = a->domain;
	o->out = stdout;
}

/* summary - one line on stderr; the exit status */
static int
summary(int rc, const struct rsend_stats *st, int dry)
{
	if (rc == 0) {
		fprintf(stderr,
		    "hallmark report send: the store is locked by "
		    "another sender (lock \"%s\"): nothing done\n",
		    RSEND_LOCK);
		return REPORT_EXIT_OK;
	}
	fprintf(stderr,
	    "hallmark report send:%s %u built, %u sent, %u "
	    "deferred, %u failed, %u skipped, %u suppressed, %u errors\n",
	    dry ? " (dry run, nothing written)" : "", st->built, st->sent,
	    st->deferred, st->failed, st->skipped, st->suppressed, st->errors);
	if (rprune_total(&st->pruned) > 0)
		report_prune_say("send", &st->pruned, 0);
	return st->failed > 0 || st->errors > 0 ? REPORT_EXIT_FAIL :
						  REPORT_EXIT_OK;
}

/* run - the run itself, on an open configuration and store */
static int
run(struct send_args *a)
{
	struct conf *c = a->c.conf;
	struct orgdom_ctx oc = { .mode = c->dmarc.org_domain,
		.psl = c->dmarc.psl.ctx,
		.resolver = c->resolver };
	struct rsend_stats st;
	struct rsend_opts o;
	char err[512];
	int rc;

	fill(a, &c->reports, &o);
	if (a->resend != NULL)
		rc = rsend_resend(a->c.db, &oc, &o, a->resend, &st, err,
		    sizeof(err));
	else
		rc = rsend_run(a->c.db, &oc, &o, &st, err, sizeof(err));
	fflush(stdout);
	if (rc < 0) {
		rcli_err("send", "%s", err);
		return REPORT_EXIT_FAIL;
	}
	return summary(rc, &st, a->dry_run);
}

/* report_send - see report_send.h */
int
report_send(int argc, char **argv)
{
	struct send_args a = { .c = { .verb = "send" } };
	int rc;

	if ((rc = parse(argc, argv, &a)) != 0)
		return rc;
	if (a.now == 0)
		a.now = (int64_t)time(NULL);
	if (a.dry_run && a.resend != NULL)
		return rcli_usage("send",
		    "--dry-run and --resend exclude "
		    "each other");
	if ((rc = rcli_load(&a.c, 1)) != 0)
		return rc;
	if (!a.c.conf->reports.enable) {
		fprintf(stderr,
		    "hallmark report send: reports are not enabled "
		    "(reports.enable = false): nothing to do\n");
		rc = REPORT_EXIT_OK;
	} else if ((rc = identity(&a.c.conf->reports)) == 0 &&
	    (rc = rcli_store(&a.c)) == 0) {
		rc = run(&a);
	}
	rcli_close(&a.c);
	return rc;
}
