/* SPDX-License-Identifier: MIT */
/* harden explain: from a SIGSYS death (core, journal, audit log) to the line that fixes it. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "explain/explain.h"
#include "explain/fix.h"
#include "explain/input.h"
#include "syscalls/groups.h"
#include "syscalls/syscalls.h"
#include "unit/unit.h"
#include "util/fileio.h"

#define VERB "explain"

static void help(void)
{
	printf("Usage: %s " VERB " [--unit FILE] [--json] [--drop-in PATH] [--systemd=V] EVIDENCE...\n"
	       "\n"
	       "Explain why a process died of SIGSYS (or what a seccomp filter logged) and print the\n"
	       "line that fixes it. EVIDENCE is a file or '-' (standard input); its kind is detected:\n"
	       "  - an ELF core file, plain or compressed by systemd-coredump (.zst, .lz4, .xz): the\n"
	       "    NT_SIGINFO note names the syscall exactly (only headers and notes are read)\n"
	       "  - kernel audit SECCOMP records (type=1326) from audit.log, dmesg or the journal,\n"
	       "    any architecture, including SystemCallLog='s sig=0 records\n"
	       "  - systemd-coredump records: 'coredumpctl info' text, 'journalctl -o json' or\n"
	       "    '-o export'; with only a stack trace, the syscall is inferred from the top C\n"
	       "    library frame and marked as inferred\n"
	       "Records of the same violation (unit, executable, architecture, syscall) are grouped\n"
	       "with a count and the first and last time; the audit record and the core dump record\n"
	       "of one death (same pid and name, within 10 minutes) are paired into one.\n"
	       "\n"
	       "Options:\n"
	       "  --unit FILE      the unit file the process ran under (with its drop-ins): name the line\n"
	       "                   that excluded each syscall and compute a drop-in that lets exactly it\n"
	       "                   run, verified by applying the unit again with the drop-in\n"
	       "  --drop-in PATH   write that drop-in (without --unit: SystemCallFilter=SYSCALL for every\n"
	       "                   seccomp kill, which allows it in allow and deny lists alike); PATH is\n"
	       "                   replaced atomically, its directory created if missing\n"
	       "  --json           machine-readable output\n"
	       "  --systemd=V      group table of systemd V: 252..262 or latest = 262 (default: the\n"
	       "                   installed one if harden models it, else latest)\n"
	       "  -h, --help       show this help\n"
	       "\n"
	       "Exit status: 0 a seccomp violation was explained; 1 none found (e.g. the core is not a\n"
	       "seccomp death) or some evidence was unreadable or malformed (errors on stderr);\n"
	       "2 usage error.\n",
	       cli_program);
}

/* ---- output ---- */

static void format_time(int64_t usec, char *buf, size_t n)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;
	if (!usec || !gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, n, "unknown");
}

static const char *verdict_words(enum hd_verdict v)
{
	static const char *const words[] = {
		[HD_VERDICT_SECCOMP_KILL] = "killed by a seccomp filter",
		[HD_VERDICT_SECCOMP_LOG] = "logged by a seccomp filter (allowed: SystemCallLog= or a log action)",
		[HD_VERDICT_SECCOMP_OTHER] = "stopped by a seccomp filter action other than kill",
		[HD_VERDICT_SIGSYS] = "died of SIGSYS",
		[HD_VERDICT_NOT_SECCOMP] = "not a seccomp death",
	};
	return words[v];
}

static void print_process(const struct hd_evidence *e)
{
	printf("%s", e->comm ? e->comm : e->exe ? e->exe : "process");
	if (e->pid >= 0)
		printf("[%" PRId64 "]", e->pid);
	if (e->exe)
		printf(" %s", e->exe);
	if (e->unit)
		printf(" (unit %s)", e->unit);
}

