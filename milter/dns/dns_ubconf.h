/*
 * dns_ubconf.h - a libunbound context configured from struct dns_config
 * (dns_ubconf.c).  For the libunbound back end (dns_unbound.c) only.
 *
 * SPDX-License-Identifier: BSD-2-Clause
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

/* dns_ubconf_new - ub_ctx_create + dns_ubconf_apply; NULL and *err */
struct ub_ctx *
dns_ubconf_new(const struct dns_config *cfg, char *err, size_t errlen);

/* dns_ubconf_copy / dns_ubconf_release - a deep copy of a configuration
 * (forwarder list and strings), and its release */
void dns_ubconf_copy(struct dns_config *dst, const struct dns_config *src);
void dns_ubconf_release(struct dns_config *cfg);

#endif
