/*
 * test_keygen.c - `hallmark keygen`'s pieces: the TXT record split into
 * 255-byte strings, the record syntax (RSA SubjectPublicKeyInfo; Ed25519
 * as the raw 32-byte key, checked against the RFC 8463 appendix A key),
 * the private key file (mode 0600 whatever the umask, O_EXCL: refusal to
 * overwrite, no symlink following, --force replacing atomically) and the
 * printed hallmark.conf entry, loaded by the real configuration loader.
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
#include <openssl/x509.h>

#include "conf.h"
#include "keyfile.h"
#include "keygen.h"
#include "str.h"

/* RFC 8463 appendix A.2: the Ed25519 example key and its DNS record */
static const char rfc8463_seed[] =
    "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
static const char rfc8463_p[] = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

static char dir[256];

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/hm-keygen-unit.XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* b64dec - decode base64 (no white space) into a fresh buffer */
static unsigned char *
b64dec(const char *s, size_t *len)
{
	size_t n = strlen(s), pad = 0;
	unsigned char *out = xmalloc(n / 4 * 3 + 1);
	int r = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);

	assert_true(r >= 0);
	while (n > 0 && s[n - 1] == '=') {
		pad++;
		n--;
	}
	*len = (size_t)r - pad;
	return out;
}

/* rfc8463_key - the appendix A private key */
static EVP_PKEY *
rfc8463_key(void)
{
	size_t n;
	unsigned char *seed = b64dec(rfc8463_seed, &n);
	EVP_PKEY *pk;

	assert_int_equal(n, 32);
	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, n);
	free(seed);
	assert_non_null(pk);
	return pk;
}

/* strings_of - the quoted strings of zone text, joined; counts and checks
 * each length */
static char *
strings_of(const char *zone, size_t *count, size_t *maxlen, size_t *lastlen)
{
	struct str b;
	const char *p = zone, *q;

	str_init(&b);
	*count = *maxlen = *lastlen = 0;
	while ((p = strchr(p, '"')) != NULL) {
		q = strchr(p + 1, '"');
		assert_non_null(q);
		str_addn(&b, p + 1, (size_t)(q - p - 1));
		(*count)++;
		*lastlen = (size_t)(q - p - 1);
		if (*lastlen > *maxlen)
			*maxlen = *lastlen;
		p = q + 1;
	}
	return str_steal(&b);
}

