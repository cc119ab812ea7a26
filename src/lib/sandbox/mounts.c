/* SPDX-License-Identifier: MIT */
/* The file-system settings of a unit in a mount namespace of the command's own (see mounts.h). */
#include "sandbox/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/fix.h"
#include "unit/unit.h"
#include "unit/unitwrite.h"

static const char *const keys[] = { "ProtectSystem", "ProtectHome", "ReadWritePaths", "ReadOnlyPaths",
				    "InaccessiblePaths", "PrivateTmp", "PrivateNetwork", "PrivateIPC", NULL };

bool hd_mount_setting(const char *key)
{
	for (const char *const *k = keys; *k; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

int hd_mount_plan_add(struct hd_mount_plan *p, const char *key, const char *value, const char *file, unsigned line,
		      hd_diags *d)
{
	if (!hd_mount_setting(key))
		return 0;
	int r = hd_strv_push_unique(&p->settings, key);
	if (r < 0)
		return r;
	if (strcmp(key, "ProtectSystem") == 0 || strcmp(key, "ProtectHome") == 0) {
		bool sys = key[7] == 'S';
		static const char *const sys_modes[] = { "full", "strict", NULL }, *const home_modes[] = { "read-only", "tmpfs", NULL };
		int b = hd_parse_boolean(value);
		const char *mode = b == 1 ? "yes" : b == 0 ? "no" : NULL;
		for (const char *const *m = sys ? sys_modes : home_modes; !mode && *m; m++)
			if (strcmp(value, *m) == 0)
				mode = *m;
		if (!mode) {
			/* systemd logs and ignores such a line; run refuses it, as it refuses any bad -p value */
			hd_diag_add(d, HD_WARNING, file, line, "%s=%s: not a value systemd accepts, ignored", key, value);
			return 1;
		}
		char **slot = sys ? &p->protect_system : &p->protect_home;
		free(*slot);
		return (*slot = strdup(mode)) ? 1 : -ENOMEM;
	}
	if (strcmp(key, "PrivateTmp") == 0 || strcmp(key, "PrivateNetwork") == 0 || strcmp(key, "PrivateIPC") == 0) {
		int b = hd_parse_boolean(value);
		if (b < 0) {
			hd_diag_add(d, HD_WARNING, file, line, "%s=%s: not a boolean, ignored", key, value);
			return 1;
		}
		*(key[7] == 'T' ? &p->private_tmp : key[7] == 'N' ? &p->private_network : &p->private_ipc) = b;
		return 1;
	}
	hd_strv *list = key[0] == 'R' && key[4] == 'W' ? &p->rw : key[0] == 'R' ? &p->ro : &p->inaccessible;
	if (!*value) { /* an empty assignment resets the list */
		hd_strv_free(list);
		return 1;
	}
	hd_strv words = { 0 };
	r = hd_unit_split_words(value, &words);
	if (r == -EINVAL) {
		hd_diag_add(d, HD_WARNING, file, line, "%s=%s: bad quoting, ignored (as systemd does)", key, value);
		r = 0;
	}
	for (size_t i = 0; r >= 0 && i < words.n; i++) {
		const char *w = words.v[i], *path = w;
		if (*path == '-')
			path++;
		if (*path == '+')
			path++;
		if (path[0] != '/' || hd_unit_path_unwritable(path)) {
			hd_diag_add(d, HD_WARNING, file, line, "%s=: %s is not an absolute, normalized path, ignored (as "
				    "systemd does)", key, w);
			continue;
		}
		r = hd_strv_push(list, w);
	}
	hd_strv_free(&words);
	return r < 0 ? r : 1;
}

static int add_entry(struct hd_mount_plan *p, const char *path, enum hd_mount_mode mode, bool ignore_missing,
		     const char *origin)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct hd_mount_entry *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	struct hd_mount_entry *e = &p->v[p->n];
	e->path = strdup(path);
	e->origin = strdup(origin);
	e->mode = mode;
	e->ignore_missing = ignore_missing;
	if (!e->path || !e->origin) {
		free(e->path);
		free(e->origin);
		return -ENOMEM;
	}
	p->n++;
	return 0;
}

/* strcmp on paths, but a parent before its children: "/a" < "/a/b" < "/a-b" */
static int path_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		if (*a != *b) {
			if (!*a)
				return -1;
			if (!*b)
				return 1;
			if (*a == '/')
				return -1;
			if (*b == '/')
				return 1;
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		}
		if (!*a)
			return 0;
	}
}

