/*
 * spf-suite.c - run the RFC 7208 test suite through hallmark's SPF
 * evaluator (spf_eval.c), each scenario's zone served by the static DNS
 * back end (dns_static.c, records added with dns_static_add so that the
 * suite's odd bytes survive).
 *
 * Input: the line format written by rfc7208-convert.py.
 * Output: one line per failing case, then "N passed, N failed"; exit 0
 * when nothing failed.  A case passes when the result is one of its
 * listed results and, where an explanation is given, the explanation
 * matches: "DEFAULT" means the default one (no exp= text); other texts
 * are compared ignoring ASCII case (the suite writes the %{i} nibbles
 * of an IPv6 address in upper case, RFC 7208 does not fix their case).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"
#include "results.h"
#include "spf_eval.h"
#include "suite_reader.h"

struct suite {
	struct dns_resolver *r;
	char scenario[256];
	unsigned passed, failed;
	int verbose;
};

/* on_scenario - a new zone */
static int
on_scenario(void *arg, const char *desc)
{
	struct suite *s = arg;
	char err[256];

	snprintf(s->scenario, sizeof(s->scenario), "%s", desc);
	s->r = dns_static_new("", err, sizeof(err));
	if (s->r == NULL)
		fprintf(stderr, "dns_static_new: %s\n", err);
	return s->r == NULL ? -1 : 0;
}

/* type_code - zone type name to RR type */
static int
type_code(const char *t)
{
	static const struct { const char *n; int t; } tab[] = {
		{ "A", DNS_T_A }, { "AAAA", DNS_T_AAAA }, { "TXT", DNS_T_TXT },
		{ "MX", DNS_T_MX }, { "PTR", DNS_T_PTR },
		{ "CNAME", DNS_T_CNAME } };
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(tab[i].n, t) == 0)
			return tab[i].t;
	return -1;
}

/* on_rr - one record */
static int
on_rr(void *arg, const char *owner, const char *type, unsigned pref,
    const char *data, size_t len)
{
	struct suite *s = arg;
	uint8_t a[16];
	int t = type_code(type);

	if (s->r == NULL || t < 0)
		return -1;
	if (t == DNS_T_A || t == DNS_T_AAAA) {
		int fam = t == DNS_T_A ? AF_INET : AF_INET6;
		if (inet_pton(fam, data, a) != 1)
			return -1;
		return dns_static_add(s->r, owner, t, 0, a,
		    t == DNS_T_A ? 4 : 16);
	}
	return dns_static_add(s->r, owner, t, (uint16_t)pref, data, len);
}

/* on_timeout - the name times out */
static int
on_timeout(void *arg, const char *owner)
{
	struct suite *s = arg;

	return s->r == NULL ? -1 : dns_static_fail(s->r, owner, DNS_TIMEOUT);
}

/* on_test - run one case */
static void
on_test(void *arg, const struct suite_test *t)
{
	struct suite *s = arg;
	struct spf_request req;
	struct spf_answer ans;
	const char *got;

	memset(&req, 0, sizeof(req));
	req.resolver = s->r;
	req.helo = t->helo;
	req.now = 1700000000;
	if (s->r == NULL || spf_eval_parse_ip(&req, t->host) < 0) {
		printf("FAIL %s: bad host %s\n", t->name, t->host);
		s->failed++;
		return;
	}
	spf_eval_check(&req, t->mailfrom, &ans);
	got = res_spf_name(ans.result);
	if (suite_result_in(got, t->want) && suite_exp_ok(t->exp, ans.explanation, NULL)) {
		s->passed++;
		if (s->verbose)
			printf("ok   %s: %s (%s)\n", t->name, got, ans.reason);
	} else {
		s->failed++;
		printf("FAIL %s / %s: got %s (%s) exp=\"%s\"; want %s%s%s\n",
		    s->scenario, t->name, got, ans.reason,
		    ans.explanation ? ans.explanation : "(default)", t->want,
		    t->exp ? " exp=" : "", t->exp ? t->exp : "");
	}
	spf_answer_free(&ans);
}

/* on_end - drop the scenario's zone */
static void
on_end(void *arg)
{
	struct suite *s = arg;

	dns_resolver_free(s->r);
	s->r = NULL;
}

/* main - spf-suite [-v] suite.txt */
int
main(int argc, char **argv)
{
	static const struct suite_ops ops = {
		on_scenario, on_rr, on_timeout, on_test, on_end
	};
	struct suite s;
	const char *path;

	memset(&s, 0, sizeof(s));
	path = suite_args(argc, argv, "spf-suite", &s.verbose);
	if (path == NULL || suite_read(path, &ops, &s) < 0)
		return 2;
	printf("%u passed, %u failed\n", s.passed, s.failed);
	return s.failed == 0 && s.passed > 0 ? 0 : 1;
}
