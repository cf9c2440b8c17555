/*
 * rdb_sqlite.c - the SQLite back end of the report store (rdb_int.h): one
 * file on one host, the default.
 *
 * Open: the file is created with mode 0640 (owner: the process's user),
 * then opened read-write (a file this user cannot write is refused), in
 * WAL mode with synchronous=NORMAL (a committed transaction survives a
 * crash of the process; a power loss may lose the last ones), a busy
 * timeout of RDB_SQLITE_BUSY_MS: a writer waits that long for another
 * before "database is locked".  Transactions begin IMMEDIATE (the write
 * lock is taken at BEGIN, so two writers never deadlock half-way).
 *
 * Values: INTEGER columns come back as RDB_INT, TEXT (and REAL, as text)
 * as RDB_TEXT, BLOB as RDB_BYTES, NULL as RDB_NULL.  One statement per
 * call: trailing SQL is refused, as PostgreSQL refuses it.  rdb_changes
 * is the number of rows the statement inserted, updated or deleted.
 *
 * Locks: a row of table locks (name, holder, since) written under the
 * file's write lock.  holder = "PID START CONN" (process id, its start
 * time from /proc, connection number within the process); a row whose
 * process is gone (or whose PID was reused: another start time) is stale
 * and taken over.  Outside a transaction try_lock runs its own; inside
 * one, the lock row is part of it (a rollback drops it).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "rdb_int.h"

#define RDB_SQLITE_BUSY_MS 5000

struct sq {
	sqlite3 *h;
	char holder[80]; /* this connection, as written in table locks */
};

static unsigned long sq_conn_seq;

static sqlite3 *
sq_h(const struct rdb *db)
{
	return ((const struct sq *)db->h)->h;
}

/* sq_err - the library's message for the statement sql */
static int
sq_err(struct rdb *db, const char *sql)
{
	char head[80];

	return rdb_seterr(db, "%s (in: %s)", sqlite3_errmsg(sq_h(db)),
	    rdb_sql_head(sql, head, sizeof(head)));
}

/* proc_start - start time of process pid (field 22 of /proc/PID/stat),
 * 0 when unknown */
