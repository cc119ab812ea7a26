/* SPDX-License-Identifier: MIT */
/* EnvironmentFile= parsing (see envfile.h): a state machine whose rules are the table below. */
#include "unit/envfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum state { S_PRE_KEY, S_KEY, S_COMMENT, S_COMMENT_ESC, S_PRE_VALUE, S_VALUE, S_VALUE_ESC, S_SQ, S_DQ, S_DQ_ESC,
	     S_N };
/* Character classes. CR ends a line like LF (systemd's NEWLINE is "\n\r"), but only LF counts lines. */
enum cls { C_LF, C_CR, C_WS, C_COMMENT, C_EQ, C_SQ, C_DQ, C_BS, C_SHELL, C_OTHER, C_N };
enum action {
	A_NONE,
	A_KEY,      /* append to the key */
	A_KEY_WS,   /* append whitespace to the key (cut if nothing else follows) */
	A_KEY_DROP, /* a line without "=": forget the key */
	A_VAL,      /* append to the value */
	A_VAL_WS,   /* append whitespace to an unquoted value (cut if nothing else follows) */
	A_VAL_LIT,  /* append verbatim (quoted or escaped: never cut) */
	A_VAL_BS,   /* a backslash that escapes nothing: append it and the character */
	A_PUSH,     /* end of the assignment */
};

struct rule {
	unsigned char action, next;
};

