/* SPDX-License-Identifier: MIT */
/* Profile -> tightest drop-in (see suggest.h). */
#include "learn/suggest.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "syscalls/fallbacks.h"
#include "syscalls/groups.h"
#include "syscalls/syscalls.h"
#include "unit/capability.h"
#include "unit/unit.h"
#include "unit/unitwrite.h"

const char *const hd_suggest_dangerous_groups[] = {
	"@privileged", "@debug", "@mount", "@module", "@raw-io", "@reboot", "@swap", "@clock", "@cpu-emulation",
	"@obsolete", NULL,
};

/* Groups never used to compact an allow list: @default is implicit, @known is everything, and
 * @system-service is too wide to be "most of it used". */
static const char *const never_compact[] = { "@default", "@known", "@system-service", NULL };

/* More than half of a group's members (those existing on this architecture) must have been seen. */
#define GROUP_USED_NUM 1
#define GROUP_USED_DEN 2

static bool in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (strcmp(*l, s) == 0)
			return true;
	return false;
}

static int add_line(struct hd_suggestion *s, const char *key, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int add_line(struct hd_suggestion *s, const char *key, const char *value, const char *fmt, ...)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct hd_suggest_line *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	char *why = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&why, fmt, ap);
	va_end(ap);
	char *k = strdup(key), *val = strdup(value);
	if (r < 0 || !k || !val) {
		if (r >= 0)
			free(why);
		free(k);
		free(val);
		return -ENOMEM;
	}
	s->v[s->n++] = (struct hd_suggest_line){ k, val, why };
	return 0;
}

void hd_suggestion_free(struct hd_suggestion *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].key);
		free(s->v[i].value);
		free(s->v[i].why);
	}
	free(s->v);
	hd_strv_free(&s->left_out);
	free(s->user_form);
	free(s->user_ambient);
	memset(s, 0, sizeof(*s));
}

/* A growing string. */
struct buf {
	char *s;
	size_t n, cap;
	bool oom;
};
static void bputf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bputf(struct buf *b, const char *fmt, ...)
{
	if (b->oom)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (b->n + (size_t)n + 1 > b->cap && ({
			      size_t cap = (b->n + (size_t)n + 1) * 2;
			      char *ns = realloc(b->s, cap);
			      if (ns) {
				      b->s = ns;
				      b->cap = cap;
			      }
			      !ns;
		      }))) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

/* Total count of name over every ABI. */
static uint64_t seen_count(const struct hd_profile *p, const char *name)
{
	uint64_t c = 0;
	for (int i = 0; i < HD_PROFILE_ABIS; i++)
		if (p->abis[i].arch != HD_ARCH_INVALID)
			c += hd_profile_syscall_count(p, p->abis[i].arch, name);
	return c;
}

static int expand_named(const char *group, int sdver, hd_strv *out)
{
	const struct hd_group_def *g = hd_group_find(group, sdver);
	return g ? hd_group_expand(g, sdver, out) : 0;
}

/* "read ×120, write ×3, and 4 more" — the evidence for a line, bounded. */
static void evidence(const struct hd_profile *p, const hd_strv *names, struct buf *b)
{
	size_t shown = 0;
	for (size_t i = 0; i < names->n; i++) {
		uint64_t c = seen_count(p, names->v[i]);
		if (!c)
			continue;
		if (shown == 8) {
			size_t rest = 0;
			for (size_t j = i; j < names->n; j++)
				rest += seen_count(p, names->v[j]) > 0;
			bputf(b, ", and %zu more", rest);
			return;
		}
		bputf(b, "%s%s ×%" PRIu64, shown ? ", " : "", names->v[i], c);
		shown++;
	}
}

const char *hd_suggest_shell_ran(const struct hd_profile *p)
{
	static const char *const shells[] = { "sh", "bash", "dash", "zsh", "ksh", "mksh", "fish", "csh", "tcsh",
					      "rbash", "busybox", NULL };
	for (size_t i = 0; i < p->executables.n; i++) {
		const char *b = strrchr(p->executables.v[i], '/');
		if (in_list(shells, b ? b + 1 : p->executables.v[i]))
			return p->executables.v[i];
	}
	return NULL;
}

/* The deny-list form (HD_SUGGEST_DENY): ~ of the dangerous calls never seen that ordinary programs
 * (@system-service) do not need; whole groups first, the rest by name. */
static int suggest_deny_list(int sdver, const hd_strv *seen, struct hd_suggestion *s)
{
	hd_arch native = hd_arch_native();
	hd_strv ordinary = { 0 }, deny = { 0 }, groups = { 0 }, covered = { 0 };
	int r = expand_named("@system-service", sdver, &ordinary);
	if (r < 0)
		goto out;
	hd_strv_sort(&ordinary);
	for (const char *const *g = hd_suggest_dangerous_groups; *g; g++) {
		hd_strv members = { 0 };
		if ((r = expand_named(*g, sdver, &members)) < 0)
			goto out;
		size_t total = 0, denied = 0;
		for (size_t i = 0; i < members.n; i++) {
			const char *m = members.v[i];
			if (hd_syscall_nr(m, native, NULL) == HD_NR_NONE)
				continue;
			total++;
			if (hd_strv_sorted_contains(&ordinary, m) || hd_strv_sorted_contains(seen, m))
				continue;
			denied++;
			if ((r = hd_strv_push_unique(&deny, m)) < 0)
				break;
		}
		/* the whole group when none of it is needed: shorter, and it follows systemd's own changes */
		if (r >= 0 && total && denied == total) {
			r = hd_strv_push(&groups, *g);
			for (size_t i = 0; r >= 0 && i < members.n; i++)
				r = hd_strv_push_unique(&covered, members.v[i]);
		}
		hd_strv_free(&members);
		if (r < 0)
			goto out;
	}
	struct buf gv = { 0 }, nv = { 0 };
	for (size_t i = 0; i < groups.n; i++)
		bputf(&gv, "%s%s", i ? " " : "~", groups.v[i]);
	hd_strv_sort(&deny);
	size_t names = 0;
	for (size_t i = 0; i < deny.n; i++)
		if (!hd_strv_contains(&covered, deny.v[i]))
			bputf(&nv, "%s%s", names++ ? " " : "~", deny.v[i]);
	if (gv.oom || nv.oom)
		r = -ENOMEM;
	if (r >= 0 && groups.n)
		r = add_line(s, "SystemCallFilter", gv.s,
			     "deny list: none of these groups' calls was seen, and ordinary programs (@system-service) "
			     "need none of them");
	if (r >= 0 && names)
		r = add_line(s, "SystemCallFilter", nv.s,
			     "deny list: the rest of the dangerous groups' calls that were never seen and that "
			     "@system-service does not hold");
	if (r >= 0 && !groups.n && !names)
		r = add_line(s, "SystemCallFilter", "~@reboot @swap @module", "deny list: %s",
			     "every dangerous call was seen; the three groups no service should need are denied");
	free(gv.s);
	free(nv.s);
out:
	hd_strv_free(&ordinary);
	hd_strv_free(&deny);
	hd_strv_free(&groups);
	hd_strv_free(&covered);
	return r;
}

