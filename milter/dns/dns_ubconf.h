/*
 * dns_ubconf.h - a libunbound context configured from struct dns_config
 * (dns_ubconf.c).  For the libunbound back end (dns_unbound.c) only.
 */
#ifndef HALLMARK_DNS_UBCONF_H
#define HALLMARK_DNS_UBCONF_H

#include <stddef.h>

#include <unbound.h>

#include "dns.h"

/* dns_ubconf_apply - configure ctx (async, forwarding, cache, DNSSEC,
 * isolation) and finalise it; 0, or -1 with *err */
int dns_ubconf_apply(struct ub_ctx *ctx, const struct dns_config *cfg,
    char *err, size_t errlen);

#endif
