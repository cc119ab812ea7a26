/* SPDX-License-Identifier: MIT */
/*
 * Unit-file reader. Reproduces the behaviour of systemd 252's conf-parser (checked against
 * `systemd-analyze security --offline=true` on this machine, see tests/unit/test_unit.c):
 *
 *  - Lines end at '\n', '\r' or NUL. A run of *different* end-of-line bytes is one line end
 *    ("\r\n" and "\n\r" are one, "\n\n" is two), and a NUL always ends the run (systemd's read_line).
 *  - A line of HD_UNIT_LINE_MAX bytes or more, or a continued line longer than that: fatal.
 *  - Comment lines ('#' or ';' after leading whitespace) are skipped before anything else, so they
 *    vanish even inside a continuation. A UTF-8 byte-order mark is removed from the first line that
 *    has one, *after* the comment test (a BOM-prefixed comment is therefore not a comment).
 *  - A line ending in an odd number of backslashes continues: that backslash becomes a space and the
 *    next physical line is appended as is. An empty line ends the continuation.
 *  - Each logical line is trimmed; invalid UTF-8 anywhere in it is fatal (-EINVAL), even in sections
 *    that are ignored; "[...]" without the closing bracket at the end is fatal (-EBADMSG).
 *  - Unknown sections warn (X- sections do not) and everything in them is dropped silently.
 *  - Assignments outside any section, lines without '=', and "=value" warn and are dropped.
 */
#include "unit/unit.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "syscalls/groups.h"
#include "util/utf8.h"

#define WHITESPACE " \t\n\r"
#define COMMENT_CHARS "#;"
#define UTF8_BOM "\xef\xbb\xbf"
/* systemd: UNIT_NAME_MAX is 256 including the NUL. */
#define UNIT_NAME_MAX 256
/* Characters systemd allows in unit names (besides the one '@' and the type suffix dot). */
#define UNIT_NAME_CHARS "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ:-_.\\"
/* Drop-in directories considered per search directory and name are few; bound them anyway. */
#define DROPIN_FILES_MAX 4096

/* ---- tables ------------------------------------------------------------------------------------ */

/* Unit types and the type-specific section systemd 252 accepts for each ("Unit" and "Install" are
 * accepted for every type). A unit of type device has a [Device] section in the vtable, too. */
static const struct unit_type {
	const char *suffix;
	const char *section;
} unit_types[] = {
	{ "service", "Service" },     { "socket", "Socket" }, { "target", "Target" },
	{ "device", "Device" },       { "mount", "Mount" },   { "automount", "Automount" },
	{ "swap", "Swap" },           { "timer", "Timer" },   { "path", "Path" },
	{ "slice", "Slice" },         { "scope", "Scope" },
};

/* The system unit search path, highest priority first, as `systemd-analyze unit-paths` prints it on
 * Debian 12 (systemd 252 is built with split-usr there, hence /lib/systemd/system). In offline mode
 * systemd-analyze puts the directory of the unit file in front, and replaces the transient and
 * generator directories by empty temporary ones, so they never contribute drop-ins: they are left
 * out here. */
static const char *const search_path_252[] = {
	"/etc/systemd/system.control",
	"/run/systemd/system.control",
	"/etc/systemd/system",
	"/etc/systemd/system.attached",
	"/run/systemd/system",
	"/run/systemd/system.attached",
	"/usr/local/lib/systemd/system",
	"/lib/systemd/system",
	"/usr/lib/systemd/system",
	NULL,
};
/* Current systemd dropped split-usr: /lib/systemd/system is no longer searched. */
static const char *const search_path_latest[] = {
	"/etc/systemd/system.control",
	"/run/systemd/system.control",
	"/etc/systemd/system",
	"/etc/systemd/system.attached",
	"/run/systemd/system",
	"/run/systemd/system.attached",
	"/usr/local/lib/systemd/system",
	"/usr/lib/systemd/system",
	NULL,
};

/* The instance systemd-analyze gives a template unit in offline mode. */
static const char *default_instance(int sdver)
{
	return sdver < HD_SD_TEST_INSTANCE ? "i" : "test_instance";
}

/* ---- small helpers ------------------------------------------------------------------------------ */

static char *strip(char *s)
{
	s += strspn(s, WHITESPACE);
	size_t n = strlen(s);
	while (n > 0 && strchr(WHITESPACE, s[n - 1]))
		s[--n] = '\0';
	return s;
}

