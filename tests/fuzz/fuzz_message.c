/*
 * fuzz_message.c - fuzz target: a whole message through the modules' hooks
 * in callbacks.c's order (conn, helo, envfrom, header, eoh, body, eom, then
 * the free hooks), on contexts built by ctx.c, with DNS answered from a
 * fuzzer-chosen dns_static zone: what hallmarkd does per message, without
 * libmilter.
 *
 * Input (text):
 *   line 1  client IP ("192.0.2.1" when it does not parse)
 *   line 2  HELO          line 3  MAIL FROM (no <>)
 *   line 4  first byte: configuration variant (0-2), and 'i' anywhere
 *           makes the client internal, 'a' SMTP-authenticated
 *   then    header lines "Name: value" (continuation lines folded in)
 *           up to a line "%%", the body up to a line "%%", the zone.
 * The same message then runs a second time on the same connection and is
 * abandoned after the headers (the abort path).
 *
 * Invariants: hooks never fail (an internal error would tempfail real
 * mail), the verdict is a known action, and the A-R header hallmark would
 * add parses back to its authserv-id.
 */
#include <arpa/inet.h>

#include "authres.h"
#include "conf.h"
#include "conf_table.h"
#include "ctx.h"
#include "dns.h"
#include "fuzz.h"
#include "log.h"
#include "module.h"
#include "str.h"

static const char *const conf_text[] = {
	"authserv_id = \"mx.fuzz.test\";",
	"authserv_id = \"mx.fuzz.test\";\n"
	"dmarc = { org_domain = \"psl\"; quarantine_by = \"header\"; };",
	"authserv_id = \"mx.fuzz.test\";\n"
	"spf = { received_spf_header = true; on_fail = \"reject\";\n"
	"  on_temperror = \"tempfail\"; };\n"
	"dmarc = { monitor_domains = [\"*.example.edu\"]; };",
};
#define NCONF (sizeof(conf_text) / sizeof(conf_text[0]))
static struct conf *confs[NCONF];

#define EACH(hook, ...) do {						\
	size_t i_;							\
	for (i_ = 0; hm_modules[i_] != NULL; i_++)			\
		if (hm_modules[i_]->hook != NULL)			\
			FUZZ_CHECK(hm_modules[i_]->hook(__VA_ARGS__) == HM_OK); \
} while (0)

struct input {
	char *ip, *helo, *mailfrom, *flags, *headers, *body, *zone;
};

/* LLVMFuzzerInitialize - the configurations, loaded once */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct conf_err e;
	size_t i;

	log_init("fuzz_message", 0, "mail", LOG_LVL_ERR);
	for (i = 0; i < NCONF; i++) {
		confs[i] = conf_load_string(conf_text[i], 1, &e);
		if (confs[i] == NULL) {
			fprintf(stderr, "conf %zu: %d: %s\n", i, e.line, e.msg);
			abort();
		}
	}
	return 0;
}

/* cut - NUL-terminate at the next "\n" (or "\n%%\n" when sep); advance */
static char *
cut(char **p, int sep)
{
	char *s = *p, *e;

	if (s == NULL)
		return "";
	e = sep ? strstr(s, "\n%%\n") : strchr(s, '\n');
	if (e == NULL) {
		*p = NULL;
		return s;
	}
	*e = '\0';
	*p = e + (sep ? 4 : 1);
	return s;
}

/* set_addr - the client address from text */
static void
set_addr(struct hm_conn *c, const char *ip)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&c->addr;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&c->addr;

	if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
	} else {
		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
			inet_pton(AF_INET, "192.0.2.1", &sin->sin_addr);
	}
	c->has_addr = 1;
	snprintf(c->addrstr, sizeof(c->addrstr), "%.60s", ip);
}

/* headers - feed "Name: value" lines (folded continuations) to m */
static void
headers(struct hm_msg *m, const char *text)
{
	char *copy = xstrdup(text), *p = copy, *line, *colon;
	struct str val;
	struct hm_header h;
	char *name = NULL;

	str_init(&val);
	for (;;) {
		line = p ? cut(&p, 0) : NULL;
		if (line != NULL && (line[0] == ' ' || line[0] == '\t') &&
		    name != NULL) {
			str_add(&val, "\r\n");
			str_add(&val, line);
			continue;
		}
		if (name != NULL) {
			(void)ctx_msg_header(m, name, val.s);
			h.name = name;
			h.value = val.s;
			EACH(header, m, &h);
			name = NULL;
		}
		if (line == NULL)
			break;
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		name = line;
		str_reset(&val);
		str_add(&val, colon[1] == ' ' ? colon + 2 : colon + 1);
	}
	str_free(&val);
	free(copy);
}

/* message - one transaction; complete: up to eom, else abandoned */
static void
message(struct hm_conn *c, const struct input *in, int complete)
{
	struct hm_msg *m = ctx_msg_new(c);
	size_t n = strlen(in->body), a = n / 3;
	char id[64], *ar;

	m->envfrom = xstrdup(in->mailfrom);
	if (strchr(in->flags, 'a') != NULL)
		m->auth_authen = xstrdup("user");
	m->nrcpt = 1;
	EACH(envfrom, m);
	headers(m, in->headers);
	EACH(eoh, m);
	if (complete) {
		EACH(body, m, (const unsigned char *)in->body, a);
		EACH(body, m, (const unsigned char *)in->body + a, n - a);
		EACH(eom, m);
		FUZZ_CHECK(m->verdict.action <= VERDICT_REJECT);
		FUZZ_CHECK(verdict_action_name(m->verdict.action) != NULL);
		ar = authres_format(m->conf->authserv_id, &m->ar);
		FUZZ_CHECK(authres_authserv_id(ar, id, sizeof(id)) == 0);
		FUZZ_CHECK(strcmp(id, "mx.fuzz.test") == 0);
		free(ar);
	}
	ctx_msg_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *p, err[128];
	struct input in;
	struct conf *conf;
	struct hm_conn *c;

	if (size > 65536)
		return 0;
	s = p = fuzz_cstr(data, size);
	in.ip = cut(&p, 0);
	in.helo = cut(&p, 0);
	in.mailfrom = cut(&p, 0);
	in.flags = cut(&p, 0);
	in.headers = cut(&p, 1);
	in.body = cut(&p, 1);
	in.zone = p ? p : "";
	conf = confs[(unsigned char)in.flags[0] % NCONF];
	conf->resolver = dns_static_new(in.zone, err, sizeof(err));
	if (conf->resolver == NULL)
		conf->resolver = dns_static_new("", err, sizeof(err));
	c = ctx_conn_new(conf);
	c->hostname = xstrdup("client.example");
	set_addr(c, in.ip);
	c->internal = strchr(in.flags, 'i') != NULL;
	EACH(conn, c);
	c->helo = xstrdup(in.helo);
	EACH(helo, c);
	message(c, &in, 1);
	message(c, &in, 0);
	ctx_conn_free(c);
	dns_resolver_free(conf->resolver);
	conf->resolver = NULL;
	free(s);
	return 0;
}
