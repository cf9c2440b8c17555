/*
 * main.c - hallmarkd's command line: -c FILE, -f, -n [-v], -V (--version),
 * -h (--help).  Everything after argument parsing is daemon.c's.
 *
 * Without -c, the default file (SYSCONFDIR/hallmark/hallmark.conf) is
 * used when it exists; otherwise the built-in defaults (verify only, on
 * inet:8891@127.0.0.1).  A relative -c path is made absolute here, before
 * anything changes directory, so that a reload in the background (which
 * runs from /) reads the same file.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_doc.h"
#include "daemon.h"
#include "log.h"
#include "module.h"
#include "rcheck.h"
#include "str.h"
#include "version.h"

#define DEFAULT_CONF HM_SYSCONFDIR "/hallmark/hallmark.conf"

/* clang-format off */
static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "check", no_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};
/* clang-format on */

/* usage - the synopsis on f */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: hallmarkd [-f] [-n [-v]] [-V] [-c config-file]\n"
	    "  -c, --config FILE  configuration file (default " DEFAULT_CONF
	    "\n"
	    "                     if it exists, else built-in defaults)\n"
	    "  -f, --foreground   stay in the foreground, log to standard "
	    "error\n"
	    "  -n, --check        check the configuration and exit\n"
	    "  -v, --verbose      with -n: first print every option (path,\n"
	    "                     type, default, bounds, doc)\n"
	    "  -V, --version      print the version, and those of the "
	    "libraries linked\n"
	    "  -h, --help         this text\n");
}

/* check_only - -n: load without starting anything; with reports
 * enabled, open the store (rcheck.c) */
static int
check_only(const char *file)
{
	struct conf_err e;
	struct conf *c = daemon_conf_check(file, &e);

	if (c == NULL) {
		if (e.line > 0)
			fprintf(stderr, "%s:%d: %s\n", e.file, e.line, e.msg);
		else
			fprintf(stderr, "%s: %s\n", e.file, e.msg);
		return 1;
	}
	if (rcheck_store(c) < 0) {
		conf_release(c);
		return 1;
	}
	conf_release(c);
	printf("%s: configuration OK\n", file ? file : "(built-in)");
	return 0;
}

/* absolute - path made absolute against the current directory; allocated
 * (NULL stays NULL) */
static char *
absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path == NULL || path[0] == '/' || path[0] == '\0')
		return path ? xstrdup(path) : NULL;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

int
main(int argc, char **argv)
{
	struct daemon_opts o = { NULL, 0 };
	char *file = NULL, err[256];
	int ch, check = 0, verbose = 0, rc;

	while ((ch = getopt_long(argc, argv, "c:fnvVh", long_opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			free(file);
			file = absolute(optarg);
			break;
		case 'f':
			o.foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			version_print(stdout, "hallmarkd");
			return fflush(stdout) == 0 ? 0 : 1;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (verbose && !check)) {
		usage(stderr);
		return 2;
	}
	if (file == NULL && access(DEFAULT_CONF, F_OK) == 0)
		file = xstrdup(DEFAULT_CONF);
	o.conf_file = file;
	log_init("hallmarkd", 0, "mail", LOG_LVL_INFO);
	if (module_start(err, sizeof(err)) < 0) {
		fprintf(stderr, "hallmarkd: %s\n", err);
		free(file);
		return 1;
	}
	if (verbose)
		conf_doc_print(stdout);
	rc = check ? check_only(file) : daemon_run(&o);
	free(file);
	return rc;
}
