/*
 * suite_reader.h - read the line format of rfc7208-convert.py (the RFC 7208
 * test suite, one scenario after the other) and hand each item to the
 * caller's callbacks; plus the command line and the result and
 * explanation checks both runners make.  Shared by spf-suite (hallmark's
 * evaluator) and spf-suite-libspf2 (the comparison with libspf2).  Test
 * code only.
 */
#ifndef HALLMARK_SUITE_READER_H
#define HALLMARK_SUITE_READER_H

#include <stddef.h>

struct suite_test {
	const char *name, *host, *mailfrom, *helo;
	const char *want;	/* "pass" or "fail,permerror" */
	const char *exp;	/* expected explanation, "DEFAULT", or NULL */
};

struct suite_ops {
	int (*scenario)(void *arg, const char *description);
	int (*rr)(void *arg, const char *owner, const char *type,
	    unsigned pref, const char *data, size_t len);
	int (*timeout)(void *arg, const char *owner);
	void (*test)(void *arg, const struct suite_test *t);
	void (*end)(void *arg);
};

/* suite_read - 0, or -1 with a message on stderr for an unusable line */
int suite_read(const char *path, const struct suite_ops *ops, void *arg);

/* suite_result_in - is got one of the comma-separated results in list */
int suite_result_in(const char *got, const char *list);

/* suite_exp_ok - got (NULL: none) matches the expected explanation want:
 * any when want is NULL; "DEFAULT" means dflt (NULL: no explanation);
 * other texts are compared ignoring ASCII case */
int suite_exp_ok(const char *want, const char *got, const char *dflt);

/* suite_args - "prog [-v] suite.txt": the path, *verbose set (0 or 1); NULL,
 * with the usage on stderr, for other arguments */
const char *suite_args(int argc, char **argv, const char *prog,
    int *verbose);

#endif
