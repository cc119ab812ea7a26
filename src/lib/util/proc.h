/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

/*
 * Processes as /proc shows them: what the service starter, the tracers and the warden need to follow a
 * process tree and to tell a process from a later one that got its pid.
 */

/* /proc/PID/stat: the state letter, the start time (clock ticks since boot: with the pid, it names one
 * process) and the parent. Each out pointer may be NULL. false if pid is gone (a zombie is not gone:
 * its state is 'Z'). */
bool hd_proc_stat(pid_t pid, char *state, unsigned long long *start, pid_t *ppid);

/* Calls fn for each child of pid (of every thread, /proc/PID/task/TID/children) until fn returns
 * non-zero, which is returned; 0 otherwise (also when pid is gone). */
int hd_proc_each_child(pid_t pid, int (*fn)(void *ctx, pid_t child), void *ctx);
