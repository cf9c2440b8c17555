/*
 * fuzz_mailaddr.c - fuzz target: From header and RFC 5321 path parsing.
 *
 * Input: raw bytes, parsed as a From value (NULs included) and, as a C
 * string, as a path.
 * Invariants: a status is always set; OK means one mailbox and a domain
 * that is lower-case LDH (A-labels) and normalizes to itself; every other
 * status carries a reason; SEVERAL counts at least two mailboxes; a path
 * domain, when found, is normalized too.
 */
#include "fuzz.h"
#include "mailaddr.h"

/* check_domain - lower-case LDH labels, normalization is idempotent */
static void
check_domain(const char *d)
{
	char again[ADDR_DOMAIN_MAX + 1];
	const char *why;
	size_t i;

	FUZZ_CHECK(d[0] != '\0' && strlen(d) <= ADDR_DOMAIN_MAX);
	for (i = 0; d[i] != '\0'; i++)
		FUZZ_CHECK((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= '0' &&
		    d[i] <= '9') || d[i] == '-' || d[i] == '_' || d[i] == '.');
	FUZZ_CHECK(addr_domain_normalize(d, strlen(d), again, sizeof(again),
	    &why) == 0);
	FUZZ_CHECK(strcmp(again, d) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr_from a;
	char *s = fuzz_cstr(data, size);
	char d[ADDR_DOMAIN_MAX + 1];

	addr_from_parse((const char *)data, size, &a);
	FUZZ_CHECK(a.status >= ADDR_OK && a.status <= ADDR_UNPARSEABLE);
	if (a.status == ADDR_OK) {
		FUZZ_CHECK(a.nmailbox == 1 && a.why == NULL);
		check_domain(a.domain);
	} else {
		FUZZ_CHECK(a.why != NULL);
	}
	if (a.status == ADDR_SEVERAL)
		FUZZ_CHECK(a.nmailbox >= 2);
	if (addr_path_domain(s, d, sizeof(d)) == 0)
		check_domain(d);
	free(s);
	return 0;
}
