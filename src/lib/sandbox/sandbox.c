/* SPDX-License-Identifier: MIT */
#include "sandbox/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscalls/groups.h"
#include "syscalls/syscalls.h"
#include "util/fileio.h"

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#define X32_SYSCALL_BIT 0x40000000

static int write_all(int fd, const void *p, size_t n);

/* ---- actions ---- */

int hd_action_rank(hd_action a)
{
	/* The kernel's precedence between stacked filters: KILL_PROCESS > ... > ERRNO > USER_NOTIF > LOG > ALLOW. */
	switch (a.kind) {
	case HD_ACT_KILL: return 3;
	case HD_ACT_ERRNO: return 2;
	case HD_ACT_LOG: return 1;
	case HD_ACT_ALLOW: return 0;
	}
	return 3;
}

/* systemd's installation order: between two verdicts of the same rank, the kernel keeps the one of the
 * filter installed LAST (it walks the stack newest first and only replaces on a strictly stricter action). */
static const char *const install_order[] = {
	"ProtectHostname", "NoNewPrivileges", "RestrictAddressFamilies", "MemoryDenyWriteExecute",
	"RestrictRealtime", "RestrictSUIDSGID", "RestrictNamespaces", "ProtectKernelTunables",
	"ProtectKernelModules", "ProtectKernelLogs", "ProtectClock", "PrivateDevices",
	"SystemCallArchitectures", "LockPersonality", "SystemCallLog", "SystemCallFilter",
};

static int origin_order(const char *origin)
{
	for (size_t i = 0; i < sizeof(install_order) / sizeof(install_order[0]); i++)
		if (origin && strcmp(origin, install_order[i]) == 0)
			return (int)i;
	return (int)(sizeof(install_order) / sizeof(install_order[0])); /* unknown: treat as last */
}

/* The verdict of two stacked filters. */
static void merge_verdict(hd_action *a, const char **a_origin, hd_action b, const char *b_origin)
{
	int ra = hd_action_rank(*a), rb = hd_action_rank(b);
	if (rb > ra || (rb == ra && rb > 0 && origin_order(b_origin) > origin_order(*a_origin))) {
		*a = b;
		*a_origin = b_origin;
	}
}

static bool action_eq(hd_action a, hd_action b)
{
	return a.kind == b.kind && (a.kind != HD_ACT_ERRNO || a.errno_value == b.errno_value);
}

/* ---- feature rules: each setting's syscall part, as complete partitions of the argument space ---- */

#define PASS ((hd_action){ HD_ACT_ALLOW, 0 }) /* the feature lets the call through: the base verdict applies */
#define EPERM_ACT ((hd_action){ HD_ACT_ERRNO, EPERM })

struct frule {
	const char *name;
	hd_action action;
	unsigned n_cmps;
	struct hd_arg_cmp cmps[HD_RULE_MAX_CMPS];
	const char *origin;
};

struct frules {
	struct frule *v;
	size_t n, cap;
};

