/* SPDX-License-Identifier: MIT */
/* harden apply: put a drop-in on a running systemd service, watch it, keep it or roll it back. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tracer.h"
#include "assess/assess.h"
#include "assess/batch.h"
#include "check/check.h"
#include "learn/shadow.h"
#include "learn/trace/trace.h"
#include "manager/manager.h"
#include "manager/record.h"
#include "sandbox/creds.h"
#include "sandbox/fix.h"
#include "sandbox/fsdenial.h"
#include "sandbox/mounts.h"
#include "sandbox/sandbox.h"
#include "syscalls/arch.h"
#include "syscalls/groups.h"
#include "syscalls/nametables.h"
#include "unit/capability.h"
#include "unit/unit.h"
#include "unit/unitwrite.h"
#include "util/fileio.h"

#define EXIT_NO_SYSTEMD 2 /* as a usage error: nothing was changed, and it is not the drop-in's fault */

static const char *const verb = "apply";

static void help(void)
{
	printf("Usage: %s apply [OPTIONS] UNIT DROPIN\n"
	       "       %s apply --undo UNIT\n"
	       "\n"
	       "Put DROPIN on UNIT, a service the running systemd manages, and keep it only if the service\n"
	       "stays healthy under it; else put back what was there and say why. Talks to systemd over\n"
	       "D-Bus (as root: its private socket, as systemctl does) and reads the journal.\n"
	       "  1. DROPIN is read as systemd reads a drop-in (an error refuses it) and the unit is scored\n"
	       "     before and after (harden security's exposure, the unit's other drop-ins included). The\n"
	       "     static gate: harden check reads the programs of the unit's Exec*= lines under it; a\n"
	       "     certain break (the filter cannot be installed, the programs' ABI is killed) stops here\n"
	       "     (exit 1) unless --force; calls with static evidence that it blocks are listed (they may\n"
	       "     never be made: the shadow stage and the watch judge what is).\n"
	       "  2. The shadow stage (unless --no-shadow; the service untouched): the running unit's cgroup\n"
	       "     (its ControlGroup, under this namespace's cgroup2 mount) is followed by learn's eBPF\n"
	       "     backend while WORKLOAD runs, or for --watch seconds of its own traffic. Every operation\n"
	       "     the unit with DROPIN would deny is reported with its fix: syscalls outside its filter\n"
	       "     (per ABI, with the groups that hold them: SystemCallFilter=NAME, or the smallest group),\n"
	       "     writes its ProtectSystem=, ProtectHome=, ReadOnlyPaths=, ... would make fail and reads of\n"
	       "     paths it hides (ReadWritePaths=DIR, ...), socket families outside\n"
	       "     RestrictAddressFamilies=, namespaces outside RestrictNamespaces=, capabilities the kernel\n"
	       "     granted that its CapabilityBoundingSet= leaves out. The unit with DROPIN is\n"
	       "     the unit file, its other drop-ins and DROPIN in the place it goes to. Anything denied\n"
	       "     stops here (exit 1), unless --fold adds the fixes. Needs root and the kernel's BTF: else\n"
	       "     it says why and stops (exit 2) before anything is changed.\n"
	       "  3. A record is written (STATE-DIR/apply/UNIT.json): the drop-in, what was at its place\n"
	       "     before. An apply stopped half-way (harden killed) is found there by the next apply or\n"
	       "     --undo, which first restores the state before it.\n"
	       "  4. DROPIN is written atomically to /etc/systemd/system/UNIT.d/NAME (NAME: --name, default\n"
	       "     zz-harden.conf, which sorts after the unit's other drop-ins), systemd reloads and restarts\n"
	       "     the unit, and for --watch seconds the unit is watched: it must stay active, not restart,\n"
	       "     and WORKLOAD and CMD must succeed. SIGINT or SIGTERM during the watch rolls back.\n"
	       "     With eBPF, the unit is followed from its first call under DROPIN to the end of the watch:\n"
	       "     the restart is a stop (its dependencies ignored: units that need it keep running), its\n"
	       "     next cgroup made, then a start; the calls a file-system setting made fail (EROFS, EACCES,\n"
	       "     ENOENT of a hidden path) and the capabilities the kernel refused are named with the\n"
	       "     setting and the fix. Without eBPF it says so once and does a plain restart.\n"
	       "  5. On a failure: the previous drop-in (or none) is put back, systemd reloads and restarts\n"
	       "     the unit, and the failure is explained: the unit's state and result, the calls the\n"
	       "     drop-in made fail (each with its setting and fix), its journal since the apply, and for\n"
	       "     a SIGSYS core systemd-coredump kept, harden explain's report.\n"
	       "\n"
	       "Options:\n"
	       "  --watch=SECONDS    how long the unit is watched after the restart, and the shadow stage\n"
	       "                     without --while (default 10)\n"
	       "  --while=WORKLOAD   run /bin/sh -c WORKLOAD during the shadow stage, and again once the unit\n"
	       "                     is up under the drop-in; its failure stops the apply or rolls it back\n"
	       "  --ready-after=SEC  the unit counts as up SEC seconds after its restart job is done, if it is\n"
	       "                     still healthy then (default 1: a Type=simple service is \"active\" before\n"
	       "                     it listens)\n"
	       "  --check=CMD        run /bin/sh -c CMD at the end of the watch; its failure rolls back\n"
	       "  --shadow-only      the shadow stage alone: nothing is written, restarted or recorded;\n"
	       "                     exit 1 if the drop-in would deny anything, else 0\n"
	       "  --fold[=FILE]      add the fixes (the narrow lines) to the drop-in, as a [Service] section\n"
	       "                     at its end, and apply that; the folded drop-in is judged again and what\n"
	       "                     no line fixes is said. With FILE, the folded drop-in is also written\n"
	       "                     there; with --shadow-only and no FILE, it is printed after the report\n"
	       "  --no-shadow        skip the shadow stage (no eBPF needed; the unit need not be running)\n"
	       "  --name=NAME        the drop-in's file name in UNIT.d/ (a NAME.conf; default zz-harden.conf)\n"
	       "  --state-dir=DIR    where the records are kept (default /var/lib/harden)\n"
	       "  --undo             restore the state before UNIT's last kept apply\n"
	       "  --force            apply even when the static gate finds a certain break; with --undo:\n"
	       "                     restore even when the drop-in was changed since it was applied\n"
	       "  --json             one JSON object on stdout: unit, dropin, outcome (kept, rolled-back,\n"
	       "                     would-deny, clean, undone, nothing-to-undo), exposure_before,\n"
	       "                     exposure_after, reason, recovered (an interrupted apply was restored\n"
	       "                     first), journal, shadow (cgroup, seconds, events, would_deny: each with\n"
	       "                     kind, what, setting, action and fix; fold_lines, folded, after_fold),\n"
	       "                     enforce_observed (or enforce_unobserved: why), enforce_denied (each\n"
	       "                     with call, path, errno_name, setting and fix) and enforce_caps_refused\n"
	       "                     (capability, evidence, setting, fix)\n"
	       "  --systemd=V        read and score the drop-in as systemd V does: 252..262 or latest\n"
	       "  -h, --help         this text\n"
	       "\n"
	       "The shadow stage sees only what the service does while it is watched: a call its workload\n"
	       "does not make is not judged. Calls a setting denies only for some arguments are judged for\n"
	       "socket families and namespaces; personality() and W+X mappings are not yet. Capabilities\n"
	       "other settings take away (PrivateDevices=: CAP_MKNOD, ...) are not judged.\n"
	       "The static gate sees only the Exec*= programs, not what they run or load at run time.\n"
	       "\n"
	       "Exit status: 0 kept (or undone, or --shadow-only and nothing would be denied); 1 rolled back,\n"
	       "would deny (the shadow stage), refused (the drop-in does not parse) or nothing to undo;\n"
	       "2 usage error, or no systemd to talk to, a unit it does not know, or a shadow stage that\n"
	       "cannot run here or saw the workload fail (nothing changed).\n",
	       cli_program, cli_program);
}

struct apply_opts {
	unsigned watch_ms, ready_after_ms;
	const char *workload, *check, *name, *state_dir;
	bool force, json;
	int sdver;
	bool shadow_only, no_shadow, fold;
	const char *fold_file; /* --fold=FILE (NULL: --fold alone) */
};

/* The shadow stage: what was observed, and what the candidate would deny of it. */
struct shadow_report {
	bool ran;
	char cgroup[4096];
	double seconds;
	uint64_t events, lost;
	struct hd_shadow found;  /* against the drop-in as given */
	hd_strv fold_lines;      /* --fold: the lines added */
	size_t unfixable;        /* findings no appended line can fix (a removal, an unwritable directory) */
	char *folded;            /* --fold: the drop-in with them */
	struct hd_shadow after;  /* --fold: what the folded drop-in still denies */
};

/* The static gate: harden check on the unit's programs under the candidate. */
struct static_gate {
	bool ran;
	unsigned commands, programs;
	hd_strv certain;  /* "COMMAND: why" for each certain break (the filter cannot be installed, an ABI killed) */
	hd_strv evidence; /* syscalls with static evidence the candidate blocks (may be on paths never taken) */
};

/* The enforce stage's tracer: the unit followed by eBPF from before its start under the drop-in until the
 * end of the watch, the calls that failed with an error a file-system setting gives, and the setting of
 * the candidate's mount plan to blame for each (harden run's report for its command). */
