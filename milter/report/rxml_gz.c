/*
 * rxml_gz.c - the compressed form of a report (rxml.h): rxml_gzip, a
 * deterministic gzip (RFC 1952) made with zlib, and rxml_split, which
 * cuts a report's rows into parts whose gzip stays under a size cap.
 *
 * rxml_gzip: deflate level 9, window 15, memLevel 8, default strategy;
 * the gzip header has no file name, no comment, no extra field, time 0
 * and OS 255 (unknown).  The same input gives the same bytes with the
 * same zlib; the store keeps the bytes as sent, so a resend never
 * depends on recompressing.
 *
 * rxml_split: consecutive runs of rows, each at least one row with a
 * count (rows of count 0 write nothing and ride along with their
 * neighbours); a run's length is aimed at 92 % of the cap from the gzip
 * bytes a row has taken (the whole report's, then this run's own), in a
 * few builds, not packed to the last byte.  Runs are sized with the longest Report-ID the split can
 * give (part and part count both written as nrows), then every part is
 * built with its real id and checked; should one still be over the cap
 * (deflate output is not strictly monotonic in its input), the split is
 * redone with a smaller cap.  A row is never cut and never dropped; a
 * row whose part alone is over the cap is an error.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#define ZLIB_CONST
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "rxml.h"

#define GZ_CHUNK 16384
#define SPLIT_TRIES 6  /* plans with a lowered cap before giving up */
#define SEARCH_STEPS 8 /* builds to size one part */
#define FILL_AIM 92    /* percent of the cap a part is aimed at */
#define FILL_LOW 85    /* percent of the cap that is full enough */

