/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: a unit's file-system settings (ProtectSystem=, ProtectHome=, ReadWritePaths=, ...)
 * folded into a mount plan as harden run folds them, and the directories of RuntimeDirectory= and its kin
 * as learn --unit reads them. Never a crash or leak; every entry of a plan is an absolute path in normal
 * form, one per path, sorted parents first; every directory is under its base. Nothing is mounted or made. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "learn/unitdirs.h"
#include "sandbox/mounts.h"
#include "unit/unit.h"
#include "unit/unitwrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_unit u = { 0 };
	hd_diags d = { 0 };
	struct hd_mount_plan p = { 0 };
	struct hd_service_dirs dirs = { 0 };
	u.name = strdup("fuzz.service");
	if (!u.name)
		goto out;
	(void)hd_unit_parse_text(&u, (const char *)data, size, "fuzz.service", &d);
	for (size_t i = 0; i < u.n; i++)
		if (strcmp(u.v[i].section, "Service") == 0 &&
		    hd_mount_plan_add(&p, u.v[i].key, u.v[i].value, u.v[i].file, u.v[i].line, &d) < 0)
			goto out;
	if (hd_mount_plan_finish(&p) < 0)
		goto out;
	for (size_t i = 0; i < p.n; i++) {
		if (hd_unit_path_unwritable(p.v[i].path))
			abort(); /* only what systemd reads as exactly that path */
		if (i && strcmp(p.v[i - 1].path, p.v[i].path) == 0)
			abort(); /* one entry per path */
	}
	if (hd_service_dirs_parse(&u, &dirs, &d) == 0)
		for (size_t i = 0; i < dirs.n; i++)
			if (dirs.v[i].path[0] != '/' || strstr(dirs.v[i].path, "/../") || dirs.v[i].mode > 07777)
				abort();
out:
	hd_service_dirs_free(&dirs);
	hd_mount_plan_free(&p);
	hd_unit_free(&u);
	hd_diags_free(&d);
	return 0;
}
