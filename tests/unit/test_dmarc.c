/*
 * test_dmarc.c - the dmarc module end to end without an MTA: a real
 * configuration (conf_load_string), an in-memory zone (dns_static), SPF
 * and DKIM results as the SPF and DKIM modules leave them, then the
 * header and eom hooks.  Checks the DMARC result, the A-R entry and the
 * verdict: alignment (relaxed, strict, temperror), sp/np, t=y, pct in
 * PSL mode, the From rules, vendor lists, trusted clients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "conf_table.h"
#include "ctx.h"
#include "dmarc.h"
#include "str.h"
#include "../fuzz/ar_parse.h"

static const char zone[] =
    "_dmarc.example.edu TXT \"v=DMARC1; p=reject; rua=mailto:d@example.edu\"\n"
    "_dmarc.strict.example TXT \"v=DMARC1; p=reject; aspf=s; adkim=s\"\n"
    "_dmarc.inst.example TXT \"v=DMARC1; p=none; sp=quarantine; np=reject\"\n"
    "sub.inst.example A 192.0.2.1\n"
    "_dmarc.test.example TXT \"v=DMARC1; p=reject; t=y\"\n"
    "_dmarc.pct.example TXT \"v=DMARC1; p=reject; pct=0\"\n"
    "_dmarc.quar.example TXT \"v=DMARC1; p=quarantine\"\n"
    "_dmarc.bad.example TXT \"v=DMARC1; p=reject; garbage\"\n"
    "_dmarc.tmp.example SERVFAIL\n"
    /* a parent whose lookup fails, asked only for the org domain */
    "_dmarc.univ.sfx TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.strict.sfx TXT \"v=DMARC1; p=reject; aspf=s\"\n"
    "_dmarc.sfx SERVFAIL\n";

struct t {
	struct conf *conf;
	struct hm_conn *c;
	struct hm_msg *m;
};

/* start - configuration text, zone, a connection from ip, a message */
static struct t
start(const char *conf_text, const char *ip)
{
	struct t t;
	struct conf_err e;
	char err[256];
	struct sockaddr_in *sin;

	t.conf = conf_load_string(conf_text, 1, &e);
	if (t.conf == NULL)
		fail_msg("conf: %d: %s", e.line, e.msg);
	t.conf->resolver = dns_static_new(zone, err, sizeof(err));
	assert_non_null(t.conf->resolver);
	t.c = ctx_conn_new(t.conf);
	conf_release(t.conf);
	sin = (struct sockaddr_in *)&t.c->addr;
	sin->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	t.c->has_addr = 1;
	t.c->internal = cidr_match_sa(&t.c->conf->internal_networks,
	    (struct sockaddr *)sin);
	t.m = ctx_msg_new(t.c);
	t.m->envfrom = xstrdup("bounce@elsewhere.example");
	return t;
}

/* from - a From header, as the callbacks hand it to the message */
static void
from(struct t *t, const char *value)
{
	assert_int_equal(ctx_msg_header(t->m, "From", value), 0);
}

/* spf - the MAIL FROM result the SPF module would leave */
static void
spf(struct t *t, enum res_spf r, const char *domain)
{
	t->m->spf_mfrom.evaluated = 1;
	t->m->spf_mfrom.result = r;
	t->m->spf_mfrom.domain = xstrdup(domain);
}

/* dkim - one DKIM signature result */
static void
dkim(struct t *t, enum res_dkim r, const char *d)
{
	struct res_dkim_sig *s = ctx_dkim_add(t->m);

	s->result = r;
	s->d = xstrdup(d);
	s->s = xstrdup("sel");
}

/* eom - run the module; returns the A-R header value (caller frees) */
static char *
eom(struct t *t)
{
	assert_int_equal(dmarc_module.eom(t->m), HM_OK);
	return authres_format("mx.test", &t->m->ar);
}

static void
done(struct t *t, char *ar)
{
	free(ar);
	ctx_conn_free(t->c);
}

/* has - the A-R value contains s */
static void
has(const char *ar, const char *s)
{
	if (strstr(ar, s) == NULL)
		fail_msg("A-R lacks '%s': %s", s, ar);
}

static void
test_spf_aligned_relaxed(void **state)
{
	struct t t = start("", "198.51.100.7");
	char *ar;

	(void)state;
	from(&t, "Provost <provost@surveys.example.edu>");
	spf(&t, RES_SPF_PASS, "bounce.example.edu");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_PASS);
	has(ar,
	    "dmarc=pass (p=reject dis=pass) header.from=surveys.example.edu"
	    " policy.dmarc=reject");
	assert_int_equal(t.m->verdict.action, VERDICT_ACCEPT);
	assert_string_equal(ctx_msg_from(t.m)->a.domain, "surveys.example.edu");
	done(&t, ar);
}

