/*
 * dkim_lib.c - the one libopendkim library handle and its DNS hooks, bridged
 * to hallmark's DNS layer.
 *
 * SYNOPSIS
 *	DKIM_LIB *dkiml_lib(void);
 *	void dkiml_shutdown(void);
 *	void dkiml_dns_bind(struct dns_resolver *r, struct dns_budget *b);
 *	void dkiml_dns_unbind(void);
 *	size_t dkiml_reply_build(buf, buflen, qname, qtype, res);
 *
 * DESCRIPTION
 *	Owns the DKIM_LIB (created once under pthread_once, closed by
 *	dkiml_shutdown) and the query handles libopendkim holds between
 *	_query_start and _query_cancel (libopendkim always cancels, also after
 *	a reply, so the handle is freed there).  The resolver and budget come
 *	from a thread-local binding set by the verifier around dkim_eoh and
 *	dkim_eom, which run in the milter thread of the message.
 *
 *	libopendkim parses the reply itself, so a successful lookup is turned
 *	back into a DNS reply packet by dkiml_reply_build() (pure).  Temporary
 *	failures are DKIM_DNS_ERROR: libopendkim then reports a key retrieval
 *	failure (temperror), not "no key".
 *
 *	Key records are handed over as published, with two exceptions: an
 *	RSA p= published as a PKCS#1 RSAPublicKey is rewritten as the
 *	SubjectPublicKeyInfo libopendkim reads (dkim_keyrec.c), and a record
 *	too large for libopendkim's reply buffer is answered as "no record"
 *	and noted for the message (dkiml_key_oversized), so that the signature gets
 *	permerror with that reason rather than temperror: a malformed key
 *	record is a permanent error (RFC 6376 section 6.1.2).
 *
 *	Thread safety: all functions may be called from any thread.  Errors
 *	are logged; nothing here aborts the process.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "dkim_keyrec.h"
#include "dkim_lib.h"
#include "log.h"
#include "str.h"

#define DKIML_TTL	300		/* TTL written into built replies */
#define DKIML_TIMEOUT	30		/* libopendkim's own wait limit (s);
					 * the DNS layer's deadlines are
					 * shorter */

/* the state of one lookup between _query_start and _query_cancel */
struct dkiml_query {
	struct dns_query *q;		/* NULL once handed over */
	struct dns_result *res;		/* the result once complete */
	const char *local_err;		/* failed before reaching DNS */
	unsigned char *buf;		/* libopendkim's reply buffer */
	size_t buflen;
	int type;
	char name[DNS_NAME_MAX + 2];
};

struct dkiml_binding {
	struct dns_resolver *r;
	struct dns_budget *budget;
	struct dkiml_keynotes *notes; /* NULL: not noted */
	unsigned long queries;
};

static pthread_once_t dkiml_once = PTHREAD_ONCE_INIT;
static DKIM_LIB *dkiml_handle;
static char dkiml_service[] = "hallmark-dns";	/* opaque service handle */
static __thread struct dkiml_binding dkiml_tls;

/* dkiml_dns_bind - bind resolver, budget and notes to this thread */
void
dkiml_dns_bind(struct dns_resolver *r, struct dns_budget *budget,
    struct dkiml_keynotes *notes)
{
	dkiml_tls.r = r;
	dkiml_tls.budget = budget;
	dkiml_tls.notes = notes;
}

/* dkiml_dns_unbind - forget the binding of this thread */
void
dkiml_dns_unbind(void)
{
	dkiml_tls.r = NULL;
	dkiml_tls.budget = NULL;
	dkiml_tls.notes = NULL;
}

/* dkiml_dns_queries - lookups started by this thread */
unsigned long
dkiml_dns_queries(void)
{
	return dkiml_tls.queries;
}

/* dkiml_query_noted - one more lookup by this thread */
void
dkiml_query_noted(void)
{
	dkiml_tls.queries++;
}

/* dkiml_key_oversized - the key record of qname was noted as too large */
int
dkiml_key_oversized(const struct dkiml_keynotes *kn, const char *qname)
{
	for (unsigned i = 0; kn != NULL && qname != NULL && i < kn->n; i++)
		if (str_casecmp(kn->big[i], qname) == 0)
			return 1;
	return 0;
}

