/* SPDX-License-Identifier: MIT */
#include "sandbox/supervise.h"
#include "sandbox/warden.h"

#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Written by the child between fork and execve, read by the parent: no syscall needed to report. */
/* CHILD_READY: mounts and ids are set up, and it waits at the gate for on_ready to return */
enum child_state { CHILD_STARTING, CHILD_READY, CHILD_INSTALLED, CHILD_INSTALL_FAILED, CHILD_EXEC_FAILED };
/* set next to CHILD_INSTALLED when the fallback program was installed */
struct shared {
	int state;
	int unsupervised;
	int error;
	int listener;
	int mount_failed; /* 1 + the index of the mount entry that failed; 0: none */
	int mounts_failed; /* the namespace itself (or an entry) could not be set up */
	int cwd_failed;    /* ... or not even "/" could be entered in it */
	int cwd_moved;     /* the working directory is not there in it: the command runs in "/" */
	int creds_failed;  /* the enum hd_creds_step that failed; 0: none */
	int cgroup_failed; /* the cgroup could not be entered */
};

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP };

static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = 0;
	return (int)n;
}

static uint64_t status_mask(const char *status, const char *key)
{
	const char *p = strstr(status, key);
	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

static void describe_process(struct hd_violation *v)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)v->tid);
	if (read_small(path, v->comm, sizeof(v->comm)) > 0)
		v->comm[strcspn(v->comm, "\n")] = 0;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)v->tid);
	ssize_t n = readlink(path, v->exe, sizeof(v->exe) - 1);
	v->exe[n > 0 ? n : 0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)v->tid);
	v->tgid = v->tid;
	if (read_small(path, buf, sizeof(buf)) > 0) {
		const char *p = strstr(buf, "\nTgid:");
		if (p)
			v->tgid = (pid_t)strtol(p + 6, NULL, 10);
	}
}

/* True when SIGSYS would end the thread's process exactly like the kernel's kill: default action, not
 * blocked, not ignored, not caught. */
static bool sigsys_is_default(pid_t tgid, pid_t tid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)tgid, (int)tid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return false;
	uint64_t bit = 1ULL << (SIGSYS - 1);
	return !(status_mask(buf, "\nSigBlk:") & bit) && !(status_mask(buf, "\nSigIgn:") & bit) &&
	       !(status_mask(buf, "\nSigCgt:") & bit);
}

