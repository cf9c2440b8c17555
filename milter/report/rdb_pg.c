/*
 * rdb_pg.c - the PostgreSQL back end of the report store (rdb_int.h):
 * many MTAs sharing one store, through libpq.
 *
 * Statements: "?" becomes $1, $2, ... (rdb_sql_numbered) and each runs
 * with PQexecParams: integers as int8 in text form, text untyped (the
 * server infers the type from the context), bytes as bytea in binary
 * form, NULL as NULL.  Results come in text form and are converted by
 * column type: int2/int4/int8/oid, bool (1/0) and integral numeric (a
 * sum()) as RDB_INT, bytea decoded to its bytes as RDB_BYTES, anything
 * else as RDB_TEXT.  rdb_changes is the row count of INSERT, UPDATE,
 * DELETE (and MERGE); 0 for the others.
 *
 * Connecting gives up after RDB_PG_CONNECT_TIMEOUT seconds unless the
 * conninfo sets connect_timeout.
 * Errors name the server's primary message and the statement; a failed
 * connection gives libpq's reason (the socket or host it tried), never
 * the conninfo (it may hold a password).  Server notices are dropped.
 * A connection found broken before a statement is reset once (its
 * advisory locks are gone with it, so they are forgotten); inside a
 * transaction it is an error instead (the caller rolls back, and the
 * rollback reconnects).
 *
 * Locks: session-level advisory locks (pg_try_advisory_lock), keyed by
 * rdb_lock_key(name); they hold across all hosts using the database and
 * end with the session.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "rdb_int.h"

/* seconds a connection may take, unless the conninfo says otherwise (a
 * host that does not answer would hold the flusher for minutes) */
#define RDB_PG_CONNECT_TIMEOUT "10"

/* type OIDs of the built-in types (catalog/pg_type.dat) */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_OID 26
#define OID_NUMERIC 1700

static PGconn *
pg_h(const struct rdb *db)
{
	return db->h;
}

/* oneline - msg without its trailing newlines, inner ones as "; " */
static void
oneline(const char *msg, char *buf, size_t len)
{
	size_t i, o = 0;

	for (i = 0; msg[i] != '\0' && o + 3 < len; i++) {
		if (msg[i] != '\n') {
			buf[o++] = msg[i];
		} else if (msg[i + 1] != '\0') {
			buf[o++] = ';';
			buf[o++] = ' ';
			while (msg[i + 1] == ' ' || msg[i + 1] == '\t')
				i++;
		}
	}
	buf[o] = '\0';
}

/* pg_err - the server's (or libpq's) message for the statement sql */
static int
pg_err(struct rdb *db, const PGresult *res, const char *sql)
{
	const char *m = NULL;
	char msg[RDB_ERRLEN / 2], head[80];

	if (res != NULL)
		m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (m == NULL || *m == '\0')
		m = PQerrorMessage(pg_h(db));
	oneline(m, msg, sizeof(msg));
	return rdb_seterr(db, "%s (in: %s)", msg,
	    rdb_sql_head(sql, head, sizeof(head)));
}

static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* pg_open - connect: connect_timeout first, then the conninfo (a URI or
 * key=value string, expanded from "dbname"), which may override it */
