/* SPDX-License-Identifier: MIT */
#include "syscalls.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"
#include "syscalls_new.h"

#define X32_SYSCALL_BIT 0x40000000

static const struct hd_new_syscall *find_new(const char *name)
{
	for (const struct hd_new_syscall *s = hd_new_syscalls; s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static int new_nr(const struct hd_new_syscall *s, hd_arch arch)
{
	if (s->arch_only != HD_ARCH_INVALID)
		return s->arch_only == arch ? s->nr : HD_NR_NONE;
	switch (arch) {
	case HD_ARCH_X32:
		return s->nr | X32_SYSCALL_BIT;
	case HD_ARCH_MIPS:
	case HD_ARCH_MIPSEL:
		return s->nr + 4000; /* o32 */
	case HD_ARCH_MIPS64:
	case HD_ARCH_MIPS64EL:
		return s->nr + 5000; /* n64 */
	case HD_ARCH_MIPS64_N32:
	case HD_ARCH_MIPS64EL_N32:
		return s->nr + 6000; /* n32 */
	default:
		return s->nr;
	}
}

int hd_syscall_nr(const char *name, hd_arch arch, enum hd_nr_source *src)
{
	const struct hd_arch_info *ai = hd_arch_info(arch);
	if (src)
		*src = HD_NR_SRC_NONE;
	if (!ai || !name || !*name)
		return HD_NR_NONE;
	if (ai->scmp_arch) {
		/* libseccomp answers negative "pseudo" numbers for names it knows but the arch lacks */
		int nr = seccomp_syscall_resolve_name_arch(ai->scmp_arch, name);
		if (nr >= 0) {
			if (src)
				*src = HD_NR_SRC_LIBSECCOMP;
			return nr;
		}
		if (nr != __NR_SCMP_ERROR)
			return HD_NR_NONE;
	}
	const struct hd_new_syscall *s = find_new(name);
	if (s) {
		int nr = new_nr(s, arch);
		if (nr != HD_NR_NONE && src)
			*src = HD_NR_SRC_PROJECT;
		return nr;
	}
	return HD_NR_NONE;
}

const char *hd_syscall_name(hd_arch arch, int nr)
{
	const struct hd_arch_info *ai = hd_arch_info(arch);
	if (!ai || nr < 0)
		return NULL;
	if (ai->scmp_arch) {
		/* libseccomp returns a malloc'd copy; keep names in static storage by mapping back to a
		 * string we own: the first lookup of each name is interned. */
		char *n = seccomp_syscall_resolve_num_arch(ai->scmp_arch, nr);
		if (n) {
			static hd_strv interned;
			for (size_t i = 0; i < interned.n; i++)
				if (strcmp(interned.v[i], n) == 0) {
					free(n);
					return interned.v[i];
				}
			int r = hd_strv_push(&interned, n);
			free(n);
			return r < 0 ? NULL : interned.v[interned.n - 1];
		}
	}
	for (const struct hd_new_syscall *s = hd_new_syscalls; s->name; s++)
		if (new_nr(s, arch) == nr)
			return s->name;
	return NULL;
}

bool hd_syscall_libseccomp_knows(const char *name)
{
	/* any arch: libseccomp gives a pseudo (negative, not __NR_SCMP_ERROR) number for names it
	 * knows elsewhere */
	return seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name) != __NR_SCMP_ERROR;
}

bool hd_syscall_name_known(const char *name)
{
	if (hd_syscall_libseccomp_knows(name) || find_new(name))
		return true;
	return hd_group_contains(hd_group_find("@known", HD_SYSTEMD_LATEST), HD_SYSTEMD_LATEST, name);
}

int hd_syscall_all_names(hd_strv *out)
{
	int r = hd_group_expand(hd_group_find("@known", HD_SYSTEMD_LATEST), HD_SYSTEMD_LATEST, out);
	for (const struct hd_new_syscall *s = hd_new_syscalls; r >= 0 && s->name; s++)
		r = hd_strv_push_unique(out, s->name);
	if (r >= 0)
		hd_strv_sort_uniq(out);
	return r;
}

int hd_kernel_syscalls(hd_strv *out)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/available_events",
		"/sys/kernel/debug/tracing/available_events",
	};
	FILE *f = NULL;
	int err = ENOENT;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && !f; i++) {
		f = fopen(paths[i], "re");
		if (!f && errno != ENOENT)
			err = errno;
	}
	if (!f)
		return -err;
	char line[256];
	int r = 0;
	while (r >= 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		const char *p = "syscalls:sys_enter_";
		if (strncmp(line, p, strlen(p)) == 0 && line[strlen(p)])
			r = hd_strv_push_unique(out, line + strlen(p));
	}
	fclose(f);
	if (r >= 0)
		hd_strv_sort_uniq(out);
	return r;
}
