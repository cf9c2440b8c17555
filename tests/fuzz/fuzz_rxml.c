/*
 * fuzz_rxml.c - fuzz target: the DMARC aggregate report builder
 * (rxml_build, rxml_report_id, rxml_filename, rxml_gzip, rxml_split) on
 * arbitrary report contents.
 *
 * Input: a byte stream read in order (a missing byte reads as 0): the
 * metadata, the policy and up to 4 rows.  A string is a length byte L
 * (255: NULL) then L bytes of anything (a NUL ends the C string early);
 * enums are any signed byte, in range or not; counts are 0, small or
 * 2^64-1; up to 8 reasons and 7 DKIM results a row.
 *
 * Invariants, for both forms: the build fails exactly when no report can
 * be made (no policy domain, no row with a count), with a message; a
 * built document is well-formed XML for libxml2 (no network, no DTD, no
 * entity substitution asked), its root is feedback in the namespace of
 * its form, and every text read back equals the input text with exactly
 * the replacements of a reference written here from the Unicode
 * well-formed-sequence table (each ill-formed byte and each character
 * XML 1.0 cannot carry or discourages becomes U+FFFD): metadata, policy
 * domain and fo, and per record the count, identifiers, reason comments,
 * DKIM domain and selector and the SPF domain; a source_ip holds only
 * hex digits, dots and colons.  The Report-ID and file name hold only
 * [a-z0-9._!-] with no empty label.  gzip is the same twice and
 * inflates to the document.  rxml_split under a cap from the input
 * covers every row once, in order, each part's gzip under the cap, or
 * fails with a message.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zlib.h>

#include "fuzz.h"
#include "rxml.h"
#include "str.h"

#define NS "urn:ietf:params:xml:ns:dmarc-2.0"
#define MAXROWS 4
#define MAXDKIM 7

struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned
byte(struct in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static char *
take_str(struct in *in)
{
	unsigned len = byte(in), i;
	char *s;

	if (len == 255)
		return NULL;
	s = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		s[i] = (char)byte(in);
	s[len] = '\0';
	return s;
}

static uint64_t
take_count(struct in *in)
{
	unsigned b = byte(in);

	return b < 32 ? 0 : b > 240 ? UINT64_MAX : b - 31;
}

static int64_t
take_time(struct in *in)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 5; i++)
		v = v << 8 | byte(in);
	return byte(in) & 1 ? -(int64_t)v : (int64_t)v;
}

/* ---- the decoded input --------------------------------------------------- */

struct input {
	char *org, *email, *extra, *gen, *error, *receiver;
	struct rxml_meta m;
	struct rpolicy pol;
	struct rrow rows[MAXROWS];
	size_t nrows;
	size_t cap;
};

static void
take_meta(struct in *in, struct input *x)
{
	x->org = take_str(in);
	x->email = take_str(in);
	x->extra = take_str(in);
	x->gen = take_str(in);
	x->error = take_str(in);
	x->receiver = take_str(in);
	x->m = (struct rxml_meta){ .org_name = x->org,
		.email = x->email,
		.extra_contact_info = x->extra,
		.generator = x->gen,
		.error = x->error,
		.receiver = x->receiver };
	x->m.begin = take_time(in);
	x->m.end = take_time(in);
}

static void
take_policy(struct in *in, struct rpolicy *p)
{
	p->domain = take_str(in);
	p->p = (enum rr_pol)(signed char)byte(in);
	p->sp = (enum rr_pol)(signed char)byte(in);
	p->np = (enum rr_pol)(signed char)byte(in);
	p->adkim = (char)byte(in);
	p->aspf = (char)byte(in);
	p->fo = take_str(in);
	p->testing = byte(in) & 1;
	p->discovery = (enum rr_discovery)(signed char)byte(in);
}

