/*
 * rrow.h - the data of DMARC aggregate reporting (RFC 9990), shared by
 * every part of it: hallmarkd's collector (ragg.c) fills rows, the store
 * (rstore*.c) keeps them, the builder (rxml*.c) writes them as XML, the
 * sender (cli) mails them, the importer reads other receivers' reports
 * into the same shapes.
 *
 * Plain data, no I/O.  Strings are owned by the struct that holds them
 * (rrow_free / rpolicy_free release them).  Names follow the RFC 9990
 * schema (urn:ietf:params:xml:ns:dmarc-2.0):
 *
 *   key of a row          (UTC day, policy domain, every field of rrow
 *                          except count): two messages with equal keys
 *                          add their counts; rrow_key() gives the one
 *                          canonical byte string of a key, so stores and
 *                          the in-memory aggregation compare keys as
 *                          strings.
 *   policy of a day       the last DMARC record seen for (day, policy
 *                          domain): struct rpolicy.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RROW_H
#define HALLMARK_RROW_H

#include <stddef.h>
#include <stdint.h>

#include "results.h"

#define RR_MAX_DKIM 100	 /* DKIM entries kept per row (RFC 9990 order) */
#define RR_MAX_REASONS 8 /* override reasons per row */

/* policy_evaluated/disposition: what was applied */
enum rr_disp {
	RR_DISP_NONE = 0,
	RR_DISP_PASS,
	RR_DISP_QUARANTINE,
	RR_DISP_REJECT
};

/* PolicyOverrideType */
enum rr_reason {
	RR_REASON_LOCAL_POLICY = 0,
	RR_REASON_MAILING_LIST,
	RR_REASON_OTHER,
	RR_REASON_POLICY_TEST_MODE,
	RR_REASON_TRUSTED_FORWARDER
};

/* p / sp / np: DispositionType; RR_POL_UNSET = not published */
enum rr_pol {
	RR_POL_UNSET = -1,
	RR_POL_NONE = 0,
	RR_POL_QUARANTINE,
	RR_POL_REJECT
};

/* DiscoveryType */
enum rr_discovery { RR_DISC_TREEWALK = 0, RR_DISC_PSL };

struct rr_reason_ent {
	enum rr_reason type;
	char *comment; /* e.g. "by lms-vendor", or NULL */
};

struct rr_dkim {
	char *domain;	/* d= */
	char *selector; /* s= */
	enum res_dkim result;
};

/* one record of a report (row + identifiers + auth_results) */
struct rrow {
	char *source_ip;     /* textual IPv4 or IPv6 address */
	char *header_from;   /* RFC5322.From domain */
	char *envelope_from; /* RFC5321.MailFrom domain; "" for <> */
	char *envelope_to;   /* recipient domain, or NULL (not recorded) */
	enum rr_disp disposition;
	int dkim_pass; /* policy_evaluated/dkim: aligned pass */
	int spf_pass;  /* policy_evaluated/spf: aligned pass */
	struct rr_reason_ent reason[RR_MAX_REASONS];
	size_t nreason;
	struct rr_dkim *dkim; /* auth_results/dkim, at most RR_MAX_DKIM */
	size_t ndkim;
	int has_spf;	  /* auth_results/spf present */
	char *spf_domain; /* scope is always mfrom */
	enum res_spf spf_result;
	uint64_t count; /* messages; not part of the key */
};

/* policy_published, plus what sending needs */
struct rpolicy {
	char *domain; /* where the record was found */
	enum rr_pol p, sp, np;
	char adkim, aspf; /* 'r' or 's' */
	char *fo;	  /* as published, or NULL */
	int testing;	  /* t=y */
	enum rr_discovery discovery;
	char *rua; /* the rua= value as published, or NULL */
};

/* rrow_free / rpolicy_free - release the strings; zero the struct */
void rrow_free(struct rrow *r);
void rpolicy_free(struct rpolicy *p);

/* rrow_copy - deep copy of src into *dst (zeroed first); 0 or -1 (ENOMEM) */
int rrow_copy(struct rrow *dst, const struct rrow *src);

/*
 * rrow_key - the canonical key of r (every field but count) as a byte
 * string in *out (malloc'd, NUL-terminated, *len bytes without the NUL);
 * equal keys <=> rows that aggregate.  0, or -1 (ENOMEM).
 * rrow_unkey - the inverse: fill *r (count 0) from a key; 0, or -1 for a
 * string rrow_key did not produce.
 */
int rrow_key(const struct rrow *r, char **out, size_t *len);
int rrow_unkey(const char *key, size_t len, struct rrow *r);

/* names in the RFC 9990 vocabulary, and their parsers (0 or -1) */
const char *rr_disp_name(enum rr_disp d);
const char *rr_reason_name(enum rr_reason r);
const char *rr_pol_name(enum rr_pol p); /* NULL for RR_POL_UNSET */
const char *rr_discovery_name(enum rr_discovery d);
int rr_disp_parse(const char *s, enum rr_disp *out);
int rr_reason_parse(const char *s, enum rr_reason *out);
int rr_pol_parse(const char *s, enum rr_pol *out);

#endif
