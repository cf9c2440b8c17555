/*
 * rcap.c - per-destination counts of today's report mail (see rcap.h).
 * A linear table: a run sends to a handful of addresses per domain, and
 * the table holds only today's.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "rcap.h"
#include "str.h"

/* find - the entry of addr, or NULL */
static struct rcap_ent *
find(const struct rcap *c, const char *addr)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (str_casecmp(c->e[i].addr, addr) == 0)
			return &c->e[i];
	return NULL;
}

/* rcap_get - see rcap.h */
unsigned
rcap_get(const struct rcap *c, const char *addr)
{
	const struct rcap_ent *e = find(c, addr);

	return e != NULL ? e->n : 0;
}

/* rcap_add - see rcap.h */
void
rcap_add(struct rcap *c, const char *addr)
{
	struct rcap_ent *e = find(c, addr);

	if (e == NULL) {
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 16;
			c->e = xrealloc(c->e, c->cap * sizeof(*c->e));
		}
		e = &c->e[c->n++];
		e->addr = xstrdup(addr);
		e->n = 0;
	}
	e->n++;
}

/* count_rcpts - one row's rcpts: each address once more */
static int
count_rcpts(const struct rdb_val *col, size_t ncol, void *arg)
{
	char *s, *p, *tok;

	if (col[0].type != RDB_TEXT)
		return 0;
	s = xstrdup(col[0].s);
	for (p = s; p != NULL && *p != '\0'; p = tok) {
		tok = strchr(p, ' ');
		if (tok != NULL)
			*tok++ = '\0';
		if (*p != '\0')
			rcap_add(arg, p);
	}
	free(s);
	return 0;
}

/* rcap_load - see rcap.h */
int
rcap_load(struct rcap *c, struct rdb *db, int64_t now)
{
	struct rdb_val par[1] = { RDB_I(now - now % 86400) };

	memset(c, 0, sizeof(*c));
	return rdb_query(db,
		   "SELECT rcpts FROM report WHERE updated >= ? AND "
		   "rcpts IS NOT NULL",
		   par, 1, count_rcpts, c) < 0 ?
	    -1 :
	    0;
}

/* rcap_free - see rcap.h */
void
rcap_free(struct rcap *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->e[i].addr);
	free(c->e);
	memset(c, 0, sizeof(*c));
}