static void
take_row(struct in *in, struct rrow *r)
{
	unsigned f = byte(in);
	size_t i;

	r->source_ip = take_str(in);
	r->header_from = take_str(in);
	r->envelope_from = take_str(in);
	r->envelope_to = take_str(in);
	r->disposition = (enum rr_disp)(signed char)byte(in);
	r->dkim_pass = f & 1;
	r->spf_pass = (f >> 1) & 1;
	r->has_spf = (f >> 2) & 1;
	r->nreason = (f >> 3) % (RR_MAX_REASONS + 1);
	for (i = 0; i < r->nreason; i++) {
		r->reason[i].type = (enum rr_reason)(signed char)byte(in);
		r->reason[i].comment = take_str(in);
	}
	r->ndkim = byte(in) % (MAXDKIM + 1);
	r->dkim = r->ndkim ? xcalloc(r->ndkim, sizeof(*r->dkim)) : NULL;
	for (i = 0; i < r->ndkim; i++) {
		r->dkim[i].domain = take_str(in);
		r->dkim[i].selector = take_str(in);
		r->dkim[i].result = (enum res_dkim)(signed char)byte(in);
	}
	r->spf_domain = take_str(in);
	r->spf_result = (enum res_spf)(signed char)byte(in);
	r->count = take_count(in);
}

static void
take_input(struct in *in, struct input *x)
{
	size_t i;

	memset(x, 0, sizeof(*x));
	x->cap = 256 + 64 * (size_t)byte(in);
	take_meta(in, x);
	take_policy(in, &x->pol);
	x->nrows = byte(in) % (MAXROWS + 1);
	for (i = 0; i < x->nrows; i++)
		take_row(in, &x->rows[i]);
}

static void
free_input(struct input *x)
{
	size_t i;

	free(x->org);
	free(x->email);
	free(x->extra);
	free(x->gen);
	free(x->error);
	free(x->receiver);
	rpolicy_free(&x->pol);
	for (i = 0; i < x->nrows; i++)
		rrow_free(&x->rows[i]);
}

/* buildable - what a report needs: a policy domain, a row with a count */
static int
buildable(const struct input *x)
{
	size_t i;

	if (x->pol.domain == NULL || x->pol.domain[0] == '\0')
		return 0;
	for (i = 0; i < x->nrows; i++)
		if (x->rows[i].count > 0)
			return 1;
	return 0;
}

/* ---- the reference of what a text reads back as ----------------------------- */

/* wf_len - length of the well-formed UTF-8 sequence at p (Unicode Table
 * 3-7), 0 when ill-formed */
static size_t
wf_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (p[0] <= 0x7f)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* allowed - the sequence of len bytes at p is a character the report
 * keeps: XML 1.0 Char without DEL and C1 controls, not U+FFFE/U+FFFF */
static int
allowed(const unsigned char *p, size_t len)
{
	if (len == 1)
		return p[0] == '\t' || p[0] == '\n' || p[0] == '\r' ||
		    (p[0] >= 0x20 && p[0] < 0x7f);
	if (len == 2)
		return !(p[0] == 0xc2 && p[1] < 0xa0);
	if (len == 3)
		return !(p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe);
	return 1;
}

static char *
reference(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), len;
	struct str out;

	str_init(&out);
	while (n > 0) {
		len = wf_len(p, n);
		if (len == 0 || !allowed(p, len))
			str_add(&out, "\xef\xbf\xbd");
		else
			str_addn(&out, (const char *)p, len);
		len = len ? len : 1;
		p += len;
		n -= len;
	}
	return str_steal(&out);
}

/* ---- reading the document back ---------------------------------------------- */

/* child - the k-th child element of n named name, or NULL */
static xmlNodePtr
child(xmlNodePtr n, const char *name, int k)
{
	for (n = n ? n->children : NULL; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0 && k-- == 0)
			return n;
	return NULL;
}

/* same_text - element n exists and reads back as s would */
static void
same_text(xmlNodePtr n, const char *s)
{
	xmlChar *c;
	char *want;

	FUZZ_CHECK(n != NULL);
	c = xmlNodeGetContent(n);
	want = reference(s);
	FUZZ_CHECK(strcmp(c ? (const char *)c : "", want) == 0);
	xmlFree(c);
	free(want);
}

/* text_of - shorthand: child name of n, checked against s */
static void
text_of(xmlNodePtr n, const char *name, const char *s)
{
	same_text(child(n, name, 0), s);
}

