/*
 * test_dkim_verify.c - unit tests of DKIM verification (dkim_verify.c,
 * dkim_lib.c, dkim_policy.c): the DNS reply builder, the pure policy, and
 * whole messages through the dkimv module with keys served by a dns_static
 * zone, signed by a real signer (libopendkim's own, keys generated here
 * with OpenSSL).  Bad input and streaming: test_dkim_verify_input.c; the
 * interop corpus: test_dkim_verify_corpus.c; shared fixtures:
 * dkimv_fixture.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "conf_table.h"
#include "ctx.h"
#include "dkim_lib.h"
#include "dkim_policy.h"
#include "dkim_verify.h"
#include "dns.h"
#include "str.h"
#include "dkimv_fixture.h"

/* ---- the DNS reply builder ------------------------------------------ */

/* test_reply_txt - TXT answers are split into 255-byte strings */
static void
test_reply_txt(void **state)
{
	struct dns_result res = { .status = DNS_OK };
	struct dns_rr rr;
	unsigned char buf[2048], data[600];
	size_t n, q;

	memset(data, 'a', sizeof(data));
	rr.type = DNS_T_TXT;
	rr.pref = 0;
	rr.len = sizeof(data);
	rr.data = data;
	res.nrr = 1;
	res.rr = &rr;
	n = dkiml_reply_build(buf, sizeof(buf), "s._domainkey.ex.org", DNS_T_TXT,
	    &res);
	q = 12 + 21 + 4;	/* header, name (3+1+10+1+2+1+3+1... ), q */
	assert_int_equal(buf[3] & 0x0f, 0);		/* NOERROR */
	assert_int_equal(buf[7], 1);			/* ANCOUNT */
	assert_int_equal(buf[12], 1);			/* label "s" */
	q = 12 + (1 + 1) + (1 + 10) + (1 + 2) + (1 + 3) + 1 + 4;
	assert_int_equal(buf[q], 0xC0);			/* name pointer */
	assert_int_equal((buf[q + 10] << 8) | buf[q + 11], 600 + 3);
	assert_int_equal(buf[q + 12], 255);
	assert_int_equal(buf[q + 12 + 256], 255);
	assert_int_equal(buf[q + 12 + 512], 90);
	assert_int_equal(n, q + 12 + 603);
	/* too small a buffer: no reply rather than a truncated one */
	assert_int_equal(dkiml_reply_build(buf, 300, "s._domainkey.ex.org",
	    DNS_T_TXT, &res), 0);
}

/* test_reply_status - NXDOMAIN, NODATA, failures, bad names */
static void
test_reply_status(void **state)
{
	struct dns_result res = { .status = DNS_NXDOMAIN };
	unsigned char buf[512];

	assert_true(dkiml_reply_build(buf, sizeof(buf), "a.b", DNS_T_TXT,
	    &res) > 12);
	assert_int_equal(buf[3] & 0x0f, 3);
	assert_int_equal(buf[7], 0);
	res.status = DNS_NODATA;
	assert_true(dkiml_reply_build(buf, sizeof(buf), "a.b.", DNS_T_TXT,
	    &res) > 12);
	assert_int_equal(buf[3] & 0x0f, 0);
	assert_int_equal(buf[7], 0);
	res.status = DNS_SERVFAIL;
	assert_int_equal(dkiml_reply_build(buf, sizeof(buf), "a.b", DNS_T_TXT,
	    &res), 0);
	res.status = DNS_TIMEOUT;
	assert_int_equal(dkiml_reply_build(buf, sizeof(buf), "a.b", DNS_T_TXT,
	    &res), 0);
	res.status = DNS_NODATA;
	assert_int_equal(dkiml_reply_build(buf, sizeof(buf), "a..b",
	    DNS_T_TXT, &res), 0);
	assert_int_equal(dkiml_reply_build(buf, sizeof(buf), "", DNS_T_TXT,
	    &res), 0);
	assert_int_equal(dkiml_reply_build(buf, sizeof(buf),
	    "a234567890123456789012345678901234567890123456789012345678901234.b",
	    DNS_T_TXT, &res), 0);
}

/* ---- the pure policy ------------------------------------------------ */

