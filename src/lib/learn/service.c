/* SPDX-License-Identifier: MIT */
/* Learning a service while a workload runs: start, readiness, workload, stop (see service.h). */
#include "unit/timespan.h"
#include "learn/service.h"
#include "sandbox/creds.h"
#include "unit/envfile.h"
#include "unit/execcmd.h"
#include "unit/unit.h"
#include "util/fileio.h"
#include "util/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Bounds on what is read from /proc: a tree bigger than this is not a service to learn by hand. */
#define TREE_MAX 4096
#define FDS_MAX 65536
#define POLL_MS 20

struct proc_id {
	pid_t pid;
	unsigned long long start; /* /proc/PID/stat starttime: tells a pid's reuse apart */
};

struct tree {
	struct proc_id v[TREE_MAX];
	size_t n;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* State letter and start time of pid; false if it is gone. A zombie ('Z') has exited. */
static bool proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	return hd_proc_stat(pid, state, start, NULL);
}

static bool alive(pid_t pid)
{
	char st;
	unsigned long long start;
	return proc_stat(pid, &st, &start) && st != 'Z' && st != 'X';
}

struct walk {
	pid_t queue[TREE_MAX];
	size_t qn;
	pid_t skip;
	struct tree *t;
};

static int walk_child(void *ctx, pid_t c)
{
	struct walk *w = ctx;
	if (c == w->skip)
		return 0;
	if (w->qn == TREE_MAX)
		return 1; /* bounded: the rest is not seen */
	w->queue[w->qn++] = c;
	char st;
	unsigned long long start;
	if (w->t->n < TREE_MAX && proc_stat(c, &st, &start) && st != 'Z' && st != 'X')
		w->t->v[w->t->n++] = (struct proc_id){ c, start };
	return 0;
}

/* The live descendants of root, not counting skip's subtree (the companion and its workload). */
static void collect_tree(pid_t root, pid_t skip, struct tree *t)
{
	static struct walk w;
	w.qn = 0;
	w.queue[w.qn++] = root;
	w.skip = skip;
	w.t = t;
	t->n = 0;
	for (size_t i = 0; i < w.qn; i++)
		if (hd_proc_each_child(w.queue[i], walk_child, &w))
			break;
}

/* collect_tree, for deciding that the daemon is gone: a process of the tree that exits during a walk
 * hands its children to harden after harden's own list was read, so they can be missed; an empty tree
 * counts only when a second walk agrees. */
static void collect_tree_settled(pid_t root, pid_t skip, struct tree *t)
{
	collect_tree(root, skip, t);
	if (t->n == 0) {
		sleep_ms(POLL_MS);
		collect_tree(root, skip, t);
	}
}

/* Adds what is in cur and not yet in known (known keeps every process seen, for when harden is gone). */
static void remember(struct tree *known, const struct tree *cur)
{
	for (size_t i = 0; i < cur->n; i++) {
		bool have = false;
		for (size_t j = 0; j < known->n && !have; j++)
			have = known->v[j].pid == cur->v[i].pid && known->v[j].start == cur->v[i].start;
		if (!have && known->n < TREE_MAX)
			known->v[known->n++] = cur->v[i];
	}
}

/* Signals every process of t that is still the same process (start time), returns how many. */
static unsigned signal_tree(const struct tree *t, int sig)
{
	unsigned n = 0;
	for (size_t i = 0; i < t->n; i++) {
		char st;
		unsigned long long start;
		if (proc_stat(t->v[i].pid, &st, &start) && start == t->v[i].start && st != 'Z' &&
		    kill(t->v[i].pid, sig) == 0)
			n++;
	}
	return n;
}

static unsigned live_count(const struct tree *t)
{
	unsigned n = 0;
	for (size_t i = 0; i < t->n; i++) {
		char st;
		unsigned long long start;
		if (proc_stat(t->v[i].pid, &st, &start) && start == t->v[i].start && st != 'Z' && st != 'X')
			n++;
	}
	return n;
}

/* Does a listening socket's inode appear in this /proc/net table? tcp: "st" (4th column) 0A = LISTEN,
 * inode 10th; unix: flags (3rd) with __SO_ACCEPTCON (0x10000), inode 7th. */
static bool inode_listens(const char *table, unsigned long ino)
{
	FILE *f = fopen(table, "re");
	if (!f)
		return false;
	char line[512];
	bool found = false, unix_table = strstr(table, "unix") != NULL;
	if (!fgets(line, sizeof(line), f)) { /* header */
		fclose(f);
		return false;
	}
	for (unsigned lines = 0; !found && lines < 1000000 && fgets(line, sizeof(line), f); lines++) {
		unsigned long inode = 0, flags = 0;
		unsigned st = 0;
		if (unix_table) {
			if (sscanf(line, "%*s %*s %*s %lx %*s %x %lu", &flags, &st, &inode) == 3)
				found = inode == ino && (flags & 0x10000);
		} else if (sscanf(line, "%*s %*s %*s %x %*s %*s %*s %*s %*s %lu", &st, &inode) == 2)
			found = inode == ino && st == 0x0A;
	}
	fclose(f);
	return found;
}

/* Does a process of t hold a listening TCP or unix socket? */
static bool tree_listens(const struct tree *t)
{
	static const char *const tables[] = { "/proc/net/tcp", "/proc/net/tcp6", "/proc/net/unix" };
	for (size_t i = 0; i < t->n; i++) {
		char dir[64];
		snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)t->v[i].pid);
		DIR *dd = opendir(dir);
		if (!dd)
			continue;
		struct dirent *de;
		for (unsigned k = 0; k < FDS_MAX && (de = readdir(dd)); k++) {
			char link[128], target[64];
			snprintf(link, sizeof(link), "%s/%.20s", dir, de->d_name);
			ssize_t n = readlink(link, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = 0;
			unsigned long ino;
			if (sscanf(target, "socket:[%lu]", &ino) != 1)
				continue;
			for (size_t j = 0; j < sizeof(tables) / sizeof(tables[0]); j++)
				if (inode_listens(tables[j], ino)) {
					closedir(dd);
					return true;
				}
		}
		closedir(dd);
	}
	return false;
}

/* PIDFile=: the pid it names, 0 if none (yet) or garbage. The file is the daemon's to write, and the
 * daemon may run as any user: a FIFO or device put in its place must not block or feed harden, so only
 * a regular file is read (O_NONBLOCK: opening a FIFO does not wait for a writer). */
