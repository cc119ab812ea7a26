/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/diag.h"
#include "explain/evidence.h"

/*
 * Text evidence: one parser for every text form, auto-detected per file:
 *  - journal export format (`journalctl -o export`): KEY=value lines, binary fields, blank-line separated
 *  - journal JSON (`journalctl -o json`: one object per line; json-pretty; or a JSON array)
 *  - line text: kernel audit records (audit.log, dmesg, journal short output), `coredumpctl info`
 *    output, and systemd-coredump's journal messages (`Process N (comm) of user U dumped core.` with
 *    its stack trace).
 * Records that are neither seccomp audit records nor core dumps are skipped. Malformed records
 * give warnings naming file:line; only unreadable input (binary junk, broken structure) is an error.
 */

enum hd_text_format { HD_TEXT_LINES, HD_TEXT_JSON, HD_TEXT_EXPORT };

#define HD_LOG_MAX_RECORDS 1000000u /* evidence records per input; beyond this the input is refused */

enum hd_text_format hd_text_detect(const char *text, size_t len);
/* Parse text (need not be NUL-terminated) into out. 0, or -EBADMSG (an HD_ERROR diag says where and why),
 * -EFBIG beyond HD_LOG_MAX_RECORDS, -ENOMEM. */
int hd_evidence_parse_text(const char *text, size_t len, const char *file, struct hd_evidence_list *out,
			   hd_diags *diags);

/* One kernel audit SECCOMP record (a line or a journal MESSAGE). 1 parsed, 0 not a SECCOMP record,
 * -EBADMSG malformed (warning added), -ENOMEM. */
int hd_parse_audit_record(const char *line, size_t len, const char *file, unsigned lineno,
			  struct hd_evidence_list *out, hd_diags *diags);

/* A stack-trace frame as systemd-coredump prints it:
 *   "#0  0x00007f3c1a51051b fchown (libc.so.6 + 0x11051b)"  or  "#1  0x000055d0 n/a (sed + 0x5fa2)".
 * Function "n/a" is returned as NULL. true on success; function and object are malloc'd. */
bool hd_parse_stack_frame(const char *line, size_t len, unsigned *index, uint64_t *addr, char **function,
			  char **object, uint64_t *offset);
