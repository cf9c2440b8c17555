/*
 * test_rsend.c - the report state machine on a real SQLite store, with
 * an in-memory DNS zone (dns_static) and a real program as sendmail (a
 * shell script that keeps each message and exits with the status the
 * test asks for):
 *   built -> sent (destination at the policy domain, external and
 *   authorised); skipped (not authorised, no mailto:); deferred (DNS
 *   SERVFAIL, sendmail 75) then sent by the next run, nothing sent twice;
 *   failed (sendmail 1) and not retried; given up after retry_days;
 *   suppressed (table, static list; an expired entry does not count);
 *   the daily cap; skip_no_pass; a day not yet closed is not built; the
 *   lock held elsewhere; a dry run writes nothing; a forced resend is
 *   byte-identical (same attachment, same Report-ID); a report over the
 *   size cap goes in parts; the VERP envelope sender; a mail over the
 *   rua URI's size limit ("!1k") is not sent; a stored row that cannot be
 *   read is left out and reported; the end of a run prunes the days
 *   kept no longer (reports.keep_days), not a deferred one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <zlib.h>

#include "rsend.h"
#include "rstate.h"
#include "rsupp.h"
#include "str.h"

/* argv[1]: a PostgreSQL store "pg:CONNINFO" (t_report_pg.sh), each case
 * in its own schema; default: a SQLite file per case */
static const char *base_url;
static int ncase;

#define DAY 20000
#define NOW ((int64_t)(DAY + 1) * 86400 + 3 * 3600)

static const char zone[] =
    "b.example._report._dmarc.rua.example TXT \"v=DMARC1\"\n"
    "b2.example._report._dmarc.rua.example TXT \"v=DMARC1\"\n"
    "d.example._report._dmarc.fail.example TXT \"v=DMARC1\"\n";

struct fx {
	char dir[64], url[1024], sendmail[128];
	struct rdb *db;
	struct dns_resolver *r;
	struct orgdom_ctx oc;
	struct rsend_opts o;
	char outbuf[8192];
	FILE *out;
};

