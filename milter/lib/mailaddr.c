/*
 * mailaddr.c - RFC 5322 From header and RFC 5321 path parsing (the DMARC
 * Author Domain).
 *
 * SYNOPSIS
 *	addr_from_parse(), addr_path_domain(), addr_domain_normalize()
 *
 * DESCRIPTION
 *	A From value is cut into tokens (atoms, quoted strings, domain
 *	literals, specials; comments and folding white space dropped), then
 *	parsed as an RFC 5322 address-list with the RFC 6854 group syntax:
 *	display names, angle addresses, obsolete routes, several mailboxes,
 *	groups (empty or not).  RFC 2047 encoded words are atoms and left as
 *	they are.  RFC 6532 UTF-8 is accepted in atoms; a UTF-8 domain is
 *	converted to A-labels (RFC 5890) with libidn2, as RFC 9989 5.3.1
 *	asks.  Anything ambiguous (an '@' in an unquoted display name, a
 *	group without ';', an unclosed '<', a control character) is
 *	ADDR_UNPARSEABLE: a verifier must not guess at what a mail reader
 *	will show.
 *
 *	Pure: no I/O, no logging; temporary memory is freed before return.
 *	Thread-safe.  Inputs of any size are handled; token count and
 *	comment depth are bounded.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "mailaddr.h"

#define TOK_MAX 4096		/* a From header with more is garbage */
#define COMMENT_DEPTH_MAX 64

enum tok_type { T_ATOM, T_QSTR, T_DOMLIT, T_SPECIAL };

struct tok {
	enum tok_type type;
	char c;			/* T_SPECIAL */
	size_t off, len;	/* into the value */
};

struct parser {
	const char *v;
	struct tok *t;
	size_t n, cap, pos;		/* cap: room in t */
	int err;
	const char *why;
	struct addr_from *out;
	int first_nodomain;
};

/* fail - remember the first syntax error */
static void
fail(struct parser *p, const char *why)
{
	if (!p->err) {
		p->err = 1;
		p->why = why;
	}
}

/* is_atext - RFC 5322 atext, plus '.' (dot-atom) and UTF-8 (RFC 6532) */
static int
is_atext(unsigned char c)
{
	if (c >= 0x80)
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL && c != '\0';
}

/* is_wsp - folding white space */
static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* skip_comment - at '(', skip a nested comment; returns new index */
static size_t
skip_comment(struct parser *p, size_t i, size_t len)
{
	int depth = 0;

	for (; i < len; i++) {
		unsigned char c = (unsigned char)p->v[i];
		if (c == '\\') {
			i++;
		} else if (c == '(') {
			if (++depth > COMMENT_DEPTH_MAX) {
				fail(p, "comments nested too deep");
				return len;
			}
		} else if (c == ')') {
			if (--depth == 0)
				return i + 1;
		}
	}
	fail(p, "unterminated comment");
	return len;
}

/* skip_quoted - at open, skip to the matching close; returns the index
 * after it, or len with an error */
static size_t
skip_quoted(struct parser *p, size_t i, size_t len, char close,
    const char *what)
{
	for (i++; i < len; i++) {
		if (p->v[i] == '\\')
			i++;
		else if (p->v[i] == close)
			return i + 1;
	}
	fail(p, what);
	return len;
}

/* push - append one token */
static void
push(struct parser *p, enum tok_type type, char c, size_t off, size_t len)
{
	if (p->n >= p->cap) {
		fail(p, "too many tokens");
		return;
	}
	p->t[p->n].type = type;
	p->t[p->n].c = c;
	p->t[p->n].off = off;
	p->t[p->n].len = len;
	p->n++;
}

/* lex - cut the value into tokens */
static void
lex(struct parser *p, size_t len)
{
	size_t i = 0, j;

	while (i < len && !p->err) {
		unsigned char c = (unsigned char)p->v[i];
		if (is_wsp(c)) {
			i++;
		} else if (c == '(') {
			i = skip_comment(p, i, len);
		} else if (c == '"') {
			j = skip_quoted(p, i, len, '"', "unterminated quoted string");
			push(p, T_QSTR, 0, i, j - i);
			i = j;
		} else if (c == '[') {
			j = skip_quoted(p, i, len, ']', "unterminated domain literal");
			push(p, T_DOMLIT, 0, i, j - i);
			i = j;
		} else if (is_atext(c)) {
			for (j = i; j < len && is_atext((unsigned char)p->v[j]); j++)
				;
			push(p, T_ATOM, 0, i, j - i);
			i = j;
		} else if (c != '\0' && strchr("<>:;@,\\)]", c) != NULL) {
			push(p, T_SPECIAL, (char)c, i, 1);
			i++;
		} else {
			fail(p, "control character or NUL in header");
		}
	}
}

