/*
 * hm-dnsq.c - a small command-line client of hallmark's DNS layer (dns.h,
 * the libunbound back end), for tests and measurements.
 *
 * SYNOPSIS
 *	hm-dnsq -s ADDR[@PORT] [options] NAME TYPE	one query
 *	hm-dnsq -s ... -i				"NAME TYPE" lines on stdin
 *	hm-dnsq -s ... --stress TxN NAME TYPE ...	T threads x N queries
 *	hm-dnsq -s ... --bench N NAME TYPE		async vs ub_resolve
 *	hm-dnsq -s ... --burst NxS DEAD TYPE GOOD TYPE	dead names vs probes
 *
 *	options: -s may repeat; -t query timeout in ms (default 2000);
 *	-a trust anchor file; -T TCP only; -r use /etc/resolv.conf;
 *	-b MS: one per-message budget of MS ms for all the lookups of the
 *	run (several NAME TYPE operands are then looked up in order);
 *	-c KB: size of the answer cache (default 0: none).
 *
 * DESCRIPTION
 *	A result prints as a status line "STATUS rcode=N secure=0|1 n=NRR
 *	ms=ELAPSED" and one line per record, sorted: "A 192.0.2.1",
 *	"AAAA 2001:db8::1", "TXT len=N <text, odd bytes as \xHH>",
 *	"MX PREF NAME", "PTR NAME" (CNAME, NS alike).  In -i mode each
 *	result ends with a line "end"; the line "!break" breaks the
 *	resolver's dispatcher for real (dns_unbound_test_break: the next
 *	answer makes ub_process fail) and prints "break ok".
 *
 *	--stress resolves each NAME TYPE once (the baseline), then T threads
 *	each make N queries round-robin over the list and compare every
 *	result with the baseline; "%u" in a NAME is replaced by a number
 *	unique to each query (a cache miss, e.g. under a wildcard).  Every
 *	seventh query is submitted and cancelled at once to exercise the
 *	cancel path.  Exit 1 on any difference.
 *
 *	--burst starts N threads that each look up DEAD (a name that never
 *	answers) at once, while the main thread looks up GOOD every 100 ms
 *	for S seconds; "%u" in either is replaced by a number unique to each
 *	lookup, so every one is a cache miss.  With --sustain MS each thread
 *	goes on with new DEAD names, one after another, for MS ms.  Each
 *	probe prints "probe T_MS STATUS ms=ELAPSED" (T_MS: since the burst
 *	started); the last line is "burst: P probes, F failed; D dead
 *	lookups: N STATUS ...".  Exit 1 when a probe of GOOD did not get
 *	DNS_OK.
 *
 *	--bench times N lookups of a cached answer through dns_lookup() and
 *	through libunbound's synchronous ub_resolve() on its own context.
 *
 *	Exit: 0 done, 1 a stress difference, 2 usage or set-up error.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unbound.h>

#include "dns_int.h"
#include "str.h"

#define MAXFWD 8
#define MAXQ 64

struct opts {
	char *fwd[MAXFWD + 1];
	int nfwd;
	struct dns_config cfg;
	int interactive;
	unsigned threads, per_thread;	/* --stress */
	unsigned bench;			/* --bench */
	unsigned burst_n, burst_s;	/* --burst NxS */
	unsigned sustain_ms;		/* --sustain MS */
	unsigned budget_ms;		/* -b: one budget for the run */
};

struct qspec {
	const char *name;
	int type;
	char *baseline;			/* formatted expected result */
};

struct stress {
	struct dns_resolver *r;
	struct qspec *q;
	int nq;
	unsigned per_thread;
	unsigned thread_no;
	unsigned bad;
};

static const struct {
	const char *name;
	int type;
} types[] = {
	{ "A", DNS_T_A }, { "AAAA", DNS_T_AAAA }, { "TXT", DNS_T_TXT },
	{ "MX", DNS_T_MX }, { "PTR", DNS_T_PTR }, { "CNAME", DNS_T_CNAME },
	{ "NS", DNS_T_NS }, { NULL, 0 }
};

/* type_parse - name or number of an RR type; -1 if unknown */
static int
type_parse(const char *s)
{
	uint64_t v;
	int i;

	for (i = 0; types[i].name != NULL; i++)
		if (str_casecmp(s, types[i].name) == 0)
			return types[i].type;
	if (str_parse_u64(s, strlen(s), 65535, &v) == 0)
		return (int)v;
	return -1;
}

