/* SPDX-License-Identifier: MIT */
#include "learn/widen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "filter/filter.h"
#include "learn/exposure.h"
#include "syscalls/groups.h"

#define WIDEN_MAX_LIMITS 8 /* limit sentences kept: enough to say what kind of thing was missed */

void hd_widen_report_free(struct hd_widen_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].syscall);
		free(r->v[i].cover);
		free(r->v[i].program);
		free(r->v[i].evidence);
	}
	free(r->v);
	hd_strv_free(&r->scanned);
	hd_strv_free(&r->problems);
	hd_strv_free(&r->limits);
	hd_strv_free(&r->other_settings);
	memset(r, 0, sizeof(*r));
}

/* The drop-in's own seccomp settings, applied as systemd reads the file learn writes. */
static int suggestion_seccomp(const struct hd_suggestion *sug, int sdver, struct hd_seccomp_settings *s)
{
	hd_strv lines = { 0 };
	hd_diags d = { 0 };
	int r = hd_suggestion_settings(sug, &lines);
	for (size_t i = 0; r >= 0 && i < lines.n; i++) {
		char *eq = strchr(lines.v[i], '=');
		if (!eq)
			continue;
		*eq = 0;
		r = hd_seccomp_apply(s, lines.v[i], eq + 1, sdver, "<harden learn drop-in>", (unsigned)i + 1, &d);
	}
	hd_strv_free(&lines);
	hd_diags_free(&d); /* learn writes only values it can parse; a warning here changes nothing */
	return r < 0 ? r : 0;
}

/* The path as one ExecStart= word: quoted, with the characters the command splitter treats specially
 * escaped, so that any file name the kernel ran is checked as that file. */
static char *command_word(const char *path)
{
	size_t n = strlen(path);
	char *w = malloc(2 * n + 3), *o = w;
	if (!w)
		return NULL;
	*o++ = '"';
	for (const char *c = path; *c; c++) {
		if (*c == '"' || *c == '\\')
			*o++ = '\\';
		*o++ = *c; /* no specifiers: --exec commands are not expanded */
	}
	*o++ = '"';
	*o = 0;
	return w;
}

static size_t group_size(const char *name, int sdver)
{
	const struct hd_group_def *g = hd_group_find(name, sdver);
	hd_strv m = { 0 };
	size_t n = g && hd_group_expand(g, sdver, &m) == 0 ? m.n : (size_t)-1;
	hd_strv_free(&m);
	return n;
}

/* The innermost group of each chain ("@system-service @chown" -> "@chown"), the smallest of them. */
static int cover_group(const hd_strv *chains, int sdver, char **out)
{
	size_t best_n = (size_t)-1;
	*out = NULL;
	for (size_t i = 0; i < chains->n; i++) {
		const char *leaf = strrchr(chains->v[i], ' ');
		leaf = leaf ? leaf + 1 : chains->v[i];
		if (strcmp(leaf, "@known") == 0)
			continue;
		size_t n = group_size(leaf, sdver);
		if (n < best_n || (n == best_n && *out && strcmp(leaf, *out) < 0)) {
			free(*out);
			if (!(*out = strdup(leaf)))
				return -ENOMEM;
			best_n = n;
		}
	}
	return 0;
}

static char *evidence_text(const struct hd_elf_evidence *e)
{
	/* elfscan leaves object NULL when the evidence has no file of its own (seen with the
	 * programs of a container's unit under learn --cgroup): say so instead of crashing */
	const char *obj = e->object ? strrchr(e->object, '/') : NULL;
	obj = obj ? obj + 1 : e->object ? e->object : "(no file)";
	char *s = NULL;
	int r = e->symbol ? asprintf(&s, "%s: %s (%s)", obj, e->symbol, hd_evidence_kind_name(e->kind))
			  : e->kind == HD_EV_INSTRUCTION
				  ? asprintf(&s, "%s: syscall instruction at %#llx", obj, (unsigned long long)e->address)
				  : asprintf(&s, "%s (%s)", obj, hd_evidence_kind_name(e->kind));
	return r < 0 ? NULL : s;
}

static struct hd_widen_call *find_call(struct hd_widen_report *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].syscall, name) == 0)
			return &r->v[i];
	return NULL;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* A shell runs whatever it is given: evidence from it says little about what the service itself does. */
static bool is_shell(const char *program)
{
	static const char *const shells[] = { "sh", "dash", "bash", "zsh", "ksh", "mksh", "busybox", NULL };
	for (const char *const *s = shells; *s; s++)
		if (strcmp(base_name(program), *s) == 0)
			return true;
	return false;
}

/* How much a reader can trust "PROGRAM, EVIDENCE" as the reason a call is reachable; lower is stronger.
 * In order: the service's own main program (the first command's executable) over the others; a direct
 * import over a syscall instruction over a wrapper libc is known to call it over the C runtime; evidence
 * in the program's own file over one in a library it loads; any program over a shell. */
