/*
 * allowlist_conf.c - the dmarc.vendors option: a libconfig list of
 * groups { name; networks; domains; reason; } read into a struct
 * allow_list (allowlist.c), every mistake an error with its line.  A
 * CT_CUSTOM option of the DMARC section (allow_conf_parse and
 * allow_conf_free, declared in dmarc.h).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <string.h>

#include "allowlist.h"
#include "conf.h"
#include "conf_check.h"
#include "dmarc.h"

/* member_strings - a required list of strings of group g */
static int
member_strings(const config_setting_t *g, const char *name, const char *v,
    const config_setting_t **out, struct conf_err *e)
{
	const config_setting_t *m = config_setting_get_member(g, name);
	int i, n;

	if (m == NULL ||
	    (config_setting_type(m) != CONFIG_TYPE_ARRAY &&
		config_setting_type(m) != CONFIG_TYPE_LIST) ||
	    (n = config_setting_length(m)) == 0) {
		conf_err_set(e, m ? m : g,
		    "vendor \"%s\": %s must be a "
		    "non-empty list of strings",
		    v, name);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (config_setting_type(config_setting_get_elem(m,
			(unsigned)i)) != CONFIG_TYPE_STRING) {
			conf_err_set(e, config_setting_get_elem(m, (unsigned)i),
			    "vendor \"%s\": not a string", v);
			return -1;
		}
	*out = m;
	return 0;
}

/* vendor_network - one networks element: a prefix without host bits */
static int
vendor_network(struct allow_vendor *v, const config_setting_t *el,
    struct conf_err *e)
{
	const char *s = config_setting_get_string(el), *w;
	char why[300];

	if (conf_check_cidr(s, why, sizeof(why)) == 0) {
		if (cidr_set_add(&v->networks, s, &w) == 0)
			return 0;
		snprintf(why, sizeof(why), "%s", w);
	}
	conf_err_set(e, el, "vendor \"%s\": \"%s\": %s", v->name, s, why);
	return -1;
}

/* vendor_domain - one domains element: "domain" or "*.domain" */
static int
vendor_domain(struct allow_vendor *v, const config_setting_t *el,
    struct conf_err *e)
{
	const char *s = config_setting_get_string(el);
	char why[300];

	if (conf_check_domain_pattern(s, why, sizeof(why)) < 0) {
		conf_err_set(e, el, "vendor \"%s\": \"%s\": %s", v->name, s,
		    why);
		return -1;
	}
	allow_vendor_domain(v, s);
	return 0;
}

/* one_vendor - parse one group into a new vendor of l */
static int
one_vendor(struct allow_list *l, const config_setting_t *g, struct conf_err *e)
{
	static const char *const known[] = { "name", "networks", "domains",
		"reason", NULL };
	const char *name = NULL, *reason = NULL;
	const config_setting_t *nets, *doms;
	struct allow_vendor *v;
	int i;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_err_set(e, g, "expected a group { name = ...; }");
		return -1;
	}
	if (conf_group_check(g, known, "name, networks, domains, reason", e) <
	    0)
		return -1;
	if (!config_setting_lookup_string(g, "name", &name) || *name == '\0') {
		conf_err_set(e, g, "each vendor needs a name");
		return -1;
	}
	if (member_strings(g, "networks", name, &nets, e) < 0 ||
	    member_strings(g, "domains", name, &doms, e) < 0)
		return -1;
	v = allow_vendor_add(l, name);
	if (config_setting_lookup_string(g, "reason", &reason) &&
	    allow_reason_parse(reason, &v->reason) < 0) {
		conf_err_set(e, config_setting_get_member(g, "reason"),
		    "vendor \"%s\": unknown reason \"%s\" (local_policy, "
		    "trusted_forwarder, forwarded, mailing_list, other)",
		    name, reason);
		return -1;
	}
	for (i = 0; i < config_setting_length(nets); i++)
		if (vendor_network(v,
			config_setting_get_elem(nets, (unsigned)i), e) < 0)
			return -1;
	for (i = 0; i < config_setting_length(doms); i++)
		if (vendor_domain(v, config_setting_get_elem(doms, (unsigned)i),
			e) < 0)
			return -1;
	return 0;
}

/* allow_conf_parse - see dmarc.h */
int
allow_conf_parse(const config_setting_t *s, void *field, struct conf_err *e)
{
	struct allow_list *l = field;
	int i, n;

	memset(l, 0, sizeof(*l));
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    !(config_setting_type(s) == CONFIG_TYPE_ARRAY &&
		config_setting_length(s) == 0)) {
		conf_err_set(e, s, "expected a list ( { ... }, ... )");
		return -1;
	}
	n = config_setting_length(s);
	for (i = 0; i < n; i++)
		if (one_vendor(l, config_setting_get_elem(s, (unsigned)i), e) <
		    0)
			return -1;
	return 0;
}

/* allow_conf_free - see dmarc.h */
void
allow_conf_free(void *field)
{
	allow_list_free(field);
}
