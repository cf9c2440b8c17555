/*
 * results.c - names of the SPF, DKIM and DMARC results as RFC 8601 spells
 * them in Authentication-Results, and the helpers that build and free the
 * result records (results.h).  No I/O.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "results.h"
#include "str.h"

/* res_spf_clear - see results.h */
void
res_spf_clear(struct res_spf_check *r)
{
	free(r->identity);
	free(r->domain);
	free(r->reason);
	free(r->explanation);
	memset(r, 0, sizeof(*r));
}

/* res_dkim_add - see results.h */
struct res_dkim_sig *
res_dkim_add(struct res_dkim_sig **v, size_t *n)
{
	struct res_dkim_sig *r;

	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	r = &(*v)[(*n)++];
	memset(r, 0, sizeof(*r));
	return r;
}

/* res_dkim_free - see results.h */
void
res_dkim_free(struct res_dkim_sig **v, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		free((*v)[i].d);
		free((*v)[i].s);
		free((*v)[i].i);
		free((*v)[i].a);
		free((*v)[i].reason);
	}
	free(*v);
	*v = NULL;
	*n = 0;
}

/* res_spf_name - RFC 8601 section 2.7.2 result keyword */
const char *
res_spf_name(enum res_spf r)
{
	static const char *const n[] = { "none", "neutral", "pass", "fail",
	    "softfail", "temperror", "permerror" };

	return (unsigned)r < sizeof(n) / sizeof(n[0]) ? n[r] : "none";
}

/* res_dkim_name - RFC 8601 section 2.7.1 result keyword */
const char *
res_dkim_name(enum res_dkim r)
{
	static const char *const n[] = { "none", "pass", "fail", "neutral",
	    "policy", "temperror", "permerror" };

	return (unsigned)r < sizeof(n) / sizeof(n[0]) ? n[r] : "none";
}

/* res_dmarc_name - RFC 7489/9989 result keyword */
const char *
res_dmarc_name(enum res_dmarc r)
{
	static const char *const n[] = { "none", "pass", "fail", "temperror",
	    "permerror" };

	return (unsigned)r < sizeof(n) / sizeof(n[0]) ? n[r] : "none";
}
