/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "syscalls/arch.h"
#include "util/diag.h"
#include "util/strv.h"
#include "elf/wrappers.h"

/*
 * Static syscall evidence from ELF files (libelf): which syscalls a program may make, found before
 * it ever runs. For a dynamically linked program the dynamic loader's view is reproduced: the
 * DT_NEEDED closure is resolved like ld.so does (DT_RPATH / DT_RUNPATH with $ORIGIN, /etc/ld.so.cache,
 * the default directories), then
 *  - every imported function with an entry in the wrapper table (wrappers.h) adds its syscalls;
 *    for a library (x86-64), only the imports reachable from the functions the program and the other
 *    libraries use (elfreach.h): libselinux's mount() does not count for sed;
 *  - every `syscall` instruction (x86-64 0f 05; aarch64 svc #0) in an executable section of an
 *    object other than libc and the dynamic loader adds its number, when a constant is loaded into
 *    the number register just before it (mov $N,%eax / mov x8,#N);
 *  - the C runtime's start-up and exit syscalls are added once (HD_EV_RUNTIME).
 * libc and ld.so are not scanned for instructions: they contain every syscall libc can make; the
 * wrapper table says which of them the imports reach.
 *
 * What cannot be known statically is listed in hd_elf_scan.limits, never silently dropped:
 * libraries loaded with dlopen (and NSS, gconv), syscall() with a number computed at run time,
 * syscall instructions whose number is not a nearby constant, imports of libc functions that the
 * table does not know, DT_NEEDED libraries that cannot be found.
 */

enum hd_evidence_kind {
	HD_EV_DIRECT_IMPORT, /* imports the libc function named like the syscall (fchown -> fchown) */
	HD_EV_WRAPPER,       /* imports a libc function the table says makes it (fopen -> openat) */
	HD_EV_INSTRUCTION,   /* a syscall instruction with a constant number, at address */
	HD_EV_RUNTIME,       /* the C runtime's start-up / exit */
};

const char *hd_evidence_kind_name(enum hd_evidence_kind k); /* "direct import", "wrapper-inferred", ... */

struct hd_elf_evidence {
	char *syscall;   /* name on the scanned architecture */
	enum hd_evidence_kind kind;
	char *object;    /* the ELF file the evidence is in */
	char *symbol;    /* the imported function (import kinds), else NULL */
	uint64_t address; /* virtual address of the instruction (HD_EV_INSTRUCTION), else 0 */
};

struct hd_elf_scan {
	hd_arch arch;
	enum hd_libc libc;
	bool is_static;  /* no PT_INTERP: no loader, no DT_NEEDED */
	char *interp;    /* PT_INTERP, or NULL */
	hd_strv objects; /* the program, then its DT_NEEDED closure in load order (resolved paths) */
	struct hd_elf_evidence *v;
	size_t n, cap;
	hd_strv syscalls; /* every syscall with evidence, sorted, unique */
	hd_strv limits;   /* what was not analysed, one sentence each */
	unsigned n_imports;          /* imported functions seen (all objects) */
	unsigned n_unmapped_imports; /* of those, libc functions missing from the wrapper table */
	unsigned n_unreached_imports; /* library imports no function the closure uses can reach (x86-64) */
};

struct hd_elf_scan_options {
	const char *root;           /* resolve library paths under this directory; NULL = / */
	const char *ld_so_cache;    /* NULL = ROOT/etc/ld.so.cache; "" = do not use a cache */
	bool follow_needed;         /* resolve and scan the DT_NEEDED closure (default for hd_elf_scan_file) */
	size_t max_objects;         /* bound on the closure; 0 = HD_ELF_MAX_OBJECTS */
};

#define HD_ELF_MAX_OBJECTS 256
#define HD_ELF_MAX_FILE_SIZE (512u * 1024 * 1024) /* larger files are refused */

void hd_elf_scan_init(struct hd_elf_scan *s);
void hd_elf_scan_free(struct hd_elf_scan *s);

/*
 * Scan the program at path (and, with opt->follow_needed or opt == NULL, its closure).
 * 0, or -errno: -ENOENT (missing), -ENOEXEC (not an ELF file or one we cannot read: a diag says
 * why, naming the file and offset), -EINVAL (unsupported class/machine), -ENOMEM.
 * Problems in libraries of the closure are warnings (diags) and limits, not errors.
 */
int hd_elf_scan_file(const char *path, const struct hd_elf_scan_options *opt, struct hd_elf_scan *out,
		     hd_diags *diags);

/* Scan one ELF image in memory (no closure): for the fuzzer and tests. name labels diags. */
int hd_elf_scan_memory(const void *buf, size_t len, const char *name, struct hd_elf_scan *out, hd_diags *diags);

/*
 * "#!" line of a script: the interpreter path and its optional single argument (as the kernel
 * splits it: everything after the first blank run is one argument). 1 if buf starts with "#!",
 * 0 if not, -ENOEXEC if the line is malformed (no interpreter, too long), -ENOMEM.
 */
int hd_shebang_parse(const char *buf, size_t len, char **interp, char **arg);

/* How many evidence entries name syscall. */
size_t hd_elf_scan_evidence_count(const struct hd_elf_scan *s, const char *syscall);
