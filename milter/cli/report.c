/*
 * report.c - `hallmark report VERB ...` (report.h): the table of verbs,
 * the help that lists them, which store a verb opens, and the verb
 * `check`.
 *
 *   hallmark report check [--store URL] [-c CONFIG]
 *       opens the store (creating or upgrading its schema, as hallmarkd
 *       does) and prints the store (password masked), the back end, the
 *       schema version (and this build's), the rows of each table.
 *       Exit 0 when the store opens and every table can be counted, 1
 *       when not or when the configuration does not load (the reason on
 *       stderr), 2 on a usage error.
 *
 * The store: --store URL, else reports.store of the configuration (-c,
 * else the default file when it exists), else REPORT_STORE_DEFAULT.  Run
 * as root, a new SQLite store is given to the configuration's user.
 * Output on stdout, errors on stderr prefixed "hallmark report VERB: ".
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_table.h"
#include "privs.h"
#include "rdb.h"
#include "report.h"
#include "report_send.h"
#include "str.h"

#define DEFAULT_CONF HM_SYSCONFDIR "/hallmark/hallmark.conf"

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
	{ .name = "send",
	    .summary = "build, verify destinations and mail due reports",
	    .run = report_send },
	{ .name = "list",
	    .summary = "the reports and their states (--json)",
	    .run = report_list },
	{ .name = "show",
	    .summary = "one report: metadata and its XML",
	    .run = report_show },
	{ .name = "suppress",
	    .summary = "destinations that get no report; bounces",
	    .run = report_suppress },
	{ .name = "import",
	    .summary = "import the DMARC aggregate reports others send",
	    .run = report_import },
	{ .name = "prune",
	    .summary = "delete old days, reports, imports (reports.keep_days)",
	    .run = report_prune },
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

/* load_conf - the configuration file (NULL: the default one, if it
 * exists); *c NULL when there is none; -1 after an error printed */
static int
load_conf(const char *verb, const char *file, struct conf **c)
{
	struct conf_err e;

	*c = NULL;
	if (file == NULL && access(DEFAULT_CONF, F_OK) == 0)
		file = DEFAULT_CONF;
	if (file == NULL)
		return 0;
	if ((*c = conf_read(file, &e)) != NULL)
		return 0;
	if (e.line > 0)
		say(verb, "%s:%d: %s", e.file, e.line, e.msg);
	else
		say(verb, "%s: %s", file, e.msg);
	return -1;
}

/* resolve - the store's url (allocated) and, when the configuration
 * names one, the run-as user (allocated, else NULL); -1 after an error
 * printed.  The configuration is read when store is NULL, or when root
 * (for the user); one that does not load is an error either way. */
static int
resolve(const char *verb, const char *store, const char *config, char **url,
    char **user)
{
	struct conf *c = NULL;

	*url = *user = NULL;
	if ((store == NULL || geteuid() == 0) &&
	    load_conf(verb, config, &c) < 0)
		return -1;
	if (store == NULL && c != NULL && c->reports.store != NULL)
		store = c->reports.store;
	*url = xstrdup(store != NULL ? store : REPORT_STORE_DEFAULT);
	if (c != NULL && c->user != NULL)
		*user = xstrdup(c->user);
	if (c != NULL)
		conf_release(c);
	return 0;
}

char *
report_store_url_with(const char *verb, const char *store, const char *config)
{
	char *url, *user;

	if (resolve(verb, store, config, &url, &user) < 0)
		return NULL;
	free(user);
	return url;
}

/*
 * own_file - root, with a run-as user: an SQLite store that does not
 * exist yet is created (0640) owned by that user, so that hallmarkd can
 * write it (SQLite gives its -wal and -shm files the database file's
 * owner)
 */
static void
own_file(const char *verb, const char *url, const char *user)
{
	struct priv_user pu;
	const char *path;
	int fd;

	if (user == NULL || geteuid() != 0 ||
	    (path = rdb_url_path(url)) == NULL || priv_lookup(user, &pu) < 0)
		return;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0640);
	if (fd < 0)
		return; /* there already, or rdb_open says why not */
	if (fchown(fd, pu.uid, pu.gid) < 0 || fchmod(fd, 0640) < 0)
		say(verb, "%s: cannot give it to user %s: %m", path, pu.name);
	close(fd);
}

/* open_url - own_file, rdb_open; NULL after an error printed */
static struct rdb *
open_url(const char *verb, const char *url, const char *user)
{
	char err[512], *shown;
	struct rdb *db;

	own_file(verb, url, user);
	db = rdb_open(url, err, sizeof(err));
	if (db == NULL) {
		shown = rdb_url_display(url);
		say(verb, "store %s: %s", shown, err);
		free(shown);
	}
	return db;
}

struct rdb *
report_open_with(const char *verb, const char *store, const char *config)
{
	char *url, *user;
	struct rdb *db;

	if (resolve(verb, store, config, &url, &user) < 0)
		return NULL;
	db = open_url(verb, url, user);
	free(url);
	free(user);
	return db;
}

char *
report_store_url(const char *verb, const char *store)
{
	return report_store_url_with(verb, store, NULL);
}

struct rdb *
report_open(const char *verb, const char *store)
{
	return report_open_with(verb, store, NULL);
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
	char *shown = rdb_url_display(url);
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
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* report_check - hallmark report check [--store URL] */
static int
report_check(int argc, char **argv)
{
	const char *store = NULL, *config = NULL;
	char *url, *user;
	struct rdb *db;
	int ch, rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+c:h", check_opts, NULL)) != -1) {
		if (ch == 'S') {
			store = optarg;
		} else if (ch == 'c') {
			config = optarg;
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
	if (resolve("check", store, config, &url, &user) < 0)
		return REPORT_EXIT_FAIL;
	rc = REPORT_EXIT_FAIL;
	if ((db = open_url("check", url, user)) != NULL &&
	    print_check(db, url) == 0)
		rc = REPORT_EXIT_OK;
	rdb_close(db);
	free(url);
	free(user);
	if (fflush(stdout) != 0)
		rc = REPORT_EXIT_FAIL;
	return rc;
}
