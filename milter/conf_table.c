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
	{ "syslog", CT_BOOL, F(conf_log, to_syslog), "true", 0, 0, NULL, NULL,
	  NULL, NULL, NULL, "log to syslog (false: to standard error)" },
	{ "facility", CT_STRING, F(conf_log, facility), "mail", 0, 0, NULL,
	  NULL, NULL, NULL, NULL, "syslog facility" },
	{ "level", CT_ENUM, F(conf_log, level), "info", 0, 0, level_names,
	  NULL, NULL, NULL, NULL, "lowest level logged" },
	CONF_END
};

static const struct conf_opt dns_opts[] = {
	{ "forwarders", CT_STRLIST, F(conf_dns, forwarders), NULL, 0, 0, NULL,
	  NULL, NULL, NULL, NULL,
	  "resolvers to forward to, \"addr\" or \"addr@port\"" },
	{ "resolv_conf", CT_BOOL, F(conf_dns, use_resolv_conf), "true", 0, 0,
	  NULL, NULL, NULL, NULL, NULL,
	  "use /etc/resolv.conf when no forwarders are given" },
	{ "trust_anchor_file", CT_STRING, F(conf_dns, trust_anchor_file),
	  NULL, 0, 0, NULL, NULL, NULL, NULL, NULL,
	  "DNSSEC trust anchor file; validation is on when set" },
	{ "query_timeout_ms", CT_INT, F(conf_dns, query_timeout_ms), "5000",
	  50, 60000, NULL, NULL, NULL, NULL, NULL, "timeout of one query" },
	{ "message_budget_ms", CT_INT, F(conf_dns, message_budget_ms),
	  "20000", 100, 600000, NULL, NULL, NULL, NULL, NULL,
	  "DNS time one message may use in all" },
	{ "cache_size_kb", CT_INT, F(conf_dns, cache_size_kb), "4096", 0,
	  4194304, NULL, NULL, NULL, NULL, NULL, "DNS cache size" },
	{ "tcp_only", CT_BOOL, F(conf_dns, tcp_only), "false", 0, 0, NULL,
	  NULL, NULL, NULL, NULL, "query forwarders over TCP only" },
	CONF_END
};

const struct conf_opt conf_opts[] = {
	{ "socket", CT_STRING, F(conf, socket), "inet:8891@127.0.0.1", 0, 0,
	  NULL, NULL, NULL, NULL, NULL,
	  "milter socket: inet:PORT@ADDR, inet6:PORT@ADDR or unix:PATH" },
	{ "pidfile", CT_STRING, F(conf, pidfile), NULL, 0, 0, NULL, NULL,
	  NULL, NULL, NULL, "pid file (none by default)" },
	{ "user", CT_STRING, F(conf, user), NULL, 0, 0, NULL, NULL, NULL,
	  NULL, NULL, "user to run as after start-up (when started as root)" },
	{ "authserv_id", CT_STRING, F(conf, authserv_id), NULL, 0, 0, NULL,
	  NULL, NULL, NULL, NULL,
	  "authserv-id in Authentication-Results (default: host name)" },
	{ "internal_networks", CT_CIDRS, F(conf, internal_networks),
	  "127.0.0.0/8,::1", 0, 0, NULL, NULL, NULL, NULL, NULL,
	  "clients whose mail is signed, not judged" },
	{ "on_internal_error", CT_ENUM, F(conf, on_internal_error),
	  "tempfail", 0, 0, action_names, NULL, NULL, NULL, NULL,
	  "verdict when hallmark itself fails on a message" },
	{ "max_header_bytes", CT_INT, F(conf, max_header_bytes), "1048576",
	  65536, 67108864, NULL, NULL, NULL, NULL, NULL,
	  "header bytes kept per message; beyond: on_internal_error" },
	{ "log", CT_SECTION, F(conf, log), NULL, 0, 0, NULL, log_opts, NULL,
	  NULL, NULL, "logging" },
	{ "dns", CT_SECTION, F(conf, dns), NULL, 0, 0, NULL, dns_opts, NULL,
	  NULL, NULL, "the DNS layer" },
	CONF_END
};
