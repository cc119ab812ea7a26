/* SPDX-License-Identifier: MIT */
#include "explain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"

#define SYS_SECCOMP_CODE 1 /* si_code of a SIGSYS the seccomp filter sent (SYS_SECCOMP) */

/* SIGSYS is 31 on the architectures systemd runs on, except MIPS (12); keyed by the core's e_machine. */
static int sigsys_for_machine(unsigned machine)
{
	return machine == 8 /* EM_MIPS */ ? 12 : 31;
}

static int dup_into(char **dst, const char *s)
{
	if (!s || !*s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

int hd_evidence_from_core(const struct hd_core_info *ci, const char *file, struct hd_evidence_list *out)
{
	struct hd_evidence *e = hd_evidence_new(out, HD_EVIDENCE_CORE, file, 0);
	if (!e)
		return -ENOMEM;
	e->compression = hd_core_compression_name(ci->compression);
	e->pid = ci->has_prstatus ? ci->pr_pid : ci->has_prpsinfo ? ci->pid : -1;
	int r = dup_into(&e->comm, ci->has_prpsinfo ? ci->comm : NULL);
	if (r >= 0)
		r = dup_into(&e->cmdline, ci->has_prpsinfo ? ci->psargs : NULL);
	if (r >= 0)
		r = dup_into(&e->exe, hd_core_executable(ci));
	if (r < 0)
		return r;
	int sigsys = sigsys_for_machine(ci->elf_machine);
	e->signo = ci->has_siginfo ? ci->si_signo : ci->has_prstatus ? ci->pr_cursig : 0;
	e->si_code = ci->si_code;
	e->has_si_code = ci->has_siginfo;
	const char *why = NULL;
	char buf[160];
	if (!ci->has_siginfo && e->signo != sigsys) {
		e->verdict = HD_VERDICT_NOT_SECCOMP;
		snprintf(buf, sizeof(buf), "killed by signal %d (%s), not SIGSYS: not a seccomp death", e->signo,
			 sigabbrev_np(e->signo) ? sigabbrev_np(e->signo) : "?");
		why = buf;
	} else if (!ci->has_siginfo) {
		e->verdict = HD_VERDICT_SIGSYS;
		why = "SIGSYS, but the core has no NT_SIGINFO note to say who sent it";
	} else if (ci->si_signo != sigsys) {
		e->verdict = HD_VERDICT_NOT_SECCOMP;
		snprintf(buf, sizeof(buf), "killed by signal %d (%s), not SIGSYS: not a seccomp death", ci->si_signo,
			 sigabbrev_np(ci->si_signo) ? sigabbrev_np(ci->si_signo) : "?");
		why = buf;
	} else if (ci->si_code != SYS_SECCOMP_CODE) {
		e->verdict = HD_VERDICT_NOT_SECCOMP;
		/* si_code <= 0 is a signal sent by a process (SI_USER 0, SI_TKILL -6, SI_QUEUE -1) */
		snprintf(buf, sizeof(buf),
			 "SIGSYS with si_code %d, not SYS_SECCOMP (%d): %s", ci->si_code, SYS_SECCOMP_CODE,
			 ci->si_code <= 0 ? "sent by a process (kill/tgkill), not by a seccomp filter"
					  : "not sent by a seccomp filter");
		why = buf;
	} else {
		e->verdict = HD_VERDICT_SECCOMP_KILL;
		hd_evidence_set_syscall(e, ci->si_arch, ci->si_syscall);
		e->call_addr = ci->si_call_addr;
		e->has_call_addr = true;
		const struct hd_core_mapping *m = hd_core_mapping_at(ci, ci->si_call_addr);
		if (m) {
			const char *base = strrchr(m->path, '/');
			if (dup_into(&e->call_object, base ? base + 1 : m->path) < 0)
				return -ENOMEM;
			e->call_offset = ci->si_call_addr - m->start + m->file_offset;
		}
	}
	if (why && !(e->verdict_reason = strdup(why)))
		return -ENOMEM;
	return 0;
}

bool hd_evidence_is_seccomp(const struct hd_evidence *e)
{
	return e->verdict != HD_VERDICT_NOT_SECCOMP;
}

/* The syscalls a record names: exactly one, or the inferred candidates. */
static int record_syscalls(const struct hd_evidence *e, hd_strv *out)
{
	if (e->syscall)
		return hd_strv_push(out, e->syscall);
	for (size_t i = 0; i < e->candidates.n; i++) {
		int r = hd_strv_push_unique(out, e->candidates.v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Records describe the same violation when these agree. */
static bool same_violation(const struct hd_evidence *a, const struct hd_evidence *b)
{
	if (a->verdict != b->verdict || a->arch != b->arch || !str_eq(a->unit, b->unit))
		return false;
	/* the executable, or the comm when a source lacks exe */
	if (a->exe && b->exe ? strcmp(a->exe, b->exe) != 0 : !str_eq(a->comm, b->comm))
		return false;
	if (a->syscall || b->syscall)
		return str_eq(a->syscall, b->syscall) && a->nr == b->nr;
	if (a->candidates.n != b->candidates.n)
		return false;
	for (size_t i = 0; i < a->candidates.n; i++)
		if (strcmp(a->candidates.v[i], b->candidates.v[i]) != 0)
			return false;
	/* with nothing known about the syscall, a record stands alone unless the frames agree */
	return a->candidates.n > 0 || str_eq(a->frame_function, b->frame_function);
}

/* The smallest group holding syscall, and what else it holds. @known is everything: never a fix. */
static int fix_for(struct hd_syscall_fix *f, int sdver, hd_allowed_fn allowed, void *ud)
{
	int r = hd_group_paths(f->name, sdver, &f->paths);
	if (r < 0)
		return r;
	size_t best_n = (size_t)-1;
	for (const struct hd_group_def *g = hd_group_next(NULL, sdver); g; g = hd_group_next(g, sdver)) {
		if (strcmp(g->name, "@known") == 0 || !hd_group_contains(g, sdver, f->name))
			continue;
		hd_strv members = { 0 };
		r = hd_group_expand(g, sdver, &members);
		if (r >= 0 && members.n < best_n) {
			best_n = members.n;
			f->group = g->name;
			hd_strv_free(&f->group_also);
			for (size_t i = 0; r >= 0 && i < members.n; i++)
				if (strcmp(members.v[i], f->name) != 0 && !(allowed && allowed(members.v[i], ud)))
					r = hd_strv_push(&f->group_also, members.v[i]);
		}
		hd_strv_free(&members);
		if (r < 0)
			return r;
	}
	hd_strv_sort(&f->group_also);
	return 0;
}

static int build_violation(struct hd_violation *v, const struct hd_evidence *e, int sdver, hd_allowed_fn allowed,
			   void *ud)
{
	hd_strv names = { 0 };
	int r = 0;
	if (hd_evidence_is_seccomp(e))
		r = record_syscalls(e, &names);
	if (r >= 0 && names.n) {
		v->fix = calloc(names.n, sizeof(*v->fix));
		if (!v->fix)
			r = -ENOMEM;
	}
	for (size_t i = 0; r >= 0 && i < names.n; i++) {
		v->fix[i].name = names.v[i];
		names.v[i] = NULL;
		v->n_fix++;
		r = fix_for(&v->fix[i], sdver, allowed, ud);
	}
	if (r >= 0 && v->n_fix) {
		/* the narrowest line: the syscall(s) by name, space-separated as systemd accepts them */
		size_t len = strlen("SystemCallFilter=") + 1;
		for (size_t i = 0; i < v->n_fix; i++)
			len += strlen(v->fix[i].name) + 1;
		v->narrow_line = malloc(len);
		if (!v->narrow_line)
			r = -ENOMEM;
		else {
			strcpy(v->narrow_line, "SystemCallFilter=");
			for (size_t i = 0; i < v->n_fix; i++) {
				if (i)
					strcat(v->narrow_line, " ");
				strcat(v->narrow_line, v->fix[i].name);
			}
		}
		/* the group line: the groups of the syscalls, once each */
		hd_strv groups = { 0 };
		for (size_t i = 0; r >= 0 && i < v->n_fix; i++)
			if (v->fix[i].group)
				r = hd_strv_push_unique(&groups, v->fix[i].group);
		if (r >= 0 && groups.n) {
			len = strlen("SystemCallFilter=") + 1;
			for (size_t i = 0; i < groups.n; i++)
				len += strlen(groups.v[i]) + 1;
			v->group_line = malloc(len);
			if (!v->group_line)
				r = -ENOMEM;
			else {
				strcpy(v->group_line, "SystemCallFilter=");
				for (size_t i = 0; i < groups.n; i++) {
					if (i)
						strcat(v->group_line, " ");
					strcat(v->group_line, groups.v[i]);
				}
			}
		}
		hd_strv_free(&groups);
	}
	hd_strv_free(&names);
	return r;
}

int hd_explain(const struct hd_evidence_list *ev, int sdver, hd_allowed_fn allowed, void *ud,
	       struct hd_explanation *out)
{
	*out = (struct hd_explanation){ 0 };
	if (!ev->n)
		return 0;
	out->v = calloc(ev->n, sizeof(*out->v)); /* at most one group per record */
	if (!out->v)
		return -ENOMEM;
	for (size_t i = 0; i < ev->n; i++) {
		const struct hd_evidence *e = &ev->v[i];
		struct hd_violation *v = NULL;
		if (e->merged)
			continue; /* counted with the core dump record of the same death */
		/* linear search over the groups; logs repeat few distinct violations */
		for (size_t k = 0; k < out->n; k++)
			if (same_violation(&ev->v[out->v[k].first], e)) {
				v = &out->v[k];
				break;
			}
		if (!v) {
			v = &out->v[out->n++];
			v->first = i;
			int r = build_violation(v, e, sdver, allowed, ud);
			if (r < 0)
				return r;
		}
		size_t *recs = realloc(v->records, (v->count + 1) * sizeof(*recs));
		if (!recs)
			return -ENOMEM;
		v->records = recs;
		v->records[v->count++] = i;
		if (e->time_usec) {
			if (!v->first_usec || e->time_usec < v->first_usec)
				v->first_usec = e->time_usec;
			if (e->time_usec > v->last_usec)
				v->last_usec = e->time_usec;
		}
	}
	return 0;
}

void hd_explanation_free(struct hd_explanation *x)
{
	for (size_t i = 0; i < x->n; i++) {
		struct hd_violation *v = &x->v[i];
		for (size_t k = 0; k < v->n_fix; k++) {
			free(v->fix[k].name);
			hd_strv_free(&v->fix[k].paths);
			hd_strv_free(&v->fix[k].group_also);
		}
		free(v->fix);
		free(v->records);
		free(v->narrow_line);
		free(v->group_line);
	}
	free(x->v);
	*x = (struct hd_explanation){ 0 };
}
