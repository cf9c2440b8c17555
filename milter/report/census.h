/*
 * census.h - who sends mail as a domain: DMARC aggregate rows (what
 * hallmarkd recorded, and reports other receivers sent) grouped by
 * sending service, with per-service figures, what to change, and the
 * readiness of the domain for p=quarantine / p=reject.
 *
 * A census is built in three steps:
 *   census_add        every row (struct rrow, its reporter, its count);
 *   census_attribute  (census_attr.c, DNS) each source IP to a service:
 *                     a vendor entry of dmarc.vendors (by network, by the
 *                     vendor's SPF record, by a passing DKIM d=), else
 *                     the Organizational Domain of its forward-confirmed
 *                     reverse-DNS name, else the IP itself;
 *   census_finish     services summed, sorted (most mail first), advice
 *                     and the readiness verdict written.
 * The outputs (census_out.c) read the finished census only.
 *
 * Memory: the census owns everything in it; census_free releases all.
 * Thread safety: one census, one thread.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_CENSUS_H
#define HALLMARK_CENSUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "allowlist.h"
#include "dns.h"
#include "rrow.h"

/* how a source IP was attributed */
enum cs_kind {
	CS_VENDOR = 0, /* a dmarc.vendors entry; via says which rule */
	CS_RDNS,       /* Organizational Domain of its reverse name */
	CS_IP	       /* nothing better: the address itself */
};

/* a DKIM d= / s= seen for a service, with its results */
struct cs_sel {
	char *d, *s;
	uint64_t pass, fail; /* fail: any result but pass */
};

/* an override reason recorded on a service's rows (type + comment) */
struct cs_ovr {
	char *type;    /* RFC 9990 PolicyOverrideType */
	char *comment; /* "" when none */
	uint64_t count;
};

/* one source address of a service */
struct cs_src {
	char *ip;
	char *ptr;	    /* forward-confirmed reverse name, or NULL */
	uint64_t count;	    /* messages */
	uint64_t dmarc_ok;  /* of which DMARC passed (aligned SPF or DKIM) */
	uint64_t spf_fail;  /* SPF result not pass */
	uint64_t spf_own;   /* SPF checked the domain itself (envelope
			     * domain at or below it) */
	uint64_t dkim_pass; /* a passing DKIM signature of any d= */
	size_t service;	    /* index into census.svc (after attribute) */
};

struct cs_service {
	char *name; /* vendor name, organizational domain, IP */
	enum cs_kind kind;
	char *via; /* vendor: "spf:D", "dkim:D", "network:P" */
	const struct allow_vendor *vendor; /* CS_VENDOR */
	uint64_t count, spf_pass, spf_aligned, dkim_pass, dkim_aligned,
	    dmarc_pass;
	uint64_t disp[4]; /* by enum rr_disp */
	size_t *src;	  /* indexes into census.src, most mail first */
	size_t nsrc;
	struct cs_sel *sel; /* DKIM d=/s= pairs, most mail first */
	size_t nsel;
	struct cs_ovr *ovr; /* override reasons, in the order met */
	size_t novr;
	char **reporters; /* sorted, NULL-terminated */
	char **fixes;	  /* what to change, NULL-terminated */
};

/* one distinct row as read: the row, who reported it, the count */
struct cs_row {
	struct rrow r;
	char *reporter;
	size_t src; /* index into census.src */
};

struct census {
	char *domain;		     /* the domain asked about (lower case) */
	int64_t first_day, last_day; /* the UTC days covered */
	struct cs_row *row;
	size_t nrow;
	struct cs_src *src;
	size_t nsrc;
	struct cs_service *svc;
	size_t nsvc;
	uint64_t total;
	char **reporters; /* all, sorted, NULL-terminated */
	/* readiness: services with failing mail that also send passing
	 * mail or are vendor entries (they would lose mail), and the other
	 * sources that never pass (spoofing or unknown senders) */
	size_t *lose;
	size_t nlose;
	uint64_t other_fail, other_fail_msgs;
	char verdict[512];
};

/* census_init - an empty census for domain, covering first..last day */
void census_init(struct census *c, const char *domain, int64_t first_day,
    int64_t last_day);
/* census_add - one row (copied) seen by reporter with its count */
void census_add(struct census *c, const struct rrow *r, const char *reporter);

/* what attribution may use */
struct census_dns {
	struct dns_resolver *resolver; /* NULL: no DNS (by IP / network) */
	int orgdom_mode;	       /* enum orgdom_mode */
	const struct psl_ctx_st *psl;
	const struct allow_list *vendors;
	const char *receiver; /* %{r} for the vendors' SPF records */
};

/* census_service - the service of that kind and name, made on first
 * use; returns its index (for census_attr.c) */
size_t census_service(struct census *c, enum cs_kind kind, const char *name,
    const char *via, const struct allow_vendor *v);
/* census_under - d is domain or a name below it (ASCII case-insensitive) */
int census_under(const char *d, const char *domain);

/* census_attribute - each source IP to a service (census_attr.c) */
void census_attribute(struct census *c, const struct census_dns *d);

/* census_finish - figures, order, advice and verdict */
void census_finish(struct census *c);
void census_free(struct census *c);

/* census_pct - 100 * n / d rounded down, 0 for d == 0 */
unsigned census_pct(uint64_t n, uint64_t d);

/* outputs (census_out.c): 0, or -1 on a write error */
int census_table(const struct census *c, FILE *out);
int census_json(const struct census *c, FILE *out);
int census_csv(const struct census *c, FILE *out);

#endif
