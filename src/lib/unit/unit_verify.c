/* SPDX-License-Identifier: MIT */
/*
 * The checks that make systemd 252 refuse a unit after (or while) parsing it, beyond syntax:
 *
 *  1. Settings whose bad values are fatal rather than "ignoring" (systemd logs them and then
 *     "Unit configuration has fatal error, unit will not be started."): command lines (Exec*=),
 *     User=/Group=/SupplementaryGroups=, WorkingDirectory=, RootDirectory=/RootImage=/RootVerity=,
 *     the security labels, DynamicUser=. Each was tried with systemd-analyze; see the table.
 *  2. service_verify(): a service needs ExecStart=, ExecStop= or SuccessAction=, only Type=oneshot
 *     may have several ExecStart= commands or none, and a few more combinations.
 *
 * Everything else (unknown keys, invalid values of most settings) systemd only warns about; those are
 * the settings consumers' business.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "unit/unit.h"

#define WHITESPACE " \t\n\r"

/* ---- words of a command line (systemd's extract_first_word with UNQUOTE|CUNESCAPE|RELAX) ---------- */

struct word {
	char *text;
	bool quoted; /* had quotes or escapes: a ";" from such a word is an argument, not a separator */
};

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One C escape after a backslash at s (s points after the backslash). Writes the byte to *out and
 * returns how many characters it used, or 0 if systemd does not know it (it then keeps "\c" as is). */
static size_t c_unescape_one(const char *s, char *out)
{
	static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"''s ";
	for (size_t i = 0; simple[i]; i += 2)
		if (*s == simple[i]) {
			*out = simple[i + 1];
			return 1;
		}
	if (*s == 'x') {
		int a = hexval(s[1]), b = a >= 0 ? hexval(s[2]) : -1;
		if (a < 0 || b < 0 || (a == 0 && b == 0)) /* NUL bytes are refused */
			return 0;
		*out = (char)(a * 16 + b);
		return 3;
	}
	if (*s >= '0' && *s <= '7') {
		if (s[1] < '0' || s[1] > '7' || s[2] < '0' || s[2] > '7')
			return 0;
		int v = (s[0] - '0') * 64 + (s[1] - '0') * 8 + (s[2] - '0');
		if (v == 0 || v > 255)
			return 0;
		*out = (char)v;
		return 3;
	}
	return 0; /* \u and \U: not needed to judge paths; kept literally */
}

/* Extract the next word from *p. 1 = a word, 0 = none left, -EINVAL = unbalanced quoting. */
static int next_word(const char **p, struct word *w)
{
	const char *s = *p + strspn(*p, WHITESPACE);
	w->text = NULL;
	w->quoted = false;
	if (!*s) {
		*p = s;
		return 0;
	}
	char *buf = malloc(strlen(s) * 2 + 1), *o = buf;
	if (!buf)
		return -ENOMEM;
	char quote = 0;
	for (;; s++) {
		if (!*s) {
			if (quote) {
				free(buf);
				return -EINVAL;
			}
			break;
		}
		if (!quote && strchr(WHITESPACE, *s))
			break;
		if (*s == '\\') {
			w->quoted = true;
			if (!s[1]) { /* a trailing backslash is kept */
				if (quote) {
					free(buf);
					return -EINVAL;
				}
				*o++ = '\\';
				continue;
			}
			size_t used = c_unescape_one(s + 1, o);
			if (used) {
				o++;
				s += used;
			} else {
				*o++ = '\\';
				*o++ = s[1];
				s++;
			}
			continue;
		}
		if (quote ? *s == quote : (*s == '"' || *s == '\'')) {
			w->quoted = true;
			quote = quote ? 0 : *s;
			continue;
		}
		*o++ = *s;
	}
	*o = '\0';
	w->text = buf;
	*p = s;
	return 1;
}

/* ---- checks of single values ---------------------------------------------------------------------- */

static bool in_charset(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

/* systemd's string_is_safe(): no control characters, quotes, backslashes. */
static bool string_is_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f || strchr("\"'\\", *s))
			return false;
	return true;
}

static bool filename_is_valid(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 && strlen(s) <= 255;
}

