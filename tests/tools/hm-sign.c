/*
 * hm-sign.c - test tool: sign a message file with hallmark's signer.
 *
 *   hm-sign -k KEYFILE -d DOMAIN -s SELECTOR [-c hdr/body] [-t TIME]
 *           [-x SECONDS] [-n COUNT] [FILE]
 *
 * Reads the message (CRLF or LF line ends) from FILE or standard input,
 * writes it to standard output with a DKIM-Signature field prepended,
 * folded with the message's own line ends.  -n COUNT signs COUNT times and
 * prints the time per signature to standard error (benchmark).  Exit 0,
 * or 1 with a message on error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "dkim_canon.h"
#include "dkim_sigbuild.h"
#include "keyfile.h"
#include "keytable.h"
#include "str.h"

/* read_all - the whole stream */
static char *
read_all(FILE *f, size_t *len)
{
	struct str b;
	char buf[65536];
	size_t n;
	char *r;

	str_init(&b);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		str_addn(&b, buf, n);
	*len = b.len;
	r = xmalloc(b.len + 1);
	memcpy(r, b.s, b.len + 1);
	str_free(&b);
	return r;
}

/* parse_headers - split the header block; returns the body offset */
static size_t
parse_headers(char *msg, size_t len, struct hm_header **hv, size_t *nh)
{
	size_t p = 0, cap = 0, e, vs;
	char *colon;

	*hv = NULL;
	*nh = 0;
	while (p < len) {
		if (msg[p] == '\n')
			return p + 1;
		if (msg[p] == '\r' && p + 1 < len && msg[p + 1] == '\n')
			return p + 2;
		/* field ends at a line end not followed by WSP */
		for (e = p; e < len; e++)
			if (msg[e] == '\n' && (e + 1 >= len ||
			    (msg[e + 1] != ' ' && msg[e + 1] != '\t')))
				break;
		colon = memchr(msg + p, ':', e - p);
		if (colon == NULL)
			return p;	/* not a header: body starts */
		if (*nh == cap) {
			cap = cap ? cap * 2 : 16;
			*hv = xrealloc(*hv, cap * sizeof(**hv));
		}
		(*hv)[*nh].name = xstrndup(msg + p, (size_t)(colon - msg - p));
		vs = (size_t)(colon - msg) + 1;	/* verbatim value */
		{
			size_t ve = e;

			if (ve > vs && msg[ve - 1] == '\r')
				ve--;
			(*hv)[*nh].value = xstrndup(msg + vs, ve > vs ? ve - vs : 0);
		}
		(*nh)++;
		p = e + 1;
	}
	return len;
}

static void
usage(void)
{
	fprintf(stderr, "usage: hm-sign -k KEYFILE -d DOMAIN -s SELECTOR "
	    "[-c relaxed/relaxed] [-t TIME] [-x SECONDS] [-n COUNT] [FILE]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	const char *keyfile = NULL, *dom = NULL, *sel = NULL, *canon = NULL;
	struct keytab_key k;
	struct dkims_opts o;
	struct hm_header *hv;
	struct canon_body *cb;
	unsigned char bh[CANON_DIGEST_LEN];
	char err[512], *msg, *sig = NULL, *slash;
	size_t len, nh, boff, i;
	long count = 1;
	int c;
	FILE *in = stdin;

	memset(&o, 0, sizeof(o));
	o.hcanon = o.bcanon = CANON_RELAXED;
	o.t = time(NULL);
	while ((c = getopt(argc, argv, "k:d:s:c:t:x:n:")) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case 'd': dom = optarg; break;
		case 's': sel = optarg; break;
		case 'c': canon = optarg; break;
		case 't': o.t = strtoll(optarg, NULL, 10); break;
		case 'x': o.expire = strtol(optarg, NULL, 10); break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (keyfile == NULL || dom == NULL || sel == NULL || count < 1)
		usage();
	if (canon != NULL) {
		char *cc = xstrdup(canon);

		slash = strchr(cc, '/');
		if (slash != NULL)
			*slash++ = '\0';
		if (canon_parse(cc, &o.hcanon) < 0 || canon_parse(slash ?
		    slash : "simple", &o.bcanon) < 0)
			usage();
		free(cc);
	}
	if (optind < argc && (in = fopen(argv[optind], "r")) == NULL) {
		perror(argv[optind]);
		return 1;
	}
	memset(&k, 0, sizeof(k));
	k.name = "cli";
	k.domain = (char *)dom;
	k.selector = (char *)sel;
	if (keyfile_load(keyfile, &k.pkey, err, sizeof(err)) < 0) {
		fprintf(stderr, "hm-sign: %s\n", err);
		return 1;
	}
	k.alg = EVP_PKEY_is_a(k.pkey, "ED25519") ? KEYTAB_ALG_ED25519_SHA256 :
	    KEYTAB_ALG_RSA_SHA256;
	msg = read_all(in, &len);
	boff = parse_headers(msg, len, &hv, &nh);
	o.sign_headers = (char *const *)dkims_default_headers;
	{
		static char *const over[] = { "from", NULL };

		o.oversign = over;
	}
	o.values_exact = 1;
	o.eol = (boff >= 2 && msg[boff - 2] == '\r') ? "\r\n" : "\n";
	{
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < (size_t)count; i++) {
			free(sig);
			cb = canon_body_new(o.bcanon);
			canon_body_update(cb, (unsigned char *)msg + boff,
			    len - boff);
			if (canon_body_final(cb, bh) < 0)
				return 1;
			canon_body_free(cb);
			sig = dkims_sign(&k, &o, hv, nh, bh, err, sizeof(err));
			if (sig == NULL) {
				fprintf(stderr, "hm-sign: %s\n", err);
				return 1;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (count > 1)
			fprintf(stderr, "%s: %.1f us per message\n",
			    keytab_alg_name(k.alg),
			    ((t1.tv_sec - t0.tv_sec) * 1e9 +
			    (t1.tv_nsec - t0.tv_nsec)) / 1e3 / count);
	}
	printf("%s: %s%s", DKIMS_HDR_NAME, sig, o.eol);
	fwrite(msg, 1, len, stdout);
	for (i = 0; i < nh; i++) {
		free(hv[i].name);
		free(hv[i].value);
	}
	free(hv);
	free(sig);
	free(msg);
	EVP_PKEY_free(k.pkey);
	return 0;
}
