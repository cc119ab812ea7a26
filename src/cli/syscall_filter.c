/* SPDX-License-Identifier: MIT */
/*
 * harden syscall-filter: systemd's syscall groups, listed exactly as `systemd-analyze syscall-filter`
 * prints them (for --systemd=252 the output is byte-identical to systemd 252's), plus a reverse lookup
 * that systemd lacks: for a syscall name, its number on each architecture, the groups that hold it and
 * whether the installed libseccomp and the running kernel know it.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdarg.h>

#include "syscalls/abiprobe.h"
#include "syscalls/arch.h"
#include "cli.h"
#include "syscalls/groups.h"
#include "syscalls/lookup.h"
#include "syscalls/syscalls.h"

#define VERB "syscall-filter"

/* The architectures the text reverse lookup shows (--json lists every architecture libseccomp knows). */
static const hd_arch text_arches[] = {
	HD_ARCH_X86_64, HD_ARCH_X86, HD_ARCH_X32, HD_ARCH_ARM64,
	HD_ARCH_ARM, HD_ARCH_RISCV64, HD_ARCH_S390X, HD_ARCH_PPC64LE,
};

/* systemd's terminal escapes (ansi_highlight, ansi_underline, ansi_normal), used only on a tty. */
struct style {
	const char *highlight, *underline, *normal;
};

struct opts {
	bool quiet, json;
	int sdver;
	struct style st;
};

static void help(void)
{
	const char *sep = cli_utf8() ? "\u2283" : ">";
	printf("Usage: %s " VERB " [OPTIONS...] [@GROUP|SYSCALL...]\n"
	       "\n"
	       "Without arguments, list systemd's syscall groups, then the syscalls systemd knows but groups\n"
	       "nowhere (\"Ungrouped\") and those the running kernel has but no group lists (\"Unlisted\", read\n"
	       "from tracefs available_events). For --systemd=N the listing is byte-for-byte what\n"
	       "`systemd-analyze syscall-filter` of systemd N prints (252, 257 and 262 checked against\n"
	       "the real programs; the others read from systemd's git tags), including its stderr\n"
	       "line when the kernel's list cannot be read.\n"
	       "\n"
	       "@GROUP prints that group. SYSCALL (a name without @) prints its number on each architecture\n"
	       "(\"-\" where it does not exist) and where the number comes from (libseccomp, or harden's own table\n"
	       "of syscalls newer than the installed libseccomp), every group holding it with the nesting path\n"
	       "(@privileged %s @chown %s fchown; \">\" outside UTF-8 locales), and whether the installed\n"
	       "libseccomp and the running kernel (its native ABI, as listed in tracefs) know it, and whether\n"
	       "this kernel lets a process in through the compat ABIs at all (x86-64: int $0x80 and x32, probed\n"
	       "with one unfiltered getpid each; an ABI that faults cannot bypass a filter). Text shows\n"
	       "x86-64 x86 x32 arm64 arm riscv64 s390x ppc64-le; --json every architecture libseccomp knows.\n"
	       "Arguments are handled in order, separated by a blank line; the first unknown group or name\n"
	       "stops with an error (--json checks all arguments first and prints nothing on error).\n"
	       "\n"
	       "Options:\n"
	       "  -q, --quiet          with no arguments: list the groups only\n"
	       "      --systemd=252..262|latest\n"
	       "                       whose group table (default: the installed systemd if harden\n"
	       "                       models it, else latest = 262)\n"
	       "      --json           print one JSON object (see below) instead of text\n"
	       "      --no-pager       accepted for compatibility with systemd-analyze; harden never pages\n"
	       "  -h, --help           show this help\n"
	       "\n"
	       "JSON (--json):\n"
	       "  {\"systemd\": \"252\"|\"257\"|\"262\",\n"
	       "   \"groups\": [{\"name\": \"@chown\", \"description\": STR, \"members\": [STR...]}...],\n"
	       "   \"ungrouped\": [STR...],                 (listing without -q)\n"
	       "   \"unlisted\": [STR...] | null,           (listing without -q; null if the kernel list is\n"
	       "   \"kernel_list_error\": STR,               unreadable, with the reason here)\n"
	       "   \"syscalls\": [{\"name\": STR,              (SYSCALL arguments)\n"
	       "      \"numbers\": [{\"arch\": \"x86-64\", \"seccomp_arch\": \"x86_64\", \"nr\": INT|null,\n"
	       "                   \"source\": \"libseccomp\"|\"harden table\"|null, \"source_detail\": STR}...],\n"
	       "      \"paths\": [[\"@privileged\", \"@chown\", \"fchown\"]...], \"groups\": [STR...],\n"
	       "      \"libseccomp\": {\"version\": STR, \"knows\": BOOL},\n"
	       "      \"kernel\": {\"release\": STR, \"arch\": STR, \"knows\": BOOL|null, \"detail\": STR,\n"
	       "                 \"compat_abis\": [{\"arch\": \"x86\", \"reach\": \"reachable\"|\"enosys\"|\"faults\"|\"unknown\",\n"
	       "                                  \"detail\": STR}...]}}]}\n"
	       "  x32 numbers include the 0x40000000 bit, as seccomp_data.nr and scmp_sys_resolver show them.\n"
	       "\n"
	       "Exit status: 0 ok, 1 unknown group or syscall name, 2 usage error.\n",
	       cli_program, sep, sep);
}

