/*
 * logcap.c - the log capture and stream reader of the unit tests
 * (logcap.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "logcap.h"
#include "str.h"

/* read_stream - the rest of f; *len set */
char *
read_stream(FILE *f, size_t *len)
{
	struct str s;
	char buf[65536], *out;
	size_t n;

	str_init(&s);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		str_addn(&s, buf, n);
	*len = s.len;
	out = str_steal(&s);
	str_free(&s);	/* str_steal leaves a fresh buffer */
	return out;
}

static int T_saved_fd = -1;	/* the real stderr while the log is captured */
static FILE *T_logf;		/* where it goes meanwhile */

/* log_capture - send the log (stderr) to a temporary file */
void
log_capture(void)
{
	T_logf = tmpfile();
	assert_non_null(T_logf);
	T_saved_fd = dup(STDERR_FILENO);
	assert_true(T_saved_fd >= 0);
	assert_true(dup2(fileno(T_logf), STDERR_FILENO) >= 0);
}

/* log_captured - restore stderr; the captured log (caller frees), also
 * copied to stderr so that it stays in the test's log */
char *
log_captured(void)
{
	size_t n;
	char *text;

	assert_true(dup2(T_saved_fd, STDERR_FILENO) >= 0);
	close(T_saved_fd);
	T_saved_fd = -1;
	rewind(T_logf);
	text = read_stream(T_logf, &n);
	fclose(T_logf);
	T_logf = NULL;
	fputs(text, stderr);
	return text;
}

