/*
 * rimp_zip.c - the zip reader of the report importer (rimp.h).
 *
 * Why not libarchive: reporters send one XML file, stored or deflated,
 * in a plain zip (PKWARE APPNOTE 6.3: central directory, no zip64, no
 * encryption).  Reading that takes the central directory, one local
 * header per entry and zlib's raw inflate; libarchive would add a
 * dependency and, behind the same call, a dozen formats and compressors
 * hallmark would never want to parse from mail.  Here every limit is
 * ours and visible: the entry count, the names, each entry's declared
 * size against the cap before anything is allocated, the inflated size
 * against the declared one (a lying header cannot make it allocate
 * more), the CRC.  tests/fuzz/fuzz_rimport.c fuzzes it.
 *
 * The archive's structure is checked whole (count, names, methods,
 * sizes, bounds) before the first entry is handed on, so a malformed or
 * hostile archive gives nothing; an entry whose compressed data turns
 * out corrupt stops the reading there.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "rimp.h"
#include "str.h"

#define EOCD_SIG 0x06054b50u
#define CDIR_SIG 0x02014b50u
#define LOCAL_SIG 0x04034b50u
#define EOCD_LEN 22
#define CDIR_LEN 46
#define LOCAL_LEN 30

/* one entry as the central directory describes it */
struct zent {
	char name[256];
	unsigned method;
	uint32_t crc, csize, usize, off;
	int is_dir;
};

static unsigned
get16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* find_eocd - offset of the end of central directory record, or -1 */
static long
find_eocd(const unsigned char *in, size_t len)
{
	size_t i, low;

	if (len < EOCD_LEN)
		return -1;
	low = len - EOCD_LEN > 65535 ? len - EOCD_LEN - 65535 : 0;
	for (i = len - EOCD_LEN + 1; i-- > low;)
		if (get32(in + i) == EOCD_SIG &&
		    i + EOCD_LEN + get16(in + i + 20) == len)
			return (long)i;
	return -1;
}

/* name_ok - a relative name without ".." components, NUL or backslash */
static int
name_ok(const char *n, size_t len)
{
	size_t i, start = 0;

	if (len == 0 || n[0] == '/' || memchr(n, '\0', len) != NULL ||
	    memchr(n, '\\', len) != NULL || (len > 1 && n[1] == ':'))
		return 0;
	for (i = 0; i <= len; i++) {
		if (i < len && n[i] != '/')
			continue;
		if (i - start == 2 && n[start] == '.' && n[start + 1] == '.')
			return 0;
		start = i + 1;
	}
	return 1;
}

/* read_cent - the central entry at *pos into e; 0 or -1 with err */
static int
read_cent(const unsigned char *in, size_t end, size_t *pos, size_t cap,
    struct zent *e, char *err, size_t errlen)
{
	const unsigned char *p = in + *pos;
	size_t nlen;

	if (end - *pos < CDIR_LEN || get32(p) != CDIR_SIG)
		return str_seterr(err, errlen, "zip: bad central directory");
	nlen = get16(p + 28);
	if (end - *pos - CDIR_LEN < nlen + get16(p + 30) + get16(p + 32))
		return str_seterr(err, errlen, "zip: bad central directory");
	if (nlen >= sizeof(e->name) || !name_ok((const char *)p + 46, nlen))
		return str_seterr(err, errlen,
		    "zip: entry name \"%.*s\" is "
		    "absolute or leaves the archive (..): refused",
		    (int)(nlen < 200 ? nlen : 200), (const char *)p + 46);
	memcpy(e->name, p + 46, nlen);
	e->name[nlen] = '\0';
	e->is_dir = e->name[nlen - 1] == '/';
	e->method = get16(p + 10);
	e->crc = get32(p + 16);
	e->csize = get32(p + 20);
	e->usize = get32(p + 24);
	e->off = get32(p + 42);
	*pos += CDIR_LEN + nlen + get16(p + 30) + get16(p + 32);
	if (get16(p + 8) & 1u)
		return str_seterr(err, errlen, "zip: %s: encrypted", e->name);
	if (e->method != 0 && e->method != 8)
		return str_seterr(err, errlen,
		    "zip: %s: compression method "
		    "%u (only stored and deflate)",
		    e->name, e->method);
	if (e->csize == UINT32_MAX || e->usize == UINT32_MAX)
		return str_seterr(err, errlen, "zip: %s: zip64", e->name);
	if (e->usize > cap)
		return str_seterr(err, errlen,
		    "zip: %s: %lu bytes "
		    "uncompressed, over the limit of %zu: refused",
		    e->name, (unsigned long)e->usize, cap);
	return 0;
}

