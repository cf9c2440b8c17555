/*
 * test_dkim_verify_corpus.c - unit tests of DKIM verification (dkim_verify.c)
 * with the interop corpus (tests/dkim/corpus, made by python3-dkim and
 * Mail::DKIM) checked against its MANIFEST, and a corpus signed now by the
 * installed signers (tests/dkim/make-corpus).  Every message goes through
 * both verifiers, hallmark's own and the libopendkim reference
 * (dkimv_reference), and their results (result, reason, d=, s=, i=, a=,
 * b=, testing) and A-R entries must be the same: on this corpus there is
 * no known difference (README, "DKIM verification", lists those the fuzz
 * target fuzz_dkim_diff accepts).  Fixtures: dkimv_fixture.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "authres.h"
#include "conf_table.h"
#include "ctx.h"
#include "dkim_lib.h"
#include "dkim_verify.h"
#include "dns.h"
#include "str.h"
#include "dkimv_fixture.h"

/* ---- the interop corpus --------------------------------------------- */

/* zone_to_static - the TXT lines of a master file (origin dkim.example)
 * in dns_static form */
static char *
zone_to_static(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192], name[256], *out;
	struct str z;

	assert_non_null(f);
	str_init(&z);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *t = strstr(line, " IN TXT ");
		if (line[0] == ';' || line[0] == '$' || t == NULL)
			continue;
		if (sscanf(line, "%255s", name) != 1)
			continue;
		str_addf(&z, "%s.dkim.example TXT %s", name, t + 8);
	}
	fclose(f);
	out = str_steal(&z);
	str_free(&z);	/* str_steal leaves a fresh buffer */
	return out;
}

/* read_file - whole file; *len set */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *out;

	assert_non_null(f);
	out = read_stream(f, len);
	fclose(f);
	return out;
}

/* check_entry - a manifest field "result:selector[:reason]" against r */
static int
check_entry(const char *file, const char *want, const struct res_dkim_sig *r)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s:%s", res_dkim_name(r->result),
	    r->s ? r->s : "");
	if (strncmp(want, buf, strlen(buf)) != 0 ||
	    (want[strlen(buf)] != '\0' && want[strlen(buf)] != ':'))
		goto bad;
	if (want[strlen(buf)] == ':' && (r->reason == NULL ||
	    strstr(r->reason, want + strlen(buf) + 1) == NULL))
		goto bad;
	/* no reason in the manifest: the A-R entry has no comment */
	if (want[strlen(buf)] == '\0' && r->reason != NULL)
		goto bad;
	return 1;
bad:
	print_error("%s: got %s (%s), expected %s\n", file, buf,
	    r->reason ? r->reason : "-", want);
	return 0;
}

/* same_str - both NULL or equal */
static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* diff_run - raw through the reference verifier too: 0 when its results
 * and A-R entries are the same as own's, else 1 (printed) */
static int
diff_run(struct conf *cf, const char *file, const char *raw, size_t len,
    const struct hm_msg *own)
{
	struct hm_msg *ref;
	char *a, *b;
	int bad = own->ndkim == 0;

	dkimv_reference = 1;
	ref = msg_run(cf, raw, len);
	dkimv_reference = 0;
	bad |= ref->ndkim != own->ndkim;
	for (size_t k = 0; !bad && k < own->ndkim; k++) {
		const struct res_dkim_sig *x = &own->dkim[k],
					  *y = &ref->dkim[k];

		bad |= x->result != y->result || x->testing != y->testing ||
		    !same_str(x->reason, y->reason) || !same_str(x->d, y->d) ||
		    !same_str(x->s, y->s) || !same_str(x->i, y->i) ||
		    !same_str(x->a, y->a) || strcmp(x->b8, y->b8) != 0;
	}
	a = authres_format("mx.test", &own->ar);
	b = authres_format("mx.test", &ref->ar);
	if (bad || strcmp(a, b) != 0) {
		print_error("%s: verifiers differ:\n  own: %s\n  ref: %s\n",
		    file, a, b);
		bad = 1;
	}
	free(a);
	free(b);
	msg_done(ref);
	return bad;
}

/* corpus_run - every message of dir against its MANIFEST, and the
 * reference verifier against hallmark's; failures */
static int
corpus_run(const char *dir, const char *zonefile)
{
	char *zone = zone_to_static(zonefile), path[1024], line[4096];
	struct conf *cf = conf_new(zone);
	FILE *mf;
	int bad = 0, n = 0;

	snprintf(path, sizeof(path), "%s/MANIFEST", dir);
	mf = fopen(path, "r");
	assert_non_null(mf);
	while (fgets(line, sizeof(line), mf) != NULL) {
		char *save = NULL, *file, *want;
		size_t len, k = 0;
		char *raw;
		struct hm_msg *m;

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		file = strtok_r(line, "\t", &save);
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		raw = read_file(path, &len);
		m = msg_run(cf, raw, len);
		bad += diff_run(cf, file, raw, len, m);
		while ((want = strtok_r(NULL, "\t", &save)) != NULL) {
			if (k >= m->ndkim) {
				print_error("%s: no result %zu\n", file, k);
				bad++;
			} else if (!check_entry(file, want, &m->dkim[k])) {
				bad++;
			}
			k++;
		}
		if (k != m->ndkim) {
			print_error("%s: %zu results, %zu expected\n", file,
			    m->ndkim, k);
			bad++;
		}
		n++;
		msg_done(m);
		free(raw);
	}
	fclose(mf);
	conf_done(cf);
	free(zone);
	print_message("corpus %s: %d messages, %d mismatches\n", dir, n, bad);
	assert_true(n > 50);
	return bad;
}

/* srcdir - the source tree (top_srcdir from the test environment) */
static const char *
srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s != NULL ? s : ".";
}

/* test_corpus - the committed corpus */
static void
test_corpus(void **state)
{
	char dir[512], zone[512];

	snprintf(dir, sizeof(dir), "%s/tests/dkim/corpus", srcdir());
	snprintf(zone, sizeof(zone), "%s/tests/zones/dkim.example.zone",
	    srcdir());
	assert_int_equal(corpus_run(dir, zone), 0);
}

/* test_corpus_fresh - a corpus signed now by the installed signers */
static void
test_corpus_fresh(void **state)
{
	char tmp[] = "/tmp/hm-dkimv-XXXXXX", cmd[2048], dir[600], zone[600];

	assert_non_null(mkdtemp(tmp));
	snprintf(dir, sizeof(dir), "%s/corpus", tmp);
	snprintf(zone, sizeof(zone), "%s/dkim.example.zone", tmp);
	snprintf(cmd, sizeof(cmd), "%s/tests/dkim/make-corpus --out %s "
	    "--zone %s >/dev/null", srcdir(), dir, zone);
	if (system(cmd) != 0) {
		print_message("make-corpus failed: skipped\n");
		skip();
	}
	assert_int_equal(corpus_run(dir, zone), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
}

/* teardown_lib - shut libopendkim down (it is set up on first use) */
static int
teardown_lib(void **state)
{
	(void)state;
	dkiml_shutdown();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_fresh),
	};

	return cmocka_run_group_tests(tests, NULL, teardown_lib);
}
