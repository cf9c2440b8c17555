/*
 * test_dkim_verify_input.c - unit tests of DKIM verification (dkim_verify.c)
 * against bad input and big messages: malformed DKIM-Signature headers
 * written by hand (each gets permerror and one log line), 1000 signatures
 * (capped), huge headers, and a 50 MB body streamed without growing memory.
 * Fixtures (keys, signer, the module run): dkimv_fixture.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf_table.h"
#include "ctx.h"
#include "dkim_lib.h"
#include "dkim_verify.h"
#include "dns.h"
#include "str.h"
#include "dkimv_fixture.h"

/* ---- bad input ------------------------------------------------------ */

static char *T_good;	/* MSG with a good signature */

/* bad_sig - T_good with a hand-written DKIM-Signature value on top */
static struct hm_msg *
bad_sig(const char *value)
{
	char *s = xasprintf("DKIM-Signature: %s\r\n%s", value, T_good);
	struct hm_msg *m = msg_run(T_conf, s, strlen(s));

	free(s);
	return m;
}

#define BH "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; "

/* test_bad_signatures - each malformed signature gets permerror */
static void
test_bad_signatures(void **state)
{
	static const char *const bad[] = {
		/* missing tags */
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; " BH,
		"v=1; a=rsa-sha256; s=sel; h=from; " BH "b=AAAA",
		"v=1; a=rsa-sha256; d=example.org; h=from; " BH "b=AAAA",
		"a=rsa-sha256; d=example.org; s=sel; h=from; " BH "b=AAAA",
		"v=1; d=example.org; s=sel; h=from; " BH "b=AAAA",
		"v=1; a=rsa-sha256; d=example.org; s=sel; " BH "b=AAAA",
		/* duplicated tags */
		"v=1; a=rsa-sha256; d=example.org; d=evil.example; s=sel; "
		    "h=from; " BH "b=AAAA",
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; " BH
		    "b=AAAA; b=BBBB",
		/* base64 garbage */
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; " BH
		    "b=%%%***!!!",
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; "
		    "bh=@@@@; b=AAAA",
		/* absurd l= */
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; " BH
		    "l=99999999999999999999999; b=AAAA",
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; " BH
		    "l=-5; b=AAAA",
		/* unknown algorithms */
		"v=1; a=rsa-md5; d=example.org; s=sel; h=from; " BH "b=AAAA",
		"v=1; a=ed448-sha512; d=example.org; s=sel; h=from; " BH
		    "b=AAAA",
		/* i= outside d=, From not signed */
		"v=1; a=rsa-sha256; d=example.org; i=@evil.example; s=sel; "
		    "h=from; " BH "b=AAAA",
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=to:subject; " BH
		    "b=AAAA",
		/* nonsense */
		"", ";;;;", "=====", "v=1; a=rsa-sha256; d=; s=; h=; bh=; b=",
		"v=9; a=rsa-sha256; d=example.org; s=sel; h=from; " BH "b=AAAA",
		"v=1; a=rsa-sha256; c=weird/odd; d=example.org; s=sel; "
		    "h=from; " BH "b=AAAA",
		"v=1; a=rsa-sha256; d=example.org; s=sel; h=from; " BH
		    "t=abc; x=-1; b=AAAA",
	};

	struct sign_opts o = OPTS("sel");

	/* each bad signature sits on top of a good one, which must still
	 * pass: a broken signature does not spoil the others */
	T_good = sign_msg(MSG, K_rsa, &o);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct hm_msg *m;
		size_t g = 0;
		char *log;

		log_capture();
		m = bad_sig(bad[k]);
		log = log_captured();
		/* and a log line saying so */
		if (count_lines(log, ": dkim=permerror") != 1)
			fail_msg("case %zu '%s': %zu permerror log lines", k,
			    bad[k], count_lines(log, ": dkim=permerror"));
		free(log);

		if (m->ndkim != 2 || m->dkim[0].result != RES_DKIM_PERMERROR)
			fail_msg("case %zu '%s': %zu results, first %s", k,
			    bad[k], m->ndkim, m->ndkim ?
			    res_dkim_name(m->dkim[0].result) : "-");
		if (m->dkim[0].reason == NULL)
			fail_msg("case %zu: no reason", k);
		for (size_t i = 0; i < m->ndkim; i++)
			g += m->dkim[i].result == RES_DKIM_PASS;
		if (g != 1)
			fail_msg("case %zu '%s': the good signature did not pass",
			    k, bad[k]);
		assert_int_equal(m->ar.n, 2);
		msg_done(m);
	}
	/* a valid signature with a tag repeated (same value): libopendkim
	 * passes it, RFC 6376 section 3.2 makes it invalid; second of two,
	 * so that results stay with their own signature */
	{
		const char *p = strstr(T_good, "s=sel;");
		char *dup = xasprintf("%.*ss=sel; %s", (int)(p - T_good),
		    T_good, p);
		char *two = xasprintf("DKIM-Signature: v=1; a=rsa-sha256; "
		    "d=example.org; s=nokey; h=from; " BH "b=AAAA\r\n%s", dup);
		struct hm_msg *m = msg_run(T_conf, dup, strlen(dup));

		expect_sig(m, 0, RES_DKIM_PERMERROR, "duplicate tag");
		msg_done(m);
		m = msg_run(T_conf, two, strlen(two));
		expect_sig(m, 0, RES_DKIM_PERMERROR, "key not found");
		expect_sig(m, 1, RES_DKIM_PERMERROR, "duplicate tag");
		msg_done(m);
		free(two);
		free(dup);
	}
	free(T_good);
}

