/* SPDX-License-Identifier: MIT */
/* Unit tests for settings + assess: the check table, each kind of rule, scoring, ratings, policies.
 * Expected figures come from ../shared/spec/security-assessment.md (systemd's numbers), not from
 * harden's own output. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <unistd.h>

#include "assess/assess.h"
#include "assess/batch.h"
#include "syscalls/groups.h"
#include "assess/settings.h"

/* ---- helpers ---- */

/* Settings from "Key=Value" lines of [Service] ("Unit:" prefix for [Unit]), NULL-terminated. */
static void settings_from(struct hd_settings *s, const char *const *lines)
{
	hd_diags d = {0};
	hd_settings_init(s);
	s->unit_name = strdup("test.service");
	for (size_t i = 0; lines && lines[i]; i++) {
		const char *l = lines[i], *section = "Service";
		if (strncmp(l, "Unit:", 5) == 0)
			section = "Unit", l += 5;
		const char *eq = strchr(l, '=');
		assert_non_null(eq);
		char *key = strndup(l, (size_t)(eq - l));
		hd_settings_apply(s, NULL, section, key, eq + 1, HD_SYSTEMD_252, "test.service", (unsigned)i + 1, &d);
		free(key);
	}
	assert_int_equal(hd_settings_finalize(s), 0);
	hd_diags_free(&d);
}

static const struct hd_assess_row *row(const struct hd_assessment *a, const char *json_field)
{
	for (size_t i = 0; i < HD_CHECK_COUNT; i++)
		if (strcmp(a->rows[i].check->json_field, json_field) == 0)
			return &a->rows[i];
	fail_msg("no row %s", json_field);
	return NULL;
}

