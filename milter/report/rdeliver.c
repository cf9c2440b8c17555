/*
 * rdeliver.c - one stored report part to its destinations, and its new
 * state (see rdeliver.h).
 *
 * Order of the checks for each authorised destination: already has it
 * (skipped unless forced), suppressed (static list, then table
 * suppress), daily cap, size limit of the URI, then the submission.  A
 * crash after sendmail accepted the mail and before the state is written
 * leaves the row as it was: the next run sends the same bytes with the
 * same Report-ID again (a duplicate the report's receiver can detect),
 * never a different report.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rdeliver.h"
#include "rdest.h"
#include "rload.h"
#include "rmail.h"
#include "rsubmit.h"
#include "rsupp.h"
#include "str.h"

#define DAY_SECONDS 86400

struct run {
	struct rdb *db;
	const struct rdeliver_opts *o;
	struct rcap *cap;
	const struct rstate *r;
	struct rdeliver_result *res;
	const char *policy_domain; /* where the record was found */
	struct str rcpts;
	unsigned sent, deferred, failed, suppressed, oversize, capped;
};

/* note - append "text; " to the result's note (bounded, one line) */
static void __attribute__((format(printf, 2, 3)))
note(struct run *u, const char *fmt, ...)
{
	size_t len = strlen(u->res->note);
	va_list ap;

	if (len + 8 >= sizeof(u->res->note))
		return;
	if (len > 0)
		len += (size_t)snprintf(u->res->note + len,
		    sizeof(u->res->note) - len, "; ");
	va_start(ap, fmt);
	vsnprintf(u->res->note + len, sizeof(u->res->note) - len, fmt, ap);
	va_end(ap);
}

/* sender_for - the envelope sender of the mail to rcpt */
static void
sender_for(const struct rdeliver_opts *o, const char *rcpt, char *out,
    size_t outlen)
{
	if (!o->verp || rsupp_verp_encode(o->bounce, rcpt, out, outlen) < 0)
		snprintf(out, outlen, "%s", o->bounce);
}

/* compose - the mail of the part to rcpt into *m; 0 or -1 */
static int
compose(struct run *u, const char *rcpt, struct str *m)
{
	static unsigned seq;
	const char *to[1] = { rcpt };
	const char *at = strrchr(u->o->from, '@');
	char msgid[256], err[256];
	struct rmail ml = { .from = u->o->from,
		.from_name = u->o->from_name,
		.to = to,
		.nto = 1,
		.policy_domain = u->r->domain,
		.receiver = u->o->receiver,
		.report_id = u->r->report_id,
		.filename = u->r->filename,
		.begin = u->r->day * DAY_SECONDS,
		.end = u->r->day * DAY_SECONDS + DAY_SECONDS - 1,
		.part = (unsigned)u->r->part,
		.nparts = (unsigned)u->r->nparts,
		.gz = u->r->body,
		.gzlen = u->r->bodylen,
		.date = (time_t)u->o->now,
		.message_id = msgid };

	snprintf(msgid, sizeof(msgid), "hallmark-report.%lld.%ld.%u@%s",
	    (long long)u->o->now, (long)getpid(), ++seq,
	    at != NULL ? at + 1 : "localhost");
	if (rmail_compose(&ml, m, err, sizeof(err)) < 0) {
		note(u, "%s: %s", rcpt, err);
		return -1;
	}
	return 0;
}

/* submit - hand the part to sendmail for rcpt; count the outcome */
static void
submit(struct run *u, const char *rcpt, const struct str *m)
{
	char sender[RSUPP_ADDR_MAX + 64], why[RSUBMIT_ERR_MAX + 128];
	const char *rc[1] = { rcpt };
	enum rsubmit_result r;

	sender_for(u->o, rcpt, sender, sizeof(sender));
	r = rsubmit(u->o->sendmail, sender, rc, 1, m->s, m->len,
	    u->o->timeout_s, why, sizeof(why));
	if (r == RSUBMIT_SENT) {
		u->sent++;
		u->res->nsent++;
		rcap_add(u->cap, rcpt);
		if (!rstate_has_rcpt(u->rcpts.s, rcpt))
			str_addf(&u->rcpts, "%s%s", u->rcpts.len ? " " : "",
			    rcpt);
		note(u, "%s: sent", rcpt);
		return;
	}
	if (r == RSUBMIT_DEFERRED)
		u->deferred++;
	else
		u->failed++;
	note(u, "%s: %s: %s", rcpt, rsubmit_result_name(r), why);
}

/* suppressed - static list or table: 1 (noted), 0, -1 store error */
static int
suppressed(struct run *u, const char *addr)
{
	const char *pat = rsupp_static(u->o->suppress, addr);
	char why[256];
	int rc;

	if (pat != NULL) {
		note(u, "%s: suppressed (reports.suppress \"%s\")", addr, pat);
		return 1;
	}
	rc = rsupp_lookup(u->db, addr, u->o->now, why, sizeof(why));
	if (rc != 0)
		note(u, "%s: %s", addr, why);
	return rc;
}