/* data_at - where e's bytes are (after its local header); 0 or -1 */
static int
data_at(const unsigned char *in, size_t len, const struct zent *e,
    size_t *start, char *err, size_t errlen)
{
	const unsigned char *p = in + e->off;
	size_t hdr;

	if (e->off > len || len - e->off < LOCAL_LEN || get32(p) != LOCAL_SIG)
		return str_seterr(err, errlen, "zip: %s: bad local header",
		    e->name);
	hdr = LOCAL_LEN + (size_t)get16(p + 26) + get16(p + 28);
	if (len - e->off < hdr || len - e->off - hdr < e->csize)
		return str_seterr(err, errlen, "zip: %s: truncated", e->name);
	*start = e->off + hdr;
	return 0;
}

/* inflate_ent - e's data into out (e->usize + 1 bytes); 0 or -1 */
static int
inflate_ent(const unsigned char *src, const struct zent *e, unsigned char *out,
    char *err, size_t errlen)
{
	z_stream z;
	int rc;

	if (e->method == 0) {
		if (e->csize != e->usize)
			return str_seterr(err, errlen, "zip: %s: sizes differ",
			    e->name);
		memcpy(out, src, e->usize);
		return 0;
	}
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
		return str_seterr(err, errlen, "zip: cannot initialise zlib");
	z.next_in = (Bytef *)(uintptr_t)src;
	z.avail_in = e->csize;
	z.next_out = out;
	z.avail_out = e->usize + 1;
	rc = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	if (rc != Z_STREAM_END || z.total_out != e->usize)
		return str_seterr(err, errlen, "zip: %s: %s", e->name,
		    z.total_out > e->usize ? "inflates past its declared size" :
					     "corrupt deflate data");
	return 0;
}

/* read_dir - the central directory into ents (*n); 0 or -1 */
static int
read_dir(const unsigned char *in, size_t len, size_t cap, struct zent *ents,
    size_t *n, char *err, size_t errlen)
{
	long eocd = find_eocd(in, len);
	size_t pos, end, i, count;

	if (eocd < 0)
		return str_seterr(err, errlen,
		    "zip: no end of central "
		    "directory (not a zip, or truncated)");
	count = get16(in + eocd + 10);
	pos = get32(in + eocd + 16);
	end = pos + get32(in + eocd + 12);
	if (count > RIMP_MAX_ZIP_ENTRIES)
		return str_seterr(err, errlen,
		    "zip: %zu entries, over the "
		    "limit of %d: refused",
		    count, RIMP_MAX_ZIP_ENTRIES);
	if (end > (size_t)eocd || pos > end)
		return str_seterr(err, errlen,
		    "zip: central directory out "
		    "of bounds");
	for (i = 0; i < count; i++)
		if (read_cent(in, end, &pos, cap, &ents[i], err, errlen) < 0)
			return -1;
	*n = count;
	return 0;
}

int
rimp_unzip(const unsigned char *in, size_t len, size_t cap, rimp_zip_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct zent ents[RIMP_MAX_ZIP_ENTRIES];
	size_t n = 0, i, start[RIMP_MAX_ZIP_ENTRIES];
	int files = 0;
	unsigned char *out;

	if (read_dir(in, len, cap, ents, &n, err, errlen) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (data_at(in, len, &ents[i], &start[i], err, errlen) < 0)
			return -1;
	for (i = 0; i < n; i++) {
		if (ents[i].is_dir)
			continue;
		out = xmalloc((size_t)ents[i].usize + 1);
		if (inflate_ent(in + start[i], &ents[i], out, err, errlen) <
		    0) {
			free(out);
			return -1;
		}
		if (crc32(0, out, ents[i].usize) != ents[i].crc) {
			free(out);
			return str_seterr(err, errlen, "zip: %s: bad CRC",
			    ents[i].name);
		}
		out[ents[i].usize] = '\0';
		fn(arg, ents[i].name, out, ents[i].usize);
		free(out);
		files++;
	}
	return files;
}
