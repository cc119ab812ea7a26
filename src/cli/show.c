/* SPDX-License-Identifier: MIT */
/* harden show: the effective seccomp-backed settings, their rule sets per architecture, and diffs. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "filter/filter.h"
#include "syscalls/groups.h"
#include "syscalls/nametables.h"
#include "unit/unit.h"

/* The settings printed in the systemctl-show style output, in this order. */
static const char *const shown_keys[] = {
	"SystemCallFilter",
	"SystemCallErrorNumber",
	"SystemCallArchitectures",
	"SystemCallLog",
	"RestrictAddressFamilies",
	"RestrictNamespaces",
	"LockPersonality",
	"MemoryDenyWriteExecute",
	"RestrictRealtime",
	"RestrictSUIDSGID",
	"ProtectKernelTunables",
	"ProtectKernelModules",
	"ProtectKernelLogs",
	"ProtectClock",
	"PrivateDevices",
	"ProtectHostname",
	"NoNewPrivileges",
	NULL,
};

static void help(void)
{
	printf("Usage: %s show [OPTIONS] [-p SETTING=VALUE...] [[--unit] FILE]\n"
	       "       %s show --diff [OPTIONS] [--unit FILE] [-p SETTING=VALUE...] -- [--unit FILE] [-p SETTING=VALUE...]\n"
	       "\n"
	       "Print what a set of systemd seccomp settings really amounts to, parsed with systemd's exact\n"
	       "rules: SystemCallFilter= (groups and the implicit @default expanded), SystemCallErrorNumber=,\n"
	       "SystemCallLog=, SystemCallArchitectures=, RestrictAddressFamilies=, RestrictNamespaces= and\n"
	       "the seccomp-backed booleans (LockPersonality=, ProtectClock=, ...).\n"
	       "\n"
	       "      --unit=FILE               read the seccomp settings from a unit file's [Service] lines\n"
	       "                                (a lone FILE after the options means the same)\n"
	       "                                and its drop-ins first (warnings name FILE:LINE)\n"
	       "  -p, --property=SETTING=VALUE  apply one assignment on top, like a line in [Service];\n"
	       "                                repeat in order (an empty value resets, as in a unit file)\n"
	       "      --systemd=252..262|latest\n"
	       "                                semantics and group tables of this systemd (default: the\n"
	       "                                installed one if harden models it, else latest = 262)\n"
	       "      --arch=ARCH               --json/--diff: also the rule set for ARCH (repeatable; systemd\n"
	       "                                names: x86-64, x86, x32, arm64, ...)\n"
	       "      --json                    print the settings and the rule set per architecture (native\n"
	       "                                ABIs, every SystemCallArchitectures= entry, every --arch) as\n"
	       "                                JSON: what the kernel does with every stacked filter systemd\n"
	       "                                installs -- default action, rules (nr, name, action, origin,\n"
	       "                                argument conditions), names with no number there\n"
	       "      --diff                    the settings before '--' are A, after it B (its own --unit\n"
	       "                                first, then -p): list per architecture the syscalls B lets\n"
	       "                                run (allow or log) that A does not, or that A allows only\n"
	       "                                for some arguments; exit 1 if there are any\n"
	       "      --strict                  treat warnings about the settings as errors (exit 1, no output)\n"
	       "  -h, --help                    this text\n"
	       "\n"
	       "Output (default): one SETTING=VALUE line per setting, as 'systemctl show --all' prints it:\n"
	       "a deny list starts with '~' (so an unset list reads '~', deny nothing, and an empty allow\n"
	       "list such as RestrictAddressFamilies=none reads ''), deny entries with their own action\n"
	       "print as name:EPERM, name:NUMBER or name:kill, SystemCallErrorNumber=2147483646 means kill.\n"
	       "Warnings (unknown syscalls, groups, errno names, ...) go to stderr with the offending word.\n"
	       "Exit status: 0 ok, 1 --strict and warnings, --diff found syscalls, or the unit file could\n"
	       "not be read; 2 usage error.\n"
	       "\n"
	       "Example: %s show -p 'SystemCallFilter=@system-service' -p 'SystemCallFilter=~@privileged'\n",
	       cli_program, cli_program, cli_program);
}

struct side {
	struct hd_seccomp_settings settings;
	hd_diags diags;
};

/* --unit FILE: its [Service] lines (and drop-ins) first. 0, EXIT_FINDINGS when it cannot be read,
 * or -ENOMEM. */
