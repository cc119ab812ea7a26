/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for the security-policy reader (hd_policy_parse): any bytes must give either a
 * policy or an error diag, never a crash, a leak or a hang; an accepted policy must score a unit. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "assess/assess.h"
#include "syscalls/groups.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_policy p;
	hd_diags d = { 0 };
	int r = hd_policy_parse((const char *)data, size, "fuzz.policy", &p, &d);
	if (r == 0) {
		/* use it: every weight and range it accepted must be safe to score with */
		struct hd_settings s;
		struct hd_assessment a;
		hd_settings_init(&s);
		if (hd_settings_finalize(&s) == 0 && hd_assess(&s, &p, HD_SYSTEMD_252, &a) == 0)
			hd_assessment_free(&a);
		hd_settings_free(&s);
	} else if (d.n == 0 && r != -ENOMEM) {
		__builtin_trap(); /* an error must always say why */
	}
	hd_policy_free(&p);
	hd_diags_free(&d);
	return 0;
}
