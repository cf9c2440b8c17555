/*
 * spf.c - the SPF module: runs hallmark's RFC 7208 evaluator (spf_eval.c)
 * for the HELO identity (once per connection, cached in
 * conn->mod[MOD_SPF]) and the MAIL FROM identity (per message; a null
 * reverse-path uses postmaster@HELO, section 2.4), records the results
 * for DMARC (msg->spf_helo, msg->spf_mfrom), adds the A-R entry and the
 * optional Received-SPF header, and proposes the configured action.
 * Behind a trusted relay (trusted_relays) the checks wait for the end of
 * the headers and take the address and HELO name the first untrusted
 * hop's Received header records (gateway.h: gw_origin); not cached.
 *
 * Owns: struct spf_conn in conn->mod[MOD_SPF] (allocated by ctx.c; what
 * it points to is freed in spf_conn_free), the results in msg->spf_*
 * (freed in spf_msg_free).
 * Rejection is skipped for internal clients, authenticated senders and
 * relays in the allow-list's networks (spf_skip_allowlist); the A-R
 * comment says so.  Bad input of any kind ends in an SPF result and a log line.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "allowlist.h"
#include "conf_table.h"
#include "gateway.h"
#include "log.h"
#include "msglog.h"
#include "spf.h"
#include "spf_eval.h"
#include "spf_macro.h"
#include "str.h"

/* longest reply text we hand to the MTA */
#define SPF_REPLY_MAX 400


/* option table rows stay as written (see .clang-format) */
/* clang-format off */
/* SPF's actions: no quarantine (the names are verdict.c's words) */
static const char *const spf_actions[] = { "accept", "reject", "tempfail",
    NULL };

#define OPT(n, t, f, d, text) \
	{ .name = n, .type = t, .off = offsetof(struct conf_spf, f), \
	  .def = d, .doc = text }
#define ACT(n, f, text) \
	{ .name = n, .type = CT_ENUM, .off = offsetof(struct conf_spf, f), \
	  .def = "accept", .enums = spf_actions, .doc = text }

/* explanation_ok - an explain-string (a bad one would be dropped from
 * every reply, silently) */
static int
explanation_ok(const char *v, char *err, size_t errlen)
{
	if (spf_macro_check(v, strlen(v), 1) == 0)
		return 0;
	return str_seterr(err, errlen, "not an SPF explain-string (RFC 7208 "
	    "section 7: macros such as %%{i} and %%{o}; %%%% for a %%)");
}

const struct conf_opt spf_conf_opts[] = {
	OPT("enable", CT_BOOL, enable, "true", "run the SPF check"),
	OPT("helo", CT_BOOL, helo, "true",
	    "also check the HELO identity (RFC 7208 section 2.3)"),
	OPT("received_spf_header", CT_BOOL, received_spf_header, "false",
	    "add a Received-SPF header (RFC 7208 section 9.1)"),
	ACT("on_fail", on_fail,
	    "accept, reject (550 5.7.23) or tempfail an SPF fail"),
	ACT("on_softfail", on_softfail,
	    "accept, reject (550 5.7.23) or tempfail an SPF softfail"),
	ACT("on_temperror", on_temperror,
	    "accept, reject (550 5.7.24) or tempfail (451 4.7.24) a temperror"),
	ACT("on_permerror", on_permerror,
	    "accept, reject (550 5.7.24) or tempfail a permerror"),
	OPT("reject_text", CT_STRING, reject_text,
	    "SPF check failed", "start of the SMTP reply when SPF rejects"),
	{ .name = "default_explanation", .type = CT_STRING,
	  .off = offsetof(struct conf_spf, default_explanation),
	  .def = "%{i} is not allowed to send mail for %{o} (RFC 7208 SPF)",
	  .valid = explanation_ok,
	  .doc = "explanation when the domain gives none (macros allowed)" },
	CONF_END
};
/* clang-format on */

struct spf_conn {
	char *helo;		/* the HELO the answer is for */
	int done;
	struct spf_answer ans;
};

