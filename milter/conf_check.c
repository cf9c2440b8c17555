/*
 * conf_check.c - checks of single configuration values (conf_check.h).
 *
 * SYNOPSIS
 *	conf_check_socket(), conf_check_unix_path(), conf_check_forwarder(),
 *	conf_check_authserv_id(), conf_check_domain(),
 *	conf_check_domain_pattern(), conf_check_cidr(), conf_check_facility(),
 *	conf_check_header_name(), conf_check_abs_path(), conf_check_mode(),
 *	conf_check_user(), conf_check_group(), conf_check_parent_dir(),
 *	conf_check_socket_file(), conf_check_pidfile(),
 *	conf_check_writable_by(), conf_check_readable()
 *
 * DESCRIPTION
 *	Each check returns 0, or -1 with a reason in err that does not
 *	repeat the value (the caller quotes it).  The syntax checks are pure
 *	and thread-safe; conf_check_user, conf_check_group,
 *	conf_check_parent_dir and conf_check_readable ask this host
 *	(getpwnam_r, getgrnam_r, stat, faccessat with the effective ids).
 *	Nothing here logs or allocates.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "addrpat.h"
#include "cidr.h"
#include "conf_check.h"
#include "log.h"
#include "str.h"

#define AUTHSERV_ID_MAX 255
#define SUN_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

/* check_port - decimal 1..65535 in [p, p+n) */
static int
check_port(const char *p, size_t n, char *err, size_t errlen)
{
	uint64_t v;

	if (str_parse_u64(p, n, 65535, &v) == 0 && v > 0)
		return 0;
	return str_seterr(err, errlen,
	    "the port is not a number from 1 to "
	    "65535");
}

/* is_ip - s is an address of family af */
static int
is_ip(int af, const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(af, s, buf) == 1;
}

/* check_sock_addr - the ADDR of inet (af AF_INET) or inet6 */
static int
check_sock_addr(int af, const char *addr, char *err, size_t errlen)
{
	int other = af == AF_INET ? AF_INET6 : AF_INET;

	if (is_ip(af, addr))
		return 0;
	if (is_ip(other, addr))
		return str_seterr(err, errlen, "an %s address needs %s",
		    other == AF_INET6 ? "IPv6" : "IPv4",
		    other == AF_INET6 ? "inet6:PORT@ADDR" : "inet:PORT@ADDR");
	if (conf_check_domain(addr, NULL, 0) == 0)
		return 0;
	return str_seterr(err, errlen,
	    "the address is neither an IP address "
	    "nor a host name");
}

/* check_inet - "PORT@ADDR" after "inet:" or "inet6:" */
static int
check_inet(int af, const char *rest, char *err, size_t errlen)
{
	const char *at = strchr(rest, '@');

	if (at == NULL)
		return str_seterr(err, errlen, "expected %s:PORT@ADDR",
		    af == AF_INET ? "inet" : "inet6");
	if (check_port(rest, (size_t)(at - rest), err, errlen) < 0)
		return -1;
	return check_sock_addr(af, at + 1, err, errlen);
}

/* conf_check_unix_path - the path of a unix:/local: socket */
const char *
conf_check_unix_path(const char *spec)
{
	if (spec == NULL)
		return NULL;
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return NULL;
}

/* conf_check_socket - a libmilter socket specification */
int
conf_check_socket(const char *spec, char *err, size_t errlen)
{
	const char *path = conf_check_unix_path(spec);

	if (path != NULL) {
		if (*path == '\0')
			return str_seterr(err, errlen,
			    "empty unix socket "
			    "path");
		if (strlen(path) >= SUN_PATH_MAX)
			return str_seterr(err, errlen,
			    "unix socket path of "
			    "%zu bytes; at most %zu fit",
			    strlen(path), SUN_PATH_MAX - 1);
		return conf_check_abs_path(path, err, errlen);
	}
	if (strncmp(spec, "inet:", 5) == 0)
		return check_inet(AF_INET, spec + 5, err, errlen);
	if (strncmp(spec, "inet6:", 6) == 0)
		return check_inet(AF_INET6, spec + 6, err, errlen);
	return str_seterr(err, errlen,
	    "not a milter socket: use "
	    "inet:PORT@ADDR, inet6:PORT@ADDR or unix:PATH");
}

