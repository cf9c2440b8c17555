/*
 * rmail.c - composes the mail of one DMARC aggregate report part (see
 * rmail.h): RFC 5322 headers, MIME multipart/mixed, the gzip file in
 * base64.  Pure and deterministic for its inputs.
 *
 * The boundary is made of characters base64 never writes in that order
 * ("=_"), so it cannot occur in the body.  The Subject is folded before
 * "Submitter:" and "Report-ID:" so that lines stay short.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "rmail.h"

#define RMAIL_B64_LINE 76

/* clean - 1 when s is set and has no CR or LF (may go in a header) */
static int
clean(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") == NULL;
}

/* check_values - every header value usable; 0 or -1 */
static int
check_values(const struct rmail *m, char *err, size_t errlen)
{
	size_t i;

	if (!clean(m->from) || !clean(m->policy_domain) ||
	    !clean(m->receiver) || !clean(m->report_id) ||
	    !clean(m->filename) || !clean(m->message_id) || m->nto == 0 ||
	    (m->from_name != NULL && !clean(m->from_name)))
		return str_seterr(err, errlen,
		    "report mail: a header value "
		    "is missing or holds a line break");
	if (strchr(m->filename, '"') != NULL ||
	    (m->from_name != NULL && strpbrk(m->from_name, "\"\\") != NULL))
		return str_seterr(err, errlen,
		    "report mail: a quote in the "
		    "file name or the From name");
	for (i = 0; i < m->nto; i++)
		if (!clean(m->to[i]))
			return str_seterr(err, errlen,
			    "report mail: bad "
			    "recipient");
	return 0;
}

/* rmail_date - see rmail.h */
void
rmail_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(buf, len, "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0 &&
	    len > 0)
		buf[0] = '\0';
}

/* add_headers - the message header block */
static void
add_headers(const struct rmail *m, const char *boundary, struct str *out)
{
	char date[64];
	size_t i;

	if (m->from_name != NULL && m->from_name[0] != '\0')
		str_addf(out, "From: \"%s\" <%s>\n", m->from_name, m->from);
	else
		str_addf(out, "From: <%s>\n", m->from);
	str_add(out, "To: ");
	for (i = 0; i < m->nto; i++)
		str_addf(out, "%s<%s>", i > 0 ? ",\n  " : "", m->to[i]);
	str_addf(out,
	    "\nSubject: Report Domain: %s\n  Submitter: %s\n"
	    "  Report-ID: <%s>\n",
	    m->policy_domain, m->receiver, m->report_id);
	rmail_date(m->date, date, sizeof(date));
	str_addf(out, "Date: %s\nMessage-ID: <%s>\n", date, m->message_id);
	str_add(out, "MIME-Version: 1.0\nAuto-Submitted: auto-generated\n");
	str_addf(out, "Content-Type: multipart/mixed;\n  boundary=\"%s\"\n\n",
	    boundary);
}

/* add_text - the human-readable part */
static void
add_text(const struct rmail *m, const char *boundary, struct str *out)
{
	char b[64], e[64];

	rmail_date((time_t)m->begin, b, sizeof(b));
	rmail_date((time_t)m->end, e, sizeof(e));
	str_addf(out,
	    "This is a multi-part message in MIME format.\n\n"
	    "--%s\nContent-Type: text/plain; charset=us-ascii\n"
	    "Content-Transfer-Encoding: 7bit\n\n",
	    boundary);
	str_addf(out,
	    "This is a DMARC aggregate report (RFC 9990) from %s\n"
	    "for the domain %s, covering %s\nto %s.\n",
	    m->receiver, m->policy_domain, b, e);
	if (m->nparts > 1)
		str_addf(out, "It is part %u of %u.\n", m->part, m->nparts);
	str_addf(out, "Report-ID: %s\n\n", m->report_id);
}

/* add_attachment - the gzip file, base64 in lines of 76 */
static void
add_attachment(const struct rmail *m, const char *boundary, struct str *out)
{
	char *b64 = b64_encode(m->gz, m->gzlen);
	size_t n = strlen(b64), i;

	str_addf(out,
	    "--%s\nContent-Type: application/gzip;\n  name=\"%s\"\n"
	    "Content-Transfer-Encoding: base64\nContent-Disposition: "
	    "attachment;\n  filename=\"%s\"\n\n",
	    boundary, m->filename, m->filename);
	for (i = 0; i < n; i += RMAIL_B64_LINE) {
		str_addn(out, b64 + i,
		    n - i < RMAIL_B64_LINE ? n - i : RMAIL_B64_LINE);
		str_addc(out, '\n');
	}
	str_addf(out, "\n--%s--\n", boundary);
	free(b64);
}

/* rmail_compose - see rmail.h */
int
rmail_compose(const struct rmail *m, struct str *out, char *err, size_t errlen)
{
	char boundary[96];

	if (check_values(m, err, errlen) < 0)
		return -1;
	snprintf(boundary, sizeof(boundary), "=_hallmark_report_%lld_%u",
	    (long long)m->begin, m->part);
	add_headers(m, boundary, out);
	add_text(m, boundary, out);
	add_attachment(m, boundary, out);
	return 0;
}
