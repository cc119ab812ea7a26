/* SPDX-License-Identifier: MIT */
/* harden check: predict, before deploying, which syscalls a unit's filter will block in the programs it runs. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "check/check.h"
#include "syscalls/groups.h"
#include "syscalls/syscalls.h"
#include "unit/execcmd.h"

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
	       "      --systemd=252..262|latest\n"
	       "                                filter semantics and group tables (default: the installed\n"
	       "                                systemd if harden models it, else latest = 262)\n"
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

/* ---- text ---- */

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

static const char *arch_name(hd_arch a)
{
	const struct hd_arch_info *ai = hd_arch_info(a);
	return ai ? ai->name : "?";
}

static void print_finding(const struct hd_check_program *p, const struct hd_check_finding *f)
{
	switch (f->kind) {
	case HD_CHECK_ARCH_KILLED:
		printf("    BLOCKED: every syscall: %s is not in SystemCallArchitectures= (the process is killed)\n"
		       "      fix: %s\n",
		       arch_name(p->scan.arch), f->fix);
		break;
	case HD_CHECK_NOT_INSTALLED:
		printf("    BLOCKED: everything: systemd cannot install this filter, the service would not start: %s\n",
		       f->reason);
		break;
	case HD_CHECK_CONDITIONAL:
		printf("    for some arguments: %s -> %s (%s=)\n", f->syscall, f->action, f->setting);
		break;
	case HD_CHECK_HARMLESS:
		printf("    refused but harmless: %s -> %s; %s\n", f->syscall, f->action, f->fallback->why);
		break;
	case HD_CHECK_BLOCKED:
		printf("    BLOCKED: %s -> %s\n", f->syscall, f->action);
		printf("      groups: ");
		for (size_t k = 0; k < f->groups.n && k < 6; k++)
			printf("%s%s", k ? ", " : "", f->groups.v[k]);
		printf("%s\n", f->groups.n > 6 ? ", ..." : (f->groups.n ? "" : "(none)"));
		for (size_t k = 0; k < f->n_evidence && k < TEXT_EVIDENCE_MAX; k++)
			print_evidence(f->evidence[k]);
		if (f->n_evidence > TEXT_EVIDENCE_MAX)
			printf("      ... and %zu more\n", f->n_evidence - TEXT_EVIDENCE_MAX);
		printf("      fix: %s\n", f->fix);
		break;
	}
}

static void print_program(const struct hd_check_program *p)
{
	const struct hd_elf_scan *scan = &p->scan;
	switch (p->kind) {
	case HD_CHECK_PROGRAM_SCRIPT:
		printf("  script %s: interpreter %s%s%s (the script's own actions are not analysed)\n", p->path,
		       p->interpreter, p->interpreter_arg ? " " : "", p->interpreter_arg ? p->interpreter_arg : "");
		return;
	case HD_CHECK_PROGRAM_MALFORMED:
	case HD_CHECK_PROGRAM_UNREADABLE:
		return; /* a diag says why */
	case HD_CHECK_PROGRAM_ELF:
		break;
	}
	printf("  binary %s: %s, %s, %s, %zu object(s), %zu syscalls with static evidence "
	       "(%u imports, %u of them in libraries but unreachable from what is used)\n",
	       p->path, arch_name(scan->arch), scan->libc == HD_LIBC_MUSL ? "musl" : "glibc",
	       scan->is_static ? "static" : "dynamic", scan->objects.n, scan->syscalls.n, scan->n_imports,
	       scan->n_unreached_imports);
	for (size_t i = 0; i < p->n; i++)
		print_finding(p, &p->v[i]);
	for (size_t i = 0; i < scan->limits.n; i++)
		printf("    not analysed: %s\n", scan->limits.v[i]);
}

static void print_report(const struct hd_check_report *rep)
{
	if (rep->unit)
		printf("%s:\n", rep->unit);
	for (size_t i = 0; i < rep->n; i++) {
		const struct hd_check_command *c = &rep->v[i];
		if (c->file)
			printf("%s:%u: %s=%s\n", c->file, c->line, c->setting, c->value);
		else
			printf("%s %s\n", c->setting, c->command);
		if (c->unfiltered)
			printf("  '+' prefix: runs with full privileges and no seccomp filter; nothing to check\n");
		for (size_t j = 0; j < c->n; j++)
			print_program(&c->v[j]);
	}
}