/* split_case - a record of len bytes split at chunk: count and sizes */
static void
split_case(size_t len, size_t chunk, size_t want_count, size_t want_last)
{
	char *rec = xmalloc(len + 1), *zone, *joined;
	size_t i, count, maxlen, lastlen;

	for (i = 0; i < len; i++)
		rec[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"[i % 38];
	rec[len] = '\0';
	zone = keygen_zone_txt("example.org", "sel", rec, chunk);
	assert_true(strncmp(zone, "sel._domainkey.example.org. IN TXT ( \"",
	    38) == 0);
	assert_true(strlen(zone) > 3 &&
	    strcmp(zone + strlen(zone) - 3, " )\n") == 0);
	joined = strings_of(zone, &count, &maxlen, &lastlen);
	assert_string_equal(joined, rec);
	assert_int_equal(count, want_count);
	assert_int_equal(lastlen, want_last);
	assert_true(maxlen <= (chunk ? chunk : 255));
	free(joined);
	free(zone);
	free(rec);
}

static void
test_split(void **state)
{
	split_case(1, 255, 1, 1);
	split_case(255, 255, 1, 255);
	split_case(256, 255, 2, 1);
	split_case(410, 255, 2, 155);		/* rsa-2048 */
	split_case(765, 255, 3, 255);
	split_case(806, 255, 4, 41);		/* rsa-4096 */
	split_case(25, 10, 3, 5);
	split_case(300, 0, 2, 45);		/* 0: the 255 default */
	split_case(300, 1000, 2, 45);		/* never above 255 */
}

static void
test_ed25519_rfc8463(void **state)
{
	EVP_PKEY *pk = rfc8463_key();
	unsigned char *raw, *spki = NULL;
	char err[128], *rec, want[128];
	size_t n;
	int dn;

	raw = keygen_public_raw(pk, &n, err, sizeof(err));
	assert_non_null(raw);
	assert_int_equal(n, 32);
	/* the raw key is the BIT STRING at the end of the SPKI DER */
	dn = i2d_PUBKEY(pk, &spki);
	assert_int_equal(dn, 44);
	assert_memory_equal(raw, spki + 12, 32);
	rec = keygen_record(pk, err, sizeof(err));
	snprintf(want, sizeof(want), "v=DKIM1; k=ed25519; p=%s", rfc8463_p);
	assert_string_equal(rec, want);
	free(rec);
	free(raw);
	OPENSSL_free(spki);
	EVP_PKEY_free(pk);
}

static void
test_rsa_record(void **state)
{
	EVP_PKEY *pk = keygen_generate(KEYGEN_RSA, 1024, NULL, 0), *pub;
	char err[128], *rec;
	unsigned char *der;
	const unsigned char *q;
	size_t n;

	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_get_bits(pk), 1024);
	rec = keygen_record(pk, err, sizeof(err));
	assert_non_null(rec);
	assert_true(strncmp(rec, "v=DKIM1; k=rsa; p=MI", 20) == 0);
	assert_null(strpbrk(rec, "\"\\\r\n"));
	der = b64dec(rec + 18, &n);
	q = der;
	pub = d2i_PUBKEY(NULL, &q, (long)n);
	assert_non_null(pub);
	assert_ptr_equal(q, der + n);
	assert_int_equal(EVP_PKEY_eq(pk, pub), 1);
	EVP_PKEY_free(pub);
	free(der);
	free(rec);
	EVP_PKEY_free(pk);
}

static void
test_generate_args(void **state)
{
	enum keygen_type t;
	char err[256];
	EVP_PKEY *pk;

	assert_null(keygen_generate(KEYGEN_RSA, 512, err, sizeof(err)));
	assert_non_null(strstr(err, "512"));
	assert_null(keygen_generate(KEYGEN_RSA, 1023, err, sizeof(err)));
	assert_null(keygen_generate(KEYGEN_RSA, 8193, err, sizeof(err)));
	pk = keygen_generate(KEYGEN_ED25519, 0, err, sizeof(err));
	assert_non_null(pk);
	assert_int_equal(keygen_type_of(pk, &t), 0);
	assert_int_equal(t, KEYGEN_ED25519);
	EVP_PKEY_free(pk);
	assert_int_equal(keygen_type_parse("RSA", &t), 0);
	assert_int_equal(t, KEYGEN_RSA);
	assert_int_equal(keygen_type_parse("Ed25519", &t), 0);
	assert_int_equal(t, KEYGEN_ED25519);
	assert_int_equal(keygen_type_parse("dsa", &t), -1);
	assert_int_equal(keygen_type_parse("", &t), -1);
	assert_true(keygen_valid_name("example.org"));
	assert_true(keygen_valid_name("s_2026-a"));
	assert_false(keygen_valid_name("example..org"));
	assert_false(keygen_valid_name("example.org."));
	assert_false(keygen_valid_name("ex ample.org"));
	assert_false(keygen_valid_name("a\"b"));
	assert_false(keygen_valid_name(""));
}

/* read_file - whole small file */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char buf[8192];

	assert_non_null(f);
	*len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return xstrndup(buf, *len);
}

/* parses_as - the file holds pk */
static void
parses_as(const char *path, EVP_PKEY *pk)
{
	size_t n;
	char *pem = read_file(path, &n);
	EVP_PKEY *back = keyfile_parse(pem, n);

	assert_non_null(back);
	assert_int_equal(EVP_PKEY_eq(back, pk), 1);
	EVP_PKEY_free(back);
	free(pem);
}