/* badness of one check for these settings lines (HD_BADNESS_NA for N/A) */
static uint64_t badness_of(const char *json_field, const char *const *lines)
{
	struct hd_settings s;
	struct hd_assessment a;
	settings_from(&s, lines);
	assert_int_equal(hd_assess(&s, NULL, HD_SYSTEMD_252, &a), 0);
	uint64_t b = row(&a, json_field)->badness;
	hd_assessment_free(&a);
	hd_settings_free(&s);
	return b;
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ---- the table ---- */

static void test_table_shape(void **state)
{
	(void)state;
	uint64_t sum = 0;
	for (size_t i = 0; i < HD_CHECK_COUNT; i++) {
		const struct hd_check *c = &hd_checks[i];
		assert_non_null(c->name);
		assert_non_null(c->rule);
		assert_true(c->range > 0);
		sum += c->weight;
		for (size_t j = i + 1; j < HD_CHECK_COUNT; j++)
			assert_string_not_equal(c->json_field, hd_checks[j].json_field);
		assert_ptr_equal(hd_check_by_json_field(c->json_field), c);
	}
	assert_int_equal(sum, 56460); /* spec: all 81 weights */
	/* systemd's own spelling, stray parenthesis included: policy files key on it */
	assert_non_null(hd_check_by_json_field("CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW)"));
	assert_null(hd_check_by_json_field("CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW"));
}

/* spec: a bare root unit scores 53510/56160 -> 9.6 */
static void test_bare_root_unit(void **state)
{
	(void)state;
	struct hd_settings s;
	struct hd_assessment a;
	settings_from(&s, NULL);
	assert_int_equal(hd_assess(&s, NULL, HD_SYSTEMD_252, &a), 0);
	assert_int_equal(a.badness_sum, 53510);
	assert_int_equal(a.weight_sum, 56160);
	assert_int_equal(a.exposure, 96);
	assert_string_equal(hd_rating_for(a.exposure)->name, "UNSAFE");
	assert_int_equal(row(&a, "RemoveIPC")->set, -1);
	assert_int_equal(row(&a, "SupplementaryGroups")->set, -1);
	/* row share: ceil(ceil(10 × 2000 × 100 / 10) / 56160) = 4 */
	assert_int_equal(row(&a, "UserOrDynamicUser")->exposure, 4);
	assert_int_equal(row(&a, "PrivateNetwork")->exposure, 5);
	assert_int_equal(row(&a, "KeyringMode")->set, 1);
	hd_assessment_free(&a);
	hd_settings_free(&s);
}

static void test_ratings(void **state)
{
	(void)state;
	static const struct {
		unsigned e;
		const char *name;
	} t[] = { { 100, "DANGEROUS" }, { 99, "UNSAFE" }, { 90, "UNSAFE" }, { 89, "EXPOSED" }, { 75, "EXPOSED" },
		  { 74, "MEDIUM" }, { 50, "MEDIUM" }, { 49, "OK" }, { 10, "OK" }, { 9, "SAFE" }, { 1, "SAFE" },
		  { 0, "PERFECT" } };
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_string_equal(hd_rating_for(t[i].e)->name, t[i].name);
}

/* ---- rules ---- */

static void test_rule_user(void **state)
{
	(void)state;
	assert_int_equal(badness_of("UserOrDynamicUser", L("User=nobody")), 9);
	assert_int_equal(badness_of("UserOrDynamicUser", L("User=root")), 10);
	assert_int_equal(badness_of("UserOrDynamicUser", L("User=0")), 10);
	assert_int_equal(badness_of("UserOrDynamicUser", L("User=www-data")), 0);
	assert_int_equal(badness_of("UserOrDynamicUser", L("DynamicUser=yes")), 0);
	assert_int_equal(badness_of("UserOrDynamicUser", L("DynamicUser=yes", "User=root")), 10);
	/* an empty User= resets */
	assert_int_equal(badness_of("UserOrDynamicUser", L("User=www-data", "User=")), 10);
	/* privileged -> N/A for the two checks that only matter for unprivileged users */
	assert_int_equal(badness_of("SupplementaryGroups", L("SupplementaryGroups=adm")), HD_BADNESS_NA);
	assert_int_equal(badness_of("SupplementaryGroups", L("User=a", "SupplementaryGroups=adm")), 1);
	assert_int_equal(badness_of("SupplementaryGroups", L("User=a", "SupplementaryGroups=adm", "SupplementaryGroups=")), 0);
	assert_int_equal(badness_of("RemoveIPC", L("User=a")), 1);
	assert_int_equal(badness_of("RemoveIPC", L("User=a", "RemoveIPC=yes")), 0);
}

static void test_dynamic_user_implications(void **state)
{
	(void)state;
	struct hd_settings s;
	settings_from(&s, L("DynamicUser=yes"));
	assert_true(s.private_tmp);
	assert_true(s.remove_ipc);
	assert_int_equal(s.protect_system, HD_PROTECT_SYSTEM_STRICT);
	assert_int_equal(s.protect_home, HD_PROTECT_HOME_READ_ONLY);
	assert_true(s.seccomp.no_new_privileges);
	assert_true(s.seccomp.restrict_suid_sgid);
	assert_non_null(s.user);
	assert_string_equal(s.user, "test"); /* from the unit name */
	hd_settings_free(&s);
	/* ProtectHome=tmpfs is kept, only "no" is raised */
	settings_from(&s, L("DynamicUser=yes", "ProtectHome=tmpfs"));
	assert_int_equal(s.protect_home, HD_PROTECT_HOME_TMPFS);
	hd_settings_free(&s);
}

static void test_capability_implications(void **state)
{
	(void)state;
	assert_int_equal(badness_of("CapabilityBoundingSet_CAP_MKNOD", L("PrivateDevices=yes")), 0);
	assert_int_equal(badness_of("CapabilityBoundingSet_CAP_SYS_RAWIO", L("PrivateDevices=yes")), 0);
	assert_int_equal(badness_of("CapabilityBoundingSet_CAP_SYS_MODULE", L("ProtectKernelModules=yes")), 0);
	assert_int_equal(badness_of("CapabilityBoundingSet_CAP_SYSLOG", L("ProtectKernelLogs=yes")), 0);
	assert_int_equal(badness_of("CapabilityBoundingSet_CAP_SYS_TIME", L("ProtectClock=yes")), 0);
	assert_int_equal(badness_of("CapabilityBoundingSet_CAP_WAKE_ALARM", L("ProtectClock=yes")), 0);
	/* ProtectClock= adds "char-rtc r" to the device ACL: never better than 5 */
	assert_int_equal(badness_of("DeviceAllow", L("ProtectClock=yes", "DevicePolicy=closed")), 5);
	assert_int_equal(badness_of("DeviceAllow", L("DevicePolicy=closed")), 0);
	assert_int_equal(badness_of("DeviceAllow", L("PrivateDevices=yes")), 0); /* auto -> closed */
	assert_int_equal(badness_of("DeviceAllow", L("DeviceAllow=/dev/null rw")), 10);
	assert_int_equal(badness_of("DeviceAllow", L("DevicePolicy=strict", "DeviceAllow=/dev/null rw")), 5);
}

static void test_capability_merging(void **state)
{
	(void)state;
	const char *f = "CapabilityBoundingSet_CAP_SYS_ADMIN";
	assert_int_equal(badness_of(f, L("CapabilityBoundingSet=CAP_NET_ADMIN")), 0);
	assert_int_equal(badness_of(f, L("CapabilityBoundingSet=~CAP_SYS_ADMIN")), 0);
	assert_int_equal(badness_of(f, L("CapabilityBoundingSet=cap_sys_admin")), 1);
	assert_int_equal(badness_of(f, L("CapabilityBoundingSet=21")), 1);
	/* a first list replaces "all", later lists merge in */
	assert_int_equal(badness_of(f, L("CapabilityBoundingSet=CAP_KILL", "CapabilityBoundingSet=CAP_SYS_ADMIN")), 1);
	assert_int_equal(badness_of(f, L("CapabilityBoundingSet=CAP_SYS_ADMIN CAP_KILL", "CapabilityBoundingSet=~CAP_SYS_ADMIN")), 0);
	/* unknown names only: an empty sum replaces the set (systemd's quirk) */
	assert_int_equal(badness_of(f, L("CapabilityBoundingSet=CAP_BOGUS")), 0);
	assert_int_equal(badness_of(f, L("CapabilityBoundingSet=", "CapabilityBoundingSet=~")), 1);
	/* unquoted like systemd does for this setting */
	assert_int_equal(badness_of(f, L("CapabilityBoundingSet=\"CAP_SYS_ADMIN\"")), 1);
	assert_int_equal(badness_of("AmbientCapabilities", L("AmbientCapabilities=CAP_NET_RAW")), 1);
	assert_int_equal(badness_of("AmbientCapabilities", L("AmbientCapabilities=CAP_NET_RAW", "AmbientCapabilities=")), 0);
}

static void test_rule_levels(void **state)
{
	(void)state;
	assert_int_equal(badness_of("UMask", NULL), 5); /* default 0022 */
	assert_int_equal(badness_of("UMask", L("UMask=0000")), 10);
	assert_int_equal(badness_of("UMask", L("UMask=0007")), 2);
	assert_int_equal(badness_of("UMask", L("UMask=0027")), 1);
	assert_int_equal(badness_of("UMask", L("UMask=0077")), 0);
	assert_int_equal(badness_of("UMask", L("UMask=0077", "UMask=0999")), 0); /* invalid: ignored */
	assert_int_equal(badness_of("ProtectHome", L("ProtectHome=tmpfs")), 1);
	assert_int_equal(badness_of("ProtectHome", L("ProtectHome=read-only")), 5);
	assert_int_equal(badness_of("ProtectHome", L("ProtectHome=yes")), 0);
	assert_int_equal(badness_of("ProtectHome", L("ProtectHome=yes", "ProtectHome=bogus")), 0);
	assert_int_equal(badness_of("ProtectSystem", L("ProtectSystem=full")), 3);
	assert_int_equal(badness_of("ProtectSystem", L("ProtectSystem=true")), 5);
	assert_int_equal(badness_of("ProtectSystem", L("ProtectSystem=strict")), 0);
	assert_int_equal(badness_of("ProtectSystem", L("ProtectSystem=\"strict\"")), 10); /* quotes: invalid */
	assert_int_equal(badness_of("ProtectProc", L("ProtectProc=noaccess")), 1);
	assert_int_equal(badness_of("ProtectProc", L("ProtectProc=ptraceable")), 0);
	assert_int_equal(badness_of("ProtectProc", NULL), 3);
	assert_int_equal(badness_of("KeyringMode", L("KeyringMode=shared")), 1);
	assert_int_equal(badness_of("NotifyAccess", L("NotifyAccess=all")), 1);
	assert_int_equal(badness_of("ProcSubset", L("ProcSubset=pid")), 0);
	assert_int_equal(badness_of("Delegate", L("Delegate=cpu memory")), 1);
	assert_int_equal(badness_of("Delegate", L("Delegate=yes", "Delegate=no")), 0);
	assert_int_equal(badness_of("RootDirectoryOrRootImage", L("RootDirectory=/")), 1);
	assert_int_equal(badness_of("RootDirectoryOrRootImage", L("RootImage=/img.raw")), 0);
	assert_int_equal(badness_of("NoNewPrivileges", L("NoNewPrivileges=on")), 0);
	assert_int_equal(badness_of("NoNewPrivileges", L("NoNewPrivileges=on", "NoNewPrivileges=maybe")), 0);
	assert_int_equal(badness_of("PrivateTmp", L("PrivateTmp=t")), 0);
	assert_int_equal(badness_of("PrivateTmp", L("PrivateTmp=yes", "PrivateTmp=")), 0); /* empty: invalid boolean */
}

static void test_boot_phase(void **state)
{
	(void)state;
	static const char *const dd_checks[] = { "PrivateTmp", "ProtectHome", "ProtectSystem", "RootDirectoryOrRootImage" };
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(badness_of(dd_checks[i], L("Unit:DefaultDependencies=no")), HD_BADNESS_NA);
		assert_int_not_equal(badness_of(dd_checks[i], L("Unit:DefaultDependencies=yes")), HD_BADNESS_NA);
	}
	/* DefaultDependencies= in [Service] is not that setting */
	assert_int_not_equal(badness_of("PrivateTmp", L("DefaultDependencies=no")), HD_BADNESS_NA);
}

