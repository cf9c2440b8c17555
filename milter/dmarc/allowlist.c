/*
 * allowlist.c - named vendor entries and DMARC override reasons.
 *
 * SYNOPSIS
 *	allow_vendor_add(), allow_strlist_add(), allow_vendor_domain(),
 *	allow_list_free(), allow_domain_match(), allow_covers(),
 *	allow_by_network(), allow_by_dkim(), allow_match_static(),
 *	allow_match(), allow_reason_name(), allow_reason_parse()
 *
 * DESCRIPTION
 *	A vendor is a name, the From domains it may send as, optionally the
 *	recipient domains it is trusted for, and up to three rules that
 *	say a message is the vendor's: the client is in its networks
 *	(cidr.c), a passing DKIM signature has one of its dkim_domains as
 *	d=, or the vendor's published SPF record passes the client
 *	(vendor.c: DNS).  Mail that fails DMARC is accepted when a vendor
 *	covers it (From domain listed, every recipient domain listed when
 *	recipient domains are given) and one of its rules matches; the
 *	caller records the vendor's name, the rule ("via") and the override
 *	reason in the Authentication-Results comment and the log.  A rule
 *	alone or a covered domain alone gives nothing.
 *
 *	Recipients: a message gets one verdict, so an entry limited to
 *	some recipient domains applies only when all of the message's
 *	recipients are in them; a message for a trusting and a distrusting
 *	department together gets no override.
 *
 *	Memory: the list owns its strings and sets; allow_list_free()
 *	releases all.  Built once at configuration load (allowlist_conf.c),
 *	then read-only and shared by all threads.  Pure: no libconfig, no
 *	I/O.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist.h"
#include "str.h"

static const char *const reason_names[] = { "local_policy", "trusted_forwarder",
	"forwarded", "mailing_list", "sampled_out", "policy_test_mode", "other",
	NULL };

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
	v->dkim_domains = xcalloc(1, sizeof(char *));
	v->rcpt_domains = xcalloc(1, sizeof(char *));
	v->reason = ALLOW_R_LOCAL_POLICY;
	return v;
}

/* strlist_len - entries of a NULL-terminated list */
static size_t
strlist_len(char *const *l)
{
	size_t n = 0;

	while (l != NULL && l[n] != NULL)
		n++;
	return n;
}

/* allow_strlist_add - see allowlist.h */
void
allow_strlist_add(char ***list, const char *domain)
{
	size_t k = strlist_len(*list), n = strlen(domain);

	*list = xrealloc(*list, (k + 2) * sizeof(char *));
	if (n > 1 && domain[n - 1] == '.')
		n--;
	(*list)[k] = xstrndup(domain, n);
	str_lower((*list)[k]);
	(*list)[k + 1] = NULL;
}

/* allow_vendor_domain - see allowlist.h */
void
allow_vendor_domain(struct allow_vendor *v, const char *domain)
{
	allow_strlist_add(&v->domains, domain);
	v->ndomains++;
}

/* strlist_free - a NULL-terminated list and its strings */
static void
strlist_free(char **l)
{
	size_t i;

	for (i = 0; l != NULL && l[i] != NULL; i++)
		free(l[i]);
	free(l);
}

/* allow_list_free - see allowlist.h */
void
allow_list_free(struct allow_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		cidr_set_free(&l->v[i].networks);
		strlist_free(l->v[i].domains);
		strlist_free(l->v[i].dkim_domains);
		strlist_free(l->v[i].rcpt_domains);
		free(l->v[i].spf);
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
			size_t el = strlen(e + 1); /* ".x" */
			if (dl > el && str_casecmp(domain + dl - el, e + 1) == 0)
				return 1;
		} else if (str_casecmp(e, domain) == 0) {
			return 1;
		}
	}
	return 0;
}

/* allow_covers - see allowlist.h */
int
allow_covers(const struct allow_vendor *v, const struct allow_msg *m)
{
	char *const *r;

	if (m->author == NULL || !allow_domain_match(v->domains, m->author))
		return 0;
	if (v->rcpt_domains == NULL || v->rcpt_domains[0] == NULL)
		return 1;
	if (m->rcpt_domains == NULL || m->rcpt_domains[0] == NULL)
		return 0;
	for (r = m->rcpt_domains; *r != NULL; r++)
		if (!allow_domain_match(v->rcpt_domains, *r))
			return 0;
	return 1;
}

/* prefix_text - "network:ADDR/LEN" of a prefix */
static void
prefix_text(const struct cidr *c, char *via, size_t vialen)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(c->family, c->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(via, vialen, "network:%s/%u", a, c->prefix);
}

/* raw_addr - family and address bytes of sa; IPv4-mapped IPv6 as IPv4;
 * 0, or -1 for another family */
static int
raw_addr(const struct sockaddr *sa, int *family, const uint8_t **a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		0xff };
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET) {
		*family = AF_INET;
		*a = (const uint8_t *)&((const struct sockaddr_in *)sa)
			 ->sin_addr;
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -1;
	*a = s6->sin6_addr.s6_addr;
	*family = AF_INET6;
	if (memcmp(*a, mapped, sizeof(mapped)) == 0) {
		*family = AF_INET;
		*a += 12;
	}
	return 0;
}

/* allow_by_network - see allowlist.h */
int
allow_by_network(const struct allow_vendor *v, const struct sockaddr *client,
    char *via, size_t vialen)
{
	const uint8_t *a;
	int family;
	size_t i;

	if (client == NULL || raw_addr(client, &family, &a) < 0)
		return 0;
	for (i = 0; i < v->networks.n; i++)
		if (cidr_contains(&v->networks.v[i], family, a)) {
			prefix_text(&v->networks.v[i], via, vialen);
			return 1;
		}
	return 0;
}

/* allow_by_dkim - see allowlist.h */
int
allow_by_dkim(const struct allow_vendor *v, const struct allow_msg *m,
    char *via, size_t vialen)
{
	char low[ALLOW_VIA_MAX];
	size_t i;

	for (i = 0; i < m->ndkim; i++) {
		const struct res_dkim_sig *s = &m->dkim[i];
		if (s->result != RES_DKIM_PASS || s->d == NULL)
			continue;
		snprintf(low, sizeof(low), "%s", s->d);
		str_lower(low);
		if (allow_domain_match(v->dkim_domains, low)) {
			snprintf(via, vialen, "dkim:%s", low);
			return 1;
		}
	}
	return 0;
}

/* allow_match_static - see allowlist.h */
const struct allow_vendor *
allow_match_static(const struct allow_list *l, const struct allow_msg *m,
    char *via, size_t vialen)
{
	size_t i;

	if (l == NULL || m == NULL)
		return NULL;
	for (i = 0; i < l->n; i++) {
		const struct allow_vendor *v = &l->v[i];
		if (allow_covers(v, m) &&
		    (allow_by_network(v, m->client, via, vialen) ||
			allow_by_dkim(v, m, via, vialen)))
			return v;
	}
	return NULL;
}

/* allow_match - see allowlist.h */
const struct allow_vendor *
allow_match(const struct allow_list *l, const struct sockaddr *client,
    const char *from_domain)
{
	struct allow_msg m;
	char via[ALLOW_VIA_MAX];

	memset(&m, 0, sizeof(m));
	m.client = client;
	m.author = from_domain;
	return allow_match_static(l, &m, via, sizeof(via));
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
