/*
 * miltergen.c - a milter-protocol load generator: the MTA side of the milter
 * protocol (version 6), talking to any milter the way Postfix does.
 *
 * SYNOPSIS
 *   miltergen --socket inet:PORT@ADDR|unix:PATH [--concurrency N]
 *             [--messages N | --seconds S] [--rate R] [--reuse N] [--pid PID]
 *             [--client-ip IP] [--helo NAME] [--from ADDR] [--rcpt ADDR]
 *             [--macros LIST] [--timeout S] [--hold] [--kv] CORPUS...
 *
 * DESCRIPTION
 *   Each of N threads opens its own connection: SMFIC_OPTNEG (offers every
 *   action and every protocol flag Postfix offers, then honours what the
 *   milter asks: steps it does not want are not sent, steps it asks no
 *   reply for are not waited for, SMFIR_SKIP stops the body), connect,
 *   helo, then messages: mail, rcpt, data, headers, end of headers, body
 *   chunks of at most 65535 bytes, end of message, reading every reply and
 *   every modification action, with the macro packets Postfix sends before
 *   each step (mg_client.c).  Each transaction ends with SMFIC_ABORT, as
 *   Postfix ends it; the next message reuses the connection with a new
 *   MAIL; after --reuse messages the thread says QUIT and reconnects.  A message the milter ends early
 *   (accept/reject/... before end of message) is followed by SMFIC_ABORT.
 *
 *   CORPUS is .eml files, directories of them, or @FILE (one path a line).
 *   Messages are sent round robin.  The envelope sender is --from, else the
 *   address of the message's From: header.
 *
 *   --rate R paces the run (open loop): message i starts no earlier than
 *   i/R seconds after the start, whichever thread is free sends it, so
 *   the latency of a run well below capacity is the time the milter adds,
 *   not the queueing of a saturated closed loop.
 *
 *   Reports messages/s, latency p50/p90/p99 (MAIL sent to final reply),
 *   verdict and header-change counts, and with --pid the CPU time the milter
 *   process used per message (utime+stime from /proc/PID/stat, before and
 *   after) and its memory (VmRSS, VmHWM from /proc/PID/status).  --kv prints
 *   one line of key=value for scripts.  --hold makes every thread stop its
 *   first message just before end of message until all N are there, then
 *   samples the milter's VmRSS (hold_rss_kib): N messages in flight at once
 *   (and copies its /proc/PID/smaps to the file $MILTERGEN_SMAPS names, to
 *   see what the memory is made of), $MILTERGEN_HOLD_MS (200) after the
 *   last thread arrived.
 *
 *   A milter that closes the connection, stalls (--timeout, default 10 s) or
 *   replies garbage costs an error for that message and a reconnect, never a
 *   crash or a hang.  Exit status: 0 all messages got a verdict, 1 some
 *   errors, 2 bad usage or no message could be sent.
 *
 *   Thread safety: each thread owns its connection and counters; the shared
 *   message counter and the hold rendezvous are under one mutex.  This is a
 *   test tool: it exits on out-of-memory.
 *
 *   This file: options, the worker threads, the --hold rendezvous and
 *   main; the protocol is in mg_client.c, the corpus in mg_corpus.c, the
 *   measurements and the report in mg_stats.c (see miltergen.h).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mg_client.h"
#include "mg_corpus.h"
#include "mg_stats.h"
#include "miltergen.h"

struct mg_options mg_opt = {
	.concurrency = 1, .messages = 0, .seconds = 0, .reuse = 0,
	.client_ip = "192.0.2.25", .helo = "client.bench.example",
	.rcpt = "postmaster@rcpt.example", .macro_i = 1, .timeout = 10.0,
};
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cond = PTHREAD_COND_INITIALIZER;
static long next_msg;
static int hold_arrived, hold_released;
static struct timespec t_deadline, t_start;

/* mg_die - report a fatal set-up error and exit 2 */
void __attribute__((noreturn, format(printf, 1, 2)))
mg_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("miltergen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

/* mg_xmalloc - malloc or die */
void *
mg_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		mg_die("out of memory");
	return p;
}

/* mg_xrealloc - realloc or die */
void *
mg_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		mg_die("out of memory");
	return p;
}