static void test_ip_and_families(void **state)
{
	(void)state;
	assert_int_equal(badness_of("IPAddressDeny", L("IPAddressDeny=any")), 0);
	assert_int_equal(badness_of("IPAddressDeny", L("IPAddressDeny=0.0.0.0/0")), 10); /* IPv6 still open */
	assert_int_equal(badness_of("IPAddressDeny", L("IPAddressDeny=0.0.0.0/0 ::/0")), 0);
	assert_int_equal(badness_of("IPAddressDeny", L("IPAddressDeny=any", "IPAddressAllow=localhost")), 2);
	assert_int_equal(badness_of("IPAddressDeny", L("IPAddressDeny=any", "IPAddressAllow=10.0.0.0/8 ::1")), 5);
	assert_int_equal(badness_of("IPAddressDeny", L("IPAddressDeny=any", "IPAddressDeny=")), 10);
	assert_int_equal(badness_of("IPAddressDeny", L("IPIngressFilterPath=/sys/fs/bpf/x")), 0);
	assert_int_equal(badness_of("IPAddressDeny", L("IPAddressDeny=\"any\"")), 10);
	/* prefixes are stored with host bits cleared: ::1/64 is ::/64 (not localhost), 127.1.2.3/8 is */
	assert_int_equal(badness_of("IPAddressDeny", L("IPAddressDeny=any", "IPAddressAllow=::1/64")), 5);
	assert_int_equal(badness_of("IPAddressDeny", L("IPAddressDeny=any", "IPAddressAllow=127.1.2.3/8")), 2);
	assert_int_equal(badness_of("IPAddressDeny", L("IPAddressDeny=any", "IPAddressAllow=127.0.0.1/0")), 5);

	assert_int_equal(badness_of("RestrictAddressFamilies_AF_INET_INET6", L("RestrictAddressFamilies=AF_UNIX")), 0);
	assert_int_equal(badness_of("RestrictAddressFamilies_AF_UNIX", L("RestrictAddressFamilies=AF_UNIX")), 1);
	assert_int_equal(badness_of("RestrictAddressFamilies_OTHER", L("RestrictAddressFamilies=AF_UNIX")), 0);
	assert_int_equal(badness_of("RestrictAddressFamilies_OTHER", L("RestrictAddressFamilies=~AF_BLUETOOTH")), 0);
	assert_int_equal(badness_of("RestrictAddressFamilies_AF_INET_INET6", L("RestrictAddressFamilies=~AF_INET")), 0);
	assert_int_equal(badness_of("RestrictAddressFamilies_AF_UNIX", L("RestrictAddressFamilies=none")), 0);
	assert_int_equal(badness_of("RestrictAddressFamilies_AF_PACKET", NULL), 1);

	assert_int_equal(badness_of("RestrictNamespaces_user", L("RestrictNamespaces=yes")), 0);
	assert_int_equal(badness_of("RestrictNamespaces_user", L("RestrictNamespaces=~user")), 0);
	assert_int_equal(badness_of("RestrictNamespaces_net", L("RestrictNamespaces=~user")), 1);
	assert_int_equal(badness_of("RestrictNamespaces_net", L("RestrictNamespaces=ipc")), 0);

	assert_int_equal(badness_of("SystemCallArchitectures", NULL), 10);
	assert_int_equal(badness_of("SystemCallArchitectures", L("SystemCallArchitectures=native")), 0);
	assert_int_equal(badness_of("SystemCallArchitectures", L("SystemCallArchitectures=x86-64")), 8);
	assert_int_equal(badness_of("SystemCallArchitectures", L("SystemCallArchitectures=native x86")), 8);
}

