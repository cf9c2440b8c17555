/*
 * orgdomain.h - DMARC policy discovery and the Organizational Domain:
 * the RFC 9989 DNS Tree Walk (default), or the RFC 7489 way with the
 * Public Suffix List (libpsl, Debian's publicsuffix data).
 *
 * All DNS goes through dns.h (a real resolver or dns_static in tests),
 * under the message's budget.  No logging: results carry their reasons.
 * Thread-safe: a struct orgdom_ctx is used by one message at a time; the
 * PSL handle is read-only and shared.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_ORGDOMAIN_H
#define HALLMARK_ORGDOMAIN_H

#include <stddef.h>

#include "dmarc_record.h"
#include "dns.h"

/* RFC 9989 4.10: at most eight queries per walk, names cut to 7 labels */
#define ORGDOM_MAX_QUERIES 8
#define ORGDOM_NAME_MAX 253

enum orgdom_mode {
	ORGDOM_TREEWALK = 0,	/* RFC 9989 */
	ORGDOM_PSL		/* RFC 7489 + libpsl */
};

enum orgdom_status {
	ORGDOM_OK = 0,		/* a policy record applies */
	ORGDOM_NONE,		/* no DMARC Policy Record: DMARC does not apply */
	ORGDOM_TEMPERROR,	/* a DNS lookup failed temporarily */
	ORGDOM_PERMERROR	/* the record that applies is unusable */
};

struct psl_ctx_st;

struct orgdom_ctx {
	enum orgdom_mode mode;
	const struct psl_ctx_st *psl;	/* ORGDOM_PSL: a loaded list */
	struct dns_resolver *resolver;
	struct dns_budget *budget;	/* may be NULL */
	unsigned queries;		/* DMARC TXT queries made (counter) */
};

/*
 * What a Tree Walk tells about the Organizational Domain of its start.
 * When a lookup failed part way (failed = 1), the names at and above the
 * failed one are unknown: the Organizational Domain is one of a few
 * suffixes of the start, and orgdom_relaxed() tries each.  Every record
 * found before the failure has psd unset (a psd=y/n record ends a walk).
 */
struct orgdom_walkinfo {
	char start[ORGDOM_NAME_MAX + 1];
	int failed;	      /* stopped at a failed lookup */
	size_t failed_labels; /* failed: labels of the name that failed */
	size_t org_labels;    /* the org (failed: if nothing lies above) */
};

struct orgdom_policy {
	enum orgdom_status status;
	char policy_domain[ORGDOM_NAME_MAX + 1];	/* where it was found */
	char org[ORGDOM_NAME_MAX + 1];	/* Organizational Domain of author */
	struct dmarcrec rec;		/* OK: the record */
	int from_author;		/* published at the author domain */
	int from_psd;			/* a Public Suffix Domain's record */
	/* OK with org_open: the record is the author's own but a lookup
	 * above it failed, so the Organizational Domain is not known (org
	 * holds its value if nothing lies above).  TEMPERROR with
	 * record_sure: a record was found before the failure, so some
	 * record applies whatever the failed name holds. */
	int org_open;
	int record_sure;
	struct orgdom_walkinfo wi;	/* the author's walk (tree walk) */
	char why[224];			/* reason when not OK; a note when OK */
};

/* orgdom_policy - find the DMARC Policy Record for the author domain
 * (lower case, A-labels) and its Organizational Domain.  Always fills
 * *out; returns out->status. */
enum orgdom_status orgdom_policy(struct orgdom_ctx *c, const char *author,
    struct orgdom_policy *out);

/* orgdom_org - the Organizational Domain of any domain into out.
 * Returns 0, or -1 on a temporary DNS failure (out undefined). */
int orgdom_org(struct orgdom_ctx *c, const char *domain, char *out,
    size_t outlen);

/* orgdom_relaxed - relaxed alignment of id (lower case) with the author
 * of a policy found by orgdom_policy (status OK): 1 the Organizational
 * Domains are the same, 0 they differ, -1 a failed lookup leaves it open
 * (for some content of the failed names they would be the same, for some
 * not).  Walks from id when needed. */
int orgdom_relaxed(struct orgdom_ctx *c, const struct orgdom_policy *ap,
    const char *id);

/* orgdom_nlabels - number of labels of a domain name (pure) */
size_t orgdom_nlabels(const char *d);

/* orgdom_next_target - the next Tree Walk target after d (RFC 9989 4.10
 * steps 3, 4 and 7): at most 7 labels, then one label less each time.
 * Returns a pointer into d, or NULL when no labels remain.  Pure. */
const char *orgdom_next_target(const char *d);

/* orgdom_psl_load - load a PSL file ("" = libpsl's built-in list);
 * NULL on failure */
struct psl_ctx_st *orgdom_psl_load(const char *file);
void orgdom_psl_free(struct psl_ctx_st *p);

#endif