static void
check_meta(xmlNodePtr root, const struct input *x, const char *id, int fmt)
{
	xmlNodePtr m = child(root, "report_metadata", 0);

	text_of(m, "org_name", x->org);
	text_of(m, "email", x->email);
	if (x->extra != NULL)
		text_of(m, "extra_contact_info", x->extra);
	text_of(m, "report_id", id);
	if (x->error != NULL)
		text_of(m, "error", x->error);
	if (fmt == RXML_RFC9990 && x->gen != NULL)
		text_of(m, "generator", x->gen);
	FUZZ_CHECK(child(m, "generator", 0) == NULL ||
	    (fmt == RXML_RFC9990 && x->gen != NULL));
	m = child(root, "policy_published", 0);
	text_of(m, "domain", x->pol.domain);
	text_of(m, "fo", x->pol.fo ? x->pol.fo : "0");
}

static void
check_ip(xmlNodePtr n)
{
	xmlChar *c;
	size_t i;

	FUZZ_CHECK(n != NULL);
	c = xmlNodeGetContent(n);
	FUZZ_CHECK(c != NULL && c[0] != '\0');
	for (i = 0; c[i]; i++)
		FUZZ_CHECK(strchr("0123456789abcdef.:", c[i]) != NULL);
	xmlFree(c);
}

static void
check_ids(xmlNodePtr rec, const struct rrow *r, int fmt)
{
	xmlNodePtr ids = child(rec, "identifiers", 0);

	text_of(ids, "header_from", r->header_from);
	if (r->envelope_from != NULL)
		text_of(ids, "envelope_from", r->envelope_from);
	else if (fmt == RXML_RFC7489)
		text_of(ids, "envelope_from", "");
	else
		FUZZ_CHECK(child(ids, "envelope_from", 0) == NULL);
	if (r->envelope_to != NULL)
		text_of(ids, "envelope_to", r->envelope_to);
}

static void
check_record(xmlNodePtr rec, const struct rrow *r, int fmt)
{
	xmlNodePtr row = child(rec, "row", 0), pe, a;
	char num[32];
	size_t i, k = 0;

	check_ip(child(row, "source_ip", 0));
	snprintf(num, sizeof(num), "%" PRIu64, r->count);
	text_of(row, "count", num);
	pe = child(row, "policy_evaluated", 0);
	for (i = 0; i < r->nreason; i++)
		if (r->reason[i].comment != NULL)
			text_of(child(pe, "reason", (int)i), "comment",
			    r->reason[i].comment);
	check_ids(rec, r, fmt);
	a = child(rec, "auth_results", 0);
	for (i = 0; i < r->ndkim; i++, k++) {
		text_of(child(a, "dkim", (int)i), "domain", r->dkim[i].domain);
		text_of(child(a, "dkim", (int)i), "selector",
		    r->dkim[i].selector);
	}
	FUZZ_CHECK(child(a, "dkim", (int)k) == NULL);
	if (r->has_spf)
		text_of(child(a, "spf", 0), "domain", r->spf_domain);
	FUZZ_CHECK((child(a, "spf", 0) != NULL) ==
	    (r->has_spf || fmt == RXML_RFC7489));
}