static const struct conf_dkim_verify CF_DEF = { 1, 8, 1024, DKIMV_SHA1_FAIL,
	DKIMV_L_ACCEPT, 300, 65536, NULL, 0 };

/* facts_pass - facts of a good rsa-sha256 signature */
static struct dkimpol_facts
facts_pass(void)
{
	struct dkimpol_facts f = {
		.sigerror = DKIM_SIGERROR_OK,
		.flags = DKIM_SIGFLAG_PROCESSED | DKIM_SIGFLAG_PASSED,
		.bhres = DKIM_SIGBH_MATCH, .alg = DKIM_SIGN_RSASHA256,
		.keybits = 2048, .d = "example.org", .i = NULL,
		.h = "from:to:subject", .msglen = 100, .signlen = -1,
	};
	return f;
}

/* decide - dkimpol_decide with default config at t=1e9 */
static enum res_dkim
decide(const struct dkimpol_facts *f, const struct conf_dkim_verify *cf,
    char *why)
{
	return dkimpol_decide(f, cf ? cf : &CF_DEF, 1000000000, why, 160);
}

/* test_decide_algorithms - RFC 8301, key sizes, ed25519 */
static void
test_decide_algorithms(void **state)
{
	struct dkimpol_facts f = facts_pass();
	struct conf_dkim_verify cf = CF_DEF;
	char why[160];

	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PASS);
	assert_string_equal(why, "");
	f.alg = DKIM_SIGN_RSASHA1;
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_FAIL);
	assert_non_null(strstr(why, "rsa-sha1"));
	cf.rsa_sha1 = DKIMV_SHA1_NEUTRAL;
	assert_int_equal(decide(&f, &cf, why), RES_DKIM_NEUTRAL);
	f.alg = DKIM_SIGN_RSASHA256;
	f.keybits = 1023;
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_FAIL);
	assert_string_equal(why, "key too small (1023 bits)");
	cf.min_rsa_bits = 512;
	assert_int_equal(decide(&f, &cf, why), RES_DKIM_PASS);
	f.alg = DKIM_SIGN_ED25519SHA256;
	f.keybits = 0;		/* libopendkim's report for ed25519 */
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PASS);
	f.key_k = "rsa";
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	assert_string_equal(why, "key type does not match a=");
	f.key_k = "ED25519";
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PASS);
	f.alg = DKIM_SIGN_RSASHA256;
	f.keybits = 2048;
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	f.key_k = "rsa";
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PASS);
	f.key_k = NULL;
	f.alg = DKIM_SIGN_UNKNOWN;
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	assert_string_equal(why, "unknown algorithm");
}

/* test_decide_identity - i= within d=, From in h= */
static void
test_decide_identity(void **state)
{
	struct dkimpol_facts f = facts_pass();
	char why[160];

	assert_true(dkimpol_i_within_d("@example.org", "example.org"));
	assert_true(dkimpol_i_within_d("u@Mail.Example.ORG", "example.org"));
	assert_false(dkimpol_i_within_d("u@badexample.org", "example.org"));
	assert_false(dkimpol_i_within_d("u@org", "example.org"));
	assert_false(dkimpol_i_within_d("no-at-sign", "example.org"));
	assert_true(dkimpol_i_within_d(NULL, "example.org"));
	f.i = "@evil.example";
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	assert_string_equal(why, "i= not within d=");
	f = facts_pass();
	assert_true(dkimpol_h_has("To : FROM : subject", "from"));
	assert_true(dkimpol_h_has("from", "from"));
	assert_false(dkimpol_h_has("to:subject:x-from", "from"));
	assert_false(dkimpol_h_has("", "from"));
	assert_false(dkimpol_dup_tag("v=1; a=rsa-sha256; d=x; s=y; b=AA=="));
	assert_false(dkimpol_dup_tag(" v = 1 ;\r\n\tD=x; d=y;;"));
	assert_true(dkimpol_dup_tag("v=1; d=x; s=y; d=z"));
	assert_true(dkimpol_dup_tag("v=1; d=x; s=y;\r\n\t d =z;"));
	assert_true(dkimpol_dup_tag("b=1; b=2"));
	assert_false(dkimpol_dup_tag(""));
	assert_false(dkimpol_dup_tag(";;;="));
	f.dup_tag = 1;
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	assert_string_equal(why, "duplicate tag");
	f.dup_tag = 0;
	f.h = "to:subject";
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	assert_string_equal(why, "From not signed");
}