static int entry_cmp(const void *x, const void *y)
{
	const struct hd_mount_entry *a = x, *b = y;
	int c = path_cmp(a->path, b->path);
	return c ? c : (int)a->mode - (int)b->mode;
}

static int add_words(struct hd_mount_plan *p, const hd_strv *words, enum hd_mount_mode mode, const char *key)
{
	for (size_t i = 0; i < words->n; i++) {
		const char *w = words->v[i];
		bool ignore = *w == '-';
		const char *path = w + ignore;
		path += *path == '+';
		char origin[64 + 4096];
		snprintf(origin, sizeof(origin), "%s=%s", key, w);
		int r = add_entry(p, path, mode, ignore, origin);
		if (r < 0)
			return r;
	}
	return 0;
}

int hd_mount_plan_finish(struct hd_mount_plan *p)
{
	int r = 0;
	const char *ps = p->protect_system, *ph = p->protect_home;
	if (ps && strcmp(ps, "no") != 0) {
		char origin[64];
		snprintf(origin, sizeof(origin), "ProtectSystem=%s", ps);
		if (strcmp(ps, "strict") == 0) {
			/* all of it read-only, but the API file systems (and the homes, ProtectHome='s business) */
			static const char *const implicit[] = { "/dev", "/proc", "/sys", "/home", "/run/user", "/root", NULL };
			r = add_entry(p, "/", HD_MOUNT_READONLY, false, origin);
			for (const char *const *i = implicit; r >= 0 && *i; i++)
				r = add_entry(p, *i, HD_MOUNT_READWRITE_IMPLICIT, true, origin);
		} else {
			r = add_entry(p, "/usr", HD_MOUNT_READONLY, false, origin);
			if (r >= 0)
				r = add_entry(p, "/boot", HD_MOUNT_READONLY, true, origin);
			if (r >= 0)
				r = add_entry(p, "/efi", HD_MOUNT_READONLY, true, origin);
			if (r >= 0 && strcmp(ps, "full") == 0)
				r = add_entry(p, "/etc", HD_MOUNT_READONLY, false, origin);
		}
	}
	if (r >= 0 && ph && strcmp(ph, "no") != 0) {
		char origin[64];
		snprintf(origin, sizeof(origin), "ProtectHome=%s", ph);
		enum hd_mount_mode m = strcmp(ph, "yes") == 0 ? HD_MOUNT_INACCESSIBLE
				       : strcmp(ph, "read-only") == 0 ? HD_MOUNT_READONLY
								      : HD_MOUNT_TMPFS;
		static const char *const homes[] = { "/home", "/run/user", "/root", NULL };
		for (const char *const *h = homes; r >= 0 && *h; h++)
			r = add_entry(p, *h, m, true, origin);
	}
	if (r >= 0 && p->private_tmp) {
		r = add_entry(p, "/tmp", HD_MOUNT_PRIVATE_TMP, false, "PrivateTmp=yes");
		if (r >= 0)
			r = add_entry(p, "/var/tmp", HD_MOUNT_PRIVATE_TMP, false, "PrivateTmp=yes");
	}
	if (r >= 0)
		r = add_words(p, &p->rw, HD_MOUNT_READWRITE, "ReadWritePaths");
	if (r >= 0)
		r = add_words(p, &p->ro, HD_MOUNT_READONLY, "ReadOnlyPaths");
	if (r >= 0)
		r = add_words(p, &p->inaccessible, HD_MOUNT_INACCESSIBLE, "InaccessiblePaths");
	if (r < 0)
		return r;
	if (p->n) /* qsort of no array: undefined */
		qsort(p->v, p->n, sizeof(*p->v), entry_cmp);
	/* one entry per path: the first in systemd's order of precedence */
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (k && strcmp(p->v[k - 1].path, p->v[i].path) == 0) {
			p->v[k - 1].ignore_missing = p->v[k - 1].ignore_missing && p->v[i].ignore_missing;
			free(p->v[i].path);
			free(p->v[i].origin);
			continue;
		}
		p->v[k++] = p->v[i];
	}
	p->n = k;
	return 0;
}

