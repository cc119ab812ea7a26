/* SPDX-License-Identifier: MIT */
/*
 * Differential libFuzzer harness for the sandbox builder: the input is unit-file-like lines "Key=Value"
 * (first byte: systemd version and which calls to sample). The merged program is built, and for a sample
 * of syscall numbers on every ABI the exported BPF, run by the in-tree interpreter, must give exactly
 * the merged model's verdict (abort otherwise). After a NUL byte, the rest is a raw BPF program and a
 * seccomp_data for the interpreter itself, which must never crash on hostile programs.
 */
#include <linux/audit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls/groups.h"
#include "sandbox/sandbox.h"

#define MAX_LINES 32

static uint32_t want_ret(hd_action a)
{
	switch (a.kind) {
	case HD_ACT_ALLOW: return SECCOMP_RET_ALLOW;
	case HD_ACT_LOG: return SECCOMP_RET_LOG;
	case HD_ACT_ERRNO: return SECCOMP_RET_ERRNO | (uint32_t)a.errno_value;
	case HD_ACT_KILL: return SECCOMP_RET_KILL_PROCESS;
	}
	return 0;
}

static void check(const struct hd_sandbox *sb, uint32_t arch, int nr, const uint64_t args[6])
{
	struct seccomp_data d = { .nr = nr, .arch = arch };
	for (int k = 0; k < 6; k++)
		d.args[k] = arch == AUDIT_ARCH_I386 ? (uint32_t)args[k] : args[k];
	int64_t got = hd_bpf_run(sb->bpf, sb->bpf_len, &d);
	struct hd_sandbox_verdict v = hd_sandbox_intent(sb, arch, nr, (const uint64_t *)d.args);
	if (got != (int64_t)want_ret(v.action))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t *nul = memchr(data + 1, 0, size - 1);
	size_t text_len = nul ? (size_t)(nul - data - 1) : size - 1;
	/* the interpreter on raw, hostile programs */
	if (nul) {
		size_t rest = size - text_len - 2;
		struct seccomp_data d = { 0 };
		size_t dl = rest < sizeof(d) ? rest : sizeof(d);
		memcpy(&d, nul + 1, dl);
		size_t n = (rest - dl) / sizeof(struct sock_filter);
		if (n > 0 && n <= BPF_MAXINSNS) {
			struct sock_filter *prog = malloc(n * sizeof(*prog));
			if (prog) {
				memcpy(prog, nul + 1 + dl, n * sizeof(*prog));
				(void)hd_bpf_run(prog, n, &d);
				free(prog);
			}
		}
	}
	int sdver = data[0] & 1 ? HD_SYSTEMD_LATEST : HD_SYSTEMD_252;
	char *text = malloc(text_len + 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, text_len);
	text[text_len] = 0;
	struct hd_seccomp_settings s;
	hd_seccomp_settings_init(&s);
	hd_diags diags = { 0 };
	char *save = NULL;
	unsigned line = 0;
	for (char *l = strtok_r(text, "\n", &save); l && line < MAX_LINES; l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '=');
		if (!eq)
			continue;
		*eq = 0;
		line++;
		if (hd_seccomp_apply(&s, l, eq + 1, sdver, "fuzz", line, &diags) < 0)
			goto out;
	}
	struct hd_sandbox_options o = { .sdver = sdver, .mode = HD_SANDBOX_ENFORCE, .have_cap_sys_admin = true };
	struct hd_sandbox sb;
	if (hd_sandbox_build(&s, &o, &sb, &diags) == 0) {
		/* a sample of numbers: every 7th from an offset the first byte picks, on each ABI */
		unsigned start = data[0] >> 1;
		static const uint64_t argsets[][6] = {
			{ 0 }, { 2, 1, 0, 0 }, { 1, 0x10000000, 7, 0x800 }, { ~0ULL, 6, 4, 04000 }, { 0x20000, 0, 7, 06777 },
		};
		for (int nr = (int)(start % 7); nr < 480; nr += 7)
			for (size_t a = 0; a < sizeof(argsets) / sizeof(argsets[0]); a++) {
				check(&sb, AUDIT_ARCH_X86_64, nr, argsets[a]);
				check(&sb, AUDIT_ARCH_I386, nr, argsets[a]);
				check(&sb, AUDIT_ARCH_X86_64, nr | 0x40000000, argsets[a]);
			}
		hd_sandbox_free(&sb);
	}
out:
	hd_diags_free(&diags);
	hd_seccomp_settings_free(&s);
	free(text);
	return 0;
}
