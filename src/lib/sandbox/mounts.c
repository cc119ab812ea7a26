/* SPDX-License-Identifier: MIT */
/* The file-system settings of a unit in a mount namespace of the command's own (see mounts.h). */
#include "sandbox/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
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
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sandbox/fix.h"
#include "syscalls/groups.h"
#include "unit/unit.h"
#include "unit/unitwrite.h"

static const char *const keys[] = { "ProtectSystem", "ProtectHome", "ReadWritePaths", "ReadOnlyPaths",
				    "InaccessiblePaths", "ExecPaths", "NoExecPaths", "TemporaryFileSystem", "BindPaths",
				    "BindReadOnlyPaths", "PrivateTmp", "PrivateNetwork", "PrivateIPC", "ProtectControlGroups",
				    "ProtectProc", "ProcSubset", "PrivateMounts", NULL };
static const char *const shared_keys[] = { "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules",
					   "ProtectKernelLogs", NULL };

static bool in(const char *const *list, const char *key)
{
	for (const char *const *k = list; *k; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

bool hd_mount_setting(const char *key)
{
	return in(keys, key) || in(shared_keys, key);
}

bool hd_mount_setting_shared(const char *key)
{
	return in(shared_keys, key);
}

/* A setting with one word out of a fixed set (or a boolean, as yes/no): into *slot. */
static int fold_choice(char **slot, const char *key, const char *value, const char *const *choices, bool boolean,
		       const char *file, unsigned line, hd_diags *d)
{
	const char *v = NULL;
	int b = boolean ? hd_parse_boolean(value) : -1;
	if (b >= 0)
		v = b ? "yes" : "no";
	for (const char *const *c = choices; !v && *c; c++)
		if (strcmp(value, *c) == 0)
			v = *c;
	if (!v) {
		/* systemd logs and ignores such a line; run refuses it, as it refuses any bad -p value */
		hd_diag_add(d, HD_WARNING, file, line, "%s=%s: not a value systemd accepts, ignored", key, value);
		return 1;
	}
	free(*slot);
	return (*slot = strdup(v)) ? 1 : -ENOMEM;
}

/* systemd's path_simplify(): in place, repeated '/' made one, "." components and a trailing '/' dropped
 * ("/var//lib/./x/" is "/var/lib/x"); ".." is kept (absolute_normal refuses it, as systemd does) */
static void simplify_path(char *path)
{
	if (path[0] != '/')
		return;
	char *o = path + 1;
	for (const char *c = path + 1; *c;) {
		size_t len = strcspn(c, "/");
		if (len > 0 && !(len == 1 && c[0] == '.')) {
			if (o > path + 1)
				*o++ = '/';
			memmove(o, c, len);
			o += len;
		}
		c += len;
		c += *c == '/';
	}
	*o = '\0';
}

static bool absolute_normal(const char *path)
{
	return path[0] == '/' && !hd_unit_path_unwritable(path);
}

int hd_mount_plan_add(struct hd_mount_plan *p, const char *key, const char *value, const char *file, unsigned line,
		      hd_diags *d)
{
	if (!hd_mount_setting(key))
		return 0;
	int r = hd_strv_push_unique(&p->settings, key);
	if (r < 0)
		return r;
	if (strcmp(key, "ProtectSystem") == 0) {
		static const char *const modes[] = { "full", "strict", NULL };
		return fold_choice(&p->protect_system, key, value, modes, true, file, line, d);
	}
	if (strcmp(key, "ProtectHome") == 0) {
		static const char *const modes[] = { "read-only", "tmpfs", NULL };
		return fold_choice(&p->protect_home, key, value, modes, true, file, line, d);
	}
	if (strcmp(key, "ProtectProc") == 0) {
		static const char *const modes[] = { "default", "invisible", "ptraceable", "noaccess", NULL };
		return fold_choice(&p->protect_proc, key, value, modes, false, file, line, d);
	}
	if (strcmp(key, "ProcSubset") == 0) {
		static const char *const modes[] = { "all", "pid", NULL };
		return fold_choice(&p->proc_subset, key, value, modes, false, file, line, d);
	}
	static const struct {
		const char *key;
		size_t off;
	} booleans[] = {
		{ "PrivateTmp", offsetof(struct hd_mount_plan, private_tmp) },
		{ "PrivateNetwork", offsetof(struct hd_mount_plan, private_network) },
		{ "PrivateIPC", offsetof(struct hd_mount_plan, private_ipc) },
		{ "PrivateDevices", offsetof(struct hd_mount_plan, private_devices) },
		{ "ProtectKernelTunables", offsetof(struct hd_mount_plan, protect_kernel_tunables) },
		{ "ProtectKernelModules", offsetof(struct hd_mount_plan, protect_kernel_modules) },
		{ "ProtectKernelLogs", offsetof(struct hd_mount_plan, protect_kernel_logs) },
		{ "ProtectControlGroups", offsetof(struct hd_mount_plan, protect_control_groups) },
		{ "PrivateMounts", offsetof(struct hd_mount_plan, private_mounts) },
	};
	for (size_t i = 0; i < sizeof(booleans) / sizeof(booleans[0]); i++) {
		if (strcmp(key, booleans[i].key) != 0)
			continue;
		int b = hd_parse_boolean(value);
		if (b < 0) {
			if (!hd_mount_setting_shared(key)) /* else the filter has said it */
				hd_diag_add(d, HD_WARNING, file, line, "%s=%s: not a boolean, ignored", key, value);
			return 1;
		}
		*(bool *)((char *)p + booleans[i].off) = b;
		return 1;
	}
	static const struct {
		const char *key;
		size_t off;
	} lists[] = {
		{ "ReadWritePaths", offsetof(struct hd_mount_plan, rw) },
		{ "ReadOnlyPaths", offsetof(struct hd_mount_plan, ro) },
		{ "InaccessiblePaths", offsetof(struct hd_mount_plan, inaccessible) },
		{ "ExecPaths", offsetof(struct hd_mount_plan, exec) },
		{ "NoExecPaths", offsetof(struct hd_mount_plan, noexec) },
		{ "TemporaryFileSystem", offsetof(struct hd_mount_plan, tmpfs) },
		{ "BindPaths", offsetof(struct hd_mount_plan, bind) },
		{ "BindReadOnlyPaths", offsetof(struct hd_mount_plan, bind_ro) },
	};
	hd_strv *list = NULL;
	for (size_t i = 0; !list && i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(key, lists[i].key) == 0)
			list = (hd_strv *)((char *)p + lists[i].off);
	if (!*value) { /* an empty assignment resets the list */
		hd_strv_free(list);
		return 1;
	}
	bool is_tmpfs = key[0] == 'T', is_bind = key[0] == 'B';
	hd_strv words = { 0 };
	r = hd_unit_split_words(value, &words);
	if (r == -EINVAL) {
		hd_diag_add(d, HD_WARNING, file, line, "%s=%s: bad quoting, ignored (as systemd does)", key, value);
		r = 0;
	}
	for (size_t i = 0; r >= 0 && i < words.n; i++) {
		const char *w = words.v[i];
		bool ok;
		if (is_tmpfs || is_bind) {
			/* PATH[:...]: each path up to its ':' (a ':' inside a path is not modelled) */
			char *copy = strdup(w);
			if (!copy) {
				r = -ENOMEM;
				break;
			}
			char *src = copy + (is_bind && *copy == '-'), *dst = strchr(src, ':'), *opt = NULL;
			if (dst)
				*dst++ = '\0';
			if (is_bind && dst && (opt = strchr(dst, ':')))
				*opt++ = '\0';
			ok = absolute_normal(src) && (!is_bind || !dst || absolute_normal(dst)) &&
			     (!opt || strcmp(opt, "rbind") == 0 || strcmp(opt, "norbind") == 0 || !*opt) &&
			     (!is_bind || !opt || !strchr(opt, ':'));
			free(copy);
		} else {
			/* systemd simplifies the path first ("//", "/./", a trailing '/'), then refuses what is
			 * still not normal ("..") */
			char *path = words.v[i] + (*w == '-');
			path += *path == '+';
			simplify_path(path);
			ok = absolute_normal(path);
		}
		if (!ok) {
			hd_diag_add(d, HD_WARNING, file, line, "%s=: %s is not an absolute, normalized path%s, ignored (as "
				    "systemd does)", key, w, is_bind ? " (or bad options)" : "");
			continue;
		}
		r = hd_strv_push(list, w);
	}
	hd_strv_free(&words);
	return r < 0 ? r : 1;
}

static void entry_free(struct hd_mount_entry *e)
{
	free(e->path);
	free(e->origin);
	free(e->source);
	free(e->options);
}

static struct hd_mount_entry *add_entry(struct hd_mount_plan *p, const char *path, enum hd_mount_mode mode,
					bool ignore_missing, const char *origin)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct hd_mount_entry *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		p->v = v;
		p->cap = cap;
	}
	struct hd_mount_entry *e = &p->v[p->n];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	e->origin = strdup(origin);
	e->mode = mode;
	e->ignore_missing = ignore_missing;
	e->read_only = mode == HD_MOUNT_READONLY || mode == HD_MOUNT_INACCESSIBLE;
	e->noexec = mode == HD_MOUNT_NOEXEC;
	e->exec = mode == HD_MOUNT_EXEC;
	if (!e->path || !e->origin) {
		entry_free(e);
		return NULL;
	}
	p->n++;
	return e;
}

