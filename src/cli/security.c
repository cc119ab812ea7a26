/* SPDX-License-Identifier: MIT */
/* harden security: systemd-analyze security's exposure assessment, offline, for many units at once. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "assess/batch.h"
#include "syscalls/groups.h"
#include "assess/settings.h"
#include "unit/unit.h"

static const char *const verb = "security";

static void help(void)
{
	printf("Usage: %s security [OPTIONS...] FILE|DIR|UNIT...\n"
	       "\n"
	       "Score how exposed each service unit is, with systemd-analyze security's 81 checks, weights and\n"
	       "ratings (systemd 252's numbers, offline: unit files and their drop-ins are read, no manager is\n"
	       "asked). A DIR means every *.service file in it (not recursive); a bare UNIT name that is no\n"
	       "file here is looked up in the unit search path (/etc/systemd/system ... /usr/lib/systemd/system).\n"
	       "\n"
	       "  --json=pretty|short        JSON instead of the table: for one unit systemd's array of\n"
	       "                             {set, name, json_field, description, exposure}; for several\n"
	       "                             units one object {\"units\": [{unit, exposure, predicate, checks,\n"
	       "                             ...}], \"errors\": [{file, line, error, unit_file}]}\n"
	       "  --fix                      for every failing check, the line(s) that would make it pass,\n"
	       "                             then a drop-in with all of them and the exposure the unit would\n"
	       "                             reach with it (re-scored, not estimated); in JSON, a \"fix\" per row\n"
	       "                             and an object {unit, exposure, checks, dropin, exposure_after_fix}\n"
	       "  --threshold=N              exit 1 if a unit's exposure (in tenths, 0-100) is above N\n"
	       "                             (default 100)\n"
	       "  --security-policy=FILE     re-weigh checks with a JSON policy (systemd's format); default:\n"
	       "                             the first systemd-analyze-security.policy in /etc/systemd,\n"
	       "                             /run/systemd, /usr/local/lib/systemd, /usr/lib/systemd\n"
	       "  --root=DIR                 an image root: FILE|DIR arguments are paths inside it (as\n"
	       "                             systemd-analyze takes them); drop-ins, profiles and the default\n"
	       "                             policy are looked up there too\n"
	       "  --profile=NAME|PATH        apply a portable profile (NAME from .../portable/profile/NAME/\n"
	       "                             service.conf, or a PATH to a .conf file) as the last drop-in\n"
	       "  --instance=NAME            instance for template units (default: 'i' as systemd 252 uses,\n"
	       "                             'test_instance' after 252)\n"
	       "  --systemd=252..262|latest\n"
	       "                             checks and semantics of this systemd (default: installed one if\n"
	       "                             modelled, else latest = 262). After 252: an unset\n"
	       "                             PrivateMounts= passes, that version's syscall groups, newer\n"
	       "                             values (PrivateTmp=disconnected, PrivateUsers=self,\n"
	       "                             Type=notify-reload ...), instance test_instance\n"
	       "  --offline[=yes]            accepted for compatibility; harden always works offline\n"
	       "  -h, --help                 this text\n"
	       "\n"
	       "Rows are printed in systemd's check-table order (the order of its source, stable across units),\n"
	       "not in systemd's per-unit order. Marks: ✓ passes, ✗ fails (partly or fully), blank: does not\n"
	       "apply. EXPOSURE is the row's share of the overall score. Several units: a table each, then an\n"
	       "overview (UNIT, EXPOSURE, PREDICATE, HAPPY) sorted from most to least exposed.\n"
	       "Units systemd would refuse to load are reported as errors naming file:line; the others are\n"
	       "still scored. Colour on a terminal unless NO_COLOR is set; ASCII outside UTF-8 locales.\n"
	       "Exit status: 0 ok, 1 a unit above --threshold or a unit that could not be scored, 2 usage error.\n",
	       cli_program);
}

struct options {
	int sdver;
	int json; /* 0 none, JSON_C_TO_STRING_* flags + 1 */
	bool fix;
	unsigned threshold;
	const char *policy_path;
	const char *root;
	const char *profile;
	const char *instance;
};

struct style {
	bool color, utf8, emoji;
};

/* ---------------------------------------------------------------- text helpers */

/* Display width of UTF-8 text: one column per character (our texts have no wide characters). */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

static void pad(FILE *f, const char *s, size_t width)
{
	fputs(s, f);
	for (size_t w = text_width(s); w < width; w++)
		fputc(' ', f);
}

static const char *exposure_str(unsigned e, char buf[16])
{
	snprintf(buf, 16, "%u.%u", e / 10, e % 10);
	return buf;
}

static const char *mark_of(int set, const struct style *st)
{
	if (set < 0)
		return " ";
	if (set)
		return st->utf8 ? "✓" : "+";
	return st->utf8 ? "✗" : "-";
}