static pid_t read_pid_file(const char *path)
{
	if (!path)
		return 0;
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return 0;
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return 0;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *end;
	long v = strtol(buf, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	return *end || v <= 1 || v > 0x3fffffff ? 0 : (pid_t)v;
}

/* The parent of pid, 0 if it is gone. */
static pid_t proc_ppid(pid_t pid)
{
	pid_t ppid = 0;
	return hd_proc_stat(pid, NULL, NULL, &ppid) ? ppid : 0;
}

/* Is pid a process of the service: one of those seen in its tree (known, the same process by its start
 * time: the pid may have been reused since), or now a descendant of harden outside the companion's own
 * subtree (the workload, ExecStop=)? harden is the daemon's child subreaper, so nothing of the service
 * leaves harden's subtree while harden lives, and nothing from outside can enter it. The walk up is
 * bounded: a cycle cannot happen, but a deep chain is not worth following past the tree's bound. */
static bool of_service(pid_t pid, pid_t harden, pid_t self, const struct tree *known)
{
	char st;
	unsigned long long start;
	if (pid <= 1 || !proc_stat(pid, &st, &start))
		return false;
	for (size_t i = 0; i < known->n; i++)
		if (known->v[i].pid == pid && known->v[i].start == start)
			return true;
	if (pid == harden || pid == self || getppid() != harden)
		return false;
	pid_t p = pid;
	for (unsigned depth = 0; depth < TREE_MAX && p > 1; depth++) {
		p = proc_ppid(p);
		if (p == self)
			return false;
		if (p == harden)
			return true;
	}
	return false;
}

/* Could someone other than root have written the PIDFile=? As systemd (which refuses such a file's pid
 * unless it is a process of the service): the file not owned by root or writable by group or others, or a
 * directory on its way owned by another user or writable by group or others without the sticky bit (where
 * the file could be replaced). why gets the reason; false: only root could have written it. */
static bool pid_file_unsafe(const char *path, char *why, size_t len)
{
	*why = 0;
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, len, "cannot be opened safely");
		return true;
	}
	int r = fstat(fd, &sb);
	close(fd);
	if (r < 0) {
		snprintf(why, len, "cannot be checked");
		return true;
	}
	if (sb.st_uid != 0) {
		snprintf(why, len, "is owned by uid %u", (unsigned)sb.st_uid);
		return true;
	}
	if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, len, "is writable by its group or others");
		return true;
	}
	/* its directories, as they resolve now (a symlinked /var/run is fine if /run is) */
	char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	if (!slash || (size_t)(slash - path) >= sizeof(dir)) {
		snprintf(why, len, "is not an absolute path");
		return true;
	}
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = 0;
	char *real = realpath(dir[0] ? dir : "/", NULL);
	if (!real) {
		snprintf(why, len, "is in a directory that cannot be resolved");
		return true;
	}
	bool unsafe = false;
	/* "/a/b/c": check "/", "/a", "/a/b", "/a/b/c", each prefix cut at a '/' in place */
	size_t n = strlen(real);
	for (size_t i = 0; !unsafe && i <= n; i++) {
		if (i < n && real[i] != '/')
			continue;
		char save = real[i];
		real[i] = 0;
		const char *d = i == 0 ? "/" : real;
		if (lstat(d, &sb) < 0) {
			unsafe = true;
			snprintf(why, len, "is in %s, which cannot be checked", d);
		} else if (sb.st_uid != 0) {
			unsafe = true;
			snprintf(why, len, "is in %s, owned by uid %u", d, (unsigned)sb.st_uid);
		} else if ((sb.st_mode & (S_IWGRP | S_IWOTH)) && !(sb.st_mode & S_ISVTX)) {
			unsafe = true;
			snprintf(why, len, "is in %s, writable by its group or others", d);
		}
		real[i] = save;
	}
	free(real);
	return unsafe;
}

/* What the companion reports back through its pipe. */
struct report {
	int outcome;
	bool ready_by_socket, workload_ran, gone_before_stop, needed_sigkill, left_running;
	int workload_status;
	unsigned ready_ms, stopped;
	unsigned stop_commands_run;
	int stop_failed_index, stop_failed_status;
	bool stop_unobserved;      /* an ExecStop= (or ExecReload=) could not be traced (or its profile not sent) */
	bool stop_profile_sent;    /* the ExecStop= and ExecReload= commands' profile is in the memfd, as JSON */
	unsigned reload_commands_run;
	int reload_failed_index, reload_failed_status;
	int pid_refused;           /* PIDFile= named this pid, not the service's: never signalled */
	bool pid_file_unsafe;
	char pid_file_why[128];
};

/* PIDFile='s pid if it names a live process of the service, else 0; *foreign: a live pid it names that is
 * not the service's (the daemon's user may write any number there: harden, as root, must not signal it,
 * pass it on as $MAINPID or wait for it). */
static pid_t pid_file_check(const struct hd_service_options *o, pid_t harden, const struct tree *known,
			    pid_t *foreign)
{
	*foreign = 0;
	pid_t pf = read_pid_file(o->pid_file);
	if (pf <= 0 || !alive(pf))
		return 0;
	if (of_service(pf, harden, getpid(), known))
		return pf;
	*foreign = pf;
	return 0;
}

static void refuse_pid(const struct hd_service_options *o, pid_t pid, struct report *rep)
{
	if (rep->pid_refused)
		return;
	rep->pid_refused = pid;
	rep->pid_file_unsafe = pid_file_unsafe(o->pid_file, rep->pid_file_why, sizeof(rep->pid_file_why));
}

static int run_plain(char *const *argv, const struct hd_trace_exec *x, unsigned timeout_ms);
static int run_traced(const struct hd_trace_options *base, char *const *argv, const struct hd_trace_exec *x,
		      unsigned timeout_ms, struct hd_profile *p, bool *timed_out, bool *left, hd_diags *d);
static volatile sig_atomic_t companion_stop;

/* "KEY=the command line" into the profile's list of what it came from */
static void add_command(struct hd_profile *p, const char *key, const hd_strv *argv)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	if (!f)
		return;
	fprintf(f, "%s=", key);
	for (size_t k = 0; k < argv->n; k++)
		fprintf(f, "%s%s", k ? " " : "", argv->v[k]);
	if (fclose(f) == 0)
		hd_strv_push(&p->commands, line);
	free(line);
}

/* The ExecStop= and ExecReload= commands' calls, gathered in the companion and sent to harden once, after
 * the stop (send_exec_profile). */
static struct hd_profile exec_profile;
static bool exec_traced;

/* ExecStop= or ExecReload= (key), each in order with $MAINPID (when known), each bounded by the stop
 * timeout. Under systemd they run under the service's filter, so each is traced (in this companion, by
 * a session of its own) into exec_profile: a drop-in without their calls would make `systemctl stop` fail
 * (start-stop-daemon --stop, nginx -s quit), or `systemctl reload`. "+" ones run unobserved, as no filter
 * applies to them. The first failure (not "-") goes to *failed_index and *failed_status; *run counts. */
static void run_exec_list(const struct hd_service_options *o, const char *key, const struct hd_service_commands *list,
			  bool observe, pid_t main_pid, struct report *rep, unsigned *run, int *failed_index,
			  int *failed_status)
{
	const struct hd_service_spec *s = o->unit;
	char mainpid[32];
	snprintf(mainpid, sizeof(mainpid), "MAINPID=%d", (int)main_pid);
	for (size_t i = 0; i < list->n; i++) {
		const struct hd_service_command *c = &list->v[i];
		if (!c->path)
			continue; /* "-" and missing: skipped */
		hd_diags d = { 0 };
		struct hd_service_exec x;
		int st = 127 << 8;
		if (hd_service_prepare(s, c, main_pid > 0 ? mainpid : NULL, &x, &d) == 0) {
			struct hd_trace_exec e = hd_service_exec_options(s, c, &x);
			(*run)++;
			if (c->flags & HD_EXEC_FULL_PRIVILEGE || !observe)
				st = run_plain(x.argv.v, &e, o->stop_timeout_ms);
			else {
				struct hd_trace_options to = o->trace;
				to.stop = &companion_stop;
				bool timed_out = false, left = false;
				add_command(&exec_profile, key, &x.argv);
				st = run_traced(&to, x.argv.v, &e, o->stop_timeout_ms, &exec_profile, &timed_out, &left, &d);
				if (st < 0) {
					rep->stop_unobserved = true; /* it may have run partly: what it called is unsure */
					st = 127 << 8;
				}
				exec_traced = true;
			}
			hd_service_exec_free(&x);
		}
		hd_diags_free(&d);
		if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0) && !(c->flags & HD_EXEC_IGNORE_FAILURE) && *failed_index < 0) {
			*failed_index = (int)i;
			*failed_status = st;
		}
	}
}

/* exec_profile to harden through the memfd, as JSON */
static void send_exec_profile(int fd, struct report *rep)
{
	char *json = NULL;
	if (exec_traced && !rep->stop_unobserved) {
		hd_profile_finish(&exec_profile);
		rep->stop_profile_sent = hd_profile_to_json(&exec_profile, &json) == 0 && hd_write_all(fd, json) == 0;
		rep->stop_unobserved = !rep->stop_profile_sent;
	}
	free(json);
}

static void on_companion_stop(int sig)
{
	(void)sig;
	companion_stop = 1;
}

