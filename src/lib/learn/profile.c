/* SPDX-License-Identifier: MIT */
/* Profiles: what a traced program did. Data structure, merge, and JSON in/out (schema in profile.h). */
#include "learn/profile.h"
#include "syscalls/nametables.h"
#include "unit/capability.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- name tables (data) ---- */

/* Policies of sched_setscheduler(2); numbering from the kernel's uapi sched.h. */
static const char *const sched_names[] = {
	[0] = "SCHED_OTHER", [1] = "SCHED_FIFO", [2] = "SCHED_RR", [3] = "SCHED_BATCH",
	[5] = "SCHED_IDLE", [6] = "SCHED_DEADLINE", [7] = "SCHED_EXT",
};

const char *hd_sched_policy_name(int policy)
{
	if (policy < 0 || (size_t)policy >= sizeof(sched_names) / sizeof(sched_names[0]))
		return NULL;
	return sched_names[policy];
}

int hd_sched_policy_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(sched_names) / sizeof(sched_names[0]); i++)
		if (sched_names[i] && strcmp(sched_names[i], name) == 0)
			return (int)i;
	return -1;
}

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
const struct hd_namespace_flag hd_namespace_flags[] = {
	{ "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC }, { "net", CLONE_NEWNET },
	{ "mnt", CLONE_NEWNS },        { "pid", CLONE_NEWPID }, { "user", CLONE_NEWUSER },
	{ "uts", CLONE_NEWUTS },       { "time", CLONE_NEWTIME }, { NULL, 0 },
};

/* "observed" names, by bit (HD_OBSERVED_*) */
static const char *const observed_names[] = { "proc", "modes", "peers", "tmp", "device_access", NULL };

static int observed_from_name(const char *name)
{
	for (int i = 0; observed_names[i]; i++)
		if (strcmp(observed_names[i], name) == 0)
			return i;
	return -1;
}

/* ---- the structure ---- */

void hd_profile_init(struct hd_profile *p)
{
	memset(p, 0, sizeof(*p));
	hd_arch abis[3];
	int n = hd_arch_native_abis(abis);
	for (int i = 0; i < HD_PROFILE_ABIS; i++)
		p->abis[i].arch = i < n ? abis[i] : HD_ARCH_INVALID;
}

void hd_profile_free(struct hd_profile *p)
{
	free(p->backend);
	hd_strv_free(&p->commands);
	for (int i = 0; i < HD_PROFILE_ABIS; i++) {
		for (size_t j = 0; j < p->abis[i].n; j++)
			free(p->abis[i].v[j].name);
		free(p->abis[i].v);
	}
	hd_strv_free(&p->setuid_execs);
	hd_strv_free(&p->executables);
	hd_strv_free(&p->paths_written);
	hd_strv_free(&p->paths_read);
	hd_strv_free(&p->devices);
	hd_strv_free(&p->device_nodes_made);
	hd_strv_free(&p->uids);
	hd_strv_free(&p->proc_read);
	hd_strv_free(&p->tmp_created);
	hd_strv_free(&p->devices_readonly);
	hd_strv_free(&p->devices_rw);
	hd_strv_free(&p->ip_peers);
	hd_strv_free(&p->ip_served);
	for (int i = 0; i < 64; i++)
		free(p->caps[i].evidence);
	for (size_t i = 0; i < p->n_failures; i++) {
		free(p->failures[i].path);
		free(p->failures[i].target);
		free(p->failures[i].call);
	}
	free(p->failures);
	hd_profile_init(p);
}

int hd_profile_add_cap(struct hd_profile *p, int cap, bool granted, const char *evidence)
{
	if (cap < 0 || cap >= 64)
		return -EINVAL;
	struct hd_profile_cap *c = &p->caps[cap];
	if (granted)
		c->granted = c->granted == UINT64_MAX ? UINT64_MAX : c->granted + 1;
	else
		c->denied = c->denied == UINT64_MAX ? UINT64_MAX : c->denied + 1;
	/* the evidence of a use that was granted is what justifies the capability: it replaces a denial's */
	if (evidence && (!c->evidence || (granted && c->granted == 1))) {
		char *e = strndup(evidence, HD_PROFILE_MAX_STR - 1);
		if (!e)
			return -ENOMEM;
		free(c->evidence);
		c->evidence = e;
	}
	return 0;
}

uint64_t hd_profile_caps_used(const struct hd_profile *p)
{
	uint64_t m = 0;
	for (int i = 0; i < 64; i++)
		if (p->caps[i].granted)
			m |= UINT64_C(1) << i;
	return m;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

int hd_profile_add_failure(struct hd_profile *p, const char *path, const char *target, const char *call, int err,
			   int tid, int tgid, const char *comm)
{
	for (size_t i = 0; i < p->n_failures; i++) {
		struct hd_profile_failure *f = &p->failures[i];
		if (f->err == err && strcmp(f->path, path) == 0 && strcmp(f->call, call) == 0 && same_str(f->target, target)) {
			if (f->count < INT64_MAX)
				f->count++;
			return 0;
		}
	}
	if (p->n_failures >= HD_PROFILE_MAX_FAILURES) {
		p->failures_dropped++;
		return 0;
	}
	if (p->n_failures == p->cap_failures) {
		size_t cap = p->cap_failures ? 2 * p->cap_failures : 16;
		struct hd_profile_failure *v = realloc(p->failures, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->failures = v;
		p->cap_failures = cap;
	}
	struct hd_profile_failure f = { .path = strdup(path), .target = target ? strdup(target) : NULL,
					.call = strdup(call), .err = err, .tid = tid, .tgid = tgid, .count = 1 };
	snprintf(f.comm, sizeof(f.comm), "%s", comm ? comm : "");
	if (!f.path || !f.call || (target && !f.target)) {
		free(f.path);
		free(f.target);
		free(f.call);
		return -ENOMEM;
	}
	p->failures[p->n_failures++] = f;
	return 0;
}

int hd_profile_add_net_failure(struct hd_profile *p, int family, const uint8_t *addr, unsigned port, const char *call,
			       int err, int tid, int tgid, const char *comm)
{
	char a[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 16];
	if ((family != AF_INET && family != AF_INET6) || !inet_ntop(family, addr, a, sizeof(a)))
		return -EINVAL;
	snprintf(text, sizeof(text), family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	/* the text is the key: never equal to a path, which is absolute */
	size_t before = p->n_failures;
	int r = hd_profile_add_failure(p, text, NULL, call, err, tid, tgid, comm);
	if (r == 0 && p->n_failures > before) {
		struct hd_profile_failure *f = &p->failures[p->n_failures - 1];
		f->family = family;
		memcpy(f->addr, addr, family == AF_INET ? 4 : 16);
		f->port = port;
	}
	return r;
}

static struct hd_profile_abi *abi_of(const struct hd_profile *p, hd_arch arch)
{
	for (int i = 0; i < HD_PROFILE_ABIS; i++)
		if (p->abis[i].arch == arch && arch != HD_ARCH_INVALID)
			return (struct hd_profile_abi *)&p->abis[i];
	return NULL;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t s = a + b;
	return s < a || s > INT64_MAX ? INT64_MAX : s;
}

int hd_profile_add_syscall(struct hd_profile *p, hd_arch arch, const char *name, uint64_t count)
{
	struct hd_profile_abi *a = abi_of(p, arch);
	if (!a)
		return -EINVAL;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, name) == 0) {
			a->v[i].count = sat_add(a->v[i].count, count);
			return 0;
		}
	if (a->n >= HD_PROFILE_MAX_LIST)
		return -E2BIG;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct hd_profile_syscall *v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	a->v[a->n++] = (struct hd_profile_syscall){ copy, count > INT64_MAX ? INT64_MAX : count };
	return 0;
}

int hd_profile_add_unknown(struct hd_profile *p, hd_arch arch, int nr)
{
	struct hd_profile_abi *a = abi_of(p, arch);
	if (!a)
		return -EINVAL;
	for (size_t i = 0; i < a->n_unknown; i++)
		if (a->unknown[i] == nr)
			return 0;
	if (a->n_unknown >= sizeof(a->unknown) / sizeof(a->unknown[0]))
		return -E2BIG;
	a->unknown[a->n_unknown++] = nr;
	return 0;
}

uint64_t hd_profile_syscall_count(const struct hd_profile *p, hd_arch arch, const char *name)
{
	const struct hd_profile_abi *a = abi_of(p, arch);
	if (!a)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, name) == 0)
			return a->v[i].count;
	return 0;
}