bool hd_mount_plan_empty(const struct hd_mount_plan *p)
{
	return p->n == 0 && !p->private_network && !p->private_ipc && !p->private_uts;
}

/* The loopback device of a new network namespace, up (it starts down). */
static int loopback_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct ifreq ifr = { 0 };
	strcpy(ifr.ifr_name, "lo");
	int r = ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ? -errno : 0;
	if (r == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		r = ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
	}
	close(fd);
	return r;
}

void hd_mount_plan_free(struct hd_mount_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].path);
		free(p->v[i].origin);
	}
	free(p->v);
	hd_strv_free(&p->settings);
	hd_strv_free(&p->rw);
	hd_strv_free(&p->ro);
	hd_strv_free(&p->inaccessible);
	free(p->protect_system);
	free(p->protect_home);
	memset(p, 0, sizeof(*p));
}

/* ---- applying it ------------------------------------------------------------------------------- */

const char *hd_mount_plan_cannot_apply(void)
{
	if (!hd_have_cap_sys_admin())
		return "a mount namespace needs CAP_SYS_ADMIN (run as root)";
	/* the mount API: an invalid call answers EINVAL/EBADF where it exists, ENOSYS where it does not */
	if (syscall(SYS_mount_setattr, -1, "", 0, NULL, 0) < 0 && errno == ENOSYS)
		return "the kernel has no mount_setattr(2) (Linux 5.12)";
	if (syscall(SYS_open_tree, -1, "", 0) < 0 && errno == ENOSYS)
		return "the kernel has no open_tree(2) (Linux 5.2)";
	return NULL;
}

/* A fresh tmpfs with mode, attached at path (read-only if ro; an empty one is kept tiny). */
static int mount_tmpfs(const char *path, const char *mode, bool ro)
{
	int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	int r = 0, mnt = -1;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0 ||
	    (ro && fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0) ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
	    (mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (ro ? MOUNT_ATTR_RDONLY : 0))) < 0 ||
	    move_mount(mnt, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = -errno;
	if (mnt >= 0)
		close(mnt);
	close(fs);
	return r;
}

