/*
 * rimp_xml.c - the XML reader of the report importer (rimp.h): one DMARC
 * aggregate report, RFC 7489 (no namespace) or RFC 9990 (namespace
 * urn:ietf:params:xml:ns:dmarc-2.0, default or prefixed), into struct
 * rimp_report.
 *
 * libxml2 is given no way out of the document: XML_PARSE_NONET, no
 * XML_PARSE_NOENT (entities are not substituted), no DTD loading or
 * attribute defaults, no XML_PARSE_HUGE; the text is read as UTF-8
 * whatever it declares (XML_PARSE_IGNORE_ENC: no UTF-7 or UTF-16 spelling
 * of a DOCTYPE can slip past the check below; a NUL byte is refused
 * outright).  A document holding a DOCTYPE
 * is refused before parsing (reports have none; this is where entity
 * bombs and external entities live), and an entity reference left in
 * the tree is refused when a value is read.
 *
 * The document is read with libxml2's reader, one child of the root
 * (report_metadata, policy_published, a record) expanded at a time, so
 * memory follows the largest record, not the document.
 *
 * Elements are matched by local name within the root's namespace;
 * unknown elements (vendor extensions) are skipped.  Every record is
 * checked (rimp_val.h) and the first bad one refuses the whole report,
 * the message naming the record and element.  RFC 7489 override reasons
 * forwarded / sampled_out become trusted_forwarder / policy_test_mode,
 * the original name kept at the head of the comment.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include "rimp.h"
#include "rimp_val.h"
#include "rimp_xml.h"
#include "str.h"

#define NS_9990 "urn:ietf:params:xml:ns:dmarc-2.0"
#define MAX_VALUE 1024 /* bytes of one element's text */

/* rx_fail - the error, prefixed with the record number inside records */
int
rx_fail(struct rx *x, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (x->recno > 0)
		return str_seterr(x->err, x->errlen, "record %zu: %s", x->recno,
		    msg);
	return str_seterr(x->err, x->errlen, "%s", msg);
}

/* rx_is - n is the element name in the report's namespace */
int
rx_is(const struct rx *x, const xmlNode *n, const char *name)
{
	const char *ns;

	if (n->type != XML_ELEMENT_NODE ||
	    strcmp((const char *)n->name, name) != 0)
		return 0;
	ns = n->ns != NULL ? (const char *)n->ns->href : NULL;
	if (x->ns == NULL || ns == NULL)
		return x->ns == ns;
	return strcmp(x->ns, ns) == 0;
}

/* rx_child - the first child element called name, or NULL */
xmlNode *
rx_child(const struct rx *x, const xmlNode *parent, const char *name)
{
	xmlNode *c;

	for (c = parent->children; c != NULL; c = c->next)
		if (rx_is(x, c, name))
			return c;
	return NULL;
}

/* rx_text - the text of n, trimmed, allocated into *out; 0 or -1 */
int
rx_text(struct rx *x, const xmlNode *n, const char *path, char **out)
{
	struct str b;
	xmlNode *c;

	str_init(&b);
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_ENTITY_REF_NODE) {
			str_free(&b);
			return rx_fail(x, "%s: entity reference refused", path);
		}
		if ((c->type == XML_TEXT_NODE ||
			c->type == XML_CDATA_SECTION_NODE) &&
		    c->content != NULL)
			str_add(&b, (const char *)c->content);
		if (b.len > MAX_VALUE) {
			str_free(&b);
			return rx_fail(x, "%s: longer than %d bytes", path,
			    MAX_VALUE);
		}
	}
	*out = xstrdup(str_strip(b.s));
	str_free(&b);
	return 0;
}

/* rx_get - the text of parent's child name into *out (NULL when absent
 * and not required); 0 or -1 */
int
rx_get(struct rx *x, const xmlNode *parent, const char *name, const char *path,
    int required, char **out)
{
	xmlNode *c = rx_child(x, parent, name);

	*out = NULL;
	if (c == NULL) {
		if (required)
			return rx_fail(x, "%s: missing", path);
		return 0;
	}
	if (rx_text(x, c, path, out) < 0)
		return -1;
	if (required && **out == '\0') {
		free(*out);
		*out = NULL;
		return rx_fail(x, "%s: empty", path);
	}
	return 0;
}

/* on_error - keep libxml2's first error (reader error handler) */
static void
on_error(void *arg, xmlErrorPtr e)
{
	struct rx *x = arg;
	size_t n;

	if (x->xml_err[0] != '\0' || e == NULL)
		return;
	snprintf(x->xml_err, sizeof(x->xml_err), "%s",
	    e->message != NULL ? e->message : "not well-formed");
	n = strlen(x->xml_err);
	while (n > 0 && (x->xml_err[n - 1] == '\n' || x->xml_err[n - 1] == ' '))
		x->xml_err[--n] = '\0';
	x->xml_line = e->line;
}

/* parse_fail - the reason libxml2 refused the document */
static int
parse_fail(struct rx *x)
{
	return rx_fail(x, "invalid XML (line %d): %s", x->xml_line,
	    x->xml_err[0] != '\0' ? x->xml_err : "not well-formed");
}

