/*
 * ragg.h - the in-memory aggregation of DMARC aggregate report rows:
 * (UTC day, policy domain, row key) -> message count, and the last
 * policy record seen per (day, policy domain).
 *
 * Two layers:
 *   struct ragg     a table, no locking, no I/O: used by one thread at a
 *                   time (the unit tests, the flusher with a batch it
 *                   took, the global table under its mutex).
 *   ragg_add() ...  the process's one table (hallmarkd), thread-safe:
 *                   milter threads add at end of message; the flusher
 *                   thread (rflush.c) takes the whole table out in one
 *                   swap and, if the store cannot be written, gives it
 *                   back.
 *
 * Memory is bounded: a table never holds more than max_rows distinct
 * rows; a message that would need one more is refused (RAGG_FULL) and,
 * in the global table, counted in hallmark_reports_dropped_total and
 * logged (at most one line a minute): never a silent loss.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RAGG_H
#define HALLMARK_RAGG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "rrow.h"

#define RAGG_DAY_SECONDS 86400

struct ragg;

enum ragg_rc {
	RAGG_NEW = 0, /* a new row */
	RAGG_COUNTED, /* added to an existing row */
	RAGG_FULL     /* max_rows reached: not recorded */
};

/* ragg_new / ragg_free - an empty table; free (NULL is fine) */
struct ragg *ragg_new(void);
void ragg_free(struct ragg *a);

/*
 * ragg_put - add count messages to row rowkey (keylen bytes, an rrow_key
 * string) of (day, domain).  A new row takes over rowkey (malloc'd, freed
 * with the table); otherwise the caller keeps it (*taken tells).
 */
enum ragg_rc ragg_put(struct ragg *a, int64_t day, const char *domain,
    char *rowkey, size_t keylen, uint64_t count, size_t max_rows, int *taken);

/* ragg_put_policy - p becomes the policy of (day, domain) unless the one
 * kept was seen later; equal policies only update seen (no allocation) */
void ragg_put_policy(struct ragg *a, int64_t day, const char *domain,
    const struct rpolicy *p, int64_t seen);

/* rows, messages, and the bytes the table holds (its allocations'
 * sizes: payload and bookkeeping, not the allocator's own overhead) */
size_t ragg_rows(const struct ragg *a);
uint64_t ragg_messages(const struct ragg *a);
size_t ragg_bytes(const struct ragg *a);

/* iteration (order unspecified); a callback returning non-zero stops,
 * and that value is returned */
typedef int (*ragg_row_fn)(int64_t day, const char *domain, const char *rowkey,
    size_t keylen, uint64_t count, void *arg);
typedef int (*ragg_pol_fn)(int64_t day, const char *domain,
    const struct rpolicy *p, int64_t seen, void *arg);
int ragg_each_row(const struct ragg *a, ragg_row_fn fn, void *arg);
int ragg_each_policy(const struct ragg *a, ragg_pol_fn fn, void *arg);

/* ragg_merge - add src's rows and policies into dst (max_rows bounds
 * dst); returns the messages of the rows that did not fit */
uint64_t ragg_merge(struct ragg *dst, const struct ragg *src, size_t max_rows);

/* ---- the process's table (thread-safe) ---------------------------- */

/*
 * ragg_add - record one message: row r (its count is ignored: one
 * message) under policy domain p->domain for the UTC day of now, and p
 * as that day's policy.  Returns RAGG_NEW, RAGG_COUNTED, RAGG_FULL
 * (counted as dropped, logged), or -1 when r cannot be keyed.
 */
int ragg_add(const struct rrow *r, const struct rpolicy *p, time_t now,
    size_t max_rows);

/* ragg_take - the rows recorded so far (the caller frees the table);
 * an empty table takes its place.  Never NULL. */
struct ragg *ragg_take(void);

/* ragg_give_back - merge a taken batch that could not be written back
 * into the process's table (newer policies win; rows beyond max_rows
 * are counted as dropped and logged), and free it */
void ragg_give_back(struct ragg *batch, size_t max_rows);

/* ragg_dropped - messages not recorded since start (RAGG_FULL) */
uint64_t ragg_dropped(void);

#endif
