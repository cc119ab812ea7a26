/* SPDX-License-Identifier: MIT */
/* harden learn: watch a program, then write the tightest drop-in that lets it do what it did. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "syscalls/groups.h"
#include "learn/profile.h"
#include "learn/suggest.h"
#include "learn/trace/trace.h"
#include "assess/assess.h"
#include "learn/exposure.h"
#include "learn/service.h"
#include "learn/widen.h"
#include "unit/unit.h"
#include "util/fileio.h"

static void help(void)
{
	printf("Usage: %s learn [OPTIONS] -- COMMAND [ARGS...]\n"
	       "       %s learn [OPTIONS] --while=WORKLOAD -- DAEMON [ARGS...]\n"
	       "       %s learn [OPTIONS] --while=WORKLOAD --unit=FILE\n"
	       "       %s learn [OPTIONS] --pid PID [--duration SECONDS]\n"
	       "       %s learn [OPTIONS] --cgroup PATH [--duration SECONDS]\n"
	       "       %s learn [OPTIONS] --merge A.json B.json...\n"
	       "       %s learn [OPTIONS] --from-profile P.json\n"
	       "\n"
	       "Watch what a program does and write the tightest systemd drop-in that still lets it do it:\n"
	       "SystemCallFilter= as an allow list (compact: groups where most was used), and every other\n"
	       "setting the observed behaviour allows, each with a comment saying which observation justifies it.\n"
	       "\n"
	       "Options:\n"
	       "  --backend=ebpf|ptrace|auto  how to watch (default auto: eBPF when root and built in, else ptrace)\n"
	       "  -o, --output=FILE        write the drop-in to FILE (default: standard output)\n"
	       "  --profile-out=FILE       also write the observed profile (JSON, schema in profile.h)\n"
	       "  --pid=PID                attach to a running process and its descendants until Ctrl-C\n"
	       "                           or --duration (ptrace: two stops per syscall when attaching)\n"
	       "  --cgroup=PATH            watch every process of a cgroup v2 directory (eBPF only)\n"
	       "  --duration=SECONDS       end an attach session after this long\n"
	       "  --merge                  the arguments are profiles to merge (union), then suggest\n"
	       "  --from-profile=FILE      do not trace: suggest from a saved profile\n"
	       "  --systemd=252..262|latest\n"
	       "                           group table to use (default: the installed systemd if harden\n"
	       "                           models it, else latest = 262)\n"
	       "  --unit=FILE              the unit the drop-in is for: its exposure before -> after is\n"
	       "                           the last line (default: a bare service running the command)\n"
	       "  --json                   print {profile, settings, left_out, not_sure} as JSON instead of\n"
	       "                           a drop-in\n"
	       "  --widen=static|none      static: also allow the calls the programs that ran can reach\n"
	       "                           (harden check's static evidence of each executed file and its\n"
	       "                           libraries) although no run saw them: safe instead of tight.\n"
	       "                           none (default): only list them, in the drop-in's \"Not sure of\"\n"
	       "                           section, grouped, with the exposure each group would add\n"
	       "  --style=allow|deny       SystemCallFilter= as an allow list of what was seen (default), or\n"
	       "                           as a deny list: ~ the dangerous groups' calls never seen that\n"
	       "                           @system-service does not hold, for services that run programs no\n"
	       "                           workload shows (sshd's sessions). When a shell ran, learn says so\n"
	       "                           and gives the exposure of both forms\n"
	       "  --verify                 after learning, run the same thing again (the command, or with\n"
	       "                           --unit --while the unit's own service and WORKLOAD) under the\n"
	       "                           whole drop-in with harden run; the drop-in says whether it\n"
	       "                           passed with nothing killed or denied (exit 1 if not)\n"
	       "  --reload                 --unit --while: run the unit's ExecReload= once the service is up,\n"
	       "                           observed (with the daemon's own reload), before WORKLOAD\n"
	       "  --while=WORKLOAD         learn a daemon while WORKLOAD runs: start DAEMON traced (in its\n"
	       "                           own process group), wait until it is up, run /bin/sh -c WORKLOAD\n"
	       "                           (not traced), then stop the daemon: TERM to all its processes,\n"
	       "                           KILL after --stop-timeout. A daemon gone before it was up is an\n"
	       "                           error (WORKLOAD not run, nothing written)\n"
	       "  --ready-after=SECONDS    --while: the daemon is up once one of its processes listens on a\n"
	       "                           TCP or unix socket, or after SECONDS at the latest (default 1)\n"
	       "  --stop-timeout=SECONDS   --while: TERM -> KILL (default: --unit's TimeoutStopSec=, else 10)\n"
	       "  --unit=FILE with --while and no DAEMON: start the unit's ExecStart= as systemd would for\n"
	       "                           it: User=/Group= (root only), WorkingDirectory=, Environment=\n"
	       "                           (systemd's PATH, not harden's environment), KillSignal=,\n"
	       "                           TimeoutStopSec= (unless --stop-timeout), RuntimeDirectory=,\n"
	       "                           StateDirectory=, CacheDirectory=, LogsDirectory=,\n"
	       "                           ConfigurationDirectory= (made with their modes and owner, in\n"
	       "                           $RUNTIME_DIRECTORY..., the runtime ones removed at the end);\n"
	       "                           Type=forking: up once the main process has exited (and PIDFile=\n"
	       "                           names a live process). EnvironmentFile= as systemd reads it\n"
	       "                           (overrides Environment=); $VAR, ${VAR}, $$ expanded in Exec*=;\n"
	       "                           each ExecStartPre= run first, as the unit's user, observed (\"+\":\n"
	       "                           as root, not observed; \"-\": may fail; any other failure: no\n"
	       "                           drop-in); ExecStop= (with $MAINPID, observed; \"+\": not) before\n"
	       "                           KillSignal= to what is left (KillMode=mixed/process/none: to\n"
	       "                           the main process alone, SIGKILL to the rest once it is gone)\n"
	       "  --ip-allow[=ADDRESS,...] also write IPAddressDeny=any with IPAddressAllow= of the peers\n"
	       "                           seen (connected or sent to; localhost for what served on a\n"
	       "                           loopback address) and the ADDRESSes given (the clients of a\n"
	       "                           service that serves on any other address: without them that\n"
	       "                           line is left out). Off by default: peers are the deployment's\n"
	       "  -h, --help               this text\n"
	       "\n"
	       "Everything seen is what was attempted at syscall entry: run the workloads the service really\n"
	       "has (merge several profiles) or the drop-in will be too tight for what was not exercised.\n"
	       "\n"
	       "INT or TERM sent to harden ends the command (SIGTERM) or the attach session; what was seen\n"
	       "until then is still written.\n"
	       "\n"
	       "With --while, INT or TERM ends the workload and stops the daemon the same way; if harden is\n"
	       "killed, a helper process stops the daemon. The drop-in (-o) is written to a temporary file and\n"
	       "renamed: it is never left half-written.\n"
	       "\n"
	       "Exit status: 0 learned and the command exited 0; 1 the command failed or could not be traced\n"
	       "(whatever was learned is still written), or with --while: the workload failed (the drop-in is\n"
	       "still written), the daemon could not be started or died before it was up (nothing written), or\n"
	       "it had to be killed with SIGKILL; 2 usage error or unreadable profile.\n",
	       cli_program, cli_program, cli_program, cli_program, cli_program, cli_program, cli_program);
}

static volatile sig_atomic_t stop_requested;
static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* "-" (or no FILE) is standard output. A file is replaced atomically: a unit's drop-in directory or
 * a profile another run merges never holds half a file, even when learn is stopped while writing. */
