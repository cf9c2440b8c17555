/*
 * dns.h - hallmark's one DNS layer: every SPF, DKIM-key and DMARC lookup goes
 * through this interface.
 *
 * A resolver (struct dns_resolver) is either the real one (dns_unbound.c:
 * libunbound, asynchronous queries driven by one dispatcher thread, its own
 * cache, per-query timeout) or a static in-memory zone (dns_static.c: used by
 * unit tests, the RFC 7208 suite runner and the fuzzers).  Callers do not
 * know which one they hold.
 *
 * Results keep apart what the protocols above need apart:
 *   DNS_OK        answer with >= 1 record of the asked type
 *   DNS_NODATA    the name exists, no record of that type  (a "void" answer)
 *   DNS_NXDOMAIN  the name does not exist                  (a "void" answer)
 *   DNS_SERVFAIL  the server failed (RCODE 2/5, or DNSSEC bogus)
 *   DNS_TIMEOUT   no answer before the deadline (query timeout or budget)
 *   DNS_ERROR     local error: bad name, malformed answer, out of memory
 *
 * Thread safety: a resolver is shared by all threads; queries may be started
 * and waited for from any thread.  A dns_budget belongs to one message and
 * is used by one thread at a time.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DNS_H
#define HALLMARK_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* RR types we use (values from RFC 1035 / 3596) */
#define DNS_T_A      1
#define DNS_T_NS     2
#define DNS_T_CNAME  5
#define DNS_T_PTR    12
#define DNS_T_MX     15
#define DNS_T_TXT    16
#define DNS_T_AAAA   28

/* longest domain name in presentation form we accept */
#define DNS_NAME_MAX 253

enum dns_status {
	DNS_OK = 0,
	DNS_NODATA,
	DNS_NXDOMAIN,
	DNS_SERVFAIL,
	DNS_TIMEOUT,
	DNS_ERROR
};

/*
 * One resource record of the asked type.
 *   A:          data = 4 bytes (network order), len = 4
 *   AAAA:       data = 16 bytes, len = 16
 *   TXT:        data = the character-strings concatenated, NUL-terminated,
 *               len = length without the NUL (may contain embedded NULs)
 *   MX:         pref = preference; data = exchange name, NUL-terminated,
 *               no trailing dot, lower case not guaranteed
 *   PTR, CNAME, NS: data = the target name, NUL-terminated, no trailing dot
 */
struct dns_rr {
	uint16_t type;
	uint16_t pref;
	size_t len;
	unsigned char *data;
};

struct dns_result {
	enum dns_status status;
	int secure;		/* 1: DNSSEC-validated answer */
	int rcode;		/* DNS RCODE as received, when known */
	size_t nrr;
	struct dns_rr *rr;	/* nrr records, all of the asked type */
	char *why;		/* short text for logs when status != OK, or NULL */
};

/*
 * Per-message budget: how long the lookups of one message may keep it
 * waiting for DNS in all, and counters the caller may read (e.g. SPF void
 * lookups).  Only time with at least one of its queries outstanding
 * (submitted, not yet handed over or cancelled) counts, so concurrent
 * queries count once, and the time between lookups (the SMTP
 * transaction: a large body over a slow link) not at all.  A query
 * answered from the cache at submit costs nothing.
 */
struct dns_budget {
	unsigned limit_ms;		/* 0 = no limit */
	struct timespec spent;		/* closed busy intervals, summed */
	struct timespec busy_since;	/* start of the open one */
	unsigned pending;		/* queries outstanding now */
	unsigned queries;		/* queries started under this budget */
	unsigned voids;			/* NXDOMAIN + NODATA answers seen */
};

struct dns_resolver;
struct dns_query;

/* configuration of the real resolver (see conf/hallmark.conf, dns { }) */
struct dns_config {
	char **forwarders;	/* NULL-terminated "addr[@port]" list, or NULL */
	int use_resolv_conf;	/* 1: system resolver from /etc/resolv.conf */
	char *trust_anchor_file;/* enables DNSSEC validation when set */
	unsigned query_timeout_ms;
	unsigned message_budget_ms;
	unsigned cache_size_kb;	/* msg-cache-size for unbound */
	int tcp_only;		/* 1: query forwarders over TCP only */
};

