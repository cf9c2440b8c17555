/*
 * test_rdest.c - destinations of aggregate reports: rua= parsing (mailto:
 * only, size suffix, %XX, header fields, unusable addresses, the cap on
 * their number), the _report._dmarc record check, and the verification
 * of external destinations (RFC 9990 4) over an in-memory zone
 * (dns_static): at the policy domain, authorised, override to the same
 * host, override to another host, no record, same Organizational Domain,
 * SERVFAIL and timeout (undecided: the caller defers), U-label hosts
 * (converted to A-labels; invalid ones refused).  The DNS wildcard
 * case runs against NSD in tests/integration/t_report_e2e.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rdest.h"

static const char zone[] =
    "_dmarc.example.org TXT \"v=DMARC1; p=reject; "
    "rua=mailto:d@ext.example\"\n"
    "_dmarc.ext.example TXT \"v=DMARC1; p=none\"\n"
    "example.org._report._dmarc.ext.example TXT \"v=DMARC1\"\n"
    "example.org._report._dmarc.ovr.example TXT "
    "\"v=DMARC1; rua=mailto:new@ovr.example!5k\"\n"
    "example.org._report._dmarc.away.example TXT "
    "\"v=DMARC1; rua=mailto:x@elsewhere.example\"\n"
    "example.org._report._dmarc.spf.example TXT \"v=spf1 -all\"\n"
    "example.org._report._dmarc.two.example TXT \"v=spf1 -all\"\n"
    "example.org._report._dmarc.two.example TXT \"v=DMARC1;\"\n"
    "example.org._report._dmarc.xn--bcher-kva.example TXT \"v=DMARC1\"\n";

struct fixture {
	struct dns_resolver *r;
	struct orgdom_ctx oc;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	f->r = dns_static_new(zone, err, sizeof(err));
	assert_non_null(f->r);
	assert_int_equal(dns_static_fail(f->r,
			     "example.org._report._dmarc.fail.example",
			     DNS_SERVFAIL),
	    0);
	assert_int_equal(dns_static_fail(f->r,
			     "example.org._report._dmarc.slow.example",
			     DNS_TIMEOUT),
	    0);
	f->oc.mode = ORGDOM_TREEWALK;
	f->oc.resolver = f->r;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	dns_resolver_free(f->r);
	free(f);
	return 0;
}

static void
test_parse_rua(void **state)
{
	struct rdest_list l;
	char note[200];

	(void)state;
	assert_int_equal(
	    rdest_parse_rua(
		" mailto:A@Ext.Example!10m , "
		"https://x.example/r, mailto:b%2Bx@h.example?subject=hi",
		&l, note, sizeof(note)),
	    2);
	assert_string_equal(l.d[0].addr, "A@ext.example");
	assert_string_equal(l.d[0].host, "ext.example");
	assert_int_equal(l.d[0].limit, 10 * 1024 * 1024);
	assert_string_equal(l.d[1].addr, "b+x@h.example");
	assert_int_equal(l.d[1].limit, 0);
	assert_non_null(strstr(note, "not a mailto"));
	assert_int_equal(rdest_parse_rua("mailto:x@y.example!2", &l, NULL, 0),
	    1);
	assert_int_equal(l.d[0].limit, 2);
	/* a fully qualified host (trailing dot) is the same host */
	assert_int_equal(rdest_parse_rua("mailto:a@h.example.", &l, NULL, 0),
	    1);
	assert_string_equal(l.d[0].addr, "a@h.example");
	/* the same address twice is one destination */
	assert_int_equal(rdest_parse_rua("mailto:a@h.example, "
					 "mailto:A@H.example!1m",
			     &l, NULL, 0),
	    1);
}

static void
test_parse_rua_refused(void **state)
{
	struct rdest_list l;
	char note[200];

	(void)state;
	/* no @, bad host, a header injection, option-like, bad size, bad % */
	assert_int_equal(
	    rdest_parse_rua(
		"mailto:nobody, mailto:a@-x.example, "
		"mailto:a%0d%0aBcc:%20e@h.example, mailto:-oX@h.example, "
		"mailto:a@h.example!10q, mailto:a%4@h.example, mailto:a@nodot",
		&l, note, sizeof(note)),
	    0);
	assert_string_not_equal(note, "");
	assert_int_equal(
	    rdest_parse_rua(
		"mailto:a@h.example,mailto:b@h.example,"
		"mailto:c@h.example,mailto:d@h.example,mailto:e@h.example",
		&l, note, sizeof(note)),
	    RDEST_MAX);
	assert_non_null(strstr(note, "the first"));
	assert_int_equal(rdest_parse_rua("", &l, note, sizeof(note)), 0);
}

static void
test_check_txt(void **state)
{
	const char *t[3] = { "v=spf1 -all", "v=DMARC1 ; rua = mailto:a@b.c ;",
		"v=DMARC1" };
	size_t len[3] = { strlen(t[0]), strlen(t[1]), strlen(t[2]) };
	char rua[64];

	(void)state;
	assert_int_equal(rdest_check_txt(t, len, 1, rua, sizeof(rua)), 0);
	assert_int_equal(rdest_check_txt(t, len, 3, rua, sizeof(rua)), 1);
	assert_string_equal(rua, "mailto:a@b.c");
	assert_int_equal(rdest_check_txt(t + 2, len + 2, 1, rua, sizeof(rua)),
	    1);
	assert_string_equal(rua, "");
	t[0] = "rua=mailto:a@b.c; v=DMARC1"; /* v= not first: no */
	len[0] = strlen(t[0]);
	assert_int_equal(rdest_check_txt(t, len, 1, rua, sizeof(rua)), 0);
}

