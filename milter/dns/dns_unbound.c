/*
 * dns_unbound.c - the real DNS back end (struct dns_ops) on libunbound:
 * asynchronous queries, one dispatcher thread, hallmark's own deadlines.
 *
 * SYNOPSIS
 *	struct dns_resolver *dns_unbound_new(cfg, err, errlen);
 *
 * DESCRIPTION
 *	One ub_ctx per resolver, in threaded async mode (libunbound runs its
 *	own background worker thread that resolves and caches).  Any milter
 *	thread starts a query with ub_resolve_async(); ONE dispatcher thread
 *	polls ub_fd() and a self-pipe and calls ub_process(), which runs the
 *	callbacks.  A callback stores the ub_result in the pending query and
 *	signals that query's condition variable (CLOCK_MONOTONIC); the query's
 *	own thread waits on it until the absolute deadline dns.c computed,
 *	and converts the ub_result there (dns_rdata.c).
 *
 *	Queries are found by a serial number, not by pointer: the callback
 *	argument is the number, and one table under one mutex (static,
 *	shared by all resolvers, so the callback argument owns no memory)
 *	maps it to the pending query.  Passing the deadline or cancelling
 *	removes the entry (then ub_cancel); a callback that finds no entry
 *	only frees its result.  So a late answer, or one racing with
 *	ub_cancel (which libunbound allows), never touches freed memory.
 *
 *	In front of it, an answer cache (dns_cache.c): a final answer (data,
 *	NODATA, NXDOMAIN; never a failure or a bogus one) is kept for the TTL
 *	libunbound reports, so a warm lookup is answered in the calling
 *	thread by submit, without the three thread hand-offs (milter thread,
 *	libunbound's worker, the dispatcher) that cost more CPU than the rest
 *	of a message's DNS work.  Its size follows cache_size_kb (0: none).
 *
 *	Configuration (forwarding, DNSSEC, cache, keeping names that never
 *	answer from starving the others) is dns_ubconf.c; its errors are
 *	found by dns_unbound_new(), not at the first query.  A trust anchor
 *	turns on validation: bogus answers become DNS_SERVFAIL, validated
 *	ones set res->secure.
 *
 *	Supervision: if poll() or ub_process() fails, no answer of that
 *	context would ever be read again and every lookup would time out.
 *	The dispatcher then makes a new context from its copy of the
 *	configuration, swaps it in (ctx_lock: submit and cancel hold it for
 *	reading), fails the queries sent to the old one at once (SERVFAIL,
 *	"resolver error") and deletes it; one log line with the restart
 *	count.  At most one restart a second; a context that cannot be made
 *	is retried with growing pauses.  dns_unbound_test_break() lets a
 *	test break the pipe for real.
 *
 *	Result classes: RCODE 3 -> DNS_NXDOMAIN; RCODE 0 without data ->
 *	DNS_NODATA; bogus, RCODE 2 and any other RCODE or libunbound error ->
 *	DNS_SERVFAIL; malformed rdata -> DNS_ERROR.  Timeouts come from dns.c.
 *
 * OWNERSHIP
 *	The resolver owns the ub_ctx and the dispatcher; dns_resolver_free()
 *	stops the dispatcher first, then deletes the context (no query may
 *	be pending or waited for at that point).  A query's priv (struct
 *	ubq) is freed by wait (when complete) or by cancel.
 *
 * THREAD SAFETY
 *	submit/wait/cancel from any thread; one query is used by one thread.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unbound.h>

#include "dns_cache.h"
#include "dns_int.h"
#include "dns_rdata.h"
#include "dns_ubconf.h"
#include "ublog.h"
#include "log.h"
#include "metrics.h"
#include "str.h"

#define UBQ_BUCKETS 256

struct ubr;

/* one pending query, reachable from the table until answered/abandoned */
struct ubq {
	struct ubq *next;		/* hash chain */
	uint64_t id;
	struct ubr *owner; /* the resolver, and its context */
	unsigned gen;	   /* generation the query went to */
	int async_id;
	int done;			/* callback ran: err/ub valid */
	int err;
	struct ub_result *ub;
	pthread_cond_t cond;
};