static void test_syscall_groups(void **state)
{
	(void)state;
	assert_int_equal(badness_of("SystemCallFilter_swap", NULL), 10);
	assert_int_equal(badness_of("SystemCallFilter_swap", L("SystemCallFilter=~@swap")), 0);
	assert_int_equal(badness_of("SystemCallFilter_mount", L("SystemCallFilter=~@swap")), 10);
	assert_int_equal(badness_of("SystemCallFilter_swap", L("SystemCallFilter=@system-service")), 0);
	/* @privileged holds chown, which @system-service allows */
	assert_int_equal(badness_of("SystemCallFilter_privileged", L("SystemCallFilter=@system-service")), 9);
	assert_int_equal(badness_of("SystemCallFilter_privileged",
				    L("SystemCallFilter=@system-service", "SystemCallFilter=~@privileged")), 0);
	/* an allow-list entry with its own errno does not count as allowed */
	assert_int_equal(badness_of("SystemCallFilter_swap", L("SystemCallFilter=@privileged", "SystemCallFilter=~@swap:EPERM")), 0);
	assert_int_equal(badness_of("SystemCallFilter_swap", L("SystemCallFilter=@privileged")), 9);
	/* deny list missing one member */
	assert_int_equal(badness_of("SystemCallFilter_swap", L("SystemCallFilter=~swapon")), 10);
	assert_int_equal(badness_of("SystemCallFilter_swap", L("SystemCallFilter=~swapon swapoff")), 0);
}