static int suggest_syscall_filter(const struct hd_profile *p, int sdver, const hd_strv *also_allow, int style,
				  struct hd_suggestion *s)
{
	hd_arch native = hd_arch_native();
	hd_strv seen = { 0 }, baseline = { 0 }, dangerous = { 0 }, covered = { 0 }, singles = { 0 };
	int r = 0;
	for (int i = 0; i < HD_PROFILE_ABIS; i++)
		for (size_t j = 0; j < p->abis[i].n; j++)
			if ((r = hd_strv_push_unique(&seen, p->abis[i].v[j].name)) < 0)
				goto out;
	hd_strv_sort(&seen);
	if ((r = expand_named("@default", sdver, &baseline)) < 0)
		goto out;
	hd_strv_sort(&baseline);
	for (const char *const *g = hd_suggest_dangerous_groups; *g; g++)
		if ((r = expand_named(*g, sdver, &dangerous)) < 0)
			goto out;
	hd_strv_sort(&dangerous);
	if (style == HD_SUGGEST_DENY) {
		if ((r = suggest_deny_list(sdver, &seen, s)) < 0)
			goto out;
		goto error_number;
	}

	/* groups first: most of it used, nothing dangerous added */
	for (const struct hd_group_def *g = hd_group_next(NULL, sdver); g; g = hd_group_next(g, sdver)) {
		if (in_list(never_compact, g->name) || in_list(hd_suggest_dangerous_groups, g->name))
			continue;
		hd_strv members = { 0 }, used = { 0 };
		if ((r = hd_group_expand(g, sdver, &members)) < 0)
			goto out;
		hd_strv_sort(&members);
		size_t total = 0, n_used = 0, n_new = 0;
		bool adds_danger = false;
		for (size_t i = 0; i < members.n; i++) {
			const char *m = members.v[i];
			if (hd_strv_sorted_contains(&baseline, m) || hd_syscall_nr(m, native, NULL) == HD_NR_NONE)
				continue; /* implicit anyway, or not a call on this architecture */
			total++;
			if (hd_strv_sorted_contains(&seen, m)) {
				n_used++;
				if (!hd_strv_contains(&covered, m))
					n_new++;
				hd_strv_push(&used, m);
			} else if (hd_strv_sorted_contains(&dangerous, m))
				adds_danger = true;
		}
		if (total > 1 && n_new > 0 && !adds_danger && n_used * GROUP_USED_DEN > total * GROUP_USED_NUM) {
			struct buf b = { 0 };
			bputf(&b, "%zu of its %zu calls seen: ", n_used, total);
			evidence(p, &used, &b);
			for (size_t i = 0; i < used.n; i++)
				hd_strv_push_unique(&covered, used.v[i]);
			r = b.oom ? -ENOMEM : add_line(s, "SystemCallFilter", g->name, "%s", b.s);
			free(b.s);
		}
		hd_strv_free(&members);
		hd_strv_free(&used);
		if (r < 0)
			goto out;
	}
	/* then single names: everything seen that is neither implicit nor covered by a group */
	for (size_t i = 0; i < seen.n; i++)
		if (!hd_strv_sorted_contains(&baseline, seen.v[i]) && !hd_strv_contains(&covered, seen.v[i]))
			hd_strv_push(&singles, seen.v[i]);
	if (singles.n) {
		struct buf names = { 0 }, b = { 0 };
		for (size_t i = 0; i < singles.n; i++)
			bputf(&names, "%s%s", i ? " " : "", singles.v[i]);
		bputf(&b, "seen, not worth a group: ");
		evidence(p, &singles, &b);
		r = names.oom || b.oom ? -ENOMEM : add_line(s, "SystemCallFilter", names.s, "%s", b.s);
		free(names.s);
		free(b.s);
		if (r < 0)
			goto out;
	}
	/* clone3 seen without clone: the drop-in's RestrictNamespaces= makes systemd answer every clone3
	 * ENOSYS (its flags sit in a struct seccomp cannot read), and glibc then creates the thread or
	 * process with clone, which must be allowed or the service fails where the learning run did not */
	if (hd_strv_sorted_contains(&seen, "clone3") && !hd_strv_sorted_contains(&seen, "clone") &&
	    !hd_strv_sorted_contains(&baseline, "clone") && !hd_strv_contains(&covered, "clone") &&
	    (r = add_line(s, "SystemCallFilter", "clone",
			  "clone3 was seen: under RestrictNamespaces= systemd answers it ENOSYS, so glibc falls back "
			  "to clone")) < 0)
		goto out;
	/* reachable but never seen (--widen=static): by name, before the fallbacks so that a later allow
	 * line cannot take a fallback's ENOSYS back */
	if (also_allow) {
		struct buf names = { 0 };
		size_t n = 0;
		for (size_t i = 0; i < also_allow->n; i++) {
			const char *m = also_allow->v[i];
			if (hd_strv_sorted_contains(&baseline, m) || hd_strv_sorted_contains(&seen, m) ||
			    hd_strv_contains(&covered, m))
				continue;
			bputf(&names, "%s%s", n++ ? " " : "", m);
		}
		if (n)
			r = names.oom ? -ENOMEM
				      : add_line(s, "SystemCallFilter", names.s,
						 "never seen, but the programs that ran can reach %s (their static evidence, "
						 "--widen=static)", n == 1 ? "it" : "them");
		free(names.s);
		if (r < 0)
			goto out;
	}
	/* fallback pairs: only the older call was seen -> the newer one says ENOSYS, glibc falls back */
	for (const struct hd_fallback_pair *f = hd_fallback_pairs; f->newer; f++) {
		if (hd_strv_sorted_contains(&seen, f->newer) || !hd_strv_sorted_contains(&seen, f->older) ||
		    hd_strv_sorted_contains(&baseline, f->newer) || hd_syscall_nr(f->newer, native, NULL) == HD_NR_NONE)
			continue;
		char val[64];
		snprintf(val, sizeof(val), "~%s:ENOSYS", f->newer);
		if ((r = add_line(s, "SystemCallFilter", val,
				  "only %s was seen (%s never): ENOSYS makes glibc fall back instead of failing", f->older,
				  f->newer)) < 0)
			goto out;
	}
error_number:
	r = add_line(s, "SystemCallErrorNumber", "EPERM",
		     style == HD_SUGGEST_DENY ? "denied calls fail with EPERM instead of killing the service"
					      : "calls outside the list fail with EPERM instead of killing the service");
	if (r < 0)
		goto out;
	if (!hd_profile_saw_other_arch(p, native))
		r = add_line(s, "SystemCallArchitectures", "native", "only %s calls were seen",
			     hd_arch_info(native)->name);
	else {
		struct buf v = { 0 }, b = { 0 };
		bputf(&v, "native");
		bputf(&b, "calls seen on:");
		for (int i = 0; i < HD_PROFILE_ABIS; i++)
			if (p->abis[i].arch != HD_ARCH_INVALID && (p->abis[i].n || p->abis[i].n_unknown)) {
				if (p->abis[i].arch != native)
					bputf(&v, " %s", hd_arch_info(p->abis[i].arch)->name);
				bputf(&b, " %s (%zu distinct)", hd_arch_info(p->abis[i].arch)->name, p->abis[i].n);
			}
		r = v.oom || b.oom ? -ENOMEM : add_line(s, "SystemCallArchitectures", v.s, "%s", b.s);
		free(v.s);
		free(b.s);
	}
out:
	hd_strv_free(&seen);
	hd_strv_free(&baseline);
	hd_strv_free(&dangerous);
	hd_strv_free(&covered);
	hd_strv_free(&singles);
	return r;
}

/* ---- the other settings: one rule each ---- */

struct ctx {
	const struct hd_profile *p;
	int sdver;
	struct hd_suggestion *s;
	const struct hd_suggest_options *o;
};

static bool any_prefix(const hd_strv *paths, const char *const *prefixes)
{
	for (size_t i = 0; i < paths->n; i++)
		for (const char *const *pr = prefixes; *pr; pr++) {
			size_t n = strlen(*pr);
			if (strncmp(paths->v[i], *pr, n) == 0 && (paths->v[i][n] == 0 || paths->v[i][n] == '/'))
				return true;
		}
	return false;
}

