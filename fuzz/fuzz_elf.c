/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the ELF reader (headers, dynamic section, symbols, syscall instruction scan)
 * and the "#!" parser, on arbitrary bytes. Results are checked for consistency, not just survival. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libelf.h>

#include "elf/elfreach.h"
#include "elf/elfscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_elf_scan s;
	hd_elf_scan_init(&s);
	hd_diags d = { 0 };
	int r = hd_elf_scan_memory(data, size, "fuzz", &s, &d);
	if (r > 0)
		abort(); /* 0 or -errno only */
	if (r < 0 && hd_diags_count(&d, HD_ERROR) == 0 && r != -ENOMEM)
		abort(); /* every refusal says why */
	for (size_t i = 0; i < s.n; i++)
		if (!s.v[i].syscall || !hd_strv_contains(&s.syscalls, s.v[i].syscall))
			abort();
	hd_elf_scan_free(&s);
	hd_diags_free(&d);

	/* the reachability walk, with every export as a root */
	if (elf_version(EV_CURRENT) != EV_NONE && size) {
		unsigned char *copy = malloc(size);
		if (copy) {
			memcpy(copy, data, size);
			Elf *e = elf_memory((char *)copy, size);
			if (e && elf_kind(e) == ELF_K_ELF) {
				hd_strv reach = { 0 };
				int rr = hd_elf_reachable_imports(e, copy, size, NULL, &reach);
				if (rr > 0)
					abort();
				hd_strv_free(&reach);
			}
			if (e)
				elf_end(e);
			free(copy);
		}
	}

	char *interp = NULL, *arg = NULL;
	r = hd_shebang_parse((const char *)data, size, &interp, &arg);
	if (r == 1 && (!interp || !*interp))
		abort();
	if (r != 1 && (interp || arg))
		abort();
	free(interp);
	free(arg);
	return 0;
}
