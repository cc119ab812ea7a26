/* SPDX-License-Identifier: MIT */
/* The credential settings of a unit, folded, resolved and taken by the command's process (see creds.h). */
#include "sandbox/creds.h"

#include <cap-ng.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit/unitwrite.h"

#define BIT(cap) HD_CAP_BIT(cap)
/* capability numbers as linux/capability.h has them (the names: unit/capability.c) */
enum { CAP_MKNOD_NR = 27, CAP_SYS_RAWIO_NR = 17, CAP_SYS_MODULE_NR = 16, CAP_SYSLOG_NR = 34,
       CAP_SYS_TIME_NR = 25, CAP_WAKE_ALARM_NR = 35, CAP_SETGID_NR = 6, CAP_SETUID_NR = 7,
       CAP_SETPCAP_NR = 8 };

static const char *const keys[] = { "CapabilityBoundingSet", "AmbientCapabilities", "User", "Group",
				    "SupplementaryGroups", "UMask", "WorkingDirectory", NULL };

bool hd_creds_setting(const char *key)
{
	for (const char *const *k = keys; *k; k++)
		if (strcmp(*k, key) == 0)
			return true;
	return false;
}

void hd_creds_init(struct hd_creds *c)
{
	*c = (struct hd_creds){ .bounding = HD_CAP_ALL, .ambient = 0, .umask = 0022 };
}

void hd_creds_free(struct hd_creds *c)
{
	free(c->user);
	free(c->group);
	free(c->working_directory);
	hd_strv_free(&c->supplementary);
	hd_strv_free(&c->settings);
	hd_creds_init(c);
}

/* CapabilityBoundingSet=, AmbientCapabilities=: config_parse_capability_set's folding. */
static int add_capabilities(uint64_t *set, uint64_t initial, const char *key, const char *value, const char *file,
			    unsigned line, hd_diags *d)
{
	bool invert = value[0] == '~';
	const char *p = value + invert;
	uint64_t sum = 0;
	char *word = NULL;
	int r;
	while ((r = hd_unit_next_word(&p, true, &word)) > 0) {
		int cap = hd_capability_from_name(word);
		if (cap < 0)
			/* systemd 252 skips it without a word; said here, it is the likelier typo */
			hd_diag_add(d, HD_WARNING, file, line, "%s=: \"%s\" is no capability, skipped (as systemd does)",
				    key, word);
		else
			sum |= BIT(cap);
		free(word);
	}
	if (r == -ENOMEM)
		return r;
	/* a quote left open ends the list where it stands, as extract_first_word's error ends systemd's loop */
	if (sum == 0 || *set == initial)
		*set = invert ? ~sum : sum;
	else if (invert)
		*set &= ~sum;
	else
		*set |= sum;
	return 1;
}

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* A User=/Group=/SupplementaryGroups= word systemd accepts (valid_user_group_name, relaxed, numbers
 * allowed: src/basic/user-util.c): a uid number (not 65535 or 4294967295), or a name without padding
 * spaces, control characters, ':' or '/', that is not all digits, "-" and digits, "." or "..". */
static bool valid_user_group_name(const char *s)
{
	if (!*s)
		return false;
	if (all_digits(s)) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(s, &end, 10);
		return !errno && v < 0xffffffffULL && v != 0xffffULL;
	}
	size_t n = strlen(s);
	if (s[0] == ' ' || s[n - 1] == ' ' || strpbrk(s, ":/") || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
	    (s[0] == '-' && all_digits(s + 1)))
		return false;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

static int set_string(char **slot, const char *value)
{
	char *v = NULL;
	if (*value && !(v = strdup(value)))
		return -ENOMEM;
	free(*slot);
	*slot = v;
	return 1;
}

