/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the auxiliary-vector reader behind "did this exec gain privileges" (hd_auxv_at_secure,
 * fed /proc/TID/auxv). The first byte picks the word size, the rest is the vector. It must not read past
 * the input (ASan), must answer -1, 0 or 1, and must agree with a plain reading of the same words. */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "learn/trace/observe.h"

static int reference(const uint8_t *v, size_t len, bool wide)
{
	size_t w = wide ? 8 : 4;
	for (size_t off = 0; off + 2 * w <= len; off += 2 * w) {
		uint64_t type = 0, value = 0;
		memcpy(&type, v + off, w); /* little-endian: the low bytes of a 64-bit word */
		memcpy(&value, v + off + w, w);
		if (type == AT_NULL)
			return -1;
		if (type == AT_SECURE)
			return value != 0;
	}
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool wide = data[0] & 1;
	/* a copy of exactly the vector's bytes, so that ASan sees any read past its end */
	size_t len = size - 1;
	uint8_t *v = malloc(len ? len : 1);
	if (!v)
		return 0;
	memcpy(v, data + 1, len);
	int r = hd_auxv_at_secure(v, len, wide);
	if (r < -1 || r > 1 || r != reference(v, len, wide))
		abort();
	free(v);
	return 0;
}
