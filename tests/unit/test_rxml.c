/*
 * test_rxml.c - report/rxml*.c, the DMARC aggregate report builder, its
 * documents: element order of both forms (read back with libxml2), what
 * each form leaves out or maps, escaping of every special and
 * replacement of what XML cannot carry (byte-exact and read back) in
 * every text written, the rule that adds a reason, source addresses.
 * Ids, file names, gzip and parts: test_rxml_parts.c.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "rxml_fixture.h"

/* names - element names in document order, space separated; every
 * element's namespace must be ns (NULL: none) */
static void
names(xmlNodePtr n, const char *ns, struct str *out)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (ns == NULL)
			assert_null(n->ns);
		else
			assert_string_equal((const char *)n->ns->href, ns);
		str_addf(out, "%s%s", out->len ? " " : "",
		    (const char *)n->name);
		names(n->children, ns, out);
	}
}

/* ---- element order ------------------------------------------------------ */

static const char order_9990[] =
    "feedback version report_metadata org_name email extra_contact_info "
    "report_id date_range begin end error generator policy_published "
    "domain p sp np adkim aspf discovery_method fo testing record row "
    "source_ip count policy_evaluated disposition dkim spf reason type "
    "comment identifiers header_from envelope_from envelope_to "
    "auth_results dkim domain selector result dkim domain selector "
    "result spf domain scope result";

static const char order_7489[] =
    "feedback version report_metadata org_name email extra_contact_info "
    "report_id date_range begin end error policy_published domain adkim "
    "aspf p sp pct fo record row source_ip count policy_evaluated "
    "disposition dkim spf reason type comment identifiers header_from "
    "envelope_from envelope_to auth_results dkim domain selector result "
    "dkim domain selector result spf domain scope result";

/* full_row - a row using every element */
static void
test_order_9990(void **state)
{
	struct rrow r;
	struct rpolicy p;
	struct str got;
	xmlDocPtr d;
	char *xml;

	full_row(&r, &p);
	xml = build(RXML_RFC9990, &p, &r, 1);
	d = parse(xml);
	str_init(&got);
	names(xmlDocGetRootElement(d), NS, &got);
	assert_string_equal(got.s, order_9990);
	assert_text(xml, "version", 0, "1.0");
	assert_text(xml, "report_id", 0, "the-id");
	assert_text(xml, "begin", 0, "1764633600");
	assert_text(xml, "sp", 0, "quarantine");
	assert_text(xml, "np", 0, "none");
	assert_text(xml, "aspf", 0, "s");
	assert_text(xml, "discovery_method", 0, "treewalk");
	assert_text(xml, "testing", 0, "n");
	assert_text(xml, "scope", 0, "mfrom");
	assert_text(xml, "count", 0, "3");
	assert_int_equal(strncmp(xml,
			     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
			     39),
	    0);
	str_free(&got);
	xmlFreeDoc(d);
	free(xml);
	rrow_free(&r);
	rpolicy_free(&p);
}

static void
test_order_7489(void **state)
{
	struct rrow r;
	struct rpolicy p;
	struct str got;
	xmlDocPtr d;
	char *xml;

	full_row(&r, &p);
	xml = build(RXML_RFC7489, &p, &r, 1);
	d = parse(xml);
	str_init(&got);
	names(xmlDocGetRootElement(d), NULL, &got);
	assert_string_equal(got.s, order_7489);
	assert_text(xml, "pct", 0, "100");
	assert_text(xml, "sp", 0, "quarantine");
	assert_null(strstr(xml, "xmlns"));
	str_free(&got);
	xmlFreeDoc(d);
	free(xml);
	rrow_free(&r);
	rpolicy_free(&p);
}

