/* SPDX-License-Identifier: MIT */
/*
 * The filter engine against the rules in ../shared/spec/filter-semantics.md and what systemd-analyze 252
 * says about the same lines (warning texts were taken from `systemd-analyze verify` on unit files).
 * Each test is one parse/merge rule; expectations come from the spec, not from our own output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "syscalls/groups.h"
#include "syscalls/nametables.h"
#include "syscalls/syscalls.h"
#include "syscalls/syscalls_new.h"
#include "unit/unit.h"

#define ABSENT INT_MIN

struct fx {
	struct hd_seccomp_settings s;
	hd_diags d;
	int sdver;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	hd_seccomp_settings_init(&f->s);
	f->sdver = HD_SYSTEMD_252;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	hd_seccomp_settings_free(&f->s);
	hd_diags_free(&f->d);
	free(f);
	return 0;
}

static void apply(struct fx *f, const char *key, const char *value)
{
	assert_int_equal(hd_seccomp_apply(&f->s, key, value, f->sdver, "t.service", 7, &f->d), 1);
}

/* The action a name has in a list, or ABSENT. */
static int entry(const struct hd_syscall_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return l->v[i].err;
	return ABSENT;
}

static bool warned(const struct fx *f, const char *text)
{
	for (size_t i = 0; i < f->d.n; i++)
		if (strcmp(f->d.v[i].text, text) == 0 && f->d.v[i].line == 7 && strcmp(f->d.v[i].file, "t.service") == 0)
			return true;
	return false;
}

/* The kernel's verdict for name on arch under f's settings. */
static hd_action verdict(struct fx *f, hd_arch arch, const char *name)
{
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build(&f->s, arch, f->sdver, &rs), 0);
	int nr = hd_syscall_nr(name, arch, NULL);
	assert_true(nr >= 0);
	hd_action a = hd_ruleset_action(&rs, nr, NULL);
	hd_ruleset_free(&rs);
	return a;
}

#define assert_action(a, k, e)                                                                                 \
	do {                                                                                                   \
		hd_action a_ = (a);                                                                            \
		assert_int_equal(a_.kind, (k));                                                                \
		if ((k) == HD_ACT_ERRNO)                                                                       \
			assert_int_equal(a_.errno_value, (e));                                                 \
	} while (0)

/* ---- SystemCallFilter= parsing and merging ---- */

static void test_allow_list_merges_default(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "read");
	assert_true(f->s.filter.is_set);
	assert_true(f->s.filter.allow_list);
	assert_int_equal(entry(&f->s.filter, "read"), HD_ERRNO_DEFAULT);
	/* every @default member libseccomp knows came in silently */
	hd_strv def = { 0 };
	assert_int_equal(hd_group_expand(hd_group_find("@default", f->sdver), f->sdver, &def), 0);
	assert_true(def.n > 50);
	for (size_t i = 0; i < def.n; i++)
		if (hd_syscall_libseccomp_knows(def.v[i]))
			assert_int_equal(entry(&f->s.filter, def.v[i]), HD_ERRNO_DEFAULT);
	hd_strv_free(&def);
	assert_int_equal(entry(&f->s.filter, "write"), ABSENT);
	assert_int_equal(f->d.n, 0);
}

static void test_deny_list_has_no_default(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "~write");
	assert_true(f->s.filter.is_set);
	assert_false(f->s.filter.allow_list);
	assert_int_equal(f->s.filter.n, 1);
	assert_int_equal(entry(&f->s.filter, "write"), HD_ERRNO_DEFAULT);
	assert_int_equal(entry(&f->s.filter, "brk"), ABSENT);
}

static void test_empty_resets_mode(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "~write");
	apply(f, "SystemCallFilter", "");
	assert_false(f->s.filter.is_set);
	assert_int_equal(f->s.filter.n, 0);
	apply(f, "SystemCallFilter", "read");
	assert_true(f->s.filter.allow_list); /* decided again by the next assignment */
	assert_int_equal(entry(&f->s.filter, "write"), ABSENT);
	assert_int_equal(entry(&f->s.filter, "brk"), HD_ERRNO_DEFAULT);
}

static void test_allow_mode_tilde_removes(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "read write");
	apply(f, "SystemCallFilter", "~write brk");
	assert_true(f->s.filter.allow_list); /* the first assignment decided */
	assert_int_equal(entry(&f->s.filter, "read"), HD_ERRNO_DEFAULT);
	assert_int_equal(entry(&f->s.filter, "write"), ABSENT);
	assert_int_equal(entry(&f->s.filter, "brk"), ABSENT); /* even one @default brought in */
	assert_action(verdict(f, HD_ARCH_X86_64, "write"), HD_ACT_KILL, 0);
}

static void test_allow_mode_tilde_errno_keeps_entry(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "@system-service");
	apply(f, "SystemCallFilter", "~read:EACCES fsync:kill");
	assert_int_equal(entry(&f->s.filter, "read"), EACCES);
	assert_int_equal(entry(&f->s.filter, "fsync"), HD_ERRNO_KILL);
	assert_action(verdict(f, HD_ARCH_X86_64, "read"), HD_ACT_ERRNO, EACCES);
	assert_action(verdict(f, HD_ARCH_X86_64, "fsync"), HD_ACT_KILL, 0);
	assert_action(verdict(f, HD_ARCH_X86_64, "write"), HD_ACT_ALLOW, 0);
	/* systemctl show lists only the allowed calls: the denied read and fsync are left out (systemd
	 * 252's property skips map entries with an action in an allow list; the kernel still has them) */
	char *v = NULL;
	assert_int_equal(hd_seccomp_format(&f->s, "SystemCallFilter", &v), 0);
	char words[8192];
	snprintf(words, sizeof(words), " %s ", v);
	assert_null(strstr(words, " read "));
	assert_null(strstr(words, " fsync "));
	assert_non_null(strstr(words, " write "));
	free(v);
	/* and allowing it again drops the action */
	apply(f, "SystemCallFilter", "read");
	assert_int_equal(entry(&f->s.filter, "read"), HD_ERRNO_DEFAULT);
	assert_int_equal(hd_seccomp_format(&f->s, "SystemCallFilter", &v), 0);
	snprintf(words, sizeof(words), " %s ", v);
	assert_non_null(strstr(words, " read "));
	free(v);
}

static void test_deny_mode_plain_removes(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "~@sync");
	assert_int_equal(entry(&f->s.filter, "fsync"), HD_ERRNO_DEFAULT);
	apply(f, "SystemCallFilter", "fsync");
	assert_false(f->s.filter.allow_list);
	assert_int_equal(entry(&f->s.filter, "fsync"), ABSENT);
	assert_int_equal(entry(&f->s.filter, "sync"), HD_ERRNO_DEFAULT);
	assert_action(verdict(f, HD_ARCH_X86_64, "fsync"), HD_ACT_ALLOW, 0);
	assert_action(verdict(f, HD_ARCH_X86_64, "sync"), HD_ACT_KILL, 0);
}

