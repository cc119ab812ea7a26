/* SPDX-License-Identifier: MIT */
/* harden explain: from a SIGSYS death (core, journal, audit log) to the line that fixes it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "explain/coredump.h"
#include "explain/explain.h"
#include "syscalls/groups.h"
#include "explain/logparse.h"
#include "syscalls/syscalls.h"
#include "unit/unit.h"

#define VERB "explain"
#define MAX_TEXT_INPUT ((size_t)1 << 30) /* a text log larger than 1 GiB: split it */

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
	       "  --systemd=V      group table of systemd V: 252 or latest (default: the installed one\n"
	       "                   if it is 252, else latest)\n"
	       "  -h, --help       show this help\n"
	       "\n"
	       "Exit status: 0 a seccomp violation was explained; 1 none found (e.g. the core is not a\n"
	       "seccomp death) or some evidence was unreadable or malformed (errors on stderr);\n"
	       "2 usage error.\n",
	       cli_program);
}

/* ---- reading evidence ---- */

static int read_all(int fd, const char *head, size_t head_len, char **out, size_t *len)
{
	size_t cap = head_len + (1 << 16), n = head_len;
	char *b = malloc(cap + 1);
	if (!b)
		return -ENOMEM;
	memcpy(b, head, head_len);
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_TEXT_INPUT) {
				free(b);
				return -EFBIG;
			}
			cap *= 2;
			char *nb = realloc(b, cap + 1);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;
			free(b);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = 0;
	*out = b;
	*len = n;
	return 0;
}

/* One EVIDENCE argument into ev. 0, or -errno with an error in diags. */
static int read_evidence(const char *path, struct hd_evidence_list *ev, hd_diags *diags)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = -errno;
		hd_diag_add(diags, HD_ERROR, path, 0, "cannot open: %s", strerror(errno));
		return e;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		hd_diag_add(diags, HD_ERROR, path, 0, "%s", S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
		if (!is_stdin)
			close(fd);
		return -EISDIR;
	}
	char head[8];
	ssize_t hn;
	do
		hn = read(fd, head, sizeof(head));
	while (hn < 0 && errno == EINTR);
	int r;
	if (hn < 0) {
		r = -errno;
		hd_diag_add(diags, HD_ERROR, path, 0, "cannot read: %s", strerror(errno));
	} else if (hd_core_sniff(head, (size_t)hn)) {
		struct hd_core_info ci;
		if (S_ISREG(st.st_mode) && lseek(fd, 0, SEEK_SET) == 0)
			r = hd_core_read_fd(fd, path, &ci, diags);
		else
			r = hd_core_read_stream(head, (size_t)hn, fd, path, &ci, diags);
		if (r >= 0)
			r = hd_evidence_from_core(&ci, path, ev);
		hd_core_info_free(&ci);
	} else {
		char *text = NULL;
		size_t len = 0;
		r = read_all(fd, head, (size_t)hn, &text, &len);
		if (r == -EFBIG)
			hd_diag_add(diags, HD_ERROR, path, 0, "larger than %zu MiB; split the log", MAX_TEXT_INPUT >> 20);
		else if (r < 0)
			hd_diag_add(diags, HD_ERROR, path, 0, "cannot read: %s", strerror(-r));
		else {
			size_t before = ev->n;
			r = hd_evidence_parse_text(text, len, path, ev, diags);
			if (r >= 0 && ev->n == before)
				hd_diag_add(diags, HD_WARNING, path, 0,
					    "no seccomp audit record or core dump record found");
		}
		free(text);
	}
	if (!is_stdin)
		close(fd);
	return r;
}

/* ---- the unit ---- */

struct unit_ctx {
	struct hd_unit unit;
	bool loaded;
	int sdver;
	struct hd_seccomp_settings settings;
	struct hd_ruleset rs[HD_ARCH_COUNT];
	bool have_rs[HD_ARCH_COUNT];
	/* per violation, per syscall: the verdicts (indexed like hd_explanation) */
	struct hd_unit_verdict **verdicts;
	size_t n;
};

/* hd_allowed_fn: "also allows" leaves out what the unit lets run already */
static bool unit_allows(const char *syscall, hd_arch arch, void *ud)
{
	struct unit_ctx *uc = ud;
	if (arch == HD_ARCH_INVALID)
		arch = hd_arch_native();
	if (!uc->have_rs[arch]) {
		if (hd_ruleset_build(&uc->settings, arch, uc->sdver, &uc->rs[arch]) < 0)
			return false;
		uc->have_rs[arch] = true;
	}
	int nr = hd_syscall_nr(syscall, arch, NULL);
	return nr != HD_NR_NONE && hd_action_allows(hd_ruleset_action(&uc->rs[arch], nr, NULL));
}