int hd_creds_add(struct hd_creds *c, const char *key, const char *value, const char *file, unsigned line,
		 hd_diags *d)
{
	if (!hd_creds_setting(key))
		return 0;
	if (hd_strv_push_unique(&c->settings, key) < 0)
		return -ENOMEM;
	if (strcmp(key, "CapabilityBoundingSet") == 0)
		return add_capabilities(&c->bounding, HD_CAP_ALL, key, value, file, line, d);
	if (strcmp(key, "AmbientCapabilities") == 0)
		return add_capabilities(&c->ambient, 0, key, value, file, line, d);
	if (strcmp(key, "User") == 0 || strcmp(key, "Group") == 0) {
		if (*value && !valid_user_group_name(value)) {
			hd_diag_add(d, HD_ERROR, file, line, "%s=%s: not a user or group name or number (systemd refuses the "
				    "unit)", key, value);
			return -ENOEXEC;
		}
		return set_string(strcmp(key, "User") == 0 ? &c->user : &c->group, value);
	}
	if (strcmp(key, "SupplementaryGroups") == 0) {
		if (!*value) { /* an empty value resets the list */
			hd_strv_free(&c->supplementary);
			return 1;
		}
		hd_strv words = { 0 };
		int r = hd_unit_split_words(value, &words);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			hd_diag_add(d, HD_WARNING, file, line, "SupplementaryGroups=%s: bad quoting, ignored (as systemd does)",
				    value);
		for (size_t i = 0; r == 0 && i < words.n; i++)
			if (!valid_user_group_name(words.v[i])) {
				hd_diag_add(d, HD_ERROR, file, line,
					    "SupplementaryGroups=: \"%s\" is not a group name or number (systemd refuses the unit)",
					    words.v[i]);
				r = -ENOEXEC;
			}
		for (size_t i = 0; r == 0 && i < words.n; i++)
			r = hd_strv_push(&c->supplementary, words.v[i]);
		hd_strv_free(&words);
		return r < 0 ? r : 1;
	}
	if (strcmp(key, "UMask") == 0) {
		/* parse_mode: octal, whitespace first allowed, no sign, at most 07777 */
		const char *s = value + strspn(value, " \t\n\r");
		char *end;
		errno = 0;
		unsigned long m = *s >= '0' && *s <= '7' ? strtoul(s, &end, 8) : ULONG_MAX;
		if (m == ULONG_MAX || errno || *end || m > 07777) {
			hd_diag_add(d, HD_WARNING, file, line, "UMask=%s: not an octal mode, ignored (as systemd does)", value);
			return -EINVAL;
		}
		c->umask_set = true;
		c->umask = (mode_t)m;
		return 1;
	}
	/* WorkingDirectory= */
	if (!*value) {
		free(c->working_directory);
		c->working_directory = NULL;
		c->working_directory_missing_ok = false;
		return 1;
	}
	bool missing_ok = value[0] == '-';
	const char *dir = value + missing_ok;
	if (strcmp(dir, "~") != 0 && dir[0] != '/') {
		/* systemd: a relative path is an error (the unit does not load), with "-" a warning */
		hd_diag_add(d, missing_ok ? HD_WARNING : HD_ERROR, file, line,
			    "WorkingDirectory=%s: not an absolute path or \"~\"%s", value,
			    missing_ok ? ", ignored (as systemd does)" : " (systemd refuses the unit)");
		return missing_ok ? -EINVAL : -ENOEXEC;
	}
	int r = set_string(&c->working_directory, dir);
	if (r > 0)
		c->working_directory_missing_ok = missing_ok;
	return r;
}

void hd_creds_patch(struct hd_creds *c, bool private_devices, bool protect_kernel_modules, bool protect_kernel_logs,
		    bool protect_clock)
{
	if (private_devices)
		c->bounding &= ~(BIT(CAP_MKNOD_NR) | BIT(CAP_SYS_RAWIO_NR));
	if (protect_kernel_modules)
		c->bounding &= ~BIT(CAP_SYS_MODULE_NR);
	if (protect_kernel_logs)
		c->bounding &= ~BIT(CAP_SYSLOG_NR);
	if (protect_clock)
		c->bounding &= ~(BIT(CAP_SYS_TIME_NR) | BIT(CAP_WAKE_ALARM_NR));
}

