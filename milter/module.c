/*
 * module.c - the registry of check modules (indexed by slot, module.h),
 * their calling order computed from what each requires, and the running
 * of connection-level hooks.
 *
 * The order is computed once (pthread_once; module_start() at start-up
 * and for -n reports a failure) and read afterwards without locks.  A required module that is not
 * in the registry, or a cycle, is refused with a message naming them.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dkim_sign.h"
#include "dkim_verify.h"
#include "dmarc.h"
#include "log.h"
#include "module.h"
#include "spf.h"

const struct hm_module *const hm_modules[MOD_SLOTS] = {
	[MOD_SPF] = &spf_module,
	[MOD_DKIMV] = &dkimv_module,
	[MOD_DMARC] = &dmarc_module,
	[MOD_DKIMS] = &dkims_module,
};

_Static_assert(MOD_SLOTS <= HM_MOD_MAX, "ctx.h: HM_MOD_MAX < MOD_SLOTS");

static const struct hm_module *order[MOD_SLOTS + 1];
static pthread_once_t order_once = PTHREAD_ONCE_INIT;
static int order_rc;
static char order_err[256];

/* index_of - position of the module called name in reg, or -1 */
static int
index_of(const struct hm_module *const *reg, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(reg[i]->name, name) == 0)
			return (int)i;
	return -1;
}

/* ready - every module reg[i] requires is placed already (done[]);
 * -1 when one is not in reg at all */
static int
ready(const struct hm_module *const *reg, size_t n, size_t i,
    const unsigned char *done, char *err, size_t errlen)
{
	const char *const *r;
	int k;

	for (r = reg[i]->requires; r != NULL && *r != NULL; r++) {
		k = index_of(reg, n, *r);
		if (k < 0) {
			snprintf(err, errlen,
			    "module %s requires module %s, "
			    "which is not built in",
			    reg[i]->name, *r);
			return -1;
		}
		if (!done[k])
			return 0;
	}
	return 1;
}

/* cycle_error - name the modules left unplaced */
static void
cycle_error(const struct hm_module *const *reg, size_t n,
    const unsigned char *done, char *err, size_t errlen)
{
	size_t i, o;

	o = (size_t)snprintf(err, errlen,
	    "modules require each other in a "
	    "cycle:");
	for (i = 0; i < n && o < errlen; i++)
		if (!done[i])
			o += (size_t)snprintf(err + o, errlen - o, " %s",
			    reg[i]->name);
}

/* module_sort - see module.h (n is small: quadratic is fine) */
int
module_sort(const struct hm_module *const *reg, size_t n,
    const struct hm_module **out, char *err, size_t errlen)
{
	unsigned char done[64];
	size_t placed = 0, i;
	int r, progress;

	if (n > sizeof(done)) {
		snprintf(err, errlen, "too many modules (%zu)", n);
		return -1;
	}
	memset(done, 0, sizeof(done));
	while (placed < n) {
		progress = 0;
		for (i = 0; i < n && !progress; i++) {
			if (done[i])
				continue;
			if ((r = ready(reg, n, i, done, err, errlen)) < 0)
				return -1;
			if (r == 1) {
				done[i] = 1;
				out[placed++] = reg[i];
				progress = 1;
			}
		}
		if (!progress) {
			cycle_error(reg, n, done, err, errlen);
			return -1;
		}
	}
	return 0;
}

/* sort_once - the registry's order, computed once for all threads */
static void
sort_once(void)
{
	order_rc = module_sort(hm_modules, MOD_SLOTS, order, order_err,
	    sizeof(order_err));
	if (order_rc < 0)
		memset(order, 0, sizeof(order));
}

/* module_start - see module.h */
int
module_start(char *err, size_t errlen)
{
	(void)pthread_once(&order_once, sort_once);
	if (order_rc < 0)
		snprintf(err, errlen, "%s", order_err);
	return order_rc;
}

/* module_order - see module.h */
const struct hm_module *const *
module_order(void)
{
	(void)pthread_once(&order_once, sort_once);
	return order;
}

/* module_applies - see module.h */
int
module_applies(const struct hm_module *mod, const struct hm_msg *m)
{
	if (m->skip != NULL)
		return 0;
	if (mod->inbound_only)
		return ctx_msg_verify(m);
	if (mod->signer)
		return ctx_msg_may_sign(m);
	return 1;
}

/* module_conn_hooks - see module.h */
void
module_conn_hooks(const struct hm_module *const *list, struct hm_conn *c,
    int helo)
{
	int (*hook)(struct hm_conn *);
	size_t i;

	for (i = 0; list[i] != NULL; i++) {
		hook = helo ? list[i]->helo : list[i]->conn;
		if (hook == NULL || hook(c) == HM_OK)
			continue;
		c->hook_error = 1;
		log_warn("client %s: %s: internal error in %s hook: the "
			 "connection's messages get on_internal_error",
		    c->addrstr, list[i]->name, helo ? "helo" : "conn");
	}
}
