/* SPDX-License-Identifier: MIT */
#include "explain/coredump.h"

#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#ifndef NT_SIGINFO
#define NT_SIGINFO 0x53494749
#endif
#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif

/* Magic numbers of the formats systemd-coredump stores cores in (and plain ELF). */
static const struct {
	enum hd_core_compression kind;
	unsigned char magic[6];
	size_t len;
} core_magics[] = {
	{ HD_CORE_PLAIN, { 0x7f, 'E', 'L', 'F' }, 4 },
	{ HD_CORE_ZSTD, { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
	{ HD_CORE_LZ4, { 0x04, 0x22, 0x4d, 0x18 }, 4 },
	{ HD_CORE_XZ, { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6 },
};

static int sniff(const void *head, size_t len)
{
	for (size_t i = 0; i < sizeof(core_magics) / sizeof(core_magics[0]); i++)
		if (len >= core_magics[i].len && memcmp(head, core_magics[i].magic, core_magics[i].len) == 0)
			return (int)core_magics[i].kind;
	return -1;
}

bool hd_core_sniff(const void *head, size_t len)
{
	return sniff(head, len) >= 0;
}

const char *hd_core_compression_name(enum hd_core_compression c)
{
	static const char *const names[] = { "plain", "zstd", "lz4", "xz" };
	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

/* ---------------------------------------------------------------------------------------------
 * Byte sources. A core is read either in place (a regular file with pread, or a buffer) or as the
 * growing decompressed prefix of a stream; the parser below only asks "give me bytes [off, off+n)"
 * and "how many bytes exist", and the prefix grows on demand.
 */
struct source {
	/* in-place */
	int fd;                 /* -1 if none */
	const unsigned char *mem;
	uint64_t size;          /* bytes available in place; for a stream, the prefix length */
	bool streaming;         /* size can still grow */

	/* streaming: compressed input and the decompressed prefix */
	enum hd_core_compression comp;
	const unsigned char *in_mem; /* input from memory ... */
	size_t in_mem_len, in_mem_pos;
	int in_fd;                   /* ... or from a descriptor */
	unsigned char in_buf[1 << 16];
	size_t in_len, in_pos;
	bool in_eof;
	unsigned char *buf;
	size_t cap;
	ZSTD_DStream *zstd;
	LZ4F_dctx *lz4;
	lzma_stream xz;
	bool xz_init;
	const char *error; /* decoder's reason for stopping */
};

/* Refill the compressed input buffer. 0 ok (possibly EOF), -errno on a read error. */
static int in_refill(struct source *s)
{
	if (s->in_pos < s->in_len || s->in_eof)
		return 0;
	s->in_pos = 0;
	if (s->in_mem && s->in_mem_pos < s->in_mem_len) {
		size_t n = s->in_mem_len - s->in_mem_pos;
		if (n > sizeof(s->in_buf))
			n = sizeof(s->in_buf);
		memcpy(s->in_buf, s->in_mem + s->in_mem_pos, n);
		s->in_mem_pos += n;
		s->in_len = n;
	} else if (s->in_fd < 0) {
		s->in_len = 0;
	} else {
		ssize_t n;
		do
			n = read(s->in_fd, s->in_buf, sizeof(s->in_buf));
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
		s->in_len = (size_t)n;
	}
	if (s->in_len == 0)
		s->in_eof = true;
	return 0;
}

/* How far a stream (compressed, or a pipe) is decompressed into memory: headers + notes only; a
 * prefix larger than this is not a core we should read. The kernel writes the notes right after
 * the program headers, so only a core rewritten by another tool gets near it. */
#define STREAM_PREFIX_MAX ((uint64_t)HD_CORE_MAX_NOTES_BYTES + (uint64_t)HD_CORE_MAX_PHDRS * sizeof(Elf64_Phdr))

/* Decompress (or copy) until the prefix holds at least need bytes or the stream ends.
 * 0 (check s->size), -EFBIG beyond the note limit, -EBADMSG corrupt stream, -ENOMEM. */
static int source_fill(struct source *s, uint64_t need)
{
	if (!s->streaming || s->size >= need)
		return 0;
	if (need > STREAM_PREFIX_MAX)
		return -EFBIG;
	if (need > s->cap) {
		size_t cap = s->cap ? s->cap : 1 << 16;
		while (cap < need)
			cap *= 2;
		unsigned char *b = realloc(s->buf, cap);
		if (!b)
			return -ENOMEM;
		s->buf = b;
		s->cap = cap;
		s->mem = b;
	}
	while (s->size < need) {
		int r = in_refill(s);
		if (r < 0)
			return r;
		size_t in_avail = s->in_len - s->in_pos;
		const unsigned char *in = s->in_buf + s->in_pos;
		unsigned char *out = s->buf + s->size;
		size_t out_room = s->cap - s->size;
		size_t used = 0, produced = 0;
		bool ended = false;

		switch (s->comp) {
		case HD_CORE_PLAIN:
			used = produced = in_avail < out_room ? in_avail : out_room;
			memcpy(out, in, produced);
			ended = s->in_eof;
			break;
		case HD_CORE_ZSTD: {
			ZSTD_inBuffer ib = { in, in_avail, 0 };
			ZSTD_outBuffer ob = { out, out_room, 0 };
			size_t z = ZSTD_decompressStream(s->zstd, &ob, &ib);
			if (ZSTD_isError(z)) {
				s->error = ZSTD_getErrorName(z);
				return -EBADMSG;
			}
			used = ib.pos, produced = ob.pos;
			/* z == 0 ends a frame; another may follow (pzstd, cat a.zst b.zst) */
			ended = s->in_eof && produced == 0;
			break;
		}
		case HD_CORE_LZ4: {
			size_t dst = out_room, src = in_avail;
			size_t z = LZ4F_decompress(s->lz4, out, &dst, in, &src, NULL);
			if (LZ4F_isError(z)) {
				s->error = LZ4F_getErrorName(z);
				return -EBADMSG;
			}
			used = src, produced = dst;
			ended = s->in_eof && produced == 0;
			break;
		}
		case HD_CORE_XZ: {
			s->xz.next_in = in, s->xz.avail_in = in_avail;
			s->xz.next_out = out, s->xz.avail_out = out_room;
			lzma_ret z = lzma_code(&s->xz, s->in_eof ? LZMA_FINISH : LZMA_RUN);
			used = in_avail - s->xz.avail_in, produced = out_room - s->xz.avail_out;
			if (z == LZMA_STREAM_END)
				ended = true;
			else if (z == LZMA_BUF_ERROR && s->in_eof)
				ended = true; /* truncated stream: what we have is all there is */
			else if (z != LZMA_OK) {
				s->error = z == LZMA_MEMLIMIT_ERROR ? "needs too much memory" : "corrupt xz data";
				return -EBADMSG;
			}
			break;
		}
		}
		s->in_pos += used;
		s->size += produced;
		if (ended || (s->in_eof && used == 0 && produced == 0)) {
			s->streaming = false;
			break;
		}
	}
	return 0;
}

/* Copy [off, off+n) out of the source; false if it is not all there. */
static bool source_read(struct source *s, uint64_t off, void *dst, size_t n)
{
	if (off > s->size || n > s->size - off)
		return false;
	if (s->fd >= 0) {
		size_t done = 0;
		while (done < n) {
			ssize_t r = pread(s->fd, (char *)dst + done, n - done, (off_t)(off + done));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return false;
			done += (size_t)r;
		}
		return true;
	}
	memcpy(dst, s->mem + off, n);
	return true;
}

static void source_free(struct source *s)
{
	free(s->buf);
	if (s->zstd)
		ZSTD_freeDStream(s->zstd);
	if (s->lz4)
		LZ4F_freeDecompressionContext(s->lz4);
	if (s->xz_init)
		lzma_end(&s->xz);
}

static int source_start_stream(struct source *s, enum hd_core_compression comp)
{
	s->fd = -1;
	s->streaming = true;
	s->comp = comp;
	switch (comp) {
	case HD_CORE_PLAIN:
		break;
	case HD_CORE_ZSTD:
		s->zstd = ZSTD_createDStream();
		if (!s->zstd || ZSTD_isError(ZSTD_initDStream(s->zstd)))
			return -ENOMEM;
		break;
	case HD_CORE_LZ4:
		if (LZ4F_isError(LZ4F_createDecompressionContext(&s->lz4, LZ4F_VERSION)))
			return -ENOMEM;
		break;
	case HD_CORE_XZ:
		s->xz = (lzma_stream)LZMA_STREAM_INIT;
		/* 256 MiB of decoder memory at most: more is a hostile stream, not a core */
		if (lzma_stream_decoder(&s->xz, 256u << 20, LZMA_CONCATENATED) != LZMA_OK)
			return -ENOMEM;
		s->xz_init = true;
		break;
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Raw checks of the ELF header before libelf sees the file: libelf trusts e_shnum/e_phnum enough
 * to allocate by them, so hostile counts are rejected here against the real file size first.
 */
struct layout {
	unsigned cls, data;
	uint64_t phoff, phnum;
	unsigned phentsize;
};

static uint64_t get_uint(const unsigned char *p, unsigned size, unsigned data)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		unsigned shift = data == ELFDATA2LSB ? i * 8 : (size - 1 - i) * 8;
		v |= (uint64_t)p[i] << shift;
	}
	return v;
}

static int check_layout(struct source *s, const char *name, struct layout *L, hd_diags *diags)
{
	unsigned char h[sizeof(Elf64_Ehdr)];
	int r = source_fill(s, sizeof(h));
	if (r < 0)
		return r;
	if (!source_read(s, 0, h, EI_NIDENT))
		return hd_diag_add(diags, HD_ERROR, name, 0, "byte 0: file too short for an ELF header (%llu bytes)",
				   (unsigned long long)s->size), -EBADMSG;
	if (memcmp(h, ELFMAG, SELFMAG) != 0)
		return hd_diag_add(diags, HD_ERROR, name, 0, "byte 0: not an ELF file (no \\177ELF magic)"), -ENOEXEC;
	L->cls = h[EI_CLASS], L->data = h[EI_DATA];
	if (L->cls != ELFCLASS32 && L->cls != ELFCLASS64)
		return hd_diag_add(diags, HD_ERROR, name, 0, "byte %d: bad ELF class %u", EI_CLASS, L->cls), -EBADMSG;
	if (L->data != ELFDATA2LSB && L->data != ELFDATA2MSB)
		return hd_diag_add(diags, HD_ERROR, name, 0, "byte %d: bad ELF data encoding %u", EI_DATA, L->data), -EBADMSG;
	size_t ehsize = L->cls == ELFCLASS64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	if (!source_read(s, 0, h, ehsize))
		return hd_diag_add(diags, HD_ERROR, name, 0, "byte 0: file too short for an ELF header (%llu of %zu bytes)",
				   (unsigned long long)s->size, ehsize), -EBADMSG;
	bool b64 = L->cls == ELFCLASS64;
	unsigned w = b64 ? 8 : 4;
	uint64_t type = get_uint(h + 16, 2, L->data);
	if (type != ET_CORE)
		return hd_diag_add(diags, HD_ERROR, name, 0, "byte 16: ELF file is not a core dump (e_type %llu, expected %d)",
				   (unsigned long long)type, ET_CORE), -ENOEXEC;
	/* e_phoff follows e_entry; then e_shoff, e_flags, e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum */
	size_t o_phoff = 24 + w, o_shoff = o_phoff + w, o_phent = o_shoff + w + 4 + 2;
	L->phoff = get_uint(h + o_phoff, w, L->data);
	uint64_t shoff = get_uint(h + o_shoff, w, L->data);
	L->phentsize = (unsigned)get_uint(h + o_phent, 2, L->data);
	L->phnum = get_uint(h + o_phent + 2, 2, L->data);
	unsigned shentsize = (unsigned)get_uint(h + o_phent + 4, 2, L->data);
	uint64_t shnum = get_uint(h + o_phent + 6, 2, L->data);
	size_t want_phent = b64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	size_t want_shent = b64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	if (L->phentsize != want_phent)
		return hd_diag_add(diags, HD_ERROR, name, 0, "byte %zu: e_phentsize %u, expected %zu", o_phent,
				   L->phentsize, want_phent), -EBADMSG;

	/* Section headers: a core normally has none, or one (shdr 0) that carries the real program
	 * header count when there are 0xffff or more (PN_XNUM). */
	if (shoff != 0 || shnum != 0) {
		if (shentsize != want_shent)
			return hd_diag_add(diags, HD_ERROR, name, 0, "byte %zu: e_shentsize %u, expected %zu",
					   o_phent + 4, shentsize, want_shent), -EBADMSG;
		if (shoff == 0)
			return hd_diag_add(diags, HD_ERROR, name, 0, "byte %zu: e_shnum %llu with e_shoff 0", o_phent + 6,
					   (unsigned long long)shnum), -EBADMSG;
		unsigned char sh0[sizeof(Elf64_Shdr)];
		r = source_fill(s, shoff + want_shent);
		if (r < 0)
			return r == -EFBIG ? (hd_diag_add(diags, HD_ERROR, name, 0,
							  "byte %zu: section headers at %llu are beyond the size limit",
							  o_shoff, (unsigned long long)shoff), r)
					   : r;
		if (!source_read(s, shoff, sh0, want_shent))
			return hd_diag_add(diags, HD_ERROR, name, 0,
					   "byte %zu: e_shoff %llu points past the end of the file (%llu bytes)", o_shoff,
					   (unsigned long long)shoff, (unsigned long long)s->size), -EBADMSG;
		/* sh_size (section count when e_shnum == 0) and sh_info (phnum when PN_XNUM) */
		uint64_t sh_size = b64 ? get_uint(sh0 + 32, 8, L->data) : get_uint(sh0 + 20, 4, L->data);
		uint64_t sh_info = b64 ? get_uint(sh0 + 44, 4, L->data) : get_uint(sh0 + 28, 4, L->data);
		uint64_t real_shnum = shnum ? shnum : sh_size;
		if (real_shnum > 65536 * 16 || real_shnum * want_shent > s->size - shoff) {
			/* the size check needs the whole table present; only possible in place */
			if (!(s->streaming && real_shnum <= 65536 * 16))
				return hd_diag_add(diags, HD_ERROR, name, 0,
						   "byte %llu: %llu section headers do not fit in the file (%llu bytes)",
						   (unsigned long long)shoff, (unsigned long long)real_shnum,
						   (unsigned long long)s->size), -EBADMSG;
			r = source_fill(s, shoff + real_shnum * want_shent);
			if (r < 0)
				return r;
			if (real_shnum * want_shent > s->size - shoff)
				return hd_diag_add(diags, HD_ERROR, name, 0,
						   "byte %llu: %llu section headers do not fit in the file (%llu bytes)",
						   (unsigned long long)shoff, (unsigned long long)real_shnum,
						   (unsigned long long)s->size), -EBADMSG;
		}
		if (L->phnum == PN_XNUM)
			L->phnum = sh_info;
	}
	if (L->phnum == 0)
		return hd_diag_add(diags, HD_ERROR, name, 0, "byte %zu: core has no program headers", o_phent + 2), -EBADMSG;
	if (L->phnum > HD_CORE_MAX_PHDRS)
		return hd_diag_add(diags, HD_ERROR, name, 0, "byte %zu: %llu program headers, more than the limit %u",
				   o_phent + 2, (unsigned long long)L->phnum, HD_CORE_MAX_PHDRS), -EFBIG;
	uint64_t ph_end = L->phoff + L->phnum * L->phentsize;
	if (ph_end < L->phoff)
		return hd_diag_add(diags, HD_ERROR, name, 0, "byte %zu: e_phoff %llu overflows", o_phoff,
				   (unsigned long long)L->phoff), -EBADMSG;
	r = source_fill(s, ph_end);
	if (r < 0 && r != -EFBIG)
		return r;
	if (r == -EFBIG || ph_end > s->size)
		return hd_diag_add(diags, HD_ERROR, name, 0,
				   "byte %zu: program headers [%llu, %llu) extend past the end of the file (%llu bytes)",
				   o_phoff, (unsigned long long)L->phoff, (unsigned long long)ph_end,
				   (unsigned long long)s->size), -EBADMSG;
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Notes. Layouts of the kernel's core note descriptors (include/uapi/linux/elfcore.h, siginfo.h),
 * written down as offsets because the core may come from another word size or byte order.
 */
struct desc {
	const unsigned char *p;
	size_t len;
	unsigned data, w; /* byte order, word size */
};

static bool desc_get(const struct desc *d, size_t off, unsigned size, uint64_t *v)
{
	if (off > d->len || size > d->len - off)
		return false;
	*v = get_uint(d->p + off, size, d->data);
	return true;
}

static int64_t sext32(uint64_t v)
{
	return (int32_t)(uint32_t)v;
}

static void note_siginfo(struct hd_core_info *ci, const struct desc *d)
{
	/* si_signo, si_errno, si_code: three ints; the union starts at the next word boundary */
	uint64_t signo, err, code, addr, nr, arch;
	if (ci->has_siginfo || !desc_get(d, 0, 4, &signo) || !desc_get(d, 4, 4, &err) || !desc_get(d, 8, 4, &code))
		return;
	ci->has_siginfo = true;
	ci->si_signo = (int)sext32(signo), ci->si_errno = (int)sext32(err), ci->si_code = (int)sext32(code);
	size_t u = d->w == 8 ? 16 : 12;
	/* _sigsys: void *_call_addr; int _syscall; unsigned int _arch; */
	if (desc_get(d, u, d->w, &addr) && desc_get(d, u + d->w, 4, &nr) && desc_get(d, u + d->w + 4, 4, &arch)) {
		ci->si_call_addr = addr;
		ci->si_syscall = (int)sext32(nr);
		ci->si_arch = (uint32_t)arch;
	}
}

static void note_prstatus(struct hd_core_info *ci, const struct desc *d)
{
	/* struct elf_siginfo (3 ints), short pr_cursig, then pr_sigpend, pr_sighold (unsigned long),
	 * then pr_pid */
	uint64_t cursig, pid;
	if (ci->has_prstatus)
		return; /* the first one is the thread that took the signal */
	size_t pid_off = d->w == 8 ? 32 : 24;
	if (!desc_get(d, 12, 2, &cursig) || !desc_get(d, pid_off, 4, &pid))
		return;
	ci->has_prstatus = true;
	ci->pr_cursig = (int)cursig;
	ci->pr_pid = sext32(pid);
}

static void note_prpsinfo(struct hd_core_info *ci, const struct desc *d)
{
	/* 4 chars, unsigned long pr_flag, uid/gid (32 bit, or 16 bit on old 32-bit ABIs: i386, arm),
	 * pid, ppid, pgrp, sid, char pr_fname[16], char pr_psargs[80] */
	size_t pid_off, fname_off;
	if (d->w == 8)
		pid_off = 24, fname_off = 40;
	else if (d->len == 124)
		pid_off = 12, fname_off = 28; /* 16-bit uid_t */
	else
		pid_off = 16, fname_off = 32;
	uint64_t pid;
	if (ci->has_prpsinfo || fname_off + 16 + 80 > d->len || !desc_get(d, pid_off, 4, &pid))
		return;
	ci->has_prpsinfo = true;
	ci->pid = sext32(pid);
	memcpy(ci->comm, d->p + fname_off, 16);
	ci->comm[16] = 0;
	memcpy(ci->psargs, d->p + fname_off + 16, 80);
	ci->psargs[80] = 0;
}

static void note_auxv(struct hd_core_info *ci, const struct desc *d)
{
	for (size_t off = 0; off + 2 * d->w <= d->len; off += 2 * d->w) {
		uint64_t type = 0, val = 0;
		desc_get(d, off, d->w, &type);
		desc_get(d, off + d->w, d->w, &val);
		if (type == AT_NULL)
			break;
		if (type == AT_ENTRY)
			ci->at_entry = val;
	}
}

static int note_file(struct hd_core_info *ci, const struct desc *d, uint64_t file_off, const char *name,
		     hd_diags *diags)
{
	/* long count; long page_size; count * {long start, end, file_ofs (pages)}; count NUL-terminated names */
	uint64_t count, page;
	if (ci->maps)
		return 0;
	if (!desc_get(d, 0, d->w, &count) || !desc_get(d, d->w, d->w, &page))
		return hd_diag_add(diags, HD_ERROR, name, 0, "byte %llu: NT_FILE note too short (%zu bytes)",
				   (unsigned long long)file_off, d->len), -EBADMSG;
	uint64_t max = (d->len - 2 * d->w) / (3 * d->w);
	if (count > max || count > HD_CORE_MAX_MAPPINGS)
		return hd_diag_add(diags, HD_ERROR, name, 0,
				   "byte %llu: NT_FILE claims %llu mappings, its %zu bytes hold at most %llu",
				   (unsigned long long)file_off, (unsigned long long)count, d->len,
				   (unsigned long long)max), -EBADMSG;
	if (count == 0)
		return 0;
	ci->maps = calloc(count, sizeof(*ci->maps));
	if (!ci->maps)
		return -ENOMEM;
	size_t names = 2 * d->w + count * 3 * d->w;
	for (uint64_t i = 0; i < count; i++) {
		size_t e = 2 * d->w + i * 3 * d->w;
		struct hd_core_mapping *m = &ci->maps[i];
		desc_get(d, e, d->w, &m->start);
		desc_get(d, e + d->w, d->w, &m->end);
		desc_get(d, e + 2 * d->w, d->w, &m->file_offset);
		m->file_offset *= page; /* wraps harmlessly on nonsense; only printed */
		const unsigned char *nul = names < d->len ? memchr(d->p + names, 0, d->len - names) : NULL;
		if (!nul) {
			ci->n_maps = i;
			return hd_diag_add(diags, HD_ERROR, name, 0,
					   "byte %llu: NT_FILE name %llu of %llu is missing or not NUL-terminated",
					   (unsigned long long)(file_off + names), (unsigned long long)i + 1,
					   (unsigned long long)count), -EBADMSG;
		}
		m->path = strndup((const char *)d->p + names, (size_t)(nul - (d->p + names)));
		if (!m->path) {
			ci->n_maps = i;
			return -ENOMEM;
		}
		names = (size_t)(nul - d->p) + 1;
		ci->n_maps = i + 1;
	}
	return 0;
}

static int read_notes(Elf *e, const struct layout *L, struct source *s, const char *name,
		      struct hd_core_info *ci, hd_diags *diags)
{
	uint64_t total = 0;
	bool any = false;
	for (uint64_t i = 0; i < L->phnum; i++) {
		GElf_Phdr ph;
		uint64_t ph_at = L->phoff + i * L->phentsize;
		if (!gelf_getphdr(e, (int)i, &ph))
			return hd_diag_add(diags, HD_ERROR, name, 0, "byte %llu: cannot read program header %llu: %s",
					   (unsigned long long)ph_at, (unsigned long long)i, elf_errmsg(-1)), -EBADMSG;
		if (ph.p_type != PT_NOTE)
			continue;
		any = true;
		if (ph.p_filesz == 0)
			continue;
		uint64_t end = ph.p_offset + ph.p_filesz;
		total += ph.p_filesz;
		if (end < ph.p_offset || total > HD_CORE_MAX_NOTES_BYTES)
			return hd_diag_add(diags, HD_ERROR, name, 0,
					   "byte %llu: PT_NOTE of %llu bytes at %llu is larger than the limit (%u bytes of notes)",
					   (unsigned long long)ph_at, (unsigned long long)ph.p_filesz,
					   (unsigned long long)ph.p_offset, HD_CORE_MAX_NOTES_BYTES), -EFBIG;
		/* A stream still open was not read to its end (the notes lie beyond STREAM_PREFIX_MAX):
		 * its size so far is not the file's, and saying "the file ends there" would be false. */
		if (end > s->size && s->streaming)
			return hd_diag_add(diags, HD_ERROR, name, 0,
					   "byte %llu: PT_NOTE [%llu, %llu) lies beyond the first %llu MiB, as far as a %s core "
					   "is read; decompress it to a file and explain that (a plain file is read in place)",
					   (unsigned long long)ph_at, (unsigned long long)ph.p_offset, (unsigned long long)end,
					   (unsigned long long)(STREAM_PREFIX_MAX >> 20),
					   s->comp == HD_CORE_PLAIN ? "piped" : "compressed"), -EFBIG;
		if (end > s->size)
			return hd_diag_add(diags, HD_ERROR, name, 0,
					   "byte %llu: PT_NOTE [%llu, %llu) extends past the end of the file (%llu bytes)",
					   (unsigned long long)ph_at, (unsigned long long)ph.p_offset,
					   (unsigned long long)end, (unsigned long long)s->size), -EBADMSG;
		Elf_Data *nd = elf_getdata_rawchunk(e, (int64_t)ph.p_offset, ph.p_filesz,
						    ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
		if (!nd)
			return hd_diag_add(diags, HD_ERROR, name, 0, "byte %llu: cannot read PT_NOTE: %s",
					   (unsigned long long)ph.p_offset, elf_errmsg(-1)), -EBADMSG;
		size_t off = 0, next;
		GElf_Nhdr nh;
		size_t name_off, desc_off;
		while (off < nd->d_size && (next = gelf_getnote(nd, off, &nh, &name_off, &desc_off)) > 0) {
			bool core = nh.n_namesz == 5 && memcmp((const char *)nd->d_buf + name_off, "CORE", 5) == 0;
			struct desc d = { (const unsigned char *)nd->d_buf + desc_off, nh.n_descsz, L->data,
					  L->cls == ELFCLASS64 ? 8 : 4 };
			if (core) {
				int r = 0;
				switch (nh.n_type) {
				case NT_SIGINFO: note_siginfo(ci, &d); break;
				case NT_PRSTATUS: note_prstatus(ci, &d); break;
				case NT_PRPSINFO: note_prpsinfo(ci, &d); break;
				case NT_AUXV: note_auxv(ci, &d); break;
				case NT_FILE: r = note_file(ci, &d, ph.p_offset + desc_off, name, diags); break;
				default: break;
				}
				if (r < 0)
					return r;
			}
			off = next;
		}
		/* gelf_getnote stops at a note whose sizes do not fit; trailing padding is fine */
		if (off + sizeof(Elf32_Nhdr) <= nd->d_size)
			return hd_diag_add(diags, HD_ERROR, name, 0,
					   "byte %llu: malformed note (its name or descriptor size runs past the PT_NOTE end at %llu)",
					   (unsigned long long)(ph.p_offset + off), (unsigned long long)end), -EBADMSG;
	}
	if (!any)
		return hd_diag_add(diags, HD_ERROR, name, 0, "byte %llu: core has no PT_NOTE segment",
				   (unsigned long long)L->phoff), -EBADMSG;
	return 0;
}

/* End of the last PT_NOTE, read from the raw program headers (to know how far to decompress). */
static int notes_end(struct source *s, const struct layout *L, uint64_t *end)
{
	*end = 0;
	size_t w = L->cls == ELFCLASS64 ? 8 : 4;
	for (uint64_t i = 0; i < L->phnum; i++) {
		unsigned char ph[sizeof(Elf64_Phdr)];
		if (!source_read(s, L->phoff + i * L->phentsize, ph, L->phentsize))
			return -EBADMSG;
		if (get_uint(ph, 4, L->data) != PT_NOTE)
			continue;
		/* 64: type, flags, offset, vaddr, paddr, filesz; 32: type, offset, vaddr, paddr, filesz */
		uint64_t off = get_uint(ph + (w == 8 ? 8 : 4), (unsigned)w, L->data);
		uint64_t sz = get_uint(ph + (w == 8 ? 32 : 16), (unsigned)w, L->data);
		if (off + sz < off)
			return -EBADMSG;
		if (off + sz > *end)
			*end = off + sz;
	}
	return 0;
}

static int read_core(struct source *s, const char *name, struct hd_core_info *out, hd_diags *diags)
{
	struct layout L;
	int r = check_layout(s, name, &L, diags);
	if (r < 0)
		goto decode_error;
	if (s->streaming) {
		uint64_t end;
		if (notes_end(s, &L, &end) == 0) {
			r = source_fill(s, end);
			if (r == -EFBIG)
				r = 0; /* read_notes names the offending segment */
			if (r < 0)
				goto decode_error;
		}
	}
	out->elf_class = L.cls;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	Elf *e = s->fd >= 0 ? elf_begin(s->fd, ELF_C_READ, NULL) : elf_memory((char *)s->mem, s->size);
	if (!e)
		return hd_diag_add(diags, HD_ERROR, name, 0, "byte 0: libelf cannot read it: %s", elf_errmsg(-1)), -EBADMSG;
	GElf_Ehdr eh;
	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		hd_diag_add(diags, HD_ERROR, name, 0, "byte 0: libelf cannot read the ELF header: %s", elf_errmsg(-1));
		elf_end(e);
		return -EBADMSG;
	}
	out->elf_machine = eh.e_machine;
	r = read_notes(e, &L, s, name, out, diags);
	elf_end(e);
	return r;

decode_error:
	if (r == -EBADMSG && s->error)
		hd_diag_add(diags, HD_ERROR, name, 0, "byte %llu of the decompressed core: %s stream is corrupt: %s",
			    (unsigned long long)s->size, hd_core_compression_name(s->comp), s->error);
	else if (r < 0 && r != -EBADMSG && r != -ENOEXEC && r != -EFBIG)
		hd_diag_add(diags, HD_ERROR, name, 0, "read failed: %s", strerror(-r));
	return r;
}

static int finish(int r, struct hd_core_info *out, enum hd_core_compression comp)
{
	out->compression = comp;
	return r;
}

int hd_core_read_mem(const void *buf, size_t len, const char *name, struct hd_core_info *out, hd_diags *diags)
{
	*out = (struct hd_core_info){ 0 };
	int kind = sniff(buf, len);
	struct source s = { .fd = -1 };
	int r;
	if (kind <= HD_CORE_PLAIN) {
		s.mem = buf;
		s.size = len;
		r = read_core(&s, name, out, diags);
		return finish(r, out, HD_CORE_PLAIN);
	}
	s.in_mem = buf;
	s.in_mem_len = len;
	s.in_fd = -1;
	r = source_start_stream(&s, (enum hd_core_compression)kind);
	if (r >= 0)
		r = read_core(&s, name, out, diags);
	source_free(&s);
	return finish(r, out, (enum hd_core_compression)kind);
}

int hd_core_read_fd(int fd, const char *name, struct hd_core_info *out, hd_diags *diags)
{
	*out = (struct hd_core_info){ 0 };
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	unsigned char head[8];
	struct source s = { .fd = -1, .in_fd = fd };
	int r;
	if (S_ISREG(st.st_mode)) {
		ssize_t n = pread(fd, head, sizeof(head), 0);
		if (n < 0)
			return -errno;
		int kind = sniff(head, (size_t)n);
		if (kind <= HD_CORE_PLAIN) {
			s.fd = fd;
			s.size = (uint64_t)st.st_size;
			return finish(read_core(&s, name, out, diags), out, HD_CORE_PLAIN);
		}
		if (lseek(fd, 0, SEEK_SET) < 0)
			return -errno;
		r = source_start_stream(&s, (enum hd_core_compression)kind);
		if (r >= 0)
			r = read_core(&s, name, out, diags);
		source_free(&s);
		return finish(r, out, (enum hd_core_compression)kind);
	}
	/* a pipe: read the head, then decode from there on */
	ssize_t n;
	do
		n = read(fd, head, sizeof(head));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return hd_core_read_stream(head, (size_t)n, fd, name, out, diags);
}

int hd_core_read_stream(const void *head, size_t head_len, int fd, const char *name, struct hd_core_info *out,
			hd_diags *diags)
{
	*out = (struct hd_core_info){ 0 };
	struct source *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->in_mem = head;
	s->in_mem_len = head_len;
	s->in_fd = fd;
	int kind = sniff(head, head_len);
	enum hd_core_compression comp = kind < 0 ? HD_CORE_PLAIN : (enum hd_core_compression)kind;
	int r = source_start_stream(s, comp);
	if (r >= 0)
		r = read_core(s, name, out, diags);
	source_free(s);
	free(s);
	return finish(r, out, comp);
}

void hd_core_info_free(struct hd_core_info *ci)
{
	for (size_t i = 0; i < ci->n_maps; i++)
		free(ci->maps[i].path);
	free(ci->maps);
	*ci = (struct hd_core_info){ 0 };
}

const struct hd_core_mapping *hd_core_mapping_at(const struct hd_core_info *ci, uint64_t addr)
{
	for (size_t i = 0; i < ci->n_maps; i++)
		if (addr >= ci->maps[i].start && addr < ci->maps[i].end)
			return &ci->maps[i];
	return NULL;
}

const char *hd_core_executable(const struct hd_core_info *ci)
{
	const struct hd_core_mapping *m = ci->at_entry ? hd_core_mapping_at(ci, ci->at_entry) : NULL;
	if (m)
		return m->path;
	for (size_t i = 0; i < ci->n_maps; i++)
		if (ci->maps[i].file_offset == 0)
			return ci->maps[i].path;
	return NULL;
}