/* Cover a regular file with an empty one of mode 0 (from a tmpfs of its own that is never attached). */
static int cover_file(const char *path)
{
	int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	int r = 0, mnt = -1, fd = -1, node = -1;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
	    (mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0)) < 0 ||
	    (fd = openat(mnt, "inaccessible", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0)) < 0 ||
	    (node = open_tree(mnt, "inaccessible", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) < 0 ||
	    move_mount(node, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		r = -errno;
	if (node >= 0)
		close(node);
	if (fd >= 0)
		close(fd);
	if (mnt >= 0)
		close(mnt);
	close(fs);
	return r;
}

/* path bound onto itself, with what is mounted below it */
static int bind_self(const char *path)
{
	int t = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (t < 0)
		return -errno;
	int r = move_mount(t, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0 ? -errno : 0;
	close(t);
	return r;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strcmp(dir, "/") == 0 || (strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0'));
}

/* /proc/self/mountinfo's mount points, unescaped (\040 and the like), in mount order */
static int mount_points(hd_strv *out)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	int r = 0;
	while (r >= 0 && getline(&line, &cap, f) > 0) {
		char *s = line;
		for (int field = 0; field < 4 && s; field++) /* id, parent, major:minor, root */
			s = strchr(s, ' ') ? strchr(s, ' ') + 1 : NULL;
		if (!s)
			continue;
		char *end = strchr(s, ' ');
		if (end)
			*end = '\0';
		char *o = s;
		for (char *i = s; *i; i++) {
			if (i[0] == '\\' && i[1] >= '0' && i[1] <= '3' && i[2] >= '0' && i[2] <= '7' && i[3] >= '0' && i[3] <= '7') {
				*o++ = (char)((i[1] - '0') * 64 + (i[2] - '0') * 8 + (i[3] - '0'));
				i += 3;
			} else
				*o++ = *i;
		}
		*o = '\0';
		r = hd_strv_push(out, s);
	}
	free(line);
	fclose(f);
	return r;
}

static bool read_only_mode(enum hd_mount_mode m)
{
	return m == HD_MOUNT_READONLY;
}

int hd_mount_plan_apply(const struct hd_mount_plan *p, const struct hd_mount_entry **failed)
{
	*failed = NULL;
	if (hd_mount_plan_empty(p))
		return 0;
	/* the other namespaces first, then a mount namespace of our own, from which nothing we do reaches
	 * the host's (systemd: MS_SLAVE too) */
	int flags = (p->private_network ? CLONE_NEWNET : 0) | (p->private_ipc ? CLONE_NEWIPC : 0) |
		    (p->private_uts ? CLONE_NEWUTS : 0);
	if (flags && unshare(flags) < 0)
		return -errno;
	if (p->private_network) {
		int lr = loopback_up();
		if (lr < 0)
			return lr;
	}
	if (p->n == 0)
		return 0;
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -errno;
	/* 1. each entry's own mount, in path order (a parent before its children) */
	for (size_t i = 0; i < p->n; i++) {
		const struct hd_mount_entry *e = &p->v[i];
		struct stat st;
		int r = 0;
		if (lstat(e->path, &st) < 0) {
			if (errno == ENOENT && e->ignore_missing)
				continue;
			r = -errno;
		} else if (e->mode == HD_MOUNT_INACCESSIBLE) {
			if (S_ISDIR(st.st_mode))
				r = mount_tmpfs(e->path, "0000", true);
			else if (S_ISREG(st.st_mode))
				r = cover_file(e->path);
			else
				r = -ENOTSUP; /* devices, sockets, FIFOs: not modelled (fail closed) */
		} else if (e->mode == HD_MOUNT_PRIVATE_TMP) {
			r = mount_tmpfs(e->path, "1777", false);
		} else if (e->mode == HD_MOUNT_TMPFS) {
			r = mount_tmpfs(e->path, "0755", true);
		} else if (strcmp(e->path, "/") != 0)
			r = bind_self(e->path);
		/* "/" is a mount already, and the namespace's own copy: a mount on top of it would not be the
		 * process's root, so its attributes are set on it directly below */
		if (r < 0) {
			*failed = e;
			return r;
		}
	}
	/* 2. read-only: every mount at or below a read-only entry, but those at or below a later entry that is
	 * not read-only (a ReadWritePaths= inside ProtectSystem=strict, /proc, a private /tmp) */
	hd_strv points = { 0 };
	int r = mount_points(&points);
	for (size_t i = 0; r >= 0 && i < p->n; i++) {
		const struct hd_mount_entry *e = &p->v[i];
		if (!read_only_mode(e->mode))
			continue;
		struct stat st;
		if (lstat(e->path, &st) < 0 && errno == ENOENT && e->ignore_missing)
			continue;
		for (size_t m = 0; r >= 0 && m < points.n; m++) {
			const char *mp = points.v[m];
			if (!under(mp, e->path))
				continue;
			bool kept = false;
			for (size_t j = i + 1; j < p->n && !kept; j++)
				kept = !read_only_mode(p->v[j].mode) && under(p->v[j].path, e->path) && under(mp, p->v[j].path);
			if (kept)
				continue;
			struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
			if (mount_setattr(AT_FDCWD, mp, AT_SYMLINK_NOFOLLOW, &a, sizeof(a)) < 0 && errno != ENOENT &&
			    errno != EACCES) {
				r = -errno;
				*failed = e;
			}
		}
	}
	hd_strv_free(&points);
	return r < 0 ? r : 0;
}
