/* SPDX-License-Identifier: MIT */
/*
 * libharden: harden's answers for other programs.
 *
 *   - parse systemd's seccomp-backed unit settings (SystemCallFilter=, RestrictAddressFamilies=, ...)
 *     exactly as systemd does, one assignment or a whole unit file with its drop-ins;
 *   - what the kernel does to syscall N on architecture A under those settings;
 *   - syscall names <-> numbers per architecture;
 *   - the exposure `systemd-analyze security` gives a unit file;
 *   - explain a piece of evidence (core dump, audit log, journal record) of a seccomp death.
 *
 * Conventions, as in libseccomp: contexts are opaque (new/free), every function that can fail returns
 * a negative errno value (-EINVAL for a NULL pointer or a bad argument, -ENOMEM, -ENOENT, ...), and the
 * library never prints: problems in the input are collected as text you can read
 * (harden_settings_warning). Strings returned as `const char *` belong to the library: static ones
 * live forever, those owned by a context live until it is freed.
 *
 * Stability: this header is the whole ABI of libharden.so.0 (only harden_* symbols are exported).
 * Functions and enum values are only ever added; a change that breaks a caller bumps the soname.
 * Structures the caller allocates (struct harden_verdict) end in reserved space, so fields can be
 * added without changing their size.
 */
#ifndef HARDEN_H
#define HARDEN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; harden_version() is the library's (they agree when both come from one
 * install). Not HARDEN_VERSION: that name is the project's own build-time define. */
#define HARDEN_VERSION_MAJOR 0
#define HARDEN_VERSION_MINOR 1
#define HARDEN_VERSION_MICRO 0
#define HARDEN_VERSION_STRING "0.1.0"

/* "0.1.0": the library's version. */
const char *harden_version(void);

/* The systemd whose semantics (syscall groups, filter behaviour, checks) to reproduce. */
#define HARDEN_SYSTEMD_DEFAULT 0    /* the installed systemd if harden models it, else latest (as harden does) */
#define HARDEN_SYSTEMD_252 252      /* Debian 12, RHEL 9 */
#define HARDEN_SYSTEMD_253 253
#define HARDEN_SYSTEMD_254 254
#define HARDEN_SYSTEMD_255 255      /* Ubuntu 24.04 */
#define HARDEN_SYSTEMD_256 256
#define HARDEN_SYSTEMD_257 257      /* Debian 13 */
#define HARDEN_SYSTEMD_258 258
#define HARDEN_SYSTEMD_259 259
#define HARDEN_SYSTEMD_260 260
#define HARDEN_SYSTEMD_261 261
#define HARDEN_SYSTEMD_262 262      /* the newest harden models; every major release 252..262 is modelled */
#define HARDEN_SYSTEMD_LATEST 9999  /* the newest systemd harden models (262); other values: -EINVAL */

/* ---- syscall names and numbers ---- */

/* Architectures are systemd's SystemCallArchitectures= names ("x86-64", "x86", "x32", "arm64", ...),
 * libseccomp's ("x86_64", "aarch64") or "native". */

/* name's number on arch (as seccomp_data.nr; x32 numbers include 0x40000000). -EINVAL for a NULL or
 * unknown architecture, -ENOENT when name is no syscall there. */
int harden_syscall_number(const char *name, const char *arch_name);
/* nr's name on arch (static), or NULL when arch is unknown or nr is no syscall there. */
const char *harden_syscall_name(int nr, const char *arch_name);

/* ---- settings ---- */

struct harden_settings;

/* Empty settings (no filter: everything allowed) for systemd_version (HARDEN_SYSTEMD_*). 0, -EINVAL for
 * a NULL out or a version harden does not model, -ENOMEM. */
int harden_settings_new(int systemd_version, struct harden_settings **out);
void harden_settings_free(struct harden_settings *s); /* NULL is fine */

/*
 * One assignment, as the unit-file line "key=value" in [Service] would be (an empty value resets).
 * 1 when key is a seccomp-backed setting (problems with the value become warnings, as systemd logs
 * them); 0 when it is not one (ignored, with a warning, as systemd ignores unknown keys); -errno.
 */
int harden_settings_apply(struct harden_settings *s, const char *key, const char *value);
/*
 * Every seccomp-backed line of the unit file at path, its [Service] section and then its drop-ins, in
 * systemd's order. Can be mixed with harden_settings_apply (later assignments come after). The number
 * of assignments applied, or -errno (-ENOENT, -EBADMSG, ...; the reason is also a warning).
 */
