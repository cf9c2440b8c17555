/*
 * senders.c - `hallmark senders --domain D [--since 30d] [--until DAY]
 * [--format table|json|csv] [--store URL] [-c CONFIG]`.
 *
 * SYNOPSIS
 *	senders_main()
 *
 * DESCRIPTION
 *	Reads the rows of policy domain D for the period from the report
 *	store (report/census_load.c), attributes their source addresses to
 *	sending services with the configuration's dmarc.vendors entries
 *	and its resolver (report/census_attr.c: vendor network, DKIM d=,
 *	the vendor's SPF record, else forward-confirmed reverse DNS), and
 *	prints the census (report/census_out.c).  The period: --since Nd
 *	or Nw (days or weeks back, counting the last day) or a first day
 *	YYYY-MM-DD; --until the last day YYYY-MM-DD (default: today,
 *	UTC).  The store: --store, else reports.store of the
 *	configuration (what hallmarkd writes to).
 *
 *	Exit status: 0 printed, 1 the store could not be opened or read,
 *	2 usage or configuration error.  Errors on stderr, the census on
 *	stdout.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "census.h"
#include "census_load.h"
#include "conf.h"
#include "conf_check.h"
#include "conf_table.h"
#include "report.h"
#include "senders.h"
#include "str.h"

#define DEFAULT_CONF HM_SYSCONFDIR "/hallmark/hallmark.conf"

enum fmt { FMT_TABLE = 0, FMT_JSON, FMT_CSV };

struct sargs {
	char *domain;
	const char *since, *until, *store, *config;
	enum fmt fmt;
	int64_t first, last; /* UTC day numbers */
};

static const char help[] =
    "usage: hallmark senders --domain DOMAIN [--since 30d|Nw|YYYY-MM-DD]\n"
    "                        [--until YYYY-MM-DD] [--format table|json|csv]\n"
    "                        [--store URL] [-c CONFIG]\n"
    "Who sends mail as DOMAIN: the rows hallmarkd recorded and the DMARC\n"
    "reports imported from other receivers, grouped by sending service\n"
    "(a dmarc.vendors entry, else the reverse DNS of the relays, else the\n"
    "address), with SPF, DKIM and DMARC figures, what each service should\n"
    "change, and whether DOMAIN is ready for p=quarantine and p=reject.\n";