/* test_decide_times - x= expiry, t= in the future, malformed times */
static void
test_decide_times(void **state)
{
	struct dkimpol_facts f = facts_pass();
	char why[160];

	f.t = "999999000";
	f.x = "999999600";	/* 100 s beyond the 300 s drift */
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_FAIL);
	assert_string_equal(why, "signature expired");
	f.x = "999999800";	/* within the drift */
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PASS);
	f.x = NULL;
	f.t = "1000000400";
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_FAIL);
	assert_non_null(strstr(why, "future"));
	f.t = "1000000000";
	f.x = "999999999";
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	f.x = "12abc";
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	f.x = "99999999999999999999999999";
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
}

/* test_decide_errors - libopendkim errors, l=, testing keys */
static void
test_decide_errors(void **state)
{
	struct dkimpol_facts f = facts_pass();
	struct conf_dkim_verify cf = CF_DEF;
	char why[160];

	f.sigerror = DKIM_SIGERROR_KEYFAIL;
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_TEMPERROR);
	f.sigerror = DKIM_SIGERROR_NOKEY;
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	assert_string_equal(why, "key not found");
	f.sigerror = DKIM_SIGERROR_KEYDECODE;
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	f.sigerror = DKIM_SIGERROR_CORRUPT_B;
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	f.sigerror = DKIM_SIGERROR_KEYREVOKED;
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_FAIL);
	f = facts_pass();
	f.bhres = DKIM_SIGBH_MISMATCH;
	f.flags = DKIM_SIGFLAG_PROCESSED;
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_FAIL);
	assert_string_equal(why, "body hash mismatch");
	f.flags |= DKIM_SIGFLAG_TESTKEY;
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_NEUTRAL);
	assert_non_null(strstr(why, "testing key"));
	f = facts_pass();
	f.b = "dGVz dA==";
	f.bh = "ab+/\r\n\t09==";
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PASS);
	f.b = "%%%***";
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	assert_string_equal(why, "b= or bh= is not base64");
	f.b = "ab=c";
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	f = facts_pass();
	f.sigerror = DKIM_SIGERROR_MISSING_B;
	f.liberr = "signature data missing";
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PERMERROR);
	assert_string_equal(why, "malformed signature: signature data missing");
	f = facts_pass();
	f.signlen = 40;
	f.msglen = 100;
	assert_int_equal(decide(&f, NULL, why), RES_DKIM_PASS);
	assert_non_null(strstr(why, "60 body bytes unsigned"));
	cf.body_length = DKIMV_L_POLICY;
	assert_int_equal(decide(&f, &cf, why), RES_DKIM_POLICY);
	f.msglen = 40;
	assert_int_equal(decide(&f, &cf, why), RES_DKIM_PASS);
}

/* ---- whole messages through the module ------------------------------ */

/* test_pass_props - a good signature and its A-R entry */
static void
test_pass_props(void **state)
{
	struct sign_opts o = OPTS("sel");
	struct hm_msg *m = sign_run(NULL, K_rsa, &o);
	char want[128];

	expect_sig(m, 0, RES_DKIM_PASS, NULL);
	assert_int_equal(m->ndkim, 1);
	assert_int_equal(m->ar.n, 1);
	assert_string_equal(m->ar.v[0].method, "dkim");
	assert_string_equal(m->ar.v[0].result, "pass");
	snprintf(want, sizeof(want), "header.d=example.org header.s=sel "
	    "header.i=@example.org header.a=rsa-sha256 header.b=%s",
	    m->dkim[0].b8);
	assert_int_equal(strlen(m->dkim[0].b8), 8);
	assert_string_equal(m->ar.v[0].props, want);
	assert_string_equal(m->dkim[0].d, "example.org");
	msg_done(m);
}

