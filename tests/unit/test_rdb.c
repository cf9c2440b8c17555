/*
 * test_rdb.c - report/rdb*.c, the report store, on a real database: the
 * schema made on first use (once, when processes open an empty store at
 * the same moment) and refused when newer than this build, every value
 * type through exec and query (NULL, 64-bit extremes, bytes with NULs,
 * "?" inside strings), additive upserts, transactions, changes, named
 * locks (between connections and processes, stale holders), error texts,
 * connection strings, the SQL rewriting.
 *
 *   test_rdb              the cases on SQLite (a temp directory)
 *   test_rdb URL          the same cases on URL; for PostgreSQL a
 *                         "pg:CONNINFO" (tests/integration/t_rdb_pg.sh):
 *                         each case gets its own empty schema there
 *
 * Each case runs on a new empty store (fresh_url).
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
#include "rdb_int.h"
#include "str.h"

static const char *base_url; /* NULL: SQLite in tmpdir */
static char tmpdir[] = "/tmp/hm-rdb.XXXXXX";
static int ncase;
static char url[1024];

static int
is_pg(void)
{
	return base_url != NULL;
}

/* fresh_url - url = a new empty store */
static void
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

static struct rdb *
open_ok(void)
{
	char err[512];
	struct rdb *db = rdb_open(url, err, sizeof(err));

	if (db == NULL)
		fail_msg("rdb_open %s: %s", url, err);
	return db;
}

static int
setup(void **state)
{
	fresh_url();
	*state = open_ok();
	return 0;
}

static int
teardown(void **state)
{
	rdb_close(*state);
	return 0;
}

static int
get_int(const struct rdb_val *col, size_t ncol, void *arg)
{
	assert_int_equal(ncol, 1);
	assert_int_equal(col[0].type, RDB_INT);
	*(int64_t *)arg = col[0].i;
	return 0;
}

/* count - the one integer a query gives */
static int64_t
count(struct rdb *db, const char *sql)
{
	int64_t v = -1;

	if (rdb_query(db, sql, NULL, 0, get_int, &v) != 0)
		fail_msg("%s: %s", sql, rdb_error(db));
	return v;
}

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
	struct rdb *db = *state;

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
	/* closing with a transaction open rolls it back */
	{
		struct rdb *d2 = open_ok();

		assert_int_equal(rdb_begin(d2), 0);
		upsert(d2, 3, "a", 1);
		rdb_close(d2);
	}
	assert_int_equal(count(db, "SELECT count(*) FROM agg_row"), 1);
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

static int
child_status(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
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
	(void)state;
}

static void
test_sqlite_file(void **state)
{
	char path[256], err[512];
	struct stat st;
	struct rdb *db;
	mode_t old;

	(void)state;
	if (is_pg())
		skip();
	/* 0640 whatever the umask, WAL */
	snprintf(path, sizeof(path), "%s/mode.db", tmpdir);
	old = umask(077);
	db = rdb_open(path, err, sizeof(err)); /* a plain path */
	umask(old);
	assert_non_null(db);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, geteuid());
	rdb_close(db);
	snprintf(path, sizeof(path), "sqlite://%s/mode.db", tmpdir);
	db = rdb_open(path, err, sizeof(err));
	assert_non_null(db);
	rdb_close(db);
	/* a directory that does not exist: the path and the reason */
	assert_null(rdb_open("sqlite:/nonexistent/dir/r.db", err, sizeof(err)));
	assert_string_equal(err,
	    "sqlite: cannot create /nonexistent/dir/r.db: "
	    "No such file or directory");
}

static int
get_text(const struct rdb_val *col, size_t ncol, void *arg)
{
	assert_int_equal(col[0].type, RDB_TEXT);
	snprintf(arg, 16, "%s", col[0].s);
	return 0;
}

static void
test_sqlite_wal(void **state)
{
	struct rdb *db = *state;
	char mode[16] = "";

	if (is_pg())
		skip();
	assert_int_equal(rdb_query(db, "PRAGMA journal_mode", NULL, 0, get_text,
			     mode),
	    0);
	assert_string_equal(mode, "wal");
}

/* test_sqlite_busy - a writer waits for another (busy timeout) instead
 * of failing at once.  The child says when it holds the write lock and
 * keeps it 0.3 s after the parent's clock starts (pipes, not sleeps: on
 * a loaded machine the child may take its time to lock) */