/* write_file - dir/name with text */
static void
write_file(struct fx *f, const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* exit_with - the status the sendmail script exits with */
static void
exit_with(struct fx *f, int status)
{
	char s[16];

	snprintf(s, sizeof(s), "%d\n", status);
	write_file(f, "exitcode", s);
}

/* make_sendmail - the script that keeps messages in dir/out */
static void
make_sendmail(struct fx *f)
{
	char body[1024];

	snprintf(body, sizeof(body),
	    "#!/bin/sh\nd=%s\nn=$(ls $d/out/*.msg 2>/dev/null | wc -l)"
	    "\nprintf '%%s\\n' \"$@\" > $d/out/$n.args\ncat > $d/out/$n.msg\n"
	    "exit $(cat $d/exitcode)\n",
	    f->dir);
	write_file(f, "sendmail", body);
	snprintf(f->sendmail, sizeof(f->sendmail), "%s/sendmail", f->dir);
	chmod(f->sendmail, 0755);
	exit_with(f, 0);
}

/* zone_resolver - a resolver with the zone; d.example's host fails */
static struct dns_resolver *
zone_resolver(int fail)
{
	char err[256];
	struct dns_resolver *r = dns_static_new(zone, err, sizeof(err));

	assert_non_null(r);
	if (fail)
		dns_static_fail(r, "d.example._report._dmarc.fail.example",
		    DNS_SERVFAIL);
	return r;
}

/* store_url - the case's store: a new SQLite file, or a new PostgreSQL
 * schema */
static void
store_url(struct fx *f)
{
	char err[256], sql[96];
	struct rdb *db;

	ncase++;
	if (base_url == NULL) {
		snprintf(f->url, sizeof(f->url), "sqlite:%s/r.db", f->dir);
		return;
	}
	db = rdb_open(base_url, err, sizeof(err));
	if (db == NULL)
		fail_msg("%s", err);
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS hm_s%d CASCADE",
	    ncase);
	assert_int_equal(rdb_exec(db, sql, NULL, 0), 0);
	snprintf(sql, sizeof(sql), "CREATE SCHEMA hm_s%d", ncase);
	assert_int_equal(rdb_exec(db, sql, NULL, 0), 0);
	rdb_close(db);
	snprintf(f->url, sizeof(f->url), "%s options='-csearch_path=hm_s%d'",
	    base_url, ncase);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256], path[128];

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_rsend.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/out", f->dir);
	mkdir(path, 0700);
	store_url(f);
	f->db = rdb_open(f->url, err, sizeof(err));
	assert_non_null(f->db);
	make_sendmail(f);
	f->r = zone_resolver(1);
	f->oc.mode = ORGDOM_TREEWALK;
	f->oc.resolver = f->r;
	f->o.part = (struct rpart_opts){ .format = RXML_RFC9990,
		.org_name = "Example Net",
		.email = "postmaster@example.net",
		.receiver = "mx.example.net",
		.generator = "hallmark test",
		.max_bytes = 1000000,
		.now = NOW };
	f->o.dlv = (struct rdeliver_opts){ .sendmail = f->sendmail,
		.from = "dmarc@example.net",
		.bounce = "bounce@example.net",
		.receiver = "mx.example.net",
		.retry_days = 3,
		.timeout_s = 20,
		.now = NOW };
	f->o.send_delay = 7200;
	f->out = fmemopen(f->outbuf, sizeof(f->outbuf), "w");
	setvbuf(f->out, NULL, _IONBF, 0);
	f->o.out = f->out;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	fclose(f->out);
	rdb_close(f->db);
	dns_resolver_free(f->r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* seed - one row (count n, aligned DKIM pass or not) and the policy */
static void
seed(struct fx *f, int64_t day, const char *domain, const char *rua, int pass,
    int64_t n)
{
	struct rrow r;
	char *key;
	size_t len;
	struct rdb_val p[4], q[5];

	memset(&r, 0, sizeof(r));
	r.source_ip = "192.0.2.7";
	r.header_from = (char *)domain;
	r.envelope_from = (char *)domain;
	r.dkim_pass = pass;
	assert_int_equal(rrow_key(&r, &key, &len), 0);
	p[0] = RDB_I(day);
	p[1] = RDB_S(domain);
	p[2] = RDB_S(key);
	p[3] = RDB_I(n);
	assert_int_equal(rdb_exec(f->db,
			     "INSERT INTO agg_row (day, domain, "
			     "rowkey, count) VALUES (?, ?, ?, ?)",
			     p, 4),
	    0);
	free(key);
	q[0] = RDB_I(day);
	q[1] = RDB_S(domain);
	q[2] = RDB_S(domain);
	q[3] = RDB_S(rua);
	q[4] = RDB_I(day * 86400 + 60);
	assert_int_equal(
	    rdb_exec(f->db,
		"INSERT INTO agg_policy (day, domain, "
		"record_domain, p, adkim, aspf, testing, discovery, rua, seen) "
		"VALUES (?, ?, ?, 'reject', 'r', 'r', 0, 'treewalk', ?, ?)",
		q, 5),
	    0);
}

struct one {
	const char *domain;
	struct rstate r;
	int n;
};

/* grab - the first row of the domain asked for */
static int
grab(const struct rstate *r, void *arg)
{
	struct one *o = arg;

	if (strcmp(r->domain, o->domain) != 0 || o->n++ > 0)
		return 0;
	o->r.report_id = xstrdup(r->report_id);
	o->r.state = xstrdup(r->state);
	o->r.rcpts = r->rcpts ? xstrdup(r->rcpts) : NULL;
	o->r.last_error = r->last_error ? xstrdup(r->last_error) : NULL;
	o->r.attempts = r->attempts;
	o->r.nparts = r->nparts;
	return 0;
}

/* state_of - the state of domain's (first) report, "none" if none; the
 * row in *out when out is not NULL (free with rstate_free) */
static const char *
state_of(struct fx *f, const char *domain, struct rstate *out)
{
	static char st[32];
	struct one o = { .domain = domain };

	assert_int_equal(rstate_each(f->db, NULL, grab, &o), 0);
	snprintf(st, sizeof(st), "%s", o.n ? o.r.state : "none");
	if (out != NULL)
		*out = o.r;
	else
		rstate_free(&o.r);
	return st;
}

/* nsent - messages the sendmail script got so far */
static int
nsent(struct fx *f)
{
	char path[128];
	int n = 0;

	for (;;) {
		snprintf(path, sizeof(path), "%s/out/%d.msg", f->dir, n);
		if (access(path, F_OK) != 0)
			return n;
		n++;
	}
}

/* sent_file - the content of message i (or its args), allocated */
static char *
sent_file(struct fx *f, int i, const char *ext)
{
	char path[128];
	FILE *fp;
	long n;
	char *buf;

	snprintf(path, sizeof(path), "%s/out/%d.%s", f->dir, i, ext);
	fp = fopen(path, "r");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return buf;
}

/* run - one rsend_run; returns its value */
static int
run(struct fx *f, struct rsend_stats *st)
{
	char err[256];
	int rc = rsend_run(f->db, &f->oc, &f->o, st, err, sizeof(err));

	if (rc < 0)
		fail_msg("rsend_run: %s", err);
	return rc;
}

static void
test_states(void **state)
{
	struct fx *f = *state;
	struct rsend_stats st;
	struct rstate r;
	char *args;

	seed(f, DAY, "a.example", "mailto:r@a.example", 1, 3);
	seed(f, DAY, "b.example", "mailto:r@rua.example!10m", 1, 4);
	seed(f, DAY, "c.example", "mailto:r@norec.example", 1, 5);
	seed(f, DAY, "d.example", "mailto:r@fail.example", 1, 6);
	seed(f, DAY, "e.example", "https://e.example/r", 1, 7);
	assert_int_equal(run(f, &st), 1);
	assert_int_equal(st.built, 5);
	assert_int_equal(st.sent, 2);
	assert_int_equal(nsent(f), 2);
	assert_string_equal(state_of(f, "a.example", &r), "sent");
	assert_string_equal(r.rcpts, "r@a.example");
	rstate_free(&r);
	assert_string_equal(state_of(f, "b.example", NULL), "sent");
	assert_string_equal(state_of(f, "c.example", &r), "skipped");
	assert_non_null(strstr(r.last_error, "not authorised"));
	rstate_free(&r);
	assert_string_equal(state_of(f, "e.example", &r), "skipped");
	assert_non_null(strstr(r.last_error,
	    "no usable mailto: URI in rua= "
	    "(https://e.example/r: not a mailto: URI)"));
	rstate_free(&r);
	assert_string_equal(state_of(f, "d.example", &r), "deferred");
	assert_non_null(strstr(r.last_error, "servfail"));
	assert_int_equal(r.attempts, 1);
	rstate_free(&r);
	args = sent_file(f, 0, "args");
	assert_string_equal(args,
	    "-oi\n-f\nbounce@example.net\n--\n"
	    "r@a.example\n");
	free(args);
	/* DNS answers now: d.example goes, nothing else is sent again */
	dns_resolver_free(f->r);
	f->oc.resolver = f->r = zone_resolver(0);
	assert_int_equal(run(f, &st), 1);
	assert_int_equal(st.built, 0);
	assert_int_equal(st.sent, 1);
	assert_int_equal(nsent(f), 3);
	assert_string_equal(state_of(f, "d.example", &r), "sent");
	assert_int_equal(r.attempts, 2);
	rstate_free(&r);
	assert_int_equal(run(f, &st), 1);
	assert_int_equal(nsent(f), 3);
}

static void
test_sendmail_status(void **state)
{
	struct fx *f = *state;
	struct rsend_stats st;
	struct rstate r;

	seed(f, DAY, "a.example", "mailto:r@a.example", 1, 3);
	exit_with(f, 75);
	run(f, &st);
	assert_string_equal(state_of(f, "a.example", &r), "deferred");
	assert_non_null(strstr(r.last_error, "status 75"));
	rstate_free(&r);
	exit_with(f, 1);
	run(f, &st);
	assert_int_equal(st.failed, 1);
	assert_string_equal(state_of(f, "a.example", &r), "failed");
	assert_non_null(strstr(r.last_error, "status 1"));
	assert_int_equal(r.attempts, 2);
	rstate_free(&r);
	exit_with(f, 0);
	run(f, &st);
	assert_int_equal(nsent(f), 2); /* failed is final */
}

static void
test_give_up(void **state)
{
	struct fx *f = *state;
	struct rsend_stats st;

	seed(f, DAY, "d.example", "mailto:r@fail.example", 1, 1);
	run(f, &st);
	assert_string_equal(state_of(f, "d.example", NULL), "deferred");
	f->o.dlv.now += 4 * 86400;
	run(f, &st);
	assert_string_equal(state_of(f, "d.example", NULL), "failed");
}

static void
test_suppressed(void **state)
{
	struct fx *f = *state;
	struct rsend_stats st;
	char *list[] = { "*.trap.example", NULL };
	struct rstate r;

	seed(f, DAY, "a.example", "mailto:r@a.example", 1, 3);
	seed(f, DAY, "x.trap.example", "mailto:r@x.trap.example", 1, 3);
	seed(f, DAY, "g.example", "mailto:r@g.example", 1, 3);
	assert_int_equal(rsupp_add(f->db, "r@a.example", 0, "test", NOW), 0);
	assert_int_equal(rsupp_add(f->db, "@g.example", NOW - 1, "old", NOW),
	    0);
	f->o.dlv.suppress = list;
	run(f, &st);
	assert_int_equal(st.suppressed, 2);
	assert_string_equal(state_of(f, "a.example", &r), "suppressed");
	assert_non_null(strstr(r.last_error, "test"));
	rstate_free(&r);
	assert_string_equal(state_of(f, "x.trap.example", &r), "suppressed");
	assert_non_null(strstr(r.last_error, "reports.suppress"));
	rstate_free(&r);
	assert_string_equal(state_of(f, "g.example", NULL), "sent");
	assert_int_equal(nsent(f), 1);
}

static void
test_daily_cap(void **state)
{
	struct fx *f = *state;
	struct rsend_stats st;
	struct rstate r;

	seed(f, DAY, "b.example", "mailto:r@rua.example", 1, 3);
	seed(f, DAY, "b2.example", "mailto:r@rua.example", 1, 3);
	f->o.dlv.daily_cap = 1;
	run(f, &st);
	assert_int_equal(nsent(f), 1);
	assert_string_equal(state_of(f, "b.example", NULL), "sent");
	assert_string_equal(state_of(f, "b2.example", &r), "deferred");
	assert_non_null(strstr(r.last_error, "daily cap"));
	rstate_free(&r);
	run(f, &st); /* same day: still capped (counted from the store) */
	assert_int_equal(nsent(f), 1);
	f->o.dlv.now += 86400;
	run(f, &st);
	assert_int_equal(nsent(f), 2);
	assert_string_equal(state_of(f, "b2.example", NULL), "sent");
}

static void
test_skip_and_open_day(void **state)
{
	struct fx *f = *state;
	struct rsend_stats st;

	seed(f, DAY, "a.example", "mailto:r@a.example", 0, 3);
	seed(f, DAY + 1, "g.example", "mailto:r@g.example", 1, 3);
	f->o.part.skip_no_pass = 1;
	run(f, &st);
	assert_string_equal(state_of(f, "a.example", NULL), "skipped");
	assert_string_equal(state_of(f, "g.example", NULL), "none");
	assert_int_equal(nsent(f), 0);
	/* before send_delay after midnight, the day is still open */
	f->o.dlv.now = f->o.part.now = (int64_t)(DAY + 2) * 86400 + 3600;
	run(f, &st);
	assert_string_equal(state_of(f, "g.example", NULL), "none");
	f->o.dlv.now = f->o.part.now = (int64_t)(DAY + 2) * 86400 + 7200;
	run(f, &st);
	assert_string_equal(state_of(f, "g.example", NULL), "sent");
}

static void
test_lock_and_dry_run(void **state)
{
	struct fx *f = *state;
	struct rsend_stats st;
	struct rdb *other;
	char err[256];

	seed(f, DAY, "a.example", "mailto:r@a.example", 1, 3);
	other = rdb_open(f->url, err, sizeof(err));
	assert_non_null(other);
	assert_int_equal(rdb_try_lock(other, RSEND_LOCK), 1);
	assert_int_equal(run(f, &st), 0);
	assert_string_equal(state_of(f, "a.example", NULL), "none");
	/* a dry run takes no lock, writes nothing, says what would happen */
	f->o.dlv.dry_run = 1;
	assert_int_equal(run(f, &st), 1);
	assert_int_equal(st.built, 1);
	assert_string_equal(state_of(f, "a.example", NULL), "none");
	assert_int_equal(nsent(f), 0);
	assert_non_null(strstr(f->outbuf, "would be sent"));
	rdb_unlock(other, RSEND_LOCK);
	rdb_close(other);
	f->o.dlv.dry_run = 0;
	assert_int_equal(run(f, &st), 1);
	assert_int_equal(nsent(f), 1);
}

/* the end of a run prunes (keep_days): a sent day goes, a deferred one
 * stays; not in a dry run, not when the lock is held elsewhere */
static void
test_prune(void **state)
{
	struct fx *f = *state;
	struct rsend_stats st;
	struct rdb *other;
	char err[256];

	seed(f, DAY, "a.example", "mailto:r@a.example", 1, 3);
	seed(f, DAY, "d.example", "mailto:r@fail.example", 1, 3);
	f->o.keep_days = 1;
	run(f, &st);
	assert_int_equal(rprune_total(&st.pruned), 0);
	f->o.dlv.now = f->o.part.now = NOW + 2 * 86400;
	other = rdb_open(f->url, err, sizeof(err));
	assert_non_null(other);
	assert_int_equal(rdb_try_lock(other, RSEND_LOCK), 1);
	assert_int_equal(run(f, &st), 0);
	rdb_close(other);
	f->o.dlv.dry_run = 1;
	run(f, &st);
	assert_int_equal(rprune_total(&st.pruned), 0);
	assert_string_equal(state_of(f, "a.example", NULL), "sent");
	f->o.dlv.dry_run = 0;
	run(f, &st);
	assert_int_equal(st.pruned.agg_row, 1);
	assert_int_equal(st.pruned.agg_policy, 1);
	assert_int_equal(st.pruned.report, 1);
	assert_string_equal(state_of(f, "a.example", NULL), "none");
	assert_string_equal(state_of(f, "d.example", NULL), "deferred");
}

/* attachment - the base64 lines of the attachment of message i */
static char *
attachment(struct fx *f, int i)
{
	char *m = sent_file(f, i, "msg"), *b, *e;

	b = strstr(m, "Content-Transfer-Encoding: base64");
	assert_non_null(b);
	b = strstr(b, "\n\n");
	e = strstr(b + 2, "\n\n");
	assert_non_null(e);
	*e = '\0';
	memmove(m, b + 2, strlen(b + 2) + 1);
	return m;
}

static void
test_resend(void **state)
{
	struct fx *f = *state;
	struct rsend_stats st;
	struct rstate r;
	char err[256], *a1, *a2, *m1, *m2;

	seed(f, DAY, "b.example", "mailto:r@rua.example", 1, 3);
	run(f, &st);
	assert_string_equal(state_of(f, "b.example", &r), "sent");
	f->o.dlv.now += 3600;
	assert_int_equal(rsend_resend(f->db, &f->oc, &f->o, r.report_id, &st,
			     err, sizeof(err)),
	    1);
	assert_int_equal(nsent(f), 2);
	a1 = attachment(f, 0);
	a2 = attachment(f, 1);
	assert_string_equal(a1, a2);
	m1 = sent_file(f, 0, "msg");
	m2 = sent_file(f, 1, "msg");
	assert_non_null(strstr(m1, r.report_id));
	assert_non_null(strstr(m2, r.report_id));
	free(a1);
	free(a2);
	free(m1);
	free(m2);
	assert_int_equal(rsend_resend(f->db, &f->oc, &f->o, "no-such-id", &st,
			     err, sizeof(err)),
	    -1);
	rstate_free(&r);
}

static void
test_parts(void **state)
{
	struct fx *f = *state;
	struct rsend_stats st;
	struct rstate r;
	char ip[32];
	int i;

	seed(f, DAY, "a.example", "mailto:r@a.example", 1, 1);
	for (i = 0; i < 400; i++) {
		struct rrow row;
		char *key;
		size_t len;
		struct rdb_val p[3];

		memset(&row, 0, sizeof(row));
		snprintf(ip, sizeof(ip), "198.51.%d.%d", i / 200, i % 200);
		row.source_ip = ip;
		row.header_from = "a.example";
		row.envelope_from = "a.example";
		assert_int_equal(rrow_key(&row, &key, &len), 0);
		p[0] = RDB_I(DAY);
		p[1] = RDB_S(key);
		p[2] = RDB_I(i + 1);
		assert_int_equal(
		    rdb_exec(f->db,
			"INSERT INTO agg_row (day, "
			"domain, rowkey, count) VALUES (?, 'a.example', ?, ?)",
			p, 3),
		    0);
		free(key);
	}
	f->o.part.max_bytes = 2000;
	run(f, &st);
	assert_true(st.built > 1);
	assert_int_equal(st.sent, st.built);
	assert_int_equal(nsent(f), (int)st.built);
	state_of(f, "a.example", &r);
	assert_int_equal(r.nparts, st.built);
	rstate_free(&r);
}

static void
test_verp_and_limit(void **state)
{
	struct fx *f = *state;
	struct rsend_stats st;
	struct rstate r;
	char *args;

	seed(f, DAY, "a.example", "mailto:r@a.example", 1, 3);
	seed(f, DAY, "g.example", "mailto:r@g.example!1k", 1, 3);
	f->o.dlv.verp = 1;
	run(f, &st);
	assert_int_equal(nsent(f), 1);
	args = sent_file(f, 0, "args");
	assert_string_equal(args,
	    "-oi\n-f\nbounce+r=a.example@example.net\n"
	    "--\nr@a.example\n");
	free(args);
	assert_string_equal(state_of(f, "g.example", &r), "skipped");
	assert_non_null(strstr(r.last_error, "size limit"));
	rstate_free(&r);
}

/* gunzip_text - the gzip bytes decoded (allocated, NUL-terminated) */
static char *
gunzip_text(const unsigned char *p, size_t n)
{
	size_t cap = 1 << 20;
	char *out = calloc(1, cap + 1);
	z_stream z;

	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	z.next_out = (unsigned char *)out;
	z.avail_out = (uInt)cap;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	inflateEnd(&z);
	return out;
}

/* reports.format = "rfc7489": the same states, the old XML (no namespace) */
static void
test_rfc7489(void **state)
{
	struct fx *f = *state;
	struct rsend_stats st;
	struct rstate r;
	char *m, *id;

	seed(f, DAY, "a.example", "mailto:r@a.example", 1, 3);
	f->o.part.format = RXML_RFC7489;
	run(f, &st);
	assert_string_equal(state_of(f, "a.example", &r), "sent");
	rstate_free(&r);
	state_of(f, "a.example", &r);
	id = r.report_id;
	r.report_id = NULL;
	rstate_free(&r);
	assert_int_equal(rstate_get(f->db, id, 1, &r), 1);
	assert_true(r.bodylen > 20);
	m = gunzip_text(r.body, r.bodylen);
	assert_non_null(strstr(m, "<feedback>"));
	assert_null(strstr(m, "urn:ietf:params:xml:ns:dmarc-2.0"));
	assert_non_null(strstr(m, "<count>3</count>"));
	free(m);
	rstate_free(&r);
	free(id);
	m = sent_file(f, 0, "msg");
	assert_non_null(strstr(m, "application/gzip"));
	free(m);
}

/* a stored row whose key does not parse is left out, and said so */
static void
test_bad_key(void **state)
{
	struct fx *f = *state;
	struct rsend_stats st;
	struct rdb_val p[1] = { RDB_I(DAY) };

	seed(f, DAY, "a.example", "mailto:r@a.example", 1, 3);
	assert_int_equal(
	    rdb_exec(f->db,
		"INSERT INTO agg_row (day, domain, "
		"rowkey, count) VALUES (?, 'a.example', 'not a key', 9)",
		p, 1),
	    0);
	run(f, &st);
	assert_string_equal(state_of(f, "a.example", NULL), "sent");
	assert_non_null(strstr(f->outbuf,
	    "1 stored rows of a.example could "
	    "not be read"));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sendmail_status, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_give_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suppressed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_daily_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_skip_and_open_day, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lock_and_dry_run, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verp_and_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rfc7489, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
	};

	if (argc > 1)
		base_url = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
