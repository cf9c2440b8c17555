/*
 * mg_corpus.c - miltergen's corpus: .eml files into header lists and CRLF
 * bodies; see mg_corpus.h for the contract.
 *
 * Owns the message array (never freed: it lives as long as the program).
 * Not thread-safe while loading; read-only afterwards.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mg_corpus.h"

static struct mg_msg *corpus;
static size_t ncorpus, capcorpus;

/* msg_set_body - body text converting bare LF line ends to CRLF */
static void
msg_set_body(struct mg_msg *m, const char *p, size_t n)
{
	size_t i, o = 0;

	m->body = mg_xmalloc(2 * n + 1);
	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			m->body[o++] = '\r';
		m->body[o++] = p[i];
	}
	m->bodylen = o;
}

/* hdr_value_copy - a header value with CRLF folds turned into LF (Postfix) */
static char *
hdr_value_copy(const char *p, size_t n)
{
	char *v = mg_xmalloc(n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		if (!(p[i] == '\r' && i + 1 < n && p[i + 1] == '\n'))
			v[o++] = p[i];
	v[o] = '\0';
	return v;
}

/* addr_from_header - the addr-spec of a From: value (inside <> or bare) */
static char *
addr_from_header(const char *v)
{
	const char *lt = strrchr(v, '<'), *gt, *s, *e;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		return mg_xstrndup(lt + 1, (size_t)(gt - lt - 1));
	for (s = v; *s == ' ' || *s == '\t' || *s == '\n'; s++)
		;
	for (e = s; *e && *e != ' ' && *e != '\t' && *e != '\n' &&
	    *e != '\r'; e++)
		;
	return mg_xstrndup(s, (size_t)(e - s));
}

/* msg_parse - split a message into headers and body; 0 or -1 */
static int
msg_parse(struct mg_msg *m, const char *p, size_t n)
{
	size_t i = 0, start, colon, end;

	while (i < n && p[i] != '\r' && p[i] != '\n') {
		start = i;
		for (;;) {	/* one header: up to a line end not folded */
			while (i < n && p[i] != '\n')
				i++;
			if (i >= n || i + 1 >= n || (p[i + 1] != ' ' &&
			    p[i + 1] != '\t'))
				break;
			i++;
		}
		end = i > start && p[i - 1] == '\r' ? i - 1 : i;
		for (colon = start; colon < end && p[colon] != ':'; colon++)
			;
		if (colon == end || colon == start)
			return -1;
		m->hdr = mg_xrealloc(m->hdr, (m->nhdr + 1) * sizeof(*m->hdr));
		m->hdr[m->nhdr].name = mg_xstrndup(p + start, colon - start);
		m->hdr[m->nhdr].value = hdr_value_copy(p + colon + 1,
		    end - colon - 1);
		if (strcasecmp(m->hdr[m->nhdr].name, "From") == 0 &&
		    m->envfrom == NULL)
			m->envfrom = addr_from_header(m->hdr[m->nhdr].value);
		m->nhdr++;
		i = i < n ? i + 1 : n;
	}
	if (i < n && p[i] == '\r')
		i++;
	if (i < n && p[i] == '\n')
		i++;
	msg_set_body(m, p + i, n - i);
	return 0;
}

/* corpus_add_file - read and parse one message file */
static void
corpus_add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct mg_msg m;
	char *data = NULL;
	size_t n = 0, cap = 0, r;

	if (f == NULL)
		mg_die("%s: cannot open", path);
	do {
		if (cap - n < 65536)
			data = mg_xrealloc(data, cap = cap * 2 + 65536);
		r = fread(data + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	memset(&m, 0, sizeof(m));
	m.path = mg_xstrndup(path, strlen(path));
	if (msg_parse(&m, data, n) != 0)
		mg_die("%s: not a message (header without colon)", path);
	free(data);
	if (ncorpus == capcorpus)
		corpus = mg_xrealloc(corpus, (capcorpus = capcorpus * 2 + 16) *
		    sizeof(*corpus));
	corpus[ncorpus++] = m;
}

/* name_cmp - qsort helper for file names */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* corpus_add_dir - every *.eml in a directory, in name order */
static void
corpus_add_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, i, l;

	if (d == NULL)
		mg_die("%s: cannot open directory", dir);
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l > 4 && strcmp(de->d_name + l - 4, ".eml") == 0) {
			names = mg_xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = mg_xstrndup(de->d_name, l);
		}
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]) >= sizeof(path))
			mg_die("%s: path too long", dir);
		corpus_add_file(path);
		free(names[i]);
	}
	free(names);
}

/* corpus_add_list - @FILE: one path a line (files or directories) */
static void
corpus_add_list(const char *listfile)
{
	FILE *f = fopen(listfile, "r");
	char line[4096];
	size_t l;

	if (f == NULL)
		mg_die("%s: cannot open list", listfile);
	while (fgets(line, sizeof(line), f) != NULL) {
		l = strcspn(line, "\r\n");
		line[l] = '\0';
		if (l > 0 && line[0] != '#')
			mg_corpus_add(line);
	}
	fclose(f);
}

/* mg_corpus_add - a file, a directory or @list */
void
mg_corpus_add(const char *arg)
{
	struct stat sb;

	if (arg[0] == '@') {
		corpus_add_list(arg + 1);
		return;
	}
	if (stat(arg, &sb) != 0)
		mg_die("%s: no such file", arg);
	if (S_ISDIR(sb.st_mode))
		corpus_add_dir(arg);
	else
		corpus_add_file(arg);
}

/* mg_corpus_count - number of messages */
size_t
mg_corpus_count(void)
{
	return ncorpus;
}

/* mg_corpus_msg - round robin */
const struct mg_msg *
mg_corpus_msg(size_t i)
{
	return &corpus[i % ncorpus];
}
