/* SPDX-License-Identifier: MIT */
#include "explain/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "explain/coredump.h"
#include "explain/explain.h"
#include "explain/logparse.h"

/* The rest of fd after the head already read (a pipe cannot be rewound), NUL-terminated. */
static int read_all(int fd, const char *head, size_t head_len, char **out, size_t *len)
{
	size_t cap = head_len + (1 << 16), n = head_len;
	char *b = malloc(cap + 1);
	if (!b)
		return -ENOMEM;
	memcpy(b, head, head_len);
	for (;;) {
		if (n == cap) {
			if (cap >= HD_EVIDENCE_TEXT_MAX) {
				free(b);
				return -EFBIG;
			}
			cap *= 2;
			char *nb = realloc(b, cap + 1);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;
			free(b);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = 0;
	*out = b;
	*len = n;
	return 0;
}

int hd_evidence_read(const char *path, struct hd_evidence_list *ev, hd_diags *diags)
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
	} else {
		char *text = NULL;
		size_t len = 0;
		r = read_all(fd, head, (size_t)hn, &text, &len);
		if (r == -EFBIG)
			hd_diag_add(diags, HD_ERROR, path, 0, "larger than %zu MiB; split the log", HD_EVIDENCE_TEXT_MAX >> 20);
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