static void test_entry_actions(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "~read:EPERM write:13 open:kill close:0 fsync:eperm sync:0x10");
	assert_int_equal(entry(&f->s.filter, "read"), EPERM);
	assert_int_equal(entry(&f->s.filter, "write"), 13);
	assert_int_equal(entry(&f->s.filter, "open"), HD_ERRNO_KILL);
	assert_int_equal(entry(&f->s.filter, "close"), 0);
	assert_int_equal(entry(&f->s.filter, "fsync"), EPERM); /* errno names ignore case */
	assert_int_equal(entry(&f->s.filter, "sync"), 16);     /* strtol base 0, as systemd's safe_atoi */
	assert_action(verdict(f, HD_ARCH_X86_64, "close"), HD_ACT_ERRNO, 0); /* a successful no-op */
	assert_action(verdict(f, HD_ARCH_X86_64, "open"), HD_ACT_KILL, 0);
	assert_action(verdict(f, HD_ARCH_X86_64, "write"), HD_ACT_ERRNO, EACCES);
	assert_int_equal(f->d.n, 0);
}

static void test_later_errno_wins(void **state)
{
	struct fx *f = *state; /* systemd#18916: the per-entry errno used to stick to the first one */
	apply(f, "SystemCallFilter", "~read:EPERM");
	apply(f, "SystemCallFilter", "~read:EACCES");
	assert_int_equal(entry(&f->s.filter, "read"), EACCES);
	apply(f, "SystemCallFilter", "~read");
	assert_int_equal(entry(&f->s.filter, "read"), HD_ERRNO_DEFAULT);
}

static void test_allow_listed_cannot_take_errno(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "read:EPERM write");
	assert_true(warned(f, "Allow-listed system calls cannot take error number, ignoring: read:EPERM"));
	assert_int_equal(entry(&f->s.filter, "read"), ABSENT);
	assert_int_equal(entry(&f->s.filter, "write"), HD_ERRNO_DEFAULT);
	/* in deny mode too: the check is on the assignment's '~', not on the list's mode */
	apply(f, "SystemCallFilter", "");
	apply(f, "SystemCallFilter", "~sync");
	apply(f, "SystemCallFilter", "fsync:EPERM");
	assert_true(warned(f, "Allow-listed system calls cannot take error number, ignoring: fsync:EPERM"));
}

static void test_bad_errno_words(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "~read:EBOGUS write:4096 open: close:-1 fsync:4095");
	assert_true(warned(f, "Failed to parse syscall:errno, ignoring: read:EBOGUS"));
	assert_true(warned(f, "Failed to parse syscall:errno, ignoring: write:4096"));
	assert_true(warned(f, "Failed to parse syscall:errno, ignoring: open:"));
	assert_true(warned(f, "Failed to parse syscall:errno, ignoring: close:-1"));
	assert_int_equal(f->d.n, 4);
	assert_int_equal(f->s.filter.n, 1);
	assert_int_equal(entry(&f->s.filter, "fsync"), 4095);
}

static void test_unknown_names_and_groups(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "~@nope bogus_call READ @FILE-SYSTEM");
	assert_true(warned(f, "Unknown system call group, ignoring: @nope"));
	assert_true(warned(f, "Failed to parse system call, ignoring: bogus_call"));
	assert_true(warned(f, "Failed to parse system call, ignoring: READ")); /* names are case-sensitive */
	assert_true(warned(f, "Unknown system call group, ignoring: @FILE-SYSTEM"));
	assert_int_equal(f->s.filter.n, 0);
	/* an empty deny list installs nothing */
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	assert_int_equal(rs.default_action.kind, HD_ACT_ALLOW);
	assert_int_equal(rs.n, 0);
	hd_ruleset_free(&rs);
}

static void test_warnings_escape_control_bytes(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "~re\x1b[31mad");
	assert_true(warned(f, "Failed to parse system call, ignoring: re\\x1b[31mad"));
	char long_word[2000];
	memset(long_word, 'a', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = 0;
	apply(f, "RestrictAddressFamilies", long_word);
	assert_int_equal(f->d.n, 2);
	assert_true(strlen(f->d.v[1].text) < 600); /* the word is cut, not repeated whole */
	assert_non_null(strstr(f->d.v[1].text, "..."));
}

static void test_names_not_on_native_arch_kept(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "~socketcall");
	assert_int_equal(entry(&f->s.filter, "socketcall"), HD_ERRNO_DEFAULT);
	assert_int_equal(f->d.n, 0);
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	assert_int_equal(rs.n, 0);
	assert_int_equal(rs.unresolved.n, 1);
	assert_string_equal(rs.unresolved.v[0], "socketcall");
	hd_ruleset_free(&rs);
	assert_action(verdict(f, HD_ARCH_X86, "socketcall"), HD_ACT_KILL, 0);
}

/* The first syscall harden knows that the installed libseccomp does not, or NULL. */
static const char *newer_than_libseccomp(void)
{
	for (const struct hd_new_syscall *n = hd_new_syscalls; n->name; n++)
		if (n->arch_only == HD_ARCH_INVALID && !hd_syscall_libseccomp_knows(n->name))
			return n->name;
	return NULL;
}

static void test_names_newer_than_libseccomp(void **state)
{
	struct fx *f = *state;
	const char *name = newer_than_libseccomp();
	if (!name)
		skip(); /* libseccomp knows everything in syscalls_new.c */
	char value[64], text[128];
	snprintf(value, sizeof(value), "~%s", name);
	snprintf(text, sizeof(text), "Failed to parse system call, ignoring: %s", name);
	apply(f, "SystemCallFilter", value); /* 252 on this libseccomp cannot use it */
	assert_true(warned(f, text));
	assert_int_equal(entry(&f->s.filter, name), ABSENT);

	apply(f, "SystemCallFilter", "");
	f->sdver = HD_SYSTEMD_LATEST; /* latest keeps what harden knows */
	size_t warnings = f->d.n;
	apply(f, "SystemCallFilter", value);
	assert_int_equal(f->d.n, warnings);
	assert_int_equal(entry(&f->s.filter, name), HD_ERRNO_DEFAULT);
	assert_action(verdict(f, HD_ARCH_X86_64, name), HD_ACT_KILL, 0);
}

static void test_default_group_by_version(void **state)
{
	struct fx *f = *state;
	/* mseal joined @default in systemd 257 */
	apply(f, "SystemCallFilter", "read");
	assert_int_equal(entry(&f->s.filter, "mseal"), ABSENT);
	hd_seccomp_settings_free(&f->s);
	f->sdver = HD_SYSTEMD_LATEST;
	apply(f, "SystemCallFilter", "read");
	assert_int_equal(entry(&f->s.filter, "mseal"), HD_ERRNO_DEFAULT);
	assert_int_equal(f->d.n, 0);
}

/* ---- SystemCallErrorNumber= ---- */

