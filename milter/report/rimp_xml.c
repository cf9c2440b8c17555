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

/* parse_fail - the reason libxml2 refused the document */
static int
parse_fail(struct rx *x, xmlParserCtxt *ctxt)
{
	const xmlError *e = xmlCtxtGetLastError(ctxt);
	char msg[200] = "not well-formed";
	size_t n;

	if (e != NULL && e->message != NULL) {
		snprintf(msg, sizeof(msg), "%s", e->message);
		n = strlen(msg);
		while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
			msg[--n] = '\0';
	}
	return rx_fail(x, "invalid XML (line %d): %s", e != NULL ? e->line : 0,
	    msg);
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
read_root(struct rx *x, xmlDoc *doc, xmlNode **root)
{
	*root = xmlDocGetRootElement(doc);
	if (*root == NULL)
		return rx_fail(x, "empty document");
	if (doc->intSubset != NULL || doc->extSubset != NULL)
		return rx_fail(x, "DTD (DOCTYPE) in a report: refused");
	x->ns = (*root)->ns != NULL ? (const char *)(*root)->ns->href : NULL;
	if (x->ns != NULL && strcmp(x->ns, NS_9990) != 0)
		return rx_fail(x, "unknown namespace \"%.100s\"", x->ns);
	if (!rx_is(x, *root, "feedback"))
		return rx_fail(x, "root element is <%.50s>, not <feedback>",
		    (const char *)(*root)->name);
	x->rep->format = x->ns != NULL ? RIMP_RFC9990 : RIMP_RFC7489;
	return 0;
}

/* read_doc - the parsed tree into x->rep */
static int
read_doc(struct rx *x, xmlDoc *doc)
{
	xmlNode *root, *c;

	if (read_root(x, doc, &root) < 0 || rx_metadata(x, root) < 0 ||
	    rx_policy(x, root) < 0)
		return -1;
	for (c = root->children; c != NULL; c = c->next) {
		if (!rx_is(x, c, "record"))
			continue;
		if (x->rep->nrows >= RIMP_MAX_ROWS)
			return rx_fail(x, "more than %d records",
			    RIMP_MAX_ROWS);
		x->recno = x->rep->nrows + 1;
		if (rx_record(x, c) < 0)
			return -1;
		x->recno = 0;
	}
	if (x->rep->nrows == 0)
		return rx_fail(x, "no <record>");
	return 0;
}

int
rimp_xml_parse(const void *buf, size_t len, int64_t now,
    struct rimp_report *rep, char *err, size_t errlen)
{
	struct rx x = { .rep = rep, .err = err, .errlen = errlen, .now = now };
	xmlParserCtxt *ctxt;
	xmlDoc *doc;
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
	if ((ctxt = xmlNewParserCtxt()) == NULL)
		return rx_fail(&x, "out of memory");
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
		XML_PARSE_IGNORE_ENC);
	if (doc == NULL)
		rc = parse_fail(&x, ctxt);
	else
		rc = read_doc(&x, doc);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	if (rc < 0)
		rimp_report_free(rep);
	return rc;
}
