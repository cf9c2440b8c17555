/*
 * rdest.h - where a DMARC aggregate report may go: the rua= list of a
 * policy record parsed into mailto: destinations, and the verification of
 * external destinations (RFC 9990 section 4, RFC 7489 7.1).
 *
 *   rdest_parse_rua    pure: "mailto:a@b.example!10m, mailto:c@d" into a
 *                      list; URIs other than mailto: are left out (noted)
 *   rdest_check_txt    pure: the TXT records found at
 *                      <policy-domain>._report._dmarc.<host>: authorised
 *                      when one starts with v=DMARC1, and its rua= (an
 *                      override of the destination), if any
 *   rdest_verify       the DNS part, through hallmark's DNS layer: each
 *                      destination authorised, refused (with the reason)
 *                      or undecided (a temporary DNS failure: the caller
 *                      defers the report, never sends on a guess)
 *
 * A destination at the policy domain or below it needs no authorisation.
 * Any other host is asked for <policy-domain>._report._dmarc.<host> TXT
 * (a DNS wildcard *._report._dmarc.<host> answers it like any record);
 * without such a record, a host whose Organizational Domain is that of
 * the policy domain is still ours to send to, anything else is refused.
 * A rua= in the authorising record replaces the destination when all its
 * URIs are mailto: at the same host; an override to another host refuses
 * both the original and the new destination.
 *
 * A host written in U-labels (UTF-8, raw or %XX-encoded) is converted to
 * lower-case A-labels (IDNA2008, libidn2) while parsing, so the
 * verification query and the submitted address use the A-label name
 * ("mailto:d@b%C3%BCcher.example", as UTF-8 or so encoded, goes to
 * d@xn--bcher-kva.example); a host that is no valid IDN is refused like
 * any unusable address.  A non-ASCII local part is refused (no SMTPUTF8
 * submission).
 *
 * No logging, no allocation beyond the results; thread-safe.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RDEST_H
#define HALLMARK_RDEST_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "orgdomain.h"

#define RDEST_MAX 4	   /* destinations used per report (first ones) */
#define RDEST_ADDR_MAX 320 /* local@host, decoded */

enum rdest_state {
	RDEST_OK = 0,  /* send to addr */
	RDEST_REFUSED, /* not authorised or unusable: do not send */
	RDEST_TEMP     /* a DNS lookup failed temporarily: undecided */
};

struct rdest {
	char addr[RDEST_ADDR_MAX + 1]; /* mailbox, lower-case host */
	char host[DNS_NAME_MAX + 1];   /* the destination host */
	uint64_t limit;		       /* size limit in bytes, 0 = none */
	enum rdest_state state;
	int external;  /* needed (and got) an authorisation */
	char why[200]; /* reason, or a note when OK */
};

struct rdest_list {
	struct rdest d[RDEST_MAX];
	size_t n;
};

/*
 * rdest_parse_rua - the mailto: URIs of a rua= value (comma-separated,
 * spaces around them allowed) with their "!" size suffix (a number and
 * an optional unit k, m, g or t, powers of 1024), %XX decoded, "?..."
 * header fields dropped, the host lower-cased.  Destinations past
 * RDEST_MAX, URIs of other schemes and unusable ones are left out; the
 * first such reason goes into note ("" when none).  Returns how many
 * destinations out holds.
 */
size_t rdest_parse_rua(const char *rua, struct rdest_list *out, char *note,
    size_t notelen);

/*
 * rdest_check_txt - the n TXT records (len bytes each) of a _report._dmarc
 * name: 1 when at least one is a DMARC record (v=DMARC1 first), 0 when
 * none; with 1, the rua= of the first authorising record that has one is
 * copied into rua (NUL-terminated, "" when none, truncated records are
 * treated as having none).
 */
int rdest_check_txt(const char *const *txt, const size_t *len, size_t n,
    char *rua, size_t rualen);

/* rdest_below - 1 when host is domain or a subdomain of it (pure) */
int rdest_below(const char *host, const char *domain);

/*
 * rdest_verify - decide every destination of l for reports about
 * policy_domain (the domain whose record published the rua=, lower
 * case), asking DNS through oc (its resolver; its mode decides the
 * Organizational Domain).  Sets each state and why, and may replace
 * addr by an override.  Returns the worst state: RDEST_TEMP when any is
 * undecided, else RDEST_OK when at least one may be sent to, else
 * RDEST_REFUSED.
 */
enum rdest_state rdest_verify(struct orgdom_ctx *oc, const char *policy_domain,
    struct rdest_list *l);

#endif
