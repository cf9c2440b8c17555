/*
 * test_rsupp.c - the pure parts of report suppression: the static list
 * (addrpat patterns), address checks, the VERP bounce address both ways
 * (and foreign addresses refused), and the failed recipients of DSNs: a
 * Postfix bounce (RFC 3464 with Final-Recipient and Original-Recipient),
 * a delay notice (not failed), several recipients of which one failed,
 * CRLF line ends, and text that is no DSN.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rsupp.h"

static const char postfix_dsn[] =
    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"B\"\n\n--B\nContent-Type: text/plain\n\n"
    "I'm sorry to have to inform you...\n\n"
    "--B\nContent-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; mx.example.net\nArrival-Date: x\n\n"
    "Final-Recipient: rfc822; DMARC@Gone.example\n"
    "Original-Recipient: rfc822;dmarc@gone.example\n"
    "Action: failed\nStatus: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 no such user\n\n"
    "--B\nContent-Type: message/rfc822\n\nFrom: x\n\n--B--\n";

static const char delayed_dsn[] =
    "Content-Type: message/delivery-status\r\n\r\n"
    "Reporting-MTA: dns; mx.example.net\r\n\r\n"
    "Final-Recipient: rfc822; slow@later.example\r\n"
    "Action: delayed\r\nStatus: 4.4.1\r\n\r\n"
    "Final-Recipient: rfc822; <bad@h.example>\r\n"
    "Action: failed\r\nStatus: 5.0.0\r\n";

static void
test_static(void **state)
{
	char *list[] = { "spam.example", "*.trap.example", "a@b.example",
		NULL };

	(void)state;
	assert_string_equal(rsupp_static(list, "dmarc@spam.example"),
	    "spam.example");
	assert_string_equal(rsupp_static(list, "x@deep.trap.example"),
	    "*.trap.example");
	assert_string_equal(rsupp_static(list, "A@B.example"), "a@b.example");
	assert_null(rsupp_static(list, "c@b.example"));
	assert_null(rsupp_static(NULL, "c@b.example"));
}

static void
test_valid(void **state)
{
	(void)state;
	assert_true(rsupp_valid("a@b.example"));
	assert_true(rsupp_valid("@b.example"));
	assert_false(rsupp_valid("b.example"));
	assert_false(rsupp_valid("a@b"));
	assert_false(rsupp_valid("a b@c.example"));
	assert_false(rsupp_valid("a@b@c.example"));
}

static void
test_verp(void **state)
{
	char out[RSUPP_ADDR_MAX + 64];

	(void)state;
	assert_int_equal(rsupp_verp_encode("dmarc-bounce@mx.example.net",
			     "dmarc@ext.example", out, sizeof(out)),
	    0);
	assert_string_equal(out,
	    "dmarc-bounce+dmarc=ext.example@mx.example.net");
	assert_int_equal(rsupp_verp_decode("dmarc-bounce@mx.example.net",
			     "DMARC-bounce+Dmarc=Ext.example@mx.example.net",
			     "+", out, sizeof(out)),
	    0);
	assert_string_equal(out, "dmarc@ext.example");
	assert_int_equal(rsupp_verp_decode("dmarc-bounce@mx.example.net",
			     "dmarc-bounce-a=b.example@mx.example.net", "+-",
			     out, sizeof(out)),
	    0);
	assert_string_equal(out, "a@b.example");
	assert_int_equal(rsupp_verp_decode("dmarc-bounce@mx.example.net",
			     "dmarc-bounce+a=b.example@other.example", "+", out,
			     sizeof(out)),
	    -1);
	assert_int_equal(rsupp_verp_decode("dmarc-bounce@mx.example.net",
			     "postmaster+a=b.example@mx.example.net", "+", out,
			     sizeof(out)),
	    -1);
	assert_int_equal(rsupp_verp_decode("dmarc-bounce@mx.example.net",
			     "dmarc-bounce+nodomain@mx.example.net", "+", out,
			     sizeof(out)),
	    -1);
	assert_int_equal(rsupp_verp_decode("dmarc-bounce@mx.example.net",
			     "dmarc-bounce@mx.example.net", "+", out,
			     sizeof(out)),
	    -1);
}

static void
test_dsn(void **state)
{
	char out[4][RSUPP_ADDR_MAX + 1];

	(void)state;
	assert_int_equal(rsupp_dsn_failed(postfix_dsn, strlen(postfix_dsn), out,
			     4),
	    1);
	assert_string_equal(out[0], "dmarc@gone.example");
	assert_int_equal(rsupp_dsn_failed(delayed_dsn, strlen(delayed_dsn), out,
			     4),
	    1);
	assert_string_equal(out[0], "bad@h.example");
	assert_int_equal(rsupp_dsn_failed("hello\n\nworld\n", 13, out, 4), 0);
	assert_int_equal(rsupp_dsn_failed(postfix_dsn, strlen(postfix_dsn), out,
			     0),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_verp),
		cmocka_unit_test(test_dsn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
