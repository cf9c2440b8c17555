/*
 * keygen.h - `hallmark keygen`: make a DKIM key pair with OpenSSL, write
 * the private key as a mode-0600 PEM file, and format what the operator
 * pastes elsewhere: the DNS TXT record (RFC 6376 3.6.1; Ed25519 as the
 * raw 32-byte public key, RFC 8463 4.2) and the hallmark.conf key-table
 * entry.
 *
 * Formatting functions are pure (key or strings in, allocated string
 * out; the caller frees); only keygen_write_key touches the file system.
 * Nothing here logs or prints, and no message ever contains key material.
 * Errors: NULL or -1 with a one-line reason in err.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_KEYGEN_H
#define HALLMARK_KEYGEN_H

#include <stddef.h>

#include <openssl/evp.h>

#define KEYGEN_RSA_MIN_BITS	1024	/* RFC 8301 3.2: smaller is refused */
#define KEYGEN_RSA_MAX_BITS	8192
#define KEYGEN_RSA_DEF_BITS	2048
#define KEYGEN_TXT_CHUNK	255	/* longest DNS character-string */

enum keygen_type {
	KEYGEN_RSA = 0,
	KEYGEN_ED25519
};

/* keygen_type_parse - "rsa" or "ed25519" (any case); -1 if neither */
int keygen_type_parse(const char *s, enum keygen_type *out);
/* keygen_type_of - the type of a key object; -1 if neither RSA nor Ed25519 */
int keygen_type_of(EVP_PKEY *pk, enum keygen_type *out);
/* keygen_k_tag - the k= value: "rsa", "ed25519" */
const char *keygen_k_tag(enum keygen_type t);
/* keygen_alg_name - the signing algorithm: "rsa-sha256", "ed25519-sha256" */
const char *keygen_alg_name(enum keygen_type t);

/* keygen_valid_name - a domain or selector we accept: LDH and '_' labels,
 * no empty label, at most 253 bytes (a trailing dot is not allowed) */
int keygen_valid_name(const char *s);

/* keygen_generate - a new key; bits only for RSA (checked against the
 * bounds above) */
EVP_PKEY *keygen_generate(enum keygen_type t, int bits, char *err,
    size_t errlen);

/* keygen_public_raw - the bytes that go, base64-encoded, into p=: RSA
 * SubjectPublicKeyInfo DER, Ed25519 the raw 32-byte key; allocated,
 * length in *len */
unsigned char *
keygen_public_raw(EVP_PKEY *pk, size_t *len, char *err, size_t errlen);
/* keygen_record - the record text "v=DKIM1; k=...; p=..." for the key */
char *keygen_record(EVP_PKEY *pk, char *err, size_t errlen);

/*
 * keygen_zone_txt - a zone-file line for the record:
 *   SEL._domainkey.DOMAIN. IN TXT ( "first chunk"
 *           "next chunk" )
 * split into character-strings of at most chunk bytes (1..255); the
 * record must not contain '"' or '\' (keygen_record's never does).
 */
char *keygen_zone_txt(const char *domain, const char *selector,
    const char *record, size_t chunk);

/* keygen_conf_entry - the hallmark.conf dkim_sign keys and signing_table
 * entries for the key, each line a zone-file comment ("; "), so that the
 * whole keygen output can be pasted into a zone as it is */
char *keygen_conf_entry(const char *domain, const char *selector,
    enum keygen_type t, const char *key_file);

/*
 * keygen_write_key - write pk as an unencrypted PKCS#8 PEM file.  The file
 * is created with O_CREAT|O_EXCL and mode 0600 from the start (never
 * readable by others, not even for a moment); an existing path is refused
 * unless force, which writes a new 0600 file beside it and renames it
 * over the old one.  Symbolic links are not followed.
 */
int keygen_write_key(EVP_PKEY *pk, const char *path, int force, char *err,
    size_t errlen);

#endif
