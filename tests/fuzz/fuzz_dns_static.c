/*
 * fuzz_dns_static.c - fuzz target: the static zone text parser
 * (dns_static_new) and lookups in the zone it builds, through the generic
 * DNS layer (dns_lookup with a per-message budget), as the unit tests and
 * the whole-message fuzzer use it.
 *
 * Invariants: a result's status is one of dns.h's; an OK answer has
 * records, all of the asked type, each NUL-terminated at its length.
 */
#include "dns.h"
#include "fuzz.h"

static const int types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_TXT, DNS_T_MX,
    DNS_T_PTR, DNS_T_CNAME };

/* check_lookup - one query and its invariants */
static void
check_lookup(struct dns_resolver *r, const char *name, int type,
    struct dns_budget *b)
{
	struct dns_result *res = dns_lookup(r, name, type, b);
	size_t i;

	FUZZ_CHECK(res != NULL);
	FUZZ_CHECK(res->status <= DNS_ERROR);
	FUZZ_CHECK(res->status != DNS_OK || res->nrr > 0);
	for (i = 0; i < res->nrr; i++) {
		FUZZ_CHECK(res->rr[i].type == type);
		FUZZ_CHECK(res->rr[i].data[res->rr[i].len] == '\0');
	}
	dns_result_free(res);
}

/* query_names - look up the first word of each line, every type */
static void
query_names(struct dns_resolver *r, const char *text)
{
	struct dns_budget b;
	char name[300];
	const char *p = text;
	size_t n, t;
	unsigned lines = 0;

	dns_budget_init(&b, r, 0);
	while (*p && lines++ < 32) {
		n = strcspn(p, " \t\n");
		if (n > 0 && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
				check_lookup(r, name, types[t], &b);
		}
		p += strcspn(p, "\n");
		p += *p == '\n';
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), err[256];
	struct dns_resolver *r;

	err[0] = '\0';
	r = dns_static_new(s, err, sizeof(err));
	if (r != NULL) {
		query_names(r, s);
		dns_resolver_free(r);
	} else {
		FUZZ_CHECK(err[0] != '\0');
	}
	free(s);
	return 0;
}