static int frule_add(struct frules *fr, const char *name, hd_action act, const char *origin, unsigned n,
		     const struct hd_arg_cmp *cmps)
{
	if (fr->n == fr->cap) {
		size_t nc = fr->cap ? fr->cap * 2 : 64;
		struct frule *nv = realloc(fr->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		fr->v = nv;
		fr->cap = nc;
	}
	struct frule *r = &fr->v[fr->n++];
	*r = (struct frule){ .name = name, .action = act, .n_cmps = n, .origin = origin };
	for (unsigned i = 0; i < n; i++)
		r->cmps[i] = cmps[i];
	return 0;
}

#define CMP(a, o, d) ((struct hd_arg_cmp){ .arg = (a), .op = (o), .datum = (d) })
#define MCMP(a, m, d) ((struct hd_arg_cmp){ .arg = (a), .op = HD_CMP_MASKED_EQ, .mask = (m), .datum = (d) })

static int add1(struct frules *fr, const char *name, hd_action act, const char *origin, struct hd_arg_cmp c)
{
	return frule_add(fr, name, act, origin, 1, &c);
}

static int add_uncond(struct frules *fr, const char *name, hd_action act, const char *origin)
{
	return frule_add(fr, name, act, origin, 0, NULL);
}

/* A flag test on one argument: bits set -> act, no bit of mask set -> pass. */
static int add_flag_partition(struct frules *fr, const char *name, unsigned arg, const uint64_t *flags, size_t n,
			      hd_action act, const char *origin)
{
	uint64_t mask = 0;
	int r;
	for (size_t i = 0; i < n; i++) {
		mask |= flags[i];
		if ((r = add1(fr, name, act, origin, MCMP(arg, flags[i], flags[i]))) < 0)
			return r;
	}
	return add1(fr, name, PASS, origin, MCMP(arg, mask, 0));
}

static int group_rules(struct frules *fr, const char *group, int sdver, hd_action act, const char *origin,
		       hd_strv *storage)
{
	const struct hd_group_def *g = hd_group_find(group, sdver);
	if (!g)
		return -ENOENT;
	hd_strv names = { 0 };
	int r = hd_group_expand(g, sdver, &names);
	for (size_t i = 0; r >= 0 && i < names.n; i++) {
		r = hd_strv_push(storage, names.v[i]);
		if (r >= 0)
			r = add_uncond(fr, storage->v[storage->n - 1], act, origin);
	}
	hd_strv_free(&names);
	return r;
}

static int af_rules(struct frules *fr, const struct hd_seccomp_settings *s, const struct hd_arch_info *ai)
{
	const char *o = "RestrictAddressFamilies";
	const hd_action E = { HD_ACT_ERRNO, EAFNOSUPPORT };
	/* "none" leaves an empty allow list (af_is_set false, allow list true); "" resets to no restriction */
	if (!s->af_allow_list && s->n_af == 0)
		return 0;
	/* socketcall() passes the family in user memory, where seccomp cannot look: refuse all socket
	 * creation on such an ABI (systemd leaves it unfiltered, which is a bypass). */
	if (ai->has_socketcall || (s->af_allow_list && s->n_af == 0))
		return add_uncond(fr, "socket", E, o);
	const int *f = s->af;
	size_t n = s->n_af;
	hd_action in = s->af_allow_list ? PASS : E, out = s->af_allow_list ? E : PASS;
	int r = 0;
	if (f[0] > 0)
		r = add1(fr, "socket", out, o, CMP(0, HD_CMP_LT, (uint64_t)f[0]));
	for (size_t i = 0; r >= 0 && i < n; i++) {
		r = add1(fr, "socket", in, o, CMP(0, HD_CMP_EQ, (uint64_t)f[i]));
		for (int v = f[i] + 1; r >= 0 && i + 1 < n && v < f[i + 1]; v++)
			r = add1(fr, "socket", out, o, CMP(0, HD_CMP_EQ, (uint64_t)v));
	}
	if (r >= 0)
		r = add1(fr, "socket", out, o, CMP(0, HD_CMP_GT, (uint64_t)f[n - 1]));
	return r;
}

static int mdwe_rules(struct frules *fr, hd_arch abi)
{
	const char *o = "MemoryDenyWriteExecute";
	int r;
	/* i386's old mmap() takes its arguments in memory: blocked outright, mmap2() is filtered. */
	const char *mmap_name = abi == HD_ARCH_X86 ? "mmap2" : "mmap";
	if (abi == HD_ARCH_X86 && (r = add_uncond(fr, "mmap", EPERM_ACT, o)) < 0)
		return r;
	if ((r = add1(fr, mmap_name, EPERM_ACT, o, MCMP(2, PROT_WRITE | PROT_EXEC, PROT_WRITE | PROT_EXEC))) < 0 ||
	    (r = add1(fr, mmap_name, PASS, o, MCMP(2, PROT_WRITE, 0))) < 0 ||
	    (r = add1(fr, mmap_name, PASS, o, MCMP(2, PROT_EXEC, 0))) < 0)
		return r;
	const uint64_t x[] = { PROT_EXEC };
	if ((r = add_flag_partition(fr, "mprotect", 2, x, 1, EPERM_ACT, o)) < 0 ||
	    (r = add_flag_partition(fr, "pkey_mprotect", 2, x, 1, EPERM_ACT, o)) < 0)
		return r;
	/* shmat() is multiplexed through ipc() on i386: not filterable there (systemd skips it too). */
	const uint64_t shm[] = { SHM_EXEC };
	if (abi != HD_ARCH_X86)
		return add_flag_partition(fr, "shmat", 2, shm, 1, EPERM_ACT, o);
	return 0;
}

static int realtime_rules(struct frules *fr)
{
	const char *o = "RestrictRealtime";
	/* Policies allowed: OTHER(0), BATCH(3), IDLE(5); everything else (FIFO, RR, 4, DEADLINE, flags) refused. */
	static const struct {
		uint64_t policy;
		bool allowed;
	} pol[] = { { 0, true }, { 1, false }, { 2, false }, { 3, true }, { 4, false }, { 5, true } };
	int r = 0;
	for (size_t i = 0; r >= 0 && i < sizeof(pol) / sizeof(pol[0]); i++)
		r = add1(fr, "sched_setscheduler", pol[i].allowed ? PASS : EPERM_ACT, o, CMP(1, HD_CMP_EQ, pol[i].policy));
	if (r >= 0)
		r = add1(fr, "sched_setscheduler", EPERM_ACT, o, CMP(1, HD_CMP_GT, 5));
	return r;
}

static int suid_rules(struct frules *fr)
{
	const char *o = "RestrictSUIDSGID";
	static const struct {
		const char *name;
		unsigned mode_arg;
	} mode_calls[] = {
		{ "chmod", 1 }, { "fchmod", 1 }, { "fchmodat", 2 }, { "fchmodat2", 2 }, { "mkdir", 1 },
		{ "mkdirat", 2 }, { "mknod", 1 }, { "mknodat", 2 }, { "creat", 1 },
	};
	static const struct {
		const char *name;
		unsigned flags_arg, mode_arg;
	} open_calls[] = { { "open", 1, 2 }, { "openat", 2, 3 } };
	const uint64_t bits[] = { S_ISUID, S_ISGID };
	int r = 0;
	for (size_t i = 0; r >= 0 && i < sizeof(mode_calls) / sizeof(mode_calls[0]); i++)
		r = add_flag_partition(fr, mode_calls[i].name, mode_calls[i].mode_arg, bits, 2, EPERM_ACT, o);
	for (size_t i = 0; r >= 0 && i < sizeof(open_calls) / sizeof(open_calls[0]); i++) {
		unsigned fa = open_calls[i].flags_arg, ma = open_calls[i].mode_arg;
		const char *n = open_calls[i].name;
		for (size_t b = 0; r >= 0 && b < 2; b++) {
			struct hd_arg_cmp c[2] = { MCMP(fa, O_CREAT, O_CREAT), MCMP(ma, bits[b], bits[b]) };
			r = frule_add(fr, n, EPERM_ACT, o, 2, c);
		}
		if (r >= 0)
			r = add1(fr, n, PASS, o, MCMP(fa, O_CREAT, 0));
		if (r >= 0)
			r = add1(fr, n, PASS, o, MCMP(ma, S_ISUID | S_ISGID, 0));
	}
	if (r >= 0) /* openat2 hides mode and flags in memory */
		r = add_uncond(fr, "openat2", (hd_action){ HD_ACT_ERRNO, ENOSYS }, o);
	return r;
}

/* CLONE_NEW* flags in systemd's order. */
static const uint64_t ns_flags[] = { CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS,
				     CLONE_NEWPID,    CLONE_NEWUSER, CLONE_NEWUTS, 0x00000080 /* CLONE_NEWTIME */ };

static int namespace_rules(struct frules *fr, const struct hd_seccomp_settings *s)
{
	const char *o = "RestrictNamespaces";
	uint64_t blocked_mask = 0;
	bool setns_all = false;
	if (!hd_seccomp_ns_filter(s, &blocked_mask, &setns_all))
		return 0;
	uint64_t blocked[8];
	size_t nb = 0;
	for (size_t i = 0; i < 8; i++)
		if (blocked_mask & ns_flags[i])
			blocked[nb++] = ns_flags[i];
	int r;
	/* clone3() passes its flags in memory. */
	if ((r = add_uncond(fr, "clone3", (hd_action){ HD_ACT_ERRNO, ENOSYS }, o)) < 0 ||
	    (r = add_flag_partition(fr, "unshare", 0, blocked, nb, EPERM_ACT, o)) < 0 ||
	    (r = add_flag_partition(fr, "clone", 0, blocked, nb, EPERM_ACT, o)) < 0)
		return r;
	if (setns_all)
		return add_uncond(fr, "setns", EPERM_ACT, o);
	/* setns(fd, 0) joins whatever fd is: refused. Valid nstypes are single flags: allowed ones pass.
	 * Other values (invalid for the kernel, EINVAL) fall to the program default. */
	if ((r = add1(fr, "setns", EPERM_ACT, o, CMP(1, HD_CMP_EQ, 0))) < 0)
		return r;
	for (size_t i = 0; i < nb; i++)
		if ((r = add1(fr, "setns", EPERM_ACT, o, MCMP(1, blocked[i], blocked[i]))) < 0)
			return r;
	for (size_t i = 0; i < 8; i++)
		if (!(blocked_mask & ns_flags[i]) && (r = add1(fr, "setns", PASS, o, CMP(1, HD_CMP_EQ, ns_flags[i]))) < 0)
			return r;
	return 0;
}

static int feature_rules(const struct hd_seccomp_settings *s, hd_arch abi, struct frules *fr, bool with_mdwe)
{
	const struct hd_arch_info *ai = hd_arch_info(abi);
	int r = 0;
	if (s->protect_hostname && !s->protect_hostname_private) {
		if ((r = add_uncond(fr, "sethostname", EPERM_ACT, "ProtectHostname")) < 0 ||
		    (r = add_uncond(fr, "setdomainname", EPERM_ACT, "ProtectHostname")) < 0)
			return r;
	}
	if ((r = af_rules(fr, s, ai)) < 0)
		return r;
	if (s->memory_deny_write_execute && with_mdwe && (r = mdwe_rules(fr, abi)) < 0)
		return r;
	if (s->restrict_realtime && (r = realtime_rules(fr)) < 0)
		return r;
	if (s->restrict_suid_sgid && (r = suid_rules(fr)) < 0)
		return r;
	if ((r = namespace_rules(fr, s)) < 0)
		return r;
	if (s->protect_kernel_tunables && (r = add_uncond(fr, "_sysctl", EPERM_ACT, "ProtectKernelTunables")) < 0)
		return r;
	return r;
}

/* ---- the merged model ---- */

/* A syscall's number on an ABI; for calls libseccomp multiplexes there (socket() and friends through
 * socketcall(), shmat() and friends through ipc() on i386) its negative pseudo number, which libseccomp
 * turns into rules for both the direct call and the multiplexer. */
static int abi_nr(const char *name, hd_arch arch)
{
	int nr = hd_syscall_nr(name, arch, NULL);
	if (nr != HD_NR_NONE)
		return nr;
	const struct hd_arch_info *ai = hd_arch_info(arch);
	int p = ai && ai->scmp_arch ? seccomp_syscall_resolve_name_arch(ai->scmp_arch, name) : __NR_SCMP_ERROR;
	return p < 0 && p != __NR_SCMP_ERROR ? p : HD_NR_NONE;
}

/* SystemCallFilter='s own verdict for a name (the map entry), for names the rule set could not number. */
static bool filter_entry_action(const struct hd_seccomp_settings *s, const char *name, hd_action *out)
{
	const struct hd_syscall_list *l = &s->filter;
	hd_action negative = s->error_number == HD_ERRNO_KILL ? (hd_action){ HD_ACT_KILL, 0 }
							    : (hd_action){ HD_ACT_ERRNO, s->error_number };
	for (size_t i = 0; l->is_set && i < l->n; i++) {
		if (strcmp(l->v[i].name, name) != 0)
			continue;
		int e = l->v[i].err;
		if (e == HD_ERRNO_KILL)
			*out = (hd_action){ HD_ACT_KILL, 0 };
		else if (e >= 0)
			*out = (hd_action){ HD_ACT_ERRNO, e };
		else
			*out = l->allow_list ? (hd_action){ HD_ACT_ALLOW, 0 } : negative;
		return true;
	}
	return false;
}

static void abi_free(struct hd_sandbox_abi *a)
{
	free(a->v);
	hd_strv_free(&a->names);
	*a = (struct hd_sandbox_abi){ 0 };
}

static int abi_push(struct hd_sandbox_abi *a, const struct hd_sandbox_rule *r)
{
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 256;
		struct hd_sandbox_rule *nv = realloc(a->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		a->v = nv;
		a->cap = nc;
	}
	a->v[a->n++] = *r;
	return 0;
}

static int cmp_rule_nr(const void *x, const void *y)
{
	const struct hd_sandbox_rule *a = x, *b = y;
	return a->nr < b->nr ? -1 : a->nr > b->nr;
}

/* The settings that have rules of their own beyond SystemCallFilter/Log. */
static bool wants_features(const struct hd_seccomp_settings *s)
{
	return s->protect_hostname || s->af_allow_list || s->n_af > 0 || s->memory_deny_write_execute || s->restrict_realtime ||
	       s->restrict_suid_sgid || hd_seccomp_ns_filter(s, NULL, NULL) ||
	       s->protect_kernel_tunables || s->protect_kernel_modules || s->protect_kernel_logs ||
	       s->protect_clock || s->private_devices || s->lock_personality;
}

/* i386 multiplexers: socketcall(call, args) and ipc(call, ...). libseccomp turns a rule for a
 * multiplexed call (socket, shmat, ...) into "mux(a0 == call)" plus the direct syscall, but an
 * unconditional rule for the multiplexer itself then swallows those (its verdict wins) — an open door
 * when e.g. socketcall is allowed and RestrictAddressFamilies= or a deny list refuses socket. */
static const struct mux_def {
	const char *mux;
	struct {
		unsigned call;
		const char *name;
	} sub[20];
} muxes[] = {
	{ "socketcall", { { 1, "socket" }, { 2, "bind" }, { 3, "connect" }, { 4, "listen" }, { 5, "accept" },
			  { 6, "getsockname" }, { 7, "getpeername" }, { 8, "socketpair" }, { 9, "send" },
			  { 10, "recv" }, { 11, "sendto" }, { 12, "recvfrom" }, { 13, "shutdown" },
			  { 14, "setsockopt" }, { 15, "getsockopt" }, { 16, "sendmsg" }, { 17, "recvmsg" },
			  { 18, "accept4" }, { 19, "recvmmsg" }, { 20, "sendmmsg" } } },
	{ "ipc", { { 1, "semop" }, { 2, "semget" }, { 3, "semctl" }, { 4, "semtimedop" }, { 11, "msgsnd" },
		   { 12, "msgrcv" }, { 13, "msgget" }, { 14, "msgctl" }, { 21, "shmat" }, { 22, "shmdt" },
		   { 23, "shmget" }, { 24, "shmctl" } } },
};

const char *hd_sandbox_mux_subcall(const char *mux, uint64_t call)
{
	for (size_t m = 0; mux && m < sizeof(muxes) / sizeof(muxes[0]); m++)
		if (strcmp(muxes[m].mux, mux) == 0)
			for (size_t i = 0; i < 20 && muxes[m].sub[i].name; i++)
				if (muxes[m].sub[i].call == call)
					return muxes[m].sub[i].name;
	return NULL;
}

/* Where a sub-call's own rule is stricter than the multiplexer's unconditional verdict X, split the
 * multiplexer into "a0 == call" rules: X for calls without a stricter rule of their own, and X for
 * every other a0 (0, unknown calls); the sub-call rules keep their verdict. */
static int split_multiplexers(struct hd_sandbox_abi *a)
{
	for (size_t m = 0; m < sizeof(muxes) / sizeof(muxes[0]); m++) {
		struct hd_sandbox_rule *mux = NULL;
		for (size_t i = 0; i < a->n; i++)
			if (a->v[i].nr >= 0 && a->v[i].n_cmps == 0 && strcmp(a->v[i].name, muxes[m].mux) == 0)
				mux = &a->v[i];
		hd_action x = mux ? mux->action : a->default_action;
		const char *xo = mux ? mux->origin : a->default_origin;
		if (!mux)
			continue; /* the default is below every rule: libseccomp's sub-call rules apply as they are */
		/* A sub-call without a rule of its own has the default's verdict (e.g. socket taken out of an
		 * allow list): it must not ride through an allowed multiplexer either. */
		bool stricter_sub = false;
		unsigned max_call = 0;
		for (size_t k = 0; k < 20 && muxes[m].sub[k].name; k++) {
			max_call = muxes[m].sub[k].call;
			bool own = false;
			for (size_t i = 0; i < a->n; i++)
				if (a->v[i].nr < 0 && strcmp(a->v[i].name, muxes[m].sub[k].name) == 0) {
					own = true;
					if (hd_action_rank(a->v[i].action) > hd_action_rank(x))
						stricter_sub = true;
				}
			if (!own && hd_action_rank(a->default_action) > hd_action_rank(x))
				stricter_sub = true;
		}
		if (!stricter_sub)
			continue;
		struct hd_sandbox_rule tmpl = *mux;
		size_t idx = (size_t)(mux - a->v);
		memmove(&a->v[idx], &a->v[idx + 1], (a->n - idx - 1) * sizeof(a->v[0]));
		a->n--;
		int r;
		for (unsigned call = 0; call <= max_call; call++) {
			const char *sub = hd_sandbox_mux_subcall(muxes[m].mux, call);
			bool own = false;
			for (size_t i = 0; sub && i < a->n; i++)
				if (a->v[i].nr < 0 && strcmp(a->v[i].name, sub) == 0) {
					own = true;
					/* the sub-call rule covers "mux(a0 == call)" and the direct call: the
					 * stricter of the two verdicts holds for both, as stacked filters would */
					merge_verdict(&a->v[i].action, &a->v[i].origin, x, xo);
				}
			if (own)
				continue;
			struct hd_sandbox_rule sr = tmpl;
			if (sub && hd_action_rank(a->default_action) > hd_action_rank(x)) {
				sr.action = a->default_action;
				sr.origin = a->default_origin;
			}
			sr.n_cmps = 1;
			sr.cmps[0] = CMP(0, HD_CMP_EQ, call);
			if ((r = abi_push(a, &sr)) < 0)
				return r;
		}
		struct hd_sandbox_rule sr = tmpl;
		sr.n_cmps = 1;
		sr.cmps[0] = CMP(0, HD_CMP_GT, max_call);
		if ((r = abi_push(a, &sr)) < 0)
			return r;
	}
	return 0;
}

static int build_abi(const struct hd_seccomp_settings *s, const struct hd_sandbox_options *opt, bool mdwe_rules_wanted,
		     uint64_t personality_now, struct hd_sandbox_abi *a, hd_diags *diags)
{
	struct hd_ruleset rs = { 0 };
	struct frules fr = { 0 };
	int r = hd_ruleset_build(s, a->arch, opt->sdver, &rs);
	if (r < 0) {
		hd_diag_add(diags, HD_ERROR, NULL, 0, "cannot build the SystemCallFilter= rule set for %s: %s",
			    hd_arch_info(a->arch)->name, strerror(-r));
		return r;
	}
	a->default_action = rs.default_action;
	a->default_origin = s->filter.is_set ? "SystemCallFilter" : s->log.is_set ? "SystemCallLog" : NULL;

	/* Feature rules of this ABI. */
	hd_strv *storage = &a->names;
	if ((r = feature_rules(s, a->arch, &fr, mdwe_rules_wanted)) < 0)
		goto out;
	static const struct {
		size_t off;
		const char *group, *origin;
	} group_features[] = {
		{ offsetof(struct hd_seccomp_settings, protect_kernel_modules), "@module", "ProtectKernelModules" },
		{ offsetof(struct hd_seccomp_settings, protect_clock), "@clock", "ProtectClock" },
		{ offsetof(struct hd_seccomp_settings, private_devices), "@raw-io", "PrivateDevices" },
	};
	for (size_t i = 0; i < sizeof(group_features) / sizeof(group_features[0]); i++)
		if (*(const bool *)((const char *)s + group_features[i].off) &&
		    (r = group_rules(&fr, group_features[i].group, opt->sdver, EPERM_ACT, group_features[i].origin, storage)) < 0)
			goto out;
	if (s->protect_kernel_logs && (r = add_uncond(&fr, "syslog", EPERM_ACT, "ProtectKernelLogs")) < 0)
		goto out;
	if (s->lock_personality) {
		/* Only the personality in force when the sandbox is installed may be set (or queried). */
		if ((r = add1(&fr, "personality", PASS, "LockPersonality", CMP(0, HD_CMP_EQ, personality_now))) < 0 ||
		    (r = add1(&fr, "personality", EPERM_ACT, "LockPersonality", CMP(0, HD_CMP_NE, personality_now))) < 0)
			goto out;
	}

	/* Base verdicts: SystemCallFilter/Log, per number. */
	for (size_t i = 0; i < rs.n; i++) {
		if (rs.v[i].n_cmps) {
			hd_diag_add(diags, HD_ERROR, NULL, 0, "internal: conditional %s rule for %s not supported",
				    rs.v[i].origin, rs.v[i].name);
			r = -EOPNOTSUPP;
			goto out;
		}
		if ((r = hd_strv_push(storage, rs.v[i].name)) < 0)
			goto out;
		struct hd_sandbox_rule sr = { .nr = rs.v[i].nr, .name = storage->v[storage->n - 1],
					      .action = rs.v[i].action, .origin = rs.v[i].origin };
		if ((r = abi_push(a, &sr)) < 0)
			goto out;
	}
	/* Names the rule set could not number here but libseccomp can place through a multiplexer. */
	for (size_t i = 0; i < rs.unresolved.n; i++) {
		const char *name = rs.unresolved.v[i];
		int nr = abi_nr(name, a->arch);
		hd_action act;
		if (nr == HD_NR_NONE || !filter_entry_action(s, name, &act) || action_eq(act, a->default_action))
			continue;
		if ((r = hd_strv_push(storage, name)) < 0)
			goto out;
		struct hd_sandbox_rule sr = { .nr = nr, .name = storage->v[storage->n - 1], .action = act,
					      .origin = "SystemCallFilter" };
		if ((r = abi_push(a, &sr)) < 0)
			goto out;
	}
	/* Later SystemCallLog/Filter rules of the same number: fold to one (strictest, last installed). */
	if (a->n > 1) /* qsort(NULL, 0, ...) is undefined behaviour */
		qsort(a->v, a->n, sizeof(a->v[0]), cmp_rule_nr);
	size_t w = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (w > 0 && a->v[w - 1].nr == a->v[i].nr)
			merge_verdict(&a->v[w - 1].action, &a->v[w - 1].origin, a->v[i].action, a->v[i].origin);
		else
			a->v[w++] = a->v[i];
	}
	a->n = w;

	/* Fold feature rules in, syscall by syscall. */
	for (size_t i = 0; i < fr.n; i++) {
		const char *name = fr.v[i].name;
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(fr.v[j].name, name) == 0)
				seen = true;
		if (seen)
			continue;
		int nr = abi_nr(name, a->arch);
		if (nr == HD_NR_NONE)
			continue; /* not a syscall on this ABI */
		/* base verdict */
		hd_action base = a->default_action;
		const char *base_origin = a->default_origin;
		struct hd_sandbox_rule *existing = NULL;
		for (size_t k = 0; k < a->n; k++)
			if (a->v[k].nr == nr && a->v[k].n_cmps == 0) {
				existing = &a->v[k];
				base = existing->action;
				base_origin = existing->origin;
			}
		/* unconditional features fold into the base; at most one conditional feature may remain */
		const char *cond_origin = NULL;
		for (size_t j = i; j < fr.n; j++) {
			if (strcmp(fr.v[j].name, name) != 0)
				continue;
			if (fr.v[j].n_cmps == 0)
				merge_verdict(&base, &base_origin, fr.v[j].action, fr.v[j].origin);
			else if (cond_origin && strcmp(cond_origin, fr.v[j].origin) != 0) {
				hd_diag_add(diags, HD_ERROR, NULL, 0, "%s and %s both condition %s: not supported",
					    cond_origin, fr.v[j].origin, name);
				r = -EOPNOTSUPP;
				goto out;
			} else
				cond_origin = fr.v[j].origin;
		}
		/* Does any region end with a verdict other than the base? */
		bool differs = false;
		for (size_t j = i; cond_origin && j < fr.n; j++) {
			if (strcmp(fr.v[j].name, name) != 0 || fr.v[j].n_cmps == 0)
				continue;
			hd_action act = base;
			const char *ao = base_origin;
			merge_verdict(&act, &ao, fr.v[j].action, fr.v[j].origin);
			if (!action_eq(act, base))
				differs = true;
		}
		if (existing) {
			existing->action = base;
			existing->origin = base_origin;
		}
		if (!differs) {
			if (!existing && !action_eq(base, a->default_action)) {
				struct hd_sandbox_rule sr = { .nr = nr, .name = name, .action = base, .origin = base_origin };
				if ((r = abi_push(a, &sr)) < 0)
					goto out;
			}
			continue;
		}
		/* Conditional: replace the unconditional rule by the regions. */
		if (existing) {
			size_t idx = (size_t)(existing - a->v);
			memmove(&a->v[idx], &a->v[idx + 1], (a->n - idx - 1) * sizeof(a->v[0]));
			a->n--;
		}
		for (size_t j = i; j < fr.n; j++) {
			if (strcmp(fr.v[j].name, name) != 0 || fr.v[j].n_cmps == 0)
				continue;
			struct hd_sandbox_rule sr = { .nr = nr, .name = name, .action = base, .origin = base_origin,
						      .n_cmps = fr.v[j].n_cmps };
			memcpy(sr.cmps, fr.v[j].cmps, sizeof(sr.cmps));
			merge_verdict(&sr.action, &sr.origin, fr.v[j].action, fr.v[j].origin);
			if ((r = abi_push(a, &sr)) < 0)
				goto out;
		}
	}
	if (hd_arch_info(a->arch)->has_socketcall && (r = split_multiplexers(a)) < 0)
		goto out;
	if (a->n > 1) /* qsort(NULL, 0, ...) is undefined behaviour */
		qsort(a->v, a->n, sizeof(a->v[0]), cmp_rule_nr);
	r = 0;
