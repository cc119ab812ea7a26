/* SPDX-License-Identifier: MIT */
/* harden check: predict, before deploying, which syscalls a unit's filter will block in the programs it runs. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "elf/elfscan.h"
#include "unit/execcmd.h"
#include "filter/filter.h"
#include "syscalls/groups.h"
#include "syscalls/syscalls.h"
#include "unit/unit.h"

/* The settings whose commands run under the unit's seccomp filter, in the order systemd runs them. */
static const char *const exec_keys[] = {
	"ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost", NULL,
};

#define MAX_INTERPRETER_DEPTH 4 /* the kernel allows 4 levels of #! (BINPRM_MAX_RECURSION) */
#define TEXT_EVIDENCE_MAX 3      /* evidence lines per blocked syscall in text output */

static void help(void)
{
	printf("Usage: %s check [OPTIONS] UNIT-FILE...\n"
	       "       %s check [OPTIONS] -p SETTING=VALUE... --exec BINARY...\n"
	       "\n"
	       "Predict, before deploying, which syscalls a unit's SystemCallFilter= would block in the programs\n"
	       "it runs. For each ExecCondition=, ExecStartPre=, ExecStart=, ExecStartPost=, ExecReload=,\n"
	       "ExecStop= and ExecStopPost= command, the executable is found as systemd finds it (prefixes\n"
	       "- @ : + ! !!, bare names in %s), '#!' interpreters are followed,\n"
	       "and the ELF file and its libraries are read (no program is run) for static evidence of syscalls:\n"
	       "  direct import            it imports the libc wrapper named like the syscall (fchown)\n"
	       "  wrapper-inferred         it imports a libc function known to make it (fopen -> openat)\n"
	       "  raw syscall instruction  a syscall instruction with a constant number (x86-64, aarch64)\n"
	       "  C runtime start-up       what the dynamic loader and libc do before main()\n"
	       "Each syscall the unit's seccomp filters would refuse (SystemCallFilter=, SystemCallErrorNumber=,\n"
	       "SystemCallArchitectures= and the settings systemd implements with seccomp: ProtectClock=,\n"
	       "ProtectKernelModules=, PrivateDevices=, ...) is listed with its evidence, the groups holding it\n"
	       "and a fix. Calls refused only for some argument values (RestrictSUIDSGID=,\n"
	       "MemoryDenyWriteExecute=, RestrictNamespaces=, ...) are listed apart and not counted, and so are\n"
	       "calls refused with an errno glibc copes with (clone3 with ENOSYS: it retries with clone).\n"
	       "\n"
	       "  -p, --property=SETTING=VALUE  a [Service] assignment (repeatable, in order); with --exec\n"
	       "      --exec=BINARY             check this program (repeatable; a bare name is looked up in PATH\n"
	       "                                as systemd does)\n"
	       "      --root=DIR                find binaries and libraries under DIR\n"
	       "      --systemd=252|latest      filter semantics and group tables (default: the installed\n"
	       "                                systemd if it is 252, else latest)\n"
	       "      --json                    print the report as JSON\n"
	       "      --strict                  exit 1 if any syscall may be blocked (for CI)\n"
	       "  -h, --help                    this text\n"
	       "\n"
	       "Not analysed, and said so in the report: libraries loaded with dlopen (NSS, gconv, Python\n"
	       "extension modules), syscall() and syscall instructions with numbers computed at run time, what\n"
	       "an interpreter's script does, programs started by the checked program, and libc functions\n"
	       "missing from harden's wrapper table. Commands with the '+' prefix run without any filter.\n"
	       "Static evidence over-approximates: a listed syscall may never be made on the paths you use.\n"
	       "\n"
	       "Exit status: 0 checked (and nothing blocked, with --strict), 1 --strict and something may be\n"
	       "blocked, or a unit/binary could not be read, 2 usage error.\n"
	       "\n"
	       "Example: %s check --strict myservice.service\n"
	       "         %s check -p SystemCallFilter=@system-service -p 'SystemCallFilter=~@chown' --exec sed\n",
	       cli_program, cli_program, HD_EXEC_SEARCH_PATH, cli_program, cli_program);
}

