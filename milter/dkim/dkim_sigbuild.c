/*
 * dkim_sigbuild.c - build a DKIM-Signature value: h= list, tags, folding as
 * libopendkim does it, header hashing with bottom-up selection of repeated
 * fields (RFC 6376 section 5.4.2), rsa-sha256 / ed25519-sha256 signing.
 *
 * Owns nothing beyond each call: every buffer is freed before returning;
 * the returned string belongs to the caller.  Thread-safe (keys are only
 * read).  Errors: NULL with a reason; crypto errors are drained from the
 * OpenSSL error queue of the calling thread.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "b64.h"
#include "dkim_sigbuild.h"
#include "str.h"

#define MARGIN 75		/* columns, as libopendkim's DKIM_HDRMARGIN */
#define INITIAL (sizeof(DKIMS_HDR_NAME ": ") - 1)
#define TABW 8			/* a tab counts as eight columns */

const char *const dkims_default_headers[] = {
	"from", "sender", "reply-to", "subject", "date", "message-id", "to",
	"cc", "mime-version", "content-type", "content-transfer-encoding",
	"in-reply-to", "references", "resent-date", "resent-from",
	"resent-sender", "resent-to", "resent-cc", "resent-message-id",
	"list-id", "list-help", "list-unsubscribe", "list-subscribe",
	"list-post", "list-owner", "list-archive", NULL
};

/* folding state: the text and the current column */
struct fold {
	struct str *s;
	size_t col;
	const char *eol;
	int first;
};

/* in_list - name is in the NULL-terminated list (case-insensitive) */
static int
in_list(char *const *l, const char *name)
{
	for (; l != NULL && *l != NULL; l++)
		if (str_casecmp(*l, name) == 0)
			return 1;
	return 0;
}

/* dkims_header_list - h= value: present signed fields in message order,
 * then each oversigned name once more */
char *
dkims_header_list(const struct dkims_opts *o, const struct hm_header *hdr,
    size_t nhdr)
{
	struct str b;
	size_t i;
	char *const *l;

	str_init(&b);
	for (i = 0; i < nhdr; i++) {
		if (!in_list(o->sign_headers, hdr[i].name))
			continue;
		if (b.len > 0)
			str_addc(&b, ':');
		str_add(&b, hdr[i].name);
	}
	for (l = o->oversign; l != NULL && *l != NULL; l++) {
		if (b.len > 0)
			str_addc(&b, ':');
		str_add(&b, *l);
	}
	{
		char *r = xstrdup(b.s);

		str_free(&b);
		return r;
	}
}

/* newline - break the line: eol, tab, optional space */
static void
newline(struct fold *f, int space)
{
	str_add(f->s, f->eol);
	str_addc(f->s, '\t');
	f->col = TABW;
	if (space) {
		str_addc(f->s, ' ');
		f->col++;
	}
}

/* place - start a tag: same line after a space, or a new line */
static void
place(struct fold *f, size_t n, int force_wrap)
{
	if (f->first) {
		f->first = 0;
		return;
	}
	if (force_wrap || f->col + 1 + n > MARGIN) {
		newline(f, 0);
	} else {
		str_addc(f->s, ' ');
		f->col++;
	}
}

/* vis - length that must fit before the margin: a final ';' may stick
 * out (libopendkim's rule) */
static size_t
vis(const char *tag, size_t n)
{
	return n > 0 && tag[n - 1] == ';' ? n - 1 : n;
}

/* fold_tag - a whole "tag=value;" */
static void
fold_tag(struct fold *f, const char *tag)
{
	size_t n = strlen(tag);

	place(f, vis(tag, n), 0);
	str_add(f->s, tag);
	f->col += n;
}

/* fold_hlist - "h=a:b:c;", broken after colons when too long */
static void
fold_hlist(struct fold *f, const char *tag)
{
	size_t n = strlen(tag), k;
	const char *p = tag, *c;

	place(f, vis(tag, n), 0);
	if (f->col + vis(tag, n) <= MARGIN) {
		str_add(f->s, tag);
		f->col += n;
		return;
	}
	while (*p != '\0') {
		c = strchr(p, ':');
		k = c ? (size_t)(c - p) + 1 : strlen(p);
		if (p != tag && f->col + k > MARGIN)
			newline(f, 1);
		str_addn(f->s, p, k);
		f->col += k;
		p += k;
	}
}

/* fold_b - "b=" and the signature, on new lines, filled to the margin */
static void
fold_b(struct fold *f, const char *b64)
{
	place(f, 0, 1);
	str_add(f->s, "b=");
	f->col += 2;
	for (; *b64 != '\0'; b64++) {
		if (f->col + 1 > MARGIN)
			newline(f, 1);
		str_addc(f->s, *b64);
		f->col++;
	}
}

