/* SPDX-License-Identifier: MIT */
/* TEMPORARY minimal unit reader behind unit.h, until the `unit` branch lands (then replaced). */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"

static int push(struct hd_unit *u, const char *section, const char *key, const char *value, const char *file, unsigned line)
{
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 32;
		struct hd_unit_assignment *v = realloc(u->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		u->v = v, u->cap = cap;
	}
	struct hd_unit_assignment *a = &u->v[u->n];
	a->section = strdup(section);
	a->key = strdup(key);
	a->value = strdup(value);
	a->file = strdup(file);
	a->line = line;
	if (!a->section || !a->key || !a->value || !a->file) {
		free(a->section), free(a->key), free(a->value), free(a->file);
		return -ENOMEM;
	}
	u->n++;
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		s[--n] = 0;
	return s;
}

int hd_unit_parse_text(struct hd_unit *u, const char *text, size_t len, const char *filename, hd_diags *diags)
{
	char *buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, text, len);
	buf[len] = 0;
	char section[256] = "";
	char *logical = NULL;
	size_t llen = 0;
	unsigned lineno = 0, start = 0;
	int r = 0;
	char *p = buf;
	if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
		p += 3;
	while (p && *p) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		lineno++;
		char *line = p;
		p = nl ? nl + 1 : NULL;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = 0;
		if (logical) {
			char *t = trim(line);
			if (*t == '#' || *t == ';')
				continue;
		}
		char *t = logical ? line : trim(line);
		if (!logical && (!*t || *t == '#' || *t == ';'))
			continue;
		n = strlen(t);
		bool cont = n && t[n - 1] == '\\';
		if (cont)
			t[--n] = 0;
		char *nlg = realloc(logical, llen + n + 2);
		if (!nlg) {
			r = -ENOMEM;
			break;
		}
		if (!logical)
			start = lineno, llen = 0;
		logical = nlg;
		memcpy(logical + llen, t, n);
		llen += n;
		if (cont) {
			logical[llen++] = ' ';
			logical[llen] = 0;
			if (p && *p)
				continue;
		}
		logical[llen] = 0;
		char *l = trim(logical);
		if (*l == '[') {
			size_t m = strlen(l);
			if (l[m - 1] == ']' && m - 2 < sizeof(section)) {
				memcpy(section, l + 1, m - 2);
				section[m - 2] = 0;
			} else {
				hd_diag_add(diags, HD_WARNING, filename, start, "Invalid section header '%s'", l);
			}
		} else {
			char *eq = strchr(l, '=');
			if (!eq) {
				hd_diag_add(diags, HD_WARNING, filename, start, "Missing '=', ignoring line.");
			} else if (!*section) {
				hd_diag_add(diags, HD_WARNING, filename, start, "Assignment outside of section. Ignoring.");
			} else {
				*eq = 0;
				r = push(u, section, trim(l), trim(eq + 1), filename, start);
				if (r < 0)
					break;
			}
		}
		free(logical);
		logical = NULL;
	}
	free(logical);
	free(buf);
	return r;
}

int hd_unit_load(const char *path, const struct hd_unit_load_options *opt, struct hd_unit *out, hd_diags *diags)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "re");
	if (!f) {
		int e = errno;
		hd_diag_add(diags, HD_ERROR, path, 0, "cannot open unit file: %s", strerror(e));
		return -e;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	char b[65536];
	size_t got;
	while ((got = fread(b, 1, sizeof(b), f)) > 0)
		fwrite(b, 1, got, m);
	fclose(f);
	fclose(m);
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *at = strstr(base, "@.");
	if (at) {
		const char *inst = opt && opt->instance ? opt->instance : (opt && opt->sdver == HD_SYSTEMD_LATEST ? "test_instance" : "i");
		asprintf(&out->name, "%.*s@%s%s", (int)(at - base), base, inst, at + 1);
	} else {
		out->name = strdup(base);
	}
	out->path = strdup(path);
	int r = hd_unit_parse_text(out, text, len, path, diags);
	free(text);
	return r;
}

int hd_unit_expand_specifiers(const struct hd_unit *u, const char *value, char **out)
{
	char *res = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&res, &len);
	const char *name = u && u->name ? u->name : "";
	const char *dot = strrchr(name, '.');
	size_t stem = dot ? (size_t)(dot - name) : strlen(name);
	const char *at = memchr(name, '@', stem);
	for (const char *p = value; *p; p++) {
		if (*p != '%') {
			fputc(*p, m);
			continue;
		}
		p++;
		switch (*p) {
		case '%': fputc('%', m); break;
		case 'n': fputs(name, m); break;
		case 'N': fprintf(m, "%.*s", (int)stem, name); break;
		case 'p': fprintf(m, "%.*s", (int)(at ? (size_t)(at - name) : stem), name); break;
		case 'i': case 'I': if (at) fprintf(m, "%.*s", (int)(stem - (size_t)(at - name) - 1), at + 1); break;
		case 'u': case 'U': fputs("root", m); break;
		case 'h': fputs("/root", m); break;
		case 't': fputs("/run", m); break;
		case 'S': fputs("/var/lib", m); break;
		case 'C': fputs("/var/cache", m); break;
		case 'L': fputs("/var/log", m); break;
		case 'E': fputs("/etc", m); break;
		case 0: fclose(m); free(res); return -EBADMSG;
		default: fputc('%', m); fputc(*p, m); break;
		}
	}
	fclose(m);
	*out = res;
	return 0;
}

void hd_unit_free(struct hd_unit *u)
{
	for (size_t i = 0; i < u->n; i++) {
		free(u->v[i].section), free(u->v[i].key), free(u->v[i].value), free(u->v[i].file);
	}
	free(u->v);
	free(u->name);
	free(u->path);
	hd_strv_free(&u->dropins);
	memset(u, 0, sizeof(*u));
}
