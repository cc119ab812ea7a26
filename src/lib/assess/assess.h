/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/diag.h"
#include "assess/settings.h"

/*
 * Exposure assessment: systemd-analyze security's 81 checks as one data table, its scoring and
 * ratings (../shared/spec/security-assessment.md), and security-policy files that re-weigh checks.
 *
 * Scores are integers in tenths: exposure 96 is printed "9.6".
 */

#define HD_BADNESS_NA UINT64_MAX /* the check does not apply (N/A) */

struct hd_check;
struct hd_assess_input; /* the settings plus lookups prepared once per assessment (assess.c) */
/* A rule: badness in 0..check->range (or HD_BADNESS_NA); may set *description (malloc'd) to a text
 * that says more than the table's good/bad text (e.g. which syscall is still allowed). 0 or -ENOMEM. */
typedef int (*hd_check_rule)(const struct hd_check *c, const struct hd_assess_input *in, uint64_t *badness,
			     char **description);

struct hd_check {
	const char *name;       /* systemd's check id, shown in the NAME column: "PrivateDevices=" */
	const char *json_field; /* systemd's key in JSON output and policy files */
	uint64_t weight;
	uint64_t range;
	bool boot_phase_na;     /* N/A when DefaultDependencies=no */
	hd_check_rule rule;
	uint64_t param;         /* capability mask, namespace flag, ... (rule-specific) */
	const char *group;      /* SystemCallFilter= checks: the syscall group */
	const char *good, *bad, *na; /* our own descriptions */
	const char *fix;        /* unit lines that make the check pass ('\n'-separated) */
};

#define HD_CHECK_COUNT 81
extern const struct hd_check hd_checks[HD_CHECK_COUNT];
const struct hd_check *hd_check_by_json_field(const char *json_field);

/* ---- security policy (systemd's JSON format) ---- */
struct hd_policy_entry {
	bool has_weight, has_range;
	uint64_t weight, range;
	char *description_good, *description_bad, *description_na; /* NULL = the table's */
};

struct hd_policy {
	char *path;
	struct hd_policy_entry e[HD_CHECK_COUNT]; /* indexed like hd_checks */
};

/*
 * Parse a policy: a JSON object keyed by json_field, each value an object with optional unsigned
 * integers "weight" and "range" and strings "description_good", "description_bad", "description_na".
 * Everything systemd would crash on or silently ignore is an error here (range 0, range below the
 * check's own range, all weights 0, unknown json_field or member, wrong types, not an object): an
 * HD_ERROR naming filename (and the field) is added and -EINVAL returned. -ENOMEM.
 */
int hd_policy_parse(const char *text, size_t len, const char *filename, struct hd_policy *out, hd_diags *diags);
/* Read and parse a file (-errno on read errors, with a diag). */
int hd_policy_load(const char *path, struct hd_policy *out, hd_diags *diags);
/* systemd's default locations, first found wins: /etc/systemd, /run/systemd, /usr/local/lib/systemd,
 * /usr/lib/systemd (each + "/systemd-analyze-security.policy"), under root if non-NULL.
 * 1 loaded, 0 none found, -errno. */
int hd_policy_load_default(const char *root, struct hd_policy *out, hd_diags *diags);
void hd_policy_free(struct hd_policy *p);

/* ---- results ---- */
struct hd_assess_row {
	const struct hd_check *check;
	uint64_t badness;     /* HD_BADNESS_NA when not applicable */
	char *description;    /* what to show (owned) */
	int set;              /* 1 good (✓), 0 bad (✗), -1 N/A (JSON null) */
	unsigned exposure;    /* this row's share in tenths (0 when good or N/A) */
	uint64_t weight, range; /* as scored: the policy's where it sets them, else the check's */
};

struct hd_assessment {
	struct hd_assess_row rows[HD_CHECK_COUNT]; /* in hd_checks order */
	uint64_t badness_sum, weight_sum;
	unsigned exposure; /* 0..100, tenths */
};

/* Score settings. policy may be NULL. 0, -ENOMEM, or -EINVAL when the policy leaves nothing to weigh
 * (all applicable weights 0). */
int hd_assess(const struct hd_settings *s, const struct hd_policy *policy, int sdver, struct hd_assessment *out);
void hd_assessment_free(struct hd_assessment *a);

struct hd_rating {
	unsigned min_exposure;
	const char *name;  /* "UNSAFE" */
	const char *emoji; /* "😨" */
	const char *ascii; /* ":-{" */
	const char *color; /* ANSI SGR for a tty: red, yellow, green, or "" */
};
const struct hd_rating *hd_rating_for(unsigned exposure);
