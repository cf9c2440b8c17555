/*
 * dkimv_fixture.c - what the DKIM verification unit tests share
 * (test_dkim_verify.c, test_dkim_verify_input.c, test_dkim_verify_corpus.c):
 * a configuration with a dns_static zone as resolver, raw messages fed
 * through the dkimv module (the log captured with logcap.c), and test keys with
 * libopendkim's own signer.  See dkimv_fixture.h for the contract.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf_table.h"
#include "ctx.h"
#include "dkim_lib.h"
#include "dkim_verify.h"
#include "dns.h"
#include "str.h"
#include "dkimv_fixture.h"
#include "log.h"

struct conf *T_conf;
struct tkey *K_rsa, *K_ed, *K_small, *K_1024;

/* ---- configuration and messages through the module ------------------ */

/* conf_new - default configuration with a static zone as resolver */
struct conf *
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
void
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
void
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

/* msg_head - the headers of a raw CRLF message through the module, up to
 * end of headers; *body is the offset of the body in raw */
struct hm_msg *
msg_head(struct conf *cf, const char *raw, size_t len, size_t *body)
{
	struct hm_conn *c = ctx_conn_new(cf);
	struct hm_msg *m = ctx_msg_new(c);
	size_t i = 0, start = 0;

	/* feed_header hands each value over as it is after the colon, as
	 * an MTA does with SMFIP_HDR_LEADSPC */
	c->hdr_leadspc = 1;
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
	*body = i + 2;
	return m;
}

/* msg_run - a raw CRLF message through the module; body in chunks */
struct hm_msg *
msg_run(struct conf *cf, const char *raw, size_t len)
{
	size_t i;
	struct hm_msg *m = msg_head(cf, raw, len, &i);

	for (; i < len; i += 4096)
		assert_int_equal(dkimv_module.body(m, (const unsigned char *)
		    raw + i, len - i > 4096 ? 4096 : len - i), HM_OK);
	assert_int_equal(dkimv_module.eom(m), HM_OK);
	return m;
}

/* msg_done - free the message and its connection */
void
msg_done(struct hm_msg *m)
{
	struct hm_conn *c = m->conn;

	ctx_msg_free(m);
	ctx_conn_free(c);
}

/* expect_sig - result k is r and its reason contains why (NULL: none) */
void
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

/* count_lines - lines of text containing needle */
size_t
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

/* b64 - base64 of n bytes */
static char *
b64(const unsigned char *d, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, d, (int)n);
	return out;
}

/* key_new - a fresh RSA key of bits bits, or ed25519 when bits == 0 */
struct tkey *
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
void
key_free(struct tkey *k)
{
	free(k->pem);
	free(k->p);
	free(k);
}

/* sign_feed - feed raw to a signing handle */
void
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
char *
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

const char MSG[] =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.net\r\n"
    "Subject: hello\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <1@example.org>\r\n"
    "\r\n"
    "Hello Bob,\r\n"
    "this is a test.\r\n";

/* zone_for - a zone publishing the test keys (plus extra lines) */
char *
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
int
setup_keys(void **state)
{
	char *z;

	log_set_level(LOG_LVL_DEBUG); /* the module's lines are details */
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
int
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
struct hm_msg *
sign_run(const char *raw, const struct tkey *k, const struct sign_opts *o)
{
	char *s = sign_msg(raw ? raw : MSG, k, o);
	struct hm_msg *m = msg_run(T_conf, s, strlen(s));

	free(s);
	return m;
}