/* Stop everything of the tree (and the main process group, and PIDFile='s pid) as KillMode=control-group
 * does: the first signal to all, SIGKILL to the rest after the timeout. */
static void stop_tree(const struct hd_service_options *o, int stop_profile_fd, pid_t harden, pid_t main_pid,
		      struct tree *known, struct tree *cur, struct report *rep)
{
	int sig = o->kill_signal > 0 ? o->kill_signal : SIGTERM;
	bool harden_alive = getppid() == harden;
	if (harden_alive) {
		collect_tree(harden, getpid(), cur);
		remember(known, cur);
	}
	pid_t foreign;
	pid_t pf = pid_file_check(o, harden, known, &foreign);
	if (foreign)
		refuse_pid(o, foreign, rep);
	if (pf > 0) {
		char st;
		unsigned long long start;
		if (proc_stat(pf, &st, &start) && known->n < TREE_MAX)
			known->v[known->n++] = (struct proc_id){ pf, start };
	}
	/* ExecStop= first (only for a service that is still running, as systemd), then the signal to the rest */
	bool running = !o->forking ? alive(main_pid) : live_count(known) > 0;
	/* a refused PIDFile= failed the start: systemd goes straight to the stop signal then */
	if (o->unit && o->unit->stop.n && running && !rep->gone_before_stop && rep->outcome != HD_SERVICE_PID_REFUSED) {
		run_exec_list(o, "ExecStop", &o->unit->stop, stop_profile_fd >= 0, pf > 0 ? pf : !o->forking ? main_pid : 0,
			      rep, &rep->stop_commands_run, &rep->stop_failed_index, &rep->stop_failed_status);
		if (harden_alive && getppid() == harden) {
			collect_tree(harden, getpid(), cur); /* what the stop commands made the service start */
			remember(known, cur);
		}
	}
	/* KillMode=mixed (and process, none): the signal to the main process alone, which may stop the rest
	 * itself: nginx's master sends its workers a stop command they read with recvmsg(), which a run that
	 * signals every process may never see (each worker exits on its own signal first) */
	pid_t main_only = !o->kill_main_only ? 0 : o->forking ? pf : main_pid;
	if (main_only > 0 && alive(main_only)) {
		rep->stopped = kill(main_only, sig) == 0;
		kill(main_only, SIGCONT);
	} else {
		main_only = 0;
		rep->stopped = signal_tree(known, sig);
		kill(-main_pid, sig); /* the main process group: its own (trace.exec.new_pgrp) */
		signal_tree(known, SIGCONT); /* as systemd: a stopped process must run to act on the signal */
	}
	uint64_t deadline = now_ms() + o->stop_timeout_ms;
	while ((main_only ? alive(main_only) : live_count(known) > 0) && now_ms() < deadline) {
		sleep_ms(POLL_MS);
		if (harden_alive && getppid() == harden) {
			collect_tree(harden, getpid(), cur); /* children forked while stopping */
			remember(known, cur);
		}
	}
	if (live_count(known)) {
		/* KillMode=mixed: SIGKILL to what the main process left is how systemd ends it, not a fault */
		rep->needed_sigkill = !main_only || alive(main_only);
		signal_tree(known, SIGKILL);
		kill(-main_pid, SIGKILL);
		for (int i = 0; i < 100 && live_count(known); i++)
			sleep_ms(POLL_MS);
	}
	rep->left_running = live_count(known) > 0;
}

static void companion(const struct hd_service_options *o, pid_t harden, int pid_rd, int rep_wr, int stop_profile_fd)
{
	struct sigaction sa = { .sa_handler = on_companion_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* harden killed outright: the kernel tells us, and we stop the daemon instead of it */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != harden)
		companion_stop = 1;
	struct report rep = { .outcome = HD_SERVICE_RAN, .stop_failed_index = -1, .reload_failed_index = -1 };
	hd_profile_init(&exec_profile);
	pid_t main_pid = 0;
	ssize_t n;
	while ((n = read(pid_rd, &main_pid, sizeof(main_pid))) < 0 && errno == EINTR && !companion_stop)
		;
	close(pid_rd);
	if (n != sizeof(main_pid) || main_pid <= 0) {
		rep.outcome = HD_SERVICE_NOT_STARTED;
		goto out;
	}
	/* tree: this poll's processes; known: every process seen, to stop them even without harden */
	static struct tree cur, known;
	uint64_t start = now_ms();
	for (;;) {
		if (companion_stop) {
			rep.outcome = HD_SERVICE_INTERRUPTED;
			break;
		}
		/* main's state is read before the walk: a main process that exits during the walk hands its
		 * children to harden after harden's own list was read, and they would be missed */
		bool main_alive = alive(main_pid), up;
		collect_tree_settled(harden, getpid(), &cur);
		remember(&known, &cur);
		if (!o->forking) {
			if (!main_alive) {
				rep.outcome = HD_SERVICE_DIED_EARLY;
				break;
			}
		} else if (!main_alive && cur.n == 0) {
			rep.outcome = HD_SERVICE_DIED_EARLY; /* forked nothing that lives on */
			break;
		}
		/* a forking daemon is up once its main process has exited (and the PIDFile names a live one of
		 * its own). A pid of another process may be a stale file the daemon has yet to rewrite: not up;
		 * still there at the readiness timeout, it is refused, and the start fails (as under systemd) */
		pid_t foreign = 0;
		up = !o->forking || (!main_alive && (!o->pid_file || pid_file_check(o, harden, &known, &foreign) > 0));
		if (foreign && now_ms() - start >= o->ready_after_ms) {
			refuse_pid(o, foreign, &rep);
			rep.outcome = HD_SERVICE_PID_REFUSED;
			break;
		}
		if (up && tree_listens(&cur)) {
			rep.ready_by_socket = true;
			break;
		}
		if (now_ms() - start >= o->ready_after_ms && (up || now_ms() - start >= 10u * o->ready_after_ms + 5000)) {
			/* timeout: a forking daemon that has not detached by then is started anyway (bounded) */
			break;
		}
		sleep_ms(POLL_MS);
	}
	rep.ready_ms = (unsigned)(now_ms() - start);
	/* --reload: ExecReload= once the service is up, observed (systemd runs it under the filter on
	 * `systemctl reload`); the daemon's own reload path is traced with it. Then the workload, which
	 * shows that the service still works once reloaded. */
	if (rep.outcome == HD_SERVICE_RAN && o->reload && o->unit && o->unit->reload.n) {
		pid_t foreign = 0, pf = o->pid_file ? pid_file_check(o, harden, &known, &foreign) : 0;
		run_exec_list(o, "ExecReload", &o->unit->reload, stop_profile_fd >= 0, pf > 0 ? pf : !o->forking ? main_pid : 0,
			      &rep, &rep.reload_commands_run, &rep.reload_failed_index, &rep.reload_failed_status);
		/* a reload is asynchronous (kill -HUP returns at once): give the daemon the readiness time */
		for (uint64_t t0 = now_ms(); now_ms() - t0 < o->ready_after_ms && !companion_stop;)
			sleep_ms(POLL_MS);
		collect_tree_settled(harden, getpid(), &cur);
		remember(&known, &cur);
	}
	if (rep.outcome == HD_SERVICE_RAN) {
		pid_t w = fork();
		if (w == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			signal(SIGPIPE, SIG_DFL);
			prctl(PR_SET_PDEATHSIG, 0);
			setpgid(0, 0); /* its own group: ended as a whole, background jobs too */
			execl("/bin/sh", "sh", "-c", o->workload, (char *)NULL);
			_exit(127);
		}
		if (w > 0) {
			setpgid(w, w);
			rep.workload_ran = true;
			int st = 0;
			bool forwarded = false;
			/* polled, not a blocking waitpid: a stop request (or harden's death, seen as a new
			 * parent) that lands just before the wait must not be slept through */
			for (;;) {
				pid_t x = waitpid(w, &st, WNOHANG);
				if (x == w)
					break;
				if (x < 0 && errno != EINTR)
					break;
				if (getppid() != harden)
					companion_stop = 1;
				if (!companion_stop || forwarded)
					sleep_ms(POLL_MS);
				if (companion_stop && !forwarded) {
					kill(-w, SIGTERM);
					forwarded = true;
					rep.outcome = HD_SERVICE_INTERRUPTED;
				}
			}
			rep.workload_status = st;
			kill(-w, SIGKILL); /* what the workload left behind in its group */
		} else
			rep.workload_status = 127 << 8;
		collect_tree_settled(harden, getpid(), &cur);
		rep.gone_before_stop = !o->forking ? !alive(main_pid) : cur.n == 0;
	}
	stop_tree(o, stop_profile_fd, harden, main_pid, &known, &cur, &rep);
	send_exec_profile(stop_profile_fd, &rep);
out:
	(void)!write(rep_wr, &rep, sizeof(rep));
	_exit(0);
}

