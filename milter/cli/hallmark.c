/*
 * hallmark.c - the `hallmark` tool that ships with hallmarkd: argument
 * parsing, help text and output of its subcommands.
 *
 *   hallmark keygen   a DKIM key pair: private key file (mode 0600), the
 *                     TXT record and the hallmark.conf entry (keygen.c)
 *   hallmark testkey  the key published in DNS against a private key file
 *                     (testkey.c), through the resolver hallmark.conf's
 *                     dns { } section describes
 *   hallmark report   DMARC aggregate reports: the verbs of report.c
 *                     (check: the store; import: the reports others
 *                     send, report_import.c)
 *   hallmark senders  who sends as a domain, by service (senders.c)
 *   hallmark doctor   will mail sent as a domain pass SPF, DKIM and
 *                     DMARC: live DNS through the same resolver
 *                     (doctor.c; its own exit statuses, see doctor.h)
 *   hallmark --help, -V
 *
 * Exit status: 0 success (key written; key matches), 1 key mismatch or
 * not published, 2 usage or local error (bad argument, unreadable file,
 * configuration error), 3 DNS temporary failure.  Results go to standard
 * output, errors and warnings to standard error.  Single-threaded (the
 * DNS layer runs its own dispatcher thread); never prints key material
 * other than the public key.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "conf.h"
#include "conf_table.h"
#include "doctor.h"
#include "keyfile.h"
#include "keygen.h"
#include "log.h"
#include "report.h"
#include "senders.h"
#include "str.h"
#include "testkey.h"
#include "version.h"

#define DEFAULT_CONF HM_SYSCONFDIR "/hallmark/hallmark.conf"
#define EXIT_USAGE 2

static const char help_text[] =
    "NAME\n"
    "    hallmark - DKIM key tool of the hallmark milter\n"
    "\n"
    "SYNOPSIS\n"
    "    hallmark keygen --domain DOMAIN --selector SELECTOR\n"
    "                    [--type rsa|ed25519] [--bits N]\n"
    "                    [--output FILE | --directory DIR] [--force]\n"
    "    hallmark testkey --domain DOMAIN --selector SELECTOR --key FILE\n"
    "                    [-c CONFIG]\n"
    "    hallmark report check [--store URL] [-c CONFIG]\n"
    "    hallmark report send [-c CONFIG] [--dry-run] [--domain DOMAIN]\n"
    "                    [--resend ID] [--now SECONDS] [--store URL]\n"
    "    hallmark report list [-c CONFIG] [--state STATE] [--json]\n"
    "    hallmark report show [-c CONFIG] ID\n"
    "    hallmark report suppress [-c CONFIG] ADDRESS [--days N]\n"
    "                    [--reason TEXT] | --remove ADDRESS | --list |\n"
    "                    --bounce [--verp RECIPIENT] [--days N]\n"
    "    hallmark report import [--store URL] [-c CONFIG] [--pipe]\n"
    "                    [FILE|DIR|-]...\n"
    "    hallmark report prune [-c CONFIG] [--dry-run] [--now SECONDS]\n"
    "                    [--store URL]\n"
    "    hallmark senders --domain DOMAIN [--since 30d|Nw|YYYY-MM-DD]\n"
    "                    [--until YYYY-MM-DD] [--format table|json|csv]\n"
    "                    [--store URL] [-c CONFIG]\n"
    "    hallmark doctor --domain DOMAIN [--ip IP] [--selector SELECTOR]...\n"
    "                    [--from ADDRESS] [--format text|json] [-c CONFIG]\n"
    "    hallmark --help | -V\n"
    "\n"
    "DESCRIPTION\n"
    "    keygen makes a DKIM key pair.  The private key is written as a PEM\n"
    "    file created with mode 0600 (an existing file is never overwritten\n"
    "    unless --force is given).  Standard output gets the DNS TXT record\n"
    "    to publish, SELECTOR._domainkey.DOMAIN, in zone-file syntax (RSA\n"
    "    keys split into strings of at most 255 bytes; Ed25519 as k=ed25519\n"
    "    with the raw 32-byte public key, RFC 8463), followed by the\n"
    "    dkim_sign entries for hallmark.conf as zone-file comments: the\n"
    "    whole output can be pasted into a zone file as it is.\n"
    "\n"
    "    testkey looks up SELECTOR._domainkey.DOMAIN TXT through hallmark's\n"
    "    own resolver (the dns { } section of CONFIG) and checks that the\n"
    "    published key is the public half of the private key FILE: same\n"
    "    key type, same public key, usable for email (h=, s=), not revoked.\n"
    "    It warns when FILE can be read by group or others (hallmarkd\n"
    "    refuses such a key file).  CONFIG is loaded as hallmarkd loads it,\n"
    "    key files included: run testkey as a user who can read them.\n"
    "\n"
    "    report check opens the store of DMARC aggregate reports (creating\n"
    "    or upgrading its schema, as hallmarkd does) and prints the store,\n"
    "    its back end, its schema version and this build's, and the rows of\n"
    "    each table.  Run as root, a new SQLite store is created owned by\n"
    "    the user of CONFIG, as hallmarkd would create it.\n"
    "\n"
    "    senders lists who sends mail as DOMAIN over the period (default the\n"
    "    last 30 days up to today, UTC): what hallmarkd recorded and the\n"
    "    DMARC reports imported from other receivers, grouped by sending\n"
    "    service (a dmarc.vendors entry of CONFIG by network, DKIM d= or the\n"
    "    vendor's SPF record; else the reverse DNS of the relays; else the\n"
    "    address), with SPF, DKIM and DMARC figures, what each service\n"
    "    should change, and whether DOMAIN is ready for p=quarantine and\n"
    "    p=reject.  --format json or csv for scripts.\n"
    "\n"
    "    report send builds the DMARC aggregate reports of the closed UTC\n"
    "    days from the store, verifies their destinations (RFC 9990 4:\n"
    "    a DNS failure defers) and hands each mail to reports.sendmail;\n"
    "    --dry-run writes nothing, --resend ID mails a stored report\n"
    "    again byte for byte.  report list shows the reports and their\n"
    "    states, report show one report and its XML, report suppress the\n"
    "    destinations that get none (--bounce: a DSN on stdin).  At the\n"
    "    end of each run report send prunes the store (reports.keep_days,\n"
    "    keep_imported_days: old days whose report is final, expired\n"
    "    suppressions, old imports); report prune does that alone.\n"
    "\n"
    "    report import reads DMARC aggregate reports other receivers sent\n"
    "    (RFC 7489 or RFC 9990 XML, bare or as .xml.gz or .zip, attached to\n"
    "    messages) from files, directories, Maildirs (cur/ and new/), mbox\n"
    "    files or standard input (-) into the report store, one line per\n"
    "    report: stored, duplicate (the same reporter and report id are\n"
    "    already there: importing a mailbox twice adds nothing), or\n"
    "    rejected with the reason.  A report with one invalid record is\n"
    "    rejected whole.\n"
    "    doctor answers, from live DNS through the same resolver and\n"
    "    hallmark's own evaluators, whether mail sent as DOMAIN (MAIL FROM\n"
    "    domain and DKIM d=) from IP, signed with SELECTOR, with a From\n"
    "    address in ADDRESS's domain (default: DOMAIN) would pass: the SPF\n"
    "    record, the result for IP and the include/redirect chain behind\n"
    "    it, DNS lookups against the limit of 10 and void lookups against\n"
    "    2, ptr and +all; the DKIM key at each SELECTOR (without\n"
    "    --selector: default dkim google k1 k2 mail s1 s2 selector1\n"
    "    selector2), its type and size, t=y, revoked, PKCS#1; the DMARC\n"
    "    record (tree walk, and the Public Suffix List answer when it\n"
    "    differs), rua/ruf destinations' authorisation and the alignment\n"
    "    outcome; then the large mailbox providers' bulk-sender checklist\n"
    "    (with CONFIG: dkim_sign.sign_headers covers List-Unsubscribe and\n"
    "    List-Unsubscribe-Post; with IP: forward-confirmed reverse DNS).\n"
    "    Findings are marked ok, info, warn, FAIL or ? (a lookup failed).\n"
    "\n"
    "OPTIONS\n"
    "    -d, --domain DOMAIN      the signing domain (d=)\n"
    "    -s, --selector SELECTOR  the selector (s=)\n"
    "    -t, --type rsa|ed25519   key type (default rsa)\n"
    "    -b, --bits N             RSA key size, 1024 to 8192 (default 2048);\n"
    "                             below 1024 is refused (RFC 8301)\n"
    "    -o, --output FILE        private key file (keygen)\n"
    "    -D, --directory DIR      write SELECTOR._domainkey.DOMAIN.pem in DIR\n"
    "                             (default: the current directory)\n"
    "    -f, --force              keygen: replace an existing key file\n"
    "    -k, --key FILE           private key file (testkey)\n"
    "    -i, --ip IP              doctor: the sending address\n"
    "    -s, --selector SELECTOR  doctor: may be repeated\n"
    "    -f, --from ADDRESS       doctor: the From address (its domain)\n"
    "    -F, --format text|json   doctor: the report's form (default text)\n"
    "    -c, --config CONFIG      hallmark.conf of testkey, report, senders,\n"
    "                             doctor (default " DEFAULT_CONF "\n"
    "                             if it exists, else the built-in defaults:\n"
    "                             the resolvers of /etc/resolv.conf)\n"
    "    --store URL              report, senders: the store, sqlite:PATH (or\n"
    "                             a path), postgresql://... or pg:CONNINFO\n"
    "                             (default reports.store of CONFIG, else\n"
    "                             " REPORT_STORE_DEFAULT ")\n"
    "    --pipe                   report import: standard input is one\n"
    "                             message from an MTA pipe transport; results\n"
    "                             to syslog (mail), exit 0 or 75 (store down)\n"
    "    -h, --help               this text\n"
    "    -V, --version            the version, and those of the libraries\n"
    "                             linked (libconfig: as compiled)\n"
    "\n"
    "EXIT STATUS\n"
    "    0  keygen: key written; testkey: the published key matches;\n"
    "       report check: the store opens and reads; senders: printed;\n"
    "       report send: the run finished (deferred reports included) or\n"
    "       another host holds the lock;\n"
    "       report import: every report stored or already there\n"
    "    1  testkey: mismatch, revoked, unusable or no key published;\n"
    "       report check, senders: the store does not open or read;\n"
    "       report send: a report failed;\n"
    "       report import: a report rejected, an input unreadable, or\n"
    "       the store failed\n"
    "    2  bad arguments, unreadable file, configuration error\n"
    "    3  testkey: temporary DNS failure (try again)\n"
    "    75 report import --pipe: the store failed (the MTA retries);\n"
    "       otherwise --pipe exits 0, rejected reports logged, not bounced\n"
    "    doctor: 0 would pass (warnings allowed), 1 would fail, 2 could\n"
    "    not decide (a DNS lookup that matters failed), 3 bad arguments or\n"
    "    configuration\n"
    "\n"
    "EXAMPLES\n"
    "    hallmark keygen -d example.org -s s2026 -t rsa -D /etc/hallmark/keys\n"
    "    hallmark keygen -d example.org -s e2026 -t ed25519 -o ed.pem\n"
    "    hallmark testkey -d example.org -s e2026 -k ed.pem\n"
    "    hallmark doctor -d example.org --ip 192.0.2.10 -s s2026\n";

static const struct option long_opts[] = {
	{ "domain", required_argument, NULL, 'd' },
	{ "selector", required_argument, NULL, 's' },
	{ "type", required_argument, NULL, 't' },
	{ "bits", required_argument, NULL, 'b' },
	{ "output", required_argument, NULL, 'o' },
	{ "directory", required_argument, NULL, 'D' },
	{ "force", no_argument, NULL, 'f' },
	{ "key", required_argument, NULL, 'k' },
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

struct args {
	char *domain;
	const char *selector;
	enum keygen_type type;
	int bits;			/* 0: not given */
	const char *output;
	const char *directory;
	int force;
	const char *key;
	const char *config;
};

