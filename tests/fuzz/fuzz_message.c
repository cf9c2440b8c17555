/*
 * fuzz_message.c - fuzz target: whole SMTP transactions through hallmark's
 * real milter callbacks (callbacks.c, reached through cb_desc():
 * negotiate when it has one, connect, helo, envfrom, envrcpt, header, eoh,
 * body, eom, abort, close), so every module runs as in hallmarkd: SPF,
 * DKIM verify (libopendkim), DMARC and DKIM signing.  DNS is answered from a fuzzer-chosen dns_static zone.
 * libmilter itself is replaced by the smfi_* functions below, which play
 * the MTA: they hold the private pointer, give macros, and record the
 * header edits, replies and quarantines hallmark asks for.
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
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "ar_parse.h"
#include "authres.h"
#include "callbacks.h"
#include "conf.h"
#include "conf_table.h"
#include "ctx.h"
#include "dns.h"
#include "fuzz.h"
#include "fuzz_msg.h"
#include "log.h"
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
	NULL,	/* signing: built at start-up around a private key copy */
};
#define NCONF (sizeof(conf_text) / sizeof(conf_text[0]))
static struct conf *confs[NCONF];

/* STEP - a callback that never decides: it continues, or (when the MTA
 * was told not to wait for replies, SMFIP_NR_*) returns no reply */
#define STEP(call) do {							\
	sfsistat rc_ = (call);						\
	FUZZ_CHECK(rc_ == SMFIS_CONTINUE || rc_ == SMFIS_NOREPLY);	\
} while (0)

/* the MTA's side of one connection */
struct smfi_str {
	void *priv;
	const char *qid;		/* {i}, or NULL */
	const char *auth;		/* {auth_authen}, or NULL */
	unsigned nar;			/* A-R headers the MTA received */
	unsigned ar_inserted;		/* our A-R headers inserted */
	unsigned last_removed;		/* last forged index removed */
	int replied;			/* smfi_setreply called */
	int bad;			/* an edit the MTA would refuse */
};

/* ---- libmilter, as the MTA would answer ------------------------------ */

void *
smfi_getpriv(SMFICTX *ctx)
{
	return ctx->priv;
}

int
smfi_setpriv(SMFICTX *ctx, void *priv)
{
	ctx->priv = priv;
	return MI_SUCCESS;
}

char *
smfi_getsymval(SMFICTX *ctx, char *name)
{
	if (strcmp(name, "i") == 0)
		return (char *)ctx->qid;
	if (strcmp(name, "{auth_authen}") == 0)
		return (char *)ctx->auth;
	return NULL;
}

/* smfi_setsymlist - only in negotiation: a known stage, a list that has
 * the queue id (every macro hallmark reads must be asked for) */
int
smfi_setsymlist(SMFICTX *ctx, int stage, char *list)
{
	FUZZ_CHECK(ctx != NULL && ctx->priv == NULL && list != NULL);
	FUZZ_CHECK(stage >= SMFIM_CONNECT && stage <= SMFIM_EOH);
	FUZZ_CHECK(strncmp(list, "i", 1) == 0);
	if (stage == SMFIM_ENVFROM)
		FUZZ_CHECK(strstr(list, "{auth_authen}") != NULL);
	return MI_SUCCESS;
}

/* ar_reads_back - our A-R header reads (ar_parse.h, a parser of the
 * tests' own) as exactly the message's results, in order, and a reader
 * that splits on ';' finds as many */
static void
ar_reads_back(SMFICTX *ctx, const char *value)
{
	const struct ar_list *l = &((struct hm_conn *)ctx->priv)->msg->ar;
	struct arp a;
	size_t i, semis = 0;

	if (arp_parse(value, &a) != 0) {
		fprintf(stderr, "A-R unparsable at '%s': %s\n", a.err, value);
		FUZZ_CHECK(0);
	}
	FUZZ_CHECK(a.n == l->n && a.none == (l->n == 0));
	for (i = 0; i < l->n; i++) {
		FUZZ_CHECK(strcmp(a.r[i].method, l->v[i].method) == 0);
		FUZZ_CHECK(strcmp(a.r[i].result, l->v[i].result) == 0);
	}
	for (; *value != '\0'; value++)
		semis += *value == ';';
	FUZZ_CHECK(semis == (l->n > 0 ? l->n : 1));
}

