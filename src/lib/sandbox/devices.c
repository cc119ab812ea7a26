/* SPDX-License-Identifier: MIT */
#include "sandbox/devices.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* a small /proc file, whole: a NUL-terminated copy, or NULL */
static char *read_proc_text(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	for (size_t got; buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0;) {
		len += got;
		if (cap - len - 1 == 0) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = 0;
	return buf;
}

bool hd_devices_setting(const char *key)
{
	return strcmp(key, "DevicePolicy") == 0 || strcmp(key, "DeviceAllow") == 0;
}

static int push_allow(struct hd_devices *d, const char *path, const char *rights, bool implied)
{
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 8;
		struct hd_device_allow *nv = realloc(d->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		d->v = nv;
		d->cap = nc;
	}
	char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	bool all = !rights || !*rights; /* systemd: no rights given means all three */
	d->v[d->n++] = (struct hd_device_allow){ .path = p, .r = all || strchr(rights, 'r'),
						 .w = all || strchr(rights, 'w'), .m = all || strchr(rights, 'm'), .implied = implied };
	return 0;
}

/* systemd's path_simplify(): "//" and "/./" collapsed, a trailing "/" or "/." dropped; false when ".."
 * remains (path_is_normalized() refuses it) */
static bool simplify_path(char *p)
{
	char *w = p;
	for (const char *r = p; *r;) {
		if (*r == '/') {
			while (r[0] == '/' && (r[1] == '/' || (r[1] == '.' && (r[2] == '/' || r[2] == 0))))
				r += r[1] == '/' ? 1 : 2;
			if (w > p && r[0] == '/' && r[1] == 0)
				break; /* a trailing slash */
		}
		*w++ = *r++;
	}
	*w = 0;
	for (const char *s = p; (s = strstr(s, "..")); s += 2)
		if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == 0))
			return false;
	return true;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int hd_devices_add(struct hd_devices *d, const char *key, const char *value, const char *file, unsigned line,
		   hd_diags *diags)
{
	if (strcmp(key, "DevicePolicy") == 0) {
		static const char *const names[] = { "auto", "closed", "strict" };
		for (size_t i = 0; i < 3; i++)
			if (strcmp(value, names[i]) == 0) {
				d->policy = (enum hd_device_policy)i;
				return hd_strv_push_unique(&d->settings, key) < 0 ? -ENOMEM : 1;
			}
		hd_diag_add(diags, HD_WARNING, file, line, "DevicePolicy=%s: not auto, closed or strict, ignored (as systemd does)",
			    value);
		return -EINVAL;
	}
	if (hd_strv_push_unique(&d->settings, key) < 0)
		return -ENOMEM;
	const char *p = value + strspn(value, " \t\n");
	if (!*p) { /* an empty assignment clears the list */
		for (size_t i = 0; i < d->n; i++)
			free(d->v[i].path);
		d->n = 0;
		return 1;
	}
	/* the path: the first word, quotes taken off (systemd's extract_first_word with EXTRACT_UNQUOTE) */
	char path[4096];
	size_t k = 0;
	char quote = 0;
	for (; *p && (quote || !strchr(" \t\n", *p)); p++) {
		if (!quote && (*p == '"' || *p == '\'')) {
			quote = *p;
			continue;
		}
		if (quote && *p == quote) {
			quote = 0;
			continue;
		}
		if (k + 1 >= sizeof(path))
			break;
		path[k++] = *p;
	}
	path[k] = 0;
	const char *rights = p + strspn(p, " \t\n");
	if (quote || k == 0) {
		hd_diag_add(diags, HD_WARNING, file, line, "DeviceAllow=%s: cannot read the device and rights, ignored", value);
		return 0;
	}
	if (!starts_with(path, "block-") && !starts_with(path, "char-")) {
		bool ok = path[0] == '/' && simplify_path(path);
		size_t pl = strlen(path);
		if (!ok || !(starts_with(path, "/dev/") || starts_with(path, "/run/systemd/inaccessible/")) ||
		    path[pl - 1] == '/') {
			hd_diag_add(diags, HD_WARNING, file, line, "DeviceAllow=%s: invalid device node path '%s', ignored",
				    value, path);
			return 0;
		}
	}
	if (*rights && strspn(rights, "rwm") != strlen(rights)) {
		hd_diag_add(diags, HD_WARNING, file, line, "DeviceAllow=%s: invalid device rights '%s', ignored", value, rights);
		return 0;
	}
	return push_allow(d, path, rights, false) < 0 ? -ENOMEM : 1;
}

