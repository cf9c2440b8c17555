/*
 * mg_stats.c - miltergen's measurements and report; see mg_stats.h for the
 * contract.
 *
 * Owns nothing between calls (mg_stats_merge hands the merged latency
 * array to the caller).  mg_stats_lat_add touches only the calling
 * thread's counters; the rest runs in main after the workers have ended.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mg_stats.h"

static const char *const verdict_name[V_NVERDICT] = {
	"accept", "reject", "tempfail", "discard"
};
static const char *const err_name[E_NERR] = {
	"err_connect", "err_closed", "err_timeout", "err_proto"
};

/* mg_stats_lat_add - remember one latency */
void
mg_stats_lat_add(struct mg_stats *st, double us)
{
	if (st->nlat == st->caplat)
		st->lat_us = mg_xrealloc(st->lat_us, (st->caplat = st->caplat *
		    2 + 1024) * sizeof(*st->lat_us));
	st->lat_us[st->nlat++] = us > 4e9 ? 4000000000u : (uint32_t)us;
}

/* mg_stats_cpu_us - utime+stime of a process in microseconds; -1 if unknown */
double
mg_stats_cpu_us(long pid)
{
	char path[64], buf[2048], *p, *end;
	unsigned long v[2];
	FILE *f;
	size_t n;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after "(comm) ": state is field 3, utime 14, stime 15 */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	for (field = 2; field < 14 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	for (n = 0; n < 2 && p != NULL; n++) {
		errno = 0;
		v[n] = strtoul(p + 1, &end, 10);
		if (errno != 0 || end == p + 1)
			return -1;
		p = end;
	}
	if (n < 2)
		return -1;
	return (double)(v[0] + v[1]) * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

/* mg_stats_mem_kib - a "Vm...:" line (VmRSS, VmHWM) of /proc/PID/status
 * in KiB; -1 */
long
mg_stats_mem_kib(long pid, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* mg_stats_smaps - copy /proc/PID/smaps to the file `to` (best effort) */
void
mg_stats_smaps(long pid, const char *to)
{
	char path[64], b[8192];
	FILE *in, *out;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/smaps", pid);
	if ((in = fopen(path, "r")) == NULL)
		return;
	if ((out = fopen(to, "w")) != NULL) {
		while ((n = fread(b, 1, sizeof(b), in)) > 0)
			if (fwrite(b, 1, n, out) != n)
				break;
		fclose(out);
	}
	fclose(in);
}

/* u32_cmp - qsort helper */
static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* pct - the p-th percentile of sorted values (nearest rank) */
static uint32_t
pct(const uint32_t *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	return v[k == 0 ? 0 : (k > n ? n - 1 : k - 1)];
}

/* mg_stats_merge - sum the workers' counters and latencies into one */
void
mg_stats_merge(struct mg_worker *w, int n, struct mg_stats *t)
{
	int i, k;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		for (k = 0; k < V_NVERDICT; k++)
			t->verdict[k] += w[i].st.verdict[k];
		for (k = 0; k < E_NERR; k++)
			t->err[k] += w[i].st.err[k];
		t->quarantine += w[i].st.quarantine;
		t->addhdr += w[i].st.addhdr;
		t->inshdr += w[i].st.inshdr;
		t->chghdr += w[i].st.chghdr;
		t->othermod += w[i].st.othermod;
		t->done += w[i].st.done;
		if (w[i].st.nlat > 0) {
			t->lat_us = mg_xrealloc(t->lat_us, (t->nlat +
			    w[i].st.nlat) * sizeof(*t->lat_us));
			memcpy(t->lat_us + t->nlat, w[i].st.lat_us,
			    w[i].st.nlat * sizeof(*t->lat_us));
			t->nlat += w[i].st.nlat;
		}
		free(w[i].st.lat_us);
	}
	if (t->nlat > 0)	/* no message answered: lat_us is NULL */
		qsort(t->lat_us, t->nlat, sizeof(*t->lat_us), u32_cmp);
}

/* mg_stats_report - the human table or one key=value line */
void
mg_stats_report(const struct mg_stats *t, const struct mg_measure *me)
{
	unsigned long errs = 0;
	double cpu_msg = -1;
	int k;

	for (k = 0; k < E_NERR; k++)
		errs += t->err[k];
	if (me->cpu_us >= 0 && t->done > 0)
		cpu_msg = me->cpu_us / (double)t->done;
	printf(mg_opt.kv ? "messages=%lu errors=%lu seconds=%.3f mps=%.1f "
	    "p50_us=%u p90_us=%u p99_us=%u max_us=%u cpu_us_per_msg=%.1f "
	    "rss0_kib=%ld rss_kib=%ld hwm_kib=%ld hold_rss_kib=%ld" :
	    "messages      %lu\nerrors        %lu\nseconds       %.3f\n"
	    "messages/s    %.1f\nlatency p50   %u us\nlatency p90   %u us\n"
	    "latency p99   %u us\nlatency max   %u us\n"
	    "cpu/message   %.1f us (milter process)\n"
	    "rss before    %ld KiB\nrss after     %ld KiB\n"
	    "peak rss      %ld KiB (VmHWM)\nrss on hold   %ld KiB\n",
	    t->done, errs, me->secs, me->secs > 0 ? (double)t->done /
	    me->secs : 0.0, pct(t->lat_us, t->nlat, 50),
	    pct(t->lat_us, t->nlat, 90), pct(t->lat_us, t->nlat, 99),
	    t->nlat ? t->lat_us[t->nlat - 1] : 0, cpu_msg, me->rss0, me->rss,
	    me->hwm, me->hold_rss);
	for (k = 0; k < V_NVERDICT; k++)
		printf(mg_opt.kv ? " %s=%lu" : "%-13s %lu\n", verdict_name[k],
		    t->verdict[k]);
	printf(mg_opt.kv ? " quarantine=%lu addhdr=%lu inshdr=%lu chghdr=%lu "
	    "othermod=%lu" : "quarantine    %lu\nadd header    %lu\n"
	    "insert header %lu\nchange header %lu\nother mods    %lu\n",
	    t->quarantine, t->addhdr, t->inshdr, t->chghdr, t->othermod);
	for (k = 0; k < E_NERR; k++)
		printf(mg_opt.kv ? " %s=%lu" : "%-13s %lu\n", err_name[k],
		    t->err[k]);
	if (mg_opt.kv)
		putchar('\n');
}

