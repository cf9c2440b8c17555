/*
 * doctor.c - `hallmark doctor`: its arguments, the configuration that
 * gives the resolver (dns { }), the DMARC discovery mode and the signed
 * header list, the order of the parts, and the exit status (doctor.h).
 *
 *   hallmark doctor --domain DOMAIN [--ip IP] [--selector SEL]...
 *                   [--from ADDRESS] [--format text|json] [-c CONFIG]
 *
 * DOMAIN is the domain the mail is sent as: the MAIL FROM domain SPF
 * checks and the d= of the DKIM signature.  ADDRESS is the From field
 * (default postmaster@DOMAIN): DMARC is evaluated for its domain.
 * All lookups of a run share one DNS budget, dns.message_budget_ms of
 * the configuration, as the lookups of one message do: a dead server
 * costs that long at most, then every lookup left is a timeout (?).
 * Exit status: 0 pass (warnings allowed), 1 would fail (a FAIL finding),
 * 2 could not decide (a DNS lookup that matters failed, and nothing
 * failed for sure), 3 bad arguments or configuration.  The report goes
 * to standard output, errors to standard error.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_table.h"
#include "doctor.h"
#include "keygen.h"
#include "str.h"

#define DEFAULT_CONF HM_SYSCONFDIR "/hallmark/hallmark.conf"
#define DOC_EXIT_USAGE 3
#define MAX_SELECTORS 32

struct dargs {
	char *domain;
	const char *ip;
	char *from; /* the address as given, or NULL */
	char *from_domain;
	char *sel[MAX_SELECTORS + 1];
	size_t nsel;
	int json;
	const char *config;
};

/* clang-format off */
static const struct option doc_opts[] = {
	{ "domain", required_argument, NULL, 'd' },
	{ "ip", required_argument, NULL, 'i' },
	{ "selector", required_argument, NULL, 's' },
	{ "from", required_argument, NULL, 'f' },
	{ "format", required_argument, NULL, 'F' },
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};
/* clang-format on */

/* usage - an error about the arguments; DOC_EXIT_USAGE */
static int
usage(const char *what, const char *arg)
{
	fprintf(stderr, "hallmark doctor: %s%s%s\nTry 'hallmark --help'.\n",
	    what, arg ? ": " : "", arg ? arg : "");
	return DOC_EXIT_USAGE;
}

/* domain_name - a domain argument, lower case, trailing dot dropped;
 * NULL when it is not a domain name */
static char *
domain_name(const char *s)
{
	char *d = xstrdup(s);
	size_t n = strlen(d);

	if (n > 1 && d[n - 1] == '.')
		d[n - 1] = '\0';
	str_lower(d);
	if (keygen_valid_name(d) && strchr(d, '.') != NULL)
		return d;
	free(d);
	return NULL;
}

/* set_from - --from: an address whose domain DMARC checks */
static int
set_from(struct dargs *a, const char *arg)
{
	const char *at = strrchr(arg, '@');

	if (at == NULL || at == arg ||
	    (a->from_domain = domain_name(at + 1)) == NULL)
		return usage("--from is not a mail address", arg);
	a->from = xstrdup(arg);
	return 0;
}

/* set_arg - one option into a; 0 or DOC_EXIT_USAGE */
static int
set_arg(struct dargs *a, int ch, const char *arg)
{
	unsigned char buf[16];

	switch (ch) {
	case 'd':
		free(a->domain);
		if ((a->domain = domain_name(arg)) == NULL)
			return usage("--domain is not a domain name", arg);
		return 0;
	case 'i':
		if (inet_pton(AF_INET, arg, buf) != 1 &&
		    inet_pton(AF_INET6, arg, buf) != 1)
			return usage("--ip is not an IP address", arg);
		a->ip = arg;
		return 0;
	case 's':
		if (a->nsel == MAX_SELECTORS || !keygen_valid_name(arg))
			return usage("bad or too many --selector", arg);
		a->sel[a->nsel++] = xstrdup(arg);
		return 0;
	case 'f':
		return a->from == NULL ? set_from(a, arg) :
					 usage("--from given twice", arg);
	case 'F':
		if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0)
			return usage("--format must be text or json", arg);
		a->json = arg[0] == 'j';
		return 0;
	default:
		a->config = arg;
		return 0;
	}
}

/* parse - the command line; 0, -1 after --help, or DOC_EXIT_USAGE */
static int
parse(int argc, char **argv, struct dargs *a)
{
	int ch, rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+d:i:s:f:F:c:h", doc_opts,
		    NULL)) != -1) {
		if (ch == 'h')
			return -1;
		if (ch == '?')
			return usage("unknown option or missing value",
			    argv[optind - 1]);
		if ((rc = set_arg(a, ch, optarg)) != 0)
			return rc;
	}
	if (optind != argc)
		return usage("unexpected argument", argv[optind]);
	if (a->domain == NULL)
		return usage("--domain is required", NULL);
	if (a->from_domain == NULL)
		a->from_domain = xstrdup(a->domain);
	return 0;
}

