/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "util/diag.h"

/*
 * harden apply's record of one apply: what was put where, what was there before, and how it ended. It is
 * written before the drop-in (state "applying"), so that an apply stopped half-way (harden killed, the
 * machine down) is found by the next apply or --undo and the state before it restored; and kept after,
 * so that --undo can restore the state before the last apply.
 *
 * It is JSON, one file per unit (STATE_DIR/apply/UNIT.json, mode 0600), and read back as untrusted input:
 * every field is checked, and the drop-in path must be a *.conf file directly in a UNIT.d/ directory of
 * that unit, so that a changed record cannot make --undo write anywhere else.
 */

#define HD_APPLY_RECORD_MAX (4u * 1024 * 1024) /* the whole file: a drop-in and its predecessor fit */

enum hd_apply_state {
	HD_APPLY_APPLYING,    /* the drop-in may be in place; the outcome is not known */
	HD_APPLY_KEPT,        /* in place, and the unit was healthy under it */
	HD_APPLY_ROLLED_BACK, /* it broke the unit: the previous state is back */
	HD_APPLY_UNDONE,      /* --undo restored the previous state */
	HD_APPLY_STATES,
};
const char *hd_apply_state_name(enum hd_apply_state s);

struct hd_apply_record {
	char *unit;
	char *dropin_path;     /* the file apply wrote */
	bool had_previous;     /* a file was there before */
	char *previous;        /* its text (had_previous) */
	char *applied;         /* the text apply wrote */
	char *applied_sha256;  /* of applied, hex */
	int64_t started_usec;  /* CLOCK_REALTIME */
	int64_t finished_usec; /* 0 while applying */
	enum hd_apply_state state;
	int exposure_before, exposure_after; /* tenths; -1 unknown */
	char *reason;          /* rolled back: why (NULL otherwise) */
};
void hd_apply_record_free(struct hd_apply_record *r);

/* STATE_DIR/apply/UNIT.json, malloc'ed */
char *hd_apply_record_path(const char *state_dir, const char *unit);
/* Written atomically (the directory made 0700 if missing). 0 or -errno. */
int hd_apply_record_write(const char *state_dir, const struct hd_apply_record *r);
/* Read and checked. 0; -ENOENT (no record); -EINVAL with a diag naming the file and the field; -errno. */
int hd_apply_record_read(const char *state_dir, const char *unit, struct hd_apply_record *out, hd_diags *d);
/* The same from text (for the fuzzer and tests); file names it in diags. */
int hd_apply_record_parse(const char *text, size_t len, const char *file, const char *unit, struct hd_apply_record *out,
			  hd_diags *d);
/* SHA-256 of data as 64 hex digits + NUL into hex[65]. 0 or -EIO. */
int hd_sha256_hex(const void *data, size_t len, char hex[65]);