/* ---- resolving ---- */

const char *hd_creds_step_setting(enum hd_creds_step step)
{
	switch (step) {
	case HD_CREDS_STEP_GROUPS: return "SupplementaryGroups";
	case HD_CREDS_STEP_GID: return "Group";
	case HD_CREDS_STEP_BOUNDING: return "CapabilityBoundingSet";
	case HD_CREDS_STEP_AMBIENT: return "AmbientCapabilities";
	case HD_CREDS_STEP_UID: return "User";
	case HD_CREDS_STEP_CWD: return "WorkingDirectory";
	case HD_CREDS_STEP_NONE: break;
	}
	return "?";
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = -1;
	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	/* without /proc: the last capability this build knows */
	return n >= 0 && n < 64 ? n : HD_CAP_LAST;
}

static bool numeric_id(const char *s, unsigned long *id)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*id = strtoul(s, &end, 10);
	return !errno && !*end && *id < 0xffffffffUL;
}

/* get_user_creds: "root"/0 and "nobody"/65534 without the database, else a name or a number it knows.
 * *home: NULL when the database says "/" or nothing usable (USER_CREDS_CLEAN). */
static int lookup_user(const char *name, uid_t *uid, gid_t *gid, char **user_name, char **home)
{
	unsigned long id;
	*home = NULL;
	if (strcmp(name, "root") == 0 || strcmp(name, "0") == 0) {
		*uid = 0, *gid = 0;
		*user_name = strdup("root");
		*home = strdup("/root");
		return *user_name && *home ? 0 : -ENOMEM;
	}
	if (strcmp(name, "nobody") == 0 || strcmp(name, "65534") == 0) {
		*uid = 65534, *gid = 65534;
		*user_name = strdup("nobody");
		return *user_name ? 0 : -ENOMEM;
	}
	struct passwd *pw = numeric_id(name, &id) ? getpwuid((uid_t)id) : getpwnam(name);
	if (!pw)
		return -ESRCH;
	*uid = pw->pw_uid, *gid = pw->pw_gid;
	if (!(*user_name = strdup(pw->pw_name)))
		return -ENOMEM;
	if (pw->pw_dir && pw->pw_dir[0] == '/' && strcmp(pw->pw_dir, "/") != 0 && !(*home = strdup(pw->pw_dir)))
		return -ENOMEM;
	return 0;
}

/* get_group_creds: "root"/0 and "nobody"/"nogroup"/65534 without the database */
static int lookup_group(const char *name, gid_t *gid)
{
	unsigned long id;
	if (strcmp(name, "root") == 0 || strcmp(name, "0") == 0) {
		*gid = 0;
		return 0;
	}
	if (strcmp(name, "nobody") == 0 || strcmp(name, "nogroup") == 0 || strcmp(name, "65534") == 0) {
		*gid = 65534;
		return 0;
	}
	struct group *gr = numeric_id(name, &id) ? getgrgid((gid_t)id) : getgrnam(name);
	if (!gr)
		return -ESRCH;
	*gid = gr->gr_gid;
	return 0;
}

/* get_home_dir, as systemd calls it for "~" when the user has none: $HOME, else root's or the
 * database's for this process's uid */
static char *own_home(void)
{
	const char *e = getenv("HOME");
	if (e && e[0] == '/')
		return strdup(e);
	uid_t u = getuid();
	if (u == 0)
		return strdup("/root");
	if (u == 65534)
		return strdup("/");
	struct passwd *pw = getpwuid(u);
	return pw && pw->pw_dir && pw->pw_dir[0] == '/' ? strdup(pw->pw_dir) : NULL;
}

