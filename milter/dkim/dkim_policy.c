/*
 * dkim_policy.c - the pure decision on one DKIM signature (see
 * dkim_policy.h): structure (algorithm, d=, i=, h=, t=/x= syntax), then
 * libopendkim's cryptographic verdict, then time stamps and hallmark's
 * policy (RFC 8301, key size, l=), then the testing-key rule of RFC 6376.
 *
 * SYNOPSIS
 *	enum res_dkim dkimpol_decide(facts, conf, now, why, whylen);
 *	int dkimpol_i_within_d(i, d);
 *	int dkimpol_h_has(h, name);
 *
 * DESCRIPTION
 *	Owns nothing; reads its arguments, writes the reason into the caller's
 *	buffer.  Thread-safe.  Never fails: every input gets a result.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <opendkim/dkim.h>

#include "b64.h"
#include "dkim_policy.h"
#include "str.h"

/* dkimpol_i_within_d - the domain of i= is d= or one of its subdomains */
int
dkimpol_i_within_d(const char *i, const char *d)
{
	const char *at, *dom;
	size_t dl, il;

	if (i == NULL || d == NULL)
		return i == NULL;
	at = strrchr(i, '@');
	if (at == NULL)
		return 0;
	dom = at + 1;
	dl = strlen(d);
	il = strlen(dom);
	if (dl == 0 || il < dl)
		return 0;
	if (str_casecmp(dom + il - dl, d) != 0)
		return 0;
	return il == dl || dom[il - dl - 1] == '.';
}

