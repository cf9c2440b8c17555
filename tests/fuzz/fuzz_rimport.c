/*
 * fuzz_rimport.c - fuzz target: the report importer's readers, as
 * `hallmark report import` runs them on a file it is given: the input is
 * classified (mbox, bare gzip / zip / XML, MIME message), unpacked and
 * every document found read by the XML reader; the input is also read as
 * XML, gzip and zip directly.
 *
 * Invariants: a report read has at least one record, each with a count
 * in 1..2^31-1, an address and a From domain, a key that the store can
 * read back (rrow_key / rrow_unkey), dates in order; a refused
 * one has a message and no rows; gunzip output never passes its cap;
 * every container call ends in doc or bad, never both silent.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "fuzz.h"
#include "rimp.h"

#define NOW 1796100000
#define CAP (1u << 20)

/* check_key - the row's key reads back as the store will read it */
static void
check_key(const struct rrow *row)
{
	struct rrow back;
	char *key;
	size_t len;

	FUZZ_CHECK(rrow_key(row, &key, &len) == 0);
	FUZZ_CHECK(rrow_unkey(key, len, &back) == 0);
	rrow_free(&back);
	free(key);
}

/* check_report - invariants of one parse of (xml, len) */
static void
check_report(const unsigned char *xml, size_t len)
{
	struct rimp_report r;
	char err[256] = "";
	size_t i;

	if (rimp_xml_parse(xml, len, NOW, &r, err, sizeof(err)) < 0) {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(r.nrows == 0 && r.rows == NULL);
		return;
	}
	FUZZ_CHECK(r.nrows > 0 && r.report_id != NULL && r.email != NULL);
	FUZZ_CHECK(r.begin <= r.end && r.policy.domain != NULL);
	for (i = 0; i < r.nrows; i++) {
		FUZZ_CHECK(r.rows[i].count > 0 &&
		    r.rows[i].count < (1ULL << 31));
		FUZZ_CHECK(r.rows[i].source_ip != NULL);
		FUZZ_CHECK(r.rows[i].header_from != NULL);
		check_key(&r.rows[i]);
	}
	free(rimp_reporter(&r));
	rimp_report_free(&r);
}

static void
on_doc(void *arg, const char *where, const unsigned char *xml, size_t len)
{
	(*(int *)arg)++;
	FUZZ_CHECK(where != NULL && len <= RIMP_MAX_DOC);
	check_report(xml, len);
}

static void
on_bad(void *arg, const char *where, const char *why)
{
	(*(int *)arg)++;
	FUZZ_CHECK(where != NULL && why != NULL && why[0] != '\0');
}

static void
on_member(void *arg, const char *name, const unsigned char *data, size_t len)
{
	(void)arg;
	FUZZ_CHECK(name[0] != '/' && strcmp(name, "..") != 0 &&
	    strncmp(name, "../", 3) != 0 && strstr(name, "/../") == NULL);
	FUZZ_CHECK(len <= CAP);
	check_report(data, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int events = 0;
	struct rimp_sink sink = { .doc = on_doc,
		.bad = on_bad,
		.arg = &events };
	unsigned char *out;
	size_t n;
	char err[256];

	rimp_source_buf("fuzz", (const char *)data, size, &sink);
	FUZZ_CHECK(events > 0);
	check_report(data, size);
	if (rimp_gunzip(data, size, CAP, &out, &n, err, sizeof(err)) == 0) {
		FUZZ_CHECK(n <= CAP && out[n] == '\0');
		free(out);
	}
	(void)rimp_unzip(data, size, CAP, on_member, NULL, err, sizeof(err));
	return 0;
}
