/* SPDX-License-Identifier: MIT */
/* RuntimeDirectory= and its kin, made as systemd makes them (see unitdirs.h). */
#include "learn/unitdirs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit/unitwrite.h"

static const struct {
	const char *key, *mode_key, *base, *env;
	bool owned; /* chowned to User=/Group= */
} kinds[HD_DIR_KINDS] = {
	[HD_DIR_RUNTIME] = { "RuntimeDirectory", "RuntimeDirectoryMode", "/run", "RUNTIME_DIRECTORY", true },
	[HD_DIR_STATE] = { "StateDirectory", "StateDirectoryMode", "/var/lib", "STATE_DIRECTORY", true },
	[HD_DIR_CACHE] = { "CacheDirectory", "CacheDirectoryMode", "/var/cache", "CACHE_DIRECTORY", true },
	[HD_DIR_LOGS] = { "LogsDirectory", "LogsDirectoryMode", "/var/log", "LOGS_DIRECTORY", true },
	[HD_DIR_CONFIGURATION] = { "ConfigurationDirectory", "ConfigurationDirectoryMode", "/etc",
				   "CONFIGURATION_DIRECTORY", false },
};

void hd_service_dirs_free(struct hd_service_dirs *dirs)
{
	for (size_t i = 0; i < dirs->n; i++)
		free(dirs->v[i].path);
	free(dirs->v);
	hd_strv_free(&dirs->not_done);
	memset(dirs, 0, sizeof(*dirs));
}