static int write_text(const char *path, const char *text)
{
	if (!path || strcmp(path, "-") == 0) {
		fputs(text, stdout);
		return fflush(stdout) == 0 ? 0 : -EIO;
	}
	int r = hd_write_file_atomic(path, text, 0644);
	if (r < 0)
		fprintf(stderr, "%s learn: cannot write %s: %s\n", cli_program, path, strerror(-r));
	return r;
}

static char *join_argv(char **argv)
{
	size_t n = 1;
	for (char **a = argv; *a; a++)
		n += strlen(*a) + 1;
	char *s = malloc(n), *p = s;
	if (!s)
		return NULL;
	*p = 0;
	for (char **a = argv; *a; a++)
		p += sprintf(p, "%s%s", a == argv ? "" : " ", *a);
	return s;
}

static json_object *suggestion_json(const struct hd_suggestion *s)
{
	json_object *o = json_object_new_object(), *set = json_object_new_array(), *lo = cli_json_strv(&s->left_out);
	for (size_t i = 0; i < s->n; i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "key", json_object_new_string(s->v[i].key));
		json_object_object_add(e, "value", json_object_new_string(s->v[i].value));
		json_object_object_add(e, "why", json_object_new_string(s->v[i].why));
		json_object_array_add(set, e);
	}
	json_object_object_add(o, "settings", set);
	json_object_object_add(o, "left_out", lo);
	return o;
}

static json_object *not_sure_json(const struct hd_widen_report *r, bool folded)
{
	json_object *o = json_object_new_object(), *calls = json_object_new_array();
	for (size_t i = 0; i < r->n; i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "syscall", json_object_new_string(r->v[i].syscall));
		json_object_object_add(e, "group", r->v[i].cover ? json_object_new_string(r->v[i].cover) : NULL);
		json_object_object_add(e, "program", json_object_new_string(r->v[i].program));
		json_object_object_add(e, "evidence", r->v[i].evidence ? json_object_new_string(r->v[i].evidence) : NULL);
		json_object_array_add(calls, e);
	}
	json_object_object_add(o, "calls", calls);
	json_object_object_add(o, "allowed", json_object_new_boolean(folded));
	json_object_object_add(o, "programs", cli_json_strv(&r->scanned));
	json_object_object_add(o, "not_compared", cli_json_strv(&r->problems));
	json_object_object_add(o, "limits", cli_json_strv(&r->limits));
	json_object_object_add(o, "refused_by_other_settings", cli_json_strv(&r->other_settings));
	return o;
}

/* The drop-in's first lines: which runs it came from (every command of a merged profile, bounded), the
 * profiles read, how it was observed. */
static char *provenance(const struct hd_profile *p, int sdver, char *const *files, size_t n_files, bool widened)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	fprintf(f, "Drop-in written by harden learn (systemd %s groups)", hd_systemd_version_name(sdver));
	if (n_files) {
		fprintf(f, " from the profile%s", n_files > 1 ? "s" : "");
		for (size_t i = 0; i < n_files && i < 16; i++)
			fprintf(f, "%s %.300s", i ? "," : "", files[i]);
		if (n_files > 16)
			fprintf(f, " and %zu more", n_files - 16);
	}
	if (p->commands.n == 1)
		fprintf(f, "%s %.600s\n", n_files ? ", of one run:" : " from one run:", p->commands.v[0]);
	else if (p->commands.n > 1) {
		fprintf(f, "%s %zu runs:\n", n_files ? ", merging" : " from", p->commands.n);
		for (size_t i = 0; i < p->commands.n && i < 16; i++)
			fprintf(f, "  %.300s\n", p->commands.v[i]);
		if (p->commands.n > 16)
			fprintf(f, "  and %zu more\n", p->commands.n - 16);
	} else
		fputs("\n", f);
	fprintf(f, "Observed with: %s. %s", p->backend ? p->backend : "?",
		widened ? "What the programs were seen doing is allowed, and what they can reach (--widen=static)."
			: "Only what the program did while watched is allowed.");
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

static void describe_status(char *buf, size_t len, int st)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, len, "ended (wait status %#x)", (unsigned)st);
}

#define EXIT_FAILURE_NO_DROPIN (-1)

/* What happened to the daemon and the workload; EXIT_OK, EXIT_FINDINGS (still write the drop-in) or
 * EXIT_FAILURE_NO_DROPIN. */
