/* SPDX-License-Identifier: MIT */
/* Values into unit files, exactly (see unitwrite.h). */
#include "unit/unitwrite.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

/* systemd's separators between the words of a value */
#define WORD_SEPARATORS " \t\n\r"

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

const char *hd_unit_path_unwritable(const char *path)
{
	if (!path || path[0] != '/')
		return "is not an absolute path";
	size_t n = strlen(path);
	for (size_t i = 0; i < n; i++)
		if (is_control((unsigned char)path[i]))
			/* '\n' or '\r' would end the line; the others systemd would keep, but a path that
			 * shows differently in every tool is not one harden writes */
			return "holds a control character";
	if (!hd_utf8_is_valid(path))
		return "is not valid UTF-8 (systemd refuses such a path)";
	if (n >= PATH_MAX)
		return "is longer than PATH_MAX (systemd refuses it)";
	/* normal form: what systemd would keep exactly (it simplifies "//", "/./" and a trailing '/',
	 * and refuses ".."); then no component longer than NAME_MAX */
	for (const char *c = path + 1; *c;) {
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 1 && c[0] == '.'))
			return "is not in normal form (an empty or '.' component)";
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return "holds a '..' component (systemd refuses it)";
		if (len > NAME_MAX)
			return "has a component longer than NAME_MAX (systemd refuses it)";
		c += len;
		if (*c == '/' && !c[1])
			return "is not in normal form (a trailing '/')";
		if (*c)
			c++;
	}
	return NULL;
}

int hd_unit_quote_path(const char *path, char **out)
{
	*out = NULL;
	if (hd_unit_path_unwritable(path))
		return -EINVAL;
	bool quote = strpbrk(path, WORD_SEPARATORS "\"'\\") != NULL;
	size_t n = strlen(path);
	/* worst case: every byte doubled, plus the quotes */
	char *w = malloc(2 * n + 3), *o = w;
	if (!w)
		return -ENOMEM;
	if (quote)
		*o++ = '"';
	for (const char *p = path; *p; p++) {
		if (*p == '"' || *p == '\\')
			*o++ = '\\';
		else if (*p == '%')
			*o++ = '%';
		*o++ = *p;
	}
	if (quote)
		*o++ = '"';
	*o = '\0';
	*out = w;
	return 0;
}

int hd_unit_next_word(const char **p, bool unquote, char **word)
{
	const char *s = *p;
	s += strspn(s, WORD_SEPARATORS);
	if (!*s) {
		*p = s;
		return 0;
	}
	char *out = malloc(strlen(s) + 1);
	if (!out)
		return -ENOMEM;
	size_t n = 0;
	char quote = 0;
	for (; *s; s++) {
		if (*s == '\\') {
			if (!s[1]) {
				free(out);
				return -EINVAL;
			}
			out[n++] = *++s;
		} else if (quote) {
			if (*s == quote)
				quote = 0;
			else
				out[n++] = *s;
		} else if (unquote && (*s == '\'' || *s == '"'))
			quote = *s;
		else if (strchr(WORD_SEPARATORS, *s))
			break;
		else
			out[n++] = *s;
	}
	if (quote) {
		free(out);
		return -EINVAL;
	}
	out[n] = 0;
	*p = s;
	*word = out;
	return 1;
}

int hd_unit_split_words(const char *value, hd_strv *out)
{
	char *w = NULL;
	int r;
	while ((r = hd_unit_next_word(&value, true, &w)) > 0) {
		r = hd_strv_push(out, w);
		free(w);
		if (r < 0)
			return r;
	}
	return r;
}

/* s[0..n) to f with control bytes (newlines too) and invalid UTF-8 as \xNN */
static void put_printable(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		const unsigned char *c = (const unsigned char *)s + i;
		size_t l = hd_utf8_char_len(c, n - i);
		if (l == 0 || is_control(c[0])) {
			fprintf(f, "\\x%02x", c[0]);
			l = 1;
		} else
			fwrite(c, 1, l, f);
		i += l;
	}
}

/* buf is open_memstream's: only valid once f is closed */
static int close_memstream(FILE *f, char **buf, char **out)
{
	if (fclose(f) != 0) {
		free(*buf);
		return -ENOMEM;
	}
	*out = *buf;
	return 0;
}

int hd_unit_printable(const char *s, char **out)
{
	*out = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	put_printable(f, s, strlen(s));
	return close_memstream(f, &buf, out);
}

int hd_unit_comment(const char *text, char **out)
{
	*out = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	/* a final newline ends the last line, it does not start one */
	for (const char *line = text;;) {
		size_t n = strcspn(line, "\n");
		fputs("# ", f);
		put_printable(f, line, n);
		fputc('\n', f);
		line += n;
		if (!*line || !line[1])
			break;
		line++;
	}
	return close_memstream(f, &buf, out);
}

bool hd_unit_value_is_verbatim(const char *value)
{
	size_t n = strlen(value);
	for (size_t i = 0; i < n; i++)
		if (is_control((unsigned char)value[i]))
			return false;
	if (!hd_utf8_is_valid(value))
		return false;
	if (n && (strchr(" \t", value[0]) || strchr(" \t", value[n - 1])))
		return false;
	/* an odd run of backslashes at the end continues the line; an even run is harmless, but no
	 * verbatim value needs one */
	return !(n && value[n - 1] == '\\');
}
