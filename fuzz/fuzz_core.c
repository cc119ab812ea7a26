/* SPDX-License-Identifier: MIT */
/* libFuzzer: the core reader (plain and compressed), then the explanation built from what it read. */
#include <stddef.h>
#include <stdint.h>

#include "explain/coredump.h"
#include "explain/explain.h"
#include "syscalls/groups.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_core_info ci;
	hd_diags d = { 0 };
	if (hd_core_read_mem(data, size, "fuzz", &ci, &d) >= 0) {
		(void)hd_core_executable(&ci);
		struct hd_evidence_list ev = { 0 };
		struct hd_explanation x;
		if (hd_evidence_from_core(&ci, "fuzz", &ev) >= 0 && hd_explain(&ev, HD_SYSTEMD_LATEST, NULL, NULL, &x) >= 0)
			hd_explanation_free(&x);
		hd_evidence_list_free(&ev);
	}
	hd_core_info_free(&ci);
	hd_diags_free(&d);
	return 0;
}