/* gz_run - deflate until the stream ends, appending to out; 0 or -1 */
static int
gz_run(z_stream *z, const unsigned char *in, size_t n, struct str *out)
{
	unsigned char buf[GZ_CHUNK];
	size_t chunk;
	int rc;

	do {
		if (z->avail_in == 0 && n > 0) {
			chunk = n > (1u << 30) ? (1u << 30) : n;
			z->next_in = in;
			z->avail_in = (uInt)chunk;
			in += chunk;
			n -= chunk;
		}
		z->next_out = buf;
		z->avail_out = sizeof(buf);
		rc = deflate(z, n == 0 ? Z_FINISH : Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
			return -1;
		str_addn(out, (const char *)buf, sizeof(buf) - z->avail_out);
	} while (rc != Z_STREAM_END);
	return 0;
}

int
rxml_gzip(const void *in, size_t n, struct str *out)
{
	z_stream z;
	gz_header h;
	int rc;

	memset(&z, 0, sizeof(z));
	memset(&h, 0, sizeof(h));
	h.os = 255;
	str_reset(out);
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -1;
	rc = deflateSetHeader(&z, &h) == Z_OK ? 0 : -1;
	if (rc == 0)
		rc = gz_run(&z, in, n, out);
	deflateEnd(&z);
	if (rc < 0)
		str_reset(out);
	return rc;
}

/* one split in progress */
struct split {
	enum rxml_format fmt;
	const struct rxml_meta *m;
	const struct rpolicy *pol;
	const struct rrow *rows;
	size_t nrows;
	struct str id, xml, gz;
	size_t *starts; /* part starts found so far */
	unsigned nparts;
	size_t hdr; /* gzip of a part with one record: what is not rows */
	double per; /* gzip bytes a row takes, estimated */
};

/* gz_size - gzip size of rows [a, b) as one part with this id */
static size_t
gz_size(struct split *s, size_t a, size_t b, const char *id)
{
	str_reset(&s->xml);
	if (rxml_build(s->fmt, s->m, id, s->pol, s->rows + a, b - a, &s->xml,
		NULL, 0) < 0)
		return SIZE_MAX;
	if (rxml_gzip(s->xml.s, s->xml.len, &s->gz) < 0)
		return SIZE_MAX;
	return s->gz.len;
}

static int
fits(struct split *s, size_t a, size_t b, size_t cap)
{
	return gz_size(s, a, b, s->id.s) <= cap;
}

/* next_counted - first row at or after i with a count, or nrows */
static size_t
next_counted(const struct split *s, size_t i)
{
	while (i < s->nrows && s->rows[i].count == 0)
		i++;
	return i;
}

/* aim - the end of a run from a that should fill FILL_AIM % of cap at
 * per bytes of gzip a row */
static size_t
aim(const struct split *s, size_t a, double per, size_t cap)
{
	double want = (double)cap * FILL_AIM / 100.0 - (double)s->hdr;
	double rows = want > per ? want / per : 1.0;

	return rows >= (double)(s->nrows - a) ? s->nrows : a + (size_t)rows;
}

/* grow - a long fitting run from a, knowing [a, good) fits: aim at the
 * fill from the bytes a row has taken so far, keep the candidate between
 * the longest run that fit and the shortest that did not, stop when a
 * run is FILL_LOW % full or after SEARCH_STEPS builds (the parts need
 * not be as full as they could be, only under the cap) */
static size_t
grow(struct split *s, size_t a, size_t good, size_t cap)
{
	size_t bad = s->nrows + 1, end, size;
	double per = s->per;
	int i;

	for (i = 0; i < SEARCH_STEPS && good + 1 < bad; i++) {
		end = aim(s, a, per, cap);
		end = end <= good ? good + 1 : end >= bad ? bad - 1 : end;
		size = gz_size(s, a, end, s->id.s);
		if (size <= cap) {
			good = end;
			if (end == s->nrows || size >= cap / 100 * FILL_LOW)
				break;
		} else {
			bad = end;
		}
		if (size != SIZE_MAX && size > s->hdr)
			per = (double)(size - s->hdr) / (double)(end - a);
	}
	return good;
}

static void
add_start(struct split *s, size_t i)
{
	s->starts = xrealloc(s->starts, (s->nparts + 2) * sizeof(*s->starts));
	s->starts[s->nparts++] = i;
}

/* plan - cut all rows into runs under cap; 0, or -1 with err */
static int
plan(struct split *s, size_t cap, char *err, size_t errlen)
{
	size_t a = 0, first, end;

	s->nparts = 0;
	while (a < s->nrows) {
		first = next_counted(s, a);
		if (!fits(s, a, first + 1, cap))
			return str_seterr(err, errlen,
			    "record %zu alone is over the size cap of %zu "
			    "bytes (%zu bytes of gzip)",
			    first + 1, cap, s->gz.len);
		s->hdr = s->gz.len;
		end = grow(s, a, first + 1, cap);
		if (next_counted(s, end) == s->nrows)
			end = s->nrows;
		add_start(s, a);
		a = end;
	}
	s->starts[s->nparts] = s->nrows;
	return 0;
}

/* verify - every part with its real id under max; 1 yes, 0 no */
static int
verify(struct split *s, size_t max)
{
	struct str id;
	unsigned i;
	int ok = 1;

	str_init(&id);
	for (i = 0; i < s->nparts && ok; i++) {
		rxml_report_id(s->m, s->pol->domain, i + 1, s->nparts, &id);
		ok = gz_size(s, s->starts[i], s->starts[i + 1], id.s) <= max;
	}
	str_free(&id);
	return ok;
}

/* split_run - plan and verify, lowering the cap until parts fit */
static unsigned
split_run(struct split *s, size_t max, char *err, size_t errlen)
{
	size_t cap = max, slack = 32;
	int i;

	for (i = 0; i < SPLIT_TRIES; i++, cap -= slack, slack *= 2) {
		if (plan(s, cap, err, errlen) < 0)
			return 0;
		if (verify(s, max))
			return s->nparts;
		if (cap <= slack)
			break;
	}
	str_seterr(err, errlen, "cannot split the report under %zu bytes", max);
	return 0;
}

static void
split_free(struct split *s)
{
	str_free(&s->id);
	str_free(&s->xml);
	str_free(&s->gz);
}

/* whole - the report as one part: 1 when it fits, 0 when not, -1 on
 * input no report can be made of (err set) */
static int
whole(struct split *s, size_t max, char *err, size_t errlen)
{
	if (s->pol == NULL || s->m == NULL)
		return str_seterr(err, errlen, "no policy or report metadata");
	rxml_report_id(s->m, s->pol->domain, 1, 1, &s->id);
	str_reset(&s->xml);
	if (rxml_build(s->fmt, s->m, s->id.s, s->pol, s->rows, s->nrows,
		&s->xml, err, errlen) < 0)
		return -1;
	if (rxml_gzip(s->xml.s, s->xml.len, &s->gz) < 0)
		return str_seterr(err, errlen, "zlib failed to compress");
	s->per = (double)s->gz.len / (double)s->nrows;
	return s->gz.len <= max;
}

unsigned
rxml_split(enum rxml_format fmt, const struct rxml_meta *m,
    const struct rpolicy *pol, const struct rrow *rows, size_t nrows,
    size_t max_bytes, size_t **starts, char *err, size_t errlen)
{
	struct split s = { .fmt = fmt,
		.m = m,
		.pol = pol,
		.rows = rows,
		.nrows = nrows };
	unsigned n = 0;
	int w;

	*starts = NULL;
	str_init(&s.id);
	str_init(&s.xml);
	str_init(&s.gz);
	w = whole(&s, max_bytes, err, errlen);
	if (w == 1) {
		add_start(&s, 0);
		s.starts[1] = nrows;
		n = 1;
	} else if (w == 0) {
		rxml_report_id(m, pol->domain, (unsigned)nrows, (unsigned)nrows,
		    &s.id);
		n = split_run(&s, max_bytes, err, errlen);
	}
	split_free(&s);
	if (n == 0)
		free(s.starts);
	else
		*starts = s.starts;
	return n;
}
