/* SPDX-License-Identifier: MIT */
#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int hd_write_all(int fd, const char *text)
{
	return hd_write_all_data(fd, text, strlen(text));
}

int hd_write_all_data(int fd, const void *data, size_t n)
{
	const char *p = data;
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		off += (size_t)w;
	}
	return 0;
}

/* A device or pipe has no content to replace: write to it as it is (O_TRUNC is ignored there). */
static int write_in_place(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_TRUNC);
	if (fd < 0)
		return -errno;
	int r = hd_write_all_data(fd, data, len);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int hd_write_file_atomic(const char *path, const char *text, mode_t mode)
{
	return hd_write_file_atomic_data(path, text, strlen(text), mode);
}

int hd_write_file_atomic_data(const char *path, const void *data, size_t len, mode_t mode)
{
	/* an empty name would become the temporary file ".XXXXXX" in the current directory */
	if (!path || !*path)
		return -EINVAL;
	/* stat follows a symlink on purpose: a link to a device or pipe (/dev/stdout) is written through;
	 * a link to a regular file is not: rename(2) below replaces the link itself, the target is kept */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return write_in_place(path, data, len);
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = -errno;
		free(tmp);
		return e;
	}
	int r = hd_write_all_data(fd, data, len);
	/* fsync before rename: after a crash the name points at the whole new text, not an empty file */
	if (r == 0 && (fchmod(fd, mode) < 0 || fsync(fd) < 0))
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

int hd_mkdir_parent(const char *path, mode_t mode)
{
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	int r = mkdir(dirname(copy), mode) < 0 && errno != EEXIST ? -errno : 0;
	free(copy);
	return r;
}
