/*
 * spf_record.c - parse one SPF record into terms (RFC 7208 sections 4.5,
 * 4.6, 5, 6 and the ABNF of section 12).
 *
 * Pure: no DNS, no logging.  Owns the strings it puts into the caller's
 * struct spf_record (freed by spf_record_free).  Thread-safe.
 * Errors: -1 and a short reason; the record is then left empty.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf_macro.h"
#include "spf_record.h"
#include "str.h"

static const char *const mech_names[] = {
	"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"
};

/* spf_mech_name - name of a mechanism */
const char *
spf_mech_name(enum spf_mech m)
{
	return mech_names[m];
}

/* spf_record_is_spf - "v=spf1" then SP or end */
int
spf_record_is_spf(const char *txt, size_t len)
{
	if (len < 6 || str_ncasecmp(txt, "v=spf1", 6) != 0)
		return 0;
	return len == 6 || txt[6] == ' ';
}

/* is_alnum / is_alpha - ASCII only */
static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/* toplabel_ok - RFC 7208 toplabel: alphanumeric with a letter, or LDH
 * with inner hyphens */
static int
toplabel_ok(const char *p, size_t n)
{
	size_t i;
	int alpha = 0, dash = 0;

	if (n == 0 || p[0] == '-' || p[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] == '-')
			dash = 1;
		else if (is_alpha(p[i]))
			alpha = 1;
		else if (!is_alnum(p[i]))
			return 0;
	}
	return alpha || dash;
}

/* ends_with_macro - does the macro-string end in a macro-expand */
static int
ends_with_macro(const char *s, size_t n)
{
	size_t i = 0, last_end = (size_t)-1;

	while (i < n) {
		if (s[i] != '%') {
			i++;
			continue;
		}
		if (s[i + 1] != '{') {
			i += 2;
			last_end = i;
			continue;
		}
		while (i < n && s[i] != '}')
			i++;
		last_end = ++i;
	}
	return last_end == n;
}

/* domain_spec_ok - macro-string domain-end (section 12) */
static int
domain_spec_ok(const char *s, size_t n)
{
	const char *dot;
	size_t tl;

	if (n == 0 || spf_macro_check(s, n, 0) < 0)
		return 0;
	if (ends_with_macro(s, n))
		return 1;
	if (s[n - 1] == '.')
		n--;
	for (tl = n; tl > 0 && s[tl - 1] != '.'; tl--)
		;
	if (tl == 0)
		return 0;		/* no dot: a bare toplabel */
	dot = s + tl;
	return toplabel_ok(dot, n - tl);
}

