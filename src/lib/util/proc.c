/* SPDX-License-Identifier: MIT */
#include "util/proc.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool hd_proc_stat(pid_t pid, char *state, unsigned long long *start, pid_t *ppid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	/* the command name may hold spaces and ')': the fields start after the last ')' */
	char *p = strrchr(buf, ')');
	char st = 0;
	int pp = 0;
	if (!p || sscanf(p + 1, " %c %d", &st, &pp) != 2)
		return false;
	/* fields 3 (state) ... 22 (starttime): 19 separators after the state */
	p += 2;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return false;
	if (state)
		*state = st;
	if (start)
		*start = strtoull(p + 1, NULL, 10);
	if (ppid)
		*ppid = (pid_t)pp;
	return true;
}

int hd_proc_each_child(pid_t pid, int (*fn)(void *ctx, pid_t child), void *ctx)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	DIR *dd = opendir(dir);
	if (!dd)
		return 0;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(dd))) {
		if (de->d_name[0] == '.')
			continue;
		char path[128];
		snprintf(path, sizeof(path), "%s/%.20s/children", dir, de->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		int c;
		while (r == 0 && fscanf(f, "%d", &c) == 1)
			if (c > 0)
				r = fn(ctx, (pid_t)c);
		fclose(f);
	}
	closedir(dd);
	return r;
}
