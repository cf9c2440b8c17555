/*
 * dkim_canon.c - DKIM canonicalisation (RFC 6376 section 3.4): header
 * fields (simple, relaxed) and the body (simple, relaxed) streamed into a
 * SHA-256 digest.
 *
 * Owns: struct canon_body (an EVP_MD_CTX and a small output buffer), freed
 * by canon_body_free().  Pure computation, no I/O, no logging; objects are
 * not shared between threads.  Errors: allocation failures abort (str.h);
 * a failure inside the crypto library is reported by canon_body_final().
 *
 * Body state machine (one pass, any chunking):
 *   cr      a CR was seen and its meaning (line end or data) is not known
 *   wsp     relaxed: white space seen inside the current line, not emitted
 *   linelen canonical bytes emitted on the current line
 *   nempty  empty lines seen and not emitted (dropped if nothing follows)
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dkim_canon.h"

#define CB_BUFSZ 4096

struct canon_body {
	enum canon_alg alg;
	EVP_MD_CTX *md;
	int md_ok;			/* 0 after a digest failure */
	int cr;
	int wsp;
	size_t linelen;
	unsigned long long nempty;
	unsigned long long total;
	unsigned long long limit;	/* bytes hashed at most (l=) */
	struct str *copy;		/* optional capture */
	size_t nbuf;
	unsigned char buf[CB_BUFSZ];
};

/* canon_name - printable name of an algorithm */
const char *
canon_name(enum canon_alg a)
{
	return a == CANON_RELAXED ? "relaxed" : "simple";
}

/* canon_parse - name to algorithm */
int
canon_parse(const char *s, enum canon_alg *out)
{
	if (s != NULL && str_casecmp(s, "simple") == 0) {
		*out = CANON_SIMPLE;
		return 0;
	}
	if (s != NULL && str_casecmp(s, "relaxed") == 0) {
		*out = CANON_RELAXED;
		return 0;
	}
	return -1;
}

/* is_wsp - RFC 5234 WSP */
static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* hdr_simple - name ":" value, line ends made CRLF; exact: the value is
 * the verbatim text after the colon */
static void
hdr_simple(const char *name, const char *v, int exact, struct str *out)
{
	const char *p;

	str_add(out, name);
	str_addc(out, ':');
	if (!exact && *v != '\0' && !is_wsp((unsigned char)*v) &&
	    *v != '\r' && *v != '\n')
		str_addc(out, ' ');
	for (p = v; *p != '\0'; p++) {
		if (*p == '\n' && (p == v || p[-1] != '\r'))
			str_addc(out, '\r');
		str_addc(out, *p);
	}
}

/* hdr_relaxed - lower-case name, unfolded value, WSP runs to one SP,
 * no white space at either end of the value */
