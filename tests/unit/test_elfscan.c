/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>
#include <libelf.h>

#include "elf/elfreach.h"
#include "elf/elfscan.h"
#include "unit/execcmd.h"

/* A minimal 64-bit little-endian ELF: header, one executable section (.text) holding code, and the
 * section-name table. Layout: [ehdr][code][shstrtab][3 section headers]. */
static const char shstrtab[] = "\0.text\0.shstrtab";

static unsigned char *make_elf(uint16_t machine, const unsigned char *code, size_t code_len, size_t *len)
{
	size_t off_code = sizeof(Elf64_Ehdr);
	size_t off_str = off_code + code_len;
	size_t off_sh = (off_str + sizeof(shstrtab) + 7) & ~(size_t)7;
	*len = off_sh + 3 * sizeof(Elf64_Shdr);
	unsigned char *b = calloc(1, *len);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = machine;
	eh->e_version = EV_CURRENT;
	eh->e_shoff = off_sh;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 3;
	eh->e_shstrndx = 2;
	memcpy(b + off_code, code, code_len);
	memcpy(b + off_str, shstrtab, sizeof(shstrtab));
	Elf64_Shdr *sh = (Elf64_Shdr *)(b + off_sh);
	sh[1].sh_name = 1;
	sh[1].sh_type = SHT_PROGBITS;
	sh[1].sh_flags = SHF_ALLOC | SHF_EXECINSTR;
	sh[1].sh_addr = 0x401000;
	sh[1].sh_offset = off_code;
	sh[1].sh_size = code_len;
	sh[2].sh_name = 7;
	sh[2].sh_type = SHT_STRTAB;
	sh[2].sh_offset = off_str;
	sh[2].sh_size = sizeof(shstrtab);
	return b;
}

static const struct hd_elf_evidence *find_ev(const struct hd_elf_scan *s, const char *sc, enum hd_evidence_kind k)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].syscall, sc) == 0 && s->v[i].kind == k)
			return &s->v[i];
	return NULL;
}

static void test_x86_64_instruction(void **state)
{
	(void)state;
	/* mov $0x5d,%eax; syscall (fchown); mov $0x3c,%rax; syscall (exit); mov %rdi,%rax; syscall (computed) */
	static const unsigned char code[] = { 0xb8, 0x5d, 0, 0, 0, 0x0f, 0x05, 0x48, 0xc7, 0xc0, 0x3c, 0, 0, 0,
					      0x0f, 0x05, 0x48, 0x89, 0xf8, 0x0f, 0x05 };
	size_t len;
	unsigned char *b = make_elf(EM_X86_64, code, sizeof(code), &len);
	struct hd_elf_scan s;
	hd_elf_scan_init(&s);
	hd_diags d = { 0 };
	assert_int_equal(hd_elf_scan_memory(b, len, "crafted", &s, &d), 0);
	assert_int_equal(s.arch, HD_ARCH_X86_64);
	const struct hd_elf_evidence *e = find_ev(&s, "fchown", HD_EV_INSTRUCTION);
	assert_non_null(e);
	assert_int_equal(e->address, 0x401000 + 5);
	assert_non_null(find_ev(&s, "exit", HD_EV_INSTRUCTION));
	/* the third one's number is computed: said so */
	bool said = false;
	for (size_t i = 0; i < s.limits.n; i++)
		said = said || strstr(s.limits.v[i], "not a nearby constant") != NULL;
	assert_true(said);
	hd_elf_scan_free(&s);
	hd_diags_free(&d);
	free(b);
}

static void test_arm64_instruction(void **state)
{
	(void)state;
	/* movz x8,#55 (fchown on arm64); svc #0 */
	static const unsigned char code[] = { 0xe8, 0x06, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4 };
	size_t len;
	unsigned char *b = make_elf(EM_AARCH64, code, sizeof(code), &len);
	struct hd_elf_scan s;
	hd_elf_scan_init(&s);
	hd_diags d = { 0 };
	assert_int_equal(hd_elf_scan_memory(b, len, "crafted-arm64", &s, &d), 0);
	assert_int_equal(s.arch, HD_ARCH_ARM64);
	assert_non_null(find_ev(&s, "fchown", HD_EV_INSTRUCTION));
	/* the runtime set is translated: arm64 has no access/open, glibc uses faccessat/openat */
	assert_false(hd_strv_contains(&s.syscalls, "access"));
	hd_elf_scan_free(&s);
	hd_diags_free(&d);
	free(b);
}

