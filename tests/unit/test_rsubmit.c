/*
 * test_rsubmit.c - handing a report mail to a sendmail program, with real
 * programs (shell scripts written to a temp directory) in its place: exit
 * 0 is sent (and the script got -oi -f SENDER -- RCPT and the exact
 * message on stdin), 75 deferred, 1 failed with its stderr as the reason
 * (bounded, one line), a program that does not exist deferred, one that
 * hangs killed at the timeout and deferred, one killed by a signal failed,
 * a 2 MB message to a program that first writes 100 kB to stderr (no
 * deadlock), and no descriptor of the caller left open in the program.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "rsubmit.h"
#include "str.h"

static char dir[] = "/tmp/test_rsubmit.XXXXXX";

/* script - dir/name with body, executable; its path (static buffer) */
static const char *
script(const char *name, const char *body)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
	return path;
}

/* slurp - a file's content (allocated) */
static char *
slurp(const char *name, size_t *len)
{
	char path[256];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_sent(void **state)
{
	const char *rc[2] = { "a@ext.example", "-b@h.example" };
	const char *msg = "Subject: x\n\nbody\n.\n";
	char body[512], why[600], *got;
	size_t n;

	(void)state;
	snprintf(body, sizeof(body),
	    "printf '%%s|' \"$@\" > %s/args; "
	    "cat > %s/msg; exit 0",
	    dir, dir);
	assert_int_equal(rsubmit(script("ok", body), "bounce@mx.example", rc, 2,
			     msg, strlen(msg), 10, why, sizeof(why)),
	    RSUBMIT_SENT);
	assert_string_equal(why, "");
	got = slurp("args", &n);
	assert_string_equal(got,
	    "-oi|-f|bounce@mx.example|--|a@ext.example|"
	    "-b@h.example|");
	free(got);
	got = slurp("msg", &n);
	assert_int_equal(n, strlen(msg));
	assert_memory_equal(got, msg, n);
	free(got);
}

/* the child gets stdin, stdout and stderr only: an open descriptor of
 * ours is not inherited; stdout is collected like stderr */
static void
test_descriptors(void **state)
{
	const char *rc[1] = { "a@ext.example" };
	char body[256], why[600], *got, mine[16], all[4096];
	size_t n;
	FILE *f = fopen("/dev/null", "r");

	(void)state;
	assert_non_null(f);
	snprintf(mine, sizeof(mine), "\n%d\n", fileno(f));
	snprintf(body, sizeof(body),
	    "cat >/dev/null; ls /proc/$$/fd > "
	    "%s/fds; echo to-stdout; exit 1",
	    dir);
	assert_int_equal(rsubmit(script("fds", body), "b@x.example", rc, 1,
			     "x\n", 2, 10, why, sizeof(why)),
	    RSUBMIT_FAILED);
	assert_non_null(strstr(why, "status 1: to-stdout"));
	got = slurp("fds", &n);
	snprintf(all, sizeof(all), "\n%s", got);
	assert_non_null(strstr(all, "\n0\n"));
	assert_non_null(strstr(all, "\n2\n"));
	assert_null(strstr(all, mine));
	free(got);
	fclose(f);
}

static void
test_exit_codes(void **state)
{
	const char *rc[1] = { "a@ext.example" };
	char why[RSUBMIT_ERR_MAX + 200];

	(void)state;
	assert_int_equal(rsubmit(script("t75",
				     "cat >/dev/null; echo 'queue "
				     "file write error' >&2; exit 75"),
			     "b@x.example", rc, 1, "x\n", 2, 10, why,
			     sizeof(why)),
	    RSUBMIT_DEFERRED);
	assert_non_null(strstr(why, "status 75: queue file write error"));
	assert_int_equal(rsubmit(script("t1",
				     "cat >/dev/null; printf 'bad "
				     "address\\nsyntax\\n' >&2; exit 1"),
			     "b@x.example", rc, 1, "x\n", 2, 10, why,
			     sizeof(why)),
	    RSUBMIT_FAILED);
	assert_non_null(strstr(why, "status 1: bad address syntax"));
	assert_null(strchr(why, '\n'));
	assert_int_equal(rsubmit(script("kill", "kill -9 $$"), "b@x.example",
			     rc, 1, "x\n", 2, 10, why, sizeof(why)),
	    RSUBMIT_FAILED);
	assert_non_null(strstr(why, "signal 9"));
	/* a long stderr is cut */
	assert_int_equal(rsubmit(script("long",
				     "head -c 5000 /dev/zero | "
				     "tr '\\0' e >&2; exit 1"),
			     "b@x.example", rc, 1, "x\n", 2, 10, why,
			     sizeof(why)),
	    RSUBMIT_FAILED);
	assert_true(strlen(why) < RSUBMIT_ERR_MAX + 100);
}

static void
test_local_failures(void **state)
{
	const char *rc[1] = { "a@ext.example" };
	char why[600], path[300];
	time_t t0;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(rsubmit(path, "b@x.example", rc, 1, "x\n", 2, 10, why,
			     sizeof(why)),
	    RSUBMIT_DEFERRED);
	assert_non_null(strstr(why, "cannot run"));
	t0 = time(NULL);
	assert_int_equal(rsubmit(script("hang", "exec sleep 30"), "b@x.example",
			     rc, 1, "x\n", 2, 1, why, sizeof(why)),
	    RSUBMIT_DEFERRED);
	assert_non_null(strstr(why, "did not finish"));
	assert_true(time(NULL) - t0 < 10);
}

static void
test_big(void **state)
{
	const char *rc[1] = { "a@ext.example" };
	size_t n = 2 * 1024 * 1024, got;
	char *msg = malloc(n), why[600], body[256], *back;

	(void)state;
	memset(msg, 'm', n);
	snprintf(body, sizeof(body),
	    "head -c 100000 /dev/zero >&2; cat > "
	    "%s/big; exit 0",
	    dir);
	assert_int_equal(rsubmit(script("big", body), "b@x.example", rc, 1, msg,
			     n, 30, why, sizeof(why)),
	    RSUBMIT_SENT);
	back = slurp("big", &got);
	assert_int_equal(got, n);
	free(back);
	free(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sent),
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_local_failures),
		cmocka_unit_test(test_big),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
