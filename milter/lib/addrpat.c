/*
 * addrpat.c - envelope address patterns: syntax check and matching (see
 * addrpat.h).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 * Pure; thread-safe.
 */
#include <stdio.h>
#include <string.h>

#include "addrpat.h"
#include "str.h"

/* label_char - a character of a domain label */
static int
label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* domain_ok - dot-separated non-empty labels */
static int
domain_ok(const char *d)
{
	size_t lab = 0;

	if (*d == '\0' || strlen(d) > 253)
		return 0;
	for (; *d != '\0'; d++) {
		if (*d == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
		} else if (!label_char((unsigned char)*d) || ++lab > 63)
			return 0;
	}
	return lab > 0;
}

/* addrpat_check - see addrpat.h */
int
addrpat_check(const char *pat, char *err, size_t errlen)
{
	const char *at = strrchr(pat, '@');

	if (strncmp(pat, "*.", 2) == 0 && domain_ok(pat + 2))
		return 0;
	if (at == NULL && domain_ok(pat))
		return 0;
	if (at != NULL && at != pat && strchr(pat, '*') == NULL &&
	    domain_ok(at + 1))
		return 0;
	snprintf(err, errlen,
	    "not an address pattern (use \"user@domain\", "
	    "\"domain\" or \"*.domain\")");
	return -1;
}

/* domain_of - the domain of addr and its length without a trailing dot,
 * or NULL */
static const char *
domain_of(const char *addr, size_t *len)
{
	const char *at = strrchr(addr, '@');

	if (at == NULL || at[1] == '\0')
		return NULL;
	*len = strlen(at + 1);
	if (at[*len] == '.')
		(*len)--;
	return at + 1;
}

/* addrpat_match - see addrpat.h */
int
addrpat_match(const char *pat, const char *addr)
{
	const char *dom;
	size_t dl, pl;

	if (pat == NULL || addr == NULL || *addr == '\0')
		return 0;
	if (strchr(pat, '@') != NULL)
		return str_casecmp(pat, addr) == 0;
	if ((dom = domain_of(addr, &dl)) == NULL)
		return 0;
	if (strncmp(pat, "*.", 2) == 0) {
		pl = strlen(pat + 1); /* ".example.org" */
		return dl > pl && str_ncasecmp(dom + dl - pl, pat + 1, pl) == 0;
	}
	pl = strlen(pat);
	return dl == pl && str_ncasecmp(dom, pat, pl) == 0;
}

/* addrpat_list_match - see addrpat.h */
const char *
addrpat_list_match(char *const *list, const char *addr)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (addrpat_match(list[i], addr))
			return list[i];
	return NULL;
}
