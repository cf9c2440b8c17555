/*
 * dmarc.h - the DMARC check module (hm_module "dmarc") and its
 * configuration section dmarc { ... }.
 *
 * Per message, at end of message: the Author Domain from the From field
 * as ctx.c parsed it once (ctx_msg_from, mailaddr.c), the DMARC Policy
 * Record and the
 * Organizational Domain (orgdomain.c), check SPF and DKIM identifier
 * alignment on the results in struct hm_msg, decide the verdict
 * (policy.c, with allowlist.c overrides), and add the A-R entry.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DMARC_H
#define HALLMARK_DMARC_H

#include "allowlist.h"
#include "conf.h"
#include "dmarc_record.h"
#include "module.h"
#include "orgdomain.h"
#include "policy.h"
#include "results.h"

/* the PSL file option and the list loaded from it (RFC 7489 mode) */
struct dmarc_psl {
	char *file;
	struct psl_ctx_st *ctx;		/* loaded when org_domain = "psl" */
};

struct conf_dmarc {
	int enable;
	int org_domain;			/* enum orgdom_mode */
	struct dmarc_psl psl;		/* option psl_file */
	int from_action;		/* enum verdict_action */
	int on_reject;
	int on_quarantine;
	int on_none;
	int on_temperror;
	int on_permerror;
	int quarantine_by;		/* enum policy_quarantine */
	char *quarantine_header;
	int report_only;
	char **monitor_domains;
	struct allow_list vendors;
};

/*
 * What DMARC decided about one message, for aggregate reports
 * (report/rcollect.c reads it after the verdict).  Kept in the message
 * (msg->mod[MOD_DMARC]); filled only when a DMARC Policy Record applied
 * (have = 1): no record, nothing to report to.
 */
struct dmarc_report {
	int have;
	char author[ORGDOM_NAME_MAX + 1];	 /* RFC5322.From domain */
	char policy_domain[ORGDOM_NAME_MAX + 1]; /* where the record is */
	char org[ORGDOM_NAME_MAX + 1];		 /* Organizational Domain */
	struct dmarcrec rec;			 /* the record */
	int psl; /* discovery: 1 psl, 0 treewalk */
	enum res_dmarc result;
	enum policy_dis applied;       /* disposition applied */
	int dkim_aligned, spf_aligned; /* an aligned pass of each */
	int overridden;		       /* reason, by: as policy_out */
	enum allow_reason reason;
	const char *by;	   /* lives as long as the message */
	char via[ALLOW_VIA_MAX]; /* a vendor's rule that matched, or "" */
	const char *local; /* a local setting, or NULL */
};

/* dmarc_report_of - the decision of m, or NULL when no record applied */
const struct dmarc_report *dmarc_report_of(const struct hm_msg *m);

extern const struct conf_opt dmarc_conf_opts[];
extern const struct hm_module dmarc_module;

/*
 * allow_conf_parse / allow_conf_free (allowlist_conf.c) - CT_CUSTOM option
 * vendors, holding a struct allow_list: a list of groups { name = "x";
 * networks = [...]; spf = "_spf.x.example"; dkim_domains = [...];
 * domains = [...]; recipient_domains = [...]; reason = "local_policy"; }
 * (name and domains required, and at least one of networks, spf and
 * dkim_domains).  s == NULL: an empty list.
 */
int
allow_conf_parse(const config_setting_t *s, void *field, struct conf_err *e);
void allow_conf_free(void *field);

/* dmarc_conf_check - section check: load the PSL in "psl" mode */
int dmarc_conf_check(void *section, const char *conf_file,
    const config_setting_t *s, struct conf_err *e);

/*
 * dmarc_align - pure alignment decision of one identifier: strict = equal
 * (case-insensitive); relaxed = same Organizational Domain (orgs given).
 */
int dmarc_align(const char *author, const char *author_org, const char *id,
    const char *id_org, int strict);

#endif
