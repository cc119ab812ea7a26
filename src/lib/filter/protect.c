/* SPDX-License-Identifier: MIT */
/*
 * The seccomp filters systemd installs for the settings other than SystemCallFilter=: each its own
 * stacked filter with default ALLOW, added here to a rule set so that it says what the kernel does.
 * Facts: ../shared/spec/filter-semantics.md ("What each becomes"), checked against systemd's
 * seccomp-util.c of the 252 era (rules, argument indexes, per-architecture choices).
 */
#include <errno.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"
#include "syscalls/groups.h"
#include "syscalls/nametables.h"
#include "syscalls/syscalls.h"

#define ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* Kernel ABI constants used in the comparisons (the same on every architecture unless noted). */
#define PROT_WRITE_ 0x2
#define PROT_EXEC_ 0x4
#define SHM_EXEC_ 0100000
#define S_ISUID_ 04000
#define S_ISGID_ 02000
#define PER_LINUX_ 0

/* One rule of a protection: syscall (or @group) -> ERRNO(errno_value) when all cmps hold. */
struct protect_rule {
	const char *syscall;
	int errno_value;
	unsigned n_cmps;
	struct hd_arg_cmp cmps[2];
};

#define A(i, o, d) { .arg = (i), .op = HD_CMP_##o, .datum = (d) }
#define AM(i, m, d) { .arg = (i), .op = HD_CMP_MASKED_EQ, .mask = (m), .datum = (d) }

/* Settings whose rules are the same on every architecture. */
static const struct protect_rule hostname_rules[] = {
	{ "sethostname", EPERM, 0, { { 0 } } },
	{ "setdomainname", EPERM, 0, { { 0 } } },
	{ NULL, 0, 0, { { 0 } } },
};
static const struct protect_rule tunables_rules[] = {
	{ "_sysctl", EPERM, 0, { { 0 } } }, /* absent on x32, arm64, riscv64: no number, no rule */
	{ NULL, 0, 0, { { 0 } } },
};
static const struct protect_rule modules_rules[] = { { "@module", EPERM, 0, { { 0 } } }, { NULL, 0, 0, { { 0 } } } };
static const struct protect_rule logs_rules[] = { { "syslog", EPERM, 0, { { 0 } } }, { NULL, 0, 0, { { 0 } } } };
static const struct protect_rule clock_rules[] = { { "@clock", EPERM, 0, { { 0 } } }, { NULL, 0, 0, { { 0 } } } };
static const struct protect_rule devices_rules[] = { { "@raw-io", EPERM, 0, { { 0 } } }, { NULL, 0, 0, { { 0 } } } };
/* Policies other than SCHED_OTHER (0), SCHED_BATCH (3), SCHED_IDLE (5): FIFO, RR, 4, and above 5. */
static const struct protect_rule realtime_rules[] = {
	{ "sched_setscheduler", EPERM, 1, { A(1, EQ, 1) } },
	{ "sched_setscheduler", EPERM, 1, { A(1, EQ, 2) } },
	{ "sched_setscheduler", EPERM, 1, { A(1, EQ, 4) } },
	{ "sched_setscheduler", EPERM, 1, { A(1, GT, 5) } },
	{ NULL, 0, 0, { { 0 } } },
};
/* Any personality but the one the service runs with (PER_LINUX). */
static const struct protect_rule personality_rules[] = {
	{ "personality", EPERM, 1, { A(0, NE, PER_LINUX_) } },
	{ NULL, 0, 0, { { 0 } } },
};

/* A rule under construction, with its setting's place in systemd's installation order. */
struct pending {
	struct pending_rule {
		int nr;
		const char *name;
		hd_action action;
		unsigned n_cmps;
		struct hd_arg_cmp cmps[HD_RULE_MAX_CMPS];
		const char *origin;
		unsigned order;
	} *v;
	size_t n, cap;
	hd_strv names; /* owns group-expanded names */
};

struct ctx {
	hd_arch arch;
	int sdver;
	const char *origin;
	unsigned order;
	struct pending *p;
};

