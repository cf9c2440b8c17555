/*
 * doctor_bulk.c - the last part of `hallmark doctor` (doctor.h): the
 * bulk-sender requirements the large mailbox providers publish (Gmail,
 * Yahoo, Microsoft, 2024/2025), as a checklist over what the SPF, DKIM
 * and DMARC parts found, plus two checks of its own:
 *   - forward-confirmed reverse DNS of --ip: a PTR name whose A/AAAA
 *     records include the address (the first 10 names are tried);
 *   - one-click unsubscribe (RFC 8058): List-Unsubscribe and
 *     List-Unsubscribe-Post must be covered by the DKIM signature, so
 *     with a configuration given, dkim_sign.sign_headers must list both.
 *
 * No logging; owns nothing past a call.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "doctor.h"
#include "str.h"

#define MAX_PTR_NAMES 10

/* reverse_name - the in-addr.arpa / ip6.arpa name of ip; -1 if not one */
static int
reverse_name(const char *ip, unsigned char *a, int *fam, struct str *out)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	if (inet_pton(AF_INET, ip, a) == 1) {
		*fam = AF_INET;
		str_addf(out, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1],
		    a[0]);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return -1;
	*fam = AF_INET6;
	for (i = 15; i >= 0; i--)
		str_addf(out, "%c.%c.", hex[a[i] & 15], hex[a[i] >> 4]);
	str_add(out, "ip6.arpa");
	return 0;
}

/* confirms - does name have the address a: 1, 0, -1 lookup failed */
static int
confirms(const struct doc_input *in, const char *name, const unsigned char *a,
    int fam)
{
	size_t len = fam == AF_INET ? 4 : 16, i;
	struct dns_result *res;
	int hit = 0;

	res = dns_lookup(in->resolver, name,
	    fam == AF_INET ? DNS_T_A : DNS_T_AAAA, in->budget);
	if (dns_is_temp(res->status))
		hit = -1;
	for (i = 0; res->status == DNS_OK && i < res->nrr && hit == 0; i++)
		hit = res->rr[i].len == len &&
		    memcmp(res->rr[i].data, a, len) == 0;
	dns_result_free(res);
	return hit;
}

/* ptr_names - the PTR names tried, and whether one confirms */
static int
ptr_names(const struct doc_input *in, const struct dns_result *res,
    const unsigned char *a, int fam, struct str *names, const char **ok)
{
	size_t i;
	int c, any_fail = 0;

	for (i = 0; i < res->nrr && i < MAX_PTR_NAMES; i++) {
		const char *n = (const char *)res->rr[i].data;

		str_addf(names, "%s%s", i ? ", " : "", n);
		c = confirms(in, n, a, fam);
		if (c > 0 && *ok == NULL)
			*ok = n;
		any_fail |= c < 0;
	}
	return *ok != NULL ? 1 : any_fail ? -1 : 0;
}

/* fcrdns - forward-confirmed reverse DNS of --ip: 1, 0, -1 unknown */
static int
fcrdns(const struct doc_input *in, struct doc_section *s)
{
	unsigned char a[16];
	struct str rev, names;
	struct dns_result *res;
	const char *ok = NULL;
	int fam, rc = 0;

	str_init(&rev);
	str_init(&names);
	if (reverse_name(in->ip, a, &fam, &rev) < 0) {
		doc_add(s, DOC_FAIL, "bulk-fcrdns", "%s: not an IP address",
		    in->ip);
		str_free(&rev);
		return 0;
	}
	res = dns_lookup(in->resolver, rev.s, DNS_T_PTR, in->budget);
	if (res->status == DNS_OK)
		rc = ptr_names(in, res, a, fam, &names, &ok);
	else if (dns_is_temp(res->status))
		rc = -1;
	if (rc > 0)
		doc_add(s, DOC_OK, "bulk-fcrdns",
		    "reverse DNS: %s is %s, and %s has that address", in->ip,
		    ok, ok);
	else if (rc < 0)
		doc_add(s, DOC_UNKNOWN, "bulk-fcrdns",
		    "reverse DNS of %s: a lookup failed (%s)", in->ip,
		    dns_status_name(res->status));
	else if (names.len > 0)
		doc_add(s, DOC_FAIL, "bulk-fcrdns",
		    "reverse DNS: %s is %s, but no such name has that address "
		    "(not forward-confirmed)",
		    in->ip, names.s);
	else
		doc_add(s, DOC_FAIL, "bulk-fcrdns",
		    "reverse DNS: %s has no PTR record (%s)", in->ip,
		    dns_status_name(res->status));
	dns_result_free(res);
	str_free(&rev);
	str_free(&names);
	return rc;
}

/* tri - a checklist line: ok when yes, else ? when unknown, else FAIL */
static void
tri(struct doc_section *s, const char *code, int yes, int unknown,
    const char *what)
{
	enum doc_level l = DOC_FAIL;

	if (yes)
		l = DOC_OK;
	else if (unknown)
		l = DOC_UNKNOWN;
	doc_add(s, l, code, "%s", what);
}

/* unsubscribe - dkim_sign.sign_headers covers RFC 8058's two fields */
static void
unsubscribe(const struct doc_input *in, struct doc_section *s)
{
	int lu, lup;

	if (in->sign_headers == NULL) {
		doc_add(s, DOC_INFO, "bulk-unsubscribe",
		    "one-click unsubscribe headers signed: not checked (give "
		    "-c with the signing configuration)");
		return;
	}
	lu = conf_strlist_has(in->sign_headers, "list-unsubscribe");
	lup = conf_strlist_has(in->sign_headers, "list-unsubscribe-post");
	if (lu && lup)
		doc_add(s, DOC_OK, "bulk-unsubscribe",
		    "one-click unsubscribe headers signed "
		    "(dkim_sign.sign_headers)");
	else
		doc_add(s, DOC_FAIL, "bulk-unsubscribe",
		    "one-click unsubscribe headers signed: "
		    "dkim_sign.sign_headers lacks %s%s%s",
		    lu ? "" : "list-unsubscribe", !lu && !lup ? " and " : "",
		    lup ? "" : "list-unsubscribe-post");
}

/* spf_line - SPF passes for the sending address */
static void
spf_line(const struct doc_findings *f, struct doc_section *s)
{
	if (!f->spf_checked)
		doc_add(s, DOC_INFO, "bulk-spf",
		    "SPF passes: not checked (no --ip)");
	else
		tri(s, "bulk-spf", f->spf == RES_SPF_PASS,
		    f->spf == RES_SPF_TEMPERROR, "SPF passes");
}

/* doctor_bulk - the bulk-sender checklist */
void
doctor_bulk(const struct doc_input *in, struct doc_report *r,
    struct doc_findings *f)
{
	struct doc_section *s;

	s = doc_section(r, "Bulk senders (Gmail, Yahoo, Microsoft)");
	spf_line(f, s);
	tri(s, "bulk-dkim", f->dkim_usable, f->dkim_unknown,
	    "DKIM key published and usable");
	tri(s, "bulk-dmarc", f->dmarc_found, f->dmarc_unknown,
	    "DMARC record, p=none or stronger");
	tri(s, "bulk-aligned", f->dmarc_found && f->dmarc_aligned > 0,
	    f->dmarc_unknown || (f->dmarc_found && f->dmarc_aligned < 0),
	    "DMARC passes (aligned SPF or DKIM)");
	unsubscribe(in, s);
	if (in->ip != NULL)
		f->fcrdns = fcrdns(in, s);
	else
		doc_add(s, DOC_INFO, "bulk-fcrdns",
		    "reverse DNS: not checked (no --ip)");
}
