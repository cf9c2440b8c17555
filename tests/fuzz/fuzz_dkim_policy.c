/*
 * fuzz_dkim_policy.c - fuzz target: hallmark's decision on one DKIM
 * signature (dkim_policy.c: dkimpol_decide, dkimpol_i_within_d,
 * dkimpol_h_has, dkimpol_dup_tag) on fuzzer-chosen facts, i.e. any tag
 * values libopendkim could hand over and any combination of its verdicts.
 *
 * Input: 12 bytes of facts (sigerror, flags, bh result, algorithm, key
 * bits x2, body lengths x2, huge_signed, configuration bits, reason buffer
 * size, time), then text lines: d=, i=, h=, t=, x=, b=, bh=, libopendkim's
 * error text, the key record's k=, the whole tag-list (checked for a
 * duplicate tag); a line "-" or a missing line is an absent value.
 *
 * Invariants: the result is a known one; the reason fits its buffer; a
 * pass needs a well-formed signature that libopendkim verified (From in h=,
 * i= within d=, body hash matched, no duplicate tag, a key of the type
 * a= names); a testing key never fails.
 */
#include <opendkim/dkim.h>

#include "dkim_policy.h"
#include "dkim_verify.h"
#include "fuzz.h"
#include "str.h"

#define NFACT 12

/* next_line - the next line of *p, NULL for "-" or when there is none */
static const char *
next_line(char **p)
{
	char *s = *p, *nl;

	if (s == NULL)
		return NULL;
	if ((nl = strchr(s, '\n')) != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = NULL;
	}
	return strcmp(s, "-") == 0 ? NULL : s;
}

/* check_pass - what a pass implies */
static void
check_pass(const struct dkimpol_facts *f)
{
	FUZZ_CHECK(f->d != NULL && f->d[0] != '\0');
	FUZZ_CHECK(dkimpol_i_within_d(f->i, f->d));
	FUZZ_CHECK(dkimpol_h_has(f->h, "From"));
	FUZZ_CHECK((f->flags & DKIM_SIGFLAG_PASSED) != 0);
	FUZZ_CHECK(f->bhres == DKIM_SIGBH_MATCH);
	FUZZ_CHECK(f->sigerror == DKIM_SIGERROR_OK ||
	    f->sigerror == DKIM_SIGERROR_UNKNOWN);
	FUZZ_CHECK(!f->huge_signed && !f->dup_tag && !f->key_oversized &&
	    !f->body_cut);
	FUZZ_CHECK(f->key_k == NULL || str_casecmp(f->key_k,
	    f->alg == DKIM_SIGN_ED25519SHA256 ? "ed25519" : "rsa") == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkimpol_facts f;
	struct conf_dkim_verify cf;
	char *s, *p, why[160];
	const char *taglist;
	size_t whylen;
	enum res_dkim r;
	time_t now;

	if (size < NFACT || size > 8192)
		return 0;
	memset(&f, 0, sizeof(f));
	f.sigerror = (int)data[0] - 2;		/* UNKNOWN, OK, errors */
	f.flags = data[1] & 0x3f;
	f.bhres = (int)(data[2] % 3) - 1;
	f.alg = (int)(data[3] % 5) - 1;
	f.keybits = (unsigned)data[4] * 32u + data[5];
	f.msglen = (ssize_t)data[6] * 16 - 1;
	f.signlen = (ssize_t)data[7] * 16 - 1;
	f.huge_signed = data[8] & 1;
	f.key_oversized = (data[8] >> 2) & 1;
	f.body_cut = (data[8] >> 3) & 1;
	cf.enable = 1;
	cf.max_signatures = 8;
	cf.min_rsa_bits = (data[9] & 1) ? 2048 : 1024;
	cf.rsa_sha1 = (data[9] & 2) ? DKIMV_SHA1_NEUTRAL : DKIMV_SHA1_FAIL;
	cf.body_length = (data[9] & 4) ? DKIMV_L_POLICY : DKIMV_L_ACCEPT;
	cf.clock_drift = (data[9] & 8) ? 0 : 300;
	cf.max_signature_bytes = 65536;
	whylen = 1 + (data[10] % sizeof(why));
	now = 1700000000 + (time_t)data[11] * 86400 * 365;
	s = p = fuzz_cstr(data + NFACT, size - NFACT);
	f.d = next_line(&p);
	f.i = next_line(&p);
	f.h = next_line(&p);
	f.t = next_line(&p);
	f.x = next_line(&p);
	f.b = next_line(&p);
	f.bh = next_line(&p);
	f.liberr = next_line(&p);
	f.key_k = next_line(&p);
	taglist = next_line(&p);
	f.dup_tag = taglist != NULL ? dkimpol_dup_tag(taglist) :
	    (data[8] >> 1) & 1;
	memset(why, 'X', sizeof(why));
	r = dkimpol_decide(&f, &cf, now, why, whylen);
	FUZZ_CHECK(r <= RES_DKIM_PERMERROR);
	FUZZ_CHECK(memchr(why, '\0', whylen) != NULL);
	if (r == RES_DKIM_PASS)
		check_pass(&f);
	if ((f.flags & DKIM_SIGFLAG_TESTKEY) != 0)
		FUZZ_CHECK(r != RES_DKIM_FAIL && r != RES_DKIM_POLICY);
	if (whylen == sizeof(why) && r != RES_DKIM_PASS && r != RES_DKIM_NONE)
		FUZZ_CHECK(why[0] != '\0');
	free(s);
	return 0;
}
