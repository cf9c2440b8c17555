/*
 * test_rdb.c - report/rdb*.c, the report store, on a real database: the
 * schema made on first use (once, when processes open an empty store at
 * the same moment) and refused when newer than this build, every value
 * type through exec and query (NULL, 64-bit extremes, bytes with NULs,
 * "?" inside strings), additive upserts, transactions, changes, named
 * locks (between connections and processes, stale holders), error texts;
 * each case on a new empty store (rdb_fixture.c).  (Connection strings
 * and the SQL rewriting: test_rdb_sql; SQLite's file, WAL and busy wait:
 * test_rdb_sqlite.)
 *
 *   test_rdb              the cases on SQLite (a temp directory)
 *   test_rdb URL          the same cases on URL; for PostgreSQL a
 *                         "pg:CONNINFO" (tests/integration/t_rdb_pg.sh):
 *                         each case gets its own empty schema there
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "rdb.h"
#include "rdb_fixture.h"
#include "rdb_int.h"
#include "str.h"
static void
test_schema_created(void **state)
{
	static const char *const tables[] = { "agg_row", "agg_policy", "report",
		"suppress", "imp_report", "imp_row", "locks" };
	const char *const *t = rdb_schema_tables();
	struct rdb *db = *state;
	char sql[64];
	int64_t v;
	size_t i;

	assert_int_equal(rdb_backend(db), is_pg() ? RDB_POSTGRES : RDB_SQLITE);
	assert_int_equal(rdb_schema_current(), 1);
	assert_int_equal(rdb_schema_version(db, &v), 0);
	assert_int_equal(v, rdb_schema_current());
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		assert_non_null(t[i]);
		assert_string_equal(t[i], tables[i]);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s",
		    tables[i]);
		assert_int_equal(count(db, sql), 0);
	}
	assert_null(t[i]);
	/* a second open changes nothing */
	rdb_close(open_ok());
	assert_int_equal(count(db, "SELECT count(*) FROM schema_version"), 1);
}

static void
test_newer_refused(void **state)
{
	struct rdb *db = *state;
	struct rdb_val v = RDB_I(rdb_schema_current() + 1);
	char err[512], want[128];

	assert_int_equal(rdb_exec(db, "UPDATE schema_version SET version = ?",
			     &v, 1),
	    0);
	assert_null(rdb_open(url, err, sizeof(err)));
	snprintf(want, sizeof(want),
	    "schema version %lld, this hallmark "
	    "knows versions up to %lld",
	    (long long)v.i, (long long)rdb_schema_current());
	assert_non_null(strstr(err, want));
	assert_int_equal(strncmp(err, is_pg() ? "postgresql: " : "sqlite: ",
			     is_pg() ? 12 : 8),
	    0);
	/* refused, not changed */
	assert_int_equal(count(db, "SELECT version FROM schema_version"), v.i);
}

static const unsigned char blob[] = { 'a', 0, 'b', 0, 0xff, 0, '\n', 0x80 };

/* test_migrations - a later version appended to the list: the store is
 * upgraded in one transaction, rows kept; a migration that fails leaves
 * the store at its version; this build then refuses the upgraded store */
