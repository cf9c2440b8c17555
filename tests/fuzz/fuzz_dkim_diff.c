/*
 * fuzz_dkim_diff.c - fuzz target: hallmark's own DKIM verifier against the
 * libopendkim reference.  Each input goes through the DKIM verify module
 * twice, once with each verifier (dkimv_reference), and both must give the
 * same results: as many, and each with the same result and the same
 * reason class (the reason up to its first ':' or ','; the reference
 * appends libopendkim's own text after "malformed signature:").  The
 * cases where the two are known to differ are listed in known_line() and
 * known_msg(), each with the RFC section that says which one is right
 * (README, "DKIM verification": the same list).
 *
 * Input: as fuzz_dkim_verify.c (optional "#N" configuration line, the
 * message, "%%" and a dns_static zone).  Seeds: messages of the DKIM
 * corpus with their keys, and signatures with each tag broken.
 */
#include "authres.h"
#include "conf.h"
#include "conf_table.h"
#include "ctx.h"
#include "dkim_verify.h"
#include "dkim_versig.h"
#include "dns.h"
#include "fuzz.h"
#include "fuzz_msg.h"
#include "log.h"
#include "module.h"
#include "str.h"

static const char *const conf_text[] = {
	"authserv_id = \"mx.fuzz.test\";",
	"authserv_id = \"mx.fuzz.test\";\n"
	"dkim_verify = { rsa_sha1 = \"neutral\"; body_length = \"policy\";\n"
	"  max_signatures = 2; clock_drift = 0; };",
	"authserv_id = \"mx.fuzz.test\";\n"
	"dkim_verify = { min_rsa_bits = 2048; max_signature_bytes = 1024; };",
	"authserv_id = \"mx.fuzz.test\";\n"
	"dkim_verify = { max_signatures = 1; min_rsa_bits = 512; };",
};
#define NCONF (sizeof(conf_text) / sizeof(conf_text[0]))
static struct conf *confs[NCONF];

/* LLVMFuzzerInitialize - the configurations, loaded once */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct conf_err e;

	log_init("fuzz_dkim_diff", 0, "mail",
	    getenv("FUZZ_VERBOSE") ? LOG_LVL_INFO : LOG_LVL_ERR);
	for (size_t i = 0; i < NCONF; i++) {
		confs[i] = conf_load_string(conf_text[i], 1, &e);
		if (confs[i] == NULL) {
			fprintf(stderr, "conf %zu: %d: %s\n", i, e.line, e.msg);
			abort();
		}
	}
	return 0;
}

/* one_header - a header field to the module */
static void
one_header(char *name, char *value, void *arg)
{
	struct hm_msg *m = arg;
	struct hm_header h = { .name = name, .value = value };

	(void)ctx_msg_header(m, name, value);
	FUZZ_CHECK(dkimv_module.header(m, &h) == HM_OK);
}

/* split_body - the body after the first empty line of msg; msg is cut
 * there (NULL when there is no body) */
static char *
split_body(char *msg)
{
	char *e = strstr(msg, "\n\n"), *e2 = strstr(msg, "\n\r\n");

	if (msg[0] == '\n')
		e = msg - 1;
	if (e2 != NULL && (e == NULL || e2 < e)) {
		*e2 = '\0';
		return e2 + 3;
	}
	if (e == NULL)
		return NULL;
	e[1] = '\0';
	return e + 2;
}

#define DIFF_MAX 80

/* what one verifier recorded: per result, "result/reason class", and
 * whether d= or s= is not a domain name */
struct outcome {
	size_t n;
	char line[DIFF_MAX][96];
	int badname[DIFF_MAX];
	int nod[DIFF_MAX];
	int two_at[DIFF_MAX]; /* i= has more than one '@' */
};

/* record - the results of m into o */
static void
record(const struct hm_msg *m, struct outcome *o)
{
	o->n = m->ndkim < DIFF_MAX ? m->ndkim : DIFF_MAX;
	for (size_t k = 0; k < o->n; k++) {
		const struct res_dkim_sig *r = &m->dkim[k];
		const char *why = r->reason ? r->reason : "";

		snprintf(o->line[k], sizeof(o->line[k]), "%s/%.*s",
		    res_dkim_name(r->result), (int)strcspn(why, ":,"), why);
		o->badname[k] = r->d != NULL && r->s != NULL &&
		    (!dkvs_is_name(r->d) || !dkvs_is_name(r->s));
		o->nod[k] = r->d == NULL;
		o->two_at[k] = r->i != NULL && strchr(r->i, '@') != NULL &&
		    strchr(r->i, '@') != strrchr(r->i, '@');
	}
}

/* run - the message through the module with one verifier */
static void
run(struct conf *conf, const char *hdrs, const char *body, int ref,
    struct outcome *o)
{
	char *msg = xstrdup(hdrs);
	struct hm_conn *c = ctx_conn_new(conf);
	struct hm_msg *m = ctx_msg_new(c);
	size_t n = body != NULL ? strlen(body) : 0, a = n / 2;

	dkimv_reference = ref;
	m->envfrom = xstrdup("sender@example.org");
	fuzz_headers(msg, one_header, m);
	FUZZ_CHECK(dkimv_module.eoh(m) == HM_OK);
	if (n > 0) {
		FUZZ_CHECK(dkimv_module.body(m, (const unsigned char *)body,
			       a) == HM_OK);
		FUZZ_CHECK(dkimv_module.body(m, (const unsigned char *)body + a,
			       n - a) == HM_OK);
	}
	FUZZ_CHECK(dkimv_module.eom(m) == HM_OK);
	record(m, o);
	ctx_conn_free(c);
	dkimv_reference = 0;
	free(msg);
}

