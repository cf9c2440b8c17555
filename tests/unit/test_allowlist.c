/*
 * test_allowlist.c - vendor entries: configuration parsing (good and
 * bad groups, with line numbers; networks, spf, dkim_domains, domains,
 * recipient_domains), network + domain matching over IPv4 and IPv6,
 * "*." subdomain entries, the rule that matched ("via"), DKIM domains,
 * recipient coverage, override reason names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "conf_table.h"
#include "allowlist.h"

/* load - a dmarc section with the given vendors value */
static struct conf *
load(const char *vendors, struct conf_err *e)
{
	char text[2048];

	snprintf(text, sizeof(text), "dmarc = {\n vendors = %s;\n};\n", vendors);
	return conf_load_string(text, 1, e);
}

/* sa4 / sa6 - client addresses */
static struct sockaddr_storage
sa(const char *ip)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
	}
	return ss;
}

static void
test_parse_and_match(void **state)
{
	struct conf_err e;
	struct conf *c = load("( { name = \"survey-vendor\"; networks = "
	    "[\"203.0.113.0/24\", \"2001:db8::/32\"]; domains = "
	    "[\"Surveys.Example.EDU\", \"*.news.example.edu\"]; },\n"
	    "{ name = \"lists\"; networks = [\"192.0.2.7\"]; domains = "
	    "[\"example.edu\"]; reason = \"mailing_list\"; } )", &e);
	const struct allow_list *l;
	const struct allow_vendor *v;
	struct sockaddr_storage a;

	(void)state;
	if (c == NULL)
		fail_msg("%d: %s", e.line, e.msg);
	l = &c->dmarc.vendors;
	assert_int_equal(l->n, 2);
	a = sa("203.0.113.77");
	v = allow_match(l, (struct sockaddr *)&a, "surveys.example.edu");
	assert_non_null(v);
	assert_string_equal(v->name, "survey-vendor");
	assert_int_equal(v->reason, ALLOW_R_LOCAL_POLICY);
	assert_null(allow_match(l, (struct sockaddr *)&a, "example.edu"));
	assert_non_null(allow_match(l, (struct sockaddr *)&a,
	    "a.news.example.edu"));
	assert_null(allow_match(l, (struct sockaddr *)&a, "news.example.edu"));
	assert_null(allow_match(l, (struct sockaddr *)&a,
	    "xnews.example.edu"));
	a = sa("2001:db8:1::25");
	assert_non_null(allow_match(l, (struct sockaddr *)&a,
	    "surveys.example.edu"));
	a = sa("2001:db9::25");
	assert_null(allow_match(l, (struct sockaddr *)&a,
	    "surveys.example.edu"));
	a = sa("192.0.2.7");
	v = allow_match(l, (struct sockaddr *)&a, "example.edu");
	assert_non_null(v);
	assert_string_equal(allow_reason_name(v->reason), "mailing_list");
	a = sa("::ffff:203.0.113.5");
	assert_non_null(allow_match(l, (struct sockaddr *)&a,
	    "surveys.example.edu"));
	conf_release(c);
}

static void
test_bad_config(void **state)
{
	struct conf_err e;
	struct conf *c;
	size_t i;
	const char *bad[] = {
		"( { networks = [\"192.0.2.0/24\"]; domains = [\"x.example\"]; } )",
		"( { name = \"v\"; networks = [\"192.0.2.0/24\"]; } )",
		"( { name = \"v\"; networks = [\"192.0.2.0/33\"]; "
		"domains = [\"x.example\"]; } )",
		"( { name = \"v\"; networks = [\"192.0.2.0/24\"]; "
		"domains = [\"x.example\"]; reason = \"because\"; } )",
		"( { name = \"v\"; networks = [\"192.0.2.0/24\"]; "
		"domains = [\"x.example\"]; colour = \"red\"; } )",
		"( { name = \"v\"; networks = [1, 2]; domains = [\"x\"]; } )",
		"\"survey-vendor\"",
		"( \"a\" )",
		/* no rule saying which mail is the vendor's */
		"( { name = \"v\"; domains = [\"x.example\"]; "
		"recipient_domains = [\"y.example\"]; } )",
		"( { name = \"v\"; spf = [\"_spf.v.example\"]; "
		"domains = [\"x.example\"]; } )",
		"( { name = \"v\"; spf = \"_spf v.example\"; "
		"domains = [\"x.example\"]; } )",
		"( { name = \"v\"; spf = \"localhost\"; "
		"domains = [\"x.example\"]; } )",
		"( { name = \"v\"; dkim_domains = []; "
		"domains = [\"x.example\"]; } )",
		"( { name = \"v\"; dkim_domains = [\"a..example\"]; "
		"domains = [\"x.example\"]; } )",
		"( { name = \"v\"; spf = \"_spf.v.example\"; } )",
		"( { name = \"v\"; spf = \"_spf.v.example\"; "
		"domains = [\"x.example\"]; recipient_domains = []; } )",
		"( { name = \"v\"; spf = \"_spf.v.example\"; "
		"domains = [\"x.example\"]; recipient_domains = [\"@y\"]; "
		"} )",
	};

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = load(bad[i], &e);
		if (c != NULL)
			fail_msg("accepted: %s", bad[i]);
		assert_true(e.line >= 1);
		assert_non_null(strstr(e.msg, "vendors"));
	}
	c = load("()", &e);
	assert_non_null(c);
	assert_int_equal(c->dmarc.vendors.n, 0);
	conf_release(c);
}

