/*
 * conf_table.c - the top-level option table: the core options and one
 * CT_SECTION line per module.  Each entry's default is the documented
 * default (conf/hallmark.conf must agree: tests/unit/test_conf checks it).
 * Values are checked by the conf_check.h functions the rows name (.valid)
 * and, across options, by conf_table_check.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stddef.h>
#include <unistd.h>

#include "conf.h"
#include "conf_check.h"
#include "conf_table.h"

/* listen_ok - metrics_listen: empty, or what conf_check_listen takes */
static int
listen_ok(const char *spec, char *err, size_t errlen)
{
	char addr[128];
	unsigned port;

	if (spec[0] == '\0')
		return 0;
	return conf_check_listen(spec, addr, sizeof(addr), &port, err, errlen);
}

/* socket_ok - the syntax, and for a unix socket its directory: what
 * start-up needs before it binds */
static int
socket_ok(const char *spec, char *err, size_t errlen)
{
	const char *path = conf_check_unix_path(spec);

	if (conf_check_socket(spec, err, errlen) < 0)
		return -1;
	return path ? conf_check_socket_file(path, err, errlen) : 0;
}

/* trust_anchor_ok - unset (""), or a file we can read and libunbound
 * can load */
static int
trust_anchor_ok(const char *path, char *err, size_t errlen)
{
	if (*path == '\0')
		return 0;
	if (conf_check_readable(path, err, errlen) < 0)
		return -1;
	return dns_unbound_check_trust_anchor(path, err, errlen);
}

/* conf_table_check - see conf_table.h */
int
conf_table_check(const struct conf *c, const config_setting_t *root,
    struct conf_err *e)
{
	char why[400];

	/* the pid file is written once, at start, before the drop to user
	 * (daemon.c): after the drop (a SIGHUP reload, the start-up reload
	 * check) there is nothing to write */
	if (c->pidfile == NULL || (geteuid() != 0 && c->user != NULL) ||
	    conf_check_writable_by(c->pidfile, NULL, why, sizeof(why)) == 0)
		return 0;
	conf_err_set(e,
	    root ? config_setting_get_member(root, "pidfile") : NULL,
	    "\"%s\": %s", c->pidfile, why);
	return -1;
}

#define F(s, m) offsetof(struct s, m)

/* option table rows stay as written (see .clang-format) */
/* clang-format off */
static const char *const level_names[] = { "error", "warning", "notice",
    "info", "debug", NULL };

static const char *const mode_names[] = { "both", "sign", "verify", NULL };

static const struct conf_opt log_opts[] = {
	{ .name = "syslog", .type = CT_BOOL, .off = F(conf_log, to_syslog),
	  .def = "true", .doc = "log to syslog (false: to standard error)" },
	{ .name = "facility", .type = CT_STRING, .off = F(conf_log, facility),
	  .def = "mail", .valid = conf_check_facility,
	  .doc = "syslog facility" },
	{ .name = "level", .type = CT_ENUM, .off = F(conf_log, level),
	  .def = "info", .enums = level_names, .doc = "lowest level logged" },
	CONF_END
};

static const struct conf_opt dns_opts[] = {
	{ .name = "forwarders", .type = CT_STRLIST,
	  .off = F(conf_dns, forwarders), .valid = conf_check_forwarder,
	  .doc = "resolvers to forward to, \"addr\" or \"addr@port\"" },
	{ .name = "resolv_conf", .type = CT_BOOL,
	  .off = F(conf_dns, use_resolv_conf), .def = "true",
	  .doc = "use /etc/resolv.conf when no forwarders are given" },
	{ .name = "trust_anchor_file", .type = CT_STRING,
	  .off = F(conf_dns, trust_anchor_file), .valid = trust_anchor_ok,
	  .doc = "DNSSEC trust anchor file; validation is on when set" },
	{ .name = "query_timeout_ms", .type = CT_INT,
	  .off = F(conf_dns, query_timeout_ms), .def = "5000", .min = 50,
	  .max = 60000, .doc = "timeout of one query" },
	{ .name = "message_budget_ms", .type = CT_INT,
	  .off = F(conf_dns, message_budget_ms), .def = "20000", .min = 100,
	  .max = 600000, .doc = "time one message may spend waiting for DNS, in all" },
	{ .name = "cache_size_kb", .type = CT_INT,
	  .off = F(conf_dns, cache_size_kb), .def = "4096", .max = 4194304,
	  .doc = "DNS cache size" },
	{ .name = "tcp_only", .type = CT_BOOL, .off = F(conf_dns, tcp_only),
	  .def = "false", .doc = "query forwarders over TCP only" },
	CONF_END
};

