/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the tracefs available_events parser (hd_kernel_events_parse). Input is any bytes;
 * the parser must not crash, and every name it returns must be a non-NUL-containing copy of a line's
 * tail after "syscalls:sys_enter_", sorted and unique. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls/syscalls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hd_strv out = { 0 };
	int r = hd_kernel_events_parse((const char *)data, size, &out);
	if (r >= 0)
		for (size_t i = 0; i < out.n; i++) {
			if (strlen(out.v[i]) >= HD_KERNEL_EVENTS_LINE_MAX || strpbrk(out.v[i], "\r\n"))
				abort();
			if (i > 0 && strcmp(out.v[i - 1], out.v[i]) >= 0)
				abort();
		}
	hd_strv_free(&out);
	return 0;
}
