/*
 * dkim_verkc.c - the key lookup of hallmark's own verifier and its cache
 * of decoded keys (see dkim_verkey.h): a TXT query through the DNS layer,
 * then the record's key from the cache or decoded once and cached.
 *
 * Owns the cache (a fixed array of DKVK_CACHE_MAX references, replaced
 * round-robin when full) and one mutex guarding it and the counters.  A key
 * leaves the cache by dkvk_unref of the cache's reference; the memory goes
 * when the last reference does.  Thread-safe.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h> /* the DKIM_SIGERROR_* codes */

#include "dkim_lib.h"
#include "dkim_verkey.h"
#include "log.h"
#include "str.h"

static pthread_mutex_t kc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dkvk_key *kc_slot[DKVK_CACHE_MAX];
static size_t kc_next;
static unsigned long kc_decoded, kc_hits;

/* dkvk_ref - take a reference */
struct dkvk_key *
dkvk_ref(struct dkvk_key *k)
{
	if (k == NULL)
		return NULL;
	pthread_mutex_lock(&kc_lock);
	k->refs++;
	pthread_mutex_unlock(&kc_lock);
	return k;
}

/* key_free - the memory of a key no one refers to */
static void
key_free(struct dkvk_key *k)
{
	EVP_PKEY_free(k->pk);
	free(k->k);
	free(k->qname);
	free(k->rec);
	free(k);
}

/* dkvk_unref - drop a reference; the last one frees */
void
dkvk_unref(struct dkvk_key *k)
{
	unsigned left;

	if (k == NULL)
		return;
	pthread_mutex_lock(&kc_lock);
	left = --k->refs;
	pthread_mutex_unlock(&kc_lock);
	if (left == 0)
		key_free(k);
}

/* kc_find - a reference to the cached key of (qname, rec), or NULL */
static struct dkvk_key *
kc_find(const char *qname, const unsigned char *rec, size_t len)
{
	struct dkvk_key *hit = NULL;

	pthread_mutex_lock(&kc_lock);
	for (size_t i = 0; i < DKVK_CACHE_MAX && hit == NULL; i++) {
		struct dkvk_key *k = kc_slot[i];

		if (k != NULL && k->reclen == len &&
		    memcmp(k->rec, rec, len) == 0 &&
		    str_casecmp(k->qname, qname) == 0)
			hit = k;
	}
	if (hit != NULL) {
		hit->refs++;
		kc_hits++;
	}
	pthread_mutex_unlock(&kc_lock);
	return hit;
}

/* kc_put - cache k (one more reference), replacing the oldest entry */
static void
kc_put(struct dkvk_key *k)
{
	struct dkvk_key *old;

	pthread_mutex_lock(&kc_lock);
	k->refs++;
	kc_decoded++;
	old = kc_slot[kc_next];
	kc_slot[kc_next] = k;
	kc_next = (kc_next + 1) % DKVK_CACHE_MAX;
	pthread_mutex_unlock(&kc_lock);
	dkvk_unref(old);
}

/* dkvk_cache_stats - see dkim_verkey.h */
void
dkvk_cache_stats(unsigned long *decoded, unsigned long *hits)
{
	pthread_mutex_lock(&kc_lock);
	*decoded = kc_decoded;
	*hits = kc_hits;
	pthread_mutex_unlock(&kc_lock);
}

/* dkvk_cache_clear - see dkim_verkey.h */
void
dkvk_cache_clear(void)
{
	struct dkvk_key *all[DKVK_CACHE_MAX];

	pthread_mutex_lock(&kc_lock);
	memcpy(all, kc_slot, sizeof(all));
	memset(kc_slot, 0, sizeof(kc_slot));
	kc_next = 0;
	kc_decoded = kc_hits = 0;
	pthread_mutex_unlock(&kc_lock);
	for (size_t i = 0; i < DKVK_CACHE_MAX; i++)
		dkvk_unref(all[i]);
}

/* oversized - the answer is larger than libopendkim's reply buffer */
static int
oversized(const char *qname, const struct dns_result *res)
{
	unsigned char *buf = xmalloc(DKVK_REPLY_MAX);
	size_t n = dkiml_reply_build(buf, DKVK_REPLY_MAX, qname, DNS_T_TXT,
	    res);

	free(buf);
	return n == 0;
}

/* oversized_log - say why the key of qname is not used */
static void
oversized_log(const char *qname, const struct dns_result *res)
{
	char nb[DNS_NAME_MAX + 8];

	log_warn("dkim: key record for %s is %zu bytes, over the %d bytes "
		 "the verifier reads: not a usable key (permerror)",
	    LOG_P(nb, qname), res->rr[0].len, DKVK_REPLY_MAX);
}

/* key_of - the key of the one record of res, cached */
static struct dkvk_key *
key_of(const char *qname, const struct dns_result *res)
{
	const struct dns_rr *rr = &res->rr[0];
	struct dkvk_key *k = kc_find(qname, rr->data, rr->len);

	if (k != NULL)
		return k;
	if (oversized(qname, res)) {
		k = xcalloc(1, sizeof(*k));
		k->refs = 1;
		k->oversized = 1;
		k->err = DKIM_SIGERROR_NOKEY;
	} else {
		k = dkvk_parse(rr->data, rr->len);
	}
	k->qname = xstrdup(qname);
	k->rec = xmemdup0(rr->data, rr->len);
	k->reclen = rr->len;
	kc_put(k);
	return k;
}

/* dkvk_lookup - see dkim_verkey.h */
int
dkvk_lookup(struct dns_resolver *r, struct dns_budget *budget, const char *s,
    const char *d, struct dkvk_key **key)
{
	struct dns_result *res;
	char *qname;
	int err = 0;

	*key = NULL;
	qname = xasprintf("%s._domainkey.%s", s, d);
	if (strlen(qname) > DNS_NAME_MAX) {
		free(qname);
		return DKIM_SIGERROR_NOKEY;
	}
	dkiml_query_noted();
	res = dns_lookup(r, qname, DNS_T_TXT, budget);
	if (res->status == DNS_NXDOMAIN || res->status == DNS_NODATA ||
	    (res->status == DNS_OK && res->nrr == 0))
		err = DKIM_SIGERROR_NOKEY;
	else if (res->status != DNS_OK)
		err = DKIM_SIGERROR_KEYFAIL;
	else if (res->nrr > 1)
		err = DKIM_SIGERROR_MULTIREPLY;
	else
		*key = key_of(qname, res);
	if (*key != NULL && (*key)->oversized)
		oversized_log(qname, res);
	dns_result_free(res);
	free(qname);
	return err;
}