/* test_many_signatures - 1000 DKIM-Signature headers: cap + neutral */
static void
test_many_signatures(void **state)
{
	struct sign_opts o = OPTS("sel");
	char *good = sign_msg(MSG, K_rsa, &o);
	struct str s;
	struct hm_msg *m;

	char *log;

	str_init(&s);
	for (int k = 0; k < 1000; k++)
		str_addf(&s, "DKIM-Signature: v=1; a=rsa-sha256; "
		    "d=example.org; s=nokey; h=from; " BH "b=AAAA%d\r\n", k);
	str_add(&s, good);
	log_capture();
	m = msg_run(T_conf, s.s, s.len);
	log = log_captured();
	assert_int_equal(m->ndkim, 9);
	for (int k = 0; k < 8; k++)
		expect_sig(m, (size_t)k, RES_DKIM_PERMERROR, NULL);
	expect_sig(m, 8, RES_DKIM_NEUTRAL, "993 more signatures");
	assert_int_equal(m->ar.n, 9);
	assert_true(dkiml_dns_queries() > 0);
	/* one log line per result, no flood */
	assert_int_equal(count_lines(log, ": dkim=permerror"), 8);
	assert_int_equal(count_lines(log, ": dkim=neutral"), 1);
	assert_true(count_lines(log, "") <= 20);
	free(log);
	msg_done(m);
	/* 1000 unparsable ones: the same cap, a bounded log */
	str_reset(&s);
	for (int k = 0; k < 1000; k++)
		str_addf(&s, "DKIM-Signature: v=1; a=rsa-sha256; %d;;==\r\n",
		    k);
	str_add(&s, good);
	log_capture();
	m = msg_run(T_conf, s.s, s.len);
	log = log_captured();
	assert_true(m->ndkim >= 1 && m->ndkim <= 9);
	for (size_t k = 0; k + 1 < m->ndkim; k++)
		expect_sig(m, k, RES_DKIM_PERMERROR, NULL);
	expect_sig(m, m->ndkim - 1, RES_DKIM_NEUTRAL, "more signatures");
	assert_true(count_lines(log, "") <= 30);
	free(log);
	msg_done(m);
	/* the good signature on top is found when the cap allows */
	str_reset(&s);
	str_addn(&s, good, strlen(good) - strlen(MSG));
	for (int k = 0; k < 20; k++)
		str_addf(&s, "DKIM-Signature: v=1; a=rsa-sha256; "
		    "d=example.org; s=nokey; h=from; " BH "b=AAAA%d\r\n", k);
	str_add(&s, MSG);
	m = msg_run(T_conf, s.s, s.len);
	expect_sig(m, 0, RES_DKIM_PASS, NULL);
	msg_done(m);
	str_free(&s);
	free(good);
}

