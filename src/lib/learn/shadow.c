/* SPDX-License-Identifier: MIT */
/* A profile against a candidate unit: what the unit's settings would deny of what was seen (shadow.h). */
#include "learn/shadow.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/fix.h"
#include "syscalls/arch.h"
#include "syscalls/groups.h"
#include "syscalls/nametables.h"
#include "syscalls/syscalls.h"
#include "unit/capability.h"

const char *hd_shadow_kind_name(enum hd_shadow_kind k)
{
	switch (k) {
	case HD_SHADOW_SYSCALL: return "syscall";
	case HD_SHADOW_WRITE: return "write";
	case HD_SHADOW_READ: return "read";
	case HD_SHADOW_FAMILY: return "family";
	case HD_SHADOW_NAMESPACE: return "namespace";
	case HD_SHADOW_CAPABILITY: return "capability";
	}
	return "?";
}

static void finding_free(struct hd_shadow_finding *f)
{
	free(f->what);
	free(f->setting);
	free(f->action);
	free(f->mount);
	hd_strv_free(&f->fix);
	free(f->remove);
	free(f->note);
	free(f->group_fix);
	hd_strv_free(&f->group_adds);
	hd_strv_free(&f->groups);
	free(f->evidence);
}

void hd_shadow_free(struct hd_shadow *s)
{
	for (size_t i = 0; i < s->n; i++)
		finding_free(&s->v[i]);
	free(s->v);
	*s = (struct hd_shadow){ 0 };
}

/* A new finding at the end (zeroed, kind and what set), or NULL. */
static struct hd_shadow_finding *add(struct hd_shadow *s, enum hd_shadow_kind kind, const char *what)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		struct hd_shadow_finding *nv = realloc(s->v, nc * sizeof(*nv));
		if (!nv)
			return NULL;
		s->v = nv;
		s->cap = nc;
	}
	char *w = strdup(what);
	if (!w)
		return NULL;
	struct hd_shadow_finding *f = &s->v[s->n++];
	*f = (struct hd_shadow_finding){ .kind = kind, .what = w, .abi = HD_ARCH_INVALID, .nr = -1 };
	return f;
}

static bool blocks(hd_action a)
{
	return a.kind == HD_ACT_ERRNO || a.kind == HD_ACT_KILL;
}

static char *action_text(hd_action a)
{
	char buf[64];
	return strdup(hd_action_format(a, buf, sizeof(buf)));
}

/* Does any region of nr on arch depend on the arguments? Then the verdict for arguments 0 says nothing of
 * the calls the service made. */
static bool argument_dependent(const struct hd_sandbox *sb, hd_arch arch, int nr)
{
	for (size_t k = 0; k < sb->n_abi; k++) {
		if (sb->abi[k].arch != arch)
			continue;
		for (size_t i = 0; i < sb->abi[k].n; i++)
			if (sb->abi[k].v[i].nr == nr && sb->abi[k].v[i].n_cmps > 0)
				return true;
	}
	return false;
}

