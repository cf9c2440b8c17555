/*
 * rsend.c - one run of report sending over the store (see rsend.h): the
 * lock, building what is due, delivering what is built or deferred,
 * pruning what is kept no longer.
 *
 * The ids to deliver are read first and delivered after, so no statement
 * is open on the connection while a delivery writes.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rload.h"
#include "rsend.h"
#include "rstate.h"
#include "str.h"

#define DAY_SECONDS 86400

struct ids {
	char **id;
	size_t n, cap;
	const char *domain;
};

/* rsend_last_day - see rsend.h */
int64_t
rsend_last_day(int64_t now, long delay)
{
	return (now - delay) / DAY_SECONDS - 1;
}

/* count - one outcome into the statistics */
static void
count(struct rsend_stats *st, const char *state)
{
	if (strcmp(state, "sent") == 0)
		st->sent++;
	else if (strcmp(state, "deferred") == 0)
		st->deferred++;
	else if (strcmp(state, "failed") == 0)
		st->failed++;
	else if (strcmp(state, "suppressed") == 0)
		st->suppressed++;
	else if (strcmp(state, "skipped") == 0)
		st->skipped++;
}

/* say - one line of output */
static void
say(const struct rsend_opts *o, const char *id, const char *state,
    const char *text)
{
	if (o->out != NULL)
		fprintf(o->out, "%s %s%s%s\n", id, state, text[0] ? " " : "",
		    text);
}

/* dry_part - a dry run: what the built part would get */
static void
dry_part(struct rdb *db, struct orgdom_ctx *oc, const struct rsend_opts *o,
    struct rcap *cap, int64_t day, const char *domain,
    const struct rpart_set *s, unsigned i, struct rsend_stats *st)
{
	struct rstate r = { .report_id = s->p[i].report_id,
		.day = day,
		.domain = (char *)domain,
		.part = i + 1,
		.nparts = s->n,
		.filename = s->p[i].filename,
		.body = (unsigned char *)s->p[i].gz.s,
		.bodylen = s->p[i].gz.len,
		.created = o->dlv.now };
	struct rdeliver_result res;
	char err[256];

	if (o->part.skip_no_pass && s->no_pass) {
		say(o, r.report_id, "skipped",
		    "no aligned pass "
		    "(reports.skip_no_pass)");
		st->skipped++;
		return;
	}
	if (rdeliver(db, oc, &o->dlv, cap, &r, &res, err, sizeof(err)) < 0) {
		say(o, r.report_id, "error", err);
		st->errors++;
		return;
	}
	say(o, r.report_id, res.state, res.note);
	count(st, res.state);
}

/* build_due - step 2 (or its dry run) */
static int
build_due(struct rdb *db, struct orgdom_ctx *oc, const struct rsend_opts *o,
    struct rcap *cap, struct rsend_stats *st)
{
	struct rload_day *due;
	struct rpart_set s;
	size_t n, i;
	unsigned k;
	char err[512];
	int rc;

	if (rload_due(db, rsend_last_day(o->dlv.now, o->send_delay), o->domain,
		&due, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		rc = o->dlv.dry_run ? rpart_make(db, &o->part, due[i].day,
					  due[i].domain, &s, err, sizeof(err)) :
				      rpart_store(db, &o->part, due[i].day,
					  due[i].domain, &s, err, sizeof(err));
		if (rc < 0) {
			say(o, due[i].domain, "error", err);
			st->errors++;
			continue;
		}
		st->built += s.n;
		if (s.bad_keys > 0) {
			snprintf(err, sizeof(err),
			    "%zu stored rows of %s could "
			    "not be read and are left out of its report",
			    s.bad_keys, due[i].domain);
			say(o, due[i].domain, "warning", err);
		}
		for (k = 0; o->dlv.dry_run && k < s.n; k++)
			dry_part(db, oc, o, cap, due[i].day, due[i].domain, &s,
			    k, st);
		rpart_set_free(&s);
	}
	rload_due_free(due, n);
	return 0;
}

/* collect - rdb callback: ids of rows to deliver */
static int
collect(const struct rstate *r, void *arg)
{
	struct ids *v = arg;

	if (v->domain != NULL && strcmp(v->domain, r->domain) != 0)
		return 0;
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->id = xrealloc(v->id, v->cap * sizeof(*v->id));
	}
	v->id[v->n++] = xstrdup(r->report_id);
	return 0;
}