static const struct unit_type *unit_type_of(const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;
	if (!dot)
		return NULL;
	for (size_t i = 0; i < sizeof(unit_types) / sizeof(unit_types[0]); i++)
		if (strcmp(dot + 1, unit_types[i].suffix) == 0)
			return &unit_types[i];
	return NULL;
}

/* A copy of s fit for a diagnostic: invalid UTF-8 and control bytes as \xNN, at most max bytes. */
static char *printable(const char *s, size_t max)
{
	size_t n = strlen(s);
	char *out = malloc(max * 4 + 8);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n && o < max * 4;) {
		const unsigned char *c = (const unsigned char *)s + i;
		size_t l = hd_utf8_char_len(c, n - i);
		if (l == 1 && c[0] >= 0x20 && c[0] != 0x7f) {
			out[o++] = (char)c[0];
		} else if (l > 1) {
			memcpy(out + o, c, l);
			o += l;
		} else {
			o += (size_t)sprintf(out + o, "\\x%02x", c[0]);
			l = 1;
		}
		i += l;
		if (i < n && o >= max) {
			strcpy(out + o, "...");
			return out;
		}
	}
	out[o] = '\0';
	return out;
}

/* systemd's string_is_safe(): no control characters, quotes, backslash or DEL. */
static bool string_is_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f || strchr("\"'\\", *s))
			return false;
	return true;
}

/* ---- parser ------------------------------------------------------------------------------------- */

static int push_assignment(struct hd_unit *u, const char *section, const char *key, const char *value,
			   const char *file, unsigned first, unsigned last)
{
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 32;
		struct hd_unit_assignment *v = realloc(u->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		u->v = v;
		u->cap = cap;
	}
	struct hd_unit_assignment a = {
		.section = strdup(section),
		.key = strdup(key),
		.value = strdup(value),
		.file = strdup(file ? file : ""),
		.line = first,
		.line_last = last,
	};
	if (!a.section || !a.key || !a.value || !a.file) {
		free(a.section);
		free(a.key);
		free(a.value);
		free(a.file);
		return -ENOMEM;
	}
	u->v[u->n++] = a;
	return 0;
}

struct parse_state {
	struct hd_unit *u;
	const struct unit_type *type;
	const char *file;
	hd_diags *diags;
	char *section;        /* current known section, NULL outside or in an ignored one */
	bool section_ignored; /* inside an unknown (or X-) section: drop its lines silently */
};

static bool section_known(const struct parse_state *ps, const char *name)
{
	return strcmp(name, "Unit") == 0 || strcmp(name, "Install") == 0 ||
	       strcmp(name, ps->type->section) == 0;
}

/* One logical line (continuations joined), modified in place. */
static int parse_logical_line(struct parse_state *ps, char *l, unsigned first, unsigned last)
{
	l = strip(l);
	if (*l == '\0')
		return 0;
	if (!hd_utf8_is_valid(l)) {
		char *p = printable(l, 200);
		hd_diag_add(ps->diags, HD_ERROR, ps->file, last,
			    "String is not UTF-8 clean, ignoring assignment: %s (systemd then refuses the unit)",
			    p ? p : "");
		free(p);
		return -EINVAL;
	}
	if (*l == '[') {
		size_t n = strlen(l);
		if (l[n - 1] != ']') {
			char *p = printable(l, 200);
			hd_diag_add(ps->diags, HD_ERROR, ps->file, last, "Invalid section header '%s'", p ? p : "");
			free(p);
			return -EBADMSG;
		}
		l[n - 1] = '\0';
		const char *name = l + 1;
		if (!string_is_safe(name)) {
			char *p = printable(name, 200);
			hd_diag_add(ps->diags, HD_ERROR, ps->file, last, "Bad characters in section header '[%s]'", p ? p : "");
			free(p);
			return -EBADMSG;
		}
		free(ps->section);
		ps->section = NULL;
		if (!section_known(ps, name)) {
			ps->section_ignored = true;
			if (strncmp(name, "X-", 2) != 0)
				hd_diag_add(ps->diags, HD_WARNING, ps->file, last, "Unknown section '%s'. Ignoring.", name);
			return 0;
		}
		ps->section_ignored = false;
		ps->section = strdup(name);
		return ps->section ? 0 : -ENOMEM;
	}
	if (!ps->section) {
		if (!ps->section_ignored)
			hd_diag_add(ps->diags, HD_WARNING, ps->file, last, "Assignment outside of section. Ignoring.");
		return 0;
	}
	char *eq = strchr(l, '=');
	if (!eq) {
		hd_diag_add(ps->diags, HD_WARNING, ps->file, last, "Missing '=', ignoring line.");
		return 0;
	}
	if (eq == l) {
		hd_diag_add(ps->diags, HD_WARNING, ps->file, last, "Missing key name before '=', ignoring line.");
		return 0;
	}
	*eq = '\0';
	return push_assignment(ps->u, ps->section, strip(l), strip(eq + 1), ps->file, first, last);
}

