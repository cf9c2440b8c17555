/*
 * spf-suite.c - run the RFC 7208 test suite through hallmark's SPF
 * evaluator (spf_eval.c) with each scenario's zone served by the static
 * DNS back end (dns_static.c).
 *
 * Input: the line format written by rfc7208-convert.py (see there).
 * Output: one line per failing case, then "N passed, N failed".  Exit 0
 * when nothing failed.  A case passes when the result is one of the
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
#include "str.h"

struct suite {
	struct dns_resolver *r;
	char scenario[256];
	unsigned passed, failed;
	int verbose;
};

/* decode - "=" + percent-encoded field into a NUL-terminated buffer */
static char *
decode(const char *f, size_t *len)
{
	struct str b;
	char *out;
	size_t i;

	str_init(&b);
	for (i = 1; f[0] == '=' && f[i] != '\0'; i++) {
		unsigned v;
		if (f[i] == '%' && sscanf(f + i + 1, "%2x", &v) == 1) {
			str_addc(&b, (char)v);
			i += 2;
		} else {
			str_addc(&b, f[i]);
		}
	}
	if (len != NULL)
		*len = b.len;
	out = str_steal(&b);
	str_free(&b);
	return out;
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

/* add_rr - "rr =owner TYPE pref =data" */
static int
add_rr(struct suite *s, char *line)
{
	char owner[1024], type[16], data[8192];
	unsigned pref;
	char *o, *d;
	size_t dl;
	int t, rc;
	uint8_t a[16];

	if (sscanf(line, "rr %1023s %15s %u %8191s", owner, type, &pref,
	    data) != 4)
		return -1;
	o = decode(owner, NULL);
	d = decode(data, &dl);
	if ((t = type_code(type)) < 0)
		rc = -1;
	else if (t == DNS_T_A || t == DNS_T_AAAA) {
		int fam = t == DNS_T_A ? AF_INET : AF_INET6;
		rc = inet_pton(fam, d, a) == 1 ? dns_static_add(s->r, o, t, 0,
		    a, t == DNS_T_A ? 4 : 16) : -1;
	} else
		rc = dns_static_add(s->r, o, t, (uint16_t)pref, d, dl);
	free(o);
	free(d);
	return rc;
}

/* result_in - is got one of the comma-separated names */
static int
result_in(const char *got, const char *list)
{
	size_t n = strlen(got);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, got, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return 0;
}

/* run_test - "test =name =host =mailfrom =helo =results =exp|-" */
static void
run_test(struct suite *s, char *line)
{
	char f[6][2048];
	char *name, *host, *from, *helo, *want, *exp = NULL;
	struct spf_request req;
	struct spf_answer ans;
	const char *got;
	int ok;

	if (sscanf(line, "test %2047s %2047s %2047s %2047s %2047s %2047s",
	    f[0], f[1], f[2], f[3], f[4], f[5]) != 6) {
		printf("BAD LINE: %s\n", line);
		s->failed++;
		return;
	}
	name = decode(f[0], NULL);
	host = decode(f[1], NULL);
	from = decode(f[2], NULL);
	helo = decode(f[3], NULL);
	want = decode(f[4], NULL);
	if (strcmp(f[5], "-") != 0)
		exp = decode(f[5], NULL);
	memset(&req, 0, sizeof(req));
	req.resolver = s->r;
	req.helo = helo;
	req.now = 1700000000;
	if (spf_eval_parse_ip(&req, host) < 0) {
		printf("FAIL %s: bad host %s\n", name, host);
		s->failed++;
		goto out;
	}
	spf_eval_check(&req, from, &ans);
	got = res_spf_name(ans.result);
	ok = result_in(got, want);
	if (ok && exp != NULL && strcmp(exp, "DEFAULT") == 0)
		ok = ans.explanation == NULL;
	else if (ok && exp != NULL)
		ok = ans.explanation != NULL &&
		    str_casecmp(ans.explanation, exp) == 0;
	if (ok)
		s->passed++;
	else {
		s->failed++;
		printf("FAIL %s / %s: got %s (%s) exp=\"%s\"; want %s%s%s\n",
		    s->scenario, name, got, ans.reason,
		    ans.explanation ? ans.explanation : "(default)", want,
		    exp ? " exp=" : "", exp ? exp : "");
	}
	if (s->verbose && ok)
		printf("ok   %s: %s (%s)\n", name, got, ans.reason);
	spf_answer_free(&ans);
out:
	free(name);
	free(host);
	free(from);
	free(helo);
	free(want);
	free(exp);
}

/* line - handle one input line */
static int
line(struct suite *s, char *l)
{
	char err[256], f[1024];
	char *d;

	l[strcspn(l, "\n")] = '\0';
	if (strncmp(l, "scenario ", 9) == 0) {
		d = decode(l + 9, NULL);
		snprintf(s->scenario, sizeof(s->scenario), "%s", d);
		free(d);
		s->r = dns_static_new("", err, sizeof(err));
		return s->r == NULL ? -1 : 0;
	}
	if (s->r == NULL)
		return -1;
	if (strncmp(l, "rr ", 3) == 0)
		return add_rr(s, l);
	if (strncmp(l, "timeout ", 8) == 0 && sscanf(l, "timeout %1023s",
	    f) == 1) {
		d = decode(f, NULL);
		int rc = dns_static_fail(s->r, d, DNS_TIMEOUT);
		free(d);
		return rc;
	}
	if (strncmp(l, "test ", 5) == 0) {
		run_test(s, l);
		return 0;
	}
	if (strcmp(l, "end") == 0) {
		dns_resolver_free(s->r);
		s->r = NULL;
		return 0;
	}
	return -1;
}

/* main - spf-suite [-v] suite.txt */
int
main(int argc, char **argv)
{
	struct suite s;
	char buf[16384];
	FILE *fp;
	int ln = 0;

	memset(&s, 0, sizeof(s));
	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		s.verbose = 1;
		argv++;
		argc--;
	}
	if (argc != 2 || (fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: spf-suite [-v] suite.txt\n");
		return 2;
	}
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		ln++;
		if (line(&s, buf) < 0) {
			fprintf(stderr, "%s:%d: cannot use this line\n",
			    argv[1], ln);
			return 2;
		}
	}
	fclose(fp);
	printf("%u passed, %u failed\n", s.passed, s.failed);
	return s.failed == 0 && s.passed > 0 ? 0 : 1;
}
