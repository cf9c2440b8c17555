/*
 * test_vendor.c - vendor entries that follow the vendor's DNS, through
 * the dmarc module without an MTA: a real configuration, an in-memory
 * zone (dns_static) holding the vendors' SPF records, SPF and DKIM
 * results as the modules leave them, recipients as the callbacks hand
 * them over.  Checks which rule matched (the A-R comment and the
 * override recorded for reports), that passing mail and p=none mail
 * cost no vendor lookup (the decision kept for aggregate reports names
 * the rule too), that a cheap rule of a later entry spares an
 * earlier entry's lookup, recipient_domains (all recipients covered),
 * and that a vendor record that times out or SERVFAILs gives neither an
 * override nor a temperror.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "conf_table.h"
#include "ctx.h"
#include "dmarc.h"
#include "str.h"
#include "vendor.h"

static const char zone[] =
    "_dmarc.lms.example.edu TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.calm.example.edu TXT \"v=DMARC1; p=none\"\n"
    "_spf.lms.example TXT \"v=spf1 ip4:198.51.100.128/25 "
    "include:_relays.lms.example -all\"\n"
    "_relays.lms.example TXT \"v=spf1 ip6:2001:db8:7::/48 -all\"\n"
    "_spf.slow.example TIMEOUT\n"
    "_spf.broken.example SERVFAIL\n"
    "_spf.garbled.example TXT \"v=spf1 ip4:not-an-address -all\"\n";

/* the entries: the SPF rule of three vendors, a DKIM rule, a network
 * rule of a later entry */
static const char conf_text[] =
    "dmarc = { vendors = (\n"
    " { name = \"slow\"; spf = \"_spf.slow.example\"; "
    "domains = [\"lms.example.edu\"]; },\n"
    " { name = \"lms\"; spf = \"_spf.lms.example\"; "
    "domains = [\"lms.example.edu\", \"calm.example.edu\"]; },\n"
    " { name = \"dept\"; spf = \"_spf.lms.example\"; "
    "domains = [\"dept.lms.example.edu\"]; recipient_domains = "
    "[\"physics.example.edu\"]; },\n"
    " { name = \"signer\"; dkim_domains = [\"*.mailer.example\"]; "
    "domains = [\"lms.example.edu\"]; reason = \"trusted_forwarder\"; },\n"
    " { name = \"relay\"; networks = [\"192.0.2.128/25\"]; "
    "domains = [\"lms.example.edu\"]; }\n"
    "); };\n";

struct t {
	struct conf *conf;
	struct hm_conn *c;
	struct hm_msg *m;
	char *ar;
};

