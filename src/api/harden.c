/* SPDX-License-Identifier: MIT */
/*
 * libharden's public API (include/harden.h): thin wrappers over the internal library, the same
 * functions the CLI's verbs call (show: hd_unit_load + hd_seccomp_apply_unit / hd_seccomp_apply;
 * show --json: hd_ruleset_build_full; security: hd_assess_unit_file; explain: hd_evidence_read +
 * hd_explain_evidence), so the library and the CLI cannot drift apart. What is added here is only what
 * a stable C ABI needs: opaque contexts, argument checks, and diagnostics turned into text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harden.h"

#include "assess/batch.h"
#include "explain/fix.h"
#include "explain/input.h"
#include "filter/filter.h"
#include "syscalls/groups.h"
#include "syscalls/syscalls.h"
#include "unit/unit.h"

/* The ABI promises these values; the internal ones must not move under it unnoticed. */
_Static_assert(HARDEN_SYSTEMD_252 == HD_SYSTEMD_252, "systemd version values");
_Static_assert(HARDEN_SYSTEMD_255 == HD_SYSTEMD_255, "systemd version values");
_Static_assert(HARDEN_SYSTEMD_257 == HD_SYSTEMD_257, "systemd version values");
_Static_assert(HARDEN_SYSTEMD_262 == HD_SYSTEMD_262, "systemd version values");
_Static_assert((int)HARDEN_ACTION_ALLOW == (int)HD_ACT_ALLOW && (int)HARDEN_ACTION_LOG == (int)HD_ACT_LOG &&
	       (int)HARDEN_ACTION_ERRNO == (int)HD_ACT_ERRNO && (int)HARDEN_ACTION_KILL == (int)HD_ACT_KILL,
	       "action kinds");

const char *harden_version(void)
{
	return HARDEN_VERSION; /* meson.build's project version; test_api checks the header agrees */
}

/* HARDEN_SYSTEMD_* -> the internal version, or -EINVAL: only versions harden models are accepted,
 * rather than silently answering for another systemd. */
static int systemd_version(int v)
{
	if (v == HARDEN_SYSTEMD_DEFAULT)
		return hd_systemd_version_default();
	if (v == HARDEN_SYSTEMD_LATEST) /* 9999 in the ABI: the newest harden models */
		return HD_SYSTEMD_LATEST;
	if (hd_systemd_version_modelled(v))
		return v;
	return -EINVAL;
}

static hd_arch arch_of(const char *name)
{
	return name ? hd_arch_from_name(name) : HD_ARCH_INVALID;
}

/* ---------------------------------------------------------------- syscalls */

int harden_syscall_number(const char *name, const char *arch_name)
{
	hd_arch a = arch_of(arch_name);
	if (!name || a == HD_ARCH_INVALID)
		return -EINVAL;
	int nr = hd_syscall_nr(name, a, NULL);
	return nr >= 0 ? nr : -ENOENT;
}

const char *harden_syscall_name(int nr, const char *arch_name)
{
	hd_arch a = arch_of(arch_name);
	if (nr < 0 || a == HD_ARCH_INVALID)
		return NULL;
	return hd_syscall_name(a, nr);
}

/* ---------------------------------------------------------------- settings */

struct harden_settings {
	int sdver;
	struct hd_seccomp_settings s;
	hd_diags diags;
	/* diags as text, kept in step after every call that can add some, so that the accessors can stay
	 * const (and thread-safe for readers) */
	hd_strv text;
};

int harden_settings_new(int version, struct harden_settings **out)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	int sdver = systemd_version(version);
	if (sdver < 0)
		return sdver;
	struct harden_settings *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->sdver = sdver;
	hd_seccomp_settings_init(&s->s);
	*out = s;
	return 0;
}

void harden_settings_free(struct harden_settings *s)
{
	if (!s)
		return;
	hd_seccomp_settings_free(&s->s);
	hd_diags_free(&s->diags);
	hd_strv_free(&s->text);
	free(s);
}

