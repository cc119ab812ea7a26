/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdint.h>

/* A time span as systemd reads one (systemd.time(7)): "90", "90s", "1min 30s", "2.5h", "500ms",
 * "infinity"; a bare number is seconds. *ms is the span in milliseconds (UINT64_MAX: infinity; a span
 * under 1 ms counts as 1 ms unless it is 0). 0, or -EINVAL for what systemd refuses. */
int hd_timespan_ms(const char *s, uint64_t *ms);
