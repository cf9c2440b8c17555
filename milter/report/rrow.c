/*
 * rrow.c - the shared data of DMARC aggregate reporting (rrow.h): freeing,
 * copying, the canonical row key and the RFC 9990 vocabulary.
 *
 * Key format: the fields of a row in a fixed order, one per line ('\n'
 * separated), each escaped so that it holds no '\n': "\\" for a
 * backslash, "\n" (backslash, n) for a newline; a NULL string is the
 * two bytes "\0" (backslash, zero), distinct from "".  Enums and flags
 * are decimal numbers.  Order: source_ip, header_from, envelope_from,
 * envelope_to, disposition, dkim_pass, spf_pass, nreason, (type,
 * comment) per reason, ndkim, (domain, selector, result) per signature,
 * has_spf, spf_domain, spf_result.  The format is stored in databases:
 * changing it needs a schema migration (rstore).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#include <stdlib.h>
#include <string.h>

#include "rrow.h"
#include "str.h"

static void
free_str(char **s)
{
	free(*s);
	*s = NULL;
}

void
rrow_free(struct rrow *r)
{
	size_t i;

	free_str(&r->source_ip);
	free_str(&r->header_from);
	free_str(&r->envelope_from);
	free_str(&r->envelope_to);
	for (i = 0; i < r->nreason; i++)
		free_str(&r->reason[i].comment);
	for (i = 0; i < r->ndkim; i++) {
		free_str(&r->dkim[i].domain);
		free_str(&r->dkim[i].selector);
	}
	free(r->dkim);
	free_str(&r->spf_domain);
	memset(r, 0, sizeof(*r));
}

void
rpolicy_free(struct rpolicy *p)
{
	free_str(&p->domain);
	free_str(&p->fo);
	free_str(&p->rua);
	memset(p, 0, sizeof(*p));
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

int
rrow_copy(struct rrow *dst, const struct rrow *src)
{
	size_t i;

	*dst = *src;
	dst->source_ip = dup_or_null(src->source_ip);
	dst->header_from = dup_or_null(src->header_from);
	dst->envelope_from = dup_or_null(src->envelope_from);
	dst->envelope_to = dup_or_null(src->envelope_to);
	dst->spf_domain = dup_or_null(src->spf_domain);
	for (i = 0; i < src->nreason; i++)
		dst->reason[i].comment = dup_or_null(src->reason[i].comment);
	dst->dkim = NULL;
	if (src->ndkim > 0) {
		dst->dkim = xcalloc(src->ndkim, sizeof(*dst->dkim));
		for (i = 0; i < src->ndkim; i++) {
			dst->dkim[i] = src->dkim[i];
			dst->dkim[i].domain = dup_or_null(src->dkim[i].domain);
			dst->dkim[i].selector =
			    dup_or_null(src->dkim[i].selector);
		}
	}
	return 0;
}

/* ---- key ---------------------------------------------------------- */

static void
key_str(struct str *b, const char *s)
{
	if (s == NULL) {
		str_add(b, "\\0\n");
		return;
	}
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			str_add(b, "\\\\");
		else if (*s == '\n')
			str_add(b, "\\n");
		else
			str_addc(b, *s);
	}
	str_addc(b, '\n');
}

static void
key_num(struct str *b, unsigned long long v)
{
	str_addf(b, "%llu\n", v);
}

int
rrow_key(const struct rrow *r, char **out, size_t *len)
{
	struct str b;
	size_t i;

	str_init(&b);
	key_str(&b, r->source_ip);
	key_str(&b, r->header_from);
	key_str(&b, r->envelope_from);
	key_str(&b, r->envelope_to);
	key_num(&b, (unsigned)r->disposition);
	key_num(&b, r->dkim_pass != 0);
	key_num(&b, r->spf_pass != 0);
	key_num(&b, r->nreason);
	for (i = 0; i < r->nreason; i++) {
		key_num(&b, (unsigned)r->reason[i].type);
		key_str(&b, r->reason[i].comment);
	}
	key_num(&b, r->ndkim);
	for (i = 0; i < r->ndkim; i++) {
		key_str(&b, r->dkim[i].domain);
		key_str(&b, r->dkim[i].selector);
		key_num(&b, (unsigned)r->dkim[i].result);
	}
	key_num(&b, r->has_spf != 0);
	key_str(&b, r->spf_domain);
	key_num(&b, (unsigned)r->spf_result);
	*len = b.len;
	*out = str_steal(&b);
	return 0;
}

/* a cursor over a key being parsed */
struct kcur {
	const char *p, *end;
	int bad;
};

