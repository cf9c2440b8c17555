/*
 * test_rprune.c - retention of the report store (rprune.h) on a real
 * SQLite store (or, given "pg:CONNINFO" as argv[1] by t_report_pg.sh,
 * PostgreSQL, each case in its own schema): days older than keep_days
 * whose report is final (sent, failed, skipped, suppressed) or never to
 * be made (no rua=) go with their report parts; a day with a part still
 * built or deferred, or mailed today (the daily cap counts it), or with a
 * rua= and no report yet, stays whole; the boundary day stays; the
 * current and the last day stay with keep_days 1; keep_days 0 keeps
 * everything; expired suppress entries go, others stay; imported reports
 * older than keep_imported_days go with their rows; a dry run counts the
 * same rows and deletes nothing; a failing statement deletes nothing (one
 * transaction).
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

#include "rprune.h"
#include "rstate.h"

#define TODAY 20100
#define NOW ((int64_t)TODAY * 86400 + 3 * 3600)
#define DAYS(n) ((int64_t)(n)*86400)

static const char *base_url;
static int ncase;

struct fx {
	char dir[64], url[1024];
	struct rdb *db;
	struct rprune_opts o;
};

/* store_url - a new SQLite file, or a new PostgreSQL schema */
static void
store_url(struct fx *f)
{
	char err[256], sql[96];
	struct rdb *db;

	ncase++;
	if (base_url == NULL) {
		snprintf(f->url, sizeof(f->url), "sqlite:%s/r.db", f->dir);
		return;
	}
	db = rdb_open(base_url, err, sizeof(err));
	if (db == NULL)
		fail_msg("%s", err);
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS hm_p%d CASCADE",
	    ncase);
	assert_int_equal(rdb_exec(db, sql, NULL, 0), 0);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA hm_p%d", ncase);
	assert_int_equal(rdb_exec(db, sql, NULL, 0), 0);
	rdb_close(db);
	snprintf(f->url, sizeof(f->url), "%s options='-csearch_path=hm_p%d'",
	    base_url, ncase);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_rprune.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	store_url(f);
	f->db = rdb_open(f->url, err, sizeof(err));
	if (f->db == NULL)
		fail_msg("%s", err);
	f->o = (struct rprune_opts){ .now = NOW,
		.send_delay = 7200,
		.keep_days = 31,
		.keep_imported_days = 400 };
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	rdb_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* day_rows - two rows and the policy of (day, domain) */
static void
day_rows(struct fx *f, int64_t day, const char *domain, const char *rua)
{
	struct rdb_val p[3] = { RDB_I(day), RDB_S(domain), RDB_S(rua) };

	assert_int_equal(rdb_exec(f->db,
			     "INSERT INTO agg_row (day, domain, rowkey, "
			     "count) VALUES (?, ?, 'k1', 3), (?, ?, 'k2', 1)",
			     (struct rdb_val[]){ p[0], p[1], p[0], p[1] }, 4),
	    0);
	assert_int_equal(rdb_exec(f->db,
			     "INSERT INTO agg_policy (day, domain, "
			     "record_domain, p, rua, seen) VALUES (?, ?, ?, "
			     "'none', ?, 0)",
			     (struct rdb_val[]){ p[0], p[1], p[1], p[2] }, 4),
	    0);
}

/* part_at - report part n of (day, domain) in state st, with bytes,
 * last updated at upd */
static void
part_at(struct fx *f, int64_t day, const char *domain, int n, const char *st,
    int64_t upd)
{
	char id[128];
	struct rstate r = { .report_id = id,
		.day = day,
		.domain = (char *)domain,
		.part = n,
		.nparts = 2,
		.filename = "r.xml.gz",
		.body = (unsigned char *)"\x1f\x8b bytes",
		.bodylen = 8,
		.state = (char *)st,
		.created = NOW - DAYS(TODAY - day),
		.updated = upd };

	snprintf(id, sizeof(id), "%lld.%s.%d", (long long)day, domain, n);
	assert_int_equal(rstate_insert(f->db, &r), 0);
}

/* part - part_at, updated the day after its day */
static void
part(struct fx *f, int64_t day, const char *domain, int n, const char *st)
{
	part_at(f, day, domain, n, st, DAYS(day + 1) + 7200);
}

static int
got(const struct rdb_val *col, size_t ncol, void *arg)
{
	if (ncol == 1 && col[0].type == RDB_INT)
		*(int64_t *)arg = col[0].i;
	return 0;
}

