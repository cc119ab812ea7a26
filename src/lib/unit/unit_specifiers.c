/* SPDX-License-Identifier: MIT */
/*
 * systemd's unit-file specifiers (%n, %i, %h ...), as systemd 252 resolves them when
 * `systemd-analyze --offline=true` loads a unit: the values were compared one by one with what
 * systemd-analyze puts into a unit's Description= (tests/unit/test_unit.c does so again). Offline
 * there is no cgroup, so %r and %R are empty and %c is "/" + the unit name.
 */
#include <errno.h>
#include <pwd.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "unit/unit.h"

typedef int (*specifier_fn)(const struct hd_unit *u, const char *arg, char **ret);

/* -- the unit's own name ------------------------------------------------------------------------ */

static const char *name_dot(const struct hd_unit *u)
{
	return strrchr(u->name, '.');
}

static char *unit_prefix(const struct hd_unit *u)
{
	const char *at = strchr(u->name, '@');
	const char *end = at ? at : name_dot(u);
	return strndup(u->name, (size_t)(end - u->name));
}

static char *unit_instance(const struct hd_unit *u)
{
	const char *at = strchr(u->name, '@');
	return at ? strndup(at + 1, (size_t)(name_dot(u) - at - 1)) : strdup("");
}

static int unhex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* systemd's unit_name_unescape(): "\xNN" -> byte, '-' -> '/'. */
static int name_unescape(const char *s, char **ret)
{
	char *out = malloc(strlen(s) + 1), *t = out;
	if (!out)
		return -ENOMEM;
	for (; *s; s++) {
		if (*s == '-')
			*t++ = '/';
		else if (*s == '\\') {
			int a, b;
			if (s[1] != 'x' || (a = unhex(s[2])) < 0 || (b = unhex(s[3])) < 0) {
				free(out);
				return -EINVAL;
			}
			*t++ = (char)((a << 4) | b);
			s += 3;
		} else
			*t++ = *s;
	}
	*t = '\0';
	*ret = out;
	return 0;
}

static bool path_normalized(const char *p)
{
	if (strstr(p, "//"))
		return false;
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
		c += *c == '/';
	}
	return true;
}

/* systemd's unit_name_path_unescape(): "-" is "/", otherwise "/" + unescaped, which must not start or
 * end with "/" and must be a normalized path. */
static int path_unescape(const char *s, char **ret)
{
	if (!*s)
		return -EINVAL;
	if (strcmp(s, "-") == 0)
		return (*ret = strdup("/")) ? 0 : -ENOMEM;
	char *w = NULL;
	int r = name_unescape(s, &w);
	if (r < 0)
		return r;
	size_t n = strlen(w);
	if (n == 0 || w[0] == '/' || w[n - 1] == '/') {
		free(w);
		return -EINVAL;
	}
	char *p = NULL;
	r = asprintf(&p, "/%s", w);
	free(w);
	if (r < 0)
		return -ENOMEM;
	if (!path_normalized(p)) {
		free(p);
		return -EINVAL;
	}
	*ret = p;
	return 0;
}

static int spec_name(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)arg;
	return (*ret = strdup(u->name)) ? 0 : -ENOMEM;
}

static int spec_name_no_suffix(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)arg;
	return (*ret = strndup(u->name, (size_t)(name_dot(u) - u->name))) ? 0 : -ENOMEM;
}

static int spec_prefix(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)arg;
	return (*ret = unit_prefix(u)) ? 0 : -ENOMEM;
}

static int spec_prefix_unescaped(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)arg;
	char *p = unit_prefix(u);
	if (!p)
		return -ENOMEM;
	int r = name_unescape(p, ret);
	free(p);
	return r;
}

static int spec_instance(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)arg;
	return (*ret = unit_instance(u)) ? 0 : -ENOMEM;
}

static int spec_instance_unescaped(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)arg;
	char *i = unit_instance(u);
	if (!i)
		return -ENOMEM;
	int r = name_unescape(i, ret);
	free(i);
	return r;
}

/* %j: the last dash-separated component of the prefix (the whole prefix if it has no dash). */
static int spec_last_component(const struct hd_unit *u, const char *arg, char **ret)
{
	char *p = unit_prefix(u);
	if (!p)
		return -ENOMEM;
	const char *dash = strrchr(p, '-');
	char *c = strdup(dash ? dash + 1 : p);
	free(p);
	if (!c)
		return -ENOMEM;
	if (!arg) {
		*ret = c;
		return 0;
	}
	int r = name_unescape(c, ret); /* %J */
	free(c);
	return r;
}