/* RFC 9990 leaves out what was not published or recorded */
static void
test_optional_9990(void **state)
{
	struct rxml_meta m = meta;
	struct rrow r;
	struct rpolicy p;
	struct str out;
	char err[100];

	m.extra_contact_info = NULL;
	m.error = NULL;
	m.generator = NULL;
	policy(&p, RR_POL_NONE);
	row(&r, "univ.example", RR_DISP_NONE, 1);
	free(r.envelope_from);
	r.envelope_from = NULL;
	r.has_spf = 0;
	str_init(&out);
	assert_int_equal(rxml_build(RXML_RFC9990, &m, "i", &p, &r, 1, &out, err,
			     sizeof(err)),
	    0);
	assert_int_equal(count_of(out.s, "extra_contact_info"), 0);
	assert_int_equal(count_of(out.s, "error"), 0);
	assert_int_equal(count_of(out.s, "generator"), 0);
	assert_int_equal(count_of(out.s, "sp"), 0);
	assert_int_equal(count_of(out.s, "np"), 0);
	assert_int_equal(count_of(out.s, "envelope_from"), 0);
	assert_int_equal(count_of(out.s, "envelope_to"), 0);
	assert_int_equal(count_of(out.s, "spf"), 1); /* policy_evaluated */
	assert_int_equal(count_of(out.s, "reason"), 0);
	assert_text(out.s, "fo", 0, "0");
	str_free(&out);
	rrow_free(&r);
	rpolicy_free(&p);
}

/* RFC 7489: sp defaults to p, pass is none, spf always, t=y is pct=0 */
static void
test_rfc7489_mapping(void **state)
{
	struct rrow r;
	struct rpolicy p;
	char *xml;

	policy(&p, RR_POL_REJECT);
	p.testing = 1;
	row(&r, "univ.example", RR_DISP_PASS, 2);
	r.dkim_pass = 1;
	free(r.envelope_from);
	r.envelope_from = xstrdup("");
	r.has_spf = 0;
	xml = build(RXML_RFC7489, &p, &r, 1);
	assert_text(xml, "sp", 0, "reject");
	assert_text(xml, "pct", 0, "0");
	assert_text(xml, "disposition", 0, "none");
	assert_text(xml, "envelope_from", 0, "");
	assert_text(xml, "domain", 1, "univ.example"); /* spf, of From */
	assert_text(xml, "result", 0, "none");
	assert_int_equal(count_of(xml, "np"), 0);
	assert_int_equal(count_of(xml, "testing"), 0);
	assert_int_equal(count_of(xml, "generator"), 0);
	free(xml);
	rrow_free(&r);
	rpolicy_free(&p);
}

/* ---- escaping ------------------------------------------------------------- */

