/*
 * rconf.h - the configuration section reports { ... }: DMARC aggregate
 * reports, collected by hallmarkd (ragg.c, rflush.c) and sent by
 * `hallmark report send`.  One section for both sides: the collector's
 * options (enable, store, flush_interval, max_rows, the reporter
 * identity, exclude_recipients) and the sender's.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_RCONF_H
#define HALLMARK_RCONF_H

#include <stddef.h>

#include "conf.h"

#define RCONF_STORE_DEFAULT "sqlite:/var/lib/hallmark/reports.db"

struct conf_reports {
	int enable;		   /* collect (hallmarkd) and send (tool) */
	char *store;		   /* rdb.h connection string */
	long flush_interval;	   /* s between two writes to the store */
	long max_rows;		   /* distinct rows held between flushes */
	char *org_name;		   /* report_metadata/org_name */
	char *email;		   /* report_metadata/email */
	char *receiver;		   /* our domain in report ids, file names */
	char *from;		   /* RFC5322.From of report mail, or NULL */
	char *bounce;		   /* envelope sender of report mail, or NULL */
	char **exclude_recipients; /* addrpat.h patterns; unset: from and
				    * bounce (filled by rconf_check) */
	/* sending: hallmark report send (rsend.h) */
	int format;	       /* enum rxml_format: rfc9990, rfc7489 */
	long send_delay;       /* s after UTC midnight before a day goes */
	long max_report_bytes; /* gzip size cap of one report part */
	char *sendmail;	       /* path of the sendmail program */
	char **suppress;       /* addrpat.h patterns that get no report */
	long daily_cap;	       /* report mails per address and day, 0 none */
	int skip_no_pass;      /* no aligned pass in the day: not sent */
	int verp;	       /* envelope sender bounce+rcpt=domain@... */
	long bounce_suppress_days; /* suppress --bounce: days, 0 permanent */
	long retry_days;	   /* deferred longer: failed */
	long keep_days;		   /* reported days kept in the store, 0 all */
	long keep_imported_days;   /* imported reports kept, 0 all */
};

extern const struct conf_opt rconf_opts[];

/* rconf_check - section check: enable needs org_name, email and
 * receiver; fills exclude_recipients from from and bounce when unset */
int rconf_check(void *section, const char *conf_file, const config_setting_t *s,
    struct conf_err *e);

/* rconf_check_store / rconf_check_mailbox - conf_valid_fn: a store
 * connection string (rdb.h), an address local@domain */
int rconf_check_store(const char *url, char *err, size_t errlen);
int rconf_check_mailbox(const char *addr, char *err, size_t errlen);

/*
 * rconf_excluded - 1 when the envelope recipient rcpt (no <>) is one of
 * exclude_recipients, also with an address extension ("+..." after the
 * local part, as a VERP bounce address carries) removed; else 0.
 */
int rconf_excluded(const struct conf_reports *r, const char *rcpt);

#endif