static void
test_write_mode_and_overwrite(void **state)
{
	EVP_PKEY *a = keygen_generate(KEYGEN_ED25519, 0, NULL, 0);
	EVP_PKEY *b = keygen_generate(KEYGEN_ED25519, 0, NULL, 0);
	char path[300], err[512], cmd[400];
	struct stat st;
	mode_t old = umask(0);		/* the most permissive umask */

	snprintf(path, sizeof(path), "%s/k.pem", dir);
	assert_int_equal(keygen_write_key(a, path, 0, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	parses_as(path, a);
	/* an existing file is refused and stays as it was */
	assert_int_equal(keygen_write_key(b, path, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exists"));
	parses_as(path, a);
	/* --force: replaced, still 0600, no temporary file left */
	chmod(path, 0644);
	assert_int_equal(keygen_write_key(b, path, 1, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	parses_as(path, b);
	snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
	unlink(path);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

static void
test_write_no_symlink(void **state)
{
	EVP_PKEY *a = keygen_generate(KEYGEN_ED25519, 0, NULL, 0);
	char target[300], link[300], err[512], *txt;
	size_t n;
	FILE *f;

	snprintf(target, sizeof(target), "%s/victim", dir);
	snprintf(link, sizeof(link), "%s/link.pem", dir);
	f = fopen(target, "w");
	assert_non_null(f);
	fputs("precious\n", f);
	fclose(f);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(keygen_write_key(a, link, 0, err, sizeof(err)), -1);
	txt = read_file(target, &n);
	assert_string_equal(txt, "precious\n");
	free(txt);
	/* a dangling link is not followed either */
	unlink(target);
	assert_int_equal(keygen_write_key(a, link, 0, err, sizeof(err)), -1);
	assert_int_equal(access(target, F_OK), -1);
	/* no directory: a clear error */
	snprintf(target, sizeof(target), "%s/no/such/dir.pem", dir);
	assert_int_equal(keygen_write_key(a, target, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot create"));
	unlink(link);
	EVP_PKEY_free(a);
}

/* uncomment - the "; " prefixed lines of the entry, prefixes removed,
 * keeping only those starting with "{" or a continuation */
static char *
uncomment(const char *entry, const char *first)
{
	const char *p = strstr(entry, first), *nl;
	struct str b;

	assert_non_null(p);
	str_init(&b);
	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		str_addn(&b, p, nl ? (size_t)(nl - p) : strlen(p));
		str_addc(&b, '\n');
		if (nl == NULL || strncmp(nl + 1, ";     ", 6) != 0)
			break;
		p = nl + 6;
	}
	return str_steal(&b);
}

static void
test_conf_entry_loads(void **state)
{
	EVP_PKEY *pk = keygen_generate(KEYGEN_ED25519, 0, NULL, 0);
	char path[300], err[512], *entry, *keys, *rule, *conf;
	const char *p;
	struct conf_err e;
	struct conf *c;

	snprintf(path, sizeof(path), "%s/e\"1.pem", dir);
	assert_int_equal(keygen_write_key(pk, path, 0, err, sizeof(err)), 0);
	entry = keygen_conf_entry("example.org", "e1", KEYGEN_ED25519, path);
	/* every line is a zone-file comment */
	assert_int_equal(entry[strlen(entry) - 1], '\n');
	for (p = entry; *p != '\0'; p = strchr(p, '\n') + 1)
		assert_int_equal(*p, ';');
	keys = uncomment(entry, "{ name =");
	rule = uncomment(entry, "{ pattern =");
	conf = xasprintf("dkim_sign = { keys = ( %s ); signing_table = ( %s ); };",
	    keys, rule);
	c = conf_load_string(conf, 1, &e);
	if (c == NULL)
		fail_msg("%s: line %d: %s", conf, e.line, e.msg);
	conf_release(c);
	free(conf);
	free(keys);
	free(rule);
	free(entry);
	unlink(path);
	EVP_PKEY_free(pk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_ed25519_rfc8463),
		cmocka_unit_test(test_rsa_record),
		cmocka_unit_test(test_generate_args),
		cmocka_unit_test(test_write_mode_and_overwrite),
		cmocka_unit_test(test_write_no_symlink),
		cmocka_unit_test(test_conf_entry_loads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
