/*
 * test_rconf.c - report/rconf.c: the reports { } section as the loader
 * reads it: defaults, the store and address checks, enable refused
 * without the reporter identity (naming what is missing), and
 * exclude_recipients (default from and bounce, an address extension
 * ignored, patterns).
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
#include "rconf.h"

#define ID "org_name = \"U\"; email = \"pm@u.example\"; receiver = \"mx.u.example\"; "

/* load - a configuration text; NULL and *e on error */
static struct conf *
load(const char *text, struct conf_err *e)
{
	return conf_read_string(text, e);
}

static void
test_defaults(void **state)
{
	struct conf_err e;
	struct conf *c = load("", &e);

	(void)state;
	assert_non_null(c);
	assert_false(c->reports.enable);
	assert_string_equal(c->reports.store,
	    "sqlite:/var/lib/hallmark/reports.db");
	assert_int_equal(c->reports.flush_interval, 60);
	assert_int_equal(c->reports.max_rows, 100000);
	assert_null(c->reports.org_name);
	assert_non_null(c->reports.exclude_recipients);
	assert_null(c->reports.exclude_recipients[0]);
	conf_release(c);
}

static void
test_store_and_mailbox(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(rconf_check_store("sqlite:/var/x.db", err, 256), 0);
	assert_int_equal(rconf_check_store("/var/x.db", err, 256), 0);
	assert_int_equal(rconf_check_store("postgresql://h/db", err, 256), 0);
	assert_int_equal(rconf_check_store("pg:host=/run dbname=h", err, 256),
	    0);
	assert_int_equal(rconf_check_store("reports.db", err, 256), -1);
	assert_int_equal(rconf_check_store("sqlite:x.db", err, 256), -1);
	assert_int_equal(rconf_check_store("pg:", err, 256), -1);
	assert_int_equal(rconf_check_store("mysql://x", err, 256), -1);
	assert_int_equal(rconf_check_mailbox("dmarc@u.example", err, 256), 0);
	assert_int_equal(rconf_check_mailbox("dmarc", err, 256), -1);
	assert_int_equal(rconf_check_mailbox("@u.example", err, 256), -1);
	assert_int_equal(rconf_check_mailbox("a b@u.example", err, 256), -1);
	assert_int_equal(rconf_check_mailbox("a@u..example", err, 256), -1);
	assert_int_equal(rconf_check_mailbox("<a@u.example>", err, 256), -1);
}

static void
test_identity_required(void **state)
{
	struct conf_err e;
	struct conf *c;

	(void)state;
	assert_null(load("reports = { enable = true; };", &e));
	assert_non_null(strstr(e.msg, "reports.org_name is not set"));
	assert_int_equal(e.line, 1);
	assert_null(load("reports = { enable = true; org_name = \"U\";\n"
	    "receiver = \"mx.u.example\"; };", &e));
	assert_non_null(strstr(e.msg, "reports.email is not set"));
	assert_null(load("reports = { enable = true; org_name = \"U\"; "
	    "email = \"pm@u.example\"; };", &e));
	assert_non_null(strstr(e.msg, "reports.receiver is not set"));
	/* the identity alone, without enable, is fine; so is all of it */
	c = load("reports = { " ID "};", &e);
	assert_non_null(c);
	conf_release(c);
	c = load("reports = { enable = true; " ID "};", &e);
	assert_non_null(c);
	assert_true(c->reports.enable);
	conf_release(c);
	assert_null(load("reports = { " ID "email = \"x\"; };", &e));
	assert_null(load("reports = { flush_interval = 0; };", &e));
	assert_null(load("reports = { max_rows = 0; };", &e));
	assert_null(load("reports = { store = \"reports.db\"; };", &e));
}

static void
test_excluded(void **state)
{
	struct conf_err e;
	struct conf *c;

	(void)state;
	c = load("reports = { " ID "from = \"dmarc@u.example\"; "
	    "bounce = \"dmarc-bounce@u.example\"; };", &e);
	assert_non_null(c);
	assert_true(rconf_excluded(&c->reports, "dmarc@u.example"));
	assert_true(rconf_excluded(&c->reports, "DMARC-Bounce@U.example"));
	assert_true(rconf_excluded(&c->reports,
	    "dmarc-bounce+rcpt=x.example@u.example"));
	assert_false(rconf_excluded(&c->reports, "user@u.example"));
	assert_false(rconf_excluded(&c->reports, "dmarc-bounce@other.example"));
	assert_false(rconf_excluded(&c->reports, ""));
	conf_release(c);
	/* an explicit list replaces the default */
	c = load("reports = { " ID "from = \"dmarc@u.example\"; "
	    "exclude_recipients = [\"*.reports.example\"]; };", &e);
	assert_non_null(c);
	assert_false(rconf_excluded(&c->reports, "dmarc@u.example"));
	assert_true(rconf_excluded(&c->reports, "a@in.reports.example"));
	conf_release(c);
	assert_null(load("reports = { exclude_recipients = [\"a@\"]; };",
	    &e));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_store_and_mailbox),
		cmocka_unit_test(test_identity_required),
		cmocka_unit_test(test_excluded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
