/*
 * b64.h - base64 (RFC 4648 section 4, the alphabet DKIM uses): encode
 * bytes, check and decode text that may hold folding white space (RFC
 * 6376 section 3.5: b=, bh=, p=).  The one base64 helper of hallmark.
 *
 * Pure: no I/O, no logging; thread-safe.  Allocation failures abort
 * (str.h).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_B64_H
#define HALLMARK_B64_H

#include <stddef.h>

/* b64_encode - base64 of n bytes, no line breaks; allocated */
char *b64_encode(const unsigned char *p, size_t n);

/* b64_valid - s[0..len) is base64 letters with white space anywhere and
 * at most two '=' at the end (lengths are not checked): 1 or 0 */
int b64_valid(const char *s, size_t len);

/* b64_decode - s[0..len) (white space skipped) into *out (allocated,
 * NULL when empty) and *outlen; -1 when it is not whole base64 */
int b64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen);

#endif
