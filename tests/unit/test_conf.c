/*
 * test_conf.c - configuration loading: defaults, types, bounds, unknown
 * options with line numbers, and that conf/hallmark.conf documents every
 * option of the tables with its default.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"
#include "conf_table.h"
#include "str.h"

/* load - check-only load of text */
static struct conf *
load(const char *text, struct conf_err *e)
{
	return conf_load_string(text, 1, e);
}

static void
test_empty_is_valid(void **state)
{
	struct conf_err e;
	struct conf *c = load("", &e);

	assert_non_null(c);
	assert_string_equal(c->socket, "inet:8891@127.0.0.1");
	assert_int_equal(c->internal_networks.n, 2);
	assert_int_equal(c->dns.query_timeout_ms, 5000);
	assert_int_equal(c->log.to_syslog, 1);
	assert_non_null(c->authserv_id);
	conf_release(c);
}

static void
test_values_read(void **state)
{
	struct conf_err e;
	struct conf *c = load("socket = \"unix:/tmp/x\";\n"
	    "authserv_id = \"mx.example.org\";\n"
	    "internal_networks = [\"192.0.2.0/24\"];\n"
	    "log = { level = \"debug\"; syslog = false; };\n"
	    "dns = { forwarders = [\"127.0.0.1@53\"]; query_timeout_ms = 250; };\n",
	    &e);

	assert_non_null(c);
	assert_string_equal(c->socket, "unix:/tmp/x");
	assert_string_equal(c->authserv_id, "mx.example.org");
	assert_int_equal(c->internal_networks.n, 1);
	assert_int_equal(c->log.level, 4);
	assert_int_equal(c->log.to_syslog, 0);
	assert_string_equal(c->dns.forwarders[0], "127.0.0.1@53");
	assert_null(c->dns.forwarders[1]);
	assert_int_equal(c->dns.query_timeout_ms, 250);
	conf_release(c);
}

static void
test_unknown_option_line(void **state)
{
	struct conf_err e;

	assert_null(load("socket = \"inet:1@127.0.0.1\";\n\nsockt = 1;\n", &e));
	assert_int_equal(e.line, 3);
	assert_non_null(strstr(e.msg, "sockt"));
	assert_null(load("log = {\n  level = \"info\";\n  colour = true;\n};\n",
	    &e));
	assert_int_equal(e.line, 3);
}

static void
test_wrong_type_and_range(void **state)
{
	struct conf_err e;

	assert_null(load("log = { syslog = \"yes\"; };\n", &e));
	assert_int_equal(e.line, 1);
	assert_null(load("\ndns = { query_timeout_ms = 1; };\n", &e));
	assert_int_equal(e.line, 2);
	assert_non_null(strstr(e.msg, "out of range"));
	assert_null(load("internal_networks = [\"10.0.0.0/33\"];\n", &e));
	assert_non_null(strstr(e.msg, "prefix"));
	assert_null(load("internal_networks = \"10.0.0.0/8\";\n", &e));
	assert_null(load("dns = 5;\n", &e));
	assert_null(load("on_internal_error = \"drop\";\n", &e));
	assert_non_null(strstr(e.msg, "tempfail"));
}

static void
test_syntax_error_line(void **state)
{
	struct conf_err e;

	assert_null(load("socket = \"a\";\nlog = { level = ; };\n", &e));
	assert_int_equal(e.line, 2);
}

static void
test_refcount(void **state)
{
	struct conf_err e;
	struct conf *c = load("", &e), *cur;

	conf_install(conf_hold(c));
	cur = conf_current();
	assert_ptr_equal(cur, c);
	conf_release(cur);
	conf_install(NULL);
	assert_int_equal(c->refcnt, 1);
	conf_release(c);
}

struct doc_check {
	const char *text;
	int missing;
};

/* default_text - how the default must appear in the sample file */
static void
check_one(const char *dotted, const struct conf_opt *o, void *arg)
{
	struct doc_check *dc = arg;
	char pat[256], line[512];
	const char *p;

	snprintf(pat, sizeof(pat), "%s =", o->name);
	p = strstr(dc->text, pat);
	if (p == NULL) {
		fprintf(stderr, "conf/hallmark.conf lacks option %s\n", dotted);
		dc->missing++;
		return;
	}
	if (o->def == NULL || o->type == CT_STRLIST || o->type == CT_CIDRS)
		return;
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
	if (strstr(line, o->def) == NULL) {
		fprintf(stderr, "conf/hallmark.conf: %s default should be %s: "
		    "%s\n", dotted, o->def, line);
		dc->missing++;
	}
}

static void
test_sample_documents_all(void **state)
{
	char path[1024];
	const char *top = getenv("top_srcdir");
	struct doc_check dc = { NULL, 0 };
	struct str b;
	FILE *f;
	char buf[4096];
	size_t n;

	snprintf(path, sizeof(path), "%s/conf/hallmark.conf", top ? top : ".");
	f = fopen(path, "r");
	assert_non_null(f);
	str_init(&b);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		str_addn(&b, buf, n);
	fclose(f);
	dc.text = b.s;
	conf_walk(check_one, &dc);
	assert_int_equal(dc.missing, 0);
	str_free(&b);
}

static void
test_sample_loads(void **state)
{
	char path[1024];
	const char *top = getenv("top_srcdir");
	struct conf_err e;
	struct conf *c;

	snprintf(path, sizeof(path), "%s/conf/hallmark.conf", top ? top : ".");
	c = conf_load(path, 1, &e);
	if (c == NULL)
		fprintf(stderr, "%s:%d: %s\n", e.file, e.line, e.msg);
	assert_non_null(c);
	conf_release(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_valid),
		cmocka_unit_test(test_values_read),
		cmocka_unit_test(test_unknown_option_line),
		cmocka_unit_test(test_wrong_type_and_range),
		cmocka_unit_test(test_syntax_error_line),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_sample_documents_all),
		cmocka_unit_test(test_sample_loads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
