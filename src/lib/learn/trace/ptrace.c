/* SPDX-License-Identifier: MIT */
/*
 * ptrace learning backend (no privileges needed).
 *
 * Run mode: the child stops itself, the tracer sets the options, the child installs a seccomp filter that
 * returns SECCOMP_RET_TRACE for every call (but a ptrace attach to the tracer, see tracee_program) and
 * execs the command. Every syscall then produces exactly one
 * PTRACE_EVENT_SECCOMP stop, where PTRACE_GET_SYSCALL_INFO hands over arch, number and arguments in one
 * call; a call that may write a path also stops at its exit, whose result says whether it wrote. Children, threads and execs are followed with PTRACE_O_TRACE{FORK,VFORK,CLONE,EXEC}; EXITKILL
 * makes sure nothing runs on untraced if harden dies.
 *
 * Limit: a task created with CLONE_UNTRACED (sanitizers' helper threads do this) is not followed, yet it
 * inherits the filter, and RET_TRACE without a tracer makes every one of its calls fail with ENOSYS.
 *
 * Attach mode (--pid): a running process cannot be given a filter from outside, so it uses
 * PTRACE_SYSCALL (a stop at entry and at exit) on every thread of the process and its descendants.
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <dirent.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "learn/trace/observe.h"
#include "learn/trace/trace.h"
#include "sandbox/sandbox.h"
#include "syscalls/arch.h"

static ssize_t read_mem(void *ctx, pid_t tid, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t r = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	return r < 0 ? -errno : r;
}

/* Tids seen so far: a new one's first SIGSTOP is the auto-attach stop, not a signal to deliver. */
struct tidset {
	pid_t *v;
	size_t n, cap;
};

static bool tidset_has(const struct tidset *s, pid_t t)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == t)
			return true;
	return false;
}

static int tidset_add(struct tidset *s, pid_t t)
{
	if (tidset_has(s, t))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		pid_t *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = t;
	return 0;
}

static void tidset_del(struct tidset *s, pid_t t)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == t) {
			s->v[i] = s->v[--s->n];
			return;
		}
}

#define TRACE_OPTS                                                                                         \
	(PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |           \
	 PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD)

/* A seccomp stop or a syscall-entry or -exit stop. A call that may write a path (mkdir, an open for
 * writing...) has its paths held until its exit stop: a failed call is not a write (mkdir -p of a
 * directory that exists fails with EEXIST at every component). True if the caller must see this call's
 * exit: from a seccomp stop, resuming with PTRACE_SYSCALL makes its next stop the syscall-exit stop. */
static bool on_syscall_stop(struct hd_observer *ob, pid_t tid)
{
	struct __ptrace_syscall_info info;
	long n = ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof(info), &info);
	if (n <= 0)
		return false;
	if (info.op == PTRACE_SYSCALL_INFO_SECCOMP)
		return hd_observe_syscall_held(ob, tid, info.arch, info.seccomp.nr, info.seccomp.args);
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY)
		return hd_observe_syscall_held(ob, tid, info.arch, info.entry.nr, info.entry.args);
	if (info.op == PTRACE_SYSCALL_INFO_EXIT)
		hd_observe_result(ob, tid, HD_OBSERVE_NR_HELD, info.exit.rval);
	return false;
}

/* Resume a stopped tracee, delivering sig unless it is ours. */
static void resume(pid_t tid, int req, int sig)
{
	ptrace(req, tid, 0, (void *)(long)sig);
}