static void print_unit(const struct hd_explain_unit_ctx *uc, size_t i, const struct hd_violation *v, hd_arch arch)
{
	for (size_t k = 0; k < v->n_fix; k++) {
		const struct hd_unit_verdict *u = &uc->verdicts[i].v[k];
		const char *name = v->fix[k].name;
		char act[64];
		if (!u->known) {
			printf("  unit:       %s is not a syscall on %s\n", name, hd_explain_arch_name(arch));
			continue;
		}
		if (!u->blocked) {
			printf("  unit:       %s lets %s run on %s (%s): the process ran under another configuration\n",
			       uc->unit.path, name, hd_explain_arch_name(arch), hd_action_format(u->action, act, sizeof(act)));
			continue;
		}
		if (u->culprit)
			printf("  unit:       %s:%u: %s=%s\n              %s (%s on %s)\n", u->culprit->file, u->culprit->line,
			       u->culprit->key, u->culprit->value, u->why, hd_action_format(u->action, act, sizeof(act)),
			       hd_explain_arch_name(arch));
		else
			printf("  unit:       %s: %s (%s on %s)\n", uc->unit.path, u->why, hd_action_format(u->action, act, sizeof(act)),
			       hd_explain_arch_name(arch));
		if (u->arch_culprit)
			printf("              and %s:%u: %s=%s does not list %s\n", u->arch_culprit->file, u->arch_culprit->line,
			       u->arch_culprit->key, u->arch_culprit->value, hd_explain_arch_name(arch));
		printf("  drop-in:    ");
		for (size_t l = 0; l < u->fix_lines.n; l++)
			printf("%s%s", l ? " + " : "", u->fix_lines.v[l]);
		printf(" (%s)\n", u->fixed ? "verified: with it the unit lets the call run" : "NOT enough: the call stays blocked");
	}
}

static void print_human(const struct hd_evidence_list *ev, const struct hd_explanation *x, const struct hd_explain_unit_ctx *uc)
{
	for (size_t i = 0; i < x->n; i++) {
		const struct hd_violation *v = &x->v[i];
		const struct hd_evidence *e = &ev->v[v->first];
		if (i)
			printf("\n");
		print_process(e);
		printf(": %s", verdict_words(e->verdict));
		if (e->has_seccomp_ret)
			printf(" (action 0x%08" PRIx32 ")", e->seccomp_ret);
		printf("\n");
		if (e->verdict_reason)
			printf("  why:        %s\n", e->verdict_reason);
		if ((e->syscall || e->nr >= 0) && e->arch == HD_ARCH_X32)
			printf("  syscall:    %s (#%d with the x32 bit 0x40000000 = %d, on x32)\n",
			       e->syscall ? e->syscall : "unknown", e->nr & ~0x40000000, e->nr);
		else if (e->syscall || e->nr >= 0)
			printf("  syscall:    %s (#%d on %s)\n", e->syscall ? e->syscall : "unknown", e->nr, hd_explain_arch_name(e->arch));
		else if (e->inferred && v->narrow_line)
			printf("  syscall:    %s (inferred from the stack frame %s (%s + 0x%" PRIx64
			       "); the record does not name the syscall)\n",
			       v->narrow_line + strlen("SystemCallFilter="), e->frame_function,
			       e->frame_object ? e->frame_object : "?", e->frame_offset);
		else if (hd_evidence_is_seccomp(e) && e->frame_function)
			printf("  syscall:    unknown: the top frame %s (%s) is not a C library wrapper harden knows\n",
			       e->frame_function, e->frame_object ? e->frame_object : "?");
		else if (hd_evidence_is_seccomp(e))
			printf("  syscall:    unknown: the evidence names no syscall and has no stack trace\n");
		else if (e->frame_function)
			/* another signal: where the process was, which names no syscall a filter refused */
			printf("  top frame:  %s (%s + 0x%" PRIx64 ")\n", e->frame_function,
			       e->frame_object ? e->frame_object : "?", e->frame_offset);
		if (e->confirmed_by)
			printf("  confirmed:  the syscall is named by the audit record %s\n", e->confirmed_by);
		if (e->call_object)
			printf("  called at:  %s + 0x%" PRIx64 " (0x%" PRIx64 ")\n", e->call_object, e->call_offset, e->call_addr);
		else if (e->has_call_addr)
			printf("  called at:  0x%" PRIx64 "\n", e->call_addr);
		if (e->cmdline)
			printf("  command:    %s\n", e->cmdline);
		char t1[64], t2[64];
		format_time(v->first_usec, t1, sizeof(t1));
		format_time(v->last_usec, t2, sizeof(t2));
		if (v->count > 1)
			printf("  seen:       %zu times, first %s, last %s\n", v->count, t1, t2);
		else if (v->first_usec)
			printf("  seen:       %s\n", t1);
		printf("  evidence:   %s", e->file ? e->file : "-");
		if (e->line)
			printf(":%u", e->line);
		printf(" (%s%s%s)\n", hd_ev_kind_name(e->kind), e->kind == HD_EVIDENCE_CORE ? ", " : "",
		       e->kind == HD_EVIDENCE_CORE ? e->compression : "");
		for (size_t k = 0; k < v->n_fix; k++) {
			const struct hd_syscall_fix *f = &v->fix[k];
			printf("  groups:     %s:", f->name);
			if (!f->paths.n)
				printf(" in no group");
			for (size_t p = 0; p < f->paths.n; p++)
				printf("%s %s", p ? "," : "", f->paths.v[p]);
			printf("\n");
		}
		if (v->narrow_line) {
			printf("  fix:        %s\n", v->narrow_line);
			if (v->group_line) {
				printf("  or group:   %s", v->group_line);
				hd_strv also = { 0 };
				for (size_t k = 0; k < v->n_fix; k++)
					for (size_t m = 0; m < v->fix[k].group_also.n; m++)
						hd_strv_push_unique(&also, v->fix[k].group_also.v[m]);
				hd_strv_sort(&also);
				printf(" (also allows %zu more: ", also.n);
				for (size_t m = 0; m < also.n; m++)
					printf("%s%s", m ? " " : "", also.v[m]);
				printf(")\n");
				hd_strv_free(&also);
			}
		}
		if (uc && uc->loaded && hd_evidence_is_seccomp(e))
			print_unit(uc, i, v, e->arch == HD_ARCH_INVALID ? hd_arch_native() : e->arch);
	}
}

