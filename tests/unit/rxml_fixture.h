/*
 * rxml_fixture.h - what the report builder's unit tests (test_rxml.c,
 * test_rxml_parts.c) share: report metadata, a policy, rows, building a
 * document and reading it back with libxml2.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RXML_FIXTURE_H
#define HALLMARK_RXML_FIXTURE_H

#include <stdint.h>
#include <libxml/tree.h>

#include "rxml.h"
#include "str.h"

#define NS "urn:ietf:params:xml:ns:dmarc-2.0"
#define FFFD "\xef\xbf\xbd"

/* a receiver's metadata using every field */
extern const struct rxml_meta meta;

/* policy - p=pol for univ.example, sp and np unset, adkim r, aspf s */
void policy(struct rpolicy *p, enum rr_pol pol);
/* row - a DMARC failure from 192.0.2.1 (From from, disposition d, SPF
 * pass for bounce.example, not aligned) */
void row(struct rrow *r, const char *from, enum rr_disp d, uint64_t count);
void add_dkim(struct rrow *r, const char *d, const char *s, enum res_dkim res);
void add_reason(struct rrow *r, enum rr_reason t, const char *comment);
/* full_row - a row and policy using every element */
void full_row(struct rrow *r, struct rpolicy *p);

/* build - the document of rows with id "the-id" (asserts success);
 * caller frees */
char *build(enum rxml_format f, const struct rpolicy *p, const struct rrow *r,
    size_t n);
/* parse - the document read by libxml2 without network (asserts) */
xmlDocPtr parse(const char *xml);
/* find - the k-th element (0-based, document order) named name */
xmlNodePtr find(xmlNodePtr n, const char *name, int *k);
/* text - content of the k-th element name of xml, NULL if none; freed by
 * the caller */
char *text(const char *xml, const char *name, int k);
/* count_of - how many elements name xml has */
int count_of(const char *xml, const char *name);
/* assert_text - the k-th element name holds want (NULL: absent) */
void assert_text(const char *xml, const char *name, int k, const char *want);

#endif
