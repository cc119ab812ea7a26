/* SPDX-License-Identifier: MIT */
#include "assess/settings.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls/groups.h"

/* ---------------------------------------------------------------- value helpers */


/* A name -> value table for enum settings. */
struct enum_name {
	const char *name;
	int value;
};

static int enum_lookup(const struct enum_name *t, const char *s)
{
	for (; t->name; t++)
		if (strcmp(t->name, s) == 0)
			return t->value;
	return -EINVAL;
}

/*
 * One whitespace-separated word; a backslash takes the next character literally. With unquote
 * (systemd's EXTRACT_UNQUOTE), '...' and "..." are removed; without it quotes stay part of the word
 * (settings such as IPAddressDeny= do not unquote). *p advances. Returns 1 with *out set (to be
 * freed), 0 at the end, -EINVAL on an unterminated quote or trailing backslash, -ENOMEM.
 */
static int next_word_ex(const char **p, bool unquote, char **out)
{
	const char *s = *p;
	while (*s && strchr(" \t\n\r", *s))
		s++;
	if (!*s) {
		*p = s;
		return 0;
	}
	size_t cap = strlen(s) + 1;
	char *w = malloc(cap), quote = 0;
	size_t n = 0;
	if (!w)
		return -ENOMEM;
	for (; *s; s++) {
		if (!quote && strchr(" \t\n\r", *s))
			break;
		if (*s == '\\') {
			if (!s[1]) {
				free(w);
				return -EINVAL;
			}
			w[n++] = *++s;
		} else if (quote && *s == quote) {
			quote = 0;
		} else if (unquote && !quote && (*s == '\'' || *s == '"')) {
			quote = *s;
		} else {
			w[n++] = *s;
		}
	}
	if (quote) {
		free(w);
		return -EINVAL;
	}
	w[n] = 0;
	*p = s;
	*out = w;
	return 1;
}

static int next_word(const char **p, char **out)
{
	return next_word_ex(p, true, out);
}

static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned n;
		uint32_t cp;
		if (*p < 0x80) {
			p++;
			continue;
		} else if ((*p & 0xE0) == 0xC0) {
			n = 1, cp = *p & 0x1F;
		} else if ((*p & 0xF0) == 0xE0) {
			n = 2, cp = *p & 0x0F;
		} else if ((*p & 0xF8) == 0xF0) {
			n = 3, cp = *p & 0x07;
		} else {
			return false;
		}
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		/* overlong forms, surrogates and values beyond Unicode are not UTF-8 */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		p += n + 1;
	}
	return true;
}

