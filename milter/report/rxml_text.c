/*
 * rxml_text.c - the text of report XML (rxml_int.h): every string the
 * builder writes into an element comes from outside (header_from of a
 * message, a DKIM selector, a reason comment, the configured org_name)
 * and goes through rxml_text, so no byte of it is ever written raw when
 * XML would read it differently: the five specials become entities, CR a
 * character reference, and what XML 1.0 cannot carry at all (C0 controls
 * other than TAB/LF/CR, U+FFFE/U+FFFF, ill-formed UTF-8) or discourages
 * (DEL and the C1 controls, XML 1.0 section 2.2) becomes U+FFFD, one per
 * ill-formed byte or refused character.  Source addresses are
 * normalised by rxml_ip.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rxml_int.h"

size_t
rxml_utf8_dec(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2, c = p[0] & 0x1f, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3, c = p[0] & 0x0f, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4, c = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int
rxml_xml_char(uint32_t c)
{
	if (c >= 0x7f && c <= 0x9f)
		return 0;
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	    (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* special - the entity or reference written for byte c, or NULL */
static const char *
special(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&apos;";
	case '\r':
		return "&#13;";
	default:
		return NULL;
	}
}

/* plain - byte c is printable ASCII needing no escape */
static int
plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && special(c) == NULL;
}

/* one_char - append the character at p (n bytes left); its length */
static size_t
one_char(struct str *out, const unsigned char *p, size_t n)
{
	uint32_t c = 0;
	size_t len = rxml_utf8_dec(p, n, &c);

	if (len == 0 || !rxml_xml_char(c))
		str_add(out, RXML_REPLACEMENT);
	else if (len == 1 && special(*p) != NULL)
		str_add(out, special(*p));
	else
		str_addn(out, (const char *)p, len);
	return len > 0 ? len : 1;
}

void
rxml_text(struct str *out, const char *s)
{
	const unsigned char *p, *end, *run;

	if (s == NULL)
		return;
	p = run = (const unsigned char *)s;
	end = p + strlen(s);
	while (p < end) {
		if (plain(*p)) {
			p++;
			continue;
		}
		str_addn(out, (const char *)run, (size_t)(p - run));
		p += one_char(out, p, (size_t)(end - p));
		run = p;
	}
	str_addn(out, (const char *)run, (size_t)(p - run));
}

/* ip6_full - the eight groups of a 16-byte address, no zero compression */
static void
ip6_full(struct str *out, const unsigned char *a)
{
	int i;

	for (i = 0; i < 16; i += 2)
		str_addf(out, "%s%x", i ? ":" : "",
		    (unsigned)(a[i] << 8 | a[i + 1]));
}

void
rxml_ip(struct str *out, const char *s, int full)
{
	unsigned char a[16];
	char buf[INET6_ADDRSTRLEN];

	if (s != NULL && inet_pton(AF_INET, s, a) == 1 &&
	    inet_ntop(AF_INET, a, buf, sizeof(buf)) != NULL) {
		str_add(out, buf);
	} else if (s != NULL && inet_pton(AF_INET6, s, a) == 1) {
		if (full)
			ip6_full(out, a);
		else if (inet_ntop(AF_INET6, a, buf, sizeof(buf)) != NULL)
			str_add(out, buf);
	} else {
		str_add(out, RXML_NO_ADDRESS);
	}
}