/* load - the configuration; NULL after an error message */
static struct conf *
load(const char **file)
{
	struct conf_err e;
	struct conf *c;

	if (*file == NULL && access(DEFAULT_CONF, F_OK) == 0)
		*file = DEFAULT_CONF;
	c = conf_load(*file, 0, &e);
	if (c == NULL && e.line > 0)
		fprintf(stderr, "hallmark doctor: %s:%d: %s\n", e.file, e.line,
		    e.msg);
	else if (c == NULL)
		fprintf(stderr, "hallmark doctor: %s: %s\n",
		    *file != NULL ? *file : "(built-in configuration)", e.msg);
	return c;
}

/* query_json - the question, as members of the JSON "query" object */
static char *
query_json(const struct dargs *a)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return xstrdup("");
	fputs("\"domain\": ", f);
	doc_json_str(f, a->domain);
	fputs(", \"ip\": ", f);
	a->ip != NULL ? doc_json_str(f, a->ip) : (void)fputs("null", f);
	fputs(", \"from_domain\": ", f);
	doc_json_str(f, a->from_domain);
	fputs(", \"selectors\": ", f);
	if (a->nsel == 0)
		fputs("null", f);
	for (i = 0; i < a->nsel; i++) {
		fputs(i == 0 ? "[" : ", ", f);
		doc_json_str(f, a->sel[i]);
	}
	fputs(a->nsel > 0 ? "]" : "", f);
	fclose(f);
	return buf;
}

/* head_text - the first lines of the text report: what was asked */
static char *
head_text(const struct dargs *a)
{
	struct str h;
	size_t i;

	str_init(&h);
	str_addf(&h, "hallmark doctor: %s\n  From domain %s", a->domain,
	    a->from_domain);
	if (a->ip != NULL)
		str_addf(&h, ", sending address %s", a->ip);
	for (i = 0; i < a->nsel; i++)
		str_addf(&h, "%s%s", i == 0 ? "\n  selectors " : " ",
		    a->sel[i]);
	return str_steal(&h);
}

/* print - the report in the chosen form; the exit status */
static int
print(const struct dargs *a, const struct doc_report *r)
{
	static const char *const result[] = { "pass",
		"FAIL, mail as described would fail",
		"unknown, a DNS lookup failed" };
	int rc = doc_exit(doc_worst(r));
	char *t;

	if (a->json) {
		t = query_json(a);
		doc_print_json(stdout, r, t);
	} else {
		t = head_text(a);
		doc_print_text(stdout, r, t);
		printf("\nResult: %s (exit %d)\n", result[rc], rc);
	}
	free(t);
	return fflush(stdout) == 0 ? rc : DOC_EXIT_USAGE;
}

/* run - every part, in order; the exit status */
static int
run(const struct dargs *a, struct conf *c, const char *file)
{
	struct doc_findings f;
	struct doc_report r;
	struct doc_input in;
	struct psl_ctx_st *own = NULL;
	struct dns_budget budget;
	int rc;

	memset(&in, 0, sizeof(in));
	memset(&f, 0, sizeof(f));
	memset(&r, 0, sizeof(r));
	in.resolver = c->resolver;
	dns_budget_init(&budget, c->resolver, 0); /* dns.message_budget_ms */
	in.budget = &budget;
	in.domain = a->domain;
	in.ip = a->ip;
	in.from_domain = a->from_domain;
	in.selectors = a->nsel > 0 ? a->sel : NULL;
	in.org_mode = (enum orgdom_mode)c->dmarc.org_domain;
	in.psl = c->dmarc.psl.ctx;
	if (in.psl == NULL)
		in.psl = own = orgdom_psl_load(c->dmarc.psl.file);
	in.sign_headers = file != NULL ? c->dkim_sign.sign_headers : NULL;
	doctor_spf(&in, &r, &f);
	doctor_dkim(&in, &r, &f);
	doctor_dmarc(&in, &r, &f);
	doctor_bulk(&in, &r, &f);
	rc = print(a, &r);
	doc_free(&r);
	orgdom_psl_free(own);
	return rc;
}

/* doctor_main - hallmark doctor */
int
doctor_main(int argc, char **argv, const char *help)
{
	struct dargs a;
	struct conf *c;
	size_t i;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse(argc, argv, &a);
	if (rc < 0) {
		fputs(help, stdout);
		rc = 0;
	} else if (rc == 0) {
		c = load(&a.config);
		rc = c != NULL ? run(&a, c, a.config) : DOC_EXIT_USAGE;
		if (c != NULL)
			conf_release(c);
	}
	free(a.domain);
	free(a.from);
	free(a.from_domain);
	for (i = 0; i < a.nsel; i++)
		free(a.sel[i]);
	return rc;
}
