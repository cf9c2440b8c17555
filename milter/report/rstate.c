/*
 * rstate.c - rows of table report (see rstate.h): insert, read, update
 * and walk, in the one SQL dialect of rdb.h.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "rstate.h"
#include "str.h"

#define COLS \
	"report_id, day, domain, part, nparts, filename, rcpts, " \
	"state, attempts, last_error, created, updated"

/* rstate_free - see rstate.h */
void
rstate_free(struct rstate *r)
{
	free(r->report_id);
	free(r->domain);
	free(r->filename);
	free(r->rcpts);
	free(r->body);
	free(r->state);
	free(r->last_error);
	memset(r, 0, sizeof(*r));
}

/* opt_s - a text parameter, NULL as SQL NULL */
static struct rdb_val
opt_s(const char *s)
{
	return RDB_S(s);
}

/* rstate_insert - see rstate.h */
int
rstate_insert(struct rdb *db, const struct rstate *r)
{
	struct rdb_val p[13];

	p[0] = RDB_S(r->report_id);
	p[1] = RDB_I(r->day);
	p[2] = RDB_S(r->domain);
	p[3] = RDB_I(r->part);
	p[4] = RDB_I(r->nparts);
	p[5] = RDB_S(r->filename);
	p[6] = opt_s(r->rcpts);
	p[7] = RDB_B(r->body, r->bodylen);
	p[8] = RDB_S(r->state);
	p[9] = RDB_I(r->attempts);
	p[10] = opt_s(r->last_error);
	p[11] = RDB_I(r->created);
	p[12] = RDB_I(r->updated);
	return rdb_exec(db,
	    "INSERT INTO report (report_id, day, domain, part, "
	    "nparts, filename, rcpts, body, state, attempts, last_error, "
	    "created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    p, 13);
}

/* dup_s - a text column, NULL for SQL NULL */
static char *
dup_s(const struct rdb_val *v)
{
	return v->type == RDB_TEXT ? xstrdup(v->s) : NULL;
}

/* fill - a result row (COLS, then maybe body) into *r */
static void
fill(const struct rdb_val *c, size_t ncol, struct rstate *r)
{
	r->report_id = dup_s(&c[0]);
	r->day = c[1].i;
	r->domain = dup_s(&c[2]);
	r->part = c[3].i;
	r->nparts = c[4].i;
	r->filename = dup_s(&c[5]);
	r->rcpts = dup_s(&c[6]);
	r->state = dup_s(&c[7]);
	r->attempts = c[8].i;
	r->last_error = dup_s(&c[9]);
	r->created = c[10].i;
	r->updated = c[11].i;
	if (ncol > 12 && c[12].type == RDB_BYTES) {
		r->body = xmemdup0(c[12].p, c[12].n);
		r->bodylen = c[12].n;
	}
}

/* get_row - rdb_query callback of rstate_get */
static int
get_row(const struct rdb_val *col, size_t ncol, void *arg)
{
	fill(col, ncol, arg);
	return 1;
}

/* rstate_get - see rstate.h */
int
rstate_get(struct rdb *db, const char *report_id, int with_body,
    struct rstate *out)
{
	struct rdb_val p[1] = { RDB_S(report_id) };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rdb_query(db,
	    with_body ? "SELECT " COLS ", body FROM report "
			"WHERE report_id = ?" :
			"SELECT " COLS " FROM report WHERE "
			"report_id = ?",
	    p, 1, get_row, out);
	return rc < 0 ? -1 : rc != 0;
}

/* rstate_update - see rstate.h */
int
rstate_update(struct rdb *db, const char *report_id, const char *state,
    const char *rcpts, const char *last_error, int inc, int64_t now)
{
	struct rdb_val p[6];

	p[0] = RDB_S(state);
	p[1] = opt_s(rcpts);
	p[2] = opt_s(last_error);
	p[3] = RDB_I(inc);
	p[4] = RDB_I(now);
	p[5] = RDB_S(report_id);
	return rdb_exec(db,
	    "UPDATE report SET state = ?, rcpts = ?, "
	    "last_error = ?, attempts = attempts + ?, updated = ? WHERE "
	    "report_id = ?",
	    p, 6);
}

/* count_row - rdb_query callback: the one integer */
static int
count_row(const struct rdb_val *col, size_t ncol, void *arg)
{
	*(int64_t *)arg = ncol > 0 ? col[0].i : 0;
	return 0;
}

/* rstate_count - see rstate.h */
int64_t
rstate_count(struct rdb *db, int64_t day, const char *domain)
{
	struct rdb_val p[2] = { RDB_I(day), RDB_S(domain) };
	int64_t n = 0;

	if (rdb_query(db,
		"SELECT COUNT(*) FROM report WHERE day = ? AND "
		"domain = ?",
		p, 2, count_row, &n) < 0)
		return -1;
	return n;
}

struct walk {
	int (*fn)(const struct rstate *r, void *arg);
	void *arg;
};

/* walk_row - rdb_query callback of rstate_each */
static int
walk_row(const struct rdb_val *col, size_t ncol, void *arg)
{
	struct walk *w = arg;
	struct rstate r;
	int rc;

	memset(&r, 0, sizeof(r));
	fill(col, ncol, &r);
	rc = w->fn(&r, w->arg);
	rstate_free(&r);
	return rc;
}

/* rstate_each - see rstate.h */
int
rstate_each(struct rdb *db, const char *state,
    int (*fn)(const struct rstate *r, void *arg), void *arg)
{
	struct walk w = { fn, arg };
	struct rdb_val p[1] = { RDB_S(state) };

	if (state == NULL)
		return rdb_query(db,
		    "SELECT " COLS " FROM report ORDER BY "
		    "day, domain, part",
		    NULL, 0, walk_row, &w);
	return rdb_query(db,
	    "SELECT " COLS " FROM report WHERE state = ? "
	    "ORDER BY day, domain, part",
	    p, 1, walk_row, &w);
}

/* rstate_has_rcpt - see rstate.h */
int
rstate_has_rcpt(const char *rcpts, const char *addr)
{
	size_t n = strlen(addr);
	const char *p = rcpts;

	while (p != NULL && *p != '\0') {
		while (*p == ' ')
			p++;
		if (str_ncasecmp(p, addr, n) == 0 &&
		    (p[n] == ' ' || p[n] == '\0') && n > 0)
			return 1;
		p = strchr(p, ' ');
	}
	return 0;
}
