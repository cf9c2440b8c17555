/*
 * census_fix.c - what to change, per sending service, and the readiness
 * verdict of a census (census_fix.h).
 *
 * SYNOPSIS
 *	census_fixes(), census_verdict_text()
 *
 * DESCRIPTION
 *	Advice is given only for mail that fails DMARC.  Per relay (the
 *	CENSUS_FIX_RELAYS with most failing mail):
 *	  SPF checked the domain itself (its envelope domain is at or below
 *	  the domain) and did not pass: "relay IP (NAME) fails SPF for D:
 *	  add include:X or have it sign with d=D", X being the vendor
 *	  entry's spf name when the service is one, else the relay's
 *	  address as ip4:/ip6:;
 *	  SPF passed for another envelope domain: "relay IP (NAME) passes
 *	  SPF only for another envelope domain: use a bounce address under
 *	  D or have it sign with d=D"; failed for another envelope domain:
 *	  use a bounce address under D and add X, or sign with d=D.
 *	A service that is no vendor entry and never passes may be a sender
 *	nobody set up, or a forger: the advice says both.
 *	Per DKIM d=/s=: a passing signature of a domain outside D: "signs
 *	with d=X (s=S), not aligned with D: have it sign with d=D"; a
 *	failing signature of D: "DKIM d=D s=S fails N messages: check the
 *	key at S._domainkey.D".
 *
 *	Verdict: the services that would lose mail (census.lose) by name
 *	with their failing and total messages, then the sources that never
 *	pass; or that nothing legitimate would be lost.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "census_fix.h"

/* fix_add - append a text to s->fixes */
static void
fix_add(struct cs_service *s, char *text)
{
	size_t n = 0;

	while (s->fixes[n] != NULL)
		n++;
	s->fixes = xrealloc(s->fixes, (n + 2) * sizeof(char *));
	s->fixes[n] = text;
	s->fixes[n + 1] = NULL;
}

/* relay_name - "IP (NAME)" or "IP" into buf */
static const char *
relay_name(const struct cs_src *src, char *buf, size_t n)
{
	if (src->ptr != NULL)
		snprintf(buf, n, "%s (%s)", src->ip, src->ptr);
	else
		snprintf(buf, n, "%s", src->ip);
	return buf;
}

/* spf_term - what to add to the domain's SPF record for this relay */
static char *
spf_term(const struct cs_service *s, const struct cs_src *src)
{
	if (s->vendor != NULL && s->vendor->spf != NULL)
		return xasprintf("include:%s", s->vendor->spf);
	return xasprintf("%s:%s", strchr(src->ip, ':') ? "ip6" : "ip4",
	    src->ip);
}

/* relay_fix - the advice for one relay sending failing mail, or NULL */
static char *
relay_fix(const struct census *c, const struct cs_service *s,
    const struct cs_src *src)
{
	char name[320], *term, *t;

	if (src->dmarc_ok >= src->count)
		return NULL;
	relay_name(src, name, sizeof(name));
	if (src->spf_own > 0 && src->spf_fail > 0) {
		term = spf_term(s, src);
		t = xasprintf("relay %s fails SPF for %s: add %s or have it "
			      "sign with d=%s",
		    name, c->domain, term, c->domain);
		free(term);
		return t;
	}
	if (src->spf_fail < src->count)
		return xasprintf("relay %s passes SPF only for another "
				 "envelope domain: use a bounce address under "
				 "%s or have it sign with d=%s",
		    name, c->domain, c->domain);
	term = spf_term(s, src);
	t = xasprintf("relay %s fails SPF (another envelope domain): use a "
		      "bounce address under %s and add %s, or have it sign "
		      "with d=%s",
	    name, c->domain, term, c->domain);
	free(term);
	return t;
}