static void
test_sqlite_busy(void **state)
{
	struct rdb *db = *state, *d2;
	struct timespec t0, t1;
	int up[2], down[2];
	char b = 0;
	pid_t pid;
	double dt;

	if (is_pg())
		skip();
	d2 = open_ok();
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[512];
		struct rdb *c = rdb_open(url, err, sizeof(err));

		if (c == NULL || rdb_begin(c) < 0 ||
		    write(up[1], "L", 1) != 1 || read(down[0], &b, 1) != 1)
			_exit(1);
		usleep(300 * 1000); /* holds the write lock */
		_exit(rdb_commit(c) < 0 ? 1 : 0);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &b, 1) != 1) /* the child holds the lock */
		fail_msg("the child did not lock: status %d",
		    child_status(pid));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(write(down[1], "G", 1), 1);
	assert_int_equal(rdb_begin(d2), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(dt > 0.2 && dt < 4.0);
	assert_int_equal(rdb_commit(d2), 0);
	rdb_close(d2);
	close(up[0]);
	close(down[1]);
	assert_int_equal(child_status(pid), 0);
	(void)db;
}

static void
test_urls(void **state)
{
	char err[512];

	(void)state;
	assert_null(rdb_open("mysql://localhost/x", err, sizeof(err)));
	assert_string_equal(err,
	    "unknown store type \"mysql:\" (use "
	    "sqlite:PATH, postgresql://... or pg:CONNINFO)");
	assert_null(rdb_open("", err, sizeof(err)));
	assert_non_null(strstr(err, "no store given"));
	assert_null(rdb_open(NULL, err, sizeof(err)));
	assert_null(rdb_open("sqlite:", err, sizeof(err)));
	assert_string_equal(err, "sqlite:: no file name");
	/* no server there: libpq's reason, with the socket it tried */
	assert_null(rdb_open("pg:host=/nonexistent port=5999 dbname=x", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "postgresql: cannot connect: "));
	assert_non_null(strstr(err, "/nonexistent/.s.PGSQL.5999"));
	assert_null(strchr(err, '\n'));
	assert_null(rdb_open("postgresql://u:secret@127.0.0.1:1/x", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "postgresql: cannot connect: "));
	assert_null(strstr(err, "secret"));
}

static void
numbered(const char *in, const char *want, size_t wantn)
{
	struct str s;
	size_t n;

	str_init(&s);
	rdb_sql_numbered(in, &s, &n);
	assert_string_equal(s.s, want);
	assert_int_equal(n, wantn);
	str_free(&s);
}

static void
test_rewrite(void **state)
{
	struct str s;

	(void)state;
	numbered("SELECT ?, ?", "SELECT $1, $2", 2);
	numbered("SELECT '?''?', \"a?\", ? -- ?\n, ? /* ? */ ?",
	    "SELECT '?''?', \"a?\", $1 -- ?\n, $2 /* ? */ $3", 3);
	numbered("SELECT 'unterminated ?", "SELECT 'unterminated ?", 0);
	numbered("", "", 0);
	str_init(&s);
	rdb_sql_ddl("CREATE TABLE t (BYTES BYTES, xBYTES BYTES_x, "
		    "c TEXT DEFAULT 'BYTES')",
	    "BYTEA", &s);
	assert_string_equal(s.s,
	    "CREATE TABLE t (BYTEA BYTEA, xBYTES "
	    "BYTES_x, c TEXT DEFAULT 'BYTES')");
	str_free(&s);
	/* the key of a name never changes (hosts of different versions
	 * share locks): FNV-1a 64 of "hallmark:flush" */
	assert_true(rdb_lock_key("flush") == (int64_t)0xd95eb65654d1b877ULL);
	assert_true(rdb_lock_key("flush") != rdb_lock_key("send"));
}

#define LOCAL_TESTS \
	cmocka_unit_test(test_sqlite_file), \
	    cmocka_unit_test_setup_teardown(test_sqlite_wal, setup, teardown), \
	    cmocka_unit_test_setup_teardown(test_sqlite_busy, setup, \
		teardown), \
	    cmocka_unit_test(test_urls), cmocka_unit_test(test_rewrite)

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_created, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_newer_refused, setup,
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
		cmocka_unit_test(test_open_race), LOCAL_TESTS
	};
	int rc;

	if (argc > 1)
		base_url = argv[1];
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (getenv("HM_KEEP") == NULL) {
		char *cmd = xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			rc = 1;
		free(cmd);
	}
	return rc;
}