static int syscalls(const struct hd_profile *p, const struct hd_sandbox *sb, int sdver, struct hd_shadow *out)
{
	static const uint64_t zero[6] = { 0 };
	for (size_t k = 0; k < HD_PROFILE_ABIS; k++) {
		const struct hd_profile_abi *pa = &p->abis[k];
		const struct hd_arch_info *ai = hd_arch_info(pa->arch);
		if (pa->arch == HD_ARCH_INVALID || !ai)
			continue;
		for (size_t i = 0; i < pa->n; i++) {
			int nr = hd_syscall_nr(pa->v[i].name, pa->arch, NULL);
			if (nr < 0)
				continue;
			struct hd_sandbox_verdict v = hd_sandbox_intent(sb, ai->audit_arch, nr, zero);
			if (!blocks(v.action))
				continue;
			/* a whole-call verdict: the filter's own, the ABI's, or a setting that denies the call
			 * outright; an argument-dependent one is judged from the profile's arguments below */
			bool whole = v.origin && (strcmp(v.origin, "SystemCallFilter") == 0 ||
						  strcmp(v.origin, "SystemCallArchitectures") == 0);
			if (!whole && argument_dependent(sb, pa->arch, nr))
				continue;
			struct hd_shadow_finding *f = add(out, HD_SHADOW_SYSCALL, pa->v[i].name);
			if (!f)
				return -ENOMEM;
			f->abi = pa->arch;
			f->nr = nr;
			f->count = pa->v[i].count;
			f->setting = strdup(v.origin ? v.origin : "SystemCallFilter");
			f->action = action_text(v.action);
			struct hd_violation vi = { .arch = ai->audit_arch, .nr = nr, .verdict = v };
			struct hd_fix fx;
			int r = hd_violation_fix(sb, sdver, &vi, &fx);
			if (r >= 0 && fx.setting[0])
				r = hd_strv_push(&f->fix, fx.setting);
			if (r >= 0 && fx.group) {
				f->group_fix = malloc(strlen(fx.group->name) + sizeof("SystemCallFilter="));
				if (f->group_fix)
					sprintf(f->group_fix, "SystemCallFilter=%s", fx.group->name);
				f->group_adds = fx.group_adds;
				fx.group_adds = (hd_strv){ 0 };
			}
			hd_fix_free(&fx);
			if (r >= 0)
				r = hd_group_paths(pa->v[i].name, sdver, &f->groups);
			if (r < 0 || !f->setting || !f->action)
				return -ENOMEM;
		}
	}
	return 0;
}

/* The ABI whose audit arch and call number a family or namespace question is asked on: the first the
 * profile saw call, else the native one. */
static hd_arch question_abi(const struct hd_profile *p, const char *call)
{
	for (size_t k = 0; k < HD_PROFILE_ABIS; k++)
		if (p->abis[k].arch != HD_ARCH_INVALID && hd_profile_syscall_count(p, p->abis[k].arch, call))
			return p->abis[k].arch;
	return hd_arch_native();
}

static int families(const struct hd_profile *p, const struct hd_sandbox *sb, int sdver, struct hd_shadow *out)
{
	if (!p->families)
		return 0;
	hd_arch arch = question_abi(p, "socket");
	const struct hd_arch_info *ai = hd_arch_info(arch);
	int nr = ai ? hd_syscall_nr("socket", arch, NULL) : -1;
	if (nr < 0)
		return 0;
	for (int af = 0; af < 64; af++) {
		if (!(p->families >> af & 1))
			continue;
		const uint64_t args[6] = { (uint64_t)af };
		struct hd_sandbox_verdict v = hd_sandbox_intent(sb, ai->audit_arch, nr, args);
		/* socket() itself outside the filter is the syscall finding's */
		if (!blocks(v.action) || !v.origin || strcmp(v.origin, "RestrictAddressFamilies") != 0)
			continue;
		const char *name = hd_af_name(af);
		char num[32];
		snprintf(num, sizeof(num), "%d", af);
		struct hd_shadow_finding *f = add(out, HD_SHADOW_FAMILY, name ? name : num);
		if (!f)
			return -ENOMEM;
		f->setting = strdup(v.origin);
		f->action = action_text(v.action);
		struct hd_violation vi = { .arch = ai->audit_arch, .nr = nr, .verdict = v, .args = { (uint64_t)af } };
		struct hd_fix fx;
		int r = hd_violation_fix(sb, sdver, &vi, &fx);
		if (r >= 0 && fx.setting[0])
			r = hd_strv_push(&f->fix, fx.setting);
		hd_fix_free(&fx);
		if (r < 0 || !f->setting || !f->action)
			return -ENOMEM;
	}
	return 0;
}