static void print_table(const struct hd_assessment *a, const char *unit, const struct style *st, bool fix)
{
	size_t wname = 4, wdesc = 11;
	for (size_t i = 0; i < HD_CHECK_COUNT; i++) {
		size_t n = text_width(a->rows[i].check->name), d = text_width(a->rows[i].description);
		if (n > wname)
			wname = n;
		if (d > wdesc)
			wdesc = d;
	}
	const char *bold = st->color ? "\033[1m" : "", *off = st->color ? "\033[0m" : "";
	printf("%s  ", bold);
	pad(stdout, "NAME", wname + 1);
	pad(stdout, "DESCRIPTION", wdesc + 1);
	printf("EXPOSURE%s\n", off);
	for (size_t i = 0; i < HD_CHECK_COUNT; i++) {
		const struct hd_assess_row *r = &a->rows[i];
		const char *c = !st->color || r->set < 0 ? "" : r->set ? "\033[0;32m" : "\033[0;31m";
		printf("%s%s%s ", c, mark_of(r->set, st), st->color && r->set >= 0 ? off : "");
		pad(stdout, r->check->name, wname + 1);
		pad(stdout, r->description, wdesc + 1);
		char buf[16];
		if (r->exposure)
			printf("%8s", exposure_str(r->exposure, buf));
		putchar('\n');
		if (fix && r->set == 0 && r->check->fix) {
			/* the fix lines under the row, indented like a continuation */
			const char *p = r->check->fix;
			while (*p) {
				size_t n = strcspn(p, "\n");
				printf("  %s %.*s\n", st->utf8 ? "↳" : "=>", (int)n, p);
				p += n + (p[n] == '\n');
			}
		}
	}
	const struct hd_rating *rt = hd_rating_for(a->exposure);
	char buf[16];
	printf("\n%s Overall exposure level for %s: %s%s %s%s %s\n", st->utf8 ? "→" : "->", unit,
	       st->color ? rt->color : "", exposure_str(a->exposure, buf), rt->name, st->color && *rt->color ? off : "",
	       st->emoji ? rt->emoji : rt->ascii);
}

/* ---------------------------------------------------------------- JSON */

static json_object *rows_json(const struct hd_assessment *a, bool fix)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < HD_CHECK_COUNT; i++) {
		const struct hd_assess_row *r = &a->rows[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "set", r->set < 0 ? NULL : json_object_new_boolean(r->set));
		json_object_object_add(o, "name", json_object_new_string(r->check->name));
		json_object_object_add(o, "json_field", json_object_new_string(r->check->json_field));
		json_object_object_add(o, "description", json_object_new_string(r->description));
		char buf[16];
		json_object_object_add(o, "exposure", r->exposure ? json_object_new_string(exposure_str(r->exposure, buf)) : NULL);
		if (fix)
			json_object_object_add(o, "fix", r->set == 0 && r->check->fix ? json_object_new_string(r->check->fix) : NULL);
		json_object_array_add(arr, o);
	}
	return arr;
}

struct run {
	struct options o;
	struct style st;
	struct hd_policy policy;
	bool have_policy;
	struct hd_assess_overview overview;
	json_object *errors; /* multi-unit JSON */
	char *profile_path;
	bool multi;
	bool first_json;
	int rc;
};

/* Warnings as every verb prints them; errors always name a file (the unit's path when the library
 * had none to give, e.g. for "no ExecStart="), with the line when there is one. */
static void print_unit_diags(const hd_diags *d, const char *path)
{
	for (size_t i = 0; i < d->n; i++) {
		const hd_diag *g = &d->v[i];
		const char *file = g->file ? g->file : path;
		if (g->severity == HD_WARNING && !g->file)
			fprintf(stderr, "%s: warning: %s\n", cli_program, g->text);
		else if (g->line)
			fprintf(stderr, "%s:%u: %s: %s\n", file, g->line, g->severity == HD_ERROR ? "error" : "warning", g->text);
		else
			fprintf(stderr, "%s: %s: %s\n", file, g->severity == HD_ERROR ? "error" : "warning", g->text);
	}
}

/* A unit that could not be scored: the reason went to stderr with the diags; say it was skipped,
 * and in JSON list it with the file, line and reason of its (last) error. */
static void report_error(struct run *run, const char *path, const hd_diags *d, int r)
{
	const hd_diag *why = NULL;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == HD_ERROR)
			why = &d->v[i];
	if (!why)
		fprintf(stderr, "%s: error: %s\n", path, hd_unit_strerror(r));
	fprintf(stderr, "%s %s: %s: not scored\n", cli_program, verb, path);
	if (run->errors) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "file", json_object_new_string(why && why->file ? why->file : path));
		json_object_object_add(e, "line", why && why->line ? json_object_new_int((int)why->line) : NULL);
		json_object_object_add(e, "error", json_object_new_string(why ? why->text : hd_unit_strerror(r)));
		json_object_object_add(e, "unit_file", json_object_new_string(path));
		json_object_array_add(run->errors, e);
	}
	run->rc = EXIT_FINDINGS;
}