static const char *first_with_prefix(const hd_strv *paths, const char *const *prefixes)
{
	for (size_t i = 0; i < paths->n; i++)
		for (const char *const *pr = prefixes; *pr; pr++) {
			size_t n = strlen(*pr);
			if (strncmp(paths->v[i], *pr, n) == 0 && (paths->v[i][n] == 0 || paths->v[i][n] == '/'))
				return paths->v[i];
		}
	return NULL;
}

static bool saw_group(const struct ctx *c, const char *group, const char **which)
{
	hd_strv m = { 0 };
	bool seen = false;
	if (expand_named(group, c->sdver, &m) == 0)
		for (size_t i = 0; i < m.n && !seen; i++)
			if (hd_profile_saw(c->p, m.v[i])) {
				static _Thread_local char name[64];
				seen = true;
				snprintf(name, sizeof(name), "%s", m.v[i]);
				if (which)
					*which = name;
			}
	hd_strv_free(&m);
	return seen;
}

static int left_out(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int left_out(struct ctx *c, const char *fmt, ...)
{
	char *t = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&t, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	r = hd_strv_push(&c->s->left_out, t);
	free(t);
	return r;
}

static const char *const home_prefixes[] = { "/home", "/root", "/run/user", NULL };
static const char *const tmp_prefixes[] = { "/tmp", "/var/tmp", NULL };
static const char *const api_prefixes[] = { "/dev", "/proc", "/sys", NULL };
static const char *const tunable_prefixes[] = { "/proc/sys", "/sys", "/proc/sysrq-trigger", NULL };
static const char *const cgroup_prefixes[] = { "/sys/fs/cgroup", NULL };
static const char *const module_prefixes[] = { "/usr/lib/modules", "/lib/modules", NULL };
static const char *const kmsg_prefixes[] = { "/proc/kmsg", "/dev/kmsg", NULL };
static const char *const rtc_prefixes[] = { "/dev/rtc", "/dev/rtc0", "/dev/rtc1", NULL };
/* The device nodes PrivateDevices= keeps in its private /dev. */
static const char *const private_dev_nodes[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random",
						 "/dev/urandom", "/dev/tty", "/dev/ptmx", NULL };

static int rule_no_new_privileges(struct ctx *c)
{
	if (c->p->setuid_execs.n)
		return left_out(c, "NoNewPrivileges: an exec gained privileges (set-uid/set-gid or file capabilities): %s",
				c->p->setuid_execs.v[0]);
	return add_line(c->s, "NoNewPrivileges", "yes", "no exec gained privileges (set-uid/set-gid, file capabilities)");
}

static int rule_address_families(struct ctx *c)
{
	struct buf v = { 0 };
	for (int af = 0; af < 64; af++)
		if (c->p->families & (1ULL << af)) {
			const char *n = hd_af_name(af);
			if (!n) {
				free(v.s);
				return left_out(c, "RestrictAddressFamilies: family %d was used and has no name", af);
			}
			bputf(&v, "%s%s", v.n ? " " : "", n);
		}
	int r;
	/* ABIs that multiplex socket() through socketcall(): systemd installs no family filter there */
	const char *compat_note = "";
	for (int i = 0; i < HD_PROFILE_ABIS; i++) {
		const struct hd_arch_info *ai = hd_arch_info(c->p->abis[i].arch);
		if (ai && ai->has_socketcall &&
		    (hd_profile_syscall_count(c->p, c->p->abis[i].arch, "socket") ||
		     hd_profile_syscall_count(c->p, c->p->abis[i].arch, "socketcall")))
			compat_note = "; sockets were also made through a compat ABI, where systemd cannot filter "
				      "families (harden run refuses socket() there)";
	}
	if (!c->p->families)
		r = add_line(c->s, "RestrictAddressFamilies", "none", "no socket was created");
	else
		r = v.oom ? -ENOMEM
			  : add_line(c->s, "RestrictAddressFamilies", v.s, "socket families seen: %s%s", v.s,
				     compat_note);
	free(v.s);
	return r;
}

static int rule_private_network(struct ctx *c)
{
	if (c->p->families & ~(1ULL << AF_UNIX))
		return left_out(c, "PrivateNetwork: sockets other than AF_UNIX were created");
	return add_line(c->s, "PrivateNetwork", "yes",
			c->p->families ? "only AF_UNIX sockets were created (abstract-namespace sockets of the host "
					 "become unreachable)"
				       : "no socket was created");
}

static int rule_namespaces(struct ctx *c)
{
	if (!c->p->namespaces)
		return add_line(c->s, "RestrictNamespaces", "yes", "no namespace was created or joined");
	struct buf v = { 0 };
	for (const struct hd_namespace_flag *f = hd_namespace_flags; f->name; f++)
		if (c->p->namespaces & f->flag)
			bputf(&v, "%s%s", v.n ? " " : "", f->name);
	int r = v.oom ? -ENOMEM : add_line(c->s, "RestrictNamespaces", v.s, "namespaces asked for: %s", v.s);
	free(v.s);
	return r;
}

static int rule_mdwe(struct ctx *c)
{
	const struct hd_profile *p = c->p;
	if (p->write_exec_mappings || p->exec_mprotects || p->shmat_exec)
		return left_out(c, "MemoryDenyWriteExecute: %" PRIu64 " writable+executable mappings, %" PRIu64
				   " mprotect(PROT_EXEC), %" PRIu64 " shmat(SHM_EXEC) seen (a JIT?)",
				p->write_exec_mappings, p->exec_mprotects, p->shmat_exec);
	return add_line(c->s, "MemoryDenyWriteExecute", "yes",
			"no writable+executable mapping, no mprotect(PROT_EXEC), no shmat(SHM_EXEC)");
}

static int rule_lock_personality(struct ctx *c)
{
	for (size_t i = 0; i < c->p->n_personalities; i++)
		if (c->p->personalities[i] != 0)
			return left_out(c, "LockPersonality: personality(0x%lx) was called", c->p->personalities[i]);
	return add_line(c->s, "LockPersonality", "yes",
			c->p->n_personalities ? "personality() only set PER_LINUX" : "personality() never changed");
}

static int rule_realtime(struct ctx *c)
{
	/* what systemd's filter refuses: FIFO (1), RR (2), 4, and everything above SCHED_IDLE (5) */
	uint32_t rt = (1u << 1) | (1u << 2) | (1u << 4) | ~((1u << 6) - 1);
	if (c->p->sched_policies & rt)
		return left_out(c, "RestrictRealtime: a realtime scheduling policy was requested");
	return add_line(c->s, "RestrictRealtime", "yes", "no realtime scheduling policy was requested");
}

static int rule_suid(struct ctx *c)
{
	if (c->p->n_suid_sgid_modes)
		return left_out(c, "RestrictSUIDSGID: a file mode with set-uid/set-gid (%04o) was set",
				c->p->suid_sgid_modes[0]);
	return add_line(c->s, "RestrictSUIDSGID", "yes", "no file was given a set-uid/set-gid mode");
}

/* path is /tmp or /var/tmp itself, or under something the program created there itself */
static bool tmp_own(const struct hd_profile *p, const char *path)
{
	if (strcmp(path, "/tmp") == 0 || strcmp(path, "/var/tmp") == 0)
		return true;
	for (size_t i = 0; i < p->tmp_created.n; i++) {
		size_t n = strlen(p->tmp_created.v[i]);
		if (strncmp(path, p->tmp_created.v[i], n) == 0 && (path[n] == 0 || path[n] == '/'))
			return true;
	}
	return false;
}

/* The first path of paths under /tmp or /var/tmp that is not the program's own, or NULL. */
static const char *tmp_shared(const struct hd_profile *p, const hd_strv *paths)
{
	for (size_t i = 0; i < paths->n; i++) {
		hd_strv one = { .v = &paths->v[i], .n = 1 };
		if (any_prefix(&one, tmp_prefixes) && !tmp_own(p, paths->v[i]))
			return paths->v[i];
	}
	return NULL;
}

/* A private /tmp is empty at start and gone at stop: it breaks a program that uses files others put there
 * or that others read after it. When the recorder watched what the program created there (tmp_created),
 * files it created itself and used while it ran need no shared /tmp; else any use of /tmp counts. */
static int rule_private_tmp(struct ctx *c)
{
	const struct hd_profile *p = c->p;
	/* a program run from there is used too: a private /tmp would not have it */
	const char *x = first_with_prefix(&p->executables, tmp_prefixes);
	if (x)
		return left_out(c, "PrivateTmp: files in the shared /tmp or /var/tmp were used (%s: a program run "
				   "from there)", x);
	if (p->observed & HD_OBSERVED_TMP) {
		const char *t = tmp_shared(p, &p->paths_read);
		if (!t)
			t = tmp_shared(p, &p->paths_written);
		if (t)
			return left_out(c, "PrivateTmp: a file in the shared /tmp or /var/tmp that the program did not "
					   "create was used (%s)", t);
		const char *own = first_with_prefix(&p->paths_read, tmp_prefixes);
		if (!own)
			own = first_with_prefix(&p->paths_written, tmp_prefixes);
		if (own)
			return add_line(c->s, "PrivateTmp", "yes",
					"/tmp and /var/tmp were used only for files the program created itself (%zu, e.g. "
					"%s): a private /tmp holds them as well", p->tmp_created.n,
					p->tmp_created.n ? p->tmp_created.v[0] : own);
		return add_line(c->s, "PrivateTmp", "yes", "nothing under /tmp or /var/tmp was used");
	}
	const char *t = first_with_prefix(&p->paths_read, tmp_prefixes);
	if (!t)
		t = first_with_prefix(&p->paths_written, tmp_prefixes);
	if (t)
		return left_out(c, "PrivateTmp: files in the shared /tmp or /var/tmp were used (%s)", t);
	return add_line(c->s, "PrivateTmp", "yes", "nothing under /tmp or /var/tmp was used");
}

/* The nearest ancestor of path that can be written into a unit file exactly (hd_unit_path_unwritable);
 * "/" at worst, and for a path that is not absolute (a profile may hold anything): where it was is not
 * known. A new string, or NULL (out of memory). */
static char *writable_ancestor(const char *path)
{
	if (path[0] != '/')
		return strdup("/");
	char *a = strdup(path);
	while (a && hd_unit_path_unwritable(a)) {
		char *slash = strrchr(a, '/');
		if (slash == a) {
			a[1] = '\0';
			break;
		}
		*slash = '\0';
	}
	return a;
}

/* Directories ProtectSystem= makes read-only as a whole (strict: all but the API file systems; full and yes:
 * /usr, /boot, /efi and /etc). ReadWritePaths= naming one of them would void the setting while the exposure
 * score still credits it: such a write set leaves ProtectSystem= out instead. */
static const char *const system_roots[] = { "/", "/usr", "/etc", "/var", "/boot", "/efi", NULL };

/* ReadWritePaths: written paths outside the API file systems, minus those under another listed path.
 * A path that cannot be written into a unit file exactly (a newline or another control byte, invalid
 * UTF-8, "..": whatever a traced program chose) is never written as it is: its nearest ancestor that can
 * be is listed instead, and that is said. */
static int rule_protect_system(struct ctx *c)
{
	hd_strv rw = { 0 };
	int r = 0;
	for (size_t i = 0; i < c->p->paths_written.n; i++) {
		const char *w = c->p->paths_written.v[i];
		hd_strv one = { .v = (char **)&w, .n = 1 };
		if (any_prefix(&one, api_prefixes))
			continue;
		/* the entry: the path itself, or the nearest ancestor that can be written exactly */
		const char *why = hd_unit_path_unwritable(w);
		char *entry = why ? writable_ancestor(w) : strdup(w), *shown = NULL;
		if (!entry) {
			r = -ENOMEM;
			goto out;
		}
		if (why && ((r = hd_unit_printable(w, &shown)) < 0 ||
			    (r = left_out(c, "ReadWritePaths: a written path %s, so it is not listed; its directory %s "
					     "is, in its place: %s", why, entry, shown)) < 0)) {
			free(entry);
			free(shown);
			goto out;
		}
		free(shown);
		if (in_list(system_roots, entry)) {
			r = left_out(c, "ProtectSystem: %s was written as a whole (ReadWritePaths=%s would leave "
					"ProtectSystem= nothing to protect)", entry, entry);
			free(entry);
			goto out;
		}
		r = hd_strv_push_unique(&rw, entry);
		free(entry);
		if (r < 0)
			goto out;
	}
	hd_strv_sort(&rw);
	struct buf v = { 0 };
	const char *prev = NULL;
	for (size_t i = 0; i < rw.n; i++) {
		size_t n = prev ? strlen(prev) : 0;
		if (prev && strncmp(rw.v[i], prev, n) == 0 && (rw.v[i][n] == '/' || n == 1))
			continue; /* covered by its ancestor */
		char *word = NULL;
		if ((r = hd_unit_quote_path(rw.v[i], &word)) < 0) /* every path here passed the check above */
			goto out_v;
		bputf(&v, "%s%s", v.n ? " " : "", word);
		free(word);
		prev = rw.v[i];
	}
	r = add_line(c->s, "ProtectSystem", "strict",
		     rw.n ? "writes were seen only in the paths of ReadWritePaths= below" : "nothing was written");
	if (r == 0 && rw.n)
		r = v.oom ? -ENOMEM : add_line(c->s, "ReadWritePaths", v.s, "written: %zu path(s)", rw.n);
out_v:
	free(v.s);
out:
	hd_strv_free(&rw);
	return r;
}

static int rule_protect_home(struct ctx *c)
{
	const char *w = first_with_prefix(&c->p->paths_written, home_prefixes);
	const char *rd = first_with_prefix(&c->p->paths_read, home_prefixes);
	if (!rd) /* a program run from a home directory reads it: ProtectHome=yes would hide it */
		rd = first_with_prefix(&c->p->executables, home_prefixes);
	if (w)
		return left_out(c, "ProtectHome: home directories were written (%s)", w);
	if (rd)
		return add_line(c->s, "ProtectHome", "read-only", "home directories were only read (%s)", rd);
	return add_line(c->s, "ProtectHome", "yes", "nothing under /home, /root or /run/user was used");
}

static int rule_private_devices(struct ctx *c)
{
	if (c->p->device_nodes_made.n)
		return left_out(c, "PrivateDevices: device node %s was made (PrivateDevices= takes CAP_MKNOD away)",
				c->p->device_nodes_made.v[0]);
	for (size_t i = 0; i < c->p->devices.n; i++)
		if (!in_list(private_dev_nodes, c->p->devices.v[i]))
			return left_out(c, "PrivateDevices: device %s was opened", c->p->devices.v[i]);
	const char *which = NULL;
	if (saw_group(c, "@raw-io", &which))
		return left_out(c, "PrivateDevices: raw I/O call %s was made", which);
	return add_line(c->s, "PrivateDevices", "yes",
			c->p->devices.n ? "only pseudo devices (null, zero, random, tty...) were opened"
					: "no device node was opened");
}

static int rule_kernel_tunables(struct ctx *c)
{
	const char *w = first_with_prefix(&c->p->paths_written, tunable_prefixes);
	if (w)
		return left_out(c, "ProtectKernelTunables: %s was written", w);
	if (hd_profile_saw(c->p, "_sysctl"))
		return left_out(c, "ProtectKernelTunables: _sysctl was called");
	return add_line(c->s, "ProtectKernelTunables", "yes", "nothing under /proc/sys or /sys was written");
}

static int rule_kernel_modules(struct ctx *c)
{
	const char *which = NULL;
	if (saw_group(c, "@module", &which))
		return left_out(c, "ProtectKernelModules: %s was called", which);
	const char *rd = first_with_prefix(&c->p->paths_read, module_prefixes);
	if (rd)
		return left_out(c, "ProtectKernelModules: %s was read", rd);
	return add_line(c->s, "ProtectKernelModules", "yes", "no module call, nothing read under /usr/lib/modules");
}

static int rule_kernel_logs(struct ctx *c)
{
	if (hd_profile_saw(c->p, "syslog"))
		return left_out(c, "ProtectKernelLogs: syslog(2) was called");
	const char *k = first_with_prefix(&c->p->devices, kmsg_prefixes);
	if (!k)
		k = first_with_prefix(&c->p->paths_read, kmsg_prefixes);
	if (k)
		return left_out(c, "ProtectKernelLogs: %s was opened", k);
	return add_line(c->s, "ProtectKernelLogs", "yes", "no syslog(2), /dev/kmsg or /proc/kmsg");
}

static int rule_clock(struct ctx *c)
{
	const char *which = NULL;
	if (saw_group(c, "@clock", &which))
		return left_out(c, "ProtectClock: %s was called", which);
	const char *d = first_with_prefix(&c->p->devices, rtc_prefixes);
	if (d)
		return left_out(c, "ProtectClock: %s was opened", d);
	if (c->p->alarm_clock_calls)
		return left_out(c, "ProtectClock: %" PRIu64 " timer(s) on an alarm clock (CLOCK_*_ALARM needs "
				   "CAP_WAKE_ALARM, which ProtectClock= takes away)", c->p->alarm_clock_calls);
	return add_line(c->s, "ProtectClock", "yes", "no clock-setting call, no /dev/rtc");
}

static int rule_cgroups(struct ctx *c)
{
	const char *w = first_with_prefix(&c->p->paths_written, cgroup_prefixes);
	if (w)
		return left_out(c, "ProtectControlGroups: %s was written", w);
	return add_line(c->s, "ProtectControlGroups", "yes", "nothing under /sys/fs/cgroup was written");
}

static int rule_hostname(struct ctx *c)
{
	if (hd_profile_saw(c->p, "sethostname") || hd_profile_saw(c->p, "setdomainname"))
		return left_out(c, "ProtectHostname: the host or domain name was set");
	return add_line(c->s, "ProtectHostname", "yes", "sethostname/setdomainname never called");
}

/* Capabilities. The bounding set is what a program can ever hold, so it is learned from the capabilities
 * the program asked the kernel for: exactly where the backend watched the kernel's own checks (eBPF on
 * cap_capable), else inferred from calls and their context (observe.c, cap_rules), which the comment says.
 * Each capability kept names its first use; a capability asked for but refused was done without, and is
 * not kept. A program that held none needs none. An exec that gained privileges is left alone: the
 * bounding set limits what a set-uid-root or file-capability program gains, and no run showed what that
 * program needs once privileged. A profile from before capability learning says nothing about them. */
static int rule_capabilities(struct ctx *c)
{
	const struct hd_profile *p = c->p;
	if (p->setuid_execs.n)
		return left_out(c, "CapabilityBoundingSet: an exec gained privileges (%s), and the bounding set "
				   "limits what it gains", p->setuid_execs.v[0]);
	if (p->cap_effective_known && p->cap_effective == 0 && p->cap_permitted_known && p->cap_permitted == 0)
		return add_line(c->s, "CapabilityBoundingSet", "",
				"the program held no capability (effective and permitted sets empty at every exec)");
	if (p->caps_source == HD_CAPS_UNKNOWN) {
		const char *why = !p->cap_effective_known || !p->cap_permitted_known ? "unknown"
				  : p->cap_effective ? "e.g. as root"
						     : "in its permitted set";
		return left_out(c, "CapabilityBoundingSet: the program held capabilities (%s), and the profile has no "
				   "record of which it used (made before capability learning), so none are dropped", why);
	}
	bool inferred = p->caps_source == HD_CAPS_INFERRED;
	uint64_t used = hd_profile_caps_used(p);
	/* an inferred need the program never held: the kernel refused the call, and the program did without
	 * (a checked one is granted only when held) */
	uint64_t unheld = inferred && p->cap_effective_known && p->cap_permitted_known
				  ? used & ~(p->cap_effective | p->cap_permitted)
				  : 0;
	used &= ~unheld;
	struct buf value = { 0 }, why = { 0 };
	if (inferred)
		bputf(&why, "INFERRED from calls and their context (the kernel's capability checks were not watched: "
			    "the ptrace backend, or no eBPF on cap_capable); a use no rule covers is missing here, "
			    "learn --verify tries the line\n");
	else
		bputf(&why, "the capabilities the kernel checked for and granted (eBPF on cap_capable)\n");
	for (int i = 0; i < 64; i++) {
		if (!(used & HD_CAP_BIT(i)))
			continue;
		const char *name = hd_capability_name(i);
		if (!name) { /* newer than systemd 252's names: the set cannot be written without it */
			free(value.s);
			free(why.s);
			return left_out(c, "CapabilityBoundingSet: capability %d was used and systemd 252 has no name "
					   "for it", i);
		}
		bputf(&value, "%s%s", value.n ? " " : "", name);
		bputf(&why, "%s: %s\n", name, p->caps[i].evidence ? p->caps[i].evidence : "(no evidence kept)");
	}
	if (!used)
		bputf(&why, "none was asked for, although the program held capabilities");
	int r = value.oom || why.oom ? -ENOMEM : 0;
	if (r == 0) {
		/* trailing newline of the last evidence line: the comment ends there */
		if (why.n && why.s[why.n - 1] == '\n')
			why.s[--why.n] = 0;
		r = add_line(c->s, "CapabilityBoundingSet", value.s ? value.s : "", "%s", why.s);
	}
	free(value.s);
	free(why.s);
	/* A service that ran as a non-root user (User=) held capabilities only through AmbientCapabilities=
	 * (file capabilities would have made its exec gain privileges, above). systemd refuses to start a
	 * service whose ambient capability the bounding set took away, so the ambient set is reset and
	 * narrowed to what was used. */
	uint64_t held_all = p->cap_effective | p->cap_permitted;
	if (r == 0 && p->uids.n && !hd_strv_contains(&p->uids, "0") && held_all) {
		struct buf amb = { 0 };
		for (int i = 0; i <= HD_CAP_LAST; i++)
			if (used & held_all & HD_CAP_BIT(i))
				bputf(&amb, "%s%s", amb.n ? " " : "", hd_capability_name(i));
		r = amb.oom ? -ENOMEM
			    : add_line(c->s, "AmbientCapabilities", "",
				       "the service ran as a non-root user (uid %s) and held capabilities only through "
				       "AmbientCapabilities=: reset, since one the bounding set drops would keep it from "
				       "starting", p->uids.v[0]);
		if (r == 0 && amb.n)
			r = add_line(c->s, "AmbientCapabilities", amb.s,
				     "raised for the non-root user: the ones it used (see CapabilityBoundingSet=)");
		free(amb.s);
	}
	/* refused checks and held capabilities that were never asked for: said, so a reader sees what went */
	for (int i = 0; r == 0 && i < 64; i++) {
		const char *name = hd_capability_name(i);
		if (!name || (used & HD_CAP_BIT(i)))
			continue;
		if (p->caps[i].denied || (unheld & HD_CAP_BIT(i)))
			r = left_out(c, "CapabilityBoundingSet: %s was asked for and refused (%s): the program did "
					"without it", name, p->caps[i].evidence ? p->caps[i].evidence : "no evidence");
	}
	uint64_t held = (p->cap_effective | p->cap_permitted) & ~used;
	if (r == 0 && held) {
		struct buf names = { 0 };
		int n = 0;
		for (int i = 0; i <= HD_CAP_LAST; i++)
			if (held & HD_CAP_BIT(i)) {
				const char *name = hd_capability_name(i);
				bputf(&names, "%s%s", n++ ? " " : "", name);
			}
		r = names.oom ? -ENOMEM
			      : left_out(c, "CapabilityBoundingSet: %d capabilities held but never used, so dropped: %s", n,
					 names.s ? names.s : "");
		free(names.s);
	}
	return r;
}

/* Calls that mount or unmount. Made in the host's mount namespace they are meant for the host, and a unit
 * with a mount namespace of its own keeps them from propagating there (systemd makes the unit's
 * namespace a follower of the host's, never the other way). */
static const char *const host_mount_calls[] = { "mount", "umount", "umount2", "move_mount", "fsmount",
						"mount_setattr", NULL };

/* The call by which the program mounted or unmounted without making a mount namespace of its own first,
 * or NULL. After unshare(CLONE_NEWNS) or the like its mounts are private anyway. */
static const char *mounts_for_host(const struct hd_profile *p)
{
	if (p->namespaces & CLONE_NEWNS)
		return NULL;
	for (const char *const *n = host_mount_calls; *n; n++)
		if (hd_profile_saw(p, *n))
			return *n;
	return NULL;
}


/* ---- learned from the records of "observed" (older profiles lack them: nothing is concluded) ---- */

static bool proc_pid_name(const char *n)
{
	return strcmp(n, "self") == 0 || strcmp(n, "pid") == 0 || strcmp(n, ".") == 0;
}

/* ProtectProc=invisible hides the processes the service may not ptrace (other users'), in listings and by
 * pid: safe when it looked at no process but its own. */
static int rule_protect_proc(struct ctx *c)
{
	const struct hd_profile *p = c->p;
	if (!(p->observed & HD_OBSERVED_PROC))
		return left_out(c, "ProtectProc: the profile has no record of the /proc paths used (made before they "
				   "were recorded)");
	if (hd_strv_contains(&p->proc_read, "pid"))
		return left_out(c, "ProtectProc: another process's /proc/PID was opened (invisible hides other "
				   "users' processes)");
	if (hd_strv_contains(&p->proc_read, "."))
		return left_out(c, "ProtectProc: /proc itself was listed (invisible hides other users' processes "
				   "from the listing)");
	return add_line(c->s, "ProtectProc", "invisible",
			hd_strv_contains(&p->proc_read, "self")
				? "under /proc only the program's own process directories were opened (/proc/self)"
				: "no process directory under /proc was opened");
}

/* ProcSubset=pid leaves only the process directories in /proc: everything else (cpuinfo, meminfo, stat,
 * sys, net, filesystems, ...) is gone. */
static int rule_proc_subset(struct ctx *c)
{
	const struct hd_profile *p = c->p;
	if (!(p->observed & HD_OBSERVED_PROC))
		return left_out(c, "ProcSubset: the profile has no record of the /proc paths used (made before they "
				   "were recorded)");
	struct buf other = { 0 };
	size_t n = 0;
	for (size_t i = 0; i < p->proc_read.n; i++)
		if (!proc_pid_name(p->proc_read.v[i]) && n++ < 8)
			bputf(&other, "%s/proc/%s", n > 1 ? ", " : "", p->proc_read.v[i]);
	if (other.oom)
		return -ENOMEM;
	int r;
	if (n)
		r = left_out(c, "ProcSubset: %s%s opened (pid would hide all but the process directories)", other.s,
			     n > 8 ? ", ..." : n > 1 ? " were" : " was");
	else
		r = add_line(c->s, "ProcSubset", "pid",
			     p->proc_read.n ? "only process directories were opened under /proc"
					    : "nothing under /proc was opened");
	free(other.s);
	return r;
}

/* The nodes DevicePolicy=closed allows by itself (systemd's static list), and the ones that name the
 * program's own descriptors (whatever device is behind them is the one it was given, not opened). */
static const char *const closed_dev_nodes[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
						"/dev/tty", "/dev/ptmx", "/dev/stdin", "/dev/stdout", "/dev/stderr", NULL };

/* A device path harden writes into DeviceAllow= as it is: systemd splits the value at white space and
 * expands % specifiers, so only plain names qualify. */
static bool plain_dev_path(const char *d)
{
	if (strncmp(d, "/dev/", 5) != 0)
		return false;
	for (const char *q = d; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
		      strchr("/_.:+-", *q)))
			return false;
	return true;
}

