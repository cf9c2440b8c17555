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
#include <unistd.h>
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

/* refused - text fails to load at line, and the message has want */
static void
refused(const char *text, int line, const char *want)
{
	struct conf_err e;
	struct conf *c = load(text, &e);

	if (c != NULL) {
		conf_release(c);
		fail_msg("accepted: %s", text);
	}
	if (e.line != line || strstr(e.msg, want) == NULL)
		fail_msg("%s\n  got line %d: %s\n  wanted line %d: ...%s...",
		    text, e.line, e.msg, line, want);
}

/* every value start-up would fail on (or run wrongly with) is refused at
 * load, so by hallmarkd -n, with its line, path and value */
static void
test_start_failures_refused(void **state)
{
	refused("socket = \"tcp:8891@127.0.0.1\";\n", 1,
	    "socket: \"tcp:8891@127.0.0.1\": not a milter socket");
	refused("\nsocket = \"inet:99999@127.0.0.1\";\n", 2,
	    "socket: \"inet:99999@127.0.0.1\": the port is not a number "
	    "from 1 to 65535");
	refused("socket = \"unix:\";\n", 1, "empty unix socket path");
	refused("socket = \"unix:/nonexistent-dir/milter\";\n", 1,
	    "directory /nonexistent-dir");
	refused("user = \"hm-no-such-user-4711\";\n", 1,
	    "user: \"hm-no-such-user-4711\": no such user");
	refused("dns = {\n forwarders = [\"127.0.0.1\",\n \"127.0.0.1@99999\"];"
		"\n};\n",
	    3, "dns.forwarders.[1]: \"127.0.0.1@99999\"");
	refused("dns = { forwarders = [\"dns.example.net\"]; };\n", 1,
	    "host name");
	refused("dns = { trust_anchor_file = \"/nonexistent/root.key\"; };\n",
	    1,
	    "dns.trust_anchor_file: \"/nonexistent/root.key\": cannot "
	    "read");
	refused("pidfile = \"/nonexistent-dir/hallmarkd.pid\";\n", 1,
	    "pidfile: \"/nonexistent-dir/hallmarkd.pid\": directory");
	refused("pidfile = \"hallmarkd.pid\";\n", 1, "absolute");
	refused("\nsocket_mode = \"0668\";\n", 2,
	    "socket_mode: \"0668\": not a mode");
	refused("socket_group = \"hm-no-such-group-4711\";\n", 1,
	    "socket_group: \"hm-no-such-group-4711\": no such group");
	refused("log = {\n facility = \"mial\";\n};\n", 2,
	    "log.facility: \"mial\": unknown syslog facility");
	refused("authserv_id = \"mx univ;example\";\n", 1,
	    "authserv_id: \"mx univ;example\": not an RFC 8601 authserv-id");
	refused("internal_networks = [\"127.0.0.1\", \"10.0.0.1/8\"];\n", 1,
	    "internal_networks.[1]: \"10.0.0.1/8\": host bits set after /8: "
	    "the network is 10.0.0.0/8");
}

/* a trust anchor file libunbound cannot parse fails start-up ("resolver
 * set-up: initialization failure"): the check-only load refuses it */
static void
test_trust_anchor_unparsable(void **state)
{
	char path[] = "/tmp/hm-ta.XXXXXX", text[300];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "garbage here\n", 13), 13);
	close(fd);
	snprintf(text, sizeof(text),
	    "dns = {\n trust_anchor_file = \"%s\";\n};"
	    "\n",
	    path);
	refused(text, 2, "dns.trust_anchor_file: \"/tmp/hm-ta.");
	refused(text, 2, "libunbound cannot load it as a trust anchor");
	unlink(path);
}

/* values that would fail at message time, silently */
static void
test_message_time_values(void **state)
{
	refused("spf = {\n default_explanation = \"%{z} is bad\";\n};\n", 2,
	    "spf.default_explanation: \"%{z} is bad\": not an SPF "
	    "explain-string");
	refused("spf = { default_explanation = \"100%\"; };\n", 1,
	    "explain-string");
	refused("dmarc = { quarantine_header = \"X-Quarantine:\"; };\n", 1,
	    "dmarc.quarantine_header: \"X-Quarantine:\": not a header field "
	    "name");
}

