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
 *	Configuration: forwarders ("addr" or "addr@port") or the servers of
 *	/etc/resolv.conf; with neither, full recursion from the root.  When
 *	forwarding, loopback forwarders are allowed, and libunbound's
 *	built-in local zones for private and documentation address space
 *	(RFC 1918, TEST-NETs, 2001:db8::/32) and for "test."/"invalid." are
 *	made transparent: the forwarder answers for them (a site resolver
 *	knows its internal PTRs; the tests use these ranges).  A trust anchor
 *	file turns on DNSSEC validation (bogus answers become DNS_SERVFAIL;
 *	validated ones set res->secure).  Cache size and TCP-only upstream
 *	are unbound options.
 *
 *	Configuration errors (bad address or port, unreadable or malformed
 *	trust anchor) are found by dns_unbound_new(), not at the first
 *	query.  libunbound's own log lines go to hallmark's log (ublog.c).
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
#include "ublog.h"
#include "log.h"
#include "str.h"

#define UBQ_BUCKETS 256

/* one pending query, reachable from the table until answered/abandoned */
struct ubq {
	struct ubq *next;		/* hash chain */
	uint64_t id;
	int async_id;
	int done;			/* callback ran: err/ub valid */
	int err;
	struct ub_result *ub;
	pthread_cond_t cond;
};

struct ubr {
	struct dns_resolver base;	/* first: dns.c sees only this */
	struct ub_ctx *ctx;
	pthread_condattr_t cattr;	/* CLOCK_MONOTONIC */
	int wake[2];			/* self-pipe: write to stop */
	struct dns_cache *cache;	/* final answers, for their TTL */
	pthread_t thread;
	int thread_started;
};

/*
 * The pending table is shared by all resolvers (a reload may run two): the
 * callback argument is only a serial number, so it needs no memory that a
 * cancel would have to free.
 */
static pthread_mutex_t tab_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t tab_next_id;
static struct ubq *tab[UBQ_BUCKETS];

/* default local zones made transparent ("nodefault" has no effect via
 * ub_ctx_set_option in libunbound 1.17): the forwarder answers for them */
static const char *const fwd_local[] = {
	"test.", "invalid.", "2.0.192.in-addr.arpa.",
	"100.51.198.in-addr.arpa.", "113.0.203.in-addr.arpa.",
	"8.b.d.0.1.0.0.2.ip6.arpa.", NULL
};

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
	    now_sec())) != NULL)
		return;			/* a warm answer: no thread hand-off */
	e = xcalloc(1, sizeof(*e));
	if (dns_rdata_qname(q->name, text, sizeof(text)) < 0) {
		free(e);
		q->result = dns_result_new(DNS_ERROR, "invalid domain name");
		return;
	}
	pthread_cond_init(&e->cond, &r->cattr);
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
	if (rc != 0) {
		ubq_free(e);
		q->result = fail_result(DNS_ERROR, "resolver error",
		    ub_strerror(rc));
		return;
	}
	q->priv = e;
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
	if (pending)
		(void)ub_cancel(r->ctx, e->async_id);
	else
		complete(r, q, e);
	q->priv = NULL;
	ubq_free(e);
}

/* ---- the dispatcher -------------------------------------------------- */

/* dispatcher - poll ub_fd() and the self-pipe; run callbacks */
static void *
dispatcher(void *arg)
{
	struct ubr *r = arg;
	struct pollfd pfd[2];
	int rc;

	pfd[0].fd = ub_fd(r->ctx);
	pfd[0].events = POLLIN;
	pfd[1].fd = r->wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("dns: dispatcher poll failed, errno %d", errno);
			break;
		}
		if (pfd[1].revents != 0)
			break;
		if (pfd[0].revents != 0 && (rc = ub_process(r->ctx)) != 0) {
			log_err("dns: ub_process: %s", ub_strerror(rc));
			break;
		}
	}
	return NULL;
}

