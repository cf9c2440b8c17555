/*
 * test_roles.c - site roles and skip lists: envelope address patterns
 * (addrpat.c: syntax and matching, as the signing table writes them), the
 * skip decision (ctx_msg_decide: skip_networks, skip_senders, and
 * skip_recipients only when every recipient matches) and which modules
 * run on a message (module_applies: mode sign never verifies, mode verify
 * never signs, a skipped message runs nothing, outbound mail is not
 * verified).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "addrpat.h"
#include "conf.h"
#include "conf_table.h"
#include "ctx.h"
#include "module.h"
#include "str.h"

static void
test_pattern_syntax(void **state)
{
	static const char *const good[] = { "user@example.org", "example.org",
		"*.example.org", "a.b-c_d.example", NULL };
	static const char *const bad[] = { "", "*", "*.", "@example.org",
		"a@*.example.org", "exa mple.org", "example..org", "a@",
		"*example.org", "user@", ".example.org", NULL };
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; good[i] != NULL; i++)
		assert_int_equal(addrpat_check(good[i], err, sizeof(err)), 0);
	for (i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		if (addrpat_check(bad[i], err, sizeof(err)) != -1)
			fail_msg("pattern \"%s\" accepted", bad[i]);
		assert_non_null(strstr(err, "address pattern"));
	}
}

static void
test_pattern_match(void **state)
{
	char *list[] = { "a@example.org", "*.sub.example", NULL };

	(void)state;
	assert_true(addrpat_match("a@example.org", "A@Example.ORG"));
	assert_false(addrpat_match("a@example.org", "b@example.org"));
	assert_true(addrpat_match("example.org", "x@example.org"));
	assert_true(addrpat_match("example.org", "x@EXAMPLE.org."));
	assert_false(addrpat_match("example.org", "x@a.example.org"));
	assert_false(addrpat_match("example.org", "x@badexample.org"));
	assert_true(addrpat_match("*.example.org", "x@a.example.org"));
	assert_true(addrpat_match("*.example.org", "x@b.a.example.org"));
	assert_false(addrpat_match("*.example.org", "x@example.org"));
	assert_false(addrpat_match("*.example.org", "x@aexample.org"));
	assert_false(addrpat_match("example.org", "")); /* null path */
	assert_false(addrpat_match("example.org", "postmaster"));
	assert_string_equal(addrpat_list_match(list, "q@x.sub.example"),
	    "*.sub.example");
	assert_null(addrpat_list_match(list, "q@sub.example"));
	assert_null(addrpat_list_match(NULL, "a@example.org"));
}

/* conf_of - a configuration from text */
static struct conf *
conf_of(const char *text)
{
	struct conf_err e;
	struct conf *c = conf_load_string(text, 1, &e);

	if (c == NULL)
		fail_msg("conf: line %d: %s", e.line, e.msg);
	return c;
}

/* msg_of - a message on a new connection: sender, recipients */
static struct hm_msg *
msg_of(struct conf *cf, int skip_net, const char *from, const char *rcpt1,
    const char *rcpt2)
{
	struct hm_conn *c = ctx_conn_new(cf);
	struct hm_msg *m = ctx_msg_new(c);

	c->skip_net = skip_net;
	m->envfrom = xstrdup(from);
	if (rcpt1 != NULL)
		ctx_msg_rcpt(m, rcpt1);
	if (rcpt2 != NULL)
		ctx_msg_rcpt(m, rcpt2);
	return m;
}

static void
test_skip_decision(void **state)
{
	struct conf *cf = conf_of(
	    "skip_senders = [\"*.list.example\"];\n"
	    "skip_recipients = [\"quiet@example.net\", \"archive.example\"];");
	struct hm_msg *m;

	(void)state;
	m = msg_of(cf, 1, "a@example.org", "b@example.net", NULL);
	assert_string_equal(ctx_msg_decide(m), "skip_networks");
	ctx_conn_free(m->conn);
	m = msg_of(cf, 0, "bounce@news.list.example", "b@example.net", NULL);
	assert_string_equal(ctx_msg_decide(m),
	    "skip_senders \"*.list.example\"");
	ctx_conn_free(m->conn);
	m = msg_of(cf, 0, "a@example.org", "quiet@example.net",
	    "x@archive.example");
	assert_string_equal(ctx_msg_decide(m), "skip_recipients");
	assert_int_equal(m->nrcpt, 2);
	ctx_conn_free(m->conn);
	/* one recipient outside the list: checked */
	m = msg_of(cf, 0, "a@example.org", "quiet@example.net",
	    "b@example.net");
	assert_null(ctx_msg_decide(m));
	ctx_conn_free(m->conn);
	/* no recipient at all (never from an MTA): not skipped */
	m = msg_of(cf, 0, "a@example.org", NULL, NULL);
	assert_null(ctx_msg_decide(m));
	ctx_conn_free(m->conn);
	m = msg_of(cf, 0, "", "b@example.net", NULL); /* null path */
	assert_null(ctx_msg_decide(m));
	ctx_conn_free(m->conn);
	conf_release(cf);
}

/* runs - module_applies for the module of slot s on m */
static int
runs(const struct hm_msg *m, enum hm_mod_slot s)
{
	return module_applies(hm_modules[s], m);
}

/* applies - the modules that run: spf, dkimv, dmarc, dkim-sign as bits */
static unsigned
applies(const char *conftext, int internal, int skip_net)
{
	struct conf *cf = conf_of(conftext);
	struct hm_msg *m = msg_of(cf, skip_net, "a@example.org",
	    "b@example.net", NULL);
	unsigned r;

	m->conn->internal = internal;
	(void)ctx_msg_decide(m);
	r = (unsigned)runs(m, MOD_SPF) | (unsigned)runs(m, MOD_DKIMV) << 1 |
	    (unsigned)runs(m, MOD_DMARC) << 2 |
	    (unsigned)runs(m, MOD_DKIMS) << 3;
	assert_int_equal(ctx_msg_verify(m), (r & 7) == 7);
	ctx_conn_free(m->conn);
	conf_release(cf);
	return r;
}

static void
test_modules_by_role(void **state)
{
	(void)state;
	assert_int_equal(applies("", 0, 0), 0xf); /* inbound: all */
	assert_int_equal(applies("", 1, 0), 0x8); /* outbound: sign */
	assert_int_equal(applies("authres_outbound = true;", 1, 0), 0xf);
	assert_int_equal(applies("mode = \"sign\";", 0, 0), 0x8);
	assert_int_equal(applies("mode = \"sign\"; authres_outbound = true;", 1,
			     0),
	    0x8);
	assert_int_equal(applies("mode = \"verify\";", 0, 0), 0x7);
	assert_int_equal(applies("mode = \"verify\";", 1, 0), 0x0);
	assert_int_equal(applies("", 0, 1), 0x0); /* skipped */
	assert_int_equal(applies("", 1, 1), 0x0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern_syntax),
		cmocka_unit_test(test_pattern_match),
		cmocka_unit_test(test_skip_decision),
		cmocka_unit_test(test_modules_by_role),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
