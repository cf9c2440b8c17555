/*
 * fuzz_dmarc_record.c - fuzz target: the DMARC Policy Record parser
 * (dmarcrec_parse) and the choice among the TXT records of one _dmarc
 * name (dmarcrec_select; input lines are the records).
 *
 * Invariants: an OK record has a policy and pct in 0..100; a refused one
 * has a reason; the reason, rua and fo always fit their buffers, rua is
 * kept when a valid URI was given (and fits); select finds a record
 * only when exactly one line starts with v=DMARC1.
 */
#include "dmarc_record.h"
#include "fuzz.h"

#define MAXREC 16

/* check_rec - invariants of one parse */
static void
check_rec(enum dmarcrec_status st, const struct dmarcrec *r)
{
	FUZZ_CHECK(st <= DMARCREC_INVALID);
	FUZZ_CHECK(memchr(r->why, '\0', sizeof(r->why)) != NULL);
	FUZZ_CHECK(memchr(r->rua, '\0', sizeof(r->rua)) != NULL);
	FUZZ_CHECK(memchr(r->fo, '\0', sizeof(r->fo)) != NULL);
	if (st == DMARCREC_OK) {
		/* rua kept when it holds a valid URI (unless none fits),
		 * never with blanks at its ends; fo without blanks */
		FUZZ_CHECK(r->rua[0] == '\0' || r->has_rua);
		FUZZ_CHECK(r->rua[0] != '\0' || !r->has_rua || r->rua_cut);
		FUZZ_CHECK(r->rua[0] != ' ' && r->rua[0] != '\t');
		FUZZ_CHECK(strchr(r->fo, ' ') == NULL);
		FUZZ_CHECK(r->p != DMARCREC_P_UNSET);
		FUZZ_CHECK(r->p <= DMARCREC_P_REJECT && r->sp <= DMARCREC_P_REJECT &&
		    r->np <= DMARCREC_P_REJECT);
		FUZZ_CHECK(r->pct >= 0 && r->pct <= 100);
		FUZZ_CHECK(dmarcrec_policy_name(r->p) != NULL);
	}
	if (st == DMARCREC_INVALID)
		FUZZ_CHECK(r->why[0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *txt[MAXREC];
	size_t len[MAXREC], n = 0, ndmarc = 0, i, dm = 0;
	const char *p = (const char *)data, *end = p + size, *nl;
	struct dmarcrec r;
	enum dmarcrec_status st;

	memset(&r, 0x5a, sizeof(r));
	st = dmarcrec_parse((const char *)data, size, &r);
	check_rec(st, &r);
	FUZZ_CHECK((st == DMARCREC_NOT_DMARC) ==
	    !dmarcrec_is_dmarc((const char *)data, size));

	while (p < end && n < MAXREC) {
		nl = memchr(p, '\n', (size_t)(end - p));
		txt[n] = p;
		len[n] = nl ? (size_t)(nl - p) : (size_t)(end - p);
		dm += dmarcrec_is_dmarc(txt[n], len[n]) != 0;
		n++;
		p = nl ? nl + 1 : end;
	}
	memset(&r, 0x5a, sizeof(r));
	st = dmarcrec_select(txt, len, n, &r, &ndmarc);
	FUZZ_CHECK(ndmarc == dm);
	FUZZ_CHECK((st == DMARCREC_NOT_DMARC) == (dm != 1));
	if (st != DMARCREC_NOT_DMARC)
		check_rec(st, &r);
	for (i = 0; i < n; i++)
		(void)dmarcrec_parse(txt[i], len[i], &r);
	return 0;
}
