/*
 * run-inproc.c - the message cases of tests/cases/ (format: the README
 * there), replayed in process: no MTA, no DNS server.  Each case's
 * configuration snippet is loaded as hallmarkd would load it, its zone
 * data is served by the static DNS back end (dns/dns_static.c), and its
 * message goes through hallmark's real milter callbacks, driven by
 * tests/fuzz/milter_mta.h as Postfix would drive them.  The verdict, the
 * SMTP reply, the headers hallmark inserted (A-R among them) and the log
 * lines written meanwhile are checked against the case's expectations.
 * tests/integration/t_cases.sh replays the same cases through Postfix.
 *
 * Usage: run-inproc [CASEDIR...]; with none, every directory of
 * $top_srcdir/tests/cases that has a "case" file, in name order.
 * Prints "ok: NAME" or "FAIL: NAME: what differed" per case (the log of a
 * failed case follows).  Exit 0 when all pass, 1 when one fails, 2 when a
 * case cannot be read.
 */
#include <dirent.h>
#include <regex.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_table.h"
#include "dns.h"
#include "fuzz.h"
#include "log.h"
#include "milter_mta.h"
#include "str.h"

/* lines_match - does a line of text match the ERE re (1), or not (0);
 * -1 when re does not compile */
static int
lines_match(const char *re, const char *text)
{
	regex_t rx;
	int rc;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0)
		return -1;
	rc = regexec(&rx, text, 0, NULL, 0) == 0;
	regfree(&rx);
	return rc;
}

/* what tests/lib/postfix.sh's hm_config adds to a snippet that does not set
 * it, and how it tells (the same EREs) */
static const struct {
	const char *re, *text;
} rig_defaults[] = {
	{ "(^|[^_a-z])log[[:space:]]*[=:]", "log = { level = \"debug\"; };\n" },
	{ "authserv_id[[:space:]]*[=:]",
	    "authserv_id = \"mx.test.example\";\n" },
};

/* one expectation: the case file's key (reply, ar, header, log), its ERE,
 * and whether no line may match it ("!key") */
struct expect {
	char key[8];
	int negated;
	char *re;
};

struct tcase {
	char *dir, *name;
	struct str conf, zone; /* snippet, zone data (texts) */
	char *client, *helo, *from, *rcpt, *auth, *verdict;
	struct expect *exp;
	size_t nexp;
};

/* what one replay produced */
struct outcome {
	const char *verdict; /* accept, reject, tempfail, hold */
	SMFICTX ctx;	     /* reply, inserted headers */
	char *log;	     /* the log lines written meanwhile */
};

/* slurp - a whole file into out (appended); -1 when it cannot be read */
static int
slurp(const char *path, struct str *out)
{
	FILE *f = fopen(path, "rb");
	char buf[8192];
	size_t n;

	if (f == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		str_addn(out, buf, n);
	fclose(f);
	return 0;
}

/* slurp_rel - slurp a path relative to the case directory (or absolute) */
static int
slurp_rel(const struct tcase *t, const char *rel, struct str *out)
{
	char *path = rel[0] == '/' ? xstrdup(rel) :
				     xasprintf("%s/%s", t->dir, rel);
	int rc = slurp(path, out);

	if (rc < 0)
		fprintf(stderr, "%s: cannot read %s\n", t->name, path);
	free(path);
	return rc;
}

/* set_field - a one-value key of the case file; 1 when key is one */
static int
set_field(struct tcase *t, const char *key, const char *val)
{
	static const char *const keys[] = { "client", "helo", "from", "rcpt",
		"auth", "verdict" };
	char **const fields[] = { &t->client, &t->helo, &t->from, &t->rcpt,
		&t->auth, &t->verdict };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i]) == 0) {
			free(*fields[i]);
			*fields[i] = xstrdup(val);
			return 1;
		}
	}
	return 0;
}

