/*
 * dkimv_bench.c - CPU per message of DKIM verification, in process: every
 * message of a DKIM corpus (tests/dkim/corpus with its zone, by default)
 * through the DKIM verify module (header, eoh, body in 64 KB chunks, eom)
 * N times, with hallmark's own verifier and with the libopendkim
 * reference (dkimv_reference), keys served by a dns_static resolver.
 * Prints CPU-µs per message for each and their ratio.
 *
 * Usage: dkimv_bench [-n rounds] [-c corpus-dir] [-z zone-file]
 *	[-o zone-origin]  (tests/bench/make-corpus: -o bench.example)
 * Test code: aborts on any error; nothing is shared between threads.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf_table.h"
#include "ctx.h"
#include "dkim_verify.h"
#include "dkim_verkey.h"
#include "dns.h"
#include "log.h"
#include "module.h"
#include "str.h"

#define BENCH_MSGS 256

struct corpus {
	char *raw[BENCH_MSGS];
	size_t len[BENCH_MSGS];
	size_t n;
};

/* slurp - a whole file, or NULL */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct str s;
	char buf[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	str_init(&s);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		str_addn(&s, buf, n);
	fclose(f);
	*len = s.len;
	return str_steal(&s);
}

/* zone_load - the TXT lines of a master file (names relative to origin)
 * in dns_static form */
static char *
zone_load(const char *path, const char *origin)
{
	FILE *f = fopen(path, "r");
	char line[8192], name[256];
	struct str z;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	str_init(&z);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *t = strstr(line, " IN TXT ");

		if (line[0] == ';' || line[0] == '$' || t == NULL ||
		    sscanf(line, "%255s", name) != 1)
			continue;
		str_addf(&z, "%s.%s TXT %s", name, origin, t + 8);
	}
	fclose(f);
	return str_steal(&z);
}

/* corpus_load - the .eml files of dir */
static void
corpus_load(const char *dir, struct corpus *c)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[1024];

	if (d == NULL) {
		perror(dir);
		exit(2);
	}
	while ((e = readdir(d)) != NULL && c->n < BENCH_MSGS) {
		size_t nl = strlen(e->d_name);

		if (nl < 5 || strcmp(e->d_name + nl - 4, ".eml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		c->raw[c->n] = slurp(path, &c->len[c->n]);
		if (c->raw[c->n] != NULL)
			c->n++;
	}
	closedir(d);
}

/* header - one "Name:value" field to the module, folds as LF */
static void
header(struct hm_msg *m, const char *p, size_t n)
{
	const char *colon = memchr(p, ':', n);
	size_t nl = colon != NULL ? (size_t)(colon - p) : n;
	struct hm_header h;
	char *w;

	h.name = xstrndup(p, nl);
	h.value = colon != NULL ? xstrndup(colon + 1, n - nl - 1) : xstrdup("");
	w = h.value;
	for (const char *r = h.value; *r != '\0'; r++)
		if (!(r[0] == '\r' && r[1] == '\n'))
			*w++ = *r;
	*w = '\0';
	(void)dkimv_module.header(m, &h);
	free(h.name);
	free(h.value);
}

/* one - a raw CRLF message through the module */
static void
one(struct conf *cf, const char *raw, size_t len)
{
	struct hm_conn *c = ctx_conn_new(cf);
	struct hm_msg *m = ctx_msg_new(c);
	size_t i = 0, start = 0;

	c->hdr_leadspc = 1;
	dns_budget_init(&m->budget, cf->resolver, 5000);
	while (i + 1 < len) {
		if (raw[i] == '\r' && raw[i + 1] == '\n') {
			if (i == start)
				break;
			if (i + 2 < len &&
			    (raw[i + 2] == ' ' || raw[i + 2] == '\t')) {
				i += 2;
				continue;
			}
			header(m, raw + start, i - start);
			start = i += 2;
			continue;
		}
		i++;
	}
	(void)dkimv_module.eoh(m);
	for (i += 2; i < len; i += 65536)
		(void)dkimv_module.body(m, (const unsigned char *)raw + i,
		    len - i > 65536 ? 65536 : len - i);
	(void)dkimv_module.eom(m);
	ctx_conn_free(c);
}

/* cpu_us - CPU time of the process in µs */
static double
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* measure - CPU-µs per message over rounds of the corpus */
static double
measure(struct conf *cf, const struct corpus *c, int rounds, int ref)
{
	double t0;

	dkimv_reference = ref;
	for (size_t k = 0; k < c->n; k++) /* warm: keys, caches */
		one(cf, c->raw[k], c->len[k]);
	t0 = cpu_us();
	for (int r = 0; r < rounds; r++)
		for (size_t k = 0; k < c->n; k++)
			one(cf, c->raw[k], c->len[k]);
	return (cpu_us() - t0) / ((double)rounds * (double)c->n);
}

int
main(int argc, char **argv)
{
	const char *dir = "tests/dkim/corpus", *origin = "dkim.example";
	const char *zf = "tests/zones/dkim.example.zone";
	static struct corpus c;
	struct conf_err e;
	struct conf *cf;
	char err[256], *zone;
	int rounds = 50, opt;
	double own, ref;
	unsigned long decoded, hits;

	while ((opt = getopt(argc, argv, "n:c:z:o:")) != -1) {
		if (opt == 'n')
			rounds = (int)strtol(optarg, NULL, 10);
		else if (opt == 'c')
			dir = optarg;
		else if (opt == 'z')
			zf = optarg;
		else if (opt == 'o')
			origin = optarg;
		else
			return 2;
	}
	log_init("dkimv_bench", 0, "mail", LOG_LVL_ERR);
	cf = conf_load_string("", 1, &e);
	zone = zone_load(zf, origin);
	cf->resolver = dns_static_new(zone, err, sizeof(err));
	corpus_load(dir, &c);
	if (cf->resolver == NULL || c.n == 0 || rounds < 1) {
		fprintf(stderr, "dkimv_bench: no corpus or zone (%s)\n", err);
		return 2;
	}
	own = measure(cf, &c, rounds, 0);
	ref = measure(cf, &c, rounds, 1);
	printf("messages %zu x %d rounds\n", c.n, rounds);
	printf("own verifier        %8.1f CPU-us/message\n", own);
	printf("libopendkim (ref)   %8.1f CPU-us/message\n", ref);
	printf("own / reference     %8.2f\n", own / ref);
	dkvk_cache_stats(&decoded, &hits);
	printf("own: keys decoded %lu, key cache hits %lu\n", decoded, hits);
	return 0;
}
