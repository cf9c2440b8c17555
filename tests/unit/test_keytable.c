/*
 * test_keytable.c - key table and signing table: native patterns and their
 * precedence, OpenDKIM KeyTable/SigningTable (plain and refile:) read
 * unchanged and giving the same keys as the native form, bad input (a
 * table naming a missing key, patterns that can never match, group-
 * readable and unparsable key files, algorithm mismatch), the
 * dkim_sign { } section through the real configuration loader, and the
 * signing module's choice of author (the From mailaddr.c parses);
 * on_bad_key: "fail" refuses the load, "skip" drops the bad key and the
 * entries left without keys, logs each, and loads the rest.
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

#include "conf.h"
#include "conf_table.h"
#include "ctx.h"
#include "dkim_sigbuild.h"
#include "dkim_sign.h"
#include "keytable.h"
#include "logcap.h"
#include "module.h"
#include "str.h"

static char dir[256];
static char rsa_path[300], ed_path[300], bad_path[300], open_path[300];

/* write_key - a PEM private key file with mode */
static void
write_key(const char *path, EVP_PKEY *pk, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	chmod(path, mode);
}

static int
setup(void **state)
{
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/hm-keytab.XXXXXX");
	if (mkdtemp(dir) == NULL || rsa == NULL || ed == NULL)
		return -1;
	snprintf(rsa_path, sizeof(rsa_path), "%s/rsa.pem", dir);
	snprintf(ed_path, sizeof(ed_path), "%s/ed.pem", dir);
	snprintf(bad_path, sizeof(bad_path), "%s/bad.pem", dir);
	snprintf(open_path, sizeof(open_path), "%s/open.pem", dir);
	write_key(rsa_path, rsa, 0600);
	write_key(ed_path, ed, 0400);
	write_key(open_path, rsa, 0640);
	f = fopen(bad_path, "w");
	fputs("-----BEGIN PRIVATE KEY-----\nnot a key\n"
	    "-----END PRIVATE KEY-----\n", f);
	fclose(f);
	chmod(bad_path, 0600);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* lookup_names - "k1,k2" of the keys for addr, "" for none */
static char *
lookup_names(const struct keytab *t, const char *addr)
{
	const struct keytab_key *k[8];
	const char *rule;
	size_t n = keytab_lookup(t, addr, k, 8, &rule), i;
	struct str b;
	char *r;

	str_init(&b);
	for (i = 0; i < n; i++) {
		if (i)
			str_addc(&b, ',');
		str_add(&b, k[i]->name);
	}
	r = xstrdup(b.s);
	str_free(&b);
	return r;
}

#define ASSERT_KEYS(t, addr, want) do {			\
	char *got_ = lookup_names((t), (addr));			\
	assert_string_equal(got_, (want));			\
	free(got_);						\
} while (0)

/* native_table - the precedence example */
static struct keytab *
native_table(void)
{
	struct keytab *t = keytab_new();
	char err[256];
	const char *a[] = { "k-rsa", "k-ed", "vendor" }, *b[] = { "k-rsa" },
	    *c[] = { "vendor" }, *d[] = { "ceo" }, *e[] = { "deep" };

	assert_int_equal(keytab_add_key(t, "k-rsa", "Example.org", "s1",
	    KEYTAB_ALG_RSA_SHA256, rsa_path, "t:1", err, sizeof(err)), 0);
	assert_int_equal(keytab_add_key(t, "k-ed", "example.org", "e1",
	    KEYTAB_ALG_AUTO, ed_path, "t:2", err, sizeof(err)), 0);
	assert_int_equal(keytab_add_key(t, "vendor", "vendor.example", "v",
	    KEYTAB_ALG_AUTO, rsa_path, "t:3", err, sizeof(err)), 0);
	assert_int_equal(keytab_add_key(t, "ceo", "example.org", "ceo",
	    KEYTAB_ALG_AUTO, rsa_path, "t:4", err, sizeof(err)), 0);
	assert_int_equal(keytab_add_key(t, "deep", "example.org", "deep",
	    KEYTAB_ALG_AUTO, rsa_path, "t:5", err, sizeof(err)), 0);
	assert_int_equal(keytab_add_rule(t, "example.org", a, 3, "t:10",
	    err, sizeof(err)), 0);
	assert_int_equal(keytab_add_rule(t, "*.example.org", b, 1, "t:11",
	    err, sizeof(err)), 0);
	assert_int_equal(keytab_add_rule(t, "*", c, 1, "t:12", err,
	    sizeof(err)), 0);
	assert_int_equal(keytab_add_rule(t, "CEO@example.org", d, 1, "t:13",
	    err, sizeof(err)), 0);
	assert_int_equal(keytab_add_rule(t, "*.eu.example.org", e, 1, "t:14",
	    err, sizeof(err)), 0);
	assert_int_equal(keytab_resolve(t, err, sizeof(err)), 0);
	return t;
}

