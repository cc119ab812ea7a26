/* SPDX-License-Identifier: MIT */
/* sandbox/fsdenial: which file-system setting a failed call names, and its fix, against a made-up host. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sandbox/fsdenial.h"

/* The host: these directories exist (and nothing else), and these mounts are read-only. */
struct host {
	const char *const *dirs;
	const char *const *files;
	const char *read_only; /* a path prefix the host mounts read-only, or NULL */
};

static bool listed(const char *const *v, const char *path)
{
	for (; v && *v; v++)
		if (strcmp(*v, path) == 0)
			return true;
	return false;
}

static bool h_is_dir(void *ctx, const char *path)
{
	const struct host *h = ctx;
	return strcmp(path, "/") == 0 || listed(h->dirs, path);
}

static bool h_exists(void *ctx, const char *path)
{
	const struct host *h = ctx;
	return h_is_dir(ctx, path) || listed(h->files, path);
}

static bool h_read_only(void *ctx, const char *path)
{
	const struct host *h = ctx;
	size_t n = h->read_only ? strlen(h->read_only) : 0;
	return h->read_only && strncmp(path, h->read_only, n) == 0 && (path[n] == 0 || path[n] == '/');
}

static const char *const dirs[] = { "/var", "/var/lib", "/var/lib/x", "/home", "/home/u", "/root", "/srv",
				    "/srv/hidden", "/tmp", "/tmp/hostdir", "/usr", "/run", "/run/user", "/dev", "/proc",
				    "/proc/sys", "/proc/sys/kernel", NULL };
static const char *const files[] = { "/srv/hidden/file", "/tmp/hostfile", "/home/u/.profile", "/dev/sda",
				     "/proc/cpuinfo", "/proc/sys/kernel/domainname", NULL };
static struct host host = { .dirs = dirs, .files = files };
static struct hd_fs_probe probe = { .exists = h_exists, .is_dir = h_is_dir, .read_only = h_read_only,
				    .ctx = &host };

/* A plan from settings: key, value, ..., NULL. */
static void plan(struct hd_mount_plan *p, const char *const *kv)
{
	*p = (struct hd_mount_plan){ 0 };
	hd_diags d = { 0 };
	for (size_t i = 0; kv[i]; i += 2)
		assert_int_equal(hd_mount_plan_add(p, kv[i], kv[i + 1], "t", 1, &d), 1);
	assert_int_equal(d.n, 0);
	assert_int_equal(hd_mount_plan_finish(p), 0);
}

/* explain and check: setting NULL = not blamed; fix0/remove as expected (NULL = none). */
static void expect(const char *const *kv, const char *path, const char *target, int err, const char *setting,
		   const char *fix0, const char *fix1, const char *remove)
{
	struct hd_mount_plan p;
	plan(&p, kv);
	struct hd_fs_denial d;
	int r = hd_fs_denial_explain(&p, path, target, err, &probe, &d);
	if (!setting) {
		assert_int_equal(r, 0);
	} else {
		assert_int_equal(r, 1);
		assert_string_equal(d.entry->origin, setting);
		if (fix0) {
			assert_true(d.fix.n >= 1);
			assert_string_equal(d.fix.v[0], fix0);
		} else
			assert_int_equal(d.fix.n, 0);
		if (fix1) {
			assert_int_equal(d.fix.n, 2);
			assert_string_equal(d.fix.v[1], fix1);
		} else if (fix0)
			assert_int_equal(d.fix.n, 1);
		if (remove)
			assert_string_equal(d.remove, remove);
		else
			assert_null(d.remove);
	}
	hd_fs_denial_free(&d);
	hd_mount_plan_free(&p);
}

static const char *const strict[] = { "ProtectSystem", "strict", NULL };

