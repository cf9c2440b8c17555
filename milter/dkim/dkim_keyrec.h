/*
 * dkim_keyrec.h - DKIM key records (RFC 6376 section 3.6.1) put in the form
 * libopendkim 2.11 reads, before it sees them.
 *
 * libopendkim reads p= of an RSA key only as a SubjectPublicKeyInfo.  RFC
 * 6376 section 3.6.1 describes the RSA p= as an "RSAPublicKey" (PKCS#1)
 * and some domains publish exactly that; other verifiers accept both.  A
 * record whose p= is a PKCS#1 RSAPublicKey (and not a SubjectPublicKeyInfo)
 * is rewritten with the same key as a SubjectPublicKeyInfo; everything
 * else in the record is kept byte for byte.
 *
 * Pure apart from the crypto library: no I/O, no logging, no global state;
 * safe from any thread.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DKIM_KEYREC_H
#define HALLMARK_DKIM_KEYREC_H

#include <stddef.h>

/*
 * dkimk_pkcs1_fix - rec[0..len) is a key record (the TXT strings joined).
 * When its p= holds a PKCS#1 RSAPublicKey, returns 1 and an allocated
 * record with p= as a SubjectPublicKeyInfo in *out, *outlen; otherwise
 * (no p=, a SubjectPublicKeyInfo, not base64, k= other than rsa, not a
 * key at all) returns 0 and leaves the record to libopendkim's judgement.
 */
int dkimk_pkcs1_fix(const unsigned char *rec, size_t len, unsigned char **out,
    size_t *outlen);

#endif