/* ---- configuration --------------------------------------------------- */

/* set_opt - one "name:" value option; 0 or -1 with err */
static int
set_opt(struct ub_ctx *ctx, const char *opt, const char *val, char *err,
    size_t errlen)
{
	int rc = ub_ctx_set_option(ctx, opt, val);

	if (rc != 0)
		snprintf(err, errlen, "dns: option %s %s: %s", opt, val,
		    ub_strerror(rc));
	return rc == 0 ? 0 : -1;
}

/* fwd_port_ok - "addr" or "addr@port" with port 1..65535 (libunbound
 * itself does not check the range) */
static int
fwd_port_ok(const char *fwd)
{
	const char *at = strchr(fwd, '@');
	uint64_t port;

	if (at == NULL)
		return 1;
	return str_parse_u64(at + 1, strlen(at + 1), 65535, &port) == 0 &&
	    port > 0;
}

/* set_resolv_conf - the servers of /etc/resolv.conf; like the C library,
 * a missing file means the resolver on this host (127.0.0.1) */
static int
set_resolv_conf(struct ub_ctx *ctx, char *err, size_t errlen)
{
	int rc = ub_ctx_resolvconf(ctx, NULL);

	if (rc == UB_READFILE) {
		log_warn("dns: cannot read /etc/resolv.conf: forwarding to "
		    "127.0.0.1");
		rc = ub_ctx_set_fwd(ctx, "127.0.0.1");
	}
	if (rc != 0) {
		snprintf(err, errlen, "dns: /etc/resolv.conf: %s",
		    ub_strerror(rc));
		return -1;
	}
	return 0;
}

/* set_forwarding - forwarders or resolv.conf, and the options they need */
static int
set_forwarding(struct ub_ctx *ctx, const struct dns_config *cfg, char *err,
    size_t errlen)
{
	char **f;
	int i, rc;

	for (f = cfg->forwarders; f != NULL && *f != NULL; f++) {
		if (!fwd_port_ok(*f)) {
			snprintf(err, errlen, "dns: forwarder \"%s\": bad port",
			    *f);
			return -1;
		}
		if ((rc = ub_ctx_set_fwd(ctx, *f)) != 0) {
			snprintf(err, errlen, "dns: forwarder \"%s\": %s", *f,
			    ub_strerror(rc));
			return -1;
		}
	}
	if ((cfg->forwarders == NULL || cfg->forwarders[0] == NULL) &&
	    cfg->use_resolv_conf) {
		if (set_resolv_conf(ctx, err, errlen) < 0)
			return -1;
	} else if (cfg->forwarders == NULL || cfg->forwarders[0] == NULL) {
		return 0;			/* full recursion */
	}
	if (set_opt(ctx, "do-not-query-localhost:", "no", err, errlen) < 0)
		return -1;
	for (i = 0; fwd_local[i] != NULL; i++) {
		char val[128];

		snprintf(val, sizeof(val), "%s transparent", fwd_local[i]);
		if (set_opt(ctx, "local-zone:", val, err, errlen) < 0)
			return -1;
	}
	if (set_opt(ctx, "unblock-lan-zones:", "yes", err, errlen) < 0)
		return -1;
	return set_opt(ctx, "insecure-lan-zones:", "yes", err, errlen);
}

/* set_cache_tcp - cache sizes and TCP-only upstream */
static int
set_cache_tcp(struct ub_ctx *ctx, const struct dns_config *cfg, char *err,
    size_t errlen)
{
	char val[32];

	if (cfg->cache_size_kb > 0) {
		snprintf(val, sizeof(val), "%uk", cfg->cache_size_kb);
		if (set_opt(ctx, "msg-cache-size:", val, err, errlen) < 0)
			return -1;
		snprintf(val, sizeof(val), "%lluk",
		    2ULL * cfg->cache_size_kb);
		if (set_opt(ctx, "rrset-cache-size:", val, err, errlen) < 0)
			return -1;
	}
	if (cfg->tcp_only &&
	    set_opt(ctx, "tcp-upstream:", "yes", err, errlen) < 0)
		return -1;
	return 0;
}