/* hdr_refused - a header line the reference refuses: a byte outside
 * printable US-ASCII and white space, a field name with white space,
 * control bytes or ';', a line without a colon */
static int
hdr_refused(const char *hdrs)
{
	int in_name = 1;

	for (const unsigned char *p = (const unsigned char *)hdrs; *p; p++) {
		if (*p >= 0x80 ||
		    (*p < 0x20 && *p != '\t' && *p != '\r' && *p != '\n'))
			return 1;
		if (*p == '\n' && in_name && p != (const unsigned char *)hdrs)
			return 1; /* a line without a colon */
		if (*p == '\n')
			in_name = p[1] != ' ' && p[1] != '\t' && p[1] != '\0';
		else if (*p == ':')
			in_name = 0;
		else if (in_name && (*p == ' ' || *p == '\t' || *p == ';'))
			return 1;
	}
	return 0;
}

/*
 * known_msg - K1 (README): the reference refused a header line and gave
 * the whole message one permerror (even a message without a signature);
 * hallmark's verifier evaluates every signature on its own, and a message
 * without one has none (RFC 6376 section 6.1: a signature's result
 * depends on the fields it signs; RFC 8601 section 2.7.1)
 */
static int
known_msg(const char *hdrs, const struct outcome *own,
    const struct outcome *ref)
{
	/* K3: the reference ran out of resources on the message */
	if (ref->n == 1 &&
	    strcmp(ref->line[0], "temperror/verifier out of resources") == 0)
		return 1;
	return ref->n >= 1 && ref->nod[ref->n - 1] &&
	    strcmp(ref->line[ref->n - 1], "permerror/malformed signature") ==
	    0 &&
	    (hdr_refused(hdrs) || own->n == 0);
}

/*
 * known_line - the known differences on one signature (README):
 * K2: d= or s= is not a domain name: hallmark permerror (RFC 6376
 *     section 3.5, 6.1.1), the reference looks the name up anyway;
 * K3: the reference ran out of resources (not a verdict);
 * K4: l= beyond the body and a bad key record: both permerror, the
 *     reference names the key first (RFC 6376 section 6.1 sets no order);
 * K5: i= with two '@': both permerror, the reference says i= is not
 *     within d=, hallmark names the first other fault (RFC 6376 section
 *     3.5: such an i= is malformed either way);
 * K6: b= or bh= not base64 and no key: both permerror, the reference
 *     sometimes names the signature, hallmark always the key first
 */
static int
known_line(const char *hdrs, const struct outcome *own,
    const struct outcome *ref, size_t k)
{
	if (own->badname[k] &&
	    strcmp(own->line[k], "permerror/malformed signature") == 0)
		return 1;
	if (strcmp(ref->line[k], "temperror/verifier out of resources") == 0)
		return 1;
	/* K1 on one signature: after a refused header line the reference
	 * calls a signature malformed */
	if (strcmp(ref->line[k], "permerror/malformed signature") == 0 &&
	    hdr_refused(hdrs))
		return 1;
	if (own->two_at[k] && strncmp(own->line[k], "permerror/", 10) == 0 &&
	    strcmp(ref->line[k], "permerror/i= not within d=") == 0)
		return 1;
	if (strcmp(own->line[k], "permerror/key not found") == 0 &&
	    strcmp(ref->line[k], "permerror/malformed signature") == 0)
		return 1;
	return strcmp(own->line[k], "permerror/malformed signature") == 0 &&
	    strcmp(ref->line[k], "permerror/bad key record") == 0 &&
	    strstr(hdrs, "l=") != NULL;
}

/* agree - both verifiers agree, or differ only as known */
static int
agree(const char *hdrs, const struct outcome *own, const struct outcome *ref)
{
	if (known_msg(hdrs, own, ref))
		return 1;
	if (own->n != ref->n)
		return 0;
	for (size_t k = 0; k < own->n; k++)
		if (strcmp(own->line[k], ref->line[k]) != 0 &&
		    !known_line(hdrs, own, ref, k))
			return 0;
	return 1;
}

/* report - the two outcomes on stderr */
static void
report(const struct outcome *own, const struct outcome *ref)
{
	fprintf(stderr, "own:\n");
	for (size_t k = 0; k < own->n; k++)
		fprintf(stderr, "%s\n", own->line[k]);
	fprintf(stderr, "reference:\n");
	for (size_t k = 0; k < ref->n; k++)
		fprintf(stderr, "%s\n", ref->line[k]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *msg, *zone, *body, *sep, err[128];
	static struct outcome own, ref;
	struct conf *conf = confs[0];

	if (size > 65536)
		return 0;
	s = msg = fuzz_cstr(data, size);
	if (msg[0] == '#' && msg[1] >= '0' && msg[1] <= '9') {
		conf = confs[(size_t)(msg[1] - '0') % NCONF];
		msg = (sep = strchr(msg, '\n')) != NULL ? sep + 1 : "";
	}
	zone = "";
	for (sep = strstr(msg, "\n%%\n"); sep != NULL;
	     sep = strstr(sep + 1, "\n%%\n"))
		zone = sep;
	if (zone[0] != '\0') {
		zone[1] = '\0';
		zone += 4;
	}
	body = split_body(msg);
	conf->resolver = dns_static_new(zone, err, sizeof(err));
	if (conf->resolver == NULL)
		conf->resolver = dns_static_new("", err, sizeof(err));
	run(conf, msg, body, 0, &own);
	run(conf, msg, body, 1, &ref);
	if (!agree(msg, &own, &ref))
		report(&own, &ref);
	FUZZ_CHECK(agree(msg, &own, &ref));
	dns_resolver_free(conf->resolver);
	conf->resolver = NULL;
	free(s);
	return 0;
}
