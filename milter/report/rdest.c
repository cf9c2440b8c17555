/*
 * rdest.c - destinations of DMARC aggregate reports: rua= parsing and the
 * verification of external destinations (RFC 9990 section 4); see
 * rdest.h for the rules.
 *
 * The parsers are pure; rdest_verify asks DNS through the resolver of an
 * orgdom_ctx and keeps the answer classes apart: a void answer refuses
 * an external destination, SERVFAIL/timeout/local error leaves it
 * undecided (RDEST_TEMP), so the caller defers and never fails open.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "dmarc_record.h"
#include "mailaddr.h"
#include "rdest.h"
#include "str.h"

/* hexval - value of a hex digit, -1 for anything else */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* pct_decode - %XX-decode p[0..n) into out; -1 on a bad escape or NUL */
static int
pct_decode(const char *p, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			hi = hexval(p[i + 1]);
			lo = hexval(p[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* local_ok - a local part that is safe in a header and on a command line */
static int
local_ok(const char *s)
{
	if (*s == '\0' || *s == '-' || *s == '.')
		return 0;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c >= 0x7f || strchr("<>()[]\\,;:\"@", c))
			return 0;
	}
	return 1;
}

/* host_ok - a host name of letters, digits, hyphens and dots */
static int
host_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > DNS_NAME_MAX || s[0] == '.' || s[0] == '-' ||
	    s[n - 1] == '.' || strstr(s, "..") != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return 0;
	return strchr(s, '.') != NULL;
}

/*
 * host_alabels - the decoded host in place as lower-case A-labels: a
 * U-label host (UTF-8) goes through IDNA2008 (libidn2, as From domains
 * do), so DNS verification and submission use the name DNS knows; an
 * ASCII host is lower-cased; a trailing dot ("b.example.") is dropped.
 * 0, or -1 when the host is no valid internationalized name.
 */
static int
host_alabels(char *host, size_t len)
{
	char out[DNS_NAME_MAX + 1];
	const char *why;
	size_t i, n = strlen(host);
	int utf8 = 0;

	for (i = 0; i < n; i++)
		if ((unsigned char)host[i] >= 0x80)
			utf8 = 1;
	if (!utf8) {
		str_lower(host);
		if (n > 0 && host[n - 1] == '.')
			host[n - 1] = '\0'; /* "b.example." is fine */
		return 0;
	}
	if (addr_domain_normalize(host, n, out, sizeof(out), &why) < 0 ||
	    strlen(out) >= len)
		return -1;
	memcpy(host, out, strlen(out) + 1);
	return 0;
}

/* parse_limit - "10m" etc. into bytes; -1 when not a size */
static int
parse_limit(const char *p, size_t n, uint64_t *out)
{
	uint64_t v, mult = 1;

	if (n > 0 && strchr("kmgtKMGT", p[n - 1]) != NULL) {
		switch (tolower((unsigned char)p[n - 1])) {
		case 'k':
			mult = 1024ULL;
			break;
		case 'm':
			mult = 1024ULL * 1024;
			break;
		case 'g':
			mult = 1024ULL * 1024 * 1024;
			break;
		default:
			mult = 1024ULL * 1024 * 1024 * 1024;
			break;
		}
		n--;
	}
	if (str_parse_u64(p, n, UINT64_MAX / mult, &v) < 0)
		return -1;
	*out = v * mult;
	return 0;
}

/* parse_mailto - one URI (trimmed, n bytes) into *d; 0, or -1 + why */
static int
parse_mailto(const char *u, size_t n, struct rdest *d, char *why, size_t whylen)
{
	const char *bang, *q, *end = u + n, *at;
	char local[RDEST_ADDR_MAX + 1];

	memset(d, 0, sizeof(*d));
	if (n < 7 || str_ncasecmp(u, "mailto:", 7) != 0)
		return str_seterr(why, whylen, "%.*s: not a mailto: URI",
		    (int)(n > 60 ? 60 : n), u);
	u += 7;
	bang = memchr(u, '!', (size_t)(end - u));
	if (bang != NULL &&
	    parse_limit(bang + 1, (size_t)(end - bang - 1), &d->limit) < 0)
		return str_seterr(why, whylen, "bad size limit in a rua URI");
	if (bang != NULL)
		end = bang;
	q = memchr(u, '?', (size_t)(end - u));
	if (q != NULL)
		end = q;
	at = NULL;
	for (q = u; q < end; q++)
		if (*q == '@')
			at = q;
	if (at == NULL ||
	    pct_decode(u, (size_t)(at - u), local, sizeof(local)) < 0 ||
	    pct_decode(at + 1, (size_t)(end - at - 1), d->host,
		sizeof(d->host)) < 0)
		return str_seterr(why, whylen, "unusable mailto: URI");
	if (host_alabels(d->host, sizeof(d->host)) < 0)
		return str_seterr(why, whylen,
		    "unusable internationalized host in a mailto: URI");
	if (!local_ok(local) || !host_ok(d->host) ||
	    strlen(local) + strlen(d->host) + 1 > RDEST_ADDR_MAX)
		return str_seterr(why, whylen,
		    "unusable address in a mailto: "
		    "URI");
	{
		size_t ll = strlen(local), hl = strlen(d->host);

		memcpy(d->addr, local, ll);
		d->addr[ll] = '@';
		memcpy(d->addr + ll + 1, d->host, hl + 1);
	}
	return 0;
}

