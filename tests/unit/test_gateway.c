/*
 * test_gateway.c - the readers of the gateway's headers: strict A-R
 * parsing (passes taken, malformed values refused), the client address of
 * a Received header, and where the block of the hop before us ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cidr.h"
#include "gateway.h"

static void
test_ar_passes(void **state)
{
	struct gw_ar a;

	(void)state;
	assert_int_equal(
	    gw_ar_parse(
		"GW.Univ.example 1 (front end);\r\n\t"
		"spf=pass (sender allowed) smtp.mailfrom=Bob@Example.ORG;\r\n\t"
		"dkim=pass reason=\"good; sig\" header.d=example.org "
		"header.s=s1 header.b=abcd1234;\n\tdkim=fail header.d=evil.example;"
		"\n\tdkim=pass header.i=@Lists.example.NET header.d=lists.example.net;"
		" dmarc=pass header.from=example.org",
		&a),
	    0);
	assert_string_equal(a.authserv_id, "gw.univ.example");
	assert_true(a.spf_pass);
	assert_string_equal(a.mailfrom, "bob@example.org");
	assert_int_equal(a.ndkim, 2);
	assert_string_equal(a.dkim_d[0], "example.org");
	assert_string_equal(a.dkim_d[1], "lists.example.net");

	assert_int_equal(gw_ar_parse("gw.example; none", &a), 0);
	assert_false(a.spf_pass);
	assert_int_equal(a.ndkim, 0);
	assert_int_equal(
	    gw_ar_parse(
		"gw.example; spf=softfail "
		"smtp.mailfrom=a@b.example; dkim/1=pass header.d=x.example",
		&a),
	    0);
	assert_false(a.spf_pass);
	assert_int_equal(a.ndkim, 1);
	/* a pass inside a comment is a comment */
	assert_int_equal(
	    gw_ar_parse(
		"gw.example; spf=fail (spf=pass "
		"smtp.mailfrom=a@b.example) smtp.mailfrom=a@evil.example",
		&a),
	    0);
	assert_false(a.spf_pass);
}

static void
test_ar_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		";",
		"gw.example",
		"gw.example;",
		"gw.example; spf",
		"gw.example; spf=",
		"gw.example; spf=pass smtp.mailfrom",
		"gw.example; spf=pass (unterminated smtp.mailfrom=a@b",
		"gw.example; spf=pass mailfrom=a@b.example",
		"gw.example; spf=pass smtp.mailfrom=\"a@b",
		"gw.example; none x",
		"gw.example; dkim=pass header.d=x.example=y",
	};
	struct gw_ar a;
	char big[3000];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (gw_ar_parse(bad[i], &a) != -1)
			fail_msg("accepted: %s", bad[i]);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "gw; dkim=pass header.d=", 23);
	assert_int_equal(gw_ar_parse(big, &a), -1);
}

static void
test_received_ip(void **state)
{
	char ip[64];

	(void)state;
	assert_int_equal(
	    gw_received_ip(
		"from mail.sender.example "
		"(mail.sender.example [198.51.100.7])\r\n\tby gw.univ.example "
		"(Postfix) with ESMTPS id 4Abc; Wed, 2 Dec 2026 10:00:00 +0000",
		ip, sizeof(ip)),
	    0);
	assert_string_equal(ip, "198.51.100.7");
	assert_int_equal(gw_received_ip("from helo.example (unknown "
					"[IPv6:2001:db8::7]) by gw (Postfix)",
			     ip, sizeof(ip)),
	    0);
	assert_string_equal(ip, "2001:db8::7");
	/* the bracket must be in the from clause's own comment */
	assert_int_equal(gw_received_ip("from x.example (x) by y "
					"([192.0.2.1])",
			     ip, sizeof(ip)),
	    -1);
	assert_int_equal(gw_received_ip("by gw.example with LMTP; "
					"[192.0.2.1]",
			     ip, sizeof(ip)),
	    -1);
	assert_int_equal(gw_received_ip("from x (y [not.an;ip]) by z", ip,
			     sizeof(ip)),
	    -1);
	assert_int_equal(gw_received_ip("from x (y [192.0.2.1]", ip, 4), -1);
	assert_int_equal(gw_received_ip("from x (y []) by z", ip, sizeof(ip)),
	    -1);
}

static void
test_hop_end(void **state)
{
	struct hm_header h[] = {
		{ "Received", "from gw (gw [192.0.2.1]) by mx" },
		{ "Authentication-Results", "gw.example; none" },
		{ "received", "from s (s [198.51.100.7]) by gw" },
		{ "Authentication-Results", "gw.example; none" },
		{ "Received", "from t (t [203.0.113.1]) by s" },
	};

	(void)state;
	/* Sendmail shows its own Received first (it records the client) */
	assert_int_equal(gw_hop_end(h, 5, "192.0.2.1"), 2);
	assert_int_equal(gw_hop_end(h, 2, "192.0.2.1"), 2);
	/* Postfix does not: the first Received is the gateway's */
	assert_int_equal(gw_hop_end(h + 1, 4, "192.0.2.1"), 1);
	/* a first Received recording another address is not ours */
	assert_int_equal(gw_hop_end(h, 5, "192.0.2.9"), 0);
	assert_int_equal(gw_hop_end(h, 5, NULL), 0);
	/* ours only as the very first header */
	assert_int_equal(gw_hop_end(h + 1, 4, "198.51.100.7"), 1);
	assert_int_equal(gw_hop_end(h, 0, "192.0.2.1"), 0);
}

static void
test_origin(void **state)
{
	struct hm_header h[] = {
		{ "Authentication-Results", "gw.example; none" },
		{ "Received", "from gw1 (gw1 [192.0.2.5]) by gw2" },
		{ "X-Other", "x" },
		{ "Received",
		    "from Helo.Sender (s [IPv6:2001:db8::7]) by gw1" },
		{ "Received", "from t (t [203.0.113.1]) by s" },
		{ "Received", "garbage" },
	};
	struct cidr_set relays = { 0 };
	const char *why;
	char ip[64], helo[64];

	(void)state;
	assert_int_equal(cidr_set_add(&relays, "192.0.2.0/28", &why), 0);
	assert_int_equal(gw_origin(h, 6, 0, &relays, ip, sizeof(ip), helo,
			     sizeof(helo)),
	    0);
	assert_string_equal(ip, "2001:db8::7");
	assert_string_equal(helo, "Helo.Sender");
	assert_int_equal(gw_origin(h, 6, 4, &relays, ip, sizeof(ip), helo,
			     sizeof(helo)),
	    0);
	assert_string_equal(ip, "203.0.113.1");
	/* every hop trusted, or an unreadable one on the way: none */
	assert_int_equal(gw_origin(h, 3, 0, &relays, ip, sizeof(ip), helo,
			     sizeof(helo)),
	    -1);
	assert_int_equal(gw_origin(h, 6, 5, &relays, ip, sizeof(ip), helo,
			     sizeof(helo)),
	    -1);
	cidr_set_free(&relays);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ar_passes),
		cmocka_unit_test(test_ar_malformed),
		cmocka_unit_test(test_received_ip),
		cmocka_unit_test(test_hop_end),
		cmocka_unit_test(test_origin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
