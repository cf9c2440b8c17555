/*
 * test_orgdomain.c - unit tests for orgdomain.c over an in-memory zone
 * (dns_static): the RFC 9989 Tree Walk (label cut, psd=y/n, several
 * records, invalid records, DNS failures) and where the RFC 7489 PSL mode
 * gives another Organizational Domain or policy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "orgdomain.h"

#define PSL_FILE "/usr/share/publicsuffix/public_suffix_list.dat"

static const char zone[] =
    "_dmarc.example.org TXT \"v=DMARC1; p=reject; sp=quarantine\"\n"
    "_dmarc.sub.walk.example TXT \"v=DMARC1; p=reject; sp=quarantine\"\n"
    "_dmarc.psd.example TXT \"v=DMARC1; p=reject; np=reject; psd=y\"\n"
    "_dmarc.big.example TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.dept.big.example TXT \"v=DMARC1; p=none; psd=n\"\n"
    "_dmarc.lab.big.example TXT \"v=DMARC1; p=quarantine\"\n"
    "_dmarc.two.example TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.two.example TXT \"v=DMARC1; p=none\"\n"
    "_dmarc.x.two.example TXT \"v=spf1 -all\"\n"
    "_dmarc.broken.example TXT \"v=DMARC1; p=reject; p=none\"\n"
    "_dmarc.co.uk TXT \"v=DMARC1; p=reject; psd=y\"\n"
    "_dmarc.github.io TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.l.example TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.u.sfx TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.sfx SERVFAIL\n"
    "_dmarc.a.b.c.d.e.f.g.h.i.j.k.l.example TXT \"v=DMARC1; p=none\"\n";

struct fixture {
	struct dns_resolver *r;
	struct orgdom_ctx c;
	struct psl_ctx_st *psl;
};

/* setup - the zone, a tree walk context, and the PSL */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	f->r = dns_static_new(zone, err, sizeof(err));
	assert_non_null(f->r);
	assert_int_equal(dns_static_fail(f->r, "_dmarc.tmp.example",
	    DNS_SERVFAIL), 0);
	assert_int_equal(dns_static_fail(f->r, "_dmarc.slow.example",
	    DNS_TIMEOUT), 0);
	f->psl = orgdom_psl_load(PSL_FILE);
	assert_non_null(f->psl);
	f->c.mode = ORGDOM_TREEWALK;
	f->c.resolver = f->r;
	f->c.psl = f->psl;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	dns_resolver_free(f->r);
	orgdom_psl_free(f->psl);
	free(f);
	return 0;
}

static void
test_next_target(void **state)
{
	const char *d = "a.b.c.d.e.f.g.h.i.j.mail.example.com";
	const char *want[] = { "g.h.i.j.mail.example.com", "h.i.j.mail.example.com",
	    "i.j.mail.example.com", "j.mail.example.com", "mail.example.com",
	    "example.com", "com" };
	size_t i;

	(void)state;
	assert_int_equal(orgdom_nlabels(d), 13);
	for (i = 0; i < 7; i++) {
		d = orgdom_next_target(d);
		assert_non_null(d);
		assert_string_equal(d, want[i]);
	}
	assert_null(orgdom_next_target(d));
	/* 8 labels: cut to 7 in one step, 7: one label */
	assert_string_equal(orgdom_next_target("a.b.c.d.e.f.g.h"),
	    "b.c.d.e.f.g.h");
	assert_string_equal(orgdom_next_target("b.c.d.e.f.g.h"), "c.d.e.f.g.h");
	assert_int_equal(orgdom_nlabels("example."), 1);
}

static void
test_own_record(void **state)
{
	struct fixture *f = *state;
	struct orgdom_policy p;

	assert_int_equal(orgdom_policy(&f->c, "example.org", &p), ORGDOM_OK);
	assert_true(p.from_author);
	assert_string_equal(p.policy_domain, "example.org");
	assert_string_equal(p.org, "example.org");
	assert_int_equal(p.rec.p, DMARCREC_P_REJECT);
}

static void
test_inherited(void **state)
{
	struct fixture *f = *state;
	struct orgdom_policy p;
	unsigned q0 = f->c.queries;

	assert_int_equal(orgdom_policy(&f->c, "a.b.example.org", &p),
	    ORGDOM_OK);
	assert_false(p.from_author);
	assert_string_equal(p.policy_domain, "example.org");
	assert_string_equal(p.org, "example.org");
	assert_int_equal(p.rec.sp, DMARCREC_P_QUARANTINE);
	assert_int_equal(f->c.queries - q0, 4);	/* a.b., b., example., org */
}

