/*
 * test_spf_eval.c - check_host() on the static DNS back end: results for
 * each identity form, and bad input of every kind the internet sends:
 * malformed and overlong MAIL FROM / HELO, non-ASCII labels, records with
 * syntax errors, several SPF records, include and redirect loops, DNS
 * timeouts and SERVFAIL, TXT records split into many strings, the
 * DNS-term and void-lookup limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "dns.h"
#include "spf_eval.h"
#include "str.h"

static const char zone[] =
    "example.org TXT \"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 "
    "a:mail.example.org ~all\"\n"
    "mail.example.org A 198.51.100.7\n"
    "mail.example.org TXT \"v=spf1 a -all\"\n"
    "hard.example.org TXT \"v=spf1 -all exp=why.example.org\"\n"
    "why.example.org TXT \"%{i} may not send for %{d}\"\n"
    "neutral.example.org TXT \"v=spf1 ?all\"\n"
    "syntax.example.org TXT \"v=spf1 ip4:192.0.2.1 a:foo.123 -all\"\n"
    "two.example.org TXT \"v=spf1 -all\"\n"
    "two.example.org TXT \"v=spf1 +all\"\n"
    "other.example.org TXT \"google-site-verification=x\"\n"
    "other.example.org TXT \"v=spf1 +all\"\n"
    "loop1.example.org TXT \"v=spf1 include:loop2.example.org -all\"\n"
    "loop2.example.org TXT \"v=spf1 include:loop1.example.org -all\"\n"
    "self.example.org TXT \"v=spf1 redirect=self.example.org\"\n"
    "slow.example.org TIMEOUT\n"
    "broken.example.org SERVFAIL\n"
    "inc-slow.example.org TXT \"v=spf1 include:slow.example.org -all\"\n"
    "a-broken.example.org TXT \"v=spf1 a:broken.example.org -all\"\n"
    "split.example.org TXT \"v\" \"=\" \"s\" \"p\" \"f\" \"1\" \" \" "
    "\"i\" \"p\" \"4\" \":\" \"192.0.2.9\" \" \" \"-\" \"a\" \"l\" \"l\"\n"
    "voids.example.org TXT \"v=spf1 a:n1.example.org a:n2.example.org "
    "a:n3.example.org +all\"\n"
    "many.example.org TXT \"v=spf1 a a a a a a a a a a a +all\"\n"
    "many.example.org A 203.0.113.1\n"
    "helo.example.org TXT \"v=spf1 ip4:192.0.2.77 -all\"\n"
    "chain.example.org TXT \"v=spf1 include:inc.example.org "
    "redirect=red.example.org\"\n"
    "inc.example.org TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n"
    "red.example.org TXT \"v=spf1 a:nx1.example.org ip4:192.0.2.0/24 "
    "-all\"\n";

static struct dns_resolver *res;

static int
setup(void **state)
{
	char err[256];

	(void)state;
	res = dns_static_new(zone, err, sizeof(err));
	if (res == NULL)
		fprintf(stderr, "zone: %s\n", err);
	return res == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	dns_resolver_free(res);
	return 0;
}

/* check - evaluate mailfrom from ip with helo; returns the result */
static enum res_spf
check(const char *ip, const char *helo, const char *mailfrom,
    struct spf_answer *ans)
{
	struct spf_request req;

	memset(&req, 0, sizeof(req));
	req.resolver = res;
	req.helo = helo;
	assert_int_equal(spf_eval_parse_ip(&req, ip), 0);
	spf_eval_check(&req, mailfrom, ans);
	assert_true(ans->reason[0] != '\0');
	return ans->result;
}

/* result_of - check and free */
static enum res_spf
result_of(const char *ip, const char *helo, const char *mailfrom)
{
	struct spf_answer ans;
	enum res_spf r = check(ip, helo, mailfrom, &ans);

	spf_answer_free(&ans);
	return r;
}

