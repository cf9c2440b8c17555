/*
 * metrics.h - process-wide counters for the Prometheus text endpoint.
 *
 * Every counter is a lock-free atomic, so any thread may count at any
 * time, also before the endpoint is started (the counts are then simply
 * never served).  Labels are fixed vocabularies declared in metrics.c:
 * metrics_inc() looks the label text up and ignores a value outside the
 * vocabulary, so no text from outside ever becomes a label (no
 * per-domain labels).  metrics_render() writes the whole exposition,
 * every series including zeroes, with # HELP and # TYPE lines.
 *
 * Lives in lib/ (layer 1) because the DNS layer counts queries too.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_METRICS_H
#define HALLMARK_METRICS_H

#include <stddef.h>

enum metrics_id {
	M_MSG_ACTION = 0,  /* action */
	M_RESULT,	   /* method, result */
	M_DNS_QUERY,	   /* type, outcome */
	M_DNS_CACHE_HIT,   /* - */
	M_SIGNATURE,	   /* algorithm */
	M_KEY_ERROR,	   /* - */
	M_PROTO_ERROR,	   /* kind */
	M_REPORT_RECORDED, /* - */
	M_REPORT_DROPPED,  /* - */
	M_REPORT_FLUSH,	   /* outcome */
	M_IDS
};

/*
 * metrics_inc - add one to counter id with label values l1, l2 (NULL
 * for a family without that label); a value outside the family's
 * vocabulary is not counted (returns -1), else 0.
 */
int metrics_inc(enum metrics_id id, const char *l1, const char *l2);
/* metrics_add - the same, adding n */
int metrics_add(enum metrics_id id, const char *l1, const char *l2,
    unsigned long long n);

/* metrics_dns - count one DNS query of rrtype (a number) that ended
 * with outcome (dns_status_name) after usec microseconds */
void metrics_dns(int rrtype, const char *outcome, unsigned long usec);

/* metrics_inflight - add d (+1 / -1) to the in-flight messages gauge */
void metrics_inflight(int d);

/*
 * metrics_override - count a DMARC policy override for reason (a fixed
 * name) by "by" (an allow-list name from the configuration, or a fixed
 * text such as "t=y"): the first METRICS_MAX_BY distinct pairs get their
 * own series, later ones count as by="other".
 */
#define METRICS_MAX_BY 32
void metrics_override(const char *reason, const char *by);

/* metrics_render - the exposition text (malloc'd, NUL-terminated) */
char *metrics_render(void);

/* metrics_reset - tests only: every counter back to zero */
void metrics_reset(void);

#endif