/* dkimpol_h_has - h= (colon-separated, FWS allowed) contains name */
int
dkimpol_h_has(const char *h, const char *name)
{
	const char *p = h;
	size_t nl = strlen(name);

	if (h == NULL)
		return 0;
	while (*p != '\0') {
		const char *e = strchr(p, ':');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
		const char *s = p, *t = p + n;

		while (s < t && isspace((unsigned char)*s))
			s++;
		while (t > s && isspace((unsigned char)t[-1]))
			t--;
		if ((size_t)(t - s) == nl && str_ncasecmp(s, name, nl) == 0)
			return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

/* sigerror_result - result for an error libopendkim recorded */
static enum res_dkim
sigerror_result(const struct dkimpol_facts *f, const char **why)
{
	switch (f->sigerror) {
	case DKIM_SIGERROR_KEYFAIL:
		*why = "key lookup failed";
		return RES_DKIM_TEMPERROR;
	case DKIM_SIGERROR_NOKEY:
		*why = "key not found";
		return RES_DKIM_PERMERROR;
	case DKIM_SIGERROR_BADSIG:
		*why = "signature mismatch";
		return RES_DKIM_FAIL;
	case DKIM_SIGERROR_KEYREVOKED:
		*why = "key revoked";
		return RES_DKIM_FAIL;
	case DKIM_SIGERROR_KEYTOOSMALL:
		*why = "key too small";
		return RES_DKIM_FAIL;
	case DKIM_SIGERROR_EXPIRED:
		*why = "signature expired";
		return RES_DKIM_FAIL;
	case DKIM_SIGERROR_FUTURE:
		*why = "signature timestamp in the future";
		return RES_DKIM_FAIL;
	case DKIM_SIGERROR_INVALID_H:
		*why = "From not signed";
		return RES_DKIM_PERMERROR;
	case DKIM_SIGERROR_SUBDOMAIN:
	case DKIM_SIGERROR_DOMAIN:
		*why = "i= not within d=";
		return RES_DKIM_PERMERROR;
	case DKIM_SIGERROR_MULTIREPLY:
		*why = "several key records";
		return RES_DKIM_PERMERROR;
	case DKIM_SIGERROR_DNSSYNTAX:
	case DKIM_SIGERROR_KEYDECODE:
	case DKIM_SIGERROR_KEYVERSION:
	case DKIM_SIGERROR_KEYUNKNOWNHASH:
	case DKIM_SIGERROR_KEYHASHMISMATCH:
	case DKIM_SIGERROR_NOTEMAILKEY:
	case DKIM_SIGERROR_KEYTYPEMISSING:
	case DKIM_SIGERROR_KEYTYPEUNKNOWN:
		*why = "bad key record";
		return RES_DKIM_PERMERROR;
	default:
		*why = "malformed signature";
		return RES_DKIM_PERMERROR;
	}
}

/* parse_time - a t=/x= value; 0 and *out, or -1 when malformed */
static int
parse_time(const char *v, uint64_t *out)
{
	if (v == NULL)
		return -1;
	return str_parse_u64(v, strlen(v), UINT64_MAX / 2, out);
}

/* is_base64 - v is base64 with optional folding white space (RFC 6376
 * 3.5); NULL counts as valid (a missing tag is libopendkim's finding) */
static int
is_base64(const char *v)
{
	return v == NULL || b64_valid(v, strlen(v));
}

/* tag_name - the name of the tag-spec at p (up to ';' or the end): start
 * and length, white space trimmed; *next is after the ';' (or NULL) */
static void
tag_name(const char *p, const char **name, size_t *len, const char **next)
{
	const char *e = strchr(p, ';'), *eq;

	*next = e != NULL ? e + 1 : NULL;
	if (e == NULL)
		e = p + strlen(p);
	eq = memchr(p, '=', (size_t)(e - p));
	if (eq == NULL)
		eq = e;
	while (p < eq && isspace((unsigned char)*p))
		p++;
	while (eq > p && isspace((unsigned char)eq[-1]))
		eq--;
	*name = p;
	*len = (size_t)(eq - p);
}

/* dkimpol_dup_tag - a tag name occurs twice (names are case-sensitive) */
int
dkimpol_dup_tag(const char *taglist)
{
	const char *name[DKIMPOL_TAGS_MAX], *p = taglist;
	size_t len[DKIMPOL_TAGS_MAX], n = 0;

	while (p != NULL && n < DKIMPOL_TAGS_MAX) {
		tag_name(p, &name[n], &len[n], &p);
		if (len[n] == 0)
			continue;
		for (size_t k = 0; k < n; k++)
			if (len[k] == len[n] &&
			    memcmp(name[k], name[n], len[n]) == 0)
				return 1;
		n++;
	}
	return 0;
}

/* structure_check - rules on the signature's own fields; permerror or NONE */
static enum res_dkim
structure_check(const struct dkimpol_facts *f, const char **why)
{
	uint64_t t = 0, x = 0;

	if (f->dup_tag) {
		*why = "duplicate tag";
		return RES_DKIM_PERMERROR;
	}
	if (f->alg != DKIM_SIGN_RSASHA1 && f->alg != DKIM_SIGN_RSASHA256 &&
	    f->alg != DKIM_SIGN_ED25519SHA256) {
		*why = "unknown algorithm";
		return RES_DKIM_PERMERROR;
	}
	if (!is_base64(f->b) || !is_base64(f->bh)) {
		*why = "b= or bh= is not base64";
		return RES_DKIM_PERMERROR;
	}
	if (f->d == NULL || f->d[0] == '\0') {
		*why = "malformed signature";
		return RES_DKIM_PERMERROR;
	}
	if (!dkimpol_i_within_d(f->i, f->d)) {
		*why = "i= not within d=";
		return RES_DKIM_PERMERROR;
	}
	if (!dkimpol_h_has(f->h, "from")) {
		*why = "From not signed";
		return RES_DKIM_PERMERROR;
	}
	if (f->huge_signed) {
		*why = "signed header over 64 KB";
		return RES_DKIM_PERMERROR;
	}
	if ((f->t != NULL && parse_time(f->t, &t) < 0) ||
	    (f->x != NULL && parse_time(f->x, &x) < 0)) {
		*why = "malformed t= or x=";
		return RES_DKIM_PERMERROR;
	}
	if (f->t != NULL && f->x != NULL && x < t) {
		*why = "x= before t=";
		return RES_DKIM_PERMERROR;
	}
	return RES_DKIM_NONE;
}

/* time_check - expiry and future time stamps; FAIL or NONE */
static enum res_dkim
time_check(const struct dkimpol_facts *f, const struct conf_dkim_verify *cf,
    time_t now, const char **why)
{
	uint64_t t, x, n = now < 0 ? 0 : (uint64_t)now;
	uint64_t drift = cf->clock_drift < 0 ? 0 : (uint64_t)cf->clock_drift;

	if (f->x != NULL && parse_time(f->x, &x) == 0 && x + drift < n) {
		*why = "signature expired";
		return RES_DKIM_FAIL;
	}
	if (f->t != NULL && parse_time(f->t, &t) == 0 && t > n + drift) {
		*why = "signature timestamp in the future";
		return RES_DKIM_FAIL;
	}
	return RES_DKIM_NONE;
}

/* crypto_result - libopendkim's verdict on hashes and signature */
static enum res_dkim
crypto_result(const struct dkimpol_facts *f, const char **why)
{
	if (f->body_cut) {
		*why = "body line over 1 MB";
		return RES_DKIM_PERMERROR;
	}
	/* RFC 6376 section 6.1.2: a malformed key record is a PERMFAIL */
	if (f->key_oversized) {
		*why = "key record too large";
		return RES_DKIM_PERMERROR;
	}
	/* RFC 6376 section 6.1.2: a key unsuitable for a= is a PERMFAIL
	 * (libopendkim 2.11 uses p= as the algorithm's key whatever k= says) */
	if (f->key_k != NULL && str_casecmp(f->key_k,
	    f->alg == DKIM_SIGN_ED25519SHA256 ? "ed25519" : "rsa") != 0) {
		*why = "key type does not match a=";
		return RES_DKIM_PERMERROR;
	}
	if (f->bhres == DKIM_SIGBH_MISMATCH && (f->sigerror == DKIM_SIGERROR_OK ||
	    f->sigerror == DKIM_SIGERROR_BADSIG)) {
		*why = "body hash mismatch";
		return RES_DKIM_FAIL;
	}
	if (f->sigerror != DKIM_SIGERROR_OK &&
	    f->sigerror != DKIM_SIGERROR_UNKNOWN)
		return sigerror_result(f, why);
	if ((f->flags & DKIM_SIGFLAG_PROCESSED) == 0) {
		*why = "signature not evaluated";
		return RES_DKIM_NEUTRAL;
	}
	if (f->bhres == DKIM_SIGBH_MISMATCH) {
		*why = "body hash mismatch";
		return RES_DKIM_FAIL;
	}
	if ((f->flags & DKIM_SIGFLAG_PASSED) == 0 ||
	    f->bhres != DKIM_SIGBH_MATCH) {
		*why = "signature mismatch";
		return RES_DKIM_FAIL;
	}
	return RES_DKIM_PASS;
}

/* policy_result - hallmark's policy on a cryptographically valid signature */
static enum res_dkim
policy_result(const struct dkimpol_facts *f, const struct conf_dkim_verify *cf,
    char *why, size_t whylen)
{
	if (f->alg == DKIM_SIGN_RSASHA1) {
		snprintf(why, whylen, "rsa-sha1 not accepted (RFC 8301)");
		return cf->rsa_sha1 == DKIMV_SHA1_NEUTRAL ? RES_DKIM_NEUTRAL :
		    RES_DKIM_FAIL;
	}
	if (f->alg != DKIM_SIGN_ED25519SHA256 &&
	    (long)f->keybits < cf->min_rsa_bits) {
		snprintf(why, whylen, "key too small (%u bits)", f->keybits);
		return RES_DKIM_FAIL;
	}
	if (f->signlen >= 0 && f->msglen > f->signlen) {
		snprintf(why, whylen, "l= leaves %lld body bytes unsigned",
		    (long long)(f->msglen - f->signlen));
		return cf->body_length == DKIMV_L_POLICY ? RES_DKIM_POLICY :
		    RES_DKIM_PASS;
	}
	return RES_DKIM_PASS;
}

/* testing_adjust - RFC 6376 t=y: a failure must not count against it */
static enum res_dkim
testing_adjust(enum res_dkim r, char *why, size_t whylen)
{
	size_t n = strlen(why);

	if (r == RES_DKIM_FAIL || r == RES_DKIM_POLICY) {
		snprintf(why + n, whylen - n, "%sfailure ignored: testing key",
		    n ? ", " : "");
		return RES_DKIM_NEUTRAL;
	}
	snprintf(why + n, whylen - n, "%stesting key", n ? ", " : "");
	return r;
}

/* dkimpol_decide - the result of one signature (see dkim_verify.h) */
enum res_dkim
dkimpol_decide(const struct dkimpol_facts *f, const struct conf_dkim_verify *cf,
    time_t now, char *why, size_t whylen)
{
	const char *w = NULL;
	enum res_dkim r;

	why[0] = '\0';
	r = structure_check(f, &w);
	if (r == RES_DKIM_NONE)
		r = crypto_result(f, &w);
	if (r == RES_DKIM_PASS) {
		r = time_check(f, cf, now, &w);
		if (r == RES_DKIM_NONE)
			r = policy_result(f, cf, why, whylen);
	}
	if (w != NULL && strcmp(w, "malformed signature") == 0 &&
	    f->liberr != NULL)
		snprintf(why, whylen, "%s: %s", w, f->liberr);
	else if (w != NULL)
		snprintf(why, whylen, "%s", w);
	if ((f->flags & DKIM_SIGFLAG_TESTKEY) != 0)
		r = testing_adjust(r, why, whylen);
	return r;
}
