/*
 * test_dkim_verify.c - unit tests of DKIM verification (dkim_verify.c,
 * dkim_lib.c): the DNS reply builder, the pure policy, and whole messages
 * through the dkimv module with keys served by a dns_static zone.
 *
 * Signed messages come from real signers: libopendkim's own signer (keys
 * generated here with OpenSSL) for the policy cases, and the interop corpus
 * (tests/dkim/corpus, made by python3-dkim and Mail::DKIM) checked against
 * its MANIFEST.  Bad input is written by hand.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf_table.h"
#include "ctx.h"
#include "dkim_lib.h"
#include "dkim_policy.h"
#include "dkim_verify.h"
#include "dns.h"
#include "str.h"

/* ---- fixtures ------------------------------------------------------- */

static struct conf *T_conf;

/* conf_new - default configuration with a static zone as resolver */
static struct conf *
conf_new(const char *zone)
{
	struct conf_err e;
	char err[256];
	struct conf *cf = conf_load_string("", 1, &e);

	assert_non_null(cf);
	cf->resolver = dns_static_new(zone, err, sizeof(err));
	if (cf->resolver == NULL)
		fail_msg("zone: %s", err);
	return cf;
}

/* conf_done - free what conf_new made */
static void
conf_done(struct conf *cf)
{
	dns_resolver_free(cf->resolver);
	cf->resolver = NULL;
	conf_release(cf);
}

/* lf_only - fold lines as Postfix gives them to milters: LF, no CR */
static void
lf_only(char *v)
{
	char *w = v;

	for (const char *r = v; *r != '\0'; r++)
		if (!(r[0] == '\r' && r[1] == '\n'))
			*w++ = *r;
	*w = '\0';
}

/* feed_header - one header line "Name:value" (value as the MTA gives it) */
static void
feed_header(struct hm_msg *m, const char *p, size_t n)
{
	struct hm_header h;
	const char *colon = memchr(p, ':', n);
	size_t nl = colon ? (size_t)(colon - p) : n;

	h.name = xstrndup(p, nl);
	h.value = colon ? xstrndup(colon + 1, n - nl - 1) : xstrdup("");
	lf_only(h.value);
	assert_int_equal(dkimv_module.header(m, &h), HM_OK);
	free(h.name);
	free(h.value);
}

/* msg_run - a raw CRLF message through the module; body in chunks */
static struct hm_msg *
msg_run(struct conf *cf, const char *raw, size_t len)
{
	struct hm_conn *c = ctx_conn_new(cf);
	struct hm_msg *m = ctx_msg_new(c);
	size_t i = 0, start = 0;

	snprintf(m->qid, sizeof(m->qid), "TEST%u", (unsigned)getpid());
	dns_budget_init(&m->budget, cf->resolver, 5000);
	while (i + 1 < len) {
		if (raw[i] == '\r' && raw[i + 1] == '\n') {
			if (i == start)		/* empty line: end of headers */
				break;
			if (i + 2 < len && (raw[i + 2] == ' ' ||
			    raw[i + 2] == '\t')) {
				i += 2;		/* folded: same header */
				continue;
			}
			feed_header(m, raw + start, i - start);
			start = i + 2;
			i += 2;
			continue;
		}
		i++;
	}
	assert_int_equal(dkimv_module.eoh(m), HM_OK);
	for (i += 2; i < len; i += 4096)
		assert_int_equal(dkimv_module.body(m, (const unsigned char *)
		    raw + i, len - i > 4096 ? 4096 : len - i), HM_OK);
	assert_int_equal(dkimv_module.eom(m), HM_OK);
	return m;
}

/* msg_done - free the message and its connection */
static void
msg_done(struct hm_msg *m)
{
	struct hm_conn *c = m->conn;

	dkimv_module.msg_free(m);
	ctx_msg_free(m);
	ctx_conn_free(c);
}

