/*
 * test_rdb_sql.c - the parts of report/rdb.c that need no database:
 * connection strings (refused forms, a server that is not there), their
 * display with passwords masked, the SQLite file of a url, the "?" to $n
 * and BYTES rewriting outside strings and comments, the lock key.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rdb.h"
#include "rdb_int.h"
#include "str.h"

static void
test_urls(void **state)
{
	char err[512];

	(void)state;
	assert_null(rdb_open("mysql://localhost/x", err, sizeof(err)));
	assert_string_equal(err,
	    "unknown store type \"mysql:\" (use "
	    "sqlite:PATH, postgresql://... or pg:CONNINFO)");
	assert_null(rdb_open("", err, sizeof(err)));
	assert_non_null(strstr(err, "no store given"));
	assert_null(rdb_open(NULL, err, sizeof(err)));
	assert_null(rdb_open("sqlite:", err, sizeof(err)));
	assert_string_equal(err, "sqlite:: no file name");
	/* no server there: libpq's reason, with the socket it tried */
	assert_null(rdb_open("pg:host=/nonexistent port=5999 dbname=x", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "postgresql: cannot connect: "));
	assert_non_null(strstr(err, "/nonexistent/.s.PGSQL.5999"));
	assert_null(strchr(err, '\n'));
	assert_null(rdb_open("postgresql://u:secret@127.0.0.1:1/x", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "postgresql: cannot connect: "));
	assert_null(strstr(err, "secret"));
}

static void
display(const char *u, const char *want)
{
	char *got = rdb_url_display(u);

	assert_string_equal(got, want);
	free(got);
}

static void
test_url_display(void **state)
{
	(void)state;
	display("sqlite:/var/lib/hallmark/reports.db",
	    "sqlite:/var/lib/hallmark/reports.db");
	display("postgresql://hm:s3cret@db.example.org:5433/reports",
	    "postgresql://hm:***@db.example.org:5433/reports");
	display("postgres://hm@db/x?password=s3cret&sslmode=require",
	    "postgres://hm@db/x?password=***&sslmode=require");
	display("pg:host=db password = 's3 \\'cret' dbname=x",
	    "pg:host=db password=*** dbname=x");
	display("pg:password=s3cret", "pg:password=***");
	display("pg:host=/run/x passwordless=1",
	    "pg:host=/run/x passwordless=1");
	assert_string_equal(rdb_url_path("sqlite:/a/b.db"), "/a/b.db");
	assert_string_equal(rdb_url_path("SQLite:///a/b.db"), "/a/b.db");
	assert_string_equal(rdb_url_path("rel/b.db"), "rel/b.db");
	assert_null(rdb_url_path("pg:dbname=x"));
	assert_null(rdb_url_path("PostgreSQL://db/x"));
	assert_null(rdb_url_path("mysql://db/x"));
}

static void
numbered(const char *in, const char *want, size_t wantn)
{
	struct str s;
	size_t n;

	str_init(&s);
	rdb_sql_numbered(in, &s, &n);
	assert_string_equal(s.s, want);
	assert_int_equal(n, wantn);
	str_free(&s);
}

static void
test_rewrite(void **state)
{
	struct str s;

	(void)state;
	numbered("SELECT ?, ?", "SELECT $1, $2", 2);
	numbered("SELECT '?''?', \"a?\", ? -- ?\n, ? /* ? */ ?",
	    "SELECT '?''?', \"a?\", $1 -- ?\n, $2 /* ? */ $3", 3);
	numbered("SELECT 'unterminated ?", "SELECT 'unterminated ?", 0);
	numbered("", "", 0);
	str_init(&s);
	rdb_sql_ddl("CREATE TABLE t (BYTES BYTES, xBYTES BYTES_x, "
		    "c TEXT DEFAULT 'BYTES')",
	    "BYTEA", &s);
	assert_string_equal(s.s,
	    "CREATE TABLE t (BYTEA BYTEA, xBYTES "
	    "BYTES_x, c TEXT DEFAULT 'BYTES')");
	str_free(&s);
	/* the key of a name never changes (hosts of different versions
	 * share locks): FNV-1a 64 of "hallmark:flush" */
	assert_true(rdb_lock_key("flush") == (int64_t)0xd95eb65654d1b877ULL);
	assert_true(rdb_lock_key("flush") != rdb_lock_key("send"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_url_display),
		cmocka_unit_test(test_rewrite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
