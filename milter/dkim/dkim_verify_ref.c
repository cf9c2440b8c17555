/*
 * dkim_verify_ref.c - the reference DKIM verifier of the "dkimv" module:
 * one libopendkim verify handle per message, every signature evaluated,
 * hallmark's own policy on top of libopendkim's cryptographic verdict.
 * hallmarkd verifies with its own verifier (dkim_ver.c); this one is
 * chosen by dkimv_reference (dkim_verify.h) in the differential tests.
 *
 * SYNOPSIS
 *	extern const struct dkimv_engine dkimv_ref_engine;
 *
 * DESCRIPTION
 *	Owns struct dkimv_state in msg->mod[MOD_DKIMV] (the block is
 *	allocated and freed by ctx.c): the DKIM handle and counters, started
 *	at the first header; dkimv_msg_free releases what it points to and
 *	the DKIM results (msg->dkim) this module recorded, however the
 *	transaction ended.  init (each configuration load) refuses to start
 *	when libopendkim cannot.  Headers are passed to
 *	libopendkim one by one and the body chunk by chunk (libopendkim hashes
 *	as it goes), so memory does not grow with the body.
 *
 *	libopendkim 2.11 verifies the cryptography and parses tags; the rules
 *	it does not enforce are applied by dkimpol_decide() (dkim_policy.c,
 *	pure) to the facts collected here.
 *
 *	Errors: a libopendkim failure on one message is logged with the queue
 *	id and gives that message temperror/permerror results, never a crash.
 *	Thread safety: state is per message; the DKIM_LIB is shared
 *	(dkim_lib.c).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

#include "authres.h"
#include "conf_check.h"
#include "conf_table.h"
#include "ctx.h"
#include "dkim_action.h"
#include "dkim_canon.h"
#include "dkim_lib.h"
#include "dkim_policy.h"
#include "dkim_verify.h"
#include "dkim_verify_int.h"
#include "log.h"
#include "str.h"

#define DKIMV_HUGE_MAX 8
/* longest body line (bytes without CR or LF) handed to libopendkim when a
 * signature canonicalises the body relaxed: libopendkim keeps the current
 * word of a line in memory, so a body without line breaks would be kept
 * whole */
#define DKIMV_LINE_MAX (1024 * 1024)
#define DKIMV_TRACK_MAX 64 /* the highest max_signatures */

/* per-message state in msg->mod[MOD_DKIMV] */
struct dkimv_state {
	int started;  /* state_get ran */
	DKIM *dkim;   /* NULL: nothing (more) to verify */
	long cap;     /* max_signatures of the message's config */
	int eoh_done; /* dkim_eoh was called */
	int nosig;    /* eoh found no signature */
	int broken;   /* libopendkim failed: stat below */
	DKIM_STAT stat;
	unsigned nsighdr;	    /* DKIM-Signature headers seen */
	unsigned oversized;	    /* DKIM-Signature headers not passed on */
	unsigned ignored;	    /* signatures beyond the cap */
	unsigned nrefused;	    /* signatures libopendkim could not parse */
	char *huge[DKIMV_HUGE_MAX]; /* names of headers over
					 * DKIMPOL_LIB_HDR_MAX, lower case */
	size_t nhuge;
	int huge_many; /* more of them than huge[] holds */
	/* signatures with l=: the whole body's canonical length, per body
	 * canonicalisation (simple, relaxed), to tell whether content
	 * follows the signed part (libopendkim counts raw bytes only) */
	struct canon_body *blen[2];
	long long blen_total[2]; /* after eom; -1: not counted */
	/* DKIM-Signature headers passed to libopendkim (its signature list
	 * keeps their order), and which of them repeat a tag */
	unsigned npassed;
	unsigned char dup_tag[DKIMV_TRACK_MAX];
	struct dkiml_keynotes keynotes; /* key records too large to read */
	int relaxed_body; /* a signature canonicalises the body relaxed */
	size_t linelen;	  /* bytes since the last CR or LF */
	int body_cut;	  /* a line over DKIMV_LINE_MAX: the rest of
				 * the body was not passed on */
};