struct enforce_item {
	const struct hd_profile_failure *f; /* in w's profile */
	struct hd_fs_denial d;              /* its entry in plan */
};
struct enforce_report {
	bool tried;           /* eBPF was there to try */
	bool observed;        /* the unit's new cgroup was followed from before its start */
	char why[512];        /* not observed: why */
	char cgroup[4096];
	struct cli_tracer *w; /* the tracer runs in a thread while this one watches the unit */
	struct hd_mount_plan plan;
	struct enforce_item *v;
	size_t n;
	struct hd_shadow caps; /* capabilities the kernel refused that the drop-in's bounding set left out */
	bool incomplete;      /* records dropped: the list may miss some */
	bool finished;        /* enforce_finish ran */
};

struct outcome {
	const char *outcome; /* kept, rolled-back, undone, nothing-to-undo, refused, would-deny, clean */
	struct static_gate gate;
	char reason[1024];
	int before, after;
	bool recovered;
	struct hd_journal_entries journal;
	char *explained; /* harden explain's report of a SIGSYS core */
	struct shadow_report shadow;
	struct enforce_report enforce;
};

static volatile sig_atomic_t interrupted;
static void on_signal(int sig)
{
	interrupted = sig;
}

static int64_t now_usec(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static uint64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* A regular file's text, bounded (a FIFO or device is refused without blocking). 0, -ENOENT, or -errno
 * with why set. */
static int read_text(const char *path, char **out, char *why, size_t why_len)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	struct stat st;
	int r = 0;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else if ((size_t)st.st_size > HD_UNIT_FILE_MAX)
		r = -EFBIG;
	char *text = r == 0 ? malloc((size_t)st.st_size + 1) : NULL;
	size_t len = 0;
	if (r == 0 && !text)
		r = -ENOMEM;
	while (r == 0 && len < (size_t)st.st_size) {
		ssize_t k = read(fd, text + len, (size_t)st.st_size - len);
		if (k < 0)
			r = -errno;
		else if (k == 0)
			break;
		else
			len += (size_t)k;
	}
	close(fd);
	if (r == 0 && memchr(text, '\0', len))
		r = -EBADMSG;
	if (r < 0) {
		snprintf(why, why_len, "%s: %s", path, r == -EINVAL ? "not a regular file" : r == -EBADMSG ? "a NUL byte: not a text file"
							  : strerror(-r));
		free(text);
		return r;
	}
	text[len] = '\0';
	*out = text;
	return 0;
}

/* run /bin/sh -c cmd; its status (-1: could not run) */
static int run_shell(const char *cmd)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* harden explain's report of a core, as text (NULL if it had nothing to say) */
static char *explain_core(const char *core, const char *fragment)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return NULL;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		if (fragment && *fragment)
			execl("/proc/self/exe", "harden", "explain", "--unit", fragment, core, (char *)NULL);
		else
			execl("/proc/self/exe", "harden", "explain", core, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	char *text = NULL;
	size_t len = 0;
	for (;;) {
		char buf[4096];
		ssize_t k = read(pipefd[0], buf, sizeof(buf));
		if (k <= 0 || len > 256 * 1024)
			break;
		char *t = realloc(text, len + (size_t)k + 1);
		if (!t)
			break;
		text = t;
		memcpy(text + len, buf, (size_t)k);
		len += (size_t)k;
		text[len] = '\0';
	}
	close(pipefd[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return text;
}

/* The unit's exposure now (its other drop-ins, without the file at target) and with text at target. */
/* The lines u holds from one file (the drop-in apply replaces), left out. */
static void drop_file_lines(struct hd_unit *u, const char *file)
{
	size_t k = 0;
	for (size_t i = 0; i < u->n; i++) {
		struct hd_unit_assignment *a = &u->v[i];
		if (a->file && strcmp(a->file, file) == 0) {
			free(a->section);
			free(a->key);
			free(a->value);
			free(a->file);
			continue;
		}
		u->v[k++] = *a;
	}
	u->n = k;
}

static void score(const char *fragment, const char *target, const char *text, int sdver, int *before, int *after)
{
	*before = *after = -1;
	if (!fragment || !*fragment)
		return;
	struct hd_unit u = { 0 };
	hd_diags d = { 0 };
	struct hd_unit_load_options lo = { .sdver = sdver };
	if (hd_unit_load(fragment, &lo, &u, &d) == 0) {
		/* the file apply replaces counts in neither */
		drop_file_lines(&u, target);
		struct hd_assessment a = { 0 }, b = { 0 };
		if (hd_assess_loaded_unit(&u, NULL, sdver, &a, &d) == 0)
			*before = (int)a.exposure;
		if (hd_assess_with_dropin(&u, text, target, NULL, sdver, &b, &d) == 0)
			*after = (int)b.exposure;
		hd_assessment_free(&a);
		hd_assessment_free(&b);
	}
	hd_unit_free(&u);
	hd_diags_free(&d);
}

/* ---- the static gate ---- */

/* harden check's evidence against the candidate (the unit with text at target): certain breaks, and the
 * calls the programs may make that it blocks. 0, or -errno (d says why). */
static int static_gate(const char *fragment, const char *target, const char *text, int sdver, struct static_gate *g,
		       hd_diags *d)
{
	struct hd_unit u = { 0 };
	struct hd_unit_load_options lo = { .sdver = sdver, .parse_only = 1 };
	int r = hd_unit_load(fragment, &lo, &u, d);
	if (r >= 0) {
		drop_file_lines(&u, target);
		r = hd_unit_parse_text(&u, text, strlen(text), target, d);
	}
	struct hd_check_report rep = { 0 };
	struct hd_check_options co = { .sdver = sdver };
	if (r >= 0)
		r = hd_check_loaded_unit(&u, fragment, &co, &rep, d);
	for (size_t i = 0; r >= 0 && i < rep.n; i++) {
		const struct hd_check_command *c = &rep.v[i];
		g->commands++;
		for (size_t j = 0; r >= 0 && j < c->n; j++) {
			const struct hd_check_program *pg = &c->v[j];
			g->programs += pg->kind == HD_CHECK_PROGRAM_ELF;
			for (size_t k = 0; r >= 0 && k < pg->n; k++) {
				const struct hd_check_finding *f = &pg->v[k];
				if (f->kind == HD_CHECK_NOT_INSTALLED || f->kind == HD_CHECK_ARCH_KILLED)
					r = hd_strv_pushf(&g->certain, "%s=%s: %s", c->setting, c->value ? c->value : "",
							  f->reason ? f->reason : "every call is refused");
				else if (f->kind == HD_CHECK_BLOCKED && f->syscall)
					r = hd_strv_push_unique(&g->evidence, f->syscall);
			}
		}
	}
	g->ran = r >= 0;
	hd_check_report_free(&rep);
	hd_unit_free(&u);
	return r < 0 ? r : 0;
}

static void static_gate_free(struct static_gate *g)
{
	hd_strv_free(&g->certain);
	hd_strv_free(&g->evidence);
	memset(g, 0, sizeof(*g));
}

static json_object *static_gate_json(const struct static_gate *g)
{
	if (!g->ran)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "commands", json_object_new_int((int)g->commands));
	json_object_object_add(o, "programs", json_object_new_int((int)g->programs));
	json_object_object_add(o, "certain", cli_json_strv(&g->certain));
	json_object_object_add(o, "evidence", cli_json_strv(&g->evidence));
	return o;
}

/* ---- the shadow stage ---- */

/* The candidate as systemd would have it: the unit file, its drop-ins except the file apply replaces,
 * and text parsed as one more drop-in at target (as score() does). Its seccomp model into sb, its mount
 * plan into plan and its bounding set (as its CapabilityBoundingSet= lines make it) into *bounding. 0, or
 * -errno with diags said. */
static int candidate_model(const char *fragment, const char *target, const char *text, int sdver, struct hd_sandbox *sb,
			   struct hd_mount_plan *plan, uint64_t *bounding, hd_diags *d)
{
	struct hd_creds creds;
	hd_creds_init(&creds);
	struct hd_unit u = { 0 };
	struct hd_unit_load_options lo = { .sdver = sdver, .parse_only = 1 };
	struct hd_seccomp_settings s;
	hd_seccomp_settings_init(&s);
	hd_strv not_enforced = { 0 };
	int r = hd_unit_load(fragment, &lo, &u, d);
	if (r >= 0) {
		drop_file_lines(&u, target);
		r = hd_unit_parse_text(&u, text, strlen(text), target, d);
	}
	plan->sdver = sdver; /* what that systemd does (252's ProtectHome=tmpfs) */
	if (r >= 0)
		r = hd_sandbox_apply_loaded_unit(&u, sdver, &s, plan, &creds, NULL, NULL, d, &not_enforced);
	*bounding = creds.bounding;
	hd_creds_free(&creds);
	if (r >= 0)
		r = hd_mount_plan_finish(plan);
	/* the model only: nothing is loaded; systemd, the manager, holds CAP_SYS_ADMIN */
	struct hd_sandbox_options so = { .sdver = sdver, .mode = HD_SANDBOX_ENFORCE, .have_cap_sys_admin = true };
	if (r >= 0)
		r = hd_sandbox_build(&s, &so, sb, d);
	hd_strv_free(&not_enforced);
	hd_seccomp_settings_free(&s);
	hd_unit_free(&u);
	return r;
}

/* The cgroup2 mount point of this mount namespace ("" if none). */
static void cgroup2_mount(char *out, size_t len)
{
	out[0] = '\0';
	FILE *f = fopen("/proc/self/mounts", "re");
	char dev[256], dir[4096], type[64];
	while (f && fscanf(f, "%255s %4095s %63s %*[^\n]", dev, dir, type) == 3)
		if (strcmp(type, "cgroup2") == 0) {
			snprintf(out, len, "%s", dir);
			break;
		}
	if (f)
		fclose(f);
}

static void print_finding(const struct hd_shadow_finding *f, const char *indent)
{
	char *what = NULL;
	/* a path is the program's choice: one line whatever it holds */
	if (hd_unit_printable(f->what, &what) < 0)
		what = NULL;
	const char *w = what ? what : "?";
	switch (f->kind) {
	case HD_SHADOW_SYSCALL: {
		const struct hd_arch_info *ai = hd_arch_info(f->abi);
		printf("%s- syscall %s (nr %d, %s), %llu call%s, by %s= (%s)\n", indent, w, f->nr, ai ? ai->name : "?",
		       (unsigned long long)f->count, f->count == 1 ? "" : "s", f->setting, f->action);
		printf("%s  groups:", indent);
		for (size_t i = 0; i < f->groups.n; i++)
			printf("%s %s", i ? ";" : "", f->groups.v[i]);
		printf("%s\n", f->groups.n ? "" : " none");
		break;
	}
	case HD_SHADOW_WRITE:
	case HD_SHADOW_READ:
		printf("%s- %s %s: %s (%s), by %s (mount %s)\n", indent, hd_shadow_kind_name(f->kind), w, f->action,
		       strerror(f->err), f->setting, f->mount);
		break;
	case HD_SHADOW_FAMILY:
		printf("%s- socket family %s, by %s= (%s)\n", indent, w, f->setting, f->action);
		break;
	case HD_SHADOW_NAMESPACE:
		printf("%s- namespace %s, by %s= (%s)\n", indent, w, f->setting, f->action);
		break;
	case HD_SHADOW_CAPABILITY: {
		char *ev = NULL;
		if (!f->evidence || hd_unit_printable(f->evidence, &ev) < 0)
			ev = NULL;
		printf("%s- capability %s (%s), by %s= (%s)\n", indent, w, ev ? ev : "no evidence kept", f->setting, f->action);
		free(ev);
		break;
	}
	}
	free(what);
	for (size_t k = 0; k < f->fix.n; k++)
		printf("%s  %s %s\n", indent, k ? "   " : "fix:", f->fix.v[k]);
	if (f->group_fix) {
		printf("%s       or %s, which also allows", indent, f->group_fix);
		if (f->group_adds.n == 0)
			printf(" nothing else that is denied now");
		for (size_t i = 0; i < f->group_adds.n; i++)
			printf("%s %s", i ? "," : ":", f->group_adds.v[i]);
		printf("\n");
	}
	if (f->remove)
		printf("%s  fix: remove %s (not folded: --fold only adds lines)\n", indent, f->remove);
	if (f->note)
		printf("%s  fix: ReadWritePaths= cannot name that directory in a unit file: it %s\n", indent, f->note);
}

static json_object *findings_json(const struct hd_shadow *sh)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < sh->n; i++) {
		const struct hd_shadow_finding *f = &sh->v[i];
		json_object *e = json_object_new_object();
		const struct hd_arch_info *ai = hd_arch_info(f->abi);
		json_object_object_add(e, "kind", json_object_new_string(hd_shadow_kind_name(f->kind)));
		json_object_object_add(e, "what", json_object_new_string(f->what));
		if (f->kind == HD_SHADOW_SYSCALL) {
			json_object_object_add(e, "abi", cli_json_str(ai ? ai->name : NULL));
			json_object_object_add(e, "nr", json_object_new_int(f->nr));
			json_object_object_add(e, "count", json_object_new_int64((int64_t)f->count));
			json_object_object_add(e, "groups", cli_json_strv(&f->groups));
			json_object_object_add(e, "fix_group", cli_json_str(f->group_fix));
			json_object_object_add(e, "fix_group_also_allows", cli_json_strv(&f->group_adds));
		}
		if (f->kind == HD_SHADOW_WRITE || f->kind == HD_SHADOW_READ) {
			json_object_object_add(e, "errno", json_object_new_int(f->err));
			json_object_object_add(e, "mount", cli_json_str(f->mount));
			json_object_object_add(e, "remove", cli_json_str(f->remove));
			json_object_object_add(e, "unwritable", cli_json_str(f->note));
		}
		if (f->kind == HD_SHADOW_CAPABILITY)
			json_object_object_add(e, "evidence", cli_json_str(f->evidence));
		json_object_object_add(e, "setting", cli_json_str(f->setting));
		json_object_object_add(e, "action", cli_json_str(f->action));
		json_object_object_add(e, "fix", cli_json_strv(&f->fix));
		json_object_array_add(a, e);
	}
	return a;
}

