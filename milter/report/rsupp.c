/*
 * rsupp.c - suppression of report destinations (see rsupp.h): the static
 * list, table suppress of the store, the VERP bounce address and the
 * failed recipients of a DSN.
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "addrpat.h"
#include "rsupp.h"
#include "str.h"

/* rsupp_static - see rsupp.h */
const char *
rsupp_static(char *const *list, const char *addr)
{
	return addrpat_list_match(list, addr);
}

/* rsupp_valid - see rsupp.h */
int
rsupp_valid(const char *addr)
{
	const char *at = strchr(addr, '@');
	size_t n = strlen(addr);

	if (at == NULL || strchr(at + 1, '@') != NULL || at[1] == '\0' ||
	    n > RSUPP_ADDR_MAX || strchr(at + 1, '.') == NULL)
		return 0;
	for (; *addr != '\0'; addr++)
		if ((unsigned char)*addr <= 0x20 ||
		    (unsigned char)*addr >= 0x7f)
			return 0;
	return 1;
}

struct hit {
	int found;
	char *why;
	size_t whylen;
};

/* hit_row - a matching row: its address, expiry and reason */
static int
hit_row(const struct rdb_val *col, size_t ncol, void *arg)
{
	struct hit *h = arg;

	h->found = 1;
	if (col[1].type == RDB_NULL)
		snprintf(h->why, h->whylen, "suppressed (%s, permanent%s%s)",
		    col[0].s, col[2].type == RDB_TEXT ? ": " : "",
		    col[2].type == RDB_TEXT ? col[2].s : "");
	else
		snprintf(h->why, h->whylen, "suppressed (%s, until %lld%s%s)",
		    col[0].s, (long long)col[1].i,
		    col[2].type == RDB_TEXT ? ": " : "",
		    col[2].type == RDB_TEXT ? col[2].s : "");
	return 1;
}

/* rsupp_lookup - see rsupp.h */
int
rsupp_lookup(struct rdb *db, const char *addr, int64_t now, char *why,
    size_t whylen)
{
	char a[RSUPP_ADDR_MAX + 1], dom[RSUPP_ADDR_MAX + 2];
	const char *at;
	struct hit h = { 0, why, whylen };
	struct rdb_val par[3];
	int rc;

	snprintf(a, sizeof(a), "%s", addr);
	str_lower(a);
	at = strchr(a, '@');
	snprintf(dom, sizeof(dom), "%s", at != NULL ? at : "@");
	par[0] = RDB_S(a);
	par[1] = RDB_S(dom);
	par[2] = RDB_I(now);
	rc = rdb_query(db,
	    "SELECT address, until_time, reason FROM suppress "
	    "WHERE (address = ? OR address = ?) AND (until_time IS NULL OR "
	    "until_time > ?) ORDER BY address",
	    par, 3, hit_row, &h);
	if (rc < 0) {
		snprintf(why, whylen, "suppression lookup: %s", rdb_error(db));
		return -1;
	}
	return h.found;
}

/* rsupp_add - see rsupp.h */
int
rsupp_add(struct rdb *db, const char *addr, int64_t until, const char *reason,
    int64_t now)
{
	char a[RSUPP_ADDR_MAX + 1];
	struct rdb_val par[4];

	snprintf(a, sizeof(a), "%s", addr);
	str_lower(a);
	par[0] = RDB_S(a);
	par[1] = until > 0 ? RDB_I(until) :
			     (struct rdb_val){ .type = RDB_NULL };
	par[2] = RDB_S(reason);
	par[3] = RDB_I(now);
	return rdb_exec(db,
	    "INSERT INTO suppress (address, until_time, "
	    "reason, added) VALUES (?, ?, ?, ?) ON CONFLICT (address) DO "
	    "UPDATE SET until_time = excluded.until_time, reason = "
	    "excluded.reason, added = excluded.added",
	    par, 4);
}

/* rsupp_del - see rsupp.h */
int
rsupp_del(struct rdb *db, const char *addr)
{
	char a[RSUPP_ADDR_MAX + 1];
	struct rdb_val par[1];

	snprintf(a, sizeof(a), "%s", addr);
	str_lower(a);
	par[0] = RDB_S(a);
	if (rdb_exec(db, "DELETE FROM suppress WHERE address = ?", par, 1) < 0)
		return -1;
	return rdb_changes(db) > 0;
}

