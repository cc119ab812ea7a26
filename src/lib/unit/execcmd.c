/* SPDX-License-Identifier: MIT */
/* Exec*= command lines: see execcmd.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit/execcmd.h"

/* The prefixes, as data: character(s), flag, flags it cannot be combined with. "!!" before "!". */
struct exec_prefix {
	const char *text;
	unsigned flag;
	unsigned excludes;
};

static const struct exec_prefix exec_prefixes[] = {
	{ "-", HD_EXEC_IGNORE_FAILURE, 0 },
	{ "@", HD_EXEC_ARGV0, 0 },
	{ ":", HD_EXEC_NO_ENV_EXPAND, 0 },
	{ "+", HD_EXEC_FULL_PRIVILEGE, HD_EXEC_PRIVILEGED | HD_EXEC_AMBIENT },
	{ "!!", HD_EXEC_AMBIENT, HD_EXEC_FULL_PRIVILEGE | HD_EXEC_PRIVILEGED },
	{ "!", HD_EXEC_PRIVILEGED, HD_EXEC_FULL_PRIVILEGE | HD_EXEC_AMBIENT },
};

void hd_exec_line_free(struct hd_exec_line *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		hd_strv_free(&l->v[i].argv);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* C escapes systemd's extract_first_word(EXTRACT_CUNESCAPE) accepts, the common ones. */
static int unescape(char c)
{
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case 'a': return '\a';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'v': return '\v';
	case '\\': return '\\';
	case '"': return '"';
	case '\'': return '\'';
	case ' ': return ' ';
	case ';': return ';';
	case 's': return ' ';
	default: return -1;
	}
}

/* Next word: quotes removed, escapes resolved. *semicolon is set for a bare ";" word.
 * 1 word, 0 end, -EINVAL bad quoting, -ENOMEM. */
static int next_word(const char **pp, char **word, bool *semicolon)
{
	const char *p = *pp;
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (!*p) {
		*pp = p;
		return 0;
	}
	size_t cap = strlen(p) + 1;
	char *w = malloc(cap);
	if (!w)
		return -ENOMEM;
	size_t n = 0;
	char quote = 0;
	bool escaped_any = false;
	while (*p) {
		char c = *p;
		if (!quote && (c == ' ' || c == '\t' || c == '\n'))
			break;
		if (c == '\\') {
			if (!p[1]) {
				free(w);
				return -EINVAL;
			}
			int u = unescape(p[1]);
			if (u < 0) { /* kept as written: systemd would refuse some, we only need paths */
				w[n++] = p[1];
			} else {
				w[n++] = (char)u;
			}
			escaped_any = true;
			p += 2;
			continue;
		}
		if (quote) {
			if (c == quote)
				quote = 0;
			else
				w[n++] = c;
			p++;
			continue;
		}
		if (c == '"' || c == '\'') {
			quote = c;
			p++;
			continue;
		}
		w[n++] = c;
		p++;
	}
	if (quote) {
		free(w);
		return -EINVAL;
	}
	w[n] = '\0';
	*semicolon = !escaped_any && strcmp(w, ";") == 0;
	*word = w;
	*pp = p;
	return 1;
}

static int push_command(struct hd_exec_line *out)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 4;
		struct hd_exec_command *v = realloc(out->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		out->v = v;
		out->cap = cap;
	}
	memset(&out->v[out->n++], 0, sizeof(out->v[0]));
	return 0;
}

int hd_exec_parse(const char *value, const char *file, unsigned line, struct hd_exec_line *out, hd_diags *diags)
{
	const char *p = value;
	struct hd_exec_command *cur = NULL;
	size_t words = 0;
	for (;;) {
		char *w = NULL;
		bool semi = false;
		int r = next_word(&p, &w, &semi);
		if (r == -EINVAL) {
			hd_diag_add(diags, HD_ERROR, file, line, "unbalanced quotes or trailing backslash in '%s'", value);
			return r;
		}
		if (r <= 0)
			return r;
		if (++words > HD_EXEC_MAX_WORDS) {
			free(w);
			hd_diag_add(diags, HD_ERROR, file, line, "more than %d words", HD_EXEC_MAX_WORDS);
			return -EINVAL;
		}
		if (semi) {
			free(w);
			cur = NULL; /* the next word starts a new command */
			continue;
		}
		if (cur) {
			/* with "@" the path was not pushed, so the first word after it becomes argv[0] */
			r = hd_strv_push(&cur->argv, w);
			free(w);
			if (r < 0)
				return r;
			continue;
		}
		/* a new command: prefixes, then the executable */
		if ((r = push_command(out)) < 0) {
			free(w);
			return r;
		}
		cur = &out->v[out->n - 1];
		const char *s = w;
		for (bool more = true; more;) {
			more = false;
			for (size_t i = 0; i < sizeof(exec_prefixes) / sizeof(exec_prefixes[0]); i++) {
				const struct exec_prefix *px = &exec_prefixes[i];
				if (strncmp(s, px->text, strlen(px->text)) != 0)
					continue;
				/* as systemd: a prefix that cannot apply (repeated, or excluded by an earlier one)
				 * ends the prefixes and is part of the path, which is then refused below */
				if ((cur->flags & px->flag) || (cur->flags & px->excludes))
					break;
				cur->flags |= px->flag;
				s += strlen(px->text);
				more = true;
				break;
			}
		}
		if (!*s) {
			hd_diag_add(diags, HD_ERROR, file, line, "empty executable path in '%s'", value);
			free(w);
			return -EINVAL;
		}
		if (s[0] != '/' && strchr(s, '/')) {
			hd_diag_add(diags, HD_ERROR, file, line,
				    "executable path '%s' is neither absolute nor a plain file name", s);
			free(w);
			return -EINVAL;
		}
		cur->path = strdup(s);
		free(w);
		if (!cur->path)
			return -ENOMEM;
		if (!(cur->flags & HD_EXEC_ARGV0) && (r = hd_strv_push(&cur->argv, cur->path)) < 0)
			return r;
	}
}