/* DevicePolicy=closed with a DeviceAllow= per device opened, with the access it was opened for (read-only
 * or written); the pseudo devices and the pty slaves closed allows by itself. mknod is refused by the
 * device policy too (no "m" is granted), so a program that made device nodes leaves it out. */
static int rule_device_policy(struct ctx *c)
{
	const struct hd_profile *p = c->p;
	if (p->device_nodes_made.n)
		return left_out(c, "DevicePolicy: device node %s was made (the device policy refuses mknod)",
				p->device_nodes_made.v[0]);
	bool access_known = p->observed & HD_OBSERVED_DEV_ACCESS;
	size_t extra = 0;
	for (size_t i = 0; i < p->devices.n; i++) {
		const char *d = p->devices.v[i];
		if (in_list(closed_dev_nodes, d) || strncmp(d, "/dev/pts/", 9) == 0 || strncmp(d, "/dev/fd/", 8) == 0)
			continue;
		if (!plain_dev_path(d))
			return left_out(c, "DevicePolicy: device %s was opened, and its name cannot be written into "
					   "DeviceAllow= as it is", d);
		extra++;
	}
	int r = add_line(c->s, "DevicePolicy", "closed",
			 extra ? "only the devices of DeviceAllow= below and the pseudo devices were opened"
			       : p->devices.n ? "only pseudo devices (null, zero, random, tty, pts...) were opened"
					      : "no device node was opened");
	for (size_t i = 0; r == 0 && i < p->devices.n; i++) {
		const char *d = p->devices.v[i];
		if (in_list(closed_dev_nodes, d) || strncmp(d, "/dev/pts/", 9) == 0 || strncmp(d, "/dev/fd/", 8) == 0)
			continue;
		bool ro = access_known && hd_strv_contains(&p->devices_readonly, d);
		char val[PATH_MAX + 8];
		snprintf(val, sizeof(val), "%s %s", d, ro ? "r" : "rw");
		r = add_line(c->s, "DeviceAllow", val, "%s",
			     !access_known ? "opened (the profile has no record of the access: read and write)"
			     : ro	   ? "opened read-only"
					   : "opened for writing");
	}
	return r;
}

