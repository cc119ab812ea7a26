/* SPDX-License-Identifier: MIT */
/* unit/unitwrite: values into unit files exactly, and the drop-in writer's property on random paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dropin_property.h"
#include "unit/unit.h"
#include "unit/unitwrite.h"
#include "unit/timespan.h"

static void quotes(const char *path, const char *want)
{
	char *w = NULL;
	assert_int_equal(hd_unit_quote_path(path, &w), 0);
	assert_string_equal(w, want);
	free(w);
}

static void refuses(const char *path)
{
	char *w = NULL;
	assert_non_null(hd_unit_path_unwritable(path));
	assert_int_equal(hd_unit_quote_path(path, &w), -EINVAL);
	assert_null(w);
}

static void test_quote_path(void **state)
{
	(void)state;
	quotes("/", "/");
	quotes("/var/lib/app", "/var/lib/app");
	quotes("/var/lib/a b", "\"/var/lib/a b\"");
	quotes("/srv/50%", "/srv/50%%");
	quotes("/srv/%h", "/srv/%%h");
	quotes("/srv/a\\b", "\"/srv/a\\\\b\"");
	quotes("/srv/a\"b", "\"/srv/a\\\"b\"");
	quotes("/srv/it's", "\"/srv/it's\"");
	quotes("/srv/caf\xc3\xa9", "/srv/caf\xc3\xa9");
	quotes("/srv/#;=x", "/srv/#;=x");
	refuses("");
	refuses("relative/path");
	refuses("/var/tmp/a\nExecStartPre=+/bin/id");
	refuses("/var/tmp/a\rUser=root");
	refuses("/srv/tab\there");
	refuses("/srv/\x7f");
	refuses("/srv/\xff\xfe");
	refuses("/srv/\xc0\xaf"); /* overlong '/' */
	refuses("/srv/../etc");
	refuses("/srv/./x");
	refuses("/srv//x");
	refuses("/srv/x/");
	char longname[300];
	memset(longname, 'n', sizeof(longname));
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	refuses(longname);
}

static void splits(const char *value, const char *const *want)
{
	hd_strv w = { 0 };
	assert_int_equal(hd_unit_split_words(value, &w), 0);
	size_t n = 0;
	for (; want[n]; n++) {
		assert_true(n < w.n);
		assert_string_equal(w.v[n], want[n]);
	}
	assert_int_equal(w.n, n);
	hd_strv_free(&w);
}

/* systemd 252's own reading of these values (systemd --test printed exactly these paths) */
static void test_split_words(void **state)
{
	(void)state;
	splits("\"/a\\x41b\" /c\\x42d \"/e%%f\" /g\\ h '/i\"j' \"/k\\\\l\" /m\\qn",
	       (const char *[]){ "/ax41b", "/cx42d", "/e%%f", "/g h", "/i\"j", "/k\\l", "/mqn", NULL });
	splits("  /a\t/b  ", (const char *[]){ "/a", "/b", NULL });
	splits("", (const char *[]){ NULL });
	hd_strv w = { 0 };
	assert_int_equal(hd_unit_split_words("\"/open", &w), -EINVAL);
	assert_int_equal(hd_unit_split_words("/end\\", &w), -EINVAL);
	hd_strv_free(&w);
}

/* a comment, whatever its text, is comment lines only: the unit reader finds no assignment in it */
static void test_comment(void **state)
{
	(void)state;
	char *c = NULL;
	assert_int_equal(hd_unit_comment("one\ntwo\n", &c), 0);
	assert_string_equal(c, "# one\n# two\n");
	free(c);
	assert_int_equal(hd_unit_comment("a\rUser=root\x01\xff trailing\\", &c), 0);
	assert_string_equal(c, "# a\\x0dUser=root\\x01\\xff trailing\\\n");
	const char *text = "[Service]\n# x\nExecStartPre=+/bin/id\n\rUser=root\n";
	char *lines = NULL;
	assert_int_equal(hd_unit_comment(text, &lines), 0);
	struct hd_unit u = { 0 };
	hd_diags d = { 0 };
	assert_int_equal(hd_unit_parse_text(&u, lines, strlen(lines), "c.conf", &d), 0);
	assert_int_equal(u.n, 0);
	assert_int_equal(d.n, 0);
	hd_unit_free(&u);
	hd_diags_free(&d);
	free(lines);
	free(c);
	assert_true(hd_unit_value_is_verbatim("@system-service"));
	assert_true(hd_unit_value_is_verbatim("~statx:ENOSYS"));
	assert_false(hd_unit_value_is_verbatim("a\nUser=root"));
	assert_false(hd_unit_value_is_verbatim("x\\"));
	assert_false(hd_unit_value_is_verbatim(" x"));
	assert_false(hd_unit_value_is_verbatim("\xff"));
}