/* has_doctype - the bytes hold a document type declaration */
static int
has_doctype(const char *p, size_t len)
{
	static const char key[] = "<!DOCTYPE";
	const char *q = p, *end = p + len;

	while ((q = memchr(q, '<', (size_t)(end - q))) != NULL) {
		if ((size_t)(end - q) >= sizeof(key) - 1 &&
		    str_ncasecmp(q, key, sizeof(key) - 1) == 0)
			return 1;
		q++;
	}
	return 0;
}

/* read_root - the namespace and format from the root element */
static int
read_root(struct rx *x, xmlTextReaderPtr rd)
{
	const xmlNode *root = xmlTextReaderCurrentNode(rd);

	if (root == NULL)
		return rx_fail(x, "empty document");
	x->ns = root->ns != NULL ? (const char *)root->ns->href : NULL;
	if (x->ns != NULL && strcmp(x->ns, NS_9990) != 0)
		return rx_fail(x, "unknown namespace \"%.100s\"", x->ns);
	if (!rx_is(x, root, "feedback"))
		return rx_fail(x, "root element is <%.50s>, not <feedback>",
		    (const char *)root->name);
	x->rep->format = x->ns != NULL ? RIMP_RFC9990 : RIMP_RFC7489;
	return 0;
}

/* one_part - a child of the root, expanded: metadata, policy, record */
static int
one_part(struct rx *x, const xmlNode *n, int *meta, int *policy)
{
	if (rx_is(x, n, "report_metadata") && !*meta) {
		*meta = 1;
		return rx_metadata(x, n);
	}
	if (rx_is(x, n, "policy_published") && !*policy) {
		*policy = 1;
		return rx_policy(x, n);
	}
	if (!rx_is(x, n, "record"))
		return 0;
	if (x->rep->nrows >= RIMP_MAX_ROWS)
		return rx_fail(x, "more than %d records", RIMP_MAX_ROWS);
	x->recno = x->rep->nrows + 1;
	if (rx_record(x, n) < 0)
		return -1;
	x->recno = 0;
	return 0;
}

/* read_parts - each child of the root, one subtree in memory at a time */
static int
read_parts(struct rx *x, xmlTextReaderPtr rd)
{
	int rc = 1, meta = 0, policy = 0;
	const xmlNode *n;

	if (!xmlTextReaderIsEmptyElement(rd))
		rc = xmlTextReaderRead(rd);
	while (rc == 1 && xmlTextReaderDepth(rd) > 0) {
		if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT) {
			rc = xmlTextReaderRead(rd);
			continue;
		}
		if ((n = xmlTextReaderExpand(rd)) == NULL)
			return parse_fail(x);
		if (one_part(x, n, &meta, &policy) < 0)
			return -1;
		rc = xmlTextReaderNext(rd);
	}
	while (rc == 1)
		rc = xmlTextReaderRead(rd);
	if (rc < 0)
		return parse_fail(x);
	if (!meta)
		return rx_fail(x, "report_metadata: missing");
	if (!policy)
		return rx_fail(x, "policy_published: missing");
	if (x->rep->nrows == 0)
		return rx_fail(x, "no <record>");
	return 0;
}

/* read_doc - the document through a reader into x->rep */
static int
read_doc(struct rx *x, xmlTextReaderPtr rd)
{
	int rc;

	xmlTextReaderSetStructuredErrorHandler(rd, on_error, x);
	/* not xmlTextReaderCurrentDoc: it would keep every node read */
	while ((rc = xmlTextReaderRead(rd)) == 1 &&
	    xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT)
		if (xmlTextReaderNodeType(rd) == XML_READER_TYPE_DOCUMENT_TYPE)
			return rx_fail(x, "DTD (DOCTYPE) in a report: refused");
	if (rc < 0 || (rc == 0 && x->xml_err[0] != '\0'))
		return parse_fail(x);
	if (rc == 0)
		return rx_fail(x, "invalid XML (line 1): no root element");
	if (read_root(x, rd) < 0)
		return -1;
	return read_parts(x, rd);
}

int
rimp_xml_parse(const void *buf, size_t len, int64_t now,
    struct rimp_report *rep, char *err, size_t errlen)
{
	struct rx x = { .rep = rep, .err = err, .errlen = errlen, .now = now };
	xmlTextReaderPtr rd;
	int rc;

	memset(rep, 0, sizeof(*rep));
	if (len > RIMP_MAX_DOC || len > INT32_MAX)
		return rx_fail(&x, "XML document over the size limit");
	if (memchr(buf, '\0', len) != NULL)
		return rx_fail(&x,
		    "NUL byte in the document (reports are "
		    "UTF-8): refused");
	if (has_doctype(buf, len))
		return rx_fail(&x,
		    "DTD (<!DOCTYPE) in a report: refused "
		    "(entity declarations are never read)");
	rd = xmlReaderForMemory(buf, (int)len, NULL, "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
		XML_PARSE_IGNORE_ENC | XML_PARSE_NOBLANKS);
	if (rd == NULL)
		return rx_fail(&x, "out of memory");
	rc = read_doc(&x, rd);
	xmlFreeTextReader(rd);
	if (rc < 0)
		rimp_report_free(rep);
	return rc;
}
