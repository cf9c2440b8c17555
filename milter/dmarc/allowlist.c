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
 *	releases all.  Built once at configuration load (allowlist_conf.c
 *	reads the vendors = ( ... ) option), then read-only and shared by
 *	all threads.  Pure: no libconfig, no I/O.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "allowlist.h"
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
