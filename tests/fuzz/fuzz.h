/*
 * fuzz.h - what the fuzz targets (tests/fuzz/fuzz_*.c) share: the libFuzzer
 * entry points, a NUL-terminated copy of the input, and FUZZ_CHECK for the
 * invariants a target asserts beyond "no crash" (an invariant that fails
 * aborts, so libFuzzer and the plain replay driver both report it).
 *
 * A target is built two ways: with clang -fsanitize=fuzzer (make fuzz) and
 * with the normal compiler linked to replay.c (make check replays the
 * committed corpus).  Targets must not keep state between inputs other than
 * what LLVMFuzzerInitialize sets up once.
 */
#ifndef HALLMARK_FUZZ_H
#define HALLMARK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* FUZZ_CHECK - abort with the failed condition when an invariant breaks */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* fuzz_cstr - the input as a NUL-terminated string (embedded NULs end it
 * early, as they would in any C string the code receives); caller frees */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
