/* SPDX-License-Identifier: MIT */
/* libFuzzer: the text evidence parsers (audit lines, coredumpctl info, journal JSON and export),
 * pairing of records and the explanation. */
#include <stddef.h>
#include <stdint.h>

#include "explain/explain.h"
#include "syscalls/groups.h"
#include "explain/logparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_evidence_list ev = { 0 };
	hd_diags d = { 0 };
	(void)hd_evidence_parse_text((const char *)data, size, "fuzz", &ev, &d);
	struct hd_explanation x;
	if (hd_evidence_correlate(&ev) >= 0 && hd_explain(&ev, HD_SYSTEMD_252, NULL, NULL, &x) >= 0)
		hd_explanation_free(&x);
	hd_evidence_list_free(&ev);
	hd_diags_free(&d);
	return 0;
}
