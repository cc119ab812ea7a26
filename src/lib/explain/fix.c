/* SPDX-License-Identifier: MIT */
#include "explain/fix.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls/syscalls.h"
#include "unit/unitwrite.h"
#include "util/strv.h"

const char *hd_explain_arch_name(hd_arch a)
{
	const struct hd_arch_info *ai = hd_arch_info(a);
	return ai ? ai->name : "unknown architecture";
}

int hd_explain_unit_load(struct hd_explain_unit_ctx *uc, const char *path, int sdver, hd_diags *diags)
{
	uc->sdver = sdver;
	struct hd_unit_load_options lo = { .sdver = sdver };
	int r = hd_unit_load(path, &lo, &uc->unit, diags);
	if (r < 0)
		return r;
	uc->loaded = true;
	return hd_unit_seccomp_settings(&uc->unit, sdver, &uc->settings);
}

void hd_explain_unit_ctx_free(struct hd_explain_unit_ctx *uc)
{
	for (size_t i = 0; i < uc->n; i++) {
		for (size_t k = 0; k < uc->verdicts[i].n; k++)
			hd_unit_verdict_free(&uc->verdicts[i].v[k]);
		free(uc->verdicts[i].v);
	}
	free(uc->verdicts);
	uc->verdicts = NULL;
	uc->n = 0;
	for (int a = 0; a < HD_ARCH_COUNT; a++)
		if (uc->have_rs[a]) {
			hd_ruleset_free(&uc->rs[a]);
			uc->have_rs[a] = false;
		}
	if (uc->loaded) {
		hd_seccomp_settings_free(&uc->settings);
		hd_unit_free(&uc->unit);
		uc->loaded = false;
	}
}

/* hd_allowed_fn: "also allows" leaves out what the unit lets run already */
static bool unit_allows(const char *syscall, hd_arch arch, void *ud)
{
	struct hd_explain_unit_ctx *uc = ud;
	if (arch == HD_ARCH_INVALID)
		arch = hd_arch_native();
	if (!uc->have_rs[arch]) {
		if (hd_ruleset_build(&uc->settings, arch, uc->sdver, &uc->rs[arch]) < 0)
			return false;
		uc->have_rs[arch] = true;
	}
	int nr = hd_syscall_nr(syscall, arch, NULL);
	return nr != HD_NR_NONE && hd_action_allows(hd_ruleset_action(&uc->rs[arch], nr, NULL));
}

static int unit_verdicts(struct hd_explain_unit_ctx *uc, const struct hd_evidence_list *ev,
			 const struct hd_explanation *x)
{
	uc->verdicts = calloc(x->n ? x->n : 1, sizeof(*uc->verdicts));
	if (!uc->verdicts)
		return -ENOMEM;
	uc->n = x->n;
	for (size_t i = 0; i < x->n; i++) {
		const struct hd_violation *v = &x->v[i];
		hd_arch arch = ev->v[v->first].arch == HD_ARCH_INVALID ? hd_arch_native() : ev->v[v->first].arch;
		uc->verdicts[i].v = calloc(v->n_fix ? v->n_fix : 1, sizeof(*uc->verdicts[i].v));
		if (!uc->verdicts[i].v)
			return -ENOMEM;
		/* counted before they are filled: a failure half-way frees zeroed verdicts, which is fine */
		uc->verdicts[i].n = v->n_fix;
		for (size_t k = 0; k < v->n_fix; k++) {
			int r = hd_explain_unit(&uc->unit, uc->sdver, v->fix[k].name, arch, &uc->verdicts[i].v[k]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int hd_explain_evidence(struct hd_evidence_list *ev, int sdver, struct hd_explain_unit_ctx *uc,
			struct hd_explanation *out)
{
	bool with_unit = uc && uc->loaded;
	int r = hd_evidence_correlate(ev);
	if (r >= 0)
		r = hd_explain(ev, sdver, with_unit ? unit_allows : NULL, uc, out);
	if (r >= 0 && with_unit)
		r = unit_verdicts(uc, ev, out);
	return r < 0 ? r : 0;
}

bool hd_explanation_has_seccomp(const struct hd_evidence_list *ev, const struct hd_explanation *x)
{
	for (size_t i = 0; i < x->n; i++)
		if (hd_evidence_is_seccomp(&ev->v[x->v[i].first]))
			return true;
	return false;
}

/* One formatted comment, through hd_unit_comment: never more lines than it means. */
static void put_comment(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_comment(FILE *f, const char *fmt, ...)
{
	char *text = NULL, *lines = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (r >= 0 && hd_unit_comment(text, &lines) == 0)
		fputs(lines, f);
	else
		fputs("# (out of memory)\n", f);
	if (r >= 0)
		free(text);
	free(lines);
}

int hd_explain_dropin_text(const struct hd_evidence_list *ev, const struct hd_explanation *x,
			   const struct hd_explain_unit_ctx *uc, char **out)
{
	*out = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "# Written by harden explain: allows the syscalls a seccomp filter killed this service for.\n");
	hd_strv lines = { 0 };
	for (size_t i = 0; i < x->n; i++) {
		const struct hd_violation *v = &x->v[i];
		const struct hd_evidence *e = &ev->v[v->first];
		/* a logged or errno'd call did run (or failed softly): only kills need allowing */
		if (!v->narrow_line || (e->verdict != HD_VERDICT_SECCOMP_KILL && e->verdict != HD_VERDICT_SIGSYS))
			continue;
		/* the process name, its executable and the evidence file are the dead program's or the log's
		 * choice: comment lines only, whatever they hold (hd_unit_comment) */
		put_comment(f, "%s%s killed %s on %s (evidence: %s)", v->narrow_line + strlen("SystemCallFilter="),
			    e->inferred ? " (inferred from the stack trace)" : "",
			    e->comm ? e->comm : e->exe ? e->exe : "process", hd_explain_arch_name(e->arch),
			    e->file ? e->file : "-");
		if (!uc || !uc->loaded) {
			hd_strv_push_unique(&lines, v->narrow_line);
			continue;
		}
		for (size_t k = 0; k < v->n_fix; k++) {
			const struct hd_unit_verdict *u = &uc->verdicts[i].v[k];
			if (!u->blocked)
				continue;
			if (u->culprit)
				put_comment(f, "  excluded by %s:%u: %s=%s", u->culprit->file, u->culprit->line,
					    u->culprit->key, u->culprit->value);
			if (u->arch_culprit)
				put_comment(f, "  and by %s:%u: %s=%s", u->arch_culprit->file, u->arch_culprit->line,
					    u->arch_culprit->key, u->arch_culprit->value);
			for (size_t l = 0; l < u->fix_lines.n; l++)
				hd_strv_push_unique(&lines, u->fix_lines.v[l]);
		}
	}
	fprintf(f, "[Service]\n");
	/* in an allow list a plain name adds the syscall; in a deny list it removes it from the set:
	 * the same line is right in both modes */
	bool verbatim = true;
	for (size_t i = 0; i < lines.n; i++) {
		/* names from harden's tables; anything else would be a line harden did not mean */
		const char *eq = strchr(lines.v[i], '=');
		verbatim = verbatim && eq && hd_unit_value_is_verbatim(eq + 1);
		fprintf(f, "%s\n", lines.v[i]);
	}
	bool any = lines.n > 0;
	hd_strv_free(&lines);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	if (!any || !verbatim) {
		free(buf);
		return any ? -EINVAL : -ENOENT;
	}
	*out = buf;
	return 0;
}
