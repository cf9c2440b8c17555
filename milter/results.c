/*
 * results.c - names of the SPF, DKIM and DMARC results as RFC 8601 spells
 * them in Authentication-Results.  Pure.
 */
#include "results.h"

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
