/*
 * test_module.c - the module interface (module.h): the calling order
 * computed from what each module requires (the built-in set puts DMARC
 * after SPF and DKIM verify; a missing or cyclic requirement is refused
 * with the modules named), module state allocated and freed by ctx.c in
 * the sizes the modules declare, and a failing connection-level hook
 * (conn, helo) logged and turned into an internal error of every later
 * message on the connection, as a failing message-level hook is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"
#include "conf_table.h"
#include "ctx.h"
#include "logcap.h"
#include "module.h"

static const char *const needs_b[] = { "b", NULL };
static const char *const needs_a[] = { "a", NULL };
static const char *const needs_c[] = { "c", NULL };
static const char *const needs_ab[] = { "a", "b", NULL };

/* pos - index of name in the sorted list, or -1 */
static int
pos(const struct hm_module **o, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(o[i]->name, name) == 0)
			return (int)i;
	return -1;
}

static void
test_builtin_order(void **state)
{
	const struct hm_module *const *o;
	const struct hm_module *v[MOD_SLOTS];
	char err[256];
	size_t n;

	assert_int_equal(module_start(err, sizeof(err)), 0);
	o = module_order();
	for (n = 0; o[n] != NULL; n++)
		v[n] = o[n];
	assert_int_equal(n, MOD_SLOTS);
	assert_true(pos(v, n, "dmarc") > pos(v, n, "spf"));
	assert_true(pos(v, n, "dmarc") > pos(v, n, "dkimv"));
	assert_true(pos(v, n, "dkim-sign") >= 0);
}

static void
test_sort_follows_requires(void **state)
{
	const struct hm_module a = { .name = "a", .requires = needs_b };
	const struct hm_module b = { .name = "b" };
	const struct hm_module c = { .name = "c", .requires = needs_ab };
	const struct hm_module *const reg[] = { &c, &a, &b };
	const struct hm_module *o[3];
	char err[256];

	/* registry order c, a, b; c needs a and b, a needs b */
	assert_int_equal(module_sort(reg, 3, o, err, sizeof(err)), 0);
	assert_ptr_equal(o[0], &b);
	assert_ptr_equal(o[1], &a);
	assert_ptr_equal(o[2], &c);
}

static void
test_sort_refuses_missing(void **state)
{
	const struct hm_module a = { .name = "a", .requires = needs_c };
	const struct hm_module b = { .name = "b" };
	const struct hm_module *const reg[] = { &a, &b };
	const struct hm_module *o[2];
	char err[256];

	assert_int_equal(module_sort(reg, 2, o, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "module a requires module c, which is not "
	    "built in");
}

static void
test_sort_refuses_cycle(void **state)
{
	const struct hm_module a = { .name = "a", .requires = needs_b };
	const struct hm_module b = { .name = "b", .requires = needs_a };
	const struct hm_module c = { .name = "c" };
	const struct hm_module *const reg[] = { &a, &b, &c };
	const struct hm_module *o[3];
	char err[256];

	assert_int_equal(module_sort(reg, 3, o, err, sizeof(err)), -1);
	assert_string_equal(err, "modules require each other in a cycle: a b");
}

/* ctx.c gives each module a zeroed block of its declared size */
static void
test_state_blocks(void **state)
{
	struct conf_err e;
	struct conf *cf = conf_load_string("", 1, &e);
	struct hm_conn *c;
	struct hm_msg *m;
	size_t i;

	assert_non_null(cf);
	c = ctx_conn_new(cf);
	m = ctx_msg_new(c);
	for (i = 0; i < MOD_SLOTS; i++) {
		assert_true((c->mod[i] != NULL) ==
		    (hm_modules[i]->conn_size > 0));
		assert_true((m->mod[i] != NULL) ==
		    (hm_modules[i]->msg_size > 0));
	}
	assert_non_null(c->mod[MOD_SPF]);
	assert_non_null(m->mod[MOD_DKIMV]);
	ctx_conn_free(c); /* frees the message; ASan checks the rest */
	conf_release(cf);
}

static int helo_calls;

static int
failing_helo(struct hm_conn *c)
{
	helo_calls++;
	return HM_ERROR;
}

static int
good_helo(struct hm_conn *c)
{
	helo_calls++;
	return HM_OK;
}

/* a helo hook that fails: a log line naming the client, the module and
 * the hook; the other modules still run; later messages get an internal
 * error (on_internal_error at end of message), the first and the next */
static void
test_conn_hook_error(void **state)
{
	const struct hm_module bad = { .name = "badmod", .helo = failing_helo };
	const struct hm_module good = { .name = "goodmod", .helo = good_helo };
	const struct hm_module *const list[] = { &bad, &good, NULL };
	struct conf_err e;
	struct conf *cf = conf_load_string("", 1, &e);
	struct hm_conn *c;
	struct hm_msg *m;
	char *log;

	assert_non_null(cf);
	c = ctx_conn_new(cf);
	snprintf(c->addrstr, sizeof(c->addrstr), "192.0.2.7");
	m = ctx_msg_new(c);
	assert_int_equal(m->internal_error, 0);
	helo_calls = 0;
	log_capture();
	module_conn_hooks(list, c, 1);
	log = log_captured();
	assert_int_equal(helo_calls, 2);
	assert_non_null(strstr(log,
	    "client 192.0.2.7: badmod: internal "
	    "error in helo hook"));
	assert_null(strstr(log, "goodmod"));
	free(log);
	assert_int_equal(c->hook_error, 1);
	m = ctx_msg_new(c);
	assert_int_equal(m->internal_error, 1);
	m = ctx_msg_new(c);
	assert_int_equal(m->internal_error, 1);
	ctx_conn_free(c);
	conf_release(cf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_order),
		cmocka_unit_test(test_sort_follows_requires),
		cmocka_unit_test(test_sort_refuses_missing),
		cmocka_unit_test(test_sort_refuses_cycle),
		cmocka_unit_test(test_state_blocks),
		cmocka_unit_test(test_conn_hook_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