/* ---- JSON ---- */

static void put_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
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

static json_object *finding_json(const struct hd_check_finding *f)
{
	json_object *o = json_object_new_object();
	put_str(o, "syscall", f->syscall ? f->syscall : "*");
	switch (f->kind) {
	case HD_CHECK_ARCH_KILLED:
		put_str(o, "action", f->action);
		put_str(o, "reason", f->reason);
		break;
	case HD_CHECK_NOT_INSTALLED:
		put_str(o, "reason", f->reason);
		break;
	case HD_CHECK_CONDITIONAL:
		put_str(o, "action", f->action);
		put_str(o, "setting", f->setting);
		break;
	case HD_CHECK_HARMLESS:
		put_str(o, "action", f->action);
		put_str(o, "fallback", f->fallback->fallback);
		put_str(o, "why", f->fallback->why);
		break;
	case HD_CHECK_BLOCKED: {
		json_object_object_add(o, "nr", json_object_new_int(f->nr));
		put_str(o, "action", f->action);
		json_object_object_add(o, "groups", cli_json_strv(&f->groups));
		json_object *je = json_object_new_array();
		for (size_t k = 0; k < f->n_evidence; k++)
			json_object_array_add(je, evidence_json(f->evidence[k]));
		json_object_object_add(o, "evidence", je);
		put_str(o, "fix", f->fix);
		break;
	}
	}
	return o;
}

/* The findings of kinds [lo, hi] (the report's three lists: blocked, conditional, harmless). */
static json_object *findings_json(const struct hd_check_program *p, enum hd_check_finding_kind lo,
				  enum hd_check_finding_kind hi)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kind >= lo && p->v[i].kind <= hi)
			json_object_array_add(a, finding_json(&p->v[i]));
	return a;
}

static json_object *program_json(const struct hd_check_program *p)
{
	json_object *o = json_object_new_object();
	put_str(o, "path", p->path);
	const struct hd_elf_scan *scan = &p->scan;
	switch (p->kind) {
	case HD_CHECK_PROGRAM_SCRIPT:
		json_object_object_add(o, "script", json_object_new_boolean(true));
		put_str(o, "interpreter", p->interpreter);
		break;
	case HD_CHECK_PROGRAM_MALFORMED:
		break;
	case HD_CHECK_PROGRAM_UNREADABLE:
		put_str(o, "error", strerror(p->error));
		break;
	case HD_CHECK_PROGRAM_ELF:
		json_object_object_add(o, "imports", json_object_new_int((int)scan->n_imports));
		json_object_object_add(o, "unreachable_library_imports", json_object_new_int((int)scan->n_unreached_imports));
		put_str(o, "arch", arch_name(scan->arch));
		put_str(o, "libc", scan->libc == HD_LIBC_MUSL ? "musl" : "glibc");
		json_object_object_add(o, "static", json_object_new_boolean(scan->is_static));
		json_object_object_add(o, "objects", cli_json_strv(&scan->objects));
		json_object_object_add(o, "syscalls", cli_json_strv(&scan->syscalls));
		json_object_object_add(o, "blocked", findings_json(p, HD_CHECK_ARCH_KILLED, HD_CHECK_BLOCKED));
		json_object_object_add(o, "refused_for_some_arguments",
				       findings_json(p, HD_CHECK_CONDITIONAL, HD_CHECK_CONDITIONAL));
		json_object_object_add(o, "refused_but_libc_copes", findings_json(p, HD_CHECK_HARMLESS, HD_CHECK_HARMLESS));
		json_object_object_add(o, "not_analysed", cli_json_strv(&scan->limits));
		break;
	}
	return o;
}

/* The report's commands, appended to jout. */
static void report_json(const struct hd_check_report *rep, json_object *jout)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct hd_check_command *c = &rep->v[i];
		json_object *jc = json_object_new_object();
		put_str(jc, "setting", c->setting);
		if (c->file)
			put_str(jc, "file", c->file);
		json_object_object_add(jc, "line", json_object_new_int((int)c->line));
		put_str(jc, "command", c->command);
		json_object *jprogs = json_object_new_array();
		for (size_t j = 0; j < c->n; j++)
			json_object_array_add(jprogs, program_json(&c->v[j]));
		json_object_object_add(jc, "programs", jprogs);
		if (c->unfiltered)
			json_object_object_add(jc, "unfiltered", json_object_new_boolean(true));
		json_object_array_add(jout, jc);
	}
}