/* has_addr - is addr already in l (ASCII case-insensitive) */
static int
has_addr(const struct rdest_list *l, const char *addr)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (str_casecmp(l->d[i].addr, addr) == 0)
			return 1;
	return 0;
}

/* push - append d to l unless it is there or l is full */
static void
push(struct rdest_list *l, const struct rdest *d)
{
	if (l->n < RDEST_MAX && !has_addr(l, d->addr))
		l->d[l->n++] = *d;
}

/* rdest_parse_rua - see rdest.h */
size_t
rdest_parse_rua(const char *rua, struct rdest_list *out, char *note,
    size_t notelen)
{
	const char *p = rua, *comma;
	char why[200];
	size_t n;

	memset(out, 0, sizeof(*out));
	if (note != NULL && notelen > 0)
		note[0] = '\0';
	while (p != NULL && *p != '\0') {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		while (n > 0 && isspace((unsigned char)*p))
			p++, n--;
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n > 0 && out->n == RDEST_MAX)
			snprintf(why, sizeof(why),
			    "more than %d destinations: "
			    "the first %d are used",
			    RDEST_MAX, RDEST_MAX);
		else if (n > 0 &&
		    parse_mailto(p, n, &out->d[out->n], why, sizeof(why)) == 0)
			why[0] = '\0',
			out->n += !has_addr(out, out->d[out->n].addr);
		if (n > 0 && why[0] != '\0' && note != NULL && note[0] == '\0')
			snprintf(note, notelen, "%s", why);
		p = comma != NULL ? comma + 1 : NULL;
	}
	return out->n;
}

/* tag_value - the value of tag name in a DMARC tag list (trimmed) */
static int
tag_value(const char *txt, size_t len, const char *name, char *out,
    size_t outlen)
{
	const char *p = txt, *end = txt + len, *semi, *eq, *v, *ve;
	size_t nl = strlen(name);

	while (p < end) {
		semi = memchr(p, ';', (size_t)(end - p));
		ve = semi != NULL ? semi : end;
		while (p < ve && isspace((unsigned char)*p))
			p++;
		eq = memchr(p, '=', (size_t)(ve - p));
		if (eq != NULL) {
			const char *ne = eq;

			while (ne > p && isspace((unsigned char)ne[-1]))
				ne--;
			v = eq + 1;
			while (v < ve && isspace((unsigned char)*v))
				v++;
			while (ve > v && isspace((unsigned char)ve[-1]))
				ve--;
			if ((size_t)(ne - p) == nl &&
			    str_ncasecmp(p, name, nl) == 0 &&
			    (size_t)(ve - v) < outlen) {
				memcpy(out, v, (size_t)(ve - v));
				out[ve - v] = '\0';
				return 1;
			}
		}
		p = semi != NULL ? semi + 1 : end;
	}
	return 0;
}

/* rdest_check_txt - see rdest.h */
int
rdest_check_txt(const char *const *txt, const size_t *len, size_t n, char *rua,
    size_t rualen)
{
	int found = 0;
	size_t i;

	if (rualen > 0)
		rua[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!dmarcrec_is_dmarc(txt[i], len[i]) ||
		    memchr(txt[i], '\0', len[i]) != NULL)
			continue;
		found = 1;
		if (rua[0] == '\0' &&
		    tag_value(txt[i], len[i], "rua", rua, rualen))
			break;
	}
	return found;
}

/* rdest_below - see rdest.h */
int
rdest_below(const char *host, const char *domain)
{
	size_t h = strlen(host), d = strlen(domain);

	if (h == d)
		return str_casecmp(host, domain) == 0;
	return h > d && host[h - d - 1] == '.' &&
	    str_casecmp(host + h - d, domain) == 0;
}

/* lookup_report - TXT at <pd>._report._dmarc.<host>: 1 authorised, 0
 * not, -1 temporary failure (why set); rua gets an override */
