/* SPDX-License-Identifier: MIT */
#include "learn/exposure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "assess/assess.h"
#include "assess/batch.h"
#include "unit/unit.h"

/* The settings (no comments) as a drop-in's text: what systemd reads of the file learn writes. */
static char *settings_text(const struct hd_suggestion *sug)
{
	hd_strv lines = { 0 };
	char *body = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&body, &len);
	if (!mf)
		return NULL;
	int r = hd_suggestion_settings(sug, &lines);
	if (r == 0) {
		fputs("[Service]\n", mf);
		for (size_t i = 0; i < lines.n; i++)
			fprintf(mf, "%s\n", lines.v[i]);
	}
	hd_strv_free(&lines);
	if (fclose(mf) != 0 || r < 0) {
		free(body);
		return NULL;
	}
	return body;
}

/* Take the drop-in that is the file replaces (the same inode, whatever the path's spelling) out of u. */
static bool leave_out_replaced(struct hd_unit *u, const char *replaces)
{
	struct stat rs, ds;
	if (!replaces || stat(replaces, &rs) < 0)
		return false; /* not there yet: nothing of it is counted */
	for (size_t d = 0; d < u->dropins.n; d++) {
		if (stat(u->dropins.v[d], &ds) < 0 || ds.st_dev != rs.st_dev || ds.st_ino != rs.st_ino)
			continue;
		const char *file = u->dropins.v[d];
		size_t k = 0;
		for (size_t i = 0; i < u->n; i++) {
			if (u->v[i].file && strcmp(u->v[i].file, file) == 0) {
				free(u->v[i].section);
				free(u->v[i].key);
				free(u->v[i].value);
				free(u->v[i].file);
				continue;
			}
			u->v[k++] = u->v[i];
		}
		u->n = k;
		char *gone = u->dropins.v[d];
		memmove(u->dropins.v + d, u->dropins.v + d + 1, (u->dropins.n - d - 1) * sizeof(char *));
		u->dropins.n--;
		free(gone);
		return true;
	}
	return false;
}

int hd_exposure_unit_check(const char *unit_path, int sdver, hd_diags *diags)
{
	struct hd_unit u = { 0 };
	struct hd_assessment a = { 0 };
	struct hd_unit_load_options lo = { .sdver = sdver };
	/* the same steps hd_suggestion_exposure takes, so what passes here is scored after learning */
	int r = hd_unit_load(unit_path, &lo, &u, diags);
	if (r >= 0)
		r = hd_assess_loaded_unit(&u, NULL, sdver, &a, diags);
	hd_assessment_free(&a);
	hd_unit_free(&u);
	return r < 0 ? r : 0;
}

int hd_suggestion_exposure(const struct hd_suggestion *sug, const char *unit_path, int sdver, unsigned *before,
			   unsigned *after, hd_diags *diags)
{
	return hd_suggestion_exposure_replacing(sug, unit_path, NULL, sdver, before, after, NULL, NULL, diags);
}

int hd_suggestion_exposure_replacing(const struct hd_suggestion *sug, const char *unit_path, const char *replaces,
				     int sdver, unsigned *before, unsigned *after, hd_strv *counted, bool *replaced,
				     hd_diags *diags)
{
	if (replaced)
		*replaced = false;
	char *dropin = settings_text(sug);
	if (!dropin)
		return -ENOMEM;
	struct hd_unit u = { 0 };
	struct hd_assessment a = { 0 };
	int r;
	if (unit_path) {
		struct hd_unit_load_options lo = { .sdver = sdver };
		r = hd_unit_load(unit_path, &lo, &u, diags);
		bool gone = r >= 0 && leave_out_replaced(&u, replaces);
		if (replaced)
			*replaced = gone;
		for (size_t i = 0; r >= 0 && counted && i < u.dropins.n; i++)
			r = hd_strv_push(counted, u.dropins.v[i]);
	} else {
		static const char skeleton[] = "[Service]\nExecStart=/bin/true\n";
		u.name = strdup("learned.service");
		r = u.name ? hd_unit_parse_text(&u, skeleton, sizeof(skeleton) - 1, "<bare service>", diags) : -ENOMEM;
	}
	/* the unit as it is, then with the drop-in's lines appended, as systemd applies it */
	if (r >= 0 && (r = hd_assess_loaded_unit(&u, NULL, sdver, &a, diags)) >= 0)
		*before = a.exposure;
	hd_assessment_free(&a);
	memset(&a, 0, sizeof(a));
	if (r >= 0 && (r = hd_assess_with_dropin(&u, dropin, "<harden learn drop-in>", NULL, sdver, &a, diags)) >= 0)
		*after = a.exposure;
	hd_assessment_free(&a);
	hd_unit_free(&u);
	free(dropin);
	return r < 0 ? r : 0;
}
