/* SPDX-License-Identifier: MIT */
/*
 * Unit-file reader: syntax, loading, drop-ins, templates, specifiers. The expectations on syntax come
 * from systemd 252's behaviour observed with `systemd-analyze security --offline=true` (the comments
 * say what systemd did); where systemd-analyze is installed, drop-in order and specifier values are
 * also compared with it directly, and every corpus file is loaded and checked against systemd's
 * accept/refuse verdict recorded in ../shared/corpus/expected-systemd252.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscalls/groups.h"
#include "unit/unit.h"

/* ---- helpers ------------------------------------------------------------------------------------ */

struct parsed {
	struct hd_unit u;
	hd_diags d;
	int r;
};

static void parse_named(struct parsed *p, const char *name, const char *text, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->u.name = name ? strdup(name) : NULL;
	p->r = hd_unit_parse_text(&p->u, text, len, "t.service", &p->d);
}

static void parse(struct parsed *p, const char *text)
{
	parse_named(p, "t.service", text, strlen(text));
}

static void parsed_free(struct parsed *p)
{
	hd_unit_free(&p->u);
	hd_diags_free(&p->d);
}

static bool has_diag(const hd_diags *d, unsigned line, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if ((line == 0 || d->v[i].line == line) && strstr(d->v[i].text, needle))
			return true;
	return false;
}

static void assert_assignment(const struct hd_unit *u, size_t i, const char *section, const char *key,
			      const char *value, unsigned line)
{
	assert_true(i < u->n);
	assert_string_equal(u->v[i].section, section);
	assert_string_equal(u->v[i].key, key);
	assert_string_equal(u->v[i].value, value);
	assert_int_equal(u->v[i].line, line);
}

static void write_file(const char *path, const char *content)
{
	char *dup = strdup(path);
	for (char *s = strchr(dup + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(dup, 0755);
		*s = '/';
	}
	free(dup);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void rm_rf(const char *path)
{
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "rm -rf '%s'", path) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static bool have_systemd_analyze(void)
{
	return system("systemd-analyze --version >/dev/null 2>&1") == 0;
}

/* ---- syntax ------------------------------------------------------------------------------------- */

static void test_basic_and_trimming(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "[Unit]\nDescription = hello world  \n[Service]\n  ExecStart\t=\t/bin/true  \nUser=\n");
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 3);
	assert_assignment(&p.u, 0, "Unit", "Description", "hello world", 2);
	assert_assignment(&p.u, 1, "Service", "ExecStart", "/bin/true", 4);
	assert_assignment(&p.u, 2, "Service", "User", "", 5); /* empty assignment kept: it resets */
	assert_int_equal(p.d.n, 0);
	parsed_free(&p);
}

static void test_comments(void **state)
{
	(void)state;
	struct parsed p;
	/* '#' and ';' start a comment only at the beginning of a line (after whitespace) */
	parse(&p, "# c\n; c\n[Service]\n   # indented\n\t; tab\nProtectSystem=strict # not a comment\n"
		  "X=a;b\n");
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 2);
	assert_assignment(&p.u, 0, "Service", "ProtectSystem", "strict # not a comment", 6);
	assert_assignment(&p.u, 1, "Service", "X", "a;b", 7);
	assert_int_equal(p.d.n, 0);
	parsed_free(&p);
}

static void test_continuation(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "[Service]\n"
		  "A=one \\\n"                 /* 2 */
		  "# comment inside\n"          /* 3: skipped */
		  "  two \\\n"                  /* 4 */
		  "; another\n"                 /* 5: skipped */
		  "three\n"                     /* 6 */
		  "B=x \\\n"                    /* 7 */
		  "\n"                          /* 8: the empty line ends it */
		  "C=C:\\\\\n"                  /* 9: escaped backslash, no continuation */
		  "D=a\\\t\n"                   /* 10: backslash then tab: not a continuation */
		  "E=end \\\n"                  /* 11 */
		  "of file \\");                /* 12: runs into the end of the file */
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 5);
	/* the backslash becomes a space, the next line is appended as it is */
	assert_assignment(&p.u, 0, "Service", "A", "one    two  three", 2);
	assert_int_equal(p.u.v[0].line_last, 6);
	assert_assignment(&p.u, 1, "Service", "B", "x", 7);
	assert_int_equal(p.u.v[1].line_last, 8);
	assert_assignment(&p.u, 2, "Service", "C", "C:\\\\", 9);
	assert_assignment(&p.u, 3, "Service", "D", "a\\", 10);
	assert_assignment(&p.u, 4, "Service", "E", "end  of file", 11);
	assert_int_equal(p.u.v[4].line_last, 12);
	parsed_free(&p);
}

static void test_line_endings(void **state)
{
	(void)state;
	struct parsed p;
	/* CRLF is one line end; so are a lone CR and "\n\r"; "\n\n" is two */
	parse(&p, "[Service]\r\nA=1\r\nB=2 \\\r\n  3\r\rC=4\n\rD=5\n\nE=6");
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 5);
	assert_assignment(&p.u, 0, "Service", "A", "1", 2);
	assert_assignment(&p.u, 1, "Service", "B", "2    3", 3);
	assert_int_equal(p.u.v[1].line_last, 4);
	assert_assignment(&p.u, 2, "Service", "C", "4", 6); /* "\r\r" is two line ends */
	assert_assignment(&p.u, 3, "Service", "D", "5", 7);
	assert_assignment(&p.u, 4, "Service", "E", "6", 9); /* no trailing newline */
	parsed_free(&p);
}

static void test_nul_bytes(void **state)
{
	(void)state;
	struct parsed p;
	/* systemd reads a NUL as a line end; "User=nob\0ody" is "User=nob" and a line "ody" (no '=') */
	static const char text[] = "[Service]\nExecStart=/bin/true\0User=nob\0ody\n\0\nX=1";
	parse_named(&p, "t.service", text, sizeof(text) - 1);
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 3);
	assert_assignment(&p.u, 1, "Service", "User", "nob", 3);
	assert_true(has_diag(&p.d, 4, "Missing '='"));
	assert_assignment(&p.u, 2, "Service", "X", "1", 6); /* "\n\0" one end, then "\n" an empty line */
	parsed_free(&p);
	/* systemd numbered these lines 4, 6 and 8: "\r\n\0" is one end, "\n\r" one, "\0\0" two */
	static const char text2[] = "[Service]\nExecStart=/bin/true\r\n\0\nUser=nobody\n\r\r\nX=1\n\0\0Y";
	parse_named(&p, "t.service", text2, sizeof(text2) - 1);
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 3);
	assert_assignment(&p.u, 1, "Service", "User", "nobody", 4);
	assert_assignment(&p.u, 2, "Service", "X", "1", 6);
	assert_true(has_diag(&p.d, 8, "Missing '='"));
	parsed_free(&p);
}

static void test_bom(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "\xef\xbb\xbf[Service]\nA=1\n");
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 1);
	assert_int_equal(p.d.n, 0);
	parsed_free(&p);
	/* the comment test comes before the BOM is removed: systemd warns about line 1 */
	parse(&p, "\xef\xbb\xbf# comment\n[Service]\nA=1\n");
	assert_int_equal(p.r, 0);
	assert_true(has_diag(&p.d, 1, "Assignment outside of section"));
	parsed_free(&p);
	/* only the first BOM is removed */
	parse(&p, "\xef\xbb\xbf[Service]\n\xef\xbb\xbf" "A=1\n");
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 1);
	assert_string_equal(p.u.v[0].key, "\xef\xbb\xbf" "A");
	parsed_free(&p);
}