/* set_trust_anchor - DNSSEC validation from a trust anchor file */
static int
set_trust_anchor(struct ub_ctx *ctx, const struct dns_config *cfg,
    char *err, size_t errlen)
{
	int rc;

	if (cfg->trust_anchor_file == NULL || cfg->trust_anchor_file[0] == 0)
		return 0;
	if (access(cfg->trust_anchor_file, R_OK) != 0) {
		snprintf(err, errlen, "dns: trust anchor file %s: cannot read",
		    cfg->trust_anchor_file);
		return -1;
	}
	if ((rc = ub_ctx_add_ta_file(ctx, cfg->trust_anchor_file)) != 0) {
		snprintf(err, errlen, "dns: trust anchor file %s: %s",
		    cfg->trust_anchor_file, ub_strerror(rc));
		return -1;
	}
	return 0;
}

/* configure - the whole ub_ctx set-up; finalised so errors show now */
static int
configure(struct ub_ctx *ctx, const struct dns_config *cfg, char *err,
    size_t errlen)
{
	int rc;

	if (ublog_stream() != NULL &&
	    (rc = ub_ctx_debugout(ctx, ublog_stream())) != 0) {
		snprintf(err, errlen, "dns: ub_ctx_debugout: %s",
		    ub_strerror(rc));
		return -1;
	}
	if ((rc = ub_ctx_async(ctx, 1)) != 0) {
		snprintf(err, errlen, "dns: ub_ctx_async: %s", ub_strerror(rc));
		return -1;
	}
	if (set_opt(ctx, "verbosity:", "0", err, errlen) < 0 ||
	    set_forwarding(ctx, cfg, err, errlen) < 0 ||
	    set_cache_tcp(ctx, cfg, err, errlen) < 0 ||
	    set_trust_anchor(ctx, cfg, err, errlen) < 0)
		return -1;
	/* removing an absent zone finalises the context (loads anchors) */
	if ((rc = ub_ctx_zone_remove(ctx, "hallmark.invalid.")) != 0) {
		snprintf(err, errlen, "dns: resolver set-up: %s",
		    ub_strerror(rc));
		return -1;
	}
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
	if (rc == 0)	/* finalising loads the anchors */
		rc = ub_ctx_zone_remove(ctx, "hallmark.invalid.");
	ub_ctx_delete(ctx);
	if (rc != 0)
		snprintf(err, errlen, "libunbound cannot load it as a trust "
		    "anchor file (%s)", ub_strerror(rc));
	return rc == 0 ? 0 : -1;
}

/* ---- life cycle ------------------------------------------------------ */

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
	dns_cache_free(r->cache);
	pthread_condattr_destroy(&r->cattr);
	free(r);
}

static const struct dns_ops ubr_ops = {
	.submit = ubr_submit,
	.wait = ubr_wait,
	.cancel = ubr_cancel,
	.free = ubr_free,
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
	pthread_condattr_init(&r->cattr);
	pthread_condattr_setclock(&r->cattr, CLOCK_MONOTONIC);
	/* a quarter of unbound's message-cache bytes, an entry per KiB */
	r->cache = dns_cache_new((size_t)cfg->cache_size_kb,
	    (size_t)cfg->cache_size_kb * 256);
	if ((r->ctx = ub_ctx_create()) == NULL) {
		snprintf(err, errlen, "dns: ub_ctx_create failed");
		ubr_free(&r->base);
		return NULL;
	}
	if (configure(r->ctx, cfg, err, errlen) < 0 ||
	    start_dispatcher(r, err, errlen) < 0) {
		ubr_free(&r->base);
		return NULL;
	}
	return &r->base;
}
