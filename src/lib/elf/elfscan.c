/* SPDX-License-Identifier: MIT */
/* Static syscall evidence from ELF files. See elfscan.h for what is and is not found. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf/elfreach.h"
#include "elf/elfscan.h"
#include "syscalls/syscalls.h"

/* ---- tables ---- */

static const char *const evidence_kind_names[] = {
	[HD_EV_DIRECT_IMPORT] = "direct import",
	[HD_EV_WRAPPER] = "wrapper-inferred",
	[HD_EV_INSTRUCTION] = "raw syscall instruction",
	[HD_EV_RUNTIME] = "C runtime start-up",
};

const char *hd_evidence_kind_name(enum hd_evidence_kind k)
{
	if ((unsigned)k >= sizeof(evidence_kind_names) / sizeof(evidence_kind_names[0]))
		return "?";
	return evidence_kind_names[k];
}

/*
 * What the C runtime does before main() and after it returns, per libc and linking. x86-64 names;
 * other architectures get the generic equivalents (wrappers.h). glibc 2.36: observed with
 * `strace` on an empty main() (dynamic and -static) on Debian 12; getrandom is malloc's tcache
 * seed. musl 1.2: from its sources (ldso/dynlink.c, src/env/__init_tls.c).
 */
struct runtime_set {
	enum hd_libc libc;
	bool is_static;
	const char *syscalls;
};

static const struct runtime_set runtime_sets[] = {
	{ HD_LIBC_GLIBC, false, "execve brk arch_prctl mmap access openat newfstatat close read pread64 mprotect munmap "
				"set_tid_address set_robust_list rseq prlimit64 getrandom exit_group" },
	{ HD_LIBC_GLIBC, true, "execve brk arch_prctl mmap munmap mprotect prlimit64 readlink rseq set_robust_list "
			       "set_tid_address getrandom exit_group" },
	{ HD_LIBC_MUSL, false, "execve arch_prctl set_tid_address open openat read close mmap mprotect munmap brk "
			       "exit_group" },
	{ HD_LIBC_MUSL, true, "execve arch_prctl set_tid_address exit_group" },
};

/*
 * Objects whose code is libc or the dynamic loader: not scanned for syscall instructions (they hold
 * every syscall libc can make; the wrapper table says which ones the imports reach). Matched on the
 * DT_SONAME, else the file name, by prefix.
 */
struct libc_object {
	const char *prefix;
	enum hd_libc libc;
};

static const struct libc_object libc_objects[] = {
	{ "libc.so.", HD_LIBC_GLIBC },
	{ "ld-linux", HD_LIBC_GLIBC },
	{ "ld64.so", HD_LIBC_GLIBC },
	{ "ld.so.", HD_LIBC_GLIBC },
	{ "libc.musl-", HD_LIBC_MUSL },
	{ "ld-musl-", HD_LIBC_MUSL },
};

/* ELF machine -> architecture, for the class the file declares. */
struct machine_map {
	unsigned machine;
	int elf_class;
	hd_arch arch;
};

static const struct machine_map machines[] = {
	{ EM_X86_64, ELFCLASS64, HD_ARCH_X86_64 },
	{ EM_X86_64, ELFCLASS32, HD_ARCH_X32 },
	{ EM_386, ELFCLASS32, HD_ARCH_X86 },
	{ EM_AARCH64, ELFCLASS64, HD_ARCH_ARM64 },
	{ EM_ARM, ELFCLASS32, HD_ARCH_ARM },
	{ EM_RISCV, ELFCLASS64, HD_ARCH_RISCV64 },
	{ EM_S390, ELFCLASS64, HD_ARCH_S390X },
	{ EM_PPC64, ELFCLASS64, HD_ARCH_PPC64LE },
};

/* Where ld.so looks last, per architecture (Debian multiarch first). */
struct default_dirs {
	hd_arch arch;
	const char *dirs; /* colon-separated */
	int cache_flag;   /* ld.so.cache entry flags for this ABI (FLAG_ELF_LIBC6 | arch bits) */
};

static const struct default_dirs default_dirs[] = {
	{ HD_ARCH_X86_64, "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:/lib:/usr/lib", 0x0303 },
	{ HD_ARCH_ARM64, "/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu:/lib64:/usr/lib64:/lib:/usr/lib", 0x0a03 },
	{ HD_ARCH_X86, "/lib/i386-linux-gnu:/usr/lib/i386-linux-gnu:/lib32:/usr/lib32:/lib:/usr/lib", 0x0003 },
};

#define MAX_PATH_LEN 4096
#define MAX_NEEDED 512        /* DT_NEEDED entries per object */
#define MAX_LIMIT_NAMES 12    /* unmapped import names quoted in one limit line */
#define X86_MOV_LOOKBACK 24   /* bytes before `syscall` searched for mov $N,%eax */
#define ARM64_MOV_LOOKBACK 8  /* instructions before `svc #0` searched for mov x8,#N */
#define MAX_SYSCALL_NR 2048   /* a "constant" above this is not a syscall number */
#define MAX_LD_CACHE_ENTRIES 100000

/* ---- small helpers ---- */

void hd_elf_scan_init(struct hd_elf_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->arch = HD_ARCH_INVALID;
}

void hd_elf_scan_free(struct hd_elf_scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].syscall);
		free(s->v[i].object);
		free(s->v[i].symbol);
	}
	free(s->v);
	free(s->interp);
	hd_strv_free(&s->objects);
	hd_strv_free(&s->syscalls);
	hd_strv_free(&s->limits);
	hd_elf_scan_init(s);
}

size_t hd_elf_scan_evidence_count(const struct hd_elf_scan *s, const char *syscall)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].syscall, syscall) == 0)
			n++;
	return n;
}