/* parse_cidr_len - "/" ("0" / %x31-39 0*2DIGIT) up to max; 0 or -1 */
static int
parse_cidr_len(const char *p, size_t n, int max, int *out)
{
	uint64_t v;

	if (n == 0 || n > 3 || (n > 1 && p[0] == '0'))
		return -1;
	if (str_parse_u64(p, n, (uint64_t)max, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

/*
 * take_len - take a trailing "/digits" or "//digits" off [s, s+*n).
 * Returns 0 (none), 1 (single slash) or 2 (double slash); num and nl locate
 * the digits, *n shrinks.
 */
static int
take_len(const char *s, size_t *n, const char **num, size_t *nl)
{
	size_t i = *n;

	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == *n || i == 0 || s[i - 1] != '/')
		return 0;
	*num = s + i;
	*nl = *n - i;
	if (i >= 2 && s[i - 2] == '/') {
		*n = i - 2;
		return 2;
	}
	*n = i - 1;
	return 1;
}

/*
 * split_cidr - parse the CIDR suffix of an a/mx (kind 0: dual), ip4
 * (kind 4) or ip6 (kind 6) argument; *n shrinks.  0 or -1.
 */
static int
split_cidr(const char *s, size_t *n, int kind, struct spf_term *t)
{
	const char *num;
	size_t nl;
	int k;

	t->cidr4 = 32;
	t->cidr6 = 128;
	k = take_len(s, n, &num, &nl);
	if (k == 0)
		return 0;
	if (kind == 4 || kind == 6) {
		if (k == 2)
			return -1;
		return kind == 4 ? parse_cidr_len(num, nl, 32, &t->cidr4) :
		    parse_cidr_len(num, nl, 128, &t->cidr6);
	}
	if (k == 2) {
		if (parse_cidr_len(num, nl, 128, &t->cidr6) < 0)
			return -1;
		k = take_len(s, n, &num, &nl);
		if (k == 0)
			return 0;
		if (k == 2)
			return -1;
	}
	return parse_cidr_len(num, nl, 32, &t->cidr4);
}

/* parse_ip4 - strict dotted quad, no leading zeros (section 12 qnum) */
static int
parse_ip4(const char *s, size_t n, uint8_t *out)
{
	size_t i = 0, start;
	uint64_t v;
	int q;

	for (q = 0; q < 4; q++) {
		start = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start || i - start > 3 ||
		    (i - start > 1 && s[start] == '0'))
			return -1;
		if (str_parse_u64(s + start, i - start, 255, &v) < 0)
			return -1;
		out[q] = (uint8_t)v;
		if (q < 3 && (i >= n || s[i++] != '.'))
			return -1;
	}
	return i == n ? 0 : -1;
}

/* parse_ip6 - an IPv6 address via inet_pton */
static int
parse_ip6(const char *s, size_t n, uint8_t *out)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

/* set_domain - ":" domain-spec into t->domain; 0 or -1 */
static int
set_domain(const char *s, size_t n, struct spf_term *t)
{
	if (n < 1 || s[0] != ':' || !domain_spec_ok(s + 1, n - 1))
		return -1;
	t->domain = xstrndup(s + 1, n - 1);
	return 0;
}

/* mech_args - parse what follows a mechanism name */
static int
mech_args(const char *s, size_t n, struct spf_term *t)
{
	t->cidr4 = 32;
	t->cidr6 = 128;
	switch (t->mech) {
	case SPF_M_ALL:
		return n == 0 ? 0 : -1;
	case SPF_M_INCLUDE:
	case SPF_M_EXISTS:
		return set_domain(s, n, t);
	case SPF_M_PTR:
		return n == 0 ? 0 : set_domain(s, n, t);
	case SPF_M_A:
	case SPF_M_MX:
		if (split_cidr(s, &n, 0, t) < 0)
			return -1;
		return n == 0 ? 0 : set_domain(s, n, t);
	case SPF_M_IP4:
		if (split_cidr(s, &n, 4, t) < 0 || n < 1 || s[0] != ':')
			return -1;
		return parse_ip4(s + 1, n - 1, t->addr);
	case SPF_M_IP6:
		if (split_cidr(s, &n, 6, t) < 0 || n < 1 || s[0] != ':')
			return -1;
		return parse_ip6(s + 1, n - 1, t->addr);
	}
	return -1;
}

/* parse_mech - [qualifier] mechanism */
static int
parse_mech(const char *s, size_t n, struct spf_term *t)
{
	size_t i = 0, k;

	t->qual = RES_SPF_PASS;
	if (n > 0 && strchr("+-~?", s[0]) != NULL) {
		t->qual = s[0] == '+' ? RES_SPF_PASS : s[0] == '-' ?
		    RES_SPF_FAIL : s[0] == '~' ? RES_SPF_SOFTFAIL :
		    RES_SPF_NEUTRAL;
		i = 1;
	}
	for (k = i; k < n && is_alnum(s[k]); k++)
		;
	for (t->mech = SPF_M_ALL; t->mech <= SPF_M_EXISTS; t->mech++) {
		const char *nm = mech_names[t->mech];
		if (strlen(nm) == k - i && str_ncasecmp(s + i, nm, k - i) == 0)
			break;
	}
	if (t->mech > SPF_M_EXISTS)
		return -1;
	if (k < n && s[k] != ':' && s[k] != '/')
		return -1;
	return mech_args(s + k, n - k, t);
}

/* parse_modifier - name "=" value; name already delimited by eq */
static int
parse_modifier(const char *s, size_t eq, size_t n, struct spf_record *rec,
    char *why, size_t whylen)
{
	const char *v = s + eq + 1;
	size_t vl = n - eq - 1;
	char **slot = NULL;

	if (eq == 0 || !is_alpha(s[0])) {
		snprintf(why, whylen, "invalid modifier name");
		return -1;
	}
	if (eq == 8 && str_ncasecmp(s, "redirect", 8) == 0)
		slot = &rec->redirect;
	else if (eq == 3 && str_ncasecmp(s, "exp", 3) == 0)
		slot = &rec->exp;
	if (slot == NULL) {
		if (spf_macro_check(v, vl, 0) == 0)
			return 0;
		snprintf(why, whylen, "bad macro in unknown modifier");
		return -1;
	}
	if (*slot != NULL) {
		snprintf(why, whylen, "%.*s= given twice", (int)eq, s);
		return -1;
	}
	if (!domain_spec_ok(v, vl)) {
		snprintf(why, whylen, "bad domain in %.*s=", (int)eq, s);
		return -1;
	}
	*slot = xstrndup(v, vl);
	return 0;
}

/* parse_term - one directive or modifier */
static int
parse_term(const char *s, size_t n, struct spf_record *rec, char *why,
    size_t whylen)
{
	struct spf_term t;
	size_t i;

	for (i = 0; i < n && (is_alnum(s[i]) || s[i] == '-' || s[i] == '_' ||
	    s[i] == '.'); i++)
		;
	if (i < n && s[i] == '=')
		return parse_modifier(s, i, n, rec, why, whylen);
	memset(&t, 0, sizeof(t));
	if (parse_mech(s, n, &t) < 0) {
		free(t.domain);
		snprintf(why, whylen, "syntax error in \"%.*s\"",
		    (int)(n > 64 ? 64 : n), s);
		return -1;
	}
	t.text = xstrndup(s, n);
	if (rec->nterm == rec->cap) {
		rec->cap = rec->cap == 0 ? 16 : 2 * rec->cap;
		rec->term = xrealloc(rec->term, rec->cap * sizeof(t));
	}
	rec->term[rec->nterm++] = t;
	return 0;
}

/* chars_ok - 7-bit printable or SP only (sections 3.1, 4.6.1) */
static int
chars_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* spf_record_parse - the whole record; any error rejects it */
int
spf_record_parse(const char *txt, size_t len, struct spf_record *rec,
    char *why, size_t whylen)
{
	size_t i, start;

	memset(rec, 0, sizeof(*rec));
	if (!spf_record_is_spf(txt, len)) {
		snprintf(why, whylen, "not an SPF record");
		return -1;
	}
	if (len > SPF_RECORD_MAX || !chars_ok(txt, len)) {
		snprintf(why, whylen, len > SPF_RECORD_MAX ?
		    "record too long" : "control or non-ASCII character");
		return -1;
	}
	for (i = 6; i < len; ) {
		while (i < len && txt[i] == ' ')
			i++;
		start = i;
		while (i < len && txt[i] != ' ')
			i++;
		if (i > start &&
		    parse_term(txt + start, i - start, rec, why, whylen) < 0) {
			spf_record_free(rec);
			return -1;
		}
	}
	return 0;
}

/* spf_record_free - release what parse allocated */
void
spf_record_free(struct spf_record *rec)
{
	size_t i;

	for (i = 0; i < rec->nterm; i++) {
		free(rec->term[i].domain);
		free(rec->term[i].text);
	}
	free(rec->term);
	free(rec->redirect);
	free(rec->exp);
	memset(rec, 0, sizeof(*rec));
}