/* add_expect - a [!]reply, ar, header or log line; 1 when key is one */
static int
add_expect(struct tcase *t, const char *key, const char *val)
{
	int neg = key[0] == '!';
	struct expect *x;

	key += neg;
	if (strcmp(key, "reply") != 0 && strcmp(key, "ar") != 0 &&
	    strcmp(key, "header") != 0 && strcmp(key, "log") != 0)
		return 0;
	t->exp = xrealloc(t->exp, (t->nexp + 1) * sizeof(*t->exp));
	x = &t->exp[t->nexp++];
	snprintf(x->key, sizeof(x->key), "%s", key);
	x->negated = neg;
	x->re = xstrdup(val);
	return 1;
}

/* case_line - one "key value" line of the case file; -1 when unknown */
static int
case_line(struct tcase *t, char *line)
{
	char *val = strchr(line, ' ');

	if (line[0] == '#' || line[0] == '\0')
		return 0;
	if (val == NULL)
		return -1;
	*val++ = '\0';
	if (set_field(t, line, val) || add_expect(t, line, val))
		return 0;
	if (strcmp(line, "conf") == 0)
		return slurp_rel(t, val, &t->conf);
	if (strcmp(line, "zone") == 0)
		return slurp_rel(t, val, &t->zone);
	return -1;
}

/* case_read - the case in dir; -1 (reported) when it cannot be read */
static int
case_read(struct tcase *t, const char *dir)
{
	struct str text;
	char *p, *line, *own;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	t->dir = xstrdup(dir);
	t->name = xstrdup((p = strrchr(dir, '/')) ? p + 1 : dir);
	str_init(&t->conf);
	str_init(&t->zone);
	str_init(&text);
	if (slurp_rel(t, "case", &text) < 0)
		rc = -1;
	for (p = text.s; rc == 0 && p != NULL && *p != '\0';) {
		line = fuzz_cut(&p, 0);
		if (case_line(t, line) < 0) {
			fprintf(stderr, "%s: case: '%s ...' not understood\n",
			    t->name, line);
			rc = -1;
		}
	}
	own = xasprintf("%s/zone", dir);
	if (rc == 0 && access(own, R_OK) == 0)
		rc = slurp(own, &t->zone);
	free(own);
	str_free(&text);
	if (rc == 0 &&
	    (t->client == NULL || t->from == NULL || t->verdict == NULL)) {
		fprintf(stderr, "%s: case: needs client, from, verdict\n",
		    t->name);
		rc = -1;
	}
	if (rc == 0 && strcmp(t->verdict, "accept") != 0 &&
	    strcmp(t->verdict, "reject") != 0 &&
	    strcmp(t->verdict, "tempfail") != 0 &&
	    strcmp(t->verdict, "hold") != 0) {
		fprintf(stderr, "%s: case: unknown verdict '%s'\n", t->name,
		    t->verdict);
		rc = -1;
	}
	return rc;
}

/* case_free - what case_read allocated */
static void
case_free(struct tcase *t)
{
	size_t i;

	for (i = 0; i < t->nexp; i++)
		free(t->exp[i].re);
	free(t->exp);
	str_free(&t->conf);
	str_free(&t->zone);
	free(t->dir);
	free(t->name);
	free(t->client);
	free(t->helo);
	free(t->from);
	free(t->rcpt);
	free(t->auth);
	free(t->verdict);
}

/* case_conf - the configuration as the rig writes it (tests/lib/postfix.sh
 * hm_config: log level and authserv_id unless the snippet sets them),
 * served by the case's zone, its log level applied; NULL (reported) when
 * it does not load */
static struct conf *
case_conf(const struct tcase *t)
{
	struct conf_err e;
	struct conf *c;
	struct str text;
	char err[256];
	size_t i;

	str_init(&text);
	for (i = 0; i < sizeof(rig_defaults) / sizeof(rig_defaults[0]); i++)
		if (lines_match(rig_defaults[i].re, t->conf.s) == 0)
			str_add(&text, rig_defaults[i].text);
	str_add(&text, t->conf.s);
	c = conf_load_string(text.s, 1, &e);
	str_free(&text);
	if (c != NULL)
		log_set_level((enum log_level)(c->log.level + LOG_LVL_ERR));
	if (c == NULL) {
		fprintf(stderr, "%s: conf line %d: %s\n", t->name, e.line,
		    e.msg);
		return NULL;
	}
	c->resolver = dns_static_new(t->zone.s, err, sizeof(err));
	if (c->resolver == NULL) {
		fprintf(stderr, "%s: zone: %s\n", t->name, err);
		conf_release(c);
		return NULL;
	}
	return c;
}