static void test_private_mounts_versions(void **state)
{
	(void)state;
	struct hd_settings s;
	struct hd_assessment a;
	settings_from(&s, NULL);
	assert_int_equal(hd_assess(&s, NULL, HD_SYSTEMD_252, &a), 0);
	assert_int_equal(row(&a, "PrivateMounts")->badness, 1);
	hd_assessment_free(&a);
	assert_int_equal(hd_assess(&s, NULL, HD_SYSTEMD_LATEST, &a), 0);
	assert_int_equal(row(&a, "PrivateMounts")->badness, 0);
	hd_assessment_free(&a);
	hd_settings_free(&s);
}

static void test_newer_modes(void **state)
{
	(void)state;
	/* 252 rejects PrivateTmp=disconnected & co. (the setting stays off); latest takes them as on */
	struct hd_settings s;
	hd_diags d = {0};
	hd_settings_init(&s);
	assert_int_equal(hd_settings_apply(&s, NULL, "Service", "PrivateTmp", "disconnected", HD_SYSTEMD_252, "f", 1, &d), 1);
	assert_false(s.private_tmp);
	assert_int_equal(hd_diags_count(&d, HD_WARNING), 1);
	assert_int_equal(hd_settings_apply(&s, NULL, "Service", "PrivateTmp", "disconnected", HD_SYSTEMD_LATEST, "f", 2, &d), 1);
	assert_true(s.private_tmp);
	assert_int_equal(hd_settings_apply(&s, NULL, "Service", "PrivateUsers", "self", HD_SYSTEMD_LATEST, "f", 3, &d), 1);
	assert_true(s.private_users);
	assert_int_equal(hd_diags_count(&d, HD_WARNING), 1);
	hd_diags_free(&d);
	hd_settings_free(&s);
}

