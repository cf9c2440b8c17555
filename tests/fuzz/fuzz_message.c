/*
 * fuzz_message.c - fuzz target: whole SMTP transactions through hallmark's
 * real milter callbacks (callbacks.c, reached through cb_desc():
 * negotiate when it has one, connect, helo, envfrom, envrcpt, header, eoh,
 * body, eom, abort, close), so every module runs as in hallmarkd: SPF,
 * DKIM verify (libopendkim), DMARC and DKIM signing.  DNS is answered from a fuzzer-chosen dns_static zone.
 * libmilter itself is replaced by milter_mta.h's smfi_* functions, which
 * play the MTA (shared with tests/cases/run-inproc.c): they hold the
 * private pointer, give macros, and check the header edits, replies and
 * quarantines hallmark asks for.
 *
 * Input (text):
 *   line 1  client IP ("192.0.2.1" when it does not parse; 192.0.2.128/25
 *           is internal_networks)
 *   line 2  HELO          line 3  MAIL FROM (sent as "<...>")
 *   line 4  first byte: configuration variant (0-3; 3 signs DKIM), and
 *           anywhere: 'a' SMTP-authenticated, 'q' a queue id is known,
 *           'n' no client address, 'r' no RCPT, 'h' no HELO
 *   then    header lines "Name: value" (folded lines continue a field)
 *           up to a line "%%", the body up to a line "%%", the zone.
 * The connection then carries the same message twice more: aborted after
 * part of the body, then cut off by the close after the headers.
 *
 * Invariants: no module hook fails (internal_error would tempfail real
 * mail); every completed message gets an explicit verdict: CONTINUE with
 * our A-R header inserted once (it parses back to our authserv-id, and,
 * read by an RFC 8601 parser of the tests' own, to exactly the message's
 * results: no text of the message or of DNS forges one; none on outbound
 * mail: an internal or authenticated client while authres_outbound is
 * false, as in every variant but 2), or
 * REJECT/TEMPFAIL with a 4xx/5xx reply; forged A-R headers are removed
 * last to first, by indexes the MTA knows; after close nothing is left.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_table.h"
#include "dns.h"
#include "fuzz.h"
#include "log.h"
#include "milter_mta.h"
#include "module.h"
#include "str.h"

#define AUTHSERV "mx.fuzz.test"
#define NETS "internal_networks = [\"127.0.0.0/8\", \"::1\", " \
	"\"192.0.2.128/25\"];\n"
#define SIGN_FMT "dkim_sign = { keys = ( { name = \"k\"; domain = " \
	"\"example.org\"; selector = \"s\"; key_file = \"%s\"; } );\n" \
	"  signing_table = ( { pattern = \"*\"; keys = [\"k\"]; } );\n" \
	"  signature_ttl = 3600; canonicalization = \"simple/relaxed\"; };\n"

static const char *const conf_text[] = {
	"authserv_id = \"" AUTHSERV "\";\n" NETS,
	"authserv_id = \"" AUTHSERV "\";\n" NETS
	"dmarc = { org_domain = \"psl\"; quarantine_by = \"header\"; };",
	"authserv_id = \"" AUTHSERV "\";\n" NETS "authres_outbound = true;\n"
	"spf = { received_spf_header = true; on_fail = \"reject\";\n"
	"  on_temperror = \"tempfail\"; };\n"
	"dmarc = { monitor_domains = [\"*.example.edu\"]; };",
	NULL, /* signing: built at start-up around a private key copy */
};
#define NCONF (sizeof(conf_text) / sizeof(conf_text[0]))
static struct conf *confs[NCONF];

/* ---- set-up ------------------------------------------------------------ */

/* sign_conf - the signing variant, with a 0600 copy of the test key of
 * tests/dkim/corpus (a signing key must not be readable by others); NULL
 * when the key cannot be found */