/* one entry per table row: r < 0 stops */
static int add_table(struct hd_mount_plan *p, const char *const *paths, enum hd_mount_mode mode, bool ignore_missing,
		     const char *origin)
{
	for (const char *const *x = paths; *x; x++)
		if (!add_entry(p, *x, mode, ignore_missing, origin))
			return -ENOMEM;
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

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strcmp(dir, "/") == 0 || (strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0'));
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
		if (!add_entry(p, path, mode, ignore, origin))
			return -ENOMEM;
	}
	return 0;
}

/* TemporaryFileSystem=PATH[:OPTIONS]: a tmpfs with systemd's defaults, then the unit's options ("ro" is
 * read-only; the rest go to the file system as they are) */
static int add_tmpfs_words(struct hd_mount_plan *p)
{
	for (size_t i = 0; i < p->tmpfs.n; i++) {
		const char *w = p->tmpfs.v[i], *colon = strchr(w, ':');
		char path[4096], origin[64 + 4096], options[8192];
		snprintf(path, sizeof(path), "%.*s", colon ? (int)(colon - w) : (int)strlen(w), w);
		snprintf(origin, sizeof(origin), "TemporaryFileSystem=%s", w);
		/* "ro" (and "rw") are kept out: the tmpfs is made writable, and read-only only once what is
		 * mounted inside it is (systemd's pass 2), so that TemporaryFileSystem=/var:ro can take binds */
		bool read_only = false;
		size_t len = (size_t)snprintf(options, sizeof(options), "mode=0755,size=10%%,nr_inodes=400k");
		char *opts = strdup(colon ? colon + 1 : ""), *save = NULL;
		if (!opts)
			return -ENOMEM;
		for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
			if (strcmp(o, "ro") == 0 || strcmp(o, "rw") == 0)
				read_only = o[0] == 'r' && o[1] == 'o';
			else if (len < sizeof(options))
				len += (size_t)snprintf(options + len, sizeof(options) - len, ",%s", o);
		}
		free(opts);
		struct hd_mount_entry *e = add_entry(p, path, HD_MOUNT_TMPFS, false, origin);
		if (!e || !(e->options = strdup(options)))
			return -ENOMEM;
		e->read_only = read_only;
	}
	return 0;
}

