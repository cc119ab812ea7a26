/* SPDX-License-Identifier: MIT */
/* The warden: the command's processes end with harden, even when harden is killed (see warden.h). */
#include "sandbox/warden.h"
#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

bool hd_warden_proc_start(pid_t pid, unsigned long long *start, pid_t *ppid)
{
	char state;
	return hd_proc_stat(pid, &state, start, ppid) && state != 'Z' && state != 'X';
}


struct set {
	struct hd_warden_proc v[HD_WARDEN_TREE_MAX];
	size_t n;
};

static bool set_has(const struct set *s, pid_t pid, unsigned long long start)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].pid == pid && s->v[i].start == start)
			return true;
	return false;
}

/* Adds a live process (by its current start time); true if it was new. */
static bool set_add(struct set *s, pid_t pid)
{
	unsigned long long start;
	if (s->n >= HD_WARDEN_TREE_MAX || !hd_warden_proc_start(pid, &start, NULL) || set_has(s, pid, start))
		return false;
	s->v[s->n++] = (struct hd_warden_proc){ pid, start };
	return true;
}

static bool same(const struct hd_warden_proc *p)
{
	unsigned long long start;
	return hd_warden_proc_start(p->pid, &start, NULL) && start == p->start;
}

struct walk {
	const struct hd_warden *w;
	pid_t skip;       /* the warden itself */
	struct set *into;
	size_t added;
};

static bool in_snapshot(const struct hd_warden *w, pid_t pid)
{
	unsigned long long start;
	if (!hd_warden_proc_start(pid, &start, NULL))
		return false;
	for (size_t i = 0; i < w->n_before; i++)
		if (w->before[i].pid == pid && w->before[i].start == start)
			return true;
	return false;
}

/* walk callbacks: a full set ends the walk (the bound on what is recorded is the bound on the walk) */
static int add_top(void *ctx, pid_t c)
{
	struct walk *k = ctx;
	if (c != k->skip && !in_snapshot(k->w, c) && set_add(k->into, c))
		k->added++;
	return k->into->n >= HD_WARDEN_TREE_MAX;
}

static int add_any(void *ctx, pid_t c)
{
	struct walk *k = ctx;
	if (set_add(k->into, c))
		k->added++;
	return k->into->n >= HD_WARDEN_TREE_MAX;
}

/* The tree below the caller (its new children and their descendants) into s; returns how many were new.
 * Descendants of every recorded process are looked at too: the caller may be gone. */
static size_t collect(const struct hd_warden *w, pid_t caller, pid_t skip, struct set *s)
{
	struct walk k = { w, skip, s, 0 };
	if (caller > 0)
		hd_proc_each_child(caller, add_top, &k);
	for (size_t i = 0; i < s->n; i++) /* s grows while it is walked: breadth first, bounded by its size */
		if (same(&s->v[i]))
			hd_proc_each_child(s->v[i].pid, add_any, &k);
	return k.added;
}

/* The caller is gone: stop everything recorded (a stopped process forks nothing), take in what the
 * stopped ones forked since the last look, until nothing new turns up (bounded), then kill them all. */
static void end_tree(struct set *s)
{
	for (unsigned round = 0; round < 64; round++) {
		for (size_t i = 0; i < s->n; i++)
			if (same(&s->v[i]))
				kill(s->v[i].pid, SIGSTOP);
		if (collect(NULL, 0, 0, s) == 0)
			break;
	}
	for (size_t i = 0; i < s->n; i++)
		if (same(&s->v[i]))
			kill(s->v[i].pid, SIGKILL);
}

