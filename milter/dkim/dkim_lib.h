/*
 * dkim_lib.h - the one libopendkim library handle (DKIM_LIB) of the process,
 * and the bridge that makes libopendkim's key lookups go through hallmark's
 * DNS layer (dns.h) instead of its own resolver.
 *
 * Ownership: dkiml_lib() creates the handle on first use (thread-safe, once)
 * and keeps it until dkiml_shutdown().  The handle may be used by several
 * threads at once (libopendkim's contract for DKIM_LIB).
 *
 * DNS: libopendkim's query hooks do not receive the message, so the caller
 * binds the resolver and the message's DNS budget to the calling thread with
 * dkiml_dns_bind() around every libopendkim call that may look up keys
 * (dkim_eoh, dkim_eom), and unbinds after.  A lookup with nothing bound fails
 * as a DNS error (temperror), never as "no key".
 *
 * Result mapping: SERVFAIL, TIMEOUT and local errors are reported to
 * libopendkim as DKIM_DNS_ERROR (the signature then gets a key-retrieval
 * failure, i.e. temperror); OK, NODATA and NXDOMAIN become a DNS reply
 * packet (dkiml_reply_build) that libopendkim parses itself.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DKIM_LIB_H
#define HALLMARK_DKIM_LIB_H

#include <stddef.h>

#include <opendkim/dkim.h>

#include "dns.h"

/* dkiml_lib - the process's DKIM_LIB, created on first call; NULL if
 * libopendkim could not be initialised (logged) */
DKIM_LIB *dkiml_lib(void);

/* dkiml_shutdown - dkim_close() the handle (at exit; tests) */
void dkiml_shutdown(void);

#define DKIML_NOTES_MAX 8

/* what the bridge noted about one message's key records (its owner keeps
 * it across the libopendkim calls of the message, which libmilter may
 * make from different threads); zero-initialised, freed by
 * dkiml_keynotes_free */
struct dkiml_keynotes {
	unsigned n;
	char *big[DKIML_NOTES_MAX]; /* names of oversized key records */
};

/* dkiml_dns_bind - lookups made by this thread use r and budget (may be
 * NULL) and note to notes (may be NULL) until dkiml_dns_unbind() */
void dkiml_dns_bind(struct dns_resolver *r, struct dns_budget *budget,
    struct dkiml_keynotes *notes);
void dkiml_dns_unbind(void);

/* dkiml_key_oversized - kn notes that the key record for qname
 * ("s._domainkey.d") was too large for libopendkim (it was answered as
 * absent) */
int dkiml_key_oversized(const struct dkiml_keynotes *kn, const char *qname);
/* dkiml_keynotes_free - free the notes' names; kn may be NULL */
void dkiml_keynotes_free(struct dkiml_keynotes *kn);

/* dkiml_dns_queries - key lookups made by this thread since it started,
 * through the bridge or by hallmark's own verifier (tests) */
unsigned long dkiml_dns_queries(void);
/* dkiml_query_noted - count one key lookup of hallmark's own verifier */
void dkiml_query_noted(void);

/*
 * dkiml_reply_build - write a DNS reply packet for the question
 * (qname, qtype, class IN) answering with res into buf: header (QR, RD, RA,
 * RCODE 0 or 3 for NXDOMAIN), the question, and for DNS_OK one answer per
 * record (TXT data split into character-strings of at most 255 bytes).
 * Pure.  Returns the packet length, or 0 when the name is invalid, the
 * status cannot be expressed as a reply (SERVFAIL, TIMEOUT, ERROR) or the
 * packet does not fit in buflen.
 */
size_t dkiml_reply_build(unsigned char *buf, size_t buflen, const char *qname,
    int qtype, const struct dns_result *res);

#endif
