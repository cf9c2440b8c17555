/*
 * ublog.c - libunbound's log lines into log.c (ublog.h).
 *
 * A fopencookie() stream, line buffered: each write libunbound's
 * fprintf/fflush makes is cut into lines (a partial line waits in the
 * cookie's buffer for its end; one longer than the buffer is logged in
 * pieces), each parsed by ublog_parse() and logged as "unbound: TEXT".
 * stdio holds the stream's lock around the write function, so the buffer
 * needs no lock of its own.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <pthread.h>
#include <string.h>
#include <sys/types.h>

#include "log.h"
#include "ublog.h"

#define UBLOG_LINE 1024

static struct {
	char buf[UBLOG_LINE];
	size_t len;
} ublog_pending;
static FILE *ublog_fp;
static pthread_once_t ublog_once = PTHREAD_ONCE_INIT;

/* skip_prefix - past "[digits] " and "name[pid:tid] ", if present */
static size_t
skip_prefix(const char *s, size_t len)
{
	size_t i = 0, j;

	if (i < len && s[i] == '[') {
		for (j = i + 1; j < len && s[j] >= '0' && s[j] <= '9'; j++)
			;
		if (j < len && s[j] == ']' && j + 1 < len && s[j + 1] == ' ')
			i = j + 2;
	}
	for (j = i; j < len && s[j] != ' ' && s[j] != '['; j++)
		;
	if (j > i && j < len && s[j] == '[') {
		while (j < len && s[j] != ']' && s[j] != ' ')
			j++;
		if (j + 1 < len && s[j] == ']' && s[j + 1] == ' ')
			i = j + 2;
	}
	return i;
}

/* word_len - length of "w: " when s (len bytes) starts with it, else 0 */
static size_t
word_len(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);

	if (len >= n + 2 && memcmp(s, w, n) == 0 && s[n] == ':' &&
	    s[n + 1] == ' ')
		return n + 2;
	return 0;
}

/* ublog_parse - see ublog.h */
void
ublog_parse(const char *line, size_t len, enum log_level *lvl,
    const char **text, size_t *textlen)
{
	static const struct {
		const char *word;
		enum log_level lvl;
	} words[] = {
		{ "error", LOG_LVL_WARN }, { "warning", LOG_LVL_WARN },
		{ "notice", LOG_LVL_INFO }, { "info", LOG_LVL_INFO },
	};
	size_t i = skip_prefix(line, len), k, w = 0;

	*lvl = LOG_LVL_DEBUG;
	for (k = 0; k < sizeof(words) / sizeof(words[0]) && w == 0; k++) {
		w = word_len(line + i, len - i, words[k].word);
		if (w != 0)
			*lvl = words[k].lvl;
	}
	*text = line + i + w;
	*textlen = len - i - w;
}

/* emit - one whole line */
static void
emit(const char *line, size_t len)
{
	char p[UBLOG_LINE + 8];
	enum log_level lvl;
	const char *text;
	size_t n;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	ublog_parse(line, len, &lvl, &text, &n);
	log_msg(lvl, "unbound: %s", log_printable(p, sizeof(p), text, n));
}

/* cookie_write - stdio's write function: cut into lines */
static ssize_t
cookie_write(void *cookie, const char *buf, size_t size)
{
	size_t i;

	(void)cookie;
	for (i = 0; i < size; i++) {
		if (buf[i] == '\n' ||
		    ublog_pending.len == sizeof(ublog_pending.buf)) {
			emit(ublog_pending.buf, ublog_pending.len);
			ublog_pending.len = 0;
			if (buf[i] == '\n')
				continue;
		}
		ublog_pending.buf[ublog_pending.len++] = buf[i];
	}
	return (ssize_t)size;
}

/* make_stream - once */
static void
make_stream(void)
{
	cookie_io_functions_t io = { NULL, cookie_write, NULL, NULL };

	ublog_fp = fopencookie(NULL, "w", io);
	if (ublog_fp != NULL)
		setvbuf(ublog_fp, NULL, _IOLBF, 0);
}

/* ublog_stream - see ublog.h */
FILE *
ublog_stream(void)
{
	pthread_once(&ublog_once, make_stream);
	return ublog_fp;
}
