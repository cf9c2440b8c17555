/*
 * dns_static.c - an in-memory zone behind the DNS layer's interface, for
 * unit tests, the RFC 7208 suite runner and the fuzzers.  Never used by
 * the daemon to answer real mail.
 *
 * Queries complete at once (no waiting, no threads): records of the asked
 * type → DNS_OK; the name has other records only → DNS_NODATA; unknown
 * name → DNS_NXDOMAIN; a name marked TIMEOUT / SERVFAIL / ERROR answers
 * with that status for every type.  A CNAME is followed (8 hops at most)
 * when the asked type is not CNAME.
 *
 * Thread safety: adding records is not synchronised; once filled, a zone
 * may be queried by many threads.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "dns_int.h"
#include "str.h"

struct static_rr {
	char *name;		/* lower case, no trailing dot */
	int type;		/* 0 = failure marker, then fail is used */
	enum dns_status fail;
	uint16_t pref;
	size_t len;
	unsigned char *data;
};

struct static_zone {
	struct dns_resolver base;
	size_t n, cap;
	struct static_rr *rr;
};

/* norm_name - lower case, trailing dot removed, into buf */
static void
norm_name(char *buf, size_t buflen, const char *name)
{
	size_t len;

	snprintf(buf, buflen, "%s", name);
	len = strlen(buf);
	if (len > 0 && buf[len - 1] == '.')
		buf[len - 1] = '\0';
	str_lower(buf);
}

/* zone_push - append a record slot */
static struct static_rr *
zone_push(struct static_zone *z, const char *name)
{
	char nbuf[DNS_NAME_MAX + 64];
	struct static_rr *rr;

	if (z->n == z->cap) {
		z->cap = z->cap ? z->cap * 2 : 16;
		z->rr = xrealloc(z->rr, z->cap * sizeof(*z->rr));
	}
	rr = &z->rr[z->n++];
	memset(rr, 0, sizeof(*rr));
	norm_name(nbuf, sizeof(nbuf), name);
	rr->name = xstrdup(nbuf);
	return rr;
}

/* dns_static_add - one record; data copied */
int
dns_static_add(struct dns_resolver *r, const char *name, int type,
    uint16_t pref, const void *data, size_t len)
{
	struct static_rr *rr = zone_push((struct static_zone *)r, name);

	rr->type = type;
	rr->pref = pref;
	rr->len = len;
	rr->data = xmemdup0(data, len);
	return 0;
}

/* dns_static_fail - every query for name fails with st */
int
dns_static_fail(struct dns_resolver *r, const char *name, enum dns_status st)
{
	struct static_rr *rr = zone_push((struct static_zone *)r, name);

	rr->type = 0;
	rr->fail = st;
	return 0;
}

/* find_fail - a failure marker for name, or DNS_OK */
static enum dns_status
find_fail(const struct static_zone *z, const char *name)
{
	size_t i;

	for (i = 0; i < z->n; i++)
		if (z->rr[i].type == 0 && strcmp(z->rr[i].name, name) == 0)
			return z->rr[i].fail;
	return DNS_OK;
}

/* answer - build the result for name/type, following CNAMEs */
static struct dns_result *
answer(const struct static_zone *z, const char *qname, int type)
{
	char name[DNS_NAME_MAX + 64];
	struct dns_result *res;
	int hop, exists;
	size_t i;

	norm_name(name, sizeof(name), qname);
	for (hop = 0; hop < 8; hop++) {
		enum dns_status st = find_fail(z, name);
		const char *cname = NULL;

		if (st != DNS_OK)
			return dns_result_new(st, "static zone failure marker");
		res = dns_result_new(DNS_OK, NULL);
		exists = 0;
		for (i = 0; i < z->n; i++) {
			const struct static_rr *rr = &z->rr[i];

			if (rr->type == 0 || strcmp(rr->name, name) != 0)
				continue;
			exists = 1;
			if (rr->type == type)
				dns_result_add(res, type, rr->pref, rr->data,
				    rr->len);
			else if (rr->type == DNS_T_CNAME)
				cname = (const char *)rr->data;
		}
		if (res->nrr > 0)
			return res;
		if (cname == NULL || type == DNS_T_CNAME) {
			res->status = exists ? DNS_NODATA : DNS_NXDOMAIN;
			return res;
		}
		dns_result_free(res);
		norm_name(name, sizeof(name), cname);
	}
	return dns_result_new(DNS_SERVFAIL, "CNAME chain too long");
}

/* st_submit - answer at once */
static void
st_submit(struct dns_resolver *r, struct dns_query *q)
{
	q->result = answer((struct static_zone *)r, q->name, q->rrtype);
}

/* st_wait - always complete */
static int
st_wait(struct dns_resolver *r, struct dns_query *q,
    const struct timespec *until)
{
	return q->result != NULL;
}