static pthread_once_t dkimv_once = PTHREAD_ONCE_INIT;

/* prescreen - libopendkim lists the signatures: ignore those beyond cap */
static DKIM_CBSTAT
prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
	struct dkimv_state *st = dkim_get_user_context(dkim);

	if (st == NULL)
		return DKIM_CBSTAT_CONTINUE;
	for (int k = 0; k < nsigs; k++) {
		if (k >= st->cap) {
			dkim_sig_ignore(sigs[k]);
			st->ignored++;
		}
	}
	return DKIM_CBSTAT_CONTINUE;
}

/* module_init - register the prescreen callback on the shared library */
static void
module_init(void)
{
	DKIM_LIB *lib = dkiml_lib();

	if (lib != NULL)
		(void)dkim_set_prescreen(lib, prescreen);
}

/* ---- the module ------------------------------------------------------ */

/* state_get - the message's state, created on first use */
static struct dkimv_state *
state_get(struct hm_msg *m)
{
	struct dkimv_state *st = m->mod[MOD_DKIMV];
	DKIM_LIB *lib;
	DKIM_STAT stat = DKIM_STAT_OK;

	if (st->started)
		return st;
	(void)pthread_once(&dkimv_once, module_init);
	st->started = 1;
	st->cap = m->conf->dkim_verify.max_signatures;
	st->blen_total[0] = st->blen_total[1] = -1;
	lib = dkiml_lib();
	if (lib != NULL)
		st->dkim = dkim_verify(lib, (const unsigned char *)m->qid, NULL,
		    &stat);
	if (st->dkim == NULL) {
		st->broken = 1;
		st->stat = lib == NULL ? DKIM_STAT_INTERNAL : stat;
		log_qid(LOG_LVL_WARN, m->qid, "dkim: cannot start verify: %s",
		    dkim_getresultstr(st->stat));
		return st;
	}
	(void)dkim_set_user_context(st->dkim, st);
	return st;
}

/* state_drop - stop verifying: free the handle, keep the counters */
static void
state_drop(struct dkimv_state *st)
{
	if (st->dkim != NULL)
		(void)dkim_free(st->dkim);
	st->dkim = NULL;
}

/* lib_failed - libopendkim refused input: log, remember, stop */
static void
lib_failed(struct hm_msg *m, struct dkimv_state *st, const char *where,
    DKIM_STAT stat)
{
	char eb[256];
	const char *e = st->dkim != NULL ? dkim_geterror(st->dkim) : NULL;

	log_qid(LOG_LVL_WARN, m->qid, "dkim: %s: %s%s%s", where,
	    dkim_getresultstr(stat), e != NULL ? ": " : "",
	    e != NULL ? LOG_P(eb, e) : "");
	st->broken = 1;
	st->stat = stat;
	state_drop(st);
}

/* is_sighdr - the header is a DKIM-Signature */
static int
is_sighdr(const char *name)
{
	return str_casecmp(name, DKIM_SIGNHEADER) == 0;
}

/* add_crlf - append v with folding line ends as CRLF: MTAs (Postfix)
 * hand folded header values to milters with bare LFs, and libopendkim
 * fixes bare LFs in the body only */
static void
add_crlf(struct str *b, const char *v)
{
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '\n' && (p == v || p[-1] != '\r'))
			str_addc(b, '\r');
		str_addc(b, *p);
	}
}

/* huge_note - remember a header too long for libopendkim's canonicaliser */
static void
huge_note(struct hm_msg *m, struct dkimv_state *st, const char *name,
    size_t len)
{
	char nb[80];

	log_qid(LOG_LVL_WARN, m->qid,
	    "dkim: header %s of %zu bytes: "
	    "signatures covering it get permerror",
	    LOG_P(nb, name), len);
	for (size_t k = 0; k < st->nhuge; k++)
		if (str_casecmp(st->huge[k], name) == 0)
			return;
	if (st->nhuge == DKIMV_HUGE_MAX) {
		st->huge_many = 1;
		return;
	}
	st->huge[st->nhuge++] = xstrdup(name);
}