/* spf_decide - configured reaction to a result */
enum verdict_action
spf_decide(const struct conf_spf *cs, enum res_spf r, const char **rcode,
    const char **xcode)
{
	int act, err = (r == RES_SPF_TEMPERROR || r == RES_SPF_PERMERROR);

	switch (r) {
	case RES_SPF_FAIL: act = cs->on_fail; break;
	case RES_SPF_SOFTFAIL: act = cs->on_softfail; break;
	case RES_SPF_TEMPERROR: act = cs->on_temperror; break;
	case RES_SPF_PERMERROR: act = cs->on_permerror; break;
	default: act = SPF_ACT_ACCEPT; break;
	}
	/* RFC 7372: X.7.23 SPF validation failed, X.7.24 SPF error */
	if (act == SPF_ACT_REJECT) {
		*rcode = "550";
		*xcode = err ? "5.7.24" : "5.7.23";
		return VERDICT_REJECT;
	}
	if (act == SPF_ACT_TEMPFAIL) {
		*rcode = "451";
		*xcode = err ? "4.7.24" : "4.7.23";
		return VERDICT_TEMPFAIL;
	}
	return VERDICT_ACCEPT;
}

/* is_atext - RFC 5322 atext */
static int
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~",
	    c) != NULL);
}

/* domain_safe - only LDH, dots, underscores: usable as an A-R value */
static int
domain_safe(const char *d)
{
	if (*d == '\0')
		return 0;
	for (; *d != '\0'; d++)
		if (!((*d >= 'a' && *d <= 'z') || (*d >= 'A' && *d <= 'Z') ||
		    (*d >= '0' && *d <= '9') || *d == '-' || *d == '.' ||
		    *d == '_'))
			return 0;
	return 1;
}

/* quoted - a quoted-string of s, unprintable bytes as '?' */
static char *
quoted(const char *s)
{
	struct str b;
	char *out;

	str_init(&b);
	str_addc(&b, '"');
	for (; *s != '\0' && b.len < 300; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			str_addc(&b, '\\');
		str_addc(&b, (c < 0x20 || c > 0x7e) ? '?' : (char)c);
	}
	str_addc(&b, '"');
	out = str_steal(&b);
	str_free(&b);
	return out;
}

/* spf_prop_address - A-R value for a MAIL FROM address */
char *
spf_prop_address(const char *addr)
{
	const char *at = strrchr(addr, '@');
	const char *p;
	int dot_atom = 1;

	if (at == NULL)
		return domain_safe(addr) ? xstrdup(addr) : quoted(addr);
	if (!domain_safe(at + 1))
		return quoted(addr);
	if (at == addr || addr[0] == '.' || at[-1] == '.')
		dot_atom = 0;
	for (p = addr; p < at && dot_atom; p++)
		if (!is_atext((unsigned char)*p) &&
		    !(*p == '.' && p[1] != '.'))
			dot_atom = 0;
	return xstrdup(dot_atom ? addr : at);
}

/* prop_value - A-R value for a HELO name */
static char *
prop_value(const char *s)
{
	return domain_safe(s) ? xstrdup(s) : quoted(s);
}

/* make_req - the evaluator's request for this message; -1 = cannot run */
static int
make_req(struct hm_msg *m, struct spf_request *req)
{
	const struct hm_conn *c = m->conn;
	const struct sockaddr *sa = (const struct sockaddr *)&c->addr;

	memset(req, 0, sizeof(*req));
	if (!c->has_addr || m->conf->resolver == NULL)
		return -1;
	if (sa->sa_family == AF_INET)
		spf_eval_set_ip(req, AF_INET,
		    &((const struct sockaddr_in *)sa)->sin_addr);
	else if (sa->sa_family == AF_INET6)
		spf_eval_set_ip(req, AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr);
	else
		return -1;
	req->resolver = m->conf->resolver;
	req->budget = &m->budget;
	req->helo = c->helo;
	req->receiver = m->conf->authserv_id;
	return 0;
}

/* conn_state - this connection's SPF state (ctx.c allocates it) */
static struct spf_conn *
conn_state(struct hm_conn *c)
{
	return c->mod[MOD_SPF];
}

/* spf_conn_free - drop the cached HELO answer */
static void
spf_conn_free(struct hm_conn *c)
{
	struct spf_conn *st = c->mod[MOD_SPF];

	if (st == NULL)
		return;
	spf_answer_free(&st->ans);
	free(st->helo);
	st->helo = NULL;
}