static int push_gid(struct hd_creds_plan *p, size_t *cap, gid_t g)
{
	if (p->n_groups == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		gid_t *v = realloc(p->groups, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->groups = v;
		*cap = ncap;
	}
	p->groups[p->n_groups++] = g;
	return 0;
}

int hd_creds_resolve(const struct hd_creds *c, const struct hd_creds_ids *ids, struct hd_creds_plan *p, hd_diags *d)
{
	*p = (struct hd_creds_plan){ .umask = 0022 };
	char *user_name = NULL, *home = NULL;
	size_t gcap = 0;
	int r = 0;
	uid_t uid = 0;
	gid_t gid = 0;
	bool have_user = false, have_gid = false;
	if (c->user) {
		r = lookup_user(c->user, &uid, &gid, &user_name, &home);
		if (r == -ESRCH)
			hd_diag_add(d, HD_ERROR, NULL, 0, "User=%s: no such user", c->user);
		if (r < 0)
			goto out;
		have_user = have_gid = true;
	}
	if (c->group) {
		r = lookup_group(c->group, &gid);
		if (r == -ESRCH)
			hd_diag_add(d, HD_ERROR, NULL, 0, "Group=%s: no such group", c->group);
		if (r < 0)
			goto out;
		have_gid = true;
	}
	/* --exec-ids: the ids given, unless they are the ones the unit's own User=/Group= resolve to (run
	 * --unit --while passes those): then the user's groups are taken from the database as systemd does */
	bool units_own = (have_user || have_gid) && ids && ids->uid == (have_user ? uid : 0) &&
			 ids->gid == (have_gid ? gid : 0);
	bool ids_override = ids && ids->given && !ids->keep && !units_own;
	bool keep = ids && ids->keep;
	if (have_user && gid != 0 && !ids_override) {
		/* initgroups(user, gid): the user's groups and gid. systemd 252 calls it before it knows
		 * whether the command keeps root, so a "!" command gets them too (get_supplementary_groups) */
		int n = 64;
		for (;;) {
			gid_t *v = realloc(p->groups, (size_t)n * sizeof(*v));
			if (!v) {
				r = -ENOMEM;
				goto out;
			}
			p->groups = v;
			int want = n;
			if (getgrouplist(user_name, gid, p->groups, &want) >= 0) {
				p->n_groups = (size_t)want;
				break;
			}
			if (want <= n || want > 65536) {
				hd_diag_add(d, HD_ERROR, NULL, 0, "User=%s: its groups cannot be listed", c->user);
				r = -EINVAL;
				goto out;
			}
			n = want;
		}
		gcap = (size_t)n;
		p->set_groups = true;
	}
	if (keep) {
		/* a "!" command: the ids stay, and SupplementaryGroups= is not applied (enforce_groups is
		 * skipped), though its names must still resolve */
	} else if (ids_override) {
		p->set_uid = p->set_gid = p->set_groups = true;
		p->ids_stand_in = c->user || c->group;
		p->uid = ids->uid;
		p->gid = ids->gid;
		if ((r = push_gid(p, &gcap, ids->gid)) < 0)
			goto out;
	} else {
		p->set_uid = have_user;
		p->set_gid = have_gid;
		p->uid = uid;
		p->gid = gid;
	}
	for (size_t i = 0; i < c->supplementary.n; i++) {
		gid_t g;
		r = lookup_group(c->supplementary.v[i], &g);
		if (r == -ESRCH)
			hd_diag_add(d, HD_ERROR, NULL, 0, "SupplementaryGroups=%s: no such group", c->supplementary.v[i]);
		if (r < 0 || (!keep && (r = push_gid(p, &gcap, g)) < 0))
			goto out;
	}
	if (!keep && c->supplementary.n) {
		long max = sysconf(_SC_NGROUPS_MAX);
		if (max > 0 && p->n_groups > (size_t)max) {
			hd_diag_add(d, HD_ERROR, NULL, 0, "SupplementaryGroups=: more than %ld groups", max);
			r = -E2BIG;
			goto out;
		}
		p->set_groups = true;
	}
	/* the capability sets: the bounding set dropped unless it keeps everything the kernel has; the
	 * ambient capabilities that survive it (the rest are dropped silently, as systemd does) */
	p->last_cap = last_cap();
	uint64_t known = p->last_cap >= 63 ? HD_CAP_ALL : (BIT(p->last_cap + 1) - 1);
	p->keep = c->bounding;
	p->drop_bounding = (c->bounding & known) != known;
	p->ambient = c->ambient & known;
	for (int i = 0; i <= p->last_cap; i++)
		if ((p->ambient & BIT(i)) && (!(p->keep & BIT(i)) || prctl(PR_CAPBSET_READ, i, 0, 0, 0) != 1))
			p->ambient &= ~BIT(i);
	p->set_caps = true;
	p->set_umask = true;
	p->umask = c->umask;
	if (c->working_directory) {
		if (strcmp(c->working_directory, "~") == 0) {
			/* the user's home; none ("/" or unusable): this process's, as systemd's get_home_dir */
			p->cwd = home ? strdup(home) : own_home();
			if (!p->cwd && !c->working_directory_missing_ok) {
				hd_diag_add(d, HD_ERROR, NULL, 0, "WorkingDirectory=~: no home directory");
				r = -ENXIO;
				goto out;
			}
		} else if (!(p->cwd = strdup(c->working_directory))) {
			r = -ENOMEM;
			goto out;
		}
		p->cwd_missing_ok = c->working_directory_missing_ok;
	}
out:
	free(user_name);
	free(home);
	if (r < 0)
		hd_creds_plan_free(p);
	return r;
}

/* Are the plan's groups this process's groups already (in any order)? */
static bool same_groups(const struct hd_creds_plan *p)
{
	gid_t now[256];
	int n = getgroups(256, now);
	if (n < 0)
		return false;
	for (size_t i = 0; i < p->n_groups; i++) {
		bool found = false;
		for (int k = 0; k < n && !found; k++)
			found = now[k] == p->groups[i];
		if (!found)
			return false;
	}
	for (int k = 0; k < n; k++) {
		bool found = false;
		for (size_t i = 0; i < p->n_groups && !found; i++)
			found = now[k] == p->groups[i];
		if (!found)
			return false;
	}
	return true;
}

int hd_creds_plan_check(struct hd_creds_plan *p, bool drop, hd_strv *cannot)
{
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_get_caps_process() < 0)
		return -EPERM;
	bool setuid_ok = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETUID_NR);
	bool setgid_ok = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETGID_NR);
	bool setpcap_ok = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP_NR);
	int r = 0;
	if (p->set_uid && !setuid_ok && !(p->uid == getuid() && p->uid == geteuid())) {
		if ((r = hd_strv_push_unique(cannot, "User")) < 0)
			return r;
		if (drop)
			p->set_uid = false;
	}
	if (p->set_gid && !setgid_ok && !(p->gid == getgid() && p->gid == getegid())) {
		if ((r = hd_strv_push_unique(cannot, "Group")) < 0)
			return r;
		if (drop)
			p->set_gid = false;
	}
	if (p->set_groups && !setgid_ok && same_groups(p)) /* nothing to change: no privilege needed */
		p->set_groups = false;
	if (p->set_groups && !setgid_ok) {
		if ((r = hd_strv_push_unique(cannot, "SupplementaryGroups")) < 0)
			return r;
		if (drop)
			p->set_groups = false;
	}
	if (p->drop_bounding && !setpcap_ok) {
		/* a capability already out of the bounding set needs no privilege to stay out */
		bool all_out = true;
		for (int i = 0; i <= p->last_cap; i++)
			if (!(p->keep & BIT(i)) && prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1)
				all_out = false;
		if (!all_out) {
			if ((r = hd_strv_push_unique(cannot, "CapabilityBoundingSet")) < 0)
				return r;
			if (drop)
				p->drop_bounding = false;
		}
	}
	/* raising an ambient capability needs it in the permitted set (and the inheritable set, which
	 * only a permitted one can enter without CAP_SETPCAP) */
	for (int i = 0; i <= p->last_cap; i++)
		if ((p->ambient & BIT(i)) && !capng_have_capability(CAPNG_PERMITTED, (unsigned)i)) {
			if ((r = hd_strv_push_unique(cannot, "AmbientCapabilities")) < 0)
				return r;
			if (drop)
				p->ambient = 0;
			break;
		}
	return 0;
}

