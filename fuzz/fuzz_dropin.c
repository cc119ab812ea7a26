/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the drop-in writer. The input is up to 16 written paths separated by NUL bytes (what
 * a traced program or a profile's paths_written may hold); the drop-in learned from them must read back
 * as exactly the settings meant, never a line more (tests/dropin_property.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/dropin_property.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *paths[16];
	size_t n = 0;
	for (size_t start = 0; start < size && n < 16;) {
		const uint8_t *nul = memchr(data + start, 0, size - start);
		size_t len = nul ? (size_t)(nul - (data + start)) : size - start;
		paths[n] = strndup((const char *)data + start, len);
		if (!paths[n])
			break;
		n++;
		start += len + 1;
	}
	const char *bad = dropin_property(paths, n);
	if (bad) {
		fprintf(stderr, "dropin property broken: %s\n", bad);
		abort();
	}
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	return 0;
}
