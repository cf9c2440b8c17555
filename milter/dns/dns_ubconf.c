/*
 * dns_ubconf.c - hallmark's DNS configuration (struct dns_config) applied
 * to a libunbound context (dns_ubconf.h).
 *
 *	Forwarders ("addr" or "addr@port") or the servers of
 *	/etc/resolv.conf; with neither, full recursion from the root.  When
 *	forwarding, loopback forwarders are allowed, and libunbound's
 *	built-in local zones for private and documentation address space
 *	(RFC 1918, TEST-NETs, 2001:db8::/32) and for "test."/"invalid." are
 *	made transparent: the forwarder answers for them (a site resolver
 *	knows its internal PTRs; the tests use these ranges).  A trust anchor
 *	file turns on DNSSEC validation.  Cache size and TCP-only upstream
 *	are unbound options.  Names that never answer must not starve the
 *	others: more outgoing ports than libunbound's library default, and
 *	when forwarding a short-lived infrastructure-cache entry for the
 *	forwarder (set_isolation).
 *
 *	Errors (bad address or port, unreadable or malformed trust anchor)
 *	are found here, at start, not at the first query: the context is
 *	finalised.  libunbound's own log lines go to hallmark's log (ublog.c).
 *
 *	Also a deep copy of a struct dns_config, which the back end keeps to
 *	build a new context when its dispatcher fails (dns_unbound.c).
 *
 *	Pure set-up: no state of its own; thread-safe for distinct contexts.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unbound.h>

#include "dns_ubconf.h"
#include "log.h"
#include "str.h"
#include "ublog.h"

/* default local zones made transparent ("nodefault" has no effect via
 * ub_ctx_set_option in libunbound 1.17): the forwarder answers for them */
static const char *const fwd_local[] = { "test.", "invalid.",
	"2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
	"113.0.203.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.", NULL };

/* set_opt - one "name:" value option; 0 or -1 with err */
static int
set_opt(struct ub_ctx *ctx, const char *opt, const char *val, char *err,
    size_t errlen)
{
	int rc = ub_ctx_set_option(ctx, opt, val);

	if (rc != 0)
		snprintf(err, errlen, "dns: option %s %s: %s", opt, val,
		    ub_strerror(rc));
	return rc == 0 ? 0 : -1;
}

/* fwd_port_ok - "addr" or "addr@port" with port 1..65535 (libunbound
 * itself does not check the range) */
static int
fwd_port_ok(const char *fwd)
{
	const char *at = strchr(fwd, '@');
	uint64_t port;

	if (at == NULL)
		return 1;
	return str_parse_u64(at + 1, strlen(at + 1), 65535, &port) == 0 &&
	    port > 0;
}

/* set_resolv_conf - the servers of /etc/resolv.conf; like the C library,
 * a missing file means the resolver on this host (127.0.0.1) */
static int
set_resolv_conf(struct ub_ctx *ctx, char *err, size_t errlen)
{
	int rc = ub_ctx_resolvconf(ctx, NULL);

	if (rc == UB_READFILE) {
		log_warn("dns: cannot read /etc/resolv.conf: forwarding to "
			 "127.0.0.1");
		rc = ub_ctx_set_fwd(ctx, "127.0.0.1");
	}
	if (rc != 0) {
		snprintf(err, errlen, "dns: /etc/resolv.conf: %s",
		    ub_strerror(rc));
		return -1;
	}
	return 0;
}

/* is_forwarding - forwarders given, or the servers of resolv.conf */
static int
is_forwarding(const struct dns_config *cfg)
{
	return (cfg->forwarders != NULL && cfg->forwarders[0] != NULL) ||
	    cfg->use_resolv_conf;
}