bool hd_creds_plan_empty(const struct hd_creds_plan *p)
{
	return !p->set_groups && !p->set_gid && !p->set_uid && !p->drop_bounding && !p->set_caps && !p->set_umask &&
	       !p->cwd;
}

bool hd_creds_plan_drops_root(const struct hd_creds_plan *p)
{
	return p->set_uid ? p->uid != 0 : geteuid() != 0;
}

void hd_creds_plan_free(struct hd_creds_plan *p)
{
	free(p->groups);
	free(p->cwd);
	*p = (struct hd_creds_plan){ 0 };
}

int hd_creds_prepare(const struct hd_creds_plan *p)
{
	if (!p->set_caps)
		return 0;
	/* pid 0: capset() and capget() act on the calling process, which is the child once it applies */
	capng_setpid(0);
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_get_caps_process() < 0)
		return -EPERM;
	/* inheritable = ambient = exactly the ambient capabilities (capability_ambient_set_apply with
	 * also_inherit), which also takes the dropped bounding capabilities out of the inheritable set */
	for (int i = 0; i <= p->last_cap; i++) {
		capng_act_t act = (p->ambient & BIT(i)) ? CAPNG_ADD : CAPNG_DROP;
		if (capng_update(act, CAPNG_INHERITABLE, (unsigned)i) < 0 || capng_update(act, CAPNG_AMBIENT, (unsigned)i) < 0)
			return -EINVAL;
	}
	return 0;
}

