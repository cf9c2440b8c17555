/*
 * hm-rowkey.c - one row of the report store as SQL, its key made by
 * rrow_key (report/rrow.h), for tests that seed a store with sqlite3:
 *
 *   hm-rowkey [--day N --domain D | --imp REPORTER/REPORT_ID] [--count N]
 *             ip=A from=D [mfrom=D] [to=D] [disp=none|pass|quarantine|reject]
 *             [dkim_aligned=1] [spf_aligned=1] [dkim=D/S/RESULT]...
 *             [spf=D/RESULT] [reason=TYPE/COMMENT]...
 *
 * prints "INSERT INTO agg_row (day, domain, rowkey, count) VALUES (...);"
 * or, with --imp, the same into imp_row (reporter, report_id, rowkey,
 * count).  RESULT words are RFC 8601's (pass, fail, ...).  Exit 2 on a
 * field it does not know.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrow.h"
#include "str.h"

/* word - index of w in names, or -1 */
static int
word(const char *w, const char *const *names)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(w, names[i]) == 0)
			return i;
	return -1;
}

static const char *const spf_words[] = { "none", "neutral", "pass", "fail",
	"softfail", "temperror", "permerror", NULL };
static const char *const dkim_words[] = { "none", "pass", "fail", "neutral",
	"policy", "temperror", "permerror", NULL };

/* sql_str - a quoted SQL string literal */
static void
sql_str(const char *s)
{
	putchar('\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			putchar('\'');
		putchar(*s);
	}
	putchar('\'');
}

/* dkim_field - "D/S/RESULT" */
static int
dkim_field(struct rrow *r, char *v)
{
	char *s = strchr(v, '/'), *res = s ? strchr(s + 1, '/') : NULL;
	int w;

	if (res == NULL || (w = word(res + 1, dkim_words)) < 0)
		return -1;
	*s = *res = '\0';
	r->dkim = xrealloc(r->dkim, (r->ndkim + 1) * sizeof(*r->dkim));
	r->dkim[r->ndkim].domain = xstrdup(v);
	r->dkim[r->ndkim].selector = xstrdup(s + 1);
	r->dkim[r->ndkim++].result = (enum res_dkim)w;
	return 0;
}

/* spf_field - "D/RESULT" */
static int
spf_field(struct rrow *r, char *v)
{
	char *res = strchr(v, '/');
	int w;

	if (res == NULL || (w = word(res + 1, spf_words)) < 0)
		return -1;
	*res = '\0';
	r->has_spf = 1;
	r->spf_domain = xstrdup(v);
	r->spf_result = (enum res_spf)w;
	return 0;
}

/* reason_field - "TYPE/COMMENT" */
static int
reason_field(struct rrow *r, char *v)
{
	char *c = strchr(v, '/');
	enum rr_reason t;

	if (c != NULL)
		*c = '\0';
	if (r->nreason == RR_MAX_REASONS || rr_reason_parse(v, &t) < 0)
		return -1;
	r->reason[r->nreason].type = t;
	r->reason[r->nreason++].comment = c ? xstrdup(c + 1) : NULL;
	return 0;
}

/* field - one key=value argument */
static int
field(struct rrow *r, char *a)
{
	char *v = strchr(a, '=');

	if (v == NULL)
		return -1;
	*v++ = '\0';
	if (strcmp(a, "ip") == 0)
		r->source_ip = xstrdup(v);
	else if (strcmp(a, "from") == 0)
		r->header_from = xstrdup(v);
	else if (strcmp(a, "mfrom") == 0)
		r->envelope_from = xstrdup(v);
	else if (strcmp(a, "to") == 0)
		r->envelope_to = xstrdup(v);
	else if (strcmp(a, "disp") == 0)
		return rr_disp_parse(v, &r->disposition);
	else if (strcmp(a, "dkim_aligned") == 0)
		r->dkim_pass = strcmp(v, "1") == 0;
	else if (strcmp(a, "spf_aligned") == 0)
		r->spf_pass = strcmp(v, "1") == 0;
	else if (strcmp(a, "dkim") == 0)
		return dkim_field(r, v);
	else if (strcmp(a, "spf") == 0)
		return spf_field(r, v);
	else if (strcmp(a, "reason") == 0)
		return reason_field(r, v);
	else
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *day = "0", *domain = "", *imp = NULL, *count = "1";
	struct rrow r;
	char *key, *slash;
	size_t len;
	int i;

	memset(&r, 0, sizeof(r));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--day") == 0 && i + 1 < argc)
			day = argv[++i];
		else if (strcmp(argv[i], "--domain") == 0 && i + 1 < argc)
			domain = argv[++i];
		else if (strcmp(argv[i], "--imp") == 0 && i + 1 < argc)
			imp = argv[++i];
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = argv[++i];
		else if (field(&r, argv[i]) < 0) {
			fprintf(stderr, "hm-rowkey: bad field %s\n", argv[i]);
			return 2;
		}
	}
	if (r.envelope_from == NULL)
		r.envelope_from = xstrdup("");
	if (r.source_ip == NULL || r.header_from == NULL ||
	    rrow_key(&r, &key, &len) < 0) {
		fprintf(stderr, "hm-rowkey: ip= and from= are needed\n");
		return 2;
	}
	if (imp != NULL && (slash = strchr(imp, '/')) != NULL) {
		printf(
		    "INSERT INTO imp_row (reporter, report_id, rowkey, count) "
		    "VALUES (");
		printf("'%.*s', ", (int)(slash - imp), imp);
		sql_str(slash + 1);
	} else {
		printf(
		    "INSERT INTO agg_row (day, domain, rowkey, count) VALUES "
		    "(%s, ",
		    day);
		sql_str(domain);
	}
	printf(", ");
	sql_str(key);
	printf(", %s);\n", count);
	free(key);
	rrow_free(&r);
	return 0;
}