static json_object *shadow_json(const struct shadow_report *sr)
{
	if (!sr->ran)
		return NULL;
	json_object *j = json_object_new_object();
	json_object_object_add(j, "cgroup", json_object_new_string(sr->cgroup));
	json_object_object_add(j, "seconds", json_object_new_double(sr->seconds));
	json_object_object_add(j, "events", json_object_new_int64((int64_t)sr->events));
	json_object_object_add(j, "lost", json_object_new_int64((int64_t)sr->lost));
	json_object_object_add(j, "would_deny", findings_json(&sr->found));
	json_object_object_add(j, "fold_lines", sr->folded ? cli_json_strv(&sr->fold_lines) : NULL);
	json_object_object_add(j, "folded", cli_json_str(sr->folded));
	json_object_object_add(j, "after_fold", sr->folded ? findings_json(&sr->after) : NULL);
	return j;
}

static void shadow_report_free(struct shadow_report *sr)
{
	hd_shadow_free(&sr->found);
	hd_shadow_free(&sr->after);
	hd_strv_free(&sr->fold_lines);
	free(sr->folded);
}

/* What the candidate text would deny of what the profile saw, into out. 0, or -errno (said on stderr). */
static int shadow_compare(const struct apply_opts *o, const char *fragment, const char *target, const char *text,
			  const struct hd_profile *prof, struct hd_shadow *out)
{
	struct hd_sandbox sb = { 0 };
	struct hd_mount_plan plan = { 0 };
	hd_diags d = { 0 };
	uint64_t bounding = HD_CAP_ALL;
	int r = candidate_model(fragment, target, text, o->sdver, &sb, &plan, &bounding, &d);
	/* the unit's own warnings were the static gate's to say; only what stops the model is shown */
	if (r < 0) {
		cli_print_diags(&d);
		fprintf(stderr, "%s apply: the shadow stage cannot model the unit with the drop-in: %s\n", cli_program,
			hd_unit_strerror(r));
	} else if ((r = hd_shadow_compare(prof, &sb, &plan, o->sdver, &hd_fs_probe_host, out)) < 0 ||
		   (r = hd_shadow_compare_caps(prof, bounding, out)) < 0)
		fprintf(stderr, "%s apply: the shadow stage: %s\n", cli_program, strerror(-r));
	hd_diags_free(&d);
	hd_mount_plan_free(&plan);
	hd_sandbox_free(&sb);
	return r;
}

/* Observe the unit's cgroup with the eBPF tracer while WORKLOAD runs (or for --watch), and compare. 0, or
 * -1 when nothing could be observed or judged (said on stderr; the caller stops, nothing changed). */
