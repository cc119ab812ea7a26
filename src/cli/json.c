/* SPDX-License-Identifier: MIT */
/* JSON pieces several verbs print the same way (json-c). */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "syscalls/nametables.h"

json_object *cli_json_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

json_object *cli_json_strv(const hd_strv *sv)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < sv->n; i++)
		json_object_array_add(a, json_object_new_string(sv->v[i]));
	return a;
}

json_object *cli_json_hex(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%" PRIx64, v);
	return json_object_new_string(b);
}

json_object *cli_json_action(hd_action a)
{
	json_object *o = json_object_new_object();
	static const char *const kinds[] = { [HD_ACT_ALLOW] = "allow", [HD_ACT_LOG] = "log",
					     [HD_ACT_ERRNO] = "errno", [HD_ACT_KILL] = "kill" };
	json_object_object_add(o, "action", json_object_new_string(kinds[a.kind]));
	if (a.kind == HD_ACT_ERRNO) {
		json_object_object_add(o, "errno", json_object_new_int(a.errno_value));
		const char *n = hd_errno_name(a.errno_value);
		if (n)
			json_object_object_add(o, "errno_name", json_object_new_string(n));
	}
	return o;
}

void cli_json_print(json_object *doc, int extra_flags)
{
	printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE |
								   extra_flags));
}

/* fn on each report line of fd (a JSON object per line, read from the start; a line that is not one is
 * skipped) */
static void each_report(int fd, void (*fn)(json_object *o, void *ctx), void *ctx)
{
	FILE *f = lseek(fd, 0, SEEK_SET) == 0 ? fdopen(dup(fd), "r") : NULL;
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		json_object *o = json_tokener_parse(line);
		if (o)
			fn(o, ctx);
		json_object_put(o);
	}
	free(line);
	fclose(f);
}

struct seccomp_counts {
	unsigned *kills, *denied, fallbacks;
};

static void count_seccomp(json_object *o, void *ctx)
{
	struct seccomp_counts *c = ctx;
	json_object *v = NULL;
	if (json_object_object_get_ex(o, "blocked", &v))
		(*c->kills)++;
	else if (json_object_object_get_ex(o, "denied", &v) && json_object_is_type(v, json_type_array))
		/* an ENOSYS glibc falls back from (clone3 under RestrictNamespaces=, as systemd answers
		 * it) breaks nothing while the older call is allowed (if it is not, it is denied too) */
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *fb = NULL;
			if (json_object_object_get_ex(json_object_array_get_idx(v, i), "fallback", &fb) &&
			    json_object_is_type(fb, json_type_string))
				c->fallbacks++;
			else
				(*c->denied)++;
		}
}

void cli_count_reports(int fd, unsigned *kills, unsigned *denied, unsigned *fallbacks)
{
	struct seccomp_counts c = { .kills = kills, .denied = denied };
	*kills = *denied = 0;
	each_report(fd, count_seccomp, &c);
	if (fallbacks)
		*fallbacks = c.fallbacks;
}

struct fs_counts {
	unsigned *fs_denied, *unobserved_runs;
	char *why;
	size_t why_len;
};

static void count_fs(json_object *o, void *ctx)
{
	struct fs_counts *c = ctx;
	json_object *v = NULL;
	if (json_object_object_get_ex(o, "fs_denied", &v) && json_object_is_type(v, json_type_array))
		*c->fs_denied += (unsigned)json_object_array_length(v);
	if (json_object_object_get_ex(o, "fs_observed", &v) && !json_object_get_boolean(v)) {
		if (*c->unobserved_runs == 0 && c->why_len && json_object_object_get_ex(o, "fs_unobserved", &v))
			snprintf(c->why, c->why_len, "%s", json_object_get_string(v));
		(*c->unobserved_runs)++;
	}
}

void cli_count_fs_reports(int fd, unsigned *fs_denied, unsigned *unobserved_runs, char *why, size_t why_len)
{
	struct fs_counts c = { .fs_denied = fs_denied, .unobserved_runs = unobserved_runs, .why = why, .why_len = why_len };
	*fs_denied = *unobserved_runs = 0;
	if (why_len)
		why[0] = '\0';
	each_report(fd, count_fs, &c);
}

struct list_count {
	const char *key, *skip;
	unsigned *n;
};

/* the entries of each list named key, into *n; an entry whose member skip is true is not counted (NULL:
 * every entry is) */
static void count_list(json_object *o, void *ctx)
{
	struct list_count *c = ctx;
	json_object *v = NULL;
	if (json_object_object_get_ex(o, c->key, &v) && json_object_is_type(v, json_type_array))
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *b = NULL;
			if (!c->skip || !json_object_object_get_ex(json_object_array_get_idx(v, i), c->skip, &b) ||
			    !json_object_get_boolean(b))
				(*c->n)++;
		}
}

static void count_lists(int fd, const char *key, const char *skip, unsigned *n)
{
	struct list_count c = { .key = key, .skip = skip, .n = n };
	*n = 0;
	each_report(fd, count_list, &c);
}

void cli_count_net_cap_reports(int fd, unsigned *net_denied, unsigned *cap_denied)
{
	count_lists(fd, "net_denied", NULL, net_denied);
	/* a refusal in a mere path lookup is listed, not counted (run.c: cap_lookup_only) */
	count_lists(fd, "cap_denied", "lookup", cap_denied);
}
