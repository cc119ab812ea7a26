/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "explain/evidence.h"
#include "explain/explain.h"
#include "filter/filter.h"
#include "syscalls/arch.h"
#include "unit/unit.h"
#include "util/diag.h"

/*
 * explain's whole computation: evidence -> violations with their fixes, and, given the unit the
 * process ran under, which of its lines excluded each syscall and a drop-in verified to let it run.
 */

/* Per violation, the unit's verdict for each of its syscalls (indexed like hd_violation.fix). */
struct hd_unit_verdicts {
	struct hd_unit_verdict *v;
	size_t n;
};

struct hd_explain_unit_ctx {
	struct hd_unit unit;
	bool loaded;                        /* the unit loaded (even when its settings then failed) */
	int sdver;
	struct hd_seccomp_settings settings; /* the unit's final seccomp settings */
	struct hd_ruleset rs[HD_ARCH_COUNT]; /* built on first use, per architecture */
	bool have_rs[HD_ARCH_COUNT];
	struct hd_unit_verdicts *verdicts;  /* indexed like hd_explanation.v (after hd_explain_evidence) */
	size_t n;
};

/*
 * Load the unit file at path (with its drop-ins) into a zeroed uc. 0; or -errno: with uc->loaded
 * false the unit did not load (the reasons are in diags), with it true its settings did not
 * (-ENOMEM). hd_explain_unit_ctx_free in every case.
 */
int hd_explain_unit_load(struct hd_explain_unit_ctx *uc, const char *path, int sdver, hd_diags *diags);
void hd_explain_unit_ctx_free(struct hd_explain_unit_ctx *uc);

/*
 * Pair the records of one death (hd_evidence_correlate), group them into violations with their fixes
 * (hd_explain) and, when uc holds a loaded unit (uc may be NULL), leave out of "also allows" what the
 * unit allows already and fill uc->verdicts. 0 or -errno.
 */
int hd_explain_evidence(struct hd_evidence_list *ev, int sdver, struct hd_explain_unit_ctx *uc,
			struct hd_explanation *out);

/* True when some violation is a seccomp one (explain's "explained" exit status). */
bool hd_explanation_has_seccomp(const struct hd_evidence_list *ev, const struct hd_explanation *x);

/*
 * The drop-in that lets every seccomp kill with a known syscall run: comments naming each kill (and,
 * with a loaded unit, the lines that excluded it), then [Service] and the lines: the narrowest line
 * per syscall without a unit, the unit verdicts' verified lines with one. *out is malloc'ed text.
 * Names a program or a log chose (its comm, executable, file) only ever appear in comment lines
 * (hd_unit_comment). 0; -ENOENT when there is nothing to allow; -EINVAL for a line that is not verbatim
 * (hd_unit_value_is_verbatim: never written); -ENOMEM.
 */
int hd_explain_dropin_text(const struct hd_evidence_list *ev, const struct hd_explanation *x,
			   const struct hd_explain_unit_ctx *uc, char **out);

/* systemd's name of the architecture, or "unknown architecture": words for a message. */
const char *hd_explain_arch_name(hd_arch a);
