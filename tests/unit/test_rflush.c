/*
 * test_rflush.c - report/rflush.c's transaction on a real store (SQLite
 * in a temporary directory, or the PostgreSQL of HM_PG_URL when set, as
 * t_reports_pg.sh runs it): a batch written twice adds its counts
 * (also one of more rows than one statement takes),
 * the policy kept is the one seen last whatever order the writes come
 * in, and a write that fails rolls back everything (no half batch).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ragg.h"
#include "rdb.h"
#include "rflush.h"
#include "str.h"

static char tmpdir[] = "/tmp/hm-rflush.XXXXXX";
static int ncase;

/* open_db - a fresh store for one case */
static struct rdb *
open_db(void)
{
	const char *pg = getenv("HM_PG_URL");
	char url[512], err[512];
	struct rdb *db;

	if (pg != NULL && *pg != '\0')
		snprintf(url, sizeof(url), "pg:%s", pg);
	else
		snprintf(url, sizeof(url), "sqlite:%s/t%d.db", tmpdir, ++ncase);
	db = rdb_open(url, err, sizeof(err));
	if (db == NULL)
		fail_msg("rdb_open: %s", err);
	assert_int_equal(rdb_exec(db, "DELETE FROM agg_row", NULL, 0), 0);
	assert_int_equal(rdb_exec(db, "DELETE FROM agg_policy", NULL, 0), 0);
	return db;
}

/* put - a row of count messages */
static void
put(struct ragg *a, int64_t day, const char *domain, const char *key,
    uint64_t count)
{
	char *k = xstrdup(key);
	int taken;

	assert_int_not_equal(ragg_put(a, day, domain, k, strlen(k), count, 1000,
				 &taken),
	    RAGG_FULL);
	if (!taken)
		free(k);
}

/* policy - p= of domain, seen at seen */
static void
policy(struct ragg *a, int64_t day, const char *domain, enum rr_pol p,
    int64_t seen)
{
	struct rpolicy pol;

	memset(&pol, 0, sizeof(pol));
	pol.domain = xstrdup(domain);
	pol.p = p;
	pol.sp = RR_POL_UNSET;
	pol.np = RR_POL_QUARANTINE;
	pol.adkim = 's';
	pol.aspf = 'r';
	pol.rua = xstrdup("mailto:d@example.edu");
	ragg_put_policy(a, day, domain, &pol, seen);
	rpolicy_free(&pol);
}

static int
int_cb(const struct rdb_val *col, size_t n, void *arg)
{
	assert_int_equal(n, 1);
	*(int64_t *)arg = col[0].type == RDB_INT ? col[0].i : -1;
	return 0;
}

/* count - SELECT count FROM agg_row of one row (0 when absent) */
static int64_t
count(struct rdb *db, int64_t day, const char *domain, const char *key)
{
	struct rdb_val v[3] = { RDB_I(day), RDB_S(domain), RDB_S(key) };
	int64_t n = 0;

	assert_int_equal(rdb_query(db,
			     "SELECT count FROM agg_row WHERE day = "
			     "? AND domain = ? AND rowkey = ?",
			     v, 3, int_cb, &n),
	    0);
	return n;
}

struct polrow {
	char p[16], sp[16], np[16], adkim[4], rua[64];
	int64_t seen;
};

static void
copy_text(char *dst, size_t n, const struct rdb_val *v)
{
	const char *s = v->type == RDB_TEXT ? v->s : "NULL";

	assert_true(strlen(s) < n);
	memcpy(dst, s, strlen(s) + 1);
}

static int
pol_cb(const struct rdb_val *col, size_t n, void *arg)
{
	struct polrow *r = arg;

	assert_int_equal(n, 6);
	copy_text(r->p, sizeof(r->p), &col[0]);
	copy_text(r->sp, sizeof(r->sp), &col[1]);
	copy_text(r->np, sizeof(r->np), &col[2]);
	copy_text(r->adkim, sizeof(r->adkim), &col[3]);
	copy_text(r->rua, sizeof(r->rua), &col[4]);
	r->seen = col[5].i;
	return 0;
}

static struct polrow
stored_policy(struct rdb *db, int64_t day, const char *domain)
{
	struct rdb_val v[2] = { RDB_I(day), RDB_S(domain) };
	struct polrow r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(rdb_query(db,
			     "SELECT p, sp, np, adkim, rua, seen "
			     "FROM agg_policy WHERE day = ? AND domain = ?",
			     v, 2, pol_cb, &r),
	    0);
	return r;
}

