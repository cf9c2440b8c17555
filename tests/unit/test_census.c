/*
 * test_census.c - the census of a domain's senders (report/census.h)
 * without the tool: rows as the store holds them (rrow_key, written to a
 * temporary SQLite store through rdb and read back by census_load),
 * attribution against an in-memory zone (dns_static): vendor network,
 * DKIM d= and SPF rules, forward-confirmed reverse DNS over IPv4 and
 * IPv6, a PTR that does not confirm; the advice (SPF, unaligned and
 * failing DKIM, relays beyond the named ones, sources that never pass)
 * and the three kinds of readiness verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "census.h"
#include "census_load.h"
#include "conf_table.h"
#include "rdb.h"
#include "str.h"

static const char zone[] =
    "_spf.lms.example TXT \"v=spf1 ip6:2001:db8:7::/48 -all\"\n"
    "_dmarc.lms.example TXT \"v=DMARC1; p=none\"\n"
    "_dmarc.vendor.example TXT \"v=DMARC1; p=none\"\n"
    "a.mx.vendor.example A 198.51.100.7\n"
    "7.100.51.198.in-addr.arpa PTR a.mx.vendor.example\n"
    "b.mx.vendor.example AAAA 2001:db8:5::9\n"
    "9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
    " PTR b.mx.vendor.example\n"
    "66.113.0.203.in-addr.arpa PTR mail.bank.example\n"
    "mail.bank.example A 192.0.2.200\n";

static const char conf_text[] =
    "dmarc = { vendors = (\n"
    " { name = \"lms\"; spf = \"_spf.lms.example\"; domains = [\"u.example\"]; },\n"
    " { name = \"crm\"; dkim_domains = [\"crm.example\"]; "
    "domains = [\"u.example\"]; },\n"
    " { name = \"hr\"; networks = [\"192.0.2.128/25\"]; "
    "domains = [\"u.example\"]; }\n"
    "); };\n";

struct fx {
	struct conf *conf;
	struct census c;
	char path[64];
	struct rdb *db;
};

/* setup - configuration, zone, an empty store */
static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct conf_err e;
	char err[256];
	int fd;

	f->conf = conf_load_string(conf_text, 1, &e);
	if (f->conf == NULL)
		fail_msg("conf: %d: %s", e.line, e.msg);
	f->conf->resolver = dns_static_new(zone, err, sizeof(err));
	assert_non_null(f->conf->resolver);
	snprintf(f->path, sizeof(f->path), "/tmp/test_census.XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	f->db = rdb_open(f->path, err, sizeof(err));
	if (f->db == NULL)
		fail_msg("store: %s", err);
	census_init(&f->c, "u.example", 100, 129);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	census_free(&f->c);
	rdb_close(f->db);
	unlink(f->path);
	conf_release(f->conf);
	free(f);
	return 0;
}

/* put - one local row: ip, envelope domain, SPF result and alignment,
 * DKIM "d/s/pass|fail" (or NULL) and its alignment, count */
static void
put(struct fx *f, const char *ip, const char *mfrom, enum res_spf spf,
    int spf_al, const char *dkim, int dkim_al, int count)
{
	struct rrow r;
	struct rr_dkim k;
	char *key, d[64], *s, *res;
	size_t len;
	struct rdb_val p[4];

	memset(&r, 0, sizeof(r));
	r.source_ip = (char *)ip;
	r.header_from = (char *)"u.example";
	r.envelope_from = (char *)mfrom;
	r.has_spf = 1;
	r.spf_domain = (char *)mfrom;
	r.spf_result = spf;
	r.spf_pass = spf_al;
	r.dkim_pass = dkim_al;
	r.disposition = spf_al || dkim_al ? RR_DISP_PASS : RR_DISP_NONE;
	if (dkim != NULL) {
		snprintf(d, sizeof(d), "%s", dkim);
		s = strchr(d, '/');
		res = strchr(s + 1, '/');
		*s++ = *res++ = '\0';
		k.domain = d;
		k.selector = s;
		k.result = strcmp(res, "pass") == 0 ? RES_DKIM_PASS :
						      RES_DKIM_FAIL;
		r.dkim = &k;
		r.ndkim = 1;
	}
	assert_int_equal(rrow_key(&r, &key, &len), 0);
	p[0] = RDB_I(110);
	p[1] = RDB_S("u.example");
	p[2] = RDB_S(key);
	p[3] = RDB_I(count);
	assert_int_equal(rdb_exec(f->db,
			     "INSERT INTO agg_row (day, domain, "
			     "rowkey, count) VALUES (?, ?, ?, ?)",
			     p, 4),
	    0);
	free(key);
}

/* run - load, attribute, finish */
static void
run(struct fx *f)
{
	struct census_dns d;
	uint64_t bad = 1;

	assert_int_equal(census_load(f->db, &f->c, &bad), 0);
	assert_int_equal(bad, 0);
	memset(&d, 0, sizeof(d));
	d.resolver = f->conf->resolver;
	d.vendors = &f->conf->dmarc.vendors;
	census_attribute(&f->c, &d);
	census_finish(&f->c);
}

/* svc - the service named name */
static const struct cs_service *
svc(const struct fx *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->c.nsvc; i++)
		if (strcmp(f->c.svc[i].name, name) == 0)
			return &f->c.svc[i];
	fail_msg("no service %s", name);
	return NULL;
}