struct check_ctx {
	int sdver;
	bool json;
	const char *root;
	unsigned n_blocked;  /* syscalls that may be blocked, over every command */
	unsigned n_commands; /* commands checked */
	unsigned n_errors;   /* units or binaries that could not be read */
	json_object *jout;   /* array of command reports (--json) */
};

/* ---- the filter side ---- */

/* The unconditional rule's origin for nr, or NULL when the default action decides. */
static const char *rule_origin(const struct hd_ruleset *rs, int nr)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].nr == nr && rs->v[i].n_cmps == 0)
			return rs->v[i].origin;
	return NULL;
}

static int evidence_rank(enum hd_evidence_kind k)
{
	switch (k) {
	case HD_EV_DIRECT_IMPORT: return 0;
	case HD_EV_WRAPPER: return 1;
	case HD_EV_INSTRUCTION: return 2;
	default: return 3;
	}
}

static json_object *evidence_json(const struct hd_elf_evidence *e)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "confidence", json_object_new_string(hd_evidence_kind_name(e->kind)));
	if (e->object)
		json_object_object_add(o, "object", json_object_new_string(e->object));
	if (e->symbol)
		json_object_object_add(o, "symbol", json_object_new_string(e->symbol));
	if (e->kind == HD_EV_INSTRUCTION) {
		char a[32];
		snprintf(a, sizeof(a), "0x%llx", (unsigned long long)e->address);
		json_object_object_add(o, "address", json_object_new_string(a));
	}
	return o;
}

static void print_evidence(const struct hd_elf_evidence *e)
{
	const char *kind = hd_evidence_kind_name(e->kind);
	switch (e->kind) {
	case HD_EV_DIRECT_IMPORT:
	case HD_EV_WRAPPER:
		printf("      evidence (%s): %s imports %s\n", kind, e->object, e->symbol);
		break;
	case HD_EV_INSTRUCTION:
		printf("      evidence (%s): %s at 0x%llx\n", kind, e->object, (unsigned long long)e->address);
		break;
	default:
		printf("      evidence (%s)\n", kind);
	}
}

