/*
 * rflush.c - the flusher thread (rflush.h).
 *
 * SYNOPSIS
 *	rflush_start(), rflush_kick(), rflush_stop(), rflush_write()
 *
 * DESCRIPTION
 *	The thread sleeps reports.flush_interval seconds (read from the
 *	current configuration each time, so a reload applies), or until
 *	rflush_kick or rflush_stop wakes it.  A flush takes the whole
 *	aggregation out (ragg_take: the milter threads go on adding to a
 *	fresh table at once) and writes it in one transaction:
 *
 *	  INSERT INTO agg_row ... VALUES (...), ... (100 rows a statement)
 *	      ON CONFLICT (day, domain, rowkey)
 *	      DO UPDATE SET count = agg_row.count + excluded.count
 *	  INSERT INTO agg_policy ... ON CONFLICT (day, domain)
 *	      DO UPDATE SET ... WHERE excluded.seen >= agg_policy.seen
 *
 *	so several hallmarkd writing to one PostgreSQL store add up, and the
 *	policy kept for a day is the one seen last by any of them.
 *
 *	Errors: a store that cannot be opened or written is logged (what
 *	failed, how many rows wait), the transaction is rolled back, the
 *	connection closed (opened again next time) and the batch given back
 *	to the aggregation (ragg_give_back: bounded by max_rows, the excess
 *	counted as dropped), so it is tried again at the next interval.
 *	The store is opened in this thread, as the run-as user: at start
 *	when reports are enabled (an error is logged at once), else at the
 *	first flush with rows; a changed reports.store (reload) opens the
 *	new one.
 *
 *	Shutdown: rflush_stop wakes the thread for a last flush and waits
 *	for it within a bound.  A crash loses at most one interval.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf_table.h"
#include "log.h"
#include "metrics.h"
#include "rflush.h"
#include "str.h"

/* rows go in multi-row upserts of up to ROWS_PER_STMT rows: one round
 * trip to PostgreSQL per hundred rows, not per row (a batch's keys are
 * distinct, so no statement touches a row twice) */
#define ROWS_PER_STMT 100
#define ROW_COLS 4

static const char sql_row_head[] =
    "INSERT INTO agg_row (day, domain, rowkey, count) VALUES ";
static const char sql_row_tail[] =
    " ON CONFLICT (day, domain, rowkey) DO UPDATE SET "
    "count = agg_row.count + excluded.count";

static const char sql_policy[] =
    "INSERT INTO agg_policy (day, domain, record_domain, p, sp, np, adkim, "
    "aspf, fo, testing, discovery, rua, seen) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (day, domain) DO UPDATE SET "
    "record_domain = excluded.record_domain, p = excluded.p, "
    "sp = excluded.sp, np = excluded.np, adkim = excluded.adkim, "
    "aspf = excluded.aspf, fo = excluded.fo, testing = excluded.testing, "
    "discovery = excluded.discovery, rua = excluded.rua, "
    "seen = excluded.seen WHERE excluded.seen >= agg_policy.seen";

/* ---- one transaction ---------------------------------------------- */

struct rowbatch {
	struct rdb *db;
	size_t n; /* rows in v */
	struct rdb_val v[ROWS_PER_STMT * ROW_COLS];
};

/* rows_send - the rows gathered in rb as one additive upsert */
static int
rows_send(struct rowbatch *rb)
{
	struct str sql;
	size_t i;
	int rc;

	if (rb->n == 0)
		return 0;
	str_init(&sql);
	str_add(&sql, sql_row_head);
	for (i = 0; i < rb->n; i++)
		str_add(&sql, i > 0 ? ", (?, ?, ?, ?)" : "(?, ?, ?, ?)");
	str_add(&sql, sql_row_tail);
	rc = rdb_exec(rb->db, sql.s, rb->v, rb->n * ROW_COLS);
	str_free(&sql);
	rb->n = 0;
	return rc < 0 ? -1 : 0;
}

/* write_row - ragg_each_row callback: gather, send a full statement (the
 * values point into the batch, which outlives the statement) */
static int
write_row(int64_t day, const char *domain, const char *key, size_t keylen,
    uint64_t count, void *arg)
{
	struct rowbatch *rb = arg;
	struct rdb_val *v = rb->v + rb->n * ROW_COLS;

	(void)keylen;
	v[0] = RDB_I(day);
	v[1] = RDB_S(domain);
	v[2] = RDB_S(key);
	v[3] = RDB_I((int64_t)count);
	return ++rb->n == ROWS_PER_STMT ? rows_send(rb) : 0;
}