static bool streq0(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int add_evidence(struct hd_elf_scan *s, const char *syscall, enum hd_evidence_kind kind, const char *object,
			const char *symbol, uint64_t address)
{
	/* one entry per (syscall, kind, object, symbol): the first address stands for the others */
	for (size_t i = 0; i < s->n; i++) {
		const struct hd_elf_evidence *e = &s->v[i];
		if (e->kind == kind && strcmp(e->syscall, syscall) == 0 && streq0(e->object, object) &&
		    streq0(e->symbol, symbol))
			return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct hd_elf_evidence *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	struct hd_elf_evidence *e = &s->v[s->n];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->address = address;
	e->syscall = strdup(syscall);
	e->object = object ? strdup(object) : NULL;
	e->symbol = symbol ? strdup(symbol) : NULL;
	if (!e->syscall || (object && !e->object) || (symbol && !e->symbol)) {
		free(e->syscall);
		free(e->object);
		free(e->symbol);
		return -ENOMEM;
	}
	s->n++;
	return hd_strv_push_unique(&s->syscalls, syscall);
}

/* Name of syscall sc (x86-64 spelling) on arch, or NULL when arch has neither it nor an equivalent. */
static const char *on_arch(const char *sc, hd_arch arch)
{
	for (int hop = 0; hop < 4 && sc; hop++) {
		if (hd_syscall_nr(sc, arch, NULL) != HD_NR_NONE)
			return sc;
		sc = hd_wrapper_generic_equivalent(sc);
	}
	return NULL;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool is_libc_object(const char *soname, const char *path, enum hd_libc *libc)
{
	const char *n = soname && *soname ? soname : base_name(path);
	for (size_t i = 0; i < sizeof(libc_objects) / sizeof(libc_objects[0]); i++)
		if (strncmp(n, libc_objects[i].prefix, strlen(libc_objects[i].prefix)) == 0) {
			if (libc)
				*libc = libc_objects[i].libc;
			return true;
		}
	return false;
}

/* ---- one object ---- */

struct elf_object {
	char *path;
	unsigned char *buf;
	size_t len;
	Elf *elf;
	int elf_class;
	unsigned machine;
	hd_arch arch;
	bool is_libc;
	enum hd_libc libc_kind;
	char *interp;
	char *soname;
	char *rpath;
	char *runpath;
	hd_strv needed;
	hd_strv imports; /* undefined function symbols */
	hd_strv exports; /* defined function symbols (sorted) */
	bool no_sections;
};

static void object_free(struct elf_object *o)
{
	if (o->elf)
		elf_end(o->elf);
	free(o->buf);
	free(o->path);
	free(o->interp);
	free(o->soname);
	free(o->rpath);
	free(o->runpath);
	hd_strv_free(&o->needed);
	hd_strv_free(&o->imports);
	hd_strv_free(&o->exports);
	memset(o, 0, sizeof(*o));
}

static int read_whole_file(const char *path, unsigned char **buf, size_t *len, hd_diags *diags, bool quiet)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (!quiet)
			hd_diag_add(diags, HD_ERROR, path, 0, "cannot open: %s", strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		if (!quiet)
			hd_diag_add(diags, HD_ERROR, path, 0, "not a regular file");
		return -ENOEXEC;
	}
	if ((uint64_t)st.st_size > HD_ELF_MAX_FILE_SIZE) {
		close(fd);
		hd_diag_add(diags, HD_ERROR, path, 0, "file too large to scan (%lld bytes, limit %u)",
			    (long long)st.st_size, HD_ELF_MAX_FILE_SIZE);
		return -EFBIG;
	}
	size_t n = (size_t)st.st_size;
	unsigned char *b = malloc(n ? n : 1);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, b + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*buf = b;
	*len = got; /* a file that shrank while read is scanned as far as it goes */
	return 0;
}

/* A NUL-terminated string at off inside buf, or NULL. */
static char *bounded_string(const unsigned char *buf, size_t len, uint64_t off, uint64_t max)
{
	if (off >= len)
		return NULL;
	size_t room = len - (size_t)off;
	if (max < room)
		room = (size_t)max;
	const unsigned char *end = memchr(buf + off, '\0', room);
	if (!end)
		return NULL;
	return strndup((const char *)buf + off, (size_t)(end - (buf + off)));
}

static hd_arch arch_of(unsigned machine, int elf_class)
{
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		if (machines[i].machine == machine && machines[i].elf_class == elf_class)
			return machines[i].arch;
	return HD_ARCH_INVALID;
}

/* The section's bytes inside the file, or -ENOEXEC (with a warning in diags, if not NULL) when
 * the header lies about them. */
static int section_bounds(const struct elf_object *o, size_t idx, const GElf_Shdr *sh, hd_diags *diags)
{
	if (sh->sh_type == SHT_NOBITS)
		return 0;
	if (sh->sh_offset > o->len || sh->sh_size > o->len - sh->sh_offset) {
		if (diags)
			hd_diag_add(diags, HD_WARNING, o->path, 0,
			    "section %zu: offset 0x%llx + size 0x%llx is beyond the end of the file (%zu bytes); skipped",
			    idx, (unsigned long long)sh->sh_offset, (unsigned long long)sh->sh_size, o->len);
		return -ENOEXEC;
	}
	return 0;
}

static int read_dynamic(struct elf_object *o, Elf_Scn *scn, const GElf_Shdr *sh, hd_diags *diags)
{
	Elf_Data *d;
	size_t count = hd_elf_section_entries(o->elf, scn, ELF_T_DYN, &d);
	if (!d || !d->d_buf)
		return 0;
	for (size_t i = 0; i < count; i++) {
		GElf_Dyn dyn;
		if (!gelf_getdyn(d, (int)i, &dyn))
			break;
		if (dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_SONAME && dyn.d_tag != DT_RPATH && dyn.d_tag != DT_RUNPATH)
			continue;
		const char *str = elf_strptr(o->elf, sh->sh_link, dyn.d_un.d_val);
		if (!str) {
			hd_diag_add(diags, HD_WARNING, o->path, 0, "dynamic entry %zu: string offset 0x%llx is invalid",
				    i, (unsigned long long)dyn.d_un.d_val);
			continue;
		}
		if (strnlen(str, MAX_PATH_LEN) >= MAX_PATH_LEN)
			continue;
		int r = 0;
		switch (dyn.d_tag) {
		case DT_NEEDED:
			if (o->needed.n < MAX_NEEDED)
				r = hd_strv_push_unique(&o->needed, str);
			break;
		case DT_SONAME:
			free(o->soname);
			r = (o->soname = strdup(str)) ? 0 : -ENOMEM;
			break;
		case DT_RPATH:
			free(o->rpath);
			r = (o->rpath = strdup(str)) ? 0 : -ENOMEM;
			break;
		case DT_RUNPATH:
			free(o->runpath);
			r = (o->runpath = strdup(str)) ? 0 : -ENOMEM;
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_dynsym(struct elf_object *o, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d;
	size_t count = hd_elf_section_entries(o->elf, scn, ELF_T_SYM, &d);
	if (!d || !d->d_buf)
		return 0;
	for (size_t i = 1; i < count; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(d, (int)i, &sym))
			break;
		int type = GELF_ST_TYPE(sym.st_info);
		int bind = GELF_ST_BIND(sym.st_info);
		if (type != STT_FUNC && type != STT_NOTYPE && type != STT_GNU_IFUNC)
			continue;
		if (bind != STB_GLOBAL && bind != STB_WEAK)
			continue;
		const char *name = elf_strptr(o->elf, sh->sh_link, sym.st_name);
		if (!name || !*name || strnlen(name, 1024) >= 1024)
			continue;
		int r;
		if (sym.st_shndx == SHN_UNDEF)
			r = hd_strv_push(&o->imports, name);
		else
			r = hd_strv_push(&o->exports, name);
		if (r < 0)
			return r;
	}
	return 0;
}

/* x86-64: `0f 05` preceded by `b8 imm32` (mov $imm,%eax) or `48 c7 c0 imm32` (mov $imm,%rax). */
static int scan_x86_64(struct hd_elf_scan *s, const char *obj, const unsigned char *p, size_t n, uint64_t vaddr,
		       unsigned *computed)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] != 0x0f || p[i + 1] != 0x05)
			continue;
		long nr = -1;
		size_t lo = i > X86_MOV_LOOKBACK ? i - X86_MOV_LOOKBACK : 0;
		for (size_t j = i; j-- > lo;) {
			if (p[j] == 0x0f && j + 1 < i && p[j + 1] == 0x05)
				break; /* an earlier syscall: its mov is not ours */
			if (p[j] == 0xb8 && j + 5 <= i) {
				nr = (long)(p[j + 1] | (p[j + 2] << 8) | (p[j + 3] << 16) | ((uint32_t)p[j + 4] << 24));
				if (j >= 2 && p[j - 2] == 0x48 && p[j - 1] == 0xc7)
					continue; /* the b8 is inside 48 c7 c0: handled below */
				break;
			}
			if (p[j] == 0x48 && j + 7 <= i && p[j + 1] == 0xc7 && p[j + 2] == 0xc0) {
				nr = (long)(p[j + 3] | (p[j + 4] << 8) | (p[j + 5] << 16) | ((uint32_t)p[j + 6] << 24));
				break;
			}
		}
		const char *name = (nr >= 0 && nr < MAX_SYSCALL_NR) ? hd_syscall_name(HD_ARCH_X86_64, (int)nr) : NULL;
		if (!name) {
			(*computed)++;
			continue;
		}
		int r = add_evidence(s, name, HD_EV_INSTRUCTION, obj, NULL, vaddr + i);
		if (r < 0)
			return r;
		i++;
	}
	return 0;
}

