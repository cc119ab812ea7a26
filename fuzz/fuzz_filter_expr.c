/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the filter engine: the input is unit-file-like lines "Key=Value" (the first
 * byte picks the systemd version and an architecture). Every line goes through hd_seccomp_apply in
 * order, then rule sets (plain and full) are built and checked for the invariants callers rely on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "syscalls/groups.h"

#define MAX_LINES 64

static void check_ruleset(const struct hd_ruleset *rs)
{
	for (size_t i = 1; i < rs->n; i++)
		if (rs->v[i - 1].nr > rs->v[i].nr) /* sorted by number */
			abort();
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].nr < 0 || !rs->v[i].name || !rs->v[i].origin)
			abort();
		if (rs->v[i].action.kind == HD_ACT_ERRNO && (rs->v[i].action.errno_value < 0 || rs->v[i].action.errno_value > 4095))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int sdver = data[0] & 1 ? HD_SYSTEMD_LATEST : HD_SYSTEMD_252;
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;

	struct hd_seccomp_settings s;
	hd_diags diags = { 0 };
	hd_seccomp_settings_init(&s);
	unsigned line = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && line < MAX_LINES;
	     l = strtok_r(NULL, "\n", &save)) {
		line++;
		char *eq = strchr(l, '=');
		if (!eq)
			continue;
		*eq = 0;
		if (hd_seccomp_apply(&s, l, eq + 1, sdver, "fuzz.service", line, &diags) < 0)
			break;
	}
	/* the native ABIs plus one foreign architecture picked by the input (all 20 each time would
	 * make the harness too slow to explore the parser) */
	hd_arch archs[4];
	int n = hd_arch_native_abis(archs);
	archs[n++] = (hd_arch)(data[0] >> 1) % HD_ARCH_COUNT;
	for (int i = 0; i < n; i++) {
		struct hd_ruleset rs;
		if (hd_ruleset_build(&s, archs[i], sdver, &rs) == 0) {
			check_ruleset(&rs);
			hd_ruleset_free(&rs);
		}
		if (hd_ruleset_build_full(&s, archs[i], sdver, &rs) == 0) {
			check_ruleset(&rs);
			hd_ruleset_free(&rs);
		}
	}
	(void)hd_seccomp_check(&s, sdver, "fuzz.service", &diags);
	for (size_t i = 0; hd_seccomp_keys[i]; i++) {
		char *v = NULL;
		if (hd_seccomp_format(&s, hd_seccomp_keys[i], &v) == 0)
			free(v);
	}
	hd_seccomp_settings_free(&s);
	hd_diags_free(&diags);
	free(text);
	return 0;
}
