/* SPDX-License-Identifier: MIT */
/*
 * The drop-in writer's property, shared by tests/unit/test_unitwrite.c (random paths) and
 * fuzz/fuzz_dropin.c (paths libFuzzer chooses): whatever paths a traced program wrote, the drop-in
 * harden learns from them, read back by harden's unit reader (systemd's syntax), holds exactly the
 * settings harden meant, never a line more; every ReadWritePaths= word, once unquoted and its specifiers
 * resolved, is a path that was written (or the nearest writable ancestor of one that cannot be written
 * into a unit file); and with ProtectSystem=strict every written path is under one of them.
 */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn/profile.h"
#include "learn/suggest.h"
#include "syscalls/groups.h"
#include "unit/unit.h"
#include "unit/unitwrite.h"

static bool dropin_prop_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strcmp(dir, "/") == 0 || (strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0'));
}

static bool dropin_prop_api(const char *p)
{
	return dropin_prop_under(p, "/dev") || dropin_prop_under(p, "/proc") || dropin_prop_under(p, "/sys");
}

/* NULL when the property holds for these written paths, else what broke it (a static string). */
static const char *dropin_property(char *const *paths, size_t n)
{
	const char *bad = NULL;
	struct hd_profile p;
	hd_profile_init(&p);
	hd_profile_add_syscall(&p, HD_ARCH_X86_64, "openat", 1);
	for (size_t i = 0; i < n; i++)
		if (hd_profile_add_path(&p.paths_written, paths[i]) < 0)
			goto out_profile; /* over the profile's own bounds: refused before any writer sees it */
	hd_profile_finish(&p);
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	if (hd_suggest(&p, &o, &s) < 0) {
		bad = "hd_suggest failed";
		goto out_profile;
	}
	/* the paths go into the header and footer too, as a command line and a note would */
	size_t hn = 1;
	for (size_t i = 0; i < n; i++)
		hn += strlen(paths[i]) + 1;
	char *header = calloc(1, hn);
	for (size_t i = 0; header && i < n; i++)
		strcat(strcat(header, paths[i]), "\n");
	char *text = NULL;
	struct hd_unit u = { 0 };
	hd_diags d = { 0 };
	hd_strv words = { 0 };
	if (!header || hd_suggestion_to_dropin(&s, header, header, &text) < 0) {
		bad = "no drop-in was written";
		goto out;
	}
	u.name = strdup("t.service");
	if (hd_unit_parse_text(&u, text, strlen(text), "t.conf", &d) < 0 || d.n) {
		bad = "the drop-in does not parse cleanly";
		goto out;
	}
	if (u.n != s.n) {
		bad = "the drop-in holds a different number of lines than meant";
		goto out;
	}
	bool strict = false;
	const char *rw = NULL;
	for (size_t i = 0; i < u.n; i++) {
		if (strcmp(u.v[i].key, s.v[i].key) != 0 || strcmp(u.v[i].value, s.v[i].value) != 0) {
			bad = "a line reads back differently";
			goto out;
		}
		if (strcmp(u.v[i].key, "ProtectSystem") == 0)
			strict = strcmp(u.v[i].value, "strict") == 0;
		if (strcmp(u.v[i].key, "ReadWritePaths") == 0)
			rw = u.v[i].value;
	}
	if (rw && hd_unit_split_words(rw, &words) < 0) {
		bad = "ReadWritePaths= does not split into words";
		goto out;
	}
	for (size_t w = 0; w < words.n; w++) {
		char *resolved = NULL;
		if (hd_unit_expand_specifiers(&u, words.v[w], &resolved) < 0) {
			bad = "a ReadWritePaths= word has a specifier that does not resolve";
			goto out;
		}
		free(words.v[w]);
		words.v[w] = resolved;
		if (hd_unit_path_unwritable(resolved)) {
			bad = "a ReadWritePaths= word is a path systemd would not read as meant";
			goto out;
		}
		bool from_written = false;
		for (size_t i = 0; i < n && !from_written; i++)
			from_written = strcmp(paths[i], resolved) == 0 ||
				       (hd_unit_path_unwritable(paths[i]) && dropin_prop_under(paths[i], resolved));
		if (!from_written) {
			bad = "a ReadWritePaths= word is no written path (nor the ancestor of an unwritable one)";
			goto out;
		}
	}
	for (size_t i = 0; strict && i < n; i++) {
		if (dropin_prop_api(paths[i]))
			continue;
		bool covered = false;
		for (size_t w = 0; w < words.n && !covered; w++)
			covered = dropin_prop_under(paths[i], words.v[w]);
		if (!covered) {
			bad = "ProtectSystem=strict, but a written path is under no ReadWritePaths= word";
			goto out;
		}
	}
out:
	hd_strv_free(&words);
	hd_unit_free(&u);
	hd_diags_free(&d);
	free(text);
	free(header);
	hd_suggestion_free(&s);
out_profile:
	hd_profile_free(&p);
	return bad;
}