/* dkiml_keynotes_free - forget the notes */
void
dkiml_keynotes_free(struct dkiml_keynotes *kn)
{
	for (unsigned i = 0; kn != NULL && i < kn->n; i++)
		free(kn->big[i]);
	if (kn != NULL)
		kn->n = 0;
}

/* big_note - note an oversized key record of name (no final dot) */
static void
big_note(const char *name)
{
	struct dkiml_keynotes *kn = dkiml_tls.notes;
	size_t n = strlen(name);

	if (kn == NULL || kn->n >= DKIML_NOTES_MAX)
		return;
	if (n > 0 && name[n - 1] == '.')
		n--;
	kn->big[kn->n++] = xstrndup(name, n);
}

/* put16 - write a 16-bit value in network order */
static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* name_encode - qname in wire form at p (at most room bytes); length or 0 */
static size_t
name_encode(unsigned char *p, size_t room, const char *name)
{
	size_t n = strlen(name), pos = 0, start = 0;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n > DNS_NAME_MAX || n + 2 > room)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && name[i] != '.')
			continue;
		size_t lab = i - start;
		if (lab == 0 || lab > 63)
			return 0;
		p[pos++] = (unsigned char)lab;
		memcpy(p + pos, name + start, lab);
		pos += lab;
		start = i + 1;
	}
	p[pos++] = 0;
	return pos;
}

/* rdata_size - bytes of the rdata of rr in wire form */
static size_t
rdata_size(const struct dns_rr *rr)
{
	if (rr->type != DNS_T_TXT)
		return rr->len;
	/* one length byte per started 255-byte string; at least one string */
	return rr->len + (rr->len == 0 ? 1 : (rr->len + 254) / 255);
}

/* rdata_put - write the rdata of rr at p */
static void
rdata_put(unsigned char *p, const struct dns_rr *rr)
{
	size_t off = 0;

	if (rr->type != DNS_T_TXT) {
		memcpy(p, rr->data, rr->len);
		return;
	}
	if (rr->len == 0) {
		*p = 0;
		return;
	}
	while (off < rr->len) {
		size_t chunk = rr->len - off > 255 ? 255 : rr->len - off;
		*p++ = (unsigned char)chunk;
		memcpy(p, rr->data + off, chunk);
		p += chunk;
		off += chunk;
	}
}

/* answers_put - the answer section at buf+pos; new pos or 0 if no room */
static size_t
answers_put(unsigned char *buf, size_t buflen, size_t pos, int qtype,
    const struct dns_result *res)
{
	for (size_t i = 0; i < res->nrr; i++) {
		const struct dns_rr *rr = &res->rr[i];
		size_t rdlen = rdata_size(rr);

		if (rr->type != qtype || (qtype != DNS_T_TXT &&
		    qtype != DNS_T_A && qtype != DNS_T_AAAA))
			return 0;	/* only what a key lookup needs */
		if (rdlen > 65535 || pos + 12 + rdlen > buflen)
			return 0;
		put16(buf + pos, 0xC00C);	/* pointer to the question */
		put16(buf + pos + 2, (unsigned)qtype);
		put16(buf + pos + 4, 1);	/* class IN */
		put16(buf + pos + 6, 0);	/* TTL, high half */
		put16(buf + pos + 8, DKIML_TTL);
		put16(buf + pos + 10, (unsigned)rdlen);
		rdata_put(buf + pos + 12, rr);
		pos += 12 + rdlen;
	}
	return pos;
}

/* dkiml_reply_build - a DNS reply packet for qname/qtype from res */
size_t
dkiml_reply_build(unsigned char *buf, size_t buflen, const char *qname,
    int qtype, const struct dns_result *res)
{
	size_t pos, nl;
	unsigned rcode;

	if (res->status == DNS_OK)
		rcode = 0;
	else if (res->status == DNS_NODATA)
		rcode = 0;
	else if (res->status == DNS_NXDOMAIN)
		rcode = 3;
	else
		return 0;
	if (buflen < 12 || res->nrr > 65535)
		return 0;
	memset(buf, 0, 12);
	put16(buf + 2, 0x8180 | rcode);		/* QR, RD, RA, rcode */
	put16(buf + 4, 1);			/* QDCOUNT */
	put16(buf + 6, res->status == DNS_OK ? (unsigned)res->nrr : 0);
	nl = name_encode(buf + 12, buflen - 12, qname);
	if (nl == 0 || 12 + nl + 4 > buflen)
		return 0;
	pos = 12 + nl;
	put16(buf + pos, (unsigned)qtype);
	put16(buf + pos + 2, 1);
	pos += 4;
	if (res->status != DNS_OK)
		return pos;
	return answers_put(buf, buflen, pos, qtype, res);
}