static struct json_object *json_unit(const struct hd_unit_verdict *u, const char *path)
{
	struct json_object *o = json_object_new_object();
	char act[64];
	json_object_object_add(o, "file", json_object_new_string(path));
	json_object_object_add(o, "known", json_object_new_boolean(u->known));
	json_object_object_add(o, "blocked", json_object_new_boolean(u->blocked));
	json_object_object_add(o, "action", u->known ? json_object_new_string(hd_action_format(u->action, act, sizeof(act))) : NULL);
	struct json_object *c = NULL;
	if (u->culprit) {
		c = json_object_new_object();
		json_object_object_add(c, "file", cli_json_str(u->culprit->file));
		json_object_object_add(c, "line", json_object_new_int((int)u->culprit->line));
		json_object_object_add(c, "key", cli_json_str(u->culprit->key));
		json_object_object_add(c, "value", cli_json_str(u->culprit->value));
		json_object_object_add(c, "via", cli_json_str(u->culprit_via));
	}
	json_object_object_add(o, "excluded_by", c);
	struct json_object *ac = NULL;
	if (u->arch_culprit) {
		ac = json_object_new_object();
		json_object_object_add(ac, "file", cli_json_str(u->arch_culprit->file));
		json_object_object_add(ac, "line", json_object_new_int((int)u->arch_culprit->line));
		json_object_object_add(ac, "value", cli_json_str(u->arch_culprit->value));
	}
	json_object_object_add(o, "architecture_excluded_by", ac);
	json_object_object_add(o, "why", cli_json_str(u->why));
	json_object_object_add(o, "drop_in_lines", cli_json_strv(&u->fix_lines));
	json_object_object_add(o, "verified", json_object_new_boolean(u->fixed));
	return o;
}

