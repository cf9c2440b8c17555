/*
 * test_rxml_parts.c - report/rxml*.c, the DMARC aggregate report
 * builder, what is around the document: Report-ID and file name (exact,
 * and safe whatever the domains hold), deterministic gzip (the same
 * bytes twice, zlib gives the XML back, header without time or name),
 * parts (every row in exactly one part, Σcount kept, each part's gzip
 * under the cap, a row alone over the cap refused), refused input.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zlib.h>

#include "rxml_fixture.h"

static void
test_ids(void **state)
{
	struct rxml_meta m = meta;
	struct str s;

	str_init(&s);
	rxml_report_id(&m, "univ.example", 1, 1, &s);
	assert_string_equal(s.s,
	    "univ.example!1764633600!1764719999!mx.receiver.example");
	rxml_filename(&m, "univ.example", 1, 1, &s);
	assert_string_equal(s.s,
	    "mx.receiver.example!univ.example!1764633600!1764719999.xml.gz");
	rxml_report_id(&m, "univ.example", 2, 3, &s);
	assert_string_equal(s.s,
	    "univ.example!1764633600!1764719999!mx.receiver.example!2");
	rxml_filename(&m, "univ.example", 3, 3, &s);
	assert_string_equal(s.s,
	    "mx.receiver.example!univ.example!1764633600!1764719999!3.xml.gz");
	/* what could break a dot-atom or a path */
	m.receiver = ".MX..Receiver.Example.";
	m.begin = -5;
	rxml_filename(&m, "a/b c\n_x.\xc3\xa9", 1, 1, &s);
	assert_string_equal(s.s,
	    "mx.receiver.example!a-b-c-_x.--!0!1764719999.xml.gz");
	m.receiver = "";
	rxml_report_id(&m, NULL, 1, 1, &s);
	assert_string_equal(s.s, "unknown!0!1764719999!unknown");
	/* the same input, the same names */
	rxml_report_id(&meta, "univ.example", 1, 1, &s);
	assert_string_equal(s.s,
	    "univ.example!1764633600!1764719999!mx.receiver.example");
	str_free(&s);
}

/* ---- gzip ------------------------------------------------------------------ */

static void
gunzip(const struct str *gz, struct str *out)
{
	unsigned char buf[4096];
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (unsigned char *)gz->s;
	z.avail_in = (uInt)gz->len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		rc = inflate(&z, Z_NO_FLUSH);
		assert_true(rc == Z_OK || rc == Z_STREAM_END);
		str_addn(out, (const char *)buf, sizeof(buf) - z.avail_out);
	} while (rc != Z_STREAM_END);
	assert_int_equal(z.avail_in, 0);
	inflateEnd(&z);
}

static void
test_gzip(void **state)
{
	static const unsigned char head[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0 };
	struct rrow r;
	struct rpolicy p;
	struct str a, b, back;
	char *xml;

	full_row(&r, &p);
	xml = build(RXML_RFC9990, &p, &r, 1);
	str_init(&a);
	str_init(&b);
	str_init(&back);
	assert_int_equal(rxml_gzip(xml, strlen(xml), &a), 0);
	assert_int_equal(rxml_gzip(xml, strlen(xml), &b), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.s, b.s, a.len);
	/* magic, deflate, no flags (no name), time 0; OS unknown */
	assert_memory_equal(a.s, head, sizeof(head));
	assert_int_equal((unsigned char)a.s[9], 255);
	gunzip(&a, &back);
	assert_int_equal(back.len, strlen(xml));
	assert_memory_equal(back.s, xml, back.len);
	assert_true(a.len < back.len);
	/* replaced, not appended; empty input */
	assert_int_equal(rxml_gzip("", 0, &a), 0);
	str_reset(&back);
	gunzip(&a, &back);
	assert_int_equal(back.len, 0);
	str_free(&a);
	str_free(&b);
	str_free(&back);
	free(xml);
	rrow_free(&r);
	rpolicy_free(&p);
}

/* ---- parts ------------------------------------------------------------------ */

/* noise - n characters a compressor cannot shrink much (a fixed LCG) */
static char *
noise(size_t n, uint32_t seed)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *s = xmalloc(n + 1);
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		s[i] = a[(seed >> 16) & 63];
	}
	s[n] = '\0';
	return s;
}

#define NROWS 400

static struct rrow *
many_rows(size_t n)
{
	struct rrow *r = xcalloc(n, sizeof(*r));
	char from[64];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(from, sizeof(from), "h%zu.univ.example", i);
		row(&r[i], from, RR_DISP_NONE, i % 7 == 3 ? 0 : i + 1);
		free(r[i].envelope_from);
		r[i].envelope_from = noise(20, (uint32_t)i);
	}
	return r;
}

/* part_sum - build part i of n, check its gzip is under cap; the sum of
 * its counts */