struct ubr {
	struct dns_resolver base;	/* first: dns.c sees only this */
	struct ub_ctx *ctx;		/* under ctx_lock (see restart) */
	unsigned gen;			/* under ctx_lock: contexts replaced */
	pthread_rwlock_t ctx_lock; /* read: submit, cancel; write: restart */
	struct dns_config cfg;	   /* own copy, for a new context */
	pthread_condattr_t cattr;	/* CLOCK_MONOTONIC */
	int wake[2];			/* self-pipe: write to stop */
	struct dns_cache *cache;	/* final answers, for their TTL */
	pthread_t thread;
	int thread_started;
	unsigned restarts;   /* dispatcher failures recovered */
	time_t last_restart; /* monotonic seconds */
	int spare_fd;	     /* under ctx_lock; dns_unbound_test_break */
};

/*
 * The pending table is shared by all resolvers (a reload may run two): the
 * callback argument is only a serial number, so it needs no memory that a
 * cancel would have to free.
 */
static pthread_mutex_t tab_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t tab_next_id;
static struct ubq *tab[UBQ_BUCKETS];

/* ---- the pending table (caller holds tab_mu) ------------------------- */

/* tab_slot - the chain head for id */
static struct ubq **
tab_slot(uint64_t id)
{
	return &tab[id % UBQ_BUCKETS];
}

/* tab_insert - add e under a fresh id */
static void
tab_insert(struct ubq *e)
{
	struct ubq **head;

	e->id = ++tab_next_id;
	head = tab_slot(e->id);
	e->next = *head;
	*head = e;
}

/* tab_remove - take id out of the table; the entry or NULL */
static struct ubq *
tab_remove(uint64_t id)
{
	struct ubq **pp, *e;

	for (pp = tab_slot(id); (e = *pp) != NULL; pp = &e->next) {
		if (e->id == id) {
			*pp = e->next;
			e->next = NULL;
			return e;
		}
	}
	return NULL;
}

/* ---- results --------------------------------------------------------- */

/* fail_result - a failure with a reason text */
static struct dns_result *
fail_result(enum dns_status st, const char *what, const char *detail)
{
	char why[256];

	snprintf(why, sizeof(why), "%s%s%s", what, detail ? ": " : "",
	    detail ? detail : "");
	return dns_result_new(st, why);
}

/* add_records - every rdata of the answer; DNS_ERROR if one is malformed */
static struct dns_result *
add_records(const struct ub_result *u, int rrtype)
{
	struct dns_result *res = dns_result_new(DNS_OK, NULL);
	int i;

	for (i = 0; u->data[i] != NULL; i++) {
		if (u->len[i] < 0 || dns_rdata_add(res, rrtype,
		    (const unsigned char *)u->data[i], (size_t)u->len[i]) < 0) {
			dns_result_free(res);
			return dns_result_new(DNS_ERROR, "malformed rdata");
		}
	}
	if (res->nrr == 0)
		res->status = DNS_NODATA;
	return res;
}

/* status_result - the result class of a complete ub_result */
static struct dns_result *
status_result(const struct ub_result *u, int rrtype)
{
	char code[32];

	if (u->bogus)
		return fail_result(DNS_SERVFAIL, "DNSSEC validation failed",
		    u->why_bogus);
	if (u->rcode == 3)
		return dns_result_new(DNS_NXDOMAIN, "no such domain");
	if (u->rcode != 0) {
		snprintf(code, sizeof(code), "rcode %d", u->rcode);
		return fail_result(DNS_SERVFAIL, "server failure", code);
	}
	if (!u->havedata || u->data == NULL || u->data[0] == NULL)
		return dns_result_new(DNS_NODATA, "no record of that type");
	return add_records(u, rrtype);
}

