/*
 * dns_cache.h - a small answer cache in front of the real resolver, so that
 * a warm lookup costs a hash probe instead of three thread hand-offs.
 *
 * Keyed by (name, case-insensitive; RR type).  Holds deep copies of final
 * answers only (DNS_OK, DNS_NODATA, DNS_NXDOMAIN) for the TTL the back end
 * reported, never failures.  Set-associative: a fixed number of sets of
 * DNS_CACHE_WAYS entries; a full set replaces its entry that expires first.
 * Memory is bounded twice: by the entry count and by a byte budget (an
 * answer that would exceed it is simply not kept).  Time is passed in
 * (seconds, any monotonic origin), so the structure is testable without a
 * clock.
 *
 * Ownership: dns_cache_get returns a fresh copy the caller frees with
 * dns_result_free; dns_cache_put copies what it keeps.
 * Thread safety: every call may come from any thread (one mutex).
 * Errors: none; out of memory exits (xmalloc), as everywhere.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DNS_CACHE_H
#define HALLMARK_DNS_CACHE_H

#include <stddef.h>
#include <time.h>

#include "dns.h"

#define DNS_CACHE_WAYS 4

struct dns_cache;

/* dns_cache_new - room for about max_entries answers and max_bytes of
 * record data (max_entries 0: a cache that keeps nothing) */
struct dns_cache *dns_cache_new(size_t max_entries, size_t max_bytes);

/* dns_cache_free - all entries and the cache; NULL is fine */
void dns_cache_free(struct dns_cache *c);

/* dns_cache_get - a copy of the answer for (name, type) still fresh at now,
 * or NULL */
struct dns_result *dns_cache_get(struct dns_cache *c, const char *name,
    int rrtype, time_t now);

/* dns_cache_put - keep a copy of res for ttl seconds from now, if it is a
 * final answer, ttl > 0 and it fits */
void dns_cache_put(struct dns_cache *c, const char *name, int rrtype,
    const struct dns_result *res, unsigned ttl, time_t now);

/* dns_cache_count - entries held (fresh or not yet replaced): tests */
size_t dns_cache_count(struct dns_cache *c);

#endif