/* Compare one scanned program with the filter; print/collect every syscall that may be blocked. */
static int compare(struct check_ctx *ctx, const struct hd_seccomp_settings *s, const struct hd_elf_scan *scan,
		   json_object *jblocked, json_object *jcond, json_object *jharmless)
{
	const struct hd_arch_info *ai = hd_arch_info(scan->arch);
	if (!hd_seccomp_arch_allowed(s, scan->arch)) {
		ctx->n_blocked++;
		if (!ctx->json)
			printf("    BLOCKED: every syscall: %s is not in SystemCallArchitectures= (the process is killed)\n"
			       "      fix: add SystemCallArchitectures=%s\n",
			       ai ? ai->name : "?", ai ? ai->name : "?");
		json_object *b = json_object_new_object();
		json_object_object_add(b, "syscall", json_object_new_string("*"));
		json_object_object_add(b, "action", json_object_new_string("kill"));
		json_object_object_add(b, "reason", json_object_new_string("architecture not in SystemCallArchitectures="));
		json_object_array_add(jblocked, b);
		return 0;
	}
	struct hd_ruleset rs;
	memset(&rs, 0, sizeof(rs));
	/* every seccomp-backed setting's filter, stacked as the kernel runs them */
	int r = hd_ruleset_build_full(s, scan->arch, ctx->sdver, &rs);
	if (r < 0)
		return r;
	if (rs.install_error) {
		ctx->n_blocked++;
		if (!ctx->json)
			printf("    BLOCKED: everything: systemd cannot install this filter, the service would not start: %s\n",
			       rs.install_error);
		json_object *b = json_object_new_object();
		json_object_object_add(b, "syscall", json_object_new_string("*"));
		json_object_object_add(b, "reason", json_object_new_string(rs.install_error));
		json_object_array_add(jblocked, b);
	}
	for (size_t i = 0; i < scan->syscalls.n; i++) {
		const char *name = scan->syscalls.v[i];
		int nr = hd_syscall_nr(name, scan->arch, NULL);
		if (nr == HD_NR_NONE)
			continue;
		bool cond = false;
		hd_action act = hd_ruleset_action(&rs, nr, &cond);
		if (hd_action_allows(act)) {
			/* refused only for some argument values (RestrictSUIDSGID=, MemoryDenyWriteExecute=, ...):
			 * listed, not counted, since static evidence does not see arguments */
			for (size_t k = 0; cond && k < rs.n; k++) {
				const struct hd_rule *ru = &rs.v[k];
				if (ru->nr != nr || ru->n_cmps == 0 || hd_action_allows(ru->action))
					continue;
				bool seen = false; /* one line per (syscall, setting) */
				for (size_t q = 0; q < k && !seen; q++)
					seen = rs.v[q].nr == nr && rs.v[q].n_cmps && !hd_action_allows(rs.v[q].action) &&
					       strcmp(rs.v[q].origin, ru->origin) == 0;
				if (seen)
					continue;
				char cb[64];
				hd_action_format(ru->action, cb, sizeof(cb));
				if (!ctx->json)
					printf("    for some arguments: %s -> %s (%s=)\n", name, cb, ru->origin);
				json_object *c = json_object_new_object();
				json_object_object_add(c, "syscall", json_object_new_string(name));
				json_object_object_add(c, "action", json_object_new_string(cb));
				json_object_object_add(c, "setting", json_object_new_string(ru->origin));
				json_object_array_add(jcond, c);
			}
			continue;
		}
		char abuf[64];
		hd_action_format(act, abuf, sizeof(abuf));
		/* refused with an errno libc copes with: listed, not counted */
		const struct hd_libc_fallback *fb =
			act.kind == HD_ACT_ERRNO && scan->libc == HD_LIBC_GLIBC ? hd_libc_fallback_find(name, act.errno_value) : NULL;
		if (fb && *fb->fallback) {
			int fnr = hd_syscall_nr(fb->fallback, scan->arch, NULL);
			if (fnr == HD_NR_NONE || !hd_action_allows(hd_ruleset_action(&rs, fnr, NULL)))
				fb = NULL; /* the fallback is refused too */
		}
		if (fb) {
			if (!ctx->json)
				printf("    refused but harmless: %s -> %s; %s\n", name, abuf, fb->why);
			json_object *h = json_object_new_object();
			json_object_object_add(h, "syscall", json_object_new_string(name));
			json_object_object_add(h, "action", json_object_new_string(abuf));
			json_object_object_add(h, "fallback", json_object_new_string(fb->fallback));
			json_object_object_add(h, "why", json_object_new_string(fb->why));
			json_object_array_add(jharmless, h);
			continue;
		}
		ctx->n_blocked++;
		const char *origin = rule_origin(&rs, nr);
		hd_strv paths = { 0 };
		if (hd_group_paths(name, ctx->sdver, &paths) < 0) {
			hd_ruleset_free(&rs);
			return -ENOMEM;
		}
		char fix[256];
		if (!origin || strcmp(origin, "SystemCallFilter") == 0)
			snprintf(fix, sizeof(fix),
				 "add 'SystemCallFilter=%s' after the unit's other SystemCallFilter= lines (it allows it in an "
				 "allow list and removes it from a deny list)",
				 name);
		else
			snprintf(fix, sizeof(fix), "the rule comes from %s=: turn that setting off (or drop it) if the program needs %s",
				 origin, name);

		json_object *b = json_object_new_object();
		json_object_object_add(b, "syscall", json_object_new_string(name));
		json_object_object_add(b, "nr", json_object_new_int(nr));
		json_object_object_add(b, "action", json_object_new_string(abuf));
		json_object *jg = json_object_new_array();
		for (size_t k = 0; k < paths.n; k++)
			json_object_array_add(jg, json_object_new_string(paths.v[k]));
		json_object_object_add(b, "groups", jg);
		json_object *je = json_object_new_array();
		if (!ctx->json) {
			printf("    BLOCKED: %s -> %s\n", name, abuf);
			printf("      groups: ");
			for (size_t k = 0; k < paths.n && k < 6; k++)
				printf("%s%s", k ? ", " : "", paths.v[k]);
			printf("%s\n", paths.n > 6 ? ", ..." : (paths.n ? "" : "(none)"));
		}
		/* best evidence first */
		unsigned shown = 0;
		for (int rank = 0; rank < 4; rank++)
			for (size_t k = 0; k < scan->n; k++) {
				const struct hd_elf_evidence *e = &scan->v[k];
				if (strcmp(e->syscall, name) != 0 || evidence_rank(e->kind) != rank)
					continue;
				json_object_array_add(je, evidence_json(e));
				if (!ctx->json && shown++ < TEXT_EVIDENCE_MAX)
					print_evidence(e);
			}
		if (!ctx->json && shown > TEXT_EVIDENCE_MAX)
			printf("      ... and %u more\n", shown - TEXT_EVIDENCE_MAX);
		if (!ctx->json)
			printf("      fix: %s\n", fix);
		json_object_object_add(b, "evidence", je);
		json_object_object_add(b, "fix", json_object_new_string(fix));
		json_object_array_add(jblocked, b);
		hd_strv_free(&paths);
	}
	hd_ruleset_free(&rs);
	return 0;
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

/* Scan path, following #! interpreters; each scanned ELF program is compared with the filter. */
static int check_program(struct check_ctx *ctx, const struct hd_seccomp_settings *s, const char *path, int depth,
			 json_object *jprog_list, hd_diags *diags)
{
	char head[256];
	ssize_t hn = read_head(path, head, sizeof(head));
	if (hn < 0) {
		hd_diag_add(diags, HD_ERROR, path, 0, "cannot read: %s", strerror((int)-hn));
		ctx->n_errors++;
		return 0;
	}
	json_object *jp = json_object_new_object();
	json_object_object_add(jp, "path", json_object_new_string(path));
	json_object_array_add(jprog_list, jp);
	char *interp = NULL, *arg = NULL;
	int r = hd_shebang_parse(head, (size_t)hn, &interp, &arg);
	if (r < 0 && r != -ENOMEM) {
		hd_diag_add(diags, HD_ERROR, path, 0, "malformed '#!' line");
		ctx->n_errors++;
		return 0;
	}
	if (r < 0)
		return r;
	if (r == 1) {
		json_object_object_add(jp, "script", json_object_new_boolean(true));
		json_object_object_add(jp, "interpreter", json_object_new_string(interp));
		if (!ctx->json)
			printf("  script %s: interpreter %s%s%s (the script's own actions are not analysed)\n", path, interp,
			       arg ? " " : "", arg ? arg : "");
		if (depth >= MAX_INTERPRETER_DEPTH) {
			hd_diag_add(diags, HD_ERROR, path, 0, "too many levels of '#!' interpreters");
			ctx->n_errors++;
		} else {
			char *ipath = NULL;
			r = hd_exec_resolve(interp, ctx->root, &ipath);
			if (r == -ENOENT) {
				hd_diag_add(diags, HD_ERROR, path, 0, "interpreter %s not found", interp);
				ctx->n_errors++;
				r = 0;
			} else if (r == 0) {
				r = check_program(ctx, s, ipath, depth + 1, jprog_list, diags);
				/* "#!/usr/bin/env python3": env runs the named program from PATH */
				const char *b = strrchr(interp, '/');
				if (r >= 0 && arg && strcmp(b ? b + 1 : interp, "env") == 0 && arg[0] != '-' &&
				    !strchr(arg, ' ')) {
					char *epath = NULL;
					int er = hd_exec_resolve(arg, ctx->root, &epath);
					if (er == 0)
						r = check_program(ctx, s, epath, depth + 1, jprog_list, diags);
					else if (er == -ENOENT)
						hd_diag_add(diags, HD_WARNING, path, 0, "env runs %s, not found in PATH", arg);
					free(epath);
				}
			}
			free(ipath);
		}
		free(interp);
		free(arg);
		return r;
	}

	struct hd_elf_scan scan;
	hd_elf_scan_init(&scan);
	struct hd_elf_scan_options opt = { .root = ctx->root, .follow_needed = true };
	r = hd_elf_scan_file(path, &opt, &scan, diags);
	if (r == -ENOMEM) {
		hd_elf_scan_free(&scan);
		return r;
	}
	if (r < 0) {
		ctx->n_errors++;
		hd_elf_scan_free(&scan);
		json_object_object_add(jp, "error", json_object_new_string(strerror(-r)));
		return 0;
	}
	const struct hd_arch_info *ai = hd_arch_info(scan.arch);
	if (!ctx->json)
		printf("  binary %s: %s, %s, %s, %zu object(s), %zu syscalls with static evidence "
		       "(%u imports, %u of them in libraries but unreachable from what is used)\n",
		       path, ai ? ai->name : "?", scan.libc == HD_LIBC_MUSL ? "musl" : "glibc",
		       scan.is_static ? "static" : "dynamic", scan.objects.n, scan.syscalls.n, scan.n_imports,
		       scan.n_unreached_imports);
	json_object_object_add(jp, "imports", json_object_new_int((int)scan.n_imports));
	json_object_object_add(jp, "unreachable_library_imports", json_object_new_int((int)scan.n_unreached_imports));
	json_object_object_add(jp, "arch", json_object_new_string(ai ? ai->name : "?"));
	json_object_object_add(jp, "libc", json_object_new_string(scan.libc == HD_LIBC_MUSL ? "musl" : "glibc"));
	json_object_object_add(jp, "static", json_object_new_boolean(scan.is_static));
	json_object *jo = json_object_new_array();
	for (size_t i = 0; i < scan.objects.n; i++)
		json_object_array_add(jo, json_object_new_string(scan.objects.v[i]));
	json_object_object_add(jp, "objects", jo);
	json_object *js = json_object_new_array();
	for (size_t i = 0; i < scan.syscalls.n; i++)
		json_object_array_add(js, json_object_new_string(scan.syscalls.v[i]));
	json_object_object_add(jp, "syscalls", js);
	json_object *jblocked = json_object_new_array();
	json_object_object_add(jp, "blocked", jblocked);
	json_object *jcond = json_object_new_array();
	json_object_object_add(jp, "refused_for_some_arguments", jcond);
	json_object *jharmless = json_object_new_array();
	json_object_object_add(jp, "refused_but_libc_copes", jharmless);
	r = compare(ctx, s, &scan, jblocked, jcond, jharmless);
	json_object *jl = json_object_new_array();
	for (size_t i = 0; i < scan.limits.n; i++) {
		json_object_array_add(jl, json_object_new_string(scan.limits.v[i]));
		if (!ctx->json)
			printf("    not analysed: %s\n", scan.limits.v[i]);
	}
	json_object_object_add(jp, "not_analysed", jl);
	hd_elf_scan_free(&scan);
	return r;
}

static int check_command(struct check_ctx *ctx, const struct hd_seccomp_settings *s, const char *key,
			 const struct hd_unit *u, const char *file, unsigned line, const char *value, hd_diags *diags)
{
	struct hd_exec_line el = { 0 };
	int r = hd_exec_parse(value, file, line, &el, diags);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		ctx->n_errors++;
		hd_exec_line_free(&el);
		return 0;
	}
	for (size_t i = 0; i < el.n && r >= 0; i++) {
		const struct hd_exec_command *c = &el.v[i];
		ctx->n_commands++;
		char *path = NULL;
		if (u && !(c->flags & HD_EXEC_NO_ENV_EXPAND) && hd_unit_expand_specifiers(u, c->path, &path) < 0) {
			hd_diag_add(diags, HD_ERROR, file, line, "bad specifier in '%s'", c->path);
			ctx->n_errors++;
			continue;
		}
		if (!path && !(path = strdup(c->path)))
			return -ENOMEM;
		json_object *jc = json_object_new_object();
		json_object_object_add(jc, "setting", json_object_new_string(key));
		if (file)
			json_object_object_add(jc, "file", json_object_new_string(file));
		json_object_object_add(jc, "line", json_object_new_int((int)line));
		json_object_object_add(jc, "command", json_object_new_string(path));
		json_object *jprogs = json_object_new_array();
		json_object_object_add(jc, "programs", jprogs);
		json_object_array_add(ctx->jout, jc);
		if (!ctx->json) {
			if (file)
				printf("%s:%u: %s=%s\n", file, line, key, value);
			else
				printf("%s %s\n", key, path);
		}
		if (c->flags & HD_EXEC_FULL_PRIVILEGE) {
			json_object_object_add(jc, "unfiltered", json_object_new_boolean(true));
			if (!ctx->json)
				printf("  '+' prefix: runs with full privileges and no seccomp filter; nothing to check\n");
			free(path);
			continue;
		}
		char *resolved = NULL;
		r = hd_exec_resolve(path, ctx->root, &resolved);
		if (r == -ENOENT) {
			hd_diag_add(diags, HD_ERROR, file, line, "%s: executable not found%s", path,
				    path[0] == '/' ? "" : " in " HD_EXEC_SEARCH_PATH);
			ctx->n_errors++;
			r = 0;
		} else if (r == 0) {
			r = check_program(ctx, s, resolved, 0, jprogs, diags);
		}
		free(resolved);
		free(path);
	}
	hd_exec_line_free(&el);
	return r;
}