/* Print one report (text now, JSON into jout for the end) and add its counts to the totals. */
static void take_report(struct hd_check_report *rep, bool json, json_object *jout, struct hd_check_report *tot)
{
	if (json)
		report_json(rep, jout);
	else
		print_report(rep);
	tot->n_blocked += rep->n_blocked;
	tot->n_commands += rep->n_commands;
	tot->n_errors += rep->n_errors;
	hd_check_report_free(rep);
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
	struct hd_check_options opt = { .sdver = hd_systemd_version_default() };
	bool strict = false, json = false;
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
			opt.root = optarg;
			break;
		case OPT_SYSTEMD:
			if (cli_parse_systemd_version("check", optarg, &opt.sdver) != 0) {
				ret = EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_JSON:
			json = true;
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
	json_object *jout = json_object_new_array();
	struct hd_check_report tot = { 0 }, rep = { 0 };
	int r = 0;
	if (execs.n) {
		struct hd_seccomp_settings s;
		hd_seccomp_settings_init(&s);
		for (size_t i = 0; i < props.n && r >= 0; i++) {
			const char *eq = strchr(props.v[i], '=');
			if (!eq || eq == props.v[i]) {
				hd_seccomp_settings_free(&s);
				hd_diags_free(&diags);
				json_object_put(jout);
				ret = cli_usage_error("check", "-p '%s': expected SETTING=VALUE", props.v[i]);
				goto out;
			}
			char *key = strndup(props.v[i], (size_t)(eq - props.v[i]));
			if (!key) {
				r = -ENOMEM;
				break;
			}
			r = hd_seccomp_apply(&s, key, eq + 1, opt.sdver, NULL, 0, &diags);
			if (r == 0)
				hd_diag_add(&diags, HD_WARNING, NULL, 0,
					    "-p %s: not a seccomp-backed setting, ignoring", key);
			free(key);
		}
		/* an --exec value is one command word list, like an ExecStart= value */
		for (size_t i = 0; i < execs.n && r >= 0; i++)
			r = hd_check_exec(&s, execs.v[i], &opt, &rep, &diags);
		take_report(&rep, json, jout, &tot);
		hd_seccomp_settings_free(&s);
	} else {
		for (int i = optind; i < argc && r >= 0; i++) {
			r = hd_check_unit(argv[i], &opt, &rep, &diags);
			take_report(&rep, json, jout, &tot); /* after an error: what was checked before it */
		}
	}
	if (r < 0) {
		fprintf(stderr, "%s check: %s\n", cli_program, strerror(-r));
		ret = EXIT_FINDINGS;
	}
	if (json) {
		json_object *top = json_object_new_object();
		json_object_object_add(top, "systemd", json_object_new_string(hd_systemd_version_name(opt.sdver)));
		json_object_object_add(top, "commands", jout);
		json_object_object_add(top, "blocked", json_object_new_int((int)tot.n_blocked));
		json_object_object_add(top, "errors", json_object_new_int((int)tot.n_errors));
		cli_json_print(top, 0);
		json_object_put(top);
	} else {
		json_object_put(jout);
		/* the reasons first: the summary below refers to them */
		cli_print_diags(&diags);
		hd_diags_free(&diags);
		if (tot.n_blocked)
			printf("%u syscall(s) may be blocked in %u command(s) checked\n", tot.n_blocked, tot.n_commands);
		else if (!tot.n_errors && r >= 0)
			printf("no syscall with static evidence is blocked (%u command(s) checked)\n", tot.n_commands);
		/* "nothing blocked" would be a pass for what could not even be read */
		if (tot.n_errors)
			fprintf(stderr, "%s check: error: %u unit(s) or program(s) could not be read or checked (see "
					"above); what they run was not checked\n", cli_program, tot.n_errors);
	}
	cli_print_diags(&diags);
	hd_diags_free(&diags);
	if (tot.n_errors || (strict && tot.n_blocked))
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