/* crlf - text with every LF (not already after a CR) turned into CRLF */
static void
crlf(struct str *out, const char *text)
{
	const char *p;

	for (p = text; *p != '\0'; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			str_addc(out, '\r');
		str_addc(out, *p);
	}
}

/* verdict_name - what the MTA would do with the message */
static const char *
verdict_name(sfsistat rc, const SMFICTX *ctx)
{
	if (rc == SMFIS_REJECT)
		return "reject";
	if (rc == SMFIS_TEMPFAIL)
		return "tempfail";
	return ctx->quarantined ? "hold" : "accept";
}

/* capture_start - send the log (stderr) to a temporary file; the saved
 * stderr is returned (-1 on failure) */
static int
capture_start(FILE **tmp)
{
	int saved;

	fflush(stderr);
	if ((*tmp = tmpfile()) == NULL || (saved = dup(STDERR_FILENO)) < 0)
		return -1;
	dup2(fileno(*tmp), STDERR_FILENO);
	return saved;
}

/* capture_end - stderr back; the text logged meanwhile */
static char *
capture_end(FILE *tmp, int saved)
{
	struct str s;
	char buf[8192];
	size_t n;

	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	str_init(&s);
	rewind(tmp);
	while ((n = fread(buf, 1, sizeof(buf), tmp)) > 0)
		str_addn(&s, buf, n);
	fclose(tmp);
	return str_steal(&s);
}

/* replay - one SMTP session with the case's envelope and message */
static void
replay(const struct tcase *t, const char *message, struct outcome *o)
{
	const char *sep = strstr(message, "\n\n");
	char *headers = sep ? xstrndup(message, (size_t)(sep - message + 1)) :
			      xstrdup(message);
	struct str body;
	struct mta_msg m;
	sfsistat rc;

	str_init(&body);
	crlf(&body, sep ? sep + 2 : "");
	m = (struct mta_msg){ .mailfrom = t->from,
		.rcpt = t->rcpt ? t->rcpt : "rcpt@example.net",
		.headers = headers,
		.body = (const unsigned char *)body.s,
		.bodylen = body.len };
	memset(&o->ctx, 0, sizeof(o->ctx));
	o->ctx.qid = "CASE1";
	o->ctx.auth = t->auth;
	mta_connect(cb_desc(), &o->ctx, t->client, t->helo);
	rc = mta_transaction(cb_desc(), &o->ctx, &m, 2);
	o->verdict = verdict_name(rc, &o->ctx);
	str_free(&body);
	free(headers);
}

/* ar_values - the values of the inserted A-R headers, one per line */
static char *
ar_values(const char *added)
{
	static const char name[] = "Authentication-Results: ";
	const char *p, *e;
	struct str s;

	str_init(&s);
	for (p = added; p != NULL && *p != '\0'; p = e ? e + 1 : NULL) {
		e = strchr(p, '\n');
		if (strncmp(p, name, sizeof(name) - 1) != 0)
			continue;
		p += sizeof(name) - 1;
		str_addn(&s, p, e ? (size_t)(e - p + 1) : strlen(p));
	}
	return str_steal(&s);
}

/* expect_text - what an expectation of this key is matched against */
static const char *
expect_text(const struct expect *x, const struct outcome *o, const char *ar)
{
	if (strcmp(x->key, "reply") == 0)
		return o->ctx.reply;
	if (strcmp(x->key, "ar") == 0)
		return ar;
	if (strcmp(x->key, "header") == 0)
		return o->ctx.added.s;
	return o->log;
}

