/*
 * test_metrics.c - the counters and their text rendering: every series
 * present from the start, counts land on their labels, a label outside
 * the vocabulary is not counted, the DNS histogram is cumulative.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"

/* has_line - the rendering contains this whole line */
static int
has_line(const char *text, const char *line)
{
	size_t l = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[l] == '\n')
			return 1;
	return 0;
}

static void
test_zero_series_and_headers(void **state)
{
	char *t;

	(void)state;
	metrics_reset();
	t = metrics_render();
	assert_true(has_line(t, "# TYPE hallmark_messages_total counter"));
	assert_true(has_line(t,
	    "hallmark_messages_total{action=\"reject\"} 0"));
	assert_true(has_line(t,
	    "hallmark_results_total{method=\"dmarc\","
	    "result=\"policy\"} 0"));
	assert_true(has_line(t, "hallmark_dns_cache_hits_total 0"));
	assert_true(has_line(t, "hallmark_messages_in_flight 0"));
	assert_non_null(strstr(t, "hallmark_build_info{version=\""));
	free(t);
}

static void
test_counts_and_vocabulary(void **state)
{
	char *t;

	(void)state;
	metrics_reset();
	assert_int_equal(metrics_inc(M_MSG_ACTION, "reject", NULL), 0);
	assert_int_equal(metrics_inc(M_MSG_ACTION, "reject", NULL), 0);
	assert_int_equal(metrics_inc(M_RESULT, "spf", "softfail"), 0);
	assert_int_equal(metrics_inc(M_RESULT, "spf", "example.com"), -1);
	assert_int_equal(metrics_inc(M_RESULT, "arc", "pass"), -1);
	assert_int_equal(metrics_inc(M_MSG_ACTION, NULL, NULL), -1);
	assert_int_equal(metrics_inc(M_DNS_CACHE_HIT, NULL, NULL), 0);
	assert_int_equal(metrics_inc(M_DNS_CACHE_HIT, "x", NULL), -1);
	metrics_inflight(1);
	metrics_inflight(1);
	metrics_inflight(-1);
	t = metrics_render();
	assert_true(has_line(t,
	    "hallmark_messages_total{action=\"reject\"} 2"));
	assert_true(has_line(t,
	    "hallmark_messages_total{action=\"accept\"} 0"));
	assert_true(has_line(t,
	    "hallmark_results_total{method=\"spf\","
	    "result=\"softfail\"} 1"));
	assert_true(has_line(t, "hallmark_dns_cache_hits_total 1"));
	assert_true(has_line(t, "hallmark_messages_in_flight 1"));
	assert_null(strstr(t, "example.com"));
	free(t);
}

static void
test_dns_histogram(void **state)
{
	const char *n = "hallmark_dns_query_duration_seconds";
	char line[200], *t;

	(void)state;
	metrics_reset();
	metrics_dns(16, "ok", 500);	     /* 0.0005 s */
	metrics_dns(16, "nxdomain", 30000);  /* 0.03 s */
	metrics_dns(99, "timeout", 9000000); /* 9 s, type "other" */
	metrics_dns(1, "bogus", 10);	     /* not counted */
	t = metrics_render();
	assert_true(has_line(t,
	    "hallmark_dns_queries_total{type=\"TXT\","
	    "outcome=\"ok\"} 1"));
	assert_true(has_line(t,
	    "hallmark_dns_queries_total{type=\"other\","
	    "outcome=\"timeout\"} 1"));
	snprintf(line, sizeof(line), "%s_bucket{le=\"0.001000\"} 1", n);
	assert_true(has_line(t, line));
	snprintf(line, sizeof(line), "%s_bucket{le=\"0.050000\"} 2", n);
	assert_true(has_line(t, line));
	snprintf(line, sizeof(line), "%s_bucket{le=\"5.000000\"} 2", n);
	assert_true(has_line(t, line));
	snprintf(line, sizeof(line), "%s_bucket{le=\"+Inf\"} 3", n);
	assert_true(has_line(t, line));
	snprintf(line, sizeof(line), "%s_count 3", n);
	assert_true(has_line(t, line));
	snprintf(line, sizeof(line), "%s_sum 9.030500", n);
	assert_true(has_line(t, line));
	free(t);
}

static void
test_overrides(void **state)
{
	char *t, by[16];
	int i;

	(void)state;
	metrics_reset();
	metrics_override("trusted_forwarder", "survey \"x\"\\");
	metrics_override("trusted_forwarder", "survey \"x\"\\");
	for (i = 0; i < METRICS_MAX_BY + 5; i++) {
		snprintf(by, sizeof(by), "v%d", i);
		metrics_override("local_policy", by);
	}
	t = metrics_render();
	assert_true(has_line(t,
	    "hallmark_dmarc_overrides_total{reason="
	    "\"trusted_forwarder\",by=\"survey \\\"x\\\"\\\\\"} 2"));
	assert_true(has_line(t,
	    "hallmark_dmarc_overrides_total{reason="
	    "\"local_policy\",by=\"v0\"} 1"));
	/* one pair used a slot: METRICS_MAX_BY - 1 named, 6 in "other" */
	assert_true(has_line(t,
	    "hallmark_dmarc_overrides_total{reason="
	    "\"other\",by=\"other\"} 6"));
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_series_and_headers),
		cmocka_unit_test(test_counts_and_vocabulary),
		cmocka_unit_test(test_dns_histogram),
		cmocka_unit_test(test_overrides),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
