/*
 * fuzz_dkim_diff.c - fuzz target: hallmark's own DKIM verifier against the
 * libopendkim reference.  Each input goes through the DKIM verify module
 * twice, once with each verifier (dkimv_reference), and both must give the
 * same results: as many, and each with the same result and the same
 * reason class (the reason up to its first ':'; the reference appends
 * libopendkim's own text after "malformed signature:").  The cases where
 * the two are known to differ are listed in known_diff() with the RFC
 * section that says which one is right (README, "DKIM verification").
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

/* summary - "result/reason class" of every DKIM result, one a line */
static char *
summary(const struct hm_msg *m)
{
	struct str s;
	char *out;

	str_init(&s);
	for (size_t k = 0; k < m->ndkim; k++) {
		const char *r = m->dkim[k].reason ? m->dkim[k].reason : "";

		str_addf(&s, "%s/%.*s\n", res_dkim_name(m->dkim[k].result),
		    (int)strcspn(r, ":"), r);
	}
	out = str_steal(&s);
	str_free(&s);
	return out;
}

/* run - the message through the module with one verifier; the summary */
static char *
run(struct conf *conf, const char *hdrs, const char *body, int ref)
{
	char *msg = xstrdup(hdrs), *out;
	struct hm_conn *c = ctx_conn_new(conf);
	struct hm_msg *m = ctx_msg_new(c);
	size_t n = body != NULL ? strlen(body) : 0, a = n / 2;

	dkimv_reference = ref;
	m->envfrom = xstrdup("sender@example.org");
	fuzz_headers(msg, one_header, m);
	FUZZ_CHECK(dkimv_module.eoh(m) == HM_OK);
	if (n > 0) {
		FUZZ_CHECK(dkimv_module.body(m, (const unsigned char *)body, a) ==
		    HM_OK);
		FUZZ_CHECK(dkimv_module.body(m,
			       (const unsigned char *)body + a, n - a) == HM_OK);
	}
	FUZZ_CHECK(dkimv_module.eom(m) == HM_OK);
	out = summary(m);
	ctx_conn_free(c);
	dkimv_reference = 0;
	free(msg);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *msg, *zone, *body, *sep, err[128], *own, *ref;
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
	own = run(conf, msg, body, 0);
	ref = run(conf, msg, body, 1);
	if (strcmp(own, ref) != 0)
		fprintf(stderr, "own:\n%sreference:\n%s", own, ref);
	FUZZ_CHECK(strcmp(own, ref) == 0);
	free(own);
	free(ref);
	dns_resolver_free(conf->resolver);
	conf->resolver = NULL;
	free(s);
	return 0;
}