bool hd_profile_saw(const struct hd_profile *p, const char *name)
{
	for (int i = 0; i < HD_PROFILE_ABIS; i++)
		if (p->abis[i].arch != HD_ARCH_INVALID && hd_profile_syscall_count(p, p->abis[i].arch, name) > 0)
			return true;
	return false;
}

bool hd_profile_saw_other_arch(const struct hd_profile *p, hd_arch arch)
{
	for (int i = 0; i < HD_PROFILE_ABIS; i++)
		if (p->abis[i].arch != arch && p->abis[i].arch != HD_ARCH_INVALID &&
		    (p->abis[i].n > 0 || p->abis[i].n_unknown > 0))
			return true;
	return false;
}

int hd_profile_add_personality(struct hd_profile *p, unsigned long persona)
{
	for (size_t i = 0; i < p->n_personalities; i++)
		if (p->personalities[i] == persona)
			return 0;
	if (p->n_personalities >= HD_PROFILE_MAX_PERSONALITIES)
		return -E2BIG;
	p->personalities[p->n_personalities++] = persona;
	return 0;
}

int hd_profile_add_suid_mode(struct hd_profile *p, unsigned mode)
{
	for (size_t i = 0; i < p->n_suid_sgid_modes; i++)
		if (p->suid_sgid_modes[i] == mode)
			return 0;
	if (p->n_suid_sgid_modes >= HD_PROFILE_MAX_MODES)
		return -E2BIG;
	p->suid_sgid_modes[p->n_suid_sgid_modes++] = mode;
	return 0;
}

int hd_profile_add_path(hd_strv *list, const char *path)
{
	if (strlen(path) > HD_PROFILE_MAX_STR)
		return -ENAMETOOLONG;
	if (hd_strv_contains(list, path))
		return 0;
	if (list->n >= HD_PROFILE_MAX_LIST)
		return -E2BIG;
	return hd_strv_push(list, path);
}

static int cmp_syscall(const void *a, const void *b)
{
	return strcmp(((const struct hd_profile_syscall *)a)->name, ((const struct hd_profile_syscall *)b)->name);
}
static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}
static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return (x > y) - (x < y);
}
static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return (x > y) - (x < y);
}