/* say - "hallmark senders: ..." on stderr; returns code */
static int __attribute__((format(printf, 2, 3)))
say(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("hallmark senders: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* parse_day - YYYY-MM-DD to a UTC day number; -1 if it is none */
static int
parse_day(const char *s, int64_t *day)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0' || tm.tm_year < 70)
		return -1;
	*day = (int64_t)(timegm(&tm) / 86400);
	return 0;
}

/* parse_since - "30d", "4w" (days back, the last day included) or a day */
static int
parse_since(const char *s, int64_t last, int64_t *first)
{
	size_t n = strlen(s);
	uint64_t v;

	if (n >= 2 && (s[n - 1] == 'd' || s[n - 1] == 'w') &&
	    str_parse_u64(s, n - 1, 3660, &v) == 0 && v > 0) {
		*first = last - (int64_t)(s[n - 1] == 'w' ? v * 7 : v) + 1;
		return 0;
	}
	if (parse_day(s, first) < 0 || *first > last)
		return -1;
	return 0;
}

/* set_fmt - --format */
static int
set_fmt(struct sargs *a, const char *v)
{
	static const char *const names[] = { "table", "json", "csv" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (strcmp(v, names[i]) == 0) {
			a->fmt = (enum fmt)i;
			return 0;
		}
	return say(2, "--format %s: use table, json or csv", v);
}

/* parse - the options into a; 0, 2 (usage), or -1 (--help printed) */
static int
parse(int argc, char **argv, struct sargs *a)
{
	static const struct option lo[] = { { "domain", 1, NULL, 'd' },
		{ "since", 1, NULL, 's' }, { "until", 1, NULL, 'u' },
		{ "format", 1, NULL, 'f' }, { "store", 1, NULL, 'S' },
		{ "config", 1, NULL, 'c' }, { "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+d:s:u:f:S:c:h", lo, NULL)) !=
	    -1) {
		switch (ch) {
		case 'd':
			free(a->domain);
			a->domain = xstrdup(optarg);
			break;
		case 's':
			a->since = optarg;
			break;
		case 'u':
			a->until = optarg;
			break;
		case 'S':
			a->store = optarg;
			break;
		case 'c':
			a->config = optarg;
			break;
		case 'f':
			if (set_fmt(a, optarg) != 0)
				return 2;
			break;
		case 'h':
			fputs(help, stdout);
			return -1;
		default:
			return say(2,
			    "unknown option or missing value: %s "
			    "(try --help)",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return say(2, "unexpected argument \"%s\"", argv[optind]);
	return 0;
}

/* check - the domain and the period */
static int
check(struct sargs *a)
{
	size_t n;

	if (a->domain == NULL)
		return say(2, "--domain is required (try --help)");
	n = strlen(a->domain);
	if (n > 1 && a->domain[n - 1] == '.')
		a->domain[n - 1] = '\0';
	str_lower(a->domain);
	if (conf_check_domain(a->domain, NULL, 0) < 0)
		return say(2, "--domain %s: not a domain name", a->domain);
	a->last = (int64_t)(time(NULL) / 86400);
	if (a->until != NULL && parse_day(a->until, &a->last) < 0)
		return say(2, "--until %s: not a day (YYYY-MM-DD)", a->until);
	if (parse_since(a->since ? a->since : "30d", a->last, &a->first) < 0)
		return say(2,
		    "--since %s: use Nd, Nw or a day YYYY-MM-DD not "
		    "after --until",
		    a->since);
	return 0;
}

/* load_conf - the configuration (vendors, resolver, org_domain mode) */
static struct conf *
load_conf(const char *file)
{
	struct conf_err e;
	struct conf *c;

	if (file == NULL && access(DEFAULT_CONF, F_OK) == 0)
		file = DEFAULT_CONF;
	c = conf_load(file, 0, &e);
	if (c == NULL && e.line > 0)
		say(2, "%s:%d: %s", e.file, e.line, e.msg);
	else if (c == NULL)
		say(2, "%s: %s", file ? file : "(built-in configuration)",
		    e.msg);
	return c;
}

/* run - load, attribute, print */
static int
run(const struct sargs *a, struct conf *cf, struct rdb *db)
{
	struct census c;
	struct census_dns d;
	uint64_t bad = 0;
	int rc;

	census_init(&c, a->domain, a->first, a->last);
	if (census_load(db, &c, &bad) < 0) {
		say(1, "reading the store: %s", rdb_error(db));
		census_free(&c);
		return 1;
	}
	if (bad > 0)
		say(0, "warning: %llu row(s) of the store could not be read",
		    (unsigned long long)bad);
	memset(&d, 0, sizeof(d));
	d.resolver = cf->resolver;
	d.orgdom_mode = cf->dmarc.org_domain;
	d.psl = cf->dmarc.psl.ctx;
	d.vendors = &cf->dmarc.vendors;
	d.receiver = cf->authserv_id;
	census_attribute(&c, &d);
	census_finish(&c);
	rc = a->fmt == FMT_JSON ? census_json(&c, stdout) :
	    a->fmt == FMT_CSV	? census_csv(&c, stdout) :
				  census_table(&c, stdout);
	census_free(&c);
	return rc < 0 ? say(1, "writing the output failed") : 0;
}

/* senders_main - see senders.h */
int
senders_main(int argc, char **argv)
{
	struct sargs a;
	struct conf *cf = NULL;
	struct rdb *db = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(argc, argv, &a);
	if (rc == 0)
		rc = check(&a);
	if (rc == 0 && (cf = load_conf(a.config)) == NULL)
		rc = 2;
	if (rc == 0 && a.store == NULL)
		a.store = cf->reports.store;
	if (rc == 0 && (db = report_open("senders", a.store)) == NULL)
		rc = 1;
	if (rc == 0)
		rc = run(&a, cf, db);
	rdb_close(db);
	if (cf != NULL)
		conf_release(cf);
	free(a.domain);
	return rc < 0 ? 0 : rc;
}
