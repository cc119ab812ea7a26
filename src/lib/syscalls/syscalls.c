/* SPDX-License-Identifier: MIT */
#include "syscalls/syscalls.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls/groups.h"
#include "syscalls/syscalls_new.h"

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

/* The one copy of a name we keep. Open addressing over a fixed table: all architectures together have
 * fewer than 2,000 distinct syscall names, and a learner asks for ~3,000 numbers at start-up, so a linear
 * search here was most of `harden learn`'s own start-up time. */
static const char *intern(const char *name)
{
	enum { SLOTS = 8192 };
	static hd_strv names;
	static int32_t slot_of[SLOTS]; /* index into names + 1; 0 = empty */
	uint32_t h = 2166136261u;
	for (const char *c = name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	for (uint32_t probe = 0; probe < SLOTS; probe++) {
		uint32_t i = (h + probe) & (SLOTS - 1);
		if (slot_of[i] == 0) {
			if (names.n >= SLOTS / 2 || hd_strv_push(&names, name) < 0)
				return NULL;
			slot_of[i] = (int32_t)names.n;
			return names.v[names.n - 1];
		}
		if (strcmp(names.v[slot_of[i] - 1], name) == 0)
			return names.v[slot_of[i] - 1];
	}
	return NULL;
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
			const char *owned = intern(n);
			free(n);
			return owned;
		}
	}
	for (const struct hd_new_syscall *s = hd_new_syscalls; s->name; s++)
		if (new_nr(s, arch) == nr)
			return s->name;
	return NULL;
}

const char *hd_syscall_map_name(const char *name)
{
	const struct hd_arch_info *ai = hd_arch_info(hd_arch_native());
	if (!ai || !ai->scmp_arch || !name)
		return name;
	int nr = seccomp_syscall_resolve_name_arch(ai->scmp_arch, name);
	if (nr == __NR_SCMP_ERROR)
		return name;
	/* resolving a pseudo number back works too: libseccomp's table holds them per arch */
	char *n = seccomp_syscall_resolve_num_arch(ai->scmp_arch, nr);
	if (!n)
		return name;
	const char *owned = intern(n);
	free(n);
	return owned ? owned : name;
}

bool hd_syscall_libseccomp_knows(const char *name)
{
	/* any arch: libseccomp gives a pseudo (negative, not __NR_SCMP_ERROR) number for names it
	 * knows elsewhere */
	return seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name) != __NR_SCMP_ERROR;
}

bool hd_syscall_some_libseccomp_knows(const char *name)
{
	return hd_syscall_libseccomp_knows(name) || find_new(name);
}

bool hd_syscall_name_known(const char *name)
{
	if (hd_syscall_libseccomp_knows(name) || find_new(name))
		return true;
	/* any group of any modelled systemd: @known lacks a few names other groups list (fstatat) */
	const int *versions = hd_systemd_versions;
	for (size_t i = 0; versions[i]; i++)
		for (const struct hd_group_def *g = hd_group_next(NULL, versions[i]); g; g = hd_group_next(g, versions[i]))
			if (hd_group_contains(g, versions[i], name))
				return true;
	return false;
}

int hd_syscall_all_names(hd_strv *out)
{
	int r = 0;
	const int *versions = hd_systemd_versions;
	for (size_t i = 0; r >= 0 && versions[i]; i++)
		for (const struct hd_group_def *g = hd_group_next(NULL, versions[i]); r >= 0 && g;
		     g = hd_group_next(g, versions[i]))
			r = hd_group_expand(g, versions[i], out);
	for (const struct hd_new_syscall *s = hd_new_syscalls; r >= 0 && s->name; s++)
		r = hd_strv_push_unique(out, s->name);
	if (r >= 0)
		hd_strv_sort_uniq(out);
	return r;
}

const char *hd_nr_source_name(enum hd_nr_source src)
{
	switch (src) {
	case HD_NR_SRC_LIBSECCOMP:
		return "libseccomp";
	case HD_NR_SRC_PROJECT:
		return "harden table";
	default:
		return "none";
	}
}

const char *hd_syscall_project_source(const char *name, hd_arch arch)
{
	enum hd_nr_source src;
	if (hd_syscall_nr(name, arch, &src) < 0 || src != HD_NR_SRC_PROJECT)
		return NULL;
	const struct hd_new_syscall *s = find_new(name);
	return s ? s->source : NULL;
}

