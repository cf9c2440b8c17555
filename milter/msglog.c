/*
 * msglog.c - lines about one message, kept until the queue id is known.
 *
 * SYNOPSIS
 *	msglog(), msglog_flush()
 *
 * DESCRIPTION
 *	A module that logs while the message has no queue id yet (SPF at
 *	MAIL FROM) calls msglog(): the line is kept in the message, one
 *	level byte then the text and a newline, and logged by
 *	msglog_flush() under the queue id.  The callbacks flush as soon as
 *	the MTA gives a queue id and when a message ends (ctx_msg_free), so
 *	no line is lost, and a line keeps its place among the message's
 *	lines.  Lines below the configured level are not kept.  At most
 *	MSGLOG_MAX bytes are kept; past that lines go out at once, under
 *	NOQUEUE.  Newlines in the text become '?'.
 *
 *	Memory: m->logq, freed by msglog_flush().  Thread safety: per
 *	message, like the message.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msglog.h"
#include "str.h"

#define MSGLOG_MAX 8192

/* has_qid - the MTA gave a queue id */
static int
has_qid(const struct hm_msg *m)
{
	return m->qid[0] != '\0' && strcmp(m->qid, "NOQUEUE") != 0;
}

/* msglog - see msglog.h */
void
msglog(struct hm_msg *m, enum log_level lvl, const char *fmt, ...)
{
	char line[1024], *p;
	va_list ap;

	if (lvl > log_get_level())
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (has_qid(m) ||
	    (m->logq != NULL && m->logq->len + strlen(line) + 2 > MSGLOG_MAX)) {
		log_qid(lvl, m->qid, "%s", line);
		return;
	}
	for (p = line; *p != '\0'; p++)
		if (*p == '\n')
			*p = '?';
	if (m->logq == NULL) {
		m->logq = xcalloc(1, sizeof(*m->logq));
		str_init(m->logq);
	}
	str_addc(m->logq, (char)('0' + lvl));
	str_addf(m->logq, "%s\n", line);
}

/* msglog_flush - see msglog.h */
void
msglog_flush(struct hm_msg *m)
{
	char *p, *nl;

	if (m->logq == NULL)
		return;
	for (p = m->logq->s; p != NULL && *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		log_qid((enum log_level)(p[0] - '0'), m->qid, "%.*s",
		    (int)(nl - p - 1), p + 1);
	}
	str_free(m->logq);
	free(m->logq);
	m->logq = NULL;
}
