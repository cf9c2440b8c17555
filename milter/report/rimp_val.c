/*
 * rimp_val.c - value checks of the report importer (rimp_val.h), and the
 * report's lifetime and identity (rimp_report_free, rimp_reporter).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "rimp.h"
#include "rimp_val.h"
#include "str.h"

int
rv_u64(const char *s, uint64_t max, uint64_t *out)
{
	return str_parse_u64(s, strlen(s), max, out);
}

char *
rv_ip(const char *s)
{
	unsigned char a[sizeof(struct in6_addr)];
	char buf[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET, s, a) == 1)
		return xstrdup(inet_ntop(AF_INET, a, buf, sizeof(buf)));
	if (inet_pton(AF_INET6, s, a) == 1)
		return xstrdup(inet_ntop(AF_INET6, a, buf, sizeof(buf)));
	return NULL;
}

/* label_byte - c may appear in a label */
static int
label_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c >= 0x80;
}

int
rv_domain(char *s)
{
	size_t i, n = strlen(s), lab = 0;

	if (n > 0 && s[n - 1] == '.')
		s[--n] = '\0';
	if (n == 0 || n > 253)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (lab == 0)
				return -1;
			lab = 0;
		} else if (!label_byte((unsigned char)s[i]) || ++lab > 63) {
			return -1;
		}
	}
	if (lab == 0)
		return -1;
	str_lower(s);
	return 0;
}

/* lookup - index of s in names (NULL-terminated), any ASCII case, or -1 */
static int
lookup(const char *s, const char *const *names)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (str_casecmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* lookup_into - as lookup, the index stored in *out; 0 or -1 */
#define LOOKUP_INTO(s, names, out, type) \
	do { \
		int i_ = lookup((s), (names)); \
		if (i_ < 0) \
			return -1; \
		*(out) = (type)i_; \
		return 0; \
	} while (0)

int
rv_disp(const char *s, enum rr_disp *out)
{
	static const char *const n[] = { "none", "pass", "quarantine", "reject",
		NULL };

	LOOKUP_INTO(s, n, out, enum rr_disp);
}

int
rv_pass(const char *s, int *out)
{
	static const char *const n[] = { "fail", "pass", NULL };

	LOOKUP_INTO(s, n, out, int);
}

int
rv_pol(const char *s, enum rr_pol *out)
{
	static const char *const n[] = { "none", "quarantine", "reject", NULL };

	LOOKUP_INTO(s, n, out, enum rr_pol);
}

int
rv_align(const char *s, char *out)
{
	static const char *const n[] = { "r", "s", NULL };
	int i = lookup(s, n);

	if (i < 0)
		return -1;
	*out = i == 0 ? 'r' : 's';
	return 0;
}

int
rv_dkim(const char *s, enum res_dkim *out)
{
	static const char *const n[] = { "none", "pass", "fail", "neutral",
		"policy", "temperror", "permerror", NULL };

	LOOKUP_INTO(s, n, out, enum res_dkim);
}

int
rv_spf(const char *s, enum res_spf *out)
{
	static const char *const n[] = { "none", "neutral", "pass", "fail",
		"softfail", "temperror", "permerror", NULL };

	LOOKUP_INTO(s, n, out, enum res_spf);
}

int
rv_discovery(const char *s, enum rr_discovery *out)
{
	static const char *const n[] = { "treewalk", "psl", NULL };

	LOOKUP_INTO(s, n, out, enum rr_discovery);
}

int
rv_testing(const char *s, int *out)
{
	static const char *const n[] = { "n", "y", NULL };

	LOOKUP_INTO(s, n, out, int);
}

int
rv_reason(const char *s, enum rr_reason *out, const char **orig)
{
	static const char *const n[] = { "local_policy", "mailing_list",
		"other", "policy_test_mode", "trusted_forwarder", NULL };

	*orig = NULL;
	if (str_casecmp(s, "forwarded") == 0) {
		*orig = "forwarded";
		*out = RR_REASON_TRUSTED_FORWARDER;
		return 0;
	}
	if (str_casecmp(s, "sampled_out") == 0) {
		*orig = "sampled_out";
		*out = RR_REASON_POLICY_TEST_MODE;
		return 0;
	}
	LOOKUP_INTO(s, n, out, enum rr_reason);
}

void
rimp_report_free(struct rimp_report *r)
{
	size_t i;

	free(r->org_name);
	free(r->email);
	free(r->report_id);
	rpolicy_free(&r->policy);
	for (i = 0; i < r->nrows; i++)
		rrow_free(&r->rows[i]);
	free(r->rows);
	memset(r, 0, sizeof(*r));
}

char *
rimp_reporter(const struct rimp_report *r)
{
	const char *at = r->email != NULL ? strrchr(r->email, '@') : NULL;
	char *s;

	if (at != NULL && at[1] != '\0')
		s = xstrdup(at + 1);
	else
		s = xstrdup(r->org_name != NULL ? r->org_name : "");
	str_lower(s);
	return s;
}