unsigned hd_name_distance(const char *a, const char *b, unsigned cap)
{
	/* Two-row Levenshtein; names are short, longer inputs are cut (the result is a ranking hint). */
	enum { MAXLEN = 64 };
	size_t la = strnlen(a, MAXLEN), lb = strnlen(b, MAXLEN);
	unsigned prev[MAXLEN + 1], cur[MAXLEN + 1];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (unsigned)i;
		unsigned row_min = cur[0];
		for (size_t j = 1; j <= lb; j++) {
			unsigned del = prev[j] + 1, ins = cur[j - 1] + 1;
			unsigned sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			unsigned m = del < ins ? del : ins;
			cur[j] = m < sub ? m : sub;
			if (cur[j] < row_min)
				row_min = cur[j];
		}
		if (row_min > cap)
			return cap + 1;
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb] > cap ? cap + 1 : prev[lb];
}

#define EVENT_PREFIX "syscalls:sys_enter_"

/* One line of available_events: keep the syscall name of "syscalls:sys_enter_NAME" lines. systemd
 * keeps the rest of the line verbatim (even empty or with trailing blanks); so do we. */
static int add_event_line(const char *line, size_t len, hd_strv *out)
{
	size_t plen = strlen(EVENT_PREFIX);
	if (len < plen || memcmp(line, EVENT_PREFIX, plen) != 0)
		return 0;
	char *name = strndup(line + plen, len - plen);
	if (!name)
		return -ENOMEM;
	int r = hd_strv_push(out, name);
	free(name);
	return r;
}

int hd_kernel_events_parse(const char *buf, size_t len, hd_strv *out)
{
	if (!buf && len)
		return -EINVAL;
	size_t start = 0;
	int r = 0;
	for (size_t i = 0; i <= len && r >= 0; i++) {
		bool end = i == len;
		if (!end && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\0')
			continue;
		size_t n = i - start;
		if (n >= HD_KERNEL_EVENTS_LINE_MAX)
			return -ENOBUFS;
		if (n > 0)
			r = add_event_line(buf + start, n, out);
		/* "\r\n" is one line end */
		if (!end && buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
			i++;
		start = i + 1;
	}
	if (r >= 0)
		hd_strv_sort_uniq(out);
	return r;
}

static int read_all(FILE *f, char **ret, size_t *ret_len)
{
	size_t cap = 64 * 1024, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap >= HD_KERNEL_EVENTS_FILE_MAX) {
				free(buf);
				return -EFBIG;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb, cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				int e = errno ? errno : EIO;
				free(buf);
				return -e;
			}
			break;
		}
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int hd_kernel_syscalls_load(hd_strv *out, bool *read_failed)
{
	/* The tracefs mount point, then the old one under debugfs; as systemd, the error reported is the
	 * last attempt's. */
	static const char *const paths[] = {
		"/sys/kernel/tracing/available_events",
		"/sys/kernel/debug/tracing/available_events",
	};
	if (read_failed)
		*read_failed = false;
	FILE *f = NULL;
	int err = ENOENT;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && !f; i++) {
		f = fopen(paths[i], "re");
		if (!f)
			err = errno;
	}
	if (!f)
		return -err;
	char *buf = NULL;
	size_t len = 0;
	errno = 0;
	int r = read_all(f, &buf, &len);
	fclose(f);
	if (r >= 0) {
		hd_strv tmp = { 0 };
		r = hd_kernel_events_parse(buf, len, &tmp);
		for (size_t i = 0; r >= 0 && i < tmp.n; i++)
			r = hd_strv_push(out, tmp.v[i]);
		hd_strv_free(&tmp);
		if (r >= 0)
			hd_strv_sort_uniq(out);
	}
	free(buf);
	if (r < 0 && read_failed)
		*read_failed = true;
	return r;
}

int hd_kernel_syscalls(hd_strv *out)
{
	return hd_kernel_syscalls_load(out, NULL);
}

/* Syscalls whose kernel entry point (and so tracepoint) has another name than the public one. The
 * first five are the ones systemd-analyze hides from "Unlisted"; the others are simply traced under
 * the name of the function that implements them. */
static const struct {
	const char *syscall, *event;
	bool hidden_by_systemd;
} event_aliases[] = {
	{ "uname", "newuname", true },
	{ "fstat", "newfstat", true },
	{ "stat", "newstat", true },
	{ "lstat", "newlstat", true },
	{ "_sysctl", "sysctl", true },
	{ "umount2", "umount", false },
	{ "sendfile", "sendfile64", false },
	{ "_llseek", "llseek", false },
	{ "_newselect", "select", false },
};

bool hd_kernel_event_is_internal(const char *event)
{
	for (size_t i = 0; i < sizeof(event_aliases) / sizeof(event_aliases[0]); i++)
		if (event_aliases[i].hidden_by_systemd && strcmp(event, event_aliases[i].event) == 0)
			return true;
	return false;
}

const char *hd_kernel_event_for_syscall(const char *name)
{
	for (size_t i = 0; i < sizeof(event_aliases) / sizeof(event_aliases[0]); i++)
		if (strcmp(name, event_aliases[i].syscall) == 0)
			return event_aliases[i].event;
	return name;
}