static void
test_results(void **state)
{
	struct spf_answer ans;

	(void)state;
	assert_int_equal(result_of("192.0.2.5", "x", "u@example.org"),
	    RES_SPF_PASS);
	assert_int_equal(result_of("2001:db8::5", "x", "u@example.org"),
	    RES_SPF_PASS);
	assert_int_equal(result_of("::ffff:192.0.2.5", "x", "u@example.org"),
	    RES_SPF_PASS);
	assert_int_equal(result_of("198.51.100.7", "x", "u@Example.ORG"),
	    RES_SPF_PASS);
	assert_int_equal(result_of("203.0.113.1", "x", "u@example.org"),
	    RES_SPF_SOFTFAIL);
	assert_int_equal(result_of("203.0.113.1", "x", "u@neutral.example.org"),
	    RES_SPF_NEUTRAL);
	assert_int_equal(result_of("203.0.113.1", "x", "u@nothing.example.org"),
	    RES_SPF_NONE);
	assert_int_equal(check("203.0.113.1", "x", "u@hard.example.org", &ans),
	    RES_SPF_FAIL);
	assert_string_equal(ans.explanation,
	    "203.0.113.1 may not send for hard.example.org");
	spf_answer_free(&ans);
	/* null reverse-path: postmaster@HELO, the HELO check */
	assert_int_equal(check("192.0.2.77", "helo.example.org", "", &ans),
	    RES_SPF_PASS);
	assert_string_equal(ans.domain, "helo.example.org");
	spf_answer_free(&ans);
	assert_int_equal(result_of("192.0.2.78", "helo.example.org", NULL),
	    RES_SPF_FAIL);
	/* a split TXT record is joined without separators */
	assert_int_equal(result_of("192.0.2.9", "x", "u@split.example.org"),
	    RES_SPF_PASS);
	assert_int_equal(result_of("192.0.2.8", "x", "u@split.example.org"),
	    RES_SPF_FAIL);
	/* non-SPF TXT records beside the SPF record are ignored */
	assert_int_equal(result_of("192.0.2.8", "x", "u@other.example.org"),
	    RES_SPF_PASS);
}

static void
test_bad_identities(void **state)
{
	static const char *const none[] = {
		"user@", "user@localhost", "user@[192.0.2.1]",
		"user@a..example.org", "user@.example.org",
		"user@ex\xc3\xa4mple.org", "user@exa mple.org",
		"user@exa\tmple.org", "user@ex\x01" "ample.org",
		"user@a234567890123456789012345678901234567890123456789012345"
		"678901234.example.org",
	};
	struct str big;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		assert_int_equal(result_of("192.0.2.5", "x", none[i]),
		    RES_SPF_NONE);
	/* no local part: postmaster; no '@': the whole is the domain */
	assert_int_equal(result_of("192.0.2.5", "x", "@example.org"),
	    RES_SPF_PASS);
	assert_int_equal(result_of("192.0.2.5", "x", "example.org"),
	    RES_SPF_PASS);
	/* HELO garbage with a null sender */
	assert_int_equal(result_of("192.0.2.5", "[192.0.2.5]", ""),
	    RES_SPF_NONE);
	assert_int_equal(result_of("192.0.2.5", "JUMPIN' JUPITER", ""),
	    RES_SPF_NONE);
	assert_int_equal(result_of("192.0.2.5", NULL, ""), RES_SPF_NONE);
	assert_int_equal(result_of("192.0.2.5", "h\xc3\xa9llo.example.org",
	    ""), RES_SPF_NONE);
	/* overlong MAIL FROM and HELO */
	str_init(&big);
	for (i = 0; i < 200; i++)
		str_add(&big, "abc.");
	str_add(&big, "example.org");
	assert_int_equal(result_of("192.0.2.5", big.s, ""), RES_SPF_NONE);
	str_reset(&big);
	for (i = 0; i < 100000; i++)
		str_addc(&big, 'a');
	str_add(&big, "@example.org");
	assert_int_equal(result_of("192.0.2.5", "x", big.s), RES_SPF_NONE);
	str_free(&big);
}

static void
test_errors(void **state)
{
	struct spf_answer ans;

	(void)state;
	assert_int_equal(result_of("192.0.2.1", "x", "u@syntax.example.org"),
	    RES_SPF_PERMERROR);
	assert_int_equal(check("192.0.2.1", "x", "u@two.example.org", &ans),
	    RES_SPF_PERMERROR);
	assert_non_null(strstr(ans.reason, "2 SPF records"));
	spf_answer_free(&ans);
	assert_int_equal(check("192.0.2.1", "x", "u@loop1.example.org", &ans),
	    RES_SPF_PERMERROR);
	assert_int_equal(ans.dns_mechs, SPF_MAX_DNS_MECHS + 1);
	spf_answer_free(&ans);
	assert_int_equal(result_of("192.0.2.1", "x", "u@self.example.org"),
	    RES_SPF_PERMERROR);
	assert_int_equal(check("192.0.2.1", "x", "u@slow.example.org", &ans),
	    RES_SPF_TEMPERROR);
	assert_non_null(strstr(ans.reason, "timeout"));
	spf_answer_free(&ans);
	assert_int_equal(result_of("192.0.2.1", "x", "u@broken.example.org"),
	    RES_SPF_TEMPERROR);
	assert_int_equal(result_of("192.0.2.1", "x", "u@inc-slow.example.org"),
	    RES_SPF_TEMPERROR);
	assert_int_equal(result_of("192.0.2.1", "x", "u@a-broken.example.org"),
	    RES_SPF_TEMPERROR);
	assert_int_equal(check("192.0.2.1", "x", "u@voids.example.org", &ans),
	    RES_SPF_PERMERROR);
	assert_int_equal(ans.voids, SPF_MAX_VOIDS + 1);
	spf_answer_free(&ans);
	assert_int_equal(result_of("192.0.2.1", "x", "u@many.example.org"),
	    RES_SPF_PERMERROR);
}

