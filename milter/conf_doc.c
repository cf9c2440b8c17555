/*
 * conf_doc.c - the option reference printed by `hallmarkd -n -v`: one
 * line per option of the tables (conf_table.c and each module's section
 * table), read through conf_walk, so the list is the tables themselves.
 *
 * Line format (tab-separated, so scripts can read it; the test
 * tests/integration/t_conf_doc.sh compares it with conf/hallmark.conf):
 *	PATH TYPE DEFAULT BOUNDS DOC
 * PATH is the dotted group path ("dns.query_timeout_ms"); TYPE one of
 * group, bool, int, string, enum, list, cidrs, custom; DEFAULT the
 * default as the table writes it, or "-" when there is none; BOUNDS
 * "MIN..MAX" for an int, the names joined by "|" for an enum, else "-";
 * DOC the table's one-line doc.  Writes to the FILE given; no state.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>

#include "conf.h"
#include "conf_doc.h"

/* type_name - the TYPE column */
static const char *
type_name(enum conf_type t)
{
	switch (t) {
	case CT_BOOL:
		return "bool";
	case CT_INT:
		return "int";
	case CT_STRING:
		return "string";
	case CT_ENUM:
		return "enum";
	case CT_STRLIST:
		return "list";
	case CT_CIDRS:
		return "cidrs";
	case CT_SECTION:
		return "group";
	case CT_CUSTOM:
		return "custom";
	}
	return "?";
}

/* print_bounds - the BOUNDS column */
static void
print_bounds(FILE *f, const struct conf_opt *o)
{
	const char *const *e;

	if (o->type == CT_INT) {
		fprintf(f, "%ld..%ld", o->min, o->max);
	} else if (o->type == CT_ENUM && o->enums != NULL) {
		for (e = o->enums; *e != NULL; e++)
			fprintf(f, "%s%s", e == o->enums ? "" : "|", *e);
	} else {
		fputc('-', f);
	}
}

/* print_one - conf_walk callback: one line */
static void
print_one(const char *dotted, const struct conf_opt *o, void *arg)
{
	FILE *f = arg;

	fprintf(f, "%s\t%s\t%s\t", dotted, type_name(o->type),
	    o->def != NULL ? o->def : "-");
	print_bounds(f, o);
	fprintf(f, "\t%s\n", o->doc != NULL ? o->doc : "");
}

/* conf_doc_print - every option, one line each, after a header line */
void
conf_doc_print(FILE *f)
{
	fprintf(f, "# option\ttype\tdefault\tbounds\tdoc\n");
	conf_walk(print_one, f);
}
