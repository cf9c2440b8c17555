/*
 * spf_eval.c - check_host() of RFC 7208 on hallmark's DNS layer.
 *
 * Owns: one struct ev per spf_eval_check() call (stack), freed before
 * return; the answer's explanation belongs to the caller.
 * Thread-safe (no shared state besides the resolver).  No logging.
 * Errors: every DNS or syntax failure maps to the RFC's result
 * (temperror / permerror / none / no match) and a reason text.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "spf_eval.h"
#include "spf_macro.h"
#include "spf_record.h"
#include "str.h"

/* deeper than the 10-term limit allows: a safety net only */
#define SPF_MAX_DEPTH 12

struct ev {
	const struct spf_request *req;
	struct spf_answer *ans;
	const char *sender, *local, *sender_dom;
	int final;			/* reason holds an error: keep it */
	int ptr_done;			/* %{p} names looked up */
	char *ptr_names[SPF_MAX_PTR];	/* validated names of the client */
	size_t nptr;
	int depth;	    /* of the domain being checked */
	const char *domain; /* being checked, for the observer */
};

/* ptr_arg - what the %{p} callback needs */
struct ptr_arg {
	struct ev *e;
	const char *domain;
};

/* say - set the reason; an error reason is kept against later matches */
static void
say(struct ev *e, int error, const char *fmt, ...)
{
	va_list ap;

	if (e->final)
		return;
	va_start(ap, fmt);
	vsnprintf(e->ans->reason, sizeof(e->ans->reason), fmt, ap);
	va_end(ap);
	e->final = error;
}

/* spf_eval_set_ip - binary address into the request */
void
spf_eval_set_ip(struct spf_request *req, int family, const void *addr)
{
	static const uint8_t mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };
	const uint8_t *a = addr;

	memset(req->ip, 0, sizeof(req->ip));
	if (family == AF_INET6 && memcmp(a, mapped, 12) == 0) {
		req->family = AF_INET;
		memcpy(req->ip, a + 12, 4);
	} else if (family == AF_INET6) {
		req->family = AF_INET6;
		memcpy(req->ip, a, 16);
	} else {
		req->family = AF_INET;
		memcpy(req->ip, a, 4);
	}
}

/* spf_eval_parse_ip - textual address into the request */
int
spf_eval_parse_ip(struct spf_request *req, const char *text)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, text, a) == 1) {
		spf_eval_set_ip(req, AF_INET, a);
		return 0;
	}
	if (inet_pton(AF_INET6, text, a) == 1) {
		spf_eval_set_ip(req, AF_INET6, a);
		return 0;
	}
	return -1;
}

/* spf_eval_domain_ok - FQDN of 7-bit labels of 1..63 bytes */
int
spf_eval_domain_ok(const char *d)
{
	size_t n = strlen(d), i, lab = 0, dots = 0;

	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > SPF_DOMAIN_MAX || d[0] == '[')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c <= 0x20 || c >= 0x7f)
			return 0;
		if (c != '.') {
			if (++lab > 63)
				return 0;
			continue;
		}
		if (lab == 0)
			return 0;
		lab = 0;
		dots++;
	}
	return lab > 0 && dots > 0;
}