/* End-of-line bytes as systemd's read_line() classifies them (bit flags). */
enum { EOL_NONE = 0, EOL_LF = 1, EOL_CR = 2, EOL_NUL = 4 };

static int eol_kind(char c)
{
	return c == '\n' ? EOL_LF : c == '\r' ? EOL_CR : c == '\0' ? EOL_NUL : EOL_NONE;
}

/* Find the physical line at text[pos]: its length, and where the next one starts. */
static void next_physical_line(const char *text, size_t len, size_t pos, size_t *line_len, size_t *next)
{
	size_t i = pos;
	while (i < len && eol_kind(text[i]) == EOL_NONE)
		i++;
	*line_len = i - pos;
	int seen = EOL_NONE;
	while (i < len) {
		int k = eol_kind(text[i]);
		/* after a NUL, a non-EOL byte, or a repeated kind of EOL byte: the next line begins */
		if ((seen & EOL_NUL) || k == EOL_NONE || (seen & k))
			break;
		seen |= k;
		i++;
	}
	*next = i;
}

int hd_unit_parse_text(struct hd_unit *u, const char *text, size_t len, const char *filename, hd_diags *diags)
{
	if (!u || (!text && len > 0) || !diags)
		return -EINVAL;
	static const struct unit_type service = { "service", "Service" };
	struct parse_state ps = {
		.u = u,
		.type = u->name && unit_type_of(u->name) ? unit_type_of(u->name) : &service,
		.file = filename,
		.diags = diags,
	};
	char *buf = NULL;         /* the current physical line, NUL-terminated */
	char *cont = NULL;        /* the logical line being continued */
	size_t cont_len = 0;
	unsigned cont_first = 0;  /* line where the continuation began */
	bool bom_seen = false;
	unsigned line = 0;
	int r = 0;

	for (size_t pos = 0; pos < len;) {
		size_t ll, next;
		next_physical_line(text, len, pos, &ll, &next);
		line++;
		if (ll >= HD_UNIT_LINE_MAX) {
			hd_diag_add(diags, HD_ERROR, filename, line,
				    "Line too long (%zu bytes; systemd refuses lines of %u bytes or more)", ll,
				    HD_UNIT_LINE_MAX);
			r = -ENOBUFS;
			goto out;
		}
		free(buf);
		buf = strndup(text + pos, ll);
		pos = next;
		if (!buf) {
			r = -ENOMEM;
			goto out;
		}
		const char *first = buf + strspn(buf, WHITESPACE);
		if (*first && strchr(COMMENT_CHARS, *first))
			continue; /* comments vanish, even in the middle of a continuation */
		char *l = buf;
		if (!bom_seen && strncmp(buf, UTF8_BOM, 3) == 0) {
			l += 3;
			bom_seen = true;
		}
		size_t lsz = strlen(l);
		/* Odd number of trailing backslashes continues the line. What came before in a continuation
		 * always ends unescaped (its backslash became a space), so scanning l alone is enough. */
		bool escaped = false;
		for (size_t i = 0; i < lsz; i++)
			escaped = escaped ? false : l[i] == '\\';
		if (cont) {
			if (cont_len + lsz > HD_UNIT_LINE_MAX) {
				hd_diag_add(diags, HD_ERROR, filename, line,
					    "Continuation line too long (more than %u bytes)", HD_UNIT_LINE_MAX);
				r = -ENOBUFS;
				goto out;
			}
			char *n = realloc(cont, cont_len + lsz + 1);
			if (!n) {
				r = -ENOMEM;
				goto out;
			}
			cont = n;
			memcpy(cont + cont_len, l, lsz + 1);
			cont_len += lsz;
		}
		if (escaped) {
			if (!cont) {
				cont = strdup(l);
				if (!cont) {
					r = -ENOMEM;
					goto out;
				}
				cont_len = lsz;
				cont_first = line;
			}
			cont[cont_len - 1] = ' ';
			continue;
		}
		if (cont) {
			r = parse_logical_line(&ps, cont, cont_first, line);
			free(cont);
			cont = NULL;
			cont_len = 0;
		} else
			r = parse_logical_line(&ps, l, line, line);
		if (r < 0)
			goto out;
	}
	if (cont) /* a continuation running into the end of the file still counts */
		r = parse_logical_line(&ps, cont, cont_first, line);
out:
	free(buf);
	free(cont);
	free(ps.section);
	return r < 0 ? r : 0;
}

