/*
 * module.c - the list of check modules, in the order the callbacks call
 * them (see module.h): SPF, DKIM verify, DMARC (needs both), DKIM sign.
 */
#include <stddef.h>

#include "dkim_verify.h"
#include "dmarc.h"
#include "module.h"
#include "spf.h"
#include "dkim_sign.h"

const struct hm_module *const hm_modules[] = {
	&spf_module,
	&dkimv_module,
	&dmarc_module,
	&dkims_module,
	NULL
};