/* convert - a callback's (err, ub_result) as a dns_result; frees u;
 * *ttl: seconds the answer may be cached (0: not at all) */
static struct dns_result *
convert(int err, struct ub_result *u, int rrtype, unsigned *ttl)
{
	struct dns_result *res;

	*ttl = 0;
	if (err == 0 && u != NULL && !u->bogus && u->ttl > 0)
		*ttl = (unsigned)u->ttl;
	if (err != 0 || u == NULL)
		res = fail_result(err == UB_NOMEM ? DNS_ERROR : DNS_SERVFAIL,
		    "resolver error", ub_strerror(err));
	else
		res = status_result(u, rrtype);
	if (u != NULL) {
		res->rcode = u->rcode;
		res->secure = u->secure && !u->bogus;
	}
	ub_resolve_free(u);
	return res;
}

/* ---- the dns_ops ----------------------------------------------------- */

/* on_answer - libunbound callback (dispatcher thread) */
static void
on_answer(void *arg, int err, struct ub_result *u)
{
	struct ubq *e;

	pthread_mutex_lock(&tab_mu);
	e = tab_remove((uint64_t)(uintptr_t)arg);
	if (e != NULL) {
		e->done = 1;
		e->err = err;
		e->ub = u;
		pthread_cond_signal(&e->cond);
	}
	pthread_mutex_unlock(&tab_mu);
	if (e == NULL)
		ub_resolve_free(u);	/* abandoned query */
}

/* now_sec - monotonic seconds, the cache's clock */
static time_t
now_sec(void)
{
	struct timespec ts;

	dns_time_now(&ts);
	return ts.tv_sec;
}

/* complete - convert an answer into q->result and cache it */
static void
complete(struct ubr *r, struct dns_query *q, struct ubq *e)
{
	unsigned ttl;

	q->result = convert(e->err, e->ub, q->rrtype, &ttl);
	dns_cache_put(r->cache, q->name, q->rrtype, q->result, ttl,
	    now_sec());
}

/* ubq_free - release a query's back-end state */
static void
ubq_free(struct ubq *e)
{
	pthread_cond_destroy(&e->cond);
	free(e);
}

/* ubr_submit - start one asynchronous query */
static void
ubr_submit(struct dns_resolver *base, struct dns_query *q)
{
	struct ubr *r = (struct ubr *)base;
	struct ubq *e;
	char text[DNS_PRES_MAX];
	uint64_t id;
	int rc, aid = 0;

	if ((q->result = dns_cache_get(r->cache, q->name, q->rrtype,
		 now_sec())) != NULL) {
		(void)metrics_inc(M_DNS_CACHE_HIT, NULL, NULL);
		return;			/* a warm answer: no thread hand-off */
	}
	e = xcalloc(1, sizeof(*e));
	if (dns_rdata_qname(q->name, text, sizeof(text)) < 0) {
		free(e);
		q->result = dns_result_new(DNS_ERROR, "invalid domain name");
		return;
	}
	pthread_cond_init(&e->cond, &r->cattr);
	e->owner = r;
	pthread_rwlock_rdlock(&r->ctx_lock);
	e->gen = r->gen;
	pthread_mutex_lock(&tab_mu);
	tab_insert(e);
	id = e->id;
	pthread_mutex_unlock(&tab_mu);
	rc = ub_resolve_async(r->ctx, text, q->rrtype, 1,
	    (void *)(uintptr_t)id, on_answer, &aid);
	pthread_mutex_lock(&tab_mu);
	if (rc != 0)
		tab_remove(id);
	e->async_id = aid;
	pthread_mutex_unlock(&tab_mu);
	pthread_rwlock_unlock(&r->ctx_lock);
	if (rc != 0) {
		ubq_free(e);
		q->result = fail_result(DNS_ERROR, "resolver error",
		    ub_strerror(rc));
		return;
	}
	q->priv = e;
}

