/* SPDX-License-Identifier: MIT */
#pragma once
#include "learn/profile.h"
#include "util/strv.h"

/*
 * From a profile to the tightest drop-in that still lets the program do what it was seen doing.
 *
 * SystemCallFilter= is an ALLOW list (systemd merges @default into it silently, so @default's members are
 * never listed). It is kept compact: a group is used when more than half of its members that exist on this
 * architecture were seen and every member that was not seen is harmless (not in @privileged, @debug,
 * @mount, @module, @raw-io, @reboot, @swap, @clock, @cpu-emulation, @obsolete); everything else is listed
 * by name. Calls glibc tries before an older fallback (clone3 -> clone, ...) get ENOSYS when only the
 * fallback was seen, so glibc falls back instead of failing with EPERM.
 *
 * Every other setting is decided by a rule (a row of a table) that either finds the observation that
 * justifies it or says why it is left out.
 */

struct hd_suggest_line {
	char *key;   /* "SystemCallFilter" */
	char *value; /* "@basic-io" */
	char *why;   /* "read ×120, write ×3 ... (9 of 12 used)" */
};

struct hd_suggestion {
	struct hd_suggest_line *v;
	size_t n, cap;
	hd_strv left_out; /* "CapabilityBoundingSet: ... (why not)" */
	/* the service dropped root itself (setuid to a user of its own): that uid and the capabilities the
	 * User= form would raise (AmbientCapabilities=, may be ""), for scoring that form; NULL otherwise */
	char *user_form;
	char *user_ambient;
};

struct hd_suggest_options {
	int sdver; /* group table: HD_SYSTEMD_252 or HD_SYSTEMD_LATEST */
	/* calls to allow although no run saw them (learn --widen=static: what the programs that ran can
	 * reach, learn/widen.h); one SystemCallFilter= line of names saying so. NULL: none */
	const hd_strv *also_allow;
	/* HD_SUGGEST_DENY: SystemCallFilter= as a deny list instead (for services that run programs no
	 * workload shows, such as sshd's sessions): ~ every call of the dangerous groups that was never
	 * seen and that @system-service (what ordinary programs need) does not hold; whole groups where all
	 * of a group is denied. Everything else stays allowed. */
	int style;
	/* IPAddressDeny=any + IPAddressAllow= of the peers seen (learn --ip-allow): off by default, since the
	 * peers of a service are its deployment's, not its own. ip_allow_extra (may be NULL): addresses the
	 * caller adds (the clients of a service that serves on a wildcard address), written as given after a
	 * check that systemd reads them as addresses. */
	bool ip_allow;
	const hd_strv *ip_allow_extra;
};

enum { HD_SUGGEST_ALLOW = 0, HD_SUGGEST_DENY = 1 };

/* The first program of p that is a shell (bash, sh, dash, ...: it runs whatever it is given), or NULL: a
 * service that runs one may run programs no workload showed, and an allow list breaks those. */
const char *hd_suggest_shell_ran(const struct hd_profile *p);

/* The groups whose members are never allowed unless seen. */
extern const char *const hd_suggest_dangerous_groups[]; /* NULL-terminated */

int hd_suggest(const struct hd_profile *p, const struct hd_suggest_options *o, struct hd_suggestion *out);
void hd_suggestion_free(struct hd_suggestion *s);

/* The drop-in text: a header comment, "[Service]", then each setting with a comment line above it saying
 * why; then the settings left out and why. footer (may be NULL) is appended as comment lines. Every
 * comment goes through hd_unit_comment, every value must be verbatim (hd_unit_value_is_verbatim): -EINVAL
 * otherwise, nothing written. */
int hd_suggestion_to_dropin(const struct hd_suggestion *s, const char *header, const char *footer, char **out);
/* text (a drop-in) parsed back by harden's unit reader (systemd's syntax) holds exactly s's settings, in
 * order, and nothing else: 0, else -EINVAL. hd_suggestion_to_dropin checks its own output with it. */
int hd_suggestion_reads_back(const struct hd_suggestion *s, const char *text);
/* Only the settings, as "Key=value" lines (for feeding a settings parser). */
int hd_suggestion_settings(const struct hd_suggestion *s, hd_strv *out);