out:
	free(fr.v);
	hd_ruleset_free(&rs);
	return r;
}

/* ---- libseccomp ---- */

static uint32_t scmp_action(hd_action a, enum hd_sandbox_mode mode)
{
	switch (a.kind) {
	case HD_ACT_ALLOW: return SCMP_ACT_ALLOW;
	case HD_ACT_LOG: return SCMP_ACT_LOG;
	case HD_ACT_ERRNO: return mode == HD_SANDBOX_ENFORCE ? SCMP_ACT_ERRNO((uint32_t)a.errno_value) : SCMP_ACT_NOTIFY;
	case HD_ACT_KILL: return mode == HD_SANDBOX_ENFORCE ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_NOTIFY;
	}
	return SCMP_ACT_KILL_PROCESS;
}

static enum scmp_compare scmp_op(enum hd_cmp_op op)
{
	static const enum scmp_compare map[] = {
		[HD_CMP_EQ] = SCMP_CMP_EQ, [HD_CMP_NE] = SCMP_CMP_NE, [HD_CMP_LT] = SCMP_CMP_LT,
		[HD_CMP_LE] = SCMP_CMP_LE, [HD_CMP_GT] = SCMP_CMP_GT, [HD_CMP_GE] = SCMP_CMP_GE,
		[HD_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
	};
	return map[op];
}

/* Rules for syscalls the installed libseccomp cannot number on a compat ABI (e.g. mseal on i386 with
 * libseccomp 2.5.4) cannot go through libseccomp; without them a deny list would have a hole on that
 * ABI. They are checked by a few instructions of our own placed before libseccomp's program:
 *   ld arch; jeq ARCH (else skip the block); ld nr; [jset X32 bit / skip]; jeq NR -> ret ACTION; ...
 * Native calls pass through it in a handful of instructions; the exhaustive test checks the whole. */
#define PREFIX_MAX 128
static int sb_prefix_add(struct hd_sandbox *sb, uint32_t audit_arch, int nr, uint32_t ret)
{
	if (sb->n_prefix >= PREFIX_MAX)
		return -E2BIG;
	sb->prefix[sb->n_prefix++] = (struct hd_sandbox_prefix){ audit_arch, (uint32_t)nr, ret };
	return 0;
}

static int prepend_prefix(struct hd_sandbox *sb)
{
	if (sb->n_prefix == 0)
		return 0;
	size_t max = 4 + sb->n_prefix * 2 + 8 * 3;
	struct sock_filter *p = calloc(max + sb->bpf_len, sizeof(*p));
	if (!p)
		return -ENOMEM;
	size_t n = 0;
	p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	/* One block per (audit arch, x32-bit) pair that has entries. */
	static const struct {
		uint32_t arch;
		int x32; /* -1: no check; 1: only numbers with the bit */
	} blocks[] = { { AUDIT_ARCH_I386, -1 }, { AUDIT_ARCH_X86_64, 1 } };
	size_t ja_fix[4], n_ja = 0;
	for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		size_t cnt = 0;
		for (size_t i = 0; i < sb->n_prefix; i++)
			cnt += sb->prefix[i].arch == blocks[b].arch && (blocks[b].x32 < 0 || (sb->prefix[i].nr & X32_SYSCALL_BIT));
		if (!cnt)
			continue;
		/* block: ld nr; [jset]; 2 per entry; ja end; then re-load arch for the next block */
		size_t len = 1 + (blocks[b].x32 > 0) + 2 * cnt + 1;
		p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, blocks[b].arch, 0, (unsigned char)len);
		p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		if (blocks[b].x32 > 0)
			p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 0, (unsigned char)(2 * cnt));
		for (size_t i = 0; i < sb->n_prefix; i++) {
			const struct hd_sandbox_prefix *e = &sb->prefix[i];
			if (e->arch != blocks[b].arch || !(blocks[b].x32 < 0 || (e->nr & X32_SYSCALL_BIT)))
				continue;
			p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, e->nr, 0, 1);
			p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, e->ret);
		}
		ja_fix[n_ja++] = n;
		p[n++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0);
		p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	}
	/* every block's "ja end" lands on libseccomp's first instruction */
	for (size_t i = 0; i < n_ja; i++)
		p[ja_fix[i]].k = (uint32_t)(n - ja_fix[i] - 1);
	if (n + sb->bpf_len > BPF_MAXINSNS) {
		free(p);
		return -E2BIG;
	}
	memcpy(p + n, sb->bpf, sb->bpf_len * sizeof(*p));
	free(sb->bpf);
	sb->bpf = p;
	sb->bpf_len += n;
	sb->prefix_len = n;
	return 0;
}