static void
test_counts_add_up(void **state)
{
	struct rdb *db = open_db();
	struct ragg *a = ragg_new();
	char err[256];

	(void)state;
	put(a, 20000, "example.edu", "row\none", 3);
	put(a, 20000, "example.edu", "row\ntwo", 1);
	put(a, 20001, "example.edu", "row\none", 7);
	policy(a, 20000, "example.edu", RR_POL_REJECT, 100);
	assert_int_equal(rflush_write(db, a, err, sizeof(err)), 0);
	/* the same batch again (a second MTA, the next interval) adds */
	assert_int_equal(rflush_write(db, a, err, sizeof(err)), 0);
	assert_int_equal(count(db, 20000, "example.edu", "row\none"), 6);
	assert_int_equal(count(db, 20000, "example.edu", "row\ntwo"), 2);
	assert_int_equal(count(db, 20001, "example.edu", "row\none"), 14);
	ragg_free(a);
	rdb_close(db);
}

/* more rows than one statement takes (100): all of them, each once */
static void
test_many_rows(void **state)
{
	struct rdb *db = open_db();
	struct ragg *a = ragg_new();
	char err[256], key[32];
	int64_t n = 0;
	int i;

	(void)state;
	for (i = 0; i < 250; i++) {
		snprintf(key, sizeof(key), "row %d", i);
		put(a, 20000, "example.edu", key, (uint64_t)i + 1);
	}
	assert_int_equal(rflush_write(db, a, err, sizeof(err)), 0);
	assert_int_equal(rflush_write(db, a, err, sizeof(err)), 0);
	assert_int_equal(rdb_query(db, "SELECT COUNT(*) FROM agg_row", NULL, 0,
			     int_cb, &n),
	    0);
	assert_int_equal(n, 250);
	assert_int_equal(rdb_query(db, "SELECT SUM(count) FROM agg_row", NULL,
			     0, int_cb, &n),
	    0);
	assert_int_equal(n, 2 * 250 * 251 / 2);
	assert_int_equal(count(db, 20000, "example.edu", "row 99"), 200);
	assert_int_equal(count(db, 20000, "example.edu", "row 249"), 500);
	ragg_free(a);
	rdb_close(db);
}

static void
test_policy_seen_last(void **state)
{
	struct rdb *db = open_db();
	struct ragg *newer = ragg_new(), *older = ragg_new();
	struct polrow r;
	char err[256];

	(void)state;
	put(newer, 20000, "example.edu", "k", 1);
	put(older, 20000, "example.edu", "k", 1);
	policy(newer, 20000, "example.edu", RR_POL_QUARANTINE, 200);
	policy(older, 20000, "example.edu", RR_POL_NONE, 100);
	assert_int_equal(rflush_write(db, newer, err, sizeof(err)), 0);
	assert_int_equal(rflush_write(db, older, err, sizeof(err)), 0);
	r = stored_policy(db, 20000, "example.edu");
	assert_string_equal(r.p, "quarantine");
	assert_string_equal(r.sp, "NULL"); /* not published */
	assert_string_equal(r.np, "quarantine");
	assert_string_equal(r.adkim, "s");
	assert_string_equal(r.rua, "mailto:d@example.edu");
	assert_int_equal(r.seen, 200);
	assert_int_equal(count(db, 20000, "example.edu", "k"), 2);
	ragg_free(newer);
	ragg_free(older);
	rdb_close(db);
}

/* a failing statement part way: nothing of the batch stays */
static void
test_failure_rolls_back(void **state)
{
	struct rdb *db = open_db();
	struct ragg *a = ragg_new();
	char err[256];

	(void)state;
	put(a, 20000, "example.edu", "k1", 1);
	put(a, 20000, "example.edu", "k2", 1);
	policy(a, 20000, "example.edu", RR_POL_REJECT, 100);
	/* the policies are written after the rows: make them fail */
	assert_int_equal(rdb_exec(db,
			     "ALTER TABLE agg_policy RENAME TO "
			     "agg_policy_away",
			     NULL, 0),
	    0);
	assert_int_equal(rflush_write(db, a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "agg_policy"));
	assert_int_equal(count(db, 20000, "example.edu", "k1"), 0);
	assert_int_equal(count(db, 20000, "example.edu", "k2"), 0);
	assert_int_equal(rdb_exec(db,
			     "ALTER TABLE agg_policy_away RENAME TO "
			     "agg_policy",
			     NULL, 0),
	    0);
	ragg_free(a);
	rdb_close(db);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_add_up),
		cmocka_unit_test(test_many_rows),
		cmocka_unit_test(test_policy_seen_last),
		cmocka_unit_test(test_failure_rolls_back),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