/* conf_check_forwarder - "ADDR" or "ADDR@PORT" */
int
conf_check_forwarder(const char *spec, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *at = strchr(spec, '@');
	size_t alen = at ? (size_t)(at - spec) : strlen(spec);

	if (alen == 0 || alen >= sizeof(addr))
		return str_seterr(err, errlen,
		    "expected an IP address, "
		    "optionally @PORT");
	memcpy(addr, spec, alen);
	addr[alen] = '\0';
	if (!is_ip(AF_INET, addr) && !is_ip(AF_INET6, addr))
		return str_seterr(err, errlen,
		    "not an IP address (a "
		    "forwarder cannot be a host name)");
	if (at != NULL)
		return check_port(at + 1, strlen(at + 1), err, errlen);
	return 0;
}

/* conf_check_authserv_id - an RFC 2045 token of at most 255 characters */
int
conf_check_authserv_id(const char *id, char *err, size_t errlen)
{
	size_t n = strlen(id), i;

	if (n == 0 || n > AUTHSERV_ID_MAX)
		return str_seterr(err, errlen,
		    "an authserv-id has 1 to %d "
		    "characters",
		    AUTHSERV_ID_MAX);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c <= ' ' || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c))
			return str_seterr(err, errlen,
			    "not an RFC 8601 "
			    "authserv-id: character %u is a space, control "
			    "or one of ()<>@,;:\\\"/[]?= (use a host name "
			    "such as mx.example.org)",
			    (unsigned)i + 1);
	}
	return 0;
}