/* aarch64: `svc #0` (d4000001) preceded by `movz x8/w8, #imm16`. Instructions are 4-aligned. */
static int scan_arm64(struct hd_elf_scan *s, const char *obj, const unsigned char *p, size_t n, uint64_t vaddr,
		      unsigned *computed)
{
	for (size_t i = 0; i + 4 <= n; i += 4) {
		uint32_t w = (uint32_t)p[i] | ((uint32_t)p[i + 1] << 8) | ((uint32_t)p[i + 2] << 16) |
			     ((uint32_t)p[i + 3] << 24);
		if (w != 0xd4000001u)
			continue;
		long nr = -1;
		for (size_t k = 1; k <= ARM64_MOV_LOOKBACK && k * 4 <= i; k++) {
			size_t j = i - k * 4;
			uint32_t m = (uint32_t)p[j] | ((uint32_t)p[j + 1] << 8) | ((uint32_t)p[j + 2] << 16) |
				     ((uint32_t)p[j + 3] << 24);
			if ((m & 0x7fe0001fu) == 0x52800008u) { /* movz w8/x8, #imm16 (hw = 0) */
				nr = (long)((m >> 5) & 0xffff);
				break;
			}
		}
		const char *name = nr >= 0 ? hd_syscall_name(HD_ARCH_ARM64, (int)nr) : NULL;
		if (!name) {
			(*computed)++;
			continue;
		}
		int r = add_evidence(s, name, HD_EV_INSTRUCTION, obj, NULL, vaddr + i);
		if (r < 0)
			return r;
	}
	return 0;
}