static uint64_t
part_sum(enum rxml_format f, const struct rpolicy *p, const struct rrow *r,
    size_t a, size_t b, unsigned i, unsigned n, size_t cap)
{
	struct str id, xml, gz;
	char err[100];
	uint64_t sum = 0;
	int k, nrec;
	char *c;

	str_init(&id);
	str_init(&xml);
	str_init(&gz);
	rxml_report_id(&meta, p->domain, i, n, &id);
	assert_int_equal(rxml_build(f, &meta, id.s, p, r + a, b - a, &xml, err,
			     sizeof(err)),
	    0);
	assert_int_equal(rxml_gzip(xml.s, xml.len, &gz), 0);
	assert_true(gz.len <= cap);
	nrec = count_of(xml.s, "record");
	for (k = 0; k < nrec; k++) {
		c = text(xml.s, "count", k);
		sum += strtoull(c, NULL, 10);
		free(c);
	}
	str_free(&id);
	str_free(&xml);
	str_free(&gz);
	return sum;
}

static void
check_parts(enum rxml_format f, size_t cap)
{
	struct rrow *r = many_rows(NROWS);
	struct rpolicy p;
	uint64_t want = 0, got = 0;
	size_t *starts, i;
	char err[200] = "";
	unsigned n;

	policy(&p, RR_POL_QUARANTINE);
	for (i = 0; i < NROWS; i++)
		want += r[i].count;
	n = rxml_split(f, &meta, &p, r, NROWS, cap, &starts, err, sizeof(err));
	assert_string_equal(err, "");
	assert_true(n >= 3);
	assert_int_equal(starts[0], 0);
	assert_int_equal(starts[n], NROWS);
	for (i = 0; i < n; i++) {
		assert_true(starts[i] < starts[i + 1]);
		got += part_sum(f, &p, r, starts[i], starts[i + 1],
		    (unsigned)i + 1, n, cap);
	}
	assert_int_equal(got, want);
	free(starts);
	for (i = 0; i < NROWS; i++)
		rrow_free(&r[i]);
	free(r);
	rpolicy_free(&p);
}

static void
test_parts(void **state)
{
	check_parts(RXML_RFC9990, 3000);
	check_parts(RXML_RFC7489, 3000);
	check_parts(RXML_RFC9990, 1200);
}

/* under a large cap one part; a row alone over the cap is an error */
static void
test_parts_limits(void **state)
{
	struct rrow r[3];
	struct rpolicy p;
	size_t *starts = NULL;
	char err[200] = "";
	unsigned n;
	int i;

	policy(&p, RR_POL_NONE);
	for (i = 0; i < 3; i++)
		row(&r[i], "univ.example", RR_DISP_NONE, 1);
	n = rxml_split(RXML_RFC9990, &meta, &p, r, 3, 1 << 20, &starts, err,
	    sizeof(err));
	assert_int_equal(n, 1);
	assert_int_equal(starts[0], 0);
	assert_int_equal(starts[1], 3);
	free(starts);
	add_reason(&r[1], RR_REASON_OTHER, NULL);
	r[1].reason[0].comment = noise(40000, 7);
	n = rxml_split(RXML_RFC9990, &meta, &p, r, 3, 4096, &starts, err,
	    sizeof(err));
	assert_int_equal(n, 0);
	assert_null(starts);
	assert_non_null(strstr(err, "record 2 alone is over the size cap"));
	/* no rows to report */
	r[0].count = r[1].count = r[2].count = 0;
	n = rxml_split(RXML_RFC9990, &meta, &p, r, 3, 4096, &starts, err,
	    sizeof(err));
	assert_int_equal(n, 0);
	assert_null(starts);
	for (i = 0; i < 3; i++)
		rrow_free(&r[i]);
	rpolicy_free(&p);
}

/* ---- refused input ----------------------------------------------------------- */

static void
test_refused(void **state)
{
	struct rrow r;
	struct rpolicy p;
	struct str out;
	char err[200];

	str_init(&out);
	policy(&p, RR_POL_NONE);
	row(&r, "univ.example", RR_DISP_NONE, 0);
	err[0] = '\0';
	assert_int_equal(rxml_build(RXML_RFC9990, &meta, "i", &p, &r, 1, &out,
			     err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "no rows"));
	assert_int_equal(rxml_build(RXML_RFC9990, &meta, "i", &p, NULL, 0, &out,
			     err, sizeof(err)),
	    -1);
	r.count = 1;
	free(p.domain);
	p.domain = xstrdup("");
	err[0] = '\0';
	assert_int_equal(rxml_build(RXML_RFC7489, &meta, "i", &p, &r, 1, &out,
			     err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "no policy domain"));
	assert_int_equal(out.len, 0);
	str_free(&out);
	rrow_free(&r);
	rpolicy_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_parts_limits),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
