/*
 * runtime.c - the run-time resources of a configuration snapshot
 * (runtime.h): the DNS resolver from the dns { } options, then each
 * module's init in calling order; rt_stop (called when the snapshot is
 * freed) runs the modules' fini in reverse.  Also conf_load(), the
 * loader plus this, for the daemon, the tool and the tests.
 *
 * Thread safety: called by the main thread (start-up, SIGHUP) on a
 * snapshot no other thread sees yet.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <string.h>

#include "conf.h"
#include "conf_table.h"
#include "dns.h"
#include "module.h"
#include "runtime.h"

/* resolver_new - the resolver the dns { } section describes */
static int
resolver_new(struct conf *c, struct conf_err *e)
{
	struct dns_config dc;
	char err[256];

	memset(&dc, 0, sizeof(dc));
	dc.forwarders = c->dns.forwarders;
	dc.use_resolv_conf = c->dns.use_resolv_conf;
	dc.trust_anchor_file = c->dns.trust_anchor_file;
	dc.query_timeout_ms = (unsigned)c->dns.query_timeout_ms;
	dc.message_budget_ms = (unsigned)c->dns.message_budget_ms;
	dc.cache_size_kb = (unsigned)c->dns.cache_size_kb;
	dc.tcp_only = c->dns.tcp_only;
	c->resolver = dns_unbound_new(&dc, err, sizeof(err));
	if (c->resolver == NULL) {
		conf_err_set(e, NULL, "%s", err); /* err says "dns: " */
		return -1;
	}
	return 0;
}

/* fini_first - the fini hooks of the first n modules, last first */
static void
fini_first(struct conf *c, size_t n)
{
	const struct hm_module *const *mods = module_order();

	while (n-- > 0)
		if (mods[n]->fini != NULL)
			mods[n]->fini(c);
}

/* rt_stop - undo the module inits (the resolver goes with conf_free) */
static void
rt_stop(struct conf *c)
{
	const struct hm_module *const *mods = module_order();
	size_t n = 0;

	while (mods[n] != NULL)
		n++;
	fini_first(c, n);
}

/* rt_start - see runtime.h */
int
rt_start(struct conf *c, struct conf_err *e)
{
	const struct hm_module *const *mods = module_order();
	size_t i;

	if (resolver_new(c, e) < 0)
		return -1;
	for (i = 0; mods[i] != NULL; i++) {
		if (mods[i]->init != NULL && mods[i]->init(c, e) < 0) {
			fini_first(c, i);
			return -1;
		}
	}
	c->rt_stop = rt_stop;
	return 0;
}

/* loaded - a read snapshot, started unless check_only */
static struct conf *
loaded(struct conf *c, int check_only, struct conf_err *e)
{
	if (c == NULL || check_only)
		return c;
	if (rt_start(c, e) < 0) {
		conf_release(c);
		return NULL;
	}
	return c;
}

/* conf_load - see conf.h */
struct conf *
conf_load(const char *file, int check_only, struct conf_err *e)
{
	return loaded(conf_read(file, e), check_only, e);
}

/* conf_load_string - see conf.h */
struct conf *
conf_load_string(const char *text, int check_only, struct conf_err *e)
{
	return loaded(conf_read_string(text, e), check_only, e);
}
