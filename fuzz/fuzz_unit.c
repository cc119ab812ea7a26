/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the unit-file parser, then the specifier expansion and the load-time checks on
 * whatever it produced. The first byte picks the unit name (type and template instance matter). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit/unit.h"

static const char *const names[] = {
	"fuzz.service", "fuzz-a-b@in-st\\x2dance.service", "fuzz.socket", "fuzz.target", "a-b-.service",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct hd_unit u = { 0 };
	hd_diags d = { 0 };
	u.name = strdup(names[data[0] % (sizeof(names) / sizeof(names[0]))]);
	u.path = strdup("/fuzz/unit");
	if (!u.name || !u.path)
		abort();
	int r = hd_unit_parse_text(&u, (const char *)data + 1, size - 1, "fuzz", &d);
	if (r > 0)
		abort(); /* 0 or -errno only */
	for (size_t i = 0; i < u.n; i++) {
		if (!u.v[i].section || !u.v[i].key || !u.v[i].value || u.v[i].line == 0 ||
		    u.v[i].line > u.v[i].line_last || u.v[i].key[0] == '\0')
			abort();
		char *out = NULL;
		if (hd_unit_expand_specifiers(&u, u.v[i].value, &out) == 0)
			free(out);
	}
	(void)hd_unit_verify(&u, &d);
	hd_unit_free(&u);
	hd_diags_free(&d);
	return 0;
}