/* conf_check_domain - labels of letters, digits, '-', '_' */
int
conf_check_domain(const char *d, char *err, size_t errlen)
{
	size_t lab = 0, n = strlen(d);

	if (n > 1 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return str_seterr(err, errlen,
		    "not a domain name (1 to 253 "
		    "characters)");
	for (; n > 0; d++, n--) {
		unsigned char c = (unsigned char)*d;

		if (c == '.' && lab > 0) {
			lab = 0;
			continue;
		}
		if (c == '.' ||
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_') ||
		    ++lab > 63)
			return str_seterr(err, errlen,
			    "not a domain name "
			    "(labels of letters, digits, '-' and '_', "
			    "separated by dots)");
	}
	return lab > 0 ? 0 :
			 str_seterr(err, errlen,
			     "not a domain name "
			     "(empty label)");
}

/* conf_check_domain_pattern - "domain" or "*.domain" */
int
conf_check_domain_pattern(const char *p, char *err, size_t errlen)
{
	const char *d = strncmp(p, "*.", 2) == 0 ? p + 2 : p;

	if (conf_check_domain(d, NULL, 0) == 0)
		return 0;
	return str_seterr(err, errlen,
	    "not a domain pattern: use "
	    "\"example.org\" (that domain) or \"*.example.org\" (its "
	    "subdomains)");
}

/* conf_check_addr_pattern - see conf_check.h */
int
conf_check_addr_pattern(const char *p, char *err, size_t errlen)
{
	return addrpat_check(p, err, errlen);
}

/* conf_check_cidr - a prefix without host bits */
int
conf_check_cidr(const char *s, char *err, size_t errlen)
{
	unsigned char raw[sizeof(struct in6_addr)];
	char addr[INET6_ADDRSTRLEN + 1], net[INET6_ADDRSTRLEN];
	const char *why, *slash = strchr(s, '/');
	struct cidr c;
	size_t n;

	if (cidr_parse(s, &c, &why) < 0)
		return str_seterr(err, errlen, "%s", why);
	if (slash == NULL)
		return 0;
	n = (size_t)(slash - s);
	if (n >= sizeof(addr))
		return 0; /* cidr_parse took it */
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (inet_pton(c.family, addr, raw) != 1 ||
	    memcmp(raw, c.addr, c.family == AF_INET ? 4 : 16) == 0)
		return 0;
	if (inet_ntop(c.family, c.addr, net, sizeof(net)) == NULL)
		net[0] = '\0';
	return str_seterr(err, errlen,
	    "host bits set after /%u: the network "
	    "is %s/%u (or write the address alone)",
	    c.prefix, net, c.prefix);
}

/* conf_check_facility - a facility log_init accepts */
int
conf_check_facility(const char *name, char *err, size_t errlen)
{
	if (log_facility_ok(name))
		return 0;
	return str_seterr(err, errlen,
	    "unknown syslog facility (mail, "
	    "daemon, user, local0 ... local7)");
}

/* conf_check_header_name - printable ASCII except ':' */
int
conf_check_header_name(const char *name, char *err, size_t errlen)
{
	const unsigned char *p = (const unsigned char *)name;

	if (*p == '\0')
		return str_seterr(err, errlen, "empty header field name");
	for (; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ':')
			return str_seterr(err, errlen,
			    "not a header field "
			    "name (printable characters, no ':' or space)");
	return 0;
}

/* conf_check_abs_path - starts with '/' */
int
conf_check_abs_path(const char *path, char *err, size_t errlen)
{
	if (path[0] == '/')
		return 0;
	return str_seterr(err, errlen,
	    "not an absolute path (the daemon "
	    "runs in /)");
}

/* conf_check_listen - see conf_check.h */
int
conf_check_listen(const char *spec, char *addr, size_t alen, unsigned *port,
    char *err, size_t errlen)
{
	const char *p = strrchr(spec, ':'), *ps = p ? p + 1 : spec;
	char *end;
	unsigned long v;
	struct in6_addr a6;
	size_t l = p ? (size_t)(p - spec) : 0;

	if (p != NULL && l >= 2 && spec[0] == '[' && spec[l - 1] == ']') {
		spec++;
		l -= 2;
	} else if (p != NULL && memchr(spec, ':', l) != NULL) {
		snprintf(err, errlen,
		    "an IPv6 address goes in brackets: "
		    "[ADDR]:PORT");
		return -1;
	}
	errno = 0;
	v = strtoul(ps, &end, 10);
	if (*ps < '0' || *ps > '9' || *end != '\0' || errno || v == 0 ||
	    v > 65535 || (p != NULL && l == 0) || l >= alen) {
		snprintf(err, errlen, "expected ADDR:PORT or PORT (1-65535)");
		return -1;
	}
	snprintf(addr, alen, "%.*s", (int)(p ? l : 9), p ? spec : "127.0.0.1");
	if (inet_pton(AF_INET, addr, &a6) != 1 &&
	    inet_pton(AF_INET6, addr, &a6) != 1) {
		snprintf(err, errlen, "\"%s\" is not an IP address", addr);
		return -1;
	}
	*port = (unsigned)v;
	return 0;
}

/* conf_mode_value - octal digits, at most 0777; -1 otherwise */
long
conf_mode_value(const char *mode)
{
	size_t n = mode ? strlen(mode) : 0, i;
	unsigned v = 0;

	for (i = 0; i < n && v <= 0777; i++) {
		if (mode[i] < '0' || mode[i] > '7')
			break;
		v = v * 8 + (unsigned)(mode[i] - '0');
	}
	return n == 0 || i < n || v > 0777 ? -1 : (long)v;
}

/* conf_check_mode - octal digits, at most 0777 */
int
conf_check_mode(const char *mode, char *err, size_t errlen)
{
	if (conf_mode_value(mode) < 0)
		return str_seterr(err, errlen,
		    "not a mode: octal digits from "
		    "0 to 0777, e.g. \"0660\"");
	return 0;
}

/* conf_check_group - getgrnam_r finds the group */
int
conf_check_group(const char *name, char *err, size_t errlen)
{
	struct group gr, *res = NULL;
	char buf[16384];
	int rc;

	if (*name == '\0')
		return str_seterr(err, errlen, "empty group name");
	rc = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
	if (res != NULL)
		return 0;
	if (rc != 0 && rc != ENOENT && rc != ESRCH) {
		errno = rc;
		return str_seterr(err, errlen, "cannot look up the group: %m");
	}
	return str_seterr(err, errlen, "no such group on this host");
}

/* conf_check_user - getpwnam_r finds the user */
int
conf_check_user(const char *name, char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int rc;

	if (*name == '\0')
		return str_seterr(err, errlen, "empty user name");
	rc = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	if (res != NULL)
		return 0;
	if (rc != 0 && rc != ENOENT && rc != ESRCH) {
		errno = rc;
		return str_seterr(err, errlen, "cannot look up the user: %m");
	}
	return str_seterr(err, errlen, "no such user on this host");
}

/* conf_check_parent_dir - absolute, and its directory exists */
int
conf_check_parent_dir(const char *path, char *err, size_t errlen)
{
	char dir[4096];
	const char *sl;
	struct stat st;

	if (conf_check_abs_path(path, err, errlen) < 0)
		return -1;
	sl = strrchr(path, '/');
	if (sl[1] == '\0')
		return str_seterr(err, errlen,
		    "names a directory, not a "
		    "file");
	if ((size_t)(sl - path) >= sizeof(dir))
		return str_seterr(err, errlen, "path too long");
	snprintf(dir, sizeof(dir), "%.*s", sl == path ? 1 : (int)(sl - path),
	    path);
	if (stat(dir, &st) < 0)
		return str_seterr(err, errlen, "directory %s: %m", dir);
	if (!S_ISDIR(st.st_mode))
		return str_seterr(err, errlen, "%s is not a directory", dir);
	return 0;
}

/* existing_kind - 0 when path does not exist or is of the kind fmt
 * (S_IFSOCK, S_IFREG), else -1 with "exists and is not a what" */
static int
existing_kind(const char *path, mode_t fmt, const char *what, char *err,
    size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) < 0 || (st.st_mode & S_IFMT) == fmt)
		return 0;
	return str_seterr(err, errlen, "exists and is not a %s", what);
}

