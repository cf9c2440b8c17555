/*
 * rdb.c - the dispatcher of the report store (rdb.h): the connection
 * string, the choice of back end (rdb_sqlite.c, rdb_pg.c), error texts,
 * transactions, the bookkeeping of named locks, and the SQL rewriting the
 * back ends share ("?" to "$n", BYTES in DDL).
 *
 * Connection strings: "sqlite:PATH" (also "sqlite://PATH"), a plain PATH,
 * "postgresql://..." or "postgres://..." (a libpq URI, its scheme made
 * lower case for libpq),
 * "pg:CONNINFO" (libpq key=value conninfo; "pg:" alone takes libpq's
 * defaults, the PG* environment); schemes in any case.  Any other
 * "scheme:" is refused.  rdb_url_display masks passwords for messages.
 *
 * Transactions: once a statement inside one fails, rdb_commit rolls it
 * back and fails, on both back ends (PostgreSQL aborts such a
 * transaction anyway; SQLite would commit the statements that worked).
 *
 * Locks: a connection records the names it holds; taking a held name
 * again returns 1 at once (one rdb_unlock releases it), rdb_close
 * releases them all.  A transaction still open at rdb_close is rolled
 * back.
 *
 * SQL rewriting knows the lexical forms of the common dialect: '...'
 * strings (with ''), "..." identifiers, -- and block comments; a "?" or
 * BYTES inside them is left alone.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdb_int.h"

/* rdb_seterr - "<backend>: <message>" into db->err; returns -1 */
int
rdb_seterr(struct rdb *db, const char *fmt, ...)
{
	char msg[RDB_ERRLEN - 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(db->err, sizeof(db->err), "%s: %s", db->ops->name, msg);
	return -1;
}

/* rdb_sql_head - the first words of sql, one line, for error messages */
const char *
rdb_sql_head(const char *sql, char *buf, size_t len)
{
	size_t i, o = 0;
	int sp = 0;

	for (i = 0; sql[i] != '\0' && o + 4 < len && o < 60; i++) {
		if (isspace((unsigned char)sql[i])) {
			sp = o > 0;
			continue;
		}
		if (sp)
			buf[o++] = ' ';
		sp = 0;
		buf[o++] = sql[i];
	}
	if (sql[i] != '\0' && o + 4 <= len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* skip_lexeme - the end of a string, quoted name or comment at sql + i,
 * or i when none starts there */
static size_t
skip_lexeme(const char *sql, size_t i)
{
	char q = sql[i];
	const char *e;

	if (q == '\'' || q == '"') {
		for (i++; sql[i] != '\0'; i++)
			if (sql[i] == q && sql[++i] != q)
				return i;
		return i;
	}
	if (q == '-' && sql[i + 1] == '-') {
		e = strchr(sql + i, '\n');
		return e != NULL ? (size_t)(e - sql) : i + strlen(sql + i);
	}
	if (q == '/' && sql[i + 1] == '*') {
		e = strstr(sql + i + 2, "*/");
		return e != NULL ? (size_t)(e - sql) + 2 : i + strlen(sql + i);
	}
	return i;
}

/* rdb_sql_numbered - "?" outside strings and comments to $1, $2, ... */
void
rdb_sql_numbered(const char *sql, struct str *out, size_t *nparam)
{
	size_t i = 0, j;

	*nparam = 0;
	while (sql[i] != '\0') {
		j = skip_lexeme(sql, i);
		if (j > i) {
			str_addn(out, sql + i, j - i);
			i = j;
		} else if (sql[i] == '?') {
			str_addf(out, "$%zu", ++*nparam);
			i++;
		} else {
			str_addc(out, sql[i++]);
		}
	}
}

static int
is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* rdb_sql_ddl - the word BYTES (outside strings, comments) to type */
void
rdb_sql_ddl(const char *sql, const char *type, struct str *out)
{
	size_t i = 0, j;

	while (sql[i] != '\0') {
		j = skip_lexeme(sql, i);
		if (j > i) {
			str_addn(out, sql + i, j - i);
			i = j;
		} else if (strncmp(sql + i, "BYTES", 5) == 0 &&
		    (i == 0 || !is_word(sql[i - 1])) && !is_word(sql[i + 5])) {
			str_add(out, type);
			i += 5;
		} else {
			str_addc(out, sql[i++]);
		}
	}
}

/* rdb_lock_key - FNV-1a 64 of "hallmark:" and the name, as a signed key */
int64_t
rdb_lock_key(const char *name)
{
	const char *pfx = "hallmark:", *p;
	uint64_t h = 14695981039346656037ULL;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (p = pass == 0 ? pfx : name; *p != '\0'; p++) {
			h ^= (unsigned char)*p;
			h *= 1099511628211ULL;
		}
	return (int64_t)h;
}

/* value_len - at p (after "password" and "="): the value's length */
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
rdb_url_display(const char *url)
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

/* lower_scheme - a URI's scheme (before "://") in lower case: libpq
 * knows "postgresql://" and "postgres://" only */
static void
lower_scheme(char *s)
{
	char *e = strstr(s, "://");

	for (; e != NULL && s < e; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* has_scheme - url starts with "word:" (letters, digits, + - .) */
static int
has_scheme(const char *url, size_t *len)
{
	size_t i;

	if (!isalpha((unsigned char)url[0]))
		return 0;
	for (i = 1; isalnum((unsigned char)url[i]) || url[i] == '+' ||
	     url[i] == '-' || url[i] == '.';
	     i++)
		;
	*len = i;
	return url[i] == ':';
}

/* parse_url - the back end and its target; -1 with err set */
static int
parse_url(const char *url, const struct rdb_ops **ops, const char **target,
    char *err, size_t errlen)
{
	size_t n;

	if (url == NULL || *url == '\0')
		return str_seterr(err, errlen,
		    "no store given (use "
		    "sqlite:PATH, postgresql://... or pg:CONNINFO)");
	*ops = &rdb_sqlite_ops;
	*target = url;
	if (str_ncasecmp(url, "sqlite:", 7) == 0) {
		*target = url + 7;
		if (strncmp(*target, "//", 2) == 0)
			*target += 2;
		if (**target == '\0')
			return str_seterr(err, errlen, "%s: no file name", url);
	} else if (str_ncasecmp(url, "postgresql://", 13) == 0 ||
	    str_ncasecmp(url, "postgres://", 11) == 0) {
		*ops = &rdb_pg_ops;
	} else if (str_ncasecmp(url, "pg:", 3) == 0) {
		*ops = &rdb_pg_ops;
		*target = url + 3;
	} else if (has_scheme(url, &n)) {
		return str_seterr(err, errlen,
		    "unknown store type \"%.*s:\" "
		    "(use sqlite:PATH, postgresql://... or pg:CONNINFO)",
		    (int)n, url);
	}
	return 0;
}

const char *
rdb_url_path(const char *url)
{
	const struct rdb_ops *ops = NULL;
	const char *target = NULL;
	char err[8];

	if (parse_url(url, &ops, &target, err, sizeof(err)) < 0 ||
	    ops != &rdb_sqlite_ops)
		return NULL;
	return target;
}

struct rdb *
rdb_open(const char *url, char *err, size_t errlen)
{
	const struct rdb_ops *ops = NULL;
	const char *target = NULL;
	struct rdb *db;

	if (parse_url(url, &ops, &target, err, errlen) < 0)
		return NULL;
	db = xcalloc(1, sizeof(*db));
	db->ops = ops;
	db->backend = ops == &rdb_pg_ops ? RDB_POSTGRES : RDB_SQLITE;
	db->target = xstrdup(target);
	if (db->backend == RDB_POSTGRES)
		lower_scheme(db->target);
	if (ops->open(db, db->target) < 0 || rdb_schema_ensure(db) < 0) {
		str_seterr(err, errlen, "%s", db->err);
		rdb_close(db);
		return NULL;
	}
	return db;
}

void
rdb_close(struct rdb *db)
{
	if (db == NULL)
		return;
	if (db->h != NULL) {
		if (db->in_tx)
			(void)rdb_rollback(db);
		while (db->nheld > 0)
			(void)rdb_unlock(db, db->held[db->nheld - 1]);
		db->ops->close(db);
	}
	rdb_forget_locks(db);
	free(db->target);
	free(db);
}

enum rdb_backend
rdb_backend(const struct rdb *db)
{
	return db->backend;
}

const char *
rdb_error(const struct rdb *db)
{
	return db->err;
}

int
rdb_query(struct rdb *db, const char *sql, const struct rdb_val *par, size_t n,
    rdb_row_fn fn, void *arg)
{
	db->stop = 0;
	db->err[0] = '\0';
	if (db->ops->query(db, sql, par, n, fn, arg) == 0)
		return db->stop;
	if (db->in_tx && !db->tx_failed) {
		db->tx_failed = 1;
		snprintf(db->tx_err, sizeof(db->tx_err), "%s", db->err);
	}
	return -1;
}

int
rdb_exec(struct rdb *db, const char *sql, const struct rdb_val *par, size_t n)
{
	return rdb_query(db, sql, par, n, NULL, NULL);
}

int64_t
rdb_changes(struct rdb *db)
{
	return db->changes;
}

int
rdb_begin(struct rdb *db)
{
	if (db->in_tx)
		return rdb_seterr(db, "a transaction is already open");
	if (rdb_exec(db, db->ops->begin_sql, NULL, 0) < 0)
		return -1;
	db->in_tx = 1;
	db->tx_failed = 0;
	return 0;
}

int
rdb_commit(struct rdb *db)
{
	char keep[RDB_ERRLEN];

	if (!db->in_tx)
		return rdb_seterr(db, "commit without a transaction");
	if (db->tx_failed) {
		snprintf(keep, sizeof(keep), "%s", db->tx_err);
		(void)rdb_rollback(db);
		return rdb_seterr(db,
		    "not committed, rolled back: a statement "
		    "of the transaction failed (%.300s)",
		    keep);
	}
	if (rdb_exec(db, "COMMIT", NULL, 0) == 0) {
		db->in_tx = 0;
		return 0;
	}
	/* a failed COMMIT may leave the transaction open (SQLite) */
	snprintf(keep, sizeof(keep), "%s", db->err);
	(void)rdb_exec(db, "ROLLBACK", NULL, 0);
	snprintf(db->err, sizeof(db->err), "%s", keep);
	db->in_tx = 0;
	return -1;
}

int
rdb_rollback(struct rdb *db)
{
	if (!db->in_tx)
		return rdb_seterr(db, "rollback without a transaction");
	db->in_tx = 0;
	return rdb_exec(db, "ROLLBACK", NULL, 0);
}

/* held_at - index of name among the held locks, or -1 */
static int
held_at(const struct rdb *db, const char *name)
{
	size_t i;

	for (i = 0; i < db->nheld; i++)
		if (strcmp(db->held[i], name) == 0)
			return (int)i;
	return -1;
}

int
rdb_try_lock(struct rdb *db, const char *name)
{
	int rc;

	if (name == NULL || *name == '\0')
		return rdb_seterr(db, "a lock needs a name");
	if (held_at(db, name) >= 0)
		return 1;
	if (db->nheld == RDB_MAXLOCKS)
		return rdb_seterr(db,
		    "lock \"%s\": this connection holds "
		    "%d locks already",
		    name, RDB_MAXLOCKS);
	rc = db->ops->try_lock(db, name);
	if (rc == 1)
		db->held[db->nheld++] = xstrdup(name);
	return rc;
}

int
rdb_unlock(struct rdb *db, const char *name)
{
	char *own;
	int i, rc;

	if ((i = held_at(db, name)) < 0)
		return rdb_seterr(db,
		    "lock \"%s\" is not held by this "
		    "connection",
		    name);
	own = db->held[i]; /* off the list first: unlock may reset it */
	db->held[i] = db->held[--db->nheld];
	rc = db->ops->unlock(db, own);
	free(own);
	return rc;
}

/* rdb_forget_locks - drop the record of held locks (the connection that
 * held them is gone) */
void
rdb_forget_locks(struct rdb *db)
{
	while (db->nheld > 0)
		free(db->held[--db->nheld]);
}