/* expect_sig - result k is r and its reason contains why (NULL: none) */
static void
expect_sig(const struct hm_msg *m, size_t k, enum res_dkim r, const char *why)
{
	if (k >= m->ndkim)
		fail_msg("result %zu missing (%zu results)", k, m->ndkim);
	if (m->dkim[k].result != r)
		fail_msg("result %zu (s=%s a=%s): %s, expected %s (%s)", k,
		    m->dkim[k].s ? m->dkim[k].s : "-",
		    m->dkim[k].a ? m->dkim[k].a : "-",
		    res_dkim_name(m->dkim[k].result), res_dkim_name(r),
		    m->dkim[k].reason ? m->dkim[k].reason : "-");
	if (why == NULL)
		return;
	if (m->dkim[k].reason == NULL || strstr(m->dkim[k].reason, why) == NULL)
		fail_msg("result %zu: reason '%s', expected '%s'", k,
		    m->dkim[k].reason ? m->dkim[k].reason : "(none)", why);
}

/* read_stream - the rest of f; *len set */
static char *
read_stream(FILE *f, size_t *len)
{
	struct str s;
	char buf[65536], *out;
	size_t n;

	str_init(&s);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		str_addn(&s, buf, n);
	*len = s.len;
	out = str_steal(&s);
	str_free(&s);	/* str_steal leaves a fresh buffer */
	return out;
}

/* ---- capturing the log (stderr) ------------------------------------ */

static int T_saved_fd = -1;	/* the real stderr while the log is captured */
static FILE *T_logf;		/* where it goes meanwhile */

/* log_capture - send the log (stderr) to a temporary file */
static void
log_capture(void)
{
	T_logf = tmpfile();
	assert_non_null(T_logf);
	T_saved_fd = dup(STDERR_FILENO);
	assert_true(T_saved_fd >= 0);
	assert_true(dup2(fileno(T_logf), STDERR_FILENO) >= 0);
}

/* log_captured - restore stderr; the captured log (caller frees), also
 * copied to stderr so that it stays in the test's log */
static char *
log_captured(void)
{
	size_t n;
	char *text;

	assert_true(dup2(T_saved_fd, STDERR_FILENO) >= 0);
	close(T_saved_fd);
	T_saved_fd = -1;
	rewind(T_logf);
	text = read_stream(T_logf, &n);
	fclose(T_logf);
	T_logf = NULL;
	fputs(text, stderr);
	return text;
}

/* count_lines - lines of text containing needle */
static size_t
count_lines(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *l = text; *l != '\0';) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		char *line = xstrndup(l, len);

		n += strstr(line, needle) != NULL;
		free(line);
		l += len + (e != NULL);
	}
	return n;
}

/* ---- keys and a real signer ----------------------------------------- */

struct tkey {
	char *pem;		/* private key, PEM */
	char *p;		/* public key, base64 for p= */
	dkim_alg_t alg;
};

/* b64 - base64 of n bytes */
static char *
b64(const unsigned char *d, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, d, (int)n);
	return out;
}

/* key_new - a fresh RSA key of bits bits, or ed25519 when bits == 0 */
static struct tkey *
key_new(unsigned bits, dkim_alg_t alg)
{
	struct tkey *k = xcalloc(1, sizeof(*k));
	EVP_PKEY *pk = bits ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
	    (size_t)bits) : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	BIO *bio = BIO_new(BIO_s_mem());
	unsigned char raw[32], *der = NULL;
	size_t rl = sizeof(raw);
	char *mem;
	long ml;
	int dl;

	assert_non_null(pk);
	assert_true(PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL,
	    NULL) == 1);
	ml = BIO_get_mem_data(bio, &mem);
	k->pem = xstrndup(mem, (size_t)ml);
	if (bits) {
		dl = i2d_PUBKEY(pk, &der);
		assert_true(dl > 0);
		k->p = b64(der, (size_t)dl);
		OPENSSL_free(der);
	} else {
		assert_true(EVP_PKEY_get_raw_public_key(pk, raw, &rl) == 1);
		k->p = b64(raw, rl);
	}
	k->alg = alg;
	BIO_free(bio);
	EVP_PKEY_free(pk);
	return k;
}

/* key_free - free a test key */
static void
key_free(struct tkey *k)
{
	free(k->pem);
	free(k->p);
	free(k);
}

/* sign_opts - how sign_msg signs */
struct sign_opts {
	const char *sel, *dom;
	dkim_canon_t hc, bc;
	ssize_t length;		/* -1: whole body, no l= */
	uint64_t fixedtime;	/* 0: now */
	uint64_t ttl;		/* x= = t= + ttl; 0: no x= */
};