int hd_devices_patch(struct hd_devices *d, bool private_devices, bool protect_clock)
{
	if (private_devices && d->policy == HD_DEVICE_POLICY_AUTO) {
		d->policy = HD_DEVICE_POLICY_CLOSED;
		if (hd_strv_push_unique(&d->settings, "PrivateDevices") < 0)
			return -ENOMEM;
	}
	/* only with a policy in force: the entry would otherwise close everything else */
	if (protect_clock && hd_devices_active(d)) {
		if (push_allow(d, "char-rtc", "r", true) < 0 || hd_strv_push_unique(&d->settings, "ProtectClock") < 0)
			return -ENOMEM;
	}
	return 0;
}

bool hd_devices_active(const struct hd_devices *d)
{
	return d->policy != HD_DEVICE_POLICY_AUTO || d->n > 0;
}

void hd_devices_free(struct hd_devices *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].path);
	free(d->v);
	hd_strv_free(&d->settings);
	*d = (struct hd_devices){ 0 };
}

/* ---- the entries made concrete ---- */

static int push_rule(struct hd_device_rules *r, char type, int major, int minor, unsigned access, const char *from)
{
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 16;
		struct hd_device_rule *nv = realloc(r->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		r->v = nv;
		r->cap = nc;
	}
	r->v[r->n++] = (struct hd_device_rule){ .type = type, .major = major, .minor = minor, .access = access, .from = from };
	return 0;
}

static unsigned access_of(const char *rights)
{
	unsigned a = 0;
	for (; *rights; rights++)
		a |= *rights == 'r' ? BPF_DEVCG_ACC_READ : *rights == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
	return a;
}

/* systemd's device_path_parse_major_minor: /dev/char/M:N, /dev/block/M:N and the inaccessible nodes,
 * without looking at the disk. 1 parsed, 0 not such a path, -EINVAL a bad number. */
static int parse_major_minor(const char *path, char *type, unsigned *maj, unsigned *min)
{
	const char *w;
	if (strcmp(path, "/run/systemd/inaccessible/chr") == 0 || strcmp(path, "/run/systemd/inaccessible/blk") == 0) {
		*type = path[strlen(path) - 3] == 'c' ? 'c' : 'b';
		*maj = *min = 0;
		return 1;
	}
	if (starts_with(path, "/dev/block/"))
		*type = 'b', w = path + strlen("/dev/block/");
	else if (starts_with(path, "/dev/char/"))
		*type = 'c', w = path + strlen("/dev/char/");
	else
		return 0;
	char *end;
	errno = 0;
	unsigned long a = strtoul(w, &end, 10);
	if (end == w || *end != ':' || errno)
		return -EINVAL;
	const char *m = end + 1;
	unsigned long b = strtoul(m, &end, 10);
	if (end == m || *end || errno || a > 0xfff || b > 0xfffff)
		return -EINVAL;
	*maj = (unsigned)a;
	*min = (unsigned)b;
	return 1;
}

static int allow_node(struct hd_device_rules *out, const char *path, const char *rights, hd_diags *diags)
{
	char type;
	unsigned maj, min;
	int p = parse_major_minor(path, &type, &maj, &min);
	if (p < 0) {
		hd_diag_add(diags, HD_WARNING, NULL, 0, "DeviceAllow=%s: cannot parse its major:minor, skipped", path);
		return 0;
	}
	if (p == 0) {
		struct stat st;
		if (stat(path, &st) < 0) {
			hd_diag_add(diags, HD_WARNING, NULL, 0, "DeviceAllow=%s: %s, skipped (as systemd does)", path,
				    strerror(errno));
			return 0;
		}
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
			hd_diag_add(diags, HD_WARNING, NULL, 0, "DeviceAllow=%s: not a device node, skipped", path);
			return 0;
		}
		type = S_ISCHR(st.st_mode) ? 'c' : 'b';
		maj = major(st.st_rdev);
		min = minor(st.st_rdev);
	}
	return push_rule(out, type, (int)maj, (int)min, access_of(rights), path) < 0 ? -ENOMEM : 1;
}