/* rows - rows of table with the condition (day, domain); -1 if none */
static int64_t
rows(struct fx *f, const char *table, int64_t day, const char *domain)
{
	char sql[160];
	struct rdb_val p[2] = { RDB_I(day), RDB_S(domain) };
	int64_t n = -1;

	snprintf(sql, sizeof(sql),
	    "SELECT COUNT(*) FROM %s WHERE day = ? AND domain = ?", table);
	assert_int_equal(rdb_query(f->db, sql, p, 2, got, &n), 0);
	return n;
}

/* count - all rows of table */
static int64_t
count(struct fx *f, const char *table)
{
	char sql[96];
	int64_t n = -1;

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	assert_int_equal(rdb_query(f->db, sql, NULL, 0, got, &n), 0);
	return n;
}

/* seed_days - the days of test_days */
static void
seed_days(struct fx *f)
{
	day_rows(f, 20000, "a.example", "mailto:r@a.example");
	part(f, 20000, "a.example", 1, "sent");
	part(f, 20000, "a.example", 2, "failed");
	day_rows(f, 20000, "b.example", "mailto:r@b.example");
	part(f, 20000, "b.example", 1, "sent");
	part(f, 20000, "b.example", 2, "deferred");
	day_rows(f, 20001, "c.example", "mailto:r@c.example"); /* to build */
	day_rows(f, 20001, "d.example", "");		       /* no rua */
	day_rows(f, 20002, "e.example", "mailto:r@e.example");
	part(f, 20002, "e.example", 1, "built");
	day_rows(f, 20068, "a.example", "mailto:r@a.example"); /* last out */
	part(f, 20068, "a.example", 1, "skipped");
	part(f, 20068, "a.example", 2, "suppressed");
	day_rows(f, 20069, "a.example", "mailto:r@a.example"); /* kept */
	part(f, 20069, "a.example", 1, "sent");
	/* sent today after retries: the daily cap still counts it */
	day_rows(f, 20003, "g.example", "mailto:r@g.example");
	part_at(f, 20003, "g.example", 1, "sent", NOW - 60);
}

static void
test_days(void **state)
{
	struct fx *f = *state;
	struct rprune_stats st;

	seed_days(f);
	f->o.dry_run = 1;
	assert_int_equal(rprune_run(f->db, &f->o, &st), 0);
	/* a 20000 and 20068 (2 rows, policy, 2 parts each), d 20001 */
	assert_int_equal(st.agg_row, 6);
	assert_int_equal(st.agg_policy, 3);
	assert_int_equal(st.report, 4);
	assert_int_equal(count(f, "agg_row"), 16);
	assert_int_equal(count(f, "report"), 9);
	f->o.dry_run = 0;
	assert_int_equal(rprune_run(f->db, &f->o, &st), 0);
	assert_int_equal(st.agg_row, 6);
	assert_int_equal(st.agg_policy, 3);
	assert_int_equal(st.report, 4);
	assert_int_equal(rprune_total(&st), 13);
	assert_int_equal(rows(f, "agg_row", 20000, "a.example"), 0);
	assert_int_equal(rows(f, "report", 20000, "a.example"), 0);
	assert_int_equal(rows(f, "agg_policy", 20001, "d.example"), 0);
	assert_int_equal(rows(f, "agg_row", 20068, "a.example"), 0);
	/* a deferred part keeps its day whole, with the sent part */
	assert_int_equal(rows(f, "agg_row", 20000, "b.example"), 2);
	assert_int_equal(rows(f, "agg_policy", 20000, "b.example"), 1);
	assert_int_equal(rows(f, "report", 20000, "b.example"), 2);
	/* a report still to build, a built one, the boundary day */
	assert_int_equal(rows(f, "agg_row", 20001, "c.example"), 2);
	assert_int_equal(rows(f, "agg_policy", 20001, "c.example"), 1);
	assert_int_equal(rows(f, "agg_row", 20002, "e.example"), 2);
	assert_int_equal(rows(f, "report", 20002, "e.example"), 1);
	assert_int_equal(rows(f, "agg_row", 20069, "a.example"), 2);
	assert_int_equal(rows(f, "report", 20069, "a.example"), 1);
	assert_int_equal(rows(f, "agg_row", 20003, "g.example"), 2);
	assert_int_equal(rows(f, "report", 20003, "g.example"), 1);
	/* nothing more the second time */
	assert_int_equal(rprune_run(f->db, &f->o, &st), 0);
	assert_int_equal(rprune_total(&st), 0);
}