/* ubr_cached - an answer from the cache in front of libunbound, or NULL */
static struct dns_result *
ubr_cached(struct dns_resolver *base, const struct dns_query *q)
{
	struct ubr *r = (struct ubr *)base;
	struct dns_result *res;

	res = dns_cache_get(r->cache, q->name, q->rrtype, now_sec());
	if (res != NULL)
		(void)metrics_inc(M_DNS_CACHE_HIT, NULL, NULL);
	return res;
}

/* ubr_wait - wait for the callback until *until; 1 when complete */
static int
ubr_wait(struct dns_resolver *base, struct dns_query *q,
    const struct timespec *until)
{
	struct ubr *r = (struct ubr *)base;
	struct ubq *e = q->priv;
	int rc = 0, done;

	if (e == NULL)
		return q->result != NULL;
	pthread_mutex_lock(&tab_mu);
	while (!e->done && rc == 0) {	/* ETIMEDOUT (or EINVAL) ends it */
		if (until != NULL)
			rc = pthread_cond_timedwait(&e->cond, &tab_mu, until);
		else
			pthread_cond_wait(&e->cond, &tab_mu);
	}
	done = e->done;
	pthread_mutex_unlock(&tab_mu);
	if (!done)
		return 0;
	complete(r, q, e);
	q->priv = NULL;
	ubq_free(e);
	return 1;
}

/* ubr_cancel - abandon q; an answer that already arrived is kept */
static void
ubr_cancel(struct dns_resolver *base, struct dns_query *q)
{
	struct ubr *r = (struct ubr *)base;
	struct ubq *e = q->priv;
	int pending;

	if (e == NULL)
		return;
	pthread_mutex_lock(&tab_mu);
	pending = !e->done && tab_remove(e->id) != NULL;
	pthread_mutex_unlock(&tab_mu);
	if (pending) {
		pthread_rwlock_rdlock(&r->ctx_lock);
		if (e->gen == r->gen) /* else its context is gone */
			(void)ub_cancel(r->ctx, e->async_id);
		pthread_rwlock_unlock(&r->ctx_lock);
	} else {
		complete(r, q, e);
	}
	q->priv = NULL;
	ubq_free(e);
}

/* ---- the dispatcher and its supervision ----------------------------- */

/* fail_pending - complete every query r sent to context generation gen
 * (it will never answer) as a resolver error; how many there were */
static unsigned
fail_pending(struct ubr *r, unsigned gen)
{
	struct ubq **pp, *e;
	unsigned i, n = 0;

	pthread_mutex_lock(&tab_mu);
	for (i = 0; i < UBQ_BUCKETS; i++) {
		for (pp = &tab[i]; (e = *pp) != NULL;) {
			if (e->owner != r || e->gen != gen) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			e->next = NULL;
			e->done = 1;
			e->err = UB_PIPE;
			e->ub = NULL;
			pthread_cond_signal(&e->cond);
			n++;
		}
	}
	pthread_mutex_unlock(&tab_mu);
	return n;
}

/* stop_asked - wait up to ms for the self-pipe; 1 if it asks to stop */
static int
stop_asked(struct ubr *r, int ms)
{
	struct pollfd p = { .fd = r->wake[0], .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

/* dispatch - run callbacks until told to stop (0) or until poll or
 * ub_process fails (-1, with what failed in why) */
static int
dispatch(struct ubr *r, char *why, size_t whylen)
{
	struct pollfd pfd[2];
	int rc;

	pfd[0].fd = ub_fd(r->ctx); /* only this thread writes r->ctx */
	pfd[0].events = POLLIN;
	pfd[1].fd = r->wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(why, whylen, "poll failed, errno %d", errno);
			return -1;
		}
		if (pfd[1].revents != 0)
			return 0;
		if (pfd[0].revents != 0 && (rc = ub_process(r->ctx)) != 0) {
			snprintf(why, whylen, "ub_process: %s",
			    ub_strerror(rc));
			return -1;
		}
	}
}

