/*
 * rconf.c - the option table of reports { ... } and its checks (rconf.h).
 *
 * SYNOPSIS
 *	rconf_opts[], rconf_check(), rconf_check_store(),
 *	rconf_check_mailbox(), rconf_excluded()
 *
 * DESCRIPTION
 *	Rows are designated initializers; defaults are the documented ones
 *	(conf/hallmark.conf, README, hallmark.conf(5): test_conf and
 *	t_conf_doc check them).  Value checks are pure and name what is
 *	wrong without repeating the value.  rconf_check runs once the
 *	section is loaded: reports.enable without the reporter identity
 *	(org_name, email, receiver) is an error naming what is missing, so
 *	`hallmarkd -n` and start-up refuse it.  rconf_excluded is pure and
 *	thread-safe (reads an immutable snapshot).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdio.h>
#include <string.h>

#include "addrpat.h"
#include "conf_check.h"
#include "rconf.h"
#include "str.h"

#define ORG_NAME_MAX 200
#define MAILBOX_MAX 254

/* has_prefix - s starts with p (case-insensitive) */
static int
has_prefix(const char *s, const char *p)
{
	return str_ncasecmp(s, p, strlen(p)) == 0;
}

/* rconf_check_store - see rconf.h */
int
rconf_check_store(const char *url, char *err, size_t errlen)
{
	const char *path = url;

	if (has_prefix(url, "postgresql://") || has_prefix(url, "postgres://"))
		return 0;
	if (has_prefix(url, "pg:") && url[3] == '\0')
		return str_seterr(err, errlen, "pg: needs a libpq conninfo");
	if (has_prefix(url, "pg:"))
		return 0;
	if (has_prefix(url, "sqlite:"))
		path = url + 7;
	if (path[0] != '/')
		return str_seterr(err, errlen,
		    "not \"sqlite:/PATH\", an "
		    "absolute path, \"postgresql://...\" or \"pg:CONNINFO\"");
	return conf_check_abs_path(path, err, errlen);
}

/* local_ok - the local part of an address hallmark writes: printable
 * ASCII, no space, no <>, no quotes */
static int
local_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f ||
		    strchr("<>\"()[],;:\\", p[i]) != NULL)
			return 0;
	return 1;
}

/* rconf_check_mailbox - see rconf.h */
int
rconf_check_mailbox(const char *addr, char *err, size_t errlen)
{
	const char *at = strrchr(addr, '@');
	char why[160];

	if (strlen(addr) > MAILBOX_MAX)
		return str_seterr(err, errlen, "longer than %d characters",
		    MAILBOX_MAX);
	if (at == NULL || !local_ok(addr, (size_t)(at - addr)))
		return str_seterr(err, errlen, "not an address local@domain");
	if (conf_check_domain(at + 1, why, sizeof(why)) < 0)
		return str_seterr(err, errlen, "the domain: %s", why);
	return 0;
}

/* org_name_ok - printable, not empty, bounded */
static int
org_name_ok(const char *s, char *err, size_t errlen)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > ORG_NAME_MAX)
		return str_seterr(err, errlen, "1 to %d characters",
		    ORG_NAME_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return str_seterr(err, errlen, "a control character");
	return 0;
}

/* receiver_ok - a domain name */
static int
receiver_ok(const char *s, char *err, size_t errlen)
{
	return conf_check_domain(s, err, errlen);
}

/* the values of format, in the order of enum rxml_format */
static const char *const format_names[] = { "rfc9990", "rfc7489", NULL };

