/*
 * test_policy.c - unit tests for policy.c: DMARC result and policy to
 * verdict, t=y, pct (RFC 7489 mode), vendor / trusted / monitor-only
 * overrides, temperror and permerror actions, report-only mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "policy.h"

/* fail_in - a DMARC fail for example.edu under policy p */
static struct policy_input
fail_in(enum dmarcrec_policy p)
{
	struct policy_input in;

	memset(&in, 0, sizeof(in));
	in.result = RES_DMARC_FAIL;
	in.domain = "example.edu";
	in.requested = p;
	in.pct = 100;
	return in;
}

static void
test_enforced(void **state)
{
	struct policy_conf c;
	struct policy_input in = fail_in(DMARCREC_P_REJECT);
	struct policy_out o;

	(void)state;
	policy_conf_defaults(&c);
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_REJECT);
	assert_string_equal(o.rcode, "550");
	assert_string_equal(o.xcode, "5.7.1");
	assert_non_null(strstr(o.text, "example.edu"));
	assert_non_null(strstr(o.text, "DMARC"));
	assert_int_equal(o.dis, DMARCREC_P_REJECT);
	assert_false(o.overridden);

	in = fail_in(DMARCREC_P_QUARANTINE);
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_QUARANTINE);
	assert_non_null(strstr(o.text, "example.edu"));
	assert_null(o.rcode);

	in = fail_in(DMARCREC_P_NONE);
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_ACCEPT);
}

static void
test_pass_and_none(void **state)
{
	struct policy_conf c;
	struct policy_input in = fail_in(DMARCREC_P_REJECT);
	struct policy_out o;

	(void)state;
	policy_conf_defaults(&c);
	in.result = RES_DMARC_PASS;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_ACCEPT);
	assert_int_equal(o.dis, DMARCREC_P_NONE);
	in.result = RES_DMARC_NONE;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_ACCEPT);
}

static void
test_testing_tag(void **state)
{
	struct policy_conf c;
	struct policy_input in = fail_in(DMARCREC_P_REJECT);
	struct policy_out o;

	(void)state;
	policy_conf_defaults(&c);
	in.testing = 1;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_QUARANTINE);	/* one level down */
	assert_int_equal(o.dis, DMARCREC_P_QUARANTINE);
	assert_true(o.overridden);
	assert_int_equal(o.reason, ALLOW_R_POLICY_TEST_MODE);
	in = fail_in(DMARCREC_P_QUARANTINE);
	in.testing = 1;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_ACCEPT);
}

static void
test_pct(void **state)
{
	struct policy_conf c;
	struct policy_input in = fail_in(DMARCREC_P_REJECT);
	struct policy_out o;

	(void)state;
	policy_conf_defaults(&c);
	in.pct = 0;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_REJECT);	/* RFC 9989: ignored */
	c.honour_pct = 1;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_QUARANTINE);
	assert_int_equal(o.reason, ALLOW_R_SAMPLED_OUT);
	in.pct = 50;
	in.rnd = 49;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_REJECT);
	in.rnd = 50;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_QUARANTINE);
}

static void
test_overrides(void **state)
{
	struct policy_conf c;
	struct policy_input in = fail_in(DMARCREC_P_REJECT);
	struct policy_out o;
	struct allow_vendor v;

	(void)state;
	policy_conf_defaults(&c);
	memset(&v, 0, sizeof(v));
	v.name = "survey-vendor";
	v.reason = ALLOW_R_TRUSTED_FORWARDER;
	in.vendor = &v;
	in.vendor_via = "spf:_spf.vendor.example";
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_ACCEPT);
	assert_true(o.overridden);
	assert_int_equal(o.reason, ALLOW_R_TRUSTED_FORWARDER);
	assert_string_equal(o.by, "survey-vendor");
	assert_string_equal(o.via, "spf:_spf.vendor.example");
	assert_string_equal(allow_reason_name(o.reason), "trusted_forwarder");
	/* the vendor's rule is kept only when the vendor overrides */
	in.trusted_client = 1;
	policy_decide(&c, &in, &o);
	assert_string_equal(o.via, "spf:_spf.vendor.example");
	in.vendor = NULL;
	policy_decide(&c, &in, &o);
	assert_null(o.via);
	assert_string_equal(o.by, "trusted client");
	in.trusted_client = 0;

	policy_conf_defaults(&c);
	in = fail_in(DMARCREC_P_REJECT);
	in.trusted_client = 1;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_ACCEPT);
	assert_int_equal(o.reason, ALLOW_R_LOCAL_POLICY);
	assert_string_equal(o.by, "trusted client");
	in.trusted_by = "authenticated client";
	policy_decide(&c, &in, &o);
	assert_string_equal(o.by, "authenticated client");

	in = fail_in(DMARCREC_P_QUARANTINE);
	in.monitor_only = 1;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_ACCEPT);
	assert_true(o.overridden);
	assert_string_equal(o.by, "monitor-only domain");

	/* an override of p=none is no override */
	in = fail_in(DMARCREC_P_NONE);
	in.monitor_only = 1;
	policy_decide(&c, &in, &o);
	assert_false(o.overridden);
}