void hd_profile_finish(struct hd_profile *p)
{
	for (int i = 0; i < HD_PROFILE_ABIS; i++) {
		struct hd_profile_abi *a = &p->abis[i];
		if (a->n)
			qsort(a->v, a->n, sizeof(*a->v), cmp_syscall);
		if (a->n_unknown)
			qsort(a->unknown, a->n_unknown, sizeof(int), cmp_int);
	}
	if (p->n_personalities)
		qsort(p->personalities, p->n_personalities, sizeof(unsigned long), cmp_ulong);
	if (p->n_suid_sgid_modes)
		qsort(p->suid_sgid_modes, p->n_suid_sgid_modes, sizeof(unsigned), cmp_uint);
	hd_strv_sort_uniq(&p->setuid_execs);
	hd_strv_sort_uniq(&p->executables);
	hd_strv_sort_uniq(&p->paths_written);
	hd_strv_sort_uniq(&p->paths_read);
	hd_strv_sort_uniq(&p->devices);
	hd_strv_sort_uniq(&p->device_nodes_made);
	hd_strv_sort_uniq(&p->uids);
	hd_strv_sort_uniq(&p->proc_read);
	hd_strv_sort_uniq(&p->tmp_created);
	hd_strv_sort_uniq(&p->ip_peers);
	hd_strv_sort_uniq(&p->ip_served);
	hd_strv_sort_uniq(&p->devices_rw);
	/* a device opened for writing once is not read-only, and "read-only" speaks of devices seen */
	hd_strv ro = { 0 };
	for (size_t i = 0; i < p->devices_readonly.n; i++)
		if (!hd_strv_sorted_contains(&p->devices_rw, p->devices_readonly.v[i]) &&
		    hd_strv_sorted_contains(&p->devices, p->devices_readonly.v[i]) &&
		    hd_strv_push(&ro, p->devices_readonly.v[i]) < 0) {
			hd_strv_free(&ro); /* out of memory: keep the list as it is (finish cannot fail) */
			hd_strv_sort_uniq(&p->devices_readonly);
			return;
		}
	hd_strv_free(&p->devices_readonly);
	p->devices_readonly = ro;
	hd_strv_sort_uniq(&p->devices_readonly);
}

void hd_profile_add_created_mode(struct hd_profile *p, unsigned mode)
{
	mode &= 0777;
	p->created_modes[mode / 64] |= 1ULL << (mode % 64);
}

