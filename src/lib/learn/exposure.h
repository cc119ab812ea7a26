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
/* The same, for a drop-in that will replace the file replaces (learn -o FILE, which may already be one of
 * the unit's drop-ins from an earlier run): that file is left out of "before" and "after" alike, so that
 * the score compares the unit without it to the unit with the new one. counted (may be NULL) receives
 * the unit's drop-ins that were counted, in systemd's order; *replaced (may be NULL) whether replaces was
 * one of its drop-ins (and so left out). replaces NULL: none. */
int hd_suggestion_exposure_replacing(const struct hd_suggestion *sug, const char *unit_path, const char *replaces,
				     int sdver, unsigned *before, unsigned *after, hd_strv *counted, bool *replaced,
				     hd_diags *diags);