static void
test_unaligned_dkim_rejected(void **state)
{
	struct t t = start("", "198.51.100.7");
	char *ar;

	(void)state;
	from(&t, "provost@example.edu");
	dkim(&t, RES_DKIM_PASS, "vendor.example");
	spf(&t, RES_SPF_PASS, "vendor.example");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_FAIL);
	has(ar, "dmarc=fail (p=reject dis=reject)");
	assert_int_equal(t.m->verdict.action, VERDICT_REJECT);
	assert_string_equal(t.m->verdict.rcode, "550");
	assert_string_equal(t.m->verdict.xcode, "5.7.1");
	assert_non_null(strstr(t.m->verdict.text, "example.edu"));
	assert_non_null(strstr(t.m->verdict.text, "DMARC"));
	done(&t, ar);
}

static void
test_vendor_allowlist(void **state)
{
	struct t t = start("dmarc = { vendors = ( { name = \"survey-vendor\"; "
	    "networks = [\"203.0.113.0/24\", \"2001:db8::/32\"]; "
	    "domains = [\"surveys.example.edu\"]; "
	    "reason = \"trusted_forwarder\"; } ); };", "203.0.113.9");
	char *ar;

	(void)state;
	from(&t, "provost@surveys.example.edu");
	dkim(&t, RES_DKIM_PASS, "vendor.example");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_FAIL);
	has(ar, "dis=none override=trusted_forwarder by survey-vendor");
	assert_int_equal(t.m->verdict.action, VERDICT_ACCEPT);
	done(&t, ar);
	/* same domain from an unlisted address: rejected */
	t = start("dmarc = { vendors = ( { name = \"survey-vendor\"; "
	    "networks = [\"203.0.113.0/24\"]; domains = "
	    "[\"surveys.example.edu\"]; } ); };", "198.51.100.9");
	from(&t, "provost@surveys.example.edu");
	ar = eom(&t);
	assert_int_equal(t.m->verdict.action, VERDICT_REJECT);
	done(&t, ar);
}

static void
test_strict(void **state)
{
	struct t t = start("", "198.51.100.7");
	char *ar;

	(void)state;
	from(&t, "a@strict.example");
	spf(&t, RES_SPF_PASS, "bounce.strict.example");
	dkim(&t, RES_DKIM_PASS, "mail.strict.example");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_FAIL);
	done(&t, ar);
	t = start("", "198.51.100.7");
	from(&t, "a@strict.example");
	dkim(&t, RES_DKIM_PASS, "STRICT.example");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_PASS);
	done(&t, ar);
}

static void
test_temperror_alignment(void **state)
{
	struct t t = start("", "198.51.100.7");
	char *ar;

	(void)state;
	/* the aligned signature had a DNS failure: temperror, not fail */
	from(&t, "a@example.edu");
	dkim(&t, RES_DKIM_TEMPERROR, "example.edu");
	dkim(&t, RES_DKIM_PASS, "vendor.example");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_TEMPERROR);
	has(ar, "dmarc=temperror");
	assert_int_equal(t.m->verdict.action, VERDICT_TEMPFAIL);
	assert_string_equal(t.m->verdict.rcode, "451");
	done(&t, ar);
	/* SPF temperror for an aligned MAIL FROM domain: same */
	t = start("", "198.51.100.7");
	from(&t, "a@example.edu");
	spf(&t, RES_SPF_TEMPERROR, "bounces.example.edu");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_TEMPERROR);
	done(&t, ar);
	/* a temperror that could not align: fail */
	t = start("", "198.51.100.7");
	from(&t, "a@example.edu");
	spf(&t, RES_SPF_TEMPERROR, "other.example");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_FAIL);
	done(&t, ar);
	/* an aligned pass wins over a temperror */
	t = start("", "198.51.100.7");
	from(&t, "a@example.edu");
	spf(&t, RES_SPF_TEMPERROR, "example.edu");
	dkim(&t, RES_DKIM_PASS, "example.edu");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_PASS);
	done(&t, ar);
}

static void
test_dns_temperror(void **state)
{
	struct t t = start("", "198.51.100.7");
	char *ar;

	(void)state;
	from(&t, "a@tmp.example");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_TEMPERROR);
	assert_int_equal(t.m->verdict.action, VERDICT_TEMPFAIL);
	done(&t, ar);
	t = start("dmarc = { on_temperror = \"accept\"; };", "198.51.100.7");
	from(&t, "a@tmp.example");
	ar = eom(&t);
	assert_int_equal(t.m->verdict.action, VERDICT_ACCEPT);
	done(&t, ar);
}