static int pend(const struct ctx *c, const char *name, int nr, int errno_value, unsigned n_cmps,
		const struct hd_arg_cmp *cmps)
{
	struct pending *p = c->p;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct pending_rule *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	struct pending_rule *r = &p->v[p->n++];
	*r = (struct pending_rule){ .nr = nr, .name = name, .action = { HD_ACT_ERRNO, errno_value },
				    .n_cmps = n_cmps, .origin = c->origin, .order = c->order };
	for (unsigned i = 0; i < n_cmps && i < HD_RULE_MAX_CMPS; i++)
		r->cmps[i] = cmps[i];
	return 0;
}

/* A syscall or every syscall of a @group; names without a number on this architecture add nothing
 * (systemd's seccomp_rule_add_exact fails with -EDOM there and it skips the rule). */
static int add_rule(const struct ctx *c, const char *syscall, int errno_value, unsigned n_cmps,
		    const struct hd_arg_cmp *cmps)
{
	if (syscall[0] != '@') {
		int nr = hd_syscall_nr(syscall, c->arch, NULL);
		return nr < 0 ? 0 : pend(c, syscall, nr, errno_value, n_cmps, cmps);
	}
	const struct hd_group_def *g = hd_group_find(syscall, c->sdver);
	hd_strv members = { 0 };
	int r = g ? hd_group_expand(g, c->sdver, &members) : 0;
	for (size_t i = 0; r >= 0 && i < members.n; i++) {
		int nr = hd_syscall_nr(members.v[i], c->arch, NULL);
		if (nr < 0)
			continue;
		r = hd_strv_push(&c->p->names, members.v[i]); /* the pending rule points at this copy */
		if (r >= 0)
			r = pend(c, c->p->names.v[c->p->names.n - 1], nr, errno_value, n_cmps, cmps);
	}
	hd_strv_free(&members);
	return r;
}