/* hook_start - libopendkim starts a lookup: submit it to the DNS layer */
static int
hook_start(void *srv, int type, unsigned char *query, unsigned char *buf,
    size_t buflen, void **qh)
{
	struct dkiml_query *dq;
	const char *name = (const char *)query;

	if (query == NULL || buf == NULL || qh == NULL)
		return -1;
	dq = xcalloc(1, sizeof(*dq));
	dq->buf = buf;
	dq->buflen = buflen;
	dq->type = type;
	if (strlen(name) >= sizeof(dq->name))
		dq->local_err = "name too long";
	else
		memcpy(dq->name, name, strlen(name) + 1);
	if (dq->local_err == NULL && dkiml_tls.r == NULL)
		dq->local_err = "no resolver bound";
	if (dq->local_err == NULL) {
		dkiml_tls.queries++;
		dq->q = dns_submit(dkiml_tls.r, dq->name, type,
		    dkiml_tls.budget);
	}
	*qh = dq;
	return 0;
}

/* keys_fixed - a copy of res with PKCS#1 RSA keys as SubjectPublicKeyInfo
 * (dkim_keyrec.h); NULL when no record needed it */
static struct dns_result *
keys_fixed(const struct dns_result *res, const char *name)
{
	struct dns_result *c = NULL;
	char nb[DNS_NAME_MAX + 8];

	for (size_t i = 0; i < res->nrr; i++) {
		const struct dns_rr *rr = &res->rr[i];
		unsigned char *fixed;
		size_t flen;

		if (rr->type != DNS_T_TXT ||
		    !dkimk_pkcs1_fix(rr->data, rr->len, &fixed, &flen))
			continue;
		if (c == NULL) {
			c = xcalloc(1, sizeof(*c));
			c->status = res->status;
			c->secure = res->secure;
			c->nrr = res->nrr;
			c->rr = xcalloc(res->nrr, sizeof(*c->rr));
			for (size_t k = 0; k < res->nrr; k++) {
				c->rr[k] = res->rr[k];
				c->rr[k].data = xmalloc(res->rr[k].len + 1);
				memcpy(c->rr[k].data, res->rr[k].data,
				    res->rr[k].len);
			}
		}
		free(c->rr[i].data);
		c->rr[i].data = fixed;
		c->rr[i].len = flen;
		log_debug("dkim: key record for %s has a PKCS#1 RSA key: read "
			  "as SubjectPublicKeyInfo",
		    LOG_P(nb, name));
	}
	return c;
}

/* reply_build - the reply for dq into its buffer; 0 when it does not fit */
static size_t
reply_build(struct dkiml_query *dq)
{
	struct dns_result *fixed = NULL;
	size_t n;

	if (dq->type == DNS_T_TXT && dq->res->status == DNS_OK)
		fixed = keys_fixed(dq->res, dq->name);
	n = dkiml_reply_build(dq->buf, dq->buflen, dq->name, dq->type,
	    fixed != NULL ? fixed : dq->res);
	dns_result_free(fixed);
	return n;
}

/* rdata_total - bytes of all records of res (for the log) */
static size_t
rdata_total(const struct dns_result *res)
{
	size_t t = 0;

	for (size_t i = 0; i < res->nrr; i++)
		t += res->rr[i].len;
	return t;
}

/* reply_oversized - the key record does not fit libopendkim's buffer:
 * answer "no record", remember why (permerror, dkiml_key_oversized) */
static size_t
reply_oversized(struct dkiml_query *dq)
{
	struct dns_result none = { .status = DNS_NODATA };
	char nb[DNS_NAME_MAX + 8];
	size_t n = dkiml_reply_build(dq->buf, dq->buflen, dq->name, dq->type,
	    &none);

	if (n == 0)
		return 0; /* not a size problem: the name itself */
	log_warn("dkim: key record for %s is %zu bytes, over the %zu bytes "
		 "the verifier reads: not a usable key (permerror)",
	    LOG_P(nb, dq->name), rdata_total(dq->res), dq->buflen);
	big_note(dq->name);
	return n;
}