/* type_name - text for a type */
static const char *
type_name(int type)
{
	int i;

	for (i = 0; types[i].name != NULL; i++)
		if (types[i].type == type)
			return types[i].name;
	return "TYPE";
}

/* now_us - monotonic microseconds */
static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* add_text - TXT data with odd bytes as \xHH */
static void
add_text(struct str *b, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			str_addc(b, (char)p[i]);
		else
			str_addf(b, "\\x%02x", p[i]);
	}
}

/* steal - the text of b, b itself freed */
static char *
steal(struct str *b)
{
	char *s = str_steal(b);

	str_free(b);
	return s;
}

/* format_rr - one record as a line (no newline) */
static char *
format_rr(const struct dns_rr *rr)
{
	char addr[INET6_ADDRSTRLEN];
	struct str b;

	str_init(&b);
	str_addf(&b, "%s ", type_name(rr->type));
	if (rr->type == DNS_T_A && rr->len == 4)
		str_add(&b, inet_ntop(AF_INET, rr->data, addr, sizeof(addr)));
	else if (rr->type == DNS_T_AAAA && rr->len == 16)
		str_add(&b, inet_ntop(AF_INET6, rr->data, addr, sizeof(addr)));
	else if (rr->type == DNS_T_TXT) {
		str_addf(&b, "len=%zu ", rr->len);
		add_text(&b, rr->data, rr->len);
	} else if (rr->type == DNS_T_MX)
		str_addf(&b, "%u %s", rr->pref, (const char *)rr->data);
	else if (rr->type == DNS_T_PTR || rr->type == DNS_T_CNAME ||
	    rr->type == DNS_T_NS)
		str_add(&b, (const char *)rr->data);
	else
		add_text(&b, rr->data, rr->len);
	return steal(&b);
}