int harden_settings_load_unit(struct harden_settings *s, const char *unit_path);

/* The warnings (and errors) collected so far, in order: "FILE:LINE: warning: TEXT", "FILE: error:
 * TEXT" or "warning: TEXT" (for harden_settings_apply). NULL for i out of range or a NULL s. */
size_t harden_settings_n_warnings(const struct harden_settings *s);
const char *harden_settings_warning(const struct harden_settings *s, size_t i);

/* ---- the kernel's verdict ---- */

enum harden_action {
	HARDEN_ACTION_ALLOW,
	HARDEN_ACTION_LOG,   /* allowed, and logged (SystemCallLog=) */
	HARDEN_ACTION_ERRNO, /* the call fails with errno_value */
	HARDEN_ACTION_KILL,  /* the process is killed with SIGSYS */
};

struct harden_verdict {
	enum harden_action action; /* for the call without argument conditions, see conditional */
	int errno_value;           /* HARDEN_ACTION_ERRNO: the errno returned; else 0 */
	int conditional;           /* non-zero: for some arguments the call gets a stricter verdict (e.g.
	                            * socket() with a family RestrictAddressFamilies= refuses) */
	const char *setting;       /* static: the setting that decided action ("SystemCallFilter",
	                            * "SystemCallArchitectures", "RestrictAddressFamilies", ...), NULL when
	                            * no setting is involved (allowed because nothing filters it) */
	const char *name;          /* static: nr's name on the architecture, NULL if it is none */
	long reserved[4];          /* zeroed; room for fields added later without an ABI break */
};

/*
 * What the kernel does to syscall nr on arch_name under s: all of systemd's stacked filters merged
 * (strictest verdict wins, as the kernel applies them). 0; -EINVAL for a NULL pointer, an unknown
 * architecture or nr < 0; -ENOMEM. Builds the rule set anew on each call (no hidden state: s may be
 * shared by threads that only read it).
 */
int harden_filter_verdict(const struct harden_settings *s, const char *arch_name, int nr,
			  struct harden_verdict *out);

/* ---- exposure ---- */

/*
 * systemd-analyze security's overall exposure of the unit file at unit_path (with its drop-ins), in
 * tenths: 0..100 (96 is printed "9.6 UNSAFE"). 0; -EINVAL; or -errno when the unit does not load.
 */
int harden_unit_exposure(const char *unit_path, int systemd_version, unsigned *tenths);

/* ---- explain ---- */

struct harden_explanation;

/*
 * Read one piece of evidence (an ELF core, plain or compressed by systemd-coredump; kernel audit
 * SECCOMP records; systemd-coredump journal records or coredumpctl info text) and group it into
 * violations with their fixes. 0 (possibly with no violations: nothing to explain), -EINVAL, or
 * -errno when the file cannot be read or parsed.
 */
int harden_explain_file(const char *evidence_path, int systemd_version, struct harden_explanation **out);
void harden_explanation_free(struct harden_explanation *x); /* NULL is fine */

/* The violations: records of one (process, architecture, syscall, verdict) grouped. */
size_t harden_explanation_count(const struct harden_explanation *x);
/* Of violation i (NULL / -1 when unknown or i is out of range): */
const char *harden_explanation_syscall(const struct harden_explanation *x, size_t i); /* "fchown" */
int harden_explanation_nr(const struct harden_explanation *x, size_t i);              /* 93 */
const char *harden_explanation_arch(const struct harden_explanation *x, size_t i);    /* "x86-64" */
int harden_explanation_signal(const struct harden_explanation *x, size_t i);          /* 31; 0 unknown */
/* "seccomp-kill", "seccomp-log", "seccomp-other", "sigsys", "not-seccomp" */
const char *harden_explanation_verdict(const struct harden_explanation *x, size_t i);
/* How many records the violation groups (0 for i out of range). */
size_t harden_explanation_records(const struct harden_explanation *x, size_t i);
/* The narrowest line that lets it run ("SystemCallFilter=fchown") and the one of the smallest group
 * that holds it ("SystemCallFilter=@chown"); NULL when unknown / no group holds it. */
const char *harden_explanation_fix(const struct harden_explanation *x, size_t i);
const char *harden_explanation_group_fix(const struct harden_explanation *x, size_t i);

#ifdef __cplusplus
}
#endif
#endif
