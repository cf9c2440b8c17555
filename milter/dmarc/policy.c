/*
 * policy.c - DMARC result + Domain Owner policy + local overrides ->
 * verdict.
 *
 * SYNOPSIS
 *	policy_decide(), policy_conf_defaults()
 *
 * DESCRIPTION
 *	pass and none are accepted.  For a fail, the requested policy (p,
 *	sp or np, chosen by the caller) is first lowered one level by t=y
 *	(RFC 9989 4.7) or, in RFC 7489 mode, by pct sampling (RFC 7489
 *	6.6.4).  Then the local overrides, in this order, make the
 *	disposition none: a matching vendor entry (its reason; the rule
 *	that matched is kept as "via"), a
 *	trusted client (internal network or SMTP AUTH: local_policy), a
 *	monitor-only domain (local_policy).  The disposition maps to the
 *	configured action (on_reject, on_quarantine, on_none); temperror
 *	and permerror to on_temperror / on_permerror (a trusted client or
 *	vendor is never tempfailed).  Report-only mode turns every action
 *	into accept.  The disposition applied (none, pass, quarantine,
 *	reject: RFC 9990's words) follows from the action taken; when a
 *	local setting (on_reject, on_quarantine, on_none, report_only) makes
 *	it differ from the policy's, that setting is named as the reason.
 *
 *	Replies: reject 550 5.7.1 and tempfail 451 4.7.1 with a text naming
 *	the domain and DMARC; quarantine gets a reason text.
 *	Pure; no allocation.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"

/* policy_conf_defaults - see policy.h */
void
policy_conf_defaults(struct policy_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->on_reject = VERDICT_REJECT;
	c->on_quarantine = VERDICT_QUARANTINE;
	c->on_none = VERDICT_ACCEPT;
	c->on_temperror = VERDICT_TEMPFAIL;
	c->on_permerror = VERDICT_ACCEPT;
	c->quarantine_by = POLICY_Q_HOLD;
}

/* lower - one level down: reject -> quarantine -> none */
static enum dmarcrec_policy
lower(enum dmarcrec_policy p)
{
	return p == DMARCREC_P_REJECT ? DMARCREC_P_QUARANTINE : DMARCREC_P_NONE;
}

/* override - set the disposition to none for a reason */
static void
override(struct policy_out *o, enum allow_reason r, const char *by,
    const char *via)
{
	if (o->dis != DMARCREC_P_NONE) {
		o->dis = DMARCREC_P_NONE;
		o->overridden = 1;
		o->reason = r;
		o->by = by;
		o->via = via;
	}
}

/* disposition - the policy applied to a failing message */
static void
disposition(const struct policy_conf *c, const struct policy_input *in,
    struct policy_out *o)
{
	o->dis = in->requested == DMARCREC_P_UNSET ? DMARCREC_P_NONE :
	    in->requested;
	if (in->testing && o->dis != DMARCREC_P_NONE) {
		o->dis = lower(o->dis);
		o->overridden = 1;
		o->reason = ALLOW_R_POLICY_TEST_MODE;
		o->by = "t=y";
	} else if (c->honour_pct && in->pct < 100 &&
	    (int)(in->rnd % 100) >= in->pct && o->dis != DMARCREC_P_NONE) {
		o->dis = lower(o->dis);
		o->overridden = 1;
		o->reason = ALLOW_R_SAMPLED_OUT;
		o->by = "pct";
	}
	if (in->vendor != NULL)
		override(o, in->vendor->reason, in->vendor->name,
		    in->vendor_via);
	else if (in->trusted_client)
		override(o, ALLOW_R_LOCAL_POLICY,
		    in->trusted_by != NULL ? in->trusted_by : "trusted client",
		    NULL);
	else if (in->monitor_only)
		override(o, ALLOW_R_LOCAL_POLICY, "monitor-only domain", NULL);
}

