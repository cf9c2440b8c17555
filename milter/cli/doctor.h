/*
 * doctor.h - `hallmark doctor`: will mail from this domain (and this IP,
 * selector, From) pass SPF, DKIM and DMARC at the large receivers?  The
 * answers come from live DNS through hallmark's own resolver and
 * evaluators; this header is what the parts share:
 *
 *   doctor.c        arguments, configuration, the order of the checks,
 *                   the exit status
 *   doctor_out.c    the report: sections of findings, printed as text
 *                   (80 columns) or JSON
 *   doctor_spf.c    SPF: record, result for the IP and the chain that
 *                   decided it, lookup and void-lookup counts, ptr, +all
 *   doctor_dkim.c   DKIM: the key at each selector (given or common)
 *   doctor_dmarc.c  DMARC: record (tree walk and PSL), rua/ruf
 *                   authorisation, the alignment outcome
 *   doctor_bulk.c   forward-confirmed reverse DNS and the bulk-sender
 *                   checklist of the large mailbox providers
 *
 * A finding has a level: ok, info, warn, FAIL, or unknown (a DNS failure
 * on a lookup the answer depends on).  Single-threaded; the report owns
 * every string added to it (doc_free).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DOCTOR_H
#define HALLMARK_DOCTOR_H

#include <stddef.h>
#include <stdio.h>

#include "dns.h"
#include "orgdomain.h"
#include "results.h"

enum doc_level {
	DOC_INFO = 0, /* a fact */
	DOC_OK,	      /* a check that passed */
	DOC_WARN,     /* works, but should be changed */
	DOC_FAIL,     /* mail would fail, or a requirement is not met */
	DOC_UNKNOWN   /* could not decide: a DNS lookup failed */
};

struct doc_item {
	enum doc_level level;
	char *code; /* stable identifier for scripts ("spf-ptr") */
	char *text; /* first line, then detail lines after '\n' */
};

struct doc_section {
	char *title;
	struct doc_item *item;
	size_t n, cap;
};

struct doc_report {
	struct doc_section *sec;
	size_t nsec, cap;
};

/* what the checks need, from the command line and the configuration */
struct doc_input {
	struct dns_resolver *resolver;
	struct dns_budget *budget;    /* the whole run's DNS waiting time */
	const char *domain;	      /* SPF (MAIL FROM) and DKIM d= domain */
	const char *ip;		      /* the sending address, or NULL */
	const char *from_domain;      /* RFC5322.From domain */
	char *const *selectors;	      /* given with --selector, or NULL */
	const struct psl_ctx_st *psl; /* for the PSL comparison, or NULL */
	enum orgdom_mode org_mode;    /* what hallmarkd uses */
	char *const *sign_headers;    /* dkim_sign.sign_headers, or NULL
					 * when no configuration was given */
};

/* what one part found that the later ones use */
struct doc_findings {
	enum res_spf spf;	/* for --ip; NONE when no --ip */
	int spf_checked;	/* --ip given */
	int spf_all_qual;	/* depth-0 "all": enum res_spf, or -1 */
	int dkim_usable;	/* a usable key at some selector */
	int dkim_unknown;	/* a key lookup failed, none usable */
	char dkim_selector[64]; /* the first usable one */
	int dmarc_found;	/* a usable policy record */
	int dmarc_unknown;	/* its lookup failed */
	int dmarc_p;		/* enum dmarcrec_policy */
	int dmarc_aligned;	/* 1 pass, 0 fail, -1 unknown */
	int fcrdns;		/* 1 ok, 0 not, -1 unknown, -2 no --ip */
};

/* doc_section - a new section (title copied) */
struct doc_section *doc_section(struct doc_report *r, const char *title);

/* doc_add - a finding; text is printf-formatted, may hold '\n' (a
 * detail line follows); other control and 8-bit bytes become '?' */
void doc_add(struct doc_section *s, enum doc_level l, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* doc_oneline - untrusted text (DNS data) as one printable line:
 * control bytes, line ends and 8-bit bytes replaced by '?'; allocated.
 * (doc_add masks all but line ends itself.) */
char *doc_oneline(const char *s);

/* doc_worst - the worst level in the report: FAIL over UNKNOWN over the
 * rest (a definite failure is worth reporting even when something else
 * could not be decided) */
enum doc_level doc_worst(const struct doc_report *r);

/* doc_exit - the exit status a worst level gives: FAIL 1, UNKNOWN 2,
 * anything else 0 */
int doc_exit(enum doc_level worst);

/* doc_print_text / doc_print_json - the report on f; head is the first
 * line (text) or the "query" object's members (JSON, already encoded) */
void doc_print_text(FILE *f, const struct doc_report *r, const char *head);
void doc_print_json(FILE *f, const struct doc_report *r, const char *query);

/* doc_json_str - s as a JSON string (quotes included) appended to f */
void doc_json_str(FILE *f, const char *s);

void doc_free(struct doc_report *r);

/* the parts: each adds its section(s) and fills what others need */
void doctor_spf(const struct doc_input *in, struct doc_report *r,
    struct doc_findings *f);
void doctor_dkim(const struct doc_input *in, struct doc_report *r,
    struct doc_findings *f);
void doctor_dmarc(const struct doc_input *in, struct doc_report *r,
    struct doc_findings *f);
void doctor_bulk(const struct doc_input *in, struct doc_report *r,
    struct doc_findings *f);

/* doctor_main - `hallmark doctor ARGS` (argv[0] = "doctor"), help the
 * text --help prints; the exit status: 0 pass, 1 would fail, 2 could
 * not decide (DNS), 3 bad arguments or configuration */
int doctor_main(int argc, char **argv, const char *help);

#endif
