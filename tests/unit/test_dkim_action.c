/*
 * test_dkim_action.c - dkim_verify.must_sign_domains and on_unsigned:
 * the options as loaded (patterns checked, values), which From domains a
 * list matches ("*." only below the name), which results count as signed
 * (pass with d= exactly the From domain).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf_table.h"
#include "dkim_action.h"

/* load - a dkim_verify section with the given body */
static struct conf *
load(const char *body, struct conf_err *e)
{
	char text[1024];

	snprintf(text, sizeof(text), "dkim_verify = {\n %s\n};\n", body);
	return conf_load_string(text, 1, e);
}

static void
test_options(void **state)
{
	struct conf_err e;
	struct conf *c;

	(void)state;
	memset(&e, 0, sizeof(e));
	c = load("", &e);
	assert_non_null(c);
	assert_null(c->dkim_verify.must_sign_domains);
	assert_int_equal(c->dkim_verify.on_unsigned, DKIMA_ACCEPT);
	conf_release(c);
	c = load("must_sign_domains = [\"example.org\", \"*.example.net\"];\n"
		 " on_unsigned = \"quarantine\";",
	    &e);
	assert_non_null(c);
	assert_string_equal(c->dkim_verify.must_sign_domains[1],
	    "*.example.net");
	assert_int_equal(c->dkim_verify.on_unsigned, DKIMA_QUARANTINE);
	conf_release(c);
	assert_null(load("must_sign_domains = [\"exa mple.org\"];", &e));
	assert_non_null(strstr(e.msg, "domain pattern"));
	assert_null(load("on_unsigned = \"tempfail\";", &e));
}

static void
test_listed(void **state)
{
	char *pats[] = { "example.org", "*.example.net", NULL };

	(void)state;
	assert_true(dkima_listed(pats, "example.org"));
	assert_true(dkima_listed(pats, "EXAMPLE.org"));
	assert_false(dkima_listed(pats, "mail.example.org"));
	assert_true(dkima_listed(pats, "mail.example.net"));
	assert_true(dkima_listed(pats, "a.b.example.net"));
	assert_false(dkima_listed(pats, "example.net"));
	assert_false(dkima_listed(pats, "badexample.net"));
	assert_false(dkima_listed(NULL, "example.org"));
}

static void
test_signed(void **state)
{
	struct res_dkim_sig v[3];

	(void)state;
	memset(v, 0, sizeof(v));
	v[0].result = RES_DKIM_FAIL;
	v[0].d = "example.org";
	v[1].result = RES_DKIM_PASS;
	v[1].d = "mail.example.org";
	v[2].result = RES_DKIM_PASS; /* d= unparsable */
	assert_false(dkima_signed(v, 3, "example.org"));
	assert_false(dkima_signed(v, 0, "example.org"));
	v[0].result = RES_DKIM_PASS;
	assert_true(dkima_signed(v, 3, "Example.ORG"));
	assert_true(dkima_signed(v, 3, "mail.example.org"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_listed),
		cmocka_unit_test(test_signed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
