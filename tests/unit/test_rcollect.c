/*
 * test_rcollect.c - report/rcollect.c with the real DMARC module: a
 * configuration (conf_load_string), an in-memory zone (dns_static), SPF
 * and DKIM results as their modules leave them, the DMARC eom hook, then
 * the row and policy recorded for aggregate reports: every field, the
 * override reasons in RFC 9990's vocabulary, the DKIM order and limit,
 * the null path, what is not recorded (no record, reports off, trusted
 * client, tempfail, excluded recipients) and the max_rows cap.
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
#include "ragg.h"
#include "rcollect.h"
#include "str.h"

static const char zone[] =
    "_dmarc.example.edu TXT \"v=DMARC1; p=reject; rua=mailto:d@example.edu;"
    " fo=1\"\n"
    "_dmarc.test.example TXT \"v=DMARC1; p=reject; t=y; aspf=s\"\n"
    "_dmarc.inst.example TXT \"v=DMARC1; p=none; sp=quarantine\"\n";

#define REPORTS(extra) \
	"reports = { enable = true; org_name = \"Test\"; " \
	"email = \"postmaster@mx.test\"; receiver = \"mx.test\"; " \
	"bounce = \"dmarc-bounce@mx.test\"; " extra " }; "
#define ON REPORTS("")

struct t {
	struct conf *conf;
	struct hm_conn *c;
	struct hm_msg *m;
	struct rrow r;
	struct rpolicy p;
};

/* start - configuration text, a connection from ip, a message */
static void
start(struct t *t, const char *conf_text, const char *ip)
{
	struct conf_err e;
	char err[256];
	struct sockaddr_in *sin;

	memset(t, 0, sizeof(*t));
	t->conf = conf_load_string(conf_text, 1, &e);
	if (t->conf == NULL)
		fail_msg("conf: %d: %s", e.line, e.msg);
	t->conf->resolver = dns_static_new(zone, err, sizeof(err));
	assert_non_null(t->conf->resolver);
	t->c = ctx_conn_new(t->conf);
	conf_release(t->conf);
	sin = (struct sockaddr_in *)&t->c->addr;
	sin->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	snprintf(t->c->addrstr, sizeof(t->c->addrstr), "%s", ip);
	t->c->has_addr = 1;
	t->c->internal = cidr_match_sa(&t->c->conf->internal_networks,
	    (struct sockaddr *)sin);
	t->m = ctx_msg_new(t->c);
	t->m->envfrom = xstrdup("Bounce@Elsewhere.EXAMPLE");
	ctx_msg_rcpt(t->m, "user@mx.test");
}

static void
from(struct t *t, const char *value)
{
	assert_int_equal(ctx_msg_header(t->m, "From", value), 0);
}

static void
spf(struct t *t, enum res_spf r, const char *domain)
{
	t->m->spf_mfrom.evaluated = 1;
	t->m->spf_mfrom.result = r;
	t->m->spf_mfrom.domain = xstrdup(domain);
}

static void
dkim(struct t *t, enum res_dkim r, const char *d, const char *s)
{
	struct res_dkim_sig *sig = ctx_dkim_add(t->m);

	sig->result = r;
	sig->d = d ? xstrdup(d) : NULL;
	sig->s = xstrdup(s);
}

/* eom - the DMARC module, then the row (0) or -1 when none */
static int
eom(struct t *t)
{
	assert_int_equal(dmarc_module.eom(t->m), HM_OK);
	return rcollect_row(t->m, &t->r, &t->p);
}

static void
done(struct t *t)
{
	rrow_free(&t->r);
	rpolicy_free(&t->p);
	ctx_conn_free(t->c);
}

static void
test_pass_row(void **state)
{
	struct t t;

	(void)state;
	start(&t, "", "198.51.100.7");
	from(&t, "Provost <provost@Surveys.Example.EDU>");
	spf(&t, RES_SPF_PASS, "elsewhere.example");
	dkim(&t, RES_DKIM_FAIL, "example.edu", "broken");
	dkim(&t, RES_DKIM_PASS, "vendor.example", "v1");
	dkim(&t, RES_DKIM_PASS, "Mail.Example.edu", "s1");
	dkim(&t, RES_DKIM_PERMERROR, NULL, "x"); /* no d=: left out */
	assert_int_equal(eom(&t), 0);
	assert_string_equal(t.r.source_ip, "198.51.100.7");
	assert_string_equal(t.r.header_from, "surveys.example.edu");
	assert_string_equal(t.r.envelope_from, "elsewhere.example");
	assert_null(t.r.envelope_to);
	assert_int_equal(t.r.disposition, RR_DISP_PASS);
	assert_true(t.r.dkim_pass);
	assert_false(t.r.spf_pass); /* elsewhere.example does not align */
	assert_int_equal(t.r.nreason, 0);
	/* aligned passes first, then other passes, then the rest */
	assert_int_equal(t.r.ndkim, 3);
	assert_string_equal(t.r.dkim[0].domain, "mail.example.edu");
	assert_string_equal(t.r.dkim[0].selector, "s1");
	assert_int_equal(t.r.dkim[0].result, RES_DKIM_PASS);
	assert_string_equal(t.r.dkim[1].domain, "vendor.example");
	assert_string_equal(t.r.dkim[2].domain, "example.edu");
	assert_int_equal(t.r.dkim[2].result, RES_DKIM_FAIL);
	assert_true(t.r.has_spf);
	assert_string_equal(t.r.spf_domain, "elsewhere.example");
	assert_int_equal(t.r.spf_result, RES_SPF_PASS);
	/* the policy record */
	assert_string_equal(t.p.domain, "example.edu");
	assert_int_equal(t.p.p, RR_POL_REJECT);
	assert_int_equal(t.p.sp, RR_POL_UNSET);
	assert_int_equal(t.p.np, RR_POL_UNSET);
	assert_int_equal(t.p.adkim, 'r');
	assert_int_equal(t.p.aspf, 'r');
	assert_string_equal(t.p.fo, "1");
	assert_false(t.p.testing);
	assert_int_equal(t.p.discovery, RR_DISC_TREEWALK);
	assert_string_equal(t.p.rua, "mailto:d@example.edu");
	done(&t);
}