/* texts - reply codes and text for the action chosen */
static void
texts(const struct policy_input *in, struct policy_out *o)
{
	const char *d = in->domain != NULL ? in->domain : "(unknown)";

	switch (o->action) {
	case VERDICT_REJECT:
		o->rcode = "550";
		o->xcode = "5.7.1";
		snprintf(o->text, sizeof(o->text), "Message rejected: DMARC "
		    "authentication failed for %s (policy %s)", d,
		    dmarcrec_policy_name(o->dis));
		break;
	case VERDICT_TEMPFAIL:
		o->rcode = "451";
		o->xcode = "4.7.1";
		snprintf(o->text, sizeof(o->text), "DMARC check for %s could "
		    "not be completed (temporary DNS error), try again later",
		    d);
		break;
	case VERDICT_QUARANTINE:
		snprintf(o->text, sizeof(o->text), "DMARC authentication "
		    "failed for %s (policy %s)", d,
		    dmarcrec_policy_name(o->dis));
		break;
	case VERDICT_ACCEPT:
		break;
	}
}

/* action_for - configured action for a failing message's disposition */
static enum verdict_action
action_for(const struct policy_conf *c, enum dmarcrec_policy dis)
{
	if (dis == DMARCREC_P_REJECT)
		return c->on_reject;
	if (dis == DMARCREC_P_QUARANTINE)
		return c->on_quarantine;
	return c->on_none;
}

/* policy_dis_name - see policy.h */
const char *
policy_dis_name(enum policy_dis d)
{
	static const char *const n[] = { "none", "pass", "quarantine",
		"reject" };

	return (unsigned)d < 4 ? n[d] : "none";
}

/* as_dis - the disposition a policy asks for */
static enum policy_dis
as_dis(enum dmarcrec_policy p)
{
	if (p == DMARCREC_P_REJECT)
		return POLICY_DIS_REJECT;
	return p == DMARCREC_P_QUARANTINE ? POLICY_DIS_QUARANTINE :
					    POLICY_DIS_NONE;
}

/* applied - the disposition the action carries out, and for a failing
 * message the local setting that made it differ from the policy's */
static void
applied(const struct policy_conf *c, const struct policy_input *in,
    struct policy_out *o)
{
	if (o->action == VERDICT_REJECT || o->action == VERDICT_TEMPFAIL)
		o->applied = POLICY_DIS_REJECT;
	else if (o->action == VERDICT_QUARANTINE || o->add_header)
		o->applied = POLICY_DIS_QUARANTINE;
	else
		o->applied = in->result == RES_DMARC_PASS ? POLICY_DIS_PASS :
							    POLICY_DIS_NONE;
	if (in->result != RES_DMARC_FAIL || o->applied == as_dis(o->dis))
		return;
	if (c->report_only && action_for(c, o->dis) != VERDICT_ACCEPT)
		o->local = "report_only";
	else
		o->local = o->dis == DMARCREC_P_REJECT ? "on_reject" :
		    o->dis == DMARCREC_P_QUARANTINE    ? "on_quarantine" :
							 "on_none";
}

/* policy_decide - see policy.h */
void
policy_decide(const struct policy_conf *c, const struct policy_input *in,
    struct policy_out *o)
{
	memset(o, 0, sizeof(*o));
	o->dis = DMARCREC_P_NONE;
	switch (in->result) {
	case RES_DMARC_FAIL:
		disposition(c, in, o);
		o->action = action_for(c, o->dis);
		break;
	case RES_DMARC_TEMPERROR:
		o->action = (in->trusted_client || in->vendor != NULL) ?
		    VERDICT_ACCEPT : c->on_temperror;
		break;
	case RES_DMARC_PERMERROR:
		o->action = c->on_permerror;
		break;
	default:
		o->action = VERDICT_ACCEPT;
		break;
	}
	if (c->report_only)
		o->action = VERDICT_ACCEPT;
	if (o->action == VERDICT_QUARANTINE &&
	    c->quarantine_by == POLICY_Q_HEADER) {
		o->action = VERDICT_ACCEPT;
		o->add_header = 1;
		snprintf(o->text, sizeof(o->text), "DMARC authentication "
		    "failed for %s (policy quarantine)",
		    in->domain != NULL ? in->domain : "(unknown)");
	} else {
		texts(in, o);
	}
	applied(c, in, o);
}