/* "char-NAME"/"block-NAME": "*", a major number, or a pattern over /proc/devices' names */
static int allow_class(struct hd_device_rules *out, const char *entry, char type, const char *name,
		       const char *rights, const char *proc_devices, hd_diags *diags)
{
	unsigned access = access_of(rights);
	if (strcmp(name, "*") == 0)
		return push_rule(out, type, -1, -1, access, entry) < 0 ? -ENOMEM : 1;
	char *end;
	errno = 0;
	unsigned long num = strtoul(name, &end, 10);
	if (*name >= '0' && *name <= '9' && !*end && !errno && num <= 0xfff) /* DEVICE_MAJOR_VALID */
		return push_rule(out, type, (int)num, -1, access, entry) < 0 ? -ENOMEM : 1;
	const char *section = type == 'c' ? "Character devices:" : "Block devices:";
	bool in = false, any = false;
	for (const char *l = proc_devices; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char line[256];
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), l);
		l = nl ? nl + 1 : l + len;
		if (strcmp(line, section) == 0) {
			in = true;
			continue;
		}
		if (!line[0]) {
			in = false;
			continue;
		}
		if (!in)
			continue;
		char dev[200];
		unsigned maj;
		if (sscanf(line, " %u %199s", &maj, dev) != 2 || maj == 0)
			continue;
		if (fnmatch(name, dev, 0) != 0)
			continue;
		any = true;
		if (push_rule(out, type, (int)maj, -1, access, entry) < 0)
			return -ENOMEM;
	}
	if (!any) {
		hd_diag_add(diags, HD_WARNING, NULL, 0, "DeviceAllow=%s: no such device class in /proc/devices, skipped", entry);
		return 0;
	}
	return 1;
}

int hd_devices_resolve(const struct hd_devices *d, const char *proc_devices, struct hd_device_rules *out,
		       hd_diags *diags)
{
	static const char *const static_nodes[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
		"/dev/tty", "/dev/ptmx", "/run/systemd/inaccessible/chr", "/run/systemd/inaccessible/blk", NULL };
	*out = (struct hd_device_rules){ 0 };
	char *text = NULL;
	int r = 0;
	if (!proc_devices)
		proc_devices = text = read_proc_text("/proc/devices");
	bool closed = d->policy == HD_DEVICE_POLICY_CLOSED || (d->policy == HD_DEVICE_POLICY_AUTO && d->n > 0);
	/* the static list (systemd ignores its failures silently: /dev/tty may be missing in a container) */
	hd_diags quiet = { 0 }; /* also for what other settings implied */
	for (const char *const *n = static_nodes; closed && r >= 0 && *n; n++)
		r = allow_node(out, *n, "rwm", &quiet);
	if (closed && r >= 0)
		r = allow_class(out, "char-pts", 'c', "pts", "rw", proc_devices, &quiet);
	for (size_t i = 0; r >= 0 && i < d->n; i++) {
		const struct hd_device_allow *a = &d->v[i];
		char rights[4];
		size_t k = 0;
		if (a->r)
			rights[k++] = 'r';
		if (a->w)
			rights[k++] = 'w';
		if (a->m)
			rights[k++] = 'm';
		rights[k] = 0;
		if (k == 0)
			continue;
		if (starts_with(a->path, "/dev/"))
			r = allow_node(out, a->path, rights, diags);
		else if (starts_with(a->path, "block-"))
			r = allow_class(out, a->path, 'b', a->path + 6, rights, proc_devices, diags);
		else if (starts_with(a->path, "char-"))
			r = allow_class(out, a->path, 'c', a->path + 5, rights, proc_devices, a->implied ? &quiet : diags);
		/* else (/run/systemd/inaccessible/... named by DeviceAllow= itself): ignored, as systemd does */
	}
	free(text);
	hd_diags_free(&quiet);
	if (r < 0) {
		hd_device_rules_free(out);
		return r;
	}
	return 0;
}