static int merge_list(hd_strv *dst, const hd_strv *src)
{
	for (size_t i = 0; i < src->n; i++) {
		int r = hd_profile_add_path(dst, src->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int hd_profile_merge(struct hd_profile *dst, const struct hd_profile *src)
{
	int r;
	/* nothing merged into dst yet: its capability source is src's */
	bool first = !dst->commands.n && !dst->backend && dst->caps_source == HD_CAPS_UNKNOWN;
	for (int i = 0; first && i < HD_PROFILE_ABIS; i++)
		first = dst->abis[i].n == 0;
	for (int i = 0; i < HD_PROFILE_ABIS; i++) {
		const struct hd_profile_abi *a = &src->abis[i];
		if (a->arch == HD_ARCH_INVALID)
			continue;
		for (size_t j = 0; j < a->n; j++)
			if ((r = hd_profile_add_syscall(dst, a->arch, a->v[j].name, a->v[j].count)) < 0)
				return r;
		for (size_t j = 0; j < a->n_unknown; j++)
			if ((r = hd_profile_add_unknown(dst, a->arch, a->unknown[j])) < 0)
				return r;
	}
	for (size_t i = 0; i < src->commands.n; i++)
		if (dst->commands.n < HD_PROFILE_MAX_LIST && (r = hd_strv_push(&dst->commands, src->commands.v[i])) < 0)
			return r;
	dst->families |= src->families;
	dst->namespaces |= src->namespaces;
	dst->write_exec_mappings = sat_add(dst->write_exec_mappings, src->write_exec_mappings);
	dst->exec_mprotects = sat_add(dst->exec_mprotects, src->exec_mprotects);
	dst->shmat_exec = sat_add(dst->shmat_exec, src->shmat_exec);
	dst->alarm_clock_calls = sat_add(dst->alarm_clock_calls, src->alarm_clock_calls);
	for (size_t i = 0; i < src->n_personalities; i++)
		if ((r = hd_profile_add_personality(dst, src->personalities[i])) < 0)
			return r;
	dst->sched_policies |= src->sched_policies;
	for (size_t i = 0; i < src->n_suid_sgid_modes; i++)
		if ((r = hd_profile_add_suid_mode(dst, src->suid_sgid_modes[i])) < 0)
			return r;
	/* dst's written devices, before src's devices join its list (finish subtracts them) */
	for (size_t i = 0; i < dst->devices.n; i++)
		if (!hd_strv_contains(&dst->devices_readonly, dst->devices.v[i]) &&
		    (r = hd_profile_add_path(&dst->devices_rw, dst->devices.v[i])) < 0)
			return r;
	if ((r = merge_list(&dst->setuid_execs, &src->setuid_execs)) < 0 ||
	    (r = merge_list(&dst->executables, &src->executables)) < 0 ||
	    (r = merge_list(&dst->paths_written, &src->paths_written)) < 0 ||
	    (r = merge_list(&dst->paths_read, &src->paths_read)) < 0 ||
	    (r = merge_list(&dst->devices, &src->devices)) < 0 ||
	    (r = merge_list(&dst->device_nodes_made, &src->device_nodes_made)) < 0 ||
	    (r = merge_list(&dst->uids, &src->uids)) < 0)
		return r;
	/* a record is watched in the merge only if every part watched it */
	dst->observed = first ? src->observed : dst->observed & src->observed;
	for (int i = 0; i < 8; i++)
		dst->created_modes[i] |= src->created_modes[i];
	/* devices written in either part are not read-only: the parts' written devices are their devices
	 * less their read-only ones */
	for (size_t i = 0; i < src->devices.n; i++)
		if (!hd_strv_contains(&src->devices_readonly, src->devices.v[i]) &&
		    (r = hd_profile_add_path(&dst->devices_rw, src->devices.v[i])) < 0)
			return r;
	if ((r = merge_list(&dst->proc_read, &src->proc_read)) < 0 ||
	    (r = merge_list(&dst->tmp_created, &src->tmp_created)) < 0 ||
	    (r = merge_list(&dst->devices_readonly, &src->devices_readonly)) < 0 ||
	    (r = merge_list(&dst->devices_rw, &src->devices_rw)) < 0 ||
	    (r = merge_list(&dst->ip_peers, &src->ip_peers)) < 0 ||
	    (r = merge_list(&dst->ip_served, &src->ip_served)) < 0)
		return r;
	if (src->cap_effective_known) {
		dst->cap_effective |= src->cap_effective;
		dst->cap_effective_known = true;
	}
	if (src->cap_permitted_known) {
		dst->cap_permitted |= src->cap_permitted;
		dst->cap_permitted_known = true;
	}
	/* the merged set is exact only if every part was; one part without capability learning (an older
	 * profile) leaves the whole unknown, since its run's needs are not in the set */
	if (first)
		dst->caps_source = src->caps_source;
	else if (dst->caps_source != src->caps_source)
		dst->caps_source = dst->caps_source && src->caps_source ? HD_CAPS_INFERRED : HD_CAPS_UNKNOWN;
	for (int i = 0; i < 64; i++) {
		const struct hd_profile_cap *sc = &src->caps[i];
		struct hd_profile_cap *dc = &dst->caps[i];
		if (!sc->granted && !sc->denied)
			continue;
		if (sc->evidence && (!dc->evidence || (!dc->granted && sc->granted))) {
			char *e = strdup(sc->evidence);
			if (!e)
				return -ENOMEM;
			free(dc->evidence);
			dc->evidence = e;
		}
		dc->granted = sat_add(dc->granted, sc->granted);
		dc->denied = sat_add(dc->denied, sc->denied);
	}
	hd_profile_finish(dst);
	return 0;
}

/* ---- JSON out ---- */

#define ADD(obj, key, val)                                                                                 \
	do {                                                                                               \
		json_object *v_ = (val);                                                                   \
		if (!v_ || json_object_object_add((obj), (key), v_) < 0) {                                 \
			json_object_put(v_);                                                               \
			goto nomem;                                                                        \
		}                                                                                          \
	} while (0)
#define APPEND(arr, val)                                                                                   \
	do {                                                                                               \
		json_object *v_ = (val);                                                                   \
		if (!v_ || json_object_array_add((arr), v_) < 0) {                                         \
			json_object_put(v_);                                                               \
			goto nomem;                                                                        \
		}                                                                                          \
	} while (0)

static json_object *strv_json(const hd_strv *sv)
{
	json_object *a = json_object_new_array();
	if (!a)
		return NULL;
	for (size_t i = 0; i < sv->n; i++)
		APPEND(a, json_object_new_string(sv->v[i]));
	return a;
nomem:
	json_object_put(a);
	return NULL;
}

int hd_profile_to_json(const struct hd_profile *pin, char **out)
{
	struct hd_profile *p = (struct hd_profile *)pin;
	hd_profile_finish(p); /* canonical order; does not change the content */
	json_object *root = json_object_new_object();
	if (!root)
		return -ENOMEM;
	ADD(root, "harden_profile", json_object_new_int(HD_PROFILE_VERSION));
	if (p->backend)
		ADD(root, "backend", json_object_new_string(p->backend));
	ADD(root, "commands", strv_json(&p->commands));
	json_object *sc = json_object_new_object(), *unk = NULL;
	ADD(root, "syscalls", sc);
	for (int i = 0; i < HD_PROFILE_ABIS; i++) {
		const struct hd_profile_abi *a = &p->abis[i];
		if (a->arch == HD_ARCH_INVALID || (a->n == 0 && a->n_unknown == 0))
			continue;
		json_object *m = json_object_new_object();
		ADD(sc, hd_arch_info(a->arch)->name, m);
		for (size_t j = 0; j < a->n; j++)
			ADD(m, a->v[j].name, json_object_new_int64((int64_t)a->v[j].count));
		if (a->n_unknown) {
			if (!unk) {
				unk = json_object_new_object();
				ADD(root, "unknown_syscalls", unk);
			}
			json_object *l = json_object_new_array();
			ADD(unk, hd_arch_info(a->arch)->name, l);
			for (size_t j = 0; j < a->n_unknown; j++)
				APPEND(l, json_object_new_int(a->unknown[j]));
		}
	}
	json_object *fam = json_object_new_array();
	ADD(root, "socket_families", fam);
	for (int af = 0; af < 64; af++)
		if (p->families & (1ULL << af)) {
			const char *n = hd_af_name(af);
			char buf[32];
			if (!n) {
				snprintf(buf, sizeof(buf), "%d", af);
				n = buf;
			}
			APPEND(fam, json_object_new_string(n));
		}
	json_object *ns = json_object_new_array();
	ADD(root, "namespaces", ns);
	for (const struct hd_namespace_flag *f = hd_namespace_flags; f->name; f++)
		if (p->namespaces & f->flag)
			APPEND(ns, json_object_new_string(f->name));
	ADD(root, "write_exec_mappings", json_object_new_int64((int64_t)p->write_exec_mappings));
	ADD(root, "exec_mprotects", json_object_new_int64((int64_t)p->exec_mprotects));
	ADD(root, "shmat_exec", json_object_new_int64((int64_t)p->shmat_exec));
	ADD(root, "alarm_clock_calls", json_object_new_int64((int64_t)p->alarm_clock_calls));
	json_object *per = json_object_new_array();
	ADD(root, "personalities", per);
	for (size_t i = 0; i < p->n_personalities; i++)
		APPEND(per, json_object_new_int64((int64_t)(uint32_t)p->personalities[i]));
	json_object *sp = json_object_new_array();
	ADD(root, "sched_policies", sp);
	for (int i = 0; i < 32; i++)
		if (p->sched_policies & (1u << i)) {
			const char *n = hd_sched_policy_name(i);
			char buf[16];
			if (!n) {
				snprintf(buf, sizeof(buf), "%d", i);
				n = buf;
			}
			APPEND(sp, json_object_new_string(n));
		}
	json_object *modes = json_object_new_array();
	ADD(root, "suid_sgid_modes", modes);
	for (size_t i = 0; i < p->n_suid_sgid_modes; i++) {
		char buf[16];
		snprintf(buf, sizeof(buf), "%04o", p->suid_sgid_modes[i]);
		APPEND(modes, json_object_new_string(buf));
	}
	ADD(root, "setuid_execs", strv_json(&p->setuid_execs));
	ADD(root, "executables", strv_json(&p->executables));
	ADD(root, "paths_written", strv_json(&p->paths_written));
	ADD(root, "paths_read", strv_json(&p->paths_read));
	ADD(root, "devices", strv_json(&p->devices));
	ADD(root, "device_nodes_made", strv_json(&p->device_nodes_made));
	if (p->cap_effective_known) {
		char buf[32];
		snprintf(buf, sizeof(buf), "0x%" PRIx64, p->cap_effective);
		ADD(root, "cap_effective", json_object_new_string(buf));
	}
	if (p->cap_permitted_known) {
		char buf[32];
		snprintf(buf, sizeof(buf), "0x%" PRIx64, p->cap_permitted);
		ADD(root, "cap_permitted", json_object_new_string(buf));
	}
	json_object *uids = json_object_new_array();
	ADD(root, "uids", uids);
	for (size_t i = 0; i < p->uids.n; i++)
		APPEND(uids, json_object_new_int64(strtoll(p->uids.v[i], NULL, 10)));
	/* the records of "observed": written when watched (an empty list then says "not done") or when a
	 * profile read from elsewhere holds them, so that every profile round-trips */
	if (p->observed) {
		json_object *obs = json_object_new_array();
		ADD(root, "observed", obs);
		for (int i = 0; observed_names[i]; i++)
			if (p->observed & (1u << i))
				APPEND(obs, json_object_new_string(observed_names[i]));
	}
	bool any_mode = false;
	for (int i = 0; i < 8; i++)
		any_mode |= p->created_modes[i] != 0;
	if (p->observed || p->proc_read.n)
		ADD(root, "proc_read", strv_json(&p->proc_read));
	if (p->observed || any_mode) {
		json_object *cm = json_object_new_array();
		ADD(root, "created_modes", cm);
		for (unsigned m = 0; m < 512; m++)
			if (p->created_modes[m / 64] & (1ULL << (m % 64))) {
				char buf[8];
				snprintf(buf, sizeof(buf), "%04o", m);
				APPEND(cm, json_object_new_string(buf));
			}
	}
	if (p->observed || p->tmp_created.n)
		ADD(root, "tmp_created", strv_json(&p->tmp_created));
	if (p->observed || p->devices_readonly.n)
		ADD(root, "devices_readonly", strv_json(&p->devices_readonly));
	if (p->observed || p->ip_peers.n)
		ADD(root, "ip_peers", strv_json(&p->ip_peers));
	if (p->observed || p->ip_served.n)
		ADD(root, "ip_served", strv_json(&p->ip_served));
	if (p->caps_source != HD_CAPS_UNKNOWN) {
		ADD(root, "capabilities_source",
		    json_object_new_string(p->caps_source == HD_CAPS_KERNEL ? "kernel" : "inferred"));
		json_object *caps = json_object_new_object();
		ADD(root, "capabilities", caps);
		for (int i = 0; i < 64; i++) {
			const struct hd_profile_cap *cp = &p->caps[i];
			if (!cp->granted && !cp->denied)
				continue;
			char num[8];
			snprintf(num, sizeof(num), "%d", i);
			const char *name = hd_capability_name(i);
			json_object *one = json_object_new_object();
			ADD(caps, name ? name : num, one);
			ADD(one, "granted", json_object_new_int64(cp->granted > INT64_MAX ? INT64_MAX : (int64_t)cp->granted));
			ADD(one, "denied", json_object_new_int64(cp->denied > INT64_MAX ? INT64_MAX : (int64_t)cp->denied));
			if (cp->evidence)
				ADD(one, "evidence", json_object_new_string(cp->evidence));
		}
	}

	const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								     JSON_C_TO_STRING_NOSLASHESCAPE);
	*out = s ? strdup(s) : NULL;
	json_object_put(root);
	return *out ? 0 : -ENOMEM;
nomem:
	json_object_put(root);
	return -ENOMEM;
}

/* ---- JSON in ---- */

struct jctx {
	const char *file;
	hd_diags *diags;
	int err; /* first error: -EINVAL or -ENOMEM */
};

static void jerr(struct jctx *c, const char *fmt, const char *a, const char *b)
{
	hd_diag_add(c->diags, HD_ERROR, c->file, 0, fmt, a, b);
	if (!c->err)
		c->err = -EINVAL;
}

static bool want_type(struct jctx *c, json_object *v, json_type t, const char *path, const char *what)
{
	if (json_object_get_type(v) == t)
		return true;
	jerr(c, "%s: must be %s", path, what);
	return false;
}

/* A non-negative integer that fits int64 (json-c clamps bigger ones; reject doubles and strings). */
static bool get_count(struct jctx *c, json_object *v, const char *path, uint64_t *out)
{
	if (json_object_get_type(v) != json_type_int) {
		jerr(c, "%s: must be a non-negative integer%s", path, "");
		return false;
	}
	errno = 0;
	int64_t x = json_object_get_int64(v);
	if (x < 0 || x == INT64_MAX) {
		jerr(c, "%s: must be a non-negative integer below 2^63-1%s", path, "");
		return false;
	}
	*out = (uint64_t)x;
	return true;
}

static bool bounded_len(struct jctx *c, json_object *arr, const char *path)
{
	if (json_object_array_length(arr) > HD_PROFILE_MAX_LIST) {
		jerr(c, "%s: more than 8192 entries%s", path, "");
		return false;
	}
	return true;
}

static bool sane_string(struct jctx *c, json_object *s, const char *path, bool want_abs_path)
{
	const char *t = json_object_get_string(s);
	size_t n = (size_t)json_object_get_string_len(s);
	if (n == 0 || n > HD_PROFILE_MAX_STR || strlen(t) != n) {
		jerr(c, "%s: empty, longer than 4096 bytes, or containing NUL: \"%.60s\"", path, t);
		return false;
	}
	if (want_abs_path && t[0] != '/') {
		jerr(c, "%s: not an absolute path: \"%.60s\"", path, t);
		return false;
	}
	return true;
}

/* A capability mask: "0x" and hex digits, nothing else (no sign, no space, not empty). */
static void read_cap_mask(struct jctx *c, json_object *v, const char *path, uint64_t *out, bool *known)
{
	if (!want_type(c, v, json_type_string, path, "a hex string (\"0x1ff\")"))
		return;
	const char *s = json_object_get_string(v);
	char *end;
	errno = 0;
	unsigned long long m = strncmp(s, "0x", 2) == 0 ? strtoull(s + 2, &end, 16) : 0;
	if (strncmp(s, "0x", 2) != 0 || !s[2] || *end || errno || s[2] == '-' || s[2] == '+' || s[2] == ' ') {
		jerr(c, "%s: \"%.30s\" is not a hex capability mask", path, s);
		return;
	}
	*out = m;
	*known = true;
}

static void read_strv(struct jctx *c, json_object *v, const char *path, hd_strv *out, bool abs_path)
{
	if (!want_type(c, v, json_type_array, path, "an array of strings") || !bounded_len(c, v, path))
		return;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i);
		if (!want_type(c, e, json_type_string, path, "an array of strings") || !sane_string(c, e, path, abs_path))
			continue;
		int r = hd_profile_add_path(out, json_object_get_string(e));
		if (r == -ENOMEM)
			c->err = -ENOMEM;
	}
}

