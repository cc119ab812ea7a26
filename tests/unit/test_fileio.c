/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"

static char *tmpdir(void)
{
	char *d = strdup("/tmp/harden-fileio-XXXXXX");
	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	assert_non_null(f);
	static char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* Entries in dir besides . and ..: a temporary file left behind would show here. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	for (struct dirent *de; (de = readdir(d));)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void rm_tree(char *dir, const char *name)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
	rmdir(dir);
	free(dir);
}

/* A new directory, and path set to NAME in it. */
static char *tmp_path(char path[512], const char *name)
{
	char *dir = tmpdir();
	snprintf(path, 512, "%s/%s", dir, name);
	return dir;
}

/* A directory with a.conf holding "old\n"; path gets a.conf's path. */
static char *with_old(char path[512])
{
	char *dir = tmp_path(path, "a.conf");
	assert_int_equal(hd_write_file_atomic(path, "old\n", 0644), 0);
	return dir;
}

/* After a failed write: the old text, and nothing beside it. */
static void expect_old(char *dir, const char *path)
{
	assert_string_equal(slurp(path), "old\n");
	assert_int_equal(entries(dir), 1);
	rm_tree(dir, "a.conf");
}

static void test_new_and_replace(void **state)
{
	(void)state;
	char path[512], *dir = tmp_path(path, "a.conf");
	assert_int_equal(hd_write_file_atomic(path, "[Service]\nA=1\n", 0644), 0);
	assert_string_equal(slurp(path), "[Service]\nA=1\n");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(hd_write_file_atomic(path, "B=2\n", 0600), 0);
	assert_string_equal(slurp(path), "B=2\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(entries(dir), 1);
	rm_tree(dir, "a.conf");
}

/* A write that fails half-way (the file size limit: this works as root too) leaves the old text. */
static void test_failed_write_keeps_old(void **state)
{
	(void)state;
	char path[512], *dir = with_old(path);
	char big[200];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	struct rlimit old, small = { .rlim_cur = 64 };
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	int r = hd_write_file_atomic(path, big, 0644);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);
	assert_int_equal(r, -EFBIG);
	expect_old(dir, path);
}

/* A directory we may not write to: the temporary file cannot be made, the old file stays. Root may
 * write anywhere, so this part needs an ordinary user. */
static void test_unwritable_dir(void **state)
{
	(void)state;
	if (geteuid() == 0)
		skip();
	char path[512], *dir = with_old(path);
	assert_int_equal(chmod(dir, 0555), 0);
	assert_int_equal(hd_write_file_atomic(path, "new\n", 0644), -EACCES);
	assert_int_equal(chmod(dir, 0755), 0);
	expect_old(dir, path);
}

/* A FIFO (like /dev/null or /dev/stdout) is written in place, not replaced by a regular file. */
static void test_fifo_in_place(void **state)
{
	(void)state;
	char path[512], *dir = tmp_path(path, "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	int rd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(rd >= 0);
	assert_int_equal(hd_write_file_atomic(path, "through\n", 0644), 0);
	char buf[32] = { 0 };
	assert_int_equal(read(rd, buf, sizeof(buf) - 1), 8);
	assert_string_equal(buf, "through\n");
	close(rd);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(entries(dir), 1);
	rm_tree(dir, "fifo");
}

/* Issue 25 item 2: a symlink to a regular file is replaced by the new file; the target keeps its content
 * (harden run --export-bpf truncated a link's target in place). Binary data is written whole. */
static void test_symlink_not_followed(void **state)
{
	(void)state;
	char path[512], target[512], *dir = tmp_path(path, "out.bpf");
	snprintf(target, sizeof(target), "%s/target", dir);
	assert_int_equal(hd_write_file_atomic(target, "root:x:0:0\n", 0644), 0);
	assert_int_equal(symlink(target, path), 0);
	static const unsigned char bin[] = { 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x7f, 0x00, 0x01 };
	assert_int_equal(hd_write_file_atomic_data(path, bin, sizeof(bin), 0644), 0);
	assert_string_equal(slurp(target), "root:x:0:0\n");
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, (off_t)sizeof(bin));
	unsigned char back[sizeof(bin)];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, back, sizeof(back)), (ssize_t)sizeof(back));
	close(fd);
	assert_memory_equal(back, bin, sizeof(bin));
	assert_int_equal(entries(dir), 2);
	unlink(target);
	rm_tree(dir, "out.bpf");
}

/* An empty name is refused, not turned into a temporary file ".XXXXXX" in the current directory. */
static void test_empty_path(void **state)
{
	(void)state;
	assert_int_equal(hd_write_file_atomic("", "x", 0644), -EINVAL);
	assert_int_equal(hd_write_file_atomic_data("", "x", 1, 0644), -EINVAL);
}

static void test_missing_dir(void **state)
{
	(void)state;
	char path[512], *dir = tmp_path(path, "x.service.d/harden.conf");
	assert_int_equal(hd_write_file_atomic(path, "A=1\n", 0644), -ENOENT);
	assert_int_equal(hd_mkdir_parent(path, 0755), 0);
	assert_int_equal(hd_mkdir_parent(path, 0755), 0); /* already there: fine */
	assert_int_equal(hd_write_file_atomic(path, "A=1\n", 0644), 0);
	assert_string_equal(slurp(path), "A=1\n");
	unlink(path);
	char sub[512];
	snprintf(sub, sizeof(sub), "%s/x.service.d", dir);
	rmdir(sub);
	rmdir(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_and_replace),
		cmocka_unit_test(test_failed_write_keeps_old),
		cmocka_unit_test(test_unwritable_dir),
		cmocka_unit_test(test_fifo_in_place),
		cmocka_unit_test(test_missing_dir),
		cmocka_unit_test(test_symlink_not_followed),
		cmocka_unit_test(test_empty_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
