/*
 * dmarc_record.c - strict parser of the DMARC Policy Record (RFC 9989
 * section 4.7 and 4.8), and the choice among several TXT records.
 *
 * SYNOPSIS
 *	dmarcrec_parse(), dmarcrec_select(), dmarcrec_is_dmarc()
 *
 * DESCRIPTION
 *	The record is a DKIM-style tag list (RFC 6376 3.2).  Rules applied:
 *	- "v=DMARC1" must be the first tag ("DMARC1" case-sensitive), else
 *	  the text is not a DMARC record at all (DMARCREC_NOT_DMARC).
 *	- Unknown tags are ignored, so are the tags RFC 9989 removed ("rf",
 *	  "ri"); "pct" is parsed for the RFC 7489 mode only.
 *	- A tag list that is not one (an element without '=', a tag name that
 *	  is not letters, a control character) or a tag given twice (RFC
 *	  6376 3.2: the whole tag list is then invalid) is DMARCREC_INVALID
 *	  with the reason: the caller reports dmarc=permerror.
 *	- A missing p= means p=none.  An invalid p=, sp= or np= value means
 *	  p=none when rua= holds a valid URI, else DMARCREC_INVALID (RFC 9989
 *	  4.10.1: "applies no DMARC processing").
 *	- Any other known tag with a bad value gets its default; the first
 *	  such problem is noted in why.
 *	Tag names and keyword values are compared case-insensitively.
 *	The text of rua= and fo= is kept for aggregate reports (the
 *	sender needs the addresses; policy_published shows fo).
 *
 *	Pure: no I/O, no logging, no allocation; any input length.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <string.h>

#include "dmarc_record.h"

enum tagbit {
	TB_V = 1 << 0, TB_P = 1 << 1, TB_SP = 1 << 2, TB_NP = 1 << 3,
	TB_PSD = 1 << 4, TB_T = 1 << 5, TB_ADKIM = 1 << 6, TB_ASPF = 1 << 7,
	TB_PCT = 1 << 8, TB_RUA = 1 << 9, TB_RUF = 1 << 10, TB_FO = 1 << 11,
	TB_RF = 1 << 12, TB_RI = 1 << 13
};

struct span {
	const char *s;
	size_t n;
};

struct state {
	struct dmarcrec *r;
	unsigned seen;
	int bad_policy;		/* p/sp/np present with a bad value */
};

/* note - keep the first problem */
static void
note(struct dmarcrec *r, const char *fmt, const char *tag)
{
	if (r->why[0] == '\0')
		snprintf(r->why, sizeof(r->why), fmt, tag);
}

/* eq - span equals keyword, case-insensitive */
static int
eq(struct span v, const char *kw)
{
	size_t i;

	if (v.n != strlen(kw))
		return 0;
	for (i = 0; i < v.n; i++) {
		char c = v.s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != kw[i])
			return 0;
	}
	return 1;
}

/* is_wsp - WSP of the ABNF (and CR/LF, which some zone files leave) */
static int
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* trim - strip WSP both ends */
static struct span
trim(struct span v)
{
	while (v.n > 0 && is_wsp(v.s[0])) {
		v.s++;
		v.n--;
	}
	while (v.n > 0 && is_wsp(v.s[v.n - 1]))
		v.n--;
	return v;
}

/* parse_policy - none / quarantine / reject */
static enum dmarcrec_policy
parse_policy(struct span v)
{
	if (eq(v, "none"))
		return DMARCREC_P_NONE;
	if (eq(v, "quarantine"))
		return DMARCREC_P_QUARANTINE;
	if (eq(v, "reject"))
		return DMARCREC_P_REJECT;
	return DMARCREC_P_UNSET;
}

