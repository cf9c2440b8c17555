/*
 * main.c - hallmarkd's command line: -c FILE, -f, -n [-v], -V, -h.
 * Everything after argument parsing is daemon.c's.
 *
 * Without -c, the default file (SYSCONFDIR/hallmark/hallmark.conf) is
 * used when it exists; otherwise the built-in defaults (verify only, on
 * inet:8891@127.0.0.1).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_doc.h"
#include "daemon.h"
#include "log.h"

#define DEFAULT_CONF HM_SYSCONFDIR "/hallmark/hallmark.conf"

/* usage - the synopsis on stderr */
static void
usage(void)
{
	fprintf(stderr,
	    "usage: hallmarkd [-f] [-n [-v]] [-V] [-c config-file]\n"
	    "  -c FILE  configuration file (default " DEFAULT_CONF
	    " if it exists, else built-in defaults)\n"
	    "  -f       stay in the foreground, log to standard error\n"
	    "  -n       check the configuration and exit\n"
	    "  -v       with -n: first print every option (path, type,\n"
	    "           default, bounds, doc)\n"
	    "  -V       print the version and exit\n");
}

/* check_only - -n: load without starting anything */
static int
check_only(const char *file)
{
	struct conf_err e;
	struct conf *c = conf_load(file, 1, &e);

	if (c == NULL) {
		if (e.line > 0)
			fprintf(stderr, "%s:%d: %s\n", e.file, e.line, e.msg);
		else
			fprintf(stderr, "%s: %s\n", e.file, e.msg);
		return 1;
	}
	conf_release(c);
	printf("%s: configuration OK\n", file ? file : "(built-in)");
	return 0;
}

int
main(int argc, char **argv)
{
	struct daemon_opts o = { NULL, 0 };
	int ch, check = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "c:fnvVh")) != -1) {
		switch (ch) {
		case 'c':
			o.conf_file = optarg;
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
			printf("hallmarkd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
			return ch == 'h' ? 0 : 2;
		}
	}
	if (optind != argc || (verbose && !check)) {
		usage();
		return 2;
	}
	if (o.conf_file == NULL && access(DEFAULT_CONF, F_OK) == 0)
		o.conf_file = DEFAULT_CONF;
	log_init("hallmarkd", 0, "mail", LOG_LVL_INFO);
	if (verbose)
		conf_doc_print(stdout);
	if (check)
		return check_only(o.conf_file);
	return daemon_run(&o);
}
