/*
 * test_conf_check.c - the value checks of conf_check.c: milter sockets,
 * forwarders, authserv-id, domain patterns, prefixes with host bits,
 * facilities, header names, and the checks that ask this host (user,
 * directory, readable file).  Every check is driven with values that
 * start-up would accept and values it would fail on (or, worse, run
 * with: inet:99999 bound port 34463).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "authres.h"
#include "conf_check.h"

typedef int (*check_fn)(const char *, char *, size_t);

/* ok / bad - assert the verdict; bad also wants a reason mentioning want */
static void
ok(check_fn f, const char *v)
{
	char err[300] = "";

	if (f(v, err, sizeof(err)) != 0)
		fail_msg("\"%s\" refused: %s", v, err);
}

static void
bad(check_fn f, const char *v, const char *want)
{
	char err[300] = "";

	if (f(v, err, sizeof(err)) == 0)
		fail_msg("\"%s\" accepted", v);
	if (want != NULL && strstr(err, want) == NULL)
		fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", v, err, want);
}

static void
test_socket(void **state)
{
	char longp[200];

	ok(conf_check_socket, "inet:8891@127.0.0.1");
	ok(conf_check_socket, "inet:1@localhost");
	ok(conf_check_socket, "inet:65535@mx.example.org");
	ok(conf_check_socket, "inet6:8891@::1");
	ok(conf_check_socket, "unix:/run/hallmark/milter.sock");
	ok(conf_check_socket, "local:/run/hallmark/milter.sock");
	bad(conf_check_socket, "tcp:8891@127.0.0.1", "not a milter socket");
	bad(conf_check_socket, "8891", "not a milter socket");
	bad(conf_check_socket, "", "not a milter socket");
	bad(conf_check_socket, "inet:99999@127.0.0.1", "65535");
	bad(conf_check_socket, "inet:0@127.0.0.1", "65535");
	bad(conf_check_socket, "inet:-1@127.0.0.1", "65535");
	bad(conf_check_socket, "inet:smtp@127.0.0.1", "65535");
	bad(conf_check_socket, "inet:@127.0.0.1", "65535");
	bad(conf_check_socket, "inet:8891", "PORT@ADDR");
	bad(conf_check_socket, "inet:8891@", "neither");
	bad(conf_check_socket, "inet:8891@bad host", "neither");
	bad(conf_check_socket, "inet:8891@::1", "IPv6");
	bad(conf_check_socket, "inet6:8891@127.0.0.1", "IPv4");
	bad(conf_check_socket, "unix:", "empty");
	bad(conf_check_socket, "local:", "empty");
	bad(conf_check_socket, "unix:relative/sock", "absolute");
	memset(longp, 'a', sizeof(longp));
	memcpy(longp, "unix:/", 6);
	longp[5 + 108] = '\0'; /* a 108-byte path */
	bad(conf_check_socket, longp, "107");
	longp[5 + 107] = '\0'; /* 107 bytes + NUL fit */
	ok(conf_check_socket, longp);
	assert_string_equal(conf_check_unix_path("unix:/x"), "/x");
	assert_string_equal(conf_check_unix_path("local:/y"), "/y");
	assert_null(conf_check_unix_path("inet:1@127.0.0.1"));
}

static void
test_forwarder(void **state)
{
	ok(conf_check_forwarder, "127.0.0.1");
	ok(conf_check_forwarder, "127.0.0.1@53");
	ok(conf_check_forwarder, "2001:db8::53@5353");
	ok(conf_check_forwarder, "::1");
	bad(conf_check_forwarder, "127.0.0.1@99999", "65535");
	bad(conf_check_forwarder, "127.0.0.1@0", "65535");
	bad(conf_check_forwarder, "127.0.0.1@", "65535");
	bad(conf_check_forwarder, "dns.example.net", "host name");
	bad(conf_check_forwarder, "dns.example.net@53", "host name");
	bad(conf_check_forwarder, "", "IP address");
	bad(conf_check_forwarder, "@53", "IP address");
}

