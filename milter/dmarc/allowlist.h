/*
 * allowlist.h - local policy overrides for DMARC: named vendor relay
 * lists (networks + From domains), and the override reasons of the DMARC
 * report vocabulary.
 *
 * A list is built from the configuration (vendors = ( { ... } ),
 * allowlist_conf.c) and is immutable afterwards: read by every thread without locks.  Matching is
 * pure (no I/O, no logging).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_ALLOWLIST_H
#define HALLMARK_ALLOWLIST_H

#include <stddef.h>
#include <sys/socket.h>

#include "cidr.h"

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

struct allow_vendor {
	char *name;
	struct cidr_set networks;
	char **domains;		/* NULL-terminated; "*.x" = subdomains of x */
	size_t ndomains;
	enum allow_reason reason;	/* default local_policy */
};

struct allow_list {
	size_t n;
	struct allow_vendor *v;
};

/* allow_vendor_add - append an empty vendor named name; returns it */
struct allow_vendor *allow_vendor_add(struct allow_list *l, const char *name);
/* allow_vendor_domain - add a From domain (copied, lower-cased) */
void allow_vendor_domain(struct allow_vendor *v, const char *domain);
void allow_list_free(struct allow_list *l);

/* allow_domain_match - is domain (lower case) in list (exact, or a
 * subdomain of a "*.x" entry) */
int allow_domain_match(char *const *list, const char *domain);

/* allow_match - the first vendor whose networks hold the client address
 * and whose domains hold the From domain; NULL when none */
const struct allow_vendor *allow_match(const struct allow_list *l,
    const struct sockaddr *client, const char *from_domain);

const char *allow_reason_name(enum allow_reason r);
/* allow_reason_parse - 0, or -1 for an unknown name */
int allow_reason_parse(const char *s, enum allow_reason *out);

#endif