static void
check_doc(const struct str *xml, const struct input *x, const char *id, int fmt)
{
	xmlDocPtr d = xmlReadMemory(xml->s, (int)xml->len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNodePtr root, rec;
	size_t i;
	int k = 0;

	FUZZ_CHECK(d != NULL && d->intSubset == NULL);
	root = xmlDocGetRootElement(d);
	FUZZ_CHECK(root != NULL &&
	    strcmp((const char *)root->name, "feedback") == 0);
	if (fmt == RXML_RFC9990)
		FUZZ_CHECK(root->ns != NULL &&
		    strcmp((const char *)root->ns->href, NS) == 0);
	else
		FUZZ_CHECK(root->ns == NULL);
	check_meta(root, x, id, fmt);
	for (i = 0; i < x->nrows; i++) {
		if (x->rows[i].count == 0)
			continue;
		rec = child(root, "record", k++);
		FUZZ_CHECK(rec != NULL);
		check_record(rec, &x->rows[i], fmt);
	}
	FUZZ_CHECK(child(root, "record", k) == NULL);
	xmlFreeDoc(d);
}

/* ---- ids, gzip, parts --------------------------------------------------------- */

/* name_chars - only [a-z0-9._!-], no empty label */
static void
name_chars(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		FUZZ_CHECK(strchr("abcdefghijklmnopqrstuvwxyz0123456789._!-",
			       s[i]) != NULL);
	FUZZ_CHECK(strstr(s, "..") == NULL && strstr(s, "!.") == NULL &&
	    strstr(s, ".!") == NULL && s[0] != '.');
}

static void
check_gzip(const struct str *xml)
{
	struct str a, b;
	unsigned char *back = xmalloc(xml->len + 1);
	uLongf n = xml->len + 1;
	z_stream z;

	str_init(&a);
	str_init(&b);
	FUZZ_CHECK(rxml_gzip(xml->s, xml->len, &a) == 0);
	FUZZ_CHECK(rxml_gzip(xml->s, xml->len, &b) == 0);
	FUZZ_CHECK(a.len == b.len && memcmp(a.s, b.s, a.len) == 0);
	memset(&z, 0, sizeof(z));
	FUZZ_CHECK(inflateInit2(&z, 15 + 16) == Z_OK);
	z.next_in = (unsigned char *)a.s;
	z.avail_in = (uInt)a.len;
	z.next_out = back;
	z.avail_out = (uInt)n;
	FUZZ_CHECK(inflate(&z, Z_FINISH) == Z_STREAM_END);
	FUZZ_CHECK(z.total_out == xml->len &&
	    memcmp(back, xml->s, xml->len) == 0);
	inflateEnd(&z);
	free(back);
	str_free(&a);
	str_free(&b);
}

/* part_fits - part i of n built with its id gzips under cap */
static void
part_fits(const struct input *x, int fmt, const size_t *starts, unsigned i,
    unsigned n)
{
	struct str id, xml, gz;

	str_init(&id);
	str_init(&xml);
	str_init(&gz);
	rxml_report_id(&x->m, x->pol.domain, i + 1, n, &id);
	FUZZ_CHECK(rxml_build(fmt, &x->m, id.s, &x->pol, x->rows + starts[i],
		       starts[i + 1] - starts[i], &xml, NULL, 0) == 0);
	FUZZ_CHECK(rxml_gzip(xml.s, xml.len, &gz) == 0 && gz.len <= x->cap);
	str_free(&id);
	str_free(&xml);
	str_free(&gz);
}

static void
check_split(const struct input *x, int fmt)
{
	char err[256] = "";
	size_t *starts = NULL;
	unsigned n, i;

	n = rxml_split(fmt, &x->m, &x->pol, x->rows, x->nrows, x->cap, &starts,
	    err, sizeof(err));
	if (n == 0) {
		FUZZ_CHECK(starts == NULL && err[0] != '\0');
		return;
	}
	FUZZ_CHECK(buildable(x));
	FUZZ_CHECK(starts[0] == 0 && starts[n] == x->nrows);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(starts[i] < starts[i + 1]);
		part_fits(x, fmt, starts, i, n);
	}
	free(starts);
}

static void
one_format(const struct input *x, int fmt)
{
	struct str id, xml;
	char err[256] = "";
	int rc;

	str_init(&id);
	str_init(&xml);
	rxml_report_id(&x->m, x->pol.domain, 1, 1, &id);
	name_chars(id.s);
	rc = rxml_build(fmt, &x->m, id.s, &x->pol, x->rows, x->nrows, &xml, err,
	    sizeof(err));
	FUZZ_CHECK((rc == 0) == buildable(x));
	if (rc == 0) {
		check_doc(&xml, x, id.s, fmt);
		check_gzip(&xml);
	} else {
		FUZZ_CHECK(err[0] != '\0' && xml.len == 0);
	}
	check_split(x, fmt);
	rxml_filename(&x->m, x->pol.domain, 2, 3, &id);
	name_chars(id.s);
	FUZZ_CHECK(id.len > 7 && strcmp(id.s + id.len - 7, ".xml.gz") == 0);
	str_free(&id);
	str_free(&xml);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	xmlInitParser();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct input x;

	take_input(&in, &x);
	one_format(&x, RXML_RFC9990);
	one_format(&x, RXML_RFC7489);
	free_input(&x);
	return 0;
}