/* reply_deliver - turn dq->res into libopendkim's answer */
static int
reply_deliver(struct dkiml_query *dq, size_t *bytes, int *error, int *dnssec)
{
	size_t n;
	char nb[DNS_NAME_MAX + 8];

	if (dnssec != NULL)
		*dnssec = dq->res->secure ? DKIM_DNSSEC_SECURE :
		    DKIM_DNSSEC_INSECURE;
	if (dns_is_temp(dq->res->status) || dq->res->status == DNS_ERROR) {
		log_debug("dkim: key lookup %s: %s",
		    LOG_P(nb, dq->name), dns_status_name(dq->res->status));
		if (error != NULL)
			*error = (int)dq->res->status;
		return DKIM_DNS_ERROR;
	}
	n = reply_build(dq);
	if (n == 0 && dq->res->status == DNS_OK && dq->type == DNS_T_TXT)
		n = reply_oversized(dq);
	if (n == 0) {
		log_warn("dkim: key record for %s does not fit a reply",
		    LOG_P(nb, dq->name));
		return DKIM_DNS_ERROR;
	}
	if (bytes != NULL)
		*bytes = n;
	return DKIM_DNS_SUCCESS;
}

/* deadline_after - now (monotonic) + tv */
static void
deadline_after(struct timespec *ts, const struct timeval *tv)
{
	(void)clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += tv->tv_sec;
	ts->tv_nsec += (long)tv->tv_usec * 1000;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* hook_waitreply - wait for a lookup, at most *timeout */
static int
hook_waitreply(void *srv, void *qh, struct timeval *timeout, size_t *bytes,
    int *error, int *dnssec)
{
	struct dkiml_query *dq = qh;
	struct timespec until;

	if (dq == NULL)
		return DKIM_DNS_INVALID;
	if (dq->local_err != NULL) {
		log_warn("dkim: key lookup not started: %s", dq->local_err);
		return DKIM_DNS_ERROR;
	}
	if (dq->res == NULL) {
		if (timeout != NULL) {
			deadline_after(&until, timeout);
		}
		if (dns_wait(dq->q, timeout != NULL ? &until : NULL,
		    &dq->res) == 0)
			return DKIM_DNS_EXPIRED;
		dq->q = NULL;	/* handed over and freed by dns_wait */
	}
	return reply_deliver(dq, bytes, error, dnssec);
}

/* hook_cancel - libopendkim is done with a lookup (answered or not) */
static int
hook_cancel(void *srv, void *qh)
{
	struct dkiml_query *dq = qh;

	if (dq == NULL)
		return DKIM_DNS_INVALID;
	if (dq->q != NULL)
		dns_cancel(dq->q);
	if (dq->res != NULL)
		dns_result_free(dq->res);
	free(dq);
	return DKIM_DNS_SUCCESS;
}

/* hook_close - libopendkim shuts its resolver down: nothing to do, the DNS
 * layer is not ours (dkim_close crashes without this hook) */
static void
hook_close(void *srv)
{
}

/* lib_init - create and configure the handle (once) */
static void
lib_init(void)
{
	DKIM_LIB *lib;
	unsigned int flags = DKIM_LIBFLAGS_BADSIGHANDLES |
	    DKIM_LIBFLAGS_FIXCRLF;
	unsigned int zero = 0;
	unsigned int timeout = DKIML_TIMEOUT;

	lib = dkim_init(NULL, NULL);
	if (lib == NULL) {
		log_err("dkim: dkim_init failed");
		return;
	}
	/* hallmark applies its own key-size policy (RSA only) */
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &zero,
	    sizeof(zero)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_TIMEOUT, &timeout,
	    sizeof(timeout)) != DKIM_STAT_OK)
		log_warn("dkim: could not set libopendkim options");
	(void)dkim_dns_set_query_service(lib, dkiml_service);
	dkim_dns_set_query_start(lib, hook_start);
	dkim_dns_set_query_waitreply(lib, hook_waitreply);
	dkim_dns_set_query_cancel(lib, hook_cancel);
	dkim_dns_set_close(lib, hook_close);
	dkiml_handle = lib;
}

/* dkiml_lib - the process's handle */
DKIM_LIB *
dkiml_lib(void)
{
	(void)pthread_once(&dkiml_once, lib_init);
	return dkiml_handle;
}

/* dkiml_shutdown - close the handle */
void
dkiml_shutdown(void)
{
	if (dkiml_handle != NULL)
		dkim_close(dkiml_handle);
	dkiml_handle = NULL;
}
