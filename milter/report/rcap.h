/*
 * rcap.h - the per-destination daily cap of report mail
 * (reports.daily_cap): how many report parts each address got today (UTC
 * day of now), counted from table report (rows updated today whose rcpts
 * name the address) when the run starts, plus what this run sends.
 *
 * In memory, one run, one thread.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RCAP_H
#define HALLMARK_RCAP_H

#include <stddef.h>
#include <stdint.h>

#include "rdb.h"

struct rcap_ent {
	char *addr;
	unsigned n;
};

struct rcap {
	struct rcap_ent *e;
	size_t n, cap;
};

/* rcap_load - today's counts from the store; 0 or -1 */
int rcap_load(struct rcap *c, struct rdb *db, int64_t now);
/* rcap_get - reports addr got today */
unsigned rcap_get(const struct rcap *c, const char *addr);
/* rcap_add - one more for addr */
void rcap_add(struct rcap *c, const char *addr);
void rcap_free(struct rcap *c);

#endif