/* Every hostile variant must give an error or warnings, never a crash (ASan runs this too). */
static void test_hostile(void **state)
{
	(void)state;
	static const unsigned char code[] = { 0xb8, 0x5d, 0, 0, 0, 0x0f, 0x05 };
	size_t len;
	unsigned char *good = make_elf(EM_X86_64, code, sizeof(code), &len);
	unsigned char *b = malloc(len);
	struct hd_elf_scan s;
	hd_diags d = { 0 };

	/* truncated at every length: never a crash; too short for a header is an error */
	for (size_t cut = 0; cut < len; cut++) {
		hd_elf_scan_init(&s);
		int r = hd_elf_scan_memory(good, cut, "truncated", &s, &d);
		if (cut < sizeof(Elf64_Ehdr))
			assert_true(r < 0);
		hd_elf_scan_free(&s);
	}
	assert_true(hd_diags_count(&d, HD_ERROR) > 0);
	hd_diags_free(&d);

	/* wrong class */
	memcpy(b, good, len);
	b[EI_CLASS] = 7;
	hd_elf_scan_init(&s);
	assert_int_equal(hd_elf_scan_memory(b, len, "badclass", &s, &d), -ENOEXEC);
	assert_non_null(strstr(d.v[0].text, "class"));
	hd_elf_scan_free(&s);
	hd_diags_free(&d);

	/* not ELF at all */
	hd_elf_scan_init(&s);
	assert_int_equal(hd_elf_scan_memory("#!/bin/sh\n", 10, "script", &s, &d), -ENOEXEC);
	hd_elf_scan_free(&s);
	hd_diags_free(&d);

	/* a section that claims to be far larger than the file: skipped with a warning naming it */
	memcpy(b, good, len);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
	Elf64_Shdr *sh = (Elf64_Shdr *)(b + eh->e_shoff);
	sh[1].sh_size = 0x7fffffffffffULL;
	hd_elf_scan_init(&s);
	int r = hd_elf_scan_memory(b, len, "lying", &s, &d);
	assert_true(r == 0 || r == -ENOEXEC);
	assert_false(hd_strv_contains(&s.syscalls, "fchown"));
	assert_true(d.n > 0);
	hd_elf_scan_free(&s);
	hd_diags_free(&d);

	/* section headers beyond the end of the file, and an absurd count */
	memcpy(b, good, len);
	eh->e_shoff = 0xffffffff0ULL;
	eh->e_shnum = 0xffff;
	hd_elf_scan_init(&s);
	r = hd_elf_scan_memory(b, len, "badshoff", &s, &d);
	assert_true(r <= 0);
	hd_elf_scan_free(&s);
	hd_diags_free(&d);

	/* a 32-bit header on a 64-bit body: libelf reads it as 32-bit, must not crash */
	memcpy(b, good, len);
	b[EI_CLASS] = ELFCLASS32;
	hd_elf_scan_init(&s);
	r = hd_elf_scan_memory(b, len, "class32", &s, &d);
	assert_true(r <= 0);
	hd_elf_scan_free(&s);
	hd_diags_free(&d);

	/* unknown machine: a clean error */
	memcpy(b, good, len);
	eh->e_machine = 0x4242;
	hd_elf_scan_init(&s);
	assert_int_equal(hd_elf_scan_memory(b, len, "machine", &s, &d), -EINVAL);
	hd_elf_scan_free(&s);
	hd_diags_free(&d);
	free(b);
	free(good);
}