static struct json_object *json_violation(const struct hd_evidence_list *ev, const struct hd_violation *v,
					  const struct hd_explain_unit_ctx *uc, size_t vi)
{
	const struct hd_evidence *e = &ev->v[v->first];
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "verdict", json_object_new_string(hd_verdict_name(e->verdict)));
	json_object_object_add(o, "seccomp", json_object_new_boolean(hd_evidence_is_seccomp(e)));
	json_object_object_add(o, "reason", cli_json_str(e->verdict_reason));
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "pid", e->pid >= 0 ? json_object_new_int64(e->pid) : NULL);
	json_object_object_add(p, "comm", cli_json_str(e->comm));
	json_object_object_add(p, "exe", cli_json_str(e->exe));
	json_object_object_add(p, "unit", cli_json_str(e->unit));
	json_object_object_add(p, "cmdline", cli_json_str(e->cmdline));
	json_object_object_add(o, "process", p);
	json_object_object_add(o, "signal", e->signo ? json_object_new_int(e->signo) : NULL);
	json_object_object_add(o, "si_code", e->has_si_code ? json_object_new_int(e->si_code) : NULL);
	json_object_object_add(o, "seccomp_action", e->has_seccomp_ret ? cli_json_hex(e->seccomp_ret) : NULL);
	struct json_object *sc = NULL;
	if (e->syscall || e->nr >= 0) {
		sc = json_object_new_object();
		json_object_object_add(sc, "name", cli_json_str(e->syscall));
		json_object_object_add(sc, "number", json_object_new_int(e->nr));
		json_object_object_add(sc, "arch", cli_json_str(hd_arch_info(e->arch) ? hd_arch_info(e->arch)->name : NULL));
		json_object_object_add(sc, "audit_arch", e->audit_arch ? cli_json_hex(e->audit_arch) : NULL);
	}
	json_object_object_add(o, "syscall", sc);
	json_object_object_add(o, "inferred", json_object_new_boolean(e->inferred));
	json_object_object_add(o, "confirmed_by", cli_json_str(e->confirmed_by));
	json_object_object_add(o, "candidates", cli_json_strv(&e->candidates));
	struct json_object *fr = NULL;
	if (e->frame_function || e->frame_object) {
		fr = json_object_new_object();
		json_object_object_add(fr, "function", cli_json_str(e->frame_function));
		json_object_object_add(fr, "object", cli_json_str(e->frame_object));
		json_object_object_add(fr, "offset", cli_json_hex(e->frame_offset));
	}
	json_object_object_add(o, "frame", fr);
	struct json_object *call = NULL;
	if (e->has_call_addr) {
		call = json_object_new_object();
		json_object_object_add(call, "address", cli_json_hex(e->call_addr));
		json_object_object_add(call, "object", cli_json_str(e->call_object));
		json_object_object_add(call, "offset", e->call_object ? cli_json_hex(e->call_offset) : NULL);
	}
	json_object_object_add(o, "call", call);
	json_object_object_add(o, "count", json_object_new_int64((int64_t)v->count));
	char t[64];
	format_time(v->first_usec, t, sizeof(t));
	json_object_object_add(o, "first", v->first_usec ? json_object_new_string(t) : NULL);
	format_time(v->last_usec, t, sizeof(t));
	json_object_object_add(o, "last", v->last_usec ? json_object_new_string(t) : NULL);
	struct json_object *fx = json_object_new_object();
	json_object_object_add(fx, "narrowest", cli_json_str(v->narrow_line));
	json_object_object_add(fx, "group", cli_json_str(v->group_line));
	struct json_object *per = json_object_new_array();
	for (size_t k = 0; k < v->n_fix; k++) {
		struct json_object *f = json_object_new_object();
		json_object_object_add(f, "name", json_object_new_string(v->fix[k].name));
		json_object_object_add(f, "groups", cli_json_strv(&v->fix[k].paths));
		json_object_object_add(f, "smallest_group", cli_json_str(v->fix[k].group));
		json_object_object_add(f, "group_also_allows", cli_json_strv(&v->fix[k].group_also));
		if (uc && uc->loaded)
			json_object_object_add(f, "unit", json_unit(&uc->verdicts[vi].v[k], uc->unit.path));
		json_object_array_add(per, f);
	}
	json_object_object_add(fx, "syscalls", per);
	json_object_object_add(o, "fix", fx);
	struct json_object *evs = json_object_new_array();
	for (size_t k = 0; k < v->count; k++) {
		const struct hd_evidence *r = &ev->v[v->records[k]];
		struct json_object *je = json_object_new_object();
		json_object_object_add(je, "kind", json_object_new_string(hd_ev_kind_name(r->kind)));
		json_object_object_add(je, "file", cli_json_str(r->file));
		json_object_object_add(je, "line", r->line ? json_object_new_int((int)r->line) : NULL);
		if (r->kind == HD_EVIDENCE_CORE)
			json_object_object_add(je, "compression", cli_json_str(r->compression));
		json_object_array_add(evs, je);
	}
	json_object_object_add(o, "evidence", evs);
	return o;
}

