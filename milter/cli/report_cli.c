/*
 * report_cli.c - the configuration and store of the sending verbs of
 * `hallmark report`, and their small output helpers (see report_cli.h).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "conf_table.h"
#include "report.h"
#include "report_cli.h"
#include "str.h"

#define DEFAULT_CONF HM_SYSCONFDIR "/hallmark/hallmark.conf"

/* rcli_err - see report_cli.h */
void
rcli_err(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hallmark report %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* rcli_usage - see report_cli.h */
int
rcli_usage(const char *verb, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rcli_err(verb, "%s", msg);
	fprintf(stderr, "Try 'hallmark --help'.\n");
	return REPORT_EXIT_USAGE;
}

/* load - the configuration */
static struct conf *
load(const char *verb, const char *file, int runtime)
{
	struct conf_err e;
	struct conf *c;

	if (file == NULL && access(DEFAULT_CONF, F_OK) == 0)
		file = DEFAULT_CONF;
	c = conf_load(file, !runtime, &e);
	if (c == NULL && e.line > 0)
		rcli_err(verb, "%s:%d: %s", e.file, e.line, e.msg);
	else if (c == NULL)
		rcli_err(verb, "%s: %s",
		    file != NULL ? file : "(built-in configuration)", e.msg);
	return c;
}

/* rcli_load - see report_cli.h */
int
rcli_load(struct rcli *c, int runtime)
{
	c->conf = load(c->verb, c->config, runtime);
	return c->conf != NULL ? 0 : REPORT_EXIT_USAGE;
}

/* rcli_store - see report_cli.h */
int
rcli_store(struct rcli *c)
{
	c->db = report_open_with(c->verb,
	    c->store != NULL ? c->store : c->conf->reports.store, c->config);
	return c->db != NULL ? 0 : REPORT_EXIT_FAIL;
}

/* rcli_open - see report_cli.h */
int
rcli_open(struct rcli *c, int runtime)
{
	int rc = rcli_load(c, runtime);

	if (rc == 0 && (rc = rcli_store(c)) != 0)
		rcli_close(c);
	return rc;
}

/* rcli_close - see report_cli.h */
void
rcli_close(struct rcli *c)
{
	rdb_close(c->db);
	if (c->conf != NULL)
		conf_release(c->conf);
	c->db = NULL;
	c->conf = NULL;
}

/* rcli_json_str - a JSON string literal on f (str_add_json, lib/str.c) */
void
rcli_json_str(FILE *f, const char *s)
{
	struct str b;

	str_init(&b);
	str_add_json(&b, s);
	fputs(b.s, f);
	str_free(&b);
}

/* rcli_day - see report_cli.h */
void
rcli_day(long long day, char *buf, size_t len)
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(buf, len, "%Y-%m-%d", &tm) == 0 && len > 0)
		buf[0] = '\0';
}