/* cur_str - next field as a new string (NULL for "\0"); sets bad */
static char *
cur_str(struct kcur *c)
{
	struct str b;
	const char *nl = c->p < c->end ? memchr(c->p, '\n', c->end - c->p) :
					 NULL;

	if (nl == NULL) {
		c->bad = 1;
		return NULL;
	}
	if (nl - c->p == 2 && c->p[0] == '\\' && c->p[1] == '0') {
		c->p = nl + 1;
		return NULL;
	}
	str_init(&b);
	for (; c->p < nl; c->p++) {
		if (*c->p != '\\') {
			str_addc(&b, *c->p);
			continue;
		}
		if (c->p + 1 >= nl || (c->p[1] != '\\' && c->p[1] != 'n')) {
			c->bad = 1;
			break;
		}
		c->p++;
		str_addc(&b, *c->p == 'n' ? '\n' : '\\');
	}
	c->p = nl + 1;
	return str_steal(&b);
}

/* cur_num - next field as a number <= max; sets bad */
static unsigned long long
cur_num(struct kcur *c, unsigned long long max)
{
	const char *nl = c->p < c->end ? memchr(c->p, '\n', c->end - c->p) :
					 NULL;
	uint64_t v = 0;

	if (nl == NULL ||
	    str_parse_u64(c->p, (size_t)(nl - c->p), max, &v) != 0) {
		c->bad = 1;
		return 0;
	}
	c->p = nl + 1;
	return v;
}

static void
unkey_lists(struct kcur *c, struct rrow *r)
{
	size_t i;

	r->nreason = cur_num(c, RR_MAX_REASONS);
	for (i = 0; i < r->nreason && !c->bad; i++) {
		r->reason[i].type = cur_num(c, RR_REASON_TRUSTED_FORWARDER);
		r->reason[i].comment = cur_str(c);
	}
	r->ndkim = cur_num(c, RR_MAX_DKIM);
	if (!c->bad && r->ndkim > 0)
		r->dkim = xcalloc(r->ndkim, sizeof(*r->dkim));
	for (i = 0; i < r->ndkim && !c->bad; i++) {
		r->dkim[i].domain = cur_str(c);
		r->dkim[i].selector = cur_str(c);
		r->dkim[i].result = cur_num(c, RES_DKIM_PERMERROR);
	}
	if (c->bad)
		r->ndkim = r->dkim != NULL ? r->ndkim : 0;
}

int
rrow_unkey(const char *key, size_t len, struct rrow *r)
{
	struct kcur c = { key, key + len, 0 };

	memset(r, 0, sizeof(*r));
	r->source_ip = cur_str(&c);
	r->header_from = cur_str(&c);
	r->envelope_from = cur_str(&c);
	r->envelope_to = cur_str(&c);
	r->disposition = cur_num(&c, RR_DISP_REJECT);
	r->dkim_pass = (int)cur_num(&c, 1);
	r->spf_pass = (int)cur_num(&c, 1);
	if (!c.bad)
		unkey_lists(&c, r);
	r->has_spf = (int)cur_num(&c, 1);
	r->spf_domain = cur_str(&c);
	r->spf_result = cur_num(&c, RES_SPF_PERMERROR);
	if (c.bad || c.p != c.end || r->source_ip == NULL ||
	    r->header_from == NULL || r->envelope_from == NULL) {
		rrow_free(r);
		return -1;
	}
	return 0;
}

/* ---- vocabulary --------------------------------------------------- */

static const char *const disp_names[] = { "none", "pass", "quarantine",
	"reject", NULL };
static const char *const reason_names[] = { "local_policy", "mailing_list",
	"other", "policy_test_mode", "trusted_forwarder", NULL };
static const char *const pol_names[] = { "none", "quarantine", "reject", NULL };

const char *
rr_disp_name(enum rr_disp d)
{
	return (unsigned)d <= RR_DISP_REJECT ? disp_names[d] : "none";
}

const char *
rr_reason_name(enum rr_reason r)
{
	return (unsigned)r <= RR_REASON_TRUSTED_FORWARDER ? reason_names[r] :
							    "other";
}

const char *
rr_pol_name(enum rr_pol p)
{
	return p >= RR_POL_NONE && p <= RR_POL_REJECT ? pol_names[p] : NULL;
}

const char *
rr_discovery_name(enum rr_discovery d)
{
	return d == RR_DISC_PSL ? "psl" : "treewalk";
}

/* name_index - index of s in the NULL-terminated names, or -1 */
static int
name_index(const char *const *names, const char *s)
{
	int i;

	for (i = 0; s != NULL && names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int
rr_disp_parse(const char *s, enum rr_disp *out)
{
	int i = name_index(disp_names, s);

	if (i < 0)
		return -1;
	*out = (enum rr_disp)i;
	return 0;
}

int
rr_reason_parse(const char *s, enum rr_reason *out)
{
	int i = name_index(reason_names, s);

	if (i < 0)
		return -1;
	*out = (enum rr_reason)i;
	return 0;
}

int
rr_pol_parse(const char *s, enum rr_pol *out)
{
	int i = name_index(pol_names, s);

	if (i < 0)
		return -1;
	*out = (enum rr_pol)i;
	return 0;
}
