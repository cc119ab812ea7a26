/* SPDX-License-Identifier: MIT */
#include "explain/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explain/coredump.h"
#include "explain/explain.h"
#include "explain/logparse.h"

static ssize_t read_retry(int fd, void *buf, size_t n)
{
	ssize_t r;
	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/* The rest of fd after the head already read (a pipe cannot be rewound), NUL-terminated, at most max
 * bytes in all: -EFBIG as soon as byte max + 1 arrives, so a pipe is never read past the bound.
 * hint: the expected size (a regular file's st_size, 0 unknown) for the first allocation. */
static int read_all(int fd, const char *head, size_t head_len, size_t max, size_t hint, char **out, size_t *len)
{
	if (head_len > max)
		return -EFBIG;
	size_t cap = hint > head_len ? hint : head_len + (1 << 16), n = head_len;
	if (cap > max)
		cap = max;
	char *b = malloc(cap + 1);
	if (!b)
		return -ENOMEM;
	memcpy(b, head, head_len);
	int err = 0;
	for (;;) {
		if (n == cap) {
			/* full: one byte more tells the end of the input from the bound exceeded, and a
			 * file read to its st_size is not grown for nothing */
			char extra;
			ssize_t r = read_retry(fd, &extra, 1);
			if (r <= 0) {
				err = r < 0 ? -errno : 0;
				break;
			}
			if (cap == max) {
				err = -EFBIG;
				break;
			}
			cap = cap > max / 2 ? max : cap * 2;
			char *nb = realloc(b, cap + 1);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			b = nb;
			b[n++] = extra;
			continue;
		}
		ssize_t r = read_retry(fd, b + n, cap - n);
		if (r <= 0) {
			err = r < 0 ? -errno : 0;
			break;
		}
		n += (size_t)r;
	}
	if (err < 0) {
		free(b);
		return err;
	}
	b[n] = 0;
	*out = b;
	*len = n;
	return 0;
}

int hd_evidence_read(const char *path, struct hd_evidence_list *ev, hd_diags *diags)
{
	return hd_evidence_read_max(path, HD_EVIDENCE_TEXT_MAX, ev, diags);
}

int hd_evidence_read_max(const char *path, size_t text_max, struct hd_evidence_list *ev, hd_diags *diags)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = -errno;
		hd_diag_add(diags, HD_ERROR, path, 0, "cannot open: %s", strerror(errno));
		return e;
	}
	struct stat st = { 0 };
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		hd_diag_add(diags, HD_ERROR, path, 0, "%s", S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
		if (!is_stdin)
			close(fd);
		return -EISDIR;
	}
	/* enough for every kind's magic: ELF, zstd, lz4, xz */
	char head[8];
	ssize_t hn;
	do
		hn = read(fd, head, sizeof(head));
	while (hn < 0 && errno == EINTR);
	int r;
	if (hn < 0) {
		r = -errno;
		hd_diag_add(diags, HD_ERROR, path, 0, "cannot read: %s", strerror(errno));
	} else if (hd_core_sniff(head, (size_t)hn)) {
		struct hd_core_info ci;
		if (S_ISREG(st.st_mode) && lseek(fd, 0, SEEK_SET) == 0)
			r = hd_core_read_fd(fd, path, &ci, diags);
		else
			r = hd_core_read_stream(head, (size_t)hn, fd, path, &ci, diags);
		if (r >= 0)
			r = hd_evidence_from_core(&ci, path, ev);
		hd_core_info_free(&ci);
	} else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > text_max) {
		/* refused by its size, before a byte more is read or held */
		r = -EFBIG;
		hd_diag_add(diags, HD_ERROR, path, 0, "%llu bytes, larger than %zu MiB; split the log",
			    (unsigned long long)st.st_size, text_max >> 20);
	} else {
		char *text = NULL;
		size_t len = 0;
		r = read_all(fd, head, (size_t)hn, text_max, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0, &text, &len);
		if (r == -EFBIG)
			hd_diag_add(diags, HD_ERROR, path, 0, "more than %zu MiB (read up to there); split the log",
				    text_max >> 20);
		else if (r < 0)
			hd_diag_add(diags, HD_ERROR, path, 0, "cannot read: %s", strerror(-r));
		else {
			size_t before = ev->n;
			r = hd_evidence_parse_text(text, len, path, ev, diags);
			if (r >= 0 && ev->n == before)
				hd_diag_add(diags, HD_WARNING, path, 0,
					    "no seccomp audit record or core dump record found");
		}
		free(text);
	}
	if (!is_stdin)
		close(fd);
	return r;
}
