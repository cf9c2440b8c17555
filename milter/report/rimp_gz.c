/*
 * rimp_gz.c - gzip for the report importer (rimp.h): inflate with an
 * output cap.  A gzip bomb (a few MB that inflate to gigabytes) stops as
 * soon as the output passes the cap: the buffer grows by doubling and
 * never beyond cap + 1 bytes, so it costs at most the cap in memory and
 * the time of inflating that much.  Concatenated members (RFC 1952 2.2)
 * are read in turn; bytes after the last member that are not a member
 * are an error.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "rimp.h"
#include "str.h"

#define GZ_FIRST 65536

/* grow - make room for more output in *buf (size *cap_now, <= limit) */
static int
grow(unsigned char **buf, size_t *cap_now, size_t limit)
{
	size_t n = *cap_now * 2;

	if (*cap_now >= limit)
		return -1;
	if (n > limit)
		n = limit;
	*buf = xrealloc(*buf, n);
	*cap_now = n;
	return 0;
}

/* inflate_all - run z over its input into *buf (*have bytes so far; the
 * zlib counters restart with each member); 0, or -1 with err */
static int
inflate_all(z_stream *z, unsigned char **buf, size_t *size, size_t *have,
    size_t cap, char *err, size_t errlen)
{
	int rc;

	for (;;) {
		if (*have == *size && grow(buf, size, cap + 1) < 0)
			break;
		z->next_out = *buf + *have;
		z->avail_out = (uInt)(*size - *have);
		rc = inflate(z, Z_NO_FLUSH);
		*have = (size_t)(z->next_out - *buf);
		if (*have > cap)
			break;
		if (rc == Z_STREAM_END) {
			if (z->avail_in == 0)
				return 0;
			if (z->next_in[0] != 0x1f)
				return str_seterr(err, errlen,
				    "gzip: data after the end of the stream");
			if (inflateReset(z) != Z_OK)
				return str_seterr(err, errlen, "gzip: reset");
			continue;
		}
		if (rc == Z_BUF_ERROR && z->avail_in == 0)
			return str_seterr(err, errlen,
			    "gzip: truncated stream");
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			return str_seterr(err, errlen, "gzip: %s",
			    z->msg != NULL ? z->msg : "corrupt stream");
	}
	return str_seterr(err, errlen,
	    "gzip: inflates to more than %zu bytes (limit): refused", cap);
}

int
rimp_gunzip(const unsigned char *in, size_t len, size_t cap,
    unsigned char **out, size_t *outlen, char *err, size_t errlen)
{
	z_stream z;
	unsigned char *buf;
	size_t size = GZ_FIRST < cap + 1 ? GZ_FIRST : cap + 1, have = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (len > UINT32_MAX)
		return str_seterr(err, errlen, "gzip: input too large");
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return str_seterr(err, errlen, "gzip: cannot initialise zlib");
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	buf = xmalloc(size);
	rc = inflate_all(&z, &buf, &size, &have, cap, err, errlen);
	if (rc == 0) {
		*outlen = have;
		buf = xrealloc(buf, *outlen + 1);
		buf[*outlen] = '\0';
		*out = buf;
	} else {
		free(buf);
	}
	inflateEnd(&z);
	return rc;
}
