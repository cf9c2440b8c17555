/*
 * rxml_fixture.c - the shared fixtures of the report builder's unit
 * tests (rxml_fixture.h).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "rxml_fixture.h"

const struct rxml_meta meta = {
	.org_name = "Receiver Org",
	.email = "dmarc@receiver.example",
	.extra_contact_info = "https://receiver.example/dmarc",
	.generator = "hallmark 0.1.0",
	.begin = 1764633600,
	.end = 1764719999,
	.receiver = "mx.receiver.example",
	.error = "none at all",
};


void
policy(struct rpolicy *p, enum rr_pol pol)
{
	memset(p, 0, sizeof(*p));
	p->domain = xstrdup("univ.example");
	p->p = pol;
	p->sp = RR_POL_UNSET;
	p->np = RR_POL_UNSET;
	p->adkim = 'r';
	p->aspf = 's';
}

/* row - a DMARC failure from 192.0.2.1, disposition d */
void
row(struct rrow *r, const char *from, enum rr_disp d, uint64_t count)
{
	memset(r, 0, sizeof(*r));
	r->source_ip = xstrdup("192.0.2.1");
	r->header_from = xstrdup(from);
	r->envelope_from = xstrdup("bounce.example");
	r->disposition = d;
	r->count = count;
	r->has_spf = 1;
	r->spf_domain = xstrdup("bounce.example");
	r->spf_result = RES_SPF_PASS;
}

void
add_dkim(struct rrow *r, const char *d, const char *s, enum res_dkim res)
{
	r->dkim = xrealloc(r->dkim, (r->ndkim + 1) * sizeof(*r->dkim));
	r->dkim[r->ndkim].domain = xstrdup(d);
	r->dkim[r->ndkim].selector = xstrdup(s);
	r->dkim[r->ndkim].result = res;
	r->ndkim++;
}

void
add_reason(struct rrow *r, enum rr_reason t, const char *comment)
{
	r->reason[r->nreason].type = t;
	r->reason[r->nreason].comment = comment ? xstrdup(comment) : NULL;
	r->nreason++;
}

/* build - the document of rows; asserts success */
char *
build(enum rxml_format f, const struct rpolicy *p, const struct rrow *r,
    size_t n)
{
	struct str out;
	char err[200] = "";

	str_init(&out);
	assert_int_equal(rxml_build(f, &meta, "the-id", p, r, n, &out, err,
			     sizeof(err)),
	    0);
	assert_string_equal(err, "");
	return str_steal(&out);
}

xmlDocPtr
parse(const char *xml)
{
	xmlDocPtr d = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

	assert_non_null(d);
	return d;
}

/* find - the k-th element (0-based, document order) named name */
xmlNodePtr
find(xmlNodePtr n, const char *name, int *k)
{
	xmlNodePtr hit;

	for (; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0 && (*k)-- == 0)
			return n;
		if ((hit = find(n->children, name, k)) != NULL)
			return hit;
	}
	return NULL;
}

/* text - the content of the k-th element name of doc xml, or NULL when
 * there is none; caller frees */
char *
text(const char *xml, const char *name, int k)
{
	xmlDocPtr d = parse(xml);
	xmlNodePtr n = find(xmlDocGetRootElement(d), name, &k);
	xmlChar *c = n ? xmlNodeGetContent(n) : NULL;
	char *s = c ? xstrdup((const char *)c) : NULL;

	xmlFree(c);
	xmlFreeDoc(d);
	return s;
}

/* count_of - how many elements name the document has */
int
count_of(const char *xml, const char *name)
{
	int k, n = 0;
	xmlDocPtr d = parse(xml);

	for (;; n++) {
		k = n;
		if (find(xmlDocGetRootElement(d), name, &k) == NULL)
			break;
	}
	xmlFreeDoc(d);
	return n;
}

void
assert_text(const char *xml, const char *name, int k, const char *want)
{
	char *got = text(xml, name, k);

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}


void
full_row(struct rrow *r, struct rpolicy *p)
{
	policy(p, RR_POL_REJECT);
	p->sp = RR_POL_QUARANTINE;
	p->np = RR_POL_NONE;
	p->fo = xstrdup("1");
	row(r, "univ.example", RR_DISP_NONE, 3);
	r->envelope_to = xstrdup("receiver.example");
	add_reason(r, RR_REASON_TRUSTED_FORWARDER, "by relay-list");
	add_dkim(r, "univ.example", "s1", RES_DKIM_FAIL);
	add_dkim(r, "esp.example", "s2", RES_DKIM_PASS);
}
