/*
 * metrics.c - the counters behind the Prometheus text endpoint and their
 * rendering (metrics.h).
 *
 * A family is a name, help text and up to two labels, each with a fixed
 * vocabulary; its series are slots of one atomic array, indexed
 * l1 * n2 + l2.  Counting is a relaxed atomic add (no lock, any thread);
 * rendering reads each slot once, so a scrape during traffic sees each
 * counter at some recent value and never a torn one.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "str.h"

#define MAXV 8 /* values of one label */
#define SLOTS (MAXV * MAXV)

struct label {
	const char *name;	 /* NULL: no label */
	const char *v[MAXV + 1]; /* NULL-terminated */
};

struct family {
	const char *name, *help;
	struct label l1, l2;
};

static const struct family fam[M_IDS] = {
	[M_MSG_ACTION] = { "hallmark_messages_total",
	    "Messages finished, by the action applied.",
	    { "action", { "accept", "quarantine", "tempfail", "reject" } },
	    { NULL, { NULL } } },
	[M_RESULT] = { "hallmark_results_total",
	    "Authentication results recorded, by method and result.",
	    { "method", { "spf", "dkim", "dmarc" } },
	    { "result",
		{ "pass", "fail", "softfail", "neutral", "none", "temperror",
		    "permerror", "policy" } } },
	[M_DNS_QUERY] = { "hallmark_dns_queries_total",
	    "DNS queries completed, by record type and outcome.",
	    { "type", { "A", "AAAA", "MX", "TXT", "PTR", "other" } },
	    { "outcome",
		{ "ok", "nodata", "nxdomain", "servfail", "timeout",
		    "error" } } },
	[M_DNS_CACHE_HIT] = { "hallmark_dns_cache_hits_total",
	    "DNS queries answered from hallmark's cache.", { NULL, { NULL } },
	    { NULL, { NULL } } },
	[M_SIGNATURE] = { "hallmark_signatures_total",
	    "DKIM signatures added, by algorithm.",
	    { "algorithm", { "rsa-sha256", "ed25519-sha256", "other" } },
	    { NULL, { NULL } } },
	[M_KEY_ERROR] = { "hallmark_key_load_errors_total",
	    "DKIM signing keys that could not be loaded (skipped, or "
	    "failing a reload).",
	    { NULL, { NULL } }, { NULL, { NULL } } },
	[M_PROTO_ERROR] = { "hallmark_milter_protocol_errors_total",
	    "Milter sessions that broke off or went out of order: a "
	    "message aborted by the MTA, a connection closed mid-message, "
	    "a message command without MAIL FROM.",
	    { "kind", { "aborted", "closed_mid_message", "out_of_order" } },
	    { NULL, { NULL } } },
	[M_REPORT_RECORDED] = { "hallmark_reports_recorded_total",
	    "Messages recorded for DMARC aggregate reports.",
	    { NULL, { NULL } }, { NULL, { NULL } } },
	[M_REPORT_DROPPED] = { "hallmark_reports_dropped_total",
	    "Messages not recorded for DMARC aggregate reports because "
	    "reports.max_rows was reached.",
	    { NULL, { NULL } }, { NULL, { NULL } } },
	[M_REPORT_FLUSH] = { "hallmark_reports_flushes_total",
	    "Writes of the collected report rows to the store, by outcome.",
	    { "outcome", { "ok", "error" } }, { NULL, { NULL } } },
};

static _Atomic unsigned long long ctr[M_IDS][SLOTS];

/* DNS latency histogram: upper bounds in microseconds */
static const unsigned long bucket_us[] = { 1000, 5000, 10000, 25000, 50000,
	100000, 250000, 500000, 1000000, 2500000, 5000000 };
#define NBUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))
static _Atomic unsigned long long hist[NBUCKETS + 1]; /* last: +Inf */
static _Atomic unsigned long long hist_sum_us;
static _Atomic long long inflight;

/* overrides: (reason, by) pairs from the configuration, few and rare,
 * so a mutex is cheap here */
struct ovr {
	char reason[32], by[64];
	unsigned long long n;
};
static struct ovr ovr[METRICS_MAX_BY + 1]; /* last: by="other" */
static size_t novr;
static pthread_mutex_t ovr_lock = PTHREAD_MUTEX_INITIALIZER;

