/*
 * cidr.h - sets of IPv4/IPv6 prefixes: parse "192.0.2.0/24", "2001:db8::/32"
 * or a bare address, and match a client address.  Pure: no I/O, no logging.
 * A set is immutable after parsing and may be read by many threads.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_CIDR_H
#define HALLMARK_CIDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct cidr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned prefix;	/* 0..32 or 0..128 */
	uint8_t addr[16];	/* network order, masked to prefix */
};

struct cidr_set {
	size_t n;
	struct cidr *v;
};

/* cidr_parse - one prefix; returns 0, or -1 with *why set to a static text */
int cidr_parse(const char *s, struct cidr *out, const char **why);
/* cidr_set_add - parse and append; -1 with *why on error */
int cidr_set_add(struct cidr_set *set, const char *s, const char **why);
void cidr_set_free(struct cidr_set *set);
/* cidr_match_sa - does the set contain this address (IPv4-mapped IPv6
 * addresses are matched as IPv4) */
int cidr_match_sa(const struct cidr_set *set, const struct sockaddr *sa);
/* cidr_match_raw - family AF_INET (4 bytes) or AF_INET6 (16 bytes) */
int cidr_match_raw(const struct cidr_set *set, int family, const uint8_t *a);
/* cidr_contains - is address a (family, bytes) inside prefix p */
int cidr_contains(const struct cidr *p, int family, const uint8_t *a);

#endif