static int report_service(const struct hd_service_result *r, const struct hd_service_options *o)
{
	char what[128];
	int ret = EXIT_OK;
	describe_status(what, sizeof(what), r->trace.wait_status);
	if (r->pid_refused) {
		/* the daemon's user chose that number: harden runs as root and must not act on it */
		fprintf(stderr, "%s learn: error: PIDFile=%s names PID %d, which is not a process of the service: "
				"refused (it was not signalled)", cli_program, o->pid_file ? o->pid_file : "?",
			(int)r->pid_refused);
		if (r->pid_file_unsafe)
			fprintf(stderr, "; the file %s, so another user than root could have written it, and systemd "
					"refuses it too\n", r->pid_file_why);
		else
			fprintf(stderr, "\n");
		if (r->outcome == HD_SERVICE_PID_REFUSED)
			fprintf(stderr, "%s learn: the service failed to start (as under systemd): it was stopped, the "
					"workload was not run; no drop-in written\n", cli_program);
		else
			fprintf(stderr, "%s learn: no drop-in written\n", cli_program);
		return EXIT_FAILURE_NO_DROPIN;
	}
	switch (r->outcome) {
	case HD_SERVICE_PID_REFUSED: /* said above */
		return EXIT_FAILURE_NO_DROPIN;
	case HD_SERVICE_NOT_STARTED:
		fprintf(stderr, "%s learn: the daemon was not started; no drop-in written\n", cli_program);
		return EXIT_FAILURE_NO_DROPIN;
	case HD_SERVICE_DIED_EARLY:
		fprintf(stderr, "%s learn: the daemon %s before it was up: the workload was not run; no drop-in "
				"written (run it without --while to see why it stops)\n", cli_program,
			o->forking ? "left no process running" : what);
		return EXIT_FAILURE_NO_DROPIN;
	case HD_SERVICE_INTERRUPTED:
		fprintf(stderr, "%s learn: interrupted: the workload was ended and the daemon stopped; the drop-in "
				"holds only what was seen until then\n", cli_program);
		ret = EXIT_FINDINGS;
		break;
	case HD_SERVICE_RAN:
		break;
	}
	if (r->outcome != HD_SERVICE_INTERRUPTED)
		fprintf(stderr, "%s learn: the daemon was up after %u.%03u s (%s)\n", cli_program, r->ready_ms / 1000,
			r->ready_ms % 1000, r->ready_by_socket ? "it listens on a socket" : "--ready-after");
	if (r->workload_ran && r->outcome == HD_SERVICE_RAN &&
	    !(WIFEXITED(r->workload_status) && WEXITSTATUS(r->workload_status) == 0)) {
		describe_status(what, sizeof(what), r->workload_status);
		fprintf(stderr, "%s learn: the workload %s: a finding (the drop-in is still written, from what was "
				"seen)\n", cli_program, what);
		ret = EXIT_FINDINGS;
	}
	if (r->daemon_gone_before_stop) {
		fprintf(stderr, "%s learn: the daemon ended by itself while the workload ran\n", cli_program);
		ret = EXIT_FINDINGS;
	}
	if (r->needed_sigkill) {
		fprintf(stderr, "%s learn: the daemon ignored %s for %u.%u s: killed with SIGKILL\n", cli_program,
			sigabbrev_np(o->kill_signal > 0 ? o->kill_signal : SIGTERM) ? : "its stop signal",
			o->stop_timeout_ms / 1000, o->stop_timeout_ms % 1000 / 100);
		ret = EXIT_FINDINGS;
	}
	if (o->unit && r->stop_commands_run)
		fprintf(stderr, "%s learn: ExecStop= ran (%u command%s) to stop the service\n", cli_program,
			r->stop_commands_run, r->stop_commands_run == 1 ? "" : "s");
	if (o->unit && r->stop_commands_run && r->stop_unobserved) {
		/* systemd runs them under the drop-in: one learned without them can make `systemctl stop` fail */
		fprintf(stderr, "%s learn: error: ExecStop= could not be observed: what it calls is not in the "
				"drop-in\n", cli_program);
		ret = EXIT_FINDINGS;
	}
	if (o->unit && r->stop_failed_index >= 0 && (size_t)r->stop_failed_index < o->unit->stop.n) {
		const struct hd_service_command *c = &o->unit->stop.v[r->stop_failed_index];
		describe_status(what, sizeof(what), r->stop_failed_status);
		fprintf(stderr, "%s learn: %s:%u: ExecStop=%s %s: a finding (the rest was stopped with the "
				"signal)\n", cli_program, c->file, c->line, c->path, what);
		ret = EXIT_FINDINGS;
	}
	if (o->reload && r->reload_commands_run)
		fprintf(stderr, "%s learn: ExecReload= ran (%u command%s) once the service was up, before the "
				"workload\n", cli_program, r->reload_commands_run, r->reload_commands_run == 1 ? "" : "s");
	if (o->unit && r->reload_failed_index >= 0 && (size_t)r->reload_failed_index < o->unit->reload.n) {
		const struct hd_service_command *c = &o->unit->reload.v[r->reload_failed_index];
		describe_status(what, sizeof(what), r->reload_failed_status);
		fprintf(stderr, "%s learn: %s:%u: ExecReload=%s %s: a finding (systemctl reload would fail)\n",
			cli_program, c->file, c->line, c->path, what);
		ret = EXIT_FINDINGS;
	}
	if (r->left_running) {
		fprintf(stderr, "%s learn: error: some of the daemon's processes survived SIGKILL\n", cli_program);
		ret = EXIT_FINDINGS;
	}
	return ret;
}

/* ---- --verify: the drop-in tried whole under harden run before it is written ---- */