static void test_error_number(void **state)
{
	struct fx *f = *state;
	assert_int_equal(f->s.error_number, HD_ERRNO_KILL);
	apply(f, "SystemCallErrorNumber", "EPERM");
	assert_int_equal(f->s.error_number, EPERM);
	apply(f, "SystemCallErrorNumber", "0");
	assert_true(warned(f, "Invalid error number, ignoring: 0"));
	assert_int_equal(f->s.error_number, EPERM);
	apply(f, "SystemCallErrorNumber", "EFOO");
	assert_true(warned(f, "Failed to parse error number, ignoring: EFOO"));
	apply(f, "SystemCallErrorNumber", "4096");
	assert_true(warned(f, "Failed to parse error number, ignoring: 4096"));
	assert_int_equal(f->s.error_number, EPERM);
	apply(f, "SystemCallErrorNumber", "kill");
	assert_int_equal(f->s.error_number, HD_ERRNO_KILL);
	apply(f, "SystemCallErrorNumber", "EWOULDBLOCK"); /* aliases parse */
	assert_int_equal(f->s.error_number, EAGAIN);
	apply(f, "SystemCallErrorNumber", "");
	assert_int_equal(f->s.error_number, HD_ERRNO_KILL);
	apply(f, "SystemCallErrorNumber", "KILL"); /* "kill" is case-sensitive */
	assert_true(warned(f, "Failed to parse error number, ignoring: KILL"));
}

/* ---- rule sets ---- */

static void test_ruleset_252_allow_list_default_is_negative(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "read");
	apply(f, "SystemCallErrorNumber", "EPERM");
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build(&f->s, HD_ARCH_X86_64, HD_SYSTEMD_252, &rs), 0);
	assert_action(rs.default_action, HD_ACT_ERRNO, EPERM);
	assert_action(hd_ruleset_action(&rs, hd_syscall_nr("read", HD_ARCH_X86_64, NULL), NULL), HD_ACT_ALLOW, 0);
	assert_action(hd_ruleset_action(&rs, hd_syscall_nr("reboot", HD_ARCH_X86_64, NULL), NULL), HD_ACT_ERRNO, EPERM);
	/* a number no table knows gets the default */
	assert_action(hd_ruleset_action(&rs, 1000, NULL), HD_ACT_ERRNO, EPERM);
	for (size_t i = 0; i < rs.n; i++) /* only allow rules differ from the default */
		assert_int_equal(rs.v[i].action.kind, HD_ACT_ALLOW);
	hd_ruleset_free(&rs);
}

static void test_ruleset_latest_allow_list_enosys(void **state)
{
	struct fx *f = *state;
	f->sdver = HD_SYSTEMD_LATEST;
	apply(f, "SystemCallFilter", "read");
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build(&f->s, HD_ARCH_X86_64, HD_SYSTEMD_LATEST, &rs), 0);
	assert_action(rs.default_action, HD_ACT_ERRNO, ENOSYS);
	/* a syscall systemd knows (in @known) but the list does not allow: the negative action */
	assert_action(hd_ruleset_action(&rs, hd_syscall_nr("reboot", HD_ARCH_X86_64, NULL), NULL), HD_ACT_KILL, 0);
	/* one newer than any table: ENOSYS, so libc falls back */
	assert_action(hd_ruleset_action(&rs, 1000, NULL), HD_ACT_ERRNO, ENOSYS);
	assert_action(hd_ruleset_action(&rs, hd_syscall_nr("read", HD_ARCH_X86_64, NULL), NULL), HD_ACT_ALLOW, 0);
	hd_ruleset_free(&rs);
}

static void test_ruleset_deny_list(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "~reboot swapon:EPERM");
	apply(f, "SystemCallErrorNumber", "EACCES");
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	assert_int_equal(rs.default_action.kind, HD_ACT_ALLOW);
	assert_int_equal(rs.n, 2);
	assert_action(hd_ruleset_action(&rs, hd_syscall_nr("reboot", HD_ARCH_X86_64, NULL), NULL), HD_ACT_ERRNO, EACCES);
	assert_action(hd_ruleset_action(&rs, hd_syscall_nr("swapon", HD_ARCH_X86_64, NULL), NULL), HD_ACT_ERRNO, EPERM);
	assert_true(rs.v[0].nr < rs.v[1].nr);
	assert_string_equal(rs.v[0].origin, "SystemCallFilter");
	hd_ruleset_free(&rs);
}

static void test_ruleset_x32_numbers(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "~read");
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build(&f->s, HD_ARCH_X32, f->sdver, &rs), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.v[0].nr, 0x40000000); /* x32's read: the x32 bit | 0 */
	hd_ruleset_free(&rs);
}

static void test_log_combines_with_filter(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallLog", "read write");
	apply(f, "SystemCallFilter", "~write");
	assert_true(f->s.log.allow_list);
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	assert_int_equal(rs.default_action.kind, HD_ACT_ALLOW);
	assert_int_equal(rs.n, 2);
	/* the stricter verdict of the two stacked filters wins */
	assert_action(rs.v[0].action, HD_ACT_LOG, 0);
	assert_string_equal(rs.v[0].name, "read");
	assert_string_equal(rs.v[0].origin, "SystemCallLog");
	assert_action(rs.v[1].action, HD_ACT_KILL, 0);
	assert_string_equal(rs.v[1].origin, "SystemCallFilter");
	hd_ruleset_free(&rs);
}

static void test_log_inverted_and_allow_list(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallLog", "~read");
	assert_false(f->s.log.allow_list);
	assert_action(verdict(f, HD_ARCH_X86_64, "write"), HD_ACT_LOG, 0);
	assert_action(verdict(f, HD_ARCH_X86_64, "read"), HD_ACT_ALLOW, 0);
	/* with an allow-list filter: logged where the filter allows, killed where it does not */
	apply(f, "SystemCallFilter", "write");
	assert_action(verdict(f, HD_ARCH_X86_64, "write"), HD_ACT_LOG, 0);
	assert_action(verdict(f, HD_ARCH_X86_64, "brk"), HD_ACT_LOG, 0);
	assert_action(verdict(f, HD_ARCH_X86_64, "read"), HD_ACT_KILL, 0);
	assert_action(verdict(f, HD_ARCH_X86_64, "reboot"), HD_ACT_KILL, 0);
	/* SystemCallLog takes no actions and no @default */
	apply(f, "SystemCallLog", "");
	apply(f, "SystemCallLog", "read:EPERM");
	assert_true(warned(f, "Failed to parse system call, ignoring: read:EPERM"));
	assert_int_equal(f->s.log.n, 0);
}

/* ---- SystemCallArchitectures= ---- */