static void test_fatal_values(void **state)
{
	(void)state;
	struct hd_settings s;
	hd_diags d = {0};
	hd_settings_init(&s);
	assert_int_equal(hd_settings_apply(&s, NULL, "Service", "DynamicUser", "maybe", HD_SYSTEMD_252, "f", 3, &d), -ENOEXEC);
	assert_int_equal(hd_settings_apply(&s, NULL, "Service", "Group", "-1", HD_SYSTEMD_252, "f", 4, &d), -ENOEXEC);
	assert_int_equal(hd_settings_apply(&s, NULL, "Service", "RootDirectory", "rel/dir", HD_SYSTEMD_252, "f", 5, &d), -ENOEXEC);
	assert_int_equal(hd_settings_apply(&s, NULL, "Service", "User", "bad user name", HD_SYSTEMD_252, "f", 6, &d), 1);
	assert_int_equal(hd_settings_apply(&s, NULL, "Service", "User", "00", HD_SYSTEMD_252, "f", 6, &d), -ENOEXEC);
	assert_int_equal(hd_settings_apply(&s, NULL, "Service", "NoSuchKey", "x", HD_SYSTEMD_252, "f", 7, &d), 0);
	assert_int_equal(hd_diags_count(&d, HD_ERROR), 4);
	assert_string_equal(d.v[0].file, "f");
	assert_int_equal(d.v[0].line, 3);
	hd_diags_free(&d);
	hd_settings_free(&s);
}

/* ---- policies ---- */

static int parse_policy(const char *json, struct hd_policy *p, hd_diags *d)
{
	return hd_policy_parse(json, strlen(json), "test.policy", p, d);
}

static void expect_policy_error(const char *json, const char *needle)
{
	struct hd_policy p;
	hd_diags d = {0};
	assert_int_equal(parse_policy(json, &p, &d), -EINVAL);
	assert_true(d.n > 0);
	bool found = false;
	for (size_t i = 0; i < d.n; i++) {
		assert_string_equal(d.v[i].file, "test.policy");
		found |= strstr(d.v[i].text, needle) != NULL;
	}
	if (!found)
		fail_msg("policy %s: no error containing '%s' (first: %s)", json, needle, d.v[0].text);
	hd_diags_free(&d);
	hd_policy_free(&p);
}

static void test_policy_errors(void **state)
{
	(void)state;
	expect_policy_error("[]", "must be a JSON object");
	expect_policy_error("42", "must be a JSON object");
	expect_policy_error("{\"PrivateTmp\": {\"range\": 0}}", "range\" is 0");
	expect_policy_error("{\"ProtectHome\": {\"range\": 5}}", "below the check's own range");
	expect_policy_error("{\"NoSuchField\": {\"weight\": 1}}", "unknown json_field \"NoSuchField\"");
	expect_policy_error("{\"PrivateTmp\": {\"weight\": \"10\"}}", "must be a non-negative integer, not a string");
	expect_policy_error("{\"PrivateTmp\": {\"weight\": -1}}", "between 0 and");
	expect_policy_error("{\"PrivateTmp\": {\"weight\": 1.5}}", "not a fractional number");
	expect_policy_error("{\"PrivateTmp\": {\"description_good\": 3}}", "must be a string");
	expect_policy_error("{\"PrivateTmp\": {\"wieght\": 3}}", "unknown member \"wieght\"");
	expect_policy_error("{\"PrivateTmp\": 5}", "must be an object");
	expect_policy_error("{\"PrivateTmp\": {}", "not valid JSON");
	expect_policy_error("{} x", "unexpected text after");
	/* all weights 0 */
	char *all = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&all, &len);
	fputc('{', m);
	for (size_t i = 0; i < HD_CHECK_COUNT; i++)
		fprintf(m, "%s\"%s\": {\"weight\": 0}", i ? "," : "", hd_checks[i].json_field);
	fputc('}', m);
	fclose(m);
	expect_policy_error(all, "every check has weight 0");
	free(all);
	/* embedded NUL */
	struct hd_policy p;
	hd_diags d = {0};
	assert_int_equal(hd_policy_parse("{}\0{}", 5, "nul.policy", &p, &d), -EINVAL);
	hd_diags_free(&d);
	hd_policy_free(&p);
}

