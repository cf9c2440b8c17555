/*
 * rimp_mime.h - MIME pieces of the report importer's message walker
 * (rimp_mime.c), in rimp_mhdr.c: header lookup with unfolding, the
 * Content-Type and file name parameters, boundary lines, and the
 * transfer decodings.  Lenient as mail readers must be: what cannot be
 * parsed is treated as absent, never as an error of the whole message.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RIMP_MIME_H
#define HALLMARK_RIMP_MIME_H

#include <stddef.h>

/* one entity: its header block and body */
struct mpart {
	const char *head;
	size_t headlen;
	const char *body;
	size_t bodylen;
};

/* mime_header - the unfolded value of the first field called name, or
 * NULL; allocated */
char *mime_header(const struct mpart *m, const char *name);

/*
 * mime_content_type - *type: the media type lowercased ("text/plain" when
 * absent), *boundary and *name (Content-Disposition filename, else the
 * Content-Type name parameter): allocated, NULL when absent.
 */
void mime_content_type(const struct mpart *m, char **type, char **boundary,
    char **name);

/* mime_delim - the line [p, p+n) is "--boundary" (close: followed by
 * "--"), trailing white space allowed: 1 or 0 */
int mime_delim(const char *p, size_t n, const char *b, size_t blen, int *close);

/* mime_decode - body in Content-Transfer-Encoding cte (NULL: 7bit) into
 * *out (allocated) / *outlen; -1 for base64 that does not decode */
int mime_decode(const char *p, size_t n, const char *cte, unsigned char **out,
    size_t *outlen);

#endif
