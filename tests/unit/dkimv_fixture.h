/*
 * dkimv_fixture.h - fixtures shared by the DKIM verification unit tests
 * (test_dkim_verify.c: the DNS reply builder, the pure policy and signed
 * messages; test_dkim_verify_input.c: bad input and streaming;
 * test_dkim_verify_corpus.c: the interop corpus).  Test code only, linked
 * into those three programs alone: the names are the ones the tests have
 * always used, without a module prefix.
 *
 * Every function fails the running cmocka test (assert_*, fail_msg) instead
 * of returning an error.  What a function returns is the caller's to free
 * (msg_done for a message, free for text, key_free for a key).  Not thread
 * safe: one test at a time.  setup_keys/teardown_keys are a group
 * setup/teardown: the keys K_*, and T_conf serving them (zone_for(NULL)).
 */
#ifndef HALLMARK_DKIMV_FIXTURE_H
#define HALLMARK_DKIMV_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <opendkim/dkim.h>

#include "ctx.h"
#include "logcap.h"
#include "results.h"

/* a test key: private key (PEM) and public key (base64 for p=) */
struct tkey {
	char *pem;		/* private key, PEM */
	char *p;		/* public key, base64 for p= */
	dkim_alg_t alg;
};

/* sign_opts - how sign_msg signs */
struct sign_opts {
	const char *sel, *dom;
	dkim_canon_t hc, bc;
	ssize_t length;		/* -1: whole body, no l= */
	uint64_t fixedtime;	/* 0: now */
	uint64_t ttl;		/* x= = t= + ttl; 0: no x= */
};

/* OPTS - relaxed/simple, d=example.org, s=sel, no l=, now, no x= */
#define OPTS(sel) { sel, "example.org", DKIM_CANON_RELAXED, \
    DKIM_CANON_SIMPLE, -1, 0, 0 }

extern const char MSG[];	/* a plain test message, CRLF */
extern struct conf *T_conf;	/* set up by setup_keys */
extern struct tkey *K_rsa, *K_ed, *K_small, *K_1024;

/* conf_new - default configuration with a static zone as resolver */
struct conf *conf_new(const char *zone);
/* conf_done - free what conf_new made */
void conf_done(struct conf *cf);
/* feed_header - one header line "Name:value" to the module */
void feed_header(struct hm_msg *m, const char *p, size_t n);
/* msg_head - headers and end of headers of a raw CRLF message through the
 * module; *body: where the body starts in raw */
struct hm_msg *
msg_head(struct conf *cf, const char *raw, size_t len, size_t *body);
/* msg_run - a raw CRLF message through the module; body in chunks */
struct hm_msg *msg_run(struct conf *cf, const char *raw, size_t len);
/* msg_done - free the message and its connection */
void msg_done(struct hm_msg *m);
/* expect_sig - result k is r and its reason contains why (NULL: none) */
void expect_sig(const struct hm_msg *m, size_t k, enum res_dkim r,
    const char *why);
/* count_lines - lines of text containing needle */
size_t count_lines(const char *text, const char *needle);
/* key_new - a fresh RSA key of bits bits, or ed25519 when bits == 0 */
struct tkey *key_new(unsigned bits, dkim_alg_t alg);
/* key_free - free a test key */
void key_free(struct tkey *k);
/* sign_feed - feed raw to a libopendkim signing handle */
void sign_feed(DKIM *d, const char *raw, size_t len);
/* sign_msg - raw with a libopendkim DKIM-Signature prepended */
char *sign_msg(const char *raw, const struct tkey *k,
    const struct sign_opts *o);
/* zone_for - a zone publishing the test keys (plus extra lines) */
char *zone_for(const char *extra);
/* setup_keys - group setup: generate the keys, T_conf serving them */
int setup_keys(void **state);
/* teardown_keys - group teardown: free them, shut libopendkim down */
int teardown_keys(void **state);
/* sign_run - sign MSG (or raw) with key k and options, verify; the msg */
struct hm_msg *sign_run(const char *raw, const struct tkey *k,
    const struct sign_opts *o);

#endif
