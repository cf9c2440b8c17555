/*
 * dmarc_record.h - the DMARC Policy Record (RFC 9989 section 4.7, and the
 * RFC 7489 tags a PSL-mode receiver still honours): parse one TXT record,
 * and choose among the TXT records found at one _dmarc name.
 *
 * Pure: no I/O, no logging, no allocation.  Thread-safe.  Fuzzed.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DMARC_RECORD_H
#define HALLMARK_DMARC_RECORD_H

#include <stddef.h>

/* the text kept of rua= and fo= (aggregate reports: policy_published) */
#define DMARCREC_RUA_MAX 1023
#define DMARCREC_FO_MAX 31

enum dmarcrec_policy {
	DMARCREC_P_UNSET = 0,	/* tag absent */
	DMARCREC_P_NONE,
	DMARCREC_P_QUARANTINE,
	DMARCREC_P_REJECT
};

enum dmarcrec_psd {
	DMARCREC_PSD_U = 0,	/* default: not said */
	DMARCREC_PSD_Y,
	DMARCREC_PSD_N
};

enum dmarcrec_status {
	DMARCREC_OK = 0,	/* a usable DMARC Policy Record */
	DMARCREC_NOT_DMARC,	/* does not start with v=DMARC1: not ours */
	DMARCREC_INVALID	/* a DMARC record that cannot be used:
				 * permerror, reason in why */
};

struct dmarcrec {
	enum dmarcrec_policy p;		/* never UNSET when OK (absent: none) */
	enum dmarcrec_policy sp;	/* UNSET: falls back to p */
	enum dmarcrec_policy np;	/* UNSET: falls back to sp, then p */
	enum dmarcrec_psd psd;
	int adkim_strict;
	int aspf_strict;
	int testing;			/* t=y */
	int pct;			/* 0..100 (RFC 7489 only); default 100 */
	int has_rua;			/* >= 1 syntactically valid URI */
	int has_ruf;
	int p_from_rua;			/* p invalid, p=none because of rua */
	/* rua= as published (WSP around it and its URIs removed) when it
	 * holds a valid URI, else "": a longer list keeps the URIs that fit
	 * whole, rua_cut says so.  fo= when valid, WSP removed, else "" */
	char rua[DMARCREC_RUA_MAX + 1];
	int rua_cut;
	char fo[DMARCREC_FO_MAX + 1];
	/* first problem seen: the reason for INVALID, or a tag value that
	 * was ignored in an OK record ("" when none) */
	char why[160];
};

/* dmarcrec_parse - parse one record (TXT strings already concatenated;
 * len bytes, NULs inside are an error).  Always fills *out. */
enum dmarcrec_status dmarcrec_parse(const char *txt, size_t len,
    struct dmarcrec *out);

/*
 * dmarcrec_select - the records of one TXT answer: those not starting with
 * v=DMARC1 are discarded; if more than one remains, all are discarded
 * (RFC 9989 4.10 step 2).  Returns DMARCREC_OK or DMARCREC_INVALID for the
 * one DMARC record left (*out filled), DMARCREC_NOT_DMARC when none is
 * left; *ndmarc (may be NULL) = how many started with v=DMARC1.
 */
enum dmarcrec_status dmarcrec_select(const char *const *txt,
    const size_t *len, size_t n, struct dmarcrec *out, size_t *ndmarc);

/* dmarcrec_is_dmarc - does the text start with the v=DMARC1 tag */
int dmarcrec_is_dmarc(const char *txt, size_t len);

const char *dmarcrec_policy_name(enum dmarcrec_policy p);

#endif