/* set_forwarding - forwarders or resolv.conf, and the options they need */
static int
set_forwarding(struct ub_ctx *ctx, const struct dns_config *cfg, char *err,
    size_t errlen)
{
	char **f;
	int i, rc;

	for (f = cfg->forwarders; f != NULL && *f != NULL; f++) {
		if (!fwd_port_ok(*f)) {
			snprintf(err, errlen, "dns: forwarder \"%s\": bad port",
			    *f);
			return -1;
		}
		if ((rc = ub_ctx_set_fwd(ctx, *f)) != 0) {
			snprintf(err, errlen, "dns: forwarder \"%s\": %s", *f,
			    ub_strerror(rc));
			return -1;
		}
	}
	if ((cfg->forwarders == NULL || cfg->forwarders[0] == NULL) &&
	    cfg->use_resolv_conf) {
		if (set_resolv_conf(ctx, err, errlen) < 0)
			return -1;
	} else if (cfg->forwarders == NULL || cfg->forwarders[0] == NULL) {
		return 0; /* full recursion */
	}
	if (set_opt(ctx, "do-not-query-localhost:", "no", err, errlen) < 0)
		return -1;
	for (i = 0; fwd_local[i] != NULL; i++) {
		char val[128];

		snprintf(val, sizeof(val), "%s transparent", fwd_local[i]);
		if (set_opt(ctx, "local-zone:", val, err, errlen) < 0)
			return -1;
	}
	if (set_opt(ctx, "unblock-lan-zones:", "yes", err, errlen) < 0)
		return -1;
	return set_opt(ctx, "insecure-lan-zones:", "yes", err, errlen);
}

/* set_cache_tcp - cache sizes and TCP-only upstream */
static int
set_cache_tcp(struct ub_ctx *ctx, const struct dns_config *cfg, char *err,
    size_t errlen)
{
	char val[32];

	if (cfg->cache_size_kb > 0) {
		snprintf(val, sizeof(val), "%uk", cfg->cache_size_kb);
		if (set_opt(ctx, "msg-cache-size:", val, err, errlen) < 0)
			return -1;
		snprintf(val, sizeof(val), "%lluk", 2ULL * cfg->cache_size_kb);
		if (set_opt(ctx, "rrset-cache-size:", val, err, errlen) < 0)
			return -1;
	}
	if (cfg->tcp_only &&
	    set_opt(ctx, "tcp-upstream:", "yes", err, errlen) < 0)
		return -1;
	return 0;
}

/*
 * set_isolation - keep names that never answer from starving the others.
 *
 * libunbound's library defaults allow 16 outstanding UDP queries
 * (outgoing-range); a query hallmark has given up on (ub_cancel) is only
 * marked cancelled and goes on being retried inside libunbound, so a
 * burst of lookups of dead names held every port and healthy queries
 * waited behind them for as long as those retries lasted (60 dead
 * lookups at once: healthy lookups timed out for 85 s).  256 ports make
 * room for as many dead queries as hallmark's callers can start.
 *
 * When forwarding, one server answers for every name, but libunbound's
 * infrastructure cache judges the server by its timeouts: unanswered
 * queries for dead names back its retransmission timeout off to the
 * point where it is marked down, and then every query got an instant
 * SERVFAIL (after 4 dead lookups one after another, every healthy one)
 * until the entry expired (infra-host-ttl, 900 s).  An entry that lives
 * 1 s cannot back off that far (that takes some 12 s of timeouts in a
 * row), and the forwarder's round-trip time is learnt again from the
 * next answer.  In full recursion the cache keeps its defaults: there a
 * server's timeouts do say something about the names it serves.
 */
static int
set_isolation(struct ub_ctx *ctx, const struct dns_config *cfg, char *err,
    size_t errlen)
{
	if (set_opt(ctx, "outgoing-range:", "256", err, errlen) < 0)
		return -1;
	if (!is_forwarding(cfg))
		return 0;
	return set_opt(ctx, "infra-host-ttl:", "1", err, errlen);
}

