/* SPDX-License-Identifier: MIT */
#include "syscalls/groups.h"

#include <glob.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const int hd_systemd_versions[] = {
	HD_SYSTEMD_252, HD_SYSTEMD_253, HD_SYSTEMD_254, HD_SYSTEMD_255, HD_SYSTEMD_256, HD_SYSTEMD_257,
	HD_SYSTEMD_258, HD_SYSTEMD_259, HD_SYSTEMD_260, HD_SYSTEMD_261, HD_SYSTEMD_262, 0
};

bool hd_systemd_version_modelled(int sdver)
{
	for (const int *v = hd_systemd_versions; *v; v++)
		if (*v == sdver)
			return true;
	return false;
}

const char *hd_systemd_versions_list(void)
{
	return "252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262";
}

int hd_systemd_version_parse(const char *s, int *out)
{
	if (strcmp(s, "latest") == 0) {
		*out = HD_SYSTEMD_LATEST;
		return 0;
	}
	/* digits only, no sign or spaces: "257" */
	if (!*s || strlen(s) > 6 || strspn(s, "0123456789") != strlen(s))
		return -EINVAL;
	int v = atoi(s);
	if (!hd_systemd_version_modelled(v))
		return -ERANGE;
	*out = v;
	return 0;
}

const char *hd_systemd_version_name(int sdver)
{
	static const char names[][4] = { "252", "253", "254", "255", "256", "257",
					 "258", "259", "260", "261", "262" };
	if (sdver >= HD_SYSTEMD_252 && sdver <= HD_SYSTEMD_262)
		return names[sdver - HD_SYSTEMD_252];
	return "262";
}

const char *hd_systemd_version_release(int sdver)
{
	static const char releases[][8] = { "252.38", "253.26", "254.27", "255.22", "256.17", "257.13",
					    "258.10", "259.8",  "260.4",  "261.2",  "262.1" };
	if (sdver >= HD_SYSTEMD_252 && sdver <= HD_SYSTEMD_262)
		return releases[sdver - HD_SYSTEMD_252];
	return releases[HD_SYSTEMD_262 - HD_SYSTEMD_252];
}

/* The installed systemd's version, read from the name of its shared library (no exec needed). Debian
 * keeps it in the multiarch directory (/usr/lib/x86_64-linux-gnu/systemd), others in /usr/lib/systemd. */
void hd_systemd_version_detect(struct hd_sdver_default *out)
{
	*out = (struct hd_sdver_default){ .sdver = HD_SYSTEMD_LATEST, .origin = HD_SDVER_NONE };
	/* The multiarch directory of this build first: the wildcard patterns after it open every
	 * directory under /usr/lib, which costs milliseconds on every start of every verb. */
#if defined(__x86_64__) && defined(__ILP32__)
#define HD_MULTIARCH "x86_64-linux-gnux32"
#elif defined(__x86_64__)
#define HD_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define HD_MULTIARCH "aarch64-linux-gnu"
#elif defined(__i386__)
#define HD_MULTIARCH "i386-linux-gnu"
#elif defined(__riscv) && __riscv_xlen == 64
#define HD_MULTIARCH "riscv64-linux-gnu"
#else
#define HD_MULTIARCH "*"
#endif
	static const char *const patterns[] = {
		"/usr/lib/" HD_MULTIARCH "/systemd/libsystemd-shared-*",
		"/usr/lib/systemd/libsystemd-shared-*",
		"/lib/systemd/libsystemd-shared-*",
		"/usr/lib/*/systemd/libsystemd-shared-*",
		"/lib/*/systemd/libsystemd-shared-*",
	};
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		glob_t gl;
		if (glob(patterns[i], GLOB_NOSORT, NULL, &gl) != 0)
			continue;
		int found = 0;
		for (size_t j = 0; j < gl.gl_pathc && !found; j++) {
			const char *base = strrchr(gl.gl_pathv[j], '/');
			int v;
			if (base && sscanf(base + 1, "libsystemd-shared-%d", &v) == 1 && v > 0) {
				found = v;
				snprintf(out->path, sizeof(out->path), "%s", gl.gl_pathv[j]);
			}
		}
		globfree(&gl);
		if (found) {
			out->installed = found;
			if (hd_systemd_version_modelled(found)) {
				out->sdver = found;
				out->origin = HD_SDVER_INSTALLED;
			} else
				out->origin = HD_SDVER_UNMODELLED;
			return;
		}
	}
}

