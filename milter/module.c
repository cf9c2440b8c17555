/*
 * module.c - the list of check modules, in the order the callbacks call
 * them (see module.h): SPF, DKIM verify, DMARC (needs both), DKIM sign.
 */
#include <stddef.h>

#include "module.h"

const struct hm_module *const hm_modules[] = {
	NULL
};
