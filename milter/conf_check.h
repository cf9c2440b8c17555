/*
 * conf_check.h - checks of single configuration values, shared by the
 * loader (and so by `hallmarkd -n`, start-up and SIGHUP) and by the daemon.
 *
 * Every check has the shape of conf_valid_fn (conf.h): the value, and a
 * buffer for a one-line reason; 0 when the value is usable, -1 with the
 * reason otherwise.  The reason never repeats the value: the loader
 * writes "file:line: group.option: \"value\": reason".
 *
 * Syntax checks are pure (no I/O, thread-safe).  The checks marked
 * "environment" look at this host (users, directories, files), because a
 * value that is well formed can still make start-up fail.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_CONF_CHECK_H
#define HALLMARK_CONF_CHECK_H

#include <stddef.h>

/* conf_check_socket - a libmilter socket: "inet:PORT@ADDR",
 * "inet6:PORT@ADDR" (PORT 1..65535, ADDR an IP address of that family
 * or a host name) or "unix:PATH" / "local:PATH" (PATH absolute, short
 * enough for sun_path) */
int conf_check_socket(const char *spec, char *err, size_t errlen);
/* conf_check_listen - metrics_listen: "ADDR:PORT", "[ADDR6]:PORT" or
 * "PORT" (then 127.0.0.1) into addr/port; 0 or -1 with err */
int conf_check_listen(const char *spec, char *addr, size_t alen, unsigned *port,
    char *err, size_t errlen);
/* conf_check_unix_path - the PATH of a unix:/local: socket, else NULL */
const char *conf_check_unix_path(const char *spec);

/* conf_check_forwarder - "ADDR" or "ADDR@PORT", ADDR an IPv4 or IPv6
 * address (no host names: the resolver cannot resolve its own
 * forwarders), PORT 1..65535 */
int conf_check_forwarder(const char *spec, char *err, size_t errlen);

/* conf_check_authserv_id - an RFC 8601 authserv-id as hallmark writes it:
 * an RFC 2045 token (no space, control or "()<>@,;:\"/[]?="), at most
 * 255 characters, so that hallmark recognises (and strips) a header
 * that claims it */
int conf_check_authserv_id(const char *id, char *err, size_t errlen);

/* conf_check_domain - a domain name: dot-separated labels of letters,
 * digits, '-' and '_', 1..63 characters each, 253 in all; one trailing
 * dot allowed */
int conf_check_domain(const char *d, char *err, size_t errlen);
/* conf_check_domain_pattern - a domain, or "*.domain" (its subdomains) */
int conf_check_domain_pattern(const char *p, char *err, size_t errlen);

/* conf_check_addr_pattern - an envelope address pattern: "user@domain",
 * "domain" or "*.domain" (addrpat.h) */
int conf_check_addr_pattern(const char *p, char *err, size_t errlen);

/* conf_check_cidr - "ADDR" or "ADDR/LEN" with no bit set after LEN
 * ("10.0.0.1/8" is refused; the reason names 10.0.0.0/8) */
int conf_check_cidr(const char *s, char *err, size_t errlen);

/* conf_check_facility - a syslog facility name hallmark knows */
int conf_check_facility(const char *name, char *err, size_t errlen);

/* conf_check_header_name - an RFC 5322 field name (printable ASCII
 * except ':') */
int conf_check_header_name(const char *name, char *err, size_t errlen);

/* conf_check_abs_path - an absolute path (the daemon runs in "/") */
int conf_check_abs_path(const char *path, char *err, size_t errlen);

/* conf_check_mode - a file mode as octal text, "0660" or "660": digits
 * 0-7, at most 0777 */
int conf_check_mode(const char *mode, char *err, size_t errlen);
/* conf_mode_value - that mode as a number, or -1 when conf_check_mode
 * refuses it (the one parser of socket_mode) */
long conf_mode_value(const char *mode);

/* environment: conf_check_user - a user of this host (getpwnam) */
int conf_check_user(const char *name, char *err, size_t errlen);
/* environment: conf_check_group - a group of this host (getgrnam) */
int conf_check_group(const char *name, char *err, size_t errlen);
/* environment: conf_check_parent_dir - path is absolute and its
 * directory exists */
int conf_check_parent_dir(const char *path, char *err, size_t errlen);
/* environment: conf_check_socket_file - where a unix socket is made: the
 * parent directory exists, and the path is free or already a socket
 * (libmilter replaces a socket, but cannot bind over another file) */
int conf_check_socket_file(const char *path, char *err, size_t errlen);
/* environment: conf_check_pidfile - the parent directory exists, and the
 * path is free or a regular file */
int conf_check_pidfile(const char *path, char *err, size_t errlen);
/* environment: conf_check_writable_by - user (NULL: this process) can
 * create or overwrite the file path: write access to the file when it
 * exists, else write and search access to its directory */
int conf_check_writable_by(const char *path, const char *user, char *err,
    size_t errlen);
/* environment: conf_check_readable - a regular file this process can
 * read */
int conf_check_readable(const char *path, char *err, size_t errlen);

#endif
