/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: a harden apply record (JSON) read back as --undo and the next apply read it. Never a
 * crash or leak; an accepted record names a .conf file in the unit's own .d/ directory, and its
 * applied_sha256 is the hash of its applied text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manager/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_apply_record r;
	hd_diags d = { 0 };
	if (hd_apply_record_parse((const char *)data, size, "fuzz.json", "fuzz.service", &r, &d) == 0) {
		char hex[65];
		size_t n = strlen(r.dropin_path);
		if (!strstr(r.dropin_path, "/fuzz.service.d/") || n < 5 || strcmp(r.dropin_path + n - 5, ".conf") != 0 ||
		    strstr(r.dropin_path, "/../") || hd_sha256_hex(r.applied, strlen(r.applied), hex) < 0 ||
		    strcmp(hex, r.applied_sha256) != 0 || r.had_previous != (r.previous != NULL))
			abort();
		hd_apply_record_free(&r);
	}
	hd_diags_free(&d);
	return 0;
}
