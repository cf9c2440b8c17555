/*
 * rimp_xml.h - inside the report importer's XML reader: the walking
 * helpers of rimp_xml.c and the element readers of rimp_rec.c
 * (report_metadata, policy_published, record).  Not for other modules:
 * they call rimp_xml_parse (rimp.h).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RIMP_XML_H
#define HALLMARK_RIMP_XML_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "rimp.h"

/* the state of one parse */
struct rx {
	const char *ns; /* the root's namespace, or NULL */
	struct rimp_report *rep;
	size_t recno; /* record being read (1-based), 0 outside records */
	int64_t now;
	char *err;
	size_t errlen;
	char xml_err[200]; /* libxml2's first error, and its line */
	int xml_line;
};

int rx_fail(struct rx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int rx_is(const struct rx *x, const xmlNode *n, const char *name);
xmlNode *rx_child(const struct rx *x, const xmlNode *parent, const char *name);
int rx_text(struct rx *x, const xmlNode *n, const char *path, char **out);
int rx_get(struct rx *x, const xmlNode *parent, const char *name,
    const char *path, int required, char **out);

/* the parts of a report, given their element: 0, or -1 with the error
 * in x */
int rx_metadata(struct rx *x, const xmlNode *m);
int rx_policy(struct rx *x, const xmlNode *pp);
int rx_record(struct rx *x, const xmlNode *rec);

#endif
