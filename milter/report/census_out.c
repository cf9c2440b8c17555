/*
 * census_out.c - a finished census (census.h) as an 80-column table, as
 * JSON, or as CSV.
 *
 * SYNOPSIS
 *	census_table(), census_json(), census_csv()
 *
 * DESCRIPTION
 *	table: a heading (domain, period, volume, reporters), one line per
 *	service (messages, SPF pass / aligned %, DKIM pass / aligned %,
 *	DMARC pass %), then per service its details (how it was
 *	attributed, dispositions, the overrides that let failing mail
 *	through, relays, DKIM d=/s=, reporters, what to change), then the readiness verdict; long lines wrap at 80 columns.
 *	json: one object; counts, not percentages (scripts divide); keys in
 *	a fixed order.  csv: RFC 4180, a header line and one line per
 *	service; lists joined with "; ".
 *	Output depends on the census alone: byte for byte reproducible.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "census.h"
#include "str.h"

#define WIDTH 80
#define SHOW_RELAYS 5

typedef unsigned long long ull;

static const char *const kind_names[] = { "vendor", "rdns", "ip" };

/* day_text - YYYY-MM-DD of a UTC day number */
static const char *
day_text(int64_t day, char *buf, size_t n)
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%d", &tm);
	return buf;
}

/* wrap - text at WIDTH columns: first line after first, the rest after
 * cont (both prefixes printed as they are) */
