/* SPDX-License-Identifier: MIT */
/* Reachable imports of an x86-64 shared library: see elfreach.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elfreach.h"

#define R_X86_64_64_ 1
#define R_X86_64_GLOB_DAT_ 6
#define R_X86_64_JUMP_SLOT_ 7
#define R_X86_64_RELATIVE_ 8
#define R_X86_64_IRELATIVE_ 37
#define MAX_SECTIONS 256

struct code_section {
	uint64_t addr, size;
	const unsigned char *bytes;
	bool is_plt;
};

struct sym {
	const char *name;
	uint64_t addr, size;
};

struct got_slot {
	uint64_t slot;
	const char *name;
	bool defined;  /* the library's own function (called through its GOT/PLT) */
	uint64_t addr; /* its address when defined */
};

struct plt_jump {
	uint64_t at;  /* address of the ff 25 */
	uint64_t got; /* the slot it jumps through */
};

struct ref {
	uint64_t site;
	uint64_t target;  /* a code address, or 0 */
	const char *name; /* an imported function, or NULL */
};

struct region {
	uint64_t start;
	bool sized_end; /* a sized symbol ends before the next region: no fall-through */
	unsigned section;
	bool reached;
};

struct ctx {
	struct code_section sec[MAX_SECTIONS];
	size_t n_sec;
	struct sym *syms;
	size_t n_syms, cap_syms;
	struct got_slot *got;
	size_t n_got, cap_got;
	struct plt_jump *plt;
	size_t n_plt, cap_plt;
	struct ref *refs;
	size_t n_refs, cap_refs;
	uint64_t *roots;
	size_t n_roots, cap_roots;
	struct region *reg;
	size_t n_reg;
};

#define GROW(arr, n, cap)                                                          \
	do {                                                                       \
		if ((n) == (cap)) {                                                \
			size_t c_ = (cap) ? (cap) * 2 : 64;                        \
			void *p_ = realloc((arr), c_ * sizeof(*(arr)));            \
			if (!p_)                                                   \
				return -ENOMEM;                                    \
			(arr) = p_;                                                \
			(cap) = c_;                                                \
		}                                                                  \
	} while (0)

static int add_root(struct ctx *c, uint64_t a)
{
	GROW(c->roots, c->n_roots, c->cap_roots);
	c->roots[c->n_roots++] = a;
	return 0;
}

static int add_ref(struct ctx *c, uint64_t site, uint64_t target, const char *name)
{
	GROW(c->refs, c->n_refs, c->cap_refs);
	c->refs[c->n_refs++] = (struct ref){ site, target, name };
	return 0;
}

static const struct code_section *code_at(const struct ctx *c, uint64_t a)
{
	for (size_t i = 0; i < c->n_sec; i++)
		if (a >= c->sec[i].addr && a - c->sec[i].addr < c->sec[i].size)
			return &c->sec[i];
	return NULL;
}

/* qsort's array must not be NULL even when empty. */
static void sort_array(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (v && n > 1)
		qsort(v, n, size, cmp);
}

static int cmp_got(const void *a, const void *b)
{
	uint64_t x = ((const struct got_slot *)a)->slot, y = ((const struct got_slot *)b)->slot;
	return x < y ? -1 : x > y;
}

static int cmp_plt(const void *a, const void *b)
{
	uint64_t x = ((const struct plt_jump *)a)->at, y = ((const struct plt_jump *)b)->at;
	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_sym(const void *a, const void *b)
{
	uint64_t x = ((const struct sym *)a)->addr, y = ((const struct sym *)b)->addr;
	return x < y ? -1 : x > y;
}

static const struct got_slot *got_find(const struct ctx *c, uint64_t slot)
{
	size_t lo = 0, hi = c->n_got;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (c->got[m].slot == slot)
			return &c->got[m];
		if (c->got[m].slot < slot)
			lo = m + 1;
		else
			hi = m;
	}
	return NULL;
}

/* The GOT slot a PLT stub starting at t jumps through: the first ff 25 within its first 6 bytes
 * (endbr64 and a bnd prefix may come first). */
