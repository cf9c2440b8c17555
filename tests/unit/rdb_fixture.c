/*
 * rdb_fixture.c - what the report store tests share (rdb_fixture.h): the
 * store each case runs on (a new SQLite file in a temp directory, or a
 * new schema of the PostgreSQL database given as argv[1]), opening it,
 * counting, waiting for a child process.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "rdb.h"
#include "rdb_fixture.h"
#include "str.h"

const char *base_url; /* NULL: SQLite in tmpdir */
char tmpdir[512];     /* $TMPDIR/hm-rdb.XXXXXX */
static int ncase;
char url[1024];

int
is_pg(void)
{
	return base_url != NULL;
}

/* fresh_url - url = a new empty store */
void
fresh_url(void)
{
	char err[512], sql[128];
	struct rdb *db;

	ncase++;
	if (!is_pg()) {
		snprintf(url, sizeof(url), "sqlite:%s/t%d.db", tmpdir, ncase);
		return;
	}
	db = rdb_open(base_url, err, sizeof(err));
	if (db == NULL)
		fail_msg("%s", err);
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS hm_t%d CASCADE",
	    ncase);
	assert_int_equal(rdb_exec(db, sql, NULL, 0), 0);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA hm_t%d", ncase);
	assert_int_equal(rdb_exec(db, sql, NULL, 0), 0);
	rdb_close(db);
	snprintf(url, sizeof(url), "%s options='-csearch_path=hm_t%d'",
	    base_url, ncase);
}

struct rdb *
open_ok(void)
{
	char err[512];
	struct rdb *db = rdb_open(url, err, sizeof(err));

	if (db == NULL)
		fail_msg("rdb_open %s: %s", url, err);
	return db;
}

int
setup(void **state)
{
	fresh_url();
	*state = open_ok();
	return 0;
}

int
teardown(void **state)
{
	rdb_close(*state);
	return 0;
}

int
get_int(const struct rdb_val *col, size_t ncol, void *arg)
{
	assert_int_equal(ncol, 1);
	assert_int_equal(col[0].type, RDB_INT);
	*(int64_t *)arg = col[0].i;
	return 0;
}

/* count - the one integer a query gives */
int64_t
count(struct rdb *db, const char *sql)
{
	int64_t v = -1;

	if (rdb_query(db, sql, NULL, 0, get_int, &v) != 0)
		fail_msg("%s: %s", sql, rdb_error(db));
	return v;
}

int
child_status(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* fixture_init - base_url from argv[1] (if any), tmpdir made; 0 or -1 */
int
fixture_init(int argc, char **argv)
{
	if (argc > 1)
		base_url = argv[1];
	snprintf(tmpdir, sizeof(tmpdir), "%s/hm-rdb.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

/* fixture_done - tmpdir removed (unless HM_KEEP is set); rc, or 1 */
int
fixture_done(int rc)
{
	char *cmd;

	if (getenv("HM_KEEP") != NULL)
		return rc;
	cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	free(cmd);
	return rc;
}