static void
test_native_precedence(void **state)
{
	struct keytab *t = native_table();

	ASSERT_KEYS(t, "someone@example.org", "k-rsa,k-ed,vendor");
	ASSERT_KEYS(t, "someone@EXAMPLE.ORG", "k-rsa,k-ed,vendor");
	ASSERT_KEYS(t, "ceo@example.org", "ceo");
	ASSERT_KEYS(t, "x@mail.example.org", "k-rsa");
	ASSERT_KEYS(t, "x@a.eu.example.org", "deep");
	ASSERT_KEYS(t, "x@eu.example.org", "k-rsa");	/* *.eu: subdomains */
	ASSERT_KEYS(t, "x@notexample.org", "vendor");	/* not a subdomain */
	ASSERT_KEYS(t, "x@other.example", "vendor");
	keytab_free(t);
}

static void
test_no_catch_all(void **state)
{
	struct keytab *t = keytab_new();
	char err[256];
	const char *a[] = { "k" };

	assert_int_equal(keytab_add_key(t, "k", "example.org", "s",
	    KEYTAB_ALG_AUTO, rsa_path, "t:1", err, sizeof(err)), 0);
	assert_int_equal(keytab_add_rule(t, "*.example.org", a, 1, "t:2",
	    err, sizeof(err)), 0);
	assert_int_equal(keytab_resolve(t, err, sizeof(err)), 0);
	ASSERT_KEYS(t, "x@example.org", "");	/* *.x does not match x */
	ASSERT_KEYS(t, "x@b.example.org", "k");
	ASSERT_KEYS(t, "x@example.com", "");
	keytab_free(t);
}

static void
test_bad_rules(void **state)
{
	struct keytab *t = keytab_new();
	char err[256];
	const char *a[] = { "missing" };
	const char *bad[] = { "*.", "foo@", "@example.org", "a@b@c.org",
	    "exa mple.org", "*@example.org", "ex*.org", "", "a..b" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(keytab_add_rule(t, bad[i], a, 1, "f.conf:7",
		    err, sizeof(err)), -1);
		assert_non_null(strstr(err, "can never match"));
		assert_non_null(strstr(err, "f.conf:7"));
	}
	assert_int_equal(keytab_add_rule(t, "example.org", a, 0, "f:1", err,
	    sizeof(err)), -1);
	assert_int_equal(keytab_add_rule(t, "example.org", a, 1, "f:2", err,
	    sizeof(err)), 0);
	assert_int_equal(keytab_add_rule(t, "EXAMPLE.org", a, 1, "f:3", err,
	    sizeof(err)), -1);		/* the same pattern twice */
	assert_non_null(strstr(err, "also at f:2"));
	/* a rule naming a key that is not in the key table */
	assert_int_equal(keytab_resolve(t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"missing\""));
	assert_non_null(strstr(err, "f:2"));
	keytab_free(t);
}

static void
test_bad_keys(void **state)
{
	struct keytab *t = keytab_new();
	char err[256];

	assert_int_equal(keytab_add_key(t, "k", "example.org", "s",
	    KEYTAB_ALG_AUTO, rsa_path, "t:1", err, sizeof(err)), 0);
	assert_int_equal(keytab_add_key(t, "k", "example.org", "s2",
	    KEYTAB_ALG_AUTO, rsa_path, "t:2", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "defined twice"));
	assert_int_equal(keytab_add_key(t, "d", "bad domain", "s",
	    KEYTAB_ALG_AUTO, rsa_path, "t:3", err, sizeof(err)), -1);
	assert_int_equal(keytab_add_key(t, "s", "example.org", "a;b",
	    KEYTAB_ALG_AUTO, rsa_path, "t:4", err, sizeof(err)), -1);
	assert_int_equal(keytab_add_key(t, "f", "example.org", "s",
	    KEYTAB_ALG_AUTO, "", "t:5", err, sizeof(err)), -1);
	keytab_free(t);
}

