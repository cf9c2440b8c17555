/*
 * spf_eval.h - hallmark's RFC 7208 evaluator: check_host() on top of the
 * DNS layer (dns.h), for the HELO and the MAIL FROM identity.
 *
 * Limits enforced (section 4.6.4): 10 DNS-querying terms (include, a, mx,
 * ptr, exists, redirect) per check, 2 void lookups, 10 MX names per "mx"
 * (more = permerror), 10 PTR names per "ptr" / %{p} (the rest ignored);
 * recursion is bounded by the 10-term limit.  DNS timeouts and SERVFAIL
 * give temperror; every lookup runs under the caller's dns_budget.
 *
 * Memory: struct spf_answer owns explanation (free with spf_answer_free).
 * Thread safety: a check uses only its request and the (thread-safe)
 * resolver; any number may run at once.  Never logs: the caller logs
 * the answer's reason.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_SPF_EVAL_H
#define HALLMARK_SPF_EVAL_H

#include <stdint.h>
#include <time.h>

#include "dns.h"
#include "results.h"
#include "spf_record.h"

#define SPF_MAX_DNS_MECHS 10
#define SPF_MAX_VOIDS 2
#define SPF_MAX_MX 10
#define SPF_MAX_PTR 10
/* longest MAIL FROM / HELO we evaluate (RFC 5321: path 256, domain 255) */
#define SPF_IDENTITY_MAX 512

/*
 * An optional observer of one check (used by `hallmark doctor` to show
 * the include/redirect chain, the lookups and the records).  The
 * evaluator calls it synchronously, in evaluation order; everything an
 * event points to is valid during the call only.  A request with trace
 * NULL (the milter's) makes no calls and builds no events.
 */
enum spf_trace_kind {
	SPF_TRACE_RECORD,   /* domain's SPF record found: rec, text */
	SPF_TRACE_LOOKUP,   /* a DNS query answered: name, qtype, status */
	SPF_TRACE_VOID,	    /* a void lookup counted (4.6.4): name */
	SPF_TRACE_MATCH,    /* a directive of domain matched: term */
	SPF_TRACE_REDIRECT, /* domain's redirect= is followed to name */
	SPF_TRACE_DONE	    /* check_host(domain) ended: result */
};

struct spf_trace_event {
	enum spf_trace_kind kind;
	int depth;		      /* 0 the identity's domain, +1 per
					 * include / redirect */
	const char *domain;	      /* the domain being checked */
	const char *name;	      /* LOOKUP, REDIRECT */
	int qtype;		      /* LOOKUP: DNS_T_* */
	enum dns_status status;	      /* LOOKUP */
	const struct spf_record *rec; /* RECORD: parsed */
	const char *text;	      /* RECORD: the TXT text (NUL-ended) */
	const struct spf_term *term;  /* MATCH */
	enum res_spf result;	      /* MATCH: qualifier; DONE: result */
	unsigned dns_mechs, voids;    /* the answer's counters so far */
};

typedef void (*spf_trace_fn)(void *arg, const struct spf_trace_event *ev);

struct spf_request {
	struct dns_resolver *resolver;
	struct dns_budget *budget;	/* may be NULL */
	int family;			/* AF_INET or AF_INET6 */
	uint8_t ip[16];			/* IPv4-mapped IPv6 given as AF_INET */
	const char *helo;		/* HELO/EHLO argument, or NULL */
	const char *receiver;		/* our host name for %{r}, or NULL */
	time_t now;			/* for %{t}; 0 = time(NULL) */
	spf_trace_fn trace;		/* observer, or NULL */
	void *trace_arg;		/* its first argument */
};

struct spf_answer {
	enum res_spf result;
	char domain[SPF_IDENTITY_MAX];	/* the domain checked */
	char reason[256];		/* why, for logs and the A-R comment */
	char *explanation;		/* fail only: exp= text expanded, or
					 * NULL for the default explanation */
	unsigned dns_mechs;		/* DNS-querying terms evaluated */
	unsigned voids;			/* void lookups seen */
};

/* spf_eval_set_ip - fill req->family/ip from a sockaddr-style address
 * (family AF_INET 4 bytes or AF_INET6 16 bytes); v4-mapped -> AF_INET */
void spf_eval_set_ip(struct spf_request *req, int family, const void *addr);

/* spf_eval_parse_ip - same from text ("1.2.3.4", "::ffff:1.2.3.4"); 0/-1 */
int spf_eval_parse_ip(struct spf_request *req, const char *text);

/*
 * spf_eval_check - check an identity.  mailfrom is the reverse-path
 * without <> ("" or NULL: the null reverse-path, so postmaster@HELO is
 * checked, which is also the HELO check of section 2.3).
 * An identity whose domain is not a usable name gives none (section 4.3).
 * ans is always filled.
 */
void spf_eval_check(const struct spf_request *req, const char *mailfrom,
    struct spf_answer *ans);

/* spf_eval_domain_ok - is d a usable FQDN for check_host (section 4.3) */
int spf_eval_domain_ok(const char *d);

void spf_answer_free(struct spf_answer *ans);

/*
 * spf_eval_expand_text - expand an explain-string (e.g. the configured
 * default explanation) for this identity and the domain checked; NULL
 * when it has a macro syntax error or expands beyond the bound.
 */
char *spf_eval_expand_text(const struct spf_request *req,
    const char *mailfrom, const char *domain, const char *text);

#endif