/* spf_msg_free - the results this module recorded */
static void
spf_msg_free(struct hm_msg *m)
{
	res_spf_clear(&m->spf_helo);
	res_spf_clear(&m->spf_mfrom);
}

/* spf_helo - a new HELO/EHLO: forget the answer for the old one */
static int
spf_helo(struct hm_conn *c)
{
	struct spf_conn *st = conn_state(c);
	int same = (st->helo == NULL && c->helo == NULL) ||
	    (st->helo != NULL && c->helo != NULL &&
	    strcmp(st->helo, c->helo) == 0);

	if (same)
		return HM_OK;
	spf_answer_free(&st->ans);
	free(st->helo);
	st->helo = c->helo ? xstrdup(c->helo) : NULL;
	st->done = 0;
	return HM_OK;
}

/* helo_answer - the HELO identity's answer, evaluated once */
static const struct spf_answer *
helo_answer(struct hm_msg *m, const struct spf_request *req)
{
	struct spf_conn *st = conn_state(m->conn);

	(void)spf_helo(m->conn);	/* resets st when the HELO changed */
	if (!st->done) {
		spf_eval_check(req, "", &st->ans);
		st->done = 1;
	}
	return &st->ans;
}

/* record - copy an answer into a results.h check */
static void
record(struct res_spf_check *r, const struct spf_answer *a,
    const char *identity)
{
	res_spf_clear(r);
	r->evaluated = 1;
	r->result = a->result;
	r->identity = xstrdup(identity);
	r->domain = xstrdup(a->domain);
	r->reason = xstrdup(a->reason);
	r->explanation = a->explanation ? xstrdup(a->explanation) : NULL;
}

/*
 * spf_skip_allowlist - is the client one of the configured relay
 * allow-list's networks (dmarc.vendors, allowlist.c)?  SPF runs at the
 * envfrom hook, before the From header is read, so only the networks are
 * matched here; the vendor's From domains are DMARC's business.
 */
static int
spf_skip_allowlist(const struct hm_msg *m, const char **name)
{
	const struct allow_list *l = &m->conf->dmarc.vendors;
	const struct sockaddr *sa = (const struct sockaddr *)&m->conn->addr;
	size_t i;

	if (!m->conn->has_addr)
		return 0;
	for (i = 0; i < l->n; i++)
		if (cidr_match_sa(&l->v[i].networks, sa)) {
			*name = l->v[i].name;
			return 1;
		}
	return 0;
}

/* skip_reason - why this message is exempt from SPF rejection (a
 * trusted client, ctx_msg_trusted_by, or an allow-listed relay), or NULL;
 * the text is in buf */
static const char *
skip_reason(const struct hm_msg *m, char *buf, size_t len)
{
	const char *name = NULL, *trusted = ctx_msg_trusted_by(m);

	if (trusted != NULL) {
		snprintf(buf, len, "not enforced: %s", trusted);
		return buf;
	}
	if (spf_skip_allowlist(m, &name)) {
		snprintf(buf, len, "not enforced: allow-listed relay %s",
		    name ? name : "");
		return buf;
	}
	return NULL;
}

/* safe_text - printable ASCII copy for an SMTP reply, bounded */
static void
safe_text(struct str *out, const char *s)
{
	for (; *s != '\0' && out->len < SPF_REPLY_MAX; s++) {
		unsigned char c = (unsigned char)*s;
		str_addc(out, (c < 0x20 || c > 0x7e) ? '?' : (char)c);
	}
}

/* reply_text - reject_text plus the explanation (fail, softfail) or the
 * reason (errors) */
static char *
reply_text(struct hm_msg *m, const struct spf_request *req,
    const struct spf_answer *a, const char *mailfrom)
{
	const struct conf_spf *cs = &m->conf->spf;
	struct str b;
	char *exp = NULL, *out;

	str_init(&b);
	safe_text(&b, cs->reject_text ? cs->reject_text : "SPF");
	str_add(&b, ": ");
	if (a->result == RES_SPF_FAIL || a->result == RES_SPF_SOFTFAIL) {
		if (a->explanation == NULL && cs->default_explanation != NULL)
			exp = spf_eval_expand_text(req, mailfrom, a->domain,
			    cs->default_explanation);
		safe_text(&b, a->explanation ? a->explanation :
		    exp ? exp : a->reason);
	} else
		safe_text(&b, a->reason);
	free(exp);
	out = str_steal(&b);
	str_free(&b);
	return out;
}