/* rsupp_verp_encode - see rsupp.h */
int
rsupp_verp_encode(const char *bounce, const char *rcpt, char *out,
    size_t outlen)
{
	const char *at = strrchr(bounce, '@'), *rat = strrchr(rcpt, '@');
	int n;

	if (at == NULL || rat == NULL)
		return -1;
	n = snprintf(out, outlen, "%.*s+%.*s=%s%s", (int)(at - bounce), bounce,
	    (int)(rat - rcpt), rcpt, rat + 1, at);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* rsupp_verp_decode - see rsupp.h */
int
rsupp_verp_decode(const char *bounce, const char *verp, const char *delims,
    char *out, size_t outlen)
{
	const char *at = strrchr(bounce, '@'), *vat = strrchr(verp, '@');
	const char *eq;
	size_t bl;
	int n;

	if (at == NULL || vat == NULL || str_casecmp(at, vat) != 0)
		return -1;
	bl = (size_t)(at - bounce);
	if (str_ncasecmp(verp, bounce, bl) != 0 || verp[bl] == '\0' ||
	    strchr(delims, verp[bl]) == NULL)
		return -1;
	verp += bl + 1;
	eq = NULL;
	for (const char *p = verp; p < vat; p++)
		if (*p == '=')
			eq = p;
	if (eq == NULL || eq == verp || eq + 1 == vat)
		return -1;
	n = snprintf(out, outlen, "%.*s@%.*s", (int)(eq - verp), verp,
	    (int)(vat - eq - 1), eq + 1);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	str_lower(out);
	return rsupp_valid(out) ? 0 : -1;
}

/* field_value - when line (n bytes) is "name: value", the value */
static int
field_value(const char *line, size_t n, const char *name, const char **v,
    size_t *vn)
{
	size_t nl = strlen(name);

	if (n <= nl || str_ncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return 0;
	line += nl + 1;
	n -= nl + 1;
	while (n > 0 && isspace((unsigned char)*line))
		line++, n--;
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		n--;
	*v = line;
	*vn = n;
	return 1;
}

/* rfc822_addr - "rfc822; a@b" (n bytes) into out (lower case); 0 or -1 */
static int
rfc822_addr(const char *v, size_t n, char *out, size_t outlen)
{
	const char *semi = memchr(v, ';', n);

	if (semi == NULL || (size_t)(semi - v) != 6 ||
	    str_ncasecmp(v, "rfc822", 6) != 0)
		return -1;
	n -= 7;
	v = semi + 1;
	while (n > 0 && isspace((unsigned char)*v))
		v++, n--;
	if (n > 1 && v[0] == '<' && v[n - 1] == '>')
		v++, n -= 2;
	if (n == 0 || n >= outlen)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	str_lower(out);
	return rsupp_valid(out) ? 0 : -1;
}

struct dsn_block {
	int failed;
	char final[RSUPP_ADDR_MAX + 1], orig[RSUPP_ADDR_MAX + 1];
};

/* block_end - a block ended: its recipient when it failed */
static void
block_end(struct dsn_block *b, char (*out)[RSUPP_ADDR_MAX + 1], size_t max,
    size_t *n)
{
	const char *a = b->final[0] ? b->final : b->orig;

	if (b->failed && a[0] != '\0' && *n < max)
		snprintf(out[(*n)++], RSUPP_ADDR_MAX + 1, "%s", a);
	memset(b, 0, sizeof(*b));
}

/* dsn_line - one line of the message into the current block */
static void
dsn_line(struct dsn_block *b, const char *line, size_t n)
{
	const char *v;
	size_t vn;

	if (field_value(line, n, "Action", &v, &vn))
		b->failed = vn >= 6 && str_ncasecmp(v, "failed", 6) == 0;
	else if (field_value(line, n, "Final-Recipient", &v, &vn))
		rfc822_addr(v, vn, b->final, sizeof(b->final));
	else if (field_value(line, n, "Original-Recipient", &v, &vn))
		rfc822_addr(v, vn, b->orig, sizeof(b->orig));
}

/* rsupp_dsn_failed - see rsupp.h */
size_t
rsupp_dsn_failed(const char *msg, size_t len, char (*out)[RSUPP_ADDR_MAX + 1],
    size_t max)
{
	struct dsn_block b;
	const char *p = msg, *end = msg + len, *nl;
	size_t n = 0, ln;

	memset(&b, 0, sizeof(b));
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		ln = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (ln > 0 && p[ln - 1] == '\r')
			ln--;
		if (ln == 0)
			block_end(&b, out, max, &n);
		else
			dsn_line(&b, p, ln);
		p = nl != NULL ? nl + 1 : end;
	}
	block_end(&b, out, max, &n);
	return n;
}
