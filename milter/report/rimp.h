/*
 * rimp.h - reading the DMARC aggregate reports other receivers send us
 * (`hallmark report import`): containers, the XML reader, the store.
 *
 * Layers, each in its own file:
 *
 *   rimp_src.c   what the admin names: a file, a directory, a Maildir
 *                (cur/, new/), an mbox (From_ lines), standard input.
 *                Every message or bare file becomes one rimp_payload or
 *                rimp_message call.
 *   rimp_mime.c  an RFC 5322 message: walks multipart bodies, decodes
 *                base64 / quoted-printable, keeps the parts that look
 *                like reports (.xml, .gz, .zip names or the gzip, zip,
 *                xml media types).
 *   rimp_unpack.c  one attachment or file: XML, gzip (rimp_gz.c) or zip
 *                (rimp_zip.c), told apart by their magic bytes.
 *   rimp_xml.c   the XML reader (libxml2: no network, no DTD, no entity
 *                substitution; a document with a DTD is refused) into
 *                struct rimp_report; rimp_val.c validates values.
 *   rimp_db.c    the store (rdb.h): tables imp_report / imp_row.
 *
 * Limits (every one gives a clear error, never an allocation beyond it):
 * RIMP_MAX_DOC bytes of XML after decompression, RIMP_MAX_INPUT bytes of
 * one message or file read from a stream, RIMP_MAX_ZIP_ENTRIES entries
 * in a zip, RIMP_MAX_PARTS MIME parts and RIMP_MAX_DEPTH nesting in a
 * message, RIMP_MAX_ROWS records in one report.
 *
 * Errors: messages name the element or the container and why ("record
 * 3: row/count: 4294967296 is not below 2^31").  No function logs.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RIMP_H
#define HALLMARK_RIMP_H

#include <stddef.h>
#include <stdint.h>

#include "rrow.h"

#define RIMP_MAX_DOC (64u << 20)   /* XML bytes after decompression */
#define RIMP_MAX_INPUT (64u << 20) /* one message or file from a pipe */
#define RIMP_MAX_ZIP_ENTRIES 16
#define RIMP_MAX_PARTS 64
#define RIMP_MAX_DEPTH 8
#define RIMP_MAX_ROWS 1000000
#define RIMP_MAX_SPAN (31 * 86400) /* date_range end - begin */

enum rimp_format { RIMP_RFC7489 = 0, RIMP_RFC9990 };

/* one report as read */
struct rimp_report {
	enum rimp_format format; /* RFC 9990: the dmarc-2.0 namespace */
	char *org_name;
	char *email;
	char *report_id;
	int64_t begin, end; /* date_range, seconds since the epoch */
	struct rpolicy policy;
	uint64_t pct; /* RFC 7489 pct, 100 when absent */
	struct rrow *rows;
	size_t nrows;
};

/* rimp_report_free - release everything; zero the struct */
void rimp_report_free(struct rimp_report *r);

/*
 * rimp_xml_parse - read one report document (buf, len) into *rep (zeroed
 * first).  0; or -1 with err naming the element, and *rep empty: a report
 * with one invalid record is refused whole.  now: the current time (dates
 * more than a day ahead of it are refused).
 */
int rimp_xml_parse(const void *buf, size_t len, int64_t now,
    struct rimp_report *rep, char *err, size_t errlen);

/*
 * rimp_reporter - who sent the report, the first half of its identity
 * (report ids are unique per reporter): the domain of the report's email,
 * lowercased; the org_name, lowercased, when the email has no '@'.
 * Allocated.
 */
char *rimp_reporter(const struct rimp_report *r);

/* what the container layers hand over */
struct rimp_sink {
	/* a document that may be a report: where ("msg 3 part 2
	 * report.xml.gz"), its XML bytes (decompressed) */
	void (*doc)(void *arg, const char *where, const unsigned char *xml,
	    size_t len);
	/* a message or attachment that could not be read, and why */
	void (*bad)(void *arg, const char *where, const char *why);
	void *arg;
};

/*
 * rimp_gunzip - inflate a gzip stream (members concatenated allowed) into
 * *out (allocated, NUL-terminated, *outlen bytes): stops with an error as
 * soon as the output would pass cap, allocating at most cap + 1 bytes.
 * 0, or -1 with err.
 */
int rimp_gunzip(const unsigned char *in, size_t len, size_t cap,
    unsigned char **out, size_t *outlen, char *err, size_t errlen);

/* rimp_zip_fn - one member of a zip: its name and bytes */
typedef void (*rimp_zip_fn)(void *arg, const char *name,
    const unsigned char *data, size_t len);
/*
 * rimp_unzip - every file of a zip archive (central directory; stored or
 * deflate; no encryption, no zip64) to fn, each at most cap bytes.  The
 * archive is refused whole, before fn is called, when it has more than
 * RIMP_MAX_ZIP_ENTRIES entries or a name that is absolute or holds a
 * ".." component; an entry that inflates past cap stops with an error.
 * The number of files handed to fn (directories are skipped), or -1 with
 * err.
 */
int rimp_unzip(const unsigned char *in, size_t len, size_t cap, rimp_zip_fn fn,
    void *arg, char *err, size_t errlen);

/*
 * rimp_payload - one file or attachment (where: its name for messages):
 * gzip, zip or XML by its first bytes, decompressed and handed to
 * sink->doc, or sink->bad with the reason.
 */
void rimp_payload(const char *where, const unsigned char *data, size_t len,
    const struct rimp_sink *sink);

/*
 * rimp_message - an RFC 5322 message: each report-like part to
 * rimp_payload; sink->bad once when the message holds none.  Returns the
 * number of parts handed on.
 */
int rimp_message(const char *where, const char *msg, size_t len,
    const struct rimp_sink *sink);

/*
 * rimp_source - what the admin named: "-" (standard input: one message,
 * or a bare report file), a file (an mbox when it starts with "From ",
 * else a message or a bare report), a Maildir (a directory with cur/ and
 * new/) or any other directory (each regular file in it, sorted by name).
 * 0, or -1 with err when the path cannot be read at all (an unreadable
 * member of a directory goes to sink->bad).
 */
int rimp_source(const char *path, const struct rimp_sink *sink, char *err,
    size_t errlen);

/* rimp_source_buf - classify and read one in-memory file (as rimp_source
 * does with a file's contents) */
void rimp_source_buf(const char *where, const char *buf, size_t len,
    const struct rimp_sink *sink);

#endif
