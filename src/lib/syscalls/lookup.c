/* SPDX-License-Identifier: MIT */
#include "syscalls/lookup.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls/arch.h"
#include "syscalls/groups.h"
#include "syscalls/syscalls.h"
#include "syscalls/syscalls_new.h"

/* Remove a group's direct syscall members from a set (nested groups are removed when they are met). */
static void remove_members(hd_strv *set, const struct hd_group_def *g, int sdver)
{
	for (const struct hd_group_member *m = g->members; m->name; m++)
		if (m->name[0] != '@' && hd_group_member_present(m, sdver))
			hd_strv_remove(set, m->name);
}

int hd_syscall_listing(int sdver, bool with_kernel, struct hd_syscall_listing *out)
{
	*out = (struct hd_syscall_listing){ 0 };
	int r = 0;
	const struct hd_group_def *known_g = hd_group_find("@known", sdver);
	if (known_g)
		for (const struct hd_group_member *m = known_g->members; r >= 0 && m->name; m++)
			if (m->name[0] != '@' && hd_group_member_present(m, sdver))
				r = hd_strv_push_unique(&out->ungrouped, m->name);
	if (r < 0)
		goto oom;
	if (with_kernel) {
		hd_strv raw = { 0 };
		int k = hd_kernel_syscalls_load(&raw, &out->kernel_read_failed);
		if (k == -ENOMEM) {
			hd_strv_free(&raw);
			goto oom;
		}
		if (k < 0)
			out->kernel_error = k;
		for (size_t i = 0; k >= 0 && r >= 0 && i < raw.n; i++)
			if (!hd_kernel_event_is_internal(raw.v[i]))
				r = hd_strv_push(&out->unlisted, raw.v[i]);
		hd_strv_free(&raw);
		if (r < 0)
			goto oom;
	}
	for (const struct hd_group_def *g = hd_group_next(NULL, sdver); g; g = hd_group_next(g, sdver)) {
		remove_members(&out->unlisted, g, sdver);
		if (g != known_g)
			remove_members(&out->ungrouped, g, sdver);
	}
	hd_strv_sort(&out->ungrouped);
	hd_strv_sort(&out->unlisted);
	return 0;
oom:
	hd_syscall_listing_free(out);
	return -ENOMEM;
}

void hd_syscall_listing_free(struct hd_syscall_listing *l)
{
	hd_strv_free(&l->ungrouped);
	hd_strv_free(&l->unlisted);
}

void hd_kernel_view_init(struct hd_kernel_view *kv)
{
	memset(kv, 0, sizeof(*kv));
	if (uname(&kv->uts) < 0)
		snprintf(kv->uts.release, sizeof(kv->uts.release), "unknown");
	int r = hd_kernel_syscalls(&kv->events);
	kv->load_error = r < 0 ? r : 0;
	kv->n_compat = hd_probe_compat_abis(kv->compat);
}

void hd_kernel_view_free(struct hd_kernel_view *kv)
{
	hd_strv_free(&kv->events);
}

int hd_kernel_view_has(const struct hd_kernel_view *kv, const char *name, char *detail, size_t dlen)
{
	hd_arch native = hd_arch_native();
	bool unnumbered = false; /* no number here, but the kernel's own list may still name it */
	for (const struct hd_unnumbered_syscall *u = hd_syscalls_unnumbered; u->name; u++)
		unnumbered |= strcmp(u->name, name) == 0;
	if (!unnumbered && hd_syscall_nr(name, native, NULL) < 0) {
		snprintf(detail, dlen, "not a syscall on %s", hd_arch_info(native)->name);
		return 0;
	}
	if (kv->load_error < 0) {
		snprintf(detail, dlen, "tracefs available_events not readable: %s", strerror(-kv->load_error));
		return -1;
	}
	const char *ev = hd_kernel_event_for_syscall(name);
	if (hd_strv_sorted_contains(&kv->events, ev)) {
		snprintf(detail, dlen, "tracefs lists syscalls:sys_enter_%s", ev);
		return 1;
	}
	snprintf(detail, dlen, "tracefs has no syscalls:sys_enter_%s: not built in, or newer than this kernel", ev);
	return 0;
}

const char *hd_libseccomp_version(char *buf, size_t len)
{
	const struct scmp_version *v = seccomp_version();
	if (v)
		snprintf(buf, len, "%u.%u.%u", v->major, v->minor, v->micro);
	else
		snprintf(buf, len, "unknown");
	return buf;
}

int hd_group_paths_groups(const hd_strv *paths, hd_strv *out)
{
	for (size_t i = 0; i < paths->n; i++) {
		char *copy = strdup(paths->v[i]), *save = NULL;
		if (!copy)
			return -ENOMEM;
		for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
			if (hd_strv_push_unique(out, t) < 0) {
				free(copy);
				return -ENOMEM;
			}
		free(copy);
	}
	hd_strv_sort(out);
	return 0;
}

struct candidate {
	unsigned dist;
	const char *name;
};

static int cmp_candidate(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	return strcmp(x->name, y->name);
}

int hd_syscall_suggest(const char *name, size_t max, hd_strv *out)
{
	hd_strv all = { 0 };
	size_t len = strnlen(name, 256);
	/* one typo in a short name, up to three in a long one: more would suggest unrelated names */
	unsigned cap = len <= 4 ? 1 : len <= 8 ? 2 : 3;
	int r = hd_syscall_all_names(&all);
	if (r < 0 || all.n == 0) {
		hd_strv_free(&all);
		return r == -ENOMEM ? r : 0;
	}
	struct candidate *c = calloc(all.n, sizeof(*c));
	if (!c) {
		hd_strv_free(&all);
		return -ENOMEM;
	}
	size_t n = 0;
	for (size_t i = 0; i < all.n; i++) {
		unsigned d = hd_name_distance(name, all.v[i], cap);
		if (d <= cap)
			c[n++] = (struct candidate){ d, all.v[i] };
	}
	qsort(c, n, sizeof(*c), cmp_candidate);
	r = 0;
	for (size_t i = 0; i < n && i < max && r >= 0; i++)
		r = hd_strv_push(out, c[i].name);
	free(c);
	hd_strv_free(&all);
	return r;
}
