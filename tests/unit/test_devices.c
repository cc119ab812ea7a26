/* SPDX-License-Identifier: MIT */
/* sandbox/devices: DevicePolicy= and DeviceAllow= read as systemd 252 reads them
 * (config_parse_device_allow, unit_patch_contexts), made into the rules its device program checks
 * (cgroup_apply_devices, bpf_devices_allow_list_*), and the program itself accepted by the kernel;
 * sandbox/ipfilter: IPAddressAllow= and IPAddressDeny= (config_parse_in_addr_prefixes, bpf-firewall.c's
 * verdict: allow wins over deny), and its programs accepted by the kernel. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "filter/filter.h"
#include "sandbox/devices.h"
#include "sandbox/fix.h"
#include "sandbox/ipfilter.h"

#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

/* a /proc/devices of a typical machine */
static const char proc_devices[] = "Character devices:\n"
				   "  1 mem\n"
				   "  4 /dev/vc/0\n"
				   "  4 tty\n"
				   "  5 /dev/tty\n"
				   "  5 /dev/console\n"
				   "  5 ptmx\n"
				   "136 pts\n"
				   "137 pts\n"
				   "248 rtc\n"
				   "\n"
				   "Block devices:\n"
				   "  7 loop\n"
				   "  8 sd\n"
				   " 65 sd\n"
				   "254 virtblk\n";

static int add(struct hd_devices *d, const char *key, const char *value, size_t *ndiags)
{
	hd_diags diags = { 0 };
	int r = hd_devices_add(d, key, value, "test", 1, &diags);
	if (ndiags)
		*ndiags = diags.n;
	hd_diags_free(&diags);
	return r;
}

static void test_policy(void **state)
{
	(void)state;
	struct hd_devices d = { 0 };
	size_t nd;
	assert_false(hd_devices_active(&d));
	assert_int_equal(add(&d, "DevicePolicy", "closed", &nd), 1);
	assert_int_equal(d.policy, HD_DEVICE_POLICY_CLOSED);
	assert_true(hd_devices_active(&d));
	assert_int_equal(add(&d, "DevicePolicy", "strict", &nd), 1);
	assert_int_equal(d.policy, HD_DEVICE_POLICY_STRICT);
	/* an unknown value: said, and the policy stays */
	assert_int_equal(add(&d, "DevicePolicy", "closedd", &nd), -EINVAL);
	assert_int_equal(nd, 1);
	assert_int_equal(d.policy, HD_DEVICE_POLICY_STRICT);
	assert_int_equal(add(&d, "DevicePolicy", "auto", &nd), 1);
	assert_false(hd_devices_active(&d));
	assert_true(hd_devices_setting("DevicePolicy"));
	assert_true(hd_devices_setting("DeviceAllow"));
	assert_false(hd_devices_setting("PrivateDevices"));
	hd_devices_free(&d);
}

static void test_allow_parse(void **state)
{
	(void)state;
	struct hd_devices d = { 0 };
	size_t nd;
	assert_int_equal(add(&d, "DeviceAllow", "/dev/null rw", &nd), 1);
	assert_int_equal(nd, 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].path, "/dev/null");
	assert_true(d.v[0].r && d.v[0].w && !d.v[0].m);
	/* no rights: all three */
	assert_int_equal(add(&d, "DeviceAllow", "char-pts", &nd), 1);
	assert_true(d.v[1].r && d.v[1].w && d.v[1].m);
	/* a path simplified, quotes taken off */
	assert_int_equal(add(&d, "DeviceAllow", "\"/dev//loop0/\" r", &nd), 1);
	assert_string_equal(d.v[2].path, "/dev/loop0");
	assert_true(d.v[2].r && !d.v[2].w && !d.v[2].m);
	assert_int_equal(add(&d, "DeviceAllow", "block-* m", &nd), 1);
	assert_true(!d.v[3].r && !d.v[3].w && d.v[3].m);
	assert_int_equal(d.n, 4);
	/* what systemd ignores with a warning: no "-" prefix, a path outside /dev, "..", bad rights */
	const char *const ignored[] = { "-/dev/null", "/etc/passwd r", "/dev/../etc/passwd", "/dev/null rx", "/dev/ r",
		"dev/null", "/dev/null r w", NULL };
	for (const char *const *v = ignored; *v; v++) {
		assert_int_equal(add(&d, "DeviceAllow", *v, &nd), 0);
		assert_int_equal(nd, 1);
	}
	assert_int_equal(d.n, 4);
	/* the inaccessible nodes are valid paths */
	assert_int_equal(add(&d, "DeviceAllow", "/run/systemd/inaccessible/chr rw", &nd), 1);
	assert_int_equal(d.n, 5);
	/* an empty assignment clears the list; the setting stays named */
	assert_int_equal(add(&d, "DeviceAllow", "", &nd), 1);
	assert_int_equal(d.n, 0);
	assert_true(hd_strv_contains(&d.settings, "DeviceAllow"));
	hd_devices_free(&d);
}