/* relay_fixes - the relays' advice, the worst CENSUS_FIX_RELAYS first */
static void
relay_fixes(const struct census *c, struct cs_service *s)
{
	size_t i, named = 0, more = 0;
	char *t;

	for (i = 0; i < s->nsrc; i++) {
		const struct cs_src *src = &c->src[s->src[i]];
		if (src->dmarc_ok >= src->count)
			continue;
		if (named == CENSUS_FIX_RELAYS) {
			more++;
			continue;
		}
		if ((t = relay_fix(c, s, src)) != NULL) {
			fix_add(s, t);
			named++;
		}
	}
	if (more > 0)
		fix_add(s,
		    xasprintf("and %zu more relay%s failing likewise", more,
			more > 1 ? "s" : ""));
}

/* dkim_fixes - unaligned passing signatures, failing aligned ones */
static void
dkim_fixes(const struct census *c, struct cs_service *s)
{
	size_t i;

	for (i = 0; i < s->nsel; i++) {
		const struct cs_sel *k = &s->sel[i];
		int own = census_under(k->d, c->domain);
		if (!own && k->pass > 0 && s->dkim_aligned < s->count)
			fix_add(s,
			    xasprintf("signs with d=%s (s=%s), not "
				      "aligned with %s: have it sign "
				      "with d=%s",
				k->d, k->s, c->domain, c->domain));
		else if (own && k->fail > 0)
			fix_add(s,
			    xasprintf("DKIM d=%s s=%s fails %llu "
				      "message%s: check the key at "
				      "%s._domainkey.%s",
				k->d, k->s, (unsigned long long)k->fail,
				k->fail > 1 ? "s" : "", k->s, k->d));
	}
}

/* census_fixes - see census_fix.h */
void
census_fixes(const struct census *c, struct cs_service *s)
{
	char *t;

	if (s->dmarc_pass >= s->count)
		return;
	if (s->kind != CS_VENDOR && s->dmarc_pass == 0) {
		t = spf_term(s, &c->src[s->src[0]]);
		fix_add(s,
		    xasprintf("never passes: if it sends for you, add "
			      "%s%s to %s's SPF or have it sign with "
			      "d=%s; if not, it forges %s, which "
			      "p=quarantine and p=reject stop",
			t, s->nsrc > 1 ? " (and its other relays)" : "",
			c->domain, c->domain, c->domain));
		free(t);
		return;
	}
	relay_fixes(c, s);
	dkim_fixes(c, s);
}

/* census_verdict_text - see census_fix.h */
void
census_verdict_text(const struct census *c, struct str *v)
{
	size_t i;

	if (c->total == 0) {
		str_addf(v, "no mail as %s in this period: nothing to judge",
		    c->domain);
		return;
	}
	if (c->nlose == 0) {
		str_add(v, "ready for p=quarantine and p=reject: ");
		if (c->other_fail == 0)
			str_add(v, "all mail passes DMARC");
		else
			str_addf(v,
			    "only %llu message%s from %llu source%s "
			    "that never pass%s (spoofing or unknown "
			    "senders) would be hit",
			    (unsigned long long)c->other_fail_msgs,
			    c->other_fail_msgs > 1 ? "s" : "",
			    (unsigned long long)c->other_fail,
			    c->other_fail > 1 ? "s" : "",
			    c->other_fail > 1 ? "" : "es");
		return;
	}
	str_add(v, "not ready: p=quarantine and p=reject would lose mail of ");
	for (i = 0; i < c->nlose; i++) {
		const struct cs_service *s = &c->svc[c->lose[i]];
		str_addf(v, "%s%s (%llu of %llu failing)", i ? ", " : "",
		    s->name, (unsigned long long)(s->count - s->dmarc_pass),
		    (unsigned long long)s->count);
	}
	if (c->other_fail > 0)
		str_addf(v,
		    "; %llu more message%s from sources that never pass",
		    (unsigned long long)c->other_fail_msgs,
		    c->other_fail_msgs > 1 ? "s" : "");
}