/* BindPaths=[-]SRC[:DST[:rbind|norbind]] */
static int add_bind_words(struct hd_mount_plan *p, const hd_strv *words, bool read_only)
{
	for (size_t i = 0; i < words->n; i++) {
		char *w = strdup(words->v[i]);
		if (!w)
			return -ENOMEM;
		bool ignore = *w == '-';
		char *src = w + ignore, *dst = strchr(src, ':'), *opt = NULL;
		if (dst)
			*dst++ = '\0';
		if (dst && (opt = strchr(dst, ':')))
			*opt++ = '\0';
		char origin[64 + 4096];
		snprintf(origin, sizeof(origin), "%s=%s", read_only ? "BindReadOnlyPaths" : "BindPaths", words->v[i]);
		enum hd_mount_mode mode = opt && strcmp(opt, "norbind") == 0 ? HD_MOUNT_BIND : HD_MOUNT_BIND_RECURSIVE;
		struct hd_mount_entry *e = add_entry(p, dst && *dst ? dst : src, mode, ignore, origin);
		if (e && !(e->source = strdup(src)))
			e = NULL;
		free(w);
		if (!e)
			return -ENOMEM;
		e->read_only = read_only;
	}
	return 0;
}

/* The entries of the settings, as systemd 252's namespace.c lists them (its tables are the facts). */
static int add_entries(struct hd_mount_plan *p)
{
	int r = 0;
	const char *ps = p->protect_system, *ph = p->protect_home;
	if (ps && strcmp(ps, "no") != 0) {
		char origin[64];
		snprintf(origin, sizeof(origin), "ProtectSystem=%s", ps);
		if (strcmp(ps, "strict") == 0) {
			/* all of it read-only, but the API file systems (and the homes, ProtectHome='s business) */
			static const char *const implicit[] = { "/dev", "/proc", "/sys", "/home", "/run/user", "/root", NULL };
			r = add_entry(p, "/", HD_MOUNT_READONLY, false, origin) ? 0 : -ENOMEM;
			if (r >= 0)
				r = add_table(p, implicit, HD_MOUNT_READWRITE_IMPLICIT, true, origin);
		} else {
			/* Debian 12 builds systemd 252 with split-usr: /bin, /sbin, /lib, /lib64 too (symbolic links
			 * into /usr on a merged system, where they resolve to entries inside /usr's); 255 dropped
			 * split-usr */
			static const char *const usr[] = { "/usr", NULL };
			static const char *const optional[] = { "/boot", "/efi", "/bin", "/sbin", "/lib", "/lib64", NULL };
			static const char *const optional_merged[] = { "/boot", "/efi", NULL };
			bool split_usr = p->sdver == 0 || p->sdver < HD_SD_NO_SPLIT_USR;
			static const char *const etc[] = { "/etc", NULL };
			r = add_table(p, usr, HD_MOUNT_READONLY, false, origin);
			if (r >= 0)
				r = add_table(p, split_usr ? optional : optional_merged, HD_MOUNT_READONLY, true, origin);
			if (r >= 0 && strcmp(ps, "full") == 0)
				r = add_table(p, etc, HD_MOUNT_READONLY, false, origin);
		}
	}
	if (r >= 0 && ph && strcmp(ph, "no") != 0) {
		char origin[64];
		snprintf(origin, sizeof(origin), "ProtectHome=%s", ph);
		static const char *const homes[] = { "/home", "/run/user", "/root", NULL };
		if (strcmp(ph, "tmpfs") == 0) {
			/* empty: under 252 a plain writable tmpfs (see sdver in mounts.h); after it read-only,
			 * the homes 0755, /root 0700 */
			bool v252 = p->sdver == 0 || p->sdver < HD_SD_STATIC_MOUNTS_KEEP;
			for (const char *const *h = homes; r >= 0 && *h; h++) {
				struct hd_mount_entry *e = add_entry(p, *h, HD_MOUNT_TMPFS, true, origin);
				const char *options = v252 ? "mode=1777,plain" : strcmp(*h, "/root") == 0 ? "mode=0700,size=4m,nr_inodes=1k"
													   : "mode=0755,size=4m,nr_inodes=1k";
				if (!e || !(e->options = strdup(options)))
					r = -ENOMEM;
				else
					e->read_only = !v252;
			}
		} else
			r = add_table(p, homes, strcmp(ph, "yes") == 0 ? HD_MOUNT_INACCESSIBLE : HD_MOUNT_READONLY, true,
				      origin);
	}
	if (r >= 0 && p->private_tmp) {
		static const char *const tmp[] = { "/tmp", "/var/tmp", NULL };
		r = add_table(p, tmp, HD_MOUNT_PRIVATE_TMP, false, "PrivateTmp=yes");
	}
	if (r >= 0 && p->private_devices) {
		static const char *const dev[] = { "/dev", NULL };
		r = add_table(p, dev, HD_MOUNT_PRIVATE_DEV, false, "PrivateDevices=yes");
	}
	if (r >= 0 && p->protect_kernel_tunables) {
		static const char *const ro[] = { "/proc/acpi", "/proc/apm", "/proc/asound", "/proc/bus", "/proc/fs",
			"/proc/irq", "/proc/latency_stats", "/proc/mtrr", "/proc/scsi", "/proc/sys", "/proc/sysrq-trigger",
			"/proc/timer_stats", "/sys/fs/bpf", "/sys/kernel/debug", "/sys/kernel/tracing", NULL };
		static const char *const sys[] = { "/sys", NULL };
		static const char *const hidden[] = { "/proc/kallsyms", "/proc/kcore", NULL };
		static const char *const writable[] = { "/sys/fs/cgroup", "/sys/fs/selinux", NULL };
		const char *o = "ProtectKernelTunables=yes";
		r = add_table(p, ro, HD_MOUNT_READONLY, true, o);
		if (r >= 0)
			r = add_table(p, sys, HD_MOUNT_READONLY, false, o);
		if (r >= 0)
			r = add_table(p, hidden, HD_MOUNT_INACCESSIBLE, true, o);
		if (r >= 0)
			r = add_table(p, writable, HD_MOUNT_READWRITE_IMPLICIT, true, o);
	}
	if (r >= 0 && p->protect_kernel_modules) {
		static const char *const modules[] = { "/lib/modules", "/usr/lib/modules", NULL };
		r = add_table(p, modules, HD_MOUNT_INACCESSIBLE, true, "ProtectKernelModules=yes");
	}
	if (r >= 0 && p->protect_kernel_logs) {
		static const char *const logs[] = { "/proc/kmsg", "/dev/kmsg", NULL };
		r = add_table(p, logs, HD_MOUNT_INACCESSIBLE, true, "ProtectKernelLogs=yes");
	}
	if (r >= 0 && p->protect_control_groups) {
		static const char *const cg[] = { "/sys/fs/cgroup", NULL };
		r = add_table(p, cg, HD_MOUNT_READONLY, false, "ProtectControlGroups=yes");
	}
	/* a fresh /proc (systemd's API file systems, which these settings imply), with ProtectProc='s hidepid=
	 * and ProcSubset='s subset= */
	bool hidepid = p->protect_proc && strcmp(p->protect_proc, "default") != 0;
	bool subset = p->proc_subset && strcmp(p->proc_subset, "pid") == 0;
	if (r >= 0 && (p->protect_kernel_tunables || p->protect_control_groups || hidepid || subset)) {
		char options[64], origin[64];
		snprintf(options, sizeof(options), "%s%s%s%s", hidepid ? "hidepid=" : "", hidepid ? p->protect_proc : "",
			 hidepid && subset ? "," : "", subset ? "subset=pid" : "");
		snprintf(origin, sizeof(origin), "%s", hidepid ? "ProtectProc=" : subset ? "ProcSubset=pid"
						   : p->protect_kernel_tunables ? "ProtectKernelTunables=yes"
						   : "ProtectControlGroups=yes");
		if (hidepid)
			snprintf(origin + strlen(origin), sizeof(origin) - strlen(origin), "%s", p->protect_proc);
		struct hd_mount_entry *e = add_entry(p, "/proc", HD_MOUNT_PROCFS, false, origin);
		if (!e || !(e->options = strdup(options)))
			r = -ENOMEM;
	}
	if (r >= 0 && p->private_ipc) {
		static const char *const mq[] = { "/dev/mqueue", NULL };
		r = add_table(p, mq, HD_MOUNT_MQUEUE, true, "PrivateIPC=yes");
	}
	if (r >= 0)
		r = add_words(p, &p->rw, HD_MOUNT_READWRITE, "ReadWritePaths");
	if (r >= 0)
		r = add_words(p, &p->ro, HD_MOUNT_READONLY, "ReadOnlyPaths");
	if (r >= 0)
		r = add_words(p, &p->inaccessible, HD_MOUNT_INACCESSIBLE, "InaccessiblePaths");
	if (r >= 0)
		r = add_words(p, &p->exec, HD_MOUNT_EXEC, "ExecPaths");
	if (r >= 0)
		r = add_words(p, &p->noexec, HD_MOUNT_NOEXEC, "NoExecPaths");
	if (r >= 0)
		r = add_tmpfs_words(p);
	if (r >= 0)
		r = add_bind_words(p, &p->bind, false);
	if (r >= 0)
		r = add_bind_words(p, &p->bind_ro, true);
	/* ProtectHostname=: the host's name files read-only, when there is a mount namespace anyway */
	if (r >= 0 && p->private_uts && p->n) {
		static const char *const names[] = { "/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname", NULL };
		r = add_table(p, names, HD_MOUNT_READONLY, true, "ProtectHostname=yes");
	}
	return r;
}

