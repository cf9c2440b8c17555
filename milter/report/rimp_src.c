/*
 * rimp_src.c - what the admin hands `hallmark report import` (rimp.h): a
 * file, a directory, a Maildir, an mbox, standard input.  Files and
 * standard input up to RIMP_MAX_INPUT are read into memory (a file cut
 * short while it is read is only shorter); larger files (mailboxes) are
 * mapped read-only, standard input larger than that is refused.  A file
 * is an mbox when it starts with "From ", a bare report when its first
 * bytes are gzip, zip or XML, else one message.  Directory entries are
 * taken in name order (stable output),
 * dot files skipped, subdirectories not entered (except a Maildir's cur/
 * and new/).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rimp.h"
#include "str.h"

/* mbox - split on "From " lines that start the file or follow a blank
 * line; each message to rimp_message */
static void
mbox(const char *where, const char *buf, size_t len,
    const struct rimp_sink *sink)
{
	const char *p = buf, *end = buf + len, *start = NULL, *eol;
	int n = 0, blank = 1;
	char *w;

	for (; p <= end; p = eol) {
		eol = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		eol = eol != NULL ? eol + 1 : end;
		if (p == end ||
		    (blank && (size_t)(end - p) >= 5 &&
			memcmp(p, "From ", 5) == 0)) {
			if (start != NULL) {
				w = xasprintf("%s message %d", where, ++n);
				rimp_message(w, start, (size_t)(p - start),
				    sink);
				free(w);
			}
			start = eol;
		}
		blank = eol - p == 1 || (eol - p == 2 && *p == '\r');
		if (p == end)
			break;
	}
}

/* bare - the first bytes are gzip, zip or XML */
static int
bare(const char *buf, size_t len)
{
	const unsigned char *u = (const unsigned char *)buf;
	size_t i = 0;

	if (len >= 2 && u[0] == 0x1f && u[1] == 0x8b)
		return 1;
	if (len >= 4 && memcmp(buf, "PK", 2) == 0 &&
	    ((u[2] == 3 && u[3] == 4) || (u[2] == 5 && u[3] == 6)))
		return 1;
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		i = 3;
	while (i < len && strchr(" \t\r\n", buf[i]) != NULL && buf[i] != '\0')
		i++;
	return i < len && buf[i] == '<';
}

void
rimp_source_buf(const char *where, const char *buf, size_t len,
    const struct rimp_sink *sink)
{
	if (len == 0)
		sink->bad(sink->arg, where, "empty");
	else if (len >= 5 && memcmp(buf, "From ", 5) == 0)
		mbox(where, buf, len, sink);
	else if (bare(buf, len))
		rimp_payload(where, (const unsigned char *)buf, len, sink);
	else
		rimp_message(where, buf, len, sink);
}

/* read_all - what fd holds into b, at most max bytes: 0, 1 when there
 * is more, -1 on a read error (errno) */
static int
read_all(int fd, size_t max, struct str *b)
{
	char chunk[65536];
	ssize_t r;

	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (b->len + (size_t)r > max)
			return 1;
		str_addn(b, chunk, (size_t)r);
	}
	return 0;
}

/* hand_on - the bytes of a file to the right reader */
static void
hand_on(const char *path, int as_message, const char *p, size_t n,
    const struct rimp_sink *sink)
{
	if (as_message)
		rimp_message(path, p, n, sink);
	else
		rimp_source_buf(path, p, n, sink);
}

/* big_file - a file over RIMP_MAX_INPUT (a large mbox), mapped */
static void
big_file(const char *path, int fd, size_t size, int as_message,
    const struct rimp_sink *sink)
{
	char why[256];
	void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);

	if (map == MAP_FAILED) {
		str_seterr(why, sizeof(why), "cannot map: %m");
		sink->bad(sink->arg, path, why);
		return;
	}
	hand_on(path, as_message, map, size, sink);
	munmap(map, size);
}

/* one_file - read path (as_message: a Maildir entry) and hand it on;
 * files up to RIMP_MAX_INPUT are read into memory, so that one cut short
 * while it is read (an mbox expunged) is only shorter, never a SIGBUS */
static void
one_file(const char *path, int as_message, const struct rimp_sink *sink)
{
	struct stat st;
	struct str b;
	char why[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd < 0)
			str_seterr(why, sizeof(why), "cannot read: %m");
		else
			str_seterr(why, sizeof(why), "not a regular file");
		sink->bad(sink->arg, path, why);
		if (fd >= 0)
			close(fd);
		return;
	}
	if ((uint64_t)st.st_size > RIMP_MAX_INPUT) {
		big_file(path, fd, (size_t)st.st_size, as_message, sink);
		close(fd);
		return;
	}
	str_init(&b);
	rc = read_all(fd, RIMP_MAX_INPUT, &b);
	if (rc < 0)
		str_seterr(why, sizeof(why), "cannot read: %m");
	close(fd);
	if (rc < 0)
		sink->bad(sink->arg, path, why);
	else if (b.len == 0)
		sink->bad(sink->arg, path, "empty");
	else
		hand_on(path, as_message, b.s, b.len, sink);
	str_free(&b);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* each_file - the regular files of dir, in name order; 0 or -1 */
static int
each_file(const char *dir, int as_message, const struct rimp_sink *sink,
    char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, *path;
	size_t n = 0, i;
	struct stat st;

	if (d == NULL)
		return str_seterr(err, errlen, "%s: %m", dir);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		path = names[i];
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			one_file(path, as_message, sink);
		free(path);
	}
	free(names);
	return 0;
}

/* is_maildir - dir has cur/ and new/ */
static int
is_maildir(const char *dir)
{
	struct stat st;
	char *cur = xasprintf("%s/cur", dir), *new = xasprintf("%s/new", dir);
	int yes = stat(cur, &st) == 0 && S_ISDIR(st.st_mode) &&
	    stat(new, &st) == 0 && S_ISDIR(st.st_mode);

	free(cur);
	free(new);
	return yes;
}

/* from_stdin - one message or bare report on standard input */
static int
from_stdin(const struct rimp_sink *sink, char *err, size_t errlen)
{
	struct str b;
	int rc;

	str_init(&b);
	rc = read_all(0, RIMP_MAX_INPUT, &b);
	if (rc < 0) {
		str_free(&b);
		return str_seterr(err, errlen, "standard input: %m");
	}
	if (rc > 0)
		sink->bad(sink->arg, "stdin",
		    "message over the size limit: "
		    "refused");
	else
		rimp_source_buf("stdin", b.s, b.len, sink);
	str_free(&b);
	return 0;
}

int
rimp_source(const char *path, const struct rimp_sink *sink, char *err,
    size_t errlen)
{
	struct stat st;
	char *sub;
	int rc;

	if (strcmp(path, "-") == 0)
		return from_stdin(sink, err, errlen);
	if (stat(path, &st) < 0)
		return str_seterr(err, errlen, "%s: %m", path);
	if (!S_ISDIR(st.st_mode)) {
		one_file(path, 0, sink);
		return 0;
	}
	if (!is_maildir(path))
		return each_file(path, 0, sink, err, errlen);
	sub = xasprintf("%s/cur", path);
	rc = each_file(sub, 1, sink, err, errlen);
	free(sub);
	sub = xasprintf("%s/new", path);
	if (rc == 0)
		rc = each_file(sub, 1, sink, err, errlen);
	free(sub);
	return rc;
}
