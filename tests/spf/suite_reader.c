/*
 * suite_reader.c - the reader of rfc7208-convert.py's line format (see
 * suite_reader.h and the converter for the format), and the checks and
 * command line both suite runners share.  Test code only: every field is
 * "=" followed by percent-encoded bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "suite_reader.h"

#define FIELD_MAX 8192

/* decode - "=" + percent-encoded field into a new NUL-terminated string */
static char *
decode(const char *f, size_t *len)
{
	struct str b;
	char *out;
	size_t i;

	str_init(&b);
	for (i = 1; f[0] == '=' && f[i] != '\0'; i++) {
		unsigned v;
		if (f[i] == '%' && sscanf(f + i + 1, "%2x", &v) == 1) {
			str_addc(&b, (char)v);
			i += 2;
		} else {
			str_addc(&b, f[i]);
		}
	}
	if (len != NULL)
		*len = b.len;
	out = str_steal(&b);
	str_free(&b);
	return out;
}

/* do_rr - "rr =owner TYPE pref =data" */
static int
do_rr(const char *l, const struct suite_ops *ops, void *arg)
{
	char owner[FIELD_MAX], type[16], data[FIELD_MAX];
	unsigned pref;
	char *o, *d;
	size_t dl;
	int rc;

	if (sscanf(l, "rr %8191s %15s %u %8191s", owner, type, &pref,
	    data) != 4)
		return -1;
	o = decode(owner, NULL);
	d = decode(data, &dl);
	rc = ops->rr(arg, o, type, pref, d, dl);
	free(o);
	free(d);
	return rc;
}

/* do_test - "test =name =host =mailfrom =helo =results =exp|-" */
static int
do_test(const char *l, const struct suite_ops *ops, void *arg)
{
	static char f[6][FIELD_MAX];
	char *v[6];
	struct suite_test t;
	int i;

	if (sscanf(l, "test %8191s %8191s %8191s %8191s %8191s %8191s",
	    f[0], f[1], f[2], f[3], f[4], f[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		v[i] = (i == 5 && strcmp(f[5], "-") == 0) ? NULL :
		    decode(f[i], NULL);
	t.name = v[0];
	t.host = v[1];
	t.mailfrom = v[2];
	t.helo = v[3];
	t.want = v[4];
	t.exp = v[5];
	ops->test(arg, &t);
	for (i = 0; i < 6; i++)
		free(v[i]);
	return 0;
}

/* do_line - one line of the file */
static int
do_line(char *l, const struct suite_ops *ops, void *arg)
{
	char f[FIELD_MAX];
	char *d;
	int rc;

	l[strcspn(l, "\n")] = '\0';
	if (strncmp(l, "scenario ", 9) == 0) {
		d = decode(l + 9, NULL);
		rc = ops->scenario(arg, d);
		free(d);
		return rc;
	}
	if (strncmp(l, "rr ", 3) == 0)
		return do_rr(l, ops, arg);
	if (sscanf(l, "timeout %8191s", f) == 1) {
		d = decode(f, NULL);
		rc = ops->timeout(arg, d);
		free(d);
		return rc;
	}
	if (strncmp(l, "test ", 5) == 0)
		return do_test(l, ops, arg);
	if (strcmp(l, "end") == 0) {
		ops->end(arg);
		return 0;
	}
	return -1;
}

/* suite_read - read the whole file */
int
suite_read(const char *path, const struct suite_ops *ops, void *arg)
{
	static char buf[6 * FIELD_MAX + 64];
	FILE *fp = fopen(path, "r");
	int ln = 0;

	if (fp == NULL) {
		fprintf(stderr, "%s: cannot open\n", path);
		return -1;
	}
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		ln++;
		if (do_line(buf, ops, arg) < 0) {
			fprintf(stderr, "%s:%d: cannot use this line\n", path,
			    ln);
			fclose(fp);
			return -1;
		}
	}
	fclose(fp);
	return 0;
}

/* suite_result_in - got in the comma-separated list */
int
suite_result_in(const char *got, const char *list)
{
	size_t n = strlen(got);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, got, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return 0;
}

/* suite_exp_ok - the explanation check of suite_reader.h */
int
suite_exp_ok(const char *want, const char *got, const char *dflt)
{
	if (want == NULL)
		return 1;
	if (strcmp(want, "DEFAULT") == 0)
		return dflt == NULL ? got == NULL :
		    got != NULL && strcmp(got, dflt) == 0;
	return got != NULL && str_casecmp(got, want) == 0;
}

/* suite_args - "[-v] suite.txt" */
const char *
suite_args(int argc, char **argv, const char *prog, int *verbose)
{
	*verbose = 0;
	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		*verbose = 1;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s [-v] suite.txt\n", prog);
		return NULL;
	}
	return argv[1];
}
