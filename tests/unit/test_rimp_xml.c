/*
 * test_rimp_xml.c - report/rimp_xml.c: DMARC aggregate reports as real
 * reporters shape them (tests/rimport/: Google-like RFC 7489, RFC 9990
 * with a default and with a prefixed namespace, Microsoft-like with
 * extension elements, the RFC 9990 sample) read into rows, and every
 * kind of bad report refused whole with a message naming the element:
 * invalid XML, entity expansion (billion laughs), an external entity
 * pointing at a local file, dates, counts at and over 2^31, addresses,
 * enumerations, missing elements, one bad record among good ones.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rimp.h"
#include "str.h"

#define NOW 1796100000 /* 2026-12-01T04:40Z, after every sample */

static const char *
srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s != NULL ? s : ".";
}

/* slurp - a sample file of tests/rimport */
static char *
slurp(const char *name, size_t *len)
{
	char path[512];
	struct str b;
	char buf[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/rimport/%s", srcdir(), name);
	f = fopen(path, "rb");
	assert_non_null(f);
	str_init(&b);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		str_addn(&b, buf, n);
	fclose(f);
	*len = b.len;
	return str_steal(&b);
}

static void
parse_ok(const char *name, struct rimp_report *r)
{
	char err[256] = "", *x;
	size_t len;

	x = slurp(name, &len);
	if (rimp_xml_parse(x, len, NOW, r, err, sizeof(err)) != 0)
		fail_msg("%s: %s", name, err);
	free(x);
}

static void
test_google_7489(void **state)
{
	struct rimp_report r;
	char *who;

	(void)state;
	parse_ok("google-rfc7489.xml", &r);
	assert_int_equal(r.format, RIMP_RFC7489);
	assert_string_equal(r.org_name, "google.com");
	assert_string_equal(r.report_id, "16154736208419127330");
	assert_int_equal(r.begin, 1795996800);
	assert_int_equal(r.end, 1796083199);
	assert_string_equal(r.policy.domain, "univ.example");
	assert_int_equal(r.policy.p, RR_POL_NONE);
	assert_int_equal(r.policy.np, RR_POL_UNSET);
	assert_int_equal(r.pct, 100);
	assert_int_equal(r.nrows, 2);
	assert_string_equal(r.rows[0].source_ip, "192.0.2.10");
	assert_int_equal(r.rows[0].count, 12);
	assert_int_equal(r.rows[0].ndkim, 1);
	assert_string_equal(r.rows[0].dkim[0].selector, "s2026");
	assert_int_equal(r.rows[0].dkim[0].result, RES_DKIM_PASS);
	assert_string_equal(r.rows[0].envelope_from, "");
	/* address canonical, domain lowercased */
	assert_string_equal(r.rows[1].source_ip, "2001:db8::25");
	assert_string_equal(r.rows[1].header_from, "univ.example");
	/* RFC 7489 reasons mapped, the original kept in the comment */
	assert_int_equal(r.rows[1].nreason, 2);
	assert_int_equal(r.rows[1].reason[0].type, RR_REASON_TRUSTED_FORWARDER);
	assert_string_equal(r.rows[1].reason[0].comment,
	    "forwarded: looks forwarded");
	assert_int_equal(r.rows[1].reason[1].type, RR_REASON_POLICY_TEST_MODE);
	assert_string_equal(r.rows[1].reason[1].comment, "sampled_out");
	/* the mfrom SPF result is kept, the helo one is not */
	assert_true(r.rows[1].has_spf);
	assert_string_equal(r.rows[1].spf_domain, "lists.example");
	assert_int_equal(r.rows[1].spf_result, RES_SPF_SOFTFAIL);
	who = rimp_reporter(&r);
	assert_string_equal(who, "google.com");
	free(who);
	rimp_report_free(&r);
}

static void
check_9990(struct rimp_report *r)
{
	assert_int_equal(r->format, RIMP_RFC9990);
	assert_string_equal(r->org_name, "Example Receiver");
	assert_int_equal(r->policy.p, RR_POL_QUARANTINE);
	assert_int_equal(r->policy.sp, RR_POL_REJECT);
	assert_int_equal(r->policy.np, RR_POL_REJECT);
	assert_int_equal(r->policy.adkim, 's');
	assert_int_equal(r->policy.aspf, 'r');
	assert_int_equal(r->policy.testing, 1);
	assert_int_equal(r->policy.discovery, RR_DISC_PSL);
	assert_int_equal(r->nrows, 1);
	assert_string_equal(r->rows[0].envelope_to, "receiver.example");
	assert_string_equal(r->rows[0].envelope_from, "bounce.vendor.example");
	assert_int_equal(r->rows[0].disposition, RR_DISP_QUARANTINE);
	assert_int_equal(r->rows[0].reason[0].type, RR_REASON_POLICY_TEST_MODE);
	assert_string_equal(r->rows[0].reason[0].comment, "t=y");
	assert_int_equal(r->rows[0].ndkim, 2);
	assert_int_equal(r->rows[0].dkim[1].result, RES_DKIM_PERMERROR);
	assert_int_equal(r->rows[0].count, 40);
}

static void
test_9990_namespace(void **state)
{
	struct rimp_report r;

	(void)state;
	parse_ok("rfc9990-namespace.xml", &r);
	check_9990(&r);
	rimp_report_free(&r);
	parse_ok("rfc9990-prefixed.xml", &r);
	check_9990(&r);
	rimp_report_free(&r);
}

static void
test_microsoft_like(void **state)
{
	struct rimp_report r;

	(void)state;
	parse_ok("microsoft-like.xml", &r);
	assert_int_equal(r.format, RIMP_RFC7489);
	assert_string_equal(r.policy.fo, "1");
	assert_int_equal(r.nrows, 1);
	assert_int_equal(r.rows[0].disposition, RR_DISP_REJECT);
	assert_int_equal(r.rows[0].ndkim, 0);
	assert_string_equal(r.rows[0].envelope_to, "contoso.example");
	rimp_report_free(&r);
}

static void
test_shared_sample(void **state)
{
	struct rimp_report r;
	char *who;

	(void)state;
	parse_ok("rfc9990-sample-report.xml", &r);
	assert_int_equal(r.format, RIMP_RFC9990);
	assert_int_equal(r.rows[0].disposition, RR_DISP_PASS);
	assert_int_equal(r.rows[0].count, 123);
	assert_true(r.rows[0].dkim_pass);
	assert_false(r.rows[0].spf_pass);
	assert_int_equal(r.policy.np, RR_POL_NONE);
	who = rimp_reporter(&r);
	assert_string_equal(who, "example-reporter.com");
	free(who);
	rimp_report_free(&r);
}

/* ---- refusals ------------------------------------------------------ */

/* a report built from pieces, one of them replaced by a bad one */
#define HEAD \
	"<feedback><report_metadata><org_name>o</org_name>" \
	"<email>r@rep.example</email><report_id>id1</report_id>"
#define DATES \
	"<date_range><begin>1795996800</begin>" \
	"<end>1796083199</end></date_range>"
#define POLICY \
	"</report_metadata><policy_published>" \
	"<domain>univ.example</domain><p>none</p></policy_published>"
#define REC(ip, count, disp) \
	"<record><row><source_ip>" ip "</source_ip>" \
	"<count>" count "</count><policy_evaluated><disposition>" disp \
	"</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated>" \
	"</row><identifiers><header_from>univ.example</header_from>" \
	"</identifiers><auth_results/></record>"
#define GOOD REC("192.0.2.1", "1", "none")
#define TAIL "</feedback>"

/* refused - doc is refused with a message containing want */
static void
refused(const char *doc, const char *want)
{
	struct rimp_report r;
	char err[256] = "";

	if (rimp_xml_parse(doc, strlen(doc), NOW, &r, err, sizeof(err)) == 0)
		fail_msg("accepted, expected \"%s\"", want);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	assert_int_equal(r.nrows, 0);
	assert_null(r.rows);
	assert_null(r.org_name);
}

static void
test_good_pieces(void **state)
{
	static const char doc[] = HEAD DATES POLICY GOOD GOOD TAIL;
	struct rimp_report r;
	char err[256];

	(void)state;
	assert_int_equal(rimp_xml_parse(doc, strlen(doc), NOW, &r, err,
			     sizeof(err)),
	    0);
	assert_int_equal(r.nrows, 2);
	rimp_report_free(&r);
}

static void
test_invalid_xml(void **state)
{
	(void)state;
	refused(HEAD DATES POLICY GOOD, "invalid XML (line 1)");
	refused("", "invalid XML");
	refused("<feedback><a></b></feedback>", "invalid XML");
	refused("<report/>", "root element is <report>");
	refused("<feedback xmlns=\"urn:other\"/>", "unknown namespace");
	refused("<feedback/>", "report_metadata: missing");
}

static void
test_entities(void **state)
{
	static const char laughs[] =
	    "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
	    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
	    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
	    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
	    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
	    "]>\n" HEAD DATES "</report_metadata><policy_published><domain>"
	    "&lol9;</domain><p>none</p></policy_published>" GOOD TAIL;
	static const char xxe[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE feedback [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
	    "<feedback><report_metadata><org_name>&x;</org_name>"
	    "<email>r@rep.example</email><report_id>id1</report_id>" DATES
		POLICY GOOD TAIL;
	/* an undeclared entity reference is not well-formed */
	static const char undeclared[] = HEAD DATES
	    "</report_metadata><policy_published><domain>&x;</domain><p>none"
	    "</p></policy_published>" GOOD TAIL;

	struct rimp_report r;
	char err[256], *u16;
	size_t i, n = strlen(xxe);

	(void)state;
	/* the same in UTF-16 (BOM) or declared UTF-7: never parsed as such */
	u16 = xcalloc(2, n + 1);
	u16[0] = (char)0xff;
	u16[1] = (char)0xfe;
	for (i = 0; i < n; i++)
		u16[2 + 2 * i] = xxe[i];
	assert_int_equal(rimp_xml_parse(u16, 2 * n + 2, NOW, &r, err,
			     sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "NUL byte"));
	free(u16);
	refused("<?xml version=\"1.0\" encoding=\"UTF-7\"?>+ADw-!DOCTYPE "
		"feedback +AFs-+ADw-!ENTITY x SYSTEM +ACI-file:///etc/passwd"
		"+ACI-+AD4-+AF0-+AD4-" HEAD DATES POLICY GOOD TAIL,
	    "invalid XML");
	refused(laughs, "DTD (<!DOCTYPE) in a report: refused");
	refused(xxe, "DTD (<!DOCTYPE) in a report: refused");
	refused(undeclared, "invalid XML");
}

static void
test_dates(void **state)
{
	(void)state;
	refused(HEAD "<date_range><begin>1796083199</begin><end>1795996800"
		     "</end></date_range>" POLICY GOOD TAIL,
	    "report_metadata/date_range: begin 1796083199 is after end");
	refused(HEAD "<date_range><begin>1895996800</begin><end>1895996801"
		     "</end></date_range>" POLICY GOOD TAIL,
	    "report_metadata/date_range: end 1895996801 is in the future");
	refused(HEAD "<date_range><begin>1700000000</begin><end>1796083199"
		     "</end></date_range>" POLICY GOOD TAIL,
	    "report_metadata/date_range: spans more than 31 days");
	refused(HEAD "<date_range><begin>-5</begin><end>1796083199"
		     "</end></date_range>" POLICY GOOD TAIL,
	    "report_metadata/date_range/begin: \"-5\" is not a number");
	refused(HEAD
	    "<date_range><end>1796083199</end></date_range>" POLICY GOOD TAIL,
	    "report_metadata/date_range/begin: missing");
}

static void
test_counts(void **state)
{
	static const char max[] = HEAD DATES POLICY REC("192.0.2.1",
	    "2147483647", "none") TAIL;
	struct rimp_report r;
	char err[256];

	(void)state;
	assert_int_equal(rimp_xml_parse(max, strlen(max), NOW, &r, err,
			     sizeof(err)),
	    0);
	assert_int_equal(r.rows[0].count, 2147483647u);
	rimp_report_free(&r);
	refused(HEAD DATES POLICY REC("192.0.2.1", "2147483648", "none") TAIL,
	    "row/count: 2147483648 is not in 1..2^31-1");
	refused(HEAD DATES POLICY GOOD REC("192.0.2.1", "99999999999999999999",
		    "none") TAIL,
	    "record 2: row/count: 99999999999999999999 is not");
	refused(HEAD DATES POLICY REC("192.0.2.1", "0", "none") TAIL,
	    "row/count: 0 is not in 1..2^31-1");
	refused(HEAD DATES POLICY REC("192.0.2.1", "12x", "none") TAIL,
	    "row/count: \"12x\" is not a number");
}

static void
test_values(void **state)
{
	(void)state;
	/* one bad record among good ones refuses the whole report */
	refused(HEAD DATES POLICY GOOD GOOD REC("192.0.2.999", "1", "none")
		    TAIL,
	    "record 3: row/source_ip: \"192.0.2.999\" is not an IP");
	refused(HEAD DATES POLICY REC("192.0.2.1", "1", "bounce") TAIL,
	    "record 1: row/policy_evaluated/disposition: \"bounce\" is not "
	    "a valid value");
	refused(HEAD DATES
	    "</report_metadata><policy_published><domain>"
	    "univ.example</domain><p>block</p></policy_published>" GOOD TAIL,
	    "policy_published/p: \"block\" is not a valid value");
	refused(HEAD DATES
	    "</report_metadata><policy_published><domain>"
	    "univ..example</domain><p>none</p></policy_published>" GOOD TAIL,
	    "policy_published/domain: \"univ..example\" is not a valid");
	refused(HEAD DATES POLICY TAIL, "no <record>");
	refused(HEAD DATES POLICY
	    "<record><row><source_ip>192.0.2.1"
	    "</source_ip><count>1</count></row></record>" TAIL,
	    "record 1: row/policy_evaluated: missing");
	refused("<feedback><report_metadata><org_name>o</org_name>"
		"<report_id>id1</report_id>" DATES POLICY GOOD TAIL,
	    "report_metadata/email: missing");
	refused(HEAD DATES POLICY
	    "<record><row><source_ip>192.0.2.1"
	    "</source_ip><count>1</count><policy_evaluated><disposition>"
	    "none</disposition><dkim>pass</dkim><spf>fail</spf>"
	    "</policy_evaluated></row><identifiers><header_from>"
	    "univ.example</header_from></identifiers><auth_results><dkim>"
	    "<domain>univ.example</domain><result>great</result></dkim>"
	    "</auth_results></record>" TAIL,
	    "record 1: auth_results/dkim/result: \"great\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_google_7489),
		cmocka_unit_test(test_9990_namespace),
		cmocka_unit_test(test_microsoft_like),
		cmocka_unit_test(test_shared_sample),
		cmocka_unit_test(test_good_pieces),
		cmocka_unit_test(test_invalid_xml),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