/* mg_xstrndup - copy n bytes into a new NUL-terminated string */
char *
mg_xstrndup(const char *s, size_t n)
{
	char *p = mg_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* mg_now - monotonic clock */
struct timespec
mg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

/* mg_ts_us - microseconds from a to b */
double
mg_ts_us(struct timespec a, struct timespec b)
{
	return (double)(b.tv_sec - a.tv_sec) * 1e6 +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e3;
}

/* mg_parse_num - a bounded decimal number, or die naming the option */
double
mg_parse_num(const char *opname, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		mg_die("%s: bad value '%s' (%g..%g)", opname, s, min, max);
	return v;
}

/* mg_hold_arrive - --hold rendezvous: wait until main releases everyone */
void
mg_hold_arrive(int *arrived, int wait)
{
	if (!mg_opt.hold || *arrived)
		return;
	*arrived = 1;
	pthread_mutex_lock(&lock);
	hold_arrived++;
	pthread_cond_broadcast(&hold_cond);
	while (wait && !hold_released)
		pthread_cond_wait(&hold_cond, &lock);
	pthread_mutex_unlock(&lock);
}

/* ---- workers ----------------------------------------------------------- */

/* take_msg - claim the next message index; -1 when the run is over */
static long
take_msg(void)
{
	long i = -1;
	struct timespec t;

	if (mg_opt.seconds > 0) {
		t = mg_now();
		if (mg_ts_us(t, t_deadline) <= 0)
			return -1;
	}
	pthread_mutex_lock(&lock);
	if (mg_opt.messages <= 0 || next_msg < mg_opt.messages)
		i = next_msg++;
	pthread_mutex_unlock(&lock);
	return i;
}

/* pace - with --rate, sleep until message i's start time */
static void
pace(long i)
{
	struct timespec t = t_start;
	double off;

	if (mg_opt.rate <= 0)
		return;
	off = (double)i / mg_opt.rate;
	t.tv_sec += (time_t)off;
	t.tv_nsec += (long)((off - (double)(time_t)off) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) ==
	    EINTR)
		;
}

/* worker_run - a thread: its own connection, messages until the end */
static void *
worker_run(void *arg)
{
	struct mg_worker *w = arg;
	struct mg_sess s = { .fd = -1, .id = w->id };
	struct timespec t0;
	long i, on_conn = 0;
	int c, fails = 0, held = 0;

	s.buf = mg_xmalloc(MG_MAXREPLY);
	while (fails < 3 && (i = take_msg()) >= 0) {
		if (s.fd < 0 && (c = mg_client_open(&s)) != 0) {
			w->st.err[-c - 1]++;
			mg_client_close(&s, 0);
			fails++;
			continue;
		}
		pace(i);
		t0 = mg_now();
		c = mg_client_send(&s, mg_corpus_msg((size_t)i), &w->st, &held);
		if (c < 0) {
			w->st.err[-c - 1]++;
			mg_client_close(&s, 0);
			fails++;
			continue;
		}
		fails = 0;
		w->st.verdict[c]++;
		w->st.done++;
		mg_stats_lat_add(&w->st, mg_ts_us(t0, mg_now()));
		if (mg_opt.reuse > 0 && ++on_conn >= mg_opt.reuse) {
			mg_client_close(&s, 1);
			on_conn = 0;
		}
	}
	mg_hold_arrive(&held, 0);
	mg_client_close(&s, 1);
	free(s.buf);
	return NULL;
}

/* hold_sample - --hold: wait for every thread, sample RSS, release */
static long
hold_sample(void)
{
	struct timespec until;
	long rss;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(mg_opt.timeout * 3 + 5);
	pthread_mutex_lock(&lock);
	while (hold_arrived < mg_opt.concurrency &&
	    pthread_cond_timedwait(&hold_cond, &lock, &until) == 0)
		;
	pthread_mutex_unlock(&lock);
	/* let the milter finish its body work ($MILTERGEN_HOLD_MS, 200) */
	usleep(getenv("MILTERGEN_HOLD_MS") != NULL ?
	    (useconds_t)strtoul(getenv("MILTERGEN_HOLD_MS"), NULL, 10) * 1000 :
	    200000);
	rss = mg_opt.pid > 0 ? mg_stats_mem_kib(mg_opt.pid, "VmRSS") : -1;
	if (mg_opt.pid > 0 && getenv("MILTERGEN_SMAPS") != NULL)
		mg_stats_smaps(mg_opt.pid, getenv("MILTERGEN_SMAPS"));
	pthread_mutex_lock(&lock);
	hold_released = 1;
	pthread_cond_broadcast(&hold_cond);
	pthread_mutex_unlock(&lock);
	return rss;
}

/* ---- main -------------------------------------------------------------- */

/* usage - print the synopsis and exit 2 */
static void __attribute__((noreturn))
usage(void)
{
	fputs("usage: miltergen --socket inet:PORT@ADDR|unix:PATH\n"
	    "  [--concurrency N] [--messages N | --seconds S] [--rate R]\n"
	    "  [--reuse N]\n"
	    "  [--pid PID] [--client-ip IPv4] [--helo NAME] [--from ADDR]\n"
	    "  [--rcpt ADDR] [--macros i,auth=USER,daemon=NAME|none]\n"
	    "  [--timeout S] [--hold] [--kv] FILE.eml|DIR|@LIST...\n", stderr);
	exit(2);
}