static void
test_sp_np(void **state)
{
	struct t t = start("", "198.51.100.7");
	char *ar;

	(void)state;
	from(&t, "a@sub.inst.example");
	ar = eom(&t);
	has(ar, "dmarc=fail (p=quarantine dis=quarantine)");
	assert_int_equal(t.m->verdict.action, VERDICT_QUARANTINE);
	done(&t, ar);
	t = start("", "198.51.100.7");
	from(&t, "a@nonexistent.inst.example");
	ar = eom(&t);
	has(ar, "policy.dmarc=reject");
	assert_int_equal(t.m->verdict.action, VERDICT_REJECT);
	done(&t, ar);
	t = start("", "198.51.100.7");
	from(&t, "a@inst.example");
	ar = eom(&t);
	has(ar, "dmarc=fail (p=none dis=none)");
	assert_int_equal(t.m->verdict.action, VERDICT_ACCEPT);
	done(&t, ar);
}

static void
test_testing_and_pct(void **state)
{
	struct t t = start("", "198.51.100.7");
	char *ar;

	(void)state;
	from(&t, "a@test.example");
	ar = eom(&t);
	has(ar, "dis=quarantine override=policy_test_mode");
	assert_int_equal(t.m->verdict.action, VERDICT_QUARANTINE);
	done(&t, ar);
	/* pct is an unknown tag in RFC 9989 mode ... */
	t = start("", "198.51.100.7");
	from(&t, "a@pct.example");
	ar = eom(&t);
	assert_int_equal(t.m->verdict.action, VERDICT_REJECT);
	done(&t, ar);
	/* ... and honoured in RFC 7489 mode */
	t = start("dmarc = { org_domain = \"psl\"; };", "198.51.100.7");
	from(&t, "a@pct.example");
	ar = eom(&t);
	has(ar, "override=sampled_out");
	assert_int_equal(t.m->verdict.action, VERDICT_QUARANTINE);
	done(&t, ar);
}

static void
test_quarantine_header_and_report_only(void **state)
{
	struct t t = start("dmarc = { quarantine_by = \"header\"; };",
	    "198.51.100.7");
	char *ar;

	(void)state;
	from(&t, "a@quar.example");
	ar = eom(&t);
	assert_int_equal(t.m->verdict.action, VERDICT_ACCEPT);
	assert_int_equal(t.m->nadd, 1);
	assert_string_equal(t.m->add[0].name, "X-Hallmark-Quarantine");
	done(&t, ar);
	t = start("dmarc = { report_only = true; };", "198.51.100.7");
	from(&t, "a@example.edu");
	ar = eom(&t);
	has(ar, "dis=none override=local_policy by report_only)");
	assert_int_equal(t.m->verdict.action, VERDICT_ACCEPT);
	done(&t, ar);
}

static void
test_from_rules(void **state)
{
	struct t t = start("", "198.51.100.7");
	char *ar;

	(void)state;
	ar = eom(&t);			/* no From at all */
	has(ar, "dmarc=permerror (no From header)");
	assert_int_equal(t.m->verdict.action, VERDICT_REJECT);
	done(&t, ar);
	t = start("", "198.51.100.7");
	from(&t, "a@example.edu");
	from(&t, "b@example.edu");
	ar = eom(&t);
	has(ar, "2 From headers");
	assert_int_equal(t.m->verdict.action, VERDICT_REJECT);
	done(&t, ar);
	t = start("", "198.51.100.7");
	from(&t, "a@example.edu, b@other.example");
	ar = eom(&t);
	has(ar, "several");
	assert_int_equal(t.m->verdict.action, VERDICT_REJECT);
	done(&t, ar);
	t = start("dmarc = { from_action = \"accept\"; };", "198.51.100.7");
	from(&t, "undisclosed-recipients:;");
	ar = eom(&t);
	has(ar, "dmarc=permerror");
	assert_int_equal(t.m->verdict.action, VERDICT_ACCEPT);
	done(&t, ar);
	/* from_action = quarantine: held, or a header with quarantine_by */
	t = start("dmarc = { from_action = \"quarantine\"; };", "198.51.100.7");
	ar = eom(&t);
	assert_int_equal(t.m->verdict.action, VERDICT_QUARANTINE);
	assert_int_equal(t.m->nadd, 0);
	done(&t, ar);
	t = start("dmarc = { from_action = \"quarantine\"; quarantine_by = "
	    "\"header\"; };", "198.51.100.7");
	ar = eom(&t);
	assert_int_equal(t.m->verdict.action, VERDICT_ACCEPT);
	assert_int_equal(t.m->nadd, 1);
	assert_string_equal(t.m->add[0].name, "X-Hallmark-Quarantine");
	done(&t, ar);
	/* report-only: never enforced */
	t = start("dmarc = { report_only = true; };", "198.51.100.7");
	ar = eom(&t);
	has(ar, "dmarc=permerror (no From header)");
	assert_int_equal(t.m->verdict.action, VERDICT_ACCEPT);
	done(&t, ar);
	/* encoded words and comments are fine */
	t = start("", "198.51.100.7");
	from(&t, "=?utf-8?q?Pr=C3=A9vost?= (office) <p@example.edu>");
	dkim(&t, RES_DKIM_PASS, "example.edu");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_PASS);
	done(&t, ar);
}