/* Syscall names are lower-case identifiers (kernel names; "_llseek", "_sysctl" start with '_'). */
static bool valid_syscall_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static void read_syscalls(struct jctx *c, struct hd_profile *p, json_object *v)
{
	if (!want_type(c, v, json_type_object, "syscalls", "an object of architectures"))
		return;
	json_object_object_foreach(v, archname, m)
	{
		char path[160];
		snprintf(path, sizeof(path), "syscalls.%.60s", archname);
		hd_arch a = hd_arch_from_name(archname);
		if (a == HD_ARCH_INVALID || !abi_of(p, a) || strcmp(archname, "native") == 0) {
			jerr(c, "%s: \"%.60s\" is not an architecture of this machine (x86-64, x86, x32)", path, archname);
			continue;
		}
		if (!want_type(c, m, json_type_object, path, "an object of syscall name -> count"))
			continue;
		if (json_object_object_length(m) > HD_PROFILE_MAX_LIST) {
			jerr(c, "%s: more than 8192 entries%s", path, "");
			continue;
		}
		json_object_object_foreach(m, name, cnt)
		{
			char p2[256];
			snprintf(p2, sizeof(p2), "%s.%.64s", path, name);
			uint64_t n;
			if (!valid_syscall_name(name)) {
				jerr(c, "%s: \"%.64s\" is not a syscall name", p2, name);
				continue;
			}
			if (!get_count(c, cnt, p2, &n))
				continue;
			if (hd_profile_add_syscall(p, a, name, n) == -ENOMEM)
				c->err = -ENOMEM;
		}
	}
}

