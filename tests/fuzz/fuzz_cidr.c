/*
 * fuzz_cidr.c - fuzz target: prefix parsing (internal_networks and every
 * other address list) and matching.
 *
 * Input: lines; each is parsed with cidr_parse and added to a set.
 * Invariants: a parsed prefix has a valid family and length, its address
 * is masked, it contains its own address, it prints and parses back to the
 * same prefix, and the set matches that address.
 */
#include <arpa/inet.h>

#include "cidr.h"
#include "fuzz.h"

/* check_one - invariants of one successfully parsed prefix */
static void
check_one(const struct cidr *p, const struct cidr_set *set)
{
	char text[INET6_ADDRSTRLEN + 8], addr[INET6_ADDRSTRLEN];
	struct cidr back;
	const char *why;
	unsigned bits = p->family == AF_INET ? 32 : 128, i;

	FUZZ_CHECK(p->family == AF_INET || p->family == AF_INET6);
	FUZZ_CHECK(p->prefix <= bits);
	for (i = p->prefix; i < bits; i++)
		FUZZ_CHECK((p->addr[i / 8] & (0x80 >> (i % 8))) == 0);
	FUZZ_CHECK(cidr_contains(p, p->family, p->addr) == 1);
	FUZZ_CHECK(cidr_match_raw(set, p->family, p->addr) == 1);
	FUZZ_CHECK(inet_ntop(p->family, p->addr, addr, sizeof(addr)) != NULL);
	snprintf(text, sizeof(text), "%s/%u", addr, p->prefix);
	FUZZ_CHECK(cidr_parse(text, &back, &why) == 0);
	FUZZ_CHECK(back.family == p->family && back.prefix == p->prefix);
	FUZZ_CHECK(memcmp(back.addr, p->addr, bits / 8) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cidr_set set = { 0, NULL };
	char *s = fuzz_cstr(data, size), *line, *save = NULL;
	struct cidr p;
	const char *why;
	uint8_t probe[16];

	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		why = NULL;
		if (cidr_parse(line, &p, &why) < 0) {
			FUZZ_CHECK(why != NULL);
			continue;
		}
		FUZZ_CHECK(cidr_set_add(&set, line, &why) == 0);
		check_one(&p, &set);
	}
	memset(probe, 0, sizeof(probe));
	memcpy(probe, data, size < sizeof(probe) ? size : sizeof(probe));
	(void)cidr_match_raw(&set, AF_INET, probe);
	(void)cidr_match_raw(&set, AF_INET6, probe);
	cidr_set_free(&set);
	free(s);
	return 0;
}
