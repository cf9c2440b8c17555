/*
 * test_spf_module.c - the SPF module's hooks on real contexts and a real
 * configuration (conf_load_string), with the static DNS back end as the
 * resolver: A-R entries, results for DMARC, HELO caching, the configured
 * fail reject (550 5.7.23 with the explanation), tempfail on temperror,
 * no rejection for internal or authenticated clients or allow-listed
 * relays, Received-SPF.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "conf.h"
#include "conf_table.h"
#include "ctx.h"
#include "module.h"
#include "spf.h"
#include "str.h"

static const char zone[] =
    "example.org TXT \"v=spf1 ip4:192.0.2.0/24 -all exp=why.example.org\"\n"
    "why.example.org TXT \"%{i} is not a mail server of %{d}\"\n"
    "soft.example.org TXT \"v=spf1 ~all\"\n"
    "slow.example.org TIMEOUT\n"
    "mx.example.org TXT \"v=spf1 ip4:192.0.2.25 -all\"\n";

/* conf_with - a configuration from text with the static zone */
static struct conf *
conf_with(const char *text)
{
	struct conf_err e;
	struct conf *c = conf_load_string(text, 1, &e);
	char err[256];

	if (c == NULL)
		fail_msg("conf: %s:%d: %s", e.file, e.line, e.msg);
	c->resolver = dns_static_new(zone, err, sizeof(err));
	assert_non_null(c->resolver);
	if (c->authserv_id == NULL)
		c->authserv_id = xstrdup("mx.test");
	return c;
}

/* conn_from - a connection from ip with HELO helo */
static struct hm_conn *
conn_from(struct conf *conf, const char *ip, const char *helo)
{
	struct hm_conn *c = ctx_conn_new(conf);
	struct sockaddr_in *sin = (struct sockaddr_in *)&c->addr;

	sin->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	c->has_addr = 1;
	snprintf(c->addrstr, sizeof(c->addrstr), "%s", ip);
	c->helo = helo ? xstrdup(helo) : NULL;
	assert_int_equal(spf_module.helo(c), HM_OK);
	return c;
}

/* message - run envfrom for one message */
static struct hm_msg *
message(struct hm_conn *c, const char *from)
{
	struct hm_msg *m = ctx_msg_new(c);

	m->envfrom = xstrdup(from);
	assert_int_equal(spf_module.envfrom(m), HM_OK);
	return m;
}

static void
test_defaults_reject_nothing(void **state)
{
	struct conf *conf = conf_with("");
	struct hm_conn *c = conn_from(conf, "203.0.113.9", "mx.example.org");
	struct hm_msg *m = message(c, "user@example.org");

	(void)state;
	assert_int_equal(m->verdict.action, VERDICT_ACCEPT);
	assert_int_equal(m->spf_mfrom.result, RES_SPF_FAIL);
	assert_int_equal(m->spf_helo.result, RES_SPF_FAIL);
	assert_string_equal(m->spf_mfrom.identity, "user@example.org");
	assert_string_equal(m->spf_mfrom.explanation,
	    "203.0.113.9 is not a mail server of example.org");
	assert_int_equal(m->ar.n, 1);
	assert_string_equal(m->ar.v[0].method, "spf");
	assert_string_equal(m->ar.v[0].result, "fail");
	assert_string_equal(m->ar.v[0].props, "smtp.mailfrom=user@example.org");
	assert_int_equal(m->nadd, 0);
	ctx_conn_free(c);
	conf_release(conf);
}

/* a client without an address (local submission, the MTA sent none): SPF
 * is not evaluated at all, never against a made-up address */
static void
test_no_client_address(void **state)
{
	struct conf *conf = conf_with("spf = { on_fail = \"reject\"; };");
	struct hm_conn *c = conn_from(conf, "203.0.113.9", "mx.example.org");
	struct hm_msg *m;

	(void)state;
	memset(&c->addr, 0, sizeof(c->addr));
	c->has_addr = 0;
	m = message(c, "user@example.org");
	assert_int_equal(m->spf_mfrom.evaluated, 0);
	assert_int_equal(m->spf_helo.evaluated, 0);
	assert_int_equal(m->ar.n, 0);
	assert_int_equal(m->verdict.action, VERDICT_ACCEPT);
	ctx_conn_free(c);
	conf_release(conf);
}