/* sign_feed - feed raw to a signing handle */
static void
sign_feed(DKIM *d, const char *raw, size_t len)
{
	const char *sep = strstr(raw, "\r\n\r\n");
	const char *p = raw;

	assert_non_null(sep);
	while (p < sep + 2) {
		const char *e = p;
		while (!(e[0] == '\r' && e[1] == '\n' && e[2] != ' ' &&
		    e[2] != '\t'))
			e++;
		assert_int_equal(dkim_header(d, (u_char *)p, (size_t)(e - p)),
		    DKIM_STAT_OK);
		p = e + 2;
	}
	assert_int_equal(dkim_eoh(d), DKIM_STAT_OK);
	assert_int_equal(dkim_body(d, (u_char *)sep + 4,
	    len - (size_t)(sep + 4 - raw)), DKIM_STAT_OK);
}

/* sign_msg - raw with a libopendkim DKIM-Signature prepended */
static char *
sign_msg(const char *raw, const struct tkey *k, const struct sign_opts *o)
{
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM_STAT st;
	DKIM *d;
	unsigned int nobits = 0;	/* let it sign with small keys */
	u_char *hdr = NULL;
	size_t hl = 0;
	char *out;

	assert_non_null(lib);
	assert_int_equal(dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS,
	    &nobits, sizeof(nobits)), DKIM_STAT_OK);
	if (o->fixedtime)
		assert_int_equal(dkim_options(lib, DKIM_OP_SETOPT,
		    DKIM_OPTS_FIXEDTIME, (void *)&o->fixedtime,
		    sizeof(o->fixedtime)), DKIM_STAT_OK);
	if (o->ttl)
		assert_int_equal(dkim_options(lib, DKIM_OP_SETOPT,
		    DKIM_OPTS_SIGNATURETTL, (void *)&o->ttl, sizeof(o->ttl)),
		    DKIM_STAT_OK);
	d = dkim_sign(lib, (const u_char *)"test", NULL,
	    (dkim_sigkey_t)k->pem, (const u_char *)o->sel,
	    (const u_char *)o->dom, o->hc, o->bc, k->alg, o->length, &st);
	assert_non_null(d);
	sign_feed(d, raw, strlen(raw));
	assert_int_equal(dkim_eom(d, NULL), DKIM_STAT_OK);
	assert_int_equal(dkim_getsighdr_d(d, strlen(DKIM_SIGNHEADER) + 2,
	    &hdr, &hl), DKIM_STAT_OK);
	out = xasprintf("%s: %.*s\r\n%s", DKIM_SIGNHEADER, (int)hl, hdr, raw);
	dkim_free(d);
	dkim_close(lib);
	return out;
}

static const char MSG[] =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.net\r\n"
    "Subject: hello\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <1@example.org>\r\n"
    "\r\n"
    "Hello Bob,\r\n"
    "this is a test.\r\n";

static struct tkey *K_rsa, *K_ed, *K_small, *K_1024;

/* zone_for - a zone publishing the test keys (plus extra lines) */
static char *
zone_for(const char *extra)
{
	return xasprintf(
	    "sel._domainkey.example.org TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "ed._domainkey.example.org TXT \"v=DKIM1; k=ed25519; p=%s\"\n"
	    "small._domainkey.example.org TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "k1024._domainkey.example.org TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "test._domainkey.example.org TXT \"v=DKIM1; t=y; k=rsa; p=%s\"\n"
	    "revoked._domainkey.example.org TXT \"v=DKIM1; k=rsa; p=\"\n"
	    "garbage._domainkey.example.org TXT \"v=DKIM1; k=rsa; p=!!@@##\"\n"
	    "badtag._domainkey.example.org TXT \"v=DKIM1; k=rsa p=%s\"\n"
	    "unk._domainkey.example.org TXT \"v=DKIM1; k=dsa; p=%s\"\n"
	    "badv._domainkey.example.org TXT \"v=DKIM9; k=rsa; p=%s\"\n"
	    "sha1only._domainkey.example.org TXT \"v=DKIM1; h=sha1; k=rsa; "
	    "p=%s\"\n"
	    "notkey._domainkey.example.org TXT \"v=spf1 -all\"\n"
	    "twokeys._domainkey.example.org TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "twokeys._domainkey.example.org TXT \"v=DKIM1; k=rsa; p=%s\"\n"
	    "kmismatch._domainkey.example.org TXT \"v=DKIM1; k=ed25519; "
	    "p=%s\"\n"
	    "shorted._domainkey.example.org TXT \"v=DKIM1; k=rsa; p=%.40s\"\n"
	    "sf._domainkey.example.org SERVFAIL\n"
	    "to._domainkey.example.org TIMEOUT\n"
	    "%s",
	    K_rsa->p, K_ed->p, K_small->p, K_1024->p, K_rsa->p, K_rsa->p,
	    K_rsa->p, K_rsa->p, K_rsa->p, K_rsa->p, K_1024->p, K_rsa->p,
	    K_rsa->p,
	    extra ? extra : "");
}