/* %f: "/" + the unescaped instance, or of the prefix when there is no instance. */
static int spec_filename(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)arg;
	char *s = strchr(u->name, '@') ? unit_instance(u) : unit_prefix(u);
	if (!s)
		return -ENOMEM;
	int r = path_unescape(s, ret);
	free(s);
	return r;
}

static int spec_fragment(const struct hd_unit *u, const char *arg, char **ret)
{
	const char *p = u->path ? u->path : "";
	if (!arg)
		return (*ret = strdup(p)) ? 0 : -ENOMEM;
	const char *slash = strrchr(p, '/'); /* %Y: the directory */
	if (!slash)
		return (*ret = strdup("")) ? 0 : -ENOMEM;
	return (*ret = strndup(p, slash == p ? 1 : (size_t)(slash - p))) ? 0 : -ENOMEM;
}

/* %c: offline there is no slice, the cgroup is "/" + the unit name. */
static int spec_cgroup(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)arg;
	return asprintf(ret, "/%s", u->name) < 0 ? -ENOMEM : 0;
}

static int spec_credentials(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)arg;
	return asprintf(ret, "/run/credentials/%s", u->name) < 0 ? -ENOMEM : 0;
}

/* -- fixed strings and the directories of the system manager ------------------------------------ */

static int spec_string(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)u;
	return (*ret = strdup(arg)) ? 0 : -ENOMEM;
}

/* %T and %V: $TMPDIR, $TEMP or $TMP if one is an absolute, normalized path to a directory. */
static int spec_tmp(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)u;
	static const char *const vars[] = { "TMPDIR", "TEMP", "TMP" };
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *e = getenv(vars[i]);
		struct stat st;
		if (e && e[0] == '/' && path_normalized(e) && stat(e, &st) == 0 && S_ISDIR(st.st_mode))
			return (*ret = strdup(e)) ? 0 : -ENOMEM;
	}
	return (*ret = strdup(arg)) ? 0 : -ENOMEM;
}

/* -- the user running the manager (root for the system manager) --------------------------------- */

static int spec_user(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)u;
	uid_t uid = getuid();
	gid_t gid = getgid();
	switch (arg[0]) {
	case 'U':
		return asprintf(ret, "%u", (unsigned)uid) < 0 ? -ENOMEM : 0;
	case 'G':
		return asprintf(ret, "%u", (unsigned)gid) < 0 ? -ENOMEM : 0;
	case 'g': {
		struct group *g = getgrgid(gid);
		if (g)
			return (*ret = strdup(g->gr_name)) ? 0 : -ENOMEM;
		return asprintf(ret, "%u", (unsigned)gid) < 0 ? -ENOMEM : 0;
	}
	default:
		break;
	}
	struct passwd *pw = getpwuid(uid);
	if (arg[0] == 'u') {
		if (pw)
			return (*ret = strdup(pw->pw_name)) ? 0 : -ENOMEM;
		return asprintf(ret, "%u", (unsigned)uid) < 0 ? -ENOMEM : 0;
	}
	if (!pw)
		return -ESRCH;
	return (*ret = strdup(arg[0] == 'h' ? pw->pw_dir : pw->pw_shell)) ? 0 : -ENOMEM;
}

/* -- facts about the host ------------------------------------------------------------------------ */

/* First line of a small file, trimmed; NULL if unreadable. */
static char *read_first_line(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char buf[4096];
	char *r = fgets(buf, sizeof(buf), f) ? strdup(buf) : NULL;
	fclose(f);
	if (r)
		r[strcspn(r, "\r\n")] = '\0';
	return r;
}

/* The value of KEY in an env-style file (os-release, machine-info): quotes and backslashes removed. */
static char *env_file_value(const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char line[4096];
	char *val = NULL;
	size_t kl = strlen(key);
	while (!val && fgets(line, sizeof(line), f)) {
		char *l = line + strspn(line, " \t");
		if (strncmp(l, key, kl) != 0 || l[kl] != '=')
			continue;
		char *v = l + kl + 1, *o;
		v[strcspn(v, "\r\n")] = '\0';
		val = o = malloc(strlen(v) + 1);
		if (!val)
			break;
		char quote = 0;
		for (; *v; v++) {
			if (quote ? *v == quote : (*v == '"' || *v == '\'')) {
				quote = quote ? 0 : *v;
				continue;
			}
			if (*v == '\\' && v[1] && quote != '\'')
				v++;
			*o++ = *v;
		}
		*o = '\0';
	}
	fclose(f);
	return val;
}

static int spec_os_release(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)u;
	char *v = env_file_value("/etc/os-release", arg);
	if (!v && access("/etc/os-release", F_OK) != 0)
		v = env_file_value("/usr/lib/os-release", arg);
	*ret = v ? v : strdup("");
	return *ret ? 0 : -ENOMEM;
}