/* The umask is taken off the mode a program asks for when it creates a file, directory, FIFO or socket.
 * The tightest one that still gives every mode seen: per class (group, others), the bits no created mode
 * had are masked; where a class keeps read access it keeps search too, which is only granted where the
 * program asked for it (directories, scripts), and a directory readable without search is of no use. So
 * 0600/0700 give 0077, 0640/0750 0027, 0644/0755 0022. */
static int rule_umask(struct ctx *c)
{
	const struct hd_profile *p = c->p;
	if (!(p->observed & HD_OBSERVED_MODES))
		return left_out(c, "UMask: the profile has no record of the modes files were created with (made "
				   "before they were recorded)");
	unsigned seen = 0, n = 0;
	struct buf ex = { 0 };
	for (unsigned m = 0; m < 512; m++)
		if (p->created_modes[m / 64] & (1ULL << (m % 64))) {
			seen |= m;
			if (n++ < 6)
				bputf(&ex, "%s%04o", n > 1 ? " " : "", m);
		}
	if (ex.oom)
		return -ENOMEM;
	unsigned mask = 0;
	for (int shift = 3; shift >= 0; shift -= 3) {
		unsigned cls = (seen >> shift) & 7, m = 7 & ~cls;
		if (cls & 4)
			m &= ~1u;
		mask |= m << shift;
	}
	int r;
	char val[8];
	snprintf(val, sizeof(val), "%04o", mask);
	if ((mask & 0022) != 0022)
		r = left_out(c, "UMask: files were created writable by group or others (modes %s%s): a umask that "
				"gives them is looser than systemd's 0022", ex.s, n > 6 ? " ..." : "");
	else if (!n)
		r = add_line(c->s, "UMask", val, "nothing was created with a mode of its own: no mode to keep");
	else
		r = add_line(c->s, "UMask", val, "the tightest umask that gives every mode created (%s%s; the "
				 "caller's umask taken off)", ex.s, n > 6 ? " ..." : "");
	free(ex.s);
	return r;
}

