/*
 * version.c - what `hallmarkd -V` and `hallmark -V` print: the package
 * version and the versions of the libraries hallmark uses.
 *
 * Contract: version_print() writes one line per item to f.  The versions
 * are those of the libraries actually linked, asked at run time, where the
 * library can say: libmilter (smfi_version), libopendkim
 * (dkim_libversion), OpenSSL (OpenSSL_version), libunbound (ub_version).
 * libconfig has no run-time version call: its line is the version of the
 * headers hallmark was compiled with, and says so.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include <libconfig.h>
#include "milter_api.h"
#include <openssl/crypto.h>
#include <opendkim/dkim.h>
#include <unbound.h>

#include "version.h"

/* version_print - the version lines of program prog */
void
version_print(FILE *f, const char *prog)
{
	unsigned int maj = 0, min = 0, pl = 0;
	uint32_t dv = dkim_libversion();

	fprintf(f, "%s %s\n", prog, PACKAGE_VERSION);
#ifdef HM_WITH_LIBMILTER
	if (smfi_version(&maj, &min, &pl) == MI_SUCCESS)
		fprintf(f, "libmilter %u.%u.%u\n", maj, min, pl);
	else
		fprintf(f, "libmilter (version unknown)\n");
#else
	(void)smfi_version(&maj, &min, &pl);
	fprintf(f,
	    "milter engine: hallmark's own (milter protocol %d, "
	    "libmilter API %u.%u.%u)\n",
	    SMFI_PROT_VERSION, maj, min, pl);
#endif
	/* 0xMMmmrrpp: major, minor, revision, patch */
	fprintf(f, "libopendkim %u.%u.%u\n", (unsigned)(dv >> 24),
	    (unsigned)((dv >> 16) & 0xff), (unsigned)((dv >> 8) & 0xff));
#ifdef OPENSSL_VERSION_STRING
	fprintf(f, "OpenSSL %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
#else
	fprintf(f, "%s\n", OpenSSL_version(OPENSSL_VERSION));
#endif
	fprintf(f, "libunbound %s\n", ub_version());
	fprintf(f,
	    "libconfig %d.%d.%d (compile-time: libconfig has no "
	    "run-time version call)\n",
	    LIBCONFIG_VER_MAJOR, LIBCONFIG_VER_MINOR, LIBCONFIG_VER_REVISION);
}