static void
test_fail_and_reasons(void **state)
{
	struct t t;

	(void)state;
	/* fail under p=reject: rejected, no reason */
	start(&t, "", "198.51.100.7");
	from(&t, "a@example.edu");
	spf(&t, RES_SPF_FAIL, "example.edu");
	assert_int_equal(eom(&t), 0);
	assert_int_equal(t.r.disposition, RR_DISP_REJECT);
	assert_false(t.r.dkim_pass);
	assert_false(t.r.spf_pass);
	assert_int_equal(t.r.nreason, 0);
	assert_int_equal(t.r.spf_result, RES_SPF_FAIL);
	done(&t);
	/* a local action: local_policy with the setting's name */
	start(&t, "dmarc = { on_reject = \"quarantine\"; };", "198.51.100.7");
	from(&t, "a@example.edu");
	assert_int_equal(eom(&t), 0);
	assert_int_equal(t.r.disposition, RR_DISP_QUARANTINE);
	assert_int_equal(t.r.nreason, 1);
	assert_int_equal(t.r.reason[0].type, RR_REASON_LOCAL_POLICY);
	assert_string_equal(t.r.reason[0].comment, "on_reject");
	done(&t);
	/* t=y: policy_test_mode, and the record's testing and aspf */
	start(&t, "", "198.51.100.7");
	from(&t, "a@test.example");
	assert_int_equal(eom(&t), 0);
	assert_int_equal(t.r.reason[0].type, RR_REASON_POLICY_TEST_MODE);
	assert_string_equal(t.r.reason[0].comment, "t=y");
	assert_true(t.p.testing);
	assert_int_equal(t.p.aspf, 's');
	assert_null(t.p.rua);
	done(&t);
}

/* a vendor list reason RFC 9990 lacks maps to the nearest, named */
static void
test_vendor_reason_mapped(void **state)
{
	struct t t;

	(void)state;
	start(&t,
	    "dmarc = { vendors = ( { name = \"lms\"; networks = "
	    "[\"203.0.113.0/24\"]; domains = [\"example.edu\"]; reason = "
	    "\"forwarded\"; } ); };",
	    "203.0.113.9");
	from(&t, "a@example.edu");
	assert_int_equal(eom(&t), 0);
	assert_int_equal(t.r.disposition, RR_DISP_NONE);
	assert_int_equal(t.r.nreason, 1);
	assert_int_equal(t.r.reason[0].type, RR_REASON_TRUSTED_FORWARDER);
	assert_string_equal(t.r.reason[0].comment,
	    "forwarded: lms via network:203.0.113.0/24");
	done(&t);
	start(&t,
	    "dmarc = { vendors = ( { name = \"lms\"; networks = "
	    "[\"203.0.113.0/24\"]; domains = [\"example.edu\"]; reason = "
	    "\"mailing_list\"; } ); };",
	    "203.0.113.9");
	from(&t, "a@example.edu");
	assert_int_equal(eom(&t), 0);
	assert_int_equal(t.r.reason[0].type, RR_REASON_MAILING_LIST);
	assert_string_equal(t.r.reason[0].comment,
	    "lms via network:203.0.113.0/24");
	done(&t);
}

static void
test_null_path_and_no_record(void **state)
{
	struct t t;

	(void)state;
	start(&t, "", "198.51.100.7");
	free(t.m->envfrom);
	t.m->envfrom = xstrdup("");
	from(&t, "a@sub.inst.example");
	assert_int_equal(eom(&t), 0);
	assert_string_equal(t.r.envelope_from, "");
	assert_string_equal(t.p.domain, "inst.example");
	assert_int_equal(t.p.sp, RR_POL_QUARANTINE);
	assert_int_equal(t.r.disposition, RR_DISP_QUARANTINE);
	done(&t);
	/* no DMARC record: nothing to report to */
	start(&t, ON, "198.51.100.7");
	from(&t, "a@norecord.example");
	assert_int_equal(eom(&t), -1);
	assert_int_equal(rcollect_msg(t.m), RCOLLECT_NO_POLICY);
	done(&t);
}

