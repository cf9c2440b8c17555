/*
 * test_rmail.c - the report mail: RFC 9990 Subject with Report Domain,
 * Submitter and Report-ID, Auto-Submitted, From with the display name,
 * Date in UTC, MIME multipart with the text part and the application/gzip
 * attachment under the report's file name, base64 lines of 76 that decode
 * to the exact bytes given, the part number in the text of a split
 * report, and values with line breaks refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "b64.h"
#include "rmail.h"

static unsigned char gz[3000];
static const char *to[2] = { "dmarc@ext.example", "b@h.example" };

/* base - a valid mail description */
static struct rmail
base(void)
{
	struct rmail m = { .from = "dmarc-reports@mx.example.net",
		.from_name = "Example Net",
		.to = to,
		.nto = 2,
		.policy_domain = "example.org",
		.receiver = "mx.example.net",
		.report_id = "example.org!1764633600!1764719999!mx.example.net",
		.filename = "mx.example.net!example.org!1764633600!"
			    "1764719999.xml.gz",
		.begin = 1764633600,
		.end = 1764719999,
		.part = 1,
		.nparts = 1,
		.gz = gz,
		.gzlen = sizeof(gz),
		.date = 1764720000 + 3600,
		.message_id = "r.1@mx.example.net" };

	return m;
}

/* attachment - the base64 body of the attachment, decoded */
static void
check_attachment(const char *msg)
{
	const char *p = strstr(msg, "Content-Transfer-Encoding: base64\n");
	const char *b, *e, *l;
	unsigned char *out;
	size_t n;

	assert_non_null(p);
	b = strstr(p, "\n\n");
	assert_non_null(b);
	b += 2;
	e = strstr(b, "\n\n--=_");
	assert_non_null(e);
	for (l = b; l < e; l = strchr(l, '\n') + 1)
		assert_true(strchr(l, '\n') - l <= 76);
	assert_int_equal(b64_decode(b, (size_t)(e - b), &out, &n), 0);
	assert_int_equal(n, sizeof(gz));
	assert_memory_equal(out, gz, n);
	free(out);
}

static void
test_compose(void **state)
{
	struct rmail m = base();
	struct str s;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(gz); i++)
		gz[i] = (unsigned char)(i * 7 + (i >> 3));
	str_init(&s);
	assert_int_equal(rmail_compose(&m, &s, err, sizeof(err)), 0);
	assert_non_null(strstr(s.s,
	    "From: \"Example Net\" "
	    "<dmarc-reports@mx.example.net>\n"));
	assert_non_null(strstr(s.s,
	    "To: <dmarc@ext.example>,\n  "
	    "<b@h.example>\n"));
	assert_non_null(strstr(s.s,
	    "Subject: Report Domain: example.org\n"
	    "  Submitter: mx.example.net\n  Report-ID: "
	    "<example.org!1764633600!1764719999!mx.example.net>\n"));
	assert_non_null(strstr(s.s, "Date: Wed, 03 Dec 2025 01:00:00 +0000\n"));
	assert_non_null(strstr(s.s, "\nMessage-ID: <r.1@mx.example.net>\n"));
	assert_non_null(strstr(s.s, "\nAuto-Submitted: auto-generated\n"));
	assert_non_null(strstr(s.s, "\nMIME-Version: 1.0\n"));
	assert_non_null(strstr(s.s,
	    "Content-Type: application/gzip;\n  "
	    "name=\"mx.example.net!example.org!1764633600!"
	    "1764719999.xml.gz\""));
	assert_non_null(strstr(s.s, "filename=\"mx.example.net!example.org!"));
	assert_null(strstr(s.s, "part 1 of"));
	assert_non_null(strstr(s.s,
	    "Content-Type: text/plain; "
	    "charset=us-ascii\n"));
	assert_null(strchr(s.s, '\r'));
	check_attachment(s.s);
	str_free(&s);
}

static void
test_parts(void **state)
{
	struct rmail m = base();
	struct str s;
	char err[128];

	(void)state;
	m.part = 2;
	m.nparts = 3;
	m.from_name = NULL;
	m.nto = 1;
	str_init(&s);
	assert_int_equal(rmail_compose(&m, &s, err, sizeof(err)), 0);
	assert_non_null(strstr(s.s, "It is part 2 of 3."));
	assert_non_null(strstr(s.s, "From: <dmarc-reports@mx.example.net>\n"));
	assert_non_null(strstr(s.s, "To: <dmarc@ext.example>\n"));
	str_free(&s);
}

static void
test_refused(void **state)
{
	struct rmail m;
	struct str s;
	char err[128];
	const char *bad[1] = { "a@b.example\nBcc: x@y" };

	(void)state;
	str_init(&s);
	m = base();
	m.policy_domain = "example.org\r\nBcc: x@y.example";
	assert_int_equal(rmail_compose(&m, &s, err, sizeof(err)), -1);
	m = base();
	m.to = bad;
	m.nto = 1;
	assert_int_equal(rmail_compose(&m, &s, err, sizeof(err)), -1);
	m = base();
	m.nto = 0;
	assert_int_equal(rmail_compose(&m, &s, err, sizeof(err)), -1);
	m = base();
	m.from_name = "A \"quoted\" name";
	assert_int_equal(rmail_compose(&m, &s, err, sizeof(err)), -1);
	assert_int_equal(s.len, 0);
	str_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compose),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