static int add_table(const struct ctx *c, const struct protect_rule *t)
{
	for (; t->syscall; t++) {
		int r = add_rule(c, t->syscall, t->errno_value, t->n_cmps, t->cmps);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- settings with computed rules ---- */

static int restrict_address_families(const struct hd_seccomp_settings *s, const struct ctx *c)
{
	/* socketcall() multiplexes socket() on these ABIs: systemd installs nothing there */
	if (hd_arch_info(c->arch)->has_socketcall)
		return 0;
	int r = 0;
	if (!s->af_allow_list) {
		for (size_t i = 0; r >= 0 && i < s->n_af; i++) {
			struct hd_arg_cmp eq = A(0, EQ, (uint64_t)s->af[i]);
			r = add_rule(c, "socket", EAFNOSUPPORT, 1, &eq);
		}
		return r;
	}
	int first = 0, last = 0, max = hd_af_max();
	for (size_t i = 0; i < s->n_af; i++) {
		int af = s->af[i];
		if (af <= 0 || af >= max)
			continue;
		if (!first || af < first)
			first = af;
		if (!last || af > last)
			last = af;
	}
	if (!first) /* nothing valid allowed: socket() always fails */
		return add_rule(c, "socket", EAFNOSUPPORT, 0, NULL);
	struct hd_arg_cmp below = A(0, LT, (uint64_t)first), above = A(0, GT, (uint64_t)last);
	r = add_rule(c, "socket", EAFNOSUPPORT, 1, &below);
	if (r >= 0)
		r = add_rule(c, "socket", EAFNOSUPPORT, 1, &above);
	for (int af = 1; r >= 0 && af < max; af++) {
		bool listed = false;
		for (size_t i = 0; i < s->n_af && !listed; i++)
			listed = s->af[i] == af;
		if (listed)
			continue;
		struct hd_arg_cmp eq = A(0, EQ, (uint64_t)af);
		r = add_rule(c, "socket", EAFNOSUPPORT, 1, &eq);
	}
	return r;
}

static int memory_deny_write_execute(const struct hd_seccomp_settings *s, const struct ctx *c)
{
	(void)s;
	/* per architecture: the mmap flavour that takes prot in a register, one that cannot be
	 * filtered (blocked outright), and whether shmat is a syscall of its own */
	const char *filter = NULL, *block = NULL;
	bool shmat = false;
	switch (c->arch) {
	case HD_ARCH_X86:
	case HD_ARCH_S390:
		filter = "mmap2", block = "mmap";
		break;
	case HD_ARCH_PPC:
	case HD_ARCH_PPC64:
	case HD_ARCH_PPC64LE:
	case HD_ARCH_S390X:
		filter = "mmap";
		break;
	case HD_ARCH_ARM:
		filter = "mmap2", shmat = true;
		break;
	case HD_ARCH_X86_64:
	case HD_ARCH_X32:
	case HD_ARCH_ARM64:
	case HD_ARCH_RISCV64:
		filter = "mmap", shmat = true;
		break;
	default:
		return 0; /* systemd has no mmap definition for it: no filter */
	}
	struct hd_arg_cmp wx = AM(2, PROT_WRITE_ | PROT_EXEC_, PROT_WRITE_ | PROT_EXEC_);
	struct hd_arg_cmp x = AM(2, PROT_EXEC_, PROT_EXEC_), shm = AM(2, SHM_EXEC_, SHM_EXEC_);
	int r = add_rule(c, filter, EPERM, 1, &wx);
	if (r >= 0 && block)
		r = add_rule(c, block, EPERM, 0, NULL);
	if (r >= 0)
		r = add_rule(c, "mprotect", EPERM, 1, &x);
	if (r >= 0)
		r = add_rule(c, "pkey_mprotect", EPERM, 1, &x);
	if (r >= 0 && shmat)
		r = add_rule(c, "shmat", EPERM, 1, &shm);
	return r;
}

static int restrict_suid_sgid(const struct hd_seccomp_settings *s, const struct ctx *c)
{
	(void)s;
	/* O_CREAT differs on MIPS and PA-RISC */
	bool alt = c->arch == HD_ARCH_MIPS || c->arch == HD_ARCH_MIPSEL || c->arch == HD_ARCH_MIPS64 ||
		   c->arch == HD_ARCH_MIPS64EL || c->arch == HD_ARCH_MIPS64_N32 || c->arch == HD_ARCH_MIPS64EL_N32 ||
		   c->arch == HD_ARCH_PARISC || c->arch == HD_ARCH_PARISC64;
	uint64_t o_creat = alt ? 0x100 : 0x40;
	static const struct {
		const char *syscall;
		unsigned mode_arg;
		int flags_arg; /* -1: no O_CREAT condition */
		bool latest_only;
	} calls[] = {
		{ "chmod", 1, -1, false },  { "fchmod", 1, -1, false }, { "fchmodat", 2, -1, false },
		{ "fchmodat2", 2, -1, true }, { "mkdir", 1, -1, false }, { "mkdirat", 2, -1, false },
		{ "mknod", 1, -1, false },  { "mknodat", 2, -1, false }, { "open", 2, 1, false },
		{ "openat", 3, 2, false },  { "creat", 1, -1, false },
	};
	static const uint64_t modes[] = { S_ISUID_, S_ISGID_ };
	int r = 0;
	for (size_t m = 0; r >= 0 && m < ELEMENTS(modes); m++)
		for (size_t i = 0; r >= 0 && i < ELEMENTS(calls); i++) {
			if (calls[i].latest_only && c->sdver == HD_SYSTEMD_252)
				continue;
			struct hd_arg_cmp cmps[2];
			unsigned n = 0;
			if (calls[i].flags_arg >= 0)
				cmps[n++] = (struct hd_arg_cmp)AM((unsigned)calls[i].flags_arg, o_creat, o_creat);
			cmps[n++] = (struct hd_arg_cmp)AM(calls[i].mode_arg, modes[m], modes[m]);
			r = add_rule(c, calls[i].syscall, EPERM, n, cmps);
		}
	/* openat2 hides its flags in a struct: refused with ENOSYS so callers fall back to openat */
	if (r >= 0)
		r = add_rule(c, "openat2", ENOSYS, 0, NULL);
	return r;
}

static int restrict_namespaces(const struct hd_seccomp_settings *s, const struct ctx *c)
{
	static const uint64_t flags[] = { 0x02000000, 0x08000000, 0x40000000, 0x00020000,
					  0x20000000, 0x10000000, 0x04000000, 0x00000080 };
	uint64_t blocked = 0;
	bool setns_all = false;
	(void)hd_seccomp_ns_filter(s, &blocked, &setns_all);
	/* clone3 keeps its flags in a struct: ENOSYS makes libc fall back to clone */
	int r = add_rule(c, "clone3", ENOSYS, 0, NULL);
	if (r < 0)
		return r;
	if (setns_all) {
		r = add_rule(c, "setns", EPERM, 0, NULL);
	} else {
		struct hd_arg_cmp zero = A(1, EQ, 0);
		r = add_rule(c, "setns", EPERM, 1, &zero);
	}
	/* clone's flags are its first argument, except on s390 where the first two are swapped */
	unsigned clone_arg = c->arch == HD_ARCH_S390 || c->arch == HD_ARCH_S390X ? 1 : 0;
	for (size_t i = 0; r >= 0 && i < ELEMENTS(flags); i++) {
		uint64_t f = flags[i];
		if (!(blocked & f))
			continue;
		struct hd_arg_cmp a0 = AM(0, f, f), cl = AM(clone_arg, f, f), a1 = AM(1, f, f);
		r = add_rule(c, "unshare", EPERM, 1, &a0);
		if (r >= 0)
			r = add_rule(c, "clone", EPERM, 1, &cl);
		if (r >= 0 && !setns_all)
			r = add_rule(c, "setns", EPERM, 1, &a1);
	}
	return r;
}

/* ---- the settings, in systemd's installation order ---- */

static bool hostname_enabled(const struct hd_seccomp_settings *s)
{
	return s->protect_hostname && !s->protect_hostname_private; /* private: hostname changes allowed */
}
static bool af_enabled(const struct hd_seccomp_settings *s)
{
	return s->af_allow_list || s->n_af > 0;
}
static bool ns_enabled(const struct hd_seccomp_settings *s)
{
	return hd_seccomp_ns_filter(s, NULL, NULL);
}
#define FLAG(field) offsetof(struct hd_seccomp_settings, field)
#define NO_FLAG ((size_t)-1)

static const struct protection {
	const char *origin;
	size_t flag;                                       /* the bool that turns it on, or NO_FLAG */
	bool (*enabled)(const struct hd_seccomp_settings *); /* when there is no such bool */
	const struct protect_rule *rules;                  /* fixed rules, or NULL */
	int (*compute)(const struct hd_seccomp_settings *, const struct ctx *);
} protections[] = {
	{ "ProtectHostname", NO_FLAG, hostname_enabled, hostname_rules, NULL },
	{ "RestrictAddressFamilies", NO_FLAG, af_enabled, NULL, restrict_address_families },
	{ "MemoryDenyWriteExecute", FLAG(memory_deny_write_execute), NULL, NULL, memory_deny_write_execute },
	{ "RestrictRealtime", FLAG(restrict_realtime), NULL, realtime_rules, NULL },
	{ "RestrictSUIDSGID", FLAG(restrict_suid_sgid), NULL, NULL, restrict_suid_sgid },
	{ "RestrictNamespaces", NO_FLAG, ns_enabled, NULL, restrict_namespaces },
	{ "ProtectKernelTunables", FLAG(protect_kernel_tunables), NULL, tunables_rules, NULL },
	{ "ProtectKernelModules", FLAG(protect_kernel_modules), NULL, modules_rules, NULL },
	{ "ProtectKernelLogs", FLAG(protect_kernel_logs), NULL, logs_rules, NULL },
	{ "ProtectClock", FLAG(protect_clock), NULL, clock_rules, NULL },
	{ "PrivateDevices", FLAG(private_devices), NULL, devices_rules, NULL },
	{ "LockPersonality", FLAG(lock_personality), NULL, personality_rules, NULL },
	/* then SystemCallArchitectures, SystemCallLog, SystemCallFilter: hd_ruleset_build */
};

/* ---- merging into the rule set ---- */

static ssize_t find_unconditional(const struct hd_ruleset *rs, int nr, size_t *insert_at)
{
	size_t lo = hd_ruleset_lower_bound(rs, nr);
	*insert_at = lo;
	for (size_t i = lo; i < rs->n && rs->v[i].nr == nr; i++)
		if (rs->v[i].n_cmps == 0)
			return (ssize_t)i;
	return -1;
}

static int rs_insert(struct hd_ruleset *rs, size_t at, const struct pending_rule *p, hd_action a)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct hd_rule *v = realloc(rs->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		rs->v = v;
		rs->cap = cap;
	}
	char *name = strdup(p->name);
	if (!name)
		return -ENOMEM;
	memmove(&rs->v[at + 1], &rs->v[at], (rs->n - at) * sizeof(rs->v[0]));
	rs->v[at] = (struct hd_rule){ .nr = p->nr, .name = name, .action = a, .n_cmps = p->n_cmps, .origin = p->origin };
	memcpy(rs->v[at].cmps, p->cmps, sizeof(p->cmps));
	rs->n++;
	return 0;
}

static int cmp_rule(const void *a, const void *b)
{
	const struct hd_rule *x = a, *y = b;
	if (x->nr != y->nr)
		return (x->nr > y->nr) - (x->nr < y->nr);
	if (x->n_cmps != y->n_cmps)
		return x->n_cmps < y->n_cmps ? -1 : 1;
	return strcmp(x->origin, y->origin);
}

static int merge(struct hd_ruleset *rs, const struct pending *p)
{
	/* unconditional rules, latest-installed first: each earlier one loses ERRNO ties to what is
	 * already merged (later filters) */
	for (size_t k = p->n; k-- > 0;) {
		const struct pending_rule *pr = &p->v[k];
		if (pr->n_cmps)
			continue;
		size_t at;
		ssize_t i = find_unconditional(rs, pr->nr, &at);
		hd_action cur = i >= 0 ? rs->v[i].action : rs->default_action;
		hd_action a = hd_action_strictest(pr->action, cur);
		if (hd_action_equal(a, cur))
			continue;
		if (i >= 0) {
			rs->v[i].action = a;
			rs->v[i].origin = pr->origin;
			continue;
		}
		int r = rs_insert(rs, at, pr, a);
		if (r < 0)
			return r;
	}
	/* conditional rules: their verdict given the unconditional one; useless ones dropped */
	for (size_t k = 0; k < p->n; k++) {
		const struct pending_rule *pr = &p->v[k];
		if (!pr->n_cmps)
			continue;
		hd_action base = hd_ruleset_action(rs, pr->nr, NULL);
		hd_action a = hd_action_strictest(pr->action, base);
		if (hd_action_equal(a, base))
			continue;
		size_t at;
		(void)find_unconditional(rs, pr->nr, &at);
		int r = rs_insert(rs, at, pr, a);
		if (r < 0)
			return r;
	}
	if (rs->n)
		qsort(rs->v, rs->n, sizeof(rs->v[0]), cmp_rule);
	return 0;
}

int hd_ruleset_build_full(const struct hd_seccomp_settings *s, hd_arch arch, int sdver, struct hd_ruleset *out)
{
	int r = hd_ruleset_build(s, arch, sdver, out);
	if (r < 0)
		return r;
	if (!hd_seccomp_arch_allowed(s, arch))
		return 0; /* everything is killed already */
	struct pending p = { 0 };
	for (size_t i = 0; r >= 0 && i < ELEMENTS(protections); i++) {
		const struct protection *pr = &protections[i];
		bool on = pr->flag != NO_FLAG ? *(const bool *)((const char *)s + pr->flag) : pr->enabled(s);
		if (!on)
			continue;
		const struct ctx c = { arch, sdver, pr->origin, (unsigned)i, &p };
		r = pr->rules ? add_table(&c, pr->rules) : pr->compute(s, &c);
	}
	if (r >= 0)
		r = merge(out, &p);
	free(p.v);
	hd_strv_free(&p.names);
	if (r < 0)
		hd_ruleset_free(out);
	return r;
}