/* Format the diags not yet formatted, as the CLI prints them (cli_print_diags) minus the program name. */
static int sync_text(struct harden_settings *s)
{
	for (size_t i = s->text.n; i < s->diags.n; i++) {
		const hd_diag *g = &s->diags.v[i];
		const char *sev = g->severity == HD_ERROR ? "error" : "warning";
		char *t = NULL;
		int n = g->file && g->line ? asprintf(&t, "%s:%u: %s: %s", g->file, g->line, sev, g->text)
			: g->file ? asprintf(&t, "%s: %s: %s", g->file, sev, g->text)
				  : asprintf(&t, "%s: %s", sev, g->text);
		if (n < 0)
			return -ENOMEM;
		int r = hd_strv_push(&s->text, t);
		free(t);
		if (r < 0)
			return r;
	}
	return 0;
}

int harden_settings_apply(struct harden_settings *s, const char *key, const char *value)
{
	if (!s || !key || !value)
		return -EINVAL;
	int r = hd_seccomp_apply(&s->s, key, value, s->sdver, NULL, 0, &s->diags);
	if (r == 0) /* the words harden show -p uses, and systemd for an unknown key */
		hd_diag_add(&s->diags, HD_WARNING, NULL, 0, "Unknown key name '%s' (not a seccomp-backed setting), ignoring",
			    key);
	int t = sync_text(s);
	return r < 0 ? r : t < 0 ? t : r;
}

int harden_settings_load_unit(struct harden_settings *s, const char *unit_path)
{
	if (!s || !unit_path)
		return -EINVAL;
	/* as harden show --unit: only the parse, not the load-time checks a service must pass to start
	 * (a drop-in-less unit without ExecStart= still has settings worth asking about) */
	const struct hd_unit_load_options opt = { .sdver = s->sdver, .parse_only = 1 };
	struct hd_unit u = { 0 };
	int r = hd_unit_load(unit_path, &opt, &u, &s->diags);
	if (r >= 0)
		r = hd_seccomp_apply_unit(&s->s, &u, s->sdver, &s->diags);
	hd_unit_free(&u);
	int t = sync_text(s);
	return r < 0 ? r : t < 0 ? t : r;
}

size_t harden_settings_n_warnings(const struct harden_settings *s)
{
	return s ? s->text.n : 0;
}

const char *harden_settings_warning(const struct harden_settings *s, size_t i)
{
	return s && i < s->text.n ? s->text.v[i] : NULL;
}

/* ---------------------------------------------------------------- verdict */

int harden_filter_verdict(const struct harden_settings *s, const char *arch_name, int nr, struct harden_verdict *out)
{
	hd_arch a = arch_of(arch_name);
	if (!s || !out || a == HD_ARCH_INVALID || nr < 0)
		return -EINVAL;
	/* hd_ruleset_build_full: every stacked filter systemd installs for this architecture, merged
	 * the way the kernel applies them; the same model harden show --json prints. (The sandbox's
	 * hd_sandbox_intent answers only for the native ABIs a program built here can run, and needs a
	 * libseccomp program built first; a library user asks about any architecture.) */
	struct hd_ruleset rs;
	int r = hd_ruleset_build_full(&s->s, a, s->sdver, &rs);
	if (r < 0)
		return r;
	bool conditional = false;
	hd_action act = hd_ruleset_action(&rs, nr, &conditional);
	const char *setting = NULL;
	for (size_t i = hd_ruleset_lower_bound(&rs, nr); i < rs.n && rs.v[i].nr == nr; i++)
		if (rs.v[i].n_cmps == 0)
			setting = rs.v[i].origin; /* static strings (filter.c / protect.c tables) */
	if (!setting) { /* no rule of its own: the default action, and who set that */
		if (!hd_seccomp_arch_allowed(&s->s, a))
			setting = "SystemCallArchitectures";
		else if (act.kind == HD_ACT_LOG)
			setting = "SystemCallLog";
		else if (act.kind != HD_ACT_ALLOW)
			setting = "SystemCallFilter";
	}
	hd_ruleset_free(&rs);
	*out = (struct harden_verdict){
		.action = (enum harden_action)act.kind,
		.errno_value = act.kind == HD_ACT_ERRNO ? act.errno_value : 0,
		.conditional = conditional,
		.setting = setting,
		.name = hd_syscall_name(a, nr),
	};
	return 0;
}

/* ---------------------------------------------------------------- exposure */