/* forged - an A-R header claiming id, written the way hallmark writes
 * its own ("ID; dkim=pass"); is it recognised as a claim of id? */
static int
forged_is_claim(const char *id)
{
	char v[600];

	snprintf(v, sizeof(v), "%s; dkim=pass header.d=bank.example", id);
	return authres_claims(v, id);
}

static void
test_authserv_id(void **state)
{
	static const char *const good[] = { "mx.example.org", "MX1.Example",
		"mx-1.univ.example", "localhost", "mx_2.example", "a",
		"mx.example.org.", NULL };
	static const char *const worse[] = { "mx univ;example", "mx univ",
		"mx;example", "mx(1)", "\"mx\"", "mx\tuniv", "mx/1", "a=b",
		"user@mx.example", NULL };
	char big[300];
	size_t i;

	/* what is accepted is recognised when a message forges it, so the
	 * forgery is stripped */
	for (i = 0; good[i] != NULL; i++) {
		ok(conf_check_authserv_id, good[i]);
		assert_true(forged_is_claim(good[i]));
	}
	/* "mx univ;example" would be written as-is, and a forged
	 * "mx univ; dkim=pass" would not be recognised as ours: refused */
	assert_false(forged_is_claim("mx univ;example"));
	for (i = 0; worse[i] != NULL; i++)
		bad(conf_check_authserv_id, worse[i], "authserv-id");
	bad(conf_check_authserv_id, "", "1 to 255");
	memset(big, 'a', sizeof(big));
	big[256] = '\0';
	bad(conf_check_authserv_id, big, "1 to 255");
	big[255] = '\0';
	ok(conf_check_authserv_id, big);
}

static void
test_domain_pattern(void **state)
{
	ok(conf_check_domain_pattern, "example.org");
	ok(conf_check_domain_pattern, "*.example.org");
	ok(conf_check_domain_pattern, "Example.ORG.");
	ok(conf_check_domain_pattern, "_dmarc.x-y.example");
	bad(conf_check_domain_pattern, "*univ.example", "domain pattern");
	bad(conf_check_domain_pattern, "bad domain", "domain pattern");
	bad(conf_check_domain_pattern, "*", "domain pattern");
	bad(conf_check_domain_pattern, "*.", "domain pattern");
	bad(conf_check_domain_pattern, "a..example", "domain pattern");
	bad(conf_check_domain_pattern, ".example", "domain pattern");
	bad(conf_check_domain_pattern, "user@example.org", "domain pattern");
	bad(conf_check_domain_pattern, "", "domain pattern");
	bad(conf_check_domain, "x.*.example", "domain");
}

static void
test_cidr_host_bits(void **state)
{
	ok(conf_check_cidr, "10.0.0.0/8");
	ok(conf_check_cidr, "10.0.0.1");
	ok(conf_check_cidr, "10.0.0.1/32");
	ok(conf_check_cidr, "0.0.0.0/0");
	ok(conf_check_cidr, "2001:db8::/32");
	ok(conf_check_cidr, "::1");
	bad(conf_check_cidr, "10.0.0.1/8", "10.0.0.0/8");
	bad(conf_check_cidr, "192.0.2.130/25", "192.0.2.128/25");
	bad(conf_check_cidr, "2001:db8::1/32", "2001:db8::/32");
	bad(conf_check_cidr, "10.0.0.0/33", "prefix");
	bad(conf_check_cidr, "ten/8", "IP address");
}