/* conf_check_socket_file - parent directory; free or a socket */
int
conf_check_socket_file(const char *path, char *err, size_t errlen)
{
	if (conf_check_parent_dir(path, err, errlen) < 0)
		return -1;
	return existing_kind(path, S_IFSOCK, "socket", err, errlen);
}

/* conf_check_pidfile - parent directory; free or a regular file */
int
conf_check_pidfile(const char *path, char *err, size_t errlen)
{
	if (conf_check_parent_dir(path, err, errlen) < 0)
		return -1;
	return existing_kind(path, S_IFREG, "regular file", err, errlen);
}

/* user_may - do the mode bits of st give uid (primary group gid) the
 * access want (a mask of the owner bits, e.g. S_IWUSR | S_IXUSR) */
static int
user_may(const struct stat *st, const char *user, uid_t uid, gid_t gid,
    mode_t want)
{
	gid_t groups[256];
	int n = 256, i;

	if (uid == 0)
		return 1;
	if (st->st_uid == uid)
		return (st->st_mode & want) == want;
	if (getgrouplist(user, gid, groups, &n) < 0)
		n = 256; /* more: the first 256 are filled in */
	for (i = 0; i < n; i++)
		if (groups[i] == st->st_gid)
			return (st->st_mode & (want >> 3)) == (want >> 3);
	return (st->st_mode & (want >> 6)) == (want >> 6);
}

/* conf_check_writable_by - the file, or else its directory */
int
conf_check_writable_by(const char *path, const char *user, char *err,
    size_t errlen)
{
	char dir[4096], buf[4096];
	const char *sl = strrchr(path, '/'), *target = path;
	struct passwd pw, *res = NULL;
	mode_t want = S_IWUSR;
	struct stat st;

	if (lstat(path, &st) < 0) { /* created: the directory counts */
		snprintf(dir, sizeof(dir), "%.*s",
		    sl == NULL	   ? 1 :
			sl == path ? 1 :
				     (int)(sl - path),
		    sl == NULL ? "." : path);
		target = dir;
		want |= S_IXUSR;
		if (stat(dir, &st) < 0)
			return str_seterr(err, errlen, "directory %s: %m", dir);
	}
	if (user == NULL) {
		if (faccessat(AT_FDCWD, target,
			want == S_IWUSR ? W_OK : W_OK | X_OK, AT_EACCESS) == 0)
			return 0;
		return str_seterr(err, errlen, "cannot write %s: %m", target);
	}
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return 0; /* conf_check_user reports it */
	if (user_may(&st, user, pw.pw_uid, pw.pw_gid, want))
		return 0;
	return str_seterr(err, errlen,
	    "user %s cannot write %s (hallmarkd "
	    "writes it after it becomes that user)",
	    user, target);
}

/* conf_check_readable - a regular file, readable with the effective ids */
int
conf_check_readable(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0 ||
	    faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) < 0)
		return str_seterr(err, errlen, "cannot read: %m");
	if (!S_ISREG(st.st_mode))
		return str_seterr(err, errlen, "not a regular file");
	return 0;
}