static int scan_code(struct hd_elf_scan *s, const struct elf_object *o, const unsigned char *p, size_t n,
		     uint64_t vaddr, unsigned *computed)
{
	if (o->arch == HD_ARCH_X86_64)
		return scan_x86_64(s, o->path, p, n, vaddr, computed);
	if (o->arch == HD_ARCH_ARM64)
		return scan_arm64(s, o->path, p, n, vaddr, computed);
	return 0;
}

/*
 * Parse one object: headers, dynamic section, symbols; scan its code (unless libc).
 * On success o owns buf. -ENOEXEC with a diag when it is not an ELF file we can read.
 */
static int object_load(struct elf_object *o, const char *path, unsigned char *buf, size_t len, struct hd_elf_scan *s,
		       bool scan_instructions, hd_diags *diags)
{
	memset(o, 0, sizeof(*o));
	o->buf = buf;
	o->len = len;
	o->arch = HD_ARCH_INVALID;
	if (!(o->path = strdup(path)))
		return -ENOMEM;
	if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) != 0) {
		hd_diag_add(diags, HD_ERROR, path, 0, "not an ELF file (no \\177ELF at offset 0)");
		return -ENOEXEC;
	}
	if (buf[EI_CLASS] != ELFCLASS32 && buf[EI_CLASS] != ELFCLASS64) {
		hd_diag_add(diags, HD_ERROR, path, 0, "offset %d: invalid ELF class %u", EI_CLASS, buf[EI_CLASS]);
		return -ENOEXEC;
	}
	if (buf[EI_DATA] != ELFDATA2LSB && buf[EI_DATA] != ELFDATA2MSB) {
		hd_diag_add(diags, HD_ERROR, path, 0, "offset %d: invalid ELF data encoding %u", EI_DATA, buf[EI_DATA]);
		return -ENOEXEC;
	}
	o->elf = elf_memory((char *)buf, len);
	if (!o->elf || elf_kind(o->elf) != ELF_K_ELF) {
		hd_diag_add(diags, HD_ERROR, path, 0, "unreadable ELF file: %s", elf_errmsg(-1));
		return -ENOEXEC;
	}
	GElf_Ehdr eh;
	if (!gelf_getehdr(o->elf, &eh)) {
		hd_diag_add(diags, HD_ERROR, path, 0, "unreadable ELF header: %s", elf_errmsg(-1));
		return -ENOEXEC;
	}
	o->elf_class = gelf_getclass(o->elf);
	o->machine = eh.e_machine;
	o->arch = arch_of(eh.e_machine, o->elf_class);

	/* tables the header points to must lie inside the file (a truncated or lying file) */
	uint64_t phsize = (uint64_t)eh.e_phnum * eh.e_phentsize;
	if (eh.e_phnum && (eh.e_phoff > len || phsize > len - eh.e_phoff)) {
		hd_diag_add(diags, HD_ERROR, path, 0,
			    "offset 0x%llx: program header table (%u entries) extends past the end of the file (%zu bytes)",
			    (unsigned long long)eh.e_phoff, eh.e_phnum, len);
		return -ENOEXEC;
	}
	uint64_t shsize = (uint64_t)eh.e_shnum * eh.e_shentsize;
	if (eh.e_shnum && (eh.e_shoff > len || shsize > len - eh.e_shoff)) {
		hd_diag_add(diags, HD_ERROR, path, 0,
			    "offset 0x%llx: section header table (%u entries) extends past the end of the file (%zu bytes)",
			    (unsigned long long)eh.e_shoff, eh.e_shnum, len);
		return -ENOEXEC;
	}

	/* program headers: PT_INTERP; code segments when there are no section headers */
	size_t phnum = 0;
	if (elf_getphdrnum(o->elf, &phnum) != 0)
		phnum = 0;
	size_t shnum = 0;
	if (elf_getshdrnum(o->elf, &shnum) != 0) {
		hd_diag_add(diags, HD_WARNING, path, 0, "section header count unreadable: %s", elf_errmsg(-1));
		shnum = 0;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(o->elf, (int)i, &ph))
			break;
		if (ph.p_type == PT_LOAD && (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)) {
			hd_diag_add(diags, HD_ERROR, path, 0,
				    "program header %zu: segment at offset 0x%llx (0x%llx bytes) extends past the end of "
				    "the file (%zu bytes): truncated?",
				    i, (unsigned long long)ph.p_offset, (unsigned long long)ph.p_filesz, len);
			return -ENOEXEC;
		}
		if (ph.p_type == PT_INTERP && !o->interp) {
			o->interp = bounded_string(buf, len, ph.p_offset, ph.p_filesz);
			if (!o->interp)
				hd_diag_add(diags, HD_WARNING, path, 0,
					    "program header %zu: PT_INTERP at offset 0x%llx is not a string inside the file",
					    i, (unsigned long long)ph.p_offset);
		}
		if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) && shnum == 0 && scan_instructions) {
			o->no_sections = true;
			if (ph.p_offset <= len && ph.p_filesz <= len - ph.p_offset) {
				unsigned computed = 0;
				int r = scan_code(s, o, buf + ph.p_offset, (size_t)ph.p_filesz, ph.p_vaddr, &computed);
				if (r < 0)
					return r;
				if (computed && hd_strv_pushf(&s->limits,
							      "%s: %u possible syscall instruction(s) whose number is not a nearby constant",
							      path, computed) < 0)
					return -ENOMEM;
			} else {
				hd_diag_add(diags, HD_WARNING, path, 0,
					    "program header %zu: segment beyond the end of the file; not scanned", i);
			}
		}
	}
	if (shnum == 0) {
		o->no_sections = true;
		return 0;
	}

	/* sections: identify libc first (needs DT_SONAME), then symbols and code */
	unsigned computed = 0;
	for (int pass = 0; pass < 2; pass++) {
		Elf_Scn *scn = NULL;
		size_t idx = 0;
		while ((scn = elf_nextscn(o->elf, scn)) != NULL) {
			idx++;
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh))
				continue;
			if (section_bounds(o, idx, &sh, pass == 0 ? diags : NULL) < 0 && sh.sh_type != SHT_NOBITS)
				continue;
			int r = 0;
			if (pass == 0 && sh.sh_type == SHT_DYNAMIC)
				r = read_dynamic(o, scn, &sh, diags);
			else if (pass == 1 && sh.sh_type == SHT_DYNSYM)
				r = read_dynsym(o, scn, &sh);
			else if (pass == 1 && sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR) &&
				 scan_instructions && !o->is_libc)
				r = scan_code(s, o, buf + sh.sh_offset, (size_t)sh.sh_size, sh.sh_addr, &computed);
			if (r < 0)
				return r;
		}
		if (pass == 0)
			o->is_libc = is_libc_object(o->soname, path, &o->libc_kind);
	}
	if (computed &&
	    hd_strv_pushf(&s->limits, "%s: %u possible syscall instruction(s) whose number is not a nearby constant", path,
			  computed) < 0)
		return -ENOMEM;
	hd_strv_sort(&o->exports);
	return 0;
}

