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
int hd_suggestion_exposure(const struct hd_suggestion *sug, const char *unit_path, int sdver, unsigned *before,
			   unsigned *after, hd_diags *diags);