static void warden_main(struct hd_warden *w, pid_t caller, int fd)
{
	/* the terminal's signals (and a TERM to the whole group) are harden's to act on: the warden must
	 * outlive harden to do its job */
	static const int ignored[] = { SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU };
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	/* nothing of harden's stays open in here: not its output (a reader waits for its end), not the eBPF
	 * program's links (they would keep it attached) */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; null >= 0 && i < 3; i++)
		dup2(null, i);
	if (fd != 3 && dup2(fd, 3) == 3) {
		close(fd);
		fd = 3;
	}
	close_range(4, ~0U, 0);
	static struct set s;
	s.n = 0;
	pid_t self = getpid();
	for (;;) {
		if (getppid() != caller)
			break;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, (int)HD_WARDEN_POLL_MS);
		if (n > 0) {
			char c = 0;
			ssize_t r = read(fd, &c, 1);
			if (r == 1 && c == 'e')
				_exit(0); /* the run is over: nothing to do */
			if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
				break; /* the caller is gone without a word */
		}
		collect(w, caller, self, &s);
	}
	/* the caller's children are re-parented (to init) at its death: only what was recorded can be found */
	end_tree(&s);
	_exit(0);
}

int hd_warden_start(struct hd_warden *w)
{
	w->pid = 0;
	w->fd = -1;
	w->n_before = 0;
	pid_t caller = getpid();
	struct set *snap = malloc(sizeof(*snap));
	if (!snap)
		return -ENOMEM;
	snap->n = 0;
	struct walk k = { w, 0, snap, 0 };
	hd_proc_each_child(caller, add_any, &k);
	for (size_t i = 0; i < snap->n && w->n_before < HD_WARDEN_SNAPSHOT_MAX; i++)
		w->before[w->n_before++] = snap->v[i];
	free(snap);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* refused (harden under a filter of its own that denies prctl): the warden still ends what it
	 * recorded, only an orphan born and orphaned within one poll escapes it then. Not worth failing the
	 * run for, and the run must fail on the sandbox's own error, not this one */
	w->was_subreaper = 0;
	prctl(PR_GET_CHILD_SUBREAPER, &w->was_subreaper);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		prctl(PR_SET_CHILD_SUBREAPER, w->was_subreaper);
		return -e;
	}
	if (pid == 0) {
		close(p[1]);
		warden_main(w, caller, p[0]);
	}
	close(p[0]);
	w->pid = pid;
	w->fd = p[1];
	return 0;
}

struct reap {
	const struct hd_warden *w;
	pid_t except;
};

/* A child of the caller's that has exited (an orphan of the tree, re-parented to it) is the caller's to
 * reap; not the warden, not the command (the caller waits for it itself), not a child it had before. */
static int reap_one(void *ctx, pid_t c)
{
	const struct reap *r = ctx;
	if (c == r->w->pid || c == r->except)
		return 0;
	for (size_t k = 0; k < r->w->n_before; k++)
		if (r->w->before[k].pid == c)
			return 0; /* a pid of the snapshot cannot be reused while it is a child of ours */
	waitpid(c, NULL, WNOHANG);
	return 0;
}

size_t hd_warden_tree_alive(struct hd_warden *w, pid_t except, int sig)
{
	if (!w->pid)
		return 0;
	struct reap r = { w, except };
	hd_proc_each_child(getpid(), reap_one, &r);
	struct set *s = malloc(sizeof(*s));
	if (!s)
		return 1; /* unknown: as if something still ran, the caller asks again */
	s->n = 0;
	collect(w, getpid(), w->pid, s);
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].pid == except)
			continue;
		n++;
		if (sig > 0)
			kill(s->v[i].pid, sig);
	}
	free(s);
	return n;
}

void hd_warden_end(struct hd_warden *w)
{
	if (!w->pid)
		return;
	/* the warden may be gone already (killed, or reaped by the caller's waitpid(-1)): the write must not
	 * raise SIGPIPE in the caller. Blocked, a SIGPIPE it raises stays pending and is taken back here,
	 * unless one was pending before. */
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigset_t pending;
	sigpending(&pending);
	bool was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	if (write(w->fd, "e", 1) < 0 && errno == EPIPE && !was_pending) {
		struct timespec zero = { 0, 0 };
		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(w->fd);
	w->fd = -1;
	int st;
	while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
	prctl(PR_SET_CHILD_SUBREAPER, w->was_subreaper);
}