static void
hdr_relaxed(const char *name, const char *v, struct str *out)
{
	const char *p;
	int pend = 0, any = 0;

	for (p = name; *p != '\0'; p++) {
		if (is_wsp((unsigned char)*p))
			continue;
		str_addc(out, (*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
	}
	str_addc(out, ':');
	for (p = v; *p != '\0'; p++) {
		if (*p == '\n' || (*p == '\r' && p[1] == '\n'))
			continue;			/* unfold */
		if (is_wsp((unsigned char)*p)) {
			pend = 1;
			continue;
		}
		if (pend && any)
			str_addc(out, ' ');
		pend = 0;
		any = 1;
		str_addc(out, *p);
	}
}

/* canon_header_nocrlf - canonical header field without its CRLF */
void
canon_header_nocrlf(enum canon_alg alg, const char *name, const char *value,
    struct str *out)
{
	if (value == NULL)
		value = "";
	if (alg == CANON_RELAXED)
		hdr_relaxed(name, value, out);
	else
		hdr_simple(name, value, 0, out);
}

/* canon_header_exact - canonical header field, value verbatim, with CRLF */
void
canon_header_exact(enum canon_alg alg, const char *name, const char *value,
    struct str *out)
{
	if (alg == CANON_RELAXED)
		hdr_relaxed(name, value ? value : "", out);
	else
		hdr_simple(name, value ? value : "", 1, out);
	str_add(out, "\r\n");
}

/* canon_header - canonical header field with its CRLF */
void
canon_header(enum canon_alg alg, const char *name, const char *value,
    struct str *out)
{
	canon_header_nocrlf(alg, name, value, out);
	str_add(out, "\r\n");
}

/* canon_body_new_md - start a body digest with md, hashing at most limit
 * canonical bytes */
struct canon_body *
canon_body_new_md(enum canon_alg alg, const EVP_MD *md,
    unsigned long long limit)
{
	struct canon_body *cb = xcalloc(1, sizeof(*cb));

	cb->alg = alg;
	cb->limit = limit;
	cb->md = EVP_MD_CTX_new();
	cb->md_ok = cb->md != NULL && EVP_DigestInit_ex(cb->md, md, NULL) == 1;
	return cb;
}

/* canon_body_new - start a SHA-256 body digest of the whole body */
struct canon_body *
canon_body_new(enum canon_alg alg)
{
	return canon_body_new_md(alg, EVP_sha256(), CANON_NO_LIMIT);
}

/* canon_body_capture - keep a copy of the canonical bytes */
void
canon_body_capture(struct canon_body *cb, struct str *copy)
{
	cb->copy = copy;
}

/* flush - hand the buffered canonical bytes to the digest */
static void
flush(struct canon_body *cb)
{
	size_t take = cb->nbuf;

	if (cb->nbuf == 0)
		return;
	if (cb->total >= cb->limit)
		take = 0;
	else if (cb->limit - cb->total < take)
		take = (size_t)(cb->limit - cb->total);
	if (cb->md_ok && take > 0 &&
	    EVP_DigestUpdate(cb->md, cb->buf, take) != 1)
		cb->md_ok = 0;
	if (cb->copy != NULL)
		str_addn(cb->copy, (const char *)cb->buf, cb->nbuf);
	cb->total += cb->nbuf;
	cb->nbuf = 0;
}

/* out - emit one canonical byte */
static inline void
out(struct canon_body *cb, unsigned char c)
{
	if (cb->nbuf == CB_BUFSZ)
		flush(cb);
	cb->buf[cb->nbuf++] = c;
}

/* data - emit one byte of line content, after deferred lines and WSP */
static inline void
data(struct canon_body *cb, unsigned char c)
{
	for (; cb->nempty > 0; cb->nempty--) {
		out(cb, '\r');
		out(cb, '\n');
	}
	if (cb->wsp) {
		out(cb, ' ');
		cb->wsp = 0;
		cb->linelen++;
	}
	out(cb, c);
	cb->linelen++;
}

/* eol - a line ended: emit CRLF now, or defer it when the line is empty */
static inline void
eol(struct canon_body *cb)
{
	cb->wsp = 0;			/* relaxed: trailing WSP dropped */
	if (cb->linelen == 0) {
		cb->nempty++;
		return;
	}
	out(cb, '\r');
	out(cb, '\n');
	cb->linelen = 0;
}

/* canon_body_update - feed body bytes */
void
canon_body_update(struct canon_body *cb, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (cb->cr) {
			cb->cr = 0;
			if (c == '\n') {
				eol(cb);
				continue;
			}
			data(cb, '\r');		/* a bare CR is data */
		}
		if (c == '\r')
			cb->cr = 1;
		else if (c == '\n')
			eol(cb);		/* bare LF taken as CRLF */
		else if (cb->alg == CANON_RELAXED && is_wsp(c))
			cb->wsp = 1;
		else
			data(cb, c);
	}
}

/* canon_body_final - finish a SHA-256 digest */
int
canon_body_final(struct canon_body *cb, unsigned char *digest)
{
	unsigned int len = 0;

	if (canon_body_final_md(cb, digest, &len) < 0 ||
	    len != CANON_DIGEST_LEN)
		return -1;
	return 0;
}

/* canon_body_final_md - terminate the last line and finish the digest */
int
canon_body_final_md(struct canon_body *cb, unsigned char *digest,
    unsigned int *len)
{

	if (cb->cr) {
		cb->cr = 0;
		data(cb, '\r');
	}
	cb->wsp = 0;
	if (cb->linelen > 0)
		eol(cb);
	/* simple: an empty body is one CRLF; relaxed: empty stays empty */
	if (cb->alg == CANON_SIMPLE && cb->total + cb->nbuf == 0) {
		out(cb, '\r');
		out(cb, '\n');
	}
	cb->nempty = 0;
	flush(cb);
	if (!cb->md_ok || EVP_DigestFinal_ex(cb->md, digest, len) != 1)
		return -1;
	cb->md_ok = 0;
	return 0;
}

/* canon_body_length - canonical bytes so far (after final: the total) */
unsigned long long
canon_body_length(const struct canon_body *cb)
{
	return cb->total + cb->nbuf;
}

/* canon_body_alg - the algorithm this digest uses */
enum canon_alg
canon_body_alg(const struct canon_body *cb)
{
	return cb->alg;
}

/* canon_body_free - release; NULL allowed */
void
canon_body_free(struct canon_body *cb)
{
	if (cb == NULL)
		return;
	EVP_MD_CTX_free(cb->md);
	free(cb);
}
