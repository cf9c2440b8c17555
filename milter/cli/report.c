/*
 * report.c - `hallmark report VERB ...` (report.h): the table of verbs,
 * the help that lists them, which store a verb opens, and the verb
 * `check`.
 *
 *   hallmark report check [--store URL]
 *       opens the store (creating or upgrading its schema, as hallmarkd
 *       does) and prints the store (password masked), the back end, the
 *       schema version (and this build's), the rows of each table.
 *       Exit 0 when the store opens and every table can be counted, 1
 *       when not (the reason on stderr), 2 on a usage error.
 *
 * The store: --store URL, else REPORT_STORE_DEFAULT.  Output on stdout,
 * errors on stderr prefixed "hallmark report VERB: ".
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdb.h"
#include "report.h"
#include "str.h"

struct report_verb {
	const char *name;
	const char *summary; /* one line for the help */
	int (*run)(int argc, char **argv);
};

static int report_check(int argc, char **argv);

/* the verbs: one row each, in the order of the help */
static const struct report_verb verbs[] = {
	{ .name = "check",
	    .summary = "open the store: back end, schema version, rows",
	    .run = report_check },
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

/* say - "hallmark report VERB: " and the message on stderr */
static void __attribute__((format(printf, 2, 3)))
say(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hallmark report%s%s: ", verb != NULL ? " " : "",
	    verb != NULL ? verb : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int __attribute__((format(printf, 2, 3)))
usage(const char *verb, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say(verb, "%s", msg);
	fprintf(stderr, "Try 'hallmark report --help'.\n");
	return REPORT_EXIT_USAGE;
}

static void
help(FILE *f)
{
	size_t i;

	fprintf(f, "usage: hallmark report VERB [OPTIONS]\n\nverbs:\n");
	for (i = 0; i < NVERBS; i++)
		fprintf(f, "    %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f, "\nhallmark --help describes each verb and its options.\n");
}

int
report_main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return usage(NULL, "a verb is needed");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		help(stdout);
		return fflush(stdout) == 0 ? 0 : REPORT_EXIT_USAGE;
	}
	for (i = 0; i < NVERBS; i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].run(argc - 1, argv + 1);
	return usage(NULL, "unknown verb \"%s\"", argv[1]);
}

char *
report_store_url(const char *verb, const char *store)
{
	(void)verb;
	return xstrdup(store != NULL ? store : REPORT_STORE_DEFAULT);
}

struct rdb *
report_open(const char *verb, const char *store)
{
	char err[512], *url, *shown;
	struct rdb *db;

	if ((url = report_store_url(verb, store)) == NULL)
		return NULL;
	db = rdb_open(url, err, sizeof(err));
	if (db == NULL) {
		shown = report_url_display(url);
		say(verb, "store %s: %s", shown, err);
		free(shown);
	}
	free(url);
	return db;
}

/* mask_value - at p (after "password" and "="): the value's length */
static size_t
value_len(const char *p)
{
	size_t n = 0;

	if (*p == '\'') {
		for (n = 1; p[n] != '\0' && p[n] != '\''; n++)
			if (p[n] == '\\' && p[n + 1] != '\0')
				n++;
		return p[n] == '\'' ? n + 1 : n;
	}
	while (p[n] != '\0' && p[n] != ' ' && p[n] != '\t' && p[n] != '&')
		n++;
	return n;
}

/* mask_keys - "password = VALUE" (conninfo, URI query) to "password=***" */
static void
mask_keys(const char *url, struct str *out)
{
	const char *p = url, *k, *v;

	while ((k = strstr(p, "password")) != NULL) {
		v = k + 8;
		while (*v == ' ')
			v++;
		if (*v != '=') {
			str_addn(out, p, (size_t)(v - p));
			p = v;
			continue;
		}
		for (v++; *v == ' '; v++)
			;
		str_addn(out, p, (size_t)(k - p));
		str_add(out, "password=***");
		p = v + value_len(v);
	}
	str_add(out, p);
}

char *
report_url_display(const char *url)
{
	const char *s, *at, *colon, *end;
	struct str a, b;

	str_init(&a);
	s = strstr(url, "://");
	end = s != NULL ? s + 3 + strcspn(s + 3, "/?") : NULL;
	at = s != NULL ? memchr(s + 3, '@', (size_t)(end - s - 3)) : NULL;
	colon = at != NULL ? memchr(s + 3, ':', (size_t)(at - s - 3)) : NULL;
	if (colon != NULL) { /* postgresql://user:PASSWORD@host */
		str_addn(&a, url, (size_t)(colon + 1 - url));
		str_add(&a, "***");
		str_add(&a, at);
	} else {
		str_add(&a, url);
	}
	str_init(&b);
	mask_keys(a.s, &b);
	str_free(&a);
	return str_steal(&b);
}

struct count_arg {
	int64_t n;
};

static int
got_count(const struct rdb_val *col, size_t ncol, void *arg)
{
	struct count_arg *c = arg;

	c->n = ncol > 0 && col[0].type == RDB_INT ? col[0].i : -1;
	return 0;
}

/* print_counts - "  TABLE  N rows" per table; 0, or -1 after an error */
static int
print_counts(struct rdb *db)
{
	const char *const *t;
	struct count_arg c;
	char sql[128];
	int rc = 0;

	printf("rows:\n");
	for (t = rdb_schema_tables(); *t != NULL; t++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", *t);
		c.n = -1;
		if (rdb_query(db, sql, NULL, 0, got_count, &c) < 0) {
			say("check", "%s", rdb_error(db));
			rc = -1;
			continue;
		}
		printf("    %-12s %lld\n", *t, (long long)c.n);
	}
	return rc;
}

/* print_check - what report check prints about an open store */
static int
print_check(struct rdb *db, const char *url)
{
	char *shown = report_url_display(url);
	int64_t v;

	printf("store: %s\nbackend: %s\n", shown,
	    rdb_backend(db) == RDB_POSTGRES ? "postgresql" : "sqlite");
	free(shown);
	if (rdb_schema_version(db, &v) < 0) {
		say("check", "%s", rdb_error(db));
		return -1;
	}
	printf("schema version: %lld (this hallmark: %lld)\n", (long long)v,
	    (long long)rdb_schema_current());
	return print_counts(db);
}

static const struct option check_opts[] = {
	{ "store", required_argument, NULL, 'S' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* report_check - hallmark report check [--store URL] */
static int
report_check(int argc, char **argv)
{
	const char *store = NULL;
	struct rdb *db;
	char *url;
	int ch, rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", check_opts, NULL)) != -1) {
		if (ch == 'S') {
			store = optarg;
		} else if (ch == 'h') {
			help(stdout);
			return 0;
		} else {
			return usage("check",
			    "unknown option or missing "
			    "value: %s",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return usage("check", "unexpected argument \"%s\"",
		    argv[optind]);
	if ((db = report_open("check", store)) == NULL)
		return REPORT_EXIT_FAIL;
	url = report_store_url("check", store);
	rc = print_check(db, url) == 0 ? REPORT_EXIT_OK : REPORT_EXIT_FAIL;
	free(url);
	rdb_close(db);
	if (fflush(stdout) != 0)
		rc = REPORT_EXIT_FAIL;
	return rc;
}
