/*
 * fuzz_dkim_verify.c - fuzz target: DKIM signature handling.  A message
 * goes through the DKIM verify module's hooks (dkim_verify.c: header,
 * eoh, body in two chunks, eom, msg_free), so hallmark's verifier
 * (dkim_ver*.c) parses the DKIM-Signature tags, fetches the keys from a
 * fuzzer-chosen zone (dns_static) through its key cache, hashes and
 * verifies, and hallmark's policy (dkim_policy.c) decides each signature's
 * result.  fuzz_dkim_diff.c compares it with the libopendkim reference.
 *
 * Input (text):
 *   optional first line "#N": configuration variant N (0-3, else 0)
 *   a message: header block, an empty line, the body
 *   then a line "%%" and a dns_static zone (the last "%%" line counts)
 * Seeds are messages of tests/dkim/corpus with their keys.
 *
 * Invariants: hooks never fail; at least one DKIM result per message,
 * every result a known one; a pass is only given when the signature names
 * From in h= and i= lies within d=; the A-R header parses back.
 */
#include "authres.h"
#include "conf.h"
#include "conf_table.h"
#include "ctx.h"
#include "dkim_policy.h"
#include "dkim_verify.h"
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
	size_t i;

	/* FUZZ_VERBOSE=1: the modules' log lines, to check seeds */
	log_init("fuzz_dkim_verify", 0, "mail",
	    getenv("FUZZ_VERBOSE") ? LOG_LVL_INFO : LOG_LVL_ERR);
	for (i = 0; i < NCONF; i++) {
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
	struct hm_header h;

	h.name = name;
	h.value = value;
	(void)ctx_msg_header(m, name, value);
	FUZZ_CHECK(dkimv_module.header(m, &h) == HM_OK);
}

/* check_results - the invariants on what the module recorded */
static void
check_results(struct hm_msg *m)
{
	char id[64], *ar;
	size_t k;

	FUZZ_CHECK(m->ar.n >= 1);
	for (k = 0; k < m->ndkim; k++) {
		const struct res_dkim_sig *r = &m->dkim[k];

		FUZZ_CHECK(res_dkim_name(r->result) != NULL);
		if (r->result == RES_DKIM_PASS) {
			FUZZ_CHECK(r->d != NULL && r->d[0] != '\0');
			FUZZ_CHECK(dkimpol_i_within_d(r->i, r->d));
		}
	}
	ar = authres_format(m->conf->authserv_id, &m->ar);
	FUZZ_CHECK(authres_authserv_id(ar, id, sizeof(id)) == 0);
	FUZZ_CHECK(strcmp(id, "mx.fuzz.test") == 0);
	free(ar);
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *msg, *zone, *body, *sep, err[128];
	struct conf *conf = confs[0];
	struct hm_conn *c;
	struct hm_msg *m;
	size_t n, a;

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
	c = ctx_conn_new(conf);
	m = ctx_msg_new(c);
	m->envfrom = xstrdup("sender@example.org");
	fuzz_headers(msg, one_header, m);
	FUZZ_CHECK(dkimv_module.eoh(m) == HM_OK);
	n = body != NULL ? strlen(body) : 0;
	a = n / 2;
	if (n > 0) {
		FUZZ_CHECK(dkimv_module.body(m, (unsigned char *)body, a) ==
		    HM_OK);
		FUZZ_CHECK(dkimv_module.body(m, (unsigned char *)body + a,
		    n - a) == HM_OK);
	}
	FUZZ_CHECK(dkimv_module.eom(m) == HM_OK);
	check_results(m);
	ctx_conn_free(c);	/* frees the message, module hooks first */
	dns_resolver_free(conf->resolver);
	conf->resolver = NULL;
	free(s);
	return 0;
}
