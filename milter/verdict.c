/*
 * verdict.c - combine the verdicts modules propose: the most severe one
 * wins (accept < quarantine < tempfail < reject); at equal severity the
 * first proposal is kept.  Strings are copied and owned by the verdict.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "verdict.h"

/* the one list of action names, indexed by enum verdict_action */
const char *const verdict_action_names[] = { "accept", "quarantine", "tempfail",
	"reject", NULL };

/* dup_or_null - copy a string that may be NULL */
static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* verdict_propose - keep the more severe action */
void
verdict_propose(struct verdict *v, enum verdict_action action,
    const char *by, const char *rcode, const char *xcode, const char *text)
{
	if (action <= v->action && !(action == v->action && v->by == NULL &&
	    action != VERDICT_ACCEPT))
		return;
	verdict_free(v);
	v->action = action;
	v->by = dup_or_null(by);
	v->rcode = dup_or_null(rcode);
	v->xcode = dup_or_null(xcode);
	v->text = dup_or_null(text);
}

/* verdict_free - release the strings; action back to accept */
void
verdict_free(struct verdict *v)
{
	free(v->rcode);
	free(v->xcode);
	free(v->text);
	free(v->by);
	memset(v, 0, sizeof(*v));
}

/* verdict_action_name - "accept", ... */
const char *
verdict_action_name(enum verdict_action a)
{
	return (unsigned)a <= VERDICT_REJECT ? verdict_action_names[a] :
					       "accept";
}

/* verdict_action_parse - name to action; -1 if unknown */
int
verdict_action_parse(const char *s, enum verdict_action *out)
{
	int i;

	for (i = 0; verdict_action_names[i] != NULL; i++) {
		if (str_casecmp(s, verdict_action_names[i]) == 0) {
			*out = (enum verdict_action)i;
			return 0;
		}
	}
	return -1;
}
