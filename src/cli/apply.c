/* SPDX-License-Identifier: MIT */
/* harden apply: put a drop-in on a running systemd service, watch it, keep it or roll it back. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "assess/assess.h"
#include "assess/batch.h"
#include "manager/manager.h"
#include "manager/record.h"
#include "syscalls/groups.h"
#include "unit/unit.h"
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
	       "     before and after (harden security's exposure, the unit's other drop-ins included).\n"
	       "  2. A record is written (STATE-DIR/apply/UNIT.json): the drop-in, what was at its place\n"
	       "     before. An apply stopped half-way (harden killed) is found there by the next apply or\n"
	       "     --undo, which first restores the state before it.\n"
	       "  3. DROPIN is written atomically to /etc/systemd/system/UNIT.d/NAME (NAME: --name, default\n"
	       "     zz-harden.conf, which sorts after the unit's other drop-ins), systemd reloads and restarts\n"
	       "     the unit, and for --watch seconds the unit is watched: it must stay active, not restart,\n"
	       "     and WORKLOAD and CMD must succeed. SIGINT or SIGTERM during the watch rolls back.\n"
	       "  4. On a failure: the previous drop-in (or none) is put back, systemd reloads and restarts\n"
	       "     the unit, and the failure is explained: the unit's state and result, its journal since\n"
	       "     the apply, and for a SIGSYS core systemd-coredump kept, harden explain's report.\n"
	       "\n"
	       "Options:\n"
	       "  --watch=SECONDS    how long the unit is watched after the restart (default 10)\n"
	       "  --while=WORKLOAD   run /bin/sh -c WORKLOAD once the unit is up again; its failure rolls back\n"
	       "  --ready-after=SEC  the unit counts as up SEC seconds after its restart job is done, if it is\n"
	       "                     still healthy then (default 1: a Type=simple service is \"active\" before\n"
	       "                     it listens)\n"
	       "  --check=CMD        run /bin/sh -c CMD at the end of the watch; its failure rolls back\n"
	       "  --name=NAME        the drop-in's file name in UNIT.d/ (a NAME.conf; default zz-harden.conf)\n"
	       "  --state-dir=DIR    where the records are kept (default /var/lib/harden)\n"
	       "  --undo             restore the state before UNIT's last kept apply\n"
	       "  --force            --undo: restore even when the drop-in was changed since it was applied\n"
	       "  --json             one JSON object on stdout: unit, dropin, outcome (kept, rolled-back,\n"
	       "                     undone, nothing-to-undo), exposure_before, exposure_after, reason,\n"
	       "                     recovered (an interrupted apply was restored first), journal\n"
	       "  --systemd=V        read and score the drop-in as systemd V does: 252..262 or latest\n"
	       "  -h, --help         this text\n"
	       "\n"
	       "Not yet: the shadow stage (what the drop-in would deny, observed before it is applied) and\n"
	       "harden check's static gate; until then, try a drop-in with harden run --unit ... --while\n"
	       "first.\n"
	       "\n"
	       "Exit status: 0 kept (or undone); 1 rolled back, refused (the drop-in does not parse) or\n"
	       "nothing to undo; 2 usage error, or no systemd to talk to, or a unit it does not know\n"
	       "(nothing changed).\n",
	       cli_program, cli_program);
}

struct apply_opts {
	unsigned watch_ms, ready_after_ms;
	const char *workload, *check, *name, *state_dir;
	bool force, json;
	int sdver;
};

struct outcome {
	const char *outcome; /* kept, rolled-back, undone, nothing-to-undo, refused */
	char reason[1024];
	int before, after;
	bool recovered;
	struct hd_journal_entries journal;
	char *explained; /* harden explain's report of a SIGSYS core */
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
		size_t k = 0;
		for (size_t i = 0; i < u.n; i++) {
			if (u.v[i].file && strcmp(u.v[i].file, target) == 0)
				continue;
			u.v[k++] = u.v[i];
		}
		u.n = k;
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
	} else if (strcmp(oc->outcome, "rolled-back") == 0) {
		printf("%s apply: %s ROLLED BACK on %s: %s\n", cli_program, dropin ? dropin : "the drop-in", unit, oc->reason);
		if (oc->explained)
			printf("%s", oc->explained);
		if (oc->journal.n)
			printf("the unit's journal since the apply (last %zu entries):\n", oc->journal.n);
		for (size_t i = 0; i < oc->journal.n; i++)
			printf("  %s\n", oc->journal.v[i].message ? oc->journal.v[i].message : "");
	} else if (strcmp(oc->outcome, "undone") == 0)
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
	r = recover(m, o, unit, why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "%s apply: %s; nothing applied\n", cli_program, why);
		goto out;
	}
	oc.recovered = r > 0;
	snprintf(target, sizeof(target), "/etc/systemd/system/%s.d/%s", unit, o->name);
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
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
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
	if ((r = hd_manager_reload(m, why, sizeof(why))) < 0 || (r = hd_manager_restart(m, unit, 120 * 1000, why, sizeof(why))) < 0) {
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
	enum { OPT_WATCH = 0x100, OPT_READY_AFTER, OPT_WHILE, OPT_CHECK, OPT_NAME, OPT_STATE_DIR, OPT_UNDO, OPT_FORCE, OPT_JSON, OPT_SYSTEMD };
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
		default:
			if (optopt && optopt < 0x100)
				return cli_usage_error(verb, "unknown option '-%c'", optopt);
			return cli_usage_error(verb, "unknown option '%s'", argv[optind - 1]);
		}
	}
	int left = argc - optind;
	if (undo) {
		if (left != 1)
			return cli_usage_error(verb, "--undo takes the unit alone: %s apply --undo UNIT", cli_program);
		return do_undo(&o, argv[optind]);
	}
	if (left != 2)
		return cli_usage_error(verb, "expected UNIT DROPIN");
	if (o.force)
		return cli_usage_error(verb, "--force goes with --undo");
	return do_apply(&o, argv[optind], argv[optind + 1]);
}
