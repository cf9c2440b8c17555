/*
 * conf_table.h - struct conf, the loaded configuration snapshot: the core
 * options and one section struct per module.  Immutable once installed;
 * read by every thread without locks.  Field names follow option names.
 *
 * To add a module's section: declare its struct and option table in the
 * module's header, add a member here and a line in conf_table.c.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_CONF_TABLE_H
#define HALLMARK_CONF_TABLE_H

#include "cidr.h"
#include "conf.h"
#include "dkim_verify.h"
#include "dmarc.h"
#include "dns.h"
#include "rconf.h"
#include "spf.h"
#include "dkim_sign.h"

struct conf_log {
	int to_syslog;
	char *facility;
	int level;		/* enum log_level */
};

struct conf_dns {
	char **forwarders;
	int use_resolv_conf;
	char *trust_anchor_file;
	long query_timeout_ms;
	long message_budget_ms;
	long cache_size_kb;
	int tcp_only;
};

/* mode: the site's role (values of option "mode") */
enum conf_mode {
	CONF_MODE_BOTH = 0, /* verify inbound, sign outbound */
	CONF_MODE_SIGN,	    /* sign only: never verify */
	CONF_MODE_VERIFY    /* verify only: never sign */
};

struct conf {
	int refcnt;			/* conf.c only */
	char *file;			/* where it was loaded from, or NULL */

	char *socket;
	char *socket_mode;  /* octal text, e.g. "0660" */
	char *socket_group; /* NULL: the user's group */
	char *pidfile;
	char *user;
	char *authserv_id;		/* never NULL after load */
	struct cidr_set internal_networks;
	struct cidr_set trusted_relays; /* gateways relaying to us */
	char **trusted_authserv_ids;	/* their A-R ids we believe, or NULL */
	int on_internal_error;		/* enum verdict_action */
	int authres_outbound;		/* verify and add A-R to trusted
					 * clients' mail too */
	int mode;			/* enum conf_mode */
	struct cidr_set skip_networks;	/* clients whose mail is ignored */
	char **skip_senders;		/* addrpat.h patterns, or NULL */
	char **skip_recipients;		/* idem; all recipients must match */
	long max_header_bytes;
	long milter_timeout; /* s; libmilter's I/O timeout, read at
					 * start only */
	char *metrics_listen; /* ADDR:PORT or PORT, or NULL/"": no
					 * metrics endpoint; start only */
	struct conf_log log;
	struct conf_dns dns;

	/* module sections */
	struct conf_spf spf;
	struct conf_dkim_verify dkim_verify;
	struct conf_dmarc dmarc;
	struct dkims_conf dkim_sign;
	struct conf_reports reports;

	/* run-time resources built from the above by runtime.c (NULL in
	 * check mode), freed with the snapshot: rt_stop first */
	struct dns_resolver *resolver;
	void (*rt_stop)(struct conf *c);
};

/* conf_table_check - checks across options, after the table is loaded
 * (root: the file's root setting, for the line): the pid file is written
 * after the privilege drop, so user (when started as root) must be able
 * to write it.  0, or -1 with e. */
int conf_table_check(const struct conf *c, const config_setting_t *root,
    struct conf_err *e);

#endif
