/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include "learn/suggest.h"
#include "util/diag.h"
#include "util/strv.h"

/*
 * What a learned drop-in is not sure of. A run only sees the paths the workload took; the programs that
 * ran (the profile's "executables") can make more calls than that. harden check's static evidence of
 * each of those programs and its libraries (elf/, check/), compared with the learned drop-in's own
 * filter, gives the calls the drop-in would refuse although the program can reach them: the calls no
 * run saw. They are grouped by the smallest systemd group holding each (the group a user would add to
 * cover them), and each group's cost is the exposure it adds to the unit.
 *
 * `learn --widen=static` folds them into the drop-in (one SystemCallFilter= line of names, before the
 * ENOSYS fallbacks); without it they are only listed. A static set over-approximates what the program
 * does and still misses what it loads at run time (dlopen, NSS): both are said in the text.
 */

struct hd_widen_call {
	char *syscall;
	char *cover;    /* the smallest group holding it other than @known ("@chown"), NULL: in no group */
	char *program;  /* the first executable whose evidence reaches it */
	char *evidence; /* "libc.so.6: fchown (direct import)", the best evidence */
	int rank;       /* how strong program + evidence are (lower is stronger; widen.c evidence_rank) */
};

struct hd_widen_report {
	struct hd_widen_call *v; /* sorted by cover (no group last), then name */
	size_t n, cap;
	hd_strv scanned;  /* executables compared (the profile's, scripts' interpreters added) */
	hd_strv problems; /* "PATH: why it could not be compared", one per executable */
	hd_strv limits;   /* what static analysis could not see, unique, bounded */
	hd_strv other_settings; /* "socket (RestrictAddressFamilies=)": refused by a setting other than
				 * SystemCallFilter=, listed but never widened */
};

/*
 * Compare every executable of p with the seccomp settings of sug (the learned drop-in alone, as it will
 * be installed). 0 (unreadable programs are problems, not errors) or -ENOMEM. out is zeroed first;
 * free it either way.
 */
int hd_widen_find(const struct hd_profile *p, const struct hd_suggestion *sug, int sdver,
		  struct hd_widen_report *out);
void hd_widen_report_free(struct hd_widen_report *r);

/* The names of r's calls (for hd_suggest_options.also_allow). 0 or -ENOMEM. */
int hd_widen_names(const struct hd_widen_report *r, hd_strv *out);

/*
 * The drop-in's "not sure of" section as comment-free text lines (the caller comments them): one line
 * per cover group with its calls, the programs, and the exposure the group adds to unit_path (NULL: a
 * bare service) over sug; then the problems and limits. folded: the calls are already in sug
 * (--widen=static), so the text says they were folded in. *out is malloc'ed. 0 or -ENOMEM.
 */
int hd_widen_text(const struct hd_widen_report *r, const struct hd_suggestion *sug, const char *unit_path,
		  int sdver, bool folded, char **out);
