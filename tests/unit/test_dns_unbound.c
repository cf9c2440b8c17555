/*
 * test_dns_unbound.c - the libunbound back end without an answering server:
 * configuration errors found at start, hallmark's own deadlines (query
 * timeout, message budget, dns_wait's "until"), cancel of pending queries,
 * invalid names.  The forwarder is a loopback UDP socket of this test that
 * never answers.  Answers from a real server: tests/integration/t_dns.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns_int.h"

static int silent_fd = -1;
static char silent_fwd[64];

/* setup - a UDP socket on 127.0.0.1 that receives and never answers */
static int
setup(void **state)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	silent_fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (silent_fd < 0 || bind(silent_fd, (struct sockaddr *)&sa,
	    sizeof(sa)) != 0 ||
	    getsockname(silent_fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	snprintf(silent_fwd, sizeof(silent_fwd), "127.0.0.1@%u",
	    ntohs(sa.sin_port));
	return 0;
}

/* teardown - close the silent socket */
static int
teardown(void **state)
{
	close(silent_fd);
	return 0;
}

/* silent_resolver - forwarding to the silent socket */
static struct dns_resolver *
silent_resolver(unsigned timeout_ms, unsigned budget_ms)
{
	char *fwd[2] = { silent_fwd, NULL };
	struct dns_config cfg;
	char err[256];
	struct dns_resolver *r;

	memset(&cfg, 0, sizeof(cfg));
	cfg.forwarders = fwd;
	cfg.query_timeout_ms = timeout_ms;
	cfg.message_budget_ms = budget_ms;
	r = dns_unbound_new(&cfg, err, sizeof(err));
	assert_non_null(r);
	return r;
}

/* ms_since - milliseconds from t0 to now */
static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	dns_time_now(&now);
	return (now.tv_sec - t0->tv_sec) * 1000L +
	    (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* new_fails - dns_unbound_new refuses cfg and says why */
static void
new_fails(struct dns_config *cfg, const char *why)
{
	char err[256] = "";

	assert_null(dns_unbound_new(cfg, err, sizeof(err)));
	assert_non_null(strstr(err, why));
}

/* bad forwarders and an unreadable trust anchor fail at start */
static void
test_bad_config(void **state)
{
	char *bad_addr[] = { "not-an-address", NULL };
	char *bad_port[] = { "127.0.0.1@70000", NULL };
	char *ok_fwd[] = { "127.0.0.1@53", NULL };
	struct dns_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.query_timeout_ms = 1000;
	cfg.forwarders = bad_addr;
	new_fails(&cfg, "not-an-address");
	cfg.forwarders = bad_port;
	new_fails(&cfg, "bad port");
	cfg.forwarders = ok_fwd;
	cfg.trust_anchor_file = "/nonexistent/hallmark-ta.key";
	new_fails(&cfg, "trust anchor");
}

/* no answer: DNS_TIMEOUT at the query timeout, not much later */
static void
test_query_timeout(void **state)
{
	struct dns_resolver *r = silent_resolver(300, 0);
	struct timespec t0;
	struct dns_result *res;
	long ms;

	dns_time_now(&t0);
	res = dns_lookup(r, "a.example.org", DNS_T_A, NULL);
	ms = ms_since(&t0);
	assert_int_equal(res->status, DNS_TIMEOUT);
	assert_true(ms >= 290 && ms < 2000);	/* slack: a loaded machine */
	dns_result_free(res);
	dns_resolver_free(r);
}

/* dns_wait returns 0 at "until", the query stays valid; budget counts */
static void
test_wait_until_and_budget(void **state)
{
	struct dns_resolver *r = silent_resolver(5000, 400);
	struct timespec t0, until;
	struct dns_budget b;
	struct dns_result *res = NULL;
	struct dns_query *q;

	dns_budget_init(&b, r, 0);
	dns_time_now(&t0);
	q = dns_submit(r, "b.example.org", DNS_T_TXT, &b);
	until = t0;
	dns_time_add_ms(&until, 100);
	assert_int_equal(dns_wait(q, &until, &res), 0);
	assert_null(res);
	assert_int_equal(dns_wait(q, NULL, &res), 1);
	assert_int_equal(res->status, DNS_TIMEOUT);
	assert_true(ms_since(&t0) >= 390 && ms_since(&t0) < 2500);	/* query timeout: 5000 */
	assert_int_equal(b.queries, 1);
	dns_result_free(res);
	/* the budget is spent: the next query completes at once */
	res = dns_lookup(r, "c.example.org", DNS_T_A, &b);
	assert_int_equal(res->status, DNS_TIMEOUT);
	dns_result_free(res);
	dns_resolver_free(r);
}

/* the budget counts time waiting for DNS, not the time between lookups
 * (a slow SMTP transaction): after 600 ms without a query, a 400 ms
 * budget still gives the next query its 400 ms */
static void
test_budget_idle_time_free(void **state)
{
	struct dns_resolver *r = silent_resolver(5000, 400);
	struct timespec t0, nap = { 0, 600000000L };
	struct dns_budget b;
	struct dns_result *res;
	long ms;

	dns_budget_init(&b, r, 0);
	nanosleep(&nap, NULL);
	assert_int_equal(dns_budget_left_ms(&b), 400);
	dns_time_now(&t0);
	res = dns_lookup(r, "idle.example.org", DNS_T_TXT, &b);
	ms = ms_since(&t0);
	assert_int_equal(res->status, DNS_TIMEOUT);
	assert_string_equal(res->why, "no answer before the deadline");
	assert_true(ms >= 390 && ms < 2000);
	assert_int_equal(dns_budget_left_ms(&b), 0);
	dns_result_free(res);
	dns_resolver_free(r);
}

/* concurrent queries of one message count once: two 300 ms timeouts
 * side by side use some 300 ms of a 1000 ms budget, not 600 */
static void
test_budget_concurrent_once(void **state)
{
	struct dns_resolver *r = silent_resolver(300, 1000);
	struct dns_budget b;
	struct dns_result *r1 = NULL, *r2 = NULL;
	struct dns_query *q1, *q2;
	unsigned left;

	dns_budget_init(&b, r, 0);
	q1 = dns_submit(r, "c1.example.org", DNS_T_TXT, &b);
	q2 = dns_submit(r, "c2.example.org", DNS_T_TXT, &b);
	assert_int_equal(b.pending, 2);
	while (!dns_wait(q1, NULL, &r1))
		;
	while (!dns_wait(q2, NULL, &r2))
		;
	assert_int_equal(r1->status, DNS_TIMEOUT);
	assert_int_equal(r2->status, DNS_TIMEOUT);
	assert_int_equal(b.pending, 0);
	left = dns_budget_left_ms(&b);
	assert_true(left > 550 && left <= 700); /* slack: a loaded machine */
	dns_result_free(r1);
	dns_result_free(r2);
	dns_resolver_free(r);
}

/* many pending queries cancelled, then the resolver freed */
static void
test_cancel_many(void **state)
{
	struct dns_resolver *r = silent_resolver(5000, 0);
	struct dns_query *q[200];
	char name[64];
	int i;

	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "n%d.example.org", i);
		q[i] = dns_submit(r, name, DNS_T_A, NULL);
	}
	for (i = 0; i < 200; i++)
		dns_cancel(q[i]);
	dns_resolver_free(r);
}

/* names that cannot be asked complete at once as DNS_ERROR */
static void
test_invalid_names(void **state)
{
	struct dns_resolver *r = silent_resolver(5000, 0);
	const char *bad[] = { "", ".", "a..b", ".a", NULL };
	struct dns_result *res;
	char label[80];
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		res = dns_lookup(r, bad[i], DNS_T_A, NULL);
		assert_int_equal(res->status, DNS_ERROR);
		dns_result_free(res);
	}
	memset(label, 'x', 64);
	snprintf(label + 64, sizeof(label) - 64, ".org");
	res = dns_lookup(r, label, DNS_T_A, NULL);
	assert_int_equal(res->status, DNS_ERROR);
	dns_result_free(res);
	dns_resolver_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_query_timeout),
		cmocka_unit_test(test_wait_until_and_budget),
		cmocka_unit_test(test_budget_idle_time_free),
		cmocka_unit_test(test_budget_concurrent_once),
		cmocka_unit_test(test_cancel_many),
		cmocka_unit_test(test_invalid_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