static void
test_fail_reject(void **state)
{
	struct conf *conf = conf_with("spf = { on_fail = \"reject\"; "
	    "received_spf_header = true; };");
	struct hm_conn *c = conn_from(conf, "203.0.113.9", "mx.example.org");
	struct hm_msg *m = message(c, "user@example.org");

	(void)state;
	assert_int_equal(m->verdict.action, VERDICT_REJECT);
	assert_string_equal(m->verdict.rcode, "550");
	assert_string_equal(m->verdict.xcode, "5.7.23");
	assert_string_equal(m->verdict.text, "SPF check failed: 203.0.113.9 "
	    "is not a mail server of example.org");
	assert_int_equal(m->nadd, 1);
	assert_string_equal(m->add[0].name, "Received-SPF");
	assert_true(strncmp(m->add[0].value, "fail (", 6) == 0);
	assert_non_null(strstr(m->add[0].value, "client-ip=203.0.113.9;"));
	/* softfail with the default explanation is not rejected here */
	m = message(c, "user@soft.example.org");
	assert_int_equal(m->verdict.action, VERDICT_ACCEPT);
	assert_string_equal(m->ar.v[0].result, "softfail");
	/* internal and authenticated clients are not rejected */
	m = ctx_msg_new(c);
	m->envfrom = xstrdup("user@example.org");
	m->auth_authen = xstrdup("alice");
	assert_int_equal(spf_module.envfrom(m), HM_OK);
	assert_int_equal(m->verdict.action, VERDICT_ACCEPT);
	assert_non_null(strstr(m->ar.v[0].comment, "authenticated"));
	c->internal = 1;
	m = message(c, "user@example.org");
	assert_int_equal(m->verdict.action, VERDICT_ACCEPT);
	assert_non_null(strstr(m->ar.v[0].comment, "internal"));
	ctx_conn_free(c);
	conf_release(conf);
}

static void
test_allowlisted_relay(void **state)
{
	struct conf *conf = conf_with("spf = { on_fail = \"reject\"; }; "
	    "dmarc = { vendors = ( { name = \"survey-vendor\"; "
	    "networks = [\"203.0.113.0/24\"]; domains = [\"example.org\"]; "
	    "} ); };");
	struct hm_conn *c = conn_from(conf, "203.0.113.9", "mx.example.org");
	struct hm_msg *m = message(c, "user@example.org");

	(void)state;
	assert_int_equal(m->spf_mfrom.result, RES_SPF_FAIL);
	assert_int_equal(m->verdict.action, VERDICT_ACCEPT);
	assert_non_null(strstr(m->ar.v[0].comment,
	    "allow-listed relay survey-vendor"));
	ctx_conn_free(c);
	/* outside the vendor's networks the reject stands */
	c = conn_from(conf, "198.51.100.9", "mx.example.org");
	m = message(c, "user@example.org");
	assert_int_equal(m->verdict.action, VERDICT_REJECT);
	ctx_conn_free(c);
	conf_release(conf);
}

static void
test_softfail_default_explanation(void **state)
{
	struct conf *conf = conf_with("spf = { on_softfail = \"reject\"; };");
	struct hm_conn *c = conn_from(conf, "203.0.113.9", "mx.example.org");
	struct hm_msg *m = message(c, "user@soft.example.org");

	(void)state;
	assert_int_equal(m->verdict.action, VERDICT_REJECT);
	assert_string_equal(m->verdict.text, "SPF check failed: 203.0.113.9 "
	    "is not allowed to send mail for soft.example.org (RFC 7208 SPF)");
	ctx_conn_free(c);
	conf_release(conf);
}

static void
test_temperror_tempfail(void **state)
{
	struct conf *conf = conf_with("spf = { on_temperror = \"tempfail\"; };");
	struct hm_conn *c = conn_from(conf, "203.0.113.9", "mx.example.org");
	struct hm_msg *m = message(c, "user@slow.example.org");

	(void)state;
	assert_int_equal(m->verdict.action, VERDICT_TEMPFAIL);
	assert_string_equal(m->verdict.rcode, "451");
	assert_string_equal(m->verdict.xcode, "4.7.24");
	assert_string_equal(m->ar.v[0].result, "temperror");
	ctx_conn_free(c);
	conf_release(conf);
}