static void test_utf8(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "[Service]\nDescription=caf\xc3\xa9 \xf0\x9f\x98\x80\n");
	assert_int_equal(p.r, 0);
	assert_string_equal(p.u.v[0].value, "caf\xc3\xa9 \xf0\x9f\x98\x80");
	parsed_free(&p);
	/* invalid UTF-8 in a comment is fine */
	parse(&p, "# caf\xe9\n[Service]\nA=1\n");
	assert_int_equal(p.r, 0);
	parsed_free(&p);
	/* anywhere else the unit fails to load, even in an ignored section */
	static const char *const bad[] = {
		"[Service]\nA=caf\xe9\n",       "[X-Foo]\nA=caf\xe9\n",       "[Fo\xe9]\n",
		"[Service]\nA=\xc3\xc3\n",      "[Service]\nA=\xc0\xaf\n",    "[Service]\nA=\xed\xa0\x80\n",
		"[Service]\nA=\xef\xb7\x90\n",  "[Service]\nA=\xef\xbf\xbe\n", "[Service]\nA=\xf4\x90\x80\x80\n",
		"[Service]\nA=\xe2\x82\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(&p, bad[i]);
		assert_int_equal(p.r, -EINVAL);
		assert_true(has_diag(&p.d, 0, "not UTF-8 clean"));
		/* the diagnostic itself stays printable */
		for (size_t j = 0; j < p.d.n; j++)
			assert_null(strchr(p.d.v[j].text, '\xe9'));
		parsed_free(&p);
	}
}

static void test_repeated_keys_and_sections(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "[Service]\nSystemCallFilter=@system-service\nSystemCallFilter=\nSystemCallFilter=~@mount\n"
		  "[Unit]\nDescription=x\n[Service]\nSystemCallFilter=@swap\n");
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 5);
	assert_assignment(&p.u, 0, "Service", "SystemCallFilter", "@system-service", 2);
	assert_assignment(&p.u, 1, "Service", "SystemCallFilter", "", 3);
	assert_assignment(&p.u, 2, "Service", "SystemCallFilter", "~@mount", 4);
	assert_assignment(&p.u, 4, "Service", "SystemCallFilter", "@swap", 8);
	assert_ptr_equal(hd_unit_find_last(&p.u, "Service", "SystemCallFilter"), &p.u.v[4]);
	assert_null(hd_unit_find_last(&p.u, "Service", "User"));
	parsed_free(&p);
}

static void test_sections(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "A=1\n[Foo]\nB=2\n[X-Bar]\nC=3\n[Service]\nD=4\n[Socket]\nE=5\n[]\nF=6\n[service]\nG=7\n");
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 1); /* only D: everything in unknown sections is dropped */
	assert_assignment(&p.u, 0, "Service", "D", "4", 7);
	assert_true(has_diag(&p.d, 1, "Assignment outside of section"));
	assert_true(has_diag(&p.d, 2, "Unknown section 'Foo'"));
	assert_false(has_diag(&p.d, 4, "Unknown section")); /* X- sections are silent */
	assert_false(has_diag(&p.d, 3, "")); /* lines in an ignored section: silent */
	assert_true(has_diag(&p.d, 8, "Unknown section 'Socket'"));
	assert_true(has_diag(&p.d, 10, "Unknown section ''"));
	assert_true(has_diag(&p.d, 12, "Unknown section 'service'")); /* case matters */
	parsed_free(&p);
	/* the accepted sections follow the unit type */
	parse_named(&p, "t.socket", "[Socket]\nListenStream=/x\n[Service]\nA=1\n", 38);
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 1);
	assert_string_equal(p.u.v[0].section, "Socket");
	parsed_free(&p);
}

static void test_bad_lines(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "[Service]\nfoo\n=bar\n.include /etc/x\nA=1\n");
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 1);
	assert_true(has_diag(&p.d, 2, "Missing '='"));
	assert_true(has_diag(&p.d, 3, "Missing key name"));
	assert_true(has_diag(&p.d, 4, "Missing '='")); /* .include is gone in 252: a plain bad line */
	assert_int_equal(hd_diags_count(&p.d, HD_ERROR), 0);
	parsed_free(&p);
	/* a section header must end with ']' (after trimming): fatal */
	static const char *const bad[] = { "[Service\nA=1\n", "[Service] x\n", "[" };
	for (size_t i = 0; i < 3; i++) {
		parse(&p, bad[i]);
		assert_int_equal(p.r, -EBADMSG);
		assert_true(has_diag(&p.d, 1, "Invalid section header"));
		parsed_free(&p);
	}
	/* quotes, backslashes, control characters in a section name: fatal, X- sections too */
	static const char *const unsafe[] = { "[Ser\"vice]\n", "[Ser\\vice]\n", "[Ser\tvice]\n", "[X-'a]\n",
					      "[Ser\x7fvice]\n" };
	for (size_t i = 0; i < 5; i++) {
		parse(&p, unsafe[i]);
		assert_int_equal(p.r, -EBADMSG);
		assert_true(has_diag(&p.d, 1, "Bad characters in section header"));
		parsed_free(&p);
	}
	parse(&p, "[[Service]]\nA=1\n"); /* only the outer brackets are removed: unknown section */
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 0);
	assert_true(has_diag(&p.d, 1, "Unknown section '[Service]'"));
	parsed_free(&p);
	parse(&p, "[Service] \nA=1\n"); /* trailing space is trimmed */
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 1);
	parsed_free(&p);
}

static char *long_text(const char *head, size_t fill, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + fill + tl + 1);
	memcpy(s, head, hl);
	memset(s + hl, 'a', fill);
	memcpy(s + hl + fill, tail, tl + 1);
	return s;
}

static void test_long_lines(void **state)
{
	(void)state;
	struct parsed p;
	/* systemd: a line of 1048575 bytes loads, one of 1048576 does not (also at end of file) */
	const char *head = "[Service]\nDescription=";
	size_t key = strlen("Description=");
	for (int eof = 0; eof < 2; eof++) {
		char *ok = long_text(head, HD_UNIT_LINE_MAX - 1 - key, eof ? "" : "\nA=1\n");
		parse(&p, ok);
		assert_int_equal(p.r, 0);
		assert_int_equal(strlen(p.u.v[0].value), HD_UNIT_LINE_MAX - 1 - key);
		parsed_free(&p);
		free(ok);
		char *bad = long_text(head, HD_UNIT_LINE_MAX - key, eof ? "" : "\nA=1\n");
		parse(&p, bad);
		assert_int_equal(p.r, -ENOBUFS);
		assert_true(has_diag(&p.d, 2, "too long"));
		parsed_free(&p);
		free(bad);
	}
	/* a continued line may total 1048576 bytes, not one more */
	for (int extra = 0; extra < 2; extra++) {
		char *t = long_text(head, HD_UNIT_LINE_MAX - key - 1000 + (size_t)extra, "\\\n");
		char *tail = long_text(t, 999, "\n");
		parse(&p, tail);
		assert_int_equal(p.r, extra ? -ENOBUFS : 0);
		parsed_free(&p);
		free(t);
		free(tail);
	}
}

static void test_null_name_and_empty(void **state)
{
	(void)state;
	struct parsed p;
	parse_named(&p, NULL, "[Service]\nA=1\n", 14); /* no name: taken as a service */
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 1);
	parsed_free(&p);
	parse_named(&p, "t.service", "", 0);
	assert_int_equal(p.r, 0);
	assert_int_equal(p.u.n, 0);
	parsed_free(&p);
}

/* ---- names -------------------------------------------------------------------------------------- */

static void test_names(void **state)
{
	(void)state;
	assert_true(hd_unit_name_is_valid("foo.service"));
	assert_true(hd_unit_name_is_valid("foo@.service"));
	assert_true(hd_unit_name_is_valid("foo@bar@baz.service"));
	assert_true(hd_unit_name_is_valid("a-b\\x2dc.socket"));
	assert_false(hd_unit_name_is_valid("foo.txt"));
	assert_false(hd_unit_name_is_valid("foo"));
	assert_false(hd_unit_name_is_valid(".service"));
	assert_false(hd_unit_name_is_valid("@.service"));
	assert_false(hd_unit_name_is_valid("a b.service"));
	assert_false(hd_unit_name_is_valid(""));
	char big[300];
	memset(big, 'a', sizeof(big));
	strcpy(big + 250, ".service");
	assert_false(hd_unit_name_is_valid(big));
}

