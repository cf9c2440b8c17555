/*
 * doctor_dkim.c - the DKIM part of `hallmark doctor` (doctor.h): the key
 * published at each selector given with --selector, or at the common
 * selectors below when none is given, judged as a verifier would:
 * key type and size (RSA below 2048 bits warned, below 1024 failing,
 * RFC 8301), t=y, a revoked key (empty p=), h= and s= that exclude
 * email, and p= as PKCS#1 RSAPublicKey instead of SubjectPublicKeyInfo
 * (RFC 6376 verifiers built on libopendkim read only the latter).
 *
 * The record is parsed by testkey.c (the code of `hallmark testkey`) and
 * the PKCS#1 form recognised by dkim_keyrec.c (the code hallmarkd's
 * verifier uses): nothing is parsed twice.  A selector given and not
 * found fails; a common selector not found is only listed.  No logging.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "dkim_keyrec.h"
#include "doctor.h"
#include "keygen.h"
#include "str.h"
#include "testkey.h"

#define RSA_FAIL_BITS 1024 /* RFC 8301: verifiers reject smaller keys */
#define RSA_WARN_BITS 2048 /* RFC 8301: signers should use at least this */

/* the selectors tried without --selector (README, hallmark(1)) */
static const char *const common_selectors[] = { "default", "dkim", "google",
	"k1", "k2", "mail", "s1", "s2", "selector1", "selector2", NULL };

/* one selector being checked */
struct sel {
	const char *name; /* the selector */
	char qname[DNS_NAME_MAX + 80];
	int given; /* from --selector: absence fails */
};

/* key_type - the record's k= (default rsa); -1 when unknown */
static int
key_type(const struct sel *k, const struct testkey_rec *rec,
    struct doc_section *s, enum keygen_type *t)
{
	const char *kt = rec->k != NULL ? rec->k : "rsa";

	if (keygen_type_parse(kt, t) == 0)
		return 0;
	doc_add(s, DOC_FAIL, "dkim-key",
	    "%s: k=%.20s is not a key type verifiers know (rsa, ed25519)",
	    k->name, kt);
	return -1;
}

/* usable_for_mail - h= allows sha256 and s= allows email; 0 or -1 */
static int
usable_for_mail(const struct sel *k, const struct testkey_rec *rec,
    struct doc_section *s)
{
	if (rec->h != NULL && !testkey_list_has(rec->h, "sha256")) {
		doc_add(s, DOC_FAIL, "dkim-key",
		    "%s: h=%.40s does not allow sha256", k->name, rec->h);
		return -1;
	}
	if (rec->s != NULL && !testkey_list_has(rec->s, "*") &&
	    !testkey_list_has(rec->s, "email")) {
		doc_add(s, DOC_FAIL, "dkim-key",
		    "%s: s=%.40s does not allow email", k->name, rec->s);
		return -1;
	}
	return 0;
}

/* rsa_size - judge an RSA key's size; 0 usable, -1 too small */
static int
rsa_size(const struct sel *k, int bits, int pkcs1, struct doc_section *s)
{
	const char *form = pkcs1 ? "PKCS#1" : "SubjectPublicKeyInfo";

	if (bits < RSA_FAIL_BITS) {
		doc_add(s, DOC_FAIL, "dkim-key",
		    "%s: rsa, %d bits (%s): verifiers reject keys below %d "
		    "bits (RFC 8301)",
		    k->name, bits, form, RSA_FAIL_BITS);
		return -1;
	}
	doc_add(s, bits < RSA_WARN_BITS ? DOC_WARN : DOC_OK, "dkim-key",
	    "%s: rsa, %d bits (%s)%s", k->name, bits, form,
	    bits < RSA_WARN_BITS ? ": weak, use 2048 bits or more" : "");
	return 0;
}

/* judge_key - type, size and form of a parsed record; 1 usable, 0 not */
static int
judge_key(const struct sel *k, const char *txt, size_t len,
    const struct testkey_rec *rec, struct doc_section *s)
{
	unsigned char *fixed = NULL;
	size_t flen = 0;
	enum keygen_type t;
	EVP_PKEY *pk;
	int pkcs1 = 0, ok = 1;

	if (key_type(k, rec, s, &t) < 0 || usable_for_mail(k, rec, s) < 0)
		return 0;
	pk = testkey_public_key(rec, t);
	ERR_clear_error();
	if (pk == NULL) {
		doc_add(s, DOC_FAIL, "dkim-key",
		    "%s: p= is not a valid %s public key", k->name,
		    keygen_k_tag(t));
		return 0;
	}
	if (t == KEYGEN_RSA) {
		pkcs1 = dkimk_pkcs1_fix((const unsigned char *)txt, len, &fixed,
		    &flen);
		free(fixed);
		ok = rsa_size(k, EVP_PKEY_get_bits(pk), pkcs1, s) == 0;
	} else {
		doc_add(s, DOC_OK, "dkim-key",
		    "%s: ed25519 (RFC 8463; not every verifier knows it: sign "
		    "with RSA too)",
		    k->name);
	}
	EVP_PKEY_free(pk);
	if (pkcs1)
		doc_add(s, DOC_WARN, "dkim-pkcs1",
		    "%s: p= is a PKCS#1 RSAPublicKey, not a "
		    "SubjectPublicKeyInfo: verifiers built on libopendkim fail "
		    "it (republish it as keygen writes it)",
		    k->name);
	return ok;
}