/* ---- names -------------------------------------------------------------------------------------- */

static bool in_charset(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

bool hd_unit_name_is_valid(const char *name)
{
	if (!name || !*name || strlen(name) >= UNIT_NAME_MAX || !unit_type_of(name))
		return false;
	const char *dot = strrchr(name, '.');
	const char *at = strchr(name, '@');
	if (!at)
		return dot > name && in_charset(name, (size_t)(dot - name), UNIT_NAME_CHARS);
	if (at == name || at > dot)
		return false;
	/* prefix@instance.type (instance may be empty: a template; may contain further '@') */
	return in_charset(name, (size_t)(at - name), UNIT_NAME_CHARS) &&
	       in_charset(at + 1, (size_t)(dot - at - 1), UNIT_NAME_CHARS "@");
}

/* "foo@.service": nothing between '@' and the type suffix */
static bool name_is_template(const char *name)
{
	const char *at = strchr(name, '@');
	return at && at + 1 == strrchr(name, '.');
}

static bool name_is_instance(const char *name)
{
	const char *at = strchr(name, '@');
	return at && at + 1 < strrchr(name, '.');
}

/* "foo@bar.service" -> "foo@.service" */
static char *name_template(const char *name)
{
	const char *at = strchr(name, '@');
	const char *dot = strrchr(name, '.');
	char *t = NULL;
	if (asprintf(&t, "%.*s@%s", (int)(at - name), name, dot) < 0)
		return NULL;
	return t;
}

/* The prefix: the part before '@', or before the type suffix. */
static char *name_prefix(const char *name)
{
	const char *at = strchr(name, '@');
	const char *end = at ? at : strrchr(name, '.');
	return strndup(name, (size_t)(end - name));
}

static char *name_instance(const char *name)
{
	const char *at = strchr(name, '@');
	const char *dot = strrchr(name, '.');
	if (!at)
		return strdup("");
	return strndup(at + 1, (size_t)(dot - at - 1));
}

/* ---- drop-ins ----------------------------------------------------------------------------------- */

static int dir_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The drop-in directories of one name in one search directory, in systemd's order: NAME.d, then (for
 * an instance) the template's, then those of the dash-prefixes ("foo-bar-baz.service" also looks at
 * "foo-bar-.service.d" and "foo-.service.d", more specific first). systemd 252 unit_file_find_dirs().
 */
static int find_dropin_dirs(const char *dir, const char *name, hd_strv *dirs, unsigned depth)
{
	if (depth > 64) /* names are < 256 bytes, each step removes a dash; never reached */
		return 0;
	char *path = NULL;
	if (asprintf(&path, "%s/%s.d", dir, name) < 0)
		return -ENOMEM;
	int r = dir_exists(path) ? hd_strv_push_unique(dirs, path) : 0;
	free(path);
	if (r < 0)
		return r;
	if (name_is_instance(name)) {
		char *t = name_template(name);
		if (!t)
			return -ENOMEM;
		r = find_dropin_dirs(dir, t, dirs, depth + 1);
		free(t);
		if (r < 0)
			return r;
	}
	if (!strchr(name, '.')) /* the type-level name ("service"): no prefixes */
		return 0;
	char *prefix = name_prefix(name);
	if (!prefix)
		return -ENOMEM;
	bool chopped = false;
	for (;;) {
		char *dash = strrchr(prefix, '-');
		if (!dash || dash == prefix) {
			free(prefix);
			return 0;
		}
		if (dash[1] != '\0' || chopped) {
			dash[1] = '\0';
			break;
		}
		*dash = '\0'; /* a trailing dash: chop it and look for the one before, once */
		chopped = true;
	}
	char *inst = name_instance(name);
	char *built = NULL;
	const char *suffix = strrchr(name, '.');
	/* systemd builds "prefix@instance.type" for an instance and "prefix.type" otherwise (a template
	 * is reached only from its instance, whose own prefix step adds "prefix@instance.type") */
	if (inst && asprintf(&built, "%s%s%s%s", prefix, name_is_instance(name) ? "@" : "", inst, suffix) < 0)
		built = NULL;
	free(inst);
	free(prefix);
	if (!built)
		return -ENOMEM;
	r = find_dropin_dirs(dir, built, dirs, depth + 1);
	free(built);
	return r;
}