/* cmp_str - qsort helper */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* format_records - sorted record lines, each ending in a newline */
static void
format_records(struct str *b, const struct dns_result *res)
{
	char **lines = xcalloc(res->nrr + 1, sizeof(char *));
	size_t i;

	for (i = 0; i < res->nrr; i++)
		lines[i] = format_rr(&res->rr[i]);
	qsort(lines, res->nrr, sizeof(char *), cmp_str);
	for (i = 0; i < res->nrr; i++) {
		str_addf(b, "%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
}

/* format_result - status line (without time) and records */
static char *
format_result(const struct dns_result *res)
{
	struct str b;

	str_init(&b);
	str_addf(&b, "%s rcode=%d secure=%d n=%zu",
	    dns_status_name(res->status), res->rcode, res->secure, res->nrr);
	str_add(&b, "\n");
	format_records(&b, res);
	return steal(&b);
}

/* print_lookup - one query, printed with its elapsed time */
static void
print_lookup(struct dns_resolver *r, const char *name, int type,
    struct dns_budget *b)
{
	double t0 = now_us();
	struct dns_result *res = dns_lookup(r, name, type, b);
	double ms = (now_us() - t0) / 1000.0;
	char *text = format_result(res);
	char *nl = strchr(text, '\n');

	*nl = '\0';
	printf("%s ms=%.1f\n%s", text, ms, nl + 1);
	if (res->status != DNS_OK && res->why != NULL)
		fprintf(stderr, "why: %s\n", res->why);
	fflush(stdout);
	free(text);
	dns_result_free(res);
}

/* interactive - "NAME TYPE" per line; each result ends with "end" */
static int
interactive(struct dns_resolver *r, struct dns_budget *b)
{
	char line[1100], name[1100], tname[32];
	int type;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (strcmp(line, "!break\n") == 0) {
			printf("break %s\nend\n",
			    dns_unbound_test_break(r) == 0 ? "ok" : "failed");
		} else if (sscanf(line, "%1099s %31s", name, tname) != 2 ||
		    (type = type_parse(tname)) < 0) {
			printf("error usage\nend\n");
		} else {
			print_lookup(r, name, type, b);
			printf("end\n");
		}
		fflush(stdout);
	}
	return 0;
}

/* expand_name - "%u" in the name replaced by n */
static void
expand_name(const char *pat, unsigned n, char *out, size_t outlen)
{
	const char *p = strstr(pat, "%u");

	if (p == NULL)
		snprintf(out, outlen, "%s", pat);
	else
		snprintf(out, outlen, "%.*s%u%s", (int)(p - pat), pat, n,
		    p + 2);
}

/* stress_one - query i of a thread; 1 if it differs from the baseline */
static int
stress_one(struct stress *s, unsigned i)
{
	struct qspec *q = &s->q[(s->thread_no + i) % (unsigned)s->nq];
	unsigned serial = s->thread_no * s->per_thread + i + 1;
	char name[DNS_NAME_MAX + 16], *text;
	struct dns_result *res;
	int bad;

	expand_name(q->name, serial, name, sizeof(name));
	if (i % 7 == 3) {
		dns_cancel(dns_submit(s->r, name, q->type, NULL));
		return 0;
	}
	res = dns_lookup(s->r, name, q->type, NULL);
	text = format_result(res);
	bad = strcmp(text, q->baseline) != 0;
	if (bad)
		fprintf(stderr, "stress: %s %s: got\n%swant\n%s", name,
		    type_name(q->type), text, q->baseline);
	free(text);
	dns_result_free(res);
	return bad;
}

/* stress_thread - per_thread queries */
static void *
stress_thread(void *arg)
{
	struct stress *s = arg;
	unsigned i;

	for (i = 0; i < s->per_thread; i++)
		s->bad += (unsigned)stress_one(s, i);
	return NULL;
}

/* stress_baseline - each query once, serially */
static void
stress_baseline(struct dns_resolver *r, struct qspec *q, int nq)
{
	char name[DNS_NAME_MAX + 16];
	struct dns_result *res;
	int i;

	for (i = 0; i < nq; i++) {
		expand_name(q[i].name, 0, name, sizeof(name));
		res = dns_lookup(r, name, q[i].type, NULL);
		q[i].baseline = format_result(res);
		printf("baseline %s %s: %s", q[i].name, type_name(q[i].type),
		    q[i].baseline);
		dns_result_free(res);
	}
}

/* stress - threads x per_thread queries compared with the baseline */
static int
stress(struct dns_resolver *r, const struct opts *o, struct qspec *q,
    int nq)
{
	struct stress *s = xcalloc(o->threads, sizeof(*s));
	pthread_t *th = xcalloc(o->threads, sizeof(*th));
	unsigned t, bad = 0;
	double t0;

	stress_baseline(r, q, nq);
	t0 = now_us();
	for (t = 0; t < o->threads; t++) {
		s[t] = (struct stress){ r, q, nq, o->per_thread, t, 0 };
		pthread_create(&th[t], NULL, stress_thread, &s[t]);
	}
	for (t = 0; t < o->threads; t++) {
		pthread_join(th[t], NULL);
		bad += s[t].bad;
	}
	printf("stress: %u threads x %u queries, %u differences, %.0f ms\n",
	    o->threads, o->per_thread, bad, (now_us() - t0) / 1000.0);
	for (t = 0; t < (unsigned)nq; t++)
		free(q[t].baseline);
	free(s);
	free(th);
	return bad == 0 ? 0 : 1;
}

/* bench_sync - n ub_resolve() calls on a context of their own */
static double
bench_sync(const struct opts *o, const char *name, int type, unsigned n)
{
	struct ub_ctx *ctx = ub_ctx_create();
	struct ub_result *u = NULL;
	double t0;
	unsigned i;
	int k;

	ub_ctx_set_option(ctx, "do-not-query-localhost:", "no");
	for (k = 0; k < o->nfwd; k++)
		ub_ctx_set_fwd(ctx, o->fwd[k]);
	if (ub_resolve(ctx, name, type, 1, &u) != 0)
		fprintf(stderr, "bench: ub_resolve failed\n");
	ub_resolve_free(u);
	t0 = now_us();
	for (i = 0; i < n; i++) {
		u = NULL;
		ub_resolve(ctx, name, type, 1, &u);
		ub_resolve_free(u);
	}
	t0 = (now_us() - t0) / n;
	ub_ctx_delete(ctx);
	return t0;
}

/* bench - cached lookups: dns_lookup vs ub_resolve, in us per query */
static int
bench(struct dns_resolver *r, const struct opts *o, const char *name,
    int type)
{
	double t0, async_us, sync_us;
	unsigned i;

	dns_result_free(dns_lookup(r, name, type, NULL));
	t0 = now_us();
	for (i = 0; i < o->bench; i++)
		dns_result_free(dns_lookup(r, name, type, NULL));
	async_us = (now_us() - t0) / o->bench;
	sync_us = bench_sync(o, name, type, o->bench);
	printf("bench: %u cached %s %s lookups: async dns_lookup %.1f us/query,"
	    " sync ub_resolve %.1f us/query\n", o->bench, name,
	    type_name(type), async_us, sync_us);
	return 0;
}

/* ---- --burst: lookups that never answer vs healthy probes ---------- */

struct burst_dead {
	struct dns_resolver *r;
	const struct qspec *q;
	unsigned thread_no;
	double until;		       /* now_us() after which to stop */
	unsigned n, st[DNS_ERROR + 1]; /* lookups made, by status */
};

/* burst_thread - dead lookups, one after another, until d->until (at
 * least one) */
static void *
burst_thread(void *arg)
{
	struct burst_dead *d = arg;
	char name[DNS_NAME_MAX + 16];
	struct dns_result *res;

	do {
		expand_name(d->q->name, d->thread_no * 100000 + ++d->n, name,
		    sizeof(name));
		res = dns_lookup(d->r, name, d->q->type, NULL);
		d->st[res->status]++;
		dns_result_free(res);
	} while (now_us() < d->until);
	return NULL;
}

/* burst_probe - one lookup of the healthy name; 1 if it failed */
static int
burst_probe(struct dns_resolver *r, const struct qspec *q, unsigned n,
    double t0)
{
	char name[DNS_NAME_MAX + 16];
	struct dns_result *res;
	double t1 = now_us();
	int failed;

	expand_name(q->name, n, name, sizeof(name));
	res = dns_lookup(r, name, q->type, NULL);
	failed = res->status != DNS_OK;
	printf("probe %.0f %s ms=%.1f\n", (t1 - t0) / 1000.0,
	    dns_status_name(res->status), (now_us() - t1) / 1000.0);
	fflush(stdout);
	dns_result_free(res);
	return failed;
}

/* burst_report - the dead lookups' statuses; the summary line */
static void
burst_report(const struct burst_dead *d, unsigned nd, unsigned probes,
    unsigned failed)
{
	unsigned st[DNS_ERROR + 1] = { 0 }, n = 0, i, k;

	for (i = 0; i < nd; i++) {
		n += d[i].n;
		for (k = 0; k <= DNS_ERROR; k++)
			st[k] += d[i].st[k];
	}
	printf("burst: %u probes, %u failed; %u dead lookups:", probes, failed,
	    n);
	for (k = 0; k <= DNS_ERROR; k++)
		if (st[k] != 0)
			printf(" %u %s", st[k],
			    dns_status_name((enum dns_status)k));
	printf("\n");
}

/* burst - N threads of dead lookups (for --sustain ms, or one each),
 * GOOD probed every 100 ms for S s */
static int
burst(struct dns_resolver *r, const struct opts *o, const struct qspec *q)
{
	struct burst_dead *d = xcalloc(o->burst_n, sizeof(*d));
	pthread_t *th = xcalloc(o->burst_n, sizeof(*th));
	unsigned i, probes = 0, failed = 0;
	double t0 = now_us(), next = t0, left;
	struct timespec nap;

	for (i = 0; i < o->burst_n; i++) {
		d[i] = (struct burst_dead){ r, &q[0], i + 1,
			t0 + o->sustain_ms * 1e3, 0, { 0 } };
		pthread_create(&th[i], NULL, burst_thread, &d[i]);
	}
	while (now_us() - t0 < o->burst_s * 1e6) {
		failed += (unsigned)burst_probe(r, &q[1], ++probes, t0);
		next += 100000.0;
		if ((left = next - now_us()) > 0) {
			nap.tv_sec = 0;
			nap.tv_nsec = (long)(left * 1e3);
			nanosleep(&nap, NULL);
		}
	}
	for (i = 0; i < o->burst_n; i++)
		pthread_join(th[i], NULL);
	burst_report(d, o->burst_n, probes, failed);
	free(d);
	free(th);
	return failed == 0 ? 0 : 1;
}

/* usage - print the synopsis and exit 2 */
static void
usage(void)
{
	fprintf(stderr,
	    "usage: hm-dnsq -s ADDR[@PORT] [-t ms] [-b ms] [-c kb] "
	    "[-a ta] [-T] [-r] [-i | --stress TxN | --bench N | --burst NxS "
	    "[--sustain MS]] [NAME TYPE ...]\n");
	exit(2);
}

/* parse_num - a decimal option value or usage() */
static unsigned
parse_num(const char *s, size_t n)
{
	uint64_t v;

	if (str_parse_u64(s, n, 100000000, &v) != 0)
		usage();
	return (unsigned)v;
}

/* parse_pair - "AxB" into *a, *b (a in 1..256) */
static void
parse_pair(const char *s, unsigned *a, unsigned *b)
{
	const char *x = strchr(s, 'x');

	if (x == NULL)
		usage();
	*a = parse_num(s, (size_t)(x - s));
	*b = parse_num(x + 1, strlen(x + 1));
	if (*a == 0 || *a > 256)
		usage();
}

/* parse_opts - options; returns the index of the first operand */
static int
parse_opts(struct opts *o, int argc, char **argv)
{
	int i;

	o->cfg.query_timeout_ms = 2000;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-i") == 0 || strcmp(a, "-T") == 0 ||
		    strcmp(a, "-r") == 0) {
			o->interactive |= a[1] == 'i';
			o->cfg.tcp_only |= a[1] == 'T';
			o->cfg.use_resolv_conf |= a[1] == 'r';
			continue;
		}
		if (v == NULL)
			usage();
		if (strcmp(a, "-s") == 0 && o->nfwd < MAXFWD)
			o->fwd[o->nfwd++] = argv[++i];
		else if (strcmp(a, "-t") == 0)
			o->cfg.query_timeout_ms = parse_num(argv[++i],
			    strlen(v));
		else if (strcmp(a, "-c") == 0)
			o->cfg.cache_size_kb = parse_num(argv[++i], strlen(v));
		else if (strcmp(a, "-b") == 0)
			o->budget_ms = parse_num(argv[++i], strlen(v));
		else if (strcmp(a, "-a") == 0)
			o->cfg.trust_anchor_file = argv[++i];
		else if (strcmp(a, "--stress") == 0)
			parse_pair(argv[++i], &o->threads, &o->per_thread);
		else if (strcmp(a, "--burst") == 0)
			parse_pair(argv[++i], &o->burst_n, &o->burst_s);
		else if (strcmp(a, "--sustain") == 0)
			o->sustain_ms = parse_num(argv[++i], strlen(v));
		else if (strcmp(a, "--bench") == 0)
			o->bench = parse_num(argv[++i], strlen(v));
		else
			usage();
	}
	o->cfg.forwarders = o->nfwd > 0 ? o->fwd : NULL;
	return i;
}