static int shadow_stage(const struct apply_opts *o, const char *unit, const struct hd_unit_state *st, const char *target,
			const char *text, struct shadow_report *sr)
{
	char mnt[4096];
	cgroup2_mount(mnt, sizeof(mnt));
	if (!mnt[0] || !st->control_group || !st->control_group[0]) {
		fprintf(stderr, "%s apply: the shadow stage: %s; nothing applied (--no-shadow skips the stage)\n", cli_program,
			!mnt[0] ? "no cgroup2 is mounted here (the unit's cgroup cannot be followed)"
				: "systemd names no cgroup for the unit (is it running?)");
		return -1;
	}
	if (!st->fragment_path || !st->fragment_path[0]) {
		fprintf(stderr, "%s apply: %s has no unit file (a transient unit?): the shadow stage cannot model it with the "
				"drop-in; nothing applied (--no-shadow skips the stage)\n", cli_program, unit);
		return -1;
	}
	snprintf(sr->cgroup, sizeof(sr->cgroup), "%s%s", mnt, st->control_group);
	/* the tracer runs in a thread while this one runs the workload (or waits --watch) */
	struct cli_tracer *w = calloc(1, sizeof(*w));
	if (!w)
		return -1;
	cli_tracer_init(w);
	w->to.cgroup = sr->cgroup;
	int ret = -1;
	bool attached = cli_tracer_start(w);
	if (!w->started) {
		fprintf(stderr, "%s apply: the shadow stage: cannot start the tracer's thread; nothing applied\n", cli_program);
		goto out;
	}
	uint64_t t0 = mono_ms();
	int wst = 0;
	if (attached && o->workload) {
		pid_t work = fork();
		if (work == 0) {
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			execl("/bin/sh", "sh", "-c", o->workload, (char *)NULL);
			_exit(127);
		}
		while (work > 0 && waitpid(work, &wst, 0) < 0) {
			if (errno != EINTR) {
				wst = -1;
				break;
			}
			if (interrupted)
				kill(work, SIGTERM);
		}
		if (work < 0)
			wst = -1;
	} else if (attached) {
		while (!interrupted && mono_ms() - t0 < o->watch_ms && !w->finished)
			usleep(100 * 1000);
	}
	sr->seconds = (double)(mono_ms() - t0) / 1000.0;
	cli_tracer_stop(w);
	if (!attached || w->r < 0) {
		cli_print_diags(&w->diags);
		fprintf(stderr, "%s apply: the shadow stage could not follow %s's cgroup %s with eBPF%s; nothing applied "
				"(--no-shadow skips the stage)\n",
			cli_program, unit, sr->cgroup, w->diags.n ? " (see above)" : "");
		goto out;
	}
	if (interrupted) {
		fprintf(stderr, "%s apply: interrupted by signal %d during the shadow stage; nothing applied\n", cli_program,
			(int)interrupted);
		goto out;
	}
	if (wst != 0) {
		fprintf(stderr, "%s apply: the workload failed (status %d) before any change, under the unit as it is: "
				"the shadow stage has nothing sound to judge by; nothing applied\n",
			cli_program, wst == -1 ? -1 : WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst));
		goto out;
	}
	hd_profile_finish(&w->prof);
	sr->ran = true;
	sr->events = w->res.events;
	sr->lost = w->res.lost + w->res.unfollowed;
	if (shadow_compare(o, st->fragment_path, target, text, &w->prof, &sr->found) < 0)
		goto out;
	if (o->fold && sr->found.n) {
		if (hd_shadow_fix_lines(&sr->found, &sr->fold_lines, &sr->unfixable) < 0 ||
		    !(sr->folded = hd_shadow_fold(text, &sr->fold_lines))) {
			fprintf(stderr, "%s apply: out of memory\n", cli_program);
			goto out;
		}
		/* the folded drop-in judged again: what --fold could not fix is said, not hidden */
		if (shadow_compare(o, st->fragment_path, target, sr->folded, &w->prof, &sr->after) < 0)
			goto out;
	}
	ret = 0;
	if (o->json)
		goto out;
	printf("%s apply: shadow stage: %s's cgroup %s followed by eBPF for %.1f s (%s): %llu calls%s\n", cli_program,
	       unit, sr->cgroup, sr->seconds, o->workload ? "while the workload ran" : "--watch", (unsigned long long)sr->events,
	       sr->lost ? ", some lost: the list may be incomplete" : "");
	if (sr->events == 0)
		printf("%s apply: warning: the service made no call while it was watched: nothing to judge it by\n", cli_program);
	if (sr->found.n == 0)
		printf("%s apply: shadow: %s denies nothing the service was seen doing\n", cli_program, target);
	else
		printf("%s apply: shadow: %zu operation%s the drop-in would deny:\n", cli_program, sr->found.n,
		       sr->found.n == 1 ? "" : "s");
	for (size_t i = 0; i < sr->found.n; i++)
		print_finding(&sr->found.v[i], "");
	if (sr->folded) {
		printf("%s apply: --fold: %zu line%s added:\n", cli_program, sr->fold_lines.n, sr->fold_lines.n == 1 ? "" : "s");
		for (size_t i = 0; i < sr->fold_lines.n; i++)
			printf("  %s\n", sr->fold_lines.v[i]);
		if (sr->after.n == 0)
			printf("%s apply: the folded drop-in denies nothing the service was seen doing\n", cli_program);
		else
			printf("%s apply: the folded drop-in still denies %zu operation%s:\n", cli_program, sr->after.n,
			       sr->after.n == 1 ? "" : "s");
		for (size_t i = 0; i < sr->after.n; i++)
			print_finding(&sr->after.v[i], "  ");
	}
out:
	cli_tracer_free(w);
	free(w);
	return ret;
}

/* ---- the enforce stage's tracer ---- */

/* path with the symbolic links of its longest existing ancestor resolved (/var/run/x -> /run/x), so that
 * it meets the plan's entries under their own names; as it is when nothing resolves (as harden run does) */
static void canonical(const char *path, char out[PATH_MAX])
{
	char head[PATH_MAX];
	snprintf(head, sizeof(head), "%s", path);
	for (;;) {
		char *real = realpath(head, NULL);
		if (real) {
			const char *rest = path + strlen(head);
			int n = snprintf(out, PATH_MAX, "%s%s", strcmp(real, "/") == 0 && *rest ? "" : real, rest);
			free(real);
			if (n > 0 && n < PATH_MAX)
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

/* The restart of the enforce stage, with the unit followed from its first call when eBPF is there. A
 * restart removes the unit's cgroup and systemd makes a new one (another inode: the tracer follows a
 * cgroup by its id), so the restart is done in two steps: the stop, then the unit's next cgroup made
 * (systemd takes a cgroup directory that is there already), followed, then the start. Without eBPF (or
 * without a cgroup to follow) it is a plain restart, and er->why says why once. 0, or -errno (why set). */
static int enforce_restart(struct hd_manager *m, const struct apply_opts *o, const char *unit,
			   const struct hd_unit_state *st, struct enforce_report *er, char *why, size_t why_len)
{
	char mnt[4096], ewhy[256];
	cgroup2_mount(mnt, sizeof(mnt));
	if (!hd_trace_ebpf_available(ewhy, sizeof(ewhy)))
		snprintf(er->why, sizeof(er->why), "eBPF: %s", ewhy);
	else if (!mnt[0])
		snprintf(er->why, sizeof(er->why), "no cgroup2 is mounted here");
	else if (!st->control_group || !st->control_group[0])
		snprintf(er->why, sizeof(er->why), "systemd names no cgroup for the unit");
	if (er->why[0]) {
		if (!o->json)
			fprintf(stderr, "%s apply: note: the enforce stage does not follow %s's calls (%s): a rollback "
					"will show the journal, not the settings that made calls fail\n", cli_program, unit, er->why);
		return hd_manager_restart(m, unit, 120 * 1000, why, why_len);
	}
	er->tried = true;
	snprintf(er->cgroup, sizeof(er->cgroup), "%s%s", mnt, st->control_group);
	int r = hd_manager_stop_alone(m, unit, 120 * 1000, why, why_len);
	if (r < 0) {
		/* a unit that refuses a manual stop (RefuseManualStop=) may still take a restart */
		snprintf(er->why, sizeof(er->why), "%.480s", why);
		er->tried = false;
		if (!o->json)
			fprintf(stderr, "%s apply: note: the enforce stage does not follow %s's calls (%s): a plain restart\n",
				cli_program, unit, er->why);
		return hd_manager_restart(m, unit, 120 * 1000, why, why_len);
	}
	bool made = mkdir(er->cgroup, 0755) == 0;
	if (!made && errno != EEXIST) {
		snprintf(er->why, sizeof(er->why), "cannot make its cgroup %.400s: %s", er->cgroup, strerror(errno));
	} else {
		struct cli_tracer *w = calloc(1, sizeof(*w));
		if (w) {
			cli_tracer_init(w);
			w->to.cgroup = er->cgroup;
			w->to.record_failures = true;
			er->observed = cli_tracer_start(w);
			if (w->started) {
				er->w = w;
				if (!er->observed) {
					const char *t = w->diags.n ? w->diags.v[0].text : "the tracer did not start";
					/* the backend's words may name it already */
					snprintf(er->why, sizeof(er->why), "%s%s", strncmp(t, "eBPF", 4) == 0 ? "" : "eBPF: ", t);
				}
			} else {
				snprintf(er->why, sizeof(er->why), "cannot start the tracer's thread");
				cli_tracer_free(w);
				free(w);
			}
		} else
			snprintf(er->why, sizeof(er->why), "out of memory");
	}
	if (er->why[0] && !o->json)
		fprintf(stderr, "%s apply: note: the enforce stage does not follow %s's calls (%s)\n", cli_program, unit, er->why);
	r = hd_manager_start(m, unit, 120 * 1000, why, why_len);
	/* a start that was never queued leaves the directory ours: not systemd's to prune */
	if (r < 0 && made)
		rmdir(er->cgroup);
	return r;
}

/* The watch is over: stop the tracer, and map the calls it saw fail onto the candidate's mount plan. */
static void enforce_finish(struct enforce_report *er, const char *fragment, const char *target, const char *text, int sdver)
{
	struct cli_tracer *w = er->w;
	if (!w || er->finished)
		return;
	er->finished = true;
	cli_tracer_stop(w);
	if (!er->observed)
		return;
	er->incomplete = w->res.lost + w->res.unfollowed > 0 || w->prof.failures_dropped > 0;
	if (!fragment || !*fragment)
		return;
	struct hd_sandbox sb = { 0 };
	hd_diags d = { 0 };
	uint64_t bounding = HD_CAP_ALL;
	int r = candidate_model(fragment, target, text, sdver, &sb, &er->plan, &bounding, &d);
	hd_diags_free(&d);
	hd_sandbox_free(&sb);
	if (r >= 0 && hd_shadow_refused_caps(&w->prof, bounding, &er->caps) < 0)
		er->incomplete = true;
	for (size_t i = 0; r >= 0 && i < w->prof.n_failures; i++) {
		const struct hd_profile_failure *f = &w->prof.failures[i];
		struct hd_fs_denial den;
		char path[PATH_MAX], tgt[PATH_MAX];
		canonical(f->path, path);
		if (f->target)
			canonical(f->target, tgt);
		r = hd_fs_denial_explain(&er->plan, path, f->target ? tgt : NULL, f->err, &hd_fs_probe_host, &den);
		if (r <= 0) {
			hd_fs_denial_free(&den);
			continue;
		}
		struct enforce_item *v = realloc(er->v, (er->n + 1) * sizeof(*v));
		if (!v) {
			hd_fs_denial_free(&den);
			er->incomplete = true;
			break;
		}
		er->v = v;
		er->v[er->n++] = (struct enforce_item){ .f = f, .d = den };
	}
}

static void enforce_report_free(struct enforce_report *er)
{
	for (size_t i = 0; i < er->n; i++)
		hd_fs_denial_free(&er->v[i].d);
	free(er->v);
	hd_shadow_free(&er->caps);
	hd_mount_plan_free(&er->plan);
	if (er->w) {
		cli_tracer_free(er->w);
		free(er->w);
	}
	memset(er, 0, sizeof(*er));
}

static const char *errno_label(int err)
{
	const char *n = hd_errno_name(err);
	return n ? n : "?";
}

static json_object *enforce_json(const struct enforce_report *er)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < er->n; i++) {
		const struct hd_profile_failure *f = er->v[i].f;
		const struct hd_fs_denial *d = &er->v[i].d;
		json_object *e = json_object_new_object();
		json_object_object_add(e, "call", json_object_new_string(f->call));
		json_object_object_add(e, "path", json_object_new_string(f->path));
		json_object_object_add(e, "target", cli_json_str(f->target));
		json_object_object_add(e, "errno", json_object_new_int(f->err));
		json_object_object_add(e, "errno_name", json_object_new_string(errno_label(f->err)));
		json_object_object_add(e, "count", json_object_new_int64((int64_t)f->count));
		json_object_object_add(e, "pid", json_object_new_int(f->tgid));
		json_object_object_add(e, "comm", json_object_new_string(f->comm));
		json_object_object_add(e, "setting", json_object_new_string(d->entry->origin));
		json_object_object_add(e, "mount", json_object_new_string(d->entry->path));
		json_object_object_add(e, "fix", cli_json_strv(&d->fix));
		json_object_object_add(e, "remove", cli_json_str(d->remove));
		json_object_object_add(e, "unwritable", cli_json_str(d->unwritable));
		json_object_array_add(a, e);
	}
	return a;
}

static json_object *enforce_caps_json(const struct enforce_report *er)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < er->caps.n; i++) {
		const struct hd_shadow_finding *f = &er->caps.v[i];
		json_object *e = json_object_new_object();
		json_object_object_add(e, "capability", json_object_new_string(f->what));
		json_object_object_add(e, "evidence", cli_json_str(f->evidence));
		json_object_object_add(e, "setting", json_object_new_string(f->setting));
		json_object_object_add(e, "fix", cli_json_strv(&f->fix));
		json_object_array_add(a, e);
	}
	return a;
}