#define R(m) offsetof(struct conf_reports, m)
/* option table rows stay as written (see .clang-format) */
/* clang-format off */
const struct conf_opt rconf_opts[] = {
	{ .name = "enable", .type = CT_BOOL, .off = R(enable),
	  .def = "false",
	  .doc = "collect DMARC aggregate report data and send reports" },
	{ .name = "store", .type = CT_STRING, .off = R(store),
	  .def = RCONF_STORE_DEFAULT, .valid = rconf_check_store,
	  .doc = "the report store: sqlite:/PATH, postgresql://... or "
	    "pg:CONNINFO" },
	{ .name = "flush_interval", .type = CT_INT,
	  .off = R(flush_interval), .def = "60", .min = 1, .max = 3600,
	  .doc = "seconds between two writes of the collected rows to the "
	    "store (a crash loses at most this much)" },
	{ .name = "max_rows", .type = CT_INT, .off = R(max_rows),
	  .def = "100000", .min = 1, .max = 10000000,
	  .doc = "distinct report rows held in memory between two writes; "
	    "beyond, messages are counted as dropped and logged" },
	{ .name = "org_name", .type = CT_STRING, .off = R(org_name),
	  .valid = org_name_ok,
	  .doc = "the reporting organisation's name (required with enable)" },
	{ .name = "email", .type = CT_STRING, .off = R(email),
	  .valid = rconf_check_mailbox,
	  .doc = "the reporter's contact address (required with enable)" },
	{ .name = "receiver", .type = CT_STRING, .off = R(receiver),
	  .valid = receiver_ok,
	  .doc = "the receiver domain in report ids and file names "
	    "(required with enable)" },
	{ .name = "from", .type = CT_STRING, .off = R(from),
	  .valid = rconf_check_mailbox,
	  .doc = "From address of report mail (of a domain that signs, so "
	    "that reports pass DMARC)" },
	{ .name = "bounce", .type = CT_STRING, .off = R(bounce),
	  .valid = rconf_check_mailbox,
	  .doc = "envelope sender of report mail (where bounces go)" },
	{ .name = "exclude_recipients", .type = CT_STRLIST,
	  .off = R(exclude_recipients), .valid = conf_check_addr_pattern,
	  .doc = "mail to these addresses is not recorded (default: from "
	    "and bounce)" },
	/* sending: hallmark report send */
	{ .name = "format", .type = CT_ENUM, .off = R(format),
	  .def = "rfc9990", .enums = format_names,
	  .doc = "report XML: rfc9990, or rfc7489 for old readers" },
	{ .name = "send_delay", .type = CT_INT, .off = R(send_delay),
	  .def = "7200", .min = 0, .max = 86400,
	  .doc = "seconds after midnight UTC before the day's reports are "
	    "built (mail of the last minutes still being flushed)" },
	{ .name = "max_report_bytes", .type = CT_INT,
	  .off = R(max_report_bytes), .def = "4194304", .min = 10000,
	  .max = 104857600,
	  .doc = "gzip size cap of one report: bigger reports are split "
	    "into parts, never truncated" },
	{ .name = "sendmail", .type = CT_STRING, .off = R(sendmail),
	  .def = "/usr/sbin/sendmail", .valid = conf_check_abs_path,
	  .doc = "the MTA's sendmail program that report mail is handed to" },
	{ .name = "suppress", .type = CT_STRLIST, .off = R(suppress),
	  .valid = conf_check_addr_pattern,
	  .doc = "report destinations that never get a report (user@domain, "
	    "domain, *.domain)" },
	{ .name = "daily_cap", .type = CT_INT, .off = R(daily_cap),
	  .def = "500", .min = 0, .max = 1000000,
	  .doc = "report mails one address gets per UTC day at most (0: no "
	    "cap); the rest wait for the next day" },
	{ .name = "skip_no_pass", .type = CT_BOOL, .off = R(skip_no_pass),
	  .def = "false",
	  .doc = "send no report for a domain with no aligned DKIM or SPF "
	    "pass in the day" },
	{ .name = "verp", .type = CT_BOOL, .off = R(verp), .def = "false",
	  .doc = "envelope sender bounce+LOCAL=DOMAIN@... per recipient, so "
	    "bounces name the recipient" },
	{ .name = "bounce_suppress_days", .type = CT_INT,
	  .off = R(bounce_suppress_days), .def = "30", .min = 0, .max = 3650,
	  .doc = "how long a bounced destination is suppressed (suppress "
	    "--bounce; 0: for good)" },
	{ .name = "retry_days", .type = CT_INT, .off = R(retry_days),
	  .def = "3", .min = 1, .max = 30,
	  .doc = "days a deferred report is tried again before it is given "
	    "up as failed" },
	{ .name = "keep_days", .type = CT_INT, .off = R(keep_days),
	  .def = "31", .min = 0, .max = 36500,
	  .doc = "days the store keeps collected rows and sent reports; "
	    "older days are pruned by report send and report prune, once "
	    "their report is final (0: never pruned)" },
	{ .name = "keep_imported_days", .type = CT_INT,
	  .off = R(keep_imported_days), .def = "400", .min = 0, .max = 36500,
	  .doc = "days imported reports are kept after their period ended, "
	    "for senders --since (0: never pruned)" },
	CONF_END
};
/* clang-format on */

/* missing - the first identity option enable needs that is unset */
static const char *
missing(const struct conf_reports *r)
{
	if (r->org_name == NULL)
		return "org_name";
	if (r->email == NULL)
		return "email";
	if (r->receiver == NULL)
		return "receiver";
	return NULL;
}

/* default_excludes - from and bounce (those set), as a NULL-ended list */
static char **
default_excludes(const struct conf_reports *r)
{
	char **l = xcalloc(3, sizeof(*l));
	size_t n = 0;

	if (r->from != NULL)
		l[n++] = xstrdup(r->from);
	if (r->bounce != NULL)
		l[n++] = xstrdup(r->bounce);
	return l;
}

/* rconf_check - see rconf.h */
int
rconf_check(void *section, const char *conf_file, const config_setting_t *s,
    struct conf_err *e)
{
	struct conf_reports *r = section;
	const char *m;

	(void)conf_file;
	if (r->exclude_recipients == NULL)
		r->exclude_recipients = default_excludes(r);
	if (!r->enable || (m = missing(r)) == NULL)
		return 0;
	conf_err_set(e, s ? config_setting_get_member(s, "enable") : NULL,
	    "true, but reports.%s is not set (reports need the reporter's "
	    "identity: org_name, email and receiver)",
	    m);
	return -1;
}

/* strip_ext - addr without a "+extension" of its local part, into buf;
 * NULL when it has none */
static const char *
strip_ext(const char *addr, char *buf, size_t n)
{
	const char *at = strrchr(addr, '@'), *plus = strchr(addr, '+');

	if (at == NULL || plus == NULL || plus > at)
		return NULL;
	if ((size_t)snprintf(buf, n, "%.*s%s", (int)(plus - addr), addr, at) >=
	    n)
		return NULL;
	return buf;
}

/* rconf_excluded - see rconf.h */
int
rconf_excluded(const struct conf_reports *r, const char *rcpt)
{
	char buf[MAILBOX_MAX + 2];
	const char *base;

	if (r->exclude_recipients == NULL || rcpt == NULL)
		return 0;
	if (addrpat_list_match(r->exclude_recipients, rcpt) != NULL)
		return 1;
	base = strip_ext(rcpt, buf, sizeof(buf));
	return base != NULL &&
	    addrpat_list_match(r->exclude_recipients, base) != NULL;
}