/* test_huge_headers - a 70 KB DKIM-Signature, 100 KB other headers */
static void
test_huge_headers(void **state)
{
	struct sign_opts o = OPTS("sel");
	struct str s, huge;
	struct hm_msg *m;
	char *sm, *p;

	str_init(&s);
	str_add(&s, "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; "
	    "s=sel; h=from; " BH "b=");
	for (int k = 0; k < 70000; k++)
		str_addc(&s, 'A');
	str_add(&s, "\r\n");
	str_add(&s, MSG);
	m = msg_run(T_conf, s.s, s.len);
	expect_sig(m, 0, RES_DKIM_PERMERROR, "oversized");
	msg_done(m);
	/* libopendkim cannot canonicalise a header over 64 KB: a signature
	 * covering one gets permerror ... */
	str_init(&huge);
	str_add(&huge, "X-Huge: ");
	for (int k = 0; k < 100000; k++)
		str_addc(&huge, (char)('a' + k % 26));
	str_add(&huge, "\r\n");
	str_reset(&s);
	str_add(&s, huge.s);
	str_add(&s, MSG);
	sm = sign_msg(s.s, K_rsa, &o);
	m = msg_run(T_conf, sm, strlen(sm));
	expect_sig(m, 0, RES_DKIM_PERMERROR, "over 64 KB");
	msg_done(m);
	free(sm);
	/* ... one it does not cover changes nothing */
	sm = sign_msg(MSG, K_rsa, &o);
	p = strstr(sm, "From: ");
	str_reset(&s);
	str_addn(&s, sm, (size_t)(p - sm));
	str_add(&s, huge.s);
	str_add(&s, p);
	m = msg_run(T_conf, s.s, s.len);
	expect_sig(m, 0, RES_DKIM_PASS, NULL);
	msg_done(m);
	free(sm);
	str_free(&huge);
	str_free(&s);
}

/* ---- streaming: memory does not grow with the body ------------------- */

/* body_chunk - deterministic body content, chunk k of 64 KB */
static void
body_chunk(char *buf, size_t n, size_t k)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (i % 64 == 62) ? '\r' : (i % 64 == 63) ? '\n' :
		    (char)('a' + (i + k) % 26);
}

/* stream_peak - in a child: sign and verify a body of total bytes
 * streamed in 64 KB chunks; return the child's peak RSS (KB).  hold > 0:
 * also keep a copy of the body in memory (proves the probe can fail) */
static long
stream_peak(size_t total, int hold)
{
	int fd[2];
	pid_t pid;
	long kb = -1;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rusage ru1;
		struct sign_opts o = OPTS("sel");
		char *copy = hold ? xmalloc(total) : NULL;
		static char buf[65536];
		DKIM_LIB *lib = dkim_init(NULL, NULL);
		DKIM_STAT st;
		DKIM *d;
		u_char *hdr;
		size_t hl, k;
		char *line;
		struct hm_conn *c;
		struct hm_msg *m;
		long grow;

		close(fd[0]);
		/* sign by streaming the same chunks */
		d = dkim_sign(lib, (const u_char *)"s", NULL,
		    (dkim_sigkey_t)K_rsa->pem, (const u_char *)o.sel,
		    (const u_char *)o.dom, o.hc, o.bc, DKIM_SIGN_RSASHA256,
		    -1, &st);
		sign_feed(d, MSG, strstr(MSG, "\r\n\r\n") + 4 - MSG);
		for (k = 0; k * sizeof(buf) < total; k++) {
			body_chunk(buf, sizeof(buf), k);
			dkim_body(d, (u_char *)buf, total - k * sizeof(buf) <
			    sizeof(buf) ? total - k * sizeof(buf) : sizeof(buf));
		}
		dkim_eom(d, NULL);
		dkim_getsighdr_d(d, 16, &hdr, &hl);
		line = xasprintf("DKIM-Signature: %.*s", (int)hl, hdr);
		c = ctx_conn_new(T_conf);
		m = ctx_msg_new(c);
		dns_budget_init(&m->budget, T_conf->resolver, 5000);
		feed_header(m, line, strlen(line));
		for (const char *p = MSG; *p != '\r';) {
			const char *e = strstr(p, "\r\n");
			feed_header(m, p, (size_t)(e - p));
			p = e + 2;
		}
		dkimv_module.eoh(m);
		for (k = 0; k * sizeof(buf) < total; k++) {
			size_t n = total - k * sizeof(buf) < sizeof(buf) ?
			    total - k * sizeof(buf) : sizeof(buf);
			body_chunk(buf, sizeof(buf), k);
			dkimv_module.body(m, (unsigned char *)buf, n);
			if (copy != NULL)
				memcpy(copy + k * sizeof(buf), buf, n);
		}
		dkimv_module.eom(m);
		getrusage(RUSAGE_SELF, &ru1);
		grow = ru1.ru_maxrss;
		if (m->ndkim != 1 || m->dkim[0].result != RES_DKIM_PASS)
			grow = -2;
		if (write(fd[1], &grow, sizeof(grow)) != sizeof(grow))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &kb, sizeof(kb)) != sizeof(kb))
		kb = -1;
	close(fd[0]);
	waitpid(pid, NULL, 0);
	return kb;
}

