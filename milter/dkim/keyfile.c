/*
 * keyfile.c - DKIM private key files: open and check, read, parse; see
 * keyfile.h for the contract.
 *
 * Owns nothing between calls.  The bytes read from a key file go into one
 * heap buffer of KEYFILE_MAX + 1 bytes that is wiped with OPENSSL_cleanse
 * before it is freed; messages name files and modes, never key material.
 * No logging.  Thread-safe.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "keyfile.h"
#include "str.h"

/* keyfile_open - open read-only, regular file, report the mode */
int
keyfile_open(const char *path, unsigned *mode, char *err, size_t errlen)
{
	struct stat st;
	char eb[128];
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return str_seterr(err, errlen, "%s: cannot open: %s", path,
		    strerror_r(errno, eb, sizeof(eb)));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return str_seterr(err, errlen, "%s: not a regular file", path);
	}
	*mode = (unsigned)(st.st_mode & 07777);
	return fd;
}

/* keyfile_mode_ok - no access for group or others */
int
keyfile_mode_ok(unsigned mode)
{
	return (mode & (S_IRWXG | S_IRWXO)) == 0;
}

/* keyfile_parse - PEM (PKCS#8 or traditional) private key bytes */
EVP_PKEY *
keyfile_parse(const void *pem, size_t len)
{
	BIO *bio;
	EVP_PKEY *pk;

	if (len > KEYFILE_MAX)
		return NULL;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL)
		return NULL;
	pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	return pk;
}

/* read_secret - read an open key file into a buffer the caller wipes */
static ssize_t
read_secret(int fd, unsigned char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n < cap) {
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

/* keyfile_read_fd - read and parse the private key of an open file; the
 * bytes read are wiped; NULL with *why set when it cannot */
EVP_PKEY *
keyfile_read_fd(int fd, const char **why)
{
	unsigned char *buf = xmalloc(KEYFILE_MAX + 1);
	EVP_PKEY *pk = NULL;
	ssize_t n = read_secret(fd, buf, KEYFILE_MAX + 1);

	if (n >= 0 && n <= KEYFILE_MAX)
		pk = keyfile_parse(buf, (size_t)n);
	OPENSSL_cleanse(buf, KEYFILE_MAX + 1);
	free(buf);
	if (n < 0)
		*why = "read error";
	else if (n > KEYFILE_MAX)
		*why = "too large for a key file";
	else if (pk == NULL)
		*why = "not a PEM private key (RSA or Ed25519) that can be "
		    "parsed";
	return pk;
}

/* keyfile_load - checked read and parse of one key file */
int
keyfile_load(const char *path, EVP_PKEY **pkey, char *err, size_t errlen)
{
	const char *why = "?";
	char sub[4352];		/* a path and a reason */
	unsigned mode = 0;
	int fd;

	*pkey = NULL;
	fd = keyfile_open(path, &mode, sub, sizeof(sub));
	if (fd < 0)
		return str_seterr(err, errlen, "key file %s", sub);
	if (!keyfile_mode_ok(mode)) {
		close(fd);
		return str_seterr(err, errlen, "key file %s: mode %04o gives "
		    "access to group or others; refused (chmod 600 it)", path,
		    mode);
	}
	*pkey = keyfile_read_fd(fd, &why);
	close(fd);
	if (*pkey == NULL)
		return str_seterr(err, errlen, "key file %s: %s", path, why);
	return 0;
}
