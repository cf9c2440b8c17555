/*
 * rimp_db.c - imported reports in the store (rimp_db.h).  The SQL is the
 * common dialect of rdb.h; a report's header row is inserted first with
 * ON CONFLICT DO NOTHING, and no change means another import (maybe a
 * concurrent one: the primary key decides) already stored it.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "rimp_db.h"
#include "str.h"

static const char sql_report[] =
    "INSERT INTO imp_report (reporter, report_id, org_name, email, "
    "begin_time, end_time, domain, p, sp, np, adkim, aspf, testing, format, "
    "imported) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (reporter, report_id) DO NOTHING";

static const char sql_row[] =
    "INSERT INTO imp_row (reporter, report_id, rowkey, count) "
    "VALUES (?, ?, ?, ?) ON CONFLICT (reporter, report_id, rowkey) "
    "DO UPDATE SET count = imp_row.count + excluded.count";

/* align - "r" / "s" as text */
static const char *
align(char c)
{
	return c == 's' ? "s" : "r";
}

/* put_report - the imp_report row; 1 inserted, 0 present, -1 error */
static int
put_report(struct rdb *db, const char *who, const struct rimp_report *r,
    int64_t now)
{
	const struct rpolicy *p = &r->policy;
	const struct rdb_val par[] = {
		RDB_S(who),
		RDB_S(r->report_id),
		RDB_S(r->org_name),
		RDB_S(r->email),
		RDB_I(r->begin),
		RDB_I(r->end),
		RDB_S(p->domain),
		RDB_S(rr_pol_name(p->p)),
		RDB_S(rr_pol_name(p->sp)),
		RDB_S(rr_pol_name(p->np)),
		RDB_S(align(p->adkim)),
		RDB_S(align(p->aspf)),
		RDB_I(p->testing ? 1 : 0),
		RDB_S(r->format == RIMP_RFC9990 ? "rfc9990" : "rfc7489"),
		RDB_I(now),
	};

	if (rdb_exec(db, sql_report, par, sizeof(par) / sizeof(par[0])) < 0)
		return -1;
	return rdb_changes(db) > 0;
}

/* put_rows - every record as an imp_row; 0 or -1 */
static int
put_rows(struct rdb *db, const char *who, const struct rimp_report *r)
{
	struct rdb_val par[4];
	char *key;
	size_t i, len;
	int rc = 0;

	for (i = 0; i < r->nrows && rc == 0; i++) {
		if (rrow_key(&r->rows[i], &key, &len) < 0)
			return -1;
		par[0] = RDB_S(who);
		par[1] = RDB_S(r->report_id);
		par[2] = RDB_S(key);
		par[3] = RDB_I((int64_t)r->rows[i].count);
		rc = rdb_exec(db, sql_row, par, 4);
		free(key);
	}
	return rc;
}

int
rimp_store(struct rdb *db, const struct rimp_report *r, int64_t now, char *err,
    size_t errlen)
{
	char *who = rimp_reporter(r);
	int rc;

	if (rdb_begin(db) < 0) {
		free(who);
		return str_seterr(err, errlen, "%s", rdb_error(db));
	}
	rc = put_report(db, who, r, now);
	if (rc == 1 && put_rows(db, who, r) < 0)
		rc = -1;
	free(who);
	if (rc < 0) {
		str_seterr(err, errlen, "%s", rdb_error(db));
		rdb_rollback(db);
		return -1;
	}
	if (rc == 0) {
		rdb_rollback(db);
		return RIMP_DUPLICATE;
	}
	if (rdb_commit(db) < 0)
		return str_seterr(err, errlen, "%s", rdb_error(db));
	return RIMP_STORED;
}

/* ---- reading back -------------------------------------------------- */

static const char sql_rows_one[] =
    "SELECT p.reporter, p.org_name, p.report_id, p.domain, p.begin_time, "
    "p.end_time, r.rowkey, r.count FROM imp_report p JOIN imp_row r "
    "ON r.reporter = p.reporter AND r.report_id = p.report_id "
    "WHERE p.domain = ? AND p.end_time >= ? "
    "ORDER BY p.begin_time, p.reporter, p.report_id, r.rowkey";

static const char sql_rows_all[] =
    "SELECT p.reporter, p.org_name, p.report_id, p.domain, p.begin_time, "
    "p.end_time, r.rowkey, r.count FROM imp_report p JOIN imp_row r "
    "ON r.reporter = p.reporter AND r.report_id = p.report_id "
    "WHERE p.end_time >= ? "
    "ORDER BY p.begin_time, p.reporter, p.report_id, r.rowkey";

/* the caller's callback, and a key that did not decode */
struct rows_ctx {
	rimp_row_fn fn;
	void *arg;
	int badkey;
};

static const char *
text_of(const struct rdb_val *v)
{
	return v->type == RDB_TEXT && v->s != NULL ? v->s : "";
}

/* one_row - decode one result row and hand it on */
static int
one_row(const struct rdb_val *col, size_t ncol, void *arg)
{
	struct rows_ctx *c = arg;
	struct rimp_seen s;
	struct rrow row;
	const char *key = text_of(&col[6]);
	int rc;

	if (ncol != 8 || rrow_unkey(key, strlen(key), &row) < 0) {
		c->badkey = 1;
		return -1;
	}
	row.count = col[7].type == RDB_INT ? (uint64_t)col[7].i : 0;
	s.reporter = text_of(&col[0]);
	s.org_name = text_of(&col[1]);
	s.report_id = text_of(&col[2]);
	s.domain = text_of(&col[3]);
	s.begin = col[4].i;
	s.end = col[5].i;
	s.row = &row;
	rc = c->fn(&s, c->arg);
	rrow_free(&row);
	return rc;
}

int
rimp_rows(struct rdb *db, const char *domain, int64_t since, rimp_row_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct rows_ctx c = { .fn = fn, .arg = arg };
	struct rdb_val par[2];
	int rc;

	if (domain != NULL) {
		par[0] = RDB_S(domain);
		par[1] = RDB_I(since);
		rc = rdb_query(db, sql_rows_one, par, 2, one_row, &c);
	} else {
		par[0] = RDB_I(since);
		rc = rdb_query(db, sql_rows_all, par, 1, one_row, &c);
	}
	if (c.badkey)
		return str_seterr(err, errlen,
		    "imp_row: a row key this "
		    "version cannot read");
	if (rc < 0)
		return str_seterr(err, errlen, "%s", rdb_error(db));
	return rc;
}