static bool is_exec_key(const char *key)
{
	for (size_t i = 0; exec_keys[i]; i++)
		if (strcmp(exec_keys[i], key) == 0)
			return true;
	return false;
}

/* One unit file: fold its [Service] lines into settings and Exec lists, then check each command. */
static int check_unit(struct check_ctx *ctx, const char *path, hd_diags *diags)
{
	struct hd_unit u;
	memset(&u, 0, sizeof(u));
	struct hd_unit_load_options lo = { .sdver = ctx->sdver, .parse_only = 1, .root = NULL };
	int r = hd_unit_load(path, &lo, &u, diags);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (hd_diags_count(diags, HD_ERROR) == 0)
			hd_diag_add(diags, HD_ERROR, path, 0, "cannot load unit: %s", strerror(-r));
		ctx->n_errors++;
		hd_unit_free(&u);
		return 0;
	}
	struct hd_seccomp_settings s;
	hd_seccomp_settings_init(&s);
	/* exec commands in effect: an empty assignment resets that setting's list, as in systemd */
	size_t *keep = calloc(u.n ? u.n : 1, sizeof(*keep));
	size_t n_keep = 0;
	if (!keep) {
		hd_unit_free(&u);
		return -ENOMEM;
	}
	r = hd_seccomp_apply_unit(&s, &u, ctx->sdver, diags);
	if (r >= 0)
		r = hd_seccomp_check(&s, ctx->sdver, u.path ? u.path : path, diags);
	for (size_t i = 0; i < u.n && r >= 0; i++) {
		const struct hd_unit_assignment *a = &u.v[i];
		if (strcmp(a->section, "Service") != 0)
			continue;
		if (is_exec_key(a->key)) {
			if (!*a->value) {
				size_t w = 0;
				for (size_t k = 0; k < n_keep; k++)
					if (strcmp(u.v[keep[k]].key, a->key) != 0)
						keep[w++] = keep[k];
				n_keep = w;
			} else {
				keep[n_keep++] = i;
			}
		}
	}
	if (r >= 0 && !ctx->json)
		printf("%s:\n", u.path ? u.path : path);
	for (size_t k0 = 0; exec_keys[k0] && r >= 0; k0++)
		for (size_t k = 0; k < n_keep && r >= 0; k++) {
			const struct hd_unit_assignment *a = &u.v[keep[k]];
			if (strcmp(a->key, exec_keys[k0]) == 0)
				r = check_command(ctx, &s, a->key, &u, a->file, a->line, a->value, diags);
		}
	free(keep);
	hd_seccomp_settings_free(&s);
	hd_unit_free(&u);
	return r < 0 ? r : 0;
}