/* errors inside groups name the group path */
static void
test_group_paths(void **state)
{
	refused("dmarc = {\n on_rejct = \"reject\";\n};\n", 2,
	    "dmarc.on_rejct: unknown option");
	refused("dmarc = { on_reject = \"rejct\"; };\n", 1,
	    "dmarc.on_reject: \"rejct\": expected");
	refused("dns = { query_timeout_ms = 1; };\n", 1,
	    "dns.query_timeout_ms: 1 is out of range");
	refused("dmarc = { monitor_domains = [\"ok.example\", "
		"\"*univ.example\"]; };\n",
	    1,
	    "dmarc.monitor_domains.[1]: \"*univ.example\": not a domain "
	    "pattern");
	refused("dmarc = { vendors = ( { name = \"v\"; networks = "
		"[\"192.0.2.0/24\"];\n domains = [\"bad domain\"]; } ); };\n",
	    2,
	    "dmarc.vendors.[0].domains.[0]: vendor \"v\": \"bad domain\": "
	    "not a domain pattern");
	refused("dmarc = { vendors = ( { name = \"v\"; networks = "
		"[\"192.0.2.1/24\"]; domains = [\"x.example\"]; } ); };\n",
	    1,
	    "dmarc.vendors.[0].networks.[0]: vendor \"v\": \"192.0.2.1/24\": "
	    "host bits");
	refused("dkim_sign = {\n keys = ( { name = \"a\"; domain = "
		"\"example.org\"; selector = \"s\"; key_file = \"/k\"; },\n"
		" { name = \"b\"; domain = \"example.org\";\n"
		" selector = \"bad sel\"; key_file = \"/k\"; } );\n};\n",
	    4, "dkim_sign.keys.[1].selector: \"bad sel\": not a selector");
	refused("dkim_sign = { keys = (\n { name = \"k\"; domain = "
		"\"example.org\"; selector = \"s\"; key_file = "
		"\"/nonexistent/k.pem\"; } );\n signing_table = ( { pattern = "
		"\"example.org\"; keys = [\"k\"]; } ); };\n",
	    2, "dkim_sign.keys.[0]: key file /nonexistent/k.pem: cannot open");
	refused("dkim_sign = { signing_table = (\n { pattern = "
		"\"*univ.example\"; keys = [\"k\"]; } ); };\n",
	    2,
	    "dkim_sign.signing_table.[0].pattern: \"*univ.example\": can "
	    "never match");
}

/* sign_headers: From is required (RFC 6376 5.4); the default has it and
 * both List-Unsubscribe fields (RFC 8058 4) */
static void
test_sign_headers(void **state)
{
	struct conf_err e;
	struct conf *c;
	int from = 0, lu = 0, lup = 0;
	char **h;

	refused("dkim_sign = {\n sign_headers = [\"subject\", \"to\"];\n};\n",
	    2, "dkim_sign.sign_headers: must contain \"from\"");
	refused("dkim_sign = { sign_headers = [\"from\", \"to:\"]; };\n", 1,
	    "dkim_sign.sign_headers.[1]: \"to:\": not a header field name");
	c = load("dkim_sign = { sign_headers = [\"From\", \"to\"]; };\n", &e);
	assert_non_null(c);
	conf_release(c);
	c = load("", &e);
	assert_non_null(c);
	for (h = c->dkim_sign.sign_headers; *h != NULL; h++) {
		from += strcmp(*h, "from") == 0;
		lu += strcmp(*h, "list-unsubscribe") == 0;
		lup += strcmp(*h, "list-unsubscribe-post") == 0;
	}
	assert_int_equal(from + lu + lup, 3);
	conf_release(c);
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

/* find_setting - the line that sets NAME ("# NAME =" or "NAME =" at the
 * start of a line, after indentation), or NULL */
static const char *
find_setting(const char *text, const char *name)
{
	const char *line = text;
	size_t n = strlen(name);

	while (line != NULL && *line != '\0') {
		const char *p = line;

		while (*p == ' ' || *p == '\t' || *p == '#')
			p++;
		if (strncmp(p, name, n) == 0 && strncmp(p + n, " =", 2) == 0)
			return p;
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return NULL;
}

/* find_dotted - "a.b.c": find a's setting, then b after it, then c */
static const char *
find_dotted(const char *text, const char *dotted)
{
	char comp[128];
	const char *p = text, *dot;

	while ((dot = strchr(dotted, '.')) != NULL) {
		snprintf(comp, sizeof(comp), "%.*s", (int)(dot - dotted),
		    dotted);
		p = find_setting(p, comp);
		if (p == NULL)
			return NULL;
		dotted = dot + 1;
	}
	return find_setting(p, dotted);
}

/* check_one - the option is documented, with its default */
static void
check_one(const char *dotted, const struct conf_opt *o, void *arg)
{
	struct doc_check *dc = arg;
	char line[512];
	const char *p;

	p = find_dotted(dc->text, dotted);
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
		cmocka_unit_test(test_start_failures_refused),
		cmocka_unit_test(test_trust_anchor_unparsable),
		cmocka_unit_test(test_group_paths),
		cmocka_unit_test(test_message_time_values),
		cmocka_unit_test(test_sign_headers),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_sample_documents_all),
		cmocka_unit_test(test_sample_loads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