/* deliver_id - load one part and deliver it */
static int
deliver_id(struct rdb *db, struct orgdom_ctx *oc, const struct rsend_opts *o,
    const struct rdeliver_opts *dlv, struct rcap *cap, const char *id,
    struct rsend_stats *st)
{
	struct rdeliver_result res;
	struct rstate r;
	char err[512];
	int rc = rstate_get(db, id, 1, &r);

	if (rc <= 0) {
		say(o, id, "error", rc < 0 ? rdb_error(db) : "no such report");
		st->errors++;
		return rc < 0 ? -1 : 0;
	}
	rc = rdeliver(db, oc, dlv, cap, &r, &res, err, sizeof(err));
	if (rc < 0) {
		say(o, id, "error", err);
		st->errors++;
	} else {
		say(o, id, res.state, res.note);
		count(st, res.state);
	}
	rstate_free(&r);
	return 0;
}

/* deliver_pending - step 3 */
static int
deliver_pending(struct rdb *db, struct orgdom_ctx *oc,
    const struct rsend_opts *o, struct rcap *cap, struct rsend_stats *st)
{
	struct ids v = { NULL, 0, 0, o->domain };
	size_t i;
	int rc = 0;

	if (rstate_each(db, "built", collect, &v) < 0 ||
	    rstate_each(db, "deferred", collect, &v) < 0)
		rc = -1;
	for (i = 0; i < v.n; i++) {
		if (rc == 0 &&
		    deliver_id(db, oc, o, &o->dlv, cap, v.id[i], st) < 0)
			rc = -1;
		free(v.id[i]);
	}
	free(v.id);
	return rc;
}

/* prune - step 4 */
static int
prune(struct rdb *db, const struct rsend_opts *o, struct rsend_stats *st)
{
	struct rprune_opts po = { .now = o->dlv.now,
		.send_delay = o->send_delay,
		.keep_days = o->keep_days,
		.keep_imported_days = o->keep_imported_days };

	if (o->dlv.dry_run)
		return 0;
	return rprune_run(db, &po, &st->pruned);
}

/* take_lock - 1 taken (or dry run), 0 held elsewhere, -1 error */
static int
take_lock(struct rdb *db, const struct rsend_opts *o)
{
	return o->dlv.dry_run ? 1 : rdb_try_lock(db, RSEND_LOCK);
}

/* rsend_run - see rsend.h */
int
rsend_run(struct rdb *db, struct orgdom_ctx *oc, const struct rsend_opts *o,
    struct rsend_stats *st, char *err, size_t errlen)
{
	struct rcap cap;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = take_lock(db, o)) <= 0) {
		if (rc < 0)
			str_seterr(err, errlen, "lock: %s", rdb_error(db));
		return rc;
	}
	rc = rcap_load(&cap, db, o->dlv.now);
	if (rc == 0)
		rc = build_due(db, oc, o, &cap, st);
	if (rc == 0)
		rc = deliver_pending(db, oc, o, &cap, st);
	if (rc == 0)
		rc = prune(db, o, st);
	if (rc < 0)
		str_seterr(err, errlen, "%s", rdb_error(db));
	rcap_free(&cap);
	if (!o->dlv.dry_run)
		rdb_unlock(db, RSEND_LOCK);
	return rc < 0 ? -1 : 1;
}

/* rsend_resend - see rsend.h */
int
rsend_resend(struct rdb *db, struct orgdom_ctx *oc, const struct rsend_opts *o,
    const char *id, struct rsend_stats *st, char *err, size_t errlen)
{
	struct rdeliver_opts dlv = o->dlv;
	struct rcap cap;
	int rc;

	memset(st, 0, sizeof(*st));
	memset(&cap, 0, sizeof(cap));
	dlv.force = 1;
	if ((rc = take_lock(db, o)) <= 0) {
		if (rc < 0)
			str_seterr(err, errlen, "lock: %s", rdb_error(db));
		return rc;
	}
	rc = deliver_id(db, oc, o, &dlv, &cap, id, st);
	if (rc == 0 && st->errors > 0)
		rc = str_seterr(err, errlen, "report %s was not resent", id);
	else if (rc < 0)
		str_seterr(err, errlen, "%s", rdb_error(db));
	rcap_free(&cap);
	if (!o->dlv.dry_run)
		rdb_unlock(db, RSEND_LOCK);
	return rc < 0 ? -1 : 1;
}