static int unit_verdicts(struct unit_ctx *uc, const struct hd_evidence_list *ev, const struct hd_explanation *x)
{
	uc->verdicts = calloc(x->n ? x->n : 1, sizeof(*uc->verdicts));
	if (!uc->verdicts)
		return -ENOMEM;
	uc->n = x->n;
	for (size_t i = 0; i < x->n; i++) {
		const struct hd_violation *v = &x->v[i];
		hd_arch arch = ev->v[v->first].arch == HD_ARCH_INVALID ? hd_arch_native() : ev->v[v->first].arch;
		uc->verdicts[i] = calloc(v->n_fix ? v->n_fix : 1, sizeof(**uc->verdicts));
		if (!uc->verdicts[i])
			return -ENOMEM;
		for (size_t k = 0; k < v->n_fix; k++) {
			int r = hd_explain_unit(&uc->unit, uc->sdver, v->fix[k].name, arch, &uc->verdicts[i][k]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static void unit_ctx_free(struct unit_ctx *uc, const struct hd_explanation *x)
{
	for (size_t i = 0; i < uc->n; i++) {
		for (size_t k = 0; k < x->v[i].n_fix; k++)
			hd_unit_verdict_free(&uc->verdicts[i][k]);
		free(uc->verdicts[i]);
	}
	free(uc->verdicts);
	for (int a = 0; a < HD_ARCH_COUNT; a++)
		if (uc->have_rs[a])
			hd_ruleset_free(&uc->rs[a]);
	if (uc->loaded) {
		hd_seccomp_settings_free(&uc->settings);
		hd_unit_free(&uc->unit);
	}
}

/* ---- output ---- */

static void format_time(int64_t usec, char *buf, size_t n)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;
	if (!usec || !gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, n, "unknown");
}

static const char *arch_name(hd_arch a)
{
	const struct hd_arch_info *ai = hd_arch_info(a);
	return ai ? ai->name : "unknown architecture";
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

static void print_unit(const struct unit_ctx *uc, size_t i, const struct hd_violation *v, hd_arch arch)
{
	for (size_t k = 0; k < v->n_fix; k++) {
		const struct hd_unit_verdict *u = &uc->verdicts[i][k];
		const char *name = v->fix[k].name;
		char act[64];
		if (!u->known) {
			printf("  unit:       %s is not a syscall on %s\n", name, arch_name(arch));
			continue;
		}
		if (!u->blocked) {
			printf("  unit:       %s lets %s run on %s (%s): the process ran under another configuration\n",
			       uc->unit.path, name, arch_name(arch), hd_action_format(u->action, act, sizeof(act)));
			continue;
		}
		if (u->culprit)
			printf("  unit:       %s:%u: %s=%s\n              %s (%s on %s)\n", u->culprit->file, u->culprit->line,
			       u->culprit->key, u->culprit->value, u->why, hd_action_format(u->action, act, sizeof(act)),
			       arch_name(arch));
		else
			printf("  unit:       %s: %s (%s on %s)\n", uc->unit.path, u->why, hd_action_format(u->action, act, sizeof(act)),
			       arch_name(arch));
		if (u->arch_culprit)
			printf("              and %s:%u: %s=%s does not list %s\n", u->arch_culprit->file, u->arch_culprit->line,
			       u->arch_culprit->key, u->arch_culprit->value, arch_name(arch));
		printf("  drop-in:    ");
		for (size_t l = 0; l < u->fix_lines.n; l++)
			printf("%s%s", l ? " + " : "", u->fix_lines.v[l]);
		printf(" (%s)\n", u->fixed ? "verified: with it the unit lets the call run" : "NOT enough: the call stays blocked");
	}
}

static void print_human(const struct hd_evidence_list *ev, const struct hd_explanation *x, const struct unit_ctx *uc)
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
			printf("  syscall:    %s (#%d on %s)\n", e->syscall ? e->syscall : "unknown", e->nr, arch_name(e->arch));
		else if (e->inferred)
			printf("  syscall:    %s (inferred from the stack frame %s (%s + 0x%" PRIx64
			       "); the record does not name the syscall)\n",
			       v->narrow_line + strlen("SystemCallFilter="), e->frame_function,
			       e->frame_object ? e->frame_object : "?", e->frame_offset);
		else if (hd_evidence_is_seccomp(e) && e->frame_function)
			printf("  syscall:    unknown: the top frame %s (%s) is not a C library wrapper harden knows\n",
			       e->frame_function, e->frame_object ? e->frame_object : "?");
		else if (hd_evidence_is_seccomp(e))
			printf("  syscall:    unknown: the evidence names no syscall and has no stack trace\n");
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

static struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *jstrv(const hd_strv *sv)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < sv->n; i++)
		json_object_array_add(a, json_object_new_string(sv->v[i]));
	return a;
}

static struct json_object *jhex(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%" PRIx64, v);
	return json_object_new_string(b);
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
		json_object_object_add(c, "file", jstr(u->culprit->file));
		json_object_object_add(c, "line", json_object_new_int((int)u->culprit->line));
		json_object_object_add(c, "key", jstr(u->culprit->key));
		json_object_object_add(c, "value", jstr(u->culprit->value));
		json_object_object_add(c, "via", jstr(u->culprit_via));
	}
	json_object_object_add(o, "excluded_by", c);
	struct json_object *ac = NULL;
	if (u->arch_culprit) {
		ac = json_object_new_object();
		json_object_object_add(ac, "file", jstr(u->arch_culprit->file));
		json_object_object_add(ac, "line", json_object_new_int((int)u->arch_culprit->line));
		json_object_object_add(ac, "value", jstr(u->arch_culprit->value));
	}
	json_object_object_add(o, "architecture_excluded_by", ac);
	json_object_object_add(o, "why", jstr(u->why));
	json_object_object_add(o, "drop_in_lines", jstrv(&u->fix_lines));
	json_object_object_add(o, "verified", json_object_new_boolean(u->fixed));
	return o;
}

static struct json_object *json_violation(const struct hd_evidence_list *ev, const struct hd_violation *v,
					  const struct unit_ctx *uc, size_t vi)
{
	const struct hd_evidence *e = &ev->v[v->first];
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "verdict", json_object_new_string(hd_verdict_name(e->verdict)));
	json_object_object_add(o, "seccomp", json_object_new_boolean(hd_evidence_is_seccomp(e)));
	json_object_object_add(o, "reason", jstr(e->verdict_reason));
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "pid", e->pid >= 0 ? json_object_new_int64(e->pid) : NULL);
	json_object_object_add(p, "comm", jstr(e->comm));
	json_object_object_add(p, "exe", jstr(e->exe));
	json_object_object_add(p, "unit", jstr(e->unit));
	json_object_object_add(p, "cmdline", jstr(e->cmdline));
	json_object_object_add(o, "process", p);
	json_object_object_add(o, "signal", e->signo ? json_object_new_int(e->signo) : NULL);
	json_object_object_add(o, "si_code", e->has_si_code ? json_object_new_int(e->si_code) : NULL);
	json_object_object_add(o, "seccomp_action", e->has_seccomp_ret ? jhex(e->seccomp_ret) : NULL);
	struct json_object *sc = NULL;
	if (e->syscall || e->nr >= 0) {
		sc = json_object_new_object();
		json_object_object_add(sc, "name", jstr(e->syscall));
		json_object_object_add(sc, "number", json_object_new_int(e->nr));
		json_object_object_add(sc, "arch", jstr(hd_arch_info(e->arch) ? hd_arch_info(e->arch)->name : NULL));
		json_object_object_add(sc, "audit_arch", e->audit_arch ? jhex(e->audit_arch) : NULL);
	}
	json_object_object_add(o, "syscall", sc);
	json_object_object_add(o, "inferred", json_object_new_boolean(e->inferred));
	json_object_object_add(o, "confirmed_by", jstr(e->confirmed_by));
	json_object_object_add(o, "candidates", jstrv(&e->candidates));
	struct json_object *fr = NULL;
	if (e->frame_function || e->frame_object) {
		fr = json_object_new_object();
		json_object_object_add(fr, "function", jstr(e->frame_function));
		json_object_object_add(fr, "object", jstr(e->frame_object));
		json_object_object_add(fr, "offset", jhex(e->frame_offset));
	}
	json_object_object_add(o, "frame", fr);
	struct json_object *call = NULL;
	if (e->has_call_addr) {
		call = json_object_new_object();
		json_object_object_add(call, "address", jhex(e->call_addr));
		json_object_object_add(call, "object", jstr(e->call_object));
		json_object_object_add(call, "offset", e->call_object ? jhex(e->call_offset) : NULL);
	}
	json_object_object_add(o, "call", call);
	json_object_object_add(o, "count", json_object_new_int64((int64_t)v->count));
	char t[64];
	format_time(v->first_usec, t, sizeof(t));
	json_object_object_add(o, "first", v->first_usec ? json_object_new_string(t) : NULL);
	format_time(v->last_usec, t, sizeof(t));
	json_object_object_add(o, "last", v->last_usec ? json_object_new_string(t) : NULL);
	struct json_object *fx = json_object_new_object();
	json_object_object_add(fx, "narrowest", jstr(v->narrow_line));
	json_object_object_add(fx, "group", jstr(v->group_line));
	struct json_object *per = json_object_new_array();
	for (size_t k = 0; k < v->n_fix; k++) {
		struct json_object *f = json_object_new_object();
		json_object_object_add(f, "name", json_object_new_string(v->fix[k].name));
		json_object_object_add(f, "groups", jstrv(&v->fix[k].paths));
		json_object_object_add(f, "smallest_group", jstr(v->fix[k].group));
		json_object_object_add(f, "group_also_allows", jstrv(&v->fix[k].group_also));
		if (uc && uc->loaded)
			json_object_object_add(f, "unit", json_unit(&uc->verdicts[vi][k], uc->unit.path));
		json_object_array_add(per, f);
	}
	json_object_object_add(fx, "syscalls", per);
	json_object_object_add(o, "fix", fx);
	struct json_object *evs = json_object_new_array();
	for (size_t k = 0; k < v->count; k++) {
		const struct hd_evidence *r = &ev->v[v->records[k]];
		struct json_object *je = json_object_new_object();
		json_object_object_add(je, "kind", json_object_new_string(hd_ev_kind_name(r->kind)));
		json_object_object_add(je, "file", jstr(r->file));
		json_object_object_add(je, "line", r->line ? json_object_new_int((int)r->line) : NULL);
		if (r->kind == HD_EVIDENCE_CORE)
			json_object_object_add(je, "compression", jstr(r->compression));
		json_object_array_add(evs, je);
	}
	json_object_object_add(o, "evidence", evs);
	return o;
}