/* test_algorithms - ed25519 passes, rsa-sha1 and small keys fail */
static void
test_algorithms(void **state)
{
	struct sign_opts o = OPTS("small");
	struct hm_msg *m;
	struct tkey sha1 = *K_rsa;

	/* ed25519: libopendkim 2.11's own ed25519 signatures do not verify
	 * anywhere (not RFC 8463), so ed25519 passes are tested with the
	 * python3-dkim signatures of the corpus (test_corpus) */
	m = sign_run(NULL, K_small, &o);
	expect_sig(m, 0, RES_DKIM_FAIL, "key too small (512 bits)");
	msg_done(m);
	o.sel = "k1024";
	m = sign_run(NULL, K_1024, &o);
	expect_sig(m, 0, RES_DKIM_PASS, NULL);
	msg_done(m);
	o.sel = "sel";
	sha1.alg = DKIM_SIGN_RSASHA1;
	m = sign_run(NULL, &sha1, &o);
	expect_sig(m, 0, RES_DKIM_FAIL, "rsa-sha1");
	msg_done(m);
}

/* test_keys - missing, failing, revoked, testing and broken keys */
static void
test_keys(void **state)
{
	static const struct { const char *sel; enum res_dkim r;
	    const char *why; } c[] = {
		{ "nokey", RES_DKIM_PERMERROR, "key not found" },
		{ "sf", RES_DKIM_TEMPERROR, "key lookup failed" },
		{ "to", RES_DKIM_TEMPERROR, "key lookup failed" },
		{ "revoked", RES_DKIM_FAIL, "key revoked" },
		{ "garbage", RES_DKIM_PERMERROR, NULL },
		{ "badtag", RES_DKIM_PERMERROR, NULL },
		{ "unk", RES_DKIM_PERMERROR, NULL },
		{ "badv", RES_DKIM_PERMERROR, "bad key record" },
		{ "sha1only", RES_DKIM_PERMERROR, "bad key record" },
		{ "notkey", RES_DKIM_PERMERROR, "bad key record" },
		{ "twokeys", RES_DKIM_PERMERROR, "several key records" },
		{ "kmismatch", RES_DKIM_PERMERROR, "key type" },
		{ "shorted", RES_DKIM_PERMERROR, NULL },
		{ "test", RES_DKIM_PASS, "testing key" },
	};
	struct sign_opts o = OPTS("sel");

	for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		struct hm_msg *m;
		char *log, want[64];

		o.sel = c[k].sel;
		log_capture();
		m = sign_run(NULL, K_rsa, &o);
		log = log_captured();
		expect_sig(m, 0, c[k].r, c[k].why);
		snprintf(want, sizeof(want), ": dkim=%s header.d=example.org "
		    "header.s=%s ", res_dkim_name(c[k].r), c[k].sel);
		if (count_lines(log, want) != 1)
			fail_msg("s=%s: no log line '%s'", c[k].sel, want);
		free(log);
		msg_done(m);
	}
}

/* test_key_split - a key record in many small character-strings */
static void
test_key_split(void **state)
{
	struct str z;
	struct conf *cf, *save = T_conf;
	struct sign_opts o = OPTS("split");
	const char *rec;
	char *full = xasprintf("v=DKIM1; k=rsa; p=%s", K_rsa->p);
	struct hm_msg *m;

	str_init(&z);
	str_add(&z, "split._domainkey.example.org TXT");
	for (rec = full; *rec; rec += strlen(rec) > 7 ? 7 : strlen(rec))
		str_addf(&z, " \"%.7s\"", rec);
	str_add(&z, "\n");
	cf = conf_new(z.s);
	T_conf = cf;
	m = sign_run(NULL, K_rsa, &o);
	expect_sig(m, 0, RES_DKIM_PASS, NULL);
	msg_done(m);
	T_conf = save;
	conf_done(cf);
	str_free(&z);
	free(full);
}