/* rules[state][class]. Zero-initialised cells are {A_NONE, S_PRE_KEY}; every state lists what it needs. */
#define R(a, s) { (unsigned char)(a), (unsigned char)(s) }
static const struct rule rules[S_N][C_N] = {
	[S_PRE_KEY] = {
		[C_LF] = R(A_NONE, S_PRE_KEY), [C_CR] = R(A_NONE, S_PRE_KEY), [C_WS] = R(A_NONE, S_PRE_KEY),
		[C_COMMENT] = R(A_NONE, S_COMMENT), [C_EQ] = R(A_KEY, S_KEY), [C_SQ] = R(A_KEY, S_KEY),
		[C_DQ] = R(A_KEY, S_KEY), [C_BS] = R(A_KEY, S_KEY), [C_SHELL] = R(A_KEY, S_KEY),
		[C_OTHER] = R(A_KEY, S_KEY),
	},
	[S_KEY] = {
		[C_LF] = R(A_KEY_DROP, S_PRE_KEY), [C_CR] = R(A_KEY_DROP, S_PRE_KEY), [C_WS] = R(A_KEY_WS, S_KEY),
		[C_COMMENT] = R(A_KEY, S_KEY), [C_EQ] = R(A_NONE, S_PRE_VALUE), [C_SQ] = R(A_KEY, S_KEY),
		[C_DQ] = R(A_KEY, S_KEY), [C_BS] = R(A_KEY, S_KEY), [C_SHELL] = R(A_KEY, S_KEY),
		[C_OTHER] = R(A_KEY, S_KEY),
	},
	[S_COMMENT] = {
		[C_LF] = R(A_NONE, S_PRE_KEY), [C_CR] = R(A_NONE, S_PRE_KEY), [C_WS] = R(A_NONE, S_COMMENT),
		[C_COMMENT] = R(A_NONE, S_COMMENT), [C_EQ] = R(A_NONE, S_COMMENT), [C_SQ] = R(A_NONE, S_COMMENT),
		[C_DQ] = R(A_NONE, S_COMMENT), [C_BS] = R(A_NONE, S_COMMENT_ESC), [C_SHELL] = R(A_NONE, S_COMMENT),
		[C_OTHER] = R(A_NONE, S_COMMENT),
	},
	/* a backslash in a comment hides the next character, a newline too: the comment goes on */
	[S_COMMENT_ESC] = {
		[C_LF] = R(A_NONE, S_COMMENT), [C_CR] = R(A_NONE, S_COMMENT), [C_WS] = R(A_NONE, S_COMMENT),
		[C_COMMENT] = R(A_NONE, S_COMMENT), [C_EQ] = R(A_NONE, S_COMMENT), [C_SQ] = R(A_NONE, S_COMMENT),
		[C_DQ] = R(A_NONE, S_COMMENT), [C_BS] = R(A_NONE, S_COMMENT), [C_SHELL] = R(A_NONE, S_COMMENT),
		[C_OTHER] = R(A_NONE, S_COMMENT),
	},
	/* after "=" or after a closing quote: whitespace is skipped, a quote opens */
	[S_PRE_VALUE] = {
		[C_LF] = R(A_PUSH, S_PRE_KEY), [C_CR] = R(A_PUSH, S_PRE_KEY), [C_WS] = R(A_NONE, S_PRE_VALUE),
		[C_COMMENT] = R(A_VAL, S_VALUE), [C_EQ] = R(A_VAL, S_VALUE), [C_SQ] = R(A_NONE, S_SQ),
		[C_DQ] = R(A_NONE, S_DQ), [C_BS] = R(A_NONE, S_VALUE_ESC), [C_SHELL] = R(A_VAL, S_VALUE),
		[C_OTHER] = R(A_VAL, S_VALUE),
	},
	/* unquoted: quotes are ordinary characters here */
	[S_VALUE] = {
		[C_LF] = R(A_PUSH, S_PRE_KEY), [C_CR] = R(A_PUSH, S_PRE_KEY), [C_WS] = R(A_VAL_WS, S_VALUE),
		[C_COMMENT] = R(A_VAL, S_VALUE), [C_EQ] = R(A_VAL, S_VALUE), [C_SQ] = R(A_VAL, S_VALUE),
		[C_DQ] = R(A_VAL, S_VALUE), [C_BS] = R(A_NONE, S_VALUE_ESC), [C_SHELL] = R(A_VAL, S_VALUE),
		[C_OTHER] = R(A_VAL, S_VALUE),
	},
	/* backslash-newline continues the line (both dropped); any other character is kept */
	[S_VALUE_ESC] = {
		[C_LF] = R(A_NONE, S_VALUE), [C_CR] = R(A_NONE, S_VALUE), [C_WS] = R(A_VAL_LIT, S_VALUE),
		[C_COMMENT] = R(A_VAL_LIT, S_VALUE), [C_EQ] = R(A_VAL_LIT, S_VALUE), [C_SQ] = R(A_VAL_LIT, S_VALUE),
		[C_DQ] = R(A_VAL_LIT, S_VALUE), [C_BS] = R(A_VAL_LIT, S_VALUE), [C_SHELL] = R(A_VAL_LIT, S_VALUE),
		[C_OTHER] = R(A_VAL_LIT, S_VALUE),
	},
	[S_SQ] = {
		[C_LF] = R(A_VAL_LIT, S_SQ), [C_CR] = R(A_VAL_LIT, S_SQ), [C_WS] = R(A_VAL_LIT, S_SQ),
		[C_COMMENT] = R(A_VAL_LIT, S_SQ), [C_EQ] = R(A_VAL_LIT, S_SQ), [C_SQ] = R(A_NONE, S_PRE_VALUE),
		[C_DQ] = R(A_VAL_LIT, S_SQ), [C_BS] = R(A_VAL_LIT, S_SQ), [C_SHELL] = R(A_VAL_LIT, S_SQ),
		[C_OTHER] = R(A_VAL_LIT, S_SQ),
	},
	[S_DQ] = {
		[C_LF] = R(A_VAL_LIT, S_DQ), [C_CR] = R(A_VAL_LIT, S_DQ), [C_WS] = R(A_VAL_LIT, S_DQ),
		[C_COMMENT] = R(A_VAL_LIT, S_DQ), [C_EQ] = R(A_VAL_LIT, S_DQ), [C_SQ] = R(A_VAL_LIT, S_DQ),
		[C_DQ] = R(A_NONE, S_PRE_VALUE), [C_BS] = R(A_NONE, S_DQ_ESC), [C_SHELL] = R(A_VAL_LIT, S_DQ),
		[C_OTHER] = R(A_VAL_LIT, S_DQ),
	},
	/* in "...": \" \\ \` \$ keep the character, backslash-LF is dropped, anything else keeps both */
	[S_DQ_ESC] = {
		[C_LF] = R(A_NONE, S_DQ), [C_CR] = R(A_VAL_BS, S_DQ), [C_WS] = R(A_VAL_BS, S_DQ),
		[C_COMMENT] = R(A_VAL_BS, S_DQ), [C_EQ] = R(A_VAL_BS, S_DQ), [C_SQ] = R(A_VAL_BS, S_DQ),
		[C_DQ] = R(A_VAL_LIT, S_DQ), [C_BS] = R(A_VAL_LIT, S_DQ), [C_SHELL] = R(A_VAL_LIT, S_DQ),
		[C_OTHER] = R(A_VAL_BS, S_DQ),
	},
};
#undef R

