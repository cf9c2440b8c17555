/*
 * doctor_out.c - the report of `hallmark doctor`: sections of findings,
 * printed as text for an 80-column terminal or as JSON (doctor.h).
 *
 * Owns the report's strings (doc_free).  Text form: a section title, then
 * one finding a line, "  LEVEL TEXT" with the level in a 6-column field
 * (ok, info, warn, FAIL, ?) and the text wrapped at 80 columns under
 * itself, at a space or after a comma; bytes a terminal could take for
 * a command (controls, DEL, 8-bit) are shown as '?'; a detail line (after '\n' in the text) starts a new line
 * indented the same way.  Plain ASCII only.  JSON form: one object, the
 * finding's first line as "text", the others as "detail".
 * Allocation failures end the program (xmalloc); nothing else can fail.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "str.h"

#define OUT_WIDTH 80
#define OUT_INDENT 8 /* "  " + level field of 6 */

/* level_word - the level as printed */
static const char *
level_word(enum doc_level l)
{
	switch (l) {
	case DOC_OK:
		return "ok";
	case DOC_WARN:
		return "warn";
	case DOC_FAIL:
		return "FAIL";
	case DOC_UNKNOWN:
		return "?";
	default:
		return "info";
	}
}

/* level_json - the level in JSON */
static const char *
level_json(enum doc_level l)
{
	if (l == DOC_UNKNOWN)
		return "unknown";
	return l == DOC_FAIL ? "fail" : level_word(l);
}

/* doc_exit - the exit status for the worst level: 1, 2 or 0 */
int
doc_exit(enum doc_level worst)
{
	if (worst == DOC_FAIL)
		return 1;
	return worst == DOC_UNKNOWN ? 2 : 0;
}

/* mask - replace what a terminal could take for a command (control
 * bytes, DEL, 8-bit bytes) by '?'; line ends too unless keep_nl */
static void
mask(char *p, int keep_nl)
{
	for (; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c < 0x20 && !(keep_nl && c == '\n')) || c >= 0x7f)
			*p = '?';
	}
}

/* doc_section - append a section */
struct doc_section *
doc_section(struct doc_report *r, const char *title)
{
	struct doc_section *s;

	if (r->nsec == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->sec = xrealloc(r->sec, r->cap * sizeof(*r->sec));
	}
	s = &r->sec[r->nsec++];
	memset(s, 0, sizeof(*s));
	s->title = xstrdup(title);
	return s;
}

/* doc_add - append a finding */
void
doc_add(struct doc_section *s, enum doc_level l, const char *code,
    const char *fmt, ...)
{
	struct doc_item *it;
	struct str t;
	va_list ap;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->item = xrealloc(s->item, s->cap * sizeof(*s->item));
	}
	str_init(&t);
	va_start(ap, fmt);
	str_vaddf(&t, fmt, ap);
	va_end(ap);
	it = &s->item[s->n++];
	it->level = l;
	it->code = xstrdup(code);
	it->text = str_steal(&t);
	mask(it->text, 1);
}

/* doc_oneline - a copy of untrusted text (a DNS record) fit for one
 * line of the report: control bytes, line ends and 8-bit bytes as '?' */
char *
doc_oneline(const char *s)
{
	char *c = xstrdup(s);

	mask(c, 0);
	return c;
}

/* doc_worst - FAIL, else UNKNOWN, else WARN, OK or INFO */
enum doc_level
doc_worst(const struct doc_report *r)
{
	enum doc_level w = DOC_INFO;
	size_t i, j;

	for (i = 0; i < r->nsec; i++)
		for (j = 0; j < r->sec[i].n; j++) {
			enum doc_level l = r->sec[i].item[j].level;
			if (l == DOC_FAIL ||
			    (l == DOC_UNKNOWN && w != DOC_FAIL))
				w = l;
			else if (l == DOC_WARN && w < DOC_WARN)
				w = l;
		}
	return w;
}

/* put_wrapped - one line of text [b, e) from column OUT_INDENT, broken at
 * spaces before column 80 (a word longer than a line is cut) */