static const struct {
	const char *in, *raw, *parsed;
} esc[] = {
	{ "a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&apos;f", "a&b<c>d\"e'f" },
	{ "]]><!--x--><![CDATA[y]]>&amp;",
	    "]]&gt;&lt;!--x--&gt;&lt;![CDATA[y]]&gt;&amp;amp;",
	    "]]><!--x--><![CDATA[y]]>&amp;" },
	{ "cr\rlf\ntab\t", "cr&#13;lf\ntab\t", "cr\rlf\ntab\t" },
	{ "\x01\x08\x0b\x1f|\x7f|\xc2\x85",
	    FFFD FFFD FFFD FFFD "|" FFFD "|" FFFD,
	    FFFD FFFD FFFD FFFD "|" FFFD "|" FFFD },
	{ "\xff\xfe|\xc0\xaf|\xe2\x82", FFFD FFFD "|" FFFD FFFD "|" FFFD FFFD,
	    FFFD FFFD "|" FFFD FFFD "|" FFFD FFFD },
	{ "\xed\xa0\x80|\xf4\x90\x80\x80|\xef\xbf\xbe",
	    FFFD FFFD FFFD "|" FFFD FFFD FFFD FFFD "|" FFFD,
	    FFFD FFFD FFFD "|" FFFD FFFD FFFD FFFD "|" FFFD },
	{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7 \xef\xbf\xbd",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7 \xef\xbf\xbd",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7 \xef\xbf\xbd" },
};

static void
test_escaping(void **state)
{
	struct rrow r;
	struct rpolicy p;
	struct str want;
	char *xml;
	size_t i;
	int f;

	for (i = 0; i < sizeof(esc) / sizeof(esc[0]); i++) {
		for (f = RXML_RFC9990; f <= RXML_RFC7489; f++) {
			policy(&p, RR_POL_NONE);
			row(&r, esc[i].in, RR_DISP_NONE, 1);
			add_reason(&r, RR_REASON_OTHER, esc[i].in);
			xml = build(f, &p, &r, 1);
			str_init(&want);
			str_addf(&want, "<comment>%s</comment>", esc[i].raw);
			assert_non_null(strstr(xml, want.s));
			assert_text(xml, "comment", 0, esc[i].parsed);
			assert_text(xml, "header_from", 0, esc[i].parsed);
			str_free(&want);
			free(xml);
			rrow_free(&r);
			rpolicy_free(&p);
		}
	}
}

/* every text of metadata, policy and identifiers goes through escaping */
static void
test_escaping_everywhere(void **state)
{
	static const char *const el[] = { "org_name", "email",
		"extra_contact_info", "error", "generator", "fo", "domain",
		"header_from", "envelope_from", "envelope_to", "selector" };
	const char *bad = "<x>&\x01";
	struct rxml_meta m = { .org_name = bad,
		.email = bad,
		.extra_contact_info = bad,
		.generator = bad,
		.receiver = "r",
		.error = bad };
	struct rrow r;
	struct rpolicy p;
	struct str out;
	char err[100];
	size_t i;

	policy(&p, RR_POL_NONE);
	free(p.domain);
	p.domain = xstrdup(bad);
	p.fo = xstrdup(bad);
	row(&r, bad, RR_DISP_NONE, 1);
	free(r.envelope_from);
	r.envelope_from = xstrdup(bad);
	r.envelope_to = xstrdup(bad);
	add_dkim(&r, bad, bad, RES_DKIM_PASS);
	str_init(&out);
	assert_int_equal(rxml_build(RXML_RFC9990, &m, bad, &p, &r, 1, &out, err,
			     sizeof(err)),
	    0);
	assert_null(strstr(out.s, "<x>"));
	assert_null(strchr(out.s, '\x01'));
	for (i = 0; i < sizeof(el) / sizeof(el[0]); i++)
		assert_text(out.s, el[i], 0, "<x>&" FFFD);
	assert_text(out.s, "report_id", 0, "<x>&" FFFD);
	str_free(&out);
	rrow_free(&r);
	rpolicy_free(&p);
}

/* ---- the reason rule ------------------------------------------------------ */

static const struct rcase {
	const char *what;
	enum rr_pol p, sp, np;
	int testing;
	const char *from;
	enum rr_disp disp;
	int pass;			 /* aligned pass: 1 DKIM, 2 SPF */
	const char *type9990, *type7489; /* NULL: no reason */
} rcases[] = {
	{ "policy applied", RR_POL_REJECT, RR_POL_UNSET, RR_POL_UNSET, 0,
	    "univ.example", RR_DISP_REJECT, 0, NULL, NULL },
	{ "override without a recorded reason", RR_POL_REJECT, RR_POL_UNSET,
	    RR_POL_UNSET, 0, "univ.example", RR_DISP_NONE, 0, "other",
	    "other" },
	{ "aligned DKIM pass", RR_POL_REJECT, RR_POL_UNSET, RR_POL_UNSET, 0,
	    "univ.example", RR_DISP_PASS, 1, NULL, NULL },
	{ "aligned SPF pass, disposition none", RR_POL_REJECT, RR_POL_UNSET,
	    RR_POL_UNSET, 0, "univ.example", RR_DISP_NONE, 2, NULL, NULL },
	{ "p=none followed", RR_POL_NONE, RR_POL_UNSET, RR_POL_UNSET, 0,
	    "univ.example", RR_DISP_NONE, 0, NULL, NULL },
	{ "stricter than published", RR_POL_QUARANTINE, RR_POL_UNSET,
	    RR_POL_UNSET, 0, "univ.example", RR_DISP_REJECT, 0, "other",
	    "other" },
	{ "t=y", RR_POL_REJECT, RR_POL_UNSET, RR_POL_UNSET, 1, "univ.example",
	    RR_DISP_QUARANTINE, 0, "policy_test_mode", "sampled_out" },
	{ "sp followed", RR_POL_REJECT, RR_POL_QUARANTINE, RR_POL_UNSET, 0,
	    "a.univ.example", RR_DISP_QUARANTINE, 0, NULL, NULL },
	{ "p for a subdomain without sp", RR_POL_REJECT, RR_POL_UNSET,
	    RR_POL_UNSET, 0, "a.univ.example", RR_DISP_QUARANTINE, 0, "other",
	    "other" },
	{ "np followed", RR_POL_REJECT, RR_POL_REJECT, RR_POL_NONE, 0,
	    "nx.univ.example", RR_DISP_NONE, 0, NULL, NULL },
	{ "p, not sp, for the policy domain", RR_POL_REJECT, RR_POL_NONE,
	    RR_POL_UNSET, 0, "UNIV.example", RR_DISP_NONE, 0, "other",
	    "other" },
};

static void
check_rcase(const struct rcase *c, enum rxml_format f)
{
	const char *want = f == RXML_RFC7489 ? c->type7489 : c->type9990;
	struct rrow r;
	struct rpolicy p;
	char *xml;

	policy(&p, c->p);
	p.sp = c->sp;
	p.np = c->np;
	p.testing = c->testing;
	row(&r, c->from, c->disp, 1);
	r.dkim_pass = (c->pass & 1) != 0;
	r.spf_pass = (c->pass & 2) != 0;
	xml = build(f, &p, &r, 1);
	print_message("%s (%s)\n", c->what,
	    f == RXML_RFC7489 ? "7489" : "9990");
	assert_int_equal(count_of(xml, "reason"), want != NULL);
	if (want != NULL) {
		assert_text(xml, "type", 0, want);
		assert_int_equal(count_of(xml, "comment"), 1);
	}
	free(xml);
	rrow_free(&r);
	rpolicy_free(&p);
}

static void
test_reason_rule(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		check_rcase(&rcases[i], RXML_RFC9990);
		check_rcase(&rcases[i], RXML_RFC7489);
	}
}

