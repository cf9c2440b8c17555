/*
 * rdb.h - the one database interface of reporting: the same SQL runs on
 * SQLite (one host, the default) and PostgreSQL (many MTAs sharing one
 * store), so the collector's flush, the sender's report states and the
 * importer each write their SQL once, in their own file.
 *
 * SQL dialect: the common subset of SQLite >= 3.35 and PostgreSQL >= 13.
 * Parameters are written "?" (rdb rewrites them to $1, $2, ... for
 * PostgreSQL).  Upserts: INSERT ... ON CONFLICT (...) DO UPDATE SET
 * n = t.n + excluded.n.  Integers are 64-bit (BIGINT), text is UTF-8
 * (TEXT), bytes are BYTES in DDL (rdb maps it to BLOB / BYTEA).
 *
 * Connection strings: "sqlite:/var/lib/hallmark/reports.db" (or a plain
 * path), "postgresql://..." / "postgres://..." or "pg:<libpq conninfo>".
 *
 * Schema: rdb_open creates or upgrades the schema in one transaction,
 * recorded in table schema_version; a store written by a newer hallmark
 * is refused with an error naming both versions.  Migrations are the
 * list in rdb_schema.c (never edited once released, only appended).
 *
 * Threads: a struct rdb is used by one thread at a time (the flusher
 * thread in hallmarkd; the hallmark tool).
 *
 * Errors: every call returns 0 (RDB_OK) or -1 with a message in the rdb
 * (rdb_error), naming the backend and the statement's purpose; a busy
 * SQLite file waits up to the busy timeout first.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RDB_H
#define HALLMARK_RDB_H

#include <stddef.h>
#include <stdint.h>

struct rdb;

enum rdb_backend { RDB_SQLITE = 0, RDB_POSTGRES };

/* a parameter or a column value */
enum rdb_type {
	RDB_NULL = 0,
	RDB_INT,  /* i */
	RDB_TEXT, /* s, NUL-terminated */
	RDB_BYTES /* p, n */
};

struct rdb_val {
	enum rdb_type type;
	int64_t i;
	const char *s;
	const void *p;
	size_t n;
};

/* constructors for parameter lists */
#define RDB_I(v) ((struct rdb_val){ .type = RDB_INT, .i = (v) })
#define RDB_S(v) \
	((struct rdb_val){ .type = (v) != NULL ? RDB_TEXT : RDB_NULL, \
	    .s = (v) })
#define RDB_B(v, l) ((struct rdb_val){ .type = RDB_BYTES, .p = (v), .n = (l) })

/*
 * one result row: ncol values; text and bytes point into the backend's
 * buffers, valid only during the callback.  A callback returns 0 to go
 * on, non-zero to stop (rdb_query then returns that value).
 */
typedef int (*rdb_row_fn)(const struct rdb_val *col, size_t ncol, void *arg);

/*
 * rdb_open - connect (creating the SQLite file, mode 0640, and its WAL),
 * create/upgrade the schema.  Returns the handle, or NULL with err set.
 * rdb_close - disconnect (NULL is fine).
 */
struct rdb *rdb_open(const char *url, char *err, size_t errlen);
void rdb_close(struct rdb *db);
/* rdb_url_display - url for messages: a password in it (postgresql://
 * user:PASSWORD@..., password=... in a conninfo or URI query) shown as
 * "***"; allocated */
char *rdb_url_display(const char *url);
/* rdb_url_path - the file of an SQLite url (a pointer into url), NULL for
 * PostgreSQL or a url rdb_open refuses */
const char *rdb_url_path(const char *url);

enum rdb_backend rdb_backend(const struct rdb *db);
const char *rdb_error(const struct rdb *db);
/* rdb_schema_version - the version in the store; rdb_schema_current -
 * the version this build writes */
int rdb_schema_version(struct rdb *db, int64_t *out);
int64_t rdb_schema_current(void);
/* rdb_schema_tables - the tables of the current schema, NULL-terminated */
const char *const *rdb_schema_tables(void);

/* rdb_exec - run one statement with n parameters, ignoring any rows */
int
rdb_exec(struct rdb *db, const char *sql, const struct rdb_val *par, size_t n);
/* rdb_query - run one statement, fn per row (fn may be NULL) */
int rdb_query(struct rdb *db, const char *sql, const struct rdb_val *par,
    size_t n, rdb_row_fn fn, void *arg);
/* rdb_changes - rows changed by the last rdb_exec */
int64_t rdb_changes(struct rdb *db);

/* transactions: begin (SQLite: BEGIN IMMEDIATE), commit, rollback.
 * After a statement of the transaction failed, rdb_commit rolls back and
 * returns -1 (both back ends). */
int rdb_begin(struct rdb *db);
int rdb_commit(struct rdb *db);
int rdb_rollback(struct rdb *db);

/*
 * rdb_try_lock - take the named lock for this connection if no other
 * connection (any host, for PostgreSQL: pg_try_advisory_lock) holds it:
 * 1 taken, 0 held elsewhere, -1 error.  rdb_unlock releases it; closing
 * the connection releases it too.  On SQLite (one host) the lock is a
 * row in table locks plus the file's write lock.
 */
int rdb_try_lock(struct rdb *db, const char *name);
int rdb_unlock(struct rdb *db, const char *name);

#endif