/* write_rows - every row of batch */
static int
write_rows(struct rdb *db, const struct ragg *batch)
{
	struct rowbatch *rb = xcalloc(1, sizeof(*rb));
	int rc;

	rb->db = db;
	rc = ragg_each_row(batch, write_row, rb);
	if (rc == 0)
		rc = rows_send(rb);
	free(rb);
	return rc;
}

/* write_policy - ragg_each_policy callback: the day's policy */
static int
write_policy(int64_t day, const char *domain, const struct rpolicy *p,
    int64_t seen, void *arg)
{
	char adkim[2] = { p->adkim, '\0' }, aspf[2] = { p->aspf, '\0' };
	struct rdb_val v[13];

	v[0] = RDB_I(day);
	v[1] = RDB_S(domain);
	v[2] = RDB_S(p->domain);
	v[3] = RDB_S(rr_pol_name(p->p));
	v[4] = RDB_S(rr_pol_name(p->sp));
	v[5] = RDB_S(rr_pol_name(p->np));
	v[6] = RDB_S(adkim);
	v[7] = RDB_S(aspf);
	v[8] = RDB_S(p->fo);
	v[9] = RDB_I(p->testing ? 1 : 0);
	v[10] = RDB_S(rr_discovery_name(p->discovery));
	v[11] = RDB_S(p->rua);
	v[12] = RDB_I(seen);
	return rdb_exec(arg, sql_policy, v, 13) < 0 ? -1 : 0;
}

/* rflush_write - see rflush.h */
int
rflush_write(struct rdb *db, const struct ragg *batch, char *err, size_t errlen)
{
	const char *what = "begin";

	if (rdb_begin(db) < 0)
		goto fail;
	what = "agg_row";
	if (write_rows(db, batch) != 0)
		goto fail;
	what = "agg_policy";
	if (ragg_each_policy(batch, write_policy, db) != 0)
		goto fail;
	what = "commit";
	if (rdb_commit(db) < 0)
		goto fail;
	return 0;
fail:
	str_seterr(err, errlen, "%s: %s", what, rdb_error(db));
	(void)rdb_rollback(db);
	return -1;
}

/* ---- the store connection (flusher thread only) ------------------- */

static struct rdb *db;
static char *db_url;

/* store_name - the store for the log: a PostgreSQL URL may hold a
 * password, so only its kind is named */
static const char *
store_name(const char *url)
{
	if (str_ncasecmp(url, "postgres", 8) == 0 ||
	    str_ncasecmp(url, "pg:", 3) == 0)
		return "the PostgreSQL store";
	return url;
}

/* db_close - drop the connection (opened again when needed) */
static void
db_close(void)
{
	rdb_close(db);
	db = NULL;
	free(db_url);
	db_url = NULL;
}

/* db_for - a connection to url: the one open, or a new one */
static struct rdb *
db_for(const char *url, char *err, size_t errlen)
{
	if (db != NULL && strcmp(db_url, url) == 0)
		return db;
	db_close();
	db = rdb_open(url, err, errlen);
	if (db != NULL) {
		db_url = xstrdup(url);
		log_info("reports: store %s open", store_name(url));
	}
	return db;
}

/* ---- one flush ---------------------------------------------------- */

/* flush_failed - log, count, keep the batch for the next time */
static void
flush_failed(const struct conf_reports *rc, struct ragg *b, const char *why)
{
	log_err("reports: cannot write %zu row(s) (%llu message(s)) to %s: "
		"%s; kept in memory, next try in %ld s",
	    ragg_rows(b), (unsigned long long)ragg_messages(b),
	    store_name(rc->store), why, rc->flush_interval);
	(void)metrics_inc(M_REPORT_FLUSH, "error", NULL);
	db_close();
	ragg_give_back(b, (size_t)rc->max_rows);
}

