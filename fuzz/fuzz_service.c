/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: a unit file read as learn --unit reads it to start its service (ExecStart=,
 * ExecStartPre=/ExecStop=, User=/Group=, WorkingDirectory=, Environment=, Type=, PIDFile=, KillSignal=,
 * KillMode=). The input is written to one scratch file per process, rewritten for each run. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "learn/service.h"

static char dir[] = "/tmp/harden-fuzz-service.XXXXXX", path[64];

static void remove_scratch(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0]) {
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/fuzz.service", dir);
		atexit(remove_scratch);
	}
	FILE *f = fopen(path, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	struct hd_service_spec spec = { 0 };
	hd_diags d = { 0 };
	int r = hd_service_from_unit(path, 252, &spec, &d);
	if (r > 0 || (r < 0 && r != -ENOMEM && hd_diags_count(&d, HD_ERROR) == 0))
		abort(); /* a refusal names the problem */
	if (r == 0)
		hd_service_spec_free(&spec);
	hd_diags_free(&d);
	return 0;
}