static void
wrap(struct str *o, const char *first, const char *cont, const char *text)
{
	const char *p = text != NULL ? text : "", *pre = first;

	while (*p != '\0') {
		size_t room = WIDTH - strlen(pre), n = strlen(p), cut = n;
		if (n > room) {
			for (cut = room; cut > 0 && p[cut] != ' '; cut--)
				;
			if (cut == 0)
				for (cut = room;
				     p[cut] != '\0' && p[cut] != ' '; cut++)
					;
		}
		str_addf(o, "%s%.*s\n", pre, (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
		pre = cont;
	}
}

/* joined - the strings of a NULL-terminated list joined by sep */
static void
joined(struct str *o, char *const *l, const char *sep)
{
	size_t i;

	for (i = 0; l != NULL && l[i] != NULL; i++)
		str_addf(o, "%s%s", i ? sep : "", l[i]);
}

/* relays_text - "IP (NAME) N, ..." of a service, at most max named */
static void
relays_text(struct str *o, const struct census *c, const struct cs_service *s,
    size_t max)
{
	size_t i;

	for (i = 0; i < s->nsrc && i < max; i++) {
		const struct cs_src *r = &c->src[s->src[i]];
		str_addf(o, "%s%s", i ? ", " : "", r->ip);
		if (r->ptr != NULL)
			str_addf(o, " (%s)", r->ptr);
		str_addf(o, " %llu", (ull)r->count);
	}
	if (s->nsrc > max)
		str_addf(o, ", and %zu more", s->nsrc - max);
}

/* sels_text - "d=X s=Y N pass[, M fail]; ..." */
static void
sels_text(struct str *o, const struct cs_service *s, const char *sep)
{
	size_t i;

	for (i = 0; i < s->nsel; i++) {
		str_addf(o, "%sd=%s s=%s", i ? sep : "", s->sel[i].d,
		    s->sel[i].s);
		if (s->sel[i].pass)
			str_addf(o, " %llu pass", (ull)s->sel[i].pass);
		if (s->sel[i].fail)
			str_addf(o, "%s %llu fail", s->sel[i].pass ? "," : "",
			    (ull)s->sel[i].fail);
	}
}

/* ovr_text - "TYPE (COMMENT) N; ..." */
static void
ovr_text(struct str *o, const struct cs_service *s, const char *sep)
{
	size_t i;

	for (i = 0; i < s->novr; i++) {
		str_addf(o, "%s%s", i ? sep : "", s->ovr[i].type);
		if (s->ovr[i].comment[0] != '\0')
			str_addf(o, " (%s)", s->ovr[i].comment);
		str_addf(o, " %llu", (ull)s->ovr[i].count);
	}
}

/* disp_text - the dispositions with messages */
static void
disp_text(struct str *o, const struct cs_service *s)
{
	static const char *const order[] = { "pass", "none", "quarantine",
		"reject" };
	static const enum rr_disp idx[] = { RR_DISP_PASS, RR_DISP_NONE,
		RR_DISP_QUARANTINE, RR_DISP_REJECT };
	size_t i, n = 0;

	for (i = 0; i < 4; i++)
		if (s->disp[idx[i]] > 0)
			str_addf(o, "%s%s %llu", n++ ? ", " : "", order[i],
			    (ull)s->disp[idx[i]]);
}

/* kind_text - how the service was attributed, for the table */
static void
kind_text(struct str *o, const struct cs_service *s)
{
	if (s->kind == CS_VENDOR)
		str_addf(o, "vendor entry, via %s", s->via ? s->via : "?");
	else if (s->kind == CS_RDNS)
		str_add(o, "by the reverse DNS of its relays");
	else
		str_add(o, "no vendor entry, no confirmed reverse DNS");
}

/* table_details - one service's detail lines */
static void
table_details(struct str *o, const struct census *c, const struct cs_service *s)
{
	struct str t;
	size_t i;

	str_init(&t);
	kind_text(&t, s);
	str_addf(o, "\n%s (%s)\n", s->name, t.s);
	str_reset(&t);
	disp_text(&t, s);
	wrap(o, "  disposition: ", "    ", t.s ? t.s : "");
	str_reset(&t);
	ovr_text(&t, s, "; ");
	if (t.len > 0)
		wrap(o, "  overridden: ", "    ", t.s);
	str_reset(&t);
	relays_text(&t, c, s, SHOW_RELAYS);
	wrap(o, "  relays: ", "    ", t.s);
	str_reset(&t);
	sels_text(&t, s, "; ");
	if (t.len > 0)
		wrap(o, "  DKIM: ", "    ", t.s);
	str_reset(&t);
	joined(&t, s->reporters, ", ");
	wrap(o, "  seen by: ", "    ", t.s);
	for (i = 0; s->fixes[i] != NULL; i++)
		wrap(o, "  fix: ", "       ", s->fixes[i]);
	if (s->fixes[0] == NULL && s->dmarc_pass == s->count)
		str_add(o, "  fix: nothing, its mail passes DMARC\n");
	str_free(&t);
}

/* emit - write o to out; 0 or -1 */
static int
emit(struct str *o, FILE *out)
{
	int rc = 0;

	if (o->len > 0 && fwrite(o->s, 1, o->len, out) != o->len)
		rc = -1;
	str_free(o);
	return rc != 0 || fflush(out) != 0 ? -1 : 0;
}

/* census_table - see census.h */
int
census_table(const struct census *c, FILE *out)
{
	struct str o, t;
	char d1[16], d2[16];
	size_t i;

	str_init(&o);
	str_init(&t);
	str_addf(&o, "Senders of %s, %s to %s (%lld days): %llu messages\n",
	    c->domain, day_text(c->first_day, d1, sizeof(d1)),
	    day_text(c->last_day, d2, sizeof(d2)),
	    (long long)(c->last_day - c->first_day + 1), (ull)c->total);
	joined(&t, c->reporters, ", ");
	wrap(&o, "reported by: ", "  ", t.len ? t.s : "nobody");
	str_addf(&o, "\n%-26s %8s  %11s  %11s  %6s\n", "SERVICE", "MESSAGES",
	    "SPF ok/aln", "DKIM ok/aln", "DMARC");
	for (i = 0; i < c->nsvc; i++) {
		const struct cs_service *s = &c->svc[i];
		str_addf(&o,
		    "%-26.26s %8llu  %4u%%/%4u%%  %4u%%/%4u%%  %5u%%\n",
		    s->name, (ull)s->count, census_pct(s->spf_pass, s->count),
		    census_pct(s->spf_aligned, s->count),
		    census_pct(s->dkim_pass, s->count),
		    census_pct(s->dkim_aligned, s->count),
		    census_pct(s->dmarc_pass, s->count));
	}
	for (i = 0; i < c->nsvc; i++)
		table_details(&o, c, &c->svc[i]);
	str_add(&o, "\n");
	wrap(&o, "readiness: ", "  ", c->verdict);
	str_free(&t);
	return emit(&o, out);
}

/* js - a JSON string (lib/str.c) */
static void
js(struct str *o, const char *s)
{
	str_add_json(o, s);
}

/* js_list - a JSON array of strings */
static void
js_list(struct str *o, char *const *l)
{
	size_t i;

	str_addc(o, '[');
	for (i = 0; l != NULL && l[i] != NULL; i++) {
		if (i)
			str_add(o, ", ");
		js(o, l[i]);
	}
	str_addc(o, ']');
}

/* json_sources - the "sources" array of a service */
static void
json_sources(struct str *o, const struct census *c, const struct cs_service *s)
{
	size_t i;

	str_add(o, "      \"sources\": [");
	for (i = 0; i < s->nsrc; i++) {
		const struct cs_src *r = &c->src[s->src[i]];
		str_add(o, i ? ",\n        {\"ip\": " : "\n        {\"ip\": ");
		js(o, r->ip);
		str_add(o, ", \"ptr\": ");
		if (r->ptr != NULL)
			js(o, r->ptr);
		else
			str_add(o, "null");
		str_addf(o, ", \"messages\": %llu, \"dmarc_pass\": %llu}",
		    (ull)r->count, (ull)r->dmarc_ok);
	}
	str_add(o, s->nsrc ? "\n      ],\n" : "],\n");
}

/* json_sels - the "dkim_selectors" array */
static void
json_sels(struct str *o, const struct cs_service *s)
{
	size_t i;

	str_add(o, "      \"dkim_selectors\": [");
	for (i = 0; i < s->nsel; i++) {
		str_add(o, i ? ", {\"d\": " : "{\"d\": ");
		js(o, s->sel[i].d);
		str_add(o, ", \"s\": ");
		js(o, s->sel[i].s);
		str_addf(o, ", \"pass\": %llu, \"fail\": %llu}",
		    (ull)s->sel[i].pass, (ull)s->sel[i].fail);
	}
	str_add(o, "],\n");
}

/* json_ovr - the "overrides" array */
static void
json_ovr(struct str *o, const struct cs_service *s)
{
	size_t i;

	str_add(o, "      \"overrides\": [");
	for (i = 0; i < s->novr; i++) {
		str_add(o, i ? ", {\"type\": " : "{\"type\": ");
		js(o, s->ovr[i].type);
		str_add(o, ", \"comment\": ");
		js(o, s->ovr[i].comment);
		str_addf(o, ", \"messages\": %llu}", (ull)s->ovr[i].count);
	}
	str_add(o, "],\n");
}

/* json_service - one element of "services" */
static void
json_service(struct str *o, const struct census *c, const struct cs_service *s)
{
	str_add(o, "    {\n      \"service\": ");
	js(o, s->name);
	str_addf(o,
	    ",\n      \"kind\": \"%s\",\n      \"via\": ", kind_names[s->kind]);
	if (s->via != NULL)
		js(o, s->via);
	else
		str_add(o, "null");
	str_addf(o,
	    ",\n      \"messages\": %llu,\n      \"spf\": {\"pass\": "
	    "%llu, \"aligned\": %llu},\n      \"dkim\": {\"pass\": "
	    "%llu, \"aligned\": %llu},\n      \"dmarc_pass\": %llu,\n",
	    (ull)s->count, (ull)s->spf_pass, (ull)s->spf_aligned,
	    (ull)s->dkim_pass, (ull)s->dkim_aligned, (ull)s->dmarc_pass);
	str_addf(o,
	    "      \"disposition\": {\"none\": %llu, \"pass\": %llu, "
	    "\"quarantine\": %llu, \"reject\": %llu},\n",
	    (ull)s->disp[RR_DISP_NONE], (ull)s->disp[RR_DISP_PASS],
	    (ull)s->disp[RR_DISP_QUARANTINE], (ull)s->disp[RR_DISP_REJECT]);
	json_ovr(o, s);
	json_sources(o, c, s);
	json_sels(o, s);
	str_add(o, "      \"reporters\": ");
	js_list(o, s->reporters);
	str_add(o, ",\n      \"fixes\": ");
	js_list(o, s->fixes);
	str_add(o, "\n    }");
}

/* json_readiness - the "readiness" object */
static void
json_readiness(struct str *o, const struct census *c)
{
	size_t i;

	str_addf(o,
	    "  \"readiness\": {\n    \"ready\": %s,\n    \"would_lose\""
	    ": [",
	    c->nlose == 0 && c->total > 0 ? "true" : "false");
	for (i = 0; i < c->nlose; i++) {
		const struct cs_service *s = &c->svc[c->lose[i]];
		str_add(o, i ? ", {\"service\": " : "{\"service\": ");
		js(o, s->name);
		str_addf(o, ", \"failing\": %llu, \"messages\": %llu}",
		    (ull)(s->count - s->dmarc_pass), (ull)s->count);
	}
	str_addf(o,
	    "],\n    \"never_pass_sources\": %llu,\n    "
	    "\"never_pass_messages\": %llu,\n    \"text\": ",
	    (ull)c->other_fail, (ull)c->other_fail_msgs);
	js(o, c->verdict);
	str_add(o, "\n  }\n");
}

/* census_json - see census.h */
int
census_json(const struct census *c, FILE *out)
{
	struct str o;
	char d1[16], d2[16];
	size_t i;

	str_init(&o);
	str_add(&o, "{\n  \"domain\": ");
	js(&o, c->domain);
	str_addf(&o,
	    ",\n  \"first_day\": \"%s\",\n  \"last_day\": \"%s\",\n"
	    "  \"messages\": %llu,\n  \"reporters\": ",
	    day_text(c->first_day, d1, sizeof(d1)),
	    day_text(c->last_day, d2, sizeof(d2)), (ull)c->total);
	js_list(&o, c->reporters);
	str_add(&o, ",\n  \"services\": [");
	for (i = 0; i < c->nsvc; i++) {
		str_add(&o, i ? ",\n" : "\n");
		json_service(&o, c, &c->svc[i]);
	}
	str_add(&o, c->nsvc ? "\n  ],\n" : "],\n");
	json_readiness(&o, c);
	str_add(&o, "}\n");
	return emit(&o, out);
}

/* cv - a CSV field (quoted when it holds a comma, quote or newline) */
static void
cv(struct str *o, const char *s, int last)
{
	if (s != NULL && strpbrk(s, ",\"\r\n") != NULL) {
		str_addc(o, '"');
		for (; *s != '\0'; s++) {
			if (*s == '"')
				str_addc(o, '"');
			str_addc(o, *s);
		}
		str_addc(o, '"');
	} else if (s != NULL) {
		str_add(o, s);
	}
	str_add(o, last ? "\r\n" : ",");
}

/* csv_service - one line */
static void
csv_service(struct str *o, const struct census *c, const struct cs_service *s)
{
	struct str t;

	str_init(&t);
	cv(o, s->name, 0);
	cv(o, kind_names[s->kind], 0);
	cv(o, s->via, 0);
	str_addf(o, "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,",
	    (ull)s->count, (ull)s->spf_pass, (ull)s->spf_aligned,
	    (ull)s->dkim_pass, (ull)s->dkim_aligned, (ull)s->dmarc_pass,
	    (ull)s->disp[RR_DISP_NONE], (ull)s->disp[RR_DISP_PASS],
	    (ull)s->disp[RR_DISP_QUARANTINE], (ull)s->disp[RR_DISP_REJECT]);
	relays_text(&t, c, s, (size_t)-1);
	cv(o, t.s ? t.s : "", 0);
	str_reset(&t);
	sels_text(&t, s, "; ");
	cv(o, t.s ? t.s : "", 0);
	str_reset(&t);
	joined(&t, s->reporters, "; ");
	cv(o, t.s ? t.s : "", 0);
	str_reset(&t);
	ovr_text(&t, s, "; ");
	cv(o, t.s ? t.s : "", 0);
	str_reset(&t);
	joined(&t, s->fixes, "; ");
	cv(o, t.s ? t.s : "", 1);
	str_free(&t);
}

/* census_csv - see census.h */
int
census_csv(const struct census *c, FILE *out)
{
	struct str o;
	size_t i;

	str_init(&o);
	str_add(&o,
	    "service,kind,via,messages,spf_pass,spf_aligned,dkim_pass,"
	    "dkim_aligned,dmarc_pass,disposition_none,"
	    "disposition_pass,disposition_quarantine,"
	    "disposition_reject,sources,dkim_selectors,reporters,"
	    "fixes\r\n");
	for (i = 0; i < c->nsvc; i++)
		csv_service(&o, c, &c->svc[i]);
	return emit(&o, out);
}
