/*
 * policy.h - from a DMARC result, the Domain Owner's policy and the local
 * overrides to a verdict (accept, quarantine, tempfail, reject) with its
 * SMTP reply or quarantine reason.
 *
 * Pure: data in, decision out; no I/O, no logging.  Thread-safe.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_POLICY_H
#define HALLMARK_POLICY_H

#include "allowlist.h"
#include "dmarc_record.h"
#include "results.h"
#include "verdict.h"

/* how a message for which the policy asks quarantine is held */
enum policy_quarantine {
	POLICY_Q_HOLD = 0,	/* VERDICT_QUARANTINE: smfi_quarantine */
	POLICY_Q_HEADER		/* accept, add a header */
};

/* the disposition actually applied (RFC 9990 report vocabulary) */
enum policy_dis {
	POLICY_DIS_NONE = 0,   /* delivered, no policy applied */
	POLICY_DIS_PASS,       /* DMARC pass: delivered */
	POLICY_DIS_QUARANTINE, /* held, or delivered marked (a header) */
	POLICY_DIS_REJECT      /* refused (reject, or tempfail) */
};

struct policy_conf {
	enum verdict_action on_reject;		/* fail under p=reject */
	enum verdict_action on_quarantine;	/* fail under p=quarantine */
	enum verdict_action on_none;		/* fail under p=none */
	enum verdict_action on_temperror;	/* default tempfail */
	enum verdict_action on_permerror;	/* default accept */
	enum policy_quarantine quarantine_by;
	int report_only;			/* never reject/quarantine/tempfail */
	int honour_pct;				/* RFC 7489 mode */
};

struct policy_input {
	enum res_dmarc result;
	const char *domain;		/* author domain (for the texts) */
	enum dmarcrec_policy requested;	/* p, sp or np as it applies */
	int testing;			/* t=y */
	int pct;			/* 0..100 */
	unsigned rnd;			/* 0..99, for pct sampling */
	int monitor_only;		/* domain in the monitor-only list */
	int trusted_client;		/* internal network or authenticated */
	const char *trusted_by;		/* its "by" text; NULL: "trusted client" */
	const struct allow_vendor *vendor; /* matching vendor entry */
	const char *vendor_via;		   /* the rule that matched: "spf:D",
				 * "dkim:D", "network:P", or NULL */
};

struct policy_out {
	enum verdict_action action;
	enum dmarcrec_policy dis; /* the policy after the overrides */
	enum policy_dis applied;  /* what was done (A-R dis=, log) */
	/* a local setting made applied differ from dis: "on_reject",
	 * "on_quarantine", "on_none" or "report_only"; else NULL */
	const char *local;
	int overridden;			/* an override changed the policy */
	enum allow_reason reason;	/* when overridden */
	const char *by;			/* vendor name or override source */
	const char *via; /* a vendor's rule (vendor_via), or NULL */
	int add_header;			/* POLICY_Q_HEADER: add a header */
	const char *rcode, *xcode;	/* NULL for accept/quarantine */
	char text[256];			/* SMTP text or quarantine reason */
};

/* policy_decide - the verdict for one message; always fills *out */
void policy_decide(const struct policy_conf *c, const struct policy_input *in,
    struct policy_out *out);

/* policy_dis_name - "none", "pass", "quarantine", "reject" */
const char *policy_dis_name(enum policy_dis d);

/* policy_conf_defaults - reject, quarantine (held), accept, tempfail,
 * accept; enforcing; pct ignored */
void policy_conf_defaults(struct policy_conf *c);

#endif