/* setup_keys - generate the keys once */
static int
setup_keys(void **state)
{
	char *z;

	K_rsa = key_new(2048, DKIM_SIGN_RSASHA256);
	K_ed = key_new(0, DKIM_SIGN_ED25519SHA256);
	K_small = key_new(512, DKIM_SIGN_RSASHA256);
	K_1024 = key_new(1024, DKIM_SIGN_RSASHA256);
	z = zone_for(NULL);
	T_conf = conf_new(z);
	free(z);
	return 0;
}

/* teardown_keys - free them */
static int
teardown_keys(void **state)
{
	conf_done(T_conf);
	key_free(K_rsa);
	key_free(K_ed);
	key_free(K_small);
	key_free(K_1024);
	dkiml_shutdown();
	return 0;
}

/* sign_run - sign MSG (or raw) with key k and options, verify, return msg */
static struct hm_msg *
sign_run(const char *raw, const struct tkey *k, const struct sign_opts *o)
{
	char *s = sign_msg(raw ? raw : MSG, k, o);
	struct hm_msg *m = msg_run(T_conf, s, strlen(s));

	free(s);
	return m;
}

#define OPTS(sel) { sel, "example.org", DKIM_CANON_RELAXED, \
    DKIM_CANON_SIMPLE, -1, 0, 0 }

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

static const struct conf_dkim_verify CF_DEF = {
	1, 8, 1024, DKIMV_SHA1_FAIL, DKIMV_L_ACCEPT, 300, 65536
};

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

/* ---- bad input ------------------------------------------------------ */

static char *T_good;	/* MSG with a good signature */

/* bad_sig - T_good with a hand-written DKIM-Signature value on top */
static struct hm_msg *
bad_sig(const char *value)
{
	char *s = xasprintf("DKIM-Signature: %s\r\n%s", value, T_good);
	struct hm_msg *m = msg_run(T_conf, s, strlen(s));

	free(s);
	return m;
}




#define BH "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; "

