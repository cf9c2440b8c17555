/*
 * test_ublog.c - libunbound's log lines into hallmark's log: the parser
 * (prefix, level word), the stream (lines cut from partial and long
 * writes, control characters masked), and a real libunbound context whose
 * errors about a malformed trust anchor come out in hallmark's format.
 * The log is captured (logcap.c) to read them back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <unistd.h>

#include "dns.h"
#include "log.h"
#include "logcap.h"
#include "ublog.h"

/* parsed - ublog_parse of a C string: level and text */
static void
parsed(const char *line, enum log_level want_lvl, const char *want_text)
{
	enum log_level lvl;
	const char *text;
	size_t n;

	ublog_parse(line, strlen(line), &lvl, &text, &n);
	assert_int_equal(lvl, want_lvl);
	assert_int_equal(n, strlen(want_text));
	assert_memory_equal(text, want_text, n);
}

/* the prefix goes, the level word maps to hallmark's levels */
static void
test_parse(void **state)
{
	parsed("[1795444468] libunbound[4270:0] error: parse error in f:2:9",
	    LOG_LVL_WARN, "parse error in f:2:9");
	parsed("[1] libunbound[1:3] warning: x", LOG_LVL_WARN, "x");
	parsed("[1] libunbound[1:3] notice: init module 0: validator",
	    LOG_LVL_INFO, "init module 0: validator");
	parsed("[1] libunbound[1:3] info: y", LOG_LVL_INFO, "y");
	parsed("[1] libunbound[1:3] debug: z", LOG_LVL_DEBUG, "debug: z");
	parsed("error: no prefix", LOG_LVL_WARN, "no prefix");
	parsed("[12x] odd", LOG_LVL_DEBUG, "[12x] odd");
	parsed("[", LOG_LVL_DEBUG, "[");
	parsed("libunbound[", LOG_LVL_DEBUG, "libunbound[");
	parsed("", LOG_LVL_DEBUG, "");
	parsed("error:", LOG_LVL_DEBUG, "error:");
}

/* lines cut from partial writes; a long one in pieces; masked */
static void
test_stream(void **state)
{
	FILE *f = ublog_stream();
	char big[3000], *out;

	assert_non_null(f);
	assert_ptr_equal(f, ublog_stream());
	assert_int_equal(log_init("test_ublog", 0, "mail", LOG_LVL_INFO), 0);
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_capture();
	fprintf(f, "[1] libunbound[2:0] error: one\n");
	fprintf(f, "[1] libunbound[2:0] notice: two\x01\n");
	fprintf(f, "[1] libunbound[2:0] error: thr");
	fflush(f);
	fprintf(f, "ee\n[1] libunbound[2:0] debug: hidden below info\n");
	fprintf(f, "error: %s\n", big);
	fflush(f);
	out = log_captured();
	assert_non_null(strstr(out, "warning: unbound: one\n"));
	assert_non_null(strstr(out, "info: unbound: two?\n"));
	assert_non_null(strstr(out, "warning: unbound: three\n"));
	assert_null(strstr(out, "hidden"));
	assert_null(strstr(out, "libunbound["));
	assert_non_null(strstr(out, "warning: unbound: bbbb"));
	assert_non_null(strstr(out, "\n"));
	free(out);
}

/* a real context: its trust-anchor errors come out through log.c */
static void
test_real_unbound(void **state)
{
	char ta[] = "/tmp/test_ublog.XXXXXX", err[256], *out;
	char *fwd[] = { "127.0.0.1@53", NULL };
	struct dns_config cfg;
	struct dns_resolver *r;
	int fd = mkstemp(ta);

	assert_true(fd >= 0);
	assert_true(write(fd, ". IN DS garbage here\n", 21) == 21);
	close(fd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.forwarders = fwd;
	cfg.query_timeout_ms = 1000;
	cfg.trust_anchor_file = ta;
	assert_int_equal(log_init("test_ublog", 0, "mail", LOG_LVL_INFO), 0);
	log_capture();
	r = dns_unbound_new(&cfg, err, sizeof(err));
	out = log_captured();
	unlink(ta);
	assert_null(r);
	assert_non_null(strstr(out, "test_ublog["));
	assert_non_null(strstr(out, "warning: unbound: "));
	assert_non_null(strstr(out, ta));
	assert_null(strstr(out, "libunbound["));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_real_unbound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
