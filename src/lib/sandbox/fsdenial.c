/* SPDX-License-Identifier: MIT */
/* Which file-system setting made a call fail, and the fix (see fsdenial.h). */
#include "sandbox/fsdenial.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "unit/unitwrite.h"

static bool host_exists(void *ctx, const char *path)
{
	(void)ctx;
	struct stat st;
	return lstat(path, &st) == 0;
}

static bool host_is_dir(void *ctx, const char *path)
{
	(void)ctx;
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool host_read_only(void *ctx, const char *path)
{
	(void)ctx;
	struct statvfs sv;
	return statvfs(path, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

const struct hd_fs_probe hd_fs_probe_host = { .exists = host_exists, .is_dir = host_is_dir,
					      .read_only = host_read_only };

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strcmp(dir, "/") == 0 || (strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0'));
}

/* The deepest entry at or above path that is set up (a missing "-" path is skipped, so is its entry). */
static const struct hd_mount_entry *covering(const struct hd_mount_plan *p, const char *path,
					     const struct hd_fs_probe *probe)
{
	const struct hd_mount_entry *best = NULL;
	for (size_t i = 0; i < p->n; i++) {
		const struct hd_mount_entry *e = &p->v[i];
		if (!under(path, e->path) || (best && strlen(best->path) >= strlen(e->path)))
			continue;
		if (e->ignore_missing && !probe->exists(probe->ctx, e->path))
			continue;
		best = e;
	}
	return best;
}

/* The nearest directory the host has at or above path, into out. */
static void nearest_dir(const char *path, const struct hd_fs_probe *probe, char out[PATH_MAX])
{
	snprintf(out, PATH_MAX, "%s", path);
	while (strcmp(out, "/") != 0 && !probe->is_dir(probe->ctx, out)) {
		char *slash = strrchr(out, '/');
		if (!slash || slash == out)
			strcpy(out, "/");
		else
			*slash = '\0';
	}
}

/* an entry whose mount shows less than the host has below it (a path there can be ENOENT) */
static bool hides(enum hd_mount_mode m)
{
	return m == HD_MOUNT_INACCESSIBLE || m == HD_MOUNT_TMPFS || m == HD_MOUNT_PRIVATE_TMP ||
	       m == HD_MOUNT_PRIVATE_DEV || m == HD_MOUNT_PROCFS;
}

/* "ReadWritePaths=DIR" for the nearest directory at or above path, as systemd reads it back. */
static int add_read_write(struct hd_fs_denial *d, const char *path, const struct hd_fs_probe *probe)
{
	char dir[PATH_MAX];
	nearest_dir(path, probe, dir);
	if (!(d->dir = strdup(dir)))
		return -ENOMEM;
	char *word = NULL;
	int r = hd_unit_quote_path(dir, &word);
	if (r == -EINVAL) {
		d->unwritable = hd_unit_path_unwritable(dir);
		return 0;
	}
	if (r < 0)
		return r;
	r = hd_strv_pushf(&d->fix, "ReadWritePaths=%s", word);
	free(word);
	return r;
}

static bool origin_is(const struct hd_mount_entry *e, const char *key)
{
	size_t n = strlen(key);
	return strncmp(e->origin, key, n) == 0 && e->origin[n] == '=';
}

int hd_fs_denial_explain(const struct hd_mount_plan *p, const char *path, const char *target, int err,
			 const struct hd_fs_probe *probe, struct hd_fs_denial *out)
{
	*out = (struct hd_fs_denial){ 0 };
	bool write = target != NULL;
	const char *at = write ? target : path; /* the mount that answered: where the write would land */
	const struct hd_mount_entry *e = NULL;
	if (err == EBUSY) {
		/* a mount point cannot be removed or renamed: the path itself is an entry's */
		if (!write || strcmp(path, "/") == 0)
			return 0;
		for (size_t i = 0; i < p->n && !e; i++)
			if (strcmp(p->v[i].path, path) == 0 && p->v[i].mode != HD_MOUNT_READWRITE_IMPLICIT &&
			    (!p->v[i].ignore_missing || probe->exists(probe->ctx, path)))
				e = &p->v[i];
		if (!e)
			return 0;
		out->entry = e;
		out->remove = e->origin;
		if (e->mode != HD_MOUNT_READWRITE)
			return 1;
		/* its directory writable instead: then it is no mount point of its own */
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", path);
		char *slash = strrchr(parent, '/');
		slash == parent ? (void)strcpy(parent, "/") : (void)(*slash = '\0');
		return add_read_write(out, parent, probe) < 0 ? -ENOMEM : 1;
	}
	e = covering(p, at, probe);
	if (!e)
		return 0;
	bool strictly_below = strcmp(at, e->path) != 0;
	switch (err) {
	case EROFS: {
		/* a read-only entry (its own or absorbed: BindReadOnlyPaths=, a read-only tmpfs), or the private /dev */
		if (!write || !(e->read_only || e->mode == HD_MOUNT_PRIVATE_DEV))
			return 0;
		char dir[PATH_MAX];
		nearest_dir(at, probe, dir);
		if (probe->read_only(probe->ctx, dir))
			return 0; /* read-only on the host as well */
		break;
	}
	case EACCES:
		if (e->mode != HD_MOUNT_INACCESSIBLE)
			return 0;
		break;
	case ENOENT:
		if (!hides(e->mode) || !strictly_below || !probe->exists(probe->ctx, at))
			return 0;
		break;
	default:
		return 0;
	}
	out->entry = e;
	int r = 0;
	/* settings whose mounts come as a whole: turning the setting off is the fix */
	static const char *const whole[] = { "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules",
					     "ProtectKernelLogs", "ProtectControlGroups", "ProtectHostname", NULL };
	for (const char *const *k = whole; *k; k++)
		if (origin_is(e, *k))
			return hd_strv_pushf(&out->fix, "%s=no", *k) < 0 ? -ENOMEM : 1;
	if (e->mode == HD_MOUNT_PROCFS) {
		/* a fresh /proc that hides what the host's shows: its hidepid= or its subset= */
		if (e->options && strstr(e->options, "subset=pid"))
			r = hd_strv_push(&out->fix, "ProcSubset=all");
		if (r >= 0 && e->options && strstr(e->options, "hidepid="))
			r = hd_strv_push(&out->fix, "ProtectProc=default");
		return r < 0 ? -ENOMEM : 1;
	}
	if (origin_is(e, "TemporaryFileSystem")) {
		out->remove = e->origin;
		return 1;
	}
	if (origin_is(e, "BindReadOnlyPaths")) {
		/* the same bind, writable */
		out->remove = e->origin;
		return hd_strv_pushf(&out->fix, "BindPaths=%s", e->origin + strlen("BindReadOnlyPaths=")) < 0 ? -ENOMEM : 1;
	}
	if (origin_is(e, "InaccessiblePaths")) {
		out->remove = e->origin;
	} else if (origin_is(e, "PrivateTmp")) {
		r = hd_strv_push(&out->fix, "PrivateTmp=no");
	} else if (origin_is(e, "ProtectHome") && e->mode != HD_MOUNT_READONLY) {
		/* yes (inaccessible) or tmpfs (empty): read-only shows the homes as they are */
		r = hd_strv_push(&out->fix, "ProtectHome=read-only");
		if (r >= 0 && write)
			r = add_read_write(out, at, probe);
	} else {
		/* a read-only entry: ProtectSystem=, ProtectHome=read-only, ReadOnlyPaths= */
		r = add_read_write(out, at, probe);
	}
	return r < 0 ? -ENOMEM : 1;
}

void hd_fs_denial_free(struct hd_fs_denial *d)
{
	hd_strv_free(&d->fix);
	free(d->dir);
	*d = (struct hd_fs_denial){ 0 };
}
