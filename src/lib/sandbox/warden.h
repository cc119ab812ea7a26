/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The warden: a command's processes must not outlive harden when harden is killed outright. SIGKILL runs
 * no handler, PR_SET_PDEATHSIG reaches the command's own process only, and what it forked (a daemon, a
 * shell's background job) is re-parented to init and runs on, unwatched and unconfined.
 *
 * hd_warden_start, called just before the command is started, makes the caller a child subreaper (the
 * tree's orphans stay its children while it runs) and forks a small process that looks at the tree every
 * HD_WARDEN_POLL_MS: the caller's children that were not there at the start (the command, and orphans of
 * its tree) and their descendants, each by pid and start time. When the caller dies without having ended
 * the watch (its end of a pipe closes unannounced, or the warden's parent changes), the warden stops
 * every recorded process with SIGSTOP (so none can fork any more), adds the children they have forked
 * since the last look, and kills them all with SIGKILL. A recorded pid that now names another process
 * (its start time differs) is not touched. The caller's other children (those of the snapshot) are never
 * part of the tree.
 *
 * Limit: a process that is forked and orphaned within one poll, and is not a child of a recorded one when
 * harden dies, is missed.
 */
#define HD_WARDEN_POLL_MS 50u
#define HD_WARDEN_TREE_MAX 4096u
#define HD_WARDEN_SNAPSHOT_MAX 256u

struct hd_warden_proc {
	pid_t pid;
	unsigned long long start; /* /proc/PID/stat starttime: tells a pid's reuse apart */
};

struct hd_warden {
	pid_t pid;          /* the warden process (0: not running) */
	int fd;             /* the caller's end of the pipe to it */
	int was_subreaper;  /* the caller's flag before, restored by hd_warden_end */
	struct hd_warden_proc before[HD_WARDEN_SNAPSHOT_MAX]; /* the caller's children at the start */
	size_t n_before;
};

/* 0 or -errno (nothing changed then). A refused PR_SET_CHILD_SUBREAPER is not an error: the warden runs
 * without it (orphans go to init at once, and only those it has recorded are found). */
int hd_warden_start(struct hd_warden *w);

/* The tree's live processes now (zombies not counted), as the warden sees it, not counting except (the
 * command's pid, which the caller waits for itself): zombies among the caller's children of the tree are
 * reaped (orphans re-parented to it). With sig > 0, also sends sig to each. */
size_t hd_warden_tree_alive(struct hd_warden *w, pid_t except, int sig);

/* The run is over: the warden exits without touching anything, is reaped, and the caller's subreaper flag
 * is restored. Safe on a warden that never started. */
void hd_warden_end(struct hd_warden *w);

/* For tests and the warden itself: the start time of pid, false if it is gone or a zombie. */
bool hd_warden_proc_start(pid_t pid, unsigned long long *start, pid_t *ppid);