/* usage_error - message and hint on stderr; returns EXIT_USAGE */
static int __attribute__((format(printf, 2, 3)))
usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hallmark%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'hallmark --help'.\n");
	return EXIT_USAGE;
}

/* set_opt - one option into a; 0, or EXIT_USAGE */
static int
set_opt(const char *cmd, int ch, const char *arg, struct args *a)
{
	uint64_t v;

	switch (ch) {
	case 'd': free(a->domain); a->domain = xstrdup(arg); return 0;
	case 's': a->selector = arg; return 0;
	case 'o': a->output = arg; return 0;
	case 'D': a->directory = arg; return 0;
	case 'f': a->force = 1; return 0;
	case 'k': a->key = arg; return 0;
	case 'c': a->config = arg; return 0;
	case 't':
		if (keygen_type_parse(arg, &a->type) < 0)
			return usage_error(cmd, "--type %s: use rsa or ed25519",
			    arg);
		return 0;
	case 'b':
		if (str_parse_u64(arg, strlen(arg), INT_MAX, &v) < 0)
			return usage_error(cmd, "--bits %s: not a number", arg);
		a->bits = (int)v;
		return 0;
	default:
		return usage_error(cmd, "unknown option");
	}
}

/* parse_args - the options of a subcommand (argv[0] is its name) */
static int
parse_args(int argc, char **argv, const char *allowed, struct args *a)
{
	int ch, rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+d:s:t:b:o:D:fk:c:h", long_opts,
	    NULL)) != -1) {
		if (ch == 'h') {
			fputs(help_text, stdout);
			return -1;
		}
		if (ch == '?')
			return usage_error(argv[0], "unknown option or missing "
			    "value: %s", argv[optind - 1]);
		if (strchr(allowed, ch) == NULL)
			return usage_error(argv[0], "option %s does not apply",
			    argv[optind - 1]);
		if ((rc = set_opt(argv[0], ch, optarg, a)) != 0)
			return rc;
	}
	if (optind != argc)
		return usage_error(argv[0], "unexpected argument \"%s\"",
		    argv[optind]);
	return 0;
}

