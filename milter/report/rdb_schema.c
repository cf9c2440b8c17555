/*
 * rdb_schema.c - the schema of the report store and its migrations
 * (rdb.h: rdb_schema_version, rdb_schema_current, rdb_schema_tables;
 * rdb_int.h: rdb_schema_ensure, called by rdb_open, and rdb_schema_apply,
 * the same with a given list: the tests' later versions).
 *
 * The schema is the list of migrations below: migration N takes a store
 * from version N-1 to N.  A released migration is never edited, only new
 * ones appended (a new column: ALTER TABLE ... ADD COLUMN in migration
 * N+1).  DDL uses BYTES for byte strings (BLOB on SQLite, BYTEA on
 * PostgreSQL); times are seconds since the epoch (UTC), day = time /
 * 86400.  Table schema_version holds one row, the store's version.
 *
 * rdb_schema_ensure: when the store is at this build's version, nothing
 * is written.  Otherwise, in one transaction, under a lock that makes two
 * processes starting at once against an empty store take turns (SQLite:
 * BEGIN IMMEDIATE, the file's write lock; PostgreSQL: a transaction-level
 * advisory lock, pg_advisory_xact_lock), it reads the version again and
 * runs the missing migrations.  A store at a newer version than this
 * build's is refused, naming both versions; nothing is changed.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <string.h>

#include "rdb_int.h"

/* version 1: the first schema (issue 13) */
static const char *const v1[] = {
	"CREATE TABLE schema_version (version BIGINT NOT NULL)",
	"CREATE TABLE agg_row (day BIGINT, domain TEXT, rowkey TEXT, "
	"count BIGINT NOT NULL, PRIMARY KEY (day, domain, rowkey))",
	"CREATE TABLE agg_policy (day BIGINT, domain TEXT, "
	"record_domain TEXT, p TEXT, sp TEXT, np TEXT, adkim TEXT, "
	"aspf TEXT, fo TEXT, testing BIGINT, discovery TEXT, rua TEXT, "
	"seen BIGINT, PRIMARY KEY (day, domain))",
	"CREATE TABLE report (report_id TEXT PRIMARY KEY, day BIGINT, "
	"domain TEXT, part BIGINT, nparts BIGINT, filename TEXT, rcpts TEXT, "
	"body BYTES, state TEXT, attempts BIGINT, last_error TEXT, "
	"created BIGINT, updated BIGINT)",
	"CREATE INDEX report_state ON report (state)",
	"CREATE TABLE suppress (address TEXT PRIMARY KEY, until_time BIGINT, "
	"reason TEXT, added BIGINT)",
	"CREATE TABLE imp_report (reporter TEXT, report_id TEXT, "
	"org_name TEXT, email TEXT, begin_time BIGINT, end_time BIGINT, "
	"domain TEXT, p TEXT, sp TEXT, np TEXT, adkim TEXT, aspf TEXT, "
	"testing BIGINT, format TEXT, imported BIGINT, "
	"PRIMARY KEY (reporter, report_id))",
	"CREATE TABLE imp_row (reporter TEXT, report_id TEXT, rowkey TEXT, "
	"count BIGINT NOT NULL, PRIMARY KEY (reporter, report_id, rowkey))",
	"CREATE TABLE locks (name TEXT PRIMARY KEY, holder TEXT, "
	"since BIGINT)",
	"INSERT INTO schema_version (version) VALUES (0)", NULL
};

/* migrations[i] makes version i + 1; append only */
static const struct rdb_migration migrations[] = {
	{ .sql = v1 },
};

/* the tables of the current schema (hallmark report check counts them):
 * a migration adding a table adds it here */
static const char *const tables[] = { "agg_row", "agg_policy", "report",
	"suppress", "imp_report", "imp_row", "locks", NULL };

#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

int64_t
rdb_schema_current(void)
{
	return (int64_t)NMIGRATIONS;
}

const char *const *
rdb_schema_tables(void)
{
	return tables;
}

static int
one_int(const struct rdb_val *col, size_t ncol, void *arg)
{
	int64_t *out = arg;

	*out = ncol > 0 && col[0].type == RDB_INT ? col[0].i : 0;
	return 0;
}

/* table_exists - 1 when the table is there, 0 not, -1 error */
static int
table_exists(struct rdb *db, const char *name)
{
	struct rdb_val p = RDB_S(name);
	int64_t found = 0;

	if (rdb_query(db, db->ops->table_exists_sql, &p, 1, one_int, &found) <
	    0)
		return -1;
	return found != 0;
}

int
rdb_schema_version(struct rdb *db, int64_t *out)
{
	int rc;

	*out = 0;
	if ((rc = table_exists(db, "schema_version")) <= 0)
		return rc;
	if (rdb_query(db, "SELECT max(version) FROM schema_version", NULL, 0,
		one_int, out) < 0)
		return -1;
	return 0;
}

/* migrate - run migration m[i] (making version i + 1) */
static int
migrate(struct rdb *db, const struct rdb_migration *m, size_t i)
{
	const char *const *q;
	struct rdb_val v = RDB_I((int64_t)i + 1);
	struct str s;
	int rc = 0;

	str_init(&s);
	for (q = m[i].sql; *q != NULL && rc == 0; q++) {
		str_reset(&s);
		rdb_sql_ddl(*q, db->ops->bytes_type, &s);
		rc = rdb_exec(db, s.s, NULL, 0);
	}
	str_free(&s);
	if (rc == 0)
		rc = rdb_exec(db, "UPDATE schema_version SET version = ?", &v,
		    1);
	return rc;
}

/* too_new - the refusal of a store written by a newer hallmark */
static int
too_new(struct rdb *db, int64_t have, size_t n)
{
	return rdb_seterr(db,
	    "the store has schema version %lld, this "
	    "hallmark knows versions up to %lld: use a newer hallmark (or "
	    "another store)",
	    (long long)have, (long long)n);
}

/* upgrade - in the transaction: read the version again, migrate */
static int
upgrade(struct rdb *db, const struct rdb_migration *m, size_t n)
{
	int64_t have;
	size_t i;

	if (db->backend == RDB_POSTGRES &&
	    rdb_exec(db, "SELECT pg_advisory_xact_lock(?)",
		&RDB_I(rdb_lock_key("schema")), 1) < 0)
		return -1;
	if (rdb_schema_version(db, &have) < 0)
		return -1;
	if (have > (int64_t)n)
		return too_new(db, have, n);
	for (i = (size_t)have; i < n; i++)
		if (migrate(db, m, i) < 0)
			return -1;
	return 0;
}

int
rdb_schema_apply(struct rdb *db, const struct rdb_migration *m, size_t n)
{
	char keep[RDB_ERRLEN];
	int64_t have;

	if (rdb_schema_version(db, &have) < 0)
		return -1;
	if (have > (int64_t)n)
		return too_new(db, have, n);
	if (have == (int64_t)n)
		return 0;
	if (rdb_begin(db) < 0)
		return -1;
	if (upgrade(db, m, n) == 0)
		return rdb_commit(db);
	snprintf(keep, sizeof(keep), "%s", db->err);
	(void)rdb_rollback(db);
	snprintf(db->err, sizeof(db->err), "%s", keep);
	return -1;
}

int
rdb_schema_ensure(struct rdb *db)
{
	return rdb_schema_apply(db, migrations, NMIGRATIONS);
}