static void read_unknown(struct jctx *c, struct hd_profile *p, json_object *v)
{
	if (!want_type(c, v, json_type_object, "unknown_syscalls", "an object of architectures"))
		return;
	json_object_object_foreach(v, archname, l)
	{
		hd_arch a = hd_arch_from_name(archname);
		if (a == HD_ARCH_INVALID || !abi_of(p, a) || strcmp(archname, "native") == 0) {
			jerr(c, "unknown_syscalls.%.60s: not an architecture of this machine%s", archname, "");
			continue;
		}
		if (!want_type(c, l, json_type_array, "unknown_syscalls", "arrays of numbers") ||
		    !bounded_len(c, l, "unknown_syscalls"))
			continue;
		for (size_t i = 0; i < json_object_array_length(l); i++) {
			json_object *e = json_object_array_get_idx(l, i);
			uint64_t n;
			if (!get_count(c, e, "unknown_syscalls", &n))
				continue;
			if (n > 0x7fffffff) {
				jerr(c, "unknown_syscalls.%.60s: number out of range%s", archname, "");
				continue;
			}
			if (hd_profile_add_unknown(p, a, (int)n) == -E2BIG)
				jerr(c, "unknown_syscalls.%.60s: more than 64 numbers%s", archname, "");
		}
	}
}

static void read_names(struct jctx *c, json_object *v, const char *path, int (*lookup)(const char *), int limit,
		       uint64_t *mask)
{
	if (!want_type(c, v, json_type_array, path, "an array of names") || !bounded_len(c, v, path))
		return;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i);
		if (!want_type(c, e, json_type_string, path, "an array of names"))
			continue;
		const char *s = json_object_get_string(e);
		int x = lookup(s);
		if (x < 0) {
			/* plain numbers for values without a name */
			char *end;
			errno = 0;
			long n = strtol(s, &end, 10);
			if (s[0] >= '0' && s[0] <= '9' && !*end && !errno && n < limit)
				x = (int)n;
		}
		if (x < 0 || x >= limit) {
			jerr(c, "%s: unknown name \"%.60s\"", path, s);
			continue;
		}
		*mask |= 1ULL << x;
	}
}