static int
pg_open(struct rdb *db, const char *conninfo)
{
	static const char *const keys[] = { "connect_timeout", "dbname", NULL };
	const char *vals[] = { RDB_PG_CONNECT_TIMEOUT, conninfo, NULL };
	char msg[RDB_ERRLEN / 2];
	PGconn *c;

	c = PQconnectdbParams(keys, vals, 1);
	db->h = c;
	if (c == NULL)
		return rdb_seterr(db, "cannot connect: out of memory");
	if (PQstatus(c) != CONNECTION_OK) {
		oneline(PQerrorMessage(c), msg, sizeof(msg));
		return rdb_seterr(db, "cannot connect: %s", msg);
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	return 0;
}

static void
pg_close(struct rdb *db)
{
	if (db->h != NULL)
		PQfinish(pg_h(db));
	db->h = NULL;
}

/* alive - the connection is usable (0), reset once if it broke; 1: no
 * need to run sql (a ROLLBACK on a connection that broke) */
static int
alive(struct rdb *db, const char *sql)
{
	char msg[RDB_ERRLEN / 2];

	if (PQstatus(pg_h(db)) == CONNECTION_OK)
		return 0;
	if (db->in_tx)
		return rdb_seterr(db, "connection lost during a transaction");
	if (strcmp(sql, "ROLLBACK") == 0) {
		rdb_forget_locks(db); /* gone with the session */
		return 1;	      /* and so is the transaction */
	}
	rdb_forget_locks(db);
	PQreset(pg_h(db));
	if (PQstatus(pg_h(db)) == CONNECTION_OK)
		return 0;
	oneline(PQerrorMessage(pg_h(db)), msg, sizeof(msg));
	return rdb_seterr(db, "connection lost, reconnecting failed: %s", msg);
}

struct params {
	const char **val;
	int *len, *fmt;
	Oid *type;
	char (*num)[24];
};

static void
params_init(struct params *p, const struct rdb_val *par, size_t n)
{
	size_t i, m = n > 0 ? n : 1;

	p->val = xcalloc(m, sizeof(*p->val));
	p->len = xcalloc(m, sizeof(*p->len));
	p->fmt = xcalloc(m, sizeof(*p->fmt));
	p->type = xcalloc(m, sizeof(*p->type));
	p->num = xcalloc(m, sizeof(*p->num));
	for (i = 0; i < n; i++) {
		switch (par[i].type) {
		case RDB_INT:
			snprintf(p->num[i], sizeof(p->num[i]), "%" PRId64,
			    par[i].i);
			p->val[i] = p->num[i];
			p->type[i] = OID_INT8;
			break;
		case RDB_TEXT:
			p->val[i] = par[i].s;
			break;
		case RDB_BYTES:
			p->val[i] = par[i].p != NULL ? par[i].p : "";
			p->len[i] = (int)par[i].n;
			p->fmt[i] = 1;
			p->type[i] = OID_BYTEA;
			break;
		default:
			break;
		}
	}
}

static void
params_free(struct params *p)
{
	free(p->val);
	free(p->len);
	free(p->fmt);
	free(p->type);
	free(p->num);
}

/* as_int - text s is a whole integer: *out set, 1; else 0 */
static int
as_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return 0;
	*out = (int64_t)v;
	return 1;
}

/* column - value (r, c) of res; *tofree: a buffer to free after the row */
static void
column(const PGresult *res, int r, int c, struct rdb_val *v, void **tofree)
{
	const char *s = PQgetvalue(res, r, c);
	size_t n;

	memset(v, 0, sizeof(*v));
	*tofree = NULL;
	if (PQgetisnull(res, r, c))
		return;
	v->type = RDB_TEXT;
	v->s = s;
	v->n = (size_t)PQgetlength(res, r, c);
	switch (PQftype(res, c)) {
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
	case OID_NUMERIC:
		if (as_int(s, &v->i))
			v->type = RDB_INT;
		break;
	case OID_BOOL:
		v->type = RDB_INT;
		v->i = s[0] == 't';
		break;
	case OID_BYTEA:
		*tofree = PQunescapeBytea((const unsigned char *)s, &n);
		v->type = RDB_BYTES;
		v->p = *tofree != NULL ? *tofree : "";
		v->n = *tofree != NULL ? n : 0;
		break;
	}
	if (v->type != RDB_TEXT)
		v->s = NULL;
}