/* The reproduction of the issue: a directory named with a newline and a unit line */
static void test_injection_path(void **state)
{
	(void)state;
	char *paths[] = { "/var/tmp/a\nExecStartPre=+/bin/touch /tmp/PWNED\nUser=root\n#",
			  "/var/lib/x\nUser=root/f", "/srv/%h y\\z", "/srv/q\"uote", NULL };
	assert_null(dropin_property(paths, 4));
	struct hd_profile p;
	hd_profile_init(&p);
	for (char **w = paths; *w; w++)
		assert_int_equal(hd_profile_add_path(&p.paths_written, *w), 0);
	hd_profile_finish(&p);
	struct hd_suggestion s;
	struct hd_suggest_options o = { .sdver = HD_SYSTEMD_252 };
	assert_int_equal(hd_suggest(&p, &o, &s), 0);
	char *text = NULL;
	assert_int_equal(hd_suggestion_to_dropin(&s, "learned from:\n/var/lib/x\nUser=root", NULL, &text), 0);
	assert_null(strstr(text, "\nUser="));
	assert_null(strstr(text, "\nExecStartPre="));
	assert_non_null(strstr(text, "/var/lib/x\\x0aUser=root/f")); /* said, in Left out */
	free(text);
	/* a value that is not verbatim is refused whole, never written */
	free(s.v[0].value);
	s.v[0].value = strdup("read\nUser=root");
	assert_int_equal(hd_suggestion_to_dropin(&s, NULL, NULL, &text), -EINVAL);
	hd_suggestion_free(&s);
	hd_profile_free(&p);
}

/* Random paths from pieces chosen to break quoting: the property holds for every one of them. */
static void test_random_paths(void **state)
{
	(void)state;
	static const char *const roots[] = { "/var/lib", "/srv", "/", "/etc", "/tmp", "/home/u", "/dev/shm",
					     "/run" };
	static const char *const pieces[] = { "a", "b c", "%h", "%%", "%", "\\", "\"", "'", "\n", "\r", "\x01",
					      "\xff", "\xc3\xa9", "..", ".", "", "#", ";", "=", "User=root", "\t",
					      "x\\", " ", "[Service]", "\\n", "%i" };
	unsigned seed = 20261207;
	for (int iter = 0; iter < 3000; iter++) {
		char *paths[6] = { 0 };
		size_t n = 1 + (size_t)(rand_r(&seed) % 5);
		for (size_t i = 0; i < n; i++) {
			char buf[256];
			size_t len = (size_t)snprintf(buf, sizeof(buf), "%s", roots[rand_r(&seed) % 8]);
			int comps = 1 + rand_r(&seed) % 3;
			for (int c = 0; c < comps; c++) {
				if (len > 1)
					buf[len++] = '/';
				int parts = 1 + rand_r(&seed) % 3;
				for (int k = 0; k < parts && len < 200; k++)
					len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s",
								pieces[rand_r(&seed) % (sizeof(pieces) / sizeof(pieces[0]))]);
			}
			buf[len] = '\0';
			paths[i] = strdup(buf);
		}
		const char *bad = dropin_property(paths, n);
		if (bad) {
			for (size_t i = 0; i < n; i++) {
				fprintf(stderr, "path %zu: ", i);
				for (const char *c = paths[i]; *c; c++)
					fprintf(stderr, (unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e ? "\\x%02x" : "%c",
						(unsigned char)*c);
				fprintf(stderr, "\n");
			}
			fail_msg("%s", bad);
		}
		for (size_t i = 0; i < n; i++)
			free(paths[i]);
	}
}

/* TimeoutStopSec= and the other spans as systemd reads them */
static void test_timespan(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		uint64_t ms;
	} ok[] = { { "90", 90000 }, { "90s", 90000 }, { "1min 30s", 90000 }, { "1min30s", 90000 },
		   { "1.5s", 1500 }, { "1500ms", 1500 }, { "2h", 7200000 }, { "0", 0 }, { " 5 sec ", 5000 },
		   { "1us", 1 }, { "infinity", UINT64_MAX }, { "1d 1h", 90000000 } };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t ms = 42;
		assert_int_equal(hd_timespan_ms(ok[i].in, &ms), 0);
		assert_true(ms == ok[i].ms);
	}
	static const char *const bad[] = { "", "s", "5 parsecs", "-1", "1.2.3s", "99999999999999999999y" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ms;
		assert_int_equal(hd_timespan_ms(bad[i], &ms), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_path),
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_comment),
		cmocka_unit_test(test_injection_path),
		cmocka_unit_test(test_random_paths),
		cmocka_unit_test(test_timespan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
