/* SPDX-License-Identifier: MIT */
/* A unit's effective seccomp filters against the static syscall evidence of the programs it runs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/check.h"
#include "syscalls/groups.h"
#include "syscalls/syscalls.h"
#include "unit/execcmd.h"
#include "unit/unit.h"

/* The settings whose commands run under the unit's seccomp filter, in the order systemd runs them. */
static const char *const exec_keys[] = {
	"ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost", NULL,
};

/* Evidence from the most to the least certain: the program names the call, a wrapper makes it, an
 * instruction makes it, start-up code makes it. */
static int evidence_rank(enum hd_evidence_kind k)
{
	switch (k) {
	case HD_EV_DIRECT_IMPORT: return 0;
	case HD_EV_WRAPPER: return 1;
	case HD_EV_INSTRUCTION: return 2;
	default: return 3;
	}
}
#define EVIDENCE_RANKS 4

/* Grow an array of elements of size sz by one zeroed element; NULL when out of memory. */
static void *grow(void **v, size_t *n, size_t *cap, size_t sz)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		void *nv = realloc(*v, nc * sz);
		if (!nv)
			return NULL;
		*v = nv;
		*cap = nc;
	}
	void *e = (char *)*v + (*n)++ * sz;
	memset(e, 0, sz);
	return e;
}

/* ---- the filter side ---- */

/* The unconditional rule's origin for nr, or NULL when the default action decides. */
static const char *rule_origin(const struct hd_ruleset *rs, int nr)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].nr == nr && rs->v[i].n_cmps == 0)
			return rs->v[i].origin;
	return NULL;
}

static struct hd_check_finding *add_finding(struct hd_check_program *p, enum hd_check_finding_kind kind,
					    const char *syscall)
{
	struct hd_check_finding *f = grow((void **)&p->v, &p->n, &p->cap, sizeof(*p->v));
	if (f) {
		f->kind = kind;
		f->syscall = syscall;
	}
	return f;
}

/* Refused only for some argument values (RestrictSUIDSGID=, MemoryDenyWriteExecute=, ...): listed, not
 * counted, since static evidence does not see arguments. One finding per (syscall, setting). */
static int add_conditional(struct hd_check_program *p, const struct hd_ruleset *rs, const char *name, int nr)
{
	for (size_t k = 0; k < rs->n; k++) {
		const struct hd_rule *ru = &rs->v[k];
		if (ru->nr != nr || ru->n_cmps == 0 || hd_action_allows(ru->action))
			continue;
		bool seen = false;
		for (size_t q = 0; q < k && !seen; q++)
			seen = rs->v[q].nr == nr && rs->v[q].n_cmps && !hd_action_allows(rs->v[q].action) &&
			       strcmp(rs->v[q].origin, ru->origin) == 0;
		if (seen)
			continue;
		struct hd_check_finding *f = add_finding(p, HD_CHECK_CONDITIONAL, name);
		if (!f)
			return -ENOMEM;
		hd_action_format(ru->action, f->action, sizeof(f->action));
		f->setting = ru->origin;
	}
	return 0;
}

/* The libc fallback that makes refusing name with act harmless, or NULL: glibc only, and only when the
 * call libc falls back to is allowed. */
static const struct hd_libc_fallback *harmless_fallback(const struct hd_ruleset *rs, const struct hd_elf_scan *scan,
							const char *name, hd_action act)
{
	const struct hd_libc_fallback *fb =
		act.kind == HD_ACT_ERRNO && scan->libc == HD_LIBC_GLIBC ? hd_libc_fallback_find(name, act.errno_value) : NULL;
	if (fb && *fb->fallback) {
		int fnr = hd_syscall_nr(fb->fallback, scan->arch, NULL);
		if (fnr == HD_NR_NONE || !hd_action_allows(hd_ruleset_action(rs, fnr, NULL)))
			return NULL; /* the fallback is refused too */
	}
	return fb;
}

