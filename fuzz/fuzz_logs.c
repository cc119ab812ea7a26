/* SPDX-License-Identifier: MIT */
/* libFuzzer: the text evidence parsers (audit lines, coredumpctl info, journal JSON and export),
 * pairing of records, the explanation and the drop-in text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "explain/explain.h"
#include "explain/fix.h"
#include "syscalls/groups.h"
#include "explain/logparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_evidence_list ev = { 0 };
	hd_diags d = { 0 };
	(void)hd_evidence_parse_text((const char *)data, size, "fuzz", &ev, &d);
	struct hd_explanation x;
	if (hd_evidence_correlate(&ev) >= 0 && hd_explain(&ev, HD_SYSTEMD_252, NULL, NULL, &x) >= 0) {
		for (size_t i = 0; i < x.n; i++) {
			/* what explain's printer relies on: an inferred syscall is a seccomp record's, and it
			 * has its fix line (issue 25: a SIGSEGV in read() was "inferred" with no fix: a crash) */
			const struct hd_evidence *e = &ev.v[x.v[i].first];
			if (e->inferred && (!hd_evidence_is_seccomp(e) || !x.v[i].narrow_line))
				abort();
		}
		char *text = NULL;
		if (hd_explain_dropin_text(&ev, &x, NULL, &text) >= 0)
			free(text);
		hd_explanation_free(&x);
	}
	hd_evidence_list_free(&ev);
	hd_diags_free(&d);
	return 0;
}
