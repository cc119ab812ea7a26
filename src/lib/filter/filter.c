/* SPDX-License-Identifier: MIT */
/*
 * The filter engine: systemd's seccomp-backed unit settings with systemd's exact parsing semantics
 * (../shared/spec/filter-semantics.md), and the rule set the kernel ends up enforcing per architecture.
 *
 * Decisions where systemd's behaviour depends on its build, checked against systemd-analyze 252:
 * - A syscall name is usable when the installed libseccomp resolves it (on any architecture; names
 *   that do not exist on the native one are kept, they just have no number there). In latest mode,
 *   names harden knows beyond libseccomp (src/lib/syscalls/syscalls_new.c, @known) are kept too, because a
 *   current systemd built against a current libseccomp knows them. For 252 they are treated exactly as
 *   systemd 252 on this machine treats them: written directly -> "Failed to parse system call", inside
 *   a group -> dropped silently.
 * - RestrictAddressFamilies=: an unknown family is warned about and skipped; the rest of the line still
 *   applies (systemd-analyze security 252 on "AF_INET AF_BOGUS AF_UNIX" allows AF_UNIX).
 * - "Allow-listed system calls cannot take error number" follows systemd's test: a word with an action
 *   in an assignment without '~', whatever the list's mode.
 * - Warnings use systemd's log texts ("Failed to parse system call, ignoring: NAME", ...); the tests
 *   compare them with systemd-analyze verify and with the corpus's recorded systemd 252 output.
 *
 * Rule sets model the stacked filters systemd installs (one per feature, each default ALLOW except the
 * filter lists): the kernel runs all of them and returns the strictest verdict, KILL > ERRNO > LOG >
 * ALLOW, and between two ERRNOs the most recently installed filter's errno (SystemCallFilter is
 * installed last). tests/unit/test_filter_kernel.c checks that against real seccomp.
 */
#include "filter/filter.h"

#include <errno.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "unit/unitwrite.h"
#include "syscalls/groups.h"
#include "syscalls/nametables.h"
#include "syscalls/syscalls.h"
#include "unit/unit.h"

#define ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* systemd's SECCOMP_ERROR_NUMBER_KILL as the D-Bus property SystemCallErrorNumber shows it. */
#define SYSTEMD_ERRNO_KILL_VALUE 2147483646
/* Group nesting is at most two deep in systemd's table; more means a loop in ours. */
#define GROUP_DEPTH_MAX 8

/* ---- the syscall name -> action map (sorted by name) ---- */

static ssize_t list_find(const struct hd_syscall_list *l, const char *name, size_t *insert_at)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].name, name);
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (insert_at)
		*insert_at = lo;
	return -1;
}