static int abi_ctx(struct hd_sandbox *sb, struct hd_sandbox_abi *a, uint32_t badarch, scmp_filter_ctx *out,
		   hd_diags *diags)
{
	const struct hd_arch_info *ai = hd_arch_info(a->arch);
	uint32_t dflt = scmp_action(a->default_action, sb->opt.mode);
	scmp_filter_ctx c = seccomp_init(dflt);
	if (!c)
		return -ENOMEM;
	int r;
	if ((r = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, badarch)) < 0 ||
	    (r = seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0)) < 0)
		goto fail;
	if (ai->scmp_arch != seccomp_arch_native()) {
		if ((r = seccomp_arch_add(c, ai->scmp_arch)) < 0 || (r = seccomp_arch_remove(c, seccomp_arch_native())) < 0) {
			hd_diag_add(diags, HD_ERROR, NULL, 0, "libseccomp cannot build a filter for the %s ABI: %s",
				    ai->name, strerror(-r));
			goto fail;
		}
	}
	bool native = a->arch == hd_arch_native();
	for (size_t i = 0; i < a->n; i++) {
		struct hd_sandbox_rule *sr = &a->v[i];
		uint32_t act = scmp_action(sr->action, sb->opt.mode);
		if (act == dflt)
			continue;
		/* libseccomp takes native numbers (or its pseudo numbers) and translates them per ABI by name. */
		int lnr = seccomp_syscall_resolve_name(sr->name);
		if (lnr == __NR_SCMP_ERROR && native)
			lnr = sr->nr;
		struct scmp_arg_cmp cmps[HD_RULE_MAX_CMPS];
		for (unsigned k = 0; k < sr->n_cmps; k++)
			cmps[k] = (struct scmp_arg_cmp){ .arg = sr->cmps[k].arg, .op = scmp_op(sr->cmps[k].op),
							 .datum_a = sr->cmps[k].op == HD_CMP_MASKED_EQ ? sr->cmps[k].mask : sr->cmps[k].datum,
							 .datum_b = sr->cmps[k].datum };
		r = lnr == __NR_SCMP_ERROR ? -EFAULT : seccomp_rule_add_array(c, act, lnr, sr->n_cmps, cmps);
		/* libseccomp has no number for this name on this ABI (a syscall newer than it): the rule goes
		 * into a prefix of our own in front of libseccomp's program (see prepend_prefix). */
		if (r == -EFAULT && sr->n_cmps == 0 && sr->nr >= 0 && sb_prefix_add(sb, ai->audit_arch, sr->nr, act) == 0)
			continue;
		if (r < 0) {
			hd_diag_add(diags, HD_ERROR, NULL, 0,
				    "cannot add the %s rule for %s on the %s ABI (libseccomp %u.%u.%u: %s); "
				    "SystemCallArchitectures=native would avoid the need",
				    sr->origin ? sr->origin : "SystemCallFilter", sr->name, ai->name,
				    seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro, strerror(-r));
			goto fail;
		}
	}
	*out = c;
	return 0;