/* ---- loading ------------------------------------------------------------------------------------ */

static char *make_root(void)
{
	char *tmpl = strdup("/tmp/hd-unit-test.XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	return tmpl;
}

static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pathf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	assert_true(vasprintf(&s, fmt, ap) > 0);
	va_end(ap);
	return s;
}

static void test_load_errors(void **state)
{
	(void)state;
	char *root = make_root();
	struct hd_unit u;
	hd_diags d = { 0 };
	struct hd_unit_load_options opt = { .sdver = HD_SYSTEMD_252 };

	char *p = pathf("%s/missing.service", root);
	assert_int_equal(hd_unit_load(p, &opt, &u, &d), -ENOENT);
	assert_true(d.n > 0 && d.v[d.n - 1].file && strstr(d.v[d.n - 1].file, "missing.service"));
	free(p);

	assert_int_equal(hd_unit_load("", &opt, &u, &d), -EINVAL);
	assert_int_equal(hd_unit_load(NULL, &opt, &u, &d), -EINVAL);

	p = pathf("%s/foo.txt", root);
	write_file(p, "[Service]\nExecStart=/bin/true\n");
	assert_int_equal(hd_unit_load(p, &opt, &u, &d), -EINVAL);
	assert_string_equal(d.v[d.n - 1].file, p);
	free(p);

	p = pathf("%s/dir.service", root);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(hd_unit_load(p, &opt, &u, &d), -EISDIR);
	free(p);

	p = pathf("%s/empty.service", root); /* systemd: "Unit empty.service is masked." */
	write_file(p, "");
	assert_int_equal(hd_unit_load(p, &opt, &u, &d), -ERFKILL);
	free(p);

	p = pathf("%s/junk.service", root);
	FILE *f = fopen(p, "w");
	for (int i = 0; i < 4096; i++)
		fputc((i * 7919 + 13) & 0xff, f);
	fclose(f);
	assert_true(hd_unit_load(p, &opt, &u, &d) < 0);
	free(p);

	p = pathf("%s/noexec.service", root); /* systemd refuses a service without ExecStart= */
	write_file(p, "[Service]\nUser=nobody\n");
	assert_int_equal(hd_unit_load(p, &opt, &u, &d), -ENOEXEC);
	assert_true(has_diag(&d, 0, "Service has no ExecStart="));
	opt.parse_only = 1;
	assert_int_equal(hd_unit_load(p, &opt, &u, &d), 0);
	hd_unit_free(&u);
	opt.parse_only = 0;
	free(p);

	p = pathf("%s/badexec.service", root);
	write_file(p, "[Service]\nExecStart=/bin/true\nExecStartPre=@@LIBEXECDIR@@/sshd-keygen\n");
	assert_int_equal(hd_unit_load(p, &opt, &u, &d), -ENOEXEC);
	assert_true(has_diag(&d, 3, "Neither a valid executable name nor an absolute path"));
	/* with '-' systemd ignores the bad line */
	write_file(p, "[Service]\nExecStart=/bin/true\nExecStartPre=-@@LIBEXECDIR@@/sshd-keygen\n");
	assert_int_equal(hd_unit_load(p, &opt, &u, &d), 0);
	hd_unit_free(&u);
	free(p);

	p = pathf("%s/ok.service", root);
	write_file(p, "[Service]\nExecStart=/bin/true\nExecStart=\n[Unit]\nSuccessAction=exit\n");
	assert_int_equal(hd_unit_load(p, &opt, &u, &d), 0);
	assert_string_equal(u.name, "ok.service");
	assert_string_equal(u.path, p);
	assert_int_equal(u.n, 3);
	assert_string_equal(u.v[0].file, p);
	hd_unit_free(&u);
	free(p);

	hd_diags_free(&d);
	rm_rf(root);
	free(root);
}

/* The reader must not block on a FIFO (the open waits for a writer): run the load in a child under an
 * alarm so that a regression fails this test instead of hanging it. Returns hd_unit_load's result. */
static int load_bounded(const char *path, const struct hd_unit_load_options *opt, hd_diags *d)
{
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		alarm(10);
		struct hd_unit u;
		hd_diags cd = { 0 };
		int r = hd_unit_load(path, opt, &u, &cd);
		if (r == 0)
			hd_unit_free(&u);
		/* the result, then each diag as "severity TEXT" lines for the parent */
		dprintf(pfd[1], "%d\n", r);
		for (size_t i = 0; i < cd.n; i++)
			dprintf(pfd[1], "%d %s: %s\n", (int)cd.v[i].severity, cd.v[i].file ? cd.v[i].file : "",
				cd.v[i].text);
		_exit(0);
	}
	close(pfd[1]);
	FILE *f = fdopen(pfd[0], "r");
	assert_non_null(f);
	char line[1024];
	int r = 1;
	bool first = true;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (first)
			r = atoi(line);
		else
			hd_diag_add(d, (hd_severity)atoi(line), NULL, 0, "%s", strchr(line, ' ') + 1);
		first = false;
	}
	fclose(f);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st)); /* SIGALRM: the load blocked */
	assert_false(first);
	return r;
}

/* Issue 25 items 7 and 9: a FIFO unit file or drop-in (or a symlink to one) is refused, naming it, without
 * blocking; a dangling, looping or directory symlink drop-in is skipped with a warning, as systemd 252
 * does (its load_dropin ignores config_parse's failure), and the unit loads with the other drop-ins. */
static void test_hostile_files(void **state)
{
	(void)state;
	char *root = make_root();
	hd_diags d = { 0 };
	struct hd_unit_load_options opt = { .sdver = HD_SYSTEMD_252, .search_path = (const char *const[]){ NULL } };
	char *unit = pathf("%s/h.service", root), *dd = pathf("%s/h.service.d", root);
	char *fifo = pathf("%s/fifo", root), *real = pathf("%s/h.service.d/50-real.conf", root);
	write_file(unit, "[Service]\nExecStart=/bin/true\n");
	write_file(real, "[Service]\nUser=nobody\n");
	assert_int_equal(mkfifo(fifo, 0600), 0);

	/* skipped, with a warning naming each; the real drop-in still applies */
	char *dangling = pathf("%s/10-dangling.conf", dd), *loop = pathf("%s/20-loop.conf", dd);
	char *dir = pathf("%s/30-dir.conf", dd);
	assert_int_equal(symlink("/nonexistent/harden-x.conf", dangling), 0);
	assert_int_equal(symlink("20-loop.conf", loop), 0);
	assert_int_equal(symlink(root, dir), 0);
	struct hd_unit u;
	assert_int_equal(hd_unit_load(unit, &opt, &u, &d), 0);
	assert_int_equal(u.dropins.n, 1);
	assert_string_equal(u.dropins.v[0], real);
	assert_non_null(hd_unit_find_last(&u, "Service", "User"));
	hd_unit_free(&u);
	assert_int_equal(hd_diags_count(&d, HD_WARNING), 3);
	assert_int_equal(hd_diags_count(&d, HD_ERROR), 0);
	const char *const skipped[] = { dangling, loop, dir };
	for (size_t i = 0; i < 3; i++) {
		bool named = false;
		for (size_t k = 0; k < d.n; k++)
			named |= d.v[k].file && strcmp(d.v[k].file, skipped[i]) == 0 && strstr(d.v[k].text, "ignored");
		assert_true(named);
	}
	hd_diags_free(&d);
	unlink(dangling);
	unlink(loop);
	unlink(dir);

	/* a FIFO drop-in, and a symlink to one: refused, named, at once */
	char *fd_in = pathf("%s/40-fifo.conf", dd);
	assert_int_equal(mkfifo(fd_in, 0600), 0);
	assert_int_equal(load_bounded(unit, &opt, &d), -EINVAL);
	assert_true(has_diag(&d, 0, "40-fifo.conf: a FIFO, not a regular file"));
	hd_diags_free(&d);
	unlink(fd_in);
	assert_int_equal(symlink(fifo, fd_in), 0);
	assert_int_equal(load_bounded(unit, &opt, &d), -EINVAL);
	assert_true(has_diag(&d, 0, "40-fifo.conf: a FIFO, not a regular file"));
	hd_diags_free(&d);
	unlink(fd_in);

	/* the unit file itself a FIFO, or a symlink to one */
	char *fu = pathf("%s/fifo-unit.service", root), *lu = pathf("%s/link-unit.service", root);
	assert_int_equal(mkfifo(fu, 0600), 0);
	assert_int_equal(symlink(fifo, lu), 0);
	assert_int_equal(load_bounded(fu, &opt, &d), -EINVAL);
	assert_true(has_diag(&d, 0, "fifo-unit.service: a FIFO, not a regular file"));
	hd_diags_free(&d);
	assert_int_equal(load_bounded(lu, &opt, &d), -EINVAL);
	assert_true(has_diag(&d, 0, "link-unit.service: a FIFO, not a regular file"));
	hd_diags_free(&d);

	free(unit);
	free(dd);
	free(fifo);
	free(real);
	free(dangling);
	free(loop);
	free(dir);
	free(fd_in);
	free(fu);
	free(lu);
	rm_rf(root);
	free(root);
}