/* valid_user_group_name(RELAX | ALLOW_NUMERIC): what systemd 252 accepts in User=, Group= ... */
static bool user_group_name_ok(const char *u)
{
	if (!*u)
		return false;
	if (in_charset(u, "0123456789")) {
		/* a numeric id: must fit uid_t and not be 65535 or (uid_t) -1 */
		if (strlen(u) > 10)
			return false;
		unsigned long long v = strtoull(u, NULL, 10);
		return v < 4294967295ull && v != 65535;
	}
	if (u[0] == '-' && in_charset(u + 1, "0123456789"))
		return false;
	for (const char *c = u; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f || *c == ':' || *c == '/')
			return false;
	return strcmp(u, ".") != 0 && strcmp(u, "..") != 0;
}

/* path_simplify_and_warn(PATH_CHECK_ABSOLUTE): absolute, and no ".." once "//" and "/./" are gone. */
static const char *path_problem(const char *p)
{
	if (p[0] != '/')
		return "path is not absolute";
	for (const char *c = p; *c;) {
		c += strspn(c, "/");
		size_t n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return "path is not normalized";
		if (n > 255)
			return "path has an over-long component";
		c += n;
	}
	if (strlen(p) >= 4096)
		return "path is too long";
	return NULL;
}

static bool parse_boolean(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };
	for (size_t i = 0; i < 6; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = true, true;
		if (strcasecmp(v, no[i]) == 0)
			return *out = false, true;
	}
	return false;
}

/* ---- the fatal settings ---------------------------------------------------------------------------- */

struct verify_ctx {
	const struct hd_unit *u;
	hd_diags *diags;
	const struct hd_unit_assignment *a;
};

/* The messages are systemd's own texts, so that they can be compared with systemd-analyze's.
 * note() adds one at the assignment's last line (where systemd reports a continued line). */
static void vnote(struct verify_ctx *c, hd_severity sev, const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	hd_diag_add(c->diags, sev, c->a->file, c->a->line_last, "%s", msg ? msg : fmt);
	free(msg);
}

static int fatal(struct verify_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fatal(struct verify_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(c, HD_ERROR, fmt, ap);
	va_end(ap);
	hd_diag_add(c->diags, HD_ERROR, NULL, 0, "%s: Unit configuration has fatal error, unit will not be started.",
		    c->u->name);
	return -ENOEXEC;
}

static void warn(struct verify_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct verify_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(c, HD_WARNING, fmt, ap);
	va_end(ap);
}

/* Expand specifiers in s; on failure report (fatal or ignored). 0 with *out, 1 ignored, -ENOEXEC. */
static int expand_or_report(struct verify_ctx *c, const char *s, bool ignore, char **out)
{
	*out = NULL;
	char why[512];
	int r = hd_unit_expand_specifiers_why(c->u, s, out, why, sizeof(why));
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		/* not systemd's "%m": its codes (-EBADSLT: "Invalid slot") are no message for a user */
		if (ignore) {
			warn(c, "%s, ignoring", why);
			return 1;
		}
		return fatal(c, "%s", why);
	}
	return 0;
}

/*
 * One Exec*= line. Returns the number of commands it adds (0 if ignored or empty), or -ENOEXEC.
 * Prefixes: '-' ignore failure, '@' separate argv[0], ':' no variable expansion, '+' privileged, '!'
 * and "!!" (not together with '+'); each at most once, anything else ends the prefixes.
 */