static void test_archs_merge_reset_validate(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallArchitectures", "native x86");
	apply(f, "SystemCallArchitectures", "x86 x32");
	assert_int_equal(f->s.archs.n, 3);
	apply(f, "SystemCallArchitectures", "foo x86_64 X86");
	assert_true(warned(f, "Failed to parse system call architecture \"foo\", ignoring: Invalid argument"));
	assert_true(warned(f, "Failed to parse system call architecture \"x86_64\", ignoring: Invalid argument"));
	assert_true(warned(f, "Failed to parse system call architecture \"X86\", ignoring: Invalid argument"));
	assert_int_equal(f->s.archs.n, 3);
	char *v = NULL;
	assert_int_equal(hd_seccomp_format(&f->s, "SystemCallArchitectures", &v), 0);
	assert_string_equal(v, "native x32 x86");
	free(v);
	apply(f, "SystemCallArchitectures", "");
	assert_int_equal(f->s.archs.n, 0);
}

static void test_archs_kill_other_abis(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallArchitectures", "native");
	apply(f, "SystemCallFilter", "~reboot");
	struct hd_ruleset rs;
	hd_arch native = hd_arch_native();
	hd_arch other = native == HD_ARCH_X86 ? HD_ARCH_X86_64 : HD_ARCH_X86;
	assert_int_equal(hd_ruleset_build(&f->s, other, f->sdver, &rs), 0);
	assert_int_equal(rs.default_action.kind, HD_ACT_KILL);
	assert_int_equal(rs.n, 0);
	hd_ruleset_free(&rs);
	assert_int_equal(hd_ruleset_build(&f->s, native, f->sdver, &rs), 0);
	assert_int_equal(rs.default_action.kind, HD_ACT_ALLOW);
	assert_int_equal(rs.n, 1);
	hd_ruleset_free(&rs);
	hd_arch archs[HD_ARCH_COUNT];
	size_t n = hd_seccomp_ruleset_archs(&f->s, archs);
	assert_true(n >= 1);
	assert_int_equal(archs[0], native);
}

/* ---- RestrictNamespaces= (cases checked with systemd-analyze security 252) ---- */

static uint64_t ns(const char *name)
{
	static const struct {
		const char *n;
		uint64_t f;
	} t[] = { { "net", 0x40000000 }, { "ipc", 0x08000000 }, { "user", 0x10000000 }, { "mnt", 0x00020000 } };
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].n, name) == 0)
			return t[i].f;
	fail();
	return 0;
}

static void test_namespaces(void **state)
{
	struct fx *f = *state;
	assert_int_equal(f->s.ns_allowed, HD_NS_ALL_FLAGS);
	apply(f, "RestrictNamespaces", "yes");
	assert_int_equal(f->s.ns_allowed, 0);
	apply(f, "RestrictNamespaces", "net"); /* after yes: merges */
	assert_int_equal(f->s.ns_allowed, ns("net"));
	apply(f, "RestrictNamespaces", "");
	assert_int_equal(f->s.ns_allowed, HD_NS_ALL_FLAGS);
	apply(f, "RestrictNamespaces", "net ipc"); /* after a reset: sets */
	assert_int_equal(f->s.ns_allowed, ns("net") | ns("ipc"));
	apply(f, "RestrictNamespaces", "~ipc");
	assert_int_equal(f->s.ns_allowed, ns("net"));
	apply(f, "RestrictNamespaces", "net foo"); /* one bad word: the whole line is ignored */
	assert_true(warned(f, "Failed to parse namespace type string, ignoring: net foo"));
	assert_int_equal(f->s.ns_allowed, ns("net"));
	/* systemd 252's "all" (NAMESPACE_FLAGS_ALL) lacks CLONE_NEWTIME: "no" and "~x" start from seven */
	apply(f, "RestrictNamespaces", "off");
	assert_int_equal(f->s.ns_allowed, HD_NS_ALL_FLAGS_252);
	assert_false(hd_seccomp_ns_filter(&f->s, NULL, NULL));
	apply(f, "RestrictNamespaces", "");
	apply(f, "RestrictNamespaces", "~user mnt");
	assert_int_equal(f->s.ns_allowed, HD_NS_ALL_FLAGS_252 & ~(ns("user") | ns("mnt")));
	char *v = NULL;
	assert_int_equal(hd_seccomp_format(&f->s, "RestrictNamespaces", &v), 0);
	assert_string_equal(v, "cgroup ipc net pid uts"); /* as systemd 252's unit dump prints it */
	free(v);
	uint64_t blocked = 0;
	bool setns_all = true;
	assert_true(hd_seccomp_ns_filter(&f->s, &blocked, &setns_all));
	assert_int_equal(blocked, ns("user") | ns("mnt") | 0x80); /* and time is blocked too */
	assert_false(setns_all);
	apply(f, "RestrictNamespaces", "");
	apply(f, "RestrictNamespaces", "~"); /* the complement of nothing, and later lists merge */
	apply(f, "RestrictNamespaces", "net");
	assert_int_equal(f->s.ns_allowed, HD_NS_ALL_FLAGS_252);
	/* ~time changes nothing in 252: the seven left are "all", so no filter and time stays allowed */
	apply(f, "RestrictNamespaces", "");
	apply(f, "RestrictNamespaces", "~time");
	assert_false(hd_seccomp_ns_filter(&f->s, &blocked, NULL));
	assert_int_equal(blocked, 0);
	assert_int_equal(hd_seccomp_format(&f->s, "RestrictNamespaces", &v), 0);
	assert_string_equal(v, "no");
	free(v);
	/* yes, then time: setns refused whatever its arguments, unshare(CLONE_NEWTIME) allowed */
	apply(f, "RestrictNamespaces", "yes");
	apply(f, "RestrictNamespaces", "time");
	assert_true(hd_seccomp_ns_filter(&f->s, &blocked, &setns_all));
	assert_int_equal(blocked, HD_NS_ALL_FLAGS_252);
	assert_true(setns_all);
	assert_int_equal(hd_seccomp_format(&f->s, "RestrictNamespaces", &v), 0);
	assert_string_equal(v, "time");
	free(v);
}

/* latest systemd counts time among all namespaces: ~x blocks x only, ~time blocks time */
static void test_namespaces_latest(void **state)
{
	struct fx *f = *state;
	f->sdver = HD_SYSTEMD_LATEST;
	apply(f, "RestrictNamespaces", "~user");
	assert_int_equal(f->s.ns_allowed, HD_NS_ALL_FLAGS & ~ns("user"));
	char *v = NULL;
	assert_int_equal(hd_seccomp_format(&f->s, "RestrictNamespaces", &v), 0);
	assert_string_equal(v, "cgroup ipc net mnt pid uts time");
	free(v);
	apply(f, "RestrictNamespaces", "");
	apply(f, "RestrictNamespaces", "~time");
	uint64_t blocked = 0;
	assert_true(hd_seccomp_ns_filter(&f->s, &blocked, NULL));
	assert_int_equal(blocked, 0x80);
	apply(f, "RestrictNamespaces", "no");
	assert_int_equal(f->s.ns_allowed, HD_NS_ALL_FLAGS);
	assert_false(hd_seccomp_ns_filter(&f->s, NULL, NULL));
}

