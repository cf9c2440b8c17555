/*
 * conf_table.c - the top-level option table: the core options and one
 * CT_SECTION line per module.  Each entry's default is the documented
 * default (conf/hallmark.conf must agree: tests/unit/test_conf checks it).
 */
#include <stddef.h>

#include "conf.h"
#include "conf_table.h"

#define F(s, m) offsetof(struct s, m)

static const char *const level_names[] = { "error", "warning", "notice",
    "info", "debug", NULL };
static const char *const action_names[] = { "accept", "quarantine",
    "tempfail", "reject", NULL };

static const struct conf_opt log_opts[] = {
	{ .name = "syslog", .type = CT_BOOL, .off = F(conf_log, to_syslog),
	  .def = "true", .doc = "log to syslog (false: to standard error)" },
	{ .name = "facility", .type = CT_STRING, .off = F(conf_log, facility),
	  .def = "mail", .doc = "syslog facility" },
	{ .name = "level", .type = CT_ENUM, .off = F(conf_log, level),
	  .def = "info", .enums = level_names, .doc = "lowest level logged" },
	CONF_END
};

static const struct conf_opt dns_opts[] = {
	{ .name = "forwarders", .type = CT_STRLIST,
	  .off = F(conf_dns, forwarders),
	  .doc = "resolvers to forward to, \"addr\" or \"addr@port\"" },
	{ .name = "resolv_conf", .type = CT_BOOL,
	  .off = F(conf_dns, use_resolv_conf), .def = "true",
	  .doc = "use /etc/resolv.conf when no forwarders are given" },
	{ .name = "trust_anchor_file", .type = CT_STRING,
	  .off = F(conf_dns, trust_anchor_file),
	  .doc = "DNSSEC trust anchor file; validation is on when set" },
	{ .name = "query_timeout_ms", .type = CT_INT,
	  .off = F(conf_dns, query_timeout_ms), .def = "5000", .min = 50,
	  .max = 60000, .doc = "timeout of one query" },
	{ .name = "message_budget_ms", .type = CT_INT,
	  .off = F(conf_dns, message_budget_ms), .def = "20000", .min = 100,
	  .max = 600000, .doc = "DNS time one message may use in all" },
	{ .name = "cache_size_kb", .type = CT_INT,
	  .off = F(conf_dns, cache_size_kb), .def = "4096", .max = 4194304,
	  .doc = "DNS cache size" },
	{ .name = "tcp_only", .type = CT_BOOL, .off = F(conf_dns, tcp_only),
	  .def = "false", .doc = "query forwarders over TCP only" },
	CONF_END
};

const struct conf_opt conf_opts[] = {
	{ .name = "socket", .type = CT_STRING, .off = F(conf, socket),
	  .def = "inet:8891@127.0.0.1",
	  .doc = "milter socket: inet:PORT@ADDR, inet6:PORT@ADDR or "
	    "unix:PATH" },
	{ .name = "socket_mode", .type = CT_STRING,
	  .off = F(conf, socket_mode), .def = "0660",
	  .doc = "mode of a unix socket (octal text)" },
	{ .name = "socket_group", .type = CT_STRING,
	  .off = F(conf, socket_group),
	  .doc = "group of a unix socket (default: the user's group)" },
	{ .name = "pidfile", .type = CT_STRING, .off = F(conf, pidfile),
	  .doc = "pid file (none by default)" },
	{ .name = "user", .type = CT_STRING, .off = F(conf, user),
	  .doc = "user to run as after start-up (when started as root)" },
	{ .name = "authserv_id", .type = CT_STRING,
	  .off = F(conf, authserv_id),
	  .doc = "authserv-id in Authentication-Results (default: host "
	    "name)" },
	{ .name = "internal_networks", .type = CT_CIDRS,
	  .off = F(conf, internal_networks), .def = "127.0.0.0/8,::1",
	  .doc = "clients whose mail is signed, not judged" },
	{ .name = "on_internal_error", .type = CT_ENUM,
	  .off = F(conf, on_internal_error), .def = "tempfail",
	  .enums = action_names,
	  .doc = "verdict when hallmark itself fails on a message" },
	{ .name = "max_header_bytes", .type = CT_INT,
	  .off = F(conf, max_header_bytes), .def = "1048576", .min = 65536,
	  .max = 67108864,
	  .doc = "header bytes kept per message; beyond: on_internal_error" },
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
	CONF_END
};
