/*
 * rxml.h - the DMARC aggregate report builder: rows and the published
 * policy of one (policy domain, UTC day) to the XML of RFC 9990
 * (namespace urn:ietf:params:xml:ns:dmarc-2.0) or, for old readers, of
 * RFC 7489 Appendix C; the report id and file name; gzip; splitting into
 * parts under a size cap.
 *
 * Pure and deterministic: the same input gives the same bytes (gzip
 * header without a time stamp or file name), so a resend is
 * byte-identical.  Every text is escaped; control characters that XML
 * 1.0 cannot carry are replaced, never written.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RXML_H
#define HALLMARK_RXML_H

#include <stddef.h>
#include <stdint.h>

#include "rrow.h"
#include "str.h"

enum rxml_format { RXML_RFC9990 = 0, RXML_RFC7489 };

/* report_metadata */
struct rxml_meta {
	const char *org_name;		/* reporting organisation (receiver) */
	const char *email;		/* contact address */
	const char *extra_contact_info; /* or NULL */
	const char *generator;		/* "hallmark 0.1.0" */
	int64_t begin, end;   /* date_range, seconds since the epoch */
	const char *receiver; /* receiver domain, for id and file name */
	const char *error;    /* report_metadata/error, or NULL */
};

/*
 * rxml_report_id - deterministic Report-ID of part `part` (1-based) of
 * nparts for (receiver, policy domain, begin, end):
 * "<policy-domain>!<begin>!<end>!<receiver>" plus "!<part>" when
 * nparts > 1; into *out (replaced).
 * rxml_filename - RFC 9990 file name: receiver "!" policy-domain "!"
 * begin "!" end ["!" unique] ".xml.gz" (unique = part when nparts > 1),
 * into *out (replaced).
 * Domains are written lower-case, bytes other than [a-z0-9-_] as '-',
 * no empty label ("" or NULL: "unknown"); a negative time as 0: an id
 * is always an RFC 5322 dot-atom, a file name never holds '/'.
 */
void rxml_report_id(const struct rxml_meta *m, const char *policy_domain,
    unsigned part, unsigned nparts, struct str *out);
void rxml_filename(const struct rxml_meta *m, const char *policy_domain,
    unsigned part, unsigned nparts, struct str *out);

/*
 * rxml_build - the XML document of one report part: metadata with
 * report_id, policy_published from *pol, one record per row (count > 0)
 * in the order given, into *out (appended).  0, or -1 with err set (and
 * nothing appended) for input that cannot make a valid report (no row
 * with a count, no policy domain).  What each form holds, the reason a
 * record gets when none was recorded, and how text and addresses are
 * written: rxml.c's header.
 */
int rxml_build(enum rxml_format fmt, const struct rxml_meta *m,
    const char *report_id, const struct rpolicy *pol, const struct rrow *rows,
    size_t nrows, struct str *out, char *err, size_t errlen);

/*
 * rxml_gzip - deterministic gzip of in[0..n) into *out (replaced): no
 * time stamp, no file name, OS byte 255.  0, or -1 on a zlib error.
 */
int rxml_gzip(const void *in, size_t n, struct str *out);

/*
 * rxml_split - how many parts are needed so that each part's gzip is at
 * most max_bytes: the rows are cut into consecutive runs (never a row
 * cut, never a row lost); *starts (malloc'd, nparts + 1 entries, the
 * last = nrows) gives each part's first row.  Returns nparts >= 1, or 0
 * with err set when one row alone is over the cap (or no report can be
 * made of the input, as rxml_build).  Parts are sized with the ids of
 * pol->domain: build them with rxml_report_id(m, pol->domain, ...) so
 * that each stays under the cap.
 */
unsigned rxml_split(enum rxml_format fmt, const struct rxml_meta *m,
    const struct rpolicy *pol, const struct rrow *rows, size_t nrows,
    size_t max_bytes, size_t **starts, char *err, size_t errlen);

#endif
