/*
 * fuzz_testkey.c - fuzz target: the DKIM key record parser of `hallmark
 * testkey` (testkey_parse_record) and the match of a parsed record
 * against an RSA and an Ed25519 private key (testkey_match).
 *
 * Invariants: a failed parse has a reason; a parsed record has p == NULL
 * exactly when plen == 0 (revoked); a match result is MATCH or MISMATCH
 * with a reason; an Ed25519 match means p= is that key's raw public key.
 */
#include <openssl/evp.h>

#include "fuzz.h"
#include "keygen.h"
#include "testkey.h"

static EVP_PKEY *ed, *rsa;
static unsigned char ed_raw[32];

/* LLVMFuzzerInitialize - the two keys, made once */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t n = sizeof(ed_raw);

	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	if (ed == NULL || rsa == NULL ||
	    EVP_PKEY_get_raw_public_key(ed, ed_raw, &n) != 1 || n != 32)
		abort();
	return 0;
}

/* check_match - one key against the parsed record */
static enum testkey_result
check_match(EVP_PKEY *pk, const struct testkey_rec *r)
{
	char why[256];
	enum testkey_result m;

	why[0] = '\0';
	m = testkey_match(pk, r, why, sizeof(why));
	FUZZ_CHECK(m == TESTKEY_MATCH || m == TESTKEY_MISMATCH);
	FUZZ_CHECK(why[0] != '\0' && memchr(why, '\0', sizeof(why)) != NULL);
	return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct testkey_rec r;
	char err[256];

	err[0] = '\0';
	if (testkey_parse_record((const char *)data, size, &r, err,
	    sizeof(err)) < 0) {
		FUZZ_CHECK(err[0] != '\0');
		testkey_rec_free(&r);
		return 0;
	}
	FUZZ_CHECK((r.p == NULL) == (r.plen == 0));
	if (check_match(ed, &r) == TESTKEY_MATCH)
		FUZZ_CHECK(r.plen == 32 && memcmp(r.p, ed_raw, 32) == 0);
	(void)check_match(rsa, &r);
	(void)testkey_flags_testing(&r);
	testkey_rec_free(&r);
	return 0;
}
