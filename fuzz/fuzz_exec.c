/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: Exec*= command-line parsing (quoting, escapes, prefixes, ";"). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit/execcmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct hd_exec_line l = { 0 };
	hd_diags d = { 0 };
	int r = hd_exec_parse(text, "fuzz.service", 1, &l, &d);
	if (r > 0)
		abort();
	if (r == -EINVAL && hd_diags_count(&d, HD_ERROR) == 0)
		abort(); /* a refusal names the problem */
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		const struct hd_exec_command *c = &l.v[i];
		if (!c->path || !*c->path || (c->path[0] != '/' && strchr(c->path, '/')))
			abort();
		if ((c->flags & HD_EXEC_FULL_PRIVILEGE) && (c->flags & (HD_EXEC_PRIVILEGED | HD_EXEC_AMBIENT)))
			abort();
	}
	hd_exec_line_free(&l);
	hd_diags_free(&d);
	free(text);
	return 0;
}
