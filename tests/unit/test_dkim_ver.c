/*
 * test_dkim_ver.c - unit tests of hallmark's own DKIM verifier
 * (dkim_ver*.c) beyond what every verify test checks: the decoded-key
 * cache (one decoding per key record, a changed record decoded again,
 * keys shared across messages), one body digest per distinct
 * (canonicalisation, hash, l=), and the same results as the libopendkim
 * reference on the messages used.  Fixtures: dkimv_fixture.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf_table.h"
#include "dkim_ver.h"
#include "dkim_verify.h"
#include "dkim_verkey.h"
#include "dns.h"
#include "str.h"
#include "dkimv_fixture.h"

/* test_key_cache - a key is decoded once and then found in the cache; a
 * changed record (new bytes) is decoded again */
static void
test_key_cache(void **state)
{
	struct sign_opts o = OPTS("sel");
	unsigned long dec, hits, dec2, hits2;
	struct hm_msg *m;
	struct conf *cf, *save = T_conf;
	char *z, *rec;

	dkvk_cache_clear();
	for (int k = 0; k < 3; k++) {
		m = sign_run(NULL, K_rsa, &o);
		expect_sig(m, 0, RES_DKIM_PASS, NULL);
		msg_done(m);
	}
	dkvk_cache_stats(&dec, &hits);
	assert_int_equal(dec, 1);
	assert_int_equal(hits, 2);
	/* the same name with other bytes: decoded again */
	rec = xasprintf("v=DKIM1;  k=rsa; p=%s", K_rsa->p);
	z = zone_for(NULL);
	cf = conf_new(z);
	assert_int_equal(dns_static_add(cf->resolver,
			     "cache._domainkey."
			     "example.org",
			     DNS_T_TXT, 0, rec, strlen(rec)),
	    0);
	T_conf = cf;
	o.sel = "cache";
	m = sign_run(NULL, K_rsa, &o);
	expect_sig(m, 0, RES_DKIM_PASS, NULL);
	msg_done(m);
	dkvk_cache_stats(&dec2, &hits2);
	assert_int_equal(dec2, 2);
	assert_int_equal(hits2, 2);
	T_conf = save;
	conf_done(cf);
	free(z);
	free(rec);
}

/* test_body_shared - three signatures, two with the same body
 * canonicalisation and hash: two body digests, all three pass, as with
 * the reference */
static void
test_body_shared(void **state)
{
	struct sign_opts a = OPTS("sel"), b = OPTS("k1024"), c = OPTS("sel");
	char *s1, *s2, *s3;
	struct hm_msg *m;
	unsigned long before;

	c.bc = DKIM_CANON_RELAXED;
	s1 = sign_msg(MSG, K_rsa, &a);
	s2 = sign_msg(s1, K_1024, &b); /* simple body, sha256: shared */
	s3 = sign_msg(s2, K_rsa, &c);  /* relaxed body: its own */
	before = dkver_digests();
	m = msg_run(T_conf, s3, strlen(s3));
	assert_int_equal(dkver_digests() - before, 2);
	assert_int_equal(m->ndkim, 3);
	for (size_t k = 0; k < 3; k++)
		expect_sig(m, k, RES_DKIM_PASS, NULL);
	msg_done(m);
	dkimv_reference = 1;
	m = msg_run(T_conf, s3, strlen(s3));
	dkimv_reference = 0;
	assert_int_equal(m->ndkim, 3);
	for (size_t k = 0; k < 3; k++)
		expect_sig(m, k, RES_DKIM_PASS, NULL);
	msg_done(m);
	free(s1);
	free(s2);
	free(s3);
}

/* test_length_shared - l= is part of the digest's identity: the same
 * canonicalisation with and without l= gives two digests */
static void
test_length_shared(void **state)
{
	struct sign_opts a = OPTS("sel"), b = OPTS("sel");
	char *s1, *s2;
	struct hm_msg *m;
	unsigned long before;

	b.length = 10;
	s1 = sign_msg(MSG, K_rsa, &a);
	s2 = sign_msg(s1, K_rsa, &b);
	before = dkver_digests();
	m = msg_run(T_conf, s2, strlen(s2));
	assert_int_equal(dkver_digests() - before, 2);
	assert_int_equal(m->ndkim, 2);
	expect_sig(m, 0, RES_DKIM_PASS, NULL);
	expect_sig(m, 1, RES_DKIM_PASS, NULL);
	msg_done(m);
	free(s1);
	free(s2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_cache),
		cmocka_unit_test(test_body_shared),
		cmocka_unit_test(test_length_shared),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