/* no_hook_failed - the invariant checked while the message is alive */
static void
no_hook_failed(SMFICTX *ctx)
{
	struct hm_conn *c = ctx->priv;

	FUZZ_CHECK(c != NULL && c->msg != NULL);
	FUZZ_CHECK(!c->msg->internal_error);
}

int
smfi_setreply(SMFICTX *ctx, char *rcode, char *xcode, char *text)
{
	no_hook_failed(ctx);
	FUZZ_CHECK(rcode != NULL && (rcode[0] == '4' || rcode[0] == '5'));
	FUZZ_CHECK(strlen(rcode) == 3 && xcode != NULL && xcode[0] == rcode[0]);
	FUZZ_CHECK(text != NULL && strchr(text, '\n') == NULL &&
	    strchr(text, '\r') == NULL);
	ctx->replied = 1;
	return MI_SUCCESS;
}

int
smfi_chgheader(SMFICTX *ctx, char *name, int idx, char *value)
{
	no_hook_failed(ctx);
	FUZZ_CHECK(strcmp(name, "Authentication-Results") == 0);
	FUZZ_CHECK(value == NULL && idx >= 1 && (unsigned)idx <= ctx->nar);
	FUZZ_CHECK(ctx->last_removed == 0 || (unsigned)idx < ctx->last_removed);
	ctx->last_removed = (unsigned)idx;
	return MI_SUCCESS;
}

int
smfi_insheader(SMFICTX *ctx, int idx, char *name, char *value)
{
	char id[64];

	no_hook_failed(ctx);
	FUZZ_CHECK(idx == 0 && name != NULL && value != NULL);
	FUZZ_CHECK(name[0] != '\0' && strchr(name, ':') == NULL);
	if (strcmp(name, "Authentication-Results") == 0) {
		FUZZ_CHECK(authres_authserv_id(value, id, sizeof(id)) == 0);
		FUZZ_CHECK(strcmp(id, AUTHSERV) == 0);
		ar_reads_back(ctx, value);
		ctx->ar_inserted++;
	}
	return MI_SUCCESS;
}

int
smfi_quarantine(SMFICTX *ctx, char *reason)
{
	no_hook_failed(ctx);
	FUZZ_CHECK(reason != NULL && strchr(reason, '\n') == NULL);
	return MI_SUCCESS;
}

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

/* client_addr - the client address from text */
static void
client_addr(struct sockaddr_storage *ss, const char *ip)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
	} else {
		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
			inet_pton(AF_INET, "192.0.2.1", &sin->sin_addr);
	}
}

struct hdr_arg {
	struct smfiDesc *d;
	SMFICTX *ctx;
};

/* one_header - the MTA passes one header field */
static void
one_header(char *name, char *value, void *arg)
{
	struct hdr_arg *a = arg;

	if (str_casecmp(name, "Authentication-Results") == 0)
		a->ctx->nar++;
	STEP(a->d->xxfi_header(a->ctx, name, value));
}

/* transaction - MAIL FROM .. headers; then (stage) 2: the whole body and
 * eom, 1: part of the body and abort, 0: nothing more (close follows) */