/* A blocked syscall: its groups, its evidence best first, and the fix by the setting that stops it. */
static int add_blocked(struct hd_check_program *p, const struct hd_ruleset *rs, int sdver, const char *name, int nr,
		       hd_action act)
{
	struct hd_check_finding *f = add_finding(p, HD_CHECK_BLOCKED, name);
	if (!f)
		return -ENOMEM;
	f->nr = nr;
	hd_action_format(act, f->action, sizeof(f->action));
	if (hd_group_paths(name, sdver, &f->groups) < 0)
		return -ENOMEM;
	const struct hd_elf_scan *scan = &p->scan;
	for (size_t k = 0; k < scan->n; k++)
		if (strcmp(scan->v[k].syscall, name) == 0)
			f->n_evidence++;
	if (f->n_evidence && !(f->evidence = calloc(f->n_evidence, sizeof(*f->evidence))))
		return -ENOMEM;
	size_t w = 0;
	for (int rank = 0; rank < EVIDENCE_RANKS; rank++)
		for (size_t k = 0; k < scan->n; k++)
			if (strcmp(scan->v[k].syscall, name) == 0 && evidence_rank(scan->v[k].kind) == rank)
				f->evidence[w++] = &scan->v[k];
	const char *origin = rule_origin(rs, nr);
	if (origin && !(f->origin = strdup(origin)))
		return -ENOMEM;
	int r;
	if (!origin || strcmp(origin, "SystemCallFilter") == 0)
		r = asprintf(&f->fix,
			     "add 'SystemCallFilter=%s' after the unit's other SystemCallFilter= lines (it allows it in an "
			     "allow list and removes it from a deny list)",
			     name);
	else
		r = asprintf(&f->fix, "the rule comes from %s=: turn that setting off (or drop it) if the program needs %s",
			     origin, name);
	if (r < 0) {
		f->fix = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Compare one scanned program with the filter: a finding for every syscall that may be refused. */
static int compare(struct hd_check_report *rep, struct hd_check_program *p, const struct hd_seccomp_settings *s,
		   int sdver)
{
	const struct hd_elf_scan *scan = &p->scan;
	if (!hd_seccomp_arch_allowed(s, scan->arch)) {
		const struct hd_arch_info *ai = hd_arch_info(scan->arch);
		struct hd_check_finding *f = add_finding(p, HD_CHECK_ARCH_KILLED, NULL);
		if (!f)
			return -ENOMEM;
		rep->n_blocked++;
		snprintf(f->action, sizeof(f->action), "kill");
		if (!(f->reason = strdup("architecture not in SystemCallArchitectures=")) ||
		    asprintf(&f->fix, "add SystemCallArchitectures=%s", ai ? ai->name : "?") < 0) {
			f->fix = NULL;
			return -ENOMEM;
		}
		return 0;
	}
	struct hd_ruleset rs;
	memset(&rs, 0, sizeof(rs));
	/* every seccomp-backed setting's filter, stacked as the kernel runs them */
	int r = hd_ruleset_build_full(s, scan->arch, sdver, &rs);
	if (r < 0)
		return r;
	if (rs.install_error) {
		struct hd_check_finding *f = add_finding(p, HD_CHECK_NOT_INSTALLED, NULL);
		if (!f || !(f->reason = strdup(rs.install_error))) {
			hd_ruleset_free(&rs);
			return -ENOMEM;
		}
		rep->n_blocked++;
	}
	for (size_t i = 0; i < scan->syscalls.n && r >= 0; i++) {
		const char *name = scan->syscalls.v[i];
		int nr = hd_syscall_nr(name, scan->arch, NULL);
		if (nr == HD_NR_NONE)
			continue;
		bool cond = false;
		hd_action act = hd_ruleset_action(&rs, nr, &cond);
		if (hd_action_allows(act)) {
			if (cond)
				r = add_conditional(p, &rs, name, nr);
			continue;
		}
		const struct hd_libc_fallback *fb = harmless_fallback(&rs, scan, name, act);
		if (fb) {
			struct hd_check_finding *f = add_finding(p, HD_CHECK_HARMLESS, name);
			if (!f) {
				r = -ENOMEM;
				break;
			}
			hd_action_format(act, f->action, sizeof(f->action));
			f->fallback = fb;
			continue;
		}
		rep->n_blocked++;
		r = add_blocked(p, &rs, sdver, name, nr, act);
	}
	hd_ruleset_free(&rs);
	return r;
}

/* ---- the program side ---- */

/* First bytes of a file, for the "#!" test. */
static ssize_t read_head(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size);
	int e = errno;
	close(fd);
	return n < 0 ? -e : n;
}

static struct hd_check_program *add_program(struct hd_check_command *c, const char *path)
{
	struct hd_check_program *p = grow((void **)&c->v, &c->n, &c->cap, sizeof(*c->v));
	if (!p)
		return NULL;
	hd_elf_scan_init(&p->scan);
	if (!(p->path = strdup(path))) {
		c->n--;
		return NULL;
	}
	return p;
}

static int check_program(struct hd_check_report *rep, struct hd_check_command *c, const struct hd_seccomp_settings *s,
			 const struct hd_check_options *o, const char *path, int depth, hd_diags *diags);

/* A '#!' script: its interpreter is checked as the next program, and for "#!/usr/bin/env NAME" the
 * program env runs from PATH after it. */
static int check_script(struct hd_check_report *rep, struct hd_check_command *c, const struct hd_seccomp_settings *s,
			const struct hd_check_options *o, const char *path, int depth, const char *interp,
			const char *arg, hd_diags *diags)
{
	if (depth >= HD_CHECK_MAX_INTERPRETER_DEPTH) {
		hd_diag_add(diags, HD_ERROR, path, 0, "too many levels of '#!' interpreters");
		rep->n_errors++;
		return 0;
	}
	char *ipath = NULL;
	int r = hd_exec_resolve(interp, o->root, &ipath);
	if (r == -ENOENT) {
		hd_diag_add(diags, HD_ERROR, path, 0, "interpreter %s not found", interp);
		rep->n_errors++;
		r = 0;
	} else if (r == 0) {
		r = check_program(rep, c, s, o, ipath, depth + 1, diags);
		const char *b = strrchr(interp, '/');
		if (r >= 0 && arg && strcmp(b ? b + 1 : interp, "env") == 0 && arg[0] != '-' && !strchr(arg, ' ')) {
			char *epath = NULL;
			int er = hd_exec_resolve(arg, o->root, &epath);
			if (er == 0)
				r = check_program(rep, c, s, o, epath, depth + 1, diags);
			else if (er == -ENOENT)
				hd_diag_add(diags, HD_WARNING, path, 0, "env runs %s, not found in PATH", arg);
			free(epath);
		}
	}
	free(ipath);
	return r;
}

/* Scan path, following #! interpreters; each scanned ELF program is compared with the filter. */
static int check_program(struct hd_check_report *rep, struct hd_check_command *c, const struct hd_seccomp_settings *s,
			 const struct hd_check_options *o, const char *path, int depth, hd_diags *diags)
{
	char head[256];
	ssize_t hn = read_head(path, head, sizeof(head));
	if (hn < 0) {
		hd_diag_add(diags, HD_ERROR, path, 0, "cannot read: %s", strerror((int)-hn));
		rep->n_errors++;
		return 0;
	}
	struct hd_check_program *p = add_program(c, path);
	if (!p)
		return -ENOMEM;
	char *interp = NULL, *arg = NULL;
	int r = hd_shebang_parse(head, (size_t)hn, &interp, &arg);
	if (r < 0 && r != -ENOMEM) {
		p->kind = HD_CHECK_PROGRAM_MALFORMED;
		hd_diag_add(diags, HD_ERROR, path, 0, "malformed '#!' line");
		rep->n_errors++;
		return 0;
	}
	if (r < 0)
		return r;
	if (r == 1) {
		p->kind = HD_CHECK_PROGRAM_SCRIPT;
		p->interpreter = interp;
		p->interpreter_arg = arg;
		/* p may move as the list grows: only interp and arg, owned by it, are used from here on */
		return check_script(rep, c, s, o, path, depth, interp, arg, diags);
	}
	p->kind = HD_CHECK_PROGRAM_ELF;
	struct hd_elf_scan_options opt = { .root = o->root, .follow_needed = true };
	r = hd_elf_scan_file(path, &opt, &p->scan, diags);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		p->kind = HD_CHECK_PROGRAM_UNREADABLE;
		p->error = -r;
		rep->n_errors++;
		return 0;
	}
	return compare(rep, p, s, o->sdver);
}

