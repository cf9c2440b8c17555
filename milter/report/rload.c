/*
 * rload.c - the collector's rows and policies of one (day, domain) read
 * back from the store, and the list of reports due (see rload.h).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rload.h"
#include "str.h"

/* pol_field - p/sp/np column into *out (NULL: unset) */
static void
pol_field(const struct rdb_val *v, enum rr_pol *out)
{
	*out = RR_POL_UNSET;
	if (v->type == RDB_TEXT && rr_pol_parse(v->s, out) < 0)
		*out = RR_POL_UNSET;
}

/* align_field - adkim/aspf column: 's' or 'r' */
static char
align_field(const struct rdb_val *v)
{
	return v->type == RDB_TEXT && (v->s[0] == 's' || v->s[0] == 'S') ? 's' :
									   'r';
}

/* policy_row - agg_policy columns record_domain .. rua into *p */
static int
policy_row(const struct rdb_val *c, size_t ncol, void *arg)
{
	struct rpolicy *p = arg;

	p->domain = xstrdup(c[0].type == RDB_TEXT ? c[0].s : "");
	pol_field(&c[1], &p->p);
	pol_field(&c[2], &p->sp);
	pol_field(&c[3], &p->np);
	p->adkim = align_field(&c[4]);
	p->aspf = align_field(&c[5]);
	p->fo = c[6].type == RDB_TEXT ? xstrdup(c[6].s) : NULL;
	p->testing = c[7].type == RDB_INT && c[7].i != 0;
	p->discovery = c[8].type == RDB_TEXT && strcmp(c[8].s, "psl") == 0 ?
	    RR_DISC_PSL :
	    RR_DISC_TREEWALK;
	p->rua = c[9].type == RDB_TEXT && c[9].s[0] != '\0' ? xstrdup(c[9].s) :
							      NULL;
	return 1;
}

/* rload_policy - see rload.h */
int
rload_policy(struct rdb *db, int64_t day, const char *domain,
    struct rpolicy *out)
{
	struct rdb_val par[2] = { RDB_I(day), RDB_S(domain) };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rdb_query(db,
	    "SELECT record_domain, p, sp, np, adkim, aspf, fo, "
	    "testing, discovery, rua FROM agg_policy WHERE day = ? AND "
	    "domain = ?",
	    par, 2, policy_row, out);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return 0;
	if (out->domain[0] == '\0') {
		free(out->domain);
		out->domain = xstrdup(domain);
	}
	return 1;
}

/* row_cb - one agg_row: key and count */
static int
row_cb(const struct rdb_val *c, size_t ncol, void *arg)
{
	struct rload_rows *r = arg;
	struct rrow row;

	if (c[0].type != RDB_TEXT || c[1].i <= 0)
		return 0;
	if (rrow_unkey(c[0].s, strlen(c[0].s), &row) < 0) {
		r->bad++;
		return 0;
	}
	row.count = (uint64_t)c[1].i;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->row = xrealloc(r->row, r->cap * sizeof(*r->row));
	}
	r->row[r->n++] = row;
	return 0;
}

/* rload_rows - see rload.h */
int
rload_rows(struct rdb *db, int64_t day, const char *domain,
    struct rload_rows *out)
{
	struct rdb_val par[2] = { RDB_I(day), RDB_S(domain) };

	memset(out, 0, sizeof(*out));
	return rdb_query(db,
		   "SELECT rowkey, count FROM agg_row WHERE day = ? "
		   "AND domain = ? AND count > 0 ORDER BY rowkey",
		   par, 2, row_cb, out) < 0 ?
	    -1 :
	    0;
}

/* rload_rows_free - see rload.h */
void
rload_rows_free(struct rload_rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		rrow_free(&r->row[i]);
	free(r->row);
	memset(r, 0, sizeof(*r));
}

struct due {
	struct rload_day *d;
	size_t n, cap;
};

/* due_row - one (day, domain) */
static int
due_row(const struct rdb_val *c, size_t ncol, void *arg)
{
	struct due *d = arg;

	if (c[1].type != RDB_TEXT)
		return 0;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->d = xrealloc(d->d, d->cap * sizeof(*d->d));
	}
	d->d[d->n].day = c[0].i;
	d->d[d->n].domain = xstrdup(c[1].s);
	d->n++;
	return 0;
}

/* rload_due - see rload.h */
int
rload_due(struct rdb *db, int64_t last_day, const char *domain,
    struct rload_day **out, size_t *n)
{
	struct due d = { NULL, 0, 0 };
	struct rdb_val par[2] = { RDB_I(last_day), RDB_S(domain) };
	char sql[640];
	int rc;

	snprintf(sql, sizeof(sql),
	    "SELECT p.day, p.domain FROM agg_policy p "
	    "WHERE p.day <= ?%s AND p.rua IS NOT NULL AND p.rua <> '' AND "
	    "EXISTS (SELECT 1 FROM agg_row r WHERE r.day = p.day AND "
	    "r.domain = p.domain AND r.count > 0) AND NOT EXISTS (SELECT 1 "
	    "FROM report t WHERE t.day = p.day AND t.domain = p.domain) "
	    "ORDER BY p.day, p.domain",
	    domain != NULL ? " AND p.domain = ?" : "");
	rc = rdb_query(db, sql, par, domain != NULL ? 2 : 1, due_row, &d);
	if (rc < 0) {
		rload_due_free(d.d, d.n);
		return -1;
	}
	*out = d.d;
	*n = d.n;
	return 0;
}

/* rload_due_free - see rload.h */
void
rload_due_free(struct rload_day *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(d[i].domain);
	free(d);
}

/* rload_any_pass - see rload.h */
int
rload_any_pass(const struct rload_rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->row[i].dkim_pass || r->row[i].spf_pass)
			return 1;
	return 0;
}
