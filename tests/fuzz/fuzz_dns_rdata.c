/*
 * fuzz_dns_rdata.c - fuzz target: the DNS wire conversions a resolver's
 * answers go through (dns_rdata.c): wire names to text, one rdata of each
 * type to a struct dns_rr, and query names to libunbound's escaped text.
 *
 * Input: byte 0 picks the RR type, byte 1 an output size, the rest is the
 * rdata (and, NUL-terminated, the query name).
 * Invariants: output always NUL-terminated inside its buffer; a record
 * added has the asked type and a NUL after its data; a malformed rdata
 * leaves the result unchanged; an escaped query name has only the plain
 * characters and \DDD escapes.
 */
#include <ctype.h>

#include "dns.h"
#include "dns_int.h"
#include "dns_rdata.h"
#include "fuzz.h"

static const int types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_TXT, DNS_T_MX,
    DNS_T_PTR, DNS_T_CNAME, DNS_T_NS, 99 };

/* check_name - wire name to text, into a buffer of outlen */
static void
check_name(const uint8_t *rd, size_t len, size_t outlen)
{
	char *out = malloc(outlen);
	size_t used;

	if (out == NULL)
		abort();
	used = dns_rdata_name(rd, len, out, outlen);
	FUZZ_CHECK(used <= len && used <= 255);
	if (used > 0)
		FUZZ_CHECK(strlen(out) < outlen);
	free(out);
}

/* check_add - one rdata into a result */
static void
check_add(int type, const uint8_t *rd, size_t len)
{
	struct dns_result *res = dns_result_new(DNS_OK, NULL);
	const struct dns_rr *rr;

	if (dns_rdata_add(res, type, rd, len) == 0) {
		FUZZ_CHECK(res->nrr == 1);
		rr = &res->rr[0];
		FUZZ_CHECK(rr->type == type && rr->data[rr->len] == '\0');
		if (type == DNS_T_A || type == DNS_T_AAAA)
			FUZZ_CHECK(rr->len == (type == DNS_T_A ? 4u : 16u));
		if (type == DNS_T_TXT)
			FUZZ_CHECK(rr->len < len);
	} else {
		FUZZ_CHECK(res->nrr == 0);
	}
	dns_result_free(res);
}

/* check_qname - escaping for libunbound */
static void
check_qname(const char *name, size_t outlen)
{
	char *out = malloc(outlen);
	const char *p;

	if (out == NULL)
		abort();
	if (dns_rdata_qname(name, out, outlen) == 0) {
		FUZZ_CHECK(strlen(out) < outlen);
		for (p = out; *p; p++) {
			if (*p == '\\') {
				FUZZ_CHECK(isdigit((unsigned char)p[1]) &&
				    isdigit((unsigned char)p[2]) &&
				    isdigit((unsigned char)p[3]));
				p += 3;
			} else {
				FUZZ_CHECK(isalnum((unsigned char)*p) ||
				    *p == '-' || *p == '_' || *p == '.');
			}
		}
	}
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int type;
	size_t outlen;
	char *name;

	if (size < 2)
		return 0;
	type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	outlen = 1 + data[1] * 5u;
	check_add(type, data + 2, size - 2);
	check_name(data + 2, size - 2, outlen);
	check_name(data + 2, size - 2, DNS_PRES_MAX);
	name = fuzz_cstr(data + 2, size - 2);
	check_qname(name, outlen);
	check_qname(name, DNS_PRES_MAX);
	free(name);
	return 0;
}
