/*
 * rsupp.h - reputation controls of report sending: addresses that get no
 * report.  Two sources: the static list reports.suppress (addrpat.h
 * patterns: "user@example.org", "example.org", "*.example.org") and the
 * store's table suppress (an address or "@domain", with an expiry or
 * none), filled by `hallmark report suppress` by hand or from bounces.
 *
 * Bounces: a report's envelope sender is reports.bounce, or with
 * reports.verp its VERP form "local+rcptlocal=rcptdomain@domain", so a
 * bounce names the recipient in its own address.  rsupp_dsn_failed reads
 * the failed recipients of a delivery status notification (RFC 3464).
 *
 * The pure functions (verp, dsn, static) do no I/O; the table functions
 * use one rdb connection.  Addresses are compared in lower case.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RSUPP_H
#define HALLMARK_RSUPP_H

#include <stddef.h>
#include <stdint.h>

#include "rdb.h"

#define RSUPP_ADDR_MAX 320

/* rsupp_static - the first pattern of list (or NULL) matching addr */
const char *rsupp_static(char *const *list, const char *addr);

/*
 * rsupp_lookup - is addr (or "@" its domain) in table suppress with no
 * expiry or one after now: 1 (the entry and its reason in why), 0 not,
 * -1 store error (why has it).
 */
int rsupp_lookup(struct rdb *db, const char *addr, int64_t now, char *why,
    size_t whylen);

/* rsupp_add - insert or replace the entry for addr (lower-cased):
 * until 0 = permanent; 0 or -1 */
int rsupp_add(struct rdb *db, const char *addr, int64_t until,
    const char *reason, int64_t now);

/* rsupp_del - remove the entry; 1 removed, 0 there was none, -1 error */
int rsupp_del(struct rdb *db, const char *addr);

/* rsupp_valid - addr is "local@domain" or "@domain" (no spaces, no
 * controls): 1 or 0 */
int rsupp_valid(const char *addr);

/*
 * rsupp_verp_encode - the VERP sender for rcpt from the bounce address:
 * "dmarc-bounce@example.org" and "a@b.example" give
 * "dmarc-bounce+a=b.example@example.org".  0, or -1 when it does not fit.
 * rsupp_verp_decode - the inverse (the bounce address's local part and
 * domain must match; "+" may be any of the delimiters in delims): 0 with
 * the recipient in out, or -1.
 */
int rsupp_verp_encode(const char *bounce, const char *rcpt, char *out,
    size_t outlen);
int rsupp_verp_decode(const char *bounce, const char *verp, const char *delims,
    char *out, size_t outlen);

/*
 * rsupp_dsn_failed - the recipients a DSN reports as failed: each
 * per-recipient block (fields separated from the next block by an empty
 * line) with "Action: failed" gives its Final-Recipient (or else
 * Original-Recipient) of type rfc822, lower-cased.  At most max into
 * out; returns how many.
 */
size_t rsupp_dsn_failed(const char *msg, size_t len,
    char (*out)[RSUPP_ADDR_MAX + 1], size_t max);

#endif