/* What the end of the text does in each state: push the assignment being read, or not. */
static const bool push_at_end[S_N] = {
	[S_PRE_VALUE] = true, [S_VALUE] = true, [S_VALUE_ESC] = true, [S_SQ] = true, [S_DQ] = true, [S_DQ_ESC] = true,
};
static const bool open_quote[S_N] = { [S_SQ] = true, [S_DQ] = true, [S_DQ_ESC] = true };

static enum cls classify(unsigned char c)
{
	switch (c) {
	case '\n': return C_LF;
	case '\r': return C_CR;
	case ' ': case '\t': return C_WS;
	case '#': case ';': return C_COMMENT;
	case '=': return C_EQ;
	case '\'': return C_SQ;
	case '"': return C_DQ;
	case '\\': return C_BS;
	case '`': case '$': return C_SHELL;
	default: return C_OTHER;
	}
}

bool hd_env_name_valid(const char *name, size_t n)
{
	if (n == 0 || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* UTF-8 as systemd.exec(5) wants it: scalar values, no noncharacter, no byte order mark. */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
		if (len == 0 || c > 0xf4 || i + len > n)
			return false;
		uint32_t cp = c & (0x7f >> len);
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfeff || (cp >= 0xfdd0 && cp <= 0xfdef) ||
		    (cp & 0xfffe) == 0xfffe)
			return false;
		i += len;
	}
	return true;
}

int hd_env_set(hd_strv *env, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	if (!eq)
		return -EINVAL;
	size_t kn = (size_t)(eq - assignment) + 1;
	for (size_t i = 0; i < env->n; i++)
		if (env->v[i] && strncmp(env->v[i], assignment, kn) == 0) {
			char *c = strdup(assignment);
			if (!c)
				return -ENOMEM;
			free(env->v[i]);
			env->v[i] = c;
			return 0;
		}
	return hd_strv_push(env, assignment);
}

const char *hd_env_get(char *const *envp, const char *name, size_t n)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=')
			return envp[i] + n + 1;
	return NULL;
}

struct buf {
	char *s;
	size_t n, cap;
	size_t cut; /* where trailing whitespace starts (SIZE_MAX: none) */
};

static int buf_add(struct buf *b, char c)
{
	if (b->n + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char *s = realloc(b->s, cap);
		if (!s)
			return -ENOMEM;
		b->s = s;
		b->cap = cap;
	}
	b->s[b->n++] = c;
	b->s[b->n] = 0;
	return 0;
}

/* The assignment read: checked, then set in the (staged) environment. */
static int push(struct buf *key, struct buf *val, bool trim, const char *file, unsigned line, hd_strv *env,
		hd_diags *d)
{
	if (key->cut != SIZE_MAX)
		key->n = key->cut;
	if (trim && val->cut != SIZE_MAX)
		val->n = val->cut;
	if (buf_add(key, 0) < 0 || buf_add(val, 0) < 0)
		return -ENOMEM;
	if (!utf8_ok((const unsigned char *)key->s, key->n - 1) || !utf8_ok((const unsigned char *)val->s, val->n - 1)) {
		hd_diag_add(d, HD_ERROR, file, line, "EnvironmentFile=: not valid UTF-8 (or a noncharacter or byte "
			    "order mark): the file is refused, as systemd refuses it");
		return -EINVAL;
	}
	int r = 0;
	if (!hd_env_name_valid(key->s, key->n - 1))
		hd_diag_add(d, HD_WARNING, file, line, "EnvironmentFile=: ignoring \"%.64s\": not a valid variable "
			    "name", key->s);
	else {
		char *a = malloc(key->n + val->n);
		if (!a)
			return -ENOMEM;
		memcpy(a, key->s, key->n - 1);
		a[key->n - 1] = '=';
		memcpy(a + key->n, val->s, val->n);
		r = hd_env_set(env, a);
		free(a);
	}
	return r;
}

