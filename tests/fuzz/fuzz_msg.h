/*
 * fuzz_msg.h - what the message-shaped fuzz targets (fuzz_message.c,
 * fuzz_dkim_verify.c) share: cutting an input into parts, and turning a
 * header block into the (name, value) pairs a milter receives.
 *
 * Header block: lines "Name: value"; a line that starts with white space
 * continues the previous field (joined with a bare LF, as Postfix hands
 * folded values to milters); a line without a colon is skipped.  The one
 * space after the colon is dropped, as the milter protocol does.
 * Everything here is static: each target includes it once.
 */
#ifndef HALLMARK_FUZZ_MSG_H
#define HALLMARK_FUZZ_MSG_H

#include "fuzz.h"
#include "str.h"

typedef void (*fuzz_hdr_fn)(char *name, char *value, void *arg);

/* fuzz_cut - NUL-terminate *p at the next "\n" (sep: at the next line
 * "%%"), return the part and advance *p (NULL after the last part; "" when
 * *p is already NULL) */
static __attribute__((unused)) char *
fuzz_cut(char **p, int sep)
{
	char *s = *p, *e;

	if (s == NULL)
		return "";
	if (sep && strncmp(s, "%%\n", 3) == 0) {	/* an empty part */
		*s = '\0';
		*p = s + 3;
		return s;
	}
	e = sep ? strstr(s, "\n%%\n") : strchr(s, '\n');
	if (e == NULL) {
		*p = NULL;
		return s;
	}
	*e = '\0';
	*p = e + (sep ? 4 : 1);
	return s;
}

/* fuzz_headers - call fn for each field of the header block text */
static __attribute__((unused)) void
fuzz_headers(const char *text, fuzz_hdr_fn fn, void *arg)
{
	char *copy = xstrdup(text), *p = copy, *line, *colon;
	char *name = NULL;
	struct str val;

	str_init(&val);
	for (;;) {
		line = p ? fuzz_cut(&p, 0) : NULL;
		if (line != NULL && (line[0] == ' ' || line[0] == '\t') &&
		    name != NULL) {
			str_addc(&val, '\n');
			str_add(&val, line);
			continue;
		}
		if (name != NULL) {
			fn(name, val.s, arg);
			name = NULL;
		}
		if (line == NULL)
			break;
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		name = line;
		str_reset(&val);
		str_add(&val, colon[1] == ' ' ? colon + 2 : colon + 1);
	}
	str_free(&val);
	free(copy);
}

#endif