/* A command for the report; it takes command (freed with the report, or here when out of memory). */
static struct hd_check_command *add_command(struct hd_check_report *rep, const char *key, const char *file,
					    unsigned line, const char *value, char *command)
{
	struct hd_check_command *c = grow((void **)&rep->v, &rep->n, &rep->cap, sizeof(*rep->v));
	if (!c) {
		free(command);
		return NULL;
	}
	c->line = line;
	c->command = command;
	if (!(c->setting = strdup(key)) || !(c->value = strdup(value)) || (file && !(c->file = strdup(file))))
		return NULL; /* what was copied is freed with the report */
	return c;
}

/* One command line (an Exec*= value, or an --exec value): each command in it, resolved and checked. */
static int check_command(struct hd_check_report *rep, const struct hd_seccomp_settings *s,
			 const struct hd_check_options *o, const char *key, const struct hd_unit *u, const char *file,
			 unsigned line, const char *value, hd_diags *diags)
{
	struct hd_exec_line el = { 0 };
	int r = hd_exec_parse(value, file, line, &el, diags);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		rep->n_errors++;
		hd_exec_line_free(&el);
		return 0;
	}
	for (size_t i = 0; i < el.n && r >= 0; i++) {
		const struct hd_exec_command *ec = &el.v[i];
		rep->n_commands++;
		char *path = NULL;
		if (u && !(ec->flags & HD_EXEC_NO_ENV_EXPAND) && hd_unit_expand_specifiers(u, ec->path, &path) < 0) {
			hd_diag_add(diags, HD_ERROR, file, line, "bad specifier in '%s'", ec->path);
			rep->n_errors++;
			continue;
		}
		if (!path && !(path = strdup(ec->path))) {
			r = -ENOMEM;
			break;
		}
		struct hd_check_command *c = add_command(rep, key, file, line, value, path);
		if (!c) {
			r = -ENOMEM;
			break;
		}
		if (ec->flags & HD_EXEC_FULL_PRIVILEGE) {
			c->unfiltered = true;
			continue;
		}
		char *resolved = NULL;
		r = hd_exec_resolve(path, o->root, &resolved);
		if (r == -ENOENT) {
			hd_diag_add(diags, HD_ERROR, file, line, "%s: executable not found%s", path,
				    path[0] == '/' ? "" : " in " HD_EXEC_SEARCH_PATH);
			rep->n_errors++;
			r = 0;
		} else if (r == 0) {
			r = check_program(rep, c, s, o, resolved, 0, diags);
		}
		free(resolved);
	}
	hd_exec_line_free(&el);
	return r;
}