/* ---- RestrictAddressFamilies= ---- */

static void test_address_families(void **state)
{
	struct fx *f = *state;
	apply(f, "RestrictAddressFamilies", "AF_INET AF_BOGUS af_unix");
	assert_true(warned(f, "Failed to parse address family, ignoring: AF_BOGUS"));
	assert_true(f->s.af_allow_list);
	assert_int_equal(f->s.n_af, 2); /* the rest of the line still counted (systemd 252) */
	apply(f, "RestrictAddressFamilies", "~AF_INET");
	assert_int_equal(f->s.n_af, 1);
	assert_int_equal(f->s.af[0], 1);
	apply(f, "RestrictAddressFamilies", "AF_NETLINK AF_LOCAL AF_INET6");
	char *v = NULL;
	assert_int_equal(hd_seccomp_format(&f->s, "RestrictAddressFamilies", &v), 0);
	assert_string_equal(v, "AF_INET6 AF_NETLINK AF_UNIX");
	free(v);
	apply(f, "RestrictAddressFamilies", "AF_UNSPEC AF_MAX 2");
	assert_int_equal(f->d.n, 4);
	/* none: empty allow list; the next assignment decides the mode again */
	apply(f, "RestrictAddressFamilies", "none");
	assert_true(f->s.af_allow_list);
	assert_int_equal(f->s.n_af, 0);
	apply(f, "RestrictAddressFamilies", "~AF_PACKET");
	assert_false(f->s.af_allow_list);
	assert_int_equal(f->s.n_af, 1);
	apply(f, "RestrictAddressFamilies", "");
	assert_false(f->s.af_is_set);
	assert_int_equal(f->s.n_af, 0);
	apply(f, "RestrictAddressFamilies", "~AF_PACKET");
	assert_int_equal(hd_seccomp_format(&f->s, "RestrictAddressFamilies", &v), 0);
	assert_string_equal(v, "~AF_PACKET");
	free(v);
	apply(f, "RestrictAddressFamilies", "'AF_INET AF_UNIX'"); /* quotes group words */
	assert_true(warned(f, "Failed to parse address family, ignoring: AF_INET AF_UNIX"));
}

/* 262: an unknown family ends the list, the families before it kept; 257 skips the word alone
 * (corpus edge-01, edge-02, edge-11 in expected-systemd257/262) */
static void test_address_families_by_version(void **state)
{
	struct fx *f = *state;
	f->sdver = HD_SYSTEMD_257;
	apply(f, "RestrictAddressFamilies", "AF_BOGUS AF_UNIX");
	assert_true(warned(f, "Failed to parse address family, ignoring: AF_BOGUS"));
	assert_true(f->s.af_allow_list);
	assert_int_equal(f->s.n_af, 1);
	apply(f, "RestrictAddressFamilies", "");
	f->sdver = HD_SYSTEMD_262;
	apply(f, "RestrictAddressFamilies", "AF_BOGUS AF_UNIX");
	assert_true(warned(f, "Failed to parse address family, ignoring: AF_BOGUS AF_UNIX"));
	assert_true(f->s.af_allow_list); /* the mode stands: an empty allow list */
	assert_int_equal(f->s.n_af, 0);
	apply(f, "RestrictAddressFamilies", "");
	apply(f, "RestrictAddressFamilies", "AF_UNIX #AF_INET AF_INET6");
	assert_int_equal(f->s.n_af, 1);
	assert_int_equal(f->s.af[0], 1);
}

/* Each behaviour from the first version whose source has it (groups.h HD_SD_*), not from the next
 * version with an oracle: time in "all" namespaces from 258, ProtectHostname=private from 258, an
 * unknown family ending the list from 261. */
static void test_version_boundaries(void **state)
{
	struct fx *f = *state;
	f->sdver = HD_SYSTEMD_257;
	apply(f, "RestrictNamespaces", "~user");
	assert_int_equal(f->s.ns_allowed, HD_NS_ALL_FLAGS_252 & ~ns("user"));
	apply(f, "RestrictNamespaces", "");
	f->sdver = HD_SYSTEMD_258;
	apply(f, "RestrictNamespaces", "~user");
	assert_int_equal(f->s.ns_allowed, HD_NS_ALL_FLAGS & ~ns("user"));
	apply(f, "RestrictNamespaces", "");
	apply(f, "ProtectHostname", "private");
	assert_true(f->s.protect_hostname_private);
	f->sdver = HD_SYSTEMD_260;
	apply(f, "RestrictAddressFamilies", "AF_BOGUS AF_UNIX");
	assert_int_equal(f->s.n_af, 1);
	apply(f, "RestrictAddressFamilies", "");
	f->sdver = HD_SYSTEMD_261;
	apply(f, "RestrictAddressFamilies", "AF_BOGUS AF_UNIX");
	assert_int_equal(f->s.n_af, 0);
}

