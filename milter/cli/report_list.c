/*
 * report_list.c - `hallmark report list` and `hallmark report show`: the
 * reports of table report and their states, for people (80 columns,
 * then a count per state) and for programs (--json); one report with its metadata and the XML, as
 * decoded from the stored gzip bytes (exactly what was or will be sent).
 *
 *   hallmark report list [-c CONFIG] [--store URL] [--state STATE] [--json]
 *   hallmark report show [-c CONFIG] [--store URL] ID
 *
 * Exit 0, 1 when the store fails or show finds no such report, 2 usage.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "report.h"
#include "report_cli.h"
#include "report_send.h"
#include "rstate.h"
#include "str.h"

#define SHOW_XML_MAX (256u * 1024 * 1024) /* decoded size shown at most */

/* the states, in the order of the summary line of list */
static const char *const states[] = { "built", "deferred", "sent", "failed",
	"suppressed", "skipped", NULL };

struct list_args {
	struct rcli c;
	const char *state;
	int json;
	unsigned n;
	unsigned count[7]; /* per entry of states, last: any other */
};

static const struct option list_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "store", required_argument, NULL, 'S' },
	{ "state", required_argument, NULL, 's' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 },
};

/* parse - options of list and show; 0 or an exit status */
static int
parse(int argc, char **argv, struct list_args *a, int nargs)
{
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "c:", list_opts, NULL)) != -1) {
		if (ch == 'c')
			a->c.config = optarg;
		else if (ch == 'S')
			a->c.store = optarg;
		else if (ch == 's' && nargs == 0)
			a->state = optarg;
		else if (ch == 'j' && nargs == 0)
			a->json = 1;
		else
			return rcli_usage(a->c.verb,
			    "unknown option or missing "
			    "value: %s",
			    argv[optind - 1]);
	}
	if (argc - optind != nargs)
		return rcli_usage(a->c.verb,
		    nargs ? "the report ID is needed" :
			    "unexpected argument \"%s\"",
		    argv[optind]);
	return 0;
}

/* clip - s cut to n characters into buf ("..." when cut) */
static const char *
clip(const char *s, size_t n, char *buf, size_t len)
{
	if (s == NULL)
		return "";
	if (strlen(s) <= n || n < 4)
		return s;
	snprintf(buf, len, "%.*s...", (int)(n - 3), s);
	return buf;
}

/* print_text - three lines of at most 80 columns per report */
static int
print_text(const struct rstate *r, void *arg)
{
	struct list_args *a = arg;
	char day[16], part[24], b1[96], b2[96];
	size_t i;

	for (i = 0; states[i] != NULL && strcmp(states[i], r->state) != 0; i++)
		;
	a->count[i]++;

	if (a->n++ == 0)
		printf("%-10s  %-30s %5s  %-10s %5s\n", "DAY", "POLICY DOMAIN",
		    "PART", "STATE", "TRIES");
	rcli_day(r->day, day, sizeof(day));
	snprintf(part, sizeof(part), "%lld/%lld", (long long)r->part,
	    (long long)r->nparts);
	printf("%-10s  %-30s %5s  %-10s %5lld\n", day,
	    clip(r->domain, 30, b1, sizeof(b1)), part, r->state,
	    (long long)r->attempts);
	printf("    %s\n", clip(r->report_id, 76, b1, sizeof(b1)));
	if (r->last_error != NULL || r->rcpts != NULL)
		printf("    %s\n",
		    clip(r->last_error != NULL ? r->last_error : r->rcpts, 76,
			b2, sizeof(b2)));
	return 0;
}

/* json_field - "name": string */
static void
json_field(const char *name, const char *v, int comma)
{
	printf("%s\"%s\": ", comma ? ", " : "", name);
	if (v == NULL)
		printf("null");
	else
		rcli_json_str(stdout, v);
}

/* print_json - one object of the array */
static int
print_json(const struct rstate *r, void *arg)
{
	struct list_args *a = arg;
	char day[16];

	rcli_day(r->day, day, sizeof(day));
	printf("%s\n  {", a->n++ ? "," : "");
	json_field("report_id", r->report_id, 0);
	json_field("day", day, 1);
	json_field("domain", r->domain, 1);
	printf(", \"part\": %lld, \"nparts\": %lld", (long long)r->part,
	    (long long)r->nparts);
	json_field("filename", r->filename, 1);
	json_field("state", r->state, 1);
	printf(", \"attempts\": %lld", (long long)r->attempts);
	json_field("rcpts", r->rcpts, 1);
	json_field("last_error", r->last_error, 1);
	printf(", \"created\": %lld, \"updated\": %lld}", (long long)r->created,
	    (long long)r->updated);
	return 0;
}