static void test_strict_write(void **state)
{
	(void)state;
	/* creating a file in an existing directory: that directory */
	expect(strict, "/var/lib/x/f", "/var/lib/x", EROFS, "ProtectSystem=strict", "ReadWritePaths=/var/lib/x", NULL, NULL);
	/* mkdir -p of a tree that is not there: the nearest directory the host has */
	expect(strict, "/var/lib/x/a/b", "/var/lib/x/a", EROFS, "ProtectSystem=strict", "ReadWritePaths=/var/lib/x", NULL, NULL);
	/* writing an existing file: its directory */
	expect(strict, "/srv/hidden/file", "/srv/hidden/file", EROFS, "ProtectSystem=strict", "ReadWritePaths=/srv/hidden", NULL, NULL);
	/* a read-only host mount: the setting changed nothing */
	host.read_only = "/usr";
	expect(strict, "/usr/f", "/usr", EROFS, NULL, NULL, NULL, NULL);
	host.read_only = NULL;
	/* the paths strict keeps writable, and a ReadWritePaths= that covers it */
	expect(strict, "/home/u/f", "/home/u", EROFS, NULL, NULL, NULL, NULL);
	static const char *const rw[] = { "ProtectSystem", "strict", "ReadWritePaths", "/var/lib/x", NULL };
	expect(rw, "/var/lib/x/f", "/var/lib/x", EROFS, NULL, NULL, NULL, NULL);
	expect(rw, "/var/lib/y", "/var/lib", EROFS, "ProtectSystem=strict", "ReadWritePaths=/var/lib", NULL, NULL);
	/* not errors a read-only mount gives: EPERM, and ENOENT under a read-only entry */
	expect(strict, "/var/lib/x/f", "/var/lib/x", EPERM, NULL, NULL, NULL, NULL);
	expect(strict, "/var/lib/nope/f", "/var/lib/nope", ENOENT, NULL, NULL, NULL, NULL);
	/* a read does not fail with EROFS */
	expect(strict, "/var/lib/x/f", NULL, EROFS, NULL, NULL, NULL, NULL);
	/* ProtectSystem=full does not cover /var */
	static const char *const full[] = { "ProtectSystem", "full", NULL };
	expect(full, "/var/lib/x/f", "/var/lib/x", EROFS, NULL, NULL, NULL, NULL);
}

static void test_path_quoted(void **state)
{
	(void)state;
	static const char *const d2[] = { "/var", "/var/lib", "/var/lib/a b", NULL };
	const char *const *saved = host.dirs;
	host.dirs = d2;
	expect(strict, "/var/lib/a b/f", "/var/lib/a b", EROFS, "ProtectSystem=strict", "ReadWritePaths=\"/var/lib/a b\"",
	       NULL, NULL);
	host.dirs = saved;
}

static void test_home(void **state)
{
	(void)state;
	static const char *const ro[] = { "ProtectHome", "read-only", NULL };
	expect(ro, "/root/x", "/root", EROFS, "ProtectHome=read-only", "ReadWritePaths=/root", NULL, NULL);
	expect(ro, "/home/u/.cache/f", "/home/u/.cache", EROFS, "ProtectHome=read-only", "ReadWritePaths=/home/u", NULL, NULL);
	static const char *const yes[] = { "ProtectHome", "yes", NULL };
	expect(yes, "/home/u/.profile", NULL, EACCES, "ProtectHome=yes", "ProtectHome=read-only", NULL, NULL);
	expect(yes, "/home/u/.profile", NULL, ENOENT, "ProtectHome=yes", "ProtectHome=read-only", NULL, NULL);
	expect(yes, "/home/u/new", "/home/u", EROFS, "ProtectHome=yes", "ProtectHome=read-only", "ReadWritePaths=/home/u", NULL);
	/* not there on the host either: the setting did not hide it */
	expect(yes, "/home/u/nothing", NULL, ENOENT, NULL, NULL, NULL, NULL);
	static const char *const tmpfs[] = { "ProtectHome", "tmpfs", NULL };
	expect(tmpfs, "/home/u/.profile", NULL, ENOENT, "ProtectHome=tmpfs", "ProtectHome=read-only", NULL, NULL);
}

static void test_inaccessible(void **state)
{
	(void)state;
	static const char *const in[] = { "InaccessiblePaths", "/srv/hidden", NULL };
	expect(in, "/srv/hidden/file", NULL, ENOENT, "InaccessiblePaths=/srv/hidden", NULL, NULL, "InaccessiblePaths=/srv/hidden");
	expect(in, "/srv/hidden/file", NULL, EACCES, "InaccessiblePaths=/srv/hidden", NULL, NULL, "InaccessiblePaths=/srv/hidden");
	expect(in, "/srv/hidden", NULL, EACCES, "InaccessiblePaths=/srv/hidden", NULL, NULL, "InaccessiblePaths=/srv/hidden");
	expect(in, "/srv/hidden/new", "/srv/hidden", EROFS, "InaccessiblePaths=/srv/hidden", NULL, NULL, "InaccessiblePaths=/srv/hidden");
	/* beside it, and a missing path under it the host lacks too */
	expect(in, "/srv/other", NULL, ENOENT, NULL, NULL, NULL, NULL);
	expect(in, "/srv/hidden/none", NULL, ENOENT, NULL, NULL, NULL, NULL);
	/* a "-" path the host lacks is not set up: nothing to blame */
	static const char *const gone[] = { "InaccessiblePaths", "-/srv/gone", NULL };
	expect(gone, "/srv/gone/x", NULL, EACCES, NULL, NULL, NULL, NULL);
	/* an open of a path no entry covers */
	expect(in, "/nonexistent/x", NULL, ENOENT, NULL, NULL, NULL, NULL);
}