/* check_names - --domain and --selector given and well-formed */
static int
check_names(const char *cmd, struct args *a)
{
	size_t n;

	if (a->domain == NULL || a->selector == NULL)
		return usage_error(cmd, "--domain and --selector are required");
	n = strlen(a->domain);
	if (n > 1 && a->domain[n - 1] == '.')
		a->domain[n - 1] = '\0';	/* "example.org." is fine */
	str_lower(a->domain);
	if (!keygen_valid_name(a->domain))
		return usage_error(cmd, "--domain: \"%s\" is not a domain name",
		    a->domain);
	if (!keygen_valid_name(a->selector) ||
	    strlen(a->selector) + strlen(a->domain) + 12 > DNS_NAME_MAX)
		return usage_error(cmd, "--selector: \"%s\" is not a valid "
		    "selector (or the name is too long)", a->selector);
	return 0;
}

/* keygen_args - cross-checks of the keygen options */
static int
keygen_args(struct args *a)
{
	if (check_names("keygen", a) != 0)
		return EXIT_USAGE;
	if (a->output != NULL && a->directory != NULL)
		return usage_error("keygen", "give --output or --directory, "
		    "not both");
	if (a->type == KEYGEN_ED25519 && a->bits != 0)
		return usage_error("keygen", "--bits applies to RSA keys only");
	if (a->type == KEYGEN_RSA && a->bits == 0)
		a->bits = KEYGEN_RSA_DEF_BITS;
	if (a->type == KEYGEN_RSA && (a->bits < KEYGEN_RSA_MIN_BITS ||
	    a->bits > KEYGEN_RSA_MAX_BITS))
		return usage_error("keygen", "--bits %d refused: RSA keys "
		    "must have %d to %d bits (RFC 8301)", a->bits,
		    KEYGEN_RSA_MIN_BITS, KEYGEN_RSA_MAX_BITS);
	return 0;
}