/* rows - fn per row of res */
static void
rows(struct rdb *db, const PGresult *res, rdb_row_fn fn, void *arg)
{
	int nrow = PQntuples(res), ncol = PQnfields(res), r, c;
	struct rdb_val *col;
	void **tofree;

	if (fn == NULL || ncol == 0)
		return;
	col = xcalloc((size_t)ncol, sizeof(*col));
	tofree = xcalloc((size_t)ncol, sizeof(*tofree));
	for (r = 0; r < nrow && db->stop == 0; r++) {
		for (c = 0; c < ncol; c++)
			column(res, r, c, &col[c], &tofree[c]);
		db->stop = fn(col, (size_t)ncol, arg);
		for (c = 0; c < ncol; c++)
			PQfreemem(tofree[c]);
	}
	free(tofree);
	free(col);
}

/* changed - rows changed by the command of res */
static int64_t
changed(const PGresult *res)
{
	const char *st = PQcmdStatus((PGresult *)res);
	int64_t v;

	if (strncmp(st, "INSERT", 6) != 0 && strncmp(st, "UPDATE", 6) != 0 &&
	    strncmp(st, "DELETE", 6) != 0 && strncmp(st, "MERGE", 5) != 0)
		return 0;
	return as_int(PQcmdTuples((PGresult *)res), &v) ? v : 0;
}

/* run - the numbered statement with its parameters */
static int
run(struct rdb *db, const char *sql, const char *q, const struct rdb_val *par,
    size_t n, rdb_row_fn fn, void *arg)
{
	struct params p;
	PGresult *res;
	int rc = 0;

	params_init(&p, par, n);
	res = PQexecParams(pg_h(db), q, (int)n, p.type, p.val, p.len, p.fmt, 0);
	params_free(&p);
	switch (PQresultStatus(res)) {
	case PGRES_TUPLES_OK:
		rows(db, res, fn, arg);
		/* fall through */
	case PGRES_COMMAND_OK:
		db->changes = changed(res);
		break;
	case PGRES_EMPTY_QUERY:
		rc = rdb_seterr(db, "empty statement");
		break;
	default:
		rc = pg_err(db, res, sql);
	}
	PQclear(res);
	return rc;
}

static int
pg_query(struct rdb *db, const char *sql, const struct rdb_val *par, size_t n,
    rdb_row_fn fn, void *arg)
{
	char head[80];
	struct str q;
	size_t np;
	int rc;

	db->changes = 0;
	if ((rc = alive(db, sql)) != 0)
		return rc < 0 ? -1 : 0;
	str_init(&q);
	rdb_sql_numbered(sql, &q, &np);
	if (np != n)
		rc = rdb_seterr(db,
		    "%zu parameters in the statement, %zu "
		    "given (in: %s)",
		    np, n, rdb_sql_head(sql, head, sizeof(head)));
	else
		rc = run(db, sql, q.s, par, n, fn, arg);
	str_free(&q);
	return rc;
}

static int
got_bool(const struct rdb_val *col, size_t ncol, void *arg)
{
	*(int64_t *)arg = ncol > 0 && col[0].type == RDB_INT ? col[0].i : -1;
	return 0;
}

static int
pg_try_lock(struct rdb *db, const char *name)
{
	struct rdb_val k = RDB_I(rdb_lock_key(name));
	int64_t got = -1;

	if (rdb_query(db, "SELECT pg_try_advisory_lock(?)", &k, 1, got_bool,
		&got) < 0)
		return -1;
	return got == 1 ? 1 : 0;
}

static int
pg_unlock(struct rdb *db, const char *name)
{
	struct rdb_val k = RDB_I(rdb_lock_key(name));

	if (PQstatus(pg_h(db)) != CONNECTION_OK)
		return 0; /* the session, and its locks, are gone */
	return rdb_exec(db, "SELECT pg_advisory_unlock(?)", &k, 1);
}

const struct rdb_ops rdb_pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.query = pg_query,
	.try_lock = pg_try_lock,
	.unlock = pg_unlock,
	.begin_sql = "BEGIN",
	.bytes_type = "BYTEA",
	.table_exists_sql = "SELECT 1 FROM pg_catalog.pg_tables WHERE "
			    "schemaname = current_schema() AND tablename = ?",
};
