/*
 * test_authres.c - Authentication-Results: formatting, sanitising of
 * untrusted text, and authserv-id extraction from hostile headers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "authres.h"

static void
test_format(void **state)
{
	struct ar_list l = { 0, NULL };
	char *v;

	v = authres_format("mx.example.org", &l);
	assert_string_equal(v, "mx.example.org; none");
	free(v);
	authres_add(&l, "spf", "pass", "192.0.2.1 is (allowed)\r\n",
	    "smtp.mailfrom=a@example.org");
	authres_add(&l, "dkim", "fail", NULL, "header.d=example.org");
	v = authres_format("mx.example.org", &l);
	assert_string_equal(v,
	    "mx.example.org;\n\tspf=pass "
	    "(192.0.2.1 is [allowed]) smtp.mailfrom=a@example.org;\n\t"
	    "dkim=fail header.d=example.org");
	free(v);
	authres_free(&l);
}

/* a comment is our words, then an excerpt of the quoted untrusted text
 * that cannot read as a result: the forged From of issue 11 */
static void
test_comment_excerpt(void **state)
{
	static const char from[] =
	    "\"Dear \\\" ) ; dmarc=pass "
	    "header.from=x.example ; x=(\" <b@x.example>";
	char why[300], *c;

	(void)state;
	snprintf(why, sizeof(why), "unparseable: bad quoting: \"%s\"", from);
	c = authres_comment(why);
	assert_string_equal(c,
	    "unparseable: bad quoting: Dear dmarc pass "
	    "header.from x.example x...");
	free(c);
	c = authres_comment("p=reject dis=quarantine; local policy: x");
	assert_string_equal(c, "p=reject dis=quarantine, local policy: x");
	free(c);
	/* words from DNS (an SPF mechanism) cannot read as a result */
	c = authres_comment(
	    "x.example matched include:dmarc=pass.evil "
	    "[header.from=x.example] X-Fake=1 a;spf=pass l=10 dis=none");
	assert_string_equal(c,
	    "x.example matched include:dmarc pass.evil "
	    "[header.from x.example] X-Fake 1 a,spf pass l=10 dis=none");
	free(c);
	assert_null(authres_comment("\"\\\";=\""));
	assert_null(authres_comment(""));
	assert_null(authres_comment(NULL));
}

static void
test_authserv_id(void **state)
{
	char id[64];

	assert_int_equal(authres_authserv_id("mx.Example.org; spf=pass", id,
	    sizeof(id)), 0);
	assert_string_equal(id, "mx.example.org");
	assert_int_equal(authres_authserv_id(" (forged (nested) comment)\r\n\t"
	    "MX.EXAMPLE.ORG 1; none", id, sizeof(id)), 0);
	assert_string_equal(id, "mx.example.org");
	assert_int_equal(authres_authserv_id("\"mx.example.org\"; none", id,
	    sizeof(id)), 0);
	assert_string_equal(id, "mx.example.org");
	assert_int_equal(authres_authserv_id("(unterminated", id,
	    sizeof(id)), -1);
	assert_int_equal(authres_authserv_id("; spf=pass", id, sizeof(id)),
	    -1);
	assert_int_equal(authres_authserv_id("", id, sizeof(id)), -1);
	assert_int_equal(authres_authserv_id("\"open", id, sizeof(id)), -1);
	assert_true(authres_claims("mx.example.org(c);spf=pass",
	    "MX.example.org"));
	assert_false(authres_claims("mx.example.org.evil; none",
	    "mx.example.org"));
	assert_false(authres_claims("other.example; none", "mx.example.org"));
}

static void
test_long_id(void **state)
{
	char big[2048], id[64];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(authres_authserv_id(big, id, sizeof(id)), -1);
	assert_false(authres_claims(big, "mx.example.org"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_comment_excerpt),
		cmocka_unit_test(test_authserv_id),
		cmocka_unit_test(test_long_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