/* huge_signed - h= covers a header that was too long */
static int
huge_signed(const struct dkimv_state *st, const char *h)
{
	if (st->huge_many)
		return 1;
	for (size_t k = 0; k < st->nhuge; k++)
		if (dkimpol_h_has(h, st->huge[k]))
			return 1;
	return 0;
}

/* sig_refused - libopendkim could not parse a DKIM-Signature: it keeps it
 * in its list (DKIM_LIBFLAGS_BADSIGHANDLES) with the error, so it gets
 * its permerror at eom; the other signatures are still verified */
static void
sig_refused(struct hm_msg *m, struct dkimv_state *st)
{
	const char *e = dkim_geterror(st->dkim);
	char eb[120];

	if (++st->nrefused > (unsigned)st->cap)
		return; /* no log flood: the cap's worth is enough */
	log_qid(LOG_LVL_WARN, m->qid, "dkim: malformed DKIM-Signature: %s",
	    e != NULL ? LOG_P(eb, e) : "?");
}

/* dkimv_header - pass one header to libopendkim as "Name: value" */
static int
dkimv_header(struct hm_msg *m, const struct hm_header *h)
{
	struct dkimv_state *st;
	struct str line;
	DKIM_STAT stat;
	const char *v = h->value != NULL ? h->value : "";

	if (!m->conf->dkim_verify.enable)
		return HM_OK;
	st = state_get(m);
	if (is_sighdr(h->name)) {
		st->nsighdr++;
		if (strlen(v) >
		    (size_t)m->conf->dkim_verify.max_signature_bytes) {
			st->oversized++;
			log_qid(LOG_LVL_WARN, m->qid,
			    "dkim: DKIM-Signature of "
			    "%zu bytes not evaluated",
			    strlen(v));
			return HM_OK;
		}
	}
	if (st->dkim == NULL)
		return HM_OK;
	if (is_sighdr(h->name) && st->npassed++ < DKIMV_TRACK_MAX)
		st->dup_tag[st->npassed - 1] = (unsigned char)
		    dkimpol_dup_tag(v);
	str_init(&line);
	str_add(&line, h->name);
	/* without SMFIP_HDR_LEADSPC the MTA stripped a space after the
	 * colon: put it back (a guess); with it, v is exact */
	if (m->conn->hdr_leadspc)
		str_addc(&line, ':');
	else
		str_add(&line, (v[0] == ' ' || v[0] == '\t') ? ":" : ": ");
	add_crlf(&line, v);
	if (line.len > DKIMPOL_LIB_HDR_MAX)
		huge_note(m, st, h->name, line.len);
	stat = dkim_header(st->dkim, (u_char *)line.s, line.len);
	str_free(&line);
	if (stat == DKIM_STAT_SYNTAX && is_sighdr(h->name))
		sig_refused(m, st);
	else if (stat != DKIM_STAT_OK)
		lib_failed(m, st, "header", stat);
	return HM_OK;
}

/* relaxed_setup - note whether a signature canonicalises the body relaxed
 * (the form in which libopendkim keeps a line's current word in memory) */
static void
relaxed_setup(struct dkimv_state *st)
{
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0;
	dkim_canon_t hc, bc;

	if (dkim_getsiglist(st->dkim, &sigs, &nsigs) != DKIM_STAT_OK)
		return;
	for (int k = 0; k < nsigs; k++)
		if (dkim_sig_getcanons(sigs[k], &hc, &bc) == DKIM_STAT_OK &&
		    bc == DKIM_CANON_RELAXED)
			st->relaxed_body = 1;
}

