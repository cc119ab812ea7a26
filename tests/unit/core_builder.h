/* SPDX-License-Identifier: MIT */
/*
 * Synthetic ELF cores for tests and fuzz seeds: the notes the kernel writes (NT_PRSTATUS, NT_PRPSINFO,
 * NT_SIGINFO, NT_AUXV, NT_FILE) with chosen values, for 64-bit little-endian or 32-bit layouts, so a
 * test can then break one field at a time. Real cores come from tests/integration/explain_core.sh.
 */
#pragma once
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef NT_SIGINFO
#define NT_SIGINFO 0x53494749
#endif
#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif

struct cb_buf {
	unsigned char *p;
	size_t n, cap;
};

static void cb_put(struct cb_buf *b, const void *src, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
	}
	if (src)
		memcpy(b->p + b->n, src, n);
	else
		memset(b->p + b->n, 0, n);
	b->n += n;
}

static void cb_u(struct cb_buf *b, uint64_t v, unsigned size)
{
	unsigned char t[8];
	for (unsigned i = 0; i < size; i++)
		t[i] = (unsigned char)(v >> (8 * i));
	cb_put(b, t, size);
}

static void cb_pad4(struct cb_buf *b)
{
	while (b->n % 4)
		cb_put(b, NULL, 1);
}

static void cb_note(struct cb_buf *b, uint32_t type, const struct cb_buf *desc)
{
	cb_u(b, 5, 4);
	cb_u(b, desc->n, 4);
	cb_u(b, type, 4);
	cb_put(b, "CORE\0\0\0", 8); /* "CORE\0" padded to 4 */
	cb_put(b, desc->p, desc->n);
	cb_pad4(b);
}

struct cb_core {
	int is32;          /* ELFCLASS32 (i386 layout) instead of ELFCLASS64 (x86-64 layout) */
	int signo, code;   /* NT_SIGINFO si_signo / si_code */
	int syscall;
	uint32_t arch;
	uint64_t call_addr;
	int pid;
	const char *comm, *psargs;
	int no_siginfo;
	/* NT_FILE: two mappings, the exe at 0x400000 and libc at 0x7f0000000000 */
	const char *exe, *libc;
	uint64_t load_size; /* p_filesz of a PT_LOAD after the notes (need not exist in the file) */
};