int hd_mount_plan_finish(struct hd_mount_plan *p)
{
	int r = add_entries(p);
	if (r < 0)
		return r;
	/* symbolic links resolved, as systemd follows them before it mounts (/lib/modules -> /usr/lib/modules);
	 * a path that does not exist stays as written */
	for (size_t i = 0; i < p->n; i++) {
		struct stat st;
		char *real = lstat(p->v[i].path, &st) == 0 ? realpath(p->v[i].path, NULL) : NULL;
		if (real && strcmp(real, p->v[i].path) != 0 && !hd_unit_path_unwritable(real)) {
			free(p->v[i].path);
			p->v[i].path = real;
		} else
			free(real);
	}
	if (p->n) /* qsort of no array: undefined */
		qsort(p->v, p->n, sizeof(*p->v), entry_cmp);
	/* one entry per path: the first in systemd's order of precedence, with the flags of the others */
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct hd_mount_entry *e = &p->v[i];
		if (k && strcmp(p->v[k - 1].path, e->path) == 0) {
			struct hd_mount_entry *kept = &p->v[k - 1];
			kept->ignore_missing = kept->ignore_missing && e->ignore_missing;
			kept->read_only |= e->read_only;
			kept->noexec |= e->noexec;
			kept->exec |= e->exec;
			entry_free(e);
			continue;
		}
		/* nothing below an inaccessible path: it stays empty (the nearest kept ancestor decides) */
		bool hidden = false;
		for (size_t j = k; !hidden && j-- > 0;)
			hidden = p->v[j].mode == HD_MOUNT_INACCESSIBLE && under(e->path, p->v[j].path);
		if (hidden) {
			entry_free(e);
			continue;
		}
		p->v[k++] = *e;
	}
	p->n = k;
	return 0;
}