static struct conf *
sign_conf(void)
{
	const char *top = getenv("top_srcdir");
	char src[4096], dir[] = "/tmp/hm-fuzz-XXXXXX", key[64], *text;
	struct conf_err e;
	struct conf *c = NULL;
	FILE *in, *out;
	int ch;

	snprintf(src, sizeof(src), "%s/tests/dkim/corpus/keys/py-rsa.pem",
	    top ? top : ".");
	if ((in = fopen(src, "r")) == NULL || mkdtemp(dir) == NULL)
		return NULL;
	snprintf(key, sizeof(key), "%s/k.pem", dir);
	if ((out = fopen(key, "w")) != NULL) {
		(void)chmod(key, 0600);
		while ((ch = getc(in)) != EOF)
			putc(ch, out);
		fclose(out);
		text = xasprintf("authserv_id = \"" AUTHSERV "\";\n" NETS
		    SIGN_FMT, key);
		c = conf_load_string(text, 1, &e);
		if (c == NULL)
			fprintf(stderr, "sign conf: %d: %s\n", e.line, e.msg);
		free(text);
		(void)unlink(key);
	}
	fclose(in);
	(void)rmdir(dir);
	return c;
}

/* LLVMFuzzerInitialize - the configurations, loaded once */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct conf_err e;
	size_t i;

	/* FUZZ_VERBOSE=1: the modules' log lines, to check seeds */
	log_init("fuzz_message", 0, "mail",
	    getenv("FUZZ_VERBOSE") ? LOG_LVL_INFO : LOG_LVL_ERR);
	for (i = 0; i < NCONF; i++) {
		if (conf_text[i] == NULL) {
			if ((confs[i] = sign_conf()) == NULL)
				confs[i] = conf_hold(confs[0]);
			continue;
		}
		confs[i] = conf_load_string(conf_text[i], 1, &e);
		if (confs[i] == NULL) {
			fprintf(stderr, "conf %zu: %d: %s\n", i, e.line, e.msg);
			abort();
		}
	}
	return 0;
}

/* ---- one connection ---------------------------------------------------- */

struct input {
	char *ip, *helo, *mailfrom, *flags, *headers, *body, *zone;
};

/* connection - connect, helo, three messages, close */
static void
connection(struct smfiDesc *d, const struct input *in)
{
	SMFICTX ctx;
	struct mta_msg m = {
		.mailfrom = in->mailfrom,
		.rcpt = strchr(in->flags, 'r') ? NULL : "u@fuzz.test",
		.headers = in->headers,
		.body = (const unsigned char *)in->body,
		.bodylen = strlen(in->body),
	};

	memset(&ctx, 0, sizeof(ctx));
	ctx.authserv_id = AUTHSERV;
	if (strchr(in->flags, 'q') != NULL)
		ctx.qid = "4ABCDEF";
	if (strchr(in->flags, 'a') != NULL)
		ctx.auth = "user";
	mta_connect(d, &ctx, strchr(in->flags, 'n') ? NULL : in->ip,
	    strchr(in->flags, 'h') ? NULL : in->helo);
	mta_transaction(d, &ctx, &m, 2);
	mta_transaction(d, &ctx, &m, 1);
	mta_transaction(d, &ctx, &m, 0);
	FUZZ_CHECK(cb_inflight() == 1);
	mta_close(d, &ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *p, err[128];
	struct input in;
	struct conf *conf;

	if (size > 65536)
		return 0;
	s = p = fuzz_cstr(data, size);
	in.ip = fuzz_cut(&p, 0);
	in.helo = fuzz_cut(&p, 0);
	in.mailfrom = fuzz_cut(&p, 0);
	in.flags = fuzz_cut(&p, 0);
	in.headers = fuzz_cut(&p, 1);
	in.body = fuzz_cut(&p, 1);
	in.zone = p ? p : "";
	conf = confs[(unsigned char)in.flags[0] % NCONF];
	conf->resolver = dns_static_new(in.zone, err, sizeof(err));
	if (conf->resolver == NULL)
		conf->resolver = dns_static_new("", err, sizeof(err));
	conf_install(conf_hold(conf));
	connection(cb_desc(), &in);
	conf_install(NULL);
	dns_resolver_free(conf->resolver);
	conf->resolver = NULL;
	free(s);
	return 0;
}