/* flush_once - take the aggregation out and write it */
static void
flush_once(void)
{
	struct conf *c = conf_current();
	struct ragg *b = ragg_take();
	char err[512];
	struct rdb *d;

	if (c == NULL || ragg_rows(b) == 0) {
		ragg_free(b);
		if (c != NULL)
			conf_release(c);
		return;
	}
	d = db_for(c->reports.store, err, sizeof(err));
	if (d == NULL || rflush_write(d, b, err, sizeof(err)) < 0) {
		flush_failed(&c->reports, b, err);
	} else {
		log_debug("reports: %zu row(s), %llu message(s) written",
		    ragg_rows(b), (unsigned long long)ragg_messages(b));
		(void)metrics_inc(M_REPORT_FLUSH, "ok", NULL);
		ragg_free(b);
	}
	conf_release(c);
}

/* ---- the thread --------------------------------------------------- */

static pthread_mutex_t lk = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake; /* CLOCK_MONOTONIC */
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static int kicked, stopping, done, running;
static pthread_t tid;

/* interval - flush_interval of the current configuration */
static long
interval(void)
{
	struct conf *c = conf_current();
	long s = c != NULL ? c->reports.flush_interval : 60;

	if (c != NULL)
		conf_release(c);
	return s > 0 ? s : 60;
}

/* deadline - now + s on the monotonic clock */
static struct timespec
deadline(long s)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += s;
	return ts;
}

/* wait_turn - sleep until the interval ends, a kick or a stop (lk
 * held); returns stopping */
static int
wait_turn(void)
{
	struct timespec until = deadline(interval());

	while (!kicked && !stopping)
		if (pthread_cond_timedwait(&wake, &lk, &until) == ETIMEDOUT)
			break;
	kicked = 0;
	return stopping;
}

/* left_over - after the last flush: rows that could not be written */
static void
left_over(void)
{
	struct ragg *b = ragg_take();

	if (ragg_rows(b) > 0)
		log_warn("reports: %zu row(s) (%llu message(s)) could not be "
			 "written before stopping: lost",
		    ragg_rows(b), (unsigned long long)ragg_messages(b));
	ragg_free(b);
}

/* first_open - at start, with reports enabled: open the store now, so
 * that one that cannot be opened is said at once, not at the first
 * flush */
static void
first_open(void)
{
	struct conf *c = conf_current();
	char err[512];

	if (c == NULL)
		return;
	if (c->reports.enable) {
		log_notice("reports: collecting DMARC aggregate report data, "
			   "written to %s every %ld s (at most %ld rows held)",
		    store_name(c->reports.store), c->reports.flush_interval,
		    c->reports.max_rows);
		if (db_for(c->reports.store, err, sizeof(err)) == NULL)
			log_err("reports: cannot open %s: %s; the rows are "
				"kept in memory and the store is tried again "
				"at each flush",
			    store_name(c->reports.store), err);
	}
	conf_release(c);
}

/* flusher - the thread's body */
static void *
flusher(void *arg)
{
	int last;

	(void)arg;
	first_open();
	pthread_mutex_lock(&lk);
	do {
		last = wait_turn();
		pthread_mutex_unlock(&lk);
		flush_once();
		pthread_mutex_lock(&lk);
	} while (!last);
	left_over();
	done = 1;
	pthread_cond_broadcast(&done_cv);
	pthread_mutex_unlock(&lk);
	db_close();
	return NULL;
}

/* rflush_start - see rflush.h */
int
rflush_start(void)
{
	pthread_condattr_t ca;

	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&wake, &ca) != 0)
		return -1;
	pthread_condattr_destroy(&ca);
	kicked = stopping = done = 0;
	if (pthread_create(&tid, NULL, flusher, NULL) != 0)
		return -1;
	running = 1;
	return 0;
}

/* rflush_kick - see rflush.h */
void
rflush_kick(void)
{
	pthread_mutex_lock(&lk);
	kicked = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lk);
}

/* rflush_stop - see rflush.h */
void
rflush_stop(unsigned wait_s)
{
	struct timespec until;
	int finished;

	if (!running)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_s;
	pthread_mutex_lock(&lk);
	stopping = 1;
	pthread_cond_signal(&wake);
	while (!done)
		if (pthread_cond_timedwait(&done_cv, &lk, &until) == ETIMEDOUT)
			break;
	finished = done;
	pthread_mutex_unlock(&lk);
	running = 0;
	if (finished) {
		pthread_join(tid, NULL);
		return;
	}
	log_warn("reports: the last write to the store did not end within "
		 "%u s; the rows collected since the last write are lost",
	    wait_s);
	pthread_detach(tid);
}