static int check_exec(struct verify_ctx *c)
{
	const char *p = c->a->value;
	int commands = 0;
	bool more = true;
	while (more) {
		more = false;
		struct word w;
		int r = next_word(&p, &w);
		if (r == -ENOMEM)
			return r;
		if (r < 0) { /* in the executable itself systemd drops the line, even without '-' */
			warn(c, "Unbalanced quoting, ignoring: \"%s\"", c->a->value);
			return 0;
		}
		if (r == 0)
			break;
		if (!w.quoted && strcmp(w.text, ";") == 0) { /* an empty command */
			free(w.text);
			more = true;
			continue;
		}
		const char *f = w.text;
		bool ignore = false, argv0 = false, noenv = false, plus = false;
		int bangs = 0;
		for (;; f++) {
			if (*f == '-' && !ignore)
				ignore = true;
			else if (*f == '@' && !argv0)
				argv0 = true;
			else if (*f == ':' && !noenv)
				noenv = true;
			else if (*f == '+' && !plus && bangs == 0)
				plus = true;
			else if (*f == '!' && !plus && bangs < 2)
				bangs++;
			else
				break;
		}
		char *path = NULL;
		r = expand_or_report(c, f, ignore, &path);
		const char *why = NULL;
		if (r == 0) {
			if (!*path)
				why = "Empty path in command line";
			else if (!string_is_safe(path))
				why = "Executable name contains special characters";
			else if (path[strlen(path) - 1] == '/')
				why = "Executable path specifies a directory";
			else if (path[0] != '/' && !filename_is_valid(path))
				why = "Neither a valid executable name nor an absolute path";
		}
		if (why && ignore)
			warn(c, "%s, ignoring: %s", why, path);
		else if (why)
			r = fatal(c, "%s: %s", why, path);
		free(path);
		free(w.text);
		if (r < 0)
			return r;
		if (r > 0 || why)
			return 0; /* ignored: the whole line is dropped */
		/* the arguments, up to an unquoted ";" */
		int args = 0;
		for (;;) {
			r = next_word(&p, &w);
			if (r == -ENOMEM)
				return r;
			if (r < 0) {
				if (ignore)
					return 0;
				return fatal(c, "Unbalanced quoting: \"%s\"", c->a->value);
			}
			if (r == 0)
				break;
			if (!w.quoted && strcmp(w.text, ";") == 0) {
				free(w.text);
				more = true;
				break;
			}
			char *x = NULL;
			r = expand_or_report(c, w.text, ignore, &x);
			free(x);
			free(w.text);
			if (r < 0)
				return r;
			if (r > 0)
				return 0;
			args++;
		}
		if (argv0 && args == 0) {
			if (ignore) {
				warn(c, "Empty executable name or zeroeth argument, ignoring: %s", c->a->value);
				return 0;
			}
			return fatal(c, "Empty executable name or zeroeth argument: %s", c->a->value);
		}
		commands++;
	}
	return commands;
}

static int check_user_group(struct verify_ctx *c)
{
	if (!*c->a->value)
		return 0; /* resets */
	char *v = NULL;
	int r = expand_or_report(c, c->a->value, false, &v);
	if (r < 0)
		return r;
	r = user_group_name_ok(v) ? 0 : fatal(c, "Invalid user/group name or numeric ID: %s", v);
	free(v);
	return r;
}

/* SupplementaryGroups=: whitespace-separated, no unquoting (systemd keeps quotes in the names). */
static int check_user_group_list(struct verify_ctx *c)
{
	char *dup = strdup(c->a->value);
	if (!dup)
		return -ENOMEM;
	int r = 0;
	char *save = NULL;
	for (char *t = strtok_r(dup, WHITESPACE, &save); t && r == 0; t = strtok_r(NULL, WHITESPACE, &save)) {
		char *v = NULL;
		r = expand_or_report(c, t, false, &v);
		if (r == 0 && !user_group_name_ok(v))
			r = fatal(c, "Invalid user/group name or numeric ID: %s", v);
		free(v);
	}
	free(dup);
	return r;
}

/* WorkingDirectory=: "" resets, "-" prefix makes problems ignorable, "~" is the user's home. */
static int check_working_directory(struct verify_ctx *c)
{
	const char *v = c->a->value;
	bool ignore = *v == '-';
	v += ignore;
	if (!*c->a->value || strcmp(v, "~") == 0)
		return 0;
	char *x = NULL;
	int r = expand_or_report(c, v, ignore, &x);
	if (r != 0)
		return r < 0 ? r : 0;
	const char *why = path_problem(x);
	if (why)
		r = ignore ? (warn(c, "%s= %s, ignoring: %s", c->a->key, why, x), 0)
			   : fatal(c, "%s= %s: %s", c->a->key, why, x);
	free(x);
	return r;
}

/* RootDirectory=, RootImage=, RootVerity=: "" resets, otherwise an absolute normalized path. */
static int check_abs_path(struct verify_ctx *c)
{
	if (!*c->a->value)
		return 0;
	char *x = NULL;
	int r = expand_or_report(c, c->a->value, false, &x);
	if (r != 0)
		return r;
	const char *why = path_problem(x);
	if (why)
		r = fatal(c, "%s= %s: %s", c->a->key, why, x);
	free(x);
	return r;
}

/* SELinuxContext=, AppArmorProfile=, SmackProcessLabel=: only the specifiers can be fatal. */
static int check_label(struct verify_ctx *c)
{
	const char *v = c->a->value;
	bool ignore = *v == '-';
	if (!*v)
		return 0;
	char *x = NULL;
	int r = expand_or_report(c, v + ignore, ignore, &x);
	free(x);
	return r < 0 ? r : 0;
}