static void
test_trusted_and_permerror(void **state)
{
	struct t t = start("", "127.0.0.1");
	char *ar;

	(void)state;
	from(&t, "a@example.edu");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_FAIL);
	has(ar, "override=local_policy by internal network");
	assert_int_equal(t.m->verdict.action, VERDICT_ACCEPT);
	done(&t, ar);
	t = start("", "198.51.100.7");
	from(&t, "a@bad.example");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_PERMERROR);
	has(ar, "garbage");
	assert_int_equal(t.m->verdict.action, VERDICT_ACCEPT);
	done(&t, ar);
	t = start("", "198.51.100.7");
	from(&t, "a@nodmarc.example");
	ar = eom(&t);
	has(ar, "dmarc=none");
	done(&t, ar);
}

/* the parent of the Author Domain (asked only to find the Organizational
 * Domain) fails: temperror only when it could change the result */
static const struct org_row {
	const char *from, *spf, *dkim; /* passing identifiers (or NULL) */
	enum res_dmarc want;
	enum verdict_action act;
} org_rows[] = {
	/* identical identifiers: aligned whatever the parent holds */
	{ "univ.sfx", "univ.sfx", NULL, RES_DMARC_PASS, VERDICT_ACCEPT },
	{ "univ.sfx", NULL, "univ.sfx", RES_DMARC_PASS, VERDICT_ACCEPT },
	/* below the author: same org whatever the parent holds */
	{ "univ.sfx", "mail.univ.sfx", NULL, RES_DMARC_PASS, VERDICT_ACCEPT },
	/* nothing in common: fails whatever the parent holds */
	{ "univ.sfx", "other.test", NULL, RES_DMARC_FAIL, VERDICT_REJECT },
	{ "univ.sfx", NULL, NULL, RES_DMARC_FAIL, VERDICT_REJECT },
	/* aligned if sfx were the org, not if it were a PSD: open */
	{ "univ.sfx", "other.sfx", NULL, RES_DMARC_TEMPERROR,
	    VERDICT_TEMPFAIL },
	/* ... unless another identifier already aligns */
	{ "univ.sfx", "other.sfx", "univ.sfx", RES_DMARC_PASS, VERDICT_ACCEPT },
	/* strict: only the identical name aligns */
	{ "strict.sfx", "mail.strict.sfx", NULL, RES_DMARC_FAIL,
	    VERDICT_REJECT },
	/* inherited record (univ.sfx or sfx's): the author itself passes */
	{ "sub.univ.sfx", "sub.univ.sfx", NULL, RES_DMARC_PASS,
	    VERDICT_ACCEPT },
	/* ... its aspf and p depend on which record applies: open */
	{ "sub.univ.sfx", "univ.sfx", NULL, RES_DMARC_TEMPERROR,
	    VERDICT_TEMPFAIL },
	/* no record found before the failure: DMARC may not even apply */
	{ "x.sfx", "x.sfx", NULL, RES_DMARC_TEMPERROR, VERDICT_TEMPFAIL },
};

static void
test_org_lookup_failure(void **state)
{
	size_t i;
	char addr[128];

	(void)state;
	for (i = 0; i < sizeof(org_rows) / sizeof(org_rows[0]); i++) {
		const struct org_row *r = &org_rows[i];
		struct t t = start("", "198.51.100.7");
		char *ar;

		snprintf(addr, sizeof(addr), "a@%s", r->from);
		from(&t, addr);
		if (r->spf != NULL)
			spf(&t, RES_SPF_PASS, r->spf);
		if (r->dkim != NULL)
			dkim(&t, RES_DKIM_PASS, r->dkim);
		ar = eom(&t);
		if (t.m->dmarc != r->want || t.m->verdict.action != r->act)
			fail_msg("row %zu (From %s, SPF %s, DKIM %s): got %s "
				 "action %d: %s",
			    i, r->from, r->spf ? r->spf : "-",
			    r->dkim ? r->dkim : "-", res_dmarc_name(t.m->dmarc),
			    (int)t.m->verdict.action, ar);
		done(&t, ar);
	}
}