void hd_device_rules_free(struct hd_device_rules *r)
{
	free(r->v);
	*r = (struct hd_device_rules){ 0 };
}

bool hd_device_rules_allow(const struct hd_device_rules *r, char type, unsigned major, unsigned minor,
			   unsigned access)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct hd_device_rule *x = &r->v[i];
		if ((access & x->access) == access && x->type == type && (x->major < 0 || (unsigned)x->major == major) &&
		    (x->minor < 0 || (unsigned)x->minor == minor))
			return true;
	}
	return false;
}

/* ---- the program ---- */

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

int hd_devices_program(const struct hd_device_rules *r, struct bpf_insn **insns, size_t *n)
{
	/* a rule at most 7 instructions, the head 6, the two endings 4 */
	size_t cap = 6 + 7 * r->n + 4, k = 0;
	struct bpf_insn *p = calloc(cap, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (r->n == 0) { /* nothing is allowed: deny every access */
		p[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
		p[k++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		*insns = p;
		*n = k;
		return 0;
	}
	/* r2 = device type (low 16 bits of access_type), r3 = access (high 16), r4 = major, r5 = minor */
	const int16_t at = (int16_t)offsetof(struct bpf_cgroup_dev_ctx, access_type);
	p[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, at, 0);
	p[k++] = insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
	p[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, at, 0);
	p[k++] = insn(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
	p[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, (int16_t)offsetof(struct bpf_cgroup_dev_ctx, major), 0);
	p[k++] = insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, (int16_t)offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
	/* each rule: its tests jump to its end when one fails (to the next rule), else to "allow". The jump
	 * to "allow" is patched once the program's length is known. */
	size_t *to_allow = calloc(r->n, sizeof(*to_allow));
	if (!to_allow) {
		free(p);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct hd_device_rule *x = &r->v[i];
		bool check_access = (x->access & HD_DEV_ACC_ALL) != HD_DEV_ACC_ALL;
		int tests = 1 + (x->major >= 0) + (x->minor >= 0) + (check_access ? 1 : 0);
		int left = tests; /* the tests still to come, each jumping over the rest and the final jump */
		if (check_access) {
			/* asked & allowed == asked: no right beyond the rule's */
			p[k++] = insn(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
			p[k++] = insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t)x->access);
			p[k++] = insn(BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, (int16_t)left--, 0);
		}
		p[k++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, (int16_t)left--,
			      x->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
		if (x->major >= 0)
			p[k++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, (int16_t)left--, x->major);
		if (x->minor >= 0)
			p[k++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, (int16_t)left--, x->minor);
		to_allow[i] = k;
		p[k++] = insn(BPF_JMP | BPF_JA, 0, 0, 0, 0);
	}
	/* no rule matched: deny */
	p[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	p[k++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	size_t allow = k;
	p[k++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
	p[k++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = 0; i < r->n; i++)
		p[to_allow[i]].off = (int16_t)(allow - to_allow[i] - 1);
	free(to_allow);
	*insns = p;
	*n = k;
	return 0;
}

int hd_devices_load(const struct hd_device_rules *r, char *log, size_t log_size)
{
	struct bpf_insn *p;
	size_t n;
	int e = hd_devices_program(r, &p, &n);
	if (e < 0)
		return e;
	if (n > 30000) { /* a jump offset is 16 bits: far more rules than any unit has */
		free(p);
		return -E2BIG;
	}
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	snprintf(a.prog_name, sizeof(a.prog_name), "hd_devices");
	int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	e = errno;
	if (fd < 0 && e != EPERM && log && log_size) { /* again, for the verifier's words */
		log[0] = 0;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = (uint32_t)log_size;
		a.log_level = 1;
		fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
		e = errno;
	}
	free(p);
	return fd < 0 ? -e : fd;
}