const struct conf_opt conf_opts[] = {
	{ .name = "socket", .type = CT_STRING, .off = F(conf, socket),
	  .def = "inet:8891@127.0.0.1", .valid = socket_ok,
	  .doc = "milter socket: inet:PORT@ADDR, inet6:PORT@ADDR or "
	    "unix:PATH" },
	{ .name = "socket_mode", .type = CT_STRING,
	  .off = F(conf, socket_mode), .def = "0660",
	  .valid = conf_check_mode,
	  .doc = "mode of a unix socket (octal text)" },
	{ .name = "socket_group", .type = CT_STRING,
	  .off = F(conf, socket_group), .valid = conf_check_group,
	  .doc = "group of a unix socket (default: the user's group)" },
	{ .name = "pidfile", .type = CT_STRING, .off = F(conf, pidfile),
	  .valid = conf_check_pidfile,
	  .doc = "pid file (none by default)" },
	{ .name = "user", .type = CT_STRING, .off = F(conf, user),
	  .valid = conf_check_user,
	  .doc = "user to run as after start-up (when started as root)" },
	{ .name = "authserv_id", .type = CT_STRING,
	  .off = F(conf, authserv_id), .valid = conf_check_authserv_id,
	  .doc = "authserv-id in Authentication-Results (default: host "
	    "name)" },
	{ .name = "internal_networks", .type = CT_CIDRS,
	  .off = F(conf, internal_networks), .def = "127.0.0.0/8,::1",
	  .doc = "clients whose mail is signed, not judged" },
	{ .name = "trusted_relays", .type = CT_CIDRS,
	  .off = F(conf, trusted_relays),
	  .doc = "gateways that relay to this MTA: the Authentication-"
	    "Results of trusted_authserv_ids they add are used" },
	{ .name = "trusted_authserv_ids", .type = CT_STRLIST,
	  .off = F(conf, trusted_authserv_ids),
	  .valid = conf_check_authserv_id,
	  .doc = "authserv-ids whose SPF and DKIM passes, added by a "
	    "trusted relay, count for DMARC alignment" },
	{ .name = "authres_outbound", .type = CT_BOOL,
	  .off = F(conf, authres_outbound), .def = "false",
	  .doc = "also verify (SPF, DKIM, DMARC) the mail of internal and "
	    "authenticated clients and add Authentication-Results to it" },
	{ .name = "mode", .type = CT_ENUM, .off = F(conf, mode),
	  .def = "both", .enums = mode_names,
	  .doc = "the site's role: both (verify inbound, sign outbound), "
	    "sign (a signing relay: no verification, no A-R, no DNS) or "
	    "verify (never sign)" },
	{ .name = "skip_networks", .type = CT_CIDRS,
	  .off = F(conf, skip_networks),
	  .doc = "clients whose mail is neither checked nor signed" },
	{ .name = "skip_senders", .type = CT_STRLIST,
	  .off = F(conf, skip_senders), .valid = conf_check_addr_pattern,
	  .doc = "envelope senders (user@domain, domain, *.domain) whose "
	    "mail is neither checked nor signed" },
	{ .name = "skip_recipients", .type = CT_STRLIST,
	  .off = F(conf, skip_recipients), .valid = conf_check_addr_pattern,
	  .doc = "envelope recipients (user@domain, domain, *.domain): a "
	    "message all of whose recipients match is neither checked nor "
	    "signed" },
	{ .name = "on_internal_error", .type = CT_ENUM,
	  .off = F(conf, on_internal_error), .def = "tempfail",
	  .enums = verdict_action_names,
	  .doc = "verdict when hallmark itself fails on a message" },
	{ .name = "max_header_bytes", .type = CT_INT,
	  .off = F(conf, max_header_bytes), .def = "1048576", .min = 65536,
	  .max = 67108864,
	  .doc = "header bytes kept per message; beyond, headers are "
	    "checked but not kept and the message is not signed" },
	{ .name = "milter_timeout", .type = CT_INT,
	  .off = F(conf, milter_timeout), .def = "20", .min = 1, .max = 3600,
	  .doc = "seconds to wait for the rest of a milter command or for "
	    "the MTA to take a reply (read at start)" },
	{ .name = "metrics_listen", .type = CT_STRING,
	  .off = F(conf, metrics_listen), .valid = listen_ok,
	  .doc = "Prometheus metrics endpoint: ADDR:PORT, [ADDR6]:PORT or "
	    "PORT (on 127.0.0.1); empty: off (read at start)" },
	{ .name = "log", .type = CT_SECTION, .off = F(conf, log),
	  .sub = log_opts, .doc = "logging" },
	{ .name = "dns", .type = CT_SECTION, .off = F(conf, dns),
	  .sub = dns_opts, .doc = "the DNS layer" },
	{ .name = "spf", .type = CT_SECTION, .off = F(conf, spf),
	  .sub = spf_conf_opts, .doc = "SPF checks (RFC 7208)" },
	{ .name = "dkim_verify", .type = CT_SECTION,
	  .off = F(conf, dkim_verify), .sub = dkimv_conf_opts,
	  .doc = "DKIM verification" },
	{ .name = "dmarc", .type = CT_SECTION, .off = F(conf, dmarc),
	  .sub = dmarc_conf_opts, .check = dmarc_conf_check,
	  .doc = "DMARC policy" },
	{ .name = "dkim_sign", .type = CT_SECTION, .off = F(conf, dkim_sign),
	  .sub = dkims_conf_opts, .check = dkims_conf_check,
	  .doc = "DKIM signing" },
	{ .name = "reports", .type = CT_SECTION, .off = F(conf, reports),
	  .sub = rconf_opts, .check = rconf_check,
	  .doc = "DMARC aggregate reports" },
	CONF_END
};
/* clang-format on */