/* Names come from the command line: show them with non-printable bytes escaped. */
static void print_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (isprint(*p) || *p >= 0x80)
			fputc(*p, f);
		else
			fprintf(f, "\\x%02x", *p);
	}
}

/* systemd's log line on stderr: plain "TEXT\n" when stderr is not a terminal; on a terminal it ends
 * lines with "\r\n" and, when stdout is one too, colours them by level. */
#define SD_ERROR "\x1b[0;1;31m"
#define SD_WARNING "\x1b[0;1;38;5;185m"
#define SD_NOTICE "\x1b[0;1;39m"
static void sd_log(const char *color, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sd_log(const char *color, const char *fmt, ...)
{
	bool tty = isatty(STDERR_FILENO);
	bool colored = tty && isatty(STDOUT_FILENO) && cli_color(stderr);
	va_list ap;
	va_start(ap, fmt);
	fputs(colored ? color : "", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(colored ? "\x1b[0m" : "", stderr);
	fputs(tty ? "\r\n" : "\n", stderr);
	va_end(ap);
}

/* ---- the listing (systemd-analyze's format) ---- */

static void dump_group_text(const struct hd_group_def *g, const struct opts *o)
{
	printf("%s%s%s\n    # %s\n", o->st.highlight, g->name, o->st.normal, g->description);
	for (const struct hd_group_member *m = g->members; m->name; m++)
		if (hd_group_member_present(m, o->sdver))
			printf("    %s%s%s\n", m->name[0] == '@' ? o->st.underline : "", m->name, o->st.normal);
}

static json_object *group_json(const struct hd_group_def *g, int sdver)
{
	json_object *j = json_object_new_object(), *members = json_object_new_array();
	json_object_object_add(j, "name", json_object_new_string(g->name));
	json_object_object_add(j, "description", json_object_new_string(g->description));
	for (const struct hd_group_member *m = g->members; m->name; m++)
		if (hd_group_member_present(m, sdver))
			json_object_array_add(members, json_object_new_string(m->name));
	json_object_object_add(j, "members", members);
	return j;
}

/* The full listing, in systemd-analyze's format (what goes in it: hd_syscall_listing). */
static int list_all(const struct opts *o, json_object *jroot)
{
	struct hd_syscall_listing l;
	if (hd_syscall_listing(o->sdver, !o->quiet, &l) < 0) {
		fprintf(stderr, "%s " VERB ": out of memory\n", cli_program);
		return EXIT_FINDINGS;
	}
	int k = l.kernel_error;
	if (k < 0 && !o->json) {
		/* systemd logs these at load time, before any output */
		if (l.kernel_read_failed)
			sd_log(SD_ERROR, "Failed to read system call list: %s", strerror(-k));
		else if (k != -EPERM && k != -EACCES && k != -ENOENT)
			sd_log(SD_WARNING, "Can't read open tracefs' available_events file: %s", strerror(-k));
	}
	json_object *jgroups = o->json ? json_object_new_array() : NULL;
	bool first = true;
	for (const struct hd_group_def *g = hd_group_next(NULL, o->sdver); g; g = hd_group_next(g, o->sdver)) {
		if (o->json)
			json_object_array_add(jgroups, group_json(g, o->sdver));
		else {
			if (!first)
				putchar('\n');
			dump_group_text(g, o);
		}
		first = false;
	}
	if (o->json)
		json_object_object_add(jroot, "groups", jgroups);
	if (o->quiet)
		goto done;
	if (o->json) {
		json_object_object_add(jroot, "ungrouped", cli_json_strv(&l.ungrouped));
		json_object_object_add(jroot, "unlisted", k < 0 ? NULL : cli_json_strv(&l.unlisted));
		if (k < 0)
			json_object_object_add(jroot, "kernel_list_error", json_object_new_string(strerror(-k)));
		goto done;
	}
	if (l.ungrouped.n > 0) {
		printf("\n# %sUngrouped System Calls%s (known but not included in any of the groups except @known):\n",
		       o->st.highlight, o->st.normal);
		for (size_t i = 0; i < l.ungrouped.n; i++)
			printf("#   %s\n", l.ungrouped.v[i]);
	}
	if (k < 0) {
		putchar('\n');
		fflush(stdout);
		sd_log(SD_NOTICE, "# Not showing unlisted system calls, couldn't retrieve kernel system call list: %s",
		       strerror(-k));
	} else if (l.unlisted.n > 0) {
		printf("\n# %sUnlisted System Calls%s (supported by the local kernel, but not included in any of the groups listed above):\n",
		       o->st.highlight, o->st.normal);
		for (size_t i = 0; i < l.unlisted.n; i++)
			printf("#   %s\n", l.unlisted.v[i]);
	}
done:
	hd_syscall_listing_free(&l);
	return EXIT_OK;
}

/* ---- reverse lookup ---- */

static const char *abi_reach_name(enum hd_abi_reach r)
{
	static const char *const names[] = { [HD_ABI_REACHABLE] = "reachable", [HD_ABI_FILTERED_ONLY] = "enosys",
					     [HD_ABI_FAULTS] = "faults", [HD_ABI_UNKNOWN] = "unknown" };
	return names[r];
}

/* "@privileged @chown" -> ["@privileged", "@chown", name] */
static json_object *path_json(const char *chain, const char *name)
{
	json_object *a = json_object_new_array();
	char *copy = strdup(chain), *save = NULL;
	for (char *t = copy ? strtok_r(copy, " ", &save) : NULL; t; t = strtok_r(NULL, " ", &save))
		json_object_array_add(a, json_object_new_string(t));
	free(copy);
	json_object_array_add(a, json_object_new_string(name));
	return a;
}

static void print_path(const char *chain, const char *name, const char *sep)
{
	printf("    ");
	for (const char *p = chain; *p; p++) {
		if (*p == ' ')
			fputs(sep, stdout);
		else
			putchar(*p);
	}
	printf("%s%s\n", sep, name);
}

static int lookup_syscall(const char *name, const struct opts *o, const struct hd_kernel_view *kv, json_object *jarr)
{
	hd_strv paths = { 0 }, groups = { 0 };
	if (hd_group_paths(name, o->sdver, &paths) < 0 || hd_group_paths_groups(&paths, &groups) < 0) {
		hd_strv_free(&paths);
		hd_strv_free(&groups);
		fprintf(stderr, "%s " VERB ": out of memory\n", cli_program);
		return EXIT_FINDINGS;
	}
	char kdetail[160], ver[32];
	int kk = hd_kernel_view_has(kv, name, kdetail, sizeof(kdetail));
	bool lsknows = hd_syscall_libseccomp_knows(name);
	hd_libseccomp_version(ver, sizeof(ver));
	const char *native = hd_arch_info(hd_arch_native())->name;

	if (o->json) {
		json_object *j = json_object_new_object(), *nums = json_object_new_array();
		json_object_object_add(j, "name", json_object_new_string(name));
		for (int a = 0; a < HD_ARCH_COUNT; a++) {
			const struct hd_arch_info *ai = hd_arch_info((hd_arch)a);
			if (!ai->scmp_arch)
				continue; /* libseccomp cannot build filters for it: no numbers to compare */
			enum hd_nr_source src;
			int nr = hd_syscall_nr(name, (hd_arch)a, &src);
			json_object *e = json_object_new_object();
			json_object_object_add(e, "arch", json_object_new_string(ai->name));
			json_object_object_add(e, "seccomp_arch", json_object_new_string(ai->seccomp_name));
			json_object_object_add(e, "nr", nr >= 0 ? json_object_new_int(nr) : NULL);
			json_object_object_add(e, "source", nr >= 0 ? json_object_new_string(hd_nr_source_name(src)) : NULL);
			const char *detail = hd_syscall_project_source(name, (hd_arch)a);
			if (detail)
				json_object_object_add(e, "source_detail", json_object_new_string(detail));
			json_object_array_add(nums, e);
		}
		json_object_object_add(j, "numbers", nums);
		json_object *jp = json_object_new_array();
		for (size_t i = 0; i < paths.n; i++)
			json_object_array_add(jp, path_json(paths.v[i], name));
		json_object_object_add(j, "paths", jp);
		json_object_object_add(j, "groups", cli_json_strv(&groups));
		json_object *ls = json_object_new_object();
		json_object_object_add(ls, "version", json_object_new_string(ver));
		json_object_object_add(ls, "knows", json_object_new_boolean(lsknows));
		json_object_object_add(j, "libseccomp", ls);
		json_object *kj = json_object_new_object();
		json_object_object_add(kj, "release", json_object_new_string(kv->uts.release));
		json_object_object_add(kj, "arch", json_object_new_string(native));
		json_object_object_add(kj, "knows", kk < 0 ? NULL : json_object_new_boolean(kk));
		json_object_object_add(kj, "detail", json_object_new_string(kdetail));
		json_object *cj = json_object_new_array();
		for (int i = 0; i < kv->n_compat; i++) {
			char d[200];
			json_object *e = json_object_new_object();
			json_object_object_add(e, "arch", json_object_new_string(hd_arch_info(kv->compat[i].arch)->name));
			json_object_object_add(e, "reach", json_object_new_string(abi_reach_name(kv->compat[i].reach)));
			json_object_object_add(e, "detail",
					       json_object_new_string(hd_abi_reach_describe(&kv->compat[i], d, sizeof(d))));
			json_object_array_add(cj, e);
		}
		json_object_object_add(kj, "compat_abis", cj);
		json_object_object_add(j, "kernel", kj);
		json_object_array_add(jarr, j);
	} else {
		const char *sep = cli_utf8() ? " \u2283 " : " > ";
		printf("%s%s%s\n", o->st.highlight, name, o->st.normal);
		printf("    # Numbers (seccomp_data.nr; - = not a syscall there) and their source:\n");
		for (size_t i = 0; i < sizeof(text_arches) / sizeof(text_arches[0]); i++) {
			enum hd_nr_source src;
			int nr = hd_syscall_nr(name, text_arches[i], &src);
			const char *aname = hd_arch_info(text_arches[i])->name;
			if (nr < 0)
				printf("    %-9s %10s\n", aname, "-");
			else if (text_arches[i] == HD_ARCH_X32)
				printf("    %-9s %10d  %s (0x40000000 + %d)\n", aname, nr, hd_nr_source_name(src),
				       nr & ~0x40000000);
			else
				printf("    %-9s %10d  %s\n", aname, nr, hd_nr_source_name(src));
		}
		printf("    # Groups in systemd %s:\n", hd_systemd_version_name(o->sdver));
		if (paths.n == 0)
			printf("    (none: systemd %s does not know this name)\n", hd_systemd_version_name(o->sdver));
		for (size_t i = 0; i < paths.n; i++)
			print_path(paths.v[i], name, sep);
		printf("    # libseccomp %s: %s\n", ver, lsknows ? "knows it" : "does not know it");
		printf("    # Kernel %s (%s): %s (%s)\n", kv->uts.release, native,
		       kk > 0 ? "has it" : kk == 0 ? "does not have it" : "cannot tell", kdetail);
		for (int i = 0; i < kv->n_compat; i++) {
			char d[200];
			printf("    # Kernel %s ABI: %s\n", hd_arch_info(kv->compat[i].arch)->name,
			       hd_abi_reach_describe(&kv->compat[i], d, sizeof(d)));
		}
	}
	hd_strv_free(&paths);
	hd_strv_free(&groups);
	return EXIT_OK;
}

/* "unknown system call "fchwn"; did you mean: fchown, fchmod?" (the closest known names). */
static void unknown_syscall(const char *name)
{
	fprintf(stderr, "%s " VERB ": unknown system call \"", cli_program);
	print_escaped(stderr, name);
	fputc('"', stderr);
	hd_strv close = { 0 };
	if (hd_syscall_suggest(name, 5, &close) >= 0 && close.n > 0) {
		fputs("; did you mean: ", stderr);
		for (size_t i = 0; i < close.n; i++)
			fprintf(stderr, "%s%s", i ? ", " : "", close.v[i]);
		fputc('?', stderr);
	}
	hd_strv_free(&close);
	fputc('\n', stderr);
}

static void group_not_found(const char *name)
{
	/* systemd's wording, on stderr below the normal output */
	fflush(stdout);
	sd_log(SD_ERROR, "Filter set \"%s\" not found.", name);
}

static int lookup_args(char **args, int n, const struct opts *o, json_object *jroot)
{
	struct hd_kernel_view kv = { 0 };
	bool any_name = false;
	for (int i = 0; i < n; i++)
		any_name |= args[i][0] != '@';
	if (any_name)
		hd_kernel_view_init(&kv);

	/* JSON is all-or-nothing: check every argument first. Text follows systemd: print in order and
	 * stop at the first unknown one. */
	if (o->json)
		for (int i = 0; i < n; i++) {
			bool ok = args[i][0] == '@' ? hd_group_find(args[i], o->sdver) != NULL
						    : hd_syscall_name_known(args[i]);
			if (!ok) {
				if (args[i][0] == '@')
					group_not_found(args[i]);
				else
					unknown_syscall(args[i]);
				hd_kernel_view_free(&kv);
				return EXIT_FINDINGS;
			}
		}

	json_object *jgroups = NULL, *jsyscalls = NULL;
	int ret = EXIT_OK;
	for (int i = 0; i < n && ret == EXIT_OK; i++) {
		const char *a = args[i];
		if (i > 0 && !o->json)
			putchar('\n');
		if (a[0] == '@') {
			const struct hd_group_def *g = hd_group_find(a, o->sdver);
			if (!g) {
				group_not_found(a);
				ret = EXIT_FINDINGS;
			} else if (o->json) {
				if (!jgroups)
					jgroups = json_object_new_array();
				json_object_array_add(jgroups, group_json(g, o->sdver));
			} else
				dump_group_text(g, o);
		} else if (!hd_syscall_name_known(a)) {
			fflush(stdout);
			unknown_syscall(a);
			ret = EXIT_FINDINGS;
		} else {
			if (o->json && !jsyscalls)
				jsyscalls = json_object_new_array();
			ret = lookup_syscall(a, o, &kv, jsyscalls);
		}
	}
	if (jgroups)
		json_object_object_add(jroot, "groups", jgroups);
	if (jsyscalls)
		json_object_object_add(jroot, "syscalls", jsyscalls);
	hd_kernel_view_free(&kv);
	return ret;
}

int verb_syscall_filter(int argc, char **argv)
{
	enum { OPT_SYSTEMD = 0x100, OPT_JSON, OPT_NO_PAGER };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "systemd", required_argument, NULL, OPT_SYSTEMD },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "no-pager", no_argument, NULL, OPT_NO_PAGER },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .sdver = hd_systemd_version_default() };
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, ":hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			return EXIT_OK;
		case 'q':
			o.quiet = true;
			break;
		case OPT_SYSTEMD:
			if (cli_parse_systemd_version(VERB, optarg, &o.sdver) != 0)
				return EXIT_USAGE;
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case OPT_NO_PAGER:
			break;
		case ':':
			return cli_usage_error(VERB, "option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt && optopt < 0x100)
				return cli_usage_error(VERB, "unknown option '-%c'", optopt);
			return cli_usage_error(VERB, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!o.json && cli_color(stdout)) {
		/* As systemd 252 on a terminal: its underline resets first, and the Linux console (TERM=linux)
		 * gets no underline at all. */
		const char *term = getenv("TERM");
		bool underline = !term || strcmp(term, "linux") != 0;
		o.st = (struct style){ "\x1b[0;1;39m", underline ? "\x1b[0m\x1b[0;4m" : "\x1b[0m", "\x1b[0m" };
	}
	else
		o.st = (struct style){ "", "", "" };

	json_object *jroot = o.json ? json_object_new_object() : NULL;
	if (jroot)
		json_object_object_add(jroot, "systemd", json_object_new_string(hd_systemd_version_name(o.sdver)));
	int ret = optind >= argc ? list_all(&o, jroot) : lookup_args(argv + optind, argc - optind, &o, jroot);
	if (jroot) {
		if (ret == EXIT_OK)
			cli_json_print(jroot, JSON_C_TO_STRING_SPACED);
		json_object_put(jroot);
	}
	return ret;
}
