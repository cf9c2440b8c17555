/*
 * test_spf_macro.c - SPF macro expansion (RFC 7208 section 7): the RFC's
 * own examples, syntax errors, and the inputs behind libspf2's macro
 * CVEs (CVE-2021-20314, CVE-2021-33912, CVE-2021-33913, CVE-2023-42118),
 * which must give a bounded result or a clean error, never a crash
 * (run under ASan+UBSan with --enable-sanitizers).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "spf_macro.h"
#include "str.h"

/* ctx_init - a macro context for sender and client ip */
static void
ctx_init(struct spf_macro_ctx *m, const char *sender, const char *ip)
{
	static char local[1024], dom[1024];
	const char *at = strrchr(sender, '@');

	memset(m, 0, sizeof(*m));
	snprintf(local, sizeof(local), "%.*s", (int)(at - sender), sender);
	snprintf(dom, sizeof(dom), "%s", at + 1);
	m->sender = sender;
	m->local = local;
	m->sender_dom = dom;
	m->domain = dom;
	m->helo = "mx.example.org";
	m->now = 1700000000;
	if (inet_pton(AF_INET, ip, m->ip) == 1)
		m->family = AF_INET;
	else {
		assert_int_equal(inet_pton(AF_INET6, ip, m->ip), 1);
		m->family = AF_INET6;
	}
}

/* expand - expand s, return a static copy or "ERR<rc>" */
static const char *
expand(const struct spf_macro_ctx *m, const char *s, int exp)
{
	static char buf[SPF_MACRO_OUT_MAX + 1];
	struct str out;
	int rc;

	str_init(&out);
	rc = spf_macro_expand(m, s, strlen(s), exp, &out);
	assert_true(out.len <= SPF_MACRO_OUT_MAX);
	if (rc < 0)
		snprintf(buf, sizeof(buf), "ERR%d", rc);
	else
		snprintf(buf, sizeof(buf), "%s", out.s);
	str_free(&out);
	return buf;
}