/* st_cancel - nothing in flight */
static void
st_cancel(struct dns_resolver *r, struct dns_query *q)
{
}

/* st_free - free the zone */
static void
st_free(struct dns_resolver *r)
{
	struct static_zone *z = (struct static_zone *)r;
	size_t i;

	for (i = 0; i < z->n; i++) {
		free(z->rr[i].name);
		free(z->rr[i].data);
	}
	free(z->rr);
	free(z);
}

/* no cached answers: a spent budget times out here too (unit tests) */
static const struct dns_ops static_ops = {
	.submit = st_submit,
	.wait = st_wait,
	.cancel = st_cancel,
	.free = st_free,
	.cached = NULL,
};

/* parse_txt - one or more "quoted strings" with \" \\ \DDD escapes */
static int
parse_txt(const char *p, struct str *out)
{
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '"')
		return -1;
	while (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\0')
				return -1;
			if (*p == '\\' && isdigit((unsigned char)p[1]) &&
			    isdigit((unsigned char)p[2]) &&
			    isdigit((unsigned char)p[3])) {
				int v = (p[1] - '0') * 100 + (p[2] - '0') * 10 +
				    (p[3] - '0');
				if (v > 255)
					return -1;
				str_addc(out, (char)v);
				p += 3;
				continue;
			}
			if (*p == '\\' && p[1] != '\0')
				p++;
			str_addc(out, *p);
		}
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	return *p == '\0' ? 0 : -1;
}

/* add_line_data - parse the data of one zone line by type */
static int
add_line_data(struct dns_resolver *r, const char *name, const char *type,
    const char *data)
{
	unsigned char a[16];
	struct str txt;
	uint64_t pref;
	int rc;

	if (str_casecmp(type, "A") == 0 && inet_pton(AF_INET, data, a) == 1)
		return dns_static_add(r, name, DNS_T_A, 0, a, 4);
	if (str_casecmp(type, "AAAA") == 0 &&
	    inet_pton(AF_INET6, data, a) == 1)
		return dns_static_add(r, name, DNS_T_AAAA, 0, a, 16);
	if (str_casecmp(type, "TXT") == 0) {
		str_init(&txt);
		rc = parse_txt(data, &txt);
		if (rc == 0)
			dns_static_add(r, name, DNS_T_TXT, 0, txt.s, txt.len);
		str_free(&txt);
		return rc;
	}
	if (str_casecmp(type, "MX") == 0) {
		const char *sp = strchr(data, ' ');

		if (sp == NULL || str_parse_u64(data, (size_t)(sp - data),
		    65535, &pref) < 0)
			return -1;
		return dns_static_add(r, name, DNS_T_MX, (uint16_t)pref,
		    sp + 1, strlen(sp + 1));
	}
	if (str_casecmp(type, "PTR") == 0)
		return dns_static_add(r, name, DNS_T_PTR, 0, data, strlen(data));
	if (str_casecmp(type, "CNAME") == 0)
		return dns_static_add(r, name, DNS_T_CNAME, 0, data,
		    strlen(data));
	return -1;
}

/* add_line - "name TYPE data" or "name TIMEOUT|SERVFAIL|ERROR" */
static int
add_line(struct dns_resolver *r, char *line)
{
	char *name, *type, *data;

	line = str_strip(line);
	if (*line == '\0' || *line == '#' || *line == ';')
		return 0;
	name = line;
	type = strpbrk(name, " \t");
	if (type == NULL)
		return -1;
	*type++ = '\0';
	while (*type == ' ' || *type == '\t')
		type++;
	data = strpbrk(type, " \t");
	if (data != NULL) {
		*data++ = '\0';
		data = str_strip(data);
	}
	if (str_casecmp(type, "TIMEOUT") == 0)
		return dns_static_fail(r, name, DNS_TIMEOUT);
	if (str_casecmp(type, "SERVFAIL") == 0)
		return dns_static_fail(r, name, DNS_SERVFAIL);
	if (str_casecmp(type, "ERROR") == 0)
		return dns_static_fail(r, name, DNS_ERROR);
	if (data == NULL)
		return -1;
	return add_line_data(r, name, type, data);
}

/* dns_static_new - a zone from text (may be NULL or empty) */
struct dns_resolver *
dns_static_new(const char *zone_text, char *err, size_t errlen)
{
	struct static_zone *z = xcalloc(1, sizeof(*z));
	char *copy, *line, *save = NULL;
	int lineno = 0;

	z->base.ops = &static_ops;
	z->base.query_timeout_ms = 5000;
	z->base.message_budget_ms = 20000;
	if (zone_text == NULL)
		return &z->base;
	copy = xstrdup(zone_text);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (add_line(&z->base, line) < 0) {
			snprintf(err, errlen, "static zone line %d: bad record",
			    lineno);
			free(copy);
			st_free(&z->base);
			return NULL;
		}
	}
	free(copy);
	return &z->base;
}
