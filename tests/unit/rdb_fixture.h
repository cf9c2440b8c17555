/*
 * rdb_fixture.h - the shared fixture of test_rdb and test_rdb_sqlite
 * (rdb_fixture.c).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RDB_FIXTURE_H
#define HALLMARK_RDB_FIXTURE_H

#include <stdint.h>
#include <sys/types.h>

#include "rdb.h"

extern const char *base_url; /* the PostgreSQL store, or NULL: SQLite */
extern char tmpdir[512];     /* the SQLite stores' directory */
extern char url[1024];	     /* the store of the current case */

int is_pg(void);
/* fresh_url - url = a new empty store */
void fresh_url(void);
/* open_ok - rdb_open(url), or the case fails */
struct rdb *open_ok(void);
/* setup, teardown - cmocka: *state = a new empty store, opened; closed */
int setup(void **state);
int teardown(void **state);
/* get_int - row callback: the one integer column into *(int64_t *)arg */
int get_int(const struct rdb_val *col, size_t ncol, void *arg);
/* count - the one integer a query gives, or the case fails */
int64_t count(struct rdb *db, const char *sql);
/* child_status - wait for pid: its exit status (the case fails unless it
 * exited) */
int child_status(pid_t pid);
/* fixture_init - argv[1] (if any) as base_url, tmpdir made; 0 or -1 */
int fixture_init(int argc, char **argv);
/* fixture_done - tmpdir removed unless HM_KEEP is set; rc, or 1 */
int fixture_done(int rc);

#endif
