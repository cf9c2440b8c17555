/*
 * dns_rdata.h - pure conversions between DNS wire format and what dns.h
 * promises callers: wire names to presentation text, one rdata to one
 * struct dns_rr, and a caller's name to the escaped text a resolver parses.
 *
 * No I/O, no logging, no global state: safe from any thread, unit-tested
 * and fuzzable.  Malformed input is reported by the return value, never by
 * reading past the given length.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DNS_RDATA_H
#define HALLMARK_DNS_RDATA_H

#include <stddef.h>

#include "dns.h"

/* room for any wire name in presentation form: 255 bytes as \DDD + NUL */
#define DNS_PRES_MAX 1024

/*
 * dns_rdata_name - the uncompressed wire name at the start of rd[0..len)
 * as text into out (size outlen >= DNS_PRES_MAX): labels joined by dots,
 * no trailing dot (the root name gives ""), '.' and '\' escaped with a
 * backslash, bytes outside 0x21..0x7e as \DDD.  Returns the number of wire
 * bytes used, or 0 when the name is malformed (truncated, a compression
 * pointer, a label over 63 or a name over 255 bytes).
 */
size_t dns_rdata_name(const unsigned char *rd, size_t len, char *out,
    size_t outlen);

/*
 * dns_rdata_add - convert one rdata of the given type and append it to res
 * as dns.h describes (A, AAAA, TXT, MX, PTR, CNAME, NS; other types are
 * kept as raw bytes).  Returns 0, or -1 when the rdata is malformed
 * (res is then unchanged).
 */
int dns_rdata_add(struct dns_result *res, int type, const unsigned char *rd,
    size_t len);

/*
 * dns_rdata_qname - a query name (labels of any bytes, dot-separated, as
 * dns.c has checked it) as the escaped text libunbound parses: letters,
 * digits, '-', '_' and the dots kept, every other byte as \DDD.  Returns
 * 0, or -1 when out (size outlen) is too small.
 */
int dns_rdata_qname(const char *name, char *out, size_t outlen);

#endif