/* check_record - one TXT record at the selector; 1 usable key, 0 not */
static int
check_record(const struct sel *k, const char *txt, size_t len,
    struct doc_section *s)
{
	struct testkey_rec rec;
	char why[256];
	int ok = 0;

	if (testkey_parse_record(txt, len, &rec, why, sizeof(why)) < 0) {
		doc_add(s, DOC_FAIL, "dkim-key", "%s: not a key record: %s",
		    k->name, why);
	} else if (rec.plen == 0) {
		doc_add(s, k->given ? DOC_FAIL : DOC_WARN, "dkim-revoked",
		    "%s: the key is revoked (empty p=)", k->name);
	} else {
		ok = judge_key(k, txt, len, &rec, s);
		if (testkey_flags_testing(&rec))
			doc_add(s, DOC_WARN, "dkim-testing",
			    "%s: t=y: the domain is testing DKIM, verifiers "
			    "may treat its signatures as absent",
			    k->name);
	}
	testkey_rec_free(&rec);
	return ok;
}

/* check_selector - look up one selector; 1 usable key, 0 none, -1 no
 * record there, -2 the lookup failed */
static int
check_selector(const struct doc_input *in, struct sel *k, struct doc_section *s)
{
	struct dns_result *res;
	size_t i;
	int ok = 0;

	snprintf(k->qname, sizeof(k->qname), "%s._domainkey.%s", k->name,
	    in->domain);
	res = dns_lookup(in->resolver, k->qname, DNS_T_TXT, in->budget);
	if (res->status == DNS_OK) {
		for (i = 0; i < res->nrr; i++)
			ok |= check_record(k, (const char *)res->rr[i].data,
			    res->rr[i].len, s);
	} else if (dns_is_void(res->status)) {
		ok = -1;
		if (k->given)
			doc_add(s, DOC_FAIL, "dkim-key",
			    "%s: no key at %s (%s)", k->name, k->qname,
			    dns_status_name(res->status));
	} else {
		ok = -2;
		doc_add(s, DOC_UNKNOWN, "dkim-key",
		    "%s: lookup of %s TXT failed: %s", k->name, k->qname,
		    dns_status_name(res->status));
	}
	dns_result_free(res);
	return ok;
}

/* note_result - what the later parts need from one selector */
static void
note_result(struct doc_findings *f, const char *sel, int rc)
{
	if (rc == 1 && !f->dkim_usable) {
		f->dkim_usable = 1;
		snprintf(f->dkim_selector, sizeof(f->dkim_selector), "%s", sel);
	}
	if (rc == -2)
		f->dkim_unknown = 1;
}

/* scan_common - the common selectors; which had no record */
static void
scan_common(const struct doc_input *in, struct doc_section *s,
    struct doc_findings *f)
{
	struct str none;
	struct sel k;
	size_t i, found = 0;
	int rc;

	str_init(&none);
	for (i = 0; common_selectors[i] != NULL; i++) {
		memset(&k, 0, sizeof(k));
		k.name = common_selectors[i];
		rc = check_selector(in, &k, s);
		note_result(f, k.name, rc);
		if (rc == -1)
			str_addf(&none, "%s%s", none.len ? " " : "", k.name);
		else
			found++;
	}
	if (found == 0)
		doc_add(s, DOC_FAIL, "dkim-none",
		    "no key at any common selector of %s (%s): give the one "
		    "the mail is signed with, --selector",
		    in->domain, none.s);
	else if (none.len > 0)
		doc_add(s, DOC_INFO, "dkim-none", "no key at: %s", none.s);
	str_free(&none);
}

/* doctor_dkim - the DKIM section */
void
doctor_dkim(const struct doc_input *in, struct doc_report *r,
    struct doc_findings *f)
{
	struct doc_section *s;
	struct sel k;
	size_t i;
	char *title = xasprintf("DKIM (d=%s)", in->domain);

	s = doc_section(r, title);
	free(title);
	if (in->selectors == NULL) {
		scan_common(in, s, f);
		return;
	}
	for (i = 0; in->selectors[i] != NULL; i++) {
		memset(&k, 0, sizeof(k));
		k.name = in->selectors[i];
		k.given = 1;
		note_result(f, k.name, check_selector(in, &k, s));
	}
}
