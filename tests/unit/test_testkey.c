/*
 * test_testkey.c - `hallmark testkey`'s decisions: the DKIM key record
 * parser (RFC 6376 3.6.1 tag list: v= first, duplicates, FWS in p=,
 * revoked keys, bad base64), the match of a record against a private key
 * (RFC 8463 example key, other key, other type, h=/s= restrictions, bare
 * RSAPublicKey), the lookup outcomes through an in-memory DNS zone
 * (match, several records, NXDOMAIN, timeout) and the key file reader's
 * mode report.  The real resolver against NSD: t_keygen.sh.
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

#include "dns.h"
#include "b64.h"
#include "keygen.h"
#include "str.h"
#include "testkey.h"

/* RFC 8463 appendix A: the Ed25519 example key pair */
static const unsigned char rfc8463_seed[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
	0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
	0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60
};
#define RFC8463_REC "v=DKIM1; k=ed25519; " \
	"p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

static EVP_PKEY *ed, *ed2, *rsa;

static int
setup(void **state)
{
	ed = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
	    rfc8463_seed, 32);
	ed2 = keygen_generate(KEYGEN_ED25519, 0, NULL, 0);
	rsa = keygen_generate(KEYGEN_RSA, 1024, NULL, 0);
	return ed && ed2 && rsa ? 0 : -1;
}

static int
teardown(void **state)
{
	EVP_PKEY_free(ed);
	EVP_PKEY_free(ed2);
	EVP_PKEY_free(rsa);
	return 0;
}

/* parse_ok - parse s, expecting success */
static void
parse_ok(const char *s, struct testkey_rec *r)
{
	char err[256];

	if (testkey_parse_record(s, strlen(s), r, err, sizeof(err)) != 0)
		fail_msg("\"%s\": %s", s, err);
}

/* parse_bad - parse s, expecting an error mentioning what */
static void
parse_bad(const char *s, size_t len, const char *what)
{
	struct testkey_rec r;
	char err[256] = "";

	assert_int_equal(testkey_parse_record(s, len, &r, err, sizeof(err)), -1);
	if (strstr(err, what) == NULL)
		fail_msg("\"%s\": error \"%s\" lacks \"%s\"", s, err, what);
	testkey_rec_free(&r);
}

static void
test_parse(void **state)
{
	struct testkey_rec r;

	parse_ok(RFC8463_REC, &r);
	assert_string_equal(r.v, "DKIM1");
	assert_string_equal(r.k, "ed25519");
	assert_int_equal(r.plen, 32);
	assert_int_equal(r.p[0], 0xd7);
	testkey_rec_free(&r);
	/* FWS anywhere, trailing ';', unknown tags, no v= */
	parse_ok("  k = ed25519 ;n=notes here; p=11qYAYKxCrfVS/7TyWQHO\r\n"
	    "\tg7hcvPapiMlrwIaaPcHURo= ;", &r);
	assert_null(r.v);
	assert_int_equal(r.plen, 32);
	testkey_rec_free(&r);
	parse_ok("v=DKIM1; p=", &r);		/* revoked */
	assert_null(r.p);
	assert_int_equal(r.plen, 0);
	testkey_rec_free(&r);
	parse_ok("v=DKIM1; t=s:y; p=", &r);
	assert_true(testkey_flags_testing(&r));
	testkey_rec_free(&r);
	parse_ok("v=DKIM1; t=s; p=", &r);
	assert_false(testkey_flags_testing(&r));
	testkey_rec_free(&r);

	parse_bad("v=DKIM2; p=", 11, "DKIM1");
	parse_bad("k=rsa; v=DKIM1; p=", 18, "first");
	parse_bad("k=rsa; k=rsa; p=", 16, "twice");
	parse_bad("p=; p=", 6, "twice");
	parse_bad("v=DKIM1; k=rsa", 14, "no p=");
	parse_bad("v=spf1 -all", 11, "DKIM1");
	parse_bad("v=DKIM1; foo; p=", 16, "without '='");
	parse_bad("", 0, "no p=");
	parse_bad("p=abc", 5, "base64");
	parse_bad("p=ab=c", 6, "base64");
	parse_bad("p=a===", 6, "base64");
	parse_bad("p=ab!d", 6, "base64");
	parse_bad("1x=2; p=", 8, "tag name");
	parse_bad("p=\0AAAA", 7, "NUL");
}

/* match - parse and match rec against pk; the reason into why */
static enum testkey_result
match(EVP_PKEY *pk, const char *rec, char *why, size_t len)
{
	struct testkey_rec r;
	enum testkey_result m;

	parse_ok(rec, &r);
	m = testkey_match(pk, &r, why, len);
	testkey_rec_free(&r);
	return m;
}

/* rec_for - the record keygen prints for pk, with extra tags spliced in
 * after "v=DKIM1; " */
static char *
rec_for(EVP_PKEY *pk, const char *extra)
{
	char *rec = keygen_record(pk, NULL, 0), *out;

	assert_non_null(rec);
	out = xasprintf("v=DKIM1; %s%s", extra, rec + 9);
	free(rec);
	return out;
}

