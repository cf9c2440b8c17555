/*
 * rimp_mhdr.c - MIME header fields, parameters, boundaries and transfer
 * decodings for the report importer (rimp_mime.h).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "rimp_mime.h"
#include "str.h"

/* field_value - if the line at p starts field name, where its value starts */
static const char *
field_value(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	if ((size_t)(end - p) <= n || str_ncasecmp(p, name, n) != 0)
		return NULL;
	p += n;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end && *p == ':' ? p + 1 : NULL;
}

char *
mime_header(const struct mpart *m, const char *name)
{
	const char *p = m->head, *end = m->head + m->headlen, *v = NULL, *eol;
	struct str b;

	str_init(&b);
	for (; p < end; p = eol) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol != NULL ? eol + 1 : end;
		if (v != NULL && (*p == ' ' || *p == '\t')) {
			str_addc(&b, ' ');
			str_addn(&b, p, (size_t)(eol - p));
		} else if (v != NULL) {
			break;
		} else if ((v = field_value(p, eol, name)) != NULL) {
			str_addn(&b, v, (size_t)(eol - v));
		}
		if (b.len > 4096)
			break;
	}
	if (v == NULL) {
		str_free(&b);
		return NULL;
	}
	for (size_t i = 0; i < b.len; i++)
		if (b.s[i] == '\r' || b.s[i] == '\n' || b.s[i] == '\t')
			b.s[i] = ' ';
	v = xstrdup(str_strip(b.s));
	str_free(&b);
	return (char *)v;
}

/* param_value - the value at p (token or quoted string) into *out; end */
static const char *
param_value(const char *p, char **out)
{
	struct str b;

	str_init(&b);
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			str_addc(&b, *p);
		}
		if (*p == '"')
			p++;
	} else {
		for (; *p != '\0' && *p != ';' && *p != ' '; p++)
			str_addc(&b, *p);
	}
	*out = str_steal(&b);
	return p;
}

/* ext_value - RFC 2231 charset'lang'value: the value, %XX decoded */
static void
ext_value(char *v)
{
	char *q = strchr(v, '\''), *o = v;

	q = q != NULL ? strchr(q + 1, '\'') : NULL;
	if (q == NULL)
		return;
	for (q++; *q != '\0'; q++) {
		if (q[0] == '%' && q[1] != '\0' && q[2] != '\0' &&
		    strchr("0123456789abcdefABCDEF", q[1]) &&
		    strchr("0123456789abcdefABCDEF", q[2])) {
			char hex[3] = { q[1], q[2], '\0' };
			*o++ = (char)strtoul(hex, NULL, 16);
			q += 2;
		} else {
			*o++ = *q;
		}
	}
	*o = '\0';
}

/* param - parameter pname of field value v, or NULL; allocated */
static char *
param(const char *v, const char *pname)
{
	size_t n = strlen(pname), k;
	const char *p = v != NULL ? strchr(v, ';') : NULL, *nm;
	char *val;

	while (p != NULL && *p != '\0') {
		p += strspn(p, "; \t");
		nm = p;
		k = strcspn(p, "=;");
		if (p[k] != '=') {
			p = strchr(p, ';');
			continue;
		}
		p += k + 1;
		while (k > 0 && (nm[k - 1] == ' ' || nm[k - 1] == '\t'))
			k--;
		p = param_value(p + strspn(p, " \t"), &val);
		if (k == n && str_ncasecmp(nm, pname, n) == 0)
			return val;
		free(val);
		p = strchr(p, ';');
	}
	return NULL;
}

/* param_any - pname, else pname* decoded */
static char *
param_any(const char *v, const char *pname)
{
	char *r = param(v, pname), *star;

	if (r != NULL || v == NULL)
		return r;
	star = xasprintf("%s*", pname);
	r = param(v, star);
	free(star);
	if (r != NULL)
		ext_value(r);
	return r;
}

void
mime_content_type(const struct mpart *m, char **type, char **boundary,
    char **name)
{
	char *ct = mime_header(m, "Content-Type");
	char *cd = mime_header(m, "Content-Disposition");
	size_t n;
	char *t;

	n = ct != NULL ? strcspn(ct, ";") : 0;
	t = xstrndup(ct != NULL ? ct : "", n);
	*type = xstrdup(*str_strip(t) != '\0' ? str_strip(t) : "text/plain");
	free(t);
	str_lower(*type);
	*boundary = param_any(ct, "boundary");
	*name = param_any(cd, "filename");
	if (*name == NULL)
		*name = param_any(ct, "name");
	free(ct);
	free(cd);
}

int
mime_delim(const char *p, size_t n, const char *b, size_t blen, int *close)
{
	size_t i;

	if (blen == 0 || n < blen + 2 || p[0] != '-' || p[1] != '-' ||
	    memcmp(p + 2, b, blen) != 0)
		return 0;
	i = blen + 2;
	*close = n >= i + 2 && p[i] == '-' && p[i + 1] == '-';
	if (*close)
		i += 2;
	for (; i < n; i++)
		if (strchr(" \t\r\n", p[i]) == NULL)
			return 0;
	return 1;
}

/* qp_decode - quoted-printable (RFC 2045 6.7) */
static void
qp_decode(const char *p, size_t n, unsigned char **out, size_t *outlen)
{
	static const char hexd[] = "0123456789ABCDEFabcdef";
	unsigned char *o = xmalloc(n + 1);
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (p[i] != '=') {
			o[k++] = (unsigned char)p[i];
		} else if (i + 1 < n && p[i + 1] == '\n') {
			i += 1;
		} else if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') {
			i += 2;
		} else if (i + 2 < n && memchr(hexd, p[i + 1], 22) != NULL &&
		    memchr(hexd, p[i + 2], 22) != NULL) {
			char hex[3] = { p[i + 1], p[i + 2], '\0' };
			o[k++] = (unsigned char)strtoul(hex, NULL, 16);
			i += 2;
		} else {
			o[k++] = '=';
		}
	}
	*out = o;
	*outlen = k;
}

int
mime_decode(const char *p, size_t n, const char *cte, unsigned char **out,
    size_t *outlen)
{
	if (cte != NULL && str_casecmp(cte, "base64") == 0)
		return b64_decode(p, n, out, outlen);
	if (cte != NULL && str_casecmp(cte, "quoted-printable") == 0) {
		qp_decode(p, n, out, outlen);
		return 0;
	}
	*out = xmemdup0(p, n);
	*outlen = n;
	return 0;
}