int hd_systemd_version_default(void)
{
	struct hd_sdver_default d;
	hd_systemd_version_detect(&d);
	return d.sdver;
}

bool hd_group_member_present(const struct hd_group_member *m, int sdver)
{
	return (!m->since || sdver >= m->since) && (!m->until || sdver <= m->until);
}

static bool group_present(const struct hd_group_def *g, int sdver)
{
	return (!g->since || sdver >= g->since) && (!g->until || sdver <= g->until);
}

const struct hd_group_def *hd_group_next(const struct hd_group_def *prev, int sdver)
{
	const struct hd_group_def *g = prev ? prev + 1 : hd_group_table;
	for (; g->name; g++)
		if (group_present(g, sdver))
			return g;
	return NULL;
}

const struct hd_group_def *hd_group_find(const char *name, int sdver)
{
	for (const struct hd_group_def *g = hd_group_next(NULL, sdver); g; g = hd_group_next(g, sdver))
		if (strcmp(g->name, name) == 0)
			return g;
	return NULL;
}

static int expand(const struct hd_group_def *g, int sdver, hd_strv *out, unsigned depth)
{
	if (depth > 8) /* the table nests at most twice; a loop here is a bug in the table */
		return -ELOOP;
	for (const struct hd_group_member *m = g->members; m->name; m++) {
		if (!hd_group_member_present(m, sdver))
			continue;
		int r;
		if (m->name[0] == '@') {
			const struct hd_group_def *sub = hd_group_find(m->name, sdver);
			r = sub ? expand(sub, sdver, out, depth + 1) : 0;
		} else
			r = hd_strv_push_unique(out, m->name);
		if (r < 0)
			return r;
	}
	return 0;
}

int hd_group_expand(const struct hd_group_def *g, int sdver, hd_strv *out)
{
	return expand(g, sdver, out, 0);
}

bool hd_group_contains(const struct hd_group_def *g, int sdver, const char *syscall)
{
	for (const struct hd_group_member *m = g->members; m->name; m++) {
		if (!hd_group_member_present(m, sdver))
			continue;
		if (m->name[0] == '@') {
			const struct hd_group_def *sub = hd_group_find(m->name, sdver);
			if (sub && sub != g && hd_group_contains(sub, sdver, syscall))
				return true;
		} else if (strcmp(m->name, syscall) == 0)
			return true;
	}
	return false;
}

/* Append to out every chain from g down to syscall; prefix holds the chain so far. */
static int paths_from(const struct hd_group_def *g, int sdver, const char *syscall, const char *prefix,
		      hd_strv *out, unsigned depth)
{
	if (depth > 8)
		return -ELOOP;
	char chain[512];
	snprintf(chain, sizeof(chain), "%s%s%s", prefix, *prefix ? " " : "", g->name);
	for (const struct hd_group_member *m = g->members; m->name; m++) {
		if (!hd_group_member_present(m, sdver))
			continue;
		int r = 0;
		if (m->name[0] == '@') {
			const struct hd_group_def *sub = hd_group_find(m->name, sdver);
			if (sub)
				r = paths_from(sub, sdver, syscall, chain, out, depth + 1);
		} else if (strcmp(m->name, syscall) == 0)
			r = hd_strv_push_unique(out, chain);
		if (r < 0)
			return r;
	}
	return 0;
}

int hd_group_paths(const char *syscall, int sdver, hd_strv *out)
{
	for (const struct hd_group_def *g = hd_group_next(NULL, sdver); g; g = hd_group_next(g, sdver)) {
		int r = paths_from(g, sdver, syscall, "", out, 0);
		if (r < 0)
			return r;
	}
	return 0;
}