static bool hidden_or_backup(const char *n)
{
	static const char *const backup_suffixes[] = {
		"~", ".rpmnew", ".rpmsave", ".rpmorig", ".dpkg-old", ".dpkg-new", ".dpkg-tmp",
		".dpkg-dist", ".dpkg-bak", ".dpkg-backup", ".dpkg-remove", ".ucf-new", ".ucf-old",
		".ucf-dist", ".swp", ".bak", ".old", ".new",
	};
	if (n[0] == '.')
		return true;
	size_t len = strlen(n);
	for (size_t i = 0; i < sizeof(backup_suffixes) / sizeof(backup_suffixes[0]); i++) {
		size_t sl = strlen(backup_suffixes[i]);
		if (len >= sl && strcmp(n + len - sl, backup_suffixes[i]) == 0)
			return true;
	}
	return false;
}

static int cmp_basename(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	return strcmp(strrchr(x, '/') + 1, strrchr(y, '/') + 1);
}

/* All "*.conf" in dirs; a file name seen in an earlier directory masks the same name in later ones.
 * Sorted by file name (systemd's conf_files_list_strv). */
static int list_dropin_files(const hd_strv *dirs, hd_strv *files, hd_diags *diags)
{
	hd_strv names = { 0 };
	int r = 0;
	for (size_t i = 0; i < dirs->n && r >= 0; i++) {
		DIR *d = opendir(dirs->v[i]);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d))) {
			size_t nl = strlen(de->d_name);
			if (hidden_or_backup(de->d_name) || nl < 6 || strcmp(de->d_name + nl - 5, ".conf") != 0)
				continue;
			if (hd_strv_contains(&names, de->d_name))
				continue; /* masked by the same name in a directory of higher priority */
			if (files->n >= DROPIN_FILES_MAX) {
				hd_diag_add(diags, HD_ERROR, dirs->v[i], 0, "more than %d drop-in files", DROPIN_FILES_MAX);
				r = -E2BIG;
				break;
			}
			if ((r = hd_strv_push(&names, de->d_name)) < 0 ||
			    (r = hd_strv_pushf(files, "%s/%s", dirs->v[i], de->d_name)) < 0)
				break;
		}
		closedir(d);
	}
	hd_strv_free(&names);
	if (r < 0)
		return r;
	if (files->n > 1)
		qsort(files->v, files->n, sizeof(files->v[0]), cmp_basename);
	return 0;
}

/* ---- loading ------------------------------------------------------------------------------------ */

static const char *file_type_name(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" : S_ISCHR(m) ? "a character device"
	       : S_ISBLK(m) ? "a block device" : "not a regular file";
}

/*
 * Read a whole file, bounded. Returns -errno with a diag naming the file, except for what a drop-in
 * may be and systemd skips (dangling, looping or directory symlinks: -ENOENT, -ELOOP, -EISDIR), which
 * return without a diag when quiet_skippable is set: the caller warns.
 * O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer, and reading it waits for data,
 * so a FIFO named like a unit file would hang every verb; it is refused once fstat says what it is.
 */
static int read_file(const char *path, bool quiet_skippable, char **out, size_t *out_len, hd_diags *diags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (!(quiet_skippable && (e == ENOENT || e == ELOOP)))
			hd_diag_add(diags, HD_ERROR, path, 0, "cannot open: %s", strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		hd_diag_add(diags, HD_ERROR, path, 0, "cannot read: %s", strerror(e));
		close(fd);
		return -e;
	}
	if (S_ISDIR(st.st_mode)) {
		if (!quiet_skippable)
			hd_diag_add(diags, HD_ERROR, path, 0, "is a directory, not a unit file");
		close(fd);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		hd_diag_add(diags, HD_ERROR, path, 0, "%s, not a regular file: refused (reading it could block)",
			    file_type_name(st.st_mode));
		close(fd);
		return -EINVAL;
	}
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= HD_UNIT_FILE_MAX) {
				hd_diag_add(diags, HD_ERROR, path, 0, "file larger than %u bytes", HD_UNIT_FILE_MAX);
				free(buf);
				close(fd);
				return -EFBIG;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			hd_diag_add(diags, HD_ERROR, path, 0, "cannot read: %s", strerror(e));
			free(buf);
			close(fd);
			return -e;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	*out = buf;
	*out_len = n;
	return 0;
}