static int
lookup_report(struct dns_resolver *r, const char *pd, const char *host,
    char *rua, size_t rualen, char *why, size_t whylen)
{
	char name[2 * DNS_NAME_MAX + 32];
	const char *txt[16];
	size_t len[16], i;
	struct dns_result *res;
	int ok;

	snprintf(name, sizeof(name), "%s._report._dmarc.%s", pd, host);
	res = dns_lookup(r, name, DNS_T_TXT, NULL);
	if (res->status != DNS_OK && !dns_is_void(res->status)) {
		str_seterr(why, whylen, "%s TXT: %s (DNS), report deferred",
		    name, dns_status_name(res->status));
		dns_result_free(res);
		return -1;
	}
	for (i = 0; i < res->nrr && i < 16; i++) {
		txt[i] = (const char *)res->rr[i].data;
		len[i] = res->rr[i].len;
	}
	ok = rdest_check_txt(txt, len, i, rua, rualen);
	if (!ok)
		str_seterr(why, whylen,
		    "not authorised: no v=DMARC1 record at "
		    "%s (%s)",
		    name,
		    res->status == DNS_OK ? "other TXT only" :
					    dns_status_name(res->status));
	dns_result_free(res);
	return ok;
}

/* same_org - 1 when host and pd share the Organizational Domain, 0 not,
 * -1 a lookup failed temporarily */
static int
same_org(struct orgdom_ctx *oc, const char *pd, const char *host)
{
	char a[DNS_NAME_MAX + 1], b[DNS_NAME_MAX + 1];

	if (orgdom_org(oc, pd, a, sizeof(a)) < 0 ||
	    orgdom_org(oc, host, b, sizeof(b)) < 0)
		return -1;
	return str_casecmp(a, b) == 0;
}

/* apply_override - the rua= of the authorising record replaces d by its
 * URIs when all are at d's host; appended to out.  0, or -1 (refused) */
static int
apply_override(const struct rdest *d, const char *rua, struct rdest_list *out,
    char *why, size_t whylen)
{
	struct rdest_list ov;
	size_t i;

	if (rdest_parse_rua(rua, &ov, NULL, 0) == 0)
		return str_seterr(why, whylen,
		    "the authorising record's rua= "
		    "has no usable mailto: URI: not sent");
	for (i = 0; i < ov.n; i++)
		if (str_casecmp(ov.d[i].host, d->host) != 0)
			return str_seterr(why, whylen,
			    "the authorising record "
			    "redirects to another host (%s): not sent "
			    "(RFC 9990 4)",
			    ov.d[i].host);
	for (i = 0; i < ov.n; i++) {
		ov.d[i].external = 1;
		str_seterr(ov.d[i].why, sizeof(ov.d[i].why),
		    "authorised, %s replaced by the record's rua=", d->addr);
		push(out, &ov.d[i]);
	}
	return 0;
}

/* verify_one - decide d; authorised results are appended to out */
static void
verify_one(struct orgdom_ctx *oc, const char *pd, struct rdest *d,
    struct rdest_list *out)
{
	char rua[512];
	int rc;

	if (rdest_below(d->host, pd)) {
		d->state = RDEST_OK;
		snprintf(d->why, sizeof(d->why), "at the policy domain");
		push(out, d);
		return;
	}
	rc = lookup_report(oc->resolver, pd, d->host, rua, sizeof(rua), d->why,
	    sizeof(d->why));
	if (rc == 0) {
		rc = same_org(oc, pd, d->host);
		if (rc < 0) {
			d->state = RDEST_TEMP;
			snprintf(d->why, sizeof(d->why),
			    "Organizational Domain "
			    "of %s or %s: DNS temporary failure, report "
			    "deferred",
			    pd, d->host);
		} else if (rc == 0) {
			d->state = RDEST_REFUSED;
		} else {
			d->state = RDEST_OK;
			snprintf(d->why, sizeof(d->why),
			    "same Organizational "
			    "Domain as %s",
			    pd);
			push(out, d);
		}
		return;
	}
	if (rc < 0) {
		d->state = RDEST_TEMP;
		return;
	}
	d->external = 1;
	d->state = RDEST_OK;
	snprintf(d->why, sizeof(d->why), "authorised by %s._report._dmarc.%s",
	    pd, d->host);
	if (rua[0] == '\0')
		push(out, d);
	else if (apply_override(d, rua, out, d->why, sizeof(d->why)) < 0)
		d->state = RDEST_REFUSED;
}

/* rdest_verify - see rdest.h */
enum rdest_state
rdest_verify(struct orgdom_ctx *oc, const char *policy_domain,
    struct rdest_list *l)
{
	struct rdest_list ok;
	enum rdest_state worst = RDEST_REFUSED;
	size_t i, kept = 0;
	int temp = 0;

	memset(&ok, 0, sizeof(ok));
	for (i = 0; i < l->n; i++) {
		verify_one(oc, policy_domain, &l->d[i], &ok);
		if (l->d[i].state == RDEST_TEMP)
			temp = 1;
	}
	/* refused destinations stay in l (for the log), after the good ones */
	for (i = 0; i < l->n && ok.n < RDEST_MAX; i++)
		if (l->d[i].state != RDEST_OK)
			ok.d[ok.n++] = l->d[i];
	for (i = 0; i < ok.n; i++)
		kept += ok.d[i].state == RDEST_OK;
	*l = ok;
	if (temp)
		worst = RDEST_TEMP;
	else if (kept > 0)
		worst = RDEST_OK;
	return worst;
}