/* parse_macros - --macros: comma list of i, auth=USER, daemon=NAME, none */
static void
parse_macros(char *spec)
{
	char *save = NULL, *tok;

	mg_opt.macro_i = 0;
	for (tok = strtok_r(spec, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "i") == 0)
			mg_opt.macro_i = 1;
		else if (strncmp(tok, "auth=", 5) == 0)
			mg_opt.macro_auth = tok + 5;
		else if (strncmp(tok, "daemon=", 7) == 0)
			mg_opt.macro_daemon = tok + 7;
		else if (strcmp(tok, "none") != 0)
			mg_die("--macros: unknown '%s'", tok);
	}
}

/* parse_args - options into opt, the rest into the corpus */
static void
parse_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--kv") == 0) { mg_opt.kv = 1; continue; }
		if (strcmp(a, "--hold") == 0) { mg_opt.hold = 1; continue; }
		if (strncmp(a, "--", 2) != 0) { mg_corpus_add(a); continue; }
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--socket") == 0) mg_opt.socket = v;
		else if (strcmp(a, "--concurrency") == 0)
			mg_opt.concurrency = (int)mg_parse_num(a, v, 1, 5000);
		else if (strcmp(a, "--messages") == 0)
			mg_opt.messages = (long)mg_parse_num(a, v, 1, 1e9);
		else if (strcmp(a, "--seconds") == 0)
			mg_opt.seconds = mg_parse_num(a, v, 0.01, 86400);
		else if (strcmp(a, "--rate") == 0)
			mg_opt.rate = mg_parse_num(a, v, 0.1, 1e6);
		else if (strcmp(a, "--reuse") == 0)
			mg_opt.reuse = (long)mg_parse_num(a, v, 0, 1e9);
		else if (strcmp(a, "--pid") == 0)
			mg_opt.pid = (long)mg_parse_num(a, v, 1, 4194304);
		else if (strcmp(a, "--timeout") == 0)
			mg_opt.timeout = mg_parse_num(a, v, 0.01, 3600);
		else if (strcmp(a, "--client-ip") == 0) mg_opt.client_ip = v;
		else if (strcmp(a, "--helo") == 0) mg_opt.helo = v;
		else if (strcmp(a, "--from") == 0) mg_opt.from = v;
		else if (strcmp(a, "--rcpt") == 0) mg_opt.rcpt = v;
		else if (strcmp(a, "--macros") == 0) parse_macros(argv[i]);
		else usage();
	}
	if (mg_opt.socket == NULL || mg_corpus_count() == 0)
		usage();
	if (mg_opt.messages <= 0 && mg_opt.seconds <= 0)
		mg_opt.messages = 100;
}

/* main - parse, run the workers, report */
int
main(int argc, char **argv)
{
	struct mg_worker *w;
	struct mg_stats t;
	struct mg_measure me = { .cpu_us = -1, .rss0 = -1, .rss = -1, .hwm = -1,
	    .hold_rss = -1 };
	struct timespec t0;
	pthread_attr_t attr;
	double cpu0 = -1;
	unsigned long errs = 0;
	int i;

	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv);
	w = calloc((size_t)mg_opt.concurrency, sizeof(*w));
	if (w == NULL)
		mg_die("out of memory");
	if (mg_opt.pid > 0) {
		cpu0 = mg_stats_cpu_us(mg_opt.pid);
		me.rss0 = mg_stats_mem_kib(mg_opt.pid, "VmRSS");
		if (cpu0 < 0)
			mg_die("--pid %ld: no such process", mg_opt.pid);
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	t0 = mg_now();
	t_start = t0;
	t_deadline = t0;
	t_deadline.tv_sec += (time_t)mg_opt.seconds;
	t_deadline.tv_nsec += (long)((mg_opt.seconds - (double)(time_t)
	    mg_opt.seconds) * 1e9);
	if (t_deadline.tv_nsec >= 1000000000L) {
		t_deadline.tv_sec++;
		t_deadline.tv_nsec -= 1000000000L;
	}
	for (i = 0; i < mg_opt.concurrency; i++) {
		w[i].id = i;
		if (pthread_create(&w[i].tid, &attr, worker_run, &w[i]) != 0)
			mg_die("cannot start thread %d", i);
	}
	if (mg_opt.hold)
		me.hold_rss = hold_sample();
	for (i = 0; i < mg_opt.concurrency; i++)
		pthread_join(w[i].tid, NULL);
	me.secs = mg_ts_us(t0, mg_now()) / 1e6;
	if (mg_opt.pid > 0) {
		double cpu1 = mg_stats_cpu_us(mg_opt.pid);

		me.cpu_us = cpu1 >= 0 ? cpu1 - cpu0 : -1;
		me.rss = mg_stats_mem_kib(mg_opt.pid, "VmRSS");
		me.hwm = mg_stats_mem_kib(mg_opt.pid, "VmHWM");
	}
	mg_stats_merge(w, mg_opt.concurrency, &t);
	mg_stats_report(&t, &me);
	for (i = 0; i < E_NERR; i++)
		errs += t.err[i];
	free(t.lat_us);
	free(w);
	return t.done == 0 ? 2 : errs > 0;
}
