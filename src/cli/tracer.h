/* SPDX-License-Identifier: MIT */
#pragma once
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include "learn/profile.h"
#include "learn/trace/trace.h"
#include "util/diag.h"

/*
 * learn's tracer (hd_trace) in a thread of the verb's, while the verb runs what it follows: harden run's
 * command (the denials its settings cause), harden apply's unit (the shadow stage, the enforce watch).
 * start returns once the tracer follows (attached) or has given up (finished), so nothing the verb
 * starts after it is missed, and nothing waits on a tracer that failed.
 */
struct cli_tracer {
	struct hd_profile prof;
	struct hd_trace_options to; /* set what to follow (pid, cgroup) and how after cli_tracer_init */
	struct hd_trace_result res;
	hd_diags diags;
	volatile sig_atomic_t stop;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool started, attached, finished;
	int r; /* hd_trace's return, once finished */
};

/* Zeroed, the profile ready; to is the eBPF backend, stopped by t->stop, telling t when it follows. */
void cli_tracer_init(struct cli_tracer *t);
/* The thread started and waited for: true if the tracer follows (false: it failed, see t->diags, or the
 * thread could not start: t->started false, a diag says so). */
bool cli_tracer_start(struct cli_tracer *t);
/* Stop it (if started, once) and wait for its thread. */
void cli_tracer_stop(struct cli_tracer *t);
/* Stopped first; the profile, diags and lock released. */
void cli_tracer_free(struct cli_tracer *t);