/* Build the core; returns its size, *out malloc'd. note_off receives the PT_NOTE's file offset. */
static size_t cb_build(const struct cb_core *c, unsigned char **out, size_t *note_off)
{
	unsigned w = c->is32 ? 4 : 8;
	struct cb_buf notes = { 0 }, d = { 0 };

	/* NT_PRSTATUS: elf_siginfo, pr_cursig, pr_sigpend, pr_sighold, pr_pid ... registers */
	cb_u(&d, (uint64_t)c->signo, 4);
	cb_u(&d, 0, 4);
	cb_u(&d, 0, 4);
	cb_u(&d, (uint64_t)c->signo, 2);
	cb_put(&d, NULL, 2); /* to the word boundary: 16 */
	cb_u(&d, 0, w);
	cb_u(&d, 0, w);
	cb_u(&d, (uint64_t)c->pid, 4);
	cb_put(&d, NULL, w == 8 ? 336 - d.n : 144 - d.n);
	cb_note(&notes, NT_PRSTATUS, &d);
	d.n = 0;

	/* NT_PRPSINFO: 64-bit 136 bytes; i386 124 bytes (16-bit uid/gid) */
	cb_put(&d, NULL, 4);
	if (w == 8) {
		cb_put(&d, NULL, 4);
		cb_u(&d, 0, 8);
		cb_u(&d, 0, 4);
		cb_u(&d, 0, 4);
	} else {
		cb_u(&d, 0, 4);
		cb_u(&d, 0, 2);
		cb_u(&d, 0, 2);
	}
	cb_u(&d, (uint64_t)c->pid, 4);
	cb_put(&d, NULL, 12);
	char fname[16] = { 0 }, args[80] = { 0 };
	strncpy(fname, c->comm ? c->comm : "", sizeof(fname) - 1);
	strncpy(args, c->psargs ? c->psargs : "", sizeof(args) - 1);
	cb_put(&d, fname, 16);
	cb_put(&d, args, 80);
	cb_note(&notes, NT_PRPSINFO, &d);
	d.n = 0;

	if (!c->no_siginfo) {
		cb_u(&d, (uint64_t)c->signo, 4);
		cb_u(&d, 0, 4);
		cb_u(&d, (uint64_t)c->code, 4);
		if (w == 8)
			cb_put(&d, NULL, 4);
		cb_u(&d, c->call_addr, w);
		cb_u(&d, (uint64_t)c->syscall, 4);
		cb_u(&d, c->arch, 4);
		cb_put(&d, NULL, 128 - d.n);
		cb_note(&notes, NT_SIGINFO, &d);
		d.n = 0;
	}

	/* NT_AUXV: AT_ENTRY inside the exe's mapping */
	cb_u(&d, AT_ENTRY, w);
	cb_u(&d, 0x401000, w);
	cb_u(&d, AT_NULL, w);
	cb_u(&d, 0, w);
	cb_note(&notes, NT_AUXV, &d);
	d.n = 0;

	if (c->exe && c->libc) {
		cb_u(&d, 2, w);
		cb_u(&d, 4096, w);
		cb_u(&d, 0x400000, w), cb_u(&d, 0x402000, w), cb_u(&d, 0, w);
		cb_u(&d, 0x7f0000000000 & (w == 8 ? ~0ull : 0xffffffffull), w);
		cb_u(&d, 0x7f0000200000 & (w == 8 ? ~0ull : 0xffffffffull), w);
		cb_u(&d, 0x10, w); /* file offset 0x10 pages */
		cb_put(&d, c->exe, strlen(c->exe) + 1);
		cb_put(&d, c->libc, strlen(c->libc) + 1);
		cb_note(&notes, NT_FILE, &d);
		d.n = 0;
	}
	free(d.p);

	struct cb_buf f = { 0 };
	size_t ehsize = w == 8 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsize = w == 8 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	size_t noff = ehsize + 2 * phsize;
	unsigned char ident[EI_NIDENT] = { 0x7f, 'E', 'L', 'F', (unsigned char)(w == 8 ? ELFCLASS64 : ELFCLASS32),
					   ELFDATA2LSB, EV_CURRENT };
	cb_put(&f, ident, EI_NIDENT);
	cb_u(&f, ET_CORE, 2);
	cb_u(&f, w == 8 ? EM_X86_64 : EM_386, 2);
	cb_u(&f, EV_CURRENT, 4);
	cb_u(&f, 0, w);                   /* e_entry */
	cb_u(&f, ehsize, w);              /* e_phoff */
	cb_u(&f, 0, w);                   /* e_shoff */
	cb_u(&f, 0, 4);                   /* e_flags */
	cb_u(&f, ehsize, 2);
	cb_u(&f, phsize, 2);
	cb_u(&f, 2, 2);                   /* e_phnum */
	cb_u(&f, w == 8 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr), 2);
	cb_u(&f, 0, 2);
	cb_u(&f, 0, 2);
	uint64_t load_off = (noff + notes.n + 4095) & ~4095ull;
	if (w == 8) {
		cb_u(&f, PT_NOTE, 4), cb_u(&f, 0, 4), cb_u(&f, noff, 8), cb_u(&f, 0, 8), cb_u(&f, 0, 8);
		cb_u(&f, notes.n, 8), cb_u(&f, 0, 8), cb_u(&f, 4, 8);
		cb_u(&f, PT_LOAD, 4), cb_u(&f, 5, 4), cb_u(&f, load_off, 8), cb_u(&f, 0x400000, 8), cb_u(&f, 0, 8);
		cb_u(&f, c->load_size, 8), cb_u(&f, c->load_size, 8), cb_u(&f, 4096, 8);
	} else {
		cb_u(&f, PT_NOTE, 4), cb_u(&f, noff, 4), cb_u(&f, 0, 4), cb_u(&f, 0, 4);
		cb_u(&f, notes.n, 4), cb_u(&f, 0, 4), cb_u(&f, 0, 4), cb_u(&f, 4, 4);
		cb_u(&f, PT_LOAD, 4), cb_u(&f, load_off, 4), cb_u(&f, 0x400000, 4), cb_u(&f, 0, 4);
		cb_u(&f, c->load_size, 4), cb_u(&f, c->load_size, 4), cb_u(&f, 5, 4), cb_u(&f, 4096, 4);
	}
	cb_put(&f, notes.p, notes.n);
	free(notes.p);
	if (note_off)
		*note_off = noff;
	*out = f.p;
	return f.n;
}

/* The defaults: sed killed by seccomp for fchown on x86-64, from libc + 0x1234. */
static const struct cb_core cb_sed_fchown = {
	.signo = 31, .code = 1, .syscall = 93, .arch = 0xc000003e, .call_addr = 0x7f0000001234 + 0x10000,
	.pid = 4242, .comm = "sed", .psargs = "sed -i s/a/b/ f", .exe = "/usr/bin/sed",
	.libc = "/usr/lib/x86_64-linux-gnu/libc.so.6",
};