static void test_patch(void **state)
{
	(void)state;
	struct hd_devices d = { 0 };
	/* PrivateDevices= closes an auto policy; ProtectClock= then allows reading the RTC */
	assert_int_equal(hd_devices_patch(&d, true, true), 0);
	assert_int_equal(d.policy, HD_DEVICE_POLICY_CLOSED);
	assert_true(hd_strv_contains(&d.settings, "PrivateDevices"));
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].path, "char-rtc");
	assert_true(d.v[0].r && !d.v[0].w && !d.v[0].m && d.v[0].implied);
	hd_devices_free(&d);
	/* ... but not a strict policy, which stays */
	assert_int_equal(add(&d, "DevicePolicy", "strict", NULL), 1);
	assert_int_equal(hd_devices_patch(&d, true, false), 0);
	assert_int_equal(d.policy, HD_DEVICE_POLICY_STRICT);
	hd_devices_free(&d);
	/* ProtectClock= alone adds nothing: an entry would close everything else */
	assert_int_equal(hd_devices_patch(&d, false, true), 0);
	assert_false(hd_devices_active(&d));
	assert_int_equal(d.n, 0);
	hd_devices_free(&d);
}

static void resolve(const struct hd_devices *d, struct hd_device_rules *r, size_t *ndiags)
{
	hd_diags diags = { 0 };
	assert_int_equal(hd_devices_resolve(d, proc_devices, r, &diags), 0);
	if (ndiags)
		*ndiags = diags.n;
	hd_diags_free(&diags);
}

static void test_resolve_closed(void **state)
{
	(void)state;
	if (access("/dev/null", F_OK) != 0 || access("/dev/full", F_OK) != 0) {
		skip();
		return;
	}
	struct hd_devices d = { 0 };
	struct hd_device_rules r;
	assert_int_equal(add(&d, "DevicePolicy", "closed", NULL), 1);
	resolve(&d, &r, NULL);
	/* the static list: /dev/null (1:3), /dev/full (1:7) with rwm, the inaccessible nodes (0:0) */
	assert_true(hd_device_rules_allow(&r, 'c', 1, 3, R | W | M));
	assert_true(hd_device_rules_allow(&r, 'c', 1, 7, W));
	assert_true(hd_device_rules_allow(&r, 'c', 0, 0, R));
	assert_true(hd_device_rules_allow(&r, 'b', 0, 0, R));
	/* /dev/pts: every pts major, read and write but no mknod */
	assert_true(hd_device_rules_allow(&r, 'c', 136, 4, R | W));
	assert_true(hd_device_rules_allow(&r, 'c', 137, 0, R));
	assert_false(hd_device_rules_allow(&r, 'c', 136, 4, M));
	/* anything else: denied */
	assert_false(hd_device_rules_allow(&r, 'b', 7, 0, R));
	assert_false(hd_device_rules_allow(&r, 'c', 1, 11, R)); /* /dev/kmsg */
	assert_false(hd_device_rules_allow(&r, 'b', 1, 3, R));  /* the type counts */
	hd_device_rules_free(&r);

	/* DeviceAllow= under auto: the static list too, and the entry */
	hd_devices_free(&d);
	assert_int_equal(add(&d, "DeviceAllow", "/dev/block/7:0 r", NULL), 1);
	resolve(&d, &r, NULL);
	assert_true(hd_device_rules_allow(&r, 'b', 7, 0, R));
	assert_false(hd_device_rules_allow(&r, 'b', 7, 0, W));
	assert_false(hd_device_rules_allow(&r, 'b', 7, 0, R | W));
	assert_false(hd_device_rules_allow(&r, 'b', 7, 1, R));
	assert_true(hd_device_rules_allow(&r, 'c', 1, 3, W));
	hd_device_rules_free(&r);
	hd_devices_free(&d);
}