static bool is_executable_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

int hd_exec_resolve(const char *path, const char *root, char **out)
{
	*out = NULL;
	const char *r = root ? root : "";
	if (path[0] == '/') {
		if (asprintf(out, "%s%s", r, path) < 0)
			return -ENOMEM;
		if (!is_executable_file(*out)) {
			free(*out);
			*out = NULL;
			return -ENOENT;
		}
		return 0;
	}
	const char *dirs = HD_EXEC_SEARCH_PATH;
	while (*dirs) {
		size_t n = strcspn(dirs, ":");
		char *cand = NULL;
		if (asprintf(&cand, "%s%.*s/%s", r, (int)n, dirs, path) < 0)
			return -ENOMEM;
		if (is_executable_file(cand)) {
			*out = cand;
			return 0;
		}
		free(cand);
		dirs += n;
		if (*dirs == ':')
			dirs++;
	}
	return -ENOENT;
}

static const char *env_lookup(char *const *envp, const char *name, size_t n)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

/* A lone "$NAME" word's value as words: split at whitespace, '...' and "..." removed, a backslash keeps
 * the next character; an unclosed quote runs to the end (systemd splits it leniently too). */
static int split_value(const char *v, hd_strv *out)
{
	size_t len = strlen(v);
	char *w = malloc(len + 1);
	if (!w)
		return -ENOMEM;
	const char *p = v;
	int r = 0;
	while (r == 0) {
		while (*p && strchr(" \t\n\r", *p))
			p++;
		if (!*p)
			break;
		size_t n = 0;
		char q = 0;
		for (; *p && (q || !strchr(" \t\n\r", *p)); p++) {
			if (q && *p == q)
				q = 0;
			else if (!q && (*p == '"' || *p == '\''))
				q = *p;
			else if (*p == '\\' && p[1] && q != '\'')
				w[n++] = *++p;
			else
				w[n++] = *p;
		}
		w[n] = 0;
		r = hd_strv_push(out, w);
	}
	free(w);
	return r;
}

/* One word with ${NAME} and $$ replaced. */
static int expand_word(const char *s, char *const *envp, hd_strv *out)
{
	size_t cap = strlen(s) + 1, n = 0;
	char *w = malloc(cap);
	if (!w)
		return -ENOMEM;
	for (const char *p = s; *p;) {
		const char *add = p;
		size_t alen = 1, skip = 1;
		if (p[0] == '$' && p[1] == '$') {
			skip = 2; /* "$$": one "$" */
		} else if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			if (end) {
				add = env_lookup(envp, p + 2, (size_t)(end - p - 2));
				alen = add ? strlen(add) : 0;
				skip = (size_t)(end - p) + 1;
			}
		}
		if (n + alen + 1 > cap) {
			size_t nc = (n + alen + 1) * 2;
			char *t = realloc(w, nc);
			if (!t) {
				free(w);
				return -ENOMEM;
			}
			w = t;
			cap = nc;
		}
		if (alen)
			memcpy(w + n, add, alen);
		n += alen;
		p += skip;
	}
	w[n] = 0;
	int r = hd_strv_push(out, w);
	free(w);
	return r;
}

int hd_exec_expand_env(char *const *argv, size_t argc, char *const *envp, hd_strv *out)
{
	for (size_t i = 0; i < argc; i++) {
		const char *a = argv[i];
		int r;
		if (a[0] == '$' && a[1] != '{' && a[1] != '$') {
			const char *v = env_lookup(envp, a + 1, strlen(a + 1));
			r = v ? split_value(v, out) : 0;
		} else
			r = expand_word(a, envp, out);
		if (r < 0)
			return r;
	}
	return 0;
}