/* at - is the current token the special c */
static int
at(const struct parser *p, char c)
{
	return p->pos < p->n && p->t[p->pos].type == T_SPECIAL &&
	    p->t[p->pos].c == c;
}

/* expect - consume special c or fail */
static void
expect(struct parser *p, char c, const char *why)
{
	if (at(p, c))
		p->pos++;
	else
		fail(p, why);
}

/* is_word - atom or quoted string */
static int
is_word(const struct parser *p, size_t i)
{
	return i < p->n && (p->t[i].type == T_ATOM || p->t[i].type == T_QSTR);
}

/* first_special - index of the first special among set from pos on */
static size_t
first_special(const struct parser *p, const char *set)
{
	size_t i;

	for (i = p->pos; i < p->n; i++)
		if (p->t[i].type == T_SPECIAL && strchr(set, p->t[i].c))
			return i;
	return p->n;
}

/* record - one mailbox found; domain NULL when it has none */
static void
record(struct parser *p, const char *dom, size_t dlen, const char *why)
{
	struct addr_from *o = p->out;
	char norm[ADDR_DOMAIN_MAX + 1];
	const char *nwhy = why;
	int ok = dom != NULL &&
	    addr_domain_normalize(dom, dlen, norm, sizeof(norm), &nwhy) == 0;

	o->nmailbox++;
	if (o->nmailbox == 1) {
		if (ok) {
			memcpy(o->domain, norm, strlen(norm) + 1);
		} else {
			p->first_nodomain = 1;
			o->why = nwhy;
		}
		o->same_domain = ok;
	} else if (!ok || p->first_nodomain || strcmp(norm, o->domain) != 0) {
		o->same_domain = 0;
	}
}

/* keep_local - the first mailbox's local part: tokens [from, to) */
static void
keep_local(struct parser *p, size_t from, size_t to)
{
	struct addr_from *o = p->out;
	size_t i, n = 0;

	if (o->nmailbox != 0)
		return;
	for (i = from; i < to; i++) {
		if (n + p->t[i].len > ADDR_LOCAL_MAX) {
			o->local[0] = '\0';
			return;
		}
		memcpy(o->local + n, p->v + p->t[i].off, p->t[i].len);
		n += p->t[i].len;
	}
	o->local[n] = '\0';
}

/* parse_addr_spec - local-part ["@" domain] */
static void
parse_addr_spec(struct parser *p)
{
	const struct tok *d;
	size_t start = p->pos;

	if (!is_word(p, p->pos)) {
		fail(p, "missing local part");
		return;
	}
	while (is_word(p, p->pos))
		p->pos++;
	keep_local(p, start, p->pos);
	if (!at(p, '@')) {
		record(p, NULL, 0, "address without a domain");
		return;
	}
	p->pos++;
	if (p->pos >= p->n) {
		fail(p, "missing domain after '@'");
		return;
	}
	d = &p->t[p->pos++];
	if (d->type == T_DOMLIT)
		record(p, NULL, 0, "domain literal");
	else if (d->type == T_ATOM)
		record(p, p->v + d->off, d->len, NULL);
	else
		fail(p, "bad domain after '@'");
}

/* parse_angle - "<" [obs-route] addr-spec ">" */
static void
parse_angle(struct parser *p)
{
	p->pos++;			/* '<' */
	if (at(p, '>')) {
		p->pos++;
		record(p, NULL, 0, "empty address <>");
		return;
	}
	if (at(p, '@') || at(p, ',')) {	/* obs-route "@a,@b:" */
		size_t colon = first_special(p, ":>");
		if (colon >= p->n || p->t[colon].c != ':') {
			fail(p, "bad source route");
			return;
		}
		p->pos = colon + 1;
	}
	parse_addr_spec(p);
	expect(p, '>', "missing '>'");
}

/* parse_mailbox - name-addr or addr-spec */
static void
parse_mailbox(struct parser *p)
{
	size_t lt = first_special(p, "<,;");

	if (lt < p->n && p->t[lt].c == '<') {
		while (p->pos < lt) {
			if (!is_word(p, p->pos)) {
				fail(p, "special character in display name");
				return;
			}
			p->pos++;
		}
		parse_angle(p);
	} else {
		parse_addr_spec(p);
	}
}

/* parse_group - display-name ":" [mailbox-list] ";" */
static void
parse_group(struct parser *p, size_t colon)
{
	for (; p->pos < colon; p->pos++)
		if (!is_word(p, p->pos)) {
			fail(p, "special character in group name");
			return;
		}
	p->pos++;			/* ':' */
	while (!p->err && p->pos < p->n && !at(p, ';')) {
		if (at(p, ',')) {
			p->pos++;
			continue;
		}
		parse_mailbox(p);
		if (!p->err && !at(p, ',') && !at(p, ';'))
			fail(p, "garbage after mailbox in group");
	}
	expect(p, ';', "group without ';'");
}