static const struct got_slot *plt_slot(const struct ctx *c, uint64_t t)
{
	size_t lo = 0, hi = c->n_plt;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (c->plt[m].at < t)
			lo = m + 1;
		else
			hi = m;
	}
	if (lo < c->n_plt && c->plt[lo].at - t <= 5)
		return got_find(c, c->plt[lo].got);
	return NULL;
}

static size_t region_of(const struct ctx *c, uint64_t a)
{
	size_t lo = 0, hi = c->n_reg;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (c->reg[m].start <= a)
			lo = m + 1;
		else
			hi = m;
	}
	return lo ? lo - 1 : (size_t)-1;
}

static int32_t rd32(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/* A reference from site to target: a PLT stub, a GOT slot, or code. */
static int classify(struct ctx *c, uint64_t site, uint64_t target)
{
	const struct got_slot *g = got_find(c, target);
	if (!g) {
		const struct code_section *s = code_at(c, target);
		if (!s)
			return 0;
		if (s->is_plt) {
			g = plt_slot(c, target);
			if (!g)
				return 0;
		} else {
			return add_ref(c, site, target, NULL);
		}
	}
	if (g->defined)
		return g->addr ? add_ref(c, site, g->addr, NULL) : 0;
	return add_ref(c, site, 0, g->name);
}

static int scan_text(struct ctx *c, const struct code_section *s)
{
	const unsigned char *p = s->bytes;
	for (uint64_t k = 0; k + 5 <= s->size; k++) {
		uint64_t a = s->addr + k;
		int r = 0;
		if (p[k] == 0xe8 || p[k] == 0xe9) /* call/jmp rel32 */
			r = classify(c, a, a + 5 + (uint64_t)(int64_t)rd32(p + k + 1));
		if (r == 0 && k + 6 <= s->size && (p[k] == 0x8b || p[k] == 0x8d || p[k] == 0xff) &&
		    (p[k + 1] & 0xc7) == 0x05)
			r = classify(c, a, a + 6 + (uint64_t)(int64_t)rd32(p + k + 2)); /* mov/lea/call/jmp via rip */
		if (r < 0)
			return r;
	}
	return 0;
}

static int collect(struct ctx *c, Elf *elf, const unsigned char *buf, size_t len, const hd_strv *roots)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return -ENOTSUP;
	Elf_Scn *scn = NULL, *dynsym = NULL;
	size_t dynsym_idx = 0;
	GElf_Shdr dynsym_sh = { 0 };
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_DYNSYM) {
			dynsym = scn;
			dynsym_idx = elf_ndxscn(scn);
			dynsym_sh = sh;
		}
		if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		if (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset)
			return -ENOTSUP;
		if (c->n_sec == MAX_SECTIONS)
			return -ENOTSUP;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		c->sec[c->n_sec++] = (struct code_section){ sh.sh_addr, sh.sh_size, buf + sh.sh_offset,
							    name && strncmp(name, ".plt", 4) == 0 };
	}
	if (!dynsym || c->n_sec == 0)
		return -ENOTSUP;

	/* symbols: the library's functions */
	Elf_Data *sd;
	size_t nsym = hd_elf_section_entries(elf, dynsym, ELF_T_SYM, &sd);
	if (!sd)
		return -ENOTSUP;
	for (size_t i = 1; i < nsym; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(sd, (int)i, &sym))
			break;
		int type = GELF_ST_TYPE(sym.st_info);
		if (sym.st_shndx == SHN_UNDEF || (type != STT_FUNC && type != STT_GNU_IFUNC))
			continue;
		const char *name = elf_strptr(elf, dynsym_sh.sh_link, sym.st_name);
		if (!name)
			continue;
		GROW(c->syms, c->n_syms, c->cap_syms);
		c->syms[c->n_syms++] = (struct sym){ name, sym.st_value, sym.st_size };
		if (roots && hd_strv_contains(roots, name)) {
			int r = add_root(c, sym.st_value);
			if (r < 0)
				return r;
		}
	}

	/* relocations against the dynamic symbols: GOT slots, code addresses in data */
	scn = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || sh.sh_link != dynsym_idx)
			continue;
		Elf_Data *rd;
		size_t n = hd_elf_section_entries(elf, scn, ELF_T_RELA, &rd);
		if (!rd)
			continue;
		for (size_t i = 0; i < n; i++) {
			GElf_Rela ra;
			if (!gelf_getrela(rd, (int)i, &ra))
				break;
			unsigned type = (unsigned)GELF_R_TYPE(ra.r_info);
			size_t si = GELF_R_SYM(ra.r_info);
			int r = 0;
			if (type == R_X86_64_RELATIVE_ || type == R_X86_64_IRELATIVE_) {
				if (code_at(c, (uint64_t)ra.r_addend))
					r = add_root(c, (uint64_t)ra.r_addend);
			} else if (type == R_X86_64_GLOB_DAT_ || type == R_X86_64_JUMP_SLOT_ || type == R_X86_64_64_) {
				GElf_Sym sym;
				if (!si || si >= nsym || !gelf_getsym(sd, (int)si, &sym))
					continue;
				const char *name = elf_strptr(elf, dynsym_sh.sh_link, sym.st_name);
				if (!name)
					continue;
				bool defined = sym.st_shndx != SHN_UNDEF;
				if (type == R_X86_64_64_) {
					/* a function pointer stored in data: reachable whenever the library is */
					if (defined && code_at(c, sym.st_value))
						r = add_root(c, sym.st_value);
					else if (!defined)
						r = add_ref(c, 0, 0, name); /* site 0: a root reference */
				} else {
					GROW(c->got, c->n_got, c->cap_got);
					c->got[c->n_got++] = (struct got_slot){ ra.r_offset, name, defined,
										defined ? sym.st_value : 0 };
				}
			}
			if (r < 0)
				return r;
		}
	}
	sort_array(c->got, c->n_got, sizeof(*c->got), cmp_got);

	/* DT_INIT / DT_FINI */
	scn = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		Elf_Data *dd;
		size_t ndyn = hd_elf_section_entries(elf, scn, ELF_T_DYN, &dd);
		if (!dd)
			continue;
		for (size_t i = 0; i < ndyn; i++) {
			GElf_Dyn dyn;
			if (!gelf_getdyn(dd, (int)i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if ((dyn.d_tag == DT_INIT || dyn.d_tag == DT_FINI) && add_root(c, dyn.d_un.d_ptr) < 0)
				return -ENOMEM;
		}
	}

	/* PLT stubs: where each jumps */
	for (size_t i = 0; i < c->n_sec; i++) {
		const struct code_section *s = &c->sec[i];
		if (!s->is_plt)
			continue;
		for (uint64_t k = 0; k + 6 <= s->size; k++)
			if (s->bytes[k] == 0xff && s->bytes[k + 1] == 0x25) {
				GROW(c->plt, c->n_plt, c->cap_plt);
				uint64_t at = s->addr + k;
				c->plt[c->n_plt++] = (struct plt_jump){ at, at + 6 + (uint64_t)(int64_t)rd32(s->bytes + k + 2) };
			}
	}
	sort_array(c->plt, c->n_plt, sizeof(*c->plt), cmp_plt);

	for (size_t i = 0; i < c->n_sec; i++) {
		if (c->sec[i].is_plt)
			continue;
		int r = scan_text(c, &c->sec[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int build_regions(struct ctx *c)
{
	size_t cap = c->n_syms + c->n_refs + c->n_roots + c->n_sec;
	uint64_t *starts = malloc((cap ? cap : 1) * sizeof(*starts));
	if (!starts)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < c->n_sec; i++)
		if (!c->sec[i].is_plt)
			starts[n++] = c->sec[i].addr;
	for (size_t i = 0; i < c->n_syms; i++)
		if (code_at(c, c->syms[i].addr))
			starts[n++] = c->syms[i].addr;
	for (size_t i = 0; i < c->n_refs; i++)
		if (c->refs[i].target)
			starts[n++] = c->refs[i].target;
	for (size_t i = 0; i < c->n_roots; i++)
		if (code_at(c, c->roots[i]))
			starts[n++] = c->roots[i];
	sort_array(starts, n, sizeof(*starts), cmp_u64);
	sort_array(c->syms, c->n_syms, sizeof(*c->syms), cmp_sym);
	c->reg = calloc(n ? n : 1, sizeof(*c->reg));
	if (!c->reg) {
		free(starts);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (c->n_reg && c->reg[c->n_reg - 1].start == starts[i])
			continue;
		const struct code_section *s = code_at(c, starts[i]);
		if (!s || s->is_plt)
			continue;
		c->reg[c->n_reg++] = (struct region){ starts[i], false, (unsigned)(s - c->sec), false };
	}
	free(starts);
	/* a region whose sized symbol ends before the next region does not fall through */
	size_t si = 0;
	for (size_t i = 0; i < c->n_reg; i++) {
		while (si < c->n_syms && c->syms[si].addr < c->reg[i].start)
			si++;
		uint64_t end = 0;
		for (size_t k = si; k < c->n_syms && c->syms[k].addr == c->reg[i].start; k++)
			if (c->syms[k].size && c->syms[k].addr + c->syms[k].size > end)
				end = c->syms[k].addr + c->syms[k].size;
		if (end && i + 1 < c->n_reg && end <= c->reg[i + 1].start)
			c->reg[i].sized_end = true;
	}
	return 0;
}

static int cmp_ref_site(const void *a, const void *b)
{
	uint64_t x = ((const struct ref *)a)->site, y = ((const struct ref *)b)->site;
	return x < y ? -1 : x > y;
}

static int walk(struct ctx *c, hd_strv *out)
{
	sort_array(c->refs, c->n_refs, sizeof(*c->refs), cmp_ref_site);
	size_t *stack = malloc((c->n_reg ? c->n_reg : 1) * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	size_t sp = 0;
	int r = 0;
#define PUSH(idx)                                                                   \
	do {                                                                        \
		size_t i_ = (idx);                                                  \
		if (i_ < c->n_reg && !c->reg[i_].reached) {                         \
			c->reg[i_].reached = true;                                  \
			stack[sp++] = i_;                                           \
		}                                                                   \
	} while (0)
	for (size_t i = 0; i < c->n_roots; i++)
		PUSH(region_of(c, c->roots[i]));
	/* references from data (site 0) hold regardless of code */
	for (size_t i = 0; i < c->n_refs && c->refs[i].site == 0 && r >= 0; i++)
		if (c->refs[i].name)
			r = hd_strv_push_unique(out, c->refs[i].name);
	while (sp && r >= 0) {
		size_t i = stack[--sp];
		uint64_t lo = c->reg[i].start;
		uint64_t hi = i + 1 < c->n_reg && c->reg[i + 1].section == c->reg[i].section
				      ? c->reg[i + 1].start
				      : c->sec[c->reg[i].section].addr + c->sec[c->reg[i].section].size;
		/* refs with lo <= site < hi */
		size_t a = 0, b = c->n_refs;
		while (a < b) {
			size_t m = a + (b - a) / 2;
			if (c->refs[m].site < lo)
				a = m + 1;
			else
				b = m;
		}
		for (size_t k = a; k < c->n_refs && c->refs[k].site < hi && r >= 0; k++) {
			if (c->refs[k].name)
				r = hd_strv_push_unique(out, c->refs[k].name);
			else
				PUSH(region_of(c, c->refs[k].target));
		}
		if (!c->reg[i].sized_end && i + 1 < c->n_reg && c->reg[i + 1].section == c->reg[i].section)
			PUSH(i + 1);
	}
#undef PUSH
	free(stack);
	return r;
}

size_t hd_elf_section_entries(Elf *elf, Elf_Scn *scn, Elf_Type t, Elf_Data **data)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t entsize = gelf_fsize(elf, t, 1, EV_CURRENT);
	*data = d && entsize ? d : NULL;
	return *data ? d->d_size / entsize : 0;
}

int hd_elf_reachable_imports(Elf *elf, const unsigned char *buf, size_t len, const hd_strv *roots, hd_strv *out)
{
	GElf_Ehdr eh;
	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64 || gelf_getclass(elf) != ELFCLASS64)
		return -ENOTSUP;
	struct ctx c;
	memset(&c, 0, sizeof(c));
	int r = collect(&c, elf, buf, len, roots);
	if (r >= 0)
		r = build_regions(&c);
	if (r >= 0)
		r = walk(&c, out);
	free(c.syms);
	free(c.got);
	free(c.plt);
	free(c.refs);
	free(c.roots);
	free(c.reg);
	return r;
}