static int score_unit(struct run *run, const char *path)
{
	struct hd_assess_unit_options uo = { .root = run->o.root, .instance = run->o.instance, .sdver = run->o.sdver,
					     .policy = run->have_policy ? &run->policy : NULL,
					     .profile_path = run->profile_path, .fix = run->o.fix };
	struct hd_assess_unit_result res;
	hd_diags diags = {0}, fix_diags = {0};
	int r = hd_assess_unit_file(path, &uo, &res, &diags, &fix_diags);
	print_unit_diags(&fix_diags, HD_ASSESS_FIX_DROPIN_NAME);
	print_unit_diags(&diags, path);
	if (r < 0) {
		report_error(run, path, &diags, r);
		goto out;
	}

	const struct hd_assessment *a = &res.a, *after = &res.after;
	const char *name = res.name, *dropin = res.dropin;
	if (run->o.json) {
		json_object *doc;
		if (!run->multi && !run->o.fix) {
			doc = rows_json(a, false);
		} else {
			char buf[16];
			doc = json_object_new_object();
			json_object_object_add(doc, "unit", json_object_new_string(name));
			json_object_object_add(doc, "file", json_object_new_string(path));
			json_object_object_add(doc, "exposure", json_object_new_string(exposure_str(a->exposure, buf)));
			json_object_object_add(doc, "predicate", json_object_new_string(hd_rating_for(a->exposure)->name));
			json_object_object_add(doc, "checks", rows_json(a, run->o.fix));
			if (run->o.fix) {
				json_object_object_add(doc, "dropin", json_object_new_string(dropin));
				json_object_object_add(doc, "exposure_after_fix",
						       json_object_new_string(exposure_str(after->exposure, buf)));
			}
		}
		printf("%s%s", run->multi ? (run->first_json ? "\n" : ",\n") : "",
		       json_object_to_json_string_ext(doc, run->o.json - 1));
		run->first_json = false;
		json_object_put(doc);
	} else {
		if (run->multi)
			printf("%s\n", name);
		print_table(a, name, &run->st, run->o.fix);
		if (run->o.fix) {
			char b1[16], b2[16];
			printf("\nDrop-in with every fix (%s.d/harden.conf):\n\n%s\n%s Exposure with it: %s %s (now %s)\n",
			       name, dropin, run->st.utf8 ? "→" : "->", exposure_str(after->exposure, b1),
			       hd_rating_for(after->exposure)->name, exposure_str(a->exposure, b2));
		}
		if (run->multi)
			putchar('\n');
	}
	if (a->exposure > run->o.threshold)
		run->rc = EXIT_FINDINGS;
	hd_assess_overview_add(&run->overview, name, a->exposure); /* a row short of memory: still scored */
out:
	hd_assess_unit_result_free(&res);
	hd_diags_free(&fix_diags);
	hd_diags_free(&diags);
	return 0;
}

static void print_overview(struct run *run)
{
	hd_assess_overview_sort(&run->overview);
	const struct hd_assess_overview *ov = &run->overview;
	size_t w = 4;
	for (size_t i = 0; i < ov->n; i++)
		if (strlen(ov->v[i].unit) > w)
			w = strlen(ov->v[i].unit);
	const char *bold = run->st.color ? "\033[1m" : "", *off = run->st.color ? "\033[0m" : "";
	printf("%s", bold);
	pad(stdout, "UNIT", w + 1);
	printf("EXPOSURE PREDICATE HAPPY%s\n", off);
	for (size_t i = 0; i < ov->n; i++) {
		const struct hd_rating *rt = hd_rating_for(ov->v[i].exposure);
		char buf[16];
		pad(stdout, ov->v[i].unit, w + 1);
		printf("%8s %s%-9s%s %s\n", exposure_str(ov->v[i].exposure, buf), run->st.color ? rt->color : "", rt->name,
		       run->st.color && *rt->color ? off : "", run->st.emoji ? rt->emoji : rt->ascii);
	}
}