static int rule_private_mounts(struct ctx *c)
{
	/* mounts made for the host are left out by the table (mounts_for_host); the rest were made in a
	 * mount namespace of the program's own, which PrivateMounts= does not change */
	const char *which = NULL;
	for (const char *const *n = host_mount_calls; *n && !which; n++)
		if (hd_profile_saw(c->p, *n))
			which = *n;
	if (which)
		return add_line(c->s, "PrivateMounts", "yes",
				"mounts (%s) were made only in a mount namespace of the program's own", which);
	return add_line(c->s, "PrivateMounts", "yes", "no mount or umount call was made");
}

/* RemoveIPC= removes, when the service's user has no process left, the System V IPC objects (shared
 * memory, semaphores, message queues) and POSIX message queues and shared memory (/dev/shm) that user
 * owns: it breaks a service that leaves them for another program or its own next start. */
static int rule_remove_ipc(struct ctx *c)
{
	static const char *const ipc_calls[] = { "shmget", "semget", "msgget", "mq_open", "ipc", NULL };
	static const char *const shm_prefixes[] = { "/dev/shm", "/dev/mqueue", NULL };
	for (const char *const *n = ipc_calls; *n; n++)
		if (hd_profile_saw(c->p, *n))
			return left_out(c, "RemoveIPC: %s was called (System V IPC or a POSIX message queue, which "
					   "RemoveIPC= removes when the service's user has no process left)", *n);
	const char *shm = first_with_prefix(&c->p->paths_written, shm_prefixes);
	if (!shm)
		shm = first_with_prefix(&c->p->paths_read, shm_prefixes);
	if (shm)
		return left_out(c, "RemoveIPC: POSIX shared memory was used (%s), which RemoveIPC= removes", shm);
	/* every line written is tried by harden run, and this one acts only once the service's user has no
	 * process left: nothing harden run can try */
	return left_out(c, "RemoveIPC: no System V IPC, POSIX message queue or shared memory in /dev/shm was used, "
			   "so RemoveIPC=yes would likely hold; not written: it acts only once the service's user has no "
			   "process left, which harden run cannot try");
}