static int check_dynamic_user(struct verify_ctx *c)
{
	bool b;
	if (parse_boolean(c->a->value, &b))
		return 0;
	return fatal(c, "Failed to parse boolean value: %s", c->a->value);
}

/* Settings whose bad values make systemd 252 refuse the unit (each tried with systemd-analyze). */
static const struct fatal_setting {
	const char *key;
	int (*check)(struct verify_ctx *c);
} fatal_settings[] = {
	{ "User", check_user_group },
	{ "Group", check_user_group },
	{ "SupplementaryGroups", check_user_group_list },
	{ "WorkingDirectory", check_working_directory },
	{ "RootDirectory", check_abs_path },
	{ "RootImage", check_abs_path },
	{ "RootVerity", check_abs_path },
	{ "SELinuxContext", check_label },
	{ "AppArmorProfile", check_label },
	{ "SmackProcessLabel", check_label },
	{ "DynamicUser", check_dynamic_user },
};

/* Command-line settings per unit type (section = the type's own section). */
static const struct exec_setting {
	const char *type, *key;
} exec_settings[] = {
	{ "service", "ExecCondition" }, { "service", "ExecStartPre" }, { "service", "ExecStart" },
	{ "service", "ExecStartPost" }, { "service", "ExecReload" },   { "service", "ExecStop" },
	{ "service", "ExecStopPost" },  { "socket", "ExecStartPre" },  { "socket", "ExecStartPost" },
	{ "socket", "ExecStopPre" },    { "socket", "ExecStopPost" },
};

/* The unit types that have an execution context (User=, WorkingDirectory= ...) and its section. */
static const struct exec_type {
	const char *type, *section;
} exec_types[] = {
	{ "service", "Service" }, { "socket", "Socket" }, { "mount", "Mount" }, { "swap", "Swap" },
};

/* ---- service_verify() -------------------------------------------------------------------------------- */

/* What service_verify() looks at, folded over the assignments in order. */
struct service_state {
	int exec_start;    /* commands in ExecStart= */
	int exec_stop;
	const char *type;  /* NULL = not set: oneshot without ExecStart=, else simple */
	bool remain_after_exit;
	const char *restart;
	const char *exit_type;
	bool bus_name;
	bool pam;
	const char *kill_mode;
	bool success_action;
};

static bool one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return false;
}

static const char *const service_types[] = { "simple", "exec", "forking", "oneshot", "dbus", "notify", "idle", NULL };
static const char *const restart_values[] = { "no", "on-success", "on-failure", "on-abnormal", "on-watchdog",
					      "on-abort", "always", NULL };
static const char *const kill_modes[] = { "control-group", "process", "mixed", "none", NULL };
static const char *const exit_types[] = { "main", "cgroup", NULL };
static const char *const emergency_actions[] = { "none", "reboot", "reboot-force", "reboot-immediate", "poweroff",
						 "poweroff-force", "poweroff-immediate", "exit", "exit-force",
						 "kexec", "kexec-force", "halt", "halt-force", "halt-immediate", NULL };

/* A D-Bus name as systemd checks it for BusName= (well-known name: dot-separated elements). */
static bool bus_name_ok(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 255 || !strchr(v, '.') || v[0] == '.' || v[n - 1] == '.' || strstr(v, ".."))
		return false;
	for (const char *c = v; *c; c++) {
		bool first = c == v || c[-1] == '.';
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' || *c == '-' || *c == '.' ||
		      (!first && *c >= '0' && *c <= '9')))
			return false;
	}
	return true;
}

static void fold_service(struct service_state *s, const struct hd_unit_assignment *a, int commands)
{
	const char *k = a->key, *v = a->value;
	if (strcmp(a->section, "Unit") == 0) {
		if (strcmp(k, "SuccessAction") == 0 && (!*v || one_of(v, emergency_actions)))
			s->success_action = *v && strcmp(v, "none") != 0;
		return;
	}
	if (strcmp(a->section, "Service") != 0)
		return;
	bool b;
	if (strcmp(k, "ExecStart") == 0)
		s->exec_start = *v ? s->exec_start + commands : 0;
	else if (strcmp(k, "ExecStop") == 0)
		s->exec_stop = *v ? s->exec_stop + commands : 0;
	else if (strcmp(k, "Type") == 0 && one_of(v, service_types))
		s->type = v; /* invalid values, the empty one too, are ignored */
	else if (strcmp(k, "Restart") == 0 && one_of(v, restart_values))
		s->restart = v;
	else if (strcmp(k, "ExitType") == 0 && one_of(v, exit_types))
		s->exit_type = v;
	else if (strcmp(k, "RemainAfterExit") == 0 && parse_boolean(v, &b))
		s->remain_after_exit = b;
	else if (strcmp(k, "BusName") == 0 && bus_name_ok(v))
		s->bus_name = true;
	else if (strcmp(k, "PAMName") == 0)
		s->pam = *v != '\0';
	else if (strcmp(k, "KillMode") == 0 && (!*v || one_of(v, kill_modes)))
		s->kill_mode = *v ? v : NULL;
}