static void test_policy_applies(void **state)
{
	(void)state;
	struct hd_policy p;
	hd_diags d = {0};
	assert_int_equal(parse_policy("{\"PrivateNetwork\": {\"weight\": 0},"
				      " \"UserOrDynamicUser\": {\"weight\": 4000, \"range\": 20, \"description_bad\": \"root!\"}}",
				      &p, &d),
			 0);
	assert_int_equal(d.n, 0);
	struct hd_settings s;
	struct hd_assessment a;
	settings_from(&s, NULL);
	assert_int_equal(hd_assess(&s, &p, HD_SYSTEMD_252, &a), 0);
	/* PrivateNetwork excluded (2500 bad of 2500), UserOrDynamicUser: ceil(10 × 4000 / 20) = 2000 of 4000 */
	assert_int_equal(a.weight_sum, 56160 - 2500 - 2000 + 4000);
	assert_int_equal(a.badness_sum, 53510 - 2500 - 2000 + 2000);
	assert_int_equal(row(&a, "PrivateNetwork")->set, -1);
	/* badness 10 is the check's own full range: still the "bad" text, the policy's */
	assert_int_equal(row(&a, "UserOrDynamicUser")->set, 0);
	assert_string_equal(row(&a, "UserOrDynamicUser")->description, "root!");
	hd_assessment_free(&a);
	hd_settings_free(&s);
	hd_policy_free(&p);
	/* a policy that leaves only N/A checks weighed: no score, an error */
	assert_int_equal(parse_policy("{}", &p, &d), 0);
	for (size_t i = 0; i < HD_CHECK_COUNT; i++)
		if (strcmp(hd_checks[i].json_field, "PrivateTmp") != 0)
			p.e[i].has_weight = true, p.e[i].weight = 0;
	settings_from(&s, L("Unit:DefaultDependencies=no"));
	assert_int_equal(hd_assess(&s, &p, HD_SYSTEMD_252, &a), -EINVAL);
	hd_settings_free(&s);
	hd_policy_free(&p);
	hd_diags_free(&d);
}

/* ---- batch: what harden security computes around one assessment ---- */

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void rm(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* A fresh directory for a test's files, removed (empty) afterwards. */
static int dir_setup(void **state)
{
	static char dir[32];
	snprintf(dir, sizeof(dir), "/tmp/harden-assess-XXXXXX");
	*state = mkdtemp(dir);
	return *state ? 0 : -1;
}

static int dir_teardown(void **state)
{
	return rmdir(*state);
}

static void test_batch_unit_fix(void **state)
{
	const char *dir = *state;
	put(dir, "harden-assess-test.service", "[Service]\nExecStart=/bin/true\n");
	put(dir, "net.conf", "[Service]\nPrivateNetwork=yes\n");
	char unit[512], prof[512];
	snprintf(unit, sizeof(unit), "%s/harden-assess-test.service", dir);
	snprintf(prof, sizeof(prof), "%s/net.conf", dir);

	/* a bare unit: the fix drop-in has the settings that make its failing rows pass, re-scored */
	struct hd_assess_unit_options o = { .sdver = HD_SYSTEMD_252, .fix = true };
	struct hd_assess_unit_result res;
	hd_diags d = {0}, fd = {0};
	assert_int_equal(hd_assess_unit_file(unit, &o, &res, &d, &fd), 0);
	assert_string_equal(res.name, "harden-assess-test.service");
	assert_int_equal(res.a.exposure, 96);
	assert_non_null(res.dropin);
	assert_non_null(strstr(res.dropin, "# harden security --fix for harden-assess-test.service: "));
	assert_non_null(strstr(res.dropin, "\n[Service]\n"));
	assert_non_null(strstr(res.dropin, "\nPrivateNetwork=yes\n"));
	/* deny-style lines of one setting are merged into one line */
	const char *first = strstr(res.dropin, "\nSystemCallFilter=~");
	assert_non_null(first);
	assert_null(strstr(first + 1, "\nSystemCallFilter=~"));
	assert_true(res.have_after);
	assert_true(res.after.exposure < res.a.exposure);
	assert_int_equal(fd.n, 0);
	hd_assess_unit_result_free(&res);

	/* a profile is applied like a last drop-in */
	char *found = hd_assess_find_profile(prof, NULL);
	assert_string_equal(found, prof);
	o = (struct hd_assess_unit_options){ .sdver = HD_SYSTEMD_252, .profile_path = found };
	assert_int_equal(hd_assess_unit_file(unit, &o, &res, &d, &fd), 0);
	assert_true(hd_strv_contains(&res.unit.dropins, prof));
	assert_int_equal(row(&res.a, "PrivateNetwork")->set, 1);
	assert_null(res.dropin);
	hd_assess_unit_result_free(&res);
	free(found);
	assert_null(hd_assess_find_profile("no-such-profile-here", dir));
	rm(dir, "net.conf");
	assert_null(hd_assess_find_profile(prof, NULL));
	struct hd_unit u = {0};
	assert_int_equal(hd_assess_apply_profile(&u, prof, &d), -ENOENT);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].file, prof);
	hd_unit_free(&u);
	hd_diags_free(&d);

	/* a missing unit: an error, a result that is safe to free */
	rm(dir, "harden-assess-test.service");
	assert_true(hd_assess_unit_file(unit, &o, &res, &d, &fd) < 0);
	assert_true(hd_diags_count(&d, HD_ERROR) > 0);
	hd_assess_unit_result_free(&res);
	hd_diags_free(&d);
}

