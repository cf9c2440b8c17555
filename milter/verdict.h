/*
 * verdict.h - what a message's checks decide, and the SMTP reply that says
 * it.  Modules propose; the most severe proposal wins
 * (accept < quarantine < tempfail < reject), and the callbacks turn the
 * final one into SMFIS_* plus smfi_setreply()/smfi_quarantine().
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_VERDICT_H
#define HALLMARK_VERDICT_H

enum verdict_action {
	VERDICT_ACCEPT = 0,
	VERDICT_QUARANTINE,
	VERDICT_TEMPFAIL,
	VERDICT_REJECT
};

struct verdict {
	enum verdict_action action;
	char *rcode;		/* "550", "451"; NULL: libmilter default */
	char *xcode;		/* "5.7.1" */
	char *text;		/* reply text / quarantine reason */
	char *by;		/* module that proposed it, for the log */
};

/* verdict_propose - keep v unless action is more severe; strings copied */
void verdict_propose(struct verdict *v, enum verdict_action action,
    const char *by, const char *rcode, const char *xcode, const char *text);
void verdict_free(struct verdict *v);
const char *verdict_action_name(enum verdict_action a);
/* verdict_action_names - "accept", "quarantine", "tempfail", "reject",
 * NULL: indexed by enum verdict_action, the one list option tables use */
extern const char *const verdict_action_names[];
/* verdict_action_parse - "accept", "quarantine", "tempfail", "reject" */
int verdict_action_parse(const char *s, enum verdict_action *out);

#endif
