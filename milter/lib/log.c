/*
 * log.c - the logging sinks (syslog or stderr) and level filter behind
 * log.h, and log_printable() masking of untrusted text.
 *
 * On stderr, a line is "TIME IDENT[PID]: LEVEL: text", except when stderr
 * is systemd's journal (JOURNAL_STREAM names it): then "<N>text", the
 * syslog level N in front, which journald turns into the line's priority
 * (it adds the time, the identifier and the pid itself; the facility is
 * the unit's SyslogFacility=).  While the stderr copy is on (a background
 * start), warnings and errors sent to syslog are written to stderr too.
 *
 * Thread-safe: the level is read and set atomically; the sink (syslog or
 * stderr, and the ident) is changed by log_init under a write lock while
 * every line is emitted under the read lock, so a SIGHUP reload never
 * changes it under a logging thread; stderr lines are written with one
 * write(2) each, so lines of different threads do not interleave.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "str.h"

/* the sink: log_init changes it under the write lock; lines use it under
 * the read lock */
static pthread_rwlock_t log_sink_lock = PTHREAD_RWLOCK_INITIALIZER;
static int log_to_syslog;
static int log_journal;	    /* stderr is the journal: "<N>text" */
static int log_stderr_copy; /* syslog, and warnings on stderr too */
static char log_ident[64] = "hallmarkd";
/* the threshold, read and set with __atomic builtins */
static int log_level = LOG_LVL_INFO;

static const struct {
	const char *name;
	int value;
} facilities[] = { { "mail", LOG_MAIL }, { "daemon", LOG_DAEMON },
	{ "user", LOG_USER }, { "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 }, { NULL, 0 } };

static const char *const level_names[] = { NULL, NULL, NULL, "error", "warning",
	"notice", "info", "debug" };

/* facility_value - syslog facility by name, -1 if unknown */
static int
facility_value(const char *name)
{
	int i;

	for (i = 0; facilities[i].name != NULL; i++)
		if (str_casecmp(facilities[i].name, name) == 0)
			return facilities[i].value;
	return -1;
}

/* journal_stderr - stderr is the journal stream systemd gave us */
static int
journal_stderr(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* log_init - choose the sink; returns -1 for an unknown facility */
int
log_init(const char *ident, int to_syslog, const char *facility,
    enum log_level level)
{
	int fac = facility_value(facility ? facility : "mail");

	if (fac < 0)
		return -1;
	pthread_rwlock_wrlock(&log_sink_lock);
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	if (log_to_syslog)
		closelog();
	log_to_syslog = to_syslog;
	log_journal = !to_syslog && journal_stderr();
	if (to_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, fac);
	pthread_rwlock_unlock(&log_sink_lock);
	log_set_level(level);
	return 0;
}

/* log_set_stderr_copy - with syslog, warnings and errors on stderr too */
void
log_set_stderr_copy(int on)
{
	log_stderr_copy = on;
}

/* log_set_level - change the threshold */
void
log_set_level(enum log_level level)
{
	__atomic_store_n(&log_level, (int)level, __ATOMIC_RELAXED);
}

/* log_get_level - the threshold */
enum log_level
log_get_level(void)
{
	return (enum log_level)__atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

/* log_facility_ok - is name a facility log_init accepts */
int
log_facility_ok(const char *name)
{
	return name != NULL && facility_value(name) >= 0;
}

/* log_level_parse - level by name */
int
log_level_parse(const char *name)
{
	int i;

	for (i = LOG_LVL_ERR; i <= LOG_LVL_DEBUG; i++)
		if (str_casecmp(level_names[i], name) == 0)
			return i;
	return -1;
}

/* emit_stderr - one line on stderr, with time and identity (or the
 * journal's "<N>") */
static void
emit_stderr(enum log_level lvl, const char *line)
{
	char buf[8192];
	struct timespec ts;
	struct tm tm;
	int n;

	if (log_journal) {
		n = snprintf(buf, sizeof(buf), "<%d>%s\n", (int)lvl, line);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(buf, sizeof(buf),
		    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%ld]: %s: %s\n",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L, log_ident,
		    (long)getpid(), level_names[lvl], line);
	}
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) {
		n = sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}

/* log_emit - one finished line to the sink */
static void
log_emit(enum log_level lvl, const char *line)
{
	pthread_rwlock_rdlock(&log_sink_lock);
	if (!log_to_syslog) {
		emit_stderr(lvl, line);
	} else {
		syslog((int)lvl, "%s", line);
		if (log_stderr_copy && lvl <= LOG_LVL_WARN)
			emit_stderr(lvl, line);
	}
	pthread_rwlock_unlock(&log_sink_lock);
}

/* log_vmsg - format and emit if the level passes */
static void
log_vmsg(enum log_level lvl, const char *prefix, const char *fmt, va_list ap)
{
	char line[6144];
	size_t off = 0;

	if ((int)lvl > (int)log_get_level())
		return;
	if (prefix != NULL)
		off = (size_t)snprintf(line, sizeof(line), "%s: ", prefix);
	if (off >= sizeof(line))
		off = 0;
	vsnprintf(line + off, sizeof(line) - off, fmt, ap);
	log_emit(lvl, line);
}

/* log_msg - one line at a level */
void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, NULL, fmt, ap);
	va_end(ap);
}

/* log_qid - one line about one message, prefixed with its queue id */
void
log_qid(enum log_level lvl, const char *qid, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, qid && *qid ? qid : "NOQUEUE", fmt, ap);
	va_end(ap);
}

/* log_printable - copy with control and 8-bit bytes masked as '?' */
char *
log_printable(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t i, o = 0;

	if (dstlen == 0)
		return dst;
	for (i = 0; i < srclen && o + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[o++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	if (i < srclen && dstlen >= 4) {
		o = o > dstlen - 4 ? dstlen - 4 : o;
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}