static void
test_errors(void **state)
{
	struct policy_conf c;
	struct policy_input in = fail_in(DMARCREC_P_REJECT);
	struct policy_out o;

	(void)state;
	policy_conf_defaults(&c);
	in.result = RES_DMARC_TEMPERROR;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_TEMPFAIL);
	assert_string_equal(o.rcode, "451");
	assert_string_equal(o.xcode, "4.7.1");
	assert_non_null(strstr(o.text, "example.edu"));
	c.on_temperror = VERDICT_ACCEPT;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_ACCEPT);
	c.on_temperror = VERDICT_TEMPFAIL;
	in.trusted_client = 1;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_ACCEPT);
	in.trusted_client = 0;
	in.result = RES_DMARC_PERMERROR;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_ACCEPT);
	c.on_permerror = VERDICT_REJECT;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_REJECT);
}

static void
test_config_actions(void **state)
{
	struct policy_conf c;
	struct policy_input in = fail_in(DMARCREC_P_REJECT);
	struct policy_out o;

	(void)state;
	policy_conf_defaults(&c);
	c.on_reject = VERDICT_QUARANTINE;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_QUARANTINE);
	c.quarantine_by = POLICY_Q_HEADER;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_ACCEPT);
	assert_true(o.add_header);
	assert_non_null(strstr(o.text, "example.edu"));
}

static void
test_report_only(void **state)
{
	struct policy_conf c;
	struct policy_input in = fail_in(DMARCREC_P_REJECT);
	struct policy_out o;

	(void)state;
	policy_conf_defaults(&c);
	c.report_only = 1;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_ACCEPT);
	assert_int_equal(o.dis, DMARCREC_P_REJECT);	/* would have */
	in.result = RES_DMARC_TEMPERROR;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.action, VERDICT_ACCEPT);
}

/* the disposition applied follows the action; a local setting that
 * makes it differ from the policy's is named */
static void
test_applied(void **state)
{
	struct policy_conf c;
	struct policy_input in = fail_in(DMARCREC_P_REJECT);
	struct policy_out o;

	(void)state;
	policy_conf_defaults(&c);
	policy_decide(&c, &in, &o);
	assert_int_equal(o.applied, POLICY_DIS_REJECT);
	assert_null(o.local);
	c.on_reject = VERDICT_TEMPFAIL; /* refused: reject */
	policy_decide(&c, &in, &o);
	assert_int_equal(o.applied, POLICY_DIS_REJECT);
	assert_null(o.local);
	c.on_reject = VERDICT_QUARANTINE;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.applied, POLICY_DIS_QUARANTINE);
	assert_string_equal(o.local, "on_reject");
	c.on_reject = VERDICT_REJECT;
	c.report_only = 1;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.applied, POLICY_DIS_NONE);
	assert_string_equal(o.local, "report_only");
	assert_string_equal(policy_dis_name(o.applied), "none");
	c.report_only = 0;
	in = fail_in(DMARCREC_P_NONE);
	c.on_none = VERDICT_QUARANTINE;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.applied, POLICY_DIS_QUARANTINE);
	assert_string_equal(o.local, "on_none");
	in.result = RES_DMARC_PASS;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.applied, POLICY_DIS_PASS);
	assert_null(o.local);
	assert_string_equal(policy_dis_name(o.applied), "pass");
	/* an override, not a local action: named by the override alone */
	policy_conf_defaults(&c);
	in = fail_in(DMARCREC_P_REJECT);
	in.trusted_client = 1;
	policy_decide(&c, &in, &o);
	assert_int_equal(o.applied, POLICY_DIS_NONE);
	assert_true(o.overridden);
	assert_null(o.local);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enforced),
		cmocka_unit_test(test_pass_and_none),
		cmocka_unit_test(test_testing_tag),
		cmocka_unit_test(test_pct),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_config_actions),
		cmocka_unit_test(test_report_only),
		cmocka_unit_test(test_applied),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