/* The verdict on x86-64 with the protections' own rules (hd_ruleset_build_full). */
static hd_action full_verdict(struct fx *f, const char *name)
{
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build_full(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	hd_action a = hd_ruleset_action(&rs, hd_syscall_nr(name, HD_ARCH_X86_64, NULL), NULL);
	hd_ruleset_free(&rs);
	return a;
}

/* ProtectHostname=private: 262 takes it (UTS namespace, no seccomp rules, shown as "private"), 257 not */
static void test_protect_hostname_private(void **state)
{
	struct fx *f = *state;
	f->sdver = HD_SYSTEMD_257;
	apply(f, "ProtectHostname", "private");
	assert_true(warned(f, "Failed to parse boolean value, ignoring: private"));
	assert_false(f->s.protect_hostname);
	f->sdver = HD_SYSTEMD_262;
	apply(f, "ProtectHostname", "private");
	assert_true(f->s.protect_hostname);
	assert_true(f->s.protect_hostname_private);
	char *v = NULL;
	assert_int_equal(hd_seccomp_format(&f->s, "ProtectHostname", &v), 0);
	assert_string_equal(v, "private");
	free(v);
	assert_action(full_verdict(f, "sethostname"), HD_ACT_ALLOW, 0);
	apply(f, "ProtectHostname", "yes");
	assert_false(f->s.protect_hostname_private);
	assert_action(full_verdict(f, "sethostname"), HD_ACT_ERRNO, EPERM);
	assert_int_equal(hd_seccomp_format(&f->s, "ProtectHostname", &v), 0);
	assert_string_equal(v, "yes");
	free(v);
}

/* ---- booleans and keys ---- */

static void test_booleans(void **state)
{
	struct fx *f = *state;
	static const char *const yes[] = { "yes", "TRUE", "on", "1", "y", "t" };
	static const char *const no[] = { "no", "False", "OFF", "0", "n", "f" };
	for (size_t i = 0; i < 6; i++) {
		apply(f, "ProtectClock", yes[i]);
		assert_true(f->s.protect_clock);
		apply(f, "ProtectClock", no[i]);
		assert_false(f->s.protect_clock);
	}
	apply(f, "LockPersonality", "maybe");
	assert_true(warned(f, "Failed to parse boolean value, ignoring: maybe"));
	apply(f, "NoNewPrivileges", "yes");
	apply(f, "PrivateDevices", "yes");
	apply(f, "ProtectHostname", "yes");
	assert_true(f->s.no_new_privileges && f->s.private_devices && f->s.protect_hostname);
	assert_false(f->s.lock_personality);
	assert_int_equal(hd_seccomp_apply(&f->s, "User", "nobody", f->sdver, NULL, 0, &f->d), 0);
	assert_false(hd_seccomp_is_setting("User"));
	assert_true(hd_seccomp_is_setting("SystemCallLog"));
}

/* ---- systemctl show format ---- */

static void test_format_filter(void **state)
{
	struct fx *f = *state;
	char *v = NULL;
	assert_int_equal(hd_seccomp_format(&f->s, "SystemCallFilter", &v), 0);
	assert_string_equal(v, "~"); /* systemctl show --all: deny nothing */
	free(v);
	assert_int_equal(hd_seccomp_format(&f->s, "RestrictAddressFamilies", &v), 0);
	assert_string_equal(v, "~");
	free(v);
	apply(f, "RestrictAddressFamilies", "none"); /* an empty allow list */
	assert_int_equal(hd_seccomp_format(&f->s, "RestrictAddressFamilies", &v), 0);
	assert_string_equal(v, "");
	free(v);
	apply(f, "SystemCallFilter", "~write:kill read:EPERM close:0 fsync:200 socketcall");
	assert_int_equal(hd_seccomp_format(&f->s, "SystemCallFilter", &v), 0);
	/* sorted; socketcall (no number on x86-64) is in the map and printed, as systemd prints it */
	assert_string_equal(v, "~close:0 fsync:200 read:EPERM socketcall write:kill");
	free(v);
	assert_int_equal(hd_seccomp_format(&f->s, "SystemCallErrorNumber", &v), 0);
	assert_string_equal(v, "2147483646");
	free(v);
	assert_int_equal(hd_seccomp_format(&f->s, "Nope", &v), -ENOENT);
	/* names that libseccomp gives one native number are one entry of systemd's map, printed once
	 * under libseccomp's name for it (2.5.4 on x86: switch_endian and sys_debug_setcontext) */
	apply(f, "SystemCallFilter", "");
	apply(f, "SystemCallFilter", "~sys_debug_setcontext switch_endian");
	assert_int_equal(f->s.filter.n, 2); /* the map keeps both: other architectures tell them apart */
	assert_int_equal(hd_seccomp_format(&f->s, "SystemCallFilter", &v), 0);
	if (strcmp(hd_syscall_map_name("sys_debug_setcontext"), "switch_endian") == 0)
		assert_string_equal(v, "~switch_endian");
	else
		assert_string_equal(v, "~switch_endian sys_debug_setcontext");
	free(v);
	assert_string_equal(hd_syscall_map_name("fchown"), "fchown");
	assert_string_equal(hd_syscall_map_name("no_such_call"), "no_such_call");
}

/* DynamicUser=yes implies NoNewPrivileges= and RestrictSUIDSGID= when systemd loads the unit */
static void test_unit_implications(void **state)
{
	struct fx *f = *state;
	static const char text[] = "[Service]\nExecStart=/bin/true\nDynamicUser=yes\nRestrictSUIDSGID=no\n";
	struct hd_unit u = { 0 };
	u.name = strdup("t.service");
	assert_int_equal(hd_unit_parse_text(&u, text, strlen(text), "t.service", &f->d), 0);
	assert_true(hd_seccomp_apply_unit(&f->s, &u, f->sdver, &f->d) >= 0);
	assert_true(f->s.restrict_suid_sgid && f->s.no_new_privileges);
	hd_unit_free(&u);
	static const char off[] = "[Service]\nDynamicUser=yes\nDynamicUser=no\n";
	struct hd_unit u2 = { 0 };
	u2.name = strdup("t.service");
	struct hd_seccomp_settings s2;
	hd_seccomp_settings_init(&s2);
	assert_int_equal(hd_unit_parse_text(&u2, off, strlen(off), "t.service", &f->d), 0);
	assert_true(hd_seccomp_apply_unit(&s2, &u2, f->sdver, &f->d) >= 0);
	assert_false(s2.restrict_suid_sgid || s2.no_new_privileges); /* the last one wins */
	hd_seccomp_settings_free(&s2);
	hd_unit_free(&u2);
}

static void test_errno_table(void **state)
{
	(void)state;
	assert_int_equal(hd_errno_parse("EPERM"), 1);
	assert_int_equal(hd_errno_parse("0"), 0);
	assert_int_equal(hd_errno_parse("010"), 8);
	assert_true(hd_errno_parse("") < 0);
	assert_true(hd_errno_parse("1a") < 0);
	assert_true(hd_errno_parse("99999999999999") < 0);
	assert_string_equal(hd_errno_name(EAGAIN), "EAGAIN");       /* not EWOULDBLOCK */
	assert_string_equal(hd_errno_name(EOPNOTSUPP), "EOPNOTSUPP"); /* not ENOTSUP */
	assert_null(hd_errno_name(0));
	assert_int_equal(hd_af_from_name("AF_ROUTE"), 16);
	assert_string_equal(hd_af_name(16), "AF_NETLINK");
	assert_int_equal(hd_af_max(), 46);
}

/* ---- diff ---- */

static void test_diff(void **state)
{
	struct fx *f = *state;
	struct hd_seccomp_settings b;
	hd_seccomp_settings_init(&b);
	apply(f, "SystemCallFilter", "@system-service");
	assert_int_equal(hd_seccomp_apply(&b, "SystemCallFilter", "@system-service reboot", f->sdver, NULL, 0, &f->d), 1);
	struct hd_ruleset ra, rb;
	struct hd_ruleset_diff d;
	assert_int_equal(hd_ruleset_build(&f->s, HD_ARCH_X86_64, f->sdver, &ra), 0);
	assert_int_equal(hd_ruleset_build(&b, HD_ARCH_X86_64, f->sdver, &rb), 0);
	assert_int_equal(hd_ruleset_diff(&ra, &rb, &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].name, "reboot");
	assert_int_equal(d.v[0].in_a.kind, HD_ACT_KILL);
	hd_ruleset_diff_free(&d);
	assert_int_equal(hd_ruleset_diff(&rb, &ra, &d), 0); /* A allows nothing B does not */
	assert_int_equal(d.n, 0);
	hd_ruleset_diff_free(&d);
	hd_ruleset_free(&ra);
	hd_ruleset_free(&rb);
	/* A refuses unshare() for some flags (RestrictNamespaces), B not at all: reported as partial */
	apply(f, "RestrictNamespaces", "yes");
	assert_int_equal(hd_ruleset_build_full(&f->s, HD_ARCH_X86_64, f->sdver, &ra), 0);
	assert_int_equal(hd_ruleset_build_full(&b, HD_ARCH_X86_64, f->sdver, &rb), 0);
	assert_int_equal(hd_ruleset_diff(&ra, &rb, &d), 0);
	bool unshare = false;
	for (size_t i = 0; i < d.n; i++)
		if (strcmp(d.v[i].name, "unshare") == 0) {
			unshare = true;
			assert_true(d.v[i].conditional);
			assert_int_equal(d.v[i].in_a.kind, HD_ACT_ALLOW);
		}
	assert_true(unshare);
	hd_ruleset_diff_free(&d);
	hd_ruleset_free(&ra);
	hd_ruleset_free(&rb);
	hd_seccomp_settings_free(&b);
}

static void test_install_error_252(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallFilter", "@system-service");
	apply(f, "SystemCallFilter", "~fsync:EPERM");
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build(&f->s, HD_ARCH_X86_64, HD_SYSTEMD_252, &rs), 0);
	assert_null(rs.install_error); /* EPERM differs from the default kill */
	hd_ruleset_free(&rs);
	apply(f, "SystemCallErrorNumber", "EPERM");
	assert_int_equal(hd_ruleset_build(&f->s, HD_ARCH_X86_64, HD_SYSTEMD_252, &rs), 0);
	assert_non_null(rs.install_error);
	assert_non_null(strstr(rs.install_error, "fsync"));
	hd_ruleset_free(&rs);
	assert_int_equal(hd_seccomp_check(&f->s, HD_SYSTEMD_252, "t.service", &f->d), 0);
	assert_int_equal(f->d.n, 1);
	/* a deny list never has the problem: its default is allow */
	apply(f, "SystemCallFilter", "");
	apply(f, "SystemCallFilter", "~fsync:EPERM");
	assert_int_equal(hd_ruleset_build(&f->s, HD_ARCH_X86_64, HD_SYSTEMD_252, &rs), 0);
	assert_null(rs.install_error);
	hd_ruleset_free(&rs);
}