/* key_path - where keygen writes; allocated */
static char *
key_path(const struct args *a)
{
	if (a->output != NULL)
		return xstrdup(a->output);
	return xasprintf("%s/%s._domainkey.%s.pem",
	    a->directory != NULL ? a->directory : ".", a->selector, a->domain);
}

/* bits_warning - advice on RSA sizes outside 2048..4096 */
static void
bits_warning(const struct args *a)
{
	if (a->type != KEYGEN_RSA)
		return;
	if (a->bits < 2048)
		fprintf(stderr, "hallmark keygen: warning: %d-bit RSA keys "
		    "are weak; use 2048 or more\n", a->bits);
	else if (a->bits > 4096)
		fprintf(stderr, "hallmark keygen: warning: verifiers need "
		    "only support RSA keys up to 4096 bits (RFC 8301); some "
		    "will not verify a %d-bit key\n", a->bits);
}

/* print_keygen - the zone text and configuration entry on stdout */
static int
print_keygen(const struct args *a, EVP_PKEY *pk, const char *path)
{
	char err[256], *rec, *zone, *entry, *abs;

	rec = keygen_record(pk, err, sizeof(err));
	if (rec == NULL) {
		fprintf(stderr, "hallmark keygen: %s\n", err);
		return EXIT_USAGE;
	}
	abs = realpath(path, NULL);
	zone = keygen_zone_txt(a->domain, a->selector, rec, KEYGEN_TXT_CHUNK);
	entry = keygen_conf_entry(a->domain, a->selector, a->type,
	    abs != NULL ? abs : path);
	printf("; DKIM key %s._domainkey.%s (%s", a->selector, a->domain,
	    keygen_k_tag(a->type));
	if (a->type == KEYGEN_RSA)
		printf("-%d", a->bits);
	printf("), private key in %s\n%s%s", abs != NULL ? abs : path, zone,
	    entry);
	free(rec);
	free(zone);
	free(entry);
	free(abs);
	return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
}