/* The wait loop shared by both modes. req: PTRACE_CONT (seccomp stops) or PTRACE_SYSCALL (attach). */
static int trace_loop(struct hd_observer *ob, struct tidset *tids, pid_t main_pid, int req,
		      const struct hd_trace_options *o, struct hd_trace_result *res)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	bool detaching = false, forwarded = false, main_done = false;
	for (;;) {
		/* run mode: Ctrl-C or TERM to harden ends the command (once), then tracing goes on to its exit.
		 * Once the command has exited, what it left running is what the request must reach: tracing
		 * follows it until it is gone */
		if (!o->pid && main_pid > 0 && o->stop && *o->stop && !forwarded) {
			if (o->companion > 0 || !main_done)
				kill(o->companion > 0 ? o->companion : main_pid, SIGTERM);
			else
				for (size_t i = 0; i < tids->n; i++)
					kill(tids->v[i], SIGTERM);
			forwarded = true;
		}
		if (!detaching && o->pid &&
		    ((o->stop && *o->stop) || (o->duration_ms && ({
						      struct timespec now;
						      clock_gettime(CLOCK_MONOTONIC, &now);
						      (now.tv_sec - start.tv_sec) * 1000 +
							      (now.tv_nsec - start.tv_nsec) / 1000000 >=
							      (long)o->duration_ms;
					      })))) {
			/* end of an attach session: stop every tracee so that it can be detached */
			detaching = true;
			for (size_t i = 0; i < tids->n; i++)
				ptrace(PTRACE_INTERRUPT, tids->v[i], 0, 0);
		}
		if (detaching && tids->n == 0)
			return 0;
		int st;
		pid_t tid = waitpid(-1, &st, __WALL | (o->pid ? WNOHANG : 0));
		if (tid == 0) {
			/* attach mode polls so that Ctrl-C and --duration are noticed */
			struct timespec ts = { 0, 2 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			continue;
		}
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				return 0;
			return -errno;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (tid == main_pid) {
				res->wait_status = st;
				main_done = true;
			}
			tidset_del(tids, tid);
			if (o->pid && tids->n == 0)
				return 0;
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (detaching) {
			ptrace(PTRACE_DETACH, tid, 0, 0);
			tidset_del(tids, tid);
			continue;
		}
		int sig = WSTOPSIG(st), event = (unsigned)st >> 16;
		if (!tidset_has(tids, tid)) {
			/* a new child or thread reports in (auto-attached, stopped) */
			if (tidset_add(tids, tid) < 0)
				return -ENOMEM;
			if (sig == SIGSTOP || event == PTRACE_EVENT_STOP) {
				resume(tid, req, 0);
				continue;
			}
		}
		if (sig == SIGTRAP && event == PTRACE_EVENT_SECCOMP) {
			resume(tid, on_syscall_stop(ob, tid) ? PTRACE_SYSCALL : req, 0);
		} else if (sig == (SIGTRAP | 0x80)) {
			/* a syscall-entry or -exit stop (attach mode; run mode: the exit of a call held above);
			 * GET_SYSCALL_INFO says which */
			on_syscall_stop(ob, tid);
			resume(tid, req, 0);
		} else if (sig == SIGTRAP && event == PTRACE_EVENT_EXEC) {
			hd_observe_exec(ob, tid);
			resume(tid, req, 0);
		} else if (sig == SIGTRAP && event != 0) {
			/* fork/vfork/clone events: the new tid is picked up when it stops */
			unsigned long child = 0;
			if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &child) == 0 && child && !tidset_has(tids, (pid_t)child))
				tidset_add(tids, (pid_t)child);
			resume(tid, req, 0);
		} else if (event == PTRACE_EVENT_STOP && (sig == SIGTRAP || sig == (SIGTRAP | 0x80))) {
			resume(tid, req, 0); /* our own PTRACE_INTERRUPT */
		} else if (event == PTRACE_EVENT_STOP) {
			/* a group-stop of a seized tracee: let it stop (listen), as the job-control signal asked */
			ptrace(PTRACE_LISTEN, tid, 0, 0);
		} else {
			siginfo_t si;
			if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) < 0 && errno == EINVAL)
				resume(tid, req, 0); /* group-stop of a TRACEME tracee */
			else
				resume(tid, req, sig); /* a real signal: deliver it */
		}
	}
}

/* Every stop wakes the tracer and every resume wakes the tracee. Across CPUs each wake-up is an
 * interprocessor interrupt, which in a virtual machine is an exit to the hypervisor; tracer and tracee on
 * one CPU hand over directly (a traced tar here: ~360 ms on one CPU, 510-610 ms across two). So the
 * tracer stays on the CPU it runs on, and the scheduler's wake-ups bring the tracee to it; the command
 * itself keeps the affinity it had (*all), and so does the caller once tracing ends. False if the
 * affinity cannot be read or set. */
static bool keep_tracer_on_one_cpu(cpu_set_t *all)
{
	int cpu = sched_getcpu();
	if (cpu < 0 || sched_getaffinity(0, sizeof(*all), all) < 0)
		return false;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one) == 0;
}

