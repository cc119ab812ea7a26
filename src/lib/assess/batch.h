/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "assess/assess.h"
#include "unit/unit.h"
#include "util/diag.h"
#include "util/strv.h"

/*
 * harden security's computation for many units: which files the arguments name, one unit scored
 * with an optional portable profile and the --fix drop-in re-scored, and the overview's order.
 */

/* The file name the --fix drop-in is parsed under, for messages about it. */
#define HD_ASSESS_FIX_DROPIN_NAME "<harden --fix drop-in>"

/*
 * The drop-in that makes every failing row of a pass: the rows' fix lines in table order, under a
 * comment naming unit and [Service]. Deny-style lines of one setting ("Key=~A", "Key=~B") are merged
 * into one ("Key=~A B"), which systemd reads the same way; "%p" becomes unit's prefix (as systemd's
 * specifier would). malloc'ed; NULL on ENOMEM.
 */
char *hd_assess_fix_dropin(const struct hd_assessment *a, const char *unit);

/*
 * --profile=NAME|PATH -> the file to apply: a PATH (with a '/' or ending in .conf) as given, a NAME
 * from the portable profile directories (/etc, /run, /usr/local/lib, /usr/lib .../systemd/portable/
 * profile/NAME/service.conf, under root if non-NULL). malloc'ed; NULL when not found (or ENOMEM).
 */
char *hd_assess_find_profile(const char *profile, const char *root);
/* Apply a profile file to u like a last drop-in (NULL: nothing to do). 0 or -errno with a diag. */
int hd_assess_apply_profile(struct hd_unit *u, const char *profile_path, hd_diags *diags);

/*
 * One FILE, DIR or UNIT argument -> unit files appended to files: a DIR's *.service files in name
 * order (*is_dir set), a bare UNIT name that is no file here looked up in the unit search path, an
 * alias symlink as the unit it points to. With root, arguments name paths inside it (as
 * systemd-analyze takes them; the loader adds the root). 0, or -errno when a directory cannot be read.
 */
int hd_assess_collect_units(const char *arg, const char *root, hd_strv *files, bool *is_dir);

struct hd_assess_unit_options {
	const char *root;               /* --root, or NULL */
	const char *instance;           /* for template units, or NULL: the systemd version's default */
	int sdver;
	const struct hd_policy *policy; /* NULL: the check table's weights */
	const char *profile_path;       /* from hd_assess_find_profile, or NULL */
	bool fix;                       /* also build the --fix drop-in and score the unit with it */
};

struct hd_assess_unit_result {
	struct hd_unit unit;
	const char *name;               /* the unit's name, or the path when it has none */
	struct hd_assessment a;
	char *dropin;                   /* with fix: the drop-in text */
	struct hd_assessment after;     /* with fix: the unit with the drop-in applied, re-scored */
	bool have_a, have_after;
};

/* One loaded unit's exposure: its typed settings (systemd's parsing and implications) scored. */
int hd_assess_loaded_unit(const struct hd_unit *u, const struct hd_policy *policy, int sdver, struct hd_assessment *out,
			  hd_diags *diags);
/* The same after a drop-in's text (named name in diagnostics) is applied to u, as systemd appends a drop-in. */
int hd_assess_with_dropin(struct hd_unit *u, const char *dropin, const char *name, const struct hd_policy *policy,
			  int sdver, struct hd_assessment *out, hd_diags *diags);

/*
 * Load the unit file at path (with drop-ins, then the profile), score it and, with o->fix, score it
 * again with its fix drop-in applied exactly as systemd would read it. 0, or -errno: the reasons are
 * in diags; when the fix drop-in itself did not load (which must not happen), its own diags are in
 * fix_diags (left empty otherwise). hd_assess_unit_result_free in every case.
 */
int hd_assess_unit_file(const char *path, const struct hd_assess_unit_options *o, struct hd_assess_unit_result *out,
			hd_diags *diags, hd_diags *fix_diags);
void hd_assess_unit_result_free(struct hd_assess_unit_result *r);

/* The overview of a batch: one row per scored unit, sorted from most to least exposed. */
struct hd_assess_summary {
	char *unit;
	unsigned exposure;
};
struct hd_assess_overview {
	struct hd_assess_summary *v;
	size_t n, cap;
};
int hd_assess_overview_add(struct hd_assess_overview *ov, const char *unit, unsigned exposure); /* 0 or -ENOMEM */
void hd_assess_overview_sort(struct hd_assess_overview *ov); /* exposure descending, then name */
void hd_assess_overview_free(struct hd_assess_overview *ov);
