/* SPDX-License-Identifier: MIT */
#include "syscalls/fallbacks.h"

#include <stddef.h>
#include <string.h>

const struct hd_fallback_pair hd_fallback_pairs[] = {
	/* glibc tries the newer call first and falls back only on ENOSYS */
	{ "clone3", "clone" },
	{ "faccessat2", "faccessat" },
	{ "fchmodat2", "fchmodat" },
	{ "statx", "newfstatat" },
	{ "openat2", "openat" },
	{ NULL, NULL },
};

const char *hd_fallback_of(const char *newer)
{
	for (const struct hd_fallback_pair *f = hd_fallback_pairs; newer && f->newer; f++)
		if (strcmp(f->newer, newer) == 0)
			return f->older;
	return NULL;
}
