/*
 * test_keyfile.c - private key files (keyfile.c): the mode rule (0600 and
 * 0400 accepted, any access for group or others refused), PEM parsing of
 * RSA and Ed25519 keys, and every refusal with its reason: missing file,
 * directory, unparsable content, a file over KEYFILE_MAX.  No message may
 * carry the file's content.  Real files in a private temp directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "keyfile.h"
#include "str.h"

static char dir[64];
static EVP_PKEY *rsa, *ed;

/* path_of - dir/name into a static buffer */
static const char *
path_of(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* write_key - a PEM private key file with mode */
static void
write_key(const char *path, EVP_PKEY *pk, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* write_text - a file with content and mode */
static void
write_text(const char *path, const char *text, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int
setup(void **state)
{
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	snprintf(dir, sizeof(dir), "/tmp/hm-keyfile.XXXXXX");
	return mkdtemp(dir) != NULL && rsa != NULL && ed != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_mode_rule(void **state)
{
	assert_true(keyfile_mode_ok(0600));
	assert_true(keyfile_mode_ok(0400));
	assert_true(keyfile_mode_ok(0700));
	assert_false(keyfile_mode_ok(0640));
	assert_false(keyfile_mode_ok(0604));
	assert_false(keyfile_mode_ok(0620));
	assert_false(keyfile_mode_ok(0602));
	assert_false(keyfile_mode_ok(0610));
	assert_false(keyfile_mode_ok(0601));
	assert_false(keyfile_mode_ok(0644));
}

static void
test_parse(void **state)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *pem;
	long n;
	EVP_PKEY *pk;

	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PrivateKey(b, ed, NULL, NULL, 0, NULL,
	    NULL), 1);
	n = BIO_get_mem_data(b, &pem);
	assert_true(n > 0);
	pk = keyfile_parse(pem, (size_t)n);
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_eq(pk, ed), 1);
	EVP_PKEY_free(pk);
	assert_null(keyfile_parse(pem, (size_t)n / 2));	/* cut short */
	assert_null(keyfile_parse(pem, KEYFILE_MAX + 1));	/* too long */
	assert_null(keyfile_parse("", 0));
	BIO_free(b);
}

static void
test_load_good(void **state)
{
	char err[512] = "";
	EVP_PKEY *pk = NULL;

	write_key(path_of("rsa.pem"), rsa, 0600);
	assert_int_equal(keyfile_load(path_of("rsa.pem"), &pk, err,
	    sizeof(err)), 0);
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_eq(pk, rsa), 1);
	EVP_PKEY_free(pk);
	write_key(path_of("ed.pem"), ed, 0400);
	assert_int_equal(keyfile_load(path_of("ed.pem"), &pk, err,
	    sizeof(err)), 0);
	assert_int_equal(EVP_PKEY_eq(pk, ed), 1);
	EVP_PKEY_free(pk);
}

static void
test_load_refused(void **state)
{
	const char *bad = "-----BEGIN PRIVATE KEY-----\nSECRETBYTES\n"
	    "-----END PRIVATE KEY-----\n";
	char err[512], *big;
	EVP_PKEY *pk = (EVP_PKEY *)1;

	write_key(path_of("open.pem"), ed, 0644);
	assert_int_equal(keyfile_load(path_of("open.pem"), &pk, err,
	    sizeof(err)), -1);
	assert_null(pk);
	assert_non_null(strstr(err, "mode 0644"));
	assert_non_null(strstr(err, "group or others"));
	assert_int_equal(keyfile_load(path_of("missing.pem"), &pk, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open"));
	assert_int_equal(keyfile_load(dir, &pk, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	write_text(path_of("bad.pem"), bad, strlen(bad), 0600);
	assert_int_equal(keyfile_load(path_of("bad.pem"), &pk, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a PEM private key"));
	assert_null(strstr(err, "SECRETBYTES"));	/* no content */
	big = xmalloc(KEYFILE_MAX + 10);
	memset(big, 'A', KEYFILE_MAX + 10);
	write_text(path_of("big.pem"), big, KEYFILE_MAX + 10, 0600);
	free(big);
	assert_int_equal(keyfile_load(path_of("big.pem"), &pk, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "too large"));
	assert_null(pk);
}

static void
test_open_reports_mode(void **state)
{
	char err[512];
	unsigned mode = 0;
	const char *why = NULL;
	EVP_PKEY *pk;
	int fd;

	write_key(path_of("shared.pem"), rsa, 0640);
	fd = keyfile_open(path_of("shared.pem"), &mode, err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(mode, 0640);		/* reported, not judged */
	pk = keyfile_read_fd(fd, &why);
	close(fd);
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_eq(pk, rsa), 1);
	EVP_PKEY_free(pk);
	assert_int_equal(keyfile_open(dir, &mode, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_rule),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_load_refused),
		cmocka_unit_test(test_open_reports_mode),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
