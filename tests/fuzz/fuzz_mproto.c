/*
 * fuzz_mproto.c - fuzz target: hallmark's milter protocol engine
 * (milter/mproto) decoding what an MTA, or anyone who reaches the milter
 * socket, sends.
 *
 * Input: 4 bytes seeding where the stream is cut, then the byte stream
 * of one connection.  The stream is handed to the session in pieces of
 * 1 to 4096 bytes (as partial reads would deliver it), through
 * mp_sess_input(), until the session ends (QUIT) or refuses the stream
 * (protocol error).  The filter's callbacks do what hallmark's do: ask
 * for macros in negotiation, read macros at every step
 * (smfi_getsymval, which on libmilter reads past the macro array after
 * an odd-length macro packet), set a reply, insert and change headers
 * and quarantine at end of message.
 *
 * Invariants: no crash or sanitizer report; the input buffer never
 * holds more than one frame at its limit plus one piece (bounded
 * memory); every reply written is a well-formed frame of a known reply
 * command; nothing is decoded after the session ended.
 */
#include <arpa/inet.h>

#include "fuzz.h"
#include "mp_sess.h"

#define MAX_FRAME (256 * 1024)
#define PIECE_MAX 4096

static int in_eom;

static sfsistat
f_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1,
    unsigned long *pf2, unsigned long *pf3)
{
	(void)f2;
	(void)f3;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE);
	*pf1 = (f1 &
	    (SMFIP_NR_HDR | SMFIP_NR_BODY | SMFIP_HDR_LEADSPC | SMFIP_NODATA |
		SMFIP_NOUNKNOWN));
	*pf2 = *pf3 = 0;
	(void)smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_authen}");
	(void)smfi_setsymlist(ctx, SMFIM_EOM, "i");
	return SMFIS_CONTINUE;
}

/* look - read the macros hallmark reads, and a few more */
static void
look(SMFICTX *ctx)
{
	static char *names[] = { "i", "{i}", "{auth_authen}", "j", "{x}", "_",
		"" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = smfi_getsymval(ctx, names[i]);

		if (v != NULL)
			FUZZ_CHECK(strlen(v) < MAX_FRAME);
	}
}

static sfsistat
f_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	FUZZ_CHECK(host != NULL);
	if (sa != NULL)
		FUZZ_CHECK(sa->sa_family == AF_INET ||
		    sa->sa_family == AF_INET6 || sa->sa_family == AF_UNIX);
	(void)smfi_setpriv(ctx, ctx);
	look(ctx);
	return SMFIS_CONTINUE;
}

static sfsistat
f_helo(SMFICTX *ctx, char *h)
{
	FUZZ_CHECK(h != NULL);
	look(ctx);
	return SMFIS_NOREPLY;
}

static sfsistat
f_env(SMFICTX *ctx, char **argv)
{
	FUZZ_CHECK(argv != NULL && argv[0] != NULL);
	look(ctx);
	return SMFIS_NOREPLY;
}

static sfsistat
f_header(SMFICTX *ctx, char *n, char *v)
{
	FUZZ_CHECK(n != NULL && *n != '\0' && v != NULL);
	look(ctx);
	return SMFIS_NOREPLY;
}

static sfsistat
f_eoh(SMFICTX *ctx)
{
	look(ctx);
	return SMFIS_NOREPLY;
}

static sfsistat
f_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	FUZZ_CHECK(p != NULL && n > 0 && n <= MAX_FRAME);
	(void)ctx;
	return SMFIS_NOREPLY;
}

/* f_eom - everything hallmark does at end of message */
static sfsistat
f_eom(SMFICTX *ctx)
{
	char *qid;

	look(ctx);
	in_eom = 1;
	qid = smfi_getsymval(ctx, "i");
	(void)smfi_chgheader(ctx, "Authentication-Results", 1, NULL);
	(void)smfi_insheader(ctx, 0, "Authentication-Results",
	    qid ? qid : " x; none");
	(void)smfi_addheader(ctx, "X-Test", "v");
	if (qid != NULL && qid[0] == 'q') {
		(void)smfi_quarantine(ctx, "held");
		return SMFIS_CONTINUE;
	}
	if (qid != NULL && qid[0] == 'r') {
		(void)smfi_setreply(ctx, "550", "5.7.1", "rejected");
		return SMFIS_REJECT;
	}
	(void)smfi_setreply(ctx, "451", NULL, "later");
	return qid != NULL && qid[0] == 't' ? SMFIS_TEMPFAIL : SMFIS_CONTINUE;
}

static sfsistat
f_abort(SMFICTX *ctx)
{
	look(ctx);
	return SMFIS_CONTINUE;
}

static sfsistat
f_close(SMFICTX *ctx)
{
	(void)smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = { "fuzz", SMFI_VERSION,
	SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE, f_connect, f_helo,
	f_env, f_env, f_header, f_eoh, f_body, f_eom, f_abort, f_close, NULL,
	NULL, f_negotiate };

/* check_out - the replies are well-formed frames of known commands */
static void
check_out(struct mp_buf *out)
{
	size_t off = 0;

	while (off < out->len) {
		uint32_t l;

		FUZZ_CHECK(out->len - off >= 5);
		memcpy(&l, out->p + off, 4);
		l = ntohl(l);
		FUZZ_CHECK(l >= 1 && off + 4 + l <= out->len);
		FUZZ_CHECK(strchr("Ocrtdaysimhq", out->p[off + 4]) != NULL);
		off += 4 + l;
	}
	out->len = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_buf in = { 0 };
	SMFICTX ctx;
	uint32_t seed = 0;
	size_t off = 4;
	int rc = MP_MORE;

	if (size < 4)
		return 0;
	memcpy(&seed, data, 4);
	in_eom = 0;
	mp_sess_init(&ctx, &desc, MAX_FRAME, "fuzz");
	while (rc == MP_MORE && off < size) {
		size_t piece;

		seed = seed * 1103515245u + 12345u;
		piece = 1 + (seed >> 8) % PIECE_MAX;
		if (piece > size - off)
			piece = size - off;
		in.p = realloc(in.p, in.len + piece);
		FUZZ_CHECK(in.p != NULL);
		memcpy(in.p + in.len, data + off, piece);
		in.len += piece;
		in.cap = in.len;
		off += piece;
		rc = mp_sess_input(&ctx, &in);
		FUZZ_CHECK(in.len <= MAX_FRAME + 5 + PIECE_MAX);
		check_out(&ctx.out);
	}
	mp_sess_end(&ctx);
	mp_sess_free(&ctx);
	free(in.p);
	return 0;
}