static int parse_file(struct hd_unit *u, const char *path, bool dropin, hd_diags *diags)
{
	char *text = NULL;
	size_t len = 0;
	int r = read_file(path, dropin, &text, &len, diags);
	/* systemd 252 (load_dropin: config_parse's result is not checked) loads the unit without a
	 * drop-in it cannot open or read: a dangling, looping or directory symlink is skipped, said */
	if (dropin && (r == -ENOENT || r == -ELOOP || r == -EISDIR)) {
		hd_diag_add(diags, HD_WARNING, path, 0, "drop-in ignored (as systemd does): %s",
			    r == -ENOENT ? "a dangling symlink" : r == -ELOOP ? "a symlink loop" : "a directory");
		return 1;
	}
	if (r < 0)
		return r;
	r = hd_unit_parse_text(u, text, len, path, diags);
	free(text);
	return r;
}

static char *join_root(const char *root, const char *path)
{
	char *s = NULL;
	if (!root || !*root || strcmp(root, "/") == 0)
		return strdup(path);
	size_t rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (asprintf(&s, "%.*s%s%s", (int)rl, root, path[0] == '/' ? "" : "/", path) < 0)
		return NULL;
	return s;
}

static int collect_dropins(struct hd_unit *u, const char *unit_dir, const struct hd_unit_load_options *opt,
			   hd_diags *diags)
{
	const char *const *sp = opt && opt->search_path ? opt->search_path
				: (opt && opt->sdver && opt->sdver >= HD_SD_NO_SPLIT_USR ? search_path_latest : search_path_252);
	hd_strv search = { 0 }, dirs = { 0 }, files = { 0 };
	int r = hd_strv_push(&search, unit_dir);
	for (size_t i = 0; r >= 0 && sp[i]; i++) {
		char *p = join_root(opt ? opt->root : NULL, sp[i]);
		r = p ? hd_strv_push_unique(&search, p) : -ENOMEM;
		free(p);
	}
	/* name-specific directories in every search directory first, the type-level ones last */
	for (size_t i = 0; r >= 0 && i < search.n; i++)
		r = find_dropin_dirs(search.v[i], u->name, &dirs, 0);
	const struct unit_type *t = unit_type_of(u->name);
	for (size_t i = 0; r >= 0 && i < search.n; i++)
		r = find_dropin_dirs(search.v[i], t->suffix, &dirs, 0);
	if (r >= 0)
		r = list_dropin_files(&dirs, &files, diags);
	for (size_t i = 0; r >= 0 && i < files.n; i++) {
		r = parse_file(u, files.v[i], true, diags);
		if (r == 0)
			r = hd_strv_push(&u->dropins, files.v[i]);
	}
	hd_strv_free(&search);
	hd_strv_free(&dirs);
	hd_strv_free(&files);
	return r;
}

static bool is_dev_null(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) == 1 && minor(st->st_rdev) == 3;
}

