/*
 * mg_stats.h - miltergen's measurements: latencies, merged counters and
 * percentiles, the report (a table or one key=value line), and the CPU
 * time and memory of the milter process read from /proc.
 *
 * Each worker thread fills its own struct mg_stats; merging happens after
 * every thread has ended.  Nothing here fails loudly: a /proc value that
 * cannot be read is -1 and reported as such.
 */
#ifndef MG_STATS_H
#define MG_STATS_H

#include "miltergen.h"

/* what main measured around the run */
struct mg_measure {
	double secs, cpu_us;
	long rss0, rss, hwm, hold_rss;
};

/* mg_stats_lat_add - remember one latency (microseconds) */
void mg_stats_lat_add(struct mg_stats *st, double us);
/* mg_stats_merge - sum the n workers' counters and latencies into t
 * (latencies sorted); frees the workers' latency arrays, t->lat_us is the
 * caller's */
void mg_stats_merge(struct mg_worker *w, int n, struct mg_stats *t);
/* mg_stats_report - print the table (or, with --kv, one line) */
void mg_stats_report(const struct mg_stats *t, const struct mg_measure *me);
/* mg_stats_cpu_us - utime+stime of process pid in microseconds; -1 */
double mg_stats_cpu_us(long pid);
/* mg_stats_smaps - copy /proc/PID/smaps to the file `to` (best effort) */
void mg_stats_smaps(long pid, const char *to);
/* mg_stats_mem_kib - a "Vm...:" value (VmRSS, VmHWM) of /proc/PID/status
 * in KiB; -1 */
long mg_stats_mem_kib(long pid, const char *key);

#endif