/* one_dest - the checks and the submission for one authorised d */
static void
one_dest(struct run *u, const struct rdest *d)
{
	struct str m;
	int rc;

	if (!u->o->force && rstate_has_rcpt(u->r->rcpts, d->addr)) {
		u->sent++;
		return;
	}
	if ((rc = suppressed(u, d->addr)) != 0) {
		u->deferred += rc < 0; /* the store failed: try again */
		u->suppressed += rc > 0;
		return;
	}
	if (!u->o->force && u->o->daily_cap > 0 &&
	    rcap_get(u->cap, d->addr) >= (unsigned long)u->o->daily_cap) {
		u->capped++;
		note(u, "%s: daily cap of %ld reached", d->addr,
		    u->o->daily_cap);
		return;
	}
	str_init(&m);
	if (compose(u, d->addr, &m) < 0) {
		u->failed++;
	} else if (d->limit > 0 && m.len > d->limit) {
		u->oversize++;
		note(u,
		    "%s: the mail (%zu bytes) is over the URI's size limit "
		    "(%llu)",
		    d->addr, m.len, (unsigned long long)d->limit);
	} else if (u->o->dry_run) {
		u->sent++;
		note(u, "%s: would be sent (%zu bytes)", d->addr, m.len);
	} else {
		submit(u, d->addr, &m);
	}
	str_free(&m);
}

/* destinations - the verified destinations of the day's rua=, or a
 * final state in res->state */
static int
destinations(struct run *u, struct orgdom_ctx *oc, struct rdest_list *l)
{
	struct rpolicy pol;
	char pnote[200];
	enum rdest_state st;
	size_t i;
	int rc;

	memset(l, 0, sizeof(*l));
	pnote[0] = '\0';
	rc = rload_policy(u->db, u->r->day, u->r->domain, &pol);
	if (rc < 0)
		return -1;
	if (rc == 0 || pol.rua == NULL ||
	    rdest_parse_rua(pol.rua, l, pnote, sizeof(pnote)) == 0) {
		note(u, "no usable mailto: URI in rua=%s%s%s",
		    pnote[0] ? " (" : "", pnote, pnote[0] ? ")" : "");
		snprintf(u->res->state, sizeof(u->res->state), "skipped");
		rpolicy_free(&pol);
		return 0;
	}
	st = rdest_verify(oc, pol.domain, l);
	rpolicy_free(&pol);
	for (i = 0; i < l->n; i++)
		if (l->d[i].state != RDEST_OK)
			note(u, "%s: %s", l->d[i].addr, l->d[i].why);
	if (st != RDEST_OK)
		snprintf(u->res->state, sizeof(u->res->state), "%s",
		    st == RDEST_TEMP ? "deferred" : "skipped");
	return 0;
}

/* final_state - from the counts */
static const char *
final_state(const struct run *u)
{
	if (u->deferred > 0 || u->capped > 0)
		return "deferred";
	if (u->failed > 0)
		return "failed";
	if (u->sent > 0)
		return "sent";
	return u->suppressed > 0 ? "suppressed" : "skipped";
}

/* give_up - a deferral older than retry_days becomes failed */
static void
give_up(struct run *u)
{
	long days = u->o->retry_days;

	if (strcmp(u->res->state, "deferred") != 0 || days <= 0 ||
	    u->o->now - u->r->created < (int64_t)days * DAY_SECONDS)
		return;
	snprintf(u->res->state, sizeof(u->res->state), "failed");
	note(u,
	    "gave up: deferred for more than %ld days "
	    "(reports.retry_days)",
	    days);
}

/* rdeliver - see rdeliver.h */
int
rdeliver(struct rdb *db, struct orgdom_ctx *oc, const struct rdeliver_opts *o,
    struct rcap *cap, const struct rstate *r, struct rdeliver_result *res,
    char *err, size_t errlen)
{
	struct run u = { .db = db, .o = o, .cap = cap, .r = r, .res = res };
	struct rdest_list l;
	size_t i;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	str_init(&u.rcpts);
	if (!o->force && r->rcpts != NULL)
		str_add(&u.rcpts, r->rcpts);
	if (destinations(&u, oc, &l) < 0) {
		str_seterr(err, errlen, "%s", rdb_error(db));
		str_free(&u.rcpts);
		return -1;
	}
	for (i = 0; res->state[0] == '\0' && i < l.n; i++)
		if (l.d[i].state == RDEST_OK)
			one_dest(&u, &l.d[i]);
	if (res->state[0] == '\0')
		snprintf(res->state, sizeof(res->state), "%s", final_state(&u));
	give_up(&u);
	if (!o->dry_run &&
	    rstate_update(db, r->report_id, res->state,
		u.rcpts.len ? u.rcpts.s : NULL, res->note[0] ? res->note : NULL,
		1, o->now) < 0)
		rc = str_seterr(err, errlen, "recording %s: %s", r->report_id,
		    rdb_error(db));
	str_free(&u.rcpts);
	return rc;
}