static bool loopback_addr(const char *a)
{
	return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 || strncmp(a, "[::1]:", 6) == 0;
}

/* An address as IPAddressAllow= reads it: digits, hex, '.', ':', '/' only (no names, no specifiers). */
static bool plain_ip(const char *a)
{
	if (!*a || strlen(a) > 64)
		return false;
	for (const char *q = a; *q; q++)
		if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') || (*q >= 'A' && *q <= 'F') ||
		      strchr(".:/", *q)))
			return false;
	return true;
}

/* IPAddressDeny=any + IPAddressAllow= (learn --ip-allow): the IP filter acts on both directions, so the
 * peers it connected or sent to and, for a socket it served on, its clients: on a loopback address those
 * are local ("localhost"); on any other address they are the deployment's, which only the caller can
 * name (ip_allow_extra), and without them the line is left out. */
static int rule_ip_address(struct ctx *c)
{
	const struct hd_profile *p = c->p;
	if (!c->o->ip_allow)
		return 0;
	if (!(p->observed & HD_OBSERVED_PEERS))
		return left_out(c, "IPAddressDeny: the profile has no record of the peers (made before they were "
				   "recorded)");
	const hd_strv *extra = c->o->ip_allow_extra;
	for (size_t i = 0; extra && i < extra->n; i++)
		if (!plain_ip(extra->v[i]) && strcmp(extra->v[i], "localhost") != 0 &&
		    strcmp(extra->v[i], "link-local") != 0 && strcmp(extra->v[i], "multicast") != 0)
			return left_out(c, "IPAddressDeny: \"%s\" (given) is not an address IPAddressAllow= reads", extra->v[i]);
	const char *wide = NULL;
	bool local = false;
	for (size_t i = 0; i < p->ip_served.n; i++) {
		if (loopback_addr(p->ip_served.v[i]))
			local = true;
		else if (!wide)
			wide = p->ip_served.v[i];
	}
	if (wide && !(extra && extra->n))
		return left_out(c, "IPAddressDeny: it served on %s, whose clients are the deployment's (name them: "
				   "learn --ip-allow=ADDRESS...)", wide);
	struct buf v = { 0 }, why = { 0 };
	hd_strv shown = { 0 };
	int r = 0;
	for (size_t i = 0; r >= 0 && i < p->ip_peers.n; i++) {
		const char *a = p->ip_peers.v[i];
		if (loopback_addr(a)) {
			local = true;
			continue;
		}
		if (!plain_ip(a) || strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0)
			continue;
		if ((r = hd_strv_push_unique(&shown, a)) < 0)
			break;
	}
	if (local && r >= 0)
		r = hd_strv_push_unique(&shown, "localhost");
	for (size_t i = 0; extra && r >= 0 && i < extra->n; i++)
		r = hd_strv_push_unique(&shown, extra->v[i]);
	for (size_t i = 0; i < shown.n; i++)
		bputf(&v, "%s%s", i ? " " : "", shown.v[i]);
	bputf(&why, "peers seen: %zu connected or sent to, %zu served on", p->ip_peers.n, p->ip_served.n);
	if (extra && extra->n)
		bputf(&why, ", and the addresses given to --ip-allow");
	if (r >= 0 && (v.oom || why.oom))
		r = -ENOMEM;
	if (r >= 0)
		r = add_line(c->s, "IPAddressDeny", "any", "every address not allowed below (learn --ip-allow)");
	if (r >= 0 && shown.n)
		r = add_line(c->s, "IPAddressAllow", v.s, "%s", why.s);
	free(v.s);
	free(why.s);
	hd_strv_free(&shown);
	return r < 0 ? r : 0;
}

/* A service that starts as root and switches to a user of its own (setuid after binding its ports) is
 * said so: User= with AmbientCapabilities= of the capabilities it used would start it without root, but
 * the program expects to start as root (it would fail its own setuid, chown and the like), so it is not
 * written. */
