/*
 * mailaddr.h - RFC 5322 From header and RFC 5321 path parsing: find the
 * one author address of a message and its domain (the DMARC Author
 * Domain), or say clearly why there is none.
 *
 * Pure: bytes in, result out; no I/O, no logging, no allocation that
 * outlives a call.  Thread-safe.  Fuzzed: tests/fuzz/fuzz_mailaddr.c.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_MAILADDR_H
#define HALLMARK_MAILADDR_H

#include <stddef.h>

#define ADDR_DOMAIN_MAX 253
#define ADDR_LOCAL_MAX 256 /* longer local parts are not kept */

enum addr_status {
	ADDR_OK = 0,		/* exactly one mailbox with a domain */
	ADDR_NONE,		/* no mailbox at all (empty, empty group) */
	ADDR_SEVERAL,		/* more than one mailbox */
	ADDR_NODOMAIN,		/* one mailbox without a usable domain */
	ADDR_UNPARSEABLE	/* not RFC 5322 syntax */
};

struct addr_from {
	enum addr_status status;
	size_t nmailbox;	/* mailboxes found (also when SEVERAL) */
	int same_domain;	/* SEVERAL: all mailboxes share one domain */
	/* OK (and SEVERAL: the first one's): lower case, A-labels, no
	 * trailing dot */
	char domain[ADDR_DOMAIN_MAX + 1];
	/* OK: the local part as written (its words joined, quoted strings
	 * with their quotes, comments and folding dropped); "" when longer
	 * than ADDR_LOCAL_MAX */
	char local[ADDR_LOCAL_MAX + 1];
	const char *why;	/* static text when status != OK */
};

/*
 * addr_from_parse - parse the value of one From header field (len bytes,
 * folding and comments allowed) into *out.  Always fills *out.
 */
void addr_from_parse(const char *value, size_t len, struct addr_from *out);

/*
 * addr_path_domain - the domain of an RFC 5321 path or bare address
 * ("user@example.org", "<user@example.org>", "<>", "postmaster") into out
 * (lower case, A-labels).  Returns 0, or -1 when there is no usable domain
 * (null path, no '@', bad domain).
 */
int addr_path_domain(const char *path, char *out, size_t outlen);

/*
 * addr_domain_normalize - check a domain name (LDH labels or UTF-8
 * U-labels), convert it to lower-case A-labels into out.  Returns 0 or -1
 * with *why set.
 */
int addr_domain_normalize(const char *dom, size_t len, char *out,
    size_t outlen, const char **why);

const char *addr_status_name(enum addr_status st);

#endif