fail:
	seccomp_release(c);
	return r < 0 ? r : -EINVAL;
}

int hd_sandbox_export_memory(scmp_filter_ctx c, struct sock_filter **out, size_t *n)
{
	int fd = memfd_create("harden-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = seccomp_export_bpf(c, fd);
	if (r < 0)
		goto out;
	off_t len = lseek(fd, 0, SEEK_END);
	if (len <= 0 || len % sizeof(struct sock_filter) || len > BPF_MAXINSNS * (off_t)sizeof(struct sock_filter)) {
		r = len > 0 ? -E2BIG : -EIO;
		goto out;
	}
	*out = malloc((size_t)len);
	if (!*out) {
		r = -ENOMEM;
		goto out;
	}
	if (pread(fd, *out, (size_t)len, 0) != len) {
		free(*out);
		*out = NULL;
		r = -EIO;
		goto out;
	}
	*n = (size_t)len / sizeof(struct sock_filter);
	r = 0;
out:
	close(fd);
	return r;
}

bool hd_sandbox_kernel_has_mdwe(void)
{
	/* PR_GET_MDWE answers >= 0 on kernels that know MDWE (and does not change anything). */
	return prctl(66 /* PR_GET_MDWE */, 0, 0, 0, 0) >= 0;
}

int hd_sandbox_build(const struct hd_seccomp_settings *s, const struct hd_sandbox_options *opt, struct hd_sandbox *out,
		     hd_diags *diags)
{
	*out = (struct hd_sandbox){ .opt = *opt };
	struct hd_sandbox *sb = out;
	hd_arch abis[3];
	int n = hd_arch_native_abis(abis);
	if (n <= 0 || n > 3)
		return -EOPNOTSUPP;

	/* SystemCallArchitectures=: ABIs not listed are killed outright. */
	bool listed[3] = { true, true, true };
	if (s->archs.n > 0) {
		for (int i = 0; i < n; i++)
			listed[i] = false;
		for (size_t k = 0; k < s->archs.n; k++) {
			hd_arch want = hd_arch_from_name(s->archs.v[k]);
			for (int i = 0; i < n; i++)
				if (want == abis[i])
					listed[i] = true;
		}
	}
	/* MemoryDenyWriteExecute= with PR_SET_MDWE: latest systemd does so when the kernel has it; 252 never.
	 * In audit mode the violations must be seen, so the seccomp rules are used. */
	sb->mdwe_prctl = s->memory_deny_write_execute && opt->use_prctl_mdwe && opt->mode != HD_SANDBOX_AUDIT;
	unsigned long pers = (unsigned long)personality(0xffffffff);
	if (pers == (unsigned long)-1)
		pers = PER_LINUX;

	int r = 0;
	for (int i = 0; i < n; i++) {
		if (opt->single_abi_mode && abis[i] != opt->single_abi)
			continue;
		struct hd_sandbox_abi *a = &sb->abi[sb->n_abi++];
		a->arch = abis[i];
		a->killed = !listed[i];
		if (a->killed) {
			a->default_action = (hd_action){ HD_ACT_KILL, 0 };
			a->default_origin = "SystemCallArchitectures";
			continue;
		}
		if ((r = build_abi(s, opt, !sb->mdwe_prctl, pers, a, diags)) < 0)
			return r;
	}
	/* NoNewPrivileges: explicit, or implied by any seccomp-based option without CAP_SYS_ADMIN (systemd). */
	bool any_seccomp = s->filter.is_set || s->log.is_set || s->archs.n > 0 || wants_features(s);
	sb->no_new_privileges = s->no_new_privileges || (any_seccomp && !opt->have_cap_sys_admin);
	sb->nothing_to_load = !any_seccomp;

	/* One context per ABI, merged into one program. */
	uint32_t badarch = opt->single_abi_mode ? SCMP_ACT_ALLOW : scmp_action((hd_action){ HD_ACT_KILL, 0 }, opt->mode);
	scmp_filter_ctx all = NULL;
	for (size_t i = 0; i < sb->n_abi; i++) {
		if (sb->abi[i].killed)
			continue;
		scmp_filter_ctx c = NULL;
		if ((r = abi_ctx(sb, &sb->abi[i], badarch, &c, diags)) < 0)
			goto fail;
		if (!all)
			all = c;
		else if ((r = seccomp_merge(all, c)) < 0) {
			seccomp_release(c);
			hd_diag_add(diags, HD_ERROR, NULL, 0, "libseccomp cannot merge the %s ABI: %s",
				    hd_arch_info(sb->abi[i].arch)->name, strerror(-r));
			goto fail;
		}
	}
	if (!all) {
		/* Every ABI killed: a program that kills everything. */
		all = seccomp_init(badarch);
		if (!all)
			return -ENOMEM;
		seccomp_attr_set(all, SCMP_FLTATR_ACT_BADARCH, badarch);
		seccomp_attr_set(all, SCMP_FLTATR_CTL_NNP, 0);
	}
	/* Binary search over syscall numbers (libseccomp >= 2.5); a plain list otherwise. */
	if (!opt->no_binary_tree)
		(void)seccomp_attr_set(all, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if ((r = seccomp_attr_set(all, SCMP_FLTATR_CTL_TSYNC, 1)) < 0) {
		hd_diag_add(diags, HD_ERROR, NULL, 0, "libseccomp cannot set TSYNC: %s", strerror(-r));
		goto fail;
	}
	sb->ctx = all;
	if ((r = hd_sandbox_export_memory(all, &sb->bpf, &sb->bpf_len)) < 0 || (r = prepend_prefix(sb)) < 0) {
		hd_diag_add(diags, HD_ERROR, NULL, 0, "cannot generate the seccomp program: %s", strerror(-r));
		return r;
	}
	return 0;
fail:
	if (all)
		seccomp_release(all);
	return r < 0 ? r : -EINVAL;
}

void hd_sandbox_free(struct hd_sandbox *sb)
{
	for (size_t i = 0; i < sb->n_abi; i++)
		abi_free(&sb->abi[i]);
	if (sb->ctx)
		seccomp_release(sb->ctx);
	free(sb->bpf);
	*sb = (struct hd_sandbox){ 0 };
}

/* ---- intent ---- */

static bool cmp_holds(const struct hd_arg_cmp *c, uint64_t v)
{
	switch (c->op) {
	case HD_CMP_EQ: return v == c->datum;
	case HD_CMP_NE: return v != c->datum;
	case HD_CMP_LT: return v < c->datum;
	case HD_CMP_LE: return v <= c->datum;
	case HD_CMP_GT: return v > c->datum;
	case HD_CMP_GE: return v >= c->datum;
	case HD_CMP_MASKED_EQ: return (v & c->mask) == c->datum;
	}
	return false;
}

struct hd_sandbox_verdict hd_sandbox_intent(const struct hd_sandbox *sb, uint32_t audit_arch, int nr, const uint64_t args[6])
{
	hd_arch arch = hd_arch_from_audit(audit_arch);
	if (arch == HD_ARCH_X86_64 && (nr & X32_SYSCALL_BIT))
		arch = HD_ARCH_X32;
	struct hd_sandbox_verdict v = { .action = { HD_ACT_KILL, 0 }, .origin = "SystemCallArchitectures", .abi = arch };
	const struct hd_sandbox_abi *a = NULL;
	for (size_t i = 0; i < sb->n_abi; i++)
		if (sb->abi[i].arch == arch)
			a = &sb->abi[i];
	if (arch != HD_ARCH_INVALID)
		v.name = hd_syscall_name(arch, nr);
	if (!a || a->killed)
		return v;
	v.action = a->default_action;
	v.origin = a->default_origin;
	/* i386 and x32 (libseccomp treats x32 as a 32-bit ABI): only the low words of arguments are compared;
	 * the kernel reads int arguments of those ABIs as 32 bits too */
	bool narrow = arch == HD_ARCH_X86 || arch == HD_ARCH_X32;
	/* i386 direct socket calls (359...) that libseccomp names only as pseudo calls */
	if (arch == HD_ARCH_X86 && !v.name) {
		static const struct { int nr; const char *name; } direct[] = {
			{ 359, "socket" }, { 360, "socketpair" }, { 361, "bind" }, { 362, "connect" }, { 363, "listen" },
			{ 364, "accept4" }, { 365, "getsockopt" }, { 366, "setsockopt" }, { 367, "getsockname" },
			{ 368, "getpeername" }, { 369, "sendto" }, { 370, "sendmsg" }, { 371, "recvfrom" },
			{ 372, "recvmsg" }, { 373, "shutdown" },
		};
		for (size_t i = 0; i < sizeof(direct) / sizeof(direct[0]); i++)
			if (direct[i].nr == nr)
				v.name = direct[i].name;
	}
	/* libseccomp's order for a multiplexer (socketcall/ipc on i386): an unconditional rule of its own
	 * wins; else the rule of the sub-call named by a0; else its conditional rules; else the default. */
	const char *sub = arch == HD_ARCH_X86 && args ? hd_sandbox_mux_subcall(v.name, (uint32_t)args[0]) : NULL;
	for (size_t i = 0; sub && i < a->n; i++)
		if (a->v[i].nr == nr && a->v[i].n_cmps == 0) {
			v.action = a->v[i].action;
			v.origin = a->v[i].origin;
			return v;
		}
	for (size_t i = 0; sub && i < a->n; i++)
		if (a->v[i].nr < 0 && strcmp(a->v[i].name, sub) == 0) {
			v.action = a->v[i].action;
			v.origin = a->v[i].origin;
			return v;
		}
	for (size_t i = 0; i < a->n; i++) {
		const struct hd_sandbox_rule *r = &a->v[i];
		if (r->nr != nr && !(r->nr < 0 && v.name && strcmp(r->name, v.name) == 0))
			continue;
		bool ok = true;
		for (unsigned k = 0; k < r->n_cmps && ok; k++) {
			uint64_t x = args ? args[r->cmps[k].arg] : 0;
			ok = cmp_holds(&r->cmps[k], narrow ? (uint32_t)x : x);
		}
		if (ok) {
			v.action = r->action;
			v.origin = r->origin;
			return v;
		}
	}
	return v;
}

/* ---- export and install ---- */

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int hd_sandbox_export_bpf(const struct hd_sandbox *sb, int fd)
{
	return write_all(fd, sb->bpf, sb->bpf_len * sizeof(struct sock_filter));
}

int hd_sandbox_export_bpf_file(const struct hd_sandbox *sb, const char *path)
{
	return hd_write_file_atomic_data(path, sb->bpf, sb->bpf_len * sizeof(struct sock_filter), 0644);
}

int hd_sandbox_export_pfc(const struct hd_sandbox *sb, int fd)
{
	if (sb->n_prefix) {
		char line[160];
		int n = snprintf(line, sizeof(line), "# prefix before libseccomp's program (%zu instructions), for calls libseccomp cannot number:\n",
				 sb->prefix_len);
		int r = write_all(fd, line, (size_t)n);
		for (size_t i = 0; r >= 0 && i < sb->n_prefix; i++) {
			n = snprintf(line, sizeof(line), "#   if ($arch == %u && $syscall == %u) action %#x;\n",
				     sb->prefix[i].arch, sb->prefix[i].nr, sb->prefix[i].ret);
			r = write_all(fd, line, (size_t)n);
		}
		if (r < 0)
			return r;
	}
	return seccomp_export_pfc(sb->ctx, fd);
}

int hd_sandbox_install(const struct hd_sandbox *sb)
{
	if (sb->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (sb->mdwe_prctl && prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) < 0)
		return -errno;
	if (sb->nothing_to_load)
		return 0;
	struct sock_fprog prog = { .len = (unsigned short)sb->bpf_len, .filter = sb->bpf };
	unsigned long flags = SECCOMP_FILTER_FLAG_TSYNC;
	if (sb->opt.mode != HD_SANDBOX_ENFORCE)
		flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (r < 0)
		return -errno;
	return sb->opt.mode != HD_SANDBOX_ENFORCE ? (int)r : 0;
}

/* ---- a classic BPF interpreter with the kernel's seccomp restrictions ---- */

int64_t hd_bpf_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d)
{
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = { 0 };
	if (n == 0 || n > BPF_MAXINSNS)
		return -EINVAL;
	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &prog[pc];
		uint32_t k = f->k;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (k % 4 || k + 4 > sizeof(*d))
				return -EINVAL;
			memcpy(&A, (const char *)d + k, 4);
			break;
		case BPF_LD | BPF_W | BPF_LEN: A = sizeof(*d); break;
		case BPF_LDX | BPF_W | BPF_LEN: X = sizeof(*d); break;
		case BPF_LD | BPF_IMM: A = k; break;
		case BPF_LDX | BPF_IMM: X = k; break;
		case BPF_LD | BPF_MEM:
			if (k >= BPF_MEMWORDS)
				return -EINVAL;
			A = M[k];
			break;
		case BPF_LDX | BPF_MEM:
			if (k >= BPF_MEMWORDS)
				return -EINVAL;
			X = M[k];
			break;
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return -EINVAL;
			M[k] = f->code == BPF_ST ? A : X;
			break;
		case BPF_ALU | BPF_NEG: A = -A; break;
		case BPF_MISC | BPF_TAX: X = A; break;
		case BPF_MISC | BPF_TXA: A = X; break;
		case BPF_RET | BPF_K: return k;
		case BPF_RET | BPF_A: return A;
		default:
			if (BPF_CLASS(f->code) == BPF_ALU) {
				uint32_t src = BPF_SRC(f->code) == BPF_X ? X : k;
				switch (BPF_OP(f->code)) {
				case BPF_ADD: A += src; break;
				case BPF_SUB: A -= src; break;
				case BPF_MUL: A *= src; break;
				case BPF_DIV: if (!src) return -EINVAL; A /= src; break;
				case BPF_MOD: if (!src) return -EINVAL; A %= src; break;
				case BPF_AND: A &= src; break;
				case BPF_OR: A |= src; break;
				case BPF_XOR: A ^= src; break;
				case BPF_LSH: if (src >= 32) return -EINVAL; A <<= src; break;
				case BPF_RSH: if (src >= 32) return -EINVAL; A >>= src; break;
				default: return -EINVAL;
				}
			} else if (BPF_CLASS(f->code) == BPF_JMP) {
				uint32_t src = BPF_SRC(f->code) == BPF_X ? X : k;
				size_t next;
				if (BPF_OP(f->code) == BPF_JA) {
					next = pc + 1 + k;
				} else {
					bool t;
					switch (BPF_OP(f->code)) {
					case BPF_JEQ: t = A == src; break;
					case BPF_JGT: t = A > src; break;
					case BPF_JGE: t = A >= src; break;
					case BPF_JSET: t = (A & src) != 0; break;
					default: return -EINVAL;
					}
					next = pc + 1 + (t ? f->jt : f->jf);
				}
				if (next >= n)
					return -EINVAL;
				pc = next - 1;
			} else {
				return -EINVAL;
			}
		}
	}
	return -EINVAL; /* fell off the end */
}