int hd_check_exec(const struct hd_seccomp_settings *s, const char *command, const struct hd_check_options *o,
		  struct hd_check_report *out, hd_diags *d)
{
	return check_command(out, s, o, "--exec", NULL, NULL, 0, command, d);
}

static bool is_exec_key(const char *key)
{
	for (size_t i = 0; exec_keys[i]; i++)
		if (strcmp(exec_keys[i], key) == 0)
			return true;
	return false;
}

/* The [Service] Exec*= assignments in effect, as indices into u: an empty assignment resets that
 * setting's list, as in systemd. */
static size_t exec_lines_in_effect(const struct hd_unit *u, size_t *keep)
{
	size_t n_keep = 0;
	for (size_t i = 0; i < u->n; i++) {
		const struct hd_unit_assignment *a = &u->v[i];
		if (strcmp(a->section, "Service") != 0 || !is_exec_key(a->key))
			continue;
		if (*a->value) {
			keep[n_keep++] = i;
			continue;
		}
		size_t w = 0;
		for (size_t k = 0; k < n_keep; k++)
			if (strcmp(u->v[keep[k]].key, a->key) != 0)
				keep[w++] = keep[k];
		n_keep = w;
	}
	return n_keep;
}

int hd_check_unit(const char *path, const struct hd_check_options *o, struct hd_check_report *out, hd_diags *diags)
{
	*out = (struct hd_check_report){ 0 };
	struct hd_unit u;
	memset(&u, 0, sizeof(u));
	struct hd_unit_load_options lo = { .sdver = o->sdver, .parse_only = 1, .root = NULL };
	int r = hd_unit_load(path, &lo, &u, diags);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (hd_diags_count(diags, HD_ERROR) == 0)
			hd_diag_add(diags, HD_ERROR, path, 0, "cannot load unit: %s", hd_unit_strerror(r));
		out->n_errors++;
		hd_unit_free(&u);
		return 0;
	}
	r = hd_check_loaded_unit(&u, path, o, out, diags);
	hd_unit_free(&u);
	return r;
}

