/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/diag.h"

/*
 * ELF core files: only the ELF header, the program headers and the PT_NOTE segments are read, never
 * the memory images, so a multi-GiB core costs as much as a tiny one. Compressed cores as
 * systemd-coredump stores them (zstd, lz4 frame, xz) are stream-decompressed only as far as the end
 * of the last note segment.
 *
 * Every size and offset in the file is checked against the file (or the decompressed prefix) before
 * it is used; a bad one is reported as a diag naming the byte offset and what is wrong.
 */

enum hd_core_compression { HD_CORE_PLAIN, HD_CORE_ZSTD, HD_CORE_LZ4, HD_CORE_XZ };

/* One NT_FILE entry: [start, end) of the address space maps file from file_offset (bytes). */
struct hd_core_mapping {
	uint64_t start, end, file_offset;
	char *path;
};

struct hd_core_info {
	enum hd_core_compression compression;
	unsigned elf_class;   /* ELFCLASS32 / ELFCLASS64 */
	unsigned elf_machine; /* EM_* */

	bool has_siginfo;     /* NT_SIGINFO of the thread that died */
	int si_signo, si_errno, si_code;
	/* meaningful when si_signo is SIGSYS: the _sigsys member of siginfo_t */
	uint64_t si_call_addr;
	int si_syscall;
	uint32_t si_arch;     /* AUDIT_ARCH_* */

	bool has_prstatus;    /* first NT_PRSTATUS: the thread that died */
	int pr_cursig;
	int64_t pr_pid;

	bool has_prpsinfo;    /* NT_PRPSINFO */
	char comm[17];        /* pr_fname: the kernel's comm (15 chars + NUL at most) */
	char psargs[81];      /* pr_psargs: the start of the command line, arguments space-separated */
	int64_t pid;

	uint64_t at_entry;    /* AT_ENTRY from NT_AUXV (0 if absent): locates the executable's mapping */

	struct hd_core_mapping *maps; /* NT_FILE, in the core's order */
	size_t n_maps;
};

/* Bounds: hostile cores cannot make us allocate or loop beyond these. */
#define HD_CORE_MAX_PHDRS (1u << 20)       /* more than the kernel writes for any real process */
#define HD_CORE_MAX_NOTES_BYTES (64u << 20) /* sum of PT_NOTE sizes read */
#define HD_CORE_MAX_MAPPINGS (1u << 20)

/* True if the first bytes look like a core we can read: ELF or a compressed stream of one. */
bool hd_core_sniff(const void *head, size_t len);

/*
 * Read a core from fd (a regular file is read with pread, anything else is streamed; fd is not
 * closed). name is used in diags. 0, or a negative errno with an HD_ERROR diag saying where and why:
 * -EBADMSG malformed, -ENOEXEC not an ELF core, -EFBIG a limit exceeded.
 */
int hd_core_read_fd(int fd, const char *name, struct hd_core_info *out, hd_diags *diags);
/* From a stream whose first head_len bytes were already read into head (stdin after sniffing). */
int hd_core_read_stream(const void *head, size_t head_len, int fd, const char *name, struct hd_core_info *out,
			hd_diags *diags);
/* Same from memory (tests, fuzzing, data already read from a pipe). */
int hd_core_read_mem(const void *buf, size_t len, const char *name, struct hd_core_info *out, hd_diags *diags);
void hd_core_info_free(struct hd_core_info *ci);

/* The mapping containing addr, or NULL. */
const struct hd_core_mapping *hd_core_mapping_at(const struct hd_core_info *ci, uint64_t addr);
/* The executable's path (the mapping holding AT_ENTRY, else the first mapping at file offset 0). */
const char *hd_core_executable(const struct hd_core_info *ci);
const char *hd_core_compression_name(enum hd_core_compression c); /* "plain", "zstd", "lz4", "xz" */
