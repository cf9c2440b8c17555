/*
 * spf.h - the SPF check (RFC 7208) as a hallmark module: the HELO identity
 * once per connection (cached in conn->mod[MOD_SPF]), the MAIL FROM
 * identity per message, results into msg->spf_helo / msg->spf_mfrom for
 * DMARC, an Authentication-Results entry, an optional Received-SPF header
 * and the configured action per result.
 *
 * The evaluator is hallmark's own (spf_eval.c), not libspf2: see the
 * README's "SPF conformance" section for why and for the suite figures.
 *
 * Configuration: section "spf" (struct conf_spf, table spf_conf_opts).
 * Thread safety: state lives in the connection / message only.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_SPF_H
#define HALLMARK_SPF_H

#include "conf.h"
#include "module.h"
#include "results.h"
#include "verdict.h"

/* what to do with a result; index into spf_actions (spf.c) */
enum spf_action {
	SPF_ACT_ACCEPT = 0,
	SPF_ACT_REJECT,
	SPF_ACT_TEMPFAIL
};

struct conf_spf {
	int enable;
	int helo;			/* check the HELO identity */
	int received_spf_header;	/* add Received-SPF: */
	int on_fail;			/* enum spf_action */
	int on_softfail;
	int on_temperror;
	int on_permerror;
	char *reject_text;		/* start of the SMTP reply text */
	char *default_explanation;	/* explain-string, macros allowed */
};

extern const struct conf_opt spf_conf_opts[];
extern const struct hm_module spf_module;

/*
 * spf_decide - pure: the SMTP reaction to a decisive SPF result under the
 * configured actions.  Returns the verdict action; rcode/xcode are set
 * to static strings ("550" / "5.7.23", ...) when it is not accept.
 */
enum verdict_action spf_decide(const struct conf_spf *cs, enum res_spf r,
    const char **rcode, const char **xcode);

/* spf_prop_address - pure: the A-R property value for a MAIL FROM
 * address: the address when its local part is a dot-atom, else
 * "@domain" (RFC 8601 section 2.7.2).  Caller frees. */
char *spf_prop_address(const char *addr);

#endif