static void test_real_sed(void **state)
{
	(void)state;
	const char *sed = access("/usr/bin/sed", R_OK) == 0 ? "/usr/bin/sed" : "/bin/sed";
	struct hd_elf_scan s;
	hd_elf_scan_init(&s);
	hd_diags d = { 0 };
	int r = hd_elf_scan_file(sed, NULL, &s, &d);
	if (r == -ENOENT)
		skip();
	assert_int_equal(r, 0);
	assert_false(s.is_static);
	const struct hd_elf_evidence *e = find_ev(&s, "fchown", HD_EV_DIRECT_IMPORT);
	assert_non_null(e);
	assert_string_equal(e->symbol, "fchown");
	assert_string_equal(e->object, sed);
	assert_non_null(find_ev(&s, "openat", HD_EV_WRAPPER));
	assert_non_null(find_ev(&s, "execve", HD_EV_RUNTIME));
	bool libc = false;
	for (size_t i = 0; i < s.objects.n; i++)
		libc = libc || strstr(s.objects.v[i], "libc.so.6") != NULL;
	assert_true(libc);
	/* libselinux imports mount() for policy loading, which nothing sed calls reaches */
	assert_true(s.n_unreached_imports > 0);
	assert_false(hd_strv_contains(&s.syscalls, "mount"));
	hd_elf_scan_free(&s);
	hd_diags_free(&d);

	/* without the closure every import of the program counts, and nothing is filtered */
	struct hd_elf_scan_options o = { .follow_needed = false };
	hd_elf_scan_init(&s);
	assert_int_equal(hd_elf_scan_file(sed, &o, &s, &d), 0);
	assert_int_equal(s.objects.n, 1);
	assert_int_equal(s.n_unreached_imports, 0);
	assert_non_null(find_ev(&s, "fchown", HD_EV_DIRECT_IMPORT));
	hd_elf_scan_free(&s);
	hd_diags_free(&d);
	/* missing file */
	hd_elf_scan_init(&s);
	assert_int_equal(hd_elf_scan_file("/nonexistent/harden-test", NULL, &s, &d), -ENOENT);
	hd_elf_scan_free(&s);
	hd_diags_free(&d);
}

/* Reachability on a real shared library (tests/reach_fixture.c). */
static void reach(const char *root, hd_strv *out)
{
	FILE *f = fopen(REACH_FIXTURE, "rb");
	assert_non_null(f);
	static unsigned char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	Elf *e = elf_memory((char *)buf, n);
	assert_non_null(e);
	hd_strv roots = { 0 };
	if (root)
		hd_strv_push(&roots, root);
	assert_int_equal(hd_elf_reachable_imports(e, buf, n, &roots, out), 0);
	hd_strv_free(&roots);
	elf_end(e);
}

static void test_reachability(void **state)
{
	(void)state;
	hd_strv r = { 0 };
	reach("reach_fixture_api", &r);
	assert_true(hd_strv_contains(&r, "fchown")); /* through the static helper */
	assert_true(hd_strv_contains(&r, "write"));
	assert_false(hd_strv_contains(&r, "getpid")); /* only reach_fixture_unused calls it */
	hd_strv_free(&r);
	reach("reach_fixture_unused", &r);
	assert_true(hd_strv_contains(&r, "getpid"));
	hd_strv_free(&r);
	/* no function used: helper is still reachable, its address is in data */
	reach(NULL, &r);
	assert_true(hd_strv_contains(&r, "fchown"));
	assert_false(hd_strv_contains(&r, "getpid"));
	hd_strv_free(&r);
}

/* A hostile /etc/ld.so.cache (lying counts and offsets) is ignored; libraries still resolve
 * through the default directories. */
static void test_hostile_ld_cache(void **state)
{
	(void)state;
	char path[] = "/tmp/harden-ldcache-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unsigned char c[96];
	memset(c, 0xff, sizeof(c));
	memcpy(c, "glibc-ld.so.cache1.1", 20); /* then nlibs = 0xffffffff, offsets everywhere */
	assert_int_equal(write(fd, c, sizeof(c)), (ssize_t)sizeof(c));
	close(fd);
	const char *sed = access("/usr/bin/sed", R_OK) == 0 ? "/usr/bin/sed" : "/bin/sed";
	struct hd_elf_scan_options o = { .follow_needed = true, .ld_so_cache = path };
	struct hd_elf_scan s;
	hd_elf_scan_init(&s);
	hd_diags d = { 0 };
	int r = hd_elf_scan_file(sed, &o, &s, &d);
	unlink(path);
	assert_int_equal(r, 0);
	bool libc = false;
	for (size_t i = 0; i < s.objects.n; i++)
		libc = libc || strstr(s.objects.v[i], "libc.so.6") != NULL;
	assert_true(libc);
	hd_elf_scan_free(&s);
	hd_diags_free(&d);
}

