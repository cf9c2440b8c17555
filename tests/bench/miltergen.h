/*
 * miltergen.h - what the parts of miltergen (the milter-protocol load
 * generator, tests/bench) share: the options, a corpus message, the
 * per-thread counters, and the few helpers every part uses.
 *
 * The program is split by concern:
 *   miltergen.c   options, the worker threads, the --hold rendezvous, main
 *   mg_corpus.c   reading .eml files into messages (mg_corpus.h)
 *   mg_client.c   the MTA side of the milter protocol (mg_client.h)
 *   mg_stats.c    latencies, percentiles, the report, /proc sampling of the
 *                 milter process (mg_stats.h)
 *
 * mg_opt is written only while parsing options (before any thread starts),
 * then read-only.  Out of memory and bad set-up end the program (mg_die,
 * exit 2): this is a test tool.
 */
#ifndef MILTERGEN_H
#define MILTERGEN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum verdict { V_ACCEPT, V_REJECT, V_TEMPFAIL, V_DISCARD, V_NVERDICT };
enum err { E_CONNECT, E_CLOSED, E_TIMEOUT, E_PROTO, E_NERR };

struct mg_hdr {
	char *name;
	char *value;		/* after the colon, leading blanks kept */
};

struct mg_msg {
	char *path;
	struct mg_hdr *hdr;
	size_t nhdr;
	char *body;		/* CRLF line ends, as Postfix sends it */
	size_t bodylen;
	char *envfrom;
};

struct mg_options {
	const char *socket;
	int concurrency;
	long messages;
	double seconds;
	double rate;		/* messages/s in all; 0: as fast as possible */
	long reuse;
	long pid;
	const char *client_ip;
	const char *helo;
	const char *from;
	const char *rcpt;
	int macro_i;
	const char *macro_auth;
	const char *macro_daemon;
	double timeout;
	int hold;
	int kv;
};

struct mg_stats {
	unsigned long verdict[V_NVERDICT];
	unsigned long quarantine, addhdr, inshdr, chghdr, othermod;
	unsigned long err[E_NERR];
	unsigned long done;
	uint32_t *lat_us;
	size_t nlat, caplat;
};

struct mg_worker {
	pthread_t tid;
	int id;
	struct mg_stats st;
};

extern struct mg_options mg_opt;

/* mg_die - "miltergen: " and the message on stderr, then exit 2 */
void mg_die(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
/* mg_xmalloc, mg_xrealloc - malloc/realloc or mg_die */
void *mg_xmalloc(size_t n);
void *mg_xrealloc(void *p, size_t n);
/* mg_xstrndup - n bytes and a NUL in new memory */
char *mg_xstrndup(const char *s, size_t n);
/* mg_parse_num - a decimal number in [min, max], or mg_die naming opname */
double mg_parse_num(const char *opname, const char *s, double min,
    double max);
/* mg_now - the monotonic clock; mg_ts_us - microseconds from a to b */
struct timespec mg_now(void);
double mg_ts_us(struct timespec a, struct timespec b);
/* mg_hold_arrive - --hold: a thread's first message reached end of message;
 * wait (if wait) until main has sampled the milter and releases everyone.
 * *arrived makes it once per thread; no-op without --hold */
void mg_hold_arrive(int *arrived, int wait);

#endif