/* cmd_keygen - hallmark keygen */
static int
cmd_keygen(int argc, char **argv)
{
	struct args a = { .type = KEYGEN_RSA };
	char err[512], *path = NULL;
	EVP_PKEY *pk = NULL;
	int rc;

	rc = parse_args(argc, argv, "dstboDf", &a);
	if (rc == 0)
		rc = keygen_args(&a);
	if (rc != 0)
		goto out;
	bits_warning(&a);
	path = key_path(&a);
	pk = keygen_generate(a.type, a.bits, err, sizeof(err));
	if (pk == NULL || keygen_write_key(pk, path, a.force, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "hallmark keygen: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	rc = print_keygen(&a, pk, path);
out:
	EVP_PKEY_free(pk);
	free(path);
	free(a.domain);
	return rc < 0 ? 0 : rc;
}

/* load_conf - the configuration whose dns { } section gives the resolver */
static struct conf *
load_conf(const char *file)
{
	struct conf_err e;
	struct conf *c;

	if (file == NULL && access(DEFAULT_CONF, F_OK) == 0)
		file = DEFAULT_CONF;
	c = conf_load(file, 0, &e);
	if (c == NULL && e.line > 0)
		fprintf(stderr, "hallmark testkey: %s:%d: %s\n", e.file, e.line,
		    e.msg);
	else if (c == NULL)
		fprintf(stderr, "hallmark testkey: %s: %s\n",
		    file != NULL ? file : "(built-in configuration)", e.msg);
	return c;
}

/* mode_warning - testkey: a key file open to group or others */
static void
mode_warning(const char *path, unsigned mode)
{
	if (keyfile_mode_ok(mode))
		return;
	fprintf(stderr, "hallmark testkey: warning: %s has mode %04o: "
	    "readable or writable by group or others; hallmarkd refuses "
	    "such a key file (chmod 600 %s)\n", path, mode, path);
}

/* report - the outcome of testkey_check */
static void
report(const struct args *a, enum testkey_result r, int testing,
    const char *why)
{
	if (r == TESTKEY_MATCH) {
		printf("%s._domainkey.%s: key OK (%s)\n", a->selector,
		    a->domain, why);
		if (testing)
			printf("%s._domainkey.%s: note: t=y, the domain is "
			    "testing DKIM (RFC 6376 3.6.1)\n", a->selector,
			    a->domain);
	} else {
		fprintf(stderr, "hallmark testkey: %s._domainkey.%s: %s: %s\n",
		    a->selector, a->domain, r == TESTKEY_TEMPFAIL ?
		    "temporary failure" : "key does not match", why);
	}
}

/* cmd_testkey - hallmark testkey */
static int
cmd_testkey(int argc, char **argv)
{
	struct args a = { .type = KEYGEN_RSA };
	char err[512];
	EVP_PKEY *pk = NULL;
	struct conf *c = NULL;
	unsigned mode = 0;
	int rc, testing = 0;

	rc = parse_args(argc, argv, "dskc", &a);
	if (rc == 0)
		rc = check_names("testkey", &a);
	if (rc == 0 && a.key == NULL)
		rc = usage_error("testkey", "--key FILE is required");
	if (rc != 0)
		goto out;
	pk = testkey_read_key(a.key, &mode, err, sizeof(err));
	if (pk == NULL) {
		fprintf(stderr, "hallmark testkey: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	mode_warning(a.key, mode);
	if ((c = load_conf(a.config)) == NULL) {
		rc = EXIT_USAGE;
		goto out;
	}
	rc = (int)testkey_check(c->resolver, a.domain, a.selector, pk,
	    &testing, err, sizeof(err));
	report(&a, (enum testkey_result)rc, testing, err);
out:
	if (c != NULL)
		conf_release(c);
	EVP_PKEY_free(pk);
	free(a.domain);
	return rc < 0 ? 0 : rc;
}

int
main(int argc, char **argv)
{
	log_init("hallmark", 0, NULL, LOG_LVL_WARN);
	if (argc < 2)
		return usage_error(NULL,
		    "a command is needed: keygen, testkey, report, senders or "
		    "doctor");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(help_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		version_print(stdout, "hallmark");
		return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
	}
	if (strcmp(argv[1], "keygen") == 0)
		return cmd_keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "testkey") == 0)
		return cmd_testkey(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return report_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "senders") == 0)
		return senders_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "doctor") == 0)
		return doctor_main(argc - 1, argv + 1, help_text);
	return usage_error(NULL, "unknown command \"%s\"", argv[1]);
}
