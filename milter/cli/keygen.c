/*
 * keygen.c - DKIM key pairs for `hallmark keygen`: generation (OpenSSL 3
 * EVP), the private key file, the DNS TXT record and the hallmark.conf
 * entry.  See keygen.h for the contract.
 *
 * Owns nothing between calls; every returned string is the caller's to
 * free.  Private key bytes only pass through an OpenSSL secure-memory BIO
 * (cleared when freed) on their way to the file.  Thread-safe (no shared
 * state), though only the single-threaded CLI uses it.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "b64.h"
#include "keygen.h"
#include "keytable.h"
#include "str.h"

/* errtext - strerror_r for errno e */
static const char *
errtext(int e, char *buf, size_t len)
{
	return strerror_r(e, buf, len);
}

/* keygen_type_parse - type name to enum */
int
keygen_type_parse(const char *s, enum keygen_type *out)
{
	if (s != NULL && str_casecmp(s, "rsa") == 0) {
		*out = KEYGEN_RSA;
		return 0;
	}
	if (s != NULL && str_casecmp(s, "ed25519") == 0) {
		*out = KEYGEN_ED25519;
		return 0;
	}
	return -1;
}

/* keygen_type_of - type of a key object */
int
keygen_type_of(EVP_PKEY *pk, enum keygen_type *out)
{
	if (pk != NULL && EVP_PKEY_is_a(pk, "RSA")) {
		*out = KEYGEN_RSA;
		return 0;
	}
	if (pk != NULL && EVP_PKEY_is_a(pk, "ED25519")) {
		*out = KEYGEN_ED25519;
		return 0;
	}
	return -1;
}

/* keygen_k_tag - k= value */
const char *
keygen_k_tag(enum keygen_type t)
{
	return t == KEYGEN_ED25519 ? "ed25519" : "rsa";
}

/* keygen_alg_name - a= value of signatures made with the key */
const char *
keygen_alg_name(enum keygen_type t)
{
	return t == KEYGEN_ED25519 ? "ed25519-sha256" : "rsa-sha256";
}

/* keygen_valid_name - what the key table accepts as d= (and a selector):
 * LDH/underscore labels, none empty, <= 253 bytes */
int
keygen_valid_name(const char *s)
{
	return keytab_domain_ok(s);
}

/* keygen_generate - new RSA or Ed25519 key */
EVP_PKEY *
keygen_generate(enum keygen_type t, int bits, char *err, size_t errlen)
{
	EVP_PKEY *pk;

	if (t == KEYGEN_RSA && (bits < KEYGEN_RSA_MIN_BITS ||
	    bits > KEYGEN_RSA_MAX_BITS)) {
		str_seterr(err, errlen, "RSA key size %d refused: use %d to %d "
		    "bits (RFC 8301: at least %d)", bits, KEYGEN_RSA_MIN_BITS,
		    KEYGEN_RSA_MAX_BITS, KEYGEN_RSA_MIN_BITS);
		return NULL;
	}
	if (t == KEYGEN_RSA)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	else
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (pk == NULL)
		str_seterr(err, errlen, "OpenSSL could not generate the %s key",
		    keygen_k_tag(t));
	return pk;
}