/* "capabilities": {"CAP_X": {"granted": n, "denied": n, "evidence": "..."}} */
static void read_caps(struct jctx *c, struct hd_profile *p, json_object *v)
{
	if (!want_type(c, v, json_type_object, "capabilities", "an object"))
		return;
	json_object_object_foreach(v, name, one)
	{
		int cap = hd_capability_from_name(name);
		if (cap < 0 || cap >= 64) {
			jerr(c, "capabilities: unknown capability \"%.60s\"%s", name, "");
			continue;
		}
		if (!want_type(c, one, json_type_object, "capabilities", "an object per capability"))
			continue;
		struct hd_profile_cap *cp = &p->caps[cap];
		json_object_object_foreach(one, key, x)
		{
			uint64_t n;
			if (strcmp(key, "granted") == 0) {
				if (get_count(c, x, "capabilities.granted", &n))
					cp->granted = n;
			} else if (strcmp(key, "denied") == 0) {
				if (get_count(c, x, "capabilities.denied", &n))
					cp->denied = n;
			} else if (strcmp(key, "evidence") == 0) {
				if (want_type(c, x, json_type_string, "capabilities.evidence", "a string") &&
				    sane_string(c, x, "capabilities.evidence", false)) {
					char *e = strdup(json_object_get_string(x));
					if (e) {
						free(cp->evidence);
						cp->evidence = e;
					}
				}
			} else
				jerr(c, "capabilities.%.60s: unknown key \"%.60s\"", name, key);
		}
	}
}

static int ns_index(const char *name)
{
	for (int i = 0; hd_namespace_flags[i].name; i++)
		if (strcmp(hd_namespace_flags[i].name, name) == 0)
			return i;
	return -1;
}

int hd_profile_from_json(struct hd_profile *p, const char *text, size_t len, const char *file, hd_diags *diags)
{
	struct jctx c = { .file = file, .diags = diags };
	if (len > HD_PROFILE_MAX_JSON) {
		hd_diag_add(diags, HD_ERROR, file, 0, "profile larger than %u bytes", HD_PROFILE_MAX_JSON);
		return -EINVAL;
	}
	json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t off = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || je != json_tokener_success || off != len) {
		const char *why = je != json_tokener_success ? json_tokener_error_desc(je)
				   : !root ? "empty document" : "trailing data after the profile";
		if (je == json_tokener_continue)
			why = "unexpected end of input";
		hd_diag_add(diags, HD_ERROR, file, 0, "offset %zu: invalid JSON: %s", off, why);
		json_object_put(root);
		return -EINVAL;
	}
	if (json_object_get_type(root) != json_type_object) {
		hd_diag_add(diags, HD_ERROR, file, 0, "a profile must be a JSON object");
		json_object_put(root);
		return -EINVAL;
	}
	json_object *ver;
	if (!json_object_object_get_ex(root, "harden_profile", &ver) || json_object_get_type(ver) != json_type_int) {
		hd_diag_add(diags, HD_ERROR, file, 0, "not a harden profile: no \"harden_profile\": %d version key",
			    HD_PROFILE_VERSION);
		json_object_put(root);
		return -EINVAL;
	}
	if (json_object_get_int64(ver) != HD_PROFILE_VERSION) {
		hd_diag_add(diags, HD_ERROR, file, 0, "profile version %" PRId64 " not supported (this harden reads %d)",
			    json_object_get_int64(ver), HD_PROFILE_VERSION);
		json_object_put(root);
		return -EINVAL;
	}
	json_object_object_foreach(root, key, v)
	{
		uint64_t n;
		if (strcmp(key, "harden_profile") == 0)
			continue;
		else if (strcmp(key, "backend") == 0) {
			if (want_type(&c, v, json_type_string, key, "a string") && sane_string(&c, v, key, false)) {
				free(p->backend);
				p->backend = strdup(json_object_get_string(v));
			}
		} else if (strcmp(key, "commands") == 0)
			read_strv(&c, v, key, &p->commands, false);
		else if (strcmp(key, "syscalls") == 0)
			read_syscalls(&c, p, v);
		else if (strcmp(key, "unknown_syscalls") == 0)
			read_unknown(&c, p, v);
		else if (strcmp(key, "socket_families") == 0)
			read_names(&c, v, key, hd_af_from_name, 64, &p->families);
		else if (strcmp(key, "namespaces") == 0) {
			uint64_t idx = 0;
			read_names(&c, v, key, ns_index, 8, &idx);
			for (int i = 0; hd_namespace_flags[i].name; i++)
				if (idx & (1ULL << i))
					p->namespaces |= hd_namespace_flags[i].flag;
		} else if (strcmp(key, "write_exec_mappings") == 0) {
			if (get_count(&c, v, key, &n))
				p->write_exec_mappings = n;
		} else if (strcmp(key, "exec_mprotects") == 0) {
			if (get_count(&c, v, key, &n))
				p->exec_mprotects = n;
		} else if (strcmp(key, "shmat_exec") == 0) {
			if (get_count(&c, v, key, &n))
				p->shmat_exec = n;
		} else if (strcmp(key, "alarm_clock_calls") == 0) {
			if (get_count(&c, v, key, &n))
				p->alarm_clock_calls = n;
		} else if (strcmp(key, "personalities") == 0) {
			if (!want_type(&c, v, json_type_array, key, "an array of integers"))
				continue;
			for (size_t i = 0; i < json_object_array_length(v); i++)
				if (get_count(&c, json_object_array_get_idx(v, i), key, &n)) {
					if (n > 0xffffffffULL)
						jerr(&c, "%s: value above 0xffffffff%s", key, "");
					else if (hd_profile_add_personality(p, (unsigned long)n) < 0)
						jerr(&c, "%s: more than 64 values%s", key, "");
				}
		} else if (strcmp(key, "sched_policies") == 0) {
			uint64_t m = 0;
			read_names(&c, v, key, hd_sched_policy_from_name, 32, &m);
			p->sched_policies |= (uint32_t)m;
		} else if (strcmp(key, "suid_sgid_modes") == 0) {
			if (!want_type(&c, v, json_type_array, key, "an array of octal strings"))
				continue;
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				json_object *e = json_object_array_get_idx(v, i);
				if (!want_type(&c, e, json_type_string, key, "an array of octal strings"))
					continue;
				const char *s = json_object_get_string(e);
				char *end;
				errno = 0;
				unsigned long m = strtoul(s, &end, 8);
				if (!*s || *end || errno || m > 07777 || s[0] == '-' || s[0] == '+' || s[0] == ' ')
					jerr(&c, "%s: \"%.20s\" is not an octal mode (0..7777)", key, s);
				else if (hd_profile_add_suid_mode(p, (unsigned)m) < 0)
					jerr(&c, "%s: more than 64 modes%s", key, "");
			}
		} else if (strcmp(key, "setuid_execs") == 0)
			read_strv(&c, v, key, &p->setuid_execs, true);
		else if (strcmp(key, "executables") == 0)
			read_strv(&c, v, key, &p->executables, true);
		else if (strcmp(key, "paths_written") == 0)
			read_strv(&c, v, key, &p->paths_written, true);
		else if (strcmp(key, "paths_read") == 0)
			read_strv(&c, v, key, &p->paths_read, true);
		else if (strcmp(key, "devices") == 0)
			read_strv(&c, v, key, &p->devices, true);
		else if (strcmp(key, "device_nodes_made") == 0)
			read_strv(&c, v, key, &p->device_nodes_made, true);
		else if (strcmp(key, "cap_effective") == 0)
			read_cap_mask(&c, v, key, &p->cap_effective, &p->cap_effective_known);
		else if (strcmp(key, "cap_permitted") == 0)
			read_cap_mask(&c, v, key, &p->cap_permitted, &p->cap_permitted_known);
		else if (strcmp(key, "capabilities") == 0)
			read_caps(&c, p, v);
		else if (strcmp(key, "capabilities_source") == 0) {
			const char *src = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
			if (strcmp(src, "kernel") == 0)
				p->caps_source = HD_CAPS_KERNEL;
			else if (strcmp(src, "inferred") == 0)
				p->caps_source = HD_CAPS_INFERRED;
			else
				jerr(&c, "%s: must be \"kernel\" or \"inferred\"%s", key, "");
		} else if (strcmp(key, "observed") == 0) {
			uint64_t m = 0;
			read_names(&c, v, key, observed_from_name, 5, &m);
			p->observed |= (unsigned)m;
		} else if (strcmp(key, "proc_read") == 0)
			read_strv(&c, v, key, &p->proc_read, false);
		else if (strcmp(key, "tmp_created") == 0)
			read_strv(&c, v, key, &p->tmp_created, true);
		else if (strcmp(key, "devices_readonly") == 0)
			read_strv(&c, v, key, &p->devices_readonly, true);
		else if (strcmp(key, "ip_peers") == 0)
			read_strv(&c, v, key, &p->ip_peers, false);
		else if (strcmp(key, "ip_served") == 0)
			read_strv(&c, v, key, &p->ip_served, false);
		else if (strcmp(key, "created_modes") == 0) {
			if (!want_type(&c, v, json_type_array, key, "an array of octal strings") || !bounded_len(&c, v, key))
				continue;
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				json_object *e = json_object_array_get_idx(v, i);
				if (!want_type(&c, e, json_type_string, key, "an array of octal strings"))
					continue;
				const char *s = json_object_get_string(e);
				char *end;
				errno = 0;
				unsigned long m = strtoul(s, &end, 8);
				if (!*s || *end || errno || m > 0777 || s[0] == '-' || s[0] == '+' || s[0] == ' ')
					jerr(&c, "%s: \"%.20s\" is not an octal mode (0..777)", key, s);
				else
					hd_profile_add_created_mode(p, (unsigned)m);
			}
		} else if (strcmp(key, "uids") == 0) {
			if (!want_type(&c, v, json_type_array, key, "an array of integers") || !bounded_len(&c, v, key))
				continue;
			for (size_t i = 0; i < json_object_array_length(v); i++)
				if (get_count(&c, json_object_array_get_idx(v, i), key, &n)) {
					if (n > 0xffffffffULL) {
						jerr(&c, "%s: uid above 2^32-1%s", key, "");
						continue;
					}
					char buf[24];
					snprintf(buf, sizeof(buf), "%" PRIu64, n);
					hd_profile_add_path(&p->uids, buf);
				}
		} else
			jerr(&c, "unknown key \"%.60s\" (schema version 1 has no such key)%s", key, "");
	}
	json_object_put(root);
	hd_profile_finish(p);
	return c.err;
}