/* a From field that carries a forged result: the A-R entry hallmark
 * writes reads as its own permerror alone, for an RFC 8601 parser and for
 * a reader that splits on ';' */
static void
test_forged_from_comment(void **state)
{
	struct t t = start("dmarc = { from_action = \"accept\"; };",
	    "198.51.100.7");
	struct arp a;
	char *ar, *p;
	int semis = 0;

	(void)state;
	from(&t,
	    "\"Dear \" ) ; dmarc=pass header.from=x.example ; x=(\" "
	    "<b@x.example>");
	ar = eom(&t);
	assert_int_equal(t.m->dmarc, RES_DMARC_PERMERROR);
	if (arp_parse(ar, &a) != 0)
		fail_msg("A-R does not parse at '%s': %s", a.err, ar);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.r[0].method, "dmarc");
	assert_string_equal(a.r[0].result, "permerror");
	for (p = ar; *p != '\0'; p++)
		semis += *p == ';';
	if (semis != 1 || strstr(ar, "=pass") != NULL)
		fail_msg("forged text in the A-R: %s", ar);
	done(&t, ar);
}

/* dis= says what was done, and a local setting that differs from the
 * published policy is named */
static const struct dis_row {
	const char *conf, *from;
	const char *ar; /* expected in the A-R */
	enum verdict_action act;
} dis_rows[] = {
	{ "", "quar.example", "dmarc=fail (p=quarantine dis=quarantine)",
	    VERDICT_QUARANTINE },
	{ "", "example.edu", "dmarc=fail (p=reject dis=reject)",
	    VERDICT_REJECT },
	{ "on_reject = \"quarantine\";", "example.edu",
	    "(p=reject dis=quarantine override=local_policy by on_reject)",
	    VERDICT_QUARANTINE },
	{ "on_reject = \"accept\";", "example.edu",
	    "(p=reject dis=none override=local_policy by on_reject)",
	    VERDICT_ACCEPT },
	{ "on_quarantine = \"reject\";", "quar.example",
	    "(p=quarantine dis=reject override=local_policy by on_quarantine)",
	    VERDICT_REJECT },
	{ "quarantine_by = \"header\";", "quar.example",
	    "(p=quarantine dis=quarantine)", VERDICT_ACCEPT },
	{ "on_reject = \"quarantine\"; quarantine_by = \"header\";",
	    "example.edu",
	    "(p=reject dis=quarantine override=local_policy by on_reject)",
	    VERDICT_ACCEPT },
	{ "report_only = true;", "quar.example",
	    "(p=quarantine dis=none override=local_policy by report_only)",
	    VERDICT_ACCEPT },
	/* t=y lowers the policy: reported, no local setting involved */
	{ "", "test.example",
	    "(p=reject dis=quarantine override=policy_test_mode by t=y)",
	    VERDICT_QUARANTINE },
};

static void
test_dis_applied(void **state)
{
	char conf[256], addr[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dis_rows) / sizeof(dis_rows[0]); i++) {
		const struct dis_row *r = &dis_rows[i];
		struct t t;
		char *ar;

		snprintf(conf, sizeof(conf), "dmarc = { %s };", r->conf);
		t = start(conf, "198.51.100.7");
		snprintf(addr, sizeof(addr), "a@%s", r->from);
		from(&t, addr);
		ar = eom(&t);
		if (strstr(ar, r->ar) == NULL || t.m->verdict.action != r->act)
			fail_msg("row %zu (%s): action %d, want '%s': %s", i,
			    r->conf, (int)t.m->verdict.action, r->ar, ar);
		done(&t, ar);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spf_aligned_relaxed),
		cmocka_unit_test(test_unaligned_dkim_rejected),
		cmocka_unit_test(test_vendor_allowlist),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_temperror_alignment),
		cmocka_unit_test(test_dns_temperror),
		cmocka_unit_test(test_org_lookup_failure),
		cmocka_unit_test(test_forged_from_comment),
		cmocka_unit_test(test_dis_applied),
		cmocka_unit_test(test_sp_np),
		cmocka_unit_test(test_testing_and_pct),
		cmocka_unit_test(test_quarantine_header_and_report_only),
		cmocka_unit_test(test_from_rules),
		cmocka_unit_test(test_trusted_and_permerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