static void
test_only_treewalk_finds(void **state)
{
	struct fixture *f = *state;
	struct orgdom_policy p;
	char org[256];

	/* a policy two labels up, at a name that is not registrable */
	assert_int_equal(orgdom_policy(&f->c, "x.y.sub.walk.example", &p),
	    ORGDOM_OK);
	assert_string_equal(p.policy_domain, "sub.walk.example");
	assert_string_equal(p.org, "sub.walk.example");
	assert_int_equal(orgdom_org(&f->c, "mail.sub.walk.example", org,
	    sizeof(org)), 0);
	assert_string_equal(org, "sub.walk.example");
	/* the RFC 7489 mode looks at the author and walk.example only */
	f->c.mode = ORGDOM_PSL;
	assert_int_equal(orgdom_policy(&f->c, "x.y.sub.walk.example", &p),
	    ORGDOM_NONE);
	assert_string_equal(p.org, "walk.example");
	f->c.mode = ORGDOM_TREEWALK;
}

static void
test_psd_y(void **state)
{
	struct fixture *f = *state;
	struct orgdom_policy p;
	char org[256];

	assert_int_equal(orgdom_policy(&f->c, "x.shop.psd.example", &p),
	    ORGDOM_OK);
	assert_true(p.from_psd);
	assert_string_equal(p.policy_domain, "psd.example");
	assert_string_equal(p.org, "shop.psd.example");
	assert_int_equal(p.rec.np, DMARCREC_P_REJECT);
	/* psd=y at the start: its own Organizational Domain */
	assert_int_equal(orgdom_org(&f->c, "psd.example", org, sizeof(org)), 0);
	assert_string_equal(org, "psd.example");
	/* co.uk publishes psd=y: both modes agree on shop.co.uk */
	assert_int_equal(orgdom_org(&f->c, "mail.shop.co.uk", org,
	    sizeof(org)), 0);
	assert_string_equal(org, "shop.co.uk");
	f->c.mode = ORGDOM_PSL;
	assert_int_equal(orgdom_org(&f->c, "mail.shop.co.uk", org,
	    sizeof(org)), 0);
	assert_string_equal(org, "shop.co.uk");
	/* PSL mode knows no psd=: with the PSL's default rule psd.example
	 * is the registrable domain, its record the org domain's */
	assert_int_equal(orgdom_policy(&f->c, "x.shop.psd.example", &p),
	    ORGDOM_OK);
	assert_false(p.from_psd);
	assert_string_equal(p.org, "psd.example");
	f->c.mode = ORGDOM_TREEWALK;
}

static void
test_psd_n_and_fewest_labels(void **state)
{
	struct fixture *f = *state;
	struct orgdom_policy p;
	char org[256];

	assert_int_equal(orgdom_policy(&f->c, "a.dept.big.example", &p),
	    ORGDOM_OK);
	assert_string_equal(p.org, "dept.big.example");
	assert_int_equal(p.rec.p, DMARCREC_P_NONE);
	/* no psd: the record with the fewest labels is the org domain,
	 * and its policy applies, not the nearer one */
	assert_int_equal(orgdom_policy(&f->c, "a.lab.big.example", &p),
	    ORGDOM_OK);
	assert_string_equal(p.org, "big.example");
	assert_string_equal(p.policy_domain, "big.example");
	assert_int_equal(p.rec.p, DMARCREC_P_REJECT);
	/* PSL mode: dept.big.example is not registrable */
	f->c.mode = ORGDOM_PSL;
	assert_int_equal(orgdom_org(&f->c, "a.dept.big.example", org,
	    sizeof(org)), 0);
	assert_string_equal(org, "big.example");
	f->c.mode = ORGDOM_TREEWALK;
}

static void
test_private_suffix(void **state)
{
	struct fixture *f = *state;
	char org[256];

	/* github.io is a private suffix in the PSL; in DNS it publishes an
	 * ordinary record, so the tree walk makes it the org domain */
	assert_int_equal(orgdom_org(&f->c, "user.github.io", org, sizeof(org)),
	    0);
	assert_string_equal(org, "github.io");
	f->c.mode = ORGDOM_PSL;
	assert_int_equal(orgdom_org(&f->c, "user.github.io", org, sizeof(org)),
	    0);
	assert_string_equal(org, "user.github.io");
	f->c.mode = ORGDOM_TREEWALK;
}

