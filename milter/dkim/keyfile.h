/*
 * keyfile.h - DKIM private key files: open one and check what it is and
 * who may read it, read it, parse its PEM private key (RSA or Ed25519).
 *
 * Used by the key table (hallmarkd's keys, keytable.c), `hallmark
 * testkey` (testkey.c) and the test tools, so that every program reads
 * keys with the same code.
 *
 * Secrets: the bytes read from a key file live only in one heap buffer,
 * wiped (OPENSSL_cleanse) before it is freed, whether or not they parse.
 * No function here logs, and no message ever contains key material (only
 * file names, modes and static reasons).  The caller owns (and frees with
 * EVP_PKEY_free) every key returned; OpenSSL clears it when freed.
 *
 * Thread-safe (no shared state).  Errors: keyfile_open and keyfile_load
 * return -1 with a one-line reason in err; the others return NULL.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_KEYFILE_H
#define HALLMARK_KEYFILE_H

#include <stddef.h>

#include <openssl/evp.h>

/* the largest key file read (a 16384-bit RSA key in PEM is ~13 KB) */
#define KEYFILE_MAX (64 * 1024)

/* keyfile_open - open path read-only (close-on-exec); it must be a regular
 * file; *mode gets its permission bits.  The descriptor, or -1 with err
 * ("PATH: cannot open: reason", "PATH: not a regular file") */
int keyfile_open(const char *path, unsigned *mode, char *err, size_t errlen);

/* keyfile_mode_ok - 1 when group and others have no access to a file of
 * this mode (0600, 0400, ...), 0 otherwise: hallmarkd refuses the others */
int keyfile_mode_ok(unsigned mode);

/* keyfile_parse - PEM private key bytes (PKCS#8 or traditional, no
 * passphrase) to a key object; NULL if not one or over KEYFILE_MAX.  Pure */
EVP_PKEY *keyfile_parse(const void *pem, size_t len);

/* keyfile_read_fd - read (KEYFILE_MAX at most) and parse the private key
 * of an open file, wiping the bytes read; NULL with *why (static text) if
 * it cannot.  fd stays open */
EVP_PKEY *keyfile_read_fd(int fd, const char **why);

/* keyfile_load - open, check (regular file, mode: no access for group or
 * others), read and parse one key file: hallmarkd's rule.  0 with *pkey,
 * or -1 with *pkey NULL and err ("key file PATH: what is wrong") */
int keyfile_load(const char *path, EVP_PKEY **pkey, char *err,
    size_t errlen);

#endif