/* start - the configuration (conf_text or text), the zone, a client */
static struct t
start(const char *text, const char *ip)
{
	struct t t;
	struct conf_err e;
	char err[256];

	memset(&t, 0, sizeof(t));
	t.conf = conf_load_string(text ? text : conf_text, 1, &e);
	if (t.conf == NULL)
		fail_msg("conf: %d: %s", e.line, e.msg);
	t.conf->resolver = dns_static_new(zone, err, sizeof(err));
	assert_non_null(t.conf->resolver);
	t.c = ctx_conn_new(t.conf);
	conf_release(t.conf);
	if (strchr(ip, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t.c->addr;
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&t.c->addr;
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
	}
	t.c->has_addr = 1;
	t.m = ctx_msg_new(t.c);
	t.m->envfrom = xstrdup("bounce@lms.example");
	t.m->spf_mfrom.evaluated = 1;
	t.m->spf_mfrom.result = RES_SPF_PASS;
	t.m->spf_mfrom.domain = xstrdup("lms.example");
	return t;
}

/* msg - From address and recipients (NULL-ended) */
static void
msg(struct t *t, const char *from, ...)
{
	va_list ap;
	const char *r;

	assert_int_equal(ctx_msg_header(t->m, "From", from), 0);
	va_start(ap, from);
	while ((r = va_arg(ap, const char *)) != NULL)
		ctx_msg_rcpt(t->m, r);
	va_end(ap);
}

/* dkim - one DKIM signature result */
static void
dkim(struct t *t, enum res_dkim r, const char *d)
{
	struct res_dkim_sig *s = ctx_dkim_add(t->m);

	s->result = r;
	s->d = xstrdup(d);
	s->s = xstrdup("sel");
}

/* eom - run the module; the A-R value into t->ar; the queries made */
static unsigned
eom(struct t *t)
{
	unsigned q0 = t->m->budget.queries;

	assert_int_equal(dmarc_module.eom(t->m), HM_OK);
	t->ar = authres_format("mx.test", &t->m->ar);
	return t->m->budget.queries - q0;
}

static void
done(struct t *t)
{
	free(t->ar);
	ctx_conn_free(t->c);
}

/* has / lacks - the A-R value contains s, or not */
static void
has(const struct t *t, const char *s)
{
	if (strstr(t->ar, s) == NULL)
		fail_msg("A-R lacks '%s': %s", s, t->ar);
}

static void
lacks(const struct t *t, const char *s)
{
	if (strstr(t->ar, s) != NULL)
		fail_msg("A-R has '%s': %s", s, t->ar);
}

static void
test_spf_rule(void **state)
{
	struct t t = start(NULL, "198.51.100.140");

	(void)state;
	msg(&t, "notices@lms.example.edu", "a@example.net", NULL);
	assert_true(eom(&t) > 0);
	assert_int_equal(t.m->dmarc, RES_DMARC_FAIL);
	has(&t,
	    "dmarc=fail (p=reject dis=none override=local_policy by lms "
	    "via spf:_spf.lms.example)");
	assert_int_equal(t.m->verdict.action, VERDICT_ACCEPT);
	assert_non_null(dmarc_report_of(t.m));
	assert_true(dmarc_report_of(t.m)->overridden);
	assert_int_equal(dmarc_report_of(t.m)->reason, ALLOW_R_LOCAL_POLICY);
	assert_string_equal(dmarc_report_of(t.m)->by, "lms");
	assert_string_equal(dmarc_report_of(t.m)->via, "spf:_spf.lms.example");
	done(&t);
	/* through the record's include:, over IPv6 */
	t = start(NULL, "2001:db8:7::25");
	msg(&t, "notices@lms.example.edu", "a@example.net", NULL);
	eom(&t);
	has(&t, "by lms via spf:_spf.lms.example");
	done(&t);
	/* a client the record does not list: rejected */
	t = start(NULL, "203.0.113.9");
	msg(&t, "notices@lms.example.edu", "a@example.net", NULL);
	eom(&t);
	lacks(&t, "override");
	assert_int_equal(t.m->dmarc, RES_DMARC_FAIL);
	assert_int_equal(t.m->verdict.action, VERDICT_REJECT);
	assert_false(dmarc_report_of(t.m)->overridden);
	assert_string_equal(dmarc_report_of(t.m)->via, "");
	done(&t);
}

/* baseline - the queries the same message costs with no vendor entries */
static unsigned
baseline(const char *ip, const char *from, const char *dkim_d)
{
	struct t t = start("", ip);
	unsigned n;

	msg(&t, from, "a@example.net", NULL);
	if (dkim_d != NULL)
		dkim(&t, RES_DKIM_PASS, dkim_d);
	n = eom(&t);
	done(&t);
	return n;
}

static void
test_no_lookup_when_not_needed(void **state)
{
	struct t t = start(NULL, "198.51.100.140");

	(void)state;
	/* aligned pass: no vendor rule runs, no query beyond DMARC's own */
	msg(&t, "notices@lms.example.edu", "a@example.net", NULL);
	dkim(&t, RES_DKIM_PASS, "lms.example.edu");
	assert_int_equal(eom(&t),
	    baseline("198.51.100.140", "notices@lms.example.edu",
		"lms.example.edu"));
	assert_int_equal(t.m->dmarc, RES_DMARC_PASS);
	lacks(&t, "override");
	done(&t);
	/* p=none: the override would change nothing, no lookup */
	t = start(NULL, "198.51.100.140");
	msg(&t, "notices@calm.example.edu", "a@example.net", NULL);
	assert_int_equal(eom(&t),
	    baseline("198.51.100.140", "notices@calm.example.edu", NULL));
	assert_int_equal(t.m->dmarc, RES_DMARC_FAIL);
	lacks(&t, "override");
	done(&t);
	/* a later entry's network rule spares the earlier SPF lookups (the
	 * first entry's record would time out) */
	t = start(NULL, "192.0.2.200");
	msg(&t, "notices@lms.example.edu", "a@example.net", NULL);
	assert_int_equal(eom(&t),
	    baseline("192.0.2.200", "notices@lms.example.edu", NULL));
	has(&t, "override=local_policy by relay via network:192.0.2.128/25");
	done(&t);
	/* and the SPF rule, when it runs, is counted in the message's budget */
	t = start(NULL, "198.51.100.140");
	msg(&t, "notices@lms.example.edu", "a@example.net", NULL);
	assert_true(eom(&t) >
	    baseline("198.51.100.140", "notices@lms.example.edu", NULL));
	done(&t);
}

static void
test_dkim_rule(void **state)
{
	struct t t = start(NULL, "203.0.113.9");

	(void)state;
	msg(&t, "notices@lms.example.edu", "a@example.net", NULL);
	dkim(&t, RES_DKIM_FAIL, "eu.mailer.example");
	dkim(&t, RES_DKIM_PASS, "US.Mailer.Example");
	eom(&t);
	has(&t,
	    "override=trusted_forwarder by signer via "
	    "dkim:us.mailer.example");
	assert_int_equal(dmarc_report_of(t.m)->reason,
	    ALLOW_R_TRUSTED_FORWARDER);
	assert_string_equal(dmarc_report_of(t.m)->via,
	    "dkim:us.mailer.example");
	done(&t);
	/* a failing signature of the vendor's domain counts for nothing */
	t = start(NULL, "203.0.113.9");
	msg(&t, "notices@lms.example.edu", "a@example.net", NULL);
	dkim(&t, RES_DKIM_FAIL, "eu.mailer.example");
	dkim(&t, RES_DKIM_PASS, "mailer.example"); /* "*." : below only */
	eom(&t);
	lacks(&t, "override");
	assert_int_equal(t.m->verdict.action, VERDICT_REJECT);
	done(&t);
}

static void
test_recipient_domains(void **state)
{
	struct t t = start(NULL, "198.51.100.140");

	(void)state;
	msg(&t, "x@dept.lms.example.edu", "a@Physics.Example.EDU.",
	    "b@physics.example.edu", NULL);
	eom(&t);
	has(&t, "by dept via spf:_spf.lms.example");
	done(&t);
	/* one recipient elsewhere: one message, one verdict: no override */
	t = start(NULL, "198.51.100.140");
	msg(&t, "x@dept.lms.example.edu", "a@physics.example.edu",
	    "c@chemistry.example.edu", NULL);
	assert_int_equal(eom(&t),
	    baseline("198.51.100.140", "x@dept.lms.example.edu", NULL));
	lacks(&t, "override");
	assert_int_equal(t.m->verdict.action, VERDICT_REJECT);
	done(&t);
	/* a recipient without a domain is not covered either */
	t = start(NULL, "198.51.100.140");
	msg(&t, "x@dept.lms.example.edu", "a@physics.example.edu", "postmaster",
	    NULL);
	eom(&t);
	lacks(&t, "override");
	done(&t);
}

static void
test_vendor_dns_failure(void **state)
{
	struct t t;
	const char *bad[] = { "_spf.slow.example", "_spf.broken.example",
		"_spf.garbled.example" };
	char text[400];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text),
		    "dmarc = { vendors = ( { name = "
		    "\"v\"; spf = \"%s\"; domains = [\"lms.example.edu\"]; } "
		    "); };",
		    bad[i]);
		t = start(text, "198.51.100.140");
		msg(&t, "notices@lms.example.edu", "a@example.net", NULL);
		eom(&t);
		assert_int_equal(t.m->dmarc, RES_DMARC_FAIL);
		has(&t, "dmarc=fail (p=reject dis=reject)");
		lacks(&t, "override");
		assert_int_equal(t.m->verdict.action, VERDICT_REJECT);
		assert_string_equal(t.m->verdict.rcode, "550");
		done(&t);
	}
	/* the failing entry first, a passing one after: the second counts */
	t = start(NULL, "198.51.100.140");
	msg(&t, "notices@lms.example.edu", "a@example.net", NULL);
	eom(&t);
	has(&t, "by lms via spf:_spf.lms.example");
	done(&t);
}