int hd_creds_apply(const struct hd_creds_plan *p, enum hd_creds_step *failed)
{
	*failed = HD_CREDS_STEP_NONE;
	if (p->set_groups && setgroups(p->n_groups, p->groups) < 0) {
		*failed = HD_CREDS_STEP_GROUPS;
		return -errno;
	}
	if (p->set_gid && setresgid(p->gid, p->gid, p->gid) < 0) {
		*failed = HD_CREDS_STEP_GID;
		return -errno;
	}
	/* PR_CAPBSET_DROP directly: libcap-ng's capng_apply(CAPNG_SELECT_BOUNDS) re-reads /proc/self/status
	 * (stdio, malloc), which this process must not do between clone and exec */
	if (p->drop_bounding)
		for (int i = 0; i <= p->last_cap; i++) {
			if (p->keep & BIT(i))
				continue;
			/* a capability that was not there in the first place is no failure */
			if (prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 && prctl(PR_CAPBSET_READ, i, 0, 0, 0) != 0) {
				*failed = HD_CREDS_STEP_BOUNDING;
				return -errno;
			}
		}
	if (p->set_umask)
		umask(p->umask);
	errno = 0;
	if (p->set_caps && (capng_apply(CAPNG_SELECT_CAPS) < 0 || capng_apply(CAPNG_SELECT_AMBIENT) < 0)) {
		*failed = HD_CREDS_STEP_AMBIENT;
		return errno ? -errno : -EPERM;
	}
	if (p->set_uid) {
		/* the ambient set is emptied by the change from uid 0; keep-caps keeps the permitted set so it
		 * can be raised again */
		if (p->ambient && p->uid != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
			*failed = HD_CREDS_STEP_UID;
			return -errno;
		}
		if (setresuid(p->uid, p->uid, p->uid) < 0) {
			*failed = HD_CREDS_STEP_UID;
			return -errno;
		}
		errno = 0;
		if (p->ambient && capng_apply(CAPNG_SELECT_AMBIENT) < 0) {
			*failed = HD_CREDS_STEP_AMBIENT;
			return errno ? -errno : -EPERM;
		}
	}
	/* after the uid change: a directory only the user can enter is entered as the user */
	if (p->cwd && chdir(p->cwd) < 0 && !p->cwd_missing_ok) {
		*failed = HD_CREDS_STEP_CWD;
		return -errno;
	}
	return 0;
}
