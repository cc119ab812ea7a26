/* SPDX-License-Identifier: MIT */
#include "explain/explain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls/groups.h"
#include "syscalls/syscalls.h"

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

/* Records describe the same violation when these agree: verdict, architecture, unit, executable (or
 * comm when a source lacks it), and the syscall (or the inferred candidates, or the top frame). */
static char *violation_key(const struct hd_evidence *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	/* fields separated by a byte no field contains (control bytes are replaced when parsed) */
	fprintf(f, "%d\x1f%d\x1f%s\x1f%s%s\x1f", (int)e->verdict, (int)e->arch, e->unit ? e->unit : "",
		e->exe ? "e:" : "c:", e->exe ? e->exe : e->comm ? e->comm : "");
	if (e->syscall)
		fprintf(f, "s:%s#%d", e->syscall, e->nr);
	else if (e->candidates.n)
		for (size_t i = 0; i < e->candidates.n; i++)
			fprintf(f, "i:%s ", e->candidates.v[i]);
	else
		fprintf(f, "f:%s", e->frame_function ? e->frame_function : "");
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The smallest group holding syscall, and what else it holds. @known is everything: never a fix. */
static int fix_for(struct hd_syscall_fix *f, hd_arch arch, int sdver, hd_allowed_fn allowed, void *ud)
{
	int r = hd_group_paths(f->name, sdver, &f->paths);
	if (r < 0)
		return r;
	/* A group holds every group nested in it, so the smallest one holding the syscall is the
	 * innermost group of one of its paths: only those are expanded. */
	size_t best_n = (size_t)-1;
	for (size_t p = 0; p < f->paths.n; p++) {
		const char *sp = strrchr(f->paths.v[p], ' ');
		const char *inner = sp ? sp + 1 : f->paths.v[p];
		const struct hd_group_def *g = hd_group_find(inner, sdver);
		if (!g || strcmp(g->name, "@known") == 0 || (f->group && strcmp(f->group, g->name) == 0))
			continue;
		hd_strv members = { 0 };
		r = hd_group_expand(g, sdver, &members);
		if (r >= 0 && (members.n < best_n || (members.n == best_n && strcmp(g->name, f->group) < 0))) {
			best_n = members.n;
			f->group = g->name;
			hd_strv_free(&f->group_also);
			for (size_t i = 0; r >= 0 && i < members.n; i++)
				if (strcmp(members.v[i], f->name) != 0 && !(allowed && allowed(members.v[i], arch, ud)))
					r = hd_strv_push(&f->group_also, members.v[i]);
		}
		hd_strv_free(&members);
		if (r < 0)
			return r;
	}
	hd_strv_sort(&f->group_also);
	return 0;
}

/* Fixes already computed in this call, by syscall and architecture: a log of many processes
 * repeats few syscalls, and the group walk is the expensive part. */
struct fix_cache {
	struct cached_fix {
		hd_arch arch;
		struct hd_syscall_fix fix;
	} *v;
	size_t n, cap;
};

static int strv_copy(hd_strv *dst, const hd_strv *src)
{
	for (size_t i = 0; i < src->n; i++) {
		int r = hd_strv_push(dst, src->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int fix_copy(struct hd_syscall_fix *dst, const struct hd_syscall_fix *src)
{
	dst->group = src->group;
	int r = strv_copy(&dst->paths, &src->paths);
	return r < 0 ? r : strv_copy(&dst->group_also, &src->group_also);
}

static int fix_cached(struct hd_syscall_fix *f, hd_arch arch, int sdver, hd_allowed_fn allowed, void *ud,
		      struct fix_cache *cache)
{
	for (size_t i = 0; i < cache->n; i++)
		if (cache->v[i].arch == arch && strcmp(cache->v[i].fix.name, f->name) == 0)
			return fix_copy(f, &cache->v[i].fix);
	int r = fix_for(f, arch, sdver, allowed, ud);
	if (r < 0)
		return r;
	if (cache->n == cache->cap) {
		size_t cap = cache->cap ? cache->cap * 2 : 16;
		struct cached_fix *v = realloc(cache->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		cache->v = v;
		cache->cap = cap;
	}
	struct cached_fix *c = &cache->v[cache->n];
	*c = (struct cached_fix){ .arch = arch };
	c->fix.name = strdup(f->name);
	cache->n++;
	return c->fix.name ? fix_copy(&c->fix, f) : -ENOMEM;
}

static void fix_cache_free(struct fix_cache *cache)
{
	for (size_t i = 0; i < cache->n; i++) {
		free(cache->v[i].fix.name);
		hd_strv_free(&cache->v[i].fix.paths);
		hd_strv_free(&cache->v[i].fix.group_also);
	}
	free(cache->v);
}

static int build_violation(struct hd_violation *v, const struct hd_evidence *e, int sdver, hd_allowed_fn allowed,
			   void *ud, struct fix_cache *cache)
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
		r = fix_cached(&v->fix[i], e->arch, sdver, allowed, ud, cache);
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
	/* a hash table from violation key to group: a hostile log of a million distinct records stays linear */
	size_t slots = 16;
	while (slots < 2 * ev->n)
		slots *= 2;
	size_t *table = calloc(slots, sizeof(*table)); /* group index + 1; 0 = empty */
	struct fix_cache cache = { 0 };
	char **keys = calloc(ev->n, sizeof(*keys));
	int r = out->v && table && keys ? 0 : -ENOMEM;
	for (size_t i = 0; r >= 0 && i < ev->n; i++) {
		const struct hd_evidence *e = &ev->v[i];
		if (e->merged)
			continue; /* counted with the core dump record of the same death */
		char *key = violation_key(e);
		if (!key) {
			r = -ENOMEM;
			break;
		}
		size_t slot = hash_str(key) & (slots - 1);
		while (table[slot] && strcmp(keys[table[slot] - 1], key) != 0)
			slot = (slot + 1) & (slots - 1);
		struct hd_violation *v;
		if (table[slot]) {
			v = &out->v[table[slot] - 1];
			free(key);
		} else {
			keys[out->n] = key;
			table[slot] = out->n + 1;
			v = &out->v[out->n++];
			v->first = i;
			r = build_violation(v, e, sdver, allowed, ud, &cache);
			if (r < 0)
				break;
		}
		if ((v->count & (v->count - 1)) == 0) { /* 0, 1, 2, 4, ...: grow to the next power of two */
			size_t *recs = realloc(v->records, (v->count ? 2 * v->count : 1) * sizeof(*recs));
			if (!recs) {
				r = -ENOMEM;
				break;
			}
			v->records = recs;
		}
		v->records[v->count++] = i;
		if (e->time_usec) {
			if (!v->first_usec || e->time_usec < v->first_usec)
				v->first_usec = e->time_usec;
			if (e->time_usec > v->last_usec)
				v->last_usec = e->time_usec;
		}
	}
	for (size_t k = 0; keys && k < out->n; k++)
		free(keys[k]);
	free(keys);
	free(table);
	fix_cache_free(&cache);
	return r;
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

/* ---- a unit against one syscall ---- */

static bool is_service_seccomp(const struct hd_unit_assignment *a)
{
	return strcmp(a->section, "Service") == 0 && hd_seccomp_is_setting(a->key);
}

/* Replay the unit's seccomp settings, plus extra lines; stop_at (may be NULL) receives, per
 * assignment, whether the syscall runs after it. Returns 0 or -errno; *final the last action. */
struct replay {
	const char *syscall;
	hd_arch arch;
	int nr, sdver;
	const struct hd_unit_assignment *culprit;
	hd_action final;
};

static int action_now(const struct hd_seccomp_settings *s, struct replay *rp, hd_action *out)
{
	struct hd_ruleset rs;
	int r = hd_ruleset_build(s, rp->arch, rp->sdver, &rs);
	if (r < 0)
		return r;
	*out = hd_ruleset_action(&rs, rp->nr, NULL);
	hd_ruleset_free(&rs);
	return 0;
}

static int replay(const struct hd_unit *u, const hd_strv *extra, struct replay *rp)
{
	struct hd_seccomp_settings s;
	hd_seccomp_settings_init(&s);
	hd_diags quiet = { 0 }; /* the unit's own warnings are the unit reader's business */
	bool runs = true;
	int r = 0;
	rp->culprit = NULL;
	for (size_t i = 0; r >= 0 && i < u->n; i++) {
		const struct hd_unit_assignment *a = &u->v[i];
		if (!is_service_seccomp(a))
			continue;
		r = hd_seccomp_apply(&s, a->key, a->value, rp->sdver, a->file, a->line, &quiet);
		hd_action act;
		if (r >= 0)
			r = action_now(&s, rp, &act);
		if (r < 0)
			break;
		bool now = hd_action_allows(act);
		if (runs && !now)
			rp->culprit = a;
		else if (!runs && now)
			rp->culprit = NULL;
		runs = now;
	}
	if (r >= 0) /* what loading the unit adds (DynamicUser=yes: RestrictSUIDSGID=) */
		hd_seccomp_apply_unit_implications(&s, u);
	for (size_t i = 0; r >= 0 && extra && i < extra->n; i++) {
		const char *eq = strchr(extra->v[i], '=');
		char key[64];
		if (!eq || (size_t)(eq - extra->v[i]) >= sizeof(key))
			continue;
		memcpy(key, extra->v[i], (size_t)(eq - extra->v[i]));
		key[eq - extra->v[i]] = 0;
		r = hd_seccomp_apply(&s, key, eq + 1, rp->sdver, NULL, 0, &quiet);
	}
	if (r >= 0)
		r = action_now(&s, rp, &rp->final);
	hd_seccomp_settings_free(&s);
	hd_diags_free(&quiet);
	return r < 0 ? r : 0;
}

int hd_unit_seccomp_settings(const struct hd_unit *u, int sdver, struct hd_seccomp_settings *s)
{
	hd_seccomp_settings_init(s);
	hd_diags quiet = { 0 };
	int r = 0;
	for (size_t i = 0; r >= 0 && i < u->n; i++)
		if (is_service_seccomp(&u->v[i]))
			r = hd_seccomp_apply(s, u->v[i].key, u->v[i].value, sdver, u->v[i].file, u->v[i].line, &quiet);
	if (r >= 0)
		hd_seccomp_apply_unit_implications(s, u);
	hd_diags_free(&quiet);
	return r < 0 ? r : 0;
}

/* The word of a SystemCallFilter= value that names syscall, itself or through a group. */
static char *matching_word(const char *value, const char *syscall, int sdver)
{
	char *copy = strdup(value), *save = NULL, *found = NULL;
	if (!copy)
		return NULL;
	bool invert = copy[0] == '~';
	for (char *w = strtok_r(copy + invert, " \t", &save); w && !found; w = strtok_r(NULL, " \t", &save)) {
		char *colon = strchr(w, ':');
		if (colon)
			*colon = 0;
		const struct hd_group_def *g = w[0] == '@' ? hd_group_find(w, sdver) : NULL;
		if (strcmp(w, syscall) == 0 || (g && hd_group_contains(g, sdver, syscall))) {
			if (asprintf(&found, "%s%s", invert ? "~" : "", w) < 0)
				found = NULL;
		}
	}
	free(copy);
	return found;
}

/* Boolean settings whose syscall rules can stop a call; their fix is turning them off. */
static const char *const boolean_settings[] = {
	"LockPersonality", "MemoryDenyWriteExecute", "RestrictRealtime", "RestrictSUIDSGID",
	"ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectClock",
	"PrivateDevices", "ProtectHostname", NULL,
};

int hd_explain_unit(const struct hd_unit *u, int sdver, const char *syscall, hd_arch arch,
		    struct hd_unit_verdict *out)
{
	*out = (struct hd_unit_verdict){ 0 };
	const struct hd_arch_info *ai = hd_arch_info(arch);
	int nr = ai ? hd_syscall_nr(syscall, arch, NULL) : HD_NR_NONE;
	if (nr == HD_NR_NONE)
		return 0;
	out->known = true;
	struct replay rp = { .syscall = syscall, .arch = arch, .nr = nr, .sdver = sdver };
	int r = replay(u, NULL, &rp);
	if (r < 0)
		return r;
	out->action = rp.final;
	out->blocked = !hd_action_allows(rp.final);
	if (!out->blocked)
		return 0;
	out->culprit = rp.culprit;
	const struct hd_unit_assignment *c = rp.culprit;
	r = 0;
	const char *bool_key = NULL;
	if (!c || strcmp(c->key, "SystemCallArchitectures") != 0) {
		/* the last SystemCallArchitectures= line decides, if the final list lacks arch */
		struct hd_seccomp_settings fs;
		r = hd_unit_seccomp_settings(u, sdver, &fs);
		bool listed = fs.archs.n == 0;
		for (size_t i = 0; r >= 0 && i < fs.archs.n; i++)
			listed = listed || hd_arch_from_name(fs.archs.v[i]) == arch;
		hd_seccomp_settings_free(&fs);
		if (r < 0)
			return r;
		for (size_t i = u->n; !listed && i > 0; i--)
			if (is_service_seccomp(&u->v[i - 1]) && strcmp(u->v[i - 1].key, "SystemCallArchitectures") == 0) {
				out->arch_culprit = &u->v[i - 1];
				break;
			}
	}
	if (c && strcmp(c->key, "SystemCallArchitectures") == 0) {
		r = asprintf(&out->why, "SystemCallArchitectures= does not list %s: every %s call is killed", ai->name, ai->name);
	} else if (c && strcmp(c->key, "SystemCallFilter") == 0) {
		out->culprit_via = matching_word(c->value, syscall, sdver);
		if (c->value[0] == '~')
			r = asprintf(&out->why, "the deny list names %s%s%s", syscall, out->culprit_via ? " through " : "",
				     out->culprit_via ? out->culprit_via : "");
		else
			r = asprintf(&out->why, "the allow list starting here does not include %s", syscall);
	} else if (c) {
		r = asprintf(&out->why, "%s= adds a rule against %s", c->key, syscall);
		for (size_t i = 0; boolean_settings[i]; i++)
			if (strcmp(c->key, boolean_settings[i]) == 0)
				bool_key = c->key;
	} else
		r = asprintf(&out->why, "blocked by the filter's default action");
	if (r < 0)
		return -ENOMEM;

	/* The fix: the fewest of these lines that let the call run, found by replaying the unit with
	 * them appended. SystemCallFilter=NAME works in both modes: an allow list gains NAME, a deny list
	 * loses it (filter-semantics.md); SystemCallArchitectures= adds an ABI; a boolean is turned off. */
	hd_strv cand = { 0 };
	if (bool_key)
		r = hd_strv_pushf(&cand, "%s=no", bool_key);
	if (r >= 0)
		r = hd_strv_pushf(&cand, "SystemCallFilter=%s", syscall);
	if (r >= 0)
		r = hd_strv_pushf(&cand, "SystemCallArchitectures=%s", ai->name);
	struct replay check = rp;
	for (size_t i = 0; r >= 0 && i < cand.n; i++) {
		r = hd_strv_push(&out->fix_lines, cand.v[i]);
		if (r >= 0)
			r = replay(u, &out->fix_lines, &check);
		if (r >= 0 && hd_action_allows(check.final))
			break;
	}
	/* drop any line the others make unnecessary */
	for (size_t i = 0; r >= 0 && out->fix_lines.n > 1 && i < out->fix_lines.n;) {
		hd_strv without = { 0 };
		for (size_t k = 0; r >= 0 && k < out->fix_lines.n; k++)
			if (k != i)
				r = hd_strv_push(&without, out->fix_lines.v[k]);
		if (r >= 0)
			r = replay(u, &without, &check);
		if (r >= 0 && hd_action_allows(check.final)) {
			hd_strv_free(&out->fix_lines);
			out->fix_lines = without;
		} else {
			hd_strv_free(&without);
			i++;
		}
	}
	hd_strv_free(&cand);
	if (r >= 0)
		r = replay(u, &out->fix_lines, &check);
	if (r < 0)
		return r;
	out->fixed = hd_action_allows(check.final);
	return 0;
}

void hd_unit_verdict_free(struct hd_unit_verdict *v)
{
	free(v->culprit_via);
	free(v->why);
	hd_strv_free(&v->fix_lines);
	*v = (struct hd_unit_verdict){ 0 };
}