static void
test_helo_decides(void **state)
{
	struct conf *conf = conf_with("");
	struct hm_conn *c = conn_from(conf, "192.0.2.25", "mx.example.org");
	struct hm_msg *m = message(c, "");

	(void)state;
	/* null sender: postmaster@HELO, A-R names the HELO */
	assert_string_equal(m->ar.v[0].result, "pass");
	assert_string_equal(m->ar.v[0].props, "smtp.helo=mx.example.org");
	assert_string_equal(m->spf_mfrom.identity, "postmaster@mx.example.org");
	/* MAIL FROM without a record: the HELO result decides */
	m = message(c, "user@norecord.example.org");
	assert_int_equal(m->spf_mfrom.result, RES_SPF_NONE);
	/* the HELO answer was cached: one query, the MAIL FROM record */
	assert_int_equal(m->budget.queries, 1);
	assert_string_equal(m->ar.v[0].result, "pass");
	assert_string_equal(m->ar.v[0].props, "smtp.helo=mx.example.org");
	/* a changed HELO is evaluated again */
	free(c->helo);
	c->helo = xstrdup("[192.0.2.25]");
	assert_int_equal(spf_module.helo(c), HM_OK);
	m = message(c, "");
	assert_string_equal(m->ar.v[0].result, "none");
	assert_string_equal(m->ar.v[0].props, "smtp.helo=\"[192.0.2.25]\"");
	ctx_conn_free(c);
	conf_release(conf);
}

static void
test_pure_helpers(void **state)
{
	struct conf *conf = conf_with("spf = { on_fail = \"reject\"; "
	    "on_permerror = \"tempfail\"; };");
	const char *rc = NULL, *xc = NULL;
	char *p;

	(void)state;
	assert_int_equal(spf_decide(&conf->spf, RES_SPF_FAIL, &rc, &xc),
	    VERDICT_REJECT);
	assert_string_equal(xc, "5.7.23");
	assert_int_equal(spf_decide(&conf->spf, RES_SPF_PERMERROR, &rc, &xc),
	    VERDICT_TEMPFAIL);
	assert_string_equal(rc, "451");
	assert_int_equal(spf_decide(&conf->spf, RES_SPF_PASS, &rc, &xc),
	    VERDICT_ACCEPT);
	assert_int_equal(spf_decide(&conf->spf, RES_SPF_SOFTFAIL, &rc, &xc),
	    VERDICT_ACCEPT);
	p = spf_prop_address("a.b+c@example.org");
	assert_string_equal(p, "a.b+c@example.org");
	free(p);
	p = spf_prop_address("Macro Error@example.org");
	assert_string_equal(p, "@example.org");
	free(p);
	p = spf_prop_address("x;y@ex(ample).org");
	assert_string_equal(p, "\"x;y@ex(ample).org\"");
	free(p);
	conf_release(conf);
}

static void
test_bad_config(void **state)
{
	struct conf_err e;

	(void)state;
	assert_null(conf_load_string("spf = { on_fail = \"bounce\"; };", 1,
	    &e));
	assert_null(conf_load_string("spf = { no_such = true; };", 1, &e));
	assert_int_equal(e.line, 1);
	/* SPF has no quarantine: its own three-value list */
	assert_null(conf_load_string("spf = {\n on_softfail = \"quarantine\";"
				     "\n};",
	    1, &e));
	assert_int_equal(e.line, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_reject_nothing),
		cmocka_unit_test(test_no_client_address),
		cmocka_unit_test(test_fail_reject),
		cmocka_unit_test(test_allowlisted_relay),
		cmocka_unit_test(test_softfail_default_explanation),
		cmocka_unit_test(test_temperror_tempfail),
		cmocka_unit_test(test_helo_decides),
		cmocka_unit_test(test_pure_helpers),
		cmocka_unit_test(test_bad_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