/* new_context - a fresh context from the saved configuration, retried
 * with growing pauses (1 s .. 60 s) while it cannot be made; NULL when
 * told to stop meanwhile */
static struct ub_ctx *
new_context(struct ubr *r)
{
	struct ub_ctx *ctx;
	char err[256];
	int pause = 1;

	while ((ctx = dns_ubconf_new(&r->cfg, err, sizeof(err))) == NULL) {
		log_err("dns: cannot make a new resolver context (%s); "
			"trying again in %d s",
		    err, pause);
		if (stop_asked(r, pause * 1000))
			return NULL;
		pause = pause < 32 ? 2 * pause : 60;
	}
	return ctx;
}

/*
 * restart - the dispatcher failed: the context's result pipe is broken
 * (ub_process) or poll is, and no answer would ever be read again.  A new
 * context from the same configuration replaces it; the queries sent to
 * the old one fail at once (resolver error, a temporary failure) instead
 * of waiting for their deadlines.  At most one restart a second.
 * 0, or -1 when told to stop meanwhile.
 */
static int
restart(struct ubr *r, const char *why)
{
	struct ub_ctx *old, *fresh;
	unsigned gen, failed;
	int spare;
	time_t now = now_sec();

	if (r->restarts > 0 && now - r->last_restart < 1 && stop_asked(r, 1000))
		return -1;
	if ((fresh = new_context(r)) == NULL)
		return -1;
	pthread_rwlock_wrlock(&r->ctx_lock);
	old = r->ctx;
	gen = r->gen++;
	r->ctx = fresh;
	spare = r->spare_fd;
	r->spare_fd = -1;
	pthread_rwlock_unlock(&r->ctx_lock);
	failed = fail_pending(r, gen);
	ub_ctx_delete(old);
	if (spare >= 0)
		close(spare);
	r->restarts++;
	r->last_restart = now_sec();
	log_err("dns: resolver dispatcher failed (%s): restarted with a new "
		"resolver context (restart %u; %u pending queries failed)",
	    why, r->restarts, failed);
	return 0;
}

/* dispatcher - the thread: dispatch, and restart it when it fails */
static void *
dispatcher(void *arg)
{
	struct ubr *r = arg;
	char why[128];

	while (dispatch(r, why, sizeof(why)) < 0)
		if (restart(r, why) < 0)
			break;
	return NULL;
}

/*
 * dns_unbound_test_break - for tests: break the dispatcher's context for
 * real.  The read end of libunbound's result pipe (ub_fd) is replaced by
 * /dev/null, so the next ub_process() reads end-of-file and fails with
 * UB_PIPE, as it does when libunbound's worker has gone.  (poll already
 * waiting keeps watching the pipe itself: the failure comes with the next
 * answer.)  The pipe's own read end stays open in spare_fd until that
 * context is deleted, so the worker never writes to a pipe without a
 * reader.  0, or -1 when r cannot be broken (not quiet: a test fails).
 */
int
dns_unbound_test_break(struct dns_resolver *base)
{
	struct ubr *r = (struct ubr *)base;
	int fd, null;

	if (base == NULL || base->ops->submit != ubr_submit)
		return -1;
	pthread_rwlock_wrlock(&r->ctx_lock);
	fd = ub_fd(r->ctx);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (r->spare_fd >= 0 || null < 0 || (r->spare_fd = dup(fd)) < 0 ||
	    dup2(null, fd) < 0) {
		if (null >= 0)
			close(null);
		pthread_rwlock_unlock(&r->ctx_lock);
		return -1;
	}
	close(null);
	pthread_rwlock_unlock(&r->ctx_lock);
	return 0;
}