/* parse_list - address-list (mailboxes and groups) */
static void
parse_list(struct parser *p)
{
	while (!p->err && p->pos < p->n) {
		size_t s;
		if (at(p, ',')) {	/* obs: empty list elements */
			p->pos++;
			continue;
		}
		s = first_special(p, ":<@,;");
		if (s < p->n && p->t[s].c == ':')
			parse_group(p, s);
		else
			parse_mailbox(p);
		if (!p->err && p->pos < p->n && !at(p, ','))
			fail(p, "garbage after address");
	}
}

/* addr_from_parse - see mailaddr.h */
void
addr_from_parse(const char *value, size_t len, struct addr_from *out)
{
	struct parser p;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.v = value;
	p.out = out;
	/* every token takes at least one byte: no more than len of them
	 * (a fixed TOK_MAX array was 128 KiB to zero for each From) */
	p.cap = len < TOK_MAX ? len + 1 : TOK_MAX;
	p.t = malloc(p.cap * sizeof(*p.t));
	if (p.t == NULL) {
		out->status = ADDR_UNPARSEABLE;
		out->why = "out of memory";
		return;
	}
	lex(&p, len);
	if (!p.err)
		parse_list(&p);
	free(p.t);
	if (p.err) {
		out->status = ADDR_UNPARSEABLE;
		out->why = p.why;
		out->domain[0] = '\0';
		out->local[0] = '\0';
	} else if (out->nmailbox == 0) {
		out->status = ADDR_NONE;
		out->why = "no address";
	} else if (out->nmailbox > 1) {
		out->status = ADDR_SEVERAL;
		out->why = "several addresses";
	} else if (p.first_nodomain) {
		out->status = ADDR_NODOMAIN;
	} else {
		out->status = ADDR_OK;
		out->why = NULL;
	}
}

/* ascii_domain - check LDH labels and copy in lower case */
static int
ascii_domain(const char *d, size_t len, char *out, size_t outlen,
    const char **why)
{
	size_t i, lab = 0;

	if (len == 0 || len > ADDR_DOMAIN_MAX || len >= outlen) {
		*why = len == 0 ? "empty domain" : "domain too long";
		return -1;
	}
	for (i = 0; i < len; i++) {
		char c = d[i];
		if (c == '.') {
			if (lab == 0) {
				*why = "empty label in domain";
				return -1;
			}
			lab = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || (c >= 'A' && c <= 'Z')) {
			if (++lab > 63) {
				*why = "domain label longer than 63";
				return -1;
			}
		} else {
			*why = "bad character in domain";
			return -1;
		}
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	if (lab == 0) {
		*why = "empty label in domain";
		return -1;
	}
	out[len] = '\0';
	return 0;
}

/* addr_domain_normalize - see mailaddr.h */
int
addr_domain_normalize(const char *dom, size_t len, char *out, size_t outlen,
    const char **why)
{
	char *u, *a = NULL;
	size_t i;
	int utf8 = 0, rc;

	if (len > 0 && dom[len - 1] == '.')	/* absolute name */
		len--;
	for (i = 0; i < len; i++)
		if ((unsigned char)dom[i] >= 0x80)
			utf8 = 1;
	if (!utf8)
		return ascii_domain(dom, len, out, outlen, why);
	if (len > 1024) {
		*why = "domain too long";
		return -1;
	}
	if ((u = malloc(len + 1)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	memcpy(u, dom, len);
	u[len] = '\0';
	rc = idn2_to_ascii_8z(u, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	free(u);
	if (rc != IDN2_OK) {
		*why = "invalid internationalized domain";
		return -1;
	}
	rc = ascii_domain(a, strlen(a), out, outlen, why);
	idn2_free(a);
	return rc;
}

/* addr_path_domain - see mailaddr.h */
int
addr_path_domain(const char *path, char *out, size_t outlen)
{
	const char *s = path, *e, *at_sign;
	const char *why;

	if (s == NULL)
		return -1;
	while (*s == ' ' || *s == '<')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '>'))
		e--;
	at_sign = NULL;
	for (const char *q = e; q > s; q--)
		if (q[-1] == '@') {
			at_sign = q - 1;
			break;
		}
	if (at_sign == NULL || at_sign + 1 >= e)
		return -1;
	return addr_domain_normalize(at_sign + 1, (size_t)(e - at_sign - 1),
	    out, outlen, &why);
}

/* addr_status_name - for logs */
const char *
addr_status_name(enum addr_status st)
{
	switch (st) {
	case ADDR_OK:
		return "ok";
	case ADDR_NONE:
		return "none";
	case ADDR_SEVERAL:
		return "several";
	case ADDR_NODOMAIN:
		return "nodomain";
	case ADDR_UNPARSEABLE:
		return "unparseable";
	}
	return "?";
}