/* nvals - values in a label's vocabulary (1 for no label) */
static size_t
nvals(const struct label *l)
{
	size_t n = 0;

	if (l->name == NULL)
		return 1;
	while (l->v[n] != NULL)
		n++;
	return n;
}

/* find - index of s in l's vocabulary, 0 for no label, -1 if absent */
static int
find(const struct label *l, const char *s)
{
	int i;

	if (l->name == NULL)
		return s == NULL ? 0 : -1;
	for (i = 0; s != NULL && l->v[i] != NULL; i++)
		if (strcmp(l->v[i], s) == 0)
			return i;
	return -1;
}

/* metrics_inc - see metrics.h */
int
metrics_inc(enum metrics_id id, const char *l1, const char *l2)
{
	return metrics_add(id, l1, l2, 1);
}

/* metrics_add - see metrics.h */
int
metrics_add(enum metrics_id id, const char *l1, const char *l2,
    unsigned long long n)
{
	int a, b;

	if ((unsigned)id >= M_IDS)
		return -1;
	a = find(&fam[id].l1, l1);
	b = find(&fam[id].l2, l2);
	if (a < 0 || b < 0)
		return -1;
	atomic_fetch_add_explicit(&ctr[id][(size_t)a * nvals(&fam[id].l2) +
				      (size_t)b],
	    n, memory_order_relaxed);
	return 0;
}

/* type_name - the label of an RR type number */
static const char *
type_name(int rrtype)
{
	switch (rrtype) {
	case 1:
		return "A";
	case 28:
		return "AAAA";
	case 15:
		return "MX";
	case 16:
		return "TXT";
	case 12:
		return "PTR";
	default:
		return "other";
	}
}

/* metrics_dns - see metrics.h */
void
metrics_dns(int rrtype, const char *outcome, unsigned long usec)
{
	size_t i;

	if (metrics_inc(M_DNS_QUERY, type_name(rrtype), outcome) < 0)
		return;
	for (i = 0; i < NBUCKETS && usec > bucket_us[i]; i++)
		;
	atomic_fetch_add_explicit(&hist[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&hist_sum_us, usec, memory_order_relaxed);
}

/* metrics_override - see metrics.h */
void
metrics_override(const char *reason, const char *by)
{
	size_t i;

	pthread_mutex_lock(&ovr_lock);
	for (i = 0; i < novr; i++)
		if (strcmp(ovr[i].reason, reason) == 0 &&
		    strcmp(ovr[i].by, by) == 0)
			break;
	if (i == novr && novr < METRICS_MAX_BY) {
		snprintf(ovr[i].reason, sizeof(ovr[i].reason), "%s", reason);
		snprintf(ovr[i].by, sizeof(ovr[i].by), "%s", by);
		novr++;
	} else if (i == novr) {
		i = METRICS_MAX_BY;
		snprintf(ovr[i].reason, sizeof(ovr[i].reason), "other");
		snprintf(ovr[i].by, sizeof(ovr[i].by), "other");
	}
	ovr[i].n++;
	pthread_mutex_unlock(&ovr_lock);
}

/* add_escaped - a label value: backslash, double quote and newline
 * escaped as the text format wants */
static void
add_escaped(struct str *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			str_addf(b, "\\%c", *s);
		else if (*s == '\n')
			str_add(b, "\\n");
		else
			str_addf(b, "%c", *s);
	}
}

/* render_overrides - the overrides counted so far */
static void
render_overrides(struct str *b)
{
	const char *n = "hallmark_dmarc_overrides_total";
	size_t i;

	str_addf(b,
	    "# HELP %s DMARC policies overridden, by reason and "
	    "allow-list name.\n# TYPE %s counter\n",
	    n, n);
	pthread_mutex_lock(&ovr_lock);
	for (i = 0; i <= METRICS_MAX_BY; i++) {
		if (ovr[i].n == 0)
			continue;
		str_addf(b, "%s{reason=\"", n);
		add_escaped(b, ovr[i].reason);
		str_add(b, "\",by=\"");
		add_escaped(b, ovr[i].by);
		str_addf(b, "\"} %llu\n", ovr[i].n);
	}
	pthread_mutex_unlock(&ovr_lock);
}

