/*
 * census_load.c - a census's rows from the report store (census_load.h).
 *
 * SYNOPSIS
 *	census_load()
 *
 * DESCRIPTION
 *	Two queries, the same SQL on SQLite and PostgreSQL: hallmarkd's own
 *	rows (agg_row: day, policy domain, row key, count) summed per row
 *	key over the days asked; and the imported rows (imp_row joined to
 *	imp_report for the policy domain and the period) summed per
 *	reporter and row key.  Each key is turned back into a row
 *	(rrow_unkey) and handed to census_add with its count.  The sums
 *	are cast to BIGINT (PostgreSQL's SUM of a BIGINT is NUMERIC).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "census_load.h"
#include "str.h"

static const char sql_local[] =
    "SELECT rowkey, CAST(SUM(count) AS BIGINT) FROM agg_row "
    "WHERE domain = ? AND day >= ? AND day <= ? "
    "GROUP BY rowkey ORDER BY rowkey";

static const char sql_imported[] =
    "SELECT rep.org_name, rep.reporter, r.rowkey, "
    "CAST(SUM(r.count) AS BIGINT) FROM imp_row r JOIN imp_report rep "
    "ON rep.reporter = r.reporter AND rep.report_id = r.report_id "
    "WHERE lower(rep.domain) = ? AND rep.end_time >= ? AND "
    "rep.begin_time < ? "
    "GROUP BY rep.org_name, rep.reporter, r.rowkey "
    "ORDER BY rep.reporter, r.rowkey";

struct load {
	struct census *c;
	uint64_t *bad;
};

/* add_key - one row key with its count, seen by reporter */
static void
add_key(struct load *l, const char *key, int64_t count, const char *reporter)
{
	struct rrow r;

	if (key == NULL || count <= 0 || rrow_unkey(key, strlen(key), &r) < 0) {
		(*l->bad)++;
		return;
	}
	r.count = (uint64_t)count;
	census_add(l->c, &r, reporter);
	rrow_free(&r);
}

/* local_row - a row of sql_local */
static int
local_row(const struct rdb_val *col, size_t ncol, void *arg)
{
	if (ncol == 2 && col[0].type == RDB_TEXT && col[1].type == RDB_INT)
		add_key(arg, col[0].s, col[1].i, CENSUS_LOCAL);
	else
		(*((struct load *)arg)->bad)++;
	return 0;
}

/* imported_row - a row of sql_imported */
static int
imported_row(const struct rdb_val *col, size_t ncol, void *arg)
{
	const char *who;

	if (ncol != 4 || col[2].type != RDB_TEXT || col[3].type != RDB_INT) {
		(*((struct load *)arg)->bad)++;
		return 0;
	}
	who = col[0].type == RDB_TEXT && col[0].s[0] != '\0' ? col[0].s :
	    col[1].type == RDB_TEXT			     ? col[1].s :
							       "?";
	add_key(arg, col[2].s, col[3].i, who);
	return 0;
}

/* census_load - see census_load.h */
int
census_load(struct rdb *db, struct census *c, uint64_t *bad)
{
	struct load l = { c, bad };
	struct rdb_val p[3];

	*bad = 0;
	p[0] = RDB_S(c->domain);
	p[1] = RDB_I(c->first_day);
	p[2] = RDB_I(c->last_day);
	if (rdb_query(db, sql_local, p, 3, local_row, &l) < 0)
		return -1;
	p[1] = RDB_I(c->first_day * 86400);
	p[2] = RDB_I((c->last_day + 1) * 86400);
	return rdb_query(db, sql_imported, p, 3, imported_row, &l) < 0 ? -1 : 0;
}