/* load_err - load one key file with alg, return the error text */
static int
load_with(const char *path, enum keytab_alg alg, char *err, size_t len)
{
	struct keytab *t = keytab_new();
	int rc;

	assert_int_equal(keytab_add_key(t, "k", "example.org", "s", alg, path,
	    "t:1", err, len), 0);
	rc = keytab_load_keys(t, NULL, err, len);
	if (rc == 0) {
		const struct keytab_key *k = keytab_key_at(t, 0);

		assert_non_null(k->pkey);
		assert_int_not_equal(k->alg, KEYTAB_ALG_AUTO);
	}
	keytab_free(t);
	return rc;
}

static void
test_key_files(void **state)
{
	char err[512];

	assert_int_equal(load_with(rsa_path, KEYTAB_ALG_AUTO, err,
	    sizeof(err)), 0);
	assert_int_equal(load_with(ed_path, KEYTAB_ALG_ED25519_SHA256, err,
	    sizeof(err)), 0);
	/* group-readable: refused, and the message says why */
	assert_int_equal(load_with(open_path, KEYTAB_ALG_AUTO, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "0640"));
	assert_non_null(strstr(err, "group or others"));
	/* unparsable */
	assert_int_equal(load_with(bad_path, KEYTAB_ALG_AUTO, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a PEM private key"));
	assert_null(strstr(err, "not a key"));	/* no file content */
	/* missing */
	assert_int_equal(load_with("/nonexistent/key.pem", KEYTAB_ALG_AUTO,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open"));
	/* a directory */
	assert_int_equal(load_with(dir, KEYTAB_ALG_AUTO, err, sizeof(err)),
	    -1);
	/* algorithm named does not fit the key */
	assert_int_equal(load_with(rsa_path, KEYTAB_ALG_ED25519_SHA256, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "RSA key"));
}

/* opendkim_table - KeyTable + SigningTable text, loaded and resolved */
static struct keytab *
opendkim_table(const char *signing, int refile, int multiple, int *rc)
{
	struct keytab *t = keytab_new();
	char kt[2048], err[512];

	snprintf(kt, sizeof(kt),
	    "# OpenDKIM KeyTable\n"
	    "k-rsa   example.org:s1:%s\n"
	    "\n"
	    "k-ed    example.org:e1:%s   # comment\n"
	    "vendor\tvendor.example:v:%s\n"
	    "ceo example.org:ceo:%s\n"
	    "deep example.org:deep:%s\n",
	    rsa_path, ed_path, rsa_path, rsa_path, rsa_path);
	*rc = keytab_parse_opendkim_keytable(t, kt, "KeyTable", err,
	    sizeof(err));
	if (*rc == 0)
		*rc = keytab_parse_opendkim_signingtable(t, signing,
		    "SigningTable", refile, err, sizeof(err));
	keytab_set_multiple(t, multiple);
	if (*rc == 0)
		*rc = keytab_resolve(t, err, sizeof(err));
	if (*rc == 0)
		*rc = keytab_load_keys(t, NULL, err, sizeof(err));
	return t;
}

static void
test_opendkim_plain(void **state)
{
	int rc;
	struct keytab *t = opendkim_table(
	    "ceo@example.org ceo\n"
	    "example.org k-rsa\n"
	    "* vendor\n", 0, 0, &rc);

	assert_int_equal(rc, 0);
	ASSERT_KEYS(t, "ceo@example.org", "ceo");
	ASSERT_KEYS(t, "x@example.org", "k-rsa");
	ASSERT_KEYS(t, "x@sub.example.org", "vendor");
	keytab_free(t);
}

static void
test_opendkim_refile(void **state)
{
	int rc;
	const char *st =
	    "ceo@example.org ceo\n"
	    "*@example.org k-rsa\n"
	    "*@example.org k-ed\n"
	    "*@*.eu.example.org deep\n"
	    "*@*.example.org k-rsa\n"
	    "* vendor\n";
	struct keytab *t = opendkim_table(st, 1, 0, &rc);

	assert_int_equal(rc, 0);
	/* first match in file order */
	ASSERT_KEYS(t, "ceo@example.org", "ceo");
	ASSERT_KEYS(t, "x@Example.ORG", "k-rsa");
	ASSERT_KEYS(t, "x@a.eu.example.org", "deep");
	ASSERT_KEYS(t, "x@other.example", "vendor");
	keytab_free(t);
	/* MultipleSignatures: every matching line */
	t = opendkim_table(st, 1, 1, &rc);
	assert_int_equal(rc, 0);
	ASSERT_KEYS(t, "x@example.org", "k-rsa,k-ed,vendor");
	ASSERT_KEYS(t, "ceo@example.org", "ceo,k-rsa,k-ed,vendor");
	keytab_free(t);
}

static void
test_opendkim_bad(void **state)
{
	struct keytab *t = keytab_new();
	char err[512];

	assert_int_equal(keytab_parse_opendkim_keytable(t,
	    "k example.org:s1\n", "KT", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "KT:1"));
	assert_int_equal(keytab_parse_opendkim_keytable(t,
	    "\n\nk example.org:s1:MIIBVgIBADANBg\n", "KT", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "KT:3"));
	assert_non_null(strstr(err, "inline"));
	assert_int_equal(keytab_parse_opendkim_signingtable(t,
	    "example.org\n", "ST", 0, err, sizeof(err)), -1);
	assert_int_equal(keytab_parse_opendkim_signingtable(t,
	    "*.example.org k\n", "ST", 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "never match"));
	/* a SigningTable naming a key the KeyTable lacks */
	assert_int_equal(keytab_parse_opendkim_signingtable(t,
	    "example.org nokey\n", "ST", 0, err, sizeof(err)), 0);
	assert_int_equal(keytab_resolve(t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nokey"));
	assert_non_null(strstr(err, "ST:1"));
	keytab_free(t);
}

/* OpenDKIM's "%" domain: d= becomes each message's From domain */
static void
test_opendkim_from_domain(void **state)
{
	struct keytab *t = keytab_new();
	const struct keytab_key *k[4];
	const char *rule;
	char kt[600], err[256];

	snprintf(kt, sizeof(kt), "any %%:s1:%s\n", rsa_path);
	assert_int_equal(keytab_parse_opendkim_keytable(t, kt, "KT", err,
	    sizeof(err)), 0);
	assert_int_equal(keytab_parse_opendkim_signingtable(t, "* any\n",
	    "ST", 0, err, sizeof(err)), 0);
	assert_int_equal(keytab_resolve(t, err, sizeof(err)), 0);
	assert_int_equal(keytab_load_keys(t, NULL, err, sizeof(err)), 0);
	assert_int_equal(keytab_lookup(t, "a@shop.example", k, 4, &rule), 1);
	assert_string_equal(k[0]->domain, KEYTAB_FROM_DOMAIN);
	keytab_free(t);
	/* only "%" alone: "%.example" is no domain */
	t = keytab_new();
	snprintf(kt, sizeof(kt), "any %%.example:s1:%s\n", rsa_path);
	assert_int_equal(keytab_parse_opendkim_keytable(t, kt, "KT", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "bad domain"));
	keytab_free(t);
	/* what may stand in d= */
	assert_true(keytab_domain_ok("shop.example"));
	assert_false(keytab_domain_ok("b;c.example"));
	assert_false(keytab_domain_ok("[192.0.2.1]"));
	assert_false(keytab_domain_ok(""));
}

/* load_conf - the dkim_sign section through the configuration loader */
static struct conf *
load_conf(const char *section, struct conf_err *e)
{
	char *text = xasprintf("dkim_sign = {\n%s\n};\n", section);
	struct conf *c;

	memset(e, 0, sizeof(*e));
	c = conf_load_string(text, 1, e);
	free(text);
	return c;
}

/* bad_key_conf - three keys, the second unparsable, under on_bad_key =
 * mode; k3 is the third key's file */
static char *
bad_key_conf(const char *mode, const char *k3)
{
	return xasprintf(
	    "on_bad_key = \"%s\";\n"
	    "keys = (\n"
	    " { name = \"good\"; domain = \"example.org\"; selector = \"s1\";"
	    " key_file = \"%s\"; },\n"
	    " { name = \"bad\"; domain = \"bad.example\"; selector = \"b\";"
	    " key_file = \"%s\"; },\n"
	    " { name = \"other\"; domain = \"vendor.example\"; selector = \"v\";"
	    " key_file = \"%s\"; });\n"
	    "signing_table = (\n"
	    " { pattern = \"example.org\"; keys = [\"good\", \"bad\"]; },\n"
	    " { pattern = \"bad.example\"; keys = [\"bad\"]; },\n"
	    " { pattern = \"*\"; keys = [\"other\"]; });\n",
	    mode, rsa_path, bad_path, k3);
}

static void
test_on_bad_key(void **state)
{
	struct conf_err e;
	struct conf *c;
	char *sec, *log;

	(void)state;
	/* fail (the default): the whole load is refused, naming the file */
	sec = bad_key_conf("fail", ed_path);
	assert_null(load_conf(sec, &e));
	free(sec);
	assert_non_null(strstr(e.msg, bad_path));
	/* skip: the rest loads; the entry left without keys is dropped */
	sec = bad_key_conf("skip", ed_path);
	log_capture();
	c = load_conf(sec, &e);
	log = log_captured();
	free(sec);
	if (c == NULL)
		fail_msg("%s:%d: %s", e.file, e.line, e.msg);
	assert_int_equal(c->dkim_sign.on_bad_key, DKIMS_BAD_KEY_SKIP);
	ASSERT_KEYS(c->dkim_sign.keys, "a@example.org", "good");
	ASSERT_KEYS(c->dkim_sign.keys, "a@bad.example", "other");
	ASSERT_KEYS(c->dkim_sign.keys, "a@else.example", "other");
	assert_non_null(strstr(log, "key \"bad\""));
	assert_non_null(strstr(log, bad_path));
	assert_non_null(strstr(log, "entry \"bad.example\" dropped"));
	assert_null(strstr(log, "entry \"example.org\" dropped"));
	assert_non_null(strstr(log, "1 of 3 keys skipped"));
	free(log);
	conf_release(c);
	/* skip, but no key loads: refused */
	sec = xasprintf(
	    "on_bad_key = \"skip\";\n"
	    "keys = ({ name = \"bad\"; domain = \"bad.example\"; "
	    "selector = \"b\"; key_file = \"%s\"; });\n"
	    "signing_table = ({ pattern = \"*\"; keys = [\"bad\"]; });\n",
	    open_path);
	log_capture();
	c = load_conf(sec, &e);
	free(log_captured());
	free(sec);
	assert_null(c);
	assert_non_null(strstr(e.msg, "none of the 1 keys"));
}

/* sign_all - every signature the table's keys for addr make on a fixed
 * message at a fixed time, in order, one per line */
static char *
sign_all(const struct conf *c, const char *addr)
{
	static const char body[] = "Hello,\r\n\r\n  the same  bytes \r\n\r\n";
	struct hm_header h[] = {
		{ "From", " Someone <someone@example.org>" },
		{ "To", " rcpt@example.net" },
		{ "Subject", " native or OpenDKIM,\r\n\tthe same" },
		{ "Date", " Mon, 23 Nov 2026 12:00:00 +0000" },
	};
	const struct keytab_key *k[8];
	const struct dkims_conf *dc = &c->dkim_sign;
	unsigned char bh[CANON_DIGEST_LEN];
	struct canon_body *cb = canon_body_new(dc->bcanon);
	struct dkims_opts o;
	const char *rule;
	char err[256], *v, *r;
	size_t n, i;
	struct str out;

	canon_body_update(cb, (const unsigned char *)body, strlen(body));
	assert_int_equal(canon_body_final(cb, bh), 0);
	canon_body_free(cb);
	memset(&o, 0, sizeof(o));
	o.hcanon = dc->hcanon;
	o.bcanon = dc->bcanon;
	o.sign_headers = dc->sign_headers;
	o.oversign = dc->oversign_headers;
	o.t = 1795435200;
	o.eol = "\r\n";
	str_init(&out);
	n = keytab_lookup(dc->keys, addr, k, 8, &rule);
	for (i = 0; i < n; i++) {
		v = dkims_sign(k[i], &o, h, sizeof(h) / sizeof(h[0]), bh, err,
		    sizeof(err));
		if (v == NULL)
			fail_msg("%s", err);
		str_addf(&out, "%s\n", v);
		free(v);
	}
	r = xstrdup(out.s);
	str_free(&out);
	return r;
}

static void
test_conf_native_equals_opendkim(void **state)
{
	char kt[300], st[300], *sec;
	struct conf_err e;
	struct conf *c1, *c2;
	const char *addrs[] = { "a@example.org", "a@sub.example.org",
	    "a@other.example" };
	size_t i;
	FILE *f;

	snprintf(kt, sizeof(kt), "%s/KeyTable", dir);
	snprintf(st, sizeof(st), "%s/SigningTable", dir);
	f = fopen(kt, "w");
	fprintf(f, "k1 example.org:s1:%s\nk2 example.org:e1:%s\n"
	    "v vendor.example:v:%s\n", rsa_path, ed_path, rsa_path);
	fclose(f);
	f = fopen(st, "w");
	fprintf(f, "*@example.org k1\n*@example.org k2\n*@*.example.org k1\n"
	    "* v\n");
	fclose(f);
	sec = xasprintf("keys = (\n"
	    " { name = \"k1\"; domain = \"example.org\"; selector = \"s1\";"
	    " algorithm = \"rsa-sha256\"; key_file = \"%s\"; },\n"
	    " { name = \"k2\"; domain = \"example.org\"; selector = \"e1\";"
	    " key_file = \"%s\"; },\n"
	    " { name = \"v\"; domain = \"vendor.example\"; selector = \"v\";"
	    " key_file = \"%s\"; });\n"
	    "signing_table = (\n"
	    " { pattern = \"example.org\"; keys = [\"k1\", \"k2\", \"v\"]; },\n"
	    " { pattern = \"*.example.org\"; keys = [\"k1\", \"v\"]; },\n"
	    " { pattern = \"*\"; keys = [\"v\"]; });\n", rsa_path, ed_path,
	    rsa_path);
	c1 = load_conf(sec, &e);
	if (c1 == NULL)
		fail_msg("%s:%d: %s", e.file, e.line, e.msg);
	free(sec);
	sec = xasprintf("opendkim_keytable = \"%s\";\n"
	    "opendkim_signingtable = \"refile:%s\";\n"
	    "opendkim_multiple_signatures = true;\n", kt, st);
	c2 = load_conf(sec, &e);
	if (c2 == NULL)
		fail_msg("%s:%d: %s", e.file, e.line, e.msg);
	free(sec);
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		char *a = lookup_names(c1->dkim_sign.keys, addrs[i]);
		char *b = lookup_names(c2->dkim_sign.keys, addrs[i]);

		assert_string_equal(a, b);
		assert_string_not_equal(a, "");
		free(a);
		free(b);
		/* and the same signature bytes for the same message and t= */
		a = sign_all(c1, addrs[i]);
		b = sign_all(c2, addrs[i]);
		assert_non_null(strstr(a, "b="));
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	assert_int_equal(c1->dkim_sign.hcanon, CANON_RELAXED);
	conf_release(c1);
	conf_release(c2);
}

static void
test_conf_errors(void **state)
{
	struct conf_err e;
	struct conf *c;
	char *sec;

	/* a signing table naming a missing key: the entry's line */
	c = load_conf("keys = ();\nsigning_table = (\n"
	    " { pattern = \"example.org\"; keys = [\"nokey\"]; });", &e);
	assert_null(c);
	assert_non_null(strstr(e.msg, "nokey"));
	assert_int_equal(e.line, 4);
	/* a group-readable key file */
	sec = xasprintf("keys = ({ name = \"k\"; domain = \"example.org\"; "
	    "selector = \"s\"; key_file = \"%s\"; });\nsigning_table = ("
	    "{ pattern = \"*\"; keys = [\"k\"]; });", open_path);
	c = load_conf(sec, &e);
	free(sec);
	assert_null(c);
	assert_non_null(strstr(e.msg, "group or others"));
	assert_int_equal(e.line, 2);
	/* unknown member, wrong canonicalisation, bad algorithm */
	c = load_conf("keys = ({ name = \"k\"; colour = \"red\"; });", &e);
	assert_null(c);
	assert_non_null(strstr(e.msg, "colour"));
	c = load_conf("canonicalization = \"nofws/simple\";", &e);
	assert_null(c);
	c = load_conf("keys = ({ name = \"k\"; domain = \"example.org\"; "
	    "selector = \"s\"; algorithm = \"dsa\"; key_file = \"x\"; });", &e);
	assert_null(c);
	assert_non_null(strstr(e.msg, "dsa"));
	/* missing OpenDKIM table file */
	c = load_conf("opendkim_keytable = \"/nonexistent/KeyTable\";", &e);
	assert_null(c);
	assert_non_null(strstr(e.msg, "cannot open"));
	/* an empty section is valid: nothing is signed */
	c = load_conf("", &e);
	assert_non_null(c);
	assert_int_equal(keytab_nrules(c->dkim_sign.keys), 0);
	conf_release(c);
}

/* signs - does the signing module sign a message with this From (from
 * an internal client)?  The From is parsed by lib/mailaddr.c once for
 * every module, as DMARC reads it. */
static int
signs(const struct conf *c, const char *from)
{
	struct hm_conn *cn = ctx_conn_new((struct conf *)c);
	struct hm_msg *m = ctx_msg_new(cn);
	static const unsigned char body[] = "hi\r\n";
	int n;

	cn->internal = 1;
	assert_int_equal(ctx_msg_header(m, "From", from), 0);
	assert_int_equal(ctx_msg_header(m, "Subject", " s"), 0);
	assert_int_equal(dkims_module.eoh(m), HM_OK);
	assert_int_equal(dkims_module.body(m, body, sizeof(body) - 1), HM_OK);
	assert_int_equal(dkims_module.eom(m), HM_OK);
	n = (int)m->nadd;
	if (n > 0)
		assert_string_equal(m->add[0].name, DKIMS_HDR_NAME);
	ctx_conn_free(cn);
	return n > 0;
}

/* the signing module's author is mailaddr.c's: a From it rejects (and
 * DMARC gives permerror) is not signed, though the signer's old lenient
 * parser found an address in it */
static void
test_sign_from(void **state)
{
	static const char *const yes[] = { " Joe <Joe@X.ORG>",
		" \"Doe, Joe\" <j@x.org>", " (c) joe@x.org (who?)",
		" \"<fake@evil.example>\" <real@x.org>", " Joe\r\n <joe@x.org>",
		" \"joe smith\"@x.org", " <\"a b\"@x.org>", NULL };
	static const char *const no[] = { " a@x.org, b@y.org",
		" undisclosed-recipients:;", " <>", " joe", " Joe <joe@x.org",
		"", " joe@x.org (unclosed comment",
		" Joe Smith@evil <joe@x.org>",
		" Joe <joe@x.org> trailing words", " Joe <joe@[192.0.2.1]>",
		NULL };
	struct conf_err e;
	struct conf *c;
	char *sec;
	size_t i;

	sec = xasprintf(
	    "keys = ({ name = \"k\"; domain = \"x.org\"; "
	    "selector = \"s\"; key_file = \"%s\"; });\nsigning_table = ("
	    "{ pattern = \"*\"; keys = [\"k\"]; });",
	    rsa_path);
	c = load_conf(sec, &e);
	free(sec);
	if (c == NULL)
		fail_msg("%s", e.msg);
	for (i = 0; yes[i] != NULL; i++)
		if (!signs(c, yes[i]))
			fail_msg("not signed: From:%s", yes[i]);
	for (i = 0; no[i] != NULL; i++)
		if (signs(c, no[i]))
			fail_msg("signed: From:%s", no[i]);
	conf_release(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native_precedence),
		cmocka_unit_test(test_no_catch_all),
		cmocka_unit_test(test_bad_rules),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_opendkim_plain),
		cmocka_unit_test(test_opendkim_refile),
		cmocka_unit_test(test_opendkim_bad),
		cmocka_unit_test(test_opendkim_from_domain),
		cmocka_unit_test(test_conf_native_equals_opendkim),
		cmocka_unit_test(test_conf_errors),
		cmocka_unit_test(test_on_bad_key),
		cmocka_unit_test(test_sign_from),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