int hd_profile_load(struct hd_profile *p, const char *path, hd_diags *diags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		hd_diag_add(diags, HD_ERROR, path, 0, "cannot open: %s", strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
		hd_diag_add(diags, HD_ERROR, path, 0, "not a regular file or pipe");
		close(fd);
		return -EINVAL;
	}
	size_t cap = HD_PROFILE_MAX_JSON + 1, n = 0;
	char *buf = malloc(65536);
	size_t bufcap = 65536;
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n == bufcap) {
			if (bufcap >= cap)
				break;
			char *nb = realloc(buf, bufcap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
			bufcap *= 2;
		}
		ssize_t r = read(fd, buf + n, bufcap - n);
		if (r < 0) {
			int e = errno;
			hd_diag_add(diags, HD_ERROR, path, 0, "read error: %s", strerror(e));
			free(buf);
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	int r = hd_profile_from_json(p, buf, n, path, diags);
	free(buf);
	return r;
}

int hd_profile_merge_files(struct hd_profile *dst, char *const *paths, size_t n, hd_diags *diags)
{
	for (size_t i = 0; i < n; i++) {
		struct hd_profile one;
		hd_profile_init(&one);
		int r = hd_profile_load(&one, paths[i], diags);
		if (r == 0)
			r = hd_profile_merge(dst, &one);
		hd_profile_free(&one);
		if (r < 0)
			return r;
	}
	return 0;
}