/* recorded reasons are written as recorded, none added */
static void
test_reason_recorded(void **state)
{
	struct rrow r;
	struct rpolicy p;
	char *xml;

	policy(&p, RR_POL_REJECT);
	row(&r, "univ.example", RR_DISP_NONE, 1);
	add_reason(&r, RR_REASON_MAILING_LIST, "list.example");
	add_reason(&r, RR_REASON_LOCAL_POLICY, NULL);
	add_reason(&r, RR_REASON_POLICY_TEST_MODE, NULL);
	xml = build(RXML_RFC9990, &p, &r, 1);
	assert_int_equal(count_of(xml, "reason"), 3);
	assert_text(xml, "type", 0, "mailing_list");
	assert_text(xml, "comment", 0, "list.example");
	assert_text(xml, "type", 1, "local_policy");
	assert_text(xml, "type", 2, "policy_test_mode");
	assert_int_equal(count_of(xml, "comment"), 1);
	free(xml);
	xml = build(RXML_RFC7489, &p, &r, 1);
	assert_text(xml, "type", 2, "sampled_out");
	free(xml);
	rrow_free(&r);
	rpolicy_free(&p);
}

/* ---- addresses, ids, file names -------------------------------------------- */

static void
test_source_ip(void **state)
{
	static const char *const in[] = { "2001:DB8:0:0::25",
		"::ffff:192.0.2.7", "192.0.2.200", "mx.example", "" };
	static const char *const w9990[] = { "2001:db8::25", "::ffff:192.0.2.7",
		"192.0.2.200", "0.0.0.0", "0.0.0.0" };
	static const char *const w7489[] = { "2001:db8:0:0:0:0:0:25",
		"0:0:0:0:0:ffff:c000:207", "192.0.2.200", "0.0.0.0",
		"0.0.0.0" };
	struct rrow r;
	struct rpolicy p;
	char *xml;
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		policy(&p, RR_POL_NONE);
		row(&r, "univ.example", RR_DISP_NONE, 1);
		free(r.source_ip);
		r.source_ip = xstrdup(in[i]);
		xml = build(RXML_RFC9990, &p, &r, 1);
		assert_text(xml, "source_ip", 0, w9990[i]);
		free(xml);
		xml = build(RXML_RFC7489, &p, &r, 1);
		assert_text(xml, "source_ip", 0, w7489[i]);
		free(xml);
		rrow_free(&r);
		rpolicy_free(&p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_9990),
		cmocka_unit_test(test_order_7489),
		cmocka_unit_test(test_optional_9990),
		cmocka_unit_test(test_rfc7489_mapping),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_escaping_everywhere),
		cmocka_unit_test(test_reason_rule),
		cmocka_unit_test(test_reason_recorded),
		cmocka_unit_test(test_source_ip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