/* Issue 25 item 10: masked, empty and specifier failures are said in words, never by the sentinel
 * codes' strerror ("Operation not possible due to RF-kill", "Invalid slot"). */
static void test_error_messages(void **state)
{
	(void)state;
	char *root = make_root();
	hd_diags d = { 0 };
	struct hd_unit_load_options opt = { .sdver = HD_SYSTEMD_252, .search_path = (const char *const[]){ NULL } };
	struct hd_unit u;
	char *masked = pathf("%s/m.service", root), *empty = pathf("%s/e.service", root);
	char *spec = pathf("%s/s.service", root);
	assert_int_equal(symlink("/dev/null", masked), 0);
	write_file(empty, "");
	write_file(spec, "[Service]\nExecStart=/bin/echo %Z\n");
	assert_int_equal(hd_unit_load(masked, &opt, &u, &d), -ERFKILL);
	assert_true(has_diag(&d, 0, "unit m.service is masked (a link to /dev/null)"));
	assert_int_equal(hd_unit_load(empty, &opt, &u, &d), -ERFKILL);
	assert_true(has_diag(&d, 0, "unit file is empty"));
	assert_int_equal(hd_unit_load(spec, &opt, &u, &d), -ENOEXEC);
	assert_true(has_diag(&d, 2, "specifier %Z cannot be resolved in '%Z': no such specifier"));
	for (size_t i = 0; i < d.n; i++) {
		assert_null(strstr(d.v[i].text, strerror(ERFKILL)));
		assert_null(strstr(d.v[i].text, strerror(EBADSLT)));
	}
	assert_string_equal(hd_unit_strerror(-ERFKILL), "unit is masked");
	assert_string_equal(hd_unit_strerror(-EBADSLT), "a specifier cannot be resolved");
	assert_string_equal(hd_unit_strerror(-ENOENT), strerror(ENOENT));
	char *out = NULL, why[256] = "";
	u = (struct hd_unit){ .name = (char *)"x.service" };
	assert_int_equal(hd_unit_expand_specifiers_why(&u, "a %n %Q", &out, why, sizeof(why)), -EBADSLT);
	assert_string_equal(why, "specifier %Q cannot be resolved in 'a %n %Q': no such specifier");
	assert_null(out);
	hd_diags_free(&d);
	free(masked);
	free(empty);
	free(spec);
	rm_rf(root);
	free(root);
}

/*
 * Drop-ins, laid out as systemd-analyze sees them under --root: the unit file's directory comes first,
 * then the system search path. The expected order was derived from systemd's rules (name-specific
 * directories per search directory, then prefix directories, then the type-level "service.d" last;
 * a file name in an earlier directory masks the same name later; sorted by file name).
 */
static const struct {
	const char *dir; /* under the root; "W" = the unit's own directory */
	const char *file;
} dropin_layout[] = {
	{ "W/hdzq-x-y.service.d", "10-a.conf" },
	{ "/etc/systemd/system/hdzq-x-y.service.d", "10-a.conf" },      /* masked by W */
	{ "/etc/systemd/system/hdzq-x-y.service.d", "20-b.conf" },
	{ "/usr/lib/systemd/system/hdzq-x-y.service.d", "05-z.conf" },
	{ "/usr/lib/systemd/system/hdzq-x-y.service.d", "20-b.conf" },  /* masked by /etc */
	{ "/etc/systemd/system/hdzq-x-.service.d", "15-p.conf" },
	{ "/etc/systemd/system/hdzq-.service.d", "16-p.conf" },
	{ "/etc/systemd/system/service.d", "17-t.conf" },
	{ "/lib/systemd/system/hdzq-x-y.service.d", "18-lib.conf" },
	{ "/run/systemd/system/hdzq-x-y.service.d", "19-run.conf" },
	{ "/usr/local/lib/systemd/system/hdzq-x-y.service.d", "21-loc.conf" },
	{ "/etc/systemd/system/hdzq-x-y.service.d", "notconf.txt" },     /* not *.conf */
	{ "/etc/systemd/system/hdzq-x-y.service.d", ".hidden.conf" },    /* hidden */
	{ "/etc/systemd/system/other.service.d", "22-other.conf" },      /* another unit */
};
static const char *const dropin_expected[] = {
	"/usr/lib/systemd/system/hdzq-x-y.service.d/05-z.conf",
	"W/hdzq-x-y.service.d/10-a.conf",
	"/etc/systemd/system/hdzq-x-.service.d/15-p.conf",
	"/etc/systemd/system/hdzq-.service.d/16-p.conf",
	"/etc/systemd/system/service.d/17-t.conf",
	"/lib/systemd/system/hdzq-x-y.service.d/18-lib.conf",
	"/run/systemd/system/hdzq-x-y.service.d/19-run.conf",
	"/etc/systemd/system/hdzq-x-y.service.d/20-b.conf",
	"/usr/local/lib/systemd/system/hdzq-x-y.service.d/21-loc.conf",
};

/* "DropIn Path:" lines of systemd-analyze's debug dump of the unit, in order. */
static void systemd_dropins(const char *root, const char *cwd, const char *name, hd_strv *out)
{
	char *cmd = pathf("cd '%s' && SYSTEMD_LOG_LEVEL=debug systemd-analyze security --offline=true "
			  "--root='%s' '%s' 2>&1 | sed -n 's/^[[:space:]]*DropIn Path: //p'", cwd, root, name);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	char line[PATH_MAX + 64];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		hd_strv_push(out, line);
	}
	pclose(f);
	free(cmd);
}