/* uri_ok - one dmarc-uri: scheme ":" something, optional "!size" */
static int
uri_ok(struct span u)
{
	size_t i;

	u = trim(u);
	for (i = 0; i < u.n; i++)	/* obs-dmarc-report-size */
		if (u.s[i] == '!') {
			u.n = i;
			break;
		}
	if (u.n < 3 || !((u.s[0] | 32) >= 'a' && (u.s[0] | 32) <= 'z'))
		return 0;
	for (i = 1; i < u.n && u.s[i] != ':'; i++) {
		char c = u.s[i];
		if (!((c | 32) >= 'a' && (c | 32) <= 'z') &&
		    !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.')
			return 0;
	}
	if (i + 1 >= u.n)
		return 0;
	for (; i < u.n; i++)
		if (u.s[i] == ' ' || u.s[i] == '\t')
			return 0;
	return 1;
}

/* urilist_ok - at least one valid URI in a comma-separated list */
static int
urilist_ok(struct span v)
{
	size_t i, start = 0;
	int any = 0;

	for (i = 0; i <= v.n; i++)
		if (i == v.n || v.s[i] == ',') {
			struct span u = { v.s + start, i - start };
			if (uri_ok(u))
				any = 1;
			start = i + 1;
		}
	return any;
}

/* keep_rua - the URIs of a valid list, WSP around each removed, joined
 * with ","; those that do not fit whole in rua are left out (rua_cut) */
static void
keep_rua(struct dmarcrec *r, struct span v)
{
	size_t i, start = 0, n = 0;

	for (i = 0; i <= v.n; i++) {
		struct span u;
		if (i < v.n && v.s[i] != ',')
			continue;
		u = trim((struct span){ v.s + start, i - start });
		start = i + 1;
		if (u.n == 0)
			continue;
		if (n + (n > 0) + u.n > DMARCREC_RUA_MAX) {
			r->rua_cut = 1;
			continue;
		}
		if (n > 0)
			r->rua[n++] = ',';
		memcpy(r->rua + n, u.s, u.n);
		n += u.n;
	}
	r->rua[n] = '\0';
}

/* keep_fo - a valid fo= value without WSP, or "" when it does not fit */
static void
keep_fo(struct dmarcrec *r, struct span v)
{
	size_t i, n = 0;

	for (i = 0; i < v.n; i++) {
		if (is_wsp(v.s[i]))
			continue;
		if (n == DMARCREC_FO_MAX) {
			n = 0;
			break;
		}
		r->fo[n++] = v.s[i];
	}
	r->fo[n] = '\0';
}

/* fo_ok - colon-separated 0, 1, d, s */
static int
fo_ok(struct span v)
{
	size_t i;
	int item = 0;

	for (i = 0; i < v.n; i++) {
		char c = v.s[i];
		if (c == ':') {
			if (!item)
				return 0;
			item = 0;
		} else if (!item && (c == '0' || c == '1' || (c | 32) == 'd' ||
		    (c | 32) == 's')) {
			item = 1;
		} else if (!is_wsp(c)) {
			return 0;
		}
	}
	return item;
}

/* yorn - "y"/"n" into *out; -1 when neither */
static int
yorn(struct span v, int *out)
{
	if (eq(v, "y"))
		*out = 1;
	else if (eq(v, "n"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* rs - "r"/"s" into *strict */
static void
rs(struct state *st, struct span v, int *strict, const char *tag)
{
	if (eq(v, "s"))
		*strict = 1;
	else if (eq(v, "r"))
		*strict = 0;
	else
		note(st->r, "bad %s= value ignored", tag);
}

/* set_policy - p, sp, np */
static void
set_policy(struct state *st, struct span v, enum dmarcrec_policy *dst,
    const char *tag)
{
	*dst = parse_policy(v);
	if (*dst == DMARCREC_P_UNSET) {
		st->bad_policy = 1;
		note(st->r, "invalid %s= value", tag);
	}
}

/* set_pct - 0..100 */
static void
set_pct(struct state *st, struct span v)
{
	size_t i;
	int n = 0;

	if (v.n == 0 || v.n > 3) {
		note(st->r, "bad %s= value ignored", "pct");
		return;
	}
	for (i = 0; i < v.n; i++) {
		if (v.s[i] < '0' || v.s[i] > '9') {
			note(st->r, "bad %s= value ignored", "pct");
			return;
		}
		n = n * 10 + (v.s[i] - '0');
	}
	if (n > 100)
		note(st->r, "bad %s= value ignored", "pct");
	else
		st->r->pct = n;
}

struct tagdef {
	const char *name;
	unsigned bit;
};

static const struct tagdef tags[] = {
	{ "v", TB_V }, { "p", TB_P }, { "sp", TB_SP }, { "np", TB_NP },
	{ "psd", TB_PSD }, { "t", TB_T }, { "adkim", TB_ADKIM },
	{ "aspf", TB_ASPF }, { "pct", TB_PCT }, { "rua", TB_RUA },
	{ "ruf", TB_RUF }, { "fo", TB_FO }, { "rf", TB_RF }, { "ri", TB_RI },
	{ NULL, 0 }
};

/* apply - one known tag's value */
static void
apply(struct state *st, unsigned bit, struct span v)
{
	struct dmarcrec *r = st->r;
	int b;

	switch (bit) {
	case TB_P: set_policy(st, v, &r->p, "p"); break;
	case TB_SP: set_policy(st, v, &r->sp, "sp"); break;
	case TB_NP: set_policy(st, v, &r->np, "np"); break;
	case TB_ADKIM: rs(st, v, &r->adkim_strict, "adkim"); break;
	case TB_ASPF: rs(st, v, &r->aspf_strict, "aspf"); break;
	case TB_PCT: set_pct(st, v); break;
	case TB_RUA:
		r->has_rua = urilist_ok(v);
		if (r->has_rua)
			keep_rua(r, v);
		break;
	case TB_RUF: r->has_ruf = urilist_ok(v); break;
	case TB_T:
		if (yorn(v, &b) == 0)
			r->testing = b;
		else
			note(r, "bad %s= value ignored", "t");
		break;
	case TB_PSD:
		if (eq(v, "y"))
			r->psd = DMARCREC_PSD_Y;
		else if (eq(v, "n"))
			r->psd = DMARCREC_PSD_N;
		else if (!eq(v, "u"))
			note(r, "bad %s= value ignored", "psd");
		break;
	case TB_FO:
		if (!fo_ok(v))
			note(r, "bad %s= value ignored", "fo");
		else
			keep_fo(r, v);
		break;
	default:		/* rf, ri: removed by RFC 9989, ignored */
		break;
	}
}

/* tag_name_ok - 1*ALPHA (digits and '_' tolerated after the first) */
static int
tag_name_ok(struct span n)
{
	size_t i;

	if (n.n == 0 || !((n.s[0] | 32) >= 'a' && (n.s[0] | 32) <= 'z'))
		return 0;
	for (i = 1; i < n.n; i++) {
		char c = n.s[i];
		if (!((c | 32) >= 'a' && (c | 32) <= 'z') &&
		    !(c >= '0' && c <= '9') && c != '_')
			return 0;
	}
	return 1;
}

/* invalid - finish as DMARCREC_INVALID with a reason */
static enum dmarcrec_status
invalid(struct dmarcrec *r, const char *why, struct span tag)
{
	char t[24];
	size_t n = tag.n < sizeof(t) - 1 ? tag.n : sizeof(t) - 1;
	size_t i;

	for (i = 0; i < n; i++)	/* keep the reason printable */
		t[i] = (tag.s[i] > 0x20 && tag.s[i] < 0x7f) ? tag.s[i] : '?';
	t[n] = '\0';
	snprintf(r->why, sizeof(r->why), why, t);
	return DMARCREC_INVALID;
}

/* one_tag - handle "name=value" (already split off by ';') */
static enum dmarcrec_status
one_tag(struct state *st, struct span el, int first)
{
	const char *eqs = memchr(el.s, '=', el.n);
	struct span name, val;
	const struct tagdef *d;

	if (eqs == NULL)
		return invalid(st->r, "tag without '=': \"%s\"", el);
	name = trim((struct span){ el.s, (size_t)(eqs - el.s) });
	val = trim((struct span){ eqs + 1, el.n - (size_t)(eqs + 1 - el.s) });
	if (!tag_name_ok(name))
		return invalid(st->r, "bad tag name \"%s\"", name);
	if (first)
		return DMARCREC_OK;	/* v=, checked by dmarcrec_is_dmarc */
	for (d = tags; d->name != NULL; d++)
		if (eq(name, d->name))
			break;
	if (d->name == NULL)
		return DMARCREC_OK;	/* unknown: ignored */
	if (st->seen & d->bit)
		return invalid(st->r, "duplicate tag %s=", name);
	st->seen |= d->bit;
	if (val.n == 0) {
		note(st->r, "empty %s= value ignored", d->name);
		if (d->bit == TB_P || d->bit == TB_SP || d->bit == TB_NP)
			st->bad_policy = 1;
		return DMARCREC_OK;
	}
	apply(st, d->bit, val);
	return DMARCREC_OK;
}

/* dmarcrec_is_dmarc - see dmarc_record.h */
int
dmarcrec_is_dmarc(const char *txt, size_t len)
{
	size_t i = 0, j;

	while (i < len && is_wsp(txt[i]))
		i++;
	if (i >= len || (txt[i] | 32) != 'v')
		return 0;
	for (i++; i < len && is_wsp(txt[i]); i++)
		;
	if (i >= len || txt[i] != '=')
		return 0;
	for (i++; i < len && is_wsp(txt[i]); i++)
		;
	if (len - i < 6 || memcmp(txt + i, "DMARC1", 6) != 0)
		return 0;
	for (j = i + 6; j < len && is_wsp(txt[j]); j++)
		;
	return j == len || txt[j] == ';';
}

/* defaults - a fresh record */
static void
defaults(struct dmarcrec *r)
{
	memset(r, 0, sizeof(*r));
	r->pct = 100;
}

/* dmarcrec_parse - see dmarc_record.h */
enum dmarcrec_status
dmarcrec_parse(const char *txt, size_t len, struct dmarcrec *out)
{
	struct state st = { out, TB_V, 0 };
	size_t i, start = 0;
	int first = 1;

	defaults(out);
	if (!dmarcrec_is_dmarc(txt, len)) {
		snprintf(out->why, sizeof(out->why), "%s",
		    "does not start with v=DMARC1");
		return DMARCREC_NOT_DMARC;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)txt[i];
		if ((c < 0x20 && !is_wsp((char)c)) || c >= 0x7f)
			return invalid(out, "control or 8-bit character%s",
			    (struct span){ "", 0 });
	}
	for (i = 0; i <= len; i++) {
		struct span el;
		if (i < len && txt[i] != ';')
			continue;
		el = trim((struct span){ txt + start, i - start });
		start = i + 1;
		if (el.n == 0)		/* trailing ';' or ";;": tolerated */
			continue;
		if (one_tag(&st, el, first) != DMARCREC_OK)
			return DMARCREC_INVALID;
		first = 0;
	}
	if (st.bad_policy) {
		if (!out->has_rua)
			return DMARCREC_INVALID;	/* why noted */
		out->p = DMARCREC_P_NONE;
		out->sp = out->np = DMARCREC_P_UNSET;
		out->p_from_rua = 1;
	}
	if (out->p == DMARCREC_P_UNSET)
		out->p = DMARCREC_P_NONE;
	return DMARCREC_OK;
}

/* dmarcrec_select - see dmarc_record.h */
enum dmarcrec_status
dmarcrec_select(const char *const *txt, const size_t *len, size_t n,
    struct dmarcrec *out, size_t *ndmarc)
{
	size_t i, found = 0, which = 0;

	for (i = 0; i < n; i++)
		if (dmarcrec_is_dmarc(txt[i], len[i])) {
			if (found++ == 0)
				which = i;
		}
	if (ndmarc != NULL)
		*ndmarc = found;
	if (found != 1) {
		defaults(out);
		snprintf(out->why, sizeof(out->why), "%s", found == 0 ?
		    "no DMARC record" : "several DMARC records, all discarded");
		return DMARCREC_NOT_DMARC;
	}
	return dmarcrec_parse(txt[which], len[which], out);
}

/* dmarcrec_policy_name - "none", "quarantine", "reject", "unset" */
const char *
dmarcrec_policy_name(enum dmarcrec_policy p)
{
	switch (p) {
	case DMARCREC_P_NONE:
		return "none";
	case DMARCREC_P_QUARANTINE:
		return "quarantine";
	case DMARCREC_P_REJECT:
		return "reject";
	default:
		return "unset";
	}
}