static void
transaction(struct smfiDesc *d, SMFICTX *ctx, const struct input *in,
    int stage)
{
	char *from = xasprintf("<%s>", in->mailfrom), *rcpt = "<u@fuzz.test>";
	char *argv[2] = { from, NULL }, *rargv[2] = { rcpt, NULL };
	unsigned char *body = (unsigned char *)in->body;
	size_t n = strlen(in->body), a = n / 3;
	struct hdr_arg ha = { d, ctx };
	struct hm_conn *c = ctx->priv;
	int outbound = !c->conf->authres_outbound && (c->internal ||
	    (ctx->auth != NULL && *ctx->auth != '\0'));
	sfsistat rc;

	ctx->nar = ctx->ar_inserted = ctx->last_removed = 0;
	ctx->replied = 0;
	STEP(d->xxfi_envfrom(ctx, argv));
	if (strchr(in->flags, 'r') == NULL)
		STEP(d->xxfi_envrcpt(ctx, rargv));
	fuzz_headers(in->headers, one_header, &ha);
	STEP(d->xxfi_eoh(ctx));
	if (stage >= 1 && a > 0)
		STEP(d->xxfi_body(ctx, body, a));
	if (stage == 1)
		FUZZ_CHECK(d->xxfi_abort(ctx) == SMFIS_CONTINUE);
	if (stage == 2) {
		if (n > a)
			STEP(d->xxfi_body(ctx, body + a, n - a));
		rc = d->xxfi_eom(ctx);
		FUZZ_CHECK(rc == SMFIS_CONTINUE || rc == SMFIS_REJECT ||
		    rc == SMFIS_TEMPFAIL);
		if (rc == SMFIS_CONTINUE)
			FUZZ_CHECK(ctx->ar_inserted == !outbound);
		else
			FUZZ_CHECK(ctx->replied && ctx->ar_inserted == 0);
		FUZZ_CHECK(((struct hm_conn *)ctx->priv)->msg == NULL);
	}
	free(from);
}

/* negotiate - offer everything, as Postfix does; hallmark must keep the
 * actions it needs and ask only for steps the MTA offered */
static void
negotiate(struct smfiDesc *d, SMFICTX *ctx)
{
	unsigned long f1 = SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
	    SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NODATA |
	    SMFIP_NOUNKNOWN | SMFIP_NOHELO | SMFIP_NOHDRS;
	unsigned long p0 = 0, p1 = 0, p2 = 0, p3 = 0;

	if (d->xxfi_negotiate == NULL)
		return;
	FUZZ_CHECK(d->xxfi_negotiate(ctx, 0x1ff, f1, 0, 0, &p0, &p1, &p2,
	    &p3) == SMFIS_CONTINUE);
	FUZZ_CHECK((p0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)) ==
	    (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE));
	FUZZ_CHECK((p1 & ~f1) == 0);
	/* hallmark needs HELO and the headers */
	FUZZ_CHECK((p1 & (SMFIP_NOHELO | SMFIP_NOHDRS)) == 0);
}

/* connection - connect, helo, three messages, close */
static void
connection(struct smfiDesc *d, const struct input *in)
{
	struct sockaddr_storage ss;
	SMFICTX ctx;
	char host[] = "client.example";

	memset(&ctx, 0, sizeof(ctx));
	negotiate(d, &ctx);
	if (strchr(in->flags, 'q') != NULL)
		ctx.qid = "4ABCDEF";
	if (strchr(in->flags, 'a') != NULL)
		ctx.auth = "user";
	client_addr(&ss, in->ip);
	FUZZ_CHECK(d->xxfi_connect(&ctx, host, strchr(in->flags, 'n') ? NULL :
	    (_SOCK_ADDR *)&ss) == SMFIS_CONTINUE);
	FUZZ_CHECK(ctx.priv != NULL);
	if (strchr(in->flags, 'h') == NULL)
		STEP(d->xxfi_helo(&ctx, in->helo));
	transaction(d, &ctx, in, 2);
	transaction(d, &ctx, in, 1);
	transaction(d, &ctx, in, 0);
	FUZZ_CHECK(cb_inflight() == 1);
	FUZZ_CHECK(d->xxfi_close(&ctx) == SMFIS_CONTINUE);
	FUZZ_CHECK(ctx.priv == NULL && cb_inflight() == 0);
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