static void
test_small_checks(void **state)
{
	ok(conf_check_facility, "mail");
	ok(conf_check_facility, "LOCAL3");
	bad(conf_check_facility, "mial", "facility");
	bad(conf_check_facility, "", "facility");
	ok(conf_check_header_name, "List-Unsubscribe-Post");
	bad(conf_check_header_name, "", "empty");
	bad(conf_check_header_name, "from:", "header field name");
	bad(conf_check_header_name, "reply to", "header field name");
	ok(conf_check_mode, "0660");
	ok(conf_check_mode, "660");
	ok(conf_check_mode, "0");
	ok(conf_check_mode, "0777");
	bad(conf_check_mode, "", "not a mode");
	bad(conf_check_mode, "0668", "not a mode");
	bad(conf_check_mode, "1777", "not a mode");
	ok(conf_check_mode, "00660");
	bad(conf_check_mode, "77777777777777777777777", "not a mode");
	bad(conf_check_mode, "rw-rw----", "not a mode");
	/* the value the daemon gives the socket: the same parser */
	assert_int_equal(conf_mode_value("0660"), 0660);
	assert_int_equal(conf_mode_value("00660"), 0660);
	assert_int_equal(conf_mode_value("0"), 0);
	assert_int_equal(conf_mode_value("0668"), -1);
	assert_int_equal(conf_mode_value(NULL), -1);
	ok(conf_check_abs_path, "/run/x.pid");
	bad(conf_check_abs_path, "x.pid", "absolute");
}

static void
test_environment(void **state)
{
	char dir[] = "/tmp/hm-confcheck.XXXXXX", path[300];

	ok(conf_check_user, "root");
	bad(conf_check_user, "hm-no-such-user-4711", "no such user");
	bad(conf_check_user, "", "empty");
	ok(conf_check_group, "root");
	bad(conf_check_group, "hm-no-such-group-4711", "no such group");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hallmarkd.pid", dir);
	ok(conf_check_parent_dir, path);
	ok(conf_check_parent_dir, "/x.pid");
	bad(conf_check_parent_dir, "hallmarkd.pid", "absolute");
	snprintf(path, sizeof(path), "%s/missing/hallmarkd.pid", dir);
	bad(conf_check_parent_dir, path, "No such file");
	snprintf(path, sizeof(path), "%s/", dir);
	bad(conf_check_parent_dir, path, "directory");
	snprintf(path, sizeof(path), "%s/file", dir);
	ok(conf_check_pidfile, path);
	ok(conf_check_socket_file, path);
	fclose(fopen(path, "w"));
	ok(conf_check_pidfile, path);
	bad(conf_check_socket_file, path, "exists and is not a socket");
	unlink(path);
	bad(conf_check_pidfile, dir, "not a regular file");
	bad(conf_check_pidfile, "/nonexistent-dir/x.pid", "No such file");
	bad(conf_check_socket_file, "/nonexistent-dir/sock", "No such file");
	/* the pid file is written after the drop to user */
	snprintf(path, sizeof(path), "%s/hallmarkd.pid", dir);
	chmod(dir, 0755);
	assert_int_equal(conf_check_writable_by(path, NULL, NULL, 0), 0);
	assert_int_equal(conf_check_writable_by(path, "root", NULL, 0), 0);
	assert_int_equal(conf_check_writable_by(path, "nobody", NULL, 0), -1);
	chmod(dir, 0777);
	assert_int_equal(conf_check_writable_by(path, "nobody", NULL, 0), 0);
	chmod(dir, 0755);
	fclose(fopen(path, "w"));
	chmod(path, 0666); /* an existing file: its own mode */
	assert_int_equal(conf_check_writable_by(path, "nobody", NULL, 0), 0);
	chmod(path, 0644);
	assert_int_equal(conf_check_writable_by(path, "nobody", NULL, 0), -1);
	unlink(path);
	bad(conf_check_readable, "/nonexistent/root.key", "cannot read");
	ok(conf_check_readable, "/etc/passwd");
	bad(conf_check_readable, "/dev/zero", "not a regular file");
	bad(conf_check_readable, "/etc", "not a regular file");
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket),
		cmocka_unit_test(test_forwarder),
		cmocka_unit_test(test_authserv_id),
		cmocka_unit_test(test_domain_pattern),
		cmocka_unit_test(test_cidr_host_bits),
		cmocka_unit_test(test_small_checks),
		cmocka_unit_test(test_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