static void test_strictest(void **state)
{
	(void)state;
	hd_action allow = { HD_ACT_ALLOW, 0 }, log = { HD_ACT_LOG, 0 }, kill = { HD_ACT_KILL, 0 };
	hd_action e1 = { HD_ACT_ERRNO, 1 }, e2 = { HD_ACT_ERRNO, 2 };
	assert_int_equal(hd_action_strictest(allow, log).kind, HD_ACT_LOG);
	assert_int_equal(hd_action_strictest(kill, e1).kind, HD_ACT_KILL);
	assert_int_equal(hd_action_strictest(log, e1).kind, HD_ACT_ERRNO);
	assert_int_equal(hd_action_strictest(e1, e2).errno_value, 2); /* the later filter's errno */
}


/* ---- the other seccomp-backed settings (hd_ruleset_build_full) ---- */

/* The action of the first rule for name that has n_cmps comparisons and (if cmp0_datum != ~0)
 * datum cmp0_datum in its first comparison; kind -1 if there is none. */
static hd_action find_rule(const struct hd_ruleset *rs, const char *name, unsigned n_cmps, uint64_t cmp0_datum,
			   const char **origin)
{
	int nr = hd_syscall_nr(name, rs->arch, NULL);
	for (size_t i = 0; nr >= 0 && i < rs->n; i++)
		if (rs->v[i].nr == nr && rs->v[i].n_cmps == n_cmps &&
		    (n_cmps == 0 || cmp0_datum == ~0ULL || rs->v[i].cmps[0].datum == cmp0_datum)) {
			if (origin)
				*origin = rs->v[i].origin;
			return rs->v[i].action;
		}
	return (hd_action){ (hd_action_kind)-1, 0 };
}

static size_t count_rules(const struct hd_ruleset *rs, const char *name)
{
	int nr = hd_syscall_nr(name, rs->arch, NULL);
	size_t n = 0;
	for (size_t i = 0; i < rs->n; i++)
		n += rs->v[i].nr == nr;
	return n;
}

