/* SPDX-License-Identifier: MIT */
/* Backend selection: eBPF when it can run here (root, BTF, built in), else ptrace. */
#include "learn/trace/trace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const backend_names[] = {
	[HD_TRACE_AUTO] = "auto",
	[HD_TRACE_PTRACE] = "ptrace",
	[HD_TRACE_EBPF] = "ebpf",
	[HD_TRACE_NONE] = "none",
};

const char *hd_trace_backend_name(enum hd_trace_backend b)
{
	return (unsigned)b < sizeof(backend_names) / sizeof(backend_names[0]) ? backend_names[b] : "?";
}

int hd_trace_backend_parse(const char *s, enum hd_trace_backend *out)
{
	for (size_t i = 0; i < sizeof(backend_names) / sizeof(backend_names[0]); i++)
		if (i != HD_TRACE_NONE && strcmp(s, backend_names[i]) == 0) {
			*out = (enum hd_trace_backend)i;
			return 0;
		}
	return -EINVAL;
}

/* Records in the profile which backend watched, whatever the run's outcome; returns r. */
static int ran(struct hd_profile *p, enum hd_trace_backend b, int r)
{
	free(p->backend);
	p->backend = strdup(hd_trace_backend_name(b));
	return r;
}

/* HD_TRACE_NONE: the command started as the backends start it, then only waited for (with the companion,
 * which stops it its own way). */