/* The tracee's program: every call stops for the tracer (SECCOMP_RET_TRACE), on every ABI of the machine,
 * except ptrace(PTRACE_ATTACH or PTRACE_SEIZE) aimed at the tracer or its companion, which fails with
 * EPERM. A tracee that stops its own tracer waits in its next seccomp stop for a tracer that is stopped
 * under it: both hang until SIGKILL (and a stopped companion hangs learn --while). PR_SET_DUMPABLE (in
 * hd_trace_ptrace) keeps out tracees of another user or without privileges only: a root one has
 * CAP_SYS_PTRACE. The pid and request are compared on their low 32 bits, as the kernel reads a pid (and
 * the compat ABIs both): a high bit set must not slip past. The call itself is not observed (the filter
 * answers it): it is refused in any case. */
static int tracee_program(pid_t tracer, pid_t companion, struct sock_filter **out, size_t *n)
{
	scmp_filter_ctx c = seccomp_init(SCMP_ACT_TRACE(0));
	if (!c)
		return -ENOMEM;
	int r = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(0));
	if (r == 0)
		r = seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0); /* the child decides (see run_mode) */
	hd_arch abis[3];
	int na = hd_arch_native_abis(abis);
	for (int i = 0; r == 0 && i < na; i++) {
		const struct hd_arch_info *ai = hd_arch_info(abis[i]);
		if (ai && ai->scmp_arch && ai->scmp_arch != seccomp_arch_native() &&
		    (r = seccomp_arch_add(c, ai->scmp_arch)) == -EEXIST)
			r = 0;
	}
	const pid_t who[] = { tracer, companion };
	const uint32_t reqs[] = { PTRACE_ATTACH, PTRACE_SEIZE };
	for (size_t i = 0; r == 0 && i < sizeof(who) / sizeof(who[0]); i++)
		for (size_t k = 0; r == 0 && who[i] > 0 && k < sizeof(reqs) / sizeof(reqs[0]); k++)
			r = seccomp_rule_add(c, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ptrace), 2,
					     SCMP_A0_64(SCMP_CMP_MASKED_EQ, 0xffffffffu, reqs[k]),
					     SCMP_A1_64(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)who[i]));
	if (r == 0)
		r = hd_sandbox_export_memory(c, out, n);
	seccomp_release(c);
	return r;
}

static int run_mode(const struct hd_trace_options *o, struct hd_observer *ob, struct hd_trace_result *res,
		    hd_diags *d)
{
	struct sock_filter *insns = NULL;
	size_t ninsns = 0;
	int pr = tracee_program(getpid(), o->companion, &insns, &ninsns);
	if (pr < 0) {
		hd_diag_add(d, HD_ERROR, NULL, 0, "cannot build the tracee's seccomp program: %s", strerror(-pr));
		return pr;
	}
	struct sock_fprog prog = { .len = (unsigned short)ninsns, .filter = insns };
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		free(insns);
		return -errno;
	}
	cpu_set_t all;
	bool pinned = keep_tracer_on_one_cpu(&all);
	pid_t tracer = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		if (pinned)
			sched_setaffinity(0, sizeof(all), &all);
		close(pipefd[0]);
		close(pipefd[1]);
		free(insns);
		return -e;
	}
	if (pid == 0) {
		close(pipefd[0]);
		int e = hd_trace_exec_setup(&o->exec);
		if (pinned)
			sched_setaffinity(0, sizeof(all), &all); /* the command runs wherever it would have */
		if (e)
			; /* reported below */
		else if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
			e = errno;
		else {
			/* Until the tracer has set PTRACE_O_EXITKILL, its death would leave this child stopped
			 * forever in the SIGSTOP below: die with it instead (as EXITKILL does later on). */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != tracer)
				_exit(127);
			raise(SIGSTOP);
			/* Without CAP_SYS_ADMIN the kernel demands no_new_privs first (set-uid programs then
			 * run without their privileges while learning). */
			if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
				if (errno == EACCES && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
				    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0)
					e = 0;
				else
					e = errno;
			}
			if (!e)
				e = hd_trace_exec_command(o);
		}
		(void)!write(pipefd[1], &e, sizeof(e));
		_exit(127);
	}
	close(pipefd[1]);
	if (o->on_spawn)
		o->on_spawn(o->spawn_ctx, pid);
	struct tidset tids = { 0 };
	int st, r = 0;
	if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st)) {
		int e = 0;
		if ((WIFEXITED(st) || WIFSIGNALED(st)) && read(pipefd[0], &e, sizeof(e)) == sizeof(e) && e) {
			/* o->exec could not be applied (a missing directory, ids refused): as an exec failure */
			res->exec_failed = true;
			res->exec_errno = e;
			res->wait_status = st;
			goto out;
		}
		hd_diag_add(d, HD_ERROR, NULL, 0, "the traced child did not stop as expected");
		r = -ECHILD;
		goto out;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)(long)TRACE_OPTS) < 0) {
		r = -errno;
		hd_diag_add(d, HD_ERROR, NULL, 0, "PTRACE_SETOPTIONS: %s", strerror(-r));
		kill(pid, SIGKILL);
		waitpid(pid, &st, __WALL);
		goto out;
	}
	tidset_add(&tids, pid);
	resume(pid, PTRACE_CONT, 0);
	r = trace_loop(ob, &tids, pid, PTRACE_CONT, o, res);
	int e = 0;
	if (read(pipefd[0], &e, sizeof(e)) == sizeof(e) && e) {
		res->exec_failed = true;
		res->exec_errno = e;
	}