static void
test_migrations(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const v2[] = {
		"ALTER TABLE report ADD COLUMN note TEXT",
		"CREATE TABLE extra (k TEXT PRIMARY KEY, b BYTES)", NULL
	};
	static const char *const v3[] = { "CREATE TABLE extra2 (x BIGINT)",
		"SELEKT", NULL };
	static const struct rdb_migration m[] = { { .sql = none },
		{ .sql = v2 }, { .sql = v3 } };
	struct rdb *db = *state;
	struct rdb_val p[2] = { RDB_S("r1"), RDB_B(blob, sizeof(blob)) };
	char err[512];
	int64_t v;

	assert_int_equal(rdb_exec(db,
			     "INSERT INTO report (report_id) "
			     "VALUES (?)",
			     p, 1),
	    0);
	assert_int_equal(rdb_schema_apply(db, m, 2), 0);
	assert_int_equal(rdb_schema_version(db, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(count(db,
			     "SELECT count(*) FROM report WHERE "
			     "note IS NULL"),
	    1);
	p[0] = RDB_S("k");
	assert_int_equal(rdb_exec(db, "INSERT INTO extra VALUES (?, ?)", p, 2),
	    0);
	assert_int_equal(count(db, "SELECT length(b) FROM extra"),
	    (int64_t)sizeof(blob));
	/* again: nothing to do */
	assert_int_equal(rdb_schema_apply(db, m, 2), 0);
	/* a failing migration: all of it undone */
	assert_int_equal(rdb_schema_apply(db, m, 3), -1);
	assert_non_null(strstr(rdb_error(db), "SELEKT"));
	assert_int_equal(rdb_schema_version(db, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(rdb_exec(db, "SELECT count(*) FROM extra2", NULL, 0),
	    -1);
	/* this build knows version 1 only */
	assert_null(rdb_open(url, err, sizeof(err)));
	assert_non_null(strstr(err,
	    "schema version 2, this hallmark knows "
	    "versions up to 1"));
}


struct seen {
	int rows;
	struct rdb_val v[6];
	char text[64];
	unsigned char bytes[16];
};

static int
get_row(const struct rdb_val *col, size_t ncol, void *arg)
{
	struct seen *s = arg;
	size_t i;

	assert_int_equal(ncol, 6);
	s->rows++;
	for (i = 0; i < ncol; i++)
		s->v[i] = col[i];
	assert_int_equal(col[1].type, RDB_TEXT);
	snprintf(s->text, sizeof(s->text), "%s", col[1].s);
	if (col[2].type == RDB_BYTES && col[2].n <= sizeof(s->bytes))
		memcpy(s->bytes, col[2].p, col[2].n);
	return 0;
}

static void
select_report(struct rdb *db, const char *id, struct seen *s)
{
	struct rdb_val p = RDB_S(id);

	memset(s, 0, sizeof(*s));
	assert_int_equal(
	    rdb_query(db,
		"SELECT day, filename, body, domain, "
		"attempts, last_error FROM report WHERE report_id = ?",
		&p, 1, get_row, s),
	    0);
	assert_int_equal(s->rows, 1);
}

static void
test_types(void **state)
{
	struct rdb *db = *state;
	const char *text = "caf\xc3\xa9 'what?' \"q\" -- ?";
	struct rdb_val p[6] = { RDB_S("r1"), RDB_I(INT64_MAX), RDB_S(text),
		RDB_B(blob, sizeof(blob)), RDB_S(NULL), RDB_I(INT64_MIN) };
	struct seen s;

	assert_int_equal(
	    rdb_exec(db,
		"INSERT INTO report (report_id, day, "
		"filename, body, domain, attempts) VALUES (?, ?, ?, ?, ?, ?)",
		p, 6),
	    0);
	assert_int_equal(rdb_changes(db), 1);
	select_report(db, "r1", &s);
	assert_int_equal(s.v[0].type, RDB_INT);
	assert_true(s.v[0].i == INT64_MAX);
	assert_string_equal(s.text, text);
	assert_int_equal(s.v[1].n, strlen(text));
	assert_int_equal(s.v[2].type, RDB_BYTES);
	assert_int_equal(s.v[2].n, sizeof(blob));
	assert_memory_equal(s.bytes, blob, sizeof(blob));
	assert_int_equal(s.v[3].type, RDB_NULL);
	assert_true(s.v[4].i == INT64_MIN);
	assert_int_equal(s.v[5].type, RDB_NULL);
	/* empty text and empty bytes are values, not NULL */
	p[0] = RDB_S("r2");
	p[2] = RDB_S("");
	p[3] = RDB_B("", 0);
	assert_int_equal(
	    rdb_exec(db,
		"INSERT INTO report (report_id, day, "
		"filename, body, domain, attempts) VALUES (?, ?, ?, ?, ?, ?)",
		p, 6),
	    0);
	select_report(db, "r2", &s);
	assert_string_equal(s.text, "");
	assert_int_equal(s.v[2].type, RDB_BYTES);
	assert_int_equal(s.v[2].n, 0);
}

static void
test_question_marks(void **state)
{
	struct rdb *db = *state;
	struct rdb_val p = RDB_I(41);
	int64_t v = 0;

	/* a "?" inside a string or a comment is no parameter */
	assert_int_equal(rdb_query(db, "SELECT ? + length('a?''?') -- ?\n", &p,
			     1, get_int, &v),
	    0);
	assert_int_equal(v, 45);
}

static void
upsert(struct rdb *db, int64_t day, const char *key, int64_t n)
{
	struct rdb_val p[4] = { RDB_I(day), RDB_S("example.org"), RDB_S(key),
		RDB_I(n) };

	assert_int_equal(
	    rdb_exec(db,
		"INSERT INTO agg_row (day, domain, "
		"rowkey, count) VALUES (?, ?, ?, ?) ON CONFLICT (day, domain, "
		"rowkey) DO UPDATE SET count = agg_row.count + excluded.count",
		p, 4),
	    0);
	assert_int_equal(rdb_changes(db), 1);
}

static void
test_upsert_additive(void **state)
{
	struct rdb *db = *state;

	upsert(db, 20000, "k1", 2);
	upsert(db, 20000, "k1", 3);
	upsert(db, 20000, "k1", 5);
	upsert(db, 20000, "k2", 7);
	upsert(db, 20001, "k1", 11);
	assert_int_equal(count(db,
			     "SELECT count FROM agg_row WHERE day = "
			     "20000 AND rowkey = 'k1'"),
	    10);
	assert_int_equal(count(db, "SELECT sum(count) FROM agg_row"), 28);
	assert_int_equal(count(db, "SELECT count(*) FROM agg_row"), 3);
}

static void
test_changes(void **state)
{
	struct rdb *db = *state;

	upsert(db, 1, "a", 1);
	upsert(db, 1, "b", 1);
	upsert(db, 2, "a", 1);
	assert_int_equal(rdb_exec(db, "UPDATE agg_row SET count = count + 1",
			     NULL, 0),
	    0);
	assert_int_equal(rdb_changes(db), 3);
	assert_int_equal(rdb_exec(db, "DELETE FROM agg_row WHERE day = 1", NULL,
			     0),
	    0);
	assert_int_equal(rdb_changes(db), 2);
	assert_int_equal(rdb_exec(db, "DELETE FROM agg_row WHERE day = 9", NULL,
			     0),
	    0);
	assert_int_equal(rdb_changes(db), 0);
	assert_int_equal(count(db, "SELECT count(*) FROM agg_row"), 1);
	assert_int_equal(rdb_changes(db), 0);
}

static void
test_transactions(void **state)
{
	struct rdb *db = *state, *d2;

	assert_int_equal(rdb_begin(db), 0);
	upsert(db, 1, "a", 1);
	assert_int_equal(rdb_begin(db), -1);
	assert_non_null(strstr(rdb_error(db), "already open"));
	assert_int_equal(rdb_rollback(db), 0);
	assert_int_equal(count(db, "SELECT count(*) FROM agg_row"), 0);
	assert_int_equal(rdb_begin(db), 0);
	upsert(db, 1, "a", 1);
	upsert(db, 1, "a", 1);
	assert_int_equal(rdb_commit(db), 0);
	assert_int_equal(count(db, "SELECT count FROM agg_row"), 2);
	assert_int_equal(rdb_commit(db), -1);
	assert_int_equal(rdb_rollback(db), -1);
	/* a statement failing inside: the caller rolls back, nothing kept */
	assert_int_equal(rdb_begin(db), 0);
	upsert(db, 2, "a", 1);
	assert_int_equal(rdb_exec(db, "INSERT INTO nosuch VALUES (1)", NULL, 0),
	    -1);
	assert_int_equal(rdb_rollback(db), 0);
	assert_int_equal(count(db, "SELECT count(*) FROM agg_row"), 1);
	/* ... and one that commits anyway: refused, rolled back (PostgreSQL
	 * would do so; SQLite would keep the statements that worked) */
	assert_int_equal(rdb_begin(db), 0);
	upsert(db, 2, "b", 1);
	assert_int_equal(rdb_exec(db, "INSERT INTO nosuch VALUES (1)", NULL, 0),
	    -1);
	assert_int_equal(rdb_commit(db), -1);
	assert_non_null(strstr(rdb_error(db), "not committed, rolled back"));
	assert_non_null(strstr(rdb_error(db), "nosuch"));
	assert_int_equal(count(db, "SELECT count(*) FROM agg_row"), 1);
	assert_int_equal(rdb_begin(db), 0); /* the next one is fine */
	upsert(db, 2, "b", 1);
	assert_int_equal(rdb_commit(db), 0);
	assert_int_equal(count(db, "SELECT count(*) FROM agg_row"), 2);
	/* closing with a transaction open rolls it back */
	d2 = open_ok();
	assert_int_equal(rdb_begin(d2), 0);
	upsert(d2, 3, "a", 1);
	rdb_close(d2);
	assert_int_equal(count(db, "SELECT count(*) FROM agg_row"), 2);
}

static int
stop_at_two(const struct rdb_val *col, size_t ncol, void *arg)
{
	return ++*(int *)arg == 2 ? 7 : 0;
}

static void
test_stop(void **state)
{
	struct rdb *db = *state;
	int n = 0;

	upsert(db, 1, "a", 1);
	upsert(db, 1, "b", 1);
	upsert(db, 1, "c", 1);
	assert_int_equal(rdb_query(db, "SELECT rowkey FROM agg_row", NULL, 0,
			     stop_at_two, &n),
	    7);
	assert_int_equal(n, 2);
	assert_int_equal(rdb_query(db, "SELECT rowkey FROM agg_row", NULL, 0,
			     NULL, NULL),
	    0);
}

static void
test_bad_sql(void **state)
{
	struct rdb *db = *state;
	const char *e;
	struct rdb_val p = RDB_I(1);

	assert_int_equal(rdb_exec(db, "SELEKT 1", NULL, 0), -1);
	e = rdb_error(db);
	assert_int_equal(strncmp(e, is_pg() ? "postgresql: " : "sqlite: ",
			     is_pg() ? 12 : 8),
	    0);
	assert_non_null(strstr(e, "syntax error"));
	assert_non_null(strstr(e, "(in: SELEKT 1)"));
	assert_int_equal(rdb_exec(db, "SELECT ?, ?", &p, 1), -1);
	assert_non_null(strstr(rdb_error(db),
	    "2 parameters in the statement, "
	    "1 given"));
	assert_int_equal(rdb_exec(db, "SELECT 1; SELECT 2", NULL, 0), -1);
	assert_int_equal(rdb_exec(db, "SELECT count(*) FROM nosuch", NULL, 0),
	    -1);
	assert_non_null(strstr(rdb_error(db), "nosuch"));
	/* and the connection still works */
	assert_int_equal(count(db, "SELECT 1"), 1);
}

static void
test_locks(void **state)
{
	struct rdb *db = *state, *d2 = open_ok();

	assert_int_equal(rdb_try_lock(db, "flush"), 1);
	assert_int_equal(rdb_try_lock(db, "flush"), 1);
	assert_int_equal(rdb_try_lock(d2, "flush"), 0);
	assert_int_equal(rdb_try_lock(d2, "send"), 1);
	assert_int_equal(rdb_try_lock(db, "send"), 0);
	assert_int_equal(rdb_unlock(db, "flush"), 0);
	assert_int_equal(rdb_try_lock(d2, "flush"), 1);
	assert_int_equal(rdb_unlock(db, "flush"), -1);
	assert_non_null(strstr(rdb_error(db), "not held"));
	assert_int_equal(rdb_try_lock(db, ""), -1);
	/* closing releases */
	rdb_close(d2);
	assert_int_equal(rdb_try_lock(db, "flush"), 1);
	assert_int_equal(rdb_try_lock(db, "send"), 1);
	/* inside a transaction */
	assert_int_equal(rdb_begin(db), 0);
	assert_int_equal(rdb_try_lock(db, "in-tx"), 1);
	assert_int_equal(rdb_commit(db), 0);
	d2 = open_ok();
	assert_int_equal(rdb_try_lock(d2, "in-tx"), 0);
	rdb_close(d2);
}

/* child_lock - in a child process: open url, try the lock; exit status
 * 10 + the result (9 on error); with hold, _exit while holding it */
static pid_t
child_lock(const char *name, int hold)
{
	char err[512];
	struct rdb *db;
	pid_t pid;
	int rc;

	pid = fork();
	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	if ((db = rdb_open(url, err, sizeof(err))) == NULL) {
		fprintf(stderr, "child: %s\n", err);
		_exit(9);
	}
	rc = rdb_try_lock(db, name);
	if (rc < 0)
		fprintf(stderr, "child: %s\n", rdb_error(db));
	if (!hold)
		rdb_close(db);
	_exit(10 + rc);
}


static void
test_locks_processes(void **state)
{
	struct rdb *db = *state;
	int i;

	assert_int_equal(rdb_try_lock(db, "flush"), 1);
	assert_int_equal(child_status(child_lock("flush", 0)), 10);
	assert_int_equal(child_status(child_lock("other", 0)), 11);
	assert_int_equal(rdb_unlock(db, "flush"), 0);
	/* a process that ends holding the lock leaves it free: its session
	 * ends (PostgreSQL), its row is stale (SQLite) */
	assert_int_equal(child_status(child_lock("flush", 1)), 11);
	for (i = 0; i < 50; i++) {
		int rc = rdb_try_lock(db, "flush");

		assert_true(rc >= 0);
		if (rc == 1)
			break;
		usleep(100 * 1000); /* the server notices the end */
	}
	assert_true(i < 50);
	assert_int_equal(child_status(child_lock("flush", 0)), 10);
}

/* racer - in a child: at "go", open and try the lock; write the result
 * (one byte, '0' + rc + 1), hold until "release" ends, exit */
static void
racer(int go, int res, int release)
{
	char c, err[512], out;
	struct rdb *db;

	if (read(go, &c, 1) != 0)
		_exit(8);
	db = rdb_open(url, err, sizeof(err));
	out = (char)('0' + (db != NULL ? rdb_try_lock(db, "race") : -1) + 1);
	if (write(res, &out, 1) != 1)
		_exit(7);
	while (read(release, &c, 1) > 0)
		;
	rdb_close(db);
	_exit(0);
}

/* test_lock_race - processes trying one lock at the same moment: exactly
 * one takes it */
static void
test_lock_race(void **state)
{
	enum { N = 4 };
	int go[2], res[2], rel[2], i, taken = 0, other = 0;
	pid_t pid[N];
	char c;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(res), 0);
	assert_int_equal(pipe(rel), 0);
	for (i = 0; i < N; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			close(go[1]);
			close(rel[1]);
			racer(go[0], res[1], rel[0]);
		}
	}
	close(go[0]);
	close(go[1]); /* all at once */
	for (i = 0; i < N; i++) {
		assert_int_equal(read(res[0], &c, 1), 1);
		taken += c == '2';
		other += c == '1';
	}
	close(rel[1]); /* let them go */
	for (i = 0; i < N; i++)
		assert_int_equal(child_status(pid[i]), 0);
	assert_int_equal(taken, 1);
	assert_int_equal(other, N - 1);
	close(res[0]);
	close(res[1]);
	close(rel[0]);
}

static void
test_open_race(void **state)
{
	enum { N = 4 };
	pid_t pid[N];
	int go[2], i;
	char c, err[512];
	struct rdb *db;

	fresh_url(); /* an empty store, opened by N processes at once */
	assert_int_equal(pipe(go), 0);
	for (i = 0; i < N; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] > 0)
			continue;
		close(go[1]);
		if (read(go[0], &c, 1) != 0)
			_exit(8);
		db = rdb_open(url, err, sizeof(err));
		if (db == NULL)
			fprintf(stderr, "child %d: %s\n", i, err);
		rdb_close(db);
		_exit(db != NULL ? 0 : 1);
	}
	close(go[0]);
	close(go[1]); /* all start now */
	for (i = 0; i < N; i++)
		assert_int_equal(child_status(pid[i]), 0);
	db = open_ok();
	assert_int_equal(count(db, "SELECT count(*) FROM schema_version"), 1);
	assert_int_equal(count(db, "SELECT version FROM schema_version"),
	    rdb_schema_current());
	rdb_close(db);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_created, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_newer_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrations, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_question_marks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_upsert_additive, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_sql, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks_processes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lock_race, setup,
		    teardown),
		cmocka_unit_test(test_open_race),
	};

	if (fixture_init(argc, argv) < 0)
		return 1;
	return fixture_done(cmocka_run_group_tests(tests, NULL, NULL));
}