/* ---- the drop-in ---- */

static char *drop_in_text(const struct hd_evidence_list *ev, const struct hd_explanation *x, const struct unit_ctx *uc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "# Written by harden explain: allows the syscalls a seccomp filter killed this service for.\n");
	hd_strv lines = { 0 };
	for (size_t i = 0; i < x->n; i++) {
		const struct hd_violation *v = &x->v[i];
		const struct hd_evidence *e = &ev->v[v->first];
		if (!v->narrow_line || (e->verdict != HD_VERDICT_SECCOMP_KILL && e->verdict != HD_VERDICT_SIGSYS))
			continue;
		fprintf(f, "# %s%s killed %s on %s (evidence: %s)\n", v->narrow_line + strlen("SystemCallFilter="),
			e->inferred ? " (inferred from the stack trace)" : "", e->comm ? e->comm : e->exe ? e->exe : "process",
			arch_name(e->arch), e->file ? e->file : "-");
		if (!uc || !uc->loaded) {
			hd_strv_push_unique(&lines, v->narrow_line);
			continue;
		}
		for (size_t k = 0; k < v->n_fix; k++) {
			const struct hd_unit_verdict *u = &uc->verdicts[i][k];
			if (!u->blocked)
				continue;
			if (u->culprit)
				fprintf(f, "#   excluded by %s:%u: %s=%s\n", u->culprit->file, u->culprit->line, u->culprit->key,
					u->culprit->value);
			if (u->arch_culprit)
				fprintf(f, "#   and by %s:%u: %s=%s\n", u->arch_culprit->file, u->arch_culprit->line,
					u->arch_culprit->key, u->arch_culprit->value);
			for (size_t l = 0; l < u->fix_lines.n; l++)
				hd_strv_push_unique(&lines, u->fix_lines.v[l]);
		}
	}
	fprintf(f, "[Service]\n");
	/* in an allow list a plain name adds the syscall; in a deny list it removes it from the set:
	 * the same line is right in both modes */
	for (size_t i = 0; i < lines.n; i++)
		fprintf(f, "%s\n", lines.v[i]);
	bool any = lines.n > 0;
	hd_strv_free(&lines);
	if (fclose(f) != 0 || !any) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Write text to path atomically: a temporary file in the same directory, fsync, rename. */