/* path's content into dir/name (0644). 0 or -errno. */
static int copy_into(const char *path, const char *dir, const char *name)
{
	char *text = NULL, *dst = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");
	int r = f ? 0 : -errno;
	if (f) {
		char buf[65536];
		size_t n;
		FILE *m = open_memstream(&text, &len);
		if (!m)
			r = -ENOMEM;
		while (m && (n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, m);
		if (m && fclose(m) != 0)
			r = -ENOMEM;
		fclose(f);
	}
	if (r == 0 && asprintf(&dst, "%s/%s", dir, name) < 0)
		r = -ENOMEM;
	if (r == 0)
		r = hd_write_file_atomic(dst, text ? text : "", 0644);
	free(text);
	free(dst);
	return r;
}

/* Try dropin_text whole: a copy of the unit (or a bare service) with its drop-ins and this one in a
 * directory of its own, run by this program's `run` with the same workload (--unit --while: the unit's
 * own service; else the command again). 0 passed (the workload or command succeeded, nothing killed or
 * denied), 1 not, -1 it could not be tried; *how says what was run, for the drop-in. */
static int verify_dropin(const char *dropin_text, const char *unit_path, const char *replaces, int sdver,
			 const char *workload, char **cmd, char *how, size_t how_len)
{
	char dir[] = "/tmp/harden-verify.XXXXXX", self[4096], unit_copy[4200], ddir[4300];
	ssize_t sn = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sn <= 0 || !mkdtemp(dir)) {
		snprintf(how, how_len, "could not be tried: %s", strerror(errno));
		return -1;
	}
	self[sn] = '\0';
	chmod(dir, 0755); /* the unit's User= reads the copies */
	struct hd_unit u = { 0 };
	hd_diags d = { 0 };
	int ret = -1, r = 0, rfd = -1;
	const char *name = "harden-verify.service";
	if (unit_path) {
		struct hd_unit_load_options lo = { .sdver = sdver };
		if ((r = hd_unit_load(unit_path, &lo, &u, &d)) < 0) {
			snprintf(how, how_len, "could not be tried: %s cannot be read", unit_path);
			goto out;
		}
		name = u.name;
	}
	/* a name of its own: the host's drop-ins for the real name are copied below, not found by name */
	snprintf(unit_copy, sizeof(unit_copy), "%s/harden-verify-%s", dir, name);
	snprintf(ddir, sizeof(ddir), "%s.d", unit_copy);
	if (mkdir(ddir, 0755) < 0) {
		snprintf(how, how_len, "could not be tried: %s", strerror(errno));
		goto out;
	}
	r = unit_path ? copy_into(unit_path, dir, strrchr(unit_copy, '/') + 1)
		      : hd_write_file_atomic(unit_copy, "[Service]\nExecStart=/bin/true\n", 0644);
	/* the unit's drop-ins in their order, but the one this drop-in replaces; this one last */
	struct stat rs, ds;
	bool have_replaced = replaces && stat(replaces, &rs) == 0;
	for (size_t i = 0; r == 0 && i < u.dropins.n; i++) {
		if (have_replaced && stat(u.dropins.v[i], &ds) == 0 && ds.st_dev == rs.st_dev && ds.st_ino == rs.st_ino)
			continue;
		char n[300];
		const char *b = strrchr(u.dropins.v[i], '/');
		snprintf(n, sizeof(n), "%03zu-%.250s", i, b ? b + 1 : u.dropins.v[i]);
		r = copy_into(u.dropins.v[i], ddir, n);
	}
	char learned[4400];
	snprintf(learned, sizeof(learned), "%s/zzz-harden-learned.conf", ddir);
	if (r == 0)
		r = hd_write_file_atomic(learned, dropin_text, 0644);
	char tmpl[] = "/tmp/harden-verify-report.XXXXXX";
	if (r == 0 && ((rfd = mkstemp(tmpl)) < 0 || unlink(tmpl) < 0))
		r = -errno;
	if (r < 0) {
		snprintf(how, how_len, "could not be tried: %s", strerror(-r));
		goto out;
	}
	hd_strv argv = { 0 };
	hd_strv_push(&argv, self);
	hd_strv_push(&argv, "run");
	hd_strv_push(&argv, "--unit");
	hd_strv_push(&argv, unit_copy);
	hd_strv_pushf(&argv, "--systemd=%s", hd_systemd_version_name(sdver));
	hd_strv_pushf(&argv, "--report-fd=%d", rfd);
	bool root = geteuid() == 0;
	if (!root) /* the file-system settings need root: tried without them, and said */
		hd_strv_push(&argv, "--allow-partial");
	if (workload) {
		hd_strv_push(&argv, "--while");
		hd_strv_push(&argv, workload);
	} else {
		hd_strv_push(&argv, "--");
		for (char **c = cmd; *c; c++)
			hd_strv_push(&argv, *c);
	}
	hd_strv_push(&argv, "");
	free(argv.v[--argv.n]);
	argv.v[argv.n] = NULL;
	fprintf(stderr, "%s learn: --verify: trying the drop-in whole with harden run %s\n", cli_program,
		workload ? "--unit --while (the unit's own service)" : "on the command");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		execv(self, argv.v);
		_exit(127);
	}
	int st = 0;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	hd_strv_free(&argv);
	unsigned kills = 0, denied = 0, fs_denied = 0, unobserved = 0, net_denied = 0, cap_denied = 0;
	char unobserved_why[200];
	cli_count_reports(rfd, &kills, &denied, NULL);
	/* calls a file-system or network setting made fail, capabilities the bounding set refused (harden run
	 * names each with its fix above): the drop-in broke the command alike */
	cli_count_fs_reports(rfd, &fs_denied, &unobserved, unobserved_why, sizeof(unobserved_why));
	cli_count_net_cap_reports(rfd, &net_denied, &cap_denied);
	/* a capability refusal is listed, not counted (see run_unit_while in run.c) */
	bool ok = pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && !kills && !denied && !fs_denied && !net_denied;
	char fs[300] = "";
	size_t used = 0;
	if (fs_denied)
		used += (size_t)snprintf(fs, sizeof(fs), ", %u file-system denial%s", fs_denied, fs_denied == 1 ? "" : "s");
	if (net_denied)
		used += (size_t)snprintf(fs + used, sizeof(fs) - used, ", %u network denial%s", net_denied,
					 net_denied == 1 ? "" : "s");
	if (cap_denied)
		used += (size_t)snprintf(fs + used, sizeof(fs) - used, " (%u capability refusal%s, not counted)", cap_denied,
					 cap_denied == 1 ? "" : "s");
	if (!used && unobserved && root)
		snprintf(fs, sizeof(fs), " (file-system denials not observed: %s)", unobserved_why);
	snprintf(how, how_len, "%s under this whole drop-in (harden run --unit%s%s%s, systemd %s): %s; %u kill%s, "
		 "%u denied call%s%s%s",
		 workload ? "the workload" : "the command", workload ? " --while '" : "", workload ? workload : "",
		 workload ? "'" : "", hd_systemd_version_name(sdver),
		 ok ? "passed" : pid > 0 && WIFEXITED(st) ? "failed" : "did not end normally", kills,
		 kills == 1 ? "" : "s", denied, denied == 1 ? "" : "s", fs,
		 root ? "" : " (not root: the file-system settings were not tried)");
	ret = ok ? 0 : 1;
out:
	if (rfd >= 0)
		close(rfd);
	/* the copies, in the directory this run made: its files, then it */
	DIR *dd = opendir(ddir);
	struct dirent *e;
	while (dd && (e = readdir(dd)))
		if (e->d_name[0] != '.') {
			char p[4600];
			snprintf(p, sizeof(p), "%s/%s", ddir, e->d_name);
			unlink(p);
		}
	if (dd)
		closedir(dd);
	rmdir(ddir);
	unlink(unit_copy);
	rmdir(dir);
	hd_unit_free(&u);
	hd_diags_free(&d);
	return ret;
}

static int learn_main(int argc, char **argv, hd_strv *merge_files_out);

int verb_learn(int argc, char **argv)
{
	hd_strv merge_files = { 0 };
	int r = learn_main(argc, argv, &merge_files);
	hd_strv_free(&merge_files);
	return r;
}