static int evidence_rank(const struct hd_elf_evidence *e, const char *program, const char *main_program)
{
	static const int kind_rank[] = { [HD_EV_DIRECT_IMPORT] = 0, [HD_EV_INSTRUCTION] = 1, [HD_EV_WRAPPER] = 2,
					 [HD_EV_RUNTIME] = 3 };
	bool is_main = main_program && (strchr(main_program, '/') ? strcmp(program, main_program) == 0
								  : strcmp(base_name(program), main_program) == 0);
	int kind = e && (unsigned)e->kind < sizeof(kind_rank) / sizeof(kind_rank[0]) ? kind_rank[e->kind] : 4;
	bool own_file = e && e->object && strcmp(base_name(e->object), base_name(program)) == 0;
	return (is_main ? 0 : 100) + kind * 4 + (own_file ? 0 : 2) + (is_shell(program) ? 1 : 0);
}

static int add_call(struct hd_widen_report *r, const struct hd_check_finding *f, const char *program,
		    const char *main_program, int sdver)
{
	const struct hd_elf_evidence *best = f->n_evidence ? f->evidence[0] : NULL; /* check's best first */
	int rank = evidence_rank(best, program, main_program);
	struct hd_widen_call *seen = find_call(r, f->syscall);
	if (seen) {
		if (rank >= seen->rank)
			return 0;
		/* stronger evidence from another program: cite that one */
		char *prog = strdup(program), *ev = best ? evidence_text(best) : NULL;
		if (!prog || (best && !ev)) {
			free(prog);
			free(ev);
			return -ENOMEM;
		}
		free(seen->program);
		free(seen->evidence);
		seen->program = prog;
		seen->evidence = ev;
		seen->rank = rank;
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		struct hd_widen_call *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	struct hd_widen_call *c = &r->v[r->n];
	memset(c, 0, sizeof(*c));
	c->rank = rank;
	r->n++;
	if (!(c->syscall = strdup(f->syscall)) || !(c->program = strdup(program)) ||
	    (f->n_evidence && !(c->evidence = evidence_text(f->evidence[0]))))
		return -ENOMEM;
	return cover_group(&f->groups, sdver, &c->cover);
}

static int by_cover_then_name(const void *a, const void *b)
{
	const struct hd_widen_call *x = a, *y = b;
	if (!x->cover != !y->cover)
		return x->cover ? -1 : 1;
	int c = x->cover ? strcmp(x->cover, y->cover) : 0;
	return c ? c : strcmp(x->syscall, y->syscall);
}

static int collect(struct hd_widen_report *out, const struct hd_check_report *rep, const char *main_program,
		   int sdver)
{
	int r = 0;
	for (size_t i = 0; r >= 0 && i < rep->n; i++) {
		const struct hd_check_command *cmd = &rep->v[i];
		for (size_t j = 0; r >= 0 && j < cmd->n; j++) {
			const struct hd_check_program *p = &cmd->v[j];
			if ((r = hd_strv_push_unique(&out->scanned, p->path)) < 0)
				break;
			if (p->kind == HD_CHECK_PROGRAM_UNREADABLE || p->kind == HD_CHECK_PROGRAM_MALFORMED) {
				r = hd_strv_pushf(&out->problems, "%s: %s", p->path,
						  p->kind == HD_CHECK_PROGRAM_MALFORMED ? "its #! line cannot be parsed"
											: strerror(p->error));
				continue;
			}
			if (p->kind != HD_CHECK_PROGRAM_ELF)
				continue;
			for (size_t k = 0; r >= 0 && k < p->scan.limits.n && out->limits.n < WIDEN_MAX_LIMITS; k++)
				r = hd_strv_push_unique(&out->limits, p->scan.limits.v[k]);
			for (size_t k = 0; r >= 0 && k < p->n; k++) {
				const struct hd_check_finding *f = &p->v[k];
				if (f->kind == HD_CHECK_ARCH_KILLED || f->kind == HD_CHECK_NOT_INSTALLED)
					r = hd_strv_pushf(&out->problems, "%s: %s", p->path, f->reason ? f->reason : "?");
				else if (f->kind == HD_CHECK_BLOCKED && f->syscall && f->origin &&
					 strcmp(f->origin, "SystemCallFilter") != 0) {
					/* argument-free rules of other settings (RestrictAddressFamilies=none refuses
					 * socket): allowing the name would not help, so it is listed, not widened */
					char *e = NULL;
					if (asprintf(&e, "%s (%s=)", f->syscall, f->origin) < 0)
						r = -ENOMEM;
					else if (!hd_strv_contains(&out->other_settings, e))
						r = hd_strv_push(&out->other_settings, e);
					free(e);
				} else if (f->kind == HD_CHECK_BLOCKED && f->syscall)
					r = add_call(out, f, p->path, main_program, sdver);
			}
		}
	}
	return r;
}

/* Every executable of p against s, into out (pass 0), or (pass 1) only to find the calls of out that s
 * still refuses once they are allowed by name: another setting refuses them too. */
static int compare_all(const struct hd_profile *p, const struct hd_seccomp_settings *s, int sdver, int pass,
		       struct hd_widen_report *out)
{
	struct hd_check_options co = { .sdver = sdver };
	struct hd_widen_report again = { 0 };
	/* the service's main program: the executable of the first command traced (a unit's ExecStart=) */
	char *main_program = p->commands.n ? strndup(p->commands.v[0], strcspn(p->commands.v[0], " \t")) : NULL;
	int r = 0;
	for (size_t i = 0; r >= 0 && i < p->executables.n; i++) {
		const char *path = p->executables.v[i];
		if (path[0] != '/') {
			r = hd_strv_pushf(&out->problems, "%s: not an absolute path", path);
			continue;
		}
		char *word = command_word(path);
		struct hd_check_report rep = { 0 };
		hd_diags d = { 0 }; /* what check would print: the report's program kinds carry it */
		r = word ? hd_check_exec(s, word, &co, &rep, &d) : -ENOMEM;
		if (r >= 0)
			r = collect(pass ? &again : out, &rep, main_program, sdver);
		/* a command that yields no program (not found, not a file): check's error says why */
		for (size_t k = 0; r >= 0 && !rep.n && k < d.n; k++)
			if (d.v[k].severity == HD_ERROR)
				r = hd_strv_pushf(&out->problems, "%s", d.v[k].text);
		hd_check_report_free(&rep);
		hd_diags_free(&d);
		free(word);
	}
	/* still refused with the name allowed: another setting refuses it too, so widening would not help */
	for (size_t i = 0; r >= 0 && i < again.n; i++)
		r = hd_strv_pushf(&again.other_settings, "%s (still refused when allowed by name)", again.v[i].syscall);
	for (size_t i = 0; r >= 0 && i < again.other_settings.n; i++) {
		const char *e = again.other_settings.v[i];
		size_t n = strcspn(e, " ");
		for (size_t k = 0; k < out->n; k++)
			if (strncmp(out->v[k].syscall, e, n) == 0 && !out->v[k].syscall[n]) {
				struct hd_widen_call *c = &out->v[k];
				free(c->syscall);
				free(c->cover);
				free(c->program);
				free(c->evidence);
				*c = out->v[--out->n];
				break;
			}
		if (!hd_strv_contains(&out->other_settings, e))
			r = hd_strv_push(&out->other_settings, e);
	}
	hd_widen_report_free(&again);
	free(main_program);
	return r;
}

int hd_widen_find(const struct hd_profile *p, const struct hd_suggestion *sug, int sdver,
		  struct hd_widen_report *out)
{
	memset(out, 0, sizeof(*out));
	struct hd_seccomp_settings s;
	hd_seccomp_settings_init(&s);
	int r = suggestion_seccomp(sug, sdver, &s);
	if (r >= 0)
		r = compare_all(p, &s, sdver, 0, out);
	if (r >= 0 && out->n) {
		/* pass 1: the same programs with every name found allowed, as --widen=static would */
		char *names = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&names, &len);
		if (!f)
			r = -ENOMEM;
		for (size_t i = 0; f && i < out->n; i++)
			fprintf(f, "%s%s", i ? " " : "", out->v[i].syscall);
		if (f && fclose(f) != 0)
			r = -ENOMEM;
		hd_diags d = { 0 };
		if (r >= 0 && (r = hd_seccomp_apply(&s, "SystemCallFilter", names, sdver, "<widened>", 1, &d)) >= 0)
			r = compare_all(p, &s, sdver, 1, out);
		hd_diags_free(&d);
		free(names);
	}
	hd_seccomp_settings_free(&s);
	if (r >= 0 && out->n)
		qsort(out->v, out->n, sizeof(*out->v), by_cover_then_name);
	return r < 0 ? r : 0;
}

