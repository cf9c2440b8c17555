/*
 * spf_record.h - parse one SPF record (RFC 7208 sections 4.5, 4.6, 5, 6,
 * 12) into its terms, and pick the SPF record out of a domain's TXT set.
 *
 * Pure: bytes in, struct out; no DNS, no logging.  A record with any syntax
 * error anywhere is rejected as a whole (section 4.6: permerror before any
 * mechanism is evaluated).  Domain-specs are kept as macro-strings, their
 * macro syntax already checked; spf_macro.c expands them at evaluation.
 *
 * Memory: spf_record_parse() fills a caller-owned struct spf_record whose
 * strings it allocates; spf_record_free() releases them.  Thread-safe.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_SPF_RECORD_H
#define HALLMARK_SPF_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "results.h"

/*
 * Longest TXT text (all strings of one record joined) we parse.  RFC 7208
 * sets no limit (section 3.4 only advises keeping records small enough
 * for UDP); a TXT record travels in one DNS message, at most 65535 bytes
 * over TCP, so this is what DNS can carry and no record that arrives is
 * refused for its size.  The number of terms follows from it (at most
 * one per two bytes); term storage grows geometrically.
 */
#define SPF_RECORD_MAX 65535

enum spf_mech {
	SPF_M_ALL,
	SPF_M_INCLUDE,
	SPF_M_A,
	SPF_M_MX,
	SPF_M_PTR,
	SPF_M_IP4,
	SPF_M_IP6,
	SPF_M_EXISTS
};

struct spf_term {
	enum spf_mech mech;
	enum res_spf qual;	/* PASS, FAIL, SOFTFAIL or NEUTRAL */
	char *domain;		/* macro-string, or NULL: the current domain */
	int cidr4, cidr6;	/* prefix lengths (32 / 128 when absent) */
	uint8_t addr[16];	/* ip4 (4 bytes) / ip6 network */
	char *text;		/* the term as written, for reasons */
};

struct spf_record {
	struct spf_term *term;
	size_t nterm;
	size_t cap;		/* terms allocated */
	char *redirect;		/* macro-string or NULL */
	char *exp;		/* macro-string or NULL */
};

/*
 * spf_record_is_spf - is this TXT text an SPF version 1 record: "v=spf1"
 * (any case) followed by a space or the end (section 4.5)
 */
int spf_record_is_spf(const char *txt, size_t len);

/*
 * spf_record_parse - parse txt (len bytes, may hold NULs) into *rec.
 * Returns 0, or -1 with a short reason in why (rec is then empty).
 */
int spf_record_parse(const char *txt, size_t len, struct spf_record *rec,
    char *why, size_t whylen);

void spf_record_free(struct spf_record *rec);

/* spf_mech_name - "all", "include", ... */
const char *spf_mech_name(enum spf_mech m);

#endif