static void test_resolve_strict(void **state)
{
	(void)state;
	struct hd_devices d = { 0 };
	struct hd_device_rules r;
	size_t nd;
	/* strict alone: no rule, the program denies everything */
	assert_int_equal(add(&d, "DevicePolicy", "strict", NULL), 1);
	resolve(&d, &r, &nd);
	assert_int_equal(r.n, 0);
	assert_false(hd_device_rules_allow(&r, 'c', 1, 3, R));
	hd_device_rules_free(&r);
	/* classes: a name is every major of it (sd: 8 and 65), a number that major, "*" the whole type */
	assert_int_equal(add(&d, "DeviceAllow", "block-sd r", NULL), 1);
	assert_int_equal(add(&d, "DeviceAllow", "char-254 rw", NULL), 1);
	assert_int_equal(add(&d, "DeviceAllow", "char-tty w", NULL), 1);
	assert_int_equal(add(&d, "DeviceAllow", "char-p?mx", NULL), 1); /* an fnmatch() pattern */
	resolve(&d, &r, &nd);
	assert_int_equal(nd, 0);
	assert_true(hd_device_rules_allow(&r, 'b', 8, 0, R));
	assert_true(hd_device_rules_allow(&r, 'b', 65, 16, R));
	assert_false(hd_device_rules_allow(&r, 'b', 8, 0, W));
	assert_false(hd_device_rules_allow(&r, 'b', 7, 0, R));
	assert_true(hd_device_rules_allow(&r, 'c', 254, 9, R | W));
	assert_true(hd_device_rules_allow(&r, 'c', 4, 1, W));  /* tty is major 4, not "/dev/tty" (5) */
	assert_true(hd_device_rules_allow(&r, 'c', 5, 2, M)); /* ptmx: 5, rwm */
	assert_false(hd_device_rules_allow(&r, 'c', 1, 3, R)); /* strict: no static list */
	hd_device_rules_free(&r);
	assert_int_equal(add(&d, "DeviceAllow", "block-*", NULL), 1);
	resolve(&d, &r, &nd);
	assert_true(hd_device_rules_allow(&r, 'b', 259, 1, R | W | M));
	assert_false(hd_device_rules_allow(&r, 'c', 259, 1, R));
	hd_device_rules_free(&r);
	hd_devices_free(&d);
	/* what matches nothing is said, and leaves nothing allowed */
	assert_int_equal(add(&d, "DevicePolicy", "strict", NULL), 1);
	assert_int_equal(add(&d, "DeviceAllow", "char-nosuchclass r", NULL), 1);
	assert_int_equal(add(&d, "DeviceAllow", "/dev/hd-no-such-node r", NULL), 1);
	resolve(&d, &r, &nd);
	assert_int_equal(nd, 2);
	assert_int_equal(r.n, 0);
	hd_device_rules_free(&r);
	hd_devices_free(&d);
	/* ProtectClock='s implied char-rtc is not said when there is no RTC */
	assert_int_equal(add(&d, "DevicePolicy", "strict", NULL), 1);
	assert_int_equal(hd_devices_patch(&d, false, true), 0);
	hd_diags diags = { 0 };
	assert_int_equal(hd_devices_resolve(&d, "Character devices:\n  1 mem\n", &r, &diags), 0);
	assert_int_equal(diags.n, 0);
	hd_diags_free(&diags);
	hd_device_rules_free(&r);
	resolve(&d, &r, NULL);
	assert_true(hd_device_rules_allow(&r, 'c', 248, 0, R));
	assert_false(hd_device_rules_allow(&r, 'c', 248, 0, W));
	hd_device_rules_free(&r);
	hd_devices_free(&d);
}

/* every shape of rule (with and without the access test, a device, a major, a class) and no rule at all:
 * a program the kernel's verifier accepts (root only) */
static void test_program(void **state)
{
	(void)state;
	struct hd_device_rules r = { 0 };
	struct bpf_insn *p;
	size_t n;
	assert_int_equal(hd_devices_program(&r, &p, &n), 0);
	assert_int_equal(n, 2); /* deny: r0 = 0, exit */
	assert_int_equal(p[0].imm, 0);
	free(p);
	struct hd_device_rule rules[] = { { 'c', 1, 3, R | W | M, "a" }, { 'b', 7, 0, R, "b" }, { 'c', 136, -1, R | W, "c" },
		{ 'b', -1, -1, M, "d" } };
	r.v = rules;
	r.n = r.cap = 4;
	assert_int_equal(hd_devices_program(&r, &p, &n), 0);
	/* head 6; rules 4 (all rights: no access test), 7, 6, 5; two endings of 2 */
	assert_int_equal(n, 6 + 4 + 7 + 6 + 5 + 4);
	assert_int_equal(p[n - 1].code, BPF_JMP | BPF_EXIT);
	assert_int_equal(p[n - 2].imm, 1); /* allow */
	assert_int_equal(p[n - 4].imm, 0); /* deny */
	free(p);
	if (geteuid() != 0)
		return;
	char log[4096] = "";
	int fd = hd_devices_load(&r, log, sizeof(log));
	if (fd == -EPERM) /* no CAP_BPF/CAP_SYS_ADMIN after all (a container) */
		return;
	if (fd < 0)
		fail_msg("the kernel refuses the program: %s: %s", strerror(-fd), log);
	close(fd);
	r.n = 0;
	fd = hd_devices_load(&r, log, sizeof(log));
	assert_true(fd >= 0);
	close(fd);
}