static void
test_below(void **state)
{
	(void)state;
	assert_true(rdest_below("example.org", "example.org"));
	assert_true(rdest_below("r.Example.ORG", "example.org"));
	assert_false(rdest_below("badexample.org", "example.org"));
	assert_false(rdest_below("org", "example.org"));
}

/* verify - rua into a list, verified for example.org */
static enum rdest_state
verify(struct fixture *f, const char *rua, struct rdest_list *l)
{
	assert_true(rdest_parse_rua(rua, l, NULL, 0) > 0);
	return rdest_verify(&f->oc, "example.org", l);
}

static void
test_verify_authorised(void **state)
{
	struct fixture *f = *state;
	struct rdest_list l;

	assert_int_equal(verify(f, "mailto:d@example.org", &l), RDEST_OK);
	assert_false(l.d[0].external);
	assert_int_equal(verify(f, "mailto:d@ext.example", &l), RDEST_OK);
	assert_true(l.d[0].external);
	assert_string_equal(l.d[0].addr, "d@ext.example");
	/* one of two TXT records is a DMARC record: authorised */
	assert_int_equal(verify(f, "mailto:d@two.example", &l), RDEST_OK);
}

static void
test_verify_override(void **state)
{
	struct fixture *f = *state;
	struct rdest_list l;

	assert_int_equal(verify(f, "mailto:old@ovr.example", &l), RDEST_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.d[0].addr, "new@ovr.example");
	assert_int_equal(l.d[0].limit, 5 * 1024);
	assert_int_equal(verify(f, "mailto:old@away.example", &l),
	    RDEST_REFUSED);
	assert_int_equal(l.d[0].state, RDEST_REFUSED);
	assert_non_null(strstr(l.d[0].why, "another host"));
}

static void
test_verify_refused(void **state)
{
	struct fixture *f = *state;
	struct rdest_list l;

	assert_int_equal(verify(f, "mailto:x@none.example", &l), RDEST_REFUSED);
	assert_non_null(strstr(l.d[0].why, "not authorised"));
	assert_int_equal(verify(f, "mailto:x@spf.example", &l), RDEST_REFUSED);
	/* a good and a refused one: the good one is kept first */
	assert_int_equal(verify(f,
			     "mailto:x@none.example, "
			     "mailto:d@ext.example",
			     &l),
	    RDEST_OK);
	assert_int_equal(l.d[0].state, RDEST_OK);
	assert_string_equal(l.d[0].addr, "d@ext.example");
	assert_int_equal(l.d[1].state, RDEST_REFUSED);
}

/* U-label hosts: A-labels for the check and the address */
static void
test_verify_idn(void **state)
{
	struct fixture *f = *state;
	struct rdest_list l;
	char note[200];

	assert_int_equal(verify(f,
			     "mailto:d@B\xc3\xbc"
			     "cher.example",
			     &l),
	    RDEST_OK);
	assert_true(l.d[0].external);
	assert_string_equal(l.d[0].host, "xn--bcher-kva.example");
	assert_string_equal(l.d[0].addr, "d@xn--bcher-kva.example");
	/* %XX-encoded UTF-8, a trailing dot: the same destination */
	assert_int_equal(verify(f,
			     "mailto:d@b%C3%BC"
			     "cher.example.",
			     &l),
	    RDEST_OK);
	assert_string_equal(l.d[0].addr, "d@xn--bcher-kva.example");
	/* a U-label host without a record is refused, not sent to */
	assert_int_equal(verify(f, "mailto:d@m\xc3\xbcnchen.example", &l),
	    RDEST_REFUSED);
	assert_string_equal(l.d[0].host, "xn--mnchen-3ya.example");
	/* bytes that are no UTF-8, a disallowed code point, a UTF-8 local */
	assert_int_equal(rdest_parse_rua("mailto:d@b\xff"
					 "cher.example, "
					 "mailto:d@a\xe2\x98\x83"
					 "b.example, "
					 "mailto:j\xc3\xbc@h.example",
			     &l, note, sizeof(note)),
	    0);
	assert_non_null(strstr(note, "unusable"));
}

static void
test_verify_same_org(void **state)
{
	struct fixture *f = *state;
	struct rdest_list l;

	assert_true(rdest_parse_rua("mailto:r@example.org", &l, NULL, 0));
	assert_int_equal(rdest_verify(&f->oc, "sub.example.org", &l), RDEST_OK);
	assert_non_null(strstr(l.d[0].why, "Organizational"));
}

static void
test_verify_temp(void **state)
{
	struct fixture *f = *state;
	struct rdest_list l;

	assert_int_equal(verify(f, "mailto:x@fail.example", &l), RDEST_TEMP);
	assert_non_null(strstr(l.d[0].why, "servfail"));
	assert_int_equal(verify(f, "mailto:x@slow.example", &l), RDEST_TEMP);
	/* one undecided destination defers the whole report */
	assert_int_equal(verify(f,
			     "mailto:d@ext.example, "
			     "mailto:x@fail.example",
			     &l),
	    RDEST_TEMP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rua),
		cmocka_unit_test(test_parse_rua_refused),
		cmocka_unit_test(test_check_txt),
		cmocka_unit_test(test_below),
		cmocka_unit_test_setup_teardown(test_verify_authorised, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verify_override, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verify_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verify_idn, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verify_same_org, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verify_temp, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
