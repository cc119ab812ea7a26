/* SPDX-License-Identifier: MIT */
#include "sandbox/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* mountinfo's octal escapes (\040 for a space) undone in place */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else
			*w++ = *r++;
	}
	*w = 0;
}

/* the first cgroup2 mount: its root (within the hierarchy) and where it is mounted */
static bool find_cgroup2(char *root, size_t root_size, char *dir, size_t dir_size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	char line[8192];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
		char *sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
			continue;
		char r[4096], m[4096];
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", r, m) != 2)
			continue;
		unescape(r);
		unescape(m);
		snprintf(root, root_size, "%s", r);
		snprintf(dir, dir_size, "%s", m);
		found = true;
	}
	fclose(f);
	return found;
}

/* harden's own cgroup v2 path, from /proc/self/cgroup's "0::" line */
static bool own_cgroup(char *path, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = 0;
			snprintf(path, size, "%s", line + 3);
			found = true;
		}
	fclose(f);
	return found;
}

int hd_cgroup_create(struct hd_cgroup *cg, char *why, size_t why_size)
{
	*cg = (struct hd_cgroup){ .dir_fd = -1, .procs_fd = -1 };
	char root[4096], mnt[4096], own[4096];
	if (!find_cgroup2(root, sizeof(root), mnt, sizeof(mnt))) {
		snprintf(why, why_size, "no cgroup2 is mounted");
		return -ENOENT;
	}
	if (!own_cgroup(own, sizeof(own))) {
		snprintf(why, why_size, "/proc/self/cgroup has no cgroup v2 line");
		return -ENOENT;
	}
	if (strncmp(own, "/..", 3) == 0) {
		snprintf(why, why_size, "harden's cgroup %s is outside its cgroup namespace (the kernel refuses to move a "
			 "process from there)", own);
		return -ENOENT;
	}
	/* the mount shows the hierarchy from its root on: harden's cgroup must be below it */
	const char *rel = own;
	if (strcmp(root, "/") != 0) {
		size_t rl = strlen(root);
		if (strncmp(own, root, rl) != 0 || (own[rl] != '/' && own[rl] != 0)) {
			snprintf(why, why_size, "harden's cgroup %s is not under the cgroup2 mount %s (its root %s)", own, mnt, root);
			return -ENOENT;
		}
		rel = own + rl;
	}
	int n = snprintf(cg->path, sizeof(cg->path), "%s%s%sharden-run-%ld", mnt, rel,
			 rel[0] && rel[strlen(rel) - 1] == '/' ? "" : "/", (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(cg->path)) {
		cg->path[0] = 0;
		snprintf(why, why_size, "the cgroup path is too long");
		return -ENAMETOOLONG;
	}
	if (mkdir(cg->path, 0755) < 0) {
		int e = errno;
		snprintf(why, why_size, "cannot make the cgroup %s: %s", cg->path, strerror(e));
		cg->path[0] = 0;
		return -e;
	}
	char procs[4200];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg->path);
	cg->dir_fd = open(cg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cg->procs_fd = cg->dir_fd < 0 ? -1 : open(procs, O_WRONLY | O_CLOEXEC);
	if (cg->procs_fd < 0) {
		int e = errno;
		snprintf(why, why_size, "cannot open the cgroup %s: %s", cg->path, strerror(e));
		size_t left;
		hd_cgroup_remove(cg, &left);
		return -e;
	}
	return 0;
}

int hd_cgroup_attach(const struct hd_cgroup *cg, int prog_fd, unsigned attach_type)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cg->dir_fd;
	a.attach_bpf_fd = (uint32_t)prog_fd;
	a.attach_type = attach_type;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	return syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof(a)) < 0 ? -errno : 0;
}

int hd_cgroup_enter(const struct hd_cgroup *cg)
{
	/* "0": the writing process (its whole thread group) */
	return write(cg->procs_fd, "0", 1) == 1 ? 0 : -errno;
}

/* how many processes cgroup.procs lists */
static size_t count_procs(const char *dir)
{
	char p[4200];
	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	FILE *f = fopen(p, "re");
	size_t n = 0;
	char line[64];
	while (f && fgets(line, sizeof(line), f))
		n++;
	if (f)
		fclose(f);
	return n;
}

int hd_cgroup_remove(struct hd_cgroup *cg, size_t *left)
{
	*left = 0;
	if (cg->procs_fd >= 0)
		close(cg->procs_fd);
	if (cg->dir_fd >= 0)
		close(cg->dir_fd);
	cg->procs_fd = cg->dir_fd = -1;
	if (!cg->path[0])
		return 0;
	/* a process that was just reaped may still hold it for a moment: a few tries, 100 ms at most */
	for (int i = 0; i < 20; i++) {
		if (rmdir(cg->path) == 0) {
			cg->path[0] = 0;
			return 0;
		}
		if (errno != EBUSY)
			return -errno;
		if ((*left = count_procs(cg->path)) > 0)
			return -EBUSY;
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	*left = count_procs(cg->path);
	return -EBUSY;
}