out:
	if (pinned)
		sched_setaffinity(0, sizeof(all), &all); /* a library call leaves its caller as it found it */
	close(pipefd[0]);
	free(tids.v);
	free(insns);
	return r;
}

static int add_child(void *ctx, pid_t child)
{
	return tidset_add(ctx, child);
}

/* The process and all its descendants (every thread's children). */
static int collect_tree(pid_t root, struct tidset *procs)
{
	int r = tidset_add(procs, root);
	for (size_t i = 0; r == 0 && i < procs->n; i++)
		r = hd_proc_each_child(procs->v[i], add_child, procs);
	return r;
}

static int attach_mode(const struct hd_trace_options *o, struct hd_observer *ob, struct hd_trace_result *res,
		       hd_diags *d)
{
	struct tidset procs = { 0 }, tids = { 0 };
	int r = collect_tree(o->pid, &procs);
	for (size_t i = 0; r == 0 && i < procs.n; i++) {
		char dir[64];
		snprintf(dir, sizeof(dir), "/proc/%d/task", (int)procs.v[i]);
		DIR *dd = opendir(dir);
		if (!dd)
			continue;
		struct dirent *de;
		while ((de = readdir(dd))) {
			pid_t t = atoi(de->d_name);
			if (t <= 0 || tidset_has(&tids, t))
				continue;
			long opts = TRACE_OPTS & ~PTRACE_O_EXITKILL;
			if (ptrace(PTRACE_SEIZE, t, 0, (void *)opts) < 0) {
				if (t == o->pid) {
					r = -errno;
					hd_diag_add(d, HD_ERROR, NULL, 0, "cannot attach to %d: %s", (int)t, strerror(-r));
					break;
				}
				continue;
			}
			tidset_add(&tids, t);
			ptrace(PTRACE_INTERRUPT, t, 0, 0);
		}
		closedir(dd);
		if (i == 0 && r == 0)
			hd_observe_exec(ob, o->pid);
	}
	free(procs.v);
	if (r == 0) {
		/* The INTERRUPT stops are picked up by the loop (never wait for one thread alone: a parent in
		 * vfork() cannot stop until its child, which may already be stopped, runs on). */
		struct tidset known = tids;
		r = trace_loop(ob, &known, 0, PTRACE_SYSCALL, o, res);
		free(known.v);
	} else {
		for (size_t i = 0; i < tids.n; i++)
			ptrace(PTRACE_DETACH, tids.v[i], 0, 0);
		free(tids.v);
	}
	return r;
}

int hd_trace_ptrace(const struct hd_trace_options *o, struct hd_profile *p, struct hd_trace_result *res,
		    hd_diags *d)
{
	struct hd_observer *ob = malloc(sizeof(*ob));
	if (!ob)
		return -ENOMEM;
	hd_observer_init(ob, p, read_mem, NULL);
	res->used = HD_TRACE_PTRACE;
	/* No process of the caller's user without CAP_SYS_PTRACE may attach to the tracer while it traces
	 * (a tracee that does waits for it forever, see tracee_program), nor read or write its memory;
	 * the caller's setting is restored after. */
	int was_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	int r;
	if (o->cgroup) {
		hd_diag_add(d, HD_ERROR, NULL, 0, "--cgroup needs the eBPF backend (ptrace cannot follow a cgroup)");
		r = -EOPNOTSUPP;
	} else if (o->pid)
		r = attach_mode(o, ob, res, d);
	else
		r = run_mode(o, ob, res, d);
	if (was_dumpable >= 0)
		prctl(PR_SET_DUMPABLE, was_dumpable, 0, 0, 0);
	res->events = ob->events;
	int r2 = hd_observer_finish(ob);
	free(ob);
	return r < 0 ? r : r2;
}