/* has_fix - a fix of s contains text */
static void
has_fix(const struct cs_service *s, const char *text)
{
	size_t i;

	for (i = 0; s->fixes[i] != NULL; i++)
		if (strstr(s->fixes[i], text) != NULL)
			return;
	fail_msg("%s: no fix with '%s' (first: %s)", s->name, text,
	    s->fixes[0] ? s->fixes[0] : "none");
}

static void
test_attribution(void **state)
{
	struct fx *f = *state;
	const struct cs_service *s;

	put(f, "2001:db8:7::25", "lms.example", RES_SPF_PASS, 0,
	    "u.example/l1/pass", 1, 10);
	put(f, "203.0.113.5", "crm.example", RES_SPF_PASS, 0,
	    "crm.example/c1/pass", 0, 4);
	put(f, "192.0.2.200", "u.example", RES_SPF_PASS, 1, NULL, 0, 3);
	put(f, "198.51.100.7", "u.example", RES_SPF_PASS, 1, NULL, 0, 2);
	put(f, "2001:db8:5::9", "u.example", RES_SPF_FAIL, 0,
	    "u.example/n1/pass", 1, 1);
	put(f, "203.0.113.66", "u.example", RES_SPF_FAIL, 0, NULL, 0, 5);
	run(f);
	assert_int_equal(f->c.total, 25);
	s = svc(f, "lms");
	assert_int_equal(s->kind, CS_VENDOR);
	assert_string_equal(s->via, "spf:_spf.lms.example");
	assert_int_equal(s->dmarc_pass, 10);
	assert_null(s->fixes[0]);
	s = svc(f, "crm");
	assert_string_equal(s->via, "dkim:crm.example");
	has_fix(s,
	    "relay 203.0.113.5 passes SPF only for another envelope "
	    "domain");
	has_fix(s,
	    "signs with d=crm.example (s=c1), not aligned with "
	    "u.example");
	assert_string_equal(svc(f, "hr")->via, "network:192.0.2.128/25");
	/* both reverse names confirmed: one service, the org domain */
	s = svc(f, "vendor.example");
	assert_int_equal(s->kind, CS_RDNS);
	assert_int_equal(s->nsrc, 2);
	assert_string_equal(f->c.src[s->src[0]].ptr, "a.mx.vendor.example");
	assert_string_equal(f->c.src[s->src[1]].ptr, "b.mx.vendor.example");
	/* a PTR that does not resolve back: by address */
	s = svc(f, "203.0.113.66");
	assert_int_equal(s->kind, CS_IP);
	assert_null(f->c.src[s->src[0]].ptr);
	has_fix(s, "never passes: if it sends for you, add ip4:203.0.113.66");
	/* crm fails all its mail and is a vendor: it would lose mail */
	assert_non_null(strstr(f->c.verdict,
	    "not ready: p=quarantine and "
	    "p=reject would lose mail of "
	    "crm (4 of 4 failing); 5 more "
	    "messages from sources that "
	    "never pass"));
}

static void
test_fixes(void **state)
{
	struct fx *f = *state;
	const struct cs_service *s;
	char ip[32];
	int i;

	/* hr's relays: five fail SPF for the domain, one key fails */
	for (i = 0; i < 5; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", 130 + i);
		put(f, ip, "u.example", RES_SPF_SOFTFAIL, 0, NULL, 0, 10 - i);
	}
	put(f, "192.0.2.140", "u.example", RES_SPF_PASS, 1,
	    "u.example/old/fail", 0, 20);
	run(f);
	s = svc(f, "hr");
	has_fix(s,
	    "relay 192.0.2.130 fails SPF for u.example: add "
	    "ip4:192.0.2.130 or have it sign with d=u.example");
	has_fix(s, "and 2 more relays failing likewise");
	has_fix(s,
	    "DKIM d=u.example s=old fails 20 messages: check the key "
	    "at old._domainkey.u.example");
	assert_non_null(strstr(f->c.verdict,
	    "would lose mail of hr (40 of "
	    "60 failing)"));
}

static void
test_verdicts(void **state)
{
	struct fx *f = *state;

	run(f);
	assert_string_equal(f->c.verdict,
	    "no mail as u.example in this period: nothing to judge");
	census_free(&f->c);
	census_init(&f->c, "u.example", 100, 129);
	put(f, "2001:db8:7::25", "lms.example", RES_SPF_PASS, 0,
	    "u.example/l1/pass", 1, 10);
	run(f);
	assert_string_equal(f->c.verdict,
	    "ready for p=quarantine and "
	    "p=reject: all mail passes DMARC");
	census_free(&f->c);
	census_init(&f->c, "u.example", 100, 129);
	put(f, "203.0.113.66", "u.example", RES_SPF_FAIL, 0, NULL, 0, 1);
	run(f);
	assert_string_equal(f->c.verdict,
	    "ready for p=quarantine and p=reject: only 1 message from 1 "
	    "source that never passes (spoofing or unknown senders) would "
	    "be hit");
	/* a period that leaves the rows out */
	census_free(&f->c);
	census_init(&f->c, "u.example", 111, 140);
	run(f);
	assert_int_equal(f->c.total, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attribution, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verdicts, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