static void test_private_tmp_and_busy(void **state)
{
	(void)state;
	static const char *const pt[] = { "PrivateTmp", "yes", NULL };
	expect(pt, "/tmp/hostfile", NULL, ENOENT, "PrivateTmp=yes", "PrivateTmp=no", NULL, NULL);
	expect(pt, "/tmp/hostdir/new", "/tmp/hostdir", ENOENT, "PrivateTmp=yes", "PrivateTmp=no", NULL, NULL);
	expect(pt, "/tmp/none", NULL, ENOENT, NULL, NULL, NULL, NULL);
	expect(pt, "/tmp/x", "/tmp", EROFS, NULL, NULL, NULL, NULL); /* a private /tmp is writable */
	static const char *const rw[] = { "ProtectSystem", "strict", "ReadWritePaths", "/var/lib/x", NULL };
	expect(rw, "/var/lib/x", "/var/lib", EBUSY, "ReadWritePaths=/var/lib/x", "ReadWritePaths=/var/lib", NULL,
	       "ReadWritePaths=/var/lib/x");
	expect(rw, "/var/lib/y", "/var/lib", EBUSY, NULL, NULL, NULL, NULL);
	expect(rw, "/proc", "/", EBUSY, NULL, NULL, NULL, NULL);
}

/* the settings whose mounts come whole name themselves, with =no; a fresh /proc its option; a bind or a
 * tmpfs of the unit's its line */
static void test_whole_settings(void **state)
{
	(void)state;
	static const char *const dev[] = { "PrivateDevices", "yes", NULL };
	expect(dev, "/dev/sda", NULL, ENOENT, "PrivateDevices=yes", "PrivateDevices=no", NULL, NULL);
	expect(dev, "/dev/new", "/dev", EROFS, "PrivateDevices=yes", "PrivateDevices=no", NULL, NULL);
	expect(dev, "/dev/none", NULL, ENOENT, NULL, NULL, NULL, NULL); /* the host has none either */
	static const char *const pkt[] = { "ProtectKernelTunables", "yes", NULL };
	expect(pkt, "/proc/sys/kernel/domainname", "/proc/sys/kernel/domainname", EROFS, "ProtectKernelTunables=yes",
	       "ProtectKernelTunables=no", NULL, NULL);
	static const char *const subset[] = { "ProcSubset", "pid", NULL };
	expect(subset, "/proc/cpuinfo", NULL, ENOENT, "ProcSubset=pid", "ProcSubset=all", NULL, NULL);
	static const char *const tfs[] = { "TemporaryFileSystem", "/srv:ro", NULL };
	expect(tfs, "/srv/hidden/file", NULL, ENOENT, "TemporaryFileSystem=/srv:ro", NULL, NULL, "TemporaryFileSystem=/srv:ro");
	expect(tfs, "/srv/new", "/srv", EROFS, "TemporaryFileSystem=/srv:ro", NULL, NULL, "TemporaryFileSystem=/srv:ro");
	static const char *const bro[] = { "BindReadOnlyPaths", "/var/lib/x:/srv/x", NULL };
	expect(bro, "/srv/x/f", "/srv/x", EROFS, "BindReadOnlyPaths=/var/lib/x:/srv/x", "BindPaths=/var/lib/x:/srv/x", NULL,
	       "BindReadOnlyPaths=/var/lib/x:/srv/x");
}

static void test_host_probe(void **state)
{
	(void)state;
	/* the real host: / is a directory and /proc is not read-only */
	assert_true(hd_fs_probe_host.is_dir(NULL, "/"));
	assert_true(hd_fs_probe_host.exists(NULL, "/proc/self"));
	assert_false(hd_fs_probe_host.exists(NULL, "/nonexistent-hd-test"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strict_write),
		cmocka_unit_test(test_path_quoted),
		cmocka_unit_test(test_home),
		cmocka_unit_test(test_inaccessible),
		cmocka_unit_test(test_private_tmp_and_busy),
		cmocka_unit_test(test_whole_settings),
		cmocka_unit_test(test_host_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
