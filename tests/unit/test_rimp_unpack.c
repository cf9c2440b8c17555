/*
 * test_rimp_unpack.c - the containers of the report importer: gzip
 * (round trip, a 2 GiB gzip bomb stopped at the cap, truncation, trailing
 * junk), zip (deflate and stored members, path traversal and absolute
 * names refused, too many entries, a zip bomb by declared size and by a
 * lying header, a bad CRC), MIME messages (base64 and quoted-printable
 * parts, nested multiparts, a forwarded message, a message without a
 * report), an mbox, a Maildir and a plain directory.  The archives are
 * made here with zlib, so every byte of them is known.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>

#include "b64.h"
#include "rimp.h"
#include "str.h"

#define XML "<feedback><report_metadata/></feedback>"

/* what a sink saw */
struct seen {
	int docs, bads;
	char where[512], why[512];
	size_t len;
};

static void
on_doc(void *arg, const char *where, const unsigned char *xml, size_t len)
{
	struct seen *s = arg;

	(void)xml;
	s->docs++;
	s->len = len;
	snprintf(s->where, sizeof(s->where), "%s", where);
}

static void
on_bad(void *arg, const char *where, const char *why)
{
	struct seen *s = arg;

	s->bads++;
	snprintf(s->where, sizeof(s->where), "%s", where);
	snprintf(s->why, sizeof(s->why), "%s", why);
}

#define SINK(s) \
	{ \
		.doc = on_doc, .bad = on_bad, .arg = &(s) \
	}

/* gz_member - one gzip member of n zero bytes (zeros: 0) or of p */
static void
gz_member(struct str *out, const void *p, size_t n)
{
	static unsigned char zero[1 << 20];
	unsigned char buf[1 << 16];
	z_stream z;
	size_t left = n, chunk;
	int flush;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9,
			     Z_DEFAULT_STRATEGY),
	    Z_OK);
	do {
		chunk = left < sizeof(zero) ? left : sizeof(zero);
		z.next_in = p != NULL ? (Bytef *)(uintptr_t)p + (n - left) :
					zero;
		z.avail_in = (uInt)chunk;
		left -= chunk;
		flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
		do {
			z.next_out = buf;
			z.avail_out = sizeof(buf);
			deflate(&z, flush);
			str_addn(out, (char *)buf, sizeof(buf) - z.avail_out);
		} while (z.avail_out == 0);
	} while (left > 0);
	deflateEnd(&z);
}

