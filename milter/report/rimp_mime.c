/*
 * rimp_mime.c - the messages of the report importer (rimp.h): an RFC 5322
 * message with MIME (RFC 2045/2046) is walked, multipart bodies split on
 * their boundary, message/rfc822 parts entered (forwarded reports), at
 * most RIMP_MAX_DEPTH levels and RIMP_MAX_PARTS parts.  A leaf is a
 * report candidate when its file name (Content-Disposition filename or
 * Content-Type name) ends in .xml, .gz or .zip, or its type is one of
 * application/gzip, application/x-gzip, application/zip,
 * application/x-zip-compressed, text/xml, application/xml, or an
 * application/octet-stream part whose bytes start as gzip or zip do
 * (reporters that name their files oddly).  Its body is
 * decoded (base64, quoted-printable; 7bit/8bit/binary as is) and handed
 * to rimp_payload, which looks at the bytes themselves.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "rimp.h"
#include "rimp_mime.h"
#include "str.h"

/* the walk over one message */
struct walk {
	const char *where;
	const struct rimp_sink *sink;
	int parts;  /* parts seen */
	int handed; /* candidates handed on */
};

static void walk_part(struct walk *w, const char *p, size_t len, int depth);

/* split_head - header block and body of an entity */
static void
split_head(const char *p, size_t len, struct mpart *m)
{
	size_t i;

	m->head = p;
	m->body = p + len;
	m->headlen = len;
	m->bodylen = 0;
	for (i = 0; i < len; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < len && p[i + 1] == '\n') {
			m->headlen = i + 1;
			m->body = p + i + 2;
			break;
		}
		if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n') {
			m->headlen = i + 1;
			m->body = p + i + 3;
			break;
		}
	}
	m->bodylen = (size_t)(p + len - m->body);
}

/* is_candidate - the part looks like a report by name or type */
static int
is_candidate(const char *type, const char *name)
{
	static const char *const types[] = { "application/gzip",
		"application/x-gzip", "application/zip",
		"application/x-zip-compressed", "text/xml", "application/xml",
		NULL };
	static const char *const exts[] = { ".xml", ".gz", ".zip", NULL };
	size_t i, n = name != NULL ? strlen(name) : 0, e;

	for (i = 0; types[i] != NULL; i++)
		if (str_casecmp(type, types[i]) == 0)
			return 1;
	for (i = 0; exts[i] != NULL && n > 0; i++) {
		e = strlen(exts[i]);
		if (n > e && str_casecmp(name + n - e, exts[i]) == 0)
			return 1;
	}
	return 0;
}

/* compressed - the bytes start as gzip or zip do */
static int
compressed(const unsigned char *p, size_t n)
{
	return (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) ||
	    (n >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4);
}

/* leaf - a non-multipart part: decode and hand on if it is a candidate
 * (by name or type; an application/octet-stream part by its first bytes,
 * gzip or zip) */
static void
leaf(struct walk *w, const struct mpart *m, const char *type, const char *name,
    const char *cte)
{
	unsigned char *data = NULL;
	size_t n = 0;
	int rc, sniff = str_casecmp(type, "application/octet-stream") == 0;
	char *where;

	if (!is_candidate(type, name) && !sniff)
		return;
	rc = mime_decode(m->body, m->bodylen, cte, &data, &n);
	if (!is_candidate(type, name) && (rc < 0 || !compressed(data, n))) {
		free(data);
		return;
	}
	where = xasprintf("%s part %d%s%s", w->where, w->parts,
	    name != NULL ? " " : "", name != NULL ? name : "");
	w->handed++;
	if (rc < 0)
		w->sink->bad(w->sink->arg, where, "bad base64 content");
	else
		rimp_payload(where, data, n, w->sink);
	free(data);
	free(where);
}

/* multipart - every body part between the boundary lines */
static void
multipart(struct walk *w, const struct mpart *m, const char *boundary,
    int depth)
{
	const char *start = NULL, *p = m->body, *end = m->body + m->bodylen;
	const char *eol, *pend;
	size_t blen = strlen(boundary);
	int close;

	while (p < end && w->parts < RIMP_MAX_PARTS) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol != NULL ? eol + 1 : end;
		if (mime_delim(p, (size_t)(eol - p), boundary, blen, &close)) {
			/* the line break before a delimiter is part of it */
			pend = p;
			if (start != NULL && pend > start && pend[-1] == '\n')
				pend--;
			if (start != NULL && pend > start && pend[-1] == '\r')
				pend--;
			if (start != NULL)
				walk_part(w, start, (size_t)(pend - start),
				    depth + 1);
			if (close)
				return;
			start = eol;
		}
		p = eol;
	}
}

/* walk_part - one entity: a multipart, an enclosed message or a leaf */
static void
walk_part(struct walk *w, const char *p, size_t len, int depth)
{
	struct mpart m;
	char *type, *boundary, *name, *cte;

	if (depth > RIMP_MAX_DEPTH || w->parts >= RIMP_MAX_PARTS)
		return;
	w->parts++;
	split_head(p, len, &m);
	mime_content_type(&m, &type, &boundary, &name);
	cte = mime_header(&m, "Content-Transfer-Encoding");
	if (str_ncasecmp(type, "multipart/", 10) == 0 && boundary != NULL)
		multipart(w, &m, boundary, depth);
	else if (str_casecmp(type, "message/rfc822") == 0)
		walk_part(w, m.body, m.bodylen, depth + 1);
	else
		leaf(w, &m, type, name, cte);
	free(type);
	free(boundary);
	free(name);
	free(cte);
}

int
rimp_message(const char *where, const char *msg, size_t len,
    const struct rimp_sink *sink)
{
	struct walk w = { .where = where, .sink = sink };

	walk_part(&w, msg, len, 0);
	if (w.handed == 0)
		sink->bad(sink->arg, where,
		    "no report attached (no .xml, .gz or .zip part)");
	return w.handed;
}