/* test_bad_signatures - each malformed signature gets permerror */
static void
test_bad_signatures(void **state)
{
	static const char *const bad[] = {
		/* missing tags */
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; " BH,
		"v=1; a=rsa-sha256; s=sel; h=from; " BH "b=AAAA",
		"v=1; a=rsa-sha256; d=example.org; h=from; " BH "b=AAAA",
		"a=rsa-sha256; d=example.org; s=sel; h=from; " BH "b=AAAA",
		"v=1; d=example.org; s=sel; h=from; " BH "b=AAAA",
		"v=1; a=rsa-sha256; d=example.org; s=sel; " BH "b=AAAA",
		/* duplicated tags */
		"v=1; a=rsa-sha256; d=example.org; d=evil.example; s=sel; "
		    "h=from; " BH "b=AAAA",
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; " BH
		    "b=AAAA; b=BBBB",
		/* base64 garbage */
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; " BH
		    "b=%%%***!!!",
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; "
		    "bh=@@@@; b=AAAA",
		/* absurd l= */
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; " BH
		    "l=99999999999999999999999; b=AAAA",
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; " BH
		    "l=-5; b=AAAA",
		/* unknown algorithms */
		"v=1; a=rsa-md5; d=example.org; s=sel; h=from; " BH "b=AAAA",
		"v=1; a=ed448-sha512; d=example.org; s=sel; h=from; " BH
		    "b=AAAA",
		/* i= outside d=, From not signed */
		"v=1; a=rsa-sha256; d=example.org; i=@evil.example; s=sel; "
		    "h=from; " BH "b=AAAA",
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=to:subject; " BH
		    "b=AAAA",
		/* nonsense */
		"", ";;;;", "=====", "v=1; a=rsa-sha256; d=; s=; h=; bh=; b=",
		"v=9; a=rsa-sha256; d=example.org; s=sel; h=from; " BH "b=AAAA",
		"v=1; a=rsa-sha256; c=weird/odd; d=example.org; s=sel; "
		    "h=from; " BH "b=AAAA",
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; " BH
		    "t=abc; x=-1; b=AAAA",
	};

	struct sign_opts o = OPTS("sel");

	/* each bad signature sits on top of a good one, which must still
	 * pass: a broken signature does not spoil the others */
	T_good = sign_msg(MSG, K_rsa, &o);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct hm_msg *m;
		size_t g = 0;
		char *log;

		log_capture();
		m = bad_sig(bad[k]);
		log = log_captured();
		/* and a log line saying so */
		if (count_lines(log, ": dkim=permerror") != 1)
			fail_msg("case %zu '%s': %zu permerror log lines", k,
			    bad[k], count_lines(log, ": dkim=permerror"));
		free(log);

		if (m->ndkim != 2 || m->dkim[0].result != RES_DKIM_PERMERROR)
			fail_msg("case %zu '%s': %zu results, first %s", k,
			    bad[k], m->ndkim, m->ndkim ?
			    res_dkim_name(m->dkim[0].result) : "-");
		if (m->dkim[0].reason == NULL)
			fail_msg("case %zu: no reason", k);
		for (size_t i = 0; i < m->ndkim; i++)
			g += m->dkim[i].result == RES_DKIM_PASS;
		if (g != 1)
			fail_msg("case %zu '%s': the good signature did not pass",
			    k, bad[k]);
		assert_int_equal(m->ar.n, 2);
		msg_done(m);
	}
	/* a valid signature with a tag repeated (same value): libopendkim
	 * passes it, RFC 6376 section 3.2 makes it invalid; second of two,
	 * so that results stay with their own signature */
	{
		const char *p = strstr(T_good, "s=sel;");
		char *dup = xasprintf("%.*ss=sel; %s", (int)(p - T_good),
		    T_good, p);
		char *two = xasprintf("DKIM-Signature: v=1; a=rsa-sha256; "
		    "d=example.org; s=nokey; h=from; " BH "b=AAAA\r\n%s", dup);
		struct hm_msg *m = msg_run(T_conf, dup, strlen(dup));

		expect_sig(m, 0, RES_DKIM_PERMERROR, "duplicate tag");
		msg_done(m);
		m = msg_run(T_conf, two, strlen(two));
		expect_sig(m, 0, RES_DKIM_PERMERROR, "key not found");
		expect_sig(m, 1, RES_DKIM_PERMERROR, "duplicate tag");
		msg_done(m);
		free(two);
		free(dup);
	}
	free(T_good);
}

