/*
 * rxml_name.c - the Report-ID and the file name of a report (rxml.h),
 * both made only from (receiver, policy domain, begin, end, part), so a
 * report rebuilt or resent has the same ones (RFC 9990: same file name,
 * same Report-ID).
 *
 *   Report-ID  policy-domain "!" begin "!" end "!" receiver ["!" part]
 *              a dot-atom-text of RFC 5322 ('!' is atext), as RFC 9990's
 *              ridfmt asks
 *   file name  receiver "!" policy-domain "!" begin "!" end ["!" part]
 *              ".xml.gz" (RFC 9990 filename, unique-id = the part)
 *
 * The part number is added only when a report has more than one part.
 * Domains are written as labels of [a-z0-9-_] joined by single dots:
 * ASCII letters lower-cased (domains compare without case), any other
 * byte as '-', empty labels dropped (no leading, trailing or doubled
 * dot); an empty domain is written "unknown".  So an id is always a
 * dot-atom and a file name never holds '/', NUL or white space, whatever
 * the configuration or the store hands over.  A negative time is
 * written 0 (the ABNF is 1*DIGIT).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <inttypes.h>
#include <stdint.h>

#include "rxml.h"

/* label_char - the byte written for c inside a label */
static char
label_char(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	    c == '_')
		return (char)c;
	return '-';
}

/* add_domain - append domain d as dot-separated non-empty labels */
static void
add_domain(struct str *out, const char *d)
{
	const unsigned char *p = (const unsigned char *)(d ? d : "");
	size_t start = out->len;
	int dot = 0;

	for (; *p != '\0'; p++) {
		if (*p == '.') {
			dot = out->len > start;
			continue;
		}
		if (dot)
			str_addc(out, '.');
		dot = 0;
		str_addc(out, label_char(*p));
	}
	if (out->len == start)
		str_add(out, "unknown");
}

/* add_time - a time as 1*DIGIT */
static void
add_time(struct str *out, int64_t t)
{
	str_addf(out, "%" PRId64, t < 0 ? (int64_t)0 : t);
}

/* add_part - "!<part>" when the report has several parts */
static void
add_part(struct str *out, unsigned part, unsigned nparts)
{
	if (nparts > 1)
		str_addf(out, "!%u", part);
}

void
rxml_report_id(const struct rxml_meta *m, const char *policy_domain,
    unsigned part, unsigned nparts, struct str *out)
{
	str_reset(out);
	add_domain(out, policy_domain);
	str_addc(out, '!');
	add_time(out, m->begin);
	str_addc(out, '!');
	add_time(out, m->end);
	str_addc(out, '!');
	add_domain(out, m->receiver);
	add_part(out, part, nparts);
}

void
rxml_filename(const struct rxml_meta *m, const char *policy_domain,
    unsigned part, unsigned nparts, struct str *out)
{
	str_reset(out);
	add_domain(out, m->receiver);
	str_addc(out, '!');
	add_domain(out, policy_domain);
	str_addc(out, '!');
	add_time(out, m->begin);
	str_addc(out, '!');
	add_time(out, m->end);
	add_part(out, part, nparts);
	str_add(out, ".xml.gz");
}