static void
test_several_records(void **state)
{
	struct fixture *f = *state;
	struct orgdom_policy p;

	/* two DMARC records at two.example: both discarded */
	assert_int_equal(orgdom_policy(&f->c, "two.example", &p), ORGDOM_NONE);
	assert_non_null(strstr(p.why, "several"));
	assert_int_equal(orgdom_policy(&f->c, "x.two.example", &p),
	    ORGDOM_NONE);
}

static void
test_invalid_record(void **state)
{
	struct fixture *f = *state;
	struct orgdom_policy p;

	assert_int_equal(orgdom_policy(&f->c, "broken.example", &p),
	    ORGDOM_PERMERROR);
	assert_non_null(strstr(p.why, "duplicate"));
	assert_int_equal(orgdom_policy(&f->c, "sub.broken.example", &p),
	    ORGDOM_PERMERROR);
}

static void
test_temperror(void **state)
{
	struct fixture *f = *state;
	struct orgdom_policy p;
	char org[256];

	assert_int_equal(orgdom_policy(&f->c, "tmp.example", &p),
	    ORGDOM_TEMPERROR);
	assert_non_null(strstr(p.why, "servfail"));
	assert_int_equal(orgdom_policy(&f->c, "a.b.slow.example", &p),
	    ORGDOM_TEMPERROR);
	assert_int_equal(orgdom_org(&f->c, "x.slow.example", org, sizeof(org)),
	    -1);
	f->c.mode = ORGDOM_PSL;
	assert_int_equal(orgdom_policy(&f->c, "x.tmp.example", &p),
	    ORGDOM_TEMPERROR);
	f->c.mode = ORGDOM_TREEWALK;
}

/* the parent fails after the author's own record: policy known, org open */
static void
test_parent_fails(void **state)
{
	struct fixture *f = *state;
	struct orgdom_policy p, sub;

	assert_int_equal(orgdom_policy(&f->c, "u.sfx", &p), ORGDOM_OK);
	assert_true(p.from_author);
	assert_true(p.org_open);
	assert_non_null(strstr(p.why, "servfail"));
	assert_int_equal(orgdom_relaxed(&f->c, &p, "u.sfx"), 1);
	assert_int_equal(orgdom_relaxed(&f->c, &p, "mail.u.sfx"), 1);
	assert_int_equal(orgdom_relaxed(&f->c, &p, "a.b.mail.u.sfx"), 1);
	assert_int_equal(orgdom_relaxed(&f->c, &p, "other.sfx"), -1);
	assert_int_equal(orgdom_relaxed(&f->c, &p, "sfx"), -1);
	assert_int_equal(orgdom_relaxed(&f->c, &p, "example.org"), 0);
	/* a record was found, but not the author's own */
	assert_int_equal(orgdom_policy(&f->c, "x.u.sfx", &sub),
	    ORGDOM_TEMPERROR);
	assert_true(sub.record_sure);
	assert_int_equal(orgdom_policy(&f->c, "y.sfx", &sub), ORGDOM_TEMPERROR);
	assert_false(sub.record_sure);
	/* a walk that succeeds: the org is known */
	assert_int_equal(orgdom_policy(&f->c, "example.org", &p), ORGDOM_OK);
	assert_false(p.org_open);
	assert_int_equal(orgdom_relaxed(&f->c, &p, "mail.example.org"), 1);
	assert_int_equal(orgdom_relaxed(&f->c, &p, "other.org"), 0);
}

static void
test_label_limit(void **state)
{
	struct fixture *f = *state;
	struct orgdom_policy p;
	unsigned q0 = f->c.queries;

	/* 14 labels, own record never reached by the cut walk from below:
	 * the start is queried first, so it is found */
	assert_int_equal(orgdom_policy(&f->c, "a.b.c.d.e.f.g.h.i.j.k.l.example",
	    &p), ORGDOM_OK);
	assert_true(p.from_author);
	q0 = f->c.queries;
	/* one more label: the record at 13 labels is skipped by the cut */
	assert_int_equal(orgdom_policy(&f->c,
	    "z.a.b.c.d.e.f.g.h.i.j.k.l.example", &p), ORGDOM_OK);
	assert_string_equal(p.policy_domain, "l.example");
	assert_true(f->c.queries - q0 <= ORGDOM_MAX_QUERIES);
	assert_int_equal(f->c.queries - q0, 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next_target),
		cmocka_unit_test_setup_teardown(test_own_record, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_inherited, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_only_treewalk_finds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_psd_y, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psd_n_and_fewest_labels,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_suffix, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_several_records, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_invalid_record, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_temperror, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_label_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_parent_fails, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
