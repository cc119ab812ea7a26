/* SPDX-License-Identifier: MIT */
/* Backend selection: eBPF when it can run here (root, BTF, built in), else ptrace. */
#include "learn/trace/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const backend_names[] = {
	[HD_TRACE_AUTO] = "auto",
	[HD_TRACE_PTRACE] = "ptrace",
	[HD_TRACE_EBPF] = "ebpf",
};

const char *hd_trace_backend_name(enum hd_trace_backend b)
{
	return (unsigned)b < sizeof(backend_names) / sizeof(backend_names[0]) ? backend_names[b] : "?";
}

int hd_trace_backend_parse(const char *s, enum hd_trace_backend *out)
{
	for (size_t i = 0; i < sizeof(backend_names) / sizeof(backend_names[0]); i++)
		if (strcmp(s, backend_names[i]) == 0) {
			*out = (enum hd_trace_backend)i;
			return 0;
		}
	return -EINVAL;
}

/* Records in the profile which backend watched, whatever the run's outcome; returns r. */
static int ran(struct hd_profile *p, enum hd_trace_backend b, int r)
{
	free(p->backend);
	p->backend = strdup(hd_trace_backend_name(b));
	return r;
}

int hd_trace(const struct hd_trace_options *o, struct hd_profile *p, struct hd_trace_result *res, hd_diags *d)
{
	memset(res, 0, sizeof(*res));
	char why[200] = "";
	switch (o->backend) {
	case HD_TRACE_EBPF:
		if (!hd_trace_ebpf_available(why, sizeof(why))) {
			hd_diag_add(d, HD_ERROR, NULL, 0, "the eBPF backend cannot run here: %s", why);
			return -EOPNOTSUPP;
		}
		snprintf(res->why, sizeof(res->why), "asked for with --backend=ebpf");
		return ran(p, HD_TRACE_EBPF, hd_trace_ebpf(o, p, res, d));
	case HD_TRACE_PTRACE:
		snprintf(res->why, sizeof(res->why), "asked for with --backend=ptrace");
		return ran(p, HD_TRACE_PTRACE, hd_trace_ptrace(o, p, res, d));
	case HD_TRACE_AUTO:
		break;
	}
	if (hd_trace_ebpf_available(why, sizeof(why))) {
		snprintf(res->why, sizeof(res->why), "auto: eBPF is available (root, kernel BTF, built in)");
		return ran(p, HD_TRACE_EBPF, hd_trace_ebpf(o, p, res, d));
	}
	if (o->cgroup) {
		hd_diag_add(d, HD_ERROR, NULL, 0, "--cgroup needs the eBPF backend, which cannot run here: %s", why);
		return -EOPNOTSUPP;
	}
	snprintf(res->why, sizeof(res->why), "auto: eBPF not usable (%s)", why);
	return ran(p, HD_TRACE_PTRACE, hd_trace_ptrace(o, p, res, d));
}
