/* SPDX-License-Identifier: MIT */
#pragma once
#include <stddef.h>
#include "explain/evidence.h"
#include "util/diag.h"

/* A text log larger than this is refused rather than held in memory: split it. */
#define HD_EVIDENCE_TEXT_MAX ((size_t)1 << 30)

/*
 * Read one piece of evidence of any kind into ev: path_or_dash is a file, or "-" for standard input.
 * The first bytes decide the kind: an ELF core (plain or compressed; a regular file is read through
 * its headers and notes only, a pipe as a stream), else text (audit records, journal exports,
 * coredumpctl info). 0, or -errno with an error naming the file in diags; text without any record
 * is 0 with a warning.
 */
int hd_evidence_read(const char *path_or_dash, struct hd_evidence_list *ev, hd_diags *diags);
/* The same with another bound than HD_EVIDENCE_TEXT_MAX for text (tests): a regular file larger than
 * text_max is refused by its st_size without being read, a pipe once byte text_max + 1 arrives. */
int hd_evidence_read_max(const char *path_or_dash, size_t text_max, struct hd_evidence_list *ev, hd_diags *diags);
