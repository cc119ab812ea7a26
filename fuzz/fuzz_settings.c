/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for the typed settings and the assessment: any unit text is parsed (unit reader),
 * folded into settings with systemd's value rules, and scored; never a crash, leak or hang, and a
 * scored unit's exposure stays within 0..100. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "syscalls/groups.h"
#include "assess/settings.h"
#include "unit/unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_unit u = { 0 };
	hd_diags d = { 0 };
	u.name = strdup("fuzz@i.service");
	u.instance = strdup("i");
	u.sdver = HD_SYSTEMD_252;
	if (!u.name || !u.instance)
		goto out;
	(void)hd_unit_parse_text(&u, (const char *)data, size, "fuzz.service", &d);
	for (int v = 0; v < 2; v++) {
		int sdver = v ? HD_SYSTEMD_LATEST : HD_SYSTEMD_252;
		struct hd_settings s;
		struct hd_assessment a;
		if (hd_settings_from_unit(&u, sdver, &s, &d) == 0 && hd_assess(&s, NULL, sdver, &a) == 0) {
			if (a.exposure > 100)
				__builtin_trap();
			hd_assessment_free(&a);
		}
		hd_settings_free(&s);
	}
out:
	hd_unit_free(&u);
	hd_diags_free(&d);
	return 0;
}
