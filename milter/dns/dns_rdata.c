/*
 * dns_rdata.c - pure wire-format conversions for the DNS layer (see
 * dns_rdata.h): names, rdata of the types hallmark asks for, and escaping
 * of query names for libunbound.
 *
 * Owns nothing: results go into a caller's struct dns_result through
 * dns_result_add() (which copies).  Thread-safe (no state).  Every reader
 * checks the length before each byte it reads; malformed data gives -1/0.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_int.h"
#include "dns_rdata.h"
#include "str.h"

/* put_byte - one name byte in presentation form; -1 if out is full */
static int
put_byte(unsigned char c, char *out, size_t outlen, size_t *pos)
{
	int n;

	if (c == '.' || c == '\\')
		n = snprintf(out + *pos, outlen - *pos, "\\%c", c);
	else if (c > 0x20 && c < 0x7f)
		n = snprintf(out + *pos, outlen - *pos, "%c", c);
	else
		n = snprintf(out + *pos, outlen - *pos, "\\%03u", c);
	if (n < 0 || (size_t)n >= outlen - *pos)
		return -1;
	*pos += (size_t)n;
	return 0;
}

/* put_dot - the separator between two labels */
static int
put_dot(char *out, size_t outlen, size_t *pos)
{
	if (*pos + 1 >= outlen)
		return -1;
	out[(*pos)++] = '.';
	out[*pos] = '\0';
	return 0;
}

/* dns_rdata_name - wire name to text; wire bytes used, 0 if malformed */
size_t
dns_rdata_name(const unsigned char *rd, size_t len, char *out, size_t outlen)
{
	size_t i = 0, pos = 0, j, lab;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	while (i < len) {
		lab = rd[i++];
		if (lab == 0)
			return i <= 255 ? i : 0;
		if (lab > 63 || lab > len - i || i + lab > 254)
			return 0;	/* pointer, bad label or too long */
		if (pos > 0 && put_dot(out, outlen, &pos) < 0)
			return 0;
		for (j = 0; j < lab; j++)
			if (put_byte(rd[i + j], out, outlen, &pos) < 0)
				return 0;
		i += lab;
	}
	return 0;			/* no root label: truncated */
}

/* add_txt - character-strings concatenated; every string inside len */
static int
add_txt(struct dns_result *res, const unsigned char *rd, size_t len)
{
	unsigned char *buf;
	size_t i = 0, n = 0, sl;

	if (len == 0)
		return -1;
	buf = xmalloc(len);
	while (i < len) {
		sl = rd[i++];
		if (sl > len - i) {
			free(buf);
			return -1;
		}
		memcpy(buf + n, rd + i, sl);
		n += sl;
		i += sl;
	}
	dns_result_add(res, DNS_T_TXT, 0, buf, n);
	free(buf);
	return 0;
}

/* add_name - a record whose rdata (after MX's preference) is one name */
static int
add_name(struct dns_result *res, int type, uint16_t pref,
    const unsigned char *rd, size_t len)
{
	char text[DNS_PRES_MAX];
	size_t used = dns_rdata_name(rd, len, text, sizeof(text));

	if (used == 0 || used != len)
		return -1;
	dns_result_add(res, type, pref, text, strlen(text));
	return 0;
}

/* dns_rdata_add - one rdata into res; -1 when malformed */
int
dns_rdata_add(struct dns_result *res, int type, const unsigned char *rd,
    size_t len)
{
	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		if (len != (type == DNS_T_A ? 4u : 16u))
			return -1;
		dns_result_add(res, type, 0, rd, len);
		return 0;
	case DNS_T_TXT:
		return add_txt(res, rd, len);
	case DNS_T_MX:
		if (len < 3)
			return -1;
		return add_name(res, type, (uint16_t)(rd[0] << 8 | rd[1]),
		    rd + 2, len - 2);
	case DNS_T_PTR:
	case DNS_T_CNAME:
	case DNS_T_NS:
		return add_name(res, type, 0, rd, len);
	default:
		dns_result_add(res, type, 0, rd, len);
		return 0;
	}
}

/* qname_plain - bytes passed to libunbound without an escape */
static int
qname_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* dns_rdata_qname - escape a query name for libunbound's text parser */
int
dns_rdata_qname(const char *name, char *out, size_t outlen)
{
	size_t pos = 0;
	int n;

	for (; *name != '\0'; name++) {
		unsigned char c = (unsigned char)*name;

		if (qname_plain(c))
			n = snprintf(out + pos, outlen - pos, "%c", c);
		else
			n = snprintf(out + pos, outlen - pos, "\\%03u", c);
		if (n < 0 || (size_t)n >= outlen - pos)
			return -1;
		pos += (size_t)n;
	}
	if (pos >= outlen)
		return -1;
	out[pos] = '\0';
	return 0;
}