static int apply_unit(struct side *side, const char *path, int sdver)
{
	struct hd_unit u = { 0 };
	const struct hd_unit_load_options opt = { .sdver = sdver, .parse_only = 1 };
	int r = hd_unit_load(path, &opt, &u, &side->diags);
	if (r >= 0)
		r = hd_seccomp_apply_unit(&side->settings, &u, sdver, &side->diags);
	hd_unit_free(&u);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		cli_print_diags(&side->diags);
		/* not strerror: the unit reader's codes are its own (-ERFKILL: masked) */
		fprintf(stderr, "%s show: %s: %s\n", cli_program, path, hd_unit_strerror(r));
		return EXIT_FINDINGS;
	}
	return 0;
}

/* Apply one -p argument. EXIT_USAGE when it is not SETTING=VALUE. */
static int apply_property(struct side *side, const char *arg, int sdver)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return cli_usage_error("show", "-p '%s': expected SETTING=VALUE", arg);
	size_t klen = (size_t)(eq - arg);
	while (klen && (arg[klen - 1] == ' ' || arg[klen - 1] == '\t')) /* "Key = value", as in a unit file */
		klen--;
	char *key = strndup(arg, klen);
	if (!key)
		return -ENOMEM;
	int r = hd_seccomp_apply(&side->settings, key, eq + 1, sdver, NULL, 0, &side->diags);
	if (r == 0)
		hd_diag_add(&side->diags, HD_WARNING, NULL, 0,
			    "Unknown key name '%s' (not a seccomp-backed setting), ignoring", key);
	free(key);
	return r < 0 ? r : 0;
}

static json_object *ruleset_json(const struct hd_ruleset *rs)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "arch", json_object_new_string(hd_arch_info(rs->arch)->name));
	json_object_object_add(o, "default", cli_json_action(rs->default_action));
	json_object *rules = json_object_new_array();
	for (size_t i = 0; i < rs->n; i++) {
		const struct hd_rule *r = &rs->v[i];
		json_object *j = cli_json_action(r->action);
		json_object_object_add(j, "nr", json_object_new_int(r->nr));
		json_object_object_add(j, "name", json_object_new_string(r->name));
		json_object_object_add(j, "origin", json_object_new_string(r->origin));
		if (r->n_cmps) {
			static const char *const ops[] = { [HD_CMP_EQ] = "eq", [HD_CMP_NE] = "ne", [HD_CMP_LT] = "lt",
							   [HD_CMP_LE] = "le", [HD_CMP_GT] = "gt", [HD_CMP_GE] = "ge",
							   [HD_CMP_MASKED_EQ] = "masked_eq" };
			json_object *conds = json_object_new_array();
			for (unsigned k = 0; k < r->n_cmps && k < HD_RULE_MAX_CMPS; k++) {
				json_object *c = json_object_new_object();
				json_object_object_add(c, "arg", json_object_new_int((int)r->cmps[k].arg));
				json_object_object_add(c, "op", json_object_new_string(ops[r->cmps[k].op]));
				if (r->cmps[k].op == HD_CMP_MASKED_EQ)
					json_object_object_add(c, "mask", json_object_new_uint64(r->cmps[k].mask));
				json_object_object_add(c, "value", json_object_new_uint64(r->cmps[k].datum));
				json_object_array_add(conds, c);
			}
			json_object_object_add(j, "conditions", conds);
		}
		json_object_array_add(rules, j);
	}
	json_object_object_add(o, "rules", rules);
	json_object *unres = json_object_new_array();
	for (size_t i = 0; i < rs->unresolved.n; i++)
		json_object_array_add(unres, json_object_new_string(rs->unresolved.v[i]));
	json_object_object_add(o, "unresolved", unres);
	if (rs->install_error)
		json_object_object_add(o, "install_error", json_object_new_string(rs->install_error));
	return o;
}

static int print_settings(const struct hd_seccomp_settings *s, bool json, int sdver, const hd_arch *extra,
			  size_t n_extra)
{
	json_object *root = json ? json_object_new_object() : NULL, *settings = NULL;
	if (json) {
		json_object_object_add(root, "systemd", json_object_new_string(hd_systemd_version_name(sdver)));
		settings = json_object_new_object();
		json_object_object_add(root, "settings", settings);
	}
	for (size_t i = 0; shown_keys[i]; i++) {
		char *v = NULL;
		if (hd_seccomp_format(s, shown_keys[i], &v) < 0) {
			json_object_put(root);
			return -ENOMEM;
		}
		if (json)
			json_object_object_add(settings, shown_keys[i], json_object_new_string(v));
		else
			printf("%s=%s\n", shown_keys[i], v);
		free(v);
	}
	if (!json)
		return 0;
	hd_arch archs[HD_ARCH_COUNT];
	size_t n = hd_seccomp_report_archs(s, extra, n_extra, archs);
	json_object *sets = json_object_new_array();
	json_object_object_add(root, "rulesets", sets);
	for (size_t i = 0; i < n; i++) {
		struct hd_ruleset rs;
		int r = hd_ruleset_build_full(s, archs[i], sdver, &rs);
		if (r < 0) {
			json_object_put(root);
			return r;
		}
		json_object_array_add(sets, ruleset_json(&rs));
		hd_ruleset_free(&rs);
	}
	cli_json_print(root, 0);
	json_object_put(root);
	return 0;
}