int hd_widen_names(const struct hd_widen_report *r, hd_strv *out)
{
	for (size_t i = 0; i < r->n; i++)
		if (hd_strv_push_unique(out, r->v[i].syscall) < 0)
			return -ENOMEM;
	hd_strv_sort(out);
	return 0;
}

/* Exposure (tenths) of the unit under sug plus one more SystemCallFilter= line; -1 if it cannot be scored. */
static int exposure_with(const struct hd_suggestion *sug, const char *extra, const char *unit_path, int sdver)
{
	struct hd_suggestion more = *sug;
	more.v = malloc((sug->n + 1) * sizeof(*more.v));
	if (!more.v)
		return -1;
	if (sug->n)
		memcpy(more.v, sug->v, sug->n * sizeof(*more.v));
	if (extra)
		more.v[more.n++] = (struct hd_suggest_line){ .key = "SystemCallFilter", .value = (char *)extra, .why = "" };
	unsigned before = 0, after = 0;
	hd_diags d = { 0 };
	int r = hd_suggestion_exposure(&more, unit_path, sdver, &before, &after, &d);
	hd_diags_free(&d);
	free(more.v);
	return r < 0 ? -1 : (int)after;
}

static void cost_text(FILE *f, int base, int with)
{
	if (base < 0 || with < 0)
		fputs("cost not computed", f);
	else if (with == base)
		fputs("exposure +0.0", f);
	else
		fprintf(f, "exposure %s%d.%d", with > base ? "+" : "-", abs(with - base) / 10, abs(with - base) % 10);
}