/* received_spf - the Received-SPF header (section 9.1) */
static void
received_spf(struct hm_msg *m, const struct spf_answer *a, int by_helo,
    const char *client)
{
	struct str b;
	char *from = quoted(m->envfrom ? m->envfrom : ""),
	     *helo = quoted(m->spf_helo.identity ? m->spf_helo.identity :
		     m->conn->helo		 ? m->conn->helo :
						   "");
	char comment[256];
	size_t i;

	snprintf(comment, sizeof(comment), "%s", a->reason);
	for (i = 0; comment[i] != '\0'; i++)
		if (comment[i] == '(' || comment[i] == ')' ||
		    (unsigned char)comment[i] < 0x20 ||
		    (unsigned char)comment[i] > 0x7e)
			comment[i] = ' ';
	str_init(&b);
	str_addf(&b,
	    "%s (%s) client-ip=%s; envelope-from=%s; helo=%s; "
	    "receiver=%s; identity=%s",
	    res_spf_name(a->result), comment, client, from, helo,
	    m->conf->authserv_id, by_helo ? "helo" : "mailfrom");
	ctx_msg_addhdr(m, "Received-SPF", b.s);
	str_free(&b);
	free(from);
	free(helo);
}

/* add_authres - the A-R entry for the decisive identity */
static void
add_authres(struct hm_msg *m, const struct spf_answer *a, int by_helo,
    const char *skip, const char *via)
{
	struct str comment, props;
	char *v;

	str_init(&comment);
	str_init(&props);
	if (via != NULL)
		str_addf(&comment, "%s, ", via);
	str_add(&comment, a->reason);
	if (skip != NULL && a->result != RES_SPF_PASS &&
	    a->result != RES_SPF_NONE)
		str_addf(&comment, "; %s", skip);
	v = by_helo ?
	    prop_value(m->spf_helo.identity ? m->spf_helo.identity : "") :
	    spf_prop_address(m->envfrom);
	str_addf(&props, "%s=%s", by_helo ? "smtp.helo" : "smtp.mailfrom", v);
	authres_add(&m->ar, "spf", res_spf_name(a->result), comment.s,
	    props.s);
	free(v);
	str_free(&comment);
	str_free(&props);
}

/* act - propose the configured verdict unless the client is exempt */
static void
act(struct hm_msg *m, const struct spf_request *req,
    const struct spf_answer *a, const char *skip)
{
	const char *rcode = NULL, *xcode = NULL;
	enum verdict_action v;
	char *text;

	v = spf_decide(&m->conf->spf, a->result, &rcode, &xcode);
	if (v == VERDICT_ACCEPT)
		return;
	if (skip != NULL) {
		msglog(m, LOG_LVL_DEBUG, "spf: %s %s", res_spf_name(a->result),
		    skip);
		return;
	}
	text = reply_text(m, req, a, m->envfrom);
	verdict_propose(&m->verdict, v, "spf", rcode, xcode, text);
	free(text);
}

/* log_result - one line per check */
static void
log_result(struct hm_msg *m, const char *what, const char *id,
    const struct spf_answer *a)
{
	char p[300], r[300];

	msglog(m, LOG_LVL_DEBUG, "spf: %s=%s result=%s (%s)", what,
	    LOG_P(p, id), res_spf_name(a->result), LOG_P(r, a->reason));
}

/* where - the client SPF checks: the SMTP client, or behind a trusted
 * relay the first untrusted hop its Received header recorded */
struct where {
	const char *ip;	  /* printable */
	const char *helo; /* HELO name, or NULL */
	int cached;	  /* the connection's HELO answer applies */
	char via[200];	  /* A-R comment prefix, or "" */
};