/* ---- library resolution, as ld.so does it ---- */

struct ld_cache_entry {
	char *name;
	char *path;
};

struct ld_cache {
	struct ld_cache_entry *v;
	size_t n;
};

static void ld_cache_free(struct ld_cache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].path);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/*
 * /etc/ld.so.cache, glibc's "glibc-ld.so.cache1.1" format: a 48-byte header (magic, version, entry
 * count, string table size, flags, extension offset), then 24-byte entries (flags, key, value,
 * osversion, hwcap) whose key/value are offsets from the start of the file. Only entries for
 * cache_flag's ABI are kept. An unknown or damaged cache is ignored (the default dirs remain).
 */
static int ld_cache_load(const char *path, int cache_flag, struct ld_cache *c)
{
	static const char magic[] = "glibc-ld.so.cache1.1";
	unsigned char *buf = NULL;
	size_t len = 0;
	hd_diags quiet = { 0 };
	int r = read_whole_file(path, &buf, &len, &quiet, true);
	hd_diags_free(&quiet);
	if (r < 0)
		return r;
	r = 0;
	const size_t hdr = 48, ent = 24;
	if (len < hdr || memcmp(buf, magic, sizeof(magic) - 1) != 0)
		goto out;
	uint32_t nlibs;
	memcpy(&nlibs, buf + 20, 4);
	if (nlibs > MAX_LD_CACHE_ENTRIES || nlibs > (len - hdr) / ent)
		goto out;
	c->v = calloc(nlibs ? nlibs : 1, sizeof(*c->v));
	if (!c->v) {
		r = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < nlibs; i++) {
		const unsigned char *e = buf + hdr + (size_t)i * ent;
		int32_t flags;
		uint32_t key, value;
		memcpy(&flags, e, 4);
		memcpy(&key, e + 4, 4);
		memcpy(&value, e + 8, 4);
		if (flags != cache_flag)
			continue;
		char *k = bounded_string(buf, len, key, MAX_PATH_LEN);
		char *v = bounded_string(buf, len, value, MAX_PATH_LEN);
		if (!k || !v) {
			free(k);
			free(v);
			continue;
		}
		c->v[c->n].name = k;
		c->v[c->n].path = v;
		c->n++;
	}
out:
	free(buf);
	return r;
}

struct resolver {
	const struct hd_elf_scan_options *opt;
	struct ld_cache cache;
	bool cache_loaded;
	hd_arch arch;
	int elf_class;
	unsigned machine;
};

static const struct default_dirs *dirs_for(hd_arch a)
{
	for (size_t i = 0; i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++)
		if (default_dirs[i].arch == a)
			return &default_dirs[i];
	return &default_dirs[0];
}

/* root + path into out; false if too long. */
static bool rooted(const struct resolver *rv, const char *path, char *out, size_t size)
{
	const char *root = rv->opt && rv->opt->root ? rv->opt->root : "";
	int n = snprintf(out, size, "%s%s", root, path);
	return n > 0 && (size_t)n < size;
}

/* Does the file look like a library ld.so would accept for this program (same class and machine)? */
static bool compatible_library(const struct resolver *rv, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	unsigned char h[20];
	ssize_t n = read(fd, h, sizeof(h));
	close(fd);
	if (n < (ssize_t)sizeof(h) || memcmp(h, ELFMAG, SELFMAG) != 0)
		return false;
	if (h[EI_CLASS] != rv->elf_class)
		return false;
	unsigned machine = h[EI_DATA] == ELFDATA2MSB ? (unsigned)(h[18] << 8 | h[19]) : (unsigned)(h[18] | h[19] << 8);
	return machine == rv->machine;
}