static void test_full_errno_tie_goes_to_filter(void **state)
{
	struct fx *f = *state;
	apply(f, "ProtectClock", "yes");
	apply(f, "SystemCallFilter", "~clock_settime:EACCES");
	struct hd_ruleset rs;
	const char *origin = NULL;
	assert_int_equal(hd_ruleset_build_full(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	/* both ERRNO: the filter installed later (SystemCallFilter) gives the errno */
	assert_action(find_rule(&rs, "clock_settime", 0, 0, &origin), HD_ACT_ERRNO, EACCES);
	assert_string_equal(origin, "SystemCallFilter");
	assert_action(find_rule(&rs, "adjtimex", 0, 0, &origin), HD_ACT_ERRNO, EPERM);
	assert_string_equal(origin, "ProtectClock");
	hd_ruleset_free(&rs);
	/* the plain build leaves ProtectClock out */
	assert_int_equal(hd_ruleset_build(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	assert_int_equal(count_rules(&rs, "adjtimex"), 0);
	hd_ruleset_free(&rs);
}

static void test_full_namespaces(void **state)
{
	struct fx *f = *state;
	apply(f, "RestrictNamespaces", "net");
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build_full(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	assert_action(find_rule(&rs, "clone3", 0, 0, NULL), HD_ACT_ERRNO, ENOSYS);
	assert_action(find_rule(&rs, "setns", 1, 0, NULL), HD_ACT_ERRNO, EPERM); /* setns(fd, 0) */
	assert_int_equal(count_rules(&rs, "unshare"), 7);                        /* every flag but net */
	assert_int_equal(count_rules(&rs, "clone"), 7);
	assert_int_equal(count_rules(&rs, "setns"), 8);
	assert_int_equal((int)find_rule(&rs, "unshare", 1, 0x40000000, NULL).kind, -1);
	hd_ruleset_free(&rs);
	apply(f, "RestrictNamespaces", "yes");
	assert_int_equal(hd_ruleset_build_full(&f->s, HD_ARCH_S390X, f->sdver, &rs), 0);
	assert_action(find_rule(&rs, "setns", 0, 0, NULL), HD_ACT_ERRNO, EPERM); /* setns refused outright */
	int nr = hd_syscall_nr("clone", HD_ARCH_S390X, NULL);
	for (size_t i = 0; i < rs.n; i++)
		if (rs.v[i].nr == nr)
			assert_int_equal(rs.v[i].cmps[0].arg, 1); /* s390 swaps clone's first two arguments */
	hd_ruleset_free(&rs);
}

static void test_full_address_families(void **state)
{
	struct fx *f = *state;
	apply(f, "RestrictAddressFamilies", "~AF_PACKET");
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build_full(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	assert_int_equal(count_rules(&rs, "socket"), 1);
	assert_action(find_rule(&rs, "socket", 1, 17, NULL), HD_ACT_ERRNO, EAFNOSUPPORT);
	hd_ruleset_free(&rs);
	/* i386 multiplexes socket() through socketcall(): systemd installs nothing */
	assert_int_equal(hd_ruleset_build_full(&f->s, HD_ARCH_X86, f->sdver, &rs), 0);
	assert_int_equal(rs.n, 0);
	hd_ruleset_free(&rs);
	apply(f, "RestrictAddressFamilies", "none");
	assert_int_equal(hd_ruleset_build_full(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	assert_action(find_rule(&rs, "socket", 0, 0, NULL), HD_ACT_ERRNO, EAFNOSUPPORT);
	hd_ruleset_free(&rs);
	/* an allow list: below the first, above the last, and every gap */
	apply(f, "RestrictAddressFamilies", "");
	apply(f, "RestrictAddressFamilies", "AF_UNIX AF_INET6");
	assert_int_equal(hd_ruleset_build_full(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	assert_int_equal(count_rules(&rs, "socket"), 2 + (size_t)(hd_af_max() - 1 - 2));
	assert_action(find_rule(&rs, "socket", 1, 2, NULL), HD_ACT_ERRNO, EAFNOSUPPORT); /* AF_INET */
	hd_ruleset_free(&rs);
	/* a filter that kills socket() makes the family rules pointless */
	apply(f, "SystemCallFilter", "~socket");
	assert_int_equal(hd_ruleset_build_full(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	assert_int_equal(count_rules(&rs, "socket"), 1);
	assert_action(find_rule(&rs, "socket", 0, 0, NULL), HD_ACT_KILL, 0);
	hd_ruleset_free(&rs);
}

static void test_full_mdwe_per_arch(void **state)
{
	struct fx *f = *state;
	apply(f, "MemoryDenyWriteExecute", "yes");
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build_full(&f->s, HD_ARCH_X86, f->sdver, &rs), 0);
	assert_action(find_rule(&rs, "mmap", 0, 0, NULL), HD_ACT_ERRNO, EPERM); /* old_mmap: blocked */
	assert_action(find_rule(&rs, "mmap2", 1, 6, NULL), HD_ACT_ERRNO, EPERM); /* PROT_WRITE|PROT_EXEC */
	assert_int_equal(count_rules(&rs, "shmat"), 0);
	hd_ruleset_free(&rs);
	assert_int_equal(hd_ruleset_build_full(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	assert_action(find_rule(&rs, "mmap", 1, 6, NULL), HD_ACT_ERRNO, EPERM);
	assert_action(find_rule(&rs, "mprotect", 1, 4, NULL), HD_ACT_ERRNO, EPERM);
	assert_action(find_rule(&rs, "shmat", 1, 0100000, NULL), HD_ACT_ERRNO, EPERM);
	hd_ruleset_free(&rs);
}

static void test_full_suid_realtime_personality(void **state)
{
	struct fx *f = *state;
	apply(f, "RestrictSUIDSGID", "yes");
	apply(f, "RestrictRealtime", "yes");
	apply(f, "LockPersonality", "yes");
	struct hd_ruleset rs;
	assert_int_equal(hd_ruleset_build_full(&f->s, HD_ARCH_X86_64, f->sdver, &rs), 0);
	assert_int_equal(count_rules(&rs, "openat"), 2); /* S_ISUID, S_ISGID, each with O_CREAT */
	int nr = hd_syscall_nr("openat", HD_ARCH_X86_64, NULL);
	for (size_t i = 0; i < rs.n; i++)
		if (rs.v[i].nr == nr) {
			assert_int_equal(rs.v[i].n_cmps, 2);
			assert_int_equal(rs.v[i].cmps[0].arg, 2);
			assert_int_equal(rs.v[i].cmps[0].mask, 0100); /* O_CREAT */
			assert_int_equal(rs.v[i].cmps[1].arg, 3);
		}
	assert_action(find_rule(&rs, "openat2", 0, 0, NULL), HD_ACT_ERRNO, ENOSYS);
	assert_action(find_rule(&rs, "fchmodat", 1, 04000, NULL), HD_ACT_ERRNO, EPERM);
	assert_int_equal(count_rules(&rs, "sched_setscheduler"), 4); /* 1, 2, 4 and > 5 */
	assert_action(find_rule(&rs, "sched_setscheduler", 1, 5, NULL), HD_ACT_ERRNO, EPERM);
	assert_action(find_rule(&rs, "personality", 1, 0, NULL), HD_ACT_ERRNO, EPERM);
	hd_ruleset_free(&rs);
}

static void test_full_blocked_arch(void **state)
{
	struct fx *f = *state;
	apply(f, "SystemCallArchitectures", "native");
	apply(f, "ProtectClock", "yes");
	struct hd_ruleset rs;
	hd_arch other = hd_arch_native() == HD_ARCH_X86 ? HD_ARCH_X86_64 : HD_ARCH_X86;
	assert_int_equal(hd_ruleset_build_full(&f->s, other, f->sdver, &rs), 0);
	assert_int_equal(rs.default_action.kind, HD_ACT_KILL);
	assert_int_equal(rs.n, 0);
	hd_ruleset_free(&rs);
	/* the native architecture cannot be blocked, even by a list without it */
	apply(f, "SystemCallArchitectures", "");
	apply(f, "SystemCallArchitectures", "arm");
	assert_true(hd_seccomp_arch_allowed(&f->s, hd_arch_native()));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_allow_list_merges_default),
		T(test_deny_list_has_no_default),
		T(test_empty_resets_mode),
		T(test_allow_mode_tilde_removes),
		T(test_allow_mode_tilde_errno_keeps_entry),
		T(test_deny_mode_plain_removes),
		T(test_entry_actions),
		T(test_later_errno_wins),
		T(test_allow_listed_cannot_take_errno),
		T(test_bad_errno_words),
		T(test_unknown_names_and_groups),
		T(test_warnings_escape_control_bytes),
		T(test_names_not_on_native_arch_kept),
		T(test_names_newer_than_libseccomp),
		T(test_default_group_by_version),
		T(test_error_number),
		T(test_ruleset_252_allow_list_default_is_negative),
		T(test_ruleset_latest_allow_list_enosys),
		T(test_ruleset_deny_list),
		T(test_ruleset_x32_numbers),
		T(test_log_combines_with_filter),
		T(test_log_inverted_and_allow_list),
		T(test_archs_merge_reset_validate),
		T(test_archs_kill_other_abis),
		T(test_namespaces),
		T(test_namespaces_latest),
		T(test_address_families),
		T(test_address_families_by_version),
		T(test_protect_hostname_private),
		T(test_version_boundaries),
		T(test_booleans),
		T(test_format_filter),
		T(test_unit_implications),
		T(test_errno_table),
		T(test_diff),
		T(test_strictest),
		T(test_install_error_252),
		T(test_full_errno_tie_goes_to_filter),
		T(test_full_namespaces),
		T(test_full_address_families),
		T(test_full_mdwe_per_arch),
		T(test_full_suid_realtime_personality),
		T(test_full_blocked_arch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
