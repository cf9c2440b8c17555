/*
 * fuzz_dmarc_record.c - fuzz target: the DMARC Policy Record parser and
 * the choice among the TXT records of one name.
 *
 * Input: raw bytes as one record; then split at '\n' into several records
 * for dmarcrec_select.
 * Invariants: a status is always set; OK means p is set and every value
 * in range; INVALID carries a reason; a text not starting with v=DMARC1
 * is never OK; select returns OK/INVALID only for exactly one DMARC record.
 */
#include "dmarc_record.h"
#include "fuzz.h"

#define MAXREC 16

/* check_ok - a usable record's values are in range */
static void
check_ok(const struct dmarcrec *r)
{
	FUZZ_CHECK(r->p >= DMARCREC_P_NONE && r->p <= DMARCREC_P_REJECT);
	FUZZ_CHECK(r->sp >= DMARCREC_P_UNSET && r->sp <= DMARCREC_P_REJECT);
	FUZZ_CHECK(r->np >= DMARCREC_P_UNSET && r->np <= DMARCREC_P_REJECT);
	FUZZ_CHECK(r->psd >= DMARCREC_PSD_U && r->psd <= DMARCREC_PSD_N);
	FUZZ_CHECK(r->pct >= 0 && r->pct <= 100);
	FUZZ_CHECK(memchr(r->why, '\0', sizeof(r->why)) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *txt[MAXREC];
	size_t len[MAXREC], n = 0, i, start = 0, nd;
	struct dmarcrec r;
	enum dmarcrec_status st;

	st = dmarcrec_parse((const char *)data, size, &r);
	if (st == DMARCREC_OK)
		check_ok(&r);
	else if (st == DMARCREC_INVALID)
		FUZZ_CHECK(r.why[0] != '\0');
	if (!dmarcrec_is_dmarc((const char *)data, size))
		FUZZ_CHECK(st == DMARCREC_NOT_DMARC);
	for (i = 0; i <= size && n < MAXREC; i++)
		if (i == size || data[i] == '\n') {
			txt[n] = (const char *)data + start;
			len[n++] = i - start;
			start = i + 1;
		}
	st = dmarcrec_select(txt, len, n, &r, &nd);
	if (st != DMARCREC_NOT_DMARC)
		FUZZ_CHECK(nd == 1);
	if (st == DMARCREC_OK)
		check_ok(&r);
	return 0;
}