static int spec_hostname(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)u;
	if (arg[0] == 'q') { /* the pretty hostname, falling back to the plain one */
		char *p = env_file_value("/etc/machine-info", "PRETTY_HOSTNAME");
		if (p && *p) {
			*ret = p;
			return 0;
		}
		free(p);
	}
	char h[256] = "";
	if (gethostname(h, sizeof(h) - 1) < 0)
		return -errno;
	if (arg[0] == 'l')
		h[strcspn(h, ".")] = '\0';
	return (*ret = strdup(h)) ? 0 : -ENOMEM;
}

/* %m and %b: a 128-bit id as 32 hex digits without dashes. */
static int spec_id128(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)u;
	char *l = read_first_line(arg);
	if (!l)
		return -ENOMEDIUM;
	char *o = l;
	for (const char *c = l; *c; c++)
		if (*c != '-')
			*o++ = *c;
	*o = '\0';
	if (strlen(l) != 32) {
		free(l);
		return -EINVAL;
	}
	*ret = l;
	return 0;
}

static int spec_kernel_release(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)u;
	(void)arg;
	struct utsname un;
	if (uname(&un) < 0)
		return -errno;
	return (*ret = strdup(un.release)) ? 0 : -ENOMEM;
}

/* systemd's architecture names differ from the kernel's machine names. */
static const struct {
	const char *machine, *systemd;
} arch_names[] = {
	{ "x86_64", "x86-64" }, { "i386", "x86" },       { "i486", "x86" },     { "i586", "x86" },
	{ "i686", "x86" },      { "aarch64", "arm64" },  { "aarch64_be", "arm64-be" },
	{ "armv7l", "arm" },    { "armv6l", "arm" },     { "ppc64le", "ppc64-le" },
	{ "ppc64", "ppc64" },   { "s390x", "s390x" },    { "riscv64", "riscv64" },
	{ "loongarch64", "loongarch64" }, { "mips64", "mips64" },
};

static int spec_architecture(const struct hd_unit *u, const char *arg, char **ret)
{
	(void)u;
	(void)arg;
	struct utsname un;
	if (uname(&un) < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(arch_names) / sizeof(arch_names[0]); i++)
		if (strcmp(un.machine, arch_names[i].machine) == 0)
			return (*ret = strdup(arch_names[i].systemd)) ? 0 : -ENOMEM;
	return (*ret = strdup(un.machine)) ? 0 : -ENOMEM;
}

/* -- the table ----------------------------------------------------------------------------------- */

static const struct specifier {
	char letter;
	specifier_fn fn;
	const char *arg;
	const char *meaning; /* for --help / explain */
} specifiers[] = {
	{ 'a', spec_architecture, NULL, "architecture (x86-64, arm64, ...)" },
	{ 'A', spec_os_release, "IMAGE_VERSION", "os-release IMAGE_VERSION" },
	{ 'b', spec_id128, "/proc/sys/kernel/random/boot_id", "boot id" },
	{ 'B', spec_os_release, "BUILD_ID", "os-release BUILD_ID" },
	{ 'c', spec_cgroup, NULL, "control group of the unit (offline: /NAME)" },
	{ 'C', spec_string, "/var/cache", "cache directory root" },
	{ 'd', spec_credentials, NULL, "credentials directory" },
	{ 'E', spec_string, "/etc", "configuration directory root" },
	{ 'f', spec_filename, NULL, "unescaped file name: / + instance or prefix" },
	{ 'g', spec_user, "g", "group of the service manager" },
	{ 'G', spec_user, "G", "gid of the service manager" },
	{ 'h', spec_user, "h", "home of the service manager's user" },
	{ 'H', spec_hostname, "H", "host name" },
	{ 'i', spec_instance, NULL, "instance (escaped)" },
	{ 'I', spec_instance_unescaped, NULL, "instance (unescaped)" },
	{ 'j', spec_last_component, NULL, "last dash-separated part of the prefix (escaped)" },
	{ 'J', spec_last_component, "unescape", "last dash-separated part of the prefix (unescaped)" },
	{ 'l', spec_hostname, "l", "short host name" },
	{ 'L', spec_string, "/var/log", "log directory root" },
	{ 'm', spec_id128, "/etc/machine-id", "machine id" },
	{ 'M', spec_os_release, "IMAGE_ID", "os-release IMAGE_ID" },
	{ 'n', spec_name, NULL, "full unit name" },
	{ 'N', spec_name_no_suffix, NULL, "unit name without the type suffix" },
	{ 'o', spec_os_release, "ID", "os-release ID" },
	{ 'p', spec_prefix, NULL, "prefix (escaped)" },
	{ 'P', spec_prefix_unescaped, NULL, "prefix (unescaped)" },
	{ 'q', spec_hostname, "q", "pretty host name" },
	{ 'r', spec_string, "", "root control group of the manager (offline: empty)" },
	{ 'R', spec_string, "", "root control group (offline: empty)" },
	{ 's', spec_user, "s", "shell of the service manager's user" },
	{ 'S', spec_string, "/var/lib", "state directory root" },
	{ 't', spec_string, "/run", "runtime directory root" },
	{ 'T', spec_tmp, "/tmp", "temporary directory" },
	{ 'u', spec_user, "u", "user of the service manager" },
	{ 'U', spec_user, "U", "uid of the service manager" },
	{ 'v', spec_kernel_release, NULL, "kernel release" },
	{ 'V', spec_tmp, "/var/tmp", "directory for larger, persistent temporary files" },
	{ 'w', spec_os_release, "VERSION_ID", "os-release VERSION_ID" },
	{ 'W', spec_os_release, "VARIANT_ID", "os-release VARIANT_ID" },
	{ 'y', spec_fragment, NULL, "path of the unit file" },
	{ 'Y', spec_fragment, "dir", "directory of the unit file" },
};

