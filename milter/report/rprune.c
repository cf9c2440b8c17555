/*
 * rprune.c - retention of the report store (see rprune.h): one statement
 * per table, a DELETE (or, in a dry run, a SELECT COUNT(*)) over the
 * same WHERE clause, all in one transaction.
 *
 * The order matters: agg_row and agg_policy go before report, because
 * whether a day still has a report to build is read from agg_policy and
 * report; imp_row goes before imp_report, which says how old it is.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rprune.h"
#include "rsend.h"

#define DAY_SECONDS 86400

/* what a parameter of a statement is */
enum prune_par { PAR_DAY, PAR_NOW, PAR_IMPORTED, PAR_MIDNIGHT };

/*
 * a (day, domain) of table T that may go: no part of its report is still
 * to be delivered or was handed on since midnight (the daily cap counts
 * those, rcap.h), and it is no report still to build (a rua=, no part)
 */
#define DAY_DONE(T) \
	T ".day < ? AND NOT EXISTS (SELECT 1 FROM report k WHERE k.day = " T \
	  ".day AND k.domain = " T ".domain AND (k.updated >= ? OR k.state " \
	  "NOT IN ('sent', 'skipped', 'suppressed', 'failed'))) AND NOT " \
	  "(EXISTS (SELECT 1 FROM agg_policy q WHERE q.day = " T \
	  ".day AND q.domain = " T ".domain AND q.rua IS NOT NULL AND " \
	  "q.rua <> '') AND NOT EXISTS (SELECT 1 FROM report k2 WHERE " \
	  "k2.day = " T ".day AND k2.domain = " T ".domain))"

#define NPAR 2

struct prune_step {
	const char *table;
	const char *where; /* with npar parameters, par */
	enum prune_par par[NPAR];
	size_t npar;
	size_t off; /* of the counter in struct rprune_stats */
};

#define S(f) offsetof(struct rprune_stats, f)

static const struct prune_step steps[] = {
	{ "agg_row", DAY_DONE("agg_row"), { PAR_DAY, PAR_MIDNIGHT }, 2,
	    S(agg_row) },
	{ "agg_policy", DAY_DONE("agg_policy"), { PAR_DAY, PAR_MIDNIGHT }, 2,
	    S(agg_policy) },
	{ "report", DAY_DONE("report"), { PAR_DAY, PAR_MIDNIGHT }, 2,
	    S(report) },
	{ "suppress", "until_time IS NOT NULL AND until_time <= ?", { PAR_NOW },
	    1, S(suppress) },
	{ "imp_row",
	    "EXISTS (SELECT 1 FROM imp_report i WHERE i.reporter = "
	    "imp_row.reporter AND i.report_id = imp_row.report_id AND "
	    "i.end_time < ?)",
	    { PAR_IMPORTED }, 1, S(imp_row) },
	{ "imp_report", "end_time < ?", { PAR_IMPORTED }, 1, S(imp_report) },
};

#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

/* limit_day - agg_* and report rows of days below it may go; INT64_MIN
 * when keep_days is 0 */
static int64_t
limit_day(const struct rprune_opts *o)
{
	int64_t keep = o->now / DAY_SECONDS - o->keep_days;
	int64_t open = rsend_last_day(o->now, o->send_delay) + 1;

	if (o->keep_days <= 0)
		return INT64_MIN;
	return keep < open ? keep : open;
}

/* param - the value of a step's parameter; 0 when the step is off */
static int
param(const struct rprune_opts *o, enum prune_par p, int64_t *v)
{
	switch (p) {
	case PAR_DAY:
		*v = limit_day(o);
		return o->keep_days > 0;
	case PAR_NOW:
		*v = o->now;
		return 1;
	case PAR_MIDNIGHT:
		*v = o->now / DAY_SECONDS * DAY_SECONDS;
		return 1;
	default:
		*v = o->now - (int64_t)o->keep_imported_days * DAY_SECONDS;
		return o->keep_imported_days > 0;
	}
}

/* got_count - rdb callback: the one COUNT(*) column */
static int
got_count(const struct rdb_val *col, size_t ncol, void *arg)
{
	if (ncol == 1 && col[0].type == RDB_INT)
		*(int64_t *)arg = col[0].i;
	return 0;
}

/* one_step - delete (or count) one table's prunable rows into *n */
static int
one_step(struct rdb *db, const struct prune_step *s, int dry,
    const struct rdb_val *par, int64_t *n)
{
	char sql[1024];

	snprintf(sql, sizeof(sql), "%s FROM %s WHERE %s",
	    dry ? "SELECT COUNT(*)" : "DELETE", s->table, s->where);
	*n = 0;
	if (dry)
		return rdb_query(db, sql, par, s->npar, got_count, n);
	if (rdb_exec(db, sql, par, s->npar) < 0)
		return -1;
	*n = rdb_changes(db);
	return 0;
}

/* params - the parameters of step s; 0 when the step is off */
static int
params(const struct rprune_opts *o, const struct prune_step *s,
    struct rdb_val *par)
{
	size_t i;
	int64_t v;

	for (i = 0; i < s->npar; i++) {
		if (!param(o, s->par[i], &v))
			return 0;
		par[i] = RDB_I(v);
	}
	return 1;
}

/* rprune_run - see rprune.h */
int
rprune_run(struct rdb *db, const struct rprune_opts *o, struct rprune_stats *st)
{
	struct rdb_val par[NPAR];
	size_t i;

	memset(st, 0, sizeof(*st));
	if (!o->dry_run && rdb_begin(db) < 0)
		return -1;
	for (i = 0; i < NSTEPS; i++) {
		int64_t *n = (int64_t *)((char *)st + steps[i].off);

		if (!params(o, &steps[i], par))
			continue;
		if (one_step(db, &steps[i], o->dry_run, par, n) < 0) {
			if (!o->dry_run) /* rolls back, keeps the error */
				(void)rdb_commit(db);
			memset(st, 0, sizeof(*st));
			return -1;
		}
	}
	if (!o->dry_run && rdb_commit(db) < 0) {
		memset(st, 0, sizeof(*st));
		return -1;
	}
	return 0;
}

/* rprune_total - see rprune.h */
int64_t
rprune_total(const struct rprune_stats *st)
{
	return st->agg_row + st->agg_policy + st->report + st->suppress +
	    st->imp_report + st->imp_row;
}