static int ip_add(struct hd_ipfilter *f, const char *key, const char *value, size_t *ndiags)
{
	hd_diags diags = { 0 };
	int r = hd_ipfilter_add(f, key, value, "test", 1, &diags);
	if (ndiags)
		*ndiags = diags.n;
	hd_diags_free(&diags);
	return r;
}

static bool allows(const struct hd_ipfilter *f, const char *addr)
{
	uint8_t a[16];
	if (inet_pton(AF_INET, addr, a) == 1)
		return hd_ipfilter_allows(f, AF_INET, a);
	assert_int_equal(inet_pton(AF_INET6, addr, a), 1);
	return hd_ipfilter_allows(f, AF_INET6, a);
}

static void test_ip_parse(void **state)
{
	(void)state;
	struct hd_ipfilter f = { 0 };
	size_t nd;
	assert_false(hd_ipfilter_active(&f));
	assert_true(hd_ipfilter_setting("IPAddressAllow") && hd_ipfilter_setting("IPAddressDeny"));
	assert_false(hd_ipfilter_setting("IPAccounting"));
	/* the shortcuts: both families each */
	assert_int_equal(ip_add(&f, "IPAddressDeny", "any", &nd), 1);
	assert_int_equal(f.deny.n, 2);
	assert_int_equal(f.deny.v[0].family, AF_INET);
	assert_int_equal(f.deny.v[0].prefixlen, 0);
	assert_int_equal(f.deny.v[1].family, AF_INET6);
	assert_int_equal(f.deny.v[1].prefixlen, 0);
	assert_int_equal(ip_add(&f, "IPAddressAllow", "localhost link-local multicast", &nd), 1);
	assert_int_equal(nd, 0);
	assert_int_equal(f.allow.n, 6);
	assert_int_equal(f.allow.v[0].prefixlen, 8);    /* 127.0.0.0/8 */
	assert_int_equal(f.allow.v[1].prefixlen, 128);  /* ::1/128 */
	assert_int_equal(f.allow.v[2].prefixlen, 16);   /* 169.254.0.0/16 */
	assert_int_equal(f.allow.v[3].prefixlen, 64);   /* fe80::/64 */
	assert_int_equal(f.allow.v[4].prefixlen, 4);    /* 224.0.0.0/4 */
	assert_int_equal(f.allow.v[5].prefixlen, 8);    /* ff00::/8 */
	/* is_localhost()'s names */
	assert_int_equal(ip_add(&f, "IPAddressAllow", "", NULL), 1);
	assert_int_equal(f.allow.n, 0);
	assert_int_equal(ip_add(&f, "IPAddressAllow", "LocalHost.localdomain foo.localhost", &nd), 1);
	assert_int_equal(f.allow.n, 4);
	/* addresses with and without a length; an invalid word is said and skipped, the others kept */
	assert_int_equal(ip_add(&f, "IPAddressAllow", "10.1.2.3 192.168.0.0/16 bogus 2001:db8::/32 10.0.0.0/33 ::1/129", &nd), 1);
	assert_int_equal(nd, 3);
	assert_int_equal(f.allow.n, 7);
	assert_int_equal(f.allow.v[4].prefixlen, 32);
	assert_int_equal(f.allow.v[5].prefixlen, 16);
	assert_int_equal(f.allow.v[6].family, AF_INET6);
	assert_int_equal(f.allow.v[6].prefixlen, 32);
	assert_true(hd_ipfilter_active(&f));
	hd_ipfilter_free(&f);
}