static void
test_gzip(void **state)
{
	struct str g;
	unsigned char *out;
	size_t n;
	char err[256];

	(void)state;
	str_init(&g);
	gz_member(&g, XML, strlen(XML));
	gz_member(&g, XML, strlen(XML));
	assert_int_equal(rimp_gunzip((unsigned char *)g.s, g.len, 1000, &out,
			     &n, err, sizeof(err)),
	    0);
	assert_int_equal(n, 2 * strlen(XML));
	assert_memory_equal(out, XML XML, n);
	free(out);
	assert_int_equal(rimp_gunzip((unsigned char *)g.s, g.len - 3, 1000,
			     &out, &n, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "gzip: "));
	str_addn(&g, "junk", 4);
	assert_int_equal(rimp_gunzip((unsigned char *)g.s, g.len, 1000, &out,
			     &n, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "gzip: data after the end of the stream");
	str_free(&g);
}

/* test_gzip_bomb - 2 GiB of zeros (8 members of 256 MiB, ~2 MB) */
static void
test_gzip_bomb(void **state)
{
	struct str one, bomb;
	struct seen s = { 0 };
	struct rimp_sink sink = SINK(s);
	struct timespec t0, t1;
	double secs;
	int i;

	(void)state;
	str_init(&one);
	str_init(&bomb);
	gz_member(&one, NULL, (size_t)256 << 20);
	for (i = 0; i < 8; i++)
		str_addn(&bomb, one.s, one.len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rimp_payload("bomb.xml.gz", (unsigned char *)bomb.s, bomb.len, &sink);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("gzip bomb: %zu bytes compressed, refused in %.2f s\n",
	    bomb.len, secs);
	assert_int_equal(s.docs, 0);
	assert_int_equal(s.bads, 1);
	assert_non_null(strstr(s.why,
	    "gzip: inflates to more than 67108864 "
	    "bytes (limit): refused"));
	str_free(&one);
	str_free(&bomb);
}

/* ---- zip ----------------------------------------------------------- */

struct zfile {
	const char *name;
	const char *data;
	size_t len;
	int deflate;
	uint32_t lie_usize; /* declared size instead of the real one */
	int bad_crc;
};

static void
put16(struct str *b, unsigned v)
{
	str_addc(b, (char)(v & 0xff));
	str_addc(b, (char)(v >> 8));
}

static void
put32(struct str *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

/* zip_make - an archive of n files; the central directory mirrors the
 * local headers */
static void
zip_make(struct str *z, const struct zfile *f, size_t n)
{
	struct str cd;
	uLongf clen;
	unsigned char *c;
	uint32_t off[64], crc, usize;
	size_t i, csize;

	str_init(&cd);
	for (i = 0; i < n; i++) {
		crc = (uint32_t)crc32(0, (const Bytef *)f[i].data,
			  (uInt)f[i].len) ^
		    (f[i].bad_crc ? 1u : 0u);
		c = xmalloc(compressBound(f[i].len) + 1);
		if (f[i].deflate) {
			z_stream zs = { 0 };
			deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 9,
			    Z_DEFAULT_STRATEGY);
			zs.next_in = (Bytef *)(uintptr_t)f[i].data;
			zs.avail_in = (uInt)f[i].len;
			zs.next_out = c;
			zs.avail_out = (uInt)compressBound(f[i].len);
			deflate(&zs, Z_FINISH);
			clen = zs.total_out;
			deflateEnd(&zs);
		} else {
			memcpy(c, f[i].data, f[i].len);
			clen = f[i].len;
		}
		csize = clen;
		usize = f[i].lie_usize ? f[i].lie_usize : (uint32_t)f[i].len;
		off[i] = (uint32_t)z->len;
		for (int pass = 0; pass < 2; pass++) {
			struct str *b = pass == 0 ? z : &cd;
			put32(b, pass == 0 ? 0x04034b50 : 0x02014b50);
			if (pass == 1)
				put16(b, 20);
			put16(b, 20);
			put16(b, 0);
			put16(b, f[i].deflate ? 8 : 0);
			put32(b, 0);
			put32(b, crc);
			put32(b, (uint32_t)csize);
			put32(b, usize);
			put16(b, (unsigned)strlen(f[i].name));
			put16(b, 0);
			if (pass == 1) {
				put16(b, 0);
				put16(b, 0);
				put16(b, 0);
				put32(b, 0);
				put32(b, off[i]);
			}
			str_add(b, f[i].name);
			if (pass == 0)
				str_addn(b, (char *)c, csize);
		}
		free(c);
	}
	off[n] = (uint32_t)z->len;
	str_addn(z, cd.s, cd.len);
	put32(z, 0x06054b50);
	put16(z, 0);
	put16(z, 0);
	put16(z, (unsigned)n);
	put16(z, (unsigned)n);
	put32(z, (uint32_t)cd.len);
	put32(z, off[n]);
	put16(z, 0);
	str_free(&cd);
}

/* zip_seen - what the sink gets from a zip of n files */
static void
zip_seen(const struct zfile *f, size_t n, struct seen *s)
{
	struct str z;
	struct rimp_sink sink = { .doc = on_doc, .bad = on_bad, .arg = s };

	memset(s, 0, sizeof(*s));
	str_init(&z);
	zip_make(&z, f, n);
	rimp_payload("r.zip", (unsigned char *)z.s, z.len, &sink);
	str_free(&z);
}

static void
test_zip_good(void **state)
{
	const struct zfile f[] = {
		{ .name = "dir/", .data = "", .len = 0 },
		{ .name = "dir/a.xml",
		    .data = XML,
		    .len = strlen(XML),
		    .deflate = 1 },
		{ .name = "b.xml", .data = XML, .len = strlen(XML) },
	};
	struct seen s;

	(void)state;
	zip_seen(f, 3, &s);
	assert_int_equal(s.docs, 2);
	assert_int_equal(s.bads, 0);
	assert_string_equal(s.where, "r.zip:b.xml");
	assert_int_equal(s.len, strlen(XML));
}

/* zip_refused - one entry named name is refused with why */
static void
zip_refused(const struct zfile *f, size_t n, const char *why)
{
	struct seen s;

	zip_seen(f, n, &s);
	assert_int_equal(s.docs, 0);
	assert_int_equal(s.bads, 1);
	if (strstr(s.why, why) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", s.why, why);
}

static void
test_zip_bad(void **state)
{
	static const char *const names[] = { "../../etc/cron.d/x",
		"/etc/passwd", "a/../../b.xml", "..", "c:\\x.xml", "a\\..\\b" };
	struct zfile f[RIMP_MAX_ZIP_ENTRIES + 1];
	char *big = xcalloc(1, 10u << 20);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct zfile t[] = {
			{ .name = "ok.xml", .data = XML, .len = strlen(XML) },
			{ .name = names[i], .data = XML, .len = strlen(XML) },
		};
		zip_refused(t, 2, "absolute or leaves the archive (..)");
	}
	for (i = 0; i <= RIMP_MAX_ZIP_ENTRIES; i++)
		f[i] = (struct zfile){ .name = "a.xml",
			.data = XML,
			.len = strlen(XML) };
	zip_refused(f, RIMP_MAX_ZIP_ENTRIES + 1, "17 entries, over the limit");
	/* a zip bomb announcing its size, and one hiding it */
	f[0] = (struct zfile){ .name = "a.xml",
		.data = XML,
		.len = strlen(XML),
		.lie_usize = 0x80000000u };
	zip_refused(f, 1, "2147483648 bytes uncompressed, over the limit");
	f[0] = (struct zfile){ .name = "a.xml",
		.data = big,
		.len = 10u << 20,
		.deflate = 1,
		.lie_usize = 1000 };
	zip_refused(f, 1, "a.xml: inflates past its declared size");
	f[0] = (struct zfile){ .name = "a.xml",
		.data = XML,
		.len = strlen(XML),
		.deflate = 1,
		.bad_crc = 1 };
	zip_refused(f, 1, "a.xml: bad CRC");
	f[0] = (struct zfile){ .name = "dir/", .data = "", .len = 0 };
	zip_refused(f, 1, "zip holds no file");
	free(big);
}

/* ---- messages ------------------------------------------------------ */

static void
test_message(void **state)
{
	struct str g, m;
	char *b64;
	struct seen s = { 0 };
	struct rimp_sink sink = SINK(s);

	(void)state;
	str_init(&g);
	str_init(&m);
	gz_member(&g, XML, strlen(XML));
	b64 = b64_encode((unsigned char *)g.s, g.len);
	str_addf(&m,
	    "From: r@rep.example\r\nSubject: Report\r\nMIME-Version: "
	    "1.0\r\nContent-Type: multipart/mixed;\r\n\tboundary=\"=_"
	    "outer\"\r\n\r\npreamble\r\n--=_outer\r\nContent-Type: "
	    "multipart/alternative; boundary=inner\r\n\r\n--inner\r\n"
	    "Content-Type: text/plain\r\n\r\nhello\r\n--inner--\r\n"
	    "\r\n--=_outer\r\nContent-Type: application/gzip; name=\""
	    "rep.example!univ.example!1!2.xml.gz\"\r\nContent-Transfer"
	    "-Encoding: base64\r\n\r\n%.40s\r\n%s\r\n--=_outer\r\n"
	    "Content-Type: text/xml\r\nContent-Transfer-Encoding: "
	    "quoted-printable\r\n\r\n<feedback><report_metadata/></fe="
	    "\r\nedback>=3D\r\n--=_outer--\r\nepilogue\r\n",
	    b64, strlen(b64) > 40 ? b64 + 40 : "");
	assert_int_equal(rimp_message("msg 1", m.s, m.len, &sink), 2);
	assert_int_equal(s.docs, 2);
	assert_int_equal(s.bads, 0);
	assert_string_equal(s.where, "msg 1 part 5");
	assert_int_equal(s.len, strlen(XML) + 1);
	free(b64);
	str_free(&m);
	/* an octet-stream part with no telling name: its bytes decide */
	memset(&s, 0, sizeof(s));
	str_init(&m);
	b64 = b64_encode((unsigned char *)g.s, g.len);
	str_addf(&m,
	    "Subject: r\nContent-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: application/octet-stream; name=data\n"
	    "Content-Transfer-Encoding: base64\n\n%s\n--b\nContent-Type: "
	    "application/octet-stream\n\nnot compressed\n--b--\n",
	    b64);
	assert_int_equal(rimp_message("msg 3", m.s, m.len, &sink), 1);
	assert_int_equal(s.docs, 1);
	assert_string_equal(s.where, "msg 3 part 2 data");
	free(b64);
	str_free(&m);
	str_free(&g);
	memset(&s, 0, sizeof(s));
	assert_int_equal(rimp_message("msg 2", "Subject: hi\n\nno report\n", 24,
			     &sink),
	    0);
	assert_int_equal(s.bads, 1);
	assert_string_equal(s.why,
	    "no report attached (no .xml, .gz or .zip "
	    "part)");
}

static void
test_forwarded_and_mbox(void **state)
{
	static const char fwd[] =
	    "Subject: Fwd\nContent-Type: message/rfc822\n\nSubject: inner\n"
	    "Content-Type: application/octet-stream; name=r.xml\n\n" XML "\n";
	struct str box;
	struct seen s = { 0 };
	struct rimp_sink sink = SINK(s);

	(void)state;
	str_init(&box);
	str_addf(&box,
	    "From a@b Mon Jan  1 00:00:00 2026\n%s\n"
	    "From c@d Mon Jan  1 00:00:01 2026\n%s",
	    fwd, fwd);
	rimp_source_buf("box", box.s, box.len, &sink);
	assert_int_equal(s.docs, 2);
	assert_int_equal(s.bads, 0);
	assert_string_equal(s.where, "box message 2 part 2 r.xml");
	str_free(&box);
	memset(&s, 0, sizeof(s));
	rimp_source_buf("f", "\xef\xbb\xbf \n" XML, 5 + strlen(XML), &sink);
	assert_int_equal(s.docs, 1);
	rimp_source_buf("junk", "\x01\x02", 2, &sink);
	assert_int_equal(s.bads, 1);
}

/* put - write a file */
static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* big_mbox - an mbox: a message with a report, then one of 65 MiB */
static void
big_mbox(const char *path, const char *msg)
{
	static char line[1024];
	FILE *f = fopen(path, "w");
	size_t i;

	assert_non_null(f);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 2] = '\n';
	fprintf(f, "From a@b Mon Dec  1 00:00:00 2026\n%s\n\n", msg);
	fprintf(f, "From c@d Mon Dec  1 00:00:01 2026\nSubject: big\n\n");
	for (i = 0; i < (65u << 20) / (sizeof(line) - 1); i++)
		fputs(line, f);
	fclose(f);
}

static void
test_dirs(void **state)
{
	char tmp[] = "/tmp/test_rimp.XXXXXX", p[600], err[256];
	static const char msg[] = "Subject: r\nContent-Type: text/xml\n\n" XML;
	struct seen s = { 0 };
	struct rimp_sink sink = SINK(s);

	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(p, sizeof(p), "%s/cur", tmp);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/new", tmp);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/tmp", tmp);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/cur/1.host:2,S", tmp);
	put(p, msg);
	snprintf(p, sizeof(p), "%s/new/2.host", tmp);
	put(p, msg);
	snprintf(p, sizeof(p), "%s/tmp/3.host", tmp);
	put(p, "partial");
	assert_int_equal(rimp_source(tmp, &sink, err, sizeof(err)), 0);
	assert_int_equal(s.docs, 2);
	assert_int_equal(s.bads, 0);
	/* a plain directory: its files, not its subdirectories */
	snprintf(p, sizeof(p), "%s/new", tmp);
	memset(&s, 0, sizeof(s));
	snprintf(p, sizeof(p), "%s/tmp/4.xml", tmp);
	put(p, XML);
	snprintf(p, sizeof(p), "%s/tmp", tmp);
	assert_int_equal(rimp_source(p, &sink, err, sizeof(err)), 0);
	assert_int_equal(s.docs, 1);
	assert_int_equal(s.bads, 1); /* "partial": no report attached */
	/* an mbox over RIMP_MAX_INPUT is mapped, not read */
	snprintf(p, sizeof(p), "%s/big.mbox", tmp);
	big_mbox(p, msg);
	memset(&s, 0, sizeof(s));
	assert_int_equal(rimp_source(p, &sink, err, sizeof(err)), 0);
	assert_int_equal(s.docs, 1);
	assert_int_equal(s.bads, 1); /* the big message has no report */
	assert_non_null(strstr(s.where, "big.mbox message 2"));
	assert_int_equal(rimp_source("/nonexistent/x", &sink, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "/nonexistent/x: "));
	snprintf(p, sizeof(p), "rm -rf '%s'", tmp);
	assert_int_equal(system(p), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_zip_good),
		cmocka_unit_test(test_zip_bad),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_forwarded_and_mbox),
		cmocka_unit_test(test_dirs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
