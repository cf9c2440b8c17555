/*
 * test_rimp_db.c - report/rimp_db.c on a real SQLite store (or, with a
 * "pg:" URL as argument, on PostgreSQL): a report stored once, the same
 * report again a duplicate that adds nothing, equal records of a report
 * added into one row, a store failure in the middle of a report leaving
 * nothing behind, and the rows read back through rimp_rows by domain and
 * date with their reporter.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rimp.h"
#include "rimp_db.h"
#include "str.h"

#define NOW 1796100000

static char tmpdir[] = "/tmp/hm-rimp-db.XXXXXX";
static const char *pg_url; /* NULL: SQLite in tmpdir */

#define DOC(id, rec) \
	"<feedback><report_metadata><org_name>Org</org_name>" \
	"<email>dmarc@Rep.Example</email><report_id>" id "</report_id>" \
	"<date_range><begin>1795996800</begin><end>1796083199</end>" \
	"</date_range></report_metadata><policy_published><domain>" \
	"univ.example</domain><p>reject</p></policy_published>" rec \
	"</feedback>"
#define REC(ip, n) \
	"<record><row><source_ip>" ip "</source_ip><count>" n \
	"</count><policy_evaluated><disposition>none</disposition><dkim>" \
	"pass</dkim><spf>fail</spf></policy_evaluated></row><identifiers>" \
	"<header_from>univ.example</header_from></identifiers>" \
	"<auth_results><dkim><domain>univ.example</domain><selector>s1" \
	"</selector><result>pass</result></dkim></auth_results></record>"

static struct rdb *
open_store(void)
{
	char url[600], err[256];
	struct rdb *db;

	if (pg_url != NULL)
		snprintf(url, sizeof(url), "%s", pg_url);
	else
		snprintf(url, sizeof(url), "sqlite:%s/r.db", tmpdir);
	db = rdb_open(url, err, sizeof(err));
	if (db == NULL)
		fail_msg("%s: %s", url, err);
	return db;
}

static int
store_doc(struct rdb *db, const char *doc)
{
	struct rimp_report r;
	char err[256];
	int rc;

	assert_int_equal(rimp_xml_parse(doc, strlen(doc), NOW, &r, err,
			     sizeof(err)),
	    0);
	rc = rimp_store(db, &r, NOW, err, sizeof(err));
	rimp_report_free(&r);
	return rc;
}

static int
got_int(const struct rdb_val *col, size_t ncol, void *arg)
{
	*(int64_t *)arg = ncol > 0 && col[0].type == RDB_INT ? col[0].i : -1;
	return 0;
}

static int64_t
one_int(struct rdb *db, const char *sql)
{
	int64_t v = -1;

	assert_int_equal(rdb_query(db, sql, NULL, 0, got_int, &v), 0);
	return v;
}

/* what rimp_rows handed over */
struct got {
	int n;
	uint64_t messages;
	char reporter[64];
};

static int
on_row(const struct rimp_seen *s, void *arg)
{
	struct got *g = arg;

	g->n++;
	g->messages += s->row->count;
	snprintf(g->reporter, sizeof(g->reporter), "%s", s->reporter);
	assert_string_equal(s->domain, "univ.example");
	assert_int_equal(s->end, 1796083199);
	assert_string_equal(s->row->dkim[0].selector, "s1");
	return 0;
}

static void
test_store_once(void **state)
{
	struct rdb *db = open_store();
	struct got g = { 0 };
	char err[256];

	(void)state;
	rdb_exec(db, "DELETE FROM imp_row", NULL, 0);
	rdb_exec(db, "DELETE FROM imp_report", NULL, 0);
	assert_int_equal(store_doc(db,
			     DOC("a1",
				 REC("192.0.2.1", "5") REC("192.0.2.2", "7")
				     REC("192.0.2.1", "3"))),
	    RIMP_STORED);
	assert_int_equal(store_doc(db, DOC("a1", REC("192.0.2.9", "1"))),
	    RIMP_DUPLICATE);
	assert_int_equal(one_int(db, "SELECT count(*) FROM imp_report"), 1);
	/* the two equal records are one row of 8 */
	assert_int_equal(one_int(db, "SELECT count(*) FROM imp_row"), 2);
	assert_int_equal(one_int(db, "SELECT max(count) FROM imp_row"), 8);
	assert_int_equal(rimp_rows(db, "univ.example", 1796000000, on_row, &g,
			     err, sizeof(err)),
	    0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.messages, 15);
	assert_string_equal(g.reporter, "rep.example");
	memset(&g, 0, sizeof(g));
	assert_int_equal(rimp_rows(db, "univ.example", 1796083200, on_row, &g,
			     err, sizeof(err)),
	    0);
	assert_int_equal(g.n, 0);
	assert_int_equal(rimp_rows(db, "other.example", 0, on_row, &g, err,
			     sizeof(err)),
	    0);
	assert_int_equal(g.n, 0);
	assert_int_equal(rimp_rows(db, NULL, 0, on_row, &g, err, sizeof(err)),
	    0);
	assert_int_equal(g.n, 2);
	rdb_close(db);
}

static void
test_nothing_half_stored(void **state)
{
	struct rdb *db = open_store();
	struct rimp_report r;
	static const char doc[] = DOC("b1", REC("192.0.2.1", "1"));
	char err[256];

	(void)state;
	assert_int_equal(rimp_xml_parse(doc, strlen(doc), NOW, &r, err,
			     sizeof(err)),
	    0);
	/* the rows cannot be written: the report row must go too */
	assert_int_equal(rdb_exec(db, "ALTER TABLE imp_row RENAME TO imp_row_x",
			     NULL, 0),
	    0);
	assert_int_equal(rimp_store(db, &r, NOW, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "imp_row"));
	assert_int_equal(rdb_exec(db, "ALTER TABLE imp_row_x RENAME TO imp_row",
			     NULL, 0),
	    0);
	assert_int_equal(one_int(db,
			     "SELECT count(*) FROM imp_report "
			     "WHERE report_id = 'b1'"),
	    0);
	assert_int_equal(rimp_store(db, &r, NOW, err, sizeof(err)),
	    RIMP_STORED);
	rimp_report_free(&r);
	rdb_close(db);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_once),
		cmocka_unit_test(test_nothing_half_stored),
	};
	char cmd[600];
	int rc;

	pg_url = argc > 1 ? argv[1] : NULL;
	if (pg_url == NULL && mkdtemp(tmpdir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (pg_url == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		rc |= system(cmd) != 0;
	}
	return rc;
}