/* set_trust_anchor - DNSSEC validation from a trust anchor file */
static int
set_trust_anchor(struct ub_ctx *ctx, const struct dns_config *cfg, char *err,
    size_t errlen)
{
	int rc;

	if (cfg->trust_anchor_file == NULL || cfg->trust_anchor_file[0] == 0)
		return 0;
	if (access(cfg->trust_anchor_file, R_OK) != 0) {
		snprintf(err, errlen, "dns: trust anchor file %s: cannot read",
		    cfg->trust_anchor_file);
		return -1;
	}
	if ((rc = ub_ctx_add_ta_file(ctx, cfg->trust_anchor_file)) != 0) {
		snprintf(err, errlen, "dns: trust anchor file %s: %s",
		    cfg->trust_anchor_file, ub_strerror(rc));
		return -1;
	}
	return 0;
}

/* dns_ubconf_apply - the whole ub_ctx set-up; finalised so errors show
 * now */
int
dns_ubconf_apply(struct ub_ctx *ctx, const struct dns_config *cfg, char *err,
    size_t errlen)
{
	int rc;

	if (ublog_stream() != NULL &&
	    (rc = ub_ctx_debugout(ctx, ublog_stream())) != 0) {
		snprintf(err, errlen, "dns: ub_ctx_debugout: %s",
		    ub_strerror(rc));
		return -1;
	}
	if ((rc = ub_ctx_async(ctx, 1)) != 0) {
		snprintf(err, errlen, "dns: ub_ctx_async: %s", ub_strerror(rc));
		return -1;
	}
	if (set_opt(ctx, "verbosity:", "0", err, errlen) < 0 ||
	    set_forwarding(ctx, cfg, err, errlen) < 0 ||
	    set_cache_tcp(ctx, cfg, err, errlen) < 0 ||
	    set_isolation(ctx, cfg, err, errlen) < 0 ||
	    set_trust_anchor(ctx, cfg, err, errlen) < 0)
		return -1;
	/* removing an absent zone finalises the context (loads anchors) */
	if ((rc = ub_ctx_zone_remove(ctx, "hallmark.invalid.")) != 0) {
		snprintf(err, errlen, "dns: resolver set-up: %s",
		    ub_strerror(rc));
		return -1;
	}
	return 0;
}

/* dns_ubconf_new - a new context, configured and finalised; NULL and *err
 * on failure */
struct ub_ctx *
dns_ubconf_new(const struct dns_config *cfg, char *err, size_t errlen)
{
	struct ub_ctx *ctx = ub_ctx_create();

	if (ctx == NULL) {
		snprintf(err, errlen, "dns: ub_ctx_create failed");
		return NULL;
	}
	if (dns_ubconf_apply(ctx, cfg, err, errlen) < 0) {
		ub_ctx_delete(ctx);
		return NULL;
	}
	return ctx;
}

/* dns_ubconf_copy - a deep copy of src (strings and the forwarder list) */
void
dns_ubconf_copy(struct dns_config *dst, const struct dns_config *src)
{
	size_t n = 0, i;

	*dst = *src;
	while (src->forwarders != NULL && src->forwarders[n] != NULL)
		n++;
	dst->forwarders = NULL;
	if (src->forwarders != NULL) {
		dst->forwarders = xcalloc(n + 1, sizeof(char *));
		for (i = 0; i < n; i++)
			dst->forwarders[i] = xstrdup(src->forwarders[i]);
	}
	if (src->trust_anchor_file != NULL)
		dst->trust_anchor_file = xstrdup(src->trust_anchor_file);
}

/* dns_ubconf_release - free what dns_ubconf_copy allocated */
void
dns_ubconf_release(struct dns_config *cfg)
{
	size_t i;

	for (i = 0; cfg->forwarders != NULL && cfg->forwarders[i] != NULL; i++)
		free(cfg->forwarders[i]);
	free(cfg->forwarders);
	free(cfg->trust_anchor_file);
	memset(cfg, 0, sizeof(*cfg));
}