#define RCVD \
	"from mail.sender.example (mail.sender.example [203.0.113.77]) " \
	"by gw.u.example"

/* behind a trusted relay: the client the relay recorded is the source */
static void
test_relay_source(void **state)
{
	struct t t;

	(void)state;
	start(&t, "trusted_relays = [\"198.51.100.0/24\"];", "198.51.100.7");
	t.c->relay = 1;
	assert_int_equal(ctx_msg_header(t.m, "Received", RCVD), 0);

	from(&t, "a@example.edu");
	assert_int_equal(eom(&t), 0);
	assert_string_equal(t.r.source_ip, "203.0.113.77");
	done(&t);
	/* nothing readable recorded: the relay itself */
	start(&t, "trusted_relays = [\"198.51.100.0/24\"];", "198.51.100.7");
	t.c->relay = 1;
	from(&t, "a@example.edu");
	assert_int_equal(eom(&t), 0);
	assert_string_equal(t.r.source_ip, "198.51.100.7");
	done(&t);
}

static void
test_dkim_limit(void **state)
{
	struct t t;
	char d[64];
	int i;

	(void)state;
	start(&t, "", "198.51.100.7");
	from(&t, "a@example.edu");
	for (i = 0; i < 150; i++) {
		snprintf(d, sizeof(d), "d%d.example", i);
		dkim(&t, RES_DKIM_FAIL, d, "s");
	}
	dkim(&t, RES_DKIM_PASS, "example.edu", "last");
	assert_int_equal(eom(&t), 0);
	assert_int_equal(t.r.ndkim, RR_MAX_DKIM);
	assert_string_equal(t.r.dkim[0].selector, "last");
	assert_string_equal(t.r.dkim[1].domain, "d0.example");
	done(&t);
}

/* msg - one message through DMARC and rcollect_msg */
static enum rcollect_rc
msg(const char *conf, const char *ip, const char *rcpt, int tempfail)
{
	struct t t;
	enum rcollect_rc rc;

	start(&t, conf, ip);
	if (rcpt != NULL) {
		t.m->nrcpt = t.m->nrcpt_noreport = 0;
		ctx_msg_rcpt(t.m, rcpt);
	}
	from(&t, "a@example.edu");
	dkim(&t, RES_DKIM_PASS, "example.edu", "s1");
	assert_int_equal(eom(&t), 0);
	if (tempfail)
		t.m->verdict.action = VERDICT_TEMPFAIL;
	rc = rcollect_msg(t.m);
	done(&t);
	return rc;
}

static void
test_what_is_recorded(void **state)
{
	struct ragg *a;

	(void)state;
	ragg_free(ragg_take());
	assert_int_equal(msg("", "198.51.100.7", NULL, 0), RCOLLECT_OFF);
	assert_int_equal(msg(ON, "198.51.100.7", NULL, 0), RCOLLECT_RECORDED);
	assert_int_equal(msg(ON, "198.51.100.7", NULL, 0), RCOLLECT_RECORDED);
	/* internal client, tempfail, mail to our bounce address (VERP) */
	assert_int_equal(msg(ON, "127.0.0.1", NULL, 0), RCOLLECT_SKIPPED);
	assert_int_equal(msg(ON, "198.51.100.7", NULL, 1), RCOLLECT_SKIPPED);
	assert_int_equal(msg(ON, "198.51.100.7",
			     "dmarc-bounce+x=example.org@mx.test", 0),
	    RCOLLECT_SKIPPED);
	assert_int_equal(msg(ON, "198.51.100.7", "DMARC-Bounce@mx.test", 0),
	    RCOLLECT_SKIPPED);
	a = ragg_take();
	assert_int_equal(ragg_rows(a), 1);
	assert_int_equal(ragg_messages(a), 2);
	ragg_free(a);
	/* the cap: a second distinct row is dropped, counted */
	assert_int_equal(msg(REPORTS("max_rows = 1;"), "198.51.100.7", NULL, 0),
	    RCOLLECT_RECORDED);
	assert_int_equal(msg(REPORTS("max_rows = 1;"), "198.51.100.8", NULL, 0),
	    RCOLLECT_DROPPED);
	ragg_free(ragg_take());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_row),
		cmocka_unit_test(test_fail_and_reasons),
		cmocka_unit_test(test_vendor_reason_mapped),
		cmocka_unit_test(test_null_path_and_no_record),
		cmocka_unit_test(test_relay_source),
		cmocka_unit_test(test_dkim_limit),
		cmocka_unit_test(test_what_is_recorded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