/* Each call a file-system setting of the drop-in made fail, with the setting and the fix. */
static void print_enforce(const struct enforce_report *er)
{
	if (!er->observed)
		return;
	for (size_t i = 0; i < er->caps.n; i++) {
		const struct hd_shadow_finding *f = &er->caps.v[i];
		char *ev = NULL;
		if (!f->evidence || hd_unit_printable(f->evidence, &ev) < 0)
			ev = NULL;
		printf("%s apply: capability %s refused (%s): not in the drop-in's bounding set, by CapabilityBoundingSet=\n",
		       cli_program, f->what, ev ? ev : "no evidence kept");
		free(ev);
		for (size_t k = 0; k < f->fix.n; k++)
			printf("  fix: %s\n", f->fix.v[k]);
	}
	if (er->n == 0)
		return;
	printf("%s apply: %zu file-system call%s of the unit failed because of the drop-in's settings (seen by eBPF):\n",
	       cli_program, er->n, er->n == 1 ? "" : "s");
	for (size_t i = 0; i < er->n; i++) {
		const struct hd_profile_failure *f = er->v[i].f;
		const struct hd_fs_denial *d = &er->v[i].d;
		char *path = NULL;
		/* a path is the program's choice: one line whatever it holds */
		if (hd_unit_printable(f->path, &path) < 0)
			path = NULL;
		printf("- %s %s: %s (%s), %" PRIu64 " call%s, first in pid %d (%s), by %s\n", f->call, path ? path : "?",
		       errno_label(f->err), strerror(f->err), f->count, f->count == 1 ? "" : "s", f->tgid,
		       f->comm[0] ? f->comm : "?", d->entry->origin);
		free(path);
		for (size_t k = 0; k < d->fix.n; k++)
			printf("  %s %s\n", k ? "   " : "fix:", d->fix.v[k]);
		if (d->remove)
			printf("  fix: remove %s\n", d->remove);
		if (d->unwritable)
			printf("  fix: ReadWritePaths= cannot name that directory in a unit file: it %s\n", d->unwritable);
	}
	if (er->incomplete)
		printf("%s apply: the tracer dropped some records: the list may be incomplete\n", cli_program);
}

/* Put the state before rec's apply back: the previous file (or none), reload, restart. 0, or -errno with
 * why set. */
static int restore(struct hd_manager *m, const struct hd_apply_record *rec, char *why, size_t why_len)
{
	int r = rec->had_previous ? hd_write_file_atomic(rec->dropin_path, rec->previous, 0644)
				  : (unlink(rec->dropin_path) < 0 && errno != ENOENT ? -errno : 0);
	if (r < 0) {
		snprintf(why, why_len, "cannot put back %s: %s", rec->dropin_path, strerror(-r));
		return r;
	}
	r = hd_manager_reload(m, why, why_len);
	if (r == 0)
		r = hd_manager_restart(m, rec->unit, 120 * 1000, why, why_len);
	return r;
}

static void print_outcome(const struct apply_opts *o, const char *unit, const char *dropin, const struct outcome *oc)
{
	if (o->json) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "unit", json_object_new_string(unit));
		json_object_object_add(j, "dropin", cli_json_str(dropin));
		json_object_object_add(j, "outcome", json_object_new_string(oc->outcome));
		json_object_object_add(j, "exposure_before", oc->before >= 0 ? json_object_new_double(oc->before / 10.0) : NULL);
		json_object_object_add(j, "exposure_after", oc->after >= 0 ? json_object_new_double(oc->after / 10.0) : NULL);
		json_object_object_add(j, "reason", cli_json_str(oc->reason[0] ? oc->reason : NULL));
		json_object_object_add(j, "recovered", json_object_new_boolean(oc->recovered));
		json_object_object_add(j, "explained", cli_json_str(oc->explained));
		json_object_object_add(j, "static_gate", static_gate_json(&oc->gate));
		json_object_object_add(j, "shadow", shadow_json(&oc->shadow));
		/* the enforce stage's tracer: only where the enforce stage ran */
		if (oc->enforce.tried || oc->enforce.why[0]) {
			json_object_object_add(j, "enforce_observed", json_object_new_boolean(oc->enforce.observed));
			if (!oc->enforce.observed)
				json_object_object_add(j, "enforce_unobserved", json_object_new_string(oc->enforce.why));
			else if (oc->enforce.incomplete)
				json_object_object_add(j, "enforce_complete", json_object_new_boolean(false));
			json_object_object_add(j, "enforce_denied", enforce_json(&oc->enforce));
			json_object_object_add(j, "enforce_caps_refused", enforce_caps_json(&oc->enforce));
		}
		json_object *jl = json_object_new_array();
		for (size_t i = 0; i < oc->journal.n; i++)
			json_object_array_add(jl, cli_json_str(oc->journal.v[i].message));
		json_object_object_add(j, "journal", jl);
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
		return;
	}
	if (strcmp(oc->outcome, "kept") == 0) {
		printf("%s apply: %s kept on %s", cli_program, dropin, unit);
		if (oc->before >= 0 && oc->after >= 0)
			printf(" (exposure %.1f -> %.1f)", oc->before / 10.0, oc->after / 10.0);
		printf("\n");
		/* calls that failed and the service lived with: worth a look, not a rollback */
		print_enforce(&oc->enforce);
	} else if (strcmp(oc->outcome, "rolled-back") == 0) {
		printf("%s apply: %s ROLLED BACK on %s: %s\n", cli_program, dropin ? dropin : "the drop-in", unit, oc->reason);
		print_enforce(&oc->enforce);
		if (oc->explained)
			printf("%s", oc->explained);
		if (oc->journal.n)
			printf("the unit's journal since the apply (last %zu entries):\n", oc->journal.n);
		for (size_t i = 0; i < oc->journal.n; i++)
			printf("  %s\n", oc->journal.v[i].message ? oc->journal.v[i].message : "");
	} else if (strcmp(oc->outcome, "would-deny") == 0 || strcmp(oc->outcome, "clean") == 0)
		printf("%s apply: %s: %s\n", cli_program, unit, oc->reason);
	else if (strcmp(oc->outcome, "undone") == 0)
		printf("%s apply: %s: the state before the last apply is back (%s)\n", cli_program, unit, oc->reason);
	else
		printf("%s apply: %s: %s\n", cli_program, unit, oc->reason);
}

/* A record left "applying" by an apply that was stopped: restore before anything else. 0, 1 restored,
 * or -errno (why set). */