/* One line per cover: "@chown (exposure +0.0): fchown fchownat — /usr/sbin/nginx (libc.so.6: ...)". */
static void cover_line(FILE *f, const struct hd_widen_report *r, size_t from, size_t to,
		       const struct hd_suggestion *sug, const char *unit_path, int sdver, int base)
{
	const char *cover = r->v[from].cover;
	char *names = NULL;
	size_t len = 0;
	FILE *nf = open_memstream(&names, &len);
	if (!nf)
		return;
	for (size_t i = from; i < to; i++)
		fprintf(nf, "%s%s", i > from ? " " : "", r->v[i].syscall);
	if (fclose(nf) != 0) {
		free(names);
		return;
	}
	fprintf(f, "  %s (", cover ? cover : "in no group, by name");
	cost_text(f, base, exposure_with(sug, cover ? cover : names, unit_path, sdver));
	fprintf(f, "): %s\n", names);
	for (size_t i = from; i < to; i++)
		fprintf(f, "    %s: %s%s%s\n", r->v[i].syscall, r->v[i].program, r->v[i].evidence ? ", " : "",
			r->v[i].evidence ? r->v[i].evidence : "");
	free(names);
}

int hd_widen_text(const struct hd_widen_report *r, const struct hd_suggestion *sug, const char *unit_path,
		  int sdver, bool folded, char **out)
{
	size_t len = 0;
	*out = NULL;
	FILE *f = open_memstream(out, &len);
	if (!f)
		return -ENOMEM;
	if (!r->scanned.n && !r->problems.n && !r->other_settings.n) {
		fputs("Not sure of: nothing could be compared with the programs' static evidence: the profile names "
		      "no executed file (an attach session, or a profile from before harden recorded them).\n", f);
	} else if (!r->n) {
		fprintf(f, "Not sure of: nothing. Every call the %zu program(s) that ran can reach (harden check's "
			   "static evidence) is allowed.\n", r->scanned.n);
	} else {
		int base = exposure_with(sug, NULL, unit_path, sdver);
		hd_strv all = { 0 };
		fprintf(f, "Not sure of: %zu call(s) no run saw, that the %zu program(s) that ran can reach "
			   "(harden check's static evidence; it over-approximates). %s\n",
			r->n, r->scanned.n,
			folded ? "--widen=static allowed them above." : "Allowed only with --widen=static (safe) "
									  "instead of tight:");
		for (size_t i = 0; i < r->n;) {
			size_t j = i + 1;
			while (j < r->n && !r->v[j].cover == !r->v[i].cover &&
			       (!r->v[i].cover || strcmp(r->v[j].cover, r->v[i].cover) == 0))
				j++;
			cover_line(f, r, i, j, sug, unit_path, sdver, base);
			i = j;
		}
		if (hd_widen_names(r, &all) == 0) {
			char *names = NULL;
			size_t nl = 0;
			FILE *nf = open_memstream(&names, &nl);
			if (nf) {
				for (size_t i = 0; i < all.n; i++)
					fprintf(nf, "%s%s", i ? " " : "", all.v[i]);
				if (fclose(nf) == 0) {
					fputs("  all of them by name: ", f);
					cost_text(f, base, exposure_with(sug, names, unit_path, sdver));
					fputc('\n', f);
				}
				free(names);
			}
		}
		hd_strv_free(&all);
	}
	if (r->other_settings.n) {
		fputs("Refused by another setting, so not widened (turn it off if the program needs it):", f);
		for (size_t i = 0; i < r->other_settings.n; i++)
			fprintf(f, "%s %s", i ? "," : "", r->other_settings.v[i]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < r->problems.n; i++)
		fprintf(f, "Not compared: %s\n", r->problems.v[i]);
	for (size_t i = 0; i < r->limits.n; i++)
		fprintf(f, "Static analysis cannot see: %s\n", r->limits.v[i]);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}