static void
test_match(void **state)
{
	char why[256], *r;

	assert_int_equal(match(ed, RFC8463_REC, why, sizeof(why)),
	    TESTKEY_MATCH);
	assert_int_equal(match(ed2, RFC8463_REC, why, sizeof(why)),
	    TESTKEY_MISMATCH);
	assert_non_null(strstr(why, "not the one of this private key"));
	assert_int_equal(match(rsa, RFC8463_REC, why, sizeof(why)),
	    TESTKEY_MISMATCH);
	assert_non_null(strstr(why, "k=ed25519, but the private key is RSA"));
	assert_int_equal(match(ed, "v=DKIM1; k=ed25519; p=", why,
	    sizeof(why)), TESTKEY_MISMATCH);
	assert_non_null(strstr(why, "revoked"));
	assert_int_equal(match(ed, "k=ed25519; p=AAAA", why, sizeof(why)),
	    TESTKEY_MISMATCH);
	assert_non_null(strstr(why, "not a valid Ed25519"));
	assert_int_equal(match(ed, "k=dsa; p=AAAA", why, sizeof(why)),
	    TESTKEY_MISMATCH);
	assert_non_null(strstr(why, "k=dsa"));

	r = rec_for(rsa, "");
	assert_int_equal(match(rsa, r, why, sizeof(why)), TESTKEY_MATCH);
	assert_non_null(strstr(why, "1024 bits"));
	assert_int_equal(match(ed, r, why, sizeof(why)), TESTKEY_MISMATCH);
	free(r);
	r = rec_for(rsa, "h=sha1; ");
	assert_int_equal(match(rsa, r, why, sizeof(why)), TESTKEY_MISMATCH);
	assert_non_null(strstr(why, "h="));
	free(r);
	r = rec_for(rsa, "h=sha1:sha256; s=email; ");
	assert_int_equal(match(rsa, r, why, sizeof(why)), TESTKEY_MATCH);
	free(r);
	r = rec_for(rsa, "s=tlsrpt; ");
	assert_int_equal(match(rsa, r, why, sizeof(why)), TESTKEY_MISMATCH);
	assert_non_null(strstr(why, "s="));
	free(r);
}

/* test_rsa_pkcs1 - p= as a bare RSAPublicKey (seen in the wild) matches */
static void
test_rsa_pkcs1(void **state)
{
	unsigned char *der = NULL;
	int n = i2d_PublicKey(rsa, &der);
	char why[256], *b64, *rec;

	assert_true(n > 0);
	b64 = b64_encode(der, (size_t)n);
	rec = xasprintf("v=DKIM1; k=rsa; p=%s", b64);
	assert_int_equal(match(rsa, rec, why, sizeof(why)), TESTKEY_MATCH);
	/* truncated DER is no key */
	rec[strlen(rec) - 8] = '\0';
	assert_int_equal(match(rsa, rec, why, sizeof(why)), TESTKEY_MISMATCH);
	free(rec);
	free(b64);
	OPENSSL_free(der);
}

static void
test_check_dns(void **state)
{
	char err[256], why[256], *zone;
	struct dns_resolver *r;
	int testing;

	zone = xasprintf(
	    "e1._domainkey.example.org TXT \"v=DKIM1; k=ed25519; \" "
	    "\"p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
	    "t1._domainkey.example.org TXT \"" RFC8463_REC "; t=y\"\n"
	    "two._domainkey.example.org TXT \"" RFC8463_REC "\"\n"
	    "two._domainkey.example.org TXT \"v=DKIM1; k=ed25519; p=\"\n"
	    "slow._domainkey.example.org TIMEOUT\n"
	    "sf._domainkey.example.org SERVFAIL\n"
	    "other.example.org A 192.0.2.1\n");
	r = dns_static_new(zone, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(testkey_check(r, "example.org", "e1", ed, &testing,
	    why, sizeof(why)), TESTKEY_MATCH);
	assert_int_equal(testing, 0);
	assert_int_equal(testkey_check(r, "example.org", "t1", ed, &testing,
	    why, sizeof(why)), TESTKEY_MATCH);
	assert_int_equal(testing, 1);
	assert_int_equal(testkey_check(r, "example.org", "e1", ed2, &testing,
	    why, sizeof(why)), TESTKEY_MISMATCH);
	assert_int_equal(testkey_check(r, "example.org", "two", ed, &testing,
	    why, sizeof(why)), TESTKEY_MISMATCH);
	assert_non_null(strstr(why, "record 2 of 2"));
	assert_int_equal(testkey_check(r, "example.org", "none", ed, &testing,
	    why, sizeof(why)), TESTKEY_MISMATCH);
	assert_non_null(strstr(why, "no key published"));
	assert_int_equal(testkey_check(r, "example.org", "slow", ed, &testing,
	    why, sizeof(why)), TESTKEY_TEMPFAIL);
	assert_int_equal(testkey_check(r, "example.org", "sf", ed, &testing,
	    why, sizeof(why)), TESTKEY_TEMPFAIL);
	dns_resolver_free(r);
	free(zone);
}

static void
test_read_key(void **state)
{
	char dir[] = "/tmp/hm-testkey-unit.XXXXXX", path[300], err[512];
	unsigned mode = 0;
	EVP_PKEY *pk;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k.pem", dir);
	assert_int_equal(keygen_write_key(ed, path, 0, err, sizeof(err)), 0);
	chmod(path, 0640);
	pk = testkey_read_key(path, &mode, err, sizeof(err));
	assert_non_null(pk);
	assert_int_equal(mode, 0640);		/* reported, not refused */
	assert_int_equal(EVP_PKEY_eq(pk, ed), 1);
	EVP_PKEY_free(pk);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
	    f);
	fclose(f);
	assert_null(testkey_read_key(path, &mode, err, sizeof(err)));
	assert_non_null(strstr(err, "not a PEM private key"));
	assert_null(testkey_read_key(dir, &mode, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	unlink(path);
	assert_null(testkey_read_key(path, &mode, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_rsa_pkcs1),
		cmocka_unit_test(test_check_dns),
		cmocka_unit_test(test_read_key),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