static int push_dir(struct hd_service_dirs *dirs, enum hd_service_dir_kind k, const char *rel)
{
	for (size_t i = 0; i < dirs->n; i++)
		if (dirs->v[i].kind == k && strcmp(dirs->v[i].path + strlen(kinds[k].base) + 1, rel) == 0)
			return 0; /* listed twice: made once */
	struct hd_service_dir *v = realloc(dirs->v, (dirs->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	dirs->v = v;
	struct hd_service_dir *e = &v[dirs->n];
	e->kind = k;
	e->mode = 0755;
	if (asprintf(&e->path, "%s/%s", kinds[k].base, rel) < 0)
		return -ENOMEM;
	dirs->n++;
	return 0;
}

/* systemd's rule for an entry: relative, normalized, no "..", and a valid path once under its base */
static const char *bad_entry(const char *rel)
{
	if (!*rel || rel[0] == '/')
		return "must be a relative path";
	char *abs = NULL;
	if (asprintf(&abs, "/%s", rel) < 0)
		return "out of memory";
	const char *why = hd_unit_path_unwritable(abs);
	free(abs);
	return why;
}

int hd_service_dirs_parse(const struct hd_unit *u, struct hd_service_dirs *out, hd_diags *d)
{
	memset(out, 0, sizeof(*out));
	int r = 0;
	for (size_t i = 0; r >= 0 && i < u->n; i++) {
		const struct hd_unit_assignment *a = &u->v[i];
		if (strcmp(a->section, "Service") != 0)
			continue;
		if (strcmp(a->key, "RuntimeDirectoryPreserve") == 0) {
			out->preserve_runtime = strcmp(a->value, "yes") == 0 || strcmp(a->value, "true") == 0 ||
						strcmp(a->value, "on") == 0 || strcmp(a->value, "1") == 0;
			continue;
		}
		for (int k = 0; k < HD_DIR_KINDS; k++) {
			if (strcmp(a->key, kinds[k].mode_key) == 0) {
				char *end;
				unsigned long m = strtoul(a->value, &end, 8);
				if (!*a->value || *end || m > 07777)
					hd_diag_add(d, HD_WARNING, a->file, a->line,
						    "%s=%s: not an octal mode, ignored (as systemd does)", a->key, a->value);
				continue; /* applied below, to the entries of any line */
			}
			if (strcmp(a->key, kinds[k].key) != 0)
				continue;
			if (!*a->value) { /* an empty assignment resets the list */
				size_t n = 0;
				for (size_t j = 0; j < out->n; j++) {
					if (out->v[j].kind == (enum hd_service_dir_kind)k)
						free(out->v[j].path);
					else
						out->v[n++] = out->v[j];
				}
				out->n = n;
				continue;
			}
			char *x = NULL;
			hd_strv words = { 0 };
			if ((r = hd_unit_expand_specifiers(u, a->value, &x)) < 0 ||
			    (r = hd_unit_split_words(x, &words)) < 0) {
				if (r == -EINVAL)
					hd_diag_add(d, HD_ERROR, a->file, a->line, "%s=%s: cannot be read", a->key, a->value);
				free(x);
				hd_strv_free(&words);
				break;
			}
			for (size_t w = 0; r >= 0 && w < words.n; w++) {
				const char *rel = words.v[w];
				if (strchr(rel, ':')) {
					r = hd_strv_pushf(&out->not_done, "%s=%s: a symlink (DIR:LINK) is not made; the entry "
								       "is skipped", a->key, rel);
					continue;
				}
				const char *why = bad_entry(rel);
				if (why) {
					hd_diag_add(d, HD_ERROR, a->file, a->line, "%s=%s: the entry %s", a->key, rel, why);
					r = -EINVAL;
				} else
					r = push_dir(out, (enum hd_service_dir_kind)k, rel);
			}
			free(x);
			hd_strv_free(&words);
		}
	}
	/* a mode applies to every entry of its kind, whatever the order of the lines: the last valid one */
	for (size_t i = 0; r >= 0 && i < u->n; i++)
		for (int k = 0; k < HD_DIR_KINDS; k++)
			if (strcmp(u->v[i].section, "Service") == 0 && strcmp(u->v[i].key, kinds[k].mode_key) == 0) {
				char *end;
				unsigned long m = strtoul(u->v[i].value, &end, 8);
				if (*u->v[i].value && !*end && m <= 07777)
					for (size_t j = 0; j < out->n; j++)
						if (out->v[j].kind == (enum hd_service_dir_kind)k)
							out->v[j].mode = (mode_t)m;
			}
	if (r >= 0 && out->n)
		r = hd_strv_push(&out->not_done, "the directories' content, if they exist, is not chowned to User= as "
						 "systemd does (only the directories themselves)");
	if (r < 0)
		hd_service_dirs_free(out);
	return r < 0 ? r : 0;
}

int hd_service_dirs_env(const struct hd_service_dirs *dirs, hd_strv *env)
{
	for (int k = 0; k < HD_DIR_KINDS; k++) {
		char *val = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&val, &len);
		if (!f)
			return -ENOMEM;
		size_t n = 0;
		for (size_t i = 0; i < dirs->n; i++)
			if (dirs->v[i].kind == (enum hd_service_dir_kind)k)
				fprintf(f, "%s%s", n++ ? ":" : "", dirs->v[i].path);
		if (fclose(f) != 0) {
			free(val);
			return -ENOMEM;
		}
		int r = n ? hd_strv_pushf(env, "%s=%s", kinds[k].env, val) : 0;
		free(val);
		if (r < 0)
			return r;
	}
	return 0;
}

bool hd_service_dirs_cover(const struct hd_service_dirs *dirs, const char *path)
{
	for (size_t i = 0; i < dirs->n; i++) {
		size_t n = strlen(dirs->v[i].path);
		if (strncmp(path, dirs->v[i].path, n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

/* mkdir -p of path's parents (0755, root's); the last component is the caller's */
static int make_parents(const char *path)
{
	char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	int r = 0;
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			r = -errno;
		*s = '/';
		if (r < 0)
			break;
	}
	free(p);
	return r;
}

int hd_service_dirs_make(const struct hd_service_dirs *dirs, bool set_owner, uid_t uid, gid_t gid, hd_strv *made,
			 hd_diags *d)
{
	for (size_t i = 0; i < dirs->n; i++) {
		const struct hd_service_dir *e = &dirs->v[i];
		int r = make_parents(e->path);
		bool created = false;
		if (r == 0) {
			if (mkdir(e->path, e->mode) == 0)
				created = true;
			else if (errno != EEXIST)
				r = -errno;
		}
		/* never through a symlink: what is there must be a directory of its own */
		int fd = r == 0 ? open(e->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
		if (r == 0 && fd < 0)
			r = -errno;
		/* the mode exactly (the umask does not apply), the owner where systemd sets one */
		if (r == 0 && fchmod(fd, e->mode) < 0)
			r = -errno;
		if (r == 0 && set_owner && kinds[e->kind].owned && fchown(fd, uid, gid) < 0)
			r = -errno;
		if (fd >= 0)
			close(fd);
		if (r == 0 && created)
			r = hd_strv_push(made, e->path);
		if (r < 0) {
			hd_diag_add(d, HD_ERROR, NULL, 0, "%s=: cannot make %s: %s", kinds[e->kind].key, e->path,
				    strerror(-r));
			return r;
		}
	}
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (type == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

int hd_service_dirs_cleanup(const struct hd_service_dirs *dirs, const hd_strv *made)
{
	if (dirs->preserve_runtime)
		return 0;
	int r = 0;
	for (size_t i = 0; i < dirs->n; i++) {
		if (dirs->v[i].kind != HD_DIR_RUNTIME || !hd_strv_contains(made, dirs->v[i].path))
			continue;
		/* depth first, symlinks removed as links (FTW_PHYS), never crossing into another file system */
		if (nftw(dirs->v[i].path, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT && r == 0)
			r = -errno;
	}
	return r;
}