static int write_atomic(const char *path, const char *text)
{
	char *dir_copy = strdup(path);
	if (!dir_copy)
		return -ENOMEM;
	const char *dir = dirname(dir_copy);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		int e = -errno;
		free(dir_copy);
		return e;
	}
	free(dir_copy);
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = -errno;
		free(tmp);
		return e;
	}
	size_t n = strlen(text), off = 0;
	int r = 0;
	while (off < n) {
		ssize_t w = write(fd, text + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			r = -errno;
			break;
		}
		off += (size_t)w;
	}
	if (r == 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
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
		case 'd': drop_in = optarg; break;
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
	struct unit_ctx uc = { .sdver = sdver };
	if (unit_path) {
		struct hd_unit_load_options lo = { .sdver = sdver };
		if (hd_unit_load(unit_path, &lo, &uc.unit, &diags) < 0) {
			cli_print_diags(&diags);
			hd_diags_free(&diags);
			return EXIT_FINDINGS;
		}
		uc.loaded = true;
		if (hd_unit_seccomp_settings(&uc.unit, sdver, &uc.settings) < 0) {
			fprintf(stderr, "%s " VERB ": out of memory\n", cli_program);
			unit_ctx_free(&uc, NULL);
			hd_diags_free(&diags);
			return EXIT_FINDINGS;
		}
	}
	for (int i = optind; i < argc; i++)
		if (read_evidence(argv[i], &ev, &diags) < 0)
			input_error = true;
	input_error |= hd_diags_count(&diags, HD_ERROR) > 0;
	cli_print_diags(&diags);

	struct hd_explanation x = { 0 };
	int r = hd_evidence_correlate(&ev);
	if (r >= 0)
		r = hd_explain(&ev, sdver, uc.loaded ? unit_allows : NULL, &uc, &x);
	if (r >= 0 && uc.loaded)
		r = unit_verdicts(&uc, &ev, &x);
	if (r < 0) {
		fprintf(stderr, "%s " VERB ": %s\n", cli_program, strerror(-r));
		unit_ctx_free(&uc, &x);
		hd_explanation_free(&x);
		hd_evidence_list_free(&ev);
		hd_diags_free(&diags);
		return EXIT_FINDINGS;
	}
	bool seccomp = false;
	for (size_t i = 0; i < x.n; i++)
		seccomp |= hd_evidence_is_seccomp(&ev.v[x.v[i].first]);

	char *dtext = drop_in ? drop_in_text(&ev, &x, &uc) : NULL;
	int drop_err = 0;
	if (drop_in && !dtext) {
		fprintf(stderr, "%s " VERB ": no seccomp kill with a known syscall: %s not written\n", cli_program, drop_in);
		drop_err = -ENOENT;
	} else if (dtext && (drop_err = write_atomic(drop_in, dtext)) < 0)
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
			json_object_object_add(di, "text", jstr(dtext));
		}
		json_object_object_add(root, "drop_in", di);
		struct json_object *errs = json_object_new_array();
		for (size_t i = 0; i < diags.n; i++) {
			struct json_object *d = json_object_new_object();
			json_object_object_add(d, "severity", json_object_new_string(diags.v[i].severity == HD_ERROR ? "error" : "warning"));
			json_object_object_add(d, "file", jstr(diags.v[i].file));
			json_object_object_add(d, "line", diags.v[i].line ? json_object_new_int((int)diags.v[i].line) : NULL);
			json_object_object_add(d, "text", json_object_new_string(diags.v[i].text));
			json_object_array_add(errs, d);
		}
		json_object_object_add(root, "diagnostics", errs);
		printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	} else {
		print_human(&ev, &x, &uc);
		if (dtext && drop_err == 0)
			printf("\nwrote %s:\n%s", drop_in, dtext);
	}
	free(dtext);
	unit_ctx_free(&uc, &x);
	hd_explanation_free(&x);
	hd_evidence_list_free(&ev);
	hd_diags_free(&diags);
	return seccomp && !input_error && drop_err == 0 ? EXIT_OK : EXIT_FINDINGS;
}