/* test_many_signatures - 1000 DKIM-Signature headers: cap + neutral */
static void
test_many_signatures(void **state)
{
	struct sign_opts o = OPTS("sel");
	char *good = sign_msg(MSG, K_rsa, &o);
	struct str s;
	struct hm_msg *m;

	char *log;

	str_init(&s);
	for (int k = 0; k < 1000; k++)
		str_addf(&s, "DKIM-Signature: v=1; a=rsa-sha256; "
		    "d=example.org; s=nokey; h=from; " BH "b=AAAA%d\r\n", k);
	str_add(&s, good);
	log_capture();
	m = msg_run(T_conf, s.s, s.len);
	log = log_captured();
	assert_int_equal(m->ndkim, 9);
	for (int k = 0; k < 8; k++)
		expect_sig(m, (size_t)k, RES_DKIM_PERMERROR, NULL);
	expect_sig(m, 8, RES_DKIM_NEUTRAL, "993 more signatures");
	assert_int_equal(m->ar.n, 9);
	assert_true(dkiml_dns_queries() > 0);
	/* one log line per result, no flood */
	assert_int_equal(count_lines(log, ": dkim=permerror"), 8);
	assert_int_equal(count_lines(log, ": dkim=neutral"), 1);
	assert_true(count_lines(log, "") <= 20);
	free(log);
	msg_done(m);
	/* 1000 unparsable ones: the same cap, a bounded log */
	str_reset(&s);
	for (int k = 0; k < 1000; k++)
		str_addf(&s, "DKIM-Signature: v=1; a=rsa-sha256; %d;;==\r\n",
		    k);
	str_add(&s, good);
	log_capture();
	m = msg_run(T_conf, s.s, s.len);
	log = log_captured();
	assert_true(m->ndkim >= 1 && m->ndkim <= 9);
	for (size_t k = 0; k + 1 < m->ndkim; k++)
		expect_sig(m, k, RES_DKIM_PERMERROR, NULL);
	expect_sig(m, m->ndkim - 1, RES_DKIM_NEUTRAL, "more signatures");
	assert_true(count_lines(log, "") <= 30);
	free(log);
	msg_done(m);
	/* the good signature on top is found when the cap allows */
	str_reset(&s);
	str_addn(&s, good, strlen(good) - strlen(MSG));
	for (int k = 0; k < 20; k++)
		str_addf(&s, "DKIM-Signature: v=1; a=rsa-sha256; "
		    "d=example.org; s=nokey; h=from; " BH "b=AAAA%d\r\n", k);
	str_add(&s, MSG);
	m = msg_run(T_conf, s.s, s.len);
	expect_sig(m, 0, RES_DKIM_PASS, NULL);
	msg_done(m);
	str_free(&s);
	free(good);
}

/* test_huge_headers - a 70 KB DKIM-Signature, 100 KB other headers */
static void
test_huge_headers(void **state)
{
	struct sign_opts o = OPTS("sel");
	struct str s, huge;
	struct hm_msg *m;
	char *sm, *p;

	str_init(&s);
	str_add(&s, "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; "
	    "s=sel; h=from; " BH "b=");
	for (int k = 0; k < 70000; k++)
		str_addc(&s, 'A');
	str_add(&s, "\r\n");
	str_add(&s, MSG);
	m = msg_run(T_conf, s.s, s.len);
	expect_sig(m, 0, RES_DKIM_PERMERROR, "oversized");
	msg_done(m);
	/* libopendkim cannot canonicalise a header over 64 KB: a signature
	 * covering one gets permerror ... */
	str_init(&huge);
	str_add(&huge, "X-Huge: ");
	for (int k = 0; k < 100000; k++)
		str_addc(&huge, (char)('a' + k % 26));
	str_add(&huge, "\r\n");
	str_reset(&s);
	str_add(&s, huge.s);
	str_add(&s, MSG);
	sm = sign_msg(s.s, K_rsa, &o);
	m = msg_run(T_conf, sm, strlen(sm));
	expect_sig(m, 0, RES_DKIM_PERMERROR, "over 64 KB");
	msg_done(m);
	free(sm);
	/* ... one it does not cover changes nothing */
	sm = sign_msg(MSG, K_rsa, &o);
	p = strstr(sm, "From: ");
	str_reset(&s);
	str_addn(&s, sm, (size_t)(p - sm));
	str_add(&s, huge.s);
	str_add(&s, p);
	m = msg_run(T_conf, s.s, s.len);
	expect_sig(m, 0, RES_DKIM_PASS, NULL);
	msg_done(m);
	free(sm);
	str_free(&huge);
	str_free(&s);
}

/* ---- streaming: memory does not grow with the body ------------------- */

/* body_chunk - deterministic body content, chunk k of 64 KB */
static void
body_chunk(char *buf, size_t n, size_t k)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (i % 64 == 62) ? '\r' : (i % 64 == 63) ? '\n' :
		    (char)('a' + (i + k) % 26);
}

/* stream_peak - in a child: sign and verify a body of total bytes
 * streamed in 64 KB chunks; return the child's peak RSS (KB).  hold > 0:
 * also keep a copy of the body in memory (proves the probe can fail) */