static bool all_in(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

/* A numeric UID as systemd's parse_uid accepts it: decimal, 32-bit, not (uid_t)-1 nor 65535. */
static bool is_numeric_uid(const char *s)
{
	if (!all_in(s, "0123456789"))
		return false;
	if (s[0] == '0' && s[1]) /* systemd's UID parser refuses leading zeros ("00") */
		return false;
	if (strlen(s) > 10)
		return false;
	unsigned long long v = strtoull(s, NULL, 10);
	return v < 0xFFFFFFFFULL && v != 65535;
}

/* systemd's strict user/group name rules (used to decide whether to warn, and for DynamicUser names). */
static bool user_name_strict(const char *u)
{
	size_t len = strlen(u);
	if (len == 0 || len > 31)
		return false;
	if (!(isalpha((unsigned char)u[0]) || u[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++) {
		unsigned char c = (unsigned char)u[i];
		if (!(isalnum(c) || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* systemd's relaxed user/group name rules with numeric IDs allowed: superficial sanity only. */
static bool user_name_acceptable(const char *u)
{
	if (!*u)
		return false;
	if (all_in(u, "0123456789"))
		return is_numeric_uid(u);
	if (u[0] == ' ' || u[strlen(u) - 1] == ' ')
		return false;
	if (!utf8_valid(u))
		return false;
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			return false;
	if (strpbrk(u, ":/"))
		return false;
	if (u[0] == '-' && all_in(u + 1, "0123456789"))
		return false;
	if (strcmp(u, ".") == 0 || strcmp(u, "..") == 0)
		return false;
	return true;
}

static int expand(const struct hd_unit *u, const char *value, char **out)
{
	if (!u) {
		*out = strdup(value);
		return *out ? 0 : -ENOMEM;
	}
	return hd_unit_expand_specifiers(u, value, out);
}

static int set_string(char **dst, const char *v)
{
	char *c = NULL;
	if (v && !(c = strdup(v)))
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

/* ---------------------------------------------------------------- per-setting parsers */

/* Everything a parser needs to know about the line it is applying. */
struct line_ctx {
	struct hd_settings *s;
	const struct hd_unit *u;
	const char *key;
	const char *value;
	const char *file;
	unsigned line;
	hd_diags *diags;
	size_t offset; /* of the field in struct hd_settings */
	int sdver;
};

#define FIELD(ctx, type) ((type *)((char *)(ctx)->s + (ctx)->offset))

static int warn(const struct line_ctx *c, const char *fmt, const char *arg)
{
	hd_diag_add(c->diags, HD_WARNING, c->file, c->line, fmt, arg);
	return 1;
}

static int fatal(const struct line_ctx *c, const char *fmt, const char *arg)
{
	hd_diag_add(c->diags, HD_ERROR, c->file, c->line, fmt, arg);
	return -ENOEXEC;
}

/* The line's value with specifiers expanded, into *out. When a specifier cannot be resolved, systemd
 * ignores the line with a warning for most settings, but refuses the whole unit for some (User=,
 * SupplementaryGroups=...): refuse selects that. Returns 0 with *out set; otherwise what the parser
 * returns: 1 (warned, line ignored), -ENOEXEC (unit refused) or -ENOMEM. */
static int expand_value(const struct line_ctx *c, bool refuse, char **out)
{
	*out = NULL;
	int r = expand(c->u, c->value, out);
	if (r == -ENOMEM || r >= 0)
		return r;
	return refuse ? fatal(c, "Failed to resolve unit specifiers in %s (systemd refuses the unit)", c->value)
		      : warn(c, "Failed to resolve unit specifiers, ignoring: %s", c->value);
}

/* Modes newer systemd versions added to settings that older ones know only as booleans; each counts as
 * "on" for the checks (they are all stricter than "yes" or equal to it). A version before since rejects
 * it (groups.h: HD_SD_NEWER_MODES, HD_SD_PRIVATE_USERS_FULL). */
static const struct {
	const char *key, *value;
	int since;
} newer_modes[] = {
	{ "PrivateTmp", "disconnected", HD_SD_NEWER_MODES },
	{ "PrivateUsers", "self", HD_SD_NEWER_MODES },
	{ "PrivateUsers", "identity", HD_SD_NEWER_MODES },
	{ "PrivateUsers", "full", HD_SD_PRIVATE_USERS_FULL },
	{ "ProtectControlGroups", "private", HD_SD_NEWER_MODES },
	{ "ProtectControlGroups", "strict", HD_SD_NEWER_MODES },
};

static int parse_bool_field(const struct line_ctx *c)
{
	int b = hd_parse_boolean(c->value);
	for (size_t i = 0; b < 0 && i < sizeof(newer_modes) / sizeof(newer_modes[0]); i++)
		if (c->sdver >= newer_modes[i].since && strcmp(c->key, newer_modes[i].key) == 0 &&
		    strcmp(c->value, newer_modes[i].value) == 0)
			b = 1;
	if (b < 0)
		return warn(c, "Failed to parse boolean value, ignoring: %s", c->value);
	*FIELD(c, bool) = b;
	return 1;
}

/* Booleans systemd refuses the unit for when they are invalid (DynamicUser=). */
static int parse_bool_fatal(const struct line_ctx *c)
{
	int b = hd_parse_boolean(c->value);
	if (b < 0)
		return fatal(c, "Failed to parse boolean value: %s (systemd refuses the unit)", c->value);
	*FIELD(c, bool) = b;
	return 1;
}

static int parse_tristate(const struct line_ctx *c)
{
	int b = hd_parse_boolean(c->value);
	if (b < 0)
		return warn(c, "Failed to parse boolean value, ignoring: %s", c->value);
	*FIELD(c, int) = b;
	return 1;
}

static int parse_user(const struct line_ctx *c)
{
	char **dst = FIELD(c, char *);
	if (!*c->value)
		return set_string(dst, NULL) < 0 ? -ENOMEM : 1;
	char *k;
	int r = expand_value(c, true, &k);
	if (r != 0)
		return r;
	if (!user_name_acceptable(k)) {
		hd_diag_add(c->diags, HD_ERROR, c->file, c->line,
			    "Invalid user/group name or numeric ID: %s (systemd refuses the unit)", k);
		free(k);
		return -ENOEXEC;
	}
	if (!is_numeric_uid(k) && !user_name_strict(k))
		hd_diag_add(c->diags, HD_WARNING, c->file, c->line,
			    "user/group name '%s' does not match the strict naming rules (accepted)", k);
	free(*dst);
	*dst = k;
	return 1;
}

static int parse_groups(const struct line_ctx *c)
{
	hd_strv *sv = FIELD(c, hd_strv);
	if (!*c->value) {
		hd_strv_free(sv);
		return 1;
	}
	char *k;
	int r = expand_value(c, false, &k);
	if (r != 0)
		return r;
	const char *p = k;
	for (;;) {
		char *w = NULL;
		r = next_word(&p, &w);
		if (r == 0)
			break;
		if (r == -ENOMEM) {
			free(k);
			return r;
		}
		if (r < 0) {
			warn(c, "Invalid syntax, ignoring: %s", c->value);
			break;
		}
		if (!user_name_acceptable(w)) {
			hd_diag_add(c->diags, HD_ERROR, c->file, c->line,
				    "Invalid user/group name or numeric ID: %s (systemd refuses the unit)", w);
			free(w);
			free(k);
			return -ENOEXEC;
		}
		r = hd_strv_push(sv, w);
		free(w);
		if (r < 0) {
			free(k);
			return r;
		}
	}
	free(k);
	return 1;
}

/* RootDirectory=, RootImage=: an absolute path after specifiers; empty clears. */
static int parse_path(const struct line_ctx *c)
{
	char **dst = FIELD(c, char *);
	if (!*c->value)
		return set_string(dst, NULL) < 0 ? -ENOMEM : 1;
	char *k;
	int r = expand_value(c, false, &k);
	if (r != 0)
		return r;
	/* systemd refuses the unit for a relative or non-normalised root path */
	size_t kl = strlen(k);
	if (k[0] != '/' || strstr(k, "/../") || (kl >= 3 && strcmp(k + kl - 3, "/..") == 0)) {
		hd_diag_add(c->diags, HD_ERROR, c->file, c->line, "%s= path is not absolute and normalized: %s (systemd refuses the unit)",
			    c->key, k);
		free(k);
		return -ENOEXEC;
	}
	/* collapse "//" and drop a trailing "/" so "/", "//" and "/." all compare as the root */
	size_t w = 0;
	for (size_t i = 0; k[i]; i++) {
		if (k[i] == '/' && w > 0 && k[w - 1] == '/')
			continue;
		if (k[i] == '.' && k[i - 1] == '/' && (k[i + 1] == '/' || !k[i + 1]))
			continue;
		k[w++] = k[i];
	}
	while (w > 1 && k[w - 1] == '/')
		w--;
	k[w] = 0;
	free(*dst);
	*dst = k;
	return 1;
}

/* CapabilityBoundingSet=, AmbientCapabilities=: systemd's merge rules. */
static int parse_capabilities(const struct line_ctx *c)
{
	uint64_t *set = FIELD(c, uint64_t);
	const uint64_t initial = strcmp(c->key, "CapabilityBoundingSet") == 0 ? HD_CAP_ALL : 0;
	const char *p = c->value;
	bool invert = false;
	if (*p == '~') {
		invert = true;
		p++;
	}
	uint64_t sum = 0;
	for (;;) {
		char *w = NULL;
		int r = next_word(&p, &w);
		if (r == 0)
			break;
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return warn(c, "Failed to parse capability list, ignoring: %s", c->value);
		int cap = hd_capability_from_name(w);
		/* systemd drops unknown names without a warning; so do we, but we say so */
		if (cap < 0)
			hd_diag_add(c->diags, HD_WARNING, c->file, c->line,
				    "unknown capability '%s' ignored (systemd ignores it silently)", w);
		else
			sum |= HD_CAP_BIT(cap);
		free(w);
	}
	/* An empty list, "~", or a still-initial set is replaced; otherwise the line merges in. */
	if (sum == 0 || *set == initial)
		*set = invert ? ~sum : sum;
	else if (invert)
		*set &= ~sum;
	else
		*set |= sum;
	return 1;
}

static int parse_umask(const struct line_ctx *c)
{
	const char *v = c->value;
	char *end;
	if (!*v || !all_in(v, "01234567"))
		return warn(c, "Failed to parse mode value, ignoring: %s", v);
	unsigned long m = strtoul(v, &end, 8);
	if (m > 07777)
		return warn(c, "Failed to parse mode value, ignoring: %s", v);
	*FIELD(c, unsigned) = (unsigned)m;
	return 1;
}

#define ENUM_PARSER(fn, type, table, what)                                     \
	static int fn(const struct line_ctx *c)                                \
	{                                                                      \
		int v = enum_lookup(table, c->value);                         \
		if (v < 0)                                                     \
			return warn(c, "Failed to parse " what ", ignoring: %s", c->value); \
		*FIELD(c, type) = (type)v;                                     \
		return 1;                                                      \
	}

static const struct enum_name keyring_modes[] = {
	{ "inherit", HD_KEYRING_INHERIT }, { "private", HD_KEYRING_PRIVATE }, { "shared", HD_KEYRING_SHARED }, { 0 }
};
static const struct enum_name protect_procs[] = {
	{ "default", HD_PROTECT_PROC_DEFAULT }, { "noaccess", HD_PROTECT_PROC_NOACCESS },
	{ "invisible", HD_PROTECT_PROC_INVISIBLE }, { "ptraceable", HD_PROTECT_PROC_PTRACEABLE }, { 0 }
};
static const struct enum_name proc_subsets[] = { { "all", HD_PROC_SUBSET_ALL }, { "pid", HD_PROC_SUBSET_PID }, { 0 } };
static const struct enum_name notify_accesses[] = {
	{ "none", HD_NOTIFY_NONE }, { "all", HD_NOTIFY_ALL }, { "main", HD_NOTIFY_MAIN }, { "exec", HD_NOTIFY_EXEC }, { 0 }
};
static const struct enum_name device_policies[] = {
	{ "auto", HD_DEVICE_POLICY_AUTO }, { "closed", HD_DEVICE_POLICY_CLOSED }, { "strict", HD_DEVICE_POLICY_STRICT }, { 0 }
};

ENUM_PARSER(parse_keyring_mode, enum hd_keyring_mode, keyring_modes, "keyring mode")
ENUM_PARSER(parse_protect_proc, enum hd_protect_proc, protect_procs, "/proc/ protection mode")
ENUM_PARSER(parse_proc_subset, enum hd_proc_subset, proc_subsets, "/proc/ subset mode")
ENUM_PARSER(parse_notify_access, enum hd_notify_access, notify_accesses, "notify access specifier")
ENUM_PARSER(parse_device_policy, enum hd_device_policy, device_policies, "device policy")

/* ProtectHome=/ProtectSystem=: a boolean or one of the named levels. */
static int parse_protect_home(const struct line_ctx *c)
{
	static const struct enum_name t[] = { { "read-only", HD_PROTECT_HOME_READ_ONLY }, { "tmpfs", HD_PROTECT_HOME_TMPFS }, { 0 } };
	int b = hd_parse_boolean(c->value), v = b >= 0 ? (b ? HD_PROTECT_HOME_YES : HD_PROTECT_HOME_NO) : enum_lookup(t, c->value);
	if (v < 0)
		return warn(c, "Failed to parse protect home value, ignoring: %s", c->value);
	*FIELD(c, enum hd_protect_home) = (enum hd_protect_home)v;
	return 1;
}

static int parse_protect_system(const struct line_ctx *c)
{
	static const struct enum_name t[] = { { "full", HD_PROTECT_SYSTEM_FULL }, { "strict", HD_PROTECT_SYSTEM_STRICT }, { 0 } };
	int b = hd_parse_boolean(c->value), v = b >= 0 ? (b ? HD_PROTECT_SYSTEM_YES : HD_PROTECT_SYSTEM_NO) : enum_lookup(t, c->value);
	if (v < 0)
		return warn(c, "Failed to parse protect system value, ignoring: %s", c->value);
	*FIELD(c, enum hd_protect_system) = (enum hd_protect_system)v;
	return 1;
}

/* cgroup v2 controller names Delegate= accepts (systemd 252). */
static const char *const cgroup_controllers[] = {
	"cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids",
	"bpf-firewall", "bpf-devices", "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces", NULL
};

static int parse_delegate(const struct line_ctx *c)
{
	if (!*c->value) {
		c->s->delegate = true; /* an empty Delegate= resets the controllers and means yes */
		return 1;
	}
	int b = hd_parse_boolean(c->value);
	if (b >= 0) {
		c->s->delegate = b;
		return 1;
	}
	const char *p = c->value;
	for (;;) {
		char *w = NULL;
		int r = next_word(&p, &w);
		if (r == 0)
			break;
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return warn(c, "Invalid syntax, ignoring: %s", c->value);
		bool known = false;
		for (size_t i = 0; cgroup_controllers[i]; i++)
			known |= strcmp(w, cgroup_controllers[i]) == 0;
		if (!known)
			warn(c, "Invalid controller name '%s', ignoring", w);
		free(w);
	}
	/* a controller list, valid names or not, turns delegation on */
	c->s->delegate = true;
	return 1;
}

/* DeviceAllow=PATH [RIGHTS]: rights from "rwm"; empty clears the list. */
static int parse_device_allow(const struct line_ctx *c)
{
	hd_strv *sv = &c->s->device_allow;
	if (!*c->value) {
		hd_strv_free(sv);
		return 1;
	}
	const char *p = c->value;
	char *path = NULL, *k = NULL;
	int r = next_word(&p, &path);
	if (r == -ENOMEM)
		return r;
	if (r <= 0)
		return warn(c, "Invalid syntax, ignoring: %s", c->value);
	r = expand(c->u, path, &k);
	free(path);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return warn(c, "Failed to resolve unit specifiers, ignoring: %s", c->value);
	while (*p == ' ' || *p == '\t')
		p++;
	const char *rights = *p ? p : "rwm";
	if (strspn(rights, "rwm") != strlen(rights)) {
		free(k);
		return warn(c, "Invalid device rights '%s', ignoring.", rights);
	}
	if (strncmp(k, "/dev/", 5) != 0 && strncmp(k, "char-", 5) != 0 && strncmp(k, "block-", 6) != 0 &&
	    strncmp(k, "/run/systemd/inaccessible/", 26) != 0) {
		warn(c, "Invalid device node path '%s', ignoring.", k);
		free(k);
		return 1;
	}
	r = hd_strv_pushf(sv, "%s %s", k, rights);
	free(k);
	return r < 0 ? r : 1;
}

/* Parse an IPv4/IPv6 prefix; returns the family (4 or 6) and fills the bits, or -EINVAL. */
static int parse_prefix(const char *w, unsigned char addr[16], unsigned *prefixlen)
{
	char buf[64];
	const char *slash = strchr(w, '/');
	size_t alen = slash ? (size_t)(slash - w) : strlen(w);
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, w, alen);
	buf[alen] = 0;
	int family;
	memset(addr, 0, 16);
	if (strchr(buf, ':')) {
		family = 6;
		if (inet_pton(AF_INET6, buf, addr) != 1)
			return -EINVAL;
	} else {
		family = 4;
		if (inet_pton(AF_INET, buf, addr) != 1)
			return -EINVAL;
	}
	unsigned max = family == 4 ? 32 : 128;
	*prefixlen = max;
	if (slash) {
		if (!all_in(slash + 1, "0123456789") || strlen(slash + 1) > 3)
			return -EINVAL;
		*prefixlen = (unsigned)atoi(slash + 1);
		if (*prefixlen > max)
			return -EINVAL;
	}
	return family;
}

static bool is_localhost_name(const char *w)
{
	size_t n = strlen(w);
	return strcasecmp(w, "localhost") == 0 || strcasecmp(w, "localhost.") == 0 ||
	       strcasecmp(w, "localhost.localdomain") == 0 || strcasecmp(w, "localhost.localdomain.") == 0 ||
	       (n > 10 && strcasecmp(w + n - 10, ".localhost") == 0) ||
	       (n > 11 && strcasecmp(w + n - 11, ".localhost.") == 0) ||
	       (n > 22 && strcasecmp(w + n - 22, ".localhost.localdomain") == 0) ||
	       (n > 23 && strcasecmp(w + n - 23, ".localhost.localdomain.") == 0);
}

/* IPAddressDeny=/IPAddressAllow=: words are prefixes or any/localhost/link-local/multicast. */
static int parse_ip_prefixes(const struct line_ctx *c)
{
	struct hd_settings *s = c->s;
	const bool deny = strcmp(c->key, "IPAddressDeny") == 0;
	if (!*c->value) {
		if (deny)
			s->ip_deny_any_ipv4 = s->ip_deny_any_ipv6 = false;
		else
			s->ip_allow_localhost = s->ip_allow_other = 0;
		return 1;
	}
	const char *p = c->value;
	for (;;) {
		char *w = NULL;
		int r = next_word_ex(&p, false, &w);
		if (r == 0)
			break;
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return warn(c, "Invalid syntax, ignoring: %s", c->value);
		/* each word adds prefixes: (ipv4 /0, ipv6 /0, localhost, other) */
		bool any4 = false, any6 = false;
		unsigned local = 0, other = 0;
		if (strcmp(w, "any") == 0) {
			any4 = any6 = true;
			other = 2;
		} else if (is_localhost_name(w)) {
			local = 2;
		} else if (strcmp(w, "link-local") == 0 || strcmp(w, "multicast") == 0) {
			other = 2;
		} else {
			unsigned char a[16];
			unsigned plen;
			int fam = parse_prefix(w, a, &plen);
			if (fam < 0) {
				warn(c, "Address prefix is invalid, ignoring assignment: %s", w);
				free(w);
				continue;
			}
			/* systemd stores the prefix with the host bits cleared: "::1/64" is "::/64", not localhost */
			unsigned bytes = fam == 4 ? 4 : 16;
			for (unsigned bit = plen; bit < bytes * 8; bit++)
				a[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
			static const unsigned char v6_loopback[16] = { [15] = 1 };
			bool is_local = fam == 4 ? a[0] == 127 : memcmp(a, v6_loopback, 16) == 0;
			if (plen == 0) {
				any4 = fam == 4;
				any6 = fam == 6;
			}
			if (is_local)
				local = 1;
			else
				other = 1;
		}
		free(w);
		if (deny) {
			s->ip_deny_any_ipv4 |= any4;
			s->ip_deny_any_ipv6 |= any6;
		} else {
			s->ip_allow_localhost += local;
			s->ip_allow_other += other;
		}
	}
	return 1;
}

/* IPIngressFilterPath=/IPEgressFilterPath=: absolute paths of pinned BPF programs; empty clears. */
static int parse_bpf_path(const struct line_ctx *c)
{
	hd_strv *sv = FIELD(c, hd_strv);
	if (!*c->value) {
		hd_strv_free(sv);
		return 1;
	}
	char *k;
	int r = expand_value(c, false, &k);
	if (r != 0)
		return r;
	if (k[0] != '/')
		warn(c, "path is not absolute, ignoring: %s", k);
	else if ((r = hd_strv_push(sv, k)) < 0) {
		free(k);
		return r;
	}
	free(k);
	return 1;
}

static const struct enum_name service_types[] = {
	{ "simple", HD_SERVICE_SIMPLE }, { "exec", HD_SERVICE_EXEC }, { "forking", HD_SERVICE_FORKING },
	{ "oneshot", HD_SERVICE_ONESHOT }, { "dbus", HD_SERVICE_DBUS }, { "notify", HD_SERVICE_NOTIFY },
	{ "notify-reload", HD_SERVICE_NOTIFY_RELOAD }, { "idle", HD_SERVICE_IDLE }, { 0 }
};

static int parse_type(const struct line_ctx *c, int sdver)
{
	int v = enum_lookup(service_types, c->value);
	/* notify-reload arrived in systemd 253 */
	if (v < 0 || (v == HD_SERVICE_NOTIFY_RELOAD && sdver < HD_SD_NOTIFY_RELOAD))
		return warn(c, "Failed to parse service type, ignoring: %s", c->value);
	c->s->type = (enum hd_service_type)v;
	return 1;
}

/*
 * ExecStart=/ExecStop=: count the commands (a line may hold several, separated by a lone ";"), and
 * refuse what systemd refuses: an executable that is neither a file name nor an absolute path.
 */
static int parse_exec(const struct line_ctx *c)
{
	unsigned *count = FIELD(c, unsigned);
	if (!*c->value) {
		*count = 0;
		return 1;
	}
	char *k;
	int r = expand_value(c, true, &k);
	if (r != 0)
		return r;
	const char *p = k;
	bool want_command = true;
	unsigned added = 0;
	for (;;) {
		char *w = NULL;
		r = next_word(&p, &w);
		if (r == 0)
			break;
		if (r == -ENOMEM) {
			free(k);
			return r;
		}
		if (r < 0) {
			free(k);
			return fatal(c, "Invalid command line, unbalanced quotes or trailing backslash: %s (systemd refuses the unit)",
				     c->value);
		}
		if (strcmp(w, ";") == 0) {
			want_command = true;
			free(w);
			continue;
		}
		if (want_command) {
			const char *exe = w + strspn(w, "@-:+!");
			if (!*exe) {
				free(w);
				free(k);
				return fatal(c, "Empty executable name: %s (systemd refuses the unit)", c->value);
			}
			if (exe[0] != '/' && strchr(exe, '/')) {
				hd_diag_add(c->diags, HD_ERROR, c->file, c->line,
					    "Neither a valid executable name nor an absolute path: %s (systemd refuses the unit)", exe);
				free(w);
				free(k);
				return -ENOEXEC;
			}
			added++;
			want_command = false;
		}
		free(w);
	}
	free(k);
	*count += added;
	return 1;
}

static int parse_restart(const struct line_ctx *c)
{
	static const char *const valid[] = { "no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always", NULL };
	for (size_t i = 0; valid[i]; i++)
		if (strcmp(c->value, valid[i]) == 0) {
			c->s->restart_forbidden_for_oneshot = strcmp(c->value, "always") == 0 || strcmp(c->value, "on-success") == 0;
			return 1;
		}
	return warn(c, "Failed to parse service restart specifier, ignoring: %s", c->value);
}

static int parse_kill_mode(const struct line_ctx *c)
{
	static const char *const valid[] = { "control-group", "process", "mixed", "none", NULL };
	for (size_t i = 0; valid[i]; i++)
		if (strcmp(c->value, valid[i]) == 0) {
			c->s->kill_mode_allows_pam = i == 0 || i == 2;
			return 1;
		}
	return warn(c, "Failed to parse kill mode, ignoring: %s", c->value);
}

/* SuccessAction=, BusName=, PAMName=: only whether they are set matters here. */
static int parse_presence(const struct line_ctx *c)
{
	bool set = *c->value != 0;
	if (set && strcmp(c->key, "SuccessAction") == 0)
		set = strcmp(c->value, "none") != 0;
	*FIELD(c, bool) = set;
	return 1;
}

/* ---------------------------------------------------------------- the key table (data) */

struct setting_def {
	const char *section;
	const char *key;
	int (*parse)(const struct line_ctx *c);
	size_t offset;
};

#define S(section, key, fn, field) { section, key, fn, offsetof(struct hd_settings, field) }

static const struct setting_def setting_defs[] = {
	S("Unit", "DefaultDependencies", parse_bool_field, default_dependencies),

	/* identity: invalid names are fatal in systemd */
	S("Service", "User", parse_user, user),
	S("Service", "Group", parse_user, group),
	S("Service", "DynamicUser", parse_bool_fatal, dynamic_user),
	S("Service", "SupplementaryGroups", parse_groups, supplementary_groups),

	S("Service", "PrivateMounts", parse_tristate, private_mounts),
	S("Service", "PrivateNetwork", parse_bool_field, private_network),
	S("Service", "PrivateTmp", parse_bool_field, private_tmp),
	S("Service", "PrivateUsers", parse_bool_field, private_users),
	S("Service", "ProtectControlGroups", parse_bool_field, protect_control_groups),
	S("Service", "ProtectHome", parse_protect_home, protect_home),
	S("Service", "ProtectSystem", parse_protect_system, protect_system),
	S("Service", "RootDirectory", parse_path, root_directory),
	S("Service", "RootImage", parse_path, root_image),

	S("Service", "CapabilityBoundingSet", parse_capabilities, capability_bounding_set),
	S("Service", "AmbientCapabilities", parse_capabilities, ambient_capabilities),
	S("Service", "UMask", parse_umask, umask),
	S("Service", "KeyringMode", parse_keyring_mode, keyring_mode),
	S("Service", "ProtectProc", parse_protect_proc, protect_proc),
	S("Service", "ProcSubset", parse_proc_subset, proc_subset),
	S("Service", "NotifyAccess", parse_notify_access, notify_access),
	S("Service", "RemoveIPC", parse_bool_field, remove_ipc),
	S("Service", "Delegate", parse_delegate, delegate),

	S("Service", "IPAddressDeny", parse_ip_prefixes, ip_deny_any_ipv4),
	S("Service", "IPAddressAllow", parse_ip_prefixes, ip_allow_localhost),
	S("Service", "IPIngressFilterPath", parse_bpf_path, ip_ingress_filters),
	S("Service", "IPEgressFilterPath", parse_bpf_path, ip_egress_filters),
	S("Service", "DevicePolicy", parse_device_policy, device_policy),
	S("Service", "DeviceAllow", parse_device_allow, device_allow),

	/* service bookkeeping for systemd's refusals */
	S("Service", "ExecStart", parse_exec, n_exec_start),
	S("Service", "ExecStop", parse_exec, n_exec_stop),
	/* checked like ExecStart= (systemd refuses bad executables there too), counted nowhere */
	S("Service", "ExecStartPre", parse_exec, n_exec_other),
	S("Service", "ExecStartPost", parse_exec, n_exec_other),
	S("Service", "ExecCondition", parse_exec, n_exec_other),
	S("Service", "ExecReload", parse_exec, n_exec_other),
	S("Service", "ExecStopPost", parse_exec, n_exec_other),
	S("Service", "RemainAfterExit", parse_bool_field, remain_after_exit),
	S("Service", "Restart", parse_restart, restart_forbidden_for_oneshot),
	S("Service", "KillMode", parse_kill_mode, kill_mode_allows_pam),
	S("Service", "BusName", parse_presence, has_bus_name),
	S("Service", "PAMName", parse_presence, has_pam_name),
	S("Unit", "SuccessAction", parse_presence, has_success_action),
};

/* ---------------------------------------------------------------- public API */

void hd_settings_init(struct hd_settings *s)
{
	*s = (struct hd_settings){
		.default_dependencies = true,
		.private_mounts = HD_UNSET,
		.capability_bounding_set = HD_CAP_ALL,
		.umask = 0022,
		.keyring_mode = HD_KEYRING_PRIVATE, /* system services get a private session keyring */
		.protect_proc = HD_PROTECT_PROC_DEFAULT,
		.proc_subset = HD_PROC_SUBSET_ALL,
		.notify_access = HD_NOTIFY_NONE,
		.device_policy = HD_DEVICE_POLICY_AUTO,
		.type = HD_SERVICE_TYPE_UNSET,
		.kill_mode_allows_pam = true,
	};
	hd_seccomp_settings_init(&s->seccomp);
}

void hd_settings_free(struct hd_settings *s)
{
	free(s->unit_name);
	free(s->user);
	free(s->group);
	free(s->root_directory);
	free(s->root_image);
	hd_strv_free(&s->supplementary_groups);
	hd_strv_free(&s->ip_ingress_filters);
	hd_strv_free(&s->ip_egress_filters);
	hd_strv_free(&s->device_allow);
	hd_seccomp_settings_free(&s->seccomp);
	*s = (struct hd_settings){0};
}

int hd_settings_apply(struct hd_settings *s, const struct hd_unit *u, const char *section, const char *key,
		      const char *value, int sdver, const char *file, unsigned line, hd_diags *diags)
{
	if (!section || !key || !value)
		return 0;
	if (strcmp(section, "Service") == 0) {
		int r = hd_seccomp_apply(&s->seccomp, key, value, sdver, file, line, diags);
		if (r != 0)
			return r;
		if (strcmp(key, "Type") == 0) {
			struct line_ctx c = { s, u, key, value, file, line, diags, 0, sdver };
			return parse_type(&c, sdver);
		}
	}
	for (size_t i = 0; i < sizeof(setting_defs) / sizeof(setting_defs[0]); i++) {
		const struct setting_def *d = &setting_defs[i];
		if (strcmp(d->key, key) != 0 || strcmp(d->section, section) != 0)
			continue;
		struct line_ctx c = { s, u, key, value, file, line, diags, d->offset, sdver };
		return d->parse(&c);
	}
	return 0;
}

bool hd_settings_runs_privileged(const struct hd_settings *s)
{
	if (s->user && (strcmp(s->user, "0") == 0 || strcmp(s->user, "root") == 0))
		return true;
	if (s->dynamic_user)
		return false;
	return !s->user || !*s->user;
}

/* The user name DynamicUser= picks when User= is unset: the unit's prefix if it is a valid name,
 * else "_du" and a hash of it (we only need it to be a non-root name, as systemd's is). */
static int dynamic_user_name(const char *unit_name, char **out)
{
	const char *n = unit_name ? unit_name : "unknown.service";
	size_t len = strcspn(n, "@.");
	char prefix[64];
	if (len > 0 && len < sizeof(prefix)) {
		memcpy(prefix, n, len);
		prefix[len] = 0;
		if (user_name_strict(prefix)) {
			*out = strdup(prefix);
			return *out ? 0 : -ENOMEM;
		}
	}
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = n; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	char buf[32];
	snprintf(buf, sizeof(buf), "_du%016llx", (unsigned long long)h);
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

int hd_settings_finalize(struct hd_settings *s)
{
	struct hd_seccomp_settings *sc = &s->seccomp;
	/* Settings that take capabilities away when the manager loads the unit. */
	if (sc->private_devices)
		s->capability_bounding_set &= ~(HD_CAP_BIT(27 /* MKNOD */) | HD_CAP_BIT(17 /* SYS_RAWIO */));
	if (sc->protect_kernel_modules)
		s->capability_bounding_set &= ~HD_CAP_BIT(16 /* SYS_MODULE */);
	if (sc->protect_kernel_logs)
		s->capability_bounding_set &= ~HD_CAP_BIT(34 /* SYSLOG */);
	if (sc->protect_clock)
		s->capability_bounding_set &= ~(HD_CAP_BIT(25 /* SYS_TIME */) | HD_CAP_BIT(35 /* WAKE_ALARM */));

	/* A dynamic user must not leave files or IPC objects behind: systemd enforces a strict sandbox. */
	if (s->dynamic_user) {
		if (!s->user) {
			int r = dynamic_user_name(s->unit_name, &s->user);
			if (r < 0)
				return r;
		}
		if (!s->group && !(s->group = strdup(s->user)))
			return -ENOMEM;
		s->private_tmp = true;
		s->remove_ipc = true;
		s->protect_system = HD_PROTECT_SYSTEM_STRICT;
		if (s->protect_home == HD_PROTECT_HOME_NO)
			s->protect_home = HD_PROTECT_HOME_READ_ONLY;
		sc->no_new_privileges = true;
		sc->restrict_suid_sgid = true;
	}

	if (sc->private_devices && s->device_policy == HD_DEVICE_POLICY_AUTO)
		s->device_policy = HD_DEVICE_POLICY_CLOSED;

	/* RootImage= needs the loop and device-mapper devices when a device ACL is in force. */
	if (s->root_image && (s->device_policy != HD_DEVICE_POLICY_AUTO || s->device_allow.n > 0)) {
		static const char *const implied[] = {
			"/dev/loop-control rw", "/dev/mapper/control rw", "block-loop rwm", "block-blkext rwm",
			"block-device-mapper rwm",
		};
		for (size_t i = 0; i < sizeof(implied) / sizeof(implied[0]); i++)
			if (hd_strv_push(&s->device_allow, implied[i]) < 0)
				return -ENOMEM;
	}
	/* ProtectClock= lets the service read the RTC through the device ACL. */
	if (sc->protect_clock && hd_strv_push(&s->device_allow, "char-rtc r") < 0)
		return -ENOMEM;

	if (s->type == HD_SERVICE_TYPE_UNSET)
		s->type = s->has_bus_name ? HD_SERVICE_DBUS : s->n_exec_start ? HD_SERVICE_SIMPLE : HD_SERVICE_ONESHOT;
	return 0;
}

/* systemd's service_verify: units it refuses to load. */
static int verify_service(const struct hd_settings *s, const char *file, hd_diags *diags)
{
	const char *why = NULL;
	if (!s->n_exec_start && !s->n_exec_stop && !s->has_success_action)
		why = "Service has no ExecStart=, ExecStop=, or SuccessAction=";
	else if (s->type != HD_SERVICE_ONESHOT && !s->n_exec_start)
		why = "Service has no ExecStart= setting, which is only allowed for Type=oneshot services";
	else if (!s->remain_after_exit && !s->n_exec_start && !s->has_success_action)
		why = "Service has no ExecStart= and no SuccessAction= settings and does not have RemainAfterExit=yes set";
	else if (s->type != HD_SERVICE_ONESHOT && s->n_exec_start > 1)
		why = "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services";
	else if (s->type == HD_SERVICE_ONESHOT && s->restart_forbidden_for_oneshot)
		why = "Service has Restart= set to either always or on-success, which isn't allowed for Type=oneshot services";
	else if (s->type == HD_SERVICE_DBUS && !s->has_bus_name)
		why = "Service is of type D-Bus but no D-Bus service name has been specified";
	else if (s->has_pam_name && !s->kill_mode_allows_pam)
		why = "Service has PAM enabled. Kill mode must be set to 'control-group' or 'mixed'";
	if (!why)
		return 0;
	hd_diag_add(diags, HD_ERROR, file, 0, "%s; systemd refuses to load this unit", why);
	return -ENOEXEC;
}

int hd_settings_from_unit(const struct hd_unit *u, int sdver, struct hd_settings *out, hd_diags *diags)
{
	hd_settings_init(out);
	if (u->name && !(out->unit_name = strdup(u->name)))
		return -ENOMEM;
	int fatal_r = 0;
	for (size_t i = 0; i < u->n; i++) {
		const struct hd_unit_assignment *a = &u->v[i];
		/* systemd refuses a unit with any line that is not valid UTF-8 */
		if (!utf8_valid(a->key) || !utf8_valid(a->value)) {
			hd_diag_add(diags, HD_ERROR, a->file, a->line,
				    "String is not UTF-8 clean: %s= (systemd refuses the whole unit)", utf8_valid(a->key) ? a->key : "?");
			fatal_r = -ENOEXEC;
			continue;
		}
		int r = hd_settings_apply(out, u, a->section, a->key, a->value, sdver, a->file, a->line, diags);
		if (r == -ENOMEM)
			return r;
		if (r == -ENOEXEC)
			fatal_r = r;
	}
	if (fatal_r < 0)
		return fatal_r;
	int r = hd_settings_finalize(out);
	if (r < 0)
		return r;
	return verify_service(out, u->path, diags);
}
