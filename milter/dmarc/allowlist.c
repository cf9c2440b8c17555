/*
 * allowlist.c - named vendor relay lists and DMARC override reasons.
 *
 * SYNOPSIS
 *	allow_vendor_add(), allow_vendor_domain(), allow_list_free(),
 *	allow_domain_match(), allow_match(), allow_reason_name(),
 *	allow_reason_parse()
 *
 * DESCRIPTION
 *	A vendor is a name, a set of client networks (cidr.c) and the From
 *	domains it may send as.  Mail from one of its networks whose From
 *	domain is one of its domains is accepted even when DMARC fails; the
 *	caller records the vendor's name and override reason in the
 *	Authentication-Results comment and the log.  Both conditions are
 *	needed: a listed network alone or a listed domain alone gives
 *	nothing.
 *
 *	Memory: the list owns its strings and sets; allow_list_free()
 *	releases all.  Built once at configuration load, then read-only and
 *	shared by all threads.  Matching is pure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist.h"
#include "conf_check.h"
#include "str.h"

static const char *const reason_names[] = {
	"local_policy", "trusted_forwarder", "forwarded", "mailing_list",
	"sampled_out", "policy_test_mode", "other", NULL
};

/* allow_vendor_add - see allowlist.h */
struct allow_vendor *
allow_vendor_add(struct allow_list *l, const char *name)
{
	struct allow_vendor *v;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	v = &l->v[l->n++];
	memset(v, 0, sizeof(*v));
	v->name = xstrdup(name);
	v->domains = xcalloc(1, sizeof(char *));
	v->reason = ALLOW_R_LOCAL_POLICY;
	return v;
}

/* allow_vendor_domain - see allowlist.h */
void
allow_vendor_domain(struct allow_vendor *v, const char *domain)
{
	size_t n = strlen(domain);

	v->domains = xrealloc(v->domains, (v->ndomains + 2) * sizeof(char *));
	if (n > 1 && domain[n - 1] == '.')
		n--;
	v->domains[v->ndomains] = xstrndup(domain, n);
	str_lower(v->domains[v->ndomains]);
	v->domains[++v->ndomains] = NULL;
}

/* allow_list_free - see allowlist.h */
void
allow_list_free(struct allow_list *l)
{
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		cidr_set_free(&l->v[i].networks);
		for (j = 0; j < l->v[i].ndomains; j++)
			free(l->v[i].domains[j]);
		free(l->v[i].domains);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* allow_domain_match - see allowlist.h */
int
allow_domain_match(char *const *list, const char *domain)
{
	size_t dl = strlen(domain);

	for (; list != NULL && *list != NULL; list++) {
		const char *e = *list;
		if (e[0] == '*' && e[1] == '.') {
			size_t el = strlen(e + 1);	/* ".x" */
			if (dl > el && str_casecmp(domain + dl - el, e + 1) == 0)
				return 1;
		} else if (str_casecmp(e, domain) == 0) {
			return 1;
		}
	}
	return 0;
}

/* allow_match - see allowlist.h */
const struct allow_vendor *
allow_match(const struct allow_list *l, const struct sockaddr *client,
    const char *from_domain)
{
	size_t i;

	if (l == NULL || client == NULL || from_domain == NULL)
		return NULL;
	for (i = 0; i < l->n; i++)
		if (allow_domain_match(l->v[i].domains, from_domain) &&
		    cidr_match_sa(&l->v[i].networks, client))
			return &l->v[i];
	return NULL;
}

/* member_strings - a required list of strings of group g */
static int
member_strings(const config_setting_t *g, const char *name, const char *v,
    const config_setting_t **out, struct conf_err *e)
{
	const config_setting_t *m = config_setting_get_member(g, name);
	int i, n;

	if (m == NULL || (config_setting_type(m) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(m) != CONFIG_TYPE_LIST) ||
	    (n = config_setting_length(m)) == 0) {
		conf_err_set(e, m ? m : g, "vendor \"%s\": %s must be a "
		    "non-empty list of strings", v, name);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (config_setting_type(config_setting_get_elem(m,
		    (unsigned)i)) != CONFIG_TYPE_STRING) {
			conf_err_set(e, config_setting_get_elem(m,
			    (unsigned)i), "vendor \"%s\": not a string", v);
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
one_vendor(struct allow_list *l, const config_setting_t *g,
    struct conf_err *e)
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
	if (conf_group_check(g, known, "name, networks, domains, reason",
	    e) < 0)
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
		    "trusted_forwarder, forwarded, mailing_list, other)", name,
		    reason);
		return -1;
	}
	for (i = 0; i < config_setting_length(nets); i++)
		if (vendor_network(v, config_setting_get_elem(nets,
		    (unsigned)i), e) < 0)
			return -1;
	for (i = 0; i < config_setting_length(doms); i++)
		if (vendor_domain(v, config_setting_get_elem(doms,
		    (unsigned)i), e) < 0)
			return -1;
	return 0;
}

/* allow_conf_parse - see allowlist.h */
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
		if (one_vendor(l, config_setting_get_elem(s, (unsigned)i),
		    e) < 0)
			return -1;
	return 0;
}

/* allow_conf_free - see allowlist.h */
void
allow_conf_free(void *field)
{
	allow_list_free(field);
}

/* allow_reason_name - see allowlist.h */
const char *
allow_reason_name(enum allow_reason r)
{
	if ((unsigned)r > ALLOW_R_OTHER)
		return "other";
	return reason_names[r];
}

/* allow_reason_parse - see allowlist.h */
int
allow_reason_parse(const char *s, enum allow_reason *out)
{
	size_t i;

	for (i = 0; reason_names[i] != NULL; i++)
		if (str_casecmp(s, reason_names[i]) == 0) {
			*out = (enum allow_reason)i;
			return 0;
		}
	return -1;
}
