/*
 * addrpat.h - envelope address patterns (the skip_senders and
 * skip_recipients lists), written like the signing table's patterns:
 *   "user@example.org"  that address
 *   "example.org"       any address at exactly that domain
 *   "*.example.org"     any address at a subdomain of example.org
 * Case-insensitive; a trailing dot of the address's domain is ignored.
 * The null path ("") matches no pattern.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 * Pure: no I/O, no logging, no allocation.  Thread-safe.
 */
#ifndef HALLMARK_ADDRPAT_H
#define HALLMARK_ADDRPAT_H

#include <stddef.h>

/* addrpat_check - 0 when pat is one of the forms above, else -1 with a
 * one-line reason in err (conf_valid_fn shape) */
int addrpat_check(const char *pat, char *err, size_t errlen);

/* addrpat_match - 1 when the envelope address addr matches pat */
int addrpat_match(const char *pat, const char *addr);

/* addrpat_list_match - the first pattern of list (NULL-terminated, or
 * NULL) that addr matches, or NULL */
const char *addrpat_list_match(char *const *list, const char *addr);

#endif