/* --diff: per architecture, what B lets run that A does not. 1 if anything, 0 if nothing, <0 error. */
static int print_diff(const struct side *a, const struct side *b, bool json, int sdver, const hd_arch *extra,
		      size_t n_extra)
{
	/* the union of both sides' architectures (and --arch): B's own come after A's */
	hd_arch archs[HD_ARCH_COUNT], archs_b[HD_ARCH_COUNT], both[2 * HD_ARCH_COUNT];
	size_t nb = hd_seccomp_report_archs(&b->settings, NULL, 0, archs_b), nboth = 0;
	for (size_t i = 0; i < n_extra; i++)
		both[nboth++] = extra[i];
	for (size_t i = 0; i < nb; i++)
		both[nboth++] = archs_b[i];
	size_t n = hd_seccomp_report_archs(&a->settings, both, nboth, archs);
	json_object *root = json ? json_object_new_array() : NULL;
	int found = 0, r = 0;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct hd_ruleset_diff d = { 0 };
		r = hd_seccomp_diff(&a->settings, &b->settings, archs[i], sdver, &d);
		if (r < 0)
			break;
		const char *an = hd_arch_info(archs[i])->name;
		if (r >= 0 && json) {
			json_object *o = json_object_new_object(), *list = json_object_new_array();
			json_object_object_add(o, "arch", json_object_new_string(an));
			for (size_t k = 0; k < d.n; k++) {
				json_object *e = json_object_new_object();
				json_object_object_add(e, "name", json_object_new_string(d.v[k].name));
				json_object_object_add(e, "nr", json_object_new_int(d.v[k].nr));
				json_object_object_add(e, "a", cli_json_action(d.v[k].in_a));
				json_object_object_add(e, "b", cli_json_action(d.v[k].in_b));
				json_object_object_add(e, "conditional", json_object_new_boolean(d.v[k].conditional));
				json_object_array_add(list, e);
			}
			json_object_object_add(o, "b_allows", list);
			json_object_array_add(root, o);
		} else if (r >= 0) {
			printf("%s: B allows %zu syscall%s that A does not\n", an, d.n, d.n == 1 ? "" : "s");
			for (size_t k = 0; k < d.n; k++) {
				char ba[64], bb[64];
				bool partial = hd_action_allows(d.v[k].in_a);
				printf("  %-24s A: %s%s, B: %s%s\n", d.v[k].name, hd_action_format(d.v[k].in_a, ba, sizeof(ba)),
				       partial ? " (some arguments refused)" : "", hd_action_format(d.v[k].in_b, bb, sizeof(bb)),
				       !partial && d.v[k].conditional ? " (argument conditions apply)" : "");
			}
		}
		if (d.n)
			found = 1;
		hd_ruleset_diff_free(&d);
	}
	if (json && r >= 0)
		cli_json_print(root, 0);
	json_object_put(root);
	return r < 0 ? r : found;
}

/* After "--" in --diff mode only --unit FILE (first) and -p/--property may follow. */
static int parse_side_b(int argc, char **argv, int i, struct side *b, int sdver)
{
	if (i < argc && (strcmp(argv[i], "--unit") == 0 || strncmp(argv[i], "--unit=", 7) == 0)) {
		const char *path = argv[i][6] == '=' ? argv[i] + 7 : NULL;
		if (!path && i + 1 >= argc)
			return cli_usage_error("show", "option '--unit' requires an argument");
		if (!path)
			path = argv[++i];
		int r = apply_unit(b, path, sdver);
		if (r != 0)
			return r;
		i++;
	}
	for (; i < argc; i++) {
		const char *arg = argv[i], *val = NULL;
		if (strcmp(arg, "-p") == 0 || strcmp(arg, "--property") == 0) {
			if (i + 1 >= argc)
				return cli_usage_error("show", "option '%s' requires an argument", arg);
			val = argv[++i];
		} else if (strncmp(arg, "--property=", 11) == 0)
			val = arg + 11;
		else if (strncmp(arg, "-p", 2) == 0)
			val = arg + 2;
		else
			return cli_usage_error("show", "after '--' only [--unit FILE] -p SETTING=VALUE... may follow, not '%s'", arg);
		int r = apply_property(b, val, sdver);
		if (r != 0)
			return r;
	}
	return 0;
}