static int recover(struct hd_manager *m, const struct apply_opts *o, const char *unit, char *why, size_t why_len)
{
	struct hd_apply_record rec;
	hd_diags d = { 0 };
	int r = hd_apply_record_read(o->state_dir, unit, &rec, &d);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		cli_print_diags(&d);
		hd_diags_free(&d);
		snprintf(why, why_len, "the record of %s's last apply cannot be used (see above): look at it, and remove it to go on",
			 unit);
		return r;
	}
	hd_diags_free(&d);
	if (rec.state != HD_APPLY_APPLYING) {
		hd_apply_record_free(&rec);
		return 0;
	}
	fprintf(stderr, "%s apply: the apply of %s to %s started at %lld did not finish: putting back the state before it\n",
		cli_program, rec.dropin_path, unit, (long long)(rec.started_usec / 1000000));
	r = restore(m, &rec, why, why_len);
	if (r == 0) {
		rec.state = HD_APPLY_ROLLED_BACK;
		rec.finished_usec = now_usec();
		free(rec.reason);
		rec.reason = strdup("interrupted: restored by the next harden apply");
		r = hd_apply_record_write(o->state_dir, &rec);
		if (r < 0)
			snprintf(why, why_len, "cannot write the record: %s", strerror(-r));
	}
	hd_apply_record_free(&rec);
	return r < 0 ? r : 1;
}

/* The unit healthy? NULL, or why not (into buf). */
static const char *unhealthy(const struct hd_unit_state *s, uint32_t restarts_before, char *buf, size_t len)
{
	if (strcmp(s->active_state, "failed") == 0 || (strcmp(s->active_state, "inactive") == 0 && s->job_id == 0)) {
		snprintf(buf, len, "the unit is %s (%s), result %s, main process %s %d", s->active_state, s->sub_state,
			 s->result ? s->result : "?",
			 s->exec_main_code == 1 ? "exited with" : s->exec_main_code >= 2 ? "killed by signal" : "status",
			 s->exec_main_status);
		return buf;
	}
	if (s->n_restarts > restarts_before) {
		snprintf(buf, len, "the unit restarted %u time%s (result %s, main process %s %d)", s->n_restarts - restarts_before,
			 s->n_restarts - restarts_before == 1 ? "" : "s", s->result ? s->result : "?",
			 s->exec_main_code == 1 ? "exited with" : "killed by signal", s->exec_main_status);
		return buf;
	}
	return NULL;
}

