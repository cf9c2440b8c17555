/*
 * rmail.h - the mail that carries one DMARC aggregate report part
 * (RFC 9990 section 5.1 / RFC 7489 7.2.1.1): headers, a short text part
 * and the gzip file as an application/gzip attachment.
 *
 * Pure: the caller gives every value, including the time and the
 * Message-ID; no I/O, no logging.  Lines end in LF (the message is handed
 * to sendmail, which writes the line ends of the wire).  Every header
 * value comes from the configuration or from values rdest/rxml already
 * checked; rmail_compose refuses CR, LF and NUL in any of them.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RMAIL_H
#define HALLMARK_RMAIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "str.h"

struct rmail {
	const char *from;      /* reports.from mailbox */
	const char *from_name; /* display name (org_name), or NULL */
	const char *const *to; /* recipients */
	size_t nto;
	const char *policy_domain; /* Report Domain */
	const char *receiver;	   /* Submitter */
	const char *report_id;	   /* Report-ID, as in the XML */
	const char *filename;	   /* of the attachment */
	int64_t begin, end;	   /* date range (for the text part) */
	unsigned part, nparts;
	const void *gz; /* the attachment */
	size_t gzlen;
	time_t date;		/* Date: */
	const char *message_id; /* without <>, e.g. "x.y@example.org" */
};

/*
 * rmail_compose - the message into *out (appended): From, To, Subject
 * ("Report Domain: D Submitter: R Report-ID: <ID>"), Date, Message-ID,
 * MIME-Version, Auto-Submitted: auto-generated, a multipart/mixed body
 * with a text/plain part and the base64 attachment (76-column lines).
 * 0, or -1 with err set when a value cannot go into a header.
 */
int
rmail_compose(const struct rmail *m, struct str *out, char *err, size_t errlen);

/* rmail_date - an RFC 5322 date of t in UTC into buf */
void rmail_date(time_t t, char *buf, size_t len);

#endif