/* pkcs1_of - p= of a test RSA key as a PKCS#1 RSAPublicKey (base64) */
static char *
pkcs1_of(const struct tkey *k)
{
	size_t n = strlen(k->p);
	unsigned char *der = xmalloc(n), *pk1 = NULL;
	const unsigned char *q = der;
	int dl = EVP_DecodeBlock(der, (const unsigned char *)k->p, (int)n);
	EVP_PKEY *pk;
	char *out;

	while (n > 0 && k->p[n - 1] == '=') {
		n--;
		dl--;
	}
	pk = d2i_PUBKEY(NULL, &q, dl);
	assert_non_null(pk);
	dl = i2d_PublicKey(pk, &pk1);
	assert_true(dl > 0);
	out = xmalloc(4 * ((size_t)dl + 2) / 3 + 4);
	EVP_EncodeBlock((unsigned char *)out, pk1, dl);
	OPENSSL_free(pk1);
	EVP_PKEY_free(pk);
	free(der);
	return out;
}

/* test_key_pkcs1 - RSA keys published as PKCS#1 RSAPublicKey (the form
 * RFC 6376 section 3.6.1 describes) verify like SubjectPublicKeyInfo */
static void
test_key_pkcs1(void **state)
{
	char *p2048 = pkcs1_of(K_rsa), *p1024 = pkcs1_of(K_1024), *z;
	char *fws = xasprintf("%.100s\" \"  %s", p2048, p2048 + 100);
	struct conf *cf, *save = T_conf;
	struct sign_opts o = OPTS("p1");
	static const struct {
		const char *sel;
		struct tkey **k;
		enum res_dkim r;
		const char *why;
	} c[] = {
		{ "p1", &K_rsa, RES_DKIM_PASS, NULL },
		{ "p1nok", &K_rsa, RES_DKIM_PASS, NULL },
		{ "p1fws", &K_rsa, RES_DKIM_PASS, NULL },
		{ "p1k1024", &K_1024, RES_DKIM_PASS, NULL },
		{ "p1other", &K_1024, RES_DKIM_FAIL, "signature mismatch" },
		{ "p1ed", &K_rsa, RES_DKIM_PERMERROR, "key type" },
	};

	assert_memory_equal(p1024, "MIGJAoGB", 8); /* as seen in DNS */
	z = xasprintf(
	    "p1._domainkey.example.org TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "p1nok._domainkey.example.org TXT \"v=DKIM1; p = %s ; t=s\"\n"
	    "p1fws._domainkey.example.org TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "p1k1024._domainkey.example.org TXT \"v=DKIM1; k=RSA; p=%s\"\n"
	    "p1other._domainkey.example.org TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "p1ed._domainkey.example.org TXT \"v=DKIM1; k=ed25519; p=%s\"\n",
	    p2048, p2048, fws, p1024, p2048, p2048);
	cf = conf_new(z);
	T_conf = cf;
	for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		struct hm_msg *m;

		o.sel = c[k].sel;
		m = sign_run(NULL, *c[k].k, &o);
		expect_sig(m, 0, c[k].r, c[k].why);
		msg_done(m);
	}
	T_conf = save;
	conf_done(cf);
	free(z);
	free(fws);
	free(p2048);
	free(p1024);
}

/* test_key_oversized - a 64 KB key record is a malformed key: permerror
 * with its reason (RFC 6376 section 6.1.2), logged; not temperror */
static void
test_key_oversized(void **state)
{
	struct conf *cf, *save = T_conf;
	struct sign_opts o = OPTS("big");
	struct str rec;
	struct hm_msg *m;
	char *z = zone_for(NULL), *log;

	str_init(&rec);
	str_addf(&rec, "v=DKIM1; k=rsa; p=%s", K_rsa->p);
	while (rec.len < 65000)
		str_add(&rec, " AAAA");
	cf = conf_new(z);
	assert_int_equal(dns_static_add(cf->resolver,
			     "big._domainkey.example.org", DNS_T_TXT, 0, rec.s,
			     rec.len),
	    0);
	T_conf = cf;
	log_capture();
	m = sign_run(NULL, K_rsa, &o);
	log = log_captured();
	expect_sig(m, 0, RES_DKIM_PERMERROR, "key record too large");
	assert_int_equal(count_lines(log,
			     "key record for "
			     "big._domainkey.example.org is 650"),
	    1);
	free(log);
	msg_done(m);
	/* the next message, same thread: a normal key is not affected */
	o.sel = "sel";
	m = sign_run(NULL, K_rsa, &o);
	expect_sig(m, 0, RES_DKIM_PASS, NULL);
	msg_done(m);
	T_conf = save;
	conf_done(cf);
	str_free(&rec);
	free(z);
}