int verb_check(int argc, char **argv)
{
	enum { OPT_JSON = 0x100, OPT_STRICT, OPT_SYSTEMD, OPT_EXEC, OPT_ROOT };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "property", required_argument, NULL, 'p' },
		{ "exec", required_argument, NULL, OPT_EXEC },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "systemd", required_argument, NULL, OPT_SYSTEMD },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ NULL, 0, NULL, 0 },
	};
	struct check_ctx ctx = { .sdver = hd_systemd_version_default() };
	bool strict = false;
	hd_strv props = { 0 }, execs = { 0 };
	int c, ret = EXIT_OK;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+hp:", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			hd_strv_free(&props);
			hd_strv_free(&execs);
			return EXIT_OK;
		case 'p':
			if (hd_strv_push(&props, optarg) < 0)
				goto oom;
			break;
		case OPT_EXEC:
			if (hd_strv_push(&execs, optarg) < 0)
				goto oom;
			break;
		case OPT_ROOT:
			ctx.root = optarg;
			break;
		case OPT_SYSTEMD:
			if (cli_parse_systemd_version("check", optarg, &ctx.sdver) != 0) {
				ret = EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_JSON:
			ctx.json = true;
			break;
		case OPT_STRICT:
			strict = true;
			break;
		default:
			ret = optopt ? cli_usage_error("check", "unknown option '-%c'", optopt)
				     : cli_usage_error("check", "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	int n_units = argc - optind;
	if (execs.n == 0 && n_units == 0) {
		ret = cli_usage_error("check", "expected UNIT-FILE... or --exec BINARY");
		goto out;
	}
	if (execs.n && n_units) {
		ret = cli_usage_error("check", "give either unit files or --exec, not both");
		goto out;
	}
	if (props.n && !execs.n) {
		ret = cli_usage_error("check", "-p needs --exec (unit files carry their own settings)");
		goto out;
	}

	hd_diags diags = { 0 };
	ctx.jout = json_object_new_array();
	int r = 0;
	if (execs.n) {
		struct hd_seccomp_settings s;
		hd_seccomp_settings_init(&s);
		for (size_t i = 0; i < props.n && r >= 0; i++) {
			const char *eq = strchr(props.v[i], '=');
			if (!eq || eq == props.v[i]) {
				hd_seccomp_settings_free(&s);
				hd_diags_free(&diags);
				json_object_put(ctx.jout);
				ret = cli_usage_error("check", "-p '%s': expected SETTING=VALUE", props.v[i]);
				goto out;
			}
			char *key = strndup(props.v[i], (size_t)(eq - props.v[i]));
			if (!key) {
				r = -ENOMEM;
				break;
			}
			r = hd_seccomp_apply(&s, key, eq + 1, ctx.sdver, NULL, 0, &diags);
			if (r == 0)
				hd_diag_add(&diags, HD_WARNING, NULL, 0,
					    "-p %s: not a seccomp-backed setting, ignoring", key);
			free(key);
		}
		for (size_t i = 0; i < execs.n && r >= 0; i++) {
			/* an --exec value is one command word list, like an ExecStart= value */
			r = check_command(&ctx, &s, "--exec", NULL, NULL, 0, execs.v[i], &diags);
		}
		hd_seccomp_settings_free(&s);
	} else {
		for (int i = optind; i < argc && r >= 0; i++)
			r = check_unit(&ctx, argv[i], &diags);
	}
	if (r < 0) {
		fprintf(stderr, "%s check: %s\n", cli_program, strerror(-r));
		ret = EXIT_FINDINGS;
	}
	if (ctx.json) {
		json_object *top = json_object_new_object();
		json_object_object_add(top, "systemd", json_object_new_string(hd_systemd_version_name(ctx.sdver)));
		json_object_object_add(top, "commands", ctx.jout);
		json_object_object_add(top, "blocked", json_object_new_int((int)ctx.n_blocked));
		json_object_object_add(top, "errors", json_object_new_int((int)ctx.n_errors));
		printf("%s\n", json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(top);
	} else {
		json_object_put(ctx.jout);
		if (ctx.n_blocked)
			printf("%u syscall(s) may be blocked in %u command(s) checked\n", ctx.n_blocked, ctx.n_commands);
		else
			printf("no syscall with static evidence is blocked (%u command(s) checked)\n", ctx.n_commands);
	}
	cli_print_diags(&diags);
	hd_diags_free(&diags);
	if (ctx.n_errors || (strict && ctx.n_blocked))
		ret = EXIT_FINDINGS;
	if (r < 0)
		ret = EXIT_FINDINGS;
out:
	hd_strv_free(&props);
	hd_strv_free(&execs);
	return ret;
oom:
	fprintf(stderr, "%s check: out of memory\n", cli_program);
	hd_strv_free(&props);
	hd_strv_free(&execs);
	return EXIT_FINDINGS;
}
