/*
 * gateway.c - strict readers of the headers the hop before us added
 * (see gateway.h): an RFC 8601 Authentication-Results value reduced to
 * its SPF and DKIM passes, the client address of a Received header, and
 * the end of the hop's block.  Untrusted input: every loop is bounded by
 * the string, nothing is written past the caller's buffers, and a value
 * that is not well formed yields -1.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "gateway.h"
#include "cidr.h"
#include "str.h"

struct cur {
	const char *p;
};

/* skip_cfws - whitespace (also folding) and nested comments; -1 on an
 * unterminated comment */
static int
skip_cfws(struct cur *c)
{
	int depth = 0;

	for (; *c->p != '\0'; c->p++) {
		if (*c->p == '\\' && depth > 0 && c->p[1] != '\0')
			c->p++;
		else if (*c->p == '(')
			depth++;
		else if (*c->p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && !isspace((unsigned char)*c->p))
			break;
	}
	return depth == 0 ? 0 : -1;
}

static int
tokch(int ch)
{
	return ch > 32 && ch < 127 && strchr("()<>,;:\\\"/[]?=", ch) == NULL;
}

/* token - a token (stop set of RFC 2045) or a quoted string into out
 * (truncated never: too long is -1); "." and "@" are token bytes */
static int
token(struct cur *c, char *out, size_t outlen, int pvalue)
{
	size_t n = 0;

	if (skip_cfws(c) < 0)
		return -1;
	if (*c->p == '"') {
		for (c->p++; *c->p != '"'; c->p++) {
			if (*c->p == '\\' && c->p[1] != '\0')
				c->p++;
			if (*c->p == '\0' || n + 1 >= outlen)
				return -1;
			out[n++] = *c->p;
		}
		c->p++;
	} else {
		while (tokch((unsigned char)*c->p) ||
		    (pvalue && (*c->p == '/' || *c->p == ':'))) {
			if (n + 1 >= outlen)
				return -1;
			out[n++] = *c->p++;
		}
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

static int
expect(struct cur *c, char ch)
{
	if (skip_cfws(c) < 0 || *c->p != ch)
		return -1;
	c->p++;
	return 0;
}

/* record - keep what the method's passes say */
static void
record(struct gw_ar *out, const char *method, const char *result,
    const char *prop, const char *val)
{
	if (str_casecmp(result, "pass") != 0)
		return;
	if (str_casecmp(method, "spf") == 0 &&
	    str_casecmp(prop, "smtp.mailfrom") == 0) {
		out->spf_pass = 1;
		snprintf(out->mailfrom, sizeof(out->mailfrom), "%s", val);
		str_lower(out->mailfrom);
	} else if (str_casecmp(method, "dkim") == 0 &&
	    str_casecmp(prop, "header.d") == 0 && out->ndkim < GW_MAX_DKIM) {
		snprintf(out->dkim_d[out->ndkim], GW_ID_MAX, "%s", val);
		str_lower(out->dkim_d[out->ndkim++]);
	}
}

/* props - [reason=value] then ptype.property=value until ';' or end */
static int
props(struct cur *c, struct gw_ar *out, const char *method, const char *result)
{
	char name[64], val[GW_ID_MAX];

	for (;;) {
		if (skip_cfws(c) < 0)
			return -1;
		if (*c->p == ';' || *c->p == '\0')
			return 0;
		if (token(c, name, sizeof(name), 0) < 0 || expect(c, '=') < 0 ||
		    token(c, val, sizeof(val), 1) < 0)
			return -1;
		if (str_casecmp(name, "reason") != 0 &&
		    (strchr(name, '.') == NULL || name[0] == '.'))
			return -1;
		record(out, method, result, name, val);
	}
}

/* resinfo - method[/version]=result props */
static int
resinfo(struct cur *c, struct gw_ar *out)
{
	char method[64], result[64], ver[16];

	if (token(c, method, sizeof(method), 0) < 0)
		return -1;
	if (skip_cfws(c) < 0)
		return -1;
	if (*c->p == '/') {
		c->p++;
		if (token(c, ver, sizeof(ver), 0) < 0)
			return -1;
	}
	if (expect(c, '=') < 0 || token(c, result, sizeof(result), 0) < 0)
		return -1;
	return props(c, out, method, result);
}

/* gw_ar_parse - see gateway.h */
int
gw_ar_parse(const char *value, struct gw_ar *out)
{
	struct cur c = { value };
	char tok[64];

	memset(out, 0, sizeof(*out));
	if (token(&c, out->authserv_id, sizeof(out->authserv_id), 0) < 0)
		return -1;
	str_lower(out->authserv_id);
	if (skip_cfws(&c) < 0)
		return -1;
	if (isdigit((unsigned char)*c.p) && token(&c, tok, sizeof(tok), 0) < 0)
		return -1;
	if (expect(&c, ';') < 0)
		return -1;
	if (skip_cfws(&c) < 0)
		return -1;
	if (str_ncasecmp(c.p, "none", 4) == 0) {
		c.p += 4;
		return skip_cfws(&c) == 0 && *c.p == '\0' ? 0 : -1;
	}
	for (;;) {
		if (resinfo(&c, out) < 0)
			return -1;
		if (*c.p == '\0')
			return 0;
		c.p++; /* ';' */
		if (skip_cfws(&c) < 0)
			return -1;
		if (*c.p == '\0')
			return 0;
	}
}

/* gw_received_ip - see gateway.h */
int
gw_received_ip(const char *value, char *out, size_t outlen)
{
	char helo[GW_ID_MAX];

	return gw_received_from(value, out, outlen, helo, sizeof(helo));
}

/* gw_received_from - see gateway.h */
int
gw_received_from(const char *value, char *out, size_t outlen, char *helo,
    size_t helolen)
{
	struct cur c = { value };
	const char *open, *close;
	char host[GW_ID_MAX];
	size_t n;

	if (skip_cfws(&c) < 0 || str_ncasecmp(c.p, "from", 4) != 0)
		return -1;
	c.p += 4;
	if (token(&c, host, sizeof(host), 0) < 0)
		return -1;
	while (isspace((unsigned char)*c.p))
		c.p++;
	if (*c.p != '(')
		return -1;
	open = strchr(c.p, '[');
	close = open != NULL ? strchr(open, ']') : NULL;
	if (close == NULL || memchr(c.p, ')', (size_t)(open - c.p)) != NULL)
		return -1;
	open++;
	if (str_ncasecmp(open, "IPv6:", 5) == 0)
		open += 5;
	n = (size_t)(close - open);
	if (n == 0 || n >= outlen ||
	    strspn(open, "0123456789abcdefABCDEF.:") < n)
		return -1;
	memcpy(out, open, n);
	out[n] = '\0';
	snprintf(helo, helolen, "%s", host);
	return 0;
}

/* in_relays - the address text is in relays */
static int
in_relays(const struct cidr_set *relays, const char *ip)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return cidr_match_raw(relays, AF_INET, a);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return cidr_match_raw(relays, AF_INET6, a);
	return -1;
}

/* gw_origin - see gateway.h */
int
gw_origin(const struct hm_header *h, size_t n, size_t start,
    const struct cidr_set *relays, char *ip, size_t iplen, char *helo,
    size_t helolen)
{
	size_t i;
	int r;

	for (i = start; i < n; i++) {
		if (str_casecmp(h[i].name, "Received") != 0)
			continue;
		if (gw_received_from(h[i].value, ip, iplen, helo, helolen) <
			0 ||
		    (r = in_relays(relays, ip)) < 0)
			return -1;
		if (r == 0)
			return 0;
	}
	return -1;
}

/* gw_hop_end - see gateway.h */
size_t
gw_hop_end(const struct hm_header *h, size_t n, const char *client)
{
	char ip[64];
	size_t i;

	for (i = 0; i < n; i++) {
		if (str_casecmp(h[i].name, "Received") != 0)
			continue;
		if (i == 0 && client != NULL &&
		    gw_received_ip(h[i].value, ip, sizeof(ip)) == 0 &&
		    str_casecmp(ip, client) == 0)
			continue;
		return i;
	}
	return n;
}