static void send_pid(void *ctx, pid_t pid)
{
	int fd = *(int *)ctx;
	(void)!write(fd, &pid, sizeof(pid));
}

int hd_learn_service(const struct hd_service_options *o, struct hd_profile *p, struct hd_service_result *res,
		     hd_diags *d)
{
	memset(res, 0, sizeof(*res));
	res->outcome = HD_SERVICE_NOT_STARTED;
	res->stop_failed_index = -1;
	res->reload_failed_index = -1;
	if (!o->workload || !o->trace.argv || !o->trace.argv[0] || o->trace.pid || o->trace.cgroup)
		return -EINVAL;
	int pid_pipe[2], rep_pipe[2];
	if (pipe2(pid_pipe, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(rep_pipe, O_CLOEXEC) < 0) {
		int e = errno;
		close(pid_pipe[0]);
		close(pid_pipe[1]);
		return -e;
	}
	/* where the companion puts the ExecStop= commands' profile (a file: a pipe could fill up while harden
	 * is still tracing and not reading it). Without one they run unobserved, and learn says so. */
	bool execs = o->unit && (o->unit->stop.n || (o->reload && o->unit->reload.n));
	int stop_profile_fd = execs ? memfd_create("harden-exec-stop", MFD_CLOEXEC) : -1;
	/* a forking daemon's processes are re-parented to harden, not to init: they stay the traced tree */
	int was_subreaper = 0;
	prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid_t harden = getpid();
	pid_t comp = fork();
	if (comp < 0) {
		int e = errno;
		hd_diag_add(d, HD_ERROR, NULL, 0, "cannot start the workload's supervisor: %s", strerror(e));
		close(pid_pipe[0]);
		close(pid_pipe[1]);
		close(rep_pipe[0]);
		close(rep_pipe[1]);
		if (stop_profile_fd >= 0)
			close(stop_profile_fd);
		prctl(PR_SET_CHILD_SUBREAPER, was_subreaper);
		return -e;
	}
	if (comp == 0) {
		close(pid_pipe[1]);
		close(rep_pipe[0]);
		companion(o, harden, pid_pipe[0], rep_pipe[1], stop_profile_fd);
	}
	close(pid_pipe[0]);
	close(rep_pipe[1]);
	struct hd_trace_options to = o->trace;
	to.exec.new_pgrp = true;
	to.on_spawn = send_pid;
	to.spawn_ctx = &pid_pipe[1];
	to.companion = comp;
	int r = hd_trace(&to, p, &res->trace, d);
	close(pid_pipe[1]); /* never started: the companion reads EOF and ends */
	struct report rep = { .outcome = HD_SERVICE_NOT_STARTED, .stop_failed_index = -1 };
	ssize_t n;
	while ((n = read(rep_pipe[0], &rep, sizeof(rep))) < 0 && errno == EINTR)
		;
	close(rep_pipe[0]);
	/* the backend reaped the companion unless it failed early; then reap it here (it has reported) */
	int st;
	while (waitpid(comp, &st, 0) < 0 && errno == EINTR)
		;
	prctl(PR_SET_CHILD_SUBREAPER, was_subreaper);
	/* zombies of the daemon's tree that were re-parented to us and not reaped by the backend */
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
	if (n != sizeof(rep)) {
		hd_diag_add(d, HD_ERROR, NULL, 0, "the workload's supervisor ended without a report");
		rep.outcome = HD_SERVICE_INTERRUPTED;
	}
	res->outcome = r < 0 && rep.outcome == HD_SERVICE_RAN ? HD_SERVICE_INTERRUPTED : (enum hd_service_outcome)rep.outcome;
	res->ready_by_socket = rep.ready_by_socket;
	res->ready_ms = rep.ready_ms;
	res->workload_ran = rep.workload_ran;
	res->workload_status = rep.workload_status;
	res->daemon_gone_before_stop = rep.gone_before_stop;
	res->needed_sigkill = rep.needed_sigkill;
	res->processes_stopped = rep.stopped;
	res->left_running = rep.left_running;
	res->stop_commands_run = rep.stop_commands_run;
	res->stop_failed_index = rep.stop_failed_index;
	res->stop_failed_status = rep.stop_failed_status;
	res->reload_commands_run = rep.reload_commands_run;
	res->reload_failed_index = rep.reload_failed_index;
	res->reload_failed_status = rep.reload_failed_status;
	res->pid_refused = rep.pid_refused;
	res->pid_file_unsafe = rep.pid_file_unsafe;
	memcpy(res->pid_file_why, rep.pid_file_why, sizeof(res->pid_file_why));
	res->pid_file_why[sizeof(res->pid_file_why) - 1] = 0;
	res->stop_unobserved = rep.stop_unobserved || (execs && stop_profile_fd < 0);
	if (stop_profile_fd >= 0 && rep.stop_profile_sent) {
		/* opened anew through /proc: from its start, whatever the offset the companion's writes left */
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", stop_profile_fd);
		char *const paths[] = { path };
		int mr = hd_profile_merge_files(p, paths, 1, d);
		if (mr == -ENOMEM)
			r = r < 0 ? r : mr;
		else if (mr < 0)
			res->stop_unobserved = true;
	}
	if (stop_profile_fd >= 0)
		close(stop_profile_fd);
	return r;
}

/* Environment= values: words with "..." / '...' quoting and backslash escapes (as systemd's
 * extract_first_word with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE, without the C escapes), each VAR=VALUE. */
static int push_env_words(const char *v, hd_strv *env, const char *file, unsigned line, hd_diags *d)
{
	size_t len = strlen(v);
	char *w = malloc(len + 1);
	if (!w)
		return -ENOMEM;
	const char *p = v;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t n = 0;
		char q = 0;
		for (; *p && (q || (*p != ' ' && *p != '\t')); p++) {
			if (q && *p == q)
				q = 0;
			else if (!q && (*p == '"' || *p == '\''))
				q = *p;
			else if (*p == '\\' && p[1])
				w[n++] = *++p;
			else
				w[n++] = *p;
		}
		w[n] = 0;
		const char *eq = strchr(w, '=');
		if (q || !eq || eq == w) {
			hd_diag_add(d, HD_WARNING, file, line, "Environment=: ignoring \"%s\" (%s)", w,
				    q ? "unterminated quote" : "not VAR=VALUE");
			continue;
		}
		/* a later assignment of the same variable wins */
		for (size_t i = 0; i < env->n; i++)
			if (strncmp(env->v[i], w, (size_t)(eq - w) + 1) == 0) {
				free(env->v[i]);
				env->v[i] = env->v[--env->n];
				break;
			}
		if (hd_strv_push(env, w) < 0) {
			free(w);
			return -ENOMEM;
		}
	}
	free(w);
	return 0;
}

static int signal_by_name(const char *s)
{
	const char *n = strncmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (int i = 1; i < 32; i++) {
		const char *a = sigabbrev_np(i);
		if (a && strcmp(a, n) == 0)
			return i;
	}
	return -1;
}

/* a's value, specifiers expanded; a failure is an error naming a's file and line and the specifier
 * (the code alone, -EBADSLT, would reach the user as strerror's "Invalid slot") */