static long
stream_peak(size_t total, int hold)
{
	int fd[2];
	pid_t pid;
	long kb = -1;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rusage ru1;
		struct sign_opts o = OPTS("sel");
		char *copy = hold ? xmalloc(total) : NULL;
		static char buf[65536];
		DKIM_LIB *lib = dkim_init(NULL, NULL);
		DKIM_STAT st;
		DKIM *d;
		u_char *hdr;
		size_t hl, k;
		char *line;
		struct hm_conn *c;
		struct hm_msg *m;
		long grow;

		close(fd[0]);
		/* sign by streaming the same chunks */
		d = dkim_sign(lib, (const u_char *)"s", NULL,
		    (dkim_sigkey_t)K_rsa->pem, (const u_char *)o.sel,
		    (const u_char *)o.dom, o.hc, o.bc, DKIM_SIGN_RSASHA256,
		    -1, &st);
		sign_feed(d, MSG, strstr(MSG, "\r\n\r\n") + 4 - MSG);
		for (k = 0; k * sizeof(buf) < total; k++) {
			body_chunk(buf, sizeof(buf), k);
			dkim_body(d, (u_char *)buf, total - k * sizeof(buf) <
			    sizeof(buf) ? total - k * sizeof(buf) : sizeof(buf));
		}
		dkim_eom(d, NULL);
		dkim_getsighdr_d(d, 16, &hdr, &hl);
		line = xasprintf("DKIM-Signature: %.*s", (int)hl, hdr);
		c = ctx_conn_new(T_conf);
		m = ctx_msg_new(c);
		dns_budget_init(&m->budget, T_conf->resolver, 5000);
		feed_header(m, line, strlen(line));
		for (const char *p = MSG; *p != '\r';) {
			const char *e = strstr(p, "\r\n");
			feed_header(m, p, (size_t)(e - p));
			p = e + 2;
		}
		dkimv_module.eoh(m);
		for (k = 0; k * sizeof(buf) < total; k++) {
			size_t n = total - k * sizeof(buf) < sizeof(buf) ?
			    total - k * sizeof(buf) : sizeof(buf);
			body_chunk(buf, sizeof(buf), k);
			dkimv_module.body(m, (unsigned char *)buf, n);
			if (copy != NULL)
				memcpy(copy + k * sizeof(buf), buf, n);
		}
		dkimv_module.eom(m);
		getrusage(RUSAGE_SELF, &ru1);
		grow = ru1.ru_maxrss;
		if (m->ndkim != 1 || m->dkim[0].result != RES_DKIM_PASS)
			grow = -2;
		if (write(fd[1], &grow, sizeof(grow)) != sizeof(grow))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &kb, sizeof(kb)) != sizeof(kb))
		kb = -1;
	close(fd[0]);
	waitpid(pid, NULL, 0);
	return kb;
}

/* test_streaming_rss - 50 MB costs no more memory than 5 KB */
static void
test_streaming_rss(void **state)
{
	long small = stream_peak(5 * 1024, 0);
	long big = stream_peak(50UL * 1024 * 1024, 0);
	long held = stream_peak(50UL * 1024 * 1024, 1);

	print_message("peak RSS: 5 KB body %ld KB, 50 MB body %ld KB, "
	    "50 MB body kept in memory %ld KB\n", small, big, held);
	assert_true(small > 0);
	assert_true(big > 0);
	/* the probe sees a buffered body ... */
	assert_true(held - small > 40000);
	/* ... and the verifier has none: allow 4 MB of noise */
	assert_true(big - small < 4096);
}

/* ---- the interop corpus --------------------------------------------- */

/* zone_to_static - the TXT lines of a master file (origin dkim.example)
 * in dns_static form */
static char *
zone_to_static(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192], name[256], *out;
	struct str z;

	assert_non_null(f);
	str_init(&z);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *t = strstr(line, " IN TXT ");
		if (line[0] == ';' || line[0] == '$' || t == NULL)
			continue;
		if (sscanf(line, "%255s", name) != 1)
			continue;
		str_addf(&z, "%s.dkim.example TXT %s", name, t + 8);
	}
	fclose(f);
	out = str_steal(&z);
	str_free(&z);	/* str_steal leaves a fresh buffer */
	return out;
}