/* test_times - expired and future signatures from a real signer */
static void
test_times(void **state)
{
	struct sign_opts o = OPTS("sel");
	struct hm_msg *m;

	o.fixedtime = (uint64_t)time(NULL) - 7200;
	o.ttl = 3600;
	m = sign_run(NULL, K_rsa, &o);
	expect_sig(m, 0, RES_DKIM_FAIL, "expired");
	msg_done(m);
	o.fixedtime = (uint64_t)time(NULL) + 7200;
	o.ttl = 0;
	m = sign_run(NULL, K_rsa, &o);
	expect_sig(m, 0, RES_DKIM_FAIL, "future");
	msg_done(m);
}

/* test_length - l= with content appended after signing */
static void
test_length(void **state)
{
	struct sign_opts o = OPTS("sel");
	char *s, *s2;
	struct hm_msg *m;

	o.bc = DKIM_CANON_SIMPLE;
	o.length = 10;
	s = sign_msg(MSG, K_rsa, &o);
	m = msg_run(T_conf, s, strlen(s));
	expect_sig(m, 0, RES_DKIM_PASS, "body bytes unsigned");
	msg_done(m);
	s2 = xasprintf("%sappended\r\n", s);
	T_conf->dkim_verify.body_length = DKIMV_L_POLICY;
	m = msg_run(T_conf, s2, strlen(s2));
	expect_sig(m, 0, RES_DKIM_POLICY, "unsigned");
	msg_done(m);
	free(s);
	free(s2);
	/* l= covering the whole body; trailing empty lines added later are
	 * not content (canonicalisation drops them): a clean pass, although
	 * the raw body is longer than l= */
	o.length = (ssize_t)strlen(strstr(MSG, "\r\n\r\n") + 4);
	for (int bc = 0; bc < 2; bc++) {
		o.bc = bc ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
		s = sign_msg(MSG, K_rsa, &o);
		assert_non_null(strstr(s, "l=29;"));
		s2 = xasprintf("%s\r\n\r\n", s);
		m = msg_run(T_conf, s2, strlen(s2));
		expect_sig(m, 0, RES_DKIM_PASS, NULL);
		assert_null(m->dkim[0].reason);
		msg_done(m);
		free(s);
		free(s2);
	}
	T_conf->dkim_verify.body_length = DKIMV_L_ACCEPT;
}

/* test_tampered - body and header changed after signing */
static void
test_tampered(void **state)
{
	struct sign_opts o = OPTS("sel");
	char *s = sign_msg(MSG, K_rsa, &o), *p;
	struct hm_msg *m;

	p = strstr(s, "Hello Bob");
	p[0] = 'J';
	m = msg_run(T_conf, s, strlen(s));
	expect_sig(m, 0, RES_DKIM_FAIL, "body hash mismatch");
	msg_done(m);
	p[0] = 'H';
	p = strstr(s, "Subject: hello");
	p[9] = 'j';
	m = msg_run(T_conf, s, strlen(s));
	expect_sig(m, 0, RES_DKIM_FAIL, "signature mismatch");
	msg_done(m);
	free(s);
}

/* test_none - an unsigned message */
static void
test_none(void **state)
{
	struct hm_msg *m = msg_run(T_conf, MSG, strlen(MSG));

	assert_int_equal(m->ndkim, 0);
	assert_int_equal(m->ar.n, 1);
	assert_string_equal(m->ar.v[0].result, "none");
	msg_done(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_txt),
		cmocka_unit_test(test_reply_status),
		cmocka_unit_test(test_decide_algorithms),
		cmocka_unit_test(test_decide_identity),
		cmocka_unit_test(test_decide_times),
		cmocka_unit_test(test_decide_errors),
		cmocka_unit_test(test_pass_props),
		cmocka_unit_test(test_algorithms),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_key_split),
		cmocka_unit_test(test_key_pkcs1),
		cmocka_unit_test(test_key_oversized),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_none),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