int hd_envfile_parse(const char *text, size_t len, const char *file, hd_strv *env, hd_diags *d)
{
	if (memchr(text, 0, len)) {
		unsigned line = 1;
		for (const char *p = text; *p; p++)
			line += *p == '\n';
		hd_diag_add(d, HD_ERROR, file, line, "EnvironmentFile=: holds a NUL byte: not a text file");
		return -EINVAL;
	}
	/* staged: a refused file changes nothing */
	hd_strv stage = { 0 };
	for (size_t i = 0; i < env->n; i++)
		if (hd_strv_push(&stage, env->v[i]) < 0) {
			hd_strv_free(&stage);
			return -ENOMEM;
		}
	struct buf key = { .cut = SIZE_MAX }, val = { .cut = SIZE_MAX };
	enum state s = S_PRE_KEY;
	unsigned line = 1, key_line = 1;
	int r = 0;
	for (size_t i = 0; i < len && r == 0; i++) {
		unsigned char c = (unsigned char)text[i];
		enum cls k = classify(c);
		const struct rule *ru = &rules[s][k];
		switch ((enum action)ru->action) {
		case A_NONE:
			break;
		case A_KEY:
			if (key.n == 0)
				key_line = line;
			key.cut = SIZE_MAX;
			r = buf_add(&key, (char)c);
			break;
		case A_KEY_WS:
			if (key.cut == SIZE_MAX)
				key.cut = key.n;
			r = buf_add(&key, (char)c);
			break;
		case A_KEY_DROP:
			key.n = 0;
			key.cut = SIZE_MAX;
			break;
		case A_VAL:
		case A_VAL_LIT:
			val.cut = SIZE_MAX;
			r = buf_add(&val, (char)c);
			break;
		case A_VAL_WS:
			if (val.cut == SIZE_MAX)
				val.cut = val.n;
			r = buf_add(&val, (char)c);
			break;
		case A_VAL_BS:
			val.cut = SIZE_MAX;
			if ((r = buf_add(&val, '\\')) == 0)
				r = buf_add(&val, (char)c);
			break;
		case A_PUSH:
			r = push(&key, &val, s == S_VALUE, file, key_line, &stage, d);
			key.n = val.n = 0;
			key.cut = val.cut = SIZE_MAX;
			break;
		}
		if (c == '\n')
			line++;
		s = (enum state)ru->next;
	}
	if (r == 0 && push_at_end[s]) {
		if (open_quote[s])
			hd_diag_add(d, HD_WARNING, file, key_line, "EnvironmentFile=: %s quote not closed: the value runs "
				    "to the end of the file (as systemd reads it)", s == S_SQ ? "'" : "\"");
		r = push(&key, &val, s == S_VALUE || s == S_VALUE_ESC, file, key_line, &stage, d);
	}
	free(key.s);
	free(val.s);
	if (r == 0) {
		hd_strv_free(env);
		*env = stage;
	} else
		hd_strv_free(&stage);
	return r;
}

int hd_envfile_load(const char *path, hd_strv *env, hd_diags *d)
{
	/* O_NONBLOCK: opening a FIFO would wait for a writer, before fstat could refuse it */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		if (e != ENOENT)
			hd_diag_add(d, HD_ERROR, path, 0, "EnvironmentFile=: cannot open: %s", strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		hd_diag_add(d, HD_ERROR, path, 0, "EnvironmentFile=: not a regular file");
		return -EINVAL;
	}
	size_t cap = 4096, n = 0;
	char *text = malloc(cap);
	int r = text ? 0 : -ENOMEM;
	while (r == 0) {
		if (n == cap) {
			if (cap >= HD_ENVFILE_MAX) {
				hd_diag_add(d, HD_ERROR, path, 0, "EnvironmentFile=: larger than %u MiB: refused",
					    HD_ENVFILE_MAX >> 20);
				r = -EFBIG;
				break;
			}
			char *t = realloc(text, cap * 2);
			if (!t) {
				r = -ENOMEM;
				break;
			}
			text = t;
			cap *= 2;
		}
		ssize_t got = read(fd, text + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			hd_diag_add(d, HD_ERROR, path, 0, "EnvironmentFile=: cannot read: %s", strerror(-r));
		} else if (got == 0)
			break;
		else
			n += (size_t)got;
	}
	close(fd);
	if (r == 0)
		r = hd_envfile_parse(text, n, path, env, d);
	free(text);
	return r;
}
