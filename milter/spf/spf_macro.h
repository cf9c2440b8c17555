/*
 * spf_macro.h - SPF macro syntax check and expansion (RFC 7208 section 7).
 *
 * Pure and bounded: every input is length-limited, digit transformers are
 * clamped, the output never exceeds SPF_MACRO_OUT_MAX bytes (an expansion
 * that would is an error), so the inputs behind libspf2's macro CVEs
 * (CVE-2021-20314, -33912, -33913, CVE-2023-42118: huge transformers,
 * reversal and truncation of long names, URL-escaping overflow) are
 * ordinary error or truncation cases here.  The one lookup a macro can
 * need, %{p}, comes through a callback supplied by the evaluator.
 *
 * Thread safety: no shared state.  Memory: output goes to a caller's
 * struct str.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_SPF_MACRO_H
#define HALLMARK_SPF_MACRO_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "str.h"

/* most bytes one expansion may produce */
#define SPF_MACRO_OUT_MAX 8192
/* a domain used in a query is cut to this many bytes from the left */
#define SPF_DOMAIN_MAX 253

struct spf_macro_ctx {
	const char *sender;	/* s: local@domain */
	const char *local;	/* l */
	const char *sender_dom;	/* o */
	const char *domain;	/* d: current domain */
	const char *helo;	/* h */
	const char *receiver;	/* r: our host name, or NULL ("unknown") */
	int family;		/* AF_INET or AF_INET6 (mapped v4 = AF_INET) */
	uint8_t ip[16];		/* 4 or 16 bytes */
	time_t now;		/* t */
	/* p: the validated host name of ip, or NULL for "unknown" */
	const char *(*ptr_name)(void *arg);
	void *ptr_arg;
};

/* spf_macro_check - is [s, s+n) a valid macro-string (exp: explain-string,
 * where c, r, t and spaces are allowed)?  0 or -1 */
int spf_macro_check(const char *s, size_t n, int exp);

/*
 * spf_macro_expand - expand [s, s+n) into out (appended).
 * Returns 0, -1 on a syntax error, -2 when the output would exceed
 * SPF_MACRO_OUT_MAX (out then holds a prefix).
 */
int spf_macro_expand(const struct spf_macro_ctx *ctx, const char *s,
    size_t n, int exp, struct str *out);

/*
 * spf_macro_domain - expand a domain-spec and make it a query name: strip
 * one trailing dot, cut whole labels from the left until it fits in
 * SPF_DOMAIN_MAX (a single label longer than that is left as it is: the
 * DNS layer refuses the name, dns.c name_ok).  Returns 0, or -1 / -2 as
 * spf_macro_expand.
 */
int spf_macro_domain(const struct spf_macro_ctx *ctx, const char *spec,
    struct str *out);

/* spf_macro_ip_dotted - %{i}: "1.2.3.4" or 32 dot-separated nibbles */
void spf_macro_ip_dotted(int family, const uint8_t *ip, struct str *out);

#endif
