/*
 * cidr.c - IPv4/IPv6 prefix sets (cidr.h).  Pure: parsing and matching
 * only.  Addresses are kept in network byte order, masked to the prefix.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "cidr.h"
#include "str.h"

/* mask_bits - clear every bit after prefix */
static void
mask_bits(uint8_t *a, size_t nbytes, unsigned prefix)
{
	size_t i;

	for (i = 0; i < nbytes; i++) {
		unsigned bit = (unsigned)i * 8;

		if (bit >= prefix)
			a[i] = 0;
		else if (prefix - bit < 8)
			a[i] &= (uint8_t)(0xff << (8 - (prefix - bit)));
	}
}

/* cidr_parse - "addr" or "addr/len" */
int
cidr_parse(const char *s, struct cidr *out, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	uint64_t plen;
	size_t alen;

	memset(out, 0, sizeof(*out));
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf)) {
		*why = "not an IP address";
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		out->prefix = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		out->prefix = 128;
	} else {
		*why = "not an IP address";
		return -1;
	}
	if (slash != NULL) {
		if (str_parse_u64(slash + 1, strlen(slash + 1), out->prefix,
		    &plen) < 0) {
			*why = "bad prefix length";
			return -1;
		}
		out->prefix = (unsigned)plen;
	}
	mask_bits(out->addr, out->family == AF_INET ? 4 : 16, out->prefix);
	return 0;
}

/* cidr_set_add - parse and append */
int
cidr_set_add(struct cidr_set *set, const char *s, const char **why)
{
	struct cidr c;

	if (cidr_parse(s, &c, why) < 0)
		return -1;
	set->v = xrealloc(set->v, (set->n + 1) * sizeof(*set->v));
	set->v[set->n++] = c;
	return 0;
}

/* cidr_set_free - release the array */
void
cidr_set_free(struct cidr_set *set)
{
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

/* cidr_contains - is (family, a) inside p */
int
cidr_contains(const struct cidr *p, int family, const uint8_t *a)
{
	uint8_t m[16];
	size_t n = family == AF_INET ? 4 : 16;

	if (p->family != family)
		return 0;
	memcpy(m, a, n);
	mask_bits(m, n, p->prefix);
	return memcmp(m, p->addr, n) == 0;
}

/* cidr_match_raw - any prefix of the set contains the address */
int
cidr_match_raw(const struct cidr_set *set, int family, const uint8_t *a)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (cidr_contains(&set->v[i], family, a))
			return 1;
	return 0;
}

/* cidr_match_sa - match a socket address; v4-mapped v6 as IPv4 */
int
cidr_match_sa(const struct cidr_set *set, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		return cidr_match_raw(set, AF_INET,
		    (const uint8_t *)&s4->sin_addr);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		const uint8_t *a = s6->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			return cidr_match_raw(set, AF_INET, a + 12);
		return cidr_match_raw(set, AF_INET6, a);
	}
	return 0;
}