/* Try each directory of a colon-separated list; $ORIGIN is the loading object's directory. */
static bool search_dirs(const struct resolver *rv, const char *list, const char *origin_obj, const char *name,
			char *out, size_t size)
{
	if (!list)
		return false;
	char origin[MAX_PATH_LEN];
	snprintf(origin, sizeof(origin), "%s", origin_obj ? origin_obj : "");
	char *slash = strrchr(origin, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(origin, sizeof(origin), ".");
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ":");
		char dir[MAX_PATH_LEN];
		size_t d = 0;
		bool overflow = false;
		for (size_t i = 0; i < n && !overflow;) {
			const char *tok = NULL;
			size_t toklen = 0;
			if (strncmp(p + i, "$ORIGIN", 7) == 0)
				tok = origin, toklen = 7;
			else if (strncmp(p + i, "${ORIGIN}", 9) == 0)
				tok = origin, toklen = 9;
			if (tok) {
				size_t tl = strlen(tok);
				if (d + tl >= sizeof(dir))
					overflow = true;
				else
					memcpy(dir + d, tok, tl), d += tl;
				i += toklen;
			} else {
				if (d + 1 >= sizeof(dir))
					overflow = true;
				else
					dir[d++] = p[i];
				i++;
			}
		}
		dir[d] = '\0';
		p += n;
		if (*p == ':')
			p++;
		if (overflow || d == 0)
			continue;
		char cand[MAX_PATH_LEN];
		/* $ORIGIN is already a real (rooted) path; other entries are inside the root */
		int k;
		if (dir[0] == '/' && strncmp(dir, origin, strlen(origin)) != 0) {
			char rd[MAX_PATH_LEN];
			if (!rooted(rv, dir, rd, sizeof(rd)))
				continue;
			k = snprintf(cand, sizeof(cand), "%s/%s", rd, name);
		} else {
			k = snprintf(cand, sizeof(cand), "%s/%s", dir, name);
		}
		if (k <= 0 || (size_t)k >= sizeof(cand))
			continue;
		if (compatible_library(rv, cand)) {
			snprintf(out, size, "%s", cand);
			return true;
		}
	}
	return false;
}

/*
 * ld.so's order: a name with a slash is a path; else DT_RPATH of the loader (when it has no
 * DT_RUNPATH) and of the program, DT_RUNPATH of the loader, /etc/ld.so.cache, default directories.
 * (LD_LIBRARY_PATH is not used: systemd starts services with a clean environment unless the unit
 * sets it, and harden does not read Environment= for this.)
 */
static bool resolve_needed(struct resolver *rv, const char *name, const struct elf_object *loader,
			   const struct elf_object *program, char *out, size_t size)
{
	if (strchr(name, '/')) {
		char p[MAX_PATH_LEN];
		if (name[0] == '/' ? !rooted(rv, name, p, sizeof(p)) : (size_t)snprintf(p, sizeof(p), "%s", name) >= sizeof(p))
			return false;
		if (!compatible_library(rv, p))
			return false;
		snprintf(out, size, "%s", p);
		return true;
	}
	if (!loader->runpath) {
		if (search_dirs(rv, loader->rpath, loader->path, name, out, size))
			return true;
		if (program != loader && !program->runpath &&
		    search_dirs(rv, program->rpath, program->path, name, out, size))
			return true;
	}
	if (search_dirs(rv, loader->runpath, loader->path, name, out, size))
		return true;
	const struct default_dirs *dd = dirs_for(rv->arch);
	if (!rv->cache_loaded) {
		rv->cache_loaded = true;
		char cp[MAX_PATH_LEN];
		const char *cache = rv->opt ? rv->opt->ld_so_cache : NULL;
		if (!cache && rooted(rv, "/etc/ld.so.cache", cp, sizeof(cp)))
			cache = cp;
		if (cache && *cache && ld_cache_load(cache, dd->cache_flag, &rv->cache) == -ENOMEM)
			return false;
	}
	for (size_t i = 0; i < rv->cache.n; i++) {
		if (strcmp(rv->cache.v[i].name, name) != 0)
			continue;
		char p[MAX_PATH_LEN];
		if (rooted(rv, rv->cache.v[i].path, p, sizeof(p)) && compatible_library(rv, p)) {
			snprintf(out, size, "%s", p);
			return true;
		}
	}
	return search_dirs(rv, dd->dirs, NULL, name, out, size);
}

/* ---- putting it together ---- */