/* parse_queries - NAME TYPE pairs into q; count or usage() */
static int
parse_queries(struct qspec *q, int argc, char **argv, int first)
{
	int n = 0, i;

	if ((argc - first) % 2 != 0 || (argc - first) / 2 > MAXQ)
		usage();
	for (i = first; i + 1 < argc; i += 2, n++) {
		q[n].name = argv[i];
		if ((q[n].type = type_parse(argv[i + 1])) < 0)
			usage();
	}
	return n;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct qspec q[MAXQ];
	struct dns_resolver *r;
	char err[512];
	struct dns_budget budget, *b = NULL;
	int first, nq, i, rc = 0;

	memset(&o, 0, sizeof(o));
	first = parse_opts(&o, argc, argv);
	nq = parse_queries(q, argc, argv, first);
	if (!o.interactive && nq == 0)
		usage();
	if ((r = dns_unbound_new(&o.cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "hm-dnsq: %s\n", err);
		return 2;
	}
	if (o.budget_ms > 0) {
		dns_budget_init(&budget, r, o.budget_ms);
		b = &budget;
	}
	if (o.interactive)
		rc = interactive(r, b);
	else if (o.threads > 0)
		rc = stress(r, &o, q, nq);
	else if (o.burst_n > 0 && nq == 2)
		rc = burst(r, &o, q);
	else if (o.bench > 0)
		rc = bench(r, &o, q[0].name, q[0].type);
	else
		for (i = 0; i < (b != NULL ? nq : 1); i++)
			print_lookup(r, q[i].name, q[i].type, b);
	dns_resolver_free(r);
	return rc;
}