/* addr_match - does rr (A/AAAA data) contain the client in prefix */
static int
addr_match(const struct ev *e, const uint8_t *net, size_t len, int prefix)
{
	const uint8_t *ip = e->req->ip;
	int full = prefix / 8, rest = prefix % 8;

	if ((e->req->family == AF_INET && len != 4) ||
	    (e->req->family == AF_INET6 && len != 16))
		return 0;
	if (memcmp(ip, net, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((ip[full] ^ net[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* addr_type - A for IPv4 clients, AAAA for IPv6 */
static int
addr_type(const struct ev *e)
{
	return e->req->family == AF_INET ? DNS_T_A : DNS_T_AAAA;
}

/* cidr_of - the term's prefix for the client's family */
static int
cidr_of(const struct ev *e, const struct spf_term *t)
{
	return e->req->family == AF_INET ? t->cidr4 : t->cidr6;
}

/* emit - hand t, completed with the position, to the observer */
static void
emit(const struct ev *e, struct spf_trace_event *t)
{
	t->depth = e->depth;
	t->domain = e->domain;
	t->dns_mechs = e->ans->dns_mechs;
	t->voids = e->ans->voids;
	e->req->trace(e->req->trace_arg, t);
}

/* TRACE - an event with the fields given (the others zero) for the
 * observer; a request without one pays one test, builds nothing */
#define TRACE(e, ...) \
	do { \
		if ((e)->req->trace != NULL) { \
			struct spf_trace_event t_ = { __VA_ARGS__ }; \
			emit((e), &t_); \
		} \
	} while (0)

/* lookup - one query under the request's budget */
static struct dns_result *
lookup(struct ev *e, const char *name, int type)
{
	struct dns_result *r;

	r = dns_lookup(e->req->resolver, name, type, e->req->budget);
	TRACE(e, .kind = SPF_TRACE_LOOKUP, .name = name, .qtype = type,
	    .status = r->status);
	return r;
}

/*
 * note_void - count a void answer; -1 when the limit is exceeded.
 * Interpretation (README "SPF conformance"): counted are the void answers
 * to the queries of a, mx, exists and ptr themselves; not the addresses
 * of MX/PTR names, %{p}, exp= or include/redirect record lookups.
 */
static int
note_void(struct ev *e, const char *name)
{
	++e->ans->voids;
	TRACE(e, .kind = SPF_TRACE_VOID, .name = name);
	if (e->ans->voids <= SPF_MAX_VOIDS)
		return 0;
	say(e, 1, "more than %d void lookups (at %.80s)", SPF_MAX_VOIDS, name);
	return -1;
}

/* count_mech - count a DNS-querying term; -1 over the limit */
static int
count_mech(struct ev *e)
{
	if (++e->ans->dns_mechs <= SPF_MAX_DNS_MECHS)
		return 0;
	say(e, 1, "more than %d DNS-querying terms", SPF_MAX_DNS_MECHS);
	return -1;
}

/* name_ends_with - name == dom or name ends with "." dom, any case,
 * trailing dots ignored */
static int
name_ends_with(const char *name, const char *dom)
{
	size_t nl = strlen(name), dl = strlen(dom);

	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	if (dl > 0 && dom[dl - 1] == '.')
		dl--;
	if (dl == 0 || nl < dl || str_ncasecmp(name + nl - dl, dom, dl) != 0)
		return 0;
	return nl == dl || name[nl - dl - 1] == '.';
}

/* reverse_name - the in-addr.arpa / ip6.arpa name of the client */
static void
reverse_name(const struct ev *e, struct str *out)
{
	const uint8_t *ip = e->req->ip;
	static const char hex[] = "0123456789abcdef";
	int i;

	if (e->req->family == AF_INET) {
		str_addf(out, "%u.%u.%u.%u.in-addr.arpa", ip[3], ip[2], ip[1],
		    ip[0]);
		return;
	}
	for (i = 15; i >= 0; i--)
		str_addf(out, "%c.%c.", hex[ip[i] & 15], hex[ip[i] >> 4]);
	str_add(out, "ip6.arpa");
}

/* host_has_ip - does name have an address equal to the client's (errors
 * count as no) */
static int
host_has_ip(struct ev *e, const char *name)
{
	struct dns_result *r = lookup(e, name, addr_type(e));
	size_t i;
	int hit = 0;

	for (i = 0; r->status == DNS_OK && i < r->nrr && !hit; i++)
		hit = addr_match(e, r->rr[i].data, r->rr[i].len,
		    e->req->family == AF_INET ? 32 : 128);
	dns_result_free(r);
	return hit;
}

/* validated_names - PTR names of the client whose addresses lead back
 * (section 5.5); at most SPF_MAX_PTR names are tried.  Returns the PTR
 * query's status. */
static enum dns_status
validated_names(struct ev *e, char **names, size_t *n)
{
	struct str rev;
	struct dns_result *r;
	enum dns_status st;
	size_t i;

	str_init(&rev);
	reverse_name(e, &rev);
	r = lookup(e, rev.s, DNS_T_PTR);
	str_free(&rev);
	*n = 0;
	for (i = 0; r->status == DNS_OK && i < r->nrr && i < SPF_MAX_PTR; i++)
		if (host_has_ip(e, (const char *)r->rr[i].data))
			names[(*n)++] = xstrdup((const char *)r->rr[i].data);
	st = r->status;
	dns_result_free(r);
	return st;
}

/* ptr_macro - %{p}: a validated name, preferring domain or a subdomain */
static const char *
ptr_macro(void *arg)
{
	struct ptr_arg *pa = arg;
	struct ev *e = pa->e;
	size_t i;

	if (!e->ptr_done) {
		(void)validated_names(e, e->ptr_names, &e->nptr);
		e->ptr_done = 1;
	}
	for (i = 0; i < e->nptr; i++)
		if (str_casecmp(e->ptr_names[i], pa->domain) == 0)
			return e->ptr_names[i];
	for (i = 0; i < e->nptr; i++)
		if (name_ends_with(e->ptr_names[i], pa->domain))
			return e->ptr_names[i];
	return e->nptr > 0 ? e->ptr_names[0] : NULL;
}

/* macro_ctx - the macro context for the current domain */
static void
macro_ctx(struct ev *e, const char *domain, struct ptr_arg *pa,
    struct spf_macro_ctx *m)
{
	memset(m, 0, sizeof(*m));
	m->sender = e->sender;
	m->local = e->local;
	m->sender_dom = e->sender_dom;
	m->domain = domain;
	m->helo = e->req->helo ? e->req->helo : "unknown";
	m->receiver = e->req->receiver;
	m->family = e->req->family;
	memcpy(m->ip, e->req->ip, 16);
	m->now = e->req->now ? e->req->now : time(NULL);
	pa->e = e;
	pa->domain = domain;
	m->ptr_name = ptr_macro;
	m->ptr_arg = pa;
}

/* target - expand a term's domain (or take the current one); -1 on error
 * with the result in *res */
static int
target(struct ev *e, const char *spec, const char *domain, struct str *out,
    enum res_spf *res)
{
	struct spf_macro_ctx m;
	struct ptr_arg pa;

	if (spec == NULL) {
		str_add(out, domain);
		return 0;
	}
	macro_ctx(e, domain, &pa, &m);
	if (spf_macro_domain(&m, spec, out) == 0)
		return 0;
	say(e, 1, "macro expansion failed in %.80s", spec);
	*res = RES_SPF_PERMERROR;
	return -1;
}

static enum res_spf check_host(struct ev *e, const char *domain, int depth,
    char **exp);

/*
 * match_a - "a" (and each MX name): the name's addresses against the
 * client.  DNS_ERROR (a name that is not a valid DNS name after macro
 * expansion) is "no match", not permerror: the suite allows both.
 */
static int
match_a(struct ev *e, const struct spf_term *t, const char *name,
    enum res_spf *res)
{
	struct dns_result *r = lookup(e, name, addr_type(e));
	size_t i;
	int hit = 0;

	if (dns_is_temp(r->status)) {
		say(e, 1, "DNS %s for %.80s", dns_status_name(r->status), name);
		*res = RES_SPF_TEMPERROR;
		hit = -1;
	} else if (dns_is_void(r->status) && note_void(e, name) < 0) {
		*res = RES_SPF_PERMERROR;
		hit = -1;
	}
	for (i = 0; r->status == DNS_OK && i < r->nrr && !hit; i++)
		hit = addr_match(e, r->rr[i].data, r->rr[i].len, cidr_of(e, t));
	dns_result_free(r);
	return hit;
}

/* match_mx - "mx": addresses of up to 10 exchanges */
static int
match_mx(struct ev *e, const struct spf_term *t, const char *name,
    enum res_spf *res)
{
	struct dns_result *r = lookup(e, name, DNS_T_MX);
	size_t i;
	int hit = 0;

	if (dns_is_temp(r->status)) {
		say(e, 1, "DNS %s for MX %.80s", dns_status_name(r->status),
		    name);
		*res = RES_SPF_TEMPERROR;
		hit = -1;
	} else if (dns_is_void(r->status) && note_void(e, name) < 0) {
		*res = RES_SPF_PERMERROR;
		hit = -1;
	} else if (r->status == DNS_OK && r->nrr > SPF_MAX_MX) {
		say(e, 1, "more than %d MX names for %.80s", SPF_MAX_MX, name);
		*res = RES_SPF_PERMERROR;
		hit = -1;
	}
	for (i = 0; r->status == DNS_OK && i < r->nrr && hit == 0; i++) {
		const char *x = (const char *)r->rr[i].data;
		if (x[0] == '\0' || strcmp(x, ".") == 0)
			continue;	/* null MX (RFC 7505) */
		hit = match_a(e, t, x, res);
	}
	dns_result_free(r);
	return hit;
}

/* match_ptr - "ptr": a validated client name within the target; DNS
 * failures mean no match (section 5.5) */
static int
match_ptr(struct ev *e, const char *name)
{
	char *names[SPF_MAX_PTR];
	size_t n, i;
	int hit = 0;
	enum dns_status st = validated_names(e, names, &n);

	if (dns_is_void(st) && note_void(e, "PTR") < 0)
		hit = -1;
	for (i = 0; i < n; i++) {
		if (hit == 0 && name_ends_with(names[i], name))
			hit = 1;
		free(names[i]);
	}
	return hit;
}

/* match_exists - "exists": any A record */
static int
match_exists(struct ev *e, const char *name, enum res_spf *res)
{
	struct dns_result *r = lookup(e, name, DNS_T_A);
	int hit = r->status == DNS_OK;

	if (dns_is_temp(r->status)) {
		say(e, 1, "DNS %s for %.80s", dns_status_name(r->status), name);
		*res = RES_SPF_TEMPERROR;
		hit = -1;
	} else if (dns_is_void(r->status) && note_void(e, name) < 0) {
		*res = RES_SPF_PERMERROR;
		hit = -1;
	}
	dns_result_free(r);
	return hit;
}

/* match_include - "include": recursive check, section 5.2 table */
static int
match_include(struct ev *e, const char *name, int depth, enum res_spf *res)
{
	enum res_spf sub = check_host(e, name, depth + 1, NULL);

	switch (sub) {
	case RES_SPF_PASS:
		return 1;
	case RES_SPF_FAIL:
	case RES_SPF_SOFTFAIL:
	case RES_SPF_NEUTRAL:
		return 0;
	case RES_SPF_TEMPERROR:
		*res = RES_SPF_TEMPERROR;
		return -1;
	case RES_SPF_NONE:
		say(e, 1, "included domain %.80s has no SPF record", name);
		/* FALLTHROUGH */
	default:
		*res = RES_SPF_PERMERROR;
		return -1;
	}
}

/* ip_match - ip4 / ip6 mechanisms */
static int
ip_match(const struct ev *e, const struct spf_term *t)
{
	int fam = t->mech == SPF_M_IP4 ? AF_INET : AF_INET6;

	if (e->req->family != fam)
		return 0;
	return addr_match(e, t->addr, fam == AF_INET ? 4 : 16,
	    fam == AF_INET ? t->cidr4 : t->cidr6);
}

/* match_term - 1 match, 0 no match, -1 error (result in *res) */
static int
match_term(struct ev *e, const struct spf_term *t, const char *domain,
    int depth, enum res_spf *res)
{
	struct str name;
	int hit;

	if (t->mech == SPF_M_ALL)
		return 1;
	if (t->mech == SPF_M_IP4 || t->mech == SPF_M_IP6)
		return ip_match(e, t);
	if (count_mech(e) < 0) {
		*res = RES_SPF_PERMERROR;
		return -1;
	}
	str_init(&name);
	if (target(e, t->domain, domain, &name, res) < 0) {
		str_free(&name);
		return -1;
	}
	switch (t->mech) {
	case SPF_M_INCLUDE: hit = match_include(e, name.s, depth, res); break;
	case SPF_M_A: hit = match_a(e, t, name.s, res); break;
	case SPF_M_MX: hit = match_mx(e, t, name.s, res); break;
	case SPF_M_PTR: hit = match_ptr(e, name.s); break;
	default: hit = match_exists(e, name.s, res); break;
	}
	if (hit < 0 && *res != RES_SPF_TEMPERROR)
		*res = RES_SPF_PERMERROR;
	str_free(&name);
	return hit;
}

/* explain - section 6.2: the exp= text for a fail, or NULL (default)
 * when the lookup fails, gives not exactly one TXT record, or the text has
 * a NUL, 8-bit bytes or a macro error */
static char *
explain(struct ev *e, const struct spf_record *rec, const char *domain)
{
	struct spf_macro_ctx m;
	struct ptr_arg pa;
	struct str name, text;
	struct dns_result *r;
	char *out = NULL;

	str_init(&name);
	str_init(&text);
	macro_ctx(e, domain, &pa, &m);
	if (spf_macro_domain(&m, rec->exp, &name) < 0)
		goto done;
	r = lookup(e, name.s, DNS_T_TXT);
	if (r->status == DNS_OK && r->nrr == 1 &&
	    strlen((const char *)r->rr[0].data) == r->rr[0].len &&
	    spf_macro_expand(&m, (const char *)r->rr[0].data, r->rr[0].len, 1,
	    &text) == 0)
		out = str_steal(&text);
	dns_result_free(r);
done:
	str_free(&name);
	str_free(&text);
	return out;
}

/* fetch_record - the domain's one SPF record; NONE/TEMPERROR/PERMERROR
 * when there is none, DNS failed, or more than one; -1 = parsed OK */
static int
fetch_record(struct ev *e, const char *domain, struct spf_record *rec)
{
	struct dns_result *r = lookup(e, domain, DNS_T_TXT);
	char why[128];
	size_t i, found = 0, which = 0;
	int res = -1;

	if (dns_is_temp(r->status)) {
		say(e, 1, "DNS %s looking up SPF record of %.80s",
		    dns_status_name(r->status), domain);
		res = RES_SPF_TEMPERROR;
	}
	for (i = 0; r->status == DNS_OK && i < r->nrr; i++)
		if (spf_record_is_spf((const char *)r->rr[i].data,
		    r->rr[i].len)) {
			found++;
			which = i;
		}
	if (res < 0 && found == 0) {
		say(e, 0, "no SPF record for %.80s", domain);
		res = RES_SPF_NONE;
	} else if (res < 0 && found > 1) {
		say(e, 1, "%zu SPF records for %.80s", found, domain);
		res = RES_SPF_PERMERROR;
	} else if (res < 0 && spf_record_parse((const char *)r->rr[which].data,
	    r->rr[which].len, rec, why, sizeof(why)) < 0) {
		say(e, 1, "SPF record of %.80s: %s", domain, why);
		res = RES_SPF_PERMERROR;
	} else if (res < 0) {
		TRACE(e, .kind = SPF_TRACE_RECORD, .rec = rec,
		    .text = (const char *)r->rr[which].data);
	}
	dns_result_free(r);
	return res;
}

/* run_terms - evaluate directives in order; 1 matched, 0 none, -1 error */
static int
run_terms(struct ev *e, const struct spf_record *rec, const char *domain,
    int depth, enum res_spf *res)
{
	size_t i;
	int hit;

	for (i = 0; i < rec->nterm; i++) {
		hit = match_term(e, &rec->term[i], domain, depth, res);
		if (hit < 0)
			return -1;
		if (hit > 0) {
			*res = rec->term[i].qual;
			say(e, 0, "%.80s matched %.80s", domain,
			    rec->term[i].text);
			TRACE(e, .kind = SPF_TRACE_MATCH, .term = &rec->term[i],
			    .result = *res);
			return 1;
		}
	}
	return 0;
}

/* follow_redirect - section 6.1 */
static enum res_spf
follow_redirect(struct ev *e, const struct spf_record *rec,
    const char *domain, int depth, char **exp)
{
	struct str name;
	enum res_spf res = RES_SPF_PERMERROR;

	if (count_mech(e) < 0)
		return RES_SPF_PERMERROR;
	str_init(&name);
	if (target(e, rec->redirect, domain, &name, &res) == 0) {
		TRACE(e, .kind = SPF_TRACE_REDIRECT, .name = name.s);
		res = check_host(e, name.s, depth + 1, exp);
		if (res == RES_SPF_NONE) {
			say(e, 1, "redirect target %.80s has no SPF record",
			    name.s);
			res = RES_SPF_PERMERROR;
		}
	}
	str_free(&name);
	return res;
}

/* check_domain - section 4; exp (may be NULL) receives a fail's text */
static enum res_spf
check_domain(struct ev *e, const char *domain, int depth, char **exp)
{
	struct spf_record rec;
	enum res_spf res = RES_SPF_NEUTRAL;
	int hit;

	if (depth > SPF_MAX_DEPTH) {
		say(e, 1, "SPF evaluation nested too deep");
		return RES_SPF_PERMERROR;
	}
	if (!spf_eval_domain_ok(domain)) {
		say(e, 0, "not a valid domain name");
		return RES_SPF_NONE;
	}
	if ((hit = fetch_record(e, domain, &rec)) >= 0)
		return (enum res_spf)hit;
	hit = run_terms(e, &rec, domain, depth, &res);
	if (hit == 0 && rec.redirect != NULL)
		res = follow_redirect(e, &rec, domain, depth, exp);
	else if (hit == 0)
		say(e, 0, "no term of %.80s matched", domain);
	else if (hit > 0 && res == RES_SPF_FAIL && rec.exp != NULL &&
	    exp != NULL)
		*exp = explain(e, &rec, domain);
	spf_record_free(&rec);
	return res;
}

/* check_host - check_domain, with the observer told where it is */
static enum res_spf
check_host(struct ev *e, const char *domain, int depth, char **exp)
{
	const char *saved_dom = e->domain;
	int saved_depth = e->depth;
	enum res_spf res;

	e->depth = depth;
	e->domain = domain;
	res = check_domain(e, domain, depth, exp);
	TRACE(e, .kind = SPF_TRACE_DONE, .result = res);
	e->depth = saved_depth;
	e->domain = saved_dom;
	return res;
}

/* split_identity - sender, local part and domain of the identity */
static void
split_identity(const struct spf_request *req, const char *mailfrom,
    struct str *sender, struct str *local, struct str *dom)
{
	const char *at;

	if (mailfrom == NULL || mailfrom[0] == '\0') {
		str_add(local, "postmaster");
		str_add(dom, req->helo ? req->helo : "");
	} else if ((at = strrchr(mailfrom, '@')) == NULL) {
		str_add(local, "postmaster");
		str_add(dom, mailfrom);
	} else {
		str_addn(local, mailfrom, (size_t)(at - mailfrom));
		if (local->len == 0)
			str_add(local, "postmaster");
		str_add(dom, at + 1);
	}
	str_addf(sender, "%s@%s", local->s, dom->s);
}

/* spf_eval_check - evaluate one identity */
void
spf_eval_check(const struct spf_request *req, const char *mailfrom,
    struct spf_answer *ans)
{
	struct str sender, local, dom;
	struct ev e;
	size_t i;

	memset(ans, 0, sizeof(*ans));
	memset(&e, 0, sizeof(e));
	e.req = req;
	e.ans = ans;
	if ((mailfrom && strlen(mailfrom) > SPF_IDENTITY_MAX) ||
	    (req->helo && strlen(req->helo) > SPF_IDENTITY_MAX)) {
		ans->result = RES_SPF_NONE;
		say(&e, 1, "identity too long");
		return;
	}
	str_init(&sender);
	str_init(&local);
	str_init(&dom);
	split_identity(req, mailfrom, &sender, &local, &dom);
	snprintf(ans->domain, sizeof(ans->domain), "%s", dom.s);
	e.sender = sender.s;
	e.local = local.s;
	e.sender_dom = dom.s;
	ans->result = check_host(&e, dom.s, 0, &ans->explanation);
	for (i = 0; i < e.nptr; i++)
		free(e.ptr_names[i]);
	str_free(&sender);
	str_free(&local);
	str_free(&dom);
}

/* spf_eval_expand_text - a local explanation with macros expanded */
char *
spf_eval_expand_text(const struct spf_request *req, const char *mailfrom,
    const char *domain, const char *text)
{
	struct str sender, local, dom, out;
	struct spf_answer ans;
	struct spf_macro_ctx m;
	struct ptr_arg pa;
	struct ev e;
	char *res = NULL;
	size_t i;

	if ((mailfrom && strlen(mailfrom) > SPF_IDENTITY_MAX) ||
	    (req->helo && strlen(req->helo) > SPF_IDENTITY_MAX))
		return NULL;
	memset(&e, 0, sizeof(e));
	memset(&ans, 0, sizeof(ans));
	e.req = req;
	e.ans = &ans;
	str_init(&sender);
	str_init(&local);
	str_init(&dom);
	str_init(&out);
	split_identity(req, mailfrom, &sender, &local, &dom);
	e.sender = sender.s;
	e.local = local.s;
	e.sender_dom = dom.s;
	macro_ctx(&e, domain ? domain : dom.s, &pa, &m);
	if (spf_macro_expand(&m, text, strlen(text), 1, &out) == 0)
		res = str_steal(&out);
	for (i = 0; i < e.nptr; i++)
		free(e.ptr_names[i]);
	str_free(&sender);
	str_free(&local);
	str_free(&dom);
	str_free(&out);
	return res;
}

/* spf_answer_free - release the explanation */
void
spf_answer_free(struct spf_answer *ans)
{
	free(ans->explanation);
	ans->explanation = NULL;
}