static int add_runtime(struct hd_elf_scan *s)
{
	for (size_t i = 0; i < sizeof(runtime_sets) / sizeof(runtime_sets[0]); i++) {
		const struct runtime_set *rs = &runtime_sets[i];
		if (rs->libc != s->libc || rs->is_static != s->is_static)
			continue;
		const char *p = rs->syscalls;
		while (*p) {
			p += strspn(p, " ");
			size_t n = strcspn(p, " ");
			if (!n)
				break;
			char name[64];
			if (n >= sizeof(name))
				return -EINVAL;
			memcpy(name, p, n);
			name[n] = '\0';
			p += n;
			const char *use = on_arch(name, s->arch);
			if (!use)
				continue; /* e.g. arch_prctl on arm64 */
			int r = add_evidence(s, use, HD_EV_RUNTIME, NULL, NULL, 0);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static bool exported_by_closure(struct elf_object *objs, size_t n, const char *sym)
{
	for (size_t i = 0; i < n; i++)
		if (!objs[i].is_libc && hd_strv_sorted_contains(&objs[i].exports, sym))
			return true;
	return false;
}

static bool exported_by_libc(struct elf_object *objs, size_t n, const char *sym)
{
	for (size_t i = 0; i < n; i++)
		if (objs[i].is_libc && hd_strv_sorted_contains(&objs[i].exports, sym))
			return true;
	return false;
}

struct flag_limit {
	unsigned flag;
	const char *text; /* "%s imports %s: ..." */
};

static const struct flag_limit flag_limits[] = {
	{ HD_WRAPPER_ANY_SYSCALL, "%s imports %s: syscall numbers passed at run time are not analysed" },
	{ HD_WRAPPER_LOADS_CODE, "%s imports %s: libraries loaded at run time (dlopen, NSS modules, gconv) are not analysed" },
	{ HD_WRAPPER_EXECS, "%s imports %s: the programs it runs are checked only if they are in the unit" },
};
#define N_FLAG_LIMITS (sizeof(flag_limits) / sizeof(flag_limits[0]))

/* One limit line per object and flag, naming the imports: "libacl.so.1 imports getpwnam, getgrnam: ..." */
static int push_flag_limits(struct hd_elf_scan *s, const char *obj, hd_strv names[N_FLAG_LIMITS])
{
	for (size_t f = 0; f < N_FLAG_LIMITS; f++) {
		if (!names[f].n)
			continue;
		char list[512];
		size_t used = 0;
		list[0] = '\0';
		for (size_t i = 0; i < names[f].n; i++) {
			int k = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[f].v[i]);
			if (k < 0 || (size_t)k >= sizeof(list) - used)
				break;
			used += (size_t)k;
		}
		if (hd_strv_pushf(&s->limits, flag_limits[f].text, obj, list) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int map_imports(struct hd_elf_scan *s, struct elf_object *objs, size_t n, bool have_closure)
{
	hd_strv unmapped = { 0 };
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct elf_object *o = &objs[i];
		if (o->is_libc)
			continue;
		/* a library: only the imports reachable from the functions the others use */
		hd_strv reach = { 0 }, used = { 0 };
		bool filtered = false;
		if (i > 0 && have_closure && o->elf) {
			for (size_t j = 0; j < n && r >= 0; j++)
				for (size_t k = 0; j != i && k < objs[j].imports.n && r >= 0; k++)
					if (hd_strv_sorted_contains(&o->exports, objs[j].imports.v[k]))
						r = hd_strv_push_unique(&used, objs[j].imports.v[k]);
			if (r >= 0) {
				r = hd_elf_reachable_imports(o->elf, o->buf, o->len, &used, &reach);
				filtered = r == 0;
				if (r == -ENOTSUP)
					r = 0;
			}
			if (r >= 0)
				hd_strv_sort(&reach);
		}
		hd_strv_free(&used);
		hd_strv flagged[N_FLAG_LIMITS];
		memset(flagged, 0, sizeof(flagged));
		for (size_t k = 0; k < o->imports.n && r >= 0; k++) {
			const char *sym = o->imports.v[k];
			s->n_imports++;
			if (filtered && !hd_strv_sorted_contains(&reach, sym)) {
				s->n_unreached_imports++;
				continue;
			}
			const struct hd_wrapper *w = hd_wrapper_find(sym);
			if (!w) {
				if (exported_by_closure(objs, n, sym))
					continue; /* analysed where it is defined */
				if (have_closure && !exported_by_libc(objs, n, sym))
					continue; /* weak and undefined everywhere (__gmon_start__, _ITM_*) */
				s->n_unmapped_imports++;
				r = hd_strv_push_unique(&unmapped, sym);
				continue;
			}
			for (size_t f = 0; f < N_FLAG_LIMITS && r >= 0; f++)
				if (w->flags & flag_limits[f].flag)
					r = hd_strv_push_unique(&flagged[f], w->name);
			hd_strv calls = { 0 };
			r = hd_wrapper_syscalls_arch(sym, s->libc, s->arch, &calls);
			for (size_t c = 0; r >= 0 && c < calls.n; c++) {
				enum hd_evidence_kind kind =
					strcmp(calls.v[c], w->name) == 0 ? HD_EV_DIRECT_IMPORT : HD_EV_WRAPPER;
				r = add_evidence(s, calls.v[c], kind, o->path, sym, 0);
			}
			hd_strv_free(&calls);
		}
		if (r >= 0)
			r = push_flag_limits(s, o->path, flagged);
		for (size_t f = 0; f < N_FLAG_LIMITS; f++)
			hd_strv_free(&flagged[f]);
		hd_strv_free(&reach);
	}
	if (r >= 0 && unmapped.n) {
		hd_strv_sort(&unmapped);
		char text[1024];
		size_t used = 0;
		text[0] = '\0';
		for (size_t i = 0; i < unmapped.n && i < MAX_LIMIT_NAMES; i++) {
			int k = snprintf(text + used, sizeof(text) - used, "%s%s", i ? " " : "", unmapped.v[i]);
			if (k < 0 || (size_t)k >= sizeof(text) - used)
				break;
			used += (size_t)k;
		}
		r = hd_strv_pushf(&s->limits, "%zu imported libc function(s) not in the wrapper table: %s%s",
				  unmapped.n, text, unmapped.n > MAX_LIMIT_NAMES ? " ..." : "");
	}
	hd_strv_free(&unmapped);
	return r;
}

static bool libelf_ready(void)
{
	static int state; /* 0 unknown, 1 ok, -1 failed */
	if (!state)
		state = elf_version(EV_CURRENT) != EV_NONE ? 1 : -1;
	return state > 0;
}

static int finish(struct hd_elf_scan *s, struct elf_object *objs, size_t n, bool have_closure)
{
	const struct elf_object *prog = &objs[0];
	s->arch = prog->arch;
	s->is_static = !prog->interp;
	if (prog->interp && !(s->interp = strdup(prog->interp)))
		return -ENOMEM;
	s->libc = HD_LIBC_GLIBC;
	if (prog->interp && strstr(prog->interp, "ld-musl"))
		s->libc = HD_LIBC_MUSL;
	for (size_t i = 0; i < n; i++)
		if (objs[i].is_libc && objs[i].libc_kind == HD_LIBC_MUSL)
			s->libc = HD_LIBC_MUSL;
	if (prog->is_libc)
		s->libc = prog->libc_kind;
	int r = map_imports(s, objs, n, have_closure);
	if (r >= 0 && !prog->is_libc && (prog->interp || prog->imports.n == 0))
		r = add_runtime(s);
	if (r >= 0 && prog->no_sections && prog->interp)
		r = hd_strv_pushf(&s->limits, "%s has no section headers: its imports were not analysed", prog->path);
	if (r >= 0)
		hd_strv_sort_uniq(&s->syscalls);
	return r < 0 ? r : 0;
}

int hd_elf_scan_memory(const void *buf, size_t len, const char *name, struct hd_elf_scan *out, hd_diags *diags)
{
	if (!libelf_ready())
		return -ENOSYS;
	unsigned char *copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, buf, len);
	struct elf_object o;
	int r = object_load(&o, name ? name : "<memory>", copy, len, out, true, diags);
	if (r >= 0) {
		if (o.arch == HD_ARCH_INVALID) {
			hd_diag_add(diags, HD_ERROR, o.path, 0, "unsupported ELF machine %u (class %d)", o.machine, o.elf_class);
			r = -EINVAL;
		} else {
			r = finish(out, &o, 1, false);
		}
	}
	object_free(&o);
	return r;
}

int hd_elf_scan_file(const char *path, const struct hd_elf_scan_options *opt, struct hd_elf_scan *out,
		     hd_diags *diags)
{
	if (!libelf_ready())
		return -ENOSYS;
	size_t max = opt && opt->max_objects ? opt->max_objects : HD_ELF_MAX_OBJECTS;
	bool follow = !opt || opt->follow_needed;
	struct elf_object *objs = calloc(max, sizeof(*objs));
	if (!objs)
		return -ENOMEM;
	size_t n = 0;
	struct resolver rv = { .opt = opt };
	unsigned char *buf = NULL;
	size_t len = 0;
	int r = read_whole_file(path, &buf, &len, diags, false);
	if (r < 0)
		goto out;
	r = object_load(&objs[0], path, buf, len, out, true, diags);
	n = 1;
	if (r < 0)
		goto out;
	if (objs[0].arch == HD_ARCH_INVALID) {
		hd_diag_add(diags, HD_ERROR, path, 0, "unsupported ELF machine %u (class %d)", objs[0].machine,
			    objs[0].elf_class);
		r = -EINVAL;
		goto out;
	}
	if (hd_strv_push(&out->objects, path) < 0) {
		r = -ENOMEM;
		goto out;
	}
	rv.arch = objs[0].arch;
	rv.elf_class = objs[0].elf_class;
	rv.machine = objs[0].machine;
	/* breadth first, like ld.so's load order */
	for (size_t q = 0; follow && q < n && r >= 0; q++) {
		for (size_t k = 0; k < objs[q].needed.n; k++) {
			const char *need = objs[q].needed.v[k];
			bool loaded = false;
			for (size_t i = 0; i < n && !loaded; i++)
				loaded = (objs[i].soname && strcmp(objs[i].soname, need) == 0) ||
					 strcmp(base_name(objs[i].path), need) == 0;
			if (loaded)
				continue;
			char found[MAX_PATH_LEN];
			if (!resolve_needed(&rv, need, &objs[q], &objs[0], found, sizeof(found))) {
				hd_diag_add(diags, HD_WARNING, objs[q].path, 0, "needed library %s not found", need);
				if (hd_strv_pushf(&out->limits, "%s: needed library %s not found: not analysed",
						  objs[q].path, need) < 0) {
					r = -ENOMEM;
					break;
				}
				continue;
			}
			bool same = false;
			for (size_t i = 0; i < n && !same; i++)
				same = strcmp(objs[i].path, found) == 0;
			if (same)
				continue;
			if (n == max) {
				hd_diag_add(diags, HD_WARNING, path, 0, "more than %zu libraries; the rest not analysed", max);
				if (hd_strv_pushf(&out->limits, "more than %zu libraries: %s and later not analysed", max,
						  need) < 0)
					r = -ENOMEM;
				break;
			}
			unsigned char *lb = NULL;
			size_t ll = 0;
			int lr = read_whole_file(found, &lb, &ll, diags, false);
			if (lr == -ENOMEM) {
				r = lr;
				break;
			}
			if (lr < 0)
				continue;
			lr = object_load(&objs[n], found, lb, ll, out, true, diags);
			n++;
			if (lr == -ENOMEM) {
				r = lr;
				break;
			}
			if (lr < 0) {
				if (hd_strv_pushf(&out->limits, "%s: unreadable library, not analysed", found) < 0)
					r = -ENOMEM;
				continue;
			}
			if (hd_strv_push(&out->objects, found) < 0)
				r = -ENOMEM;
		}
	}
	if (r >= 0)
		r = finish(out, objs, n, follow);
out:
	for (size_t i = 0; i < n; i++)
		object_free(&objs[i]);
	if (n == 0)
		free(buf);
	free(objs);
	ld_cache_free(&rv.cache);
	return r;
}

int hd_shebang_parse(const char *buf, size_t len, char **interp, char **arg)
{
	*interp = NULL;
	*arg = NULL;
	if (len < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	/* the kernel reads at most 256 bytes of the first line (BINPRM_BUF_SIZE) */
	size_t max = len < 256 ? len : 256;
	const char *nl = memchr(buf, '\n', max);
	size_t end = nl ? (size_t)(nl - buf) : max;
	if (!nl && len > 256)
		return -ENOEXEC; /* line too long: Linux >= 5.0 refuses it */
	size_t i = 2;
	while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	size_t s = i;
	while (i < end && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\0')
		i++;
	if (i == s)
		return -ENOEXEC;
	if (!(*interp = strndup(buf + s, i - s)))
		return -ENOMEM;
	while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	size_t e = end;
	while (e > i && (buf[e - 1] == ' ' || buf[e - 1] == '\t' || buf[e - 1] == '\r' || buf[e - 1] == '\0'))
		e--;
	if (e > i && memchr(buf + i, '\0', e - i) == NULL) {
		if (!(*arg = strndup(buf + i, e - i))) {
			free(*interp);
			*interp = NULL;
			return -ENOMEM;
		}
	}
	return 1;
}