static int learn_main(int argc, char **argv, hd_strv *merge_files_out)
{
	enum { O_BACKEND = 256, O_PROFILE_OUT, O_PID, O_CGROUP, O_DURATION, O_MERGE, O_FROM, O_SYSTEMD, O_JSON,
	       O_UNIT, O_WHILE, O_READY_AFTER, O_STOP_TIMEOUT, O_WIDEN, O_STYLE, O_RELOAD, O_VERIFY,
	       O_IP_ALLOW };
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, O_BACKEND },
		{ "output", required_argument, NULL, 'o' },
		{ "profile-out", required_argument, NULL, O_PROFILE_OUT },
		{ "pid", required_argument, NULL, O_PID },
		{ "cgroup", required_argument, NULL, O_CGROUP },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "merge", no_argument, NULL, O_MERGE },
		{ "from-profile", required_argument, NULL, O_FROM },
		{ "systemd", required_argument, NULL, O_SYSTEMD },
		{ "json", no_argument, NULL, O_JSON },
		{ "unit", required_argument, NULL, O_UNIT },
		{ "while", required_argument, NULL, O_WHILE },
		{ "ready-after", required_argument, NULL, O_READY_AFTER },
		{ "stop-timeout", required_argument, NULL, O_STOP_TIMEOUT },
		{ "widen", required_argument, NULL, O_WIDEN },
		{ "style", required_argument, NULL, O_STYLE },
		{ "reload", no_argument, NULL, O_RELOAD },
		{ "verify", no_argument, NULL, O_VERIFY },
		{ "ip-allow", optional_argument, NULL, O_IP_ALLOW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hd_trace_options to = { .backend = HD_TRACE_AUTO, .stop = &stop_requested };
	const char *output = NULL, *profile_out = NULL, *from = NULL, *unit_path = NULL;
	bool merge = false, json = false, widen = false, ip_allow = false;
	static hd_strv ip_extra; /* --ip-allow=ADDRESS,...: freed at exit with the process */
	int style = HD_SUGGEST_ALLOW;
	bool stop_timeout_given = false, verify = false;
	hd_strv dirs_made = { 0 }; /* the unit's directories this run made (the runtime ones go at the end) */
	struct hd_service_options svc = { .ready_after_ms = 1000, .stop_timeout_ms = 10000 };
	int sdver = hd_systemd_version_default();
	opterr = 0;
	optind = 1;
	int c;
#define merge_files (*merge_files_out)
	/* '+': stop at the first non-option so that the command's own options are left alone; with --merge
	 * the profiles may come before further options ("--merge A.json B.json -o FILE") */
next_option:
	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case O_BACKEND:
			if (hd_trace_backend_parse(optarg, &to.backend) < 0)
				return cli_usage_error("learn", "--backend=%s: expected ebpf, ptrace or auto", optarg);
			break;
		case 'o':
			if (cli_check_output_path("learn", "-o", optarg))
				return EXIT_USAGE;
			output = optarg;
			break;
		case O_PROFILE_OUT:
			if (cli_check_output_path("learn", "--profile-out", optarg))
				return EXIT_USAGE;
			profile_out = optarg;
			break;
		case O_PID: {
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || *end || v <= 0 || v > 0x3fffffff)
				return cli_usage_error("learn", "--pid=%s: expected a process id", optarg);
			to.pid = (pid_t)v;
			break;
		}
		case O_CGROUP:
			to.cgroup = optarg;
			break;
		case O_DURATION: {
			errno = 0;
			double v = strtod(optarg, &end);
			if (errno || *end || !(v > 0) || v > 86400 * 7)
				return cli_usage_error("learn", "--duration=%s: expected seconds (> 0)", optarg);
			to.duration_ms = (unsigned)(v * 1000);
			break;
		}
		case O_MERGE:
			merge = true;
			break;
		case O_FROM:
			from = optarg;
			break;
		case O_SYSTEMD:
			if (cli_parse_systemd_version("learn", optarg, &sdver))
				return EXIT_USAGE;
			break;
		case O_JSON:
			json = true;
			break;
		case O_UNIT:
			unit_path = optarg;
			break;
		case O_WHILE:
			if (!*optarg)
				return cli_usage_error("learn", "--while: expected a shell command");
			svc.workload = optarg;
			break;
		case O_READY_AFTER:
		case O_STOP_TIMEOUT: {
			errno = 0;
			double v = strtod(optarg, &end);
			if (errno || *end || !(v >= 0) || v > 3600)
				return cli_usage_error("learn", "%s=%s: expected seconds (0 to 3600)",
						       c == O_READY_AFTER ? "--ready-after" : "--stop-timeout", optarg);
			*(c == O_READY_AFTER ? &svc.ready_after_ms : &svc.stop_timeout_ms) = (unsigned)(v * 1000);
			stop_timeout_given = stop_timeout_given || c == O_STOP_TIMEOUT;
			break;
		}
		case O_RELOAD:
			svc.reload = true;
			break;
		case O_VERIFY:
			verify = true;
			break;
		case O_IP_ALLOW:
			ip_allow = true;
			/* addresses the deployment adds (the clients of a service that serves on a wildcard
			 * address), separated by commas or blanks; checked by the rule */
			for (char *save = NULL, *t = optarg ? strtok_r(optarg, ", ", &save) : NULL; t;
			     t = strtok_r(NULL, ", ", &save))
				if (hd_strv_push_unique(&ip_extra, t) < 0)
					return cli_usage_error("learn", "--ip-allow: out of memory%s", "");
			break;
		case O_STYLE:
			if (strcmp(optarg, "allow") != 0 && strcmp(optarg, "deny") != 0)
				return cli_usage_error("learn", "--style=%s: expected allow or deny", optarg);
			style = strcmp(optarg, "deny") == 0 ? HD_SUGGEST_DENY : HD_SUGGEST_ALLOW;
			break;
		case O_WIDEN:
			if (strcmp(optarg, "static") != 0 && strcmp(optarg, "none") != 0)
				return cli_usage_error("learn", "--widen=%s: expected static or none", optarg);
			widen = strcmp(optarg, "static") == 0;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage_error("learn", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (merge && optind < argc && strcmp(argv[optind - 1], "--") != 0) {
		hd_strv_push(&merge_files, argv[optind++]);
		goto next_option;
	}
	char **rest = argv + optind;
	int nrest = argc - optind;
	if (merge) {
		for (int i = 0; i < nrest; i++)
			hd_strv_push(&merge_files, rest[i]);
		rest = merge_files.v;
		nrest = (int)merge_files.n;
	}
	/* --unit FILE --while CMD without a command: the unit's ExecStart= is the daemon */
	bool from_unit = svc.workload && unit_path && !merge && !from && !to.pid && !to.cgroup && nrest == 0;
	int modes = (from_unit ? 1 : 0) + (merge ? 1 : 0) + (from ? 1 : 0) + (to.pid ? 1 : 0) + (to.cgroup ? 1 : 0) +
		    (!merge && nrest > 0 ? 1 : 0);
	if (modes != 1)
		return cli_usage_error("learn", "give exactly one of: -- COMMAND, --pid, --cgroup, --merge FILES, "
						"--from-profile FILE");
	if (svc.workload && (merge || from || to.pid || to.cgroup))
		return cli_usage_error("learn", "--while runs a daemon: it goes with -- DAEMON, not with --pid, "
						"--cgroup, --merge or --from-profile");
	if (merge && nrest < 1)
		return cli_usage_error("learn", "--merge needs at least one profile");
	/* --verify runs the same thing again under the drop-in: the unit's own service, or the command */
	char **verify_cmd = NULL;
	if (verify) {
		if (json)
			return cli_usage_error("learn", "--verify writes its verdict into the drop-in: not with --json");
		if (!from_unit && (svc.workload || merge || from || to.pid || to.cgroup || nrest < 1))
			return cli_usage_error("learn", "--verify needs what to run again: -- COMMAND, or --unit FILE "
							"--while WORKLOAD (a daemon without its unit cannot be restarted)");
		verify_cmd = !from_unit ? rest + (strcmp(rest[0], "--") == 0) : NULL;
		if (verify_cmd && !verify_cmd[0])
			return cli_usage_error("learn", "no command after --");
	}

	struct hd_profile prof;
	hd_profile_init(&prof);
	hd_diags diags = { 0 };
	int ret = EXIT_OK, r;
	struct hd_trace_result res = { 0 };
	char *cmdline = NULL;
	struct hd_service_spec spec = { 0 };
	struct hd_service_exec start_exec = { 0 };

	/* a unit the drop-in is scored against is checked before anything is traced: a missing or masked
	 * one would otherwise be found only after the whole workload ran (from_unit loads it below) */
	if (unit_path && !from_unit) {
		r = hd_exposure_unit_check(unit_path, sdver, &diags);
		bool explained = hd_diags_count(&diags, HD_ERROR) > 0;
		cli_print_diags(&diags);
		hd_diags_free(&diags);
		if (r < 0) {
			fprintf(stderr, "%s learn: --unit %s: cannot use the unit%s%s; nothing traced\n", cli_program,
				unit_path, explained ? " (see above)" : ": ", explained ? "" : hd_unit_strerror(r));
			/* the code learn gives when the unit fails at the scoring step */
			ret = EXIT_USAGE;
			goto out;
		}
	}
	if (merge || from) {
		r = merge ? hd_profile_merge_files(&prof, rest, (size_t)nrest, &diags)
			  : hd_profile_merge_files(&prof, (char *const[]){ (char *)from }, 1, &diags);
		if (r < 0) {
			cli_print_diags(&diags);
			if (r == -ENOMEM)
				fprintf(stderr, "%s learn: out of memory\n", cli_program);
			ret = EXIT_USAGE;
			goto out;
		}
		free(prof.backend);
		prof.backend = strdup(merge ? "merge" : "profile");
	} else {
		struct sigaction sa = { .sa_handler = on_stop };
		sigemptyset(&sa.sa_mask);
		/* a handler, not SIG_IGN: the command gets default dispositions back at exec */
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		if (from_unit) {
			r = hd_service_from_unit(unit_path, sdver, &spec, &diags);
			/* the errors above say why; an errno's name ("Exec format error") would only mislead */
			bool explained = hd_diags_count(&diags, HD_ERROR) > 0;
			cli_print_diags(&diags);
			hd_diags_free(&diags);
			if (r < 0) {
				fprintf(stderr, "%s learn: %s: cannot start its service%s%s; nothing run, no drop-in "
						"written\n", cli_program, unit_path, explained ? " (see above)" : ": ",
					explained ? "" : hd_unit_strerror(r));
				ret = EXIT_FINDINGS;
				goto out;
			}
			for (size_t i = 0; i < spec.not_done.n; i++)
				fprintf(stderr, "%s learn: note: %s: %s\n", cli_program, unit_path, spec.not_done.v[i]);
			/* systemd runs ExecReload= under the filter (but a "+" one bare): unless --reload, its calls
			 * are not learned, and that is said */
			if (svc.reload && !spec.reload.n)
				fprintf(stderr, "%s learn: note: %s: --reload, but the unit has no ExecReload=\n", cli_program,
					unit_path);
			else if (!svc.reload && hd_service_commands_sandboxed(&spec.reload))
				fprintf(stderr, "%s learn: note: %s: ExecReload= is not run, so its calls are not learned "
						"(systemd runs it under the filter on `systemctl reload`): --reload runs it once "
						"the service is up\n", cli_program, unit_path);
			/* RuntimeDirectory= and its kin, as systemd makes them before the first command */
			r = hd_service_dirs_make(&spec.dirs, spec.set_ids, spec.uid, spec.gid, &dirs_made, &diags);
			if (r < 0) {
				cli_print_diags(&diags);
				hd_diags_free(&diags);
				fprintf(stderr, "%s learn: %s: the service's directories cannot be made, so systemd would "
						"not start it; nothing run, no drop-in written\n", cli_program, unit_path);
				ret = EXIT_FINDINGS;
				goto out;
			}
			if (spec.stop_timeout_ms && !stop_timeout_given)
				svc.stop_timeout_ms = spec.stop_timeout_ms;
			/* ExecStartPre= first, observed into the same profile; one failing stops the learn */
			hd_strv notes = { 0 };
			r = hd_service_run_pre(&spec, &to, &prof, &notes, &diags);
			for (size_t i = 0; i < notes.n; i++)
				fprintf(stderr, "%s learn: note: %s\n", cli_program, notes.v[i]);
			hd_strv_free(&notes);
			if (r == 0)
				r = hd_service_prepare(&spec, &spec.start, NULL, &start_exec, &diags);
			cli_print_diags(&diags);
			hd_diags_free(&diags);
			if (r < 0) {
				fprintf(stderr, "%s learn: %s: %s; the workload was not run, no drop-in written\n",
					cli_program, unit_path,
					r == -ECANCELED ? "an ExecStartPre= failed, so systemd would not start the service"
					: r == -EINTR	? "interrupted"
							: strerror(-r));
				ret = EXIT_FINDINGS;
				goto out;
			}
			to.argv = start_exec.argv.v;
			to.exec = hd_service_exec_options(&spec, &spec.start, &start_exec);
			to.exec.new_pgrp = false; /* hd_learn_service sets it */
			svc.forking = spec.forking;
			svc.pid_file = spec.pid_file;
			svc.kill_signal = spec.kill_signal;
			svc.kill_main_only = spec.kill_main_only;
			svc.unit = &spec;
			cmdline = join_argv(start_exec.argv.v);
		} else if (nrest > 0) {
			if (strcmp(rest[0], "--") == 0) {
				rest++;
				nrest--;
			}
			if (nrest < 1)
				return cli_usage_error("learn", "no command after --");
			to.argv = rest;
			cmdline = join_argv(rest);
		} else {
			char buf[80];
			snprintf(buf, sizeof(buf), to.pid ? "pid %d" : "cgroup", (int)to.pid);
			cmdline = strdup(to.cgroup ? to.cgroup : buf);
		}
		if (cmdline)
			hd_strv_push(&prof.commands, cmdline);
		struct hd_service_result sres;
		if (svc.workload) {
			svc.trace = to;
			r = hd_learn_service(&svc, &prof, &sres, &diags);
			res = sres.trace;
		} else
			r = hd_trace(&to, &prof, &res, &diags);
		cli_print_diags(&diags);
		if (r < 0) {
			fprintf(stderr, "%s learn: tracing failed: %s\n", cli_program, strerror(-r));
			ret = EXIT_FINDINGS;
			goto out;
		}
		size_t distinct = 0;
		for (int i = 0; i < HD_PROFILE_ABIS; i++)
			distinct += prof.abis[i].n;
		char records[64] = "";
		if (res.used == HD_TRACE_EBPF)
			snprintf(records, sizeof(records), ", %llu with arguments sent", (unsigned long long)res.records);
		fprintf(stderr, "%s learn: backend %s (%s); %llu syscalls seen, %zu distinct%s%s\n", cli_program,
			hd_trace_backend_name(res.used), res.why, (unsigned long long)res.events, distinct, records,
			res.lost ? " (some events lost, see below)" : "");
		if (res.lost)
			fprintf(stderr, "%s learn: warning: %llu events were dropped: counts are low, names complete\n",
				cli_program, (unsigned long long)res.lost);
		if (res.outlived) {
			/* they were sent SIGTERM and given 5 s; learning cannot wait for them for ever */
			fprintf(stderr, "%s learn: warning: %llu process%s the command left running did not end when "
					"learning was stopped: what %s called afterwards is not in the drop-in\n",
				cli_program, (unsigned long long)res.outlived, res.outlived == 1 ? "" : "es",
				res.outlived == 1 ? "it" : "they");
			ret = EXIT_FINDINGS;
		}
		if (res.unfollowed) {
			/* a drop-in without their calls would break the service: write none (and no profile) */
			fprintf(stderr,
				"%s learn: %llu new processes or threads could not be followed (the kernel refused to mark "
				"them and the table of followed processes was full): what they called is unknown; no "
				"drop-in written, run again (or with --backend=ptrace)\n",
				cli_program, (unsigned long long)res.unfollowed);
			ret = EXIT_FINDINGS;
			goto out;
		}
		if (res.exec_failed) {
			fprintf(stderr, "%s learn: cannot run %s: %s\n", cli_program, to.argv[0],
				strerror(res.exec_errno));
			ret = EXIT_FINDINGS;
			if (svc.workload) {
				fprintf(stderr, "%s learn: the workload was not run; no drop-in written\n", cli_program);
				goto out;
			}
		} else if (svc.workload) {
			if ((ret = report_service(&sres, &svc)) == EXIT_FAILURE_NO_DROPIN) {
				ret = EXIT_FINDINGS;
				goto out;
			}
		} else if (!to.pid && !to.cgroup) {
			if (WIFEXITED(res.wait_status) && WEXITSTATUS(res.wait_status) != 0) {
				fprintf(stderr, "%s learn: the command exited with status %d\n", cli_program,
					WEXITSTATUS(res.wait_status));
				ret = EXIT_FINDINGS;
			} else if (WIFSIGNALED(res.wait_status)) {
				fprintf(stderr, "%s learn: the command was killed by signal %d (%s)\n", cli_program,
					WTERMSIG(res.wait_status), strsignal(WTERMSIG(res.wait_status)));
				cli_note_fault_death("learn", WTERMSIG(res.wait_status));
				ret = EXIT_FINDINGS;
			}
		}
	}

	if (profile_out) {
		/* the JSON file ends in a newline, written in the same replace; standard output gets it bare */
		bool to_file = strcmp(profile_out, "-") != 0;
		char *pj = NULL, *pjn = NULL;
		int pr = hd_profile_to_json(&prof, &pj);
		if (pr >= 0 && to_file && asprintf(&pjn, "%s\n", pj) < 0) {
			pjn = NULL;
			pr = -ENOMEM;
		}
		if (pr < 0 || write_text(profile_out, to_file ? pjn : pj) < 0) {
			free(pj);
			free(pjn);
			ret = EXIT_FINDINGS;
			goto out;
		}
		free(pj);
		free(pjn);
	}

	struct hd_suggestion sug, tight;
	struct hd_suggest_options so = { .sdver = sdver, .style = style, .ip_allow = ip_allow,
					 .ip_allow_extra = &ip_extra };
	struct hd_widen_report unsure;
	hd_strv reachable = { 0 };
	char *unsure_text = NULL;
	if ((r = hd_suggest(&prof, &so, &tight)) < 0) {
		fprintf(stderr, "%s learn: cannot suggest: %s\n", cli_program, strerror(-r));
		ret = EXIT_FINDINGS;
		goto out;
	}
	/* what the tight drop-in is not sure of: reachable by the programs that ran, never seen */
	if ((r = hd_widen_find(&prof, &tight, sdver, &unsure)) < 0 ||
	    (widen && (r = hd_widen_names(&unsure, &reachable)) < 0) ||
	    (r = hd_widen_text(&unsure, &tight, unit_path, sdver, widen && unsure.n, &unsure_text)) < 0) {
		fprintf(stderr, "%s learn: cannot compare with the programs' static evidence: %s\n", cli_program,
			strerror(-r));
		hd_widen_report_free(&unsure);
		hd_strv_free(&reachable);
		hd_suggestion_free(&tight);
		ret = EXIT_FINDINGS;
		goto out;
	}
	if (widen && unsure.n) {
		so.also_allow = &reachable;
		r = hd_suggest(&prof, &so, &sug);
		hd_suggestion_free(&tight);
		if (r < 0) {
			fprintf(stderr, "%s learn: cannot suggest: %s\n", cli_program, strerror(-r));
			hd_widen_report_free(&unsure);
			hd_strv_free(&reachable);
			free(unsure_text);
			ret = EXIT_FINDINGS;
			goto out;
		}
	} else
		sug = tight;
	hd_strv_free(&reachable);
	if (unsure.n)
		fprintf(stderr, "%s learn: %zu call(s) the programs that ran can reach were never seen: %s (see \"Not "
				"sure of\" in the drop-in)\n", cli_program, unsure.n,
			widen ? "allowed (--widen=static)" : "left out (tight; --widen=static allows them)");
	/* the score: the settings applied to the unit as systemd would read the drop-in */
	char score_text[2048];
	unsigned before = 0, after = 0;
	hd_diags sd = { 0 };
	/* the file -o replaces may be one of the unit's drop-ins already (a second learning run): it is
	 * counted neither before nor after, and the drop-ins that are counted are named */
	hd_strv counted = { 0 };
	const char *replaces = output && strcmp(output, "-") != 0 ? output : NULL;
	bool replaced = false;
	bool scored = hd_suggestion_exposure_replacing(&sug, unit_path, replaces, sdver, &before, &after, &counted,
						       &replaced, &sd) == 0;
	if (!scored) {
		cli_print_diags(&sd);
		if (unit_path) {
			hd_diags_free(&sd);
			hd_strv_free(&counted);
			hd_suggestion_free(&sug);
			hd_widen_report_free(&unsure);
			free(unsure_text);
			ret = EXIT_USAGE;
			goto out;
		}
	}
	hd_diags_free(&sd);
	if (scored) {
		int n = snprintf(score_text, sizeof(score_text), "Exposure (harden security, systemd %s) of %s: %u.%u -> "
				 "%u.%u %s", hd_systemd_version_name(sdver),
				 unit_path ? unit_path : "a bare service running the command", before / 10, before % 10,
				 after / 10, after % 10, hd_rating_for(after)->name);
		/* which of the unit's drop-ins the numbers include: the one this run replaces is not one */
		for (size_t i = 0; unit_path && n > 0 && (size_t)n < sizeof(score_text) && i <= counted.n; i++)
			n += snprintf(score_text + n, sizeof(score_text) - (size_t)n, "%s%s",
				      i == 0 ? (counted.n ? "\n  with its drop-ins: " : "\n  with no drop-in of its own")
				      : i < counted.n ? ", " : "",
				      i < counted.n ? counted.v[i] : "");
		if (unit_path && replaced && n > 0 && (size_t)n < sizeof(score_text))
			snprintf(score_text + n, sizeof(score_text) - (size_t)n, "\n  (not %s, which this drop-in replaces)",
				 replaces);
	}
	else
		snprintf(score_text, sizeof(score_text), "Exposure: could not be computed (see the errors above)");
	/* A shell ran: the service may run what no workload showed (a login shell's commands, scripts), and
	 * an allow list breaks those. Said plainly, with the other form's exposure beside this one's. */
	const char *shell = hd_suggest_shell_ran(&prof);
	char shell_note[1024] = "";
	if (scored && shell) {
		struct hd_suggestion other;
		struct hd_suggest_options oo = so;
		oo.style = style == HD_SUGGEST_DENY ? HD_SUGGEST_ALLOW : HD_SUGGEST_DENY;
		unsigned ob = 0, oa = 0;
		hd_diags od = { 0 };
		bool other_scored = hd_suggest(&prof, &oo, &other) == 0;
		if (other_scored) {
			other_scored = hd_suggestion_exposure_replacing(&other, unit_path, replaces, sdver, &ob, &oa, NULL,
									NULL, &od) == 0;
			hd_suggestion_free(&other);
		}
		hd_diags_free(&od);
		if (other_scored)
			snprintf(shell_note, sizeof(shell_note),
				 "A shell ran (%s): this service may run programs no workload showed (a login shell's "
				 "commands, scripts), %s. Exposure with the allow list: %u.%u; with the deny list "
				 "(--style=deny): %u.%u",
				 shell,
				 style == HD_SUGGEST_DENY ? "which this deny list lets run"
							  : "which this allow list breaks; --style=deny lets them run",
				 (style == HD_SUGGEST_DENY ? oa : after) / 10, (style == HD_SUGGEST_DENY ? oa : after) % 10,
				 (style == HD_SUGGEST_DENY ? after : oa) / 10, (style == HD_SUGGEST_DENY ? after : oa) % 10);
		if (other_scored)
			fprintf(stderr, "%s learn: %s\n", cli_program, shell_note);
	}
	/* the service dropped root itself: the exposure of the User= form the drop-in names, beside this one */
	if (scored && sug.user_form) {
		struct hd_suggestion uf = { 0 };
		uf.v = calloc(sug.n + 3, sizeof(*uf.v));
		unsigned ub = 0, ua = 0;
		hd_diags ud = { 0 };
		if (uf.v) {
			memcpy(uf.v, sug.v, sug.n * sizeof(*uf.v));
			uf.n = sug.n;
			uf.v[uf.n++] = (struct hd_suggest_line){ "User", sug.user_form, "" };
			uf.v[uf.n++] = (struct hd_suggest_line){ "AmbientCapabilities", sug.user_ambient, "" };
			size_t n = strlen(score_text);
			if (hd_suggestion_exposure_replacing(&uf, unit_path, replaces, sdver, &ub, &ua, NULL, NULL, &ud) == 0 &&
			    n < sizeof(score_text))
				snprintf(score_text + n, sizeof(score_text) - n,
					 "\n  with User=%s AmbientCapabilities=%s (see \"User=\" under Left out): %u.%u",
					 sug.user_form, sug.user_ambient, ua / 10, ua % 10);
		}
		free(uf.v); /* the lines are sug's */
		hd_diags_free(&ud);
	}
	const char *score = score_text;
	if (json) {
		json_object *root = json_object_new_object();
		char *pj = NULL;
		if (hd_profile_to_json(&prof, &pj) == 0) {
			json_object_object_add(root, "profile", json_tokener_parse(pj));
			free(pj);
		}
		json_object_object_add(root, "backend", json_object_new_string(prof.backend ? prof.backend : ""));
		json_object *sj = suggestion_json(&sug);
		json_object_object_foreach(sj, k, v) json_object_object_add(root, k, json_object_get(v));
		json_object_put(sj);
		json_object *sc = NULL;
		if (scored) {
			sc = json_object_new_object();
			json_object_object_add(sc, "before", json_object_new_double(before / 10.0));
			json_object_object_add(sc, "after", json_object_new_double(after / 10.0));
			json_object_object_add(sc, "unit", unit_path ? json_object_new_string(unit_path) : NULL);
			json_object *cj = json_object_new_array();
			for (size_t i = 0; i < counted.n; i++)
				json_object_array_add(cj, json_object_new_string(counted.v[i]));
			json_object_object_add(sc, "dropins_counted", cj);
			json_object_object_add(sc, "replaced", replaced ? json_object_new_string(replaces) : NULL);
		}
		json_object_object_add(root, "exposure", sc);
		json_object_object_add(root, "not_sure", not_sure_json(&unsure, widen && unsure.n));
		const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
										JSON_C_TO_STRING_NOSLASHESCAPE);
		char *t = malloc(strlen(text) + 2);
		if (t) {
			sprintf(t, "%s\n", text);
			if (write_text(output, t) < 0)
				ret = EXIT_FINDINGS;
		}
		free(t);
		json_object_put(root);
	} else {
		char *header = provenance(&prof, sdver, merge ? merge_files.v : from ? (char *[]){ (char *)from } : NULL,
					  merge ? merge_files.n : from ? 1 : 0, widen);
		char *footer = NULL, *text = NULL;
		if (!header || asprintf(&footer, "%s%s%s%s", unsure_text ? unsure_text : "", shell_note,
					 shell_note[0] ? "\n" : "", score) < 0)
			footer = NULL;
		int dr = footer ? hd_suggestion_to_dropin(&sug, header, footer, &text) : -ENOMEM;
		/* --verify: tried whole before it is written, and the drop-in says how it went */
		if (dr == 0 && verify) {
			char how[1024];
			int v = verify_dropin(text, from_unit ? unit_path : NULL, replaces, sdver,
					      from_unit ? svc.workload : NULL, verify_cmd, how, sizeof(how));
			fprintf(stderr, "%s learn: --verify: %s\n", cli_program, how);
			char *vf = NULL;
			if (asprintf(&vf, "%s\n%s: %s", footer, v == 0 ? "Verified" : "NOT verified", how) >= 0) {
				free(text);
				text = NULL;
				dr = hd_suggestion_to_dropin(&sug, header, vf, &text);
				free(vf);
			}
			if (v != 0)
				ret = EXIT_FINDINGS;
		}
		if (dr == -EINVAL)
			/* a value that would not read back as meant: a bug, never a drop-in systemd reads otherwise */
			fprintf(stderr, "%s learn: the drop-in would not read back as the settings meant: not written\n",
				cli_program);
		else if (dr < 0)
			fprintf(stderr, "%s learn: cannot make the drop-in: %s\n", cli_program, strerror(-dr));
		if (dr < 0 || write_text(output, text) < 0)
			ret = EXIT_FINDINGS;
		free(text);
		free(footer);
		free(header);
	}
	hd_suggestion_free(&sug);
	hd_strv_free(&counted);
	hd_widen_report_free(&unsure);
	free(unsure_text);
out:
	/* the runtime directories this run made go with the service, as at systemd's stop */
	if (dirs_made.n && hd_service_dirs_cleanup(&spec.dirs, &dirs_made) < 0)
		fprintf(stderr, "%s learn: warning: a runtime directory of the service could not be removed\n",
			cli_program);
	hd_strv_free(&dirs_made);
	hd_service_spec_free(&spec);
	hd_service_exec_free(&start_exec);
	free(cmdline);
	hd_diags_free(&diags);
	hd_profile_free(&prof);
	return ret;
}
#undef merge_files