/* Bound on an expanded value: systemd's own bound on a logical line. */
#define EXPANDED_MAX HD_UNIT_LINE_MAX

/* bad: set to the letter of the specifier that failed (0 if none did) */
static int expand(const struct hd_unit *u, const char *value, char **out, char *bad)
{
	*bad = 0;
	if (!u || !u->name || !strrchr(u->name, '.') || !value || !out)
		return -EINVAL;
	size_t cap = strlen(value) + 64, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	int r = 0;
	for (const char *p = value; *p; p++) {
		char *piece = NULL;
		char lit[3] = { 0 };
		const char *add;
		if (*p != '%' || p[1] == '\0') {
			lit[0] = *p; /* a lone '%' at the end is kept */
			add = lit;
		} else if (p[1] == '%') {
			add = "%";
			p++;
		} else {
			const struct specifier *s = NULL;
			for (size_t i = 0; i < sizeof(specifiers) / sizeof(specifiers[0]); i++)
				if (specifiers[i].letter == p[1])
					s = &specifiers[i];
			if (s) {
				r = s->fn(u, s->arg, &piece);
				if (r < 0) {
					*bad = p[1];
					break;
				}
				add = piece;
			} else if ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z') ||
				   (p[1] >= '0' && p[1] <= '9')) {
				r = -EBADSLT; /* systemd reserves every letter and digit */
				*bad = p[1];
				break;
			} else {
				lit[0] = '%';
				lit[1] = p[1];
				add = lit;
			}
			p++;
		}
		size_t al = strlen(add);
		if (n + al >= EXPANDED_MAX) {
			free(piece);
			r = -ENOBUFS;
			break;
		}
		if (n + al + 1 > cap) {
			size_t nc = (n + al + 1) * 2;
			char *nb = realloc(buf, nc);
			if (!nb) {
				free(piece);
				r = -ENOMEM;
				break;
			}
			buf = nb;
			cap = nc;
		}
		memcpy(buf + n, add, al);
		n += al;
		free(piece);
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

int hd_unit_expand_specifiers(const struct hd_unit *u, const char *value, char **out)
{
	char bad;
	return expand(u, value, out, &bad);
}

int hd_unit_expand_specifiers_why(const struct hd_unit *u, const char *value, char **out, char *why, size_t why_len)
{
	char bad;
	int r = expand(u, value, out, &bad);
	if (r < 0 && r != -ENOMEM && why && why_len) {
		/* the codes are the library's own (-EBADSLT is systemd's): their strerror says nothing
		 * ("Invalid slot"), so the reason is written out */
		const char *reason = r == -EBADSLT    ? "no such specifier"
				     : r == -ENOMEDIUM ? "the file it is read from is missing or malformed"
				     : r == -ESRCH     ? "the user has no passwd entry"
				     : r == -ENOBUFS   ? "the expanded value is too long"
						       : "its value is malformed on this host";
		if (bad)
			snprintf(why, why_len, "specifier %%%c cannot be resolved in '%s': %s", bad, value, reason);
		else
			snprintf(why, why_len, "specifiers cannot be resolved in '%s': %s", value, reason);
	}
	return r;
}

const char *hd_unit_specifier_describe(char letter)
{
	if (letter == '%')
		return "a literal %";
	for (size_t i = 0; i < sizeof(specifiers) / sizeof(specifiers[0]); i++)
		if (specifiers[i].letter == letter)
			return specifiers[i].meaning;
	return NULL;
}