/* read_file - whole file; *len set */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *out;

	assert_non_null(f);
	out = read_stream(f, len);
	fclose(f);
	return out;
}

/* check_entry - a manifest field "result:selector[:reason]" against r */
static int
check_entry(const char *file, const char *want, const struct res_dkim_sig *r)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s:%s", res_dkim_name(r->result),
	    r->s ? r->s : "");
	if (strncmp(want, buf, strlen(buf)) != 0 ||
	    (want[strlen(buf)] != '\0' && want[strlen(buf)] != ':'))
		goto bad;
	if (want[strlen(buf)] == ':' && (r->reason == NULL ||
	    strstr(r->reason, want + strlen(buf) + 1) == NULL))
		goto bad;
	/* no reason in the manifest: the A-R entry has no comment */
	if (want[strlen(buf)] == '\0' && r->reason != NULL)
		goto bad;
	return 1;
bad:
	print_error("%s: got %s (%s), expected %s\n", file, buf,
	    r->reason ? r->reason : "-", want);
	return 0;
}

/* corpus_run - every message of dir against its MANIFEST; failures */
static int
corpus_run(const char *dir, const char *zonefile)
{
	char *zone = zone_to_static(zonefile), path[1024], line[4096];
	struct conf *cf = conf_new(zone);
	FILE *mf;
	int bad = 0, n = 0;

	snprintf(path, sizeof(path), "%s/MANIFEST", dir);
	mf = fopen(path, "r");
	assert_non_null(mf);
	while (fgets(line, sizeof(line), mf) != NULL) {
		char *save = NULL, *file, *want;
		size_t len, k = 0;
		char *raw;
		struct hm_msg *m;

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		file = strtok_r(line, "\t", &save);
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		raw = read_file(path, &len);
		m = msg_run(cf, raw, len);
		while ((want = strtok_r(NULL, "\t", &save)) != NULL) {
			if (k >= m->ndkim) {
				print_error("%s: no result %zu\n", file, k);
				bad++;
			} else if (!check_entry(file, want, &m->dkim[k])) {
				bad++;
			}
			k++;
		}
		if (k != m->ndkim) {
			print_error("%s: %zu results, %zu expected\n", file,
			    m->ndkim, k);
			bad++;
		}
		n++;
		msg_done(m);
		free(raw);
	}
	fclose(mf);
	conf_done(cf);
	free(zone);
	print_message("corpus %s: %d messages, %d mismatches\n", dir, n, bad);
	assert_true(n > 50);
	return bad;
}

/* srcdir - the source tree (top_srcdir from the test environment) */
static const char *
srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s != NULL ? s : ".";
}

/* test_corpus - the committed corpus */
static void
test_corpus(void **state)
{
	char dir[512], zone[512];

	snprintf(dir, sizeof(dir), "%s/tests/dkim/corpus", srcdir());
	snprintf(zone, sizeof(zone), "%s/tests/zones/dkim.example.zone",
	    srcdir());
	assert_int_equal(corpus_run(dir, zone), 0);
}

/* test_corpus_fresh - a corpus signed now by the installed signers */
static void
test_corpus_fresh(void **state)
{
	char tmp[] = "/tmp/hm-dkimv-XXXXXX", cmd[2048], dir[600], zone[600];

	assert_non_null(mkdtemp(tmp));
	snprintf(dir, sizeof(dir), "%s/corpus", tmp);
	snprintf(zone, sizeof(zone), "%s/dkim.example.zone", tmp);
	snprintf(cmd, sizeof(cmd), "%s/tests/dkim/make-corpus --out %s "
	    "--zone %s >/dev/null", srcdir(), dir, zone);
	if (system(cmd) != 0) {
		print_message("make-corpus failed: skipped\n");
		skip();
	}
	assert_int_equal(corpus_run(dir, zone), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
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
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_bad_signatures),
		cmocka_unit_test(test_many_signatures),
		cmocka_unit_test(test_huge_headers),
		cmocka_unit_test(test_streaming_rss),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_fresh),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
