/*
 * replay.c - a plain main() for a fuzz target: feeds every file of the
 * given corpus directories (or single files) to LLVMFuzzerTestOneInput,
 * so that `make check` runs each committed corpus as a regression test with
 * the normal compiler, without libFuzzer.
 *
 * With no arguments it replays $top_srcdir/tests/fuzz/corpus/FUZZ_TARGET
 * (FUZZ_TARGET is defined by the Makefile for each target).
 * Exit: 0 all inputs ran (a crash or a failed invariant aborts), 1 when the
 * corpus is missing or empty, 2 on a read error.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the corpus directory"
#endif

/* default init: targets that need none do not define it */
__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* read_all - a whole file into memory; NULL on error */
static uint8_t *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (f == NULL)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* run_file - one input; 0, or -1 when it cannot be read */
static int
run_file(const char *path)
{
	size_t len = 0;
	uint8_t *buf = read_all(path, &len);

	if (buf == NULL) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

/* cmp_name - sort directory entries so runs are reproducible */
static int
cmp_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* run_path - a file, or every regular file of a directory; count of inputs
 * run, or -1 on error */
static long
run_path(const char *path)
{
	struct dirent **ents;
	struct stat st;
	char file[4096];
	long count = 0;
	int n, i;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path) < 0 ? -1 : 1;
	if ((n = scandir(path, &ents, NULL, cmp_name)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%s/%s", path, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(file, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			if (run_file(file) < 0)
				count = -1;
			else if (count >= 0)
				count++;
		}
		free(ents[i]);
	}
	free(ents);
	return count;
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char def[4096];
	long total = 0, n;
	int i;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
		snprintf(def, sizeof(def), "%s/tests/fuzz/corpus/%s",
		    top ? top : ".", FUZZ_TARGET);
		if ((total = run_path(def)) < 0)
			return 2;
	}
	for (i = 1; i < argc; i++) {
		if ((n = run_path(argv[i])) < 0)
			return 2;
		total += n;
	}
	printf("%s: %ld inputs replayed\n", FUZZ_TARGET, total);
	return total > 0 ? 0 : 1;
}