static void test_shebang(void **state)
{
	(void)state;
	char *i, *a;
	assert_int_equal(hd_shebang_parse("#!/bin/sh\necho", 14, &i, &a), 1);
	assert_string_equal(i, "/bin/sh");
	assert_null(a);
	free(i);
	assert_int_equal(hd_shebang_parse("#! /usr/bin/env  python3 -u \n", 29, &i, &a), 1);
	assert_string_equal(i, "/usr/bin/env");
	assert_string_equal(a, "python3 -u");
	free(i);
	free(a);
	assert_int_equal(hd_shebang_parse("\177ELF", 4, &i, &a), 0);
	assert_int_equal(hd_shebang_parse("#!   \n", 6, &i, &a), -ENOEXEC);
	char longline[400];
	memset(longline, 'x', sizeof(longline));
	longline[0] = '#', longline[1] = '!', longline[2] = '/';
	assert_int_equal(hd_shebang_parse(longline, sizeof(longline), &i, &a), -ENOEXEC);
}

static void test_exec_parse(void **state)
{
	(void)state;
	struct hd_exec_line l = { 0 };
	hd_diags d = { 0 };
	assert_int_equal(hd_exec_parse("-@/usr/bin/sed sed -i 's/a b/c/' f ; +/bin/true", "u.service", 3, &l, &d), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].flags, HD_EXEC_IGNORE_FAILURE | HD_EXEC_ARGV0);
	assert_string_equal(l.v[0].path, "/usr/bin/sed");
	assert_int_equal(l.v[0].argv.n, 4);
	assert_string_equal(l.v[0].argv.v[0], "sed");
	assert_string_equal(l.v[0].argv.v[2], "s/a b/c/");
	assert_int_equal(l.v[1].flags, HD_EXEC_FULL_PRIVILEGE);
	hd_exec_line_free(&l);
	assert_int_equal(hd_exec_parse("!!sed x", "u.service", 4, &l, &d), 0);
	assert_int_equal(l.v[0].flags, HD_EXEC_AMBIENT);
	hd_exec_line_free(&l);
	assert_int_equal(d.n, 0);
	/* what systemd refuses */
	assert_int_equal(hd_exec_parse("+!/bin/true", "u.service", 5, &l, &d), -EINVAL);
	hd_exec_line_free(&l);
	assert_int_equal(hd_exec_parse("bin/true", "u.service", 6, &l, &d), -EINVAL);
	hd_exec_line_free(&l);
	assert_int_equal(hd_exec_parse("/bin/echo 'unterminated", "u.service", 7, &l, &d), -EINVAL);
	hd_exec_line_free(&l);
	assert_int_equal(hd_exec_parse("-@", "u.service", 8, &l, &d), -EINVAL);
	hd_exec_line_free(&l);
	assert_int_equal(d.n, 4);
	/* a repeated prefix ends the prefixes and stays in the path, as in systemd */
	assert_int_equal(hd_exec_parse("--true", "u.service", 9, &l, &d), 0);
	assert_int_equal(l.v[0].flags, HD_EXEC_IGNORE_FAILURE);
	assert_string_equal(l.v[0].path, "-true");
	hd_exec_line_free(&l);
	assert_int_equal(d.v[1].line, 6);
	hd_diags_free(&d);

	char *p = NULL;
	assert_int_equal(hd_exec_resolve("sed", NULL, &p), 0);
	assert_non_null(strstr(p, "/sed"));
	free(p);
	assert_int_equal(hd_exec_resolve("no-such-program-harden", NULL, &p), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86_64_instruction),
		cmocka_unit_test(test_arm64_instruction),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_real_sed),
		cmocka_unit_test(test_reachability),
		cmocka_unit_test(test_hostile_ld_cache),
		cmocka_unit_test(test_shebang),
		cmocka_unit_test(test_exec_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
