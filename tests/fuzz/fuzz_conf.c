/*
 * fuzz_conf.c - fuzz target: the configuration loader (libconfig syntax
 * through the option tables) in check mode, as `hallmarkd -n` runs it on a
 * file an administrator wrote.
 *
 * Invariants: a loaded configuration has an authserv-id, and its socket
 * and authserv-id pass the checks start-up relies on (conf_check.h); a
 * refused one has an error text.
 */
#include "conf.h"
#include "conf_check.h"
#include "conf_table.h"
#include "fuzz.h"
#include "log.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init("fuzz_conf", 0, "mail", LOG_LVL_ERR);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	struct conf_err e;
	struct conf *c;

	/* libconfig's @include would read files: not a parser input */
	if (size > 65536 || memmem(data, size, "@include", 8) != NULL)
		return 0;
	s = fuzz_cstr(data, size);
	c = conf_load_string(s, 1, &e);
	if (c != NULL) {
		FUZZ_CHECK(c->authserv_id != NULL);
		FUZZ_CHECK(conf_check_authserv_id(c->authserv_id, NULL, 0) ==
		    0);
		FUZZ_CHECK(conf_check_socket(c->socket, NULL, 0) == 0);
		FUZZ_CHECK(c->resolver == NULL);
		conf_release(c);
	} else {
		FUZZ_CHECK(e.msg[0] != '\0');
	}
	free(s);
	return 0;
}