static void test_batch_collect_and_overview(void **state)
{
	const char *dir = *state;
	/* out of name order, and a file that is no unit */
	static const char *const names[] = { "b.service", "a.service", "notes.txt" };
	for (size_t i = 0; i < 3; i++)
		put(dir, names[i], "[Service]\nExecStart=/bin/true\n");
	hd_strv files = {0};
	bool is_dir = false;
	assert_int_equal(hd_assess_collect_units(dir, NULL, &files, &is_dir), 0);
	assert_true(is_dir);
	assert_int_equal(files.n, 2);
	assert_non_null(strstr(files.v[0], "/a.service"));
	assert_non_null(strstr(files.v[1], "/b.service"));
	/* a file is itself; a name found nowhere is kept for the loader to report */
	is_dir = false;
	assert_int_equal(hd_assess_collect_units(files.v[1], NULL, &files, &is_dir), 0);
	assert_int_equal(hd_assess_collect_units("harden-no-such-unit.service", NULL, &files, &is_dir), 0);
	assert_false(is_dir);
	assert_int_equal(files.n, 4);
	assert_string_equal(files.v[3], "harden-no-such-unit.service");
	hd_strv_free(&files);
	for (size_t i = 0; i < 3; i++)
		rm(dir, names[i]);

	/* most exposed first, equal exposures by name */
	struct hd_assess_overview ov = {0};
	assert_int_equal(hd_assess_overview_add(&ov, "b.service", 50), 0);
	assert_int_equal(hd_assess_overview_add(&ov, "a.service", 50), 0);
	assert_int_equal(hd_assess_overview_add(&ov, "c.service", 90), 0);
	hd_assess_overview_sort(&ov);
	assert_string_equal(ov.v[0].unit, "c.service");
	assert_string_equal(ov.v[1].unit, "a.service");
	assert_string_equal(ov.v[2].unit, "b.service");
	hd_assess_overview_free(&ov);
	assert_int_equal(ov.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_shape),
		cmocka_unit_test(test_bare_root_unit),
		cmocka_unit_test(test_ratings),
		cmocka_unit_test(test_rule_user),
		cmocka_unit_test(test_dynamic_user_implications),
		cmocka_unit_test(test_capability_implications),
		cmocka_unit_test(test_capability_merging),
		cmocka_unit_test(test_rule_levels),
		cmocka_unit_test(test_boot_phase),
		cmocka_unit_test(test_ip_and_families),
		cmocka_unit_test(test_syscall_groups),
		cmocka_unit_test(test_private_mounts_versions),
		cmocka_unit_test(test_newer_modes),
		cmocka_unit_test(test_fatal_values),
		cmocka_unit_test(test_policy_errors),
		cmocka_unit_test(test_policy_applies),
		cmocka_unit_test_setup_teardown(test_batch_unit_fix, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_batch_collect_and_overview, dir_setup, dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
