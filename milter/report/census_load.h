/*
 * census_load.h - the rows of a census (census.h) from the report store
 * (rdb.h): what hallmarkd recorded (agg_row) and the reports imported
 * from other receivers (imp_report, imp_row).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_CENSUS_LOAD_H
#define HALLMARK_CENSUS_LOAD_H

#include "census.h"
#include "rdb.h"

/* the reporter name of hallmarkd's own rows */
#define CENSUS_LOCAL "local"

/*
 * census_load - add to c every row whose policy domain is c->domain: of
 * agg_row for the days first_day..last_day (reporter CENSUS_LOCAL), of
 * imported reports whose period overlaps those days (reporter: the
 * report's org_name, else its reporter).  Rows whose key does not parse
 * are skipped and counted in *bad.  0, or -1 with the store's error.
 */
int census_load(struct rdb *db, struct census *c, uint64_t *bad);

#endif