/* keygen_public_raw - p= bytes: SPKI DER (RSA) or raw key (Ed25519) */
unsigned char *
keygen_public_raw(EVP_PKEY *pk, size_t *len, char *err, size_t errlen)
{
	enum keygen_type t;
	unsigned char *buf, *p;
	int n;

	*len = 0;
	if (keygen_type_of(pk, &t) < 0) {
		str_seterr(err, errlen, "not an RSA or Ed25519 key");
		return NULL;
	}
	if (t == KEYGEN_ED25519) {
		buf = xmalloc(32);
		*len = 32;
		if (EVP_PKEY_get_raw_public_key(pk, buf, len) != 1 ||
		    *len != 32) {
			free(buf);
			str_seterr(err, errlen, "cannot extract the Ed25519 "
			    "public key");
			return NULL;
		}
		return buf;
	}
	n = i2d_PUBKEY(pk, NULL);
	if (n <= 0) {
		str_seterr(err, errlen, "cannot encode the RSA public key");
		return NULL;
	}
	buf = p = xmalloc((size_t)n);
	if (i2d_PUBKEY(pk, &p) != n) {
		free(buf);
		str_seterr(err, errlen, "cannot encode the RSA public key");
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

/* keygen_record - "v=DKIM1; k=rsa; p=..." */
char *
keygen_record(EVP_PKEY *pk, char *err, size_t errlen)
{
	enum keygen_type t;
	unsigned char *raw;
	size_t n;
	char *b64, *rec;

	raw = keygen_public_raw(pk, &n, err, errlen);
	if (raw == NULL || keygen_type_of(pk, &t) < 0) {
		free(raw);
		return NULL;
	}
	b64 = b64_encode(raw, n);
	free(raw);
	rec = xasprintf("v=DKIM1; k=%s; p=%s", keygen_k_tag(t), b64);
	free(b64);
	return rec;
}

/* keygen_zone_txt - the record as a zone line, split into strings */
char *
keygen_zone_txt(const char *domain, const char *selector,
    const char *record, size_t chunk)
{
	struct str b;
	size_t len = strlen(record), off = 0, n;

	if (chunk == 0 || chunk > KEYGEN_TXT_CHUNK)
		chunk = KEYGEN_TXT_CHUNK;
	str_init(&b);
	str_addf(&b, "%s._domainkey.%s. IN TXT (", selector, domain);
	do {
		n = len - off < chunk ? len - off : chunk;
		if (off > 0)
			str_add(&b, "\n\t");
		str_add(&b, " \"");
		str_addn(&b, record + off, n);
		str_addc(&b, '"');
		off += n;
	} while (off < len);
	str_add(&b, " )\n");
	return str_steal(&b);
}

/* conf_quote - a libconfig string body: '"' and '\\' escaped, control
 * characters (which would end the comment line) as '?' */
static char *
conf_quote(const char *s)
{
	struct str b;

	str_init(&b);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			str_addc(&b, '\\');
		str_addc(&b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	}
	return str_steal(&b);
}

/* keygen_conf_entry - hallmark.conf lines for the key, as comments */
char *
keygen_conf_entry(const char *domain, const char *selector,
    enum keygen_type t, const char *key_file)
{
	char *q = conf_quote(key_file), *out;

	out = xasprintf(
	    "; hallmark.conf, dkim_sign { keys = ( ... ); } (commas between "
	    "entries):\n"
	    ";   { name = \"%s-%s\"; domain = \"%s\"; selector = \"%s\";\n"
	    ";     algorithm = \"%s\"; key_file = \"%s\"; }\n"
	    "; and to sign mail from %s with it, in signing_table = ( ... ):\n"
	    ";   { pattern = \"%s\"; keys = [\"%s-%s\"]; }\n",
	    domain, selector, domain, selector, keygen_alg_name(t), q,
	    domain, domain, domain, selector);
	free(q);
	return out;
}

/* pem_bytes - the key as PKCS#8 PEM in a secure-memory BIO */
static BIO *
pem_bytes(EVP_PKEY *pk, const char **p, size_t *n)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data;
	long len;

	if (bio == NULL)
		return NULL;
	if (PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) != 1) {
		BIO_free(bio);
		return NULL;
	}
	len = BIO_get_mem_data(bio, &data);
	if (len <= 0) {
		BIO_free(bio);
		return NULL;
	}
	*p = data;
	*n = (size_t)len;
	return bio;
}

/* write_all - whole buffer to fd, then fsync; 0 or -1 (errno set) */
static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return fsync(fd);
}

/* open_new - create a fresh 0600 file: path itself, or (force) a temporary
 * name beside it, returned in *tmp */
static int
open_new(const char *path, int force, char **tmp)
{
	int fd;

	*tmp = NULL;
	if (!force)
		return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	*tmp = xasprintf("%s.tmpXXXXXX", path);
	fd = mkostemp(*tmp, O_CLOEXEC);	/* O_EXCL, mode 0600 */
	if (fd < 0) {
		free(*tmp);
		*tmp = NULL;
	}
	return fd;
}

/* keygen_write_key - the private key file, mode 0600 from its creation */
int
keygen_write_key(EVP_PKEY *pk, const char *path, int force, char *err,
    size_t errlen)
{
	char eb[128], *tmp;
	const char *pem;
	size_t n;
	BIO *bio;
	int fd, rc = 0;

	bio = pem_bytes(pk, &pem, &n);
	if (bio == NULL)
		return str_seterr(err, errlen, "cannot encode the private key");
	fd = open_new(path, force, &tmp);
	if (fd < 0) {
		int e = errno;

		BIO_free(bio);
		if (e == EEXIST)
			return str_seterr(err, errlen,
			    "%s exists; not overwritten "
			    "(--force replaces it)", path);
		return str_seterr(err, errlen, "cannot create %s: %s", path,
		    errtext(e, eb, sizeof(eb)));
	}
	/* umask can only have removed bits; make it exactly 0600 */
	if (fchmod(fd, 0600) < 0 || write_all(fd, pem, n) < 0)
		rc = str_seterr(err, errlen, "cannot write %s: %s", path,
		    errtext(errno, eb, sizeof(eb)));
	BIO_free(bio);
	if (close(fd) < 0 && rc == 0)
		rc = str_seterr(err, errlen, "cannot write %s: %s", path,
		    errtext(errno, eb, sizeof(eb)));
	if (rc == 0 && tmp != NULL && rename(tmp, path) < 0)
		rc = str_seterr(err, errlen, "cannot replace %s: %s", path,
		    errtext(errno, eb, sizeof(eb)));
	if (rc < 0)
		unlink(tmp != NULL ? tmp : path);
	free(tmp);
	return rc;
}
