/*
 * vendor.h - which vendor entry (dmarc.vendors, allowlist.h) a message
 * that fails DMARC comes from, by the entries' rules: networks and DKIM
 * domains (no DNS), then the vendor's published SPF record (DNS).
 *
 * The SPF rule evaluates check_host(client IP, D, "postmaster@D") with
 * hallmark's own SPF engine (spf_eval.h) for the entry's spf = "D": the
 * client matches when the result is pass.  Its lookups go through the
 * DNS layer (cached, TTLs respected) under the message's DNS budget.  A
 * lookup that fails (temperror) or a record that is unusable
 * (permerror) matches nothing; vendor_match says so in hit->note for the
 * log, and never turns the message's result into an error.
 *
 * Thread safety: per-message data and the read-only configuration only.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_VENDOR_H
#define HALLMARK_VENDOR_H

#include "allowlist.h"
#include "dns.h"

struct vendor_query {
	const struct allow_list *list;
	struct allow_msg msg;	       /* client, author, recipients, DKIM */
	const char *helo;	       /* for %{h}, or NULL */
	const char *receiver;	       /* for %{r}, or NULL */
	struct dns_resolver *resolver; /* NULL: no SPF rule */
	struct dns_budget *budget;     /* the message's; may be NULL */
	int use_spf;		       /* 0: the SPF rule is not tried */
};

struct vendor_hit {
	const struct allow_vendor *v; /* NULL: none matched */
	char via[ALLOW_VIA_MAX];      /* "spf:D", "dkim:D", "network:P" */
	char note[400];		      /* SPF rules that could not be
					 * decided, for the log; "" if none */
	unsigned spf_checks;	      /* SPF rules evaluated */
};

/*
 * vendor_match - the first entry covering the message (allow_covers)
 * whose networks or DKIM domains match, else (use_spf) the first whose
 * SPF rule passes the client.  hit is always filled.
 */
void vendor_match(const struct vendor_query *q, struct vendor_hit *hit);

/* vendor_spf_sender - the MAIL FROM the SPF rule checks for domain d:
 * "postmaster@d" into buf */
void vendor_spf_sender(const char *d, char *buf, size_t n);

#endif