static void
test_rfc_examples(void **state)
{
	struct spf_macro_ctx m;
	static const char *const cases[][2] = {
		{ "%{s}", "strong-bad@email.example.com" },
		{ "%{o}", "email.example.com" },
		{ "%{d}", "email.example.com" },
		{ "%{d4}", "email.example.com" },
		{ "%{d3}", "email.example.com" },
		{ "%{d2}", "example.com" },
		{ "%{d1}", "com" },
		{ "%{dr}", "com.example.email" },
		{ "%{d2r}", "example.email" },
		{ "%{l}", "strong-bad" },
		{ "%{l-}", "strong.bad" },
		{ "%{lr}", "strong-bad" },
		{ "%{lr-}", "bad.strong" },
		{ "%{l1r-}", "strong" },
		{ "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
		{ "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
		{ "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
		  "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
		{ "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
		  "3.2.0.192.in-addr.strong.lp._spf.example.com" },
		{ "%{d2}.trusted-domains.example.net",
		  "example.com.trusted-domains.example.net" },
		{ "%%%_%-", "% %20" },
		{ "%{p}", "unknown" },
		{ "%{h}", "mx.example.org" },
	};
	size_t i;

	(void)state;
	ctx_init(&m, "strong-bad@email.example.com", "192.0.2.3");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(expand(&m, cases[i][0], 0), cases[i][1]);
	ctx_init(&m, "strong-bad@email.example.com", "2001:db8::cb01");
	assert_string_equal(expand(&m, "%{ir}.%{v}._spf.%{d2}", 0),
	    "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
	    ".ip6._spf.example.com");
	/* exp-only letters and URL escaping */
	assert_string_equal(expand(&m, "%{c} %{t} %{r}", 1),
	    "2001:db8::cb01 1700000000 unknown");
	ctx_init(&m, "~jack&jill=up@example.com", "192.0.2.3");
	assert_string_equal(expand(&m, "%{L}", 1), "~jack%26jill%3Dup");
}

static void
test_syntax_errors(void **state)
{
	struct spf_macro_ctx m;
	static const char *const bad[] = {
		"%", "a%", "%{", "%{d", "%{d2r", "%{x}", "%{d0}", "%{d00}",
		"%(d)", "%{dr2}", "%{d2rr}", "%{d2r#}", "%a", "%{}",
		"a b", "\x01", "\xc3\xa9", "%{c}", "%{r}", "%{t}",
	};
	size_t i;

	(void)state;
	ctx_init(&m, "user@example.com", "192.0.2.3");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(spf_macro_check(bad[i], strlen(bad[i]), 0), -1);
		assert_string_equal(expand(&m, bad[i], 0), "ERR-1");
	}
	/* spaces and c, r, t are fine in an explanation, not in a domain */
	assert_int_equal(spf_macro_check("a %{c} b", 8, 1), 0);
	assert_int_equal(spf_macro_check("a %{c} b", 8, 0), -1);
}

/* long_value - n labels "a" joined by dots, or one label of n bytes */
static char *
long_value(size_t n, char c, char sep)
{
	char *s = malloc(n + 1);
	size_t i;

	assert_non_null(s);
	for (i = 0; i < n; i++)
		s[i] = (sep != 0 && i % 2 == 1) ? sep : c;
	s[n] = '\0';
	return s;
}

static void
test_cve_inputs(void **state)
{
	struct spf_macro_ctx m;
	char *dom = long_value(4001, 'a', '.');	/* 2001 labels */
	char *odd = long_value(500, '&', 0);	/* escapes to 3 bytes each */
	char *sender = malloc(5000);
	const char *r;
	struct str out, many;
	size_t i;

	(void)state;
	/* CVE-2021-20314: huge digit transformers */
	ctx_init(&m, "user@a.b.example.com", "192.0.2.3");
	assert_string_equal(expand(&m, "%{d4294967297}", 0), "a.b.example.com");
	assert_string_equal(expand(&m,
	    "%{d99999999999999999999999999999999999999r}", 0),
	    "com.example.b.a");
	assert_string_equal(expand(&m, "%{d18446744073709551617r.}", 0),
	    "com.example.b.a");
	/* CVE-2023-42118: reversal and truncation of a long name with many
	 * parts and every delimiter */
	snprintf(sender, 5000, "x@%s", dom);
	ctx_init(&m, sender, "192.0.2.3");
	r = expand(&m, "%{d200r.-+,/_=}", 0);
	assert_true(strlen(r) <= SPF_MACRO_OUT_MAX);
	r = expand(&m, "%{d1r}", 0);
	assert_string_equal(r, "a");
	r = expand(&m, "%{dr}", 0);
	assert_true(strncmp(r, "ERR", 3) != 0);
	/* CVE-2021-33912/33913: URL-escaping grows the value threefold */
	snprintf(sender, 5000, "%s@example.com", odd);
	ctx_init(&m, sender, "192.0.2.3");
	r = expand(&m, "%{L}", 1);
	assert_int_equal(strlen(r), 1500);
	assert_true(strncmp(r, "%26%26", 6) == 0);
	/* overlong expansion: bounded, reported as -2 */
	str_init(&many);
	for (i = 0; i < 100; i++)
		str_add(&many, "%{S}");
	str_init(&out);
	assert_int_equal(spf_macro_expand(&m, many.s, many.len, 1, &out), -2);
	assert_true(out.len <= SPF_MACRO_OUT_MAX);
	str_free(&out);
	str_free(&many);
	free(dom);
	free(odd);
	free(sender);
}

static void
test_domain_truncation(void **state)
{
	struct spf_macro_ctx m;
	struct str out;
	char sender[300];

	(void)state;
	snprintf(sender, sizeof(sender), "x@%s",
	    "somewhat.long.exp.example.com");
	ctx_init(&m, sender, "192.0.2.3");
	str_init(&out);
	assert_int_equal(spf_macro_domain(&m,
	    "foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com.",
	    &out), 0);
	assert_true(out.len <= SPF_DOMAIN_MAX);
	assert_true(strncmp(out.s, "somewhat.", 9) == 0);
	assert_true(out.s[out.len - 1] != '.');
	str_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_examples),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_cve_inputs),
		cmocka_unit_test(test_domain_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
