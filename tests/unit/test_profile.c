/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "learn/profile.h"

static bool diag_has(const hd_diags *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->v[i].text, needle))
			return true;
	return false;
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct hd_profile p, q;
	hd_profile_init(&p);
	hd_profile_init(&q);
	assert_int_equal(hd_profile_add_syscall(&p, HD_ARCH_X86_64, "read", 10), 0);
	assert_int_equal(hd_profile_add_syscall(&p, HD_ARCH_X86_64, "read", 5), 0);
	assert_int_equal(hd_profile_add_syscall(&p, HD_ARCH_X86, "socketcall", 1), 0);
	assert_int_equal(hd_profile_add_unknown(&p, HD_ARCH_X86_64, 470), 0);
	assert_int_equal(hd_profile_add_syscall(&p, HD_ARCH_ARM64, "read", 1), -EINVAL); /* not an ABI here */
	p.families = 1ULL << AF_INET | 1ULL << AF_UNIX;
	p.namespaces = 0x10000000; /* CLONE_NEWUSER */
	p.write_exec_mappings = 3;
	hd_profile_add_personality(&p, 8);
	p.sched_policies = 1u << 1;
	hd_profile_add_suid_mode(&p, 04755);
	hd_profile_add_path(&p.paths_written, "/srv/x");
	hd_profile_add_path(&p.devices, "/dev/null");
	p.cap_effective = 0x1ff;
	p.cap_effective_known = true;
	p.cap_permitted = 0x3ff;
	p.cap_permitted_known = true;
	p.alarm_clock_calls = 3;
	hd_profile_add_path(&p.device_nodes_made, "/srv/dev/null");
	hd_profile_add_path(&p.executables, "/usr/sbin/nginx");
	p.caps_source = HD_CAPS_KERNEL;
	assert_int_equal(hd_profile_add_cap(&p, 10, true, "nginx (pid 12): bind"), 0);
	assert_int_equal(hd_profile_add_cap(&p, 21, false, "nginx (pid 12): mount"), 0);
	assert_int_equal(hd_profile_add_cap(&p, 64, true, NULL), -EINVAL);
	char *j = NULL;
	assert_int_equal(hd_profile_to_json(&p, &j), 0);
	hd_diags d = { 0 };
	assert_int_equal(hd_profile_from_json(&q, j, strlen(j), "rt.json", &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(hd_profile_syscall_count(&q, HD_ARCH_X86_64, "read"), 15);
	assert_int_equal(hd_profile_syscall_count(&q, HD_ARCH_X86, "socketcall"), 1);
	assert_true(hd_profile_saw_other_arch(&q, HD_ARCH_X86_64));
	assert_int_equal(q.families, p.families);
	assert_int_equal(q.namespaces, p.namespaces);
	assert_int_equal(q.write_exec_mappings, 3);
	assert_int_equal(q.n_personalities, 1);
	assert_int_equal(q.personalities[0], 8);
	assert_int_equal(q.sched_policies, 2);
	assert_int_equal(q.suid_sgid_modes[0], 04755);
	assert_true(hd_strv_contains(&q.paths_written, "/srv/x"));
	assert_true(q.cap_effective_known);
	assert_int_equal(q.cap_effective, 0x1ff);
	assert_true(q.cap_permitted_known);
	assert_int_equal(q.cap_permitted, 0x3ff);
	assert_int_equal(q.alarm_clock_calls, 3);
	assert_int_equal(q.device_nodes_made.n, 1);
	assert_string_equal(q.device_nodes_made.v[0], "/srv/dev/null");
	assert_int_equal(q.executables.n, 1);
	assert_string_equal(q.executables.v[0], "/usr/sbin/nginx");
	assert_int_equal(q.abis[0].n_unknown, 1);
	assert_int_equal(q.caps_source, HD_CAPS_KERNEL);
	assert_int_equal(hd_profile_caps_used(&q), 1u << 10);
	assert_string_equal(q.caps[10].evidence, "nginx (pid 12): bind");
	assert_int_equal(q.caps[21].denied, 1);
	/* merged: an inferred part makes the whole inferred; a part without capability records, unknown */
	struct hd_profile m, o;
	hd_profile_init(&m);
	hd_profile_init(&o);
	assert_int_equal(hd_profile_merge(&m, &q), 0);
	assert_int_equal(m.caps_source, HD_CAPS_KERNEL);
	o.caps_source = HD_CAPS_INFERRED;
	assert_int_equal(hd_profile_add_cap(&o, 0, true, "x (pid 1): chown"), 0);
	assert_int_equal(hd_profile_merge(&m, &o), 0);
	assert_int_equal(m.caps_source, HD_CAPS_INFERRED);
	assert_int_equal(hd_profile_caps_used(&m), 1u << 10 | 1u << 0);
	hd_profile_free(&o);
	hd_profile_init(&o);
	assert_int_equal(hd_profile_add_syscall(&o, HD_ARCH_X86_64, "read", 1), 0);
	assert_int_equal(hd_profile_merge(&m, &o), 0);
	assert_int_equal(m.caps_source, HD_CAPS_UNKNOWN);
	hd_profile_free(&m);
	hd_profile_free(&o);
	/* canonical: the same profile serialises to the same text */
	char *j2 = NULL;
	assert_int_equal(hd_profile_to_json(&q, &j2), 0);
	assert_string_equal(j, j2);
	free(j);
	free(j2);
	hd_diags_free(&d);
	hd_profile_free(&p);
	hd_profile_free(&q);
}

static void test_merge(void **state)
{
	(void)state;
	struct hd_profile a, b;
	hd_profile_init(&a);
	hd_profile_init(&b);
	hd_profile_add_syscall(&a, HD_ARCH_X86_64, "read", 1);
	hd_profile_add_syscall(&b, HD_ARCH_X86_64, "read", 2);
	hd_profile_add_syscall(&b, HD_ARCH_X86_64, "rename", 1);
	hd_profile_add_syscall(&b, HD_ARCH_X86_64, "write", (uint64_t)INT64_MAX);
	hd_profile_add_syscall(&a, HD_ARCH_X86_64, "write", 5);
	a.families = 1u << AF_UNIX;
	b.families = 1u << AF_INET6;
	hd_profile_add_path(&b.paths_written, "/var/lib/x");
	assert_int_equal(hd_profile_merge(&a, &b), 0);
	assert_int_equal(hd_profile_syscall_count(&a, HD_ARCH_X86_64, "read"), 3);
	assert_int_equal(hd_profile_syscall_count(&a, HD_ARCH_X86_64, "rename"), 1);
	assert_int_equal(hd_profile_syscall_count(&a, HD_ARCH_X86_64, "write"), INT64_MAX); /* saturates */
	assert_int_equal(a.families, (1u << AF_UNIX) | (1u << AF_INET6));
	assert_true(hd_strv_contains(&a.paths_written, "/var/lib/x"));
	hd_profile_free(&a);
	hd_profile_free(&b);
}

struct bad {
	const char *json;
	const char *says;
};

static void test_hostile(void **state)
{
	(void)state;
	static const struct bad bad[] = {
		{ "", "invalid JSON" },
		{ "{", "invalid JSON" },
		{ "[1]", "must be a JSON object" },
		{ "{}", "not a harden profile" },
		{ "{\"harden_profile\": 7}", "version 7 not supported" },
		{ "{\"harden_profile\": 1, \"syscalls\": []}", "syscalls: must be" },
		{ "{\"harden_profile\": 1, \"syscalls\": {\"mips\": {}}}", "not an architecture of this machine" },
		{ "{\"harden_profile\": 1, \"syscalls\": {\"x86-64\": {\"read\": -4}}}", "syscalls.x86-64.read" },
		{ "{\"harden_profile\": 1, \"syscalls\": {\"x86-64\": {\"read\": \"4\"}}}", "non-negative integer" },
		{ "{\"harden_profile\": 1, \"syscalls\": {\"x86-64\": {\"Read Me\": 4}}}", "not a syscall name" },
		{ "{\"harden_profile\": 1, \"namespaces\": [\"bogus\"]}", "unknown name \"bogus\"" },
		{ "{\"harden_profile\": 1, \"devices\": [\"dev/null\"]}", "not an absolute path" },
		{ "{\"harden_profile\": 1, \"devices\": [\"\"]}", "empty" },
		{ "{\"harden_profile\": 1, \"suid_sgid_modes\": [\"8\"]}", "not an octal mode" },
		{ "{\"harden_profile\": 1, \"personalities\": [4294967296]}", "above 0xffffffff" },
		{ "{\"harden_profile\": 1, \"cap_effective\": \"1ff\"}", "not a hex capability mask" },
		{ "{\"harden_profile\": 1, \"capabilities\": {\"CAP_NOPE\": {}}}", "unknown capability" },
		{ "{\"harden_profile\": 1, \"capabilities\": {\"CAP_KILL\": {\"x\": 1}}}", "unknown key" },
		{ "{\"harden_profile\": 1, \"capabilities_source\": \"guess\"}", "must be" },
		{ "{\"harden_profile\": 1, \"cap_permitted\": \"0x-1\"}", "not a hex capability mask" },
		{ "{\"harden_profile\": 1, \"cap_permitted\": 255}", "must be a hex string" },
		{ "{\"harden_profile\": 1, \"alarm_clock_calls\": -1}", "alarm_clock_calls: must be a non-negative" },
		{ "{\"harden_profile\": 1, \"alarm_clock_calls\": 1.5}", "alarm_clock_calls: must be a non-negative" },
		{ "{\"harden_profile\": 1, \"device_nodes_made\": [\"dev/x\"]}", "not an absolute path" },
		{ "{\"harden_profile\": 1, \"device_nodes_made\": \"/dev/x\"}", "device_nodes_made: must be" },
		{ "{\"harden_profile\": 1, \"extra\": 1}", "unknown key \"extra\"" },
		{ "{\"harden_profile\": 1} {}", "offset 22" },
		{ "{\"harden_profile\": 1, \"unknown_syscalls\": {\"x86-64\": [-1]}}", "non-negative" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hd_profile p;
		hd_diags d = { 0 };
		hd_profile_init(&p);
		int r = hd_profile_from_json(&p, bad[i].json, strlen(bad[i].json), "bad.json", &d);
		if (r != -EINVAL || !diag_has(&d, bad[i].says)) {
			print_error("input %zu %s: r=%d, diags:\n", i, bad[i].json, r);
			for (size_t k = 0; k < d.n; k++)
				print_error("  %s\n", d.v[k].text);
			fail();
		}
		assert_string_equal(d.v[0].file, "bad.json");
		hd_diags_free(&d);
		hd_profile_free(&p);
	}
}

static void test_deep_nesting(void **state)
{
	(void)state;
	/* json-c's depth limit turns this into an error, not a stack overflow */
	size_t n = 100000;
	char *s = malloc(n * 2 + 1);
	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = 0;
	struct hd_profile p;
	hd_diags d = { 0 };
	hd_profile_init(&p);
	assert_int_equal(hd_profile_from_json(&p, s, 2 * n, "deep.json", &d), -EINVAL);
	assert_true(diag_has(&d, "invalid JSON"));
	free(s);
	hd_diags_free(&d);
	hd_profile_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_deep_nesting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
