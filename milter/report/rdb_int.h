/*
 * rdb_int.h - the inside of rdb: the handle, and the operations each back
 * end (rdb_sqlite.c, rdb_pg.c) supplies to the dispatcher (rdb.c) and the
 * schema (rdb_schema.c).  Not for callers of rdb.h.
 *
 * A back end's functions return 0 or -1 with the message set by
 * rdb_seterr; they never run a transaction statement on their own except
 * where said (sqlite try_lock outside a transaction).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RDB_INT_H
#define HALLMARK_RDB_INT_H

#include "rdb.h"
#include "str.h"

#define RDB_ERRLEN 512
#define RDB_MAXLOCKS 16

struct rdb_ops {
	const char *name; /* "sqlite", "postgresql": first word of errors */
	/* open - connect to target (a path, a conninfo) */
	int (*open)(struct rdb *db, const char *target);
	void (*close)(struct rdb *db);
	/* query - one statement ("?" parameters), fn per row, sets changes */
	int (*query)(struct rdb *db, const char *sql, const struct rdb_val *par,
	    size_t n, rdb_row_fn fn, void *arg);
	/* try_lock / unlock - the named lock (1, 0, -1 / 0, -1) */
	int (*try_lock)(struct rdb *db, const char *name);
	int (*unlock)(struct rdb *db, const char *name);
	const char *begin_sql;	/* "BEGIN IMMEDIATE" / "BEGIN" */
	const char *bytes_type; /* "BLOB" / "BYTEA" for BYTES in DDL */
	/* SQL with one "?" (a table name): a row when the table exists */
	const char *table_exists_sql;
};

struct rdb {
	enum rdb_backend backend;
	const struct rdb_ops *ops;
	void *h;		  /* sqlite3 *, PGconn * */
	char *target;		  /* path or conninfo */
	int64_t changes;	  /* of the last statement */
	int in_tx;		  /* rdb_begin done, no commit/rollback yet */
	int tx_failed;		  /* a statement in the transaction failed */
	char tx_err[RDB_ERRLEN];  /* the first such failure */
	int stop;		  /* the row callback's non-zero return */
	char *held[RDB_MAXLOCKS]; /* names of the locks this connection has */
	size_t nheld;
	char err[RDB_ERRLEN];
};

extern const struct rdb_ops rdb_sqlite_ops;
extern const struct rdb_ops rdb_pg_ops;

/* rdb_seterr - "<backend>: <message>" into db->err; returns -1 */
int rdb_seterr(struct rdb *db, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* rdb_sql_head - the start of a statement for error messages (static buf) */
const char *rdb_sql_head(const char *sql, char *buf, size_t len);

/*
 * rdb_sql_numbered - sql with each "?" outside quotes and comments
 * replaced by $1, $2, ... (PostgreSQL); *nparam = how many
 */
void rdb_sql_numbered(const char *sql, struct str *out, size_t *nparam);
/* rdb_sql_ddl - sql with the word BYTES outside quotes replaced by type */
void rdb_sql_ddl(const char *sql, const char *type, struct str *out);
/* rdb_forget_locks - drop the record of held locks (their connection is
 * gone: closed, or reset by the back end) */
void rdb_forget_locks(struct rdb *db);
/* rdb_lock_key - the stable 64-bit key of a lock name (FNV-1a) */
int64_t rdb_lock_key(const char *name);

/* a schema migration: the statements making version N from N-1 */
struct rdb_migration {
	const char *const *sql; /* NULL-terminated; BYTES for byte strings */
};

/* rdb_schema_ensure - create or upgrade the schema (rdb_open) */
int rdb_schema_ensure(struct rdb *db);
/* rdb_schema_apply - the same with migrations m[0..n): version n */
int rdb_schema_apply(struct rdb *db, const struct rdb_migration *m, size_t n);

#endif
