/* SPDX-License-Identifier: MIT */
#include "assess/batch.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assess/settings.h"
#include "unit/unitwrite.h"

/* ---------------------------------------------------------------- --fix */

char *hd_assess_fix_dropin(const struct hd_assessment *a, const char *unit)
{
	hd_strv lines = {0};
	for (size_t i = 0; i < HD_CHECK_COUNT; i++) {
		const struct hd_assess_row *r = &a->rows[i];
		if (r->set != 0 || !r->check->fix)
			continue;
		for (const char *p = r->check->fix; *p;) {
			size_t n = strcspn(p, "\n");
			const char *eq = memchr(p, '=', n);
			size_t klen = eq ? (size_t)(eq - p) : n;
			bool merged = false;
			/* "Key=~..." joins an earlier "Key=~..." line */
			if (eq && eq[1] == '~')
				for (size_t j = 0; j < lines.n && !merged; j++)
					if (strncmp(lines.v[j], p, klen + 2) == 0) {
						char *joined = NULL;
						if (asprintf(&joined, "%s %.*s", lines.v[j], (int)(n - klen - 2), eq + 2) >= 0) {
							free(lines.v[j]);
							lines.v[j] = joined;
						}
						merged = true;
					}
			if (!merged)
				hd_strv_pushf(&lines, "%.*s", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (m) {
		/* the unit's name is its file's: a comment line whatever it holds (hd_unit_comment) */
		char *head = NULL, *comment = NULL;
		if (asprintf(&head, "harden security --fix for %s: test before deploying (harden run --unit ...)", unit) >= 0 &&
		    hd_unit_comment(head, &comment) == 0)
			fputs(comment, m);
		free(head);
		free(comment);
		fputs("[Service]\n", m);
		size_t prefix = strcspn(unit, "@.");
		for (size_t i = 0; i < lines.n; i++) {
			for (const char *q = lines.v[i]; *q; q++) {
				if (q[0] == '%' && q[1] == 'p') {
					fprintf(m, "%.*s", (int)prefix, unit);
					q++;
				} else {
					fputc(*q, m);
				}
			}
			fputc('\n', m);
		}
		fclose(m);
	}
	hd_strv_free(&lines);
	return text;
}

/* ---------------------------------------------------------------- --profile */

char *hd_assess_find_profile(const char *profile, const char *root)
{
	const char *p = profile;
	size_t n = strlen(p);
	if (strchr(p, '/') || (n > 5 && strcmp(p + n - 5, ".conf") == 0))
		return access(p, R_OK) == 0 ? strdup(p) : NULL;
	static const char *const dirs[] = { "/etc/systemd/portable/profile", "/run/systemd/portable/profile",
					    "/usr/local/lib/systemd/portable/profile", "/usr/lib/systemd/portable/profile" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *path = NULL;
		if (asprintf(&path, "%s%s/%s/service.conf", root ? root : "", dirs[i], p) < 0)
			return NULL;
		if (access(path, R_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

int hd_assess_apply_profile(struct hd_unit *u, const char *profile_path, hd_diags *diags)
{
	if (!profile_path)
		return 0;
	FILE *f = fopen(profile_path, "re");
	if (!f) {
		int e = errno;
		hd_diag_add(diags, HD_ERROR, profile_path, 0, "cannot open profile: %s", strerror(e));
		return -e;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m) {
		fclose(f);
		return -ENOMEM;
	}
	char buf[8192];
	size_t got;
	bool too_big = false;
	/* bounded like a unit file: a profile is hostile input too */
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0 && !too_big) {
		fwrite(buf, 1, got, m);
		too_big = ftell(m) > (long)HD_UNIT_FILE_MAX;
	}
	fclose(f);
	fclose(m);
	int r;
	if (too_big) {
		hd_diag_add(diags, HD_ERROR, profile_path, 0, "profile is larger than %u bytes", HD_UNIT_FILE_MAX);
		r = -EFBIG;
	} else {
		r = hd_unit_parse_text(u, text ? text : "", len, profile_path, diags);
		if (r >= 0 && hd_strv_push(&u->dropins, profile_path) < 0)
			r = -ENOMEM;
	}
	free(text);
	return r;
}

/* ---------------------------------------------------------------- units */

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Queue one unit file. An alias (a symlink to another unit file) is queued as the unit it points to,
 * whose name systemd reports; symlinks inside a --root image are left alone (their targets name
 * paths in the image). */
static int push_unit(hd_strv *files, const char *path, const char *root)
{
	struct stat lst;
	if (!root && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		char *real = realpath(path, NULL);
		const char *base = real ? strrchr(real, '/') : NULL;
		size_t bl = base ? strlen(base + 1) : 0;
		if (base && bl > 8 && strcmp(base + 1 + bl - 8, ".service") == 0) {
			int r = hd_strv_push(files, real);
			free(real);
			return r;
		}
		free(real);
	}
	return hd_strv_push(files, path);
}

int hd_assess_collect_units(const char *arg, const char *root, hd_strv *files, bool *is_dir)
{
	struct stat st;
	char host[4096];
	int n = snprintf(host, sizeof(host), "%s%s", root && arg[0] == '/' ? root : "", arg);
	if (n < 0 || (size_t)n >= sizeof(host))
		return -ENAMETOOLONG;
	if (stat(host, &st) == 0 && S_ISDIR(st.st_mode)) {
		*is_dir = true;
		DIR *d = opendir(host);
		if (!d)
			return -errno;
		hd_strv names = {0};
		struct dirent *de;
		while ((de = readdir(d))) {
			size_t len = strlen(de->d_name);
			if (len > 8 && strcmp(de->d_name + len - 8, ".service") == 0 && hd_strv_pushf(&names, "%s%s%s", arg,
			    arg[strlen(arg) - 1] == '/' ? "" : "/", de->d_name) < 0)
				break;
		}
		closedir(d);
		/* readdir's order is the file system's: name order makes runs comparable */
		qsort(names.v, names.n, sizeof(char *), cmp_cstr);
		for (size_t i = 0; i < names.n; i++)
			push_unit(files, names.v[i], root);
		hd_strv_free(&names);
		return 0;
	}
	/* as systemd-analyze: a bare name that is no file here is a unit name; with --root always */
	if (!strchr(arg, '/') && (root || access(arg, F_OK) != 0)) {
		static const char *const dirs[] = { "/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
						    "/usr/lib/systemd/system", "/lib/systemd/system" };
		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
			n = snprintf(host, sizeof(host), "%s%s/%s", root ? root : "", dirs[i], arg);
			if (n > 0 && (size_t)n < sizeof(host) && access(host, F_OK) == 0) {
				snprintf(host, sizeof(host), "%s/%s", dirs[i], arg);
				return push_unit(files, host, root);
			}
		}
	}
	return push_unit(files, arg, root);
}

/* ---------------------------------------------------------------- one unit */

int hd_assess_loaded_unit(const struct hd_unit *u, const struct hd_policy *policy, int sdver, struct hd_assessment *out,
			  hd_diags *diags)
{
	struct hd_settings s;
	int r = hd_settings_from_unit(u, sdver, &s, diags);
	if (r >= 0)
		r = hd_assess(&s, policy, sdver, out);
	hd_settings_free(&s);
	return r;
}

int hd_assess_with_dropin(struct hd_unit *u, const char *dropin, const char *name, const struct hd_policy *policy,
			  int sdver, struct hd_assessment *out, hd_diags *diags)
{
	int r = hd_unit_parse_text(u, dropin, strlen(dropin), name, diags);
	return r < 0 ? r : hd_assess_loaded_unit(u, policy, sdver, out, diags);
}

/* Re-score with the drop-in applied, exactly as systemd would read it. */
static int score_with_fix(struct hd_assess_unit_result *out, const struct hd_assess_unit_options *o,
			  const char *path, hd_diags *fix_diags)
{
	out->dropin = hd_assess_fix_dropin(&out->a, out->unit.name ? out->unit.name : path);
	hd_diags fd = {0};
	int r = out->dropin ? hd_assess_with_dropin(&out->unit, out->dropin, HD_ASSESS_FIX_DROPIN_NAME, o->policy,
						      o->sdver, &out->after, &fd)
			    : -ENOMEM;
	out->have_after = r >= 0;
	/* our own drop-in must always load: hand its diags over rather than hide them */
	if (r < 0) {
		hd_diags_free(fix_diags);
		*fix_diags = fd;
	} else {
		hd_diags_free(&fd);
	}
	return r;
}

int hd_assess_unit_file(const char *path, const struct hd_assess_unit_options *o, struct hd_assess_unit_result *out,
			hd_diags *diags, hd_diags *fix_diags)
{
	*out = (struct hd_assess_unit_result){0};
	out->name = path;
	struct hd_settings s;
	bool have_settings = false;
	struct hd_unit_load_options lo = { .root = o->root, .instance = o->instance, .sdver = o->sdver };

	int r = hd_unit_load(path, &lo, &out->unit, diags);
	if (r >= 0)
		r = hd_assess_apply_profile(&out->unit, o->profile_path, diags);
	if (r >= 0) {
		r = hd_settings_from_unit(&out->unit, o->sdver, &s, diags);
		have_settings = true;
	}
	if (r >= 0) {
		r = hd_assess(&s, o->policy, o->sdver, &out->a);
		out->have_a = r >= 0;
		if (r == -EINVAL)
			hd_diag_add(diags, HD_ERROR, o->policy ? o->policy->path : NULL, 0,
				    "the security policy leaves no applicable check with a weight above 0 for this unit");
	}
	if (r >= 0 && o->fix)
		r = score_with_fix(out, o, path, fix_diags);
	if (have_settings)
		hd_settings_free(&s);
	if (out->unit.name)
		out->name = out->unit.name;
	return r < 0 ? r : 0;
}

void hd_assess_unit_result_free(struct hd_assess_unit_result *r)
{
	free(r->dropin);
	if (r->have_after)
		hd_assessment_free(&r->after);
	if (r->have_a)
		hd_assessment_free(&r->a);
	hd_unit_free(&r->unit);
	*r = (struct hd_assess_unit_result){0};
}

/* ---------------------------------------------------------------- overview */

int hd_assess_overview_add(struct hd_assess_overview *ov, const char *unit, unsigned exposure)
{
	if (ov->n == ov->cap) {
		size_t cap = ov->cap ? ov->cap * 2 : 64;
		struct hd_assess_summary *v = realloc(ov->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		ov->v = v, ov->cap = cap;
	}
	ov->v[ov->n].unit = strdup(unit);
	if (!ov->v[ov->n].unit)
		return -ENOMEM;
	ov->v[ov->n++].exposure = exposure;
	return 0;
}

static int cmp_summary(const void *a, const void *b)
{
	const struct hd_assess_summary *x = a, *y = b;
	if (x->exposure != y->exposure)
		return x->exposure > y->exposure ? -1 : 1;
	return strcmp(x->unit, y->unit);
}

void hd_assess_overview_sort(struct hd_assess_overview *ov)
{
	if (ov->n > 1)
		qsort(ov->v, ov->n, sizeof(*ov->v), cmp_summary);
}

void hd_assess_overview_free(struct hd_assess_overview *ov)
{
	for (size_t i = 0; i < ov->n; i++)
		free(ov->v[i].unit);
	free(ov->v);
	*ov = (struct hd_assess_overview){0};
}
