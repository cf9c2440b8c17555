/*
 * allowlist_conf.c - the dmarc.vendors option: a libconfig list of
 * groups { name; networks; spf; dkim_domains; domains;
 * recipient_domains; reason; } read into a struct allow_list
 * (allowlist.c), every mistake an error with its line.  name and domains
 * are required, and at least one of networks, spf and dkim_domains (the
 * rules that say which mail is the vendor's).  A CT_CUSTOM option of the
 * DMARC section (allow_conf_parse and allow_conf_free, declared in
 * dmarc.h).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <string.h>

#include "allowlist.h"
#include "conf.h"
#include "conf_check.h"
#include "dmarc.h"
#include "str.h"

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

/* vendor_domain - one element of a domain list (domains, dkim_domains,
 * recipient_domains): "domain" or "*.domain", appended to *list */
static int
vendor_domain(const struct allow_vendor *v, char ***list,
    const config_setting_t *el, struct conf_err *e)
{
	const char *s = config_setting_get_string(el);
	char why[300];

	if (conf_check_domain_pattern(s, why, sizeof(why)) < 0) {
		conf_err_set(e, el, "vendor \"%s\": \"%s\": %s", v->name, s,
		    why);
		return -1;
	}
	allow_strlist_add(list, s);
	return 0;
}

/* domain_list - the optional (required: need) domain list name of g
 * into *list; -1 on an error */
static int
domain_list(struct allow_vendor *v, const config_setting_t *g, const char *name,
    int need, char ***list, struct conf_err *e)
{
	const config_setting_t *m;
	int i;

	if (!need && config_setting_get_member(g, name) == NULL)
		return 0;
	if (member_strings(g, name, v->name, &m, e) < 0)
		return -1;
	for (i = 0; i < config_setting_length(m); i++)
		if (vendor_domain(v, list,
			config_setting_get_elem(m, (unsigned)i), e) < 0)
			return -1;
	return 0;
}

/* vendor_networks - the optional networks list */
static int
vendor_networks(struct allow_vendor *v, const config_setting_t *g,
    struct conf_err *e)
{
	const config_setting_t *m;
	int i;

	if (config_setting_get_member(g, "networks") == NULL)
		return 0;
	if (member_strings(g, "networks", v->name, &m, e) < 0)
		return -1;
	for (i = 0; i < config_setting_length(m); i++)
		if (vendor_network(v, config_setting_get_elem(m, (unsigned)i),
			e) < 0)
			return -1;
	return 0;
}

/* vendor_spf - the optional spf domain: a domain name (no pattern) */
static int
vendor_spf(struct allow_vendor *v, const config_setting_t *g,
    struct conf_err *e)
{
	const config_setting_t *m = config_setting_get_member(g, "spf");
	const char *s;
	char why[300];

	if (m == NULL)
		return 0;
	if (config_setting_type(m) != CONFIG_TYPE_STRING) {
		conf_err_set(e, m,
		    "vendor \"%s\": spf must be a domain name (a string: "
		    "the name whose SPF record lists the vendor's relays)",
		    v->name);
		return -1;
	}
	s = config_setting_get_string(m);
	if (conf_check_domain(s, why, sizeof(why)) < 0 ||
	    strchr(s, '.') == NULL) {
		conf_err_set(e, m, "vendor \"%s\": spf \"%s\": %s", v->name, s,
		    strchr(s, '.') == NULL ?
			"needs a dot (a fully qualified name such as "
			"_spf.vendor.example)" :
			why);
		return -1;
	}
	v->spf = xstrdup(s);
	str_lower(v->spf);
	if (strlen(v->spf) > 1 && v->spf[strlen(v->spf) - 1] == '.')
		v->spf[strlen(v->spf) - 1] = '\0';
	return 0;
}

/* vendor_reason - the optional reason */
static int
vendor_reason(struct allow_vendor *v, const config_setting_t *g,
    struct conf_err *e)
{
	const char *reason = NULL;

	if (!config_setting_lookup_string(g, "reason", &reason) ||
	    allow_reason_parse(reason, &v->reason) == 0)
		return 0;
	conf_err_set(e, config_setting_get_member(g, "reason"),
	    "vendor \"%s\": unknown reason \"%s\" (local_policy, "
	    "trusted_forwarder, forwarded, mailing_list, other)",
	    v->name, reason);
	return -1;
}

/* vendor_name - the required name of group g */
static const char *
vendor_name(const config_setting_t *g, struct conf_err *e)
{
	static const char *const known[] = { "name", "networks", "spf",
		"dkim_domains", "domains", "recipient_domains", "reason",
		NULL };
	const char *name = NULL;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_err_set(e, g, "expected a group { name = ...; }");
		return NULL;
	}
	if (conf_group_check(g, known,
		"name, networks, spf, dkim_domains, domains, "
		"recipient_domains, reason",
		e) < 0)
		return NULL;
	if (!config_setting_lookup_string(g, "name", &name) || *name == '\0') {
		conf_err_set(e, g, "each vendor needs a name");
		return NULL;
	}
	return name;
}

/* one_vendor - parse one group into a new vendor of l */
static int
one_vendor(struct allow_list *l, const config_setting_t *g, struct conf_err *e)
{
	const char *name = vendor_name(g, e);
	struct allow_vendor *v;

	if (name == NULL)
		return -1;
	v = allow_vendor_add(l, name);
	if (vendor_networks(v, g, e) < 0 || vendor_spf(v, g, e) < 0 ||
	    domain_list(v, g, "dkim_domains", 0, &v->dkim_domains, e) < 0)
		return -1;
	if (v->networks.n == 0 && v->spf == NULL &&
	    v->dkim_domains[0] == NULL) {
		conf_err_set(e, g,
		    "vendor \"%s\": say which mail is the vendor's: "
		    "networks, spf or dkim_domains (at least one)",
		    name);
		return -1;
	}
	if (domain_list(v, g, "domains", 1, &v->domains, e) < 0 ||
	    domain_list(v, g, "recipient_domains", 0, &v->rcpt_domains, e) < 0)
		return -1;
	v->ndomains = 0;
	while (v->domains[v->ndomains] != NULL)
		v->ndomains++;
	return vendor_reason(v, g, e);
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