static void
test_vendor_match_note(void **state)
{
	struct t t = start(NULL, "198.51.100.140");
	struct vendor_query q;
	struct vendor_hit hit;
	char *rc[] = { "example.net", NULL };

	(void)state;
	memset(&q, 0, sizeof(q));
	q.list = &t.conf->dmarc.vendors;
	q.msg.client = (const struct sockaddr *)&t.c->addr;
	q.msg.author = "lms.example.edu";
	q.msg.rcpt_domains = rc;
	q.resolver = t.conf->resolver;
	q.use_spf = 1;
	vendor_match(&q, &hit);
	assert_non_null(hit.v);
	assert_string_equal(hit.v->name, "lms");
	assert_string_equal(hit.via, "spf:_spf.lms.example");
	assert_int_equal(hit.spf_checks, 2);
	assert_non_null(strstr(hit.note,
	    "vendor slow: spf:_spf.slow.example: "
	    "temperror"));
	q.use_spf = 0;
	vendor_match(&q, &hit);
	assert_null(hit.v);
	assert_int_equal(hit.spf_checks, 0);
	done(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spf_rule),
		cmocka_unit_test(test_no_lookup_when_not_needed),
		cmocka_unit_test(test_dkim_rule),
		cmocka_unit_test(test_recipient_domains),
		cmocka_unit_test(test_vendor_dns_failure),
		cmocka_unit_test(test_vendor_match_note),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