/* dns_unbound_check_trust_anchor - can libunbound load path as a trust
 * anchor file (a context made, loaded and deleted: no thread, no query);
 * 0, or -1 with a reason in err.  libunbound's own message (file:line of
 * the parse error) goes to the log. */
int dns_unbound_check_trust_anchor(const char *path, char *err, size_t errlen);

/* dns_unbound_new - start a real resolver; NULL and *err set on failure */
struct dns_resolver *dns_unbound_new(const struct dns_config *cfg,
    char *err, size_t errlen);

/*
 * dns_static_new - an in-memory zone.  Text format, one record per line:
 *     name TYPE data
 * TYPE is A, AAAA, TXT, MX, PTR, CNAME, or the pseudo-types TIMEOUT,
 * SERVFAIL (the name answers with that failure for every type).
 * TXT data is one or more "quoted strings"; MX data is "pref name".
 * Names are case-insensitive.  Returns NULL with *err on a syntax error.
 */
struct dns_resolver *dns_static_new(const char *zone_text,
    char *err, size_t errlen);
/* dns_static_add - add one record programmatically (tests, fuzzers) */
int dns_static_add(struct dns_resolver *r, const char *name, int type,
    uint16_t pref, const void *data, size_t len);
/* dns_static_fail - make every query for name answer with status st */
int dns_static_fail(struct dns_resolver *r, const char *name,
    enum dns_status st);

/* dns_resolver_free - stop the dispatcher, cancel queries, free all */
void dns_resolver_free(struct dns_resolver *r);

/* dns_budget_init - a per-message budget of ms milliseconds of waiting
 * for DNS (0 = use the resolver's configured message budget) */
void dns_budget_init(struct dns_budget *b, const struct dns_resolver *r,
    unsigned ms);

/* dns_budget_left_ms - what is left of the budget now (UINT32_MAX: none) */
unsigned dns_budget_left_ms(const struct dns_budget *b);

/*
 * dns_submit - start an asynchronous query.  The query's deadline is the
 * earlier of now + query timeout and now + what is left of the budget.
 * budget may be NULL.  Never returns NULL: a query that could not start
 * completes at once with DNS_ERROR, or DNS_TIMEOUT when the budget is
 * spent and the answer is not in the cache.
 */
struct dns_query *dns_submit(struct dns_resolver *r, const char *name,
    int rrtype, struct dns_budget *budget);

/*
 * dns_wait - wait for the query until its deadline, or until *until if that
 * is earlier (until may be NULL).  Returns 1 and hands over the result
 * (*out, free with dns_result_free; the query is freed) when complete;
 * returns 0 when *until passed first (the query stays valid: wait again or
 * cancel).  A query that reaches its own deadline completes as DNS_TIMEOUT.
 */
int dns_wait(struct dns_query *q, const struct timespec *until,
    struct dns_result **out);

/* dns_cancel - abandon a query that has not been handed over; frees it */
void dns_cancel(struct dns_query *q);

/* dns_lookup - dns_submit + dns_wait; always returns a result (never NULL) */
struct dns_result *dns_lookup(struct dns_resolver *r, const char *name,
    int rrtype, struct dns_budget *budget);

void dns_result_free(struct dns_result *res);

/* dns_status_name - "ok", "nodata", "nxdomain", "servfail", "timeout", ... */
const char *dns_status_name(enum dns_status st);

/* dns_is_void - NXDOMAIN or NODATA */
static inline int
dns_is_void(enum dns_status st)
{
	return st == DNS_NXDOMAIN || st == DNS_NODATA;
}

/* dns_is_temp - a temporary failure: SERVFAIL, TIMEOUT */
static inline int
dns_is_temp(enum dns_status st)
{
	return st == DNS_SERVFAIL || st == DNS_TIMEOUT;
}

#endif
