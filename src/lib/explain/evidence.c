/* SPDX-License-Identifier: MIT */
#include "explain/evidence.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls/syscalls.h"
#include "elf/wrappers.h"

struct hd_evidence *hd_evidence_new(struct hd_evidence_list *l, enum hd_ev_kind kind, const char *file,
				    unsigned line)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct hd_evidence *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	struct hd_evidence *e = &l->v[l->n];
	*e = (struct hd_evidence){
		.kind = kind,
		.line = line,
		.pid = -1,
		.nr = -1,
		.arch = HD_ARCH_INVALID,
		.verdict = HD_VERDICT_SIGSYS,
	};
	if (file && !(e->file = strdup(file)))
		return NULL;
	l->n++;
	return e;
}

void hd_evidence_list_free(struct hd_evidence_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct hd_evidence *e = &l->v[i];
		free(e->file);
		free(e->comm);
		free(e->exe);
		free(e->unit);
		free(e->cmdline);
		free(e->verdict_reason);
		free(e->frame_function);
		free(e->frame_object);
		free(e->call_object);
		free(e->confirmed_by);
		hd_strv_free(&e->candidates);
	}
	free(l->v);
	*l = (struct hd_evidence_list){ 0 };
}

const char *hd_ev_kind_name(enum hd_ev_kind k)
{
	static const char *const names[] = {
		[HD_EVIDENCE_CORE] = "core",
		[HD_EVIDENCE_AUDIT] = "audit",
		[HD_EVIDENCE_JOURNAL] = "journal",
		[HD_EVIDENCE_COREDUMPCTL] = "coredumpctl",
	};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

const char *hd_verdict_name(enum hd_verdict v)
{
	static const char *const names[] = {
		[HD_VERDICT_SECCOMP_KILL] = "seccomp-kill",
		[HD_VERDICT_SECCOMP_LOG] = "seccomp-log",
		[HD_VERDICT_SECCOMP_OTHER] = "seccomp-other",
		[HD_VERDICT_SIGSYS] = "sigsys",
		[HD_VERDICT_NOT_SECCOMP] = "not-seccomp",
	};
	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

void hd_evidence_set_syscall(struct hd_evidence *e, uint32_t audit_arch, int nr)
{
	e->audit_arch = audit_arch;
	e->nr = nr;
	e->arch = hd_arch_from_audit(audit_arch);
	/* x32 shares x86-64's audit arch; the kernel marks its calls with bit 30 of the number */
	if (e->arch == HD_ARCH_X86_64 && nr >= 0 && (nr & 0x40000000))
		e->arch = HD_ARCH_X32;
	e->syscall = e->arch != HD_ARCH_INVALID ? hd_syscall_name(e->arch, nr) : NULL;
}

/*
 * C library objects, by file name: the frames in them are the wrappers whose names tell which
 * syscall was made.
 */
static const char *const libc_object_prefixes[] = {
	"libc.so",       /* glibc */
	"libc-2.",       /* glibc before 2.34 named the file by version */
	"libc.musl-",    /* musl (Alpine) */
	"ld-musl-",      /* musl's libc is also its dynamic loader */
	"libpthread.so", /* glibc < 2.34 kept some wrappers (e.g. the *_nocancel ones) here */
};

bool hd_is_libc_object(const char *object)
{
	if (!object)
		return false;
	const char *base = strrchr(object, '/');
	base = base ? base + 1 : object;
	for (size_t i = 0; i < sizeof(libc_object_prefixes) / sizeof(libc_object_prefixes[0]); i++)
		if (strncmp(base, libc_object_prefixes[i], strlen(libc_object_prefixes[i])) == 0)
			return true;
	return false;
}

/* Internal symbol decorations that glibc and musl put around a wrapper's public name. */
static const char *const strip_prefixes[] = { "__GI___", "__GI_", "__libc_", "__", "_" };
static const char *const strip_suffixes[] = { "_nocancel", "_internal", "64" };

/* One name: the wrapper table's answer, else the name itself when it is a syscall on arch.
 * 1 found (possibly no syscall: a known function that makes none), 0 not found, -errno. */
static int lookup_one(const char *name, enum hd_libc libc, hd_arch arch, hd_strv *out)
{
	int r = hd_wrapper_syscalls_arch(name, libc, arch, out);
	if (r != -ENOENT)
		return r < 0 ? r : 1;
	if (hd_syscall_nr(name, arch, NULL) != HD_NR_NONE) {
		r = hd_strv_push_unique(out, name);
		return r < 0 ? r : 1;
	}
	return 0;
}

int hd_libc_function_syscalls(const char *function, const char *object, hd_arch arch, hd_strv *out)
{
	if (!function || !*function)
		return 0;
	if (arch == HD_ARCH_INVALID)
		arch = hd_arch_native();
	/* the wrapper table knows stat -> newfstatat, open -> openat, and what musl does differently */
	enum hd_libc libc = object && strstr(object, "musl") ? HD_LIBC_MUSL : HD_LIBC_GLIBC;
	char name[128];
	size_t len = strcspn(function, "@"); /* "fchown@@GLIBC_2.2.5" */
	if (len >= sizeof(name))
		return 0;
	memcpy(name, function, len);
	name[len] = 0;
	int r = lookup_one(name, libc, arch, out);
	if (r != 0)
		return r < 0 ? r : 0;
	/* then without glibc's internal decorations, one at a time:
	 * __open64_nocancel -> open64_nocancel -> open64 (the table: openat) */
	const char *p = name;
	for (size_t i = 0; i < sizeof(strip_prefixes) / sizeof(strip_prefixes[0]); i++)
		if (strncmp(p, strip_prefixes[i], strlen(strip_prefixes[i])) == 0) {
			p += strlen(strip_prefixes[i]);
			break;
		}
	char base[128];
	snprintf(base, sizeof(base), "%s", p);
	for (;;) {
		r = lookup_one(base, libc, arch, out);
		if (r != 0)
			return r < 0 ? r : 0;
		bool stripped = false;
		for (size_t i = 0; !stripped && i < sizeof(strip_suffixes) / sizeof(strip_suffixes[0]); i++) {
			size_t bl = strlen(base), sl = strlen(strip_suffixes[i]);
			if (bl > sl && strcmp(base + bl - sl, strip_suffixes[i]) == 0) {
				base[bl - sl] = 0;
				stripped = true;
			}
		}
		if (!stripped)
			return 0;
	}
}

int hd_evidence_set_frame(struct hd_evidence *e, const char *function, const char *object, uint64_t offset)
{
	free(e->frame_function);
	free(e->frame_object);
	e->frame_function = function ? strdup(function) : NULL;
	e->frame_object = object ? strdup(object) : NULL;
	e->frame_offset = offset;
	if ((function && !e->frame_function) || (object && !e->frame_object))
		return -ENOMEM;
	if (e->syscall)
		return 0; /* recorded exactly elsewhere: nothing to infer */
	hd_strv_free(&e->candidates);
	int r = hd_libc_function_syscalls(function, object, e->arch, &e->candidates);
	if (r < 0)
		return r;
	e->inferred = e->candidates.n > 0;
	return 0;
}

static bool same_process(const struct hd_evidence *a, const struct hd_evidence *b)
{
	if (a->pid < 0 || a->pid != b->pid)
		return false;
	if (a->exe && b->exe)
		return strcmp(a->exe, b->exe) == 0;
	return a->comm && b->comm && strcmp(a->comm, b->comm) == 0;
}

int hd_evidence_correlate(struct hd_evidence_list *l)
{
	const int64_t window = 600 * 1000000LL;
	for (size_t i = 0; i < l->n; i++) {
		struct hd_evidence *d = &l->v[i];
		if (d->kind == HD_EVIDENCE_AUDIT || d->kind == HD_EVIDENCE_CORE || d->syscall ||
		    d->verdict == HD_VERDICT_NOT_SECCOMP)
			continue;
		for (size_t k = 0; k < l->n; k++) {
			struct hd_evidence *a = &l->v[k];
			if (a->kind != HD_EVIDENCE_AUDIT || a->merged || a->verdict != HD_VERDICT_SECCOMP_KILL ||
			    !a->syscall || !same_process(a, d))
				continue;
			if (a->time_usec && d->time_usec &&
			    (a->time_usec - d->time_usec > window || d->time_usec - a->time_usec > window))
				continue;
			hd_evidence_set_syscall(d, a->audit_arch, a->nr);
			d->verdict = HD_VERDICT_SECCOMP_KILL;
			d->seccomp_ret = a->seccomp_ret;
			d->has_seccomp_ret = a->has_seccomp_ret;
			if (!d->has_call_addr) {
				d->call_addr = a->call_addr;
				d->has_call_addr = a->has_call_addr;
			}
			free(d->verdict_reason);
			d->verdict_reason = NULL;
			d->inferred = false;
			hd_strv_free(&d->candidates);
			free(d->confirmed_by);
			if (asprintf(&d->confirmed_by, "%s:%u", a->file ? a->file : "-", a->line) < 0)
				return -ENOMEM;
			a->merged = true;
			break;
		}
	}
	return 0;
}
