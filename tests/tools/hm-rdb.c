/*
 * hm-rdb.c - run SQL on a report store through rdb.h, for shell tests:
 * the same statement on SQLite and PostgreSQL, with the store's own
 * connection string, so a test reads what hallmark wrote without caring
 * which back end it is.
 *
 *   hm-rdb URL SQL [PARAM...]   one statement; each PARAM is a "?" value:
 *                               i:NUMBER, s:TEXT, x:HEX (bytes), null
 *   hm-rdb URL -                statements from standard input, one a
 *                               line, each answered after it runs (rows,
 *                               then "ok N" with N = rdb_changes, or
 *                               "error: MESSAGE"); goes on after errors.
 *                               Lines !begin, !commit, !rollback,
 *                               !lock NAME ("lock 1|0"), !unlock NAME call
 *                               rdb_begin ... rdb_unlock ("ok")
 *
 * Rows: one a line, columns separated by a tab; NULL as \N, bytes as \x
 * and hex digits, integers in decimal, text as it is.  Exit 0 when every
 * statement ran, 1 when one failed (the message on stderr), 2 usage.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdb.h"
#include "str.h"

static int
print_row(const struct rdb_val *col, size_t ncol, void *arg)
{
	size_t i, j;

	(void)arg;
	for (i = 0; i < ncol; i++) {
		if (i > 0)
			putchar('\t');
		switch (col[i].type) {
		case RDB_NULL:
			fputs("\\N", stdout);
			break;
		case RDB_INT:
			printf("%lld", (long long)col[i].i);
			break;
		case RDB_BYTES:
			fputs("\\x", stdout);
			for (j = 0; j < col[i].n; j++)
				printf("%02x",
				    ((const unsigned char *)col[i].p)[j]);
			break;
		default:
			fputs(col[i].s, stdout);
		}
	}
	putchar('\n');
	return 0;
}

/* hexval - the value of a hex digit, or -1 */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* param - one PARAM argument; bytes go to *buf (freed by the caller) */
static int
param(const char *a, struct rdb_val *v, unsigned char **buf)
{
	size_t i, n;
	char *end;

	if (strcmp(a, "null") == 0) {
		*v = (struct rdb_val){ .type = RDB_NULL };
	} else if (strncmp(a, "s:", 2) == 0) {
		*v = RDB_S(a + 2);
	} else if (strncmp(a, "i:", 2) == 0) {
		errno = 0;
		*v = RDB_I(strtoll(a + 2, &end, 10));
		if (errno != 0 || end == a + 2 || *end != '\0')
			return -1;
	} else if (strncmp(a, "x:", 2) == 0 && strlen(a + 2) % 2 == 0) {
		n = strlen(a + 2) / 2;
		*buf = xmalloc(n + 1);
		for (i = 0; i < n; i++) {
			int h = hexval(a[2 + 2 * i]), l = hexval(a[3 + 2 * i]);

			if (h < 0 || l < 0)
				return -1;
			(*buf)[i] = (unsigned char)(h * 16 + l);
		}
		*v = RDB_B(*buf, n);
	} else {
		return -1;
	}
	return 0;
}

/* one - hm-rdb URL SQL PARAM... */
static int
one(struct rdb *db, const char *sql, char **argv, int n)
{
	struct rdb_val *v = xcalloc((size_t)n + 1, sizeof(*v));
	unsigned char **bufs = xcalloc((size_t)n + 1, sizeof(*bufs));
	int i, rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		if (param(argv[i], &v[i], &bufs[i]) < 0) {
			fprintf(stderr,
			    "hm-rdb: bad parameter \"%s\" (i:N, "
			    "s:TEXT, x:HEX or null)\n",
			    argv[i]);
			rc = 2;
		}
	if (rc == 0 && rdb_query(db, sql, v, (size_t)n, print_row, NULL) < 0) {
		fprintf(stderr, "hm-rdb: %s\n", rdb_error(db));
		rc = 1;
	}
	for (i = 0; i < n; i++)
		free(bufs[i]);
	free(bufs);
	free(v);
	return rc;
}

/* command - a "!" line: !begin, !commit, !rollback, !lock NAME,
 * !unlock NAME; prints "ok" or "lock N", else "error: ..."; -1 on error */
static int
command(struct rdb *db, const char *line)
{
	int rc;

	if (strcmp(line, "!begin") == 0)
		rc = rdb_begin(db);
	else if (strcmp(line, "!commit") == 0)
		rc = rdb_commit(db);
	else if (strcmp(line, "!rollback") == 0)
		rc = rdb_rollback(db);
	else if (strncmp(line, "!unlock ", 8) == 0)
		rc = rdb_unlock(db, line + 8);
	else if (strncmp(line, "!lock ", 6) == 0) {
		if ((rc = rdb_try_lock(db, line + 6)) >= 0) {
			printf("lock %d\n", rc);
			return 0;
		}
	} else {
		printf("error: unknown command %s\n", line);
		return -1;
	}
	if (rc < 0)
		printf("error: %s\n", rdb_error(db));
	else
		printf("ok\n");
	return rc < 0 ? -1 : 0;
}

/* lines - statements (or "!" commands) from stdin, each answered */
static int
lines(struct rdb *db)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		while (len > 0 &&
		    (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (line[0] == '!') {
			if (command(db, line) < 0)
				rc = 1;
		} else if (rdb_query(db, line, NULL, 0, print_row, NULL) < 0) {
			printf("error: %s\n", rdb_error(db));
			rc = 1;
		} else {
			printf("ok %lld\n", (long long)rdb_changes(db));
		}
		fflush(stdout);
	}
	free(line);
	return rc;
}

int
main(int argc, char **argv)
{
	char err[512];
	struct rdb *db;
	int rc;

	if (argc < 3) {
		fprintf(stderr,
		    "usage: hm-rdb URL SQL [PARAM...] | hm-rdb URL "
		    "-\n");
		return 2;
	}
	if ((db = rdb_open(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "hm-rdb: %s\n", err);
		return 1;
	}
	if (strcmp(argv[2], "-") == 0)
		rc = lines(db);
	else
		rc = one(db, argv[2], argv + 3, argc - 3);
	rdb_close(db);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}