/* blen_setup - a signature has l=: count the canonical body length in
 * its body canonicalisation */
static void
blen_setup(struct dkimv_state *st)
{
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0;

	if (dkim_getsiglist(st->dkim, &sigs, &nsigs) != DKIM_STAT_OK)
		return;
	for (int k = 0; k < nsigs; k++) {
		dkim_canon_t hc, bc;
		int r;

		if (dkim_sig_gettagvalue(sigs[k], 0, (u_char *)"l") == NULL ||
		    dkim_sig_getcanons(sigs[k], &hc, &bc) != DKIM_STAT_OK)
			continue;
		r = bc == DKIM_CANON_RELAXED;
		if (st->blen[r] == NULL)
			st->blen[r] = canon_body_new(r ? CANON_RELAXED :
							 CANON_SIMPLE);
	}
}

/* blen_finish - the counted canonical body lengths; counters freed */
static void
blen_finish(struct dkimv_state *st)
{
	unsigned char digest[CANON_DIGEST_LEN];

	for (int r = 0; r < 2; r++) {
		if (st->blen[r] == NULL)
			continue;
		if (canon_body_final(st->blen[r], digest) == 0)
			st->blen_total[r] = (long long)
			    canon_body_length(st->blen[r]);
		canon_body_free(st->blen[r]);
		st->blen[r] = NULL;
	}
}

/* dkimv_eoh - end of headers: libopendkim lists the signatures */
static int
dkimv_eoh(struct hm_msg *m)
{
	struct dkimv_state *st;
	DKIM_STAT stat;

	if (!m->conf->dkim_verify.enable)
		return HM_OK;
	st = state_get(m);
	if (st->dkim == NULL || st->eoh_done)
		return HM_OK;
	st->eoh_done = 1;
	dkiml_dns_bind(m->conf->resolver, &m->budget, &st->keynotes);
	stat = dkim_eoh(st->dkim);
	dkiml_dns_unbind();
	if (stat == DKIM_STAT_NOSIG) {
		st->nosig = 1;
		state_drop(st);
	} else if (stat != DKIM_STAT_OK) {
		lib_failed(m, st, "end of headers", stat);
	} else {
		blen_setup(st);
		relaxed_setup(st);
	}
	return HM_OK;
}

/* line_run - the longest run of bytes without CR or LF that p[0..n)
 * reaches, counting the run the previous chunks left open */
static size_t
line_run(struct dkimv_state *st, const unsigned char *p, size_t n)
{
	size_t max = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r' || p[i] == '\n')
			st->linelen = 0;
		else if (++st->linelen > max)
			max = st->linelen;
	}
	return max;
}

/* dkimv_body - one body chunk, hashed at once (never kept) */
static int
dkimv_body(struct hm_msg *m, const unsigned char *p, size_t n)
{
	struct dkimv_state *st = m->mod[MOD_DKIMV];
	DKIM_STAT stat;

	if (st->dkim == NULL || n == 0)
		return HM_OK;
	if (!st->body_cut && st->relaxed_body &&
	    line_run(st, p, n) > DKIMV_LINE_MAX) {
		st->body_cut = 1;
		log_qid(LOG_LVL_WARN, m->qid,
		    "dkim: body line over %d "
		    "bytes: signatures not verified (permerror)",
		    DKIMV_LINE_MAX);
	}
	if (!st->body_cut) {
		stat = dkim_body(st->dkim, (u_char *)p, n);
		if (stat != DKIM_STAT_OK)
			lib_failed(m, st, "body", stat);
	}
	for (int r = 0; r < 2; r++)
		if (st->blen[r] != NULL)
			canon_body_update(st->blen[r], p, n);
	return HM_OK;
}

/* tag_dup - a signature tag value, copied; NULL when absent */
static char *
tag_dup(DKIM_SIGINFO *sig, const char *tag)
{
	u_char *v = dkim_sig_gettagvalue(sig, 0, (u_char *)tag);

	return v != NULL ? xstrdup((const char *)v) : NULL;
}