/* dns_unbound_check_trust_anchor - load path in a context of its own */
int
dns_unbound_check_trust_anchor(const char *path, char *err, size_t errlen)
{
	struct ub_ctx *ctx = ub_ctx_create();
	int rc;

	if (ctx == NULL) {
		snprintf(err, errlen, "ub_ctx_create failed");
		return -1;
	}
	if (ublog_stream() != NULL)
		(void)ub_ctx_debugout(ctx, ublog_stream());
	rc = ub_ctx_set_option(ctx, "verbosity:", "0");
	if (rc == 0)
		rc = ub_ctx_add_ta_file(ctx, path);
	if (rc == 0) /* finalising loads the anchors */
		rc = ub_ctx_zone_remove(ctx, "hallmark.invalid.");
	ub_ctx_delete(ctx);
	if (rc != 0)
		snprintf(err, errlen,
		    "libunbound cannot load it as a trust "
		    "anchor file (%s)",
		    ub_strerror(rc));
	return rc == 0 ? 0 : -1;
}

/* ---- life cycle ------------------------------------------------------ */

/* ctx_lock_init - writers first: a restart must not wait behind a steady
 * stream of submits */
static void
ctx_lock_init(pthread_rwlock_t *l)
{
	pthread_rwlockattr_t a;

	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(l, &a);
	pthread_rwlockattr_destroy(&a);
}

/* start_dispatcher - self-pipe and thread */
static int
start_dispatcher(struct ubr *r, char *err, size_t errlen)
{
	int rc;

	if (pipe(r->wake) != 0) {
		snprintf(err, errlen, "dns: pipe failed, errno %d", errno);
		r->wake[0] = r->wake[1] = -1;
		return -1;
	}
	(void)fcntl(r->wake[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(r->wake[1], F_SETFD, FD_CLOEXEC);
	if ((rc = pthread_create(&r->thread, NULL, dispatcher, r)) != 0) {
		snprintf(err, errlen, "dns: pthread_create failed: %d", rc);
		return -1;
	}
	r->thread_started = 1;
	return 0;
}

/* ubr_free - stop the dispatcher, then delete the context */
static void
ubr_free(struct dns_resolver *base)
{
	struct ubr *r = (struct ubr *)base;
	char c = 'x';

	if (r->thread_started) {
		while (write(r->wake[1], &c, 1) < 0 && errno == EINTR)
			;
		pthread_join(r->thread, NULL);
	}
	if (r->wake[0] >= 0) {
		close(r->wake[0]);
		close(r->wake[1]);
	}
	if (r->ctx != NULL)
		ub_ctx_delete(r->ctx);
	if (r->spare_fd >= 0)
		close(r->spare_fd);
	dns_cache_free(r->cache);
	dns_ubconf_release(&r->cfg);
	pthread_rwlock_destroy(&r->ctx_lock);
	pthread_condattr_destroy(&r->cattr);
	free(r);
}

static const struct dns_ops ubr_ops = {
	.submit = ubr_submit,
	.wait = ubr_wait,
	.cancel = ubr_cancel,
	.free = ubr_free,
	.cached = ubr_cached,
};

/* dns_unbound_new - a configured resolver with its dispatcher running */
struct dns_resolver *
dns_unbound_new(const struct dns_config *cfg, char *err, size_t errlen)
{
	struct ubr *r = xcalloc(1, sizeof(*r));

	r->base.ops = &ubr_ops;
	r->base.query_timeout_ms = cfg->query_timeout_ms;
	r->base.message_budget_ms = cfg->message_budget_ms;
	r->wake[0] = r->wake[1] = -1;
	r->spare_fd = -1;
	ctx_lock_init(&r->ctx_lock);
	dns_ubconf_copy(&r->cfg, cfg);
	pthread_condattr_init(&r->cattr);
	pthread_condattr_setclock(&r->cattr, CLOCK_MONOTONIC);
	/* a quarter of unbound's message-cache bytes, an entry per KiB */
	r->cache = dns_cache_new((size_t)cfg->cache_size_kb,
	    (size_t)cfg->cache_size_kb * 256);
	if ((r->ctx = dns_ubconf_new(cfg, err, errlen)) == NULL ||
	    start_dispatcher(r, err, errlen) < 0) {
		ubr_free(&r->base);
		return NULL;
	}
	return &r->base;
}
