/*
 * dkim_action.h - actions on mail from domains that must be signed
 * (dkim_verify.must_sign_domains, dkim_verify.on_unsigned); see
 * dkim_action.c.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DKIM_ACTION_H
#define HALLMARK_DKIM_ACTION_H

#include <stddef.h>

#include "results.h"

struct hm_msg;
struct conf_dkim_verify;

/* values of dkim_verify.on_unsigned */
enum dkima_action { DKIMA_ACCEPT = 0, DKIMA_QUARANTINE, DKIMA_REJECT };

/* "accept", "quarantine", "reject", NULL: indexed by enum dkima_action */
extern const char *const dkima_action_names[];

/* dkima_listed - dom (lower case) matches a pattern of pats (NULL-
 * terminated, may be NULL): "example.org" that domain, "*.example.org"
 * its subdomains */
int dkima_listed(char *const *pats, const char *dom);

/* dkima_signed - one of the n results passed with d= equal to dom */
int dkima_signed(const struct res_dkim_sig *v, size_t n, const char *dom);

/* dkima_apply - after verification: the on_unsigned action, A-R comment
 * (entries from ar_first on) and log line for m under cf (m's
 * dkim_verify section), if its From domain must be signed and is not */
void dkima_apply(struct hm_msg *m, const struct conf_dkim_verify *cf,
    size_t ar_first);

#endif
