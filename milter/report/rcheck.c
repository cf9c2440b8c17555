/*
 * rcheck.c - hallmarkd -n with reports.enable: the store is opened as the
 * running daemon will open it (rcheck.h).
 *
 * The check runs in a child process that drops to the configuration's
 * user first (priv_drop: when started as root), so a store the daemon
 * could not open or create (a directory the user cannot write, a
 * PostgreSQL role without rights) fails here, and a new SQLite file gets
 * the user as its owner, never root.  Opening creates or upgrades the
 * schema, as the daemon's first flush would; a store with a newer schema
 * fails.  The outcome is one line: on stdout
 * "reports.store STORE: OK (BACKEND, schema version N)", or on stderr
 * "reports.store STORE: REASON"; a password in STORE is masked.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf_table.h"
#include "log.h"
#include "privs.h"
#include "rcheck.h"
#include "rdb.h"
#include "str.h"

/* open_store - in the child: drop privileges, open; the exit status */
static int
open_store(const struct conf *c, const char *shown)
{
	char err[512];
	struct rdb *db;
	int64_t v = 0;

	log_set_level(LOG_LVL_WARN); /* not "running as user ..." */
	if (priv_drop(c) < 0)
		return 1;
	db = rdb_open(c->reports.store, err, sizeof(err));
	if (db == NULL) {
		fprintf(stderr, "reports.store %s: %s\n", shown, err);
		return 1;
	}
	if (rdb_schema_version(db, &v) < 0) {
		fprintf(stderr, "reports.store %s: %s\n", shown, rdb_error(db));
		rdb_close(db);
		return 1;
	}
	printf("reports.store %s: OK (%s, schema version %lld)\n", shown,
	    rdb_backend(db) == RDB_POSTGRES ? "postgresql" : "sqlite",
	    (long long)v);
	rdb_close(db);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
rcheck_store(const struct conf *c)
{
	char *shown;
	pid_t pid;
	int st = 0;

	if (!c->reports.enable || c->reports.store == NULL)
		return 0;
	shown = rdb_url_display(c->reports.store);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		_exit(open_store(c, shown));
	if (pid < 0)
		fprintf(stderr, "reports.store %s: cannot check: fork: %s\n",
		    shown, strerror_r(errno, (char[128]){ 0 }, 128));
	free(shown);
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}