static int refuse(const struct hd_unit *u, hd_diags *diags, const char *why)
{
	hd_diag_add(diags, HD_ERROR, NULL, 0, "%s: Service %s Refusing.", u->name, why);
	return -ENOEXEC;
}

static int service_verify(const struct hd_unit *u, const struct service_state *s, hd_diags *diags)
{
	const char *type = s->type ? s->type : s->exec_start ? "simple" : "oneshot";
	bool oneshot = strcmp(type, "oneshot") == 0;
	if (!s->exec_start && !s->exec_stop && !s->success_action)
		return refuse(u, diags, "has no ExecStart=, ExecStop=, or SuccessAction=.");
	if (!oneshot && !s->exec_start)
		return refuse(u, diags, "has no ExecStart= setting, which is only allowed for Type=oneshot services.");
	if (!s->remain_after_exit && !s->exec_start && !s->success_action)
		return refuse(u, diags, "has no ExecStart= and no SuccessAction= settings and does not have "
					"RemainAfterExit=yes set.");
	if (!oneshot && s->exec_start > 1)
		return refuse(u, diags, "has more than one ExecStart= setting, which is only allowed for Type=oneshot "
					"services.");
	if (oneshot && s->restart && (strcmp(s->restart, "always") == 0 || strcmp(s->restart, "on-success") == 0))
		return refuse(u, diags, "has Restart= set to either always or on-success, which isn't allowed for "
					"Type=oneshot services.");
	if (oneshot && s->exit_type && strcmp(s->exit_type, "cgroup") == 0)
		return refuse(u, diags, "has ExitType=cgroup set, which isn't allowed for Type=oneshot services.");
	if (strcmp(type, "dbus") == 0 && !s->bus_name)
		return refuse(u, diags, "is of type D-Bus but no D-Bus service name has been specified.");
	if (s->pam && s->kill_mode && strcmp(s->kill_mode, "control-group") != 0 && strcmp(s->kill_mode, "mixed") != 0)
		return refuse(u, diags, "has PAM enabled. Kill mode must be set to 'control-group' or 'mixed'.");
	return 0;
}

int hd_unit_verify(const struct hd_unit *u, hd_diags *diags)
{
	if (!u || !u->name || !diags)
		return -EINVAL;
	const char *dot = strrchr(u->name, '.');
	const char *type = dot ? dot + 1 : "";
	const char *exec_section = NULL;
	for (size_t i = 0; i < sizeof(exec_types) / sizeof(exec_types[0]); i++)
		if (strcmp(type, exec_types[i].type) == 0)
			exec_section = exec_types[i].section;
	if (!exec_section)
		return 0;
	struct service_state st = { 0 };
	struct verify_ctx c = { .u = u, .diags = diags };
	for (size_t i = 0; i < u->n; i++) {
		c.a = &u->v[i];
		int commands = 0;
		if (strcmp(c.a->section, exec_section) == 0) {
			for (size_t j = 0; j < sizeof(exec_settings) / sizeof(exec_settings[0]); j++)
				if (strcmp(type, exec_settings[j].type) == 0 && strcmp(c.a->key, exec_settings[j].key) == 0) {
					commands = check_exec(&c);
					if (commands < 0)
						return commands;
				}
			for (size_t j = 0; j < sizeof(fatal_settings) / sizeof(fatal_settings[0]); j++)
				if (strcmp(c.a->key, fatal_settings[j].key) == 0) {
					int r = fatal_settings[j].check(&c);
					if (r < 0)
						return r;
				}
		}
		fold_service(&st, c.a, commands);
	}
	return strcmp(type, "service") == 0 ? service_verify(u, &st, diags) : 0;
}
