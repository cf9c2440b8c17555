/*
 * fuzz_mailaddr.c - fuzz target: the RFC 5322 From header and RFC 5321
 * path parser (mailaddr.c), which picks the DMARC Author Domain out of
 * text a stranger wrote.
 *
 * Invariants: the status is one of mailaddr.h's; OK means one mailbox and
 * a lower-case domain of 1..253 bytes without a trailing dot, which
 * addr_domain_normalize accepts unchanged; SEVERAL means more than one
 * mailbox; every refusal has a reason.
 */
#include "fuzz.h"
#include "mailaddr.h"

/* check_domain - a domain we hand to DNS and to DMARC */
static void
check_domain(const char *d)
{
	char again[ADDR_DOMAIN_MAX + 1];
	const char *why = NULL;
	size_t n = strlen(d), i;

	FUZZ_CHECK(n > 0 && n <= ADDR_DOMAIN_MAX && d[n - 1] != '.');
	for (i = 0; i < n; i++)
		FUZZ_CHECK(!(d[i] >= 'A' && d[i] <= 'Z'));
	FUZZ_CHECK(addr_domain_normalize(d, n, again, sizeof(again), &why) == 0);
	FUZZ_CHECK(strcmp(again, d) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr_from af;
	char dom[ADDR_DOMAIN_MAX + 1], *s;
	const char *why;

	memset(&af, 0x5a, sizeof(af));
	addr_from_parse((const char *)data, size, &af);
	FUZZ_CHECK(af.status <= ADDR_UNPARSEABLE);
	FUZZ_CHECK(addr_status_name(af.status) != NULL);
	if (af.status == ADDR_OK) {
		FUZZ_CHECK(af.nmailbox == 1);
		check_domain(af.domain);
	} else {
		FUZZ_CHECK(af.why != NULL);
	}
	if (af.status == ADDR_SEVERAL)
		FUZZ_CHECK(af.nmailbox > 1);

	s = fuzz_cstr(data, size);
	if (addr_path_domain(s, dom, sizeof(dom)) == 0)
		check_domain(dom);
	(void)addr_path_domain(s, dom, 8);
	why = NULL;
	if (addr_domain_normalize((const char *)data, size, dom, sizeof(dom),
	    &why) == 0)
		check_domain(dom);
	else
		FUZZ_CHECK(why != NULL);
	free(s);
	return 0;
}