int hd_check_loaded_unit(const struct hd_unit *u, const char *path, const struct hd_check_options *o,
			 struct hd_check_report *out, hd_diags *diags)
{
	*out = (struct hd_check_report){ 0 };
	struct hd_seccomp_settings s;
	hd_seccomp_settings_init(&s);
	size_t *keep = calloc(u->n ? u->n : 1, sizeof(*keep));
	if (!keep)
		return -ENOMEM;
	int r = hd_seccomp_apply_unit(&s, u, o->sdver, diags);
	if (r >= 0)
		r = hd_seccomp_check(&s, o->sdver, u->path ? u->path : path, diags);
	size_t n_keep = r >= 0 ? exec_lines_in_effect(u, keep) : 0;
	if (r >= 0 && !(out->unit = strdup(u->path ? u->path : path)))
		r = -ENOMEM;
	/* in the order systemd runs them, each setting's lines in the unit's order */
	for (size_t k0 = 0; exec_keys[k0] && r >= 0; k0++)
		for (size_t k = 0; k < n_keep && r >= 0; k++) {
			const struct hd_unit_assignment *a = &u->v[keep[k]];
			if (strcmp(a->key, exec_keys[k0]) == 0)
				r = check_command(out, &s, o, a->key, u, a->file, a->line, a->value, diags);
		}
	free(keep);
	hd_seccomp_settings_free(&s);
	return r < 0 ? r : 0;
}

void hd_check_report_free(struct hd_check_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		struct hd_check_command *c = &rep->v[i];
		for (size_t j = 0; j < c->n; j++) {
			struct hd_check_program *p = &c->v[j];
			for (size_t k = 0; k < p->n; k++) {
				free(p->v[k].reason);
				hd_strv_free(&p->v[k].groups);
				free(p->v[k].evidence);
				free(p->v[k].fix);
				free(p->v[k].origin);
			}
			free(p->v);
			free(p->path);
			free(p->interpreter);
			free(p->interpreter_arg);
			hd_elf_scan_free(&p->scan);
		}
		free(c->v);
		free(c->setting);
		free(c->file);
		free(c->value);
		free(c->command);
	}
	free(rep->v);
	free(rep->unit);
	*rep = (struct hd_check_report){ 0 };
}