/* Insert or update (systemd: hashmap_put, then hashmap_update on -EEXIST, so the last action wins). */
static int list_put(struct hd_syscall_list *l, const char *name, int err)
{
	size_t at = 0;
	ssize_t i = list_find(l, name, &at);
	if (i >= 0) {
		l->v[i].err = err;
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct hd_syscall_entry *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	memmove(&l->v[at + 1], &l->v[at], (l->n - at) * sizeof(l->v[0]));
	l->v[at] = (struct hd_syscall_entry){ .name = copy, .err = err };
	l->n++;
	return 0;
}

static void list_remove(struct hd_syscall_list *l, const char *name)
{
	ssize_t i = list_find(l, name, NULL);
	if (i < 0)
		return;
	free(l->v[i].name);
	memmove(&l->v[i], &l->v[i + 1], (l->n - (size_t)i - 1) * sizeof(l->v[0]));
	l->n--;
}

static void list_clear(struct hd_syscall_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	*l = (struct hd_syscall_list){ 0 };
}

/* ---- words ---- */



/* ---- tables of settings ---- */

struct bool_setting {
	const char *key;
	size_t offset; /* of the bool in struct hd_seccomp_settings */
};

/* The boolean settings backed by seccomp filters (plus NoNewPrivileges, which every filter implies
 * for unprivileged services and which systemd sets first). */
static const struct bool_setting bool_settings[] = {
	{ "LockPersonality", offsetof(struct hd_seccomp_settings, lock_personality) },
	{ "MemoryDenyWriteExecute", offsetof(struct hd_seccomp_settings, memory_deny_write_execute) },
	{ "RestrictRealtime", offsetof(struct hd_seccomp_settings, restrict_realtime) },
	{ "RestrictSUIDSGID", offsetof(struct hd_seccomp_settings, restrict_suid_sgid) },
	{ "ProtectKernelTunables", offsetof(struct hd_seccomp_settings, protect_kernel_tunables) },
	{ "ProtectKernelModules", offsetof(struct hd_seccomp_settings, protect_kernel_modules) },
	{ "ProtectKernelLogs", offsetof(struct hd_seccomp_settings, protect_kernel_logs) },
	{ "ProtectClock", offsetof(struct hd_seccomp_settings, protect_clock) },
	{ "PrivateDevices", offsetof(struct hd_seccomp_settings, private_devices) },
	{ "ProtectHostname", offsetof(struct hd_seccomp_settings, protect_hostname) },
	{ "NoNewPrivileges", offsetof(struct hd_seccomp_settings, no_new_privileges) },
};

/* RestrictNamespaces= names and flags, in systemd's order (which is also its printing order). */
static const struct {
	const char *name;
	uint64_t flag;
} namespace_table[] = {
	{ "cgroup", 0x02000000 }, /* CLONE_NEWCGROUP */
	{ "ipc", 0x08000000 },    /* CLONE_NEWIPC */
	{ "net", 0x40000000 },    /* CLONE_NEWNET */
	{ "mnt", 0x00020000 },    /* CLONE_NEWNS */
	{ "pid", 0x20000000 },    /* CLONE_NEWPID */
	{ "user", 0x10000000 },   /* CLONE_NEWUSER */
	{ "uts", 0x04000000 },    /* CLONE_NEWUTS */
	{ "time", 0x00000080 },   /* CLONE_NEWTIME */
};

/* In systemd's installation order (filter-semantics.md, "What each becomes"). */
const char *const hd_seccomp_keys[] = {
	"ProtectHostname",
	"NoNewPrivileges",
	"RestrictAddressFamilies",
	"MemoryDenyWriteExecute",
	"RestrictRealtime",
	"RestrictSUIDSGID",
	"RestrictNamespaces",
	"ProtectKernelTunables",
	"ProtectKernelModules",
	"ProtectKernelLogs",
	"ProtectClock",
	"PrivateDevices",
	"SystemCallArchitectures",
	"LockPersonality",
	"SystemCallLog",
	"SystemCallErrorNumber",
	"SystemCallFilter",
	NULL,
};

void hd_seccomp_settings_init(struct hd_seccomp_settings *s)
{
	*s = (struct hd_seccomp_settings){ 0 };
	s->error_number = HD_ERRNO_KILL;
	s->ns_allowed = HD_NS_ALL_FLAGS; /* systemd's NAMESPACE_FLAGS_INITIAL: holds every "all" */
	s->ns_all = HD_NS_ALL_FLAGS;
}

void hd_seccomp_settings_free(struct hd_seccomp_settings *s)
{
	list_clear(&s->filter);
	list_clear(&s->log);
	hd_strv_free(&s->archs);
	free(s->af);
	hd_seccomp_settings_init(s);
}

bool hd_seccomp_is_setting(const char *key)
{
	for (size_t i = 0; hd_seccomp_keys[i]; i++)
		if (strcmp(hd_seccomp_keys[i], key) == 0)
			return true;
	return false;
}

/* ---- SystemCallFilter= and SystemCallLog= ---- */

struct parse_ctx {
	int sdver;
	const char *file;
	unsigned line;
	hd_diags *diags;
};

#define WARN(ctx, ...) hd_diag_add((ctx)->diags, HD_WARNING, (ctx)->file, (ctx)->line, __VA_ARGS__)

/* How much of an offending word a warning repeats, and how: bytes below 0x20 (but tab, which systemd's
 * messages show as is) and 0x7f as \xNN, so a hostile unit file cannot drive the terminal. */
#define ECHO_MAX 512
static const char *printable(const char *s, char buf[static ECHO_MAX * 4 + 4])
{
	size_t n = 0, i = 0;
	for (; s[i] && i < ECHO_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			n += (size_t)sprintf(buf + n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	if (s[i])
		n += (size_t)sprintf(buf + n, "...");
	buf[n] = 0;
	return buf;
}
/* A warning whose one %s is a word from the input. */
#define WARN_WORD(ctx, fmt, word)                                                                      \
	do {                                                                                           \
		char echo_[ECHO_MAX * 4 + 4];                                                          \
		WARN(ctx, fmt, printable(word, echo_));                                                \
	} while (0)

/* The next word of a list setting: 1 and *word (free it), 0 at the end, or -ENOMEM. Broken quoting ends
 * the list after a warning that quotes the whole value, as systemd drops the rest of the line. */
static int next_list_word(const char **p, bool unquote, const char *whole, const struct parse_ctx *ctx,
			  char **word)
{
	int r = hd_unit_next_word(p, unquote, word);
	if (r == -EINVAL) {
		WARN_WORD(ctx, "Invalid syntax, ignoring: %s", whole);
		return 0;
	}
	return r;
}

/* Whether systemd of sdver can put name in its map: it keys the map by libseccomp's number, and drops a
 * name (a group member silently) that its libseccomp cannot resolve. 252: this machine's libseccomp.
 * Newer: one that knows the calls newer than it too (harden's table of them), but not the names no
 * libseccomp release knows although a group lists them (fstatat, newfstat in @file-system and llseek in
 * @basic-io since 257): systemd 257 and 262 drop those (their recorded dumps,
 * corpus/expected-systemd257|262/F.test, tests/integration/show_systemd_oracle.py --recorded). */
static bool syscall_name_usable(const char *name, int sdver)
{
	if (hd_syscall_libseccomp_knows(name))
		return true;
	return sdver != HD_SYSTEMD_252 && hd_syscall_some_libseccomp_knows(name);
}

/*
 * One name or @group into a list, like systemd's seccomp_parse_syscall_filter(): invert = the word came
 * from a "~" assignment; warn = a word the user wrote (group members are our table's business and
 * are never warned about).
 */
static int list_add_name(struct hd_syscall_list *l, const char *name, int err, bool invert, bool warn,
			 const struct parse_ctx *ctx, unsigned depth)
{
	if (name[0] == '@') {
		const struct hd_group_def *g = hd_group_find(name, ctx->sdver);
		if (!g) {
			if (warn)
				WARN_WORD(ctx, "Unknown system call group, ignoring: %s", name);
			return 0;
		}
		if (depth >= GROUP_DEPTH_MAX)
			return -ELOOP;
		for (const struct hd_group_member *m = g->members; m->name; m++) {
			if (!hd_group_member_present(m, ctx->sdver))
				continue;
			int r = list_add_name(l, m->name, err, invert, false, ctx, depth + 1);
			if (r < 0)
				return r;
		}
		return 0;
	}
	if (!syscall_name_usable(name, ctx->sdver)) {
		if (warn)
			WARN_WORD(ctx, "Failed to parse system call, ignoring: %s", name);
		return 0;
	}
	/* Same polarity as the list: add. Opposite: remove -- except that "~x:E" on an allow list
	 * keeps x with its own action (systemd >= 247 stores it and installs ERRNO(E)/kill for it). */
	if (!invert == l->allow_list || (invert && l->allow_list && err != HD_ERRNO_DEFAULT))
		return list_put(l, name, err);
	list_remove(l, name);
	return 0;
}

/* "name[:errno|:kill]" -> name, err. -EINVAL when the action part is not an errno or "kill". */
static int parse_syscall_and_errno(const char *word, char **name, int *err)
{
	const char *colon = strchr(word, ':');
	int e = HD_ERRNO_DEFAULT;
	if (colon) {
		if (strcmp(colon + 1, "kill") == 0)
			e = HD_ERRNO_KILL;
		else {
			e = hd_errno_parse(colon + 1);
			if (e < 0)
				return -EINVAL;
		}
	}
	if (colon == word) /* ":EPERM": systemd refuses an empty name here */
		return -EINVAL;
	*name = colon ? strndup(word, (size_t)(colon - word)) : strdup(word);
	if (!*name)
		return -ENOMEM;
	*err = e;
	return 0;
}

static int apply_syscall_list(struct hd_syscall_list *l, const char *value, bool with_actions,
			      const struct parse_ctx *ctx)
{
	if (!*value) { /* empty assignment: reset, the next assignment decides the mode again */
		list_clear(l);
		return 0;
	}
	bool invert = value[0] == '~';
	const char *p = value + invert;
	if (!l->is_set) {
		l->is_set = true;
		l->allow_list = !invert;
		/* an allow list starts from @default, silently (SystemCallFilter= only) */
		if (l->allow_list && with_actions) {
			int r = list_add_name(l, "@default", HD_ERRNO_DEFAULT, false, false, ctx, 0);
			if (r < 0)
				return r;
		}
	}
	for (;;) {
		char *word = NULL, *name = NULL;
		int err = HD_ERRNO_DEFAULT;
		int r = next_list_word(&p, false, value + invert, ctx, &word);
		if (r <= 0)
			return r;
		if (with_actions) {
			r = parse_syscall_and_errno(word, &name, &err);
			if (r == -EINVAL) {
				WARN_WORD(ctx, "Failed to parse syscall:errno, ignoring: %s", word);
				free(word);
				continue;
			}
			if (r < 0) {
				free(word);
				return r;
			}
			if (!invert && err != HD_ERRNO_DEFAULT) {
				WARN_WORD(ctx, "Allow-listed system calls cannot take error number, ignoring: %s", word);
				free(word);
				free(name);
				continue;
			}
		} else {
			/* SystemCallLog= takes no actions: "x:EPERM" is just an unknown name */
			name = word;
			word = NULL;
		}
		r = list_add_name(l, name, err, invert, true, ctx, 0);
		free(word);
		free(name);
		if (r < 0)
			return r;
	}
}

/* ---- the other settings ---- */

static void apply_error_number(struct hd_seccomp_settings *s, const char *value, const struct parse_ctx *ctx)
{
	if (!*value || strcmp(value, "kill") == 0) {
		s->error_number = HD_ERRNO_KILL;
		return;
	}
	int e = hd_errno_parse(value);
	if (e < 0)
		WARN_WORD(ctx, "Failed to parse error number, ignoring: %s", value);
	else if (e == 0)
		WARN(ctx, "Invalid error number, ignoring: %d", e);
	else
		s->error_number = e;
}

/* systemd's seccomp_arch_from_string(): its own names only, and only those its libseccomp has. */
static bool arch_name_valid(const char *name, int sdver)
{
	if (strcmp(name, "native") == 0)
		return true;
	for (int a = 0; a < HD_ARCH_COUNT; a++) {
		const struct hd_arch_info *ai = hd_arch_info((hd_arch)a);
		if (strcmp(ai->name, name) == 0)
			return sdver != HD_SYSTEMD_252 || ai->scmp_arch != 0;
	}
	return false;
}

static int apply_archs(struct hd_seccomp_settings *s, const char *value, const struct parse_ctx *ctx)
{
	if (!*value) {
		hd_strv_free(&s->archs);
		return 0;
	}
	for (const char *p = value;;) {
		char *word = NULL;
		int r = next_list_word(&p, true, value, ctx, &word);
		if (r <= 0)
			return r;
		if (!arch_name_valid(word, ctx->sdver))
			WARN_WORD(ctx, "Failed to parse system call architecture \"%s\", ignoring: Invalid argument", word);
		else
			r = hd_strv_push_unique(&s->archs, word);
		free(word);
		if (r < 0)
			return r;
	}
}

static int af_put(struct hd_seccomp_settings *s, int af)
{
	size_t i = 0;
	while (i < s->n_af && s->af[i] < af)
		i++;
	if (i < s->n_af && s->af[i] == af)
		return 0;
	int *v = realloc(s->af, (s->n_af + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->af = v;
	memmove(&v[i + 1], &v[i], (s->n_af - i) * sizeof(*v));
	v[i] = af;
	s->n_af++;
	return 0;
}

static void af_remove(struct hd_seccomp_settings *s, int af)
{
	for (size_t i = 0; i < s->n_af; i++)
		if (s->af[i] == af) {
			memmove(&s->af[i], &s->af[i + 1], (s->n_af - i - 1) * sizeof(*s->af));
			s->n_af--;
			return;
		}
}

static void af_reset(struct hd_seccomp_settings *s)
{
	free(s->af);
	s->af = NULL;
	s->n_af = 0;
	s->af_is_set = false;
}

/* From this systemd on, ProtectHostname= also takes "private" (257.13 refuses it, 262.1 takes it: corpus
 * edge-12 in expected-systemd257/262, whose F.test shows "ProtectHostname: private"). */
#define HD_SYSTEMD_HOSTNAME_PRIVATE HD_SD_HOSTNAME_PRIVATE

/* From this systemd on, an unknown family in a RestrictAddressFamilies= list ends the list there: the
 * families before it are kept, the rest dropped, and the warning names the whole value (257.13 skips
 * the word alone). 262.1 in the corpus: "AF_BOGUS AF_UNIX" leaves an empty allow list (edge-11),
 * "AF_UNIX #AF_INET" allows AF_UNIX (edge-02), "AF_UNIX AF_INET \" both (edge-01). */
#define HD_SYSTEMD_AF_STOP HD_SD_AF_STOP

static int apply_address_families(struct hd_seccomp_settings *s, const char *value, const struct parse_ctx *ctx)
{
	if (!*value) {
		af_reset(s);
		s->af_allow_list = false;
		return 0;
	}
	if (strcmp(value, "none") == 0) {
		/* systemd frees its set and sets allow-list mode: every socket() fails, and the next
		 * assignment starts a new list (deciding the mode again) */
		af_reset(s);
		s->af_allow_list = true;
		return 0;
	}
	bool invert = value[0] == '~';
	const char *p = value + invert;
	if (!s->af_is_set) {
		s->af_is_set = true;
		s->af_allow_list = !invert;
	}
	for (;;) {
		char *word = NULL;
		int r = next_list_word(&p, true, value, ctx, &word);
		if (r <= 0)
			return r;
		int af = hd_af_from_name(word);
		if (af < 0 && ctx->sdver >= HD_SYSTEMD_AF_STOP) {
			/* the rest of the list is dropped, what came before it kept */
			free(word);
			WARN_WORD(ctx, "Failed to parse address family, ignoring: %s", value);
			return 0;
		}
		if (af < 0)
			WARN_WORD(ctx, "Failed to parse address family, ignoring: %s", word);
		else if (!invert == s->af_allow_list)
			r = af_put(s, af);
		else
			af_remove(s, af);
		free(word);
		if (r < 0)
			return r;
	}
}

static int apply_namespaces(struct hd_seccomp_settings *s, const char *value, const struct parse_ctx *ctx)
{
	if (!*value) {
		s->ns_allowed = HD_NS_ALL_FLAGS;
		s->ns_is_set = false;
		return 0;
	}
	int b = hd_parse_boolean(value);
	if (b >= 0) {
		s->ns_allowed = b ? 0 : s->ns_all;
		s->ns_is_set = true;
		return 0;
	}
	bool invert = value[0] == '~';
	const char *list = value + invert;
	uint64_t flags = 0;
	for (const char *p = list;;) {
		char *word = NULL;
		int r = hd_unit_next_word(&p, false, &word);
		if (r == 0)
			break;
		if (r == -ENOMEM)
			return r;
		bool found = false;
		for (size_t i = 0; r > 0 && i < ELEMENTS(namespace_table); i++)
			if (strcmp(word, namespace_table[i].name) == 0) {
				flags |= namespace_table[i].flag;
				found = true;
			}
		free(word);
		if (!found) { /* one bad word and systemd ignores the whole assignment */
			WARN_WORD(ctx, "Failed to parse namespace type string, ignoring: %s", list);
			return 0;
		}
	}
	if (!s->ns_is_set) /* first list: sets the allowed set ("~x": all but x, all as this systemd means it) */
		s->ns_allowed = invert ? s->ns_all & ~flags : flags;
	else if (invert) /* later lists merge */
		s->ns_allowed &= ~flags;
	else
		s->ns_allowed |= flags;
	s->ns_is_set = true;
	return 0;
}

/* Unit-file values are stripped of surrounding whitespace before systemd sees them; -p values get the
 * same treatment here. */
static char *strip_copy(const char *v)
{
	while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
		v++;
	size_t n = strlen(v);
	while (n && strchr(" \t\n\r", v[n - 1]))
		n--;
	return strndup(v, n);
}

int hd_seccomp_apply(struct hd_seccomp_settings *s, const char *key, const char *value, int sdver,
		     const char *file, unsigned line, hd_diags *diags)
{
	if (!key || !value || !hd_seccomp_is_setting(key))
		return 0;
	const struct parse_ctx ctx = { sdver, file, line, diags };
	s->ns_all = sdver < HD_SD_NS_TIME ? HD_NS_ALL_FLAGS_252 : HD_NS_ALL_FLAGS;
	char *v = strip_copy(value);
	if (!v)
		return -ENOMEM;
	int r = 0;
	if (strcmp(key, "SystemCallFilter") == 0)
		r = apply_syscall_list(&s->filter, v, true, &ctx);
	else if (strcmp(key, "SystemCallLog") == 0)
		r = apply_syscall_list(&s->log, v, false, &ctx);
	else if (strcmp(key, "SystemCallErrorNumber") == 0)
		apply_error_number(s, v, &ctx);
	else if (strcmp(key, "SystemCallArchitectures") == 0)
		r = apply_archs(s, v, &ctx);
	else if (strcmp(key, "RestrictAddressFamilies") == 0)
		r = apply_address_families(s, v, &ctx);
	else if (strcmp(key, "RestrictNamespaces") == 0)
		r = apply_namespaces(s, v, &ctx);
	else
		for (size_t i = 0; i < ELEMENTS(bool_settings); i++) {
			if (strcmp(key, bool_settings[i].key) != 0)
				continue;
			int b = hd_parse_boolean(v);
			bool private = false;
			if (b < 0 && strcmp(key, "ProtectHostname") == 0 && sdver >= HD_SYSTEMD_HOSTNAME_PRIVATE &&
			    strcmp(v, "private") == 0)
				b = private = true;
			if (b < 0)
				WARN_WORD(&ctx, "Failed to parse boolean value, ignoring: %s", v);
			else {
				*(bool *)((char *)s + bool_settings[i].offset) = b;
				if (strcmp(key, "ProtectHostname") == 0)
					s->protect_hostname_private = private;
			}
		}
	free(v);
	return r < 0 ? r : 1;
}

bool hd_seccomp_ns_filter(const struct hd_seccomp_settings *s, uint64_t *blocked, bool *setns_all)
{
	/* systemd's test is against its own "all" (252: without CLONE_NEWTIME), but its blocking loop
	 * runs over every namespace it has a name for, time included */
	uint64_t all = s->ns_all & HD_NS_ALL_FLAGS;
	bool on = (s->ns_allowed & all) != all;
	if (blocked)
		*blocked = on ? HD_NS_ALL_FLAGS & ~s->ns_allowed : 0;
	if (setns_all)
		*setns_all = on && (s->ns_allowed & all) == 0;
	return on;
}

/* ---- systemctl show ---- */

static int format_syscall_list(const struct hd_syscall_list *l, bool with_actions, char **out)
{
	hd_strv words = { 0 };
	int r = 0;
	for (size_t i = 0; r >= 0 && i < l->n; i++) {
		const struct hd_syscall_entry *e = &l->v[i];
		/* Every name in the map, also those with no number on the native architecture
		 * (_llseek, chown32, clock_settime64 from @clock on x86-64): systemd keys its map by
		 * libseccomp's number, a negative pseudo number for those, which libseccomp resolves
		 * back to the name when systemd prints the map. The rule sets say where they have no
		 * number (hd_ruleset.unresolved). Names that share one native number are one entry
		 * there, printed by libseccomp's name for it (hd_syscall_map_name); our map stays keyed
		 * by name, so the rule sets of other architectures, where they differ, stay exact. */
		/* in an allow list an entry with its own action (~NAME:ENOSYS) is a denied call: systemctl
		 * show leaves it out of the list (the kernel still answers it with that action; the JSON
		 * output and the per-architecture rules have it), as systemd 252's D-Bus property does */
		if (with_actions && l->allow_list && e->err != HD_ERRNO_DEFAULT)
			continue;
		const char *name = hd_syscall_map_name(e->name);
		const char *en = e->err > 0 ? hd_errno_name(e->err) : NULL;
		if (!with_actions || e->err == HD_ERRNO_DEFAULT)
			r = hd_strv_push(&words, name);
		else if (e->err == HD_ERRNO_KILL)
			r = hd_strv_pushf(&words, "%s:kill", name);
		else if (en)
			r = hd_strv_pushf(&words, "%s:%s", name, en);
		else
			r = hd_strv_pushf(&words, "%s:%d", name, e->err);
	}
	/* one entry per key: two names of one number print once (with different actions both stay:
	 * which one systemd kept depends on the order of assignments, which the map does not keep) */
	hd_strv_sort_uniq(&words);
	size_t len = 2;
	for (size_t i = 0; i < words.n; i++)
		len += strlen(words.v[i]) + 1;
	char *buf = r < 0 ? NULL : malloc(len);
	if (!buf) {
		hd_strv_free(&words);
		return -ENOMEM;
	}
	/* systemctl show --all: '~' unless it is an allow list, so an unset list reads "~" (deny
	 * nothing) and distinguishes itself from an empty allow list */
	char *p = buf;
	if (!l->allow_list)
		*p++ = '~';
	for (size_t i = 0; i < words.n; i++)
		p += sprintf(p, "%s%s", i ? " " : "", words.v[i]);
	*p = 0;
	hd_strv_free(&words);
	*out = buf;
	return 0;
}

int hd_seccomp_format(const struct hd_seccomp_settings *s, const char *key, char **out)
{
	char buf[4096]; /* 45 families or 8 namespaces or 20 architectures fit easily */
	*out = NULL;
	if (strcmp(key, "SystemCallFilter") == 0)
		return format_syscall_list(&s->filter, true, out);
	if (strcmp(key, "SystemCallLog") == 0)
		return format_syscall_list(&s->log, false, out);
	if (strcmp(key, "SystemCallErrorNumber") == 0) {
		snprintf(buf, sizeof(buf), "%d", s->error_number == HD_ERRNO_KILL ? SYSTEMD_ERRNO_KILL_VALUE : s->error_number);
	} else if (strcmp(key, "SystemCallArchitectures") == 0) {
		hd_strv sorted = { 0 };
		for (size_t i = 0; i < s->archs.n; i++)
			if (hd_strv_push(&sorted, s->archs.v[i]) < 0) {
				hd_strv_free(&sorted);
				return -ENOMEM;
			}
		hd_strv_sort(&sorted);
		size_t n = 0;
		buf[0] = 0;
		for (size_t i = 0; i < sorted.n && n < sizeof(buf); i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", sorted.v[i]);
		hd_strv_free(&sorted);
	} else if (strcmp(key, "RestrictAddressFamilies") == 0) {
		/* systemd sorts the names (not the numbers) */
		hd_strv names = { 0 };
		for (size_t i = 0; i < s->n_af; i++) {
			const char *name = hd_af_name(s->af[i]);
			if (name && hd_strv_push(&names, name) < 0) {
				hd_strv_free(&names);
				return -ENOMEM;
			}
		}
		hd_strv_sort(&names);
		size_t n = 0;
		buf[0] = 0;
		if (!s->af_allow_list) /* as for the syscall lists: unset reads "~", "none" reads "" */
			n += (size_t)snprintf(buf, sizeof(buf), "~");
		for (size_t i = 0; i < names.n && n < sizeof(buf); i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", names.v[i]);
		hd_strv_free(&names);
	} else if (strcmp(key, "RestrictNamespaces") == 0) {
		/* "no" when systemd installs no namespace filter, "yes" when no namespace is allowed,
		 * else the allowed names -- also where systemctl show would say "yes" although one is
		 * left (252: "RestrictNamespaces=yes" then "time" allows time; the unit dump says
		 * "time", and so does this) */
		uint64_t a = s->ns_allowed & HD_NS_ALL_FLAGS;
		size_t n = 0;
		buf[0] = 0;
		if (!hd_seccomp_ns_filter(s, NULL, NULL))
			snprintf(buf, sizeof(buf), "no");
		else if (a == 0)
			snprintf(buf, sizeof(buf), "yes");
		else
			for (size_t i = 0; i < ELEMENTS(namespace_table); i++)
				if (a & namespace_table[i].flag)
					n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "",
							      namespace_table[i].name);
	} else {
		size_t i;
		for (i = 0; i < ELEMENTS(bool_settings); i++)
			if (strcmp(key, bool_settings[i].key) == 0)
				break;
		if (i == ELEMENTS(bool_settings))
			return -ENOENT;
		snprintf(buf, sizeof(buf), "%s",
			 strcmp(key, "ProtectHostname") == 0 && s->protect_hostname_private ? "private"
			 : *(const bool *)((const char *)s + bool_settings[i].offset) ? "yes" : "no");
	}
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

/* ---- actions ---- */

static int action_rank(hd_action_kind k)
{
	switch (k) {
	case HD_ACT_KILL:
		return 3;
	case HD_ACT_ERRNO:
		return 2;
	case HD_ACT_LOG:
		return 1;
	default:
		return 0;
	}
}

hd_action hd_action_strictest(hd_action a, hd_action b)
{
	return action_rank(a.kind) > action_rank(b.kind) ? a : b;
}

bool hd_action_equal(hd_action a, hd_action b)
{
	return a.kind == b.kind && (a.kind != HD_ACT_ERRNO || a.errno_value == b.errno_value);
}

bool hd_action_allows(hd_action a)
{
	return a.kind == HD_ACT_ALLOW || a.kind == HD_ACT_LOG;
}

const char *hd_action_format(hd_action a, char *buf, size_t size)
{
	switch (a.kind) {
	case HD_ACT_ALLOW:
		snprintf(buf, size, "allow");
		break;
	case HD_ACT_LOG:
		snprintf(buf, size, "log");
		break;
	case HD_ACT_KILL:
		snprintf(buf, size, "kill");
		break;
	case HD_ACT_ERRNO: {
		const char *n = hd_errno_name(a.errno_value);
		if (n)
			snprintf(buf, size, "errno %s", n);
		else
			snprintf(buf, size, "errno %d", a.errno_value);
		break;
	}
	}
	return buf;
}

/* ---- rule sets ---- */

#define ACT_ALLOW ((hd_action){ HD_ACT_ALLOW, 0 })
#define ACT_LOG ((hd_action){ HD_ACT_LOG, 0 })
#define ACT_KILL ((hd_action){ HD_ACT_KILL, 0 })
#define ACT_ERRNO(e) ((hd_action){ HD_ACT_ERRNO, (e) })

/* One stacked filter's verdicts: per-number actions over a default. */
struct verdicts {
	bool active;
	hd_action default_action;
	struct verdict {
		int nr;
		const char *name;
		hd_action action;
	} *v;
	size_t n, cap;
};

static int verdicts_add(struct verdicts *f, int nr, const char *name, hd_action a)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 128;
		struct verdict *v = realloc(f->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = (struct verdict){ nr, name, a };
	return 0;
}

static int cmp_verdict(const void *a, const void *b)
{
	const struct verdict *x = a, *y = b;
	return (x->nr > y->nr) - (x->nr < y->nr);
}

/* Sort by number; two names with one number (aliases) keep the stricter verdict. */
static void verdicts_normalise(struct verdicts *f)
{
	if (!f->n)
		return;
	qsort(f->v, f->n, sizeof(f->v[0]), cmp_verdict);
	size_t w = 0;
	for (size_t i = 1; i < f->n; i++) {
		if (f->v[i].nr == f->v[w].nr)
			f->v[w].action = hd_action_strictest(f->v[i].action, f->v[w].action);
		else
			f->v[++w] = f->v[i];
	}
	f->n = w + 1;
}

static const struct verdict *verdicts_find(const struct verdicts *f, int nr)
{
	size_t lo = 0, hi = f->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->v[mid].nr == nr)
			return &f->v[mid];
		if (f->v[mid].nr < nr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The map entries of one list resolved on arch; names with no number there go to unresolved. */
static int list_verdicts(const struct hd_syscall_list *l, hd_arch arch, hd_action listed, hd_action negative,
			 struct verdicts *f, hd_strv *unresolved)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct hd_syscall_entry *e = &l->v[i];
		int nr = hd_syscall_nr(e->name, arch, NULL);
		int r;
		if (nr < 0) {
			r = hd_strv_push_unique(unresolved, e->name);
		} else {
			hd_action a = listed;
			if (e->err == HD_ERRNO_KILL)
				a = ACT_KILL;
			else if (e->err >= 0)
				a = ACT_ERRNO(e->err);
			else if (e->err == HD_ERRNO_DEFAULT && !l->allow_list)
				a = negative;
			r = verdicts_add(f, nr, e->name, a);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Every syscall in g (nested groups expanded) appended to out, duplicates included: sort_uniq after.
 * (hd_group_expand keeps first-seen order with a linear uniqueness check; @known on every
 * architecture made that the hot spot of rule-set building.) */
static int expand_group_sorted(const struct hd_group_def *g, int sdver, hd_strv *out, unsigned depth)
{
	if (!g)
		return 0;
	if (depth >= GROUP_DEPTH_MAX)
		return -ELOOP;
	for (const struct hd_group_member *m = g->members; m->name; m++) {
		if (!hd_group_member_present(m, sdver))
			continue;
		int r = m->name[0] == '@' ? expand_group_sorted(hd_group_find(m->name, sdver), sdver, out, depth + 1)
					  : hd_strv_push(out, m->name);
		if (r < 0)
			return r;
	}
	return 0;
}

/* known holds the @known names the verdicts point to; the caller frees it after use. */
static int filter_verdicts(const struct hd_seccomp_settings *s, hd_arch arch, int sdver, struct verdicts *f,
			   hd_strv *unresolved, hd_strv *known, char **install_error)
{
	const struct hd_syscall_list *l = &s->filter;
	/* systemd installs no filter for an empty deny list */
	f->active = l->is_set && (l->allow_list || l->n > 0);
	f->default_action = ACT_ALLOW;
	if (!f->active)
		return 0;
	hd_action negative = s->error_number == HD_ERRNO_KILL ? ACT_KILL : ACT_ERRNO(s->error_number);
	if (!l->allow_list)
		return list_verdicts(l, arch, negative, negative, f, unresolved);
	int r = list_verdicts(l, arch, ACT_ALLOW, negative, f, unresolved);
	if (r < 0)
		return r;
	if (sdver < HD_SD_ENOSYS_DEFAULT) {
		f->default_action = negative;
		/* before 255 (HD_SD_ENOSYS_DEFAULT) the allow list's negative action is the filter's default.
		 * libseccomp refuses a rule with the filter's default action (EACCES); systemd gives up */
		for (size_t i = 0; !*install_error && i < f->n; i++) {
			if (!hd_action_equal(f->v[i].action, negative))
				continue;
			char act[64];
			if (asprintf(install_error,
				     "SystemCallFilter=: \"%s\" would get %s, the allow list's default action; "
				     "libseccomp refuses such a rule and systemd %s fails to start the service",
				     f->v[i].name, hd_action_format(negative, act, sizeof(act)),
				     hd_systemd_version_name(sdver)) < 0) {
				*install_error = NULL;
				return -ENOMEM;
			}
		}
		return 0;
	}
	/* v255+: unknown (newer) syscalls get ENOSYS so libc falls back; every syscall systemd knows
	 * and the list does not allow gets the negative action explicitly */
	f->default_action = ACT_ERRNO(ENOSYS);
	r = expand_group_sorted(hd_group_find("@known", sdver), sdver, known, 0);
	if (r >= 0)
		hd_strv_sort_uniq(known);
	for (size_t i = 0; r >= 0 && i < known->n; i++) {
		if (list_find(l, known->v[i], NULL) >= 0)
			continue;
		int nr = hd_syscall_nr(known->v[i], arch, NULL);
		if (nr >= 0)
			r = verdicts_add(f, nr, known->v[i], negative);
	}
	return r;
}

static int log_verdicts(const struct hd_seccomp_settings *s, hd_arch arch, struct verdicts *f, hd_strv *unresolved)
{
	const struct hd_syscall_list *l = &s->log;
	f->active = l->is_set && (l->allow_list || l->n > 0);
	f->default_action = ACT_ALLOW;
	if (!f->active)
		return 0;
	/* listed calls logged, the rest allowed; "~" list: the reverse */
	f->default_action = l->allow_list ? ACT_ALLOW : ACT_LOG;
	return list_verdicts(l, arch, l->allow_list ? ACT_LOG : ACT_ALLOW, ACT_ALLOW, f, unresolved);
}

static int ruleset_add(struct hd_ruleset *rs, int nr, const char *name, hd_action a, const char *origin)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 128;
		struct hd_rule *v = realloc(rs->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		rs->v = v;
		rs->cap = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	rs->v[rs->n++] = (struct hd_rule){ .nr = nr, .name = copy, .action = a, .origin = origin };
	return 0;
}

static int cmp_rule(const void *a, const void *b)
{
	const struct hd_rule *x = a, *y = b;
	if (x->nr != y->nr)
		return (x->nr > y->nr) - (x->nr < y->nr);
	if (x->n_cmps != y->n_cmps) /* the unconditional rule first */
		return x->n_cmps < y->n_cmps ? -1 : 1;
	return strcmp(x->origin, y->origin);
}

/* SystemCallArchitectures=: systemd never blocks the native architecture (libseccomp puts it in every
 * filter), whatever the list says. */
bool hd_seccomp_arch_allowed(const struct hd_seccomp_settings *s, hd_arch arch)
{
	if (s->archs.n == 0 || arch == hd_arch_native())
		return true;
	for (size_t i = 0; i < s->archs.n; i++)
		if (hd_arch_from_name(s->archs.v[i]) == arch)
			return true;
	return false;
}

int hd_ruleset_build(const struct hd_seccomp_settings *s, hd_arch arch, int sdver, struct hd_ruleset *out)
{
	*out = (struct hd_ruleset){ .arch = arch, .default_action = ACT_ALLOW };
	if (!hd_arch_info(arch))
		return -EINVAL;
	if (!hd_seccomp_arch_allowed(s, arch)) {
		/* SystemCallArchitectures=: the architecture filter kills every call of this ABI (libseccomp's
		 * bad-arch action; x32 numbers on x86-64 included) and systemd installs no other filter for it */
		out->default_action = ACT_KILL;
		return 0;
	}
	struct verdicts f = { 0 }, l = { 0 };
	hd_strv known = { 0 };
	int r = filter_verdicts(s, arch, sdver, &f, &out->unresolved, &known, &out->install_error);
	if (r >= 0)
		r = log_verdicts(s, arch, &l, &out->unresolved);
	if (r < 0)
		goto done;
	hd_strv_sort(&out->unresolved);
	verdicts_normalise(&f);
	verdicts_normalise(&l);
	/* SystemCallLog is installed before SystemCallFilter: the filter is the later one */
	out->default_action = hd_action_strictest(l.default_action, f.default_action);
	for (size_t i = 0; r >= 0 && i < f.n; i++) {
		const struct verdict *lv = verdicts_find(&l, f.v[i].nr);
		hd_action la = lv ? lv->action : l.default_action;
		hd_action a = hd_action_strictest(la, f.v[i].action);
		if (!hd_action_equal(a, out->default_action))
			r = ruleset_add(out, f.v[i].nr, f.v[i].name, a,
					hd_action_equal(a, f.v[i].action) ? "SystemCallFilter" : "SystemCallLog");
	}
	for (size_t i = 0; r >= 0 && i < l.n; i++) {
		if (verdicts_find(&f, l.v[i].nr))
			continue;
		hd_action a = hd_action_strictest(l.v[i].action, f.default_action);
		if (!hd_action_equal(a, out->default_action))
			r = ruleset_add(out, l.v[i].nr, l.v[i].name, a,
					hd_action_equal(a, l.v[i].action) ? "SystemCallLog" : "SystemCallFilter");
	}
	if (r >= 0 && out->n)
		qsort(out->v, out->n, sizeof(out->v[0]), cmp_rule);
done:
	free(f.v);
	free(l.v);
	hd_strv_free(&known);
	if (r < 0)
		hd_ruleset_free(out);
	return r;
}

void hd_ruleset_free(struct hd_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i].name);
	free(rs->v);
	hd_strv_free(&rs->unresolved);
	free(rs->install_error);
	rs->install_error = NULL;
	rs->v = NULL;
	rs->n = rs->cap = 0;
}

size_t hd_ruleset_lower_bound(const struct hd_ruleset *rs, int nr)
{
	size_t lo = 0, hi = rs->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rs->v[mid].nr < nr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

hd_action hd_ruleset_action(const struct hd_ruleset *rs, int nr, bool *conditional)
{
	hd_action a = rs->default_action;
	bool cond = false;
	size_t lo = hd_ruleset_lower_bound(rs, nr);
	for (size_t i = lo; i < rs->n && rs->v[i].nr == nr; i++) {
		if (rs->v[i].n_cmps == 0)
			a = rs->v[i].action;
		else
			cond = true;
	}
	if (conditional)
		*conditional = cond;
	return a;
}

size_t hd_seccomp_ruleset_archs(const struct hd_seccomp_settings *s, hd_arch out[HD_ARCH_COUNT])
{
	hd_arch abis[3];
	int n_abis = hd_arch_native_abis(abis);
	size_t n = 0;
	for (int i = 0; i < n_abis; i++)
		out[n++] = abis[i];
	for (size_t i = 0; i < s->archs.n; i++) {
		hd_arch a = hd_arch_from_name(s->archs.v[i]);
		bool seen = a == HD_ARCH_INVALID;
		for (size_t j = 0; j < n && !seen; j++)
			seen = out[j] == a;
		if (!seen && n < HD_ARCH_COUNT)
			out[n++] = a;
	}
	return n;
}

static int diff_add(struct hd_ruleset_diff *d, const char *name, int nr, hd_action a, hd_action b, bool cond)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct hd_ruleset_delta *v = realloc(d->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	d->v[d->n++] = (struct hd_ruleset_delta){ copy, nr, a, b, cond };
	return 0;
}

static int cmp_delta(const void *a, const void *b)
{
	const struct hd_ruleset_delta *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int hd_ruleset_diff(const struct hd_ruleset *a, const struct hd_ruleset *b, struct hd_ruleset_diff *out)
{
	*out = (struct hd_ruleset_diff){ 0 };
	if (a->arch != b->arch)
		return -EINVAL;
	hd_strv names = { 0 };
	int r = hd_syscall_all_names(&names);
	size_t cap = names.n + a->n + b->n, n = 0;
	int *nrs = r < 0 ? NULL : malloc((cap ? cap : 1) * sizeof(*nrs));
	if (!nrs) {
		hd_strv_free(&names);
		return r < 0 ? r : -ENOMEM;
	}
	for (size_t i = 0; i < names.n; i++) {
		int nr = hd_syscall_nr(names.v[i], a->arch, NULL);
		if (nr >= 0)
			nrs[n++] = nr;
	}
	for (size_t i = 0; i < a->n; i++)
		nrs[n++] = a->v[i].nr;
	for (size_t i = 0; i < b->n; i++)
		nrs[n++] = b->v[i].nr;
	if (n)
		qsort(nrs, n, sizeof(*nrs), cmp_int);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (i && nrs[i] == nrs[i - 1])
			continue;
		bool ca, cb;
		hd_action ia = hd_ruleset_action(a, nrs[i], &ca), ib = hd_ruleset_action(b, nrs[i], &cb);
		/* b lets it run where a does not: always, or (a allows it but refuses some arguments that
		 * b has no conditions on) for some arguments */
		bool always = hd_action_allows(ib) && !hd_action_allows(ia);
		bool some_args = hd_action_allows(ib) && hd_action_allows(ia) && ca && !cb;
		if (!always && !some_args)
			continue;
		const char *name = hd_syscall_name(a->arch, nrs[i]);
		char fallback[32];
		if (!name) {
			snprintf(fallback, sizeof(fallback), "#%d", nrs[i]);
			name = fallback;
		}
		r = diff_add(out, name, nrs[i], ia, ib, ca || cb);
	}
	free(nrs);
	hd_strv_free(&names);
	if (r < 0) {
		hd_ruleset_diff_free(out);
		return r;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(out->v[0]), cmp_delta);
	return 0;
}

void hd_ruleset_diff_free(struct hd_ruleset_diff *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	*d = (struct hd_ruleset_diff){ 0 };
}

int hd_seccomp_check(const struct hd_seccomp_settings *s, int sdver, const char *file, hd_diags *diags)
{
	struct hd_ruleset rs;
	int r = hd_ruleset_build(s, hd_arch_native(), sdver, &rs);
	if (r < 0)
		return r;
	if (rs.install_error)
		hd_diag_add(diags, HD_WARNING, file, 0, "%s", rs.install_error);
	hd_ruleset_free(&rs);
	return 0;
}

int hd_seccomp_apply_unit(struct hd_seccomp_settings *s, const struct hd_unit *u, int sdver, hd_diags *diags)
{
	int n = 0;
	for (size_t i = 0; i < u->n; i++) {
		const struct hd_unit_assignment *a = &u->v[i];
		if (!a->section || strcmp(a->section, "Service") != 0)
			continue;
		int r = hd_seccomp_apply(s, a->key, a->value, sdver, a->file, a->line_last ? a->line_last : a->line, diags);
		if (r < 0)
			return r;
		n += r;
	}
	hd_seccomp_apply_unit_implications(s, u);
	return n;
}

void hd_seccomp_apply_unit_implications(struct hd_seccomp_settings *s, const struct hd_unit *u)
{
	/* the last DynamicUser= of [Service] wins; systemd refuses the unit for a value that is not a
	 * boolean, so only a true one matters */
	bool dynamic_user = false;
	for (size_t i = 0; i < u->n; i++) {
		const struct hd_unit_assignment *a = &u->v[i];
		if (a->section && strcmp(a->section, "Service") == 0 && strcmp(a->key, "DynamicUser") == 0)
			dynamic_user = hd_parse_boolean(a->value) > 0;
	}
	if (dynamic_user) /* hd_settings_finalize does the same for the whole unit */
		s->no_new_privileges = s->restrict_suid_sgid = true;
}

size_t hd_seccomp_report_archs(const struct hd_seccomp_settings *s, const hd_arch *extra, size_t n_extra,
			       hd_arch out[HD_ARCH_COUNT])
{
	size_t n = hd_seccomp_ruleset_archs(s, out);
	for (size_t i = 0; i < n_extra; i++) {
		bool seen = false;
		for (size_t j = 0; j < n; j++)
			seen = seen || out[j] == extra[i];
		if (!seen && n < HD_ARCH_COUNT)
			out[n++] = extra[i];
	}
	return n;
}

int hd_seccomp_diff(const struct hd_seccomp_settings *a, const struct hd_seccomp_settings *b, hd_arch arch,
		    int sdver, struct hd_ruleset_diff *out)
{
	struct hd_ruleset ra, rb;
	*out = (struct hd_ruleset_diff){ 0 };
	int r = hd_ruleset_build_full(a, arch, sdver, &ra);
	if (r < 0)
		return r;
	r = hd_ruleset_build_full(b, arch, sdver, &rb);
	if (r >= 0)
		r = hd_ruleset_diff(&ra, &rb, out);
	hd_ruleset_free(&rb); /* a failed build leaves it freeable */
	hd_ruleset_free(&ra);
	return r;
}
