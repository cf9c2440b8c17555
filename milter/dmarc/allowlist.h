/*
 * allowlist.h - local policy overrides for DMARC: named vendor entries
 * (which clients are the vendor's: networks, the vendor's published SPF
 * record, DKIM d= domains; which From domains it may send as; for which
 * recipient domains), and the override reasons of the DMARC report
 * vocabulary.
 *
 * A list is built from the configuration (vendors = ( { ... } ),
 * allowlist_conf.c) and is immutable afterwards: read by every thread
 * without locks.  Matching here is pure (no I/O, no logging); the SPF
 * rule, which needs DNS, is vendor.c's.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_ALLOWLIST_H
#define HALLMARK_ALLOWLIST_H

#include <stddef.h>
#include <sys/socket.h>

#include "cidr.h"
#include "results.h"

/* PolicyOverrideType of DMARC aggregate reports */
enum allow_reason {
	ALLOW_R_LOCAL_POLICY = 0,
	ALLOW_R_TRUSTED_FORWARDER,
	ALLOW_R_FORWARDED,
	ALLOW_R_MAILING_LIST,
	ALLOW_R_SAMPLED_OUT,
	ALLOW_R_POLICY_TEST_MODE,
	ALLOW_R_OTHER
};

/* longest "via" text: "spf:" or "dkim:" and a domain, or "network:" and
 * a prefix */
#define ALLOW_VIA_MAX 272

struct allow_vendor {
	char *name;
	/* the rules: which mail is the vendor's (at least one is set) */
	struct cidr_set networks; /* client networks; may be empty */
	char *spf;		  /* domain whose SPF record lists the
				   * vendor's relays, or NULL */
	char **dkim_domains;	  /* passing d= that are the vendor's;
				   * NULL-terminated (empty: none) */
	/* the scope: From domains ("*.x": subdomains of x), and recipient
	 * domains (empty: every recipient); NULL-terminated */
	char **domains;
	size_t ndomains;
	char **rcpt_domains;
	enum allow_reason reason; /* default local_policy */
};

struct allow_list {
	size_t n;
	struct allow_vendor *v;
};

/* what a message offers the vendor rules */
struct allow_msg {
	const struct sockaddr *client; /* NULL: unknown */
	const char *author;	       /* From domain */
	/* its recipients' domains (lower case, "" for none), NULL-ended */
	char *const *rcpt_domains;
	const struct res_dkim_sig *dkim; /* the DKIM results */
	size_t ndkim;
};

/* allow_vendor_add - append an empty vendor named name; returns it */
struct allow_vendor *allow_vendor_add(struct allow_list *l, const char *name);
/* allow_strlist_add - append a domain (copied, lower-cased, no final dot)
 * to the NULL-terminated list *list */
void allow_strlist_add(char ***list, const char *domain);
/* allow_vendor_domain - add a From domain (allow_strlist_add) */
void allow_vendor_domain(struct allow_vendor *v, const char *domain);
void allow_list_free(struct allow_list *l);

/* allow_domain_match - is domain (lower case) in list (exact, or a
 * subdomain of a "*.x" entry) */
int allow_domain_match(char *const *list, const char *domain);

/* allow_covers - v applies to this message: its domains hold the author
 * domain and, when it names recipient domains, every recipient domain of
 * the message is one of them (no recipients: not covered) */
int allow_covers(const struct allow_vendor *v, const struct allow_msg *m);

/* allow_by_network - the client is in v's networks; the prefix that
 * holds it as "network:192.0.2.0/24" into via */
int allow_by_network(const struct allow_vendor *v,
    const struct sockaddr *client, char *via, size_t vialen);

/* allow_by_dkim - a passing DKIM signature has one of v's dkim_domains
 * as d=; "dkim:D" into via */
int allow_by_dkim(const struct allow_vendor *v, const struct allow_msg *m,
    char *via, size_t vialen);

/* allow_match_static - the first vendor that covers the message and
 * whose networks or DKIM domains match (no DNS); via as above; NULL when
 * none */
const struct allow_vendor *allow_match_static(const struct allow_list *l,
    const struct allow_msg *m, char *via, size_t vialen);

/* allow_match - allow_match_static for a client and a From domain alone
 * (no recipients, no DKIM): entries with recipient_domains never match */
const struct allow_vendor *allow_match(const struct allow_list *l,
    const struct sockaddr *client, const char *from_domain);

const char *allow_reason_name(enum allow_reason r);
/* allow_reason_parse - 0, or -1 for an unknown name */
int allow_reason_parse(const char *s, enum allow_reason *out);

#endif