/* check_one - one expectation against the outcome; 0 when it holds */
static int
check_one(const struct tcase *t, const struct expect *x,
    const struct outcome *o, const char *ar)
{
	const char *text = expect_text(x, o, ar), *how;
	int rc = lines_match(x->re, text ? text : "");
	size_t n;

	if (rc >= 0 && rc != x->negated)
		return 0;
	if (strcmp(x->key, "log") == 0 || text == NULL)
		text = "(the log follows)";
	n = strlen(text);
	while (n > 0 && text[n - 1] == '\n')
		n--;
	how = rc < 0 ? "is not a valid ERE" : rc ? "matches" : "does not match";
	printf("FAIL: %s: %s%s /%s/ %s: '%.*s'\n", t->name,
	    x->negated ? "!" : "", x->key, x->re, how, (int)n, text);
	return -1;
}

/* check - every expectation of the case; the number that failed */
static int
check(const struct tcase *t, const struct outcome *o)
{
	char *ar = ar_values(o->ctx.added.s);
	int bad = 0;
	size_t i;

	if (strcmp(t->verdict, o->verdict) != 0) {
		printf("FAIL: %s: verdict %s, wanted %s (reply '%s')\n",
		    t->name, o->verdict, t->verdict, o->ctx.reply);
		bad++;
	}
	for (i = 0; i < t->nexp; i++)
		if (check_one(t, &t->exp[i], o, ar) < 0)
			bad++;
	free(ar);
	return bad;
}

/* run_case - read, replay and check the case in dir: 0 passed, 1 failed,
 * 2 unreadable */
static int
run_case(const char *dir)
{
	struct tcase t;
	struct outcome o;
	struct str msg;
	struct conf *c = NULL;
	FILE *tmp = NULL;
	int saved, rc = 2;

	str_init(&msg);
	if (case_read(&t, dir) == 0 && slurp_rel(&t, "message", &msg) == 0 &&
	    (c = case_conf(&t)) != NULL && (saved = capture_start(&tmp)) >= 0) {
		conf_install(c);
		replay(&t, msg.s, &o);
		o.log = capture_end(tmp, saved);
		rc = check(&t, &o) ? 1 : 0;
		if (rc == 0)
			printf("ok: %s\n", t.name);
		else
			printf("----- %s: log -----\n%s", t.name, o.log);
		mta_close(cb_desc(), &o.ctx);
		conf_install(NULL);
		free(o.log);
	}
	fflush(stdout);
	str_free(&msg);
	case_free(&t);
	return rc;
}

/* name_cmp - qsort by name */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* all_cases - the case directories under top (those with a case file),
 * sorted; *n set */
static char **
all_cases(const char *top, size_t *n)
{
	DIR *d = opendir(top);
	struct dirent *e;
	char **v = NULL, *path;
	size_t cap = 0;

	*n = 0;
	while (d != NULL && (e = readdir(d)) != NULL) {
		path = xasprintf("%s/%s/case", top, e->d_name);
		if (e->d_name[0] != '.' && access(path, R_OK) == 0) {
			if (*n == cap)
				v = xrealloc(v,
				    (cap = cap * 2 + 16) * sizeof(*v));
			v[(*n)++] = xasprintf("%s/%s", top, e->d_name);
		}
		free(path);
	}
	if (d != NULL)
		closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char *dir = xasprintf("%s/tests/cases", top ? top : ".");
	char **v;
	size_t n, i;
	int worst = 0, rc, failed = 0;

	log_init("hallmarkd", 0, "mail", LOG_LVL_DEBUG);
	if (argc > 1) {
		v = xcalloc((size_t)argc, sizeof(*v));
		for (n = 0; n + 1 < (size_t)argc; n++)
			v[n] = xstrdup(argv[n + 1]);
	} else {
		v = all_cases(dir, &n);
	}
	for (i = 0; i < n; i++) {
		rc = run_case(v[i]);
		failed += rc != 0;
		worst = rc > worst ? rc : worst;
		free(v[i]);
	}
	free(v);
	free(dir);
	printf("%zu case(s), %d failed\n", n, failed);
	return n == 0 ? 2 : worst;
}