static void test_dropins(void **state)
{
	(void)state;
	char *root = make_root();
	/* the unit's directory: cwd is ROOT/w, which systemd looks up as ROOT + ROOT/w */
	char *cwd = pathf("%s/w", root);
	char *wdir = pathf("%s%s/w", root, root);
	char *unit = pathf("%s/hdzq-x-y.service", wdir);
	write_file(unit, "[Service]\nExecStart=/bin/true\nUser=main\n");
	char *cwd_unit = pathf("%s/hdzq-x-y.service", cwd);
	write_file(cwd_unit, "[Service]\nExecStart=/bin/true\nUser=main\n");
	for (size_t i = 0; i < sizeof(dropin_layout) / sizeof(dropin_layout[0]); i++) {
		char *p = dropin_layout[i].dir[0] == 'W'
				  ? pathf("%s%s/%s", wdir, dropin_layout[i].dir + 1, dropin_layout[i].file)
				  : pathf("%s%s/%s", root, dropin_layout[i].dir, dropin_layout[i].file);
		char *content = pathf("[Service]\nUser=%s\n", dropin_layout[i].file);
		write_file(p, content);
		free(content);
		free(p);
	}
	char old[PATH_MAX];
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir(cwd), 0);
	struct hd_unit u;
	hd_diags d = { 0 };
	struct hd_unit_load_options opt = { .root = root, .sdver = HD_SYSTEMD_252 };
	int r = hd_unit_load("hdzq-x-y.service", &opt, &u, &d);
	assert_int_equal(chdir(old), 0);
	assert_int_equal(r, 0);
	assert_string_equal(u.path, unit);
	size_t ne = sizeof(dropin_expected) / sizeof(dropin_expected[0]);
	assert_int_equal(u.dropins.n, ne);
	for (size_t i = 0; i < ne; i++) {
		char *want = dropin_expected[i][0] == 'W' ? pathf("%s%s", wdir, dropin_expected[i] + 1)
							  : pathf("%s%s", root, dropin_expected[i]);
		assert_string_equal(u.dropins.v[i], want);
		free(want);
	}
	/* main file first, then drop-ins in order: the last User= is the one of 21-loc.conf */
	assert_string_equal(u.v[1].value, "main");
	assert_string_equal(hd_unit_find_last(&u, "Service", "User")->value, "21-loc.conf");
	assert_int_equal(u.n, 2 + ne);

	/* the oracle: systemd-analyze lists the same drop-ins in the same order */
	if (have_systemd_analyze()) {
		hd_strv sd = { 0 };
		systemd_dropins(root, cwd, "hdzq-x-y.service", &sd);
		assert_int_equal(sd.n, u.dropins.n);
		for (size_t i = 0; i < sd.n; i++)
			assert_string_equal(sd.v[i], u.dropins.v[i]);
		hd_strv_free(&sd);
	} else
		fprintf(stderr, "note: systemd-analyze not installed, drop-in order not compared with it\n");

	/* an explicit search path replaces the system one (still under the root, after the unit's dir) */
	hd_unit_free(&u);
	const char *const sp[] = { "/usr/lib/systemd/system", NULL };
	opt.search_path = sp;
	assert_int_equal(chdir(cwd), 0);
	r = hd_unit_load("hdzq-x-y.service", &opt, &u, &d);
	assert_int_equal(chdir(old), 0);
	assert_int_equal(r, 0);
	assert_int_equal(u.dropins.n, 3); /* 05-z, W's 10-a, /usr/lib's 20-b */
	assert_non_null(strstr(u.dropins.v[2], "/usr/lib/systemd/system/hdzq-x-y.service.d/20-b.conf"));
	hd_unit_free(&u);

	/* a bad drop-in makes the unit fail to load, naming the drop-in */
	char *bad = pathf("%s/hdzq-x-y.service.d/30-bad.conf", wdir);
	write_file(bad, "[Service\n");
	assert_int_equal(chdir(cwd), 0);
	r = hd_unit_load("hdzq-x-y.service", &opt, &u, &d);
	assert_int_equal(chdir(old), 0);
	assert_int_equal(r, -EBADMSG);
	assert_string_equal(d.v[d.n - 1].file, bad);
	free(bad);

	hd_diags_free(&d);
	rm_rf(root);
	free(root);
	free(cwd);
	free(wdir);
	free(unit);
	free(cwd_unit);
}

static void test_templates(void **state)
{
	(void)state;
	char *root = make_root();
	char *unit = pathf("%s/hdzq-bar@.service", root);
	write_file(unit, "[Service]\nExecStart=/bin/echo %i\n");
	static const char *const dirs[] = {
		"hdzq-bar@.service.d", "hdzq-bar@i.service.d", "hdzq-bar@other.service.d", "hdzq-.service.d",
		"hdzq-@i.service.d", "hdzq-@.service.d", "hdzq.service.d",
	};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *p = pathf("%s/%s/%02zu.conf", root, dirs[i], i);
		write_file(p, "[Service]\nUser=x\n");
		free(p);
	}
	/* same name in the instance and the template directory: the instance's wins */
	char *p = pathf("%s/hdzq-bar@i.service.d/50-same.conf", root);
	write_file(p, "[Service]\nUser=instance\n");
	free(p);
	p = pathf("%s/hdzq-bar@.service.d/50-same.conf", root);
	write_file(p, "[Service]\nUser=template\n");
	free(p);

	struct hd_unit u;
	hd_diags d = { 0 };
	const char *const sp[] = { NULL };
	struct hd_unit_load_options opt = { .sdver = HD_SYSTEMD_252, .search_path = sp };
	assert_int_equal(hd_unit_load(unit, &opt, &u, &d), 0);
	assert_string_equal(u.name, "hdzq-bar@i.service");
	assert_string_equal(u.instance, "i");
	assert_int_equal(u.dropins.n, 6); /* 00 01 03 04 05 50-same; not "other", not "foo.service.d" */
	const char *want[] = { "hdzq-bar@.service.d/00.conf", "hdzq-bar@i.service.d/01.conf",
			       "hdzq-.service.d/03.conf",     "hdzq-@i.service.d/04.conf",
			       "hdzq-@.service.d/05.conf",    "hdzq-bar@i.service.d/50-same.conf" };
	for (size_t i = 0; i < 6; i++)
		assert_non_null(strstr(u.dropins.v[i], want[i]));
	assert_string_equal(hd_unit_find_last(&u, "Service", "User")->value, "instance");
	if (have_systemd_analyze()) { /* the same list, in the same order, from systemd-analyze */
		hd_strv sd = { 0 };
		systemd_dropins("/", root, "hdzq-bar@.service", &sd);
		assert_int_equal(sd.n, u.dropins.n);
		for (size_t i = 0; i < sd.n; i++)
			assert_string_equal(sd.v[i], u.dropins.v[i]);
		hd_strv_free(&sd);
	}
	char *e = NULL;
	assert_int_equal(hd_unit_expand_specifiers(&u, hd_unit_find_last(&u, "Service", "ExecStart")->value, &e), 0);
	assert_string_equal(e, "/bin/echo i");
	free(e);
	hd_unit_free(&u);

	opt.instance = "other";
	assert_int_equal(hd_unit_load(unit, &opt, &u, &d), 0);
	assert_string_equal(u.name, "hdzq-bar@other.service");
	assert_non_null(strstr(u.dropins.v[1], "hdzq-bar@other.service.d/02.conf"));
	hd_unit_free(&u);

	opt.instance = NULL;
	opt.sdver = HD_SYSTEMD_LATEST; /* current systemd-analyze uses "test_instance" */
	assert_int_equal(hd_unit_load(unit, &opt, &u, &d), 0);
	assert_string_equal(u.name, "hdzq-bar@test_instance.service");
	hd_unit_free(&u);

	/* "x@.y.service" is an instance (".y"), not a template */
	char *inst = pathf("%s/x@.y.service", root);
	write_file(inst, "[Service]\nExecStart=/bin/true\n");
	opt.instance = NULL;
	assert_int_equal(hd_unit_load(inst, &opt, &u, &d), 0);
	assert_string_equal(u.name, "x@.y.service");
	assert_string_equal(u.instance, ".y");
	hd_unit_free(&u);
	free(inst);

	opt.instance = "bad instance";
	assert_int_equal(hd_unit_load(unit, &opt, &u, &d), -EINVAL);

	hd_diags_free(&d);
	rm_rf(root);
	free(root);
	free(unit);
}

/* ---- specifiers --------------------------------------------------------------------------------- */

