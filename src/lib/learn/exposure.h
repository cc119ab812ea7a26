/* SPDX-License-Identifier: MIT */
#pragma once
#include "learn/suggest.h"
#include "util/diag.h"

/*
 * What a learned drop-in is worth: the exposure (harden security's score, in tenths) of a unit before
 * and after the suggestion's settings are applied to it as a drop-in, exactly as systemd would read
 * them. unit_path NULL scores a bare service running the command (ExecStart=/bin/true, no settings).
 * 0, or -errno with diags naming what could not be read (the unit file) or refused.
 */
/* Whether hd_suggestion_exposure can score unit_path: loaded and assessed as it is, before anything is
 * learned (a missing, masked or refused unit is found before a workload is traced, not after).
 * 0, or -errno with diags naming the problem. */
int hd_exposure_unit_check(const char *unit_path, int sdver, hd_diags *diags);
int hd_suggestion_exposure(const struct hd_suggestion *sug, const char *unit_path, int sdver, unsigned *before,
			   unsigned *after, hd_diags *diags);