static int expand_value(const struct hd_unit *u, const struct hd_unit_assignment *a, char **out, hd_diags *d)
{
	char why[512];
	int r = hd_unit_expand_specifiers_why(u, a->value, out, why, sizeof(why));
	if (r < 0 && r != -ENOMEM)
		hd_diag_add(d, HD_ERROR, a->file, a->line, "%s=: %s", a->key, why);
	return r;
}

/* The value of the last assignment, specifiers expanded (NULL if unset or empty). */
static int unit_value(const struct hd_unit *u, const char *key, char **out, const struct hd_unit_assignment **where,
		      hd_diags *d)
{
	*out = NULL;
	const struct hd_unit_assignment *a = hd_unit_find_last(u, "Service", key);
	if (where)
		*where = a;
	if (!a || !*a->value)
		return 0;
	return expand_value(u, a, out, d);
}

static void command_free(struct hd_service_command *c)
{
	free(c->path);
	free(c->file);
	hd_strv_free(&c->argv);
	memset(c, 0, sizeof(*c));
}

static void commands_free(struct hd_service_commands *l)
{
	for (size_t i = 0; i < l->n; i++)
		command_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void hd_service_spec_free(struct hd_service_spec *s)
{
	command_free(&s->start);
	commands_free(&s->start_pre);
	commands_free(&s->stop);
	commands_free(&s->reload);
	hd_strv_free(&s->env);
	hd_strv_free(&s->env_files);
	hd_strv_free(&s->env_files_where);
	hd_strv_free(&s->not_done);
	hd_service_dirs_free(&s->dirs);
	hd_strv_free(&s->wrap);
	free(s->cwd);
	free(s->pid_file);
	memset(s, 0, sizeof(*s));
}

/* One parsed command into c: the file resolved as systemd would (a "-" command whose file is missing is
 * kept with path NULL: systemd skips it). 0 or -errno with a diag. */
static int take_command(const char *key, struct hd_exec_command *x, const char *file, unsigned line,
			struct hd_service_command *c, hd_diags *d)
{
	memset(c, 0, sizeof(*c));
	c->flags = x->flags;
	c->line = line;
	c->file = strdup(file);
	if (!c->file)
		return -ENOMEM;
	c->argv = x->argv;
	x->argv = (hd_strv){ 0 };
	int r = hd_exec_resolve(x->path, NULL, &c->path);
	if (r == 0 && access(c->path, X_OK) < 0)
		r = -errno;
	if (r == -ENOENT && strchr(x->path, '/') && access(x->path, F_OK) == 0)
		r = -EACCES; /* there, but not an executable regular file */
	if (r < 0 && (c->flags & HD_EXEC_IGNORE_FAILURE) && r != -ENOMEM) {
		free(c->path);
		c->path = NULL;
		return 0;
	}
	if (r < 0)
		hd_diag_add(d, HD_ERROR, file, line, "%s=: %s: %s", key, x->path,
			    r == -ENOENT ? "no such file (in systemd's search path)"
			    : r == -EACCES ? "not an executable file" : strerror(-r));
	return r;
}

/* Every assignment of key in order (an empty one resets), each value's ";"-separated commands. */
static int take_commands(const struct hd_unit *u, const char *key, struct hd_service_commands *out, hd_diags *d)
{
	for (size_t i = 0; i < u->n; i++) {
		const struct hd_unit_assignment *a = &u->v[i];
		if (strcmp(a->section, "Service") || strcmp(a->key, key))
			continue;
		if (!*a->value) {
			commands_free(out);
			continue;
		}
		char *v = NULL;
		int r = expand_value(u, a, &v, d);
		struct hd_exec_line line = { 0 };
		if (r == 0)
			r = hd_exec_parse(v, a->file, a->line, &line, d);
		free(v);
		if (r == 0 && line.n) {
			struct hd_service_command *nv = realloc(out->v, (out->n + line.n) * sizeof(*nv));
			if (!nv)
				r = -ENOMEM;
			else
				out->v = nv;
		}
		for (size_t k = 0; r == 0 && k < line.n; k++) {
			r = take_command(key, &line.v[k], a->file, a->line, &out->v[out->n], d);
			if (r == 0)
				out->n++;
			else
				command_free(&out->v[out->n]);
		}
		hd_exec_line_free(&line);
		if (r < 0)
			return r;
	}
	return 0;
}

int hd_service_from_unit(const char *path, int sdver, struct hd_service_spec *out, hd_diags *d)
{
	memset(out, 0, sizeof(*out));
	out->kill_signal = SIGTERM;
	struct hd_unit u = { 0 };
	struct hd_unit_load_options lo = { .sdver = sdver };
	int r = hd_unit_load(path, &lo, &u, d);
	if (r < 0)
		goto out;
	const struct hd_unit_assignment *a;
	char *v = NULL;
	/* ExecStart=: the last non-empty one (an empty one resets) */
	if ((r = unit_value(&u, "ExecStart", &v, &a, d)) < 0)
		goto out;
	if (!v) {
		hd_diag_add(d, HD_ERROR, a ? a->file : u.path, a ? a->line : 0,
			    "no ExecStart=: nothing to start (give the daemon after --)");
		r = -ENOEXEC;
		goto out;
	}
	struct hd_exec_line line = { 0 };
	r = hd_exec_parse(v, a->file, a->line, &line, d);
	free(v);
	if (r < 0) {
		hd_exec_line_free(&line); /* what it parsed before the error */
		goto out;
	}
	if (line.n != 1)
		hd_strv_pushf(&out->not_done, "ExecStart= has %zu commands: only the first is run", line.n);
	if (line.n == 0) {
		hd_exec_line_free(&line);
		r = -ENOEXEC;
		goto out;
	}
	/* the main command's "-" does not make a missing file fine: there is nothing to learn then */
	line.v[0].flags &= ~HD_EXEC_IGNORE_FAILURE;
	r = take_command("ExecStart", &line.v[0], a->file, a->line, &out->start, d);
	hd_exec_line_free(&line);
	if (r < 0)
		goto out;
	if (out->start.flags & HD_EXEC_FULL_PRIVILEGE)
		hd_strv_push(&out->not_done, "ExecStart=+ runs without any sandbox under systemd: the drop-in will not apply to it");
	if ((r = take_commands(&u, "ExecStartPre", &out->start_pre, d)) < 0 ||
	    (r = take_commands(&u, "ExecStop", &out->stop, d)) < 0 ||
	    (r = take_commands(&u, "ExecReload", &out->reload, d)) < 0)
		goto out;

	hd_strv_push(&out->env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin");
	/* AmbientCapabilities=: the lines folded as systemd folds them (harden run's reader), so that a
	 * non-root User= learns with the capabilities systemd would raise for it */
	{
		struct hd_creds cr;
		hd_creds_init(&cr);
		for (size_t i = 0; i < u.n; i++)
			if (strcmp(u.v[i].section, "Service") == 0 && strcmp(u.v[i].key, "AmbientCapabilities") == 0 &&
			    hd_creds_add(&cr, u.v[i].key, u.v[i].value, u.v[i].file, u.v[i].line, d) == -ENOMEM) {
				hd_creds_free(&cr);
				r = -ENOMEM;
				goto out;
			}
		out->ambient = cr.ambient;
		hd_creds_free(&cr);
	}
	/* User=, Group= */
	char *user = NULL, *group = NULL;
	if ((r = unit_value(&u, "User", &user, &a, d)) < 0 || (r = unit_value(&u, "Group", &group, NULL, d)) < 0) {
		free(user);
		goto out;
	}
	if (user || group) {
		if (geteuid() != 0) {
			hd_diag_add(d, HD_ERROR, a ? a->file : u.path, a ? a->line : 0,
				    "User=/Group= needs root to learn as systemd runs it");
			r = -EPERM;
		}
		out->set_ids = true;
		out->uid = 0;
		out->gid = 0;
		if (r == 0 && user) {
			struct passwd *pw = getpwnam(user);
			char *end;
			unsigned long id = strtoul(user, &end, 10);
			if (!pw && !*end && id < 0xffffffffUL)
				pw = getpwuid((uid_t)id);
			if (!pw) {
				hd_diag_add(d, HD_ERROR, a->file, a->line, "User=%s: no such user", user);
				r = -ESRCH;
			} else {
				out->uid = pw->pw_uid;
				out->gid = pw->pw_gid;
				hd_strv_pushf(&out->env, "USER=%s", pw->pw_name);
				hd_strv_pushf(&out->env, "LOGNAME=%s", pw->pw_name);
				hd_strv_pushf(&out->env, "HOME=%s", pw->pw_dir);
				hd_strv_pushf(&out->env, "SHELL=%s", pw->pw_shell);
			}
		}
		if (r == 0 && group) {
			struct group *gr = getgrnam(group);
			char *end;
			unsigned long id = strtoul(group, &end, 10);
			if (!gr && !*end && id < 0xffffffffUL)
				gr = getgrgid((gid_t)id);
			if (!gr) {
				const struct hd_unit_assignment *g = hd_unit_find_last(&u, "Service", "Group");
				hd_diag_add(d, HD_ERROR, g->file, g->line, "Group=%s: no such group", group);
				r = -ESRCH;
			} else
				out->gid = gr->gr_gid;
		}
	}
	free(user);
	free(group);
	if (r < 0)
		goto out;
	/* Environment=: every assignment in order; an empty one resets */
	for (size_t i = 0; i < u.n; i++) {
		if (strcmp(u.v[i].section, "Service") || strcmp(u.v[i].key, "Environment"))
			continue;
		if (!*u.v[i].value) {
			/* keep what systemd itself sets (the first entries), drop the unit's */
			while (out->env.n > (out->set_ids ? 5u : 1u))
				free(out->env.v[--out->env.n]);
			continue;
		}
		char *x = NULL;
		if ((r = expand_value(&u, &u.v[i], &x, d)) < 0 ||
		    (r = push_env_words(x, &out->env, u.v[i].file, u.v[i].line, d)) < 0) {
			free(x);
			goto out;
		}
		free(x);
	}
	/* EnvironmentFile=: the list, in order (an empty one resets); read when each command starts */
	for (size_t i = 0; i < u.n; i++) {
		if (strcmp(u.v[i].section, "Service") || strcmp(u.v[i].key, "EnvironmentFile"))
			continue;
		if (!*u.v[i].value) {
			hd_strv_free(&out->env_files);
			hd_strv_free(&out->env_files_where);
			continue;
		}
		char *x = NULL;
		if ((r = expand_value(&u, &u.v[i], &x, d)) < 0)
			goto out;
		const char *fp = x[0] == '-' ? x + 1 : x;
		if (fp[0] != '/') {
			/* systemd ignores the line when it loads the unit */
			hd_diag_add(d, HD_WARNING, u.v[i].file, u.v[i].line,
				    "EnvironmentFile=%s: not an absolute path, ignored (as systemd does)", fp);
			free(x);
			continue;
		}
		r = hd_strv_push(&out->env_files, x);
		free(x);
		if (r < 0 || (r = hd_strv_pushf(&out->env_files_where, "%s:%u", u.v[i].file, u.v[i].line)) < 0)
			goto out;
	}
	/* RuntimeDirectory= and its kin: made before the first command (by the caller, hd_service_dirs_make),
	 * named in the environment; what is not emulated is said */
	if ((r = hd_service_dirs_parse(&u, &out->dirs, d)) < 0 || (r = hd_service_dirs_env(&out->dirs, &out->env)) < 0)
		goto out;
	for (size_t i = 0; i < out->dirs.not_done.n; i++)
		if ((r = hd_strv_push(&out->not_done, out->dirs.not_done.v[i])) < 0)
			goto out;
	/* TimeoutStopSec= (or TimeoutSec=, which sets both): how long the stop may take before SIGKILL */
	for (size_t i = 0; i < u.n; i++) {
		if (strcmp(u.v[i].section, "Service") ||
		    (strcmp(u.v[i].key, "TimeoutStopSec") && strcmp(u.v[i].key, "TimeoutSec")))
			continue;
		uint64_t ms = 0;
		if (hd_timespan_ms(u.v[i].value, &ms) < 0)
			hd_diag_add(d, HD_WARNING, u.v[i].file, u.v[i].line, "%s=%s: not a time span, ignored (as systemd "
				    "does)", u.v[i].key, u.v[i].value);
		else /* infinity, and 0 (systemd: no timeout), are bounded by learn's own longest wait */
			out->stop_timeout_ms = ms == 0 || ms > HD_SERVICE_STOP_TIMEOUT_MAX_MS ? HD_SERVICE_STOP_TIMEOUT_MAX_MS
											  : (unsigned)ms;
	}
	/* WorkingDirectory= */
	if ((r = unit_value(&u, "WorkingDirectory", &v, &a, d)) < 0)
		goto out;
	if (v) {
		const char *dir = v[0] == '-' ? v + 1 : v;
		if (strcmp(dir, "~") == 0) {
			struct passwd *pw = getpwuid(out->uid);
			dir = pw ? pw->pw_dir : "/";
		}
		struct stat st;
		/* one of the directories made before the start may not be there yet */
		if ((stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) || hd_service_dirs_cover(&out->dirs, dir))
			out->cwd = strdup(dir);
		else if (v[0] != '-') {
			hd_diag_add(d, HD_ERROR, a->file, a->line, "WorkingDirectory=%s: not a directory", dir);
			r = -ENOTDIR;
		}
		free(v);
		if (r < 0)
			goto out;
	}
	/* without it (or with "-" and a missing directory) a system service starts in "/", not where harden
	 * was started: a directory of harden's could be hidden by the unit's own settings (PrivateTmp=) */
	if (!out->cwd && !(out->cwd = strdup("/"))) {
		r = -ENOMEM;
		goto out;
	}
	/* Type=forking, PIDFile=, KillSignal= */
	if ((r = unit_value(&u, "Type", &v, NULL, d)) < 0)
		goto out;
	out->forking = v && strcmp(v, "forking") == 0;
	free(v);
	if ((r = unit_value(&u, "PIDFile", &out->pid_file, NULL, d)) < 0)
		goto out;
	if ((r = unit_value(&u, "KillSignal", &v, &a, d)) < 0)
		goto out;
	if (v) {
		int sig = signal_by_name(v);
		if (sig <= 0) {
			char *end;
			long n = strtol(v, &end, 10);
			sig = !*end && n > 0 && n < 32 ? (int)n : -1;
		}
		if (sig <= 0) {
			hd_diag_add(d, HD_ERROR, a->file, a->line, "KillSignal=%s: not a signal", v);
			r = -EINVAL;
		} else
			out->kill_signal = sig;
		free(v);
	}
	/* KillMode=: who gets KillSignal=. A learning run must end with nothing left, so where systemd would
	 * leave the rest running (process, none) it is killed once the main process is gone, and said so */
	if ((r = unit_value(&u, "KillMode", &v, &a, d)) < 0)
		goto out;
	if (v) {
		bool whole_group = !*v || strcmp(v, "control-group") == 0; /* empty: the default again, as systemd */
		bool leaves_rest = strcmp(v, "process") == 0 || strcmp(v, "none") == 0;
		if (!whole_group && !leaves_rest && strcmp(v, "mixed") != 0) {
			hd_diag_add(d, HD_ERROR, a->file, a->line,
				    "KillMode=%s: not one of control-group, mixed, process, none", v);
			r = -EINVAL;
		}
		out->kill_main_only = !whole_group;
		if (r == 0 && leaves_rest)
			hd_strv_pushf(&out->not_done,
				      "KillMode=%s: what is left once the main process has exited is killed with SIGKILL, "
				      "where systemd would leave it running", v);
		if (r == 0 && strcmp(v, "none") == 0)
			hd_strv_push(&out->not_done, "KillMode=none: KillSignal= still goes to the main process");
		free(v);
	}
out:
	hd_unit_free(&u);
	if (r < 0)
		hd_service_spec_free(out);
	return r;
}

/* execve wants NULL-terminated arrays: a pushed "" is the terminator's slot. */
static int terminate(hd_strv *v)
{
	if (hd_strv_push(v, "") < 0)
		return -ENOMEM;
	free(v->v[v->n - 1]);
	v->v[--v->n] = NULL;
	return 0;
}

void hd_service_exec_free(struct hd_service_exec *x)
{
	hd_strv_free(&x->argv);
	hd_strv_free(&x->env);
}

bool hd_service_commands_sandboxed(const struct hd_service_commands *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (!(l->v[i].flags & HD_EXEC_FULL_PRIVILEGE))
			return true;
	return false;
}

/* c runs under s->wrap: there is one, and c is not a "+" command (no sandbox at all under systemd) */
static bool wrapped(const struct hd_service_spec *s, const struct hd_service_command *c)
{
	return s->wrap.n > 0 && !(c->flags & HD_EXEC_FULL_PRIVILEGE);
}

int hd_service_prepare(const struct hd_service_spec *s, const struct hd_service_command *c, const char *extra,
		       struct hd_service_exec *out, hd_diags *d)
{
	memset(out, 0, sizeof(*out));
	int r = 0;
	for (size_t i = 0; r == 0 && i < s->env.n; i++)
		r = hd_strv_push(&out->env, s->env.v[i]);
	for (size_t i = 0; r == 0 && i < s->env_files.n; i++) {
		bool may_miss = s->env_files.v[i][0] == '-';
		const char *pat = s->env_files.v[i] + (may_miss ? 1 : 0);
		const char *where = s->env_files_where.v[i];
		/* a wildcard expression names every file it matches, in glob's (sorted) order */
		glob_t g;
		int gr = glob(pat, GLOB_NOCHECK, NULL, &g);
		if (gr != 0) {
			r = gr == GLOB_NOSPACE ? -ENOMEM : -EINVAL;
			if (r == -EINVAL)
				hd_diag_add(d, HD_ERROR, NULL, 0, "%s: EnvironmentFile=%s: cannot be read", where, pat);
			break;
		}
		for (size_t k = 0; r == 0 && k < g.gl_pathc; k++) {
			r = hd_envfile_load(g.gl_pathv[k], &out->env, d);
			if (r == -ENOENT && may_miss)
				r = 0;
			else if (r == -ENOENT)
				hd_diag_add(d, HD_ERROR, NULL, 0, "%s: EnvironmentFile=%s: no such file (systemd does not "
					    "start the command; a \"-\" prefix would allow it)", where, g.gl_pathv[k]);
			else if (r < 0 && r != -ENOMEM)
				hd_diag_add(d, HD_ERROR, NULL, 0, "%s: EnvironmentFile=%s: refused, as systemd refuses "
					    "it (see above)", where, g.gl_pathv[k]);
		}
		globfree(&g);
	}
	if (r == 0 && extra)
		r = hd_env_set(&out->env, extra);
	if (r == 0 && (r = terminate(&out->env)) == 0) {
		if (c->flags & HD_EXEC_NO_ENV_EXPAND)
			for (size_t i = 0; r == 0 && i < c->argv.n; i++)
				r = hd_strv_push(&out->argv, c->argv.v[i]);
		else
			r = hd_exec_expand_env(c->argv.v, c->argv.n, out->env.v, &out->argv);
		/* a "$EMPTY" argv[0] that expanded to nothing: the file's path stands in */
		if (r == 0 && out->argv.n == 0)
			r = hd_strv_push(&out->argv, c->path);
		/* under a wrapper (harden run's own command line): the wrapper, then the resolved file and the
		 * arguments */
		if (r == 0 && wrapped(s, c)) {
			hd_strv w = { 0 };
			for (size_t i = 0; r == 0 && i + 1 < s->wrap.n; i++)
				r = hd_strv_push(&w, s->wrap.v[i]);
			/* the wrapper sets the namespace up as root, then takes the unit's user itself (as systemd
			 * does: mounts first, credentials after), so it runs as root; "!" keeps root, which the
			 * wrapper must be told: it reads User= from the unit too. "!!" takes User= like no prefix
			 * where the kernel has ambient capabilities (systemd 252 exec_child: needs_ambient_hack
			 * only without them), and the wrapper applies AmbientCapabilities= itself */
			if (r == 0 && (c->flags & HD_EXEC_PRIVILEGED))
				r = hd_strv_push(&w, "--exec-ids=keep");
			else if (r == 0 && s->set_ids)
				r = hd_strv_pushf(&w, "--exec-ids=%u:%u", (unsigned)s->uid, (unsigned)s->gid);
			if (r == 0 && s->wrap.n)
				r = hd_strv_push(&w, s->wrap.v[s->wrap.n - 1]); /* its "--" */
			if (r == 0)
				r = hd_strv_push(&w, c->path ? c->path : out->argv.v[0]);
			for (size_t i = 1; r == 0 && i < out->argv.n; i++)
				r = hd_strv_push(&w, out->argv.v[i]);
			hd_strv_free(&out->argv);
			out->argv = w;
			if (r != 0)
				hd_strv_free(&out->argv);
		}
		if (r == 0)
			r = terminate(&out->argv);
	}
	if (r < 0)
		hd_service_exec_free(out);
	return r;
}

struct hd_trace_exec hd_service_exec_options(const struct hd_service_spec *s, const struct hd_service_command *c,
					     const struct hd_service_exec *x)
{
	struct hd_trace_exec e = {
		.new_pgrp = true,
		.path = wrapped(s, c) ? s->wrap.v[0] : c->path,
		.cwd = s->cwd,
		.envp = x->env.v,
		/* "+" (no sandbox) and "!" (no credential change) run as the manager does: root */
		.set_ids = s->set_ids && !wrapped(s, c) &&
			   !(c->flags & (HD_EXEC_FULL_PRIVILEGE | HD_EXEC_PRIVILEGED | HD_EXEC_AMBIENT)),
		.uid = s->uid,
		.gid = s->gid,
		.ambient = s->ambient,
	};
	return e;
}

/* Runs a command unobserved (a "+" ExecStartPre=, ExecStop=): its own process group, ended with SIGTERM
 * after timeout_ms, SIGKILL HD_SERVICE_PRE_KILL_MS later. The wait status, or 127 << 8 if it could not
 * be started. */
static int run_plain(char *const *argv, const struct hd_trace_exec *x, unsigned timeout_ms)
{
	pid_t c = fork();
	if (c < 0)
		return 127 << 8;
	if (c == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		struct hd_trace_options o = { .argv = argv, .exec = *x };
		if (hd_trace_exec_setup(x) == 0)
			hd_trace_exec_command(&o);
		_exit(127);
	}
	setpgid(c, c);
	uint64_t start = now_ms();
	bool termed = false;
	int st = 0;
	for (;;) {
		pid_t w = waitpid(c, &st, WNOHANG);
		if (w == c || (w < 0 && errno != EINTR))
			break;
		uint64_t t = now_ms() - start;
		if (!termed && t >= timeout_ms) {
			kill(-c, SIGTERM);
			termed = true;
		} else if (termed && t >= (uint64_t)timeout_ms + HD_SERVICE_PRE_KILL_MS)
			kill(-c, SIGKILL);
		sleep_ms(POLL_MS);
	}
	kill(-c, SIGKILL); /* what it left in its group */
	return st;
}

/* What a command left running in its process group once it has exited: ended (TERM, KILL after 2 s).
 * True if there was something. (Under systemd it would stay in the service's cgroup; here it would
 * outlive the learn under one backend and die with the trace under the other: ended under both.) */
static bool end_group(pid_t pgid)
{
	if (pgid <= 0 || kill(-pgid, 0) < 0)
		return false;
	kill(-pgid, SIGTERM);
	kill(-pgid, SIGCONT);
	for (int i = 0; i < 100 && kill(-pgid, 0) == 0; i++)
		sleep_ms(POLL_MS);
	kill(-pgid, SIGKILL);
	return true;
}

/* The companion of a traced ExecStartPre=: ends it after the timeout, or when harden is asked to stop
 * (the backend forwards that as SIGTERM here) or is gone. Once it has exited, the companion also ends
 * what it left in its process group and says so in *left (shared with harden): the ptrace backend
 * traces until every tracee is gone, so a daemon an ExecStartPre= left behind would otherwise keep
 * the learn waiting for it, unstoppable, since the command whose end TERM asks for is over already. */
static void pre_companion(pid_t harden, int pid_rd, unsigned timeout_ms, volatile bool *left)
{
	struct sigaction sa = { .sa_handler = on_companion_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	pid_t pid = 0;
	ssize_t n;
	while ((n = read(pid_rd, &pid, sizeof(pid))) < 0 && errno == EINTR && !companion_stop)
		;
	if (n != sizeof(pid) || pid <= 0)
		_exit(0);
	uint64_t start = now_ms();
	bool termed = false;
	while (alive(pid)) {
		uint64_t t = now_ms() - start;
		if (getppid() != harden)
			companion_stop = 1;
		if (!termed && (companion_stop || t >= timeout_ms)) {
			kill(-pid, SIGTERM);
			kill(pid, SIGCONT);
			termed = true;
			start = now_ms() - timeout_ms;
		} else if (termed && t >= (uint64_t)timeout_ms + HD_SERVICE_PRE_KILL_MS) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
		}
		sleep_ms(POLL_MS);
	}
	*left = end_group(pid);
	_exit(termed ? 1 : 0);
}

struct pre_spawn {
	int fd;    /* to the companion */
	pid_t pid; /* the command's, which is its process group's id too */
};

static void pre_spawned(void *ctx, pid_t pid)
{
	struct pre_spawn *ps = ctx;
	ps->pid = pid;
	(void)!write(ps->fd, &pid, sizeof(pid));
}

/* One ExecStartPre= or ExecStop= traced into p, ended after timeout_ms: the wait status (127 << 8: not
 * executable) or -errno. */
static int run_traced(const struct hd_trace_options *base, char *const *argv, const struct hd_trace_exec *x,
		      unsigned timeout_ms, struct hd_profile *p, bool *timed_out, bool *left, hd_diags *d)
{
	int pid_pipe[2];
	volatile bool *left_shared = mmap(NULL, sizeof(bool), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (left_shared == MAP_FAILED)
		return -errno;
	*left_shared = false;
	if (pipe2(pid_pipe, O_CLOEXEC) < 0) {
		int e = errno;
		munmap((void *)left_shared, sizeof(bool));
		return -e;
	}
	pid_t harden = getpid();
	pid_t comp = fork();
	if (comp < 0) {
		int e = errno;
		close(pid_pipe[0]);
		close(pid_pipe[1]);
		munmap((void *)left_shared, sizeof(bool));
		return -e;
	}
	if (comp == 0) {
		close(pid_pipe[1]);
		pre_companion(harden, pid_pipe[0], timeout_ms, left_shared);
	}
	close(pid_pipe[0]);
	struct hd_trace_options to = *base;
	to.argv = argv;
	to.exec = *x;
	struct pre_spawn ps = { pid_pipe[1], 0 };
	to.on_spawn = pre_spawned;
	to.spawn_ctx = &ps;
	to.companion = comp;
	to.pid = 0;
	to.cgroup = NULL;
	struct hd_trace_result res;
	uint64_t start = now_ms();
	int r = hd_trace(&to, p, &res, d);
	*timed_out = now_ms() - start >= timeout_ms;
	close(pid_pipe[1]);
	int st = 0;
	/* the backend reaps the companion; if it failed before that, reap it here */
	waitpid(comp, &st, 0);
	*left = end_group(ps.pid) || *left_shared;
	munmap((void *)left_shared, sizeof(bool));
	if (r < 0)
		return r;
	if (res.unfollowed) {
		hd_diag_add(d, HD_ERROR, NULL, 0, "%s: %llu new processes or threads could not be followed: what they "
			    "called is unknown", argv[0], (unsigned long long)res.unfollowed);
		return -EIO;
	}
	return res.exec_failed ? 127 << 8 : res.wait_status;
}

static void describe(char *buf, size_t len, int st)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "was killed by signal %d (SIG%s)", WTERMSIG(st), sigabbrev_np(WTERMSIG(st)) ?: "?");
	else
		snprintf(buf, len, "ended (wait status %#x)", (unsigned)st);
}

int hd_service_run_pre(const struct hd_service_spec *s, const struct hd_trace_options *trace, struct hd_profile *p,
		       hd_strv *notes, hd_diags *d)
{
	for (size_t i = 0; i < s->start_pre.n; i++) {
		const struct hd_service_command *c = &s->start_pre.v[i];
		if (trace->stop && *trace->stop) {
			hd_diag_add(d, HD_ERROR, c->file, c->line, "interrupted before ExecStartPre=%s", c->path ?: "?");
			return -EINTR;
		}
		bool ignore = c->flags & HD_EXEC_IGNORE_FAILURE;
		if (!c->path) { /* "-" and the file is missing: systemd skips it */
			hd_strv_pushf(notes, "%s:%u: ExecStartPre=-%s: no such executable file: skipped, as systemd "
				      "does with \"-\"", c->file, c->line, c->argv.n ? c->argv.v[0] : "?");
			continue;
		}
		struct hd_service_exec x;
		int r = hd_service_prepare(s, c, NULL, &x, d);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			hd_diag_add(d, HD_ERROR, c->file, c->line, "ExecStartPre=%s: not started (its environment "
				    "cannot be built): the service would not start", c->path);
			return -ECANCELED;
		}
		struct hd_trace_exec e = hd_service_exec_options(s, c, &x);
		int st;
		bool timed_out = false;
		if (c->flags & HD_EXEC_FULL_PRIVILEGE) {
			hd_strv_pushf(notes, "%s:%u: ExecStartPre=+%s runs without the sandbox (as under systemd, where "
				      "no filter applies to it): run, its calls not learned", c->file, c->line, c->path);
			st = run_plain(x.argv.v, &e, HD_SERVICE_PRE_TIMEOUT_MS);
		} else {
			add_command(p, "ExecStartPre", &x.argv);
			bool left = false;
			st = run_traced(trace, x.argv.v, &e, HD_SERVICE_PRE_TIMEOUT_MS, p, &timed_out, &left, d);
			if (st < 0) {
				hd_service_exec_free(&x);
				return st;
			}
			if (left)
				hd_strv_pushf(notes, "%s:%u: ExecStartPre=%s left processes running in its process group: "
					      "ended (under systemd they would stay in the service's cgroup until it "
					      "stops)", c->file, c->line, c->path);
		}
		hd_service_exec_free(&x);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			continue;
		char what[96];
		describe(what, sizeof(what), st);
		if (ignore) {
			hd_strv_pushf(notes, "%s:%u: ExecStartPre=-%s %s: ignored (\"-\")", c->file, c->line, c->path, what);
			continue;
		}
		hd_diag_add(d, HD_ERROR, c->file, c->line, "ExecStartPre=%s %s%s: the service would not start", c->path,
			    WIFEXITED(st) && WEXITSTATUS(st) == 127 ? "could not be run or " : "", what);
		if (timed_out)
			hd_diag_add(d, HD_ERROR, c->file, c->line, "ExecStartPre=%s was ended after %u s (systemd's "
				    "default TimeoutStartSec=)", c->path, HD_SERVICE_PRE_TIMEOUT_MS / 1000);
		return -ECANCELED;
	}
	return 0;
}