/* facts_get - collect what libopendkim (and blen_*) know about sig */
static void
facts_get(const struct dkimv_state *st, DKIM_SIGINFO *sig,
    struct dkimpol_facts *f)
{
	DKIM *dkim = st->dkim;
	dkim_canon_t hc, bc;
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;
	unsigned int bits = 0;
	ssize_t msglen = -1, canonlen = -1, signlen = -1;

	memset(f, 0, sizeof(*f));
	f->sigerror = dkim_sig_geterror(sig);
	f->liberr = dkim_sig_geterrorstr(f->sigerror);
	f->flags = dkim_sig_getflags(sig);
	f->bhres = dkim_sig_getbh(sig);
	if (dkim_sig_getsignalg(sig, &alg) != DKIM_STAT_OK)
		alg = DKIM_SIGN_UNKNOWN;
	f->alg = alg;
	if (dkim_sig_getkeysize(sig, &bits) == DKIM_STAT_OK)
		f->keybits = bits;
	if (dkim_sig_getcanonlen(dkim, sig, &msglen, &canonlen, &signlen) !=
	    DKIM_STAT_OK)
		msglen = signlen = -1;
	/* l=: compare with the canonical length of the whole body */
	if (signlen >= 0 && dkim_sig_getcanons(sig, &hc, &bc) == DKIM_STAT_OK &&
	    st->blen_total[bc == DKIM_CANON_RELAXED] >= 0)
		msglen = (ssize_t)st->blen_total[bc == DKIM_CANON_RELAXED];
	f->msglen = msglen;
	f->signlen = signlen;
	if (dkim_sig_gettagvalue(sig, 1, (u_char *)"p") != NULL) {
		f->key_k = (const char *)dkim_sig_gettagvalue(sig, 1,
		    (u_char *)"k");
		if (f->key_k == NULL)
			f->key_k = "rsa";
	}
}

/* key_oversized - the key record of s= and d= was too large to read */
static int
key_oversized(const struct dkimv_state *st, const char *s, const char *d)
{
	char *q;
	int r;

	if (s == NULL || d == NULL)
		return 0;
	q = xasprintf("%s._domainkey.%s", s, d);
	r = dkiml_key_oversized(&st->keynotes, q);
	free(q);
	return r;
}

/* sig_evaluate - result, A-R entry and log line for one signature */
static void
sig_evaluate(struct hm_msg *m, const struct dkimv_state *st, DKIM_SIGINFO *sig,
    int k, time_t now)
{
	struct dkimpol_facts f;
	struct dkimv_tags t;

	facts_get(st, sig, &f);
	f.dup_tag = k < DKIMV_TRACK_MAX && st->dup_tag[k];
	t.d = tag_dup(sig, "d");
	t.s = tag_dup(sig, "s");
	t.i = tag_dup(sig, "i");
	t.a = tag_dup(sig, "a");
	t.b = tag_dup(sig, "b");
	f.d = t.d;
	f.i = t.i;
	f.h = tag_dup(sig, "h");
	f.t = tag_dup(sig, "t");
	f.x = tag_dup(sig, "x");
	f.b = t.b;
	f.bh = tag_dup(sig, "bh");
	f.huge_signed = huge_signed(st, f.h);
	f.key_oversized = key_oversized(st, t.s, t.d);
	f.body_cut = st->body_cut;
	dkimv_result(m, &f, &t, now);
	if (f.sigerror > 0 && f.liberr != NULL)
		log_qid(LOG_LVL_DEBUG, m->qid, "dkim: libopendkim: %s",
		    f.liberr);
	free((char *)f.h);
	free((char *)f.t);
	free((char *)f.x);
	free((char *)f.bh);
	free(t.b);
}