static char *expand(const char *name, const char *path, const char *value, int *r)
{
	struct hd_unit u = { .name = (char *)name, .path = (char *)path };
	char *out = NULL;
	*r = hd_unit_expand_specifiers(&u, value, &out);
	return out;
}

static void test_specifiers_static(void **state)
{
	(void)state;
	static const struct {
		const char *name, *value, *want;
	} cases[] = {
		/* values systemd-analyze 252 printed for these names */
		{ "x-y-z@in-st\\x2dance.service", "%n|%N|%p|%P|%i|%I|%j|%J|%f",
		  "x-y-z@in-st\\x2dance.service|x-y-z@in-st\\x2dance|x-y-z|x/y/z|in-st\\x2dance|in/st-ance|z|z|/in/st-ance" },
		{ "foo@bar.service", "%j|%J|%f|%P|%I", "foo|foo|/bar|foo|bar" },
		{ "a-b\\x2dc.service", "%f|%j|%J|%i|%I", "/a/b-c|b\\x2dc|b-c||" },
		{ "foo.service", "%c %d %C %E %L %S %t", "/foo.service /run/credentials/foo.service /var/cache /etc "
							"/var/log /var/lib /run" },
		{ "foo.service", "100%% %r%R", "100% " },
		{ "foo.service", "a% b %- %/ %~ %", "a% b %- %/ %~ %" }, /* not letters or digits: kept */
		{ "foo.service", "%y %Y", "/srv/u/foo.service /srv/u" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;
		char *got = expand(cases[i].name, "/srv/u/foo.service", cases[i].value, &r);
		assert_int_equal(r, 0);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
	static const char *const bad[] = { "%z", "%k", "%0", "%9", "x%Zy", "%x%" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r;
		assert_null(expand("foo.service", NULL, bad[i], &r));
		assert_int_equal(r, -EBADSLT);
	}
	assert_non_null(hd_unit_specifier_describe('n'));
	assert_non_null(hd_unit_specifier_describe('%'));
	assert_null(hd_unit_specifier_describe('z'));
	int r;
	assert_null(expand("a-b-.service", NULL, "%f", &r)); /* path ends in '/': systemd says EINVAL */
	assert_int_equal(r, -EINVAL);
}

/* Every letter and digit after '%': our value against the Description= systemd-analyze shows. */
static void test_specifiers_oracle(void **state)
{
	(void)state;
	if (!have_systemd_analyze()) {
		fprintf(stderr, "skipped: systemd-analyze not installed\n");
		skip();
	}
	char *root = make_root();
	const char *name = "x-y-z@in-st\\x2dance.service";
	char *unit = pathf("%s/%s", root, name);
	const char *letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t compared = 0, errors = 0;
	for (const char *l = letters; *l; l++) {
		char *content = pathf("[Unit]\nDescription=<%%%c>\n[Service]\nExecStart=/bin/true\n", *l);
		write_file(unit, content);
		free(content);
		char *cmd = pathf("cd '%s' && SYSTEMD_LOG_LEVEL=debug systemd-analyze security --offline=true "
				  "'%s' 2>&1 | grep -a -E 'Description: |Failed to resolve unit specifiers'",
				  root, name);
		FILE *f = popen(cmd, "r");
		char line[4096] = "", sd[4096] = "";
		bool sd_failed = false;
		while (fgets(line, sizeof(line), f)) {
			if (strstr(line, "Failed to resolve unit specifiers"))
				sd_failed = true;
			char *dsc = strstr(line, "Description: <");
			if (dsc) {
				snprintf(sd, sizeof(sd), "%s", dsc + strlen("Description: <"));
				sd[strcspn(sd, "\n")] = '\0';
				if (*sd)
					sd[strlen(sd) - 1] = '\0'; /* the closing '>' */
			}
		}
		pclose(f);
		free(cmd);
		char *value = pathf("<%%%c>", *l);
		int r;
		char *ours = expand(name, unit, value, &r);
		free(value);
		if (sd_failed) {
			assert_true(r < 0);
			errors++;
		} else {
			if (r != 0)
				fprintf(stderr, "%%%c: systemd gave '%s', we failed (%d)\n", *l, sd, r);
			assert_int_equal(r, 0);
			ours[strlen(ours) - 1] = '\0';
			if (strcmp(ours + 1, sd) != 0)
				fprintf(stderr, "%%%c: systemd '%s', ours '%s'\n", *l, sd, ours + 1);
			assert_string_equal(ours + 1, sd);
			compared++;
		}
		free(ours);
	}
	fprintf(stderr, "specifiers: %zu values equal to systemd-analyze's, %zu refused by both\n", compared, errors);
	assert_true(compared >= 38);
	rm_rf(root);
	free(root);
	free(unit);
}

/* ---- accept/refuse, case by case, against systemd-analyze ------------------------------------------ */

/*
 * Unit texts and systemd 252's verdict (exit code of `systemd-analyze security --offline=true`, recorded
 * on Debian 12 with 252.38). When systemd-analyze is installed the verdict is taken from it afresh.
 */
static const struct verdict_case {
	const char *name, *text;
	int accepted;
} verdict_cases[] = {
	{ "a.service", "[Service]\nExecStart=/bin/true\n", 1 },
	{ "a.service", "", 0 },                                       /* masked */
	{ "a.service", "   \n", 0 },                                  /* no ExecStart= */
	{ "a.service", "[Service\nExecStart=/bin/true\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nX=caf\xe9\n", 0 },
	{ "a.service", "# caf\xe9\n[Service]\nExecStart=/bin/true\n", 1 },
	{ "a.service", "[Foo]\n[Service]\nExecStart=/bin/true\n", 1 },
	{ "a.service", "[Service]\rExecStart=/bin/true\r", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true\\\n# c\n  --x\n", 1 },
	{ "a.service", "[Service]\nExecStop=/bin/true\n", 0 },
	{ "a.service", "[Service]\nExecStop=/bin/true\nRemainAfterExit=yes\n", 1 },
	{ "a.service", "[Service]\nType=simple\nExecStop=/bin/true\nRemainAfterExit=yes\n", 0 },
	{ "a.service", "[Unit]\nSuccessAction=exit\n[Service]\nType=oneshot\n", 1 },
	{ "a.service", "[Unit]\nSuccessAction=bogus\n[Service]\nType=oneshot\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nExecStart=/bin/false\n", 0 },
	{ "a.service", "[Service]\nType=oneshot\nExecStart=/bin/true\nExecStart=/bin/false\n", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nExecStart=\nExecStart=/bin/false\n", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true ; /bin/false\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true ;\n", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true \";\" x/y\n", 1 },
	{ "a.service", "[Service]\nType=oneshot\nExecStart=/bin/true\nRestart=always\n", 0 },
	{ "a.service", "[Service]\nType=oneshot\nExecStart=/bin/true\nRestart=on-failure\n", 1 },
	{ "a.service", "[Service]\nType=oneshot\nExecStart=/bin/true\nExitType=cgroup\n", 0 },
	{ "a.service", "[Service]\nType=dbus\nExecStart=/bin/true\n", 0 },
	{ "a.service", "[Service]\nType=dbus\nExecStart=/bin/true\nBusName=org.foo\n", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nPAMName=login\nKillMode=process\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nPAMName=login\nKillMode=process\nKillMode=\n", 1 },
	{ "a.service", "[Service]\nExecStart=./foo\n", 0 },
	{ "a.service", "[Service]\nExecStart=-./foo\n", 0 },
	{ "a.service", "[Service]\nExecStart=-./foo\nExecStart=/bin/true\n", 1 },
	{ "a.service", "[Service]\nExecStart=foo\n", 1 },
	{ "a.service", "[Service]\nExecStart=/usr/bin/\n", 0 },
	{ "a.service", "[Service]\nExecStart=/usr/bin/../bin/true\n", 1 },
	{ "a.service", "[Service]\nExecStart=@/bin/true\n", 0 },
	{ "a.service", "[Service]\nExecStart=@/bin/true argv0\n", 1 },
	{ "a.service", "[Service]\nExecStart=+!/bin/true\n", 0 },
	{ "a.service", "[Service]\nExecStart=!!/bin/true\n", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true 'x\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nExecStop=/bin/x'y z\n", 1 }, /* line dropped */
	{ "a.service", "[Service]\nExecStart=/bin/x'y z\n", 0 },
	{ "a.service", "[Ser\"vice]\n[Service]\nExecStart=/bin/true\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/tr\\\"ue\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/t\\x00rue\n", 0 },
	{ "a.service", "[Service]\nExecStart=foo\\x2fbar\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/echo %z\n", 0 },
	{ "a.service", "[Service]\nExecStart=-/bin/echo %z\n", 0 },
	{ "a.service", "[Service]\nExecStart=/x/%I\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nDynamicUser=maybe\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nDynamicUser=\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nDynamicUser=YES\n", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nUser=-1\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nUser=65535\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nUser=4294967294\n", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nUser=a b\n", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nUser=a:b\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nUser=%i\n", 0 },
	{ "a@.service", "[Service]\nExecStart=/bin/true\nUser=%i\n", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nGroup=..\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nSupplementaryGroups=a \"b c\" -1\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nWorkingDirectory=relative\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nWorkingDirectory=-relative\n", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nWorkingDirectory=~\n", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nRootDirectory=/a/../b\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nRootImage=-rel\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nSELinuxContext=%z\n", 0 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nSELinuxContext=-%z\n", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nPAMName=%z\n", 1 },
	{ "a.service", "[Service]\nExecStart=/bin/true\nProtectSystem=bogus\n", 1 },
	{ "a.socket", "[Socket]\nListenStream=/x\n", 1 },
	{ "a.socket", "[Socket]\nListenStream=/x\nExecStartPre=./x\n", 0 },
	{ "a.target", "[Unit]\nDescription=x\n", 1 },
};

static void test_verdicts(void **state)
{
	(void)state;
	bool oracle = have_systemd_analyze();
	char *root = make_root();
	size_t n = sizeof(verdict_cases) / sizeof(verdict_cases[0]), from_systemd = 0;
	for (size_t i = 0; i < n; i++) {
		const struct verdict_case *vc = &verdict_cases[i];
		char *path = pathf("%s/%s", root, vc->name);
		write_file(path, vc->text);
		int want = vc->accepted;
		if (oracle) {
			char *cmd = pathf("cd '%s' && systemd-analyze security --offline=true '%s' >/dev/null 2>&1",
					  root, vc->name);
			int st = system(cmd);
			free(cmd);
			int sd = WIFEXITED(st) && WEXITSTATUS(st) == 0;
			if (sd != want)
				fprintf(stderr, "case %zu: systemd-analyze now says %d, table says %d\n", i, sd, want);
			assert_int_equal(sd, want);
			from_systemd++;
		}
		struct hd_unit u;
		hd_diags d = { 0 };
		const char *const sp[] = { NULL };
		struct hd_unit_load_options opt = { .sdver = HD_SYSTEMD_252, .search_path = sp };
		int r = hd_unit_load(path, &opt, &u, &d);
		if ((r == 0) != want)
			fprintf(stderr, "case %zu (%s): hd_unit_load %d, systemd %s: %s\n", i, vc->name, r,
				want ? "accepts" : "refuses", d.n ? d.v[d.n - 1].text : "");
		assert_int_equal(r == 0, want);
		if (r == 0)
			hd_unit_free(&u);
		else
			assert_true(hd_diags_count(&d, HD_ERROR) > 0); /* a refusal always says why */
		hd_diags_free(&d);
		unlink(path);
		free(path);
	}
	fprintf(stderr, "verdicts: %zu cases agree with systemd 252 (%zu re-checked with systemd-analyze)\n", n,
		from_systemd);
	rm_rf(root);
	free(root);
}

/* ---- mutated corpus files against systemd-analyze ----------------------------------------------- */

/* Fragments spliced into real unit files: syntax edges and settings systemd is strict about. */
static const char *const mutation_tokens[] = {
	"\\\n", "\r", "\xe9", "[", "]", "=", "#", ";", "%z", "%i", "%", "\n", " ", "\t", "\"", "'",
	"ExecStart=", "ExecStart=/bin/true\n", "ExecStart=\n", "User=-1\n", "Type=oneshot\n", "Type=dbus\n",
	"[Service]\n", "[Unit]\n", "[X-Foo]\n", "DynamicUser=maybe\n", "WorkingDirectory=rel\n", "@", "-", "!",
	"+", "\xef\xbb\xbf", "Restart=always\n", "RemainAfterExit=yes\n", "SuccessAction=exit\n",
	"KillMode=process\n", "PAMName=x\n", "\\", "/", "..", "ExecStop=/bin/x\n", "\xc3\xa9", "%I", " ; ",
	"User=%i\n", "RootDirectory=/a/../b\n", "ExitType=cgroup\n", "\x7f", "\\x2f", "ExecStartPre=-",
};

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The corpus belongs beside the clone (../shared): without it a differential test would compare nothing
 * and pass, so it fails, naming what is missing. HARDEN_TESTS_WITHOUT_CORPUS=1 (a package build) makes it
 * a skip instead. */
static void corpus_missing(char *path, char *also_free)
{
	char missing[4096];
	snprintf(missing, sizeof(missing), "%s", path);
	free(path);
	free(also_free);
	path = missing;
	const char *opt = getenv("HARDEN_TESTS_WITHOUT_CORPUS");
	if (opt && strcmp(opt, "1") == 0) {
		printf("skip: the corpus is missing: no %s (HARDEN_TESTS_WITHOUT_CORPUS=1)\n", path);
		skip();
	}
	fail_msg("the corpus is missing: no %s (put the project's shared/ beside the clone, or set "
		 "HARDEN_TESTS_WITHOUT_CORPUS=1 to skip)", path);
}

static void test_mutations_vs_systemd(void **state)
{
	(void)state;
	const char *shared = getenv("SHARED");
	char *edge = pathf("%s/corpus/units-edge", shared ? shared : SRCDIR "/../shared");
	char *real = pathf("%s/corpus/units", shared ? shared : SRCDIR "/../shared");
	if (access(edge, R_OK) != 0)
		corpus_missing(edge, real); /* frees them, does not return */
	if (!have_systemd_analyze()) {
		fprintf(stderr, "skipped: needs systemd-analyze (package systemd)\n");
		free(edge);
		free(real);
		skip();
	}
	hd_strv files = { 0 };
	const char *dirs[] = { edge, real };
	for (int k = 0; k < 2; k++) {
		DIR *d = opendir(dirs[k]);
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (strstr(de->d_name, ".service"))
				hd_strv_pushf(&files, "%s/%s", dirs[k], de->d_name);
		if (d)
			closedir(d);
	}
	qsort(files.v, files.n, sizeof(files.v[0]), cmp_str);
	char *root = make_root();
	uint32_t seed = 20261128;
	size_t cases = 120, agree = 0, refused = 0;
	for (size_t i = 0; i < cases; i++) {
		const char *src = files.v[lcg(&seed) % files.n];
		FILE *f = fopen(src, "rb");
		char *text = malloc(64 * 1024 + 4096);
		size_t len = fread(text, 1, 64 * 1024, f);
		fclose(f);
		int muts = 1 + (int)(lcg(&seed) % 4);
		for (int m = 0; m < muts; m++) {
			size_t pos = len ? lcg(&seed) % (len + 1) : 0;
			if (lcg(&seed) % 4 == 0 && len > 0) { /* cut a few bytes */
				size_t cut = 1 + lcg(&seed) % 20;
				if (pos + cut > len)
					cut = len - pos;
				memmove(text + pos, text + pos + cut, len - pos - cut);
				len -= cut;
			} else {
				const char *t = mutation_tokens[lcg(&seed) % (sizeof(mutation_tokens) / sizeof(mutation_tokens[0]))];
				size_t tl = strlen(t);
				memmove(text + pos + tl, text + pos, len - pos);
				memcpy(text + pos, t, tl);
				len += tl;
			}
		}
		const char *name = strstr(src, "@.service") ? "mut@.service" : "mut.service";
		char *path = pathf("%s/%s", root, name);
		f = fopen(path, "wb");
		fwrite(text, 1, len, f);
		fclose(f);
		free(text);
		char *cmd = pathf("cd '%s' && systemd-analyze security --offline=true '%s' >/dev/null 2>&1", root, name);
		int st = system(cmd);
		free(cmd);
		bool sd_ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		struct hd_unit u;
		hd_diags d = { 0 };
		const char *const sp[] = { NULL };
		struct hd_unit_load_options opt = { .sdver = HD_SYSTEMD_252, .search_path = sp };
		int r = hd_unit_load(path, &opt, &u, &d);
		if ((r == 0) == sd_ok)
			agree++;
		else {
			char *keep = pathf("%s.case%zu", path, i);
			rename(path, keep);
			fprintf(stderr, "DISAGREE (from %s, kept as %s): systemd %s, hd_unit_load %d %s\n", src, keep,
				sd_ok ? "accepts" : "refuses", r, d.n ? d.v[d.n - 1].text : "");
			free(keep);
		}
		refused += !sd_ok;
		if (r == 0)
			hd_unit_free(&u);
		hd_diags_free(&d);
		unlink(path);
		free(path);
	}
	fprintf(stderr, "mutations: %zu mutated corpus files (%zu refused by systemd-analyze); verdicts agree on %zu\n",
		cases, refused, agree);
	if (agree == cases)
		rm_rf(root);
	free(root);
	hd_strv_free(&files);
	free(edge);
	free(real);
	assert_int_equal(agree, cases);
}

/* ---- corpus differential ------------------------------------------------------------------------ */

/* The syntax messages the parser shares with systemd; compared by line and this prefix. */
static const char *const syntax_messages[] = {
	"Assignment outside of section", "Unknown section", "Missing '='", "Missing key name",
	"Invalid section header", "Bad characters in section header", "String is not UTF-8 clean",
};

static const char *syntax_message(const char *text)
{
	for (size_t i = 0; i < sizeof(syntax_messages) / sizeof(syntax_messages[0]); i++)
		if (strncmp(text, syntax_messages[i], strlen(syntax_messages[i])) == 0)
			return syntax_messages[i];
	return NULL;
}

/* "LINE message-prefix" for every syntax message systemd printed for file (text run), in order. */
static void systemd_syntax_messages(const char *shared, const char *file, hd_strv *out)
{
	char *p = pathf("%s/corpus/expected-systemd252/%s.err", shared, file);
	FILE *f = fopen(p, "r");
	free(p);
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	bool text_run = false;
	char *needle = pathf("/%s:", file);
	while (getline(&line, &cap, f) > 0) {
		if (strstr(line, "--- stderr (text run) ---"))
			text_run = true;
		char *at = text_run ? strstr(line, needle) : NULL;
		unsigned ln;
		int off = 0;
		if (at && sscanf(at + strlen(needle), "%u: %n", &ln, &off) == 1 && off > 0) {
			const char *m = syntax_message(at + strlen(needle) + off);
			if (m)
				hd_strv_pushf(out, "%u %s", ln, m);
		}
	}
	free(needle);
	free(line);
	fclose(f);
}

/* systemd's verdict from expected-systemd252/F.err: "exit_code_text: 0" = accepted */
static int expected_exit(const char *shared, const char *file)
{
	char *p = pathf("%s/corpus/expected-systemd252/%s.err", shared, file);
	FILE *f = fopen(p, "r");
	free(p);
	if (!f)
		return -1;
	char line[512];
	int rc = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "exit_code_text: %d", &rc) == 1)
			break;
	fclose(f);
	return rc;
}

static void test_corpus_differential(void **state)
{
	(void)state;
	const char *shared = getenv("SHARED");
	char *dflt = NULL;
	if (!shared) {
		dflt = pathf("%s/../shared", SRCDIR);
		shared = dflt;
	}
	static const char *const sets[] = { "units", "units-edge" };
	size_t agree = 0, total = 0, accepted = 0, refused = 0, msg_agree = 0, msg_files = 0, msg_count = 0;
	for (size_t s = 0; s < 2; s++) {
		char *dir = pathf("%s/corpus/%s", shared, sets[s]);
		DIR *d = opendir(dir);
		if (!d)
			corpus_missing(dir, dflt);
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!hd_unit_name_is_valid(de->d_name) && !strstr(de->d_name, ".service"))
				continue;
			int want = expected_exit(shared, de->d_name);
			if (want < 0)
				continue;
			char *p = pathf("%s/%s", dir, de->d_name);
			struct hd_unit u;
			hd_diags dg = { 0 };
			const char *const sp[] = { NULL }; /* the corpus runs had no drop-ins */
			struct hd_unit_load_options opt = { .sdver = HD_SYSTEMD_252, .search_path = sp };
			int r = hd_unit_load(p, &opt, &u, &dg);
			bool ok = (r == 0) == (want == 0);
			/* the syntax warnings: same lines, same messages */
			hd_strv sd_msgs = { 0 }, our_msgs = { 0 };
			systemd_syntax_messages(shared, de->d_name, &sd_msgs);
			for (size_t k = 0; k < dg.n; k++)
				if (syntax_message(dg.v[k].text))
					hd_strv_pushf(&our_msgs, "%u %s", dg.v[k].line, syntax_message(dg.v[k].text));
			bool same = sd_msgs.n == our_msgs.n;
			for (size_t k = 0; same && k < sd_msgs.n; k++)
				same = strcmp(sd_msgs.v[k], our_msgs.v[k]) == 0;
			msg_files += sd_msgs.n > 0;
			msg_count += sd_msgs.n;
			msg_agree += same;
			if (!same)
				fprintf(stderr, "MESSAGES DIFFER %s: systemd %zu (first: %s), ours %zu (first: %s)\n", de->d_name,
					sd_msgs.n, sd_msgs.n ? sd_msgs.v[0] : "-", our_msgs.n, our_msgs.n ? our_msgs.v[0] : "-");
			hd_strv_free(&sd_msgs);
			hd_strv_free(&our_msgs);
			total++;
			agree += ok;
			accepted += want == 0;
			refused += want != 0;
			if (!ok)
				fprintf(stderr, "DISAGREE %s: systemd exit %d, hd_unit_load %d (%s)\n", de->d_name, want,
					r, dg.n ? dg.v[dg.n - 1].text : "");
			if (r == 0)
				hd_unit_free(&u);
			hd_diags_free(&dg);
			free(p);
		}
		closedir(d);
		free(dir);
	}
	free(dflt);
	fprintf(stderr, "corpus: %zu files (%zu accepted, %zu refused by systemd 252); hd_unit_load agrees on %zu\n",
		total, accepted, refused, agree);
	fprintf(stderr, "corpus: syntax warnings (%zu in %zu files) identical in line and message for %zu of %zu files\n",
		msg_count, msg_files, msg_agree, total);
	assert_true(total >= 329);
	assert_int_equal(agree, total);
	assert_int_equal(msg_agree, total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_and_trimming),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_repeated_keys_and_sections),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_null_name_and_empty),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_dropins),
		cmocka_unit_test(test_hostile_files),
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_specifiers_static),
		cmocka_unit_test(test_specifiers_oracle),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_mutations_vs_systemd),
		cmocka_unit_test(test_corpus_differential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