int verb_security(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_FIX, OPT_THRESHOLD, OPT_POLICY, OPT_ROOT, OPT_PROFILE, OPT_INSTANCE, OPT_SYSTEMD, OPT_OFFLINE };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "fix", no_argument, NULL, OPT_FIX },
		{ "threshold", required_argument, NULL, OPT_THRESHOLD },
		{ "security-policy", required_argument, NULL, OPT_POLICY },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "instance", required_argument, NULL, OPT_INSTANCE },
		{ "systemd", required_argument, NULL, OPT_SYSTEMD },
		{ "offline", optional_argument, NULL, OPT_OFFLINE },
		{ 0 },
	};
	struct run run = { .o = { .sdver = hd_systemd_version_default(), .threshold = 100 }, .first_json = true };
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			return EXIT_OK;
		case OPT_JSON:
			if (strcmp(optarg, "pretty") == 0)
				run.o.json = JSON_C_TO_STRING_PRETTY + 1;
			else if (strcmp(optarg, "short") == 0)
				run.o.json = JSON_C_TO_STRING_PLAIN + 1;
			else if (strcmp(optarg, "off") == 0)
				run.o.json = 0;
			else
				return cli_usage_error(verb, "--json=%s: expected pretty, short or off", optarg);
			break;
		case OPT_FIX:
			run.o.fix = true;
			break;
		case OPT_THRESHOLD: {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || !*optarg || *end || v > 100 || optarg[0] == '-')
				return cli_usage_error(verb, "--threshold=%s: expected an integer 0-100 (tenths of the score)", optarg);
			run.o.threshold = (unsigned)v;
			break;
		}
		case OPT_POLICY:
			run.o.policy_path = optarg;
			break;
		case OPT_ROOT:
			run.o.root = optarg;
			break;
		case OPT_PROFILE:
			run.o.profile = optarg;
			break;
		case OPT_INSTANCE:
			if (!*optarg || strpbrk(optarg, "/@ \t\n"))
				return cli_usage_error(verb, "--instance=%s: not a valid instance name", optarg);
			run.o.instance = optarg;
			break;
		case OPT_SYSTEMD:
			if (cli_parse_systemd_version(verb, optarg, &run.o.sdver))
				return EXIT_USAGE;
			break;
		case OPT_OFFLINE:
			if (optarg && hd_parse_boolean(optarg) != 1)
				return cli_usage_error(verb, "--offline=%s: harden only works offline", optarg);
			break;
		default:
			return cli_usage_error(verb, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(verb, "no unit file or directory given");

	/* the policy first: a bad policy is a usage problem for every unit */
	hd_diags pd = {0};
	int r = run.o.policy_path ? hd_policy_load(run.o.policy_path, &run.policy, &pd)
				  : hd_policy_load_default(run.o.root, &run.policy, &pd);
	cli_print_diags(&pd);
	hd_diags_free(&pd);
	if (r < 0) {
		fprintf(stderr, "%s %s: unusable security policy %s\n", cli_program, verb,
			run.policy.path ? run.policy.path : run.o.policy_path ? run.o.policy_path : "");
		hd_policy_free(&run.policy);
		return EXIT_USAGE;
	}
	run.have_policy = run.o.policy_path || r > 0;

	if (run.o.profile && !(run.profile_path = hd_assess_find_profile(run.o.profile, run.o.root))) {
		fprintf(stderr, "%s %s: --profile=%s: no such profile (a NAME in .../portable/profile/NAME/service.conf, or a PATH to a .conf file)\n",
			cli_program, verb, run.o.profile);
		hd_policy_free(&run.policy);
		return EXIT_USAGE;
	}

	hd_strv files = {0};
	bool any_dir = false;
	for (int i = optind; i < argc; i++) {
		r = hd_assess_collect_units(argv[i], run.o.root, &files, &any_dir);
		if (r < 0)
			fprintf(stderr, "%s %s: %s: cannot read directory: %s\n", cli_program, verb, argv[i], strerror(-r)), run.rc = EXIT_FINDINGS;
	}
	/* one FILE: systemd's output forms; several, or a directory: a batch with an overview */
	run.multi = any_dir || argc - optind > 1;
	run.st.utf8 = cli_utf8();
	run.st.color = cli_color(stdout);
	const char *term = getenv("TERM");
	run.st.emoji = run.st.utf8 && term && *term && strcmp(term, "dumb") != 0 && strcmp(term, "linux") != 0;
	if (run.o.json && run.multi) {
		run.errors = json_object_new_array();
		printf("{\"units\": [");
	}
	for (size_t i = 0; i < files.n; i++)
		score_unit(&run, files.v[i]);
	if (run.o.json && run.multi) {
		printf("%s], \"errors\": %s}\n", run.first_json ? "" : "\n",
		       json_object_to_json_string_ext(run.errors, run.o.json - 1));
		json_object_put(run.errors);
	} else if (run.o.json && !run.first_json) {
		putchar('\n');
	} else if (run.multi) {
		print_overview(&run);
	}
	if (files.n == 0) {
		fprintf(stderr, "%s %s: no unit files found\n", cli_program, verb);
		run.rc = EXIT_FINDINGS;
	}
	hd_assess_overview_free(&run.overview);
	hd_strv_free(&files);
	hd_policy_free(&run.policy);
	free(run.profile_path);
	fflush(stdout);
	return run.rc;
}