static int rule_dropped_root(struct ctx *c)
{
	const struct hd_profile *p = c->p;
	static const char *const id_calls[] = { "setuid", "setresuid", "setreuid", "setuid32", "setresuid32", NULL };
	const char *call = NULL;
	for (const char *const *n = id_calls; *n && !call; n++)
		if (hd_profile_saw(p, *n))
			call = *n;
	if (!call || !hd_strv_contains(&p->uids, "0"))
		return 0;
	/* the user it switched to: a uid a later exec ran with, else the one its CAP_SETUID evidence names
	 * ("setuid(65534) while uid 0": a forked worker that never executes is not in uids) */
	const char *to = NULL;
	char from_evidence[16];
	for (size_t i = 0; i < p->uids.n && !to; i++)
		if (strcmp(p->uids.v[i], "0") != 0)
			to = p->uids.v[i];
	const char *ev = p->caps[7].evidence ? strstr(p->caps[7].evidence, "uid(") : NULL; /* CAP_SETUID */
	if (!to && ev) {
		unsigned long u = strtoul(ev + 4, NULL, 10);
		if (u > 0 && u < 0xffffffffUL) {
			snprintf(from_evidence, sizeof(from_evidence), "%lu", u);
			to = from_evidence;
		}
	}
	if (!to)
		return 0;
	struct buf amb = { 0 };
	uint64_t used = hd_profile_caps_used(p);
	for (int i = 0; i <= HD_CAP_LAST; i++)
		if ((used & HD_CAP_BIT(i)) && i != 6 && i != 7 && hd_capability_name(i)) /* not CAP_SETGID/SETUID */
			bputf(&amb, "%s%s", amb.n ? " " : "", hd_capability_name(i));
	if (amb.oom)
		return -ENOMEM;
	int r = left_out(c, "User=: the service started as root and switched to uid %s itself (%s); the form "
			    "User=%s with AmbientCapabilities=%s would start it without root, but is not written: the "
			    "program expects to start as root", to, call, to, amb.s ? amb.s : "");
	if (r == 0 && !c->s->user_form) {
		c->s->user_form = strdup(to);
		c->s->user_ambient = strdup(amb.s ? amb.s : "");
		if (!c->s->user_form || !c->s->user_ambient)
			r = -ENOMEM;
	}
	free(amb.s);
	return r;
}

typedef int (*rule_fn)(struct ctx *);
/* In the order the drop-in lists them. mount_ns: the setting gives the unit a mount namespace of its own,
 * so it is left out when the program mounts for the host (mounts_for_host). */
static const struct {
	rule_fn fn;
	const char *mount_ns;
} setting_rules[] = {
	{ rule_no_new_privileges, NULL },
	{ rule_capabilities, NULL },
	{ rule_address_families, NULL },
	{ rule_private_network, NULL },
	{ rule_namespaces, NULL },
	{ rule_mdwe, NULL },
	{ rule_lock_personality, NULL },
	{ rule_realtime, NULL },
	{ rule_suid, NULL },
	{ rule_private_tmp, "PrivateTmp" },
	{ rule_protect_system, "ProtectSystem" },
	{ rule_protect_home, "ProtectHome" },
	{ rule_private_devices, "PrivateDevices" },
	{ rule_device_policy, NULL },
	{ rule_kernel_tunables, "ProtectKernelTunables" },
	{ rule_kernel_modules, "ProtectKernelModules" },
	{ rule_kernel_logs, "ProtectKernelLogs" },
	{ rule_clock, NULL },
	{ rule_cgroups, "ProtectControlGroups" },
	{ rule_hostname, NULL },
	{ rule_protect_proc, "ProtectProc" },
	{ rule_proc_subset, "ProcSubset" },
	{ rule_umask, NULL },
	{ rule_private_mounts, "PrivateMounts" },
	{ rule_remove_ipc, NULL },
	{ rule_ip_address, NULL },
	{ rule_dropped_root, NULL },
};

int hd_suggest(const struct hd_profile *p, const struct hd_suggest_options *o, struct hd_suggestion *out)
{
	memset(out, 0, sizeof(*out));
	struct ctx c = { p, o->sdver, out, o };
	int r = suggest_syscall_filter(p, o->sdver, o->also_allow, o->style, out);
	const char *mounted = mounts_for_host(p);
	for (size_t i = 0; r == 0 && i < sizeof(setting_rules) / sizeof(setting_rules[0]); i++)
		r = mounted && setting_rules[i].mount_ns
			    ? left_out(&c, "%s: %s was called outside a mount namespace of the program's own; the "
					   "unit's mount namespace would keep those mounts from the host",
				       setting_rules[i].mount_ns, mounted)
			    : setting_rules[i].fn(&c);
	if (r < 0)
		hd_suggestion_free(out);
	return r;
}

int hd_suggestion_settings(const struct hd_suggestion *s, hd_strv *out)
{
	for (size_t i = 0; i < s->n; i++) {
		int r = hd_strv_pushf(out, "%s=%s", s->v[i].key, s->v[i].value);
		if (r < 0)
			return r;
	}
	return 0;
}

/* text as comment lines (hd_unit_comment): whatever it holds, it never becomes a line systemd reads */
static void bput_comment(struct buf *b, const char *text)
{
	char *lines = NULL;
	if (hd_unit_comment(text, &lines) < 0) {
		b->oom = true;
		return;
	}
	bputf(b, "%s", lines);
	free(lines);
}

int hd_suggestion_to_dropin(const struct hd_suggestion *s, const char *header, const char *footer, char **out)
{
	*out = NULL;
	/* every value is a table's name or went through hd_unit_quote_path; one that did not would be a
	 * line harden did not mean to write: refuse the whole drop-in rather than write it */
	for (size_t i = 0; i < s->n; i++)
		if (!hd_unit_value_is_verbatim(s->v[i].key) || !hd_unit_value_is_verbatim(s->v[i].value))
			return -EINVAL;
	struct buf b = { 0 };
	if (header)
		bput_comment(&b, header);
	bputf(&b, "[Service]\n");
	for (size_t i = 0; i < s->n; i++) {
		bput_comment(&b, s->v[i].why);
		bputf(&b, "%s=%s\n", s->v[i].key, s->v[i].value);
	}
	if (s->left_out.n) {
		bputf(&b, "\n# Left out (the behaviour seen needs them, or they cannot be inferred):\n");
		for (size_t i = 0; i < s->left_out.n; i++)
			bput_comment(&b, s->left_out.v[i]);
	}
	if (footer) {
		bputf(&b, "\n");
		bput_comment(&b, footer);
	}
	if (b.oom || !b.s) {
		free(b.s);
		return -ENOMEM;
	}
	int r = hd_suggestion_reads_back(s, b.s);
	if (r < 0) {
		free(b.s);
		return r;
	}
	*out = b.s;
	return 0;
}

int hd_suggestion_reads_back(const struct hd_suggestion *s, const char *text)
{
	struct hd_unit u = { 0 };
	hd_diags diags = { 0 };
	int r = hd_unit_parse_text(&u, text, strlen(text), "drop-in", &diags);
	if (r == 0 && (u.n != s->n || diags.n))
		r = -EINVAL;
	for (size_t i = 0; r == 0 && i < s->n; i++)
		if (strcmp(u.v[i].section, "Service") != 0 || strcmp(u.v[i].key, s->v[i].key) != 0 ||
		    strcmp(u.v[i].value, s->v[i].value) != 0)
			r = -EINVAL;
	hd_unit_free(&u);
	hd_diags_free(&diags);
	return r < 0 ? (r == -ENOMEM ? r : -EINVAL) : 0;
}