bool hd_mount_plan_empty(const struct hd_mount_plan *p)
{
	return p->n == 0 && !p->private_network && !p->private_ipc && !p->private_uts && !p->private_mounts;
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
	for (size_t i = 0; i < p->n; i++)
		entry_free(&p->v[i]);
	free(p->v);
	hd_strv *lists[] = { &p->settings, &p->rw, &p->ro, &p->inaccessible, &p->exec, &p->noexec, &p->tmpfs,
			     &p->bind, &p->bind_ro };
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		hd_strv_free(lists[i]);
	free(p->protect_system);
	free(p->protect_home);
	free(p->protect_proc);
	free(p->proc_subset);
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

/* A fresh file system (tmpfs, proc, mqueue) as a detached mount: options "key=value,flag,..." go to the
 * file system, except the mount flags among them (ro, nosuid, nodev, noexec, their opposites, the atime
 * ones), which change attr. The mount's fd, or -errno. */
static int new_fs(const char *type, const char *options, unsigned attr)
{
	static const struct {
		const char *name;
		unsigned set, clear;
	} flags[] = {
		{ "ro", MOUNT_ATTR_RDONLY, 0 }, { "rw", 0, MOUNT_ATTR_RDONLY },
		{ "nosuid", MOUNT_ATTR_NOSUID, 0 }, { "suid", 0, MOUNT_ATTR_NOSUID },
		{ "nodev", MOUNT_ATTR_NODEV, 0 }, { "dev", 0, MOUNT_ATTR_NODEV },
		{ "noexec", MOUNT_ATTR_NOEXEC, 0 }, { "exec", 0, MOUNT_ATTR_NOEXEC },
		{ "strictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME }, { "relatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
		{ "noatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME }, { "nodiratime", MOUNT_ATTR_NODIRATIME, 0 },
	};
	int fs = fsopen(type, FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	fsconfig(fs, FSCONFIG_SET_STRING, "source", type, 0); /* its name in mountinfo (else "none") */
	char *opts = strdup(options ? options : "");
	int r = opts ? 0 : -ENOMEM;
	char *save = NULL;
	for (char *o = opts ? strtok_r(opts, ",", &save) : NULL; r == 0 && o; o = strtok_r(NULL, ",", &save)) {
		bool flag = false;
		for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]) && !flag; i++)
			if (strcmp(o, flags[i].name) == 0) {
				attr = (attr & ~flags[i].clear) | flags[i].set;
				flag = true;
			}
		if (flag)
			continue;
		char *eq = strchr(o, '=');
		if (eq)
			*eq = '\0';
		if ((eq ? fsconfig(fs, FSCONFIG_SET_STRING, o, eq + 1, 0) : fsconfig(fs, FSCONFIG_SET_FLAG, o, NULL, 0)) < 0)
			r = -errno;
	}
	free(opts);
	int mnt = -1;
	if (r == 0 && (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 || (mnt = fsmount(fs, FSMOUNT_CLOEXEC, attr)) < 0))
		r = -errno;
	close(fs);
	return r < 0 ? r : mnt;
}

/* a detached mount (or tree) attached at path; the fd is closed */
static int attach(int tree, const char *path)
{
	int r = move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0 ? -errno : 0;
	close(tree);
	return r;
}

static int mount_new_fs(const char *type, const char *options, unsigned attr, const char *path)
{
	int mnt = new_fs(type, options, attr);
	return mnt < 0 ? mnt : attach(mnt, path);
}

/* The nodes that cover an inaccessible path, one per file type, all of mode 0 (as systemd's
 * /run/systemd/inaccessible/): a small tmpfs of their own, never attached itself. Its fd, or -errno. */
static int inaccessible_nodes(void)
{
	int mnt = new_fs("tmpfs", "mode=0755,size=4k", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return mnt;
	mode_t old = umask(0);
	int r = 0;
	if (mkdirat(mnt, "dir", 0) < 0 || mknodat(mnt, "reg", S_IFREG, 0) < 0 || mknodat(mnt, "chr", S_IFCHR, makedev(0, 0)) < 0 ||
	    mknodat(mnt, "blk", S_IFBLK, makedev(0, 0)) < 0 || mknodat(mnt, "fifo", S_IFIFO, 0) < 0 ||
	    mknodat(mnt, "sock", S_IFSOCK, 0) < 0)
		r = -errno;
	umask(old);
	if (r < 0) {
		close(mnt);
		return r;
	}
	return mnt;
}

/* path covered by the node of its own file type, read-only and noexec */
static int make_inaccessible(int nodes, const char *path, mode_t type)
{
	const char *node = S_ISDIR(type) ? "dir" : S_ISREG(type) ? "reg" : S_ISCHR(type) ? "chr" : S_ISBLK(type) ? "blk"
			 : S_ISFIFO(type) ? "fifo" : S_ISSOCK(type) ? "sock" : NULL;
	if (!node)
		return -ELOOP; /* a symbolic link: systemd refuses it too */
	int t = open_tree(nodes, node, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (t < 0)
		return -errno;
	int r = attach(t, path);
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC };
	if (r == 0 && mount_setattr(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, &a, sizeof(a)) < 0)
		r = -errno;
	return r;
}

/* A copy of the host's device node /dev/name in the new /dev (mnt), as systemd 252's clone_device_node()
 * makes it: mknod with the host's mode and owner; where mknod is not permitted (a device policy without
 * "m" for it: the command's cgroup is in force already) an empty file, with the host's node bound over it
 * once the tmpfs is on /dev (*bind: that node's tree), and no mknod tried for the nodes after it. */
static int copy_node(int mnt, const char *name, const struct stat *st, bool *make_devnode, int *bind)
{
	if (*make_devnode) {
		if (mknodat(mnt, name, st->st_mode & (S_IFMT | 07777), st->st_rdev) == 0)
			return fchownat(mnt, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
		if (errno != EPERM)
			return -errno;
		*make_devnode = false;
	}
	char path[64];
	snprintf(path, sizeof(path), "/dev/%s", name);
	/* the host's node, taken before the tmpfs covers /dev */
	*bind = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (*bind < 0)
		return -errno;
	return mknodat(mnt, name, S_IFREG, 0) < 0 ? -errno : 0;
}

/* PrivateDevices=: a tmpfs on /dev with copies of the pseudo devices, the host's /dev/pts and /dev/shm
 * (and /dev/mqueue, /dev/hugepages where they are), the usual symbolic links; /dev itself read-only, what
 * is mounted below it not. */
static int private_dev(void)
{
	static const struct {
		const char *name;
		bool required;
	} kept[] = { { "pts", true }, { "shm", true }, { "mqueue", false }, { "hugepages", false } };
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty", NULL };
	static const struct {
		const char *name, *target;
	} links[] = { { "log", "/run/systemd/journal/dev-log" }, { "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		      { "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" } };
	int trees[4], r = 0;
	/* the nodes bound from the host where mknod is not permitted (copy_node), nodes[] then ptmx */
	int binds[8] = { -1, -1, -1, -1, -1, -1, -1, -1 };
	bool make_devnode = true;
	char path[64];
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/dev/%s", kept[i].name);
		/* the host's, taken before the tmpfs covers them */
		trees[i] = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (trees[i] < 0 && (kept[i].required || errno != ENOENT) && r == 0)
			r = -errno;
	}
	int mnt = r < 0 ? r : new_fs("tmpfs", "mode=0755,size=4m,nr_inodes=64k",
				     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_STRICTATIME);
	if (mnt < 0)
		r = mnt;
	mode_t old = umask(0);
	for (size_t i = 0; r == 0 && i < 4; i++)
		if (trees[i] >= 0 && mkdirat(mnt, kept[i].name, 0755) < 0)
			r = -errno;
	if (r == 0 && mkdirat(mnt, "char", 0755) < 0)
		r = -errno;
	struct stat st;
	for (size_t i = 0; r == 0 && nodes[i]; i++) {
		snprintf(path, sizeof(path), "/dev/%s", nodes[i]);
		if (stat(path, &st) < 0 || !S_ISCHR(st.st_mode))
			continue; /* not on this host: not in the copy either */
		char link[64], target[64];
		snprintf(link, sizeof(link), "char/%u:%u", major(st.st_rdev), minor(st.st_rdev));
		snprintf(target, sizeof(target), "../%s", nodes[i]);
		r = copy_node(mnt, nodes[i], &st, &make_devnode, &binds[i]);
		if (r == 0 && symlinkat(target, mnt, link) < 0)
			r = -errno;
	}
	/* ptmx: a link into pts where the host has one, else a copy of the node */
	if (r == 0 && lstat("/dev/ptmx", &st) == 0) {
		if (S_ISLNK(st.st_mode))
			r = symlinkat("pts/ptmx", mnt, "ptmx") < 0 ? -errno : 0;
		else
			r = copy_node(mnt, "ptmx", &st, &make_devnode, &binds[7]);
	}
	for (size_t i = 0; r == 0 && i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i].target, mnt, links[i].name) < 0)
			r = -errno;
	if (r == 0 && access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", mnt, "core") < 0)
		r = -errno;
	umask(old);
	if (r == 0) {
		r = attach(mnt, "/dev");
		mnt = -1;
	}
	for (size_t i = 0; i < 4; i++) {
		if (trees[i] < 0)
			continue;
		snprintf(path, sizeof(path), "/dev/%s", kept[i].name);
		if (r == 0)
			r = attach(trees[i], path);
		else
			close(trees[i]);
	}
	for (size_t i = 0; i < 8; i++) {
		if (binds[i] < 0)
			continue;
		snprintf(path, sizeof(path), "/dev/%s", i < 7 && nodes[i] ? nodes[i] : "ptmx");
		if (r == 0)
			r = attach(binds[i], path);
		else
			close(binds[i]);
	}
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
	if (r == 0 && mount_setattr(AT_FDCWD, "/dev", 0, &a, sizeof(a)) < 0)
		r = -errno;
	if (mnt >= 0)
		close(mnt);
	return r;
}

/* path bound onto itself, with what is mounted below it */
static int bind_self(const char *path)
{
	int t = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (t < 0)
		return -errno;
	return attach(t, path);
}

/* A bind's destination that is not there, made as systemd makes it: its directories, then a directory or
 * an empty file as the source is one. */
static int make_bind_target(const char *path, bool dir)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *s = strchr(buf + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (dir)
		return mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
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

/* Pass 2 or 3: attr on every mount at or below e's path, but those at or below another entry below it
 * (which decides for its own subtree). */
/* A mount point of mountinfo that this view does not reach: a fresh file system was mounted over one of
 * its parents (the host's /proc/sys/fs/binfmt_misc under ProtectKernelTunables='s fresh /proc), so the path
 * is a plain directory there and mount_setattr answers EINVAL; what covers it is a mount point of its own */
static bool shadowed(const char *path)
{
	struct statx stx;
	return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0, &stx) == 0 &&
	       (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static int set_below(const struct hd_mount_plan *p, size_t i, const hd_strv *points, const struct mount_attr *a)
{
	const struct hd_mount_entry *e = &p->v[i];
	for (size_t m = 0; m < points->n; m++) {
		const char *mp = points->v[m];
		if (!under(mp, e->path))
			continue;
		bool other = false;
		for (size_t j = i + 1; j < p->n && !other; j++)
			other = under(p->v[j].path, e->path) && strcmp(p->v[j].path, e->path) != 0 && under(mp, p->v[j].path);
		if (other)
			continue;
		struct mount_attr copy = *a;
		if (mount_setattr(AT_FDCWD, mp, AT_SYMLINK_NOFOLLOW, &copy, sizeof(copy)) < 0 && errno != ENOENT &&
		    errno != EACCES && !(errno == EINVAL && shadowed(mp)))
			return -errno;
	}
	return 0;
}

static bool is_bind(enum hd_mount_mode m)
{
	return m == HD_MOUNT_BIND || m == HD_MOUNT_BIND_RECURSIVE;
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
	/* PrivateMounts= alone: the namespace, nothing in it (what the command mounts stays its own) */
	if (p->n == 0 && !p->private_mounts)
		return 0;
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -errno;
	if (p->n == 0)
		return 0;
	/* the sources of binds are the host's paths: taken before any entry changes the view; and the nodes
	 * that cover inaccessible paths */
	int *sources = calloc(p->n, sizeof(int)), nodes = -1, r = 0;
	if (!sources)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		const struct hd_mount_entry *e = &p->v[i];
		sources[i] = -1;
		if (r == 0 && is_bind(e->mode)) {
			unsigned rec = e->mode == HD_MOUNT_BIND_RECURSIVE ? AT_RECURSIVE : 0;
			sources[i] = open_tree(AT_FDCWD, e->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
			if (sources[i] < 0 && !(errno == ENOENT && e->ignore_missing)) {
				r = -errno;
				*failed = e;
			}
		}
		if (r == 0 && e->mode == HD_MOUNT_INACCESSIBLE && nodes < 0 && (nodes = inaccessible_nodes()) < 0) {
			r = nodes;
			*failed = e;
		}
	}
	/* 1. each entry's own mount, in path order (a parent before its children) */
	for (size_t i = 0; r == 0 && i < p->n; i++) {
		const struct hd_mount_entry *e = &p->v[i];
		struct stat st, src;
		if (is_bind(e->mode)) {
			if (sources[i] < 0) { /* "-" and not there */
				/* systemd skips the bind but still makes the destination read-only (noexec, exec):
				 * bind_remount_recursive() binds a path that is not a mount onto itself first */
				if ((e->read_only || e->noexec || e->exec) && lstat(e->path, &st) == 0 && strcmp(e->path, "/") != 0)
					r = bind_self(e->path);
				if (r < 0)
					*failed = e;
				continue;
			}
			if (fstat(sources[i], &src) < 0)
				r = -errno;
			else if (lstat(e->path, &st) < 0)
				r = errno == ENOENT ? make_bind_target(e->path, S_ISDIR(src.st_mode)) : -errno;
			if (r == 0) {
				r = attach(sources[i], e->path);
				sources[i] = -1;
			}
		} else if (lstat(e->path, &st) < 0) {
			if (errno == ENOENT && e->ignore_missing)
				continue;
			r = -errno;
		} else if (e->mode == HD_MOUNT_INACCESSIBLE)
			r = make_inaccessible(nodes, e->path, st.st_mode);
		else if (e->mode == HD_MOUNT_PRIVATE_TMP)
			r = mount_new_fs("tmpfs", "mode=1777", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, e->path);
		else if (e->mode == HD_MOUNT_TMPFS && e->options && strcmp(e->options, "mode=1777,plain") == 0)
			r = mount_new_fs("tmpfs", "mode=1777", 0, e->path); /* 252's ProtectHome=tmpfs: no flags */
		else if (e->mode == HD_MOUNT_TMPFS)
			r = mount_new_fs("tmpfs", e->options, MOUNT_ATTR_NODEV | MOUNT_ATTR_STRICTATIME, e->path);
		else if (e->mode == HD_MOUNT_PRIVATE_DEV)
			r = private_dev();
		else if (e->mode == HD_MOUNT_PROCFS)
			r = mount_new_fs("proc", e->options, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e->path);
		else if (e->mode == HD_MOUNT_MQUEUE)
			r = mount_new_fs("mqueue", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, e->path);
		else if (strcmp(e->path, "/") != 0)
			r = bind_self(e->path);
		/* "/" is a mount already, and the namespace's own copy: a mount on top of it would not be the
		 * process's root, so its attributes are set on it directly below */
		if (r < 0)
			*failed = e;
	}
	for (size_t i = 0; i < p->n; i++)
		if (sources[i] >= 0)
			close(sources[i]);
	free(sources);
	if (nodes >= 0)
		close(nodes);
	if (r < 0)
		return r;
	/* 2. read-only, 3. noexec and exec: every mount at or below an entry with the flag, but those at or
	 * below another entry below it (a ReadWritePaths= inside ProtectSystem=strict, /proc, a private /tmp).
	 * The file systems made fresh (tmpfs, /dev, /proc) got their flags when they were made. */
	hd_strv points = { 0 };
	r = mount_points(&points);
	for (size_t i = 0; r >= 0 && i < p->n; i++) {
		const struct hd_mount_entry *e = &p->v[i];
		struct stat st;
		if (lstat(e->path, &st) < 0 && errno == ENOENT && e->ignore_missing)
			continue;
		struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY }, noexec = { .attr_set = MOUNT_ATTR_NOEXEC },
				  exec = { .attr_clr = MOUNT_ATTR_NOEXEC };
		if (e->mode == HD_MOUNT_TMPFS && e->read_only) { /* that tmpfs alone, not what was bound inside */
			if (mount_setattr(AT_FDCWD, e->path, AT_SYMLINK_NOFOLLOW, &ro, sizeof(ro)) < 0) {
				r = -errno;
				*failed = e;
			}
			continue;
		}
		/* a private /tmp takes the flags of the entries it absorbed (ReadOnlyPaths=/tmp: systemd's
		 * drop_duplicates() keeps the read-only flag, and its private /tmp is read-only) */
		bool plain = e->mode == HD_MOUNT_READONLY || e->mode == HD_MOUNT_READWRITE || e->mode == HD_MOUNT_NOEXEC ||
			     e->mode == HD_MOUNT_EXEC || e->mode == HD_MOUNT_PRIVATE_TMP || is_bind(e->mode);
		if (!plain)
			continue;
		if (e->read_only)
			r = set_below(p, i, &points, &ro);
		if (r >= 0 && e->noexec)
			r = set_below(p, i, &points, &noexec);
		if (r >= 0 && e->exec && !e->noexec) /* both for one path: noexec wins (systemd make_noexec()) */
			r = set_below(p, i, &points, &exec);
		if (r < 0)
			*failed = e;
	}
	hd_strv_free(&points);
	return r < 0 ? r : 0;
}