/* the line and text of the error a vendors value gives */
static void
bad_at(const char *vendors, int line, const char *text)
{
	struct conf_err e;
	struct conf *c = load(vendors, &e);

	if (c != NULL)
		fail_msg("accepted: %s", vendors);
	assert_int_equal(e.line, line);
	if (strstr(e.msg, text) == NULL)
		fail_msg("'%s' lacks '%s'", e.msg, text);
}

static void
test_rule_errors(void **state)
{
	(void)state;
	/* load() puts the value on line 2 */
	bad_at("(\n{ name = \"lms\";\n domains = [\"x.example\"]; } )", 3,
	    "vendor \"lms\": say which mail is the vendor's: networks, spf "
	    "or dkim_domains");
	bad_at("(\n{ name = \"lms\"; domains = [\"x.example\"];\n"
	       " spf = \"_spf lms\"; } )",
	    4, "vendor \"lms\": spf");
	bad_at("(\n{ name = \"lms\"; spf = \"_spf.lms.example\";\n"
	       " domains = [\"x.example\"];\n"
	       " recipient_domains = [\"ok.example\", \"not a domain\"]; } )",
	    5, "\"not a domain\"");
	bad_at("(\n{ name = \"lms\"; spf = \"_spf.lms.example\";\n"
	       " domains = [\"x.example\"]; colour = 1; } )",
	    4,
	    "unknown option 'colour' (name, networks, spf, dkim_domains, "
	    "domains, recipient_domains, reason)");
}

static void
test_rules(void **state)
{
	struct conf_err e;
	struct conf *c =
	    load("( { name = \"lms\"; spf = \"_SPF.Lms.Example.\"; "
		 "domains = [\"lms.example.edu\"]; recipient_domains = "
		 "[\"physics.example.edu\", \"*.physics.example.edu\"]; },\n"
		 "{ name = \"signer\"; dkim_domains = [\"Mailer.Example\"]; "
		 "networks = [\"192.0.2.0/24\", \"2001:db8::/32\"]; "
		 "domains = [\"*.example.edu\"]; } )",
		&e);
	const struct allow_vendor *v;
	struct allow_msg m;
	struct res_dkim_sig sig[2];
	struct sockaddr_storage a;
	char *phys[] = { "physics.example.edu", "lab.physics.example.edu",
		NULL };
	char *mixed[] = { "physics.example.edu", "chemistry.example.edu",
		NULL };
	char *none[] = { NULL };
	char via[ALLOW_VIA_MAX];

	(void)state;
	if (c == NULL)
		fail_msg("%d: %s", e.line, e.msg);
	v = &c->dmarc.vendors.v[0];
	assert_string_equal(v->spf, "_spf.lms.example");
	assert_int_equal(v->networks.n, 0);
	memset(&m, 0, sizeof(m));
	m.author = "lms.example.edu";
	m.rcpt_domains = phys;
	assert_true(allow_covers(v, &m));
	m.rcpt_domains = mixed;
	assert_false(allow_covers(v, &m));
	m.rcpt_domains = none;
	assert_false(allow_covers(v, &m));
	/* the second entry names no recipient domains: every message */
	v = &c->dmarc.vendors.v[1];
	assert_true(allow_covers(v, &m));
	a = sa("::ffff:192.0.2.77");
	assert_true(allow_by_network(v, (struct sockaddr *)&a, via,
	    sizeof(via)));
	assert_string_equal(via, "network:192.0.2.0/24");
	a = sa("2001:db8:1::2");
	assert_true(allow_by_network(v, (struct sockaddr *)&a, via,
	    sizeof(via)));
	assert_string_equal(via, "network:2001:db8::/32");
	memset(sig, 0, sizeof(sig));
	sig[0].result = RES_DKIM_FAIL;
	sig[0].d = "mailer.example";
	sig[1].result = RES_DKIM_PASS;
	sig[1].d = "MAILER.example";
	m.dkim = sig;
	m.ndkim = 1;
	assert_false(allow_by_dkim(v, &m, via, sizeof(via)));
	m.ndkim = 2;
	assert_true(allow_by_dkim(v, &m, via, sizeof(via)));
	assert_string_equal(via, "dkim:mailer.example");
	/* static matching: the DKIM rule with no client address */
	assert_ptr_equal(allow_match_static(&c->dmarc.vendors, &m, via,
			     sizeof(via)),
	    v);
	m.ndkim = 0;
	assert_null(allow_match_static(&c->dmarc.vendors, &m, via,
	    sizeof(via)));
	conf_release(c);
}

static void
test_reasons(void **state)
{
	enum allow_reason r;

	(void)state;
	assert_int_equal(allow_reason_parse("trusted_forwarder", &r), 0);
	assert_int_equal(r, ALLOW_R_TRUSTED_FORWARDER);
	assert_string_equal(allow_reason_name(r), "trusted_forwarder");
	assert_int_equal(allow_reason_parse("nonsense", &r), -1);
	assert_string_equal(allow_reason_name(ALLOW_R_LOCAL_POLICY),
	    "local_policy");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_match),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_rule_errors),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