/* metrics_inflight - see metrics.h */
void
metrics_inflight(int d)
{
	atomic_fetch_add_explicit(&inflight, d, memory_order_relaxed);
}

/* series - one line: name{l1="v",l2="w"} value */
static void
series(struct str *b, const struct family *f, size_t a, size_t c,
    unsigned long long v)
{
	str_add(b, f->name);
	if (f->l1.name != NULL) {
		str_addf(b, "{%s=\"%s\"", f->l1.name, f->l1.v[a]);
		if (f->l2.name != NULL)
			str_addf(b, ",%s=\"%s\"", f->l2.name, f->l2.v[c]);
		str_add(b, "}");
	}
	str_addf(b, " %llu\n", v);
}

/* render_family - HELP, TYPE and every series of family id */
static void
render_family(struct str *b, enum metrics_id id)
{
	const struct family *f = &fam[id];
	size_t a, c, n1 = nvals(&f->l1), n2 = nvals(&f->l2);

	str_addf(b, "# HELP %s %s\n# TYPE %s counter\n", f->name, f->help,
	    f->name);
	for (a = 0; a < n1; a++)
		for (c = 0; c < n2; c++)
			series(b, f, a, c,
			    atomic_load_explicit(&ctr[id][a * n2 + c],
				memory_order_relaxed));
}

/* render_hist - the DNS latency histogram (cumulative buckets) */
static void
render_hist(struct str *b)
{
	const char *n = "hallmark_dns_query_duration_seconds";
	unsigned long long cum = 0;
	unsigned long long sum;
	size_t i;

	str_addf(b,
	    "# HELP %s Time from submitting a DNS query to its "
	    "answer.\n# TYPE %s histogram\n",
	    n, n);
	for (i = 0; i <= NBUCKETS; i++) {
		cum += atomic_load_explicit(&hist[i], memory_order_relaxed);
		if (i < NBUCKETS)
			str_addf(b, "%s_bucket{le=\"%lu.%06lu\"} %llu\n", n,
			    bucket_us[i] / 1000000, bucket_us[i] % 1000000,
			    cum);
		else
			str_addf(b, "%s_bucket{le=\"+Inf\"} %llu\n", n, cum);
	}
	sum = atomic_load_explicit(&hist_sum_us, memory_order_relaxed);
	str_addf(b, "%s_sum %llu.%06llu\n%s_count %llu\n", n, sum / 1000000,
	    sum % 1000000, n, cum);
}

/* metrics_render - see metrics.h */
char *
metrics_render(void)
{
	struct str b;
	int id;

	str_init(&b);
	str_add(&b,
	    "# HELP hallmark_build_info Version of hallmarkd.\n"
	    "# TYPE hallmark_build_info gauge\n");
	str_addf(&b, "hallmark_build_info{version=\"%s\"} 1\n",
	    PACKAGE_VERSION);
	str_add(&b,
	    "# HELP hallmark_messages_in_flight Messages begun and "
	    "not yet finished.\n# TYPE hallmark_messages_in_flight gauge\n");
	str_addf(&b, "hallmark_messages_in_flight %lld\n",
	    atomic_load_explicit(&inflight, memory_order_relaxed));
	for (id = 0; id < M_IDS; id++)
		render_family(&b, (enum metrics_id)id);
	render_overrides(&b);
	render_hist(&b);
	return str_steal(&b);
}

/* metrics_reset - see metrics.h */
void
metrics_reset(void)
{
	size_t i, j;

	for (i = 0; i < M_IDS; i++)
		for (j = 0; j < SLOTS; j++)
			atomic_store(&ctr[i][j], 0);
	for (i = 0; i <= NBUCKETS; i++)
		atomic_store(&hist[i], 0);
	atomic_store(&hist_sum_us, 0);
	atomic_store(&inflight, 0);
	pthread_mutex_lock(&ovr_lock);
	memset(ovr, 0, sizeof(ovr));
	novr = 0;
	pthread_mutex_unlock(&ovr_lock);
}