int verb_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "drop-in", required_argument, NULL, 'd' },
		{ "unit", required_argument, NULL, 'u' },
		{ "systemd", required_argument, NULL, 's' },
		{ 0 },
	};
	bool json = false;
	const char *drop_in = NULL, *unit_path = NULL;
	int sdver = hd_systemd_version_default();
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': help(); return EXIT_OK;
		case 'j': json = true; break;
		case 'd':
			if (cli_check_output_path(VERB, "--drop-in", optarg))
				return EXIT_USAGE;
			drop_in = optarg;
			break;
		case 'u': unit_path = optarg; break;
		case 's':
			if (cli_parse_systemd_version(VERB, optarg, &sdver))
				return EXIT_USAGE;
			break;
		case ':': return cli_usage_error(VERB, "option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error(VERB, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(VERB, "no EVIDENCE given (a core file, a log, or '-')");

	struct hd_evidence_list ev = { 0 };
	hd_diags diags = { 0 };
	bool input_error = false;
	struct hd_explain_unit_ctx uc = { .sdver = sdver };
	if (unit_path && hd_explain_unit_load(&uc, unit_path, sdver, &diags) < 0) {
		if (uc.loaded)
			fprintf(stderr, "%s " VERB ": out of memory\n", cli_program);
		else
			cli_print_diags(&diags);
		hd_explain_unit_ctx_free(&uc);
		hd_diags_free(&diags);
		return EXIT_FINDINGS;
	}
	for (int i = optind; i < argc; i++)
		if (hd_evidence_read(argv[i], &ev, &diags) < 0)
			input_error = true;
	input_error |= hd_diags_count(&diags, HD_ERROR) > 0;
	cli_print_diags(&diags);

	struct hd_explanation x = { 0 };
	int r = hd_explain_evidence(&ev, sdver, &uc, &x);
	if (r < 0) {
		fprintf(stderr, "%s " VERB ": %s\n", cli_program, strerror(-r));
		hd_explain_unit_ctx_free(&uc);
		hd_explanation_free(&x);
		hd_evidence_list_free(&ev);
		hd_diags_free(&diags);
		return EXIT_FINDINGS;
	}
	bool seccomp = hd_explanation_has_seccomp(&ev, &x);

	char *dtext = NULL;
	int drop_err = 0;
	int dr = drop_in ? hd_explain_dropin_text(&ev, &x, &uc, &dtext) : 0;
	if (dr == -ENOENT) {
		fprintf(stderr, "%s " VERB ": no seccomp kill with a known syscall: %s not written\n", cli_program, drop_in);
		drop_err = -ENOENT;
	} else if (dr < 0) {
		fprintf(stderr, "%s " VERB ": cannot make the drop-in (%s): %s not written\n", cli_program,
			dr == -EINVAL ? "a line would not read back as meant" : strerror(-dr), drop_in);
		drop_err = dr;
	} else if (dtext && ((drop_err = hd_mkdir_parent(drop_in, 0755)) < 0 ||
			     (drop_err = hd_write_file_atomic(drop_in, dtext, 0644)) < 0))
		fprintf(stderr, "%s " VERB ": cannot write %s: %s\n", cli_program, drop_in, strerror(-drop_err));

	if (json) {
		struct json_object *root = json_object_new_object();
		struct json_object *arr = json_object_new_array();
		for (size_t i = 0; i < x.n; i++)
			json_object_array_add(arr, json_violation(&ev, &x.v[i], &uc, i));
		json_object_object_add(root, "systemd", json_object_new_string(hd_systemd_version_name(sdver)));
		json_object_object_add(root, "records", json_object_new_int64((int64_t)ev.n));
		json_object_object_add(root, "violations", arr);
		struct json_object *di = NULL;
		if (drop_in) {
			di = json_object_new_object();
			json_object_object_add(di, "path", json_object_new_string(drop_in));
			json_object_object_add(di, "written", json_object_new_boolean(dtext && drop_err == 0));
			json_object_object_add(di, "text", cli_json_str(dtext));
		}
		json_object_object_add(root, "drop_in", di);
		struct json_object *errs = json_object_new_array();
		for (size_t i = 0; i < diags.n; i++) {
			struct json_object *d = json_object_new_object();
			json_object_object_add(d, "severity", json_object_new_string(diags.v[i].severity == HD_ERROR ? "error" : "warning"));
			json_object_object_add(d, "file", cli_json_str(diags.v[i].file));
			json_object_object_add(d, "line", diags.v[i].line ? json_object_new_int((int)diags.v[i].line) : NULL);
			json_object_object_add(d, "text", json_object_new_string(diags.v[i].text));
			json_object_array_add(errs, d);
		}
		json_object_object_add(root, "diagnostics", errs);
		cli_json_print(root, 0);
		json_object_put(root);
	} else {
		print_human(&ev, &x, &uc);
		if (dtext && drop_err == 0)
			printf("\nwrote %s:\n%s", drop_in, dtext);
	}
	free(dtext);
	hd_explain_unit_ctx_free(&uc);
	hd_explanation_free(&x);
	hd_evidence_list_free(&ev);
	hd_diags_free(&diags);
	return seccomp && !input_error && drop_err == 0 ? EXIT_OK : EXIT_FINDINGS;
}
