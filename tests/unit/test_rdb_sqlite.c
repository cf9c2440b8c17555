/*
 * test_rdb_sqlite.c - what only the SQLite store does (rdb_sqlite.c): a
 * new file is made with mode 0640 whatever the umask, owned by the
 * process's user, from a plain path or sqlite://; a directory that does
 * not exist is named in the error; WAL mode; a writer waits for another
 * (the busy timeout) instead of failing at once.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "rdb.h"
#include "rdb_fixture.h"

static void
test_sqlite_file(void **state)
{
	char path[600], err[512];
	struct stat st;
	struct rdb *db;
	mode_t old;

	/* 0640 whatever the umask, WAL */
	snprintf(path, sizeof(path), "%s/mode.db", tmpdir);
	old = umask(077);
	db = rdb_open(path, err, sizeof(err)); /* a plain path */
	umask(old);
	assert_non_null(db);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_uid, geteuid());
	rdb_close(db);
	snprintf(path, sizeof(path), "sqlite://%s/mode.db", tmpdir);
	db = rdb_open(path, err, sizeof(err));
	assert_non_null(db);
	rdb_close(db);
	/* a directory that does not exist: the path and the reason */
	assert_null(rdb_open("sqlite:/nonexistent/dir/r.db", err, sizeof(err)));
	assert_string_equal(err,
	    "sqlite: cannot create /nonexistent/dir/r.db: "
	    "No such file or directory");
}

static int
get_text(const struct rdb_val *col, size_t ncol, void *arg)
{
	assert_int_equal(col[0].type, RDB_TEXT);
	snprintf(arg, 16, "%s", col[0].s);
	return 0;
}

static void
test_sqlite_wal(void **state)
{
	struct rdb *db = *state;
	char mode[16] = "";

	assert_int_equal(rdb_query(db, "PRAGMA journal_mode", NULL, 0, get_text,
			     mode),
	    0);
	assert_string_equal(mode, "wal");
}

/* test_sqlite_busy - a writer waits for another (busy timeout) instead
 * of failing at once.  The child says when it holds the write lock and
 * keeps it 0.3 s after the parent's clock starts (pipes, not sleeps: on
 * a loaded machine the child may take its time to lock) */
static void
test_sqlite_busy(void **state)
{
	struct rdb *db = *state, *d2;
	struct timespec t0, t1;
	int up[2], down[2];
	char b = 0;
	pid_t pid;
	double dt;

	d2 = open_ok();
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[512];
		struct rdb *c = rdb_open(url, err, sizeof(err));

		if (c == NULL || rdb_begin(c) < 0 ||
		    write(up[1], "L", 1) != 1 || read(down[0], &b, 1) != 1)
			_exit(1);
		usleep(300 * 1000); /* holds the write lock */
		_exit(rdb_commit(c) < 0 ? 1 : 0);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &b, 1) != 1) /* the child holds the lock */
		fail_msg("the child did not lock: status %d",
		    child_status(pid));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(write(down[1], "G", 1), 1);
	assert_int_equal(rdb_begin(d2), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(dt > 0.2 && dt < 4.0);
	assert_int_equal(rdb_commit(d2), 0);
	rdb_close(d2);
	close(up[0]);
	close(down[1]);
	assert_int_equal(child_status(pid), 0);
	(void)db;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite_file),
		cmocka_unit_test_setup_teardown(test_sqlite_wal, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sqlite_busy, setup,
		    teardown),
	};

	if (fixture_init(1, NULL) < 0)
		return 1;
	return fixture_done(cmocka_run_group_tests(tests, NULL, NULL));
}
