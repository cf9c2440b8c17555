/*
 * rimp_unpack.c - one attachment or file of the report importer (rimp.h):
 * told apart by its first bytes (gzip 1f 8b, zip "PK\3\4" / "PK\5\6",
 * XML '<' after an optional byte order mark and white space), never by
 * its name, which the sender chose.  Decompressed documents go to
 * sink->doc, anything else to sink->bad with the reason.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "rimp.h"
#include "str.h"

/* an open zip: where it came from, where its entries go */
struct zctx {
	const char *where;
	const struct rimp_sink *sink;
};

/* looks_xml - the bytes start like an XML document */
static int
looks_xml(const unsigned char *p, size_t len)
{
	size_t i = 0;

	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < len &&
	    (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < len && p[i] == '<';
}

/* zip_entry - one member of a zip, as a document of its own */
static void
zip_entry(void *arg, const char *name, const unsigned char *data, size_t len)
{
	struct zctx *z = arg;
	char *where = xasprintf("%s:%s", z->where, name);

	if (looks_xml(data, len))
		z->sink->doc(z->sink->arg, where, data, len);
	else
		z->sink->bad(z->sink->arg, where, "zip member is not XML");
	free(where);
}

/* unpack_gzip - a gzip file: its one document */
static void
unpack_gzip(const char *where, const unsigned char *data, size_t len,
    const struct rimp_sink *sink)
{
	unsigned char *xml;
	size_t n;
	char err[256];

	if (rimp_gunzip(data, len, RIMP_MAX_DOC, &xml, &n, err, sizeof(err)) <
	    0) {
		sink->bad(sink->arg, where, err);
		return;
	}
	if (looks_xml(xml, n))
		sink->doc(sink->arg, where, xml, n);
	else
		sink->bad(sink->arg, where, "gzip content is not XML");
	free(xml);
}

void
rimp_payload(const char *where, const unsigned char *data, size_t len,
    const struct rimp_sink *sink)
{
	struct zctx z = { .where = where, .sink = sink };
	char err[256];
	int n;

	if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
		unpack_gzip(where, data, len, sink);
	} else if (len >= 4 && memcmp(data, "PK", 2) == 0 &&
	    ((data[2] == 3 && data[3] == 4) ||
		(data[2] == 5 && data[3] == 6))) {
		n = rimp_unzip(data, len, RIMP_MAX_DOC, zip_entry, &z, err,
		    sizeof(err));
		if (n < 0)
			sink->bad(sink->arg, where, err);
		else if (n == 0)
			sink->bad(sink->arg, where, "zip holds no file");
	} else if (looks_xml(data, len)) {
		if (len > RIMP_MAX_DOC)
			sink->bad(sink->arg, where,
			    "XML document over the "
			    "size limit: refused");
		else
			sink->doc(sink->arg, where, data, len);
	} else {
		sink->bad(sink->arg, where, "neither XML, gzip nor zip");
	}
}