/* eom_broken - libopendkim failed on this message */
static void
eom_broken(struct hm_msg *m, struct dkimv_state *st)
{
	if (st->stat == DKIM_STAT_NORESOURCE || st->stat == DKIM_STAT_INTERNAL)
		dkimv_plain(m, RES_DKIM_TEMPERROR, "verifier out of resources");
	else
		dkimv_plain(m, RES_DKIM_PERMERROR, "malformed signature");
}

/* eom_sigs - evaluate the signatures libopendkim listed */
static void
eom_sigs(struct hm_msg *m, struct dkimv_state *st)
{
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0, done = 0;
	time_t now = time(NULL);
	char why[80];

	if (dkim_getsiglist(st->dkim, &sigs, &nsigs) != DKIM_STAT_OK)
		nsigs = 0;
	for (int k = 0; k < nsigs; k++) {
		if ((dkim_sig_getflags(sigs[k]) & DKIM_SIGFLAG_IGNORE) != 0)
			continue;
		sig_evaluate(m, st, sigs[k], k, now);
		done++;
	}
	if (st->ignored > 0) {
		snprintf(why, sizeof(why), "%u more signatures not evaluated",
		    st->ignored);
		dkimv_plain(m, RES_DKIM_NEUTRAL, why);
	}
	if (done == 0 && st->ignored == 0)
		dkimv_plain(m, RES_DKIM_PERMERROR, "malformed signature");
}

/* dkimv_eom - verify: fetch keys, check every signature, record results */
static int
dkimv_eom(struct hm_msg *m)
{
	struct dkimv_state *st;
	DKIM_STAT stat;
	_Bool testkey = 0;
	char why[80];

	(void)dkimv_eoh(m); /* no-op unless the MTA skipped it */
	st = state_get(m);
	if (st->oversized > 0) {
		snprintf(why, sizeof(why),
		    "%u oversized signatures not "
		    "evaluated",
		    st->oversized);
		dkimv_plain(m, RES_DKIM_PERMERROR, why);
	}
	if (st->dkim != NULL) {
		dkiml_dns_bind(m->conf->resolver, &m->budget, &st->keynotes);
		stat = dkim_eom(st->dkim, &testkey);
		dkiml_dns_unbind();
		(void)stat; /* per-signature results come from the list */
		blen_finish(st);
		eom_sigs(m, st);
	} else if (st->broken) {
		eom_broken(m, st);
	} else if (st->oversized == 0) {
		dkimv_plain(m, RES_DKIM_NONE, NULL);
	}
	state_drop(st);
	return HM_OK;
}

/* dkimv_msg_free - the handle, what the state points to, the results;
 * however the message ended (safe to call twice) */
static void
dkimv_msg_free(struct hm_msg *m)
{
	struct dkimv_state *st = m->mod[MOD_DKIMV];

	if (st == NULL)
		return;
	state_drop(st);
	for (size_t k = 0; k < st->nhuge; k++)
		free(st->huge[k]);
	st->nhuge = 0;
	for (int r = 0; r < 2; r++) {
		canon_body_free(st->blen[r]);
		st->blen[r] = NULL;
	}
	dkiml_keynotes_free(&st->keynotes);
}

/* dkimv_init - a configuration is loaded: libopendkim must start */
static int
dkimv_init(struct conf *c, struct conf_err *e)
{
	(void)c;
	(void)pthread_once(&dkimv_once, module_init);
	if (dkiml_lib() == NULL) {
		conf_err_set(e, NULL, "dkim_verify: libopendkim cannot start");
		return -1;
	}
	return 0;
}

_Static_assert(sizeof(struct dkimv_state) <= DKIMV_STATE_MAX,
    "the reference verifier's state fits the module's block");

const struct dkimv_engine dkimv_ref_engine = {
	.init = dkimv_init,
	.header = dkimv_header,
	.eoh = dkimv_eoh,
	.body = dkimv_body,
	.eom = dkimv_eom,
	.msg_free = dkimv_msg_free,
};