static int run_unwatched(const struct hd_trace_options *o, struct hd_trace_result *res, hd_diags *d)
{
	if (!o->argv || o->pid || o->cgroup) {
		hd_diag_add(d, HD_ERROR, NULL, 0, "nothing to run: watching nothing needs a command");
		return -EINVAL;
	}
	int errpipe[2];
	if (pipe2(errpipe, O_CLOEXEC) < 0)
		return -errno;
	pid_t child = fork();
	if (child < 0) {
		int e = errno;
		close(errpipe[0]);
		close(errpipe[1]);
		return -e;
	}
	if (child == 0) {
		close(errpipe[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		int e = hd_trace_exec_setup(&o->exec);
		if (!e)
			e = hd_trace_exec_command(o);
		(void)!write(errpipe[1], &e, sizeof(e));
		_exit(127);
	}
	close(errpipe[1]);
	if (o->on_spawn)
		o->on_spawn(o->spawn_ctx, child);
	/* the pipe closes at a successful exec; an errno comes through it otherwise */
	int e = 0;
	ssize_t n;
	while ((n = read(errpipe[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(errpipe[0]);
	if (n == (ssize_t)sizeof(e)) {
		res->exec_failed = true;
		res->exec_errno = e;
	}
	bool forwarded = false, child_done = false, companion_done = o->companion <= 0;
	while (!child_done || !companion_done) {
		if (o->stop && *o->stop && !forwarded) {
			kill(o->companion > 0 ? o->companion : child, SIGTERM);
			forwarded = true;
		}
		int st;
		if (!child_done) {
			pid_t w = waitpid(child, &st, WNOHANG);
			if (w == child)
				res->wait_status = st;
			child_done = w == child || (w < 0 && errno == ECHILD);
		}
		if (!companion_done && waitpid(o->companion, &st, WNOHANG) != 0)
			companion_done = true;
		if (!child_done || !companion_done) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	return 0;
}

int hd_trace(const struct hd_trace_options *o, struct hd_profile *p, struct hd_trace_result *res, hd_diags *d)
{
	memset(res, 0, sizeof(*res));
	char why[200] = "";
	switch (o->backend) {
	case HD_TRACE_NONE:
		snprintf(res->why, sizeof(res->why), "not watched: its commands enforce their own sandbox");
		return ran(p, HD_TRACE_NONE, run_unwatched(o, res, d));
	case HD_TRACE_EBPF:
		if (!hd_trace_ebpf_available(why, sizeof(why))) {
			hd_diag_add(d, HD_ERROR, NULL, 0, "the eBPF backend cannot run here: %s", why);
			return -EOPNOTSUPP;
		}
		snprintf(res->why, sizeof(res->why), "asked for with --backend=ebpf");
		return ran(p, HD_TRACE_EBPF, hd_trace_ebpf(o, p, res, d));
	case HD_TRACE_PTRACE:
		snprintf(res->why, sizeof(res->why), "asked for with --backend=ptrace");
		return ran(p, HD_TRACE_PTRACE, hd_trace_ptrace(o, p, res, d));
	case HD_TRACE_AUTO:
		break;
	}
	if (hd_trace_ebpf_available(why, sizeof(why))) {
		snprintf(res->why, sizeof(res->why), "auto: eBPF is available (root, kernel BTF, built in)");
		/* A kernel may still refuse the program (Debian 12's 6.1 verifier does: EPERM) before anything
		 * ran: then auto means ptrace, and the refusal is the reason, not an error. */
		hd_diags ed = { 0 };
		int r = hd_trace_ebpf(o, p, res, &ed);
		if (r < 0 && res->setup_failed && !o->cgroup) {
			snprintf(why, sizeof(why), "%s", ed.n ? ed.v[0].text : strerror(-r));
			hd_diags_free(&ed);
			*res = (struct hd_trace_result){ 0 };
			snprintf(res->why, sizeof(res->why), "auto: eBPF refused here (%.200s), ptrace instead", why);
			return ran(p, HD_TRACE_PTRACE, hd_trace_ptrace(o, p, res, d));
		}
		for (size_t i = 0; i < ed.n; i++)
			hd_diag_add(d, ed.v[i].severity, ed.v[i].file, ed.v[i].line, "%s", ed.v[i].text);
		hd_diags_free(&ed);
		return ran(p, HD_TRACE_EBPF, r);
	}
	if (o->cgroup) {
		hd_diag_add(d, HD_ERROR, NULL, 0, "--cgroup needs the eBPF backend, which cannot run here: %s", why);
		return -EOPNOTSUPP;
	}
	snprintf(res->why, sizeof(res->why), "auto: eBPF not usable (%s)", why);
	return ran(p, HD_TRACE_PTRACE, hd_trace_ptrace(o, p, res, d));
}

int hd_trace_exec_setup(const struct hd_trace_exec *x)
{
	if (x->new_pgrp && setpgid(0, 0) < 0)
		return errno;
	if (x->cwd && chdir(x->cwd) < 0)
		return errno;
	/* ambient capabilities survive the uid change only if the permitted set does (keep-caps) */
	if (x->set_ids && x->ambient && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return errno;
	/* groups first: after setuid() there is no privilege left to change them */
	if (x->set_ids &&
	    (setgroups(1, &x->gid) < 0 || setgid(x->gid) < 0 || setuid(x->uid) < 0))
		return errno;
	if (x->set_ids && x->ambient) {
		/* systemd's order (capability_ambient_set_apply): the set made permitted, effective and
		 * inheritable (the kernel raises an ambient capability only if it is both), then raised; keep-caps
		 * kept the permitted set through setuid(), which cleared the effective one */
		struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct data[2] = { { 0 } };
		for (int i = 0; i < 2; i++)
			data[i].effective = data[i].permitted = data[i].inheritable = (uint32_t)(x->ambient >> (32 * i));
		if (syscall(SYS_capset, &h, data) < 0)
			return errno;
		for (int c = 0; c < 64; c++)
			if ((x->ambient >> c & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)c, 0, 0) < 0)
				return errno;
		if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
			return errno;
	}
	return 0;
}

int hd_trace_exec_command(const struct hd_trace_options *o)
{
	if (o->exec.path)
		execve(o->exec.path, o->argv, o->exec.envp ? o->exec.envp : environ);
	else if (o->exec.envp)
		execvpe(o->argv[0], o->argv, o->exec.envp);
	else
		execvp(o->argv[0], o->argv);
	return errno;
}