static void
test_expand_text(void **state)
{
	struct spf_request req;
	char *t;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.resolver = res;
	req.helo = "mx.example.net";
	assert_int_equal(spf_eval_parse_ip(&req, "192.0.2.66"), 0);
	t = spf_eval_expand_text(&req, "u@example.org", "example.org",
	    "%{i} is not allowed to send mail for %{o}");
	assert_string_equal(t, "192.0.2.66 is not allowed to send mail for "
	    "example.org");
	free(t);
	assert_null(spf_eval_expand_text(&req, "u@example.org", NULL,
	    "bad %{q}"));
	assert_int_equal(spf_eval_parse_ip(&req, "not-an-ip"), -1);
}

/* the observer's log: one word per event other than LOOKUP */
struct trace_log {
	char text[1024];
	unsigned lookups;
};

static void
trace_cb(void *arg, const struct spf_trace_event *ev)
{
	struct trace_log *l = arg;
	size_t n = strlen(l->text);
	char *p = l->text + n;
	size_t left = sizeof(l->text) - n;

	switch (ev->kind) {
	case SPF_TRACE_LOOKUP:
		l->lookups++;
		return;
	case SPF_TRACE_RECORD:
		snprintf(p, left, "R%d:%s(%s) ", ev->depth, ev->domain,
		    ev->text);
		return;
	case SPF_TRACE_MATCH:
		snprintf(p, left, "M%d:%s=%s ", ev->depth, ev->term->text,
		    res_spf_name(ev->result));
		return;
	case SPF_TRACE_REDIRECT:
		snprintf(p, left, "X%d:%s ", ev->depth, ev->name);
		return;
	case SPF_TRACE_VOID:
		snprintf(p, left, "V%d:%s/%u ", ev->depth, ev->name, ev->voids);
		return;
	case SPF_TRACE_DONE:
		snprintf(p, left, "D%d:%s=%s/%u ", ev->depth, ev->domain,
		    res_spf_name(ev->result), ev->dns_mechs);
		return;
	}
}

/* the observer sees the include and redirect chain in order, the void
 * lookups and the counters; the answer is the same as without it */
static void
test_trace(void **state)
{
	struct spf_request req;
	struct spf_answer ans, plain;
	struct trace_log l;

	(void)state;
	memset(&req, 0, sizeof(req));
	memset(&l, 0, sizeof(l));
	req.resolver = res;
	req.helo = "mx.example.net";
	assert_int_equal(spf_eval_parse_ip(&req, "192.0.2.5"), 0);
	spf_eval_check(&req, "u@chain.example.org", &plain);
	req.trace = trace_cb;
	req.trace_arg = &l;
	spf_eval_check(&req, "u@chain.example.org", &ans);
	assert_string_equal(l.text,
	    "R0:chain.example.org(v=spf1 include:inc.example.org "
	    "redirect=red.example.org) "
	    "R1:inc.example.org(v=spf1 ip4:198.51.100.0/24 -all) "
	    "M1:-all=fail D1:inc.example.org=fail/1 "
	    "X0:red.example.org "
	    "R1:red.example.org(v=spf1 a:nx1.example.org ip4:192.0.2.0/24 "
	    "-all) V1:nx1.example.org/1 M1:ip4:192.0.2.0/24=pass "
	    "D1:red.example.org=pass/3 D0:chain.example.org=pass/3 ");
	/* TXT chain, TXT inc, TXT red, A nx1 */
	assert_int_equal(l.lookups, 4);
	assert_int_equal(ans.result, RES_SPF_PASS);
	assert_int_equal(ans.result, plain.result);
	assert_int_equal(ans.dns_mechs, plain.dns_mechs);
	assert_int_equal(ans.voids, plain.voids);
	assert_string_equal(ans.reason, plain.reason);
	spf_answer_free(&ans);
	spf_answer_free(&plain);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_bad_identities),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_expand_text),
		cmocka_unit_test(test_trace),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