int harden_unit_exposure(const char *unit_path, int version, unsigned *tenths)
{
	if (!unit_path || !tenths)
		return -EINVAL;
	int sdver = systemd_version(version);
	if (sdver < 0)
		return sdver;
	/* exactly harden security FILE (no profile, no policy, no --fix) */
	const struct hd_assess_unit_options o = { .sdver = sdver };
	struct hd_assess_unit_result res;
	hd_diags diags = { 0 }, fix_diags = { 0 };
	int r = hd_assess_unit_file(unit_path, &o, &res, &diags, &fix_diags);
	if (r >= 0 && !res.have_a)
		r = -EINVAL; /* cannot happen without a policy; never report an unscored unit as 0 */
	if (r >= 0)
		*tenths = res.a.exposure;
	hd_assess_unit_result_free(&res);
	hd_diags_free(&diags);
	hd_diags_free(&fix_diags);
	return r < 0 ? r : 0;
}

/* ---------------------------------------------------------------- explain */

struct harden_explanation {
	struct hd_evidence_list ev;
	struct hd_explanation x;
};

int harden_explain_file(const char *path, int version, struct harden_explanation **out)
{
	if (!out)
		return -EINVAL;
	*out = NULL;
	/* "-" would read the caller's standard input behind its back: a library takes files only */
	if (!path || strcmp(path, "-") == 0)
		return -EINVAL;
	int sdver = systemd_version(version);
	if (sdver < 0)
		return sdver;
	struct harden_explanation *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	hd_diags diags = { 0 };
	int r = hd_evidence_read(path, &e->ev, &diags);
	if (r >= 0 && hd_diags_count(&diags, HD_ERROR) > 0)
		r = -EBADMSG;
	if (r >= 0)
		r = hd_explain_evidence(&e->ev, sdver, NULL, &e->x);
	hd_diags_free(&diags);
	if (r < 0) {
		harden_explanation_free(e);
		return r;
	}
	*out = e;
	return 0;
}

void harden_explanation_free(struct harden_explanation *e)
{
	if (!e)
		return;
	hd_explanation_free(&e->x);
	hd_evidence_list_free(&e->ev);
	free(e);
}

size_t harden_explanation_count(const struct harden_explanation *e)
{
	return e ? e->x.n : 0;
}

static const struct hd_violation *violation(const struct harden_explanation *e, size_t i)
{
	return e && i < e->x.n ? &e->x.v[i] : NULL;
}

/* The violation's representative record (what explain prints for it). */
static const struct hd_evidence *record(const struct harden_explanation *e, size_t i)
{
	const struct hd_violation *v = violation(e, i);
	return v && v->first < e->ev.n ? &e->ev.v[v->first] : NULL;
}

const char *harden_explanation_syscall(const struct harden_explanation *e, size_t i)
{
	const struct hd_evidence *r = record(e, i);
	return r ? r->syscall : NULL;
}

int harden_explanation_nr(const struct harden_explanation *e, size_t i)
{
	const struct hd_evidence *r = record(e, i);
	return r && r->nr >= 0 ? r->nr : -1;
}

const char *harden_explanation_arch(const struct harden_explanation *e, size_t i)
{
	const struct hd_evidence *r = record(e, i);
	const struct hd_arch_info *ai = r ? hd_arch_info(r->arch) : NULL;
	return ai ? ai->name : NULL;
}

int harden_explanation_signal(const struct harden_explanation *e, size_t i)
{
	const struct hd_evidence *r = record(e, i);
	return r ? r->signo : 0;
}

const char *harden_explanation_verdict(const struct harden_explanation *e, size_t i)
{
	const struct hd_evidence *r = record(e, i);
	return r ? hd_verdict_name(r->verdict) : NULL;
}

size_t harden_explanation_records(const struct harden_explanation *e, size_t i)
{
	const struct hd_violation *v = violation(e, i);
	return v ? v->count : 0;
}

const char *harden_explanation_fix(const struct harden_explanation *e, size_t i)
{
	const struct hd_violation *v = violation(e, i);
	return v ? v->narrow_line : NULL;
}

const char *harden_explanation_group_fix(const struct harden_explanation *e, size_t i)
{
	const struct hd_violation *v = violation(e, i);
	return v ? v->group_line : NULL;
}