static void handle_notification(const struct hd_supervise_options *o, int listener, pid_t child,
				struct hd_supervise_result *res)
{
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req));
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return; /* the thread went away (ENOENT) or a spurious wakeup */
	struct hd_violation v = { .tid = (pid_t)req.pid, .arch = req.data.arch, .nr = req.data.nr,
				  .ip = req.data.instruction_pointer };
	memcpy(v.args, req.data.args, sizeof(v.args));
	describe_process(&v);
	/* The thread is still stopped in the call iff the id is valid: then pid, comm and exe were its own. */
	bool valid = ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) == 0;
	v.verdict = hd_sandbox_intent(o->sb, v.arch, v.nr, v.args);
	if (o->sb->opt.mode == HD_SANDBOX_AUDIT) {
		if (valid && o->on_violation)
			o->on_violation(&v, o->userdata);
		struct seccomp_notif_resp resp = { .id = req.id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
		(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		return;
	}
	if (!valid)
		return;
	if (v.verdict.action.kind == HD_ACT_ERRNO) {
		v.denied = true;
		if (o->on_violation)
			o->on_violation(&v, o->userdata);
		/* the errno the kernel's own verdict would give; val is ignored when error is set, and errno 0
		 * (SystemCallErrorNumber=0 is not accepted by systemd) would return val, 0 */
		struct seccomp_notif_resp resp = { .id = req.id, .error = -v.verdict.action.errno_value };
		(void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		return;
	}
	v.killed = true;
	if (o->on_violation)
		o->on_violation(&v, o->userdata);
	/* No reply: the thread stays in the call until the signal ends the process. If a handler sneaks in
	 * between the check and the signal, the call restarts, notifies again, and gets SIGKILL. */
	if (sigsys_is_default(v.tgid, v.tid))
		syscall(SYS_tgkill, v.tgid, v.tid, SIGSYS);
	else
		kill(v.tgid, SIGKILL);
	if (v.tgid == child)
		res->killed_by_filter = true;
}

static void drain(const struct hd_supervise_options *o, int listener, pid_t child, struct hd_supervise_result *res)
{
	for (int i = 0; i < 4096 && listener >= 0; i++) {
		struct pollfd p = { .fd = listener, .events = POLLIN };
		if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
			return;
		handle_notification(o, listener, child, res);
	}
}

int hd_supervise_run(const struct hd_supervise_options *o, struct hd_supervise_result *res)
{
	*res = (struct hd_supervise_result){ .stage = HD_STAGE_RAN, .mount_failed = -1 };
	/* before the signals are blocked: the warden must not inherit that mask. It ends the command's
	 * processes if harden is killed (PR_SET_PDEATHSIG reaches the command's own process only) */
	struct hd_warden warden;
	int wr = hd_warden_start(&warden);
	if (wr < 0)
		return wr;
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&mask, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &mask, &old) < 0) {
		int e = errno;
		hd_warden_end(&warden);
		return -e;
	}
	int r = 0, sfd = -1, listener = -1, gate[2] = { -1, -1 };
	bool started = false; /* the command's process exists */
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		r = -errno;
		goto out_mask;
	}
	*sh = (struct shared){ .state = CHILD_STARTING, .listener = -1 };
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		r = -errno;
		goto out;
	}
	/* on_ready's gate: the child blocks reading it until the parent writes. The fd table is shared
	 * (CLONE_FILES), so the parent closes neither end before the child is past it (it has left
	 * CHILD_READY), and the child closes nothing (that would close the parent's too) */
	if (o->on_ready && pipe2(gate, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	pid_t parent = getpid();
	/* the capability sets the child applies with capset/prctl alone: loaded here, inherited by it */
	if (o->creds && (r = hd_creds_prepare(o->creds)) < 0)
		goto out;
	/* CLONE_FILES: the listener the child creates lands in our fd table too (see supervise.h). */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	started = true;
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (getppid() != parent)
			_exit(125);
		/* into the command's own cgroup, whose device program then governs every later step, as a
		 * service's process is in its cgroup before systemd sets up anything of it */
		if (o->cgroup) {
			int c = hd_cgroup_enter(o->cgroup);
			if (c < 0) {
				sh->error = -c;
				sh->cgroup_failed = 1;
				__atomic_store_n(&sh->state, CHILD_INSTALL_FAILED, __ATOMIC_RELEASE);
				_exit(125);
			}
		}
		/* the file-system settings first, in a mount namespace of the command's own: a failure stops it
		 * before the filter, before exec (fail closed) */
		if (o->mounts && !hd_mount_plan_empty(o->mounts)) {
			const struct hd_mount_entry *bad = NULL;
			int m = hd_mount_plan_apply(o->mounts, &bad);
			/* the working directory again, by its name, in the new view (systemd enters it after the
			 * namespace is set up): else it would still be the host's, under a private /tmp or a
			 * hidden path. Not there in the sandbox: "/", where a service without WorkingDirectory=
			 * starts (said by the caller) */
			char cwd[4096];
			bool own_cwd = o->creds && o->creds->cwd; /* WorkingDirectory= is entered below */
			if (m == 0 && !own_cwd && (!getcwd(cwd, sizeof(cwd)) || chdir(cwd) < 0)) {
				sh->cwd_moved = 1;
				if (chdir("/") < 0) {
					m = -errno;
					sh->cwd_failed = 1;
				}
			}
			if (m < 0) {
				sh->error = -m;
				sh->mount_failed = bad ? (int)(bad - o->mounts->v) + 1 : 0;
				sh->mounts_failed = 1;
				__atomic_store_n(&sh->state, CHILD_INSTALL_FAILED, __ATOMIC_RELEASE);
				_exit(125);
			}
		}
		/* the credentials, in exec_child's order; a failure stops the command before exec */
		enum hd_creds_step step = HD_CREDS_STEP_NONE;
		int cr = o->creds ? hd_creds_apply(o->creds, &step) : 0;
		if (cr < 0) {
			sh->error = -cr;
			sh->creds_failed = (int)step;
			__atomic_store_n(&sh->state, CHILD_INSTALL_FAILED, __ATOMIC_RELEASE);
			_exit(125);
		}
		/* a change of credentials clears the parent-death signal: set it again */
		if (o->creds && (o->creds->set_uid || o->creds->set_gid) &&
		    (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent))
			_exit(125);
		if (o->on_ready) {
			__atomic_store_n(&sh->state, CHILD_READY, __ATOMIC_RELEASE);
			char c;
			ssize_t n;
			while ((n = read(gate[0], &c, 1)) < 0 && errno == EINTR)
				;
			if (n != 1) /* the parent could not go on: nothing of the command runs */
				_exit(125);
		}
		int l = hd_sandbox_install(o->sb);
		if (l == -EBUSY && o->fallback) {
			sh->unsupervised = 1;
			l = hd_sandbox_install(o->fallback);
		}
		if (l < 0) {
			sh->error = -l;
			__atomic_store_n(&sh->state, CHILD_INSTALL_FAILED, __ATOMIC_RELEASE);
			_exit(125);
		}
		sh->listener = l > 0 ? l : -1;
		__atomic_store_n(&sh->state, CHILD_INSTALLED, __ATOMIC_RELEASE);
		execvp(o->argv[0], o->argv);
		sh->error = errno;
		__atomic_store_n(&sh->state, CHILD_EXEC_FAILED, __ATOMIC_RELEASE);
		_exit(errno == ENOENT ? 127 : 126);
	}

	/* Wait until the child has installed the program (or died): the listener is ours from then on. */
	bool readied = false;
	for (;;) {
		int st = __atomic_load_n(&sh->state, __ATOMIC_ACQUIRE);
		if (st == CHILD_READY && !readied) {
			o->on_ready(o->ready_ctx, pid);
			readied = true;
			while (write(gate[1], "g", 1) < 0 && errno == EINTR)
				;
			continue;
		}
		if (st != CHILD_STARTING && st != CHILD_READY)
			break;
		siginfo_t si = { 0 };
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
			break;
		struct timespec ts = { 0, 100 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (__atomic_load_n(&sh->state, __ATOMIC_ACQUIRE) == CHILD_INSTALLED)
		listener = sh->listener;
	/* the child is past the gate (or gone): its ends may close */
	for (int k = 0; k < 2; k++)
		if (gate[k] >= 0) {
			close(gate[k]);
			gate[k] = -1;
		}

	bool done = false;
	while (!done) {
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN }, { .fd = listener, .events = POLLIN } };
		int n = poll(p, listener >= 0 ? 2 : 1, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (listener >= 0 && (p[1].revents & POLLIN))
			handle_notification(o, listener, pid, res);
		else if (listener >= 0 && (p[1].revents & (POLLHUP | POLLERR | POLLNVAL))) {
			/* No task uses the filter any more. */
			close(listener);
			listener = -1;
		}
		if (!(p[0].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo != SIGCHLD) {
				/* A terminal's INT/HUP reaches the whole foreground group, the command too:
				 * only signals sent to harden itself (kill(1), systemd) are passed on. */
				if (si.ssi_code != SI_KERNEL)
					kill(pid, (int)si.ssi_signo);
				continue;
			}
			int status;
			pid_t w;
			while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
				if (w == pid) {
					res->wait_status = status;
					done = true;
				}
			}
		}
	}
	if (listener >= 0) {
		drain(o, listener, pid, res);
		close(listener);
	}
	int st = __atomic_load_n(&sh->state, __ATOMIC_ACQUIRE);
	res->unsupervised = sh->unsupervised != 0;
	res->mounts_failed = sh->mounts_failed != 0;
	res->cwd_failed = sh->cwd_failed != 0;
	res->cwd_moved = sh->cwd_moved != 0;
	res->mount_failed = sh->mount_failed - 1;
	res->creds_failed = (enum hd_creds_step)sh->creds_failed;
	res->cgroup_failed = sh->cgroup_failed != 0;
	if (st == CHILD_INSTALL_FAILED) {
		res->stage = HD_STAGE_INSTALL;
		res->error = sh->error;
	} else if (st == CHILD_EXEC_FAILED) {
		res->stage = HD_STAGE_EXEC;
		res->error = sh->error;
	}
out:
	/* INT, TERM or HUP that came for the command (KillMode= signals every process of a service, harden
	 * run among them) while it was ending: they were the command's, and it is gone. Taken here, they are
	 * not delivered to harden when the mask is restored, which would end it before its report */
	for (struct signalfd_siginfo si; sfd >= 0 && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si);)
		;
	if (sfd >= 0)
		close(sfd);
	for (int k = 0; k < 2; k++)
		if (gate[k] >= 0)
			close(gate[k]);
	munmap(sh, sizeof(*sh));
out_mask:
	/* the command has exited: what it left running is left alone (as env does), but no longer guarded */
	hd_warden_end(&warden);
	/* INT, TERM and HUP stay blocked once the command ran: one sent to every process of a service
	 * (KillMode=), harden run among them, was the command's; delivered now it would end harden before it
	 * says what it saw. The caller is about to report and exit. */
	if (started && res->stage == HD_STAGE_RAN)
		for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
			sigaddset(&old, forwarded[i]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
