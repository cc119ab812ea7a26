/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: EnvironmentFile= parsing (quotes, escapes, continuations, UTF-8), then $VAR
 * expansion of an Exec*= line with the environment it gave. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit/envfile.h"
#include "unit/execcmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hd_strv env = { 0 };
	hd_diags d = { 0 };
	if (hd_strv_push(&env, "KEEP=1") < 0)
		return 0;
	int r = hd_envfile_parse((const char *)data, size, "fuzz.env", &env, &d);
	if (r > 0 || (r == -EINVAL && hd_diags_count(&d, HD_ERROR) == 0))
		abort(); /* a refusal names the problem */
	if (r < 0 && (env.n != 1 || strcmp(env.v[0], "KEEP=1")))
		abort(); /* a refused file changes nothing */
	/* every entry is NAME=VALUE with a valid name, and each name is there once */
	for (size_t i = 0; i < env.n; i++) {
		const char *eq = strchr(env.v[i], '=');
		if (!eq || !hd_env_name_valid(env.v[i], (size_t)(eq - env.v[i])))
			abort();
		for (size_t k = 0; k < i; k++)
			if (strncmp(env.v[k], env.v[i], (size_t)(eq - env.v[i]) + 1) == 0)
				abort();
	}
	if (hd_strv_push(&env, "") == 0) {
		free(env.v[env.n - 1]);
		env.v[--env.n] = NULL;
		/* each variable's name as a lone word, braced, and with $$ */
		hd_strv argv = { 0 }, out = { 0 };
		for (size_t i = 0; i < env.n && i < 16; i++) {
			const char *eq = strchr(env.v[i], '=');
			int n = (int)(eq - env.v[i]);
			hd_strv_pushf(&argv, "$%.*s", n, env.v[i]);
			hd_strv_pushf(&argv, "x${%.*s}y$$", n, env.v[i]);
		}
		if (hd_exec_expand_env(argv.v, argv.n, env.v, &out) == 0)
			for (size_t i = 0; i < out.n; i++)
				if (!out.v[i])
					abort();
		hd_strv_free(&argv);
		hd_strv_free(&out);
	}
	hd_strv_free(&env);
	hd_diags_free(&d);
	return 0;
}