/* summary - "N reports: n1 sent, n2 skipped, ..." (states with any) */
static void
summary(const struct list_args *a)
{
	size_t i;
	int first = 1;

	printf("%u report%s:", a->n, a->n == 1 ? "" : "s");
	for (i = 0; i < 7; i++) {
		if (a->count[i] == 0)
			continue;
		printf("%s %u %s", first ? "" : ",", a->count[i],
		    states[i] != NULL ? states[i] : "other");
		first = 0;
	}
	printf("\n");
}

/* report_list - see report_send.h */
int
report_list(int argc, char **argv)
{
	struct list_args a = { .c = { .verb = "list" } };
	int rc;

	if ((rc = parse(argc, argv, &a, 0)) != 0 ||
	    (rc = rcli_open(&a.c, 0)) != 0)
		return rc;
	if (a.json)
		printf("[");
	rc = rstate_each(a.c.db, a.state, a.json ? print_json : print_text, &a);
	if (a.json)
		printf("%s]\n", a.n ? "\n" : "");
	else if (a.n == 0)
		printf("no reports%s%s\n", a.state ? " in state " : "",
		    a.state ? a.state : "");
	else
		summary(&a);
	if (rc < 0)
		rcli_err("list", "%s", rdb_error(a.c.db));
	rcli_close(&a.c);
	return rc < 0 || fflush(stdout) != 0 ? REPORT_EXIT_FAIL : 0;
}

/* gunzip - the gzip bytes decoded into *out; 0 or -1 */
static int
gunzip(const unsigned char *in, size_t n, struct str *out)
{
	unsigned char buf[65536];
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		rc = inflate(&z, Z_NO_FLUSH);
		str_addn(out, (const char *)buf, sizeof(buf) - z.avail_out);
	} while (rc == Z_OK && out->len < SHOW_XML_MAX);
	inflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

/* print_show - the metadata lines and the XML */
static int
print_show(const struct rstate *r)
{
	char day[16];
	struct str xml;
	int rc;

	rcli_day(r->day, day, sizeof(day));
	printf("report-id: %s\nday: %s\npolicy-domain: %s\npart: %lld of "
	       "%lld\nfile: %s\nstate: %s\nattempts: %lld\n",
	    r->report_id, day, r->domain, (long long)r->part,
	    (long long)r->nparts, r->filename, r->state,
	    (long long)r->attempts);
	printf("rcpts: %s\nlast-error: %s\ncreated: %lld\nupdated: %lld\n"
	       "gzip-bytes: %zu\n\n",
	    r->rcpts ? r->rcpts : "-", r->last_error ? r->last_error : "-",
	    (long long)r->created, (long long)r->updated, r->bodylen);
	str_init(&xml);
	rc = gunzip(r->body, r->bodylen, &xml);
	if (rc == 0)
		fwrite(xml.s, 1, xml.len, stdout);
	else
		rcli_err("show", "%s: the stored gzip does not decode",
		    r->report_id);
	str_free(&xml);
	return rc;
}

/* report_show - see report_send.h */
int
report_show(int argc, char **argv)
{
	struct list_args a = { .c = { .verb = "show" } };
	struct rstate r;
	int rc;

	if ((rc = parse(argc, argv, &a, 1)) != 0 ||
	    (rc = rcli_open(&a.c, 0)) != 0)
		return rc;
	rc = rstate_get(a.c.db, argv[optind], 1, &r);
	if (rc < 0)
		rcli_err("show", "%s", rdb_error(a.c.db));
	else if (rc == 0)
		rcli_err("show", "no report \"%s\"", argv[optind]);
	else
		rc = print_show(&r) == 0 ? 1 : -1;
	rstate_free(&r);
	rcli_close(&a.c);
	return rc == 1 && fflush(stdout) == 0 ? 0 : REPORT_EXIT_FAIL;
}