static void
put_wrapped(FILE *f, const char *b, const char *e)
{
	const size_t room = OUT_WIDTH - OUT_INDENT;
	size_t n, cut;

	for (;;) {
		n = (size_t)(e - b);
		if (n <= room) {
			fprintf(f, "%.*s\n", (int)n, b);
			return;
		}
		for (cut = room; cut > 0 && b[cut] != ' ' && b[cut - 1] != ',';
		     cut--)
			;
		if (cut == 0)
			cut = room;
		fprintf(f, "%.*s\n%*s", (int)cut, b, OUT_INDENT, "");
		b += cut;
		while (b < e && *b == ' ')
			b++;
	}
}

/* print_item - "  LEVEL text", detail lines under the text */
static void
print_item(FILE *f, const struct doc_item *it)
{
	const char *b = it->text, *nl;

	fprintf(f, "  %-5s ", level_word(it->level));
	for (;;) {
		nl = strchr(b, '\n');
		put_wrapped(f, b, nl != NULL ? nl : b + strlen(b));
		if (nl == NULL)
			return;
		b = nl + 1;
		fprintf(f, "%*s", OUT_INDENT, "");
	}
}

/* doc_print_text - the whole report, for a terminal */
void
doc_print_text(FILE *f, const struct doc_report *r, const char *head)
{
	size_t i, j;

	fprintf(f, "%s\n", head);
	for (i = 0; i < r->nsec; i++) {
		fprintf(f, "\n%s\n", r->sec[i].title);
		for (j = 0; j < r->sec[i].n; j++)
			print_item(f, &r->sec[i].item[j]);
	}
}

/* doc_json_str - a JSON string literal on f (str_add_json, lib/str.c) */
void
doc_json_str(FILE *f, const char *s)
{
	struct str b;

	str_init(&b);
	str_add_json(&b, s);
	fputs(b.s, f);
	str_free(&b);
}

/* json_lines - "text" (first line) and "detail" (the others) */
static void
json_lines(FILE *f, const char *text)
{
	const char *nl = strchr(text, '\n');
	char *first = xstrndup(text, nl ? (size_t)(nl - text) : strlen(text));

	fputs(", \"text\": ", f);
	doc_json_str(f, first);
	free(first);
	if (nl == NULL)
		return;
	fputs(", \"detail\": [", f);
	while (nl != NULL) {
		const char *b = nl + 1;
		char *line;

		nl = strchr(b, '\n');
		line = xstrndup(b, nl ? (size_t)(nl - b) : strlen(b));
		doc_json_str(f, line);
		free(line);
		if (nl != NULL)
			fputs(", ", f);
	}
	fputc(']', f);
}

/* json_section - one section object */
static void
json_section(FILE *f, const struct doc_section *s)
{
	size_t j;

	fputs("    {\"section\": ", f);
	doc_json_str(f, s->title);
	fputs(", \"findings\": [\n", f);
	for (j = 0; j < s->n; j++) {
		fprintf(f, "      {\"level\": \"%s\", \"code\": ",
		    level_json(s->item[j].level));
		doc_json_str(f, s->item[j].code);
		json_lines(f, s->item[j].text);
		fprintf(f, "}%s\n", j + 1 < s->n ? "," : "");
	}
	fputs("    ]}", f);
}

/* doc_print_json - the whole report as one JSON object */
void
doc_print_json(FILE *f, const struct doc_report *r, const char *query)
{
	enum doc_level w = doc_worst(r);
	size_t i;
	static const char *const result[] = { "pass", "fail", "unknown" };
	int rc = doc_exit(w);

	fprintf(f, "{\n  \"query\": {%s},\n", query);
	fprintf(f, "  \"result\": \"%s\", \"exit\": %d,\n", result[rc], rc);
	fputs("  \"sections\": [\n", f);
	for (i = 0; i < r->nsec; i++) {
		json_section(f, &r->sec[i]);
		fputs(i + 1 < r->nsec ? ",\n" : "\n", f);
	}
	fputs("  ]\n}\n", f);
}

/* doc_free - every section and finding */
void
doc_free(struct doc_report *r)
{
	size_t i, j;

	for (i = 0; i < r->nsec; i++) {
		for (j = 0; j < r->sec[i].n; j++) {
			free(r->sec[i].item[j].code);
			free(r->sec[i].item[j].text);
		}
		free(r->sec[i].item);
		free(r->sec[i].title);
	}
	free(r->sec);
	memset(r, 0, sizeof(*r));
}
