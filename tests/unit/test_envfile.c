/* SPDX-License-Identifier: MIT */
/*
 * EnvironmentFile= parsing and $VAR expansion of Exec*= lines, against the rules of systemd.exec(5) and
 * systemd.service(5) (systemd 252): each case is one rule of those pages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit/envfile.h"
#include "unit/execcmd.h"

/* text parsed into a fresh environment; the result joined as "K=V|K=V" for one comparison */
static char *parse(const char *text, int *rc, hd_diags *d)
{
	hd_strv env = { 0 };
	*rc = hd_envfile_parse(text, strlen(text), "t.env", &env, d);
	size_t len = 1;
	for (size_t i = 0; i < env.n; i++)
		len += strlen(env.v[i]) + 1;
	char *out = calloc(1, len);
	assert_non_null(out);
	for (size_t i = 0; i < env.n; i++) {
		if (i)
			strcat(out, "|");
		strcat(out, env.v[i]);
	}
	hd_strv_free(&env);
	return out;
}

static void expect(const char *text, const char *want)
{
	hd_diags d = { 0 };
	int rc;
	char *got = parse(text, &rc, &d);
	assert_int_equal(rc, 0);
	assert_string_equal(got, want);
	free(got);
	hd_diags_free(&d);
}

static void test_plain_and_comments(void **state)
{
	(void)state;
	expect("A=1\nB=two words\n", "A=1|B=two words");
	expect("# A=1\n; B=2\n  C=3\n", "C=3");                /* "#" and ";" lines; leading blanks */
	expect("#a \\\nB=2\nC=3", "C=3");                      /* a comment continued by a backslash */
	expect("A = 1 \n", "A=1");                              /* whitespace around key and value */
	expect("A=x\r\nB=y\r\n", "A=x|B=y");                    /* CR ends the line too */
	expect("novalue\nA=1\n", "A=1");                        /* a line without "=" is ignored */
	expect("A=1\nA=2\nB=3\n", "A=2|B=3");                   /* later wins, in place */
	expect("A=\n", "A=");
	expect("", "");
}

static void test_unquoted(void **state)
{
	(void)state;
	expect("A=a\\ b\\\\c\n", "A=a b\\c");                 /* backslash keeps the next character */
	expect("A=one \\\ntwo\n", "A=one two");                 /* backslash-newline continues */
	expect("A=it's \"so\"\n", "A=it's \"so\"");             /* quotes after the first character stay */
	expect("A=x  y \t\n", "A=x  y");                        /* inner whitespace kept, trailing cut */
	expect("A=x\\ \n", "A=x ");                             /* an escaped blank is not cut */
	expect("A=a#b;c\n", "A=a#b;c");                         /* no comment after a value */
}

static void test_quoted(void **state)
{
	(void)state;
	expect("A='a \\n \"b\"'\n", "A=a \\n \"b\"");         /* '...' verbatim */
	expect("A='multi\nline'\nB=1\n", "A=multi\nline|B=1"); /* spans lines */
	expect("A=\"q \\\" \\\\ \\` \\$ \\n\"\n", "A=q \" \\ ` $ \\n"); /* "...": \" \\ \` \$ only */
	expect("A=\"one \\\ntwo\"\n", "A=one two");            /* backslash-newline in "..." */
	expect("A=  ' x '  \n", "A= x ");                       /* blanks outside the quotes dropped */
	expect("A='a'\"b\"c\n", "A=abc");                       /* parts right after "=" join */
}