int hd_unit_load(const char *path, const struct hd_unit_load_options *opt, struct hd_unit *out, hd_diags *diags)
{
	if (!out || !diags)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	int sdver = opt && opt->sdver ? opt->sdver : HD_SYSTEMD_252;
	out->sdver = sdver;
	if (!path || !*path) {
		hd_diag_add(diags, HD_ERROR, NULL, 0, "empty unit file path");
		return -EINVAL;
	}
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (!hd_unit_name_is_valid(base)) {
		hd_diag_add(diags, HD_ERROR, path, 0,
			    "not a unit file: the name must be NAME.TYPE with TYPE one of service, socket, "
			    "target, device, mount, automount, swap, timer, path, slice, scope");
		return -EINVAL;
	}
	int r = -ENOMEM;
	/* systemd-analyze makes the path absolute, then looks it up under --root */
	char *abs = NULL;
	if (path[0] == '/')
		abs = strdup(path);
	else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd))) {
			r = -errno;
			hd_diag_add(diags, HD_ERROR, path, 0, "cannot resolve the current directory");
			return r;
		}
		if (asprintf(&abs, "%s/%s", cwd, path) < 0)
			abs = NULL;
	}
	if (!abs)
		return -ENOMEM;
	out->path = join_root(opt ? opt->root : NULL, abs);
	free(abs);
	if (!out->path)
		goto fail;
	if (name_is_template(base)) {
		const char *inst = opt && opt->instance ? opt->instance : default_instance(sdver);
		const char *at = strchr(base, '@');
		if (asprintf(&out->name, "%.*s@%s%s", (int)(at - base), base, inst, at + 1) < 0) {
			out->name = NULL;
			goto fail;
		}
		if (!hd_unit_name_is_valid(out->name)) {
			hd_diag_add(diags, HD_ERROR, path, 0, "invalid template instance '%s'", inst);
			r = -EINVAL;
			goto fail;
		}
		out->instance = strdup(inst);
	} else {
		out->name = strdup(base);
		if (name_is_instance(base))
			out->instance = name_instance(base);
	}
	if (!out->name || (name_is_instance(out->name) && !out->instance))
		goto fail;

	struct stat st;
	if (stat(out->path, &st) < 0) {
		r = -errno;
		hd_diag_add(diags, HD_ERROR, out->path, 0, "%s", r == -ENOENT ? "no such unit file" : strerror(-r));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		hd_diag_add(diags, HD_ERROR, out->path, 0, "is a directory, not a unit file");
		r = -EISDIR;
		goto fail;
	}
	if (is_dev_null(&st) || (S_ISREG(st.st_mode) && st.st_size == 0)) {
		/* -ERFKILL is systemd's own code for a masked unit; its strerror ("RF-kill") is no message */
		if (is_dev_null(&st))
			hd_diag_add(diags, HD_ERROR, out->path, 0, "unit %s is masked (a link to /dev/null)", out->name);
		else
			hd_diag_add(diags, HD_ERROR, out->path, 0, "unit file is empty (systemd treats %s as masked)",
				    out->name);
		r = -ERFKILL;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		hd_diag_add(diags, HD_ERROR, out->path, 0, "%s, not a regular file: refused", file_type_name(st.st_mode));
		r = -EINVAL;
		goto fail;
	}
	r = parse_file(out, out->path, false, diags);
	if (r < 0)
		goto fail;
	char *dir = strndup(out->path, (size_t)(strrchr(out->path, '/') - out->path));
	if (!dir) {
		r = -ENOMEM;
		goto fail;
	}
	r = collect_dropins(out, *dir ? dir : "/", opt, diags);
	free(dir);
	if (r < 0)
		goto fail;
	if (!(opt && opt->parse_only)) {
		r = hd_unit_verify(out, diags);
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	hd_unit_free(out);
	return r;
}

const char *hd_unit_strerror(int r)
{
	switch (r < 0 ? -r : r) {
	case ERFKILL: return "unit is masked";
	case EBADSLT: return "a specifier cannot be resolved";
	case ENOMEDIUM: return "a specifier cannot be resolved";
	case ENOEXEC: return "systemd would refuse to load the unit";
	case EBADMSG: return "not a valid unit file";
	case ENOBUFS: return "a line is too long";
	case EFBIG: return "file too large";
	case EINVAL: return "not a unit file systemd would read";
	default: return strerror(r < 0 ? -r : r);
	}
}

/* ---- load-time checks --------------------------------------------------------------------------- */

const struct hd_unit_assignment *hd_unit_find_last(const struct hd_unit *u, const char *section, const char *key)
{
	for (size_t i = u->n; i-- > 0;)
		if (strcmp(u->v[i].section, section) == 0 && strcmp(u->v[i].key, key) == 0)
			return &u->v[i];
	return NULL;
}

void hd_unit_free(struct hd_unit *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++) {
		free(u->v[i].section);
		free(u->v[i].key);
		free(u->v[i].value);
		free(u->v[i].file);
	}
	free(u->v);
	free(u->name);
	free(u->path);
	free(u->instance);
	hd_strv_free(&u->dropins);
	memset(u, 0, sizeof(*u));
}

int hd_parse_boolean(const char *s)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -EINVAL;
}