static int do_apply(const struct apply_opts *o, const char *unit, const char *dropin_file)
{
	struct outcome oc = { .outcome = "refused", .before = -1, .after = -1 };
	char why[1024] = "", target[4096];
	char *text = NULL;
	struct hd_manager *m = NULL;
	struct hd_unit_state st = { 0 };
	struct hd_apply_record rec = { 0 };
	int ret = EXIT_FINDINGS;
	bool sigsys = false; /* the main process was killed by SIGSYS */
	const char *bad_name = hd_manager_service_name_problem(unit);
	if (bad_name)
		return cli_usage_error(verb, "%s: %s", unit, bad_name);
	if (read_text(dropin_file, &text, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s apply: cannot read the drop-in: %s\n", cli_program, why);
		return EXIT_FINDINGS;
	}
	/* read as systemd reads a drop-in: an error refuses it */
	{
		struct hd_unit u = { 0 };
		hd_diags d = { 0 };
		u.name = strdup(unit);
		int r = u.name ? hd_unit_parse_text(&u, text, strlen(text), dropin_file, &d) : -ENOMEM;
		cli_print_diags(&d);
		bool errors = hd_diags_count(&d, HD_ERROR) > 0;
		hd_diags_free(&d);
		hd_unit_free(&u);
		if (r < 0 || errors) {
			fprintf(stderr, "%s apply: %s does not read as a drop-in (see above): nothing applied\n", cli_program, dropin_file);
			free(text);
			return EXIT_FINDINGS;
		}
	}
	int r = hd_manager_open(&m, why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "%s apply: %s; nothing applied\n", cli_program, why);
		free(text);
		return EXIT_NO_SYSTEMD;
	}
	r = hd_manager_unit_state(m, unit, &st, why, sizeof(why));
	if (r < 0 || strcmp(st.load_state, "loaded") != 0) {
		if (r >= 0)
			snprintf(why, sizeof(why), "systemd does not know %s as a unit it can run (its load state is %s)", unit,
				 st.load_state);
		fprintf(stderr, "%s apply: %s; nothing applied\n", cli_program, why);
		ret = EXIT_NO_SYSTEMD;
		goto out;
	}
	/* a stopped unit: the restart would start what its owner stopped (a failed one may be applied a fix,
	 * with --no-shadow: its restart is the test) */
	if (strcmp(st.active_state, "inactive") == 0) {
		fprintf(stderr, "%s apply: %s is inactive (%s): apply would start it; nothing applied (start it first)\n",
			cli_program, unit, st.sub_state);
		ret = EXIT_NO_SYSTEMD;
		goto out;
	}
	/* the shadow stage needs eBPF and a running service: said before anything is changed */
	if (!o->no_shadow) {
		char ewhy[256];
		if (!hd_trace_ebpf_available(ewhy, sizeof(ewhy))) {
			fprintf(stderr, "%s apply: the shadow stage cannot run here: eBPF: %s; nothing applied (--no-shadow "
					"skips the stage)\n", cli_program, ewhy);
			ret = EXIT_NO_SYSTEMD;
			goto out;
		}
		if (strcmp(st.active_state, "active") != 0 && strcmp(st.active_state, "reloading") != 0) {
			fprintf(stderr, "%s apply: %s is %s (%s): the shadow stage observes the running service; nothing applied "
					"(start it, or --no-shadow)\n", cli_program, unit, st.active_state, st.sub_state);
			ret = EXIT_NO_SYSTEMD;
			goto out;
		}
	}
	/* SIGINT/SIGTERM from here on: the shadow stage stops (nothing changed), the enforce stage rolls back */
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (o->shadow_only) {
		/* changes nothing, so it does not recover an interrupted apply either: it says so */
		struct hd_apply_record prev;
		hd_diags pd = { 0 };
		if (hd_apply_record_read(o->state_dir, unit, &prev, &pd) == 0) {
			bool applying = prev.state == HD_APPLY_APPLYING;
			hd_apply_record_free(&prev);
			if (applying) {
				fprintf(stderr, "%s apply: an apply of %s was interrupted and is on record in %s: run '%s apply --undo "
						"%s' first; nothing observed\n", cli_program, unit, o->state_dir, cli_program, unit);
				hd_diags_free(&pd);
				ret = EXIT_NO_SYSTEMD;
				goto out;
			}
		}
		hd_diags_free(&pd);
	} else {
		r = recover(m, o, unit, why, sizeof(why));
		if (r < 0) {
			fprintf(stderr, "%s apply: %s; nothing applied\n", cli_program, why);
			goto out;
		}
		oc.recovered = r > 0;
		if (oc.recovered && !o->no_shadow) {
			/* the recovery restarted the unit: the shadow stage follows it as it is now */
			hd_unit_state_free(&st);
			if (hd_manager_unit_state(m, unit, &st, why, sizeof(why)) < 0) {
				fprintf(stderr, "%s apply: %s; nothing applied\n", cli_program, why);
				ret = EXIT_NO_SYSTEMD;
				goto out;
			}
		}
	}
	snprintf(target, sizeof(target), "/etc/systemd/system/%s.d/%s", unit, o->name);
	/* the static gate: a certain break (the filter cannot be installed, the programs' ABI killed) stops here
	 * unless --force; calls with static evidence are said, the shadow stage and the watch judge them */
	if (st.fragment_path && *st.fragment_path) {
		hd_diags gd = { 0 };
		if (static_gate(st.fragment_path, target, text, o->sdver, &oc.gate, &gd) < 0) {
			cli_print_diags(&gd);
			fprintf(stderr, "%s apply: the static gate could not check %s's programs (see above)\n", cli_program, unit);
		}
		hd_diags_free(&gd);
		if (oc.gate.ran && !o->json) {
			fprintf(stderr, "%s apply: static gate: %u command%s, %u program%s checked (harden check): %zu certain break%s",
				cli_program, oc.gate.commands, oc.gate.commands == 1 ? "" : "s", oc.gate.programs,
				oc.gate.programs == 1 ? "" : "s", oc.gate.certain.n, oc.gate.certain.n == 1 ? "" : "s");
			if (oc.gate.evidence.n) {
				fprintf(stderr, "; calls with static evidence it blocks (maybe never made):");
				for (size_t i = 0; i < oc.gate.evidence.n; i++)
					fprintf(stderr, " %s", oc.gate.evidence.v[i]);
			}
			fprintf(stderr, "\n");
			for (size_t i = 0; i < oc.gate.certain.n; i++)
				fprintf(stderr, "- %s\n", oc.gate.certain.v[i]);
		}
		if (oc.gate.certain.n && !o->force) {
			snprintf(oc.reason, sizeof(oc.reason), "the static gate found %zu certain break%s (%s); nothing applied "
				 "(--force applies it anyway)", oc.gate.certain.n, oc.gate.certain.n == 1 ? "" : "s",
				 oc.gate.certain.v[0]);
			oc.outcome = "refused";
			print_outcome(o, unit, target, &oc);
			ret = EXIT_FINDINGS;
			goto out;
		}
	}
	if (!o->no_shadow) {
		if (shadow_stage(o, unit, &st, target, text, &oc.shadow) < 0) {
			ret = EXIT_NO_SYSTEMD;
			goto out;
		}
		const struct hd_shadow *left = oc.shadow.folded ? &oc.shadow.after : &oc.shadow.found;
		const char *result = oc.shadow.folded ? oc.shadow.folded : text;
		if (o->fold_file && (r = hd_write_file_atomic(o->fold_file, result, 0644)) < 0) {
			fprintf(stderr, "%s apply: cannot write %s: %s; nothing applied\n", cli_program, o->fold_file, strerror(-r));
			ret = EXIT_NO_SYSTEMD;
			goto out;
		}
		if (o->fold && !o->fold_file && o->shadow_only && !o->json)
			printf("%s", result);
		if (o->shadow_only || left->n) {
			oc.outcome = left->n ? "would-deny" : "clean";
			if (left->n)
				snprintf(oc.reason, sizeof(oc.reason), "the %sdrop-in would deny %zu operation%s the service was seen doing%s",
					 oc.shadow.folded ? "folded " : "", left->n, left->n == 1 ? "" : "s",
					 o->shadow_only ? "" : " (--fold adds the fixes); nothing applied");
			else
				snprintf(oc.reason, sizeof(oc.reason), "the %sdrop-in denies nothing the service was seen doing (shadow only: nothing applied)",
					 oc.shadow.folded ? "folded " : "");
			print_outcome(o, unit, dropin_file, &oc);
			ret = left->n ? EXIT_FINDINGS : EXIT_OK;
			goto out;
		}
		if (oc.shadow.folded) {
			/* what is applied, recorded and scored from here on */
			free(text);
			text = strdup(oc.shadow.folded);
			if (!text) {
				fprintf(stderr, "%s apply: out of memory\n", cli_program);
				goto out;
			}
		}
	}
	rec.unit = strdup(unit);
	rec.dropin_path = strdup(target);
	rec.applied = strdup(text);
	rec.applied_sha256 = malloc(65);
	if (!rec.unit || !rec.dropin_path || !rec.applied || !rec.applied_sha256 ||
	    hd_sha256_hex(text, strlen(text), rec.applied_sha256) < 0) {
		fprintf(stderr, "%s apply: out of memory\n", cli_program);
		goto out;
	}
	struct stat tst;
	if (lstat(target, &tst) == 0) {
		if (!S_ISREG(tst.st_mode)) {
			fprintf(stderr, "%s apply: %s is there and is not a regular file: nothing applied\n", cli_program, target);
			goto out;
		}
		if (read_text(target, &rec.previous, why, sizeof(why)) < 0) {
			fprintf(stderr, "%s apply: cannot keep what is there now: %s; nothing applied\n", cli_program, why);
			goto out;
		}
		rec.had_previous = true;
	}
	score(st.fragment_path, target, text, o->sdver, &oc.before, &oc.after);
	rec.exposure_before = oc.before;
	rec.exposure_after = oc.after;
	rec.state = HD_APPLY_APPLYING;
	rec.started_usec = now_usec();
	/* the record first: whatever happens next, the state before is known */
	r = hd_apply_record_write(o->state_dir, &rec);
	if (r < 0) {
		fprintf(stderr, "%s apply: cannot write the record in %s: %s; nothing applied\n", cli_program, o->state_dir,
			strerror(-r));
		goto out;
	}
	/* SIGINT/SIGTERM from here on: roll back, then stop */
	if (interrupted) {
		fprintf(stderr, "%s apply: interrupted by signal %d; nothing applied\n", cli_program, (int)interrupted);
		rec.state = HD_APPLY_ROLLED_BACK;
		rec.finished_usec = now_usec();
		rec.reason = strdup("interrupted before the drop-in was written");
		hd_apply_record_write(o->state_dir, &rec);
		goto out;
	}
	r = 0;
	if (hd_mkdir_parent(target, 0755) < 0 || (r = hd_write_file_atomic(target, text, 0644)) < 0) {
		snprintf(oc.reason, sizeof(oc.reason), "cannot write the drop-in: %s", strerror(r < 0 ? -r : errno));
		goto rollback;
	}
	uint32_t restarts;
	{
		struct hd_unit_state s0;
		r = hd_manager_unit_state(m, unit, &s0, why, sizeof(why));
		restarts = r == 0 ? s0.n_restarts : 0;
		if (r == 0)
			hd_unit_state_free(&s0);
	}
	if ((r = hd_manager_reload(m, why, sizeof(why))) < 0 ||
	    (r = enforce_restart(m, o, unit, &st, &oc.enforce, why, sizeof(why))) < 0) {
		snprintf(oc.reason, sizeof(oc.reason), "%s", why);
		goto rollback;
	}
	/* NRestarts counts automatic restarts (Restart=); the one asked for does not change it. The workload
	 * starts once the unit has been healthy for --ready-after. */
	pid_t work = o->workload ? 0 : -1;
	bool failed = false;
	char buf[1024];
	uint64_t t0 = mono_ms();
	for (;;) {
		if (work == 0 && mono_ms() - t0 >= o->ready_after_ms) {
			work = fork();
			if (work == 0) {
				signal(SIGINT, SIG_DFL);
				signal(SIGTERM, SIG_DFL);
				execl("/bin/sh", "sh", "-c", o->workload, (char *)NULL);
				_exit(127);
			}
			if (work < 0) {
				snprintf(oc.reason, sizeof(oc.reason), "cannot start the workload: %s", strerror(errno));
				failed = true;
				break;
			}
		}
		struct hd_unit_state s;
		if (hd_manager_unit_state(m, unit, &s, why, sizeof(why)) < 0) {
			snprintf(oc.reason, sizeof(oc.reason), "%s", why);
			failed = true;
			break;
		}
		const char *bad = unhealthy(&s, restarts, buf, sizeof(buf));
		if (bad)
			snprintf(oc.reason, sizeof(oc.reason), "%s", bad);
		/* killed by SIGSYS (CLD_KILLED or CLD_DUMPED): a seccomp kill, whose core is worth waiting for */
		sigsys = bad && s.exec_main_code >= 2 && s.exec_main_status == SIGSYS;
		hd_unit_state_free(&s);
		if (bad) {
			failed = true;
			break;
		}
		if (interrupted) {
			snprintf(oc.reason, sizeof(oc.reason), "interrupted by signal %d during the watch", (int)interrupted);
			failed = true;
			break;
		}
		int wst;
		if (work > 0 && waitpid(work, &wst, WNOHANG) == work) {
			work = -1;
			if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0) {
				snprintf(oc.reason, sizeof(oc.reason), "the workload failed (%s %d)",
					 WIFEXITED(wst) ? "exit status" : "signal", WIFEXITED(wst) ? WEXITSTATUS(wst) : WTERMSIG(wst));
				failed = true;
				break;
			}
		}
		/* the watch lasts --watch seconds, and at least until the workload is done */
		if (mono_ms() - t0 >= o->watch_ms && work < 0)
			break;
		usleep(200 * 1000);
	}
	if (work > 0) {
		kill(work, SIGTERM);
		waitpid(work, NULL, 0);
	}
	if (!failed && o->check) {
		int cs = run_shell(o->check);
		if (cs != 0) {
			snprintf(oc.reason, sizeof(oc.reason), "the check failed (status %d): %s", cs, o->check);
			failed = true;
		}
	}
	/* the tracer stops with the watch: the rollback's restart is not the drop-in's doing */
	enforce_finish(&oc.enforce, st.fragment_path, target, text, o->sdver);
	if (failed && !oc.enforce.n && oc.enforce.caps.n) {
		size_t len = strlen(oc.reason);
		snprintf(oc.reason + len, sizeof(oc.reason) - len, "; CapabilityBoundingSet= left out %s, which the kernel refused",
			 oc.enforce.caps.v[0].what);
	}
	if (failed && oc.enforce.n) {
		/* the reason names the setting; the report lists every call */
		const struct enforce_item *e = &oc.enforce.v[0];
		size_t len = strlen(oc.reason);
		char *path = NULL;
		if (hd_unit_printable(e->f->path, &path) < 0)
			path = NULL;
		snprintf(oc.reason + len, sizeof(oc.reason) - len, "; %s made %zu file-system call%s fail (first: %s %s: %s)",
			 e->d.entry->origin, oc.enforce.n, oc.enforce.n == 1 ? "" : "s", e->f->call, path ? path : "?",
			 errno_label(e->f->err));
		free(path);
	}
	if (!failed) {
		rec.state = HD_APPLY_KEPT;
		rec.finished_usec = now_usec();
		r = hd_apply_record_write(o->state_dir, &rec);
		if (r < 0)
			fprintf(stderr, "%s apply: warning: the drop-in is kept, but its record could not be written: %s\n", cli_program,
				strerror(-r));
		oc.outcome = "kept";
		ret = EXIT_OK;
		print_outcome(o, unit, target, &oc);
		goto out;
	}
