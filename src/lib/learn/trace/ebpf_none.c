/* SPDX-License-Identifier: MIT */
/* Built when the eBPF backend could not be built (no kernel BTF, bpftool or clang at build time). */
#include <errno.h>
#include <stdio.h>

#include "learn/trace/trace.h"

bool hd_trace_ebpf_available(char *why, size_t whylen)
{
	snprintf(why, whylen, "this harden was built without the eBPF backend (no kernel BTF, bpftool or "
			      "BPF-capable clang at build time)");
	return false;
}

int hd_trace_ebpf(const struct hd_trace_options *o, struct hd_profile *p, struct hd_trace_result *res,
		  hd_diags *d)
{
	(void)o, (void)p, (void)res;
	hd_diag_add(d, HD_ERROR, NULL, 0, "eBPF backend not built");
	return -EOPNOTSUPP;
}