static void test_ip_verdict(void **state)
{
	(void)state;
	struct hd_ipfilter f = { 0 };
	/* nothing denied: everything passes */
	assert_int_equal(ip_add(&f, "IPAddressAllow", "10.0.0.0/8", NULL), 1);
	assert_true(allows(&f, "192.0.2.1"));
	/* deny any, allow localhost: allow wins where both match */
	assert_int_equal(ip_add(&f, "IPAddressAllow", "", NULL), 1);
	assert_int_equal(ip_add(&f, "IPAddressDeny", "any", NULL), 1);
	assert_int_equal(ip_add(&f, "IPAddressAllow", "localhost", NULL), 1);
	assert_true(allows(&f, "127.0.0.1"));
	assert_true(allows(&f, "127.255.0.9"));
	assert_true(allows(&f, "::1"));
	assert_false(allows(&f, "192.0.2.1"));
	assert_false(allows(&f, "::2"));
	assert_false(allows(&f, "::ffff:127.0.0.1")); /* a mapped address is IPv6 to the program */
	hd_ipfilter_free(&f);
	/* prefixes that end inside a byte */
	assert_int_equal(ip_add(&f, "IPAddressDeny", "10.250.0.0/15 2001:db8:8000::/33", NULL), 1);
	assert_false(allows(&f, "10.251.7.1"));
	assert_true(allows(&f, "10.252.0.1"));
	assert_false(allows(&f, "2001:db8:ffff::1"));
	assert_true(allows(&f, "2001:db8:7fff::1"));
	hd_ipfilter_free(&f);
}

/* the maps and both programs, with "any" (no trie) and with tries of both families (root only) */
static void test_ip_load(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		skip();
		return;
	}
	const char *const sets[][2] = { { "any", "localhost" }, { "10.0.0.0/8 2001:db8::/32", "10.1.0.0/16" },
		{ "any", "" }, { "", "::1" } };
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct hd_ipfilter f = { 0 };
		assert_int_equal(ip_add(&f, "IPAddressDeny", sets[i][0], NULL), 1);
		assert_int_equal(ip_add(&f, "IPAddressAllow", sets[i][1], NULL), 1);
		int in, out;
		char log[4096] = "";
		int r = hd_ipfilter_load(&f, &in, &out, log, sizeof(log));
		if (r == -EPERM) { /* no CAP_BPF/CAP_SYS_ADMIN after all (a container) */
			hd_ipfilter_free(&f);
			return;
		}
		if (r < 0)
			fail_msg("set %zu: the kernel refuses the programs: %s: %s", i, strerror(-r), log);
		close(in);
		close(out);
		hd_ipfilter_free(&f);
	}
}

/* a unit file's lines: folded into the rule sets (a value systemd ignores said and skipped), not listed
 * as not enforced; a specifier in DeviceAllow='s path resolved */
static void test_apply_unit(void **state)
{
	(void)state;
	char path[] = "/tmp/harden-test-devices-XXXXXX.service";
	int fd = mkstemps(path, 8);
	assert_true(fd >= 0);
	const char text[] = "[Service]\nExecStart=/bin/true\nDevicePolicy=closed\nDevicePolicy=bogus\n"
			    "DeviceAllow=/dev/null rw\nDeviceAllow=-/dev/zero\nDeviceAllow=/dev/%i r\n"
			    "IPAddressDeny=any\nIPAddressAllow=localhost bogus\nNice=5\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	struct hd_seccomp_settings s;
	hd_seccomp_settings_init(&s);
	struct hd_devices dv = { 0 };
	struct hd_ipfilter ip = { 0 };
	hd_diags d = { 0 };
	hd_strv ne = { 0 };
	assert_int_equal(hd_sandbox_apply_unit_mounts(path, HD_SYSTEMD_252, &s, NULL, NULL, &dv, &ip, &d, &ne), 0);
	unlink(path);
	assert_int_equal(ne.n, 1);
	assert_string_equal(ne.v[0], "Nice");
	/* the bogus policy, "-/dev/zero", "/dev/%i" (%i is empty in a unit that is no template instance:
	 * "/dev/", not a node) and the "bogus" address */
	assert_int_equal(hd_diags_count(&d, HD_WARNING), 4);
	assert_int_equal(dv.policy, HD_DEVICE_POLICY_CLOSED);
	assert_int_equal(dv.n, 1);
	assert_string_equal(dv.v[0].path, "/dev/null");
	assert_int_equal(ip.deny.n, 2);
	assert_int_equal(ip.allow.n, 2);
	hd_strv_free(&ne);
	hd_diags_free(&d);
	hd_devices_free(&dv);
	hd_ipfilter_free(&ip);
	hd_seccomp_settings_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_allow_parse),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_resolve_closed),
		cmocka_unit_test(test_resolve_strict),
		cmocka_unit_test(test_program),
		cmocka_unit_test(test_ip_parse),
		cmocka_unit_test(test_ip_verdict),
		cmocka_unit_test(test_ip_load),
		cmocka_unit_test(test_apply_unit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