/* keep_days 1 keeps today and yesterday, even with a final report;
 * keep_days 0 keeps everything */
static void
test_recent_and_off(void **state)
{
	struct fx *f = *state;
	struct rprune_stats st;

	day_rows(f, TODAY, "a.example", "");
	day_rows(f, TODAY - 1, "a.example", "mailto:r@a.example");
	part(f, TODAY - 1, "a.example", 1, "sent");
	day_rows(f, TODAY - 2, "a.example", "mailto:r@a.example");
	part(f, TODAY - 2, "a.example", 1, "sent");
	f->o.keep_days = 0;
	assert_int_equal(rprune_run(f->db, &f->o, &st), 0);
	assert_int_equal(rprune_total(&st), 0);
	f->o.keep_days = 1;
	f->o.now = DAYS(TODAY) + 60; /* before send_delay: yesterday open */
	assert_int_equal(rprune_run(f->db, &f->o, &st), 0);
	assert_int_equal(st.agg_row, 2);
	assert_int_equal(st.report, 1);
	assert_int_equal(rows(f, "agg_row", TODAY, "a.example"), 2);
	assert_int_equal(rows(f, "agg_row", TODAY - 1, "a.example"), 2);
	assert_int_equal(rows(f, "report", TODAY - 1, "a.example"), 1);
	assert_int_equal(rows(f, "agg_row", TODAY - 2, "a.example"), 0);
}

/* imp - an imported report ending at end, with two rows */
static void
imp(struct fx *f, const char *id, int64_t end)
{
	struct rdb_val p[3] = { RDB_S(id), RDB_I(end - DAYS(1)), RDB_I(end) };

	assert_int_equal(rdb_exec(f->db,
			     "INSERT INTO imp_report (reporter, report_id, "
			     "begin_time, end_time, domain, imported) VALUES "
			     "('rep.example', ?, ?, ?, 'a.example', 0)",
			     p, 3),
	    0);
	assert_int_equal(rdb_exec(f->db,
			     "INSERT INTO imp_row (reporter, report_id, "
			     "rowkey, count) VALUES ('rep.example', ?, 'k1', "
			     "1), ('rep.example', ?, 'k2', 2)",
			     (struct rdb_val[]){ p[0], p[0] }, 2),
	    0);
}

static void
test_suppress_and_imports(void **state)
{
	struct fx *f = *state;
	struct rprune_stats st;
	struct rdb_val p[2] = { RDB_I(NOW - 1), RDB_I(NOW + 3600) };

	assert_int_equal(rdb_exec(f->db,
			     "INSERT INTO suppress (address, until_time, "
			     "reason, added) VALUES ('a@x.example', NULL, "
			     "'', 0), ('b@x.example', ?, '', 0), "
			     "('@y.example', ?, '', 0)",
			     p, 2),
	    0);
	imp(f, "old", NOW - DAYS(401));
	imp(f, "new", NOW - DAYS(399));
	f->o.keep_imported_days = 0;
	assert_int_equal(rprune_run(f->db, &f->o, &st), 0);
	assert_int_equal(st.suppress, 1); /* b@: expired */
	assert_int_equal(st.imp_report + st.imp_row, 0);
	assert_int_equal(count(f, "suppress"), 2);
	f->o.keep_imported_days = 400;
	assert_int_equal(rprune_run(f->db, &f->o, &st), 0);
	assert_int_equal(st.suppress, 0);
	assert_int_equal(st.imp_report, 1);
	assert_int_equal(st.imp_row, 2);
	assert_int_equal(count(f, "imp_report"), 1);
	assert_int_equal(count(f, "imp_row"), 2);
}

/* one transaction: a statement that fails (a table gone) deletes
 * nothing, the earlier steps included */
static void
test_all_or_nothing(void **state)
{
	struct fx *f = *state;
	struct rprune_stats st;

	seed_days(f);
	assert_int_equal(rdb_exec(f->db, "DROP TABLE imp_row", NULL, 0), 0);
	assert_int_equal(rprune_run(f->db, &f->o, &st), -1);
	assert_non_null(strstr(rdb_error(f->db), "imp_row"));
	assert_int_equal(rprune_total(&st), 0);
	assert_int_equal(count(f, "agg_row"), 16);
	assert_int_equal(count(f, "report"), 9);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_days, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recent_and_off, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_suppress_and_imports,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_or_nothing, setup,
		    teardown),
	};

	if (argc > 1)
		base_url = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