rollback:
	enforce_finish(&oc.enforce, st.fragment_path, target, text, o->sdver); /* (a second call does nothing) */
	/* what the journal says since the apply, and a SIGSYS core explained: systemd-coredump logs the core a
	 * moment after the death, so after a SIGSYS that entry is waited for (up to 5 s) */
	for (uint64_t w0 = mono_ms();;) {
		hd_journal_unit_since(unit, (uint64_t)rec.started_usec, 20, &oc.journal, why, sizeof(why));
		bool core = false;
		for (size_t i = 0; i < oc.journal.n; i++)
			core = core || oc.journal.v[i].coredump_signal == SIGSYS;
		if (core || !sigsys || mono_ms() - w0 > 5000)
			break;
		hd_journal_entries_free(&oc.journal);
		usleep(200 * 1000);
	}
	for (size_t i = 0; i < oc.journal.n && !oc.explained; i++)
		if (oc.journal.v[i].coredump_signal == SIGSYS && oc.journal.v[i].coredump_filename)
			oc.explained = explain_core(oc.journal.v[i].coredump_filename, st.fragment_path);
	r = restore(m, &rec, why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "%s apply: ROLLBACK FAILED: %s; the record %s keeps the state before the apply: run "
				"'%s apply --undo %s' once the cause is fixed\n",
			cli_program, why, o->state_dir, cli_program, unit);
		ret = EXIT_FINDINGS;
		goto out;
	}
	{
		struct hd_unit_state s;
		if (hd_manager_unit_state(m, unit, &s, why, sizeof(why)) == 0) {
			if (strcmp(s.active_state, "active") != 0)
				fprintf(stderr, "%s apply: warning: after the rollback %s is %s (%s)\n", cli_program, unit, s.active_state,
					s.sub_state);
			hd_unit_state_free(&s);
		}
	}
	rec.state = HD_APPLY_ROLLED_BACK;
	rec.finished_usec = now_usec();
	rec.reason = strdup(oc.reason);
	if (hd_apply_record_write(o->state_dir, &rec) < 0)
		fprintf(stderr, "%s apply: warning: rolled back, but the record could not be updated\n", cli_program);
	oc.outcome = "rolled-back";
	print_outcome(o, unit, target, &oc);
	ret = EXIT_FINDINGS;
out:
	hd_journal_entries_free(&oc.journal);
	free(oc.explained);
	shadow_report_free(&oc.shadow);
	enforce_report_free(&oc.enforce);
	static_gate_free(&oc.gate);
	hd_apply_record_free(&rec);
	hd_unit_state_free(&st);
	hd_manager_close(m);
	free(text);
	return ret;
}

static int do_undo(const struct apply_opts *o, const char *unit)
{
	struct outcome oc = { .outcome = "nothing-to-undo", .before = -1, .after = -1 };
	char why[1024];
	const char *bad_name = hd_manager_service_name_problem(unit);
	if (bad_name)
		return cli_usage_error(verb, "%s: %s", unit, bad_name);
	struct hd_manager *m = NULL;
	int r = hd_manager_open(&m, why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "%s apply: %s; nothing undone\n", cli_program, why);
		return EXIT_NO_SYSTEMD;
	}
	struct hd_apply_record rec;
	hd_diags d = { 0 };
	int ret = EXIT_FINDINGS;
	r = hd_apply_record_read(o->state_dir, unit, &rec, &d);
	cli_print_diags(&d);
	hd_diags_free(&d);
	if (r == -ENOENT) {
		snprintf(oc.reason, sizeof(oc.reason), "no apply of %s on record in %s", unit, o->state_dir);
		print_outcome(o, unit, NULL, &oc);
		hd_manager_close(m);
		return EXIT_FINDINGS;
	}
	if (r < 0) {
		fprintf(stderr, "%s apply: the record of %s cannot be used (see above); nothing undone\n", cli_program, unit);
		hd_manager_close(m);
		return EXIT_FINDINGS;
	}
	if (rec.state == HD_APPLY_ROLLED_BACK || rec.state == HD_APPLY_UNDONE) {
		snprintf(oc.reason, sizeof(oc.reason), "the last apply (%s) was %s already: nothing to undo", rec.dropin_path,
			 hd_apply_state_name(rec.state));
		print_outcome(o, unit, rec.dropin_path, &oc);
		ret = EXIT_FINDINGS;
		goto out;
	}
	/* the drop-in changed since: someone else's edit, not ours to throw away without --force */
	char *now = NULL;
	char hex[65] = "";
	if (read_text(rec.dropin_path, &now, why, sizeof(why)) == 0)
		hd_sha256_hex(now, strlen(now), hex);
	free(now);
	if (!o->force && strcmp(hex, rec.applied_sha256) != 0) {
		fprintf(stderr, "%s apply: %s is not what the last apply wrote (changed or removed since); nothing undone "
				"(--force restores the state before the apply anyway)\n", cli_program, rec.dropin_path);
		goto out;
	}
	oc.recovered = rec.state == HD_APPLY_APPLYING;
	r = restore(m, &rec, why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "%s apply: cannot undo: %s\n", cli_program, why);
		goto out;
	}
	rec.state = HD_APPLY_UNDONE;
	rec.finished_usec = now_usec();
	if (hd_apply_record_write(o->state_dir, &rec) < 0)
		fprintf(stderr, "%s apply: warning: undone, but the record could not be updated\n", cli_program);
	oc.outcome = "undone";
	snprintf(oc.reason, sizeof(oc.reason), "%s %s", rec.had_previous ? "put back the earlier" : "removed", rec.dropin_path);
	print_outcome(o, unit, rec.dropin_path, &oc);
	ret = EXIT_OK;
out:
	hd_apply_record_free(&rec);
	hd_manager_close(m);
	return ret;
}

int verb_apply(int argc, char **argv)
{
	enum { OPT_WATCH = 0x100, OPT_READY_AFTER, OPT_WHILE, OPT_CHECK, OPT_NAME, OPT_STATE_DIR, OPT_UNDO, OPT_FORCE, OPT_JSON, OPT_SYSTEMD,
	       OPT_SHADOW_ONLY, OPT_NO_SHADOW, OPT_FOLD };
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "watch", required_argument, NULL, OPT_WATCH },
		{ "ready-after", required_argument, NULL, OPT_READY_AFTER },
		{ "while", required_argument, NULL, OPT_WHILE },
		{ "check", required_argument, NULL, OPT_CHECK },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "undo", no_argument, NULL, OPT_UNDO },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "systemd", required_argument, NULL, OPT_SYSTEMD },
		{ "shadow-only", no_argument, NULL, OPT_SHADOW_ONLY },
		{ "no-shadow", no_argument, NULL, OPT_NO_SHADOW },
		{ "fold", optional_argument, NULL, OPT_FOLD },
		{ 0 },
	};
	struct apply_opts o = { .watch_ms = 10000, .ready_after_ms = 1000, .name = "zz-harden.conf", .state_dir = "/var/lib/harden",
				.sdver = hd_systemd_version_default() };
	bool undo = false;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': help(); return EXIT_OK;
		case OPT_WATCH:
		case OPT_READY_AFTER: {
			char *end;
			errno = 0;
			double v = strtod(optarg, &end);
			if (errno || *end || !(v >= 0) || v > 86400)
				return cli_usage_error(verb, "%s=%s: expected seconds (0 to 86400)",
						       c == OPT_WATCH ? "--watch" : "--ready-after", optarg);
			*(c == OPT_WATCH ? &o.watch_ms : &o.ready_after_ms) = (unsigned)(v * 1000);
			break;
		}
		case OPT_WHILE: o.workload = optarg; break;
		case OPT_CHECK: o.check = optarg; break;
		case OPT_NAME: {
			size_t n = strlen(optarg);
			if (n < 6 || n > 200 || strcmp(optarg + n - 5, ".conf") != 0 || strchr(optarg, '/') || optarg[0] == '.')
				return cli_usage_error(verb, "--name=%s: expected NAME.conf (a file name, not a path)", optarg);
			o.name = optarg;
			break;
		}
		case OPT_STATE_DIR:
			if (optarg[0] != '/')
				return cli_usage_error(verb, "--state-dir=%s: expected an absolute path", optarg);
			o.state_dir = optarg;
			break;
		case OPT_UNDO: undo = true; break;
		case OPT_FORCE: o.force = true; break;
		case OPT_JSON: o.json = true; break;
		case OPT_SYSTEMD:
			if (cli_parse_systemd_version(verb, optarg, &o.sdver) != 0)
				return EXIT_USAGE;
			break;
		case OPT_SHADOW_ONLY: o.shadow_only = true; break;
		case OPT_NO_SHADOW: o.no_shadow = true; break;
		case OPT_FOLD:
			o.fold = true;
			if (optarg && !*optarg)
				return cli_usage_error(verb, "--fold=: expected a file name (or --fold alone)");
			o.fold_file = optarg;
			break;
		default:
			if (optopt && optopt < 0x100)
				return cli_usage_error(verb, "unknown option '-%c'", optopt);
			return cli_usage_error(verb, "unknown option '%s'", argv[optind - 1]);
		}
	}
	int left = argc - optind;
	if (undo) {
		if (o.shadow_only || o.no_shadow || o.fold)
			return cli_usage_error(verb, "--undo takes no shadow option");
		if (left != 1)
			return cli_usage_error(verb, "--undo takes the unit alone: %s apply --undo UNIT", cli_program);
		return do_undo(&o, argv[optind]);
	}
	if (left != 2)
		return cli_usage_error(verb, "expected UNIT DROPIN");
	if (o.no_shadow && (o.shadow_only || o.fold))
		return cli_usage_error(verb, "--no-shadow skips the shadow stage: not with %s", o.shadow_only ? "--shadow-only" : "--fold");
	return do_apply(&o, argv[optind], argv[optind + 1]);
}