/* tags - the folded header value up to and including "b=" (no value) */
static void
tags(struct fold *f, const struct keytab_key *k, const struct dkims_opts *o,
    const char *hlist, const unsigned char *bh)
{
	char buf[512], *bhs = b64_encode(bh, CANON_DIGEST_LEN), *h;

	fold_tag(f, "v=1;");
	snprintf(buf, sizeof(buf), "a=%s;", keytab_alg_name(k->alg));
	fold_tag(f, buf);
	snprintf(buf, sizeof(buf), "c=%s/%s;", canon_name(o->hcanon),
	    canon_name(o->bcanon));
	fold_tag(f, buf);
	snprintf(buf, sizeof(buf), "d=%s;", k->domain);
	fold_tag(f, buf);
	snprintf(buf, sizeof(buf), "s=%s;", k->selector);
	fold_tag(f, buf);
	snprintf(buf, sizeof(buf), "t=%lld;", (long long)o->t);
	fold_tag(f, buf);
	if (o->expire > 0) {
		snprintf(buf, sizeof(buf), "x=%lld;",
		    (long long)o->t + o->expire);
		fold_tag(f, buf);
	}
	snprintf(buf, sizeof(buf), "bh=%s;", bhs);
	fold_tag(f, buf);
	free(bhs);
	h = xasprintf("h=%s;", hlist);
	fold_hlist(f, h);
	free(h);
}

/* hash_headers - canonical header data in h= order; a repeated name takes
 * its instances from the bottom up; names not (or no more) present add
 * nothing */
static void
hash_headers(const struct dkims_opts *o, const struct hm_header *hdr,
    size_t nhdr, const char *hlist, struct str *out)
{
	unsigned char *used = xcalloc(nhdr ? nhdr : 1, 1);
	char *l = xstrdup(hlist), *name, *next;
	size_t i;

	for (name = l; name != NULL; name = next) {
		next = strchr(name, ':');
		if (next != NULL)
			*next++ = '\0';
		for (i = nhdr; i > 0; i--) {
			if (!used[i - 1] &&
			    str_casecmp(hdr[i - 1].name, name) == 0) {
				used[i - 1] = 1;
				if (o->values_exact)
					canon_header_exact(o->hcanon,
					    hdr[i - 1].name, hdr[i - 1].value,
					    out);
				else
					canon_header(o->hcanon,
					    hdr[i - 1].name, hdr[i - 1].value,
					    out);
				break;
			}
		}
	}
	free(l);
	free(used);
}

/* do_sign - the signature over data with the key's algorithm */
static unsigned char *
do_sign(const struct keytab_key *k, const struct str *data, size_t *siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char hash[32], *sig = NULL;
	const unsigned char *msg = (const unsigned char *)data->s;
	size_t mlen = data->len;
	const EVP_MD *md = EVP_sha256();
	int ok = ctx != NULL;

	if (ok && k->alg == KEYTAB_ALG_ED25519_SHA256) {
		/* RFC 8463 section 3: Ed25519 over the SHA-256 hash */
		ok = EVP_Digest(msg, mlen, hash, NULL, EVP_sha256(), NULL);
		msg = hash;
		mlen = sizeof(hash);
		md = NULL;
	}
	ok = ok && EVP_DigestSignInit(ctx, NULL, md, NULL, k->pkey) == 1 &&
	    EVP_DigestSign(ctx, NULL, siglen, msg, mlen) == 1;
	if (ok) {
		sig = xmalloc(*siglen);
		if (EVP_DigestSign(ctx, sig, siglen, msg, mlen) != 1) {
			free(sig);
			sig = NULL;
		}
	}
	EVP_MD_CTX_free(ctx);
	OPENSSL_cleanse(hash, sizeof(hash));
	return sig;
}

/* dkims_sign - one DKIM-Signature value */
char *
dkims_sign(const struct keytab_key *k, const struct dkims_opts *o,
    const struct hm_header *hdr, size_t nhdr, const unsigned char *bh,
    char *err, size_t errlen)
{
	struct str val, data;
	struct fold f;
	unsigned char *sig;
	size_t siglen = 0;
	char *hlist, *sigb64, *res;

	if (k->pkey == NULL) {
		snprintf(err, errlen, "key %s not loaded", k->name);
		return NULL;
	}
	str_init(&val);
	str_init(&data);
	hlist = dkims_header_list(o, hdr, nhdr);
	f.s = &val;
	f.col = INITIAL;
	f.eol = o->eol ? o->eol : "\r\n";
	f.first = 1;
	tags(&f, k, o, hlist, bh);
	place(&f, 0, 1);
	str_add(&val, "b=");
	hash_headers(o, hdr, nhdr, hlist, &data);
	canon_header_nocrlf(o->hcanon, DKIMS_HDR_NAME, val.s, &data);
	sig = do_sign(k, &data, &siglen);
	res = NULL;
	if (sig == NULL) {
		snprintf(err, errlen, "signing with key %s failed: %s", k->name,
		    ERR_reason_error_string(ERR_peek_last_error()) ?
		    ERR_reason_error_string(ERR_peek_last_error()) : "?");
		ERR_clear_error();
	} else {
		sigb64 = b64_encode(sig, siglen);
		str_reset(&val);
		f.col = INITIAL;
		f.first = 1;
		tags(&f, k, o, hlist, bh);
		fold_b(&f, sigb64);
		res = xstrdup(val.s);
		free(sigb64);
		free(sig);
	}
	free(hlist);
	str_free(&val);
	str_free(&data);
	return res;
}