int verb_show(int argc, char **argv)
{
	enum { OPT_SYSTEMD = 0x100, OPT_ARCH, OPT_JSON, OPT_STRICT, OPT_DIFF, OPT_UNIT };
	static const struct option options[] = {
		{ "property", required_argument, NULL, 'p' },
		{ "systemd", required_argument, NULL, OPT_SYSTEMD },
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "diff", no_argument, NULL, OPT_DIFF },
		{ "unit", required_argument, NULL, OPT_UNIT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int sdver = hd_systemd_version_default();
	bool json = false, strict = false, diff = false;
	hd_arch extra[HD_ARCH_COUNT];
	size_t n_extra = 0;
	hd_strv props = { 0 };
	const char *unit = NULL;
	struct side a = { 0 }, b = { 0 };
	int ret = EXIT_OK, c, r;
	hd_seccomp_settings_init(&a.settings);
	hd_seccomp_settings_init(&b.settings);

	opterr = 0;
	optind = 0;
	/* "+": stop at "--" (which getopt consumes) and at the first non-option */
	while ((c = getopt_long(argc, argv, "+p:h", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (hd_strv_push(&props, optarg) < 0)
				goto oom;
			break;
		case OPT_SYSTEMD:
			if (cli_parse_systemd_version("show", optarg, &sdver) != 0) {
				ret = EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_ARCH: {
			hd_arch ar = hd_arch_from_name(optarg);
			if (ar == HD_ARCH_INVALID) {
				ret = cli_usage_error("show", "--arch=%s: unknown architecture", optarg);
				goto out;
			}
			bool seen = false;
			for (size_t i = 0; i < n_extra; i++)
				seen = seen || extra[i] == ar;
			if (!seen)
				extra[n_extra++] = ar;
			break;
		}
		case OPT_JSON:
			json = true;
			break;
		case OPT_STRICT:
			strict = true;
			break;
		case OPT_DIFF:
			diff = true;
			break;
		case OPT_UNIT:
			unit = optarg;
			break;
		case 'h':
			help();
			goto out;
		case ':':
			ret = cli_usage_error("show", "option '%s' requires an argument", argv[optind - 1]);
			goto out;
		default:
			ret = cli_usage_error("show", "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	bool dashdash = optind > 0 && optind <= argc && strcmp(argv[optind - 1], "--") == 0;
	if (diff && !dashdash) {
		ret = cli_usage_error("show", "--diff needs the B settings after '--'");
		goto out;
	}
	/* "harden show FILE": one positional argument is the unit file, as with --unit FILE */
	if (!diff && !dashdash && !unit && optind == argc - 1)
		unit = argv[optind++];
	if (!diff && optind < argc) {
		ret = cli_usage_error("show", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (unit) {
		r = apply_unit(&a, unit, sdver);
		if (r == -ENOMEM)
			goto oom;
		if (r != 0) {
			ret = r;
			goto out;
		}
	}
	for (size_t i = 0; i < props.n; i++) {
		r = apply_property(&a, props.v[i], sdver);
		if (r == -ENOMEM)
			goto oom;
		if (r != 0) {
			ret = r;
			goto out;
		}
	}
	if (diff) {
		r = parse_side_b(argc, argv, optind, &b, sdver);
		if (r == -ENOMEM)
			goto oom;
		if (r != 0) {
			ret = r;
			goto out;
		}
	}
	if (hd_seccomp_check(&a.settings, sdver, NULL, &a.diags) < 0 ||
	    (diff && hd_seccomp_check(&b.settings, sdver, NULL, &b.diags) < 0))
		goto oom;
	cli_print_diags(&a.diags);
	cli_print_diags(&b.diags);
	if (strict && (a.diags.n || b.diags.n)) {
		fprintf(stderr, "%s show: --strict: %zu warning(s), no output\n", cli_program, a.diags.n + b.diags.n);
		ret = EXIT_FINDINGS;
		goto out;
	}
	r = diff ? print_diff(&a, &b, json, sdver, extra, n_extra) : print_settings(&a.settings, json, sdver, extra, n_extra);
	if (r == -ENOMEM)
		goto oom;
	if (r < 0) {
		fprintf(stderr, "%s show: %s\n", cli_program, strerror(-r));
		ret = EXIT_FINDINGS;
	} else if (r > 0)
		ret = EXIT_FINDINGS;
	goto out;
oom:
	fprintf(stderr, "%s show: out of memory\n", cli_program);
	ret = EXIT_FINDINGS;
out:
	hd_strv_free(&props);
	hd_seccomp_settings_free(&a.settings);
	hd_seccomp_settings_free(&b.settings);
	hd_diags_free(&a.diags);
	hd_diags_free(&b.diags);
	return ret;
}