static int namespaces(const struct hd_profile *p, const struct hd_sandbox *sb, struct hd_shadow *out)
{
	if (!p->namespaces)
		return 0;
	hd_arch arch = question_abi(p, "unshare");
	const struct hd_arch_info *ai = hd_arch_info(arch);
	int nr = ai ? hd_syscall_nr("unshare", arch, NULL) : -1;
	if (nr < 0)
		return 0;
	/* the narrow line names every type the candidate allows now plus the ones seen: systemd ORs a list
	 * into what earlier lines allowed (and takes it as the whole list after RestrictNamespaces=yes) */
	char line[256] = "RestrictNamespaces=";
	bool all = true, any = false;
	for (size_t i = 0; hd_namespace_flags[i].name; i++) {
		const uint64_t args[6] = { hd_namespace_flags[i].flag };
		struct hd_sandbox_verdict v = hd_sandbox_intent(sb, ai->audit_arch, nr, args);
		bool ok = !blocks(v.action) || (p->namespaces & hd_namespace_flags[i].flag);
		all = all && ok;
		if (ok) {
			size_t len = strlen(line);
			snprintf(line + len, sizeof(line) - len, "%s%s", any ? " " : "", hd_namespace_flags[i].name);
			any = true;
		}
	}
	if (all)
		snprintf(line, sizeof(line), "RestrictNamespaces=no");
	for (size_t i = 0; hd_namespace_flags[i].name; i++) {
		if (!(p->namespaces & hd_namespace_flags[i].flag))
			continue;
		const uint64_t args[6] = { hd_namespace_flags[i].flag };
		struct hd_sandbox_verdict v = hd_sandbox_intent(sb, ai->audit_arch, nr, args);
		if (!blocks(v.action) || !v.origin || strcmp(v.origin, "RestrictNamespaces") != 0)
			continue;
		struct hd_shadow_finding *f = add(out, HD_SHADOW_NAMESPACE, hd_namespace_flags[i].name);
		if (!f || !(f->setting = strdup(v.origin)) || !(f->action = action_text(v.action)) ||
		    hd_strv_push(&f->fix, line) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* path with the symbolic links of its longest existing ancestor resolved (/var/run/x -> /run/x), so that
 * it meets the plan's entries under their own names (the plan resolves its paths too). */
static void canonical(const char *path, char out[PATH_MAX])
{
	char head[PATH_MAX], res[PATH_MAX];
	snprintf(head, sizeof(head), "%s", path);
	for (;;) {
		if (realpath(head, res)) {
			size_t hl = strlen(head);
			if (snprintf(out, PATH_MAX, "%s%s", strcmp(res, "/") == 0 && path[hl] ? "" : res, path + hl) < PATH_MAX)
				return;
			break;
		}
		char *slash = strrchr(head, '/');
		if (!slash || slash == head)
			break;
		*slash = '\0';
	}
	snprintf(out, PATH_MAX, "%s", path);
}

static int paths(const hd_strv *list, bool write, const struct hd_mount_plan *plan, const struct hd_fs_probe *probe,
		 struct hd_shadow *out)
{
	/* the errors a mount setting gives a write (read-only, inaccessible, hidden) or a read (the last two) */
	static const int write_errs[] = { EROFS, EACCES, ENOENT }, read_errs[] = { EACCES, ENOENT };
	const int *errs = write ? write_errs : read_errs;
	size_t n_errs = write ? 3 : 2;
	for (size_t i = 0; i < list->n; i++) {
		char path[PATH_MAX];
		canonical(list->v[i], path);
		for (size_t e = 0; e < n_errs; e++) {
			struct hd_fs_denial d;
			int r = hd_fs_denial_explain(plan, path, write ? path : NULL, errs[e], probe, &d);
			if (r < 0) {
				hd_fs_denial_free(&d);
				return r;
			}
			if (r == 0) {
				hd_fs_denial_free(&d);
				continue;
			}
			struct hd_shadow_finding *f = add(out, write ? HD_SHADOW_WRITE : HD_SHADOW_READ, list->v[i]);
			const char *en = hd_errno_name(errs[e]);
			if (!f || !(f->setting = strdup(d.entry->origin)) || !(f->action = strdup(en ? en : "?")) ||
			    !(f->mount = strdup(d.entry->path)) || (d.remove && !(f->remove = strdup(d.remove))) ||
			    (d.unwritable && !(f->note = strdup(d.unwritable)))) {
				hd_fs_denial_free(&d);
				return -ENOMEM;
			}
			f->err = errs[e];
			f->fix = d.fix;
			d.fix = (hd_strv){ 0 };
			hd_fs_denial_free(&d);
			break; /* one error per path: the first the plan gives */
		}
	}
	return 0;
}

int hd_shadow_compare(const struct hd_profile *p, const struct hd_sandbox *sb, const struct hd_mount_plan *plan,
		      int sdver, const struct hd_fs_probe *probe, struct hd_shadow *out)
{
	*out = (struct hd_shadow){ 0 };
	int r = syscalls(p, sb, sdver, out);
	if (r >= 0)
		r = families(p, sb, sdver, out);
	if (r >= 0)
		r = namespaces(p, sb, out);
	if (r >= 0 && plan)
		r = paths(&p->paths_written, true, plan, probe, out);
	if (r >= 0 && plan)
		r = paths(&p->paths_read, false, plan, probe, out);
	return r < 0 ? r : 0;
}

/* The capabilities of mask that bounding leaves out, as findings with action. */
static int caps_left_out(const struct hd_profile *p, uint64_t mask, uint64_t bounding, const char *action,
			 struct hd_shadow *out)
{
	for (int i = 0; i < 64; i++) {
		if (!(mask & HD_CAP_BIT(i)) || (bounding & HD_CAP_BIT(i)))
			continue;
		const char *name = hd_capability_name(i);
		char num[16];
		snprintf(num, sizeof(num), "%d", i);
		struct hd_shadow_finding *f = add(out, HD_SHADOW_CAPABILITY, name ? name : num);
		if (!f || !(f->setting = strdup("CapabilityBoundingSet")) || !(f->action = strdup(action)) ||
		    (p->caps[i].evidence && !(f->evidence = strdup(p->caps[i].evidence))))
			return -ENOMEM;
		/* a capability systemd has no name for cannot be written back: no line */
		if (name && hd_strv_pushf(&f->fix, "CapabilityBoundingSet=%s", name) < 0)
			return -ENOMEM;
	}
	return 0;
}

int hd_shadow_compare_caps(const struct hd_profile *p, uint64_t bounding, struct hd_shadow *out)
{
	if (p->caps_source == HD_CAPS_UNKNOWN)
		return 0;
	return caps_left_out(p, hd_profile_caps_used(p), bounding, "not in the bounding set", out);
}

int hd_shadow_refused_caps(const struct hd_profile *p, uint64_t bounding, struct hd_shadow *out)
{
	if (p->caps_source != HD_CAPS_KERNEL)
		return 0;
	uint64_t refused = 0;
	/* granted too is no excuse: systemd's child held every capability before it executed the service. A
	 * check that child made (systemd names it "(NAME)" until the exec) is its own to handle: it raises
	 * its limits with what it has, and goes on */
	for (int i = 0; i < 64; i++)
		if (p->caps[i].denied && !(p->caps[i].evidence && p->caps[i].evidence[0] == '('))
			refused |= HD_CAP_BIT(i);
	return caps_left_out(p, refused, bounding, "refused: not in the bounding set", out);
}

int hd_shadow_fix_lines(const struct hd_shadow *s, hd_strv *out, size_t *unfixable)
{
	*unfixable = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].fix.n == 0)
			++*unfixable;
		for (size_t k = 0; k < s->v[i].fix.n; k++)
			if (hd_strv_push_unique(out, s->v[i].fix.v[k]) < 0)
				return -ENOMEM;
	}
	return 0;
}

char *hd_shadow_fold(const char *text, const hd_strv *lines)
{
	static const char head[] = "# added by harden apply --fold: what the shadow stage saw the service need\n[Service]\n";
	size_t n = strlen(text), len = n + 1 + sizeof(head);
	for (size_t i = 0; i < lines->n; i++)
		len += strlen(lines->v[i]) + 1;
	char *out = malloc(len), *w = out;
	if (!out)
		return NULL;
	memcpy(w, text, n);
	w += n;
	if (n && text[n - 1] != '\n')
		*w++ = '\n';
	memcpy(w, head, sizeof(head) - 1);
	w += sizeof(head) - 1;
	for (size_t i = 0; i < lines->n; i++)
		w += sprintf(w, "%s\n", lines->v[i]);
	*w = '\0';
	return out;
}