static unsigned long long
proc_start(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	size_t n;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (i = 0; i < 20 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%llu", &v) != 1)
		return 0;
	return v;
}

/* create_file - create path with mode 0640 unless it exists */
static int
create_file(struct rdb *db, const char *path)
{
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0)
		return rdb_seterr(db, "cannot create %s: %m", path);
	if (fchmod(fd, 0640) < 0) {
		rdb_seterr(db, "chmod 0640 %s: %m", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* pragma - run a PRAGMA, its text result into got; the SQLite code */
static int
pragma(struct rdb *db, const char *sql, char *got, size_t len)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	int rc;

	got[0] = '\0';
	rc = sqlite3_prepare_v2(sq_h(db), sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (t = sqlite3_column_text(st, 0)) != NULL)
		snprintf(got, len, "%s", (const char *)t);
	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;
	sqlite3_finalize(st);
	return rc;
}

/*
 * set_wal - journal mode WAL.  Switching needs the file to itself, and
 * SQLite does not wait for that (its busy handler is not called, to
 * avoid a deadlock): retry while busy, up to the busy timeout.
 */
static int
set_wal(struct rdb *db)
{
	const char *sql = "PRAGMA journal_mode=WAL";
	char got[32];
	int rc, ms;

	for (ms = 0;; ms += 20) {
		rc = pragma(db, "PRAGMA journal_mode", got, sizeof(got));
		if (rc == SQLITE_DONE && strcmp(got, "wal") == 0)
			return 0;
		if (rc == SQLITE_DONE)
			rc = pragma(db, sql, got, sizeof(got));
		if (rc == SQLITE_DONE && strcmp(got, "wal") == 0)
			return 0;
		if (rc == SQLITE_DONE)
			return rdb_seterr(db, "%s gave \"%s\"", sql, got);
		if ((rc & 0xff) != SQLITE_BUSY || ms >= RDB_SQLITE_BUSY_MS)
			return sq_err(db, sql);
		usleep(20 * 1000);
	}
}

/* with_path - rc; when it is -1, the file's name added to the error */
static int
with_path(struct rdb *db, int rc, const char *path)
{
	char *m;

	if (rc == 0)
		return 0;
	m = xasprintf("%s (%s)", db->err, path);
	snprintf(db->err, sizeof(db->err), "%s", m);
	free(m);
	return -1;
}

static int
sq_open(struct rdb *db, const char *path)
{
	struct sq *s;
	int rc;

	if (create_file(db, path) < 0)
		return -1;
	s = xcalloc(1, sizeof(*s));
	db->h = s;
	rc = sqlite3_open_v2(path, &s->h,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return rdb_seterr(db, "%s: %s", path,
		    s->h != NULL ? sqlite3_errmsg(s->h) : sqlite3_errstr(rc));
	if (sqlite3_db_readonly(s->h, "main") == 1)
		return rdb_seterr(db, "%s: not writable by this user", path);
	sqlite3_extended_result_codes(s->h, 1);
	sqlite3_busy_timeout(s->h, RDB_SQLITE_BUSY_MS);
	snprintf(s->holder, sizeof(s->holder), "%ld %llu %lu", (long)getpid(),
	    proc_start((long)getpid()),
	    __atomic_add_fetch(&sq_conn_seq, 1, __ATOMIC_RELAXED));
	if (sqlite3_exec(s->h, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return with_path(db, sq_err(db, "PRAGMA synchronous=NORMAL"),
		    path);
	return with_path(db, set_wal(db), path);
}

static void
sq_close(struct rdb *db)
{
	struct sq *s = db->h;

	if (s == NULL)
		return;
	sqlite3_close_v2(s->h);
	free(s);
	db->h = NULL;
}

/* bind - the parameters; -1 with the error set */
static int
bind(struct rdb *db, sqlite3_stmt *st, const char *sql,
    const struct rdb_val *par, size_t n)
{
	char head[80];
	size_t i;
	int rc, k;

	if ((size_t)sqlite3_bind_parameter_count(st) != n)
		return rdb_seterr(db,
		    "%d parameters in the statement, %zu given (in: %s)",
		    sqlite3_bind_parameter_count(st), n,
		    rdb_sql_head(sql, head, sizeof(head)));
	for (i = 0; i < n; i++) {
		k = (int)i + 1;
		switch (par[i].type) {
		case RDB_INT:
			rc = sqlite3_bind_int64(st, k, par[i].i);
			break;
		case RDB_TEXT:
			rc = par[i].s == NULL ?
			    sqlite3_bind_null(st, k) :
			    sqlite3_bind_text(st, k, par[i].s, -1,
				SQLITE_STATIC);
			break;
		case RDB_BYTES:
			rc = par[i].n == 0 || par[i].p == NULL ?
			    sqlite3_bind_zeroblob(st, k, 0) :
			    sqlite3_bind_blob64(st, k, par[i].p, par[i].n,
				SQLITE_STATIC);
			break;
		default:
			rc = sqlite3_bind_null(st, k);
		}
		if (rc != SQLITE_OK)
			return sq_err(db, sql);
	}
	return 0;
}

/* column - value i of the current row */
static void
column(sqlite3_stmt *st, int i, struct rdb_val *v)
{
	memset(v, 0, sizeof(*v));
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		v->type = RDB_INT;
		v->i = sqlite3_column_int64(st, i);
		break;
	case SQLITE_BLOB:
		v->type = RDB_BYTES;
		v->p = sqlite3_column_blob(st, i);
		v->n = (size_t)sqlite3_column_bytes(st, i);
		if (v->p == NULL)
			v->p = "";
		break;
	case SQLITE_NULL:
		v->type = RDB_NULL;
		break;
	default:
		v->type = RDB_TEXT;
		v->s = (const char *)sqlite3_column_text(st, i);
		v->n = (size_t)sqlite3_column_bytes(st, i);
		if (v->s == NULL)
			v->s = "";
	}
}

/* rows - step through the result, fn per row */
static int
rows(struct rdb *db, sqlite3_stmt *st, rdb_row_fn fn, void *arg)
{
	struct rdb_val *col = NULL;
	int rc, ncol, i;

	ncol = sqlite3_column_count(st);
	if (fn != NULL && ncol > 0)
		col = xcalloc((size_t)ncol, sizeof(*col));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn == NULL)
			continue;
		for (i = 0; i < ncol; i++)
			column(st, i, &col[i]);
		if ((db->stop = fn(col, (size_t)ncol, arg)) != 0)
			break;
	}
	free(col);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* trailing - the text after the first statement is more than space and
 * semicolons */
static int
trailing(const char *tail)
{
	for (; tail != NULL && *tail != '\0'; tail++)
		if (*tail != ';' && *tail != ' ' && *tail != '\t' &&
		    *tail != '\n' && *tail != '\r')
			return 1;
	return 0;
}

static int
sq_query(struct rdb *db, const char *sql, const struct rdb_val *par, size_t n,
    rdb_row_fn fn, void *arg)
{
	sqlite3 *h = sq_h(db);
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	char head[80];
	int64_t before;
	int rc;

	db->changes = 0;
	if (sqlite3_prepare_v2(h, sql, -1, &st, &tail) != SQLITE_OK)
		return sq_err(db, sql);
	if (st == NULL)
		return rdb_seterr(db, "empty statement");
	if (trailing(tail)) {
		sqlite3_finalize(st);
		return rdb_seterr(db, "one statement at a time (in: %s)",
		    rdb_sql_head(sql, head, sizeof(head)));
	}
	if (bind(db, st, sql, par, n) < 0) {
		sqlite3_finalize(st);
		return -1;
	}
	before = sqlite3_total_changes(h);
	rc = rows(db, st, fn, arg);
	if (rc < 0)
		sq_err(db, sql);
	else
		db->changes = sqlite3_total_changes(h) - before;
	sqlite3_finalize(st);
	return rc;
}

/* holder_alive - the process (and connection) that wrote holder exists */
static int
holder_alive(const char *holder)
{
	unsigned long long start, now;
	unsigned long conn;
	long pid;

	if (sscanf(holder, "%ld %llu %lu", &pid, &start, &conn) != 3 ||
	    pid <= 0)
		return 0;
	if (pid == (long)getpid())
		return 1; /* another connection of this process: open */
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 0;
	now = proc_start(pid);
	return start == 0 || now == 0 || now == start;
}

struct lockrow {
	char holder[80];
	int found;
};

static int
lock_row(const struct rdb_val *col, size_t ncol, void *arg)
{
	struct lockrow *r = arg;

	r->found = 1;
	if (ncol == 1 && col[0].type == RDB_TEXT)
		snprintf(r->holder, sizeof(r->holder), "%s", col[0].s);
	return 0;
}

/* take - in a transaction: the lock row if free or stale; 1, 0, -1 */
static int
take(struct rdb *db, const char *name)
{
	struct sq *s = db->h;
	struct lockrow r = { .found = 0 };
	struct rdb_val p[3];

	p[0] = RDB_S(name);
	if (rdb_query(db, "SELECT holder FROM locks WHERE name = ?", p, 1,
		lock_row, &r) < 0)
		return -1;
	if (r.found && strcmp(r.holder, s->holder) != 0 &&
	    holder_alive(r.holder))
		return 0;
	p[1] = RDB_S(s->holder);
	p[2] = RDB_I((int64_t)time(NULL));
	if (rdb_exec(db,
		"INSERT INTO locks (name, holder, since) "
		"VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
		"holder = excluded.holder, since = excluded.since",
		p, 3) < 0)
		return -1;
	return 1;
}

static int
sq_try_lock(struct rdb *db, const char *name)
{
	int rc;

	if (db->in_tx)
		return take(db, name);
	if (rdb_begin(db) < 0)
		return -1;
	rc = take(db, name);
	if (rc < 0) {
		char keep[RDB_ERRLEN];

		snprintf(keep, sizeof(keep), "%s", db->err);
		(void)rdb_rollback(db);
		snprintf(db->err, sizeof(db->err), "%s", keep);
		return -1;
	}
	return rdb_commit(db) < 0 ? -1 : rc;
}

static int
sq_unlock(struct rdb *db, const char *name)
{
	struct sq *s = db->h;
	struct rdb_val p[2] = { RDB_S(name), RDB_S(s->holder) };

	return rdb_exec(db, "DELETE FROM locks WHERE name = ? AND holder = ?",
	    p, 2);
}

const struct rdb_ops rdb_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.query = sq_query,
	.try_lock = sq_try_lock,
	.unlock = sq_unlock,
	.begin_sql = "BEGIN IMMEDIATE",
	.bytes_type = "BLOB",
	.table_exists_sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' "
			    "AND name = ?",
};