static void test_refusals(void **state)
{
	(void)state;
	hd_diags d = { 0 };
	int rc;
	/* not UTF-8: the whole file is refused, naming the line */
	free(parse("A=1\nB=\xff\n", &rc, &d));
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(hd_diags_count(&d, HD_ERROR), 1);
	assert_int_equal(d.v[0].line, 2);
	assert_string_equal(d.v[0].file, "t.env");
	hd_diags_free(&d);
	/* a byte order mark, an overlong encoding and a surrogate are not valid either */
	const char *badu[] = { "A=\xef\xbb\xbfx\n", "A=\xc0\xaf\n", "A=\xed\xa0\x80\n" };
	for (size_t i = 0; i < sizeof(badu) / sizeof(badu[0]); i++) {
		free(parse(badu[i], &rc, &d));
		assert_int_equal(rc, -EINVAL);
		hd_diags_free(&d);
	}
	expect("A=gr\xc3\xbc\xc3\x9f\n", "A=gr\xc3\xbc\xc3\x9f");
	/* NUL: refused */
	hd_strv env = { 0 };
	assert_int_equal(hd_envfile_parse("A=1\n\0B=2\n", 9, "t.env", &env, &d), -EINVAL);
	assert_int_equal(env.n, 0);
	assert_int_equal(d.v[0].line, 2);
	hd_diags_free(&d);
	/* an invalid name is ignored with a warning, the rest kept */
	char *got = parse("1A=x\nexport B=y\nC-D=z\nE=1\n", &rc, &d);
	assert_int_equal(rc, 0);
	assert_string_equal(got, "E=1");
	assert_int_equal(hd_diags_count(&d, HD_WARNING), 3);
	assert_int_equal(d.v[1].line, 2);
	free(got);
	hd_diags_free(&d);
	/* an unclosed quote runs to the end, with a warning */
	got = parse("A='x\nB=1\n", &rc, &d);
	assert_int_equal(rc, 0);
	assert_string_equal(got, "A=x\nB=1\n");
	assert_int_equal(hd_diags_count(&d, HD_WARNING), 1);
	free(got);
	hd_diags_free(&d);
	/* a refused file leaves what was there */
	assert_int_equal(hd_strv_push(&env, "K=old"), 0);
	assert_int_equal(hd_envfile_parse("K=new\nZ=\xff\n", 11, "t.env", &env, &d), -EINVAL);
	assert_int_equal(env.n, 1);
	assert_string_equal(env.v[0], "K=old");
	hd_strv_free(&env);
	hd_diags_free(&d);
}

static void test_load(void **state)
{
	(void)state;
	char path[] = "/tmp/test_envfile.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "X=\"a b\"\n", 8), 8);
	close(fd);
	hd_strv env = { 0 };
	hd_diags d = { 0 };
	assert_int_equal(hd_env_set(&env, "X=env"), 0);
	assert_int_equal(hd_envfile_load(path, &env, &d), 0);
	assert_int_equal(env.n, 1);
	assert_string_equal(env.v[0], "X=a b");
	unlink(path);
	assert_int_equal(hd_envfile_load(path, &env, &d), -ENOENT);
	assert_int_equal(d.n, 0); /* the caller says whether "-" made that fine */
	assert_true(hd_envfile_load("/", &env, &d) < 0);
	assert_int_equal(hd_diags_count(&d, HD_ERROR), 1);
	hd_strv_free(&env);
	hd_diags_free(&d);
}

static char *expand(const char *const *argv, size_t argc)
{
	static char *const envp[] = { "MSG=hello  world", "WORDS=a 'b c'  d", "EMPTY=", "N=1", NULL };
	hd_strv out = { 0 };
	assert_int_equal(hd_exec_expand_env((char *const *)argv, argc, envp, &out), 0);
	size_t len = 1;
	for (size_t i = 0; i < out.n; i++)
		len += strlen(out.v[i]) + 2;
	char *s = calloc(1, len);
	assert_non_null(s);
	for (size_t i = 0; i < out.n; i++) {
		strcat(s, "[");
		strcat(s, out.v[i]);
		strcat(s, "]");
	}
	hd_strv_free(&out);
	return s;
}

#define EXPAND(want, ...)                                                                             \
	do {                                                                                          \
		const char *const a_[] = { __VA_ARGS__ };                                             \
		char *g_ = expand(a_, sizeof(a_) / sizeof(a_[0]));                                    \
		assert_string_equal(g_, want);                                                        \
		free(g_);                                                                             \
	} while (0)

static void test_expand(void **state)
{
	(void)state;
	EXPAND("[/bin/x][hello  world]", "/bin/x", "${MSG}");       /* ${VAR}: one word, blanks kept */
	EXPAND("[/bin/x][hello][world]", "/bin/x", "$MSG");          /* $VAR alone: split */
	EXPAND("[/bin/x][a][b c][d]", "/bin/x", "$WORDS");           /* ... with quotes removed */
	EXPAND("[/bin/x][end]", "/bin/x", "$UNSET", "$EMPTY", "end"); /* unset or empty: no word */
	EXPAND("[/bin/x][]", "/bin/x", "${UNSET}");                  /* ${UNSET}: an empty word */
	EXPAND("[/bin/x][p=1/q]", "/bin/x", "p=${N}/q");             /* inside a word */
	EXPAND("[/bin/x][a$N]", "/bin/x", "a$N");                    /* $VAR inside a word stays */
	EXPAND("[/bin/x][$N][cost $5]", "/bin/x", "$$N", "cost $$5"); /* $$: a literal $ */
	EXPAND("[/bin/x][${N]", "/bin/x", "${N");                    /* unclosed: kept */
	EXPAND("[/bin/x][1${MSG}]", "/bin/x", "${N}$${MSG}");        /* $$ then {: not a variable */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_comments),
		cmocka_unit_test(test_unquoted),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_expand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