/* test_streaming_rss - 50 MB costs no more memory than 5 KB */
static void
test_streaming_rss(void **state)
{
	long small = stream_peak(5 * 1024, 0);
	long big = stream_peak(50UL * 1024 * 1024, 0);
	long held = stream_peak(50UL * 1024 * 1024, 1);

	print_message("peak RSS: 5 KB body %ld KB, 50 MB body %ld KB, "
	    "50 MB body kept in memory %ld KB\n", small, big, held);
	assert_true(small > 0);
	assert_true(big > 0);
	/* the probe sees a buffered body ... */
	assert_true(held - small > 40000);
	/* ... and the verifier has none: allow 4 MB of noise */
	assert_true(big - small < 4096);
}

/* longline_peak - in a child: a relaxed/relaxed signature, then a body
 * of total bytes with no line break (and no white space), streamed in
 * 64 KB chunks; the child's peak RSS (KB), or -2 when the result is not
 * permerror "body line over 1 MB" */
static long
longline_peak(size_t total)
{
	int fd[2];
	pid_t pid;
	long kb = -1;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rusage ru;
		struct sign_opts o = OPTS("sel");
		static char buf[65536];
		char *s;
		size_t body, k, n;
		struct hm_msg *m;
		long peak;

		close(fd[0]);
		o.bc = DKIM_CANON_RELAXED;
		s = sign_msg(MSG, K_rsa, &o);
		m = msg_head(T_conf, s, strlen(s), &body);
		memset(buf, 'q', sizeof(buf));
		for (k = 0; k < total; k += n) {
			n = total - k < sizeof(buf) ? total - k : sizeof(buf);
			dkimv_module.body(m, (unsigned char *)buf, n);
		}
		dkimv_module.eom(m);
		getrusage(RUSAGE_SELF, &ru);
		peak = ru.ru_maxrss;
		if (m->ndkim != 1 || m->dkim[0].result != RES_DKIM_PERMERROR ||
		    m->dkim[0].reason == NULL ||
		    strstr(m->dkim[0].reason, "body line over 1 MB") == NULL)
			peak = -2;
		if (write(fd[1], &peak, sizeof(peak)) != sizeof(peak))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &kb, sizeof(kb)) != sizeof(kb))
		kb = -1;
	close(fd[0]);
	waitpid(pid, NULL, 0);
	return kb;
}

/* test_long_line_rss - a 40 MB body without a line break: permerror
 * (body line over 1 MB), in the memory a 2 MB one takes */
static void
test_long_line_rss(void **state)
{
	long small = longline_peak(2UL * 1024 * 1024);
	long big = longline_peak(40UL * 1024 * 1024);

	print_message("peak RSS: 2 MB line %ld KB, 40 MB line %ld KB\n", small,
	    big);
	assert_true(small > 0);
	assert_true(big > 0);
	assert_true(big - small < 4096);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_signatures),
		cmocka_unit_test(test_many_signatures),
		cmocka_unit_test(test_huge_headers),
		cmocka_unit_test(test_streaming_rss),
		cmocka_unit_test(test_long_line_rss),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
