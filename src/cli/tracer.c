/* SPDX-License-Identifier: MIT */
/* learn's tracer in a thread of the verb's (see tracer.h). */
#include "tracer.h"

#include <string.h>

static void *run(void *arg)
{
	struct cli_tracer *t = arg;
	int r = hd_trace(&t->to, &t->prof, &t->res, &t->diags);
	pthread_mutex_lock(&t->lock);
	t->r = r;
	t->finished = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

static void attached(void *ctx)
{
	struct cli_tracer *t = ctx;
	pthread_mutex_lock(&t->lock);
	t->attached = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

void cli_tracer_init(struct cli_tracer *t)
{
	memset(t, 0, sizeof(*t));
	hd_profile_init(&t->prof);
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->to = (struct hd_trace_options){ .backend = HD_TRACE_EBPF, .stop = &t->stop, .on_attached = attached,
					   .attached_ctx = t };
}

bool cli_tracer_start(struct cli_tracer *t)
{
	if (pthread_create(&t->thread, NULL, run, t) != 0) {
		hd_diag_add(&t->diags, HD_ERROR, NULL, 0, "cannot start the tracer's thread");
		return false;
	}
	t->started = true;
	pthread_mutex_lock(&t->lock);
	while (!t->attached && !t->finished)
		pthread_cond_wait(&t->cond, &t->lock);
	bool following = t->attached;
	pthread_mutex_unlock(&t->lock);
	return following;
}

void cli_tracer_stop(struct cli_tracer *t)
{
	if (!t->started)
		return;
	t->stop = 1;
	pthread_join(t->thread, NULL);
	t->started = false;
}

void cli_tracer_free(struct cli_tracer *t)
{
	cli_tracer_stop(t);
	hd_profile_free(&t->prof);
	hd_diags_free(&t->diags);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
}
