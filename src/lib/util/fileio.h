/* SPDX-License-Identifier: MIT */
#pragma once
#include <stddef.h>
#include <sys/types.h>

/*
 * Files that verbs write for the user (drop-ins, profiles): a reader (systemd, another harden run)
 * must see the old content or the new one, never a half-written file.
 */

/*
 * Replace path's content with text: a temporary file beside it (the same file system, so rename(2)
 * is atomic), written in full, chmod to mode (exactly: the umask does not apply), fsync, renamed over
 * path. A path that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO) is written in
 * place instead: renaming over it would replace the device node or pipe. 0 or -errno; on failure the
 * old file is untouched and no temporary file is left behind. The directory is not created.
 */
int hd_write_file_atomic(const char *path, const char *text, mode_t mode);
/* The same for len bytes of data (binary: a BPF program). An empty path is -EINVAL. A symlink to a
 * regular file is replaced by the new file; its target is never written. */
int hd_write_file_atomic_data(const char *path, const void *data, size_t len, mode_t mode);

/* All of text to fd, across short writes and signals. 0 or -errno. */
int hd_write_all(int fd, const char *text);
/* The same for len bytes of data. */
int hd_write_all_data(int fd, const void *data, size_t n);

/* Create path's parent directory (one level; an existing one is fine). 0 or -errno. */
int hd_mkdir_parent(const char *path, mode_t mode);
