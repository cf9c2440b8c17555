/*
 * dkim_sign.h - the DKIM signing module (hm_module "dkims") and its
 * configuration section dkim_sign { }.
 *
 * Which mail is signed: a message whose RFC5322.From address selects keys
 * in the signing table, coming from a client in internal_networks or an
 * SMTP-authenticated one.  With trust_signing_table = true, a match in the
 * signing table is enough (for MTAs that already restrict who may use
 * those sender addresses).  Everything else is verified, not signed.  A
 * message with no From or several From fields is never signed, nor one
 * whose From lib/mailaddr.c does not read as exactly one address: the
 * author is the one DMARC sees (ctx_msg_from).  Every
 * decision, and each key used (name, d=, s=, a=; never key material), is
 * logged per message.
 *
 * The section's keys are loaded when the configuration loads (start,
 * SIGHUP, hallmarkd -n) by the section check; a failure fails the load,
 * so on SIGHUP the previous keys stay in force.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_DKIM_SIGN_H
#define HALLMARK_DKIM_SIGN_H

#include "conf.h"
#include "dkim_canon.h"
#include "keytable.h"
#include "module.h"

struct dkims_rulespec;

/* values of dkim_sign.on_bad_key */
enum dkims_bad_key {
	DKIMS_BAD_KEY_FAIL = 0, /* the whole load fails */
	DKIMS_BAD_KEY_SKIP	/* drop it, load the rest */
};

struct dkims_conf {
	int enable;
	struct keytab *keys;		/* the whole table once checked */
	struct dkims_rulespec *signing_table;	/* native rules as parsed */
	char *opendkim_keytable;
	char *opendkim_signingtable;
	int opendkim_multiple_signatures;
	char *canonicalization;		/* "header/body" */
	char **sign_headers;
	char **oversign_headers;
	long signature_ttl;		/* x= after this many seconds; 0 none */
	int trust_signing_table;
	int on_bad_key; /* enum dkims_bad_key */
	/* derived by the section check */
	enum canon_alg hcanon, bcanon;
};

extern const struct conf_opt dkims_conf_opts[];
/* dkims_conf_check - build and load the key table (the section check) */
int dkims_conf_check(void *section, const char *conf_file,
    const config_setting_t *s, struct conf_err *e);

extern const struct hm_module dkims_module;

#endif