/* spf_run - the MAIL FROM check (and the HELO check) for w */
static int
spf_run(struct hm_msg *m, struct spf_request *req, const struct where *w)
{
	const struct conf_spf *cs = &m->conf->spf;
	const struct spf_answer *helo = NULL, *dec;
	struct spf_answer mf, hans;
	const char *from = m->envfrom ? m->envfrom : "";
	int null = from[0] == '\0', by_helo;
	char *pm, skipbuf[200];
	const char *skip;

	memset(&hans, 0, sizeof(hans));
	if (cs->helo || null) {
		if (w->cached) {
			helo = helo_answer(m, req);
		} else {
			spf_eval_check(req, "", &hans);
			helo = &hans;
		}
		record(&m->spf_helo, helo, w->helo ? w->helo : "");
		log_result(m, "helo", w->helo, helo);
	}
	memset(&mf, 0, sizeof(mf));
	if (!null) {
		spf_eval_check(req, from, &mf);
		record(&m->spf_mfrom, &mf, from);
		log_result(m, "mailfrom", from, &mf);
	} else {
		pm = xasprintf("postmaster@%s", w->helo ? w->helo : "");
		record(&m->spf_mfrom, helo, pm);
		free(pm);
	}
	by_helo = null || (mf.result == RES_SPF_NONE && helo != NULL);
	dec = by_helo ? helo : &mf;
	skip = skip_reason(m, skipbuf, sizeof(skipbuf));
	add_authres(m, dec, by_helo, skip, w->via[0] ? w->via : NULL);
	if (cs->received_spf_header)
		received_spf(m, dec, by_helo, w->ip);
	act(m, req, dec, skip);
	spf_answer_free(&mf);
	spf_answer_free(&hans);
	return HM_OK;
}

/* spf_envfrom - the checks of the SMTP client; behind a trusted relay
 * they wait for the headers (spf_eoh) */
static int
spf_envfrom(struct hm_msg *m)
{
	struct spf_request req;
	struct where w;

	if (!m->conf->spf.enable || m->conn->relay || make_req(m, &req) < 0)
		return HM_OK;
	memset(&w, 0, sizeof(w));
	w.ip = m->conn->addrstr;
	w.helo = m->conn->helo;
	w.cached = 1;
	return spf_run(m, &req, &w);
}

/* set_ip - req's address from text; -1 if it is none */
static int
set_ip(struct spf_request *req, const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		spf_eval_set_ip(req, AF_INET, a);
	else if (inet_pton(AF_INET6, ip, a) == 1)
		spf_eval_set_ip(req, AF_INET6, a);
	else
		return -1;
	return 0;
}

/* spf_eoh - behind a trusted relay: the checks of the address the first
 * untrusted hop's Received header recorded (gateway.h); when none can be
 * read, of the relay itself, and the comment says so */
static int
spf_eoh(struct hm_msg *m)
{
	struct spf_request req;
	struct where w;
	char ip[64], helo[256];
	size_t end;

	if (!m->conf->spf.enable || !m->conn->relay || make_req(m, &req) < 0)
		return HM_OK;
	memset(&w, 0, sizeof(w));
	end = gw_hop_end(m->hdr, m->nhdr, m->conn->addrstr);
	if (gw_origin(m->hdr, m->nhdr, end, &m->conf->trusted_relays, ip,
		sizeof(ip), helo, sizeof(helo)) == 0 &&
	    set_ip(&req, ip) == 0) {
		w.ip = ip;
		w.helo = helo;
		req.helo = helo;
		snprintf(w.via, sizeof(w.via),
		    "via trusted relay %s: client "
		    "%s",
		    m->conn->addrstr, ip);
	} else {
		w.ip = m->conn->addrstr;
		w.helo = m->conn->helo;
		snprintf(w.via, sizeof(w.via),
		    "trusted relay %s recorded no "
		    "readable client",
		    m->conn->addrstr);
	}
	msglog(m, LOG_LVL_DEBUG, "spf: %s", w.via);
	return spf_run(m, &req, &w);
}

const struct hm_module spf_module = {
	.name = "spf",
	.inbound_only = 1,
	.conn_size = sizeof(struct spf_conn),
	.helo = spf_helo,
	.conn_free = spf_conn_free,
	.envfrom = spf_envfrom,
	.eoh = spf_eoh,
	.msg_free = spf_msg_free,
};
