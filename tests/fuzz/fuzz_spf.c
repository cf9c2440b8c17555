/*
 * fuzz_spf.c - fuzz target: SPF record parsing, macro syntax and
 * expansion, and whole check_host() evaluations (spf_eval.c) against a
 * fuzzer-chosen DNS zone (dns_static).
 *
 * Input lines: 1 MAIL FROM, 2 HELO, 3 client IP (text; a default when it
 * does not parse), the rest a dns_static zone.  Line 1 is also parsed as a
 * record and checked / expanded as a macro-string.
 * Invariants: results are RFC 7208 results; the evaluation stays within
 * the limits (10 DNS terms, the void limit + 1) and a bounded number of
 * queries; explanations only come with fail; expansions fit the bound.
 */
#include <sys/socket.h>

#include "dns.h"
#include "fuzz.h"
#include "spf_eval.h"
#include "spf_macro.h"
#include "spf_record.h"
#include "str.h"

/* most queries one check may start: 10 terms x (1 + 10 names) + the
 * record, redirect and exp lookups, with %{p} validations */
#define MAX_QUERIES 400

/* line - the next line of *p (NUL-terminated in place) or "" */
static char *
line(char **p)
{
	char *s = *p, *nl;

	if (s == NULL)
		return "";
	nl = strchr(s, '\n');
	if (nl != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = NULL;
	}
	return s;
}

/* check_parse - record parser and macro functions on text */
static void
check_parse(const char *t)
{
	struct spf_record rec;
	struct spf_macro_ctx mc;
	struct str out;
	char why[128];
	size_t n = strlen(t);
	int rc;

	memset(&rec, 0, sizeof(rec));
	if (spf_record_parse(t, n, &rec, why, sizeof(why)) == 0)
		FUZZ_CHECK(rec.nterm <= (n - 6) / 2 && rec.nterm <= rec.cap);
	spf_record_free(&rec);
	memset(&mc, 0, sizeof(mc));
	mc.sender = "user@example.org";
	mc.local = "user";
	mc.sender_dom = "example.org";
	mc.domain = "example.org";
	mc.helo = "mx.example.org";
	mc.family = AF_INET6;
	mc.now = 1700000000;
	str_init(&out);
	rc = spf_macro_expand(&mc, t, n, n & 1, &out);
	FUZZ_CHECK(rc == 0 || rc == -1 || rc == -2);
	FUZZ_CHECK(out.len <= SPF_MACRO_OUT_MAX);
	if (rc == 0)
		FUZZ_CHECK(spf_macro_check(t, n, n & 1) == 0);
	str_reset(&out);
	/* labels are cut from the left until the name fits; a last label
	 * longer than that stays (the DNS layer refuses the name) */
	if (spf_macro_domain(&mc, t, &out) == 0)
		FUZZ_CHECK(out.len <= SPF_DOMAIN_MAX ||
		    memchr(out.s, '.', out.len) == NULL);
	str_free(&out);
}

/* check_eval - one check_host() and its invariants */
static void
check_eval(struct spf_request *req, const char *mailfrom)
{
	struct dns_budget b;
	struct spf_answer ans;

	dns_budget_init(&b, req->resolver, 0);
	req->budget = &b;
	spf_eval_check(req, mailfrom, &ans);
	FUZZ_CHECK(ans.result <= RES_SPF_PERMERROR);
	FUZZ_CHECK(ans.dns_mechs <= SPF_MAX_DNS_MECHS + 1);
	FUZZ_CHECK(ans.voids <= SPF_MAX_VOIDS + 1);
	FUZZ_CHECK(b.queries <= MAX_QUERIES);
	FUZZ_CHECK(memchr(ans.reason, '\0', sizeof(ans.reason)) != NULL);
	if (ans.explanation != NULL)
		FUZZ_CHECK(ans.result == RES_SPF_FAIL);
	spf_answer_free(&ans);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *p, *mailfrom, *helo, *ip, err[128];
	struct spf_request req;
	struct dns_resolver *r;

	if (size > 8192)
		return 0;
	s = p = fuzz_cstr(data, size);
	mailfrom = line(&p);
	helo = line(&p);
	ip = line(&p);
	check_parse(mailfrom);
	r = dns_static_new(p ? p : "", err, sizeof(err));
	if (r != NULL) {
		memset(&req, 0, sizeof(req));
		req.resolver = r;
		req.helo = helo;
		req.receiver = "mx.example.net";
		req.now = 1700000000;
		if (spf_eval_parse_ip(&req, ip) < 0)
			(void)spf_eval_parse_ip(&req, "192.0.2.1");
		check_eval(&req, mailfrom);
		check_eval(&req, NULL);
		dns_resolver_free(r);
	}
	free(s);
	return 0;
}
